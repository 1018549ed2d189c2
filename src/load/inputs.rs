//! Reading a site project's files: every input is read once, in parallel,
//! before anything is parsed, so that a build can tell from their bytes
//! which review versions changed since the last build, and parse only
//! those. Event exports (often larger than the rest of the project many
//! times over) are the exception: they are only opened here, fingerprinted
//! by streaming through them, and streamed again by their loader, so that
//! a build never holds one whole.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cap_std::fs::Dir;
use rayon::prelude::*;

use super::config::{self, SiteConfig};
use super::SITE_FILE;
use crate::error::{Diagnostic, Diagnostics, Error};

/// The folder that holds one folder per review week.
pub const REVIEWS_FOLDER: &str = "content/reviews";
/// The folder of program definitions.
pub const PROGRAMS_FOLDER: &str = "content/programs";
/// The folder of metric CSVs.
pub const DATA_FOLDER: &str = "data";

/// Every input file of a site project, read.
#[derive(Debug)]
pub struct InputFiles {
    pub root: PathBuf,
    /// `site.yaml`, parsed (its problems are reported by [`super::Site`]).
    pub config: Result<SiteConfig, Vec<Diagnostic>>,
    config_text: Option<Vec<u8>>,
    /// Site-relative path → its bytes (or that it is streamed), or why it
    /// cannot be read. Published numbers are not held (empty bytes here):
    /// see `not_held`.
    files: BTreeMap<PathBuf, Result<Content, Diagnostic>>,
    /// Published numbers (`numbers.json`), read and fingerprinted but not
    /// held, so that memory does not grow with the published weeks: path
    /// → fingerprint of the bytes. [`InputFiles::read_whole`] reads them
    /// again.
    not_held: HashMap<PathBuf, u64>,
    /// The project folder, for opening the streamed files and reading
    /// published numbers again.
    dir: Dir,
    /// Site-relative folder → its files, sorted, and the problems met
    /// listing it.
    listings: HashMap<String, Listing>,
    /// The names of the entries of `content/reviews/` that are folders,
    /// sorted; hidden ones are left out.
    pub review_folders: Vec<String>,
    /// Problems with `content/reviews/` itself.
    pub reviews_problem: Option<Diagnostic>,
    /// A setting of `site.yaml` that names a missing theme folder, or an
    /// output folder reached through a link: the loader reports it.
    settings_problem: bool,
}

/// A file's contents as the reader keeps them.
#[derive(Debug)]
enum Content {
    Bytes(Vec<u8>),
    /// Not kept: opened again by its loader. Its fingerprint is taken on
    /// first need, by reading it once in blocks.
    Streamed(OnceLock<Result<u64, ()>>),
}

#[derive(Debug, Default)]
struct Listing {
    files: Vec<PathBuf>,
    problems: Vec<Diagnostic>,
}

/// Why a file could not be read.
pub enum ReadError {
    Missing,
    Diagnostic(Diagnostic),
}

/// Fingerprints of a site's inputs, for telling which versions changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputKeys {
    /// Everything every page depends on: sitrep itself (see
    /// [`crate::BUILD_IDENTITY`]), `site.yaml`, the
    /// program definitions, the theme and the data files' names.
    pub shared: u64,
    /// The bytes of every data file.
    pub data: u64,
    /// Each review folder's files (narratives, published numbers).
    pub folders: BTreeMap<String, u64>,
}

impl InputFiles {
    /// Lists and reads every input of the site project at `root`. Only a
    /// missing `site.yaml` is an error here; every other problem is kept
    /// for the loader to report with the rest.
    pub fn read(root: &Path) -> Result<InputFiles, Error> {
        let project = match Project::open(root) {
            Ok(project) => project,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(Diagnostics::from(
                    Diagnostic::new(SITE_FILE, format!("no {SITE_FILE} in {}", root.display()))
                        .with_help(
                            "run sitrep in a site project folder, or pass its path with --root",
                        ),
                )
                .into())
            }
            Err(error) => return Err(Error::io("cannot open", root, error)),
        };
        let project = &project;
        let config_text = match read_file(project, Path::new(SITE_FILE)) {
            Ok(bytes) => Ok(bytes),
            Err(ReadError::Missing) => {
                return Err(Diagnostics::from(
                    Diagnostic::new(SITE_FILE, format!("no {SITE_FILE} in {}", root.display()))
                        .with_help(
                            "run sitrep in a site project folder, or pass its path with --root",
                        ),
                )
                .into())
            }
            Err(ReadError::Diagnostic(diagnostic)) => Err(diagnostic),
        };
        let config = match &config_text {
            Ok(bytes) => {
                config::parse_site_config(&String::from_utf8_lossy(bytes), Path::new(SITE_FILE))
            }
            Err(diagnostic) => Err(vec![diagnostic.clone()]),
        };

        let mut folders = vec![DATA_FOLDER.to_string(), PROGRAMS_FOLDER.to_string()];
        if let Some(name) = config
            .as_ref()
            .ok()
            .and_then(|config| config.theme.as_ref())
        {
            folders.push(format!("themes/{name}/templates"));
            folders.push(format!("themes/{name}/static"));
        }
        let (review_folders, reviews_problem) = list_review_folders(project);
        folders.extend(
            review_folders
                .iter()
                .map(|name| format!("{REVIEWS_FOLDER}/{name}")),
        );
        let pool = io_pool();
        let listings: HashMap<String, Listing> = on(&pool, || {
            folders
                .into_par_iter()
                .map(|folder| {
                    let mut problems = Diagnostics::default();
                    let mut files = files_under(project, &folder, &mut problems);
                    // Only the files sitrep reads are inputs: a note or a
                    // spreadsheet next to the CSVs is neither read nor hashed.
                    files.retain(|path| is_input(&folder, path));
                    let listing = Listing {
                        files,
                        problems: problems.0,
                    };
                    (folder, listing)
                })
                .collect()
        });
        let wanted: Vec<&PathBuf> = listings
            .values()
            .flat_map(|listing| &listing.files)
            .collect();
        // Event exports and metric data files are streamed by their
        // loaders, never held whole (a data file's columns take less
        // memory than its text); published numbers are fingerprinted,
        // not held.
        let annotation_files: Vec<PathBuf> = config
            .iter()
            .flat_map(SiteConfig::annotation_files)
            .collect();
        let streamed = |path: &Path| {
            let event_export = config
                .as_ref()
                .is_ok_and(|config| config.events.iter().any(|source| source.contains(path)));
            let data_file = path.starts_with(DATA_FOLDER)
                && path
                    .extension()
                    .is_some_and(|extension| extension.eq_ignore_ascii_case("csv"))
                && !annotation_files.iter().any(|file| file == path);
            event_export || data_file
        };
        type Read = (PathBuf, Result<Content, Diagnostic>, Option<u64>);
        let read: Vec<Read> = on(&pool, || {
            wanted
                .into_par_iter()
                .filter_map(|path| {
                    let mut fingerprint = None;
                    let content = if streamed(path) {
                        open_file(project, path).map(|_| Content::Streamed(OnceLock::new()))
                    } else {
                        read_file(project, path).map(|bytes| {
                            if is_not_held(path) {
                                fingerprint = Some(crate::fingerprint(&bytes));
                                Content::Bytes(Vec::new())
                            } else {
                                Content::Bytes(bytes)
                            }
                        })
                    };
                    match content {
                        Ok(content) => Some((path.clone(), Ok(content), fingerprint)),
                        // Gone since it was listed: as if it had not been there.
                        Err(ReadError::Missing) => None,
                        Err(ReadError::Diagnostic(diagnostic)) => {
                            Some((path.clone(), Err(diagnostic), None))
                        }
                    }
                })
                .collect()
        });
        drop(pool);
        let mut not_held = HashMap::new();
        let mut files = BTreeMap::new();
        for (path, bytes, fingerprint) in read {
            if let Some(fingerprint) = fingerprint {
                not_held.insert(path.clone(), fingerprint);
            }
            files.insert(path, bytes);
        }
        // Annotation files may lie outside the folders listed.
        for path in config.iter().flat_map(SiteConfig::annotation_files) {
            if let std::collections::btree_map::Entry::Vacant(entry) = files.entry(path) {
                match read_file(project, entry.key()) {
                    Ok(bytes) => drop(entry.insert(Ok(Content::Bytes(bytes)))),
                    Err(ReadError::Missing) => {}
                    Err(ReadError::Diagnostic(diagnostic)) => drop(entry.insert(Err(diagnostic))),
                }
            }
        }
        let settings_problem = config.as_ref().is_ok_and(|config| {
            config
                .theme
                .as_ref()
                .is_some_and(|name| !project.dir.is_dir(Path::new("themes").join(name)))
                || link_outside(root, &config.output).is_some()
        });
        Ok(InputFiles {
            not_held,
            dir: project
                .dir
                .try_clone()
                .map_err(|error| Error::io("cannot open", root, error))?,
            settings_problem,
            root: root.to_path_buf(),
            config,
            config_text: config_text.ok(),
            files,
            listings,
            review_folders,
            reviews_problem,
        })
    }

    /// The files of `folder` (site-relative) with the extension
    /// `extension` (any, if `None`), sorted by path; the problems met
    /// listing the folder go to `errors`.
    pub fn list(
        &self,
        folder: &str,
        extension: Option<&str>,
        errors: &mut Diagnostics,
    ) -> Vec<PathBuf> {
        let Some(listing) = self.listings.get(folder) else {
            return Vec::new();
        };
        for problem in &listing.problems {
            errors.push(problem.clone());
        }
        listing
            .files
            .iter()
            .filter(|path| {
                extension.is_none_or(|extension| {
                    path.extension()
                        .is_some_and(|found| found.eq_ignore_ascii_case(extension))
                })
            })
            .cloned()
            .collect()
    }

    /// The bytes of a listed file that is kept in memory (every input but
    /// the event exports, which are [`Self::open`]ed); published numbers,
    /// which are not held, read empty here (see [`Self::read_whole`]).
    pub fn bytes(&self, path: &Path) -> Result<&[u8], ReadError> {
        match self.files.get(path) {
            Some(Ok(Content::Bytes(bytes))) => Ok(bytes),
            Some(Ok(Content::Streamed(_))) => Err(ReadError::Diagnostic(Diagnostic::new(
                path,
                "this file is streamed by its loader, not held",
            ))),
            Some(Err(diagnostic)) => Err(ReadError::Diagnostic(diagnostic.clone())),
            None => Err(ReadError::Missing),
        }
    }

    /// The bytes of a listed file, also of published numbers, which are
    /// read again: bytes other than the ones this build fingerprinted (the
    /// file changed meanwhile) are an error, so that a build never records
    /// pages made from other numbers than its fingerprints say.
    pub fn read_whole(&self, path: &Path) -> Result<std::borrow::Cow<'_, [u8]>, ReadError> {
        let Some(fingerprint) = self.not_held.get(path) else {
            return self.bytes(path).map(std::borrow::Cow::Borrowed);
        };
        let changed = || {
            ReadError::Diagnostic(
                Diagnostic::new(path, "the file changed while sitrep was reading the site")
                    .with_help("build again"),
            )
        };
        let project = Project {
            root: &self.root,
            dir: self.dir.try_clone().map_err(|_| changed())?,
        };
        match read_file(&project, path) {
            Ok(bytes) if crate::fingerprint(&bytes) == *fingerprint => {
                Ok(std::borrow::Cow::Owned(bytes))
            }
            Ok(_) | Err(ReadError::Missing) => Err(changed()),
            Err(error) => Err(error),
        }
    }

    /// A reader of a listed file: its kept bytes, or the file opened again
    /// through the project folder (never by its path).
    pub fn open(&self, path: &Path) -> Result<Box<dyn Read + Send + '_>, ReadError> {
        match self.files.get(path) {
            Some(Ok(Content::Bytes(bytes))) => Ok(Box::new(&bytes[..])),
            Some(Ok(Content::Streamed(_))) => match self.dir.open(path) {
                Ok(file) => Ok(Box::new(file)),
                Err(error) if is_missing(&error) => Err(ReadError::Diagnostic(Diagnostic::new(
                    path,
                    "the file disappeared while loading",
                ))),
                Err(error) => Err(ReadError::Diagnostic(Diagnostic::new(
                    path,
                    format!("cannot read: {error}"),
                ))),
            },
            Some(Err(diagnostic)) => Err(ReadError::Diagnostic(diagnostic.clone())),
            None => Err(ReadError::Missing),
        }
    }

    /// The fingerprint of a streamed file's bytes, read once in blocks
    /// (the same as hashing them whole); `Err` when it cannot be read
    /// (its loader reports why).
    fn streamed_key(&self, path: &Path) -> Result<u64, ()> {
        let mut file = self.dir.open(path).map_err(|_| ())?;
        let mut hasher = std::hash::DefaultHasher::new();
        // On the stack: a fresh megabyte on the heap for each file cost more
        // in zeroed pages than hashing a small file does.
        let mut block = [0u8; 64 * 1024];
        let mut length = 0usize;
        loop {
            match file.read(&mut block) {
                Ok(0) => break,
                Ok(read) => {
                    hasher.write(&block[..read]);
                    length += read;
                }
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Err(()),
            }
        }
        hasher.write_usize(length);
        Ok(hasher.finish())
    }

    /// Whether listing or reading some input failed (a link out of the
    /// project, say), or a setting names something missing: the loader
    /// reports it, so such a build loads all.
    pub fn has_problems(&self) -> bool {
        self.reviews_problem.is_some()
            || self.settings_problem
            || self.config.is_err()
            || self
                .listings
                .values()
                .any(|listing| !listing.problems.is_empty())
            || self.files.values().any(Result::is_err)
    }

    /// Whether the project has the file at `path` (site-relative).
    pub fn has(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }

    /// Fingerprints of the inputs. The streamed files are read for it
    /// (in parallel, once per build).
    pub fn keys(&self) -> InputKeys {
        self.files.par_iter().for_each(|(path, content)| {
            if let Ok(Content::Streamed(key)) = content {
                key.get_or_init(|| self.streamed_key(path));
            }
        });
        let hash_folder = |folder: &str, hasher: &mut std::hash::DefaultHasher| {
            if let Some(listing) = self.listings.get(folder) {
                for path in &listing.files {
                    path.hash(hasher);
                    match self.files.get(path) {
                        Some(Ok(_)) if self.not_held.contains_key(path) => {
                            self.not_held[path].hash(hasher)
                        }
                        Some(Ok(Content::Bytes(bytes))) => bytes.hash(hasher),
                        Some(Ok(Content::Streamed(key))) => {
                            match key.get().expect("fingerprinted above") {
                                Ok(key) => (1u8, key).hash(hasher),
                                Err(()) => 2u8.hash(hasher),
                            }
                        }
                        Some(Err(_)) | None => 0u8.hash(hasher),
                    }
                }
            }
        };
        let mut shared = std::hash::DefaultHasher::new();
        crate::BUILD_IDENTITY.hash(&mut shared);
        self.config_text.hash(&mut shared);
        hash_folder(PROGRAMS_FOLDER, &mut shared);
        if let Some(name) = self
            .config
            .as_ref()
            .ok()
            .and_then(|config| config.theme.as_ref())
        {
            hash_folder(&format!("themes/{name}/templates"), &mut shared);
            hash_folder(&format!("themes/{name}/static"), &mut shared);
        }
        if let Some(listing) = self.listings.get(DATA_FOLDER) {
            listing.files.hash(&mut shared);
        }
        // Every version shows the annotations dated up to its week,
        // published ones too.
        for path in self.config.iter().flat_map(SiteConfig::annotation_files) {
            path.hash(&mut shared);
            match self.files.get(&path) {
                Some(Ok(Content::Bytes(bytes))) => bytes.hash(&mut shared),
                Some(Ok(Content::Streamed(_))) => 1u8.hash(&mut shared),
                Some(Err(_)) | None => 0u8.hash(&mut shared),
            }
        }
        let mut data = std::hash::DefaultHasher::new();
        hash_folder(DATA_FOLDER, &mut data);
        let folders = self
            .review_folders
            .par_iter()
            .map(|name| {
                let mut hasher = std::hash::DefaultHasher::new();
                hash_folder(&format!("{REVIEWS_FOLDER}/{name}"), &mut hasher);
                (name.clone(), hasher.finish())
            })
            .collect();
        InputKeys {
            shared: shared.finish(),
            data: data.finish(),
            folders,
        }
    }
}

/// How many input files are listed and read at once. Reading a project
/// whose files are not in the page cache waits on the disk file by file:
/// with more reads in flight than cores the waits overlap (a cold read of
/// the large benchmark site took about 100 ms on 2 threads, 60 ms on 16).
const READS_IN_FLIGHT: usize = 16;

/// A pool of threads for listing and reading inputs (see
/// [`READS_IN_FLIGHT`]); `None` if it cannot be made, and the inputs are
/// read on the build's threads.
fn io_pool() -> Option<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(READS_IN_FLIGHT.max(rayon::current_num_threads()))
        .thread_name(|index| format!("sitrep-read-{index}"))
        .build()
        .ok()
}

/// Runs `work` (parallel iterators) on `pool`, or where it is called.
fn on<R: Send>(pool: &Option<rayon::ThreadPool>, work: impl FnOnce() -> R + Send) -> R {
    match pool {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

/// Whether the bytes of input `path` are left unheld once fingerprinted:
/// a review's published numbers, parsed by its version's task alone.
fn is_not_held(path: &Path) -> bool {
    path.starts_with(REVIEWS_FOLDER)
        && path
            .file_name()
            .is_some_and(|name| name == super::NUMBERS_FILE)
}

/// Whether `path`, found in `folder`, is a file sitrep reads.
fn is_input(folder: &str, path: &Path) -> bool {
    let extension = path
        .extension()
        .map(|extension| extension.to_string_lossy().to_ascii_lowercase());
    let name = path.file_name().map(|name| name.to_string_lossy());
    if folder == DATA_FOLDER {
        // Event exports often come gzipped (`tickets.csv.gz`).
        extension.as_deref() == Some("csv")
            || (extension.as_deref() == Some("gz")
                && path.file_stem().is_some_and(|stem| {
                    stem.to_string_lossy()
                        .to_ascii_lowercase()
                        .ends_with(".csv")
                }))
    } else if folder == PROGRAMS_FOLDER {
        extension.as_deref() == Some("yaml")
    } else if folder.starts_with(REVIEWS_FOLDER) {
        extension.as_deref() == Some("md") || name.as_deref() == Some(super::NUMBERS_FILE)
    } else if folder.ends_with("/templates") {
        extension.as_deref() == Some("html")
    } else {
        // A theme's static files are all copied to `assets/`.
        true
    }
}

/// The site project's root folder, opened once. Every input is opened
/// through it, one path component at a time, so that no link and no `..`
/// on the way can lead outside the project, even when folders are swapped
/// for links while sitrep reads (see `cap_std`). Links that stay inside
/// the project, written relative to where they are, are followed.
pub(super) struct Project<'a> {
    root: &'a Path,
    dir: Dir,
}

impl<'a> Project<'a> {
    /// Opens the project folder `root` (a link to it is fine: the user
    /// named it).
    pub(super) fn open(root: &'a Path) -> std::io::Result<Project<'a>> {
        let dir = Dir::open_ambient_dir(root, cap_std::ambient_authority())?;
        Ok(Project { root, dir })
    }

    /// Why `relative` cannot be opened, in the user's terms: a way out of
    /// the project names the link it goes through when it can still be
    /// found.
    fn problem(&self, relative: &Path, error: &std::io::Error) -> Diagnostic {
        if is_escape(error) {
            return outside_problem(self.root, relative);
        }
        Diagnostic::new(relative, format!("cannot read: {error}"))
    }
}

/// Whether opening a path failed because it leads out of the project.
fn is_escape(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::PermissionDenied
        && error.to_string().contains("outside of the filesystem")
}

/// The error for a path that leads out of the project, naming the link on
/// the way when there still is one.
fn outside_problem(root: &Path, relative: &Path) -> Diagnostic {
    let link = link_outside(root, relative).unwrap_or_else(|| relative.to_path_buf());
    Diagnostic::new(
        link,
        "this is a link to a place outside the site project; sitrep reads only inside it",
    )
    .with_help("copy the file or folder into the project instead of linking to it (links inside the project must be relative)")
}

/// The folders of `content/reviews/`, sorted by name.
fn list_review_folders(project: &Project) -> (Vec<String>, Option<Diagnostic>) {
    let relative = Path::new(REVIEWS_FOLDER);
    let folder = match project.dir.open_dir(relative) {
        Ok(folder) => folder,
        Err(error) if is_missing(&error) => return (Vec::new(), None),
        Err(error) => return (Vec::new(), Some(project.problem(relative, &error))),
    };
    let Ok(entries) = folder.entries() else {
        return (Vec::new(), None);
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|entry| {
            let is_hidden = entry.file_name().to_string_lossy().starts_with('.');
            // A link is a folder if it leads to one inside the project;
            // one leading outside is kept, so that reading it reports it.
            let is_folder = entry.file_type().is_ok_and(|kind| {
                kind.is_dir()
                    || (kind.is_symlink()
                        && project
                            .dir
                            .metadata(relative.join(entry.file_name()))
                            .map_or_else(|error| is_escape(&error), |target| target.is_dir()))
            });
            !is_hidden && is_folder
        })
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    (names, None)
}

/// Whether an error means there is nothing at the path (or a file where a
/// folder was expected).
fn is_missing(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
    )
}

/// Reads a file of the site project through its root folder: nothing
/// outside the project is ever opened.
fn read_file(project: &Project, relative: &Path) -> Result<Vec<u8>, ReadError> {
    opened(project, relative, project.dir.read(relative))
}

/// Opens a file of the site project through its root folder, to check
/// that it can be read.
fn open_file(project: &Project, relative: &Path) -> Result<cap_std::fs::File, ReadError> {
    opened(project, relative, project.dir.open(relative))
}

/// The result of opening or reading `relative`, with its problems in the
/// user's terms.
fn opened<T>(
    project: &Project,
    relative: &Path,
    result: std::io::Result<T>,
) -> Result<T, ReadError> {
    // A link that leads nowhere is reported; a file that is not there is
    // just missing.
    match result {
        Ok(value) => Ok(value),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            match project.dir.symlink_metadata(relative) {
                Ok(metadata) if metadata.is_symlink() => {
                    Err(ReadError::Diagnostic(broken_link(relative)))
                }
                _ => Err(ReadError::Missing),
            }
        }
        Err(error) => Err(ReadError::Diagnostic(project.problem(relative, &error))),
    }
}

fn broken_link(relative: &Path) -> Diagnostic {
    Diagnostic::new(relative, "this link leads to nothing")
        .with_help("remove the broken link, or make it point to a file inside the project")
}

/// The first existing link on the way from `root` to `relative` that
/// resolves outside `root`, if any: for naming it in messages only (it
/// reads no file, and may miss a link swapped in meanwhile).
pub fn link_outside(root: &Path, relative: &Path) -> Option<PathBuf> {
    let resolved_root = fs::canonicalize(root).ok()?;
    let mut prefix = PathBuf::new();
    for component in relative.components() {
        prefix.push(component);
        let path = root.join(&prefix);
        let Ok(metadata) = fs::symlink_metadata(&path) else {
            return None;
        };
        if metadata.file_type().is_symlink()
            && !fs::canonicalize(&path).is_ok_and(|resolved| resolved.starts_with(&resolved_root))
        {
            return Some(prefix);
        }
    }
    None
}

/// The files below `folder` (site-relative), depth first, each folder's
/// entries by name. Hidden files and folders are skipped, folders and all;
/// links must stay inside the site project. Every folder is opened through
/// the one above it, never by its path.
fn files_under(project: &Project, folder: &str, errors: &mut Diagnostics) -> Vec<PathBuf> {
    let relative = Path::new(folder);
    let base = match project.dir.open_dir(relative) {
        Ok(base) => base,
        Err(error) if is_missing(&error) => return Vec::new(),
        Err(error) => {
            errors.push(project.problem(relative, &error));
            return Vec::new();
        }
    };
    let mut files = Vec::new();
    walk(project, &base, relative, &mut files, errors);
    files
}

fn walk(
    project: &Project,
    folder: &Dir,
    relative: &Path,
    files: &mut Vec<PathBuf>,
    errors: &mut Diagnostics,
) {
    let entries = match folder.entries() {
        Ok(entries) => entries,
        Err(error) => {
            errors.push(project.problem(relative, &error));
            return;
        }
    };
    let mut entries: Vec<cap_std::fs::DirEntry> = entries.flatten().collect();
    entries.sort_by_key(cap_std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = relative.join(&name);
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            match entry.open_dir() {
                Ok(sub) => walk(project, &sub, &path, files, errors),
                Err(error) => errors.push(project.problem(&path, &error)),
            }
        } else if kind.is_file() {
            files.push(path);
        } else if kind.is_symlink() {
            // Followed only as far as the project goes. A linked folder
            // is not walked (links could loop).
            match project.dir.metadata(&path) {
                Ok(target) if target.is_file() => files.push(path),
                Ok(_) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    errors.push(broken_link(&path))
                }
                Err(error) => errors.push(project.problem(&path, &error)),
            }
        }
        // Anything else (a pipe, a socket) is not an input: reading it
        // could block the build.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(files: &[(&str, &str)]) -> tempfile::TempDir {
        let folder = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = folder.path().join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        folder
    }

    const BASE: [(&str, &str); 4] = [
        ("site.yaml", "title: T\n"),
        ("content/programs/a.yaml", "name: A\n"),
        ("data/a.csv", "date,x\n2026-11-16,1\n"),
        ("content/reviews/2026-W47/a.md", "Hello\n"),
    ];

    #[test]
    fn keys_tell_which_inputs_changed() {
        let folder = site(&BASE);
        let before = InputFiles::read(folder.path()).unwrap().keys();
        assert_eq!(before.folders.keys().collect::<Vec<_>>(), vec!["2026-W47"]);
        assert_eq!(InputFiles::read(folder.path()).unwrap().keys(), before);

        fs::write(folder.path().join("content/reviews/2026-W47/a.md"), "Hi\n").unwrap();
        let narrative = InputFiles::read(folder.path()).unwrap().keys();
        assert_eq!(
            (narrative.shared, narrative.data),
            (before.shared, before.data)
        );
        assert_ne!(narrative.folders, before.folders);

        fs::write(folder.path().join("data/a.csv"), "date,x\n2026-11-16,2\n").unwrap();
        let data = InputFiles::read(folder.path()).unwrap().keys();
        assert_eq!(data.shared, narrative.shared);
        assert_ne!(data.data, narrative.data);

        fs::write(folder.path().join("content/programs/a.yaml"), "name: B\n").unwrap();
        let program = InputFiles::read(folder.path()).unwrap().keys();
        assert_ne!(program.shared, data.shared);
        assert_eq!(program.folders, data.folders);
    }

    #[test]
    fn hidden_entries_are_not_inputs() {
        let folder = site(&BASE);
        fs::create_dir_all(folder.path().join("content/reviews/.scratch")).unwrap();
        fs::write(
            folder.path().join("content/reviews/2026-W47/.a.md.swp"),
            "x",
        )
        .unwrap();
        let inputs = InputFiles::read(folder.path()).unwrap();
        assert_eq!(inputs.review_folders, vec!["2026-W47"]);
        let mut errors = Diagnostics::default();
        assert_eq!(
            inputs.list("content/reviews/2026-W47", None, &mut errors),
            vec![PathBuf::from("content/reviews/2026-W47/a.md")]
        );
    }
}

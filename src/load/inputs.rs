//! Reading a site project's files: every input is read once, in parallel,
//! before anything is parsed, so that a build can tell from their bytes
//! which review versions changed since the last build, and parse only
//! those.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

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
    /// Site-relative path → bytes, or why they cannot be read.
    files: BTreeMap<PathBuf, Result<Vec<u8>, Diagnostic>>,
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
        let config_text = match read_file(root, Path::new(SITE_FILE)) {
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
        let (review_folders, reviews_problem) = list_review_folders(root);
        folders.extend(
            review_folders
                .iter()
                .map(|name| format!("{REVIEWS_FOLDER}/{name}")),
        );
        let listings: HashMap<String, Listing> = folders
            .into_par_iter()
            .map(|folder| {
                let mut problems = Diagnostics::default();
                let mut files = files_under(root, &folder, &mut problems);
                // Only the files sitrep reads are inputs: a note or a
                // spreadsheet next to the CSVs is neither read nor hashed.
                files.retain(|path| is_input(&folder, path));
                let listing = Listing {
                    files,
                    problems: problems.0,
                };
                (folder, listing)
            })
            .collect();
        let wanted: Vec<&PathBuf> = listings
            .values()
            .flat_map(|listing| &listing.files)
            .collect();
        let files: BTreeMap<PathBuf, Result<Vec<u8>, Diagnostic>> = wanted
            .into_par_iter()
            .filter_map(|path| match read_file(root, path) {
                Ok(bytes) => Some((path.clone(), Ok(bytes))),
                // Gone since it was listed: as if it had not been there.
                Err(ReadError::Missing) => None,
                Err(ReadError::Diagnostic(diagnostic)) => Some((path.clone(), Err(diagnostic))),
            })
            .collect();
        let settings_problem = config.as_ref().is_ok_and(|config| {
            config
                .theme
                .as_ref()
                .is_some_and(|name| !root.join("themes").join(name).is_dir())
                || link_outside(root, &config.output).is_some()
        });
        Ok(InputFiles {
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

    /// The bytes of a listed file.
    pub fn bytes(&self, path: &Path) -> Result<&[u8], ReadError> {
        match self.files.get(path) {
            Some(Ok(bytes)) => Ok(bytes),
            Some(Err(diagnostic)) => Err(ReadError::Diagnostic(diagnostic.clone())),
            None => Err(ReadError::Missing),
        }
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

    /// Fingerprints of the inputs.
    pub fn keys(&self) -> InputKeys {
        let hash_folder = |folder: &str, hasher: &mut std::hash::DefaultHasher| {
            if let Some(listing) = self.listings.get(folder) {
                for path in &listing.files {
                    path.hash(hasher);
                    match self.files.get(path) {
                        Some(Ok(bytes)) => bytes.hash(hasher),
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

/// The folders of `content/reviews/`, sorted by name.
fn list_review_folders(root: &Path) -> (Vec<String>, Option<Diagnostic>) {
    let folder = root.join(REVIEWS_FOLDER);
    if !folder.is_dir() {
        return (Vec::new(), None);
    }
    if let Err(diagnostic) = check_inside(root, Path::new(REVIEWS_FOLDER)) {
        return (Vec::new(), Some(diagnostic));
    }
    let Ok(entries) = fs::read_dir(&folder) else {
        return (Vec::new(), None);
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.') && folder.join(name).is_dir())
        .collect();
    names.sort();
    (names, None)
}

/// Reads a file of the site project, refusing anything that resolves to a
/// place outside it (a symlink to `/etc/passwd`, say).
fn read_file(root: &Path, relative: &Path) -> Result<Vec<u8>, ReadError> {
    let path = root.join(relative);
    let metadata = match fs::symlink_metadata(&path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(ReadError::Missing)
        }
        Err(error) => {
            return Err(ReadError::Diagnostic(Diagnostic::new(
                relative,
                format!("cannot read: {error}"),
            )))
        }
    };
    // The file, or any folder on the way to it, may be a link. Listed
    // files were checked while listing, folders and all; `site.yaml` sits
    // at the root.
    if metadata.file_type().is_symlink() || relative.components().count() == 1 {
        check_inside(root, relative).map_err(ReadError::Diagnostic)?;
    }
    fs::read(&path).map_err(|error| {
        ReadError::Diagnostic(Diagnostic::new(relative, format!("cannot read: {error}")))
    })
}

/// Checks that `relative` resolves to a path inside `root`, whether the
/// file itself or a folder on the way to it is a link; the error names the
/// link.
pub(super) fn check_inside(root: &Path, relative: &Path) -> Result<(), Diagnostic> {
    let resolved_root = fs::canonicalize(root).map_err(|error| {
        Diagnostic::new(relative, format!("cannot resolve the site root: {error}"))
    })?;
    let resolved = fs::canonicalize(root.join(relative)).map_err(|error| {
        Diagnostic::new(relative, format!("cannot resolve this path: {error}"))
            .with_help("remove the broken link, or make it point to a file inside the project")
    })?;
    if resolved.starts_with(&resolved_root) {
        return Ok(());
    }
    let link = link_outside(root, relative).unwrap_or_else(|| relative.to_path_buf());
    Err(Diagnostic::new(
        link,
        "this is a link to a place outside the site project; sitrep reads only inside it",
    )
    .with_help("copy the file or folder into the project instead of linking to it"))
}

/// The first existing link on the way from `root` to `relative` that
/// resolves outside `root`, if any.
pub(super) fn link_outside(root: &Path, relative: &Path) -> Option<PathBuf> {
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

/// The files below `folder` (site-relative), sorted. Hidden files are
/// skipped; links must stay inside the site project.
fn files_under(root: &Path, folder: &str, errors: &mut Diagnostics) -> Vec<PathBuf> {
    let base = root.join(folder);
    if !base.is_dir() {
        return Vec::new();
    }
    if let Err(diagnostic) = check_inside(root, Path::new(folder)) {
        errors.push(diagnostic);
        return Vec::new();
    }
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&base)
        .follow_links(false)
        .sort_by_file_name()
    {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error
                    .path()
                    .and_then(|path| path.strip_prefix(root).ok())
                    .unwrap_or(Path::new(folder));
                errors.push(Diagnostic::new(path, format!("cannot read: {error}")));
                continue;
            }
        };
        let relative = entry
            .path()
            .strip_prefix(root)
            .expect("walkdir stays under its root")
            .to_path_buf();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.path_is_symlink() {
            if let Err(diagnostic) = check_inside(root, &relative) {
                errors.push(diagnostic);
                continue;
            }
        }
        let is_file =
            entry.file_type().is_file() || (entry.path_is_symlink() && entry.path().is_file());
        if is_file {
            files.push(relative);
        }
    }
    files
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

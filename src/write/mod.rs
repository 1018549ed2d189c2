//! Writing the built site atomically. The site is made of units: each
//! top-level folder (one per review version, `assets/`, `archive/`) and
//! each top-level file. A build stages the units it made into a folder
//! next to the output, then swaps each changed unit in with two renames,
//! so a published page is never half-written and a failed build changes
//! nothing. Units the build left alone are not touched at all, which is
//! what makes a rebuild after adding a week cost one week.
//!
//! A build killed while staging leaves the published site as it was; one
//! killed while swapping (a few renames) is completed by the next build,
//! which finds the staging folder marked complete.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use walkdir::WalkDir;

use crate::error::{Diagnostic, Diagnostics, Error};

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative to the output folder, with normal components only.
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

impl OutputFile {
    pub fn new(path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> OutputFile {
        OutputFile {
            path: path.into(),
            bytes: bytes.into(),
        }
    }

    /// The unit the file belongs to: the first component of its path.
    pub fn unit(&self) -> String {
        unit_of(&self.path)
    }
}

fn unit_of(path: &Path) -> String {
    path.components()
        .next()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Stands in rendered pages for the build time, which differs from build
/// to build; a page whose only change is that time is not rewritten.
pub const BUILD_STAMP: &str = "\u{E002}sitrep-build-time\u{E002}";

/// A file every sitrep output folder has (with [`MARKER_SCRIPT`]); an
/// existing folder without both was not built by sitrep and is never
/// replaced.
pub const MARKER_FILE: &str = "versions.json";

/// The week switcher's list, the other file that marks a sitrep output.
pub const MARKER_SCRIPT: &str = "assets/versions.js";

/// Written into the staging folder once every unit is staged: from then
/// on the build is committed, and a killed build is completed.
const COMMIT_FILE: &str = ".sitrep-commit";

/// Written into each folder sitrep makes next to the output (staging,
/// previous) as it makes it: the folder's own device and inode, which a
/// folder planted in the project (committed to its repository, say)
/// cannot match. A leftover folder without it is never used or removed.
const TOKEN_FILE: &str = ".sitrep-folder";

/// What a write did, counted in files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub written: usize,
    pub unchanged: usize,
    /// Files of the previous build that are gone.
    pub removed: usize,
}

/// The folders a build uses next to `output` while it writes:
/// `.public.staging` and `.public.previous`.
fn sibling(output: &Path, suffix: &str) -> PathBuf {
    let name = output
        .file_name()
        .map_or_else(|| "site".into(), |name| name.to_string_lossy().into_owned());
    output.with_file_name(format!(".{name}.{suffix}"))
}

/// Writes one build's units into an output folder.
pub struct SiteWriter {
    output: PathBuf,
    staging: PathBuf,
    previous: PathBuf,
    built_at: String,
    /// Whether the output folder existed when the build began.
    output_existed: bool,
    state: Mutex<WriteState>,
}

/// A writer dropped before its staging folder was marked complete (a
/// failed write, a full disk, a build that found errors) removes the
/// staging folder: nothing of it is ever used.
impl Drop for SiteWriter {
    fn drop(&mut self) {
        let state = self
            .state
            .get_mut()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.staging_created && !state.committed {
            let _ = clear_own(&self.staging);
        }
    }
}

#[derive(Default)]
struct WriteState {
    summary: WriteSummary,
    /// Units staged to replace (or add to) the published ones.
    staged: BTreeSet<String>,
    staging_created: bool,
    /// Whether the staging folder was marked complete: from then on a
    /// failed swap is finished by the next build.
    committed: bool,
}

/// Holds the output folder for one build: another build into the same
/// parent folder waits until it is dropped.
#[derive(Debug)]
pub struct OutputLock {
    _file: fs::File,
}

/// Takes the output folder for a build, waiting for another build of it to
/// finish, and puts it in order first: a build that was killed while
/// swapping its units in is completed, and what a build killed while
/// staging left behind is cleared. Call it before reading anything a build
/// left next to the output, such as the build cache.
pub fn lock_output(output: &Path) -> Result<OutputLock, Error> {
    // The lock is on the nearest existing folder that holds the output
    // (and its staging folder), so that a build creates nothing for it.
    let parent = output
        .ancestors()
        .skip(1)
        .map(|folder| {
            if folder.as_os_str().is_empty() {
                Path::new(".")
            } else {
                folder
            }
        })
        .find(|folder| folder.is_dir())
        .unwrap_or(Path::new("."));
    let file = fs::File::open(parent).map_err(|error| Error::io("cannot open", parent, error))?;
    match file.lock() {
        Ok(()) => {}
        // A file system without locks: builds are then not kept apart.
        Err(error) if error.kind() == std::io::ErrorKind::Unsupported => {}
        Err(error) => return Err(Error::io("cannot lock", parent, error)),
    }
    let staging = sibling(output, "staging");
    let previous = sibling(output, "previous");
    // Both are checked before either is used: a planted link or folder
    // stops the build before anything moves.
    let (staging_left, previous_left) = (check_leftover(&staging), check_leftover(&previous));
    let staging_left = match (staging_left, previous_left) {
        (Ok(staging_left), Ok(_)) => staging_left,
        (Err(Error::Input(mut first)), Err(Error::Input(second))) => {
            first.extend(second);
            return Err(first.into());
        }
        (Err(error), _) | (_, Err(error)) => return Err(error),
    };
    if staging_left && staging.join(COMMIT_FILE).is_file() {
        swap_in(output, &staging, &previous)?;
    }
    // What is left is a build killed while staging (the published site is
    // as it was), or one killed while clearing the replaced units.
    clear_own(&staging)?;
    clear_own(&previous)?;
    Ok(OutputLock { _file: file })
}

/// The token of a folder sitrep made: see [`TOKEN_FILE`].
fn token_of(metadata: &fs::Metadata) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        format!("sitrep {} {}\n", metadata.dev(), metadata.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        "sitrep\n".to_string()
    }
}

/// Whether `folder` is a real folder (not a link) that sitrep made.
fn is_own_folder(folder: &Path) -> bool {
    let Ok(metadata) = fs::symlink_metadata(folder) else {
        return false;
    };
    let token = folder.join(TOKEN_FILE);
    metadata.file_type().is_dir()
        && fs::symlink_metadata(&token).is_ok_and(|token| token.file_type().is_file())
        && fs::read_to_string(&token).is_ok_and(|text| text == token_of(&metadata))
}

/// Whether sitrep left `folder` behind; an error if something else is
/// there (a link, a file, a folder without sitrep's token).
fn check_leftover(folder: &Path) -> Result<bool, Error> {
    let metadata = match fs::symlink_metadata(folder) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(Error::io("cannot read", folder, error)),
    };
    if is_own_folder(folder) {
        return Ok(true);
    }
    let what = if metadata.file_type().is_symlink() {
        "is a link"
    } else if metadata.file_type().is_dir() {
        "is a folder sitrep did not make"
    } else {
        "is a file"
    };
    Err(Diagnostics::from(
        Diagnostic::new(
            folder,
            format!("{what}, where a build keeps its work next to the output folder; sitrep never uses or removes it"),
        )
        .with_help("remove it (look inside first if you did not put it there), then build again"),
    )
    .into())
}

/// Removes `folder` if it is one sitrep made (links inside it are
/// removed, not followed).
fn clear_own(folder: &Path) -> Result<(), Error> {
    if is_own_folder(folder) {
        fs::remove_dir_all(folder).map_err(|error| Error::io("cannot clear", folder, error))?;
    }
    Ok(())
}

/// Makes the folder `folder` for a build's work, marked as sitrep's: it is
/// made under a new unique name, given its token, then renamed into
/// place, so that it never exists under its name without the token.
fn create_own_folder(folder: &Path) -> Result<(), Error> {
    let parent = folder
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|error| Error::io("cannot create", parent, error))?;
    let name = folder.file_name().map_or_else(
        || "folder".into(),
        |name| name.to_string_lossy().into_owned(),
    );
    let mut attempt = 0u32;
    let fresh = loop {
        let candidate = parent.join(format!("{name}.new-{}-{attempt}", std::process::id()));
        // `create_dir` fails on anything already there, a link included.
        match fs::create_dir(&candidate) {
            Ok(()) => break candidate,
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(error) => return Err(Error::io("cannot create", &candidate, error)),
        }
    };
    let marked = fs::symlink_metadata(&fresh)
        .and_then(|metadata| {
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(fresh.join(TOKEN_FILE))
                .and_then(|mut file| {
                    std::io::Write::write_all(&mut file, token_of(&metadata).as_bytes())
                })
        })
        .and_then(|()| {
            if fs::symlink_metadata(folder).is_ok() {
                return Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists));
            }
            fs::rename(&fresh, folder)
        });
    marked.map_err(|error| {
        let _ = fs::remove_dir_all(&fresh);
        Error::io("cannot create", folder, error)
    })
}

impl SiteWriter {
    /// Starts writing into `output`, which `_lock` holds; refuses a folder
    /// sitrep did not build. [`BUILD_STAMP`] in a staged file becomes
    /// `built_at`.
    pub fn open(output: &Path, _lock: &OutputLock, built_at: &str) -> Result<SiteWriter, Error> {
        let staging = sibling(output, "staging");
        let previous = sibling(output, "previous");
        check_replaceable(output)?;
        for leftover in [&staging, &previous] {
            check_leftover(leftover)?;
            clear_own(leftover)?;
        }
        Ok(SiteWriter {
            output_existed: output.is_dir(),
            output: output.to_path_buf(),
            staging,
            previous,
            built_at: built_at.to_string(),
            state: Mutex::new(WriteState::default()),
        })
    }

    /// Stages one unit with all of its files (every path must start with
    /// `unit`). A unit whose files are all as published is left alone.
    /// Returns how many of its files are new or changed. May be called from
    /// several threads at once.
    pub fn write_unit(&self, unit: &str, files: &[OutputFile]) -> Result<usize, Error> {
        for file in files {
            // Paths are built by sitrep from validated ids; this guards the
            // invariant that nothing is written outside the output folder.
            assert!(
                file.path
                    .components()
                    .all(|component| matches!(component, Component::Normal(_)))
                    && file.unit() == unit,
                "output path {} escapes the output folder or its unit {unit}",
                file.path.display()
            );
        }
        let published = self.output.join(unit);
        let old_files = if self.output_existed {
            files_below(&self.output, Path::new(unit))
        } else {
            BTreeSet::new()
        };
        let same: Vec<bool> = files
            .iter()
            .map(|file| {
                old_files.contains(&file.path)
                    && fs::read(self.output.join(&file.path)).is_ok_and(|existing| {
                        same_but_for_stamp(&existing, &file.bytes, self.built_at.len())
                    })
            })
            .collect();
        let new_paths: BTreeSet<&PathBuf> = files.iter().map(|file| &file.path).collect();
        let removed = old_files
            .iter()
            .filter(|path| !new_paths.contains(path))
            .count();
        let unchanged = same.iter().filter(|same| **same).count();
        if unchanged == files.len() && removed == 0 && published.exists() {
            self.state
                .lock()
                .expect("no panics while counting")
                .summary
                .unchanged += unchanged;
            return Ok(0);
        }

        self.create_staging()?;
        let folders: BTreeSet<&Path> = files
            .iter()
            .filter_map(|file| file.path.parent())
            .filter(|folder| !folder.as_os_str().is_empty())
            .collect();
        for folder in folders {
            let staged = self.staging.join(folder);
            fs::create_dir_all(&staged)
                .map_err(|error| Error::io("cannot create", &staged, error))?;
        }
        for (file, same) in files.iter().zip(&same) {
            let staged = self.staging.join(&file.path);
            if *same {
                let existing = self.output.join(&file.path);
                if fs::hard_link(&existing, &staged).is_ok() {
                    continue;
                }
                // No hard links here: copy, through a new file, so that the
                // copy can never write onto the published file itself.
                let copy = staged.with_extension("sitrep-copy");
                fs::copy(&existing, &copy)
                    .and_then(|_| fs::rename(&copy, &staged))
                    .map_err(|error| Error::io("cannot keep", &existing, error))?;
                continue;
            }
            write_stamped(&staged, &file.bytes, &self.built_at)
                .map_err(|error| Error::io("cannot write", &staged, error))?;
        }
        let mut state = self.state.lock().expect("no panics while counting");
        state.summary.written += files.len() - unchanged;
        state.summary.unchanged += unchanged;
        state.summary.removed += removed;
        state.staged.insert(unit.to_string());
        Ok(files.len() - unchanged)
    }

    /// Counts `files` files of units kept as published without staging.
    pub fn keep(&self, files: usize) {
        self.state
            .lock()
            .expect("no panics while counting")
            .summary
            .unchanged += files;
    }

    fn create_staging(&self) -> Result<(), Error> {
        let mut state = self.state.lock().expect("no panics while staging");
        if !state.staging_created {
            create_own_folder(&self.staging)?;
            state.staging_created = true;
        }
        Ok(())
    }

    /// Publishes the staged units. `units` are all the units of the new
    /// site: published units not among them are removed.
    pub fn commit(mut self, units: &BTreeSet<String>) -> Result<WriteSummary, Error> {
        let state = self.state.get_mut().expect("no panics while staging");
        let mut summary = state.summary;
        let staged_any = !state.staged.is_empty();
        let gone: Vec<String> = if self.output_existed {
            top_level_entries(&self.output)
                .into_iter()
                .filter(|entry| !units.contains(entry))
                .collect()
        } else {
            Vec::new()
        };
        for unit in &gone {
            summary.removed += files_below(&self.output, Path::new(unit)).len();
        }
        if !staged_any && gone.is_empty() && self.output_existed {
            return Ok(summary);
        }
        self.create_staging()?;
        // From here on the build is complete on disk: write down what to
        // remove, so that a build killed while swapping is finished later.
        // The marker appears whole or not at all.
        let marker = self.staging.join(COMMIT_FILE);
        let partial = self.staging.join(format!("{COMMIT_FILE}.partial"));
        fs::write(&partial, gone.join("\n"))
            .and_then(|()| fs::rename(&partial, &marker))
            .map_err(|error| Error::io("cannot write", &marker, error))?;
        self.state
            .get_mut()
            .expect("no panics while staging")
            .committed = true;
        swap_in(&self.output, &self.staging, &self.previous)?;
        Ok(summary)
    }
}

/// Moves every unit of a complete staging folder into `output`, the
/// published unit it replaces and the units listed for removal going to
/// `previous`, which is then deleted. Safe to run again after a kill.
fn swap_in(output: &Path, staging: &Path, previous: &Path) -> Result<(), Error> {
    let marker = staging.join(COMMIT_FILE);
    let gone: Vec<String> = fs::read_to_string(&marker)
        .map_err(|error| Error::io("cannot read", &marker, error))?
        .lines()
        // Only names of units: never a path out of the output folder.
        .filter(|line| is_unit_name(line))
        .map(str::to_string)
        .collect();
    if !output.exists() {
        // A first build: the whole staging folder becomes the site.
        fs::remove_file(&marker).map_err(|error| Error::io("cannot remove", &marker, error))?;
        if let Some(parent) = output
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            fs::create_dir_all(parent)
                .map_err(|error| Error::io("cannot create", parent, error))?;
        }
        fs::rename(staging, output).map_err(|error| Error::io("cannot publish", output, error))?;
        // Removed once in place, so that the staging folder is never
        // without it; a build killed before this removes it as a unit
        // no build makes.
        let _ = fs::remove_file(output.join(TOKEN_FILE));
        return Ok(());
    }
    if !is_own_folder(previous) {
        create_own_folder(previous)?;
    }
    let move_aside = |unit: &str| -> Result<(), Error> {
        let published = output.join(unit);
        if fs::symlink_metadata(&published).is_ok() {
            let aside = previous.join(unit);
            fs::rename(&published, &aside)
                .map_err(|error| Error::io("cannot move aside", &published, error))?;
        }
        Ok(())
    };
    // The build cache goes last: it must never describe pages that are not
    // there yet.
    let mut staged: Vec<String> = top_level_entries(staging)
        .into_iter()
        .filter(|entry| entry != COMMIT_FILE && entry != TOKEN_FILE)
        .collect();
    staged.sort_by_key(|entry| entry.starts_with('.'));
    for unit in &staged {
        move_aside(unit)?;
        let from = staging.join(unit);
        let to = output.join(unit);
        fs::rename(&from, &to).map_err(|error| Error::io("cannot publish", &to, error))?;
    }
    for unit in &gone {
        move_aside(unit)?;
    }
    fs::remove_dir_all(staging).map_err(|error| Error::io("cannot clear", staging, error))?;
    fs::remove_dir_all(previous).map_err(|error| Error::io("cannot clear", previous, error))?;
    Ok(())
}

/// Whether `name` is one normal path component.
fn is_unit_name(name: &str) -> bool {
    let mut components = Path::new(name).components();
    matches!(components.next(), Some(Component::Normal(_))) && components.next().is_none()
}

/// Refuses to replace a folder that sitrep did not build.
fn check_replaceable(output: &Path) -> Result<(), Error> {
    if !output.exists() {
        return Ok(());
    }
    let is_empty_dir = fs::read_dir(output)
        .map(|mut entries| entries.next().is_none())
        .unwrap_or(false);
    let built_by_sitrep =
        output.join(MARKER_FILE).is_file() && output.join(MARKER_SCRIPT).is_file();
    if output.is_dir() && (is_empty_dir || built_by_sitrep) {
        return Ok(());
    }
    Err(Diagnostics::from(
        Diagnostic::new(output, "this folder exists and was not built by sitrep; a build replaces the whole output folder")
            .with_help("choose a new or empty folder with --output or `output:` in site.yaml"),
    )
    .into())
}

/// The names of the entries directly in `folder`.
fn top_level_entries(folder: &Path) -> Vec<String> {
    fs::read_dir(folder)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Every file under `output/folder` (or the file `output/folder` itself),
/// relative to `output`.
fn files_below(output: &Path, folder: &Path) -> BTreeSet<PathBuf> {
    WalkDir::new(output.join(folder))
        .into_iter()
        .flatten()
        .filter(|entry| entry.file_type().is_file())
        .filter_map(|entry| {
            entry
                .path()
                .strip_prefix(output)
                .ok()
                .map(Path::to_path_buf)
        })
        .collect()
}

/// Writes `bytes` into a new file at `path`, each [`BUILD_STAMP`] replaced
/// by `built_at`: the parts between the stamps are written straight from
/// `bytes`, so a page is never copied whole in memory on its way out (a
/// large site's pages are hundreds of megabytes, every one stamped). The
/// parts go out in one vectored write, not one write per part: a page has
/// a stamp or two, and each write costs the kernel a pass through the
/// file's locks and times.
fn write_stamped(path: &Path, bytes: &[u8], built_at: &str) -> std::io::Result<()> {
    use std::io::{IoSlice, Write};
    let needle = BUILD_STAMP.as_bytes();
    let mut parts = Vec::new();
    let mut start = 0;
    for position in memchr::memmem::find_iter(bytes, needle) {
        parts.push(IoSlice::new(&bytes[start..position]));
        parts.push(IoSlice::new(built_at.as_bytes()));
        start = position + needle.len();
    }
    parts.push(IoSlice::new(&bytes[start..]));
    // Only parts with bytes: a write of nothing but empty ones writes 0.
    parts.retain(|part| !part.is_empty());
    let mut file = fs::File::create(path)?;
    let mut parts = &mut parts[..];
    while !parts.is_empty() {
        match file.write_vectored(parts) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(written) => IoSlice::advance_slices(&mut parts, written),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// `bytes` with each [`BUILD_STAMP`] replaced by `built_at`, if it has any.
#[cfg(test)]
fn stamp(bytes: &[u8], built_at: &str) -> Option<Vec<u8>> {
    let needle = BUILD_STAMP.as_bytes();
    let finder = memchr::memmem::Finder::new(needle);
    let mut positions = finder.find_iter(bytes).peekable();
    positions.peek()?;
    let mut output = Vec::with_capacity(bytes.len());
    let mut start = 0;
    for position in positions {
        output.extend_from_slice(&bytes[start..position]);
        output.extend_from_slice(built_at.as_bytes());
        start = position + needle.len();
    }
    output.extend_from_slice(&bytes[start..]);
    Some(output)
}

/// Whether `existing` is `new` with each [`BUILD_STAMP`] replaced by some
/// build time of `stamp_length` bytes.
fn same_but_for_stamp(existing: &[u8], new: &[u8], stamp_length: usize) -> bool {
    let finder = memchr::memmem::Finder::new(BUILD_STAMP.as_bytes());
    let mut position = 0;
    let mut rest = new;
    loop {
        let next = finder.find(rest);
        let segment = &rest[..next.unwrap_or(rest.len())];
        if existing.get(position..position + segment.len()) != Some(segment) {
            return false;
        }
        position += segment.len();
        match next {
            Some(at) => {
                position += stamp_length;
                rest = &rest[at + BUILD_STAMP.len()..];
            }
            None => return position == existing.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Writes a whole site at once, as a build does: `files` become the
    /// whole content of `output`.
    fn write_site(
        output: &Path,
        files: &[OutputFile],
        built_at: &str,
    ) -> Result<WriteSummary, Error> {
        let lock = lock_output(output)?;
        let writer = SiteWriter::open(output, &lock, built_at)?;
        let mut units: BTreeMap<String, Vec<OutputFile>> = BTreeMap::new();
        for file in files {
            units.entry(file.unit()).or_default().push(file.clone());
        }
        for (unit, files) in &units {
            writer.write_unit(unit, files)?;
        }
        writer.commit(&units.into_keys().collect())
    }

    fn summary(written: usize, unchanged: usize, removed: usize) -> WriteSummary {
        WriteSummary {
            written,
            unchanged,
            removed,
        }
    }

    #[test]
    fn only_changed_files_are_written_and_removed_pages_go() {
        let folder = tempfile::tempdir().unwrap();
        let output = folder.path().join("public");
        let files = vec![
            OutputFile::new("versions.json", "[]"),
            OutputFile::new("assets/versions.js", ""),
            OutputFile::new("a/b.json", "1"),
            OutputFile::new("c.json", "2"),
        ];
        assert_eq!(write_site(&output, &files, "t1").unwrap(), summary(4, 0, 0));
        assert_eq!(write_site(&output, &files, "t1").unwrap(), summary(0, 4, 0));
        let changed = vec![
            OutputFile::new("versions.json", "[]"),
            OutputFile::new("assets/versions.js", ""),
            OutputFile::new("a/b.json", "3"),
        ];
        assert_eq!(
            write_site(&output, &changed, "t1").unwrap(),
            summary(1, 2, 1)
        );
        assert_eq!(fs::read_to_string(output.join("a/b.json")).unwrap(), "3");
        assert!(
            !output.join("c.json").exists(),
            "a removed page does not survive"
        );
        assert!(!sibling(&output, "staging").exists());
        assert!(!sibling(&output, "previous").exists());
    }

    #[test]
    fn a_new_build_time_alone_does_not_rewrite_a_page() {
        let folder = tempfile::tempdir().unwrap();
        let output = folder.path().join("public");
        let page = format!("<p>built {BUILD_STAMP}</p><p>{BUILD_STAMP}</p>");
        let files = vec![
            OutputFile::new("versions.json", "[]"),
            OutputFile::new("assets/versions.js", ""),
            OutputFile::new("index.html", page),
        ];
        let first = "2026-11-25 10:00 UTC";
        assert_eq!(write_site(&output, &files, first).unwrap().written, 3);
        let written = fs::read_to_string(output.join("index.html")).unwrap();
        assert_eq!(written, format!("<p>built {first}</p><p>{first}</p>"));
        let second = "2026-11-26 09:30 UTC";
        assert_eq!(write_site(&output, &files, second).unwrap().written, 0);
        let changed = vec![
            OutputFile::new("versions.json", "[]"),
            OutputFile::new("assets/versions.js", ""),
            OutputFile::new(
                "index.html",
                format!("<p>built {BUILD_STAMP}</p><p>new</p>"),
            ),
        ];
        assert_eq!(write_site(&output, &changed, second).unwrap().written, 1);
        let written = fs::read_to_string(output.join("index.html")).unwrap();
        assert_eq!(written, format!("<p>built {second}</p><p>new</p>"));
    }

    #[test]
    fn a_folder_sitrep_did_not_build_is_never_replaced() {
        let folder = tempfile::tempdir().unwrap();
        fs::write(folder.path().join("precious.txt"), "keep me").unwrap();
        let error = write_site(
            folder.path(),
            &[OutputFile::new("versions.json", "[]")],
            "t",
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("was not built by sitrep"),
            "{error}"
        );
        assert_eq!(
            fs::read_to_string(folder.path().join("precious.txt")).unwrap(),
            "keep me"
        );
    }

    #[test]
    fn a_build_killed_while_swapping_units_in_is_completed() {
        let folder = tempfile::tempdir().unwrap();
        let output = folder.path().join("public");
        let old = [
            OutputFile::new("versions.json", "old"),
            OutputFile::new("assets/versions.js", ""),
            OutputFile::new("a/b.json", "1"),
            OutputFile::new("c.json", "gone"),
        ];
        write_site(&output, &old, "t").unwrap();
        // A build staged every unit, marked the staging complete, and was
        // killed after moving `a` aside, before moving the new `a` in.
        let staging = sibling(&output, "staging");
        let previous = sibling(&output, "previous");
        create_own_folder(&staging).unwrap();
        fs::create_dir_all(staging.join("a")).unwrap();
        fs::write(staging.join("a/b.json"), "2").unwrap();
        fs::write(staging.join("versions.json"), "new").unwrap();
        // A unit name that is a path out of the output is ignored.
        fs::write(staging.join(COMMIT_FILE), "c.json\n../outside.json").unwrap();
        fs::write(folder.path().join("outside.json"), "mine").unwrap();
        create_own_folder(&previous).unwrap();
        fs::rename(output.join("a"), previous.join("a")).unwrap();

        let new = [
            OutputFile::new("versions.json", "new"),
            OutputFile::new("assets/versions.js", ""),
            OutputFile::new("a/b.json", "2"),
        ];
        assert_eq!(write_site(&output, &new, "t").unwrap(), summary(0, 3, 0));
        assert_eq!(fs::read_to_string(output.join("a/b.json")).unwrap(), "2");
        assert!(!output.join("c.json").exists());
        assert!(!staging.exists() && !previous.exists());
        assert!(folder.path().join("outside.json").is_file());
        assert!(!output.join(TOKEN_FILE).exists());
    }

    #[test]
    fn a_build_killed_while_staging_leaves_the_site_and_is_cleared() {
        let folder = tempfile::tempdir().unwrap();
        let output = folder.path().join("public");
        let files = [
            OutputFile::new("versions.json", "old"),
            OutputFile::new("assets/versions.js", ""),
        ];
        write_site(&output, &files, "t").unwrap();
        let staging = sibling(&output, "staging");
        create_own_folder(&staging).unwrap();
        fs::write(staging.join("versions.json"), "half").unwrap();
        assert_eq!(write_site(&output, &files, "t").unwrap(), summary(0, 2, 0));
        assert_eq!(
            fs::read_to_string(output.join("versions.json")).unwrap(),
            "old"
        );
        assert!(!staging.exists());
    }

    #[test]
    fn a_copied_folder_is_not_sitrep_s_own() {
        // A staging folder copied (or checked out) with its token has
        // another inode, so its token does not match.
        let folder = tempfile::tempdir().unwrap();
        let made = folder.path().join("made");
        create_own_folder(&made).unwrap();
        assert!(is_own_folder(&made));
        let copy = folder.path().join("copy");
        fs::create_dir(&copy).unwrap();
        fs::copy(made.join(TOKEN_FILE), copy.join(TOKEN_FILE)).unwrap();
        assert!(!is_own_folder(&copy));
        let link = folder.path().join("link");
        std::os::unix::fs::symlink(&made, &link).unwrap();
        assert!(!is_own_folder(&link));
        assert!(check_leftover(&link)
            .unwrap_err()
            .to_string()
            .contains("is a link"));
        assert!(!check_leftover(&folder.path().join("none")).unwrap());
    }

    #[test]
    fn a_writer_dropped_before_committing_removes_its_staging_folder() {
        let folder = tempfile::tempdir().unwrap();
        let output = folder.path().join("public");
        let files = [
            OutputFile::new("versions.json", "[]"),
            OutputFile::new("assets/versions.js", ""),
        ];
        write_site(&output, &files, "t").unwrap();
        let lock = lock_output(&output).unwrap();
        let writer = SiteWriter::open(&output, &lock, "t").unwrap();
        writer
            .write_unit("w1", &[OutputFile::new("w1/index.html", "1")])
            .unwrap();
        let staging = sibling(&output, "staging");
        assert!(staging.join("w1/index.html").is_file());
        drop(writer);
        assert!(!staging.exists());
    }

    #[test]
    fn only_changed_units_are_swapped() {
        let folder = tempfile::tempdir().unwrap();
        let output = folder.path().join("public");
        let files = vec![
            OutputFile::new("versions.json", "[]"),
            OutputFile::new("assets/versions.js", ""),
            OutputFile::new("w1/index.html", "1"),
            OutputFile::new("w2/index.html", "2"),
        ];
        write_site(&output, &files, "t").unwrap();
        let inode = |path: &str| {
            use std::os::unix::fs::MetadataExt;
            fs::metadata(output.join(path)).unwrap().ino()
        };
        let before = (inode("w1"), inode("w1/index.html"), inode("w2/index.html"));
        let changed = vec![
            OutputFile::new("versions.json", "[]"),
            OutputFile::new("assets/versions.js", ""),
            OutputFile::new("w1/index.html", "1"),
            OutputFile::new("w2/index.html", "two"),
        ];
        assert_eq!(
            write_site(&output, &changed, "t").unwrap(),
            summary(1, 3, 0)
        );
        assert_eq!(
            (inode("w1"), inode("w1/index.html")),
            (before.0, before.1),
            "an unchanged unit is not touched"
        );
        assert_ne!(inode("w2/index.html"), before.2);
    }

    #[test]
    fn a_stamped_file_is_written_as_the_stamped_bytes() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("page.html");
        for page in [
            format!("<p>{BUILD_STAMP}</p><p>{BUILD_STAMP}</p>"),
            format!("{BUILD_STAMP}{BUILD_STAMP}"),
            // More parts than one vectored write takes (1,024 on Linux).
            format!("a{BUILD_STAMP}b").repeat(3000),
            "no stamp".to_string(),
            String::new(),
        ] {
            write_stamped(&path, page.as_bytes(), "2026-11-25 10:00 UTC").unwrap();
            let expected = stamp(page.as_bytes(), "2026-11-25 10:00 UTC")
                .unwrap_or_else(|| page.clone().into_bytes());
            assert_eq!(fs::read(&path).unwrap(), expected, "{page}");
        }
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            "",
            "a shorter page replaces a longer one whole"
        );
    }

    #[test]
    fn stamp_comparison_is_exact() {
        let new = format!("a{BUILD_STAMP}b");
        assert!(same_but_for_stamp(b"a12b", new.as_bytes(), 2));
        assert!(!same_but_for_stamp(b"a12c", new.as_bytes(), 2));
        assert!(!same_but_for_stamp(b"a12bx", new.as_bytes(), 2));
        assert!(same_but_for_stamp(b"ab", b"ab", 2));
    }

    #[test]
    #[should_panic(expected = "escapes the output folder")]
    fn paths_cannot_escape() {
        let folder = tempfile::tempdir().unwrap();
        let _ = write_site(
            &folder.path().join("out"),
            &[OutputFile::new("../x", "")],
            "",
        );
    }
}

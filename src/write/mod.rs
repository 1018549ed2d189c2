//! Writing the built site atomically: every file goes into a staging
//! folder next to the output, which replaces the output only when all of
//! it is written. A failed or killed build leaves the published site as it
//! was, and files of removed pages do not survive a successful build.
//! Files whose bytes did not change are hard-linked from the published site
//! instead of written again.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::error::{Diagnostic, Diagnostics, Error};

/// One file of the built site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative to the output folder, with normal components only.
    pub path: PathBuf,
    pub content: Content,
}

/// What a file of the built site holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Bytes(Vec<u8>),
    /// The file as the published site already has it: pages of a version
    /// whose inputs did not change are kept, not rendered again.
    Keep,
}

impl OutputFile {
    pub fn new(path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) -> OutputFile {
        OutputFile {
            path: path.into(),
            content: Content::Bytes(bytes.into()),
        }
    }

    pub fn keep(path: impl Into<PathBuf>) -> OutputFile {
        OutputFile {
            path: path.into(),
            content: Content::Keep,
        }
    }

    /// The bytes, for files that have them.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.content {
            Content::Bytes(bytes) => Some(bytes),
            Content::Keep => None,
        }
    }
}

/// Stands in rendered pages for the build time, which differs from build
/// to build; a page whose only change is that time is not rewritten.
pub const BUILD_STAMP: &str = "\u{E002}sitrep-build-time\u{E002}";

/// A file every sitrep output folder has; an existing folder without it was
/// not built by sitrep and is never replaced.
pub const MARKER_FILE: &str = "versions.json";

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub written: usize,
    pub unchanged: usize,
    /// Files of the previous build that are gone.
    pub removed: usize,
}

/// The folders a build uses next to `output`.
fn sibling(output: &Path, suffix: &str) -> PathBuf {
    let name = output
        .file_name()
        .map_or_else(|| "site".into(), |name| name.to_string_lossy().into_owned());
    output.with_file_name(format!(".{name}.{suffix}"))
}

/// Writes the site: `files` become the whole content of `output`.
/// [`BUILD_STAMP`] in a file becomes `built_at`.
pub fn write_site(
    output: &Path,
    files: &[OutputFile],
    built_at: &str,
) -> Result<WriteSummary, Error> {
    for file in files {
        // Paths are built by sitrep from validated ids; this guards the
        // invariant that nothing is written outside the output folder.
        assert!(
            file.path
                .components()
                .all(|component| matches!(component, Component::Normal(_))),
            "output path {} escapes the output folder",
            file.path.display()
        );
    }
    let staging = sibling(output, "staging");
    let previous = sibling(output, "previous");
    // A build killed between the two renames below leaves the published
    // site under `previous`: put it back first.
    if !output.exists() && previous.is_dir() {
        fs::rename(&previous, output)
            .map_err(|error| Error::io("cannot restore", output, error))?;
    }
    check_replaceable(output)?;
    // What a killed build left behind.
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(|error| Error::io("cannot clear", &staging, error))?;
    }

    // First find out, reading only, whether anything changed at all.
    let unchanged: Vec<bool> = files
        .par_iter()
        .map(|file| match &file.content {
            Content::Keep => true,
            Content::Bytes(bytes) => fs::read(output.join(&file.path))
                .is_ok_and(|existing| same_but_for_stamp(&existing, bytes, built_at.len())),
        })
        .collect();
    let new_paths: BTreeSet<PathBuf> = files.iter().map(|file| file.path.clone()).collect();
    let removed = existing_files(output).difference(&new_paths).count();
    let written = unchanged.iter().filter(|same| !**same).count();
    let summary = WriteSummary {
        written,
        unchanged: files.len() - written,
        removed,
    };
    if written == 0 && removed == 0 && output.is_dir() {
        // Nothing changed: the published site stays exactly as it is.
        return Ok(summary);
    }

    fs::create_dir_all(&staging).map_err(|error| Error::io("cannot create", &staging, error))?;
    files
        .par_iter()
        .zip(&unchanged)
        .map(|(file, same)| {
            let content = if *same { &Content::Keep } else { &file.content };
            stage(
                &output.join(&file.path),
                &staging.join(&file.path),
                content,
                built_at,
            )
        })
        .collect::<Result<Vec<bool>, Error>>()?;

    if output.exists() {
        if previous.exists() {
            fs::remove_dir_all(&previous)
                .map_err(|error| Error::io("cannot clear", &previous, error))?;
        }
        fs::rename(output, &previous)
            .map_err(|error| Error::io("cannot move aside", output, error))?;
        fs::rename(&staging, output).map_err(|error| Error::io("cannot publish", output, error))?;
        fs::remove_dir_all(&previous)
            .map_err(|error| Error::io("cannot clear", &previous, error))?;
    } else {
        if let Some(parent) = output
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            fs::create_dir_all(parent)
                .map_err(|error| Error::io("cannot create", parent, error))?;
        }
        fs::rename(&staging, output).map_err(|error| Error::io("cannot publish", output, error))?;
    }
    Ok(summary)
}

/// Refuses to replace a folder that sitrep did not build.
fn check_replaceable(output: &Path) -> Result<(), Error> {
    if !output.exists() {
        return Ok(());
    }
    let is_empty_dir = fs::read_dir(output)
        .map(|mut entries| entries.next().is_none())
        .unwrap_or(false);
    if output.is_dir() && (is_empty_dir || output.join(MARKER_FILE).is_file()) {
        return Ok(());
    }
    Err(Diagnostics::from(
        Diagnostic::new(output, "this folder exists and was not built by sitrep; a build replaces the whole output folder")
            .with_help("choose a new or empty folder with --output or `output:` in site.yaml"),
    )
    .into())
}

/// Every file under `output`, relative to it.
fn existing_files(output: &Path) -> BTreeSet<PathBuf> {
    files_below(output, Path::new(""))
}

/// Every file under `output/folder`, relative to `output`.
pub fn files_below(output: &Path, folder: &Path) -> BTreeSet<PathBuf> {
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

/// Puts one file into the staging folder: a hard link to the published
/// file to keep, else the new bytes. `true` if written.
fn stage(
    published: &Path,
    staged: &Path,
    content: &Content,
    built_at: &str,
) -> Result<bool, Error> {
    let folder = staged.parent().expect("output files live in a folder");
    fs::create_dir_all(folder).map_err(|error| Error::io("cannot create", folder, error))?;
    let bytes = match content {
        Content::Keep => {
            if fs::hard_link(published, staged).is_err() {
                fs::copy(published, staged)
                    .map_err(|error| Error::io("cannot keep", published, error))?;
            }
            return Ok(false);
        }
        Content::Bytes(bytes) => bytes,
    };
    let stamped;
    let bytes = if contains(bytes, BUILD_STAMP.as_bytes()) {
        stamped = replace_all(bytes, BUILD_STAMP.as_bytes(), built_at.as_bytes());
        &stamped[..]
    } else {
        bytes
    };
    fs::write(staged, bytes).map_err(|error| Error::io("cannot write", staged, error))?;
    Ok(true)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

fn replace_all(haystack: &[u8], needle: &[u8], replacement: &[u8]) -> Vec<u8> {
    let mut output = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(position) = rest
        .windows(needle.len())
        .position(|window| window == needle)
    {
        output.extend_from_slice(&rest[..position]);
        output.extend_from_slice(replacement);
        rest = &rest[position + needle.len()..];
    }
    output.extend_from_slice(rest);
    output
}

/// Whether `existing` is `new` with each [`BUILD_STAMP`] replaced by some
/// build time of `stamp_length` bytes.
fn same_but_for_stamp(existing: &[u8], new: &[u8], stamp_length: usize) -> bool {
    let needle = BUILD_STAMP.as_bytes();
    let mut position = 0;
    let mut rest = new;
    loop {
        let next = rest
            .windows(needle.len())
            .position(|window| window == needle);
        let segment = &rest[..next.unwrap_or(rest.len())];
        if existing.get(position..position + segment.len()) != Some(segment) {
            return false;
        }
        position += segment.len();
        match next {
            Some(at) => {
                position += stamp_length;
                rest = &rest[at + needle.len()..];
            }
            None => return position == existing.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            OutputFile::new("a/b.json", "1"),
            OutputFile::new("c.json", "2"),
        ];
        assert_eq!(write_site(&output, &files, "t1").unwrap(), summary(3, 0, 0));
        assert_eq!(write_site(&output, &files, "t1").unwrap(), summary(0, 3, 0));
        let changed = vec![
            OutputFile::new("versions.json", "[]"),
            OutputFile::new("a/b.json", "3"),
        ];
        assert_eq!(
            write_site(&output, &changed, "t1").unwrap(),
            summary(1, 1, 1)
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
            OutputFile::new("index.html", page),
        ];
        let first = "2026-11-25 10:00 UTC";
        assert_eq!(write_site(&output, &files, first).unwrap().written, 2);
        let written = fs::read_to_string(output.join("index.html")).unwrap();
        assert_eq!(written, format!("<p>built {first}</p><p>{first}</p>"));
        let second = "2026-11-26 09:30 UTC";
        assert_eq!(write_site(&output, &files, second).unwrap().written, 0);
        let changed = vec![
            OutputFile::new("versions.json", "[]"),
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
    fn a_build_killed_between_renames_is_recovered() {
        let folder = tempfile::tempdir().unwrap();
        let output = folder.path().join("public");
        write_site(&output, &[OutputFile::new("versions.json", "old")], "t").unwrap();
        // Simulate a kill after the published site was moved aside.
        fs::rename(&output, sibling(&output, "previous")).unwrap();
        fs::create_dir_all(sibling(&output, "staging")).unwrap();
        fs::write(sibling(&output, "staging").join("half"), "x").unwrap();
        let files = [OutputFile::new("versions.json", "old")];
        assert_eq!(write_site(&output, &files, "t").unwrap(), summary(0, 1, 0));
        assert_eq!(
            fs::read_to_string(output.join("versions.json")).unwrap(),
            "old"
        );
        assert!(!sibling(&output, "staging").exists());
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

//! Writing the built site: only files whose bytes changed are written, each
//! through a temporary file and a rename, so a reader (or a crash) never
//! sees half a file.

use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::error::Error;

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
}

/// Stands in rendered pages for the build time, which differs from build
/// to build; a page whose only change is that time is not rewritten.
pub const BUILD_STAMP: &str = "\u{E002}sitrep-build-time\u{E002}";

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub written: usize,
    pub unchanged: usize,
}

/// Writes `files` under `output`, skipping files whose contents are already
/// there. [`BUILD_STAMP`] in a file becomes `built_at`.
pub fn write_files(
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
    fs::create_dir_all(output).map_err(|error| Error::io("cannot create", output, error))?;
    let results: Vec<Result<bool, Error>> = files
        .par_iter()
        .map(|file| write_if_changed(&output.join(&file.path), &file.bytes, built_at))
        .collect();
    let mut summary = WriteSummary::default();
    for result in results {
        if result? {
            summary.written += 1;
        } else {
            summary.unchanged += 1;
        }
    }
    Ok(summary)
}

/// Writes `bytes` to `path` unless it already holds them (whatever build
/// time it carries); `true` if written.
fn write_if_changed(path: &Path, bytes: &[u8], built_at: &str) -> Result<bool, Error> {
    if fs::read(path).is_ok_and(|existing| same_but_for_stamp(&existing, bytes, built_at.len())) {
        return Ok(false);
    }
    let stamped;
    let bytes = if contains(bytes, BUILD_STAMP.as_bytes()) {
        stamped = replace_all(bytes, BUILD_STAMP.as_bytes(), built_at.as_bytes());
        &stamped[..]
    } else {
        bytes
    };
    let folder = path.parent().expect("output files live in a folder");
    fs::create_dir_all(folder).map_err(|error| Error::io("cannot create", folder, error))?;
    let mut temporary = tempfile::NamedTempFile::new_in(folder)
        .map_err(|error| Error::io("cannot create a file in", folder, error))?;
    temporary
        .write_all(bytes)
        .map_err(|error| Error::io("cannot write", path, error))?;
    temporary
        .persist(path)
        .map_err(|error| Error::io("cannot write", path, error.error))?;
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

    #[test]
    fn only_changed_files_are_written() {
        let folder = tempfile::tempdir().unwrap();
        let files = vec![
            OutputFile::new("a/b.json", "1"),
            OutputFile::new("c.json", "2"),
        ];
        let summary = |written, unchanged| WriteSummary { written, unchanged };
        assert_eq!(
            write_files(folder.path(), &files, "t1").unwrap(),
            summary(2, 0)
        );
        assert_eq!(
            write_files(folder.path(), &files, "t1").unwrap(),
            summary(0, 2)
        );
        let changed = vec![
            OutputFile::new("a/b.json", "3"),
            OutputFile::new("c.json", "2"),
        ];
        assert_eq!(
            write_files(folder.path(), &changed, "t1").unwrap(),
            summary(1, 1)
        );
        assert_eq!(
            fs::read_to_string(folder.path().join("a/b.json")).unwrap(),
            "3"
        );
    }

    #[test]
    fn a_new_build_time_alone_does_not_rewrite_a_page() {
        let folder = tempfile::tempdir().unwrap();
        let page = format!("<p>built {BUILD_STAMP}</p><p>{BUILD_STAMP}</p>");
        let files = vec![OutputFile::new("index.html", page)];
        let first = "2026-11-25 10:00 UTC";
        assert_eq!(
            write_files(folder.path(), &files, first).unwrap().written,
            1
        );
        let written = fs::read_to_string(folder.path().join("index.html")).unwrap();
        assert_eq!(written, format!("<p>built {first}</p><p>{first}</p>"));
        let second = "2026-11-26 09:30 UTC";
        assert_eq!(
            write_files(folder.path(), &files, second).unwrap().written,
            0
        );
        let changed = vec![OutputFile::new(
            "index.html",
            format!("<p>built {BUILD_STAMP}</p><p>new</p>"),
        )];
        assert_eq!(
            write_files(folder.path(), &changed, second)
                .unwrap()
                .written,
            1
        );
        let written = fs::read_to_string(folder.path().join("index.html")).unwrap();
        assert_eq!(written, format!("<p>built {second}</p><p>new</p>"));
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
        let _ = write_files(folder.path(), &[OutputFile::new("../x", "")], "");
    }
}

//! Writing into a site project without ever leaving it: `sitrep init`,
//! `sitrep new week` and `sitrep publish` write through the project folder
//! opened once (see `cap_std`), so no link and no `..` on the way leads a
//! write outside it, and new files are created exclusively, never through
//! a file or link already there.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use cap_std::fs::{Dir, OpenOptions};

use crate::error::{Diagnostic, Diagnostics, Error};

/// Opens the project folder `root` (a link to it is fine: the user named
/// it).
pub fn open_root(root: &Path) -> Result<Dir, Error> {
    Dir::open_ambient_dir(root, cap_std::ambient_authority())
        .map_err(|error| Error::io("cannot open", root, error))
}

/// Whether an error means the path leads out of the folder opened.
fn is_escape(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::PermissionDenied
        && error.to_string().contains("outside of the filesystem")
}

/// Why `path` (relative to `dir`) cannot become a new file, if it cannot:
/// something is already there (a dangling link included), or a folder on
/// the way is a file or leads out of the project.
fn problem_with_new_file(dir: &Dir, path: &Path) -> Option<Diagnostic> {
    if dir.symlink_metadata(path).is_ok() {
        return Some(
            Diagnostic::new(path, "already exists; sitrep never overwrites a file")
                .with_help("move it away, or pick another folder or week"),
        );
    }
    for folder in path.ancestors().skip(1) {
        if folder.as_os_str().is_empty() {
            return None;
        }
        match dir.metadata(folder) {
            Ok(metadata) if metadata.is_dir() => return None,
            Ok(_) => {
                return Some(
                    Diagnostic::new(folder, "is a file where sitrep needs a folder")
                        .with_help("move it away"),
                )
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) if is_escape(&error) => {
                return Some(
                    Diagnostic::new(
                        folder,
                        "leads out of the project through a link; sitrep writes only inside it",
                    )
                    .with_help("replace the link with a real folder"),
                )
            }
            Err(error) => return Some(Diagnostic::new(folder, format!("cannot read: {error}"))),
        }
    }
    None
}

/// Checks that every one of `files` can be created, reporting every
/// problem at once.
pub fn check_new_files(dir: &Dir, files: &[(PathBuf, String)]) -> Result<(), Error> {
    let problems: Vec<Diagnostic> = files
        .iter()
        .filter_map(|(path, _)| problem_with_new_file(dir, path))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Diagnostics(problems).into())
    }
}

/// Creates `files` (relative to `dir`, whose path is `root`), or none of
/// them: every one is checked first, each is created exclusively, and the
/// ones created before a write fails are removed again.
pub fn create_new_files(
    dir: &Dir,
    root: &Path,
    files: &[(PathBuf, String)],
) -> Result<Vec<PathBuf>, Error> {
    check_new_files(dir, files)?;
    let mut created: Vec<&Path> = Vec::new();
    for (path, contents) in files {
        let written = path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
            .map_or(Ok(()), |folder| dir.create_dir_all(folder))
            .and_then(|()| dir.open_with(path, OpenOptions::new().write(true).create_new(true)))
            .and_then(|mut file| {
                // Created: from here on it is ours to remove.
                created.push(path);
                file.write_all(contents.as_bytes())
            });
        if let Err(error) = written {
            for path in created {
                let _ = dir.remove_file(path);
            }
            return Err(Error::io("cannot create", root.join(path), error));
        }
    }
    Ok(files.iter().map(|(path, _)| path.clone()).collect())
}

/// Replaces the file `path` (relative to `dir`, whose path is `root`)
/// with `bytes` at once: they are written to a new file made exclusively
/// in the same folder, which is then renamed over it. A file or link
/// already at the new file's name is never written through.
pub fn replace_file(dir: &Dir, root: &Path, path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let name = path.file_name().expect("a file path has a file name");
    let folder = match path
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
    {
        Some(folder) => dir
            .open_dir(folder)
            .map_err(|error| Error::io("cannot open", root.join(folder), error))?,
        None => dir
            .try_clone()
            .map_err(|error| Error::io("cannot open", root, error))?,
    };
    let mut attempt = 0u32;
    let (temporary, mut file) = loop {
        let temporary = format!(
            ".{}.{}-{attempt}.tmp",
            name.to_string_lossy(),
            std::process::id()
        );
        match folder.open_with(&temporary, OpenOptions::new().write(true).create_new(true)) {
            Ok(file) => break (temporary, file),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(error) => return Err(Error::io("cannot write", root.join(path), error)),
        }
    };
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| folder.rename(&temporary, &folder, name));
    written.map_err(|error| {
        let _ = folder.remove_file(&temporary);
        Error::io("cannot write", root.join(path), error)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_created_when_one_file_cannot_be() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::create_dir(folder.path().join("b")).unwrap();
        std::fs::write(folder.path().join("b/taken.md"), "mine").unwrap();
        let dir = open_root(folder.path()).unwrap();
        let files = [
            (PathBuf::from("a/new.md"), "new".to_string()),
            (PathBuf::from("b/taken.md"), "new".to_string()),
        ];
        let error = create_new_files(&dir, folder.path(), &files).unwrap_err();
        assert!(error.to_string().contains("already exists"), "{error}");
        assert!(!folder.path().join("a").exists());
        assert_eq!(
            std::fs::read_to_string(folder.path().join("b/taken.md")).unwrap(),
            "mine"
        );
    }

    #[test]
    fn replacing_a_file_never_writes_through_a_link() {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path().join("root");
        std::fs::create_dir_all(root.join("w")).unwrap();
        std::fs::write(folder.path().join("outside.json"), "mine").unwrap();
        // A link where the file is: replaced, not written through.
        std::os::unix::fs::symlink("../../outside.json", root.join("w/numbers.json")).unwrap();
        let dir = open_root(&root).unwrap();
        replace_file(&dir, &root, Path::new("w/numbers.json"), b"new").unwrap();
        assert_eq!(
            std::fs::read_to_string(folder.path().join("outside.json")).unwrap(),
            "mine"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("w/numbers.json")).unwrap(),
            "new"
        );
        assert_eq!(std::fs::read_dir(root.join("w")).unwrap().count(), 1);
    }
}

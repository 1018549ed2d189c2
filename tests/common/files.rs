//! Helpers shared by the end-to-end tests: running sitrep on a fixture
//! folder, writing its files, and snapshots of a built site for asserting
//! that a command changed nothing.
#![allow(dead_code)] // each test file uses what it needs

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Every file under `folder`: relative path → bytes.
pub fn snapshot(folder: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    snapshot_with_times(folder)
        .into_iter()
        .map(|(path, (bytes, _))| (path, bytes))
        .collect()
}

/// Every file under `folder`: relative path → (bytes, modification time).
pub fn snapshot_with_times(folder: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
    walkdir::WalkDir::new(folder)
        .into_iter()
        .map(Result::unwrap)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let path = entry.path();
            let modified = fs::metadata(path).unwrap().modified().unwrap();
            (
                path.strip_prefix(folder).unwrap().to_path_buf(),
                (fs::read(path).unwrap(), modified),
            )
        })
        .collect()
}

/// `sitrep --root <root>`, to be given a command. Builds include draft
/// weeks (the fixtures are mostly drafts); tests/pages.rs tests leaving
/// them out.
pub fn sitrep(root: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("sitrep").unwrap();
    command
        .arg("--root")
        .arg(root)
        .env("SITREP_BUILD_DRAFTS", "1");
    command
}

/// Writes `contents` to `root/relative`, creating folders as needed.
pub fn write(root: &Path, relative: &str, contents: &str) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
}

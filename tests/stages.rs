//! The stages of a build around the render stage: loading (program
//! definitions are parsed in parallel, their problems reported in file
//! order) and writing (each page written in one go, every build stamp
//! replaced by the build time).

#[path = "common/files.rs"]
mod files;

use std::path::Path;

use files::{build_error, init, ok, snapshot, write};

/// A new scaffolded site in a temporary folder: (folder, site root).
fn scaffold() -> (tempfile::TempDir, std::path::PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let root = temp.path().join("site");
    init(&root);
    (temp, root)
}

#[test]
fn program_problems_are_reported_in_file_order() {
    let (_temp, root) = scaffold();
    // Three broken definitions among the scaffold's, and `k_ok.yaml` whose
    // id `K_OK.yaml` (listed first: capitals sort first) already has: the
    // files are parsed in parallel, the problems still come in file order,
    // the one found before parsing among the others.
    write(&root, "content/programs/a_broken.yaml", "name: [\n");
    write(&root, "content/programs/K_OK.yaml", "name: K\nowner: O\n");
    write(&root, "content/programs/k_ok.yaml", "name: K\nowner: O\n");
    write(
        &root,
        "content/programs/m_broken.yaml",
        "name: M\nowner: O\nnot_a_setting: 1\n",
    );
    write(
        &root,
        "content/programs/z_broken.yaml",
        "name: Z\nowner: [\n",
    );
    let stderr = build_error(&root);
    let files: Vec<&str> = stderr
        .lines()
        .filter_map(|line| line.strip_prefix("error: content/programs/"))
        .filter_map(|rest| rest.split([':', ' ']).next())
        .collect();
    assert_eq!(
        files,
        [
            "a_broken.yaml",
            "k_ok.yaml",
            "m_broken.yaml",
            "z_broken.yaml"
        ],
        "{stderr}"
    );
}

#[test]
fn every_build_stamp_becomes_the_build_time() {
    let (_temp, root) = scaffold();
    ok(&root, &["build"]);
    let site = snapshot(&root.join("public"));
    assert!(site.len() > 10, "{} files", site.len());
    let stamp = "\u{E002}".as_bytes();
    for (path, bytes) in &site {
        assert!(
            !bytes.windows(stamp.len()).any(|window| window == stamp),
            "{} keeps a build stamp",
            path.display()
        );
    }
    // The week page shows when it was built, in one piece.
    let week = site
        .iter()
        .find(|(path, _)| path.ends_with(Path::new("index.html")) && path.components().count() == 2)
        .map(|(path, bytes)| (path.clone(), String::from_utf8_lossy(bytes).into_owned()))
        .expect("a week page");
    assert!(
        week.1.contains("UTC"),
        "{} has no build time",
        week.0.display()
    );
}

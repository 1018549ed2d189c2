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

/// `sitrep` with no `--root`, for `init` and `--version`.
pub fn bare_sitrep() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("sitrep").unwrap()
}

/// What a finished command printed, and whether it succeeded.
pub struct Output {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `command` with `args` to its end.
pub fn run_command(mut command: assert_cmd::Command, args: &[&str]) -> Output {
    let output = command.args(args).output().unwrap();
    Output {
        success: output.status.success(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Runs `command` with `args`, which must succeed; returns its output.
pub fn ok_command(command: assert_cmd::Command, args: &[&str]) -> Output {
    let output = run_command(command, args);
    assert!(
        output.success,
        "`sitrep {}` failed:\n{}{}",
        args.join(" "),
        output.stdout,
        output.stderr
    );
    output
}

/// `sitrep --root <root> <args>`, run to its end.
pub fn run(root: &Path, args: &[&str]) -> Output {
    run_command(sitrep(root), args)
}

/// `sitrep --root <root> <args>`, which must succeed; returns its output.
pub fn ok(root: &Path, args: &[&str]) -> Output {
    ok_command(sitrep(root), args)
}

/// `sitrep --root <root> build`, which must fail without writing the site;
/// returns its stderr.
pub fn build_error(root: &Path) -> String {
    let output = sitrep(root).arg("build").assert().failure();
    let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
    assert!(
        !root.join("public").exists(),
        "nothing is written: {stderr}"
    );
    stderr
}

/// `sitrep init <root>`, which must succeed; returns its output.
pub fn init(root: &Path) -> Output {
    let mut command = bare_sitrep();
    command.arg("init").arg(root);
    let output = run_command(command, &[]);
    assert!(output.success, "init failed: {}", output.stderr);
    output
}

/// The review weeks of a project, by folder name, oldest first.
pub fn review_weeks(root: &Path) -> Vec<String> {
    let mut weeks: Vec<String> = fs::read_dir(root.join("content/reviews"))
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().unwrap().is_dir())
        .map(|entry| entry.file_name().into_string().unwrap())
        .collect();
    weeks.sort();
    weeks
}

/// The text of a file; a missing one fails the test naming it.
pub fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// A JSON file, such as a version's `data.json`.
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Asserts that a JSON number is `expected`, to 1e-9.
#[track_caller]
pub fn close(value: &serde_json::Value, expected: f64) {
    let actual = value
        .as_f64()
        .unwrap_or_else(|| panic!("expected {expected}, got {value}"));
    assert!(
        (actual - expected).abs() < 1e-9,
        "expected {expected}, got {actual}"
    );
}

/// Every day from `start` to `end`, both included.
pub fn days_from(start: jiff::civil::Date, end: jiff::civil::Date) -> Vec<jiff::civil::Date> {
    let mut days = Vec::new();
    let mut day = start;
    while day <= end {
        days.push(day);
        day = day.tomorrow().unwrap();
    }
    days
}

/// The `data.json` of `week` of the repository's example site, built into
/// a temporary folder.
pub fn example_week_data(week: &str) -> serde_json::Value {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = tempfile::tempdir().unwrap();
    sitrep(repo)
        .arg("build")
        .arg("--output")
        .arg(output.path())
        .assert()
        .success();
    read_json(&output.path().join(week).join("data.json"))
}

/// Runs `command` (a `sitrep` build), asserts that it succeeded, and
/// returns the peak memory of the process in bytes (`ru_maxrss` from
/// `wait4`).
#[cfg(target_os = "linux")]
#[allow(clippy::zombie_processes)] // waited for with wait4, for its rusage
pub fn peak_memory(command: &mut std::process::Command) -> u64 {
    let child = command.stdout(std::process::Stdio::null()).spawn().unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data, filled in by wait4 for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    // SAFETY: waits for the child spawned above, once.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    usage.ru_maxrss as u64 * 1024
}

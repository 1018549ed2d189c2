//! Daily series end to end: dimension groups that appear after a published
//! week (BRIEF §3 "Dimension groups" and "As-of"), and data files whose
//! dates lie centuries apart (memory follows the values present, not the
//! span of the dates).

#[path = "common/files.rs"]
mod files;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use files::write;
use serde_json::Value;

const SITE_YAML: &str = "title: Groups Test Site\n";

const PUBLISHED: &str = "2026-W47"; // Monday 16 – Sunday 22 November 2026

fn json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// A small site whose data file has `columns` columns and two rows, one
/// on the first and one on the last day sitrep supports, 300 years apart.
fn site_with_far_apart_dates(columns: usize) -> (tempfile::TempDir, PathBuf, usize) {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path().join("site");
    write(&root, "site.yaml", SITE_YAML);
    write(
        &root,
        "content/programs/ops.yaml",
        "name: Operations\nowner: A. Owner\nmetrics:\n  first:\n    column: c1\n",
    );
    write(
        &root,
        &format!("content/reviews/{PUBLISHED}/index.md"),
        "---\ntitle: Week 47\n---\nFirst: {{ value(\"ops.first\") }}.\n",
    );
    let mut csv = String::from("date");
    for column in 1..=columns {
        csv.push_str(&format!(",c{column}"));
    }
    for day in ["1900-01-01", "2199-12-31"] {
        csv.push('\n');
        csv.push_str(day);
        csv.push_str(&",1".repeat(columns));
    }
    csv.push('\n');
    write(&root, "data/wide.csv", &csv);
    (folder, root, csv.len())
}

/// Builds `root` with the process's address space capped at `megabytes`.
fn build_within(root: &Path, megabytes: u64) -> Output {
    let binary = assert_cmd::cargo::cargo_bin("sitrep");
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {} && exec \"$0\" --root \"$1\" build",
            megabytes * 1024
        ))
        .arg(binary)
        .arg(root)
        .output()
        .unwrap()
}

#[test]
fn dates_centuries_apart_take_memory_for_their_values_only() {
    // 4,000 columns with a value on 1 January 1900 and 31 December 2199
    // (39 KB). A day-by-day array from 1900 to 2199 is 109,572 days; one
    // per column took about 9 GB and aborted the build.
    let (_folder, root, bytes) = site_with_far_apart_dates(4000);
    assert!((35_000..45_000).contains(&bytes), "{bytes} bytes");
    let output = build_within(&root, 1024);
    assert!(
        output.status.success(),
        "the build failed within 1 GB: {:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let numbers = json(&root.join(format!("public/{PUBLISHED}/data.json")));
    // No value in the review week: a gap with all 7 days missing.
    let week = &numbers["programs"]["ops"]["metrics"]["first"]["weeks"][5];
    assert_eq!(week["value"], Value::Null, "{week}");
    assert_eq!(week["missing"], 7, "{week}");
}

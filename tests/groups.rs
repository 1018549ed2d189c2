//! Daily series end to end: dimension groups that appear after a published
//! week (BRIEF §3 "Dimension groups" and "As-of"), and data files whose
//! dates lie centuries apart (memory follows the values present, not the
//! span of the dates).

#[path = "common/files.rs"]
mod files;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use files::{sitrep, write};
use serde_json::Value;

const SITE_YAML: &str = "title: Groups Test Site\n";

/// `contacts` adds up every channel.
const PROGRAM: &str = "\
name: Operations
owner: A. Owner
summary: Answers contacts.
metrics:
  contacts:
    name: Contacts
    column: contacts
";

/// Added once phone contacts exist: the phone channel alone.
const PHONE_METRIC: &str =
    "  phone:\n    name: Phone contacts\n    column: contacts\n    where: { channel: phone }\n";

const PUBLISHED: &str = "2026-W47"; // Monday 16 – Sunday 22 November 2026
const DRAFT: &str = "2026-W48"; // Monday 23 – Sunday 29 November 2026

/// `value` contacts of `channel` on every day from `start` to `end`.
fn rows(channel: &str, value: u32, start: &str, end: &str) -> String {
    let (mut day, end): (jiff::civil::Date, jiff::civil::Date) =
        (start.parse().unwrap(), end.parse().unwrap());
    let mut text = String::new();
    while day <= end {
        text.push_str(&format!("{day},contacts,{value},{channel}\n"));
        day = day.tomorrow().unwrap();
    }
    text
}

fn run(root: &Path, args: &[&str]) -> Output {
    sitrep(root).args(args).output().unwrap()
}

/// Runs a command that must succeed; returns its stdout and stderr.
fn ok(root: &Path, args: &[&str]) -> (String, String) {
    let output = run(root, args);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    );
    assert!(
        output.status.success(),
        "sitrep {args:?} failed:\n{stderr}{stdout}"
    );
    (stdout, stderr)
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// Metric `metric`'s value in week `slot` of the 6-week series (5: the
/// review week itself).
fn week_value(numbers: &Value, metric: &str, slot: usize) -> Option<f64> {
    numbers["programs"]["ops"]["metrics"][metric]["weeks"][slot]["value"].as_f64()
}

#[test]
fn a_channel_that_appears_after_a_published_week_restates_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    write(root, "site.yaml", SITE_YAML);
    write(root, "content/programs/ops.yaml", PROGRAM);
    write(
        root,
        &format!("content/reviews/{PUBLISHED}/index.md"),
        "---\ntitle: Week 47\n---\nContacts: {{ value(\"ops.contacts\") }}.\n",
    );
    // Email 1 and chat 10 contacts a day, from September to the end of
    // the published week.
    let mut csv = String::from("date,metric,value,channel\n");
    csv.push_str(&rows("email", 1, "2026-09-01", "2026-11-22"));
    csv.push_str(&rows("chat", 10, "2026-09-01", "2026-11-22"));
    write(root, "data/contacts.csv", &csv);

    ok(root, &["build"]);
    ok(root, &["publish", PUBLISHED]);
    let numbers_path = root.join(format!("content/reviews/{PUBLISHED}/numbers.json"));
    let frozen = fs::read(&numbers_path).unwrap();
    // 7 days × (1 + 10) = 77.
    assert_eq!(week_value(&json(&numbers_path), "contacts", 5), Some(77.0));

    // The next week's rows arrive, with a new channel: phone, 100 a day
    // from Wednesday 25 November.
    csv.push_str(&rows("email", 1, "2026-11-23", "2026-11-29"));
    csv.push_str(&rows("chat", 10, "2026-11-23", "2026-11-29"));
    csv.push_str(&rows("phone", 100, "2026-11-25", "2026-11-29"));
    write(root, "data/contacts.csv", &csv);
    write(
        root,
        "content/programs/ops.yaml",
        &format!("{PROGRAM}{PHONE_METRIC}"),
    );
    write(
        root,
        &format!("content/reviews/{DRAFT}/index.md"),
        "---\ntitle: Week 48\n---\nContacts: {{ value(\"ops.contacts\") }}.\n",
    );

    for command in ["build", "check"] {
        let (stdout, stderr) = ok(root, &[command]);
        assert!(
            !stderr.contains("restates") && !stdout.contains("restates"),
            "`{command}` reports restatements:\n{stderr}{stdout}"
        );
    }
    // Taking today's numbers changes none of the published ones. The phone
    // metric has no day of the published week (`--force`).
    let (stdout, _) = ok(root, &["publish", PUBLISHED, "--restate", "--force"]);
    assert!(!stdout.contains("restated:"), "{stdout}");
    let republished = json(&numbers_path);
    let published = serde_json::from_slice::<Value>(&frozen).unwrap();
    let contacts = |numbers: &Value| numbers["programs"]["ops"]["metrics"]["contacts"].clone();
    assert_eq!(
        contacts(&republished),
        contacts(&published),
        "today's numbers for {PUBLISHED} differ from the published ones"
    );

    let public = |week: &str| json(&root.join(format!("public/{week}/data.json")));
    let published_page = public(PUBLISHED);
    assert_eq!(week_value(&published_page, "contacts", 5), Some(77.0));
    let draft = public(DRAFT);
    // The draft shows the published week with the published number.
    assert_eq!(week_value(&draft, "contacts", 4), Some(77.0));
    // Week 48: phone counts from its first row, Wednesday 25 November.
    // Mon 23, Tue 24: 1 + 10 = 11 each; Wed 25 – Sun 29: 1 + 10 + 100 =
    // 111 each; 2 × 11 + 5 × 111 = 22 + 555 = 577.
    assert_eq!(week_value(&draft, "contacts", 5), Some(577.0));
    // Phone alone has no rows before the 25th: week 48 is incomplete
    // (Monday and Tuesday missing), never a partial sum of 500.
    let phone = &draft["programs"]["ops"]["metrics"]["phone"]["weeks"][5];
    assert_eq!(phone["value"], Value::Null, "{phone}");
    assert_eq!(phone["missing"], 2, "{phone}");
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
            "ulimit -v {} && exec \"$0\" --root \"$1\" build --drafts",
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

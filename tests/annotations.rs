//! End-to-end: annotations (`data/annotations.csv`, wbr-app's
//! `Date,MetricName,EventDescription` as it is) drawn on the 6-12 charts,
//! listed under them, reached from narratives and written to `data.json`,
//! built with the real `sitrep` binary.

#[path = "common/files.rs"]
mod files;

mod chart_data;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use files::{sitrep, write};
use serde_json::Value;

const SITE: &str = "title: Annotated WBR\n";

const PROGRAM: &str = "name: Support
owner: A. Rivera
metrics:
  contacts:
    name: Contacts handled
    column: contacts
    aggregate: sum
  visits:
    name: Visits
    column: visits
    aggregate: sum
deck:
  - chart: contacts
  - chart: visits
    prior_year: false
";

/// wbr-app's own annotation file: its header, its column order, a metric
/// by display name, one by id, a program, one for every chart, a hostile
/// text, and a date after week 2026-W47 (Mon 16 – Sun 22 Nov).
const ANNOTATIONS: &str = "Date,MetricName,EventDescription
2026-11-18,Contacts handled,\"Outage on 11-18 <script>alert(1)</script> \"\"quoted\"\" & 'single'\"
2026-11-25,contacts,App release 7.32
2025-11-19,,Holiday promo last year
2026-10-05,support,Staffing change
";

/// A wide daily file from 2025-01-01 to 2026-11-29: 10 contacts and 3
/// visits a day, so a week is 70 contacts and November 2025 300.
fn data() -> String {
    let mut csv = String::from("date,contacts,visits\n");
    let mut day = jiff::civil::date(2025, 1, 1);
    while day <= jiff::civil::date(2026, 11, 29) {
        let _ = writeln!(csv, "{day},10,3");
        day = day.tomorrow().unwrap();
    }
    csv
}

fn site() -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    write(root, "site.yaml", SITE);
    write(root, "content/programs/support.yaml", PROGRAM);
    write(root, "data/support.csv", &data());
    write(root, "data/annotations.csv", ANNOTATIONS);
    write(
        root,
        "content/reviews/2026-W47/support.md",
        "What happened: {{ annotations(\"contacts\") }}\n",
    );
    write(root, "content/reviews/2026-W48/support.md", "Quiet week.\n");
    folder
}

fn build(root: &Path) -> assert_cmd::assert::Assert {
    sitrep(root)
        .arg("build")
        .env("SOURCE_DATE_EPOCH", "1764000000")
        .assert()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The options of chart `id` of a page, as the theme's script builds them
/// from the page's chart data.
fn chart_options(html: &str, id: &str) -> Value {
    chart_data::page_charts(html)
        .remove(id)
        .unwrap_or_else(|| panic!("no chart {id}"))
}

/// Every annotation marker of a chart: (series name, x index, y, label,
/// tooltip text).
fn markers(options: &Value) -> Vec<(String, u64, f64, String, String)> {
    let mut found = Vec::new();
    for series in options["series"].as_array().unwrap() {
        let Some(data) = series["markPoint"]["data"].as_array() else {
            continue;
        };
        for point in data {
            found.push((
                series["name"].as_str().unwrap().to_string(),
                point["coord"][0].as_u64().unwrap(),
                point["coord"][1].as_f64().unwrap(),
                point["value"].as_str().unwrap().to_string(),
                point["name"].as_str().unwrap().to_string(),
            ));
        }
    }
    found.sort_by(|a, b| a.partial_cmp(b).unwrap());
    found
}

const OUTAGE: &str = "Outage on 11-18 <script>alert(1)</script> \"quoted\" & 'single'";

#[test]
fn wbr_app_annotations_are_drawn_listed_and_written() {
    let folder = site();
    let root = folder.path();
    build(root).success();
    let page = read(&root.join("public/2026-W47/support/index.html"));

    // W47's axis: weeks W42–W47 at 0–5, the gap at 6, months Nov ’25 –
    // Oct ’26 at 7–18. The list under the chart numbers events by date:
    // 1 = 2025-11-19 (every chart), 2 = 2026-10-05 (program),
    // 3 = 2026-11-18 (the metric, by display name). 2026-11-25 is after
    // the week: not shown (as-of).
    let options = chart_options(&page, "chart-1");
    let expected = vec![
        // 2025-11-19 is in Nov ’25 (x 7, 30 days × 10 = 300) ...
        (
            "Contacts handled".to_string(),
            7,
            300.0,
            "1".to_string(),
            "2025-11-19: Holiday promo last year".to_string(),
        ),
        // ... and in the prior-year week of W47 (2025-11-17 – 23, 364
        // days back: 7 × 10 = 70), on the prior-year line.
        (
            "Contacts handled (prior year)".to_string(),
            5,
            70.0,
            "1".to_string(),
            "2025-11-19: Holiday promo last year".to_string(),
        ),
        // 2026-10-05 is in Oct ’26 (x 18, 31 × 10 = 310); W42 starts
        // 2026-10-12, so no weekly marker. Its prior year (Oct 2025) is
        // not on the axis as a month of its own.
        (
            "Contacts handled".to_string(),
            18,
            310.0,
            "2".to_string(),
            "2026-10-05: Staffing change".to_string(),
        ),
        // 2026-11-18 is in W47 (x 5, 70); November 2026 is not complete.
        (
            "Contacts handled".to_string(),
            5,
            70.0,
            "3".to_string(),
            format!("2026-11-18: {OUTAGE}"),
        ),
    ];
    let mut expected = expected;
    expected.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(markers(&options), expected);

    // The visits chart has no prior-year line: the site-wide and program
    // annotations mark its current-year line only.
    let visits = markers(&chart_options(&page, "chart-2"));
    let labels: Vec<(&str, u64, &str)> = visits
        .iter()
        .map(|(series, x, _, label, _)| (series.as_str(), *x, label.as_str()))
        .collect();
    assert_eq!(labels, vec![("Visits", 7, "1"), ("Visits", 18, "2")]);

    // Listed under the chart, escaped; the hostile text never reaches the
    // page as markup, in the list or in the options.
    assert!(page.contains("Noteworthy events"), "{page}");
    assert!(
        page.contains("Outage on 11-18 &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(!page.contains("<script>alert"));
    assert!(!page.contains("App release 7.32"));
    assert!(page.contains("Staffing change"));

    // The narrative's call lists the metric's events.
    let narrative_start = page.find("What happened:").expect("narrative");
    let narrative = &page[narrative_start..];
    assert!(narrative.contains("Holiday promo last year"));
    assert!(narrative.contains("2026-11-18"));

    // data.json: the annotations of the version, as of its week.
    let data: Value = serde_json::from_str(&read(&root.join("public/2026-W47/data.json"))).unwrap();
    assert_eq!(
        data["annotations"],
        serde_json::json!([
            { "date": "2025-11-19", "program": null, "metric": null, "text": "Holiday promo last year" },
            { "date": "2026-10-05", "program": "support", "metric": null, "text": "Staffing change" },
            { "date": "2026-11-18", "program": "support", "metric": "contacts", "text": OUTAGE },
        ])
    );
    // The numbers are those of the data alone.
    assert_eq!(
        data["programs"]["support"]["metrics"]["contacts"]["weeks"][5]["value"],
        serde_json::json!(70.0)
    );

    // W48 shows the release (dated in its week) too.
    let page = read(&root.join("public/2026-W48/support/index.html"));
    assert!(page.contains("App release 7.32"));
    let data: Value = serde_json::from_str(&read(&root.join("public/2026-W48/data.json"))).unwrap();
    assert_eq!(data["annotations"].as_array().unwrap().len(), 4);
}

#[test]
fn changing_annotations_rebuilds_published_weeks_without_a_restatement() {
    let folder = site();
    let root = folder.path();
    build(root).success();
    sitrep(root)
        .args(["publish", "2026-W47"])
        .assert()
        .success();
    build(root).success();
    let page = root.join("public/2026-W47/support/index.html");
    assert!(!read(&page).contains("Escalation backlog cleared"));

    let mut annotations = ANNOTATIONS.to_string();
    annotations.push_str("2026-11-17,,Escalation backlog cleared\n");
    write(root, "data/annotations.csv", &annotations);
    let rebuilt = build(root).success();
    let output = String::from_utf8_lossy(&rebuilt.get_output().stdout).into_owned()
        + &String::from_utf8_lossy(&rebuilt.get_output().stderr);
    assert!(read(&page).contains("Escalation backlog cleared"));
    assert!(
        !output.to_lowercase().contains("restat"),
        "an annotation is not a restatement: {output}"
    );
    // The published numbers are unchanged.
    sitrep(root).arg("check").assert().success();
}

#[test]
fn an_annotations_file_outside_data_is_read_when_listed() {
    let folder = site();
    let root = folder.path();
    fs::remove_file(root.join("data/annotations.csv")).unwrap();
    write(
        root,
        "notes/events.csv",
        "date,metric,text,owner\n2026-11-19,visits,Bot traffic blocked,SecOps\n",
    );
    write(
        root,
        "site.yaml",
        &format!("{SITE}annotations: [notes/events.csv]\n"),
    );
    build(root).success();
    let page = read(&root.join("public/2026-W47/support/index.html"));
    assert!(page.contains("Bot traffic blocked"));
    assert!(!page.contains("SecOps"));
}

#[test]
fn bad_annotations_name_file_line_column_and_fix() {
    let folder = site();
    let root = folder.path();
    write(
        root,
        "data/annotations.csv",
        "Date,MetricName,EventDescription\n2026-11-18,contcts,Outage\n2026-13-45,,Bad date\n",
    );
    let failed = sitrep(root).arg("check").assert().failure();
    let errors = String::from_utf8_lossy(&failed.get_output().stderr).into_owned();
    assert!(
        errors.contains("data/annotations.csv:2:2:") && errors.contains("did you mean `contacts`?"),
        "{errors}"
    );
    assert!(errors.contains("data/annotations.csv:3:1:"), "{errors}");

    write(
        root,
        "data/annotations.csv",
        "when,metric,text\n2026-11-18,,Outage\n",
    );
    let failed = sitrep(root).arg("check").assert().failure();
    let errors = String::from_utf8_lossy(&failed.get_output().stderr).into_owned();
    assert!(
        errors.contains("data/annotations.csv:1") && errors.contains("`date`"),
        "{errors}"
    );

    // A listed file that is missing is an error at its line of site.yaml.
    fs::remove_file(root.join("data/annotations.csv")).unwrap();
    write(
        root,
        "site.yaml",
        &format!("{SITE}annotations:\n  - data/events.csv\n"),
    );
    let failed = sitrep(root).arg("check").assert().failure();
    let errors = String::from_utf8_lossy(&failed.get_output().stderr).into_owned();
    assert!(
        errors.contains("site.yaml:2") && errors.contains("data/events.csv"),
        "{errors}"
    );
    // Nothing was published by the failed checks.
    assert!(!root.join("public").exists());
}

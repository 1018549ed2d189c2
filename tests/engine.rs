//! End-to-end: small fixture sites written to temporary folders and built
//! with the real `sitrep` binary. Expected numbers are worked out by hand
//! (or, for the example site, computed here straight from its CSV).

#[path = "common/files.rs"]
mod files;

use files::{
    close, days_from, example_week_data, read_json, sitrep, snapshot_with_times as snapshot, write,
};
use std::fs;
use std::path::Path;

use serde_json::Value;

const OPS_PROGRAM: &str = "name: Ops
owner: T. Tester
metrics:
  tickets:
    name: Tickets
    column: tickets
    aggregate: sum
    unit: count
    better: down
  ok: { column: ok, aggregate: sum, unit: count }
  total: { column: total, aggregate: sum, unit: count }
  attainment:
    name: Attainment
    divide: [ok, total]
    unit: percent
    better: up
    target: 0.9
    compare: bps
";

/// A valid ISO-week site with reviews for 2026-W46 and 2026-W47.
///
/// Data, 1 Jan 2025 – 22 Nov 2026: `tickets` 10 a day (empty on Wed 28 Oct
/// 2026, and 1, 2, … 7 in W47, 16–22 Nov 2026); `ok` 9 a day (W47: 10 a
/// day but 0 on the Sunday); `total` 10 a day.
fn good_site(root: &Path) {
    write(root, "site.yaml", "title: Test WBR\n");
    write(root, "content/programs/ops.yaml", OPS_PROGRAM);
    for week in ["2026-W46", "2026-W47"] {
        write(
            root,
            &format!("content/reviews/{week}/index.md"),
            "# The week\n\nNothing unusual.\n",
        );
    }
    let mut csv = String::from("date,tickets,ok,total\n");
    let w47 = jiff::civil::date(2026, 11, 16);
    for day in days_from(
        jiff::civil::date(2025, 1, 1),
        jiff::civil::date(2026, 11, 22),
    ) {
        let (tickets, ok) = if day >= w47 {
            let index = (day - w47).get_days();
            (
                (index + 1).to_string(),
                if index == 6 { "0" } else { "10" }.to_string(),
            )
        } else if day == jiff::civil::date(2026, 10, 28) {
            (String::new(), "9".to_string())
        } else {
            ("10".to_string(), "9".to_string())
        };
        csv.push_str(&format!("{day},{tickets},{ok},10\n"));
    }
    write(root, "data/ops.csv", &csv);
}

#[test]
fn build_writes_versions_and_data_json_with_hand_checked_numbers() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    good_site(root);
    sitrep(root).arg("build").assert().success();
    let public = root.join("public");

    // Newest first.
    let versions = read_json(&public.join("versions.json"));
    let versions = versions.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["id"], "2026-W47");
    assert_eq!(versions[0]["start"], "2026-11-16");
    assert_eq!(versions[0]["end"], "2026-11-22");
    assert_eq!(versions[1]["id"], "2026-W46");
    assert_eq!(versions[1]["start"], "2026-11-09");
    assert_eq!(versions[1]["end"], "2026-11-15");

    let data = read_json(&public.join("2026-W47/data.json"));
    let tickets = &data["programs"]["ops"]["metrics"]["tickets"];
    assert_eq!(tickets["name"], "Tickets");
    assert_eq!(tickets["unit"], "count");
    assert_eq!(tickets["better"], "down");
    assert_eq!(tickets["status"], Value::Null); // no target: not rated

    let weeks = tickets["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 6);
    let ends: Vec<&str> = weeks.iter().map(|w| w["end"].as_str().unwrap()).collect();
    assert_eq!(
        ends,
        [
            "2026-10-18",
            "2026-10-25",
            "2026-11-01",
            "2026-11-08",
            "2026-11-15",
            "2026-11-22"
        ]
    );
    close(&weeks[0]["value"], 70.0); // 7 × 10
    assert_eq!(weeks[2]["value"], Value::Null); // W44 misses 28 Oct
    close(&weeks[5]["value"], 28.0); // 1+2+…+7
    close(&weeks[5]["py_value"], 70.0); // 17–23 Nov 2025: 7 × 10

    let months = tickets["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert_eq!(months[0]["month"], "2025-11");
    close(&months[0]["value"], 300.0); // 30 × 10
    assert_eq!(months[0]["py_value"], Value::Null); // Nov 2024: no data
    assert_eq!(months[11]["month"], "2026-10");
    assert_eq!(months[11]["value"], Value::Null); // 28 Oct missing
    close(&months[11]["py_value"], 310.0); // Oct 2025: 31 × 10

    let b = &tickets["box"];
    close(&b["last_week"], 28.0);
    close(&b["wow"], -60.0); // (28 − 70) / 70 × 100
    close(&b["yoy"], -60.0); // PY week 70 as well
    close(&b["mtd"], 178.0); // 1–15 Nov: 15 × 10 = 150, + 28
    close(&b["mtd_yoy"], -42.0 / 220.0 * 100.0); // PY 1–22 Nov 2025 = 220: (178 − 220) / 220 × 100
    assert_eq!(b["qtd"], Value::Null); // 1 Oct – 22 Nov misses 28 Oct
    assert_eq!(b["qtd_yoy"], Value::Null);
    assert_eq!(b["ytd"], Value::Null);
    assert_eq!(b["ytd_yoy"], Value::Null);

    let attainment = &data["programs"]["ops"]["metrics"]["attainment"];
    let b = &attainment["box"];
    close(&b["last_week"], 60.0 / 70.0); // (6 × 10 + 0) / (7 × 10)
    close(&b["wow"], (60.0 / 70.0 - 0.9) * 10_000.0); // W46 63/70 = 0.9: ≈ −428.6 bps
                                                      // Target 0.9, amber from 0.9 − 5% × 0.9 = 0.855; 0.857 is amber.
    assert_eq!(attainment["status"], "amber");
}

#[test]
fn a_second_build_changes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    good_site(root);
    sitrep(root).arg("build").assert().success();
    let first = snapshot(&root.join("public"));
    assert!(first.len() >= 3, "{:?}", first.keys());
    let output = sitrep(root).arg("build").assert().success();
    let stdout = String::from_utf8_lossy(&output.get_output().stdout).into_owned();
    assert!(
        stdout.contains("(0 files written"),
        "the second build should write nothing: {stdout}"
    );
    // Same bytes, and not even rewritten.
    assert_eq!(first, snapshot(&root.join("public")));
}

#[test]
fn check_on_a_valid_site_writes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    good_site(root);
    let before = snapshot(root);
    sitrep(root).arg("check").assert().success();
    assert_eq!(before, snapshot(root));
    assert!(!root.join("public").exists());
}

#[test]
fn every_problem_is_reported_and_nothing_is_written() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    good_site(root);
    sitrep(root).arg("build").assert().success();
    let published = snapshot(&root.join("public"));

    // Five problems at once.
    write(
        root,
        "data/bad_dates.csv",
        "date,extra\n2026-11-01,1\n2026-13-01,2\n",
    );
    write(root, "data/zz_more.csv", "date,total\n2026-11-01,5\n");
    write(
        root,
        "content/programs/typo.yaml",
        "name: Typo\nowner: X\nmetrics:\n  a:\n    column: tickets\n    agregate: sum\n",
    );
    write(
        root,
        "content/programs/operand.yaml",
        "name: Operand\nowner: X\nmetrics:\n  tickets: { column: tickets }\n  rate:\n    divide: [tikets, tickets]\n",
    );
    fs::create_dir_all(root.join("content/reviews/2026-47")).unwrap();

    for command in ["check", "build"] {
        let output = sitrep(root).arg(command).assert().failure();
        let stderr = String::from_utf8_lossy(&output.get_output().stderr).into_owned();
        for expected in [
            // A bad date: file, line and column.
            "data/bad_dates.csv:3:1: `2026-13-01`",
            // A column in two files: the second file's header line.
            "data/zz_more.csv:1: column `total` is also in data/ops.csv (line 1)",
            // An unknown YAML key: file, line and column, and a suggestion.
            "content/programs/typo.yaml:6:5: ",
            "unknown key `agregate`",
            "did you mean `aggregate`?",
            // An unknown operand: the line of `divide`.
            "content/programs/operand.yaml:6: metric `rate` uses `tikets`",
            "did you mean `tickets`?",
            // A bad review folder name (a folder has no line).
            "content/reviews/2026-47: `2026-47` is not an ISO week id",
            "5 errors found",
        ] {
            assert!(
                stderr.contains(expected),
                "`sitrep {command}` should report `{expected}`:\n{stderr}"
            );
        }
        // The published site is untouched.
        assert_eq!(published, snapshot(&root.join("public")));
    }
}

#[test]
fn weeks_ending_on_saturday_are_named_by_their_end_date() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    write(root, "site.yaml", "title: T\nweek_ends_on: saturday\n");
    write(
        root,
        "content/programs/ops.yaml",
        "name: Ops\nowner: O\nmetrics:\n  tickets: { column: tickets }\n",
    );
    write(root, "content/reviews/2026-11-21/index.md", "Fine.\n");
    let mut csv = String::from("date,tickets\n");
    for day in days_from(
        jiff::civil::date(2026, 11, 1),
        jiff::civil::date(2026, 11, 21),
    ) {
        csv.push_str(&format!("{day},1\n"));
    }
    write(root, "data/t.csv", &csv);
    sitrep(root).arg("build").assert().success();
    let versions = read_json(&root.join("public/versions.json"));
    assert_eq!(versions[0]["id"], "2026-11-21");
    assert_eq!(versions[0]["start"], "2026-11-15"); // Sunday
    assert_eq!(versions[0]["end"], "2026-11-21"); // Saturday
    let data = read_json(&root.join("public/2026-11-21/data.json"));
    let b = &data["programs"]["ops"]["metrics"]["tickets"]["box"];
    close(&b["last_week"], 7.0); // Sun 15 – Sat 21 Nov, 1 a day
    close(&b["mtd"], 21.0); // 1–21 Nov
                            // Sun 8 – Sat 14 Nov: 7, so WoW 0%.
    close(&b["wow"], 0.0);
}

/// Sums columns of the example's data/incidents.csv over W47, reading the
/// file directly rather than through sitrep.
fn incidents_w47(columns: &[&str]) -> Vec<f64> {
    let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/incidents.csv"))
        .unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let indexes: Vec<usize> = columns
        .iter()
        .map(|column| header.iter().position(|name| name == column).unwrap())
        .collect();
    let mut sums = vec![0.0; columns.len()];
    let mut days = 0;
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        if ("2026-11-16"..="2026-11-22").contains(&fields[0]) {
            days += 1;
            for (sum, index) in sums.iter_mut().zip(&indexes) {
                *sum += fields[*index].parse::<f64>().unwrap();
            }
        }
    }
    assert_eq!(days, 7, "W47 should have 7 rows in data/incidents.csv");
    sums
}

#[test]
fn the_example_site_builds_and_agrees_with_its_csv() {
    let data = example_week_data("2026-W47");
    let metrics = &data["programs"]["incident_resolutions"]["metrics"];
    let sums = incidents_w47(&["incidents_reported", "frt_within_sla", "frt_total"]);
    close(&metrics["incidents_reported"]["box"]["last_week"], sums[0]);
    close(
        &metrics["frt_sla_attainment"]["box"]["last_week"],
        sums[1] / sums[2],
    );
}

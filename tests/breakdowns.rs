//! End-to-end: breakdowns, a metric split `by` a dimension, for an event
//! source and for a long daily file, built with the real `sitrep` binary.
//! Expected numbers are worked out by hand in the comments.

#[path = "common/files.rs"]
mod files;

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use files::{build_error, close, read_json, sitrep, write};
use serde_json::Value;

const SITE: &str = "title: Breakdowns WBR
time_zone: UTC
events:
  tickets: { path: data/tickets.csv, id: ticket_id, at: created_at }
";

const PROGRAM: &str = "name: Support
owner: A. Rivera
metrics:
  all_tickets: { events: tickets, count: created_at }
  frt_p90_hours: { events: tickets, duration: [created_at, first_response_at], percentile: 90, unit: hours }
  handle_minutes: { events: tickets, sum: handle_minutes }
  handle_per_ticket: { divide: [handle_minutes, all_tickets], unit: minutes }
  contacts: { column: contacts }
  visits: { column: visits }
deck:
  - chart: all_tickets
    by: channel
    top: 2
  - table: 6w
    metrics: [frt_p90_hours]
    by: channel
    top: 1
  - chart: handle_per_ticket
    by: channel
    top: 2
  - chart: contacts
    by: channel
    top: 2
  - table: 12m
    metrics: [contacts]
    by: channel
";

/// Review week 2026-W47 runs Mon 16 – Sun 22 Nov (UTC); W46 is 9–15 Nov.
/// The export starts on 9 Nov: earlier weeks are not covered (gaps).
const TICKETS: &str = "ticket_id,created_at,first_response_at,channel,handle_minutes
1,2026-11-09 09:00,2026-11-09 10:00,email,10
2,2026-11-10 09:00,2026-11-10 12:00,email,10
3,2026-11-11 09:00,2026-11-11 11:00,chat,10
4,2026-11-12 09:00,2026-11-12 10:00,phone,10
5,2026-11-16 09:00,2026-11-16 10:00,email,10
6,2026-11-17 09:00,2026-11-17 11:00,email,20
7,2026-11-17 10:00,2026-11-17 11:00,chat,40
8,2026-11-18 09:00,2026-11-18 12:00,chat,40
9,2026-11-19 09:00,2026-11-19 14:00,chat,10
10,2026-11-20 09:00,2026-11-20 11:00,phone,50
11,2026-11-21 09:00,2026-11-21 13:00,email,30
12,2026-11-22 09:00,2026-11-22 15:00,,10
13,2026-11-23 09:00,2026-11-23 10:00,email,10
";

/// A long daily file, 9–22 Nov: email 10 a day; chat 12 a day in W46 and
/// 5 in W47; phone 2 a day; fax 1 a day from 16 Nov (its first row).
fn contacts_csv() -> String {
    let mut csv = String::from("date,metric,value,channel\n");
    for day in 9..=22 {
        let week47 = day >= 16;
        let _ = writeln!(csv, "2026-11-{day:02},contacts,10,email");
        let _ = writeln!(
            csv,
            "2026-11-{day:02},contacts,{},chat",
            if week47 { 5 } else { 12 }
        );
        let _ = writeln!(csv, "2026-11-{day:02},contacts,2,phone");
        if week47 {
            let _ = writeln!(csv, "2026-11-{day:02},contacts,1,fax");
        }
    }
    csv
}

fn site(root: &Path) {
    write(root, "site.yaml", SITE);
    write(root, "content/programs/support.yaml", PROGRAM);
    write(root, "content/reviews/2026-W46/index.md", "# W46\n");
    write(root, "content/reviews/2026-W47/index.md", "# W47\n");
    write(root, "data/tickets.csv", TICKETS);
    write(root, "data/contacts.csv", &contacts_csv());
    let mut wide = String::from("date,visits\n");
    for day in 9..=22 {
        let _ = writeln!(wide, "2026-11-{day:02},3");
    }
    write(root, "data/visits.csv", &wide);
}

fn breakdown<'a>(data: &'a Value, metric: &str) -> &'a Value {
    data["programs"]["support"]["breakdowns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|breakdown| breakdown["metric"] == metric)
        .unwrap_or_else(|| panic!("no breakdown of {metric}"))
}

/// The series' values (`value` names), in order.
fn names(breakdown: &Value) -> Vec<&str> {
    breakdown["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|series| series["value"].as_str().unwrap())
        .collect()
}

/// The review week's value of series `position`, and the week before.
fn last_weeks(breakdown: &Value, position: usize) -> (Value, Value) {
    let weeks = breakdown["series"][position]["weeks"].as_array().unwrap();
    (weeks[5]["value"].clone(), weeks[4]["value"].clone())
}

#[test]
fn event_breakdowns_match_hand_worked_numbers() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    site(root);
    sitrep(root).arg("build").assert().success();
    let data = read_json(&root.join("public/2026-W47/data.json"));

    // Tickets in W47 (rows 5–12; 13 is after the as-of moment): email 5, 6,
    // 11 = 3; chat 7, 8, 9 = 3; phone 10 = 1; row 12 has no channel. The
    // tie between chat and email goes by name; Other is phone and the
    // empty cell: 1 + 1 = 2 (3 + 3 + 2 = the 8 tickets of the week).
    let tickets = breakdown(&data, "all_tickets");
    assert_eq!(tickets["by"], "channel");
    assert_eq!(names(tickets), ["chat", "email", "Other"]);
    assert_eq!(tickets["series"][2]["values"], serde_json::json!(["phone"]));
    let (w47, w46) = last_weeks(tickets, 0);
    close(&w47, 3.0);
    close(&w46, 1.0); // chat in W46: row 3
    let (w47, w46) = last_weeks(tickets, 1);
    close(&w47, 3.0);
    close(&w46, 2.0); // email in W46: rows 1, 2
    let (w47, w46) = last_weeks(tickets, 2);
    close(&w47, 2.0);
    close(&w46, 1.0); // Other in W46: row 4 (phone)
                      // W45 (2–8 Nov) is before the export: a gap, not a zero.
    assert_eq!(tickets["series"][0]["weeks"][3]["value"], Value::Null);

    // First-response p90 in W47, ranked by it, top 1:
    // chat 1, 3, 5 h: rank 0.9 × 2 = 1.8 → 3 + 0.8 × (5 − 3) = 4.6 h;
    // email 1, 2, 4 h → 2 + 0.8 × 2 = 3.6 h; phone 2 h; empty 6 h.
    // Other is the p90 of the rest's own rows, 1, 2, 2, 4, 6 h:
    // rank 0.9 × 4 = 3.6 → 4 + 0.6 × (6 − 4) = 5.2 h, not a mix of p90s.
    let p90 = breakdown(&data, "frt_p90_hours");
    assert_eq!(names(p90), ["chat", "Other"]);
    close(&last_weeks(p90, 0).0, 4.6);
    close(&last_weeks(p90, 1).0, 5.2);

    // Handle minutes per ticket, per channel sum(minutes) / count:
    // phone 50 / 1 = 50, chat 90 / 3 = 30, email 60 / 3 = 20, empty 10.
    // Other = (60 + 10) / (3 + 1) = 17.5, not the mean of 20 and 10.
    let handle = breakdown(&data, "handle_per_ticket");
    assert_eq!(names(handle), ["phone", "chat", "Other"]);
    close(&last_weeks(handle, 0).0, 50.0);
    close(&last_weeks(handle, 1).0, 30.0);
    close(&last_weeks(handle, 2).0, 17.5);

    // The page shows the breakdown chart and table with their values.
    let page = fs::read_to_string(root.join("public/support/2026-W47/index.html"))
        .or_else(|_| fs::read_to_string(root.join("public/2026-W47/support/index.html")))
        .unwrap();
    assert!(
        page.contains("id=\"metric-all_tickets-by-channel\""),
        "{page}"
    );
    assert!(page.contains("all_tickets by channel"), "the default title");
    assert!(page.contains("id=\"metric-frt_p90_hours-by-channel\""));
}

#[test]
fn long_file_breakdowns_rank_by_each_versions_review_week() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    site(root);
    sitrep(root).arg("build").assert().success();

    // W47: email 7 × 10 = 70, chat 7 × 5 = 35; Other = phone 7 × 2 + fax
    // 7 × 1 = 21 (70 + 35 + 21 = 126 = the metric's own W47 value).
    let data = read_json(&root.join("public/2026-W47/data.json"));
    close(
        &data["programs"]["support"]["metrics"]["contacts"]["box"]["last_week"],
        126.0,
    );
    let contacts = breakdown(&data, "contacts");
    assert_eq!(names(contacts), ["email", "chat", "Other"]);
    assert_eq!(
        contacts["series"][2]["values"],
        serde_json::json!(["phone", "fax"])
    );
    let (w47, w46) = last_weeks(contacts, 0);
    close(&w47, 70.0);
    close(&w46, 70.0);
    let (w47, w46) = last_weeks(contacts, 1);
    close(&w47, 35.0);
    close(&w46, 84.0);
    // Other in W46: phone 14 (fax has no rows before 16 Nov, so it adds
    // nothing there).
    let (w47, w46) = last_weeks(contacts, 2);
    close(&w47, 21.0);
    close(&w46, 14.0);

    // W46's own version ranks by W46: chat 7 × 12 = 84 before email 70.
    let data = read_json(&root.join("public/2026-W46/data.json"));
    let contacts = breakdown(&data, "contacts");
    assert_eq!(names(contacts), ["chat", "email", "Other"]);
    close(&last_weeks(contacts, 0).0, 84.0);
    close(&last_weeks(contacts, 2).0, 14.0);
    // The 12-month table (default top 5) shows all four, no Other.
    let all = data["programs"]["support"]["breakdowns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|breakdown| breakdown["metric"] == "contacts" && breakdown["top"] == 5)
        .unwrap();
    assert_eq!(all["series"].as_array().unwrap().len(), 4);
}

/// Runs `sitrep build` on the site and returns its error output.
#[test]
fn unknown_dimensions_and_wide_columns_are_errors() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    site(root);

    // A long file without the dimension: the error lists the ones it has.
    let program = PROGRAM.replace(
        "  - chart: contacts\n    by: channel",
        "  - chart: contacts\n    by: region",
    );
    write(root, "content/programs/support.yaml", &program);
    let stderr = build_error(root);
    assert!(
        stderr.contains("content/programs/support.yaml:21")
            && stderr.contains("data/contacts.csv has no dimension `region`")
            && stderr.contains("its dimensions are: `channel`"),
        "{stderr}"
    );

    // An event source without the column: the error lists its columns.
    let program = PROGRAM.replace(
        "  - chart: all_tickets\n    by: channel",
        "  - chart: all_tickets\n    by: queue",
    );
    write(root, "content/programs/support.yaml", &program);
    let stderr = build_error(root);
    assert!(
        stderr.contains("content/programs/support.yaml:11")
            && stderr.contains(
                "event source `tickets` (read by metric `all_tickets`) has no column `queue`"
            )
            && stderr.contains("ticket_id, created_at, first_response_at, channel, handle_minutes"),
        "{stderr}"
    );

    // A wide-file column has no dimensions to split by.
    let program = PROGRAM.replace("  - chart: contacts\n", "  - chart: visits\n");
    write(root, "content/programs/support.yaml", &program);
    let stderr = build_error(root);
    assert!(
        stderr.contains("metric `visits` reads `visits`, a column of the wide file data/visits.csv, which has no dimensions"),
        "{stderr}"
    );

    // `top` without `by`, a chart of two metrics by a dimension, top 0.
    let program = PROGRAM.replace(
        "    by: channel\n    top: 2\n  - table: 6w",
        "    top: 2\n  - table: 6w",
    );
    write(root, "content/programs/support.yaml", &program);
    let stderr = build_error(root);
    assert!(stderr.contains("`top` does not apply"), "{stderr}");
    let program = PROGRAM.replace(
        "  - chart: all_tickets\n",
        "  - chart: [all_tickets, contacts]\n",
    );
    write(root, "content/programs/support.yaml", &program);
    let stderr = build_error(root);
    assert!(
        stderr.contains("a chart `by` a dimension shows one metric"),
        "{stderr}"
    );
    let program = PROGRAM.replace("    top: 1\n", "    top: 0\n");
    write(root, "content/programs/support.yaml", &program);
    let stderr = build_error(root);
    assert!(stderr.contains("`top: 0` must be 1 to 12"), "{stderr}");
}

#[test]
fn a_week_published_before_the_breakdown_leaves_it_out() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    site(root);
    // Publish W46 with a deck that has no breakdown, then add one.
    let plain = "name: Support\nowner: A. Rivera\nmetrics:\n  all_tickets: { events: tickets, count: created_at }\ndeck:\n  - chart: all_tickets\n";
    write(root, "content/programs/support.yaml", plain);
    sitrep(root)
        .args(["publish", "2026-W46"])
        .assert()
        .success();
    let frozen = fs::read_to_string(root.join("content/reviews/2026-W46/numbers.json")).unwrap();
    assert!(!frozen.contains("breakdowns"), "no breakdowns were frozen");
    write(
        root,
        "content/programs/support.yaml",
        &format!("{plain}  - chart: all_tickets\n    by: channel\n"),
    );
    sitrep(root).arg("build").assert().success();
    let page = |week: &str| {
        let folder = root.join("public").join(week);
        fs::read_dir(&folder)
            .unwrap()
            .filter_map(|entry| {
                let path = entry.unwrap().path().join("index.html");
                fs::read_to_string(path).ok()
            })
            .find(|page| page.contains("id=\"metric-all_tickets\""))
            .unwrap_or_else(|| panic!("no program page in {}", folder.display()))
    };
    assert!(!page("2026-W46").contains("metric-all_tickets-by-channel"));
    assert!(page("2026-W47").contains("id=\"metric-all_tickets-by-channel\""));
    // W46 is shown from its frozen numbers, which have no breakdowns.
    let data = read_json(&root.join("public/2026-W46/data.json"));
    assert!(data["programs"]["support"].get("breakdowns").is_none());
}

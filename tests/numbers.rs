//! End-to-end checks of number rules that go from the data files to the
//! pages: a target column read with the metric's `where`, changes against
//! a zero or negative base, natural limits shown with enough digits, and
//! percent data written as 0–100. Every expected figure is worked out by
//! hand in the comment next to it.

#[path = "common/files.rs"]
mod files;

use std::fs;
use std::path::Path;

use files::{days_from as days, sitrep, write};
use jiff::civil::date;
use serde_json::Value;

/// The review week: ISO 2026-W47, Monday 16 – Sunday 22 November 2026.
const WEEK: &str = "2026-W47";

const PROGRAM: &str = "\
name: Customer contacts
owner: A. Rivera
metrics:
  contacts_phone_eu:
    name: Phone contacts, EU
    column: contacts
    where: { channel: phone, region: eu }
    target: { column: contacts__Target }
    better: down
  reported: { column: reported }
  resolved: { column: resolved }
  net_open:
    name: Reported minus resolved
    difference: [reported, resolved]
    better: down
  headcount:
    name: Agent headcount
    column: headcount
    aggregate: mean
    better: up
";

/// Thirteen weeks of data, W35 (Monday 24 August 2026) to W47.
fn site(root: &Path) {
    write(root, "site.yaml", "title: Numbers\n");
    write(root, "content/programs/cx.yaml", PROGRAM);
    write(
        root,
        &format!("content/reviews/{WEEK}/index.md"),
        "# Week 47\n",
    );
    write(
        root,
        &format!("content/reviews/{WEEK}/cx.md"),
        "Net open {{ value(\"cx.net_open\") }} ({{ delta(\"cx.net_open\", \"wow\") }} WoW).\n",
    );
    let all = days(date(2026, 8, 24), date(2026, 11, 22));

    // Long file: contacts and their targets in four groups.
    let mut long = String::from("date,metric,value,channel,region\n");
    for day in &all {
        for (channel, region, contacts, target) in [
            ("phone", "eu", 50, 51),
            ("phone", "us", 60, 60),
            ("chat", "eu", 40, 40),
            ("chat", "us", 55, 55),
        ] {
            long.push_str(&format!("{day},contacts,{contacts},{channel},{region}\n"));
            long.push_str(&format!(
                "{day},contacts__Target,{target},{channel},{region}\n"
            ));
        }
    }
    write(root, "data/contacts.csv", &long);

    // Wide file. Reported and resolved are 10 a day, except: Monday of W46
    // (9 Nov) resolves 12, Monday of W47 (16 Nov) reports 14. Headcount is
    // a weekly mean: 44.9 and 44.92 in turn over W35–W46, then 45 in W47.
    let mut wide = String::from("date,reported,resolved,headcount\n");
    for day in &all {
        let reported = if *day == date(2026, 11, 16) { 14 } else { 10 };
        let resolved = if *day == date(2026, 11, 9) { 12 } else { 10 };
        let week = (*day - date(2026, 8, 24)).get_days() / 7;
        let headcount = match week {
            12 => "45",
            week if week % 2 == 0 => "44.9",
            _ => "44.92",
        };
        wide.push_str(&format!("{day},{reported},{resolved},{headcount}\n"));
    }
    write(root, "data/cx.csv", &wide);
}

/// Runs `sitrep build`, which must succeed; returns its stderr.
fn build(root: &Path) -> String {
    let output = sitrep(root).arg("build").output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "build failed:\n{stderr}");
    stderr
}

fn data_json(root: &Path) -> Value {
    let text = fs::read_to_string(root.join(format!("public/{WEEK}/data.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn metric<'a>(data: &'a Value, id: &str) -> &'a Value {
    &data["programs"]["cx"]["metrics"][id]
}

fn page(root: &Path, path: &str) -> String {
    fs::read_to_string(root.join(format!("public/{WEEK}/{path}"))).unwrap()
}

#[test]
fn an_explicit_target_column_is_read_with_the_metrics_where() {
    let folder = tempfile::tempdir().unwrap();
    site(folder.path());
    build(folder.path());
    let data = data_json(folder.path());
    let metric = metric(&data, "contacts_phone_eu");
    // The phone/eu group's target is 51 a day: 7 × 51 = 357 for the week,
    // not the four groups' (51 + 60 + 40 + 55) × 7 = 1,442.
    assert_eq!(metric["target"], 357.0, "{metric}");
    assert_eq!(metric["weeks"][5]["target"], 357.0);
    // And the value: 7 × 50 = 350, within the target: green.
    assert_eq!(metric["box"]["last_week"], 350.0);
    assert_eq!(metric["status"], "green");
}

#[test]
fn a_change_against_a_negative_or_zero_base_is_an_absolute_difference() {
    let folder = tempfile::tempdir().unwrap();
    site(folder.path());
    build(folder.path());
    let data = data_json(folder.path());
    let net = &metric(&data, "net_open")["box"];
    // W47: 74 − 70 = +4; W46: 70 − 72 = −2. Against the negative base the
    // change is 4 − (−2) = +6, not (4 − (−2)) / −2 × 100 = −300%.
    assert_eq!(net["last_week"], 4.0);
    assert_eq!(net["previous_week"], -2.0);
    assert_eq!(net["wow"], 6.0, "{net}");
    assert_eq!(net["wow_kind"], "absolute");
    // No prior-year data: n/a, and no kind.
    assert_eq!(net["yoy"], Value::Null);
    assert_eq!(net["yoy_kind"], Value::Null);
    // A positive base keeps percent: reported 74 against 70,
    // (74 − 70) / 70 × 100 ≈ 5.714%.
    let reported = &metric(&data, "reported")["box"];
    assert_eq!(reported["wow_kind"], "percent");
    let wow = reported["wow"].as_f64().unwrap();
    assert!((wow - 400.0 / 70.0).abs() < 1e-9, "{wow}");

    // The pages: a rise of 6 in a `better: down` metric is bad (red), and
    // says so without a percent sign.
    let program = page(folder.path(), "cx/index.html");
    assert!(
        program.contains("<dd class=\"bad up\">+6</dd>"),
        "{program}"
    );
    assert!(!program.contains("300.0%"), "{program}");
    // In the narrative's delta() call too.
    assert!(
        program.contains("Net open <span class=\"num\""),
        "{program}"
    );
    let narrative = &program[program.find("Net open").unwrap()..];
    assert!(
        narrative.contains("<span class=\"delta bad up\">+6</span>"),
        "{narrative}"
    );
}

#[test]
fn a_value_and_its_natural_limit_never_look_the_same() {
    let folder = tempfile::tempdir().unwrap();
    site(folder.path());
    build(folder.path());
    let data = data_json(folder.path());
    // W35–W46: 44.9, 44.92, … (six of each): centre 44.91, every moving
    // range 0.02, upper limit 44.91 + 2.66 × 0.02 = 44.9632 < 45.
    let unusual = &metric(&data, "headcount")["unusual"];
    assert_eq!(unusual["judgement"], "unusually_high", "{unusual}");
    let upper = unusual["upper"].as_f64().unwrap();
    assert!((upper - 44.9632).abs() < 1e-9, "{upper}");
    // 45 and 44.9632 both read "45.0" with one decimal; two tell them apart.
    let week = page(folder.path(), "index.html");
    assert!(
        week.contains("Unusually high: above the natural limit of 44.96"),
        "{week}"
    );
    assert!(!week.contains("natural limit of 45.0"), "{week}");
}

#[test]
fn percent_data_written_as_0_to_100_is_a_warning() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    site(root);
    write(
        root,
        "content/programs/quality.yaml",
        "name: Quality\nowner: B\nmetrics:\n  csat:\n    column: csat\n    aggregate: mean\n    unit: percent\n    better: up\n    target: 85\n",
    );
    let mut csv = String::from("date,csat\n");
    for day in days(date(2026, 11, 2), date(2026, 11, 22)) {
        csv.push_str(&format!("{day},86.4\n"));
    }
    write(root, "data/quality.csv", &csv);
    let stderr = build(root);
    // 86.4 for a percent metric shows as 8,640.0%: the build says where.
    assert!(
        stderr.contains("data/quality.csv") && stderr.contains("`csat`"),
        "{stderr}"
    );
    assert!(stderr.contains("86.4% or 0.864"), "{stderr}");
    // The constant target 85 is 8,500%: the program file says so too.
    assert!(
        stderr.contains("content/programs/quality.yaml") && stderr.contains("0.85"),
        "{stderr}"
    );
    // `check` shows the same warnings.
    let output = sitrep(root).arg("check").output().unwrap();
    assert!(output.status.success());
    let check = String::from_utf8(output.stderr).unwrap();
    assert!(check.contains("86.4% or 0.864"), "{check}");
    // Data written as fractions raises no warning.
    let mut csv = String::from("date,csat\n");
    for day in days(date(2026, 11, 2), date(2026, 11, 22)) {
        csv.push_str(&format!("{day},0.864\n"));
    }
    write(root, "data/quality.csv", &csv);
    write(
        root,
        "content/programs/quality.yaml",
        "name: Quality\nowner: B\nmetrics:\n  csat:\n    column: csat\n    aggregate: mean\n    unit: percent\n    better: up\n    target: 0.85\n",
    );
    let stderr = build(root);
    assert!(!stderr.contains("csat"), "{stderr}");
}

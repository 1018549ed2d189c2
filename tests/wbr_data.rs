//! wbr-app's data and deck shapes end to end (issue 13): wide files with
//! text columns and several rows per date, `change` metrics (growth
//! series), table rows and chart legends. Every number is worked out by
//! hand in the comments.

#[path = "common/files.rs"]
mod files;

use std::fs;
use std::path::Path;
use std::process::Output;

use files::{sitrep, write};
use serde_json::Value;

const SITE_YAML: &str = "title: wbr-app data\n";
const WEEK: &str = "2026-W47"; // Monday 16 – Sunday 22 November 2026

fn run(root: &Path, args: &[&str]) -> Output {
    sitrep(root).args(args).output().unwrap()
}

fn build(root: &Path) -> Value {
    let output = run(root, &["build"]);
    assert!(
        output.status.success(),
        "build failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(
        &fs::read_to_string(root.join(format!("public/{WEEK}/data.json"))).unwrap(),
    )
    .unwrap()
}

fn build_error(root: &Path) -> String {
    let output = run(root, &["build"]);
    assert!(!output.status.success(), "build succeeded");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn site(root: &Path, program: &str, csv: &str) {
    write(root, "site.yaml", SITE_YAML);
    write(root, "content/programs/ops.yaml", program);
    write(
        root,
        &format!("content/reviews/{WEEK}/index.md"),
        "---\ntitle: Week 47\n---\nThe week.\n",
    );
    write(root, "data/wbr.csv", csv);
}

/// One wide row per day from `start` to `end`: `date,<text>,<values>`.
fn days(start: &str, end: &str, row: impl Fn(jiff::civil::Date) -> String) -> String {
    let (mut day, end): (jiff::civil::Date, jiff::civil::Date) =
        (start.parse().unwrap(), end.parse().unwrap());
    let mut text = String::new();
    while day <= end {
        text.push_str(&format!("{day},{}\n", row(day)));
        day = day.tomorrow().unwrap();
    }
    text
}

fn metric<'a>(numbers: &'a Value, id: &str) -> &'a Value {
    &numbers["programs"]["ops"]["metrics"][id]
}

fn week(numbers: &Value, id: &str, slot: usize) -> Option<f64> {
    metric(numbers, id)["weeks"][slot]["value"].as_f64()
}

const BY_COUNTRY: &str = "\
name: Operations
owner: A. Owner
metrics:
  latency: { column: latency }
  latency_us: { column: latency, where: { Country: US } }
  latency_de: { column: latency, where: { Country: DE } }
";

/// US from 2 November, DE from Wednesday 18 November, FR only after the
/// review week (23 November): a version knows nothing of FR.
fn by_country_csv() -> String {
    let mut csv = String::from("date,Country,latency\n");
    csv.push_str(&days("2026-11-02", "2026-11-29", |_| "US,10".to_string()));
    csv.push_str(&days("2026-11-18", "2026-11-29", |_| "DE,100".to_string()));
    csv.push_str(&days("2026-11-23", "2026-11-29", |_| "FR,1000".to_string()));
    csv
}

#[test]
fn a_wide_file_with_a_text_column_reads_like_a_long_file() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    site(root, BY_COUNTRY, &by_country_csv());
    let numbers = build(root);
    // W46 (9–15 Nov): US only, 7 × 10 = 70; DE has no row yet.
    assert_eq!(week(&numbers, "latency", 4), Some(70.0));
    // W47: US 7 × 10 = 70, DE counts from Wednesday 18: 5 × 100 = 500;
    // 70 + 500 = 570. FR's rows are dated after the week: nothing.
    assert_eq!(week(&numbers, "latency", 5), Some(570.0));
    assert_eq!(week(&numbers, "latency_us", 5), Some(70.0));
    // DE alone misses Monday and Tuesday: a gap, never 500.
    let de = &metric(&numbers, "latency_de")["weeks"][5];
    assert_eq!(de["value"], Value::Null, "{de}");
    assert_eq!(de["missing"], 2, "{de}");
}

#[test]
fn a_metric_reading_a_text_column_is_told_to_use_where() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    let program = format!("{BY_COUNTRY}  country: {{ column: Country }}\n");
    site(root, &program, &by_country_csv());
    let stderr = build_error(root);
    assert!(
        stderr.contains("`Country` is a text column of data/wbr.csv, a dimension that picks rows, not a value: `US` in column `Country` is not a number (line 2)"),
        "{stderr}"
    );
    assert!(stderr.contains("`where: { Country: <value> }`"), "{stderr}");
}

#[test]
fn a_repeated_header_name_is_an_error_only_when_read() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    let csv = format!(
        "date,tickets,notes,notes\n{}",
        days("2026-11-02", "2026-11-22", |_| "5,,".to_string())
    );
    let program = "name: Operations\nowner: A. Owner\nmetrics:\n  tickets: { column: tickets }\n";
    site(root, program, &csv);
    // 7 × 5 = 35; the repeated `notes` is read by no metric.
    assert_eq!(week(&build(root), "tickets", 5), Some(35.0));

    write(
        root,
        "content/programs/ops.yaml",
        &format!("{program}  notes: {{ column: notes }}\n"),
    );
    let stderr = build_error(root);
    assert!(
        stderr.contains(
            "column `notes` appears twice in the header of data/wbr.csv (columns 3 and 4)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("rename one of the two columns"), "{stderr}");
}

const GROWTH: &str = "\
name: Operations
owner: A. Owner
metrics:
  orders: { column: orders, where: { Country: US }, better: up }
  orders_wow: { name: Orders WoW, change: orders, over: wow }
  orders_yoy: { change: orders, over: yoy }
  orders_mom: { change: orders, over: mom }
";

/// US orders: 10 a day, 12 a day in W47; DE rows (100 a day) are read by
/// no metric here and add nothing to the US series.
fn growth_csv() -> String {
    let mut csv = String::from("date,Country,orders\n");
    csv.push_str(&days("2025-10-01", "2026-11-22", |day| {
        let value = if day >= "2026-11-16".parse().unwrap() {
            12
        } else {
            10
        };
        format!("US,{value}")
    }));
    csv.push_str(&days("2026-11-01", "2026-11-22", |_| "DE,100".to_string()));
    csv
}

#[test]
fn growth_series_build_into_data_json_and_pages() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    site(root, GROWTH, &growth_csv());
    let numbers = build(root);
    // W47: 7 × 12 = 84 against W46 7 × 10 = 70: (84 − 70) / 70 = 0.2.
    let wow = metric(&numbers, "orders_wow");
    assert!((week(&numbers, "orders_wow", 5).unwrap() - 0.2).abs() < 1e-12);
    assert_eq!(wow["unit"], "percent");
    assert_eq!(wow["better"], "up");
    assert_eq!(wow["months"][11]["value"], Value::Null);
    // Against 2025-W47 (17–23 Nov 2025, 70): (84 − 70) / 70 = 0.2 too; the
    // MTD: 15 × 10 + 7 × 12 = 234 against 22 × 10 = 220: 14 / 220.
    let yoy = metric(&numbers, "orders_yoy");
    assert!((yoy["box"]["last_week"].as_f64().unwrap() - 0.2).abs() < 1e-12);
    assert!((yoy["box"]["mtd"].as_f64().unwrap() - 14.0 / 220.0).abs() < 1e-12);
    // October 2026 (310) against September (300): 10 / 300.
    let mom = metric(&numbers, "orders_mom");
    assert!((mom["months"][11]["value"].as_f64().unwrap() - 10.0 / 300.0).abs() < 1e-12);
    // The deck shows the series like any metric: +20.0%.
    let page = fs::read_to_string(root.join(format!("public/{WEEK}/ops/index.html"))).unwrap();
    assert!(page.contains("Orders WoW"), "{page}");
    assert!(page.contains("20.0%"), "no +20.0% on the page");
}

#[test]
fn tables_take_change_rows_headers_and_spacers_and_charts_take_legends() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    let program = format!(
        "{GROWTH}deck:
  - chart: [{{ metric: orders, legend: \"Orders (US)\" }}]
    x_axis: fiscal_year
  - table: 12m
    rows: [yoy, mom]
    metrics: [{{ header: \"Volume\" }}, orders, {{ spacer: true }}]
  - table: 6w
    rows: [wow]
    metrics: [orders]
"
    );
    site(root, &program, &growth_csv());
    let numbers = build(root);
    // The chart's x_axis gives `orders` the fiscal year's months: January
    // to December 2026, November and December not complete yet.
    let orders = metric(&numbers, "orders");
    assert_eq!(orders["month_axis"], "fiscal_year");
    assert_eq!(orders["months"][0]["month"], "2026-01");
    // The weeks carry the week before for the WoW row: W47's is W46, 70.
    assert_eq!(orders["weeks"][5]["previous_value"], 70.0);
    let page = fs::read_to_string(root.join(format!("public/{WEEK}/ops/index.html"))).unwrap();
    assert!(page.contains("Orders (US)"), "no legend name");
    assert!(
        page.contains(
            "<tr class=\"table-header\"><th scope=\"colgroup\" colspan=\"15\">Volume</th></tr>"
        ),
        "no header row"
    );
    assert!(page.contains("<tr class=\"table-spacer\""), "no spacer row");
    // The MoM row: October 2026 (310) against September (300): +3.3%;
    // January 2026 (310) against December 2025 (310): 0.0%.
    let mom_row = page
        .split("<tr>")
        .find(|row| row.contains("<th>orders MoM</th>"))
        .expect("a MoM row");
    assert!(mom_row.contains("+3.3%"), "{mom_row}");
    assert!(mom_row.contains("0.0%"), "{mom_row}");
    // The 6-week WoW row ends with W47 against W46: (84 − 70) / 70 = +20.0%.
    let wow_row = page
        .split("<tr>")
        .find(|row| row.contains("<th>orders WoW</th>"))
        .expect("a WoW row");
    assert!(wow_row.contains("+20.0%"), "{wow_row}");
}

#[test]
fn new_keys_are_checked_like_the_others() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    site(
        root,
        &format!("{GROWTH}deck:\n  - table: 6w\n    rows: [mom]\n    metrics: [orders]\n"),
        &growth_csv(),
    );
    let stderr = build_error(root);
    assert!(
        stderr.contains("a `6w` table has no `mom` rows"),
        "{stderr}"
    );
    write(
        root,
        "content/programs/ops.yaml",
        "name: O\nowner: A\nmetrics:\n  orders: { column: orders, where: { Country: US } }\n  g: { chnage: orders, over: wow }\n",
    );
    let stderr = build_error(root);
    assert!(stderr.contains("did you mean `change`"), "{stderr}");
}

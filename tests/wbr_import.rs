//! End-to-end: `sitrep import wbr-app` on wbr-app-style configs and CSVs
//! written for these tests, then `sitrep build`, with the numbers checked
//! against values worked out by hand in the comments. Also: import never
//! overwrites a file and writes nothing when it fails.

#[path = "common/files.rs"]
mod files;

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use files::{close, days_from as days, read_json, sitrep, snapshot, write};
use jiff::civil::date;
use serde_json::Value;

/// `sitrep import wbr-app <config> [args]` run in `folder`; its output.
fn import(folder: &Path, args: &[&str]) -> std::process::Output {
    let mut command = sitrep(folder);
    command
        .current_dir(folder)
        .args(["import", "wbr-app"])
        .args(args);
    command.output().unwrap()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

// ---------------------------------------------------------------------------
// A deck of column and function metrics over a plain wide file, as wbr-app
// writes them: weeks end on Saturday (25-SEP-2021 is a Saturday), dates as
// `Sat, 25-Sep-2021`, numbers with thousands separators, a CSV data source
// whose columns are namespaced (`daily.Clicks`), a database query.

const ADS_CONFIG: &str = r###"setup:
  week_ending: 25-SEP-2021
  week_number: 38
  title: Ads WBR
  fiscal_year_end_month: DEC
  tooltip: true

data_sources:
  MyProdPostgres:
    extra_metrics:
      query: >
        SELECT date AS "Date", "Signups" FROM signups;
  csv_files:
    daily:
      url_or_path: ./daily.csv

metrics:
  Impressions:
    column: daily.Impressions
    aggf: sum
  Clicks:
    column: daily.Clicks
    aggf: sum
  Clicks Target:
    column: daily.Clicks__Target
    aggf: sum
  Defects/Million:
    column: daily.Defects
    aggf: mean
  Backlog:
    column: daily.Backlog
    aggf: last
  Median Latency:
    column: daily.Defects
    aggf: median
  ClickThruRate:
    metric_comparison_method: bps
    function:
      divide:
        - metric:
            name: Clicks
        - metric:
            name: Impressions
  ClickVariance:
    function:
      difference:
        - metric:
            name: Clicks
        - metric:
            name: Clicks Target
  LatencyShare:
    function:
      divide:
        - metric:
            name: Median Latency
        - metric:
            name: Impressions

deck:
  - block:
      ui_type: 6_12Graph
      title: Clicks
      y_scaling: "##"
      metrics:
        Clicks:
          line_style: primary
          graph_prior_year_flag: true
        Clicks Target:
          line_style: target
          graph_prior_year_flag: false
  - block:
      ui_type: 6_12Graph
      title: Click Through Rate
      y_scaling: "##.2%"
      metrics:
        ClickThruRate:
          graph_prior_year_flag: false
  - block:
      ui_type: section
      title: Quality
  - block:
      ui_type: 6_WeeksTable
      title: Quality by week
      rows:
        - row:
            header: Defects/Million
            metric: Defects/Million
            y_scaling: "##.1"
        - row:
            header: Backlog
            metric: Backlog
        - row:
            header: ClickVariance
            metric: ClickVariance
        - row:
            header: LatencyShare
            metric: LatencyShare
  - block:
      ui_type: 12_MonthsTable
      title: Impressions by month
      rows:
        - row:
            header: Impressions
            metric: Impressions
            y_scaling: "##MM"
  - block:
      ui_type: embedded_content
      source: "https://dashboards.example.com/ads"
      height: 700px
"###;

/// Daily data from 1 September 2020 to the review week's Saturday,
/// 25 September 2021: Impressions 1,000 a day; Clicks 5 a day, 7 a day in
/// the review week (19–25 September 2021); Clicks__Target 6 a day; Defects
/// 10 a day, 17 in the review week; Backlog the day of the month.
fn ads_csv() -> String {
    let mut csv = String::from("Date,Impressions,Clicks,Clicks__Target,Defects,Backlog\n");
    for day in days(date(2020, 9, 1), date(2021, 9, 25)) {
        let review_week = day >= date(2021, 9, 19);
        let _ = writeln!(
            csv,
            "\"{}\",\"1,000\",{},6,{},{}",
            day.strftime("%a, %d-%b-%Y"),
            if review_week { 7 } else { 5 },
            if review_week { 17 } else { 10 },
            day.day()
        );
    }
    csv
}

#[test]
fn an_ads_deck_imports_and_builds_with_hand_worked_numbers() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    write(root, "wbr/ads.yaml", ADS_CONFIG);
    write(root, "wbr/daily.csv", &ads_csv());
    let output = import(root, &["wbr/ads.yaml", "--into", "site"]);
    let out = stdout(&output);
    assert!(output.status.success(), "{out}\n{}", stderr(&output));

    // What could not be converted, each with its place in ads.yaml.
    for expected in [
        "ads.yaml:3:3: `week_number: 38`",
        "ads.yaml:6:3: `tooltip: true`",
        "ads.yaml:10:5: query `extra_metrics` of `MyProdPostgres`: database sources are not read by a build: use `sitrep pull`",
        "ads.yaml:35:5: metric `Median Latency`: `aggf: median` has no sitrep counterpart",
        "metric `LatencyShare`: it is made from `Median Latency`, which was not converted",
        "`LatencyShare` in the deck: left out",
        "`y_scaling: ##MM`: sitrep does not scale to millions (MM)",
        "an `embedded_content` block",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    let site = root.join("site");
    assert_eq!(
        fs::read_to_string(site.join("site.yaml")).unwrap(),
        "# Imported from ads.yaml by `sitrep import wbr-app`.\ntitle: \"Ads WBR\"\nweek_ends_on: saturday\nfiscal_year_end_month: 12\n"
    );
    let program = fs::read_to_string(site.join("content/programs/ads.yaml")).unwrap();
    for expected in [
        "  clicks_target:\n    name: \"Clicks Target\"\n    column: Clicks__Target\n    aggregate: sum\n",
        "  defects_million:\n    name: \"Defects/Million\"\n    column: Defects\n    aggregate: mean\n    decimals: 1\n",
        "  clickthrurate:\n    name: ClickThruRate\n    divide: [clicks, impressions]\n    compare: bps\n    unit: percent\n    decimals: 2\n",
        "  clickvariance:\n    name: ClickVariance\n    difference: [clicks, clicks_target]\n",
        "  - chart:\n      - { metric: clicks }\n      - { metric: clicks_target, style: target }\n    title: Clicks\n",
        "    title: \"Click Through Rate\"\n    prior_year: false\n",
        "  - section: Quality\n",
        "  - table: 6w\n    title: \"Quality by week\"\n    metrics:\n      - defects_million\n      - backlog\n      - clickvariance\n",
        "  - table: 12m\n",
    ] {
        assert!(program.contains(expected), "missing {expected:?} in:\n{program}");
    }
    assert!(!program.contains("median"), "{program}");
    assert!(!program.contains("latencyshare"), "{program}");
    assert!(fs::read_to_string(site.join("sources/extra_metrics.sql"))
        .unwrap()
        .contains("SELECT date AS \"Date\", \"Signups\" FROM signups;"));
    assert_eq!(
        fs::read_to_string(site.join("data/daily.csv")).unwrap(),
        ads_csv(),
        "the CSV is copied byte for byte"
    );
    assert!(site.join("content/reviews/2021-09-25/ads.md").is_file());
    assert!(site.join("content/reviews/2021-09-25/index.md").is_file());

    let built = sitrep(&site).arg("build").output().unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    let data = read_json(&site.join("public/2021-09-25/data.json"));
    let metric = |id: &str| data["programs"]["ads"]["metrics"][id].clone();

    // Clicks: the review week 19–25 Sep 2021 is 7 × 7 = 49; the week before
    // 7 × 5 = 35: WoW (49 − 35) / 35 = 40%. The prior-year week, 364 days
    // earlier (20–26 Sep 2020), 35: YoY 40% too.
    let clicks = metric("clicks");
    close(&clicks["box"]["last_week"], 49.0);
    close(&clicks["box"]["previous_week"], 35.0);
    close(&clicks["box"]["wow"], 40.0);
    close(&clicks["box"]["py_week"], 35.0);
    close(&clicks["box"]["yoy"], 40.0);
    // MTD 1–25 Sep 2021: 18 days × 5 + 7 × 7 = 139; a year earlier
    // 1–25 Sep 2020: 25 × 5 = 125; YoY (139 − 125) / 125 = 11.2%.
    close(&clicks["box"]["mtd"], 139.0);
    close(&clicks["box"]["py_mtd"], 125.0);
    close(&clicks["box"]["mtd_yoy"], 11.2);
    // YTD 1 Jan–25 Sep 2021: 268 days, 261 × 5 + 7 × 7 = 1,354. The prior
    // year's YTD starts on 1 Jan 2020, before the data: incomplete, so no
    // value and no YoY (wbr-app would compare with the 25 days it has).
    close(&clicks["box"]["ytd"], 1354.0);
    assert_eq!(clicks["box"]["ytd_yoy"], Value::Null, "{}", clicks["box"]);
    // Months: Sep 2020 … Aug 2021 (September 2021 is not over on the 25th);
    // August 2021 is 31 × 5 = 155.
    assert_eq!(clicks["months"].as_array().unwrap().len(), 12);
    assert_eq!(clicks["months"][0]["month"], "2020-09");
    assert_eq!(clicks["months"][11]["month"], "2021-08");
    close(&clicks["months"][11]["value"], 155.0);

    // Click-through rate, compared in basis points: 49 / 7,000 = 0.007
    // against 35 / 7,000 = 0.005: (0.007 − 0.005) × 10,000 = 20 bps.
    let ctr = metric("clickthrurate");
    close(&ctr["box"]["last_week"], 0.007);
    close(&ctr["box"]["wow"], 20.0);
    assert_eq!(ctr["box"]["wow_kind"], "bps");
    assert_eq!(ctr["unit"], "percent");

    // Variance to plan: 49 − 7 × 6 = 7; the week before 35 − 42 = −7, a
    // negative base: the change is the difference, 7 − (−7) = 14.
    let variance = metric("clickvariance");
    close(&variance["box"]["last_week"], 7.0);
    close(&variance["box"]["wow"], 14.0);
    assert_eq!(variance["box"]["wow_kind"], "absolute");

    // Mean of the week's days: 17; last of the week: the 25th's backlog, 25.
    close(&metric("defects_million")["box"]["last_week"], 17.0);
    close(&metric("backlog")["box"]["last_week"], 25.0);
    // August 2021's impressions: 31 × 1,000.
    close(&metric("impressions")["months"][11]["value"], 31000.0);

    // The page shows the rate as wbr-app's ##.2% did.
    let page = fs::read_to_string(site.join("public/2021-09-25/ads/index.html"))
        .or_else(|_| fs::read_to_string(site.join("public/ads/2021-09-25/index.html")))
        .unwrap();
    assert!(page.contains("0.70%"), "CTR 0.007 as 0.70%");
}

// ---------------------------------------------------------------------------
// Nothing overwritten, nothing written on error.

const SMALL_CONFIG: &str = "setup:
  week_ending: 26-SEP-2021
metrics:
  Tickets:
    column: Tickets
    aggf: sum
deck:
  - block:
      ui_type: 6_12Graph
      title: Tickets
      metrics:
        Tickets:
          line_style: primary
";

#[test]
fn a_second_import_overwrites_nothing_and_lists_every_file_in_the_way() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    write(root, "small.yaml", SMALL_CONFIG);
    write(root, "tickets.csv", "Date,Tickets\n2021-09-20,3\n");
    let first = import(root, &["small.yaml", "--csv", "tickets.csv"]);
    assert!(first.status.success(), "{}", stderr(&first));
    // The default folder is named after the config; weeks end on Sunday
    // (26-SEP-2021 is a Sunday), so the week is an ISO week.
    let site = root.join("small");
    assert!(site.join("content/reviews/2021-W38/small.md").is_file());
    assert!(fs::read_to_string(site.join("site.yaml"))
        .unwrap()
        .contains("week_ends_on: sunday\n"));
    fs::write(site.join("data/tickets.csv"), "mine").unwrap();
    let before = snapshot(root);

    let second = import(root, &["small.yaml", "--csv", "tickets.csv"]);
    assert!(!second.status.success());
    let err = stderr(&second);
    // The folder is a site now: the import would add the program again.
    for path in [
        "data/tickets.csv",
        "content/programs/small.yaml",
        "content/reviews/2021-W38/small.md",
    ] {
        assert!(
            err.contains(&format!(
                "{path}: already exists; sitrep never overwrites a file"
            )),
            "{path} in:\n{err}"
        );
    }
    assert_eq!(snapshot(root), before, "nothing changed");
}

#[test]
fn a_config_error_names_file_line_and_column_and_writes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    let config = SMALL_CONFIG.replace("        Tickets:\n", "        Tickts:\n");
    write(root, "small.yaml", &config);
    let before = snapshot(root);
    let output = import(root, &["small.yaml"]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(
        err.contains("small.yaml:12:9: the deck shows `Tickts`, which `metrics` does not define"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(snapshot(root), before);
    assert!(!root.join("small").exists());

    // A missing CSV source: also an error, at the source's line.
    let config = SMALL_CONFIG.replacen(
        "metrics:",
        "data_sources:\n  csv_files:\n    daily:\n      url_or_path: ./nowhere.csv\nmetrics:",
        1,
    );
    write(root, "small.yaml", &config);
    let output = import(root, &["small.yaml"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("small.yaml:5:5: cannot read"),
        "{}",
        stderr(&output)
    );
    assert!(!root.join("small").exists());

    // A CSV named on the command line that is not there.
    write(root, "small.yaml", SMALL_CONFIG);
    let output = import(root, &["small.yaml", "--csv", "gone.csv"]);
    assert!(!output.status.success());
    let err = stderr(&output);
    assert!(err.contains("error: gone.csv: cannot read"), "{err}");
    assert!(!root.join("small").exists());
}

#[test]
fn an_existing_site_gains_a_program_and_keeps_its_files() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    write(
        root,
        "site/site.yaml",
        "title: T&S WBR\nweek_ends_on: saturday\nfiscal_year_end_month: 6\n",
    );
    write(root, "ads.yaml", ADS_CONFIG);
    write(root, "daily.csv", &ads_csv());
    let before = fs::read_to_string(root.join("site/site.yaml")).unwrap();
    let output = import(root, &["ads.yaml", "--into", "site"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("ads.yaml:5:3: `fiscal_year_end_month`: the site's own fiscal year is kept"),
        "{out}"
    );
    assert_eq!(
        fs::read_to_string(root.join("site/site.yaml")).unwrap(),
        before
    );
    assert!(root.join("site/content/programs/ads.yaml").is_file());
    assert!(
        !root.join("site/.gitignore").exists(),
        "only new sites get one"
    );
    let built = sitrep(&root.join("site")).arg("build").output().unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
}

// ---------------------------------------------------------------------------
// A latency deck over a wide file with a text column and one row per
// country and day, read by filter metrics; growth series, every block
// type, legends, line styles, the fiscal-year month axis, annotations.

const LATENCY_CONFIG: &str = r###"setup:
  week_ending: 25-SEP-2021
  title: Platform WBR
  fiscal_year_end_month: JUN

annotations:
  - ./events.csv

metrics:
  USLatency:
    filter:
      base_column: latency
      query: "latency_country == 'US'"
    aggf: mean
  US Requests:
    filter:
      base_column: requests
      query: "`latency_country` == \"US\""
    aggf: sum
  Requests:
    column: requests
    aggf: sum
  Requests Plan:
    column: requests_plan
    aggf: sum
  NonUSRequests:
    filter:
      base_column: requests
      query: "latency_country != 'US'"
    aggf: sum
  USShare:
    metric_comparison_method: bps
    function:
      divide:
        - metric:
            name: US Requests
        - metric:
            name: Requests

deck:
  - block:
      ui_type: section
      title: Traffic
  - block:
      ui_type: 6_12Graph
      title: Requests
      y_scaling: "##"
      x_axis_monthly_display: fiscal_year
      metrics:
        Requests:
          legend_name: All requests
        US Requests:
          line_style: secondary
          legend_name: US
        Requests Plan:
          line_style: target
          graph_prior_year_flag: false
          legend_name: Plan
  - block:
      ui_type: 6_12Graph
      title: Request growth
      y_scaling: "##.1%"
      metrics:
        RequestsYOY:
          graph_prior_year_flag: false
  - block:
      ui_type: 6_WeeksTable
      title: Requests by week
      rows:
        - row:
            header: Requests
            style: "font-weight: bold;"
        - row:
            header: Actual
            metric: Requests
        - row:
            header: WOW
            metric: RequestsWOW
            y_scaling: "##.1%"
        - row:
            header: ""
        - row:
            header: US share
            metric: USShare
            y_scaling: "##.2bps"
        - row:
            header: Non-US
            metric: NonUSRequests
  - block:
      ui_type: 12_MonthsTable
      title: Requests by month
      x_axis_monthly_display: fiscal_year
      rows:
        - row:
            header: Requests
            metric: Requests
        - row:
            header: YOY
            metric: RequestsYOY
        - row:
            header: MOM
            metric: RequestsMOM
            y_scaling: "##.1%"
"###;

const LATENCY_PROGRAM: &str = r###"# Imported from platform.yaml by `sitrep import wbr-app`.
name: "Platform WBR"
owner: unassigned   # who answers for these numbers
metrics:
  uslatency:
    name: USLatency
    column: latency
    where: { latency_country: US }
    aggregate: mean
  us_requests:
    name: "US Requests"
    column: requests
    where: { latency_country: US }
    aggregate: sum
    decimals: 0
  requests:
    name: Requests
    column: requests
    aggregate: sum
    decimals: 0
  requests_plan:
    name: "Requests Plan"
    column: requests_plan
    aggregate: sum
    decimals: 0
  usshare:
    name: USShare
    divide: [us_requests, requests]
    compare: bps
    unit: percent
    decimals: 4
  requests_yoy:
    name: RequestsYOY
    change: requests
    over: yoy
    decimals: 1
  requests_wow:
    name: RequestsWOW
    change: requests
    over: wow
    decimals: 1
  requests_mom:
    name: RequestsMOM
    change: requests
    over: mom
    decimals: 1
deck:
  - section: Traffic
  - chart:
      - { metric: requests, legend: "All requests" }
      - { metric: us_requests, legend: US, style: secondary }
      - { metric: requests_plan, legend: Plan, style: target }
    title: Requests
    x_axis: fiscal_year
  - chart: requests_yoy
    title: "Request growth"
    prior_year: false
  - table: 6w
    title: "Requests by week"
    metrics:
      - { header: Requests }
      - requests
      - requests_wow
      - { spacer: true }
      - usshare
  - table: 12m
    title: "Requests by month"
    metrics:
      - requests
      - requests_yoy
      - requests_mom
"###;

/// One row per country and day, 1 Sep 2020 – 25 Sep 2021: US 100 requests
/// a day (130 in the review week, 19–25 Sep 2021) at 200 ms (260 in the
/// review week); DE 50 requests a day at 300 ms. The plan is 160 a day on
/// the US rows and an explicit 0 on the DE rows (an empty cell would be a
/// missing day of the DE group, not a zero).
fn latency_csv() -> String {
    let mut csv = String::from("Date,latency_country,latency,requests,requests_plan\n");
    for day in days(date(2020, 9, 1), date(2021, 9, 25)) {
        let review_week = day >= date(2021, 9, 19);
        let (latency, requests) = if review_week { (260, 130) } else { (200, 100) };
        let _ = writeln!(csv, "{day},US,{latency},{requests},160");
        let _ = writeln!(csv, "{day},DE,300,50,0");
    }
    csv
}

const EVENTS: &str = "Date,MetricName,EventDescription
2021-09-20,Requests,US launch of the new app
2021-09-22,USLatency,Cache outage in us-east
";

fn latency_site(root: &Path) -> std::process::Output {
    write(root, "platform.yaml", LATENCY_CONFIG);
    write(root, "latency.csv", &latency_csv());
    write(root, "events.csv", EVENTS);
    import(root, &["platform.yaml", "--csv", "latency.csv"])
}

#[test]
fn a_latency_deck_becomes_filter_metrics_growth_series_and_every_block() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    let output = latency_site(root);
    let out = stdout(&output);
    assert!(output.status.success(), "{out}\n{}", stderr(&output));
    let site = root.join("platform");
    assert_eq!(
        fs::read_to_string(site.join("content/programs/platform.yaml")).unwrap(),
        LATENCY_PROGRAM
    );
    assert_eq!(
        fs::read_to_string(site.join("site.yaml")).unwrap(),
        "# Imported from platform.yaml by `sitrep import wbr-app`.\ntitle: \"Platform WBR\"\nweek_ends_on: saturday\nfiscal_year_end_month: 6\nannotations: [\"data/annotations.csv\"]\n"
    );
    assert_eq!(
        fs::read_to_string(site.join("data/annotations.csv")).unwrap(),
        EVENTS
    );
    assert_eq!(
        fs::read_to_string(site.join("data/latency.csv")).unwrap(),
        latency_csv()
    );
    for expected in [
        "platform.yaml:29:7: metric `NonUSRequests`: the query uses `!=`; sitrep's `where` picks rows equal to a value only",
        "platform.yaml:86:11: `NonUSRequests` in the deck: left out",
        "platform.yaml:82:11: `y_scaling: ##.2bps`: sitrep has no basis-point unit for values: shown as a percent with the same digits",
        "platform.yaml:70:11: `style` of table rows (CSS)",
        "row headers of 6_WeeksTable \"Requests by week\" (\"Actual\" for `Requests`, …): sitrep labels a table row with its metric's name",
        "platform.yaml:92:7: `x_axis_monthly_display: fiscal_year` of a 12_MonthsTable: a sitrep table shows the months of the site's `x_axis`",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
}

/// The latency deck's metrics without what is still to come (growth
/// series, legends, header rows, annotations): filter metrics over a wide
/// file with a text column, a column metric adding up its groups, a
/// function metric.
const FILTER_CONFIG: &str = r###"setup:
  week_ending: 25-SEP-2021
  fiscal_year_end_month: JUN
metrics:
  USLatency:
    filter:
      base_column: latency
      query: "latency_country == 'US'"
    aggf: mean
  US Requests:
    filter:
      base_column: requests
      query: "`latency_country` == \"US\""
    aggf: sum
  Requests:
    column: requests
    aggf: sum
  USShare:
    metric_comparison_method: bps
    function:
      divide:
        - metric:
            name: US Requests
        - metric:
            name: Requests
deck:
  - block:
      ui_type: 6_12Graph
      title: Requests
      metrics:
        Requests:
          line_style: primary
        US Requests:
          line_style: secondary
  - block:
      ui_type: 6_12Graph
      title: US latency
      metrics:
        USLatency:
          graph_prior_year_flag: false
  - block:
      ui_type: 6_WeeksTable
      rows:
        - row:
            header: US share
            metric: USShare
            y_scaling: "##.1%"
"###;

#[test]
fn filter_metrics_over_a_text_column_build_with_hand_worked_numbers() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    write(root, "filters.yaml", FILTER_CONFIG);
    write(root, "latency.csv", &latency_csv());
    let output = import(root, &["filters.yaml", "--csv", "latency.csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let site = root.join("filters");
    let built = sitrep(&site).arg("build").output().unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    let data = read_json(&site.join("public/2021-09-25/data.json"));
    let metric = |id: &str| data["programs"]["filters"]["metrics"][id].clone();

    // US latency, the mean of the US rows only: 260 ms in the review week,
    // 200 the week before: WoW (260 − 200) / 200 = 30%.
    let latency = metric("uslatency");
    close(&latency["box"]["last_week"], 260.0);
    close(&latency["box"]["wow"], 30.0);
    // Requests add up both countries: 7 × (130 + 50) = 1,260 in the review
    // week, 7 × 150 = 1,050 the week before and a year before: +20% WoW
    // and YoY. US requests 7 × 130 = 910 against 700: +30%.
    let requests = metric("requests");
    close(&requests["box"]["last_week"], 1260.0);
    close(&requests["box"]["wow"], 20.0);
    close(&requests["box"]["yoy"], 20.0);
    close(&metric("us_requests")["box"]["last_week"], 910.0);
    // August 2021, 31 days × 150 = 4,650.
    close(&requests["months"][11]["value"], 4650.0);
    // The fiscal year ends in June: QTD from 1 Jul 2021 to 25 Sep 2021,
    // 87 days × 150 + 7 × 30 (the review week's extra US requests)
    // = 13,050 + 210 = 13,260.
    close(&requests["box"]["qtd"], 13260.0);
    // US share 910 / 1,260 = 0.7222…, the week before 700 / 1,050 =
    // 0.6667: (0.72222 − 0.66667) × 10,000 = 555.6 bps.
    let share = metric("usshare");
    close(&share["box"]["last_week"], 910.0 / 1260.0);
    close(
        &share["box"]["wow"],
        (910.0 / 1260.0 - 700.0 / 1050.0) * 10000.0,
    );
    assert_eq!(share["box"]["wow_kind"], "bps");
}

#[test]
fn a_latency_deck_builds_with_hand_worked_numbers() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    let output = latency_site(root);
    assert!(output.status.success(), "{}", stderr(&output));
    let site = root.join("platform");
    let built = sitrep(&site).arg("build").output().unwrap();
    assert!(built.status.success(), "{}", stderr(&built));
    let data = read_json(&site.join("public/2021-09-25/data.json"));
    let metric = |id: &str| data["programs"]["platform"]["metrics"][id].clone();
    // Growth series are fractions, as wbr-app's are. RequestsWOW in the
    // review week: (1,260 − 1,050) / 1,050 = 0.2; RequestsYOY the same
    // against 20–26 Sep 2020 (1,050); RequestsMOM of August 2021 against
    // July: 4,650 against 4,650 (both 31 days × 150) = 0.
    close(&metric("requests_wow")["weeks"][5]["value"], 0.2);
    close(&metric("requests_yoy")["weeks"][5]["value"], 0.2);
    close(&metric("requests_mom")["months"][11]["value"], 0.0);
    // US share in basis points is a rate; US latency the mean of US rows:
    // 260 ms.
    close(&metric("uslatency")["box"]["last_week"], 260.0);
    // The plan: 160 a day on the US rows, 0 on the DE rows: 1,120 a week.
    close(&metric("requests_plan")["box"]["last_week"], 1120.0);
    // Both annotations fall in the review week and reach the data.
    let text = serde_json::to_string(&data).unwrap();
    assert!(text.contains("US launch of the new app"), "{text}");
    assert!(text.contains("Cache outage in us-east"), "{text}");
}

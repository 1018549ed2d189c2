//! The long-CSV benchmark (issue 15): sitrep against DuckDB on one long
//! metric data file (`date,metric,value,country,channel`).
//!
//! ```text
//! cargo run --release --example long_csv_benchmark [-- --rows N --runs R --folder PATH --sitrep BINARY --write PATH]
//! ```
//!
//! Generates (once, deterministically, with a fixed seed) a long file of
//! about `--rows` rows (default 10,000,000, about 250 MB): every day from
//! Monday 2024-11-25 for as many days as the rows need (731 for 10M), 40
//! metrics, 19 countries × 18 channels, in date, metric, country, channel
//! order, under `--folder` (default `target/long-csv-benchmark`), and a
//! site with one program of eight metrics over it: group sums, a sum
//! picked with `where` on one dimension, a mean of one group, a maximum,
//! a metric with a few empty values (its weeks with one are missing), and
//! a metric whose values are quoted with thousands separators (`"1,234"`).
//! Rows dated after the review week (2026-W47, up to Sunday 2026-11-22)
//! exist, so the as-of rule is exercised. Then it runs, alternating,
//! `sitrep build` (the release binary, or `--sitrep BINARY`) and a Python
//! script computing the same numbers with DuckDB (`long_csv_benchmark.py`,
//! written next to the data; `pip install duckdb`), `--runs` times each
//! (default 3), after one untimed warm-up run of each so that the CSV is
//! in the page cache. Wall time and peak resident memory come from
//! `wait4`. Every number of the program's weeks and months in `data.json`
//! is compared with DuckDB's: any difference beyond 1e-9 (relative) fails
//! the benchmark.

mod support;

use std::fs;
use std::io::{BufWriter, Write as _};
use std::path::Path;
use std::process::Command;

use support::{compare_numbers, prepare_site, run, Options, Random};

/// What `--help` prints.
const USAGE: &str = "\
usage: cargo run --release --example long_csv_benchmark [-- OPTIONS]

  --rows N         rows of the generated file (default 10000000)
  --runs R         timed runs of each side (default 3)
  --folder PATH    where the file, site and outputs go (default target/long-csv-benchmark)
  --sitrep BINARY  the sitrep binary to time (default: the release build, built first)
  --write PATH     also write the report into PATH between the markers
                   <!-- long-csv-benchmark:begin --> and <!-- long-csv-benchmark:end -->

It needs Python with DuckDB (`pip install duckdb`); `.ci/benchmark` finds
or installs it and runs every benchmark.";

/// The first day of the file (a Monday).
const FIRST_DAY: &str = "2024-11-25";
/// The review week's last day: rows after it must not count.
const AS_OF: &str = "2026-11-22";

const METRIC_COUNT: usize = 40;
const COUNTRIES: [&str; 19] = [
    "US", "DE", "FR", "GB", "JP", "BR", "IN", "CA", "AU", "ES", "IT", "MX", "NL", "SE", "PL", "KR",
    "TR", "AR", "ZA",
];
const CHANNELS: [&str; 18] = [
    "web", "app", "chat", "email", "phone", "sms", "kiosk", "store", "partner", "api", "social",
    "forum", "fax", "mail", "bot", "ivr", "tv", "radio",
];

const SITE: &str = "title: Long CSV benchmark\n";

const PROGRAM: &str = "name: Operations
owner: Benchmark
metrics:
  contacts: { column: m00 }
  orders: { column: m01 }
  us_refunds: { column: m02, where: { country: US } }
  chat_escalations: { column: m03, where: { channel: chat } }
  de_app_rating: { column: m04, aggregate: mean, where: { country: DE, channel: app } }
  gappy: { column: m05 }
  quoted: { column: m06 }
  peak_queue: { column: m07, aggregate: max }
";

/// The program's metrics: (id, long-file metric, aggregate, where).
const METRICS: [(&str, &str, &str, &str); 8] = [
    ("contacts", "m00", "sum", "TRUE"),
    ("orders", "m01", "sum", "TRUE"),
    ("us_refunds", "m02", "sum", "country = 'US'"),
    ("chat_escalations", "m03", "sum", "channel = 'chat'"),
    (
        "de_app_rating",
        "m04",
        "avg",
        "country = 'DE' AND channel = 'app'",
    ),
    ("gappy", "m05", "sum", "TRUE"),
    ("quoted", "m06", "sum", "TRUE"),
    ("peak_queue", "m07", "max", "TRUE"),
];

/// Computes the program's numbers for the periods given on stdin as JSON
/// `[[kind, first_day, last_day], ...]` with sitrep's rules: a period has
/// a value only when every group of the metric has a value on every one
/// of its days (each group starts on the file's first day here); prints
/// JSON `{metric: [value per period]}`.
const DUCKDB_SCRIPT: &str = r#"import duckdb, json, sys
from datetime import date
path, as_of, metrics = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
periods = json.load(sys.stdin)
con = duckdb.connect()
con.execute(f"""CREATE TABLE t AS SELECT date, metric,
    CAST(replace(value, ',', '') AS DOUBLE) AS value, country, channel
  FROM read_csv('{path}', header = true, auto_detect = false, columns = {{
    'date': 'DATE', 'metric': 'VARCHAR', 'value': 'VARCHAR',
    'country': 'VARCHAR', 'channel': 'VARCHAR'}})
  WHERE date <= DATE '{as_of}'""")
out = {}
for name, metric, aggregate, where in metrics:
    scope = f"metric = '{metric}' AND {where}"
    groups = con.execute(f"SELECT count(DISTINCT (country, channel)) FROM t WHERE {scope}").fetchone()[0]
    if aggregate == "avg":
        # A mean of the daily values (one group here).
        daily = f"SELECT date, sum(value) AS v, count(value) AS n FROM t WHERE {scope} GROUP BY date"
        value, count = "avg(v)", "sum(n)"
    else:
        daily = f"SELECT date, value AS v, 1 AS n FROM t WHERE {scope} AND value IS NOT NULL"
        value, count = f"{aggregate}(v)", "sum(n)"
    found = {}
    for kind, unit in (("week", "week"), ("month", "month")):
        for start, v, n in con.execute(
                f"SELECT date_trunc('{unit}', date), {value}, {count} FROM ({daily}) GROUP BY 1").fetchall():
            found[(kind, str(start)[:10])] = (v, n)
    values = []
    for kind, first, last in periods:
        days = (date.fromisoformat(last) - date.fromisoformat(first)).days + 1
        v, n = found.get((kind, first), (None, 0))
        values.append(v if n == days * groups else None)
    out[name] = values
print(json.dumps(out))
"#;

/// Writes `YYYY-MM-DD` for the day `days` after 1970-01-01 (Howard
/// Hinnant's civil-from-days algorithm).
fn write_date(out: &mut Vec<u8>, days: i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    write!(out, "{year:04}-{month:02}-{day:02}").unwrap();
}

/// The number of days the file has for about `rows` rows.
fn day_count(rows: u64) -> u64 {
    let per_day = (METRIC_COUNT * COUNTRIES.len() * CHANNELS.len()) as u64;
    rows.div_ceil(per_day).max(1)
}

/// Writes the long file: one row per day, metric, country and channel.
fn generate(path: &Path, rows: u64) {
    let file = fs::File::create(path).expect("the data file");
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    writer
        .write_all(b"date,metric,value,country,channel\n")
        .unwrap();
    let first: jiff::civil::Date = FIRST_DAY.parse().unwrap();
    let first = (first - jiff::civil::date(1970, 1, 1)).get_days() as i64;
    let mut random = Random(15);
    let mut line = Vec::with_capacity(64);
    let mut date = Vec::with_capacity(10);
    for day in 0..day_count(rows) as i64 {
        date.clear();
        write_date(&mut date, first + day);
        for metric in 0..METRIC_COUNT {
            for country in COUNTRIES {
                for channel in CHANNELS {
                    line.clear();
                    line.extend_from_slice(&date);
                    write!(line, ",m{metric:02},").unwrap();
                    let value = random.below(10_000);
                    match metric {
                        // A rating with two decimals.
                        4 => write!(line, "{}.{:02}", value / 100, value % 100).unwrap(),
                        // About one empty value in 2,000.
                        5 if random.below(2000) == 0 => {}
                        // Thousands separators, quoted.
                        6 if value >= 1000 => {
                            write!(line, "\"{},{:03}\"", value / 1000, value % 1000).unwrap()
                        }
                        _ => write!(line, "{value}").unwrap(),
                    }
                    writeln!(line, ",{country},{channel}").unwrap();
                    writer.write_all(&line).unwrap();
                }
            }
        }
    }
    writer.flush().unwrap();
}

fn main() {
    let options = Options::from_args("long-csv-benchmark", USAGE);
    let Options {
        rows,
        ref folder,
        ref binary,
        ..
    } = options;
    let site = folder.join(format!("site-{rows}"));
    let data_file = site.join("data/metrics.csv");
    let script = folder.join("long_csv_benchmark.py");
    prepare_site(
        &site,
        &[
            ("site.yaml", SITE),
            ("content/programs/operations.yaml", PROGRAM),
            (
                "content/reviews/2026-W47/index.md",
                "# The week\n\nContacts: {{ value(\"operations.contacts\") }}.\n",
            ),
        ],
        (&script, DUCKDB_SCRIPT),
        &data_file,
        |path| generate(path, rows),
    );
    let csv_bytes = fs::metadata(&data_file).unwrap().len();
    let row_count = day_count(rows) * (METRIC_COUNT * COUNTRIES.len() * CHANNELS.len()) as u64;
    let output = folder.join(format!("public-{rows}"));
    let sitrep = || {
        let _ = fs::remove_dir_all(&output);
        let mut command = Command::new(binary);
        command
            .arg("--root")
            .arg(&site)
            .arg("build")
            .arg("--quiet")
            .arg("--drafts")
            .arg("--output")
            .arg(&output)
            .env("SOURCE_DATE_EPOCH", "0");
        command
    };
    // A warm-up build, which also names the periods.
    eprintln!("warm-up: sitrep");
    run(&mut sitrep(), None);
    let data: serde_json::Value =
        serde_json::from_slice(&fs::read(output.join("2026-W47/data.json")).unwrap()).unwrap();
    let metrics = &data["programs"]["operations"]["metrics"];
    let mut periods: Vec<(String, String, String)> = Vec::new();
    for kind in ["weeks", "months"] {
        for period in metrics["contacts"][kind].as_array().unwrap() {
            periods.push((
                kind[..kind.len() - 1].to_string(),
                period["start"].as_str().unwrap().to_string(),
                period["end"].as_str().unwrap().to_string(),
            ));
        }
    }
    let periods_json = serde_json::to_string(&periods).unwrap();
    let metrics_json = serde_json::to_string(&METRICS).unwrap();
    let duckdb = || {
        let mut command = Command::new("python3");
        command
            .arg(&script)
            .arg(&data_file)
            .arg(AS_OF)
            .arg(&metrics_json);
        command
    };
    eprintln!("warm-up: DuckDB");
    let (_, printed) = run(&mut duckdb(), Some(&periods_json));

    // Compare every number.
    let theirs: serde_json::Value = serde_json::from_str(&printed).unwrap();
    let labels: Vec<String> = periods
        .iter()
        .map(|(kind, start, _)| format!("{kind} from {start}"))
        .collect();
    let checked = compare_numbers(
        metrics,
        &theirs,
        METRICS.iter().map(|(id, ..)| *id),
        &labels,
    );
    options.race_and_report(
        sitrep,
        duckdb,
        &periods_json,
        (row_count, csv_bytes),
        checked,
    );
}

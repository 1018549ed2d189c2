//! The event-export benchmark (issue 17): sitrep against DuckDB.
//!
//! ```text
//! cargo run --release --example events_benchmark [-- --rows N --runs R --folder PATH --sitrep BINARY --write PATH]
//! ```
//!
//! Generates (once, deterministically, with a fixed seed) a ticket export
//! of `--rows` rows (default 10,000,000, about 1 GB of CSV) under
//! `--folder` (default `target/events-benchmark`), and a site with one
//! program of eight event metrics over it: weekly and monthly counts, a
//! `where`-filtered count, p90 first-response and resolution times, the
//! share answered within 4 h, the open backlog, a sum and a mean. Then it
//! runs, alternating, `sitrep build` (the release binary) and a Python
//! script that computes the same numbers with DuckDB
//! (`events_benchmark.py`, written next to the data; `pip install
//! duckdb`), `--runs` times each (default 3), after one untimed warm-up
//! run of each so that the CSV is in the page cache. Wall time and peak
//! resident memory come from `wait4`. Finally every number of the
//! program's weeks and months in `data.json` is compared with DuckDB's:
//! any difference beyond 1e-9 (relative) fails the benchmark.
//!
//! The time zone is UTC and every timestamp carries `Z`, so both tools
//! read the same instants without a time zone database.

mod support;

use std::fs;
use std::io::{BufWriter, Write as _};
use std::path::Path;
use std::process::Command;

use support::{compare_numbers, prepare_site, run, Options, Random};

/// What `--help` prints.
const USAGE: &str = "\
usage: cargo run --release --example events_benchmark [-- OPTIONS]

  --rows N         rows of the generated file (default 10000000)
  --runs R         timed runs of each side (default 3)
  --folder PATH    where the file, site and outputs go (default target/events-benchmark)
  --sitrep BINARY  the sitrep binary to time (default: the release build, built first)
  --write PATH     also write the report into PATH between the markers
                   <!-- events-benchmark:begin --> and <!-- events-benchmark:end -->

It needs Python with DuckDB (`pip install duckdb`); `.ci/benchmark` finds
or installs it and runs every benchmark.";

/// The review week's as-of moment: Monday 2026-11-23 00:00 UTC, the end
/// of review week 2026-W47.
const AS_OF_MS: i64 = 1_795_392_000_000;
/// The first ticket's creation: 2025-10-01 00:00 UTC.
const FIRST_MS: i64 = 1_759_276_800_000;
/// The last ticket's creation: 2026-11-26 00:00 UTC (after the as-of
/// moment, so the export has rows the version must not see).
const LAST_MS: i64 = 1_795_651_200_000;

const SITE: &str = "title: Events benchmark
time_zone: UTC
events:
  tickets: { path: data/tickets.csv, id: ticket_id, at: created_at }
";

const PROGRAM: &str = "name: Support
owner: Benchmark
metrics:
  tickets_created: { events: tickets, count: created_at }
  email_chat_tickets: { events: tickets, count: created_at, where: { channel: [email, chat] } }
  frt_p90_hours: { events: tickets, duration: [created_at, first_response_at], percentile: 90, unit: hours }
  resolution_p90_hours: { events: tickets, duration: [created_at, resolved_at], percentile: 90, at: resolved_at, unit: hours }
  frt_within_4h: { events: tickets, duration: [created_at, first_response_at], within: 4h, unit: percent }
  open_backlog: { events: tickets, open: [created_at, resolved_at] }
  handle_minutes: { events: tickets, sum: handle_minutes }
  handle_mean: { events: tickets, mean: handle_minutes, unit: minutes }
";

/// The metrics, in the order the DuckDB script reports them.
const METRICS: [&str; 8] = [
    "tickets_created",
    "email_chat_tickets",
    "frt_p90_hours",
    "resolution_p90_hours",
    "frt_within_4h",
    "open_backlog",
    "handle_minutes",
    "handle_mean",
];

/// Computes the same numbers as the program, for the periods given on
/// stdin as JSON `[[kind, start_ms, end_ms], ...]`; prints JSON
/// `{metric: [value per period]}`.
const DUCKDB_SCRIPT: &str = r#"import duckdb, json, sys
path, as_of = sys.argv[1], int(sys.argv[2])
periods = json.load(sys.stdin)
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
con.execute(f"""CREATE TABLE t AS SELECT
    ticket_id,
    epoch_ms(created_at) AS c,
    epoch_ms(first_response_at) AS f,
    epoch_ms(resolved_at) AS r,
    channel, priority, handle_minutes AS h
  FROM read_csv('{path}', header = true, auto_detect = false, columns = {{
    'ticket_id': 'VARCHAR', 'created_at': 'TIMESTAMPTZ',
    'first_response_at': 'TIMESTAMPTZ', 'resolved_at': 'TIMESTAMPTZ',
    'channel': 'VARCHAR', 'priority': 'VARCHAR', 'handle_minutes': 'DOUBLE',
    'agent': 'VARCHAR'}})""")
A = as_of
answered = f"(f IS NOT NULL AND f < {A})"
metrics = {
    # name: (placing column, aggregate, extra filter)
    "tickets_created": ("c", "count(*)", "TRUE"),
    "email_chat_tickets": ("c", "count(*)", "channel IN ('email', 'chat')"),
    "frt_p90_hours": ("c", "quantile_cont(f - c, 0.9) / 3600000.0", answered),
    "resolution_p90_hours": ("r", "quantile_cont(r - c, 0.9) / 3600000.0", "TRUE"),
    "frt_within_4h": ("c", f"sum(CASE WHEN {answered} AND f - c <= 14400000 THEN 1 ELSE 0 END) * 1.0 / "
                           f"sum(CASE WHEN {answered} THEN 1 WHEN {A} - c > 14400000 THEN 1 ELSE 0 END)", "TRUE"),
    "handle_minutes": ("c", "sum(h)", "TRUE"),
    "handle_mean": ("c", "avg(h)", "TRUE"),
}
week = "(({col} - 345600000) // 604800000) * 604800000 + 345600000"  # Mondays
month = "epoch_ms(date_trunc('month', make_timestamp({col} * 1000)))"
out = {}
for name, (col, aggregate, extra) in metrics.items():
    values = {}
    for bucket in (week, month):
        b = bucket.format(col=col)
        for start, value in con.execute(
                f"SELECT {b}, {aggregate} FROM t WHERE {col} IS NOT NULL AND {col} < {A} AND {extra} GROUP BY 1").fetchall():
            values[(bucket == week, start)] = value
    out[name] = [values.get((kind == "week", start)) for kind, start, end in periods]
ends = [min(end, A) for kind, start, end in periods]
row = con.execute("SELECT " + ", ".join(
    f"count(*) FILTER (WHERE c < {e} AND (r IS NULL OR r >= {e}))" for e in ends) + " FROM t").fetchone()
out["open_backlog"] = list(row)
print(json.dumps(out))
"#;

/// Writes `2026-11-22T14:03:07Z` for `millis` (whole seconds).
fn write_time(out: &mut Vec<u8>, millis: i64) {
    let seconds = millis.div_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let in_day = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    write!(
        out,
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60
    )
    .unwrap();
}

/// Writes the export: tickets in creation order with unique ids.
fn generate(path: &Path, rows: u64) {
    let file = fs::File::create(path).expect("the export file");
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    writer
        .write_all(b"ticket_id,created_at,first_response_at,resolved_at,channel,priority,handle_minutes,agent\n")
        .unwrap();
    let mut random = Random(17);
    let span = (LAST_MS - FIRST_MS) as u64;
    let channels = ["email", "chat", "phone", "web_form"];
    let priorities = ["low", "normal", "high", "urgent"];
    let mut line = Vec::with_capacity(256);
    for row in 0..rows {
        line.clear();
        let created =
            FIRST_MS + (row * (span / 1000) / rows * 1000) as i64 + random.below(60) as i64 * 1000;
        write!(line, "T{row:09},").unwrap();
        write_time(&mut line, created);
        line.push(b',');
        // First response: 95% answered, after up to ~10 h (skewed short).
        let first_response = if random.below(100) < 95 {
            let a = random.below(36_000);
            let b = random.below(36_000);
            let answered = created + (a * b / 36_000) as i64 * 1000;
            write_time(&mut line, answered);
            Some(answered)
        } else {
            None
        };
        line.push(b',');
        // Resolution: 85% resolved, up to 5 days after the response.
        if random.below(100) < 85 {
            let from = first_response.unwrap_or(created);
            write_time(&mut line, from + random.below(432_000) as i64 * 1000);
        }
        line.push(b',');
        line.extend_from_slice(channels[random.below(4) as usize].as_bytes());
        line.push(b',');
        line.extend_from_slice(priorities[random.below(4) as usize].as_bytes());
        line.push(b',');
        if random.below(10) < 9 {
            let tenths = random.below(1200);
            write!(line, "{}.{}", tenths / 10, tenths % 10).unwrap();
        }
        writeln!(line, ",agent_{:03}", random.below(500)).unwrap();
        writer.write_all(&line).unwrap();
    }
    writer.flush().unwrap();
}

/// Milliseconds of a `YYYY-MM-DD` day's UTC midnight.
fn midnight_ms(date: &str) -> i64 {
    let date: jiff::civil::Date = date.parse().unwrap();
    date.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_millisecond()
}

fn main() {
    let options = Options::from_args("events-benchmark", USAGE);
    let Options {
        rows,
        ref folder,
        ref binary,
        ..
    } = options;
    let site = folder.join(format!("site-{rows}"));
    let export = site.join("data/tickets.csv");
    let script = folder.join("events_benchmark.py");
    prepare_site(
        &site,
        &[
            ("site.yaml", SITE),
            ("content/programs/support.yaml", PROGRAM),
            (
                "content/reviews/2026-W47/index.md",
                "# The week\n\nFirst response p90: {{ value(\"support.frt_p90_hours\") }}.\n",
            ),
        ],
        (&script, DUCKDB_SCRIPT),
        &export,
        |path| generate(path, rows),
    );
    let csv_bytes = fs::metadata(&export).unwrap().len();
    let output = folder.join(format!("public-{rows}"));
    let sitrep = || {
        let _ = fs::remove_dir_all(&output);
        let mut command = Command::new(binary);
        command
            .arg("--root")
            .arg(&site)
            .arg("build")
            // The review week is not published: build it all the same.
            .arg("--drafts")
            .arg("--quiet")
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
    let metrics = &data["programs"]["support"]["metrics"];
    let mut periods: Vec<(String, i64, i64)> = Vec::new();
    for kind in ["weeks", "months"] {
        for period in metrics["tickets_created"][kind].as_array().unwrap() {
            let start = midnight_ms(period["start"].as_str().unwrap());
            let end = midnight_ms(period["end"].as_str().unwrap()) + 86_400_000;
            periods.push((kind[..kind.len() - 1].to_string(), start, end));
        }
    }
    let periods_json = serde_json::to_string(&periods).unwrap();
    let duckdb = || {
        let mut command = Command::new("python3");
        command.arg(&script).arg(&export).arg(AS_OF_MS.to_string());
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
    let checked = compare_numbers(metrics, &theirs, METRICS, &labels);
    options.race_and_report(sitrep, duckdb, &periods_json, (rows, csv_bytes), checked);
}

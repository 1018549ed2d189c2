//! `sitrep pull`: sources in, `data/` out.
//!
//! The PostgreSQL tests need a server: `.ci/run` starts one (see
//! `.ci/postgres`) and sets `SITREP_TEST_POSTGRES_URL`; without it they
//! print "skipped: …" and pass. The DuckDB recipe needs `duckdb` on the
//! PATH (`pip install duckdb-cli`), and is skipped without it likewise.

#[path = "common/files.rs"]
mod files;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use files::{sitrep, snapshot, write};

const URL_VARIABLE: &str = "SITREP_TEST_POSTGRES_URL";

/// Says a test did not run, past the test harness's output capture, so
/// that a plain `cargo test` shows it.
fn skipped(message: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped: {message}");
}

fn postgres_url(test: &str) -> Option<String> {
    match std::env::var(URL_VARIABLE) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            skipped(&format!("{test}: {URL_VARIABLE} is not set (.ci/run starts a PostgreSQL server and sets it; see .ci/postgres)"));
            None
        }
    }
}

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A copy of the example site (site.yaml, content/, data/) in a temporary folder.
fn example_site() -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(repository()) {
        let entry = entry.unwrap();
        let relative = entry.path().strip_prefix(repository()).unwrap();
        let wanted = relative == Path::new("site.yaml")
            || relative.starts_with("content")
            || relative.starts_with("data");
        if wanted && entry.file_type().is_file() {
            let target = folder.path().join(relative);
            fs::create_dir_all(target.parent().unwrap()).unwrap();
            fs::copy(entry.path(), target).unwrap();
        }
    }
    folder
}

fn add_database(root: &Path) {
    let mut config = fs::read_to_string(root.join("site.yaml")).unwrap();
    config.push_str("database: { url_env: SITREP_DATABASE_URL }\n");
    fs::write(root.join("site.yaml"), config).unwrap();
}

fn built_site(root: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    sitrep(root)
        .args(["build", "--quiet"])
        .env("SOURCE_DATE_EPOCH", "1795000000")
        .assert()
        .success();
    let mut files = snapshot(&root.join("public"));
    files.remove(Path::new(".sitrep-cache.json"));
    files
}

fn csv_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(root.join("data"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "csv"))
        // Annotations are written by hand, not pulled from the warehouse.
        .filter(|path| !path.ends_with("annotations.csv"))
        .collect();
    files.sort();
    files
}

/// A schema of its own per test, so tests running at once never meet.
fn fresh_schema(client: &mut postgres::Client, name: &str) -> String {
    let schema = format!("{name}_{}", std::process::id());
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};"
        ))
        .unwrap();
    schema
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Loads a CSV into `schema.table` with real types: the date column as
/// `date`, numeric columns (thousands separators removed) as `numeric`,
/// the rest as text, and `ord` keeping the file's row order.
fn load_table(
    client: &mut postgres::Client,
    schema: &str,
    table: &str,
    path: &Path,
) -> Vec<String> {
    let bytes = fs::read(path).unwrap();
    let mut reader = csv::Reader::from_reader(&bytes[..]);
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let numeric: Vec<bool> = (0..header.len())
        .map(|column| {
            rows.iter().all(|row| {
                let value = row[column].replace(',', "");
                value.is_empty() || value.parse::<f64>().is_ok()
            })
        })
        .collect();
    let staging = format!("{schema}.{table}_staging");
    let columns: Vec<String> = header
        .iter()
        .map(|name| format!("{} text", quote(name)))
        .collect();
    client
        .batch_execute(&format!(
            "CREATE TABLE {staging} (ord serial, {})",
            columns.join(", ")
        ))
        .unwrap();
    let names: Vec<String> = header.iter().map(|name| quote(name)).collect();
    let mut copy = client
        .copy_in(&format!(
            "COPY {staging} ({}) FROM STDIN WITH (FORMAT csv, HEADER true)",
            names.join(", ")
        ))
        .unwrap();
    std::io::Write::write_all(&mut copy, &bytes).unwrap();
    copy.finish().unwrap();
    let typed: Vec<String> = header
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let column = quote(name);
            if index == 0 {
                format!("{column}::date AS {column}")
            } else if numeric[index] {
                format!("nullif(replace({column}, ',', ''), '')::numeric AS {column}")
            } else {
                column
            }
        })
        .collect();
    client
        .batch_execute(&format!(
            "CREATE TABLE {schema}.{table} AS SELECT ord, {} FROM {staging}",
            typed.join(", ")
        ))
        .unwrap();
    header
}

#[test]
fn the_example_site_pulled_from_postgresql_builds_byte_identical() {
    let Some(url) = postgres_url("the_example_site_pulled_from_postgresql_builds_byte_identical")
    else {
        return;
    };
    let committed = example_site();
    let expected = built_site(committed.path());

    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let schema = fresh_schema(&mut client, "roundtrip");
    let pulled = example_site();
    add_database(pulled.path());
    for path in csv_files(pulled.path()) {
        let table = path.file_stem().unwrap().to_string_lossy().into_owned();
        let header = load_table(&mut client, &schema, &table, &path);
        let columns: Vec<String> = header.iter().map(|name| quote(name)).collect();
        let date = quote(&header[0]);
        // Only the rows the reviews need: from :since to :as_of.
        write(
            pulled.path(),
            &format!("sources/{table}.sql"),
            &format!(
                "-- {table}: every column, in the file's row order\nSELECT {}\nFROM {schema}.{table}\nWHERE {date} BETWEEN :since AND :as_of\nORDER BY ord\n",
                columns.join(", ")
            ),
        );
        fs::remove_file(&path).unwrap();
    }
    let output = sitrep(pulled.path())
        .args(["pull", "--as-of", "2026-11-22"])
        .env("SITREP_DATABASE_URL", &url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("as of 2026-11-22 (:as_of), since 2024-10-01 (:since)"),
        "{stdout}"
    );
    assert!(stdout.contains("Pulled 5 sources"), "{stdout}");

    // The manifest records what ran, without the password.
    let manifest = fs::read_to_string(pulled.path().join("data/.pull-manifest.json")).unwrap();
    let password = url
        .split_once("://")
        .unwrap()
        .1
        .split_once('@')
        .unwrap()
        .0
        .split_once(':')
        .unwrap()
        .1;
    assert!(!manifest.contains(password), "{manifest}");
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let incidents = &manifest["files"]["data/incidents.csv"];
    assert_eq!(incidents["source"], "sources/incidents.sql");
    assert_eq!(incidents["as_of"], "2026-11-22");
    assert_eq!(incidents["since"], "2024-10-01");
    assert!(incidents["connection"]
        .as_str()
        .unwrap()
        .starts_with("postgresql://sitrep@127.0.0.1:"));
    let bytes = fs::read(pulled.path().join("data/incidents.csv")).unwrap();
    assert_eq!(incidents["bytes"], bytes.len() as u64);
    // 2024-10-01 to 2026-11-22: 365 + 365 + 31 (October) + 21 days
    // later, so 783 days counting both ends, one row each.
    assert_eq!(incidents["rows"], 783);
    // Dates came back ISO, thousands separators gone.
    let fraud = fs::read_to_string(pulled.path().join("data/fraud_cs.csv")).unwrap();
    assert!(fraud.starts_with("Date,bookings,"), "{}", &fraud[..200]);
    assert!(
        fraud.lines().nth(1).unwrap().starts_with("2024-10-01,"),
        "{}",
        &fraud[..300]
    );

    let actual = built_site(pulled.path());
    assert_eq!(
        actual.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &expected {
        assert!(actual[path] == *bytes, "{} differs", path.display());
    }
    client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
}

/// A project with one pulled data file and a manifest, for failing sources.
fn pulled_project(url: &str) -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    write(
        folder.path(),
        "site.yaml",
        "title: T\ndatabase: { url_env: SITREP_DATABASE_URL }\n",
    );
    write(
        folder.path(),
        "sources/tickets.sql",
        "SELECT d::date AS date, 1 AS tickets\nFROM generate_series(:since::date, :as_of, interval '1 day') AS d\n",
    );
    sitrep(folder.path())
        .args(["pull", "--as-of", "2026-11-22"])
        .env("SITREP_DATABASE_URL", url)
        .assert()
        .success();
    folder
}

fn pull_fails(root: &Path, url: &str, extra: &[&str]) -> String {
    let before = snapshot(&root.join("data"));
    let output = sitrep(root)
        .args(["pull", "--as-of", "2026-11-22"])
        .args(extra)
        .env("SITREP_DATABASE_URL", url)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("its data file was left as it was"),
        "{stderr}"
    );
    assert!(
        snapshot(&root.join("data")) == before,
        "data/ changed: {stderr}"
    );
    stderr
}

#[test]
fn a_failing_query_leaves_data_untouched_with_a_clear_message() {
    let Some(url) = postgres_url("a_failing_query_leaves_data_untouched_with_a_clear_message")
    else {
        return;
    };
    let folder = pulled_project(&url);
    let root = folder.path();
    let rows = fs::read_to_string(root.join("data/tickets.csv")).unwrap();
    // 2024-10-01 … 2026-11-22: 783 days and a header.
    assert_eq!(rows.lines().count(), 784);
    assert_eq!(rows.lines().nth(1), Some("2024-10-01,1"));

    // Bad SQL: the server's error position is the file's line and column.
    write(root, "sources/tickets.sql", "SELECT d AS date,\n       tickets\nFROM generate_series(:since, :as_of, interval '1 day') AS d\nWHERE nonsense(\n");
    let stderr = pull_fails(root, &url, &[]);
    assert!(
        stderr.contains("sources/tickets.sql:4:16: the database refused the query: syntax error at end of input"),
        "{stderr}"
    );
    write(
        root,
        "sources/tickets.sql",
        "SELECT 1 AS x,\n  missing_column AS y\n",
    );
    let stderr = pull_fails(root, &url, &[]);
    assert!(
        stderr.contains("sources/tickets.sql:2:3: the database refused the query: column \"missing_column\" does not exist"),
        "{stderr}"
    );

    // A query past its time limit is stopped.
    write(
        root,
        "sources/tickets.sql",
        "SELECT 1 AS x FROM pg_sleep(30)\n",
    );
    let started = Instant::now();
    let stderr = pull_fails(root, &url, &["--timeout", "1s"]);
    assert!(started.elapsed() < Duration::from_secs(15));
    assert!(
        stderr.contains("sources/tickets.sql: the query ran past its time limit of 1 s"),
        "{stderr}"
    );

    // Wrong password: the message says so, and never shows the password.
    write(root, "sources/tickets.sql", "SELECT 1 AS x\n");
    let wrong = url.replacen("sitrep:", "sitrep:not-the-password-", 1);
    let stderr = pull_fails(root, &wrong, &[]);
    assert!(
        stderr.contains("password authentication failed for user \"sitrep\""),
        "{stderr}"
    );
    assert!(!stderr.contains("not-the-password"), "{stderr}");

    // Connection refused: a port nobody listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let refused = format!("postgresql://sitrep:x@127.0.0.1:{port}/sitrep");
    let stderr = pull_fails(root, &refused, &[]);
    assert!(
        stderr.contains(&format!(
            "cannot connect to postgresql://sitrep@127.0.0.1:{port}/sitrep"
        )),
        "{stderr}"
    );
    assert!(
        stderr.to_lowercase().contains("connection refused"),
        "{stderr}"
    );

    // A type sitrep cannot write is named with its column.
    write(
        root,
        "sources/tickets.sql",
        "SELECT interval '1 hour' AS handle_time\n",
    );
    let stderr = pull_fails(root, &url, &[]);
    assert!(
        stderr.contains("column `handle_time` has the type interval"),
        "{stderr}"
    );
}

#[test]
fn an_unknown_placeholder_or_a_missing_connection_is_reported_before_running() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    write(
        root,
        "site.yaml",
        "title: T\ndatabase: { url_env: SITREP_TEST_UNSET_DATABASE_URL }\n",
    );
    write(
        root,
        "sources/tickets.sql",
        "SELECT 1\nWHERE day <= :asof\n",
    );
    let output = sitrep(root).args(["pull"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("sources/tickets.sql:2:14: `:asof` is not a parameter sitrep binds"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `:as_of`?"), "{stderr}");

    write(
        root,
        "sources/tickets.sql",
        "SELECT 1 WHERE :as_of > :since\n",
    );
    let output = sitrep(root).args(["pull", "--dry-run"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the environment variable SITREP_TEST_UNSET_DATABASE_URL is not set"),
        "{stderr}"
    );
    assert!(!root.join("data").exists());
}

/// An executable source: run in the project folder with a clean
/// environment and the review context in SITREP_AS_OF and SITREP_SINCE.
#[cfg(unix)]
fn script(root: &Path, name: &str, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = format!("sources/{name}");
    write(root, &path, &format!("#!/bin/sh\n{body}"));
    fs::set_permissions(root.join(path), fs::Permissions::from_mode(0o755)).unwrap();
}

#[cfg(unix)]
#[test]
fn an_executable_source_prints_csv_into_data() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    write(root, "site.yaml", "title: T\n");
    write(root, "sources/README.md", "Sources of this project.\n");
    write(root, "warehouse/rows.txt", "2026-11-16,4\n");
    script(
        root,
        "tickets.sh",
        "echo date,tickets,as_of,since,secret,cwd_file\nsed \"s/\\$/,$SITREP_AS_OF,$SITREP_SINCE,${SITREP_TEST_PLANTED_SECRET:-none},$(ls warehouse)/\" warehouse/rows.txt\n",
    );
    sitrep(root)
        .args(["pull", "tickets", "--as-of", "2026-11-22"])
        .env("SITREP_TEST_PLANTED_SECRET", "hunter2")
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(root.join("data/tickets.csv")).unwrap(),
        "date,tickets,as_of,since,secret,cwd_file\n2026-11-16,4,2026-11-22,2024-10-01,none,rows.txt\n"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(root.join("data/.pull-manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["files"]["data/tickets.csv"]["rows"], 1);
    assert_eq!(
        manifest["files"]["data/tickets.csv"]["connection"],
        serde_json::Value::Null
    );

    // --pass-env lets a named variable through.
    sitrep(root)
        .args([
            "pull",
            "--as-of",
            "2026-11-22",
            "--pass-env",
            "SITREP_TEST_PLANTED_SECRET",
        ])
        .env("SITREP_TEST_PLANTED_SECRET", "hunter2")
        .assert()
        .success();
    assert!(fs::read_to_string(root.join("data/tickets.csv"))
        .unwrap()
        .contains(",hunter2,"));

    // A failing or slow executable leaves the file as it was; a slow one
    // is stopped with everything it started.
    let before = snapshot(&root.join("data"));
    script(
        root,
        "tickets.sh",
        "echo date,tickets\necho 'no such table: tickets' >&2\nexit 3\n",
    );
    let output = sitrep(root).args(["pull"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("sources/tickets.sh: exited with exit status: 3: no such table: tickets"),
        "{stderr}"
    );
    assert!(snapshot(&root.join("data")) == before);

    script(root, "tickets.sh", "echo date,tickets\nsleep 60 | cat\n");
    let started = Instant::now();
    let output = sitrep(root)
        .args(["pull", "--timeout", "1s"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(started.elapsed() < Duration::from_secs(15), "{stderr}");
    assert!(
        stderr.contains("sources/tickets.sh: ran past its time limit of 1 s and was stopped"),
        "{stderr}"
    );
    assert!(snapshot(&root.join("data")) == before);

    script(
        root,
        "tickets.sh",
        "echo 'date,tickets'\necho '2026-11-16,1,extra'\n",
    );
    let output = sitrep(root).args(["pull"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("its output is not a CSV file: line 2 of the output"),
        "{stderr}"
    );
    assert!(snapshot(&root.join("data")) == before);
}

#[cfg(unix)]
#[test]
fn build_and_check_name_the_source_of_a_bad_row_and_warn_about_stale_pulls() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    write(root, "site.yaml", "title: T\n");
    write(
        root,
        "content/programs/ops.yaml",
        "name: Ops\nowner: A\nmetrics:\n  tickets: { column: tickets, aggregate: sum, unit: count }\n",
    );
    // The review week holds today: a pull today is before it ends.
    let today = jiff::ZonedDateTime::now().date();
    let iso = today.iso_week_date();
    let week = format!("{:04}-W{:02}", iso.year(), iso.week());
    write(root, &format!("content/reviews/{week}/index.md"), "Hello\n");
    script(
        root,
        "tickets.sh",
        "printf 'date,tickets\\n2026-11-16,1\\n2026-11-17,lots\\n'\n",
    );
    sitrep(root).args(["pull"]).assert().success();

    let output = sitrep(root).args(["check"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("data/tickets.csv:3:2 (from sources/tickets.sh): `lots` in column `tickets` is not a number"), "{stderr}");

    script(
        root,
        "tickets.sh",
        "printf 'date,tickets\\n2026-11-16,1\\n2026-11-17,2\\n'\n",
    );
    sitrep(root).args(["pull"]).assert().success();
    for command in ["check", "build"] {
        let output = sitrep(root).arg(command).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(
            stderr.contains(&format!("warning: data/tickets.csv (from sources/tickets.sh): pulled on {today}, before review week {week} ended")),
            "{command}: {stderr}"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_duckdb_recipe_over_parquet_gives_the_same_site() {
    if std::process::Command::new("duckdb")
        .arg("-version")
        .output()
        .is_err()
    {
        skipped("a_duckdb_recipe_over_parquet_gives_the_same_site: no `duckdb` on the PATH (.ci/run installs it with `pip install duckdb-cli`)");
        return;
    }
    let committed = example_site();
    let expected = built_site(committed.path());
    let pulled = example_site();
    let root = pulled.path();
    fs::create_dir_all(root.join("warehouse")).unwrap();
    let status = std::process::Command::new("duckdb")
        .current_dir(root)
        .args(["-c", "COPY (SELECT * FROM read_csv('data/incidents.csv')) TO 'warehouse/incidents.parquet' (FORMAT parquet)"])
        .status()
        .unwrap();
    assert!(status.success());
    fs::remove_file(root.join("data/incidents.csv")).unwrap();
    // The README's recipe.
    script(
        root,
        "incidents.sh",
        "exec duckdb -csv -c \"SELECT * FROM 'warehouse/incidents.parquet' WHERE date <= CAST(getenv('SITREP_AS_OF') AS DATE) ORDER BY date\"\n",
    );
    let output = sitrep(root)
        .args(["pull", "--as-of", "2026-11-22"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let head: String = fs::read_to_string(root.join("data/incidents.csv"))
        .unwrap()
        .lines()
        .take(2)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(head.starts_with("date,incidents_reported,"), "{head}");
    let actual = built_site(root);
    assert_eq!(
        actual.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &expected {
        assert!(actual[path] == *bytes, "{} differs", path.display());
    }
}

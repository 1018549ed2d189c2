//! The author's workflow end to end, with the real `sitrep` binary:
//! `init` → `new week` → edit → `publish` → `build`, the refusals on the
//! way, a restatement of a published week, and `serve` picking up an edit.

#[path = "common/files.rs"]
mod files;
#[path = "common/serve.rs"]
mod server;

use files::{bare_sitrep, init, ok, read, read_json as json, review_weeks, sitrep, snapshot};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;
use server::Server;
use tempfile::TempDir;

const PROGRAM: &str = "incident_resolutions";
const METRIC: &str = "incidents_reported";

/// Runs a command that must fail with status 1; returns its stderr.
fn refused(root: &Path, args: &[&str]) -> String {
    let output = sitrep(root).args(args).output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "`sitrep {}` should have failed:\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8(output.stderr).unwrap()
}

fn append(path: &Path, text: &str) {
    let mut file = fs::OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

/// A fresh `sitrep init` project and the id of its review week.
struct Site {
    temp: TempDir,
    root: PathBuf,
    week: String,
}

impl Site {
    fn init() -> Site {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().join("site");
        let output = init(&root);
        let weeks = review_weeks(&root);
        assert_eq!(weeks.len(), 1, "init creates one review week: {weeks:?}");
        let week = weeks[0].clone();
        let stdout = output.stdout;
        assert!(
            stdout.contains(&format!("review week {week}")),
            "init names its week: {stdout}"
        );
        Site { temp, root, week }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    fn narrative(&self, week: &str) -> PathBuf {
        self.path(&format!("content/reviews/{week}/{PROGRAM}.md"))
    }

    fn page(&self, relative: &str) -> String {
        read(&self.path("public").join(relative))
    }
}

/// The ISO week after `week` (`2026-W47` → `2026-W48`, `2026-W53` → `2027-W01`).
fn next_iso_week(week: &str) -> String {
    let (year, number) = week.split_once("-W").expect("an ISO week id");
    let sunday = jiff::civil::ISOWeekDate::new(
        year.parse().unwrap(),
        number.parse().unwrap(),
        jiff::civil::Weekday::Sunday,
    )
    .unwrap()
    .date();
    let next = sunday
        .checked_add(jiff::Span::new().days(7))
        .unwrap()
        .iso_week_date();
    format!("{:04}-W{:02}", next.year(), next.week())
}

fn has_draft_banner(html: &str) -> bool {
    html.contains("class=\"draft-banner\"") && html.contains("Draft")
}

/// The `incidents_reported` number of the review week in a `data.json` or
/// `numbers.json`.
fn week_value(numbers: &Value) -> f64 {
    let end = numbers["version"]["end"].as_str().unwrap();
    numbers["programs"][PROGRAM]["metrics"][METRIC]["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|period| period["end"] == end)
        .unwrap_or_else(|| panic!("no week ending {end}"))["value"]
        .as_f64()
        .unwrap()
}

#[test]
fn init_creates_a_project_that_builds_and_never_overwrites_it() {
    let site = Site::init();
    let week = &site.week;
    let created = [
        "site.yaml".to_string(),
        format!("content/programs/{PROGRAM}.yaml"),
        "data/incidents.csv".to_string(),
        format!("content/reviews/{week}/index.md"),
        format!("content/reviews/{week}/{PROGRAM}.md"),
    ];
    for file in &created {
        assert!(site.path(file).is_file(), "init did not create {file}");
    }

    ok(&site.root, &["build"]);
    for page in [
        "index.html".to_string(),
        format!("{week}/index.html"),
        format!("{week}/{PROGRAM}/index.html"),
    ] {
        assert!(site.path("public").join(&page).is_file(), "no {page}");
    }
    let week_page = site.page(&format!("{week}/index.html"));
    assert!(
        has_draft_banner(&week_page),
        "an unpublished week is a draft"
    );

    // A second init into the same folder names every clash and writes nothing.
    let before = snapshot(&site.root);
    let output = bare_sitrep().arg("init").arg(&site.root).output().unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    for file in &created {
        assert!(stderr.contains(file.as_str()), "{file} not named: {stderr}");
    }
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(snapshot(&site.root), before, "a refused init changed files");

    // One clashing file is enough to refuse, and nothing else is created.
    let other = tempfile::tempdir().unwrap();
    fs::create_dir_all(other.path().join("data")).unwrap();
    fs::write(other.path().join("data/incidents.csv"), "mine\n").unwrap();
    let output = bare_sitrep()
        .arg("init")
        .arg(other.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("data/incidents.csv"));
    let left: Vec<PathBuf> = snapshot(other.path()).into_keys().collect();
    assert_eq!(left, vec![PathBuf::from("data/incidents.csv")]);
    assert_eq!(read(&other.path().join("data/incidents.csv")), "mine\n");
}

#[test]
fn new_week_prefills_narratives_and_refuses_repeats_and_bad_ids() {
    let site = Site::init();
    let next = next_iso_week(&site.week);

    // Named: by default `new week` waits for the week's data (tests/guards.rs).
    let output = ok(&site.root, &["new", "week", &next]);
    assert!(output.stdout.contains(&next), "{}", output.stdout);
    assert_eq!(
        review_weeks(&site.root),
        vec![site.week.clone(), next.clone()]
    );
    assert!(site
        .path(&format!("content/reviews/{next}/index.md"))
        .is_file());
    let narrative = read(&site.narrative(&next));
    for expected in [
        "{{ value(\"incidents_reported\") }}",
        "{{ delta(\"incidents_reported\", \"wow\") }}",
        "## What happened",
        "## Why",
        "## What next",
        "## Asks",
    ] {
        assert!(narrative.contains(expected), "no {expected}:\n{narrative}");
    }
    // The pre-filled week builds as it is.
    ok(&site.root, &["build"]);

    let content = site.path("content");
    let before = snapshot(&content);
    let stderr = refused(&site.root, &["new", "week", &next]);
    assert!(
        stderr.contains(&next) && stderr.contains("already"),
        "{stderr}"
    );
    assert_eq!(
        snapshot(&content),
        before,
        "a refused new week changed files"
    );

    for (bad, why) in [("banana", "not an ISO week id"), ("2026-W99", "no week 99")] {
        let stderr = refused(&site.root, &["new", "week", bad]);
        assert!(stderr.contains(bad) && stderr.contains(why), "{stderr}");
        assert_eq!(snapshot(&content), before, "`new week {bad}` changed files");
    }
}

#[test]
fn edit_publish_restate_and_rebuild() {
    let site = Site::init();
    let week = site.week.clone();
    let page = format!("{week}/{PROGRAM}/index.html");

    // Edit: a sentence added to the narrative reaches the page.
    let sentence = "Backlog fell because the night shift doubled its triage.";
    append(&site.narrative(&week), &format!("\n\n{sentence}\n"));
    ok(&site.root, &["build"]);
    assert!(site.page(&page).contains(sentence));
    assert!(has_draft_banner(&site.page(&format!("{week}/index.html"))));

    // Publish freezes the week's numbers.
    let output = ok(&site.root, &["publish", &week]);
    assert!(output.stdout.contains(&week), "{}", output.stdout);
    let numbers_path = site.path(&format!("content/reviews/{week}/numbers.json"));
    let numbers = json(&numbers_path);
    assert_eq!(numbers["published"], true);
    assert_eq!(numbers["version"]["id"], week.as_str());

    ok(&site.root, &["build"]);
    assert!(!has_draft_banner(&site.page(&format!("{week}/index.html"))));
    assert!(!has_draft_banner(&site.page(&page)));
    let versions = json(&site.path("public/versions.json"));
    let entry = versions
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["id"] == week.as_str())
        .expect("the week is in versions.json");
    assert_eq!(entry["published"], true);

    // Publishing again is refused and points to --restate.
    let frozen = fs::read(&numbers_path).unwrap();
    let stderr = refused(&site.root, &["publish", &week]);
    assert!(stderr.contains("already published"), "{stderr}");
    assert!(
        stderr.contains(&format!("sitrep publish {week} --restate")),
        "{stderr}"
    );
    assert_eq!(fs::read(&numbers_path).unwrap(), frozen);

    // A week without a folder cannot be published.
    let missing = next_iso_week(&week);
    let stderr = refused(&site.root, &["publish", &missing]);
    assert!(
        stderr.contains(&missing) && stderr.contains("no review folder"),
        "{stderr}"
    );
    assert!(!site.path(&format!("content/reviews/{missing}")).exists());

    // Restatement: the week's Sunday gets 100 more incidents.
    let data = json(&site.path(&format!("public/{week}/data.json")));
    let (start, end) = (
        data["version"]["start"].as_str().unwrap().to_string(),
        data["version"]["end"].as_str().unwrap().to_string(),
    );
    let old = week_value(&data);
    let csv_path = site.path("data/incidents.csv");
    let csv = read(&csv_path);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let column = header.iter().position(|name| *name == METRIC).unwrap();
    let mut changed = false;
    let edited: String = csv
        .lines()
        .map(|line| {
            let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
            if cells[0] == end {
                let value: i64 = cells[column].parse().unwrap();
                cells[column] = (value + 100).to_string();
                changed = true;
            }
            cells.join(",") + "\n"
        })
        .collect();
    assert!(changed, "no row for {end}");
    fs::write(&csv_path, edited).unwrap();
    let new = old + 100.0;
    let reference = format!("{PROGRAM}.{METRIC}");
    let period = format!("week {start}..{end}");
    let restatement_line = |text: &str| -> Option<String> {
        text.lines()
            .find(|line| line.contains(&reference) && line.contains(&period))
            .map(str::to_string)
    };
    for command in ["build", "check"] {
        let output = ok(&site.root, &[command]);
        assert!(output.stderr.contains("restates"), "{}", output.stderr);
        let line = restatement_line(&output.stderr)
            .unwrap_or_else(|| panic!("`{command}` reports no restatement:\n{}", output.stderr));
        assert!(line.contains(&week), "{line}");
        let (old_at, new_at) = (
            line.find(&format!("published {old}")),
            line.find(&format!("now {new}")),
        );
        assert!(
            matches!((old_at, new_at), (Some(a), Some(b)) if a < b),
            "old {old} then new {new} expected: {line}"
        );
    }
    // The published week keeps its published number.
    let data = json(&site.path(&format!("public/{week}/data.json")));
    assert_eq!(week_value(&data), old);
    let shown = |value: f64| format!("data-metric=\"{reference}\">{value}<");
    assert!(site.page(&page).contains(&shown(old)));

    // --restate takes today's number on purpose.
    let output = ok(&site.root, &["publish", &week, "--restate"]);
    let line = restatement_line(&output.stdout)
        .unwrap_or_else(|| panic!("--restate prints no change:\n{}", output.stdout));
    assert!(
        line.contains(&format!("{old}")) && line.contains(&format!("{new}")),
        "{line}"
    );
    assert_eq!(week_value(&json(&numbers_path)), new);
    assert_eq!(json(&numbers_path)["published"], true);

    let output = ok(&site.root, &["build"]);
    assert!(!output.stderr.contains("restates"), "{}", output.stderr);
    assert!(
        restatement_line(&output.stderr).is_none(),
        "{}",
        output.stderr
    );
    let data = json(&site.path(&format!("public/{week}/data.json")));
    assert_eq!(week_value(&data), new);
    assert!(site.page(&page).contains(&shown(new)));
    assert!(!has_draft_banner(&site.page(&page)));
}

#[test]
fn build_prints_one_summary_line_unless_quiet() {
    let site = Site::init();
    let output = ok(&site.root, &["build", "--quiet"]);
    assert_eq!(output.stdout, "", "--quiet prints nothing on stdout");

    let output = ok(&site.root, &["build"]);
    let lines: Vec<&str> = output.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one summary line: {:?}", output.stdout);
    let line = lines[0];
    assert!(line.starts_with("Built 1 version"), "{line}");
    for part in [" page", " chart"] {
        assert!(line.contains(part), "{part} missing: {line}");
    }
    // `… in <n> ms …`
    let (before_ms, _) = line
        .split_once(" ms")
        .unwrap_or_else(|| panic!("no time: {line}"));
    let millis = before_ms.rsplit(' ').next().unwrap();
    assert!(millis.parse::<u64>().is_ok(), "{line}");
}

// --- serve ---------------------------------------------------------------

/// What `/__sitrep/status` says: the build generation and its error.
fn build_status(server: &Server) -> Option<Value> {
    serde_json::from_str(&server.page("/__sitrep/status")?).ok()
}

#[test]
fn serve_rebuilds_on_edits_and_reports_errors() {
    let site = Site::init();
    let week = site.week.clone();
    let narrative = site.narrative(&week);
    let page_path = format!("/{week}/{PROGRAM}/");
    let mut server = Server::start(&site.root, site.temp.path(), &[]);
    let page = server.page(&page_path).expect("the program page is served");
    assert!(page.contains("/__sitrep/live.js"), "no live-reload script");
    assert!(page.contains("</html>"));

    // Leaving the site folder is refused.
    for path in [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    ] {
        let response = server.get(path).expect("the server answers");
        assert_eq!(response.status, 404, "{path}");
    }
    let missing = server.get("/no-such-page/").unwrap();
    assert_eq!(missing.status, 404);

    // An edit shows up without restarting.
    let original = read(&narrative);
    let sentence = "Live reload picked up this sentence.";
    fs::write(&narrative, format!("{original}\n\n{sentence}\n")).unwrap();
    server.wait_for("the edited page", |server| {
        server
            .page(&page_path)
            .filter(|page| page.contains(sentence))
    });
    let good = build_status(&server).unwrap();
    assert!(good["error"].is_null(), "{good}");
    let generation = good["generation"].as_u64().unwrap();

    // A broken narrative: the error names file and line, the last good
    // page stays up.
    let broken = format!("{original}\n\n{sentence}\n\n{{{{ value(\"nope\") }}}}\n");
    let line = broken.lines().count();
    fs::write(&narrative, &broken).unwrap();
    let error = server.wait_for("the build error", |server| {
        build_status(server).and_then(|status| status["error"].as_str().map(str::to_string))
    });
    let place = format!("{PROGRAM}.md:{line}");
    assert!(error.contains(&place), "{place} not in {error}");
    assert!(error.contains("nope"), "{error}");
    let page = server.page(&page_path).expect("the last good page");
    assert!(page.contains(sentence));

    // Fixing it clears the error with a new build.
    fs::write(&narrative, &original).unwrap();
    let fixed = server.wait_for("the error to clear", |server| {
        build_status(server).filter(|status| status["error"].is_null())
    });
    assert!(
        fixed["generation"].as_u64().unwrap() > generation,
        "{fixed}"
    );
    server.wait_for("the restored page", |server| {
        server
            .page(&page_path)
            .filter(|page| !page.contains(sentence))
    });

    // Stop the server and make sure it is gone.
    let (status, _) = server.stop();
    assert!(!status.success());
}

//! `sitrep build --timings`, and the weekly update of a published
//! archive: a rebuild after new data checks a published week's
//! restatements again only when the data it reads (rows dated up to its
//! week's end) changed, and still finds exactly the restatements a full
//! build finds.

#[path = "common/large_site.rs"]
mod large_site;

#[path = "common/files.rs"]
mod files;

use std::fs;
use std::path::{Path, PathBuf};

use files::{sitrep, snapshot};

/// The stage names of the `--timings` table, in order.
const STAGES: [&str; 6] = ["read", "parse", "compute", "render", "write", "total"];

#[test]
fn build_timings_prints_every_stage_after_the_summary() {
    let site = tempfile::tempdir().unwrap();
    large_site::write_large_site(site.path(), 1, 3);
    let output = site.path().join("public");
    let assert = sitrep(site.path())
        .args(["build", "--timings", "--output"])
        .arg(&output)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stdout.contains("Built 3 versions"), "{stdout}");
    let stages: Vec<&str> = stderr
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|word| STAGES.contains(word))
        .collect();
    assert_eq!(stages, STAGES, "{stderr}");
    // Each stage's line carries a time in milliseconds.
    for line in stderr.lines().filter(|line| {
        line.split_whitespace()
            .next()
            .is_some_and(|word| STAGES.contains(&word) && word != "compute")
    }) {
        assert!(line.contains(" ms"), "{line}");
    }

    // Without the flag, no table.
    let assert = sitrep(site.path())
        .args(["build", "--output"])
        .arg(&output)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(!stderr.contains("Time by stage"), "{stderr}");

    // Documented in --help.
    let help = sitrep(site.path())
        .args(["build", "--help"])
        .assert()
        .success();
    let help = String::from_utf8_lossy(&help.get_output().stdout).into_owned();
    assert!(help.contains("--timings"), "{help}");
}

/// A site of 2 programs and 8 review weeks whose 7 oldest weeks are
/// published, built into an output folder that every step rebuilds.
struct Archive {
    site: tempfile::TempDir,
    outputs: tempfile::TempDir,
    step: usize,
}

/// A build's stdout and stderr.
struct Printed {
    stdout: String,
    stderr: String,
}

impl Archive {
    fn new() -> Archive {
        let site = tempfile::tempdir().unwrap();
        large_site::write_large_site(site.path(), 2, 8);
        let archive = Archive {
            site,
            outputs: tempfile::tempdir().unwrap(),
            step: 0,
        };
        let weeks = archive.weeks();
        for week in &weeks[..weeks.len() - 1] {
            sitrep(archive.root())
                .args(["publish", week])
                .assert()
                .success();
        }
        archive
    }

    fn root(&self) -> &Path {
        self.site.path()
    }

    /// The review weeks, oldest first.
    fn weeks(&self) -> Vec<String> {
        let mut weeks: Vec<String> = fs::read_dir(self.root().join("content/reviews"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        weeks.sort();
        weeks
    }

    fn build(&self, output: &Path) -> Printed {
        let assert = sitrep(self.root())
            .args(["build", "--output"])
            .arg(output)
            .env("SOURCE_DATE_EPOCH", "1764000000")
            .assert()
            .success();
        Printed {
            stdout: String::from_utf8_lossy(&assert.get_output().stdout).into_owned(),
            stderr: String::from_utf8_lossy(&assert.get_output().stderr).into_owned(),
        }
    }

    fn incremental(&self) -> PathBuf {
        self.outputs.path().join("incremental")
    }

    /// Rebuilds the incremental folder and builds into an empty one:
    /// asserts both sites are byte for byte the same and both builds
    /// report the same restatements; returns the rebuild's output.
    fn rebuild_and_compare(&mut self) -> Printed {
        self.step += 1;
        let rebuilt = self.build(&self.incremental());
        let full_output = self.outputs.path().join(format!("full-{}", self.step));
        let full = self.build(&full_output);
        let (incremental, full_site) = (snapshot(&self.incremental()), snapshot(&full_output));
        assert_eq!(
            incremental.keys().collect::<Vec<_>>(),
            full_site.keys().collect::<Vec<_>>(),
            "step {}: the incremental build has other files",
            self.step
        );
        for (path, bytes) in &incremental {
            assert!(
                *bytes == full_site[path],
                "step {}: {} differs from a full build",
                self.step,
                path.display()
            );
        }
        assert_eq!(
            restatements(&rebuilt.stderr),
            restatements(&full.stderr),
            "step {}: the rebuild and a full build report other restatements",
            self.step
        );
        rebuilt
    }

    /// Appends `days` days to every data file: the last row again, dated
    /// one day later each time.
    fn append_days(&self, days: i64) {
        for entry in fs::read_dir(self.root().join("data")).unwrap() {
            let path = entry.unwrap().path();
            let mut text = fs::read_to_string(&path).unwrap();
            let last = text.lines().last().unwrap().to_string();
            let (date, values) = last.split_once(',').unwrap();
            let date: jiff::civil::Date = date.parse().unwrap();
            for day in 1..=days {
                text.push_str(&format!(
                    "{},{values}\n",
                    sitrep::calendar::add_days(date, day)
                ));
            }
            fs::write(&path, text).unwrap();
        }
    }

    /// Replaces the `cases` of program 0 on `date` (the first number of
    /// its row) with `cases`.
    fn restate_cases(&self, date: jiff::civil::Date, cases: u64) {
        let path = self.root().join("data/program_00.csv");
        let text = fs::read_to_string(&path).unwrap();
        let prefix = format!("{date},");
        let mut found = false;
        let edited: Vec<String> = text
            .lines()
            .map(|line| match line.strip_prefix(&prefix) {
                Some(rest) => {
                    found = true;
                    let (_, others) = rest.split_once(',').unwrap();
                    format!("{date},{cases},{others}")
                }
                None => line.to_string(),
            })
            .collect();
        assert!(found, "no row dated {date}");
        fs::write(&path, edited.join("\n") + "\n").unwrap();
    }
}

/// The restatement lines a build printed, sorted.
fn restatements(stderr: &str) -> Vec<String> {
    let mut lines: Vec<String> = stderr
        .lines()
        .skip_while(|line| !line.contains("restates"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .map(|line| line.trim().to_string())
        .collect();
    lines.sort();
    lines
}

/// The `N files written` of a build's summary line.
fn written(summary: &str) -> usize {
    let (before, _) = summary
        .split_once(" file")
        .unwrap_or_else(|| panic!("no file count in {summary:?}"));
    before.rsplit('(').next().unwrap().trim().parse().unwrap()
}

#[test]
fn weekly_update_of_a_published_archive_finds_exactly_the_restatements_of_a_full_build() {
    let mut archive = Archive::new();
    let weeks = archive.weeks();
    let first = archive.rebuild_and_compare();
    assert!(first.stdout.contains("(1 draft)"), "{}", first.stdout);
    assert!(restatements(&first.stderr).is_empty(), "{}", first.stderr);

    // The weekly update: a new week and 7 more days of data. No
    // published week reads rows after its week: nothing is restated, and
    // only the two drafts' pages (and the lists of weeks) are written.
    let next = large_site::week_id_after_newest();
    files::write(
        archive.root(),
        &format!("content/reviews/{next}/index.md"),
        "# Next week\n\nCases {{ value(\"program_00.cases\") }}.\n",
    );
    archive.append_days(7);
    let update = archive.rebuild_and_compare();
    assert!(restatements(&update.stderr).is_empty(), "{}", update.stderr);
    assert!(update.stdout.contains("(2 drafts)"), "{}", update.stdout);
    assert!(written(&update.stdout) > 0, "{}", update.stdout);

    // Old data restated: a day of the third week changes. That week and
    // the published weeks after it whose 6-12 numbers read the day report
    // the change, as a full build does; the weeks before it do not.
    let third_sunday: jiff::civil::Date = large_site_week_end(&archive, &weeks[2]);
    let day = sitrep::calendar::add_days(third_sunday, -3);
    archive.restate_cases(day, 100_000);
    let restated = archive.rebuild_and_compare();
    let lines = restatements(&restated.stderr);
    assert!(
        !lines.is_empty(),
        "no restatement reported:\n{}",
        restated.stderr
    );
    assert!(
        lines.iter().any(|line| line.starts_with(&weeks[2])),
        "{lines:?}"
    );
    assert!(
        !lines
            .iter()
            .any(|line| line.starts_with(&weeks[0]) || line.starts_with(&weeks[1])),
        "{lines:?}"
    );
    assert!(
        lines.iter().all(|line| line.contains("program_00.")),
        "{lines:?}"
    );

    // Nothing changed since: the restatements are still reported, from
    // the cache.
    let again = archive.rebuild_and_compare();
    assert_eq!(restatements(&again.stderr), lines);

    // More days appended after the restatement: still the same ones.
    archive.append_days(3);
    let more = archive.rebuild_and_compare();
    assert_eq!(restatements(&more.stderr), lines);

    // The old value back: nothing is restated any more.
    let original = original_cases(&archive, day);
    archive.restate_cases(day, original);
    let back = archive.rebuild_and_compare();
    assert!(restatements(&back.stderr).is_empty(), "{}", back.stderr);
}

/// The last day of review week `id`.
fn large_site_week_end(archive: &Archive, id: &str) -> jiff::civil::Date {
    let numbers = fs::read_to_string(
        archive
            .root()
            .join("content/reviews")
            .join(id)
            .join("numbers.json"),
    )
    .unwrap();
    let numbers: serde_json::Value = serde_json::from_str(&numbers).unwrap();
    numbers["version"]["end"].as_str().unwrap().parse().unwrap()
}

/// The `cases` of program 0 on `date` in a fresh copy of the generated
/// data (the generator is deterministic).
fn original_cases(archive: &Archive, date: jiff::civil::Date) -> u64 {
    let fresh = tempfile::tempdir().unwrap();
    large_site::write_large_site(fresh.path(), 2, 8);
    let text = fs::read_to_string(fresh.path().join("data/program_00.csv")).unwrap();
    let _ = archive;
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{date},")))
        .and_then(|rest| rest.split(',').next())
        .unwrap()
        .parse()
        .unwrap()
}

//! Guards of the author's workflow (issue 16), end to end with the real
//! binary: `publish` refuses a week whose data is missing or incomplete
//! unless `--force` and warns about template text left in the narratives;
//! `new week` creates the newest week the data covers completely, with live
//! calls rather than frozen text; YAML mistakes are explained in the
//! user's terms.

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use tempfile::TempDir;

struct Output {
    success: bool,
    stdout: String,
    stderr: String,
}

fn run(root: &Path, args: &[&str]) -> Output {
    let output = Command::cargo_bin("sitrep")
        .unwrap()
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    Output {
        success: output.status.success(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// A project made by `sitrep init`, and its one review week (the newest
/// week its data covers completely).
fn init() -> (TempDir, String) {
    let temp = TempDir::new().unwrap();
    let root = temp.path().join("wbr");
    let output = Command::cargo_bin("sitrep")
        .unwrap()
        .arg("init")
        .arg(&root)
        .output()
        .unwrap();
    assert!(output.status.success());
    let week = fs::read_dir(root.join("content/reviews"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name()
        .into_string()
        .unwrap();
    (temp, week)
}

fn root(temp: &TempDir) -> std::path::PathBuf {
    temp.path().join("wbr")
}

/// The ISO week after `week` (`2026-W48` → `2026-W49`), as `sitrep` names it.
fn week_after(root: &Path, week: &str) -> String {
    // `new week` refuses with the next week's id in its help.
    let output = run(root, &["new", "week"]);
    assert!(!output.success, "{}{}", output.stdout, output.stderr);
    let start = output.stderr.find("sitrep new week ").unwrap() + "sitrep new week ".len();
    let next: String = output.stderr[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    assert_ne!(next, week);
    next
}

/// Appends 7 days of data after the CSV's last day, or 6 when
/// `skip_one` (the 4th day of the week is left out).
fn add_week_of_data(root: &Path, skip_one: bool) {
    let path = root.join("data/incidents.csv");
    let text = fs::read_to_string(&path).unwrap();
    let last = text.lines().last().unwrap().to_string();
    let (date, rest) = last.split_once(',').unwrap();
    let mut day: jiff::civil::Date = date.parse().unwrap();
    let mut text = text.clone();
    for index in 0..7 {
        day = day.tomorrow().unwrap();
        if skip_one && index == 3 {
            continue;
        }
        text.push_str(&format!("{day},{rest}\n"));
    }
    fs::write(path, text).unwrap();
}

#[test]
fn publish_refuses_a_week_without_data_unless_forced() {
    let (temp, week) = init();
    let root = &root(&temp);
    let next = week_after(root, &week);
    // Named explicitly, `new week` creates a week the data does not reach.
    let created = run(root, &["new", "week", &next]);
    assert!(created.success, "{}", created.stderr);
    let numbers = root.join(format!("content/reviews/{next}/numbers.json"));

    let refused = run(root, &["publish", &next]);
    assert!(!refused.success);
    assert!(
        refused.stderr.contains(&format!(
            "content/reviews/{next}: Incident Resolutions › Incidents reported (`incident_resolutions.incidents_reported`): 7 of the week's 7 days"
        )),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("have no data"),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains(&format!("sitrep publish {next} --force")),
        "{}",
        refused.stderr
    );
    assert!(!numbers.exists(), "nothing is frozen");

    let forced = run(root, &["publish", &next, "--force"]);
    assert!(forced.success, "{}", forced.stderr);
    assert!(numbers.exists());
}

#[test]
fn publish_refuses_a_week_with_a_missing_day() {
    let (temp, week) = init();
    let root = &root(&temp);
    let next = week_after(root, &week);
    add_week_of_data(root, true);
    assert!(run(root, &["new", "week", &next]).success);
    let refused = run(root, &["publish", &next]);
    assert!(!refused.success);
    assert!(
        refused
            .stderr
            .contains("(`incident_resolutions.incidents_reported`): 1 of the week's 7 days"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("has no data"), "{}", refused.stderr);
}

#[test]
fn publish_warns_about_template_text_by_file_and_line() {
    let (temp, week) = init();
    let root = &root(&temp);
    let output = run(root, &["publish", &week]);
    assert!(output.success, "{}", output.stderr);
    let index = format!("content/reviews/{week}/index.md");
    let program = format!("content/reviews/{week}/incident_resolutions.md");
    let line_of = |file: &str, text: &str| {
        fs::read_to_string(root.join(file))
            .unwrap()
            .lines()
            .position(|line| line.contains(text))
            .unwrap()
            + 1
    };
    let headline = line_of(&index, "Write the week's headline");
    assert!(
        output.stderr.contains(&format!(
            "warning: {index}:{headline}: the week's headline is still the template's prompt"
        )),
        "{}",
        output.stderr
    );
    let why = line_of(&program, "_Explain the variances above");
    assert!(
        output.stderr.contains(&format!(
            "warning: {program}:{why}: the \"Why\" is still the template's prompt"
        )),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.contains("an empty item under \"Asks\""),
        "{}",
        output.stderr
    );
    // A written narrative is published without a word.
    let written = "---\ntitle: Week\n---\nAll good: {{ value(\"incident_resolutions.incidents_reported\") }}.\n";
    fs::write(root.join(&index), written).unwrap();
    fs::write(
        root.join(&program),
        "Reports {{ value(\"incidents_reported\") }}.\n",
    )
    .unwrap();
    let again = run(root, &["publish", &week, "--restate"]);
    assert!(again.success, "{}", again.stderr);
    assert!(!again.stderr.contains("template"), "{}", again.stderr);
}

#[test]
fn new_week_waits_for_complete_data_and_says_why() {
    let (temp, week) = init();
    let root = &root(&temp);
    // The data ends with the newest review: no week to create yet.
    let refused = run(root, &["new", "week"]);
    assert!(!refused.success);
    assert!(
        refused.stderr.contains(&format!(
            "no week to create: the newest review is {week} and the data (ending on"
        )),
        "{}",
        refused.stderr
    );
    let next = week_after(root, &week);
    assert!(!root.join(format!("content/reviews/{next}")).exists());

    // A week of data with a gap is not complete either.
    add_week_of_data(root, true);
    assert!(!run(root, &["new", "week"]).success);
    assert!(!root.join(format!("content/reviews/{next}")).exists());

    // Complete data: the week is created, and the output says why.
    let data = root.join("data/incidents.csv");
    let text = fs::read_to_string(&data).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.truncate(lines.len() - 6);
    fs::write(&data, lines.join("\n") + "\n").unwrap();
    add_week_of_data(root, false);
    let created = run(root, &["new", "week"]);
    assert!(created.success, "{}", created.stderr);
    assert!(
        created.stdout.contains(&format!(
            "Creating week {next}: the newest week whose data is complete (the data ends on"
        )),
        "{}",
        created.stdout
    );
    // Live calls, not text frozen at creation.
    for file in ["index.md", "incident_resolutions.md"] {
        let narrative =
            fs::read_to_string(root.join(format!("content/reviews/{next}/{file}"))).unwrap();
        for frozen in [
            "None this week",
            "No data",
            "when this file was created",
            "— Amber",
            "— Red",
            "— Green",
        ] {
            assert!(!narrative.contains(frozen), "{file}: {frozen}\n{narrative}");
        }
        assert!(narrative.contains("{{ value(\""), "{narrative}");
    }
    // And it publishes without a refusal.
    let published = run(root, &["publish", &next]);
    assert!(published.success, "{}", published.stderr);
}

#[test]
fn yaml_mistakes_are_explained_in_the_users_terms() {
    let (temp, _week) = init();
    let root = &root(&temp);
    let program = root.join("content/programs/incident_resolutions.yaml");
    let good = fs::read_to_string(&program).unwrap();
    // An indentation mistake: a metric's keys at the level of metric ids.
    fs::write(
        &program,
        good.replacen(
            "  incidents_reported:\n    name:",
            "  incidents_reported:\n  name:",
            1,
        ),
    )
    .unwrap();
    let output = run(root, &["check"]);
    assert!(!output.success);
    assert!(
        output
            .stderr
            .contains("`name:` is a key of a metric but is indented like a metric id"),
        "{}",
        output.stderr
    );
    fs::write(&program, &good).unwrap();
    let site = root.join("site.yaml");
    let settings = fs::read_to_string(&site).unwrap();
    fs::write(
        &site,
        settings.replace(
            "fiscal_year_end_month: 12",
            "fiscal_year_end_month: 99999999999999999999",
        ),
    )
    .unwrap();
    let output = run(root, &["check"]);
    assert!(!output.success);
    assert!(
        output
            .stderr
            .contains("should be a month: a number from 1 to 12 or a month name"),
        "{}",
        output.stderr
    );
    fs::write(&site, &settings).unwrap();
    let narrative = fs::read_dir(root.join("content/reviews"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
        .join("index.md");
    fs::write(&narrative, "---\njust a line\n---\nBody\n").unwrap();
    let output = run(root, &["check"]);
    assert!(!output.success);
    assert!(
        output
            .stderr
            .contains("should be front matter: `key: value` lines"),
        "{}",
        output.stderr
    );
    for jargon in ["struct ", "enum ", "any value", "u8", "i64", "variant"] {
        assert!(!output.stderr.contains(jargon), "{}", output.stderr);
    }
}

#[test]
fn every_bad_call_of_a_narrative_is_listed_with_its_column_and_choices() {
    let (temp, week) = init();
    let root = &root(&temp);
    let narrative = root.join(format!("content/reviews/{week}/incident_resolutions.md"));
    fs::write(
        &narrative,
        "Reports {{ value(\"incidents_reportd\") }} and\n\
         handle time {{ value(\"handle_time\") }}.\n\
         \n\
         {{ chart(\"Volume and backlog\") }}\n",
    )
    .unwrap();
    let output = run(root, &["check"]);
    assert!(!output.success);
    let file = format!("content/reviews/{week}/incident_resolutions.md");
    // Both unknown metrics and the unknown chart, each at its line and column.
    assert!(
        output.stderr.contains(&format!(
            "{file}:1:9: program `incident_resolutions` has no metric `incidents_reportd` (did you mean `incidents_reported`?)"
        )),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.contains(&format!(
            "{file}:2:13: program `incident_resolutions` has no metric `handle_time`"
        )),
        "{}",
        output.stderr
    );
    // The help lists the program's metrics, nearest first.
    assert!(
        output
            .stderr
            .contains("help: the metrics of incident_resolutions, nearest first: handle_minutes, "),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.contains(&format!(
            "{file}:4:1: `Volume and backlog` is neither a chart title of the deck of `incident_resolutions` nor one of its metrics"
        )),
        "{}",
        output.stderr
    );
    assert!(
        output
            .stderr
            .contains("this program's deck has no chart titles"),
        "{}",
        output.stderr
    );
    assert!(
        output.stderr.contains("3 errors found"),
        "{}",
        output.stderr
    );
}

#[test]
fn restatements_show_numbers_as_the_pages_do() {
    let (temp, week) = init();
    let root = &root(&temp);
    assert!(run(root, &["publish", &week]).success);
    // A late fix to the week's last day: fewer incidents resolved within SLA.
    let data = root.join("data/incidents.csv");
    let text = fs::read_to_string(&data).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let sla = header
        .iter()
        .position(|name| *name == "resolved_within_sla")
        .unwrap();
    let last = lines.len() - 1;
    let mut cells: Vec<String> = lines[last].split(',').map(str::to_string).collect();
    cells[sla] = "0".to_string();
    lines[last] = cells.join(",");
    fs::write(&data, lines.join("\n") + "\n").unwrap();
    let output = run(root, &["build"]);
    assert!(output.success, "{}", output.stderr);
    let line = output
        .stderr
        .lines()
        .find(|line| line.contains("incident_resolutions.resolution_sla_attainment, week"))
        .unwrap_or_else(|| panic!("{}", output.stderr))
        .to_string();
    // `published 87.8%, now 80.1%`, never `published 0.8778135048231511`.
    let (_, numbers) = line.split_once(": published ").unwrap();
    let (published, now) = numbers.split_once(", now ").unwrap();
    for shown in [published, now] {
        assert!(shown.ends_with('%'), "{line}");
        let digits = shown.trim_end_matches('%');
        let decimals = digits
            .split_once('.')
            .map_or(0, |(_, decimals)| decimals.len());
        assert!(decimals <= 2, "{line}");
    }
}

#[test]
fn build_warns_about_a_missing_day_in_a_draft_week() {
    let (temp, week) = init();
    let root = &root(&temp);
    let clean = run(root, &["build"]);
    assert!(clean.success, "{}", clean.stderr);
    assert!(!clean.stderr.contains("warning"), "{}", clean.stderr);
    // The week's Thursday goes missing from the export.
    let data = root.join("data/incidents.csv");
    let text = fs::read_to_string(&data).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let thursday = lines[lines.len() - 4]
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let kept: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|line| !line.starts_with(&thursday))
        .collect();
    fs::write(&data, kept.join("\n") + "\n").unwrap();
    for command in ["build", "check"] {
        let output = run(root, &[command]);
        assert!(output.success, "{}", output.stderr);
        assert!(
            output.stderr.contains(&format!(
                "warning: data/incidents.csv: no value on {thursday} for `handle_minutes`, `incidents_reported`"
            )) && output.stderr.contains(&format!("in draft week {week}")),
            "`{command}`:\n{}",
            output.stderr
        );
    }
}

#[test]
fn an_unknown_where_value_lists_the_values_in_the_data() {
    let (temp, _week) = init();
    let root = &root(&temp);
    fs::write(
        root.join("data/contacts.csv"),
        "date,metric,value,channel\n2026-11-23,contacts,5,email\n2026-11-23,contacts,7,chat\n2026-11-23,contacts,9,phone\n",
    )
    .unwrap();
    let program = root.join("content/programs/incident_resolutions.yaml");
    let text = fs::read_to_string(&program).unwrap().replacen(
        "metrics:\n",
        "metrics:\n  contacts_phone: { column: contacts, where: { channel: phon } }\n",
        1,
    );
    fs::write(&program, text).unwrap();
    let output = run(root, &["check"]);
    assert!(!output.success);
    assert!(
        output.stderr.contains("no rows of `contacts` in data/contacts.csv have channel = phon")
            && output.stderr.contains(
                "help: the rows of `contacts` have these `channel` values, nearest first: phone, chat, email"
            ),
        "{}",
        output.stderr
    );
}

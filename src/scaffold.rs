//! `sitrep init` and `sitrep new week`: new site projects and new review
//! weeks, pre-filled so that they build at once. Neither ever overwrites a
//! file.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use jiff::civil::Date;

use crate::calendar::{add_days, Calendar, ReviewWeek};
use crate::compute::{compute_review, ExceptionKind, ReviewNumbers};
use crate::error::{Diagnostic, Diagnostics, Error};
use crate::load::{Site, SITE_FILE};

/// Files created by a command, site-relative.
#[derive(Debug, Clone)]
pub struct Created {
    pub week: Option<String>,
    pub files: Vec<PathBuf>,
    /// Worth knowing, not wrong: a week whose data has not arrived yet.
    pub warnings: Vec<String>,
    /// Why `new week` chose the week it did, when none was named.
    pub reason: Option<String>,
}

/// Writes `files` under `root`, or nothing at all when any of them cannot
/// be written (see [`crate::confined::create_new_files`]).
fn create_all(root: &Path, files: &[(PathBuf, String)]) -> Result<Vec<PathBuf>, Error> {
    let dir = crate::confined::open_root(root)?;
    crate::confined::create_new_files(&dir, root, files)
}

/// The folders of a site project that `sitrep init` creates: one already
/// there (other than an empty folder) means the folder holds a project, or
/// part of one, that init would mix its files into.
const PROJECT_FOLDERS: [&str; 3] = ["content", "data", "themes"];

/// Creates a new site project in `root`: one program with a handful of
/// metrics, 65 weeks of daily data up to the last complete week before
/// `today`, and that week's review, ready to build.
pub fn init(root: &Path, today: Date) -> Result<Created, Error> {
    let calendar = Calendar::default();
    let this_week = calendar.week_of(today);
    let last_complete = calendar.weeks_before(this_week, 1);
    let week = calendar.review_week(last_complete);
    let mut files = vec![
        (PathBuf::from(SITE_FILE), INIT_SITE.to_string()),
        (
            PathBuf::from("content/programs/incident_resolutions.yaml"),
            INIT_PROGRAM.to_string(),
        ),
        (
            PathBuf::from("data/incidents.csv"),
            example_csv(last_complete.end),
        ),
        (PathBuf::from(".gitignore"), "/public/\n".to_string()),
    ];
    // The schemas the first lines of site.yaml and the program file point
    // editors at.
    for kind in crate::schema::SchemaKind::ALL {
        files.push((
            PathBuf::from(crate::schema::SCHEMA_FOLDER).join(kind.file_name()),
            kind.text(),
        ));
    }
    let narratives = [
        PathBuf::from("content/reviews")
            .join(&week.id)
            .join("index.md"),
        PathBuf::from("content/reviews")
            .join(&week.id)
            .join("incident_resolutions.md"),
    ];
    // Everything is checked before anything is written.
    if root.exists() {
        let dir = crate::confined::open_root(root)?;
        let mut problems: Vec<Diagnostic> = PROJECT_FOLDERS
            .iter()
            .filter(|folder| {
                dir.symlink_metadata(folder).is_ok()
                    && !dir
                        .read_dir(folder)
                        .is_ok_and(|mut entries| entries.next().is_none())
            })
            .map(|folder| {
                Diagnostic::new(
                    folder,
                    "already exists; sitrep init makes a new project and never mixes its files into another",
                )
                .with_help("run sitrep init in a new or empty folder")
            })
            .collect();
        let all: Vec<(PathBuf, String)> = files
            .iter()
            .cloned()
            .chain(narratives.iter().map(|path| (path.clone(), String::new())))
            .collect();
        if let Err(Error::Input(more)) = crate::confined::check_new_files(&dir, &all) {
            problems.extend(more.0);
        }
        if !problems.is_empty() {
            return Err(Diagnostics(problems).into());
        }
    }
    // The review's narratives need the numbers: they are made in a
    // scratch project of the same files, then everything is written at
    // once.
    let scratch = tempfile::tempdir().map_err(|error| {
        Error::io(
            "cannot create a temporary folder in",
            std::env::temp_dir(),
            error,
        )
    })?;
    for (path, contents) in &files {
        let target = scratch.path().join(path);
        fs::create_dir_all(target.parent().unwrap_or(scratch.path()))
            .and_then(|()| fs::write(&target, contents))
            .map_err(|error| Error::io("cannot write", &target, error))?;
    }
    let review = new_week(scratch.path(), Some(&week.id))?;
    for path in &review.files {
        let target = scratch.path().join(path);
        let contents = fs::read_to_string(&target)
            .map_err(|error| Error::io("cannot read", &target, error))?;
        files.push((path.clone(), contents));
    }
    fs::create_dir_all(root).map_err(|error| Error::io("cannot create", root, error))?;
    let created = create_all(root, &files)?;
    Ok(Created {
        week: Some(week.id),
        files: created,
        warnings: review.warnings,
        reason: None,
    })
}

/// Creates the folder of review `week` (default: the week after the newest
/// review, or the newest complete week of data) with an executive
/// `index.md` and one narrative per program, pre-filled from the week's
/// numbers.
pub fn new_week(root: &Path, week: Option<&str>) -> Result<Created, Error> {
    let site = Site::load(root)?;
    let calendar = &site.config.calendar;
    let mut chosen = None;
    let week = match week {
        Some(id) => calendar.parse_week_id(id).map_err(|message| {
            Diagnostics::from(Diagnostic::new(
                PathBuf::from("content/reviews").join(id),
                message,
            ))
        })?,
        None => {
            let (week, reason) = newest_complete_week(&site)?;
            chosen = Some(reason);
            week
        }
    };
    let folder = PathBuf::from("content/reviews").join(&week.id);
    if root.join(&folder).join("index.md").exists()
        || site.reviews.iter().any(|review| review.week.id == week.id)
    {
        return Err(Diagnostics::from(
            Diagnostic::new(
                &folder,
                format!("week {} already has a review folder", week.id),
            )
            .with_help("edit its narratives, or name another week: `sitrep new week <week-id>`"),
        )
        .into());
    }
    let numbers = compute_review(&site, &week);
    let latest = site
        .data_files
        .iter()
        .filter_map(|file| file.last_date)
        .max();
    let warnings = match latest {
        Some(latest) if latest >= week.week.end => Vec::new(),
        Some(latest) => vec![format!(
            "the data ends on {latest}, before week {} does ({}): its numbers stay incomplete until the week's data is in data/",
            week.id, week.week.end
        )],
        None => vec!["there is no data yet: add CSV files to data/".to_string()],
    };
    let mut files = vec![(
        folder.join("index.md"),
        executive_narrative(&site, &numbers),
    )];
    for program in &site.programs {
        files.push((
            folder.join(format!("{}.md", program.id)),
            program_narrative(&site, &numbers, &program.id),
        ));
    }
    Ok(Created {
        week: Some(week.id),
        files: create_all(root, &files)?,
        warnings,
        reason: chosen,
    })
}

/// How many weeks before the data's last day `new week` looks for one whose
/// data is complete.
const COMPLETE_WEEK_SEARCH: i64 = 8;

/// The newest week whose data is complete for every metric, and a sentence
/// saying why it was chosen; an error when that week already has a review
/// (the next one's data has not all arrived) or no recent week is complete.
fn newest_complete_week(site: &Site) -> Result<(ReviewWeek, String), Error> {
    let calendar = &site.config.calendar;
    let latest = site
        .data_files
        .iter()
        .filter_map(|file| file.last_date)
        .max();
    let Some(latest) = latest else {
        let week = calendar.weeks_before(calendar.week_of(jiff::ZonedDateTime::now().date()), 1);
        let week = calendar.review_week(week);
        let reason = format!(
            "week {}: the last week that has ended (there is no data yet)",
            week.id
        );
        return Ok((week, reason));
    };
    let newest_review = site.reviews.last().map(|review| review.week.week.end);
    let mut week = calendar.week_of(latest);
    for _ in 0..COMPLETE_WEEK_SEARCH {
        if newest_review.is_some_and(|end| week.end <= end) {
            break;
        }
        let review_week = calendar.review_week(week);
        let incomplete =
            crate::pipeline::incomplete_review_week(&compute_review(site, &review_week));
        if incomplete.is_empty() {
            let reason = format!(
                "week {}: the newest week whose data is complete (the data ends on {latest})",
                review_week.id
            );
            return Ok((review_week, reason));
        }
        week = calendar.weeks_before(week, 1);
    }
    let next = match site.reviews.last() {
        Some(newest) => calendar.review_week(calendar.weeks_before(newest.week.week, -1)),
        None => calendar.review_week(calendar.week_of(latest)),
    };
    let why = match site.reviews.last() {
        Some(newest) => format!(
            "the newest review is {} and the data (ending on {latest}) does not cover week {} completely yet",
            newest.week.id, next.id
        ),
        None => format!("no week up to the data's last day ({latest}) has complete data"),
    };
    Err(Diagnostics::from(
        Diagnostic::new("content/reviews", format!("no week to create: {why}"))
            .with_help(format!(
                "add the week's data to data/ (`sitrep pull`), or create it anyway: `sitrep new week {}`",
                next.id
            )),
    )
    .into())
}

/// Text `new week` writes for the owner to replace, and what it asks for.
const PLACEHOLDERS: [(&str, &str); 3] = [
    (
        "_Explain the variances above",
        "the \"Why\" is still the template's prompt",
    ),
    (
        "Write the week's headline for leadership here",
        "the week's headline is still the template's prompt",
    ),
    ("Why:", "an exception has no \"Why\" yet"),
];

/// The lines of a narrative still holding `new week`'s template text (its
/// prompts, an exception without its why, empty "What next" and "Asks"
/// items), as warnings naming file and line.
pub fn placeholders(narrative: &crate::load::narrative::Narrative) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let mut section = "";
    for (index, line) in narrative.body.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(heading) = trimmed.strip_prefix("## ") {
            section = heading.trim();
            continue;
        }
        let what = PLACEHOLDERS
            .iter()
            .find(|(text, _)| {
                if *text == "Why:" {
                    trimmed.ends_with(text)
                } else {
                    trimmed.contains(text)
                }
            })
            .map(|(_, what)| what.to_string())
            .or_else(|| {
                matches!(trimmed, "-" | "- [ ]" | "* [ ]" | "*")
                    .then(|| format!("an empty item under \"{section}\""))
            });
        if let Some(what) = what {
            found.push(
                Diagnostic::new(
                    &narrative.path,
                    format!("{what}: the template text of `sitrep new week` is published as is"),
                )
                .at_line(Some(narrative.body_line + index))
                .with_help("write it, or delete the line"),
            );
        }
    }
    found
}

fn kind_words(kind: ExceptionKind) -> &'static str {
    match kind {
        ExceptionKind::SlaBreach => "SLA breach",
        ExceptionKind::Red => "red",
        ExceptionKind::UnusualMove => "unusual move",
    }
}

/// The metrics a narrative leads with: the program's key metrics, else its
/// first three rated ones.
fn headline_metrics(numbers: &ReviewNumbers, program: &str) -> Vec<String> {
    let Some(program) = numbers.programs.get(program) else {
        return Vec::new();
    };
    let key: Vec<String> = program
        .metrics
        .iter()
        .filter(|(_, metric)| metric.key)
        .map(|(id, _)| id.clone())
        .collect();
    if !key.is_empty() {
        return key;
    }
    program
        .metrics
        .iter()
        .filter(|(_, metric)| metric.status.is_some())
        .take(3)
        .map(|(id, _)| id.clone())
        .collect()
}

/// One bullet with a metric's number, changes and (when rated) status.
fn metric_line(numbers: &ReviewNumbers, program: &str, metric: &str, reference: &str) -> String {
    let Some(metric_numbers) = numbers
        .programs
        .get(program)
        .and_then(|program| program.metrics.get(metric))
    else {
        return String::new();
    };
    let mut line = format!(
        "- {}: {{{{ value(\"{reference}\") }}}} ({{{{ delta(\"{reference}\", \"wow\") }}}} WoW, {{{{ delta(\"{reference}\", \"yoy\") }}}} YoY)",
        markdown_text(&metric_numbers.name)
    );
    if metric_numbers.target.is_some() {
        let _ = write!(
            line,
            ", target {{{{ value(\"{reference}\", \"target\") }}}}"
        );
    }
    if metric_numbers.status.is_some() {
        let _ = write!(line, " {{{{ status(\"{reference}\") }}}}");
    }
    line.push('\n');
    line
}

/// Text from YAML placed in markdown: neither markdown nor template syntax.
fn markdown_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '{' | '}' | '%' | '|' | '!'
        ) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.replace('\n', " ")
}

/// YAML front matter values, quoted.
fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialise")
}

fn executive_narrative(site: &Site, numbers: &ReviewNumbers) -> String {
    let id = &numbers.version.id;
    let mut text = format!(
        "---\ntitle: {}\nauthor: \"\"\n---\n\n",
        yaml_string(&format!("Weekly business review — week {id}"))
    );
    // No status or "none this week" in the text: they would be frozen at
    // this moment, while the page's status grid and exceptions stay live.
    text.push_str(
        "_Write the week's headline for leadership here: what happened, why, and what you need._\n\n",
    );
    if !numbers.exceptions.is_empty() {
        text.push_str("## Exceptions\n\n");
    }
    for exception in &numbers.exceptions {
        let reference = format!("{}.{}", exception.program, exception.metric);
        let program_name = site
            .program(&exception.program)
            .map_or(exception.program.as_str(), |program| program.name.as_str());
        let _ = writeln!(
            text,
            "- **{}** ({}), {}: {{{{ value(\"{reference}\") }}}} ({{{{ delta(\"{reference}\", \"wow\") }}}} WoW). Why:",
            markdown_text(&exception.metric_name),
            markdown_text(program_name),
            kind_words(exception.kind)
        );
    }
    text.push_str("\n## Programs\n\n");
    for program in &site.programs {
        let Some(program_numbers) = numbers.programs.get(&program.id) else {
            continue;
        };
        if program_numbers.metrics.is_empty() {
            continue;
        }
        let _ = writeln!(text, "### {}\n", markdown_text(&program.name));
        for metric in headline_metrics(numbers, &program.id) {
            text.push_str(&metric_line(
                numbers,
                &program.id,
                &metric,
                &format!("{}.{metric}", program.id),
            ));
        }
        text.push('\n');
    }
    text.push_str("## Asks\n\n- \n");
    text
}

fn program_narrative(site: &Site, numbers: &ReviewNumbers, program_id: &str) -> String {
    let program = site
        .program(program_id)
        .expect("narratives are written for the site's programs");
    let id = &numbers.version.id;
    let program_numbers = &numbers.programs[program_id];
    let mut text = format!(
        "---\ntitle: {}\nauthor: {}\n---\n\n",
        yaml_string(&format!("{} — week {id}", program.name)),
        yaml_string(&program.owner)
    );
    text.push_str("## What happened\n\n");
    for metric in headline_metrics(numbers, program_id) {
        text.push_str(&metric_line(numbers, program_id, &metric, &metric));
    }
    if !program_numbers.exceptions.is_empty() {
        text.push_str("\nExceptions:\n\n");
        for exception in &program_numbers.exceptions {
            text.push_str(
                &metric_line(numbers, program_id, &exception.metric, &exception.metric).replacen(
                    "- ",
                    &format!("- {}: ", kind_words(exception.kind)),
                    1,
                ),
            );
        }
    }
    text.push_str(
        "\n## Why\n\n_Explain the variances above: what drove them, and is it over?_\n\n",
    );
    text.push_str("## What next\n\n- [ ] \n\n## Asks\n\n- \n");
    text
}

const INIT_SITE: &str = "\
# yaml-language-server: $schema=schemas/site.schema.json
# sitrep site settings; the README lists every option.
title: Trust & Safety — Weekly Business Review
week_ends_on: sunday          # ISO weeks, Monday to Sunday
fiscal_year_end_month: 12     # the fiscal year is the calendar year
output: public
";

const INIT_PROGRAM: &str = "\
# yaml-language-server: $schema=../../schemas/program.schema.json
name: Incident Resolutions
owner: Your Name
summary: Resolve safety incidents between customers quickly and fairly.
metrics:
  incidents_reported:
    name: Incidents reported
    column: incidents_reported
    aggregate: sum
    better: down
    key: true
  incidents_resolved:
    name: Incidents resolved
    column: incidents_resolved
  resolved_within_sla:
    name: Resolved within SLA
    column: resolved_within_sla
  resolution_sla_attainment:
    name: Resolution SLA attainment
    divide: [resolved_within_sla, incidents_resolved]
    unit: percent
    better: up
    target: 0.9
    compare: bps
    sla: true
    key: true
  open_backlog:
    name: Open backlog
    column: open_backlog
    aggregate: last
    better: down
    target: 250
  handle_minutes:
    name: Average handle time
    column: handle_minutes
    aggregate: mean
    unit: minutes
    better: down
    target: 40
initiatives:
  - name: Write the first weekly review
    owner: Your Name
    status: on_track
";

/// 455 days (65 weeks) of plausible daily data ending on `last_day`, from
/// a fixed formula: the same dates always give the same file.
fn example_csv(last_day: Date) -> String {
    let mut csv = String::from("date,incidents_reported,incidents_resolved,resolved_within_sla,open_backlog,handle_minutes\n");
    let mut backlog: i64 = 200;
    for back in (0..455).rev() {
        let date = add_days(last_day, -back);
        let day = i64::from(date.day_of_year());
        let weekend = matches!(
            date.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        );
        // A small deterministic wobble instead of randomness.
        let wobble = ((day * 37 + i64::from(date.year()) * 11) % 17) - 8;
        let reported = if weekend { 52 } else { 40 } + wobble;
        let resolved = reported - wobble / 2 + 1;
        let within = resolved * 9 / 10 + (wobble % 3);
        backlog = (backlog + reported - resolved).clamp(150, 400);
        let minutes = 36.0 + (wobble as f64) * 0.4;
        let _ = writeln!(
            csv,
            "{date},{reported},{resolved},{within},{backlog},{minutes:.1}"
        );
    }
    csv
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_files_point_editors_at_their_schemas() {
        use crate::schema::SchemaKind;
        assert!(INIT_SITE.starts_with(&format!("{}\n", SchemaKind::Site.modeline())));
        assert!(INIT_PROGRAM.starts_with(&format!("{}\n", SchemaKind::Program.modeline())));
    }

    #[test]
    fn markdown_text_is_inert() {
        assert_eq!(
            markdown_text("A_b {{ x }} <i>"),
            "A\\_b \\{\\{ x \\}\\} \\<i\\>"
        );
    }

    #[test]
    fn example_data_ends_on_the_given_day() {
        let csv = example_csv(jiff::civil::date(2026, 11, 22));
        assert_eq!(csv.lines().count(), 456);
        assert!(csv.lines().last().unwrap().starts_with("2026-11-22,"));
        assert!(csv.lines().nth(1).unwrap().starts_with("2025-08-25,"));
    }
}

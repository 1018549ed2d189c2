//! Planning an import: every file it would write (site.yaml, the program,
//! copied CSVs and annotations, query sources, the first review week),
//! checked all at once, then written all at once or not at all.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::calendar::{weekday_name, Calendar};
use crate::error::{Diagnostic, Diagnostics, Error};
use crate::load::SITE_FILE;

use super::config::{AnnotationSource, DataSource, Place, WbrConfig};
use super::map::{map_program, yaml_text, DataShape, Note};

/// What an import did.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The site folder.
    pub dir: PathBuf,
    /// Whether the site is new (else a program was added to one).
    pub new_site: bool,
    pub program: String,
    /// The first review week's id.
    pub week: String,
    /// The files created, relative to `dir`.
    pub files: Vec<PathBuf>,
    /// What was not converted, and why: `config.yaml:12:5: what: why`.
    pub not_converted: Vec<String>,
    /// What the user does next.
    pub next: Vec<String>,
}

/// The files planned, relative to the site folder.
struct Plan {
    files: Vec<(PathBuf, String)>,
    notes: Vec<Note>,
    next: Vec<String>,
}

impl Plan {
    fn add(&mut self, path: PathBuf, contents: String) {
        self.files.push((path, contents));
    }

    fn has(&self, path: &Path) -> bool {
        self.files.iter().any(|(planned, _)| planned == path)
    }

    fn note(&mut self, place: Option<Place>, what: impl Into<String>, why: impl Into<String>) {
        self.notes.push(Note {
            place,
            what: what.into(),
            why: why.into(),
        });
    }
}

/// A name for files and ids: letters, digits, `-` and `_`.
fn file_id(text: &str) -> String {
    let id: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let id = id.trim_matches('_').to_string();
    if id.is_empty() {
        "wbr".to_string()
    } else {
        id
    }
}

fn is_url(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("s3://")
}

/// The header of a CSV text, without a BOM.
fn header_of(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .next()
        .and_then(Result::ok)
        .map(|record| {
            record
                .iter()
                .map(|field| field.trim().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Reads a file to copy, as text.
fn read_copy(path: &Path, from: &Path, place: Place, errors: &mut Diagnostics) -> Option<String> {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(_) => {
                errors.push(
                    Diagnostic::new(path, "is not UTF-8 text")
                        .with_help("save it as UTF-8 (CSV UTF-8 in spreadsheet programs)"),
                );
                None
            }
        },
        // A file named on the command line has no place in the config.
        Err(error) if place.line == 0 => {
            errors.push(
                Diagnostic::new(path, format!("cannot read: {error}"))
                    .with_help("check the path given to --csv"),
            );
            None
        }
        Err(error) => {
            errors.push(
                Diagnostic::new(from, format!("cannot read {}: {error}", path.display()))
                    .at(place.line, place.column)
                    .with_help("paths are taken relative to the config's folder"),
            );
            None
        }
    }
}

/// Imports the wbr-app config `config_path` into the site folder `dir`
/// (a new one, or an existing site that gains a program), with the CSV
/// files `csv` (wbr-app's uploaded data) copied into `data/`.
pub fn import(
    config: &WbrConfig,
    config_text_path: &Path,
    dir: &Path,
    csv: &[PathBuf],
) -> Result<Imported, Error> {
    let config_dir = config_text_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let label = PathBuf::from(
        config_text_path
            .file_name()
            .unwrap_or(config_text_path.as_os_str()),
    );
    let stem = config_text_path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "wbr".to_string());
    let mut errors = Diagnostics(Vec::new());
    let mut plan = Plan {
        files: Vec::new(),
        notes: Vec::new(),
        next: Vec::new(),
    };

    // The site: an existing one keeps its calendar.
    let site_file = dir.join(SITE_FILE);
    let existing = if site_file.is_file() {
        let text = std::fs::read_to_string(&site_file)
            .map_err(|error| Error::io("cannot read", &site_file, error))?;
        let site = crate::load::config::parse_site_config(&text, &site_file)
            .map_err(|problems| Error::Input(Diagnostics(problems)))?;
        Some((site.calendar, text))
    } else {
        None
    };
    let new_site = existing.is_none();
    let week_ending = config.setup.week_ending;
    let fiscal = config.setup.fiscal_year_end_month;
    let calendar = match &existing {
        Some((calendar, _)) => {
            if calendar.week_ends_on != week_ending.weekday() {
                plan.note(
                    Some(config.setup.place),
                    format!("`week_ending: {}`", config.setup.week_ending_text),
                    format!(
                        "the site's weeks end on {}, wbr-app's on {}: the review week is the site's week holding {week_ending}, and weekly numbers cover other days",
                        weekday_name(calendar.week_ends_on),
                        weekday_name(week_ending.weekday())
                    ),
                );
            }
            if let Some((month, place)) = fiscal {
                if month != calendar.fiscal_year_end_month {
                    plan.note(
                        Some(place),
                        "`fiscal_year_end_month`",
                        "the site's own fiscal year is kept (site.yaml is never changed)",
                    );
                }
            }
            *calendar
        }
        None => Calendar {
            week_ends_on: week_ending.weekday(),
            fiscal_year_end_month: fiscal.map_or(12, |(month, _)| month),
        },
    };
    let week = calendar.review_week(calendar.week_of(week_ending));
    let program_id = file_id(&stem);
    let program_name = config
        .setup
        .title
        .clone()
        .filter(|title| !title.trim().is_empty())
        .unwrap_or_else(|| stem.clone());

    for (key, text, place) in &config.setup.other {
        let why = match key.as_str() {
            "week_number" => "sitrep names a week by its ISO week (2021-W38) when weeks end on Sunday, else by its last day (2021-09-25)",
            "block_starting_number" => "sitrep does not number blocks; programs are separate pages",
            "tooltip" => "sitrep's charts always show the values on hover",
            _ => "sitrep reads no connections file: the queries run with `sitrep pull` against site.yaml's `database:`",
        };
        plan.note(Some(*place), format!("`{key}: {text}`"), why);
    }
    for (key, place) in &config.unknown {
        plan.note(
            Some(*place),
            format!("`{key}`"),
            "not a key of wbr-app's config",
        );
    }

    // Data: the CSV sources, the CSVs given on the command line, queries.
    let mut prefixes = Vec::new();
    let mut columns: HashSet<String> = HashSet::new();
    let mut column_files: HashMap<String, PathBuf> = HashMap::new();
    let mut has_queries = false;
    let mut copies: Vec<(PathBuf, PathBuf, Place)> = Vec::new(); // (from, to, place)
    for source in &config.data_sources {
        match source {
            DataSource::Csv {
                name,
                url_or_path,
                place,
            } => {
                prefixes.push(name.clone());
                if is_url(url_or_path) {
                    plan.note(
                        Some(*place),
                        format!("CSV source `{name}` ({url_or_path})"),
                        format!(
                            "a build reads only files: download it into data/{}.csv",
                            file_id(name)
                        ),
                    );
                    has_queries = true; // its columns cannot be checked
                    continue;
                }
                copies.push((
                    config_dir.join(url_or_path),
                    PathBuf::from("data").join(format!("{}.csv", file_id(name))),
                    *place,
                ));
            }
            DataSource::Query {
                connection,
                name,
                query,
                place,
            } => {
                prefixes.push(name.clone());
                has_queries = true;
                let path = PathBuf::from("sources").join(format!("{}.sql", file_id(name)));
                plan.add(
                    path.clone(),
                    format!(
                        "-- Query `{name}` of the connection `{connection}` in wbr-app's config.\n-- `sitrep pull` runs it against site.yaml's `database:` and writes data/{}.csv.\n{}\n",
                        file_id(name),
                        query.trim_end()
                    ),
                );
                plan.note(
                    Some(*place),
                    format!("query `{name}` of `{connection}`"),
                    format!("database sources are not read by a build: use `sitrep pull` ({} runs against site.yaml's `database: {{ url_env: … }}`, PostgreSQL's protocol; for Snowflake or Athena, make it an executable source)", path.display()),
                );
            }
        }
    }
    for path in csv {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "data.csv".to_string());
        let stem = name.strip_suffix(".csv").unwrap_or(&name);
        copies.push((
            path.clone(),
            PathBuf::from("data").join(format!("{}.csv", file_id(stem))),
            Place::default(),
        ));
    }
    for (from, to, place) in &copies {
        let Some(text) = read_copy(from, &config.path, *place, &mut errors) else {
            continue;
        };
        let header = header_of(&text);
        if !header
            .iter()
            .any(|column| column.eq_ignore_ascii_case("date"))
        {
            errors.push(
                Diagnostic::new(from, "has no `Date` column")
                    .at_line(Some(1))
                    .with_help("wbr-app and sitrep read a daily CSV with a `Date` column"),
            );
            continue;
        }
        for column in header
            .iter()
            .filter(|column| !column.eq_ignore_ascii_case("date"))
        {
            if let Some(other) = column_files.get(column) {
                if other != to {
                    plan.note(
                        None,
                        format!("column `{column}` of {}", from.display()),
                        format!(
                            "{} has it too; sitrep reads a column from one file only: rename one",
                            other.display()
                        ),
                    );
                }
            }
            column_files.insert(column.clone(), to.clone());
            columns.insert(column.clone());
        }
        if plan.has(to) {
            errors.push(
                Diagnostic::new(
                    from,
                    format!("would be copied to {}, like another file", to.display()),
                )
                .with_help("give the CSV files different names"),
            );
            continue;
        }
        plan.add(to.clone(), text);
    }
    if copies.is_empty() && !has_queries {
        plan.note(
            None,
            "the data",
            "the config names no CSV file (wbr-app's is uploaded in its page): copy it into data/, or import again with --csv FILE",
        );
    }
    let data = DataShape {
        prefixes,
        columns: (!has_queries && !copies.is_empty()).then_some(columns),
    };

    // Annotations.
    let mut annotation_files = Vec::new();
    for source in &config.annotations {
        match source {
            AnnotationSource::Csv { url_or_path, place } if is_url(url_or_path) => plan.note(
                Some(*place),
                format!("annotations {url_or_path}"),
                "a build reads only files: download it into data/ and list it under `annotations:` in site.yaml",
            ),
            AnnotationSource::Csv { url_or_path, place } => {
                let from = config_dir.join(url_or_path);
                let Some(text) = read_copy(&from, &config.path, *place, &mut errors) else {
                    continue;
                };
                let name = from
                    .file_stem()
                    .map(|stem| file_id(&stem.to_string_lossy()))
                    .unwrap_or_else(|| "annotations".to_string());
                let to = if new_site && annotation_files.is_empty() {
                    PathBuf::from("data/annotations.csv")
                } else {
                    PathBuf::from("data/annotations").join(format!(
                        "{}{name}.csv",
                        if new_site { String::new() } else { format!("{program_id}_") }
                    ))
                };
                if plan.has(&to) {
                    errors.push(Diagnostic::new(&from, format!("would be copied to {}, like another file", to.display())).with_help("give the annotation files different names"));
                    continue;
                }
                plan.add(to.clone(), text);
                annotation_files.push(to);
            }
            AnnotationSource::Query { name, place } => plan.note(
                Some(*place),
                format!("annotation query `{name}`"),
                "database sources are not read by a build: make it a `sitrep pull` source writing a CSV (Date,MetricName,EventDescription) and list that under `annotations:` in site.yaml",
            ),
        }
    }
    if !new_site && !annotation_files.is_empty() {
        plan.next.push(format!(
            "list {} under `annotations:` in site.yaml (import never changes it)",
            annotation_files
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    // The program.
    let mapped = match map_program(config, &program_name, &data, &label) {
        Ok(mapped) => Some(mapped),
        Err(problems) => {
            errors.extend(problems);
            None
        }
    };
    if !errors.is_empty() {
        return Err(errors.into_result(()).unwrap_err().into());
    }
    let mapped = mapped.expect("no errors");
    plan.notes.extend(mapped.notes);
    let program_path = PathBuf::from("content/programs").join(format!("{program_id}.yaml"));
    plan.add(program_path, mapped.yaml);

    // The site.
    if new_site {
        let mut site = format!(
            "# Imported from {} by `sitrep import wbr-app`.\ntitle: {}\nweek_ends_on: {}\nfiscal_year_end_month: {}\n",
            label.display(),
            yaml_text(config.setup.title.as_deref().unwrap_or("Weekly Business Review")),
            weekday_name(calendar.week_ends_on).to_ascii_lowercase(),
            calendar.fiscal_year_end_month
        );
        if !annotation_files.is_empty() {
            let _ = writeln!(
                site,
                "annotations: [{}]",
                annotation_files
                    .iter()
                    .map(|path| yaml_text(&path.display().to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        plan.add(PathBuf::from(SITE_FILE), site);
        plan.add(PathBuf::from(".gitignore"), "/public/\n".to_string());
    }

    // The first review week.
    let folder = PathBuf::from("content/reviews").join(&week.id);
    let program_narrative = format!(
        "---\ntitle: {}\nauthor: unassigned\n---\n\n## What happened\n\n_Explain the variances above: what moved, why, and what comes next._\n",
        yaml_text(&format!("{program_name} — week {}", week.id))
    );
    let week_folder = dir.join(&folder);
    if week_folder.join("numbers.json").exists() {
        plan.note(
            None,
            format!("review week {}", week.id),
            "the site has already published it: no narrative was added; the program shows from the next week on".to_string(),
        );
    } else {
        if !week_folder.join("index.md").exists() {
            plan.add(
                folder.join("index.md"),
                format!(
                    "---\ntitle: {}\nauthor: unassigned\n---\n\n_Write the week's headline for leadership here: what happened, why, and what you need._\n",
                    yaml_text(&format!("Weekly business review — week {}", week.id))
                ),
            );
        }
        plan.add(folder.join(format!("{program_id}.md")), program_narrative);
    }
    plan.next.push(format!(
        "name an owner in content/programs/{program_id}.yaml (`owner: unassigned`)"
    ));
    if has_queries {
        plan.next
            .push("run `sitrep pull` to fetch the database sources into data/".to_string());
    }
    plan.next.push("sitrep build".to_string());

    // Check everything, then write everything.
    if dir.exists() {
        let root = crate::confined::open_root(dir)?;
        crate::confined::check_new_files(&root, &plan.files)?;
    }
    std::fs::create_dir_all(dir).map_err(|error| Error::io("cannot create", dir, error))?;
    let root = crate::confined::open_root(dir)?;
    let files = crate::confined::create_new_files(&root, dir, &plan.files)?;
    // One line per kind of note: the same `y_scaling` on ten rows is one
    // thing to know, at its first place, with the other lines named.
    let mut grouped: Vec<(&Note, Vec<usize>)> = Vec::new();
    for note in &plan.notes {
        match grouped
            .iter_mut()
            .find(|(first, _)| first.what == note.what && first.why == note.why)
        {
            Some((_, lines)) => lines.extend(note.place.map(|place| place.line)),
            None => grouped.push((note, Vec::new())),
        }
    }
    let not_converted = grouped
        .into_iter()
        .map(|(note, more)| {
            let also = match more.as_slice() {
                [] => String::new(),
                lines => format!(
                    " (also line{} {})",
                    if lines.len() == 1 { "" } else { "s" },
                    lines
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            match note.place {
                Some(place) if place.line > 0 => format!(
                    "{}:{}:{}: {}: {}{also}",
                    label.display(),
                    place.line,
                    place.column,
                    note.what,
                    note.why
                ),
                _ => format!("{}: {}{also}", note.what, note.why),
            }
        })
        .collect();
    Ok(Imported {
        dir: dir.to_path_buf(),
        new_site,
        program: program_id,
        week: week.id,
        files,
        not_converted,
        next: plan.next,
    })
}

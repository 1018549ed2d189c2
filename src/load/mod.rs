//! Loading a site project: every input file is read and parsed once, every
//! problem found is reported together, and programs are bound to the data
//! columns they name.

pub mod annotations;
pub mod breakdown;
pub mod config;
pub mod data;
pub mod deck;
pub mod events;
pub mod inputs;
pub mod narrative;
pub mod program;
pub mod stream;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::calendar::{Calendar, ReviewWeek};
use crate::compute::ReviewNumbers;
use crate::error::{closest, Diagnostic, Diagnostics, Error};
use config::SiteConfig;
use data::{DailySeries, DataFile, DataSet};
use deck::DeckBlock;
use events::EventMeasure;
use inputs::{link_outside, InputFiles, ReadError, DATA_FOLDER, PROGRAMS_FOLDER, REVIEWS_FOLDER};
use narrative::Narrative;
use program::{
    Aggregate, Grain, Initiative, MetricDefinition, MetricSource, ProgramDefinition,
    TargetDefinition, Unit,
};

use crate::render::format::NumberFormat;

/// Parses YAML like [`crate::yaml::parse`], making sure the error also says
/// what to do: syntax and type errors come without a suggestion.
pub(crate) fn parse_yaml<T: serde::de::DeserializeOwned>(
    text: &str,
    path: &Path,
) -> Result<T, Diagnostic> {
    crate::yaml::parse(text, path).map_err(|error| match error.help {
        Some(_) => error,
        None => {
            let help = yaml_help(&error.message);
            error.with_help(help)
        }
    })
}

/// What to do about a YAML error serde_yaml gives no suggestion for.
fn yaml_help(message: &str) -> String {
    if let Some(field) = message
        .split_once("missing field `")
        .and_then(|(_, rest)| rest.split_once('`'))
        .map(|(field, _)| field)
    {
        return format!("add `{field}:`; it is required");
    }
    if message.contains("invalid type: ") || message.contains("invalid value: ") {
        if let Some((_, expected)) = message.rsplit_once(", expected ") {
            let expected = match expected.trim() {
                "f64" | "f32" | "i64" | "i32" | "a number" => "a number",
                "u8" => "a whole number from 0 to 255",
                "a boolean" => "`true` or `false`",
                "a string" => "text (in quotes if YAML would read it as a list, number or mapping)",
                other => other,
            };
            return format!("write {expected} here");
        }
    }
    if message.contains("a target must be") {
        return "e.g. `target: 0.95` or `target: { column: <target column> }`".to_string();
    }
    if message.contains("untagged enum") {
        return "check this value against the README's description of the key".to_string();
    }
    if message.contains("duplicate") {
        return "remove or rename one of the two entries".to_string();
    }
    "fix the YAML syntax here: check the indentation, the `: ` after each key, and that every quote and bracket is closed".to_string()
}

/// The name of the site's configuration file, at the site root.
pub const SITE_FILE: &str = "site.yaml";

/// A loaded site project: everything a build needs, already parsed.
#[derive(Debug, Clone)]
pub struct Site {
    /// The site root as given (messages use paths relative to it).
    pub root: PathBuf,
    pub config: SiteConfig,
    /// In file-name order.
    pub programs: Vec<Program>,
    /// Oldest first.
    pub reviews: Vec<Review>,
    pub data_files: Vec<DataFile>,
    /// The site's own theme folder, when `site.yaml` names one.
    pub theme: Option<ThemeFiles>,
    /// Every annotation, by date (each program holds its own too).
    pub annotations: Vec<annotations::Annotation>,
    /// Problems that do not stop a build, such as a review week that has no
    /// data yet.
    pub warnings: Vec<Diagnostic>,
}

/// A program bound to its data.
#[derive(Debug, Clone)]
pub struct Program {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub summary: Option<String>,
    pub metrics: Vec<Metric>,
    pub initiatives: Vec<Initiative>,
    /// The program's WBR deck; `None` gives every metric a 6-12 chart.
    pub deck: Option<Vec<DeckBlock>>,
    /// The metrics the deck splits `by` a dimension, each (metric,
    /// dimension) once.
    pub breakdowns: Vec<breakdown::Breakdown>,
    /// Site-relative path of the program's YAML file.
    pub path: String,
    /// A hash of the program's YAML text.
    pub fingerprint: u64,
    /// The annotations that explain its charts (its metrics', its own and
    /// the site-wide ones), by date.
    pub annotations: Vec<annotations::Annotation>,
}

impl Program {
    pub fn metric(&self, id: &str) -> Option<&Metric> {
        self.metrics
            .iter()
            .find(|metric| metric.definition.id == id)
    }
}

/// A metric with the data it reads.
#[derive(Debug, Clone)]
pub struct Metric {
    pub definition: MetricDefinition,
    /// The daily (or weekly/monthly) values of a column metric; `None` for
    /// derived metrics.
    pub series: Option<DailySeries>,
    /// The rows of an event metric; `None` for other metrics.
    pub events: Option<std::sync::Arc<crate::compute::events::EventMetric>>,
    pub target: Option<Target>,
}

/// A metric's target with its data.
#[derive(Debug, Clone)]
pub enum Target {
    Constant(f64),
    Series {
        series: DailySeries,
        aggregate: Aggregate,
    },
}

/// The files of a theme folder `themes/<name>/`, read once.
#[derive(Debug, Clone, Default)]
pub struct ThemeFiles {
    pub name: String,
    /// Template name (relative to `templates/`, `/`-separated), its
    /// site-relative path, and its source.
    pub templates: Vec<(String, String, String)>,
    /// Static file name (relative to `static/`) and its bytes.
    pub static_files: Vec<(String, Vec<u8>)>,
}

/// One review version: a folder `content/reviews/<week-id>/`.
#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub week: ReviewWeek,
    /// The week's executive narrative (`index.md`), if written.
    pub summary: Option<Narrative>,
    /// Program narratives, by program id.
    pub narratives: Vec<Narrative>,
    /// The numbers frozen by `sitrep publish`; `None` for a draft (or
    /// when the load plan skipped them).
    pub frozen: Option<ReviewNumbers>,
    /// Whether the folder has published numbers.
    pub published: bool,
    /// Whether the narratives were loaded (see [`LoadPlan`]).
    pub loaded: bool,
}

/// What a load may leave out: the parts of review versions whose pages
/// the last build made from the same inputs.
#[derive(Debug, Clone, Default)]
pub struct LoadPlan {
    /// Review folders whose narratives are not parsed.
    pub skip_narratives: HashSet<String>,
    /// Review folders whose published numbers are not parsed.
    pub skip_numbers: HashSet<String>,
}

/// The file in a review folder that holds its published numbers.
pub const NUMBERS_FILE: &str = "numbers.json";

impl Site {
    /// Loads the site project at `root`, all of it.
    pub fn load(root: &Path) -> Result<Site, Error> {
        Site::from_inputs(&InputFiles::read(root)?, &LoadPlan::default())
    }

    /// Parses and checks the site from its files, leaving out what `plan`
    /// says is not needed.
    pub fn from_inputs(inputs: &InputFiles, plan: &LoadPlan) -> Result<Site, Error> {
        let root = inputs.root.as_path();
        let mut errors = Diagnostics::default();
        let config = match &inputs.config {
            Ok(config) => config.clone(),
            Err(problems) => {
                problems
                    .iter()
                    .for_each(|problem| errors.push(problem.clone()));
                SiteConfig::default()
            }
        };

        if let Some(link) = link_outside(root, &config.output) {
            errors.push(
                Diagnostic::new(
                    &link,
                    "the output folder is reached through this link to a place outside the site project; sitrep writes only inside it",
                )
                .with_help("remove the link, or choose another `output:` folder in site.yaml"),
            );
        }
        let theme = config
            .theme
            .as_ref()
            .and_then(|name| load_theme(inputs, name, &mut errors));
        // Programs first: the columns their `where` clauses and breakdowns
        // name are dimensions of wide files even when all numbers.
        let mut program_errors = Diagnostics::default();
        let (definitions, program_files) = load_programs(inputs, &mut program_errors);
        let dimensions = dimension_names(&definitions);
        let errors_before_data = errors.len();
        let annotation_files = config.annotation_files();
        let data = load_data(
            inputs,
            &config.events,
            &dimensions,
            &annotation_files,
            &mut errors,
        );
        // A data file with errors has no columns yet: metrics reading them
        // are checked once it loads, instead of reporting missing columns.
        let data_complete = errors.len() == errors_before_data;
        errors.extend(program_errors);
        let event_sources = load_event_sources(inputs, &config, &definitions, &mut errors);
        let annotations =
            load_annotations(inputs, &config, &definitions, &program_files, &mut errors);
        let reviews = load_reviews(inputs, &config, &program_files, plan, &mut errors);
        let mut programs = Vec::with_capacity(definitions.len());
        let mut warnings = Vec::new();
        for (definition, path) in definitions {
            match bind_program(
                definition,
                &path,
                &data,
                data_complete,
                &config.calendar,
                &event_sources,
            ) {
                Ok(mut program) => {
                    warnings.extend(percent_warnings(&program, &data));
                    program.annotations = annotations
                        .iter()
                        .filter(|note| note.program.as_ref().is_none_or(|id| *id == program.id))
                        .cloned()
                        .collect();
                    programs.push(program);
                }
                Err(problems) => problems
                    .into_iter()
                    .for_each(|problem| errors.push(problem)),
            }
        }

        let latest_data = data
            .files
            .iter()
            .filter_map(|file| file.last_date)
            .chain(
                event_sources
                    .tables
                    .values()
                    .filter_map(|table| table.last_day),
            )
            .max();
        for review in &reviews {
            if latest_data.is_none_or(|latest| latest < review.week.week.start) {
                warnings.push(
                    Diagnostic::new(format!("content/reviews/{}", review.week.id), format!(
                        "no data file has data for week {} ({} to {}); its numbers will all be missing",
                        review.week.id, review.week.week.start, review.week.week.end
                    ))
                    .with_help("add the week's data to data/ before publishing it"),
                );
            } else if !review.published {
                warnings.extend(review_week_gaps(&data, &review.week));
            }
        }
        errors
            .into_result(Site {
                root: root.to_path_buf(),
                config,
                programs,
                reviews,
                data_files: data.files,
                theme,
                annotations,
                warnings,
            })
            .map_err(Error::from)
    }

    pub fn program(&self, id: &str) -> Option<&Program> {
        self.programs.iter().find(|program| program.id == id)
    }
}

fn load_theme(inputs: &InputFiles, name: &str, errors: &mut Diagnostics) -> Option<ThemeFiles> {
    let folder = format!("themes/{name}");
    if !inputs.root.join(&folder).is_dir() {
        errors.push(
            Diagnostic::new(SITE_FILE, format!("`theme: {name}` names a folder that does not exist: {folder}"))
                .with_help(format!("create {folder}/templates/ and {folder}/static/ with the files to override, or remove `theme:` to use the built-in theme")),
        );
        return None;
    }
    let mut theme = ThemeFiles {
        name: name.to_string(),
        ..ThemeFiles::default()
    };
    let relative_name = |path: &Path, base: &str| {
        path.strip_prefix(base)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let templates_folder = format!("{folder}/templates");
    for path in inputs.list(&templates_folder, Some("html"), errors) {
        match inputs.bytes(&path) {
            Ok(bytes) => match String::from_utf8(bytes.to_vec()) {
                Ok(source) => theme.templates.push((
                    relative_name(&path, &templates_folder),
                    path.to_string_lossy().replace('\\', "/"),
                    source,
                )),
                Err(_) => errors.push(
                    Diagnostic::new(&path, "the template is not valid UTF-8 text")
                        .with_help("save it as UTF-8"),
                ),
            },
            Err(ReadError::Missing) => {}
            Err(ReadError::Diagnostic(diagnostic)) => errors.push(diagnostic),
        }
    }
    let static_folder = format!("{folder}/static");
    for path in inputs.list(&static_folder, None, errors) {
        match inputs.bytes(&path) {
            Ok(bytes) => theme
                .static_files
                .push((relative_name(&path, &static_folder), bytes.to_vec())),
            Err(ReadError::Missing) => {}
            Err(ReadError::Diagnostic(diagnostic)) => errors.push(diagnostic),
        }
    }
    Some(theme)
}

/// How many columns or dates a gap warning names before "and N more".
const GAPS_SHOWN: usize = 5;

/// Warnings for the data files that lack days of a draft review week: one
/// per file, naming its columns and dates without a value. A dimension
/// group counts from its first row; a file that has no day of the week at
/// all is named too (its data may not have arrived).
fn review_week_gaps(data: &DataSet, week: &crate::calendar::ReviewWeek) -> Vec<Diagnostic> {
    let period = week.week;
    // File index → (column names, missing dates).
    let mut gaps: BTreeMap<usize, (Vec<String>, BTreeSet<jiff::civil::Date>)> = BTreeMap::new();
    for column in data.columns.values() {
        // Each column is met once (the data set holds one per name): its
        // name is listed on its first gap, without searching the list.
        let mut named = false;
        for part in &column.parts {
            let Some(first) = part.series.dates().next() else {
                continue;
            };
            let mut missing = Vec::new();
            for (offset, value) in part.series.days(period).enumerate() {
                let day = period.start + jiff::Span::new().days(offset as i64);
                if value.is_none() && day >= first {
                    missing.push(day);
                }
            }
            if missing.is_empty() {
                continue;
            }
            let entry = gaps.entry(column.file).or_default();
            if !named {
                entry.0.push(column.name.clone());
                named = true;
            }
            entry.1.extend(missing);
        }
    }
    let list = |items: Vec<String>| {
        let more = items.len().saturating_sub(GAPS_SHOWN);
        let mut text = items
            .into_iter()
            .take(GAPS_SHOWN)
            .collect::<Vec<_>>()
            .join(", ");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text
    };
    gaps.into_iter()
        .filter_map(|(file, (columns, dates))| {
            let path = &data.files.get(file)?.path;
            Some(
                Diagnostic::new(
                    path,
                    format!(
                        "no value on {} for {}, in draft week {} ({} to {}): the week's numbers that read {} stay incomplete",
                        list(dates.iter().map(ToString::to_string).collect()),
                        list(columns.iter().map(|name| format!("`{name}`")).collect()),
                        week.id,
                        period.start,
                        period.end,
                        if columns.len() == 1 { "it" } else { "them" }
                    ),
                )
                .with_help("add the missing rows (or re-run `sitrep pull`) before `sitrep publish`"),
            )
        })
        .collect()
}

/// The names the programs' `where` clauses and breakdowns (`by`) pick rows
/// by: in a wide file these columns are dimensions.
fn dimension_names(definitions: &[(ProgramDefinition, PathBuf)]) -> HashSet<String> {
    let mut names = HashSet::new();
    for (definition, _) in definitions {
        for metric in &definition.metrics {
            if let MetricSource::Column { filter, .. } = &metric.source {
                names.extend(filter.iter().map(|(key, _)| key.clone()));
            }
        }
        for block in definition.deck.iter().flatten() {
            if let DeckBlock::Breakdown { by, .. } = block {
                names.insert(by.clone());
            }
        }
    }
    names
}

fn load_data(
    inputs: &InputFiles,
    event_sources: &[events::EventSourceConfig],
    dimensions: &HashSet<String>,
    annotation_files: &[PathBuf],
    errors: &mut Diagnostics,
) -> DataSet {
    let mut files = inputs.list(DATA_FOLDER, Some("csv"), errors);
    // Event exports are read by their sources, not as daily series.
    files.retain(|path| !event_sources.iter().any(|source| source.contains(path)));
    // Annotations are notes, not series.
    files.retain(|path| !annotation_files.contains(path));
    let parsed: Vec<_> = files
        .par_iter()
        .map(|path| {
            let open = || {
                inputs.open(path).map_err(|error| match error {
                    ReadError::Missing => {
                        Diagnostic::new(path, "the file disappeared while loading")
                    }
                    ReadError::Diagnostic(diagnostic) => diagnostic,
                })
            };
            data::parse_csv_streamed(&open, path, dimensions, stream::piece_bytes())
        })
        .collect();
    let mut data = DataSet::default();
    for (result, path) in parsed.into_iter().zip(&files) {
        match result {
            Ok(file) => data
                .add(file, path)
                .into_iter()
                .for_each(|error| errors.push(error)),
            Err(problems) => problems.into_iter().for_each(|error| errors.push(error)),
        }
    }
    data
}

/// The program definitions that parse, and the ids of every program file
/// (so that a narrative of a program with errors is not also reported).
fn load_programs(
    inputs: &InputFiles,
    errors: &mut Diagnostics,
) -> (Vec<(ProgramDefinition, PathBuf)>, Vec<String>) {
    let files = inputs.list(PROGRAMS_FOLDER, Some("yaml"), errors);
    /// What becomes of one program file, in file order.
    enum Step<'a> {
        Problem(Diagnostic),
        Parse(String, &'a str, PathBuf),
    }
    let mut steps = Vec::with_capacity(files.len());
    let mut ids = Vec::new();
    // Ids in lower case: `Inc` and `inc` would be one folder on macOS and
    // Windows.
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for path in files {
        let id = path
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default();
        ids.push(id.clone());
        if let Some(first) = seen.get(&id.to_lowercase()) {
            steps.push(Step::Problem(same_name(&path, first, "program id")));
            continue;
        }
        seen.insert(id.to_lowercase(), path.clone());
        let bytes = match inputs.bytes(&path) {
            Ok(bytes) => bytes,
            Err(ReadError::Missing) => continue,
            Err(ReadError::Diagnostic(diagnostic)) => {
                steps.push(Step::Problem(diagnostic));
                continue;
            }
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            steps.push(Step::Problem(
                Diagnostic::new(&path, "the file is not valid UTF-8 text")
                    .with_help("save it as UTF-8"),
            ));
            continue;
        };
        steps.push(Step::Parse(id, text, path));
    }
    // Parsed in parallel (YAML is the slow part of loading the programs),
    // reported in file order.
    let parsed: Vec<Result<(ProgramDefinition, PathBuf), Vec<Diagnostic>>> = steps
        .into_par_iter()
        .map(|step| match step {
            Step::Problem(diagnostic) => Err(vec![diagnostic]),
            Step::Parse(id, text, path) => {
                program::parse_program(&id, text, &path).map(|definition| (definition, path))
            }
        })
        .collect();
    let mut programs = Vec::new();
    for result in parsed {
        match result {
            Ok(program) => programs.push(program),
            Err(problems) => problems.into_iter().for_each(|error| errors.push(error)),
        }
    }
    if programs.is_empty() && errors.is_empty() {
        errors.push(
            Diagnostic::new("content/programs", "the site has no programs").with_help(
                "add a program definition such as content/programs/incident_resolutions.yaml",
            ),
        );
    }
    (programs, ids)
}

/// The error for `path` when `first` has the same name (in any case).
fn same_name(path: &Path, first: &Path, what: &str) -> Diagnostic {
    let first_name = first.file_name().unwrap_or_default().to_string_lossy();
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let how = if first_name == name {
        "the same".to_string()
    } else {
        "the same but for case (one name on macOS and Windows)".to_string()
    };
    Diagnostic::new(
        path,
        format!("its {what} is {how} as that of {}", first.display()),
    )
    .with_help("rename or remove one of the two")
}

fn load_reviews(
    inputs: &InputFiles,
    config: &SiteConfig,
    programs: &[String],
    plan: &LoadPlan,
    errors: &mut Diagnostics,
) -> Vec<Review> {
    if let Some(problem) = &inputs.reviews_problem {
        errors.push(problem.clone());
    }
    let mut reviews = Vec::new();
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for name in &inputs.review_folders {
        let relative = PathBuf::from(REVIEWS_FOLDER).join(name);
        if let Some(first) = seen.get(&name.to_lowercase()) {
            errors.push(same_name(&relative, first, "week folder name"));
            continue;
        }
        seen.insert(name.to_lowercase(), relative.clone());
        let week = match config.calendar.parse_week_id(name) {
            Ok(week) => week,
            Err(message) => {
                let example = if config.calendar.is_iso() {
                    "`2026-W47`"
                } else {
                    "the week's last day, e.g. `2026-11-21`"
                };
                errors.push(Diagnostic::new(&relative, message).with_help(format!(
                    "name each folder of content/reviews/ after its week: {example}"
                )));
                continue;
            }
        };
        if week.id != *name {
            errors.push(
                Diagnostic::new(
                    &relative,
                    format!("`{name}` should be written `{}`", week.id),
                )
                .with_help(format!("rename the folder to {}", week.id)),
            );
            continue;
        }
        let mut summary = None;
        let mut narratives = Vec::new();
        let paths = if plan.skip_narratives.contains(name) {
            Vec::new()
        } else {
            inputs.list(&relative.to_string_lossy(), Some("md"), errors)
        };
        let mut narrative_paths: HashMap<String, PathBuf> = HashMap::new();
        for path in paths {
            let stem = path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_default();
            if let Some(first) = narrative_paths.get(&stem.to_lowercase()) {
                errors.push(same_name(&path, first, "narrative's name"));
                continue;
            }
            narrative_paths.insert(stem.to_lowercase(), path.clone());
            let program = (stem != "index").then(|| stem.clone());
            if program.is_some() && !programs.contains(&stem) {
                let ids: Vec<&str> = programs.iter().map(String::as_str).collect();
                let mut diagnostic = Diagnostic::new(
                    &path,
                    format!("`{stem}` is not a program, so this narrative has no page"),
                );
                diagnostic = match closest(&stem, ids.iter().copied()) {
                    Some(suggestion) => diagnostic.with_help(format!("did you mean {suggestion}.md?")),
                    None => diagnostic.with_help("name program narratives after a file of content/programs/, and the executive narrative index.md"),
                };
                errors.push(diagnostic);
                continue;
            }
            let text = match inputs.bytes(&path) {
                Ok(bytes) => match std::str::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(_) => {
                        errors.push(
                            Diagnostic::new(&path, "the file is not valid UTF-8 text")
                                .with_help("save it as UTF-8"),
                        );
                        continue;
                    }
                },
                Err(ReadError::Missing) => continue,
                Err(ReadError::Diagnostic(diagnostic)) => {
                    errors.push(diagnostic);
                    continue;
                }
            };
            match narrative::parse_narrative(text, &path, program) {
                Ok(narrative) if narrative.program.is_none() => summary = Some(narrative),
                Ok(narrative) => narratives.push(narrative),
                Err(diagnostic) => errors.push(diagnostic),
            }
        }
        let numbers_path = relative.join(NUMBERS_FILE);
        let published = !matches!(inputs.bytes(&numbers_path), Err(ReadError::Missing));
        let frozen = if plan.skip_numbers.contains(name) {
            None
        } else {
            read_frozen_numbers(inputs, &numbers_path, &week, errors)
        };
        reviews.push(Review {
            loaded: !plan.skip_narratives.contains(name),
            week,
            summary,
            narratives,
            frozen,
            published,
        });
    }
    reviews.sort_by(|a, b| a.week.cmp(&b.week));
    reviews
}

/// Reads a review's published numbers, if it has been published.
pub fn read_frozen_numbers(
    inputs: &InputFiles,
    path: &Path,
    week: &ReviewWeek,
    errors: &mut Diagnostics,
) -> Option<ReviewNumbers> {
    let bytes = match inputs.read_whole(path) {
        Ok(bytes) => bytes,
        Err(ReadError::Missing) => return None,
        Err(ReadError::Diagnostic(diagnostic)) => {
            errors.push(diagnostic);
            return None;
        }
    };
    match serde_json::from_slice::<ReviewNumbers>(&bytes) {
        Ok(mut numbers) if numbers.version.id == week.id => {
            numbers.compare_again();
            Some(ReviewNumbers {
                published: true,
                ..numbers
            })
        }
        Ok(numbers) => {
            errors.push(
                Diagnostic::new(
                    path,
                    format!(
                        "these are the numbers of week {}, not {}",
                        numbers.version.id, week.id
                    ),
                )
                .with_help(format!(
                    "run `sitrep publish {} --restate` to freeze this week's own numbers",
                    week.id
                )),
            );
            None
        }
        Err(error) => {
            errors.push(
                Diagnostic::new(
                    path,
                    format!("the published numbers cannot be read: {error}"),
                )
                .at(error.line(), error.column())
                .with_help(format!(
                    "restore the file from version control, or run `sitrep publish {} --restate`",
                    week.id
                )),
            );
            None
        }
    }
}

/// The site's event sources, loaded with the columns the programs use.
#[derive(Default)]
struct EventSources {
    tables: std::collections::HashMap<String, Arc<events::EventTable>>,
    /// Rows sorted by a timestamp, per (source, column), shared by the
    /// metrics that place rows by it.
    indexes: std::sync::Mutex<
        std::collections::HashMap<(String, String), Arc<crate::compute::events::TimeIndex>>,
    >,
}

impl EventSources {
    fn index(
        &self,
        table: &events::EventTable,
        column: &str,
    ) -> Option<Arc<crate::compute::events::TimeIndex>> {
        let times = table.timestamps(column)?;
        let mut indexes = self
            .indexes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Some(
            indexes
                .entry((table.name.clone(), column.to_string()))
                .or_insert_with(|| Arc::new(crate::compute::events::TimeIndex::new(times)))
                .clone(),
        )
    }
}

/// Reads every event source with the columns its metrics use, checking
/// each metric's source and columns first (errors at the metric's line).
fn load_event_sources(
    inputs: &InputFiles,
    config: &SiteConfig,
    programs: &[(ProgramDefinition, PathBuf)],
    errors: &mut Diagnostics,
) -> EventSources {
    use events::ColumnKind;
    let mut sources = EventSources::default();
    if config.events.is_empty()
        && !programs.iter().any(|(program, _)| {
            program
                .metrics
                .iter()
                .any(|metric| matches!(metric.source, MetricSource::Events(_)))
        })
    {
        return sources;
    }
    let data_files = inputs.list(DATA_FOLDER, None, &mut Diagnostics::default());
    let mut headers: std::collections::HashMap<&str, (Vec<PathBuf>, Vec<String>)> =
        std::collections::HashMap::new();
    for source in &config.events {
        let files: Vec<PathBuf> = data_files
            .iter()
            .filter(|path| source.contains(path))
            .filter(|path| {
                let name = path.to_string_lossy().to_ascii_lowercase();
                name.ends_with(".csv") || name.ends_with(".csv.gz")
            })
            .cloned()
            .collect();
        if files.is_empty() {
            errors.push(
                Diagnostic::new(
                    SITE_FILE,
                    format!(
                        "event source `{}` has no files: nothing at {} ends in .csv or .csv.gz",
                        source.name,
                        source.path.display()
                    ),
                )
                .at_line(source.line)
                .with_help("export the events there, or correct `path:`"),
            );
            continue;
        }
        let mut header = Vec::new();
        for path in &files {
            if let Ok(reader) = inputs.open(path) {
                if let Ok(found) = events::read_header(reader, path) {
                    for name in found {
                        if !header.contains(&name) {
                            header.push(name);
                        }
                    }
                }
            }
        }
        headers.insert(source.name.as_str(), (files, header));
    }
    // What each source must load: column → kind, and the (start, end)
    // pairs whose order is checked.
    let mut needs: std::collections::HashMap<&str, indexmap::IndexMap<String, ColumnKind>> =
        std::collections::HashMap::new();
    let mut pairs: std::collections::HashMap<&str, Vec<(String, String)>> =
        std::collections::HashMap::new();
    for (program, path) in programs {
        for metric in &program.metrics {
            let MetricSource::Events(query) = &metric.source else {
                continue;
            };
            let at = |message: String, help: String| {
                Diagnostic::new(path, format!("metric `{}`: {message}", metric.id))
                    .at_line(metric.line)
                    .with_help(help)
            };
            let Some(source) = config
                .events
                .iter()
                .find(|source| source.name == query.source)
            else {
                let help = match closest(&query.source, config.events.iter().map(|source| source.name.as_str())) {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None => "declare it in site.yaml, e.g. `events: { tickets: { path: data/tickets/, id: ticket_id } }`".to_string(),
                };
                errors.push(at(
                    format!(
                        "`events: {}` is not an event source of site.yaml",
                        query.source
                    ),
                    help,
                ));
                continue;
            };
            let Some((_, header)) = headers.get(source.name.as_str()) else {
                continue;
            };
            if query.placed_by(source.at.as_deref()).is_none() {
                errors.push(at(
                    format!(
                        "nothing says which timestamp places a row of `{}` in a period",
                        source.name
                    ),
                    "add `at: <timestamp column>` to the metric, or to the source in site.yaml"
                        .to_string(),
                ));
                continue;
            }
            let wanted = needs.entry(source.name.as_str()).or_default();
            for (column, kind) in query.columns(source.at.as_deref()) {
                if !header.contains(&column) {
                    let help = match closest(&column, header.iter().map(String::as_str)) {
                        Some(suggestion) => format!("did you mean `{suggestion}`?"),
                        None => format!(
                            "the columns of `{}` are: {}",
                            source.name,
                            header.join(", ")
                        ),
                    };
                    errors.push(at(
                        format!("event source `{}` has no column `{column}`", source.name),
                        help,
                    ));
                    continue;
                }
                match wanted.get(&column).copied() {
                    None => {
                        wanted.insert(column, kind);
                    }
                    Some(found) if found == kind => {}
                    Some(found) if found != ColumnKind::Timestamp && kind != ColumnKind::Timestamp => {
                        wanted.insert(column, ColumnKind::Number);
                    }
                    Some(found) => errors.push(at(
                        format!("column `{column}` of `{}` is read as {} here but as {} by another metric", source.name, kind.describe(), found.describe()),
                        "a column holds either timestamps or values; check the column names".to_string(),
                    )),
                }
            }
            if let EventMeasure::Duration { start, end, .. } | EventMeasure::Open { start, end } =
                &query.measure
            {
                let list = pairs.entry(source.name.as_str()).or_default();
                if !list.contains(&(start.clone(), end.clone())) {
                    list.push((start.clone(), end.clone()));
                }
            }
        }
    }
    // A breakdown of an event metric reads the dimension's column too.
    for (program, path) in programs {
        for block in program.deck.iter().flatten() {
            let DeckBlock::Breakdown {
                metric, by, line, ..
            } = block
            else {
                continue;
            };
            for index in breakdown::event_metrics_read(&program.metrics, *metric) {
                let MetricSource::Events(query) = &program.metrics[index].source else {
                    continue;
                };
                let Some((_, header)) = headers.get(query.source.as_str()) else {
                    continue;
                };
                let at = |message: String, help: String| {
                    Diagnostic::new(path, format!("deck: {message}"))
                        .at_line(*line)
                        .with_help(help)
                };
                if !header.contains(by) {
                    let help = match closest(by, header.iter().map(String::as_str)) {
                        Some(suggestion) => format!("did you mean `{suggestion}`?"),
                        None => format!(
                            "the columns of `{}` are: {}",
                            query.source,
                            header.join(", ")
                        ),
                    };
                    errors.push(at(
                        format!(
                            "`by: {by}`: event source `{}` (read by metric `{}`) has no column `{by}`",
                            query.source, program.metrics[index].id
                        ),
                        help,
                    ));
                    continue;
                }
                let wanted = needs.entry(query.source.as_str()).or_default();
                match wanted.get(by.as_str()).copied() {
                    None => {
                        wanted.insert(by.clone(), ColumnKind::Text);
                    }
                    Some(ColumnKind::Timestamp) => errors.push(at(
                        format!(
                            "`by: {by}`: column `{by}` of `{}` holds timestamps",
                            query.source
                        ),
                        "split by a column that holds names, such as a channel or a queue"
                            .to_string(),
                    )),
                    Some(_) => {}
                }
            }
        }
    }
    if !errors.is_empty() {
        return sources;
    }
    let loaded: Vec<(String, Result<events::EventTable, Vec<Diagnostic>>)> = config
        .events
        .par_iter()
        .filter_map(|source| {
            let (files, _) = headers.get(source.name.as_str())?;
            let wanted: Vec<(String, ColumnKind)> = needs
                .get(source.name.as_str())?
                .iter()
                .map(|(column, kind)| (column.clone(), *kind))
                .collect();
            let open = |path: &Path| -> events::Opened<'_> {
                inputs.open(path).map_err(|error| match error {
                    ReadError::Missing => {
                        Diagnostic::new(path, "the file disappeared while loading")
                    }
                    ReadError::Diagnostic(diagnostic) => diagnostic,
                })
            };
            Some((
                source.name.clone(),
                events::load_source(source, files, &open, &wanted, &config.time_zone),
            ))
        })
        .collect();
    for (name, result) in loaded {
        match result {
            Ok(table) => {
                for (start, end) in pairs.get(name.as_str()).into_iter().flatten() {
                    check_order(&table, start, end, errors);
                }
                sources.tables.insert(name, Arc::new(table));
            }
            Err(problems) => problems
                .into_iter()
                .for_each(|problem| errors.push(problem)),
        }
    }
    sources
}

/// An event cannot end before it starts: every such row is an input error.
fn check_order(table: &events::EventTable, start: &str, end: &str, errors: &mut Diagnostics) {
    let (Some(starts), Some(ends)) = (table.timestamps(start), table.timestamps(end)) else {
        return;
    };
    let mut found = 0;
    for (row, (&began, &ended)) in starts.iter().zip(ends).enumerate() {
        if began != events::NO_TIME && ended != events::NO_TIME && ended < began {
            found += 1;
            if found > 20 {
                continue;
            }
            let (path, line) = table.place(row);
            let show = |millis: i64| {
                jiff::Timestamp::from_millisecond(millis)
                    .map(|timestamp| {
                        timestamp
                            .to_zoned_datetime(table.time_zone.clone())
                            .to_string()
                    })
                    .unwrap_or_default()
            };
            errors.push(
                Diagnostic::new(
                    path,
                    format!(
                        "`{end}` ({}) is before `{start}` ({})",
                        show(ended),
                        show(began)
                    ),
                )
                .at_line(Some(line))
                .with_help("an event cannot end before it starts: correct the row in the export"),
            );
        }
    }
}

/// Attaches data columns to a program's metrics and targets.
fn bind_program(
    definition: ProgramDefinition,
    path: &Path,
    data: &DataSet,
    data_complete: bool,
    calendar: &Calendar,
    event_sources: &EventSources,
) -> Result<Program, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut metrics = Vec::with_capacity(definition.metrics.len());
    let has_value_column = |name: &str| data.columns.contains_key(name);
    // Whether a problem with `column` is worth reporting now: a column
    // missing while a data file has errors is probably in that file.
    let report = |column: &str| data_complete || has_value_column(column);
    for metric in definition.metrics {
        let at = |message: String| Diagnostic::new(path, message).at_line(metric.line);
        let mut events = None;
        let series = match &metric.source {
            MetricSource::Derived { .. } | MetricSource::Change { .. } => None,
            MetricSource::Events(query) => {
                // A missing table was reported when loading it.
                if let Some(table) = event_sources.tables.get(&query.source) {
                    let index = query
                        .placed_by(table.at.as_deref())
                        .and_then(|column| event_sources.index(table, column));
                    if let Some(index) = index {
                        match crate::compute::events::EventMetric::bind(
                            query,
                            table.clone(),
                            index,
                            metric.unit,
                        ) {
                            Ok(bound) => events = Some(Arc::new(bound)),
                            Err((message, help)) => errors.push(
                                at(format!("metric `{}`: {message}", metric.id)).with_help(help),
                            ),
                        }
                    }
                }
                None
            }
            MetricSource::Column {
                column,
                filter,
                aggregate,
            } => match column_series(data, column, filter, *aggregate) {
                Ok(series) => {
                    if let Err(problem) =
                        check_grain(&series, metric.grain, &metric.id, column, data, calendar)
                    {
                        errors.push(problem);
                    }
                    Some(series)
                }
                Err((message, help)) => {
                    if report(column) {
                        errors
                            .push(at(format!("metric `{}`: {message}", metric.id)).with_help(help));
                    }
                    None
                }
            },
        };
        let target = match &metric.target {
            None => match &metric.source {
                // wbr-app convention: `<column>__Target` holds the column's targets.
                MetricSource::Column {
                    column,
                    filter,
                    aggregate,
                } if has_value_column(&format!("{column}__Target")) => {
                    column_series(data, &format!("{column}__Target"), filter, *aggregate)
                        .ok()
                        .map(|series| Target::Series {
                            series,
                            aggregate: *aggregate,
                        })
                }
                _ => None,
            },
            Some(TargetDefinition::Constant(value)) => Some(Target::Constant(*value)),
            Some(TargetDefinition::Column { column, aggregate }) => {
                // The targets of a metric that picks rows with `where` are
                // the targets of those rows, as for `<column>__Target`: not
                // every group's targets added up. A wide column has no
                // groups and is the metric's target as it is.
                let filter = match &metric.source {
                    MetricSource::Column { filter, .. } if !is_wide_column(data, column) => {
                        filter.as_slice()
                    }
                    _ => &[],
                };
                match column_series(data, column, filter, *aggregate) {
                    Ok(series) => Some(Target::Series {
                        series,
                        aggregate: *aggregate,
                    }),
                    Err((message, help)) => {
                        if report(column) {
                            let read_with = if filter.is_empty() {
                                ""
                            } else {
                                " (read with the metric's `where`)"
                            };
                            errors.push(
                                at(format!(
                                    "the target of metric `{}`{read_with}: {message}",
                                    metric.id
                                ))
                                .with_help(help),
                            );
                        }
                        None
                    }
                }
            }
        };
        metrics.push(Metric {
            definition: metric,
            series,
            events,
            target,
        });
    }
    let mut breakdowns: Vec<breakdown::Breakdown> = Vec::new();
    if errors.is_empty() {
        for block in definition.deck.iter().flatten() {
            let DeckBlock::Breakdown {
                metric, by, line, ..
            } = block
            else {
                continue;
            };
            if breakdowns
                .iter()
                .any(|known| known.metric == *metric && known.by == *by)
            {
                continue;
            }
            match breakdown::bind_breakdown(&metrics, *metric, by, data) {
                Ok(bound) => breakdowns.push(bound),
                Err((message, help)) => errors.push(
                    Diagnostic::new(path, format!("deck: {message}"))
                        .at_line(*line)
                        .with_help(help),
                ),
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Program {
        id: definition.id,
        name: definition.name,
        owner: definition.owner,
        summary: definition.summary,
        metrics,
        initiatives: definition.initiatives,
        deck: definition.deck,
        breakdowns,
        path: path.to_string_lossy().replace('\\', "/"),
        fingerprint: definition.fingerprint,
        annotations: Vec::new(),
    })
}

/// Reads the site's annotation files and looks up what each annotation
/// explains; sorted by date, then program, metric and text.
fn load_annotations(
    inputs: &InputFiles,
    config: &SiteConfig,
    definitions: &[(ProgramDefinition, PathBuf)],
    program_files: &[String],
    errors: &mut Diagnostics,
) -> Vec<annotations::Annotation> {
    let programs: Vec<&ProgramDefinition> =
        definitions.iter().map(|(program, _)| program).collect();
    // A program file that did not load may hold the names an annotation
    // uses: its own errors come first.
    let all_known = programs.len() == program_files.len();
    let mut found = Vec::new();
    for path in config.annotation_files() {
        let bytes = match inputs.bytes(&path) {
            Ok(bytes) => bytes,
            Err(ReadError::Missing) => {
                if config.annotations.is_some() {
                    errors.push(
                        Diagnostic::new(SITE_FILE, format!("the annotation file {} does not exist", path.display()))
                            .at_line(config.annotations_line)
                            .with_help("create it with the header `date,metric,text`, or remove it from `annotations:`"),
                    );
                }
                continue;
            }
            Err(ReadError::Diagnostic(diagnostic)) => {
                errors.push(diagnostic);
                continue;
            }
        };
        let parsed = annotations::parse(bytes, &path);
        let (resolved, problems) = annotations::resolve(&parsed, &path, &programs, all_known);
        parsed
            .errors
            .into_iter()
            .chain(problems)
            .for_each(|problem| errors.push(problem));
        found.extend(resolved);
    }
    found.sort();
    found.dedup();
    found
}

/// A `percent` metric's values are fractions (0.95 is 95%). When most of a
/// series is larger than this in size, it was probably written as 0–100.
pub const PERCENT_WRITTEN_AS_HUNDREDS: f64 = 1.5;

/// The first value of `series` (date order) larger than
/// [`PERCENT_WRITTEN_AS_HUNDREDS`], when more than half of its values are.
fn percent_written_as_hundreds(series: &DailySeries) -> Option<(jiff::civil::Date, f64)> {
    let (mut count, mut large, mut first) = (0usize, 0usize, None);
    for date in series.dates() {
        let Some(value) = series.get(date) else {
            continue;
        };
        count += 1;
        if value.abs() > PERCENT_WRITTEN_AS_HUNDREDS {
            large += 1;
            first = first.or(Some((date, value)));
        }
    }
    (large * 2 > count).then_some(first).flatten()
}

/// `value` / 100 as a short decimal: 86.4 → `0.864`.
fn hundredth(value: f64) -> String {
    let text = format!("{:.12}", value / 100.0);
    let text = text.trim_end_matches('0');
    text.strip_suffix('.').unwrap_or(text).to_string()
}

/// Warnings for a `percent` metric whose data or target looks written as
/// 0–100 (`86.4` shows as 8,640.0%): the build goes on, the warning names
/// the file, the column and the fix.
fn percent_warnings(program: &Program, data: &DataSet) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let file_of = |column: &str| {
        data.columns
            .get(column)
            .map(|found| data.files[found.file].path.clone())
    };
    for metric in &program.metrics {
        let definition = &metric.definition;
        if definition.unit != Unit::Percent {
            continue;
        }
        let mut check = |series: &DailySeries, column: &str, what: &str| {
            let (Some((date, value)), Some(file)) =
                (percent_written_as_hundreds(series), file_of(column))
            else {
                return;
            };
            warnings.push(
                Diagnostic::new(
                    &file,
                    format!(
                        "metric `{}` is a percent, but most {what} `{column}` are above {PERCENT_WRITTEN_AS_HUNDREDS}, such as {value} on {date}, which shows as {}",
                        definition.id,
                        NumberFormat::new(Unit::Percent, None).value(Some(value)),
                    ),
                )
                .at_line(series.line(date).map(|line| line as usize))
                .with_help(format!(
                    "percent values are fractions (0.95 is 95%): write {value}% or {}",
                    hundredth(value)
                )),
            );
        };
        if let (MetricSource::Column { column, .. }, Some(series)) =
            (&definition.source, &metric.series)
        {
            check(series, column, "values of");
        }
        match (&metric.target, &definition.target, &definition.source) {
            (
                Some(Target::Series { series, .. }),
                Some(TargetDefinition::Column { column, .. }),
                _,
            ) => {
                check(series, column, "of its targets in");
            }
            (Some(Target::Series { series, .. }), None, MetricSource::Column { column, .. }) => {
                check(series, &format!("{column}__Target"), "of its targets in");
            }
            (Some(Target::Constant(value)), _, _) if value.abs() > PERCENT_WRITTEN_AS_HUNDREDS => {
                warnings.push(
                    Diagnostic::new(
                        &program.path,
                        format!(
                            "metric `{}` is a percent, but its target {value} shows as {}",
                            definition.id,
                            NumberFormat::new(Unit::Percent, None).value(Some(*value)),
                        ),
                    )
                    .at_line(definition.line)
                    .with_help(format!(
                        "percent values are fractions (0.95 is 95%): write `target: {}`",
                        hundredth(*value)
                    )),
                );
            }
            _ => {}
        }
    }
    warnings
}

/// Whether `name` is a column of a wide file: one series, no dimensions.
fn is_wide_column(data: &DataSet, name: &str) -> bool {
    data.columns
        .get(name)
        .is_some_and(|column| column.parts.len() == 1 && column.parts[0].dimensions.is_empty())
}

/// The series a metric reads: a column, or the long-shape rows that match
/// `filter`, combined per day when several match.
fn column_series(
    data: &DataSet,
    name: &str,
    filter: &[(String, String)],
    aggregate: Aggregate,
) -> Result<DailySeries, (String, String)> {
    if let Some((file, duplicate)) = data.duplicates.get(name) {
        return Err((
            format!(
                "column `{name}` appears twice in the header of {} (columns {} and {}), so sitrep cannot tell which one to read",
                data.files[*file].path, duplicate.positions.0, duplicate.positions.1
            ),
            "rename one of the two columns in the file's header (or remove one)".to_string(),
        ));
    }
    if let (None, Some((file, text))) = (data.columns.get(name), data.text_columns.get(name)) {
        let file = &data.files[*file].path;
        let why = match &text.first_text {
            Some(cell) => format!(
                ": {}{}",
                cell.message,
                cell.line
                    .map(|line| format!(" (line {line})"))
                    .unwrap_or_default()
            ),
            None => " named by a `where`".to_string(),
        };
        return Err((
            format!("`{name}` is a text column of {file}, a dimension that picks rows, not a value{why}"),
            format!("read a numeric column of {file} and pick rows with `where: {{ {name}: <value> }}`; or, if `{name}` holds numbers, fix the cells that are not"),
        ));
    }
    let Some(column) = data.columns.get(name) else {
        let help = match closest(name, data.columns.keys().map(String::as_str)) {
            Some(suggestion) => format!("did you mean `{suggestion}`?"),
            None if data.columns.is_empty() => {
                "add a CSV file with this column to data/".to_string()
            }
            None => "check the column names in the headers of data/*.csv".to_string(),
        };
        return Err((format!("no data file has a column `{name}`"), help));
    };
    let file = &data.files[column.file].path;
    let wide = column.parts.len() == 1 && column.parts[0].dimensions.is_empty();
    if wide && !filter.is_empty() {
        return Err((
            format!("`where` picks rows by a long file's dimensions or a wide file's text columns, but {file} has neither (`{name}` is one of its columns)"),
            "remove `where`, or add the text column it names to the file".to_string(),
        ));
    }
    for (dimension, _) in filter {
        if !column
            .parts
            .iter()
            .any(|part| part.dimensions.iter().any(|(name, _)| name == dimension))
        {
            return Err((
                format!("{file} has no dimension `{dimension}`"),
                "`where` keys are the columns after `value` of a long file, or the text columns of a wide file".to_string(),
            ));
        }
    }
    let parts: Vec<&DailySeries> = column
        .parts
        .iter()
        .filter(|part| {
            filter.iter().all(|(key, value)| {
                part.dimensions
                    .iter()
                    .any(|(name, found)| name == key && found == value)
            })
        })
        .map(|part| &part.series)
        .collect();
    match parts.as_slice() {
        [] => {
            let wanted: Vec<String> = filter.iter().map(|(key, value)| format!("{key} = {value}")).collect();
            // The values the data has for the first condition none of its
            // rows meet, nearest first.
            let help = filter
                .iter()
                .find_map(|(key, value)| {
                    let mut seen: Vec<&str> = column
                        .parts
                        .iter()
                        .flat_map(|part| &part.dimensions)
                        .filter(|(dimension, _)| dimension == key)
                        .map(|(_, found)| found.as_str())
                        .collect();
                    if seen.contains(&value.as_str()) {
                        return None;
                    }
                    seen.sort_by_key(|found| (strsim::damerau_levenshtein(value, found), *found));
                    seen.dedup();
                    let more = seen.len().saturating_sub(GAPS_SHOWN * 2);
                    let mut list = seen.iter().take(GAPS_SHOWN * 2).copied().collect::<Vec<_>>().join(", ");
                    if more > 0 {
                        list.push_str(&format!(" and {more} more"));
                    }
                    Some(format!("the rows of `{name}` have these `{key}` values, nearest first: {list}"))
                })
                .unwrap_or_else(|| "check the dimension values in the file".to_string());
            Err((
                format!("no rows of `{name}` in {file} have {}", wanted.join(" and ")),
                help,
            ))
        }
        [single] => Ok((*single).clone()),
        several => match aggregate {
            Aggregate::Sum => Ok(DailySeries::combine(several, |a, b| a + b)),
            Aggregate::Min => Ok(DailySeries::combine(several, f64::min)),
            Aggregate::Max => Ok(DailySeries::combine(several, f64::max)),
            _ => Err((
                format!("{} groups of rows in {file} match `{name}`, and a {} cannot be added across them", several.len(), aggregate_name(aggregate)),
                "add `where:` to pick one dimension value, e.g. `where: { channel: phone }`".to_string(),
            )),
        },
    }
}

fn aggregate_name(aggregate: Aggregate) -> &'static str {
    match aggregate {
        Aggregate::Sum => "sum",
        Aggregate::Mean => "mean",
        Aggregate::Min => "min",
        Aggregate::Max => "max",
        Aggregate::First => "first value",
        Aggregate::Last => "last value",
    }
}

/// Weekly and monthly metrics give one value per period, dated on the
/// period's last day; anything else is a mistake in the data.
fn check_grain(
    series: &DailySeries,
    grain: Grain,
    metric: &str,
    column: &str,
    data: &DataSet,
    calendar: &Calendar,
) -> Result<(), Diagnostic> {
    let file = data
        .columns
        .get(column)
        .map(|column| data.files[column.file].path.clone())
        .unwrap_or_default();
    let misplaced = match grain {
        Grain::Day => None,
        Grain::Week => series
            .dates()
            .find(|date| date.weekday() != calendar.week_ends_on),
        Grain::Month => series.dates().find(|date| *date != date.last_of_month()),
    };
    match misplaced {
        None => Ok(()),
        Some(date) => Err(Diagnostic::new(&file, format!(
            "`{column}` has a value on {date}, but metric `{metric}` is {} (one value per {}, dated on its last day)",
            if grain == Grain::Week { "weekly" } else { "monthly" },
            if grain == Grain::Week { "week" } else { "month" },
        ))
        .at_line(series.line(date).map(|line| line as usize))
        .with_help("date each value on the period's last day, or set the metric's `grain: day`")),
    }
}

#[cfg(test)]
mod yaml_message_tests {
    use std::path::Path;

    /// Words of Rust and serde that mean nothing to a program manager.
    const JARGON: [&str; 16] = [
        "struct ",
        "enum ",
        "any value",
        "Option<",
        "u8",
        "u16",
        "u32",
        "u64",
        "i64",
        "i32",
        "f64",
        "f32",
        "variant",
        "untagged",
        "expected a map",
        "sequence",
    ];

    /// A site.yaml that is valid apart from the lines given.
    fn site(extra: &str) -> String {
        format!("title: T\n{extra}\n")
    }

    /// A program file that is valid apart from the text given.
    fn program(metrics: &str, rest: &str) -> String {
        format!("name: P\nowner: O\nmetrics:\n{metrics}\n{rest}\n")
    }

    fn messages() -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut record = |input: &str, errors: Vec<crate::error::Diagnostic>| {
            assert!(!errors.is_empty(), "no error for {input:?}");
            for error in errors {
                out.push((input.to_string(), error.to_string()));
            }
        };
        let sites = [
            site("fiscal_year_end_month: 99999999999999999999"),
            site("fiscal_year_end_month: [1]"),
            site("fiscal_year_end_month: 1.5"),
            site("week_ends_on: [sunday]"),
            site("x_axis: 3"),
            site("x_axis: monthly"),
            site("tolerance: high"),
            site("allow_html: maybe"),
            site("database: postgres"),
            site("database: { url_env: [A] }"),
            site("events: [tickets]"),
            site("events:\n  tickets: data/tickets.csv"),
            site("events:\n  tickets: { path: [a] }"),
            site("events:\n  tickets: { path: data/t.csv, duplicates: 3 }"),
            "- title: T\n".to_string(),
            "title: [T]\n".to_string(),
            "title:\n  name: T\n".to_string(),
            "42\n".to_string(),
            "owner: x\n".to_string(),
            "title: T\n  bad: indentation\n".to_string(),
            "title: T\ntitle: U\n".to_string(),
        ];
        for text in &sites {
            if let Err(errors) = super::config::parse_site_config(text, Path::new("site.yaml")) {
                record(text, errors);
            } else {
                panic!("site.yaml accepted: {text:?}");
            }
        }
        let programs = [
            // An indentation mistake: the metric's keys at the metric's level.
            program("  reports:\n  name: Reports\n  column: reports", ""),
            program("  reports: 5", ""),
            program("  reports: [a, b]", ""),
            program("  - reports", ""),
            program("  reports: { column: [a] }", ""),
            program("  reports: { column: r, decimals: 300 }", ""),
            program("  reports: { column: r, decimals: -1 }", ""),
            program("  reports: { column: r, decimals: two }", ""),
            program("  reports: { column: r, tolerance: [1] }", ""),
            program("  reports: { column: r, percentile: high }", ""),
            program("  reports: { column: r, target: [1] }", ""),
            program("  reports: { column: r, target: high }", ""),
            program("  reports: { column: r, target: { column: [t] } }", ""),
            program(
                "  reports: { column: r, target: { column: t, aggregate: 3 } }",
                "",
            ),
            program("  reports: { column: r, unit: 3 }", ""),
            program("  reports: { column: r, better: [up] }", ""),
            program("  reports: { column: r, aggregate: { a: b } }", ""),
            program("  reports: { column: r, sla: maybe }", ""),
            program("  reports: { column: r, key: 3 }", ""),
            program("  reports: { column: r, divide: a }", ""),
            program("  reports: { column: r, sum: { a: b } }", ""),
            program("  reports: { events: t, mean: { a: b } }", ""),
            program("  reports: { column: r, where: [a] }", ""),
            program(
                "  reports: { column: r, where: { channel: { a: { b: c } } } }",
                "",
            ),
            program("  reports: { column: r, where: { channel: [[a]] } }", ""),
            program("  reports: { column: r, x_axis: [a] }", ""),
            program("  reports: { column: r, grain: 7 }", ""),
            program("  reports: { column: r }", "initiatives:\n  - 3"),
            program("  reports: { column: r }", "initiatives:\n  - Write it"),
            program("  reports: { column: r }", "initiatives: { name: x }"),
            program(
                "  reports: { column: r }",
                "initiatives:\n  - { name: x, status: 3 }",
            ),
            program(
                "  reports: { column: r }",
                "initiatives:\n  - { name: x, status: on_track, due: [1] }",
            ),
            program(
                "  reports: { column: r }",
                "initiatives:\n  - { name: [x], status: on_track }",
            ),
            program("  reports: { column: r }", "deck: reports"),
            program("  reports: { column: r }", "deck:\n  - reports"),
            program("  reports: { column: r }", "deck:\n  - chart: { a: b }"),
            program("  reports: { column: r }", "deck:\n  - chart: [[a]]"),
            program(
                "  reports: { column: r }",
                "deck:\n  - chart: [{ metric: [a] }]",
            ),
            program(
                "  reports: { column: r }",
                "deck:\n  - chart: [{ metric: a, style: 3 }]",
            ),
            program("  reports: { column: r }", "deck:\n  - table: 3"),
            program(
                "  reports: { column: r }",
                "deck:\n  - chart: reports\n    prior_year: sometimes",
            ),
            program(
                "  reports: { column: r }",
                "deck:\n  - chart: reports\n    decimals: 1000",
            ),
            program(
                "  reports: { column: r }",
                "deck:\n  - chart: reports\n    metrics: reports",
            ),
            "name: P\n".to_string(),
            "name: P\nowner: [O]\n".to_string(),
            "name: P\nowner: O\nmetrics: 5\n".to_string(),
            "- name: P\n".to_string(),
            "name: P\nowner: O\nsummary: { a: b }\n".to_string(),
        ];
        for text in &programs {
            match super::program::parse_program("p", text, Path::new("content/programs/p.yaml")) {
                Err(errors) => record(text, errors),
                Ok(_) => panic!("program accepted: {text:?}"),
            }
        }
        let narratives = [
            "---\ntitle: [a\n---\nbody\n",
            "---\n- a\n---\nbody\n",
            "---\nsome text\n---\nbody\n",
            "---\ntitle: T\n  author: A\n---\nbody\n",
            "---\ntitle: { a: b }\n---\nbody\n",
            "---\nstatus: purple\n---\nbody\n",
            "---\nstatus: 3\n---\nbody\n",
            "---\nstatus: [red]\n---\nbody\n",
            "---\nauthor: [A]\n---\nbody\n",
            "---\ntitel: T\n---\nbody\n",
            "---\n42\n---\nbody\n",
        ];
        for text in narratives {
            match super::narrative::parse_narrative(
                text,
                Path::new("content/reviews/2026-W48/index.md"),
                None,
            ) {
                Err(error) => record(text, vec![error]),
                Ok(_) => panic!("narrative accepted: {text:?}"),
            }
        }
        out
    }

    /// Every message of a serde-derived type's error path is in the
    /// user's terms: no Rust type names, and always a help line.
    #[test]
    fn yaml_errors_speak_the_users_terms() {
        let mut bad = Vec::new();
        for (input, message) in messages() {
            let lower = message.to_lowercase();
            let jargon: Vec<&str> = JARGON
                .iter()
                .copied()
                .filter(|word| lower.contains(&word.to_lowercase()))
                .collect();
            if !jargon.is_empty() || !message.contains("help: ") {
                bad.push(format!("{input:?}\n  → {message}\n  (jargon: {jargon:?})"));
            }
        }
        assert!(
            bad.is_empty(),
            "{} messages leak Rust:\n{}",
            bad.len(),
            bad.join("\n")
        );
    }
}

#[cfg(test)]
mod gap_tests {
    use super::*;

    #[test]
    fn a_wide_file_with_many_gaps_is_warned_about_in_linear_time() {
        // One row on the week's Monday, so every column lacks its other six
        // days. Naming each column once used to search the names already
        // listed (`Vec::contains`): 60,000 columns took over 5 s.
        let columns = 60_000;
        let names: Vec<String> = (0..columns).map(|index| format!("c{index}")).collect();
        let text = format!(
            "date,{}\n2026-11-16,{}1\n",
            names.join(","),
            "1,".repeat(columns - 1)
        );
        let path = Path::new("data/wide.csv");
        let mut data = DataSet::default();
        let parsed = data::parse_csv(text.as_bytes(), path).unwrap();
        assert!(data.add(parsed, path).is_empty());
        let week = crate::calendar::Calendar::default()
            .parse_week_id("2026-W47")
            .unwrap();
        let started = std::time::Instant::now();
        let warnings = review_week_gaps(&data, &week);
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        assert_eq!(warnings.len(), 1);
        let message = warnings[0].to_string();
        // Columns in name order (the data set's), five named, then a count.
        assert!(
            message.contains("`c0`, `c1`, `c10`, `c100`, `c1000` and 59995 more"),
            "{message}"
        );
        assert!(message.contains("2026-11-17, 2026-11-18"), "{message}");
    }
}

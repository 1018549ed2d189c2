//! `site.yaml`: the site's title, calendar and output settings.

use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

use super::events::EventSourceConfig;
use crate::calendar::{parse_weekday, Calendar};
use crate::error::Diagnostic;
use crate::yaml;

/// Which months the right-hand side of a 6-12 chart shows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MonthAxis {
    /// The 12 complete calendar months up to the review week.
    #[default]
    TrailingTwelveMonths,
    /// The fiscal year's 12 months; months not yet complete are blank.
    FiscalYear,
}

/// The settings of a site project, with defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteConfig {
    pub title: String,
    pub calendar: Calendar,
    /// The output folder, relative to the site root.
    pub output: PathBuf,
    pub theme: Option<String>,
    pub month_axis: MonthAxis,
    /// The default amber band of every metric's status, as a fraction of
    /// the target.
    pub tolerance: f64,
    /// Whether raw HTML in narratives is kept (escaped by default).
    pub allow_html: bool,
    /// The connection `sitrep pull` runs `sources/*.sql` against.
    pub database: Option<DatabaseConfig>,
    /// The zone event timestamps without an offset are read in, and whose
    /// local midnights bound their days (default UTC).
    pub time_zone: jiff::tz::TimeZone,
    /// The event sources (ticket exports) metrics can read.
    pub events: Vec<EventSourceConfig>,
    /// The annotation files `annotations:` lists, site-relative; `None`:
    /// `data/annotations.csv` when it exists.
    pub annotations: Option<Vec<PathBuf>>,
    /// The line of `annotations:` in site.yaml.
    pub annotations_line: Option<usize>,
}

impl SiteConfig {
    /// The annotation files the site reads: those listed, or the default
    /// one (which may not exist).
    pub fn annotation_files(&self) -> Vec<PathBuf> {
        self.annotations
            .clone()
            .unwrap_or_else(|| vec![PathBuf::from(super::annotations::DEFAULT_FILE)])
    }
}

/// `database:` in site.yaml. Only the name of the environment variable
/// that holds the connection URL is in the project: the URL carries the
/// password, and a secret never belongs in a file of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseConfig {
    pub url_env: String,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            title: "Weekly Business Review".to_string(),
            calendar: Calendar::default(),
            output: PathBuf::from("public"),
            theme: None,
            month_axis: MonthAxis::default(),
            tolerance: DEFAULT_TOLERANCE,
            allow_html: false,
            database: None,
            time_zone: jiff::tz::TimeZone::UTC,
            events: Vec::new(),
            annotations: None,
            annotations_line: None,
        }
    }
}

pub const DEFAULT_TOLERANCE: f64 = 0.05;

// The doc comments of the `*File` types below are the descriptions
// editors show (see `crate::schema`): they speak to the user.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "sitrep site.yaml",
    description = "The settings of a sitrep site project: title, calendar, output and event sources."
)]
struct SiteFile {
    /// The site's title, shown on every page (required).
    title: String,
    // Not required, no default shown: a field with its own schema is
    // otherwise required.
    #[schemars(
        default,
        skip_serializing_if = "Option::is_none",
        schema_with = "crate::schema::weekday"
    )]
    week_ends_on: Option<String>,
    // Not required, no default shown: a field with its own schema is
    // otherwise required.
    #[schemars(
        default,
        skip_serializing_if = "Option::is_none",
        schema_with = "crate::schema::month"
    )]
    fiscal_year_end_month: Option<MonthSpec>,
    /// The output folder, inside the project (default public).
    output: Option<String>,
    /// Optional: `themes/<name>/` overrides the built-in theme.
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$"))]
    theme: Option<String>,
    /// The months of a 6-12 chart: `trailing_twelve_months` (default) or `fiscal_year`.
    x_axis: Option<MonthAxis>,
    /// The amber band of every metric's status, as a fraction of the target (default 0.05).
    #[schemars(range(min = 0.0), extend("exclusiveMaximum" = 1))]
    tolerance: Option<f64>,
    /// Keep raw HTML in narratives (default false: escaped).
    #[serde(default)]
    allow_html: bool,
    /// Optional: the connection `sitrep pull` runs `sources/*.sql` against.
    database: Option<DatabaseFile>,
    /// The IANA time zone event timestamps without an offset are read in, and whose local midnights start days (default UTC), e.g. `America/Los_Angeles`.
    time_zone: Option<String>,
    /// The event sources (ticket, contact or audit exports) metrics can read, by name.
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": crate::schema::SAFE_NAME_PATTERN }))]
    events: indexmap::IndexMap<String, EventSourceFile>,
    /// Optional: annotation CSV files (`date,metric,text`, or wbr-app's `Date,MetricName,EventDescription`) inside the project (default `data/annotations.csv` when it exists).
    annotations: Option<Vec<String>>,
}

/// Where `sitrep pull` connects: only the name of the environment variable
/// that holds the connection URL (a secret never belongs in the project).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Database")]
struct DatabaseFile {
    /// The environment variable that holds the connection URL, e.g. `SITREP_DATABASE_URL`.
    #[schemars(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    url_env: Option<String>,
    // Read only to refuse them with a clear message.
    #[schemars(skip)]
    url: Option<serde::de::IgnoredAny>,
    #[schemars(skip)]
    password: Option<serde::de::IgnoredAny>,
}

/// An export of one row per ticket, contact or audit.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "EventSource")]
struct EventSourceFile {
    /// A file (.csv or .csv.gz) or a folder of them, under data/, e.g. `data/tickets/`.
    #[schemars(regex(pattern = r"^\s*data/[^/]"))]
    path: String,
    /// Optional: the id column; a repeated id is an error unless `duplicates: keep_last`.
    id: Option<String>,
    /// Optional: the timestamp column that places a row in a period, for sums and means.
    at: Option<String>,
    /// What a repeated id means: `error` (default) or `keep_last` (the export appends updates).
    duplicates: Option<Duplicates>,
}

/// What a repeated id in an event source means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
enum Duplicates {
    /// A mistake in the export (the default).
    Error,
    /// An update: the later row replaces the earlier one.
    KeepLast,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum MonthSpec {
    Number(i64),
    Name(String),
}

/// The months by name, for `fiscal_year_end_month` (and its schema).
pub(crate) const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// The JSON Schema of `site.yaml` (see [`crate::schema`]).
pub(crate) fn json_schema(generator: schemars::SchemaGenerator) -> schemars::Schema {
    generator.into_root_schema_for::<SiteFile>()
}

/// Parses `site.yaml`; `path` is the name used in messages.
pub fn parse_site_config(text: &str, path: &Path) -> Result<SiteConfig, Vec<Diagnostic>> {
    let file: SiteFile = super::parse_yaml(text, path).map_err(|error| vec![error])?;
    let mut errors = Vec::new();
    let lines = yaml::KeyLines::new(text);
    let at = |key: &str| lines.key(&[key]);
    let mut config = SiteConfig {
        title: file.title,
        allow_html: file.allow_html,
        ..SiteConfig::default()
    };
    if let Some(weekday) = file.week_ends_on {
        match parse_weekday(&weekday) {
            Some(weekday) => config.calendar.week_ends_on = weekday,
            None => errors.push(
                Diagnostic::new(path, format!("`week_ends_on: {weekday}` is not a weekday"))
                    .at_line(at("week_ends_on"))
                    .with_help("use a weekday name such as `sunday` (ISO weeks) or `saturday`"),
            ),
        }
    }
    if let Some(month) = file.fiscal_year_end_month {
        let number = match &month {
            MonthSpec::Number(number) => (1..=12).contains(number).then_some(*number as i8),
            MonthSpec::Name(name) => {
                let lower = name.trim().to_ascii_lowercase();
                MONTH_NAMES
                    .iter()
                    .position(|month| {
                        *month == lower || (lower.len() == 3 && month.starts_with(&lower))
                    })
                    .map(|index| index as i8 + 1)
            }
        };
        match number {
            Some(number) => config.calendar.fiscal_year_end_month = number,
            None => errors.push(
                Diagnostic::new(path, "`fiscal_year_end_month` is not a month")
                    .at_line(at("fiscal_year_end_month"))
                    .with_help("use a month number 1–12 or a name such as `december`"),
            ),
        }
    }
    if let Some(output) = file.output {
        match check_output_folder(&output) {
            Ok(output) => config.output = output,
            Err(message) => errors.push(
                Diagnostic::new(path, message)
                    .at_line(at("output"))
                    .with_help("use a folder inside the site project such as `public`"),
            ),
        }
    }
    if let Some(theme) = file.theme {
        if is_safe_name(&theme) {
            config.theme = Some(theme);
        } else {
            errors.push(
                Diagnostic::new(path, format!("`theme: {theme}` is not a theme folder name"))
                    .at_line(at("theme"))
                    .with_help("name a folder of `themes/` using letters, digits, `-` and `_`"),
            );
        }
    }
    if let Some(axis) = file.x_axis {
        config.month_axis = axis;
    }
    if let Some(tolerance) = file.tolerance {
        if tolerance.is_finite() && (0.0..1.0).contains(&tolerance) {
            config.tolerance = tolerance;
        } else {
            errors.push(
                Diagnostic::new(path, format!("`tolerance: {tolerance}` is out of range"))
                    .at_line(at("tolerance"))
                    .with_help("give the amber band as a fraction of the target, e.g. 0.05 for 5%"),
            );
        }
    }
    if let Some(database) = file.database {
        let line = lines.key(&["database"]);
        if database.url.is_some() || database.password.is_some() {
            errors.push(
                Diagnostic::new(path, "`database:` holds a URL or password; sitrep reads the connection's secret only from the environment, never from a file of the project")
                    .at_line(line)
                    .with_help("write `database: { url_env: SITREP_DATABASE_URL }` and set that environment variable to the URL, e.g. postgresql://user:password@host:5432/db"),
            );
        } else {
            match database.url_env {
                Some(name) if is_environment_name(&name) => {
                    config.database = Some(DatabaseConfig { url_env: name })
                }
                Some(name) => errors.push(
                    Diagnostic::new(path, format!("`url_env: {name}` is not an environment variable name"))
                        .at_line(line)
                        .with_help("use letters, digits and `_`, e.g. `SITREP_DATABASE_URL`"),
                ),
                None => errors.push(
                    Diagnostic::new(path, "`database:` needs `url_env:`, the environment variable that holds the connection URL")
                        .at_line(line)
                        .with_help("write `database: { url_env: SITREP_DATABASE_URL }`"),
                ),
            }
        }
    }
    if let Some(name) = file.time_zone {
        match jiff::tz::TimeZone::get(name.trim()) {
            Ok(zone) => config.time_zone = zone,
            Err(_) => errors.push(
                Diagnostic::new(
                    path,
                    format!("`time_zone: {name}` is not a known time zone"),
                )
                .at_line(at("time_zone"))
                .with_help(
                    "use an IANA name such as `America/Los_Angeles`, `Europe/Berlin` or `UTC`",
                ),
            ),
        }
    }
    for (name, source) in file.events {
        let line = lines.key(&["events", name.as_str()]);
        if !is_safe_name(&name) {
            errors.push(
                Diagnostic::new(path, format!("`{name}` cannot be an event source name"))
                    .at_line(line)
                    .with_help("use letters, digits, `-` and `_`"),
            );
        }
        let relative = PathBuf::from(source.path.trim().trim_end_matches('/'));
        let inside_data = relative
            .components()
            .all(|part| matches!(part, Component::Normal(_)))
            && relative.starts_with("data")
            && relative.components().count() > 1;
        if !inside_data {
            errors.push(
                Diagnostic::new(path, format!("`path: {}` of event source `{name}` is not inside data/", source.path))
                    .at_line(lines.key(&["events", name.as_str(), "path"]).or(line))
                    .with_help("put the export under data/, e.g. `path: data/tickets/` (a folder of CSVs) or `path: data/tickets.csv.gz`"),
            );
        }
        config.events.push(EventSourceConfig {
            name,
            path: relative,
            id: source.id,
            keep_last: source.duplicates == Some(Duplicates::KeepLast),
            at: source.at,
            line,
        });
    }
    if let Some(files) = file.annotations {
        let line = at("annotations");
        config.annotations_line = line;
        let mut paths = Vec::with_capacity(files.len());
        for file in files {
            let relative = PathBuf::from(file.trim());
            let inside = relative.components().count() > 0
                && relative
                    .components()
                    .all(|part| matches!(part, Component::Normal(_)));
            let csv = relative
                .extension()
                .is_some_and(|extension| extension.eq_ignore_ascii_case("csv"));
            if inside && csv {
                paths.push(relative);
            } else {
                errors.push(
                    Diagnostic::new(path, format!("`{file}` in `annotations:` is not a CSV file inside the site project"))
                        .at_line(line)
                        .with_help("list CSV files by their path in the project, e.g. `annotations: [data/annotations.csv]`"),
                );
            }
        }
        config.annotations = Some(paths);
    }
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(errors)
    }
}

/// The folders of a site project that hold its inputs (and its sources
/// and history): an output folder is never one of them or inside one.
pub const INPUT_FOLDERS: [&str; 6] = ["content", "data", "themes", "sources", "src", ".git"];

/// The output folder must stay inside the project and must not be one of
/// its input folders, since a build replaces its contents.
fn check_output_folder(output: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(output.trim());
    let mut clean = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => clean.push(part),
            Component::CurDir => {}
            _ => {
                return Err(format!(
                    "`output: {output}` leaves the site project; sitrep writes only inside it"
                ))
            }
        }
    }
    let first = clean.components().next();
    match first {
        None => Err("`output` must name a folder, not the site project itself".to_string()),
        Some(Component::Normal(part)) if INPUT_FOLDERS.contains(&part.to_str().unwrap_or("")) => {
            Err(format!(
                "`output: {output}` is inside an input folder; a build would overwrite inputs"
            ))
        }
        Some(_) => Ok(clean),
    }
}

/// A portable environment variable name: `A-Z`, `a-z`, `0-9` and `_`,
/// not starting with a digit.
fn is_environment_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

/// Ids that become folder names and URL segments: letters, digits, `-`, `_`.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::Weekday;

    fn parse(text: &str) -> Result<SiteConfig, Vec<Diagnostic>> {
        parse_site_config(text, Path::new("site.yaml"))
    }

    #[test]
    fn defaults_apply() {
        let config = parse("title: WBR\n").unwrap();
        assert_eq!(config.calendar.week_ends_on, Weekday::Sunday);
        assert_eq!(config.calendar.fiscal_year_end_month, 12);
        assert_eq!(config.output, PathBuf::from("public"));
        assert_eq!(config.month_axis, MonthAxis::TrailingTwelveMonths);
        assert_eq!(config.tolerance, 0.05);
    }

    #[test]
    fn settings_parse() {
        let config = parse(
            "title: WBR\nweek_ends_on: Saturday\nfiscal_year_end_month: feb\noutput: site/out\nx_axis: fiscal_year\n",
        )
        .unwrap();
        assert_eq!(config.calendar.week_ends_on, Weekday::Saturday);
        assert_eq!(config.calendar.fiscal_year_end_month, 2);
        assert_eq!(config.output, PathBuf::from("site/out"));
        assert_eq!(config.month_axis, MonthAxis::FiscalYear);
        assert_eq!(
            parse("title: x\nfiscal_year_end_month: 5\n")
                .unwrap()
                .calendar
                .fiscal_year_end_month,
            5
        );
    }

    #[test]
    fn every_bad_setting_is_reported_with_its_line() {
        let errors = parse(
            "title: WBR\nweek_ends_on: someday\nfiscal_year_end_month: 13\noutput: ../elsewhere\n",
        )
        .unwrap_err();
        let lines: Vec<_> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![Some(2), Some(3), Some(4)]);
    }

    #[test]
    fn output_must_stay_inside_the_project_and_outside_inputs() {
        assert!(check_output_folder("/tmp/x").is_err());
        assert!(check_output_folder("a/../../x").is_err());
        assert!(check_output_folder(".").is_err());
        assert!(check_output_folder("data").is_err());
        assert!(check_output_folder("content/out").is_err());
        assert_eq!(
            check_output_folder("./public").unwrap(),
            PathBuf::from("public")
        );
    }

    #[test]
    fn database_names_an_environment_variable_never_a_secret() {
        let config = parse("title: T\ndatabase: { url_env: SITREP_DATABASE_URL }\n").unwrap();
        assert_eq!(
            config.database,
            Some(DatabaseConfig {
                url_env: "SITREP_DATABASE_URL".to_string()
            })
        );
        assert_eq!(parse("title: T\n").unwrap().database, None);
        let errors =
            parse("title: T\ndatabase:\n  url: postgresql://me:secret@db/wbr\n").unwrap_err();
        assert_eq!(errors[0].line, Some(2));
        assert!(errors[0].message.contains("only from the environment"));
        assert!(parse("title: T\ndatabase: { url_env: 'my url' }\n").is_err());
        assert!(parse("title: T\ndatabase: {}\n").is_err());
    }

    #[test]
    fn missing_title_is_an_error() {
        let errors = parse("week_ends_on: sunday\n").unwrap_err();
        assert!(
            errors[0].message.contains("the key `title:` is missing"),
            "{}",
            errors[0].message
        );
    }
}

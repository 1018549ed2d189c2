//! `sitrep pull`: runs the project's sources (`sources/*.sql` against the
//! database of `site.yaml`, or any executable that prints CSV) and writes
//! each result to `data/<name>.csv`, recording what ran in
//! `data/.pull-manifest.json`. Builds never run sources: `data/` stays the
//! contract, and a build never touches the network.

mod exec;
pub mod manifest;
pub mod placeholders;
mod sql;
mod values;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use jiff::civil::Date;
use sha2::{Digest, Sha256};

use crate::calendar::{add_days, one_year_earlier, Calendar, Period};
use crate::error::{closest, Diagnostic, Diagnostics, Error};
use crate::load::config::{is_safe_name, SiteConfig};
use crate::load::inputs::DATA_FOLDER;
use crate::load::SITE_FILE;
pub use manifest::{Manifest, PulledFile, MANIFEST_FILE};

/// The folder of sources.
pub const SOURCES_FOLDER: &str = "sources";

/// The default time limit of one source.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// What `sitrep pull` was asked to do.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// Source names (`tickets`) or paths (`sources/tickets.sql`); empty: all.
    pub sources: Vec<String>,
    /// The last day the data should cover (default: see [`default_as_of`]).
    pub as_of: Option<Date>,
    pub timeout: Duration,
    /// How many sources run at once.
    pub jobs: usize,
    /// Show what would run, run nothing.
    pub dry_run: bool,
    /// More environment variables an executable source may see.
    pub pass_env: Vec<String>,
    /// Today, for the default as-of date.
    pub today: Date,
}

/// One source of the project.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// `tickets`: the data file is `data/tickets.csv`.
    pub name: String,
    /// Site-relative: `sources/tickets.sql`.
    pub path: PathBuf,
    pub kind: SourceKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Sql,
    Executable,
}

impl Source {
    pub fn output(&self) -> PathBuf {
        Path::new(DATA_FOLDER).join(format!("{}.csv", self.name))
    }
}

/// What happened to one source.
#[derive(Debug)]
pub enum Outcome {
    /// Its result is in `data/`.
    Pulled(PulledFile),
    /// Dry run: what would run.
    Planned(String),
    /// Its data file was left as it was.
    Failed(Vec<Diagnostic>),
}

/// What `sitrep pull` did.
#[derive(Debug)]
pub struct PullSummary {
    pub as_of: Date,
    pub since: Date,
    pub outcomes: Vec<(Source, Outcome)>,
    /// Files of `sources/` that are not sources.
    pub warnings: Vec<Diagnostic>,
}

impl PullSummary {
    pub fn failed(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|(_, outcome)| matches!(outcome, Outcome::Failed(_)))
            .count()
    }
}

/// Progress lines for a terminal, as sources start and finish.
pub trait PullProgress: Sync {
    fn line(&self, text: &str);
}

/// The default as-of date: the last day of the newest week that has ended
/// before today (the week one would review now).
pub fn default_as_of(calendar: &Calendar, today: Date) -> Date {
    add_days(calendar.week_of(today).end, -7)
}

/// The first day any number of a review of `week` reads: its trailing 12
/// months (or fiscal year's months) and year to date one year earlier, its
/// trailing 6 weeks a year earlier, and the 12 weeks the unusual-move
/// check looks back over, with one more period for week-on-week and
/// month-on-month changes.
pub fn earliest_needed(calendar: &Calendar, week: Period) -> Date {
    let as_of = week.end;
    let months = calendar.trailing_twelve_months(as_of);
    let fiscal = calendar.fiscal_year_months(as_of);
    let first_month = months[0].start.min(fiscal[0].start);
    [
        one_year_earlier(add_days(first_month, -1).first_of_month()),
        one_year_earlier(calendar.fiscal_year_start(as_of)),
        add_days(calendar.prior_year_week(week).start, -7 * 6),
        add_days(week.start, -7 * 13),
    ]
    .into_iter()
    .min()
    .expect("four dates")
}

/// Lists the sources of `sources/`: `*.sql` files and executable files,
/// directly in the folder (helpers can live in subfolders). Files that are
/// neither are reported as warnings.
pub fn list_sources(root: &Path) -> Result<(Vec<Source>, Vec<Diagnostic>), Diagnostics> {
    let folder = root.join(SOURCES_FOLDER);
    let mut sources = Vec::new();
    let mut warnings = Vec::new();
    let mut errors = Diagnostics::default();
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(Diagnostic::new(SOURCES_FOLDER, "the project has no sources/ folder")
                .with_help("add a query such as sources/tickets.sql, or an executable that prints CSV; see the README")
                .into())
        }
        Err(error) => {
            return Err(Diagnostic::new(SOURCES_FOLDER, format!("cannot read: {error}")).into())
        }
    };
    let mut names: Vec<String> = entries
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    for file_name in names {
        let relative = Path::new(SOURCES_FOLDER).join(&file_name);
        let path = root.join(&relative);
        if let Some(link) = crate::load::inputs::link_outside(root, &relative) {
            errors.push(
                Diagnostic::new(
                    link,
                    "this is a link to a place outside the site project; sitrep runs only sources inside it",
                )
                .with_help("copy the source into the project instead of linking to it"),
            );
            continue;
        }
        let Ok(metadata) = std::fs::metadata(&path) else {
            continue;
        };
        if !metadata.is_file() {
            continue;
        }
        let sql = Path::new(&file_name)
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("sql"));
        let kind = if sql {
            SourceKind::Sql
        } else if is_executable(&metadata) {
            SourceKind::Executable
        } else {
            if !file_name.to_ascii_lowercase().ends_with(".md") {
                warnings.push(
                    Diagnostic::new(&relative, "not a source: neither a .sql query nor an executable file, so `sitrep pull` skips it")
                        .with_help(format!("make it executable (chmod +x {}) if it prints CSV, or move helpers into a subfolder", relative.display())),
                );
            }
            continue;
        };
        let name = match file_name.split_once('.') {
            Some((stem, _)) => stem.to_string(),
            None => file_name.clone(),
        };
        if !is_safe_name(&name) {
            errors.push(
                Diagnostic::new(&relative, format!("`{name}` cannot name a data file")).with_help(
                    "name sources with letters, digits, `-` and `_`, e.g. sources/tickets.sql",
                ),
            );
            continue;
        }
        if let Some(other) = sources.iter().find(|source: &&Source| source.name == name) {
            errors.push(
                Diagnostic::new(
                    &relative,
                    format!("{} also writes data/{name}.csv", other.path.display()),
                )
                .with_help("rename one of the two sources"),
            );
            continue;
        }
        sources.push(Source {
            name,
            path: relative,
            kind,
        });
    }
    errors.into_result((sources, warnings))
}

#[cfg(unix)]
fn is_executable(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    false
}

/// Picks the sources named on the command line.
fn select(sources: Vec<Source>, wanted: &[String]) -> Result<Vec<Source>, Diagnostics> {
    if wanted.is_empty() {
        return Ok(sources);
    }
    let mut errors = Diagnostics::default();
    let mut picked = Vec::new();
    for name in wanted {
        let trimmed = name.trim_end_matches('/');
        let found = sources.iter().find(|source| {
            source.name == trimmed
                || source.path == Path::new(trimmed)
                || source.path.file_name()
                    == Path::new(trimmed)
                        .file_name()
                        .filter(|_| trimmed.contains('/'))
        });
        match found {
            Some(source) if !picked.contains(source) => picked.push(source.clone()),
            Some(_) => {}
            None => {
                let help = match closest(trimmed, sources.iter().map(|source| source.name.as_str()))
                {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None => format!(
                        "the sources are: {}",
                        sources
                            .iter()
                            .map(|source| source.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                errors.push(
                    Diagnostic::new(SOURCES_FOLDER, format!("no source `{name}`")).with_help(help),
                );
            }
        }
    }
    errors.into_result(picked)
}

/// What every source runs with.
struct Context<'a> {
    root: &'a Path,
    as_of: Date,
    since: Date,
    timeout: Duration,
    pass_env: &'a [String],
    /// The connection for `.sql` sources, or why there is none.
    connection: Result<sql::Connection, Diagnostic>,
}

/// Runs the sources; see the module documentation.
pub fn pull(
    root: &Path,
    options: &PullOptions,
    progress: &dyn PullProgress,
) -> Result<PullSummary, Error> {
    let config = read_config(root)?;
    let (sources, warnings) = list_sources(root)?;
    let sources = select(sources, &options.sources)?;
    let manifest = Manifest::read(root).map_err(Diagnostics::from)?;
    let calendar = config.calendar;
    let as_of = options
        .as_of
        .unwrap_or_else(|| default_as_of(&calendar, options.today));
    let oldest_review = oldest_review_week(root, &calendar);
    let first_week = match oldest_review {
        Some(week) if week.start <= as_of => week,
        _ => calendar.week_of(as_of),
    };
    let since = earliest_needed(&calendar, first_week);
    let connection = connection(&config);
    let context = Context {
        root,
        as_of,
        since,
        timeout: options.timeout,
        pass_env: &options.pass_env,
        connection,
    };

    if options.dry_run {
        let outcomes = sources
            .into_iter()
            .map(|source| {
                let outcome = match plan(&context, &source) {
                    Ok(text) => Outcome::Planned(text),
                    Err(problems) => Outcome::Failed(problems),
                };
                (source, outcome)
            })
            .collect();
        return Ok(PullSummary {
            as_of,
            since,
            outcomes,
            warnings,
        });
    }

    let queue = Mutex::new(
        sources
            .iter()
            .enumerate()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>(),
    );
    let (sender, results) = mpsc::channel();
    let mut outcomes: Vec<Option<Outcome>> = sources.iter().map(|_| None).collect();
    std::thread::scope(|scope| {
        for _ in 0..options.jobs.max(1).min(sources.len().max(1)) {
            let sender = sender.clone();
            let queue = &queue;
            let context = &context;
            scope.spawn(move || loop {
                let next = queue.lock().expect("no worker panics holding it").pop();
                let Some((index, source)) = next else { break };
                let _ = sender.send(Event::Started(index));
                let outcome = run_source(context, source);
                let _ = sender.send(Event::Finished(index, Box::new(outcome)));
            });
        }
        drop(sender);
        let mut running: BTreeMap<usize, Instant> = BTreeMap::new();
        let mut last_notice = Instant::now();
        loop {
            match results.recv_timeout(Duration::from_secs(1)) {
                Ok(Event::Started(index)) => {
                    running.insert(index, Instant::now());
                    let source = &sources[index];
                    progress.line(&format!(
                        "  running {} → {}",
                        source.path.display(),
                        source.output().display()
                    ));
                }
                Ok(Event::Finished(index, outcome)) => {
                    let elapsed = running
                        .remove(&index)
                        .map(|start| start.elapsed())
                        .unwrap_or_default();
                    let source = &sources[index];
                    let line = match outcome.as_ref() {
                        Outcome::Pulled(file) => format!(
                            "  pulled  {}: {} row{}, {} in {:.1} s",
                            source.path.display(),
                            file.rows,
                            if file.rows == 1 { "" } else { "s" },
                            human_bytes(file.bytes),
                            elapsed.as_secs_f64()
                        ),
                        _ => format!(
                            "  failed  {} after {:.1} s",
                            source.path.display(),
                            elapsed.as_secs_f64()
                        ),
                    };
                    progress.line(&line);
                    outcomes[index] = Some(*outcome);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if last_notice.elapsed() >= Duration::from_secs(10) && !running.is_empty() {
                        last_notice = Instant::now();
                        let names: Vec<String> = running
                            .iter()
                            .map(|(index, start)| {
                                format!(
                                    "{} ({} s)",
                                    sources[*index].path.display(),
                                    start.elapsed().as_secs()
                                )
                            })
                            .collect();
                        progress.line(&format!("  still running: {}", names.join(", ")));
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
    });

    let mut manifest = manifest;
    let outcomes: Vec<(Source, Outcome)> = sources
        .into_iter()
        .zip(outcomes)
        .map(|(source, outcome)| {
            let outcome = outcome.unwrap_or_else(|| {
                Outcome::Failed(vec![Diagnostic::new(
                    &source.path,
                    "the source did not finish",
                )])
            });
            if let Outcome::Pulled(file) = &outcome {
                manifest.files.insert(
                    source.output().to_string_lossy().replace('\\', "/"),
                    file.clone(),
                );
            }
            (source, outcome)
        })
        .collect();
    if outcomes
        .iter()
        .any(|(_, outcome)| matches!(outcome, Outcome::Pulled(_)))
    {
        manifest.write(root)?;
    }
    Ok(PullSummary {
        as_of,
        since,
        outcomes,
        warnings,
    })
}

enum Event {
    Started(usize),
    Finished(usize, Box<Outcome>),
}

fn read_config(root: &Path) -> Result<SiteConfig, Error> {
    let path = root.join(SITE_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(Diagnostics::from(
                Diagnostic::new(SITE_FILE, format!("no {SITE_FILE} in {}", root.display()))
                    .with_help("run sitrep in a site project folder, or pass its path with --root"),
            )
            .into())
        }
        Err(error) => return Err(Error::io("cannot read", path, error)),
    };
    crate::load::config::parse_site_config(&text, Path::new(SITE_FILE))
        .map_err(|problems| Error::Input(Diagnostics(problems)))
}

/// The oldest week of `content/reviews/`, if any.
fn oldest_review_week(root: &Path, calendar: &Calendar) -> Option<Period> {
    review_weeks(root, calendar).into_iter().min()
}

/// The weeks of the folders of `content/reviews/` that name one.
pub fn review_weeks(root: &Path, calendar: &Calendar) -> Vec<Period> {
    let Ok(entries) = std::fs::read_dir(root.join(crate::load::inputs::REVIEWS_FOLDER)) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            calendar
                .parse_week_id(&entry.file_name().to_string_lossy())
                .ok()
        })
        .map(|week| week.week)
        .collect()
}

fn connection(config: &SiteConfig) -> Result<sql::Connection, Diagnostic> {
    let Some(database) = &config.database else {
        return Err(Diagnostic::new(SITE_FILE, "a .sql source needs a database, and site.yaml names none")
            .with_help("add `database: { url_env: SITREP_DATABASE_URL }` to site.yaml and set that environment variable to the connection URL"));
    };
    let name = &database.url_env;
    match std::env::var(name) {
        Ok(url) if !url.trim().is_empty() => sql::Connection::from_url(url.trim()).map_err(|message| {
            Diagnostic::new(SITE_FILE, format!("the environment variable {name} (`database.url_env`): {message}"))
                .with_help("set it to a URL such as postgresql://user:password@host:5432/database")
        }),
        _ => Err(Diagnostic::new(SITE_FILE, format!("the environment variable {name} is not set, so the database of `database.url_env` cannot be reached"))
            .with_help(format!("export {name}=postgresql://user:password@host:5432/database before `sitrep pull`"))),
    }
}

/// What a dry run says about a source.
fn plan(context: &Context, source: &Source) -> Result<String, Vec<Diagnostic>> {
    match source.kind {
        SourceKind::Sql => {
            let (_, query) = read_query(context.root, source)?;
            let connection = context.connection.as_ref().map_err(|problem| vec![problem.clone()])?;
            let params: Vec<String> = query
                .params
                .iter()
                .map(|param| {
                    let value = match param {
                        placeholders::Param::AsOf => context.as_of,
                        placeholders::Param::Since => context.since,
                    };
                    format!(":{} = {value}", param.name())
                })
                .collect();
            Ok(format!(
                "would query {} with {} and write {}",
                connection.description,
                if params.is_empty() { "no parameters".to_string() } else { params.join(", ") },
                source.output().display()
            ))
        }
        SourceKind::Executable => Ok(format!(
            "would run {} in the project folder with SITREP_AS_OF={} SITREP_SINCE={} and write its output to {}",
            source.path.display(),
            context.as_of,
            context.since,
            source.output().display()
        )),
    }
}

fn read_query(
    root: &Path,
    source: &Source,
) -> Result<(String, placeholders::Rewritten), Vec<Diagnostic>> {
    let bytes = std::fs::read(root.join(&source.path)).map_err(|error| {
        vec![Diagnostic::new(
            &source.path,
            format!("cannot read: {error}"),
        )]
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        vec![
            Diagnostic::new(&source.path, "the query is not valid UTF-8 text")
                .with_help("save it as UTF-8"),
        ]
    })?;
    match placeholders::rewrite(&text) {
        Ok(query) => Ok((text, query)),
        Err(unknown) => {
            let (line, column) = placeholders::line_and_column(&text, unknown.offset);
            let help = match closest(&unknown.name, ["as_of", "since"]) {
                Some(suggestion) => format!("did you mean `:{suggestion}`?"),
                None => "queries can use `:as_of` and `:since`; write `: name` with a space where a colon is not a parameter".to_string(),
            };
            Err(vec![Diagnostic::new(
                &source.path,
                format!("`:{}` is not a parameter sitrep binds", unknown.name),
            )
            .at(line, column)
            .with_help(help)])
        }
    }
}

/// Runs one source and, when it succeeds, puts its result in place.
fn run_source(context: &Context, source: &Source) -> Outcome {
    let started = jiff::Timestamp::now();
    // What can be known wrong without running is reported before data/
    // is touched.
    if source.kind == SourceKind::Sql {
        if let Err(problems) = read_query(context.root, source) {
            return Outcome::Failed(problems);
        }
        if let Err(problem) = &context.connection {
            return Outcome::Failed(vec![problem.clone()]);
        }
    }
    let output = context.root.join(source.output());
    let folder = output.parent().expect("data/<name>.csv has a folder");
    if let Some(link) = crate::load::inputs::link_outside(context.root, &source.output()) {
        return Outcome::Failed(vec![Diagnostic::new(
            link,
            "this is a link to a place outside the site project; sitrep writes pulled data only inside it",
        )
        .with_help("replace the link with a real folder or file")]);
    }
    if let Err(error) = std::fs::create_dir_all(folder) {
        return Outcome::Failed(vec![Diagnostic::new(
            DATA_FOLDER,
            format!("cannot create: {error}"),
        )]);
    }
    // A hidden temporary file next to the target: never an input of a
    // build that runs meanwhile, and renamed over the target in one step.
    let temporary = match tempfile::Builder::new()
        .prefix(&format!(".{}.", source.name))
        .suffix(".pulling")
        .tempfile_in(folder)
    {
        Ok(file) => file,
        Err(error) => {
            return Outcome::Failed(vec![Diagnostic::new(
                DATA_FOLDER,
                format!("cannot write a file: {error}"),
            )])
        }
    };
    let source_bytes = std::fs::read(context.root.join(&source.path)).unwrap_or_default();
    let mut writer = HashingWriter::new(std::io::BufWriter::new(temporary.as_file()));
    let (connection, rows) = match source.kind {
        SourceKind::Sql => match run_sql(context, source, &mut writer) {
            Ok(result) => result,
            Err(problems) => return Outcome::Failed(problems),
        },
        SourceKind::Executable => match run_executable(context, source, &mut writer) {
            Ok(rows) => (None, rows),
            Err(problems) => return Outcome::Failed(problems),
        },
    };
    let (hash, bytes) = match writer.finish() {
        Ok(done) => done,
        Err(error) => {
            return Outcome::Failed(vec![Diagnostic::new(
                source.output(),
                format!("cannot write: {error}"),
            )])
        }
    };
    if let Err(error) = temporary.as_file().sync_all() {
        return Outcome::Failed(vec![Diagnostic::new(
            source.output(),
            format!("cannot write: {error}"),
        )]);
    }
    if let Err(error) = set_permissions(temporary.path(), &output) {
        return Outcome::Failed(vec![Diagnostic::new(
            source.output(),
            format!("cannot write: {error}"),
        )]);
    }
    if let Err(error) = temporary.persist(&output) {
        return Outcome::Failed(vec![Diagnostic::new(
            source.output(),
            format!("cannot replace: {}", error.error),
        )]);
    }
    Outcome::Pulled(PulledFile {
        source: source.path.to_string_lossy().replace('\\', "/"),
        source_sha256: hex(&Sha256::digest(&source_bytes)),
        connection,
        as_of: context.as_of.to_string(),
        since: context.since.to_string(),
        started: started.to_string(),
        finished: jiff::Timestamp::now().to_string(),
        rows,
        bytes,
        sha256: hash,
    })
}

/// Gives the temporary file `temporary` the permissions of the file it
/// replaces, or for a new file the usual `rw-r--r--` (a temporary file is
/// private to its owner).
pub(crate) fn set_permissions(temporary: &Path, target: &Path) -> std::io::Result<()> {
    match std::fs::metadata(target) {
        Ok(metadata) => std::fs::set_permissions(temporary, metadata.permissions()),
        #[cfg(unix)]
        Err(_) => {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(temporary, std::fs::Permissions::from_mode(0o644))
        }
        #[cfg(not(unix))]
        Err(_) => Ok(()),
    }
}

fn run_sql(
    context: &Context,
    source: &Source,
    out: &mut HashingWriter<impl Write>,
) -> Result<(Option<String>, u64), Vec<Diagnostic>> {
    let (text, query) = read_query(context.root, source)?;
    let connection = context
        .connection
        .as_ref()
        .map_err(|problem| vec![problem.clone()])?;
    let at = |message: String| Diagnostic::new(&source.path, message);
    match sql::run(connection, &query, context.as_of, context.since, context.timeout, out) {
        Ok(written) => Ok((Some(connection.description.clone()), written.rows)),
        Err(failure) => Err(vec![match failure {
            sql::Failure::Query { message, position, help } => {
                let mut diagnostic = at(format!("the database refused the query: {message}"));
                if let Some(position) = position {
                    let (line, column) = query.line_and_column(&text, position);
                    diagnostic = diagnostic.at(line, column);
                }
                diagnostic.with_help(help.unwrap_or_else(|| "fix the query; the data file was left as it was".to_string()))
            }
            sql::Failure::Connect(reason) => at(format!("cannot connect to {}: {reason}", connection.description))
                .with_help("check that the server runs and that the user, password and database in the URL are right; the data file was left as it was"),
            sql::Failure::TimedOut => at(format!("the query ran past its time limit of {}", human_duration(context.timeout)))
                .with_help("make the query cheaper (filter on :since), or allow more time with --timeout; the data file was left as it was"),
            sql::Failure::Column { message, help } => at(message).with_help(help),
            sql::Failure::Write(error) => Diagnostic::new(source.output(), format!("cannot write: {error}")),
        }]),
    }
}

fn run_executable(
    context: &Context,
    source: &Source,
    out: &mut HashingWriter<impl Write + Send>,
) -> Result<u64, Vec<Diagnostic>> {
    let program = std::fs::canonicalize(context.root.join(&source.path)).map_err(|error| {
        vec![Diagnostic::new(
            &source.path,
            format!("cannot run: {error}"),
        )]
    })?;
    let extra = [
        ("SITREP_AS_OF", context.as_of.to_string()),
        ("SITREP_SINCE", context.since.to_string()),
        ("SITREP_SOURCE", source.path.to_string_lossy().into_owned()),
    ];
    let at = |message: String| Diagnostic::new(&source.path, message);
    let mut buffer = Vec::new();
    exec::run(&program, context.root, &extra, context.pass_env, context.timeout, &mut buffer).map_err(|failure| {
        vec![match failure {
            exec::Failure::Start(error) => at(format!("cannot run: {error}"))
                .with_help("check its first line (e.g. `#!/bin/sh`) and that it is executable"),
            exec::Failure::Exit { status, stderr } => at(format!("exited with {status}{}", quoted(&stderr)))
                .with_help("run it by hand from the project folder to see why; the data file was left as it was"),
            exec::Failure::TimedOut { stderr } => at(format!(
                "ran past its time limit of {} and was stopped{}",
                human_duration(context.timeout),
                quoted(&stderr)
            ))
            .with_help("make it faster, or allow more time with --timeout; the data file was left as it was"),
            exec::Failure::Write(error) => at(format!("cannot read its output: {error}")),
        }]
    })?;
    let rows = check_csv(&buffer).map_err(|(line, message)| {
        vec![at(format!(
            "its output is not a CSV file: line {line} of the output {message}"
        ))
        .with_help(
            "print CSV with a header row to standard output, and messages to standard error",
        )]
    })?;
    out.write_all(&buffer).map_err(|error| {
        vec![Diagnostic::new(
            source.output(),
            format!("cannot write: {error}"),
        )]
    })?;
    Ok(rows)
}

fn quoted(stderr: &str) -> String {
    if stderr.trim().is_empty() {
        String::new()
    } else {
        // One line: messages never span lines, so a source's output cannot
        // pose as sitrep's own lines in the terminal.
        let lines: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect();
        format!(": {}", lines.join(" | "))
    }
}

/// Checks that `bytes` is CSV with a header and rows of its width; the
/// number of rows, or the output line of the first problem.
fn check_csv(bytes: &[u8]) -> Result<u64, (u64, String)> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err((1, "is empty".to_string()));
    }
    if std::str::from_utf8(bytes).is_err() {
        return Err((1, "is not UTF-8 text".to_string()));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let width = reader
        .headers()
        .map_err(|error| (1, error.to_string()))?
        .len();
    let mut rows = 0;
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => rows += 1,
            Ok(false) => break,
            Err(error) => {
                let line = error
                    .position()
                    .map_or(rows + 2, |position| position.line());
                return Err((
                    line,
                    format!("has a row that does not match the header ({width} columns)"),
                ));
            }
        }
    }
    Ok(rows)
}

/// Writes through, counting bytes and hashing them.
struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    fn finish(mut self) -> std::io::Result<(String, u64)> {
        self.inner.flush()?;
        Ok((hex(&self.hasher.finalize()), self.bytes))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buffer)?;
        self.hasher.update(&buffer[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn human_bytes(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} kB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

fn human_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds >= 60.0 && seconds % 60.0 == 0.0 {
        format!("{} min", seconds as u64 / 60)
    } else {
        format!("{seconds} s")
    }
}

/// Parses `--timeout`: `90`, `90s`, `10m`, `1h`, `500ms`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 90s or 10m"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        _ => return Err(format!("`{text}` is not a duration such as 90s or 10m")),
    };
    if seconds > 0.0 && seconds.is_finite() {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err("the time limit must be more than zero".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn as_of_defaults_to_the_end_of_the_last_week_that_ended() {
        let calendar = Calendar::default();
        // Monday 2026-11-23: the week of 16–22 November has ended.
        assert_eq!(
            default_as_of(&calendar, date(2026, 11, 23)),
            date(2026, 11, 22)
        );
        // Sunday 2026-11-22 is not over yet: the week before.
        assert_eq!(
            default_as_of(&calendar, date(2026, 11, 22)),
            date(2026, 11, 15)
        );
    }

    #[test]
    fn since_covers_every_period_a_review_reads() {
        let calendar = Calendar::default();
        // Week 2026-W47: 16–22 November 2026. Its trailing 12 months are
        // November 2025 – October 2026; a year earlier, and one month more
        // for month-on-month change: 1 October 2024.
        let week = Period::new(date(2026, 11, 16), date(2026, 11, 22));
        assert_eq!(earliest_needed(&calendar, week), date(2024, 10, 1));
        // A fiscal year ending in June: year to date starts 1 July 2026,
        // still later than the months' October 2024.
        let fiscal = Calendar {
            fiscal_year_end_month: 6,
            ..Calendar::default()
        };
        assert_eq!(earliest_needed(&fiscal, week), date(2024, 10, 1));
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn executable_output_must_be_csv_with_a_header() {
        assert_eq!(check_csv(b"date,x\n2026-11-16,1\n2026-11-17,2\n"), Ok(2));
        assert!(check_csv(b"").is_err());
        assert_eq!(check_csv(b"date,x\n2026-11-16,1,9\n").unwrap_err().0, 2);
    }
}

//! The pipeline behind the commands: read inputs → load → compute numbers
//! → render pages → write the site.
//!
//! A build is incremental: the output folder keeps a cache of what the
//! last build made from which inputs, so a version whose inputs did not
//! change is neither parsed, computed nor rendered again, and a build
//! with nothing changed stops after reading the inputs.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::compute::restate::{restatements, Restatement};
use crate::compute::status::Status;
use crate::compute::{compute_review, ReviewNumbers, VersionSummary};
use crate::error::{Diagnostic, Diagnostics, Error};
use crate::load::config::SiteConfig;
use crate::load::inputs::{InputFiles, REVIEWS_FOLDER};
use crate::load::{LoadPlan, Review, Site, NUMBERS_FILE};
use crate::render::{version_paths, Renderer};
use crate::write::{lock_output, OutputFile, OutputLock, SiteWriter, WriteSummary, BUILD_STAMP};

/// Told about each stage of a long build, for progress display.
pub trait Progress: Sync {
    fn stage(&self, message: &str);
}

/// Shows nothing.
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _: &str) {}
}

/// What `build` did, for its one-line summary.
#[derive(Debug, Clone)]
pub struct BuildSummary {
    pub output: PathBuf,
    pub versions: usize,
    pub drafts: usize,
    pub programs: usize,
    pub pages: usize,
    pub charts: usize,
    /// Versions rendered by this build; the others kept their pages.
    pub rendered: usize,
    pub files: WriteSummary,
    pub warnings: Vec<Diagnostic>,
    pub restatements: Vec<Restatement>,
    pub elapsed: Duration,
    /// Draft weeks this build left out (built without `drafts`).
    pub drafts_left_out: usize,
    /// Where the time went, by stage (`sitrep build --timings`).
    pub timings: Timings,
}

/// How to build.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions {
    /// Build draft (unpublished) weeks too, as `serve` does; a production
    /// build leaves them out, like Hugo.
    pub drafts: bool,
}

/// Where a build spent its time, by stage. The stages of the versions
/// (parsing their published numbers, computing, rendering, writing) run
/// as parallel tasks, one version per task: for them the time summed over
/// the tasks is kept, and the wall-clock time of the parallel part once.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// Listing, reading and fingerprinting every input file.
    pub read: Duration,
    /// Parsing the data, programs and narratives (the loader).
    pub parse: Duration,
    /// Parsing published numbers, in the versions' tasks.
    pub parse_tasks: Duration,
    /// Computing numbers (drafts) and restatement checks, in tasks.
    pub compute_tasks: Duration,
    /// Rendering pages and `data.json`, in tasks.
    pub render_tasks: Duration,
    /// Rendering the site-wide pages (archive, landing page, lists).
    pub render: Duration,
    /// Writing the versions' files, in tasks.
    pub write_tasks: Duration,
    /// Writing the site-wide files and swapping the new site in.
    pub write: Duration,
    /// Wall-clock time of the versions' parallel tasks.
    pub versions: Duration,
    /// Threads the tasks ran on.
    pub threads: usize,
}

/// Time summed over parallel tasks.
#[derive(Debug, Default)]
struct TaskTime(AtomicU64);

/// The stages' time summed over the versions' tasks.
#[derive(Debug, Default)]
struct TaskTimes {
    parse: TaskTime,
    compute: TaskTime,
    render: TaskTime,
    write: TaskTime,
}

impl TaskTime {
    /// Runs `work`, adding the time it took.
    fn time<T>(&self, work: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let result = work();
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.0.fetch_add(nanos, Ordering::Relaxed);
        result
    }

    fn total(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::Relaxed))
    }
}

impl Timings {
    /// A table of the stages for `sitrep build --timings`: each stage's
    /// wall-clock time where it runs alone, and its time summed over the
    /// versions' parallel tasks where it runs in them. `total` is the
    /// whole build's wall-clock time.
    pub fn table(&self, total: Duration) -> String {
        let ms = |duration: Duration| format!("{:.1} ms", duration.as_secs_f64() * 1000.0);
        let task = |time: Duration| ms(time);
        let rows: Vec<(&str, String, String)> = vec![
            ("read", ms(self.read), String::new()),
            ("parse", ms(self.parse), task(self.parse_tasks)),
            ("compute", String::new(), task(self.compute_tasks)),
            ("render", ms(self.render), task(self.render_tasks)),
            ("write", ms(self.write), task(self.write_tasks)),
            ("versions (parallel part)", ms(self.versions), String::new()),
            ("total", ms(total), String::new()),
        ];
        let header = ("stage", "wall".to_string(), "in tasks".to_string());
        let widths = std::iter::once(&header)
            .chain(&rows)
            .fold((0, 0), |(stage, wall), row| {
                (stage.max(row.0.len()), wall.max(row.1.len()))
            });
        let mut table = format!(
            "Time by stage (wall clock; \"in tasks\": summed over the versions' tasks, which ran on {} thread{}):\n",
            self.threads,
            if self.threads == 1 { "" } else { "s" }
        );
        for (stage, wall, tasks) in std::iter::once(&header).chain(&rows) {
            let line = format!(
                "  {stage:<stage_width$}  {wall:>wall_width$}  {tasks:>12}",
                stage_width = widths.0,
                wall_width = widths.1
            );
            table.push_str(line.trim_end());
            table.push('\n');
        }
        table
    }
}

/// What the last build of an output folder made, from which inputs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct BuildCache {
    /// The sitrep that wrote it; another one starts afresh.
    sitrep: String,
    /// [`crate::load::inputs::InputKeys`] of the build.
    shared: u64,
    data: u64,
    programs: usize,
    versions: BTreeMap<String, CachedVersion>,
    /// The site-wide files (archive, landing page, assets, lists).
    site_files: Vec<String>,
    warnings: Vec<Diagnostic>,
}

/// What a build made of one version.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedVersion {
    /// The fingerprint of every input its pages depend on.
    key: u64,
    summary: VersionSummary,
    pages: usize,
    charts: usize,
    /// Its pages and `data.json`.
    files: usize,
    /// Site paths its narratives link to: a kept version whose link lost
    /// its target is rendered again (and fails with the line).
    links: Vec<String>,
    restatements: Vec<Restatement>,
    /// For a published version, the fingerprint of the data its
    /// restatements were found with (see [`as_of_data_keys`]).
    #[serde(default)]
    as_of_data: Option<u64>,
}

/// Inside the output folder, so that a build writes nowhere else, and
/// swapped in last, so that it never describes pages that are not there.
/// It holds fingerprints, counts, the summary of each version, and the
/// warnings and restatements of the last build.
const CACHE_FILE: &str = ".sitrep-cache.json";

/// The cache of the last build, if it was written by this sitrep and is
/// consistent.
fn read_cache(output: &Path) -> Option<BuildCache> {
    let path = output.join(CACHE_FILE);
    // A link planted in its place is not followed.
    if !std::fs::symlink_metadata(&path).is_ok_and(|metadata| metadata.file_type().is_file()) {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let cache: BuildCache = serde_json::from_slice(&bytes).ok()?;
    let consistent = cache
        .versions
        .iter()
        .all(|(id, cached)| cached.summary.version.id == *id);
    (cache.sitrep == crate::BUILD_IDENTITY && consistent).then_some(cache)
}

/// Builds the site at `root` into `output` (default: the site's `output`
/// setting, relative to `root`). Nothing is published unless every input
/// is valid, and the published site changes only once the new pages are
/// complete. Versions whose inputs did not change keep their pages.
/// Draft weeks are left out; see [`build_with`].
pub fn build(
    root: &Path,
    output: Option<&Path>,
    progress: &dyn Progress,
) -> Result<BuildSummary, Error> {
    build_with(root, output, BuildOptions::default(), progress)
}

/// [`build`] with options (`drafts`: draft weeks too).
pub fn build_with(
    root: &Path,
    output: Option<&Path>,
    options: BuildOptions,
    progress: &dyn Progress,
) -> Result<BuildSummary, Error> {
    let result = build_site(root, output, options, progress);
    crate::pull::Manifest::explain(root, result, |summary| &mut summary.warnings)
}

fn build_site(
    root: &Path,
    output: Option<&Path>,
    options: BuildOptions,
    progress: &dyn Progress,
) -> Result<BuildSummary, Error> {
    let started = Instant::now();
    progress.stage("reading inputs");
    let inputs = InputFiles::read(root)?;
    let mut timings = Timings {
        read: started.elapsed(),
        threads: rayon::current_num_threads(),
        ..Timings::default()
    };
    let output = output.map(Path::to_path_buf).unwrap_or_else(|| {
        let setting = match &inputs.config {
            Ok(config) => config.output.clone(),
            Err(_) => SiteConfig::default().output,
        };
        root.join(setting)
    });
    // Before anything is done to the output folder or next to it.
    check_output_place(root, &output)?;
    // From here until the new pages are in place, this build has the
    // output folder to itself; what a killed build left is dealt with.
    let lock = lock_output(&output)?;
    let mut rerender = HashSet::new();
    loop {
        match build_from(
            &inputs,
            &output,
            &lock,
            &rerender,
            options,
            progress,
            &mut timings,
        )? {
            Built::Done(summary) => {
                return Ok(BuildSummary {
                    elapsed: started.elapsed(),
                    timings,
                    ..*summary
                })
            }
            Built::LinksLost(versions) => rerender.extend(versions),
        }
    }
}

/// Refuses an output folder that a build must not write: one reached
/// from the project through a link to a place outside it, the project
/// itself, or one inside an input folder (`content/`, `data/`, …), also
/// when reached through links. An output folder given outside the project
/// with `--output` is the user's choice.
fn check_output_place(root: &Path, output: &Path) -> Result<(), Error> {
    let refuse = |message: String| -> Error {
        Diagnostics::from(
            Diagnostic::new(output, message)
                .with_help("choose another folder with --output or `output:` in site.yaml"),
        )
        .into()
    };
    if let Ok(relative) = output.strip_prefix(root) {
        if let Some(link) = crate::load::inputs::link_outside(root, relative) {
            return Err(Diagnostics::from(
                Diagnostic::new(
                    &link,
                    "the output folder is reached through this link to a place outside the site project; sitrep writes only inside it",
                )
                .with_help("remove the link, or choose another `output:` folder in site.yaml"),
            )
            .into());
        }
    }
    let Ok(resolved_root) = std::fs::canonicalize(root) else {
        return Ok(());
    };
    let resolved = resolve(output);
    if resolved == resolved_root {
        return Err(refuse(
            "the output folder is the site project itself; a build replaces the whole output folder".to_string(),
        ));
    }
    if let Ok(inside) = resolved.strip_prefix(&resolved_root) {
        let first = inside.components().next();
        if let Some(folder) = first.and_then(|first| first.as_os_str().to_str()) {
            if crate::load::config::INPUT_FOLDERS.contains(&folder) {
                return Err(refuse(format!(
                    "the output folder is inside {folder}/, an input folder of the site project; a build would write among its inputs"
                )));
            }
        }
    }
    Ok(())
}

/// `path` made absolute with every link resolved, as far as it exists;
/// the missing rest appended (with `..` taken lexically).
fn resolve(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut missing = Vec::new();
    let mut existing = absolute.as_path();
    let mut resolved = loop {
        if let Ok(resolved) = std::fs::canonicalize(existing) {
            break resolved;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                missing.push(last.as_os_str().to_os_string());
                existing = parent;
            }
            _ => break existing.to_path_buf(),
        }
    };
    for part in missing.into_iter().rev() {
        if part == ".." {
            resolved.pop();
        } else if part != "." {
            resolved.push(part);
        }
    }
    resolved
}

enum Built {
    Done(Box<BuildSummary>),
    /// Kept versions to render again: their narratives link to pages this
    /// build drops, or their restatements changed.
    LinksLost(Vec<String>),
}

/// One attempt at a build; `rerender` are versions to render even if
/// their inputs did not change.
fn build_from(
    inputs: &InputFiles,
    output: &Path,
    lock: &OutputLock,
    rerender: &HashSet<String>,
    options: BuildOptions,
    progress: &dyn Progress,
    timings: &mut Timings,
) -> Result<Built, Error> {
    let started = Instant::now();
    let keys = inputs.keys();
    let is_published =
        |name: &String| inputs.has(&Path::new(REVIEWS_FOLDER).join(name).join(NUMBERS_FILE));
    // Drafts left out are neither loaded nor built; a draft's pages left by
    // an earlier build with drafts go with the other units not built.
    let drafts_left_out: HashSet<String> = keys
        .folders
        .keys()
        .filter(|name| !options.drafts && !is_published(name))
        .cloned()
        .collect();
    let version_keys: BTreeMap<&String, u64> = keys
        .folders
        .iter()
        .filter(|(name, _)| !drafts_left_out.contains(*name))
        .map(|(name, folder)| {
            // Published pages show frozen numbers: the data does not matter.
            let key = if is_published(name) {
                crate::fingerprint(&(keys.shared, folder))
            } else {
                crate::fingerprint(&(keys.shared, keys.data, folder))
            };
            (name, key)
        })
        .collect();
    // The cache is trusted only as far as the output folder bears it out.
    let previous = read_cache(output)
        .filter(|cache| cache.shared == keys.shared && !inputs.has_problems())
        .filter(|cache| {
            cache
                .site_files
                .iter()
                .all(|path| output.join(path).is_file())
        })
        .unwrap_or_default();
    let kept: HashSet<String> = version_keys
        .iter()
        .filter(|(id, key)| {
            !rerender.contains(**id)
                && previous.versions.get(**id).is_some_and(|cached| {
                    cached.key == **key
                        && version_paths(&cached.summary.version.id, &cached.summary.programs)
                            .iter()
                            .all(|path| output.join(path).is_file())
                })
        })
        .map(|(id, _)| (*id).clone())
        .collect();
    let data_changed = previous.data != keys.data;
    timings.read += started.elapsed();
    if kept.len() == version_keys.len()
        && previous.versions.len() == version_keys.len()
        && !data_changed
    {
        // Nothing changed since the last build.
        return Ok(Built::Done(Box::new(BuildSummary {
            drafts_left_out: drafts_left_out.len(),
            ..cached_summary(output, &previous)
        })));
    }

    progress.stage("loading inputs");
    let started = Instant::now();
    let plan = LoadPlan {
        skip_narratives: kept.union(&drafts_left_out).cloned().collect(),
        // Published numbers are parsed by their version's task below, so
        // that a build holds a few versions' numbers at a time, not the
        // archive's.
        skip_numbers: inputs.review_folders.iter().cloned().collect(),
    };
    let site = Site::from_inputs(inputs, &plan)?;
    let as_of_keys = as_of_data_keys(&site, keys.data);
    let reviews: Vec<&Review> = site
        .reviews
        .iter()
        .filter(|review| !drafts_left_out.contains(&review.week.id))
        .collect();

    let versions: Vec<VersionPlan> = reviews
        .iter()
        .copied()
        .map(|review| match previous.versions.get(&review.week.id) {
            Some(cached) if kept.contains(&review.week.id) => VersionPlan::Keep {
                review,
                cached,
                // Its restatements were found with other data than
                // today's as of its week.
                recheck: review.published
                    && cached.as_of_data != as_of_keys.get(&review.week.id).copied(),
            },
            _ => VersionPlan::Render(review),
        })
        .collect();
    let pages: Vec<(String, Vec<String>)> = versions
        .par_iter()
        .map(|version| match version {
            VersionPlan::Keep { cached, .. } => (
                cached.summary.version.id.clone(),
                cached.summary.programs.clone(),
            ),
            VersionPlan::Render(review) => version_pages(&site, inputs, review),
        })
        .collect();
    let renderer = Renderer::new(&site, &pages, BUILD_STAMP)?;
    let lost: Vec<String> = versions
        .iter()
        .filter_map(|version| match version {
            VersionPlan::Keep { cached, .. }
                if cached.links.iter().any(|link| !renderer.has_path(link)) =>
            {
                Some(cached.summary.version.id.clone())
            }
            _ => None,
        })
        .collect();
    timings.parse += started.elapsed();
    if !lost.is_empty() {
        return Ok(Built::LinksLost(lost));
    }
    // A kept published week whose restatements changed (the data moved
    // again) lists them on its pages: it is rendered again.
    // Only a week whose data up to its end changed is checked again, one
    // week's published numbers at a time.
    let rechecked: Vec<Result<Option<String>, Diagnostics>> = versions
        .par_iter()
        .map(|version| match version {
            VersionPlan::Keep {
                review,
                cached,
                recheck: true,
            } => {
                let frozen = frozen_numbers(inputs, review)?;
                Ok((restated(&site, review, &frozen) != cached.restatements)
                    .then(|| cached.summary.version.id.clone()))
            }
            _ => Ok(None),
        })
        .collect();
    let mut restated_again = Vec::new();
    let mut problems = Diagnostics::default();
    for result in rechecked {
        match result {
            Ok(id) => restated_again.extend(id),
            Err(more) => problems.extend(more),
        }
    }
    problems.into_result(())?;
    if !restated_again.is_empty() {
        return Ok(Built::LinksLost(restated_again));
    }

    // Each version is parsed or computed, rendered and written in one go,
    // so that a build holds a few versions in memory at a time, not the
    // archive.
    progress.stage("computing numbers and rendering pages");
    let started = Instant::now();
    let tasks = TaskTimes::default();
    let writer = SiteWriter::open(output, lock, &build_time())?;
    let results: Vec<Result<CachedVersion, Error>> = versions
        .par_iter()
        .map(|version| match version {
            VersionPlan::Keep {
                cached,
                recheck: false,
                ..
            } => {
                writer.keep(cached.files);
                Ok((*cached).clone())
            }
            VersionPlan::Keep {
                review,
                cached,
                recheck: true,
            } => {
                // Its restatements were found again above and are the
                // same; only the data they were found with is new.
                writer.keep(cached.files);
                Ok(CachedVersion {
                    as_of_data: as_of_keys.get(&review.week.id).copied(),
                    ..(*cached).clone()
                })
            }
            VersionPlan::Render(review) => {
                let id = &review.week.id;
                let frozen = tasks.parse.time(|| frozen_numbers(inputs, review))?;
                let fresh;
                let numbers = match &frozen {
                    Some(frozen) => frozen,
                    None => {
                        fresh = tasks.compute.time(|| compute_review(&site, &review.week));
                        &fresh
                    }
                };
                let restatements = tasks.compute.time(|| restated(&site, review, &frozen));
                let (rendered, data) = tasks.render.time(|| {
                    renderer
                        .version(numbers, &restatements)
                        .map(|rendered| {
                            let data = crate::render::annotations::DataJson::new(&site, numbers);
                            (
                                rendered,
                                to_compact_json(&data, data_json_size_hint(numbers)),
                            )
                        })
                        .map_err(Diagnostics)
                })?;
                let pages = rendered.files.len();
                let mut files = rendered.files;
                files.push(OutputFile::new(PathBuf::from(id).join("data.json"), data));
                tasks.write.time(|| writer.write_unit(id, &files))?;
                Ok(CachedVersion {
                    key: version_keys[id],
                    summary: numbers.summary(),
                    pages,
                    charts: rendered.charts,
                    files: files.len(),
                    links: rendered.links,
                    restatements,
                    as_of_data: as_of_keys.get(id).copied(),
                })
            }
        })
        .collect();
    timings.versions += started.elapsed();
    timings.parse_tasks += tasks.parse.total();
    timings.compute_tasks += tasks.compute.total();
    timings.render_tasks += tasks.render.total();
    timings.write_tasks += tasks.write.total();
    let mut errors = Diagnostics::default();
    let mut cache = BuildCache {
        sitrep: crate::BUILD_IDENTITY.to_string(),
        shared: keys.shared,
        data: keys.data,
        programs: site.programs.len(),
        warnings: site.warnings.clone(),
        ..BuildCache::default()
    };
    let mut summaries = Vec::with_capacity(results.len());
    for (review, result) in reviews.iter().zip(results) {
        match result {
            Ok(entry) => {
                summaries.push(entry.summary.clone());
                cache.versions.insert(review.week.id.clone(), entry);
            }
            Err(Error::Input(problems)) => errors.extend(problems),
            Err(error) => return Err(error),
        }
    }
    errors.into_result(())?;
    let started = Instant::now();
    let mut site_files = renderer.site_files(&summaries, drafts_left_out.len())?;
    site_files.extend(version_lists(&summaries));
    timings.render += started.elapsed();
    let started = Instant::now();
    cache.site_files = site_files
        .iter()
        .map(|file| file.path.to_string_lossy().into_owned())
        .collect();
    let mut units: BTreeMap<String, Vec<OutputFile>> = BTreeMap::new();
    for file in site_files {
        units.entry(file.unit()).or_default().push(file);
    }
    let mut all_units: BTreeSet<String> = cache.versions.keys().cloned().collect();
    units
        .par_iter()
        .map(|(unit, files)| writer.write_unit(unit, files))
        .collect::<Result<Vec<usize>, Error>>()?;
    all_units.extend(units.into_keys());
    let summary = summary_of(output, &cache);
    let cache_written =
        writer.write_unit(CACHE_FILE, &[OutputFile::new(CACHE_FILE, to_json(&cache))])?;
    all_units.insert(CACHE_FILE.to_string());
    let files = writer.commit(&all_units)?;
    timings.write += started.elapsed();
    Ok(Built::Done(Box::new(BuildSummary {
        files: WriteSummary {
            // The cache is bookkeeping, not a file of the site.
            written: files.written - cache_written,
            ..files
        },
        rendered: cache.versions.len() - kept.len(),
        drafts_left_out: drafts_left_out.len(),
        ..summary
    })))
}

/// For each published review, a fingerprint of the data its restatement
/// check reads: every column metric's values dated on or before the
/// review's as-of date (its week's end; a version reads nothing later),
/// in program and metric order. Rows appended after a week leave its
/// fingerprint as it was; a changed, added or removed row on or before it
/// changes it. Event metrics read whole exports (first and last day,
/// rows resolved later), so a site with any takes all of its data.
/// (The definitions the numbers depend on are in the cache's shared key.)
fn as_of_data_keys(site: &Site, data: u64) -> HashMap<String, u64> {
    use std::hash::{Hash, Hasher};
    let published: Vec<&Review> = site.reviews.iter().filter(|r| r.published).collect();
    // The reviews are in week order: their ends ascend.
    let ends: Vec<jiff::civil::Date> = published.iter().map(|r| r.week.week.end).collect();
    let mut hashers = vec![std::hash::DefaultHasher::new(); ends.len()];
    let mut events = false;
    for program in &site.programs {
        for metric in &program.metrics {
            events |= metric.events.is_some();
            let fingerprints = match &metric.series {
                Some(series) => series.fingerprints_through(&ends),
                None => vec![0; ends.len()],
            };
            for (hasher, fingerprint) in hashers.iter_mut().zip(fingerprints) {
                (&program.id, &metric.definition.id, fingerprint).hash(hasher);
            }
        }
    }
    published
        .iter()
        .zip(hashers)
        .map(|(review, mut hasher)| {
            if events {
                data.hash(&mut hasher);
            }
            (review.week.id.clone(), hasher.finish())
        })
        .collect()
}

/// The numbers `review` was published with, parsed from its
/// `numbers.json`; `None` for a draft.
fn frozen_numbers(
    inputs: &InputFiles,
    review: &Review,
) -> Result<Option<ReviewNumbers>, Diagnostics> {
    if !review.published {
        return Ok(None);
    }
    let path = Path::new(REVIEWS_FOLDER)
        .join(&review.week.id)
        .join(NUMBERS_FILE);
    let mut errors = Diagnostics::default();
    let numbers = crate::load::read_frozen_numbers(inputs, &path, &review.week, &mut errors);
    errors.into_result(numbers)
}

/// A version's id and the programs that have a page in it: those of its
/// published numbers, else every program of the site. Of published
/// numbers only the programs' names are read here (the version's task
/// parses them whole); numbers that cannot be read give no pages, and
/// the task reports why.
fn version_pages(site: &Site, inputs: &InputFiles, review: &Review) -> (String, Vec<String>) {
    /// The programs of published numbers, the rest skipped unparsed.
    #[derive(Deserialize)]
    struct FrozenPrograms {
        programs: indexmap::IndexMap<String, serde::de::IgnoredAny>,
    }
    let programs = if review.published {
        let path = Path::new(REVIEWS_FOLDER)
            .join(&review.week.id)
            .join(NUMBERS_FILE);
        inputs
            .read_whole(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<FrozenPrograms>(&bytes).ok())
            .map(|frozen| frozen.programs.into_keys().collect())
            .unwrap_or_default()
    } else {
        site.programs
            .iter()
            .map(|program| program.id.clone())
            .collect()
    };
    (review.week.id.clone(), programs)
}

/// What a build does with one version.
enum VersionPlan<'a> {
    /// Compute and render it.
    Render(&'a Review),
    /// Keep its published pages; `recheck`: find its restatements again.
    Keep {
        review: &'a Review,
        cached: &'a CachedVersion,
        recheck: bool,
    },
}

/// The numbers of a published version (`frozen`) that today's data
/// changes; none for a draft.
fn restated(site: &Site, review: &Review, frozen: &Option<ReviewNumbers>) -> Vec<Restatement> {
    match frozen {
        Some(frozen) => restatements(frozen, &compute_review(site, &review.week)),
        None => Vec::new(),
    }
}

/// The summary of a build that found nothing to do.
fn cached_summary(output: &Path, cache: &BuildCache) -> BuildSummary {
    let mut summary = summary_of(output, cache);
    summary.files.unchanged =
        cache.site_files.len() + cache.versions.values().map(|v| v.files).sum::<usize>();
    summary
}

fn summary_of(output: &Path, cache: &BuildCache) -> BuildSummary {
    let versions = cache.versions.values();
    BuildSummary {
        output: output.to_path_buf(),
        versions: cache.versions.len(),
        drafts: versions.clone().filter(|v| !v.summary.published).count(),
        programs: cache.programs,
        pages: versions.clone().map(|v| v.pages).sum::<usize>() + 2,
        charts: versions.clone().map(|v| v.charts).sum(),
        rendered: 0,
        files: WriteSummary::default(),
        warnings: cache.warnings.clone(),
        restatements: versions.flat_map(|v| v.restatements.clone()).collect(),
        elapsed: Duration::ZERO,
        drafts_left_out: 0,
        timings: Timings::default(),
    }
}

/// What `check` found in a valid site.
#[derive(Debug, Clone)]
pub struct CheckSummary {
    pub versions: usize,
    pub programs: usize,
    pub metrics: usize,
    pub data_files: usize,
    pub warnings: Vec<Diagnostic>,
    pub restatements: Vec<Restatement>,
}

/// Computes and renders every version of a loaded site in memory, as a
/// build would, reporting every problem; writes nothing. Returns the
/// numbers of published weeks that today's data changes.
fn check_site(site: &Site, inputs: &InputFiles) -> Result<Vec<Restatement>, Error> {
    let pages: Vec<(String, Vec<String>)> = site
        .reviews
        .par_iter()
        .map(|review| version_pages(site, inputs, review))
        .collect();
    let renderer = Renderer::new(site, &pages, BUILD_STAMP)?;
    // One version at a time per thread: memory stays flat however long
    // the archive.
    let checked: Vec<(Vec<Diagnostic>, Option<VersionSummary>, Vec<Restatement>)> = site
        .reviews
        .par_iter()
        .map(|review| {
            let frozen = match frozen_numbers(inputs, review) {
                Ok(frozen) => frozen,
                Err(problems) => return (problems.0, None, Vec::new()),
            };
            let fresh;
            let numbers = match &frozen {
                Some(frozen) => frozen,
                None => {
                    fresh = compute_review(site, &review.week);
                    &fresh
                }
            };
            let restatements = restated(site, review, &frozen);
            let problems = renderer
                .version(numbers, &restatements)
                .err()
                .unwrap_or_default();
            (problems, Some(numbers.summary()), restatements)
        })
        .collect();
    let mut errors = Diagnostics::default();
    let mut summaries = Vec::with_capacity(checked.len());
    let mut restated_numbers = Vec::new();
    for (problems, summary, restated) in checked {
        problems
            .into_iter()
            .for_each(|problem| errors.push(problem));
        summaries.extend(summary);
        restated_numbers.extend(restated);
    }
    if let Err(more) = renderer.site_files(&summaries, 0) {
        errors.extend(more);
    }
    errors.into_result(restated_numbers).map_err(Error::from)
}

/// Loads a site leaving every version's published numbers unparsed: each
/// is parsed by the task that checks its version, one at a time per thread.
fn load_without_numbers(inputs: &InputFiles) -> Result<Site, Error> {
    let plan = LoadPlan {
        skip_numbers: inputs.review_folders.iter().cloned().collect(),
        ..LoadPlan::default()
    };
    Site::from_inputs(inputs, &plan)
}

/// Validates every input of the site at `root` (data, programs, narratives
/// and their calls, templates) without writing anything.
pub fn check(root: &Path) -> Result<CheckSummary, Error> {
    let result = check_project(root);
    crate::pull::Manifest::explain(root, result, |summary| &mut summary.warnings)
}

fn check_project(root: &Path) -> Result<CheckSummary, Error> {
    let inputs = InputFiles::read(root)?;
    let site = load_without_numbers(&inputs)?;
    let restatements = check_site(&site, &inputs)?;
    Ok(CheckSummary {
        versions: site.reviews.len(),
        programs: site.programs.len(),
        metrics: site
            .programs
            .iter()
            .map(|program| program.metrics.len())
            .sum(),
        data_files: site.data_files.len(),
        warnings: site.warnings,
        restatements,
    })
}

/// What `publish` did.
#[derive(Debug, Clone)]
pub struct PublishSummary {
    pub week: String,
    pub path: PathBuf,
    /// With `--restate`: the numbers that changed.
    pub restated: Vec<Restatement>,
    pub status: Option<Status>,
    /// Narrative text left as `sitrep new week` wrote it, by file and line.
    pub warnings: Vec<Diagnostic>,
}

/// The metrics whose review-week value lacks data, each described with the
/// days (or week) it misses: freezing them would publish gaps.
pub fn incomplete_review_week(numbers: &ReviewNumbers) -> Vec<String> {
    use crate::load::program::Grain;
    let mut incomplete = Vec::new();
    for (program_id, program) in &numbers.programs {
        for (metric_id, metric) in &program.metrics {
            let Some(week) = metric.weeks.last() else {
                continue;
            };
            if week.missing == 0 {
                continue;
            }
            let what = match metric.grain {
                Grain::Day => format!(
                    "{} of the week's 7 days ({} to {}) {} no data",
                    week.missing,
                    week.start,
                    week.end,
                    if week.missing == 1 { "has" } else { "have" }
                ),
                Grain::Week => format!("the week ending {} has no value", week.end),
                // A weekly value is never cut from a monthly metric.
                Grain::Month => continue,
            };
            incomplete.push(format!(
                "{} › {} (`{program_id}.{metric_id}`): {what}",
                program.name, metric.name
            ));
        }
    }
    incomplete
}

/// Freezes the numbers of review `week` into its folder, so later builds
/// render it from them. `restate` refreshes an already published week;
/// `force` publishes a week whose data is incomplete.
pub fn publish(
    root: &Path,
    week: &str,
    restate: bool,
    force: bool,
) -> Result<PublishSummary, Error> {
    let inputs = &InputFiles::read(root)?;
    let site = &load_without_numbers(inputs)?;
    let calendar = &site.config.calendar;
    let folder = PathBuf::from("content/reviews").join(week);
    let parsed = calendar
        .parse_week_id(week)
        .map_err(|message| Diagnostics::from(Diagnostic::new(&folder, message)))?;
    let Some(review) = site
        .reviews
        .iter()
        .find(|review| review.week.id == parsed.id)
    else {
        return Err(Diagnostics::from(
            Diagnostic::new(
                &folder,
                format!("there is no review folder for week {}", parsed.id),
            )
            .with_help(format!(
                "create it with `sitrep new week {}` and write its narratives first",
                parsed.id
            )),
        )
        .into());
    };
    // Publishing a site that does not build would freeze numbers nobody
    // has seen.
    check_site(site, inputs)?;
    let fresh = compute_review(site, &review.week);
    let path = folder.join(NUMBERS_FILE);
    let restated = match &frozen_numbers(inputs, review)? {
        Some(frozen) if !restate => {
            let changes = restatements(frozen, &fresh);
            let what = if changes.is_empty() {
                "today's data gives the same numbers".to_string()
            } else {
                format!("today's data changes {} of its numbers", changes.len())
            };
            return Err(Diagnostics::from(
                Diagnostic::new(
                    &path,
                    format!("week {} is already published ({what})", parsed.id),
                )
                .with_help(format!(
                    "run `sitrep publish {} --restate` to replace its numbers on purpose",
                    parsed.id
                )),
            )
            .into());
        }
        Some(frozen) => restatements(frozen, &fresh),
        None => Vec::new(),
    };
    // A week whose data has not all arrived would be frozen with gaps (a
    // grey week of nulls when there is none at all).
    let incomplete = incomplete_review_week(&fresh);
    if !incomplete.is_empty() && !force {
        let count = incomplete.len();
        let mut errors = Diagnostics::default();
        for (index, what) in incomplete.into_iter().enumerate() {
            let mut error = Diagnostic::new(&folder, what);
            if index + 1 == count {
                error = error.with_help(format!(
                    "week {id} ends on {end}: publish it once its data is in data/ (`sitrep pull`), or freeze it as it is with `sitrep publish {id} --force`",
                    id = parsed.id,
                    end = review.week.week.end
                ));
            }
            errors.push(error);
        }
        return Err(errors.into());
    }
    let warnings = review
        .summary
        .iter()
        .chain(&review.narratives)
        .flat_map(crate::scaffold::placeholders)
        .collect();
    // The record of every restatement stays with the week, newest last.
    let mut records = review
        .frozen
        .as_ref()
        .map(|frozen| frozen.restated.clone())
        .unwrap_or_default();
    if !restated.is_empty() {
        records.push(crate::compute::restate::RestatementRecord {
            date: jiff::ZonedDateTime::now().date(),
            changes: restated.clone(),
        });
    }
    let published = ReviewNumbers {
        published: true,
        restated: records,
        ..fresh
    };
    let bytes = to_json(&published);
    // Through the project folder, and a new file made for this write: a
    // link planted in the week's folder is never written through.
    let dir = crate::confined::open_root(root)?;
    crate::confined::replace_file(&dir, root, &path, &bytes)?;
    Ok(PublishSummary {
        week: parsed.id,
        path,
        restated,
        status: published.status,
        warnings,
    })
}

/// One entry of `versions.json`.
#[derive(Debug, Serialize)]
struct VersionEntry<'a> {
    id: &'a str,
    start: jiff::civil::Date,
    end: jiff::civil::Date,
    status: Option<Status>,
    published: bool,
}

/// The lists of versions: `versions.json` (newest first) and
/// `assets/versions.js`.
fn version_lists(versions: &[VersionSummary]) -> Vec<OutputFile> {
    let entries: Vec<VersionEntry> = versions
        .iter()
        .rev()
        .map(|version| VersionEntry {
            id: &version.version.id,
            start: version.version.start,
            end: version.version.end,
            status: version.status,
            published: version.published,
        })
        .collect();
    vec![
        OutputFile::new(crate::write::MARKER_FILE, to_json(&entries)),
        OutputFile::new("assets/versions.js", versions_script(versions)),
    ]
}

/// `assets/versions.js`: the week switcher's list, loaded by every page
/// with a plain `<script src>` (works from `file://` and under a strict
/// Content-Security-Policy), so that adding a week changes this file
/// instead of every page.
fn versions_script(versions: &[VersionSummary]) -> Vec<u8> {
    #[derive(Serialize)]
    struct Entry<'a> {
        id: &'a str,
        status_class: &'static str,
        status_label: &'static str,
        draft: bool,
        programs: &'a [String],
    }
    let entries: Vec<Entry> = versions
        .iter()
        .rev()
        .map(|version| Entry {
            id: &version.version.id,
            status_class: version.status.map_or("none", Status::name),
            status_label: crate::render::view::status_label(version.status),
            draft: !version.published,
            programs: &version.programs,
        })
        .collect();
    let json = serde_json::to_string(&entries).expect("version entries serialise to JSON");
    format!("window.SITREP_VERSIONS = {json};\n").into_bytes()
}

/// `data.json` is for programs, and read whole: no indentation. Written
/// into a buffer of `size_hint` bytes: one of hundreds of kilobytes grown
/// from empty is copied over a dozen times on the way.
fn to_compact_json(value: &impl Serialize, size_hint: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(size_hint);
    serde_json::to_writer(&mut bytes, value).expect("computed numbers serialise to JSON");
    bytes.push(b'\n');
    bytes
}

/// About the size of a version's `data.json`: each metric's 6 weeks, 12
/// months and summary box take some 3.5 KB.
fn data_json_size_hint(numbers: &ReviewNumbers) -> usize {
    let metrics: usize = numbers
        .programs
        .values()
        .map(|program| program.metrics.len())
        .sum();
    4096 * (metrics + 1)
}

fn to_json(value: &impl Serialize) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("computed numbers serialise to JSON");
    bytes.push(b'\n');
    bytes
}

/// The build time shown in page footers: `SOURCE_DATE_EPOCH` when set (for
/// reproducible builds), else now; always 20 characters, UTC.
pub fn build_time() -> String {
    let timestamp = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|seconds| seconds.trim().parse::<i64>().ok())
        .and_then(|seconds| jiff::Timestamp::from_second(seconds).ok())
        .unwrap_or_else(jiff::Timestamp::now);
    timestamp.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use crate::load::data::DailySeries;
    use jiff::civil::{date, Date};

    fn series(points: &[(Date, f64)]) -> DailySeries {
        DailySeries::from_values(points.iter().map(|&(day, value)| (day, Some(value))))
    }

    #[test]
    fn a_series_fingerprint_through_a_day_reads_only_the_days_up_to_it() {
        let ends = [date(2026, 11, 8), date(2026, 11, 15)];
        let base = [
            (date(2026, 11, 2), 1.0),
            (date(2026, 11, 8), 2.0),
            (date(2026, 11, 9), 3.0),
            (date(2026, 11, 15), 4.0),
        ];
        let before = series(&base).fingerprints_through(&ends);
        assert_eq!(before.len(), 2);
        assert_ne!(before[0], before[1]);

        // A day appended after both ends changes neither.
        let mut appended = base.to_vec();
        appended.push((date(2026, 11, 16), 5.0));
        assert_eq!(series(&appended).fingerprints_through(&ends), before);

        // A value on the second end's last day changes the second only.
        let mut changed = base.to_vec();
        changed[3].1 = 40.0;
        let after = series(&changed).fingerprints_through(&ends);
        assert_eq!(after[0], before[0]);
        assert_ne!(after[1], before[1]);

        // A value on the first end's day changes both.
        let mut changed = base.to_vec();
        changed[1].1 = 20.0;
        let after = series(&changed).fingerprints_through(&ends);
        assert_ne!(after[0], before[0]);
        assert_ne!(after[1], before[1]);

        // A day removed (or added) before the first end changes both.
        let removed = series(&base[1..]).fingerprints_through(&ends);
        assert_ne!(removed[0], before[0]);
        assert_ne!(removed[1], before[1]);
        let mut added = base.to_vec();
        added.insert(0, (date(2026, 11, 1), 0.0));
        let added = series(&added).fingerprints_through(&ends);
        assert_ne!(added[0], before[0]);
    }
}

//! The pipeline behind the commands: load inputs → compute metrics →
//! render pages → write the site.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::compute::restate::{restatements, Restatement};
use crate::compute::status::Status;
use crate::compute::{compute_all, compute_review, ReviewNumbers};
use crate::error::{Diagnostic, Diagnostics, Error};
use crate::load::{Site, NUMBERS_FILE};
use crate::render::render_site;
use crate::write::{files_below, write_site, OutputFile, WriteSummary, BUILD_STAMP};

/// Told about each stage of a long build, for progress display.
pub trait Progress: Sync {
    fn stage(&self, message: &str);
}

/// Shows nothing.
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _: &str) {}
}

/// A loaded site with the numbers of every version: frozen ones for
/// published weeks, fresh ones for drafts.
pub struct PreparedSite {
    pub site: Site,
    /// Oldest first.
    pub versions: Vec<ReviewNumbers>,
    /// Numbers of published weeks that today's data changes.
    pub restatements: Vec<Restatement>,
}

/// Loads the site at `root` and computes every version.
pub fn prepare(root: &Path, progress: &dyn Progress) -> Result<PreparedSite, Error> {
    progress.stage("loading inputs");
    let site = Site::load(root)?;
    progress.stage("computing numbers");
    let fresh = compute_all(&site);
    let mut versions = Vec::with_capacity(fresh.len());
    let mut restated = Vec::new();
    for (review, fresh) in site.reviews.iter().zip(fresh) {
        match &review.frozen {
            Some(frozen) => {
                restated.extend(restatements(frozen, &fresh));
                versions.push(frozen.clone());
            }
            None => versions.push(fresh),
        }
    }
    Ok(PreparedSite {
        site,
        versions,
        restatements: restated,
    })
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
    pub files: WriteSummary,
    pub warnings: Vec<Diagnostic>,
    pub restatements: Vec<Restatement>,
    pub elapsed: Duration,
}

/// Builds the site at `root` into `output` (default: the site's `output`
/// setting, relative to `root`). Nothing is written unless every input is
/// valid, and the published site is replaced only once the new one is
/// complete.
pub fn build(
    root: &Path,
    output: Option<&Path>,
    progress: &dyn Progress,
) -> Result<BuildSummary, Error> {
    let started = Instant::now();
    let prepared = prepare(root, progress)?;
    let output = output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.join(&prepared.site.config.output));
    let mut files = data_outputs(&prepared.versions);

    // A version whose inputs are unchanged since the last build keeps its
    // published pages: adding a week renders that week, not the archive.
    let keys = version_keys(&prepared, &files);
    let previous = read_cache(&output);
    let kept: HashSet<String> = keys
        .iter()
        .filter(|(id, key)| {
            previous.get(*id).is_some_and(|entry| entry.key == **key)
                && output.join(id).join("index.html").is_file()
        })
        .map(|(id, _)| id.clone())
        .collect();
    for id in &kept {
        files.extend(kept_pages(&output, id));
    }
    progress.stage("rendering pages");
    let rendered = render_site(&prepared.site, &prepared.versions, BUILD_STAMP, &kept)?;
    let mut cache: BTreeMap<String, CacheEntry> = BTreeMap::new();
    for (id, key) in &keys {
        let entry = match previous.get(id) {
            Some(entry) if kept.contains(id) => entry.clone(),
            _ => {
                let prefix = PathBuf::from(id);
                let pages: Vec<&OutputFile> = rendered
                    .iter()
                    .filter(|file| file.path.starts_with(&prefix) && is_page(file))
                    .collect();
                CacheEntry {
                    key: *key,
                    pages: pages.len(),
                    charts: pages.iter().map(|file| charts_in(file)).sum(),
                }
            }
        };
        cache.insert(id.clone(), entry);
    }
    let other_pages: Vec<&OutputFile> = rendered
        .iter()
        .filter(|file| is_page(file) && !keys.contains_key(&top_folder(file)))
        .collect();
    let pages = cache.values().map(|entry| entry.pages).sum::<usize>() + other_pages.len();
    let charts = cache.values().map(|entry| entry.charts).sum::<usize>()
        + other_pages
            .iter()
            .map(|file| charts_in(file))
            .sum::<usize>();
    files.extend(rendered);
    files.push(OutputFile::new(CACHE_FILE, to_json(&cache)));

    progress.stage("writing the site");
    let written = write_site(&output, &files, &build_time())?;
    Ok(BuildSummary {
        output,
        versions: prepared.versions.len(),
        drafts: prepared
            .versions
            .iter()
            .filter(|version| !version.published)
            .count(),
        programs: prepared.site.programs.len(),
        pages,
        charts,
        files: written,
        warnings: prepared.site.warnings,
        restatements: prepared.restatements,
        elapsed: started.elapsed(),
    })
}

fn is_page(file: &OutputFile) -> bool {
    file.path
        .extension()
        .is_some_and(|extension| extension == "html")
}

fn top_folder(file: &OutputFile) -> String {
    file.path
        .components()
        .next()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn charts_in(file: &OutputFile) -> usize {
    file.bytes().map_or(0, |bytes| {
        count(bytes, b"type=\"application/json\" data-chart=")
    })
}

/// What the last build of an output folder rendered for one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CacheEntry {
    /// The fingerprint of everything the version's pages depend on.
    key: u64,
    pages: usize,
    charts: usize,
}

/// Inside the output folder, so that a build writes nowhere else; it
/// holds only fingerprints and counts.
const CACHE_FILE: &str = ".sitrep-cache.json";

fn read_cache(output: &Path) -> BTreeMap<String, CacheEntry> {
    std::fs::read(output.join(CACHE_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// The published files of a version to keep as they are (its `data.json`
/// is written afresh with the other data outputs).
fn kept_pages(output: &Path, id: &str) -> Vec<OutputFile> {
    files_below(output, Path::new(id))
        .into_iter()
        .filter(|path| path.file_name().is_none_or(|name| name != "data.json"))
        .map(OutputFile::keep)
        .collect()
}

/// For each version, a fingerprint of everything its pages show: sitrep
/// and the theme, the site settings, every program definition (the week
/// page shows them all), the data files' names, the version's numbers and
/// its narratives.
fn version_keys(prepared: &PreparedSite, data_files: &[OutputFile]) -> BTreeMap<String, u64> {
    let site = &prepared.site;
    let shared = crate::fingerprint(&(
        env!("CARGO_PKG_VERSION"),
        crate::render::theme_fingerprint(site),
        format!("{:?}", site.config),
        site.programs
            .iter()
            .map(|program| program.fingerprint)
            .collect::<Vec<_>>(),
        site.data_files
            .iter()
            .map(|file| &file.path)
            .collect::<Vec<_>>(),
    ));
    prepared
        .versions
        .iter()
        .map(|numbers| {
            let review = site
                .reviews
                .iter()
                .find(|review| review.week.id == numbers.version.id);
            let narratives: Vec<String> = review
                .map(|review| {
                    review
                        .summary
                        .iter()
                        .chain(&review.narratives)
                        .map(|narrative| format!("{narrative:?}"))
                        .collect()
                })
                .unwrap_or_default();
            let data_json = PathBuf::from(&numbers.version.id).join("data.json");
            let numbers_json = data_files
                .iter()
                .find(|file| file.path == data_json)
                .and_then(OutputFile::bytes);
            let key = crate::fingerprint(&(shared, numbers_json, narratives));
            (numbers.version.id.clone(), key)
        })
        .collect()
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|window| *window == needle)
        .count()
}

/// Every output file: pages, assets, `versions.json` and `data.json`s.
fn render_all(prepared: &PreparedSite) -> Result<Vec<OutputFile>, Error> {
    let mut files = data_outputs(&prepared.versions);
    files.extend(render_site(
        &prepared.site,
        &prepared.versions,
        BUILD_STAMP,
        &HashSet::new(),
    )?);
    Ok(files)
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

/// Validates every input of the site at `root` (data, programs, narratives
/// and their calls, templates) without writing anything.
pub fn check(root: &Path) -> Result<CheckSummary, Error> {
    let prepared = prepare(root, &Silent)?;
    render_all(&prepared)?;
    Ok(CheckSummary {
        versions: prepared.versions.len(),
        programs: prepared.site.programs.len(),
        metrics: prepared
            .site
            .programs
            .iter()
            .map(|program| program.metrics.len())
            .sum(),
        data_files: prepared.site.data_files.len(),
        warnings: prepared.site.warnings,
        restatements: prepared.restatements,
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
}

/// Freezes the numbers of review `week` into its folder, so later builds
/// render it from them. `restate` refreshes an already published week.
pub fn publish(root: &Path, week: &str, restate: bool) -> Result<PublishSummary, Error> {
    let prepared = prepare(root, &Silent)?;
    let site = &prepared.site;
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
    render_all(&prepared)?;
    let fresh = compute_review(site, &review.week);
    let path = folder.join(NUMBERS_FILE);
    let restated = match &review.frozen {
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
    let published = ReviewNumbers {
        published: true,
        ..fresh
    };
    let bytes = to_json(&published);
    let target = root.join(&path);
    let temporary = target.with_extension("json.tmp");
    std::fs::write(&temporary, &bytes)
        .map_err(|error| Error::io("cannot write", &temporary, error))?;
    std::fs::rename(&temporary, &target)
        .map_err(|error| Error::io("cannot write", &target, error))?;
    Ok(PublishSummary {
        week: parsed.id,
        path,
        restated,
        status: published.status,
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

/// The machine-readable outputs: `versions.json` (newest first) and each
/// version's `data.json`.
fn data_outputs(versions: &[ReviewNumbers]) -> Vec<OutputFile> {
    let mut files = Vec::with_capacity(versions.len() + 1);
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
    files.push(OutputFile::new("versions.json", to_json(&entries)));
    files.push(OutputFile::new(
        "assets/versions.js",
        versions_script(versions),
    ));
    for version in versions {
        files.push(OutputFile::new(
            PathBuf::from(&version.version.id).join("data.json"),
            to_json(version),
        ));
    }
    files
}

/// `assets/versions.js`: the week switcher's list, loaded by every page
/// with a plain `<script src>` (works from `file://` and under a strict
/// Content-Security-Policy), so that adding a week changes this file
/// instead of every page.
fn versions_script(versions: &[ReviewNumbers]) -> Vec<u8> {
    #[derive(Serialize)]
    struct Entry<'a> {
        id: &'a str,
        status_class: &'static str,
        status_label: &'static str,
        draft: bool,
        programs: Vec<&'a str>,
    }
    let entries: Vec<Entry> = versions
        .iter()
        .rev()
        .map(|version| Entry {
            id: &version.version.id,
            status_class: version.status.map_or("none", Status::name),
            status_label: crate::render::view::status_label(version.status),
            draft: !version.published,
            programs: version.programs.keys().map(String::as_str).collect(),
        })
        .collect();
    let json = serde_json::to_string(&entries).expect("version entries serialise to JSON");
    format!("window.SITREP_VERSIONS = {json};\n").into_bytes()
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

//! The pipeline behind the commands: load inputs → compute metrics →
//! render pages → write the site.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::compute::restate::{restatements, Restatement};
use crate::compute::status::Status;
use crate::compute::{compute_all, compute_review, ReviewNumbers};
use crate::error::{Diagnostic, Diagnostics, Error};
use crate::load::{Site, NUMBERS_FILE};
use crate::render::render_site;
use crate::write::{write_site, OutputFile, WriteSummary, BUILD_STAMP};

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
    progress.stage("rendering pages");
    let files = render_all(&prepared)?;
    let output = output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.join(&prepared.site.config.output));
    progress.stage("writing the site");
    let written = write_site(&output, &files, &build_time())?;
    let pages: Vec<&OutputFile> = files
        .iter()
        .filter(|file| {
            file.path
                .extension()
                .is_some_and(|extension| extension == "html")
        })
        .collect();
    let charts = pages
        .iter()
        .map(|file| count(&file.bytes, b"type=\"application/json\" data-chart="))
        .sum();
    Ok(BuildSummary {
        output,
        versions: prepared.versions.len(),
        drafts: prepared
            .versions
            .iter()
            .filter(|version| !version.published)
            .count(),
        programs: prepared.site.programs.len(),
        pages: pages.len(),
        charts,
        files: written,
        warnings: prepared.site.warnings,
        restatements: prepared.restatements,
        elapsed: started.elapsed(),
    })
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
    for version in versions {
        files.push(OutputFile::new(
            PathBuf::from(&version.version.id).join("data.json"),
            to_json(version),
        ));
    }
    files
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

//! The pipeline behind `sitrep build` and `sitrep check`:
//! load inputs → compute metrics → render outputs → write the site.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::compute::{compute_all, ReviewNumbers};
use crate::error::{Diagnostic, Error};
use crate::load::Site;
use crate::render::render_site;
use crate::write::{write_files, OutputFile, WriteSummary, BUILD_STAMP};

/// What `build` did, for its one-line summary.
#[derive(Debug, Clone)]
pub struct BuildSummary {
    pub output: PathBuf,
    pub versions: usize,
    pub programs: usize,
    pub files: WriteSummary,
    pub warnings: Vec<Diagnostic>,
    pub elapsed: Duration,
}

/// What `check` found in a valid site.
#[derive(Debug, Clone)]
pub struct CheckSummary {
    pub versions: usize,
    pub programs: usize,
    pub metrics: usize,
    pub data_files: usize,
    pub warnings: Vec<Diagnostic>,
}

/// Builds the site at `root` into `output` (default: the site's `output`
/// setting, relative to `root`). Nothing is written unless every input is
/// valid.
pub fn build(root: &Path, output: Option<&Path>) -> Result<BuildSummary, Error> {
    let started = Instant::now();
    let site = Site::load(root)?;
    let versions = compute_all(&site);
    let mut files = render_outputs(&site, &versions)?;
    files.extend(render_site(&site, &versions, BUILD_STAMP)?);
    let output = output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.join(&site.config.output));
    let written = write_files(&output, &files, &build_time())?;
    Ok(BuildSummary {
        output,
        versions: versions.len(),
        programs: site.programs.len(),
        files: written,
        warnings: site.warnings,
        elapsed: started.elapsed(),
    })
}

/// Validates every input of the site at `root` without writing anything.
pub fn check(root: &Path) -> Result<CheckSummary, Error> {
    let site = Site::load(root)?;
    let versions = compute_all(&site);
    // Rendering runs every narrative call and template; its pages are
    // dropped.
    render_site(&site, &versions, BUILD_STAMP)?;
    Ok(CheckSummary {
        versions: versions.len(),
        programs: site.programs.len(),
        metrics: site
            .programs
            .iter()
            .map(|program| program.metrics.len())
            .sum(),
        data_files: site.data_files.len(),
        warnings: site.warnings,
    })
}

/// One entry of `versions.json`.
#[derive(Debug, Serialize)]
struct VersionEntry<'a> {
    id: &'a str,
    start: jiff::civil::Date,
    end: jiff::civil::Date,
    status: Option<crate::compute::status::Status>,
}

/// The machine-readable outputs: `versions.json` (newest first) and each
/// version's `data.json`.
fn render_outputs(_site: &Site, versions: &[ReviewNumbers]) -> Result<Vec<OutputFile>, Error> {
    let mut files = Vec::with_capacity(versions.len() + 1);
    let entries: Vec<VersionEntry> = versions
        .iter()
        .rev()
        .map(|version| VersionEntry {
            id: &version.version.id,
            start: version.version.start,
            end: version.version.end,
            status: version.status,
        })
        .collect();
    files.push(OutputFile::new("versions.json", to_json(&entries)));
    for version in versions {
        files.push(OutputFile::new(
            PathBuf::from(&version.version.id).join("data.json"),
            to_json(version),
        ));
    }
    Ok(files)
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

//! The reproducible build benchmark.
//!
//! ```text
//! cargo run --release --example benchmark [-- OPTIONS]
//!
//!   --size large|xl        measure one size (may be given twice; default: both)
//!   --programs P --weeks W measure a custom size instead (for quick runs)
//!   --runs N               runs per scenario (default 5)
//!   --part build|archive|metrics
//!                          measure only these parts (may be given more than
//!                          once; default: all three)
//!   --published N          weeks of the published archives (may be given
//!                          more than once; default 26 and 104)
//!   --metrics N            metrics of the one-program `check` site (may be
//!                          given more than once; default 2000 and 8000)
//!   --write PATH           also write the report into PATH, between the lines
//!                          `<!-- benchmark:begin -->` and `<!-- benchmark:end -->`
//! ```
//!
//! For each size it generates a synthetic site with a fixed seed (large:
//! 10 programs × 20 metrics, 104 review weeks of daily data, an executive
//! narrative and one narrative per program each week; XL: 40 programs), then
//! runs the release `sitrep` binary as a child process and measures wall
//! time and peak resident memory (from `wait4`) of: a cold full build, a
//! rebuild with nothing changed, a rebuild after one narrative edit, a
//! rebuild after adding one week, and `check`. For scale it also builds the
//! same narratives as plain markdown pages with Hugo, and copies sitrep's
//! finished output with `cp -r`: Hugo is what users would pick for speed,
//! the copy is the floor.
//!
//! The `archive` part builds sites whose past weeks are published (26 and
//! 104 published weeks of the large site's 10 programs, plus one draft
//! week): cold builds before and after publishing (peak memory must not
//! grow with the published weeks), and the weekly update (one new review
//! week and 7 more days in every data file) against a cold build. The
//! `metrics` part times `check` on one program of 2,000 and 8,000 metrics.
//!
//! The markdown report (machine, command, sizes, one table per size and the
//! targets with pass/fail) goes to stdout, progress to stderr.

#[path = "../tests/common/large_site.rs"]
mod large_site;
mod support;

use std::fmt::Write as _;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use support::{
    build_sitrep, field_of, first_line_of, grouped, machine_basics, median, run, sitrep_version,
    Sample,
};

/// Review weeks of the standard sizes: two years.
const STANDARD_WEEKS: usize = 104;

/// The large site of the issue: 10 programs, two years of weekly reviews.
const LARGE: Size = Size {
    name: "large",
    programs: 10,
    weeks: STANDARD_WEEKS,
};

/// Four times the large site: 40 programs.
const XL: Size = Size {
    name: "XL",
    programs: 40,
    weeks: STANDARD_WEEKS,
};

/// The command-line help, printed for `--help` and on a usage error.
const USAGE: &str = "\
usage: cargo run --release --example benchmark [-- OPTIONS]

  --size large|xl        measure one size (may be given twice; default: both)
  --programs P --weeks W measure a custom size instead (for quick runs)
  --runs N               runs per scenario (default 5)
  --part build|archive|metrics
                         measure only these parts (may be given more than once)
  --published N          weeks of a published archive (default: 26 and 104)
  --metrics N            metrics of the one-program check (default: 2000 and 8000)
  --write PATH           also write the report into PATH between the markers
                         <!-- benchmark:begin --> and <!-- benchmark:end -->";

/// A site size to measure.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Size {
    /// How the report names the size.
    name: &'static str,
    /// How many programs the site has.
    programs: usize,
    /// How many review weeks (versions) the site has.
    weeks: usize,
}

/// What the command line asks for.
#[derive(Debug)]
struct Options {
    /// The sizes to measure, in order.
    sizes: Vec<Size>,
    /// How many times each scenario runs.
    runs: usize,
    /// A markdown file to write the report into.
    write: Option<PathBuf>,
    /// The parts to measure: `build`, `archive`, `metrics`.
    parts: Vec<String>,
    /// Published weeks of each archive measured.
    published: Vec<usize>,
    /// Metrics of each one-program site whose `check` is timed.
    metrics: Vec<usize>,
}

/// Parses the arguments after the program name.
fn parse_options(arguments: &[String]) -> Result<Options, String> {
    let mut sizes = Vec::new();
    let mut programs = None;
    let mut weeks = None;
    let mut runs = 5;
    let mut write = None;
    let mut parts = Vec::new();
    let mut published = Vec::new();
    let mut metrics = Vec::new();
    let mut arguments = arguments.iter();
    while let Some(argument) = arguments.next() {
        let mut value = |name: &str| {
            arguments
                .next()
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let number = |name: &str, text: String| match text.parse::<usize>() {
            Ok(number) if number > 0 => Ok(number),
            _ => Err(format!(
                "{name} needs a positive whole number, not `{text}`"
            )),
        };
        match argument.as_str() {
            "--size" => match value("--size")?.to_ascii_lowercase().as_str() {
                "large" => sizes.push(LARGE),
                "xl" => sizes.push(XL),
                other => return Err(format!("unknown size `{other}` (large or xl)")),
            },
            "--programs" => programs = Some(number("--programs", value("--programs")?)?),
            "--weeks" => weeks = Some(number("--weeks", value("--weeks")?)?),
            "--runs" => runs = number("--runs", value("--runs")?)?,
            "--write" => write = Some(PathBuf::from(value("--write")?)),
            "--part" => match value("--part")?.as_str() {
                part @ ("build" | "archive" | "metrics") => parts.push(part.to_string()),
                other => {
                    return Err(format!(
                        "unknown part `{other}` (build, archive or metrics)"
                    ))
                }
            },
            "--published" => published.push(number("--published", value("--published")?)?),
            "--metrics" => metrics.push(number("--metrics", value("--metrics")?)?),
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if programs.is_some() || weeks.is_some() {
        if !sizes.is_empty() {
            return Err("give either --size or --programs/--weeks, not both".into());
        }
        sizes.push(Size {
            name: "custom",
            programs: programs.unwrap_or(LARGE.programs),
            weeks: weeks.unwrap_or(STANDARD_WEEKS),
        });
    }
    if sizes.is_empty() {
        sizes = vec![LARGE, XL];
    }
    sizes.dedup();
    if parts.is_empty() {
        parts = ["build", "archive", "metrics"].map(String::from).to_vec();
    }
    if published.is_empty() {
        published = ARCHIVE_SIZES.to_vec();
    }
    if metrics.is_empty() {
        metrics = METRIC_COUNTS.to_vec();
    }
    Ok(Options {
        sizes,
        runs,
        write,
        parts,
        published,
        metrics,
    })
}

/// The runs of one scenario.
#[derive(Debug)]
struct Measured {
    /// One sample per run, in order.
    samples: Vec<Sample>,
}

impl Measured {
    /// The median wall time, in milliseconds.
    fn median_ms(&self) -> f64 {
        median(
            self.samples
                .iter()
                .map(|sample| sample.wall.as_secs_f64() * 1000.0)
                .collect(),
        )
    }

    /// The largest peak resident set size of all runs, in MiB.
    fn peak_mib(&self) -> f64 {
        let peak = self.samples.iter().map(|sample| sample.peak_kib).max();
        peak.unwrap_or(0) as f64 / 1024.0
    }
}

/// Runs `command` like [`run`] and returns only the sample.
fn measure(command: &mut Command) -> Sample {
    run(command, None).0
}

/// Runs one scenario `runs` times, reporting progress on stderr.
/// `one_run` gets the run number and returns that run's sample.
fn scenario(
    size: Size,
    label: &str,
    runs: usize,
    mut one_run: impl FnMut(usize) -> Sample,
) -> Measured {
    let mut samples = Vec::with_capacity(runs);
    for number in 0..runs {
        eprint!("[{}] {label}: run {}/{runs} … ", size.name, number + 1);
        let sample = one_run(number);
        eprintln!(
            "{} ms, {:.1} MiB",
            sample.wall.as_millis(),
            sample.peak_kib as f64 / 1024.0
        );
        samples.push(sample);
    }
    Measured { samples }
}

/// Deletes a folder if it exists.
fn remove_folder(folder: &Path) {
    match fs::remove_dir_all(folder) {
        Ok(()) => {}
        Err(error) if error.kind() == ErrorKind::NotFound => {}
        Err(error) => panic!("cannot delete {}: {error}", folder.display()),
    }
}

/// The review week folders of a site, sorted by week id (oldest first).
fn week_folders(site: &Path) -> Vec<PathBuf> {
    let mut weeks: Vec<PathBuf> = fs::read_dir(site.join("content/reviews"))
        .expect("the site has review weeks")
        .map(|entry| entry.expect("a review week folder").path())
        .filter(|path| path.is_dir())
        .collect();
    weeks.sort();
    weeks
}

/// The program narratives (`program_NN.md`) of a review week folder, sorted.
fn program_narratives(week: &Path) -> Vec<PathBuf> {
    let mut narratives: Vec<PathBuf> = fs::read_dir(week)
        .expect("a review week folder")
        .map(|entry| entry.expect("a file of a review week").path())
        .filter(|path| {
            path.extension().is_some_and(|extension| extension == "md")
                && path.file_name().is_some_and(|name| name != "index.md")
        })
        .collect();
    narratives.sort();
    narratives
}

/// Writes a Hugo project into `hugo` whose pages are the narratives of the
/// sitrep site in `site`: one section per week (its executive narrative as
/// `_index.md`) holding one page per program narrative.
fn write_hugo_project(site: &Path, hugo: &Path) {
    let layouts = hugo.join("layouts/_default");
    fs::create_dir_all(&layouts).expect("the Hugo layouts folder");
    let files = [
        (
            hugo.join("config.toml"),
            "baseURL = \"/\"\ntitle = \"Benchmark\"\n\
             disableKinds = [\"taxonomy\", \"term\", \"RSS\", \"sitemap\", \"robotsTXT\", \"404\"]\n",
        ),
        (
            layouts.join("baseof.html"),
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>{{ .Title }}</title></head>\
             <body><main>{{ block \"main\" . }}{{ end }}</main></body></html>\n",
        ),
        (
            layouts.join("single.html"),
            "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ .Content }}{{ end }}\n",
        ),
        (
            layouts.join("list.html"),
            "{{ define \"main\" }}<h1>{{ .Title }}</h1>{{ .Content }}\
             <ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a></li>{{ end }}</ul>\
             {{ end }}\n",
        ),
    ];
    for (path, text) in files {
        fs::write(&path, text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    }
    for week in week_folders(site) {
        let section = hugo
            .join("content")
            .join(week.file_name().expect("a week id"));
        fs::create_dir_all(&section).expect("a Hugo section folder");
        fs::copy(week.join("index.md"), section.join("_index.md")).expect("a week's index.md");
        for narrative in program_narratives(&week) {
            let name = narrative.file_name().expect("a narrative file name");
            fs::copy(&narrative, section.join(name)).expect("a program narrative");
        }
    }
}

/// Files, bytes and HTML pages of a folder tree.
#[derive(Clone, Copy, Debug, Default)]
struct TreeSize {
    /// Regular files.
    files: u64,
    /// Their total size in bytes.
    bytes: u64,
    /// How many of them are `*.html`.
    html: u64,
}

/// Counts the files of a folder tree.
fn tree_size(folder: &Path) -> TreeSize {
    let mut size = TreeSize::default();
    for entry in walkdir::WalkDir::new(folder) {
        let entry = entry.expect("a file of the output");
        if entry.file_type().is_file() {
            size.files += 1;
            size.bytes += entry.metadata().expect("a file's metadata").len();
            if entry.path().extension().is_some_and(|ext| ext == "html") {
                size.html += 1;
            }
        }
    }
    size
}

/// The counts of sitrep's summary line `Built N versions (D drafts),
/// P pages, C charts into …`.
#[derive(Clone, Copy, Debug, Default)]
struct BuildSummary {
    /// Review versions built.
    versions: u64,
    /// Pages written.
    pages: u64,
    /// Charts on those pages.
    charts: u64,
}

/// What the benchmark found in the `data.json` files of an output folder.
#[derive(Clone, Debug, Default)]
struct DataJsonCheck {
    /// How many there are.
    files: u64,
    /// Their total size in bytes.
    bytes: u64,
    /// Files written with more than the one closing newline of compact
    /// JSON (indentation, spaces after `:` and `,`).
    not_compact: Vec<String>,
    /// Documented fields missing, as `file: path.to.field`.
    missing: Vec<String>,
}

/// The fields README documents for each metric of `data.json`.
const METRIC_FIELDS: [&str; 9] = [
    "name", "unit", "better", "status", "target", "weeks", "months", "box", "unusual",
];

/// The documented fields of each week (a month has `month` too).
const PERIOD_FIELDS: [&str; 6] = ["start", "end", "value", "missing", "py_value", "target"];

/// The documented fields of a metric's summary box.
const BOX_FIELDS: [&str; 19] = [
    "last_week",
    "wow",
    "yoy",
    "mtd",
    "mtd_yoy",
    "qtd",
    "qtd_yoy",
    "ytd",
    "ytd_yoy",
    "previous_week",
    "py_week",
    "py_mtd",
    "py_qtd",
    "py_ytd",
    "wow_kind",
    "yoy_kind",
    "mtd_yoy_kind",
    "qtd_yoy_kind",
    "ytd_yoy_kind",
];

/// Reads every `<week>/data.json` of `output`: is it compact, and does it
/// keep every field README documents (`programs.<program>.metrics.<metric>`
/// with its weeks, months and box; `annotations`)?
fn check_data_json(output: &Path) -> DataJsonCheck {
    let mut check = DataJsonCheck::default();
    let mut weeks: Vec<PathBuf> = fs::read_dir(output)
        .expect("the output folder")
        .map(|entry| entry.expect("an output entry").path().join("data.json"))
        .filter(|path| path.is_file())
        .collect();
    weeks.sort();
    for path in weeks {
        let name = path
            .strip_prefix(output)
            .unwrap_or(&path)
            .display()
            .to_string();
        let bytes = fs::read(&path).expect("a data.json");
        check.files += 1;
        check.bytes += bytes.len() as u64;
        let value: serde_json::Value = serde_json::from_slice(&bytes).expect("data.json is JSON");
        // Compact JSON written again compact has the same length; any
        // indentation or padding makes the file longer.
        let compact = serde_json::to_vec(&value).expect("JSON again").len() + 1;
        if bytes.len() != compact {
            check.not_compact.push(name.clone());
        }
        let mut missing = |field: String| check.missing.push(format!("{name}: {field}"));
        if value.get("annotations").is_none() {
            missing("annotations".into());
        }
        let programs = value["programs"].as_object().cloned().unwrap_or_default();
        if programs.is_empty() {
            missing("programs".into());
        }
        for (program, numbers) in &programs {
            let metrics = numbers["metrics"].as_object().cloned().unwrap_or_default();
            for (metric, numbers) in &metrics {
                let at = format!("programs.{program}.metrics.{metric}");
                for field in METRIC_FIELDS {
                    if numbers.get(field).is_none() {
                        missing(format!("{at}.{field}"));
                    }
                }
                for (list, extra) in [("weeks", None), ("months", Some("month"))] {
                    let periods = numbers[list].as_array().cloned().unwrap_or_default();
                    for (index, period) in periods.iter().enumerate() {
                        for field in PERIOD_FIELDS.iter().copied().chain(extra) {
                            if period.get(field).is_none() {
                                missing(format!("{at}.{list}[{index}].{field}"));
                            }
                        }
                    }
                }
                for field in BOX_FIELDS {
                    if numbers["box"].get(field).is_none() {
                        missing(format!("{at}.box.{field}"));
                    }
                }
            }
        }
    }
    check
}

/// Reads the counts from the output of a non-quiet `sitrep build`.
fn parse_summary(printed: &str) -> BuildSummary {
    let line = printed
        .lines()
        .find(|line| line.trim_start().starts_with("Built"))
        .unwrap_or_else(|| panic!("no `Built …` summary line in:\n{printed}"));
    let words: Vec<&str> = line
        .split(|character: char| character.is_whitespace() || ",()".contains(character))
        .filter(|word| !word.is_empty())
        .collect();
    let count = |noun: &str| {
        words
            .windows(2)
            .find(|pair| pair[1].trim_end_matches('s') == noun)
            .and_then(|pair| pair[0].parse().ok())
            .unwrap_or_else(|| panic!("no {noun} count in the summary line `{line}`"))
    };
    BuildSummary {
        versions: count("version"),
        pages: count("page"),
        charts: count("chart"),
    }
}

/// Everything measured for one size.
#[derive(Debug)]
struct SizeResult {
    /// The size.
    size: Size,
    /// sitrep's own counts of the site.
    summary: BuildSummary,
    /// sitrep's output folder.
    output: TreeSize,
    /// Hugo's output folder.
    hugo_output: TreeSize,
    /// The `data.json` files of sitrep's output.
    data_json: DataJsonCheck,
    /// Cold builds, Hugo and the copy into the work folder.
    cold: ColdBuilds,
    /// Build again into the same folder, nothing changed.
    unchanged: Measured,
    /// Build again after one program narrative of a middle week changed.
    edited: Measured,
    /// Build again after a new review week was added.
    week_added: Measured,
    /// `sitrep check` on the whole site.
    check: Measured,
    /// The same with every output in memory (tmpfs), when the machine has
    /// room for it in `/dev/shm`.
    in_memory: Option<ColdBuilds>,
    /// The site and every output: deleted only when the benchmark ends (see
    /// the cold builds in [`measure_size`]).
    _folder: tempfile::TempDir,
}

/// sitrep building into a folder that does not exist yet, Hugo building
/// the same narratives likewise, and `cp -r` of sitrep's output.
#[derive(Debug)]
struct ColdBuilds {
    full: Measured,
    hugo: Measured,
    copy: Measured,
}

/// `runs` rounds of sitrep's cold build (`sitrep` into a folder), Hugo's
/// (`hugo` into one) and the copy of sitrep's output, taking turns so
/// that all three meet the machine in the same state. `folders` names a
/// round's three outputs; with `delete`, they are deleted after it.
fn cold_builds(
    progress: &str,
    runs: usize,
    sitrep: impl Fn(&Path) -> Command,
    hugo: impl Fn(&Path) -> Command,
    folders: impl Fn(usize) -> [PathBuf; 3],
    delete: bool,
) -> ColdBuilds {
    let mut builds = ColdBuilds {
        full: Measured {
            samples: Vec::with_capacity(runs),
        },
        hugo: Measured {
            samples: Vec::with_capacity(runs),
        },
        copy: Measured {
            samples: Vec::with_capacity(runs),
        },
    };
    for number in 0..runs {
        eprintln!("{progress}: round {}/{runs}", number + 1);
        let [public, hugo_public, copy] = folders(number);
        builds.full.samples.push(measure(&mut sitrep(&public)));
        builds.hugo.samples.push(measure(&mut hugo(&hugo_public)));
        builds.copy.samples.push(measure(
            Command::new("cp").arg("-r").arg(&public).arg(&copy),
        ));
        if delete {
            for output in [&public, &hugo_public, &copy] {
                remove_folder(output);
            }
        }
    }
    builds
}

impl ColdBuilds {
    fn rows(&self) -> [(&'static str, &Measured); 3] {
        [
            ("sitrep: cold full build", &self.full),
            ("Hugo: cold build of the same narratives", &self.hugo),
            ("cp -r of sitrep's output", &self.copy),
        ]
    }
}

/// `/dev/shm` when it is a tmpfs with room for `bytes`, for the builds
/// into memory. Containers often give it only 64 MiB.
fn memory_folder(bytes: u64) -> Option<PathBuf> {
    let shm = PathBuf::from("/dev/shm");
    if filesystem_of(&shm).as_deref() != Some("tmpfs") {
        return None;
    }
    let path = std::ffi::CString::new("/dev/shm").expect("no NUL in the path");
    // SAFETY: `statvfs` is a plain C struct of integers, for which all zero
    // bytes is a valid value; `path` is NUL-terminated and both outlive
    // the call.
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut stats) } != 0 {
        return None;
    }
    let free = stats.f_bavail.saturating_mul(stats.f_frsize);
    (free >= bytes).then_some(shm)
}

impl SizeResult {
    /// The table rows: a label and the runs, sitrep's scenarios first.
    fn rows(&self) -> [(&'static str, &Measured); 7] {
        [
            ("sitrep: cold full build (empty output)", &self.cold.full),
            ("sitrep: rebuild, nothing changed", &self.unchanged),
            ("sitrep: rebuild, one narrative edited", &self.edited),
            ("sitrep: rebuild, one week added", &self.week_added),
            ("sitrep: check", &self.check),
            ("Hugo: cold build of the same narratives", &self.cold.hugo),
            ("cp -r of sitrep's output", &self.cold.copy),
        ]
    }

    /// The largest peak memory of all sitrep runs, in MiB.
    fn sitrep_peak_mib(&self) -> f64 {
        [
            &self.cold.full,
            &self.unchanged,
            &self.edited,
            &self.week_added,
            &self.check,
        ]
        .iter()
        .map(|measured| measured.peak_mib())
        .fold(0.0, f64::max)
    }
}

/// A `sitrep` command with a reproducible environment.
fn sitrep(binary: &Path, site: &Path) -> Command {
    let mut command = Command::new(binary);
    command
        .arg("--root")
        .arg(site)
        .env("SOURCE_DATE_EPOCH", "0")
        .env("NO_COLOR", "1")
        // The generated weeks are unpublished, and `build` leaves drafts
        // out by default: the benchmark builds every week, as before.
        .env("SITREP_BUILD_DRAFTS", "1");
    command
}

/// `sitrep build` of `site` into `output`.
fn sitrep_build(binary: &Path, site: &Path, output: &Path, quiet: bool) -> Command {
    let mut command = sitrep(binary, site);
    command.arg("build").arg("--output").arg(output);
    if quiet {
        command.arg("--quiet");
    }
    command
}

/// Generates the site of `size` in a temporary folder and runs every
/// scenario on it.
fn measure_size(binary: &Path, size: Size, runs: usize) -> SizeResult {
    let folder = tempfile::Builder::new()
        .prefix("sitrep-benchmark-")
        .tempdir()
        .expect("a temporary folder");
    let site = folder.path().join("site");
    let hugo_site = folder.path().join("hugo");
    let output = folder.path().join("public");
    let hugo_output = folder.path().join("hugo-public");
    fs::create_dir(&site).expect("the site folder");
    eprintln!(
        "[{}] writing the site: {} programs, {} weeks",
        size.name, size.programs, size.weeks
    );
    large_site::write_large_site(&site, size.programs, size.weeks);
    write_hugo_project(&site, &hugo_site);
    let build = |quiet| sitrep_build(binary, &site, &output, quiet);

    // Untimed warm-up builds, which also count the pages.
    eprintln!("[{}] warm-up builds", size.name);
    let (_, printed) = run(&mut build(false), None);
    let summary = parse_summary(&printed);
    let hugo = || {
        let mut command = Command::new("hugo");
        command
            .arg("--quiet")
            .arg("--source")
            .arg(&hugo_site)
            .arg("--cacheDir")
            .arg(folder.path().join("hugo-cache"));
        command
    };
    measure(hugo().arg("--destination").arg(&hugo_output));
    let hugo_tree = tree_size(&hugo_output);

    // Each round on disk writes into new folders, deleted only when the
    // benchmark ends, because a file system that has just deleted
    // thousands of files makes creating files slow for a while, whichever
    // program does it.
    let sitrep_into = |public: &Path| sitrep_build(binary, &site, public, true);
    let hugo_into = |public: &Path| {
        let mut command = hugo();
        command.arg("--destination").arg(public);
        command
    };
    let round_folders = |number: usize| {
        ["public", "hugo", "copy"].map(|name| folder.path().join(format!("{name}-{number}")))
    };
    let cold = cold_builds(
        &format!("[{}] cold builds and copy", size.name),
        runs,
        sitrep_into,
        hugo_into,
        round_folders,
        false,
    );
    // The same in memory: the disk's state (write-back, a file system
    // that has just deleted many files) moved the figures above by up to
    // 2× (a copy's by 6×) from one run of the benchmark to the next; in
    // memory what is compared is the programs' own work. A tmpfs forgets
    // deleted files at once, so each round's outputs are deleted after it.
    // Room for sitrep's output and its copy at once (Hugo's is small).
    let in_memory = memory_folder(tree_size(&output).bytes * 21 / 10).map(|shm| {
        let memory = tempfile::Builder::new()
            .prefix("sitrep-benchmark-")
            .tempdir_in(shm)
            .expect("a folder in /dev/shm");
        cold_builds(
            &format!("[{}] cold builds and copy in memory", size.name),
            runs,
            sitrep_into,
            hugo_into,
            |_| ["public", "hugo", "copy"].map(|name| memory.path().join(name)),
            true,
        )
    });
    let last = folder.path().join(format!("public-{}", runs - 1));
    remove_folder(&output);
    fs::rename(&last, &output).expect("the last cold build becomes the output");
    let unchanged = scenario(size, "rebuild, nothing changed", runs, |_| {
        measure(&mut build(true))
    });

    let weeks = week_folders(&site);
    let middle_week = &weeks[weeks.len() / 2];
    let edited_narrative = program_narratives(middle_week)
        .into_iter()
        .next()
        .expect("a program narrative in the middle week");
    let original = fs::read_to_string(&edited_narrative).expect("the narrative to edit");
    let edited = scenario(size, "rebuild, one narrative edited", runs, |number| {
        let sentence = format!("\nEdited for benchmark run {number}: the queue recovered.\n");
        fs::write(&edited_narrative, format!("{original}{sentence}")).expect("an edit");
        measure(&mut build(true))
    });

    let newest = weeks.last().expect("a newest week");
    let new_week = site
        .join("content/reviews")
        .join(large_site::week_id_after_newest());
    let week_added = scenario(size, "rebuild, one week added", runs, |number| {
        fs::create_dir(&new_week).expect("the new week's folder");
        fs::copy(newest.join("index.md"), new_week.join("index.md")).expect("an index.md");
        for narrative in program_narratives(newest) {
            let name = narrative.file_name().expect("a narrative file name");
            let text = large_site::program_narrative(size.weeks + number);
            fs::write(new_week.join(name), text).expect("a program narrative");
        }
        let sample = measure(&mut build(true));
        // Back to the state every run starts from, untimed.
        remove_folder(&new_week);
        measure(&mut build(true));
        sample
    });

    let check = scenario(size, "check", runs, |_| {
        measure(sitrep(binary, &site).arg("check"))
    });
    let output_tree = tree_size(&output);
    let data_json = check_data_json(&output);

    SizeResult {
        size,
        summary,
        output: output_tree,
        hugo_output: hugo_tree,
        data_json,
        cold,
        unchanged,
        edited,
        week_added,
        check,
        in_memory,
        _folder: folder,
    }
}

/// Review weeks published in the smaller and the larger archive.
const ARCHIVE_SIZES: [usize; 2] = [26, 104];

/// Metrics of the one-program site that `check` is timed on, smaller then larger.
const METRIC_COUNTS: [usize; 2] = [2_000, 8_000];

/// What was measured on a site of `published` published review weeks
/// plus one draft week (the newest).
#[derive(Debug)]
struct ArchiveResult {
    /// How many weeks are published.
    published: usize,
    /// Programs of the site.
    programs: usize,
    /// Cold build of the same site before any week was published.
    drafts_full: Measured,
    /// Cold build of the archive.
    full: Measured,
    /// The weekly update: a new review week and 7 more days of data.
    update: Measured,
    /// Bytes of the `numbers.json` files.
    numbers_bytes: u64,
}

/// Freezes the numbers of every week of `site` but the newest, as
/// `sitrep publish` would: each week's `data.json` from a draft build in
/// `output`, marked published and written pretty-printed into the week's
/// folder as `numbers.json`. (Publishing week by week with the command
/// checks the whole site each time: minutes for 104 weeks, same bytes.)
fn publish_all_but_newest(site: &Path, output: &Path) -> u64 {
    let weeks = week_folders(site);
    let mut bytes = 0;
    for week in &weeks[..weeks.len() - 1] {
        let id = week.file_name().expect("a week id");
        let data = fs::read(output.join(id).join("data.json")).expect("a week's data.json");
        let numbers: sitrep::compute::ReviewNumbers =
            serde_json::from_slice(&data).expect("data.json holds a version's numbers");
        let published = sitrep::compute::ReviewNumbers {
            published: true,
            ..numbers
        };
        let mut text = serde_json::to_vec_pretty(&published).expect("numbers serialise");
        text.push(b'\n');
        bytes += text.len() as u64;
        fs::write(week.join("numbers.json"), text).expect("a numbers.json");
    }
    bytes
}

/// Appends `days` more days to every data file of `site`: the last row's
/// values again, a week on. Returns the files as they were.
fn append_days(site: &Path, days: i64) -> Vec<(PathBuf, String)> {
    let mut originals = Vec::new();
    for entry in fs::read_dir(site.join("data")).expect("the data folder") {
        let path = entry.expect("a data file").path();
        let text = fs::read_to_string(&path).expect("a data file's text");
        let last = text.lines().last().expect("a data row");
        let (date, values) = last.split_once(',').expect("a date and values");
        let date: jiff::civil::Date = date.parse().expect("a date");
        let mut more = text.clone();
        for day in 1..=days {
            let _ = writeln!(more, "{},{values}", sitrep::calendar::add_days(date, day));
        }
        fs::write(&path, more).expect("the longer data file");
        originals.push((path, text));
    }
    originals
}

/// Generates a site of `published + 1` review weeks, measures cold
/// builds of it as drafts, publishes every week but the newest and
/// measures cold builds of that archive and its weekly update.
fn measure_archive(binary: &Path, programs: usize, published: usize, runs: usize) -> ArchiveResult {
    let label = Size {
        name: "archive",
        programs,
        weeks: published + 1,
    };
    let folder = tempfile::Builder::new()
        .prefix("sitrep-benchmark-archive-")
        .tempdir()
        .expect("a temporary folder");
    let site = folder.path().join("site");
    fs::create_dir(&site).expect("the site folder");
    eprintln!(
        "[archive {published}] writing the site: {programs} programs, {} weeks",
        published + 1
    );
    large_site::write_large_site(&site, programs, published + 1);
    let fresh = |name: String| folder.path().join(name);
    let drafts_full = scenario(
        label,
        &format!("{published} weeks, all drafts: cold build"),
        runs,
        |number| {
            measure(&mut sitrep_build(
                binary,
                &site,
                &fresh(format!("drafts-{number}")),
                true,
            ))
        },
    );
    let numbers_bytes = publish_all_but_newest(&site, &fresh(format!("drafts-{}", runs - 1)));
    let full = scenario(
        label,
        &format!("{published} published: cold build"),
        runs,
        |number| {
            measure(&mut sitrep_build(
                binary,
                &site,
                &fresh(format!("published-{number}")),
                true,
            ))
        },
    );
    let output = fresh(format!("published-{}", runs - 1));
    let newest = week_folders(&site).pop().expect("a newest week");
    let new_week = site
        .join("content/reviews")
        .join(large_site::week_id_after_newest());
    let update = scenario(
        label,
        &format!("{published} published: weekly update"),
        runs,
        |number| {
            fs::create_dir(&new_week).expect("the new week's folder");
            fs::copy(newest.join("index.md"), new_week.join("index.md")).expect("an index.md");
            for narrative in program_narratives(&newest) {
                let name = narrative.file_name().expect("a narrative file name");
                let text = large_site::program_narrative(published + 1 + number);
                fs::write(new_week.join(name), text).expect("a program narrative");
            }
            let originals = append_days(&site, 7);
            let sample = measure(&mut sitrep_build(binary, &site, &output, true));
            // Back to the state every run starts from, untimed.
            remove_folder(&new_week);
            for (path, text) in originals {
                fs::write(path, text).expect("a data file restored");
            }
            measure(&mut sitrep_build(binary, &site, &output, true));
            sample
        },
    );
    ArchiveResult {
        published,
        programs,
        drafts_full,
        full,
        update,
        numbers_bytes,
    }
}

/// Writes a site of one program with `metrics` metrics into `root`: half
/// read from a CSV of 13 weeks of daily data, half derived (each the ratio
/// of two read ones), one review week.
fn write_many_metrics_site(root: &Path, metrics: usize) {
    let columns = metrics / 2;
    fs::create_dir_all(root.join("content/programs")).expect("programs folder");
    fs::create_dir_all(root.join("data")).expect("data folder");
    fs::write(
        root.join("site.yaml"),
        "title: Many metrics\nweek_ends_on: sunday\n",
    )
    .expect("site.yaml");
    let mut yaml = String::from("name: Many metrics\nowner: Someone\nmetrics:\n");
    for column in 0..columns {
        let _ = writeln!(yaml, "  m{column}:\n    column: c{column}");
    }
    for column in 0..metrics - columns {
        let _ = writeln!(
            yaml,
            "  r{column}:\n    divide: [m{column}, m{}]\n    unit: ratio",
            (column + 1) % columns
        );
    }
    fs::write(root.join("content/programs/many.yaml"), yaml).expect("the program");
    let last: jiff::civil::Date = "2026-11-22".parse().expect("a date");
    let mut csv = String::from("date");
    for column in 0..columns {
        let _ = write!(csv, ",c{column}");
    }
    csv.push('\n');
    for back in (0..91).rev() {
        let _ = write!(csv, "{}", sitrep::calendar::add_days(last, -back));
        for column in 0..columns {
            let _ = write!(csv, ",{}", 100 + (column as i64 * 7 + back) % 50);
        }
        csv.push('\n');
    }
    fs::write(root.join("data/many.csv"), csv).expect("the data");
    let week = root.join("content/reviews/2026-W47");
    fs::create_dir_all(&week).expect("a review week");
    fs::write(
        week.join("index.md"),
        "---\ntitle: Weekly review\n---\nAll quiet.\n",
    )
    .expect("index.md");
}

/// `sitrep check` of a one-program site with `metrics` metrics.
fn measure_many_metrics(binary: &Path, metrics: usize, runs: usize) -> Measured {
    let folder = tempfile::Builder::new()
        .prefix("sitrep-benchmark-metrics-")
        .tempdir()
        .expect("a temporary folder");
    write_many_metrics_site(folder.path(), metrics);
    let label = Size {
        name: "metrics",
        programs: 1,
        weeks: 1,
    };
    scenario(label, &format!("check, {metrics} metrics"), runs, |_| {
        measure(sitrep(binary, folder.path()).arg("check"))
    })
}

/// The filesystem type of the mount holding `folder`, from /proc/mounts.
fn filesystem_of(folder: &Path) -> Option<String> {
    let folder = folder.canonicalize().ok()?;
    let mounts = fs::read_to_string("/proc/mounts").ok()?;
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let point = fields.nth(1)?;
            let kind = fields.next()?;
            folder
                .starts_with(point)
                .then(|| (point.len(), kind.to_owned()))
        })
        .max()
        .map(|(_, kind)| kind)
}

/// The machine and software the benchmark ran on, as report rows.
fn machine(sitrep: &Path) -> Vec<(&'static str, String)> {
    let temp = std::env::temp_dir();
    let filesystem = filesystem_of(&temp).unwrap_or_else(|| "unknown".to_owned());
    let source = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut rows = machine_basics();
    rows.extend([
        ("work folder", format!("{} ({filesystem})", temp.display())),
        ("sitrep", sitrep_version(sitrep)),
        ("Hugo", first_line_of("hugo", &["version"], None)),
        (
            "rustc",
            first_line_of("rustc", &["--version"], Some(source)),
        ),
    ]);
    rows
}

/// This process's own peak resident set size in MiB (`VmHWM`). A child's
/// peak includes its parent's resident memory at the spawn (Linux carries
/// the high-water mark over `exec`), so this is the floor of every figure.
/// (`getrusage(RUSAGE_SELF)` would not do: it includes cargo's memory,
/// carried over the same way when cargo started this process.)
fn own_peak_mib() -> f64 {
    field_of("/proc/self/status", "VmHWM", ':')
        .and_then(|value| value.trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

/// How the report names a size: `large (10 programs × 104 weeks)`.
fn size_title(size: Size) -> String {
    format!(
        "{} ({} programs × {} weeks)",
        size.name, size.programs, size.weeks
    )
}

/// One target of the issue and how this run did against it.
#[derive(Debug)]
struct Target {
    /// What the target asks for.
    goal: String,
    /// What was measured.
    measured: String,
    /// Whether it was met; `None` when the run did not measure it.
    passed: Option<bool>,
}

/// Everything one run of the benchmark measured.
struct AllResults<'a> {
    sizes: &'a [SizeResult],
    archives: &'a [ArchiveResult],
    /// `check` of a one-program site, by its number of metrics.
    metrics: &'a [(usize, Measured)],
}

/// How much more peak memory the largest archive may take than the
/// smallest for "flat": the process's fixed part moves by this much from
/// run to run.
const FLAT_MEMORY: f64 = 1.2;

/// How much longer `check` (or a cold build) may take than the metrics
/// (or the pages) grow for "linear".
const LINEAR_TIME: f64 = 1.25;

/// The targets of issue 15, evaluated against the results.
fn targets(all: &AllResults) -> Vec<Target> {
    let results = all.sizes;
    let find = |name: &str| results.iter().find(|result| result.size.name == name);
    let large = find(LARGE.name);
    let xl = find(XL.name);
    let mut targets = Vec::new();
    // Named by its file system: a TMPDIR may itself be a tmpfs.
    let work_folder = format!(
        "work folder on {}",
        filesystem_of(&std::env::temp_dir()).unwrap_or_else(|| "an unknown file system".into())
    );
    let not_measured = |goal: String, needs: &str| Target {
        goal,
        measured: format!("not measured (needs {needs})"),
        passed: None,
    };
    if results.is_empty() {
        targets.push(not_measured(
            "cold full build ≤ 1.0× Hugo and ≤ 3× cp, bytes ≤ 8× Hugo's".into(),
            "--part build",
        ));
    }
    for result in results {
        let name = result.size.name;
        let places = [
            (work_folder.as_str(), Some(&result.cold)),
            ("in /dev/shm (tmpfs)", result.in_memory.as_ref()),
        ];
        for (place, measured) in places {
            let Some(builds) = measured else {
                targets.push(not_measured(
                    format!("{name}: cold full build ≤ 1.0× Hugo and ≤ 3× cp, {place}"),
                    "room for twice the output in a tmpfs at /dev/shm",
                ));
                continue;
            };
            let (full, hugo, copy) = (
                builds.full.median_ms(),
                builds.hugo.median_ms(),
                builds.copy.median_ms(),
            );
            targets.push(Target {
                goal: format!("{name}: cold full build ≤ 1.0× Hugo, {place}"),
                measured: format!("{:.2}× ({full:.0} ms vs {hugo:.0} ms)", full / hugo),
                passed: Some(full <= hugo),
            });
            targets.push(Target {
                goal: format!("{name}: cold full build ≤ 3× cp -r of its output, {place}"),
                measured: format!("{:.2}× ({full:.0} ms vs {copy:.0} ms)", full / copy),
                passed: Some(full <= 3.0 * copy),
            });
        }
        let bytes = result.output.bytes as f64;
        let hugo_bytes = result.hugo_output.bytes as f64;
        targets.push(Target {
            goal: format!("{name}: bytes written ≤ 8× Hugo's"),
            measured: format!(
                "{:.1}× ({:.1} MiB vs {:.1} MiB)",
                bytes / hugo_bytes,
                bytes / 1024.0 / 1024.0,
                hugo_bytes / 1024.0 / 1024.0
            ),
            passed: Some(bytes <= 8.0 * hugo_bytes),
        });
    }
    for result in results {
        let name = result.size.name;
        let check = &result.data_json;
        let mut problems: Vec<String> = check
            .not_compact
            .iter()
            .map(|file| format!("{file} is not compact"))
            .collect();
        problems.extend(
            check
                .missing
                .iter()
                .map(|field| format!("{field} is missing")),
        );
        let average = check.bytes as f64 / check.files.max(1) as f64 / 1024.0;
        targets.push(Target {
            goal: format!("{name}: data.json compact, every documented field kept"),
            measured: match problems.as_slice() {
                [] => format!(
                    "{} files, {:.0} KiB each on average ({:.1} MiB in all)",
                    check.files,
                    average,
                    check.bytes as f64 / 1024.0 / 1024.0
                ),
                [first, ..] => format!("{first} (and {} more problems)", problems.len() - 1),
            },
            passed: Some(check.files > 0 && problems.is_empty()),
        });
    }
    for result in results {
        let full = result.cold.full.median_ms();
        for (what, measured) in [
            ("nothing changed", &result.unchanged),
            ("one narrative edited", &result.edited),
            ("one week added", &result.week_added),
        ] {
            let time = measured.median_ms();
            targets.push(Target {
                goal: format!("{}: rebuild, {what} < 10% of full", result.size.name),
                measured: format!("{:.1}% ({time:.0} ms of {full:.0} ms)", 100.0 * time / full),
                passed: Some(time < 0.1 * full),
            });
        }
    }
    let growth = "peak memory grows no faster than pages, large → XL";
    match (large, xl) {
        (Some(large), Some(xl)) => {
            let memory = xl.sitrep_peak_mib() / large.sitrep_peak_mib();
            let pages = xl.summary.pages as f64 / large.summary.pages as f64;
            targets.push(Target {
                goal: growth.into(),
                measured: format!(
                    "memory ×{memory:.2} ({:.0} → {:.0} MiB) for pages ×{pages:.2}",
                    large.sitrep_peak_mib(),
                    xl.sitrep_peak_mib()
                ),
                passed: Some(memory <= pages),
            });
        }
        _ => targets.push(not_measured(growth.into(), "both sizes")),
    }
    let linear = format!(
        "cold full build linear in pages, large → XL (time ≤ ×{LINEAR_TIME} the pages' growth)"
    );
    match (large, xl) {
        (Some(large), Some(xl)) => {
            let time = xl.cold.full.median_ms() / large.cold.full.median_ms();
            let pages = xl.summary.pages as f64 / large.summary.pages as f64;
            targets.push(Target {
                goal: linear,
                measured: format!(
                    "time ×{time:.2} ({:.0} → {:.0} ms) for pages ×{pages:.2}",
                    large.cold.full.median_ms(),
                    xl.cold.full.median_ms()
                ),
                passed: Some(time <= pages * LINEAR_TIME),
            });
        }
        _ => targets.push(not_measured(linear, "both sizes")),
    }
    let limit = "XL: peak memory < 1 GiB";
    targets.push(match xl {
        Some(xl) => Target {
            goal: limit.into(),
            measured: format!("{:.0} MiB", xl.sitrep_peak_mib()),
            passed: Some(xl.sitrep_peak_mib() < 1024.0),
        },
        None => not_measured(limit.into(), "--size xl"),
    });

    let smallest = all.archives.iter().min_by_key(|archive| archive.published);
    let largest = all.archives.iter().max_by_key(|archive| archive.published);
    match (smallest, largest) {
        (Some(small), Some(big)) if small.published < big.published => {
            let peak =
                |archive: &ArchiveResult| archive.full.peak_mib().max(archive.update.peak_mib());
            let ratio = peak(big) / peak(small);
            targets.push(Target {
                goal: format!(
                    "peak memory flat in published weeks ({} → {}; ≤ ×{FLAT_MEMORY})",
                    small.published, big.published
                ),
                measured: format!(
                    "×{ratio:.2} ({:.0} → {:.0} MiB; the same sites as drafts: {:.0} → {:.0} MiB)",
                    peak(small),
                    peak(big),
                    small.drafts_full.peak_mib(),
                    big.drafts_full.peak_mib()
                ),
                passed: Some(ratio <= FLAT_MEMORY),
            });
        }
        _ => targets.push(not_measured(
            "peak memory flat in published weeks".into(),
            "two --published sizes",
        )),
    }
    match largest {
        Some(archive) => {
            let full = archive.full.median_ms();
            let update = archive.update.median_ms();
            targets.push(Target {
                goal: format!(
                    "weekly update of {} published weeks ≤ 10% of a full build",
                    archive.published
                ),
                measured: format!(
                    "{:.1}% ({update:.0} ms of {full:.0} ms)",
                    100.0 * update / full
                ),
                passed: Some(update <= 0.1 * full),
            });
        }
        None => targets.push(not_measured(
            "weekly update ≤ 10% of a full build".into(),
            "--part archive",
        )),
    }
    let fewest = all.metrics.iter().min_by_key(|(count, _)| *count);
    let most = all.metrics.iter().max_by_key(|(count, _)| *count);
    match (fewest, most) {
        (Some((few, few_time)), Some((many, many_time))) if few < many => {
            let growth = *many as f64 / *few as f64;
            let time = many_time.median_ms() / few_time.median_ms();
            targets.push(Target {
                goal: format!("check linear in metrics ({few} → {many} in one program)"),
                measured: format!(
                    "time ×{time:.2} for metrics ×{growth:.0} ({:.0} → {:.0} ms)",
                    few_time.median_ms(),
                    many_time.median_ms()
                ),
                passed: Some(time <= growth * LINEAR_TIME),
            });
        }
        _ => targets.push(not_measured(
            "check linear in metrics".into(),
            "two --metrics sizes",
        )),
    }
    targets
}

/// The command that reproduces this run.
fn command_line(arguments: &[String]) -> String {
    let mut command = String::from("cargo run --release --example benchmark");
    if !arguments.is_empty() {
        command.push_str(" --");
        for argument in arguments {
            let plain = !argument.is_empty()
                && argument
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+".contains(c));
            if plain {
                let _ = write!(command, " {argument}");
            } else {
                let _ = write!(command, " '{}'", argument.replace('\'', r"'\''"));
            }
        }
    }
    command
}

/// The markdown report.
fn report(machine: &[(&str, String)], command: &str, runs: usize, all: &AllResults) -> String {
    let results = all.sizes;
    let mut text = String::new();
    let _ = writeln!(text, "## Build benchmark\n");
    let _ = writeln!(text, "Reproduce with:\n\n```sh\n{command}\n```\n");
    let _ = writeln!(
        text,
        "Each scenario ran {runs} time{}; times are medians, peak memory is the \
         largest peak resident set size of those runs (`ru_maxrss` of the child \
         process, from `wait4`). sitrep runs as the release binary with \
         `SOURCE_DATE_EPOCH=0`. Before every run the benchmark calls `sync`, so \
         that writing back earlier runs' files does not land in the measurement. \
         The sites come from a fixed-seed generator \
         (`tests/common/large_site.rs`).\n",
        if runs == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        text,
        "- **cold full build**: `sitrep build --quiet` into an output folder that does not exist yet\n\
         - **nothing changed**: the same build again into the same folder\n\
         - **one narrative edited**: a sentence appended to one program narrative of the \
         middle week (a different one every run), then the same build\n\
         - **one week added**: a new review week (executive narrative and one narrative \
         per program) after the newest, then the same build (the generated data ends \
         with the newest week, so the new week has no data of its own); the week is \
         removed again, and rebuilt untimed, before the next run\n\
         - **check**: `sitrep check` on the whole site\n\
         - **Hugo**: `hugo --quiet` of the same narratives as plain markdown pages \
         (one section per week, minimal theme) into a folder that does not exist yet\n\
         - **cp**: `cp -r` of sitrep's finished output into a folder that does not exist yet\n\
         - **into memory**: the cold build, Hugo and the copy again, writing into a folder in \
         `/dev/shm` (tmpfs), each run's outputs deleted after it. The disk's state (write-back, \
         a file system that has just deleted many files) moves the figures on disk by up to 2× (a copy: 6×) \
         from one run of the benchmark to the next; in memory, what is compared is the programs' \
         own work\n\
         - **published archive**: the large site's programs with N review weeks published \
         (`numbers.json` in each, as `sitrep publish` writes it) and one draft week, the newest; \
         cold builds of it, and of the same site before publishing\n\
         - **weekly update**: on that archive, a new review week (narratives as above) and 7 more \
         days in every data file (the rows of the last day again, a week on), then the same build; \
         undone, and rebuilt untimed, before the next run\n\
         - **check, N metrics**: `sitrep check` of a site of one program with N metrics (half \
         read from one CSV of 13 weeks of daily data, half ratios of two of them) and one review week\n"
    );

    let _ = writeln!(text, "### Machine\n\n| | |\n| --- | --- |");
    for (name, value) in machine {
        let _ = writeln!(text, "| {name} | {value} |");
    }
    let _ = writeln!(text);

    if !results.is_empty() {
        let _ = writeln!(
        text,
        "### Sites\n\n\
         | size | programs | metrics | days of data | review weeks | pages | charts | sitrep output | Hugo output |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
        for result in results {
            let size = result.size;
            let _ = writeln!(
                text,
                "| {} | {} | {} | {} | {} | {} | {} | {} files, {:.0} MiB | {} pages, {:.0} MiB |",
                size.name,
                size.programs,
                size.programs * large_site::METRICS_PER_PROGRAM,
                grouped(7 * size.weeks as u64),
                result.summary.versions,
                grouped(result.summary.pages),
                grouped(result.summary.charts),
                grouped(result.output.files),
                result.output.bytes as f64 / 1024.0 / 1024.0,
                grouped(result.hugo_output.html),
                result.hugo_output.bytes as f64 / 1024.0 / 1024.0,
            );
        }
        let _ = writeln!(text);

        for result in results {
            let full = result.cold.full.median_ms();
            let hugo = result.cold.hugo.median_ms();
            let copy = result.cold.copy.median_ms();
            let _ = writeln!(
                text,
                "### {}\n\n\
             | scenario | median ms | peak MiB | % of full build | × Hugo | × cp |\n\
             | --- | ---: | ---: | ---: | ---: | ---: |",
                size_title(result.size)
            );
            for (label, measured) in result.rows() {
                let time = measured.median_ms();
                let _ = writeln!(
                    text,
                    "| {label} | {time:.0} | {:.1} | {:.1}% | {:.2}× | {:.2}× |",
                    measured.peak_mib(),
                    100.0 * time / full,
                    time / hugo,
                    time / copy,
                );
            }
            let _ = writeln!(text);
            if let Some(memory) = &result.in_memory {
                let (hugo, copy) = (memory.hugo.median_ms(), memory.copy.median_ms());
                let _ = writeln!(
                    text,
                    "Into memory (`/dev/shm`, tmpfs):\n\n\
                     | scenario | median ms | peak MiB | × Hugo | × cp |\n\
                     | --- | ---: | ---: | ---: | ---: |"
                );
                for (label, measured) in memory.rows() {
                    let time = measured.median_ms();
                    let _ = writeln!(
                        text,
                        "| {label} | {time:.0} | {:.1} | {:.2}× | {:.2}× |",
                        measured.peak_mib(),
                        time / hugo,
                        time / copy,
                    );
                }
                let _ = writeln!(text);
            }
        }
    }
    if !all.archives.is_empty() {
        let _ = writeln!(
            text,
            "### Published archives\n\n\
             | published weeks | scenario | median ms | peak MiB | % of the archive's cold build |\n\
             | ---: | --- | ---: | ---: | ---: |"
        );
        for archive in all.archives {
            let full = archive.full.median_ms();
            for (label, measured) in [
                ("cold build, every week a draft", &archive.drafts_full),
                ("cold build, published", &archive.full),
                ("weekly update", &archive.update),
            ] {
                let time = measured.median_ms();
                let _ = writeln!(
                    text,
                    "| {} | {label} | {time:.0} | {:.1} | {:.1}% |",
                    archive.published,
                    measured.peak_mib(),
                    100.0 * time / full
                );
            }
        }
        let _ = writeln!(text);
        for archive in all.archives {
            let _ = writeln!(
                text,
                "- {} published weeks of {} programs: `numbers.json` files {:.0} MiB in all",
                archive.published,
                archive.programs,
                archive.numbers_bytes as f64 / 1024.0 / 1024.0
            );
        }
        let _ = writeln!(text);
    }
    if !all.metrics.is_empty() {
        let _ = writeln!(
            text,
            "### One program, many metrics\n\n\
             | metrics | `sitrep check` median ms | peak MiB |\n| ---: | ---: | ---: |"
        );
        for (count, measured) in all.metrics {
            let _ = writeln!(
                text,
                "| {} | {:.0} | {:.1} |",
                grouped(*count as u64),
                measured.median_ms(),
                measured.peak_mib()
            );
        }
        let _ = writeln!(text);
    }

    let _ = writeln!(
        text,
        "### Targets\n\n| target | measured | |\n| --- | --- | --- |"
    );
    for target in targets(all) {
        let mark = match target.passed {
            Some(true) => "✅",
            Some(false) => "❌",
            None => "➖",
        };
        let _ = writeln!(text, "| {} | {} | {mark} |", target.goal, target.measured);
    }
    let _ = writeln!(
        text,
        "\nA child's peak memory includes the resident memory of the benchmark \
         process that spawned it (Linux keeps the high-water mark across `exec`); \
         the benchmark's own peak was {:.1} MiB.",
        own_peak_mib()
    );
    text
}

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_options(&arguments) {
        Ok(options) => options,
        Err(message) if message.is_empty() => {
            println!("{USAGE}");
            return;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    assert!(
        first_line_of("hugo", &["version"], None) != "unknown",
        "the benchmark needs `hugo` on the PATH (Debian: apt-get install hugo)"
    );
    let started = Instant::now();
    let sitrep = build_sitrep();
    let machine = machine(&sitrep);
    let wants = |part: &str| options.parts.iter().any(|wanted| wanted == part);
    let results: Vec<SizeResult> = if wants("build") {
        options
            .sizes
            .iter()
            .map(|&size| measure_size(&sitrep, size, options.runs))
            .collect()
    } else {
        Vec::new()
    };
    let archive_programs = match options.sizes.as_slice() {
        [custom] if custom.name == "custom" => custom.programs,
        _ => LARGE.programs,
    };
    let archives: Vec<ArchiveResult> = if wants("archive") {
        options
            .published
            .iter()
            .map(|&published| measure_archive(&sitrep, archive_programs, published, options.runs))
            .collect()
    } else {
        Vec::new()
    };
    let metrics: Vec<(usize, Measured)> = if wants("metrics") {
        options
            .metrics
            .iter()
            .map(|&count| (count, measure_many_metrics(&sitrep, count, options.runs)))
            .collect()
    } else {
        Vec::new()
    };
    let measured = AllResults {
        sizes: &results,
        archives: &archives,
        metrics: &metrics,
    };
    let report = report(&machine, &command_line(&arguments), options.runs, &measured);
    print!("{report}");
    if let Some(path) = &options.write {
        support::write_between_markers(path, "benchmark", &report)
            .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
        eprintln!("wrote the report into {}", path.display());
    }
    eprintln!("done in {:.0} s", started.elapsed().as_secs_f64());
}

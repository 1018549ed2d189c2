//! What the benchmarks against DuckDB share: a deterministic random
//! sequence, and running a command while measuring its wall time and peak
//! memory.

#![allow(dead_code)] // each benchmark uses its own subset

use std::fs;
use std::io::{ErrorKind, Write as _};
use std::os::unix::process::ExitStatusExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A deterministic pseudo-random sequence (SplitMix64).
pub struct Random(pub u64);

impl Random {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// The command line both benchmarks take: `--rows N` (default 10
/// million), `--runs R` (default 3), `--folder PATH` (default
/// `target/<name>`) and `--sitrep BINARY` (default the release build).
pub struct Options {
    pub rows: u64,
    pub runs: usize,
    pub folder: PathBuf,
    pub binary: PathBuf,
}

impl Options {
    pub fn from_args(name: &str) -> Options {
        let arguments: Vec<String> = std::env::args().skip(1).collect();
        let option = |flag: &str| {
            arguments
                .iter()
                .position(|argument| argument == flag)
                .map(|at| arguments[at + 1].clone())
        };
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let options = Options {
            rows: option("--rows").map_or(10_000_000, |text| text.parse().unwrap()),
            runs: option("--runs").map_or(3, |text| text.parse().unwrap()),
            folder: option("--folder")
                .map_or_else(|| repo.join("target").join(name), PathBuf::from),
            binary: option("--sitrep")
                .map_or_else(|| repo.join("target/release/sitrep"), PathBuf::from),
        };
        assert!(
            options.binary.exists(),
            "build the release binary first: cargo build --release --bin sitrep"
        );
        options
    }
}

/// Writes the site's files and the DuckDB script, and the data file with
/// `generate` unless an earlier run finished writing it.
pub fn prepare_site(
    site: &Path,
    files: &[(&str, &str)],
    script: (&Path, &str),
    data_file: &Path,
    generate: impl FnOnce(&Path),
) {
    for (relative, text) in files {
        write_file(site, relative, text);
    }
    fs::write(script.0, script.1).unwrap();
    let done = site.join("data/.generated");
    if !done.exists() {
        eprintln!("generating the rows into {}", data_file.display());
        fs::create_dir_all(data_file.parent().unwrap()).unwrap();
        generate(data_file);
        fs::write(&done, "").unwrap();
    }
}

pub fn write_file(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

pub struct Sample {
    pub wall: Duration,
    pub peak_kib: u64,
}

/// Runs `command` to completion, measuring wall time and peak memory;
/// panics with its stderr when it fails. Returns the sample and stdout.
pub fn run(command: &mut Command, stdin: Option<&str>) -> (Sample, String) {
    let stdout_file = tempfile::tempfile().unwrap();
    let stderr_file = tempfile::tempfile().unwrap();
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(stdout_file.try_clone().unwrap())
        .stderr(stderr_file.try_clone().unwrap());
    let started = Instant::now();
    let mut child = command
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {command:?}: {error}"));
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).unwrap();
    }
    let (status, peak_kib) = wait_with_peak_memory(child);
    let wall = started.elapsed();
    let read = |file: &fs::File| {
        use std::io::{Read as _, Seek as _};
        let mut file = file.try_clone().unwrap();
        file.rewind().unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        text
    };
    if !status.success() {
        panic!("{command:?} failed ({status}):\n{}", read(&stderr_file));
    }
    (Sample { wall, peak_kib }, read(&stdout_file))
}

/// Waits for `child` with `wait4`; returns its exit status and peak
/// resident set size in KiB.
pub fn wait_with_peak_memory(child: Child) -> (ExitStatus, u64) {
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is a plain C struct of integers; all zeros is valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: `pid` is our own child, not reaped yet; both pointers
        // point to live locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != ErrorKind::Interrupted {
            panic!("waiting for process {pid} failed: {error}");
        }
    }
    (
        ExitStatus::from_raw(status),
        u64::try_from(usage.ru_maxrss).unwrap_or(0),
    )
}

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2.0
    }
}

/// Runs `sitrep` and `duckdb` alternately `runs` times each (the DuckDB
/// script reads `periods_json` on its standard input) and returns the
/// report: medians, each run, peak memory, and the ratio. `identical`
/// says how many numbers were compared (and found equal) beforehand.
pub fn race(
    runs: usize,
    mut sitrep: impl FnMut() -> Command,
    mut duckdb: impl FnMut() -> Command,
    periods_json: &str,
    rows: u64,
    csv_bytes: u64,
    identical: &str,
) -> String {
    use std::fmt::Write as _;
    let mut sitrep_samples = Vec::new();
    let mut duckdb_samples = Vec::new();
    for round in 1..=runs {
        eprintln!("round {round}/{runs}");
        sitrep_samples.push(run(&mut sitrep(), None).0);
        duckdb_samples.push(run(&mut duckdb(), Some(periods_json)).0);
    }
    let seconds =
        |samples: &[Sample]| median(samples.iter().map(|s| s.wall.as_secs_f64()).collect());
    let peak_mib =
        |samples: &[Sample]| samples.iter().map(|s| s.peak_kib).max().unwrap_or(0) as f64 / 1024.0;
    let runs_of = |samples: &[Sample]| {
        samples
            .iter()
            .map(|s| format!("{:.2}", s.wall.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let csv_mib = csv_bytes as f64 / (1 << 20) as f64;
    let (ours, theirs) = (seconds(&sitrep_samples), seconds(&duckdb_samples));
    let mut report = String::new();
    let _ = writeln!(
        report,
        "rows: {rows}, CSV: {csv_mib:.0} MiB, runs: {runs} each, alternating, warm page cache"
    );
    let _ = writeln!(
        report,
        "sitrep build: median {ours:.2} s ({} s), peak {:.0} MiB ({:.2}× the CSV)",
        runs_of(&sitrep_samples),
        peak_mib(&sitrep_samples),
        peak_mib(&sitrep_samples) / csv_mib
    );
    let _ = writeln!(
        report,
        "DuckDB:       median {theirs:.2} s ({} s), peak {:.0} MiB",
        runs_of(&duckdb_samples),
        peak_mib(&duckdb_samples)
    );
    let _ = writeln!(
        report,
        "ratio sitrep/DuckDB: {:.2}; numbers identical: yes ({identical})",
        ours / theirs
    );
    report
}

/// Compares every week and month value of `metrics` (the program's
/// metrics in sitrep's data.json) with DuckDB's printed `theirs`, metric
/// by metric; `labels` name the periods in order. Any difference beyond
/// 1e-9 (relative) ends the benchmark with the list. Returns how many
/// numbers were compared, and how many of them were missing in both.
pub fn compare_numbers<'a>(
    metrics: &serde_json::Value,
    theirs: &serde_json::Value,
    ids: impl IntoIterator<Item = &'a str>,
    labels: &[String],
) -> (usize, usize) {
    let (mut compared, mut missing) = (0, 0);
    let mut wrong = Vec::new();
    for metric in ids {
        let ours: Vec<Option<f64>> = ["weeks", "months"]
            .iter()
            .flat_map(|kind| metrics[metric][kind].as_array().unwrap().clone())
            .map(|period| period["value"].as_f64())
            .collect();
        let expected = theirs[metric].as_array().unwrap();
        assert_eq!(ours.len(), expected.len(), "{metric}: periods");
        for ((ours, theirs), label) in ours.iter().zip(expected).zip(labels) {
            compared += 1;
            missing += usize::from(ours.is_none());
            let same = match (ours, theirs.as_f64()) {
                (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(1.0),
                (None, None) => true,
                _ => false,
            };
            if !same {
                wrong.push(format!(
                    "{metric} {label}: sitrep {ours:?}, DuckDB {theirs}"
                ));
            }
        }
    }
    if !wrong.is_empty() {
        eprintln!("NUMBERS DIFFER:\n{}", wrong.join("\n"));
        std::process::exit(1);
    }
    (compared, missing)
}

//! What the benchmarks share: running a command while measuring its wall
//! time and peak memory, describing the machine, and writing a report into
//! BENCHMARKS.md between markers; and, for the two against DuckDB, their
//! command line, a deterministic random sequence, comparing every number
//! and racing the two tools.

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

/// The command line of both benchmarks against DuckDB: `--rows N` (default 10
/// million), `--runs R` (default 3), `--folder PATH` (default
/// `target/<name>`), `--sitrep BINARY` (default: the release build, built
/// first) and `--write PATH` (the report also goes into that markdown file,
/// between `<!-- <name>:begin -->` and `<!-- <name>:end -->`).
pub struct Options {
    /// The benchmark's name: its markers and default folder.
    pub name: String,
    pub rows: u64,
    pub runs: usize,
    pub folder: PathBuf,
    pub binary: PathBuf,
    pub write: Option<PathBuf>,
    /// The arguments as given, for the report's "reproduce with" line.
    pub arguments: Vec<String>,
}

impl Options {
    /// Reads the command line; `--help` prints `usage`, a mistake prints
    /// what is wrong and `usage`, and both exit.
    pub fn from_args(name: &str, usage: &str) -> Options {
        let arguments: Vec<String> = std::env::args().skip(1).collect();
        match Options::parse(name, &arguments) {
            Ok(options) => options,
            Err(message) if message.is_empty() => {
                println!("{usage}");
                std::process::exit(0);
            }
            Err(message) => {
                eprintln!("error: {message}\n\n{usage}");
                std::process::exit(2);
            }
        }
    }

    fn parse(name: &str, arguments: &[String]) -> Result<Options, String> {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let (mut rows, mut runs, mut folder, mut binary, mut write) =
            (10_000_000, 3, None, None, None);
        let mut given = arguments.iter();
        while let Some(argument) = given.next() {
            let mut value = || {
                given
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("{argument} needs a value"))
            };
            let positive = |text: String| match text.parse::<u64>() {
                Ok(number) if number > 0 => Ok(number),
                _ => Err(format!(
                    "{argument} needs a positive whole number, not `{text}`"
                )),
            };
            match argument.as_str() {
                "--rows" => rows = positive(value()?)?,
                "--runs" => runs = positive(value()?)? as usize,
                "--folder" => folder = Some(PathBuf::from(value()?)),
                "--sitrep" => binary = Some(PathBuf::from(value()?)),
                "--write" => write = Some(PathBuf::from(value()?)),
                "-h" | "--help" => return Err(String::new()),
                other => return Err(format!("unknown option `{other}`")),
            }
        }
        let binary = match binary {
            Some(binary) if binary.exists() => binary,
            Some(binary) => return Err(format!("no sitrep binary at {}", binary.display())),
            None => build_sitrep(),
        };
        Ok(Options {
            name: name.to_owned(),
            rows,
            runs,
            folder: folder.unwrap_or_else(|| repo.join("target").join(name)),
            binary,
            write,
            arguments: arguments.to_vec(),
        })
    }

    /// Races `sitrep` against `duckdb` (see [`race`]), then prints the
    /// report and, with `--write`, puts it into that file between the
    /// benchmark's markers. `checked` is what [`compare_numbers`] found.
    pub fn race_and_report(
        &self,
        sitrep: impl FnMut() -> Command,
        duckdb: impl FnMut() -> Command,
        periods_json: &str,
        data: (u64, u64),
        checked: (usize, usize),
    ) {
        let race = race(self.runs, sitrep, duckdb, periods_json);
        let report = race.report(self, data, checked);
        print!("{report}");
        if let Some(path) = &self.write {
            write_between_markers(path, &self.name, &report)
                .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
            eprintln!("wrote the report into {}", path.display());
        }
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

/// One run of a child process.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// From just before the spawn to just after the child was reaped.
    pub wall: Duration,
    /// The child's peak resident set size (`ru_maxrss`), in KiB.
    pub peak_kib: u64,
}

/// Runs `command` to completion, measuring wall time and peak memory;
/// panics with its stderr when it fails. Returns the sample and stdout.
/// Files written so far are flushed to disk (`sync`) first, so that
/// writing back earlier runs' output does not land in this run's time.
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
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() };
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
/// script reads `periods_json` on its standard input).
pub fn race(
    runs: usize,
    mut sitrep: impl FnMut() -> Command,
    mut duckdb: impl FnMut() -> Command,
    periods_json: &str,
) -> Race {
    let mut race = Race {
        sitrep: Vec::new(),
        duckdb: Vec::new(),
    };
    for round in 1..=runs {
        eprintln!("round {round}/{runs}");
        race.sitrep.push(run(&mut sitrep(), None).0);
        race.duckdb.push(run(&mut duckdb(), Some(periods_json)).0);
    }
    race
}

/// The runs of both sides.
pub struct Race {
    pub sitrep: Vec<Sample>,
    pub duckdb: Vec<Sample>,
}

/// The targets of issue 15 for the loaders.
const MAX_TIME_RATIO: f64 = 1.0;
const MAX_MEMORY_RATIO: f64 = 1.5;

impl Race {
    /// The markdown report: machine, runs, and the targets with pass/fail.
    /// `data` is the file's rows and bytes, `checked` what
    /// [`compare_numbers`] found (it ends the benchmark when a number
    /// differs, so all those compared were equal).
    pub fn report(&self, options: &Options, data: (u64, u64), checked: (usize, usize)) -> String {
        let (rows, csv_bytes) = data;
        let (compared, missing) = checked;
        use std::fmt::Write as _;
        let seconds =
            |samples: &[Sample]| median(samples.iter().map(|s| s.wall.as_secs_f64()).collect());
        let peak_mib = |samples: &[Sample]| {
            samples.iter().map(|s| s.peak_kib).max().unwrap_or(0) as f64 / 1024.0
        };
        let each_run = |samples: &[Sample]| {
            samples
                .iter()
                .map(|s| format!("{:.2}", s.wall.as_secs_f64()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let csv_mib = csv_bytes as f64 / (1 << 20) as f64;
        let (ours, theirs) = (seconds(&self.sitrep), seconds(&self.duckdb));
        let (our_peak, their_peak) = (peak_mib(&self.sitrep), peak_mib(&self.duckdb));
        let mark = |met: bool| if met { "✅" } else { "❌" };
        let mut command = format!(
            "cargo run --release --example {}",
            options.name.replace('-', "_")
        );
        if !options.arguments.is_empty() {
            let _ = write!(command, " -- {}", options.arguments.join(" "));
        }
        let duckdb = first_line_of(
            "python3",
            &[
                "-c",
                "import duckdb, sys; print(duckdb.__version__, '(Python ' + sys.version.split()[0] + ')')",
            ],
            None,
        );
        let mut text = String::new();
        let _ = writeln!(text, "Reproduce with:\n\n```sh\n{command}\n```\n");
        let _ = writeln!(text, "| | |\n| --- | --- |");
        for (name, value) in machine_basics() {
            let _ = writeln!(text, "| {name} | {value} |");
        }
        let _ = writeln!(text, "| sitrep | {} |", sitrep_version(&options.binary));
        let _ = writeln!(text, "| DuckDB | {duckdb} |");
        let _ = writeln!(
            text,
            "| data | {} rows, {csv_mib:.0} MiB of CSV |\n",
            grouped(rows)
        );
        let runs = self.sitrep.len();
        let _ = writeln!(
            text,
            "After one untimed run of each (the one whose numbers were compared; it \
             leaves the CSV in the page \
             cache), the two ran alternately, {runs} time{} each; times are medians, \
             peak memory is the largest `ru_maxrss` of the runs (from `wait4`).\n",
            if runs == 1 { "" } else { "s" }
        );
        let _ = writeln!(
            text,
            "| | median time | each run (s) | peak memory | peak ÷ CSV size |\n\
             | --- | ---: | --- | ---: | ---: |"
        );
        for (who, samples, time, peak) in [
            ("`sitrep build`", &self.sitrep, ours, our_peak),
            ("DuckDB (Python)", &self.duckdb, theirs, their_peak),
        ] {
            let _ = writeln!(
                text,
                "| {who} | {time:.2} s | {} | {peak:.0} MiB | {:.2}× |",
                each_run(samples),
                peak / csv_mib
            );
        }
        let (time_ratio, memory_ratio) = (ours / theirs, our_peak / csv_mib);
        let _ = writeln!(text, "\n| target | measured | |\n| --- | --- | --- |");
        let _ = writeln!(
            text,
            "| time ≤ {MAX_TIME_RATIO:.1}× DuckDB's | {time_ratio:.2}× ({ours:.2} s vs {theirs:.2} s) | {} |",
            mark(time_ratio <= MAX_TIME_RATIO)
        );
        let _ = writeln!(
            text,
            "| peak memory ≤ {MAX_MEMORY_RATIO:.1}× the CSV's size | {memory_ratio:.2}× ({our_peak:.0} MiB for {csv_mib:.0} MiB) | {} |",
            mark(memory_ratio <= MAX_MEMORY_RATIO)
        );
        let _ = writeln!(
            text,
            "| every week and month equal to DuckDB's (within 1e-9, relative) | {0} of {0} ({1} missing in both) | ✅ |",
            compared, missing
        );
        text
    }
}

/// A whole number with commas between groups of three digits: `20,800`.
pub fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
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
    eprintln!("{compared} numbers identical (within 1e-9), {missing} of them missing in both");
    (compared, missing)
}

/// Builds the release `sitrep` binary with cargo into the target folder
/// this example runs from, and returns the binary's path.
pub fn build_sitrep() -> PathBuf {
    let example = std::env::current_exe().expect("the path of this example");
    // <target>/<profile>/examples/benchmark
    let target = example
        .ancestors()
        .nth(3)
        .expect("the example runs from <target>/<profile>/examples/");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    eprintln!("building the release sitrep binary");
    let status = Command::new(cargo)
        .args(["build", "--release", "--bin", "sitrep", "--manifest-path"])
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", target)
        .stdout(Stdio::null())
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "cargo build --release --bin sitrep failed"
    );
    target.join("release/sitrep")
}

/// The first line a command prints, or `unknown` when it cannot run.
pub fn first_line_of(program: &str, arguments: &[&str], folder: Option<&Path>) -> String {
    let mut command = Command::new(program);
    command.args(arguments).stderr(Stdio::null());
    if let Some(folder) = folder {
        command.current_dir(folder);
    }
    command
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| {
            let text = String::from_utf8_lossy(&output.stdout).into_owned();
            text.lines().next().map(|line| line.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The value of the first `key<separator>value` line of a text file.
pub fn field_of(path: &str, key: &str, separator: char) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    text.lines().find_map(|line| {
        let (name, value) = line.split_once(separator)?;
        (name.trim() == key).then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// The load averages over 1, 5 and 15 minutes, from /proc/loadavg: other
/// work on the machine makes the figures noisy.
pub fn load_average() -> String {
    fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unknown".into(),
        |text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(", ")
        },
    )
}

/// Writes `report` into the markdown file at `path` between the begin and
/// end markers, keeping everything outside them. A missing file is created
/// with just the markers around the report; a file without the markers gets
/// them, around the report, appended.
pub fn write_between_markers(path: &Path, name: &str, report: &str) -> std::io::Result<()> {
    let begin_marker = format!("<!-- {name}:begin -->");
    let end_marker = format!("<!-- {name}:end -->");
    let existing = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == ErrorKind::NotFound => String::new(),
        Err(error) => return Err(error),
    };
    let text = match (existing.find(&begin_marker), existing.find(&end_marker)) {
        (Some(begin), Some(end)) if begin < end => format!(
            "{}{begin_marker}\n{report}{}",
            &existing[..begin],
            &existing[end..]
        ),
        _ => {
            let separator = match existing.as_str() {
                "" => "",
                text if text.ends_with("\n\n") => "",
                text if text.ends_with('\n') => "\n",
                _ => "\n\n",
            };
            format!("{existing}{separator}{begin_marker}\n{report}{end_marker}\n")
        }
    };
    fs::write(path, text)
}

/// The machine the benchmark ran on, as report rows: CPU, cores, memory,
/// operating system and the load average at the start.
pub fn machine_basics() -> Vec<(&'static str, String)> {
    let unknown = || "unknown".to_owned();
    let cores = std::thread::available_parallelism().map_or(0, |cores| cores.get());
    let memory = field_of("/proc/meminfo", "MemTotal", ':')
        .and_then(|value| value.trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or_else(unknown, |kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0));
    let os = field_of("/etc/os-release", "PRETTY_NAME", '=').unwrap_or_else(unknown);
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease")
        .map_or_else(|_| unknown(), |text| text.trim().to_owned());
    vec![
        (
            "CPU",
            field_of("/proc/cpuinfo", "model name", ':').unwrap_or_else(unknown),
        ),
        ("cores", cores.to_string()),
        ("memory", memory),
        ("OS", format!("{os}, Linux {kernel}")),
        ("load average at start (1, 5, 15 min)", load_average()),
    ]
}

/// `sitrep 0.x.y (git <commit>), release build`.
pub fn sitrep_version(binary: &Path) -> String {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"));
    let commit = first_line_of("git", &["describe", "--always"], Some(source));
    // The benchmarks rewrite BENCHMARKS.md one after another: a change
    // there does not make the code that was measured another one.
    let changed = first_line_of(
        "git",
        &[
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":(exclude)BENCHMARKS.md",
        ],
        Some(source),
    );
    let dirty = if changed == "unknown" || changed.is_empty() {
        ""
    } else {
        "-dirty"
    };
    format!(
        "{} (git {commit}{dirty}), release build",
        first_line_of(&binary.to_string_lossy(), &["--version"], None)
    )
}

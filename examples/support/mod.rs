//! What the benchmarks against DuckDB share: a deterministic random
//! sequence, and running a command while measuring its wall time and peak
//! memory.

#![allow(dead_code)] // each benchmark uses its own subset

use std::fs;
use std::io::{ErrorKind, Write as _};
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;
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

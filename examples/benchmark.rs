//! The build benchmark: a synthetic two-year archive (104 review weeks) of
//! 8 programs with 12 metrics each and three years of daily data, built
//! with the release binary's library.
//!
//!     cargo run --release --example benchmark [programs] [weeks]
//!
//! Prints the median of 5 runs for: a full build into an empty folder, a
//! rebuild with nothing changed, and a rebuild after adding one new week.
//! Figures are recorded in the README.

#[path = "../tests/common/large_site.rs"]
mod large_site;

use std::time::{Duration, Instant};

use sitrep::pipeline::{build, Progress, Silent};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Prints how long each stage took (with `--stages`).
struct Stages(Instant, std::sync::Mutex<Instant>);

impl Progress for Stages {
    fn stage(&self, message: &str) {
        let mut last = self.1.lock().unwrap();
        eprintln!("  +{:>5} ms  {message}", last.elapsed().as_millis());
        *last = Instant::now();
        let _ = self.0;
    }
}

fn main() {
    let mut arguments = std::env::args().skip(1);
    let programs: usize = arguments
        .next()
        .and_then(|value| value.parse().ok())
        .unwrap_or(8);
    let weeks: usize = arguments
        .next()
        .and_then(|value| value.parse().ok())
        .unwrap_or(104);
    if let Some(folder) = std::env::var_os("SITREP_WRITE_SITE") {
        large_site::write_large_site(std::path::Path::new(&folder), programs, weeks);
        return;
    }
    if std::env::var_os("SITREP_STAGES").is_some() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        large_site::write_large_site(folder.path(), programs, weeks);
        for _ in 0..2 {
            let stages = Stages(Instant::now(), std::sync::Mutex::new(Instant::now()));
            build(folder.path(), Some(&folder.path().join("out")), &stages).unwrap();
            stages.stage("done");
        }
        return;
    }
    let runs = 5;
    let folder = tempfile::tempdir().expect("a temporary folder");
    let root = folder.path();
    large_site::write_large_site(root, programs, weeks);

    let mut full = Vec::new();
    let mut summary = None;
    for run in 0..runs {
        let output = root.join(format!("out-{run}"));
        let started = Instant::now();
        summary = Some(build(root, Some(&output), &Silent).expect("the synthetic site builds"));
        full.push(started.elapsed());
    }
    let summary = summary.expect("at least one run");
    let output = root.join("out-0");
    let unchanged: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            build(root, Some(&output), &Silent).expect("rebuild");
            started.elapsed()
        })
        .collect();
    // One new week: its folder and a new narrative; everything else as is.
    let new_week = root
        .join("content/reviews")
        .join(large_site::week_id_after_newest());
    let mut one_more = Vec::new();
    for run in 0..runs {
        std::fs::create_dir_all(&new_week).unwrap();
        std::fs::write(
            new_week.join("index.md"),
            format!("New week, run {run}: {{{{ value(\"program_00.cases\") }}}}\n"),
        )
        .unwrap();
        let started = Instant::now();
        build(root, Some(&output), &Silent).expect("rebuild with a new week");
        one_more.push(started.elapsed());
        std::fs::remove_dir_all(&new_week).unwrap();
        build(root, Some(&output), &Silent).expect("rebuild without it");
    }
    println!(
        "{programs} programs × 12 metrics, {weeks} review weeks: {} pages, {} charts, {} versions",
        summary.pages, summary.charts, summary.versions
    );
    println!(
        "full build, empty output:      {:>6} ms (median of {runs})",
        median(full).as_millis()
    );
    println!(
        "rebuild, nothing changed:      {:>6} ms",
        median(unchanged).as_millis()
    );
    println!(
        "rebuild, one new review week:  {:>6} ms",
        median(one_more).as_millis()
    );
}

//! End-to-end: long metric data files are streamed in pieces parsed in
//! parallel. A file split into many pieces builds the same site as one
//! piece; errors in several pieces are listed in file order with their
//! lines; a build's peak memory stays below the file's size.

#[path = "common/files.rs"]
mod files;

use std::fs;
use std::path::Path;

use files::{sitrep, snapshot, write};

const PROGRAM: &str = "name: Operations
owner: A. Rivera
metrics:
  contacts: { column: contacts }
  phone_contacts: { column: contacts, where: { channel: phone } }
  rating: { column: rating, aggregate: mean, where: { country: DE, channel: chat } }
  peak_queue: { column: queue, aggregate: max }
";

fn site(root: &Path) {
    write(root, "site.yaml", "title: Long WBR\n");
    write(root, "content/programs/operations.yaml", PROGRAM);
    write(root, "content/reviews/2026-W47/index.md", "# The week\n");
}

/// Every day from 2026-01-01 to 2026-11-25 for three metrics, two
/// countries and three channels (one of them quoted, with a comma and a
/// line break), values quoted with thousands separators now and then, CRLF
/// line ends and a blank line.
fn long_file() -> String {
    let mut text = String::from("date,metric,value,country,channel\r\n");
    let mut day = jiff::civil::date(2026, 1, 1);
    let mut row = 0u64;
    while day <= jiff::civil::date(2026, 11, 25) {
        for metric in ["contacts", "rating", "queue"] {
            for country in ["US", "DE"] {
                for channel in ["phone", "chat", "\"web, app\nform\""] {
                    row += 1;
                    let value = row * 7919 % 5000;
                    let value = if value >= 1000 {
                        format!("\"{},{:03}\"", value / 1000, value % 1000)
                    } else {
                        value.to_string()
                    };
                    text.push_str(&format!("{day},{metric},{value},{country},{channel}\r\n"));
                }
            }
        }
        if day.day() == 15 {
            text.push_str("\r\n");
        }
        day = day.tomorrow().unwrap();
    }
    text
}

fn build(root: &Path, output: &Path, piece_bytes: Option<usize>) -> assert_cmd::assert::Assert {
    let mut command = sitrep(root);
    command
        .arg("build")
        .arg("--drafts")
        .arg("--output")
        .arg(output)
        .env("SOURCE_DATE_EPOCH", "1764000000");
    if let Some(bytes) = piece_bytes {
        command.env("SITREP_PIECE_BYTES", bytes.to_string());
    }
    command.assert()
}

#[test]
fn many_pieces_build_the_same_site_as_one() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    site(root);
    let text = long_file();
    write(root, "data/operations.csv", &text);
    let outputs = tempfile::tempdir().unwrap();
    let whole = outputs.path().join("whole");
    build(root, &whole, Some(1 << 30)).success();
    let data = fs::read_to_string(whole.join("2026-W47/data.json")).unwrap();
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    let week = &data["programs"]["operations"]["metrics"]["contacts"]["box"]["last_week"];
    assert!(week.as_f64().is_some_and(|value| value > 0.0), "{week}");
    // Pieces of 100 bytes: most end inside a quoted channel or value.
    let pieces = outputs.path().join("pieces");
    build(root, &pieces, Some(100)).success();
    let (whole, pieces) = (snapshot(&whole), snapshot(&pieces));
    assert_eq!(
        whole.keys().collect::<Vec<_>>(),
        pieces.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &whole {
        if path.ends_with(".sitrep-cache.json") {
            continue;
        }
        assert!(pieces[path] == *bytes, "{} differs", path.display());
    }
}

#[test]
fn errors_in_several_pieces_are_listed_in_file_order() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    site(root);
    let mut text = String::from("date,metric,value,country,channel\n");
    for row in 0..3000 {
        let day = jiff::civil::date(2026, 1, 1)
            .checked_add(jiff::Span::new().days(row / 3))
            .unwrap();
        let metric = ["contacts", "rating", "queue"][row as usize % 3];
        // Rows 700, 1500 and 2500 (lines 702, 1502, 2502) are broken.
        let value = if [700, 1500, 2500].contains(&row) {
            "lots"
        } else {
            "3"
        };
        text.push_str(&format!("{day},{metric},{value},US,phone\n"));
    }
    write(root, "data/operations.csv", &text);
    let outputs = tempfile::tempdir().unwrap();
    for piece_bytes in [64, 4096, 1 << 30] {
        let failed = build(root, &outputs.path().join("public"), Some(piece_bytes)).failure();
        let stderr = String::from_utf8_lossy(&failed.get_output().stderr).into_owned();
        let at: Vec<usize> = [702, 1502, 2502]
            .iter()
            .map(|line| {
                stderr
                    .find(&format!(
                        "data/operations.csv:{line}:3: `lots` in column `value` is not a number"
                    ))
                    .unwrap_or_else(|| panic!("line {line}, pieces of {piece_bytes}: {stderr}"))
            })
            .collect();
        assert!(at.is_sorted(), "pieces of {piece_bytes}: {stderr}");
    }
}

/// Runs a build of `root` on two threads with pieces of 1 MiB and returns
/// the peak memory of the process in bytes (`ru_maxrss` from `wait4`).
#[cfg(target_os = "linux")]
fn build_peak_memory(root: &Path) -> u64 {
    files::peak_memory(
        std::process::Command::new(assert_cmd::cargo::cargo_bin("sitrep"))
            .arg("--root")
            .arg(root)
            .arg("build")
            .arg("--drafts")
            .env("RAYON_NUM_THREADS", "2")
            .env("SITREP_PIECE_BYTES", (1 << 20).to_string()),
    )
}

/// A long file of every day from 2020-01-01 for `days` days, 40 metrics
/// and 50 countries: rows of about 25 bytes.
fn big_long_file(days: i64) -> String {
    let mut text = String::from("date,metric,value,country\n");
    let first = jiff::civil::date(2020, 1, 1);
    for offset in 0..days {
        let day = first.checked_add(jiff::Span::new().days(offset)).unwrap();
        for metric in 0..40 {
            for country in 0..50 {
                let value = (offset * 31 + metric * 7 + country) % 1000;
                text.push_str(&format!("{day},m{metric:02},{value},c{country:02}\n"));
            }
        }
    }
    text
}

#[cfg(target_os = "linux")]
#[test]
fn a_build_holds_less_than_the_long_file() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    write(root, "site.yaml", "title: Long WBR\n");
    write(
        root,
        "content/programs/operations.yaml",
        "name: Operations\nowner: A. Rivera\nmetrics:\n  m00: { column: m00 }\n  m01_c07: { column: m01, where: { country: c07 } }\n",
    );
    write(root, "content/reviews/2026-W47/index.md", "# The week\n");
    // What a build needs besides the file: the same site, a few days.
    write(root, "data/metrics.csv", &big_long_file(3));
    let base = build_peak_memory(root);
    // 2,526 days to 2026-11-30: 5 million rows, about 120 MB.
    let text = big_long_file(2526);
    let size = text.len() as u64;
    write(root, "data/metrics.csv", &text);
    drop(text);
    let peak = build_peak_memory(root);
    // Held whole with a row of strings each, as before, the file cost
    // about 11 times its size; streamed, what is kept is 16 bytes a row
    // (day, value and line: about 80 MB) besides the pieces in flight
    // (1 MiB here). Measured (debug build): 1.7 times the file's size
    // when every piece was kept to the end of the file and mimalloc
    // asked for transparent huge pages; 0.92 times since each piece is
    // merged into the groups' columns as it comes and huge pages are off
    // (101 MiB above the site alone for a 110 MiB file). The bound, 1.25
    // times, catches a return to either.
    assert!(
        peak.saturating_sub(base) < size * 5 / 4,
        "peak memory {} MiB ({} MiB for the site alone) for a {} MiB file",
        peak >> 20,
        base >> 20,
        size >> 20
    );
}

//! Hostile inputs aimed at the terminal and at resource limits: control
//! characters and invisible text in every kind of input that an error
//! message quotes, huge fields, deep nesting, absurd settings. Each test
//! builds a small valid site in a temporary folder, breaks one thing, runs
//! `sitrep check` and asserts a clear, short, escaped error.

#[path = "common/files.rs"]
mod files;

use std::path::Path;

use files::{sitrep, write};

const PROGRAM: &str = "\
name: Operations
owner: A. Owner
metrics:
  tickets:
    name: Tickets
    column: tickets
    better: down
";

const WEEK: &str = "2026-W47";

/// A title-setting OSC sequence, a bell and a clear-screen CSI: what a
/// hostile cell would send to the terminal that shows an error.
const ESCAPES: &str = "\u{1b}]0;owned\u{7}\u{1b}[2J";
/// The same, as messages must show it.
const ESCAPES_SHOWN: &str = "\\u{1b}]0;owned\\u{7}\\u{1b}[2J";

/// Invisible characters: NUL, a BOM in the middle of text, a right-to-left
/// override, a left-to-right isolate and a zero-width space.
const INVISIBLE: &str = "a\u{0}b\u{feff}c\u{202e}d\u{2066}e\u{200b}f";
const INVISIBLE_SHOWN: &str = "a\\u{0}b\\u{feff}c\\u{202e}d\\u{2066}e\\u{200b}f";

fn csv() -> String {
    let mut text = String::from("date,tickets\n");
    for day in 1..=22 {
        text.push_str(&format!("2026-11-{day:02},{}\n", 100 + day));
    }
    text
}

/// A valid site in a temporary folder.
fn site() -> tempfile::TempDir {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    write(root, "site.yaml", "title: Limits\n");
    write(root, "content/programs/ops.yaml", PROGRAM);
    write(root, "data/ops.csv", &csv());
    write(
        root,
        &format!("content/reviews/{WEEK}/index.md"),
        "---\ntitle: Week 47\n---\nTickets: {{ value(\"ops.tickets\") }}.\n",
    );
    sitrep(root).arg("check").assert().success();
    folder
}

/// Runs `sitrep check`, expects it to fail, and returns its stderr after
/// checking what every error output must be: free of control characters
/// (other than line ends) and of invisible ones, and short.
fn check_fails(root: &Path) -> String {
    let output = sitrep(root).arg("check").output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_printable(&stderr);
    assert!(stderr.len() < 4000, "{} bytes of errors", stderr.len());
    stderr
}

/// No character in `text` acts on a terminal or prints invisibly.
fn assert_printable(text: &str) {
    let unsafe_chars: Vec<char> = text
        .chars()
        .filter(|&c| c != '\n' && sitrep::error::is_unsafe_char(c))
        .collect();
    assert!(
        unsafe_chars.is_empty(),
        "raw {unsafe_chars:?} in:\n{}",
        text.escape_debug()
    );
}

#[test]
fn terminal_escapes_in_a_csv_cell_are_shown_escaped() {
    let folder = site();
    let root = folder.path();
    let text = csv().replace("2026-11-20,120", &format!("2026-11-20,{ESCAPES}"));
    write(root, "data/ops.csv", &text);
    let stderr = check_fails(root);
    assert!(
        stderr.contains(&format!(
            "data/ops.csv:21:2: `{ESCAPES_SHOWN}` in column `tickets` is not a number"
        )),
        "{stderr}"
    );
}

#[test]
fn invisible_characters_in_a_header_are_shown_escaped() {
    let folder = site();
    let root = folder.path();
    // A column name that is the first but for invisible characters.
    let text = csv().replace("date,tickets", &format!("{INVISIBLE},tickets"));
    write(root, "data/ops.csv", &text);
    let stderr = check_fails(root);
    assert!(
        stderr.contains(&format!(
            "the first column is `{INVISIBLE_SHOWN}`, not `date`"
        )),
        "{stderr}"
    );
}

#[test]
fn escapes_in_yaml_keys_and_values_are_shown_escaped() {
    let folder = site();
    let root = folder.path();
    // An unknown key holding a clear-screen sequence and invisible
    // characters, written as YAML escapes (raw ones are refused by the
    // YAML parser, with a message that quotes nothing).
    write(
        root,
        "content/programs/ops.yaml",
        &format!("{PROGRAM}    \"\\e[2Ja\\0b\\uFEFFc\\u202Ed\\u2066e\\u200Bf\": 1\n"),
    );
    let stderr = check_fails(root);
    assert!(
        stderr.contains(&format!("unknown key `\\u{{1b}}[2J{INVISIBLE_SHOWN}`")),
        "{stderr}"
    );
    // A value that is not one of the choices.
    write(
        root,
        "content/programs/ops.yaml",
        &PROGRAM.replace("better: down", "better: \"\\e]0;owned\\a\\e[2J\""),
    );
    let stderr = check_fails(root);
    assert!(
        stderr.contains(&format!(
            "content/programs/ops.yaml:7:13: metrics.tickets.better: unknown value `{ESCAPES_SHOWN}`"
        )),
        "{stderr}"
    );
}

#[test]
fn escapes_in_narrative_calls_are_shown_escaped() {
    let folder = site();
    let root = folder.path();
    write(
        root,
        &format!("content/reviews/{WEEK}/index.md"),
        &format!("---\ntitle: Week 47\n---\nTickets: {{{{ value(\"ops.{ESCAPES}\") }}}}.\n"),
    );
    let stderr = check_fails(root);
    assert!(stderr.contains(ESCAPES_SHOWN), "{stderr}");
}

#[test]
fn escapes_in_a_week_folder_name_are_shown_escaped() {
    let folder = site();
    let root = folder.path();
    let name = format!("2026-W48{ESCAPES}");
    write(root, &format!("content/reviews/{name}/index.md"), "Hello\n");
    let stderr = check_fails(root);
    assert!(
        stderr.contains(&format!("content/reviews/2026-W48{ESCAPES_SHOWN}")),
        "{stderr}"
    );
}

#[test]
fn a_long_cell_is_quoted_as_a_short_excerpt() {
    let folder = site();
    let root = folder.path();
    let cell = "x".repeat(200_000);
    let text = csv().replace("2026-11-20,120", &format!("2026-11-20,{cell}"));
    write(root, "data/ops.csv", &text);
    let stderr = check_fails(root);
    let expected = format!("`{}…` in column `tickets` is not a number", "x".repeat(80));
    assert!(stderr.contains(&expected), "{stderr}");
}

#[test]
fn a_long_yaml_value_is_quoted_as_a_short_excerpt() {
    let folder = site();
    let root = folder.path();
    let value = "y".repeat(200_000);
    write(
        root,
        "content/programs/ops.yaml",
        &PROGRAM.replace("better: down", &format!("better: {value}")),
    );
    let stderr = check_fails(root);
    assert!(stderr.contains(&format!("{}…", "y".repeat(80))), "{stderr}");
    assert!(!stderr.contains(&"y".repeat(81)), "{stderr}");
}

#[test]
fn a_field_over_the_size_limit_is_refused_clearly() {
    let folder = site();
    let root = folder.path();
    // An unclosed quote swallows the rest of a 2 MiB file into one field.
    let mut text = csv().replace("2026-11-20,120", "2026-11-20,\"120");
    text.push_str(&"9".repeat(2 * 1024 * 1024));
    write(root, "data/ops.csv", &text);
    let stderr = check_fails(root);
    // "120\n", two rows of 15 bytes and 2 MiB: 4 + 30 + 2,097,152 bytes.
    assert!(
        stderr.contains(
            "data/ops.csv:21:2: field 2 is 2,097,186 bytes long; a field may be at most 1,048,576 bytes (1 MiB)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: a quote that is never closed"),
        "{stderr}"
    );
}

#[test]
fn deeply_nested_yaml_is_refused_before_parsing() {
    let folder = site();
    let root = folder.path();
    // serde_yaml took 103 s over 200,000 `[` (quadratic in the depth).
    write(
        root,
        "content/programs/ops.yaml",
        &format!(
            "name: Operations\nowner: A. Owner\nsummary: {}\n",
            "[".repeat(200_000)
        ),
    );
    let started = std::time::Instant::now();
    let stderr = check_fails(root);
    assert!(
        stderr.contains(
            "content/programs/ops.yaml:3:110: lists and mappings nest more than 100 levels deep here"
        ),
        "{stderr}"
    );
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
}

#[test]
fn decimals_beyond_six_are_refused_at_their_line() {
    let folder = site();
    let root = folder.path();
    write(
        root,
        "content/programs/ops.yaml",
        &format!("{PROGRAM}    decimals: 255\n"),
    );
    let stderr = check_fails(root);
    assert!(
        stderr.contains(
            "content/programs/ops.yaml:8: `decimals: 255` is out of range: pages show 0 to 6 digits after the decimal point"
        ),
        "{stderr}"
    );
    // In a deck block, too.
    write(
        root,
        "content/programs/ops.yaml",
        &format!("{PROGRAM}deck:\n  - chart: tickets\n    decimals: 7\n"),
    );
    let stderr = check_fails(root);
    assert!(
        stderr.contains("content/programs/ops.yaml:9: deck block 1: `decimals: 7` is out of range"),
        "{stderr}"
    );
    // Six is fine.
    write(
        root,
        "content/programs/ops.yaml",
        &format!("{PROGRAM}    decimals: 6\n"),
    );
    sitrep(root).arg("check").assert().success();
}

//! Errors about a site project's inputs, reported the way a compiler reports
//! them: file, line, column, what is wrong and what to do about it.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

/// The most characters of one piece of input (a cell, a name, a value) an
/// error message quotes; longer input is cut with `…`.
pub const MAX_EXCERPT_CHARS: usize = 80;

/// The most characters a diagnostic's message or help may have, however
/// much input a message quotes: a bound for terminals and CI logs.
pub const MAX_MESSAGE_CHARS: usize = 600;

/// One problem found in an input file.
///
/// `path` is relative to the site root, so messages read the same on every
/// machine and never leak an absolute home directory into CI logs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub help: Option<String>,
    /// The source that wrote the file, for a data file `sitrep pull` made
    /// (`sources/tickets.sql`): the place to fix a bad row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Box<Path>>,
}

impl Diagnostic {
    /// A diagnostic about `path`. The message is made safe to print (see
    /// [`safe_message`]): input quoted in it is escaped and shortened.
    pub fn new(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.as_ref().to_path_buf(),
            line: None,
            column: None,
            message: safe_message(&message.into()).into_owned(),
            help: None,
            origin: None,
        }
    }

    pub fn at_line(mut self, line: Option<usize>) -> Self {
        self.line = line;
        self
    }

    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(safe_message(&help.into()).into_owned());
        self
    }
}

/// Messages reach terminals, CI logs and the live-reload overlay: a
/// diagnostic is made safe once more where it is shown, whoever set its
/// fields, so no input can move the cursor, clear the screen, retitle the
/// window or hide text, and no message is longer than a few lines.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", safe_path(&self.path))?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(origin) = &self.origin {
            write!(f, " (from {})", safe_message(&origin.display().to_string()))?;
        }
        write!(f, ": {}", safe_message(&self.message))?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {}", safe_message(help))?;
        }
        Ok(())
    }
}

/// Every problem found in one pass over the inputs.
///
/// Loading keeps going after the first problem so that a user fixes a whole
/// batch of mistakes per build instead of one per build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    /// `Ok(value)` when nothing was reported, otherwise every problem, sorted
    /// by file and line so the output is stable whatever order files loaded in.
    pub fn into_result<T>(mut self, value: T) -> Result<T, Diagnostics> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            self.0.sort();
            self.0.dedup();
            Err(self)
        }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Self {
        Diagnostics(vec![diagnostic])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.0 {
            writeln!(f, "error: {diagnostic}")?;
        }
        let count = self.0.len();
        write!(
            f,
            "{count} error{} found in the site's inputs",
            if count == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

/// Any failure of a sitrep command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The inputs have problems; nothing was written.
    #[error("{0}")]
    Input(Diagnostics),
    /// Reading or writing a file failed.
    #[error("{action} {}: {source}", safe_path(path))]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<Diagnostics> for Error {
    fn from(diagnostics: Diagnostics) -> Self {
        Error::Input(diagnostics)
    }
}

impl Error {
    pub fn io(action: &'static str, path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
}

/// Whether `c` would act on a terminal or print invisibly instead of
/// showing as itself: control characters (ESC, BEL, CR, NUL, …), the C1
/// controls, and format characters such as zero-width spaces and joiners,
/// bidirectional overrides and isolates (which reorder the text shown after
/// them), a byte-order mark, and the line and paragraph separators.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// `text` with every [unsafe](is_unsafe_char) character written as a Rust
/// escape such as `\u{1b}`, so it shows as what it is.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut escaped, c, usize::MAX);
    }
    Cow::Owned(escaped)
}

/// Appends `c`, escaped if need be, when the result has at most `room`
/// characters; returns how many it appended, or `None` if it did not fit.
fn push_escaped(out: &mut String, c: char, room: usize) -> Option<usize> {
    if is_unsafe_char(c) {
        let escaped = format!("\\u{{{:x}}}", u32::from(c));
        let length = escaped.len();
        (length <= room)
            .then(|| out.push_str(&escaped))
            .map(|()| length)
    } else {
        (room >= 1).then(|| out.push(c)).map(|()| 1)
    }
}

/// A piece of input as an error message quotes it: escaped, and cut with
/// `…` after [`MAX_EXCERPT_CHARS`] characters.
pub fn excerpt(text: &str) -> String {
    let mut out = String::new();
    let mut shown = 0;
    for c in text.chars() {
        match push_escaped(&mut out, c, MAX_EXCERPT_CHARS - shown) {
            Some(length) => shown += length,
            None => {
                out.push('…');
                break;
            }
        }
    }
    out
}

/// A message made safe to print: unsafe characters escaped, every
/// `` `quoted` `` piece of input cut to an [excerpt], and the whole cut
/// after [`MAX_MESSAGE_CHARS`] characters. Messages quote input in
/// backticks by convention, so this is the one place that keeps a huge or
/// hostile cell, name or value out of a terminal. Applying it twice
/// changes nothing.
pub fn safe_message(message: &str) -> Cow<'_, str> {
    let quoted_too_long = message
        .split('`')
        .skip(1)
        .step_by(2)
        .any(|quoted| quoted.chars().nth(MAX_EXCERPT_CHARS).is_some());
    if !quoted_too_long
        && message.chars().nth(MAX_MESSAGE_CHARS).is_none()
        && !message.chars().any(is_unsafe_char)
    {
        return Cow::Borrowed(message);
    }
    let mut out = String::new();
    let mut shown = 0;
    let mut quoted = false;
    // Characters of the current quoted piece shown so far, and whether it
    // was cut.
    let mut quoted_shown = 0;
    let mut cut = false;
    for c in message.chars() {
        if shown >= MAX_MESSAGE_CHARS {
            out.push('…');
            break;
        }
        if c == '`' {
            quoted = !quoted;
            quoted_shown = 0;
            cut = false;
        } else if quoted && cut {
            continue;
        }
        let room = if quoted && c != '`' {
            (MAX_EXCERPT_CHARS - quoted_shown).min(MAX_MESSAGE_CHARS - shown)
        } else {
            MAX_MESSAGE_CHARS - shown
        };
        match push_escaped(&mut out, c, room) {
            Some(length) => {
                shown += length;
                if quoted && c != '`' {
                    quoted_shown += length;
                }
            }
            None if shown < MAX_MESSAGE_CHARS && quoted => {
                out.push('…');
                shown += 1;
                cut = true;
            }
            None => {
                out.push('…');
                break;
            }
        }
    }
    Cow::Owned(out)
}

/// A path as messages show it: escaped, each overlong name cut to an
/// [excerpt] (file and folder names come from the user's disk, too).
pub fn safe_path(path: &Path) -> String {
    let shown = path.display().to_string();
    shown.split('/').map(excerpt).collect::<Vec<_>>().join("/")
}

/// A "did you mean" suggestion: the closest candidate, if it is close enough
/// to be a plausible typo.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(word, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostic_shows_file_line_column_and_help() {
        let diagnostic = Diagnostic::new("data/a.csv", "bad date `2026-13-01`")
            .at(4, 1)
            .with_help("write dates as YYYY-MM-DD");
        assert_eq!(
            diagnostic.to_string(),
            "data/a.csv:4:1: bad date `2026-13-01`\n  help: write dates as YYYY-MM-DD"
        );
    }

    #[test]
    fn diagnostic_names_the_source_that_wrote_a_pulled_file() {
        let mut diagnostic =
            Diagnostic::new("data/tickets.csv", "bad date `x`").at_line(Some(1042));
        diagnostic.origin = Some(Path::new("sources/tickets.sql").into());
        assert_eq!(
            diagnostic.to_string(),
            "data/tickets.csv:1042 (from sources/tickets.sql): bad date `x`"
        );
    }

    #[test]
    fn diagnostics_are_sorted_and_counted() {
        let mut all = Diagnostics::default();
        all.push(Diagnostic::new("b.yaml", "two").at_line(Some(2)));
        all.push(Diagnostic::new("a.yaml", "one").at_line(Some(9)));
        let error = all.into_result(()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "error: a.yaml:9: one\nerror: b.yaml:2: two\n2 errors found in the site's inputs"
        );
    }

    #[test]
    fn terminal_escapes_and_invisible_characters_are_shown_escaped() {
        // A title-setting OSC and a clear-screen CSI, then invisible text:
        // NUL, a BOM, a right-to-left override, a zero-width space.
        let cell = "\u{1b}]0;owned\u{7}\u{1b}[2J a\u{0}\u{feff}\u{202e}\u{200b}b";
        let diagnostic = Diagnostic::new(
            "data/a\u{1b}[31m.csv",
            format!("`{cell}` in column `x` is not a number"),
        )
        .at(2, 2)
        .with_help(format!("remove `{cell}`"));
        let shown = diagnostic.to_string();
        assert_eq!(
            shown,
            "data/a\\u{1b}[31m.csv:2:2: `\\u{1b}]0;owned\\u{7}\\u{1b}[2J a\\u{0}\\u{feff}\\u{202e}\\u{200b}b` in column `x` is not a number\n  help: remove `\\u{1b}]0;owned\\u{7}\\u{1b}[2J a\\u{0}\\u{feff}\\u{202e}\\u{200b}b`"
        );
        // Fields set directly are escaped where they are shown, too.
        let mut direct = Diagnostic::new("a.yaml", "x");
        direct.message = "bell\u{7} and\nnewline".to_string();
        assert_eq!(direct.to_string(), "a.yaml: bell\\u{7} and\\u{a}newline");
        // Ordinary text, accents and emoji included, is left alone.
        let plain = "`Größe 😀` is fine, `a-b_c` too";
        assert_eq!(safe_message(plain), plain);
    }

    #[test]
    fn quoted_input_is_cut_to_an_excerpt() {
        let cell = "9".repeat(2 * 1024 * 1024);
        let diagnostic = Diagnostic::new(
            "data/a.csv",
            format!("`{cell}` in column `x` is not a number"),
        );
        let expected = format!("`{}…` in column `x` is not a number", "9".repeat(80));
        assert_eq!(diagnostic.message, expected);
        assert_eq!(diagnostic.to_string(), format!("data/a.csv: {expected}"));
        // Escapes count towards the excerpt and are never cut in half.
        let escapes = excerpt(&"\u{1b}".repeat(100));
        assert_eq!(escapes, format!("{}…", "\\u{1b}".repeat(13)));
        // Safe twice is safe once.
        assert_eq!(safe_message(&expected), expected);
        assert_eq!(safe_message(&escapes), escapes);
    }

    #[test]
    fn messages_have_a_length_limit() {
        // Unquoted, or with unpaired backticks, a message is still bounded.
        for message in ["x".repeat(100_000), format!("`a` {}`", "b".repeat(100_000))] {
            let shown = Diagnostic::new("a.csv", message).to_string();
            assert!(shown.chars().count() <= "a.csv: ".len() + MAX_MESSAGE_CHARS + 1);
            assert!(shown.ends_with('…'), "{shown}");
        }
        let long_name = "w".repeat(300);
        let shown = Diagnostic::new(format!("content/reviews/{long_name}"), "x").to_string();
        assert_eq!(shown, format!("content/reviews/{}…: x", "w".repeat(80)));
    }

    #[test]
    fn closest_suggests_typos_only() {
        let keys = ["aggregate", "column", "unit"];
        assert_eq!(closest("agregate", keys), Some("aggregate"));
        assert_eq!(closest("colum", keys), Some("column"));
        assert_eq!(closest("banana", keys), None);
    }
}

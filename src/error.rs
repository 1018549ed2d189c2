//! Errors about a site project's inputs, reported the way a compiler reports
//! them: file, line, column, what is wrong and what to do about it.

use std::fmt;
use std::path::{Path, PathBuf};

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
    pub fn new(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.as_ref().to_path_buf(),
            line: None,
            column: None,
            message: message.into(),
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
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        if let Some(origin) = &self.origin {
            write!(f, " (from {})", origin.display())?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
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
    #[error("{action} {}: {source}", path.display())]
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
    fn closest_suggests_typos_only() {
        let keys = ["aggregate", "column", "unit"];
        assert_eq!(closest("agregate", keys), Some("aggregate"));
        assert_eq!(closest("colum", keys), Some("column"));
        assert_eq!(closest("banana", keys), None);
    }
}

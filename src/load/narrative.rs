//! `content/reviews/<week>/*.md`: a week's narratives, split into YAML
//! front matter and a markdown body (rendered later, with live numbers).

use std::path::Path;

use serde::Deserialize;

use crate::compute::status::Status;
use crate::error::Diagnostic;

/// A narrative's front matter.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub author: Option<String>,
    /// Overrides the computed status of the program (or, in `index.md`, of
    /// the week) when the owner knows better than the numbers.
    pub status: Option<Status>,
}

/// One narrative file.
#[derive(Debug, Clone, PartialEq)]
pub struct Narrative {
    /// Site-relative, with `/` separators.
    pub path: String,
    /// The program it belongs to; `None` for the week's `index.md`.
    pub program: Option<String>,
    pub front_matter: FrontMatter,
    pub body: String,
    /// The 1-based line of the file where `body` starts.
    pub body_line: usize,
}

/// Splits front matter (between `---` lines at the top) from the body.
pub fn parse_narrative(
    text: &str,
    path: &Path,
    program: Option<String>,
) -> Result<Narrative, Diagnostic> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let display = path.to_string_lossy().replace('\\', "/");
    let mut lines = text.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    if first.trim_end() != "---" {
        return Ok(Narrative {
            path: display,
            program,
            front_matter: FrontMatter::default(),
            body: text.to_string(),
            body_line: 1,
        });
    }
    let mut offset = first.len();
    let mut line_number = 1;
    for line in lines {
        line_number += 1;
        if line.trim_end() == "---" {
            let yaml_text = &text[first.len()..offset];
            let front_matter = if yaml_text.trim().is_empty() {
                FrontMatter::default()
            } else {
                super::parse_yaml::<FrontMatter>(yaml_text, path).map_err(|mut error| {
                    // Positions are relative to the front matter, which
                    // starts on the file's second line.
                    error.line = error.line.map(|line| line + 1);
                    error.message = shift_lines(&error.message);
                    error
                })?
            };
            return Ok(Narrative {
                path: display,
                program,
                front_matter,
                body: text[offset + line.len()..].to_string(),
                body_line: line_number + 1,
            });
        }
        offset += line.len();
    }
    Err(Diagnostic::new(path, "the front matter is not closed")
        .at_line(Some(1))
        .with_help("end the front matter with a line of three dashes, `---`"))
}

/// Adds one to each "at line N" of a YAML message about the front matter,
/// so that it counts the file's lines like the diagnostic's position does.
fn shift_lines(message: &str) -> String {
    let mut shifted = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(index) = rest.find("at line ") {
        let start = index + "at line ".len();
        shifted.push_str(&rest[..start]);
        rest = &rest[start..];
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        match rest[..digits].parse::<usize>() {
            Ok(line) => shifted.push_str(&(line + 1).to_string()),
            Err(_) => shifted.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    shifted.push_str(rest);
    shifted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_and_body_split() {
        let narrative = parse_narrative(
            "---\ntitle: Week 47\nauthor: A. Rivera\n---\n# Hello\n",
            Path::new("a.md"),
            None,
        )
        .unwrap();
        assert_eq!(narrative.front_matter.title.as_deref(), Some("Week 47"));
        assert_eq!(narrative.front_matter.author.as_deref(), Some("A. Rivera"));
        assert_eq!(narrative.body, "# Hello\n");
        assert_eq!(narrative.body_line, 5);
    }

    #[test]
    fn no_front_matter_is_fine() {
        let narrative = parse_narrative("# Hello\n", Path::new("a.md"), None).unwrap();
        assert_eq!(narrative.body_line, 1);
        assert_eq!(narrative.front_matter, FrontMatter::default());
    }

    #[test]
    fn front_matter_errors_point_into_the_file() {
        let error = parse_narrative(
            "---\ntitle: x\nstatus: purple\n---\n",
            Path::new("a.md"),
            None,
        )
        .unwrap_err();
        assert_eq!(error.line, Some(3));
        let error = parse_narrative("---\ntitel: x\n---\n", Path::new("a.md"), None).unwrap_err();
        assert_eq!(error.line, Some(2));
        assert_eq!(error.help.as_deref(), Some("did you mean `title`?"));
        let error = parse_narrative("---\ntitle: x\n", Path::new("a.md"), None).unwrap_err();
        assert!(error.message.contains("not closed"));
        // Positions inside the message count the file's lines too.
        let error = parse_narrative(
            "---\ntitle: x\nauthor: \"open\n---\n",
            Path::new("a.md"),
            None,
        )
        .unwrap_err();
        assert_eq!(error.line, Some(4));
        assert!(
            error.message.contains("at line 4 column 1"),
            "{}",
            error.message
        );
    }
}

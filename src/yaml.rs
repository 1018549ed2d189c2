//! The one place that parses YAML.
//!
//! `serde_yaml` is archived upstream; keeping every use behind this module
//! makes moving to a maintained fork with the same API a one-line change.

use std::collections::HashMap;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{closest, excerpt, Diagnostic, MAX_EXCERPT_CHARS};

/// How deeply `[…]` and `{…}` may nest. sitrep's files need three or four
/// levels; libyaml slows down quadratically with depth (200,000 `[` took
/// minutes), and serde_yaml refuses more than 128 levels anyway, so deeper
/// text is refused before the parser sees it.
pub const MAX_NESTING: usize = 100;

/// Parses `text` (the contents of `path`) into `T`, turning a parse error into
/// a diagnostic with line, column and, for a misspelt key, a suggestion.
pub fn parse<T: DeserializeOwned>(text: &str, path: &Path) -> Result<T, Diagnostic> {
    check_nesting(text, path)?;
    serde_yaml::from_str(text).map_err(|error| diagnostic_for(&error, path))
}

/// Refuses text whose flow collections (`[`, `{`) nest more than
/// [`MAX_NESTING`] deep, in one pass. A bracket counts where a flow
/// collection can start: outside quotes, comments and plain text (`a[1]`
/// nests nothing). Deep text of any other kind stays cheap: block
/// collections need an indentation or a `- ` per level, and serde_yaml
/// stops at 128 levels.
fn check_nesting(text: &str, path: &Path) -> Result<(), Diagnostic> {
    let mut depth = 0;
    let (mut line, mut column) = (1, 0);
    let mut quote = None;
    let mut escaped = false;
    let mut in_comment = false;
    // Inside a plain scalar, or an anchor, alias or tag (which end at a
    // blank); at the end of a line both are over as far as this goes.
    let mut in_plain = false;
    let mut in_property = false;
    let mut previous = '\n';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        column += 1;
        if c == '\n' {
            (line, column) = (line + 1, 0);
            (in_comment, in_plain, in_property) = (false, false, false);
            previous = c;
            continue;
        }
        if in_comment {
            continue;
        }
        if let Some(open) = quote {
            if open == '"' {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    quote = None;
                }
            } else if c == '\'' && chars.next_if_eq(&'\'').is_none() {
                // `''` is a quote inside a single-quoted scalar.
                quote = None;
            }
            previous = c;
            continue;
        }
        if in_property {
            in_property = !c.is_whitespace();
            previous = c;
            continue;
        }
        let in_flow = depth > 0;
        let blank_next = chars.peek().is_none_or(|next| next.is_whitespace());
        match c {
            '#' if previous.is_whitespace() => in_comment = true,
            _ if c.is_whitespace() => {}
            // In flow context, a flow indicator ends any plain scalar.
            '[' | '{' if !in_plain || in_flow => {
                in_plain = false;
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Diagnostic::new(
                        path,
                        format!("lists and mappings nest more than {MAX_NESTING} levels deep here"),
                    )
                    .at(line, column)
                    .with_help("sitrep files need a few levels only; close the brackets or flatten the structure"));
                }
            }
            ']' | '}' | ',' if in_flow => {
                in_plain = false;
                if c != ',' {
                    depth -= 1;
                }
            }
            ':' if blank_next || in_flow => in_plain = false,
            '"' | '\'' if !in_plain => quote = Some(c),
            '&' | '*' | '!' if !in_plain => in_property = true,
            '-' | '?' if !in_plain && blank_next => {}
            _ => in_plain = true,
        }
        previous = c;
    }
    Ok(())
}

fn diagnostic_for(error: &serde_yaml::Error, path: &Path) -> Diagnostic {
    let full = error.to_string();
    // serde_yaml appends " at line L column C"; we report the position in
    // our own format instead.
    let message = match full.rfind(" at line ") {
        Some(index) => full[..index].to_string(),
        None => full.clone(),
    };
    let message = shorten_quoted_strings(&message).replace(
        "data did not match any variant of untagged enum TargetSpec",
        "a target must be a number or a mapping like `{ column: <target column> }`",
    );
    let mut diagnostic = Diagnostic::new(path, message.clone());
    if let Some(location) = error.location() {
        diagnostic = diagnostic.at(location.line(), location.column());
    }
    if let Some(help) = unknown_key_help(&message) {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

/// serde quotes values it did not expect like Rust strings
/// (`invalid type: string "…"`); a long one is cut to an excerpt, as
/// `Diagnostic` does for backtick quotes.
fn shorten_quoted_strings(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    let mut rest = message;
    while let Some(start) = rest.find('"') {
        out.push_str(&rest[..=start]);
        let inside = &rest[start + 1..];
        // The closing quote: the first one not escaped by a backslash.
        let mut end = None;
        let mut escaped = false;
        for (index, c) in inside.char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    end = Some(index);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            out.push_str(&excerpt(inside));
            return out;
        };
        let quoted = &inside[..end];
        if quoted.chars().nth(MAX_EXCERPT_CHARS).is_some() {
            out.push_str(&excerpt(quoted));
        } else {
            out.push_str(quoted);
        }
        out.push('"');
        rest = &inside[end + 1..];
    }
    out.push_str(rest);
    out
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" (and the same
/// for enum variants), suggests the closest expected name.
fn unknown_key_help(message: &str) -> Option<String> {
    let (kind, rest) = if let Some(index) = message.find("unknown field `") {
        ("key", &message[index + "unknown field `".len()..])
    } else if let Some(index) = message.find("unknown variant `") {
        ("value", &message[index + "unknown variant `".len()..])
    } else {
        return None;
    };
    let unknown = &rest[..rest.find('`')?];
    let expected: Vec<&str> = rest
        .split('`')
        .skip(1)
        .enumerate()
        .filter(|(index, _)| index % 2 == 1)
        .map(|(_, name)| name)
        .collect();
    match closest(unknown, expected.iter().copied()) {
        Some(suggestion) => Some(format!("did you mean `{suggestion}`?")),
        None if !expected.is_empty() => Some(format!(
            "use one of the {kind}s listed above, or remove `{unknown}`"
        )),
        None => None,
    }
}

/// The lines of a YAML document's keys and top-level list items, found in
/// one pass over its text.
///
/// Semantic checks run after deserialisation, when serde's positions are
/// gone; this gives their messages a line to point at. Good enough for the
/// block-style YAML users write. Built once per file: looking keys up by
/// rescanning the text for each metric made `check` quadratic in the
/// number of metrics.
#[derive(Debug, Default)]
pub struct KeyLines {
    /// Key path → 1-based line of its first occurrence.
    keys: HashMap<Vec<String>, usize>,
    /// Top-level key → 1-based lines of the items of the list under it.
    items: HashMap<String, Vec<usize>>,
}

impl KeyLines {
    pub fn new(text: &str) -> KeyLines {
        let mut found = KeyLines::default();
        // The open mappings: each key's indentation, name, and the
        // indentation of its first child line (keys of one mapping share
        // it; deeper lines belong to nested mappings and must not match).
        struct Open {
            indent: usize,
            key: String,
            child_indent: Option<usize>,
        }
        let mut open: Vec<Open> = Vec::new();
        let mut top_child_indent = None;
        // The top-level key whose list items are being collected, and the
        // indentation of its first item.
        let mut list: Option<(String, Option<usize>)> = None;
        for (index, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = line.len() - trimmed.len();
            let is_item = trimmed.starts_with("- ");
            if let Some((key, item_indent)) = &mut list {
                if !is_item && indent == 0 {
                    list = None;
                } else if is_item && *item_indent.get_or_insert(indent) == indent {
                    found.items.entry(key.clone()).or_default().push(index + 1);
                }
            }
            while open.last().is_some_and(|parent| indent <= parent.indent) {
                open.pop();
            }
            let child_indent = match open.last_mut() {
                Some(parent) => *parent.child_indent.get_or_insert(indent),
                None => *top_child_indent.get_or_insert(indent),
            };
            let Some(key) = key_of(trimmed) else { continue };
            if indent != child_indent {
                continue;
            }
            let mut path: Vec<String> = open.iter().map(|parent| parent.key.clone()).collect();
            path.push(key.to_string());
            let first = !found.keys.contains_key(&path);
            if first {
                found.keys.insert(path, index + 1);
                if open.is_empty() {
                    list = Some((key.to_string(), None));
                }
            }
            open.push(Open {
                indent,
                key: key.to_string(),
                child_indent: None,
            });
        }
        found
    }

    /// The 1-based line of a key, found by following `keys` from the top
    /// level down; the line of the last key found when a deeper one is
    /// missing.
    pub fn key(&self, keys: &[&str]) -> Option<usize> {
        let mut path: Vec<String> = keys.iter().map(|key| key.to_string()).collect();
        while !path.is_empty() {
            if let Some(line) = self.keys.get(&path) {
                return Some(*line);
            }
            path.pop();
        }
        None
    }

    /// The 1-based line of the `index`-th item (0-based) of the top-level
    /// list under `key`; the key's line when there is no such item.
    pub fn list_item(&self, key: &str, index: usize) -> Option<usize> {
        let start = self.key(&[key])?;
        Some(
            self.items
                .get(key)
                .and_then(|items| items.get(index))
                .copied()
                .unwrap_or(start),
        )
    }
}

/// The key a line starts with (`key:` or a quoted `"key":`).
fn key_of(trimmed: &str) -> Option<&str> {
    let unquoted = trimmed.trim_start_matches(['"', '\'']);
    let colon = unquoted.find(':')?;
    let key = unquoted[..colon].trim_end_matches(['"', '\'']);
    (!key.is_empty()).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Example {
        aggregate: Option<String>,
        column: Option<String>,
    }

    #[test]
    fn unknown_key_gets_position_and_suggestion() {
        let error =
            parse::<Example>("column: a\nagregate: sum\n", Path::new("p.yaml")).unwrap_err();
        assert_eq!(error.line, Some(2));
        assert_eq!(error.column, Some(1));
        assert!(
            error.message.contains("unknown field `agregate`"),
            "{}",
            error.message
        );
        assert_eq!(error.help.as_deref(), Some("did you mean `aggregate`?"));
    }

    #[test]
    fn syntax_error_gets_position() {
        let error = parse::<Example>("column: [a\n", Path::new("p.yaml")).unwrap_err();
        assert!(error.line.is_some());
        assert!(error.column.is_some());
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let text = format!("a: {}", "[".repeat(1000));
        let error = parse::<serde_yaml::Value>(&text, Path::new("p.yaml")).unwrap_err();
        // "a: " and 100 `[`: the 101st is column 104.
        assert_eq!(
            error.to_string(),
            "p.yaml:1:104: lists and mappings nest more than 100 levels deep here\n  help: sitrep files need a few levels only; close the brackets or flatten the structure"
        );
        // 200,000 levels took serde_yaml 103 s.
        let started = std::time::Instant::now();
        let text = format!("a: {}", "{".repeat(200_000));
        assert!(parse::<serde_yaml::Value>(&text, Path::new("p.yaml")).is_err());
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
    }

    #[test]
    fn brackets_that_nest_nothing_do_not_count() {
        let many = "[".repeat(150);
        let text = format!(
            "a: \"{many}\"\nb: '{many}'' {many}'\n# {many}\nc: x{many}\nd: [[1], {{e: [2]}}]\n"
        );
        let value: serde_yaml::Value = parse(&text, Path::new("p.yaml")).unwrap();
        assert_eq!(value["c"].as_str(), Some(format!("x{many}").as_str()));
        // 100 levels are allowed.
        let text = format!("a: {}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse::<serde_yaml::Value>(&text, Path::new("p.yaml")).is_ok());
        // Anchors, tags and entries do not hide a bracket.
        for prefix in ["&a ", "!!seq ", "- ", "? ", "b: "] {
            let text = format!("a: {}", format!("{prefix}[").repeat(101));
            let error = parse::<serde_yaml::Value>(&text, Path::new("p.yaml")).unwrap_err();
            assert!(
                error.message.contains("nest more than 100"),
                "{prefix}: {error}"
            );
        }
    }

    #[test]
    fn long_values_in_serde_messages_are_cut() {
        let value = "v".repeat(10_000);
        let error = parse::<Example>(&format!("aggregate: [\"{value}\"]\n"), Path::new("p.yaml"))
            .unwrap_err();
        assert!(error.message.len() < 200, "{}", error.message);
        // An implicit key may have 1,024 characters at most.
        let error =
            parse::<Example>(&format!("{}: 1\n", &value[..1000]), Path::new("p.yaml")).unwrap_err();
        assert!(error.message.len() < 300, "{}", error.message);
        assert!(
            error.message.contains(&format!("`{}…`", "v".repeat(80))),
            "{}",
            error.message
        );
    }

    #[test]
    fn finds_nested_keys() {
        let text = "name: X\nmetrics:\n  a:\n    column: a\n  b:\n    divide: [a, c]\n";
        let lines = KeyLines::new(text);
        assert_eq!(lines.key(&["metrics"]), Some(2));
        assert_eq!(lines.key(&["metrics", "b"]), Some(5));
        assert_eq!(lines.key(&["metrics", "b", "divide"]), Some(6));
        assert_eq!(lines.key(&["metrics", "a", "divide"]), Some(3));
        assert_eq!(lines.key(&["nothing"]), None);
    }

    #[test]
    fn finds_list_items() {
        let text = "name: X\ninitiatives:\n  - name: a\n    due: x\n  - name: b\nother: 1\n";
        let lines = KeyLines::new(text);
        assert_eq!(lines.list_item("initiatives", 0), Some(3));
        assert_eq!(lines.list_item("initiatives", 1), Some(5));
        assert_eq!(lines.list_item("initiatives", 7), Some(2));
    }
}

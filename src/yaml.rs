//! The one place that parses YAML.
//!
//! `serde_yaml` is archived upstream; keeping every use behind this module
//! makes moving to a maintained fork with the same API a one-line change.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{closest, Diagnostic};

/// Parses `text` (the contents of `path`) into `T`, turning a parse error into
/// a diagnostic with line, column and, for a misspelt key, a suggestion.
pub fn parse<T: DeserializeOwned>(text: &str, path: &Path) -> Result<T, Diagnostic> {
    serde_yaml::from_str(text).map_err(|error| diagnostic_for(&error, path))
}

fn diagnostic_for(error: &serde_yaml::Error, path: &Path) -> Diagnostic {
    let full = error.to_string();
    // serde_yaml appends " at line L column C"; we report the position in
    // our own format instead.
    let message = match full.rfind(" at line ") {
        Some(index) => full[..index].to_string(),
        None => full.clone(),
    };
    let message = message.replace(
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

/// The 1-based line of a key in a YAML document, found by following `keys`
/// from the top level down through indentation.
///
/// Semantic checks run after deserialisation, when serde's positions are
/// gone; this gives their messages a line to point at. Good enough for the
/// block-style YAML users write; falls back to the last key found.
pub fn line_of_key(text: &str, keys: &[&str]) -> Option<usize> {
    let mut found = None;
    // Keys of one mapping share the indentation of its first key; deeper
    // lines belong to nested mappings and must not match.
    let mut parent_indent: Option<usize> = None;
    let mut lines = text.lines().enumerate();
    'keys: for key in keys {
        let mut child_indent = None;
        for (index, line) in lines.by_ref() {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = line.len() - trimmed.len();
            if parent_indent.is_some_and(|parent| indent <= parent) {
                break 'keys;
            }
            let child_indent = *child_indent.get_or_insert(indent);
            let unquoted = trimmed.trim_start_matches(['"', '\'']);
            let is_key = unquoted.starts_with(key)
                && unquoted[key.len()..]
                    .trim_start_matches(['"', '\''])
                    .starts_with(':');
            if indent == child_indent && is_key {
                found = Some(index + 1);
                parent_indent = Some(indent);
                continue 'keys;
            }
        }
        break;
    }
    found
}

/// The 1-based line of the `index`-th item (0-based) of the top-level list
/// under `key`.
pub fn line_of_list_item(text: &str, key: &str, index: usize) -> Option<usize> {
    let start = line_of_key(text, &[key])?;
    let mut item_indent = None;
    let mut seen = 0;
    for (number, line) in text.lines().enumerate().skip(start) {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = line.len() - trimmed.len();
        if !trimmed.starts_with("- ") && indent == 0 {
            break;
        }
        if trimmed.starts_with("- ") && *item_indent.get_or_insert(indent) == indent {
            if seen == index {
                return Some(number + 1);
            }
            seen += 1;
        }
    }
    Some(start)
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
    fn finds_nested_keys() {
        let text = "name: X\nmetrics:\n  a:\n    column: a\n  b:\n    divide: [a, c]\n";
        assert_eq!(line_of_key(text, &["metrics"]), Some(2));
        assert_eq!(line_of_key(text, &["metrics", "b"]), Some(5));
        assert_eq!(line_of_key(text, &["metrics", "b", "divide"]), Some(6));
        assert_eq!(line_of_key(text, &["metrics", "a", "divide"]), Some(3));
    }

    #[test]
    fn finds_list_items() {
        let text = "name: X\ninitiatives:\n  - name: a\n    due: x\n  - name: b\nother: 1\n";
        assert_eq!(line_of_list_item(text, "initiatives", 0), Some(3));
        assert_eq!(line_of_list_item(text, "initiatives", 1), Some(5));
        assert_eq!(line_of_list_item(text, "initiatives", 7), Some(2));
    }
}

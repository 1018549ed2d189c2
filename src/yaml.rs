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
    serde_yaml::from_str(text).map_err(|error| {
        let mut diagnostic = diagnostic_for(&error, path);
        // serde_yaml places the error of a value with several forms at the
        // start of the enclosing mapping, the top of the file for a
        // top-level key; point at the key instead.
        if diagnostic.message.starts_with("`fiscal_year_end_month` ") {
            if let Some(line) = KeyLines::new(text).key(&["fiscal_year_end_month"]) {
                diagnostic.line = Some(line);
                diagnostic.column = None;
            }
        }
        diagnostic
    })
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
    let message = shorten_quoted_strings(&message);
    let help = unknown_key_help(&message);
    let (message, plain_help) = in_users_terms(&message);
    let mut diagnostic = Diagnostic::new(path, message);
    if let Some(location) = error.location() {
        diagnostic = diagnostic.at(location.line(), location.column());
    }
    if let Some(help) = help.or(plain_help) {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

/// What a key of sitrep's files expects, and an example, for the keys
/// whose Rust type would otherwise name itself in a message.
fn expectation(path: &str, expected: &str) -> Option<(String, String)> {
    let key = path.rsplit('.').next().unwrap_or(path);
    let key = key.split('[').next().unwrap_or(key);
    let pair = |what: &str, example: &str| Some((what.to_string(), example.to_string()));
    match (key, expected) {
        ("fiscal_year_end_month", _) => pair(
            "a month: a number from 1 to 12 or a month name",
            "`fiscal_year_end_month: 6` or `fiscal_year_end_month: june`",
        ),
        ("decimals", _) => pair(
            "a whole number of digits after the decimal point, from 0 to 6",
            "`decimals: 1`",
        ),
        ("status", _) if path.starts_with("initiatives") => pair(
            "one of `on_track`, `at_risk`, `off_track`, `done`",
            "`status: on_track`",
        ),
        ("status", _) => pair("one of `green`, `amber`, `red`, `grey`", "`status: amber`"),
        ("x_axis", _) => pair(
            "`trailing_twelve_months` or `fiscal_year`",
            "`x_axis: fiscal_year`",
        ),
        ("unit", _) => pair(
            "one of `count`, `percent`, `hours`, `minutes`, `currency`, `ratio`",
            "`unit: percent`",
        ),
        ("better", _) => pair("`up`, `down` or `none`", "`better: up`"),
        ("compare", _) => pair("`percent` or `bps`", "`compare: bps`"),
        ("aggregate", _) => pair(
            "one of `sum`, `mean`, `min`, `max`, `first`, `last`",
            "`aggregate: mean`",
        ),
        ("grain", _) => pair("`day`, `week` or `month`", "`grain: week`"),
        ("duplicates", _) => pair("`error` or `keep_last`", "`duplicates: keep_last`"),
        ("style", _) => pair("`primary`, `secondary` or `target`", "`style: secondary`"),
        ("table", _) => pair("`6w` or `12m`", "`table: 6w`"),
        (_, "struct SiteFile") => pair(
            "the site's settings: `key: value` lines such as `title:` and `week_ends_on:`",
            "`title: Trust & Safety — Weekly Business Review`",
        ),
        (_, "struct ProgramFile") => pair(
            "a program: `key: value` lines `name:`, `owner:`, `metrics:`, …",
            "`name: Incident Resolutions` then `owner: A. Rivera` on the next line",
        ),
        (_, "struct FrontMatter") => pair(
            "front matter: `key: value` lines (`title:`, `author:`, `status:`) between the `---` lines",
            "`title: Incident Resolutions — week 47`",
        ),
        (_, "struct MetricFile") => pair(
            "a metric: its keys (`column:`, `unit:`, `target:`, …) indented under its id",
            "`incidents_reported: { column: incidents_reported, unit: count }`",
        ),
        (_, "struct InitiativeFile") => pair(
            "an initiative: a mapping with `name:`, `status:` and optionally `owner:` and `due:`",
            "`- { name: Rebuild the triage workflow, status: on_track }`",
        ),
        (_, "struct DeckBlockFile") => pair(
            "a deck block: a mapping with `section:`, `chart:` or `table:`",
            "`- chart: incidents_reported`",
        ),
        (_, "struct DatabaseFile") => pair(
            "a mapping with `url_env:`, the environment variable holding the database URL",
            "`database: { url_env: SITREP_DATABASE_URL }`",
        ),
        (_, "struct EventSourceFile") => pair(
            "an event source: a mapping with `path:` and optionally `id:`, `at:`, `duplicates:`",
            "`tickets: { path: data/tickets/ }`",
        ),
        (_, "struct TargetColumnSpec") => pair(
            "a target column: a mapping with `column:` and optionally `aggregate:`",
            "`target: { column: frt_target }`",
        ),
        (_, "struct StyledSeries") => pair(
            "a chart series: a mapping with `metric:` and optionally `style:`",
            "`{ metric: resolution_sla, style: secondary }`",
        ),
        ("metrics", "a map") => pair(
            "the program's metrics: each metric id followed by its keys, indented",
            "`incidents_reported: { column: incidents_reported }` indented under `metrics:`",
        ),
        ("events", "a map") => pair(
            "the event sources: each name followed by its keys, indented",
            "`tickets: { path: data/tickets/ }` indented under `events:`",
        ),
        ("where", "a map") => pair(
            "conditions: each column followed by the values it must have",
            "`where: { channel: [email, chat] }`",
        ),
        (_, "a map") => pair("a mapping of `key: value` lines", "`key: value`"),
        ("initiatives", _) => pair(
            "a list of initiatives, each starting with `- `",
            "`- { name: Rebuild the triage workflow, status: on_track }`",
        ),
        ("deck", _) => pair(
            "a list of deck blocks, each starting with `- `",
            "`- chart: incidents_reported`",
        ),
        (_, "a sequence") => pair(
            "a list: `[a, b]`, or one `- item` line per entry",
            "`[incidents_resolved, incidents_reported]`",
        ),
        (_, "u8") => pair("a whole number from 0 to 255", "`3`"),
        (_, "f64" | "f32" | "i64" | "i32" | "u32" | "u64" | "a number") => {
            pair("a number", &format!("`{key}: 0.95`"))
        }
        (_, "a boolean") => pair("`true` or `false`", &format!("`{key}: true`")),
        (_, "a string") => pair(
            "text (in quotes if YAML would read it as a list, number or mapping)",
            &format!("`{key}: \"some text\"`"),
        ),
        (_, "any value") => pair("a smaller number", &format!("`{key}: 1`")),
        (_, "a YAML tag starting with '!'") => {
            pair("one of the words the README lists for this key", &format!("`{key}: <word>`"))
        }
        _ => None,
    }
}

/// What serde calls the value it found, in the user's words.
fn found_in_users_terms(found: &str) -> String {
    let found = found.trim();
    let found = found
        .strip_suffix(" as u128")
        .or(found.strip_suffix(" as i128"))
        .unwrap_or(found);
    for (serde, plain) in [
        ("integer ", "the number "),
        ("floating point ", "the number "),
        ("string ", "the text "),
        ("boolean ", ""),
    ] {
        if let Some(value) = found.strip_prefix(serde) {
            return format!("{plain}{value}");
        }
    }
    match found {
        "sequence" => "a list".to_string(),
        "map" => "a mapping".to_string(),
        "unit value" => "nothing".to_string(),
        other => other.to_string(),
    }
}

/// The keys of a metric: a path `metrics.<key>` naming one of them is a
/// metric's key indented as if it were a metric id.
const METRIC_KEYS: [&str; 28] = [
    "name",
    "description",
    "column",
    "where",
    "aggregate",
    "grain",
    "divide",
    "sum",
    "events",
    "count",
    "duration",
    "open",
    "percentile",
    "within",
    "mean",
    "at",
    "difference",
    "product",
    "unit",
    "better",
    "compare",
    "target",
    "tolerance",
    "sla",
    "key",
    "x_axis",
    "decimals",
    "initiatives",
];

/// Rewrites serde's wording (`expected struct MetricFile`, `untagged enum`,
/// `u8`, `any value`, `unknown variant`, …) into the user's terms: the key,
/// what it expects and an example. Returns the message and, when it knows
/// one, the help.
fn in_users_terms(message: &str) -> (String, Option<String>) {
    // serde_yaml prefixes the key's path: `metrics.reports.decimals: …`.
    let (path, body) = match message.split_once(": ") {
        Some((path, body)) if !path.contains(' ') && !path.is_empty() && !path.starts_with('`') => {
            (path, body)
        }
        _ => ("", message),
    };
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    };
    // The subject: the key's path already leads the message.
    let subject = if path.is_empty() {
        "the file should be"
    } else {
        "should be"
    };
    if let Some(rest) = body
        .strip_prefix("invalid type: ")
        .or_else(|| body.strip_prefix("invalid value: "))
    {
        if let Some((found, expected)) = rest.rsplit_once(", expected ") {
            let found = found_in_users_terms(found);
            if let Some((what, example)) = expectation(path, expected.trim()) {
                let mut help = format!("e.g. {example}");
                let last = path.rsplit('.').next().unwrap_or("");
                if expected.trim() == "struct MetricFile"
                    && path.starts_with("metrics.")
                    && path.matches('.').count() == 1
                    && METRIC_KEYS.contains(&last)
                {
                    help = format!(
                        "`{last}:` is a key of a metric but is indented like a metric id: indent it under its metric's id, two spaces deeper"
                    );
                }
                return (format!("{prefix}{subject} {what}, not {found}"), Some(help));
            }
            return (
                format!("{prefix}{subject} {}, not {found}", expected.trim()),
                None,
            );
        }
    }
    if let Some(name) = body.strip_prefix("data did not match any variant of untagged enum ") {
        let (text, help) = match name.trim() {
            "TargetSpec" => (
                "a target must be a number or a mapping like `{ column: <target column> }`",
                "e.g. `target: 0.95` or `target: { column: <target column> }`",
            ),
            "MonthSpec" => (
                "`fiscal_year_end_month` should be a month: a number from 1 to 12 or a month name",
                "e.g. `fiscal_year_end_month: 6` or `fiscal_year_end_month: june`",
            ),
            "SumSpec" => (
                "`sum` should be a list of metrics or the name of a numeric column of the event source",
                "e.g. `sum: [tickets_email, tickets_chat]` or, with `events:`, `sum: handle_minutes`",
            ),
            "MeanSpec" => (
                "`mean` should be `true` (the mean of a `duration:`) or the name of a numeric column of the event source",
                "e.g. `mean: true` or `mean: handle_minutes`",
            ),
            "WhereSpec" | "WhereOperand" | "Scalar" => (
                "a `where` condition should be a value, a list of values or a test",
                "e.g. `where: { channel: email }`, `{ channel: [email, chat] }`, `{ priority: { not: low } }` or `{ handle_minutes: { \">=\": 30 } }`",
            ),
            "ChartMetrics" | "SeriesSpec" => (
                "`chart` should be a metric id, or a list of 1 to 3 metric ids or `{ metric: <id>, style: secondary }` entries",
                "e.g. `chart: incidents_reported` or `chart: [resolution_sla, { metric: frt_sla, style: secondary }]`",
            ),
            _ => (
                "this value has none of the forms its key accepts",
                "check this key against its description in the README",
            ),
        };
        return (format!("{prefix}{text}"), Some(help.to_string()));
    }
    let body = body
        .replace("unknown variant `", "unknown value `")
        .replace("unknown field `", "unknown key `")
        .replace("duplicate field `", "duplicate key `");
    if let Some(field) = body
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split_once('`'))
        .map(|(field, _)| field)
    {
        return (
            format!("{prefix}the key `{field}:` is missing"),
            Some(format!("add `{field}:`; it is required")),
        );
    }
    (format!("{prefix}{body}"), None)
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

/// A YAML document as plain data, for files sitrep reads but does not
/// define (`sitrep import` reads other tools' configs): mappings keep
/// their order, scalars keep their text.
#[derive(Debug, Clone, PartialEq)]
pub enum Tree {
    Null,
    Bool(bool),
    /// A number, as written.
    Number(String),
    String(String),
    List(Vec<Tree>),
    /// Keys in the file's order; a key that is not text is written as text.
    Map(Vec<(String, Tree)>),
}

impl Tree {
    /// The text of a scalar (a number or a boolean as written).
    pub fn as_text(&self) -> Option<String> {
        match self {
            Tree::String(text) | Tree::Number(text) => Some(text.clone()),
            Tree::Bool(value) => Some(value.to_string()),
            _ => None,
        }
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Tree> {
        match self {
            Tree::Map(entries) => entries
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value),
            _ => None,
        }
    }

    /// What kind of value this is, in the user's words.
    pub fn kind(&self) -> &'static str {
        match self {
            Tree::Null => "empty",
            Tree::Bool(_) => "a true/false value",
            Tree::Number(_) => "a number",
            Tree::String(_) => "text",
            Tree::List(_) => "a list",
            Tree::Map(_) => "a mapping of keys",
        }
    }
}

/// Parses `text` (the contents of `path`) into a [`Tree`].
pub fn parse_tree(text: &str, path: &Path) -> Result<Tree, Diagnostic> {
    check_nesting(text, path)?;
    let value: serde_yaml::Value =
        serde_yaml::from_str(text).map_err(|error| diagnostic_for(&error, path))?;
    Ok(tree_of(value))
}

fn tree_of(value: serde_yaml::Value) -> Tree {
    use serde_yaml::Value;
    match value {
        Value::Null => Tree::Null,
        Value::Bool(value) => Tree::Bool(value),
        Value::Number(number) => Tree::Number(number.to_string()),
        Value::String(text) => Tree::String(text),
        Value::Sequence(items) => Tree::List(items.into_iter().map(tree_of).collect()),
        Value::Mapping(entries) => Tree::Map(
            entries
                .into_iter()
                .map(|(key, value)| {
                    let key = match tree_of(key) {
                        Tree::Null => String::new(),
                        other => other.as_text().unwrap_or_default(),
                    };
                    (key, tree_of(value))
                })
                .collect(),
        ),
        Value::Tagged(tagged) => tree_of(tagged.value),
    }
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
            error.message.contains("unknown key `agregate`"),
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

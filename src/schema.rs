//! JSON Schemas of `site.yaml` and program files, generated from the types
//! the loader reads them into, so that editors running a YAML language
//! server complete keys and flag mistakes while the user types. The
//! schemas describe what a user writes; the loader stays the judge (it
//! checks what a schema cannot: metric ids, columns, data).

use std::fs;
use std::path::{Path, PathBuf};

use schemars::generate::SchemaSettings;
use schemars::{json_schema, Schema, SchemaGenerator};

use crate::error::Error;

/// The folder of a site project that holds the schemas; the files `init`
/// creates refer to them by a path relative to themselves.
pub const SCHEMA_FOLDER: &str = "schemas";

/// The schemas sitrep writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaKind {
    /// `site.yaml`.
    Site,
    /// `content/programs/<id>.yaml`.
    Program,
}

impl SchemaKind {
    pub const ALL: [SchemaKind; 2] = [SchemaKind::Site, SchemaKind::Program];

    /// The schema's file name.
    pub fn file_name(self) -> &'static str {
        match self {
            SchemaKind::Site => "site.schema.json",
            SchemaKind::Program => "program.schema.json",
        }
    }

    /// The first line of a YAML file of this kind, relative to the file's
    /// own folder in a site project, that points a YAML language server
    /// at its schema.
    pub fn modeline(self) -> String {
        let up = match self {
            SchemaKind::Site => "",
            SchemaKind::Program => "../../",
        };
        format!(
            "# yaml-language-server: $schema={up}{SCHEMA_FOLDER}/{}",
            self.file_name()
        )
    }

    /// The schema as a JSON value.
    pub fn schema(self) -> serde_json::Value {
        // Draft 7 is the draft editors' YAML and JSON language servers
        // support best.
        let generator = SchemaSettings::draft07().into_generator();
        let schema = match self {
            SchemaKind::Site => crate::load::config::json_schema(generator),
            SchemaKind::Program => crate::load::program::json_schema(generator),
        };
        schema.to_value()
    }

    /// The schema file's text: pretty JSON ending with a newline, the same
    /// bytes for the same sitrep.
    pub fn text(self) -> String {
        let mut text =
            serde_json::to_string_pretty(&self.schema()).expect("a JSON value always serializes");
        text.push('\n');
        text
    }
}

/// Writes the schemas of `kinds` into `dir` (created when missing),
/// replacing older ones; returns the files written.
pub fn write_schemas(dir: &Path, kinds: &[SchemaKind]) -> Result<Vec<PathBuf>, Error> {
    fs::create_dir_all(dir).map_err(|error| Error::io("cannot create", dir, error))?;
    let mut written = Vec::new();
    for kind in kinds {
        let path = dir.join(kind.file_name());
        fs::write(&path, kind.text()).map_err(|error| Error::io("cannot write", &path, error))?;
        written.push(path);
    }
    Ok(written)
}

/// Case-insensitive in a regular expression of JSON Schema (ECMA 262,
/// which has no `(?i)` flag): `[Mm][Aa][Yy]`.
fn any_case(word: &str) -> String {
    word.chars()
        .map(|c| format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase()))
        .collect()
}

/// A pattern for names matched case-insensitively, in full or by their
/// first three letters, with surrounding blanks.
fn names_pattern(names: &[&str]) -> String {
    let alternatives: Vec<String> = names
        .iter()
        .map(|name| match &name[3..] {
            "" => any_case(name),
            rest => format!("{}(?:{})?", any_case(&name[..3]), any_case(rest)),
        })
        .collect();
    format!("^\\s*(?:{})\\s*$", alternatives.join("|"))
}

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// `fiscal_year_end_month`: 1–12 or a month name (`december`, `Dec`).
pub(crate) fn month(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "The last month of the fiscal year: 1–12 or a month name (default 12: the fiscal year is the calendar year).",
        "anyOf": [
            { "type": "integer", "minimum": 1, "maximum": 12 },
            { "type": "string", "pattern": names_pattern(&crate::load::config::MONTH_NAMES) },
            { "type": "null" }
        ],
        "examples": [12, "june"]
    })
}

/// `week_ends_on`: a weekday name, in full or by its first three letters.
pub(crate) fn weekday(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "The last day of every week (default sunday: ISO weeks, Monday to Sunday).",
        "type": ["string", "null"],
        "pattern": names_pattern(&WEEKDAYS),
        "examples": WEEKDAYS
    })
}

/// `within: 4h`: a duration such as `30m`, `2d` or `1h30m`.
pub(crate) fn duration(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "description": "With `duration`: the share of rows whose duration is within this time, such as `4h`, `30m`, `2d` or `1h30m`.",
        "type": ["string", "null"],
        "pattern": "^\\s*(?:[0-9.]+\\s*(?:d|days?|h|hours?|m|min|minutes?|s|sec|seconds?)\\s*)+$",
        "examples": ["4h", "30m", "1h30m", "2d"]
    })
}

/// `where:`: per column, a value, a list of values, `{ not: … }` or
/// comparisons with numbers.
pub(crate) fn where_clause(_: &mut SchemaGenerator) -> Schema {
    let scalar = serde_json::json!({ "type": ["string", "number", "boolean"] });
    let bound = serde_json::json!({
        "description": "A number to compare with.",
        "type": ["number", "string"]
    });
    json_schema!({
        "description": "Keeps only the rows whose columns match: `channel: email`, `channel: [email, chat]`, `priority: { not: low }` (empty cells pass), `handle_minutes: { \">=\": 30 }` or `handle_minutes: \">= 30\"` (`<`, `<=`, `>`, `>=`). Conditions on several columns must all hold.",
        "type": ["object", "null"],
        "additionalProperties": {
            "anyOf": [
                {
                    "description": "One value, or a comparison such as `\">= 30\"`.",
                    "type": ["string", "number", "boolean"]
                },
                {
                    "description": "Any of these values.",
                    "type": "array",
                    "items": scalar
                },
                {
                    "description": "Tests: `not` (none of these values) and comparisons with numbers.",
                    "type": "object",
                    "properties": {
                        "not": {
                            "description": "None of these values (empty cells pass).",
                            "anyOf": [scalar, { "type": "array", "items": scalar }]
                        },
                        "<": bound,
                        "<=": bound,
                        ">": bound,
                        ">=": bound
                    },
                    "additionalProperties": false,
                    "minProperties": 1
                }
            ]
        }
    })
}

/// The names of event sources and metric ids: map keys whose form a
/// schema can check.
pub(crate) const SAFE_NAME_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$";
pub(crate) const METRIC_ID_PATTERN: &str = "^[A-Za-z0-9_]{1,100}$";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_in_any_case_in_full_or_abbreviated() {
        let pattern = names_pattern(&["june"]);
        assert_eq!(pattern, "^\\s*(?:[Jj][Uu][Nn](?:[Ee])?)\\s*$");
    }

    #[test]
    fn program_files_point_two_folders_up() {
        assert_eq!(
            SchemaKind::Program.modeline(),
            "# yaml-language-server: $schema=../../schemas/program.schema.json"
        );
        assert_eq!(
            SchemaKind::Site.modeline(),
            "# yaml-language-server: $schema=schemas/site.schema.json"
        );
    }
}

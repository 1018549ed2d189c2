//! Annotations: dated notes that explain a chart ("outage on 11-03", "app
//! release 7.32"), read from CSV files (`data/annotations.csv` by
//! default). wbr-app's annotation files (`Date,MetricName,EventDescription`)
//! load as they are.
//!
//! An annotation is data: a version shows only those dated on or before
//! the end of its week. It changes no number.

use std::path::Path;

use jiff::civil::Date;
use serde::Serialize;

use super::program::ProgramDefinition;
use crate::error::{closest, excerpt, Diagnostic};

/// The annotation file a site has without `annotations:` in site.yaml,
/// when it exists.
pub const DEFAULT_FILE: &str = "data/annotations.csv";

/// How many problems of one file are listed before the rest are counted.
const MAX_ERRORS: usize = 20;

/// One annotation, resolved to what it explains. In `data.json` as it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Annotation {
    pub date: Date,
    /// The program it explains; `None`: every chart of the site.
    pub program: Option<String>,
    /// The metric of `program` it explains; `None`: every chart of the
    /// program.
    pub metric: Option<String>,
    pub text: String,
}

impl Annotation {
    /// Whether the annotation explains the charts of metric `metric` of
    /// program `program`.
    pub fn explains(&self, program: &str, metric: &str) -> bool {
        self.program.as_deref().is_none_or(|id| id == program)
            && self.metric.as_deref().is_none_or(|id| id == metric)
    }
}

/// A row of an annotation file, before its metric is looked up.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub line: usize,
    pub date: Date,
    /// A metric id, `program.metric`, a metric's name, a program id, or
    /// empty (every chart), as written.
    pub target: String,
    pub text: String,
}

/// The rows of an annotation file that read well, the 1-based column of
/// its metric and its name, and the problems of the others.
#[derive(Debug, Default)]
pub struct ParsedFile {
    pub rows: Vec<Row>,
    pub target_column: usize,
    pub target_name: String,
    pub errors: Vec<Diagnostic>,
}

/// The names each column may have (any case): sitrep's and wbr-app's.
const DATE_NAMES: [&str; 1] = ["date"];
const TARGET_NAMES: [&str; 2] = ["metric", "metricname"];
const TEXT_NAMES: [&str; 2] = ["text", "eventdescription"];

/// Reads an annotation file; `path` is the site-relative name used in
/// messages.
pub fn parse(bytes: &[u8], path: &Path) -> ParsedFile {
    let mut parsed = ParsedFile::default();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(problem) = super::data::overlong_field_problem(bytes, path) {
        parsed.errors.push(problem);
        return parsed;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records: Vec<(usize, Vec<String>)> = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record
                    .position()
                    .map_or(1, |position| line_at(bytes, position.byte()));
                if record.iter().all(|field| field.trim_ascii().is_empty()) {
                    continue;
                }
                let fields = super::data::text_fields(&record, line, path, |error| {
                    parsed.errors.push(error)
                });
                records.push((line, fields));
            }
            Err(error) => {
                let line = error
                    .position()
                    .map(|position| line_at(bytes, position.byte()));
                parsed.errors.push(
                    Diagnostic::new(path, format!("cannot read CSV: {error}"))
                        .at_line(line)
                        .with_help("check the quotes of this line"),
                );
                return parsed;
            }
        }
    }
    let Some(((header_line, header), rows)) = records.split_first() else {
        parsed.errors.push(
            Diagnostic::new(path, "the annotation file is empty")
                .at_line(Some(1))
                .with_help("start it with the header `date,metric,text` (or wbr-app's `Date,MetricName,EventDescription`)"),
        );
        return parsed;
    };
    let find = |names: &[&str], wanted: &str, errors: &mut Vec<Diagnostic>| {
        let found: Vec<usize> = header
            .iter()
            .enumerate()
            .filter(|(_, name)| names.contains(&name.to_ascii_lowercase().as_str()))
            .map(|(index, _)| index)
            .collect();
        match found.as_slice() {
            [index] => Some(*index),
            [] => {
                let shown: Vec<String> = header
                    .iter()
                    .map(|name| format!("`{}`", excerpt(name)))
                    .collect();
                errors.push(
                    Diagnostic::new(path, format!("the header has no column `{wanted}`; it has {}", shown.join(", ")))
                        .at(*header_line, 1)
                        .with_help("an annotation file has the columns `date`, `metric` and `text` (or wbr-app's `Date`, `MetricName`, `EventDescription`), in any order; more columns are ignored"),
                );
                None
            }
            [_, second, ..] => {
                errors.push(
                    Diagnostic::new(path, format!("the header has two `{wanted}` columns"))
                        .at(*header_line, second + 1)
                        .with_help("remove or rename one of them"),
                );
                None
            }
        }
    };
    let date_column = find(&DATE_NAMES, "date", &mut parsed.errors);
    let target_column = find(&TARGET_NAMES, "metric", &mut parsed.errors);
    let text_column = find(&TEXT_NAMES, "text", &mut parsed.errors);
    let (Some(date_column), Some(target_column), Some(text_column)) =
        (date_column, target_column, text_column)
    else {
        return parsed;
    };
    parsed.target_column = target_column + 1;
    parsed.target_name = header[target_column].clone();

    let date_texts: Vec<(usize, Vec<String>)> = rows
        .iter()
        .map(|(line, fields)| {
            (
                *line,
                vec![fields.get(date_column).cloned().unwrap_or_default()],
            )
        })
        .collect();
    let (dates, date_errors) = super::data::parse_date_column(&date_texts, path, date_column + 1);
    parsed.errors.extend(date_errors);
    for ((line, fields), date) in rows.iter().zip(dates) {
        let needed = date_column.max(target_column).max(text_column) + 1;
        if fields.len() < needed {
            parsed.errors.push(
                Diagnostic::new(
                    path,
                    format!(
                        "this row has {} fields, but the text is in column {}",
                        fields.len(),
                        text_column.max(target_column) + 1
                    ),
                )
                .at_line(Some(*line))
                .with_help(
                    "write one field per header column; quote a text that holds commas (\"…\")",
                ),
            );
            continue;
        }
        let text = &fields[text_column];
        if text.is_empty() {
            parsed.errors.push(
                Diagnostic::new(path, "this annotation has no text")
                    .at(*line, text_column + 1)
                    .with_help("write what happened, e.g. `Outage of the ticketing tool`, or remove the row"),
            );
            continue;
        }
        let Some(date) = date else { continue };
        parsed.rows.push(Row {
            line: *line,
            date,
            target: fields[target_column].clone(),
            text: text.clone(),
        });
    }
    if parsed.errors.len() > MAX_ERRORS {
        let more = parsed.errors.len() - MAX_ERRORS;
        parsed.errors.truncate(MAX_ERRORS);
        parsed.errors.push(Diagnostic::new(
            path,
            format!("… and {more} more errors in this file"),
        ));
    }
    parsed
}

/// The 1-based line of the record starting at byte `offset`: its
/// position is where the previous record's terminator began.
fn line_at(bytes: &[u8], offset: u64) -> usize {
    let mut offset = (offset as usize).min(bytes.len());
    while offset < bytes.len() && matches!(bytes[offset], b'\r' | b'\n') {
        offset += 1;
    }
    1 + bytes[..offset]
        .iter()
        .filter(|byte| **byte == b'\n')
        .count()
}

/// Looks up what each row explains among the programs: `program.metric`,
/// a metric id, a metric's display name (any case), a program id or
/// name, or nothing (every chart). A metric id or name several programs
/// share annotates each of them. With `all_known` false (a program file
/// did not load), names found nowhere are left out without an error.
pub fn resolve(
    parsed: &ParsedFile,
    path: &Path,
    programs: &[&ProgramDefinition],
    all_known: bool,
) -> (Vec<Annotation>, Vec<Diagnostic>) {
    let mut annotations = Vec::new();
    let mut errors = Vec::new();
    for row in &parsed.rows {
        let targets = targets(&row.target, programs);
        if targets.is_empty() {
            if all_known {
                errors.push(unknown_target(parsed, path, row, programs));
            }
            continue;
        }
        annotations.extend(targets.into_iter().map(|(program, metric)| Annotation {
            date: row.date,
            program,
            metric,
            text: row.text.clone(),
        }));
    }
    (annotations, errors)
}

type Target = (Option<String>, Option<String>);

fn targets(target: &str, programs: &[&ProgramDefinition]) -> Vec<Target> {
    let target = target.trim();
    if target.is_empty() {
        return vec![(None, None)];
    }
    let metric_target = |program: &ProgramDefinition, metric: &str| {
        (Some(program.id.clone()), Some(metric.to_string()))
    };
    if let Some((program_id, metric_id)) = target.split_once('.') {
        if let Some(program) = programs.iter().find(|program| program.id == program_id) {
            if program.metrics.iter().any(|metric| metric.id == metric_id) {
                return vec![metric_target(program, metric_id)];
            }
        }
    }
    let mut found: Vec<Target> = programs
        .iter()
        .flat_map(|program| {
            program
                .metrics
                .iter()
                .filter(|metric| metric.id == target)
                .map(|metric| metric_target(program, &metric.id))
        })
        .collect();
    if found.is_empty() {
        found = programs
            .iter()
            .flat_map(|program| {
                program
                    .metrics
                    .iter()
                    .filter(|metric| metric.name.trim().eq_ignore_ascii_case(target))
                    .map(|metric| metric_target(program, &metric.id))
            })
            .collect();
    }
    if found.is_empty() {
        found = programs
            .iter()
            .filter(|program| {
                program.id == target || program.name.trim().eq_ignore_ascii_case(target)
            })
            .map(|program| (Some(program.id.clone()), None))
            .collect();
    }
    found
}

fn unknown_target(
    parsed: &ParsedFile,
    path: &Path,
    row: &Row,
    programs: &[&ProgramDefinition],
) -> Diagnostic {
    let candidates: Vec<&str> = programs
        .iter()
        .flat_map(|program| {
            std::iter::once(program.id.as_str()).chain(
                program
                    .metrics
                    .iter()
                    .flat_map(|metric| [metric.id.as_str(), metric.name.as_str()]),
            )
        })
        .collect();
    let help = match closest(&row.target, candidates.iter().copied()) {
        Some(suggestion) => format!("did you mean `{suggestion}`?"),
        None => "write a metric id (or `<program>.<metric>`), a metric's name, a program id, or leave it empty to annotate every chart".to_string(),
    };
    Diagnostic::new(
        path,
        format!(
            "`{}` in column `{}` is neither a metric nor a program of the site",
            row.target, parsed.target_name
        ),
    )
    .at(row.line, parsed.target_column)
    .with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn parse_text(text: &str) -> ParsedFile {
        parse(text.as_bytes(), Path::new("data/annotations.csv"))
    }

    fn messages(errors: &[Diagnostic]) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    fn program(id: &str, metrics: &[(&str, &str)]) -> ProgramDefinition {
        let yaml: String = metrics
            .iter()
            .map(|(metric, name)| format!("  {metric}: {{ name: \"{name}\", column: {metric} }}\n"))
            .collect();
        super::super::program::parse_program(
            id,
            &format!("name: {id} program\nowner: O\nmetrics:\n{yaml}"),
            Path::new("content/programs/p.yaml"),
        )
        .unwrap()
    }

    #[test]
    fn wbr_app_files_load_as_they_are() {
        let parsed = parse_text(
            "\u{feff}Date,MetricName,EventDescription\r\n25-Sep-2021,PageViews,\"Outage, 2 h\"\r\n\r\n26-Sep-2021,,App release 7.32\r\n",
        );
        assert_eq!(messages(&parsed.errors), Vec::<String>::new());
        assert_eq!(
            parsed.rows,
            vec![
                Row {
                    line: 2,
                    date: date(2021, 9, 25),
                    target: "PageViews".into(),
                    text: "Outage, 2 h".into()
                },
                Row {
                    line: 4,
                    date: date(2021, 9, 26),
                    target: String::new(),
                    text: "App release 7.32".into()
                },
            ]
        );
        assert_eq!(
            (parsed.target_column, parsed.target_name.as_str()),
            (2, "MetricName")
        );
    }

    #[test]
    fn columns_in_any_order_and_case_with_more_columns_ignored() {
        let parsed = parse_text("Owner,TEXT,metric,date\nme,Promo,reports,2026-11-03\n");
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.rows[0].date, date(2026, 11, 3));
        assert_eq!(parsed.rows[0].text, "Promo");
        assert_eq!(parsed.target_column, 3);
    }

    #[test]
    fn errors_name_line_column_and_fix() {
        let parsed =
            parse_text("date,metric,text\n2026-11-31,,x\n2026-11-03,a,\n11/03/26,,mixed\n");
        assert_eq!(
            messages(&parsed.errors),
            vec![
                "data/annotations.csv:2:1: `2026-11-31` is not a valid date\n  help: write every date of this file like its first one, `2026-11-31` (e.g. 2026-11-22)",
                "data/annotations.csv:4:1: `11/03/26` is spelt differently from this file's first date `2026-11-31`\n  help: write every date of this file like its first one, `2026-11-31` (e.g. 2026-11-22)",
                "data/annotations.csv:3:3: this annotation has no text\n  help: write what happened, e.g. `Outage of the ticketing tool`, or remove the row",
            ]
        );
        // The date sits in the file's second column here.
        let parsed = parse_text("text,Date,metric\nx,someday,\n");
        assert_eq!(parsed.errors[0].line, Some(2));
        assert_eq!(parsed.errors[0].column, Some(2));

        let parsed = parse_text("day,metric,text\n");
        assert!(
            messages(&parsed.errors)[0].starts_with(
                "data/annotations.csv:1:1: the header has no column `date`; it has `day`, `metric`, `text`"
            ),
            "{:?}",
            parsed.errors
        );
        let parsed = parse_text("date,metric,MetricName,text\n");
        assert_eq!(parsed.errors[0].column, Some(3));
        assert!(parse_text("").errors[0].message.contains("empty"));
    }

    #[test]
    fn an_overlong_field_is_refused_before_reading() {
        let mut text = "date,metric,text\n2026-11-03,,\"".to_string();
        text.push_str(&"x".repeat(super::super::data::MAX_FIELD_BYTES + 1));
        let parsed = parse_text(&text);
        assert!(
            parsed.errors[0].message.contains("1 MiB"),
            "{:?}",
            parsed.errors
        );
        assert!(parsed.rows.is_empty());
    }

    #[test]
    fn targets_resolve_to_metrics_programs_or_everything() {
        let support = program(
            "support",
            &[("contacts", "Contacts handled"), ("visits", "Visits")],
        );
        let sales = program("sales", &[("visits", "Store visits")]);
        let programs = [&support, &sales];
        let parsed = parse_text(
            "date,metric,text\n2026-11-03,,all\n2026-11-03,contacts handled,by name\n2026-11-03,visits,shared id\n2026-11-03,sales.visits,qualified\n2026-11-03,support,program\n2026-11-03,Sales Program,program name\n",
        );
        let (annotations, errors) = resolve(&parsed, Path::new("a.csv"), &programs, true);
        assert!(errors.is_empty());
        let scopes: Vec<(Option<&str>, Option<&str>, &str)> = annotations
            .iter()
            .map(|a| (a.program.as_deref(), a.metric.as_deref(), a.text.as_str()))
            .collect();
        assert_eq!(
            scopes,
            vec![
                (None, None, "all"),
                (Some("support"), Some("contacts"), "by name"),
                (Some("support"), Some("visits"), "shared id"),
                (Some("sales"), Some("visits"), "shared id"),
                (Some("sales"), Some("visits"), "qualified"),
                (Some("support"), None, "program"),
                (Some("sales"), None, "program name"),
            ]
        );
        assert!(annotations[0].explains("sales", "visits"));
        assert!(annotations[5].explains("support", "visits"));
        assert!(!annotations[5].explains("sales", "visits"));
        assert!(!annotations[1].explains("support", "visits"));
    }

    #[test]
    fn an_unknown_target_suggests_the_nearest() {
        let support = program("support", &[("contacts", "Contacts handled")]);
        let parsed = parse_text("Date,MetricName,EventDescription\n2026-11-03,contcts,x\n");
        let (annotations, errors) = resolve(
            &parsed,
            Path::new("data/annotations.csv"),
            &[&support],
            true,
        );
        assert!(annotations.is_empty());
        assert_eq!(
            messages(&errors),
            vec!["data/annotations.csv:2:2: `contcts` in column `MetricName` is neither a metric nor a program of the site\n  help: did you mean `contacts`?"]
        );
        // While a program file has errors, its names may be the missing
        // ones: no second error.
        let (_, errors) = resolve(
            &parsed,
            Path::new("data/annotations.csv"),
            &[&support],
            false,
        );
        assert!(errors.is_empty());
    }
}

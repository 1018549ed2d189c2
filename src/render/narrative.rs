//! Narratives: markdown with live numbers. Calls such as
//! `{{ value("frt_p90") }}` are checked and recorded while the template
//! runs, the markdown is rendered with raw HTML escaped, and the recorded
//! calls are then replaced by their HTML.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use minijinja::ErrorKind;
use pulldown_cmark::{Alignment, CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::error::{closest, Diagnostic};
use crate::load::narrative::Narrative;

/// Marks where a call's HTML goes, `TOKEN_START` (or `BLOCK_TOKEN_START`
/// for a chart or table), the call's number, `TOKEN_END`. Stripped from
/// user text beforehand, so no input can forge one.
const TOKEN_START: char = '\u{E000}';
const TOKEN_END: char = '\u{E001}';
const BLOCK_TOKEN_START: char = '\u{E002}';

fn is_token_char(c: char) -> bool {
    matches!(c, TOKEN_START | TOKEN_END | BLOCK_TOKEN_START)
}

/// The changes `delta` accepts.
pub const DELTA_KINDS: [&str; 5] = ["wow", "yoy", "mtd_yoy", "qtd_yoy", "ytd_yoy"];
/// The figures `value` accepts as its optional second argument.
pub const VALUE_KINDS: [&str; 6] = ["last_week", "mtd", "qtd", "ytd", "target", "previous_week"];
/// The periods `table` accepts.
pub const TABLE_KINDS: [&str; 2] = ["6w", "12m"];

/// A metric named in a call, resolved to its program.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetricRef {
    pub program: String,
    pub metric: String,
}

/// One checked call, in the order the narrative makes them.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Value {
        metric: MetricRef,
        kind: String,
    },
    Delta {
        metric: MetricRef,
        kind: String,
    },
    Status {
        metric: MetricRef,
    },
    /// A deck chart block by title, or up to three metrics.
    Chart {
        program: String,
        block: Option<usize>,
        metrics: Vec<MetricRef>,
    },
    Table {
        program: String,
        period: String,
    },
    /// The "Noteworthy events" list of a metric's 6-12 chart.
    Annotations {
        metric: MetricRef,
    },
}

/// What calls may refer to.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The program whose metrics unqualified ids name; `None` in a week's
    /// executive narrative, where ids are written `program.metric`.
    pub program: Option<String>,
    /// Program id → its metric ids.
    pub metrics: HashMap<String, Vec<String>>,
    /// Program id → titles of its deck's chart blocks, by block index.
    pub chart_blocks: HashMap<String, Vec<(usize, String)>>,
}

impl Scope {
    fn resolve(&self, name: &str) -> Result<MetricRef, minijinja::Error> {
        let (program, metric) = match (name.split_once('.'), &self.program) {
            (Some((program, metric)), _) => (program.to_string(), metric.to_string()),
            (None, Some(program)) => (program.clone(), name.to_string()),
            (None, None) => {
                return Err(invalid(format!(
                    "`{name}` needs its program here: write it as \"<program>.{name}\", e.g. \"{}.{name}\"",
                    self.programs_with(name).first().map_or("incident_resolutions", |program| program.as_str())
                )))
            }
        };
        let Some(metrics) = self.metrics.get(&program) else {
            let suggestion = closest(&program, self.metrics.keys().map(String::as_str));
            return Err(invalid(format!(
                "there is no program `{program}`{}",
                did_you_mean(suggestion)
            )));
        };
        if !metrics.contains(&metric) {
            let suggestion = closest(&metric, metrics.iter().map(String::as_str));
            return Err(invalid(format!(
                "program `{program}` has no metric `{metric}`{}",
                did_you_mean(suggestion)
            )));
        }
        Ok(MetricRef { program, metric })
    }

    fn programs_with(&self, metric: &str) -> Vec<&String> {
        let mut programs: Vec<&String> = self
            .metrics
            .iter()
            .filter(|(_, metrics)| metrics.iter().any(|known| known == metric))
            .map(|(program, _)| program)
            .collect();
        programs.sort();
        programs
    }
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |suggestion| {
        format!(" (did you mean `{suggestion}`?)")
    })
}

fn invalid(message: String) -> minijinja::Error {
    minijinja::Error::new(ErrorKind::InvalidOperation, message)
}

fn check_kind(kind: &str, allowed: &[&str], function: &str) -> Result<(), minijinja::Error> {
    if allowed.contains(&kind) {
        Ok(())
    } else {
        let choices: Vec<String> = allowed.iter().map(|kind| format!("\"{kind}\"")).collect();
        Err(invalid(format!(
            "{function}() takes {}, not \"{kind}\"{}",
            choices.join(", "),
            did_you_mean(closest(kind, allowed.iter().copied()))
        )))
    }
}

/// The calls a narrative can make.
pub const CALLS: [&str; 6] = ["value", "delta", "status", "chart", "table", "annotations"];

/// What one `{{ … }}` holds.
#[derive(Debug, PartialEq)]
enum Braces {
    /// `name("a", "b")`: a call with string arguments.
    Call(String, Vec<String>),
    /// Looks like a call but its arguments are not quoted strings.
    Malformed(String),
    /// Anything else: shown as written.
    Text,
}

/// Reads `name("arg", 'arg')` from the inside of `{{ … }}`.
fn parse_braces(inner: &str) -> Braces {
    let inner = inner.trim();
    let name_length = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let (name, rest) = inner.split_at(name_length);
    let rest = rest.trim_start();
    if name.is_empty()
        || !name.starts_with(|c: char| c.is_ascii_alphabetic())
        || !rest.starts_with('(')
    {
        return Braces::Text;
    }
    let Some(arguments) = rest[1..].trim_end().strip_suffix(')') else {
        return Braces::Malformed(name.to_string());
    };
    let mut parsed = Vec::new();
    let mut chars = arguments.trim().chars().peekable();
    while chars.peek().is_some() {
        let Some(quote) = chars.next().filter(|c| *c == '"' || *c == '\'') else {
            return Braces::Malformed(name.to_string());
        };
        let mut argument = String::new();
        let mut closed = false;
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some(escaped) => argument.push(escaped),
                    None => return Braces::Malformed(name.to_string()),
                },
                c if c == quote => {
                    closed = true;
                    break;
                }
                c => argument.push(c),
            }
        }
        if !closed {
            return Braces::Malformed(name.to_string());
        }
        parsed.push(argument);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => break,
            Some(',') => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if chars.peek().is_none() {
                    return Braces::Malformed(name.to_string());
                }
            }
            Some(_) => return Braces::Malformed(name.to_string()),
        }
    }
    Braces::Call(name.to_string(), parsed)
}

/// Checks one call against the scope.
fn make_call(name: &str, arguments: &[String], scope: &Scope) -> Result<Call, String> {
    let arity = |range: std::ops::RangeInclusive<usize>, usage: &str| {
        if range.contains(&arguments.len()) {
            Ok(())
        } else {
            Err(format!(
                "{name}() takes {usage}, got {} argument{}",
                arguments.len(),
                if arguments.len() == 1 { "" } else { "s" }
            ))
        }
    };
    let invalid = |error: minijinja::Error| error.detail().unwrap_or_default().to_string();
    match name {
        "value" => {
            arity(1..=2, "a metric and optionally one of \"mtd\", \"qtd\", \"ytd\", \"target\", \"previous_week\"")?;
            let kind = arguments
                .get(1)
                .cloned()
                .unwrap_or_else(|| "last_week".to_string());
            check_kind(&kind, &VALUE_KINDS, "value").map_err(invalid)?;
            Ok(Call::Value {
                metric: scope.resolve(&arguments[0]).map_err(invalid)?,
                kind,
            })
        }
        "delta" => {
            arity(2..=2, "a metric and a comparison such as \"wow\"")?;
            check_kind(&arguments[1], &DELTA_KINDS, "delta").map_err(invalid)?;
            Ok(Call::Delta {
                metric: scope.resolve(&arguments[0]).map_err(invalid)?,
                kind: arguments[1].clone(),
            })
        }
        "status" => {
            arity(1..=1, "one metric")?;
            Ok(Call::Status {
                metric: scope.resolve(&arguments[0]).map_err(invalid)?,
            })
        }
        "annotations" => {
            arity(1..=1, "one metric")?;
            Ok(Call::Annotations {
                metric: scope.resolve(&arguments[0]).map_err(invalid)?,
            })
        }
        "chart" => {
            arity(1..=3, "1 to 3 metrics, or a deck chart's title")?;
            // A single argument may name one of the program's deck charts.
            if let (1, Some(program)) = (arguments.len(), &scope.program) {
                let block = scope
                    .chart_blocks
                    .get(program)
                    .and_then(|blocks| blocks.iter().find(|(_, title)| *title == arguments[0]));
                if let Some((index, _)) = block {
                    return Ok(Call::Chart {
                        program: program.clone(),
                        block: Some(*index),
                        metrics: Vec::new(),
                    });
                }
                let name = &arguments[0];
                if !name.contains('.') && scope.resolve(name).is_err() {
                    return Err(format!(
                        "`{name}` is neither a chart title of the deck of `{program}` nor one of its metrics"
                    ));
                }
            }
            let metrics = arguments
                .iter()
                .map(|name| scope.resolve(name))
                .collect::<Result<Vec<_>, _>>()
                .map_err(invalid)?;
            let program = metrics[0].program.clone();
            if metrics.iter().any(|metric| metric.program != program) {
                return Err("chart() draws metrics of one program only".to_string());
            }
            Ok(Call::Chart {
                program,
                block: None,
                metrics,
            })
        }
        "table" => {
            arity(2..=2, "a program and \"6w\" or \"12m\"")?;
            check_kind(&arguments[1], &TABLE_KINDS, "table").map_err(invalid)?;
            let program = &arguments[0];
            if !scope.metrics.contains_key(program) {
                let suggestion = closest(program, scope.metrics.keys().map(String::as_str));
                return Err(format!(
                    "there is no program `{program}`{}",
                    did_you_mean(suggestion)
                ));
            }
            Ok(Call::Table {
                program: program.clone(),
                period: arguments[1].clone(),
            })
        }
        _ => Err(format!(
            "there is no call `{name}()`{}",
            closest(name, CALLS).map_or_else(
                || format!(
                    "; the calls are {}",
                    CALLS.map(|call| format!("{call}()")).join(", ")
                ),
                |call| format!(" (did you mean `{call}()`?)")
            )
        )),
    }
}

/// A narrative body with a token in place of each call.
#[derive(Debug, Clone)]
pub struct Expanded {
    /// The markdown, each call replaced by its token.
    pub text: String,
    /// The calls, in the order of their tokens.
    pub calls: Vec<Call>,
    /// Byte offsets of the line breaks in `text`.
    newlines: Vec<usize>,
    /// (offset in `text` just after a token, line breaks removed with the
    /// calls up to there), for calls written over several lines.
    removed_newlines: Vec<(usize, usize)>,
}

impl Expanded {
    /// The 1-based line of the narrative's body that `offset` (a byte
    /// offset in `text`) comes from.
    pub fn line(&self, offset: usize) -> usize {
        let breaks = self.newlines.partition_point(|&newline| newline < offset);
        let removed = match self
            .removed_newlines
            .partition_point(|&(after, _)| after <= offset)
        {
            0 => 0,
            index => self.removed_newlines[index - 1].1,
        };
        1 + breaks + removed
    }
}

/// The byte ranges of a markdown text's code spans and code blocks, in
/// order.
fn code_ranges(markdown: &str) -> Vec<std::ops::Range<usize>> {
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
    for (event, range) in Parser::new_ext(markdown, MARKDOWN).into_offset_iter() {
        if matches!(event, Event::Code(_) | Event::Start(Tag::CodeBlock(_)))
            && ranges.last().is_none_or(|last| last.end <= range.start)
        {
            ranges.push(range);
        }
    }
    ranges
}

/// Finds the narrative's calls, `{{ name("argument", …) }}`: returns the
/// text with a token per call, and the calls. Only these calls run;
/// anything else between braces (`{{ 7*7 }}`, `{% … %}`) and anything in
/// code (`` `{{ value("m") }}` ``, code blocks) is shown as written, so no
/// text can execute template code.
pub fn expand_calls(narrative: &Narrative, scope: Scope) -> Result<Expanded, Diagnostic> {
    expand_all_calls(narrative, scope).map_err(|mut errors| errors.swap_remove(0))
}

/// What to write instead of a call that failed: the metrics of the program
/// it names (nearest first), the deck's chart titles, the programs.
fn call_help(name: &str, arguments: &[String], scope: &Scope) -> String {
    let nearest = |word: &str, candidates: &mut Vec<&str>| {
        candidates
            .sort_by_key(|candidate| (strsim::damerau_levenshtein(word, candidate), *candidate));
        let shown: Vec<&str> = candidates.iter().take(12).copied().collect();
        let more = candidates.len().saturating_sub(shown.len());
        let mut list = shown.join(", ");
        if more > 0 {
            list.push_str(&format!(" and {more} more"));
        }
        list
    };
    let metric_list = |argument: &str| -> Option<String> {
        let (program, metric) = match (argument.split_once('.'), &scope.program) {
            (Some((program, metric)), _) => (program.to_string(), metric),
            (None, Some(program)) => (program.clone(), argument),
            (None, None) => return None,
        };
        let metrics = scope.metrics.get(&program)?;
        if metrics.iter().any(|known| known == metric) {
            return None;
        }
        let mut candidates: Vec<&str> = metrics.iter().map(String::as_str).collect();
        Some(format!(
            "the metrics of {program}, nearest first: {}",
            nearest(metric, &mut candidates)
        ))
    };
    match name {
        "chart" => {
            let titles: Vec<String> = scope
                .program
                .as_ref()
                .and_then(|program| scope.chart_blocks.get(program))
                .map(|blocks| {
                    blocks
                        .iter()
                        .map(|(_, title)| format!("\"{title}\""))
                        .collect()
                })
                .unwrap_or_default();
            let metrics = arguments.iter().find_map(|argument| metric_list(argument));
            let titles = if scope.program.is_none() {
                String::new()
            } else if titles.is_empty() {
                "this program's deck has no chart titles; ".to_string()
            } else {
                format!("the deck's chart titles are {}; ", titles.join(", "))
            };
            match metrics {
                Some(metrics) => format!("{titles}chart() takes 1 to 3 metric ids: {metrics}"),
                None => format!("{titles}chart() takes a deck chart's title or 1 to 3 metric ids"),
            }
        }
        "value" | "delta" | "status" | "annotations" => {
            match arguments.first().and_then(|argument| metric_list(argument)) {
                Some(metrics) => metrics,
                None => "see the README's list of narrative calls (\"Narratives\")".to_string(),
            }
        }
        "table" => {
            let mut programs: Vec<&str> = scope.metrics.keys().map(String::as_str).collect();
            let program = arguments.first().map_or("", String::as_str);
            format!("the programs are {}", nearest(program, &mut programs))
        }
        _ => format!(
            "the calls are {}",
            CALLS.map(|call| format!("{call}()")).join(", ")
        ),
    }
}

/// Like [`expand_calls`], but every bad call of the narrative is reported,
/// each with its line and column.
pub fn expand_all_calls(narrative: &Narrative, scope: Scope) -> Result<Expanded, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let body: String = narrative
        .body
        .chars()
        .filter(|c| !is_token_char(*c))
        .collect();
    let code = code_ranges(&body);
    let mut next_code = 0;
    let mut expanded = String::with_capacity(body.len());
    let mut calls = Vec::new();
    let mut removed_newlines = Vec::new();
    let mut removed = 0;
    // Lines are counted as the scan goes, once over the text.
    let mut line = narrative.body_line;
    let mut counted = 0;
    let mut position = 0;
    while let Some(found) = body[position..].find("{{") {
        let start = position + found;
        while code.get(next_code).is_some_and(|range| range.end <= start) {
            next_code += 1;
        }
        if let Some(range) = code.get(next_code).filter(|range| range.start <= start) {
            expanded.push_str(&body[position..range.end]);
            position = range.end;
            continue;
        }
        // `\{{` shows the braces as written.
        if body[..start].ends_with('\\') {
            expanded.push_str(&body[position..start - 1]);
            expanded.push_str("{{");
            position = start + 2;
            continue;
        }
        let Some(length) = body[start + 2..].find("}}") else {
            break;
        };
        let end = start + 2 + length + 2;
        expanded.push_str(&body[position..start]);
        line += body[counted..start].matches('\n').count();
        counted = start;
        // The column of the call's `{{`, counted in characters.
        let line_start = body[..start].rfind('\n').map_or(0, |index| index + 1);
        let column = body[line_start..start].chars().count() + 1;
        let error = |message: String, help: &str| {
            Diagnostic::new(Path::new(&narrative.path), message)
                .at(line, column)
                .with_help(help.to_string())
        };
        match parse_braces(&body[start + 2..end - 2]) {
            Braces::Text => expanded.push_str(&body[start..end]),
            Braces::Malformed(name) => {
                errors.push(error(
                    format!("`{}` is not a valid call", body[start..end].trim()),
                    &format!(
                        "write calls like {name}(\"metric_id\"), with every argument in quotes"
                    ),
                ));
                expanded.push_str(&body[start..end]);
            }
            Braces::Call(name, arguments) => {
                let call = match make_call(&name, &arguments, &scope) {
                    Ok(call) => call,
                    Err(message) => {
                        errors.push(error(message, &call_help(&name, &arguments, &scope)));
                        expanded.push_str(&body[start..end]);
                        position = end;
                        continue;
                    }
                };
                // Charts and tables are blocks: their token says so, for
                // `markdown_to_html` to keep them out of paragraphs.
                let start_char = match call {
                    Call::Chart { .. } | Call::Table { .. } | Call::Annotations { .. } => {
                        BLOCK_TOKEN_START
                    }
                    _ => TOKEN_START,
                };
                calls.push(call);
                expanded.push_str(&format!("{start_char}{}{TOKEN_END}", calls.len() - 1));
                let newlines = body[start..end].matches('\n').count();
                if newlines > 0 {
                    removed += newlines;
                    removed_newlines.push((expanded.len(), removed));
                }
            }
        }
        position = end;
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    expanded.push_str(&body[position..]);
    let newlines = expanded
        .match_indices('\n')
        .map(|(offset, _)| offset)
        .collect();
    Ok(Expanded {
        text: expanded,
        calls,
        newlines,
        removed_newlines,
    })
}

/// CommonMark with the GFM extensions narratives support.
const MARKDOWN: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_FOOTNOTES)
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_TASKLISTS)
    .union(Options::ENABLE_HEADING_ATTRIBUTES);

/// The relative link and image targets of a markdown text, with the byte
/// offset of each in `markdown` (see [`Expanded::line`]).
pub fn relative_links(markdown: &str) -> Vec<(String, usize)> {
    Parser::new_ext(markdown, MARKDOWN)
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                Some((dest_url.to_string(), range.start))
            }
            _ => None,
        })
        .filter(|(url, _)| {
            !url.is_empty() && !url.starts_with('#') && !url.starts_with("//") && !has_scheme(url)
        })
        .collect()
}

/// Where a relative `url` on the page `page` (a site path such as
/// `2026-W47/ops/index.html`) leads: a site path, or `None` when it climbs
/// out of the site.
pub fn resolve_link(page: &str, url: &str) -> Option<String> {
    let path = url.split(['#', '?']).next().unwrap_or("");
    let mut parts: Vec<&str> = page.split('/').collect();
    parts.pop();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    let mut resolved = parts.join("/");
    if path.is_empty()
        || path.ends_with('/')
        || path.ends_with("/.")
        || path == "."
        || path.ends_with("..")
    {
        if !resolved.is_empty() {
            resolved.push('/');
        }
        resolved.push_str("index.html");
    }
    Some(resolved)
}

/// A problem in a narrative's markdown, at a byte offset of the text given
/// to [`markdown_to_html`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownError {
    pub offset: usize,
    pub message: String,
    pub help: String,
}

fn markdown_error(offset: usize, message: String, help: &str) -> MarkdownError {
    MarkdownError {
        offset,
        message,
        help: help.to_string(),
    }
}

/// Renders a narrative's expanded text ([`expand_calls`]) to HTML, with
/// problems reported at the narrative's file and line.
pub fn narrative_html(
    narrative: &Narrative,
    expanded: &Expanded,
    allow_html: bool,
) -> Result<String, Diagnostic> {
    markdown_to_html(&expanded.text, allow_html).map_err(|error| {
        Diagnostic::new(Path::new(&narrative.path), error.message)
            .at_line(Some(narrative.body_line + expanded.line(error.offset) - 1))
            .with_help(error.help)
    })
}

/// The ids sitrep gives elements of the pages a narrative is shown on
/// (see `view::deck_anchors`, `chart_view`'s `dom_id`, `call_html`, the
/// default theme's templates, and the footnotes here): an author's id must
/// not take one, or a chart would be drawn into the author's heading.
pub fn is_reserved_id(id: &str) -> bool {
    const FIXED: [&str; 5] = [
        "main",
        "deck-title",
        "exceptions-title",
        "programs-title",
        "initiatives-title",
    ];
    let numbered = |prefix: &str| {
        id.strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    };
    FIXED.contains(&id)
        || ["metric-", "narrative-", "chart-narrative-", "footnote-"]
            .iter()
            .any(|prefix| id.starts_with(prefix))
        || numbered("chart-")
        || numbered("section-")
        || numbered("table-")
}

/// An image address the page may load: a relative path inside the site,
/// as a browser reads it. Anything with a scheme (any case), a leading `/`
/// (protocol-relative `//host`, or the server's root), a backslash (which
/// browsers read as `/`), whitespace or a control character (which they
/// drop) is not one. Entities are already decoded by the parser.
fn is_local_path(url: &str) -> bool {
    !url.is_empty()
        && !url.starts_with('/')
        && !url
            .chars()
            .any(|c| c == '\\' || c == ':' || c.is_whitespace() || c.is_control())
}

fn has_token(text: &str) -> bool {
    text.contains([TOKEN_START, BLOCK_TOKEN_START])
}

/// The containers a chart or table may sit in (directly in a paragraph,
/// which is then closed around it, or a list item).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Paragraph,
    Item,
    /// Block quotes, lists, footnotes.
    Block,
    /// Headings, table cells, links, emphasis, raw HTML…
    Inline,
    /// A code block: calls there show as written (`expand_calls` leaves
    /// them), so a token inside one means the markdown moved.
    Code,
}

const BLOCK_CALL_PLACE: &str =
    "chart() or table() cannot go inside a heading, table cell, link, image, emphasis or code";
const BLOCK_CALL_HELP: &str = "chart() and table() draw a block: put the call on a line of its own, with an empty line before and after it";

/// Renders CommonMark + GFM to HTML, escaping raw HTML unless
/// `allow_html`, making heading anchors and footnote ids that cannot
/// collide with sitrep's, showing remote images as links and dropping
/// unsafe link targets. Heading attributes may set an id and classes only.
/// A chart or table token ([`expand_calls`]) must sit where a block can: a
/// paragraph around it is closed before it and reopened after.
pub fn markdown_to_html(markdown: &str, allow_html: bool) -> Result<String, MarkdownError> {
    let mut events: Vec<Event> = Vec::new();
    let mut containers: Vec<Container> = Vec::new();
    let mut image_as_link = Vec::new();
    let mut explicit_ids: HashSet<String> = HashSet::new();
    let mut footnotes = Footnotes::default();
    let mut table_alignments: Vec<Alignment> = Vec::new();
    let mut in_table_head = false;
    let mut cell = 0;
    for (event, range) in Parser::new_ext(markdown, MARKDOWN).into_offset_iter() {
        let fail = |message: String, help: &str| markdown_error(range.start, message, help);
        let event = match event {
            Event::Html(html) | Event::InlineHtml(html) if !allow_html => Event::Text(html),
            other => other,
        };
        match event {
            Event::Start(tag) => {
                containers.push(match tag {
                    Tag::Paragraph => Container::Paragraph,
                    Tag::Item => Container::Item,
                    Tag::BlockQuote(_) | Tag::List(_) | Tag::FootnoteDefinition(_) => {
                        Container::Block
                    }
                    Tag::CodeBlock(_) => Container::Code,
                    _ => Container::Inline,
                });
                let event = match tag {
                    Tag::Heading {
                        level,
                        id,
                        classes,
                        attrs,
                    } => {
                        if let Some((name, _)) = attrs.first() {
                            return Err(fail(
                                format!("a heading may set only an id and classes, not `{name}`"),
                                "write `{#some-id .some-class}` after the heading, or nothing",
                            ));
                        }
                        if id.as_deref().is_some_and(has_token)
                            || classes.iter().any(|class| has_token(class))
                        {
                            return Err(fail(
                                "a heading's id and classes cannot contain a call".to_string(),
                                "write the id and classes out, e.g. `{#volume}`",
                            ));
                        }
                        if let Some(id) = &id {
                            if is_reserved_id(id) {
                                return Err(fail(
                                    format!("the heading id `{id}` is one sitrep uses for its own elements"),
                                    "choose another id: ids starting with `chart-<number>`, `table-<number>`, `section-<number>`, `metric-`, `narrative-`, `footnote-`, and `main` or `deck-title`, are sitrep's",
                                ));
                            }
                            if !explicit_ids.insert(id.to_string()) {
                                return Err(fail(
                                    format!("the heading id `{id}` is used twice"),
                                    "give each heading its own id",
                                ));
                            }
                        }
                        Event::Start(Tag::Heading {
                            level,
                            id,
                            classes,
                            attrs,
                        })
                    }
                    Tag::Link {
                        link_type,
                        dest_url,
                        title,
                        id,
                    } => {
                        check_target(&dest_url, &title).map_err(|(message, help)| fail(message, help))?;
                        Event::Start(Tag::Link {
                            link_type,
                            dest_url: safe_url(dest_url),
                            title,
                            id,
                        })
                    }
                    Tag::Image {
                        link_type,
                        dest_url,
                        title,
                        id,
                    } => {
                        check_target(&dest_url, &title).map_err(|(message, help)| fail(message, help))?;
                        // An image from anywhere but the site would make the
                        // page fetch from the network: show it as a link.
                        let remote = !is_local_path(&dest_url);
                        image_as_link.push(remote);
                        if remote {
                            Event::Start(Tag::Link {
                                link_type,
                                dest_url: safe_url(dest_url),
                                title,
                                id,
                            })
                        } else {
                            Event::Start(Tag::Image {
                                link_type,
                                dest_url,
                                title,
                                id,
                            })
                        }
                    }
                    Tag::CodeBlock(CodeBlockKind::Fenced(info)) if has_token(&info) => {
                        return Err(fail(
                            "a call ends up inside a code block here".to_string(),
                            "calls inside code show as written; check the backticks and fences around the call",
                        ))
                    }
                    Tag::FootnoteDefinition(label) => {
                        if has_token(&label) {
                            return Err(fail(
                                "a footnote label cannot contain a call".to_string(),
                                "write the label out, e.g. `[^1]`",
                            ));
                        }
                        let (number, id) = footnotes.number_and_id(&label);
                        Event::Html(CowStr::from(format!(
                            "<div class=\"footnote-definition\" id=\"{}\"><sup class=\"footnote-definition-label\">{number}</sup>",
                            escape_html(id)
                        )))
                    }
                    // Alignment becomes a class: narratives write no
                    // `style` attribute.
                    Tag::Table(alignments) => {
                        let plain = vec![Alignment::None; alignments.len()];
                        table_alignments = alignments;
                        Event::Start(Tag::Table(plain))
                    }
                    Tag::TableHead => {
                        in_table_head = true;
                        cell = 0;
                        Event::Start(Tag::TableHead)
                    }
                    Tag::TableRow => {
                        cell = 0;
                        Event::Start(Tag::TableRow)
                    }
                    Tag::TableCell => {
                        let element = if in_table_head { "th" } else { "td" };
                        let class = match table_alignments.get(cell) {
                            Some(Alignment::Left) => " class=\"align-left\"",
                            Some(Alignment::Center) => " class=\"align-center\"",
                            Some(Alignment::Right) => " class=\"align-right\"",
                            _ => "",
                        };
                        cell += 1;
                        Event::InlineHtml(CowStr::from(format!("<{element}{class}>")))
                    }
                    other => Event::Start(other),
                };
                events.push(event);
            }
            Event::End(end) => {
                containers.pop();
                // A paragraph reopened after a block that ended it.
                if end == TagEnd::Paragraph
                    && matches!(events.last(), Some(Event::Start(Tag::Paragraph)))
                {
                    events.pop();
                    continue;
                }
                events.push(match end {
                    TagEnd::Image if image_as_link.pop().unwrap_or(false) => {
                        Event::End(TagEnd::Link)
                    }
                    TagEnd::FootnoteDefinition => Event::Html(CowStr::Borrowed("</div>\n")),
                    TagEnd::TableHead => {
                        in_table_head = false;
                        Event::End(TagEnd::TableHead)
                    }
                    other => Event::End(other),
                });
            }
            Event::Text(text) if has_token(&text) => {
                let innermost_inline = containers
                    .iter()
                    .rev()
                    .find(|container| matches!(container, Container::Inline | Container::Code));
                match innermost_inline {
                    Some(Container::Code) => {
                        return Err(fail(
                            "a call ends up inside a code block here".to_string(),
                            "calls inside code show as written; check the backticks and fences around the call",
                        ))
                    }
                    Some(_) if text.contains(BLOCK_TOKEN_START) => {
                        return Err(fail(BLOCK_CALL_PLACE.to_string(), BLOCK_CALL_HELP))
                    }
                    None if containers.last() == Some(&Container::Paragraph)
                        && text.contains(BLOCK_TOKEN_START) =>
                    {
                        split_paragraph(&mut events, &text)
                    }
                    _ => events.push(Event::Text(text)),
                }
            }
            Event::Code(code) if has_token(&code) => {
                return Err(fail(
                    "a call ends up inside code here".to_string(),
                    "calls inside code show as written; check the backticks around the call",
                ))
            }
            Event::FootnoteReference(label) => {
                if has_token(&label) {
                    return Err(fail(
                        "a footnote label cannot contain a call".to_string(),
                        "write the label out, e.g. `[^1]`",
                    ));
                }
                let (number, id) = footnotes.number_and_id(&label);
                events.push(Event::InlineHtml(CowStr::from(format!(
                    "<sup class=\"footnote-reference\"><a href=\"#{}\">{number}</a></sup>",
                    escape_html(id)
                ))));
            }
            // A task's checkbox is read-only and needs a name for screen
            // readers.
            Event::TaskListMarker(done) => {
                events.push(Event::InlineHtml(CowStr::Borrowed(if done {
                    "<input disabled=\"\" type=\"checkbox\" checked=\"\" aria-label=\"Done\"/>"
                } else {
                    "<input disabled=\"\" type=\"checkbox\" aria-label=\"To do\"/>"
                })))
            }
            other => events.push(other),
        }
    }
    add_heading_anchors(&mut events, &explicit_ids);
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Ok(html)
}

/// A link or image address cannot be a call (its text would be a number
/// or a chart, never an address), nor can a title hold a chart or table.
fn check_target(dest_url: &str, title: &str) -> Result<(), (String, &'static str)> {
    if has_token(dest_url) {
        return Err((
            "a call cannot be a link's or image's address".to_string(),
            "write the address out; a call may go in the link's text instead",
        ));
    }
    if title.contains(BLOCK_TOKEN_START) {
        return Err((BLOCK_CALL_PLACE.to_string(), BLOCK_CALL_HELP));
    }
    Ok(())
}

/// Text with a chart or table token, directly in a paragraph: the
/// paragraph is closed before each such token and reopened after it, so a
/// block never sits inside `<p>` (empty paragraphs left over are dropped).
fn split_paragraph<'a>(events: &mut Vec<Event<'a>>, text: &str) {
    let mut rest = text;
    while let Some(start) = rest.find(BLOCK_TOKEN_START) {
        let length = rest[start..]
            .find(TOKEN_END)
            .map_or(rest.len() - start, |end| end + TOKEN_END.len_utf8());
        push_text(events, &rest[..start]);
        if matches!(events.last(), Some(Event::Start(Tag::Paragraph))) {
            events.pop();
        } else {
            events.push(Event::End(TagEnd::Paragraph));
        }
        events.push(Event::Html(CowStr::from(format!(
            "{}\n",
            &rest[start..start + length]
        ))));
        events.push(Event::Start(Tag::Paragraph));
        rest = &rest[start + length..];
    }
    push_text(events, rest);
}

fn push_text(events: &mut Vec<Event>, text: &str) {
    if !text.is_empty() {
        events.push(Event::Text(CowStr::from(text.to_string())));
    }
}

/// Footnote numbers (by first mention, as pulldown-cmark numbers them) and
/// ids: `footnote-` and the label's slug, so a label cannot take a heading's
/// or sitrep's id.
#[derive(Default)]
struct Footnotes {
    by_label: HashMap<String, (usize, String)>,
    ids: HashSet<String>,
}

impl Footnotes {
    fn number_and_id(&mut self, label: &str) -> (usize, &str) {
        if !self.by_label.contains_key(label) {
            let base = format!("footnote-{}", slug(label));
            let mut id = base.clone();
            let mut counter = 1;
            while !self.ids.insert(id.clone()) {
                counter += 1;
                id = format!("{base}-{counter}");
            }
            let number = self.by_label.len() + 1;
            self.by_label.insert(label.to_string(), (number, id));
        }
        let (number, id) = &self.by_label[label];
        (*number, id)
    }
}

fn has_scheme(url: &str) -> bool {
    let scheme_end = url.find(':');
    let path_start = url.find(['/', '?', '#']);
    match (scheme_end, path_start) {
        (Some(colon), Some(slash)) => colon < slash,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Keeps relative links, anchors and http(s)/mailto; anything else
/// (`javascript:`, `data:`, …) becomes `#`.
fn safe_url(url: CowStr) -> CowStr {
    if !has_scheme(&url) {
        return url;
    }
    let lower = url.trim_start().to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
    {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

/// Gives every heading without an explicit `{#id}` an id from its text
/// (calls left out), unique on the page: not an explicit id, not a footnote's
/// and not sitrep's (such a slug gets `h-` in front).
fn add_heading_anchors(events: &mut [Event], explicit_ids: &HashSet<String>) {
    let mut used: HashSet<String> = explicit_ids.clone();
    // The next number to try for each slug, so that many equal headings
    // take linear time.
    let mut next_number: HashMap<String, usize> = HashMap::new();
    for index in 0..events.len() {
        let Event::Start(Tag::Heading { id: None, .. }) = &events[index] else {
            continue;
        };
        let mut text = String::new();
        for event in &events[index + 1..] {
            match event {
                Event::End(TagEnd::Heading(_)) => break,
                Event::Text(part) | Event::Code(part) => text.push_str(part),
                _ => {}
            }
        }
        let mut base = slug(&without_tokens(&text));
        if is_reserved_id(&base) {
            base = format!("h-{base}");
        }
        let mut candidate = base.clone();
        let counter = next_number.entry(base.clone()).or_insert(1);
        while !used.insert(candidate.clone()) {
            *counter += 1;
            candidate = format!("{base}-{counter}");
        }
        if let Event::Start(Tag::Heading { id, .. }) = &mut events[index] {
            *id = Some(CowStr::from(candidate));
        }
    }
}

/// `text` with its call tokens removed.
fn without_tokens(text: &str) -> String {
    let mut kept = String::with_capacity(text.len());
    let mut in_token = false;
    for c in text.chars() {
        match c {
            TOKEN_START | BLOCK_TOKEN_START => in_token = true,
            TOKEN_END => in_token = false,
            c if !in_token => kept.push(c),
            _ => {}
        }
    }
    kept
}

/// `What happened?` → `what-happened`.
pub fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() {
            slug.extend(c.to_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "section".to_string()
    } else {
        slug
    }
}

/// Puts each call's HTML where its token is. A token inside a tag (an
/// image's alt text, a link title) gets the call's text only, escaped for
/// an attribute, so the call's markup cannot break out of the attribute.
/// Charts and tables are already outside paragraphs ([`markdown_to_html`]).
pub fn fill_tokens(html: &str, fragments: &[String]) -> String {
    let mut output =
        String::with_capacity(html.len() + fragments.iter().map(String::len).sum::<usize>());
    let mut rest = html;
    // Whether the text written so far ends inside a tag: pulldown-cmark
    // escapes `<` and `>` in text and attribute values, so a raw `<` or `>`
    // is markup.
    let mut in_tag = false;
    while let Some(start) = rest.find([TOKEN_START, BLOCK_TOKEN_START]) {
        let Some(length) = rest[start..].find(TOKEN_END) else {
            break;
        };
        // Both start characters are three bytes long.
        let number: Option<usize> = rest[start + TOKEN_START.len_utf8()..start + length]
            .parse()
            .ok();
        let fragment = number
            .and_then(|number| fragments.get(number))
            .map_or("", String::as_str);
        let before = &rest[..start];
        let after = &rest[start + length + TOKEN_END.len_utf8()..];
        if let Some(last) = before.rfind(['<', '>']) {
            in_tag = before[last..].starts_with('<');
        }
        output.push_str(before);
        if in_tag {
            output.push_str(&attribute_text(fragment));
        } else {
            output.push_str(fragment);
        }
        rest = after;
    }
    // A token cut apart would leave its characters: never shown.
    output.extend(rest.chars().filter(|c| !is_token_char(*c)));
    output
}

/// The text of an HTML fragment (tags and script contents dropped, spaces
/// collapsed), safe inside a quoted attribute value.
fn attribute_text(fragment: &str) -> String {
    let mut text = String::new();
    let mut rest = fragment;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let tag = &rest[open..];
        let skip_to = if tag.starts_with("<script") {
            tag.find("</script>").map(|end| end + "</script>".len())
        } else {
            tag.find('>').map(|end| end + 1)
        };
        rest = &tag[skip_to.unwrap_or(tag.len())..];
        text.push(' ');
    }
    text.push_str(rest);
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .join(" ")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 8);
    push_escaped(&mut escaped, text);
    escaped
}

/// Appends `text` to `escaped`, escaped as [`escape_html`] does (without a
/// string of its own: tables write thousands of cells).
pub fn push_escaped(escaped: &mut String, text: &str) {
    let mut clean = 0;
    // The five characters are ASCII, so byte positions are char boundaries.
    for (position, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        escaped.push_str(&text[clean..position]);
        escaped.push_str(entity);
        clean = position + 1;
    }
    escaped.push_str(&text[clean..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escaping_replaces_the_five_characters_and_keeps_the_rest() {
        assert_eq!(escape_html(""), "");
        assert_eq!(escape_html("plain – text ✓"), "plain – text ✓");
        assert_eq!(
            escape_html("<a href=\"x\">Tom & Jerry's</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
        );
        assert_eq!(escape_html("é<é>é"), "é&lt;é&gt;é");
        assert_eq!(escape_html("&&"), "&amp;&amp;");
    }
    use crate::load::narrative::FrontMatter;

    fn narrative(body: &str) -> Narrative {
        Narrative {
            path: "content/reviews/2026-W47/incidents.md".to_string(),
            program: Some("incidents".to_string()),
            front_matter: FrontMatter::default(),
            body: body.to_string(),
            body_line: 5,
        }
    }

    fn scope() -> Scope {
        Scope {
            program: Some("incidents".to_string()),
            metrics: HashMap::from([
                (
                    "incidents".to_string(),
                    vec!["reported".to_string(), "backlog".to_string()],
                ),
                ("fraud".to_string(), vec!["chargebacks".to_string()]),
            ]),
            chart_blocks: HashMap::from([(
                "incidents".to_string(),
                vec![(2, "Volume".to_string())],
            )]),
        }
    }

    #[test]
    fn calls_are_recorded_in_order() {
        let Expanded { text, calls, .. } = expand_calls(
            &narrative("A {{ value(\"reported\") }} B {{ delta(\"fraud.chargebacks\", \"yoy\") }} {{ chart(\"Volume\") }} {{ table(\"fraud\", \"6w\") }}"),
            scope(),
        )
        .unwrap();
        assert_eq!(
            text,
            "A \u{E000}0\u{E001} B \u{E000}1\u{E001} \u{E002}2\u{E001} \u{E002}3\u{E001}"
        );
        assert_eq!(
            calls,
            vec![
                Call::Value {
                    metric: MetricRef {
                        program: "incidents".into(),
                        metric: "reported".into()
                    },
                    kind: "last_week".into()
                },
                Call::Delta {
                    metric: MetricRef {
                        program: "fraud".into(),
                        metric: "chargebacks".into()
                    },
                    kind: "yoy".into()
                },
                Call::Chart {
                    program: "incidents".into(),
                    block: Some(2),
                    metrics: vec![]
                },
                Call::Table {
                    program: "fraud".into(),
                    period: "6w".into()
                },
            ]
        );
    }

    #[test]
    fn an_unknown_metric_is_an_error_at_its_line() {
        let error = expand_calls(
            &narrative("line one\n\nsee {{ value(\"reportd\") }}\n"),
            scope(),
        )
        .unwrap_err();
        // Body line 3, the body starting on file line 5: line 7.
        assert_eq!(error.line, Some(7));
        assert_eq!(
            error.path,
            Path::new("content/reviews/2026-W47/incidents.md")
        );
        assert!(
            error
                .message
                .contains("program `incidents` has no metric `reportd` (did you mean `reported`?)"),
            "{}",
            error.message
        );
    }

    #[test]
    fn every_bad_call_is_reported_with_its_column_and_the_choices() {
        let errors = expand_all_calls(
            &narrative(
                "a {{ value(\"reportd\") }}\n  {{ chart(\"Volumes\") }} {{ value(\"x\") }}\n",
            ),
            scope(),
        )
        .unwrap_err();
        // Body lines 1 and 2 are file lines 5 and 6; the third call starts
        // after 2 spaces, the 22 characters of the chart call and a space.
        let places: Vec<_> = errors
            .iter()
            .map(|error| (error.line, error.column))
            .collect();
        assert_eq!(
            places,
            [(Some(5), Some(3)), (Some(6), Some(3)), (Some(6), Some(26))]
        );
        assert_eq!(
            errors[0].help.as_deref(),
            Some("the metrics of incidents, nearest first: reported, backlog")
        );
        assert_eq!(
            errors[1].help.as_deref(),
            Some("the deck's chart titles are \"Volume\"; chart() takes 1 to 3 metric ids: the metrics of incidents, nearest first: backlog, reported")
        );
    }

    #[test]
    fn bad_arguments_and_syntax_are_errors() {
        let error =
            expand_calls(&narrative("{{ delta(\"reported\", \"weekly\") }}"), scope()).unwrap_err();
        assert!(error.message.contains("delta() takes"), "{}", error.message);
        let error = expand_calls(&narrative("\n{{ value(reported) }}"), scope()).unwrap_err();
        assert_eq!(error.line, Some(6));
        assert!(
            error.message.contains("is not a valid call"),
            "{}",
            error.message
        );
        let error = expand_calls(&narrative("{{ valeu(\"reported\") }}"), scope()).unwrap_err();
        assert!(
            error.message.contains("did you mean `value()`"),
            "{}",
            error.message
        );
        let error =
            expand_calls(&narrative("{{ status(\"reported\", \"x\") }}"), scope()).unwrap_err();
        assert!(
            error
                .message
                .contains("status() takes one metric, got 2 arguments"),
            "{}",
            error.message
        );
        let mut executive = scope();
        executive.program = None;
        let error = expand_calls(&narrative("{{ value(\"reported\") }}"), executive).unwrap_err();
        assert!(
            error.message.contains("\"incidents.reported\""),
            "{}",
            error.message
        );
    }

    #[test]
    fn other_template_syntax_is_shown_as_written() {
        let text = "{{ 7*7 }} {% if true %}X{% endif %} {{ secret }} {{ value(\"reported\") ";
        let Expanded {
            text: expanded,
            calls,
            ..
        } = expand_calls(&narrative(text), scope()).unwrap();
        assert_eq!(expanded, text);
        assert!(calls.is_empty());
    }

    #[test]
    fn arguments_may_use_either_quote_and_escapes() {
        assert_eq!(
            parse_braces(" value( 'a' , \"b\\\"c\" ) "),
            Braces::Call("value".into(), vec!["a".into(), "b\"c".into()])
        );
        assert_eq!(
            parse_braces("chart()"),
            Braces::Call("chart".into(), vec![])
        );
        assert_eq!(
            parse_braces("value(\"a\",)"),
            Braces::Malformed("value".into())
        );
        assert_eq!(
            parse_braces("value(\"a)"),
            Braces::Malformed("value".into())
        );
        assert_eq!(parse_braces("7*7"), Braces::Text);
        assert_eq!(parse_braces("user.name"), Braces::Text);
    }

    #[test]
    fn a_backslash_shows_a_call_as_written() {
        let Expanded {
            text: expanded,
            calls,
            ..
        } = expand_calls(&narrative("write \\{{ value(\"m\") }} to show m"), scope()).unwrap();
        assert_eq!(expanded, "write {{ value(\"m\") }} to show m");
        assert!(calls.is_empty());
    }

    #[test]
    fn forged_tokens_are_stripped() {
        let Expanded { text, calls, .. } =
            expand_calls(&narrative("x\u{E000}0\u{E001}y"), scope()).unwrap();
        assert_eq!(text, "x0y");
        assert!(calls.is_empty());
    }

    #[test]
    fn markdown_escapes_raw_html_and_unsafe_links() {
        let html = markdown_to_html("<script>alert(1)</script>\n\n[x](javascript:alert(1)) [y](https://example.org) [z](../other/index.html)\n", false).unwrap();
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("<a href=\"#\">x</a>"), "{html}");
        assert!(html.contains("<a href=\"https://example.org\">y</a>"));
        assert!(html.contains("<a href=\"../other/index.html\">z</a>"));
        assert!(markdown_to_html("<b>bold</b>", true)
            .unwrap()
            .contains("<b>bold</b>"));
    }

    #[test]
    fn remote_images_become_links() {
        let html = markdown_to_html(
            "![chart](https://example.org/x.png) ![local](img/x.png)",
            false,
        )
        .unwrap();
        assert!(
            html.contains("<a href=\"https://example.org/x.png\">chart</a>"),
            "{html}"
        );
        assert!(
            html.contains("<img src=\"img/x.png\" alt=\"local\""),
            "{html}"
        );
    }

    #[test]
    fn gfm_features_and_heading_anchors() {
        let html = markdown_to_html("## What happened?\n\n## What happened?\n\n- [x] done\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ text[^1]\n\n[^1]: note\n", false).unwrap();
        assert!(html.contains("<h2 id=\"what-happened\">"), "{html}");
        assert!(html.contains("<h2 id=\"what-happened-2\">"), "{html}");
        assert!(
            html.contains(
                "<input disabled=\"\" type=\"checkbox\" checked=\"\" aria-label=\"Done\"/>"
            ),
            "{html}"
        );
        assert!(html.contains("<table>"));
        assert!(html.contains("<del>old</del>"));
        assert!(html.contains("footnote"));
    }

    #[test]
    fn tokens_fill_inline_and_block() {
        let html = markdown_to_html(
            "\u{E002}0\u{E001}\n\nvalue \u{E000}1\u{E001}.\n\nbefore \u{E002}0\u{E001} after\n\n> \u{E002}0\u{E001}\n",
            false,
        )
        .unwrap();
        let filled = fill_tokens(
            &html,
            &[
                "<figure>c</figure>".to_string(),
                "<span>9</span>".to_string(),
            ],
        );
        assert_eq!(
            filled,
            "<figure>c</figure>\n<p>value <span>9</span>.</p>\n<p>before </p>\n<figure>c</figure>\n<p> after</p>\n<blockquote>\n<figure>c</figure>\n</blockquote>\n"
        );
        // Stray token characters never show.
        assert_eq!(fill_tokens("a\u{E001}b\u{E000}c", &[]), "abc");
    }

    #[test]
    fn tokens_inside_tags_get_text_only() {
        let html = markdown_to_html(
            "![a \u{E000}0\u{E001}](x.png) [l](y.html \"t \u{E000}1\u{E001}\")\n\n## H \u{E000}0\u{E001}\n\n\u{E000}0\u{E001}\n",
            false,
        )
        .unwrap();
        let filled = fill_tokens(
            &html,
            &[
                "<span class=\"num\">1,234</span>".to_string(),
                "<figure id=\"c\"><script type=\"application/json\">{\"a\":\"b\"}</script><p>It's 5</p></figure>".to_string(),
            ],
        );
        assert!(filled.contains("alt=\"a 1,234\""), "{filled}");
        assert!(filled.contains("title=\"t It&#39;s 5\""), "{filled}");
        // The call is left out of the heading's id.
        assert!(
            filled.contains("<h2 id=\"h\">H <span class=\"num\">1,234</span></h2>"),
            "{filled}"
        );
        assert!(
            filled.contains("<p><span class=\"num\">1,234</span></p>"),
            "{filled}"
        );
    }

    /// The error's message and the line it is on.
    fn markdown_problem(markdown: &str) -> (String, usize) {
        let error = markdown_to_html(markdown, false).unwrap_err();
        let line = markdown[..error.offset].matches('\n').count() + 1;
        (error.message, line)
    }

    #[test]
    fn heading_attributes_are_an_id_and_classes_only() {
        let (message, line) =
            markdown_problem("x\n\n## Hi {onfocus=document.title=1 tabindex=0 autofocus}\n");
        assert_eq!(line, 3);
        assert!(message.contains("not `onfocus`"), "{message}");
        let (message, _) = markdown_problem("## Hi {style=background-image:url(//h/b.png)}\n");
        assert!(message.contains("not `style`"), "{message}");
        let html = markdown_to_html("## Hi {#intro .a .b}\n", false).unwrap();
        assert_eq!(html, "<h2 id=\"intro\" class=\"a b\">Hi</h2>\n");
        let (message, _) = markdown_problem("## H {#h\u{E000}0\u{E001}}\n");
        assert!(message.contains("cannot contain a call"), "{message}");
    }

    #[test]
    fn author_ids_stay_clear_of_sitreps() {
        for id in [
            "chart-1",
            "chart-2-title",
            "chart-narrative-ops-1",
            "narrative-ops-1",
            "metric-tickets",
            "section-3",
            "table-4",
            "footnote-1",
            "main",
            "deck-title",
        ] {
            assert!(is_reserved_id(id), "{id}");
            let (message, line) = markdown_problem(&format!("a\n\n# x {{#{id}}}\n"));
            assert_eq!(line, 3, "{id}");
            assert!(message.contains(&format!("`{id}`")), "{message}");
        }
        for id in ["chart", "charts", "table-of-contents", "sections", "intro"] {
            assert!(!is_reserved_id(id), "{id}");
        }
        let (message, line) = markdown_problem("# a {#x}\n\n# b {#x}\n");
        assert_eq!(line, 3);
        assert!(message.contains("used twice"), "{message}");
        let html = markdown_to_html(
            "# Chart 1\n\n# Same\n\n# Same\n\n# x {#same-2}\n\nNote[^chart-1][^a b][^a-b].\n\n[^chart-1]: One.\n[^a b]: Two.\n[^a-b]: Three.\n",
            false,
        )
        .unwrap();
        for expected in [
            "<h1 id=\"h-chart-1\">",
            "<h1 id=\"same\">",
            "<h1 id=\"same-3\">",
            "<h1 id=\"same-2\">",
            "<a href=\"#footnote-chart-1\">1</a>",
            "<a href=\"#footnote-a-b\">2</a>",
            "<a href=\"#footnote-a-b-2\">3</a>",
            "<div class=\"footnote-definition\" id=\"footnote-chart-1\"><sup class=\"footnote-definition-label\">1</sup>",
            "id=\"footnote-a-b-2\"><sup class=\"footnote-definition-label\">3</sup>",
        ] {
            assert!(html.contains(expected), "{expected} in {html}");
        }
    }

    #[test]
    fn images_load_only_from_inside_the_site() {
        for url in [
            "//127.0.0.2:9/t.png",
            "<//h/t.png>",
            "&#47;&#47;h/t.png",
            "\\\\h\\x.png",
            "/\\h/x.png",
            "https:/\\h/x.png",
            "HtTpS://h/x.png",
            "<\u{1}//h/x.png>",
            "< //h/x.png>",
            "/root.png",
            "data:image/png;base64,AA",
            "",
        ] {
            let html = markdown_to_html(&format!("![x]({url})"), false).unwrap();
            assert!(!html.contains("<img"), "{url}: {html}");
        }
        for url in ["x.png", "../img/x.png", "a%2F%2Fb.png", "a/b.png?v=1#x"] {
            let html = markdown_to_html(&format!("![x]({url})"), false).unwrap();
            assert!(html.contains("<img src="), "{url}: {html}");
        }
    }

    #[test]
    fn calls_in_code_show_as_written() {
        let text = "`{{ value(\"reported\") }}` `{{ valeu(\"x\") }}`\n\n```\n{{ chart(\"nothing\") }}\n```\n\n    {{ table(\"x\") }}\n\nand {{ value(\"reported\") }}\n";
        let Expanded {
            text: expanded,
            calls,
            ..
        } = expand_calls(&narrative(text), scope()).unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(
            expanded,
            text.replace("and {{ value(\"reported\") }}", "and \u{E000}0\u{E001}")
        );
        // A token that still ends up in code (the markdown moved) is an
        // error, never a placeholder.
        let (message, _) = markdown_problem("`\u{E000}0\u{E001}`");
        assert!(message.contains("inside code"), "{message}");
        let (message, _) = markdown_problem("```\n\u{E000}0\u{E001}\n```\n");
        assert!(message.contains("inside a code block"), "{message}");
    }

    #[test]
    fn calls_cannot_be_addresses_and_blocks_stay_blocks() {
        for (markdown, line) in [
            ("x\n\n[x](\u{E000}0\u{E001})", 3),
            ("![x](a\u{E000}0\u{E001}.png)", 1),
        ] {
            let (message, at) = markdown_problem(markdown);
            assert_eq!(at, line);
            assert!(message.contains("address"), "{message}");
        }
        for markdown in [
            "## Look \u{E002}0\u{E001}",
            "| a |\n|---|\n| \u{E002}0\u{E001} |",
            "[\u{E002}0\u{E001}](x.html)",
            "*\u{E002}0\u{E001}*",
            "![\u{E002}0\u{E001}](x.png)",
            "[l](x.html \"\u{E002}0\u{E001}\")",
            "[^\u{E000}0\u{E001}]\n\n[^\u{E000}0\u{E001}]: x",
        ] {
            assert!(markdown_to_html(markdown, false).is_err(), "{markdown}");
        }
        // A list item may hold a block.
        let html = markdown_to_html("- \u{E002}0\u{E001}\n- b\n", false).unwrap();
        assert_eq!(
            html,
            "<ul>\n<li>\u{E002}0\u{E001}</li>\n<li>b</li>\n</ul>\n"
        );
    }

    #[test]
    fn lines_count_calls_written_over_several_lines() {
        let Expanded { text, .. } = expand_calls(
            &narrative("a\n{{ value(\n\"reported\"\n) }} b\nc [x](y)\n"),
            scope(),
        )
        .unwrap();
        let expanded = expand_calls(
            &narrative("a\n{{ value(\n\"reported\"\n) }} b\nc [x](y)\n"),
            scope(),
        )
        .unwrap();
        assert_eq!(text, "a\n\u{E000}0\u{E001} b\nc [x](y)\n");
        assert_eq!(expanded.line(0), 1);
        assert_eq!(expanded.line(text.find('b').unwrap()), 4);
        assert_eq!(expanded.line(text.find('[').unwrap()), 5);
    }

    #[test]
    fn table_alignment_is_a_class() {
        let html = markdown_to_html(
            "| a | b | c | d |\n|:--|:-:|--:|---|\n| 1 | 2 | 3 | 4 |\n",
            false,
        )
        .unwrap();
        assert!(!html.contains("style="), "{html}");
        assert!(html.contains("<tr><th class=\"align-left\">a</th><th class=\"align-center\">b</th><th class=\"align-right\">c</th><th>d</th></tr>"), "{html}");
        assert!(html.contains("<tr><td class=\"align-left\">1</td><td class=\"align-center\">2</td><td class=\"align-right\">3</td><td>4</td></tr>"), "{html}");
    }

    #[test]
    fn relative_links_are_found_and_resolved() {
        let links = relative_links(
            "[a](../ops/index.html)\n\n[b](https://x.org) [c](#top)\n![d](img/x.png) [e](./)",
        );
        assert_eq!(
            links,
            [
                ("../ops/index.html".to_string(), 0),
                ("img/x.png".to_string(), 53),
                ("./".to_string(), 69)
            ]
        );
        assert_eq!(
            resolve_link("2026-W47/ops/index.html", "../fraud/index.html#x").as_deref(),
            Some("2026-W47/fraud/index.html")
        );
        assert_eq!(
            resolve_link("2026-W47/index.html", "ops/").as_deref(),
            Some("2026-W47/ops/index.html")
        );
        assert_eq!(
            resolve_link("2026-W47/index.html", "../2026-W46/").as_deref(),
            Some("2026-W46/index.html")
        );
        assert_eq!(
            resolve_link("2026-W47/index.html", "..").as_deref(),
            Some("index.html")
        );
        assert_eq!(resolve_link("2026-W47/index.html", "../../x"), None);
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("What happened?"), "what-happened");
        assert_eq!(slug("Asks & next steps"), "asks-next-steps");
        assert_eq!(slug("???"), "section");
    }
}

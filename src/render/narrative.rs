//! Narratives: markdown with live numbers. Calls such as
//! `{{ value("frt_p90") }}` are checked and recorded while the template
//! runs, the markdown is rendered with raw HTML escaped, and the recorded
//! calls are then replaced by their HTML.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use minijinja::ErrorKind;
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

use crate::error::{closest, Diagnostic};
use crate::load::narrative::Narrative;

/// Marks where a call's HTML goes; stripped from user text beforehand, so
/// no input can forge one.
const TOKEN_START: char = '\u{E000}';
const TOKEN_END: char = '\u{E001}';

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
pub const CALLS: [&str; 5] = ["value", "delta", "status", "chart", "table"];

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

/// Finds the narrative's calls, `{{ name("argument", …) }}`: returns the
/// text with a token per call, and the calls. Only these calls run;
/// anything else between braces (`{{ 7*7 }}`, `{% … %}`) is shown as
/// written, so no text can execute template code.
pub fn expand_calls(
    narrative: &Narrative,
    scope: Scope,
) -> Result<(String, Vec<Call>), Diagnostic> {
    let body: String = narrative
        .body
        .chars()
        .filter(|c| *c != TOKEN_START && *c != TOKEN_END)
        .collect();
    let mut expanded = String::with_capacity(body.len());
    let mut calls = Vec::new();
    let mut position = 0;
    while let Some(found) = body[position..].find("{{") {
        let start = position + found;
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
        let line = narrative.body_line + body[..start].matches('\n').count();
        let error = |message: String, help: &str| {
            Diagnostic::new(Path::new(&narrative.path), message)
                .at_line(Some(line))
                .with_help(help.to_string())
        };
        match parse_braces(&body[start + 2..end - 2]) {
            Braces::Text => expanded.push_str(&body[start..end]),
            Braces::Malformed(name) => {
                return Err(error(
                    format!("`{}` is not a valid call", body[start..end].trim()),
                    &format!(
                        "write calls like {name}(\"metric_id\"), with every argument in quotes"
                    ),
                ))
            }
            Braces::Call(name, arguments) => {
                let call = make_call(&name, &arguments, &scope).map_err(|message| {
                    error(message, "see the README's list of narrative calls")
                })?;
                calls.push(call);
                expanded.push_str(&format!("{TOKEN_START}{}{TOKEN_END}", calls.len() - 1));
            }
        }
        position = end;
    }
    expanded.push_str(&body[position..]);
    Ok((expanded, calls))
}

/// CommonMark with the GFM extensions narratives support.
const MARKDOWN: Options = Options::ENABLE_TABLES
    .union(Options::ENABLE_FOOTNOTES)
    .union(Options::ENABLE_STRIKETHROUGH)
    .union(Options::ENABLE_TASKLISTS)
    .union(Options::ENABLE_HEADING_ATTRIBUTES);

/// The relative link and image targets of a markdown text, with the
/// 1-based line of each (within `markdown`).
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
        .map(|(url, offset)| (url, markdown[..offset].matches('\n').count() + 1))
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

/// Renders CommonMark + GFM to HTML, escaping raw HTML unless
/// `allow_html`, making heading anchors, and dropping unsafe link targets.
pub fn markdown_to_html(markdown: &str, allow_html: bool) -> String {
    let mut events: Vec<Event> = Vec::new();
    let mut image_as_link = Vec::new();
    for event in Parser::new_ext(markdown, MARKDOWN) {
        let event = match event {
            Event::Html(html) | Event::InlineHtml(html) if !allow_html => Event::Text(html),
            // A task's checkbox is read-only and needs a name for screen
            // readers.
            Event::TaskListMarker(done) => Event::InlineHtml(CowStr::Borrowed(if done {
                "<input disabled=\"\" type=\"checkbox\" checked=\"\" aria-label=\"Done\"/>"
            } else {
                "<input disabled=\"\" type=\"checkbox\" aria-label=\"To do\"/>"
            })),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: safe_url(dest_url),
                title,
                id,
            }),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                // A remote image would make the page fetch from the network:
                // show it as a link instead.
                let remote = has_scheme(&dest_url);
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
                        dest_url: safe_url(dest_url),
                        title,
                        id,
                    })
                }
            }
            Event::End(TagEnd::Image) => {
                if image_as_link.pop().unwrap_or(false) {
                    Event::End(TagEnd::Link)
                } else {
                    Event::End(TagEnd::Image)
                }
            }
            other => other,
        };
        events.push(event);
    }
    add_heading_anchors(&mut events);
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
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

/// Gives every heading without an explicit `{#id}` an id from its text.
fn add_heading_anchors(events: &mut [Event]) {
    let mut used: HashSet<String> = HashSet::new();
    for index in 0..events.len() {
        let Event::Start(Tag::Heading { id, .. }) = &events[index] else {
            continue;
        };
        if let Some(id) = id {
            used.insert(id.to_string());
            continue;
        }
        let mut text = String::new();
        for event in &events[index + 1..] {
            match event {
                Event::End(TagEnd::Heading(_)) => break,
                Event::Text(part) | Event::Code(part) => text.push_str(part),
                _ => {}
            }
        }
        let base = slug(&text);
        let mut candidate = base.clone();
        let mut counter = 1;
        while !used.insert(candidate.clone()) {
            counter += 1;
            candidate = format!("{base}-{counter}");
        }
        if let Event::Start(Tag::Heading { id, .. }) = &mut events[index] {
            *id = Some(CowStr::from(candidate));
        }
    }
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

/// Puts each call's HTML where its token is; a token alone in a paragraph
/// replaces the paragraph, so block HTML (charts, tables) is not wrapped in
/// `<p>`. A token inside a tag (an image's alt text, a link title, a
/// heading's `{#id}`) gets the call's text only, escaped for an attribute,
/// so the call's markup cannot break out of the attribute.
pub fn fill_tokens(html: &str, fragments: &[String]) -> String {
    let mut output =
        String::with_capacity(html.len() + fragments.iter().map(String::len).sum::<usize>());
    let mut rest = html;
    // Whether the text written so far ends inside a tag: pulldown-cmark
    // escapes `<` and `>` in text and attribute values, so a raw `<` or `>`
    // is markup.
    let mut in_tag = false;
    while let Some(start) = rest.find(TOKEN_START) {
        let Some(length) = rest[start..].find(TOKEN_END) else {
            break;
        };
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
        if in_tag {
            output.push_str(before);
            output.push_str(&attribute_text(fragment));
            rest = after;
        } else if before.ends_with("<p>") && after.starts_with("</p>") {
            output.push_str(&before[..before.len() - 3]);
            output.push_str(fragment);
            rest = &after[4..];
        } else {
            output.push_str(before);
            output.push_str(fragment);
            rest = after;
        }
    }
    output.push_str(rest);
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
    escaped
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
        let (text, calls) = expand_calls(
            &narrative("A {{ value(\"reported\") }} B {{ delta(\"fraud.chargebacks\", \"yoy\") }} {{ chart(\"Volume\") }} {{ table(\"fraud\", \"6w\") }}"),
            scope(),
        )
        .unwrap();
        assert_eq!(
            text,
            "A \u{E000}0\u{E001} B \u{E000}1\u{E001} \u{E000}2\u{E001} \u{E000}3\u{E001}"
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
        let (expanded, calls) = expand_calls(&narrative(text), scope()).unwrap();
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
        let (expanded, calls) =
            expand_calls(&narrative("write \\{{ value(\"m\") }} to show m"), scope()).unwrap();
        assert_eq!(expanded, "write {{ value(\"m\") }} to show m");
        assert!(calls.is_empty());
    }

    #[test]
    fn forged_tokens_are_stripped() {
        let (text, calls) = expand_calls(&narrative("x\u{E000}0\u{E001}y"), scope()).unwrap();
        assert_eq!(text, "x0y");
        assert!(calls.is_empty());
    }

    #[test]
    fn markdown_escapes_raw_html_and_unsafe_links() {
        let html = markdown_to_html("<script>alert(1)</script>\n\n[x](javascript:alert(1)) [y](https://example.org) [z](../other/index.html)\n", false);
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(html.contains("<a href=\"#\">x</a>"), "{html}");
        assert!(html.contains("<a href=\"https://example.org\">y</a>"));
        assert!(html.contains("<a href=\"../other/index.html\">z</a>"));
        assert!(markdown_to_html("<b>bold</b>", true).contains("<b>bold</b>"));
    }

    #[test]
    fn remote_images_become_links() {
        let html = markdown_to_html(
            "![chart](https://example.org/x.png) ![local](img/x.png)",
            false,
        );
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
        let html = markdown_to_html("## What happened?\n\n## What happened?\n\n- [x] done\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ text[^1]\n\n[^1]: note\n", false);
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
        let html = "<p>\u{E000}0\u{E001}</p>\n<p>value \u{E000}1\u{E001}.</p>";
        let filled = fill_tokens(
            html,
            &[
                "<figure>c</figure>".to_string(),
                "<span>9</span>".to_string(),
            ],
        );
        assert_eq!(filled, "<figure>c</figure>\n<p>value <span>9</span>.</p>");
    }

    #[test]
    fn tokens_inside_tags_get_text_only() {
        let html = markdown_to_html(
            "![a \u{E000}0\u{E001}](x.png) [l](y.html \"t \u{E000}1\u{E001}\")\n\n## H {#h\u{E000}0\u{E001}}\n\n\u{E000}0\u{E001}\n",
            false,
        );
        let filled = fill_tokens(
            &html,
            &[
                "<span class=\"num\">1,234</span>".to_string(),
                "<figure id=\"c\"><script type=\"application/json\">{\"a\":\"b\"}</script><p>It's 5</p></figure>".to_string(),
            ],
        );
        assert!(filled.contains("alt=\"a 1,234\""), "{filled}");
        assert!(filled.contains("title=\"t It&#39;s 5\""), "{filled}");
        assert!(filled.contains("<h2 id=\"h1,234\">"), "{filled}");
        assert!(
            filled.contains("<span class=\"num\">1,234</span>"),
            "{filled}"
        );
    }

    #[test]
    fn relative_links_are_found_and_resolved() {
        let links = relative_links(
            "[a](../ops/index.html)\n\n[b](https://x.org) [c](#top)\n![d](img/x.png) [e](./)",
        );
        assert_eq!(
            links,
            [
                ("../ops/index.html".to_string(), 1),
                ("img/x.png".to_string(), 4),
                ("./".to_string(), 4)
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

//! Narratives: markdown with live numbers. Calls such as
//! `{{ value("frt_p90") }}` are checked and recorded while the template
//! runs, the markdown is rendered with raw HTML escaped, and the recorded
//! calls are then replaced by their HTML.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use minijinja::{Environment, ErrorKind, UndefinedBehavior};
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

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

/// Runs the narrative's template calls: returns the text with a token per
/// call, and the calls.
pub fn expand_calls(
    narrative: &Narrative,
    scope: Scope,
) -> Result<(String, Vec<Call>), Diagnostic> {
    let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
    let scope = Arc::new(scope);
    let mut environment = Environment::new();
    environment.set_undefined_behavior(UndefinedBehavior::Strict);
    environment.set_debug(true);
    // A token is returned for every call; its HTML is filled in later.
    fn record(calls: &Mutex<Vec<Call>>, call: Call) -> String {
        let mut calls = calls.lock().expect("no panics while holding the lock");
        calls.push(call);
        format!("{TOKEN_START}{}{TOKEN_END}", calls.len() - 1)
    }
    {
        let (calls, scope) = (calls.clone(), scope.clone());
        environment.add_function(
            "value",
            move |metric: String, kind: Option<String>| -> Result<String, minijinja::Error> {
                let kind = kind.unwrap_or_else(|| "last_week".to_string());
                check_kind(&kind, &VALUE_KINDS, "value")?;
                let metric = scope.resolve(&metric)?;
                Ok(record(&calls, Call::Value { metric, kind }))
            },
        );
    }
    {
        let (calls, scope) = (calls.clone(), scope.clone());
        environment.add_function(
            "delta",
            move |metric: String, kind: String| -> Result<String, minijinja::Error> {
                check_kind(&kind, &DELTA_KINDS, "delta")?;
                let metric = scope.resolve(&metric)?;
                Ok(record(&calls, Call::Delta { metric, kind }))
            },
        );
    }
    {
        let (calls, scope) = (calls.clone(), scope.clone());
        environment.add_function(
            "status",
            move |metric: String| -> Result<String, minijinja::Error> {
                let metric = scope.resolve(&metric)?;
                Ok(record(&calls, Call::Status { metric }))
            },
        );
    }
    {
        let (calls, scope) = (calls.clone(), scope.clone());
        environment.add_function(
            "chart",
            move |names: minijinja::value::Rest<String>| -> Result<String, minijinja::Error> {
                if names.is_empty() || names.len() > 3 {
                    return Err(invalid(format!(
                        "chart() takes 1 to 3 metrics (or a deck chart's title), got {}",
                        names.len()
                    )));
                }
                // A single argument may name one of the program's deck charts.
                if let (1, Some(program)) = (names.len(), &scope.program) {
                    let block = scope
                        .chart_blocks
                        .get(program)
                        .and_then(|blocks| blocks.iter().find(|(_, title)| *title == names[0]));
                    if let Some((index, _)) = block {
                        return Ok(record(
                            &calls,
                            Call::Chart {
                                program: program.clone(),
                                block: Some(*index),
                                metrics: Vec::new(),
                            },
                        ));
                    }
                }
                let metrics = names
                    .iter()
                    .map(|name| scope.resolve(name))
                    .collect::<Result<Vec<_>, _>>()?;
                let program = metrics[0].program.clone();
                if metrics.iter().any(|metric| metric.program != program) {
                    return Err(invalid(
                        "chart() draws metrics of one program only".to_string(),
                    ));
                }
                Ok(record(
                    &calls,
                    Call::Chart {
                        program,
                        block: None,
                        metrics,
                    },
                ))
            },
        );
    }
    {
        let (calls, scope) = (calls.clone(), scope.clone());
        environment.add_function(
            "table",
            move |program: String, period: String| -> Result<String, minijinja::Error> {
                check_kind(&period, &TABLE_KINDS, "table")?;
                if !scope.metrics.contains_key(&program) {
                    let suggestion = closest(&program, scope.metrics.keys().map(String::as_str));
                    return Err(invalid(format!(
                        "there is no program `{program}`{}",
                        did_you_mean(suggestion)
                    )));
                }
                Ok(record(&calls, Call::Table { program, period }))
            },
        );
    }
    let body: String = narrative
        .body
        .chars()
        .filter(|c| *c != TOKEN_START && *c != TOKEN_END)
        .collect();
    let expanded = environment
        .render_named_str(&narrative.path, &body, ())
        .map_err(|error| template_diagnostic(&error, narrative))?;
    let calls = std::mem::take(&mut *calls.lock().expect("no panics while holding the lock"));
    Ok((expanded, calls))
}

fn template_diagnostic(error: &minijinja::Error, narrative: &Narrative) -> Diagnostic {
    // The function's own message when a call was refused; minijinja's
    // otherwise (syntax errors, unknown functions).
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut message = None;
    while let Some(current) = source {
        if let Some(inner) = current.downcast_ref::<minijinja::Error>() {
            if let Some(detail) = inner.detail() {
                message = Some(detail.to_string());
            }
        }
        source = current.source();
    }
    let message = message.unwrap_or_else(|| error.kind().to_string());
    let line = error.line().map(|line| line + narrative.body_line - 1);
    let help = match error.kind() {
        ErrorKind::UnknownFunction => "the calls are value(), delta(), status(), chart() and table()",
        ErrorKind::UndefinedError => "narratives know only the calls value(), delta(), status(), chart() and table(); wrap literal braces in {% raw %}…{% endraw %}",
        ErrorKind::SyntaxError => "check the {{ … }} and {% … %} around this line; wrap literal braces in {% raw %}…{% endraw %}",
        _ => "see the README's list of narrative calls",
    };
    Diagnostic::new(Path::new(&narrative.path), message)
        .at_line(line)
        .with_help(help)
}

/// Renders CommonMark + GFM to HTML, escaping raw HTML unless
/// `allow_html`, making heading anchors, and dropping unsafe link targets.
pub fn markdown_to_html(markdown: &str, allow_html: bool) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut events: Vec<Event> = Vec::new();
    let mut image_as_link = Vec::new();
    for event in Parser::new_ext(markdown, options) {
        let event = match event {
            Event::Html(html) | Event::InlineHtml(html) if !allow_html => Event::Text(html),
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
/// `<p>`.
pub fn fill_tokens(html: &str, fragments: &[String]) -> String {
    let mut output =
        String::with_capacity(html.len() + fragments.iter().map(String::len).sum::<usize>());
    let mut rest = html;
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
        if before.ends_with("<p>") && after.starts_with("</p>") {
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

/// The level of the top heading, to tell themes whether the narrative
/// brings its own title.
pub fn has_top_heading(markdown: &str) -> bool {
    Parser::new(markdown).any(|event| {
        matches!(
            event,
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            })
        )
    })
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let error = expand_calls(&narrative("{{ value(\"reported\") "), scope()).unwrap_err();
        assert_eq!(error.line, Some(5));
        let error = expand_calls(&narrative("{{ secret }}"), scope()).unwrap_err();
        assert!(error.help.unwrap().contains("raw"));
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
        assert!(html.contains("type=\"checkbox\""));
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
    fn slugs() {
        assert_eq!(slug("What happened?"), "what-happened");
        assert_eq!(slug("Asks & next steps"), "asks-next-steps");
        assert_eq!(slug("???"), "section");
    }
}

//! Any text as a narrative: front matter, calls and markdown either render
//! or report an error with a line; nothing panics, and the HTML has no
//! `<script` from the input, no event handler (`on…=`) and no `style=`
//! attribute, loads nothing from outside the site (no `src` with a scheme,
//! a leading `/` or a backslash, and no remote image), leaves no call
//! placeholder, and uses each id once.
#![no_main]

use std::collections::{HashMap, HashSet};
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sitrep::load::narrative::parse_narrative;
use sitrep::render::narrative::{expand_calls, fill_tokens, markdown_to_html, Call, Scope};

fuzz_target!(|text: &str| {
    let Ok(narrative) = parse_narrative(
        text,
        Path::new("content/reviews/2026-W47/p.md"),
        Some("p".to_string()),
    ) else {
        return;
    };
    let scope = Scope {
        program: Some("p".to_string()),
        metrics: HashMap::from([("p".to_string(), vec!["m".to_string(), "n".to_string()])]),
        chart_blocks: HashMap::new(),
    };
    let Ok(expanded) = expand_calls(&narrative, scope) else {
        return;
    };
    if let Some(line) = (0..=expanded.text.len())
        .step_by(97)
        .map(|offset| expanded.line(offset))
        .max()
    {
        assert!(line <= narrative.body.lines().count().max(1) + 1);
    }
    let Ok(html) = markdown_to_html(&expanded.text, false) else {
        return;
    };
    // What the calls render to, with ids like sitrep's own.
    let fragments: Vec<String> = expanded
        .calls
        .iter()
        .enumerate()
        .map(|(index, call)| match call {
            Call::Chart { .. } => format!(
                "<figure id=\"narrative-p-{0}\"><h3 id=\"chart-narrative-p-{0}-title\">t</h3><div id=\"chart-narrative-p-{0}\"></div></figure>",
                index + 1
            ),
            Call::Table { .. } => "<section class=\"table-block\"><table></table></section>".to_string(),
            _ => "<span class=\"num\">1</span>".to_string(),
        })
        .collect();
    let html = fill_tokens(&html, &fragments);
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("<script"), "raw script survived: {html}");
    for token in ['\u{E000}', '\u{E001}', '\u{E002}'] {
        assert!(
            !html.contains(token),
            "a call's placeholder leaked: {html:?}"
        );
    }
    // The deck's own ids on the same page.
    let mut ids: HashSet<String> = [
        "main",
        "deck-title",
        "initiatives-title",
        "chart-1",
        "chart-1-title",
        "metric-m",
    ]
    .iter()
    .map(|id| id.to_string())
    .collect();
    for (name, attributes) in start_tags(&html) {
        for (key, value) in attributes {
            assert!(
                !key.starts_with("on"),
                "event handler `{key}` on <{name}>: {html}"
            );
            assert!(key != "style", "style attribute on <{name}>: {html}");
            if key == "src" {
                assert!(
                    is_local(&value),
                    "<{name} {key}=\"{value}\"> loads from outside the site: {html}"
                );
            }
            if key == "id" {
                assert!(
                    ids.insert(value.clone()),
                    "id `{value}` is used twice: {html}"
                );
            }
        }
    }
});

/// Every start tag as (name, [(attribute, raw value)]). Text and attribute
/// values are escaped, so a raw `<` opens markup and a raw `>` ends it.
fn start_tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        rest = &rest[end..];
        if tag.starts_with(['/', '!']) {
            continue;
        }
        let name_end = tag
            .find(|c: char| c.is_ascii_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let name = tag[..name_end].to_ascii_lowercase();
        let mut attributes = Vec::new();
        let mut text = &tag[name_end..];
        loop {
            text = text.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
            if text.is_empty() {
                break;
            }
            let key_end = text
                .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
                .unwrap_or(text.len());
            let key = text[..key_end].to_ascii_lowercase();
            text = &text[key_end..];
            let mut value = String::new();
            if let Some(after) = text.strip_prefix('=') {
                match after.chars().next() {
                    Some(quote @ ('"' | '\'')) => {
                        let close = after[1..].find(quote).map_or(after.len(), |at| at + 1);
                        value = after[1..close].to_string();
                        text = after.get(close + 1..).unwrap_or("");
                    }
                    _ => {
                        let close = after
                            .find(|c: char| c.is_ascii_whitespace())
                            .unwrap_or(after.len());
                        value = after[..close].to_string();
                        text = &after[close..];
                    }
                }
            }
            attributes.push((key, value));
        }
        tags.push((name, attributes));
    }
    tags
}

/// A relative path inside the site, as a browser reads the attribute
/// value (character references decoded): no scheme, no leading `/`
/// (protocol-relative or the server's root), no backslash, and no
/// whitespace or control character (which browsers drop).
fn is_local(value: &str) -> bool {
    let value = decode(value);
    !value.is_empty()
        && !value.starts_with('/')
        && !value.contains(['\\', ':'])
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Decodes the character references of an attribute value; an unknown
/// named one counts as a backslash, so it fails `is_local`.
fn decode(value: &str) -> String {
    let mut decoded = String::new();
    let mut rest = value;
    while let Some(start) = rest.find('&') {
        decoded.push_str(&rest[..start]);
        rest = &rest[start + 1..];
        let Some(end) = rest.find(';') else {
            decoded.push('&');
            continue;
        };
        let name = &rest[..end];
        let c = match name {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| {
                    name.strip_prefix('#')
                        .and_then(|decimal| decimal.parse().ok())
                })
                .map(|code| char::from_u32(code).unwrap_or('\\')),
        };
        decoded.push(c.unwrap_or('\\'));
        rest = &rest[end + 1..];
    }
    decoded.push_str(rest);
    decoded
}

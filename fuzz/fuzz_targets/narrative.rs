//! Any text as a narrative: front matter, calls and markdown either render
//! or report an error with a line; nothing panics, and no raw `<script`
//! from the input survives into the HTML.
#![no_main]

use std::collections::HashMap;
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sitrep::load::narrative::parse_narrative;
use sitrep::render::narrative::{expand_calls, fill_tokens, markdown_to_html, Scope};

fuzz_target!(|text: &str| {
    let Ok(narrative) = parse_narrative(text, Path::new("content/reviews/2026-W47/p.md"), Some("p".to_string())) else {
        return;
    };
    let scope = Scope {
        program: Some("p".to_string()),
        metrics: HashMap::from([("p".to_string(), vec!["m".to_string(), "n".to_string()])]),
        chart_blocks: HashMap::new(),
    };
    let Ok((expanded, calls)) = expand_calls(&narrative, scope) else {
        return;
    };
    let html = markdown_to_html(&expanded, false);
    let fragments: Vec<String> = calls.iter().map(|_| "<span>1</span>".to_string()).collect();
    let html = fill_tokens(&html, &fragments);
    assert!(!html.to_ascii_lowercase().contains("<script"), "raw script survived: {html}");
});

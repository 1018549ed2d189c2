//! The print view reuses each program page's deck markup (rendered once,
//! with slots for the ids): it holds every program's deck blocks, each id
//! after the program's id so that none repeats, without the screen-only
//! permalinks; and no input text, however much it looks like a slot, can
//! change which ids the markup gets.

#[path = "common/large_site.rs"]
#[allow(dead_code)]
mod large_site;

#[path = "common/files.rs"]
mod files;

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use files::{read, sitrep};

/// Text that looks like the slots and marks of a deck rendered once: `<`,
/// U+0001, twenty digits, and `#0>` (an id slot), `[>` / `]>` (the
/// screen-only marks), `@0>` (a page's deck or chart data); and a lone
/// U+0001.
const LOOKALIKE: &str = "<\u{1}00000000000000000000#0> <\u{1}12345678901234567890[> \u{1} #1> ]> <\u{1}00000000000000000000@0>";

/// A site of two programs, the first with a deck whose section, chart
/// title and metric name carry [`LOOKALIKE`].
fn site(root: &Path) {
    large_site::write_large_site(root, 2, 2);
    let path = root.join("content/programs/program_00.yaml");
    let yaml = fs::read_to_string(&path).unwrap();
    let yaml = yaml.replacen(
        "  cases:\n",
        &format!(
            "  cases:\n    name: \"Cases {}\"\n",
            yaml_escaped(LOOKALIKE)
        ),
        1,
    );
    let deck = format!(
        "deck:\n  - section: \"Volume {0}\"\n    text: \"Text {0}\"\n  - chart: cases\n  - chart: [resolved, within_sla]\n    title: \"Resolved {0}\"\n  - table: 6w\n    metrics: [cases, backlog]\n    title: \"Table {0}\"\n  - chart: backlog\n",
        yaml_escaped(LOOKALIKE)
    );
    fs::write(&path, format!("{yaml}{deck}")).unwrap();
}

/// `text` inside a YAML double-quoted string.
fn yaml_escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\u{1}', "\\x01")
}

/// The deck's blocks on a program page.
fn page_deck(html: &str) -> &str {
    between(
        html,
        "<h2 id=\"deck-title\">WBR deck</h2>\n",
        "</section>\n\n<section aria-labelledby=\"initiatives-title\">",
    )
}

/// The deck's blocks of `program` in the print view.
fn printed_deck<'a>(html: &'a str, program: &str) -> &'a str {
    let article = &html[html.find(&format!("id=\"print-{program}\"")).unwrap()..];
    between(
        article,
        "<section class=\"deck\"",
        "  </section>\n</article>",
    )
    .split_once(">\n")
    .unwrap()
    .1
}

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("no {start}")) + start.len();
    let to = from + html[from..].find(end).unwrap_or_else(|| panic!("no {end}"));
    &html[from..to]
}

/// Every `id="…"` of `html`.
fn ids(html: &str) -> Vec<String> {
    html.split(" id=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect()
}

/// The program page's deck as the print view should show it: each id and
/// same-page link after `program-`, without permalinks.
fn as_printed(deck: &str, program: &str) -> String {
    let mut printed = String::new();
    let mut rest = deck;
    while let Some(at) = rest.find(" <a class=\"permalink\"") {
        printed.push_str(&rest[..at]);
        rest = &rest[at + rest[at..].find("</a>").unwrap() + "</a>".len()..];
    }
    printed.push_str(rest);
    for attribute in [" id=\"", " aria-labelledby=\""] {
        printed = printed.replace(attribute, &format!("{attribute}{program}-"));
    }
    printed
}

fn build(root: &Path) -> String {
    sitrep(root)
        .env("SOURCE_DATE_EPOCH", "0")
        .args(["build", "--quiet"])
        .assert()
        .success();
    large_site::newest_week_id()
}

#[test]
fn the_print_view_holds_every_deck_with_ids_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    site(root);
    let week = build(root);
    let out = root.join("public").join(&week);
    let print = read(&out.join("print/index.html"));
    for program in ["program_00", "program_01"] {
        let page = read(&out.join(program).join("index.html"));
        let deck = page_deck(&page);
        assert!(deck.contains("<figure class=\"deck-block chart-block\""));
        assert!(deck.contains("class=\"permalink\""));
        let printed = printed_deck(&print, program);
        assert_eq!(
            printed,
            as_printed(deck, program),
            "{program}'s printed deck"
        );
        assert!(!printed.contains("class=\"permalink\""));
    }
    // The look-alike text is shown as text, escaped, everywhere it is put.
    let page = read(&out.join("program_00/index.html"));
    let escaped = LOOKALIKE.replace('<', "&lt;").replace('>', "&gt;");
    for text in ["Volume ", "Text ", "Resolved ", "Cases "] {
        assert!(
            page.contains(&format!("{text}{escaped}")),
            "{text}: the look-alike is escaped on the program page"
        );
        assert!(
            print.contains(&format!("{text}{escaped}")),
            "{text}: the look-alike is escaped in the print view"
        );
    }
    // The first program's ids: the section, three charts, the table.
    let deck_ids = ids(page_deck(&page));
    assert_eq!(
        deck_ids[..2],
        ["section-1".to_string(), "metric-cases".to_string()]
    );
    assert!(deck_ids.iter().all(|id| !id.contains('\u{1}')));
    // No id repeats in the print view.
    let mut seen = HashMap::new();
    for id in ids(&print) {
        *seen.entry(id).or_insert(0) += 1;
    }
    let repeated: Vec<_> = seen.iter().filter(|(_, count)| **count > 1).collect();
    assert!(repeated.is_empty(), "ids repeated: {repeated:?}");
    assert!(!print.contains("<\u{1}0000000000000000#0>"));
}

/// A site theme whose chart partial reads `on_paper` itself still gets it:
/// the print view's decks are then rendered apart, with `on_paper` true.
#[test]
fn a_theme_that_reads_on_paper_still_gets_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    site(root);
    let site_yaml = read(&root.join("site.yaml"));
    fs::write(root.join("site.yaml"), format!("{site_yaml}theme: paper\n")).unwrap();
    let partials = root.join("themes/paper/templates/partials");
    fs::create_dir_all(&partials).unwrap();
    fs::write(
        partials.join("chart.html"),
        "<figure id=\"{{ chart.anchor | upper }}\">{% if on_paper %}paper{% else %}screen{% endif %}</figure>\n",
    )
    .unwrap();
    let week = build(root);
    let out = root.join("public").join(&week);
    let page = read(&out.join("program_00/index.html"));
    let print = read(&out.join("print/index.html"));
    assert!(page.contains("<figure id=\"METRIC-CASES\">screen</figure>"));
    assert!(print.contains("<figure id=\"PROGRAM_00-METRIC-CASES\">paper</figure>"));
    assert!(!print.contains(">screen<"));
}

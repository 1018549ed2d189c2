//! Hostile narratives (issue 11): markdown that tries to run script, make
//! the page fetch from the network, steal sitrep's ids, leak a call's
//! placeholder or nest a chart where it cannot go, and narratives large
//! enough to expose quadratic work. Each test builds a small site in a
//! temporary folder and asserts either a clear error at the narrative's
//! file and line (with a `help:` line, exit status 1) or a safe page.

#[path = "common/files.rs"]
mod files;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use files::{sitrep, write};
use sitrep::load::narrative::parse_narrative;
use sitrep::render::narrative::{
    expand_calls, fill_tokens, markdown_to_html, relative_links, Call, Scope,
};

const WEEK: &str = "2026-W47";
const OPS: &str = "content/reviews/2026-W47/ops.md";

const PROGRAM: &str = "\
name: Operations
owner: A. Owner
metrics:
  tickets:
    name: Tickets
    column: tickets
    better: down
  solved:
    column: solved
";

/// A site with one program, `ops`, and its data from September to the
/// review week.
struct Site {
    _folder: tempfile::TempDir,
    root: PathBuf,
}

impl Site {
    fn new() -> Site {
        let folder = tempfile::tempdir().unwrap();
        let root = folder.path().join("site");
        write(&root, "site.yaml", "title: Markdown Test Site\n");
        write(&root, "content/programs/ops.yaml", PROGRAM);
        let mut csv = String::from("date,tickets,solved\n");
        let mut day: jiff::civil::Date = "2026-09-01".parse().unwrap();
        while day <= jiff::civil::date(2026, 11, 22) {
            csv.push_str(&format!("{day},{},90\n", 100 + i32::from(day.day())));
            day = day.tomorrow().unwrap();
        }
        write(&root, "data/ops.csv", &csv);
        write(
            &root,
            &format!("content/reviews/{WEEK}/index.md"),
            "Week 47.\n",
        );
        write(&root, OPS, "Ops.\n");
        Site {
            _folder: folder,
            root,
        }
    }

    fn narrative(&self, text: &str) -> &Site {
        write(&self.root, OPS, text);
        self
    }

    fn build(&self) -> Output {
        sitrep(&self.root).arg("build").output().unwrap()
    }

    /// Builds; asserts success and returns the program page.
    fn page(&self) -> String {
        let output = self.build();
        assert!(
            output.status.success(),
            "build failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read_to_string(self.root.join(format!("public/{WEEK}/ops/index.html"))).unwrap()
    }

    /// Builds; asserts an error at `ops.md:<line>` with a `help:` line, and
    /// returns stderr.
    fn rejects_at(&self, line: usize) -> String {
        let output = self.build();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(1), "should fail:\n{stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        let prefix = format!("error: {OPS}:{line}: ");
        let index = lines
            .iter()
            .position(|line| line.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no error at {OPS}:{line} in:\n{stderr}"));
        assert!(
            lines
                .get(index + 1)
                .is_some_and(|next| next.starts_with("  help: ")),
            "no help line:\n{stderr}"
        );
        stderr
    }
}

/// Every start tag of `html` as (name, [(attribute, value)]). Narrative
/// text is escaped, so each raw `<` opens markup.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if rest.starts_with("script") {
            // Chart data: JSON up to the closing tag.
            let end = rest.find("</script>").unwrap_or(rest.len());
            found.push(("script".to_string(), Vec::new()));
            rest = &rest[end..];
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        rest = &rest[end..];
        if tag.starts_with(['/', '!']) {
            continue;
        }
        let name_end = tag
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let mut attributes = Vec::new();
        let mut text = tag[name_end..].trim_start_matches(['/', ' ', '\n', '\t']);
        while !text.is_empty() {
            let key_end = text.find(['=', ' ', '/', '\n']).unwrap_or(text.len());
            let key = text[..key_end].to_ascii_lowercase();
            text = &text[key_end..];
            let mut value = String::new();
            if let Some(after) = text.strip_prefix('=') {
                let quote = after.chars().next().unwrap_or(' ');
                if quote == '"' || quote == '\'' {
                    let close = after[1..].find(quote).map_or(after.len(), |i| i + 1);
                    value = after[1..close].to_string();
                    text = after.get(close + 1..).unwrap_or("");
                } else {
                    let close = after.find([' ', '\n']).unwrap_or(after.len());
                    value = after[..close].to_string();
                    text = &after[close..];
                }
            }
            if !key.is_empty() {
                attributes.push((key, value));
            }
            text = text.trim_start_matches(['/', ' ', '\n', '\t']);
        }
        found.push((tag[..name_end].to_ascii_lowercase(), attributes));
    }
    found
}

/// The properties every page must have whatever its narrative says.
fn assert_safe(page: &str) {
    let mut ids = HashSet::new();
    for (name, attributes) in tags(page) {
        for (key, value) in &attributes {
            assert!(!key.starts_with("on"), "event handler `{key}` on <{name}>");
            assert!(key != "style", "style attribute on <{name}>: {value}");
            if key == "id" {
                assert!(ids.insert(value.clone()), "id `{value}` is used twice");
            }
            if key == "src" {
                assert!(
                    is_local(value),
                    "<{name} src=\"{value}\"> requests something outside the site"
                );
            }
        }
    }
    for token in ['\u{E000}', '\u{E001}', '\u{E002}'] {
        assert!(!page.contains(token), "a call's placeholder leaked");
    }
}

/// A relative path inside the site, as a browser would read it.
fn is_local(url: &str) -> bool {
    let url = url.replace("&amp;", "&");
    !url.is_empty()
        && !url.starts_with('/')
        && !url.contains(['\\', ':'])
        && !url.contains("&#")
        && !url.chars().any(|c| c.is_control() || c.is_whitespace())
}

#[test]
fn heading_attributes_other_than_an_id_and_classes_are_errors() {
    let site = Site::new();
    site.narrative("Fine.\n\n## Hi {onfocus=document.title=1 tabindex=0 autofocus}\n");
    let stderr = site.rejects_at(3);
    assert!(stderr.contains("`onfocus`"), "{stderr}");
    site.narrative("---\ntitle: x\n---\n## Hi {style=background-image:url(//h/b.png)}\n");
    let stderr = site.rejects_at(4);
    assert!(stderr.contains("`style`"), "{stderr}");
    // An id and classes are fine.
    let page = site.narrative("## Hi {#intro .note .wide}\n").page();
    assert!(
        page.contains("<h2 id=\"intro\" class=\"note wide\">Hi</h2>"),
        "{page}"
    );
    assert_safe(&page);
}

#[test]
fn images_never_make_the_page_fetch_from_outside_the_site() {
    let site = Site::new();
    // Each either becomes a link or, where it looks like a relative path,
    // is an error of its own (it leads to no page of the site).
    for url in [
        "//127.0.0.2:9/t.png",
        "<//127.0.0.2:9/t.png>",
        "&#47;&#47;127.0.0.2:9/t.png",
        "&#x2F;/127.0.0.2:9/t.png",
        "HtTpS://h/x.png",
        "https:/\\h/x.png",
        "https:h/x.png",
        "<\u{1}//h/x.png>",
        "< //h/x.png>",
        "<//h/x.png\u{7f}>",
        "/x.png",
        "data:image/png;base64,AAAA",
        "&#x6a;avascript:alert(1)",
        "\\\\h\\x.png",
        "/\\h/x.png",
        "\\/h/x.png",
    ] {
        let output = site.narrative(&format!("See ![x]({url}) here.\n")).build();
        if output.status.success() {
            let page =
                std::fs::read_to_string(site.root.join(format!("public/{WEEK}/ops/index.html")))
                    .unwrap();
            assert!(!page.contains("<img"), "{url} stayed an image:\n{page}");
            assert!(page.contains(">x</a>"), "{url} is not a link:\n{page}");
            assert_safe(&page);
        } else {
            site.rejects_at(1);
        }
    }
    // A local image stays an image.
    let page = site.narrative("![style](../../assets/sitrep.css)\n").page();
    assert!(
        page.contains("<img src=\"../../assets/sitrep.css\""),
        "{page}"
    );
}

#[test]
fn author_ids_never_take_sitreps_ids() {
    let site = Site::new();
    site.narrative("Intro.\n\n# x {#chart-1}\n");
    let stderr = site.rejects_at(3);
    assert!(stderr.contains("`chart-1`"), "{stderr}");
    for id in [
        "metric-tickets",
        "main",
        "deck-title",
        "narrative-ops-1",
        "footnote-1",
    ] {
        site.narrative(&format!("# x {{#{id}}}\n"));
        site.rejects_at(1);
    }
    // The same id twice.
    site.narrative("# a {#same}\n\n# b {#same}\n");
    site.rejects_at(3);
    // Ids made from headings and footnote labels step aside.
    let page = site
        .narrative(
            "# Chart 1\n\n# Metric tickets\n\n# Main\n\n# Same\n\n# Same\n\n# x {#same-2}\n\nA note[^chart-1] and another[^main].\n\n[^chart-1]: One.\n[^main]: Two.\n\n{{ chart(\"tickets\") }}\n",
        )
        .page();
    assert_safe(&page);
    assert!(
        page.contains("<div class=\"chart-canvas\" id=\"chart-1\""),
        "{page}"
    );
    assert!(page.contains("<h1 id=\"h-chart-1\">"), "{page}");
    assert!(page.contains("<h1 id=\"h-metric-tickets\">"), "{page}");
    assert!(page.contains("<h1 id=\"h-main\">"), "{page}");
    assert!(page.contains("<h1 id=\"same\">"), "{page}");
    assert!(page.contains("<h1 id=\"same-3\">"), "{page}");
    assert!(page.contains("href=\"#footnote-chart-1\""), "{page}");
    assert!(page.contains("id=\"footnote-chart-1\""), "{page}");
}

#[test]
fn a_call_as_a_link_address_is_an_error() {
    let site = Site::new();
    site.narrative("Intro.\n\n[x]({{ value(\"tickets\") }})\n");
    let stderr = site.rejects_at(3);
    assert!(stderr.contains("address"), "{stderr}");
    site.narrative("![x]({{ value(\"tickets\") }})\n");
    site.rejects_at(1);
    // A call in the heading's id: ids are written out.
    site.narrative("Intro.\n\n## Heading {#h-{{ value(\"tickets\") }}}\n");
    site.rejects_at(3);
    site.narrative("## Heading {.c{{ value(\"tickets\") }}}\n");
    site.rejects_at(1);
    // A call in a link's text or title is fine.
    let page = site
        .narrative("[{{ value(\"tickets\") }}](../index.html \"t {{ value(\"tickets\") }}\")\n")
        .page();
    assert!(
        page.contains("<a href=\"../index.html\" title=\"t 833\"><span class=\"num\""),
        "{page}"
    );
    assert_safe(&page);
}

#[test]
fn calls_inside_code_show_as_written() {
    let site = Site::new();
    let page = site
        .narrative(
            "Write `{{ value(\"tickets\") }}` or `{{ valeu(\"nothing\") }}`.\n\n```\n{{ chart(\"nothing\") }}\n```\n\n    {{ table(\"x\", \"y\") }}\n\nAnd {{ value(\"tickets\") }}.\n",
        )
        .page();
    assert_safe(&page);
    assert!(
        page.contains("<code>{{ value(&quot;tickets&quot;) }}</code>")
            || page.contains("<code>{{ value(\"tickets\") }}</code>"),
        "{page}"
    );
    assert!(page.contains("{{ valeu("), "{page}");
    assert!(page.contains("{{ chart("), "{page}");
    assert!(page.contains("{{ table("), "{page}");
    assert!(page.contains("And <span class=\"num\""), "{page}");
}

#[test]
fn charts_and_tables_go_only_where_a_block_can() {
    let site = Site::new();
    for (text, line) in [
        ("Intro.\n\n## Look {{ chart(\"tickets\") }}\n", 3),
        ("| a |\n|---|\n| {{ chart(\"tickets\") }} |\n", 3),
        ("[{{ table(\"ops\", \"6w\") }}](../index.html)\n", 1),
        ("Some *{{ chart(\"tickets\") }}* text.\n", 1),
        ("![{{ chart(\"tickets\") }}](../../assets/sitrep.css)\n", 1),
        ("[l](../index.html \"{{ chart(\"tickets\") }}\")\n", 1),
    ] {
        let stderr = site.narrative(text).rejects_at(line);
        assert!(stderr.contains("chart() or table()"), "{stderr}");
    }
    // On a line of its own, in a block quote or a list item, or next to
    // text (the paragraph is closed around it): never inside a <p>.
    let page = site
        .narrative(
            "{{ chart(\"tickets\") }}\n\n> {{ table(\"ops\", \"6w\") }}\n\n- {{ chart(\"solved\") }}\n- item\n\nBefore {{ chart(\"tickets\", \"solved\") }} after.\n",
        )
        .page();
    assert_safe(&page);
    // Three charts of the narrative (the deck has two of its own).
    assert_eq!(page.matches("id=\"narrative-ops-").count(), 3, "{page}");
    for chunk in page.split("<p>").skip(1) {
        let paragraph = &chunk[..chunk.find("</p>").expect("closed")];
        assert!(
            !paragraph.contains("<figure") && !paragraph.contains("<table"),
            "{paragraph}"
        );
    }
    assert!(page.contains("<p>Before </p>"), "{page}");
    assert!(page.contains("<p> after.</p>"), "{page}");
}

#[test]
fn table_alignment_is_a_class_not_a_style() {
    let page = Site::new()
        .narrative("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n")
        .page();
    assert_safe(&page);
    assert!(page.contains("<th class=\"align-left\">a</th>"), "{page}");
    assert!(page.contains("<td class=\"align-center\">2</td>"), "{page}");
    assert!(page.contains("<td class=\"align-right\">3</td>"), "{page}");
}

// ---------------------------------------------------------------------------
// Size: the narrative pipeline is linear.

fn scope() -> Scope {
    Scope {
        program: Some("p".to_string()),
        metrics: [("p".to_string(), vec!["m".to_string()])].into(),
        chart_blocks: Default::default(),
    }
}

/// Expands, renders and fills a narrative the way a build does; returns
/// the time taken.
fn render_timed(text: &str) -> Duration {
    let started = Instant::now();
    let narrative = parse_narrative(text, Path::new("p.md"), Some("p".to_string())).unwrap();
    let expanded = expand_calls(&narrative, scope()).unwrap();
    let links = relative_links(&expanded.text);
    let lines: usize = links
        .iter()
        .map(|(_, offset)| expanded.line(*offset))
        .max()
        .unwrap_or(0);
    let html = markdown_to_html(&expanded.text, false).unwrap();
    let fragments: Vec<String> = expanded
        .calls
        .iter()
        .map(|call| match call {
            Call::Value { .. } => "<span>1</span>".to_string(),
            _ => "<figure></figure>".to_string(),
        })
        .collect();
    let filled = fill_tokens(&html, &fragments);
    assert!(filled.len() > text.len() / 4 && lines <= text.len());
    started.elapsed()
}

/// Generous for a debug build on a busy machine: the quadratic versions
/// took minutes.
const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn a_narrative_with_200k_calls_renders_in_linear_time() {
    let text = "{{ value(\"m\") }}\n".repeat(200_000);
    let took = render_timed(&text);
    assert!(took < LIMIT, "200k calls took {took:?}");
}

#[test]
fn a_narrative_with_100k_links_renders_in_linear_time() {
    let text = "[a](../index.html)\n".repeat(100_000);
    let took = render_timed(&text);
    assert!(took < LIMIT, "100k links took {took:?}");
}

#[test]
fn a_narrative_with_100k_equal_headings_renders_in_linear_time() {
    let text = "# Same\n".repeat(100_000);
    let took = render_timed(&text);
    assert!(took < LIMIT, "100k headings took {took:?}");
}

// ---------------------------------------------------------------------------
// A small, deterministic version of fuzz/fuzz_targets/narrative.rs: hostile
// pieces combined at random must render safely or be an error.

const PIECES: [&str; 40] = [
    "{{ value(\"m\") }}",
    "{{ chart(\"m\") }}",
    "{{ table(\"p\", \"6w\") }}",
    "{{ valeu(\"m\") }}",
    "\\{{ value(\"m\") }}",
    "`",
    "```",
    "    ",
    "\n",
    "\n\n",
    "# ",
    "## Hi {#chart-1}",
    "## x {onclick=alert(1) style=color:red}",
    "{#main}",
    "{.c}",
    "[x](",
    "](",
    ")",
    "![",
    "//127.0.0.2/x.png",
    "\\\\h\\x.png",
    "/\\h/x.png",
    "HtTpS://h/x.png",
    "&#47;&#47;h",
    "javascript:alert(1)",
    " \"t ",
    "[^1]",
    "[^chart-1]: note",
    "[^1]: n",
    "| a | b |\n|:-|-:|\n| ",
    " |",
    "> ",
    "- ",
    "* ",
    "<script>x</script>",
    "<img src=//h/x.png onerror=alert(1)>",
    "\u{E000}0\u{E001}",
    "\u{E002}",
    "}}",
    "text",
];

#[test]
fn random_hostile_narratives_render_safely_or_fail_clearly() {
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let mut rendered = 0;
    for _ in 0..3000 {
        let mut text = String::new();
        for _ in 0..(1 + next() % 12) {
            text.push_str(PIECES[next() % PIECES.len()]);
        }
        let narrative = parse_narrative(&text, Path::new("p.md"), Some("p".to_string())).unwrap();
        let Ok(expanded) = expand_calls(&narrative, scope()) else {
            continue;
        };
        let Ok(html) = markdown_to_html(&expanded.text, false) else {
            continue;
        };
        let fragments: Vec<String> = expanded
            .calls
            .iter()
            .enumerate()
            .map(|(index, call)| match call {
                Call::Chart { .. } => format!(
                    "<figure id=\"narrative-p-{0}\"><div class=\"chart-canvas\" id=\"chart-narrative-p-{0}\"></div></figure>",
                    index + 1
                ),
                Call::Table { .. } => "<section><table></table></section>".to_string(),
                _ => "<span class=\"num\">1</span>".to_string(),
            })
            .collect();
        let page = format!(
            "<main id=\"main\"><div id=\"chart-1\"></div>{}</main>",
            fill_tokens(&html, &fragments)
        );
        assert!(!page.to_ascii_lowercase().contains("<script"), "{text:?}");
        assert_safe(&page);
        for chunk in page.split("<p>").skip(1) {
            let paragraph = &chunk[..chunk.find("</p>").unwrap_or(chunk.len())];
            assert!(!paragraph.contains("<figure"), "{text:?}: {page}");
        }
        rendered += 1;
    }
    assert!(rendered > 300, "only {rendered} rendered");
}

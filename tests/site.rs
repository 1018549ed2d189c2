//! End-to-end tests of the built site: small fixture sites are written to
//! temporary folders, built with the real `sitrep` binary, and the pages are
//! checked as a browser (and a strict content-security policy) would see
//! them: links resolve, charts have their data and tables, nothing loads
//! from the network, data can never become markup, narrative calls show
//! hand-computed numbers.

#[path = "common/files.rs"]
mod files;

mod chart_data;
use files::{days_from, read, sitrep, snapshot_with_times as snapshot, write};
use std::collections::{HashMap, HashSet};
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::Value;

// ---------------------------------------------------------------------------
// Running sitrep

/// Builds the site at `root` into `root/public`, which it returns.
fn build(root: &Path) -> PathBuf {
    let output = sitrep(root).arg("build").output().unwrap();
    assert!(
        output.status.success(),
        "build failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    root.join("public")
}

/// Builds the site at `root`, expecting failure; returns stderr.
fn build_fails(root: &Path) -> String {
    let output = sitrep(root).arg("build").output().unwrap();
    assert!(
        !output.status.success(),
        "build should have failed:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8(output.stderr).unwrap()
}

// ---------------------------------------------------------------------------
// A small HTML reader: enough to find tags, attributes and text in the pages
// sitrep writes (which must never contain a raw `<` outside markup).

#[derive(Debug, Clone)]
struct Tag {
    name: String,
    end: bool,
    /// Attribute names (lower case) and values, entities decoded.
    attrs: Vec<(String, String)>,
    /// Byte offset of `<`.
    start: usize,
    /// Byte offset just after `>`.
    stop: usize,
    /// The raw content of a `<script>` or `<style>` element.
    raw: Option<String>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|classes| classes.split_whitespace().any(|c| c == class))
    }

    fn opens(&self, name: &str) -> bool {
        !self.end && self.name == name
    }
}

/// Decodes HTML character references.
fn unescape(text: &str) -> String {
    let mut output = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        output.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(semicolon) = rest[..rest.len().min(12)].find(';') else {
            output.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semicolon];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ if entity.starts_with("#x") || entity.starts_with("#X") => {
                u32::from_str_radix(&entity[2..], 16)
                    .ok()
                    .and_then(char::from_u32)
            }
            _ if entity.starts_with('#') => entity[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                output.push(c);
                rest = &rest[semicolon + 1..];
            }
            None => {
                output.push('&');
                rest = &rest[1..];
            }
        }
    }
    output.push_str(rest);
    output
}

/// Every tag of `html`, in order. Panics on a `<` that starts no tag: text
/// from data or narratives must always come out escaped.
fn parse_tags(html: &str, origin: &str) -> Vec<Tag> {
    let mut tags = Vec::new();
    let mut position = 0;
    while let Some(offset) = html[position..].find('<') {
        let start = position + offset;
        let rest = &html[start..];
        if rest.starts_with("<!--") {
            let end = rest
                .find("-->")
                .unwrap_or_else(|| panic!("{origin}: unclosed comment at {start}"));
            position = start + end + 3;
            continue;
        }
        if rest.starts_with("<!") {
            position = start + rest.find('>').unwrap() + 1;
            continue;
        }
        let end = rest.starts_with("</");
        let name_start = start + if end { 2 } else { 1 };
        let name_length = html[name_start..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(0);
        assert!(
            name_length > 0 && html[name_start..].starts_with(|c: char| c.is_ascii_alphabetic()),
            "{origin}: a raw `<` in text at byte {start}: {:?}",
            &html[start.saturating_sub(60)..(start + 60).min(html.len())]
        );
        let name = html[name_start..name_start + name_length].to_ascii_lowercase();
        let bytes = html.as_bytes();
        let mut i = name_start + name_length;
        let mut attrs = Vec::new();
        loop {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            assert!(i < bytes.len(), "{origin}: unclosed tag at {start}");
            if bytes[i] == b'>' {
                i += 1;
                break;
            }
            if bytes[i] == b'/' {
                i += 1;
                continue;
            }
            let key_start = i;
            while i < bytes.len() && !b" \t\r\n=>/".contains(&bytes[i]) {
                i += 1;
            }
            let key = html[key_start..i].to_ascii_lowercase();
            let mut value = String::new();
            if bytes.get(i) == Some(&b'=') {
                i += 1;
                match bytes.get(i) {
                    Some(&quote) if quote == b'"' || quote == b'\'' => {
                        let close = html[i + 1..]
                            .find(quote as char)
                            .unwrap_or_else(|| panic!("{origin}: unclosed attribute at {i}"));
                        value = unescape(&html[i + 1..i + 1 + close]);
                        i += close + 2;
                    }
                    _ => {
                        let value_start = i;
                        while i < bytes.len() && !b" \t\r\n>".contains(&bytes[i]) {
                            i += 1;
                        }
                        value = unescape(&html[value_start..i]);
                    }
                }
            }
            attrs.push((key, value));
        }
        let mut raw = None;
        if !end && (name == "script" || name == "style") {
            let close = format!("</{name}");
            let content_end = html[i..]
                .to_ascii_lowercase()
                .find(&close)
                .unwrap_or_else(|| panic!("{origin}: unclosed <{name}>"));
            raw = Some(html[i..i + content_end].to_string());
            position = i + content_end;
        } else {
            position = i;
        }
        tags.push(Tag {
            name,
            end,
            attrs,
            start,
            stop: i,
            raw,
        });
    }
    tags
}

/// The text of an HTML fragment as a sighted reader sees it: tags dropped
/// (block tags read as a space), screen-reader-only spans and script
/// contents skipped, entities decoded, spaces collapsed.
fn text_of(fragment: &str) -> String {
    const BLOCKS: [&str; 24] = [
        "p",
        "div",
        "section",
        "header",
        "footer",
        "figure",
        "figcaption",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "table",
        "caption",
        "tr",
        "th",
        "td",
        "dl",
        "dt",
        "dd",
    ];
    let tags = parse_tags(fragment, "fragment");
    let mut text = String::new();
    let mut position = 0;
    // Depth of <span>s inside a visually hidden span (0: visible).
    let mut hidden = 0;
    for tag in &tags {
        if hidden == 0 {
            text.push_str(&unescape(&fragment[position..tag.start]));
        }
        position = tag.stop + tag.raw.as_ref().map_or(0, String::len);
        if BLOCKS.contains(&tag.name.as_str()) || tag.name == "br" {
            text.push(' ');
        }
        if tag.name == "span" {
            if hidden > 0 {
                hidden += if tag.end { -1 } else { 1 };
            } else if !tag.end && tag.has_class("visually-hidden") {
                hidden = 1;
            }
        }
    }
    if hidden == 0 {
        text.push_str(&unescape(&fragment[position..]));
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Page {
    /// Relative to the output folder, `/`-separated.
    name: String,
    html: String,
    tags: Vec<Tag>,
}

impl Page {
    fn load(out: &Path, path: &Path) -> Page {
        let name = path
            .strip_prefix(out)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let html = read(path);
        let tags = parse_tags(&html, &name);
        Page { name, html, tags }
    }

    /// The tag indexes of the element opened at `open`, up to and including
    /// its end tag.
    fn element(&self, open: usize) -> Range<usize> {
        let name = &self.tags[open].name;
        let mut depth = 0;
        for index in open..self.tags.len() {
            let tag = &self.tags[index];
            if &tag.name == name {
                if tag.end {
                    depth -= 1;
                    if depth == 0 {
                        return open..index + 1;
                    }
                } else {
                    depth += 1;
                }
            }
        }
        panic!(
            "{}: <{name}> at {} is not closed",
            self.name, self.tags[open].start
        )
    }

    /// The first element matching `matches`, as tag indexes.
    fn find(&self, matches: impl Fn(&Tag) -> bool) -> Option<Range<usize>> {
        let open = self.tags.iter().position(|tag| !tag.end && matches(tag))?;
        Some(self.element(open))
    }

    fn expect(&self, what: &str, matches: impl Fn(&Tag) -> bool) -> Range<usize> {
        self.find(matches)
            .unwrap_or_else(|| panic!("{}: no {what}", self.name))
    }

    /// The HTML of an element's content.
    fn inner(&self, element: &Range<usize>) -> &str {
        &self.html[self.tags[element.start].stop..self.tags[element.end - 1].start]
    }

    fn text(&self, element: &Range<usize>) -> String {
        text_of(self.inner(element))
    }

    /// The `href`s of the `<a>` elements inside `element`, in order.
    fn links_in(&self, element: &Range<usize>) -> Vec<String> {
        self.tags[element.clone()]
            .iter()
            .filter(|tag| tag.opens("a"))
            .filter_map(|tag| tag.attr("href").map(str::to_string))
            .collect()
    }

    /// The rows of the first table inside `element` (header row included),
    /// each cell's text.
    fn table_rows(&self, element: &Range<usize>) -> Vec<Vec<String>> {
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut cell_start = None;
        for tag in &self.tags[element.clone()] {
            match (tag.name.as_str(), tag.end) {
                ("tr", false) => rows.push(Vec::new()),
                ("th" | "td", false) => cell_start = Some(tag.stop),
                ("th" | "td", true) => {
                    let start = cell_start.take().expect("cell opened");
                    rows.last_mut()
                        .expect("cell inside a row")
                        .push(text_of(&self.html[start..tag.start]));
                }
                ("table", true) => break,
                _ => {}
            }
        }
        rows
    }

    fn ids(&self) -> Vec<&str> {
        self.tags
            .iter()
            .filter(|tag| !tag.end)
            .filter_map(|tag| tag.attr("id"))
            .collect()
    }

    fn charts(&self) -> Vec<Chart> {
        let all_options = chart_data::page_charts(&self.html);
        let canvases: Vec<(usize, &Tag)> = self
            .tags
            .iter()
            .enumerate()
            .filter(|(_, tag)| tag.opens("div") && tag.has_class("chart-canvas"))
            .collect();
        canvases
            .into_iter()
            .map(|(index, canvas)| {
                let id = canvas
                    .attr("id")
                    .unwrap_or_else(|| panic!("{}: a chart canvas without id", self.name))
                    .to_string();
                let options = all_options.get(&id).cloned().unwrap_or_else(|| {
                    panic!("{}: chart {id} has no entry in the chart data", self.name)
                });
                // The figure holding the canvas.
                let figure_open = (0..index)
                    .rev()
                    .find(|&at| self.tags[at].opens("figure"))
                    .unwrap_or_else(|| panic!("{}: chart {id} is not in a <figure>", self.name));
                let figure = self.element(figure_open);
                assert!(
                    figure.contains(&index),
                    "{}: chart {id} is outside its figure",
                    self.name
                );
                let table = self
                    .tags
                    .iter()
                    .enumerate()
                    .skip(figure.start)
                    .take(figure.len())
                    .find(|(_, tag)| tag.opens("table"))
                    .map(|(at, _)| self.element(at))
                    .unwrap_or_else(|| panic!("{}: chart {id} has no <table>", self.name));
                let title = self
                    .tags
                    .iter()
                    .enumerate()
                    .skip(figure.start)
                    .take(figure.len())
                    .find(|(_, tag)| tag.opens("h3"))
                    .map(|(at, _)| self.text(&self.element(at)))
                    .unwrap_or_default();
                Chart {
                    id,
                    title,
                    options,
                    rows: self.table_rows(&table),
                    caption: self
                        .find_in(&table, |tag| tag.opens("caption"))
                        .map(|caption| self.text(&caption))
                        .unwrap_or_default(),
                    figure_start: self.tags[figure.start].start,
                }
            })
            .collect()
    }

    fn find_in(
        &self,
        within: &Range<usize>,
        matches: impl Fn(&Tag) -> bool,
    ) -> Option<Range<usize>> {
        let open = within.clone().find(|&at| matches(&self.tags[at]))?;
        Some(self.element(open))
    }
}

struct Chart {
    id: String,
    title: String,
    options: Value,
    /// The numbers table, header row first.
    rows: Vec<Vec<String>>,
    caption: String,
    /// Byte offset of the chart's `<figure>`.
    figure_start: usize,
}

impl Chart {
    fn series(&self) -> &Vec<Value> {
        self.options["series"].as_array().unwrap()
    }

    fn series_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for series in self.series() {
            let name = series["name"].as_str().unwrap();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }

    /// The data of the first series named `name`, numbers as they are.
    fn data(&self, name: &str) -> Vec<Option<f64>> {
        self.series()
            .iter()
            .find(|series| series["name"] == name)
            .unwrap_or_else(|| panic!("chart {}: no series {name}", self.id))["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(Value::as_f64)
            .collect()
    }

    fn x_labels(&self) -> Vec<String> {
        let axis = &self.options["xAxis"];
        let axis = axis.as_array().map_or(axis, |axes| &axes[0]);
        axis["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|label| label.as_str().unwrap().to_string())
            .collect()
    }

    /// The table row whose first cell starts with `label`.
    fn row(&self, label: &str) -> &Vec<String> {
        self.rows
            .iter()
            .find(|row| row[0].starts_with(label))
            .unwrap_or_else(|| panic!("chart {}: no row {label}: {:?}", self.id, self.rows))
    }

    /// The cell of the row starting `label` in the column headed `column`.
    fn cell(&self, label: &str, column: &str) -> &str {
        let index = self.rows[0]
            .iter()
            .position(|header| header == column)
            .unwrap_or_else(|| panic!("chart {}: no column {column}: {:?}", self.id, self.rows[0]));
        &self.row(label)[index]
    }
}

fn html_pages(out: &Path) -> Vec<Page> {
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(out)
        .into_iter()
        .map(Result::unwrap)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| entry.into_path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "html"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no pages in {}", out.display());
    paths.iter().map(|path| Page::load(out, path)).collect()
}

fn page(out: &Path, name: &str) -> Page {
    Page::load(out, &out.join(name))
}

// ---------------------------------------------------------------------------
// Site-wide checks

fn is_absolute_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("//")
}

fn has_scheme(url: &str) -> bool {
    match (url.find(':'), url.find(['/', '?', '#'])) {
        (Some(colon), Some(slash)) => colon < slash,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Resolves a relative `path` against the folder `from` (relative to the
/// output folder), refusing to climb above the site root.
fn resolve(from: &Path, path: &str, origin: &str) -> PathBuf {
    let mut parts: Vec<String> = from
        .components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect();
    let segments: Vec<&str> = path.split('/').collect();
    for (index, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {}
            ".." => {
                assert!(
                    parts.pop().is_some(),
                    "{origin}: `{path}` climbs above the site root, so the site breaks under a sub-path"
                );
            }
            "" => panic!(
                "{origin}: `{path}` has an empty segment{}",
                if index + 1 == segments.len() {
                    " (a folder link does not work from file://)"
                } else {
                    ""
                }
            ),
            segment => parts.push(segment.to_string()),
        }
    }
    parts.iter().collect()
}

/// Check 1: every `href`/`src` (and the landing page's refresh URL) is a
/// relative link to an existing file of the site, and its `#fragment` is an
/// id of the target page. Absolute URLs are allowed only in `<a>` elements,
/// and only when a narrative author wrote them (`external`).
fn check_links(out: &Path, pages: &[Page], external: &[String]) {
    let ids: HashMap<PathBuf, HashSet<String>> = pages
        .iter()
        .map(|page| {
            let ids = page.ids();
            let mut seen = HashSet::new();
            for id in &ids {
                assert!(seen.insert(*id), "{}: id `{id}` is used twice", page.name);
            }
            (
                PathBuf::from(&page.name),
                ids.into_iter().map(str::to_string).collect(),
            )
        })
        .collect();
    let mut checked = 0;
    for page in pages {
        let folder = Path::new(&page.name).parent().unwrap_or(Path::new(""));
        for tag in page.tags.iter().filter(|tag| !tag.end) {
            let mut targets: Vec<&str> = tag
                .attrs
                .iter()
                .filter(|(key, _)| key == "href" || key == "src")
                .map(|(_, value)| value.as_str())
                .collect();
            if tag.name == "meta" && tag.attr("http-equiv") == Some("refresh") {
                let content = tag.attr("content").unwrap_or_default();
                let url = content
                    .split_once("url=")
                    .unwrap_or_else(|| panic!("{}: refresh without url: {content}", page.name))
                    .1;
                targets.push(url);
            }
            for target in targets {
                let origin = format!("{}: <{} … \"{target}\">", page.name, tag.name);
                checked += 1;
                if target.starts_with("mailto:") {
                    assert_eq!(tag.name, "a", "{origin}");
                    continue;
                }
                if is_absolute_url(target) {
                    assert!(
                        tag.name == "a" && external.iter().any(|url| url == target),
                        "{origin}: an absolute URL that no narrative author wrote"
                    );
                    continue;
                }
                assert!(!target.starts_with('/'), "{origin}: root-relative link");
                assert!(!has_scheme(target), "{origin}: a link with a scheme");
                assert!(!target.contains('?'), "{origin}: a query string");
                let (path, fragment) = target.split_once('#').unwrap_or((target, ""));
                let file = if path.is_empty() {
                    PathBuf::from(&page.name)
                } else {
                    resolve(folder, path, &origin)
                };
                assert!(
                    out.join(&file).is_file(),
                    "{origin}: {} does not exist",
                    file.display()
                );
                if !fragment.is_empty() && file.extension().is_some_and(|ext| ext == "html") {
                    assert!(
                        ids[&file].contains(fragment),
                        "{origin}: no id `{fragment}` in {}",
                        file.display()
                    );
                }
            }
        }
    }
    assert!(checked > 0, "no links checked");
}

/// Check 2: every chart canvas has exactly one entry in the page's chart
/// data (checked while reading the charts) with `series` and `xAxis`, and
/// its figure a table with the chart's numbers; every entry belongs to a
/// canvas.
fn check_charts(pages: &[Page]) {
    for page in pages {
        let charts = page.charts();
        let canvas_ids: HashSet<&str> = charts.iter().map(|chart| chart.id.as_str()).collect();
        assert_eq!(
            canvas_ids.len(),
            charts.len(),
            "{}: chart ids repeat",
            page.name
        );
        for chart in chart_data::page_charts(&page.html).keys() {
            assert!(
                canvas_ids.contains(chart.as_str()),
                "{}: chart data for a missing chart {chart}",
                page.name
            );
        }
        for chart in &charts {
            check_chart(&page.name, chart);
        }
    }
}

fn check_chart(page: &str, chart: &Chart) {
    let origin = format!("{page}: chart {}", chart.id);
    let series = chart
        .options
        .get("series")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{origin}: no `series`"));
    assert!(!series.is_empty(), "{origin}: empty `series`");
    assert!(chart.options.get("xAxis").is_some(), "{origin}: no `xAxis`");
    let labels = chart.x_labels();
    assert!(chart.rows.len() > 1, "{origin}: the table has no rows");
    // One table row per period: 6 weeks, a gap on the axis, 12 months.
    assert_eq!(
        chart.rows.len() - 1,
        labels.len() - 1,
        "{origin}: table rows vs axis labels {labels:?}"
    );
    let header = &chart.rows[0];
    for row in &chart.rows[1..] {
        assert_eq!(
            row.len(),
            header.len(),
            "{origin}: ragged table row {row:?}"
        );
    }
    // Every series' numbers are in the table: as many values as the column
    // of the same name has (a dash is a gap).
    let subject_target = chart
        .series_names()
        .first()
        .map(|name| format!("{name} target"));
    for name in chart.series_names() {
        let column =
            if Some(name.to_string()) == subject_target && !header.iter().any(|h| h == name) {
                "Target"
            } else {
                name
            };
        let columns: Vec<usize> = header
            .iter()
            .enumerate()
            .filter(|(_, header)| *header == column)
            .map(|(index, _)| index)
            .collect();
        assert!(
            !columns.is_empty(),
            "{origin}: no table column for series {name:?}; columns {header:?}"
        );
        let in_chart = series
            .iter()
            .filter(|series| series["name"] == name)
            .flat_map(|series| series["data"].as_array().unwrap())
            .filter(|value| !value.is_null())
            .count();
        let in_table = columns
            .iter()
            .map(|&index| {
                chart.rows[1..]
                    .iter()
                    .filter(|row| !row[index].starts_with('–'))
                    .count()
            })
            .sum::<usize>();
        assert_eq!(
            in_chart, in_table,
            "{origin}: values of {name:?} in chart vs table"
        );
    }
}

/// Check 3: nothing is loaded from elsewhere and nothing needs
/// `unsafe-inline`: scripts only from `assets/`, JSON blocks only as data,
/// no inline styles or event handlers, the chart runtime and its licence
/// shipped.
fn check_self_contained(out: &Path, pages: &[Page]) {
    for page in pages {
        for tag in page.tags.iter().filter(|tag| !tag.end) {
            let origin = format!("{}: <{}> at byte {}", page.name, tag.name, tag.start);
            assert!(
                !["style", "iframe", "object", "embed", "base", "frame"]
                    .contains(&tag.name.as_str()),
                "{origin}: element not allowed"
            );
            for (key, value) in &tag.attrs {
                assert_ne!(key, "style", "{origin}: inline style (strict CSP)");
                assert!(!key.starts_with("on"), "{origin}: event handler `{key}`");
                if key == "src" || (key == "href" && tag.name == "link") {
                    assert!(!is_absolute_url(value), "{origin}: loads {value}");
                }
            }
            if tag.name == "script" {
                let raw = tag.raw.as_deref().unwrap_or_default();
                match (tag.attr("src"), tag.attr("type")) {
                    (Some(src), _) => {
                        assert!(raw.trim().is_empty(), "{origin}: script with src and code");
                        assert!(src.contains("assets/"), "{origin}: script not from assets/");
                    }
                    (None, Some("application/json")) => {
                        let lower = raw.to_ascii_lowercase();
                        assert!(!lower.contains("</script"), "{origin}: `</script` in JSON");
                        assert!(!lower.contains("<!--"), "{origin}: `<!--` in JSON");
                    }
                    _ => panic!("{origin}: inline script"),
                }
            }
            if tag.name == "link" {
                assert!(tag.attr("href").is_some(), "{origin}: link without href");
            }
        }
    }
    // Stylesheets: no remote url() or @import (fonts, images).
    for entry in walkdir::WalkDir::new(out) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|ext| ext != "css") {
            continue;
        }
        let css = read(entry.path());
        let name = entry
            .path()
            .strip_prefix(out)
            .unwrap()
            .display()
            .to_string();
        let lower = css.to_ascii_lowercase();
        for (at, _) in lower.match_indices("url(") {
            let argument = &css[at + 4..at + 4 + css[at + 4..].find(')').unwrap()];
            let url = argument.trim().trim_matches(['"', '\'']);
            assert!(!is_absolute_url(url), "{name}: url({url}) is remote");
            if !url.starts_with("data:") && !url.starts_with('#') {
                let folder = entry.path().parent().unwrap().strip_prefix(out).unwrap();
                let file = resolve(folder, url.split(['#', '?']).next().unwrap(), &name);
                assert!(
                    out.join(&file).is_file(),
                    "{name}: url({url}) does not exist"
                );
            }
        }
        for (at, _) in lower.match_indices("@import") {
            let statement = &lower[at..at + lower[at..].find(';').unwrap_or(lower.len() - at)];
            assert!(
                !statement.contains("http:")
                    && !statement.contains("https:")
                    && !statement.contains("//"),
                "{name}: remote {statement}"
            );
        }
    }
    let runtime = out.join("assets/echarts.min.js");
    assert!(
        fs::metadata(&runtime).map(|m| m.len()).unwrap_or(0) > 100_000,
        "the chart runtime is served from assets/"
    );
    assert!(read(&out.join("assets/echarts-LICENSE.txt")).contains("Apache License"));
}

fn check_site(out: &Path, external: &[String]) -> Vec<Page> {
    let pages = html_pages(out);
    check_links(out, &pages, external);
    check_charts(&pages);
    check_self_contained(out, &pages);
    pages
}

/// The `http(s)://` URLs that narratives of the site at `root` contain.
fn narrative_urls(root: &Path) -> Vec<String> {
    let mut urls = Vec::new();
    for entry in walkdir::WalkDir::new(root.join("content/reviews")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_none_or(|ext| ext != "md") {
            continue;
        }
        let text = read(entry.path());
        for scheme in ["http://", "https://"] {
            for (at, _) in text.match_indices(scheme) {
                let end = text[at..]
                    .find(|c: char| c.is_whitespace() || ")]>\"'".contains(c))
                    .map_or(text.len(), |end| at + end);
                urls.push(text[at..end].to_string());
            }
        }
    }
    urls
}

// ---------------------------------------------------------------------------
// The fixture: program `ops` (default deck) and `decked` (its own deck),
// reviews for 2026-W45, W46 and W47.
//
// Data, 1 Sep – 22 Nov 2026 (ISO weeks, Monday–Sunday):
// - `tickets`: 200 a day; in W47 (16–22 Nov) 100, 200, 300, 400, 250, 250,
//   250, so W47 = 1,750 and every earlier complete week 1,400: WoW +25.0%.
//   MTD (1–22 Nov) = 200 + 14 × 200 + 1,750 = 4,750; Sep = 6,000,
//   Oct = 6,200.
// - `handled`: 190 a day, 225 a day in W47: W46 1,330 / 1,400 = 95.0%,
//   W47 1,575 / 1,750 = 90.0%, a change of −500 bps; target 95% → red.

const OPS_PROGRAM: &str = "\
name: Operations
owner: O. Owner
summary: Keep the queue moving.
metrics:
  tickets:
    name: Tickets
    column: tickets
    unit: count
    better: down
    target: 1500
  handled:
    name: Tickets handled
    column: handled
  handled_rate:
    name: Handled rate
    divide: [handled, tickets]
    unit: percent
    better: up
    compare: bps
    target: 0.95
initiatives:
  - name: New triage
    owner: J. Chen
    due: 2026-12-15
    status: at_risk
";

const DECKED_PROGRAM: &str = "\
name: Decked
owner: D. Owner
metrics:
  tickets: { name: Tickets, column: tickets, better: down, key: true }
  handled: { name: Tickets handled, column: handled, key: true }
  handled_rate:
    name: Handled rate
    divide: [handled, tickets]
    unit: percent
    better: up
    target: 0.95
    key: true
deck:
  - section: Volume
    text: How much came in and went out.
  - chart: [tickets, handled]
    title: Tickets in and out
  - table: 6w
    metrics: [tickets, handled, handled_rate]
  - table: 12m
    title: Monthly view
    metrics: [tickets]
";

const OPS_NARRATIVE: &str = "\
---
title: Ops week 47
author: O. Owner
---

## What happened

Tickets {{ value(\"tickets\") }} ({{ delta(\"tickets\", \"wow\") }} WoW), MTD {{ value(\"tickets\", \"mtd\") }}.

Handled rate {{ value(\"handled_rate\") }} ({{ delta(\"handled_rate\", \"wow\") }}), {{ status(\"handled_rate\") }}.

{{ chart(\"tickets\") }}

{{ table(\"ops\", \"6w\") }}

See [the runbook](https://example.org/runbook), ![a remote picture](https://example.org/x.png) or [mail us](mailto:ops@example.org).
[bad](javascript:alert(1)) [bad too](JavaScript:alert(1)) [data](data:text/html,hi) <javascript:alert(1)>

<b>bold</b> and <script>alert(2)</script>

A footnote[^1] and [the deck](#deck-title).

[^1]: Counted by hand.
";

const EXECUTIVE_NARRATIVE: &str = "\
---
title: Week 47 summary
---

## Summary

Tickets {{ value(\"ops.tickets\") }} ({{ delta(\"ops.tickets\", \"wow\") }} WoW), handled rate {{ value(\"ops.handled_rate\") }} {{ status(\"ops.handled_rate\") }}.

{{ chart(\"ops.tickets\") }}
";

fn ops_site(root: &Path) {
    write(root, "site.yaml", "title: Ops WBR\n");
    write(root, "content/programs/ops.yaml", OPS_PROGRAM);
    write(root, "content/programs/decked.yaml", DECKED_PROGRAM);
    write(
        root,
        "content/reviews/2026-W45/index.md",
        "# Week 45\n\nQuiet.\n",
    );
    write(
        root,
        "content/reviews/2026-W46/index.md",
        "# Week 46\n\nTickets {{ value(\"ops.tickets\") }} ({{ delta(\"ops.tickets\", \"wow\") }}).\n",
    );
    write(
        root,
        "content/reviews/2026-W47/index.md",
        EXECUTIVE_NARRATIVE,
    );
    write(root, "content/reviews/2026-W47/ops.md", OPS_NARRATIVE);
    write(
        root,
        "content/reviews/2026-W47/decked.md",
        "The deck chart: {{ chart(\"Tickets in and out\") }}\n",
    );
    let w47 = jiff::civil::date(2026, 11, 16);
    let mut csv = String::from("date,tickets,handled\n");
    for day in days_from(
        jiff::civil::date(2026, 9, 1),
        jiff::civil::date(2026, 11, 22),
    ) {
        let (tickets, handled) = if day >= w47 {
            let index = (day - w47).get_days() as usize;
            ([100, 200, 300, 400, 250, 250, 250][index], 225)
        } else {
            (200, 190)
        };
        csv.push_str(&format!("{day},{tickets},{handled}\n"));
    }
    write(root, "data/ops.csv", &csv);
}

fn ops_external() -> Vec<String> {
    vec![
        "https://example.org/runbook".to_string(),
        "https://example.org/x.png".to_string(),
    ]
}

// ---------------------------------------------------------------------------
// Tests

#[test]
fn links_resolve_charts_have_data_and_tables_and_nothing_is_remote() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    ops_site(root);
    let out = build(root);
    let pages = check_site(&out, &ops_external());
    let names: Vec<&str> = pages.iter().map(|page| page.name.as_str()).collect();
    for expected in [
        "index.html",
        "archive/index.html",
        "2026-W45/index.html",
        "2026-W45/ops/index.html",
        "2026-W46/decked/index.html",
        "2026-W47/index.html",
        "2026-W47/ops/index.html",
        "2026-W47/decked/index.html",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }

    // The default deck gives every metric one chart, in definition order.
    let ops = page(&out, "2026-W47/ops/index.html");
    let deck: Vec<Chart> = ops
        .charts()
        .into_iter()
        .filter(|chart| !chart.id.starts_with("chart-narrative-"))
        .collect();
    let subjects: Vec<&str> = deck.iter().map(|chart| chart.series_names()[0]).collect();
    assert_eq!(subjects, ["Tickets", "Tickets handled", "Handled rate"]);

    // The tickets chart: hand-computed weekly and monthly sums, in the
    // chart and in its table.
    let tickets = &deck[0];
    assert_eq!(tickets.title, "Tickets");
    let labels = tickets.x_labels();
    assert_eq!(&labels[..7], ["W42", "W43", "W44", "W45", "W46", "W47", ""]);
    assert_eq!(&labels[17..], ["Sep", "Oct"]);
    let data = tickets.data("Tickets");
    assert_eq!(
        &data[..6],
        [
            Some(1400.0),
            Some(1400.0),
            Some(1400.0),
            Some(1400.0),
            Some(1400.0),
            Some(1750.0)
        ]
    );
    let monthly = tickets
        .series()
        .iter()
        .filter(|series| series["name"] == "Tickets")
        .nth(1)
        .unwrap()["data"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(monthly[17], 6000.0);
    assert_eq!(monthly[18], 6200.0);
    assert_eq!(tickets.cell("Week W47", "Tickets"), "1,750");
    assert_eq!(tickets.cell("Week W42", "Tickets"), "1,400");
    assert_eq!(tickets.cell("Sep", "Tickets"), "6,000");
    assert_eq!(tickets.cell("Oct", "Tickets"), "6,200");
    assert!(
        tickets.cell("Aug", "Tickets").starts_with('–'),
        "a gap, not a zero"
    );
    assert_eq!(tickets.cell("Week W47", "Target"), "1,500");
    assert!(tickets.caption.contains("Tickets"), "{}", tickets.caption);
}

#[test]
fn narrative_calls_render_hand_computed_numbers() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    ops_site(root);
    let out = build(root);

    let ops = page(&out, "2026-W47/ops/index.html");
    let narrative = ops.expect("narrative", |tag| {
        tag.opens("section") && tag.has_class("narrative")
    });
    let html = ops.inner(&narrative);
    let text = ops.text(&narrative);
    assert!(
        html.contains("<span class=\"num\" data-metric=\"ops.tickets\">1,750</span>"),
        "{html}"
    );
    // The stylesheet draws a change's arrow (`up`): the text is its number.
    assert!(text.contains("Tickets 1,750 (+25.0%"), "{text}");
    assert!(
        html.contains("<span class=\"delta bad up\">+25.0%</span>"),
        "{html}"
    );
    assert!(text.contains("MTD 4,750."), "{text}");
    assert!(text.contains("Handled rate 90.0% (−500 bps"), "{text}");
    // status(): red, in words as well as colour.
    assert!(
        html.contains("<span class=\"status status-red\"><span class=\"status-dot\" aria-hidden=\"true\"></span>Red</span>"),
        "{html}"
    );
    // The delta's tone follows `better`: more tickets is bad.
    assert!(html.contains("delta bad"), "{html}");

    // chart(): a chart with its JSON and table inside the narrative.
    let charts = ops.charts();
    let chart = charts
        .iter()
        .find(|chart| chart.id.starts_with("chart-narrative-ops-"))
        .expect("the narrative's chart");
    let narrative_start = ops.tags[narrative.start].start;
    let narrative_end = ops.tags[narrative.end - 1].start;
    assert!((narrative_start..narrative_end).contains(&chart.figure_start));
    assert_eq!(chart.data("Tickets")[5], Some(1750.0));
    assert_eq!(chart.cell("Week W47", "Tickets"), "1,750");

    // table("ops", "6w"): one row per metric, six weeks, WoW, YoY, target.
    let table = narrative
        .clone()
        .filter(|&at| ops.tags[at].opens("table"))
        .map(|at| ops.element(at))
        .find(|table| {
            ops.find_in(table, |tag| tag.opens("caption"))
                .is_some_and(|caption| ops.text(&caption) == "Operations: last 6 weeks")
        })
        .expect("the table() block");
    let rows = ops.table_rows(&table);
    assert_eq!(
        rows[0],
        ["Metric", "W42", "W43", "W44", "W45", "W46", "W47", "WoW", "YoY", "Target"]
    );
    let tickets = rows.iter().find(|row| row[0] == "Tickets").unwrap();
    assert_eq!(
        &tickets[1..7],
        ["1,400", "1,400", "1,400", "1,400", "1,400", "1,750"]
    );
    assert!(tickets[7].starts_with("+25.0%"), "{tickets:?}");
    assert!(
        tickets[8].starts_with("n/a"),
        "no prior-year data: {tickets:?}"
    );
    assert_eq!(tickets[9], "1,500");
    let rate = rows.iter().find(|row| row[0] == "Handled rate").unwrap();
    assert_eq!(&rate[5..7], ["95.0%", "90.0%"]);
    assert!(rate[7].starts_with("−500 bps"), "{rate:?}");
    assert_eq!(rate[9], "95.0%");

    // The executive narrative names metrics as "program.metric".
    let week = page(&out, "2026-W47/index.html");
    let summary = week.expect("narrative", |tag| {
        tag.opens("section") && tag.has_class("narrative")
    });
    let text = week.text(&summary);
    assert!(
        text.contains("Tickets 1,750 (+25.0% WoW), handled rate 90.0% Red."),
        "{text}"
    );
    assert!(week
        .charts()
        .iter()
        .any(|chart| chart.id.starts_with("chart-narrative-ops-")
            && chart.data("Tickets")[5] == Some(1750.0)));
    // The front matter title heads the page.
    let h1 = week.expect("h1", |tag| tag.opens("h1"));
    assert_eq!(week.text(&h1), "Week 47 summary");
    // A true zero change is shown as such.
    let w46 = page(&out, "2026-W46/index.html");
    let text = w46.text(&w46.expect("narrative", |tag| tag.has_class("narrative")));
    assert!(text.contains("Tickets 1,400 (0.0%"), "{text}");
    assert!(w46
        .html
        .contains("<span class=\"delta neutral flat\">0.0%</span>"));

    // chart("<deck chart title>") draws that deck block.
    let decked = page(&out, "2026-W47/decked/index.html");
    let chart = decked
        .charts()
        .into_iter()
        .find(|chart| chart.id.starts_with("chart-narrative-decked-"))
        .expect("the deck chart in the narrative");
    assert_eq!(chart.title, "Tickets in and out");
    assert_eq!(
        chart.series_names(),
        [
            "Tickets",
            "Tickets (prior year)",
            "Tickets handled",
            "Tickets handled (prior year)"
        ]
    );
}

#[test]
fn an_unknown_metric_in_a_narrative_fails_the_build_at_its_line_and_writes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    ops_site(root);
    let out = build(root);
    let before = snapshot(&out);
    write(
        root,
        "content/reviews/2026-W46/ops.md",
        "---\ntitle: Week 46\n---\n\nAll calm.\n\nTickets were {{ value(\"tickts\") }}.\n",
    );
    let stderr = build_fails(root);
    assert!(
        stderr.contains("content/reviews/2026-W46/ops.md:7"),
        "file:line expected:\n{stderr}"
    );
    assert!(stderr.contains("tickts"), "{stderr}");
    assert!(
        stderr.contains("`tickets`"),
        "a suggestion expected:\n{stderr}"
    );
    assert_eq!(snapshot(&out), before, "a failed build changed the site");

    // The same in an executive narrative, without a program prefix.
    fs::remove_file(root.join("content/reviews/2026-W46/ops.md")).unwrap();
    write(
        root,
        "content/reviews/2026-W46/index.md",
        "# Week 46\n\n{{ delta(\"ops.tickets\", \"wow\") }} and {{ value(\"nope.tickets\") }}\n",
    );
    let stderr = build_fails(root);
    assert!(
        stderr.contains("content/reviews/2026-W46/index.md:3"),
        "file:line expected:\n{stderr}"
    );
    assert_eq!(snapshot(&out), before, "a failed build changed the site");
}

#[test]
fn raw_html_is_escaped_by_default_and_unsafe_links_are_dropped() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    ops_site(root);
    let out = build(root);
    let ops = page(&out, "2026-W47/ops/index.html");
    let narrative = ops.expect("narrative", |tag| {
        tag.opens("section") && tag.has_class("narrative")
    });
    let inner = ops.inner(&narrative);
    assert!(inner.contains("&lt;b&gt;bold&lt;"), "{inner}");
    assert!(inner.contains("&lt;script&gt;alert(2)"), "{inner}");
    assert!(!ops.tags[narrative.clone()]
        .iter()
        .any(|tag| tag.name == "b"));
    let links = ops.links_in(&narrative);
    // javascript: and data: links become `#`; http(s) and mailto stay; a
    // remote image becomes a link, so the page loads nothing remote.
    assert_eq!(
        links.iter().filter(|link| *link == "#").count(),
        4,
        "{links:?}"
    );
    for link in &links {
        let lower = link.to_ascii_lowercase();
        assert!(
            !lower.contains("javascript:") && !lower.starts_with("data:"),
            "{links:?}"
        );
    }
    assert!(links.contains(&"https://example.org/runbook".to_string()));
    assert!(links.contains(&"https://example.org/x.png".to_string()));
    assert!(links.contains(&"mailto:ops@example.org".to_string()));
    assert!(!ops.tags.iter().any(|tag| tag.opens("img")));

    // With `allow_html: true` raw HTML is kept.
    write(root, "site.yaml", "title: Ops WBR\nallow_html: true\n");
    write(
        root,
        "content/reviews/2026-W47/ops.md",
        "Press <kbd>Ctrl</kbd> and see <b>bold</b> {{ value(\"tickets\") }}.\n\n[bad](javascript:alert(1))\n",
    );
    let out = build(root);
    let ops = page(&out, "2026-W47/ops/index.html");
    let narrative = ops.expect("narrative", |tag| {
        tag.opens("section") && tag.has_class("narrative")
    });
    let inner = ops.inner(&narrative);
    assert!(inner.contains("<b>bold</b>"), "{inner}");
    assert!(inner.contains("<kbd>Ctrl</kbd>"), "{inner}");
    assert!(inner.contains("1,750"), "{inner}");
    assert_eq!(ops.links_in(&narrative), ["#"]);
    check_site(&out, &[]);
}

#[test]
fn week_switcher_archive_and_landing_page_link_relatively() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    ops_site(root);
    let out = build(root);

    // The switcher is filled from assets/versions.js (so adding a week
    // does not change older pages): newest first, each with its programs.
    // Without JavaScript it offers the archive.
    let ops = page(&out, "2026-W46/ops/index.html");
    let switcher = ops.expect("switcher", |tag| {
        tag.opens("details") && tag.has_class("switcher")
    });
    assert_eq!(ops.links_in(&switcher), ["../../archive/index.html"]);
    let details = &ops.tags[switcher.start];
    assert_eq!(details.attr("data-current"), Some("2026-W46"));
    assert_eq!(details.attr("data-program"), Some("ops"));
    assert_eq!(details.attr("data-root"), Some("../../"));
    let week = page(&out, "2026-W45/index.html");
    let switcher = week.expect("switcher", |tag| {
        tag.opens("details") && tag.has_class("switcher")
    });
    let details = &week.tags[switcher.start];
    assert_eq!(details.attr("data-current"), Some("2026-W45"));
    assert_eq!(details.attr("data-program"), Some(""));
    assert_eq!(details.attr("data-root"), Some("../"));
    let script = read(&out.join("assets/versions.js"));
    let json = script
        .strip_prefix("window.SITREP_VERSIONS = ")
        .and_then(|rest| rest.trim_end().strip_suffix(';'))
        .expect("versions.js assigns one JSON array");
    let listed: Value = serde_json::from_str(json).unwrap();
    let listed: Vec<(&str, Vec<&str>)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let programs = entry["programs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            (entry["id"].as_str().unwrap(), programs)
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("2026-W47", vec!["decked", "ops"]),
            ("2026-W46", vec!["decked", "ops"]),
            ("2026-W45", vec!["decked", "ops"]),
        ]
    );
    // Breadcrumbs lead up.
    let crumbs = ops.expect("breadcrumbs", |tag| {
        tag.opens("nav") && tag.has_class("breadcrumbs")
    });
    assert_eq!(
        ops.links_in(&crumbs),
        ["../../archive/index.html", "../index.html"]
    );

    // The archive lists every version, newest first.
    let archive = page(&out, "archive/index.html");
    let main = archive.expect("main", |tag| tag.opens("main"));
    let table = archive
        .find_in(&main, |tag| tag.opens("table"))
        .expect("archive table");
    assert_eq!(
        archive.links_in(&table),
        [
            "../2026-W47/index.html",
            "../2026-W46/index.html",
            "../2026-W45/index.html",
        ]
    );
    let rows = archive.table_rows(&table);
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows[1][1].starts_with("2026-11-16"), "{rows:?}");

    // versions.json agrees.
    let versions: Value = serde_json::from_str(&read(&out.join("versions.json"))).unwrap();
    let ids: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|version| version["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["2026-W47", "2026-W46", "2026-W45"]);

    // The root index goes to the newest week, relatively.
    let landing = page(&out, "index.html");
    let refresh: Vec<&str> = landing
        .tags
        .iter()
        .filter(|tag| tag.opens("meta") && tag.attr("http-equiv") == Some("refresh"))
        .filter_map(|tag| tag.attr("content"))
        .collect();
    assert_eq!(refresh, ["0; url=2026-W47/index.html"]);
    let main = landing.expect("main", |tag| tag.opens("main"));
    assert!(landing
        .links_in(&main)
        .contains(&"2026-W47/index.html".to_string()));

    // Every link, from every page, is relative and resolves.
    check_site(&out, &ops_external());
}

#[test]
fn deck_blocks_render_in_order() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    ops_site(root);
    let out = build(root);
    let decked = page(&out, "2026-W47/decked/index.html");
    let deck = decked.expect("deck", |tag| tag.opens("section") && tag.has_class("deck"));
    // The deck's blocks, in order, by their ids.
    let blocks: Vec<(&str, &str)> = decked.tags[deck.clone()]
        .iter()
        .filter(|tag| !tag.end && (tag.has_class("deck-section") || tag.has_class("deck-block")))
        .map(|tag| (tag.name.as_str(), tag.attr("id").unwrap_or_default()))
        .collect();
    assert_eq!(
        blocks,
        [
            ("header", "section-1"),
            ("figure", "metric-tickets"),
            ("section", "table-3"),
            ("section", "table-4"),
        ]
    );
    let section = decked.expect("section", |tag| tag.attr("id") == Some("section-1"));
    assert_eq!(
        decked.text(&section),
        "Volume How much came in and went out."
    );

    // The chart of two metrics, with its title.
    let charts: Vec<Chart> = decked
        .charts()
        .into_iter()
        .filter(|chart| !chart.id.starts_with("chart-narrative-"))
        .collect();
    assert_eq!(charts.len(), 1, "only the deck's chart");
    let chart = &charts[0];
    assert_eq!(chart.title, "Tickets in and out");
    assert_eq!(
        chart.series_names(),
        [
            "Tickets",
            "Tickets (prior year)",
            "Tickets handled",
            "Tickets handled (prior year)"
        ]
    );
    assert_eq!(chart.data("Tickets handled")[5], Some(1575.0));
    assert_eq!(chart.cell("Week W47", "Tickets handled"), "1,575");

    // The 6-week table of three metrics.
    let table = decked.expect("6w table", |tag| tag.attr("id") == Some("table-3"));
    let rows = decked.table_rows(&table);
    assert_eq!(
        rows[0][..7],
        ["Metric", "W42", "W43", "W44", "W45", "W46", "W47"]
    );
    let names: Vec<&str> = rows[1..].iter().map(|row| row[0].as_str()).collect();
    assert_eq!(names, ["Tickets", "Tickets handled", "Handled rate"]);
    assert_eq!(rows[2][6], "1,575");
    assert_eq!(rows[3][6], "90.0%");

    // The 12-month table, with its title.
    let table = decked.expect("12m table", |tag| tag.attr("id") == Some("table-4"));
    let heading = decked.find_in(&table, |tag| tag.opens("h3")).unwrap();
    assert_eq!(decked.text(&heading), "Monthly view");
    let rows = decked.table_rows(&table);
    assert_eq!(
        rows[0].len(),
        1 + 12 + 2,
        "metric, 12 months, YoY, target: {:?}",
        rows[0]
    );
    assert_eq!(rows[0][11..13], ["Sep ’26", "Oct ’26"]);
    assert_eq!(rows[1][11..13], ["6,000", "6,200"]);

    // Key metrics on the week page link to where the metric is shown on the
    // program page, even when it has no chart of its own.
    check_site(&out, &ops_external());
}

const PAYLOAD: &str = r#"<script>alert(1)</script>"><img src=x onerror=alert(1)> <!-- {{ 7*7 }} {% if true %}x{% endif %}"#;

fn evil_site(root: &Path) {
    let p = PAYLOAD;
    write(root, "site.yaml", &format!("title: '{p}'\n"));
    write(
        root,
        "content/programs/evil.yaml",
        &format!(
            "name: '{p}'
owner: '{p}'
summary: '{p}'
metrics:
  score:
    name: '{p}'
    description: '{p}'
    column: score
    better: up
    target: 100
    sla: true
    key: true
  contacts:
    name: Contacts
    column: contacts
    where:
      channel: '{p}'
initiatives:
  - name: '{p}'
    owner: '{p}'
    due: 2026-12-01
    status: off_track
"
        ),
    );
    write(
        root,
        "content/programs/evil_deck.yaml",
        &format!(
            "name: Deck
owner: D. Owner
metrics:
  score:
    name: '{p}'
    column: score
deck:
  - section: '{p}'
    text: '{p}'
  - chart: [score]
    title: '{p}'
  - table: 6w
    title: '{p}'
    metrics: [score]
"
        ),
    );
    write(
        root,
        "content/reviews/2026-W47/index.md",
        &format!(
            "---\ntitle: '{p}'\nauthor: '{p}'\n---\n\nScore {{{{ value(\"evil.score\") }}}}.\n"
        ),
    );
    write(
        root,
        "content/reviews/2026-W47/evil.md",
        &format!("---\ntitle: '{p}'\nauthor: '{p}'\n---\n\n{{{{ chart(\"score\") }}}}\n"),
    );
    let mut scores = String::from("date,score\n");
    let mut long = String::from("date,metric,value,channel\n");
    let channel = format!("\"{}\"", p.replace('"', "\"\""));
    for day in days_from(
        jiff::civil::date(2026, 9, 1),
        jiff::civil::date(2026, 11, 22),
    ) {
        scores.push_str(&format!("{day},10\n"));
        long.push_str(&format!("{day},contacts,3,{channel}\n"));
        long.push_str(&format!("{day},contacts,4,phone\n"));
    }
    write(root, "data/scores.csv", &scores);
    write(root, "data/long.csv", &long);
}

#[test]
fn values_from_data_and_definitions_come_out_as_text() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    evil_site(root);
    let out = build(root);
    let pages = check_site(&out, &[]);
    for page in &pages {
        let lower = page.html.to_ascii_lowercase();
        for raw in ["<script>alert", "<img", "onerror=alert(1)>", "<!-- {{"] {
            assert!(!lower.contains(raw), "{}: raw `{raw}`", page.name);
        }
        // Every page shows the site title, as text.
        let title = page.expect("title", |tag| tag.opens("title"));
        assert!(
            page.text(&title).contains(PAYLOAD),
            "{}: {}",
            page.name,
            page.text(&title)
        );
        for tag in &page.tags {
            assert!(tag.name != "img", "{}: an <img> was injected", page.name);
        }
    }
    // Each value is shown, escaped, where it belongs.
    let count = |page: &Page| unescape(&page.html).matches(PAYLOAD).count();
    let week = page(&out, "2026-W47/index.html");
    let exceptions = week.expect("exceptions", |tag| {
        tag.opens("section") && tag.has_class("exceptions")
    });
    assert!(
        week.text(&exceptions).contains(PAYLOAD),
        "metric and program name in exceptions"
    );
    let h1 = week.expect("h1", |tag| tag.opens("h1"));
    assert_eq!(week.text(&h1), PAYLOAD, "narrative title");
    // title, header, h1, author, program card (name, owner), key metric,
    // exception (program, metric), initiative (name, owner, program).
    assert!(count(&week) >= 10, "{}", count(&week));
    let program = page(&out, "2026-W47/evil/index.html");
    let h1 = program.expect("h1", |tag| tag.opens("h1"));
    assert_eq!(program.text(&h1), PAYLOAD, "program name");
    let lead = program.expect("summary", |tag| tag.opens("p") && tag.has_class("lead"));
    assert_eq!(program.text(&lead), PAYLOAD);
    let initiatives = program.expect("initiatives", |tag| {
        tag.opens("table") && tag.has_class("initiatives-table")
    });
    let rows = program.table_rows(&initiatives);
    assert_eq!(rows[1][0], PAYLOAD);
    assert_eq!(rows[1][1], PAYLOAD);
    // Metric names reach the chart options as JSON strings, never as markup.
    let charts = program.charts();
    assert!(charts.len() >= 3, "two deck charts and the narrative's");
    for chart in &charts {
        assert!(
            chart.series_names().contains(&PAYLOAD) || chart.series_names().contains(&"Contacts")
        );
    }
    let score = charts
        .iter()
        .find(|chart| chart.series_names()[0] == PAYLOAD)
        .unwrap();
    assert_eq!(score.title, PAYLOAD);
    assert!(
        score.rows[0].contains(&PAYLOAD.to_string()),
        "{:?}",
        score.rows[0]
    );
    // The long-format dimension value selected its rows: 3 a day.
    let contacts = charts
        .iter()
        .find(|chart| chart.series_names()[0] == "Contacts")
        .unwrap();
    assert_eq!(contacts.data("Contacts")[5], Some(21.0));

    let deck = page(&out, "2026-W47/evil_deck/index.html");
    let section = deck.expect("section", |tag| tag.attr("id") == Some("section-1"));
    assert_eq!(deck.text(&section), format!("{PAYLOAD} {PAYLOAD}"));
    let table = deck.expect("table", |tag| tag.attr("id") == Some("table-3"));
    let heading = deck.find_in(&table, |tag| tag.opens("h3")).unwrap();
    assert_eq!(deck.text(&heading), PAYLOAD);
    let charts = deck.charts();
    assert_eq!(charts[0].title, PAYLOAD);
}

#[test]
fn a_custom_theme_overrides_one_file_and_its_errors_name_file_and_line() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    ops_site(root);
    write(root, "site.yaml", "title: Ops WBR\ntheme: brand\n");
    write(
        root,
        "themes/brand/templates/week.html",
        "{% extends \"base.html\" %}\n{% block head %}<link rel=\"stylesheet\" href=\"{{ page.root }}assets/extra.css\">{% endblock %}\n{% block main %}<h1 class=\"brand\">Brand week {{ version.id }}</h1>{% endblock %}\n",
    );
    write(
        root,
        "themes/brand/static/extra.css",
        ".brand { color: #123456; }\n",
    );
    let out = build(root);
    let week = page(&out, "2026-W47/index.html");
    let h1 = week.expect("h1", |tag| tag.opens("h1"));
    assert_eq!(week.text(&h1), "Brand week 2026-W47");
    assert!(
        !week.html.contains("status-grid"),
        "the whole template is replaced"
    );
    // Everything else is the built-in theme.
    let program = page(&out, "2026-W47/ops/index.html");
    assert!(program.html.contains("WBR deck"));
    assert!(!program.html.contains("Brand week"));
    assert_eq!(
        read(&out.join("assets/extra.css")),
        ".brand { color: #123456; }\n"
    );
    let default_css =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/static/sitrep.css");
    assert_eq!(
        fs::read(out.join("assets/sitrep.css")).unwrap(),
        fs::read(default_css).unwrap()
    );
    check_site(&out, &ops_external());

    // A syntax error in the theme fails the build, naming file and line.
    let before = snapshot(&out);
    write(
        root,
        "themes/brand/templates/week.html",
        "{% extends \"base.html\" %}\n{% block main %}\n{% if %}\n{% endblock %}\n",
    );
    let stderr = build_fails(root);
    assert!(
        stderr.contains("themes/brand/templates/week.html:3"),
        "file:line expected:\n{stderr}"
    );
    assert_eq!(snapshot(&out), before, "a failed build changed the site");
}

#[test]
fn the_example_site_passes_the_site_checks() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let folder = tempfile::tempdir().unwrap();
    let out = folder.path().join("site");
    sitrep(repo)
        .arg("build")
        .arg("--output")
        .arg(&out)
        .assert()
        .success();
    let pages = check_site(&out, &narrative_urls(repo));
    assert!(pages.len() > 5, "{} pages", pages.len());
    // Every program page of every version has its charts.
    for page in pages
        .iter()
        .filter(|page| page.name.matches('/').count() == 2)
    {
        assert!(!page.charts().is_empty(), "{}: no charts", page.name);
    }
}

#[test]
fn internal_links_in_narratives_must_lead_to_a_page() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    ops_site(root);
    write(
        root,
        "content/reviews/2026-W46/ops.md",
        "---\ntitle: Week 46\n---\n\nSee [last week](../../2026-W45/ops/index.html), [the summary](../), [the data](../data.json#x) and [the archive](../../archive/index.html).\n",
    );
    build(root);
    write(
        root,
        "content/reviews/2026-W46/ops.md",
        "---\ntitle: Week 46\n---\n\nAll calm.\n\nSee [fraud](../fraud/index.html).\n",
    );
    let check = sitrep(root).arg("check").output().unwrap();
    assert!(!check.status.success());
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(
        stderr.contains(
            "content/reviews/2026-W46/ops.md:7: the link `../fraud/index.html` leads to no page"
        ),
        "{stderr}"
    );
    assert!(build_fails(root).contains("../fraud/index.html"));
}

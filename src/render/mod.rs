//! Rendering review versions into HTML pages: the week summary, one WBR
//! deck per program, the archive and the landing page, plus the theme's
//! static files and the chart runtime under `assets/`.

pub mod annotations;
pub mod chart;
pub mod digest;
pub mod format;
pub mod narrative;
pub mod pages;
pub mod splice;
pub mod theme;
pub mod view;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::compute::restate::Restatement;
use crate::compute::{Comparison, ReviewNumbers, VersionSummary};
use crate::error::{Diagnostic, Diagnostics};
use crate::load::deck::{DeckBlock, SeriesStyle, TableLine, TablePeriod};
use crate::load::narrative::Narrative;
use crate::load::Site;
use crate::write::OutputFile;
use format::delta;
use narrative::{
    escape_html, expand_all_calls, fill_tokens, narrative_html, relative_links, resolve_link, Call,
    Scope,
};
use pages::{
    archive_page, landing_page, status_html, DataFileView, NarrativeView, Provenance, VersionPages,
};
use theme::Theme;
use view::{chart_view, number_format, period_table, push_delta, ChartSpec, LabelCache, TableSpec};

/// Renders the pages of a loaded site, one version at a time.
pub struct Renderer<'a> {
    site: &'a Site,
    theme: Theme,
    scope: Scope,
    /// Every file path the built site will have, for checking links.
    paths: HashSet<String>,
    provenance: Provenance,
}

/// The pages of one version.
pub struct RenderedVersion {
    /// Its pages (the week summary and one page per program).
    pub files: Vec<OutputFile>,
    pub charts: usize,
    /// The site paths its narratives link to.
    pub links: Vec<String>,
}

impl<'a> Renderer<'a> {
    /// A renderer for `site`, whose versions will be `versions` (oldest
    /// first), each with the programs that have pages in it. `built_at` is
    /// shown in page footers.
    pub fn new(
        site: &'a Site,
        versions: &[(String, Vec<String>)],
        built_at: &str,
    ) -> Result<Renderer<'a>, Diagnostics> {
        let theme = Theme::new(site.theme.as_ref()).map_err(Diagnostics)?;
        let provenance = Provenance {
            sitrep_version: env!("CARGO_PKG_VERSION"),
            built_at: built_at.to_string(),
            data_files: site
                .data_files
                .iter()
                .map(|file| DataFileView {
                    path: file.path.clone(),
                })
                .collect(),
        };
        Ok(Renderer {
            site,
            scope: narrative_scope(site),
            paths: site_paths(versions, &theme),
            theme,
            provenance,
        })
    }

    /// Whether the built site will have the file at `path`.
    pub fn has_path(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    /// The pages of one version; `restatements` are the numbers of a
    /// published version that today's data changes, which its pages list.
    pub fn version(
        &self,
        numbers: &ReviewNumbers,
        restatements: &[Restatement],
    ) -> Result<RenderedVersion, Vec<Diagnostic>> {
        render_version(
            self.site,
            &self.theme,
            &self.scope,
            &self.paths,
            numbers,
            &self.provenance,
            restatements,
        )
    }

    /// The pages and files that are not a version's: the archive, the
    /// landing page and the theme's static files. `drafts_left_out` draft
    /// weeks were not built (the archive and landing page say so).
    pub fn site_files(
        &self,
        versions: &[VersionSummary],
        drafts_left_out: usize,
    ) -> Result<Vec<OutputFile>, Diagnostics> {
        let mut errors = Diagnostics::default();
        let mut files = Vec::new();
        match archive_page(
            &self.theme,
            self.site,
            versions,
            &self.provenance,
            drafts_left_out,
        ) {
            Ok(html) => files.push(OutputFile::new("archive/index.html", html)),
            Err(problem) => errors.push(problem),
        }
        match landing_page(
            &self.theme,
            self.site,
            versions,
            &self.provenance,
            drafts_left_out,
        ) {
            Ok(html) => files.push(OutputFile::new("index.html", html)),
            Err(problem) => errors.push(problem),
        }
        for (name, bytes) in &self.theme.static_files {
            files.push(OutputFile::new(
                PathBuf::from("assets").join(name),
                bytes.clone(),
            ));
        }
        errors.into_result(files)
    }
}

/// Every file path the built site will have, for checking narrative links.
fn site_paths(versions: &[(String, Vec<String>)], theme: &Theme) -> HashSet<String> {
    let mut paths: HashSet<String> = [
        "index.html",
        "archive/index.html",
        "versions.json",
        "assets/versions.js",
    ]
    .map(String::from)
    .into();
    paths.extend(
        theme
            .static_files
            .keys()
            .map(|name| format!("assets/{name}")),
    );
    for (id, programs) in versions {
        paths.extend(version_paths(id, programs));
    }
    paths
}

/// The files of version `id` whose pages are for `programs`: its week
/// page, its `data.json`, its print view and one page per program.
pub fn version_paths(id: &str, programs: &[String]) -> Vec<String> {
    let mut paths = vec![
        format!("{id}/index.html"),
        format!("{id}/data.json"),
        format!("{id}/{PRINT_PAGE}"),
        format!("{id}/{PRINT_FURNITURE}"),
    ];
    paths.extend(
        programs
            .iter()
            .map(|program| format!("{id}/{program}/index.html")),
    );
    paths
}

/// The print view of a week, inside its folder.
pub const PRINT_PAGE: &str = "print/index.html";
/// The running heads of the print view's pages.
pub const PRINT_FURNITURE: &str = "print/furniture.css";

/// What narrative calls may name: every program's metrics and deck charts.
fn narrative_scope(site: &Site) -> Scope {
    Scope {
        program: None,
        metrics: site
            .programs
            .iter()
            .map(|program| {
                (
                    program.id.clone(),
                    program
                        .metrics
                        .iter()
                        .map(|metric| metric.definition.id.clone())
                        .collect(),
                )
            })
            .collect(),
        chart_blocks: site
            .programs
            .iter()
            .map(|program| {
                let titles = program
                    .deck
                    .iter()
                    .flatten()
                    .enumerate()
                    .filter_map(|(index, block)| match block {
                        DeckBlock::Chart {
                            title: Some(title), ..
                        } => Some((index, title.clone())),
                        _ => None,
                    })
                    .collect();
                (program.id.clone(), titles)
            })
            .collect(),
    }
}

fn render_version(
    site: &Site,
    theme: &Theme,
    scope: &Scope,
    pages: &HashSet<String>,
    numbers: &ReviewNumbers,
    provenance: &Provenance,
    restatements: &[Restatement],
) -> Result<RenderedVersion, Vec<Diagnostic>> {
    let id = &numbers.version.id;
    let review = site.reviews.iter().find(|review| review.week.id == *id);
    let mut errors = Vec::new();
    let mut charts = 0;
    let mut links = Vec::new();
    let mut render = |narrative: &Narrative| match render_narrative(
        site, theme, scope, pages, numbers, narrative,
    ) {
        Ok(rendered) => {
            charts += rendered.charts;
            links.extend(rendered.links);
            Some(rendered.view)
        }
        Err(problems) => {
            errors.extend(problems);
            None
        }
    };
    let summary = review
        .and_then(|review| review.summary.as_ref())
        .and_then(&mut render);
    let narratives: HashMap<String, NarrativeView> = review
        .map(|review| review.narratives.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|narrative| Some((narrative.program.clone()?, render(narrative)?)))
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let pages = VersionPages {
        site,
        numbers,
        provenance,
        summary,
        narratives,
        draft: !numbers.published,
        restatements,
    };
    let mut files = Vec::with_capacity(site.programs.len() + 3);
    match pages.week_page(theme) {
        Ok(html) => files.push(OutputFile::new(PathBuf::from(id).join("index.html"), html)),
        Err(problem) => errors.push(problem),
    }
    let mut decks = Vec::with_capacity(site.programs.len());
    for program in &site.programs {
        let Some(program_numbers) = numbers.programs.get(&program.id) else {
            continue;
        };
        let blocks = view::deck_view(&site.config.calendar, program, program_numbers);
        let deck = match pages::render_deck(theme, &program.id, blocks) {
            Ok(deck) => deck,
            Err(problem) => {
                errors.push(problem);
                continue;
            }
        };
        let card = pages.card_below_week(program);
        match pages.program_page(theme, program, &card, &deck) {
            Ok((html, deck_charts)) => {
                charts += deck_charts;
                files.push(OutputFile::new(
                    PathBuf::from(id).join(&program.id).join("index.html"),
                    html,
                ));
            }
            Err(problem) => errors.push(problem),
        }
        decks.push((program, card, deck));
    }
    match pages.print_page(theme, &decks) {
        Ok((html, furniture)) => {
            files.push(OutputFile::new(PathBuf::from(id).join(PRINT_PAGE), html));
            files.push(OutputFile::new(
                PathBuf::from(id).join(PRINT_FURNITURE),
                furniture,
            ));
        }
        Err(problem) => errors.push(problem),
    }
    if errors.is_empty() {
        links.sort();
        links.dedup();
        Ok(RenderedVersion {
            files,
            charts,
            links,
        })
    } else {
        Err(errors)
    }
}

/// A rendered narrative with what the build records of it.
struct RenderedNarrative {
    view: NarrativeView,
    charts: usize,
    links: Vec<String>,
}

/// Runs a narrative's calls against the version's numbers and renders it.
fn render_narrative(
    site: &Site,
    theme: &Theme,
    scope: &Scope,
    pages: &HashSet<String>,
    numbers: &ReviewNumbers,
    narrative: &Narrative,
) -> Result<RenderedNarrative, Vec<Diagnostic>> {
    let mut scope = scope.clone();
    scope.program = narrative.program.clone();
    let expanded = expand_all_calls(narrative, scope)?;
    // Markdown problems (a call as a link's address, …) first: the link
    // check below would report them less clearly.
    let html = narrative_html(narrative, &expanded, site.config.allow_html)
        .map_err(|problem| vec![problem])?;
    // Internal links must lead to a page (or asset) of the built site.
    let page = match &narrative.program {
        Some(program) => format!("{}/{program}/index.html", numbers.version.id),
        None => format!("{}/index.html", numbers.version.id),
    };
    let mut links = Vec::new();
    for (url, offset) in relative_links(&expanded.text) {
        let target = resolve_link(&page, &url);
        match target {
            Some(target) if pages.contains(&target) => links.push(target),
            _ => return Err(vec![Diagnostic::new(&narrative.path, format!("the link `{url}` leads to no page of the built site"))
                .at_line(Some(narrative.body_line + expanded.line(offset) - 1))
                .with_help(format!("links are relative to this page, {page}; e.g. `../index.html` is the week's summary"))]),
        }
    }
    let calls = expanded.calls;
    let fragments = calls
        .iter()
        .enumerate()
        .map(|(index, call)| call_html(site, theme, numbers, call, index))
        .collect::<Result<Vec<String>, Diagnostic>>()
        .map_err(|mut problem| {
            problem.path = PathBuf::from(&narrative.path);
            vec![problem]
        })?;
    Ok(RenderedNarrative {
        view: NarrativeView {
            title: narrative.front_matter.title.clone(),
            author: narrative.front_matter.author.clone(),
            html: fill_tokens(&html, &fragments),
            status: narrative.front_matter.status,
        },
        charts: calls
            .iter()
            .filter(|call| matches!(call, Call::Chart { .. }))
            .count(),
        links,
    })
}

/// The HTML of one checked call.
fn call_html(
    site: &Site,
    theme: &Theme,
    numbers: &ReviewNumbers,
    call: &Call,
    index: usize,
) -> Result<String, Diagnostic> {
    // Calls were checked against the site's programs and metrics; a
    // published version may still lack a program or metric added since.
    let missing = |what: String| {
        Diagnostic::new(
            "",
            format!(
                "{what} has no numbers in version {}, published before it existed",
                numbers.version.id
            ),
        )
        .with_help(format!(
            "remove the call, or run `sitrep publish {} --restate`",
            numbers.version.id
        ))
    };
    let program_numbers = |id: &str| {
        let program = site
            .program(id)
            .ok_or_else(|| missing(format!("program `{id}`")))?;
        let program_numbers = numbers
            .programs
            .get(id)
            .ok_or_else(|| missing(format!("program `{id}`")))?;
        Ok::<_, Diagnostic>((program, program_numbers))
    };
    let lookup = |program: &str, metric: &str| {
        let (program, program_numbers) = program_numbers(program)?;
        let metric_index = program
            .metrics
            .iter()
            .position(|candidate| candidate.definition.id == metric);
        match (metric_index, program_numbers.metrics.get(metric)) {
            (Some(index), Some(metric_numbers)) => Ok((program, index, metric_numbers)),
            _ => Err(missing(format!("metric `{}.{metric}`", program.id))),
        }
    };
    let calendar = &site.config.calendar;
    Ok(match call {
        Call::Value { metric, kind } => {
            let (program, index, metric_numbers) = lookup(&metric.program, &metric.metric)?;
            let summary = &metric_numbers.summary;
            let value = match kind.as_str() {
                "mtd" => summary.mtd,
                "qtd" => summary.qtd,
                "ytd" => summary.ytd,
                "target" => metric_numbers.target,
                "previous_week" => summary.previous_week,
                _ => summary.last_week,
            };
            let text = number_format(program, index, None).value(value);
            format!(
                "<span class=\"num\" data-metric=\"{}.{}\">{}</span>",
                escape_html(&metric.program),
                escape_html(&metric.metric),
                escape_html(&text)
            )
        }
        Call::Delta { metric, kind } => {
            let (program, index, metric_numbers) = lookup(&metric.program, &metric.metric)?;
            // Narrative calls are checked against DELTA_KINDS when parsed.
            let which = Comparison::from_key(kind).unwrap_or(Comparison::YtdYoy);
            let mut html = String::new();
            push_delta(
                &mut html,
                &delta(
                    metric_numbers.summary.change(which),
                    &number_format(program, index, None),
                    metric_numbers.better,
                ),
            );
            html
        }
        Call::Status { metric } => {
            let (_, _, metric_numbers) = lookup(&metric.program, &metric.metric)?;
            status_html(metric_numbers.status)
        }
        Call::Annotations { metric } => {
            let (program, _, metric_numbers) = lookup(&metric.program, &metric.metric)?;
            let line = annotations::Line {
                metric: &metric.metric,
                name: &metric_numbers.name,
            };
            let notes = annotations::chart_notes(
                program,
                &[line],
                &metric_numbers.weeks,
                &metric_numbers.months,
                true,
            );
            if notes.list.is_empty() {
                "<p class=\"annotations annotations-none\">No noteworthy events.</p>".to_string()
            } else {
                annotations::list_html(&notes.list)
            }
        }
        Call::Chart {
            program,
            block,
            metrics,
        } => {
            let (program, program_numbers) = program_numbers(program)?;
            let dom_id = format!("chart-narrative-{}-{}", program.id, index + 1);
            // Without a deck chart, the chart of the metrics the call names.
            let named_series: Vec<(usize, SeriesStyle)>;
            let spec = match block.and_then(|block| program.deck.as_ref()?.get(block)) {
                Some(DeckBlock::Chart {
                    title,
                    series,
                    prior_year,
                    decimals,
                    legends,
                }) => ChartSpec {
                    series,
                    title: title.as_deref(),
                    prior_year: *prior_year,
                    decimals: *decimals,
                    legends,
                },
                _ => {
                    named_series = metrics
                        .iter()
                        .enumerate()
                        .map(|(position, metric)| {
                            let (_, metric_index, _) = lookup(&metric.program, &metric.metric)?;
                            let style = if position == 0 {
                                SeriesStyle::Primary
                            } else {
                                SeriesStyle::Secondary
                            };
                            Ok((metric_index, style))
                        })
                        .collect::<Result<_, Diagnostic>>()?;
                    ChartSpec {
                        series: &named_series,
                        title: None,
                        prior_year: true,
                        decimals: None,
                        legends: &[],
                    }
                }
            };
            let chart = chart_view(
                &mut LabelCache::new(calendar),
                program,
                program_numbers,
                spec,
                dom_id,
            );
            let mut chart =
                chart.ok_or_else(|| missing(format!("a chart of program `{}`", program.id)))?;
            // Anchors in a narrative must not clash with the deck's.
            chart.anchor = format!("narrative-{}-{}", program.id, index + 1);
            // Outside the deck, the chart carries its data itself.
            chart.data_json = Some(view::ChartSet::new([("", &chart.data)]).to_json());
            theme.render(
                "partials/chart.html",
                minijinja::context! { chart => chart },
            )?
        }
        Call::Table { program, period } => {
            let (program, program_numbers) = program_numbers(program)?;
            let period = if period == "12m" {
                TablePeriod::TwelveMonths
            } else {
                TablePeriod::SixWeeks
            };
            let all: Vec<usize> = (0..program.metrics.len()).collect();
            let lines: Vec<TableLine> = all.iter().map(|&index| TableLine::Metric(index)).collect();
            let spec = TableSpec {
                lines: &lines,
                changes: &[],
                period,
                title: None,
                decimals: None,
            };
            let table = period_table(calendar, program, program_numbers, spec);
            theme.render(
                "partials/table.html",
                minijinja::context! { table => table, title => "", anchor => "" },
            )?
        }
    })
}

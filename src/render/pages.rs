//! The pages of a review site and what each template is given.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use minijinja::value::{Enumerator, Object, ObjectRepr};
use minijinja::{context, Value};
use serde::Serialize;

use super::format::delta;
use super::narrative::escape_html;
use super::splice::{fill_insets, Fragment};
use super::theme::{Theme, SCREEN_ONLY_MARKS};
use super::view::{
    chart_data_json, deck_charts, metric_block_anchor, metric_view, number_format, BlockAnchors,
    BlockView, ChartSet, MetricView, StatusView,
};
use crate::compute::restate::Restatement;
use crate::compute::status::{initiative_status, Status};
use crate::compute::{
    Comparison, Exception, ExceptionKind, ReviewNumbers, VersionSummary, HELD_WEEKS_CHECKED,
};
use crate::error::Diagnostic;
use crate::load::program::InitiativeStatus;
use crate::load::{Program, Site};

/// What every page is told about the build.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    pub sitrep_version: &'static str,
    pub built_at: String,
    pub data_files: Vec<DataFileView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DataFileView {
    pub path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Crumb {
    pub title: String,
    pub href: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageInfo {
    pub title: String,
    /// `landing`, `archive`, `week` or `program`.
    pub kind: &'static str,
    /// The relative path from the page to the site root: `""`, `"../"`, …
    pub root: String,
    pub breadcrumbs: Vec<Crumb>,
    /// The program of a program page, for the week switcher.
    pub program: Option<String>,
    /// One sentence for `<meta name="description">` and link previews.
    pub description: String,
}

/// A version as pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct VersionView {
    pub id: String,
    pub start: jiff::civil::Date,
    pub end: jiff::civil::Date,
    pub as_of: jiff::civil::Date,
    pub status: StatusView,
    pub draft: bool,
}

/// One entry of the week switcher or the archive.
#[derive(Debug, Clone, Serialize)]
pub struct VersionLink {
    pub id: String,
    pub start: jiff::civil::Date,
    pub end: jiff::civil::Date,
    pub href: String,
    pub current: bool,
    pub status: StatusView,
    pub draft: bool,
    pub exceptions: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExceptionView {
    pub kind: ExceptionKind,
    pub kind_label: &'static str,
    pub program_name: String,
    pub metric_name: String,
    pub detail: String,
    pub href: String,
    /// "new this week", "red for 3 weeks"; empty when the numbers were
    /// published before this was worked out.
    pub held: String,
    pub new: bool,
}

/// The exceptions shown first on a week page; the rest are behind an
/// "and N more".
pub const EXCEPTIONS_SHOWN: usize = 5;

/// A week's exceptions as its pages list them.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExceptionsView {
    /// The most serious, shown.
    pub shown: Vec<ExceptionView>,
    /// The rest, behind "and N more".
    pub more: Vec<ExceptionView>,
    /// "16 exceptions: 2 SLA breaches, 2 red metrics, 12 unusual moves; 5
    /// new this week."
    pub summary: String,
    /// What cleared since last week, one entry per metric.
    pub cleared: Vec<ExceptionView>,
}

/// One changed number of a restated week, as its pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct RestatementView {
    pub program_name: String,
    pub metric_name: String,
    pub period: String,
    pub published: String,
    pub now: String,
}

/// A dated record of `publish --restate`.
#[derive(Debug, Clone, Serialize)]
pub struct RestatementRecordView {
    pub date: jiff::civil::Date,
    pub changes: Vec<RestatementView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InitiativeView {
    pub name: String,
    pub owner: Option<String>,
    pub due: Option<jiff::civil::Date>,
    pub status: StatusView,
    pub program_name: String,
    pub program_href: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProgramCard {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub summary: Option<String>,
    pub status: StatusView,
    pub href: String,
    pub key_metrics: Vec<MetricView>,
    pub initiatives: Vec<InitiativeView>,
}

/// A rendered narrative.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NarrativeView {
    pub title: Option<String>,
    pub author: Option<String>,
    pub html: String,
    #[serde(skip)]
    pub status: Option<Status>,
}

/// Everything shared by the pages of one version.
pub struct VersionPages<'a> {
    pub site: &'a Site,
    pub numbers: &'a ReviewNumbers,
    pub provenance: &'a Provenance,
    pub summary: Option<NarrativeView>,
    pub narratives: HashMap<String, NarrativeView>,
    pub draft: bool,
    /// The numbers of this published week that today's data changes.
    pub restatements: &'a [Restatement],
}

pub fn initiative_label(status: InitiativeStatus) -> &'static str {
    match status {
        InitiativeStatus::OnTrack => "On track",
        InitiativeStatus::AtRisk => "At risk",
        InitiativeStatus::OffTrack => "Off track",
        InitiativeStatus::Done => "Done",
    }
}

/// How long an exception has held: "new this week", "red for 3 weeks",
/// "SLA missed for 6 weeks or more"; empty when unknown.
pub fn held_label(kind: ExceptionKind, held_weeks: Option<u32>) -> String {
    let Some(weeks) = held_weeks else {
        return String::new();
    };
    if weeks <= 1 {
        return "new this week".to_string();
    }
    let what = match kind {
        ExceptionKind::SlaBreach => "SLA missed",
        ExceptionKind::Red => "red",
        ExceptionKind::UnusualMove => "unusual",
    };
    if weeks >= HELD_WEEKS_CHECKED {
        format!("{what} for {weeks} weeks or more")
    } else {
        format!("{what} for {weeks} weeks")
    }
}

/// "2 SLA breaches", "1 red metric", "12 unusual moves".
fn kind_count(kind: ExceptionKind, count: usize) -> String {
    let (one, many) = match kind {
        ExceptionKind::SlaBreach => ("SLA breach", "SLA breaches"),
        ExceptionKind::Red => ("red metric", "red metrics"),
        ExceptionKind::UnusualMove => ("unusual move", "unusual moves"),
    };
    format!("{count} {}", if count == 1 { one } else { many })
}

/// The summary sentence of a week's exceptions.
pub fn exceptions_summary(exceptions: &[Exception]) -> String {
    if exceptions.is_empty() {
        return String::new();
    }
    let kinds: Vec<String> = [
        ExceptionKind::SlaBreach,
        ExceptionKind::Red,
        ExceptionKind::UnusualMove,
    ]
    .into_iter()
    .filter_map(|kind| {
        let count = exceptions.iter().filter(|e| e.kind == kind).count();
        (count > 0).then(|| kind_count(kind, count))
    })
    .collect();
    let total = exceptions.len();
    let mut text = format!(
        "{total} exception{}: {}",
        if total == 1 { "" } else { "s" },
        kinds.join(", ")
    );
    if exceptions.iter().all(|e| e.held_weeks.is_some()) {
        let new = exceptions
            .iter()
            .filter(|e| e.held_weeks == Some(1))
            .count();
        text.push_str(&format!("; {new} new this week"));
    }
    text.push('.');
    text
}

pub fn kind_label(kind: ExceptionKind) -> &'static str {
    match kind {
        ExceptionKind::SlaBreach => "SLA breach",
        ExceptionKind::Red => "Red",
        ExceptionKind::UnusualMove => "Unusual move",
    }
}

/// The status pages show: the owner's override, else the computed one.
fn shown_status(computed: Option<Status>, narrative: Option<&NarrativeView>) -> Option<Status> {
    narrative
        .and_then(|narrative| narrative.status)
        .or(computed)
}

impl VersionPages<'_> {
    fn id(&self) -> &str {
        &self.numbers.version.id
    }

    fn version_view(&self) -> VersionView {
        VersionView {
            id: self.id().to_string(),
            start: self.numbers.version.start,
            end: self.numbers.version.end,
            as_of: self.numbers.as_of,
            status: StatusView::new(shown_status(self.numbers.status, self.summary.as_ref())),
            draft: self.draft,
        }
    }

    fn base_context(&self, page: PageInfo) -> Value {
        context! {
            site => context! { title => &self.site.config.title },
            version => self.version_view(),
            provenance => self.provenance,
            page => page,
        }
    }

    /// A restatement as pages show it: names, and both numbers written as
    /// the deck writes the metric.
    fn restatement_view(&self, change: &Restatement) -> RestatementView {
        let program = self.site.program(&change.program);
        let index = program.and_then(|program| {
            program
                .metrics
                .iter()
                .position(|metric| metric.definition.id == change.metric)
        });
        let format = match (program, index) {
            (Some(program), Some(index)) => number_format(program, index, None),
            _ => crate::render::format::NumberFormat::new(change.unit, None),
        };
        let (published, now) = change.shown(&format);
        let numbers = self.numbers.programs.get(&change.program);
        RestatementView {
            program_name: numbers
                .map(|program| program.name.clone())
                .unwrap_or_else(|| change.program.clone()),
            metric_name: numbers
                .and_then(|program| program.metrics.get(&change.metric))
                .map(|metric| metric.name.clone())
                .unwrap_or_else(|| change.metric.clone()),
            period: change.period.clone(),
            published,
            now,
        }
    }

    /// The restatement notice and records of the pages of `program` (all
    /// programs for the week page).
    fn restatement_context(&self, program: Option<&str>) -> Value {
        let mine = |change: &&Restatement| program.is_none_or(|id| change.program == id);
        let restated: Vec<RestatementView> = self
            .restatements
            .iter()
            .filter(mine)
            .map(|change| self.restatement_view(change))
            .collect();
        let records: Vec<RestatementRecordView> = self
            .numbers
            .restated
            .iter()
            .map(|record| RestatementRecordView {
                date: record.date,
                changes: record
                    .changes
                    .iter()
                    .filter(mine)
                    .map(|change| self.restatement_view(change))
                    .collect(),
            })
            .filter(|record| !record.changes.is_empty())
            .collect();
        context! { restated => restated, restatement_records => records }
    }

    /// The trail of a page one folder below the week's: archive, week,
    /// then `title`.
    fn crumbs_below_week(&self, title: String) -> Vec<Crumb> {
        vec![
            Crumb {
                title: "Archive".to_string(),
                href: Some("../../archive/index.html".to_string()),
            },
            Crumb {
                title: format!("Week {}", self.id()),
                href: Some("../index.html".to_string()),
            },
            Crumb { title, href: None },
        ]
    }

    /// The card of `program` on a page one folder below the week's: made
    /// once for both its program page and the print view.
    pub fn card_below_week(&self, program: &Program) -> Option<ProgramCard> {
        self.program_card(program, "../")
    }

    fn program_card(&self, program: &Program, root: &str) -> Option<ProgramCard> {
        let numbers = self.numbers.programs.get(&program.id)?;
        let mut key_metrics = key_metric_views(program, numbers);
        // A custom deck may show a metric only in another metric's chart or
        // in a table: link to where it is.
        let anchors = BlockAnchors::new(program);
        for view in &mut key_metrics {
            view.anchor = anchors.of(&view.id).unwrap_or_default();
        }
        let href = format!("{root}{}/index.html", program.id);
        Some(ProgramCard {
            id: program.id.clone(),
            name: program.name.clone(),
            owner: program.owner.clone(),
            summary: program.summary.clone(),
            status: StatusView::new(shown_status(
                numbers.status,
                self.narratives.get(&program.id),
            )),
            key_metrics,
            initiatives: program
                .initiatives
                .iter()
                .map(|initiative| InitiativeView {
                    name: initiative.name.clone(),
                    owner: initiative.owner.clone(),
                    due: initiative.due,
                    status: StatusView {
                        class: initiative_status(initiative.status).name(),
                        label: initiative_label(initiative.status),
                    },
                    program_name: program.name.clone(),
                    program_href: href.clone(),
                })
                .collect(),
            href,
        })
    }

    /// `<week>/index.html`: exceptions, the status grid, the executive
    /// narrative and initiatives at risk.
    pub fn week_page(&self, theme: &Theme) -> Result<String, Diagnostic> {
        let root = "../".to_string();
        let status = StatusView::new(shown_status(self.numbers.status, self.summary.as_ref()));
        let page = PageInfo {
            title: format!("Week {}", self.id()),
            description: format!(
                "Weekly business review of week {} ({} to {}): {}. {}",
                self.id(),
                self.numbers.version.start,
                self.numbers.version.end,
                status.label,
                match exceptions_summary(&self.numbers.exceptions) {
                    summary if summary.is_empty() => "No exceptions.".to_string(),
                    summary => summary,
                }
            ),
            kind: "week",
            root,
            breadcrumbs: vec![
                Crumb {
                    title: "Archive".to_string(),
                    href: Some("../archive/index.html".to_string()),
                },
                Crumb {
                    title: format!("Week {}", self.id()),
                    href: None,
                },
            ],
            program: None,
        };
        let cards: Vec<ProgramCard> = self
            .site
            .programs
            .iter()
            .filter_map(|program| self.program_card(program, ""))
            .collect();
        let initiatives_at_risk: Vec<&InitiativeView> = cards
            .iter()
            .flat_map(|card| &card.initiatives)
            .filter(|initiative| matches!(initiative.status.label, "At risk" | "Off track"))
            .collect();
        let context = context! {
            narrative => &self.summary,
            programs => cards,
            // The whole list, most serious first, as themes have it; and
            // the same ranked for the page: shown, "and N more", cleared.
            exceptions => self.exception_views(&self.numbers.exceptions, "", false),
            ranked_exceptions => self.exceptions_view(""),
            initiatives_at_risk => initiatives_at_risk,
            ..minijinja::value::merge_maps([self.restatement_context(None), self.base_context(page)])
        };
        theme.render("week.html", context)
    }

    /// The week's exceptions, ranked, with links relative to a page whose
    /// path to the week's folder is `to_week` (`""` from the week page).
    fn exceptions_view(&self, to_week: &str) -> ExceptionsView {
        let mut shown = self.exception_views(&self.numbers.exceptions, to_week, false);
        let more = shown.split_off(shown.len().min(EXCEPTIONS_SHOWN));
        ExceptionsView {
            shown,
            more,
            summary: exceptions_summary(&self.numbers.exceptions),
            cleared: self.exception_views(&self.numbers.cleared, to_week, true),
        }
    }

    /// `cleared`: exceptions of last week, described by last week's value.
    fn exception_views(
        &self,
        exceptions: &[Exception],
        to_week: &str,
        cleared: bool,
    ) -> Vec<ExceptionView> {
        exceptions
            .iter()
            .filter_map(|exception| {
                let program = self.site.program(&exception.program)?;
                let index = program
                    .metrics
                    .iter()
                    .position(|metric| metric.definition.id == exception.metric)?;
                let numbers = self
                    .numbers
                    .programs
                    .get(&exception.program)?
                    .metrics
                    .get(&exception.metric)?;
                let view = metric_view(program, index, numbers);
                let format = number_format(program, index, None);
                let last_week = || {
                    let value = format.value(exception.value);
                    let against = match exception.target {
                        Some(target) => {
                            format!("{value} against a target of {}", format.value(Some(target)))
                        }
                        None => value,
                    };
                    format!("Last week {against}; this week {}.", view.value)
                };
                let detail = match exception.kind {
                    _ if cleared => last_week(),
                    ExceptionKind::SlaBreach | ExceptionKind::Red => {
                        let against = match &view.target {
                            Some(target) => format!("{} against a target of {target}", view.value),
                            None => view.value.clone(),
                        };
                        match (&view.unusual, exception.direction) {
                            (Some(unusual), Some(_)) => format!("{against}. {unusual}"),
                            _ => against,
                        }
                    }
                    ExceptionKind::UnusualMove => {
                        let change = delta(
                            numbers.summary.change(Comparison::Wow),
                            &number_format(program, index, None),
                            numbers.better,
                        );
                        format!(
                            "{} ({} WoW). {}",
                            view.value,
                            change.text,
                            view.unusual.clone().unwrap_or_default()
                        )
                    }
                };
                Some(ExceptionView {
                    kind: exception.kind,
                    kind_label: kind_label(exception.kind),
                    program_name: program.name.clone(),
                    metric_name: exception.metric_name.clone(),
                    detail,
                    href: match metric_block_anchor(program, &exception.metric) {
                        Some(anchor) => format!("{to_week}{}/index.html#{anchor}", program.id),
                        None => format!("{to_week}{}/index.html", program.id),
                    },
                    held: held_label(exception.kind, exception.held_weeks),
                    new: exception.held_weeks == Some(1),
                })
            })
            .collect()
    }

    /// `<week>/<program>/index.html`: the narrative, the deck (made by
    /// [`super::view::deck_view`]), initiatives. Returns the page and how many charts
    /// it has.
    pub fn program_page(
        &self,
        theme: &Theme,
        program: &Program,
        card: &Option<ProgramCard>,
        deck: &RenderedDeck,
    ) -> Result<(String, usize), Diagnostic> {
        let page = PageInfo {
            title: format!("{} · Week {}", program.name, self.id()),
            description: self.program_description(program),
            kind: "program",
            root: "../../".to_string(),
            breadcrumbs: self.crumbs_below_week(program.name.clone()),
            program: Some(program.id.clone()),
        };
        let charts = deck_charts(&deck.blocks).count();
        let charts_json = ChartSet::of_deck(&deck.blocks, &deck.chart_json).to_json();
        let context = |inset: &dyn Fn(usize, &str) -> Value| {
            context! {
                program => card,
                deck => LazyDeck::value_of(&deck.blocks, None),
                deck_html => inset(0, &deck.page_html),
                charts_json => inset(1, &charts_json),
                narrative => self.narratives.get(&program.id),
                ..minijinja::value::merge_maps([
                    self.restatement_context(Some(&program.id)),
                    self.base_context(page.clone()),
                ])
            }
        };
        let html = render_with_insets(
            theme,
            "program.html",
            context,
            &[&deck.page_html, &charts_json],
        )?;
        Ok((html, charts))
    }

    fn program_description(&self, program: &Program) -> String {
        let status = self
            .numbers
            .programs
            .get(&program.id)
            .map(|numbers| {
                StatusView::new(shown_status(
                    numbers.status,
                    self.narratives.get(&program.id),
                ))
                .label
            })
            .unwrap_or("No data");
        format!(
            "{} WBR, week {} ({} to {}): {status}. Owner: {}.",
            program.name,
            self.id(),
            self.numbers.version.start,
            self.numbers.version.end,
            program.owner
        )
    }

    /// `<week>/print/index.html`: the whole week in one document, for
    /// paper: a cover with the week's status and exceptions, then every
    /// program's narrative and deck (the same chart markup as the program
    /// pages), each program starting a new page. `decks` are the programs'
    /// decks, in site order. Also gives `<week>/print/furniture.css`, the
    /// running heads of its printed pages (a stylesheet of its own, so that
    /// the strict Content-Security-Policy holds).
    pub fn print_page(
        &self,
        theme: &Theme,
        decks: &[(&Program, Option<ProgramCard>, RenderedDeck)],
    ) -> Result<(String, String), Diagnostic> {
        let page = PageInfo {
            title: format!("Week {} · print view", self.id()),
            description: format!(
                "The whole weekly business review of week {} in one document, for printing.",
                self.id()
            ),
            kind: "print",
            root: "../../".to_string(),
            breadcrumbs: self.crumbs_below_week("Print view".to_string()),
            program: None,
        };
        #[derive(Serialize)]
        struct PrintedProgram<'a> {
            card: Option<ProgramCard>,
            /// `print-<n>`: the named page of its sheets.
            page_name: String,
            /// The blocks, each id after the program's (made when a theme
            /// asks for them).
            deck: Value,
            /// The blocks as markup, made by [`render_deck`].
            deck_html: Value,
            #[serde(skip)]
            print_html: &'a str,
            narrative: Option<NarrativeView>,
        }
        let mut furniture = format!(
            "/* The running heads of the printed week {id} (made by sitrep). */\n\
             @page {{ @top-left {{ content: {week}; }} @bottom-right {{ content: \"Page \" counter(page) \" of \" counter(pages); }} }}\n",
            id = self.id(),
            week = css_string(&format!("{} · Week {}", self.site.config.title, self.id())),
        );
        let mut programs = Vec::with_capacity(decks.len());
        // Ids must not repeat on one page: each program's blocks and
        // charts have its id in front.
        let mut chart_ids = Vec::new();
        for (position, (program, card, deck)) in decks.iter().enumerate() {
            let page_name = format!("print-{}", position + 1);
            furniture.push_str(&format!(
                "@page {page_name} {{ @top-left {{ content: {}; }} }}\n.{page_name} {{ page: {page_name}; }}\n",
                css_string(&format!("Week {} · {}", self.id(), program.name))
            ));
            for (chart, json) in deck_charts(&deck.blocks).zip(&deck.chart_json) {
                chart_ids.push((
                    format!("{}-{}", program.id, chart.dom_id),
                    &*chart.data.labels,
                    json.as_str(),
                ));
            }
            let narrative = self
                .narratives
                .get(&program.id)
                .map(|narrative| NarrativeView {
                    html: prefix_ids(&narrative.html, &program.id),
                    ..narrative.clone()
                });
            programs.push(PrintedProgram {
                card: card.clone(),
                page_name,
                deck: LazyDeck::value_of(&deck.blocks, Some(&program.id)),
                deck_html: Value::UNDEFINED,
                print_html: &deck.print_html,
                narrative,
            });
        }
        // One chart data block for the whole view.
        let charts_json = ChartSet::from_json(
            chart_ids
                .iter()
                .map(|(id, labels, json)| (id.as_str(), *labels, Cow::Borrowed(*json))),
        )
        .to_json();
        // The decks' markup and the chart data go in after rendering.
        let insets: Vec<&str> = programs
            .iter()
            .map(|printed| printed.print_html)
            .chain([charts_json.as_str()])
            .collect();
        let context = |inset: &dyn Fn(usize, &str) -> Value| {
            for (index, printed) in programs.iter_mut().enumerate() {
                printed.deck_html = inset(index, printed.print_html);
            }
            context! {
                charts_json => inset(insets.len() - 1, &charts_json),
                narrative_title => self.summary.as_ref().and_then(|summary| summary.title.clone()),
                printed => &programs,
                ranked_exceptions => self.exceptions_view("../"),
                ..minijinja::value::merge_maps([self.restatement_context(None), self.base_context(page.clone())])
            }
        };
        let html = render_with_insets(theme, "print.html", context, &insets)?;
        Ok((html, furniture))
    }
}

/// Renders template `name` with the context `context` makes, given for
/// each markup inset (number, markup) the value to use: a slot that is
/// filled in after rendering, or (when a theme changed a slot) the markup
/// itself.
fn render_with_insets(
    theme: &Theme,
    name: &str,
    mut context: impl FnMut(&dyn Fn(usize, &str) -> Value) -> Value,
    insets: &[&str],
) -> Result<String, Diagnostic> {
    let marks = &theme.marks;
    let slots = context(&|index, _| Value::from_safe_string(marks.inset(index)));
    let html = theme.render(name, slots)?;
    if let Some(html) = fill_insets(&html, marks, insets) {
        return Ok(html);
    }
    let markup = context(&|_, markup| Value::from_safe_string(markup.to_string()));
    theme.render(name, markup)
}

/// A program's deck view with its markup for the program page and for the
/// print view.
pub struct RenderedDeck {
    pub blocks: Arc<Vec<BlockView>>,
    /// Each chart's data as JSON ([`chart_data_json`]), in deck order:
    /// made once for the program page's chart data and the print view's.
    pub chart_json: Vec<String>,
    pub page_html: String,
    pub print_html: String,
    /// Whether the deck was rendered once for both pages.
    pub rendered_once: bool,
}

/// Renders the deck `blocks` of program `program` (its id) with
/// `partials/deck.html` for its program page and for the print view, where
/// each id has the program's id in front and screen-only markup is left out. Rendered once, with slots
/// for the ids (see [`super::splice`]); twice when the theme reads
/// `on_paper` itself or the slots do not cut cleanly.
pub fn render_deck(
    theme: &Theme,
    program: &str,
    mut blocks: Vec<BlockView>,
) -> Result<RenderedDeck, Diagnostic> {
    if !theme.deck_reads_on_paper {
        let marks = &theme.marks;
        let mut ids = Vec::new();
        each_id(&mut blocks, |id| {
            let slot = marks.slot(ids.len());
            ids.push(std::mem::replace(id, slot));
        });
        let (start, end) = marks.screen_only();
        let marks_value = Value::from(vec![
            Value::from_safe_string(start),
            Value::from_safe_string(end),
        ]);
        let rendered = theme.render(
            "partials/deck.html",
            Value::from_iter([
                ("deck", Value::from_serialize(&blocks)),
                ("on_paper", Value::from(false)),
                (SCREEN_ONLY_MARKS, marks_value),
            ]),
        );
        let mut originals = ids.iter();
        each_id(&mut blocks, |id| {
            *id = originals.next().cloned().unwrap_or_default();
        });
        let rendered = rendered?;
        if let Some(fragment) = Fragment::parse(rendered, marks, &ids) {
            return Ok(RenderedDeck {
                chart_json: deck_chart_json(&blocks),
                page_html: fragment.write(None),
                print_html: fragment.write(Some(program)),
                blocks: Arc::new(blocks),
                rendered_once: true,
            });
        }
    }
    let page_html = theme.render(
        "partials/deck.html",
        context! { deck => &blocks, on_paper => false },
    )?;
    let print_html = theme.render(
        "partials/deck.html",
        context! { deck => prefixed_blocks(&blocks, program), on_paper => true },
    )?;
    Ok(RenderedDeck {
        chart_json: deck_chart_json(&blocks),
        blocks: Arc::new(blocks),
        page_html,
        print_html,
        rendered_once: false,
    })
}

/// The data of each chart of `blocks` as JSON, in order.
fn deck_chart_json(blocks: &[BlockView]) -> Vec<String> {
    deck_charts(blocks)
        .map(|chart| chart_data_json(&chart.data))
        .collect()
}

/// Calls `each` with every element id of `blocks`, in order.
fn each_id(blocks: &mut [BlockView], mut each: impl FnMut(&mut String)) {
    for block in blocks {
        match block {
            BlockView::Chart(chart) => {
                each(&mut chart.dom_id);
                each(&mut chart.anchor);
            }
            BlockView::Section { anchor, .. } | BlockView::Table { anchor, .. } => each(anchor),
        }
    }
}

/// `blocks` with `prefix-` in front of every id, as the print view has them.
fn prefixed_blocks(blocks: &[BlockView], prefix: &str) -> Vec<BlockView> {
    let mut blocks = blocks.to_vec();
    each_id(&mut blocks, |id| *id = format!("{prefix}-{id}"));
    blocks
}

/// A deck as templates see it, made into template values only when a
/// template reads it: the default theme uses the ready-made markup.
#[derive(Debug)]
struct LazyDeck {
    blocks: Arc<Vec<BlockView>>,
    /// The program id the print view puts in front of ids.
    prefix: Option<String>,
    value: OnceLock<Value>,
}

impl LazyDeck {
    fn value_of(blocks: &Arc<Vec<BlockView>>, prefix: Option<&str>) -> Value {
        Value::from_object(LazyDeck {
            blocks: Arc::clone(blocks),
            prefix: prefix.map(str::to_string),
            value: OnceLock::new(),
        })
    }

    fn value(&self) -> &Value {
        self.value.get_or_init(|| match &self.prefix {
            Some(prefix) => Value::from_serialize(prefixed_blocks(&self.blocks, prefix)),
            None => Value::from_serialize(&*self.blocks),
        })
    }
}

impl Object for LazyDeck {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.value()
            .get_item(key)
            .ok()
            .filter(|value| !value.is_undefined())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Seq(self.blocks.len())
    }
}

/// A program narrative's markup for the print view, where several
/// narratives share one page: its ids, and the same-page links and
/// references to them, get `prefix-` in front (as the deck's do). sitrep
/// writes these attributes itself; text that looks like one is escaped.
fn prefix_ids(html: &str, prefix: &str) -> String {
    let mut html = html.to_string();
    for attribute in [
        " id=\"",
        " href=\"#",
        " data-chart=\"",
        " aria-labelledby=\"",
        " aria-describedby=\"",
        " for=\"",
    ] {
        html = html.replace(attribute, &format!("{attribute}{prefix}-"));
    }
    // `#` alone is the top of the page.
    html.replace(&format!(" href=\"#{prefix}-\""), " href=\"#\"")
}

/// `text` as a CSS string literal: quotes, backslashes and line breaks
/// escaped, and `<` too, so that nothing can end a style sheet early.
pub fn css_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' | '\\' | '<' | '>' => quoted.push_str(&format!("\\{:x} ", c as u32)),
            c if c.is_control() => quoted.push_str(&format!("\\{:x} ", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

pub fn version_link(version: &VersionSummary, href: String, current: bool) -> VersionLink {
    VersionLink {
        id: version.version.id.clone(),
        start: version.version.start,
        end: version.version.end,
        href,
        current,
        status: StatusView::new(version.status),
        draft: !version.published,
        exceptions: version.exceptions,
    }
}

/// `archive/index.html`: every version built, newest first.
/// `drafts_left_out` draft weeks were not built.
pub fn archive_page(
    theme: &Theme,
    site: &Site,
    versions: &[VersionSummary],
    provenance: &Provenance,
    drafts_left_out: usize,
) -> Result<String, Diagnostic> {
    let links: Vec<VersionLink> = versions
        .iter()
        .rev()
        .map(|version| {
            version_link(
                version,
                format!("../{}/index.html", version.version.id),
                false,
            )
        })
        .collect();
    let drafts = links.iter().filter(|link| link.draft).count();
    let page = PageInfo {
        title: "Archive".to_string(),
        description: format!(
            "Every weekly business review of {}, newest first.",
            site.config.title
        ),
        kind: "archive",
        root: "../".to_string(),
        breadcrumbs: vec![Crumb {
            title: "Archive".to_string(),
            href: None,
        }],
        program: None,
    };
    theme.render(
        "archive.html",
        context! {
            site => context! { title => &site.config.title },
            page => page,
            provenance => provenance,
            versions => links,
            drafts => drafts,
            drafts_left_out => drafts_left_out,
        },
    )
}

/// `index.html`: goes straight to the newest version built.
/// `drafts_left_out` draft weeks were not built.
pub fn landing_page(
    theme: &Theme,
    site: &Site,
    versions: &[VersionSummary],
    provenance: &Provenance,
    drafts_left_out: usize,
) -> Result<String, Diagnostic> {
    let latest = versions
        .last()
        .map(|version| version_link(version, format!("{}/index.html", version.version.id), true));
    let page = PageInfo {
        title: site.config.title.clone(),
        description: match &latest {
            Some(latest) => format!(
                "Weekly business reviews; the latest is week {} ({} to {}).",
                latest.id, latest.start, latest.end
            ),
            None => "Weekly business reviews.".to_string(),
        },
        kind: "landing",
        root: String::new(),
        breadcrumbs: Vec::new(),
        program: None,
    };
    theme.render(
        "landing.html",
        context! {
            site => context! { title => &site.config.title },
            page => page,
            provenance => provenance,
            latest => latest,
            drafts_left_out => drafts_left_out,
        },
    )
}

/// A status as narrative calls show it.
pub fn status_html(status: Option<Status>) -> String {
    let view = StatusView::new(status);
    format!(
        "<span class=\"status status-{}\"><span class=\"status-dot\" aria-hidden=\"true\"></span>{}</span>",
        view.class,
        escape_html(view.label)
    )
}

/// The numbers a program's card (and the digest) shows: its key metrics,
/// else the first three with a status.
pub(crate) fn key_metric_views(
    program: &Program,
    numbers: &crate::compute::ProgramNumbers,
) -> Vec<MetricView> {
    let with_numbers = || {
        program
            .metrics
            .iter()
            .enumerate()
            .filter_map(|(index, metric)| {
                Some((index, numbers.metrics.get(&metric.definition.id)?))
            })
    };
    let mut shown: Vec<_> = with_numbers().filter(|(_, numbers)| numbers.key).collect();
    if shown.is_empty() {
        shown = with_numbers()
            .filter(|(_, numbers)| numbers.status.is_some())
            .take(3)
            .collect();
    }
    shown
        .into_iter()
        .map(|(index, numbers)| metric_view(program, index, numbers))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::view::TableView;

    fn deck(title: &str) -> Vec<BlockView> {
        vec![
            BlockView::Section {
                title: title.to_string(),
                text: None,
                anchor: "section-1".to_string(),
            },
            BlockView::Table {
                title: "Volume".to_string(),
                table: TableView::new("Volume".to_string(), vec!["Period".to_string()], vec![]),
                anchor: "table-2".to_string(),
            },
        ]
    }

    #[test]
    fn a_deck_is_rendered_once_for_both_pages() {
        let theme = Theme::new(None).unwrap();
        let deck = render_deck(&theme, "trust", deck("Volume")).unwrap();
        assert!(deck.rendered_once);
        assert!(deck
            .page_html
            .contains("<header class=\"deck-section\" id=\"section-1\">"));
        assert!(deck
            .print_html
            .contains("<header class=\"deck-section\" id=\"trust-section-1\">"));
        assert!(deck.print_html.contains(" id=\"trust-table-2\""));
        // The blocks keep their own ids, for the chart data and themes.
        assert!(
            matches!(&deck.blocks[0], BlockView::Section { anchor, .. } if anchor == "section-1")
        );
    }

    #[test]
    fn text_that_could_be_a_slot_makes_the_deck_render_twice() {
        let theme = Theme::new(None).unwrap();
        let title = format!("{} \u{1}", theme.marks.slot(0));
        let deck = render_deck(&theme, "trust", deck(&title)).unwrap();
        assert!(!deck.rendered_once);
        assert!(deck.page_html.contains("<h2>&lt;\u{1}"));
        assert!(deck.print_html.contains(" id=\"trust-section-1\""));
        assert!(!deck.print_html.contains(" id=\"trust-trust-"));
    }
}

//! The pages of a review site and what each template is given.

use std::collections::HashMap;

use minijinja::{context, Value};
use serde::Serialize;

use super::format::delta;
use super::narrative::escape_html;
use super::theme::Theme;
use super::view::{
    deck_view, metric_block_anchor, metric_view, number_format, BlockView, MetricView, StatusView,
};
use crate::compute::status::{initiative_status, Status};
use crate::compute::{Comparison, ExceptionKind, ReviewNumbers, VersionSummary};
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
}

pub fn initiative_label(status: InitiativeStatus) -> &'static str {
    match status {
        InitiativeStatus::OnTrack => "On track",
        InitiativeStatus::AtRisk => "At risk",
        InitiativeStatus::OffTrack => "Off track",
        InitiativeStatus::Done => "Done",
    }
}

fn kind_label(kind: ExceptionKind) -> &'static str {
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

    fn program_card(&self, program: &Program, root: &str) -> Option<ProgramCard> {
        let numbers = self.numbers.programs.get(&program.id)?;
        let with_numbers = || {
            program
                .metrics
                .iter()
                .enumerate()
                .filter_map(|(index, metric)| {
                    Some((index, numbers.metrics.get(&metric.definition.id)?))
                })
        };
        // Key metrics, else the first three with a status.
        let mut shown: Vec<_> = with_numbers().filter(|(_, numbers)| numbers.key).collect();
        if shown.is_empty() {
            shown = with_numbers()
                .filter(|(_, numbers)| numbers.status.is_some())
                .take(3)
                .collect();
        }
        let mut key_metrics: Vec<MetricView> = shown
            .into_iter()
            .map(|(index, numbers)| metric_view(program, index, numbers))
            .collect();
        // A custom deck may show a metric only in another metric's chart or
        // in a table: link to where it is.
        for view in &mut key_metrics {
            view.anchor = metric_block_anchor(program, &view.id).unwrap_or_default();
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
        let page = PageInfo {
            title: format!("Week {}", self.id()),
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
        let exceptions = self.exception_views();
        let context = context! {
            narrative => &self.summary,
            programs => cards,
            exceptions => exceptions,
            initiatives_at_risk => initiatives_at_risk,
            ..self.base_context(page)
        };
        theme.render("week.html", context)
    }

    fn exception_views(&self) -> Vec<ExceptionView> {
        self.numbers
            .exceptions
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
                let detail = match exception.kind {
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
                        Some(anchor) => format!("{}/index.html#{anchor}", program.id),
                        None => format!("{}/index.html", program.id),
                    },
                })
            })
            .collect()
    }

    /// `<week>/<program>/index.html`: the narrative, the deck, initiatives.
    /// Returns the page and how many charts it has.
    pub fn program_page(
        &self,
        theme: &Theme,
        program: &Program,
    ) -> Result<(String, usize), Diagnostic> {
        let numbers = &self.numbers.programs[&program.id];
        let page = PageInfo {
            title: format!("{} · Week {}", program.name, self.id()),
            kind: "program",
            root: "../../".to_string(),
            breadcrumbs: vec![
                Crumb {
                    title: "Archive".to_string(),
                    href: Some("../../archive/index.html".to_string()),
                },
                Crumb {
                    title: format!("Week {}", self.id()),
                    href: Some("../index.html".to_string()),
                },
                Crumb {
                    title: program.name.clone(),
                    href: None,
                },
            ],
            program: Some(program.id.clone()),
        };
        let card = self.program_card(program, "../");
        let deck = deck_view(&self.site.config.calendar, program, numbers);
        let charts = deck
            .iter()
            .filter(|block| matches!(block, BlockView::Chart(_)))
            .count();
        let context = context! {
            program => card,
            deck => deck,
            narrative => self.narratives.get(&program.id),
            ..self.base_context(page)
        };
        Ok((theme.render("program.html", context)?, charts))
    }
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

/// `archive/index.html`: every version, newest first.
pub fn archive_page(
    theme: &Theme,
    site: &Site,
    versions: &[VersionSummary],
    provenance: &Provenance,
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
    let page = PageInfo {
        title: "Archive".to_string(),
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
        },
    )
}

/// `index.html`: goes straight to the newest version.
pub fn landing_page(
    theme: &Theme,
    site: &Site,
    versions: &[VersionSummary],
    provenance: &Provenance,
) -> Result<String, Diagnostic> {
    let latest = versions
        .last()
        .map(|version| version_link(version, format!("{}/index.html", version.version.id), true));
    let page = PageInfo {
        title: site.config.title.clone(),
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

//! The e-mail digest of a review week (`sitrep digest`): self-contained,
//! e-mail-safe HTML (tables and inline styles, no script, no image, no
//! stylesheet, nothing fetched) and its plain-text part, with the week's
//! status, its exceptions ranked, each program's key numbers and their
//! changes, written as the site writes them, and links into the site.
//!
//! site.yaml has no base URL, so the links are relative to the site's
//! root folder (`2026-W47/index.html`): they work from a copy of the site
//! next to the message, and say where to look on the server.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::format::Tone;
use super::narrative::escape_html;
use super::pages::{exceptions_summary, held_label, kind_label};
use super::view::{number_format, MetricView, StatusView};
use crate::compute::status::Status;
use crate::compute::{compute_review, Exception, ReviewNumbers};
use crate::error::{Diagnostic, Diagnostics, Error};
use crate::load::{Program, Site};

/// A digest, as HTML and as plain text.
#[derive(Debug, Clone)]
pub struct Digest {
    pub week: String,
    /// Whether the week is a draft (not published).
    pub draft: bool,
    pub html: String,
    pub text: String,
}

/// The digest of review week `week` of the site at `root`; with no week,
/// of the newest published one.
pub fn digest(root: &Path, week: Option<&str>) -> Result<Digest, Error> {
    let site = Site::load(root)?;
    let review = match week {
        Some(week) => site.reviews.iter().find(|review| review.week.id == week),
        None => site.reviews.iter().rev().find(|review| review.published),
    };
    let Some(review) = review else {
        let folder = PathBuf::from("content/reviews");
        let problem = match week {
            Some(week) => Diagnostic::new(
                folder.join(week),
                format!("there is no review folder for week {week}"),
            )
            .with_help("name a week of content/reviews/, e.g. `sitrep digest 2026-W47`"),
            None => Diagnostic::new(&folder, "no week is published yet")
                .with_help("name a draft week (`sitrep digest 2026-W47`), or publish one with `sitrep publish <week>`"),
        };
        return Err(Diagnostics::from(problem).into());
    };
    let fresh;
    let numbers = match &review.frozen {
        Some(frozen) => frozen,
        None => {
            fresh = compute_review(&site, &review.week);
            &fresh
        }
    };
    // The status an owner set in a narrative's front matter wins, as on
    // the site.
    let overrides = Overrides {
        week: review
            .summary
            .as_ref()
            .and_then(|summary| summary.front_matter.status),
        programs: review
            .narratives
            .iter()
            .filter_map(|narrative| {
                Some((narrative.program.clone()?, narrative.front_matter.status?))
            })
            .collect(),
    };
    Ok(render(&site, numbers, &overrides))
}

/// Statuses set by owners in narratives' front matter.
struct Overrides {
    week: Option<Status>,
    programs: Vec<(String, Status)>,
}

/// A program's key numbers: its key metrics, else the first three rated.
fn key_metrics(program: &Program, numbers: &ReviewNumbers) -> Vec<MetricView> {
    let Some(program_numbers) = numbers.programs.get(&program.id) else {
        return Vec::new();
    };
    super::pages::key_metric_views(program, program_numbers)
}

fn status_colour(class: &str) -> &'static str {
    match class {
        "red" => "#b42318",
        "amber" => "#9a6700",
        "green" => "#1a7f37",
        _ => "#57606a",
    }
}

fn tone_colour(tone: Tone) -> &'static str {
    match tone {
        Tone::Good => "#1a7f37",
        Tone::Bad => "#b42318",
        Tone::Neutral => "#57606a",
    }
}

/// One exception as a line: what, which metric, how long, the numbers.
struct ExceptionLine {
    kind: &'static str,
    held: String,
    metric: String,
    program: String,
    detail: String,
    href: String,
}

fn exception_lines(site: &Site, numbers: &ReviewNumbers, list: &[Exception]) -> Vec<ExceptionLine> {
    list.iter()
        .map(|exception| {
            let program = site.program(&exception.program);
            let index = program.and_then(|program| {
                program
                    .metrics
                    .iter()
                    .position(|metric| metric.definition.id == exception.metric)
            });
            let detail = match (program, index) {
                (Some(program), Some(index)) => {
                    let format = number_format(program, index, None);
                    match exception.target {
                        Some(target) => format!(
                            "{} against a target of {}",
                            format.value(exception.value),
                            format.value(Some(target))
                        ),
                        None => format.value(exception.value),
                    }
                }
                _ => String::new(),
            };
            ExceptionLine {
                kind: kind_label(exception.kind),
                held: held_label(exception.kind, exception.held_weeks),
                metric: exception.metric_name.clone(),
                program: numbers
                    .programs
                    .get(&exception.program)
                    .map(|program| program.name.clone())
                    .unwrap_or_else(|| exception.program.clone()),
                detail,
                href: format!("{}/{}/index.html", numbers.version.id, exception.program),
            }
        })
        .collect()
}

const CELL: &str =
    "padding:6px 8px;border-bottom:1px solid #d8dee4;text-align:left;vertical-align:top;";
const NUMBER_CELL: &str = "padding:6px 8px;border-bottom:1px solid #d8dee4;text-align:right;vertical-align:top;white-space:nowrap;";
const HEADING: &str = "margin:20px 0 8px;font-size:18px;color:#1f2328;";
const LINK: &str = "color:#0b5cad;";

fn render(site: &Site, numbers: &ReviewNumbers, overrides: &Overrides) -> Digest {
    let week = &numbers.version;
    let status = StatusView::new(overrides.week.or(numbers.status));
    let draft = !numbers.published;
    let title = &site.config.title;
    let week_href = format!("{}/index.html", week.id);
    let exceptions = exception_lines(site, numbers, &numbers.exceptions);
    let cleared = exception_lines(site, numbers, &numbers.cleared);
    let summary = exceptions_summary(&numbers.exceptions);
    let e = escape_html;

    let mut html = String::new();
    let mut text = String::new();
    let heading = format!("Week {} ({} to {})", week.id, week.start, week.end);
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        html,
        "<title>{} · {}</title>\n</head>",
        e(&heading),
        e(title)
    );
    html.push_str("<body style=\"margin:0;padding:0;background:#f6f8fa;\">\n<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"background:#f6f8fa;\"><tr><td align=\"center\" style=\"padding:16px 8px;\">\n<table role=\"presentation\" width=\"640\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"width:100%;max-width:640px;background:#ffffff;border:1px solid #d8dee4;font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.45;color:#1f2328;\"><tr><td style=\"padding:20px 24px;\">\n");
    let _ = writeln!(
        html,
        "<p style=\"margin:0;font-size:13px;color:#57606a;\">{}</p>\n<h1 style=\"margin:4px 0 8px;font-size:22px;\">{}</h1>",
        e(title),
        e(&heading)
    );
    let _ = writeln!(
        html,
        "<p style=\"margin:0 0 8px;\">Status: <strong style=\"color:{};\">&#9679; {}</strong>{}</p>",
        status_colour(status.class),
        e(status.label),
        if draft {
            " <strong style=\"color:#9a6700;\">Draft: not published yet, its numbers may still change.</strong>"
        } else {
            ""
        }
    );
    let _ = writeln!(
        html,
        "<p style=\"margin:0 0 8px;\"><a href=\"{}\" style=\"{LINK}\">Open week {} on the site</a> · <a href=\"{}/print/index.html\" style=\"{LINK}\">Print view</a></p>",
        e(&week_href),
        e(&week.id),
        e(&week.id)
    );
    let _ = writeln!(text, "{title}\n{heading}\nStatus: {}", status.label);
    if draft {
        text.push_str("Draft: not published yet, its numbers may still change.\n");
    }
    let _ = writeln!(text, "On the site: {week_href}\n");

    // Exceptions, most serious first.
    let _ = writeln!(html, "<h2 style=\"{HEADING}\">Exceptions</h2>");
    text.push_str("EXCEPTIONS\n");
    if exceptions.is_empty() {
        html.push_str("<p style=\"margin:0 0 8px;\">No exceptions this week: every rated metric is on target and no move is unusual.</p>\n");
        text.push_str("No exceptions this week.\n");
    } else {
        let _ = writeln!(
            html,
            "<p style=\"margin:0 0 8px;\"><strong>{}</strong></p>",
            e(&summary)
        );
        let _ = writeln!(text, "{summary}");
        html.push_str("<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"border-collapse:collapse;\">\n");
        for line in &exceptions {
            let _ = writeln!(
                html,
                "<tr><td style=\"{CELL}width:30%;\"><strong>{}</strong>{}</td><td style=\"{CELL}\"><a href=\"{}\" style=\"{LINK}\">{}</a> <span style=\"color:#57606a;\">{}</span><br>{}</td></tr>",
                e(line.kind),
                if line.held.is_empty() {
                    String::new()
                } else {
                    format!("<br><span style=\"color:#57606a;font-size:12px;\">{}</span>", e(&line.held))
                },
                e(&line.href),
                e(&line.metric),
                e(&line.program),
                e(&line.detail)
            );
            let held = if line.held.is_empty() {
                String::new()
            } else {
                format!(" ({})", line.held)
            };
            let _ = writeln!(
                text,
                "- {}{held}: {} ({}): {}",
                line.kind, line.metric, line.program, line.detail
            );
        }
        html.push_str("</table>\n");
    }
    if !cleared.is_empty() {
        html.push_str("<p style=\"margin:12px 0 4px;\">Cleared since last week:</p>\n<ul style=\"margin:0 0 8px;padding-left:20px;\">\n");
        text.push_str("Cleared since last week:\n");
        for line in &cleared {
            let _ = writeln!(
                html,
                "<li>{} <span style=\"color:#57606a;\">{}</span>: {} last week ({})</li>",
                e(&line.metric),
                e(&line.program),
                e(line.kind),
                e(&line.detail)
            );
            let _ = writeln!(
                text,
                "- {} ({}): {} last week ({})",
                line.metric, line.program, line.kind, line.detail
            );
        }
        html.push_str("</ul>\n");
    }

    // Each program's key numbers.
    let _ = writeln!(html, "<h2 style=\"{HEADING}\">Programs</h2>");
    text.push_str("\nPROGRAMS\n");
    for program in &site.programs {
        let Some(program_numbers) = numbers.programs.get(&program.id) else {
            continue;
        };
        let set = overrides
            .programs
            .iter()
            .find(|(id, _)| *id == program.id)
            .map(|(_, status)| *status);
        let program_status = StatusView::new(set.or(program_numbers.status));
        let href = format!("{}/{}/index.html", week.id, program.id);
        let _ = writeln!(
            html,
            "<h3 style=\"margin:16px 0 6px;font-size:16px;\"><a href=\"{}\" style=\"{LINK}\">{}</a> <span style=\"color:{};font-size:14px;\">&#9679; {}</span></h3>",
            e(&href),
            e(&program_numbers.name),
            status_colour(program_status.class),
            e(program_status.label)
        );
        let _ = writeln!(
            text,
            "\n{} ({}), {href}",
            program_numbers.name, program_status.label
        );
        let metrics = key_metrics(program, numbers);
        if metrics.is_empty() {
            continue;
        }
        let _ = writeln!(
            html,
            "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"border-collapse:collapse;\">\n<tr><th style=\"{CELL}\">Metric</th><th style=\"{NUMBER_CELL}\">This week</th><th style=\"{NUMBER_CELL}\">WoW</th><th style=\"{NUMBER_CELL}\">YoY</th><th style=\"{NUMBER_CELL}\">Target</th></tr>"
        );
        for metric in &metrics {
            let status = if metric.rated {
                format!(
                    " <span style=\"color:{};\">&#9679; {}</span>",
                    status_colour(metric.status.class),
                    e(metric.status.label)
                )
            } else {
                String::new()
            };
            let target = metric.target.clone().unwrap_or_else(|| "–".to_string());
            let _ = writeln!(
                html,
                "<tr><td style=\"{CELL}\">{}{status}</td><td style=\"{NUMBER_CELL}\"><strong>{}</strong></td><td style=\"{NUMBER_CELL}color:{};\">{}</td><td style=\"{NUMBER_CELL}color:{};\">{}</td><td style=\"{NUMBER_CELL}\">{}</td></tr>",
                e(&metric.name),
                e(&metric.value),
                tone_colour(metric.wow.tone),
                e(&metric.wow.text),
                tone_colour(metric.yoy.tone),
                e(&metric.yoy.text),
                e(&target)
            );
            let rated = if metric.rated {
                format!(" [{}]", metric.status.label)
            } else {
                String::new()
            };
            let _ = writeln!(
                text,
                "- {}: {} (WoW {}, YoY {}; target {target}){rated}",
                metric.name, metric.value, metric.wow.text, metric.yoy.text
            );
        }
        html.push_str("</table>\n");
    }
    let _ = writeln!(
        html,
        "<p style=\"margin:20px 0 0;font-size:12px;color:#57606a;\">Made by sitrep {} from the numbers of week {}{}. Links are relative to the site's root folder.</p>",
        env!("CARGO_PKG_VERSION"),
        e(&week.id),
        if draft { " (a draft)" } else { " as published" }
    );
    html.push_str("</td></tr></table>\n</td></tr></table>\n</body>\n</html>\n");
    let _ = writeln!(
        text,
        "\nMade by sitrep {} from the numbers of week {}{}. Links are relative to the site's root folder.",
        env!("CARGO_PKG_VERSION"),
        week.id,
        if draft { " (a draft)" } else { " as published" }
    );
    Digest {
        week: week.id.clone(),
        draft,
        html,
        text,
    }
}

//! A program's WBR deck, as wbr-app users define it: blocks in order, each
//! a section header, a 6-12 chart of one to three metrics, or a table; a
//! chart or table of one metric may split it `by` a dimension.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{closest, Diagnostic};
use crate::yaml;

/// How a metric is drawn in a 6-12 chart.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SeriesStyle {
    /// A solid, heavy line.
    #[default]
    Primary,
    /// A lighter line in a second colour.
    Secondary,
    /// Markers only, like a target.
    Target,
}

/// Which periods a table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
pub enum TablePeriod {
    /// The trailing 6 weeks.
    #[serde(rename = "6w")]
    SixWeeks,
    /// The 12 months of the chart axis.
    #[serde(rename = "12m")]
    TwelveMonths,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DeckBlock {
    Section {
        title: String,
        text: Option<String>,
    },
    Chart {
        title: Option<String>,
        /// Metric indexes with their styles; the first is the chart's subject.
        series: Vec<(usize, SeriesStyle)>,
        prior_year: bool,
        decimals: Option<u8>,
    },
    Table {
        period: TablePeriod,
        title: Option<String>,
        metrics: Vec<usize>,
        decimals: Option<u8>,
    },
    /// One metric split by a dimension: one series per value (the `top`
    /// largest in the review week, the rest as "Other"), drawn as a 6-12
    /// chart (`table: None`) or as a table of 6 weeks or 12 months.
    Breakdown {
        metric: usize,
        /// The dimension: a long file's column after `value`, or a text
        /// column of an event source.
        by: String,
        top: usize,
        table: Option<TablePeriod>,
        title: Option<String>,
        decimals: Option<u8>,
        /// The block's line in the program file, for messages about `by`.
        line: Option<usize>,
    },
}

/// How many values a breakdown shows before "Other", unless `top:` says.
pub const DEFAULT_TOP: usize = 5;
/// The most values a breakdown may show: more lines are not readable.
pub const MAX_TOP: usize = 12;

/// A block of the deck: a `section` header, a 6-12 `chart` or a `table`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    rename = "DeckBlock",
    extend("oneOf" = [
        { "required": ["section"] },
        { "required": ["chart"] },
        { "required": ["table"] }
    ])
)]
pub(crate) struct DeckBlockFile {
    /// A section header with this title.
    section: Option<String>,
    /// With `section`: a line under the header.
    text: Option<String>,
    /// A 6-12 chart of one metric, or of 1–3 metrics (the first is the chart's subject).
    chart: Option<ChartMetrics>,
    /// A table of the metrics' values over the trailing 6 weeks (`6w`) or the 12 months (`12m`).
    table: Option<TablePeriod>,
    /// With `chart` or `table`: its title.
    title: Option<String>,
    /// With `table`: the metrics, by id.
    metrics: Option<Vec<String>>,
    /// With `chart`: show the prior year's values too (default true).
    prior_year: Option<bool>,
    /// With `chart` or `table`: digits after the decimal point.
    #[schemars(range(max = crate::load::program::MAX_DECIMALS))]
    decimals: Option<u8>,
    /// With `chart` (of one metric) or `table`: split the metric by this
    /// dimension (a long file's column, or an event source's text column).
    by: Option<String>,
    /// With `by`: how many values to show before "Other" (default 5).
    #[schemars(range(min = 1, max = MAX_TOP))]
    top: Option<usize>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum ChartMetrics {
    One(String),
    Many(Vec<SeriesSpec>),
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum SeriesSpec {
    Id(String),
    Styled(StyledSeries),
}

/// A metric of a chart with its style.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ChartSeries")]
struct StyledSeries {
    /// The metric, by id.
    metric: String,
    /// How it is drawn (default primary).
    #[serde(default)]
    style: SeriesStyle,
}

/// Checks a deck against the program's metric ids.
pub(crate) fn parse_deck(
    blocks: Vec<DeckBlockFile>,
    metric_ids: &[&str],
    lines: &yaml::KeyLines,
    path: &Path,
) -> Result<Vec<DeckBlock>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut deck = Vec::with_capacity(blocks.len());
    let index_of: HashMap<&str, usize> = metric_ids
        .iter()
        .enumerate()
        .map(|(index, id)| (*id, index))
        .collect();
    for (index, block) in blocks.into_iter().enumerate() {
        let line = lines.list_item("deck", index);
        let error = |message: String| Diagnostic::new(path, message).at_line(line);
        let resolve = |id: &str, errors: &mut Vec<Diagnostic>| -> Option<usize> {
            let found = index_of.get(id).copied();
            if found.is_none() {
                let mut diagnostic = error(format!(
                    "deck block {} uses `{id}`, which is not a metric of this program",
                    index + 1
                ));
                diagnostic = match closest(id, metric_ids.iter().copied()) {
                    Some(suggestion) => {
                        diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                    }
                    None => diagnostic.with_help("use a metric id from `metrics:`"),
                };
                errors.push(diagnostic);
            }
            found
        };
        let kinds = [
            block.section.is_some(),
            block.chart.is_some(),
            block.table.is_some(),
        ];
        if kinds.iter().filter(|kind| **kind).count() != 1 {
            errors.push(
                error(format!(
                    "deck block {} must be exactly one of `section`, `chart` or `table`",
                    index + 1
                ))
                .with_help(
                    "e.g. `- chart: incidents_reported` or `- table: 6w` with `metrics: [a, b]`",
                ),
            );
            continue;
        }
        if let Some(problem) = super::program::check_decimals(block.decimals) {
            errors.push(
                error(format!("deck block {}: {}", index + 1, problem.message))
                    .with_help(problem.help.unwrap_or_default()),
            );
        }
        let misplaced = |allowed: &[&str], errors: &mut Vec<Diagnostic>| {
            let present = [
                ("text", block.text.is_some()),
                ("title", block.title.is_some()),
                ("metrics", block.metrics.is_some()),
                ("prior_year", block.prior_year.is_some()),
                ("decimals", block.decimals.is_some()),
                ("by", block.by.is_some()),
                ("top", block.top.is_some()),
            ];
            for (key, is_present) in present {
                if is_present && !allowed.contains(&key) {
                    errors.push(
                        error(format!("`{key}` does not apply to this kind of deck block"))
                            .with_help(format!(
                                "this block takes {}",
                                allowed
                                    .iter()
                                    .map(|key| format!("`{key}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                    );
                }
            }
        };
        if let Some(title) = &block.section {
            misplaced(&["text"], &mut errors);
            deck.push(DeckBlock::Section {
                title: title.clone(),
                text: block.text.clone(),
            });
        } else if let (Some(chart), Some(by)) = (&block.chart, &block.by) {
            // A breakdown draws one line per value: prior-year lines would
            // double them, so a breakdown chart has none.
            misplaced(&["title", "decimals", "by", "top"], &mut errors);
            let id = match chart {
                ChartMetrics::One(id) => Some(id.as_str()),
                ChartMetrics::Many(specs) => match specs.as_slice() {
                    [SeriesSpec::Id(id)] => Some(id.as_str()),
                    _ => None,
                },
            };
            let Some(id) = id else {
                errors.push(
                    error(format!(
                        "deck block {}: a chart `by` a dimension shows one metric",
                        index + 1
                    ))
                    .with_help(format!("e.g. `chart: tickets_created` with `by: {by}`")),
                );
                continue;
            };
            let Some(top) = check_top(block.top, &error, index, &mut errors) else {
                continue;
            };
            if let Some(metric) = resolve(id, &mut errors) {
                deck.push(DeckBlock::Breakdown {
                    metric,
                    by: by.clone(),
                    top,
                    table: None,
                    title: block.title.clone(),
                    decimals: block.decimals,
                    line,
                });
            }
        } else if let Some(chart) = &block.chart {
            misplaced(&["title", "prior_year", "decimals"], &mut errors);
            let specs: Vec<(&str, SeriesStyle)> = match chart {
                ChartMetrics::One(id) => vec![(id.as_str(), SeriesStyle::Primary)],
                ChartMetrics::Many(specs) => specs
                    .iter()
                    .enumerate()
                    .map(|(position, spec)| match spec {
                        SeriesSpec::Id(id) => (
                            id.as_str(),
                            if position == 0 {
                                SeriesStyle::Primary
                            } else {
                                SeriesStyle::Secondary
                            },
                        ),
                        SeriesSpec::Styled(styled) => (styled.metric.as_str(), styled.style),
                    })
                    .collect(),
            };
            if !(1..=3).contains(&specs.len()) {
                errors.push(error(format!(
                    "a chart shows 1 to 3 metrics, this one has {}",
                    specs.len()
                )));
                continue;
            }
            let series: Vec<(usize, SeriesStyle)> = specs
                .iter()
                .filter_map(|(id, style)| resolve(id, &mut errors).map(|index| (index, *style)))
                .collect();
            deck.push(DeckBlock::Chart {
                title: block.title.clone(),
                series,
                prior_year: block.prior_year.unwrap_or(true),
                decimals: block.decimals,
            });
        } else if let (Some(period), Some(by)) = (block.table, &block.by) {
            misplaced(&["title", "metrics", "decimals", "by", "top"], &mut errors);
            let ids = block.metrics.as_deref().unwrap_or_default();
            let [id] = ids else {
                errors.push(
                    error(format!(
                        "deck block {}: a table `by` a dimension shows one metric, this one has {}",
                        index + 1,
                        ids.len()
                    ))
                    .with_help(format!("e.g. `metrics: [tickets_created]` with `by: {by}`")),
                );
                continue;
            };
            let Some(top) = check_top(block.top, &error, index, &mut errors) else {
                continue;
            };
            if let Some(metric) = resolve(id, &mut errors) {
                deck.push(DeckBlock::Breakdown {
                    metric,
                    by: by.clone(),
                    top,
                    table: Some(period),
                    title: block.title.clone(),
                    decimals: block.decimals,
                    line,
                });
            }
        } else if let Some(period) = block.table {
            misplaced(&["title", "metrics", "decimals"], &mut errors);
            let Some(ids) = &block.metrics else {
                errors.push(error("a table needs `metrics: [...]`".to_string()));
                continue;
            };
            let metrics = ids
                .iter()
                .filter_map(|id| resolve(id, &mut errors))
                .collect();
            deck.push(DeckBlock::Table {
                period,
                title: block.title.clone(),
                metrics,
                decimals: block.decimals,
            });
        }
    }
    if errors.is_empty() {
        Ok(deck)
    } else {
        Err(errors)
    }
}

/// The number of values a breakdown shows, 1 to [`MAX_TOP`].
fn check_top(
    top: Option<usize>,
    error: &dyn Fn(String) -> Diagnostic,
    index: usize,
    errors: &mut Vec<Diagnostic>,
) -> Option<usize> {
    match top.unwrap_or(DEFAULT_TOP) {
        top @ 1..=MAX_TOP => Some(top),
        top => {
            errors.push(
                error(format!(
                    "deck block {}: `top: {top}` must be 1 to {MAX_TOP}",
                    index + 1
                ))
                .with_help(format!(
                    "the largest values get a line each and the rest are added up as \"Other\"; the default is {DEFAULT_TOP}"
                )),
            );
            None
        }
    }
}

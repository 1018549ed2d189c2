//! A program's WBR deck, as wbr-app users define it: blocks in order, each
//! a section header, a 6-12 chart of one to three metrics, or a table; a
//! chart or table of one metric may split it `by` a dimension.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::config::MonthAxis;
use super::program::ChangeOver;
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

/// A line of a table: a metric (with the block's change rows under it),
/// a header row spanning the table, or an empty row (wbr-app's
/// 6_WeeksTable).
#[derive(Debug, Clone, PartialEq)]
pub enum TableLine {
    Metric(usize),
    Header(String),
    Spacer,
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
        /// Per series, the name its legend shows instead of the metric's
        /// (wbr-app's `legend_name`); empty when none has one.
        legends: Vec<Option<String>>,
    },
    Table {
        period: TablePeriod,
        title: Option<String>,
        /// The metrics of the table, by index.
        metrics: Vec<usize>,
        decimals: Option<u8>,
        /// The table's rows: metrics, header rows and spacers, in order.
        lines: Vec<TableLine>,
        /// Change rows under each metric (`rows: [yoy, mom]`).
        changes: Vec<ChangeOver>,
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
    /// With `table`: the metrics by id, header rows (`{ header: "Quality" }`) and empty rows (`{ spacer: true }`).
    metrics: Option<Vec<TableEntry>>,
    /// With `table`: change rows under each metric: `yoy` and `mom` for `12m`, `wow` and `yoy` for `6w`.
    rows: Option<Vec<ChangeOver>>,
    /// With `chart`: the months its metrics show (`trailing_12_months` or `fiscal_year`), overriding theirs and the site's.
    // Not required, no default shown.
    #[schemars(default, skip_serializing_if = "Option::is_none")]
    x_axis: Option<MonthAxis>,
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

/// A line of a table: a metric id, `{ header: "…" }` or `{ spacer: true }`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum TableEntry {
    Metric(String),
    Header(TableHeader),
    Spacer(TableSpacer),
}

/// A header row spanning the table.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct TableHeader {
    /// The header's text.
    header: String,
}

/// An empty row.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct TableSpacer {
    /// `true`.
    spacer: bool,
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
    /// The name its legend and table show (default: the metric's name).
    legend: Option<String>,
}

/// A deck's blocks, and the month axes its charts set for their metrics.
pub(crate) type ParsedDeck = (Vec<DeckBlock>, Vec<(Option<usize>, MonthAxis, Vec<usize>)>);

/// Checks a deck against the program's metric ids.
pub(crate) fn parse_deck(
    blocks: Vec<DeckBlockFile>,
    metric_ids: &[&str],
    lines: &yaml::KeyLines,
    path: &Path,
) -> Result<ParsedDeck, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut deck = Vec::with_capacity(blocks.len());
    // Charts with their own `x_axis`: line, axis, metrics.
    let mut axes: Vec<(Option<usize>, MonthAxis, Vec<usize>)> = Vec::new();
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
                ("rows", block.rows.is_some()),
                ("x_axis", block.x_axis.is_some()),
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
            misplaced(&["title", "prior_year", "decimals", "x_axis"], &mut errors);
            let specs: Vec<(&str, SeriesStyle, Option<String>)> = match chart {
                ChartMetrics::One(id) => vec![(id.as_str(), SeriesStyle::Primary, None)],
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
                            None,
                        ),
                        SeriesSpec::Styled(styled) => {
                            (styled.metric.as_str(), styled.style, styled.legend.clone())
                        }
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
                .filter_map(|(id, style, _)| resolve(id, &mut errors).map(|index| (index, *style)))
                .collect();
            let legends = if specs.iter().any(|(_, _, legend)| legend.is_some()) {
                specs.iter().map(|(_, _, legend)| legend.clone()).collect()
            } else {
                Vec::new()
            };
            if let Some(axis) = block.x_axis {
                axes.push((line, axis, series.iter().map(|(index, _)| *index).collect()));
            }
            deck.push(DeckBlock::Chart {
                title: block.title.clone(),
                series,
                prior_year: block.prior_year.unwrap_or(true),
                decimals: block.decimals,
                legends,
            });
        } else if let (Some(period), Some(by)) = (block.table, &block.by) {
            misplaced(&["title", "metrics", "decimals", "by", "top"], &mut errors);
            let ids: Vec<&str> = block
                .metrics
                .iter()
                .flatten()
                .filter_map(|entry| match entry {
                    TableEntry::Metric(id) => Some(id.as_str()),
                    _ => None,
                })
                .collect();
            let [id] = ids.as_slice() else {
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
            misplaced(&["title", "metrics", "decimals", "rows"], &mut errors);
            let Some(entries) = &block.metrics else {
                errors.push(error("a table needs `metrics: [...]`".to_string()));
                continue;
            };
            let mut lines = Vec::with_capacity(entries.len());
            for entry in entries {
                match entry {
                    TableEntry::Metric(id) => {
                        if let Some(index) = resolve(id, &mut errors) {
                            lines.push(TableLine::Metric(index));
                        }
                    }
                    TableEntry::Header(header) => {
                        lines.push(TableLine::Header(header.header.clone()))
                    }
                    TableEntry::Spacer(TableSpacer { spacer: true }) => {
                        lines.push(TableLine::Spacer)
                    }
                    TableEntry::Spacer(TableSpacer { spacer: false }) => {}
                }
            }
            let changes = block.rows.clone().unwrap_or_default();
            let allowed = match period {
                TablePeriod::SixWeeks => [ChangeOver::Wow, ChangeOver::Yoy],
                TablePeriod::TwelveMonths => [ChangeOver::Yoy, ChangeOver::Mom],
            };
            if let Some(wrong) = changes.iter().find(|change| !allowed.contains(change)) {
                let (name, allowed) = match period {
                    TablePeriod::SixWeeks => ("6w", "`wow` and `yoy`"),
                    TablePeriod::TwelveMonths => ("12m", "`yoy` and `mom`"),
                };
                errors.push(
                    error(format!(
                        "deck block {}: a `{name}` table has no `{}` rows",
                        index + 1,
                        wrong.key()
                    ))
                    .with_help(format!("its change rows are {allowed}")),
                );
            }
            deck.push(DeckBlock::Table {
                period,
                title: block.title.clone(),
                metrics: lines
                    .iter()
                    .filter_map(|line| match line {
                        TableLine::Metric(index) => Some(*index),
                        _ => None,
                    })
                    .collect(),
                decimals: block.decimals,
                lines,
                changes,
            });
        }
    }
    if errors.is_empty() {
        Ok((deck, axes))
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

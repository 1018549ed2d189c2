//! The numbers of a breakdown: one metric split `by` a dimension, one
//! series per value. Each value's numbers are the metric evaluated over
//! only that value's rows (an event `where`, or the long file's groups of
//! that value), so every period's value is its own true value: a p90 per
//! channel is the p90 of that channel's tickets, a ratio per channel is
//! sum(numerator) / sum(denominator) in that channel. The values with the
//! largest review-week value get a series each; the rest are one series,
//! "Other", evaluated the same way over the rest's rows.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use super::period::{Evaluator, PeriodValue};
use super::{PeriodNumbers, ReviewPeriods};
use crate::calendar::Period;
use crate::load::breakdown::{Breakdown, Cut};
use crate::load::data::DailySeries;
use crate::load::deck::DeckBlock;
use crate::load::events::Condition;
use crate::load::program::Aggregate;
use crate::load::{config::MonthAxis, Metric, Program};

/// The name of the series that adds up the values left out.
pub const OTHER: &str = "Other";

/// A breakdown of one version, in `data.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakdownNumbers {
    /// The metric's id.
    pub metric: String,
    /// The dimension.
    pub by: String,
    pub top: usize,
    /// The `top` values with the largest review-week value (ties by name),
    /// largest first, then "Other" when values were left out.
    pub series: Vec<BreakdownSeries>,
    /// Why values left out have no "Other" series, when they have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_missing: Option<String>,
}

/// One value's 6-12 numbers (no targets: a target is the metric's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakdownSeries {
    /// The dimension value, or "Other".
    pub value: String,
    /// Whether this is the "Other" series.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub other: bool,
    /// The values "Other" is made of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    pub weeks: Vec<PeriodNumbers>,
    pub months: Vec<PeriodNumbers>,
}

impl BreakdownNumbers {
    /// The breakdown's series as of `week`, or `None`: frozen numbers of
    /// a week published before the breakdown was added have none.
    pub fn find<'a>(
        breakdowns: &'a [BreakdownNumbers],
        metric: &str,
        by: &str,
        top: usize,
    ) -> Option<&'a BreakdownNumbers> {
        breakdowns
            .iter()
            .find(|known| known.metric == metric && known.by == by && known.top == top)
    }
}

/// Which rows a series reads.
#[derive(Clone, Copy)]
enum Pick<'a> {
    /// The rows with this value.
    Value(&'a str),
    /// Every row without one of the shown values (for event sources, rows
    /// with an empty cell too).
    Rest(&'a [String]),
}

/// Every breakdown of the program's deck, as of the evaluator's version.
pub(super) fn compute_breakdowns(
    evaluator: &Evaluator,
    periods: &ReviewPeriods,
    site_axis: MonthAxis,
) -> Vec<BreakdownNumbers> {
    let program = evaluator.program;
    let mut done: Vec<BreakdownNumbers> = Vec::new();
    for block in program.deck.iter().flatten() {
        let DeckBlock::Breakdown {
            metric, by, top, ..
        } = block
        else {
            continue;
        };
        let id = &program.metrics[*metric].definition.id;
        if BreakdownNumbers::find(&done, id, by, *top).is_some() {
            continue;
        }
        let Some(breakdown) = program
            .breakdowns
            .iter()
            .find(|known| known.metric == *metric && known.by == *by)
        else {
            continue;
        };
        done.push(compute_breakdown(
            evaluator, periods, site_axis, breakdown, *top,
        ));
    }
    done
}

fn compute_breakdown(
    evaluator: &Evaluator,
    periods: &ReviewPeriods,
    site_axis: MonthAxis,
    breakdown: &Breakdown,
    top: usize,
) -> BreakdownNumbers {
    let program = evaluator.program;
    let definition = &program.metrics[breakdown.metric].definition;
    let month_slots = match definition.month_axis.unwrap_or(site_axis) {
        MonthAxis::TrailingTwelveMonths => &periods.trailing_months,
        MonthAxis::FiscalYear => &periods.fiscal_months,
    };
    // The periods a series shows, each with its prior-year period.
    let wanted: Vec<Period> = periods
        .weeks
        .iter()
        .chain(month_slots)
        .flat_map(|&(slot, prior)| [periods.slots[slot], periods.slots[prior]])
        .collect();
    let week_count = periods.weeks.len();
    let series_of = |pick: Pick| -> Option<(Vec<PeriodNumbers>, Vec<PeriodNumbers>)> {
        let variant = variant(program, breakdown, pick)?;
        let evaluator = Evaluator {
            program: &variant,
            ..*evaluator
        };
        let values = evaluator.over(&wanted);
        let values = values.of(breakdown.metric);
        let points: Vec<PeriodNumbers> = values
            .chunks(2)
            .zip(wanted.chunks(2))
            .enumerate()
            .map(|(position, (pair, period))| {
                point(
                    period[0],
                    pair[0],
                    pair[1],
                    position >= week_count,
                    evaluator.as_of,
                )
            })
            .collect();
        let (weeks, months) = points.split_at(week_count);
        Some((weeks.to_vec(), months.to_vec()))
    };
    let mut ranked: Vec<BreakdownSeries> = breakdown
        .values
        .iter()
        .filter_map(|value| {
            let (weeks, months) = series_of(Pick::Value(value))?;
            Some(BreakdownSeries {
                value: value.clone(),
                other: false,
                values: Vec::new(),
                weeks,
                months,
            })
        })
        .collect();
    let rest = keep_top(&mut ranked, top);
    let mut other_missing = None;
    if !rest.is_empty() {
        let shown: Vec<String> = ranked.iter().map(|series| series.value.clone()).collect();
        match series_of(Pick::Rest(&shown)) {
            Some((weeks, months)) => ranked.push(BreakdownSeries {
                value: OTHER.to_string(),
                other: true,
                values: rest,
                weeks,
                months,
            }),
            None => {
                other_missing = Some(format!(
                    "{} more {} not shown: the values of `{}` cannot be added up across them",
                    rest.len(),
                    if rest.len() == 1 {
                        "value is"
                    } else {
                        "values are"
                    },
                    definition.id
                ))
            }
        }
    }
    BreakdownNumbers {
        metric: definition.id.clone(),
        by: breakdown.by.clone(),
        top,
        series: ranked,
        other_missing,
    }
}

/// Keeps the `top` series with the largest review-week value, largest
/// first; a series without one comes after every series with one; ties
/// keep the order they come in (the values' names, sorted). Returns the
/// names of the series left out.
fn keep_top(ranked: &mut Vec<BreakdownSeries>, top: usize) -> Vec<String> {
    let review_week = |series: &BreakdownSeries| series.weeks.last().and_then(|week| week.value);
    ranked.sort_by(|a, b| match (review_week(a), review_week(b)) {
        (Some(a), Some(b)) => b.total_cmp(&a),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    let rest = ranked
        .iter()
        .skip(top)
        .map(|series| series.value.clone())
        .collect();
    ranked.truncate(top);
    rest
}

/// One point of a series. A month that has not ended by the review week is
/// not complete, as in the metric's own chart (see `compute_metric`).
fn point(
    period: Period,
    value: PeriodValue,
    prior: PeriodValue,
    is_month: bool,
    as_of: jiff::civil::Date,
) -> PeriodNumbers {
    let mut numbers = PeriodNumbers {
        month: is_month.then(|| period.month_label()),
        start: period.start,
        end: period.end,
        value: value.value,
        missing: value.missing,
        py_value: prior.value,
        target: None,
        previous_value: None,
    };
    if is_month && period.end > as_of {
        let future = crate::calendar::days_between(as_of, period.end) as u32;
        numbers.value = None;
        numbers.missing = numbers.missing.max(future.min(period.day_count() as u32));
    }
    numbers
}

/// The program with the metrics the breakdown reads narrowed to `pick`'s
/// rows, and every other metric empty; `None` when the rows cannot be
/// combined (the "Other" of several long-file groups of a `mean`: not
/// reached today, since such a metric must pick one group to load).
fn variant(program: &Program, breakdown: &Breakdown, pick: Pick) -> Option<Program> {
    let mut metrics = Vec::with_capacity(program.metrics.len());
    for (metric, cut) in program.metrics.iter().zip(&breakdown.cuts) {
        let mut narrowed = Metric {
            definition: metric.definition.clone(),
            series: None,
            events: None,
            target: None,
        };
        match cut {
            None | Some(Cut::Derived) => {}
            Some(Cut::Events) => {
                let condition = match pick {
                    Pick::Value(value) => Condition::OneOf(vec![value.to_string()]),
                    Pick::Rest(shown) => Condition::NoneOf(shown.to_vec()),
                };
                narrowed.events = metric
                    .events
                    .as_ref()
                    .and_then(|events| events.narrowed(&breakdown.by, &condition).ok())
                    .map(std::sync::Arc::new);
            }
            Some(Cut::Series { aggregate, groups }) => {
                let parts: Vec<&DailySeries> = groups
                    .iter()
                    .filter(|(value, _)| match pick {
                        Pick::Value(wanted) => value == wanted,
                        Pick::Rest(shown) => !shown.contains(value),
                    })
                    .map(|(_, series)| series)
                    .collect();
                narrowed.series = match parts.as_slice() {
                    [] => None,
                    [single] => Some((*single).clone()),
                    several => Some(match aggregate {
                        Aggregate::Sum => DailySeries::combine(several, |a, b| a + b),
                        Aggregate::Min => DailySeries::combine(several, f64::min),
                        Aggregate::Max => DailySeries::combine(several, f64::max),
                        _ => return None,
                    }),
                };
            }
        }
        metrics.push(narrowed);
    }
    Some(Program {
        id: program.id.clone(),
        name: program.name.clone(),
        owner: program.owner.clone(),
        summary: None,
        metrics,
        initiatives: Vec::new(),
        deck: None,
        breakdowns: Vec::new(),
        path: program.path.clone(),
        fingerprint: program.fingerprint,
        annotations: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn series(value: &str, review_week: Option<f64>) -> BreakdownSeries {
        let week = PeriodNumbers {
            month: None,
            start: date(2026, 11, 16),
            end: date(2026, 11, 22),
            value: review_week,
            missing: 0,
            py_value: None,
            target: None,
            previous_value: None,
        };
        BreakdownSeries {
            value: value.to_string(),
            other: false,
            values: Vec::new(),
            weeks: vec![week],
            months: Vec::new(),
        }
    }

    #[test]
    fn the_largest_review_weeks_are_kept_ties_by_name_gaps_last() {
        // In name order, as the values come: chat 3, email 3, fax (gap),
        // phone 1, sms 7. Ranked: sms 7; chat and email tie at 3 and keep
        // their name order; phone 1; fax has no value and comes last.
        let mut ranked = vec![
            series("chat", Some(3.0)),
            series("email", Some(3.0)),
            series("fax", None),
            series("phone", Some(1.0)),
            series("sms", Some(7.0)),
        ];
        let rest = keep_top(&mut ranked, 2);
        let kept: Vec<&str> = ranked.iter().map(|series| series.value.as_str()).collect();
        assert_eq!(kept, ["sms", "chat"]);
        assert_eq!(rest, ["email", "phone", "fax"]);
        // A negative value ranks below zero.
        let mut ranked = vec![series("a", Some(-2.0)), series("b", Some(0.0))];
        assert_eq!(keep_top(&mut ranked, 1), ["a"]);
    }
}

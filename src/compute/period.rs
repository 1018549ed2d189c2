//! A metric's value for one period: its days (or weeks, or months)
//! aggregated, or a gap that says how many are missing.

use std::cell::OnceCell;

use jiff::civil::Date;
use rayon::prelude::*;

use crate::calendar::{add_days, Calendar, Period};
use crate::load::data::DailySeries;
use crate::load::program::{Aggregate, ChangeOver, Compare, Grain, MetricSource, Operation};
use crate::load::{Metric, Program, Target};

/// A period's value, or a gap.
///
/// A gap (`value: None`) with `missing > 0` is an incomplete period: that
/// many days (weeks, months for coarser grains) have no value as of the
/// review. A gap with `missing == 0` is a value that does not exist for a
/// complete period: a zero denominator, or a period a weekly or monthly
/// metric cannot be cut into.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodValue {
    pub value: Option<f64>,
    pub missing: u32,
}

impl PeriodValue {
    pub fn known(value: f64) -> PeriodValue {
        PeriodValue {
            value: Some(value),
            missing: 0,
        }
    }

    pub fn incomplete(missing: u32) -> PeriodValue {
        PeriodValue {
            value: None,
            missing,
        }
    }

    pub const NOT_APPLICABLE: PeriodValue = PeriodValue {
        value: None,
        missing: 0,
    };
}

/// Aggregates one value per unit (day, week or month) of a period. Sums,
/// means, minimums and maximums need every unit; `first` and `last` need
/// only the first or last unit.
pub fn aggregate_values(
    values: impl Iterator<Item = Option<f64>>,
    aggregate: Aggregate,
) -> PeriodValue {
    match aggregate {
        Aggregate::First => {
            let mut values = values;
            match values.next() {
                Some(Some(value)) => PeriodValue::known(value),
                Some(None) => PeriodValue::incomplete(1),
                None => PeriodValue::NOT_APPLICABLE,
            }
        }
        Aggregate::Last => match values.last() {
            Some(Some(value)) => PeriodValue::known(value),
            Some(None) => PeriodValue::incomplete(1),
            None => PeriodValue::NOT_APPLICABLE,
        },
        Aggregate::Sum | Aggregate::Mean | Aggregate::Min | Aggregate::Max => {
            let mut missing = 0u32;
            let mut count = 0u32;
            let mut sum = 0.0;
            let mut min = f64::INFINITY;
            let mut max = f64::NEG_INFINITY;
            for value in values {
                match value {
                    Some(value) => {
                        count += 1;
                        sum += value;
                        min = min.min(value);
                        max = max.max(value);
                    }
                    None => missing += 1,
                }
            }
            if missing > 0 {
                return PeriodValue::incomplete(missing);
            }
            if count == 0 {
                return PeriodValue::NOT_APPLICABLE;
            }
            let value = match aggregate {
                Aggregate::Sum => sum,
                Aggregate::Mean => sum / f64::from(count),
                Aggregate::Min => min,
                Aggregate::Max => max,
                Aggregate::First | Aggregate::Last => unreachable!("handled above"),
            };
            if value.is_finite() {
                PeriodValue::known(value)
            } else {
                PeriodValue::NOT_APPLICABLE
            }
        }
    }
}

/// The value of `series` over `period` as of `as_of`: days after `as_of`
/// count as missing, so a version never sees data from its future.
pub fn series_value(
    series: &DailySeries,
    grain: Grain,
    aggregate: Aggregate,
    period: Period,
    as_of: Date,
    calendar: &Calendar,
) -> PeriodValue {
    let visible = |date: Date, value: Option<f64>| if date <= as_of { value } else { None };
    match grain {
        Grain::Day => day_value(series, aggregate, period, as_of),
        Grain::Week => match unit_ends(period, |date| calendar.week_of(date)) {
            Some(ends) if adds_up(&ends, aggregate) => aggregate_values(
                ends.into_iter().map(|end| visible(end, series.get(end))),
                aggregate,
            ),
            _ => PeriodValue::NOT_APPLICABLE,
        },
        Grain::Month => match unit_ends(period, Period::month_of) {
            Some(ends) if adds_up(&ends, aggregate) => aggregate_values(
                ends.into_iter().map(|end| visible(end, series.get(end))),
                aggregate,
            ),
            _ => PeriodValue::NOT_APPLICABLE,
        },
    }
}

/// The value of a daily series over `period` as of `as_of`: what
/// [`aggregate_values`] makes of the period's days, with the days after
/// `as_of` missing, read without walking the days one by one. A period
/// with a missing day has no sum, mean, minimum or maximum, so those are
/// only ever taken over stored values that are the whole period's, in date
/// order: the same values [`aggregate_values`] adds up in the same order.
fn day_value(
    series: &DailySeries,
    aggregate: Aggregate,
    period: Period,
    as_of: Date,
) -> PeriodValue {
    let last_visible = period.end.min(as_of);
    let on = |day: Date| {
        if day <= last_visible {
            series.get(day)
        } else {
            None
        }
    };
    match aggregate {
        Aggregate::First => on(period.start).map_or(PeriodValue::incomplete(1), PeriodValue::known),
        Aggregate::Last => on(period.end).map_or(PeriodValue::incomplete(1), PeriodValue::known),
        Aggregate::Sum | Aggregate::Mean | Aggregate::Min | Aggregate::Max => {
            let values = series.values_between(period.start, last_visible);
            let missing = period.day_count() - values.len() as i64;
            if missing > 0 {
                return PeriodValue::incomplete(missing as u32);
            }
            aggregate_values(values.iter().map(|value| Some(*value)), aggregate)
        }
    }
}

/// Whether the values of a weekly or monthly metric for the units ending
/// on `ends` make the value of the period they tile. One unit is its own
/// value. Several make a longer period only for a `sum`: the total of the
/// weeks is the total of the month they make up. Any other aggregate of
/// per-period values is not the period's value for all sitrep can tell: a
/// p90 (or a mean, or a median) of four weeks is not the largest (or the
/// mean, or the last) of the four weekly values, and sitrep cannot know
/// whether a weekly value declared `max` is really a maximum.
fn adds_up(ends: &[Date], aggregate: Aggregate) -> bool {
    ends.len() == 1 || aggregate == Aggregate::Sum
}

/// The end dates of the units (weeks or months) that tile `period`
/// exactly, or `None` when the period does not start and end on unit
/// boundaries (a calendar month cut into weeks, say).
fn unit_ends(period: Period, unit_of: impl Fn(Date) -> Period) -> Option<Vec<Date>> {
    if unit_of(period.start).start != period.start || unit_of(period.end).end != period.end {
        return None;
    }
    let mut ends = Vec::new();
    let mut unit = unit_of(period.start);
    loop {
        ends.push(unit.end);
        if unit.end >= period.end {
            return Some(ends);
        }
        unit = unit_of(add_days(unit.end, 1));
    }
}

/// Evaluates a program's metrics over periods, as of a review week's end.
#[derive(Debug, Clone, Copy)]
pub struct Evaluator<'a> {
    pub program: &'a Program,
    pub calendar: &'a Calendar,
    pub as_of: Date,
}

impl<'a> Evaluator<'a> {
    /// The values of every metric over `periods`, each worked out on first
    /// use (see [`PeriodValues`]).
    pub fn over(&'a self, periods: &'a [Period]) -> PeriodValues<'a> {
        PeriodValues {
            evaluator: self,
            periods,
            known: (0..self.program.metrics.len())
                .map(|_| OnceCell::new())
                .collect(),
        }
    }

    /// The target of metric `index` for `period`, if it has one.
    pub fn target(&self, metric: &Metric, period: Period) -> Option<f64> {
        match metric.target.as_ref()? {
            // A constant target of a metric that adds its days up is a
            // weekly target: it says nothing about a month or a quarter.
            Target::Constant(_)
                if match &metric.definition.source {
                    MetricSource::Column { aggregate, .. } => *aggregate == Aggregate::Sum,
                    MetricSource::Events(query) => query.additive(),
                    MetricSource::Derived { .. } | MetricSource::Change { .. } => false,
                } && self.calendar.week_of(period.start) != period =>
            {
                None
            }
            Target::Constant(value) => Some(*value),
            Target::Series { series, aggregate } => {
                series_value(
                    series,
                    metric.definition.grain,
                    *aggregate,
                    period,
                    self.as_of,
                    self.calendar,
                )
                .value
            }
        }
    }
}

/// The values of a program's metrics over one list of periods (all the
/// periods a review shows). Each metric is evaluated once over the whole
/// list: a derived metric combines its operands' values for the same
/// period, never daily ratios, and an operand used by several derived
/// metrics is not summed again for each.
pub struct PeriodValues<'a> {
    evaluator: &'a Evaluator<'a>,
    /// A review's few dozen periods: found by a scan, which costs less
    /// than hashing them into a map for every evaluator.
    periods: &'a [Period],
    known: Vec<OnceCell<Vec<PeriodValue>>>,
}

impl PeriodValues<'_> {
    /// Metric `index`'s value over `period`: from the list when it is
    /// there, otherwise worked out for that period alone (the base of a
    /// growth series, such as the month before the first of 12).
    pub fn at(&self, index: usize, period: Period) -> PeriodValue {
        if let Some(slot) = self.periods.iter().position(|listed| *listed == period) {
            return self.of(index)[slot];
        }
        let evaluator = self.evaluator;
        let metric = &evaluator.program.metrics[index];
        match (&metric.definition.source, &metric.series) {
            (MetricSource::Column { aggregate, .. }, Some(series)) => series_value(
                series,
                metric.definition.grain,
                *aggregate,
                period,
                evaluator.as_of,
                evaluator.calendar,
            ),
            (MetricSource::Column { .. }, None) => PeriodValue::NOT_APPLICABLE,
            (
                MetricSource::Derived {
                    operation,
                    operands,
                },
                _,
            ) => {
                let values: Vec<PeriodValue> = operands
                    .iter()
                    .map(|&operand| self.at(operand, period))
                    .collect();
                combine(*operation, &values)
            }
            (MetricSource::Events(_), _) => match &metric.events {
                Some(events) => events.value(period, evaluator.as_of),
                None => PeriodValue::NOT_APPLICABLE,
            },
            (MetricSource::Change { of, over }, _) => self.change_at(*of, *over, period),
        }
    }

    /// The value of a growth series of metric `of` for `period`: the
    /// source's change from the base period `over` names, as
    /// [`change_value`] expresses it; not applicable for a period `over`
    /// does not compare (a month of a week-over-week series).
    fn change_at(&self, of: usize, over: ChangeOver, period: Period) -> PeriodValue {
        let Some(base) = change_base(self.evaluator.calendar, over, period) else {
            return PeriodValue::NOT_APPLICABLE;
        };
        let how = self.evaluator.program.metrics[of].definition.compare;
        change_value(self.at(of, period), self.at(of, base), how)
    }

    /// Metric `index`'s value over each period, in the order of the list.
    pub fn of(&self, index: usize) -> &[PeriodValue] {
        self.known[index].get_or_init(|| {
            let evaluator = self.evaluator;
            let metric = &evaluator.program.metrics[index];
            match (&metric.definition.source, &metric.series) {
                (MetricSource::Column { aggregate, .. }, Some(series)) => self
                    .periods
                    .iter()
                    .map(|&period| {
                        series_value(
                            series,
                            metric.definition.grain,
                            *aggregate,
                            period,
                            evaluator.as_of,
                            evaluator.calendar,
                        )
                    })
                    .collect(),
                (
                    MetricSource::Derived {
                        operation,
                        operands,
                    },
                    _,
                ) => {
                    // Metric definitions are checked to have no cycles.
                    let operands: Vec<&[PeriodValue]> =
                        operands.iter().map(|&operand| self.of(operand)).collect();
                    let mut values = Vec::with_capacity(operands.len());
                    (0..self.periods.len())
                        .map(|slot| {
                            values.clear();
                            values.extend(operands.iter().map(|operand| operand[slot]));
                            combine(*operation, &values)
                        })
                        .collect()
                }
                // Event metrics count or measure the rows of each period:
                // a scan of up to millions of rows each, so the periods are
                // shared among the cores (a one-week site has no other
                // work to run beside them). Each period's value is worked
                // out alone, so the values do not depend on the order.
                (MetricSource::Events(_), _) => match &metric.events {
                    Some(events) => self
                        .periods
                        .par_iter()
                        .map(|&period| events.value(period, evaluator.as_of))
                        .collect(),
                    None => vec![PeriodValue::NOT_APPLICABLE; self.periods.len()],
                },
                (MetricSource::Column { .. }, None) => {
                    vec![PeriodValue::NOT_APPLICABLE; self.periods.len()]
                }
                (MetricSource::Change { of, over }, _) => self
                    .periods
                    .iter()
                    .map(|&period| self.change_at(*of, *over, period))
                    .collect(),
            }
        })
    }
}

/// The period a growth series compares `period` with, or `None` when
/// `over` does not compare such a period:
/// - `wow`: a week (of the calendar's weeks) with the week before;
/// - `mom`: a calendar month with the month before;
/// - `yoy`: a week with the same week 52 weeks earlier, a month with the
///   whole month a year earlier, and any other period (month, quarter or
///   year to date) with the same dates a year earlier (BRIEF §3 "Prior
///   year").
pub fn change_base(calendar: &Calendar, over: ChangeOver, period: Period) -> Option<Period> {
    let is_week = calendar.week_of(period.start) == period;
    let is_month = Period::month_of(period.start) == period;
    match over {
        ChangeOver::Wow => is_week.then(|| calendar.weeks_before(period, 1)),
        ChangeOver::Mom => is_month.then(|| Period::month_of(add_days(period.start, -1))),
        ChangeOver::Yoy if is_week => Some(calendar.prior_year_week(period)),
        ChangeOver::Yoy if is_month => Some(Period::month_of(crate::calendar::one_year_earlier(
            period.start,
        ))),
        ChangeOver::Yoy => Some(period.one_year_earlier()),
    }
}

/// A growth series' value: the change from `base` to `current` exactly
/// as the comparisons compute it (`compute::compare::compare`), as a
/// fraction for percent changes (+12.5% is 0.125) and in basis points for
/// `compare: bps` sources. Against a zero or negative base a percent change
/// means nothing, and the comparisons' fallback (the absolute difference in
/// the source's unit) cannot share a line of percentages: the point has no
/// value (wbr-app draws nothing there either). A current period with gaps
/// keeps its count of missing days.
pub fn change_value(current: PeriodValue, base: PeriodValue, how: Compare) -> PeriodValue {
    use crate::compute::compare::{compare, ChangeKind};
    if current.value.is_none() {
        return PeriodValue::incomplete(current.missing);
    }
    match compare(current.value, base.value, how) {
        Some(change) => match change.kind {
            ChangeKind::Percent => PeriodValue::known(change.value / 100.0),
            ChangeKind::Bps => PeriodValue::known(change.value),
            ChangeKind::Absolute => PeriodValue::NOT_APPLICABLE,
        },
        None => PeriodValue::NOT_APPLICABLE,
    }
}

/// Applies a derived metric's operation to its operands' period values. A
/// gap in any operand is a gap; a zero denominator is not applicable.
pub fn combine(operation: Operation, operands: &[PeriodValue]) -> PeriodValue {
    if operands.iter().any(|operand| operand.value.is_none()) {
        let missing = operands
            .iter()
            .map(|operand| operand.missing)
            .max()
            .unwrap_or(0);
        return PeriodValue::incomplete(missing);
    }
    // Every operand has a value (checked above); read in place rather
    // than collected, this runs for every derived metric and period.
    let values = || operands.iter().filter_map(|operand| operand.value.as_ref());
    let value = |index: usize| operands[index].value.expect("checked above");
    let result = match operation {
        Operation::Sum => values().sum(),
        Operation::Product => values().product(),
        Operation::Difference => value(0) - value(1),
        Operation::Divide if value(1) == 0.0 => return PeriodValue::NOT_APPLICABLE,
        Operation::Divide => value(0) / value(1),
    };
    if result.is_finite() {
        PeriodValue::known(result)
    } else {
        PeriodValue::NOT_APPLICABLE
    }
}

//! The 6-12 chart as ECharts options: the trailing 6 weeks and 12 months
//! side by side on one axis with a visible gap, current year solid, prior
//! year dashed, the target as a dashed line labelled with its value.
//!
//! Rust decides what a chart shows (its series, their values, whether the
//! months get an axis of their own, the axes' scales, the pins); a page
//! carries that as compact JSON data ([`ChartData`]), and the theme's
//! `sitrep.js` builds the ECharts options from it (colours, widths,
//! symbols, grid, legend, tooltip, target label), reading the tooltip's
//! texts from the chart's numbers table. Under the site's strict Content-
//! Security-Policy a page carries JSON only, no inline script.

use std::sync::Arc;

use serde::Serialize;

use super::format::NumberFormat;
use crate::compute::{MetricNumbers, PeriodNumbers};
use crate::load::deck::SeriesStyle;
use crate::load::program::{Aggregate, Unit};

/// How many colours the theme's palette has (`sitrep.js`): the first,
/// second and third metric of a chart (and the further lines of a
/// breakdown) take them in turn.
const PALETTE_SIZE: usize = 8;

/// Most gridline intervals a value axis is split into. Split week and month
/// axes get the same count, so that their gridlines are the same lines.
const MAX_SPLITS: u32 = 5;

/// One metric drawn in a chart.
pub struct ChartSeries<'a> {
    pub numbers: &'a MetricNumbers,
    pub style: SeriesStyle,
    pub format: NumberFormat,
    pub additive: bool,
}

/// The x-axis labels: the weeks', then the months' (the chart puts an
/// empty gap category between them).
pub fn axis_labels(
    weeks: &[PeriodNumbers],
    months: &[PeriodNumbers],
    week_label: impl Fn(&PeriodNumbers) -> String,
) -> XLabels {
    XLabels {
        weeks: weeks.iter().map(week_label).collect(),
        // Short labels keep twelve months readable: the year only where it
        // starts and where it changes.
        months: months
            .iter()
            .enumerate()
            .map(|(index, month)| {
                if index == 0 || month.start.month() == 1 {
                    month_label(month)
                } else {
                    month_label(month)
                        .split(' ')
                        .next()
                        .unwrap_or_default()
                        .to_string()
                }
            })
            .collect(),
    }
}

/// `Nov ’25`.
pub fn month_label(month: &PeriodNumbers) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} ’{:02}",
        NAMES[(month.start.month() - 1) as usize],
        month.start.year() % 100
    )
}

/// Whether an aggregate adds days up, so that a month dwarfs a week.
pub fn is_additive(aggregate: Option<Aggregate>) -> bool {
    matches!(aggregate, Some(Aggregate::Sum))
}

/// Whether a chart gives its months their own value axis. A month of an
/// additive metric (a sum, an event count) is about 4.3 of its weeks, so
/// one axis would flatten the weeks; an average, rate or percentile of a
/// month is on the weeks' scale. Decided by the metrics' definitions alone,
/// never by their numbers, so that a chart has the same axes in every
/// version of the site.
pub fn separate_month_axis(series: &[ChartSeries]) -> bool {
    series
        .iter()
        .any(|metric| metric.style != SeriesStyle::Target && metric.additive)
}

/// Whether a chart's value axis starts at zero: for counts and sums, where
/// the bar from zero is the quantity. Rates, ratios, percents and durations
/// get an axis fitted to their values, so that 81% against 95% does not
/// read as flat.
pub fn zero_baseline(series: &[ChartSeries]) -> bool {
    series.iter().any(|metric| {
        metric.style != SeriesStyle::Target
            && (metric.additive || matches!(metric.format.unit, Unit::Count | Unit::Currency))
    })
}

/// A value axis: from `min` to `min + splits × interval`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AxisScale {
    pub min: f64,
    pub interval: f64,
    pub splits: u32,
}

impl AxisScale {
    pub fn max(&self) -> f64 {
        self.min + f64::from(self.splits) * self.interval
    }
}

/// The gridline step for a range: 1, 2, 2.5 or 5 times a power of ten,
/// the smallest that covers `low..=high` in at most [`MAX_SPLITS`] steps
/// from a multiple of itself.
pub fn nice_scale(low: f64, high: f64) -> AxisScale {
    let (low, high) = if low <= high {
        (low, high)
    } else {
        (high, low)
    };
    let span = (high - low).max(f64::EPSILON * high.abs().max(1.0));
    let mut power = 10f64.powi((span / f64::from(MAX_SPLITS)).log10().floor() as i32 - 1);
    loop {
        for step in [1.0, 2.0, 2.5, 5.0] {
            let interval = step * power;
            let min = (low / interval).floor() * interval;
            let splits = ((high - min) / interval - 1e-9).ceil().max(1.0);
            if splits <= f64::from(MAX_SPLITS) {
                return AxisScale {
                    // -0.0 would print as "-0".
                    min: min + 0.0,
                    interval,
                    splits: splits as u32,
                };
            }
        }
        power *= 10.0;
    }
}

/// The scale of a value axis showing `values`: from zero for counts and
/// sums, else fitted to the values with a tenth of their range as padding
/// (percents kept within 0–100 when the values are).
pub fn axis_scale(values: &[f64], zero: bool, percent: bool) -> AxisScale {
    let (low, high) = values
        .iter()
        .filter(|value| value.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(low, high), &value| {
            (low.min(value), high.max(value))
        });
    if low > high {
        return AxisScale {
            min: 0.0,
            interval: 1.0,
            splits: MAX_SPLITS,
        };
    }
    if zero {
        return nice_scale(low.min(0.0), high.max(0.0));
    }
    let padding = if high > low {
        (high - low) / 10.0
    } else {
        (high.abs() / 10.0).max(1e-9)
    };
    let mut padded_low = low - padding;
    let mut padded_high = high + padding;
    if low >= 0.0 {
        padded_low = padded_low.max(0.0);
    }
    if percent && high <= 100.0 {
        padded_high = padded_high.min(100.0);
    }
    nice_scale(padded_low, padded_high)
}

/// The role of a series, for the page's script: a value line (solid), a
/// prior-year line (dashed, lighter) or a target (red, dashed, diamonds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Value,
    Prior,
    Target,
}

/// A chart value written as short as JSON allows: `1807`, not `1807.0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Whole numbers below 2^53 are exact as integers.
        if self.0.fract() == 0.0 && self.0.abs() < 9_007_199_254_740_992.0 {
            serializer.serialize_i64(self.0 as i64)
        } else {
            serializer.serialize_f64(self.0)
        }
    }
}

/// One line of a chart in the page's chart data: its weekly and its
/// monthly points (the script draws each half as a series of its own, the
/// weekly on the first value axis, the monthly on the month axis when the
/// chart has one). Styling is the theme's: the data says only the role,
/// whether the line is the chart's primary one, and its colour's index.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesData {
    pub name: String,
    #[serde(skip_serializing_if = "is_value")]
    pub role: Role,
    /// A secondary value line is thinner than a primary one.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub secondary: bool,
    /// Index into the theme's palette (value and prior-year lines).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub colour: Option<usize>,
    /// The series' column in the chart's numbers table (0 is the period),
    /// when it is not the series' position + 1: the table has a prior-year
    /// column for a target-styled metric, which the chart does not draw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// The weeks' values, oldest first; `null` for a week without one,
    /// trailing ones left out.
    pub w: Vec<Option<Num>>,
    /// The months' values, likewise.
    pub m: Vec<Option<Num>>,
}

fn is_value(role: &Role) -> bool {
    *role == Role::Value
}

/// A value axis as `[min, interval, splits]`.
impl Serialize for AxisScale {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (Num(self.min), Num(self.interval), self.splits).serialize(serializer)
    }
}

/// An annotation pin as `[series, x, label, text]`: on the point `x` of
/// the chart's series number `series`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pin {
    pub series: usize,
    pub x: usize,
    pub label: String,
    pub text: String,
}

impl Serialize for Pin {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.series, self.x, &self.label, &self.text).serialize(serializer)
    }
}

/// The x axis of a 6-12 chart: week labels, then (after a gap the script
/// adds) month labels.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct XLabels {
    pub weeks: Vec<String>,
    pub months: Vec<String>,
}

/// What a page says about one 6-12 chart: only what differs from chart to
/// chart. The theme's `sitrep.js` turns it into ECharts options (colours,
/// widths, symbols, grid, legend, tooltip, target label); the tooltip's
/// texts come from the chart's numbers table, which has a column per
/// series, in order, and a row per week and month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChartData {
    /// The x axis; pages write each distinct one once. Shared by the
    /// charts with the same periods (see [`super::view::LabelCache`]).
    #[serde(skip)]
    pub labels: Arc<XLabels>,
    /// Axis suffix (`%`, ` h`) and currency prefix.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub unit: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub prefix: &'static str,
    /// The value axes: one, or the weeks' and the months'.
    pub y: Vec<AxisScale>,
    pub series: Vec<SeriesData>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pins: Vec<Pin>,
}

impl ChartData {
    /// The value of series `series` at slot `x` of the x axis (weeks, a
    /// gap, months).
    pub fn value_at(&self, series: usize, x: usize) -> Option<f64> {
        let line = self.series.get(series)?;
        let weeks = self.labels.weeks.len();
        let point = if x < weeks {
            line.w.get(x)
        } else {
            line.m.get(x.checked_sub(weeks + 1)?)
        };
        point.copied().flatten().map(|num| num.0)
    }

    /// Whether the months have a value axis of their own.
    pub fn separate_month_axis(&self) -> bool {
        self.y.len() > 1
    }
}

/// Notes the table column of the last series, where it is not the one
/// after the series before.
fn set_column(series: &mut [SeriesData], column: usize) {
    let position = series.len();
    if let Some(last) = series.last_mut() {
        if column != position {
            last.column = Some(column);
        }
    }
}

/// Builds the chart's data. `labels` are its subject's (the first
/// series'), from [`super::view::LabelCache`].
pub fn six_twelve_chart(
    series: &[ChartSeries],
    labels: Arc<XLabels>,
    prior_year: bool,
) -> ChartData {
    let (week_count, month_count) = (labels.weeks.len(), labels.months.len());
    // A series' points on the weeks (`monthly` false) or on the months, as
    // the chart shows them, trailing empty ones left out.
    let points = |pick: &dyn Fn(&PeriodNumbers) -> Option<f64>,
                  metric: &ChartSeries,
                  format: &NumberFormat,
                  monthly: bool|
     -> Vec<Option<Num>> {
        let (periods, count) = if monthly {
            (&metric.numbers.months, month_count)
        } else {
            (&metric.numbers.weeks, week_count)
        };
        let mut values: Vec<Option<Num>> = periods
            .iter()
            .take(count)
            .map(|period| format.chart_value(pick(period)).map(Num))
            .collect();
        while values.last() == Some(&None) {
            values.pop();
        }
        values
    };

    let separate = separate_month_axis(series);
    let zero = zero_baseline(series);
    let subject = series
        .iter()
        .find(|metric| metric.style != SeriesStyle::Target);
    let percent = series
        .first()
        .is_some_and(|first| first.format.unit == Unit::Percent);

    let month_axis = usize::from(separate);
    let line =
        |name: String, role: Role, secondary: bool, colour: Option<usize>, w, m| SeriesData {
            name,
            role,
            secondary,
            colour,
            column: None,
            w,
            m,
        };
    let mut out_series = Vec::new();
    // The numbers table (`view::chart_view`) has a column per metric and,
    // with prior years, one more per metric (a target-styled one too, which
    // the chart does not draw), then the subject's target.
    let mut column = 0;
    for (position, metric) in series.iter().enumerate() {
        let colour = position % PALETTE_SIZE;
        let name = metric.numbers.name.clone();
        let value = |monthly| points(&|p| p.value, metric, &metric.format, monthly);
        let target_styled = metric.style == SeriesStyle::Target;
        column += 1;
        out_series.push(if target_styled {
            line(
                name.clone(),
                Role::Target,
                false,
                None,
                value(false),
                value(true),
            )
        } else {
            let secondary = metric.style != SeriesStyle::Primary;
            line(
                name.clone(),
                Role::Value,
                secondary,
                Some(colour),
                value(false),
                value(true),
            )
        });
        set_column(&mut out_series, column);
        if prior_year {
            column += 1;
        }
        if prior_year && !target_styled {
            let prior = |monthly| points(&|p| p.py_value, metric, &metric.format, monthly);
            out_series.push(line(
                format!("{name} (prior year)"),
                Role::Prior,
                false,
                Some(colour),
                prior(false),
                prior(true),
            ));
            set_column(&mut out_series, column);
        }
    }
    // The subject's target, as a dashed line through every period that has
    // one (the script labels its last point with its value). Monthly
    // targets of an additive metric are aggregated per month and belong on
    // the monthly axis.
    if let Some(subject) = subject {
        let weekly = points(&|p| p.target, subject, &subject.format, false);
        let monthly = points(&|p| p.target, subject, &subject.format, true);
        if !weekly.is_empty() || !monthly.is_empty() {
            out_series.push(line(
                format!("{} target", subject.numbers.name),
                Role::Target,
                false,
                None,
                weekly,
                monthly,
            ));
            set_column(&mut out_series, column + 1);
        }
    }
    let mut axis_values: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    for line in &out_series {
        axis_values[0].extend(line.w.iter().flatten().map(|num| num.0));
        axis_values[month_axis].extend(line.m.iter().flatten().map(|num| num.0));
    }

    // Split axes get the same number of gridlines, so that they line up.
    let mut scales: Vec<AxisScale> = axis_values[..=month_axis]
        .iter()
        .map(|values| axis_scale(values, zero, percent))
        .collect();
    let splits = scales.iter().map(|scale| scale.splits).max().unwrap_or(1);
    for scale in &mut scales {
        scale.splits = splits;
    }

    ChartData {
        labels,
        unit: series
            .first()
            .map_or("", |first| first.format.axis_suffix()),
        prefix: series.first().map_or("", |first| {
            if first.format.unit == Unit::Currency {
                first.format.currency
            } else {
                ""
            }
        }),
        y: scales,
        series: out_series,
        pins: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_scales_cover_the_range_in_few_round_steps() {
        // 79.6..96.4 (an SLA between 81% and 95%, padded by 1.4):
        // 2.5 would need 77.5..97.5 = 8 steps, 5 needs 75..100 = 5 steps.
        assert_eq!(
            nice_scale(79.6, 96.4),
            AxisScale {
                min: 75.0,
                interval: 5.0,
                splits: 5
            }
        );
        // 0..2768: 500 → 0..3000 in 6 steps is too many; 1000 → 3 steps.
        assert_eq!(
            nice_scale(0.0, 2768.0),
            AxisScale {
                min: 0.0,
                interval: 1000.0,
                splits: 3
            }
        );
        // 0..2400: 500 → 0..2500 in 5 steps.
        assert_eq!(nice_scale(0.0, 2400.0).interval, 500.0);
        // Negative values: -12..30 with 10 → -20..30 = 5 steps.
        assert_eq!(
            nice_scale(-12.0, 30.0),
            AxisScale {
                min: -20.0,
                interval: 10.0,
                splits: 5
            }
        );
    }

    fn line(name: &str, role: Role, w: &[Option<f64>], m: &[Option<f64>]) -> SeriesData {
        let nums = |values: &[Option<f64>]| values.iter().map(|v| v.map(Num)).collect();
        SeriesData {
            name: name.to_string(),
            role,
            secondary: false,
            colour: (role != Role::Target).then_some(0),
            column: None,
            w: nums(w),
            m: nums(m),
        }
    }

    fn two_weeks_three_months() -> ChartData {
        ChartData {
            labels: Arc::new(XLabels {
                weeks: vec!["W46".into(), "W47".into()],
                months: vec!["Sep ’26".into(), "Oct".into(), "Nov".into()],
            }),
            unit: "",
            prefix: "",
            y: vec![AxisScale {
                min: 0.0,
                interval: 500.0,
                splits: 4,
            }],
            series: vec![
                line("A", Role::Value, &[Some(1807.0), None], &[Some(2.5)]),
                line("A (prior year)", Role::Prior, &[None, Some(3.0)], &[]),
            ],
            pins: Vec::new(),
        }
    }

    #[test]
    fn chart_data_is_compact_json() {
        let chart = two_weeks_three_months();
        // Whole numbers without `.0`, the role and style only where they
        // are not the default, no padding beyond the last value.
        assert_eq!(
            serde_json::to_string(&chart).unwrap(),
            r#"{"y":[[0,500,4]],"series":[{"name":"A","colour":0,"w":[1807,null],"m":[2.5]},{"name":"A (prior year)","role":"prior","colour":0,"w":[null,3],"m":[]}]}"#
        );
        assert_eq!(serde_json::to_string(&Num(-0.25)).unwrap(), "-0.25");
        assert_eq!(serde_json::to_string(&Num(1e20)).unwrap(), "1e+20");
    }

    #[test]
    fn pins_sit_on_the_half_of_the_line_with_a_value() {
        let mut chart = two_weeks_three_months();
        // Slots: W46 = 0, W47 = 1, gap = 2, Sep = 3, Oct = 4, Nov = 5.
        assert_eq!(chart.value_at(0, 0), Some(1807.0));
        assert_eq!(chart.value_at(0, 1), None);
        assert_eq!(chart.value_at(0, 2), None);
        assert_eq!(chart.value_at(0, 3), Some(2.5));
        assert_eq!(chart.value_at(1, 1), Some(3.0));
        let mark = |series: &str, x: usize, label: &str| AnnotationMark {
            series: series.to_string(),
            x,
            label: label.to_string(),
            text: format!("note {label}"),
        };
        mark_annotations(
            &mut chart,
            &[
                mark("A", 3, "1"),
                // W47 of A has no value: no pin.
                mark("A", 1, "2"),
                mark("A (prior year)", 1, "3"),
            ],
        );
        assert_eq!(
            serde_json::to_string(&chart.pins).unwrap(),
            r#"[[0,3,"1","note 1"],[1,1,"3","note 3"]]"#
        );
    }

    #[test]
    fn a_series_names_its_table_column_only_where_it_skips_one() {
        let mut series = vec![line("A", Role::Target, &[], &[])];
        set_column(&mut series, 1);
        assert_eq!(series[0].column, None);
        // With prior years a target-styled metric has an undrawn prior-year
        // column (2), so the next line is in column 3.
        series.push(line("B", Role::Value, &[], &[]));
        set_column(&mut series, 3);
        assert_eq!(series[1].column, Some(3));
    }

    #[test]
    fn rates_fit_their_values_and_counts_start_at_zero() {
        // 81..95 padded by 1.4 → 79.6..96.4 → 75..100.
        let fitted = axis_scale(&[81.0, 95.0, 88.0], false, true);
        assert_eq!((fitted.min, fitted.max()), (75.0, 100.0));
        // The same values as counts: 0..95 → 0..100 in 20s.
        let counted = axis_scale(&[81.0, 95.0, 88.0], true, false);
        assert_eq!((counted.min, counted.max()), (0.0, 100.0));
        // One value only: 6.5 h padded by 0.65 → 5.85..7.15 → 5.5..7.5
        // (0.5 steps: floor(5.85/0.5)=11 → 5.5; (7.15-5.5)/0.5 = 3.3 → 4).
        let single = axis_scale(&[6.5], false, false);
        assert_eq!((single.min, single.max()), (5.5, 7.5));
        // A percent near 100 stays at or under 100 unless a value is above.
        assert!(axis_scale(&[97.0, 99.5], false, true).max() <= 100.0);
    }
}

/// An annotation's pin on a chart: on the point `x` of the line named
/// `series`, labelled `label` (its number in the list under the chart),
/// with `text` as its tooltip.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotationMark {
    pub series: String,
    pub x: usize,
    pub label: String,
    pub text: String,
}

/// Pins annotations on a chart: each on the first series of the mark's
/// name that has a value at `x` (its weekly or its monthly half, so the pin
/// sits on the line and its axis). A point without a value gets no pin.
pub fn mark_annotations(chart: &mut ChartData, marks: &[AnnotationMark]) {
    for mark in marks {
        let Some(series) = (0..chart.series.len()).find(|&index| {
            chart.series[index].name == mark.series && chart.value_at(index, mark.x).is_some()
        }) else {
            continue;
        };
        chart.pins.push(Pin {
            series,
            x: mark.x,
            label: mark.label.clone(),
            text: mark.text.clone(),
        });
    }
}

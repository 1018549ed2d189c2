//! The 6-12 chart as ECharts options: the trailing 6 weeks and 12 months
//! side by side on one axis with a visible gap, current year solid, prior
//! year dashed, the target as a dashed line labelled with its value.
//!
//! The options are plain JSON: under the site's strict Content-Security-
//! Policy a page may carry no inline function, so everything that needs one
//! (axis label and tooltip formatters, the target's label, the legend's
//! width) is done by the theme's `sitrep.js` from the `sitrep` object the
//! options carry: per series its role and the table's text of every point.

use serde_json::{json, Value};

use super::format::NumberFormat;
use crate::compute::{MetricNumbers, PeriodNumbers};
use crate::load::deck::SeriesStyle;
use crate::load::program::{Aggregate, Unit};

/// Colours of the first, second and third metric of a chart (and of the
/// further lines of a breakdown); the page's script may swap them for dark
/// mode.
const COLOURS: [&str; 8] = [
    "#1d4ed8", "#c2410c", "#047857", "#7c3aed", "#be185d", "#0e7490", "#a16207", "#4b5563",
];
const TARGET_COLOUR: &str = "#b91c1c";

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

/// The x-axis labels: 6 weeks, an empty gap category, 12 months.
pub fn axis_labels(
    weeks: &[PeriodNumbers],
    months: &[PeriodNumbers],
    week_label: impl Fn(&PeriodNumbers) -> String,
) -> Vec<String> {
    let mut labels: Vec<String> = weeks.iter().map(week_label).collect();
    labels.push(String::new());
    // Short labels keep twelve months readable: the year only where it
    // starts and where it changes.
    labels.extend(months.iter().enumerate().map(|(index, month)| {
        if index == 0 || month.start.month() == 1 {
            month_label(month)
        } else {
            month_label(month)
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_string()
        }
    }));
    labels
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

/// The role of a series, for the page's script.
#[derive(Clone, Copy)]
enum Role {
    Value,
    Prior,
    Target,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Role::Value => "value",
            Role::Prior => "prior",
            Role::Target => "target",
        }
    }
}

/// Builds the chart's options. `labels` come from [`axis_labels`].
pub fn six_twelve_chart(series: &[ChartSeries], labels: Vec<String>, prior_year: bool) -> Value {
    let week_count = series.first().map_or(6, |first| first.numbers.weeks.len());
    let month_count = labels.len().saturating_sub(week_count + 1);
    let slots = week_count + 1 + month_count;
    // A series' points on the weeks (`monthly` false) or on the months, as
    // chart values and as the table writes them.
    let points = |pick: &dyn Fn(&PeriodNumbers) -> Option<f64>,
                  metric: &ChartSeries,
                  format: &NumberFormat,
                  monthly: bool|
     -> (Vec<Option<f64>>, Vec<Option<String>>) {
        let periods = if monthly {
            &metric.numbers.months
        } else {
            &metric.numbers.weeks
        };
        let offset = if monthly { week_count + 1 } else { 0 };
        let mut values = vec![None; slots];
        let mut texts = vec![None; slots];
        for (position, period) in periods.iter().enumerate() {
            let Some(slot) = values.get_mut(offset + position) else {
                break;
            };
            let value = pick(period);
            *slot = format.chart_value(value);
            texts[offset + position] = value.map(|value| format.value(Some(value)));
        }
        (values, texts)
    };

    let separate = separate_month_axis(series);
    let zero = zero_baseline(series);
    let subject = series
        .iter()
        .find(|metric| metric.style != SeriesStyle::Target);
    let percent = series
        .first()
        .is_some_and(|first| first.format.unit == Unit::Percent);

    let mut out_series = Vec::new();
    let mut meta_series = Vec::new();
    let mut axis_values: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut push = |values: Vec<Option<f64>>,
                    texts: Vec<Option<String>>,
                    mut line: Value,
                    role: Role,
                    axis: usize| {
        axis_values[axis].extend(values.iter().flatten());
        line["data"] = json!(values);
        line["yAxisIndex"] = json!(axis);
        out_series.push(line);
        // The texts from the series' first point to its last: the slots
        // of the other half of the axis stay out of the page.
        let from = texts.iter().position(Option::is_some).unwrap_or(0);
        let to = texts
            .iter()
            .rposition(Option::is_some)
            .map_or(from, |last| last + 1);
        meta_series.push(json!({ "role": role.name(), "from": from, "text": &texts[from..to] }));
    };
    let month_axis = usize::from(separate);

    for (position, metric) in series.iter().enumerate() {
        let colour = COLOURS[position % COLOURS.len()];
        let name = metric.numbers.name.clone();
        let (role, style) = if metric.style == SeriesStyle::Target {
            (Role::Target, target_line(&name, TARGET_COLOUR))
        } else {
            let width = if metric.style == SeriesStyle::Primary {
                3.0
            } else {
                2.0
            };
            (Role::Value, data_line(&name, colour, width, false))
        };
        for monthly in [false, true] {
            let (values, texts) = points(&|p| p.value, metric, &metric.format, monthly);
            let axis = if monthly { month_axis } else { 0 };
            push(values, texts, style.clone(), role, axis);
        }
        if prior_year && metric.style != SeriesStyle::Target {
            let line = data_line(&format!("{name} (prior year)"), colour, 1.5, true);
            for monthly in [false, true] {
                let (values, texts) = points(&|p| p.py_value, metric, &metric.format, monthly);
                let axis = if monthly { month_axis } else { 0 };
                push(values, texts, line.clone(), Role::Prior, axis);
            }
        }
    }
    // The subject's target, as a dashed line through every period that has
    // one (the script labels its last point with its value).
    if let Some(subject) = subject {
        let weekly = points(&|p| p.target, subject, &subject.format, false);
        let monthly = points(&|p| p.target, subject, &subject.format, true);
        if weekly.0.iter().chain(&monthly.0).any(Option::is_some) {
            let line = target_line(&format!("{} target", subject.numbers.name), TARGET_COLOUR);
            // Monthly targets of an additive metric are aggregated per
            // month and belong on the monthly axis.
            push(weekly.0, weekly.1, line.clone(), Role::Target, 0);
            push(monthly.0, monthly.1, line, Role::Target, month_axis);
        }
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
    let value_axis = |scale: &AxisScale, name: Option<&str>, right: bool| {
        let mut axis = json!({
            "type": "value",
            "min": scale.min,
            "max": scale.max(),
            "interval": scale.interval,
            "splitNumber": scale.splits,
            "axisLabel": { "hideOverlap": true },
        });
        if let Some(name) = name {
            axis["name"] = json!(name);
            axis["nameLocation"] = json!("end");
            axis["nameGap"] = json!(10);
            axis["nameTextStyle"] = json!({ "align": if right { "right" } else { "left" } });
        }
        axis
    };
    let y_axes: Vec<Value> = if separate {
        vec![
            value_axis(&scales[0], Some("weekly"), false),
            value_axis(&scales[1], Some("monthly"), true),
        ]
    } else {
        vec![value_axis(&scales[0], None, false)]
    };

    json!({
        "animation": false,
        "tooltip": { "trigger": "axis" },
        "legend": { "bottom": 0, "type": "scroll", "tooltip": { "show": true } },
        "grid": {
            "left": 8,
            "right": if separate { 8 } else { 16 },
            "top": 32,
            "bottom": 44,
            "containLabel": true,
        },
        "xAxis": {
            "type": "category",
            "data": labels,
            "axisTick": { "alignWithLabel": true },
            "axisLabel": { "hideOverlap": true },
        },
        "yAxis": y_axes,
        "series": out_series,
        "sitrep": {
            "unit": series.first().map_or("", |first| first.format.axis_suffix()),
            "prefix": series
                .first()
                .map_or("", |first| if first.format.unit == Unit::Currency { first.format.currency } else { "" }),
            "series": meta_series,
        },
    })
}

/// A line of values: solid, or dashed and lighter for the prior year.
fn data_line(name: &str, colour: &str, width: f64, dashed: bool) -> Value {
    let opacity = if dashed { 0.6 } else { 1.0 };
    json!({
        "type": "line",
        "name": name,
        "symbol": "circle",
        "symbolSize": if dashed { 4 } else { 6 },
        "itemStyle": { "color": colour, "opacity": opacity },
        "lineStyle": {
            "color": colour,
            "width": width,
            "opacity": opacity,
            "type": if dashed { "dashed" } else { "solid" },
        },
    })
}

/// A target: a thin dashed line with small diamonds.
fn target_line(name: &str, colour: &str) -> Value {
    json!({
        "type": "line",
        "name": name,
        "symbol": "diamond",
        "symbolSize": 7,
        "itemStyle": { "color": colour },
        "lineStyle": { "color": colour, "width": 1.5, "type": "dashed" },
    })
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

/// Pins annotations on built chart options (`serde_json::to_value` of a
/// [`six_twelve_chart`]) as ECharts `markPoint`s, on the series of the
/// mark's name that has a value at `x` (its weekly or its monthly half,
/// so the pin sits on the line and its axis). A point without a value gets
/// no pin. Styled by options only: no function, so it works under a strict
/// Content-Security-Policy.
pub fn mark_annotations(options: &mut serde_json::Value, marks: &[AnnotationMark]) {
    let Some(series) = options
        .get_mut("series")
        .and_then(serde_json::Value::as_array_mut)
    else {
        return;
    };
    for mark in marks {
        let Some(line) = series.iter_mut().find(|line| {
            line["name"] == mark.series.as_str() && line["data"][mark.x].as_f64().is_some()
        }) else {
            continue;
        };
        let y = line["data"][mark.x].clone();
        let Some(line) = line.as_object_mut() else {
            continue;
        };
        let pins = line.entry("markPoint").or_insert_with(|| {
            serde_json::json!({
                "symbol": "pin",
                "symbolSize": 30,
                "label": { "show": true, "fontSize": 11 },
                "tooltip": { "trigger": "item", "formatter": "{b}" },
                "data": [],
            })
        });
        if let Some(data) = pins["data"].as_array_mut() {
            data.push(serde_json::json!({
                "name": mark.text,
                "value": mark.label,
                "coord": [mark.x, y],
            }));
        }
    }
}

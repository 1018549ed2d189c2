//! The 6-12 chart as ECharts options, built with `charming`: the trailing
//! 6 weeks and 12 months side by side on one axis with a visible gap,
//! current year solid, prior year dashed, targets as markers.

use charming::component::{Axis, Grid, Legend};
use charming::element::{
    AxisLabel, AxisType, ItemStyle, LineStyle, LineStyleType, Symbol, Tooltip, Trigger,
};
use charming::series::{Line, Scatter};
use charming::Chart;

use super::format::NumberFormat;
use crate::compute::{MetricNumbers, PeriodNumbers};
use crate::load::deck::SeriesStyle;
use crate::load::program::Aggregate;

/// Colours of the first, second and third metric of a chart (and of the
/// further lines of a breakdown); the page's script may swap them for dark
/// mode.
const COLOURS: [&str; 8] = [
    "#1d4ed8", "#c2410c", "#047857", "#7c3aed", "#be185d", "#0e7490", "#a16207", "#4b5563",
];
const TARGET_COLOUR: &str = "#b91c1c";

/// wbr-app gives the months their own axis when the monthly maximum is more
/// than three times the weekly maximum (additive metrics: a month is about
/// 4.3 weeks).
const SEPARATE_AXIS_RATIO: f64 = 3.0;

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

/// Builds the chart. `labels` come from [`axis_labels`].
pub fn six_twelve_chart(series: &[ChartSeries], labels: Vec<String>, prior_year: bool) -> Chart {
    let week_count = series.first().map_or(6, |first| first.numbers.weeks.len());
    let month_count = labels.len().saturating_sub(week_count + 1);
    let weekly = |points: &dyn Fn(&PeriodNumbers) -> Option<f64>,
                  metric: &ChartSeries|
     -> Vec<Option<f64>> {
        let mut values: Vec<Option<f64>> = metric
            .numbers
            .weeks
            .iter()
            .map(|week| metric.format.chart_value(points(week)))
            .collect();
        values.resize(week_count + 1 + month_count, None);
        values
    };
    let monthly = |points: &dyn Fn(&PeriodNumbers) -> Option<f64>,
                   metric: &ChartSeries|
     -> Vec<Option<f64>> {
        let mut values = vec![None; week_count + 1];
        values.extend(
            metric
                .numbers
                .months
                .iter()
                .map(|month| metric.format.chart_value(points(month))),
        );
        values
    };
    let maximum = |values: &[Option<f64>]| {
        values
            .iter()
            .flatten()
            .fold(0.0_f64, |max, value| max.max(value.abs()))
    };
    let separate_axis = series.iter().any(|metric| metric.additive) && {
        let weeks_max = series
            .iter()
            .map(|metric| maximum(&weekly(&|p| p.value, metric)))
            .fold(0.0, f64::max);
        let months_max = series
            .iter()
            .map(|metric| maximum(&monthly(&|p| p.value, metric)))
            .fold(0.0, f64::max);
        weeks_max > 0.0 && months_max > SEPARATE_AXIS_RATIO * weeks_max
    };
    let suffix = series
        .first()
        .map_or("", |first| first.format.axis_suffix());
    let value_axis = |name: Option<&str>| {
        let axis = Axis::new()
            .type_(AxisType::Value)
            .axis_label(
                AxisLabel::new().formatter(charming::element::Formatter::String(format!(
                    "{{value}}{suffix}"
                ))),
            );
        match name {
            Some(name) => axis.name(name),
            None => axis,
        }
    };

    let mut chart = Chart::new()
        .animation(false)
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().bottom(0))
        .grid(
            Grid::new()
                .left(56)
                .right(if separate_axis { 64 } else { 24 })
                .top(24)
                .bottom(56),
        )
        .x_axis(
            Axis::new()
                .type_(AxisType::Category)
                .data(labels)
                .axis_label(AxisLabel::new().interval(0).rotate(0)),
        );
    chart = if separate_axis {
        chart
            .y_axis(value_axis(Some("weekly")))
            .y_axis(value_axis(Some("monthly")))
    } else {
        chart.y_axis(value_axis(None))
    };
    let month_axis_index = if separate_axis { 1.0 } else { 0.0 };

    for (position, metric) in series.iter().enumerate() {
        let colour = COLOURS[position % COLOURS.len()];
        let name = metric.numbers.name.clone();
        if metric.style == SeriesStyle::Target {
            let mut markers = weekly(&|p| p.value, metric);
            for (index, value) in monthly(&|p| p.value, metric).into_iter().enumerate() {
                if value.is_some() {
                    markers[index] = value;
                }
            }
            chart = chart.series(
                Scatter::new()
                    .name(name)
                    .symbol(Symbol::Diamond)
                    .symbol_size(9)
                    .item_style(ItemStyle::new().color(colour))
                    .data(markers),
            );
            continue;
        }
        let width = if metric.style == SeriesStyle::Primary {
            3
        } else {
            2
        };
        let line = |data: Vec<Option<f64>>, dashed: bool, name: String, axis: f64| {
            Line::new()
                .name(name)
                .data(data)
                .y_axis_index(axis)
                .symbol(Symbol::Circle)
                .symbol_size(if dashed { 4 } else { 6 })
                .item_style(
                    ItemStyle::new()
                        .color(colour)
                        .opacity(if dashed { 0.6 } else { 1.0 }),
                )
                .line_style(
                    LineStyle::new()
                        .color(colour)
                        .width(if dashed { 1.5 } else { f64::from(width) })
                        .opacity(if dashed { 0.6 } else { 1.0 })
                        .type_(if dashed {
                            LineStyleType::Dashed
                        } else {
                            LineStyleType::Solid
                        }),
                )
        };
        chart = chart
            .series(line(weekly(&|p| p.value, metric), false, name.clone(), 0.0))
            .series(line(
                monthly(&|p| p.value, metric),
                false,
                name.clone(),
                month_axis_index,
            ));
        if prior_year {
            let py_name = format!("{name} (prior year)");
            chart = chart
                .series(line(
                    weekly(&|p| p.py_value, metric),
                    true,
                    py_name.clone(),
                    0.0,
                ))
                .series(line(
                    monthly(&|p| p.py_value, metric),
                    true,
                    py_name,
                    month_axis_index,
                ));
        }
    }
    // The subject's target, as markers on every period that has one.
    if let Some(subject) = series
        .iter()
        .find(|metric| metric.style != SeriesStyle::Target)
    {
        let targets_weekly = weekly(&|p| p.target, subject);
        let targets_monthly = monthly(&|p| p.target, subject);
        if targets_weekly
            .iter()
            .chain(&targets_monthly)
            .any(Option::is_some)
        {
            let name = format!("{} target", subject.numbers.name);
            let marker = |data: Vec<Option<f64>>, axis: f64| {
                Scatter::new()
                    .name(name.clone())
                    .symbol(Symbol::Diamond)
                    .symbol_size(9)
                    .y_axis_index(axis)
                    .item_style(ItemStyle::new().color(TARGET_COLOUR))
                    .data(data)
            };
            // Monthly targets of an additive metric are aggregated per month
            // and belong on the monthly axis.
            chart = chart
                .series(marker(targets_weekly, 0.0))
                .series(marker(targets_monthly, month_axis_index));
        }
    }
    chart
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

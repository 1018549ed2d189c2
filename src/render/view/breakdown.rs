//! A breakdown block as templates see it: a 6-12 chart with one line per
//! value, or a table with one row per value. The numbers come from
//! `data.json` (`compute::breakdown`); a week published before the block
//! was added has none, and its page leaves the block out.

use super::{
    delta, is_additive, metric_anchor, month_label, number_format, six_twelve_chart, week_label,
    weeks_dates, Cell, ChartSeries, ChartView, LabelCache, TableView,
};
use crate::calendar::Calendar;
use crate::compute::breakdown::BreakdownNumbers;
use crate::compute::compare::compare;
use crate::compute::{MetricNumbers, PeriodNumbers, ProgramNumbers};
use crate::load::deck::{SeriesStyle, TablePeriod};
use crate::load::program::{Aggregate, MetricSource};
use crate::load::Program;

/// What a breakdown block shows.
pub struct BreakdownSpec<'a> {
    pub metric: usize,
    pub by: &'a str,
    pub top: usize,
    pub title: Option<&'a str>,
    pub decimals: Option<u8>,
}

/// The block's anchor: `metric-<id>-by-<dimension>`.
pub fn breakdown_anchor(program: &Program, metric: usize, by: &str) -> String {
    let by: String = by
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!(
        "{}-by-{by}",
        metric_anchor(&program.metrics[metric].definition.id)
    )
}

/// The metric's numbers with one value's series in place of its own, for
/// drawing that value as a line of the metric's chart.
fn value_numbers(base: &MetricNumbers, breakdown: &BreakdownNumbers) -> Vec<MetricNumbers> {
    breakdown
        .series
        .iter()
        .map(|series| MetricNumbers {
            name: series.value.clone(),
            target: None,
            status: None,
            weeks: series.weeks.clone(),
            months: series.months.clone(),
            ..base.clone()
        })
        .collect()
}

fn found<'a>(
    program: &Program,
    numbers: &'a ProgramNumbers,
    spec: &BreakdownSpec,
) -> Option<(&'a MetricNumbers, &'a BreakdownNumbers)> {
    let id = &program.metrics[spec.metric].definition.id;
    Some((
        numbers.metrics.get(id)?,
        BreakdownNumbers::find(&numbers.breakdowns, id, spec.by, spec.top)?,
    ))
}

fn default_title(base: &MetricNumbers, spec: &BreakdownSpec) -> String {
    spec.title
        .map(str::to_string)
        .unwrap_or_else(|| format!("{} by {}", base.name, spec.by))
}

fn caption(title: &str, what: &str, breakdown: &BreakdownNumbers) -> String {
    match &breakdown.other_missing {
        Some(note) => format!("{title}: {what} ({note})"),
        None => format!("{title}: {what}"),
    }
}

/// A 6-12 chart of the breakdown, one line per value, with its numbers as
/// a table; `None` when the version has no numbers for it.
pub fn breakdown_chart(
    labels: &mut LabelCache,
    program: &Program,
    numbers: &ProgramNumbers,
    spec: &BreakdownSpec,
    dom_id: String,
) -> Option<ChartView> {
    let (base, breakdown) = found(program, numbers, spec)?;
    let lines = value_numbers(base, breakdown);
    let first = lines.first()?;
    let additive = is_additive(match &program.metrics[spec.metric].definition.source {
        MetricSource::Column { aggregate, .. } => Some(*aggregate),
        MetricSource::Derived { .. } | MetricSource::Change { .. } => None,
        MetricSource::Events(query) => query.additive().then_some(Aggregate::Sum),
    });
    let format = number_format(program, spec.metric, spec.decimals);
    let series: Vec<ChartSeries> = lines
        .iter()
        .map(|numbers| ChartSeries {
            numbers,
            style: SeriesStyle::Primary,
            format,
            additive,
        })
        .collect();
    let labels = labels.get(&first.weeks, &first.months);
    let data = six_twelve_chart(&series, labels.axis.clone(), false);

    let mut columns = vec!["Period".to_string()];
    columns.extend(lines.iter().map(|line| line.name.clone()));
    let mut rows = Vec::new();
    let mut add = |pick: fn(&MetricNumbers) -> &Vec<PeriodNumbers>, row_labels: &[String]| {
        for (position, label) in row_labels.iter().enumerate() {
            let mut row = vec![Cell::plain(label.clone())];
            for line in &lines {
                let point = &pick(line)[position];
                row.push(Cell::value(&format, point, point.value, line.grain));
            }
            rows.push(row);
        }
    };
    add(|line| &line.weeks, &labels.week_rows);
    add(|line| &line.months, &labels.month_rows);
    let title = default_title(base, spec);
    Some(ChartView {
        dom_id,
        anchor: breakdown_anchor(program, spec.metric, spec.by),
        table: TableView::new(
            caption(
                &title,
                &format!("weekly and monthly values{}", weeks_dates(&first.weeks)),
                breakdown,
            ),
            columns,
            rows,
        ),
        title,
        data,
        data_json: None,
        annotations_html: String::new(),
        metrics: Vec::new(),
    })
}

/// A table of the breakdown, one row per value over 6 weeks (with WoW and
/// YoY) or 12 months (with the last month's YoY); `None` when the version
/// has no numbers for it.
pub fn breakdown_table(
    calendar: &Calendar,
    program: &Program,
    numbers: &ProgramNumbers,
    spec: &BreakdownSpec,
    period: TablePeriod,
) -> Option<(String, TableView)> {
    let (base, breakdown) = found(program, numbers, spec)?;
    let format = number_format(program, spec.metric, spec.decimals);
    let lines = value_numbers(base, breakdown);
    let pick = |line: &MetricNumbers| match period {
        TablePeriod::SixWeeks => line.weeks.clone(),
        TablePeriod::TwelveMonths => line.months.clone(),
    };
    let mut columns = vec![spec.by.to_string()];
    if let Some(first) = lines.first() {
        columns.extend(pick(first).iter().map(|point| match period {
            TablePeriod::SixWeeks => week_label(calendar, point),
            TablePeriod::TwelveMonths => month_label(point),
        }));
    }
    match period {
        TablePeriod::SixWeeks => columns.extend(["WoW".to_string(), "YoY".to_string()]),
        TablePeriod::TwelveMonths => columns.push("YoY".to_string()),
    }
    let rows = lines
        .iter()
        .map(|line| {
            let points = pick(line);
            let mut row = vec![Cell::plain(line.name.clone())];
            row.extend(
                points
                    .iter()
                    .map(|point| Cell::value(&format, point, point.value, line.grain)),
            );
            let last = points.last();
            let current = last.and_then(|point| point.value);
            if period == TablePeriod::SixWeeks {
                let previous = points
                    .len()
                    .checked_sub(2)
                    .and_then(|index| points[index].value);
                row.push(Cell::delta(delta(
                    compare(current, previous, line.compare),
                    &format,
                    line.better,
                )));
            }
            let prior_year = last.and_then(|point| point.py_value);
            row.push(Cell::delta(delta(
                compare(current, prior_year, line.compare),
                &format,
                line.better,
            )));
            row
        })
        .collect();
    let title = default_title(base, spec);
    let what = match period {
        TablePeriod::SixWeeks => "last 6 weeks",
        TablePeriod::TwelveMonths => "last 12 months",
    };
    Some((
        title.clone(),
        TableView::new(caption(&title, what, breakdown), columns, rows),
    ))
}

//! BRIEF §3, rule by rule, on small in-memory sites.
//!
//! Every expected value is worked out by hand in the comment next to it;
//! none is produced by the code under test. Data is chosen so that the
//! arithmetic stays checkable on paper: constant daily values (so a period's
//! sum is a day count times the value), or a week's total on its Monday and
//! zeros on the other days (so a week's sum is that total).

use std::path::{Path, PathBuf};

use jiff::civil::{date, Date, Weekday};

use super::*;
use crate::calendar::add_days;
use crate::load::config::SiteConfig;
use crate::load::data::DailySeries;
use crate::load::program::{parse_program, MetricSource, TargetDefinition};
use crate::load::{Metric, Target};

// ---------------------------------------------------------------- helpers

type Columns = Vec<(&'static str, DailySeries)>;

/// Binds a program's YAML to in-memory columns, as the loader does.
fn program(id: &str, yaml: &str, columns: &Columns) -> Program {
    let path = format!("content/programs/{id}.yaml");
    let definition =
        parse_program(id, yaml, Path::new(&path)).unwrap_or_else(|errors| panic!("{errors:?}"));
    let column = |name: &str| {
        columns
            .iter()
            .find(|(column, _)| *column == name)
            .map(|(_, series)| series.clone())
            .unwrap_or_else(|| panic!("the test gives no column `{name}`"))
    };
    let metrics = definition
        .metrics
        .into_iter()
        .map(|definition| {
            let series = match &definition.source {
                MetricSource::Column { column: name, .. } => Some(column(name)),
                MetricSource::Derived { .. }
                | MetricSource::Events(_)
                | MetricSource::Change { .. } => None,
            };
            let target = match &definition.target {
                None => None,
                Some(TargetDefinition::Constant(value)) => Some(Target::Constant(*value)),
                Some(TargetDefinition::Column {
                    column: name,
                    aggregate,
                }) => Some(Target::Series {
                    series: column(name),
                    aggregate: *aggregate,
                }),
            };
            Metric {
                definition,
                series,
                events: None,
                target,
            }
        })
        .collect();
    Program {
        id: definition.id,
        name: definition.name,
        owner: definition.owner,
        summary: definition.summary,
        metrics,
        initiatives: definition.initiatives,
        deck: definition.deck,
        breakdowns: Vec::new(),
        path,
        fingerprint: definition.fingerprint,
        annotations: Vec::new(),
    }
}

fn site_of(config: SiteConfig, programs: &[(&str, &str)], columns: &Columns) -> Site {
    Site {
        root: PathBuf::from("."),
        config,
        programs: programs
            .iter()
            .map(|(id, yaml)| program(id, yaml, columns))
            .collect(),
        reviews: Vec::new(),
        data_files: Vec::new(),
        theme: None,
        annotations: Vec::new(),
        warnings: Vec::new(),
    }
}

/// A site with one program `p` and default settings (ISO weeks, fiscal
/// year ending in December, trailing 12 months, 5% tolerance).
fn site(yaml: &str, columns: &Columns) -> Site {
    site_of(SiteConfig::default(), &[("p", yaml)], columns)
}

fn config(week_ends_on: Weekday, fiscal_year_end_month: i8) -> SiteConfig {
    SiteConfig {
        calendar: Calendar {
            week_ends_on,
            fiscal_year_end_month,
        },
        ..SiteConfig::default()
    }
}

fn week_of(site: &Site, id: &str) -> ReviewWeek {
    site.config.calendar.parse_week_id(id).unwrap()
}

fn review(site: &Site, id: &str) -> ReviewNumbers {
    compute_review(site, &week_of(site, id))
}

fn metric<'a>(numbers: &'a ReviewNumbers, id: &str) -> &'a MetricNumbers {
    &numbers.programs["p"].metrics[id]
}

/// One value per day from `start` to `end`, given by `value`.
fn series(start: Date, end: Date, value: impl Fn(Date) -> Option<f64>) -> DailySeries {
    let mut points = Vec::new();
    let mut day = start;
    while day <= end {
        points.push((day, value(day)));
        day = add_days(day, 1);
    }
    DailySeries::from_values(points)
}

/// Consecutive daily values from `start`; `None` is an empty cell.
fn days(start: Date, values: &[Option<f64>]) -> Vec<(Date, Option<f64>)> {
    values
        .iter()
        .enumerate()
        .map(|(offset, value)| (add_days(start, offset as i64), *value))
        .collect()
}

/// `count` days from `start`, all `value`.
fn same(start: Date, count: usize, value: Option<f64>) -> Vec<(Date, Option<f64>)> {
    days(start, &vec![value; count])
}

/// A week's total on its first day and 0 on the other six, so that the
/// week's sum is `total`.
fn week_total(monday: Date, total: f64) -> Vec<(Date, Option<f64>)> {
    let mut values = vec![Some(0.0); 7];
    values[0] = Some(total);
    days(monday, &values)
}

fn from(parts: Vec<Vec<(Date, Option<f64>)>>) -> DailySeries {
    DailySeries::from_values(parts.into_iter().flatten())
}

#[track_caller]
fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.unwrap_or_else(|| panic!("expected {expected}, got None"));
    assert!(
        (actual - expected).abs() < 1e-9,
        "expected {expected}, got {actual}"
    );
}

fn labels(periods: &[PeriodNumbers]) -> Vec<String> {
    periods
        .iter()
        .map(|period| period.month.clone().unwrap())
        .collect()
}

// ------------------------------------------------------------------- weeks

#[test]
fn a_week_aggregates_its_seven_days_with_each_aggregate() {
    let yaml = "name: P\nowner: O\nmetrics:\n  s: { column: v, aggregate: sum }\n  mean: { column: v, aggregate: mean }\n  min: { column: v, aggregate: min }\n  max: { column: v, aggregate: max }\n  first: { column: v, aggregate: first }\n  last: { column: v, aggregate: last }\n";
    // 2026-W47 runs Mon 16 – Sun 22 November. The Sunday before (15th) and
    // the Monday after (23rd) hold 100 and must not leak into the week.
    let v = from(vec![days(
        date(2026, 11, 15),
        &[100., 5., 3., 8., 1., 9., 2., 7., 100.].map(Some),
    )]);
    let numbers = review(&site(yaml, &vec![("v", v)]), "2026-W47");
    close(metric(&numbers, "s").summary.last_week, 35.0); // 5+3+8+1+9+2+7 = 35
    close(metric(&numbers, "mean").summary.last_week, 5.0); // 35 / 7 = 5
    close(metric(&numbers, "min").summary.last_week, 1.0); // Thursday's 1
    close(metric(&numbers, "max").summary.last_week, 9.0); // Friday's 9
    close(metric(&numbers, "first").summary.last_week, 5.0); // Monday's 5
    close(metric(&numbers, "last").summary.last_week, 7.0); // Sunday's 7
    let week = &metric(&numbers, "s").weeks[5];
    assert_eq!(
        (week.start, week.end),
        (date(2026, 11, 16), date(2026, 11, 22))
    );
    assert_eq!(week.missing, 0);
    assert_eq!(numbers.version.id, "2026-W47");
    assert_eq!(numbers.as_of, date(2026, 11, 22));
}

#[test]
fn trailing_six_weeks_with_prior_year_and_gaps_never_zeros() {
    let yaml = "name: P\nowner: O\nmetrics:\n  m: { column: v, aggregate: sum }\n";
    let mut w44 = vec![Some(3.0); 7];
    w44[2] = None; // Wednesday 28 Oct 2026 is an empty cell
    let v = from(vec![
        // Prior year: W42–W47 of 2026 minus 364 days = 13 Oct – 23 Nov 2025,
        // 10 a day, except the PY of W45 (3–9 Nov 2025) which has no rows.
        same(date(2025, 10, 13), 21, Some(10.0)),
        same(date(2025, 11, 10), 14, Some(10.0)),
        same(date(2026, 10, 12), 7, Some(1.0)), // W42: 1 a day
        // W43 (19–25 Oct) has no rows at all.
        days(date(2026, 10, 26), &w44), // W44: 3 a day, one empty cell
        same(date(2026, 11, 2), 7, Some(4.0)), // W45
        same(date(2026, 11, 9), 7, Some(5.0)), // W46
        same(date(2026, 11, 16), 7, Some(6.0)), // W47
    ]);
    let numbers = review(&site(yaml, &vec![("v", v)]), "2026-W47");
    let m = metric(&numbers, "m");
    let starts: Vec<Date> = m.weeks.iter().map(|week| week.start).collect();
    assert_eq!(
        starts,
        [
            date(2026, 10, 12),
            date(2026, 10, 19),
            date(2026, 10, 26),
            date(2026, 11, 2),
            date(2026, 11, 9),
            date(2026, 11, 16)
        ]
    );
    let values: Vec<(Option<f64>, u32)> = m.weeks.iter().map(|w| (w.value, w.missing)).collect();
    assert_eq!(
        values,
        [
            (Some(7.0), 0),  // W42: 7 × 1
            (None, 7),       // W43: all 7 days missing, a gap, not 0
            (None, 1),       // W44: one day missing, no partial sum (18)
            (Some(28.0), 0), // W45: 7 × 4
            (Some(35.0), 0), // W46: 7 × 5
            (Some(42.0), 0), // W47: 7 × 6
        ]
    );
    let py: Vec<Option<f64>> = m.weeks.iter().map(|w| w.py_value).collect();
    // 7 × 10 = 70 each; the PY of W45 has no data.
    assert_eq!(
        py,
        [
            Some(70.0),
            Some(70.0),
            Some(70.0),
            None,
            Some(70.0),
            Some(70.0)
        ]
    );
    close(m.summary.last_week, 42.0);
    close(m.summary.previous_week, 35.0);
    close(m.summary.wow, 20.0); // (42 − 35) / 35 × 100 = 20
    close(m.summary.py_week, 70.0);
    close(m.summary.yoy, -40.0); // (42 − 70) / 70 × 100 = −40
}

#[test]
fn incomplete_periods_have_no_value_and_first_last_need_only_their_day() {
    let yaml = "name: P\nowner: O\nmetrics:\n  s: { column: v, aggregate: sum }\n  mean: { column: v, aggregate: mean }\n  first: { column: v, aggregate: first }\n  last: { column: v, aggregate: last }\n";
    let mut october = vec![Some(1.0); 31];
    october[4] = None; // 5 Oct 2026 empty
    let v = from(vec![
        days(date(2026, 10, 1), &october),
        same(date(2026, 11, 1), 8, Some(1.0)), // 1–8 Nov
        // W46 (9–15 Nov): its Sunday is empty.
        days(
            date(2026, 11, 9),
            &[
                Some(1.),
                Some(2.),
                Some(3.),
                Some(4.),
                Some(5.),
                Some(6.),
                None,
            ],
        ),
        // W47 (16–22 Nov): its Monday is empty.
        days(
            date(2026, 11, 16),
            &[
                None,
                Some(2.),
                Some(3.),
                Some(4.),
                Some(5.),
                Some(6.),
                Some(7.),
            ],
        ),
    ]);
    let numbers = review(&site(yaml, &vec![("v", v)]), "2026-W47");
    let (s, mean, first, last) = (
        metric(&numbers, "s"),
        metric(&numbers, "mean"),
        metric(&numbers, "first"),
        metric(&numbers, "last"),
    );
    // Sum and mean need all 7 days: both weeks are gaps with 1 day missing,
    // never the partial sums 21 and 27.
    for m in [s, mean] {
        assert_eq!((m.weeks[4].value, m.weeks[4].missing), (None, 1));
        assert_eq!((m.weeks[5].value, m.weeks[5].missing), (None, 1));
    }
    // `first` needs the Monday only: W46 = 1, W47 has no Monday.
    close(first.weeks[4].value, 1.0);
    assert_eq!((first.weeks[5].value, first.weeks[5].missing), (None, 1));
    // `last` needs the Sunday only: W46 has none, W47 = 7.
    assert_eq!((last.weeks[4].value, last.weeks[4].missing), (None, 1));
    close(last.weeks[5].value, 7.0);
    // October 2026 misses one day: no sum; first (1 Oct) and last (31 Oct)
    // are there.
    let october = &s.months[11];
    assert_eq!(october.month.as_deref(), Some("2026-10"));
    assert_eq!((october.value, october.missing), (None, 1));
    close(first.months[11].value, 1.0);
    close(last.months[11].value, 1.0);
    // MTD (1–22 Nov) misses 15 and 16 Nov: no sum; first is 1 Nov's 1,
    // last is 22 Nov's 7.
    assert_eq!(s.summary.mtd, None);
    close(first.summary.mtd, 1.0);
    close(last.summary.mtd, 7.0);
}

#[test]
fn a_true_zero_is_a_value_and_an_empty_cell_is_not() {
    let yaml = "name: P\nowner: O\nmetrics:\n  zero: { column: z }\n  empty: { column: e }\n  from_zero: { column: f }\n";
    let z = from(vec![
        same(date(2026, 11, 9), 7, Some(3.0)),  // W46: 21
        same(date(2026, 11, 16), 7, Some(0.0)), // W47: a true 0
    ]);
    let e = from(vec![
        same(date(2026, 11, 9), 7, Some(3.0)), // W46: 21
        same(date(2026, 11, 16), 7, None),     // W47: empty cells
    ]);
    let f = from(vec![
        same(date(2025, 11, 17), 7, Some(0.0)), // PY of W47: 0
        same(date(2026, 11, 9), 7, Some(0.0)),  // W46: 0
        same(date(2026, 11, 16), 7, Some(7.0)), // W47: 49
    ]);
    let numbers = review(&site(yaml, &vec![("z", z), ("e", e), ("f", f)]), "2026-W47");
    let zero = metric(&numbers, "zero");
    assert_eq!(zero.summary.last_week, Some(0.0));
    assert_eq!(zero.weeks[5].missing, 0);
    close(zero.summary.wow, -100.0); // (0 − 21) / 21 × 100 = −100, not n/a
    let empty = metric(&numbers, "empty");
    assert_eq!(empty.summary.last_week, None);
    assert_eq!(empty.weeks[5].missing, 7);
    assert_eq!(empty.summary.wow, None); // no value, no change
    let from_zero = metric(&numbers, "from_zero");
    close(from_zero.summary.last_week, 49.0); // 7 × 7
    assert_eq!(from_zero.summary.previous_week, Some(0.0));
    // A zero base: never infinity; the change is the absolute difference,
    // 49 − 0 = +49 (BRIEF §3, "Comparisons that mean nothing").
    close(from_zero.summary.wow, 49.0);
    assert_eq!(from_zero.summary.wow_kind, Some(ChangeKind::Absolute));
    assert_eq!(from_zero.summary.py_week, Some(0.0));
    close(from_zero.summary.yoy, 49.0);
}

#[test]
fn a_zero_denominator_is_not_applicable_never_infinite() {
    let yaml = "name: P\nowner: O\nmetrics:\n  num: { column: n }\n  den: { column: d }\n  rate: { divide: [num, den] }\n";
    let mut n44 = vec![Some(1.0); 7];
    n44[0] = None;
    n44[1] = None;
    let mut d44 = vec![Some(2.0); 7];
    d44[3] = None;
    let n = from(vec![
        days(date(2026, 10, 26), &n44),         // W44: 2 days missing
        same(date(2026, 11, 2), 7, Some(0.0)),  // W45: 0
        same(date(2026, 11, 9), 7, Some(1.0)),  // W46: 7
        same(date(2026, 11, 16), 7, Some(1.0)), // W47: 7
        same(date(2026, 11, 23), 7, Some(1.0)), // W48: 7
    ]);
    let d = from(vec![
        days(date(2026, 10, 26), &d44),         // W44: 1 day missing
        same(date(2026, 11, 2), 7, Some(0.0)),  // W45: 0
        same(date(2026, 11, 9), 7, Some(2.0)),  // W46: 14
        same(date(2026, 11, 16), 7, Some(0.0)), // W47: 0
        same(date(2026, 11, 23), 7, Some(2.0)), // W48: 14
    ]);
    let site = site(yaml, &vec![("n", n), ("d", d)]);
    let numbers = review(&site, "2026-W47");
    let rate = metric(&numbers, "rate");
    // W44: operands incomplete; the gap reports the larger count, 2.
    assert_eq!((rate.weeks[2].value, rate.weeks[2].missing), (None, 2));
    // W45: 0 / 0 and W47: 7 / 0 are n/a: no value, yet nothing is missing.
    assert_eq!((rate.weeks[3].value, rate.weeks[3].missing), (None, 0));
    close(rate.weeks[4].value, 0.5); // W46: 7 / 14
    assert_eq!((rate.weeks[5].value, rate.weeks[5].missing), (None, 0));
    assert_eq!(rate.summary.last_week, None);
    assert_eq!(rate.summary.wow, None);
    // A week later, 7 / 14 = 0.5 against the n/a week: still n/a.
    let next = review(&site, "2026-W48");
    let rate = metric(&next, "rate");
    close(rate.summary.last_week, 0.5);
    assert_eq!(rate.summary.previous_week, None);
    assert_eq!(rate.summary.wow, None);
}

// ---------------------------------------------------------- derived metrics

#[test]
fn derived_metrics_use_aggregated_operands_never_daily_ratios() {
    let yaml = "name: P\nowner: O\nmetrics:\n  num: { column: n }\n  den: { column: d }\n  rate: { divide: [num, den] }\n  total: { sum: [num, den] }\n  share: { divide: [num, total] }\n  gap: { difference: [den, num] }\n  hundred: { column: h, aggregate: last }\n  share_pct: { product: [share, hundred] }\n";
    let n = from(vec![
        same(date(2026, 11, 1), 15, Some(1.0)), // 1–15 Nov: 15
        days(date(2026, 11, 16), &[1., 1., 1., 1., 1., 1., 90.].map(Some)),
    ]);
    let d = from(vec![
        same(date(2026, 11, 1), 15, Some(2.0)), // 1–15 Nov: 30
        days(
            date(2026, 11, 16),
            &[2., 2., 2., 2., 2., 2., 100.].map(Some),
        ),
    ]);
    let h = from(vec![same(date(2026, 11, 1), 22, Some(100.0))]);
    let numbers = review(&site(yaml, &vec![("n", n), ("d", d), ("h", h)]), "2026-W47");
    // W47: sum(num) = 6 + 90 = 96, sum(den) = 12 + 100 = 112,
    // rate = 96 / 112 = 6/7 ≈ 0.857. The mean of the daily ratios,
    // (6 × 0.5 + 0.9) / 7 = 3.9 / 7 ≈ 0.557, is the classic error.
    let rate = metric(&numbers, "rate").summary.last_week;
    close(rate, 96.0 / 112.0);
    assert!((rate.unwrap() - 3.9 / 7.0).abs() > 0.1);
    // MTD (1–22 Nov): (15 + 96) / (30 + 112) = 111 / 142.
    close(metric(&numbers, "rate").summary.mtd, 111.0 / 142.0);
    // Chained: total = 96 + 112 = 208; share = 96 / 208 = 6/13;
    // gap = 112 − 96 = 16; share_pct = 6/13 × 100 = 600/13.
    close(metric(&numbers, "total").summary.last_week, 208.0);
    close(metric(&numbers, "share").summary.last_week, 6.0 / 13.0);
    close(metric(&numbers, "gap").summary.last_week, 16.0);
    close(
        metric(&numbers, "share_pct").summary.last_week,
        600.0 / 13.0,
    );
}

// ------------------------------------------------------------------ months

#[test]
fn trailing_twelve_months_exclude_the_partial_month() {
    let yaml = "name: P\nowner: O\nmetrics:\n  m: { column: v }\n";
    // 1 a day from Nov 2024 to the end of Nov 2026 (newer than the review),
    // so each month's sum is its day count; 10 and 20 Jan 2026 are empty.
    let v = series(date(2024, 11, 1), date(2026, 11, 30), |day| {
        (day != date(2026, 1, 10) && day != date(2026, 1, 20)).then_some(1.0)
    });
    let numbers = review(&site(yaml, &vec![("v", v)]), "2026-W47");
    let months = &metric(&numbers, "m").months;
    // W47 ends Sun 22 Nov: November is partial, so Nov 2025 – Oct 2026.
    assert_eq!(
        labels(months),
        [
            "2025-11", "2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06",
            "2026-07", "2026-08", "2026-09", "2026-10"
        ]
    );
    assert_eq!(
        (months[0].start, months[0].end),
        (date(2025, 11, 1), date(2025, 11, 30))
    );
    close(months[0].value, 30.0); // 30 days of Nov 2025
    close(months[0].py_value, 30.0); // Nov 2024
    close(months[1].value, 31.0); // Dec 2025
    assert_eq!((months[2].value, months[2].missing), (None, 2)); // Jan 2026
    close(months[2].py_value, 31.0); // Jan 2025
    close(months[3].value, 28.0); // Feb 2026
    close(months[3].py_value, 28.0); // Feb 2025
    close(months[11].value, 31.0); // Oct 2026
    close(months[11].py_value, 31.0); // Oct 2025
}

#[test]
fn a_week_ending_on_a_months_last_day_includes_that_month() {
    let yaml = "name: P\nowner: O\nmetrics:\n  m: { column: v }\n";
    let v = series(date(2024, 6, 1), date(2026, 6, 30), |_| Some(1.0));
    // 2026-W22 ends Sunday 31 May 2026: June 2025 – May 2026.
    let numbers = review(&site(yaml, &vec![("v", v)]), "2026-W22");
    let months = &metric(&numbers, "m").months;
    assert_eq!(months[0].month.as_deref(), Some("2025-06"));
    close(months[0].value, 30.0);
    close(months[0].py_value, 30.0); // June 2024
    assert_eq!(months[11].month.as_deref(), Some("2026-05"));
    close(months[11].value, 31.0);
    close(months[11].py_value, 31.0);
}

#[test]
fn the_prior_year_of_a_february_is_the_whole_february_before() {
    let yaml = "name: P\nowner: O\nmetrics:\n  m: { column: v }\n";
    let v = series(date(2024, 1, 1), date(2025, 3, 9), |_| Some(1.0));
    // 2025-W10 ends Sun 9 Mar 2025: the last month drawn is Feb 2025.
    let numbers = review(&site(yaml, &vec![("v", v)]), "2025-W10");
    let months = &metric(&numbers, "m").months;
    assert_eq!(months[11].month.as_deref(), Some("2025-02"));
    close(months[11].value, 28.0); // 28 days of Feb 2025
                                   // PY: February 2024, all 29 days including the leap day.
    close(months[11].py_value, 29.0);
    // Mar 2024 has a value; its PY (Mar 2023) has no data.
    assert_eq!(months[0].month.as_deref(), Some("2024-03"));
    close(months[0].value, 31.0);
    assert_eq!(months[0].py_value, None);
}

#[test]
fn a_fiscal_year_axis_shows_the_fiscal_year_with_future_months_blank() {
    // Site default: trailing months; `x_axis` on the metric overrides it.
    let yaml = "name: P\nowner: O\nmetrics:\n  m: { column: v, x_axis: fiscal_year }\n  first: { column: v, aggregate: first, x_axis: fiscal_year }\n  trailing: { column: v }\n";
    // 1 a day through 2026 (data newer than the review exists).
    let v = series(date(2025, 1, 1), date(2026, 12, 31), |_| Some(1.0));
    let columns = vec![("v", v)];
    let numbers = review(&site(yaml, &columns), "2026-W47");
    let m = metric(&numbers, "m");
    assert_eq!(m.month_axis, MonthAxis::FiscalYear);
    assert_eq!(
        metric(&numbers, "trailing").month_axis,
        MonthAxis::TrailingTwelveMonths
    );
    assert_eq!(labels(&m.months)[0], "2026-01");
    assert_eq!(labels(&m.months)[11], "2026-12");
    close(m.months[0].value, 31.0); // Jan 2026
    close(m.months[0].py_value, 31.0); // Jan 2025
    close(m.months[9].value, 31.0); // Oct 2026
                                    // November is not complete as of Sun 22 Nov: blank, 23–30 Nov missing.
    assert_eq!((m.months[10].value, m.months[10].missing), (None, 8));
    close(m.months[10].py_value, 30.0); // Nov 2025 is complete
                                        // December has not started: blank, all 31 days missing.
    assert_eq!((m.months[11].value, m.months[11].missing), (None, 31));
    close(m.months[11].py_value, 31.0);
    // A `first` metric knows 1 Nov already, but November is still not a
    // complete month: blank like the trailing axis's partial month.
    let first = metric(&numbers, "first");
    close(first.months[9].value, 1.0);
    assert_eq!(
        (first.months[10].value, first.months[10].missing),
        (None, 8)
    );
    assert_eq!(first.months[11].value, None);

    // A fiscal year ending in February: March 2026 – February 2027.
    let mut february = config(Weekday::Sunday, 2);
    february.month_axis = MonthAxis::FiscalYear;
    let yaml = "name: P\nowner: O\nmetrics:\n  m: { column: v }\n";
    let numbers = review(&site_of(february, &[("p", yaml)], &columns), "2026-W47");
    let m = metric(&numbers, "m");
    assert_eq!(labels(&m.months)[0], "2026-03");
    assert_eq!(labels(&m.months)[11], "2027-02");
    close(m.months[7].value, 31.0); // Oct 2026
    assert_eq!(m.months[8].value, None); // Nov 2026, partial
    assert_eq!(m.months[11].value, None); // Feb 2027
    close(m.months[11].py_value, 28.0); // Feb 2026
}

// -------------------------------------------------- to-date and fiscal years

/// 1 a day up to the end of 2025, 2 a day from 2026 on, so that a to-date
/// value is (days in 2025) + 2 × (days in 2026).
fn one_then_two() -> Columns {
    vec![(
        "v",
        series(date(2024, 1, 1), date(2026, 12, 31), |day| {
            Some(if day.year() < 2026 { 1.0 } else { 2.0 })
        }),
    )]
}

#[test]
fn to_date_periods_follow_the_fiscal_year_end() {
    let yaml = "name: P\nowner: O\nmetrics:\n  m: { column: v }\n";
    // 2026-W05 ends Sunday 1 February 2026.
    let check = |fiscal_year_end_month: i8| {
        let site = site_of(
            config(Weekday::Sunday, fiscal_year_end_month),
            &[("p", yaml)],
            &one_then_two(),
        );
        metric(&review(&site, "2026-W05"), "m").summary.clone()
    };

    // December (fiscal = calendar year). MTD 1 Feb: 2; PY 1 Feb 2025: 1.
    // QTD = YTD = 1 Jan – 1 Feb 2026 = 32 days × 2 = 64; PY 32 × 1 = 32.
    let december = check(12);
    close(december.mtd, 2.0);
    close(december.py_mtd, 1.0);
    close(december.mtd_yoy, 100.0); // (2 − 1) / 1 × 100
    close(december.qtd, 64.0);
    close(december.py_qtd, 32.0);
    close(december.qtd_yoy, 100.0);
    close(december.ytd, 64.0);
    close(december.py_ytd, 32.0);
    close(december.ytd_yoy, 100.0);

    // February: FY March–February, Q4 = December–February.
    // QTD 1 Dec 2025 – 1 Feb 2026 = 31 × 1 + 32 × 2 = 95;
    // PY 1 Dec 2024 – 1 Feb 2025 = (31 + 31 + 1) × 1 = 63.
    // YTD 1 Mar 2025 – 1 Feb 2026: Mar–Dec 2025 = 31+30+31+30+31+31+30+31+30+31
    // = 306 days × 1, plus 32 × 2 = 370; PY 1 Mar 2024 – 1 Feb 2025 = 306 + 32
    // = 338 days × 1 = 338.
    let february = check(2);
    close(february.mtd, 2.0);
    close(february.qtd, 95.0);
    close(february.py_qtd, 63.0);
    close(february.qtd_yoy, 32.0 / 63.0 * 100.0); // (95 − 63) / 63 × 100 ≈ 50.79
    close(february.ytd, 370.0);
    close(february.py_ytd, 338.0);
    close(february.ytd_yoy, 32.0 / 338.0 * 100.0); // (370 − 338) / 338 × 100 ≈ 9.47

    // May: FY June–May, Q3 = December–February: QTD as for February.
    // YTD 1 Jun 2025 – 1 Feb 2026: Jun–Dec 2025 = 30+31+31+30+31+30+31 = 214
    // days × 1, plus 32 × 2 = 278; PY 1 Jun 2024 – 1 Feb 2025 = 214 + 32 = 246.
    let may = check(5);
    close(may.qtd, 95.0);
    close(may.py_qtd, 63.0);
    close(may.ytd, 278.0);
    close(may.py_ytd, 246.0);
    close(may.ytd_yoy, 32.0 / 246.0 * 100.0); // (278 − 246) / 246 × 100 ≈ 13.01
}

#[test]
fn to_date_periods_mid_fiscal_year() {
    let yaml = "name: P\nowner: O\nmetrics:\n  m: { column: v }\n";
    // As of Sunday 22 Nov 2026 (W47), every day of 2026 is 2, of 2025 is 1.
    let check = |fiscal_year_end_month: i8| {
        let site = site_of(
            config(Weekday::Sunday, fiscal_year_end_month),
            &[("p", yaml)],
            &one_then_two(),
        );
        metric(&review(&site, "2026-W47"), "m").summary.clone()
    };
    // December: MTD 1–22 Nov = 22 days; QTD 1 Oct – 22 Nov = 31 + 22 = 53;
    // YTD 1 Jan – 22 Nov = 31+28+31+30+31+30+31+31+30+31+22 = 326.
    let december = check(12);
    close(december.mtd, 44.0); // 22 × 2
    close(december.py_mtd, 22.0); // 22 × 1
    close(december.qtd, 106.0); // 53 × 2
    close(december.py_qtd, 53.0);
    close(december.ytd, 652.0); // 326 × 2
    close(december.py_ytd, 326.0);
    close(december.ytd_yoy, 100.0);
    // February: Q3 = Sep–Nov, QTD 30 + 31 + 22 = 83 days; YTD 1 Mar – 22 Nov
    // = 31+30+31+30+31+31+30+31+22 = 267 days.
    let february = check(2);
    close(february.qtd, 166.0); // 83 × 2
    close(february.py_qtd, 83.0);
    close(february.ytd, 534.0); // 267 × 2
    close(february.py_ytd, 267.0);
    // May: Q2 = Sep–Nov, QTD 83 days; YTD 1 Jun – 22 Nov = 30+31+31+30+31+22
    // = 175 days.
    let may = check(5);
    close(may.qtd, 166.0);
    close(may.ytd, 350.0); // 175 × 2
    close(may.py_ytd, 175.0);
}

#[test]
fn leap_day_as_of_29_february_2028_with_a_february_year_end() {
    let yaml = "name: P\nowner: O\nmetrics:\n  m: { column: v }\n";
    // Weeks end on Tuesday; Tue 29 Feb 2028 ends the week Wed 23 – Tue 29 Feb.
    // FY2027 (1 Mar 2026 – 28 Feb 2027) is 1 a day, FY2028 (1 Mar 2027 –
    // 29 Feb 2028) 2 a day, and the (future) days after it 3.
    let v = series(date(2026, 3, 1), date(2028, 3, 31), |day| {
        Some(if day < date(2027, 3, 1) {
            1.0
        } else if day <= date(2028, 2, 29) {
            2.0
        } else {
            3.0
        })
    });
    let site = site_of(config(Weekday::Tuesday, 2), &[("p", yaml)], &vec![("v", v)]);
    let numbers = review(&site, "2028-02-29");
    assert_eq!(numbers.version.id, "2028-02-29");
    assert_eq!(numbers.version.start, date(2028, 2, 23));
    let m = metric(&numbers, "m");
    let b = &m.summary;
    close(b.last_week, 14.0); // 7 × 2
                              // PY week: 364 days back = Wed 24 Feb – Tue 2 Mar 2027:
                              // 24–28 Feb (5 × 1) + 1–2 Mar (2 × 2) = 9.
    assert_eq!(m.weeks[5].start, date(2028, 2, 23));
    close(b.py_week, 9.0);
    close(b.yoy, 5.0 / 9.0 * 100.0); // (14 − 9) / 9 × 100 ≈ 55.56
                                     // MTD 1–29 Feb 2028 = 29 × 2 = 58; PY 1–28 Feb 2027 = 28.
    close(b.mtd, 58.0);
    close(b.py_mtd, 28.0);
    close(b.mtd_yoy, 30.0 / 28.0 * 100.0); // (58 − 28) / 28 × 100 ≈ 107.14
                                           // QTD (Q4: Dec–Feb) 1 Dec 2027 – 29 Feb 2028 = 31+31+29 = 91 × 2 = 182;
                                           // PY 1 Dec 2026 – 28 Feb 2027 = 31+31+28 = 90 × 1 = 90.
    close(b.qtd, 182.0);
    close(b.py_qtd, 90.0);
    close(b.qtd_yoy, 92.0 / 90.0 * 100.0); // ≈ 102.22
                                           // YTD 1 Mar 2027 – 29 Feb 2028 = 366 × 2 = 732; PY 365 × 1 = 365.
    close(b.ytd, 732.0);
    close(b.py_ytd, 365.0);
    close(b.ytd_yoy, 367.0 / 365.0 * 100.0); // (732 − 365) / 365 × 100 ≈ 100.55
                                             // 29 Feb is February's last day, so February 2028 is the last month.
    assert_eq!(m.months[11].month.as_deref(), Some("2028-02"));
    close(m.months[11].value, 58.0);
    close(m.months[11].py_value, 28.0);
    close(m.months[0].value, 62.0); // Mar 2027: 31 × 2
    close(m.months[0].py_value, 31.0); // Mar 2026: 31 × 1
}

#[test]
fn a_week_containing_29_february_2024() {
    let yaml = "name: P\nowner: O\nmetrics:\n  m: { column: v }\n";
    // 1 a day in 2023, 2 a day in 2024.
    let v = series(date(2023, 1, 1), date(2024, 12, 31), |day| {
        Some(if day.year() == 2023 { 1.0 } else { 2.0 })
    });
    // 2024-W09: Mon 26 Feb – Sun 3 Mar 2024.
    let numbers = review(&site(yaml, &vec![("v", v)]), "2024-W09");
    let m = metric(&numbers, "m");
    assert_eq!(
        (m.weeks[5].start, m.weeks[5].end),
        (date(2024, 2, 26), date(2024, 3, 3))
    );
    let b = &m.summary;
    close(b.last_week, 14.0); // 7 × 2, leap day included
    close(b.py_week, 7.0); // 27 Feb – 5 Mar 2023
    close(b.mtd, 6.0); // 1–3 Mar 2024: 3 × 2
    close(b.py_mtd, 3.0); // 1–3 Mar 2023
                          // YTD 1 Jan – 3 Mar 2024 = 31 + 29 + 3 = 63 days × 2 = 126;
                          // PY 1 Jan – 3 Mar 2023 = 31 + 28 + 3 = 62 days.
    close(b.ytd, 126.0);
    close(b.py_ytd, 62.0);
    close(b.ytd_yoy, 64.0 / 62.0 * 100.0); // ≈ 103.23
    close(b.qtd, 126.0); // Q1 to date = YTD
    close(m.months[11].value, 58.0); // Feb 2024: 29 × 2
    close(m.months[11].py_value, 28.0); // Feb 2023
}

#[test]
fn iso_week_53_and_weeks_spanning_a_new_year() {
    let yaml = "name: P\nowner: O\nmetrics:\n  m: { column: v }\n";
    // 1 a day in 2024–2026, 2 a day in 2027.
    let v = series(date(2024, 1, 1), date(2027, 1, 31), |day| {
        Some(if day.year() < 2027 { 1.0 } else { 2.0 })
    });
    let site = site(yaml, &vec![("v", v)]);
    let numbers = review(&site, "2026-W53");
    assert_eq!(numbers.version.id, "2026-W53");
    assert_eq!(
        (numbers.version.start, numbers.version.end),
        (date(2026, 12, 28), date(2027, 1, 3))
    );
    let m = metric(&numbers, "m");
    assert_eq!(m.weeks[0].start, date(2026, 11, 23)); // W48
    let b = &m.summary;
    close(b.last_week, 10.0); // 28–31 Dec: 4 × 1, 1–3 Jan: 3 × 2
    close(b.previous_week, 7.0); // W52, 21–27 Dec
    close(b.wow, 3.0 / 7.0 * 100.0); // (10 − 7) / 7 × 100 ≈ 42.86
    close(b.py_week, 7.0); // 29 Dec 2025 – 4 Jan 2026
                           // MTD, QTD and YTD are of January 2027: 1–3 Jan = 3 × 2 = 6;
                           // PY 1–3 Jan 2026 = 3.
    close(b.mtd, 6.0);
    close(b.qtd, 6.0);
    close(b.ytd, 6.0);
    close(b.py_ytd, 3.0);
    close(b.ytd_yoy, 100.0);
    // January 2027 is partial: the last month is December 2026.
    assert_eq!(m.months[11].month.as_deref(), Some("2026-12"));
    close(m.months[11].value, 31.0);

    // 2025-W01 runs Mon 30 Dec 2024 – Sun 5 Jan 2025: MTD/YTD are 1–5 Jan.
    let numbers = review(&site, "2025-W01");
    let b = &metric(&numbers, "m").summary;
    close(b.last_week, 7.0);
    close(b.mtd, 5.0);
    close(b.ytd, 5.0);
    close(b.py_ytd, 5.0); // 1–5 Jan 2024
}

// ------------------------------------------------------------- comparisons

#[test]
fn basis_point_deltas_for_rates() {
    let yaml = "name: P\nowner: O\nmetrics:\n  ok: { column: ok }\n  total: { column: total }\n  bps: { divide: [ok, total], compare: bps }\n  pct: { divide: [ok, total] }\n";
    let ok = from(vec![
        same(date(2025, 11, 17), 7, Some(95.0)), // PY of W47: 665 / 700 = 0.95
        same(date(2026, 11, 9), 7, Some(90.0)),  // W46: 630 / 700 = 0.90
        same(date(2026, 11, 16), 7, Some(93.0)), // W47: 651 / 700 = 0.93
    ]);
    let total = from(vec![
        same(date(2025, 11, 17), 7, Some(100.0)),
        same(date(2026, 11, 9), 14, Some(100.0)),
    ]);
    let numbers = review(&site(yaml, &vec![("ok", ok), ("total", total)]), "2026-W47");
    let bps = &metric(&numbers, "bps").summary;
    close(bps.last_week, 0.93);
    close(bps.wow, 300.0); // (0.93 − 0.90) × 10000 = +300 bps
    close(bps.yoy, -200.0); // (0.93 − 0.95) × 10000 = −200 bps
    let pct = &metric(&numbers, "pct").summary;
    close(pct.wow, 0.03 / 0.9 * 100.0); // (0.93 − 0.90) / 0.90 × 100 ≈ 3.33%
}

#[test]
fn a_change_against_a_zero_or_negative_base_is_the_absolute_difference() {
    // "Reported minus resolved" crosses zero. Weekly totals (Mondays):
    //   reported: W46 70, W47 74, PY of W47 (w/c 17 Nov 2025) 80
    //   resolved: W46 72, W47 70, PY of W47 80
    //   net:      W46 −2, W47 +4, PY 0
    let yaml = "name: P\nowner: O\nmetrics:\n  reported: { column: rep }\n  resolved: { column: res }\n  net: { difference: [reported, resolved], better: down }\n  ok: { column: ok }\n  total: { column: total }\n  rate: { divide: [ok, total], compare: bps }\n";
    let rep = from(vec![
        week_total(date(2025, 11, 17), 80.0),
        week_total(date(2026, 11, 9), 70.0),
        week_total(date(2026, 11, 16), 74.0),
    ]);
    let res = from(vec![
        week_total(date(2025, 11, 17), 80.0),
        week_total(date(2026, 11, 9), 72.0),
        week_total(date(2026, 11, 16), 70.0),
    ]);
    // A rate that was 0% in W46 and 5% in W47: 0 / 100 a day, then 5 / 100.
    let ok = from(vec![
        same(date(2026, 11, 9), 7, Some(0.0)),
        same(date(2026, 11, 16), 7, Some(5.0)),
    ]);
    let total = from(vec![same(date(2026, 11, 9), 14, Some(100.0))]);
    let numbers = review(
        &site(
            yaml,
            &vec![("rep", rep), ("res", res), ("ok", ok), ("total", total)],
        ),
        "2026-W47",
    );
    let net = &metric(&numbers, "net").summary;
    close(net.last_week, 4.0); // 74 − 70
    close(net.previous_week, -2.0); // 70 − 72
    close(net.py_week, 0.0); // 80 − 80
                             // WoW against −2: 4 − (−2) = +6, never (4 + 2) / −2 × 100 = −300%.
    close(net.wow, 6.0);
    assert_eq!(net.wow_kind, Some(ChangeKind::Absolute));
    // YoY against 0: 4 − 0 = +4, never infinity and not n/a.
    close(net.yoy, 4.0);
    assert_eq!(net.yoy_kind, Some(ChangeKind::Absolute));
    // A positive base keeps percent: reported (74 − 70) / 70 × 100.
    let reported = &metric(&numbers, "reported").summary;
    close(reported.wow, 4.0 / 70.0 * 100.0);
    assert_eq!(reported.wow_kind, Some(ChangeKind::Percent));
    // Basis points are a difference already: 0% → 5% is
    // (0.05 − 0) × 10000 = +500 bps, whatever the base.
    let rate = &metric(&numbers, "rate").summary;
    close(rate.last_week, 0.05); // 35 / 700
    close(rate.previous_week, 0.0); // 0 / 700
    close(rate.wow, 500.0);
    assert_eq!(rate.wow_kind, Some(ChangeKind::Bps));
    // No prior-year rate: n/a, without a kind.
    assert_eq!((rate.yoy, rate.yoy_kind), (None, None));
}

#[test]
fn changes_of_numbers_published_without_kinds_are_worked_out_again() {
    // A box as `sitrep publish` froze it before changes had kinds: WoW
    // −300% against a base of −2, MTD YoY n/a against a base of 0.
    let json = r#"{"last_week":4.0,"wow":-300.0,"yoy":null,"mtd":12.0,"mtd_yoy":null,"qtd":12.0,"qtd_yoy":-40.0,"ytd":null,"ytd_yoy":null,"previous_week":-2.0,"py_week":null,"py_mtd":0.0,"py_qtd":20.0,"py_ytd":null}"#;
    let mut summary: SummaryBox = serde_json::from_str(json).unwrap();
    // Without its kind a change is not shown as anything.
    assert_eq!(summary.change(Comparison::Wow), None);
    summary.compare_again(Compare::Percent);
    let change = |value, kind| Some(Change { value, kind });
    // 4 − (−2) = +6; 12 − 0 = +12; (12 − 20) / 20 × 100 = −40%.
    assert_eq!(
        summary.change(Comparison::Wow),
        change(6.0, ChangeKind::Absolute)
    );
    assert_eq!(
        summary.change(Comparison::MtdYoy),
        change(12.0, ChangeKind::Absolute)
    );
    assert_eq!(
        summary.change(Comparison::QtdYoy),
        change(-40.0, ChangeKind::Percent)
    );
    assert_eq!(summary.change(Comparison::Yoy), None);
    // The values and bases themselves are untouched.
    assert_eq!(
        (summary.last_week, summary.previous_week),
        (Some(4.0), Some(-2.0))
    );
    // Written again, the box keeps every field it had and names the kinds.
    let written = serde_json::to_string(&summary).unwrap();
    assert!(
        written.starts_with(r#"{"last_week":4.0,"wow":6.0,"yoy":null,"mtd":12.0,"mtd_yoy":12.0,"#),
        "{written}"
    );
    assert!(written.ends_with(r#""wow_kind":"absolute","yoy_kind":null,"mtd_yoy_kind":"absolute","qtd_yoy_kind":"percent","ytd_yoy_kind":null}"#), "{written}");
}

// ------------------------------------------------------- targets and status

#[test]
fn status_against_constant_and_column_targets() {
    let yaml = "name: P
owner: O
metrics:
  green_up: { column: a, better: up, target: 100 }
  amber_up: { column: b, better: up, target: 100 }
  red_up: { column: c, better: up, target: 100 }
  green_down: { column: d, better: down, target: 100 }
  amber_down: { column: e, better: down, target: 100 }
  red_down: { column: f, better: down, target: 100 }
  grey: { column: g, better: up, target: 100 }
  by_column: { column: h, better: up, target: { column: goal } }
  wide_band: { column: h, better: up, target: { column: goal }, tolerance: 0.2 }
  mean_goal: { column: h, better: up, target: { column: goal, aggregate: mean } }
  unrated: { column: a }
  no_direction: { column: a, target: 100 }
";
    let w47 = date(2026, 11, 16);
    let numbers = review(
        &site(
            yaml,
            &vec![
                ("a", from(vec![week_total(w47, 100.0)])),
                ("b", from(vec![week_total(w47, 96.0)])),
                ("c", from(vec![week_total(w47, 94.0)])),
                ("d", from(vec![week_total(w47, 80.0)])),
                ("e", from(vec![week_total(w47, 105.0)])),
                ("f", from(vec![week_total(w47, 106.0)])),
                ("g", from(vec![same(w47, 6, Some(1.0))])), // Sunday missing
                ("h", from(vec![same(w47, 7, Some(9.0))])), // 63
                // Targets of 10 a day, aggregated like the metric (sum): 70.
                ("goal", from(vec![same(date(2026, 10, 12), 42, Some(10.0))])),
            ],
        ),
        "2026-W47",
    );
    let status = |id: &str| metric(&numbers, id).status;
    // Target 100, tolerance 5% of 100 = 5.
    assert_eq!(status("green_up"), Some(Status::Green)); // 100 ≥ 100
    assert_eq!(status("amber_up"), Some(Status::Amber)); // 95 ≤ 96 < 100
    assert_eq!(status("red_up"), Some(Status::Red)); // 94 < 95
    assert_eq!(status("green_down"), Some(Status::Green)); // 80 ≤ 100
    assert_eq!(status("amber_down"), Some(Status::Amber)); // 100 < 105 ≤ 105
    assert_eq!(status("red_down"), Some(Status::Red)); // 106 > 105
    assert_eq!(status("grey"), Some(Status::Grey)); // no value for the week
                                                    // Column target: 7 × 10 = 70 for the week; 63 < 70 − 3.5 = 66.5: red.
    let by_column = metric(&numbers, "by_column");
    close(by_column.target, 70.0);
    close(by_column.weeks[0].target, 70.0); // W42, also 7 × 10
    assert_eq!(by_column.status, Some(Status::Red));
    // Tolerance 0.2: the band is 14, amber from 56; 63 is amber.
    assert_eq!(status("wide_band"), Some(Status::Amber));
    // `aggregate: mean` on the target: 10; 63 ≥ 10 is green.
    close(metric(&numbers, "mean_goal").target, 10.0);
    assert_eq!(status("mean_goal"), Some(Status::Green));
    assert_eq!(status("unrated"), None);
    assert_eq!(status("no_direction"), None);
}

#[test]
fn program_status_is_the_worst_of_metrics_and_initiatives() {
    let green = "  m: { column: a, better: up, target: 100 }\n"; // 100 ≥ 100
    let amber = "  n: { column: b, better: up, target: 100 }\n"; // 96: amber
    let programs = [
        (
            "a_at_risk",
            format!("name: A\nowner: O\nmetrics:\n{green}initiatives:\n  - {{ name: I, status: at_risk }}\n  - {{ name: J, status: on_track }}\n"),
        ),
        (
            "b_off_track",
            format!("name: B\nowner: O\nmetrics:\n{green}{amber}initiatives:\n  - {{ name: I, status: off_track }}\n"),
        ),
        (
            "c_done",
            format!("name: C\nowner: O\nmetrics:\n{green}initiatives:\n  - {{ name: I, status: done }}\n"),
        ),
        ("d_amber_metric", format!("name: D\nowner: O\nmetrics:\n{green}{amber}")),
        ("e_unrated", "name: E\nowner: O\nmetrics:\n  m: { column: a }\n".to_string()),
    ];
    let programs: Vec<(&str, &str)> = programs.iter().map(|(id, y)| (*id, y.as_str())).collect();
    let w47 = date(2026, 11, 16);
    let columns = vec![
        ("a", from(vec![week_total(w47, 100.0)])),
        ("b", from(vec![week_total(w47, 96.0)])),
    ];
    let site = site_of(SiteConfig::default(), &programs, &columns);
    let numbers = review(&site, "2026-W47");
    let status = |id: &str| numbers.programs[id].status;
    assert_eq!(status("a_at_risk"), Some(Status::Amber)); // green metric, at-risk initiative
    assert_eq!(status("b_off_track"), Some(Status::Red)); // off-track beats amber
    assert_eq!(status("c_done"), Some(Status::Green));
    assert_eq!(status("d_amber_metric"), Some(Status::Amber));
    assert_eq!(status("e_unrated"), None);
    assert_eq!(numbers.status, Some(Status::Red)); // the worst program
    assert_eq!(
        numbers.programs["a_at_risk"].initiatives[0].status_colour,
        Status::Amber
    );
}

// ---------------------------------------------------------------- grains

#[test]
fn a_weekly_metric_has_weekly_values_but_no_months_or_to_date_values() {
    let yaml = "name: P\nowner: O\nmetrics:\n  p90: { column: p90, grain: week, aggregate: max, better: down, target: 4 }\n";
    // Values dated on Sundays: W42–W47 2026 and their PY weeks (364 days
    // earlier, Sundays too), plus weekly values through a year for months.
    let mut points = Vec::new();
    let mut sunday = date(2025, 1, 5);
    while sunday <= date(2026, 12, 27) {
        let value = if sunday >= date(2026, 10, 18) && sunday <= date(2026, 11, 22) {
            // W42 (18 Oct) 2.0, then +0.5 a week: W47 (22 Nov) 4.5.
            2.0 + 0.5 * (crate::calendar::days_between(date(2026, 10, 18), sunday) / 7) as f64
        } else {
            1.0
        };
        points.push((sunday, Some(value)));
        sunday = add_days(sunday, 7);
    }
    let numbers = review(
        &site(yaml, &vec![("p90", DailySeries::from_values(points))]),
        "2026-W47",
    );
    let m = metric(&numbers, "p90");
    let weeks: Vec<Option<f64>> = m.weeks.iter().map(|week| week.value).collect();
    assert_eq!(
        weeks,
        [
            Some(2.0),
            Some(2.5),
            Some(3.0),
            Some(3.5),
            Some(4.0),
            Some(4.5)
        ]
    );
    close(m.weeks[5].py_value, 1.0); // Sun 23 Nov 2025
    close(m.summary.wow, 12.5); // (4.5 − 4.0) / 4.0 × 100
    close(m.summary.yoy, 350.0); // (4.5 − 1) / 1 × 100
    assert_eq!(m.status, Some(Status::Red)); // 4.5 > 4 + 0.2
                                             // A calendar month cannot be cut from weeks: no values, nothing missing.
    for month in &m.months {
        assert_eq!(
            (month.value, month.missing, month.py_value),
            (None, 0, None)
        );
    }
    // Nor can 1–22 Nov, 1 Oct – 22 Nov, or 1 Jan – 22 Nov (1 Jan 2026 is a
    // Thursday).
    assert_eq!(
        (m.summary.mtd, m.summary.qtd, m.summary.ytd),
        (None, None, None)
    );
}

#[test]
fn only_sums_of_weeks_or_months_make_longer_periods() {
    // February 2021 is exactly ISO weeks W05–W08 (Monday 1 – Sunday 28
    // February), and the review week W08 ends on its last day: February is
    // on the month axis and is the MTD. QTD and YTD (1 January – 28
    // February) start on a Friday: no week-grain value; for month grains
    // they are exactly January and February.
    let yaml = "name: P\nowner: O\nmetrics:\n  p90: { column: p90, grain: week, aggregate: max }\n  handled: { column: handled, grain: week }\n  level: { column: level, grain: week, aggregate: last }\n  peak: { column: peak, grain: month, aggregate: max }\n  sold: { column: sold, grain: month }\n";
    let sundays = [
        date(2021, 2, 7),
        date(2021, 2, 14),
        date(2021, 2, 21),
        date(2021, 2, 28),
    ];
    let weekly = |values: [f64; 4]| {
        DailySeries::from_values(sundays.iter().zip(values).map(|(day, v)| (*day, Some(v))))
    };
    let monthly = |january: f64, february: f64| {
        DailySeries::from_values([
            (date(2021, 1, 31), Some(january)),
            (date(2021, 2, 28), Some(february)),
        ])
    };
    let numbers = review(
        &site(
            yaml,
            &vec![
                ("p90", weekly([2.0, 3.0, 5.0, 4.0])),
                ("handled", weekly([10.0, 20.0, 30.0, 40.0])),
                ("level", weekly([7.0, 8.0, 9.0, 6.0])),
                ("peak", monthly(7.0, 9.0)),
                ("sold", monthly(100.0, 200.0)),
            ],
        ),
        "2021-W08",
    );
    let february = |id: &str| {
        let m = metric(&numbers, id);
        let month = m.months.last().unwrap().clone();
        assert_eq!(month.month.as_deref(), Some("2021-02"));
        (month.value, month.missing)
    };
    // A p90 of four weeks is not the largest of their p90s (5): no value,
    // and nothing is missing.
    assert_eq!(february("p90"), (None, 0));
    assert_eq!(metric(&numbers, "p90").summary.mtd, None);
    close(metric(&numbers, "p90").summary.last_week, 4.0);
    // Weekly totals add up: 10 + 20 + 30 + 40 = 100 is February's total.
    assert_eq!(february("handled"), (Some(100.0), 0));
    close(metric(&numbers, "handled").summary.mtd, 100.0);
    // Nor is a week's last value a month's, for all sitrep can tell.
    assert_eq!(february("level"), (None, 0));
    // A monthly maximum is a month's value, but January and February's
    // maxima (7, 9) do not make a quarter's: QTD and YTD have none.
    assert_eq!(february("peak"), (Some(9.0), 0));
    let peak = &metric(&numbers, "peak").summary;
    assert_eq!((peak.mtd, peak.qtd, peak.ytd), (Some(9.0), None, None));
    // Monthly totals add up: QTD = YTD = 100 + 200 = 300.
    let sold = &metric(&numbers, "sold").summary;
    assert_eq!(
        (sold.mtd, sold.qtd, sold.ytd),
        (Some(200.0), Some(300.0), Some(300.0))
    );
}

// ---------------------------------------------------------- unusual moves

/// 12 weeks of history (W35–W46 2026, Mondays 24 Aug – 9 Nov) and W47.
fn history_then(history: &[f64], review_week: f64) -> DailySeries {
    let mut parts = Vec::new();
    let first = add_days(date(2026, 11, 16), -7 * history.len() as i64);
    for (index, total) in history.iter().enumerate() {
        parts.push(week_total(add_days(first, 7 * index as i64), *total));
    }
    parts.push(week_total(date(2026, 11, 16), review_week));
    from(parts)
}

const HISTORY: [f64; 12] = [10., 12., 11., 13., 12., 14., 10., 12., 11., 13., 12., 14.];

#[test]
fn unusual_moves_use_xmr_limits_over_twelve_prior_weeks() {
    let yaml = "name: P\nowner: O\nmetrics:\n  high: { column: h }\n  normal: { column: n }\n  low: { column: l }\n  six: { column: s }\n  five: { column: f }\n";
    let numbers = review(
        &site(
            yaml,
            &vec![
                ("h", history_then(&HISTORY, 17.0)),
                ("n", history_then(&HISTORY, 16.8)),
                ("l", history_then(&HISTORY, 7.0)),
                ("s", history_then(&HISTORY[6..], 17.0)),
                ("f", history_then(&HISTORY[7..], 1000.0)),
            ],
        ),
        "2026-W47",
    );
    // Centre: (10+12+11+13+12+14) × 2 / 12 = 144 / 12 = 12.
    // Moving ranges: 2,1,2,1,2,4,2,1,2,1,2 → 20 / 11.
    // Limits: 12 ± 2.66 × 20/11 = 12 ± 4.8364 → 7.1636 … 16.8364.
    let (centre, spread) = (12.0, 2.66 * 20.0 / 11.0);
    let Judgement::UnusuallyHigh {
        centre: c,
        lower,
        upper,
    } = metric(&numbers, "high").unusual
    else {
        panic!("17 > 16.84: {:?}", metric(&numbers, "high").unusual);
    };
    close(Some(c), centre);
    close(Some(lower), centre - spread);
    close(Some(upper), centre + spread);
    assert!(matches!(
        metric(&numbers, "normal").unusual,
        Judgement::Normal { .. }
    )); // 16.8 < 16.84
    assert!(matches!(
        metric(&numbers, "low").unusual,
        Judgement::UnusuallyLow { .. }
    )); // 7 < 7.16
        // Six prior weeks are enough: 10,12,11,13,12,14 → centre 72/6 = 12,
        // ranges 2,1,2,1,2 → 8/5 = 1.6, upper 12 + 2.66 × 1.6 = 16.256 < 17.
    let Judgement::UnusuallyHigh { upper, .. } = metric(&numbers, "six").unusual else {
        panic!("{:?}", metric(&numbers, "six").unusual);
    };
    close(Some(upper), 12.0 + 2.66 * 1.6);
    // Five prior weeks: not enough history, even for 1000.
    assert_eq!(
        metric(&numbers, "five").unusual,
        Judgement::NotEnoughHistory
    );
}

#[test]
fn exceptions_list_sla_breaches_then_red_metrics_then_unusual_moves() {
    let w47 = date(2026, 11, 16);
    let first = "name: A
owner: O
metrics:
  unusual: { column: u, better: up }
  quiet: { column: u, better: none }
  red: { column: r, better: up, target: 100 }
  sla_amber: { column: s, better: up, target: 100, sla: true }
  sla_red: { column: r, better: up, target: 100, sla: true }
  fine: { column: g, better: up, target: 100 }
";
    let second =
        "name: B\nowner: O\nmetrics:\n  sla: { column: r, better: down, target: 50, sla: true }\n";
    let site = site_of(
        SiteConfig::default(),
        &[("a", first), ("b", second)],
        &vec![
            ("u", history_then(&HISTORY, 17.0)), // unusually high (see above)
            ("r", from(vec![week_total(w47, 90.0)])), // 90 < 95: red against 100
            ("s", from(vec![week_total(w47, 97.0)])), // 95 ≤ 97 < 100: amber
            ("g", from(vec![week_total(w47, 100.0)])),
        ],
    );
    let numbers = review(&site, "2026-W47");
    let listed = |exceptions: &[Exception]| -> Vec<(ExceptionKind, String, String)> {
        exceptions
            .iter()
            .map(|e| (e.kind, e.program.clone(), e.metric.clone()))
            .collect()
    };
    use ExceptionKind::*;
    let a = &numbers.programs["a"];
    // `quiet` is just as unusual, but has no better direction.
    assert_eq!(
        listed(&a.exceptions),
        [
            (SlaBreach, "a".into(), "sla_amber".into()),
            (SlaBreach, "a".into(), "sla_red".into()),
            (Red, "a".into(), "red".into()),
            (UnusualMove, "a".into(), "unusual".into()),
        ]
    );
    assert!(metric_in(&numbers, "a", "quiet").unusual.is_unusual());
    let unusual = &a.exceptions[3];
    assert_eq!(unusual.direction, Some(super::Direction::High));
    close(unusual.value, 17.0);
    let red = &a.exceptions[2];
    close(red.value, 90.0);
    close(red.target, 100.0);
    // Program b's breach (90 > 50 + 2.5) sorts before program a's red metric.
    assert_eq!(
        listed(&numbers.exceptions),
        [
            (SlaBreach, "a".into(), "sla_amber".into()),
            (SlaBreach, "a".into(), "sla_red".into()),
            (SlaBreach, "b".into(), "sla".into()),
            (Red, "a".into(), "red".into()),
            (UnusualMove, "a".into(), "unusual".into()),
        ]
    );
}

fn metric_in<'a>(numbers: &'a ReviewNumbers, program: &str, id: &str) -> &'a MetricNumbers {
    &numbers.programs[program].metrics[id]
}

// ------------------------------------------------------------------- as-of

#[test]
fn an_older_version_ignores_newer_data() {
    let yaml = "name: P
owner: O
metrics:
  s: { column: v, better: up, target: { column: goal } }
  first: { column: v, aggregate: first }
  last: { column: v, aggregate: last }
  mean: { column: v, aggregate: mean }
  fiscal: { column: v, x_axis: fiscal_year }
  ratio: { divide: [s, last] }
";
    // The value of a day is its day of the month: 1, 2, … 30 or 31.
    let full: Columns = vec![
        (
            "v",
            series(date(2025, 1, 1), date(2027, 3, 31), |day| {
                Some(f64::from(day.day()))
            }),
        ),
        (
            "goal",
            series(date(2025, 1, 1), date(2027, 3, 31), |_| Some(1.0)),
        ),
    ];
    let full_site = site(yaml, &full);
    // W46 ends Sun 15 Nov 2026, while data runs to March 2027.
    let numbers = review(&full_site, "2026-W46");
    let s = metric(&numbers, "s");
    close(s.summary.last_week, 84.0); // 9+10+…+15 = 84
    close(s.summary.mtd, 120.0); // 1+2+…+15 = 15 × 16 / 2, not all November
    close(s.summary.py_mtd, 120.0);
    close(metric(&numbers, "last").summary.mtd, 15.0); // 15 Nov, not 30 Nov
    close(s.months[11].value, 496.0); // Oct 2026: 31 × 32 / 2
    assert_eq!(s.months[11].month.as_deref(), Some("2026-10"));
    let fiscal = metric(&numbers, "fiscal");
    assert_eq!(
        (fiscal.months[10].value, fiscal.months[10].missing),
        (None, 15)
    ); // 16–30 Nov
    assert_eq!(fiscal.months[11].value, None); // December
    close(s.target, 7.0); // 7 × 1

    // The same numbers as a site whose data stops at the end of W46.
    let cut = |series: &DailySeries| {
        DailySeries::from_values(
            series
                .dates()
                .filter(|day| *day <= date(2026, 11, 15))
                .map(|day| (day, series.get(day))),
        )
    };
    let truncated: Columns = full.iter().map(|(name, s)| (*name, cut(s))).collect();
    assert_eq!(numbers, review(&site(yaml, &truncated), "2026-W46"));
}

#[test]
fn period_dates_serialise_as_iso_dates_and_read_back() {
    for (day, text) in [
        (date(2026, 11, 22), "\"2026-11-22\""),
        (date(2027, 1, 4), "\"2027-01-04\""),
        (date(999, 12, 31), "\"0999-12-31\""),
        (date(-1, 1, 1), "\"-000001-01-01\""),
    ] {
        let period = PeriodNumbers {
            month: None,
            start: day,
            end: day,
            value: None,
            missing: 0,
            py_value: None,
            target: None,
            previous_value: None,
        };
        let json = serde_json::to_string(&period).unwrap();
        assert!(json.contains(&format!("\"start\":{text}")), "{json}");
        assert_eq!(
            serde_json::from_str::<PeriodNumbers>(&json).unwrap(),
            period
        );
    }
}

#[test]
fn numbers_read_back_from_json_are_the_numbers_written() {
    // Frozen numbers and the build cache are read back from JSON; without
    // exact float parsing these came back one unit in the last place off.
    for value in [
        0.913_704_872_064_493_6,
        1.064_925_643_815_741_7,
        0.1 + 0.2,
        1.0 / 3.0,
        2_f64.powi(-1074),
        f64::MAX,
    ] {
        let period = PeriodNumbers {
            month: None,
            start: date(2026, 11, 16),
            end: date(2026, 11, 22),
            value: Some(value),
            missing: 0,
            py_value: None,
            target: None,
            previous_value: None,
        };
        let read: PeriodNumbers =
            serde_json::from_str(&serde_json::to_string(&period).unwrap()).unwrap();
        assert_eq!(read.value.unwrap().to_bits(), value.to_bits(), "{value}");
    }
}

// ------------------------------------------------- growth series (change)

const GROWTH: &str = "\
name: P
owner: O
metrics:
  tickets: { column: tickets, better: down }
  tickets_wow: { change: tickets, over: wow }
  tickets_mom: { change: tickets, over: mom }
  tickets_yoy: { change: tickets, over: yoy }
  incidents: { column: incidents }
  incidents_wow: { change: incidents, over: wow }
  rate: { column: rate, aggregate: mean, compare: bps }
  rate_wow: { change: rate, over: wow }
";

/// Tickets: 10 a day from October 2024, except 8 a day in the prior-year
/// week of 2026-W47 (17–23 Nov 2025) and 12 a day in W47 itself (16–22 Nov
/// 2026); 1000 a day after W47, which a W47 version must never see.
/// Incidents: 0 a day in W46, 5 in W47. Rate: 0.90 a day in W46, 0.95 in
/// W47.
fn growth_columns() -> Columns {
    let tickets = series(date(2024, 10, 1), date(2026, 11, 30), |day| {
        Some(
            if (date(2025, 11, 17)..=date(2025, 11, 23)).contains(&day) {
                8.0
            } else if (date(2026, 11, 16)..=date(2026, 11, 22)).contains(&day) {
                12.0
            } else if day > date(2026, 11, 22) {
                1000.0
            } else {
                10.0
            },
        )
    });
    let in_w47 = |day: Date| day >= date(2026, 11, 16);
    let incidents = series(date(2026, 11, 9), date(2026, 11, 22), |day| {
        Some(if in_w47(day) { 5.0 } else { 0.0 })
    });
    let rate = series(date(2026, 11, 9), date(2026, 11, 22), |day| {
        Some(if in_w47(day) { 0.95 } else { 0.90 })
    });
    vec![
        ("tickets", tickets),
        ("incidents", incidents),
        ("rate", rate),
    ]
}

#[test]
fn week_over_week_is_each_weeks_change_as_a_fraction() {
    let site = site(GROWTH, &growth_columns());
    let numbers = review(&site, "2026-W47");
    let wow = metric(&numbers, "tickets_wow");
    // W47: 7 × 12 = 84 against W46: 7 × 10 = 70: (84 − 70) / 70 = 0.2.
    close(wow.weeks[5].value, 0.2);
    // W46 against W45: 70 against 70: 0.
    close(wow.weeks[4].value, 0.0);
    close(wow.summary.last_week, 0.2);
    // The prior-year line: 2025-W47 (17–23 Nov 2025, 7 × 8 = 56) against
    // the week before it (70): (56 − 70) / 70 = −0.2.
    close(wow.weeks[5].py_value, -0.2);
    // No monthly points, no periods to date, no changes of changes.
    assert!(wow.months.iter().all(|month| month.value.is_none()));
    assert_eq!((wow.summary.mtd, wow.summary.ytd), (None, None));
    assert_eq!((wow.summary.wow, wow.summary.yoy), (None, None));
    // Unit percent (a fraction), `better` from the source.
    assert_eq!((wow.unit, wow.better), (Unit::Percent, Better::Down));
}

#[test]
fn month_over_month_is_each_months_change() {
    let site = site(GROWTH, &growth_columns());
    let numbers = review(&site, "2026-W47");
    let mom = metric(&numbers, "tickets_mom");
    // Weeks have no month-over-month change.
    assert!(mom.weeks.iter().all(|week| week.value.is_none()));
    assert_eq!(mom.summary.last_week, None);
    // The 12 trailing months as of Sunday 22 Nov 2026: Nov 2025 – Oct 2026.
    assert_eq!(mom.months[11].month.as_deref(), Some("2026-10"));
    // October 2026: 31 × 10 = 310 against September: 30 × 10 = 300:
    // (310 − 300) / 300 = 1/30.
    close(mom.months[11].value, 1.0 / 30.0);
    // November 2025: 23 × 10 + 7 × 8 = 286 against October 2025 (the month
    // before the first of the 12): 31 × 10 = 310: (286 − 310) / 310.
    close(mom.months[0].value, -24.0 / 310.0);
}

#[test]
fn year_over_year_compares_weeks_months_and_periods_to_date() {
    let site = site(GROWTH, &growth_columns());
    let numbers = review(&site, "2026-W47");
    let yoy = metric(&numbers, "tickets_yoy");
    // W47: 84 against 2025-W47 (52 weeks earlier, 17–23 Nov 2025): 56:
    // (84 − 56) / 56 = 0.5.
    close(yoy.weeks[5].value, 0.5);
    close(yoy.summary.last_week, 0.5);
    // November 2025 (286) against November 2024 (30 × 10 = 300):
    // (286 − 300) / 300 = −14/300.
    close(yoy.months[0].value, -14.0 / 300.0);
    // October 2026 against October 2025: 310 against 310: 0.
    close(yoy.months[11].value, 0.0);
    // MTD 1–22 Nov 2026: 15 × 10 + 7 × 12 = 234; the same dates of 2025:
    // 16 × 10 + 6 × 8 = 208 (17–22 Nov); (234 − 208) / 208 = 0.125. The
    // 1000-a-day rows after 22 Nov 2026 are not seen.
    close(yoy.summary.mtd, 0.125);
    // The source's own box says the same in percent: +12.5%.
    close(metric(&numbers, "tickets").summary.mtd_yoy, 12.5);
    assert_eq!(yoy.summary.mtd_yoy, None);
}

#[test]
fn a_growth_series_is_not_an_exception_of_its_own() {
    let site = site(GROWTH, &growth_columns());
    let numbers = review(&site, "2026-W47");
    // Twelve weeks of 70 and then 84: the moving range is 0, so 84 is
    // outside the limits (70 ± 0) and tickets (better: down) is an unusual
    // move. Its WoW (0 for eleven weeks, then 0.2) moves too, but the
    // source's exception says it once.
    let exceptions: Vec<&str> = numbers
        .exceptions
        .iter()
        .map(|exception| exception.metric.as_str())
        .collect();
    assert_eq!(exceptions, vec!["tickets"]);
}

#[test]
fn a_growth_series_has_no_value_against_a_zero_base() {
    let site = site(GROWTH, &growth_columns());
    let numbers = review(&site, "2026-W47");
    let wow = metric(&numbers, "incidents_wow");
    // W47: 35 against W46: 0. A percent change from zero means nothing,
    // and an absolute +35 cannot share a line of fractions: no value, and
    // not a gap of missing days either.
    assert_eq!(wow.weeks[5].value, None);
    assert_eq!(wow.weeks[5].missing, 0);
    // W46 against W45, which has no rows: n/a too.
    assert_eq!(wow.weeks[4].value, None);
}

#[test]
fn a_growth_series_of_a_bps_metric_is_in_basis_points() {
    let site = site(GROWTH, &growth_columns());
    let numbers = review(&site, "2026-W47");
    let wow = metric(&numbers, "rate_wow");
    // Mean 0.95 against mean 0.90: (0.95 − 0.90) × 10000 = 500 bps.
    assert_eq!(wow.unit, Unit::Bps);
    let value = wow.weeks[5].value.unwrap();
    assert!((value - 500.0).abs() < 1e-6, "{value}");
}

#[test]
fn a_growth_series_never_sees_rows_after_its_week() {
    // The W47 version's W47 change is 0.2 with or without the rows of W48
    // (1000 a day): they do not exist for it.
    let mut columns = growth_columns();
    let numbers = review(&site(GROWTH, &columns), "2026-W47");
    columns[0].1 = series(date(2024, 10, 1), date(2026, 11, 22), |day| {
        columns[0].1.get(day)
    });
    let trimmed = review(&site(GROWTH, &columns), "2026-W47");
    assert_eq!(
        metric(&numbers, "tickets_wow").weeks,
        metric(&trimmed, "tickets_wow").weeks
    );
    close(metric(&numbers, "tickets_wow").weeks[5].value, 0.2);
    // The W48 version sees them: (7 × 1000 − 84) / 84.
    let w48 = review(&site(GROWTH, &growth_columns()), "2026-W48");
    close(
        metric(&w48, "tickets_wow").weeks[5].value,
        (7000.0 - 84.0) / 84.0,
    );
}

// ------------------------------------------------- exceptions over weeks

/// Weekly totals (on each Monday, zeros on the other days) from the week
/// starting `first_monday`, one per week.
fn weekly(first_monday: Date, totals: &[f64]) -> DailySeries {
    from(
        totals
            .iter()
            .enumerate()
            .map(|(index, total)| week_total(add_days(first_monday, 7 * index as i64), *total))
            .collect(),
    )
}

#[test]
fn exceptions_say_how_long_they_held_and_what_cleared() {
    // Mondays: W40 28 Sep, W43 19 Oct, W44 26 Oct, W45 2 Nov, W46 9 Nov,
    // W47 16 Nov 2026. Target 100, better up, 5% tolerance: green ≥ 100,
    // amber 95 ≤ v < 100, red < 95. Weeks before a series' first row have
    // no value (grey), which is no exception.
    let yaml = "name: P
owner: O
metrics:
  streak: { column: streak, better: up, target: 100 }
  fresh: { column: fresh, better: up, target: 100 }
  cleared: { column: cleared, better: up, target: 100 }
  always: { column: always, better: up, target: 100 }
  sla: { column: sla, better: up, target: 100, sla: true }
";
    let numbers = review(
        &site(
            yaml,
            &vec![
                // W43 100 green, then W44 90, W45 80, W46 94, W47 90: all
                // < 95, red 4 weeks running (W44–W47).
                (
                    "streak",
                    weekly(date(2026, 10, 19), &[100., 90., 80., 94., 90.]),
                ),
                // W46 100 green, W47 50 red: new this week.
                ("fresh", weekly(date(2026, 11, 9), &[100., 50.])),
                // W45 no value, W46 50 red, W47 100 green: cleared, after 1 week.
                ("cleared", weekly(date(2026, 11, 9), &[50., 100.])),
                // Red from W40 to W47, 8 weeks: more than the 6 looked at.
                ("always", weekly(date(2026, 9, 28), &[10.; 8])),
                // W45 100 green, W46 97 amber, W47 90 red: an SLA missed
                // (amber or red) 2 weeks running.
                ("sla", weekly(date(2026, 11, 2), &[100., 97., 90.])),
            ],
        ),
        "2026-W47",
    );
    let held: Vec<(&str, ExceptionKind, Option<u32>)> = numbers
        .exceptions
        .iter()
        .map(|e| (e.metric.as_str(), e.kind, e.held_weeks))
        .collect();
    use ExceptionKind::*;
    assert_eq!(
        held,
        [
            ("sla", SlaBreach, Some(2)),
            ("streak", Red, Some(4)),
            ("fresh", Red, Some(1)),
            ("always", Red, Some(HELD_WEEKS_CHECKED)),
        ]
    );
    assert_eq!(HELD_WEEKS_CHECKED, 6);
    let cleared: Vec<(&str, ExceptionKind, Option<u32>)> = numbers
        .cleared
        .iter()
        .map(|e| (e.metric.as_str(), e.kind, e.held_weeks))
        .collect();
    assert_eq!(cleared, [("cleared", Red, Some(1))]);
    // Its value is last week's, as of last week: 50 against 100.
    close(numbers.cleared[0].value, 50.0);
    close(numbers.cleared[0].target, 100.0);
}

#[test]
fn an_earlier_week_is_judged_as_of_its_own_end() {
    // W46 is red as of its end (a weekly value of 50 entered on Monday 9
    // Nov), and data dated after W46 ended cannot change that judgement:
    // a row on Sunday 15 Nov belongs to W46, one on 16 Nov to W47.
    // W46: 50 + 0×6 = 50 < 95: red. W47: 100: green → cleared.
    let yaml = "name: P\nowner: O\nmetrics:\n  m: { column: m, better: up, target: 100 }\n";
    let numbers = review(
        &site(yaml, &vec![("m", weekly(date(2026, 11, 9), &[50., 100.]))]),
        "2026-W47",
    );
    assert!(numbers.exceptions.is_empty());
    assert_eq!(numbers.cleared.len(), 1);
    // The version for W46 itself: new that week.
    let w46 = review(
        &site(yaml, &vec![("m", weekly(date(2026, 11, 9), &[50., 100.]))]),
        "2026-W46",
    );
    assert_eq!(w46.exceptions[0].held_weeks, Some(1));
    assert!(w46.cleared.is_empty());
}

// ---------------------------------------------- a daily series over a period

/// 27 February to 2 March 2024, across the leap day: 1, 2, 3, 4, 5; and
/// the same days with no row for the leap day and an empty 1 March.
fn leap_series() -> (DailySeries, DailySeries) {
    let day = |d: i8| {
        if d > 2 {
            date(2024, 2, d)
        } else {
            date(2024, 3, d)
        }
    };
    let whole = DailySeries::from_values(
        [(27, 1.0), (28, 2.0), (29, 3.0), (1, 4.0), (2, 5.0)]
            .map(|(d, value)| (day(d), Some(value))),
    );
    let holed = DailySeries::from_values([
        (day(27), Some(1.0)),
        (day(28), Some(2.0)),
        (day(1), None),
        (day(2), Some(5.0)),
    ]);
    (whole, holed)
}

#[test]
fn a_daily_series_over_a_period_as_of_a_day() {
    use crate::load::program::{Aggregate::*, Grain};
    use period::series_value;
    let (whole, holed) = leap_series();
    let calendar = Calendar::default();
    let value = |series: &DailySeries, aggregate, (start, end): (Date, Date), as_of: Date| {
        series_value(
            series,
            Grain::Day,
            aggregate,
            Period::new(start, end),
            as_of,
            &calendar,
        )
    };
    let all = (date(2024, 2, 27), date(2024, 3, 2));
    let known = PeriodValue::known;
    let incomplete = PeriodValue::incomplete;
    let last_day = date(2024, 3, 2);
    let leap_day = date(2024, 2, 29);
    // Every day there: 1 + 2 + 3 + 4 + 5 = 15, mean 3, min 1, max 5,
    // first 1 (27 Feb), last 5 (2 March).
    assert_eq!(value(&whole, Sum, all, last_day), known(15.0));
    assert_eq!(value(&whole, Mean, all, last_day), known(3.0));
    assert_eq!(value(&whole, Min, all, last_day), known(1.0));
    assert_eq!(value(&whole, Max, all, last_day), known(5.0));
    assert_eq!(value(&whole, First, all, last_day), known(1.0));
    assert_eq!(value(&whole, Last, all, last_day), known(5.0));
    // As of the leap day, 1 and 2 March are not there yet: 2 missing, and
    // the last day is missing; the first is there.
    assert_eq!(value(&whole, Sum, all, leap_day), incomplete(2));
    assert_eq!(value(&whole, Last, all, leap_day), incomplete(1));
    assert_eq!(value(&whole, First, all, leap_day), known(1.0));
    // As of the day before the period, nothing: all 5 days missing.
    assert_eq!(value(&whole, Max, all, date(2024, 2, 26)), incomplete(5));
    assert_eq!(value(&whole, First, all, date(2024, 2, 26)), incomplete(1));
    // The leap day alone: 3.
    assert_eq!(
        value(&whole, Sum, (leap_day, leap_day), leap_day),
        known(3.0)
    );
    // A period running past the data, 1–4 March: 3 and 4 March missing.
    let past = (date(2024, 3, 1), date(2024, 3, 4));
    assert_eq!(value(&whole, Sum, past, date(2024, 3, 10)), incomplete(2));
    assert_eq!(value(&whole, First, past, date(2024, 3, 10)), known(4.0));
    assert_eq!(value(&whole, Last, past, date(2024, 3, 10)), incomplete(1));
    // With holes: 29 February and 1 March missing, 2 days.
    assert_eq!(value(&holed, Sum, all, last_day), incomplete(2));
    assert_eq!(value(&holed, Mean, all, last_day), incomplete(2));
    assert_eq!(value(&holed, Last, all, last_day), known(5.0));
    let from_leap_day = (leap_day, last_day);
    assert_eq!(value(&holed, First, from_leap_day, last_day), incomplete(1));
    // 27–28 February is whole: 1 + 2 = 3.
    let before = (date(2024, 2, 27), date(2024, 2, 28));
    assert_eq!(value(&holed, Sum, before, last_day), known(3.0));
}

/// The value of a daily series the way it was worked out before it was
/// read by position: every day of the period walked in order, days after
/// `as_of` missing, through `aggregate_values`.
fn walked_day_by_day(
    series: &DailySeries,
    aggregate: crate::load::program::Aggregate,
    period: Period,
    as_of: Date,
) -> PeriodValue {
    let values = series
        .days(period)
        .enumerate()
        .map(|(offset, value)| value.filter(|_| add_days(period.start, offset as i64) <= as_of));
    period::aggregate_values(values, aggregate)
}

#[test]
fn a_daily_series_gives_the_bits_of_a_day_by_day_walk() {
    use crate::load::program::{Aggregate, Grain};
    // Values whose sums round differently in another order, negative
    // zeros (0.0 + -0.0 is 0.0, but a sum started from -0.0 would stay
    // -0.0) and a hole on 10 January.
    let values = [0.1, 1e16, -0.0, 0.7, -1e16, 0.2, -0.0, 3.3, 1e-9, 0.3];
    let first = date(2024, 1, 1);
    let series = |holes: bool| {
        DailySeries::from_values((0..40).map(|offset| {
            let value = values[offset % values.len()];
            let hole = holes && offset == 9;
            (add_days(first, offset as i64), (!hole).then_some(value))
        }))
    };
    let aggregates = [
        Aggregate::Sum,
        Aggregate::Mean,
        Aggregate::Min,
        Aggregate::Max,
        Aggregate::First,
        Aggregate::Last,
    ];
    let calendar = Calendar::default();
    for series in [series(false), series(true)] {
        for start in -2..42 {
            for length in 1..12 {
                let period =
                    Period::new(add_days(first, start), add_days(first, start + length - 1));
                for as_of in (start - 1)..(start + length + 1) {
                    let as_of = add_days(first, as_of);
                    for aggregate in aggregates {
                        let read = period::series_value(
                            &series,
                            Grain::Day,
                            aggregate,
                            period,
                            as_of,
                            &calendar,
                        );
                        let walked = walked_day_by_day(&series, aggregate, period, as_of);
                        assert_eq!(read.missing, walked.missing, "{period} as of {as_of}");
                        assert_eq!(
                            read.value.map(f64::to_bits),
                            walked.value.map(f64::to_bits),
                            "{aggregate:?} over {period} as of {as_of}"
                        );
                    }
                }
            }
        }
    }
}

//! The value of an event metric over a period, as known at a version's
//! as-of moment (BRIEF §3 "Events"): every period is computed from its own
//! rows, never from other periods' values.

use std::cell::RefCell;
use std::sync::Arc;

use jiff::civil::Date;
use rayon::prelude::*;

use super::period::PeriodValue;
use crate::calendar::{add_days, days_between, Period};
use crate::load::events::{
    Column, Condition, DurationStat, EventMeasure, EventQuery, EventTable, NO_TEXT, NO_TIME,
};
use crate::load::program::Unit;

/// The rows of a source that have a timestamp, sorted by it, so that the
/// rows of a period are a binary-searched slice.
pub struct TimeIndex {
    times: Vec<i64>,
    rows: Vec<u32>,
}

impl TimeIndex {
    pub fn new(times: &[i64]) -> TimeIndex {
        let mut pairs: Vec<(i64, u32)> = times
            .iter()
            .enumerate()
            .filter(|(_, &time)| time != NO_TIME)
            .map(|(row, &time)| (time, row as u32))
            .collect();
        pairs.par_sort_unstable();
        TimeIndex {
            times: pairs.iter().map(|&(time, _)| time).collect(),
            rows: pairs.iter().map(|&(_, row)| row).collect(),
        }
    }

    /// The rows whose time is in `[start, end)`.
    fn between(&self, start: i64, end: i64) -> &[u32] {
        let low = self.times.partition_point(|&time| time < start);
        let high = self.times.partition_point(|&time| time < end);
        &self.rows[low..high.max(low)]
    }
}

/// A metric over an event source, bound to its rows.
pub struct EventMetric {
    table: Arc<EventTable>,
    measure: EventMeasure,
    /// The timestamp that places rows (a duration's or backlog's start for
    /// `open`).
    at: String,
    index: Arc<TimeIndex>,
    /// Rows that pass `where`; `None` when every row does.
    mask: Option<Vec<bool>>,
    /// Milliseconds per unit of a duration's value.
    scale: f64,
}

impl std::fmt::Debug for EventMetric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventMetric")
            .field("source", &self.table.name)
            .field("measure", &self.measure)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

/// The rows of `table` that pass `condition` on `column`.
fn condition_mask(
    table: &EventTable,
    column: &str,
    condition: &Condition,
) -> Result<Vec<bool>, (String, String)> {
    let passes: Vec<bool> = match (table.columns.get(column), condition) {
        (
            Some(Column::Text { codes, values }),
            Condition::OneOf(wanted) | Condition::NoneOf(wanted),
        ) => {
            let mut hit = vec![false; values.len()];
            for (code, value) in values.iter().enumerate() {
                hit[code] = wanted.iter().any(|wanted| wanted == value);
            }
            let none_of = matches!(condition, Condition::NoneOf(_));
            codes
                .iter()
                .map(|&code| {
                    let found = code != NO_TEXT && hit[code as usize];
                    found != none_of
                })
                .collect()
        }
        (Some(Column::Number(values)), Condition::OneOf(wanted) | Condition::NoneOf(wanted)) => {
            let wanted: Vec<f64> = wanted
                .iter()
                .filter_map(|text| text.trim().parse().ok())
                .collect();
            let none_of = matches!(condition, Condition::NoneOf(_));
            values
                .iter()
                .map(|value| wanted.contains(value) != none_of)
                .collect()
        }
        (Some(Column::Number(values)), Condition::Compare(comparison, bound)) => values
            .iter()
            .map(|&value| !value.is_nan() && comparison.holds(value, *bound))
            .collect(),
        _ => {
            return Err((
                format!("`where` cannot test the timestamps of `{column}`"),
                "test text or number columns; periods already pick rows by time".to_string(),
            ))
        }
    };
    Ok(passes)
}

/// Rows kept by both masks; `None` keeps every row.
fn and_masks(mask: Option<Vec<bool>>, passes: Vec<bool>) -> Vec<bool> {
    match mask {
        None => passes,
        Some(mut mask) => {
            mask.iter_mut()
                .zip(passes)
                .for_each(|(kept, pass)| *kept &= pass);
            mask
        }
    }
}

thread_local! {
    /// Durations of one period, for a percentile: reused across periods.
    static SCRATCH: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

impl EventMetric {
    /// Binds `query` to its loaded source. The columns were loaded with
    /// the kinds the query needs; `index` sorts the rows by the placing
    /// timestamp. An error says what is wrong and what to do.
    pub fn bind(
        query: &EventQuery,
        table: Arc<EventTable>,
        index: Arc<TimeIndex>,
        unit: Unit,
    ) -> Result<EventMetric, (String, String)> {
        let at = query
            .placed_by(table.at.as_deref())
            .ok_or_else(|| {
                (
                    format!(
                        "nothing says which timestamp places a row of `{}` in a period",
                        table.name
                    ),
                    "add `at: <timestamp column>` to the metric, or to the source in site.yaml"
                        .to_string(),
                )
            })?
            .to_string();
        let mut mask: Option<Vec<bool>> = None;
        for (column, condition) in &query.filter {
            let passes = condition_mask(&table, column, condition)?;
            mask = Some(and_masks(mask, passes));
        }
        let scale = match unit {
            Unit::Minutes => 60_000.0,
            _ => 3_600_000.0,
        };
        Ok(EventMetric {
            table,
            measure: query.measure.clone(),
            at,
            index,
            mask,
            scale,
        })
    }

    fn kept(&self, row: u32) -> bool {
        self.mask.as_ref().is_none_or(|mask| mask[row as usize])
    }

    /// The same metric over only the rows that also pass `condition` on
    /// `column`: one value of a breakdown, or its "Other".
    pub fn narrowed(
        &self,
        column: &str,
        condition: &Condition,
    ) -> Result<EventMetric, (String, String)> {
        let passes = condition_mask(&self.table, column, condition)?;
        Ok(EventMetric {
            table: self.table.clone(),
            measure: self.measure.clone(),
            at: self.at.clone(),
            index: self.index.clone(),
            mask: Some(and_masks(self.mask.clone(), passes)),
            scale: self.scale,
        })
    }

    /// The values `column` takes in the rows the metric keeps (any time),
    /// sorted; empty cells are not a value. `None` when the source has no
    /// such text or number column loaded.
    pub fn values_of(&self, column: &str) -> Option<Vec<String>> {
        let mut found = std::collections::BTreeSet::new();
        match self.table.columns.get(column)? {
            Column::Text { codes, values } => {
                let mut seen = vec![false; values.len()];
                for (row, &code) in codes.iter().enumerate() {
                    if code != NO_TEXT && self.kept(row as u32) {
                        seen[code as usize] = true;
                    }
                }
                found.extend(
                    values
                        .iter()
                        .zip(seen)
                        .filter(|(_, seen)| *seen)
                        .map(|(value, _)| value.clone()),
                );
            }
            Column::Number(numbers) => {
                for (row, &number) in numbers.iter().enumerate() {
                    if !number.is_nan() && self.kept(row as u32) {
                        found.insert(number.to_string());
                    }
                }
            }
            Column::Timestamp(_) => return None,
        }
        Some(found.into_iter().collect())
    }

    /// The metric's value over `period`, as known at the end of `as_of`.
    pub fn value(&self, period: Period, as_of: Date) -> PeriodValue {
        let table = &*self.table;
        let days = period.day_count();
        // Days the export does not cover, or that have not happened yet,
        // are missing: a gap, never a zero.
        let (Some(first), Some(last)) = (table.first_day, table.last_day) else {
            return PeriodValue::incomplete(days as u32);
        };
        let visible_last = last.min(as_of);
        let before = days_between(period.start, first).clamp(0, days);
        let after = days_between(visible_last, period.end).clamp(0, days);
        if before + after > 0 {
            return PeriodValue::incomplete((before + after).min(days) as u32);
        }
        // Half-open: [local midnight of the first day, local midnight after
        // the last), and nothing at or after the version's as-of moment.
        let as_of_moment = table.day_start(add_days(as_of, 1));
        let start = table.day_start(period.start);
        let end = table.day_start(add_days(period.end, 1)).min(as_of_moment);
        let column = |name: &str| table.timestamps(name).expect("loaded as timestamps");
        match &self.measure {
            EventMeasure::Open { end: closed, .. } => {
                // Opened before the end and not closed before it.
                let closed = column(closed);
                let opened = self.index.between(i64::MIN, end);
                let open = opened
                    .iter()
                    .filter(|&&row| self.kept(row))
                    .filter(|&&row| {
                        let closed = closed[row as usize];
                        closed == NO_TIME || closed >= end
                    })
                    .count();
                PeriodValue::known(open as f64)
            }
            EventMeasure::Count(counted) => {
                let rows = self.index.between(start, end);
                let count = if *counted == self.at {
                    rows.iter().filter(|&&row| self.kept(row)).count()
                } else {
                    let counted = column(counted);
                    rows.iter()
                        .filter(|&&row| self.kept(row))
                        .filter(|&&row| {
                            let time = counted[row as usize];
                            time != NO_TIME && time < as_of_moment
                        })
                        .count()
                };
                PeriodValue::known(count as f64)
            }
            EventMeasure::Sum(name) | EventMeasure::Mean(name) => {
                let values = table.numbers(name).expect("loaded as numbers");
                let (mut sum, mut count) = (0.0, 0usize);
                for &row in self.index.between(start, end) {
                    let value = values[row as usize];
                    if self.kept(row) && !value.is_nan() {
                        sum += value;
                        count += 1;
                    }
                }
                match &self.measure {
                    EventMeasure::Sum(_) => PeriodValue::known(sum),
                    _ if count == 0 => PeriodValue::NOT_APPLICABLE,
                    _ => PeriodValue::known(sum / count as f64),
                }
            }
            EventMeasure::Duration {
                start: from,
                end: to,
                stat,
            } => {
                let (from, to) = (column(from), column(to));
                let rows = self.index.between(start, end);
                SCRATCH.with_borrow_mut(|durations| {
                    durations.clear();
                    let (mut hits, mut misses) = (0usize, 0usize);
                    for &row in rows {
                        if !self.kept(row) {
                            continue;
                        }
                        let (began, ended) = (from[row as usize], to[row as usize]);
                        if began == NO_TIME || began >= as_of_moment {
                            continue;
                        }
                        let pending = ended == NO_TIME || ended >= as_of_moment;
                        match stat {
                            DurationStat::Within(threshold) => {
                                if pending {
                                    // Still open: a miss once it is older
                                    // than the threshold, unknown before.
                                    if as_of_moment - began > *threshold {
                                        misses += 1;
                                    }
                                } else if ended - began <= *threshold {
                                    hits += 1;
                                } else {
                                    misses += 1;
                                }
                            }
                            _ if pending => {}
                            _ => durations.push((ended - began) as f64),
                        }
                    }
                    let value = match stat {
                        DurationStat::Within(_) if hits + misses == 0 => None,
                        DurationStat::Within(_) => Some(hits as f64 / (hits + misses) as f64),
                        DurationStat::Mean if durations.is_empty() => None,
                        DurationStat::Mean => Some(
                            durations.iter().sum::<f64>() / durations.len() as f64 / self.scale,
                        ),
                        DurationStat::Percentile(percentile) => {
                            quantile_cont(durations, percentile / 100.0)
                                .map(|value| value / self.scale)
                        }
                    };
                    value.map_or(PeriodValue::NOT_APPLICABLE, PeriodValue::known)
                })
            }
        }
    }
}

/// The `q` quantile (0–1) by linear interpolation between closest ranks:
/// numpy's default and DuckDB's `quantile_cont`. Reorders `values`.
pub fn quantile_cont(values: &mut [f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let position = q * (values.len() - 1) as f64;
    let low = position.floor() as usize;
    let fraction = position - low as f64;
    let (_, &mut below, above) = values.select_nth_unstable_by(low, f64::total_cmp);
    if fraction == 0.0 || above.is_empty() {
        return Some(below);
    }
    let next = above.iter().copied().fold(f64::INFINITY, f64::min);
    Some(below + fraction * (next - below))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::events::{load_source, ColumnKind, EventSourceConfig};
    use jiff::civil::date;
    use jiff::tz::TimeZone;
    use std::path::PathBuf;

    fn table(csv: &str, zone: &str) -> Arc<EventTable> {
        let config = EventSourceConfig {
            name: "tickets".into(),
            path: "data/tickets.csv".into(),
            id: Some("id".into()),
            keep_last: false,
            at: None,
            line: None,
        };
        let needs = [
            ("created".to_string(), ColumnKind::Timestamp),
            ("responded".to_string(), ColumnKind::Timestamp),
            ("channel".to_string(), ColumnKind::Text),
            ("minutes".to_string(), ColumnKind::Number),
        ];
        let bytes = csv.as_bytes();
        Arc::new(
            load_source(
                &config,
                &[PathBuf::from("data/tickets.csv")],
                &|_: &std::path::Path| -> crate::load::events::Opened<'_> { Ok(Box::new(bytes)) },
                &needs,
                &TimeZone::get(zone).unwrap(),
            )
            .unwrap(),
        )
    }

    fn metric(table: &Arc<EventTable>, query: EventQuery) -> EventMetric {
        let at = query.placed_by(None).unwrap().to_string();
        let index = Arc::new(TimeIndex::new(table.timestamps(&at).unwrap()));
        EventMetric::bind(&query, table.clone(), index, Unit::Hours).unwrap()
    }

    fn query(measure: EventMeasure) -> EventQuery {
        EventQuery {
            source: "tickets".into(),
            measure,
            at: None,
            filter: vec![],
        }
    }

    fn duration(stat: DurationStat) -> EventQuery {
        query(EventMeasure::Duration {
            start: "created".into(),
            end: "responded".into(),
            stat,
        })
    }

    fn count() -> EventQuery {
        query(EventMeasure::Count("created".into()))
    }

    fn backlog() -> EventQuery {
        query(EventMeasure::Open {
            start: "created".into(),
            end: "responded".into(),
        })
    }

    fn week(end: Date) -> Period {
        Period::new(add_days(end, -6), end)
    }

    const HEADER: &str = "id,created,responded,channel,minutes\n";

    #[test]
    fn percentiles_interpolate_between_closest_ranks() {
        // Even count [1,2,3,4]: p90 at rank 0.9 × 3 = 2.7 → 3 + 0.7 × (4 − 3) = 3.7;
        // p50 at rank 1.5 → 2 + 0.5 × 1 = 2.5.
        assert_eq!(quantile_cont(&mut [4.0, 1.0, 3.0, 2.0], 0.9), Some(3.7));
        assert_eq!(quantile_cont(&mut [4.0, 1.0, 3.0, 2.0], 0.5), Some(2.5));
        // Odd count [1,2,3,4,10]: p50 is the middle, 3; p90 at rank 3.6 →
        // 4 + 0.6 × (10 − 4) = 7.6.
        assert_eq!(
            quantile_cont(&mut [10.0, 4.0, 3.0, 2.0, 1.0], 0.5),
            Some(3.0)
        );
        let p90 = quantile_cont(&mut [10.0, 4.0, 3.0, 2.0, 1.0], 0.9).unwrap();
        assert!((p90 - 7.6).abs() < 1e-12, "{p90}");
        assert_eq!(quantile_cont(&mut [5.0], 0.9), Some(5.0));
        assert_eq!(quantile_cont(&mut [], 0.9), None);
        assert_eq!(quantile_cont(&mut [1.0, 2.0], 1.0), Some(2.0));
        assert_eq!(quantile_cont(&mut [1.0, 2.0], 0.0), Some(1.0));
    }

    #[test]
    fn percentiles_of_an_odd_and_even_week_from_rows() {
        // Week Mon 2026-11-02 .. Sun 11-08 (UTC): response times 1, 2, 3, 4 h.
        // Next week: 1, 2, 3, 4, 10 h.
        let csv = format!(
            "{HEADER}1,2026-11-02 09:00,2026-11-02 10:00,email,\n2,2026-11-03 09:00,2026-11-03 11:00,email,\n3,2026-11-04 09:00,2026-11-04 12:00,chat,\n4,2026-11-05 09:00,2026-11-05 13:00,chat,\n\
             5,2026-11-09 09:00,2026-11-09 10:00,email,\n6,2026-11-10 09:00,2026-11-10 11:00,email,\n7,2026-11-11 09:00,2026-11-11 12:00,email,\n8,2026-11-12 09:00,2026-11-12 13:00,email,\n9,2026-11-13 09:00,2026-11-13 19:00,email,\n10,2026-11-15 12:00,,email,\n"
        );
        let table = table(&csv, "UTC");
        let p90 = metric(&table, duration(DurationStat::Percentile(90.0)));
        let as_of = date(2026, 11, 15);
        let first = p90.value(week(date(2026, 11, 8)), as_of).value.unwrap();
        assert!((first - 3.7).abs() < 1e-12, "{first}");
        let second = p90.value(week(date(2026, 11, 15)), as_of).value.unwrap();
        assert!((second - 7.6).abs() < 1e-12, "{second}");
        let p50 = metric(&table, duration(DurationStat::Percentile(50.0)));
        assert_eq!(p50.value(week(date(2026, 11, 15)), as_of).value, Some(3.0));
    }

    #[test]
    fn a_months_p90_comes_from_its_own_rows() {
        // February 2026 (UTC), coverage from 1 Feb to 28 Feb by two quiet
        // rows without a response. Week Mon 2–Sun 8: five 1 h responses,
        // p90 = 1. Week 9–15: 2, 3, 4, 5, 6 h, p90 at rank 3.6 = 5 + 0.6 = 5.6.
        // The month's ten values sorted: 1,1,1,1,1,2,3,4,5,6; rank 0.9 × 9 =
        // 8.1 → 5 + 0.1 × (6 − 5) = 5.1: neither week's p90, nor their mean 3.3.
        let mut csv = String::from(HEADER);
        csv.push_str("100,2026-02-01 00:00,,email,\n101,2026-02-28 23:00,,email,\n");
        for day in 2..=6 {
            csv.push_str(&format!(
                "{day},2026-02-0{day} 09:00,2026-02-0{day} 10:00,email,\n"
            ));
        }
        for (hours, day) in (2..=6).zip(9..) {
            csv.push_str(&format!(
                "{day},2026-02-{day} 09:00,2026-02-{day} {:02}:00,email,\n",
                9 + hours
            ));
        }
        let table = table(&csv, "UTC");
        let p90 = metric(&table, duration(DurationStat::Percentile(90.0)));
        let as_of = date(2026, 3, 1);
        assert_eq!(p90.value(week(date(2026, 2, 8)), as_of).value, Some(1.0));
        let second = p90.value(week(date(2026, 2, 15)), as_of).value.unwrap();
        assert!((second - 5.6).abs() < 1e-12, "{second}");
        let month = p90
            .value(Period::month_of(date(2026, 2, 1)), as_of)
            .value
            .unwrap();
        assert!((month - 5.1).abs() < 1e-12, "{month}");
    }

    #[test]
    fn dst_weeks_end_at_local_midnight_and_durations_are_instants() {
        // Los Angeles: DST starts Sun 2026-03-08 02:00 (PST −8 → PDT −7).
        // Week Mon 03-02 .. Sun 03-08 ends at Mon 03-09 00:00 PDT = 07:00Z.
        // Ticket 1: 01:00 PST → 04:00 PDT on 03-08: 3 h on the clock, 2 h
        //   in fact (09:00Z → 11:00Z).
        // Ticket 2: 2026-03-09T07:30Z = 00:30 PDT Monday: next week (with a
        //   fixed −8 it would wrongly be 23:30 Sunday).
        // Ticket 3: exactly 00:00 Monday 03-09: Monday's, so next week's.
        // Ticket 4: Sunday 23:59 PDT: this week.
        let csv = format!(
            "{HEADER}1,2026-03-08 01:00,2026-03-08 04:00,email,\n2,2026-03-09T07:30:00Z,,email,\n3,2026-03-09 00:00,,email,\n4,2026-03-08 23:59,,email,\n0,2026-03-01 12:00,,email,\n9,2026-03-20 12:00,,email,\n"
        );
        let table = table(&csv, "America/Los_Angeles");
        let as_of = date(2026, 3, 15);
        let count = metric(&table, count());
        // This week: tickets 1 and 4; next: 2 and 3.
        assert_eq!(count.value(week(date(2026, 3, 8)), as_of).value, Some(2.0));
        assert_eq!(count.value(week(date(2026, 3, 15)), as_of).value, Some(2.0));
        let mean = metric(&table, duration(DurationStat::Mean));
        assert_eq!(mean.value(week(date(2026, 3, 8)), as_of).value, Some(2.0));
    }

    #[test]
    fn as_of_a_ticket_resolved_later_was_open_and_later_rows_do_not_exist() {
        // Version 2026-W45 (as of Sun 11-08, UTC). Ticket 1 created Mon 11-02
        // 10:00, answered Tue 11-10 10:00, after the week: for this version
        // it is unanswered, so it is left out of the mean and counted in
        // the backlog. Ticket 2 answered within the week after 2 h.
        // Ticket 3 is created after the as-of moment: it does not exist.
        let csv = format!(
            "{HEADER}1,2026-11-02 10:00,2026-11-10 10:00,email,\n2,2026-11-03 10:00,2026-11-03 12:00,chat,\n3,2026-11-09 00:00,,chat,\n"
        );
        let table = table(&csv, "UTC");
        let w45 = week(date(2026, 11, 8));
        let mean = metric(&table, duration(DurationStat::Mean));
        assert_eq!(mean.value(w45, date(2026, 11, 8)).value, Some(2.0));
        // A week later the answer has happened: (192 h + 2 h) / 2 = 97 h.
        assert_eq!(mean.value(w45, date(2026, 11, 15)).value, Some(97.0));
        let backlog = metric(&table, backlog());
        assert_eq!(backlog.value(w45, date(2026, 11, 8)).value, Some(1.0));
        // Still 1 at W45's end when seen later: it was open then.
        assert_eq!(backlog.value(w45, date(2026, 11, 15)).value, Some(1.0));
        // On 11-10 (the last day the export covers), ticket 1 closed that
        // day and ticket 3 is open.
        let day = Period::new(date(2026, 11, 10), date(2026, 11, 10));
        assert_eq!(backlog.value(day, date(2026, 11, 15)).value, Some(1.0));
        let count = metric(&table, count());
        assert_eq!(count.value(w45, date(2026, 11, 8)).value, Some(2.0));
        // The data ends on 11-10 (ticket 1's answer): W46 is incomplete
        // for five days, 11-11 to 11-15, never a partial count.
        assert_eq!(
            count.value(week(date(2026, 11, 15)), date(2026, 11, 15)),
            PeriodValue::incomplete(5)
        );
        // And version W45 knows nothing of days after 11-08.
        assert_eq!(
            count.value(week(date(2026, 11, 15)), date(2026, 11, 8)),
            PeriodValue::incomplete(7)
        );
    }

    #[test]
    fn a_pending_sla_miss_counts_once_past_the_threshold() {
        // Within 4 h, as of Sun 11-08 (the as-of moment is Mon 11-09 00:00Z).
        // 1: answered in 3 h → hit. 2: answered in 5 h → miss.
        // 3: created Sun 18:00, unanswered, 6 h old at the as-of moment → miss.
        // 4: created Sun 22:00, unanswered, 2 h old → not yet known, left out.
        // 5: created Sun 20:00, answered Mon 01:00 (after the as-of moment),
        //    4 h old at it → not past the threshold, left out.
        // Share = 1 hit / (1 + 2 misses) = 1/3.
        let csv = format!(
            "{HEADER}1,2026-11-02 10:00,2026-11-02 13:00,email,\n2,2026-11-03 10:00,2026-11-03 15:00,email,\n3,2026-11-08 18:00,,email,\n4,2026-11-08 22:00,,email,\n5,2026-11-08 20:00,2026-11-09 01:00,email,\n"
        );
        let table = table(&csv, "UTC");
        let sla = metric(&table, duration(DurationStat::Within(4 * 3_600_000)));
        let w45 = week(date(2026, 11, 8));
        assert_eq!(sla.value(w45, date(2026, 11, 8)).value, Some(1.0 / 3.0));
        // Seen on 11-09 (data through 11-09): ticket 5 answered in 5 h → miss;
        // 3 and 4 still unanswered and both past 4 h → misses: 1/5.
        assert_eq!(sla.value(w45, date(2026, 11, 9)).value, Some(1.0 / 5.0));
    }

    #[test]
    fn an_empty_period_counts_zero_and_has_no_percentile() {
        // Coverage 11-02 .. 11-20; nothing created in the week 11-09 .. 11-15.
        let csv = format!(
            "{HEADER}1,2026-11-02 10:00,,email,\n2,2026-11-20 10:00,2026-11-20 11:00,email,\n"
        );
        let table = table(&csv, "UTC");
        let w46 = week(date(2026, 11, 15));
        let as_of = date(2026, 11, 22);
        assert_eq!(
            metric(&table, count()).value(w46, as_of),
            PeriodValue::known(0.0)
        );
        assert_eq!(
            metric(&table, duration(DurationStat::Percentile(90.0))).value(w46, as_of),
            PeriodValue::NOT_APPLICABLE
        );
        assert_eq!(
            metric(&table, duration(DurationStat::Within(3_600_000))).value(w46, as_of),
            PeriodValue::NOT_APPLICABLE
        );
        // Ticket 1 is still open: the backlog carries it through the week.
        assert_eq!(metric(&table, backlog()).value(w46, as_of).value, Some(1.0));
    }

    #[test]
    fn backlog_across_the_year_boundary() {
        // Ticket 1 opened Tue 2025-12-30, closed Mon 2026-01-05 10:00.
        // Week 2026-W01 runs Mon 2025-12-29 .. Sun 2026-01-04: open at its end.
        // December 2025 ends 2026-01-01 00:00: open. YTD 2026 as of 01-04:
        // open. W02 (ends 01-11): closed before its end, so 0.
        let csv = format!(
            "{HEADER}0,2025-12-01 08:00,2025-12-01 09:00,email,\n1,2025-12-30 10:00,2026-01-05 10:00,email,\n2,2026-01-20 10:00,,email,\n"
        );
        let table = table(&csv, "UTC");
        let backlog = metric(&table, backlog());
        let as_of = date(2026, 1, 4);
        assert_eq!(backlog.value(week(as_of), as_of).value, Some(1.0));
        assert_eq!(
            backlog
                .value(Period::month_of(date(2025, 12, 1)), as_of)
                .value,
            Some(1.0)
        );
        let ytd = Period::new(date(2026, 1, 1), as_of);
        assert_eq!(backlog.value(ytd, as_of).value, Some(1.0));
        assert_eq!(
            backlog
                .value(week(date(2026, 1, 11)), date(2026, 1, 11))
                .value,
            Some(0.0)
        );
    }

    #[test]
    fn where_filters_rows_and_sums_and_means_read_numbers() {
        let csv = format!(
            "{HEADER}1,2026-11-02 10:00,,email,10\n2,2026-11-03 10:00,,chat,20\n3,2026-11-04 10:00,,phone,\n4,2026-11-05 10:00,,,40\n"
        );
        let table = table(&csv, "UTC");
        // The export covers 11-02 .. 11-05.
        let w45 = Period::new(date(2026, 11, 2), date(2026, 11, 5));
        let as_of = date(2026, 11, 5);
        let with = |measure: EventMeasure, filter: Vec<(String, Condition)>| {
            let mut query = query(measure);
            query.filter = filter;
            query.at = Some("created".into());
            metric(&table, query).value(w45, as_of).value
        };
        let channel = |condition| vec![("channel".to_string(), condition)];
        let count = EventMeasure::Count("created".into());
        assert_eq!(
            with(
                count.clone(),
                channel(Condition::OneOf(vec!["email".into(), "chat".into()]))
            ),
            Some(2.0)
        );
        // `not` keeps rows with an empty channel.
        assert_eq!(
            with(
                count.clone(),
                channel(Condition::NoneOf(vec!["email".into()]))
            ),
            Some(3.0)
        );
        assert_eq!(
            with(
                count,
                vec![(
                    "minutes".into(),
                    Condition::Compare(crate::load::events::Comparison::GreaterOrEqual, 20.0)
                )]
            ),
            Some(2.0)
        );
        // Sum and mean skip empty cells: (10 + 20 + 40) = 70, / 3 rows.
        assert_eq!(
            with(EventMeasure::Sum("minutes".into()), vec![]),
            Some(70.0)
        );
        assert_eq!(
            with(EventMeasure::Mean("minutes".into()), vec![]),
            Some(70.0 / 3.0)
        );
    }
}

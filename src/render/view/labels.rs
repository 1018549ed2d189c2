//! The labels of a chart's weeks and months, made once per set of periods:
//! a program's charts nearly all show the same weeks and months, and
//! formatting their labels again for each of a large site's 20,000 charts
//! was a measurable share of a build.

use std::sync::Arc;

use jiff::civil::Date;

use super::week_label;
use crate::calendar::Calendar;
use crate::compute::PeriodNumbers;
use crate::render::chart::{axis_labels, month_label, XLabels};

/// The labels of one chart's periods.
#[derive(Debug)]
pub struct PeriodLabels {
    /// The x axis, shared by every chart with these periods.
    pub axis: Arc<XLabels>,
    /// Row headers of the numbers table: `Week W47`, … (their dates are
    /// in the table's caption, [`super::weeks_dates`], once for all weeks).
    pub week_rows: Vec<String>,
    /// Row headers of the numbers table: `Nov ’25`, ….
    pub month_rows: Vec<String>,
    /// What the labels are made of: each week's end, each month's start.
    week_ends: Vec<Date>,
    month_starts: Vec<Date>,
}

impl PeriodLabels {
    fn new(calendar: &Calendar, weeks: &[PeriodNumbers], months: &[PeriodNumbers]) -> Self {
        let axis = axis_labels(weeks, months, |week| week_label(calendar, week));
        PeriodLabels {
            week_rows: axis
                .weeks
                .iter()
                .map(|label| format!("Week {label}"))
                .collect(),
            month_rows: months.iter().map(month_label).collect(),
            axis: Arc::new(axis),
            week_ends: weeks.iter().map(|week| week.end).collect(),
            month_starts: months.iter().map(|month| month.start).collect(),
        }
    }

    fn is_for(&self, weeks: &[PeriodNumbers], months: &[PeriodNumbers]) -> bool {
        self.week_ends.iter().eq(weeks.iter().map(|week| &week.end))
            && self
                .month_starts
                .iter()
                .eq(months.iter().map(|month| &month.start))
    }
}

/// The period labels made so far, for the charts of one page or deck.
pub struct LabelCache<'a> {
    calendar: &'a Calendar,
    // Few: a program's metrics share their weeks and months.
    known: Vec<PeriodLabels>,
}

impl<'a> LabelCache<'a> {
    pub fn new(calendar: &'a Calendar) -> Self {
        LabelCache {
            calendar,
            known: Vec::new(),
        }
    }

    /// The labels of `weeks` and `months`, made on first use.
    pub fn get(&mut self, weeks: &[PeriodNumbers], months: &[PeriodNumbers]) -> &PeriodLabels {
        let position = match self
            .known
            .iter()
            .position(|known| known.is_for(weeks, months))
        {
            Some(position) => position,
            None => {
                self.known
                    .push(PeriodLabels::new(self.calendar, weeks, months));
                self.known.len() - 1
            }
        };
        &self.known[position]
    }
}

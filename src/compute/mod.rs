//! Computing every number of a review version from a loaded site (BRIEF §3):
//! the 6-12 series, the summary box, statuses, exceptions and unusual moves.

pub mod breakdown;
pub mod compare;
pub mod events;
pub mod period;
pub mod restate;
pub mod status;
pub mod unusual;

use std::collections::HashMap;

use indexmap::IndexMap;
use jiff::civil::Date;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, IsoDigits, Period, ReviewWeek};
use crate::load::config::MonthAxis;
use crate::load::program::{
    Better, ChangeOver, Compare, Grain, Initiative, InitiativeStatus, MetricSource, Unit,
};
use crate::load::{Program, Site};
use compare::{compare, Change, ChangeKind};
use period::{Evaluator, PeriodValue};
use status::{initiative_status, metric_status, worst, Status};
use unusual::{judge, Judgement};

/// Weeks in the left half of a 6-12 chart: the review week and 5 before.
pub const TRAILING_WEEKS: i64 = 6;
/// Weeks of history behind an unusual-move judgement.
pub const UNUSUAL_HISTORY_WEEKS: i64 = 12;
/// How many weeks, the review week included, an exception's run is looked
/// at: one that held in all of them has held "for 6 weeks or more".
pub const HELD_WEEKS_CHECKED: u32 = 6;

/// Every computed number of one review version; written as `data.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewNumbers {
    pub version: VersionInfo,
    /// Whether these numbers were frozen by `sitrep publish`; drafts are
    /// computed afresh by every build.
    #[serde(default)]
    pub published: bool,
    /// Only data dated on or before this day is used.
    pub as_of: Date,
    /// The worst program status.
    pub status: Option<Status>,
    /// Red metrics, SLA breaches and unusual moves of every program, most
    /// serious first.
    pub exceptions: Vec<Exception>,
    /// The exceptions of the week before (judged as of its end) that this
    /// week no longer has, most serious first. Numbers published before
    /// this was worked out have none.
    #[serde(default)]
    pub cleared: Vec<Exception>,
    /// `publish --restate` records: the numbers each restatement replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restated: Vec<restate::RestatementRecord>,
    pub programs: IndexMap<String, ProgramNumbers>,
}

/// What the site-wide pages (archive, week switcher, `versions.json`) show
/// of a version; kept in the build cache for versions not rebuilt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionSummary {
    pub version: VersionInfo,
    pub status: Option<Status>,
    pub published: bool,
    /// How many exceptions the week page lists.
    pub exceptions: usize,
    /// The programs that have pages, in site order.
    pub programs: Vec<String>,
}

impl ReviewNumbers {
    /// Works out every change of every summary box again from its values
    /// and bases. Published numbers are frozen values; how a change between
    /// two of them is expressed follows today's rules, so a week published
    /// before a rule (or before changes had kinds) shows no percent change
    /// against a zero or negative base either.
    pub fn compare_again(&mut self) {
        for program in self.programs.values_mut() {
            for metric in program.metrics.values_mut() {
                metric.summary.compare_again(metric.compare);
            }
        }
    }

    /// What the site-wide pages need of this version.
    pub fn summary(&self) -> VersionSummary {
        VersionSummary {
            version: self.version.clone(),
            status: self.status,
            published: self.published,
            exceptions: self.exceptions.len(),
            programs: self.programs.keys().cloned().collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub id: String,
    pub start: Date,
    pub end: Date,
}

impl From<&ReviewWeek> for VersionInfo {
    fn from(week: &ReviewWeek) -> Self {
        VersionInfo {
            id: week.id.clone(),
            start: week.week.start,
            end: week.week.end,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgramNumbers {
    pub name: String,
    pub owner: String,
    pub summary: Option<String>,
    /// The worst status of its rated metrics and its initiatives.
    pub status: Option<Status>,
    pub metrics: IndexMap<String, MetricNumbers>,
    pub initiatives: Vec<InitiativeNumbers>,
    pub exceptions: Vec<Exception>,
    /// Last week's exceptions this week no longer has (see
    /// [`ReviewNumbers::cleared`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cleared: Vec<Exception>,
    /// The deck's breakdowns (a metric split `by` a dimension). Numbers
    /// published before a breakdown was added have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breakdowns: Vec<breakdown::BreakdownNumbers>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitiativeNumbers {
    #[serde(flatten)]
    pub initiative: Initiative,
    pub status_colour: Status,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricNumbers {
    pub name: String,
    pub description: Option<String>,
    pub unit: Unit,
    pub better: Better,
    pub compare: Compare,
    pub grain: Grain,
    pub sla: bool,
    pub key: bool,
    /// The review week's target.
    pub target: Option<f64>,
    pub status: Option<Status>,
    /// The review week and the 5 before it, oldest first.
    pub weeks: Vec<PeriodNumbers>,
    /// 12 months, oldest first: trailing complete months, or the fiscal year.
    pub month_axis: MonthAxis,
    pub months: Vec<PeriodNumbers>,
    #[serde(rename = "box")]
    pub summary: SummaryBox,
    pub unusual: Judgement,
}

/// One point of a 6-12 chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodNumbers {
    /// `YYYY-MM` for months; absent for weeks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub month: Option<String>,
    #[serde(serialize_with = "iso_date")]
    pub start: Date,
    #[serde(serialize_with = "iso_date")]
    pub end: Date,
    pub value: Option<f64>,
    /// Days (weeks, months for coarser grains) without a value; 0 when
    /// complete.
    pub missing: u32,
    pub py_value: Option<f64>,
    pub target: Option<f64>,
    /// The value of the period before (the week before a week, the month
    /// before a month), for the WoW and MoM rows of tables. Numbers
    /// published before it existed have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_value: Option<f64>,
}

/// Writes a date as `2026-11-22`, as jiff does, without its general
/// formatting machinery: every version's `data.json` has thousands.
fn iso_date<S: serde::Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
    match IsoDigits::new(date.year(), date.month(), Some(date.day())) {
        Some(digits) => serializer.serialize_str(digits.as_str()),
        None => serializer.collect_str(date),
    }
}

/// The box under every 6-12 chart. Each change (`wow`, `yoy`, `*_yoy`) is
/// written in the unit its `*_kind` names: percent, basis points (for
/// `compare: bps` metrics), or, against a zero or negative base, the
/// absolute difference in the metric's unit (see [`compare`]). A change
/// that is n/a is `null`, and so is its kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryBox {
    pub last_week: Option<f64>,
    pub wow: Option<f64>,
    pub yoy: Option<f64>,
    pub mtd: Option<f64>,
    pub mtd_yoy: Option<f64>,
    pub qtd: Option<f64>,
    pub qtd_yoy: Option<f64>,
    pub ytd: Option<f64>,
    pub ytd_yoy: Option<f64>,
    /// The bases of the comparisons above.
    pub previous_week: Option<f64>,
    pub py_week: Option<f64>,
    pub py_mtd: Option<f64>,
    pub py_qtd: Option<f64>,
    pub py_ytd: Option<f64>,
    /// How each change above is expressed. Numbers published before
    /// changes had kinds lack them: their changes are worked out again from
    /// their values and bases when they are read (see
    /// [`ReviewNumbers::compare_again`]).
    #[serde(default)]
    pub wow_kind: Option<ChangeKind>,
    #[serde(default)]
    pub yoy_kind: Option<ChangeKind>,
    #[serde(default)]
    pub mtd_yoy_kind: Option<ChangeKind>,
    #[serde(default)]
    pub qtd_yoy_kind: Option<ChangeKind>,
    #[serde(default)]
    pub ytd_yoy_kind: Option<ChangeKind>,
}

/// The changes of a summary box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Wow,
    Yoy,
    MtdYoy,
    QtdYoy,
    YtdYoy,
}

impl Comparison {
    pub const ALL: [Comparison; 5] = [
        Comparison::Wow,
        Comparison::Yoy,
        Comparison::MtdYoy,
        Comparison::QtdYoy,
        Comparison::YtdYoy,
    ];

    /// The name of the change in `data.json` and in narrative `delta()`
    /// calls: `wow`, `yoy`, `mtd_yoy`, `qtd_yoy`, `ytd_yoy`.
    pub fn key(self) -> &'static str {
        match self {
            Comparison::Wow => "wow",
            Comparison::Yoy => "yoy",
            Comparison::MtdYoy => "mtd_yoy",
            Comparison::QtdYoy => "qtd_yoy",
            Comparison::YtdYoy => "ytd_yoy",
        }
    }

    pub fn from_key(key: &str) -> Option<Comparison> {
        Comparison::ALL
            .into_iter()
            .find(|comparison| comparison.key() == key)
    }
}

impl SummaryBox {
    /// A box of values and their bases, with every change worked out.
    fn new(
        how: Compare,
        (last_week, previous_week, py_week): (Option<f64>, Option<f64>, Option<f64>),
        (mtd, py_mtd): (Option<f64>, Option<f64>),
        (qtd, py_qtd): (Option<f64>, Option<f64>),
        (ytd, py_ytd): (Option<f64>, Option<f64>),
    ) -> SummaryBox {
        let mut summary = SummaryBox {
            last_week,
            wow: None,
            yoy: None,
            mtd,
            mtd_yoy: None,
            qtd,
            qtd_yoy: None,
            ytd,
            ytd_yoy: None,
            previous_week,
            py_week,
            py_mtd,
            py_qtd,
            py_ytd,
            wow_kind: None,
            yoy_kind: None,
            mtd_yoy_kind: None,
            qtd_yoy_kind: None,
            ytd_yoy_kind: None,
        };
        summary.compare_again(how);
        summary
    }

    /// Works out every change from the box's values and bases.
    pub fn compare_again(&mut self, how: Compare) {
        for which in Comparison::ALL {
            let (current, base) = match which {
                Comparison::Wow => (self.last_week, self.previous_week),
                Comparison::Yoy => (self.last_week, self.py_week),
                Comparison::MtdYoy => (self.mtd, self.py_mtd),
                Comparison::QtdYoy => (self.qtd, self.py_qtd),
                Comparison::YtdYoy => (self.ytd, self.py_ytd),
            };
            let change = compare(current, base, how);
            let (value, kind) = self.slot(which);
            *value = change.map(|change| change.value);
            *kind = change.map(|change| change.kind);
        }
    }

    /// One of the box's changes, with its kind; `None` when n/a.
    pub fn change(&self, which: Comparison) -> Option<Change> {
        let (value, kind) = match which {
            Comparison::Wow => (self.wow, self.wow_kind),
            Comparison::Yoy => (self.yoy, self.yoy_kind),
            Comparison::MtdYoy => (self.mtd_yoy, self.mtd_yoy_kind),
            Comparison::QtdYoy => (self.qtd_yoy, self.qtd_yoy_kind),
            Comparison::YtdYoy => (self.ytd_yoy, self.ytd_yoy_kind),
        };
        Some(Change {
            value: value?,
            kind: kind?,
        })
    }

    fn slot(&mut self, which: Comparison) -> (&mut Option<f64>, &mut Option<ChangeKind>) {
        match which {
            Comparison::Wow => (&mut self.wow, &mut self.wow_kind),
            Comparison::Yoy => (&mut self.yoy, &mut self.yoy_kind),
            Comparison::MtdYoy => (&mut self.mtd_yoy, &mut self.mtd_yoy_kind),
            Comparison::QtdYoy => (&mut self.qtd_yoy, &mut self.qtd_yoy_kind),
            Comparison::YtdYoy => (&mut self.ytd_yoy, &mut self.ytd_yoy_kind),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// An SLA metric missed its target.
    SlaBreach,
    /// A metric is red against its target.
    Red,
    /// The week is outside the metric's natural process limits.
    UnusualMove,
}

/// Which way an unusual move went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    High,
    Low,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exception {
    pub kind: ExceptionKind,
    pub program: String,
    pub metric: String,
    pub metric_name: String,
    pub value: Option<f64>,
    pub target: Option<f64>,
    /// `high` or `low` when the week is also an unusual move (for every
    /// kind: a red metric can be unusual too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// For how many weeks running, this one included, the metric has been
    /// an exception of this kind, each week judged as of its own end: 1 is
    /// new this week; [`HELD_WEEKS_CHECKED`] means that many or more. For
    /// a cleared exception, up to last week. Absent from numbers published
    /// before it was worked out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held_weeks: Option<u32>,
}

/// Computes one review version as of its week's end.
pub fn compute_review(site: &Site, week: &ReviewWeek) -> ReviewNumbers {
    let programs: Vec<(String, ProgramNumbers)> = site
        .programs
        .par_iter()
        .map(|program| {
            (
                program.id.clone(),
                compute_program(site, program, week.week),
            )
        })
        .collect();
    let mut exceptions: Vec<Exception> = programs
        .iter()
        .flat_map(|(_, program)| program.exceptions.clone())
        .collect();
    // Stable: within a kind, programs and metrics keep their order.
    exceptions.sort_by_key(|exception| exception.kind);
    let mut cleared: Vec<Exception> = programs
        .iter()
        .flat_map(|(_, program)| program.cleared.clone())
        .collect();
    cleared.sort_by_key(|exception| exception.kind);
    ReviewNumbers {
        version: VersionInfo::from(week),
        published: false,
        as_of: week.week.end,
        status: worst(programs.iter().filter_map(|(_, program)| program.status)),
        exceptions,
        cleared,
        restated: Vec::new(),
        programs: programs.into_iter().collect(),
    }
}

/// The periods every metric of a review is evaluated over, the same for
/// all of them: worked out once per program, each kept once in `slots`,
/// and named below by their place in it.
struct ReviewPeriods {
    slots: Vec<Period>,
    week: usize,
    /// The 6 weeks, oldest first, each with its prior-year week.
    weeks: Vec<(usize, usize)>,
    /// The 12 months of each month axis a metric uses, each with its
    /// prior-year month.
    trailing_months: Vec<(usize, usize)>,
    fiscal_months: Vec<(usize, usize)>,
    previous_week: usize,
    prior_year_week: usize,
    /// Month, quarter and year to date, each with the same dates a year
    /// earlier.
    to_date: [(usize, usize); 3],
    /// The weeks before the review week, oldest first, for the XmR chart.
    history: Vec<usize>,
    /// For each slot that is a week or a month of the charts, the slot of
    /// the period its WoW or MoM compares it with (the week or month
    /// before, see [`period::change_base`]); `None` for other slots.
    /// Worked out once per program rather than for each metric's points.
    previous: Vec<Option<usize>>,
}

impl ReviewPeriods {
    fn new(calendar: &Calendar, week: Period, axes: &[MonthAxis]) -> ReviewPeriods {
        let as_of = week.end;
        // A few dozen periods: a scan finds one sooner than hashing it.
        let mut slots: Vec<Period> = Vec::with_capacity(64);
        let mut slot = |period: Period| match slots.iter().position(|known| *known == period) {
            Some(known) => known,
            None => {
                slots.push(period);
                slots.len() - 1
            }
        };
        // The weeks and months of the charts, each with the change whose
        // base is its previous value.
        let mut points: Vec<(Period, ChangeOver)> = Vec::new();
        let weeks = (0..TRAILING_WEEKS)
            .rev()
            .map(|back| {
                let period = calendar.weeks_before(week, back);
                points.push((period, ChangeOver::Wow));
                (slot(period), slot(calendar.prior_year_week(period)))
            })
            .collect();
        let mut months = |axis: MonthAxis| -> Vec<(usize, usize)> {
            if !axes.contains(&axis) {
                return Vec::new();
            }
            let months = match axis {
                MonthAxis::TrailingTwelveMonths => calendar.trailing_twelve_months(as_of),
                MonthAxis::FiscalYear => calendar.fiscal_year_months(as_of),
            };
            months
                .into_iter()
                .map(|month| {
                    // The PY of a month is the whole month a year earlier:
                    // February 2025's is 1–29 February 2024, not 1–28.
                    let prior = Period::month_of(crate::calendar::one_year_earlier(month.start));
                    points.push((month, ChangeOver::Mom));
                    (slot(month), slot(prior))
                })
                .collect()
        };
        let trailing_months = months(MonthAxis::TrailingTwelveMonths);
        let fiscal_months = months(MonthAxis::FiscalYear);
        let mut to_date = |period: Period| (slot(period), slot(period.one_year_earlier()));
        let to_date = [
            to_date(calendar.month_to_date(as_of)),
            to_date(calendar.quarter_to_date(as_of)),
            to_date(calendar.year_to_date(as_of)),
        ];
        let history = (1..=UNUSUAL_HISTORY_WEEKS)
            .rev()
            .map(|back| slot(calendar.weeks_before(week, back)))
            .collect();
        let week_slot = slot(week);
        let previous_week = slot(calendar.weeks_before(week, 1));
        let prior_year_week = slot(calendar.prior_year_week(week));
        let mut bases = Vec::with_capacity(points.len());
        for (point, over) in points {
            if let Some(base) = period::change_base(calendar, over, point) {
                bases.push((slot(point), slot(base)));
            }
        }
        let mut previous = vec![None; slots.len()];
        for (point, base) in bases {
            previous[point] = Some(base);
        }
        ReviewPeriods {
            week: week_slot,
            previous_week,
            prior_year_week,
            weeks,
            trailing_months,
            fiscal_months,
            to_date,
            history,
            previous,
            slots,
        }
    }
}

fn compute_program(site: &Site, program: &Program, week: Period) -> ProgramNumbers {
    let calendar = &site.config.calendar;
    let evaluator = Evaluator {
        program,
        calendar,
        as_of: week.end,
    };
    let axes: Vec<MonthAxis> = program
        .metrics
        .iter()
        .map(|metric| {
            metric
                .definition
                .month_axis
                .unwrap_or(site.config.month_axis)
        })
        .collect();
    let periods = ReviewPeriods::new(calendar, week, &axes);
    let values = evaluator.over(&periods.slots);
    let mut metrics = IndexMap::with_capacity(program.metrics.len());
    let mut exceptions = Vec::new();
    for (index, metric) in program.metrics.iter().enumerate() {
        let definition = &metric.definition;
        let numbers = compute_metric(
            &evaluator,
            &values,
            index,
            &periods,
            values.of(index),
            site.config.month_axis,
            site.config.tolerance,
        );
        let (kind, unusual) = exception_kind(definition, numbers.status, &numbers.unusual);
        if let Some(kind) = kind {
            exceptions.push(Exception {
                kind,
                program: program.id.clone(),
                metric: definition.id.clone(),
                metric_name: definition.name.clone(),
                value: numbers.summary.last_week,
                target: numbers.target,
                direction: unusual,
                held_weeks: None,
            });
        }
        metrics.insert(definition.id.clone(), numbers);
    }
    let cleared = exception_history(site, program, week, &mut exceptions);
    exceptions.sort_by_key(|exception| exception.kind);
    let initiatives: Vec<InitiativeNumbers> = program
        .initiatives
        .iter()
        .map(|initiative| InitiativeNumbers {
            initiative: initiative.clone(),
            status_colour: initiative_status(initiative.status),
        })
        .collect();
    let status = worst(
        metrics.values().filter_map(|metric| metric.status).chain(
            initiatives
                .iter()
                .filter(|initiative| initiative.initiative.status != InitiativeStatus::Done)
                .map(|initiative| initiative.status_colour),
        ),
    );
    let breakdowns = breakdown::compute_breakdowns(&evaluator, &periods, site.config.month_axis);
    ProgramNumbers {
        name: program.name.clone(),
        owner: program.owner.clone(),
        summary: program.summary.clone(),
        status,
        metrics,
        initiatives,
        exceptions,
        cleared,
        breakdowns,
    }
}

/// The exception a metric is for a week, from its status and unusual-move
/// judgement: one per metric, the most serious kind (an SLA missed, then
/// red, then an unusual move), with the unusual move's direction when
/// there is one.
fn exception_kind(
    definition: &crate::load::program::MetricDefinition,
    status: Option<Status>,
    judgement: &Judgement,
) -> (Option<ExceptionKind>, Option<Direction>) {
    // Only metrics with a good direction are worth a reader's attention
    // as unusual moves; the judgement of every metric is in the numbers.
    // A growth series moves when its source does: the source's exception
    // says it once.
    let growth = matches!(definition.source, MetricSource::Change { .. });
    let unusual = match judgement {
        _ if growth => None,
        Judgement::UnusuallyHigh { .. } if definition.better != Better::None => {
            Some(Direction::High)
        }
        Judgement::UnusuallyLow { .. } if definition.better != Better::None => Some(Direction::Low),
        _ => None,
    };
    let kind = match status {
        Some(Status::Red | Status::Amber) if definition.sla => Some(ExceptionKind::SlaBreach),
        Some(Status::Red) => Some(ExceptionKind::Red),
        _ => unusual.map(|_| ExceptionKind::UnusualMove),
    };
    (kind, unusual)
}

/// Sets how long each of `exceptions` (of review week `week`) has held,
/// and returns the exceptions of the week before that this week does not
/// have. Each earlier week is judged as its own version would be: as of
/// its end, against its own 12 weeks of history and its target. Only the
/// metrics whose run is still going are evaluated further back.
fn exception_history(
    site: &Site,
    program: &Program,
    week: Period,
    exceptions: &mut [Exception],
) -> Vec<Exception> {
    let calendar = &site.config.calendar;
    // Looked up once per exception: a map, not a search of the metrics
    // (a program of thousands of red metrics would take their square).
    let mut indexes: HashMap<&str, usize> = HashMap::with_capacity(program.metrics.len());
    for (index, metric) in program.metrics.iter().enumerate() {
        indexes
            .entry(metric.definition.id.as_str())
            .or_insert(index);
    }
    let index_of = |metric: &str| indexes.get(metric).copied();
    // Metric index → (kind, weeks held so far, still running).
    let mut runs: Vec<Option<(ExceptionKind, u32, bool)>> = vec![None; program.metrics.len()];
    for exception in exceptions.iter() {
        if let Some(index) = index_of(&exception.metric) {
            runs[index] = Some((exception.kind, 1, true));
        }
    }
    let mut cleared = Vec::new();
    for back in 1..HELD_WEEKS_CHECKED {
        let past = calendar.weeks_before(week, i64::from(back));
        let evaluator = Evaluator {
            program,
            calendar,
            as_of: past.end,
        };
        // The week itself, then the 12 before it for the XmR judgement.
        let mut slots = vec![past];
        slots.extend(
            (1..=UNUSUAL_HISTORY_WEEKS)
                .rev()
                .map(|earlier| calendar.weeks_before(past, earlier)),
        );
        let values = evaluator.over(&slots);
        let judged = |index: usize| {
            let metric = &program.metrics[index];
            let definition = &metric.definition;
            let series = values.of(index);
            let value = series[0].value;
            let target = evaluator.target(metric, past);
            let status = metric_status(
                value,
                target,
                metric.target.is_some(),
                definition.better,
                definition.tolerance.unwrap_or(site.config.tolerance),
            );
            let history: Vec<Option<f64>> = series[1..].iter().map(|value| value.value).collect();
            let (kind, direction) = exception_kind(definition, status, &judge(&history, value));
            (kind, direction, value, target)
        };
        if back == 1 {
            // Last week's exceptions that this week does not have.
            for (index, metric) in program.metrics.iter().enumerate() {
                if runs[index].is_some() {
                    continue;
                }
                if let (Some(kind), direction, value, target) = judged(index) {
                    cleared.push(Exception {
                        kind,
                        program: program.id.clone(),
                        metric: metric.definition.id.clone(),
                        metric_name: metric.definition.name.clone(),
                        value,
                        target,
                        direction,
                        held_weeks: Some(0),
                    });
                    // Counted from last week on.
                    runs[index] = Some((kind, 0, true));
                }
            }
        }
        let mut going = false;
        for (index, run) in runs.iter_mut().enumerate() {
            let Some((kind, held, running)) = run else {
                continue;
            };
            if !*running {
                continue;
            }
            if judged(index).0 == Some(*kind) {
                *held += 1;
                going = true;
            } else {
                *running = false;
            }
        }
        if !going {
            break;
        }
    }
    let held = |metric: &str| {
        index_of(metric)
            .and_then(|index| runs[index])
            .map(|run| run.1)
    };
    for exception in exceptions.iter_mut() {
        exception.held_weeks = held(&exception.metric);
    }
    for exception in &mut cleared {
        exception.held_weeks = held(&exception.metric);
    }
    cleared.sort_by_key(|exception| exception.kind);
    cleared
}

fn compute_metric(
    evaluator: &Evaluator,
    evaluator_values: &period::PeriodValues,
    index: usize,
    periods: &ReviewPeriods,
    values: &[PeriodValue],
    site_axis: MonthAxis,
    site_tolerance: f64,
) -> MetricNumbers {
    let metric = &evaluator.program.metrics[index];
    let definition = &metric.definition;
    let week = periods.slots[periods.week];
    let as_of = week.end;
    let value = |slot: usize| values[slot].value;
    let point = |slot: usize, prior: usize, month: Option<String>| {
        let period = periods.slots[slot];
        let PeriodValue {
            value: current,
            missing,
        } = values[slot];
        PeriodNumbers {
            month,
            start: period.start,
            end: period.end,
            value: current,
            missing,
            py_value: value(prior),
            target: evaluator.target(metric, period),
            previous_value: periods.previous[slot].and_then(value),
        }
    };

    let weeks: Vec<PeriodNumbers> = periods
        .weeks
        .iter()
        .map(|&(slot, prior)| point(slot, prior, None))
        .collect();
    let month_axis = definition.month_axis.unwrap_or(site_axis);
    let month_slots = match month_axis {
        MonthAxis::TrailingTwelveMonths => &periods.trailing_months,
        MonthAxis::FiscalYear => &periods.fiscal_months,
    };
    let months: Vec<PeriodNumbers> = month_slots
        .iter()
        .map(|&(slot, prior)| {
            let month = periods.slots[slot];
            let mut numbers = point(slot, prior, Some(month.month_label()));
            // A month that has not ended by the review week is not complete,
            // even when its aggregate (`first`) could already give a value.
            if month.end > as_of {
                let future = crate::calendar::days_between(as_of, month.end) as u32;
                numbers.value = None;
                numbers.missing = numbers.missing.max(future.min(month.day_count() as u32));
            }
            numbers
        })
        .collect();

    let how = definition.compare;
    let last_week = value(periods.week);
    let mut previous_week = value(periods.previous_week);
    let mut py_week = value(periods.prior_year_week);
    let [(mut mtd, mut py_mtd), (mut qtd, mut py_qtd), (mut ytd, mut py_ytd)] = periods
        .to_date
        .map(|(slot, prior)| (value(slot), value(prior)));
    if let MetricSource::Change { of, over } = definition.source {
        // A growth series' box: the review week's change, and for `yoy`
        // the change of each period to date against the same dates a
        // year earlier (its source's MTD YoY, …). Changes of changes are
        // left out (n/a), and `wow`/`mom` have no periods to date.
        let source = evaluator.program.metrics[of].definition.compare;
        let values = evaluator_values.of(of);
        [mtd, qtd, ytd] = periods.to_date.map(|(slot, prior)| match over {
            ChangeOver::Yoy => period::change_value(values[slot], values[prior], source).value,
            ChangeOver::Wow | ChangeOver::Mom => None,
        });
        (previous_week, py_week, py_mtd, py_qtd, py_ytd) = (None, None, None, None, None);
    }
    let summary = SummaryBox::new(
        how,
        (last_week, previous_week, py_week),
        (mtd, py_mtd),
        (qtd, py_qtd),
        (ytd, py_ytd),
    );

    let target = evaluator.target(metric, week);
    let tolerance = definition.tolerance.unwrap_or(site_tolerance);
    let status = metric_status(
        last_week,
        target,
        metric.target.is_some(),
        definition.better,
        tolerance,
    );
    let history: Vec<Option<f64>> = periods.history.iter().map(|&slot| value(slot)).collect();
    MetricNumbers {
        name: definition.name.clone(),
        description: definition.description.clone(),
        unit: definition.unit,
        better: definition.better,
        compare: definition.compare,
        grain: definition.grain,
        sla: definition.sla,
        key: definition.key,
        target,
        status,
        weeks,
        month_axis,
        months,
        summary,
        unusual: judge(&history, last_week),
    }
}

#[cfg(test)]
mod tests;

//! Restatements: where today's data gives a published review different
//! numbers than the ones frozen when it was published.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{MetricNumbers, PeriodNumbers, ReviewNumbers};
use crate::load::program::Unit;
use crate::render::format::NumberFormat;

/// One number of a published review that today's data changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Restatement {
    pub version: String,
    pub program: String,
    pub metric: String,
    /// `week 2026-11-09..2026-11-15`, `month 2026-10 (prior year)`, `MTD`, …
    pub period: String,
    pub published: Option<f64>,
    pub now: Option<f64>,
    /// The metric's unit, to show both numbers as the pages do.
    #[serde(default)]
    pub unit: Unit,
}

/// What `publish --restate` replaced, and when: kept with the week's
/// numbers so that its pages can say so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RestatementRecord {
    /// The day of the restatement.
    pub date: jiff::civil::Date,
    /// Each changed number, with the value published before and the one
    /// that replaced it.
    pub changes: Vec<Restatement>,
}

impl fmt::Display for Restatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // As the pages write them (`87.8%`, `1,234`), with just enough
        // more digits to tell the two apart when the usual ones do not.
        let (published, now) = self.shown(&NumberFormat::new(self.unit, None));
        write!(
            f,
            "{} {}.{}, {}: published {}, now {}",
            self.version, self.program, self.metric, self.period, published, now
        )
    }
}

impl Restatement {
    /// The published and the current number as `format` writes them
    /// (`87.8%`, `1,234`), with just enough more digits to tell the two
    /// apart when the usual ones do not; `missing` for no value.
    pub fn shown(&self, format: &NumberFormat) -> (String, String) {
        let (published, now) = match (self.published, self.now) {
            (Some(published), Some(now)) => {
                let (published, now) = format.apart(published, now);
                (Some(published), Some(now))
            }
            (published, now) => (
                published.map(|value| format.value(Some(value))),
                now.map(|value| format.value(Some(value))),
            ),
        };
        let show = |value: Option<String>| value.unwrap_or_else(|| "missing".to_string());
        (show(published), show(now))
    }
}

/// Two numbers differ when one is missing or they differ beyond float noise.
fn differs(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => false,
        (Some(a), Some(b)) => (a - b).abs() > 1e-9 * a.abs().max(b.abs()).max(1.0),
        _ => true,
    }
}

/// Every number of `published` that `fresh` (computed from today's data
/// for the same week) changes. Metrics or programs added or removed since
/// are not restatements and are not listed.
pub fn restatements(published: &ReviewNumbers, fresh: &ReviewNumbers) -> Vec<Restatement> {
    let mut changes = Vec::new();
    for (program_id, program) in &published.programs {
        let Some(fresh_program) = fresh.programs.get(program_id) else {
            continue;
        };
        for (metric_id, metric) in &program.metrics {
            let Some(fresh_metric) = fresh_program.metrics.get(metric_id) else {
                continue;
            };
            let mut note = |period: String, old: Option<f64>, new: Option<f64>| {
                if differs(old, new) {
                    changes.push(Restatement {
                        version: published.version.id.clone(),
                        program: program_id.clone(),
                        metric: metric_id.clone(),
                        period,
                        published: old,
                        now: new,
                        unit: metric.unit,
                    });
                }
            };
            compare_periods(&metric.weeks, &fresh_metric.weeks, "week", &mut note);
            compare_periods(&metric.months, &fresh_metric.months, "month", &mut note);
            compare_box(metric, fresh_metric, &mut note);
        }
    }
    changes
}

fn compare_periods(
    old: &[PeriodNumbers],
    new: &[PeriodNumbers],
    kind: &str,
    note: &mut impl FnMut(String, Option<f64>, Option<f64>),
) {
    for (old, new) in old.iter().zip(new) {
        if old.start != new.start || old.end != new.end {
            continue;
        }
        let label = match &old.month {
            Some(month) => format!("{kind} {month}"),
            None => format!("{kind} {}..{}", old.start, old.end),
        };
        note(label.clone(), old.value, new.value);
        note(format!("{label} (prior year)"), old.py_value, new.py_value);
    }
}

fn compare_box(
    old: &MetricNumbers,
    new: &MetricNumbers,
    note: &mut impl FnMut(String, Option<f64>, Option<f64>),
) {
    let (old, new) = (&old.summary, &new.summary);
    for (label, a, b) in [
        ("MTD", old.mtd, new.mtd),
        ("QTD", old.qtd, new.qtd),
        ("YTD", old.ytd, new.ytd),
        ("MTD prior year", old.py_mtd, new.py_mtd),
        ("QTD prior year", old.py_qtd, new.py_qtd),
        ("YTD prior year", old.py_ytd, new.py_ytd),
    ] {
        note(label.to_string(), a, b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_noise_is_not_a_restatement() {
        assert!(!differs(Some(0.1 + 0.2), Some(0.3)));
        assert!(differs(Some(1079.0), Some(1085.0)));
        assert!(differs(None, Some(0.0)));
        assert!(!differs(None, None));
    }

    #[test]
    fn restatements_show_numbers_as_the_pages_do() {
        let change = |unit, published, now| Restatement {
            version: "2026-W47".to_string(),
            program: "p".to_string(),
            metric: "m".to_string(),
            period: "week 2026-11-16..2026-11-22".to_string(),
            published,
            now,
            unit,
        };
        // 0.8778135… is 87.78…%: one decimal, as on the page.
        assert_eq!(
            change(Unit::Percent, Some(0.877_813_504_823_151_1), Some(0.8812)).to_string(),
            "2026-W47 p.m, week 2026-11-16..2026-11-22: published 87.8%, now 88.1%"
        );
        // 87.78% and 87.81% both read 87.8%: two decimals tell them apart.
        assert_eq!(
            change(Unit::Percent, Some(0.8778), Some(0.8781)).to_string(),
            "2026-W47 p.m, week 2026-11-16..2026-11-22: published 87.78%, now 87.81%"
        );
        assert_eq!(
            change(Unit::Count, Some(1079.0), None).to_string(),
            "2026-W47 p.m, week 2026-11-16..2026-11-22: published 1,079, now missing"
        );
        assert_eq!(
            change(Unit::Minutes, Some(36.4), Some(37.6)).to_string(),
            "2026-W47 p.m, week 2026-11-16..2026-11-22: published 36.4 min, now 37.6 min"
        );
    }
}

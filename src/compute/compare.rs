//! Comparisons between two periods (WoW, YoY, MTD YoY, …).

use serde::{Deserialize, Serialize};

use crate::load::program::Compare;

/// How a change is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// `(current − previous) / previous × 100`, against a positive base.
    Percent,
    /// `(current − previous) × 10000`, for `compare: bps` metrics.
    Bps,
    /// `current − previous` in the metric's own unit: a percent change
    /// against a zero or negative base means nothing (BRIEF §3).
    Absolute,
}

/// A change between two periods and how it is expressed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    pub value: f64,
    pub kind: ChangeKind,
}

/// The change from `previous` to `current`; `None` ("n/a") when either is
/// missing, never infinity.
///
/// - Percent (the default): `(current − previous) / previous × 100` when the
///   base is positive. Against a zero or negative base a percent change
///   means nothing (0 → 5 is infinite; −2 → +4 would read −300%), so the
///   change is the absolute difference `current − previous` in the metric's
///   unit instead.
/// - Basis points: `(current − previous) × 10000` whatever the base, zero
///   included: a rate that goes from 0% to 5% has moved +500 bps. Basis
///   points are a difference already, so BRIEF's "n/a against a missing
///   base" is the only case without a change.
pub fn compare(current: Option<f64>, previous: Option<f64>, how: Compare) -> Option<Change> {
    let (current, previous) = (current?, previous?);
    let change = match how {
        Compare::Bps => Change {
            value: (current - previous) * 10_000.0,
            kind: ChangeKind::Bps,
        },
        Compare::Percent if previous > 0.0 => Change {
            value: (current - previous) / previous * 100.0,
            kind: ChangeKind::Percent,
        },
        Compare::Percent => Change {
            value: current - previous,
            kind: ChangeKind::Absolute,
        },
    };
    change.value.is_finite().then_some(change)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn percent(value: f64) -> Option<Change> {
        Some(Change {
            value,
            kind: ChangeKind::Percent,
        })
    }

    fn absolute(value: f64) -> Option<Change> {
        Some(Change {
            value,
            kind: ChangeKind::Absolute,
        })
    }

    #[test]
    fn percent_change() {
        // (120 − 100) / 100 × 100 = +20%
        assert_eq!(
            compare(Some(120.0), Some(100.0), Compare::Percent),
            percent(20.0)
        );
        // (75 − 100) / 100 × 100 = −25%
        assert_eq!(
            compare(Some(75.0), Some(100.0), Compare::Percent),
            percent(-25.0)
        );
    }

    #[test]
    fn a_true_zero_is_a_value() {
        // 0 incidents after 21 is −100%, not 0% and not n/a.
        assert_eq!(
            compare(Some(0.0), Some(21.0), Compare::Percent),
            percent(-100.0)
        );
    }

    #[test]
    fn a_zero_or_negative_base_gives_the_absolute_difference() {
        // 0 → 566: +566 in the metric's unit, never +infinity%.
        assert_eq!(
            compare(Some(566.0), Some(0.0), Compare::Percent),
            absolute(566.0)
        );
        // −2 → +4: 4 − (−2) = +6, not (4 + 2) / −2 × 100 = −300%.
        assert_eq!(
            compare(Some(4.0), Some(-2.0), Compare::Percent),
            absolute(6.0)
        );
        // −100 → −50: +50, not (−50 + 100) / −100 × 100 = −50% (a rise
        // that would read as a fall).
        assert_eq!(
            compare(Some(-50.0), Some(-100.0), Compare::Percent),
            absolute(50.0)
        );
        // −1.5 h → −3 h: −1.5.
        assert_eq!(
            compare(Some(-3.0), Some(-1.5), Compare::Percent),
            absolute(-1.5)
        );
    }

    #[test]
    fn basis_points_for_rates_whatever_the_base() {
        let bps = |current, previous| {
            let change = compare(Some(current), Some(previous), Compare::Bps).unwrap();
            assert_eq!(change.kind, ChangeKind::Bps);
            change.value
        };
        // 93.5% → 95.0%: (0.95 − 0.935) × 10000 = +150 bps (to float precision).
        assert!((bps(0.95, 0.935) - 150.0).abs() < 1e-9);
        // 95% → 80%: (0.80 − 0.95) × 10000 = −1500 bps.
        assert!((bps(0.80, 0.95) + 1500.0).abs() < 1e-9);
        // 0% → 5%: (0.05 − 0) × 10000 = +500 bps; a zero base is a base.
        assert!((bps(0.05, 0.0) - 500.0).abs() < 1e-9);
        // −1% → 2% (a net rate): (0.02 + 0.01) × 10000 = +300 bps.
        assert!((bps(0.02, -0.01) - 300.0).abs() < 1e-9);
    }

    #[test]
    fn a_missing_base_or_value_is_not_applicable() {
        assert_eq!(compare(Some(5.0), None, Compare::Percent), None);
        assert_eq!(compare(None, Some(5.0), Compare::Percent), None);
        assert_eq!(compare(Some(0.05), None, Compare::Bps), None);
        assert_eq!(compare(None, None, Compare::Bps), None);
    }
}

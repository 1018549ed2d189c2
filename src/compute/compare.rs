//! Comparisons between two periods (WoW, YoY, MTD YoY, …).

use crate::load::program::Compare;

/// The change from `previous` to `current`: percent by default,
/// `(current − previous) / previous × 100`; basis points for rates,
/// `(current − previous) × 10000`.
///
/// A missing or zero base gives `None` ("n/a"), never infinity. That holds
/// for basis points too: BRIEF §3 makes a zero base "n/a" for every
/// comparison, so a rate that was 0% has no basis-point change either.
pub fn compare(current: Option<f64>, previous: Option<f64>, how: Compare) -> Option<f64> {
    let (current, previous) = (current?, previous?);
    if previous == 0.0 {
        return None;
    }
    let change = match how {
        Compare::Percent => (current - previous) / previous * 100.0,
        Compare::Bps => (current - previous) * 10_000.0,
    };
    change.is_finite().then_some(change)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_change() {
        // (120 − 100) / 100 × 100 = +20%
        assert_eq!(
            compare(Some(120.0), Some(100.0), Compare::Percent),
            Some(20.0)
        );
        // (75 − 100) / 100 × 100 = −25%
        assert_eq!(
            compare(Some(75.0), Some(100.0), Compare::Percent),
            Some(-25.0)
        );
        // A negative base: (−50 − (−100)) / −100 × 100 = −50%.
        assert_eq!(
            compare(Some(-50.0), Some(-100.0), Compare::Percent),
            Some(-50.0)
        );
    }

    #[test]
    fn a_true_zero_is_a_value() {
        // 0 incidents after 21 is −100%, not 0% and not n/a.
        assert_eq!(
            compare(Some(0.0), Some(21.0), Compare::Percent),
            Some(-100.0)
        );
    }

    #[test]
    fn basis_points_for_rates() {
        // 93.5% → 95.0%: (0.95 − 0.935) × 10000 = +150 bps (to float precision).
        let change = compare(Some(0.95), Some(0.935), Compare::Bps).unwrap();
        assert!((change - 150.0).abs() < 1e-9, "{change}");
        let change = compare(Some(0.80), Some(0.95), Compare::Bps).unwrap();
        assert!((change + 1500.0).abs() < 1e-9, "{change}");
    }

    #[test]
    fn missing_or_zero_base_is_not_applicable() {
        assert_eq!(compare(Some(5.0), Some(0.0), Compare::Percent), None);
        assert_eq!(compare(Some(0.05), Some(0.0), Compare::Bps), None);
        assert_eq!(compare(Some(5.0), None, Compare::Percent), None);
        assert_eq!(compare(None, Some(5.0), Compare::Percent), None);
    }
}

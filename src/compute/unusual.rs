//! Unusual moves, judged with an XmR (process behaviour) chart instead of
//! an arbitrary percentage.

use serde::{Deserialize, Serialize};

/// At least this many of the 12 prior weeks must have values.
pub const MINIMUM_HISTORY: usize = 6;

/// The XmR scaling constant for individual values: 3 / d2 with d2 = 1.128.
pub const SCALING: f64 = 2.66;

/// How far beyond a limit, relative to the size of the numbers, a week must
/// be to count as outside it: float noise is not a move. The same relative
/// tolerance as restatements use.
pub const NOISE: f64 = 1e-9;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "judgement", rename_all = "snake_case")]
pub enum Judgement {
    /// Fewer than 6 of the prior 12 weeks have data: never a false alarm.
    NotEnoughHistory,
    /// The review week has no value to judge.
    NoValue {
        centre: f64,
        lower: f64,
        upper: f64,
    },
    Normal {
        centre: f64,
        lower: f64,
        upper: f64,
    },
    /// Above the upper natural limit.
    UnusuallyHigh {
        centre: f64,
        lower: f64,
        upper: f64,
    },
    /// Below the lower natural limit.
    UnusuallyLow {
        centre: f64,
        lower: f64,
        upper: f64,
    },
}

impl Judgement {
    pub fn is_unusual(&self) -> bool {
        matches!(
            self,
            Judgement::UnusuallyHigh { .. } | Judgement::UnusuallyLow { .. }
        )
    }
}

/// Judges `current` against `history`, the values of the 12 weeks before
/// the review week, oldest first (`None` for weeks without a value).
///
/// The centre line is the mean of the weekly values; the natural limits are
/// centre ± 2.66 × the mean moving range, where a moving range is the
/// absolute change between two consecutive weeks that both have values. A
/// week is unusual when it is beyond a limit by more than float noise
/// ([`NOISE`]), so a perfectly flat history never raises a false alarm.
pub fn judge(history: &[Option<f64>], current: Option<f64>) -> Judgement {
    let values: Vec<f64> = history.iter().flatten().copied().collect();
    let moving_ranges: Vec<f64> = history
        .windows(2)
        .filter_map(|pair| Some((pair[1]? - pair[0]?).abs()))
        .collect();
    if values.len() < MINIMUM_HISTORY || moving_ranges.is_empty() {
        return Judgement::NotEnoughHistory;
    }
    let centre = values.iter().sum::<f64>() / values.len() as f64;
    let mean_range = moving_ranges.iter().sum::<f64>() / moving_ranges.len() as f64;
    let lower = centre - SCALING * mean_range;
    let upper = centre + SCALING * mean_range;
    // The mean of twelve equal weeks is not always that value in floating
    // point (twelve 0.95s average 0.9499999999999998), and with a flat
    // history both limits sit on that mean: a week is outside a limit only
    // beyond float noise, relative to the size of the numbers.
    let noise = |value: f64| {
        NOISE
            * value
                .abs()
                .max(centre.abs())
                .max(lower.abs())
                .max(upper.abs())
    };
    match current {
        None => Judgement::NoValue {
            centre,
            lower,
            upper,
        },
        Some(value) if value > upper + noise(value) => Judgement::UnusuallyHigh {
            centre,
            lower,
            upper,
        },
        Some(value) if value < lower - noise(value) => Judgement::UnusuallyLow {
            centre,
            lower,
            upper,
        },
        Some(_) => Judgement::Normal {
            centre,
            lower,
            upper,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// Twelve weeks alternating 100 and 110: centre 105, every moving
    /// range 10, so the limits are 105 ± 26.6 = 78.4 and 131.6.
    fn history() -> Vec<Option<f64>> {
        (0..12)
            .map(|week| Some(if week % 2 == 0 { 100.0 } else { 110.0 }))
            .collect()
    }

    #[test]
    fn limits_come_from_mean_and_moving_range() {
        let Judgement::Normal {
            centre,
            lower,
            upper,
        } = judge(&history(), Some(120.0))
        else {
            panic!("120 is inside 78.4–131.6");
        };
        assert!(close(centre, 105.0) && close(lower, 78.4) && close(upper, 131.6));
        assert!(judge(&history(), Some(131.7)).is_unusual());
        assert!(matches!(
            judge(&history(), Some(78.0)),
            Judgement::UnusuallyLow { .. }
        ));
        assert!(!judge(&history(), Some(131.6)).is_unusual());
    }

    #[test]
    fn gaps_break_moving_ranges() {
        // Values 10, _, 30, 32, 31, 35, 40 (7 values). Moving ranges only
        // between neighbours: |32−30|=2, |31−32|=1, |35−31|=4, |40−35|=5,
        // mean 3. Centre (10+30+32+31+35+40)/… over 6 values = 178/6.
        let history = vec![
            Some(10.0),
            None,
            Some(30.0),
            Some(32.0),
            Some(31.0),
            Some(35.0),
            Some(40.0),
        ];
        let Judgement::Normal {
            centre,
            lower,
            upper,
        } = judge(&history, Some(30.0))
        else {
            panic!("expected a normal week");
        };
        assert!(close(centre, 178.0 / 6.0));
        assert!(close(upper - centre, 2.66 * 3.0));
        assert!(close(centre - lower, 2.66 * 3.0));
    }

    #[test]
    fn fewer_than_six_weeks_is_not_enough_history() {
        let mut short = vec![None; 7];
        short.extend([Some(1.0), Some(2.0), Some(1.0), Some(2.0), Some(1.0)]);
        assert_eq!(judge(&short, Some(1000.0)), Judgement::NotEnoughHistory);
        // Six values but no two neighbours: no moving range either.
        let scattered = vec![
            Some(1.0),
            None,
            Some(2.0),
            None,
            Some(1.0),
            None,
            Some(2.0),
            None,
            Some(1.0),
            None,
            Some(2.0),
            None,
        ];
        assert_eq!(judge(&scattered, Some(1000.0)), Judgement::NotEnoughHistory);
    }

    #[test]
    fn a_flat_history_is_not_a_false_alarm() {
        // Twelve weeks of 0.95: every moving range is 0, so both limits are
        // the centre, and the float mean of twelve 0.95s is
        // 11.399999999999999 / 12 = 0.9499999999999998, a hair below 0.95.
        // The review week's 0.95 is the same value as every week: normal.
        let flat = vec![Some(0.95); 12];
        assert!(
            matches!(judge(&flat, Some(0.95)), Judgement::Normal { .. }),
            "{:?}",
            judge(&flat, Some(0.95))
        );
        // The other way round: twelve 0.7s average 0.7000000000000001.
        let flat = vec![Some(0.7); 12];
        assert!(
            matches!(judge(&flat, Some(0.7)), Judgement::Normal { .. }),
            "{:?}",
            judge(&flat, Some(0.7))
        );
        // A real move away from a flat line is still outside its limits:
        // 0.71 > 0.7 + 2.66 × 0 and 0.69 < 0.7 − 2.66 × 0.
        assert!(matches!(
            judge(&flat, Some(0.71)),
            Judgement::UnusuallyHigh { .. }
        ));
        assert!(matches!(
            judge(&flat, Some(0.69)),
            Judgement::UnusuallyLow { .. }
        ));
    }

    #[test]
    fn a_missing_review_week_is_not_judged() {
        assert!(matches!(judge(&history(), None), Judgement::NoValue { .. }));
    }
}

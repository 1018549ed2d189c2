//! Numbers as readers see them: by unit, with thousands separators, and
//! changes with an arrow and a sign so colour is never the only signal.

use serde::Serialize;

use crate::load::program::{Better, Compare, Unit, MAX_DECIMALS};

/// How one metric's numbers are written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NumberFormat {
    pub unit: Unit,
    /// Digits after the decimal point; `None` picks a default per unit.
    pub decimals: Option<u8>,
    pub currency: &'static str,
}

impl NumberFormat {
    pub fn new(unit: Unit, decimals: Option<u8>) -> NumberFormat {
        NumberFormat {
            unit,
            decimals,
            currency: "$",
        }
    }

    fn default_decimals(&self, value: f64) -> usize {
        match self.unit {
            Unit::Percent => 1,
            Unit::Hours | Unit::Minutes => 1,
            Unit::Ratio => 2,
            // Whole counts print whole; averages of counts keep one digit.
            Unit::Count | Unit::Currency if value.fract() == 0.0 => 0,
            Unit::Count | Unit::Currency if value.abs() >= 1000.0 => 0,
            Unit::Count | Unit::Currency => 1,
        }
    }

    /// Digits after the decimal point for `shown`. Program files cannot ask
    /// for more than [`MAX_DECIMALS`]; a format built in code is held to it
    /// too (10^256 is infinite, and 255 digits are not a number to read).
    fn decimals(&self, shown: f64) -> usize {
        self.decimals.map_or_else(
            || self.default_decimals(shown),
            |decimals| usize::from(decimals.min(MAX_DECIMALS)),
        )
    }

    /// A value in its unit: `1,234`, `93.7%`, `3.3 h`, `37.7 min`, `$44,001`.
    pub fn value(&self, value: Option<f64>) -> String {
        let Some(value) = value else {
            return "–".to_string();
        };
        let shown = if self.unit == Unit::Percent {
            value * 100.0
        } else {
            value
        };
        let decimals = self.decimals(shown);
        // Whole numbers are most cells of a deck: they skip the general
        // (and much slower) exact decimal formatting, with the same digits.
        let digits = if decimals == 0 && shown.fract() == 0.0 && shown.abs() < 1e15 {
            (shown.abs() as u64).to_string()
        } else {
            format!("{:.*}", decimals, shown.abs())
        };
        let negative = shown < 0.0
            && digits
                .bytes()
                .any(|byte| byte.is_ascii_digit() && byte != b'0');
        let mut text = String::with_capacity(digits.len() + digits.len() / 3 + 8);
        if negative {
            text.push('−');
        }
        if self.unit == Unit::Currency {
            text.push_str(self.currency);
        }
        push_grouped(&mut text, &digits);
        text.push_str(match self.unit {
            Unit::Percent => "%",
            Unit::Hours => " h",
            Unit::Minutes => " min",
            Unit::Currency | Unit::Count | Unit::Ratio => "",
        });
        text
    }

    /// A plain number for chart data labels and tooltips, in the unit's
    /// scale (percent as 93.7, not 0.937).
    pub fn chart_value(&self, value: Option<f64>) -> Option<f64> {
        let value = value?;
        let shown = if self.unit == Unit::Percent {
            value * 100.0
        } else {
            value
        };
        let decimals = self.decimals(shown) as i32 + 1;
        let scale = 10f64.powi(decimals);
        Some((shown * scale).round() / scale)
    }

    /// The unit suffix charts put on their axis.
    pub fn axis_suffix(&self) -> &'static str {
        match self.unit {
            Unit::Percent => "%",
            Unit::Hours => " h",
            Unit::Minutes => " min",
            Unit::Count | Unit::Currency | Unit::Ratio => "",
        }
    }
}

/// Whether a change is good, bad or neither, given the metric's direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Good,
    Bad,
    Neutral,
}

impl Tone {
    /// The CSS class suffix: `delta-good`, ….
    pub fn name(self) -> &'static str {
        match self {
            Tone::Good => "good",
            Tone::Bad => "bad",
            Tone::Neutral => "neutral",
        }
    }
}

/// A formatted change: text such as `▲ +12.3%` and its tone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delta {
    pub text: String,
    pub tone: Tone,
    /// For screen readers: "up 12.3%", "down 150 basis points".
    pub label: String,
}

/// Formats a comparison computed in percent or basis points.
pub fn delta(change: Option<f64>, compare: Compare, better: Better) -> Delta {
    let Some(change) = change else {
        return Delta {
            text: "n/a".to_string(),
            tone: Tone::Neutral,
            label: "not applicable".to_string(),
        };
    };
    let (magnitude, unit, spoken_unit) = match compare {
        Compare::Percent => (format!("{:.1}", change.abs()), "%", "%"),
        Compare::Bps => (format!("{:.0}", change.abs()), " bps", " basis points"),
    };
    let magnitude = {
        let mut grouped = String::with_capacity(magnitude.len() + magnitude.len() / 3);
        push_grouped(&mut grouped, &magnitude);
        grouped
    };
    let is_zero = magnitude.chars().all(|c| !c.is_ascii_digit() || c == '0');
    if is_zero {
        return Delta {
            text: format!("◆ {magnitude}{unit}"),
            tone: Tone::Neutral,
            label: format!("unchanged, {magnitude}{spoken_unit}"),
        };
    }
    let up = change > 0.0;
    let tone = match (better, up) {
        (Better::None, _) => Tone::Neutral,
        (Better::Up, true) | (Better::Down, false) => Tone::Good,
        _ => Tone::Bad,
    };
    Delta {
        text: format!(
            "{} {}{magnitude}{unit}",
            if up { "▲" } else { "▼" },
            if up { "+" } else { "−" }
        ),
        tone,
        label: format!(
            "{} {magnitude}{spoken_unit}",
            if up { "up" } else { "down" }
        ),
    }
}

/// `1234567.89` → `1,234,567.89`.
/// Appends `number` (digits, maybe a fraction) with a comma between each
/// group of three integer digits.
fn push_grouped(text: &mut String, number: &str) {
    let integer = number
        .split_once('.')
        .map_or(number, |(integer, _)| integer);
    for (index, digit) in integer.char_indices() {
        if index > 0 && (integer.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text.push_str(&number[integer.len()..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_by_unit() {
        let count = NumberFormat::new(Unit::Count, None);
        assert_eq!(count.value(Some(1234567.0)), "1,234,567");
        assert_eq!(count.value(Some(0.0)), "0");
        assert_eq!(count.value(Some(12.27)), "12.3");
        assert_eq!(count.value(Some(-1500.0)), "−1,500");
        assert_eq!(count.value(None), "–");
        assert_eq!(
            NumberFormat::new(Unit::Percent, None).value(Some(0.93654)),
            "93.7%"
        );
        assert_eq!(
            NumberFormat::new(Unit::Percent, Some(2)).value(Some(0.0029944)),
            "0.30%"
        );
        assert_eq!(
            NumberFormat::new(Unit::Hours, None).value(Some(3.26)),
            "3.3 h"
        );
        assert_eq!(
            NumberFormat::new(Unit::Minutes, None).value(Some(37.671)),
            "37.7 min"
        );
        assert_eq!(
            NumberFormat::new(Unit::Currency, None).value(Some(44001.0)),
            "$44,001"
        );
        assert_eq!(
            NumberFormat::new(Unit::Ratio, None).value(Some(51.6)),
            "51.60"
        );
        // A negative value that rounds to zero has no sign.
        assert_eq!(
            NumberFormat::new(Unit::Percent, None).value(Some(-0.00001)),
            "0.0%"
        );
    }

    #[test]
    fn whole_numbers_take_the_fast_path_with_the_same_digits() {
        let whole = NumberFormat::new(Unit::Count, Some(0));
        // Expected strings written by hand.
        for (value, expected) in [
            (0.0, "0"),
            (-0.0, "0"),
            (7.0, "7"),
            (999.0, "999"),
            (1000.0, "1,000"),
            (-4500.0, "−4,500"),
            (123_456_789.0, "123,456,789"),
            (999_999_999_999_999.0, "999,999,999,999,999"),
            // Beyond the fast path: the general formatting.
            (1e15, "1,000,000,000,000,000"),
            // Not whole: rounded half to even by the general formatting.
            (2.5, "2"),
            (3.5, "4"),
            (-1234.5, "−1,234"),
        ] {
            assert_eq!(whole.value(Some(value)), expected, "{value}");
        }
        assert_eq!(
            NumberFormat::new(Unit::Currency, None).value(Some(-1_000_000.0)),
            "−$1,000,000"
        );
    }

    #[test]
    fn deltas_carry_arrow_sign_and_tone() {
        let rise = delta(Some(156.5), Compare::Percent, Better::Down);
        assert_eq!(rise.text, "▲ +156.5%");
        assert_eq!(rise.tone, Tone::Bad);
        assert_eq!(rise.label, "up 156.5%");
        let fall = delta(Some(-392.2), Compare::Bps, Better::Up);
        assert_eq!(fall.text, "▼ −392 bps");
        assert_eq!(fall.tone, Tone::Bad);
        assert_eq!(
            delta(Some(-100.0), Compare::Percent, Better::Down).tone,
            Tone::Good
        );
        assert_eq!(
            delta(Some(5.0), Compare::Percent, Better::None).tone,
            Tone::Neutral
        );
        assert_eq!(
            delta(Some(1500.0), Compare::Bps, Better::Up).text,
            "▲ +1,500 bps"
        );
        assert_eq!(
            delta(Some(0.01), Compare::Percent, Better::Up).text,
            "◆ 0.0%"
        );
        assert_eq!(delta(None, Compare::Percent, Better::Up).text, "n/a");
    }

    #[test]
    fn chart_values_are_in_display_scale() {
        assert_eq!(
            NumberFormat::new(Unit::Percent, None).chart_value(Some(0.93654)),
            Some(93.65)
        );
        assert_eq!(
            NumberFormat::new(Unit::Count, None).chart_value(Some(2768.0)),
            Some(2768.0)
        );
        assert_eq!(NumberFormat::new(Unit::Count, None).chart_value(None), None);
    }
}

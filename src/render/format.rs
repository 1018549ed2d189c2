//! Numbers as readers see them: by unit, with thousands separators, and
//! changes with an arrow and a sign so colour is never the only signal.

use std::fmt::Write as _;

use serde::Serialize;

use crate::compute::compare::{Change, ChangeKind};
use crate::load::program::{Better, Unit, MAX_DECIMALS};

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
            Unit::Bps => 0,
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
        let mut text = String::with_capacity(16);
        self.push_value(&mut text, value);
        text
    }

    /// [`NumberFormat::value`] written at the end of `text`: a deck's
    /// tables write thousands of values, and a `String` each was a
    /// measurable share of a build.
    pub fn push_value(&self, text: &mut String, value: Option<f64>) {
        let Some(value) = value else {
            text.push('–');
            return;
        };
        let shown = if self.unit == Unit::Percent {
            value * 100.0
        } else {
            value
        };
        let decimals = self.decimals(shown);
        let start = text.len();
        // Whole numbers are most cells of a deck: they skip the general
        // (and much slower) exact decimal formatting, with the same digits.
        if decimals == 0 && shown.fract() == 0.0 && shown.abs() < 1e15 {
            text.push_str(itoa::Buffer::new().format(shown.abs() as u64));
        } else {
            let _ = write!(text, "{:.*}", decimals, shown.abs());
        }
        let negative = shown < 0.0
            && text[start..]
                .bytes()
                .any(|byte| byte.is_ascii_digit() && byte != b'0');
        group_thousands(text, start);
        text.push_str(match self.unit {
            Unit::Percent => "%",
            Unit::Hours => " h",
            Unit::Minutes => " min",
            Unit::Bps => " bps",
            Unit::Currency | Unit::Count | Unit::Ratio => "",
        });
        if self.unit == Unit::Currency {
            text.insert_str(start, self.currency);
        }
        if negative {
            text.insert(start, '−');
        }
    }

    /// `value` with exactly `decimals` digits after the point.
    pub fn value_with_decimals(&self, value: f64, decimals: u8) -> String {
        NumberFormat {
            decimals: Some(decimals),
            ..*self
        }
        .value(Some(value))
    }

    /// The texts of `value` and of a `limit` it was compared with, with
    /// enough digits to tell them apart: 45 against a limit of 44.96 reads
    /// "45" and "44.96", not "45" and "45.0". Each keeps its usual text when
    /// that already differs from the other's; the value keeps it as well
    /// when it is exact (a whole count).
    pub fn apart(&self, value: f64, limit: f64) -> (String, String) {
        let scale = if self.unit == Unit::Percent {
            100.0
        } else {
            1.0
        };
        let (value_shown, limit_shown) = (value * scale, limit * scale);
        let usual = |shown: f64| {
            self.decimals
                .map_or_else(|| self.default_decimals(shown), usize::from)
        };
        let digits = |shown: f64, decimals: usize| format!("{:.*}", decimals, shown);
        let start = usual(value_shown).max(usual(limit_shown));
        // f64 has about 17 significant digits: more never tell two apart.
        let last = start.max(17);
        let decimals = (start..=last)
            .find(|&decimals| digits(value_shown, decimals) != digits(limit_shown, decimals))
            .unwrap_or(last);
        if decimals == start {
            return (self.value(Some(value)), self.value(Some(limit)));
        }
        let limit_text = self.value_with_decimals(limit, decimals as u8);
        // The value's usual text, read back, is the same number at more
        // digits: it was exact, and stays as it is.
        let usual_value = digits(value_shown, usual(value_shown));
        let exact = usual_value
            .parse::<f64>()
            .is_ok_and(|read| digits(read, decimals) == digits(value_shown, decimals));
        let value_text = if exact {
            self.value(Some(value))
        } else {
            self.value_with_decimals(value, decimals as u8)
        };
        (value_text, limit_text)
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
            Unit::Bps => " bps",
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

/// A formatted change: text such as `▲ +12.3%` and its tone.
#[derive(Debug, Clone, PartialEq)]
pub struct Delta {
    pub text: String,
    pub tone: Tone,
    /// For screen readers: "up 12.3%", "down 150 basis points".
    pub label: String,
}

impl Delta {
    /// Which way the change went, as the class that makes the stylesheet
    /// draw its arrow: `up` (▲), `down` (▼), `flat` (◆); empty for n/a.
    pub fn direction(&self) -> &'static str {
        match self.text.chars().next() {
            Some('▲') => "up",
            Some('▼') => "down",
            Some('◆') => "flat",
            _ => "",
        }
    }

    /// The change without its arrow: `+12.3%`, `−150 bps`, `0.0%`, `n/a`.
    pub fn number(&self) -> &str {
        without_arrow(&self.text)
    }
}

/// A change's text (as [`delta`] writes it) without its arrow.
pub fn without_arrow(text: &str) -> &str {
    ["▲ ", "▼ ", "◆ "]
        .iter()
        .find_map(|arrow| text.strip_prefix(arrow))
        .unwrap_or(text)
}

/// Templates get the arrow and the number apart too (`direction`,
/// `number`): a page draws the arrow with its stylesheet, the e-mail
/// digest, which mail clients show without one, writes `text`.
impl Serialize for Delta {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut delta = serializer.serialize_struct("Delta", 5)?;
        delta.serialize_field("text", &self.text)?;
        delta.serialize_field("tone", &self.tone)?;
        delta.serialize_field("label", &self.label)?;
        delta.serialize_field("direction", self.direction())?;
        delta.serialize_field("number", self.number())?;
        delta.end()
    }
}

/// Formats a change: in percent, in basis points, or as the absolute
/// difference in the metric's unit as `format` writes it (`+12`, `+1.5 h`,
/// `+$1,200`; percentage points, `+5.0 pp`, for a `percent` metric, whose
/// values are fractions). Its tone follows `better` whatever its kind.
pub fn delta(change: Option<Change>, format: &NumberFormat, better: Better) -> Delta {
    let Some(Change {
        value: change,
        kind,
    }) = change
    else {
        return Delta {
            text: "n/a".to_string(),
            tone: Tone::Neutral,
            label: "not applicable".to_string(),
        };
    };
    let grouped = |digits: String| {
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        push_grouped(&mut grouped, &digits);
        grouped
    };
    let (magnitude, unit, spoken_unit) = match kind {
        ChangeKind::Percent => (grouped(format!("{:.1}", change.abs())), "%", "%"),
        ChangeKind::Bps => (
            grouped(format!("{:.0}", change.abs())),
            " bps",
            " basis points",
        ),
        ChangeKind::Absolute if format.unit == Unit::Percent => (
            grouped(format!(
                "{:.*}",
                format.decimals.map_or(1, usize::from),
                change.abs() * 100.0
            )),
            " pp",
            " percentage points",
        ),
        // The value's own text carries its unit (`1.5 h`, `$1,200`).
        ChangeKind::Absolute => (format.value(Some(change.abs())), "", ""),
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
pub fn push_grouped(text: &mut String, number: &str) {
    let start = text.len();
    text.push_str(number);
    group_thousands(text, start);
}

/// Puts thousands separators into the number at `text[start..]` (digits,
/// then perhaps a point and more digits).
fn group_thousands(text: &mut String, start: usize) {
    let integer_end = text[start..]
        .find('.')
        .map_or(text.len(), |point| start + point);
    // From the right, so that each comma leaves the positions before it.
    let mut comma = integer_end;
    while comma > start + 3 {
        comma -= 3;
        text.insert(comma, ',');
    }
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

    fn change(value: f64, kind: ChangeKind) -> Option<Change> {
        Some(Change { value, kind })
    }

    #[test]
    fn deltas_carry_arrow_sign_and_tone() {
        let count = NumberFormat::new(Unit::Count, None);
        let rise = delta(change(156.5, ChangeKind::Percent), &count, Better::Down);
        assert_eq!(rise.text, "▲ +156.5%");
        assert_eq!(rise.tone, Tone::Bad);
        assert_eq!(rise.label, "up 156.5%");
        let fall = delta(change(-392.2, ChangeKind::Bps), &count, Better::Up);
        assert_eq!(fall.text, "▼ −392 bps");
        assert_eq!(fall.tone, Tone::Bad);
        assert_eq!(
            delta(change(-100.0, ChangeKind::Percent), &count, Better::Down).tone,
            Tone::Good
        );
        assert_eq!(
            delta(change(5.0, ChangeKind::Percent), &count, Better::None).tone,
            Tone::Neutral
        );
        assert_eq!(
            delta(change(1500.0, ChangeKind::Bps), &count, Better::Up).text,
            "▲ +1,500 bps"
        );
        assert_eq!(
            delta(change(0.01, ChangeKind::Percent), &count, Better::Up).text,
            "◆ 0.0%"
        );
        assert_eq!(delta(None, &count, Better::Up).text, "n/a");
    }

    #[test]
    fn a_delta_splits_into_its_direction_and_signed_number() {
        let count = NumberFormat::new(Unit::Count, None);
        let hours = NumberFormat::new(Unit::Hours, None);
        let percent = NumberFormat::new(Unit::Percent, None);
        for (delta, direction, number) in [
            (
                delta(change(1.4, ChangeKind::Percent), &count, Better::Up),
                "up",
                "+1.4%",
            ),
            (
                delta(change(-2.0, ChangeKind::Percent), &count, Better::Up),
                "down",
                "−2.0%",
            ),
            (
                delta(change(6.0, ChangeKind::Bps), &count, Better::Up),
                "up",
                "+6 bps",
            ),
            (
                delta(change(-1.5, ChangeKind::Absolute), &hours, Better::Up),
                "down",
                "−1.5 h",
            ),
            (
                delta(change(0.05, ChangeKind::Absolute), &percent, Better::Up),
                "up",
                "+5.0 pp",
            ),
            (
                delta(change(0.0, ChangeKind::Bps), &count, Better::Up),
                "flat",
                "0 bps",
            ),
            (delta(None, &count, Better::Up), "", "n/a"),
        ] {
            assert_eq!(
                (delta.direction(), delta.number()),
                (direction, number),
                "{delta:?}"
            );
        }
        // Templates get both, next to the text with its arrow (which the
        // e-mail digest, read without a stylesheet, shows).
        let json =
            serde_json::to_value(delta(change(-2.0, ChangeKind::Percent), &count, Better::Up))
                .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"text": "▼ −2.0%", "tone": "bad", "label": "down 2.0%", "direction": "down", "number": "−2.0%"})
        );
    }

    #[test]
    fn absolute_differences_are_in_the_metrics_unit_never_percent() {
        // Reported minus resolved, −2 → +4: +6 incidents, bad when down is
        // better.
        let count = NumberFormat::new(Unit::Count, None);
        let rise = delta(change(6.0, ChangeKind::Absolute), &count, Better::Down);
        assert_eq!(rise.text, "▲ +6");
        assert_eq!(rise.label, "up 6");
        assert_eq!(rise.tone, Tone::Bad);
        // 0 → 56,600 reads +56,600, not +56,600.0%.
        assert_eq!(
            delta(change(56_600.0, ChangeKind::Absolute), &count, Better::Up).text,
            "▲ +56,600"
        );
        // A fall of 1.5 hours is good when lower is better.
        let hours = NumberFormat::new(Unit::Hours, None);
        let fall = delta(change(-1.5, ChangeKind::Absolute), &hours, Better::Down);
        assert_eq!(fall.text, "▼ −1.5 h");
        assert_eq!(fall.label, "down 1.5 h");
        assert_eq!(fall.tone, Tone::Good);
        let money = NumberFormat::new(Unit::Currency, None);
        assert_eq!(
            delta(change(-1200.0, ChangeKind::Absolute), &money, Better::Up).text,
            "▼ −$1,200"
        );
        // A percent metric's values are fractions: 0% → 5% is +5.0
        // percentage points (0.05 × 100).
        let percent = NumberFormat::new(Unit::Percent, None);
        let points = delta(change(0.05, ChangeKind::Absolute), &percent, Better::Up);
        assert_eq!(points.text, "▲ +5.0 pp");
        assert_eq!(points.label, "up 5.0 percentage points");
        assert_eq!(points.tone, Tone::Good);
        // No change is no change, in any unit.
        let none = delta(change(0.0, ChangeKind::Absolute), &hours, Better::Down);
        assert_eq!((none.text.as_str(), none.tone), ("◆ 0.0 h", Tone::Neutral));
    }

    #[test]
    fn a_value_and_its_limit_get_enough_digits_to_differ() {
        let count = NumberFormat::new(Unit::Count, None);
        // 45 and 44.9632 read "45" and "45.0" (one decimal for a count that
        // is not whole): the same number. Two decimals tell them apart, and
        // 45, a whole count, keeps its text.
        assert_eq!(
            count.apart(45.0, 44.9632),
            ("45".to_string(), "44.96".to_string())
        );
        // 45.03 is "45.0" too: it gets the two decimals as well.
        assert_eq!(
            count.apart(45.03, 45.01),
            ("45.03".to_string(), "45.01".to_string())
        );
        // Texts that already differ stay as they are.
        assert_eq!(
            count.apart(17.0, 16.836),
            ("17".to_string(), "16.8".to_string())
        );
        // Percent: 95.04% and 95.01% both read "95.0%" with one decimal.
        let percent = NumberFormat::new(Unit::Percent, None);
        assert_eq!(
            percent.apart(0.9504, 0.9501),
            ("95.04%".to_string(), "95.01%".to_string())
        );
        // As many digits as it takes: 2.0001 h against 2.00004 h.
        let hours = NumberFormat::new(Unit::Hours, None);
        assert_eq!(
            hours.apart(2.0001, 2.00004),
            ("2.0001 h".to_string(), "2.0000 h".to_string())
        );
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

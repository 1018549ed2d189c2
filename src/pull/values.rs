//! PostgreSQL values as the CSV text sitrep reads: ISO dates and
//! timestamps, numbers as plain decimals (never exponents), NULL as an
//! empty cell. Values arrive in PostgreSQL's binary format.

use postgres::types::{FromSql, Kind, Type};

/// Days from 1970-01-01 (Unix) to 2000-01-01 (PostgreSQL's epoch).
const POSTGRES_EPOCH_DAYS: i64 = 10_957;

/// Whether a column of type `ty` can be written to CSV.
pub fn supported(ty: &Type) -> bool {
    match ty.kind() {
        Kind::Enum(_) => true,
        Kind::Domain(inner) => supported(inner),
        _ => {
            matches!(
                *ty,
                Type::BOOL
                    | Type::INT2
                    | Type::INT4
                    | Type::INT8
                    | Type::OID
                    | Type::FLOAT4
                    | Type::FLOAT8
                    | Type::NUMERIC
                    | Type::TEXT
                    | Type::VARCHAR
                    | Type::BPCHAR
                    | Type::NAME
                    | Type::CHAR
                    | Type::UNKNOWN
                    | Type::DATE
                    | Type::TIMESTAMP
                    | Type::TIMESTAMPTZ
                    | Type::UUID
            ) || ty.name() == "citext"
        }
    }
}

/// One cell of a result: its CSV text, empty for NULL.
pub struct Cell(pub String);

impl<'a> FromSql<'a> for Cell {
    fn from_sql(
        ty: &Type,
        raw: &'a [u8],
    ) -> Result<Cell, Box<dyn std::error::Error + Sync + Send>> {
        format(ty, raw).map(Cell)
    }

    fn from_sql_null(_: &Type) -> Result<Cell, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Cell(String::new()))
    }

    fn accepts(ty: &Type) -> bool {
        supported(ty)
    }
}

type Failure = Box<dyn std::error::Error + Sync + Send>;

fn format(ty: &Type, raw: &[u8]) -> Result<String, Failure> {
    if let Kind::Domain(inner) = ty.kind() {
        return format(inner, raw);
    }
    if let Kind::Enum(_) = ty.kind() {
        return Ok(std::str::from_utf8(raw)?.to_string());
    }
    Ok(match *ty {
        Type::BOOL => bool::from_sql(ty, raw)?.to_string(),
        Type::INT2 => i16::from_sql(ty, raw)?.to_string(),
        Type::INT4 => i32::from_sql(ty, raw)?.to_string(),
        Type::INT8 => i64::from_sql(ty, raw)?.to_string(),
        Type::OID => u32::from_sql(ty, raw)?.to_string(),
        Type::FLOAT4 => {
            let value = f32::from_sql(ty, raw)?;
            finite(value.is_finite(), value)?
        }
        Type::FLOAT8 => {
            let value = f64::from_sql(ty, raw)?;
            finite(value.is_finite(), value)?
        }
        Type::NUMERIC => numeric(raw)?,
        Type::CHAR => (raw.first().copied().unwrap_or(0) as char).to_string(),
        Type::DATE => date(i32::from_sql(&Type::INT4, raw)?)?.to_string(),
        Type::TIMESTAMP => {
            let micros = i64::from_sql(&Type::INT8, raw)?;
            let (days, micros_of_day) = (
                micros.div_euclid(86_400_000_000),
                micros.rem_euclid(86_400_000_000),
            );
            let day = date(i32::try_from(days).map_err(|_| "the timestamp is out of range")?)?;
            let time = jiff::civil::Time::MIN
                .checked_add(jiff::SignedDuration::from_micros(micros_of_day))
                .map_err(|_| "the timestamp is out of range")?;
            day.to_datetime(time).to_string()
        }
        Type::TIMESTAMPTZ => {
            let micros = i64::from_sql(&Type::INT8, raw)?;
            if micros == i64::MAX || micros == i64::MIN {
                return Err("the timestamp is infinite".into());
            }
            jiff::Timestamp::from_microsecond(micros + POSTGRES_EPOCH_DAYS * 86_400_000_000)
                .map_err(|_| "the timestamp is out of range")?
                .to_string()
        }
        Type::UUID => {
            let hex: String = raw.iter().map(|byte| format!("{byte:02x}")).collect();
            if hex.len() != 32 {
                return Err("not a UUID".into());
            }
            format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..]
            )
        }
        _ => std::str::from_utf8(raw)?.to_string(),
    })
}

fn finite(is_finite: bool, value: impl ToString) -> Result<String, Failure> {
    if is_finite {
        // Rust prints floats as plain decimals, shortest round trip.
        Ok(value.to_string())
    } else {
        Err(format!("`{}` is not a number sitrep can read", value.to_string()).into())
    }
}

fn date(days: i32) -> Result<jiff::civil::Date, Failure> {
    if days == i32::MAX || days == i32::MIN {
        return Err("the date is infinite".into());
    }
    jiff::civil::date(2000, 1, 1)
        .checked_add(jiff::Span::new().days(i64::from(days)))
        .map_err(|_| "the date is out of range".into())
}

/// PostgreSQL's binary NUMERIC: digit count, weight (of the first base
/// 10000 digit), sign, display scale, then the base-10000 digits. Written
/// as PostgreSQL writes it as text: all the scale's decimals, no exponent.
fn numeric(raw: &[u8]) -> Result<String, Failure> {
    let word = |index: usize| -> Result<u16, Failure> {
        raw.get(index * 2..index * 2 + 2)
            .map(|bytes| u16::from_be_bytes([bytes[0], bytes[1]]))
            .ok_or_else(|| "a truncated numeric value".into())
    };
    let count = word(0)? as usize;
    let weight = word(1)? as i16 as i64;
    let sign = word(2)?;
    let scale = word(3)? as usize;
    match sign {
        0x0000 | 0x4000 => {}
        0xC000 => return Err("`NaN` is not a number sitrep can read".into()),
        _ => return Err("an infinite number is not a number sitrep can read".into()),
    }
    let digit = |index: i64| -> Result<u16, Failure> {
        if index < 0 || index as usize >= count {
            Ok(0)
        } else {
            word(4 + index as usize)
        }
    };
    let mut text = String::new();
    if sign == 0x4000 {
        text.push('-');
    }
    if weight < 0 {
        text.push('0');
    } else {
        for index in 0..=weight {
            let value = digit(index)?;
            if index == 0 {
                text.push_str(&value.to_string());
            } else {
                text.push_str(&format!("{value:04}"));
            }
        }
    }
    if scale > 0 {
        text.push('.');
        let mut decimals = String::new();
        let mut index = weight + 1;
        while decimals.len() < scale {
            decimals.push_str(&format!("{:04}", digit(index)?));
            index += 1;
        }
        decimals.truncate(scale);
        text.push_str(&decimals);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_bytes(weight: i16, sign: u16, scale: u16, digits: &[u16]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for word in [digits.len() as u16, weight as u16, sign, scale]
            .into_iter()
            .chain(digits.iter().copied())
        {
            bytes.extend_from_slice(&word.to_be_bytes());
        }
        bytes
    }

    #[test]
    fn numerics_are_plain_decimals_with_their_scale() {
        // 16673 = 1·10000 + 6673: weight 1, digits [1, 6673].
        assert_eq!(
            numeric(&numeric_bytes(1, 0, 0, &[1, 6673])).unwrap(),
            "16673"
        );
        // 42.70 = 42 + 7000/10000, scale 2.
        assert_eq!(
            numeric(&numeric_bytes(0, 0, 2, &[42, 7000])).unwrap(),
            "42.70"
        );
        // -0.0005 = -5/10000: weight -1, digits [5], scale 4.
        assert_eq!(
            numeric(&numeric_bytes(-1, 0x4000, 4, &[5])).unwrap(),
            "-0.0005"
        );
        // 0.000012 = 12/10^6: weight -2 (first digit is the 10^-8 place
        // group 0012·10^-8 … written as [1200] at weight -2), scale 6.
        assert_eq!(
            numeric(&numeric_bytes(-2, 0, 6, &[1200])).unwrap(),
            "0.000012"
        );
        // 10^12 with trailing zero groups left out: weight 3, digits [1].
        assert_eq!(
            numeric(&numeric_bytes(3, 0, 0, &[1])).unwrap(),
            "1000000000000"
        );
        assert_eq!(numeric(&numeric_bytes(0, 0, 0, &[])).unwrap(), "0");
        assert!(numeric(&numeric_bytes(0, 0xC000, 0, &[])).is_err());
    }

    #[test]
    fn dates_timestamps_and_floats_are_iso_and_plain() {
        // 2000-01-01 is day 0; 2026-11-22 is 9822 days later.
        assert_eq!(
            format(&Type::DATE, &9822i32.to_be_bytes()).unwrap(),
            "2026-11-22"
        );
        assert_eq!(
            format(&Type::DATE, &(-1i32).to_be_bytes()).unwrap(),
            "1999-12-31"
        );
        // 9822 days and 9.5 hours in microseconds.
        let micros: i64 = 9822 * 86_400_000_000 + 34_200_000_000;
        assert_eq!(
            format(&Type::TIMESTAMP, &micros.to_be_bytes()).unwrap(),
            "2026-11-22T09:30:00"
        );
        assert_eq!(
            format(&Type::TIMESTAMPTZ, &micros.to_be_bytes()).unwrap(),
            "2026-11-22T09:30:00Z"
        );
        assert_eq!(
            format(&Type::FLOAT8, &1e21f64.to_be_bytes()).unwrap(),
            "1000000000000000000000"
        );
        assert_eq!(format(&Type::FLOAT4, &0.1f32.to_be_bytes()).unwrap(), "0.1");
        assert!(format(&Type::FLOAT8, &f64::NAN.to_be_bytes()).is_err());
        assert!(!supported(&Type::INTERVAL));
        assert!(!supported(&Type::JSONB));
    }
}

//! The review calendar: weeks ending on a configured weekday, calendar
//! months, fiscal quarters and years, and the prior-year rules of BRIEF §3.
//!
//! Every period is a closed range of civil dates (`start..=end`); no time
//! zones are involved anywhere, because a WBR day is a reporting day.

use std::fmt;

use jiff::civil::{Date, ISOWeekDate, Weekday};
use jiff::ToSpan;

/// The earliest and latest dates sitrep accepts. Keeping inputs inside this
/// range means date arithmetic (a year back, a few weeks forward) can never
/// overflow the calendar.
pub const EARLIEST_DATE: Date = jiff::civil::date(1900, 1, 1);
pub const LATEST_DATE: Date = jiff::civil::date(2199, 12, 31);

/// Adds (or with a negative `days`, subtracts) whole days.
///
/// Panics only outside jiff's supported range (years -9999..=9999), which
/// inputs bounded by [`EARLIEST_DATE`] and [`LATEST_DATE`] never reach.
pub fn add_days(date: Date, days: i64) -> Date {
    from_day_number(day_number(date) + days)
}

/// The same calendar date one year earlier; 29 February becomes 28 February.
pub fn one_year_earlier(date: Date) -> Date {
    date.checked_sub(1.year())
        .expect("dates are bounded well inside jiff's range")
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    day_number(to) - day_number(from)
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`). Date
/// arithmetic is the engine's innermost loop; this is plain integer
/// arithmetic where a calendar span would allocate and validate.
pub fn day_number(date: Date) -> i64 {
    let (year, month, day) = (
        i64::from(date.year()),
        i64::from(date.month()),
        i64::from(date.day()),
    );
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` days after 1970-01-01 (Hinnant's `civil_from_days`).
///
/// Panics outside jiff's supported years (-9999..=9999), which inputs
/// bounded by [`EARLIEST_DATE`] and [`LATEST_DATE`] never reach.
pub fn from_day_number(days: i64) -> Date {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    Date::new(year as i16, month as i8, day as i8)
        .expect("dates are bounded well inside jiff's range")
}

/// A closed range of dates, `start..=end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub start: Date,
    pub end: Date,
}

impl Period {
    pub fn new(start: Date, end: Date) -> Period {
        debug_assert!(start <= end, "{start} > {end}");
        Period { start, end }
    }

    /// The calendar month containing `date`.
    pub fn month_of(date: Date) -> Period {
        Period::new(date.first_of_month(), date.last_of_month())
    }

    pub fn day_count(&self) -> i64 {
        days_between(self.start, self.end) + 1
    }

    /// The same period shifted by whole days (weeks use 364 days for the
    /// prior year, so that weekdays line up).
    pub fn shifted_days(&self, days: i64) -> Period {
        Period::new(add_days(self.start, days), add_days(self.end, days))
    }

    /// The same calendar dates one year earlier (months, MTD, QTD, YTD).
    pub fn one_year_earlier(&self) -> Period {
        Period::new(one_year_earlier(self.start), one_year_earlier(self.end))
    }

    /// `YYYY-MM` of the start date, the label of a calendar month. Every
    /// month of every metric of every version has one: written digit by
    /// digit, without the general formatting machinery.
    pub fn month_label(&self) -> String {
        let (year, month) = (self.start.year(), self.start.month());
        match IsoDigits::new(year, month, None) {
            Some(digits) => digits.as_str().to_string(),
            None => format!("{year:04}-{month:02}"),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// The site's calendar settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    /// The last day of every week (Sunday: ISO weeks, Monday–Sunday).
    pub week_ends_on: Weekday,
    /// The last month of the fiscal year, 1–12 (12: fiscal = calendar year).
    pub fiscal_year_end_month: i8,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar {
            week_ends_on: Weekday::Sunday,
            fiscal_year_end_month: 12,
        }
    }
}

/// A review week: the version of the site built for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReviewWeek {
    /// `2026-W47` on ISO calendars, the end date `2026-11-21` otherwise.
    pub id: String,
    pub week: Period,
}

impl PartialOrd for ReviewWeek {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ReviewWeek {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.week.cmp(&other.week)
    }
}

impl Calendar {
    pub fn is_iso(&self) -> bool {
        self.week_ends_on == Weekday::Sunday
    }

    /// The week that contains `date`.
    pub fn week_of(&self, date: Date) -> Period {
        let end = add_days(date, i64::from(date.weekday().until(self.week_ends_on)));
        Period::new(add_days(end, -6), end)
    }

    /// The week `weeks` weeks before (negative: after) `week`.
    pub fn weeks_before(&self, week: Period, weeks: i64) -> Period {
        week.shifted_days(-7 * weeks)
    }

    /// The same week one year earlier: 52 weeks (364 days) back, so that
    /// Mondays compare with Mondays.
    pub fn prior_year_week(&self, week: Period) -> Period {
        week.shifted_days(-364)
    }

    pub fn review_week(&self, week: Period) -> ReviewWeek {
        let id = if self.is_iso() {
            let iso = week.end.iso_week_date();
            format!("{:04}-W{:02}", iso.year(), iso.week())
        } else {
            week.end.to_string()
        };
        ReviewWeek { id, week }
    }

    /// Parses a week id of this calendar: `2026-W47` for ISO weeks, the
    /// week's end date `2026-11-21` otherwise.
    pub fn parse_week_id(&self, id: &str) -> Result<ReviewWeek, String> {
        if self.is_iso() {
            let parsed = id
                .split_once("-W")
                .and_then(|(year, week)| {
                    let digits = |text: &str| text.bytes().all(|byte| byte.is_ascii_digit());
                    let valid = year.len() == 4 && week.len() == 2 && digits(year) && digits(week);
                    let year: i16 = year.parse().ok().filter(|_| valid)?;
                    let week: i8 = week.parse().ok()?;
                    Some((year, week))
                })
                .ok_or_else(|| {
                    format!("`{id}` is not an ISO week id; name review folders like `2026-W47`")
                })?;
            let end = ISOWeekDate::new(parsed.0, parsed.1, Weekday::Sunday)
                .map_err(|_| format!("`{id}`: {} has no week {}", parsed.0, parsed.1))?
                .date();
            check_in_range(end)?;
            return Ok(self.review_week(self.week_of(end)));
        }
        let end = parse_iso_date(id).ok_or_else(|| {
            format!(
                "`{id}` is not a week id; with weeks ending on {}, name review folders by the week's end date, like `2026-11-21`",
                weekday_name(self.week_ends_on)
            )
        })?;
        check_in_range(end)?;
        if end.weekday() != self.week_ends_on {
            return Err(format!(
                "`{id}` is a {}, but weeks end on {}; use the week's last day",
                weekday_name(end.weekday()),
                weekday_name(self.week_ends_on)
            ));
        }
        Ok(self.review_week(self.week_of(end)))
    }

    /// The first month of the fiscal year, 1–12.
    pub fn fiscal_year_start_month(&self) -> i8 {
        self.fiscal_year_end_month % 12 + 1
    }

    /// The first day of the fiscal year containing `date`.
    pub fn fiscal_year_start(&self, date: Date) -> Date {
        self.fiscal_block_start(date, 12)
    }

    /// The first day of the fiscal quarter containing `date`.
    pub fn fiscal_quarter_start(&self, date: Date) -> Date {
        self.fiscal_block_start(date, 3)
    }

    /// Fiscal quarters and years are blocks of `months` months counted from
    /// the fiscal year's first month.
    fn fiscal_block_start(&self, date: Date, months: i32) -> Date {
        let start_month = i32::from(self.fiscal_year_start_month());
        let months_into_year = (i32::from(date.month()) - start_month).rem_euclid(12);
        let months_back = months_into_year % months;
        let month_index = i32::from(date.year()) * 12 + i32::from(date.month()) - 1 - months_back;
        jiff::civil::date(
            (month_index.div_euclid(12)) as i16,
            (month_index.rem_euclid(12) + 1) as i8,
            1,
        )
    }

    /// Month to date, quarter to date and year to date as of `date`.
    pub fn month_to_date(&self, date: Date) -> Period {
        Period::new(date.first_of_month(), date)
    }

    pub fn quarter_to_date(&self, date: Date) -> Period {
        Period::new(self.fiscal_quarter_start(date), date)
    }

    pub fn year_to_date(&self, date: Date) -> Period {
        Period::new(self.fiscal_year_start(date), date)
    }

    /// The 12 complete calendar months up to `as_of`, oldest first. The month
    /// containing `as_of` counts only when `as_of` is its last day.
    pub fn trailing_twelve_months(&self, as_of: Date) -> Vec<Period> {
        let last = if as_of == as_of.last_of_month() {
            Period::month_of(as_of)
        } else {
            Period::month_of(add_days(as_of.first_of_month(), -1))
        };
        let mut months = vec![last];
        for _ in 1..12 {
            let previous = Period::month_of(add_days(months[months.len() - 1].start, -1));
            months.push(previous);
        }
        months.reverse();
        months
    }

    /// The 12 months of the fiscal year containing `as_of`, in order.
    pub fn fiscal_year_months(&self, as_of: Date) -> Vec<Period> {
        let mut month = Period::month_of(self.fiscal_year_start(as_of));
        let mut months = Vec::with_capacity(12);
        for _ in 0..12 {
            months.push(month);
            month = Period::month_of(add_days(month.end, 1));
        }
        months
    }
}

fn check_in_range(date: Date) -> Result<(), String> {
    if (EARLIEST_DATE..=LATEST_DATE).contains(&date) {
        Ok(())
    } else {
        Err(format!(
            "{date} is outside the dates sitrep supports ({EARLIEST_DATE} to {LATEST_DATE})"
        ))
    }
}

/// `YYYY-MM-DD` (or `YYYY-MM` without a day), as jiff writes a date,
/// written digit by digit: every version's `data.json` and pages have
/// thousands of dates and month labels, and the general formatting
/// machinery was a measurable share of a build.
pub struct IsoDigits {
    bytes: [u8; 10],
    len: usize,
}

impl IsoDigits {
    /// The digits of a year from 0 to 9999 (`None` for others, which
    /// the general machinery writes with their sign or fifth digit).
    pub fn new(year: i16, month: i8, day: Option<i8>) -> Option<IsoDigits> {
        if !(0..=9999).contains(&year) {
            return None;
        }
        let digit = |value: i16| b'0' + (value % 10) as u8;
        let month = i16::from(month);
        let len = if day.is_some() { 10 } else { 7 };
        let day = day.map_or(0, i16::from);
        let bytes = [
            digit(year / 1000),
            digit(year / 100),
            digit(year / 10),
            digit(year),
            b'-',
            digit(month / 10),
            digit(month),
            b'-',
            digit(day / 10),
            digit(day),
        ];
        Some(IsoDigits { bytes, len })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).expect("ASCII digits")
    }
}

/// Parses exactly `YYYY-MM-DD`.
pub fn parse_iso_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: i16 = text[0..4].parse().ok()?;
    let month: i8 = text[5..7].parse().ok()?;
    let day: i8 = text[8..10].parse().ok()?;
    Date::new(year, month, day).ok()
}

pub fn weekday_name(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

/// Parses a weekday name in any case, full or three-letter.
pub fn parse_weekday(text: &str) -> Option<Weekday> {
    let lower = text.trim().to_ascii_lowercase();
    [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ]
    .into_iter()
    .find(|weekday| {
        let name = weekday_name(*weekday).to_ascii_lowercase();
        lower == name || lower == name[..3]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn iso() -> Calendar {
        Calendar::default()
    }

    fn period(start: Date, end: Date) -> Period {
        Period::new(start, end)
    }

    #[test]
    fn iso_week_runs_monday_to_sunday() {
        // 2026-11-18 is a Wednesday in ISO week 47 (Mon 16 – Sun 22 November).
        let week = iso().week_of(date(2026, 11, 18));
        assert_eq!(week, period(date(2026, 11, 16), date(2026, 11, 22)));
        assert_eq!(iso().review_week(week).id, "2026-W47");
        // The week's own Sunday belongs to it, the next Monday does not.
        assert_eq!(iso().week_of(date(2026, 11, 22)), week);
        assert_eq!(iso().week_of(date(2026, 11, 23)).start, date(2026, 11, 23));
    }

    #[test]
    fn year_2026_has_an_iso_week_53() {
        // 1 January 2026 is a Thursday, so 2026 has 53 ISO weeks; week 53
        // runs Mon 28 Dec 2026 – Sun 3 Jan 2027 and belongs to 2026.
        let week53 = iso().parse_week_id("2026-W53").unwrap();
        assert_eq!(week53.week, period(date(2026, 12, 28), date(2027, 1, 3)));
        assert_eq!(week53.id, "2026-W53");
        assert_eq!(
            iso().review_week(iso().week_of(date(2027, 1, 1))).id,
            "2026-W53"
        );
        // The week after is 2027-W01.
        let next = iso().weeks_before(week53.week, -1);
        assert_eq!(iso().review_week(next).id, "2027-W01");
        assert_eq!(next, period(date(2027, 1, 4), date(2027, 1, 10)));
        // 2025 has no week 53.
        assert!(iso().parse_week_id("2025-W53").is_err());
    }

    #[test]
    fn week_spanning_a_year_boundary() {
        // ISO 2025-W01 runs Mon 30 Dec 2024 – Sun 5 Jan 2025.
        let week = iso().parse_week_id("2025-W01").unwrap();
        assert_eq!(week.week, period(date(2024, 12, 30), date(2025, 1, 5)));
        assert_eq!(
            iso().review_week(iso().week_of(date(2024, 12, 31))).id,
            "2025-W01"
        );
    }

    #[test]
    fn week_ids_are_validated() {
        assert!(iso().parse_week_id("2026-47").is_err());
        assert!(iso().parse_week_id("2026-W00").is_err());
        assert!(iso().parse_week_id("2026-W7").is_err());
        assert!(iso().parse_week_id("2026-W+8").is_err());
        assert!(iso().parse_week_id("+026-W08").is_err());
        assert!(iso().parse_week_id("../etc").is_err());
        assert!(iso().parse_week_id("2026-11-22").is_err());
    }

    #[test]
    fn weeks_ending_saturday_use_the_end_date_as_id() {
        let calendar = Calendar {
            week_ends_on: Weekday::Saturday,
            fiscal_year_end_month: 12,
        };
        // Wednesday 18 Nov 2026 is in the week Sun 15 – Sat 21 Nov.
        let week = calendar.week_of(date(2026, 11, 18));
        assert_eq!(week, period(date(2026, 11, 15), date(2026, 11, 21)));
        assert_eq!(calendar.review_week(week).id, "2026-11-21");
        assert_eq!(calendar.parse_week_id("2026-11-21").unwrap().week, week);
        let error = calendar.parse_week_id("2026-11-22").unwrap_err();
        assert!(
            error.contains("is a Sunday, but weeks end on Saturday"),
            "{error}"
        );
    }

    #[test]
    fn prior_year_week_is_364_days_back() {
        // W47 2026 (16–22 Nov) → 17–23 Nov 2025, Monday to Sunday again.
        let week = period(date(2026, 11, 16), date(2026, 11, 22));
        let prior = iso().prior_year_week(week);
        assert_eq!(prior, period(date(2025, 11, 17), date(2025, 11, 23)));
        assert_eq!(prior.start.weekday(), Weekday::Monday);
    }

    #[test]
    fn prior_year_of_a_leap_day_is_28_february() {
        assert_eq!(one_year_earlier(date(2028, 2, 29)), date(2027, 2, 28));
        // MTD as of 29 Feb 2028 compares with 1–28 Feb 2027.
        let mtd = iso().month_to_date(date(2028, 2, 29));
        assert_eq!(
            mtd.one_year_earlier(),
            period(date(2027, 2, 1), date(2027, 2, 28))
        );
    }

    #[test]
    fn fiscal_periods_with_a_december_year_end() {
        let calendar = iso();
        assert_eq!(
            calendar.fiscal_year_start(date(2026, 11, 22)),
            date(2026, 1, 1)
        );
        assert_eq!(
            calendar.fiscal_quarter_start(date(2026, 11, 22)),
            date(2026, 10, 1)
        );
        assert_eq!(
            calendar.fiscal_quarter_start(date(2026, 3, 31)),
            date(2026, 1, 1)
        );
        assert_eq!(
            calendar.year_to_date(date(2026, 11, 22)),
            period(date(2026, 1, 1), date(2026, 11, 22))
        );
    }

    #[test]
    fn fiscal_year_ending_in_february() {
        // FY runs March–February; quarters Mar–May, Jun–Aug, Sep–Nov, Dec–Feb.
        let calendar = Calendar {
            week_ends_on: Weekday::Sunday,
            fiscal_year_end_month: 2,
        };
        assert_eq!(calendar.fiscal_year_start_month(), 3);
        assert_eq!(
            calendar.fiscal_year_start(date(2026, 11, 22)),
            date(2026, 3, 1)
        );
        assert_eq!(
            calendar.fiscal_year_start(date(2027, 2, 10)),
            date(2026, 3, 1)
        );
        assert_eq!(
            calendar.fiscal_year_start(date(2026, 2, 28)),
            date(2025, 3, 1)
        );
        assert_eq!(
            calendar.fiscal_quarter_start(date(2026, 11, 22)),
            date(2026, 9, 1)
        );
        assert_eq!(
            calendar.fiscal_quarter_start(date(2027, 1, 15)),
            date(2026, 12, 1)
        );
        assert_eq!(
            calendar.fiscal_quarter_start(date(2027, 2, 28)),
            date(2026, 12, 1)
        );
        let months = calendar.fiscal_year_months(date(2026, 11, 22));
        assert_eq!(months[0].month_label(), "2026-03");
        assert_eq!(months[11].month_label(), "2027-02");
        assert_eq!(months[11].end, date(2027, 2, 28));
    }

    #[test]
    fn fiscal_year_ending_in_may() {
        // FY runs June–May; quarters Jun–Aug, Sep–Nov, Dec–Feb, Mar–May.
        let calendar = Calendar {
            week_ends_on: Weekday::Sunday,
            fiscal_year_end_month: 5,
        };
        assert_eq!(
            calendar.fiscal_year_start(date(2026, 11, 22)),
            date(2026, 6, 1)
        );
        assert_eq!(
            calendar.fiscal_year_start(date(2026, 5, 31)),
            date(2025, 6, 1)
        );
        assert_eq!(
            calendar.fiscal_quarter_start(date(2026, 11, 22)),
            date(2026, 9, 1)
        );
        assert_eq!(
            calendar.fiscal_quarter_start(date(2026, 2, 1)),
            date(2025, 12, 1)
        );
        assert_eq!(
            calendar.fiscal_quarter_start(date(2026, 5, 31)),
            date(2026, 3, 1)
        );
    }

    #[test]
    fn trailing_twelve_months_skip_the_partial_month() {
        // As of Sun 22 Nov 2026, November is partial: Nov 2025 – Oct 2026.
        let months = iso().trailing_twelve_months(date(2026, 11, 22));
        assert_eq!(months.len(), 12);
        assert_eq!(months[0], period(date(2025, 11, 1), date(2025, 11, 30)));
        assert_eq!(months[11], period(date(2026, 10, 1), date(2026, 10, 31)));
    }

    #[test]
    fn trailing_twelve_months_include_a_month_ending_with_the_week() {
        // Sunday 31 May 2026 ends both ISO week 22 and May: June 2025 – May 2026.
        let months = iso().trailing_twelve_months(date(2026, 5, 31));
        assert_eq!(months[0].month_label(), "2025-06");
        assert_eq!(months[11], period(date(2026, 5, 1), date(2026, 5, 31)));
    }

    #[test]
    fn iso_digits_are_what_jiff_writes() {
        for (year, month, day) in [
            (2026, 11, 22),
            (0, 1, 1),
            (999, 12, 31),
            (9999, 2, 28),
            (2024, 2, 29),
        ] {
            let date = Date::new(year, month, day).unwrap();
            let digits = IsoDigits::new(year, month, Some(day)).unwrap();
            assert_eq!(digits.as_str(), date.to_string());
            assert_eq!(
                IsoDigits::new(year, month, None).unwrap().as_str(),
                &date.to_string()[..7]
            );
        }
        // Years jiff writes with a sign are left to it.
        assert!(IsoDigits::new(-44, 3, Some(15)).is_none());
        assert_eq!(
            IsoDigits::new(2026, 3, Some(5)).unwrap().as_str(),
            "2026-03-05"
        );
    }

    #[test]
    fn month_labels_have_four_digit_years_and_two_digit_months() {
        let label = |year, month| Period::month_of(date(year, month, 1)).month_label();
        assert_eq!(label(1900, 1), "1900-01");
        assert_eq!(label(2024, 10), "2024-10");
        assert_eq!(label(2199, 12), "2199-12");
        assert_eq!(label(999, 9), "0999-09");
        assert_eq!(label(0, 1), "0000-01");
        assert_eq!(label(-44, 3), "-044-03");
    }

    #[test]
    fn trailing_months_over_a_leap_february() {
        let months = iso().trailing_twelve_months(date(2028, 3, 5));
        assert_eq!(months[11].month_label(), "2028-02");
        assert_eq!(months[11].end, date(2028, 2, 29));
        assert_eq!(
            months[11].one_year_earlier(),
            period(date(2027, 2, 1), date(2027, 2, 28))
        );
    }

    #[test]
    fn day_numbers_agree_with_jiff() {
        assert_eq!(day_number(date(1970, 1, 1)), 0);
        assert_eq!(day_number(date(2000, 3, 1)), 11_017);
        let mut expected = date(1899, 12, 25);
        let mut number = day_number(expected);
        while expected <= date(2201, 1, 10) {
            assert_eq!(from_day_number(number), expected);
            assert_eq!(day_number(expected), number);
            expected = expected.tomorrow().unwrap();
            number += 1;
        }
        assert_eq!(days_between(date(2024, 2, 28), date(2024, 3, 1)), 2);
        assert_eq!(add_days(date(2026, 12, 28), 7), date(2027, 1, 4));
    }

    #[test]
    fn weekday_names_parse() {
        assert_eq!(parse_weekday("Saturday"), Some(Weekday::Saturday));
        assert_eq!(parse_weekday("sun"), Some(Weekday::Sunday));
        assert_eq!(parse_weekday("someday"), None);
    }
}

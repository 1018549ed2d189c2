//! Generates the metric CSVs of the example site (the repository root).
//!
//! Run from the repository root:
//!
//! ```text
//! cargo run --example generate_example_data
//! ```
//!
//! It (over)writes five files in `data/`, with daily data from 2024-01-01
//! through 2026-11-22 (the Sunday that ends ISO week 2026-W47):
//!
//! - `incidents.csv`: Incident Resolutions, wide daily, ISO dates.
//! - `weekly_percentiles.csv`: p90 first-response time, one row per week
//!   dated on its Sunday (a percentile cannot be rebuilt from daily values).
//! - `fraud_cs.csv`: Fraud & Customer Success, wide daily in the style of the
//!   open-source wbr-app: `Date` column spelled `22-Nov-2026`, numbers of 1,000
//!   and more quoted with thousands separators, and a daily
//!   `chargebacks__Target` column.
//! - `frontline_cx.csv`: Frontline CX, long (`date,metric,value,channel`),
//!   channels phone, chat and email.
//! - `qa.csv`: Quality Assurance, wide daily, ISO dates. Two old days
//!   (2025-03-11 and 2025-03-12) have an empty `audit_minutes` cell, to
//!   exercise missing data.
//!
//! The numbers are made up but shaped like a pet-sitting marketplace's
//! Trust & Safety operations, so that the example WBR tells a story:
//!
//! - **Weekday pattern**: contacts and audits dip at the weekend, while
//!   booking-related safety incidents rise (most stays start on weekends).
//! - **Seasonality**: stays peak in the summer holidays and at the end of the
//!   year; bookings lead stays by a few weeks.
//! - **Growth**: volumes grow gently year over year.
//! - **Noise**: counts are Poisson-like, rates binomial, so that weekly
//!   values wobble like real ones and internal consistency holds
//!   (`frt_within_sla <= frt_total`, `payment_fraud_blocked <= attempts`, …).
//! - **SLA breach, 2026-W46** (9–15 Nov 2026): the new triage workflow
//!   misroutes high-severity cases from Monday to Thursday; first-response and
//!   resolution SLA attainment fall to about 80% (targets 95% and 90%), the
//!   p90 first response goes well above its 4-hour target and the backlog
//!   grows.
//! - **Incident spike, 2026-W47** (16–22 Nov 2026): an app release puts a
//!   "Report a concern" button on every stay update; `incidents_reported` runs
//!   at about 2.5 times its normal level, mostly low-severity reports. Phone
//!   service level slips to amber as members call to follow up.
//! - **Slow burns**: account-takeover restores within 24 hours drift below
//!   target from October 2026 (identity-verification vendor latency) and QA
//!   calibration agreement drops after a policy change on 14 Sep 2026.
//!
//! - `tickets.csv.gz`: the ticketing tool's export, one row per ticket
//!   (about 100,000 over the three years): id, created, first response and
//!   resolution timestamps with their UTC offset in America/Los_Angeles,
//!   channel, priority, queue (`incident` or `frontline`) and handle
//!   minutes. Tickets not answered or resolved by the export moment (Mon
//!   2026-11-23 06:00 local) have empty cells. The W46 breach slows first
//!   responses of high-priority incident tickets.
//!
//! Everything is deterministic: a small seeded PRNG (splitmix64), our own
//! date arithmetic and CSV writing; jiff for the export's time zone and
//! flate2 to gzip it. Running it twice gives
//! byte-identical files.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// First day of data (a Monday).
const START: (i64, i64, i64) = (2024, 1, 1);
/// Last day of data: Sunday 2026-11-22, the end of ISO week 2026-W47.
const END: (i64, i64, i64) = (2026, 11, 22);
/// Monday of 2026-W46, the SLA breach week.
const BREACH_WEEK: (i64, i64, i64) = (2026, 11, 9);
/// Monday of 2026-W47, the incident spike week.
const SPIKE_WEEK: (i64, i64, i64) = (2026, 11, 16);

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn main() -> std::io::Result<()> {
    let days = calendar();
    let out = Path::new("data");
    fs::create_dir_all(out)?;

    let (incidents, percentiles) = incident_resolutions(&days);
    let files = [
        ("incidents.csv", incidents),
        ("weekly_percentiles.csv", percentiles),
        ("fraud_cs.csv", fraud_customer_success(&days)),
        ("frontline_cx.csv", frontline_cx(&days)),
        ("qa.csv", quality_assurance(&days)),
    ];
    // The ticket export: one row per ticket, gzipped as exports often come.
    let tickets = ticket_export(&days);
    let path = out.join("tickets.csv.gz");
    let mut encoder = flate2::GzBuilder::new()
        .mtime(0) // no timestamp in the header: byte-identical reruns
        .write(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut encoder, tickets.as_bytes())?;
    fs::write(&path, encoder.finish()?)?;
    println!(
        "wrote {} ({} rows)",
        path.display(),
        tickets.lines().count() - 1
    );
    for (name, text) in files {
        let path = out.join(name);
        fs::write(&path, &text)?;
        println!(
            "wrote {} ({} rows)",
            path.display(),
            text.lines().count() - 1
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400; // [0, 399]
    let mp = (m + 9) % 12; // March = 0
    let doy = (153 * mp + 2) / 5 + d - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn day_number(date: (i64, i64, i64)) -> i64 {
    days_from_civil(date.0, date.1, date.2)
}

/// One calendar day with the values the generators need.
struct Day {
    /// Days since 1970-01-01.
    z: i64,
    year: i64,
    month: i64,
    day: i64,
    /// 0 = Monday … 6 = Sunday.
    weekday: usize,
    /// 0-based day of the year.
    doy: f64,
    /// Years since the first day of data (for growth).
    years: f64,
}

impl Day {
    fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }

    /// wbr-app spelling, e.g. `22-Nov-2026`.
    fn wbr(&self) -> String {
        let month = MONTHS[(self.month - 1) as usize];
        format!("{:02}-{}-{:04}", self.day, month, self.year)
    }

    fn is_weekend(&self) -> bool {
        self.weekday >= 5
    }

    /// Position (0 = Monday) within the week starting on `monday`, if inside it.
    fn in_week(&self, monday: (i64, i64, i64)) -> Option<usize> {
        let offset = self.z - day_number(monday);
        (0..7).contains(&offset).then_some(offset as usize)
    }

    fn on_or_after(&self, date: (i64, i64, i64)) -> bool {
        self.z >= day_number(date)
    }
}

fn calendar() -> Vec<Day> {
    let first = day_number(START);
    (first..=day_number(END))
        .map(|z| {
            let (year, month, day) = civil_from_days(z);
            Day {
                z,
                year,
                month,
                day,
                weekday: (z + 3).rem_euclid(7) as usize, // 1970-01-01 was a Thursday
                doy: (z - days_from_civil(year, 1, 1)) as f64,
                years: (z - first) as f64 / 365.25,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------

/// splitmix64: tiny, fast and good enough for example data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // (0, 1]
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A Poisson-like count around `mean`, with extra relative noise `cv`.
    fn count(&mut self, mean: f64, cv: f64) -> u64 {
        let sd = (mean + (cv * mean).powi(2)).sqrt();
        (mean + sd * self.normal()).round().max(0.0) as u64
    }

    /// Binomial(n, p): exact for small n, normal approximation otherwise.
    fn binomial(&mut self, n: u64, p: f64) -> u64 {
        let p = p.clamp(0.0, 1.0);
        if n <= 400 {
            (0..n).filter(|_| self.uniform() < p).count() as u64
        } else {
            let nf = n as f64;
            let x = nf * p + (nf * p * (1.0 - p)).sqrt() * self.normal();
            (x.round().max(0.0) as u64).min(n)
        }
    }

    /// `n × p` with a little noise on `p`: for rates whose week-to-week
    /// wobble should stay small (the story depends on their status).
    fn share(&mut self, n: u64, p: f64, sd: f64) -> u64 {
        let p = (p + sd * self.normal()).clamp(0.0, 1.0);
        ((n as f64 * p).round() as u64).min(n)
    }
}

/// A slowly wandering offset (AR(1) process), for drifts in rates.
struct Drift {
    value: f64,
    keep: f64,
    sd: f64,
}

impl Drift {
    fn new(keep: f64, sd: f64) -> Self {
        Drift {
            value: 0.0,
            keep,
            sd,
        }
    }

    fn step(&mut self, rng: &mut Rng) -> f64 {
        self.value = self.keep * self.value + self.sd * rng.normal();
        self.value
    }
}

// ---------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------

/// A smooth bump around day of year `centre`, wrapping around the new year.
fn bump(doy: f64, centre: f64, width: f64) -> f64 {
    let mut distance = (doy - centre).abs();
    if distance > 182.5 {
        distance = 365.0 - distance;
    }
    (-(distance / width).powi(2)).exp()
}

/// Demand for stays: summer holidays, Thanksgiving, the end-of-year holidays.
fn stay_season(doy: f64) -> f64 {
    1.0 + 0.22 * bump(doy, 205.0, 32.0)
        + 0.28 * bump(doy, 358.0, 8.0)
        + 0.08 * bump(doy, 330.0, 3.0)
}

/// Bookings are made a few weeks before the stays.
fn booking_season(doy: f64) -> f64 {
    1.0 + 0.18 * bump(doy, 155.0, 35.0) + 0.20 * bump(doy, 320.0, 18.0)
}

/// Yearly growth `rate` (0.10 = +10% a year).
fn growth(day: &Day, rate: f64) -> f64 {
    (1.0 + rate).powf(day.years)
}

/// Monday … Sunday multipliers.
const INCIDENT_WEEKDAY: [f64; 7] = [0.95, 0.92, 0.92, 0.95, 1.02, 1.12, 1.12];
const BOOKING_WEEKDAY: [f64; 7] = [1.08, 1.02, 1.00, 0.98, 0.95, 0.90, 1.07];
const CONTACT_WEEKDAY: [f64; 7] = [1.14, 1.09, 1.05, 1.02, 0.98, 0.72, 0.68];

// ---------------------------------------------------------------------------
// CSV helpers
// ---------------------------------------------------------------------------

/// A whole number, quoted with thousands separators from 1,000 up (wbr-app).
fn wbr_number(n: u64) -> String {
    let digits = n.to_string();
    if digits.len() <= 3 {
        return digits;
    }
    let mut out = String::from("\"");
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn push_row(out: &mut String, cells: &[String]) {
    out.push_str(&cells.join(","));
    out.push('\n');
}

// ---------------------------------------------------------------------------
// Incident Resolutions: data/incidents.csv and data/weekly_percentiles.csv
// ---------------------------------------------------------------------------

fn incident_resolutions(days: &[Day]) -> (String, String) {
    let mut rng = Rng(0x1_1C1D_E275);
    let mut daily = String::from(
        "date,incidents_reported,incidents_resolved,resolved_within_sla,frt_total,\
         frt_within_sla,incidents_escalated,open_backlog,agent_headcount,avg_handle_minutes\n",
    );
    let mut weekly = String::from("date,frt_p90_hours\n");

    // W47: a ramp to about 2.5 times the normal level, peaking midweek.
    let spike = [2.0, 2.8, 3.1, 2.9, 2.6, 2.4, 2.4];
    // W46: the misrouting lasts Monday to Thursday, then recovers.
    let breach_frt = [0.70, 0.71, 0.74, 0.80, 0.88, 0.91, 0.92];
    let breach_resolution = [0.70, 0.71, 0.73, 0.77, 0.84, 0.87, 0.88];
    let breach_capacity = [0.6, 0.6, 0.65, 0.75, 0.95, 1.0, 1.0];

    let mut frt_drift = Drift::new(0.9, 0.004);
    let mut resolution_drift = Drift::new(0.9, 0.005);
    let mut backlog: f64 = 260.0;
    let mut headcount: u64 = 34;
    let (mut week_within, mut week_total) = (0u64, 0u64);

    for day in days {
        let season = stay_season(day.doy);
        let normal = 120.0 * growth(day, 0.10) * season * INCIDENT_WEEKDAY[day.weekday];
        let breach = day.in_week(BREACH_WEEK);
        let spiking = day.in_week(SPIKE_WEEK);

        let mut level = normal;
        if let Some(i) = spiking {
            level *= spike[i];
        }
        let reported = rng.count(level, 0.06);
        // Duplicate reports of the same incident get merged before a first response.
        let frt_total = reported - rng.binomial(reported, 0.03);

        let mut frt_p = 0.968 - 0.04 * (season - 1.0) + frt_drift.step(&mut rng);
        let mut resolution_p = 0.93 - 0.04 * (season - 1.0) + resolution_drift.step(&mut rng);
        let mut capacity = 1.0;
        let mut escalation_p = 0.048;
        let mut handle_minutes = 41.0 + 1.8 * rng.normal();
        if let Some(i) = breach {
            frt_p = breach_frt[i];
            resolution_p = breach_resolution[i];
            capacity = breach_capacity[i];
            handle_minutes += 6.0;
        }
        if spiking.is_some() {
            // Mostly low-severity reports: quick to close, rarely escalated,
            // but the queue outgrows the team even with overtime.
            frt_p = 0.93;
            resolution_p = 0.875;
            capacity = 0.9;
            escalation_p = 0.028;
            handle_minutes -= 5.0;
        }
        let frt_within = rng.binomial(frt_total, frt_p);

        // Work the new incidents and a share of the backlog.
        let workable = backlog + reported as f64;
        let resolved = ((0.7 * reported as f64 + 0.14 * backlog) * capacity)
            .round()
            .min(workable) as u64;
        backlog = workable - resolved as f64;
        let within_sla = rng.binomial(resolved, resolution_p);
        let escalated = rng.binomial(resolved, escalation_p);

        // Hiring follows volume, a cohort of two at a time, with some attrition.
        if day.weekday == 0 {
            let wanted = (34.0 * growth(day, 0.10)).round() as u64;
            let u = rng.uniform();
            if headcount < wanted && u < 0.35 {
                headcount += 2;
            } else if u > 0.95 {
                headcount -= 1;
            }
        }

        push_row(
            &mut daily,
            &[
                day.iso(),
                reported.to_string(),
                resolved.to_string(),
                within_sla.to_string(),
                frt_total.to_string(),
                frt_within.to_string(),
                escalated.to_string(),
                (backlog as u64).to_string(),
                headcount.to_string(),
                format!("{handle_minutes:.1}"),
            ],
        );

        // The p90 first response comes from the ticketing tool once a week;
        // it moves with the week's SLA attainment.
        week_within += frt_within;
        week_total += frt_total;
        if day.weekday == 6 {
            let attainment = week_within as f64 / week_total as f64;
            let p90 = 2.5
                + 0.8 * (season - 1.0)
                + 30.0 * (0.965 - attainment).max(-0.01)
                + 0.12 * rng.normal();
            push_row(&mut weekly, &[day.iso(), format!("{p90:.2}")]);
            (week_within, week_total) = (0, 0);
        }
    }
    (daily, weekly)
}

// ---------------------------------------------------------------------------
// Fraud & Customer Success: data/fraud_cs.csv (wbr-app style)
// ---------------------------------------------------------------------------

fn fraud_customer_success(days: &[Day]) -> String {
    let mut rng = Rng(0xF2A0_D0C5);
    let mut out = String::from(
        "Date,bookings,chargebacks,payment_fraud_attempts,payment_fraud_blocked,\
         fraud_loss_usd,ato_reports,ato_confirmed,ato_restored_24h,cs_csat_responses,\
         cs_csat_positive,refunds_issued_usd,review_queue_backlog,chargebacks__Target\n",
    );
    let mut block_drift = Drift::new(0.95, 0.002);
    let mut csat_drift = Drift::new(0.9, 0.006);
    let mut review_backlog: f64 = 230.0;

    for day in days {
        let weekday_season = booking_season(day.doy) * BOOKING_WEEKDAY[day.weekday];
        let planned_bookings = 16_000.0 * growth(day, 0.15) * weekday_season;
        let bookings = rng.count(planned_bookings, 0.04);

        // Chargebacks: the plan is 0.30% of planned bookings; the actual rate
        // starts a little above and improves year over year.
        let target = (planned_bookings * 0.0030).round() as u64;
        let chargeback_rate = 0.00315 - 0.00012 * day.years;
        let chargebacks = rng.count(bookings as f64 * chargeback_rate, 0.08);

        // Card-testing attacks now and then triple the attempts for a day.
        let attack = if rng.uniform() < 0.012 { 3.0 } else { 1.0 };
        let attempts = rng.count(260.0 * growth(day, 0.12) * attack, 0.1);
        let block_p = (0.977 + block_drift.step(&mut rng)).min(0.995);
        let blocked = rng.binomial(attempts, block_p);
        let missed = (attempts - blocked) as f64;
        let loss = missed * (140.0 + 60.0 * rng.uniform())
            + chargebacks as f64 * (35.0 + 10.0 * rng.uniform());

        // Account takeovers: restores within 24 hours slip from October 2026,
        // when the identity-verification vendor slows down.
        let ato_reports = rng.count(38.0 * growth(day, 0.10), 0.1);
        let ato_confirmed = rng.binomial(ato_reports, 0.55);
        let restore_p = if day.on_or_after((2026, 10, 5)) {
            0.878
        } else {
            0.93
        };
        let ato_restored = rng.share(ato_confirmed, restore_p, 0.012);

        let csat_responses = rng.count(300.0 * growth(day, 0.12), 0.05);
        let csat_p = 0.875 + csat_drift.step(&mut rng);
        let csat_positive = rng.binomial(csat_responses, csat_p);

        let mut refunds = 11_000.0 * growth(day, 0.12) * stay_season(day.doy);
        if day.in_week(SPIKE_WEEK).is_some() {
            refunds *= 1.15; // goodwill credits for reported stays
        }
        let refunds = rng.count(refunds, 0.12);

        review_backlog =
            0.8 * review_backlog + 0.2 * 240.0 * growth(day, 0.05) + 15.0 * rng.normal();
        review_backlog = review_backlog.max(40.0);

        let cells: Vec<String> = [
            bookings,
            chargebacks,
            attempts,
            blocked,
            loss.round() as u64,
            ato_reports,
            ato_confirmed,
            ato_restored,
            csat_responses,
            csat_positive,
            refunds,
            review_backlog.round() as u64,
            target,
        ]
        .into_iter()
        .map(wbr_number)
        .collect();
        out.push_str(&day.wbr());
        out.push(',');
        push_row(&mut out, &cells);
    }
    out
}

// ---------------------------------------------------------------------------
// Frontline CX: data/frontline_cx.csv (long)
// ---------------------------------------------------------------------------

fn frontline_cx(days: &[Day]) -> String {
    let mut rng = Rng(0xF407_71E5);
    let mut out = String::from("date,metric,value,channel\n");
    let mut answer_drift = Drift::new(0.9, 0.006);
    let mut email_backlog: f64 = 550.0;

    for day in days {
        let date = day.iso();
        let mut row = |metric: &str, value: String, channel: &str| {
            let _ = writeln!(out, "{date},{metric},{value},{channel}");
        };
        let season = 1.0 + 0.7 * (stay_season(day.doy) - 1.0);
        let shape = season * CONTACT_WEEKDAY[day.weekday];
        let spiking = day.in_week(SPIKE_WEEK).is_some();
        // W47: members call and chat to follow up on their new reports.
        let lift = |phone: f64, chat: f64, email: f64| {
            if spiking {
                [phone, chat, email]
            } else {
                [1.0; 3]
            }
        };
        let [phone_lift, chat_lift, email_lift] = lift(1.12, 1.08, 1.05);

        // Contacts handled, per channel: chat grows, phone stays flat.
        let phone = rng.count(1500.0 * shape * phone_lift, 0.05);
        let chat = rng.count(1700.0 * growth(day, 0.20) * shape * chat_lift, 0.05);
        let email = rng.count(1000.0 * growth(day, 0.04) * shape * email_lift, 0.06);
        row("contacts", phone.to_string(), "phone");
        row("contacts", chat.to_string(), "chat");
        row("contacts", email.to_string(), "email");

        // Phone: offered = handled + abandoned; service level = answered
        // within 60 s / offered.
        let (abandon_p, answer_p) = if spiking {
            (0.075, 0.85)
        } else {
            (
                0.045,
                0.875 - 0.05 * (season - 1.0) + answer_drift.step(&mut rng),
            )
        };
        let abandoned = rng.binomial(phone, abandon_p);
        let answered_60s = rng.binomial(phone, answer_p);
        row(
            "phone_calls_offered",
            (phone + abandoned).to_string(),
            "phone",
        );
        row("phone_answered_60s", answered_60s.to_string(), "phone");

        // Email: first reply within 24 hours, slower at the weekend.
        let mut reply_p = if day.is_weekend() { 0.90 } else { 0.945 };
        if spiking {
            reply_p -= 0.025;
        }
        row(
            "email_replied_24h",
            rng.binomial(email, reply_p).to_string(),
            "email",
        );

        // Average handle time of the day, in minutes.
        let phone_aht = 9.0 + 0.35 * rng.normal() + if spiking { 0.4 } else { 0.0 };
        let chat_aht = 13.3 + 0.6 * rng.normal();
        row("aht_minutes", format!("{phone_aht:.2}"), "phone");
        row("aht_minutes", format!("{chat_aht:.2}"), "chat");

        // Post-contact surveys.
        for (channel, contacts, positive_p) in [
            ("phone", phone, 0.87),
            ("chat", chat, 0.84),
            ("email", email, 0.79),
        ] {
            let responses = rng.binomial(contacts, 0.11);
            let positive = rng.binomial(responses, positive_p);
            row("csat_responses", responses.to_string(), channel);
            row("csat_positive", positive.to_string(), channel);
        }

        // Open email tickets at the end of the day.
        email_backlog = 0.75 * email_backlog
            + 0.25 * 550.0 * growth(day, 0.04) * season * if spiking { 1.3 } else { 1.0 }
            + 25.0 * rng.normal();
        row(
            "email_backlog",
            (email_backlog.max(50.0).round() as u64).to_string(),
            "email",
        );
    }
    out
}

// ---------------------------------------------------------------------------
// Quality Assurance: data/qa.csv
// ---------------------------------------------------------------------------

fn quality_assurance(days: &[Day]) -> String {
    let mut rng = Rng(0x00A0_D175);
    let mut out = String::from(
        "date,interactions_eligible,audits_completed,audits_passed,critical_errors,\
         calibration_items,calibration_agreements,audit_disputes,disputes_overturned,\
         audit_minutes,auditor_headcount,audit_backlog\n",
    );
    // The QA tool's export failed on two days: their handle time is missing.
    let missing_minutes = [day_number((2025, 3, 11)), day_number((2025, 3, 12))];
    let hires = [
        ((2024, 1, 1), 9),
        ((2024, 9, 2), 10),
        ((2025, 4, 7), 11),
        ((2026, 3, 2), 12),
    ];
    let mut pass_drift = Drift::new(0.9, 0.004);
    let mut audit_backlog: f64 = 380.0;

    for day in days {
        let auditors: u64 = hires
            .iter()
            .rev()
            .find(|(date, _)| day.on_or_after(*date))
            .map(|(_, n)| *n)
            .unwrap_or(9);
        let season = 1.0 + 0.7 * (stay_season(day.doy) - 1.0);
        let eligible = rng.count(
            4600.0 * growth(day, 0.10) * season * CONTACT_WEEKDAY[day.weekday],
            0.05,
        );
        // Auditors work weekdays; a small rota covers the weekend.
        let per_auditor = if day.is_weekend() { 2.0 } else { 19.0 };
        let audits = rng.count(per_auditor * auditors as f64, 0.05);
        let pass_p = 0.935 + pass_drift.step(&mut rng);
        let passed = rng.binomial(audits, pass_p);
        let critical = rng.binomial(audits, 0.013);

        // Calibration sessions run on Tuesdays and Thursdays. Agreement drops
        // after the "pet harm severity" policy v3 on 14 Sep 2026.
        let items: u64 = if day.weekday == 1 || day.weekday == 3 {
            60
        } else {
            0
        };
        let agree_p = if day.on_or_after((2026, 9, 14)) {
            0.83
        } else {
            0.885
        };
        let agreements = rng.share(items, agree_p, 0.015);

        let disputes = rng.binomial(audits - passed, 0.25);
        let overturned = rng.binomial(disputes, 0.18);

        let minutes = 11.5 + if day.is_weekend() { 1.0 } else { 0.0 } + 0.6 * rng.normal();
        let minutes = if missing_minutes.contains(&day.z) {
            String::new()
        } else {
            format!("{minutes:.1}")
        };

        audit_backlog = 0.85 * audit_backlog + 0.15 * 400.0 * season + 20.0 * rng.normal();

        push_row(
            &mut out,
            &[
                day.iso(),
                eligible.to_string(),
                audits.to_string(),
                passed.to_string(),
                critical.to_string(),
                items.to_string(),
                agreements.to_string(),
                disputes.to_string(),
                overturned.to_string(),
                minutes,
                auditors.to_string(),
                (audit_backlog.max(0.0).round() as u64).to_string(),
            ],
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for z in day_number((1999, 12, 25))..day_number((2031, 3, 1)) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(day_number((1970, 1, 1)), 0);
        assert_eq!(civil_from_days(day_number((2024, 2, 29))), (2024, 2, 29));
    }

    #[test]
    fn calendar_covers_151_iso_weeks() {
        let days = calendar();
        assert_eq!(days.len(), 151 * 7);
        assert_eq!(days[0].weekday, 0); // Monday 2024-01-01
        assert_eq!(days.last().unwrap().weekday, 6); // Sunday 2026-11-22
        assert_eq!(days.last().unwrap().wbr(), "22-Nov-2026");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(wbr_number(999), "999");
        assert_eq!(wbr_number(1234), "\"1,234\"");
        assert_eq!(wbr_number(1_234_567), "\"1,234,567\"");
    }
}

// ---------------------------------------------------------------------------
// The ticket export: data/tickets.csv.gz
// ---------------------------------------------------------------------------

/// One row per ticket. Times are drawn in Los Angeles local time and
/// written with their offset, so every reader (sitrep, DuckDB) sees the
/// same instants; delays are added to instants, never to wall-clock times.
fn ticket_export(days: &[Day]) -> String {
    use jiff::tz::TimeZone;
    let zone = TimeZone::get("America/Los_Angeles").expect("bundled time zone database");
    let export = jiff::civil::date(2026, 11, 23)
        .at(6, 0, 0, 0)
        .to_zoned_datetime(zone.clone())
        .expect("a valid local time")
        .timestamp()
        .as_second();
    let write_time = |second: i64| {
        jiff::Timestamp::from_second(second)
            .expect("in range")
            .to_zoned_datetime(zone.clone())
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string()
    };
    let mut rng = Rng(0x7_1C4E_7500);
    let mut out = String::from(
        "ticket_id,created_at,first_response_at,resolved_at,channel,priority,queue,handle_minutes\n",
    );
    let mut id = 100_000u64;
    for day in days {
        let mean = 88.0 * growth(day, 0.08) * stay_season(day.doy) * INCIDENT_WEEKDAY[day.weekday];
        let breach = day.in_week(BREACH_WEEK).is_some_and(|index| index <= 3);
        for _ in 0..rng.count(mean, 0.08) {
            id += 1;
            // Busier in the day than at night.
            let hour = loop {
                let hour = 13.0 + 4.5 * rng.normal();
                if (0.0..24.0).contains(&hour) {
                    break hour;
                }
            };
            let seconds = (hour * 3600.0) as i64;
            let (year, month, date) = (day.year as i16, day.month as i8, day.day as i8);
            let local = jiff::civil::date(year, month, date).at(
                (seconds / 3600) as i8,
                (seconds / 60 % 60) as i8,
                (seconds % 60) as i8,
                0,
            );
            let created = local
                .to_zoned_datetime(zone.clone())
                .expect("a valid local time")
                .timestamp()
                .as_second();
            let channel = match rng.uniform() {
                x if x < 0.45 => "email",
                x if x < 0.75 => "chat",
                x if x < 0.95 => "phone",
                _ => "web_form",
            };
            let priority = match rng.uniform() {
                x if x < 0.15 => "high",
                x if x < 0.75 => "normal",
                _ => "low",
            };
            let queue = if rng.uniform() < 0.4 {
                "incident"
            } else {
                "frontline"
            };
            // First response: log-normal around 1.2 h (faster on chat and
            // phone); the breach week's misrouted high-priority incidents
            // wait much longer.
            let mut median_hours = match channel {
                "chat" | "phone" => 0.5,
                _ => 1.6,
            };
            if breach && queue == "incident" && priority != "low" {
                median_hours *= 4.0;
            }
            let response =
                created + (3600.0 * median_hours * (0.9 * rng.normal()).exp()) as i64 + 60;
            let resolution = response + (3600.0 * 20.0 * (1.0 * rng.normal()).exp()) as i64;
            let handle = (12.0 * (0.5 * rng.normal()).exp()).round();
            let known = |second: i64| {
                if second <= export {
                    write_time(second)
                } else {
                    String::new()
                }
            };
            let handle = if rng.uniform() < 0.02 {
                String::new()
            } else {
                format!("{handle}")
            };
            let _ = writeln!(
                out,
                "T{id},{},{},{},{channel},{priority},{queue},{handle}",
                write_time(created),
                known(response),
                known(resolution),
            );
        }
    }
    out
}

//! A synthetic site project of any size, for the benchmark and for tests
//! that need a build that takes a while: `programs` programs of 20 metrics
//! each (counts, a mean, a stock, ratios, differences and a chained derived
//! metric), daily data covering the `weeks` review weeks, and `weeks`
//! review weeks with an executive narrative and one narrative per program.
//!
//! The data comes from a fixed-seed generator, so a site of a given size
//! is the same on every machine and every run.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use jiff::civil::Date;
use sitrep::calendar::{add_days, Calendar};

/// The Sunday that ends the newest review week.
const LAST_SUNDAY: Date = jiff::civil::date(2026, 11, 22);

/// The metrics read from the CSVs: id and the rest of its definition.
const BASE_METRICS: [(&str, &str); 10] = [
    ("cases", "better: down\n    key: true"),
    ("resolved", "better: none"),
    ("within_sla", "better: none"),
    ("escalated", "better: none"),
    (
        "backlog",
        "aggregate: last\n    better: down\n    target: 900",
    ),
    (
        "handle_minutes",
        "aggregate: mean\n    unit: minutes\n    better: down\n    target: 40",
    ),
    ("reopened", "better: down"),
    ("appeals", "better: down"),
    ("appeals_upheld", "better: none"),
    ("contacts", "better: none"),
];

/// The metrics computed from others.
const DERIVED_METRICS: [&str; 10] = [
    "  sla_attainment:\n    divide: [within_sla, resolved]\n    unit: percent\n    better: up\n    target: 0.9\n    compare: bps\n    sla: true\n    key: true\n",
    "  escalation_rate:\n    divide: [escalated, resolved]\n    unit: percent\n    better: down\n    target: 0.05\n    compare: bps\n",
    "  net_change:\n    difference: [cases, resolved]\n",
    "  outside_sla:\n    difference: [resolved, within_sla]\n",
    "  outside_share:\n    divide: [outside_sla, resolved]\n    unit: percent\n    compare: bps\n",
    "  resolved_per_case:\n    divide: [resolved, cases]\n    unit: ratio\n",
    "  reopen_rate:\n    divide: [reopened, resolved]\n    unit: percent\n    better: down\n    target: 0.04\n    compare: bps\n",
    "  appeal_rate:\n    divide: [appeals, resolved]\n    unit: percent\n    better: down\n    compare: bps\n",
    "  upheld_share:\n    divide: [appeals_upheld, appeals]\n    unit: percent\n    better: down\n    compare: bps\n",
    "  contacts_per_case:\n    divide: [contacts, cases]\n    unit: ratio\n    better: down\n",
];

/// How many metrics each synthetic program defines.
#[allow(dead_code)]
pub const METRICS_PER_PROGRAM: usize = BASE_METRICS.len() + DERIVED_METRICS.len();

/// The ISO week id of the week that contains `date`.
fn iso_week_id(date: Date) -> String {
    let calendar = Calendar::default();
    calendar.review_week(calendar.week_of(date)).id
}

/// A small, fixed-seed generator (PCG-style LCG step), so that the site is
/// identical everywhere without a random-number crate.
struct Noise(u64);

impl Noise {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// Writes the site into `root` (which must exist).
pub fn write_large_site(root: &Path, programs: usize, weeks: usize) {
    fs::write(
        root.join("site.yaml"),
        "title: Large synthetic WBR\nweek_ends_on: sunday\n",
    )
    .unwrap();
    fs::create_dir_all(root.join("content/programs")).unwrap();
    fs::create_dir_all(root.join("data")).unwrap();
    let days = 7 * weeks as i64;
    for program in 0..programs {
        let id = program_id(program);
        let mut yaml = format!("name: Program {program}\nowner: Owner {program}\nmetrics:\n");
        for (metric, extra) in BASE_METRICS {
            let _ = write!(
                yaml,
                "  {metric}:\n    column: p{program}_{metric}\n    {extra}\n"
            );
        }
        for line in DERIVED_METRICS {
            yaml.push_str(line);
        }
        yaml.push_str("initiatives:\n  - name: Keep the lights on\n    owner: Someone\n    status: on_track\n");
        fs::write(
            root.join("content/programs").join(format!("{id}.yaml")),
            yaml,
        )
        .unwrap();

        let mut csv = String::from("date");
        for (metric, _) in BASE_METRICS {
            let _ = write!(csv, ",p{program}_{metric}");
        }
        csv.push('\n');
        let mut noise = Noise(0x9E37_79B9_7F4A_7C15 ^ program as u64);
        for back in (0..days).rev() {
            let date = add_days(LAST_SUNDAY, -back);
            let wobble = noise.next(40);
            let cases = 200 + wobble + date.month() as u64 * 3;
            let resolved = cases - wobble / 4;
            let within = resolved * 9 / 10 + wobble % 7;
            let escalated = wobble / 5;
            let backlog = 800 + wobble * 3;
            let minutes = 35.0 + wobble as f64 / 10.0;
            let reopened = noise.next(12);
            let appeals = 5 + noise.next(10);
            let upheld = noise.next(appeals);
            let contacts = cases + noise.next(cases);
            let _ = writeln!(
                csv,
                "{date},{cases},{resolved},{within},{escalated},{backlog},{minutes:.1},{reopened},{appeals},{upheld},{contacts}"
            );
        }
        fs::write(root.join("data").join(format!("{id}.csv")), csv).unwrap();
    }
    for week in 0..weeks {
        let sunday = add_days(LAST_SUNDAY, -7 * week as i64);
        let folder = root.join("content/reviews").join(iso_week_id(sunday));
        fs::create_dir_all(&folder).unwrap();
        let mut index = String::from("---\ntitle: Weekly review\n---\n## Summary\n\n");
        for program in 0..programs {
            let id = program_id(program);
            let _ = writeln!(index, "- Program {program}: {{{{ value(\"{id}.cases\") }}}} cases ({{{{ delta(\"{id}.cases\", \"wow\") }}}} WoW), SLA {{{{ value(\"{id}.sla_attainment\") }}}} {{{{ status(\"{id}.sla_attainment\") }}}}");
            fs::write(folder.join(format!("{id}.md")), program_narrative(week)).unwrap();
        }
        fs::write(folder.join("index.md"), index).unwrap();
    }
}

fn program_id(program: usize) -> String {
    format!("program_{program:02}")
}

/// A program narrative of realistic length: what happened, why, what next
/// and asks, with live numbers.
pub fn program_narrative(week: usize) -> String {
    format!(
        "---\ntitle: Program narrative\n---\n\
## What happened\n\n\
Cases were {{{{ value(\"cases\") }}}} ({{{{ delta(\"cases\", \"yoy\") }}}} YoY, \
{{{{ delta(\"cases\", \"wow\") }}}} WoW). SLA attainment was {{{{ value(\"sla_attainment\") }}}} \
against a target of 90%, and the backlog closed at {{{{ value(\"backlog\") }}}}.\n\n\
## Why\n\n\
- Seasonality: week {week} of the synthetic archive follows the usual pattern.\n\
- Handle time was {{{{ value(\"handle_minutes\") }}}} minutes; reopen rate {{{{ value(\"reopen_rate\") }}}}.\n\
- Appeals upheld: {{{{ value(\"upheld_share\") }}}} of {{{{ value(\"appeals\") }}}} appeals.\n\n\
## What next\n\n\
1. Rebalance the queue **before** the weekend peak.\n\
2. Review the escalation path (*owner*: Owner).\n\n\
## Asks\n\n\
| Ask | Owner | Due |\n|---|---|---|\n| Two more reviewers | Ops | next week |\n"
    )
}

#[allow(dead_code)]
pub fn newest_week_id() -> String {
    iso_week_id(LAST_SUNDAY)
}

#[allow(dead_code)]
pub fn week_id_after_newest() -> String {
    iso_week_id(add_days(LAST_SUNDAY, 7))
}

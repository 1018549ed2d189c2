//! A synthetic site project of any size, for the benchmark and for tests
//! that need a build that takes a while: `programs` programs of 12 metrics
//! (counts, a mean, a stock, ratios, a chained derived metric), daily data
//! for `weeks` + 60 weeks, and `weeks` review weeks with narratives.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use jiff::civil::Date;
use sitrep::calendar::{add_days, Calendar};

/// The Sunday that ends the newest review week.
const LAST_SUNDAY: Date = jiff::civil::date(2026, 11, 22);

/// The ISO week id of the week that contains `date`.
fn iso_week_id(date: Date) -> String {
    let calendar = Calendar::default();
    calendar.review_week(calendar.week_of(date)).id
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
    let days = 7 * (weeks as i64 + 60);
    for program in 0..programs {
        let id = format!("program_{program:02}");
        let mut yaml = format!("name: Program {program}\nowner: Owner {program}\nmetrics:\n");
        for (metric, extra) in [
            ("cases", "better: down\n    key: true"),
            ("resolved", ""),
            ("within_sla", ""),
            ("escalated", ""),
            (
                "backlog",
                "aggregate: last\n    better: down\n    target: 900",
            ),
            (
                "handle_minutes",
                "aggregate: mean\n    unit: minutes\n    better: down\n    target: 40",
            ),
        ] {
            let _ = write!(
                yaml,
                "  {metric}:\n    column: p{program}_{metric}\n    {extra}\n"
            );
        }
        for line in [
            "  sla_attainment:\n    divide: [within_sla, resolved]\n    unit: percent\n    better: up\n    target: 0.9\n    compare: bps\n    sla: true\n    key: true\n",
            "  escalation_rate:\n    divide: [escalated, resolved]\n    unit: percent\n    better: down\n    target: 0.05\n    compare: bps\n",
            "  net_change:\n    difference: [cases, resolved]\n",
            "  outside_sla:\n    difference: [resolved, within_sla]\n",
            "  outside_share:\n    divide: [outside_sla, resolved]\n    unit: percent\n    compare: bps\n",
            "  resolved_per_case:\n    divide: [resolved, cases]\n    unit: ratio\n",
        ] {
            yaml.push_str(line);
        }
        yaml.push_str("initiatives:\n  - name: Keep the lights on\n    owner: Someone\n    status: on_track\n");
        fs::write(
            root.join("content/programs").join(format!("{id}.yaml")),
            yaml,
        )
        .unwrap();

        let mut csv = format!("date,p{program}_cases,p{program}_resolved,p{program}_within_sla,p{program}_escalated,p{program}_backlog,p{program}_handle_minutes\n");
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15 ^ program as u64;
        for back in (0..days).rev() {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let noise = (state >> 33) % 40;
            let date = add_days(LAST_SUNDAY, -back);
            let cases = 200 + noise + date.month() as u64 * 3;
            let resolved = cases - noise / 4;
            let within = resolved * 9 / 10 + noise % 7;
            let escalated = noise / 5;
            let backlog = 800 + noise * 3;
            let minutes = 35.0 + noise as f64 / 10.0;
            let _ = writeln!(
                csv,
                "{date},{cases},{resolved},{within},{escalated},{backlog},{minutes:.1}"
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
            let _ = writeln!(index, "- Program {program}: {{{{ value(\"program_{program:02}.cases\") }}}} cases ({{{{ delta(\"program_{program:02}.cases\", \"wow\") }}}} WoW), SLA {{{{ value(\"program_{program:02}.sla_attainment\") }}}} {{{{ status(\"program_{program:02}.sla_attainment\") }}}}");
            let narrative = "---\ntitle: Program narrative\n---\n## What happened\n\nCases were {{ value(\"cases\") }} ({{ delta(\"cases\", \"yoy\") }} YoY); SLA {{ value(\"sla_attainment\") }}.\n\n## Why\n\nSeasonality.\n";
            fs::write(folder.join(format!("program_{program:02}.md")), narrative).unwrap();
        }
        fs::write(folder.join("index.md"), index).unwrap();
    }
}

#[allow(dead_code)]
pub fn newest_week_id() -> String {
    iso_week_id(LAST_SUNDAY)
}

#[allow(dead_code)]
pub fn week_id_after_newest() -> String {
    iso_week_id(add_days(LAST_SUNDAY, 7))
}

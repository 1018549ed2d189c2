//! Mapping a wbr-app config onto a sitrep program: metric names to ids,
//! column, filter and function metrics, growth series, `y_scaling`, and
//! every deck block. What has no counterpart becomes a [`Note`].

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use crate::error::{Diagnostic, Diagnostics};

use super::config::{Block, MetricKind, Place, WbrConfig, WbrMetric};

/// Something of the config that was not converted (or not exactly), and
/// why.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub place: Option<Place>,
    pub what: String,
    pub why: String,
}

/// What the data looks like, as far as the import knows it.
#[derive(Debug, Clone, Default)]
pub struct DataShape {
    /// Names that prefix columns in wbr-app (`main_metrics.Impressions`):
    /// the CSV sources and the queries.
    pub prefixes: Vec<String>,
    /// Every column of the CSV files copied, when all the data is there to
    /// check against (no database sources).
    pub columns: Option<HashSet<String>>,
}

/// A sitrep program made from a wbr-app config.
#[derive(Debug, Clone)]
pub struct MappedProgram {
    pub yaml: String,
    /// wbr-app metric name → sitrep metric id, for the converted metrics.
    pub ids: Vec<(String, String)>,
    pub notes: Vec<Note>,
}

/// A metric id from a wbr-app name: lower case, anything but letters and
/// digits becomes `_` (runs of them one), unique among `taken`.
pub fn metric_id(name: &str, taken: &HashSet<String>) -> String {
    let mut id = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.ends_with('_') {
            id.push('_');
        }
    }
    let mut id = id.trim_matches('_').to_string();
    if id.is_empty() {
        id = "metric".to_string();
    }
    id.truncate(90);
    let mut unique = id.clone();
    let mut counter = 2;
    while taken.contains(&unique) {
        unique = format!("{id}_{counter}");
        counter += 1;
    }
    unique
}

/// `text` as a YAML scalar: plain when that reads back as the same text,
/// double-quoted otherwise.
pub fn yaml_text(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        );
    if plain {
        text.to_string()
    } else {
        serde_json::to_string(text).expect("strings serialise")
    }
}

/// A wbr-app `y_scaling` format, read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scaling {
    /// `##`, `##.1`: the number as it is.
    Plain(Option<u8>),
    /// `##.1%`: × 100 with a percent sign.
    Percent(Option<u8>),
    /// `##.2bps`: × 10,000 with "bps".
    Bps(Option<u8>),
    /// `##KK`, `##.2MM`, `##BB`: divided by a thousand, a million, a billion.
    Scaled(&'static str),
}

fn read_scaling(text: &str) -> Option<Scaling> {
    let rest = text.trim().strip_prefix("##")?;
    let (decimals, unit) = match rest.strip_prefix('.') {
        Some(after) => {
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            let decimals: u8 = digits.parse().ok()?;
            (Some(decimals.min(6)), &after[digits.len()..])
        }
        None => (None, rest),
    };
    Some(match unit {
        "" => Scaling::Plain(decimals.or(Some(0))),
        "%" => Scaling::Percent(decimals.or(Some(0))),
        "bps" => Scaling::Bps(decimals.or(Some(0))),
        "KK" => Scaling::Scaled("thousands (KK)"),
        "MM" => Scaling::Scaled("millions (MM)"),
        "BB" => Scaling::Scaled("billions (BB)"),
        _ => return None,
    })
}

/// How a metric is shown, from the `y_scaling` of the blocks and rows
/// showing it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Display {
    percent: bool,
    decimals: Option<u8>,
}

fn display_of(scaling: Scaling) -> Option<Display> {
    match scaling {
        Scaling::Plain(decimals) => Some(Display {
            percent: false,
            decimals,
        }),
        Scaling::Percent(decimals) => Some(Display {
            percent: true,
            decimals,
        }),
        // 263.78 bps is 2.6378%: two more digits show the same figures.
        Scaling::Bps(decimals) => Some(Display {
            percent: true,
            decimals: decimals.map(|decimals| (decimals + 2).min(6)),
        }),
        Scaling::Scaled(_) => None,
    }
}

/// A growth series of wbr-app: `<Metric>WOW`, `<Metric>MOM`, `<Metric>YOY`.
fn growth_of<'a>(name: &'a str, names: &HashMap<&str, usize>) -> Option<(&'a str, &'static str)> {
    for (suffix, over) in [("WOW", "wow"), ("MOM", "mom"), ("YOY", "yoy")] {
        if let Some(base) = name.strip_suffix(suffix) {
            if names.contains_key(base) {
                return Some((base, over));
            }
        }
    }
    None
}

/// A `filter` query that sitrep's `where` can say: equality tests joined by
/// `and` (`latency_country == 'US' and tier == "gold"`), columns bare or
/// in backticks, values quoted or numbers.
fn read_query(
    query: &str,
    strip: &dyn Fn(&str) -> String,
) -> Result<Vec<(String, String)>, String> {
    let mut tests = Vec::new();
    let normalised = query.replace(" & ", " and ");
    for part in normalised.split(" and ") {
        let part = part
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .trim();
        for operator in ["!=", ">=", "<=", ">", "<", " in ", " not ", " or ", "|"] {
            if part.contains(operator) {
                return Err(format!(
                    "the query uses `{}`; sitrep's `where` picks rows equal to a value only",
                    operator.trim()
                ));
            }
        }
        let Some((column, value)) = part.split_once("==") else {
            return Err("the query is not `<column> == <value>`".to_string());
        };
        let column = column.trim().trim_matches('`').trim();
        let value = value.trim();
        let unquoted = value
            .strip_prefix('\'')
            .and_then(|value| value.strip_suffix('\''))
            .or_else(|| {
                value
                    .strip_prefix('"')
                    .and_then(|value| value.strip_suffix('"'))
            });
        let value = match unquoted {
            Some(text) => text.to_string(),
            None if value.parse::<f64>().is_ok() => value.to_string(),
            None => return Err(format!("`{value}` is not a quoted value or a number")),
        };
        if column.is_empty() || column.contains(char::is_whitespace) {
            return Err("the query is not `<column> == <value>`".to_string());
        }
        tests.push((strip(column), value));
    }
    Ok(tests)
}

/// Maps `config` onto a program named `name` (the file's id is chosen by
/// the caller). Errors are the config's own mistakes (a deck naming a
/// metric it does not define); what sitrep cannot say is noted.
pub fn map_program(
    config: &WbrConfig,
    name: &str,
    data: &DataShape,
    config_label: &Path,
) -> Result<MappedProgram, Diagnostics> {
    let path = &config.path;
    let mut notes = Vec::new();
    let mut errors = Diagnostics(Vec::new());
    let note = |notes: &mut Vec<Note>, place: Place, what: String, why: String| {
        notes.push(Note {
            place: Some(place),
            what,
            why,
        })
    };
    let strip = |column: &str| -> String {
        match column.split_once('.') {
            Some((prefix, rest)) if data.prefixes.iter().any(|known| known == prefix) => {
                rest.to_string()
            }
            _ => column.to_string(),
        }
    };

    let by_name: HashMap<&str, usize> = config
        .metrics
        .iter()
        .enumerate()
        .map(|(index, metric)| (metric.name.as_str(), index))
        .collect();

    // Ids: the defined metrics first, in order, then growth series as the
    // deck asks for them.
    let mut taken = HashSet::new();
    let mut ids: Vec<String> = Vec::new();
    for metric in &config.metrics {
        let id = metric_id(&metric.name, &taken);
        taken.insert(id.clone());
        ids.push(id);
    }

    // Which metrics convert: a metric fails on its own (an aggregate or
    // query sitrep has no word for), or when one it is made from fails.
    let mut failed: HashMap<usize, String> = HashMap::new();
    let mut bodies: Vec<String> = vec![String::new(); config.metrics.len()];
    for (index, metric) in config.metrics.iter().enumerate() {
        let operand_id = |name: &str| {
            by_name
                .get(name)
                .map_or_else(|| name.to_string(), |index| ids[*index].clone())
        };
        match metric_body(metric, &strip, &operand_id, data) {
            Ok(body) => bodies[index] = body,
            Err((place, why)) => {
                note(
                    &mut notes,
                    place,
                    format!("metric `{}`", metric.name),
                    why.clone(),
                );
                failed.insert(index, why);
            }
        }
        if let MetricKind::Function {
            operands, place, ..
        } = &metric.kind
        {
            for operand in operands {
                if !by_name.contains_key(operand.as_str()) {
                    errors.push(
                        Diagnostic::new(path, format!("the function of `{}` uses `{operand}`, which `metrics` does not define", metric.name))
                            .at(place.line, place.column)
                            .with_help("define it under `metrics:`, or correct the name"),
                    );
                }
            }
        }
    }
    loop {
        let mut more = Vec::new();
        for (index, metric) in config.metrics.iter().enumerate() {
            if failed.contains_key(&index) {
                continue;
            }
            if let MetricKind::Function { operands, .. } = &metric.kind {
                if let Some(broken) = operands.iter().find(|operand| {
                    by_name
                        .get(operand.as_str())
                        .is_some_and(|i| failed.contains_key(i))
                }) {
                    more.push((
                        index,
                        format!("it is made from `{broken}`, which was not converted"),
                    ));
                }
            }
        }
        if more.is_empty() {
            break;
        }
        for (index, why) in more {
            note(
                &mut notes,
                config.metrics[index].place,
                format!("metric `{}`", config.metrics[index].name),
                why.clone(),
            );
            failed.insert(index, why);
        }
    }

    // The deck, and with it the growth series and how metrics are shown.
    let mut growth: Vec<(String, String, String, usize)> = Vec::new(); // (name, id, over, base index)
    let mut displays: HashMap<String, Vec<(Display, Place)>> = HashMap::new();
    let mut deck = String::new();
    let mut styled_rows = None;
    // A deck name → sitrep id, or None when it was not converted (noted).
    let mut resolve = |metric: &str,
                       place: Place,
                       notes: &mut Vec<Note>,
                       errors: &mut Diagnostics,
                       taken: &mut HashSet<String>|
     -> Option<String> {
        if let Some(&index) = by_name.get(metric) {
            if let Some(why) = failed.get(&index) {
                note(
                    notes,
                    place,
                    format!("`{metric}` in the deck"),
                    format!("left out: the metric was not converted ({why})"),
                );
                return None;
            }
            return Some(ids[index].clone());
        }
        if let Some((base, over)) = growth_of(metric, &by_name) {
            let base_index = by_name[base];
            if let Some(why) = failed.get(&base_index) {
                note(
                    notes,
                    place,
                    format!("`{metric}` in the deck"),
                    format!("left out: `{base}` was not converted ({why})"),
                );
                return None;
            }
            if let Some((_, id, _, _)) = growth.iter().find(|(name, ..)| name == metric) {
                return Some(id.clone());
            }
            let id = metric_id(&format!("{}_{over}", ids[base_index]), taken);
            taken.insert(id.clone());
            growth.push((metric.to_string(), id.clone(), over.to_string(), base_index));
            return Some(id);
        }
        errors.push(
            Diagnostic::new(path, format!("the deck shows `{metric}`, which `metrics` does not define"))
                .at(place.line, place.column)
                .with_help("define it under `metrics:` (growth series are `<Metric>WOW`, `<Metric>MOM`, `<Metric>YOY`)"),
        );
        None
    };
    let mut scaling = |text: &str, place: Place, shown: &[String], notes: &mut Vec<Note>| {
        match read_scaling(text) {
            None => note(
                notes,
                place,
                format!("`y_scaling: {text}`"),
                "not a format sitrep knows (`##`, `##.n`, `##.n%`, `##.nbps`, `KK`, `MM`, `BB`): shown in the metric's unit".to_string(),
            ),
            Some(scaling) => match display_of(scaling) {
                Some(display) => {
                    if let Scaling::Bps(_) = scaling {
                        note(notes, place, format!("`y_scaling: {text}`"), "sitrep has no basis-point unit for values: shown as a percent with the same digits (263.78 bps is 2.6378%)".to_string());
                    }
                    for id in shown {
                        displays.entry(id.clone()).or_default().push((display, place));
                    }
                }
                None => {
                    if let Scaling::Scaled(what) = scaling {
                        note(notes, place, format!("`y_scaling: {text}`"), format!("sitrep does not scale to {what}: numbers are shown in full with thousands separators (12,637,800)"));
                    }
                }
            },
        }
    };
    for block in &config.deck {
        match block.ui_type.as_str() {
            "6_12Graph" => {
                let mut entries = Vec::new();
                let mut flags = Vec::new();
                for series in &block.series {
                    let Some(id) = resolve(&series.metric, series.place, &mut notes, &mut errors, &mut taken) else {
                        continue;
                    };
                    let style = series.line_style.clone().unwrap_or_else(|| "primary".to_string());
                    if !["primary", "secondary", "target"].contains(&style.as_str()) {
                        note(&mut notes, series.place, format!("`line_style: {style}`"), "not a wbr-app line style: drawn as primary".to_string());
                    }
                    if style != "target" {
                        flags.push((series.prior_year.unwrap_or(true), series.place));
                    }
                    // A legend that repeats the metric's name says nothing more.
                    let legend = series.legend.clone().filter(|legend| *legend != series.metric);
                    entries.push((id, style, legend, series.place));
                }
                if entries.len() > 3 {
                    for (id, _, _, place) in &entries[3..] {
                        note(&mut notes, *place, format!("`{id}` in the chart"), "left out: a sitrep chart shows at most 3 metrics".to_string());
                    }
                    entries.truncate(3);
                }
                if entries.is_empty() {
                    note(&mut notes, block.place, format!("6_12Graph {}", block.title.as_deref().map(|title| format!("\"{title}\"")).unwrap_or_default()), "left out: none of its metrics was converted".to_string());
                    continue;
                }
                let shown: Vec<String> = entries.iter().map(|(id, ..)| id.clone()).collect();
                if let Some((text, place)) = &block.y_scaling {
                    scaling(text, *place, &shown, &mut notes);
                }
                let prior_year = flags.first().is_none_or(|(flag, _)| *flag);
                for (flag, place) in flags.iter().skip(1) {
                    if *flag != prior_year {
                        note(&mut notes, *place, "`graph_prior_year_flag`".to_string(), format!("sitrep shows the prior year for a whole chart or not at all: this chart {} it, as its first metric asks", if prior_year { "shows" } else { "hides" }));
                    }
                }
                let simple = entries.len() == 1 && entries[0].1 == "primary" && entries[0].2.is_none();
                if simple {
                    let _ = writeln!(deck, "  - chart: {}", entries[0].0);
                } else {
                    deck.push_str("  - chart:\n");
                    for (id, style, legend, _) in &entries {
                        let mut entry = format!("metric: {id}");
                        if let Some(legend) = legend {
                            let _ = write!(entry, ", legend: {}", yaml_text(legend));
                        }
                        if style == "secondary" || style == "target" {
                            let _ = write!(entry, ", style: {style}");
                        }
                        let _ = writeln!(deck, "      - {{ {entry} }}");
                    }
                }
                if let Some(title) = &block.title {
                    let _ = writeln!(deck, "    title: {}", yaml_text(title));
                }
                if !prior_year {
                    deck.push_str("    prior_year: false\n");
                }
                x_axis(&mut deck, block, &mut notes);
            }
            "6_WeeksTable" | "12_MonthsTable" => {
                let period = if block.ui_type == "6_WeeksTable" { "6w" } else { "12m" };
                let mut rows = Vec::new();
                let mut relabelled = Vec::new();
                for row in &block.rows {
                    if row.style.is_some() && styled_rows.is_none() {
                        styled_rows = Some(row.place);
                    }
                    match &row.metric {
                        None if row.header.trim().is_empty() => rows.push("{ spacer: true }".to_string()),
                        None => rows.push(format!("{{ header: {} }}", yaml_text(&row.header))),
                        Some(metric) => {
                            let Some(id) = resolve(metric, row.place, &mut notes, &mut errors, &mut taken) else {
                                continue;
                            };
                            if let Some(text) = &row.y_scaling {
                                scaling(text, row.place, std::slice::from_ref(&id), &mut notes);
                            }
                            if !row.header.trim().is_empty() && row.header != *metric {
                                relabelled.push((row.header.clone(), metric.clone(), row.place));
                            }
                            rows.push(id);
                        }
                    }
                }
                if !rows.iter().any(|row| !row.starts_with('{')) {
                    note(&mut notes, block.place, format!("{} {}", block.ui_type, block.title.as_deref().map(|title| format!("\"{title}\"")).unwrap_or_default()), "left out: none of its metrics was converted".to_string());
                    continue;
                }
                if let Some((header, metric, place)) = relabelled.first() {
                    note(&mut notes, *place, format!("row headers of {} \"{}\" (\"{header}\" for `{metric}`, …)", block.ui_type, block.title.as_deref().unwrap_or("")), "sitrep labels a table row with its metric's name".to_string());
                }
                let _ = writeln!(deck, "  - table: {period}");
                if let Some(title) = &block.title {
                    let _ = writeln!(deck, "    title: {}", yaml_text(title));
                }
                deck.push_str("    metrics:\n");
                for row in rows {
                    let _ = writeln!(deck, "      - {row}");
                }
                match &block.x_axis {
                    Some((axis, place)) if period == "12m" && axis == "fiscal_year" => note(&mut notes, *place, "`x_axis_monthly_display: fiscal_year` of a 12_MonthsTable".to_string(), "a sitrep table shows the months of the site's `x_axis` (set `x_axis: fiscal_year` in site.yaml for every month axis)".to_string()),
                    Some((_, place)) if period == "6w" => note(&mut notes, *place, "`x_axis_monthly_display` of a 6_WeeksTable".to_string(), "a table of weeks has no month axis".to_string()),
                    _ => {}
                }
                if let Some((_, place)) = &block.y_scaling {
                    note(&mut notes, *place, "`y_scaling` of a table block".to_string(), "wbr-app formats table values by row: give each row its own `y_scaling`".to_string());
                }
            }
            "section" => match block.title.as_deref().map(str::trim) {
                Some(title) if !title.is_empty() => {
                    let _ = writeln!(deck, "  - section: {}", yaml_text(title));
                }
                _ => note(&mut notes, block.place, "a `section` without a title".to_string(), "sitrep has no plain divider; the blocks follow each other".to_string()),
            },
            "embedded_content" => note(&mut notes, block.place, "an `embedded_content` block".to_string(), "sitrep's pages embed no other sites (their Content-Security-Policy allows none): link to it from a narrative".to_string()),
            other => note(&mut notes, block.place, format!("`ui_type: {other}`"), "not a block type of wbr-app or sitrep".to_string()),
        }
    }
    if let Some(place) = styled_rows {
        note(
            &mut notes,
            place,
            "`style` of table rows (CSS)".to_string(),
            "sitrep tables follow the site's theme (themes/<name>/ overrides it)".to_string(),
        );
    }

    // The program file.
    let mut yaml = format!(
        "# Imported from {} by `sitrep import wbr-app`.\nname: {}\nowner: unassigned   # who answers for these numbers\nmetrics:\n",
        config_label.display(),
        yaml_text(name)
    );
    let mut converted = Vec::new();
    let display_lines = |id: &str, notes: &mut Vec<Note>| -> String {
        let Some(uses) = displays.get(id) else {
            return String::new();
        };
        let (first, _) = uses[0];
        for (display, place) in &uses[1..] {
            if display.percent != first.percent || (display.decimals != first.decimals) {
                note(notes, *place, format!("this `y_scaling` of `{id}`"), "a sitrep metric has one unit and one number of decimals: the first block's are used".to_string());
            }
        }
        let mut text = String::new();
        if first.percent {
            text.push_str("    unit: percent\n");
        }
        if let Some(decimals) = first.decimals {
            let _ = writeln!(text, "    decimals: {decimals}");
        }
        text
    };
    for (index, metric) in config.metrics.iter().enumerate() {
        if failed.contains_key(&index) {
            continue;
        }
        let id = &ids[index];
        let _ = writeln!(yaml, "  {id}:\n    name: {}", yaml_text(&metric.name));
        yaml.push_str(&bodies[index]);
        if metric.bps {
            yaml.push_str("    compare: bps\n");
        }
        yaml.push_str(&display_lines(id, &mut notes));
        converted.push((metric.name.clone(), id.clone()));
    }
    for (name, id, over, base) in &growth {
        let _ = writeln!(
            yaml,
            "  {id}:\n    name: {}\n    change: {}\n    over: {over}",
            yaml_text(name),
            ids[*base]
        );
        let display = display_lines(id, &mut notes);
        // A growth series is a percent change (or a difference in basis
        // points) whatever wbr-app's format: only its decimals carry over.
        for line in display.lines().filter(|line| line.contains("decimals")) {
            let _ = writeln!(yaml, "{line}");
        }
        converted.push((name.clone(), id.clone()));
    }
    if !deck.is_empty() {
        yaml.push_str("deck:\n");
        yaml.push_str(&deck);
    }
    notes.sort_by_key(|note| note.place.map(|place| (place.line, place.column)));
    errors.into_result(MappedProgram {
        yaml,
        ids: converted,
        notes,
    })
}

/// A block's `x_axis_monthly_display`.
fn x_axis(deck: &mut String, block: &Block, notes: &mut Vec<Note>) {
    match block
        .x_axis
        .as_ref()
        .map(|(axis, place)| (axis.as_str(), *place))
    {
        None | Some(("trailing_twelve_months", _)) => {}
        Some(("fiscal_year", _)) => deck.push_str("    x_axis: fiscal_year\n"),
        Some((other, place)) => notes.push(Note {
            place: Some(place),
            what: format!("`x_axis_monthly_display: {other}`"),
            why:
                "neither `trailing_twelve_months` nor `fiscal_year`: the site's month axis is used"
                    .to_string(),
        }),
    }
}

/// The lines of a metric after its `name`: where its values come from and
/// how they add up.
fn metric_body(
    metric: &WbrMetric,
    strip: &dyn Fn(&str) -> String,
    operand_id: &dyn Fn(&str) -> String,
    data: &DataShape,
) -> Result<String, (Place, String)> {
    let mut body = String::new();
    let check_column = |column: &str, place: Place| -> Result<(), (Place, String)> {
        match &data.columns {
            Some(columns) if !columns.contains(column) => {
                Err((place, format!("no data file has a column `{column}`")))
            }
            _ => Ok(()),
        }
    };
    match &metric.kind {
        MetricKind::Column(column) => {
            let column = strip(column);
            check_column(&column, metric.place)?;
            let _ = writeln!(body, "    column: {}", yaml_text(&column));
        }
        MetricKind::Filter {
            base_column,
            query,
            query_place,
        } => {
            let column = strip(base_column);
            check_column(&column, metric.place)?;
            let tests = read_query(query, strip).map_err(|why| (*query_place, why))?;
            for (key, _) in &tests {
                check_column(key, *query_place)?;
            }
            let _ = writeln!(body, "    column: {}", yaml_text(&column));
            let tests: Vec<String> = tests
                .iter()
                .map(|(key, value)| format!("{}: {}", yaml_text(key), yaml_text(value)))
                .collect();
            let _ = writeln!(body, "    where: {{ {} }}", tests.join(", "));
        }
        MetricKind::Function {
            operation,
            operands,
            ..
        } => {
            let operands: Vec<String> = operands.iter().map(|name| operand_id(name)).collect();
            let _ = writeln!(body, "    {operation}: [{}]", operands.join(", "));
        }
    }
    if let Some((aggf, place)) = &metric.aggf {
        if matches!(metric.kind, MetricKind::Function { .. }) {
            // wbr-app ignores an aggf on a function metric too.
        } else if ["sum", "mean", "min", "max", "first", "last"].contains(&aggf.as_str()) {
            let _ = writeln!(body, "    aggregate: {aggf}");
        } else {
            return Err((
                *place,
                format!(
                    "`aggf: {aggf}` has no sitrep counterpart (sum, mean, min, max, first, last)"
                ),
            ));
        }
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lower_case_letters_digits_and_underscores_and_unique() {
        let mut taken = HashSet::new();
        let first = metric_id("PageViews Target", &taken);
        assert_eq!(first, "pageviews_target");
        taken.insert(first);
        assert_eq!(metric_id("PageViews/Target", &taken), "pageviews_target_2");
        assert_eq!(metric_id("Defects/Million", &taken), "defects_million");
        assert_eq!(metric_id("%%", &taken), "metric");
    }

    #[test]
    fn scalings_are_read_as_wbr_app_documents_them() {
        assert_eq!(read_scaling("##"), Some(Scaling::Plain(Some(0))));
        assert_eq!(read_scaling("##.2"), Some(Scaling::Plain(Some(2))));
        assert_eq!(read_scaling("##.1%"), Some(Scaling::Percent(Some(1))));
        assert_eq!(read_scaling("##%"), Some(Scaling::Percent(Some(0))));
        // 0.026378 at ##.2bps is 263.78bps; as a percent 2.6378%: 4 digits.
        assert_eq!(
            display_of(read_scaling("##.2bps").unwrap()),
            Some(Display {
                percent: true,
                decimals: Some(4)
            })
        );
        assert_eq!(
            read_scaling("##.2MM"),
            Some(Scaling::Scaled("millions (MM)"))
        );
        assert_eq!(read_scaling("##KK.2%"), None);
        assert_eq!(read_scaling("0.0"), None);
    }

    #[test]
    fn queries_of_equality_tests_become_where() {
        let strip = |column: &str| column.trim_start_matches("main.").to_string();
        assert_eq!(
            read_query("latency_country == 'US'", &strip).unwrap(),
            vec![("latency_country".to_string(), "US".to_string())]
        );
        assert_eq!(
            read_query("`main.Country` == \"DE\" and Year == 2021", &strip).unwrap(),
            vec![
                ("Country".to_string(), "DE".to_string()),
                ("Year".to_string(), "2021".to_string())
            ]
        );
        assert!(read_query("Department != 'Sales'", &strip)
            .unwrap_err()
            .contains("`!=`"));
        assert!(read_query("a == 'x' or b == 'y'", &strip).is_err());
        assert!(read_query("a > 3", &strip).is_err());
        assert!(read_query("Department == Sales", &strip).is_err());
    }

    #[test]
    fn text_is_quoted_only_when_plain_text_would_read_differently() {
        assert_eq!(yaml_text("impressions"), "impressions");
        assert_eq!(yaml_text("PageViews Target"), "\"PageViews Target\"");
        assert_eq!(yaml_text("yes"), "\"yes\"");
        assert_eq!(yaml_text("2021"), "\"2021\"");
        assert_eq!(yaml_text("a: b"), "\"a: b\"");
    }
}

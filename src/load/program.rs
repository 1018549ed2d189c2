//! `content/programs/<id>.yaml`: a program's owner, metrics, targets and
//! initiatives, validated on their own (data columns are checked later,
//! when the program is bound to the site's data).

use std::collections::HashMap;
use std::path::Path;

use indexmap::IndexMap;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::config::{is_safe_name, MonthAxis};
use super::events::{
    parse_condition, parse_duration, DurationStat, EventMeasure, EventQuery, WhereSpec,
};
use crate::calendar::parse_iso_date;
use crate::error::{closest, Diagnostic};
use crate::yaml;

/// How a metric's daily values become one value per period.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    #[default]
    Sum,
    Mean,
    Min,
    Max,
    First,
    Last,
}

/// How often the source gives a value: every day, or once per week or month
/// (dated on the period's last day) for numbers such as percentiles that
/// cannot be rebuilt from daily values.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    #[default]
    Day,
    Week,
    Month,
}

/// How a metric's values are shown; percent values are fractions (0.95 is
/// 95%), durations are shown in hours or minutes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    #[default]
    Count,
    Percent,
    Hours,
    Minutes,
    Currency,
    Ratio,
    /// Basis points (0.01%): the unit of a growth series of a `compare: bps` metric.
    Bps,
}

/// Which direction is good, for status colours and delta colours.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Up,
    Down,
    #[default]
    None,
}

/// How a change between two periods is expressed.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    /// `(current − previous) / previous × 100` against a positive base;
    /// against a zero or negative one, `current − previous` in the metric's
    /// unit (see [`crate::compute::compare::compare`]).
    #[default]
    #[schemars(description = "Changes in percent of the earlier value (the default).")]
    Percent,
    /// `(current − previous) × 10000`, for rates, whatever the base.
    #[schemars(description = "Changes in basis points (0.01%), for rates.")]
    Bps,
}

/// A derived metric's arithmetic, applied to the operands' period values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Divide,
    Sum,
    Difference,
    Product,
}

impl ChangeOver {
    pub fn key(self) -> &'static str {
        match self {
            ChangeOver::Wow => "wow",
            ChangeOver::Mom => "mom",
            ChangeOver::Yoy => "yoy",
        }
    }
}

impl Operation {
    pub fn key(self) -> &'static str {
        match self {
            Operation::Divide => "divide",
            Operation::Sum => "sum",
            Operation::Difference => "difference",
            Operation::Product => "product",
        }
    }
}

/// The periods a growth series (`change` metric) compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOver {
    /// Week over week: each week against the week before; no monthly points.
    Wow,
    /// Month over month: each month against the month before; no weekly points.
    Mom,
    /// Year over year: each week, month and period to date against its prior-year period.
    Yoy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InitiativeStatus {
    OnTrack,
    AtRisk,
    OffTrack,
    Done,
}

/// Where a metric's numbers come from.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricSource {
    /// A data column (wide CSV) or metric name (long CSV), optionally only
    /// the long-CSV rows whose dimensions match `filter`.
    Column {
        column: String,
        filter: Vec<(String, String)>,
        aggregate: Aggregate,
    },
    /// Arithmetic on other metrics of the same program, by index.
    Derived {
        operation: Operation,
        operands: Vec<usize>,
    },
    /// Rows of an event source (tickets, contacts, audits) counted or
    /// measured per period.
    Events(EventQuery),
    /// A growth series: the change of metric `of` (by index) per period,
    /// as the comparisons compute it (BRIEF §3 "Growth series").
    Change { of: usize, over: ChangeOver },
}

/// A metric's target: a constant, or a data column aggregated per period.
#[derive(Debug, Clone, PartialEq)]
pub enum TargetDefinition {
    Constant(f64),
    Column {
        column: String,
        aggregate: Aggregate,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricDefinition {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub source: MetricSource,
    pub grain: Grain,
    pub unit: Unit,
    pub better: Better,
    pub compare: Compare,
    pub target: Option<TargetDefinition>,
    /// The amber band, as a fraction of the target; `None` uses the site's.
    pub tolerance: Option<f64>,
    pub sla: bool,
    pub key: bool,
    pub month_axis: Option<MonthAxis>,
    /// Digits after the decimal point on pages; `None` uses the unit's.
    pub decimals: Option<u8>,
    /// The line of the metric's key in its YAML file, for later messages.
    pub line: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Initiative {
    pub name: String,
    pub owner: Option<String>,
    pub due: Option<Date>,
    pub status: InitiativeStatus,
}

/// A program as written in its YAML file, checked for internal consistency.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramDefinition {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub summary: Option<String>,
    pub metrics: Vec<MetricDefinition>,
    pub initiatives: Vec<Initiative>,
    /// The program's WBR deck; `None` gives every metric a 6-12 chart.
    pub deck: Option<Vec<super::deck::DeckBlock>>,
    /// A hash of the file's text: pages built from an unchanged program
    /// need not be rendered again.
    pub fingerprint: u64,
}

impl ProgramDefinition {
    pub fn metric_index(&self, id: &str) -> Option<usize> {
        self.metrics.iter().position(|metric| metric.id == id)
    }
}

// The doc comments of the `*File` types below are the descriptions
// editors show (see `crate::schema`): they speak to the user.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "sitrep program",
    description = "A program of a sitrep site (content/programs/<id>.yaml): its owner, metrics, targets, initiatives and deck."
)]
struct ProgramFile {
    /// The program's name (required).
    name: String,
    /// The program's owner (required).
    owner: String,
    /// One sentence on what the program is for.
    summary: Option<String>,
    /// The program's metrics, in display order, by id (letters, digits and `_`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": crate::schema::METRIC_ID_PATTERN }))]
    metrics: IndexMap<String, MetricFile>,
    /// The program's initiatives.
    #[serde(default)]
    initiatives: Vec<InitiativeFile>,
    /// Optional: the program's WBR deck, blocks in order; without it every metric gets a 6-12 chart.
    deck: Option<Vec<super::deck::DeckBlockFile>>,
}

/// A metric: a data column (`column`), arithmetic on other metrics
/// (`divide`, `sum`, `difference`, `product`) or rows of an event source
/// (`events` with `count`, `sum`, `mean`, `duration` or `open`).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Metric")]
struct MetricFile {
    /// The metric's name on pages (default: the id).
    name: Option<String>,
    /// What the metric counts or measures.
    description: Option<String>,
    /// A wide-file column or a long-file metric.
    column: Option<String>,
    #[serde(rename = "where")]
    // Not required, no default shown: a field with its own schema is
    // otherwise required.
    #[schemars(
        default,
        skip_serializing_if = "Option::is_none",
        schema_with = "crate::schema::where_clause"
    )]
    filter: Option<IndexMap<String, WhereSpec>>,
    /// How daily values become one value per period (default sum); for a metric of `grain: week` or `month`, how its values become a month's or a year's.
    aggregate: Option<Aggregate>,
    /// How often the column has a value: `day` (default), or `week`/`month` dated on the period's last day.
    grain: Option<Grain>,
    /// Derived: the first metric divided by the second, e.g. `[within_sla, total]`.
    divide: Option<Vec<String>>,
    /// Derived: the sum of these metrics; or, with `events`, the sum of a numeric column over the period's rows.
    sum: Option<SumSpec>,
    /// The event source (declared under `events:` in site.yaml) whose rows this metric counts or measures.
    events: Option<String>,
    /// With `events`: counts the rows whose timestamp (this column) falls in the period.
    count: Option<String>,
    /// With `events`: each row's time from the start column to the end column; takes `percentile`, `mean: true` or `within`.
    duration: Option<Vec<String>>,
    /// With `events`: the backlog, rows started before the period's end and not ended before it: `[start, end]`.
    open: Option<Vec<String>>,
    /// With `duration`: this percentile (0–100, linear interpolation) of the period's durations.
    #[schemars(range(min = 0.0, max = 100.0))]
    percentile: Option<f64>,
    // Not required, no default shown: a field with its own schema is
    // otherwise required.
    #[schemars(
        default,
        skip_serializing_if = "Option::is_none",
        schema_with = "crate::schema::duration"
    )]
    within: Option<String>,
    /// With `events`: the mean of a numeric column over the period's rows; with `duration`, `true` for the mean duration.
    mean: Option<MeanSpec>,
    /// With `events`: the timestamp column that places a row in a period (default: the counted timestamp, the duration's or backlog's start, or the source's `at`).
    at: Option<String>,
    /// A growth series: the change of this metric (by id) per period, with `over`.
    change: Option<String>,
    /// With `change`: `wow` (each week against the one before), `mom` (each month against the one before) or `yoy` (each week, month and period to date against the prior year).
    over: Option<ChangeOver>,
    /// Derived: the first metric minus the others.
    difference: Option<Vec<String>>,
    /// Derived: the product of these metrics.
    product: Option<Vec<String>>,
    /// How values are shown (default count; for a `change` metric, percent, or bps for a `compare: bps` source).
    unit: Option<Unit>,
    /// Which direction is good, for status and change colours (default none; a `change` metric's is its source's).
    better: Option<Better>,
    /// How changes between periods are expressed (default percent).
    #[serde(default)]
    compare: Compare,
    target: Option<TargetSpec>,
    /// The amber band of this metric's status, as a fraction of the target (default: the site's).
    #[schemars(range(min = 0.0), extend("exclusiveMaximum" = 1))]
    tolerance: Option<f64>,
    /// Missing the target is an SLA breach.
    #[serde(default)]
    sla: bool,
    /// One of the program's headline numbers.
    #[serde(default)]
    key: bool,
    /// This metric's months of a 6-12 chart, overriding the site's `x_axis`.
    x_axis: Option<MonthAxis>,
    /// Digits after the decimal point on pages (default by unit).
    #[schemars(range(max = MAX_DECIMALS))]
    decimals: Option<u8>,
}

/// The most digits after the decimal point a page may show: more is noise
/// for a business review, and `decimals: 255` printed 255 digits.
pub const MAX_DECIMALS: u8 = 6;

/// The error for `decimals:` above [`MAX_DECIMALS`], if it is.
pub(crate) fn check_decimals(decimals: Option<u8>) -> Option<Diagnostic> {
    let decimals = decimals.filter(|decimals| *decimals > MAX_DECIMALS)?;
    Some(
        Diagnostic::new(
            "",
            format!("`decimals: {decimals}` is out of range: pages show 0 to {MAX_DECIMALS} digits after the decimal point"),
        )
        .with_help(format!("give a number of digits from 0 to {MAX_DECIMALS}")),
    )
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum SumSpec {
    Metrics(Vec<String>),
    Column(String),
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum MeanSpec {
    Duration(bool),
    Column(String),
}

/// The target: a number (in the metric's unit; 0.95 is 95% for percent), or a column aggregated per period: `{ column: <col>, aggregate: <agg> }`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
#[schemars(rename = "Target")]
enum TargetSpec {
    Constant(f64),
    Column(TargetColumnSpec),
}

/// Targets from a data column, aggregated per period.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "TargetColumn")]
struct TargetColumnSpec {
    /// The column that holds the targets.
    column: String,
    /// How the column's daily targets become one per period.
    aggregate: Option<Aggregate>,
}

/// A piece of work that moves the program's numbers.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Initiative")]
struct InitiativeFile {
    /// What the initiative does (required).
    name: String,
    /// Who leads it.
    owner: Option<String>,
    /// The due date, e.g. 2026-12-15.
    #[schemars(regex(pattern = r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*$"))]
    due: Option<String>,
    /// on_track, at_risk, off_track or done (required).
    status: InitiativeStatus,
}

/// Names the site's layout uses next to program pages, in any case:
/// `index.md` is a week's executive narrative, and the rest are (or are
/// kept for) site folders and files.
pub const RESERVED_IDS: [&str; 6] = ["index", "assets", "archive", "print", "data", "versions"];

/// The JSON Schema of program files (see [`crate::schema`]).
pub(crate) fn json_schema(generator: schemars::SchemaGenerator) -> schemars::Schema {
    generator.into_root_schema_for::<ProgramFile>()
}

/// Parses and checks one program file. `id` comes from the file name.
pub fn parse_program(
    id: &str,
    text: &str,
    path: &Path,
) -> Result<ProgramDefinition, Vec<Diagnostic>> {
    let file: ProgramFile = super::parse_yaml(text, path).map_err(|mut error| {
        // serde_yaml places errors of untagged enums at the start of the
        // enclosing mapping; point at the metric's `target:` instead.
        let metric = error
            .message
            .strip_prefix("metrics.")
            .and_then(|rest| rest.split_once(": a target must be"))
            .map(|(metric, _)| metric.to_string());
        if let Some(line) = metric.and_then(|metric| {
            yaml::KeyLines::new(text).key(&["metrics", metric.as_str(), "target"])
        }) {
            error.line = Some(line);
            error.column = None;
        }
        vec![error]
    })?;
    let mut errors = Vec::new();
    let lines = yaml::KeyLines::new(text);
    let metric_line = |metric: &str, key: Option<&str>| match key {
        Some(key) => lines.key(&["metrics", metric, key]),
        None => lines.key(&["metrics", metric]),
    };

    if !is_safe_name(id) {
        errors.push(
            Diagnostic::new(
                path,
                format!("`{id}` cannot be a program id: it becomes a folder name and URL"),
            )
            .with_help("rename the file using letters, digits, `-` and `_` only"),
        );
    }

    if let Some(reserved) = RESERVED_IDS
        .iter()
        .find(|reserved| reserved.eq_ignore_ascii_case(id))
    {
        errors.push(
            Diagnostic::new(
                path,
                format!("`{id}` is reserved: the site's `{reserved}` pages and files would clash with this program's"),
            )
            .with_help("rename the file"),
        );
    }

    let ids: Vec<&str> = file.metrics.keys().map(String::as_str).collect();
    let index_of: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(index, id)| (*id, index))
        .collect();
    let mut metrics = Vec::with_capacity(file.metrics.len());
    for (metric_id, metric) in &file.metrics {
        let line = metric_line(metric_id, None);
        let error = |key: Option<&str>, message: String| {
            Diagnostic::new(path, message).at_line(
                key.and_then(|key| metric_line(metric_id, Some(key)))
                    .or(line),
            )
        };
        if !is_metric_id(metric_id) {
            errors.push(
                error(None, format!("`{metric_id}` cannot be a metric id")).with_help(
                    "use letters, digits and `_` only; narratives refer to metrics by id",
                ),
            );
        }
        let derived_sum = match &metric.sum {
            Some(SumSpec::Metrics(operands)) => Some(operands.clone()),
            _ => None,
        };
        let derived: Vec<(Operation, &Vec<String>)> = [
            (Operation::Divide, &metric.divide),
            (Operation::Sum, &derived_sum),
            (Operation::Difference, &metric.difference),
            (Operation::Product, &metric.product),
        ]
        .into_iter()
        .filter_map(|(operation, operands)| operands.as_ref().map(|operands| (operation, operands)))
        .collect();
        let event_keys = [
            ("count", metric.count.is_some()),
            ("duration", metric.duration.is_some()),
            ("open", metric.open.is_some()),
            ("percentile", metric.percentile.is_some()),
            ("within", metric.within.is_some()),
            ("mean", metric.mean.is_some()),
            ("at", metric.at.is_some()),
            ("sum", matches!(metric.sum, Some(SumSpec::Column(_)))),
        ];
        if let Some(of) = &metric.change {
            if let Some(metric) = change_metric(
                metric_id,
                of,
                metric,
                &file.metrics,
                &index_of,
                line,
                &error,
                &mut errors,
            ) {
                metrics.push(metric);
            }
            continue;
        }
        if let Some(key) = metric.over.map(|_| "over") {
            errors.push(
                error(Some(key), format!("`over` of metric `{metric_id}` belongs to a growth series, but the metric has no `change`"))
                    .with_help("add `change: <metric id>`, or remove `over`"),
            );
            continue;
        }
        if let Some(source) = &metric.events {
            match event_query(metric, source) {
                Ok(query) => {
                    for (key, present) in [
                        ("column", metric.column.is_some()),
                        ("aggregate", metric.aggregate.is_some()),
                        ("grain", metric.grain.is_some()),
                        ("divide", metric.divide.is_some()),
                        ("difference", metric.difference.is_some()),
                        ("product", metric.product.is_some()),
                        ("sum", derived_sum.is_some()),
                    ] {
                        if present {
                            errors.push(
                                error(
                                    Some(key),
                                    format!("`{key}` does not apply to event metric `{metric_id}`"),
                                )
                                .with_help("an event metric is computed from the rows of each period; remove it"),
                            );
                        }
                    }
                    let duration = matches!(
                        query.measure,
                        EventMeasure::Duration {
                            stat: DurationStat::Mean | DurationStat::Percentile(_),
                            ..
                        }
                    );
                    if duration && !matches!(metric.unit, Some(Unit::Hours | Unit::Minutes)) {
                        errors.push(
                            error(Some("duration"), format!("duration metric `{metric_id}` needs `unit: hours` or `unit: minutes`"))
                                .with_help("add the unit its values are shown in"),
                        );
                    }
                    if metric.sla && metric.target.is_none() {
                        errors.push(
                            error(
                                Some("sla"),
                                format!("SLA metric `{metric_id}` has no target"),
                            )
                            .with_help("add `target:`, the level the SLA promises"),
                        );
                    }
                    metrics.push(MetricDefinition {
                        id: metric_id.clone(),
                        name: metric.name.clone().unwrap_or_else(|| metric_id.clone()),
                        description: metric.description.clone(),
                        source: MetricSource::Events(query),
                        grain: Grain::Day,
                        unit: metric.unit.unwrap_or_default(),
                        better: metric.better.unwrap_or_default(),
                        compare: metric.compare,
                        target: match metric.target {
                            Some(TargetSpec::Constant(value)) if value.is_finite() => Some(TargetDefinition::Constant(value)),
                            None => None,
                            Some(_) => {
                                errors.push(error(Some("target"), format!("the target of event metric `{metric_id}` must be a number")).with_help("e.g. `target: 0.95`"));
                                None
                            }
                        },
                        tolerance: metric.tolerance,
                        sla: metric.sla,
                        key: metric.key,
                        month_axis: metric.x_axis,
                        decimals: metric.decimals,
                        line,
                    });
                }
                Err((key, message, help)) => errors.push(
                    error(Some(key), format!("metric `{metric_id}`: {message}")).with_help(help),
                ),
            }
            continue;
        }
        if let Some((key, _)) = event_keys.iter().find(|(_, present)| *present) {
            errors.push(
                error(Some(key), format!("`{key}` of metric `{metric_id}` reads an event source, but the metric names none"))
                    .with_help("add `events: <source>` naming a source of site.yaml's `events:`"),
            );
            continue;
        }
        let mut column_filter = Vec::new();
        for (key, value) in metric.filter.iter().flatten() {
            match value {
                WhereSpec::One(value) => column_filter.push((key.clone(), value.text())),
                _ => errors.push(
                    error(Some("where"), format!("`where: {{ {key}: … }}` of metric `{metric_id}` is not a single value"))
                        .with_help("rows of long data files are picked by one value per dimension; lists, `not` and comparisons work for event metrics"),
                ),
            }
        }
        let source = match (&metric.column, derived.as_slice()) {
            (Some(column), []) => MetricSource::Column {
                column: column.clone(),
                filter: column_filter,
                aggregate: metric.aggregate.unwrap_or_default(),
            },
            (None, [(operation, operands)]) => {
                let mut indexes = Vec::new();
                for operand in operands.iter() {
                    match index_of.get(operand.as_str()).copied() {
                        Some(index) => indexes.push(index),
                        None => {
                            let mut diagnostic = error(
                                Some(operation.key()),
                                format!("metric `{metric_id}` uses `{operand}`, which is not a metric of this program"),
                            );
                            diagnostic = match closest(operand, ids.iter().copied()) {
                                Some(suggestion) => {
                                    diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                                }
                                None => diagnostic.with_help("define it under `metrics:` first"),
                            };
                            errors.push(diagnostic);
                        }
                    }
                }
                let arity_ok = match operation {
                    Operation::Divide | Operation::Difference => operands.len() == 2,
                    Operation::Sum | Operation::Product => operands.len() >= 2,
                };
                if !arity_ok {
                    errors.push(error(
                        Some(operation.key()),
                        format!(
                            "`{}` of metric `{metric_id}` needs {} metrics, got {}",
                            operation.key(),
                            if matches!(operation, Operation::Divide | Operation::Difference) {
                                "exactly 2"
                            } else {
                                "at least 2"
                            },
                            operands.len()
                        ),
                    ));
                }
                for (key, present) in [
                    ("aggregate", metric.aggregate.is_some()),
                    ("where", metric.filter.is_some()),
                    ("grain", metric.grain.is_some()),
                ] {
                    if present {
                        errors.push(
                            error(
                                Some(key),
                                format!("`{key}` does not apply to derived metric `{metric_id}`"),
                            )
                            .with_help(
                                "derived metrics take their periods from their operands; remove it",
                            ),
                        );
                    }
                }
                MetricSource::Derived {
                    operation: *operation,
                    operands: indexes,
                }
            }
            (None, []) => {
                errors.push(
                    error(None, format!("metric `{metric_id}` has no source"))
                        .with_help("give it a `column:` of a data file, or one of `divide`, `sum`, `difference`, `product`"),
                );
                continue;
            }
            _ => {
                errors.push(
                    error(
                        None,
                        format!("metric `{metric_id}` has more than one source"),
                    )
                    .with_help(
                        "keep exactly one of `column`, `divide`, `sum`, `difference`, `product`",
                    ),
                );
                continue;
            }
        };
        let target = match &metric.target {
            None => None,
            Some(TargetSpec::Constant(value)) if value.is_finite() => {
                Some(TargetDefinition::Constant(*value))
            }
            Some(TargetSpec::Constant(value)) => {
                errors.push(error(
                    Some("target"),
                    format!("target `{value}` is not a finite number"),
                ));
                None
            }
            Some(TargetSpec::Column(spec)) => {
                let aggregate = match (&source, spec.aggregate) {
                    (_, Some(aggregate)) => aggregate,
                    (MetricSource::Column { aggregate, .. }, None) => *aggregate,
                    (
                        MetricSource::Derived { .. }
                        | MetricSource::Events(_)
                        | MetricSource::Change { .. },
                        None,
                    ) => {
                        errors.push(
                            error(Some("target"), format!("the target column of derived metric `{metric_id}` needs an `aggregate`"))
                                .with_help("e.g. `target: { column: sla_target, aggregate: mean }`"),
                        );
                        Aggregate::Mean
                    }
                };
                Some(TargetDefinition::Column {
                    column: spec.column.clone(),
                    aggregate,
                })
            }
        };
        if let Some(tolerance) = metric.tolerance {
            if !(tolerance.is_finite() && (0.0..1.0).contains(&tolerance)) {
                errors.push(
                    error(
                        Some("tolerance"),
                        format!("`tolerance: {tolerance}` is out of range"),
                    )
                    .with_help("give the amber band as a fraction of the target, e.g. 0.05 for 5%"),
                );
            }
        }
        if let Some(problem) = check_decimals(metric.decimals) {
            errors.push(
                error(Some("decimals"), problem.message)
                    .with_help(problem.help.unwrap_or_default()),
            );
        }
        if metric.sla && target.is_none() {
            errors.push(
                error(
                    Some("sla"),
                    format!("SLA metric `{metric_id}` has no target"),
                )
                .with_help("add `target:`, the level the SLA promises"),
            );
        }
        metrics.push(MetricDefinition {
            id: metric_id.clone(),
            name: metric.name.clone().unwrap_or_else(|| metric_id.clone()),
            description: metric.description.clone(),
            source,
            grain: metric.grain.unwrap_or_default(),
            unit: metric.unit.unwrap_or_default(),
            better: metric.better.unwrap_or_default(),
            compare: metric.compare,
            target,
            tolerance: metric.tolerance,
            sla: metric.sla,
            key: metric.key,
            month_axis: metric.x_axis,
            decimals: metric.decimals,
            line,
        });
    }

    // Operand indexes above refer to positions in the file; they match
    // `metrics` only when every metric was kept.
    if errors.is_empty() {
        if let Some(cycle) = find_cycle(&metrics) {
            let first = &metrics[cycle[0]];
            let names: Vec<&str> = cycle
                .iter()
                .map(|&index| metrics[index].id.as_str())
                .collect();
            errors.push(
                Diagnostic::new(
                    path,
                    format!(
                        "derived metrics refer to each other in a cycle: {} → {}",
                        names.join(" → "),
                        names[0]
                    ),
                )
                .at_line(first.line)
                .with_help("a derived metric cannot depend on itself, directly or through others"),
            );
        }
    }

    let mut initiatives = Vec::with_capacity(file.initiatives.len());
    for (index, initiative) in file.initiatives.into_iter().enumerate() {
        let due = match &initiative.due {
            None => None,
            Some(due) => match parse_iso_date(due.trim()) {
                Some(date) => Some(date),
                None => {
                    errors.push(
                        Diagnostic::new(
                            path,
                            format!(
                                "initiative `{}` is due `{due}`, which is not a date",
                                initiative.name
                            ),
                        )
                        .at_line(lines.list_item("initiatives", index))
                        .with_help("write the due date as YYYY-MM-DD"),
                    );
                    None
                }
            },
        };
        initiatives.push(Initiative {
            name: initiative.name,
            owner: initiative.owner,
            due,
            status: initiative.status,
        });
    }

    let deck = match file.deck {
        None => None,
        Some(blocks) => match super::deck::parse_deck(blocks, &ids, &lines, path) {
            Ok((deck, axes)) => {
                // A chart's `x_axis` (wbr-app's per-block
                // `x_axis_monthly_display`) sets the months of its metrics:
                // a metric has one set of months, so two charts (or the
                // metric itself) asking for different ones is an error.
                if metrics.len() == ids.len() {
                    for (line, axis, indexes) in axes {
                        for index in indexes {
                            let metric = &mut metrics[index];
                            match metric.month_axis {
                                Some(other) if other != axis => errors.push(
                                    Diagnostic::new(path, format!("a chart's `x_axis` asks for other months than metric `{}` already has", metric.id))
                                        .at_line(line)
                                        .with_help("a metric shows one set of months: give its charts and its own `x_axis` the same value"),
                                ),
                                _ => metric.month_axis = Some(axis),
                            }
                        }
                    }
                }
                Some(deck)
            }
            Err(problems) => {
                errors.extend(problems);
                None
            }
        },
    };

    if errors.is_empty() {
        Ok(ProgramDefinition {
            id: id.to_string(),
            name: file.name,
            owner: file.owner,
            summary: file.summary,
            metrics,
            initiatives,
            deck,
            fingerprint: crate::fingerprint(&text),
        })
    } else {
        Err(errors)
    }
}

/// Reads the keys of a metric over event source `source`; an error is the
/// key to point at, the message and what to do.
fn event_query(
    metric: &MetricFile,
    source: &str,
) -> Result<EventQuery, (&'static str, String, String)> {
    let sum = match &metric.sum {
        Some(SumSpec::Column(column)) => Some(column.clone()),
        _ => None,
    };
    let mean_column = match &metric.mean {
        Some(MeanSpec::Column(column)) => Some(column.clone()),
        _ => None,
    };
    let pair = |key: &'static str, columns: &Vec<String>| match columns.as_slice() {
        [start, end] => Ok((start.clone(), end.clone())),
        _ => Err((
            key,
            format!("`{key}` names {} columns", columns.len()),
            format!("give two timestamps, start and end, e.g. `{key}: [created_at, resolved_at]`"),
        )),
    };
    let kinds = [
        metric.count.is_some(),
        sum.is_some(),
        mean_column.is_some(),
        metric.duration.is_some(),
        metric.open.is_some(),
    ];
    if kinds.iter().filter(|&&kind| kind).count() != 1 {
        return Err((
            "events",
            "an event metric measures exactly one thing".to_string(),
            "keep one of `count: <timestamp>`, `sum: <column>`, `mean: <column>`, `duration: [start, end]` or `open: [start, end]`".to_string(),
        ));
    }
    let statistics = [
        metric.percentile.is_some(),
        metric.within.is_some(),
        matches!(metric.mean, Some(MeanSpec::Duration(true))),
    ];
    let statistic_count = statistics.iter().filter(|&&given| given).count();
    let measure = if let Some(column) = &metric.count {
        EventMeasure::Count(column.clone())
    } else if let Some(column) = sum {
        EventMeasure::Sum(column)
    } else if let Some(column) = mean_column {
        EventMeasure::Mean(column)
    } else if let Some(columns) = &metric.open {
        let (start, end) = pair("open", columns)?;
        EventMeasure::Open { start, end }
    } else {
        let (start, end) = pair("duration", metric.duration.as_ref().expect("one kind"))?;
        if statistic_count != 1 {
            return Err((
                "duration",
                "a duration metric needs exactly one statistic".to_string(),
                "add one of `percentile: 90`, `mean: true` or `within: 4h` (the share of rows within 4 hours)".to_string(),
            ));
        }
        let stat = if let Some(percentile) = metric.percentile {
            if !(0.0..=100.0).contains(&percentile) {
                return Err((
                    "percentile",
                    format!("`percentile: {percentile}` is not between 0 and 100"),
                    "e.g. `percentile: 90` for p90".to_string(),
                ));
            }
            DurationStat::Percentile(percentile)
        } else if let Some(within) = &metric.within {
            match parse_duration(within) {
                Some(millis) => DurationStat::Within(millis),
                None => {
                    return Err((
                        "within",
                        format!("`within: {within}` is not a duration"),
                        "write it like `4h`, `30m`, `2d` or `1h30m`".to_string(),
                    ))
                }
            }
        } else {
            DurationStat::Mean
        };
        EventMeasure::Duration { start, end, stat }
    };
    if statistic_count > 0 && !matches!(measure, EventMeasure::Duration { .. }) {
        return Err((
            "events",
            "`percentile`, `within` and `mean: true` apply to durations".to_string(),
            "use them with `duration: [start, end]`".to_string(),
        ));
    }
    let mut filter = Vec::new();
    for (column, spec) in metric.filter.iter().flatten() {
        match parse_condition(spec) {
            Ok(conditions) => filter.extend(conditions.into_iter().map(|condition| (column.clone(), condition))),
            Err(message) => return Err(("where", format!("`where` on `{column}`: {message}"), "e.g. `where: { channel: [email, chat], priority: { not: low }, handle_minutes: { \">=\": 30 } }`".to_string())),
        }
    }
    Ok(EventQuery {
        source: source.to_string(),
        measure,
        at: metric.at.clone(),
        filter,
    })
}

/// A growth series (`change: <metric>` with `over: wow | mom | yoy`). Its
/// unit defaults to percent (the change as a fraction), or bps for a
/// `compare: bps` source; `better` is the source's. It has no target and no
/// other source.
#[allow(clippy::too_many_arguments)]
fn change_metric(
    metric_id: &str,
    of: &str,
    metric: &MetricFile,
    all: &IndexMap<String, MetricFile>,
    index_of: &HashMap<&str, usize>,
    line: Option<usize>,
    error: &dyn Fn(Option<&str>, String) -> Diagnostic,
    errors: &mut Vec<Diagnostic>,
) -> Option<MetricDefinition> {
    let present = [
        ("column", metric.column.is_some()),
        ("where", metric.filter.is_some()),
        ("aggregate", metric.aggregate.is_some()),
        ("grain", metric.grain.is_some()),
        ("divide", metric.divide.is_some()),
        ("sum", metric.sum.is_some()),
        ("difference", metric.difference.is_some()),
        ("product", metric.product.is_some()),
        ("events", metric.events.is_some()),
        ("count", metric.count.is_some()),
        ("duration", metric.duration.is_some()),
        ("open", metric.open.is_some()),
        ("percentile", metric.percentile.is_some()),
        ("within", metric.within.is_some()),
        ("mean", metric.mean.is_some()),
        ("at", metric.at.is_some()),
        ("target", metric.target.is_some()),
        ("tolerance", metric.tolerance.is_some()),
        ("sla", metric.sla),
    ];
    let before = errors.len();
    for (key, _) in present.iter().filter(|(_, present)| *present) {
        errors.push(
            error(Some(key), format!("`{key}` does not apply to growth series `{metric_id}`"))
                .with_help("a `change` metric is its source's change per period; remove it (put targets on the source metric)"),
        );
    }
    let Some(over) = metric.over else {
        errors.push(
            error(Some("change"), format!("growth series `{metric_id}` needs `over`"))
                .with_help("add `over: wow` (week over week), `over: mom` (month over month) or `over: yoy` (year over year)"),
        );
        return None;
    };
    let Some(&source) = index_of.get(of) else {
        let mut diagnostic = error(
            Some("change"),
            format!("metric `{metric_id}` is the change of `{of}`, which is not a metric of this program"),
        );
        diagnostic = match closest(of, index_of.keys().copied()) {
            Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
            None => diagnostic.with_help("define it under `metrics:` first"),
        };
        errors.push(diagnostic);
        return None;
    };
    let (_, source_file) = all.get_index(source).expect("index of a key");
    if source_file.change.is_some() {
        errors.push(
            error(
                Some("change"),
                format!(
                    "growth series `{metric_id}` is the change of `{of}`, itself a growth series"
                ),
            )
            .with_help(format!(
                "take the change of the metric `{of}` is the change of"
            )),
        );
        return None;
    }
    if errors.len() > before {
        return None;
    }
    let unit = metric.unit.unwrap_or(match source_file.compare {
        Compare::Bps => Unit::Bps,
        Compare::Percent => Unit::Percent,
    });
    Some(MetricDefinition {
        id: metric_id.to_string(),
        name: metric.name.clone().unwrap_or_else(|| metric_id.to_string()),
        description: metric.description.clone(),
        source: MetricSource::Change { of: source, over },
        grain: Grain::Day,
        unit,
        better: metric
            .better
            .unwrap_or_else(|| source_file.better.unwrap_or_default()),
        // A growth series' own box shows no changes (see
        // `compute::compute_metric`): `compare` means nothing for it.
        compare: Compare::Percent,
        target: None,
        tolerance: None,
        sla: false,
        key: metric.key,
        month_axis: metric.x_axis,
        decimals: metric.decimals,
        line,
    })
}

/// Metric ids appear in narrative calls such as `value("program.metric")`,
/// so they cannot contain dots, quotes or spaces.
fn is_metric_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 100 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A cycle among derived metrics, as metric indexes, if there is one.
fn find_cycle(metrics: &[MetricDefinition]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    fn visit(
        index: usize,
        metrics: &[MetricDefinition],
        marks: &mut [Mark],
        path: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        match marks[index] {
            Mark::Done => return None,
            Mark::OnPath => {
                let start = path
                    .iter()
                    .position(|&on_path| on_path == index)
                    .unwrap_or(0);
                return Some(path[start..].to_vec());
            }
            Mark::New => {}
        }
        marks[index] = Mark::OnPath;
        path.push(index);
        let operands: &[usize] = match &metrics[index].source {
            MetricSource::Derived { operands, .. } => operands,
            MetricSource::Change { of, .. } => std::slice::from_ref(of),
            _ => &[],
        };
        for &operand in operands {
            if let Some(cycle) = visit(operand, metrics, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks[index] = Mark::Done;
        None
    }
    let mut marks = vec![Mark::New; metrics.len()];
    (0..metrics.len()).find_map(|index| visit(index, metrics, &mut marks, &mut Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ProgramDefinition, Vec<Diagnostic>> {
        parse_program(
            "incidents",
            text,
            Path::new("content/programs/incidents.yaml"),
        )
    }

    const GOOD: &str = "\
name: Incident Resolutions
owner: A. Rivera
metrics:
  within_sla: { column: frt_within_sla }
  total:
    column: frt_total
  attainment:
    name: First-response SLA attainment
    divide: [within_sla, total]
    unit: percent
    better: up
    target: 0.95
    compare: bps
    sla: true
  backlog: { column: open_backlog, aggregate: last, better: down, target: { column: backlog_target } }
initiatives:
  - name: Rebuild triage
    owner: J. Chen
    due: 2026-12-15
    status: at_risk
";

    #[test]
    fn decimals_above_six_are_refused_at_their_line() {
        let text = GOOD.replace(
            "  total:\n    column: frt_total\n",
            "  total:\n    column: frt_total\n    decimals: 255\n",
        );
        let errors = parse(&text).unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "content/programs/incidents.yaml:7: `decimals: 255` is out of range: pages show 0 to 6 digits after the decimal point\n  help: give a number of digits from 0 to 6"
        );
        let text = GOOD.replace(
            "    column: frt_total\n",
            "    column: frt_total\n    decimals: 6\n",
        );
        assert_eq!(parse(&text).unwrap().metrics[1].decimals, Some(6));
    }

    #[test]
    fn many_metrics_are_checked_in_linear_time() {
        // Looking up each metric's line by rescanning the file took 18 s
        // for 8,000 metrics in a release build, 4× per doubling.
        let count = 10_000;
        let mut text = String::from("name: Many\nowner: A\nmetrics:\n");
        for index in 0..count {
            text.push_str(&format!(
                "  m{index}:\n    column: c{index}\n    better: up\n"
            ));
        }
        // The last metric's error needs its line.
        text.push_str("  last:\n    divide: [m1, nothing]\n");
        let started = std::time::Instant::now();
        let errors = parse(&text).unwrap_err();
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
        assert_eq!(errors[0].line, Some(4 + 3 * count + 1), "{errors:?}");
    }

    #[test]
    fn errors_among_thousands_of_metrics_point_at_their_own_lines() {
        // 3,000 metrics of 3 lines from line 4: metric `m{i}` starts on
        // line 4 + 3i. Ids that are prefixes of others (`m1`, `m10`) and a
        // metric named like a key (`column`) must not confuse the lines.
        let count = 3_000;
        let mut text = String::from("name: Many\nowner: A\nmetrics:\n");
        for index in 0..count {
            let body = match index {
                // Line 4 + 3 × 1000 + 2 = 3006.
                1000 => "    decimals: 9".to_string(),
                // Line 4 + 3 × 2000 + 2 = 6006.
                2000 => "    divide: [m1, m10x]".to_string(),
                _ => "    better: up".to_string(),
            };
            let source = if index == 2000 {
                "    unit: ratio".to_string()
            } else {
                format!("    column: c{index}")
            };
            text.push_str(&format!("  m{index}:\n{source}\n{body}\n"));
        }
        // Line 4 + 3 × 3000 = 9004: a metric named `column`.
        text.push_str("  column:\n    column: c\n    sla: true\n");
        let errors = parse(&text).unwrap_err();
        let lines: Vec<(Option<usize>, &str)> = errors
            .iter()
            .map(|error| (error.line, error.message.as_str()))
            .collect();
        assert_eq!(lines.len(), 3, "{lines:#?}");
        assert_eq!(lines[0].0, Some(3006), "{lines:#?}");
        assert!(lines[0].1.contains("`decimals: 9`"), "{lines:#?}");
        assert_eq!(lines[1].0, Some(6006), "{lines:#?}");
        assert!(lines[1].1.contains("`m10x`"), "{lines:#?}");
        // `sla` of the last metric: line 9004 + 2.
        assert_eq!(lines[2].0, Some(9006), "{lines:#?}");

        // A misspelt key in the middle is placed by the YAML parser, with
        // its column: metric 1500's second line, 4 + 3 × 1500 + 1 = 4505.
        let text = text.replace(
            "  m1500:\n    column: c1500\n",
            "  m1500:\n    colum: c1500\n",
        );
        let errors = parse(&text).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column), (Some(4505), Some(5)));
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `column`?"));
    }

    #[test]
    fn growth_series_are_checked() {
        let text = "name: X\nowner: Y\nmetrics:\n  t: { column: t, compare: bps, better: up }\n  w: { change: t, over: wow }\n  n: { change: t }\n  g: { change: t, over: yoy, target: 0.1 }\n  c: { change: w, over: mom }\n  u: { change: tt, over: yoy }\n  o: { column: t, over: wow }\n";
        let errors = parse(text).unwrap_err();
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "growth series `n` needs `over`",
                "`target` does not apply to growth series `g`",
                "growth series `c` is the change of `w`, itself a growth series",
                "metric `u` is the change of `tt`, which is not a metric of this program",
                "`over` of metric `o` belongs to a growth series, but the metric has no `change`",
            ]
        );
        let program = parse("name: X\nowner: Y\nmetrics:\n  t: { column: t, compare: bps, better: up }\n  w: { change: t, over: wow }\n").unwrap();
        // A bps source gives a series in bps; `better` is the source's.
        assert_eq!(program.metrics[1].unit, Unit::Bps);
        assert_eq!(program.metrics[1].better, Better::Up);
        assert_eq!(
            program.metrics[1].source,
            MetricSource::Change {
                of: 0,
                over: ChangeOver::Wow
            }
        );
    }

    #[test]
    fn a_program_parses_with_defaults() {
        let program = parse(GOOD).unwrap();
        assert_eq!(program.name, "Incident Resolutions");
        assert_eq!(program.metrics.len(), 4);
        let total = &program.metrics[1];
        assert_eq!(total.name, "total");
        assert_eq!(total.unit, Unit::Count);
        assert_eq!(total.better, Better::None);
        assert_eq!(total.grain, Grain::Day);
        assert_eq!(
            total.source,
            MetricSource::Column {
                column: "frt_total".into(),
                filter: vec![],
                aggregate: Aggregate::Sum
            }
        );
        let attainment = &program.metrics[2];
        assert_eq!(
            attainment.source,
            MetricSource::Derived {
                operation: Operation::Divide,
                operands: vec![0, 1]
            }
        );
        assert_eq!(attainment.target, Some(TargetDefinition::Constant(0.95)));
        assert_eq!(attainment.compare, Compare::Bps);
        assert_eq!(attainment.line, Some(7));
        // A target column is aggregated like its metric unless told otherwise.
        assert_eq!(
            program.metrics[3].target,
            Some(TargetDefinition::Column {
                column: "backlog_target".into(),
                aggregate: Aggregate::Last
            })
        );
        assert_eq!(
            program.initiatives[0].due,
            Some(jiff::civil::date(2026, 12, 15))
        );
        assert_eq!(program.initiatives[0].status, InitiativeStatus::AtRisk);
    }

    #[test]
    fn unknown_key_suggests_the_right_one() {
        let errors = parse("name: X\nowner: Y\nmetrics:\n  a:\n    column: a\n    agregate: sum\n")
            .unwrap_err();
        assert_eq!(errors[0].line, Some(6));
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `aggregate`?"));
    }

    #[test]
    fn wrong_type_names_the_line() {
        let errors = parse("name: X\nowner: Y\nmetrics:\n  a:\n    column: a\n    sla: maybe\n")
            .unwrap_err();
        assert_eq!(errors[0].line, Some(6), "{:?}", errors);
    }

    #[test]
    fn unknown_operand_is_reported_with_a_suggestion() {
        let errors = parse("name: X\nowner: Y\nmetrics:\n  total: { column: t }\n  rate:\n    divide: [totl, total]\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(6));
        assert!(errors[0].message.contains("uses `totl`"));
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `total`?"));
    }

    #[test]
    fn cycles_are_found() {
        let errors = parse(
            "name: X\nowner: Y\nmetrics:\n  a: { column: a }\n  b: { sum: [a, c] }\n  c: { product: [a, b] }\n",
        )
        .unwrap_err();
        assert!(
            errors[0].message.contains("cycle: b → c → b"),
            "{}",
            errors[0].message
        );
        let errors =
            parse("name: X\nowner: Y\nmetrics:\n  a: { column: a }\n  b: { sum: [a, b] }\n")
                .unwrap_err();
        assert!(
            errors[0].message.contains("cycle: b → b"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn chained_derived_metrics_are_fine() {
        let program = parse(
            "name: X\nowner: Y\nmetrics:\n  a: { column: a }\n  b: { column: b }\n  c: { column: c }\n  ab: { sum: [a, b] }\n  share: { divide: [ab, c] }\n",
        )
        .unwrap();
        assert_eq!(
            program.metrics[4].source,
            MetricSource::Derived {
                operation: Operation::Divide,
                operands: vec![3, 2]
            }
        );
    }

    #[test]
    fn every_structural_problem_is_listed() {
        let errors = parse(
            "name: X\nowner: Y\nmetrics:\n  none: { unit: count }\n  both: { column: a, sum: [x, y] }\n  bad: { divide: [a] }\n  s: { column: s, sla: true }\n  d: { sum: [s, s], aggregate: mean }\n",
        )
        .unwrap_err();
        let messages: Vec<String> = errors
            .iter()
            .map(|e| format!("{:?}: {}", e.line, e.message))
            .collect();
        assert_eq!(messages.len(), 6, "{messages:#?}");
        assert!(messages[0].starts_with("Some(4): metric `none` has no source"));
        assert!(messages[1].starts_with("Some(5): metric `both` has more than one source"));
        assert!(messages[2].contains("`a`, which is not a metric"));
        assert!(messages[3].contains("needs exactly 2 metrics, got 1"));
        assert!(messages[4].starts_with("Some(7): SLA metric `s` has no target"));
        assert!(messages[5].contains("`aggregate` does not apply"));
    }

    #[test]
    fn bad_ids_and_dates_are_errors() {
        let errors = parse("name: X\nowner: Y\nmetrics:\n  a.b: { column: a }\ninitiatives:\n  - name: I\n    status: done\n  - name: J\n    due: next week\n    status: on_track\n").unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].message.contains("`a.b` cannot be a metric id"));
        assert_eq!(errors[1].line, Some(8));
        assert!(errors[1].message.contains("is due `next week`"));
        let errors =
            parse_program("../etc", "name: X\nowner: Y\n", Path::new("p.yaml")).unwrap_err();
        assert!(errors[0].message.contains("cannot be a program id"));
    }

    #[test]
    fn a_bad_target_explains_itself() {
        let errors =
            parse("name: X\nowner: Y\nmetrics:\n  a: { column: a, target: high }\n").unwrap_err();
        assert!(
            errors[0].message.contains("a target must be a number"),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[0].line, Some(4));
    }
}

//! Reading a wbr-app config (`setup`, `data_sources`, `annotations`,
//! `metrics`, `deck`) into plain data, with the line and column of every
//! part for messages. Only its shape is checked here: what sitrep can make
//! of it is [`super::map`]'s job.

use std::ops::Range;
use std::path::{Path, PathBuf};

use jiff::civil::Date;

use crate::error::{Diagnostic, Diagnostics};
use crate::yaml::{parse_tree, Tree};

/// A place in the config: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Place {
    pub line: usize,
    pub column: usize,
}

/// A wbr-app config, as written.
#[derive(Debug, Clone)]
pub struct WbrConfig {
    pub path: PathBuf,
    pub setup: Setup,
    pub data_sources: Vec<DataSource>,
    pub annotations: Vec<AnnotationSource>,
    pub metrics: Vec<WbrMetric>,
    pub deck: Vec<Block>,
    /// Keys sitrep does not know, anywhere: (key path, place).
    pub unknown: Vec<(String, Place)>,
}

#[derive(Debug, Clone)]
pub struct Setup {
    pub week_ending: Date,
    pub week_ending_text: String,
    pub place: Place,
    pub title: Option<String>,
    /// The month number (1–12) and its place.
    pub fiscal_year_end_month: Option<(i8, Place)>,
    /// The keys with no counterpart (`week_number`, `block_starting_number`,
    /// `tooltip`, `db_config_url`), with their text.
    pub other: Vec<(String, String, Place)>,
}

#[derive(Debug, Clone)]
pub enum DataSource {
    /// `csv_files: { <name>: { url_or_path } }`.
    Csv {
        name: String,
        url_or_path: String,
        place: Place,
    },
    /// `<connection>: { <name>: { query } }`.
    Query {
        connection: String,
        name: String,
        query: String,
        place: Place,
    },
}

#[derive(Debug, Clone)]
pub enum AnnotationSource {
    Csv { url_or_path: String, place: Place },
    Query { name: String, place: Place },
}

#[derive(Debug, Clone)]
pub struct WbrMetric {
    pub name: String,
    pub place: Place,
    pub kind: MetricKind,
    pub aggf: Option<(String, Place)>,
    /// `metric_comparison_method: bps`.
    pub bps: bool,
}

#[derive(Debug, Clone)]
pub enum MetricKind {
    Column(String),
    Filter {
        base_column: String,
        query: String,
        query_place: Place,
    },
    Function {
        operation: String,
        /// Operand names (`metric: { name }` or `column: { name }`).
        operands: Vec<String>,
        place: Place,
    },
}

#[derive(Debug, Clone)]
pub struct Block {
    pub place: Place,
    pub ui_type: String,
    pub title: Option<String>,
    pub y_scaling: Option<(String, Place)>,
    pub x_axis: Option<(String, Place)>,
    /// A `6_12Graph`'s metrics.
    pub series: Vec<GraphSeries>,
    /// A table's rows.
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone)]
pub struct GraphSeries {
    pub metric: String,
    pub place: Place,
    pub line_style: Option<String>,
    pub prior_year: Option<bool>,
    pub legend: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub place: Place,
    pub header: String,
    pub metric: Option<String>,
    pub y_scaling: Option<String>,
    pub style: Option<String>,
}

/// Finds keys in the config's text, for places: block-style YAML as
/// written by hand (flow-style parts fall back to their parent's place).
struct Lines<'a> {
    lines: Vec<&'a str>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Lines<'a> {
        Lines {
            lines: text.lines().collect(),
        }
    }

    fn all(&self) -> Range<usize> {
        0..self.lines.len()
    }

    fn indent(&self, index: usize) -> usize {
        let line = self.lines[index];
        line.len() - line.trim_start().len()
    }

    fn is_content(&self, index: usize) -> bool {
        let trimmed = self.lines[index].trim();
        !trimmed.is_empty() && !trimmed.starts_with('#')
    }

    /// The `nth` (0-based) line in `range` whose key is `key`, with the
    /// column of the key; keys of list items (`- key:`) count.
    fn find(&self, range: Range<usize>, key: &str, nth: usize) -> Option<(usize, Place)> {
        let mut seen = 0;
        for index in range {
            let line = self.lines[index];
            let mut rest = line.trim_start();
            while let Some(item) = rest.strip_prefix("- ") {
                rest = item.trim_start();
            }
            let column = line.len() - rest.len() + 1;
            let unquoted = rest
                .strip_prefix('"')
                .and_then(|rest| rest.strip_prefix(key))
                .and_then(|rest| rest.strip_prefix('"'))
                .or_else(|| {
                    rest.strip_prefix('\'')
                        .and_then(|rest| rest.strip_prefix(key))
                        .and_then(|rest| rest.strip_prefix('\''))
                })
                .or_else(|| rest.strip_prefix(key));
            if unquoted.is_some_and(|after| after.trim_start().starts_with(':')) {
                if seen == nth {
                    return Some((
                        index,
                        Place {
                            line: index + 1,
                            column,
                        },
                    ));
                }
                seen += 1;
            }
        }
        None
    }

    /// The lines under the line `index`: up to the next line indented as
    /// little (a list at the key's own indentation belongs to it).
    fn children(&self, index: usize) -> Range<usize> {
        let own = self.indent(index);
        let own_is_item = self.lines[index].trim_start().starts_with("- ");
        let mut end = index + 1;
        while end < self.lines.len() {
            if self.is_content(end) {
                let indent = self.indent(end);
                let is_item = self.lines[end].trim_start().starts_with("- ");
                if indent < own || (indent == own && (own_is_item || !is_item)) {
                    break;
                }
            }
            end += 1;
        }
        index + 1..end
    }
}

/// Where things are: a key found under a parent, else the parent's place.
struct Finder<'a> {
    lines: Lines<'a>,
}

impl Finder<'_> {
    fn key(&self, parent: Option<usize>, key: &str) -> (Option<usize>, Place) {
        self.nth(parent, key, 0)
    }

    fn nth(&self, parent: Option<usize>, key: &str, nth: usize) -> (Option<usize>, Place) {
        let range = parent.map_or(self.lines.all(), |index| self.lines.children(index));
        match self.lines.find(range, key, nth) {
            Some((index, place)) => (Some(index), place),
            None => (parent, self.place(parent)),
        }
    }

    fn place(&self, index: Option<usize>) -> Place {
        match index {
            Some(index) => Place {
                line: index + 1,
                column: self.lines.indent(index) + 1,
            },
            None => Place { line: 1, column: 1 },
        }
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A month's number from its 3-letter name (`DEC` → 12).
pub fn month_number(text: &str) -> Option<i8> {
    let lower = text.trim().to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|month| *month == lower)
        .map(|index| index as i8 + 1)
}

/// wbr-app's `week_ending`: `25-SEP-2021` (any case).
fn parse_week_ending(text: &str) -> Option<Date> {
    let mut parts = text.trim().split('-');
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 {
        return None;
    }
    let day: i8 = day.parse().ok()?;
    let year: i16 = year.parse().ok()?;
    Date::new(year, month_number(month)?, day).ok()
}

/// Reads the wbr-app config `path` (whose text is `text`), reporting
/// every problem of its shape at once.
pub fn read_config(text: &str, path: &Path) -> Result<WbrConfig, Diagnostics> {
    let tree = parse_tree(text, path).map_err(Diagnostics::from)?;
    let finder = Finder {
        lines: Lines::new(text),
    };
    let mut errors = Diagnostics(Vec::new());
    let error =
        |place: Place, message: String| Diagnostic::new(path, message).at(place.line, place.column);
    let Tree::Map(top) = &tree else {
        return Err(Diagnostics::from(
            Diagnostic::new(
                path,
                "is not a wbr-app config: it has no `setup`, `metrics` and `deck`",
            )
            .with_help("name the YAML file wbr-app reads"),
        ));
    };
    let mut unknown = Vec::new();
    for (key, _) in top {
        if !["setup", "data_sources", "annotations", "metrics", "deck"].contains(&key.as_str()) {
            unknown.push((key.clone(), finder.key(None, key).1));
        }
    }

    // setup
    let (setup_line, setup_place) = finder.key(None, "setup");
    let mut setup = Setup {
        week_ending: Date::constant(2000, 1, 1),
        week_ending_text: String::new(),
        place: setup_place,
        title: None,
        fiscal_year_end_month: None,
        other: Vec::new(),
    };
    match tree.get("setup") {
        Some(Tree::Map(entries)) => {
            for (key, value) in entries {
                let (_, place) = finder.key(setup_line, key);
                let text = value.as_text().unwrap_or_default();
                match key.as_str() {
                    "week_ending" => match parse_week_ending(&text) {
                        Some(date) => {
                            setup.week_ending = date;
                            setup.week_ending_text = text;
                            setup.place = place;
                        }
                        None => errors.push(
                            error(place, format!("`week_ending: {text}` is not a date such as 25-SEP-2021"))
                                .with_help("write the last day of the review week as DD-MMM-YYYY, as wbr-app reads it"),
                        ),
                    },
                    "title" => setup.title = Some(text),
                    "fiscal_year_end_month" => match month_number(&text) {
                        Some(month) => setup.fiscal_year_end_month = Some((month, place)),
                        None => errors.push(
                            error(place, format!("`fiscal_year_end_month: {text}` is not a month"))
                                .with_help("use a 3-letter month such as DEC or JUN"),
                        ),
                    },
                    "week_number" | "block_starting_number" | "tooltip" | "db_config_url" => {
                        setup.other.push((key.clone(), text, place))
                    }
                    _ => unknown.push((format!("setup.{key}"), place)),
                }
            }
            if setup.week_ending_text.is_empty()
                && !entries.iter().any(|(key, _)| key == "week_ending")
            {
                errors.push(
                    error(setup_place, "`setup` has no `week_ending`".to_string()).with_help(
                        "add `week_ending: DD-MMM-YYYY`, the last day of the review week",
                    ),
                );
            }
        }
        _ => errors.push(
            error(
                setup_place,
                "the config has no `setup` with `week_ending`".to_string(),
            )
            .with_help(
                "add `setup:` with `week_ending: DD-MMM-YYYY`, the last day of the review week",
            ),
        ),
    }

    // data_sources
    let mut data_sources = Vec::new();
    let (sources_line, _) = finder.key(None, "data_sources");
    if let Some(Tree::Map(sources)) = tree.get("data_sources") {
        for (source, value) in sources {
            let (source_line, source_place) = finder.key(sources_line, source);
            let Tree::Map(entries) = value else {
                errors.push(error(
                    source_place,
                    format!(
                        "`data_sources.{source}` is {}, not a mapping of named sources",
                        value.kind()
                    ),
                ));
                continue;
            };
            for (name, details) in entries {
                let (_, place) = finder.key(source_line, name);
                if source == "csv_files" {
                    match details.get("url_or_path").and_then(Tree::as_text) {
                        Some(url_or_path) => data_sources.push(DataSource::Csv {
                            name: name.clone(),
                            url_or_path,
                            place,
                        }),
                        None => errors.push(error(
                            place,
                            format!("the CSV source `{name}` has no `url_or_path`"),
                        )),
                    }
                } else {
                    match details.get("query").and_then(Tree::as_text) {
                        Some(query) => data_sources.push(DataSource::Query {
                            connection: source.clone(),
                            name: name.clone(),
                            query,
                            place,
                        }),
                        None => errors.push(error(
                            place,
                            format!("the query `{name}` of `{source}` has no `query`"),
                        )),
                    }
                }
            }
        }
    } else if let Some(value) = tree
        .get("data_sources")
        .filter(|value| **value != Tree::Null)
    {
        let (_, place) = finder.key(None, "data_sources");
        errors.push(error(
            place,
            format!("`data_sources` is {}, not a mapping", value.kind()),
        ));
    }

    // annotations: a list of CSVs, or { csv_files: [...], data_sources: {...} }
    let mut annotations = Vec::new();
    let (annotations_line, annotations_place) = finder.key(None, "annotations");
    let csv_list =
        |list: &Vec<Tree>, parent: Option<usize>, annotations: &mut Vec<AnnotationSource>| {
            for (index, item) in list.iter().enumerate() {
                let place = parent
                    .map(|parent| finder.lines.children(parent))
                    .and_then(|range| {
                        range
                            .filter(|line| finder.lines.lines[*line].trim_start().starts_with("- "))
                            .nth(index)
                    })
                    .map_or(annotations_place, |line| Place {
                        line: line + 1,
                        column: finder.lines.indent(line) + 3,
                    });
                if let Some(url_or_path) = item.as_text() {
                    annotations.push(AnnotationSource::Csv { url_or_path, place });
                }
            }
        };
    match tree.get("annotations") {
        None | Some(Tree::Null) => {}
        Some(Tree::List(list)) => csv_list(list, annotations_line, &mut annotations),
        Some(Tree::Map(_)) => {
            let annotation_tree = tree.get("annotations").expect("matched");
            if let Some(Tree::List(list)) = annotation_tree.get("csv_files") {
                let (line, _) = finder.key(annotations_line, "csv_files");
                csv_list(list, line, &mut annotations);
            }
            if let Some(Tree::Map(connections)) = annotation_tree.get("data_sources") {
                let (line, _) = finder.key(annotations_line, "data_sources");
                for (connection, queries) in connections {
                    let (connection_line, place) = finder.key(line, connection);
                    if let Tree::Map(queries) = queries {
                        for (name, _) in queries {
                            let place = finder.key(connection_line, name).1;
                            annotations.push(AnnotationSource::Query {
                                name: name.clone(),
                                place,
                            });
                        }
                    } else {
                        annotations.push(AnnotationSource::Query {
                            name: connection.clone(),
                            place,
                        });
                    }
                }
            }
        }
        Some(other) => errors.push(error(
            annotations_place,
            format!("`annotations` is {}, not a list of CSV files", other.kind()),
        )),
    }

    // metrics
    let mut metrics = Vec::new();
    let (metrics_line, metrics_place) = finder.key(None, "metrics");
    match tree.get("metrics") {
        Some(Tree::Map(entries)) => {
            for (name, value) in entries {
                let (line, place) = finder.key(metrics_line, name);
                match read_metric(name, value, line, place, &finder) {
                    Ok(metric) => metrics.push(metric),
                    Err((place, message, help)) => {
                        errors.push(error(place, message).with_help(help))
                    }
                }
            }
        }
        _ => errors.push(
            error(metrics_place, "the config has no `metrics`".to_string())
                .with_help("a wbr-app config defines its metrics under `metrics:`"),
        ),
    }

    // deck
    let mut deck = Vec::new();
    let (deck_line, deck_place) = finder.key(None, "deck");
    match tree.get("deck") {
        Some(Tree::List(items)) => {
            for (index, item) in items.iter().enumerate() {
                let (line, place) = finder.nth(deck_line, "block", index);
                let Some(block @ Tree::Map(_)) = item.get("block") else {
                    errors.push(
                        error(place, format!("deck item {} is not a `block:` with a `ui_type`", index + 1))
                            .with_help("each item of `deck` is `- block:` with `ui_type:` and the block's keys"),
                    );
                    continue;
                };
                match read_block(block, line, place, &finder) {
                    Ok(block) => deck.push(block),
                    Err((place, message, help)) => {
                        errors.push(error(place, message).with_help(help))
                    }
                }
            }
        }
        _ => errors.push(
            error(deck_place, "the config has no `deck`".to_string())
                .with_help("a wbr-app config lists its blocks under `deck:`"),
        ),
    }

    errors.into_result(WbrConfig {
        path: path.to_path_buf(),
        setup,
        data_sources,
        annotations,
        metrics,
        deck,
        unknown,
    })
}

type Problem = (Place, String, String);

fn read_metric(
    name: &str,
    value: &Tree,
    line: Option<usize>,
    place: Place,
    finder: &Finder,
) -> Result<WbrMetric, Problem> {
    let at = |key: &str| finder.key(line, key).1;
    let text = |key: &str| value.get(key).and_then(Tree::as_text);
    if !matches!(value, Tree::Map(_)) {
        return Err((
            place,
            format!("the metric `{name}` is {}, not a mapping", value.kind()),
            "define it with `column:` (or `filter:` or `function:`) and `aggf:`".to_string(),
        ));
    }
    let aggf = text("aggf").map(|aggf| (aggf, at("aggf")));
    let bps = match text("metric_comparison_method").as_deref() {
        None | Some("%") => false,
        Some("bps") => true,
        Some(other) => {
            return Err((
                at("metric_comparison_method"),
                format!("`metric_comparison_method: {other}` is neither `bps` nor `%`"),
                "use `bps` for rates compared in basis points, or leave it out".to_string(),
            ))
        }
    };
    let kind =
        if let Some(column) = text("column") {
            MetricKind::Column(column)
        } else if let Some(filter) = value.get("filter") {
            let (filter_line, filter_place) = finder.key(line, "filter");
            let base_column = filter.get("base_column").and_then(Tree::as_text);
            let query = filter.get("query").and_then(Tree::as_text);
            match (base_column, query) {
                (Some(base_column), Some(query)) => MetricKind::Filter {
                    base_column,
                    query,
                    query_place: finder.key(filter_line, "query").1,
                },
                _ => return Err((
                    filter_place,
                    format!("the filter of `{name}` needs `base_column` and `query`"),
                    "e.g. `filter: { base_column: Applicants, query: \"Department == 'Sales'\" }`"
                        .to_string(),
                )),
            }
        } else if let Some(Tree::Map(function)) = value.get("function") {
            let (function_line, function_place) = finder.key(line, "function");
            let Some((operation, operands)) = function.first() else {
                return Err((
                    function_place,
                    format!("the function of `{name}` is empty"),
                    "write one of `divide`, `sum`, `difference`, `product` with its metrics"
                        .to_string(),
                ));
            };
            let operation_place = finder.key(function_line, operation).1;
            if !["divide", "sum", "difference", "product"].contains(&operation.as_str()) {
                return Err((
                    operation_place,
                    format!("`{operation}` is not a wbr-app function"),
                    "use one of `divide`, `sum`, `difference`, `product`".to_string(),
                ));
            }
            let Tree::List(items) = operands else {
                return Err((
                    operation_place,
                    format!("`{operation}` of `{name}` is not a list of metrics"),
                    "list its operands as `- metric: { name: <metric> }`".to_string(),
                ));
            };
            let mut names = Vec::new();
            for item in items {
                let operand = item
                    .get("metric")
                    .or_else(|| item.get("column"))
                    .and_then(|operand| operand.get("name"))
                    .and_then(Tree::as_text);
                match operand {
                    Some(operand) => names.push(operand),
                    None => {
                        return Err((
                            operation_place,
                            format!("an operand of `{name}` has no `metric: {{ name: … }}`"),
                            "list each operand as `- metric: { name: <metric> }`".to_string(),
                        ))
                    }
                }
            }
            let binary = operation != "sum";
            if (binary && names.len() != 2) || names.len() < 2 {
                return Err((
                    operation_place,
                    format!(
                        "`{operation}` of `{name}` has {} operand{}",
                        names.len(),
                        if names.len() == 1 { "" } else { "s" }
                    ),
                    if binary {
                        format!("`{operation}` takes exactly two metrics")
                    } else {
                        "`sum` takes two or more metrics".to_string()
                    },
                ));
            }
            MetricKind::Function {
                operation: operation.clone(),
                operands: names,
                place: operation_place,
            }
        } else {
            return Err((
                place,
                format!("the metric `{name}` has no `column`, `filter` or `function`"),
                "say where its values come from, e.g. `column: Impressions`".to_string(),
            ));
        };
    if aggf.is_none() && !matches!(kind, MetricKind::Function { .. }) {
        return Err((
            place,
            format!("the metric `{name}` has no `aggf`"),
            "add `aggf: sum` (or mean, min, max, last)".to_string(),
        ));
    }
    Ok(WbrMetric {
        name: name.to_string(),
        place,
        kind,
        aggf,
        bps,
    })
}

fn read_block(
    block: &Tree,
    line: Option<usize>,
    place: Place,
    finder: &Finder,
) -> Result<Block, Problem> {
    let text = |key: &str| block.get(key).and_then(Tree::as_text);
    let Some(ui_type) = text("ui_type") else {
        return Err((
            place,
            "the block has no `ui_type`".to_string(),
            "use `6_12Graph`, `6_WeeksTable`, `12_MonthsTable`, `section` or `embedded_content`"
                .to_string(),
        ));
    };
    let at = |key: &str| finder.key(line, key).1;
    let mut series = Vec::new();
    if let Some(Tree::Map(metrics)) = block.get("metrics") {
        let (metrics_line, _) = finder.key(line, "metrics");
        for (metric, settings) in metrics {
            let (_, place) = finder.key(metrics_line, metric);
            let flag = match settings.get("graph_prior_year_flag") {
                Some(Tree::Bool(flag)) => Some(*flag),
                Some(other) => match other
                    .as_text()
                    .as_deref()
                    .map(str::to_ascii_lowercase)
                    .as_deref()
                {
                    Some("true") => Some(true),
                    Some("false") => Some(false),
                    _ => None,
                },
                None => None,
            };
            series.push(GraphSeries {
                metric: metric.clone(),
                place,
                line_style: settings.get("line_style").and_then(Tree::as_text),
                prior_year: flag,
                legend: settings.get("legend_name").and_then(Tree::as_text),
            });
        }
    }
    let mut rows = Vec::new();
    if let Some(Tree::List(items)) = block.get("rows") {
        let (rows_line, _) = finder.key(line, "rows");
        for (index, item) in items.iter().enumerate() {
            let row = item.get("row").unwrap_or(item);
            let (_, place) = finder.nth(rows_line, "row", index);
            let get = |key: &str| row.get(key).and_then(Tree::as_text);
            rows.push(Row {
                place,
                header: get("header").unwrap_or_default(),
                metric: get("metric").filter(|metric| !metric.is_empty()),
                y_scaling: get("y_scaling"),
                style: get("style"),
            });
        }
    }
    Ok(Block {
        place,
        ui_type,
        title: text("title"),
        y_scaling: text("y_scaling").map(|scaling| (scaling, at("y_scaling"))),
        x_axis: text("x_axis_monthly_display").map(|axis| (axis, at("x_axis_monthly_display"))),
        series,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "setup:
  week_ending: 25-SEP-2021
  week_number: 38
  fiscal_year_end_month: JUN
metrics:
  Impressions:
    column: main.Impressions
    aggf: sum
  PageViews Target:
    column: PageViews__Target
    aggf: sum
  USLatency:
    filter:
      base_column: latency
      query: \"latency_country == 'US'\"
    aggf: mean
  CTR:
    metric_comparison_method: bps
    function:
      divide:
        - metric:
            name: Clicks
        - metric:
            name: Impressions
deck:
- block:
    ui_type: 6_12Graph
    title: Impressions
    y_scaling: \"##.2MM\"
    metrics:
      Impressions:
        line_style: primary
        graph_prior_year_flag: false
        legend_name: Ads
- block:
    ui_type: 6_WeeksTable
    rows:
      - row:
          header: \"Views\"
      - row:
          header: Plan
          metric: PageViews Target
";

    #[test]
    fn reads_every_part_with_its_place() {
        let config = read_config(CONFIG, Path::new("wbr.yaml")).unwrap();
        assert_eq!(config.setup.week_ending, Date::constant(2021, 9, 25));
        assert_eq!(config.setup.place, Place { line: 2, column: 3 });
        assert_eq!(
            config.setup.fiscal_year_end_month.map(|(month, _)| month),
            Some(6)
        );
        assert_eq!(config.metrics.len(), 4);
        assert_eq!(config.metrics[1].name, "PageViews Target");
        assert_eq!(config.metrics[1].place, Place { line: 9, column: 3 });
        match &config.metrics[2].kind {
            MetricKind::Filter { query_place, .. } => {
                assert_eq!(
                    *query_place,
                    Place {
                        line: 15,
                        column: 7
                    }
                )
            }
            other => panic!("{other:?}"),
        }
        assert!(config.metrics[3].bps);
        match &config.metrics[3].kind {
            MetricKind::Function {
                operation,
                operands,
                ..
            } => {
                assert_eq!(operation, "divide");
                assert_eq!(operands, &["Clicks", "Impressions"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(config.deck.len(), 2);
        assert_eq!(
            config.deck[0].place,
            Place {
                line: 26,
                column: 3
            }
        );
        assert_eq!(config.deck[0].series[0].prior_year, Some(false));
        assert_eq!(config.deck[0].series[0].legend.as_deref(), Some("Ads"));
        assert_eq!(
            config.deck[1].rows[1].place,
            Place {
                line: 40,
                column: 9
            }
        );
        assert_eq!(
            config.deck[1].rows[1].metric.as_deref(),
            Some("PageViews Target")
        );
    }

    #[test]
    fn every_shape_problem_is_reported_with_its_place() {
        let text = "setup:\n  week_ending: 31-FOO-2021\nmetrics:\n  A:\n    column: a\n  B:\n    function:\n      divide:\n        - metric:\n            name: A\ndeck: []\n";
        let errors = read_config(text, Path::new("wbr.yaml")).unwrap_err();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 3, "{shown:#?}");
        assert!(
            shown[0].starts_with("wbr.yaml:2:3: `week_ending: 31-FOO-2021`"),
            "{shown:#?}"
        );
        assert!(
            shown[1].starts_with("wbr.yaml:4:3: the metric `A` has no `aggf`"),
            "{shown:#?}"
        );
        assert!(
            shown[2].starts_with("wbr.yaml:8:7: `divide` of `B` has 1 operand"),
            "{shown:#?}"
        );
    }
}

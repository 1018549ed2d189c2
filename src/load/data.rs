//! `data/*.csv`: metric data in the wide daily shape (`date,<column>,…`,
//! compatible with wbr-app) or the long shape (`date,metric,value[,<dimension>…]`),
//! detected from the header.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use serde::Serialize;

use crate::calendar::{
    day_number, from_day_number, parse_iso_date, weekday_name, Period, EARLIEST_DATE, LATEST_DATE,
};
use crate::error::{excerpt, Diagnostic};

mod long;
pub use long::{parse_csv_streamed, Open};

/// At most this many errors are listed per file: a file with a systematic
/// problem (say, every date in another format) would otherwise drown the
/// other files' messages.
const MAX_ERRORS_PER_FILE: usize = 20;

/// The longest field (cell or header name) a data file may have, in bytes.
/// A number or a date is a few bytes; a field this long is a broken export
/// (an unclosed quote swallowing the rest of the file, say), and refusing
/// it keeps one field from being copied around as a huge string.
pub const MAX_FIELD_BYTES: usize = 1024 * 1024;

/// The values of one column (or one dimension group) by day. Only the days
/// that have a value are stored, in date order: memory follows the rows of
/// the file, never the span between its first and last date (a file with
/// one row in 1900 and one in 2199 holds two values, not 109,572). Days
/// without a value (absent rows and empty cells alike) are `None` when read,
/// never zero.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DailySeries {
    /// Day numbers ([`day_number`]) of the days with a value, ascending.
    days: Vec<i32>,
    /// The value of each of `days`.
    values: Vec<f64>,
    /// The CSV line each value came from (0: none), for later messages.
    lines: Vec<u32>,
    /// The day of the first row, even one with an empty value: a dimension
    /// group counts from it (see [`DailySeries::combine`]).
    first_row: Option<i32>,
}

/// A date's day number; every date jiff represents (years −9999 to 9999)
/// is within ±3.7 million days of 1970, well inside an `i32`.
fn day_of(date: Date) -> i32 {
    day_number(date) as i32
}

impl DailySeries {
    /// Builds a series from dated values and their source lines.
    pub fn from_points(points: &BTreeMap<Date, (Option<f64>, u32)>) -> DailySeries {
        let mut series = DailySeries {
            first_row: points.first_key_value().map(|(date, _)| day_of(*date)),
            ..DailySeries::default()
        };
        for (date, (value, line)) in points {
            if let Some(value) = value {
                series.days.push(day_of(*date));
                series.values.push(*value);
                series.lines.push(*line);
            }
        }
        series
    }

    /// Builds a series from dated values (tests and generated data).
    pub fn from_values(points: impl IntoIterator<Item = (Date, Option<f64>)>) -> DailySeries {
        let points: BTreeMap<Date, (Option<f64>, u32)> = points
            .into_iter()
            .map(|(date, value)| (date, (value, 0)))
            .collect();
        DailySeries::from_points(&points)
    }

    /// The place in `days` of the first stored day on or after `day`
    /// (`days.len()` when there is none). A series with a value on every
    /// day from its first to its last (a daily export without holes, the
    /// usual case) finds it by subtraction; others by binary search.
    fn position(&self, day: i32) -> usize {
        match (self.days.first(), self.days.last()) {
            (Some(&first), Some(&last)) if (last - first) as usize + 1 == self.days.len() => {
                (day.clamp(first, last + 1) - first) as usize
            }
            _ => self.days.partition_point(|stored| *stored < day),
        }
    }

    fn index(&self, date: Date) -> Option<usize> {
        let day = day_of(date);
        let index = self.position(day);
        (self.days.get(index) == Some(&day)).then_some(index)
    }

    /// The value on `date`, if there is one.
    pub fn get(&self, date: Date) -> Option<f64> {
        self.index(date).map(|index| self.values[index])
    }

    /// The CSV line of the row that gave `date` its value.
    pub fn line(&self, date: Date) -> Option<u32> {
        self.index(date)
            .map(|index| self.lines[index])
            .filter(|line| *line > 0)
    }

    /// The stored values dated from `first` to `last` (both included; none
    /// when `last` is before `first`), in date order. There are as many as
    /// the days from `first` to `last` exactly when none of them is
    /// missing, and then they are those days' values.
    pub fn values_between(&self, first: Date, last: Date) -> &[f64] {
        if last < first {
            return &[];
        }
        let from = self.position(day_of(first));
        let to = self.position(day_of(last) + 1);
        &self.values[from..to]
    }

    /// Every day of `period` in order, `None` where there is no value. The
    /// period's first stored day is looked up once; from there the days are
    /// walked in step with the stored ones.
    pub fn days(&self, period: Period) -> impl Iterator<Item = Option<f64>> + '_ {
        let first = day_of(period.start);
        let mut next = self.position(first);
        (first..first + period.day_count() as i32).map(move |day| {
            if self.days.get(next) == Some(&day) {
                next += 1;
                Some(self.values[next - 1])
            } else {
                None
            }
        })
    }

    /// The dates that have a value, in order.
    pub fn dates(&self) -> impl Iterator<Item = Date> + '_ {
        self.days.iter().map(|day| from_day_number(i64::from(*day)))
    }

    /// The last date with a value.
    pub fn last_date(&self) -> Option<Date> {
        self.days.last().map(|day| from_day_number(i64::from(*day)))
    }

    /// For each of `ends` (ascending), a fingerprint of the values dated
    /// on or before it: two series with the same fingerprint for a day
    /// give the same values to a version whose as-of date it is (a version
    /// reads nothing later, see `compute::period::series_value`). One pass
    /// over the series, however many ends.
    pub fn fingerprints_through(&self, ends: &[Date]) -> Vec<u64> {
        use std::hash::Hasher;
        let mut hasher = std::hash::DefaultHasher::new();
        let mut fingerprints = Vec::with_capacity(ends.len());
        let mut next = 0;
        for end in ends {
            let end = day_of(*end);
            while next < self.days.len() && self.days[next] <= end {
                hasher.write_i32(self.days[next]);
                hasher.write_u64(self.values[next].to_bits());
                next += 1;
            }
            // Also the count, so that a prefix is never mistaken for more.
            fingerprints.push(crate::fingerprint(&(hasher.finish(), next)));
        }
        fingerprints
    }

    /// Combines dimension groups (say, one series per channel) day by day
    /// with `combine` (BRIEF §3, "Dimension groups"). A group counts from
    /// its first row: before that day it adds nothing, from that day on a
    /// day it has no value for is missing in the result (so a discontinued
    /// group needs explicit zeros).
    ///
    /// A combined day therefore depends only on rows dated on or before it,
    /// so reading the combined series up to a version's as-of date (see
    /// `compute::period::series_value`) gives exactly what combining only
    /// the rows that version may see would give: a group that first appears
    /// after the review week does not exist for it.
    pub fn combine(parts: &[&DailySeries], combine: impl Fn(f64, f64) -> f64) -> DailySeries {
        // When each group starts: on day `d` the groups that count are the
        // ones whose first row is on or before `d`.
        let mut starts: Vec<i32> = parts.iter().filter_map(|part| part.first_row).collect();
        starts.sort_unstable();
        // Every stored value as (day, part, index), by day and then in the
        // order of `parts`, the order values are combined in.
        let mut entries: Vec<(i32, usize, usize)> = parts
            .iter()
            .enumerate()
            .flat_map(|(part, series)| {
                series
                    .days
                    .iter()
                    .enumerate()
                    .map(move |(index, day)| (*day, part, index))
            })
            .collect();
        entries.sort_unstable();
        let mut combined = DailySeries {
            first_row: starts.first().copied(),
            ..DailySeries::default()
        };
        for same_day in entries.chunk_by(|a, b| a.0 == b.0) {
            let (day, first_part, first_index) = same_day[0];
            let counting = starts.partition_point(|start| *start <= day);
            if same_day.len() < counting {
                continue; // a group that counts has no value: missing
            }
            let value = same_day
                .iter()
                .map(|&(_, part, index)| parts[part].values[index])
                .reduce(&combine)
                .expect("a day in `entries` has a value");
            combined.days.push(day);
            combined.values.push(value);
            combined.lines.push(parts[first_part].lines[first_index]);
        }
        combined
    }
}

/// The shape of a CSV file, detected from its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CsvShape {
    /// `date,<column>,<column>,…`: one row per day.
    Wide,
    /// `date,metric,value[,<dimension>…]`: one row per day, metric and
    /// dimension values.
    Long,
}

/// One loaded data file, for provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataFile {
    /// Relative to the site root, with `/` separators.
    pub path: String,
    pub shape: CsvShape,
    pub rows: usize,
    pub first_date: Option<Date>,
    pub last_date: Option<Date>,
}

/// The values of one column (or long-shape metric) for one combination of
/// dimension values.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnPart {
    /// `(dimension, value)` pairs, in header order; empty for wide files.
    pub dimensions: Vec<(String, String)>,
    pub series: DailySeries,
}

/// A column of a wide file, or a metric name of a long file.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// Index into [`DataSet::files`].
    pub file: usize,
    /// Where the column's name appears: the header for wide files, the
    /// first row that names it for long files.
    pub line: usize,
    pub parts: Vec<ColumnPart>,
}

/// A text column of a wide file: a dimension that picks rows (`where`),
/// never a value a metric reads.
#[derive(Debug, Clone, PartialEq)]
pub struct TextColumn {
    pub name: String,
    /// Why it is text: its first cell that is not a number, as the error a
    /// metric reading the column gets (file, line, column and value); `None`
    /// when it is all numbers but a metric's `where` names it.
    pub first_text: Option<Diagnostic>,
}

/// A name that a wide file's header has more than once: neither column is
/// read, and a metric naming it is an error (pandas, and so wbr-app,
/// renames the second one silently).
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateColumn {
    pub name: String,
    /// 1-based positions of its first and second appearance.
    pub positions: (usize, usize),
    pub line: usize,
}

/// Every data file of a site and every column in them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataSet {
    pub files: Vec<DataFile>,
    pub columns: BTreeMap<String, Column>,
    /// Text columns of wide files (dimensions), by name: the first file's.
    pub text_columns: BTreeMap<String, (usize, TextColumn)>,
    /// Names a wide file's header repeats, with the file's index.
    pub duplicates: BTreeMap<String, (usize, DuplicateColumn)>,
}

impl DataSet {
    /// Adds one parsed file; a column that another file already has is an
    /// error naming both files.
    pub fn add(&mut self, parsed: ParsedFile, path: &Path) -> Vec<Diagnostic> {
        let mut errors = Vec::new();
        let file = self.files.len();
        for text in parsed.text_columns {
            self.text_columns
                .entry(text.name.clone())
                .or_insert((file, text));
        }
        for duplicate in parsed.duplicates {
            self.duplicates
                .entry(duplicate.name.clone())
                .or_insert((file, duplicate));
        }
        for (name, line, parts) in parsed.columns {
            if let Some(existing) = self.columns.get(&name) {
                errors.push(
                    Diagnostic::new(
                        path,
                        format!(
                            "column `{name}` is also in {} (line {})",
                            self.files[existing.file].path, existing.line
                        ),
                    )
                    .at_line(Some(line))
                    .with_help(
                        "each column may come from one file only; rename or remove one of them",
                    ),
                );
                continue;
            }
            self.columns.insert(
                name.clone(),
                Column {
                    name,
                    file,
                    line,
                    parts,
                },
            );
        }
        self.files.push(parsed.file);
        errors
    }
}

/// A CSV file's contents before it joins the data set.
#[derive(Debug)]
pub struct ParsedFile {
    pub file: DataFile,
    pub columns: Vec<(String, usize, Vec<ColumnPart>)>,
    /// A wide file's text (dimension) columns.
    pub text_columns: Vec<TextColumn>,
    /// Names a wide file's header repeats.
    pub duplicates: Vec<DuplicateColumn>,
}

type Points = BTreeMap<Date, (Option<f64>, u32)>;

/// Parses one CSV file. `path` is the site-relative path used in messages.
pub fn parse_csv(bytes: &[u8], path: &Path) -> Result<ParsedFile, Vec<Diagnostic>> {
    parse_csv_with(bytes, path, &HashSet::new())
}

/// A CSV record's fields as trimmed text, for the readers that keep
/// them (the whole-file data reader, annotations): a field that is not
/// UTF-8 becomes empty, reported through `error`.
pub(crate) fn text_fields(
    record: &csv::ByteRecord,
    line: usize,
    path: &Path,
    mut error: impl FnMut(Diagnostic),
) -> Vec<String> {
    record
        .iter()
        .enumerate()
        .map(|(index, field)| match std::str::from_utf8(field) {
            Ok(text) => text.trim().to_string(),
            Err(_) => {
                error(not_utf8(path, line, index + 1));
                String::new()
            }
        })
        .collect()
}

/// The error for a field (at `line`, `column`) that is not UTF-8.
pub(crate) fn not_utf8(path: &Path, line: usize, column: usize) -> Diagnostic {
    Diagnostic::new(path, "this field is not valid UTF-8 text")
        .at(line, column)
        .with_help("export the file as UTF-8 (CSV UTF-8 in spreadsheet tools)")
}

/// Parses one CSV file; in a wide file, the columns named in `dimensions`
/// (the keys of the site's `where` clauses and breakdowns) are dimensions
/// even when they hold only numbers (a store number, say).
pub fn parse_csv_with(
    bytes: &[u8],
    path: &Path,
    dimensions: &HashSet<String>,
) -> Result<ParsedFile, Vec<Diagnostic>> {
    let mut errors = FileErrors::new(path);
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(problem) = overlong_field_problem(bytes, path) {
        errors.push(problem);
        return Err(errors.finish());
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut lines = LineCounter::new(bytes);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record
                    .position()
                    .map_or(0, |position| lines.line_at(position.byte()));
                // Skip blank lines, which spreadsheet exports often end with.
                if record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                let fields = text_fields(&record, line, path, |error| errors.push(error));
                records.push((line, fields));
            }
            Err(error) => {
                let line = error
                    .position()
                    .map_or(0, |position| lines.line_at(position.byte()));
                errors.push(
                    Diagnostic::new(path, format!("cannot read CSV: {error}"))
                        .at_line(Some(line).filter(|l| *l > 0)),
                );
                break;
            }
        }
    }
    let Some(((header_line, header), rows)) = records.split_first() else {
        errors.push(
            Diagnostic::new(path, "the file is empty")
                .at_line(Some(1))
                .with_help(
                "a data file starts with a header such as `date,<metric>,…` or `date,metric,value`",
            ),
        );
        return Err(errors.finish());
    };
    let header_line = *header_line;
    let lower: Vec<String> = header
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    if lower.first().map(String::as_str) != Some("date") {
        errors.push(
            Diagnostic::new(
                path,
                format!("the first column is `{}`, not `date`", header[0]),
            )
            .at(header_line, 1)
            .with_help("wide files start `date,<metric>,…`; long files start `date,metric,value`"),
        );
        return Err(errors.finish());
    }
    let shape = if lower.len() >= 3 && lower[1] == "metric" && lower[2] == "value" {
        CsvShape::Long
    } else {
        CsvShape::Wide
    };
    // Each name's first column, for spotting repeats in one pass.
    let mut first_column: HashMap<&str, usize> = HashMap::with_capacity(header.len());
    let mut duplicates: Vec<DuplicateColumn> = Vec::new();
    for (index, name) in header.iter().enumerate() {
        if name.is_empty() {
            errors.push(
                Diagnostic::new(path, format!("column {} has no name", index + 1))
                    .at(header_line, index + 1)
                    .with_help("name every column in the header, or remove the empty column"),
            );
        } else if let Some(&first) = first_column.get(name.as_str()) {
            // A wide file's repeated name is an error only for a metric
            // that reads it (see `DataSet::duplicates`).
            if shape == CsvShape::Wide {
                duplicates.push(DuplicateColumn {
                    name: name.clone(),
                    positions: (first + 1, index + 1),
                    line: header_line,
                });
                continue;
            }
            errors.push(
                Diagnostic::new(
                    path,
                    format!(
                        "column `{name}` appears twice in the header (columns {} and {})",
                        first + 1,
                        index + 1
                    ),
                )
                .at(header_line, index + 1)
                .with_help("rename or remove one of them"),
            );
        } else {
            first_column.insert(name.as_str(), index);
        }
    }
    if rows.is_empty() {
        errors.push(
            Diagnostic::new(path, "the file has a header but no rows")
                .at_line(Some(header_line))
                .with_help("an export probably failed; re-export the data or remove the file"),
        );
    }
    if !errors.is_empty() {
        return Err(errors.finish());
    }

    let dates = parse_dates(rows, path, &mut errors);
    let mut columns = Vec::new();
    let mut text_columns = Vec::new();
    let mut row_count = 0;
    for ((line, fields), date) in rows.iter().zip(&dates) {
        if fields.len() != header.len() {
            errors.push(
                Diagnostic::new(path, format!("this row has {} fields, but the header has {}", fields.len(), header.len()))
                    .at_line(Some(*line))
                    .with_help("every row needs one field per header column; leave a field empty for a missing value"),
            );
        }
        if date.is_some() {
            row_count += 1;
        }
    }
    match shape {
        CsvShape::Wide => {
            let wide = wide_columns(
                header,
                header_line,
                rows,
                &dates,
                &duplicates,
                dimensions,
                path,
                &mut errors,
            );
            columns = wide.0;
            text_columns = wide.1;
        }
        CsvShape::Long => {
            let dimension_names = &header[3..];
            // metric → its first line, and dimension values → dated values.
            let mut metrics: BTreeMap<String, (usize, BTreeMap<Vec<String>, Points>)> =
                BTreeMap::new();
            for ((line, fields), date) in rows.iter().zip(&dates) {
                let Some(date) = *date else { continue };
                if fields.len() != header.len() {
                    continue;
                }
                let metric = &fields[1];
                if metric.is_empty() {
                    errors.push(
                        Diagnostic::new(path, "this row names no metric")
                            .at(*line, 2)
                            .with_help("fill in the `metric` column"),
                    );
                    continue;
                }
                let value = match parse_number(&fields[2]) {
                    Ok(value) => value,
                    Err(problem) => {
                        errors.push(value_error(
                            path, *line, 2, &header[2], &fields[2], &problem,
                        ));
                        continue;
                    }
                };
                let dimensions = fields[3..].to_vec();
                let (_, parts) = metrics
                    .entry(metric.clone())
                    .or_insert_with(|| (*line, BTreeMap::new()));
                let points = parts.entry(dimensions.clone()).or_default();
                if let Some((_, first)) = points.insert(date, (value, *line as u32)) {
                    let mut what = format!("metric `{metric}`");
                    for (name, value) in dimension_names.iter().zip(&dimensions) {
                        what.push_str(&format!(", {name} `{value}`"));
                    }
                    errors.push(
                        Diagnostic::new(
                            path,
                            format!("a second row for {date}, {what} (first on line {first})"),
                        )
                        .at_line(Some(*line))
                        .with_help("keep one row per date, metric and dimension values"),
                    );
                }
            }
            for (metric, (line, parts)) in metrics {
                let parts = parts
                    .into_iter()
                    .map(|(values, points)| ColumnPart {
                        dimensions: dimension_names.iter().cloned().zip(values).collect(),
                        series: DailySeries::from_points(&points),
                    })
                    .collect();
                columns.push((metric, line, parts));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors.finish());
    }
    let valid_dates = dates.iter().flatten();
    Ok(ParsedFile {
        file: DataFile {
            path: path.to_string_lossy().replace('\\', "/"),
            shape,
            rows: row_count,
            first_date: valid_dates.clone().min().copied(),
            last_date: valid_dates.max().copied(),
        },
        columns,
        text_columns,
        duplicates,
    })
}

type WideColumns = (Vec<(String, usize, Vec<ColumnPart>)>, Vec<TextColumn>);

/// The columns of a wide file. A column is a dimension (a text column)
/// when `dimensions` names it, or when it holds text and no numbers: a
/// numeric column with a typo (`N/A`, `lots`) keeps its error per cell
/// instead of silently becoming a dimension. Without dimensions a file has one row per date; with them,
/// one row per date and combination of dimension values, and each numeric
/// column has one part per combination, combined by the metrics that read
/// it with the group rules of long files (BRIEF §3 "Dimension groups").
#[allow(clippy::too_many_arguments)]
fn wide_columns(
    header: &[String],
    header_line: usize,
    rows: &[(usize, Vec<String>)],
    dates: &[Option<Date>],
    duplicates: &[DuplicateColumn],
    dimensions: &HashSet<String>,
    path: &Path,
    errors: &mut FileErrors,
) -> WideColumns {
    let repeated: HashSet<&str> = duplicates.iter().map(|d| d.name.as_str()).collect();
    let usable = |index: usize| !repeated.contains(header[index].as_str());
    let complete_rows = || {
        rows.iter()
            .zip(dates)
            .filter(|((_, fields), date)| date.is_some() && fields.len() == header.len())
    };
    // Which columns are text: named by a `where`, or mostly not numbers.
    let mut text_columns = Vec::new();
    let mut is_text = vec![false; header.len()];
    for index in (1..header.len()).filter(|&index| usable(index)) {
        let name = &header[index];
        let (mut numbers, mut texts, mut first_text) = (0usize, 0usize, None);
        for ((line, fields), _) in complete_rows() {
            let field = &fields[index];
            match field.chars().next() {
                None => {}
                Some(c) if c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | '$' | '€' | '£') =>
                {
                    numbers += 1;
                }
                Some(_) => {
                    texts += 1;
                    first_text = first_text.or_else(|| {
                        let problem = parse_number(field).err()?;
                        Some(value_error(path, *line, index, name, field, &problem))
                    });
                }
            }
        }
        if dimensions.contains(name) || (texts > 0 && numbers == 0) {
            is_text[index] = true;
            text_columns.push(TextColumn {
                name: name.clone(),
                first_text,
            });
        }
    }
    let dimension_indexes: Vec<usize> = (1..header.len()).filter(|&i| is_text[i]).collect();
    let value_indexes: Vec<usize> = (1..header.len())
        .filter(|&i| !is_text[i] && usable(i))
        .collect();
    // Dimension values → one point map per value column.
    let mut groups: BTreeMap<Vec<String>, Vec<Points>> = BTreeMap::new();
    let mut seen: HashMap<(Date, Vec<String>), usize> = HashMap::new();
    for ((line, fields), date) in complete_rows() {
        let Some(date) = *date else { continue };
        let key: Vec<String> = dimension_indexes
            .iter()
            .map(|&index| fields[index].clone())
            .collect();
        if let Some(first) = seen.insert((date, key.clone()), *line) {
            let what: String = dimension_indexes
                .iter()
                .zip(&key)
                .map(|(&index, value)| format!(", {} `{}`", header[index], excerpt(value)))
                .collect();
            let help = if dimension_indexes.is_empty() {
                "keep one row per date".to_string()
            } else {
                "keep one row per date and combination of text-column values".to_string()
            };
            errors.push(
                Diagnostic::new(
                    path,
                    format!("{date}{what} appears twice (first on line {first})"),
                )
                .at(*line, 1)
                .with_help(help),
            );
            continue;
        }
        let points = groups
            .entry(key)
            .or_insert_with(|| vec![Points::new(); value_indexes.len()]);
        for (slot, &index) in value_indexes.iter().enumerate() {
            match parse_number(&fields[index]) {
                Ok(value) => {
                    points[slot].insert(date, (value, *line as u32));
                }
                Err(problem) => errors.push(value_error(
                    path,
                    *line,
                    index,
                    &header[index],
                    &fields[index],
                    &problem,
                )),
            }
        }
    }
    let dimension_names: Vec<&String> = dimension_indexes.iter().map(|&i| &header[i]).collect();
    let columns = value_indexes
        .iter()
        .enumerate()
        .map(|(slot, &index)| {
            let parts = if groups.is_empty() {
                vec![ColumnPart {
                    dimensions: Vec::new(),
                    series: DailySeries::default(),
                }]
            } else {
                groups
                    .iter()
                    .map(|(values, points)| ColumnPart {
                        dimensions: dimension_names
                            .iter()
                            .map(|name| (*name).clone())
                            .zip(values.iter().cloned())
                            .collect(),
                        series: DailySeries::from_points(&points[slot]),
                    })
                    .collect()
            };
            (header[index].clone(), header_line, parts)
        })
        .collect();
    (columns, text_columns)
}

/// The error for the first field of a CSV text longer than
/// [`MAX_FIELD_BYTES`], if there is one. Every CSV reader of sitrep asks
/// this before reading records (see [`find_overlong_field`] for why).
pub fn overlong_field_problem(bytes: &[u8], path: &Path) -> Option<Diagnostic> {
    let field = find_overlong_field(bytes)?;
    let line = LineCounter::new(bytes).line_at(field.start as u64);
    Some(
        Diagnostic::new(
            path,
            format!(
                "field {} is {} bytes long; a field may be at most {} bytes (1 MiB)",
                field.column,
                grouped(field.length),
                grouped(MAX_FIELD_BYTES)
            ),
        )
        .at(line, field.column)
        .with_help("a quote that is never closed swallows the rest of the file: check the quotes from this line on, or re-export the data"),
    )
}

/// A field longer than [`MAX_FIELD_BYTES`]: where it starts, its 1-based
/// column and its length in bytes.
struct OverlongField {
    start: usize,
    column: usize,
    length: usize,
}

/// The first field longer than [`MAX_FIELD_BYTES`], found by a pass of the
/// csv crate's own parser (same quoting rules, no copies).
///
/// It runs before the real reader, which grows a record's buffer to hold a
/// whole field before anyone can look at it: a 2 GiB field asked for 4 GiB
/// at once, and a failed allocation aborts the process.
fn find_overlong_field(bytes: &[u8]) -> Option<OverlongField> {
    if bytes.len() <= MAX_FIELD_BYTES {
        return None;
    }
    let mut reader = csv_core::Reader::new();
    let mut output = vec![0; 64 * 1024];
    let (mut offset, mut start, mut column, mut length) = (0, 0, 1, 0);
    loop {
        let (result, read, written) = reader.read_field(&bytes[offset..], &mut output);
        offset += read;
        length += written;
        match result {
            csv_core::ReadFieldResult::InputEmpty | csv_core::ReadFieldResult::OutputFull => {}
            csv_core::ReadFieldResult::Field { record_end } => {
                if length > MAX_FIELD_BYTES {
                    return Some(OverlongField {
                        start,
                        column,
                        length,
                    });
                }
                column = if record_end { 1 } else { column + 1 };
                (start, length) = (offset, 0);
            }
            csv_core::ReadFieldResult::End => return None,
        }
    }
}

/// The 1-based line of a record from its byte offset. The csv crate's own
/// line numbers are one short for every record after the first in a CRLF
/// file: a record's position is where the previous one's `\r` terminator
/// ended, before the `\n`. Offsets only grow, so counting is incremental.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, offset: u64) -> usize {
        let mut offset = (offset as usize).min(self.bytes.len());
        // Skip the rest of the previous line's terminator (and blank lines,
        // which the reader skips too) to reach the record's first byte.
        while offset < self.bytes.len() && matches!(self.bytes[offset], b'\r' | b'\n') {
            offset += 1;
        }
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.bytes[self.offset..offset]
            .iter()
            .filter(|byte| **byte == b'\n')
            .count();
        self.offset = offset;
        self.line
    }
}

fn value_error(
    path: &Path,
    line: usize,
    index: usize,
    column: &str,
    field: &str,
    problem: &str,
) -> Diagnostic {
    Diagnostic::new(
        path,
        format!("`{}` in column `{}` {problem}", excerpt(field), excerpt(column)),
    )
        .at(line, index + 1)
        .with_help("write a plain number such as 1234, 1,234 or 95.2%; leave the field empty when the value is missing")
}

/// `1,048,576`: a count as messages show it.
fn grouped(count: usize) -> String {
    let digits = count.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// Collects a file's errors up to [`MAX_ERRORS_PER_FILE`].
struct FileErrors {
    path: PathBuf,
    errors: Vec<Diagnostic>,
    dropped: usize,
}

impl FileErrors {
    fn new(path: &Path) -> Self {
        FileErrors {
            path: path.to_path_buf(),
            errors: Vec::new(),
            dropped: 0,
        }
    }

    fn push(&mut self, diagnostic: Diagnostic) {
        if self.errors.len() < MAX_ERRORS_PER_FILE {
            self.errors.push(diagnostic);
        } else {
            self.dropped += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    fn finish(mut self) -> Vec<Diagnostic> {
        if self.dropped > 0 {
            self.errors.push(Diagnostic::new(
                &self.path,
                format!("… and {} more errors in this file", self.dropped),
            ));
        }
        self.errors
    }
}

/// The largest magnitude a data value may have.
pub const MAX_VALUE: f64 = 1e15;

/// Parses a number cell. Empty is missing (`None`), never zero. Accepts
/// thousands separators (`1,234`), a leading currency sign and a trailing
/// percent sign (`95.2%` is 0.952).
pub fn parse_number(text: &str) -> Result<Option<f64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    // The common case, a plain decimal such as `1234` or `-0.5`: the text
    // the general path below would parse, parsed without its copies.
    let unsigned = text.strip_prefix('-').unwrap_or(text).as_bytes();
    if unsigned
        .first()
        .is_some_and(|first| first.is_ascii_digit() || *first == b'.')
        && unsigned
            .iter()
            .all(|byte| byte.is_ascii_digit() || *byte == b'.')
    {
        return match text.parse::<f64>() {
            Ok(value) if value.abs() <= MAX_VALUE => Ok(Some(value)),
            Ok(_) => Err("is too large: values must be within ±10^15".to_string()),
            Err(_) => Err("is not a number".to_string()),
        };
    }
    let (text, percent) = match text.strip_suffix('%') {
        Some(rest) => (rest.trim_end(), true),
        None => (text, false),
    };
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let unsigned = unsigned.strip_prefix(['$', '€', '£']).unwrap_or(unsigned);
    let plain = if unsigned.contains(',') {
        let integer = unsigned.split('.').next().unwrap_or_default();
        let groups: Vec<&str> = integer.split(',').collect();
        let grouped = (1..=3).contains(&groups[0].len())
            && groups[1..].iter().all(|group| group.len() == 3)
            && unsigned.matches('.').count() <= 1;
        if !grouped {
            return Err("has a comma that is not a thousands separator".to_string());
        }
        unsigned.replace(',', "")
    } else {
        unsigned.to_string()
    };
    let looks_numeric = !plain.is_empty()
        && plain
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && plain
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '.');
    if !looks_numeric {
        let lower = plain.to_ascii_lowercase();
        if ["nan", "inf", "infinity"].contains(&lower.as_str()) {
            return Err("is not a finite number".to_string());
        }
        return Err("is not a number".to_string());
    }
    // A percentage is parsed as the decimal it stands for ("95.2e-2"), so
    // that 95.2% is exactly the double nearest 0.952, not 95.2 × 0.01.
    let exponent = if percent { "e-2" } else { "" };
    let mantissa = if percent && plain.contains(['e', 'E']) {
        return Err("mixes a percent sign with an exponent".to_string());
    } else {
        plain
    };
    let value: f64 = format!("{sign}{mantissa}{exponent}")
        .parse()
        .map_err(|_| "is not a number".to_string())?;
    // Far beyond any operational metric, and small enough that a year of
    // daily values adds up without losing whole units or overflowing.
    if !value.is_finite() || value.abs() > MAX_VALUE {
        return Err("is too large: values must be within ±10^15".to_string());
    }
    Ok(Some(value))
}

/// How a file spells its dates; one file uses one spelling throughout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateSpelling {
    /// `2026-11-22`
    Iso,
    /// `22-Nov-2026`
    DayMonthYear,
    /// `Sun, 22-Nov-2026`
    WeekdayDayMonthYear,
    /// `11/22/26` or `22/11/2026`: month or day first, decided per file.
    Slashes,
}

impl DateSpelling {
    fn example(self) -> &'static str {
        match self {
            DateSpelling::Iso => "2026-11-22",
            DateSpelling::DayMonthYear => "22-Nov-2026",
            DateSpelling::WeekdayDayMonthYear => "Sun, 22-Nov-2026",
            DateSpelling::Slashes => "11/22/26",
        }
    }

    fn of(text: &str) -> Option<DateSpelling> {
        let bytes = text.as_bytes();
        let iso_shape = bytes.len() == 10
            && bytes.iter().enumerate().all(|(index, byte)| match index {
                4 | 7 => *byte == b'-',
                _ => byte.is_ascii_digit(),
            });
        if iso_shape {
            Some(DateSpelling::Iso)
        } else if text.contains(',') {
            Some(DateSpelling::WeekdayDayMonthYear)
        } else if text.contains('/') {
            Some(DateSpelling::Slashes)
        } else if text.chars().any(|c| c.is_ascii_alphabetic()) {
            Some(DateSpelling::DayMonthYear)
        } else {
            None
        }
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Parses `22-Nov-2026`.
fn parse_day_month_year(text: &str) -> Option<Date> {
    let mut parts = text.split('-');
    let day: i8 = parts.next()?.parse().ok()?;
    let month = parts.next()?.to_ascii_lowercase();
    let month = MONTHS.iter().position(|name| *name == month)? as i8 + 1;
    let year = parts.next()?;
    if year.len() != 4 || parts.next().is_some() {
        return None;
    }
    Date::new(year.parse().ok()?, month, day).ok()
}

/// Splits `11/22/26` into its three numbers, the year made four-digit.
fn split_slashes(text: &str) -> Option<(i8, i8, i16)> {
    let mut parts = text.split('/');
    let first: i8 = parts.next()?.parse().ok()?;
    let second: i8 = parts.next()?.parse().ok()?;
    let year_text = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let year: i16 = year_text.parse().ok()?;
    let year = match year_text.len() {
        2 if year < 70 => 2000 + year,
        2 => 1900 + year,
        4 => year,
        _ => return None,
    };
    Some((first, second, year))
}

/// Reads the dates of one file, spelt like its first date (see
/// [`parse_dates`]).
struct DateReader<'a> {
    path: &'a Path,
    /// The file's first non-empty date text.
    first_text: &'a str,
    spelling: Option<DateSpelling>,
    /// For slashes: whether the day comes first, settled by the whole file.
    day_first: Option<bool>,
}

impl DateReader<'_> {
    fn bad_date(&self, line: usize, text: &str, why: String) -> Diagnostic {
        Diagnostic::new(self.path, format!("`{text}` {why}"))
            .at(line, 1)
            .with_help(match self.spelling {
                Some(spelling) => format!(
                    "write every date of this file like its first one, `{}` (e.g. {})",
                    self.first_text,
                    spelling.example()
                ),
                None => "write dates as YYYY-MM-DD, e.g. 2026-11-22".to_string(),
            })
    }

    /// The date `text` (a trimmed field) of the row on `line`, or the
    /// error that says why it is not one.
    fn read(&self, line: usize, text: &str) -> Result<Date, Diagnostic> {
        if text.is_empty() {
            return Err(Diagnostic::new(self.path, "this row has no date")
                .at(line, 1)
                .with_help("fill in the date or remove the row"));
        }
        let Some(spelling) = self.spelling else {
            return Err(self.bad_date(line, text, "is not a date".to_string()));
        };
        if DateSpelling::of(text) != Some(spelling) {
            return Err(self.bad_date(
                line,
                text,
                format!(
                    "is spelt differently from this file's first date `{}`",
                    self.first_text
                ),
            ));
        }
        let date = match spelling {
            DateSpelling::Iso => parse_iso_date(text),
            DateSpelling::DayMonthYear => parse_day_month_year(text),
            DateSpelling::WeekdayDayMonthYear => {
                let (weekday, rest) = text.split_once(',').unwrap_or(("", text));
                let date = parse_day_month_year(rest.trim());
                if let Some(date) = date {
                    let named = crate::calendar::parse_weekday(weekday);
                    if named != Some(date.weekday()) {
                        return Err(self.bad_date(
                            line,
                            text,
                            format!(
                                "says `{}`, but {date} is a {}",
                                weekday.trim(),
                                weekday_name(date.weekday())
                            ),
                        ));
                    }
                }
                date
            }
            DateSpelling::Slashes => split_slashes(text).and_then(|(first, second, year)| {
                let (month, day) = if self.day_first == Some(true) {
                    (second, first)
                } else {
                    (first, second)
                };
                Date::new(year, month, day).ok()
            }),
        };
        match date {
            Some(date) if (EARLIEST_DATE..=LATEST_DATE).contains(&date) => Ok(date),
            Some(date) => Err(self.bad_date(
                line,
                text,
                format!(
                    "({date}) is outside the supported years {}–{}",
                    EARLIEST_DATE.year(),
                    LATEST_DATE.year()
                ),
            )),
            None => Err(self.bad_date(line, text, "is not a valid date".to_string())),
        }
    }
}

/// Parses the first field of every row as a date, with the spelling of the
/// first row; `None` for rows whose date is bad (an error is recorded).
fn parse_dates(
    rows: &[(usize, Vec<String>)],
    path: &Path,
    errors: &mut FileErrors,
) -> Vec<Option<Date>> {
    let first_text = rows
        .iter()
        .map(|(_, fields)| fields[0].as_str())
        .find(|text| !text.is_empty())
        .unwrap_or("");
    let mut reader = DateReader {
        path,
        first_text,
        spelling: DateSpelling::of(first_text),
        day_first: None,
    };
    // Day-first or month-first slashes: decided by the file's own dates.
    if reader.spelling == Some(DateSpelling::Slashes) {
        let parts: Vec<(i8, i8, i16)> = rows
            .iter()
            .filter_map(|(_, fields)| split_slashes(&fields[0]))
            .collect();
        let day_first_possible = parts
            .iter()
            .all(|(first, second, _)| *second <= 12 && *first >= 1);
        let month_first_possible = parts.iter().all(|(first, _, _)| *first <= 12);
        reader.day_first = match (month_first_possible, day_first_possible) {
            (true, false) => Some(false),
            (false, true) => Some(true),
            _ => {
                errors.push(
                    Diagnostic::new(path, format!("cannot tell whether `{first_text}` is month/day or day/month: no date in this file settles it"))
                        .at(rows[0].0, 1)
                        .with_help("write dates as YYYY-MM-DD, e.g. 2026-11-22"),
                );
                return vec![None; rows.len()];
            }
        };
    }
    rows.iter()
        .map(|(line, fields)| match reader.read(*line, &fields[0]) {
            Ok(date) => Some(date),
            Err(error) => {
                errors.push(error);
                None
            }
        })
        .collect()
}

/// Reads a column of dates spelt as data files spell them (one spelling
/// per file, see [`parse_dates`]): `rows` are (line, date text); errors
/// point at `column` (1-based). For files other than data files, such as
/// annotations.
pub(crate) fn parse_date_column(
    rows: &[(usize, Vec<String>)],
    path: &Path,
    column: usize,
) -> (Vec<Option<Date>>, Vec<Diagnostic>) {
    let mut errors = FileErrors::new(path);
    let dates = parse_dates(rows, path, &mut errors);
    let mut errors = errors.finish();
    for error in &mut errors {
        if error.column.is_some() {
            error.column = Some(column);
        }
    }
    (dates, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn parse(text: &str) -> Result<ParsedFile, Vec<Diagnostic>> {
        parse_csv(text.as_bytes(), Path::new("data/x.csv"))
    }

    fn column<'a>(parsed: &'a ParsedFile, name: &str) -> &'a [ColumnPart] {
        &parsed
            .columns
            .iter()
            .find(|(column, _, _)| column == name)
            .unwrap()
            .2
    }

    fn messages(errors: &[Diagnostic]) -> Vec<String> {
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn numbers_parse_like_exports_write_them() {
        assert_eq!(parse_number(""), Ok(None));
        assert_eq!(parse_number("  "), Ok(None));
        assert_eq!(parse_number("0"), Ok(Some(0.0)));
        assert_eq!(parse_number("1,234"), Ok(Some(1234.0)));
        assert_eq!(parse_number("1,234,567.5"), Ok(Some(1234567.5)));
        assert_eq!(parse_number("-12.5"), Ok(Some(-12.5)));
        assert_eq!(parse_number("95.2%"), Ok(Some(0.952)));
        assert_eq!(parse_number("$1,200"), Ok(Some(1200.0)));
        assert_eq!(parse_number("1e3"), Ok(Some(1000.0)));
        assert!(parse_number("1,23").is_err());
        assert!(parse_number("12,5").is_err());
        assert!(parse_number("abc").is_err());
        assert!(parse_number("n/a").is_err());
        assert_eq!(
            parse_number("NaN"),
            Err("is not a finite number".to_string())
        );
        assert_eq!(
            parse_number("inf"),
            Err("is not a finite number".to_string())
        );
        assert_eq!(
            parse_number("-Infinity"),
            Err("is not a finite number".to_string())
        );
        assert_eq!(
            parse_number("1e400"),
            Err("is too large: values must be within ±10^15".to_string())
        );
        assert!(parse_number("1.7e308").is_err());
        assert_eq!(
            parse_number("999,999,999,999,999"),
            Ok(Some(999_999_999_999_999.0))
        );
    }

    #[test]
    fn wide_file_keeps_empty_cells_missing_and_zeros_zero() {
        let parsed =
            parse("date,a,b\n2026-11-16,1,\n2026-11-17,0,\"1,500\"\n2026-11-19,3,4\n").unwrap();
        assert_eq!(parsed.file.shape, CsvShape::Wide);
        assert_eq!(parsed.file.rows, 3);
        assert_eq!(parsed.file.first_date, Some(date(2026, 11, 16)));
        assert_eq!(parsed.file.last_date, Some(date(2026, 11, 19)));
        let a = &column(&parsed, "a")[0].series;
        assert_eq!(a.get(date(2026, 11, 17)), Some(0.0));
        assert_eq!(a.get(date(2026, 11, 18)), None);
        let b = &column(&parsed, "b")[0].series;
        assert_eq!(b.get(date(2026, 11, 16)), None);
        assert_eq!(b.get(date(2026, 11, 17)), Some(1500.0));
        assert_eq!(b.line(date(2026, 11, 19)), Some(4));
        let days: Vec<_> = b
            .days(Period::new(date(2026, 11, 15), date(2026, 11, 20)))
            .collect();
        assert_eq!(days, vec![None, None, Some(1500.0), None, Some(4.0), None]);
    }

    #[test]
    fn wbr_app_files_read_as_they_are() {
        let text = "\u{feff}Date,Incidents,Incidents__Target\r\n22-Nov-2026,\"1,234\",1000\r\n23-Nov-2026,99,1000\r\n";
        let parsed = parse(text).unwrap();
        let series = &column(&parsed, "Incidents")[0].series;
        assert_eq!(series.get(date(2026, 11, 22)), Some(1234.0));
        assert_eq!(
            column(&parsed, "Incidents__Target")[0]
                .series
                .get(date(2026, 11, 23)),
            Some(1000.0)
        );
    }

    #[test]
    fn weekday_spelling_is_checked() {
        let parsed = parse("date,a\nSun, 22-Nov-2026,1\nMon, 23-Nov-2026,2\n");
        // Unquoted commas split the field: the file is ragged.
        assert!(parsed.is_err());
        let parsed = parse("date,a\n\"Sun, 22-Nov-2026\",1\n\"Mon, 23-Nov-2026\",2\n").unwrap();
        assert_eq!(
            column(&parsed, "a")[0].series.get(date(2026, 11, 23)),
            Some(2.0)
        );
        let errors = parse("date,a\n\"Sat, 22-Nov-2026\",1\n").unwrap_err();
        assert!(
            errors[0]
                .message
                .contains("says `Sat`, but 2026-11-22 is a Sunday"),
            "{:?}",
            errors
        );
    }

    #[test]
    fn slash_dates_are_settled_by_the_file() {
        // 11/22/26 can only be month-first.
        let parsed = parse("date,a\n11/09/26,1\n11/22/26,2\n").unwrap();
        let a = &column(&parsed, "a")[0].series;
        assert_eq!(a.get(date(2026, 11, 9)), Some(1.0));
        assert_eq!(a.get(date(2026, 11, 22)), Some(2.0));
        // 22/11/2026 can only be day-first, so 09/11/2026 is 9 November too.
        let parsed = parse("date,a\n09/11/2026,1\n22/11/2026,2\n").unwrap();
        assert_eq!(
            column(&parsed, "a")[0].series.get(date(2026, 11, 9)),
            Some(1.0)
        );
        // Nothing settles 01/02/26.
        let errors = parse("date,a\n01/02/26,1\n").unwrap_err();
        assert!(
            errors[0].message.contains("cannot tell whether"),
            "{:?}",
            errors
        );
    }

    #[test]
    fn every_bad_cell_is_reported_with_line_and_column() {
        let errors = parse("date,a,b\n2026-11-16,x,1\n2026-13-01,1,1\n2026-11-18,1\n2026-11-19,NaN,1\n2026-11-16,1,1\n").unwrap_err();
        assert_eq!(
            messages(&errors),
            vec![
                "data/x.csv:3:1: `2026-13-01` is not a valid date\n  help: write every date of this file like its first one, `2026-11-16` (e.g. 2026-11-22)",
                "data/x.csv:4: this row has 2 fields, but the header has 3\n  help: every row needs one field per header column; leave a field empty for a missing value",
                "data/x.csv:2:2: `x` in column `a` is not a number\n  help: write a plain number such as 1234, 1,234 or 95.2%; leave the field empty when the value is missing",
                "data/x.csv:5:2: `NaN` in column `a` is not a finite number\n  help: write a plain number such as 1234, 1,234 or 95.2%; leave the field empty when the value is missing",
                "data/x.csv:6:1: 2026-11-16 appears twice (first on line 2)\n  help: keep one row per date",
            ]
        );
    }

    #[test]
    fn mixed_date_spellings_are_errors() {
        let errors = parse("date,a\n2026-11-16,1\n17-Nov-2026,1\n").unwrap_err();
        assert_eq!(errors[0].line, Some(3));
        assert!(errors[0].message.contains("spelt differently"));
    }

    #[test]
    fn empty_header_only_and_headerless_files_are_errors() {
        assert!(parse("").unwrap_err()[0].message.contains("empty"));
        assert!(parse("date,a\n").unwrap_err()[0]
            .message
            .contains("header but no rows"));
        assert!(parse("day,a\n2026-11-16,1\n").unwrap_err()[0]
            .message
            .contains("not `date`"));
        // A repeated name in a long file's header is an error at once; in
        // a wide file only for a metric that reads it (see
        // `a_repeated_wide_header_name_is_kept_aside`).
        assert!(
            parse("date,metric,value,a,a\n2026-11-16,m,1,x,y\n").unwrap_err()[0]
                .message
                .contains("appears twice")
        );
    }

    #[test]
    fn crlf_files_report_the_right_lines() {
        let errors = parse("date,a\r\n2026-11-16,1\r\n\r\n2026-11-17,x\r\n\"2026-11-18\",y\r\n")
            .unwrap_err();
        let lines: Vec<_> = errors.iter().map(|error| error.line).collect();
        assert_eq!(lines, vec![Some(4), Some(5)], "{errors:?}");
    }

    #[test]
    fn invalid_utf8_is_reported_at_its_field() {
        let errors = parse_csv(b"date,a\n2026-11-16,\xff\n", Path::new("data/x.csv")).unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (Some(2), Some(2)));
        assert!(errors[0].message.contains("UTF-8"));
    }

    #[test]
    fn a_field_over_the_limit_is_refused_before_it_is_read() {
        // An unclosed quote on line 3 swallows the rest of the file.
        let mut text = String::from("date,a\n2026-11-16,1\n2026-11-17,\"1\n");
        text.push_str(&"9".repeat(MAX_FIELD_BYTES));
        let errors = parse(&text).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        // 2 ("1\n") + 1,048,576 bytes: the field as unquoted.
        assert_eq!(
            errors[0].to_string(),
            "data/x.csv:3:2: field 2 is 1,048,578 bytes long; a field may be at most 1,048,576 bytes (1 MiB)\n  help: a quote that is never closed swallows the rest of the file: check the quotes from this line on, or re-export the data"
        );
        // A field of exactly the limit is read (and here is not a number).
        let text = format!("date,a\n2026-11-16,{}\n", "9".repeat(MAX_FIELD_BYTES));
        let errors = parse(&text).unwrap_err();
        assert!(errors[0].message.contains("is too large"), "{errors:?}");
        assert!(errors[0].message.len() < 200, "{errors:?}");
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(2_147_483_648), "2,147,483,648");
    }

    /// wbr-app's own input: a text column and one row per date and value.
    const BY_COUNTRY: &str = "date,Country,latency,orders\n\
        2026-11-02,US,10,5\n\
        2026-11-03,US,12,6\n\
        2026-11-03,DE,22,\n\
        2026-11-04,US,14,7\n\
        2026-11-04,DE,24,8\n";

    #[test]
    fn a_wide_text_column_is_a_dimension() {
        let parsed = parse(BY_COUNTRY).unwrap();
        assert_eq!(parsed.file.shape, CsvShape::Wide);
        assert_eq!(parsed.file.rows, 5);
        assert!(parsed.columns.iter().all(|(name, _, _)| name != "Country"));
        assert_eq!(parsed.text_columns.len(), 1);
        assert_eq!(parsed.text_columns[0].name, "Country");
        // The error a metric reading `Country` gets: its first text cell.
        assert_eq!(
            parsed.text_columns[0].first_text.as_ref().unwrap().to_string(),
            "data/x.csv:2:2: `US` in column `Country` is not a number\n  help: write a plain number such as 1234, 1,234 or 95.2%; leave the field empty when the value is missing"
        );
        let latency = column(&parsed, "latency");
        assert_eq!(latency.len(), 2);
        assert_eq!(
            latency[0].dimensions,
            vec![("Country".to_string(), "DE".to_string())]
        );
        assert_eq!(latency[0].series.get(date(2026, 11, 3)), Some(22.0));
        assert_eq!(latency[1].series.get(date(2026, 11, 2)), Some(10.0));
        // DE's empty `orders` cell on 11-03 is missing, never zero.
        let orders = column(&parsed, "orders");
        assert_eq!(orders[0].series.get(date(2026, 11, 3)), None);
        assert_eq!(orders[0].series.get(date(2026, 11, 4)), Some(8.0));
    }

    #[test]
    fn wide_groups_follow_the_long_file_rules() {
        let parsed = parse(BY_COUNTRY).unwrap();
        let latency: Vec<&DailySeries> = column(&parsed, "latency")
            .iter()
            .map(|part| &part.series)
            .collect();
        let total = DailySeries::combine(&latency, |a, b| a + b);
        // 11-02: DE has no row yet, so it adds nothing: US alone, 10.
        assert_eq!(total.get(date(2026, 11, 2)), Some(10.0));
        // 11-03: 12 (US) + 22 (DE) = 34; 11-04: 14 + 24 = 38.
        assert_eq!(total.get(date(2026, 11, 3)), Some(34.0));
        assert_eq!(total.get(date(2026, 11, 4)), Some(38.0));
        // `orders`: DE counts from its first row (11-03, an empty cell),
        // so 11-03 is missing: 6 + nothing is not a total.
        let orders: Vec<&DailySeries> = column(&parsed, "orders")
            .iter()
            .map(|part| &part.series)
            .collect();
        let total = DailySeries::combine(&orders, |a, b| a + b);
        assert_eq!(total.get(date(2026, 11, 2)), Some(5.0));
        assert_eq!(total.get(date(2026, 11, 3)), None);
        // 11-04: 7 + 8 = 15.
        assert_eq!(total.get(date(2026, 11, 4)), Some(15.0));
    }

    #[test]
    fn a_wide_row_repeated_for_one_combination_names_both_lines() {
        let errors = parse("date,Country,x\n2026-11-02,US,1\n2026-11-02,DE,2\n2026-11-02,US,3\n")
            .unwrap_err();
        assert_eq!(
            messages(&errors),
            vec!["data/x.csv:4:1: 2026-11-02, Country `US` appears twice (first on line 2)\n  help: keep one row per date and combination of text-column values"]
        );
    }

    #[test]
    fn a_column_named_by_where_is_a_dimension_even_when_all_numbers() {
        let dimensions: HashSet<String> = ["store".to_string()].into();
        let parsed = parse_csv_with(
            b"date,store,sales\n2026-11-02,101,5\n2026-11-02,102,7\n",
            Path::new("data/x.csv"),
            &dimensions,
        )
        .unwrap();
        let sales = column(&parsed, "sales");
        assert_eq!(
            sales[1].dimensions,
            vec![("store".to_string(), "102".to_string())]
        );
        assert_eq!(sales[1].series.get(date(2026, 11, 2)), Some(7.0));
        assert!(parsed.text_columns[0].first_text.is_none());
    }

    #[test]
    fn a_typo_in_a_numeric_column_is_still_reported() {
        // A text cell among numbers is a mistake, not a dimension.
        let errors = parse("date,x\n2026-11-02,1\n2026-11-03,N/A\n2026-11-04,lots\n").unwrap_err();
        assert_eq!(errors[0].line, Some(3));
        assert!(errors[0]
            .message
            .contains("`N/A` in column `x` is not a number"));
    }

    #[test]
    fn a_repeated_wide_header_name_is_kept_aside() {
        let parsed = parse("date,a,b,a\n2026-11-02,1,2,3\n").unwrap();
        assert!(parsed.columns.iter().all(|(name, _, _)| name != "a"));
        assert_eq!(
            column(&parsed, "b")[0].series.get(date(2026, 11, 2)),
            Some(2.0)
        );
        assert_eq!(parsed.duplicates[0].name, "a");
        assert_eq!(parsed.duplicates[0].positions, (2, 4));
    }

    #[test]
    fn a_wide_header_is_checked_in_linear_time() {
        // Comparing every name with every earlier one took over 100 s for
        // 100,000 columns.
        let columns = 200_000;
        let names: Vec<String> = (0..columns).map(|index| format!("c{index}")).collect();
        let text = format!(
            "date,{},c7\n2026-11-16,{}1\n",
            names.join(","),
            "1,".repeat(columns)
        );
        let started = std::time::Instant::now();
        let parsed = parse(&text).unwrap();
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
        assert_eq!(parsed.duplicates[0].positions, (9, columns + 2));
    }

    #[test]
    fn long_file_splits_by_dimension() {
        let parsed = parse(
            "date,metric,value,channel\n2026-11-16,contacts,10,phone\n2026-11-16,contacts,5,chat\n2026-11-17,contacts,7,phone\n2026-11-16,aht,4.5,phone\n",
        )
        .unwrap();
        assert_eq!(parsed.file.shape, CsvShape::Long);
        let contacts = column(&parsed, "contacts");
        assert_eq!(contacts.len(), 2);
        assert_eq!(
            contacts[0].dimensions,
            vec![("channel".to_string(), "chat".to_string())]
        );
        assert_eq!(contacts[1].series.get(date(2026, 11, 17)), Some(7.0));
        assert_eq!(
            column(&parsed, "aht")[0].series.get(date(2026, 11, 16)),
            Some(4.5)
        );
    }

    #[test]
    fn long_file_duplicates_are_errors() {
        let errors =
            parse("date,metric,value,channel\n2026-11-16,c,1,phone\n2026-11-16,c,2,phone\n")
                .unwrap_err();
        assert_eq!(errors[0].line, Some(3));
        assert!(
            errors[0].message.contains(
                "a second row for 2026-11-16, metric `c`, channel `phone` (first on line 2)"
            ),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn a_column_in_two_files_names_both() {
        let mut data = DataSet::default();
        let first = parse("date,a\n2026-11-16,1\n").unwrap();
        assert!(data.add(first, Path::new("data/x.csv")).is_empty());
        let second = parse_csv(b"date,b,a\n2026-11-16,1,1\n", Path::new("data/y.csv")).unwrap();
        let errors = data.add(second, Path::new("data/y.csv"));
        assert_eq!(errors[0].to_string(), "data/y.csv:1: column `a` is also in data/x.csv (line 1)\n  help: each column may come from one file only; rename or remove one of them");
    }

    #[test]
    fn combining_parts_keeps_gaps() {
        let phone = DailySeries::from_values([
            (date(2026, 1, 1), Some(1.0)),
            (date(2026, 1, 2), Some(2.0)),
        ]);
        let chat = DailySeries::from_values([
            (date(2026, 1, 1), Some(10.0)),
            (date(2026, 1, 3), Some(5.0)),
        ]);
        let total = DailySeries::combine(&[&phone, &chat], |a, b| a + b);
        assert_eq!(total.get(date(2026, 1, 1)), Some(11.0));
        assert_eq!(total.get(date(2026, 1, 2)), None);
        assert_eq!(total.get(date(2026, 1, 3)), None);
    }

    #[test]
    fn a_series_holds_its_values_not_the_span_of_its_dates() {
        // Two rows 300 years apart: two stored values, not 109,572 days.
        let parsed = parse("date,a,b\n1900-01-01,1,\n2199-12-31,2,\n").unwrap();
        let a = &column(&parsed, "a")[0].series;
        assert_eq!((a.days.len(), a.values.len(), a.lines.len()), (2, 2, 2));
        assert_eq!(a.get(date(1900, 1, 1)), Some(1.0));
        assert_eq!(a.get(date(2000, 1, 1)), None);
        assert_eq!(a.line(date(2199, 12, 31)), Some(3));
        assert_eq!(
            a.dates().collect::<Vec<_>>(),
            [date(1900, 1, 1), date(2199, 12, 31)]
        );
        assert_eq!(a.last_date(), Some(date(2199, 12, 31)));
        let days: Vec<_> = a
            .days(Period::new(date(2199, 12, 30), date(2199, 12, 31)))
            .collect();
        assert_eq!(days, [None, Some(2.0)]);
        // Empty cells store nothing, but the first row is remembered.
        let b = &column(&parsed, "b")[0].series;
        assert!(b.days.is_empty());
        assert_eq!(b.first_row, Some(day_of(date(1900, 1, 1))));
    }

    /// 27 February to 2 March 2024, across the leap day: 1, 2, 3, 4, 5.
    fn leap_days() -> DailySeries {
        DailySeries::from_values([
            (date(2024, 2, 27), Some(1.0)),
            (date(2024, 2, 28), Some(2.0)),
            (date(2024, 2, 29), Some(3.0)),
            (date(2024, 3, 1), Some(4.0)),
            (date(2024, 3, 2), Some(5.0)),
        ])
    }

    #[test]
    fn a_series_without_holes_is_read_by_position() {
        let series = leap_days();
        assert_eq!(series.get(date(2024, 2, 27)), Some(1.0)); // first day
        assert_eq!(series.get(date(2024, 2, 29)), Some(3.0)); // leap day
        assert_eq!(series.get(date(2024, 3, 2)), Some(5.0)); // last day
        assert_eq!(series.get(date(2024, 2, 26)), None); // before the data
        assert_eq!(series.get(date(2024, 3, 3)), None); // after it
        let between = |first, last| series.values_between(first, last).to_vec();
        assert_eq!(
            between(date(2024, 2, 27), date(2024, 3, 2)),
            [1.0, 2.0, 3.0, 4.0, 5.0]
        );
        assert_eq!(
            between(date(2024, 2, 28), date(2024, 3, 1)),
            [2.0, 3.0, 4.0]
        );
        assert_eq!(between(date(2024, 2, 29), date(2024, 2, 29)), [3.0]);
        // Periods reaching before or past the data have only its days.
        assert_eq!(between(date(2024, 2, 25), date(2024, 2, 27)), [1.0]);
        assert_eq!(between(date(2024, 3, 1), date(2024, 3, 5)), [4.0, 5.0]);
        assert_eq!(
            between(date(2024, 2, 1), date(2024, 3, 31)),
            [1.0, 2.0, 3.0, 4.0, 5.0]
        );
        assert!(between(date(2024, 2, 20), date(2024, 2, 26)).is_empty());
        assert!(between(date(2024, 3, 3), date(2024, 3, 9)).is_empty());
        // An empty range: the last day before the first.
        assert!(between(date(2024, 3, 1), date(2024, 2, 28)).is_empty());
    }

    #[test]
    fn a_series_with_holes_is_read_by_search() {
        // No row for the leap day, an empty cell on 1 March.
        let series = DailySeries::from_values([
            (date(2024, 2, 27), Some(1.0)),
            (date(2024, 2, 28), Some(2.0)),
            (date(2024, 3, 1), None),
            (date(2024, 3, 2), Some(5.0)),
        ]);
        assert_eq!(series.get(date(2024, 2, 27)), Some(1.0));
        assert_eq!(series.get(date(2024, 2, 29)), None);
        assert_eq!(series.get(date(2024, 3, 1)), None);
        assert_eq!(series.get(date(2024, 3, 2)), Some(5.0));
        assert_eq!(series.get(date(2024, 3, 3)), None);
        let between = |first, last| series.values_between(first, last).to_vec();
        // 3 values for 5 days: 2 are missing.
        assert_eq!(
            between(date(2024, 2, 27), date(2024, 3, 2)),
            [1.0, 2.0, 5.0]
        );
        assert_eq!(between(date(2024, 2, 28), date(2024, 2, 29)), [2.0]);
        assert!(between(date(2024, 2, 29), date(2024, 3, 1)).is_empty());
        assert_eq!(between(date(2024, 3, 1), date(2024, 3, 9)), [5.0]);
        assert_eq!(
            series
                .days(Period::new(date(2024, 2, 26), date(2024, 3, 3)))
                .collect::<Vec<_>>(),
            [None, Some(1.0), Some(2.0), None, None, Some(5.0), None]
        );
        // And a series with no values at all.
        let empty = DailySeries::from_values([(date(2024, 2, 29), None)]);
        assert_eq!(empty.get(date(2024, 2, 29)), None);
        assert!(empty
            .values_between(date(2024, 2, 1), date(2024, 3, 31))
            .is_empty());
    }

    #[test]
    fn walking_the_days_of_a_series_without_holes() {
        let days: Vec<_> = leap_days()
            .days(Period::new(date(2024, 2, 25), date(2024, 3, 3)))
            .collect();
        assert_eq!(
            days,
            [
                None,
                None,
                Some(1.0),
                Some(2.0),
                Some(3.0),
                Some(4.0),
                Some(5.0),
                None
            ]
        );
    }

    /// `value` on every day from `start` to `end`.
    fn every_day(start: Date, end: Date, value: Option<f64>) -> Vec<(Date, Option<f64>)> {
        let mut days = Vec::new();
        let mut day = start;
        while day <= end {
            days.push((day, value));
            day = crate::calendar::add_days(day, 1);
        }
        days
    }

    /// Email 1 and chat 10 contacts a day from Thursday 1 January 2026 to
    /// 31 January, phone 100 a day from Saturday 10 January (in the ISO
    /// week Monday 5 – Sunday 11 January).
    fn channels() -> [DailySeries; 3] {
        let end = date(2026, 1, 31);
        [
            DailySeries::from_values(every_day(date(2026, 1, 1), end, Some(1.0))),
            DailySeries::from_values(every_day(date(2026, 1, 1), end, Some(10.0))),
            DailySeries::from_values(every_day(date(2026, 1, 10), end, Some(100.0))),
        ]
    }

    fn sum_of(parts: &[DailySeries]) -> DailySeries {
        let parts: Vec<&DailySeries> = parts.iter().collect();
        DailySeries::combine(&parts, |a, b| a + b)
    }

    #[test]
    fn a_group_adds_nothing_before_its_first_row() {
        let total = sum_of(&channels());
        // Before the 10th phone does not exist yet: 1 + 10.
        assert_eq!(total.get(date(2026, 1, 1)), Some(11.0));
        assert_eq!(total.get(date(2026, 1, 9)), Some(11.0));
        // From the 10th: 1 + 10 + 100.
        assert_eq!(total.get(date(2026, 1, 10)), Some(111.0));
        assert_eq!(total.get(date(2026, 1, 31)), Some(111.0));
        assert_eq!(total.get(date(2026, 2, 1)), None);
        // The week of the 10th, 5–11 January, is complete:
        // 5 × 11 (Mon 5 – Fri 9) + 2 × 111 (Sat 10, Sun 11) = 55 + 222 = 277,
        // which is also 7 × (1 + 10) + 2 × 100 = 77 + 200.
        let week = Period::new(date(2026, 1, 5), date(2026, 1, 11));
        let days: Vec<_> = total.days(week).collect();
        assert_eq!(days, [11.0, 11.0, 11.0, 11.0, 11.0, 111.0, 111.0].map(Some));
        let value = crate::compute::period::series_value(
            &total,
            crate::load::program::Grain::Day,
            crate::load::program::Aggregate::Sum,
            week,
            date(2026, 1, 11),
            &crate::calendar::Calendar::default(),
        );
        assert_eq!(value.value, Some(277.0));
        // The largest channel: chat (10) before the 10th, phone (100) after.
        let [email, chat, phone] = channels();
        let largest = DailySeries::combine(&[&email, &chat, &phone], f64::max);
        assert_eq!(largest.get(date(2026, 1, 9)), Some(10.0));
        assert_eq!(largest.get(date(2026, 1, 10)), Some(100.0));
    }

    #[test]
    fn a_group_counts_from_its_first_row_even_an_empty_one() {
        // Phone's first row, on the 10th, has an empty value: phone exists
        // from the 10th, so the 10th is incomplete; the 9th is not.
        let [email, chat, _] = channels();
        let mut rows = every_day(date(2026, 1, 10), date(2026, 1, 31), Some(100.0));
        rows[0].1 = None;
        let phone = DailySeries::from_values(rows);
        let total = sum_of(&[email, chat, phone]);
        assert_eq!(total.get(date(2026, 1, 9)), Some(11.0)); // 1 + 10
        assert_eq!(total.get(date(2026, 1, 10)), None);
        assert_eq!(total.get(date(2026, 1, 11)), Some(111.0)); // 1 + 10 + 100
    }

    #[test]
    fn a_discontinued_group_needs_zero_rows() {
        // Email stops after the 20th: without rows the days after it are
        // incomplete, with explicit zeros they are chat alone.
        let [_, chat, _] = channels();
        let stopped =
            DailySeries::from_values(every_day(date(2026, 1, 1), date(2026, 1, 20), Some(1.0)));
        let total = sum_of(&[stopped, chat.clone()]);
        assert_eq!(total.get(date(2026, 1, 20)), Some(11.0)); // 1 + 10
        assert_eq!(total.get(date(2026, 1, 21)), None);
        assert_eq!(total.get(date(2026, 1, 31)), None);
        let mut rows = every_day(date(2026, 1, 1), date(2026, 1, 20), Some(1.0));
        rows.extend(every_day(date(2026, 1, 21), date(2026, 1, 31), Some(0.0)));
        let zeroed = DailySeries::from_values(rows);
        let total = sum_of(&[zeroed, chat]);
        assert_eq!(total.get(date(2026, 1, 21)), Some(10.0)); // 0 + 10
        assert_eq!(total.get(date(2026, 1, 31)), Some(10.0));
    }

    #[test]
    fn rows_after_a_day_never_change_its_combined_value() {
        // A version as of day `cut` sees only rows dated on or before it:
        // combining those rows gives every day up to `cut` the value that
        // combining the whole file gives it.
        let channels = channels();
        let whole = sum_of(&channels);
        let january = Period::new(date(2026, 1, 1), date(2026, 1, 31));
        for cut in whole
            .days(january)
            .enumerate()
            .map(|(offset, _)| crate::calendar::add_days(date(2026, 1, 1), offset as i64))
        {
            // A group without rows up to `cut` is not in the file then.
            let known: Vec<DailySeries> = channels
                .iter()
                .map(|part| {
                    DailySeries::from_values(
                        part.dates()
                            .filter(|day| *day <= cut)
                            .map(|day| (day, part.get(day))),
                    )
                })
                .filter(|part| part.dates().next().is_some())
                .collect();
            let until_cut = Period::new(date(2026, 1, 1), cut);
            assert_eq!(
                sum_of(&known).days(until_cut).collect::<Vec<_>>(),
                whole.days(until_cut).collect::<Vec<_>>(),
                "as of {cut}"
            );
        }
    }
}

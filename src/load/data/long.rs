//! Long data files (`date,metric,value[,<dimension>…]`) read as a stream
//! of pieces of whole records (see [`crate::load::stream`]), parsed on all
//! cores while the next pieces are read, straight into compact per-group
//! columns (day, value and line of each row): no row is ever held as
//! strings, and each metric name and dimension value is kept once per
//! group, not once per row.
//!
//! The result, errors included, is exactly the whole-file reader's
//! ([`super::parse_csv_with`]), which still reads wide files and the few
//! long files this reader leaves to it (see [`parse_csv_streamed`]).

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

use super::{
    day_of, parse_number, value_error, ColumnPart, CsvShape, DailySeries, DataFile, DateReader,
    DateSpelling, FileErrors, LineCounter, ParsedFile, MAX_ERRORS_PER_FILE, MAX_FIELD_BYTES,
};
use crate::calendar::from_day_number;
use crate::error::Diagnostic;
use crate::load::stream::{self, Piece, Pieces};

/// Opens the file again from its start.
pub type Open<'a> = dyn Fn() -> Result<Box<dyn Read + Send + 'a>, Diagnostic> + Sync + 'a;

/// Parses one data file read through `open`, in pieces of `piece_bytes`:
/// a long file is streamed; a wide file, and a long file whose header or
/// dates need the whole file to settle (a header spanning lines, dates
/// with slashes, a header with problems), is read whole and parsed by
/// [`super::parse_csv_with`].
pub fn parse_csv_streamed(
    open: &Open<'_>,
    path: &Path,
    dimensions: &std::collections::HashSet<String>,
    piece_bytes: usize,
) -> Result<ParsedFile, Vec<Diagnostic>> {
    if let Some(parsed) = parse_long_in_pieces(open, path, piece_bytes) {
        return parsed;
    }
    let mut bytes = Vec::new();
    open()
        .map_err(|error| vec![error])?
        .read_to_end(&mut bytes)
        .map_err(|error| vec![Diagnostic::new(path, format!("cannot read: {error}"))])?;
    super::parse_csv_with(&bytes, path, dimensions)
}

/// Parses a long file in pieces; `None` when the whole-file reader must
/// read it (see [`parse_csv_streamed`]).
fn parse_long_in_pieces(
    open: &Open<'_>,
    path: &Path,
    piece_bytes: usize,
) -> Option<Result<ParsedFile, Vec<Diagnostic>>> {
    let reader = match open() {
        Ok(reader) => reader,
        Err(error) => return Some(Err(vec![error])),
    };
    let mut pieces = Pieces::with_piece_bytes(reader, path, piece_bytes);
    let header = long_header(&pieces.first_line().ok()?)?;
    // The file's first date, which sets the spelling of all: in the first
    // piece, or the whole file is read.
    let first_piece = pieces.next_piece().ok()??;
    if first_piece.overlong.is_some() {
        return None;
    }
    let first_text = match first_date_text(&first_piece.text) {
        Some(text) => text,
        None if pieces.is_done() => String::new(),
        None => return None,
    };
    let spelling = DateSpelling::of(&first_text);
    if spelling == Some(DateSpelling::Slashes) {
        return None;
    }
    pieces.put_back(first_piece);
    let dates = DateReader {
        path,
        first_text: &first_text,
        spelling,
        day_first: None,
    };
    let mut file = FileRows::default();
    // The header is line 1; the next piece starts on this line.
    let mut next_line: usize = 2;
    let mut overlong = None;
    let read = stream::parse_pieces(
        &mut pieces,
        |piece| parse_piece(piece, header.len(), &header[2], &dates, path),
        |mut rows| {
            if overlong.is_some() {
                return;
            }
            let offset = next_line - 1;
            next_line += rows.lines;
            if let Some(problem) = rows.overlong.take() {
                overlong = Some(shift(problem, offset));
                return;
            }
            file.add(rows, offset);
        },
    );
    if let Err(problem) = read {
        return Some(Err(vec![problem]));
    }
    if let Some(problem) = overlong {
        return Some(Err(vec![problem]));
    }
    Some(file.finish(&header, path))
}

/// The names of a long file's header line, trimmed; `None` when the line
/// is not the plain header of a long file (the whole-file reader then
/// reads it and reports any problem).
fn long_header(line: &[u8]) -> Option<Vec<String>> {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    // A quote could open a name that goes on past the line.
    if line.contains(&b'"') || line.len() > MAX_FIELD_BYTES {
        return None;
    }
    let text = std::str::from_utf8(line).ok()?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    let names: Vec<String> = text
        .split(',')
        .map(|name| name.trim().to_string())
        .collect();
    let lower = |index: usize| names.get(index).map(|name| name.to_ascii_lowercase());
    let long = lower(0).as_deref() == Some("date")
        && lower(1).as_deref() == Some("metric")
        && lower(2).as_deref() == Some("value");
    let mut seen = std::collections::HashSet::new();
    let plain = names
        .iter()
        .all(|name| !name.is_empty() && seen.insert(name.as_str()));
    (long && plain && !text.contains('\r')).then_some(names)
}

/// The first non-empty date of `text`'s records, as the whole-file reader
/// finds it (blank lines skipped, a field that is not UTF-8 read as
/// empty).
fn first_date_text(text: &[u8]) -> Option<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text);
    let mut record = csv::ByteRecord::new();
    while let Ok(true) = reader.read_byte_record(&mut record) {
        if is_blank(&record) {
            continue;
        }
        let date = std::str::from_utf8(&record[0]).unwrap_or("").trim();
        if !date.is_empty() {
            return Some(date.to_string());
        }
    }
    None
}

/// A blank line, which the readers skip (spreadsheet exports often end
/// with some).
fn is_blank(record: &csv::ByteRecord) -> bool {
    record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace)
}

fn shift(mut error: Diagnostic, offset: usize) -> Diagnostic {
    error.line = error.line.map(|line| line + offset);
    error
}

/// The first [`MAX_ERRORS_PER_FILE`] errors of one kind, and how many
/// there are: a file lists its kinds of errors one after another, each in
/// line order, up to its limit.
#[derive(Default)]
struct Errors {
    first: Vec<Diagnostic>,
    count: usize,
}

impl Errors {
    fn push(&mut self, error: Diagnostic) {
        self.count += 1;
        if self.first.len() < MAX_ERRORS_PER_FILE {
            self.first.push(error);
        }
    }

    /// Appends the errors of the next piece, their lines moved by `offset`.
    fn append(&mut self, other: Errors, offset: usize) {
        self.count += other.count;
        let room = MAX_ERRORS_PER_FILE - self.first.len();
        self.first.extend(
            other
                .first
                .into_iter()
                .take(room)
                .map(|error| shift(error, offset)),
        );
    }

    fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn report(self, errors: &mut FileErrors) {
        let shown = self.first.len();
        for error in self.first {
            errors.push(error);
        }
        errors.dropped += self.count - shown;
    }
}

/// The rows of one group (a metric and its dimension values) in one
/// piece, or in the whole file once merged.
#[derive(Default)]
struct GroupRows {
    days: Vec<i32>,
    /// NaN for an empty value (a number never is NaN).
    values: Vec<f64>,
    lines: Vec<u32>,
}

/// What one piece holds.
#[derive(Default)]
struct PieceRows {
    /// The lines the piece spans (its line ends).
    lines: usize,
    overlong: Option<Diagnostic>,
    /// The piece's groups in order of their first row: the group's key
    /// (see [`group_key`]), the line of its first row and its number of
    /// rows.
    groups: Vec<(Box<[u8]>, usize, usize)>,
    /// The rows of the groups, group after group, each in file order: one
    /// allocation a column, freed whole once copied into the file's
    /// columns (small parts a group would leave the memory in shreds).
    data: GroupRows,
    /// Rows with a valid date.
    rows: usize,
    /// Whether the piece has a row at all (blank lines aside).
    any_row: bool,
    first_day: Option<i32>,
    last_day: Option<i32>,
    not_utf8: Errors,
    bad_dates: Errors,
    bad_widths: Errors,
    /// Rows naming no metric or with a value that is not a number.
    bad_rows: Errors,
}

/// A group's key: its metric and dimension values, each preceded by its
/// length, so that no two groups share one.
fn group_key(key: &mut Vec<u8>, fields: impl Iterator<Item = impl AsRef<[u8]>>) {
    key.clear();
    for field in fields {
        let field = field.as_ref();
        key.extend_from_slice(&(field.len() as u32).to_le_bytes());
        key.extend_from_slice(field);
    }
}

/// The fields of a key made by [`group_key`].
fn key_fields(key: &[u8]) -> Vec<String> {
    let mut fields = Vec::new();
    let mut at = 0;
    while at < key.len() {
        let length = u32::from_le_bytes(key[at..at + 4].try_into().expect("4 bytes")) as usize;
        at += 4;
        fields.push(String::from_utf8_lossy(&key[at..at + length]).into_owned());
        at += length;
    }
    fields
}

/// A field as the whole-file reader reads it: UTF-8 text, trimmed; empty
/// when it is not UTF-8 (an error is recorded for it).
fn text_of(field: &[u8]) -> &str {
    std::str::from_utf8(field).map_or("", str::trim)
}

/// Parses one piece's records; lines are counted from the piece's first
/// line (line 1).
fn parse_piece(
    piece: &Piece,
    width: usize,
    value_name: &str,
    dates: &DateReader,
    path: &Path,
) -> PieceRows {
    let text = &piece.text[..];
    let mut rows = PieceRows {
        lines: memchr::memchr_iter(b'\n', text).count(),
        ..PieceRows::default()
    };
    if let Some(problem) = &piece.overlong {
        rows.overlong = Some(problem.clone());
        return rows;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text);
    let mut record = csv::ByteRecord::new();
    let mut lines = LineCounter::new(text);
    let mut index: HashMap<Box<[u8]>, usize> = HashMap::new();
    let mut key = Vec::new();
    // The last row's group and date text, which the next row often shares.
    let mut last_group: Option<usize> = None;
    // Each row's group, and its day, value and line, in file order.
    let capacity = rows.lines + 1;
    let mut row_groups: Vec<u32> = Vec::with_capacity(capacity);
    let mut in_order = GroupRows {
        days: Vec::with_capacity(capacity),
        values: Vec::with_capacity(capacity),
        lines: Vec::with_capacity(capacity),
    };
    let mut last_date: Option<(Vec<u8>, i32)> = None;
    while let Ok(true) = reader.read_byte_record(&mut record) {
        let line = record
            .position()
            .map_or(0, |position| lines.line_at(position.byte()));
        if is_blank(&record) {
            continue;
        }
        if record.iter().any(|field| field.len() > MAX_FIELD_BYTES) {
            rows.overlong = super::overlong_field_problem(text, path);
            if rows.overlong.is_some() {
                return rows;
            }
        }
        rows.any_row = true;
        for (column, field) in record.iter().enumerate() {
            if std::str::from_utf8(field).is_err() {
                rows.not_utf8.push(super::not_utf8(path, line, column + 1));
            }
        }
        let date_field = &record[0];
        let day = match &last_date {
            Some((text, day)) if text[..] == *date_field => Some(*day),
            _ => match dates.read(line, text_of(date_field)) {
                Ok(date) => {
                    let day = day_of(date);
                    last_date = Some((date_field.to_vec(), day));
                    Some(day)
                }
                Err(error) => {
                    rows.bad_dates.push(error);
                    None
                }
            },
        };
        if let Some(day) = day {
            rows.rows += 1;
            rows.first_day = Some(rows.first_day.map_or(day, |first| first.min(day)));
            rows.last_day = Some(rows.last_day.map_or(day, |last| last.max(day)));
        }
        if record.len() != width {
            rows.bad_widths.push(
                Diagnostic::new(path, format!("this row has {} fields, but the header has {}", record.len(), width))
                    .at_line(Some(line))
                    .with_help("every row needs one field per header column; leave a field empty for a missing value"),
            );
            continue;
        }
        let Some(day) = day else { continue };
        let metric = text_of(&record[1]);
        if metric.is_empty() {
            rows.bad_rows.push(
                Diagnostic::new(path, "this row names no metric")
                    .at(line, 2)
                    .with_help("fill in the `metric` column"),
            );
            continue;
        }
        let value_text = text_of(&record[2]);
        let value = match parse_number(value_text) {
            Ok(value) => value.unwrap_or(f64::NAN),
            Err(problem) => {
                rows.bad_rows
                    .push(value_error(path, line, 2, value_name, value_text, &problem));
                continue;
            }
        };
        group_key(
            &mut key,
            std::iter::once(metric).chain((3..width).map(|column| text_of(&record[column]))),
        );
        let group = match last_group {
            Some(group) if rows.groups[group].0[..] == key[..] => group,
            _ => match index.get(&key[..]) {
                Some(group) => *group,
                None => {
                    let group = rows.groups.len();
                    index.insert(key.clone().into_boxed_slice(), group);
                    rows.groups.push((key.clone().into_boxed_slice(), line, 0));
                    group
                }
            },
        };
        last_group = Some(group);
        rows.groups[group].2 += 1;
        row_groups.push(group as u32);
        in_order.days.push(day);
        in_order.values.push(value);
        in_order.lines.push(line as u32);
    }
    // Group after group (a counting sort, stable: file order within each).
    let mut next = Vec::with_capacity(rows.groups.len());
    let mut start = 0;
    for group in &rows.groups {
        next.push(start);
        start += group.2;
    }
    let count = in_order.days.len();
    rows.data = GroupRows {
        days: vec![0; count],
        values: vec![0.0; count],
        lines: vec![0; count],
    };
    for (row, group) in row_groups.iter().enumerate() {
        let at = &mut next[*group as usize];
        rows.data.days[*at] = in_order.days[row];
        rows.data.values[*at] = in_order.values[row];
        rows.data.lines[*at] = in_order.lines[row];
        *at += 1;
    }
    rows
}

/// A group's dimension values and rows.
type Group = (Vec<String>, DailySeries);

/// A group of the file: its metric and dimension values and the line of
/// its first row.
struct FileGroup {
    fields: Vec<String>,
    line: usize,
}

/// The pieces of a file, merged in file order.
#[derive(Default)]
struct FileRows {
    index: HashMap<Box<[u8]>, usize>,
    groups: Vec<FileGroup>,
    /// Each group's rows, in file order, copied from each piece as it is
    /// merged (on the merging thread, which owns them from then on).
    columns: Vec<GroupRows>,
    rows: usize,
    any_row: bool,
    first_day: Option<i32>,
    last_day: Option<i32>,
    not_utf8: Errors,
    bad_dates: Errors,
    bad_widths: Errors,
    bad_rows: Errors,
}

impl FileRows {
    /// Adds the next piece, whose lines start after `offset` lines.
    fn add(&mut self, piece: PieceRows, offset: usize) {
        self.rows += piece.rows;
        self.any_row |= piece.any_row;
        if let Some(day) = piece.first_day {
            self.first_day = Some(self.first_day.map_or(day, |first| first.min(day)));
        }
        if let Some(day) = piece.last_day {
            self.last_day = Some(self.last_day.map_or(day, |last| last.max(day)));
        }
        self.not_utf8.append(piece.not_utf8, offset);
        self.bad_dates.append(piece.bad_dates, offset);
        self.bad_widths.append(piece.bad_widths, offset);
        self.bad_rows.append(piece.bad_rows, offset);
        // Each group's rows are copied out of the piece as soon as it is
        // its turn, and the piece is freed: only the pieces in flight are
        // ever held besides the groups' columns. (Keeping every piece to
        // the end of the file and copying them then held the rows twice at
        // the peak; see BENCHMARKS.md.)
        let data = piece.data;
        let offset = offset as u32;
        let mut start = 0;
        for (key, line, count) in piece.groups {
            let group = match self.index.get(&key) {
                Some(group) => *group,
                None => {
                    self.groups.push(FileGroup {
                        fields: key_fields(&key),
                        line: line + offset as usize,
                    });
                    self.columns.push(GroupRows::default());
                    self.index.insert(key, self.groups.len() - 1);
                    self.groups.len() - 1
                }
            };
            let rows = start..start + count;
            let column = &mut self.columns[group];
            column.days.extend_from_slice(&data.days[rows.clone()]);
            column.values.extend_from_slice(&data.values[rows.clone()]);
            column
                .lines
                .extend(data.lines[rows].iter().map(|line| line + offset));
            start += count;
        }
    }

    /// The parsed file, or its errors in the whole-file reader's order:
    /// fields that are not UTF-8 (and a file without rows) first and
    /// alone; then dates, row widths, and the rows' own problems with
    /// second rows for a date, metric and dimension values, by line.
    fn finish(self, header: &[String], path: &Path) -> Result<ParsedFile, Vec<Diagnostic>> {
        let mut errors = FileErrors::new(path);
        if !self.not_utf8.is_empty() || !self.any_row {
            self.not_utf8.report(&mut errors);
            if !self.any_row {
                errors.push(
                    Diagnostic::new(path, "the file has a header but no rows")
                        .at_line(Some(1))
                        .with_help(
                            "an export probably failed; re-export the data or remove the file",
                        ),
                );
            }
            return Err(errors.finish());
        }
        let dimension_names = &header[3..];
        // Each group's rows in date order; a second row for a date is an
        // error: (its line, the line of the row before it for that date,
        // the group, the day).
        let mut second_rows: Vec<(u32, u32, usize, i32)> = Vec::new();
        let mut groups: Vec<(Vec<String>, usize, DailySeries)> =
            Vec::with_capacity(self.groups.len());
        for (group, (file_group, rows)) in self.groups.into_iter().zip(self.columns).enumerate() {
            let mut rows = in_date_order(rows);
            let first_row = rows.days.first().copied();
            // Second rows found, the empty values are dropped in place.
            let mut kept = 0;
            for row in 0..rows.days.len() {
                if row > 0 && rows.days[row - 1] == rows.days[row] {
                    second_rows.push((rows.lines[row], rows.lines[row - 1], group, rows.days[row]));
                }
                if !rows.values[row].is_nan() {
                    rows.days[kept] = rows.days[row];
                    rows.values[kept] = rows.values[row];
                    rows.lines[kept] = rows.lines[row];
                    kept += 1;
                }
            }
            rows.days.truncate(kept);
            rows.values.truncate(kept);
            rows.lines.truncate(kept);
            let series = DailySeries {
                days: rows.days,
                values: rows.values,
                lines: rows.lines,
                first_row,
            };
            groups.push((file_group.fields, file_group.line, series));
        }
        if !self.bad_dates.is_empty()
            || !self.bad_widths.is_empty()
            || !self.bad_rows.is_empty()
            || !second_rows.is_empty()
        {
            self.bad_dates.report(&mut errors);
            self.bad_widths.report(&mut errors);
            second_rows.sort_unstable();
            let second_row = |&(line, first, group, day): &(u32, u32, usize, i32)| {
                let fields = &groups[group].0;
                let mut what = format!("metric `{}`", fields[0]);
                for (name, value) in dimension_names.iter().zip(&fields[1..]) {
                    what.push_str(&format!(", {name} `{value}`"));
                }
                let date = from_day_number(i64::from(day));
                Diagnostic::new(
                    path,
                    format!("a second row for {date}, {what} (first on line {first})"),
                )
                .at_line(Some(line as usize))
                .with_help("keep one row per date, metric and dimension values")
            };
            // Both kinds in line order, merged (a row has one problem at
            // most): only the first ones are shown.
            let mut merged = Errors {
                first: Vec::new(),
                count: self.bad_rows.count + second_rows.len(),
            };
            let mut seconds = second_rows.iter().peekable();
            let mut row_errors = self.bad_rows.first.into_iter().peekable();
            while merged.first.len() < MAX_ERRORS_PER_FILE {
                let next_second = seconds.peek().map(|second| second.0 as usize);
                let next_row = row_errors.peek().map(|error| error.line.unwrap_or(0));
                let error = match (next_second, next_row) {
                    (Some(second), Some(row)) if second < row => {
                        second_row(seconds.next().expect("peeked"))
                    }
                    (Some(_), None) => second_row(seconds.next().expect("peeked")),
                    (_, Some(_)) => row_errors.next().expect("peeked"),
                    (None, None) => break,
                };
                merged.first.push(error);
            }
            merged.report(&mut errors);
            return Err(errors.finish());
        }
        // Metrics by name, each with its groups by dimension values, as
        // the whole-file reader orders them.
        let mut metrics: BTreeMap<String, (usize, Vec<Group>)> = BTreeMap::new();
        for (mut fields, line, series) in groups {
            let dimensions = fields.split_off(1);
            let metric = fields.pop().expect("a key starts with its metric");
            let (first_line, parts) = metrics.entry(metric).or_insert((line, Vec::new()));
            *first_line = (*first_line).min(line);
            parts.push((dimensions, series));
        }
        let columns = metrics
            .into_iter()
            .map(|(metric, (line, mut parts))| {
                parts.sort_by(|a, b| a.0.cmp(&b.0));
                let parts = parts
                    .into_iter()
                    .map(|(values, series)| ColumnPart {
                        dimensions: dimension_names.iter().cloned().zip(values).collect(),
                        series,
                    })
                    .collect();
                (metric, line, parts)
            })
            .collect();
        let day = |day: Option<i32>| day.map(|day| from_day_number(i64::from(day)));
        Ok(ParsedFile {
            file: DataFile {
                path: path.to_string_lossy().replace('\\', "/"),
                shape: CsvShape::Long,
                rows: self.rows,
                first_date: day(self.first_day),
                last_date: day(self.last_day),
            },
            columns,
            text_columns: Vec::new(),
            duplicates: Vec::new(),
        })
    }
}

/// The rows by date, rows of the same date in file order.
fn in_date_order(rows: GroupRows) -> GroupRows {
    if rows.days.is_sorted() {
        return rows;
    }
    let mut order: Vec<u32> = (0..rows.days.len() as u32).collect();
    order.sort_by_key(|&row| rows.days[row as usize]);
    GroupRows {
        days: order.iter().map(|&row| rows.days[row as usize]).collect(),
        values: order.iter().map(|&row| rows.values[row as usize]).collect(),
        lines: order.iter().map(|&row| rows.lines[row as usize]).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const PATH: &str = "data/x.csv";

    /// The whole-file reader's result, and this reader's with pieces of
    /// every size from 1 byte to the whole text: the same, every time.
    fn same_in_pieces(text: &[u8]) -> String {
        let path = Path::new(PATH);
        let whole = format!(
            "{:?}",
            super::super::parse_csv_with(text, path, &HashSet::new())
        );
        let open = || -> Result<Box<dyn Read + Send>, Diagnostic> { Ok(Box::new(text)) };
        for piece_bytes in 1..=text.len() + 1 {
            let streamed = parse_long_in_pieces(&open, path, piece_bytes)
                .unwrap_or_else(|| panic!("not streamed with pieces of {piece_bytes} bytes"));
            assert_eq!(
                format!("{streamed:?}"),
                whole,
                "pieces of {piece_bytes} bytes"
            );
        }
        whole
    }

    #[test]
    fn pieces_read_what_the_whole_file_reader_reads() {
        // Quoted dimension values with commas and line breaks, a quoted
        // number with a thousands separator, CRLF, blank lines, a BOM,
        // dates out of order, empty values and a group starting late.
        let text = "\u{FEFF}date,metric,value,channel\r\n\
            2026-11-17,contacts,\"1,234\",\"phone, desk\"\r\n\
            2026-11-16,contacts,5,\"chat\nline\"\r\n\
            \r\n\
            2026-11-16,contacts,,\"phone, desk\"\r\n\
            2026-11-18,aht,4.5,web\r\n\
            2026-11-17,contacts,7,\"chat\nline\"\r\n\
            2026-11-18,contacts,-0.5, email \r\n";
        let parsed = same_in_pieces(text.as_bytes());
        assert!(parsed.starts_with("Ok("), "{parsed}");
        assert!(parsed.contains("phone, desk"), "{parsed}");
    }

    #[test]
    fn errors_in_later_pieces_name_their_lines_in_file_order() {
        // Line 3: a date spelt otherwise; line 4: a row too short; line 6:
        // a second row for line 2's date and group; line 7: no metric;
        // line 8: not a number; line 9: a third row for that date (first
        // on line 6, the row before it).
        let text = "date,metric,value,channel\n\
            2026-11-16,c,1,phone\n\
            16-Nov-2026,c,1,chat\n\
            2026-11-17,c,1\n\
            2026-11-17,c,2,phone\n\
            2026-11-16,c,3,phone\n\
            2026-11-18,,1,phone\n\
            2026-11-18,c,lots,phone\n\
            2026-11-16,c,4,phone\n";
        let errors = same_in_pieces(text.as_bytes());
        assert!(errors.starts_with("Err("), "{errors}");
        let errors = super::super::parse_csv(text.as_bytes(), Path::new(PATH)).unwrap_err();
        let lines: Vec<Option<usize>> = errors.iter().map(|error| error.line).collect();
        // Dates first, then widths, then the rows' own problems by line.
        assert_eq!(lines, [3, 4, 6, 7, 8, 9].map(Some));
        assert!(
            errors[5].message.contains("(first on line 6)"),
            "{errors:?}"
        );
    }

    #[test]
    fn many_errors_keep_the_first_twenty_in_file_order() {
        let mut text = String::from("date,metric,value\n");
        for day in 1..=28 {
            // Every row twice, the second with a bad value on odd days.
            text.push_str(&format!("2026-02-{day:02},c,1\n"));
            let value = if day % 2 == 1 { "x" } else { "2" };
            text.push_str(&format!("2026-02-{day:02},c,{value}\n"));
        }
        text.push_str("2026-02-30,c,1\n");
        let errors = same_in_pieces(text.as_bytes());
        // 29 errors: the bad date, then 14 bad values and 14 second rows.
        assert!(errors.contains("and 9 more errors"), "{errors}");
    }

    #[test]
    fn fields_that_are_not_utf8_and_files_without_rows() {
        same_in_pieces(b"date,metric,value\n2026-11-16,c,1\n2026-11-17,\xff,2\n");
        same_in_pieces(b"date,metric,value\n2026-11-16,c,\xff\n\n");
        // A header, blank lines and nothing else.
        let open = || -> Result<Box<dyn Read + Send>, Diagnostic> {
            Ok(Box::new(&b"date,metric,value\n\n \n"[..]))
        };
        let errors = parse_long_in_pieces(&open, Path::new(PATH), 4)
            .expect("streamed")
            .unwrap_err();
        assert_eq!(
            errors[0].to_string(),
            "data/x.csv:1: the file has a header but no rows\n  help: an export probably failed; re-export the data or remove the file"
        );
    }

    #[test]
    fn other_spellings_of_dates() {
        same_in_pieces(b"date,metric,value\n16-Nov-2026,c,1\n17-nov-2026,c,2\n2026-11-18,c,3\n");
        same_in_pieces(
            b"date,metric,value\nMon, 16-Nov-2026,c,1\n\"Mon, 16-Nov-2026\",d,2\n\"Sun, 17-Nov-2026\",c,3\n",
        );
        // No date at all, read in one piece: every row says so. (In
        // smaller pieces the first has no date to set the spelling, and
        // the whole-file reader reads the file.)
        let text = b"date,metric,value\n,c,1\n,c,2\n";
        let open = || -> Result<Box<dyn Read + Send>, Diagnostic> { Ok(Box::new(&text[..])) };
        let streamed = parse_long_in_pieces(&open, Path::new(PATH), 1024).expect("streamed");
        assert_eq!(
            streamed.unwrap_err(),
            super::super::parse_csv(text, Path::new(PATH)).unwrap_err()
        );
    }

    #[test]
    fn a_field_over_the_limit_in_a_later_piece_is_the_only_error() {
        let mut text = b"date,metric,value\n2026-11-16,c,x\n2026-11-17,c,\"".to_vec();
        text.extend(std::iter::repeat_n(b'7', MAX_FIELD_BYTES + 1));
        text.extend_from_slice(b"\"\n2026-11-18,c,1\n");
        let path = Path::new(PATH);
        let whole = super::super::parse_csv(&text, path).unwrap_err();
        assert_eq!(
            (whole.len(), whole[0].line, whole[0].column),
            (1, Some(3), Some(3))
        );
        let open = || -> Result<Box<dyn Read + Send>, Diagnostic> { Ok(Box::new(&text[..])) };
        for piece_bytes in [40_000, 3 * MAX_FIELD_BYTES] {
            let streamed = parse_long_in_pieces(&open, path, piece_bytes)
                .expect("streamed")
                .unwrap_err();
            assert_eq!(streamed, whole, "pieces of {piece_bytes} bytes");
        }
    }

    #[test]
    fn files_the_whole_file_reader_reads() {
        let streams = |text: &[u8]| {
            let open = || -> Result<Box<dyn Read + Send>, Diagnostic> { Ok(Box::new(text)) };
            parse_long_in_pieces(&open, Path::new(PATH), 8).is_some()
        };
        assert!(streams(
            b"date,metric,value,channel\n2026-11-16,c,1,phone\n"
        ));
        // Wide files, slashes, a quoted or repeated header name.
        assert!(!streams(b"date,a,b\n2026-11-16,1,2\n"));
        assert!(!streams(b"date,metric,value\n11/16/26,c,1\n"));
        assert!(!streams(b"date,metric,\"value\"\n2026-11-16,c,1\n"));
        assert!(!streams(b"date,metric,value,metric\n2026-11-16,c,1,d\n"));
        assert!(!streams(b"\ndate,metric,value\n2026-11-16,c,1\n"));
    }
}

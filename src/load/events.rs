//! Event sources: exports with one row per ticket, contact or audit
//! (BRIEF §2 "events"), declared once in `site.yaml` and read into columns.
//!
//! A source is a CSV file (or `.csv.gz`) or a folder of them under `data/`.
//! Only the columns some metric uses are kept, each in the compact form its
//! use needs: timestamps as milliseconds since the Unix epoch (instants:
//! naive times are read in the site's time zone), numbers as `f64`, text
//! interned to small integers. Large files are parsed in chunks on all
//! cores.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use rayon::prelude::*;

use crate::calendar::{day_number, from_day_number};
use crate::error::{closest, Diagnostic};
use crate::load::data::{overlong_field_problem, MAX_FIELD_BYTES};
use crate::load::stream::{self, Piece, Pieces};

/// A missing timestamp (an empty cell: the event has not happened).
pub const NO_TIME: i64 = i64::MIN;
/// A missing text value.
pub const NO_TEXT: u32 = u32::MAX;
/// How many problems of one source are listed before the rest are counted.
const MAX_ERRORS: usize = 20;

/// An event source as declared in `site.yaml`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSourceConfig {
    pub name: String,
    /// Site-relative, under `data/`: a file or a folder.
    pub path: PathBuf,
    /// The column that identifies a row (ticket id), if any.
    pub id: Option<String>,
    /// Whether a repeated id replaces the earlier row (exports that append
    /// updates); otherwise a repeated id is an error.
    pub keep_last: bool,
    /// The timestamp that places a row in a period when a metric does not
    /// say (`at:`).
    pub at: Option<String>,
    /// The line of the source in `site.yaml`.
    pub line: Option<usize>,
}

impl EventSourceConfig {
    /// Whether the site-relative data file `path` belongs to this source.
    pub fn contains(&self, path: &Path) -> bool {
        path == self.path || path.starts_with(&self.path)
    }
}

/// How a metric uses a column, which decides how it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ColumnKind {
    Text,
    Number,
    Timestamp,
}

impl ColumnKind {
    pub fn describe(self) -> &'static str {
        match self {
            ColumnKind::Text => "text",
            ColumnKind::Number => "numbers",
            ColumnKind::Timestamp => "timestamps",
        }
    }
}

/// One stored column.
pub enum Column {
    /// Milliseconds since 1970-01-01T00:00Z; [`NO_TIME`] when empty.
    Timestamp(Vec<i64>),
    /// `NaN` when empty.
    Number(Vec<f64>),
    /// Codes into `values`; [`NO_TEXT`] when empty.
    Text {
        codes: Vec<u32>,
        values: Vec<String>,
    },
}

/// An event source, loaded.
pub struct EventTable {
    pub name: String,
    /// The source's files, in reading order.
    pub files: Vec<PathBuf>,
    /// Every column name of the files' headers, for suggestions.
    pub header: Vec<String>,
    pub columns: HashMap<String, Column>,
    pub rows: usize,
    /// The file and line of each row, for messages.
    pub places: RowPlaces,
    /// The first and last local day any timestamp of the source falls on:
    /// days outside are not covered by the export, so they are gaps.
    pub first_day: Option<Date>,
    pub last_day: Option<Date>,
    pub time_zone: TimeZone,
    pub at: Option<String>,
}

impl std::fmt::Debug for EventTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventTable")
            .field("name", &self.name)
            .field("files", &self.files)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl EventTable {
    pub fn timestamps(&self, column: &str) -> Option<&[i64]> {
        match self.columns.get(column)? {
            Column::Timestamp(values) => Some(values),
            _ => None,
        }
    }

    pub fn numbers(&self, column: &str) -> Option<&[f64]> {
        match self.columns.get(column)? {
            Column::Number(values) => Some(values),
            _ => None,
        }
    }

    /// Where row `row` came from: its file and line.
    pub fn place(&self, row: usize) -> (&Path, usize) {
        let (file, line) = self.places.get(row);
        (&self.files[file], line)
    }

    /// The instant a local day starts, in milliseconds.
    pub fn day_start(&self, date: Date) -> i64 {
        local_midnight(date, &self.time_zone)
    }
}

/// The file and line of each row of a source, kept as runs of rows on
/// consecutive lines of one file: a file without blank lines or line
/// breaks inside values is one run per parsed chunk, where a file index
/// and line per row would cost six bytes a row.
#[derive(Debug, Clone, Default)]
pub struct RowPlaces {
    /// (first row, file index, line of the first row), by first row.
    runs: Vec<(u32, u16, u32)>,
    rows: usize,
}

impl RowPlaces {
    /// Adds the next row, at `line` of file `file`.
    fn push(&mut self, file: u16, line: u32) {
        let row = self.rows as u32;
        let continues = self
            .runs
            .last()
            .is_some_and(|&(first, run_file, first_line)| {
                run_file == file
                    && u64::from(first_line) + u64::from(row - first) == u64::from(line)
            });
        if !continues {
            self.runs.push((row, file, line));
        }
        self.rows += 1;
    }

    /// Adds the rows of `other` after these.
    fn append(&mut self, other: &RowPlaces) {
        for (index, &(first, file, line)) in other.runs.iter().enumerate() {
            let end = other
                .runs
                .get(index + 1)
                .map_or(other.rows, |run| run.0 as usize);
            self.push(file, line);
            let rest = end - first as usize - 1;
            self.rows += rest;
        }
    }

    /// The file index and line of `row`.
    pub fn get(&self, row: usize) -> (usize, usize) {
        let run = self
            .runs
            .partition_point(|&(first, _, _)| first as usize <= row)
            - 1;
        let (first, file, line) = self.runs[run];
        (usize::from(file), line as usize + (row - first as usize))
    }

    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// The places of the rows `keep` keeps.
    fn retain(&self, keep: &[bool]) -> RowPlaces {
        let mut kept = RowPlaces::default();
        for (index, &(first, file, line)) in self.runs.iter().enumerate() {
            let end = self
                .runs
                .get(index + 1)
                .map_or(self.rows, |run| run.0 as usize);
            for (offset, &keeps) in keep[first as usize..end].iter().enumerate() {
                if keeps {
                    kept.push(file, line + offset as u32);
                }
            }
        }
        kept
    }
}

/// The ids of a chunk's rows, one after another: the id column is only
/// checked for repeats, so it is never interned (millions of unique ids
/// would cost more than every other column).
#[derive(Default)]
struct Ids {
    bytes: Vec<u8>,
    /// Where each row's id ends in `bytes`.
    ends: Vec<u32>,
}

impl Ids {
    fn get(&self, index: usize) -> &[u8] {
        let start = if index == 0 {
            0
        } else {
            self.ends[index - 1] as usize
        };
        &self.bytes[start..self.ends[index] as usize]
    }
}

/// A fast 64-bit hash of an id, to find repeats by sorting; equal hashes
/// are compared byte by byte, so a collision costs time, never a row.
fn id_hash(bytes: &[u8]) -> u64 {
    let mut hash = bytes.len() as u64;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let word = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        hash = (hash.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    hash = (hash.rotate_left(5) ^ u64::from_le_bytes(last)).wrapping_mul(0x517c_c1b7_2722_0a95);
    // SplitMix64's finaliser spreads every bit over the whole hash.
    hash = (hash ^ (hash >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    hash = (hash ^ (hash >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    hash ^ (hash >> 31)
}

/// The instant of local midnight starting `date` in `tz` (moved forward
/// when midnight falls in a DST gap).
pub fn local_midnight(date: Date, tz: &TimeZone) -> i64 {
    if *tz == TimeZone::UTC {
        return day_number(date) * 86_400_000;
    }
    tz.to_ambiguous_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .compatible()
        .map(|timestamp| timestamp.as_millisecond())
        .unwrap_or(day_number(date) * 86_400_000)
}

/// The local day an instant falls on.
pub fn local_day(millis: i64, tz: &TimeZone) -> Date {
    if *tz == TimeZone::UTC {
        return from_day_number(millis.div_euclid(86_400_000));
    }
    match jiff::Timestamp::from_millisecond(millis) {
        Ok(timestamp) => tz.to_datetime(timestamp).date(),
        Err(_) => from_day_number(millis.div_euclid(86_400_000)),
    }
}

/// A file of an event source opened for reading (its bytes as stored,
/// gzipped or not), or why it cannot be.
pub type Opened<'a> = Result<Box<dyn Read + Send + 'a>, Diagnostic>;

/// The header of a source's file: its column names, for checking metrics
/// before the rows are read. Only the first line is read.
pub fn read_header(
    reader: Box<dyn Read + Send + '_>,
    path: &Path,
) -> Result<Vec<String>, Diagnostic> {
    parse_header(&Pieces::new(reader, path).first_line()?, path)
}

/// The column names of a CSV text's first line.
fn parse_header(text: &[u8], path: &Path) -> Result<Vec<String>, Diagnostic> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text);
    let mut record = csv::ByteRecord::new();
    match reader.read_byte_record(&mut record) {
        Ok(true) => Ok(record
            .iter()
            .map(|field| String::from_utf8_lossy(field).trim().to_string())
            .collect()),
        Ok(false) => Err(Diagnostic::new(path, "the file is empty")
            .with_help("export the events with a header row naming the columns")),
        Err(error) => Err(
            Diagnostic::new(path, format!("the header cannot be read: {error}"))
                .at_line(Some(1))
                .with_help("check that the file is a CSV export"),
        ),
    }
}

/// The columns read from one piece of a file. Lines are counted from the
/// piece's first line (line 1): the caller knows where the piece starts.
struct Chunk {
    columns: Vec<ChunkColumn>,
    /// The lines of the rows (file index 0: the caller knows the file).
    places: RowPlaces,
    /// The ids, when the source has an id column.
    ids: Ids,
    errors: Vec<Diagnostic>,
    /// The piece's line ends.
    lines: u32,
    /// The first field over the size limit: the file's only error then.
    overlong: Option<Diagnostic>,
}

enum ChunkColumn {
    Timestamp(Vec<i64>),
    Number(Vec<f64>),
    Text {
        codes: Vec<u32>,
        values: Vec<Vec<u8>>,
    },
}

/// Loads the rows of a source's files, keeping the columns in `needs`
/// (name and how it is used). `files` are site-relative paths, opened with
/// `open` one after another and streamed: pieces of a few megabytes are
/// parsed in parallel into the columns and dropped.
pub fn load_source<'a>(
    config: &EventSourceConfig,
    files: &[PathBuf],
    open: &(dyn Fn(&Path) -> Opened<'a> + Sync),
    needs: &[(String, ColumnKind)],
    time_zone: &TimeZone,
) -> Result<EventTable, Vec<Diagnostic>> {
    load_source_in_pieces(config, files, open, needs, time_zone, stream::piece_bytes())
}

fn load_source_in_pieces<'a>(
    config: &EventSourceConfig,
    files: &[PathBuf],
    open: &(dyn Fn(&Path) -> Opened<'a> + Sync),
    needs: &[(String, ColumnKind)],
    time_zone: &TimeZone,
    piece_bytes: usize,
) -> Result<EventTable, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let needs: Vec<(String, ColumnKind)> = needs.to_vec();
    let mut header_all: Vec<String> = Vec::new();
    let mut table_columns: Vec<Column> = needs
        .iter()
        .map(|(_, kind)| match kind {
            ColumnKind::Timestamp => Column::Timestamp(Vec::new()),
            ColumnKind::Number => Column::Number(Vec::new()),
            ColumnKind::Text => Column::Text {
                codes: Vec::new(),
                values: Vec::new(),
            },
        })
        .collect();
    let mut dictionaries: Vec<HashMap<Vec<u8>, u32>> =
        needs.iter().map(|_| HashMap::new()).collect();
    let mut places = RowPlaces::default();
    // Each chunk's ids, with the row of its first id.
    let mut ids: Vec<(usize, Ids)> = Vec::new();
    for (file_index, path) in files.iter().enumerate() {
        let mut pieces = match open(path) {
            Ok(reader) => Pieces::with_piece_bytes(reader, path, piece_bytes),
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        let header = match pieces
            .first_line()
            .and_then(|line| parse_header(&line, path))
        {
            Ok(header) => header,
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        for name in &header {
            if !header_all.contains(name) {
                header_all.push(name.clone());
            }
        }
        let mut positions = Vec::with_capacity(needs.len());
        for (name, _) in &needs {
            match header.iter().position(|found| found == name) {
                Some(position) => positions.push(position),
                None => {
                    let mut error = Diagnostic::new(
                        path,
                        format!("event source `{}` needs a column `{name}`, which this file does not have", config.name),
                    )
                    .at_line(Some(1));
                    error = match closest(name, header.iter().map(String::as_str)) {
                        Some(suggestion) => error.with_help(format!("did you mean `{suggestion}`? Every file of the source needs the columns its metrics use")),
                        None => error.with_help("every file of an event source needs the columns its metrics use; add the column to the export"),
                    };
                    errors.push(error);
                }
            }
        }
        let id_position = match &config.id {
            Some(id) => match header.iter().position(|found| found == id) {
                Some(position) => Some(position),
                None => {
                    errors.push(
                        Diagnostic::new(
                            path,
                            format!("event source `{}` needs a column `{id}`, which this file does not have", config.name),
                        )
                        .at_line(Some(1))
                        .with_help(match closest(id, header.iter().map(String::as_str)) {
                            Some(suggestion) => format!("did you mean `{suggestion}`? Every file of the source needs its `id` column"),
                            None => "every file of an event source needs its `id` column; add it to the export or correct `id:` in site.yaml".to_string(),
                        }),
                    );
                    continue;
                }
            },
            None => None,
        };
        if positions.len() != needs.len() {
            continue;
        }
        let kinds: Vec<ColumnKind> = needs.iter().map(|(_, kind)| *kind).collect();
        let names: Vec<&str> = needs.iter().map(|(name, _)| name.as_str()).collect();
        // The chunks' parts of each column, so that the columns are joined
        // one after another and each column's parts are freed before the
        // next column is allocated (not every column twice at once).
        let mut parts: Vec<Vec<ChunkColumn>> = (0..needs.len()).map(|_| Vec::new()).collect();
        let mut file_rows = 0;
        // The line the next piece starts on (the header is line 1).
        let mut next_line: u64 = 2;
        let mut file_errors: Vec<Diagnostic> = Vec::new();
        let mut overlong: Option<Diagnostic> = None;
        let read = stream::parse_pieces(
            &mut pieces,
            |piece| {
                parse_chunk(
                    piece,
                    &positions,
                    id_position,
                    &kinds,
                    &names,
                    time_zone,
                    path,
                )
            },
            |chunk| {
                if overlong.is_some() {
                    return;
                }
                // Lines counted in the piece become the file's lines.
                let offset = next_line - 1;
                let shift = |mut error: Diagnostic| {
                    error.line = error.line.map(|line| line + offset as usize);
                    error
                };
                next_line += u64::from(chunk.lines);
                if let Some(problem) = chunk.overlong {
                    overlong = Some(shift(problem));
                    return;
                }
                if file_errors.len() < MAX_ERRORS {
                    let room = MAX_ERRORS - file_errors.len();
                    file_errors.extend(chunk.errors.into_iter().take(room).map(shift));
                }
                let mut chunk_places = chunk.places;
                for run in &mut chunk_places.runs {
                    run.1 = file_index as u16;
                    run.2 += offset as u32;
                }
                if config.id.is_some() {
                    ids.push((places.len(), chunk.ids));
                }
                file_rows += chunk_places.len();
                places.append(&chunk_places);
                for (part, column) in parts.iter_mut().zip(chunk.columns) {
                    part.push(column);
                }
            },
        );
        if let Err(problem) = read {
            errors.push(problem);
            continue;
        }
        if let Some(problem) = overlong {
            // A quote never closed swallows the rest of the file: the
            // errors after it would only be noise.
            errors.push(problem);
            continue;
        }
        if errors.len() < MAX_ERRORS {
            let room = MAX_ERRORS - errors.len();
            errors.extend(file_errors.into_iter().take(room));
        }
        for ((column, column_parts), dictionary) in table_columns
            .iter_mut()
            .zip(parts)
            .zip(dictionaries.iter_mut())
        {
            match column {
                Column::Timestamp(all) => all.reserve_exact(file_rows),
                Column::Number(all) => all.reserve_exact(file_rows),
                Column::Text { codes, .. } => codes.reserve_exact(file_rows),
            }
            for parsed in column_parts {
                match (&mut *column, parsed) {
                    (Column::Timestamp(all), ChunkColumn::Timestamp(part)) => all.extend(part),
                    (Column::Number(all), ChunkColumn::Number(part)) => all.extend(part),
                    (
                        Column::Text { codes, values },
                        ChunkColumn::Text {
                            codes: part,
                            values: local,
                        },
                    ) => {
                        // Local codes become the source's codes.
                        let map: Vec<u32> = local
                            .into_iter()
                            .map(|value| {
                                let next = values.len() as u32;
                                *dictionary.entry(value.clone()).or_insert_with(|| {
                                    values.push(String::from_utf8_lossy(&value).into_owned());
                                    next
                                })
                            })
                            .collect();
                        codes.extend(part.into_iter().map(|code| {
                            if code == NO_TEXT {
                                NO_TEXT
                            } else {
                                map[code as usize]
                            }
                        }));
                    }
                    _ => unreachable!("chunks are parsed with the table's kinds"),
                }
            }
        }
    }
    if files.len() > u16::MAX as usize {
        errors.push(
            Diagnostic::new(&config.path, "the event source has more than 65,535 files")
                .with_help("combine the exports into fewer files"),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let rows = places.len();
    let mut table = EventTable {
        name: config.name.clone(),
        files: files.to_vec(),
        header: header_all,
        columns: needs
            .iter()
            .map(|(name, _)| name.clone())
            .zip(table_columns)
            .collect(),
        rows,
        places,
        first_day: None,
        last_day: None,
        time_zone: time_zone.clone(),
        at: config.at.clone(),
    };
    if let Some(id) = &config.id {
        deduplicate(&mut table, id, &ids, config.keep_last)?;
        drop(ids);
    }
    let (mut first, mut last) = (i64::MAX, i64::MIN);
    for column in table.columns.values() {
        if let Column::Timestamp(values) = column {
            for &value in values.iter().filter(|&&value| value != NO_TIME) {
                first = first.min(value);
                last = last.max(value);
            }
        }
    }
    if first <= last {
        table.first_day = Some(local_day(first, time_zone));
        table.last_day = Some(local_day(last, time_zone));
    }
    Ok(table)
}

// The parts of one parse, shared by every parallel task.
#[allow(clippy::too_many_arguments)]
fn parse_chunk(
    piece: &Piece,
    positions: &[usize],
    id_position: Option<usize>,
    kinds: &[ColumnKind],
    names: &[&str],
    time_zone: &TimeZone,
    path: &Path,
) -> Chunk {
    if let Some(problem) = piece.overlong.clone() {
        return Chunk {
            columns: Vec::new(),
            places: RowPlaces::default(),
            ids: Ids::default(),
            errors: Vec::new(),
            lines: 0,
            overlong: Some(problem),
        };
    }
    let text = &piece.text[..];
    let first_line = 1;
    let line_ends = memchr::memchr_iter(b'\n', text).count();
    // At most one row a line: sizing the columns once spares the copies
    // (and fresh pages) of growing them row by row.
    let lines = line_ends + 1;
    let mut columns: Vec<ChunkColumn> = kinds
        .iter()
        .map(|kind| match kind {
            ColumnKind::Timestamp => ChunkColumn::Timestamp(Vec::with_capacity(lines)),
            ColumnKind::Number => ChunkColumn::Number(Vec::with_capacity(lines)),
            ColumnKind::Text => ChunkColumn::Text {
                codes: Vec::with_capacity(lines),
                values: Vec::new(),
            },
        })
        .collect();
    let mut dictionaries: Vec<HashMap<Vec<u8>, u32>> =
        kinds.iter().map(|_| HashMap::new()).collect();
    let mut places = RowPlaces::default();
    let mut ids = Ids::default();
    if id_position.is_some() {
        ids.ends.reserve_exact(lines);
    }
    let mut errors = Vec::new();
    let mut zone = ZoneCache::new(time_zone);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text);
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                let line = error
                    .position()
                    .map_or(0, |position| position.line() as u32);
                errors.push(
                    Diagnostic::new(path, format!("the row cannot be read: {error}"))
                        .at_line(Some((first_line + line.saturating_sub(1)) as usize))
                        .with_help("check the quotes of this row"),
                );
                break;
            }
        }
        let Some(position) = record.position() else {
            continue;
        };
        // The reader places a record after blank lines at the first blank
        // line: count the line ends it skipped.
        let skipped = text[(position.byte() as usize).min(text.len())..]
            .iter()
            .take_while(|&&byte| byte == b'\n' || byte == b'\r')
            .filter(|&&byte| byte == b'\n')
            .count() as u32;
        let line = first_line + (position.line() as u32).saturating_sub(1) + skipped;
        if record.len() == 1 && record[0].iter().all(u8::is_ascii_whitespace) {
            continue; // a blank line
        }
        // The piece is a few megabytes, so the reader held this field
        // whole without harm: report it as the limit says.
        if (0..record.len()).any(|index| {
            record
                .range(index)
                .is_some_and(|range| range.len() > MAX_FIELD_BYTES)
        }) {
            let problem =
                overlong_field_problem(text, path).expect("the piece has a field over the limit");
            return Chunk {
                columns: Vec::new(),
                places: RowPlaces::default(),
                ids: Ids::default(),
                errors: Vec::new(),
                lines: line_ends as u32,
                overlong: Some(problem),
            };
        }
        places.push(0, line);
        if let Some(position) = id_position {
            ids.bytes
                .extend_from_slice(record.get(position).unwrap_or(b"").trim_ascii());
            ids.ends.push(ids.bytes.len() as u32);
        }
        for (index, (&position, column)) in positions.iter().zip(columns.iter_mut()).enumerate() {
            let raw = record.get(position).unwrap_or(b"");
            let value = raw.trim_ascii();
            let mut bad = |what: &str, help: &str| {
                if errors.len() < MAX_ERRORS {
                    // Fields are stored without their commas: add one per
                    // earlier field.
                    let column_number = record
                        .range(position)
                        .map_or(1, |range| range.start + position + 1);
                    errors.push(
                        Diagnostic::new(
                            path,
                            format!(
                                "`{}` in column `{}` is not {what}",
                                String::from_utf8_lossy(value),
                                names[index]
                            ),
                        )
                        .at(line as usize, column_number)
                        .with_help(help),
                    );
                }
            };
            match column {
                ChunkColumn::Timestamp(values) => {
                    if value.is_empty() {
                        values.push(NO_TIME);
                    } else {
                        match parse_timestamp(value, &mut zone) {
                            Some(millis) => values.push(millis),
                            None => {
                                bad("a timestamp", "write timestamps as ISO 8601, e.g. `2026-11-22T14:03:00Z`, `2026-11-22 14:03:00` (read in the site's time_zone) or `2026-11-22T06:03:00-08:00`; leave the cell empty when the event has not happened");
                                values.push(NO_TIME);
                            }
                        }
                    }
                }
                ChunkColumn::Number(values) => {
                    if value.is_empty() {
                        values.push(f64::NAN);
                    } else {
                        match parse_number(value) {
                            Some(number) => values.push(number),
                            None => {
                                bad("a number", "write a number such as `12.5`, or leave the cell empty when there is none");
                                values.push(f64::NAN);
                            }
                        }
                    }
                }
                ChunkColumn::Text { codes, values } => {
                    if value.is_empty() {
                        codes.push(NO_TEXT);
                    } else {
                        let dictionary = &mut dictionaries[index];
                        let code = match dictionary.get(value) {
                            Some(&code) => code,
                            None => {
                                let code = values.len() as u32;
                                values.push(value.to_vec());
                                dictionary.insert(value.to_vec(), code);
                                code
                            }
                        };
                        codes.push(code);
                    }
                }
            }
        }
    }
    Chunk {
        columns,
        places,
        ids,
        errors,
        lines: line_ends as u32,
        overlong: None,
    }
}

/// Removes rows whose id repeats: the later row wins when `keep_last`,
/// otherwise each repeat is an error naming both lines. `ids` holds each
/// chunk's ids with the row of its first one.
///
/// Repeats are found by sorting the ids' hashes (in parallel), so that
/// millions of unique ids need neither a dictionary nor a hash table; the
/// rare equal hashes are compared byte by byte.
fn deduplicate(
    table: &mut EventTable,
    id: &str,
    ids: &[(usize, Ids)],
    keep_last: bool,
) -> Result<(), Vec<Diagnostic>> {
    let id_of = |row: usize| -> &[u8] {
        let chunk = ids.partition_point(|(first, _)| *first <= row) - 1;
        ids[chunk].1.get(row - ids[chunk].0)
    };
    // Pass 1: the hashes of every id, sorted, show which hashes repeat
    // (eight bytes a row; rows without an id are errors).
    let mut sorted: Vec<u64> = ids
        .par_iter()
        .flat_map_iter(|(_, chunk)| {
            (0..chunk.ends.len())
                .map(|index| chunk.get(index))
                .filter(|id| !id.is_empty())
                .map(id_hash)
        })
        .collect();
    sorted.par_sort_unstable();
    let repeated: std::collections::HashSet<u64> = sorted
        .windows(2)
        .filter(|pair| pair[0] == pair[1])
        .map(|pair| pair[0])
        .collect();
    drop(sorted);
    // Pass 2: (hash, row) of the rows whose hash repeats, and the rows
    // without an id.
    let empty: Vec<usize> = ids
        .par_iter()
        .flat_map_iter(|(first, chunk)| {
            (0..chunk.ends.len())
                .filter(|&index| chunk.get(index).is_empty())
                .map(move |index| first + index)
        })
        .collect();
    let mut hashes: Vec<(u64, u32)> = if repeated.is_empty() {
        Vec::new()
    } else {
        ids.par_iter()
            .flat_map_iter(|(first, chunk)| {
                let repeated = &repeated;
                (0..chunk.ends.len()).filter_map(move |index| {
                    let id = chunk.get(index);
                    let hash = id_hash(id);
                    (!id.is_empty() && repeated.contains(&hash))
                        .then_some((hash, (first + index) as u32))
                })
            })
            .collect()
    };
    // Sorting by (hash, row) puts the rows of one id together, in order.
    hashes.par_sort_unstable();
    // (row, the previous row with the same id).
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    while start < hashes.len() {
        let mut end = start + 1;
        while end < hashes.len() && hashes[end].0 == hashes[start].0 {
            end += 1;
        }
        if end - start > 1 {
            // One hash, possibly several ids: each row's previous row is
            // the latest earlier row with the same bytes.
            let group = &hashes[start..end];
            for (index, &(_, row)) in group.iter().enumerate() {
                let bytes = id_of(row as usize);
                if let Some(&(_, previous)) = group[..index]
                    .iter()
                    .rev()
                    .find(|&&(_, earlier)| id_of(earlier as usize) == bytes)
                {
                    repeats.push((row as usize, previous as usize));
                }
            }
        }
        start = end;
    }
    drop(hashes);
    let mut errors = Vec::new();
    if !empty.is_empty() || (!repeats.is_empty() && !keep_last) {
        repeats.sort_unstable();
        let mut repeats = repeats.iter().peekable();
        let mut empty = empty.iter().peekable();
        loop {
            let next_empty = empty.peek().map(|&&row| row);
            let next_repeat = repeats.peek().map(|&&(row, _)| row);
            match (next_empty, next_repeat) {
                (Some(row), repeat) if repeat.is_none_or(|repeat| row < repeat) => {
                    empty.next();
                    let (path, line) = table.place(row);
                    errors.push(
                        Diagnostic::new(path, format!("this row has no `{id}`"))
                            .at_line(Some(line))
                            .with_help("every row of the export needs its id"),
                    );
                }
                (_, Some(_)) => {
                    let &(row, previous) = repeats.next().expect("peeked");
                    if keep_last || errors.len() >= MAX_ERRORS {
                        continue;
                    }
                    let (first_path, first_line) = table.place(previous);
                    let (path, line) = table.place(row);
                    errors.push(
                        Diagnostic::new(
                            path,
                            format!(
                                "`{id}` {} appears again (first at {}:{first_line})",
                                String::from_utf8_lossy(id_of(row)),
                                first_path.display()
                            ),
                        )
                        .at_line(Some(line))
                        .with_help(format!("remove the repeated row, or add `duplicates: keep_last` to the event source `{}` in site.yaml when the export appends updates", table.name)),
                    );
                }
                _ => break,
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if repeats.is_empty() {
        return Ok(());
    }
    // The later row wins: every row that is some row's previous one goes.
    let mut keep = vec![true; table.rows];
    for &(_, previous) in &repeats {
        keep[previous] = false;
    }
    fn retain<T: Copy>(values: &mut Vec<T>, keep: &[bool]) {
        let mut index = 0;
        values.retain(|_| {
            index += 1;
            keep[index - 1]
        });
    }
    for column in table.columns.values_mut() {
        match column {
            Column::Timestamp(values) => retain(values, &keep),
            Column::Number(values) => retain(values, &keep),
            Column::Text { codes, .. } => retain(codes, &keep),
        }
    }
    table.places = table.places.retain(&keep);
    table.rows = table.places.len();
    Ok(())
}

fn parse_number(text: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(text).ok()?;
    let number: f64 = if text.contains(',') {
        text.replace(',', "").parse().ok()?
    } else {
        text.parse().ok()?
    };
    number.is_finite().then_some(number)
}

/// Converts local wall-clock times to instants, remembering the offset of
/// each quarter hour (every DST change falls on one) so that a column of
/// millions of times asks the time zone database a few thousand times.
pub struct ZoneCache<'a> {
    time_zone: &'a TimeZone,
    utc: bool,
    slots: Vec<(i64, i64)>,
}

impl<'a> ZoneCache<'a> {
    pub fn new(time_zone: &'a TimeZone) -> ZoneCache<'a> {
        ZoneCache {
            time_zone,
            utc: *time_zone == TimeZone::UTC,
            slots: vec![(i64::MIN, 0); 1024],
        }
    }

    /// The instant (ms) of the local time `local` (ms since 1970-01-01
    /// 00:00 local): a time in the hour repeated when DST ends is its
    /// first occurrence, one in the skipped hour moves forward by the gap.
    fn instant(&mut self, local: i64) -> Option<i64> {
        if self.utc {
            return Some(local);
        }
        let quarter = local.div_euclid(900_000);
        let slot = quarter.rem_euclid(self.slots.len() as i64) as usize;
        if self.slots[slot].0 != quarter {
            let start = quarter * 900_000;
            let seconds = start.div_euclid(1000);
            let date = from_day_number(seconds.div_euclid(86_400));
            let in_day = seconds.rem_euclid(86_400);
            let time = jiff::civil::Time::new(
                (in_day / 3600) as i8,
                (in_day / 60 % 60) as i8,
                (in_day % 60) as i8,
                0,
            )
            .ok()?;
            let instant = self
                .time_zone
                .to_ambiguous_timestamp(date.to_datetime(time))
                .compatible()
                .ok()?
                .as_millisecond();
            self.slots[slot] = (quarter, start - instant);
        }
        Some(local - self.slots[slot].1)
    }
}

/// Parses a timestamp into milliseconds since the Unix epoch. Accepted:
/// ISO 8601 with `T` or a space, seconds and fractions optional, with `Z`,
/// `UTC` or an offset (`-08:00`, `-0800`, `-08`) or none (then it is read
/// in the site's time zone); `2026/11/22 14:03`; US exports'
/// `11/22/2026 2:03 PM`; a bare date is its local midnight.
pub fn parse_timestamp(text: &[u8], zone: &mut ZoneCache) -> Option<i64> {
    let mut cursor = Cursor { text, at: 0 };
    let (year, month, day);
    let first = cursor.digits(1, 4)?;
    if cursor.at == 4 && matches!(cursor.peek(), Some(b'-' | b'/')) {
        let separator = cursor.next()?;
        year = first;
        month = cursor.digits(1, 2)?;
        cursor.expect(separator)?;
        day = cursor.digits(1, 2)?;
    } else if cursor.at <= 2 && cursor.peek() == Some(b'/') {
        // US spelling: month/day/year.
        cursor.expect(b'/')?;
        month = first;
        day = cursor.digits(1, 2)?;
        cursor.expect(b'/')?;
        let start = cursor.at;
        let found = cursor.digits(2, 4)?;
        year = match cursor.at - start {
            4 => found,
            2 => 2000 + found,
            _ => return None,
        };
    } else {
        return None;
    }
    let date = Date::new(year as i16, month as i8, day as i8).ok()?;
    let (mut hour, mut minute, mut second, mut millis) = (0i64, 0i64, 0i64, 0i64);
    if matches!(cursor.peek(), Some(b'T' | b't' | b' ')) {
        cursor.at += 1;
        while cursor.peek() == Some(b' ') {
            cursor.at += 1;
        }
        hour = cursor.digits(1, 2)?;
        cursor.expect(b':')?;
        minute = cursor.digits(2, 2)?;
        if cursor.peek() == Some(b':') {
            cursor.at += 1;
            second = cursor.digits(2, 2)?;
            if matches!(cursor.peek(), Some(b'.' | b',')) {
                cursor.at += 1;
                let start = cursor.at;
                let fraction = cursor.digits(1, 9)?;
                let places = (cursor.at - start) as u32;
                millis = if places >= 3 {
                    fraction / 10i64.pow(places - 3)
                } else {
                    fraction * 10i64.pow(3 - places)
                };
            }
        }
        // 12-hour clock of US exports.
        let rest = &text[cursor.at..];
        let trimmed = rest.trim_ascii_start();
        let meridiem =
            |suffix: &[u8]| trimmed.len() >= 2 && trimmed[..2].eq_ignore_ascii_case(suffix);
        if meridiem(b"AM") || meridiem(b"PM") {
            if !(1..=12).contains(&hour) {
                return None;
            }
            let pm = meridiem(b"PM");
            hour = match (hour, pm) {
                (12, false) => 0,
                (12, true) => 12,
                (hour, true) => hour + 12,
                (hour, false) => hour,
            };
            cursor.at = text.len() - trimmed.len() + 2;
        }
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let local = (day_number(date) * 86_400 + hour * 3600 + minute * 60 + second) * 1000 + millis;
    while cursor.peek() == Some(b' ') {
        cursor.at += 1;
    }
    match cursor.peek() {
        None => zone.instant(local),
        Some(b'Z' | b'z') if cursor.at + 1 == text.len() => Some(local),
        Some(b'U') if &text[cursor.at..] == b"UTC" => Some(local),
        Some(sign @ (b'+' | b'-')) => {
            cursor.at += 1;
            let hours = cursor.digits(2, 2)?;
            let minutes = match cursor.peek() {
                None => 0,
                Some(b':') => {
                    cursor.at += 1;
                    cursor.digits(2, 2)?
                }
                Some(_) => cursor.digits(2, 2)?,
            };
            if cursor.at != text.len() || hours > 23 || minutes > 59 {
                return None;
            }
            let offset = (hours * 60 + minutes) * 60_000;
            Some(if sign == b'+' {
                local - offset
            } else {
                local + offset
            })
        }
        Some(_) => None,
    }
}

struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// Between `min` and `max` ASCII digits, as a number.
    fn digits(&mut self, min: usize, max: usize) -> Option<i64> {
        let start = self.at;
        let mut value = 0i64;
        while self.at - start < max {
            match self.peek() {
                Some(byte @ b'0'..=b'9') => {
                    value = value * 10 + i64::from(byte - b'0');
                    self.at += 1;
                }
                _ => break,
            }
        }
        (self.at - start >= min).then_some(value)
    }
}

/// Parses a duration threshold such as `4h`, `30m`, `90s`, `2d`, `1h30m`
/// or `1.5h`, in milliseconds.
pub fn parse_duration(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_end].parse().ok()?;
        rest = rest[number_end..].trim_start();
        let unit_end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "d" | "day" | "days" => 86_400_000.0,
            "h" | "hour" | "hours" => 3_600_000.0,
            "m" | "min" | "minute" | "minutes" => 60_000.0,
            "s" | "sec" | "second" | "seconds" => 1000.0,
            _ => return None,
        };
        total += number * scale;
        rest = rest[unit_end..].trim_start();
    }
    (total.is_finite() && total >= 0.0).then(|| total.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> Option<i64> {
        parse_timestamp(text.as_bytes(), &mut ZoneCache::new(&TimeZone::UTC))
    }

    fn la(text: &str) -> Option<i64> {
        let tz = TimeZone::get("America/Los_Angeles").unwrap();
        parse_timestamp(text.as_bytes(), &mut ZoneCache::new(&tz))
    }

    fn instant(text: &str) -> i64 {
        text.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn iso_timestamps_with_and_without_offsets() {
        let expected = instant("2026-11-22T14:03:00Z");
        assert_eq!(utc("2026-11-22T14:03:00Z"), Some(expected));
        assert_eq!(utc("2026-11-22 14:03:00"), Some(expected));
        assert_eq!(utc("2026-11-22T06:03:00-08:00"), Some(expected));
        assert_eq!(utc("2026-11-22T06:03:00-0800"), Some(expected));
        assert_eq!(utc("2026-11-22 14:03"), Some(expected));
        assert_eq!(utc("2026-11-22 14:03:00 UTC"), Some(expected));
        assert_eq!(utc("2026-11-22T14:03:00.250Z"), Some(expected + 250));
        assert_eq!(utc("2026/11/22 14:03"), Some(expected));
        assert_eq!(utc("11/22/2026 2:03 PM"), Some(expected));
        assert_eq!(utc("11/22/2026 14:03:00"), Some(expected));
        assert_eq!(utc("2026-11-22"), Some(instant("2026-11-22T00:00:00Z")));
        // Naive times are read in the site's zone: PST is UTC−8 in November.
        assert_eq!(la("2026-11-22 06:03:00"), Some(expected));
        // An explicit offset wins over the zone.
        assert_eq!(la("2026-11-22T14:03:00Z"), Some(expected));
        for bad in [
            "2026-13-01",
            "2026-02-30 10:00",
            "22/11/2026",
            "2026-11-22 25:00",
            "soon",
            "2026-11-22T10:00:00+5",
            "1700000000",
        ] {
            assert_eq!(utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn dst_repeated_hour_is_its_first_occurrence_and_skipped_hour_moves_forward() {
        // 2026-11-01 01:30 happens twice in Los Angeles: first at PDT
        // (UTC−7) = 08:30Z, then at PST = 09:30Z. The first counts.
        assert_eq!(
            la("2026-11-01 01:30"),
            Some(instant("2026-11-01T08:30:00Z"))
        );
        // 2026-03-08 02:30 does not exist (clocks jump 02:00 → 03:00): it
        // moves forward by the gap to 03:30 PDT = 10:30Z.
        assert_eq!(
            la("2026-03-08 02:30"),
            Some(instant("2026-03-08T10:30:00Z"))
        );
        // Either side of the change.
        assert_eq!(
            la("2026-03-08 01:59"),
            Some(instant("2026-03-08T09:59:00Z"))
        );
        assert_eq!(
            la("2026-03-08 03:00"),
            Some(instant("2026-03-08T10:00:00Z"))
        );
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("4h"), Some(4 * 3_600_000));
        assert_eq!(parse_duration("30m"), Some(1_800_000));
        assert_eq!(parse_duration("1h30m"), Some(5_400_000));
        assert_eq!(parse_duration("1.5 hours"), Some(5_400_000));
        assert_eq!(parse_duration("2d"), Some(172_800_000));
        assert_eq!(parse_duration("4"), None);
        assert_eq!(parse_duration("4 weeks"), None);
    }

    /// Loads a source whose files are these texts, read in pieces of
    /// `piece_bytes`.
    fn load_in_pieces(
        config: &EventSourceConfig,
        files: &[(PathBuf, &[u8])],
        needs: &[(String, ColumnKind)],
        time_zone: &TimeZone,
        piece_bytes: usize,
    ) -> Result<EventTable, Vec<Diagnostic>> {
        let open = |path: &Path| -> Opened<'_> {
            let (_, bytes) = files
                .iter()
                .find(|(file, _)| file == path)
                .expect("a file of the test");
            Ok(Box::new(*bytes))
        };
        let paths: Vec<PathBuf> = files.iter().map(|(path, _)| path.clone()).collect();
        load_source_in_pieces(config, &paths, &open, needs, time_zone, piece_bytes)
    }

    fn load_bytes(
        config: &EventSourceConfig,
        files: &[(PathBuf, &[u8])],
        needs: &[(String, ColumnKind)],
        time_zone: &TimeZone,
    ) -> Result<EventTable, Vec<Diagnostic>> {
        load_in_pieces(config, files, needs, time_zone, stream::PIECE_BYTES)
    }

    /// `data/tickets.csv` holding `text`, loaded in UTC.
    fn load_tickets(
        config: &EventSourceConfig,
        text: &[u8],
        needs: &[(String, ColumnKind)],
    ) -> Result<EventTable, Vec<Diagnostic>> {
        let path = PathBuf::from("data/tickets.csv");
        load_bytes(config, &[(path, text)], needs, &TimeZone::UTC)
    }

    fn config() -> EventSourceConfig {
        EventSourceConfig {
            name: "tickets".into(),
            path: "data/tickets.csv".into(),
            id: Some("id".into()),
            keep_last: false,
            at: None,
            line: None,
        }
    }

    #[test]
    fn rows_load_into_columns_with_errors_at_file_line_and_column() {
        let text = b"id,created,channel,minutes\n1,2026-11-02 10:00,email,5\n2,2026-11-03 11:00,chat,\n3,,email,2.5\n";
        let needs = [
            ("created".to_string(), ColumnKind::Timestamp),
            ("channel".to_string(), ColumnKind::Text),
            ("minutes".to_string(), ColumnKind::Number),
        ];
        let table = load_tickets(&config(), &text[..], &needs).unwrap();
        assert_eq!(table.rows, 3);
        assert_eq!(table.timestamps("created").unwrap()[2], NO_TIME);
        let Some(Column::Text { codes, values }) = table.columns.get("channel") else {
            panic!()
        };
        assert_eq!(codes, &[0, 1, 0]);
        assert_eq!(values, &["email", "chat"]);
        assert!(table.numbers("minutes").unwrap()[1].is_nan());
        assert_eq!(table.first_day, Some(jiff::civil::date(2026, 11, 2)));
        assert_eq!(table.last_day, Some(jiff::civil::date(2026, 11, 3)));
        assert_eq!(table.place(2), (Path::new("data/tickets.csv"), 4));

        let bad = b"id,created\n1,2026-11-02 10:00\n2,yesterday\n";
        let errors = load_tickets(&config(), &bad[..], &needs[..1]).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].column), (Some(3), Some(3)));
        assert!(
            errors[0]
                .message
                .contains("`yesterday` in column `created` is not a timestamp"),
            "{}",
            errors[0].message
        );

        let missing = b"id,created_at\n1,2026-11-02\n";
        let errors = load_tickets(&config(), &missing[..], &needs[..1]).unwrap_err();
        assert!(errors[0].message.contains("needs a column `created`"));
        assert_eq!(
            errors[0]
                .help
                .as_deref()
                .map(|help| help.starts_with("did you mean `created_at`?")),
            Some(true)
        );
    }

    #[test]
    fn repeated_ids_are_errors_unless_the_latest_row_wins() {
        let text = b"id,created\n1,2026-11-02 10:00\n2,2026-11-02 11:00\n1,2026-11-02 12:00\n";
        let needs = [("created".to_string(), ColumnKind::Timestamp)];
        let errors = load_tickets(&config(), &text[..], &needs).unwrap_err();
        assert_eq!(errors[0].line, Some(4));
        assert!(
            errors[0]
                .message
                .contains("`id` 1 appears again (first at data/tickets.csv:2)"),
            "{}",
            errors[0].message
        );
        let keep_last = EventSourceConfig {
            keep_last: true,
            ..config()
        };
        let table = load_tickets(&keep_last, &text[..], &needs).unwrap();
        assert_eq!(table.rows, 2);
        assert_eq!(
            table.timestamps("created").unwrap(),
            &[
                instant("2026-11-02T11:00:00Z"),
                instant("2026-11-02T12:00:00Z")
            ]
        );
    }

    #[test]
    fn a_field_over_the_limit_is_refused_before_rows_are_read() {
        // An unclosed quote on line 3 swallows the rest of a 2 MiB file.
        let mut text = b"id,created\n1,2026-11-02 10:00\n2,\"".to_vec();
        text.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024));
        let needs = [("created".to_string(), ColumnKind::Timestamp)];
        let errors = load_tickets(&config(), &text[..], &needs).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].column), (Some(3), Some(2)));
        assert!(errors[0]
            .message
            .contains("a field may be at most 1,048,576 bytes"));
        assert!(errors[0].message.len() < 200);
    }

    #[test]
    fn ids_are_checked_without_being_kept_and_rows_keep_their_lines() {
        // Blank lines (5) and a value with a line break (rows 7-8) make
        // the rows' lines irregular: 2, 3, 4, 6, 7, 9, 10.
        let text = b"id,created,note\n\
a,2026-11-02 10:00,x\n\
b,2026-11-02 11:00,x\n\
c,2026-11-02 12:00,x\n\
\n\
a,2026-11-02 13:00,x\n\
d,2026-11-02 14:00,\"two\nlines\"\n\
b,2026-11-02 15:00,x\n\
a,2026-11-02 16:00,x\n";
        let needs = [("created".to_string(), ColumnKind::Timestamp)];
        let errors = load_tickets(&config(), &text[..], &needs).unwrap_err();
        // Each repeat names the previous row with that id, in row order.
        let found: Vec<(Option<usize>, &str)> = errors
            .iter()
            .map(|error| (error.line, error.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    Some(6),
                    "`id` a appears again (first at data/tickets.csv:2)"
                ),
                (
                    Some(9),
                    "`id` b appears again (first at data/tickets.csv:3)"
                ),
                (
                    Some(10),
                    "`id` a appears again (first at data/tickets.csv:6)"
                ),
            ]
        );
        let keep_last = EventSourceConfig {
            keep_last: true,
            ..config()
        };
        let table = load_tickets(&keep_last, &text[..], &needs).unwrap();
        // Kept: c (line 4), d (7), b (9), a (10).
        assert_eq!(table.rows, 4);
        let lines: Vec<usize> = (0..table.rows).map(|row| table.place(row).1).collect();
        assert_eq!(lines, [4, 7, 9, 10]);
        // The id is only checked: it is not kept as a column (ten million
        // unique ids would cost more than every other column).
        assert!(!table.columns.contains_key("id"));
    }

    #[test]
    fn repeated_ids_are_found_across_chunks_of_a_big_file() {
        let mut text = String::from("id,created\n");
        for row in 0..400_000 {
            text.push_str(&format!("T{row:07},2026-11-02 10:{:02}:00\n", row % 60));
        }
        text.push_str("T0000007,2026-11-03 10:00:00\n");
        assert!(text.len() > stream::PIECE_BYTES);
        let needs = [("created".to_string(), ColumnKind::Timestamp)];
        let errors = load_tickets(&config(), text.as_bytes(), &needs).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, Some(400_002));
        assert!(errors[0]
            .message
            .contains("`id` T0000007 appears again (first at data/tickets.csv:9)"));
        let keep_last = EventSourceConfig {
            keep_last: true,
            ..config()
        };
        let table = load_tickets(&keep_last, text.as_bytes(), &needs).unwrap();
        assert_eq!(table.rows, 400_000);
        assert_eq!(table.place(7).1, 10);
        assert_eq!(table.place(399_999).1, 400_002);
    }

    /// Everything a loaded table holds, for comparing two loads.
    fn contents(table: &EventTable) -> String {
        let mut names: Vec<&String> = table.columns.keys().collect();
        names.sort();
        let mut text = format!("{} rows\n", table.rows);
        for name in names {
            let values = match &table.columns[name] {
                Column::Timestamp(values) => format!("{values:?}"),
                Column::Number(values) => format!("{values:?}"),
                Column::Text { codes, values } => format!("{codes:?} {values:?}"),
            };
            text.push_str(&format!("{name}: {values}\n"));
        }
        for row in 0..table.rows {
            let (path, line) = table.place(row);
            text.push_str(&format!("{}:{line} ", path.display()));
        }
        text
    }

    #[test]
    fn pieces_of_any_size_load_the_same_rows_lines_and_errors() {
        // Quoted values with line breaks (rows on lines 3-4 and 6-8), a
        // doubled quote, a quote inside an unquoted value, a blank line and
        // CRLF line ends: a piece boundary falls everywhere in turn.
        let text = b"id,created,channel,note,minutes\r\n\
a,2026-11-02 10:00,email,plain,5\r\n\
b,2026-11-02 11:00,\"chat\",\"two\r\nlines\",7\r\n\
c,2026-11-02 12:00,email,5\" screen,\r\n\
d,2026-11-03 09:00,\"ph\"\"one\",\"three\n\nlines\",1.5\n\
\n\
e,2026-11-03 10:00,chat,,2\n";
        let path = PathBuf::from("data/tickets.csv");
        let needs = [
            ("created".to_string(), ColumnKind::Timestamp),
            ("channel".to_string(), ColumnKind::Text),
            ("minutes".to_string(), ColumnKind::Number),
        ];
        let whole = load_tickets(&config(), &text[..], &needs).unwrap();
        assert_eq!(whole.rows, 5);
        let lines: Vec<usize> = (0..whole.rows).map(|row| whole.place(row).1).collect();
        assert_eq!(lines, [2, 3, 5, 6, 10]);
        let Some(Column::Text { codes, values }) = whole.columns.get("channel") else {
            panic!()
        };
        assert_eq!(codes, &[0, 1, 0, 2, 1]);
        assert_eq!(values, &["email", "chat", "ph\"one"]);
        for piece_bytes in 1..text.len() + 2 {
            let table = load_in_pieces(
                &config(),
                &[(path.clone(), &text[..])],
                &needs,
                &TimeZone::UTC,
                piece_bytes,
            )
            .unwrap();
            assert_eq!(
                contents(&table),
                contents(&whole),
                "pieces of {piece_bytes} bytes"
            );
        }
        // An error after the quoted line breaks keeps its line and column,
        // wherever the pieces end.
        let bad = b"id,created,note\na,2026-11-02 10:00,\"x\ny\"\nb,never,\"p\nq\nr\"\nc,soon,z\n";
        for piece_bytes in 1..bad.len() + 2 {
            let errors = load_in_pieces(
                &config(),
                &[(path.clone(), &bad[..])],
                &needs[..1],
                &TimeZone::UTC,
                piece_bytes,
            )
            .unwrap_err();
            let found: Vec<(Option<usize>, Option<usize>)> = errors
                .iter()
                .map(|error| (error.line, error.column))
                .collect();
            assert_eq!(
                found,
                [(Some(4), Some(3)), (Some(7), Some(3))],
                "pieces of {piece_bytes} bytes"
            );
        }
    }

    #[test]
    fn a_gzipped_file_streams_like_the_plain_one() {
        use std::io::Write;
        let text = b"id,created\n1,2026-11-02 10:00\n2,\"2026-11-03\n\"\n3,2026-11-04\n";
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(text).unwrap();
        let gzipped = encoder.finish().unwrap();
        let needs = [("created".to_string(), ColumnKind::Timestamp)];
        let plain = load_tickets(&config(), &text[..], &needs).unwrap();
        for piece_bytes in [1, 7, 1 << 20] {
            let table = load_in_pieces(
                &config(),
                &[(PathBuf::from("data/tickets.csv.gz"), &gzipped[..])],
                &needs,
                &TimeZone::UTC,
                piece_bytes,
            )
            .unwrap();
            assert_eq!(
                contents(&table).replace("data/tickets.csv.gz", "data/tickets.csv"),
                contents(&plain)
            );
        }
        let broken = load_bytes(
            &config(),
            &[(
                PathBuf::from("data/tickets.csv.gz"),
                &gzipped[..gzipped.len() / 2],
            )],
            &needs,
            &TimeZone::UTC,
        )
        .unwrap_err();
        assert!(
            broken[0].message.contains("cannot be decompressed"),
            "{}",
            broken[0].message
        );
    }
}

/// What an event metric measures over a period's rows.
#[derive(Debug, Clone, PartialEq)]
pub enum EventMeasure {
    /// Rows whose timestamp falls in the period.
    Count(String),
    /// The sum or mean of a numeric column over the period's rows.
    Sum(String),
    Mean(String),
    /// The time from one timestamp to another, per row.
    Duration {
        start: String,
        end: String,
        stat: DurationStat,
    },
    /// Rows open at the period's end: started before it, not ended before it.
    Open {
        start: String,
        end: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DurationStat {
    /// 0–100, by linear interpolation between closest ranks.
    Percentile(f64),
    Mean,
    /// The share of rows whose duration is at most this many milliseconds.
    Within(i64),
}

/// A `where` test on one column of an event source.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The value is one of these.
    OneOf(Vec<String>),
    /// The value is none of these (an empty cell passes).
    NoneOf(Vec<String>),
    /// A numeric comparison; an empty cell fails.
    Compare(Comparison, f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Comparison {
    pub fn holds(self, value: f64, bound: f64) -> bool {
        match self {
            Comparison::Less => value < bound,
            Comparison::LessOrEqual => value <= bound,
            Comparison::Greater => value > bound,
            Comparison::GreaterOrEqual => value >= bound,
        }
    }

    fn parse(text: &str) -> Option<Comparison> {
        Some(match text {
            "<" => Comparison::Less,
            "<=" => Comparison::LessOrEqual,
            ">" => Comparison::Greater,
            ">=" => Comparison::GreaterOrEqual,
            _ => return None,
        })
    }
}

/// A metric over an event source, as written in a program file.
#[derive(Debug, Clone, PartialEq)]
pub struct EventQuery {
    pub source: String,
    pub measure: EventMeasure,
    /// The timestamp that places a row in a period; `None` takes the
    /// measure's own (the counted one, a duration's start) or the source's.
    pub at: Option<String>,
    pub filter: Vec<(String, Condition)>,
}

impl EventQuery {
    /// Whether the metric's periods add up (counts and sums), which makes a
    /// constant target a weekly one.
    pub fn additive(&self) -> bool {
        matches!(self.measure, EventMeasure::Count(_) | EventMeasure::Sum(_))
    }

    /// The timestamp that places rows; `None` when neither the metric nor
    /// its source says (an error when binding).
    pub fn placed_by<'a>(&'a self, source_at: Option<&'a str>) -> Option<&'a str> {
        if let Some(at) = &self.at {
            return Some(at);
        }
        match &self.measure {
            EventMeasure::Count(column) => Some(column),
            EventMeasure::Duration { start, .. } | EventMeasure::Open { start, .. } => Some(start),
            EventMeasure::Sum(_) | EventMeasure::Mean(_) => source_at,
        }
    }

    /// Every column the metric reads and how (for loading the source).
    pub fn columns(&self, source_at: Option<&str>) -> Vec<(String, ColumnKind)> {
        let mut columns = Vec::new();
        match &self.measure {
            EventMeasure::Count(column) => columns.push((column.clone(), ColumnKind::Timestamp)),
            EventMeasure::Sum(column) | EventMeasure::Mean(column) => {
                columns.push((column.clone(), ColumnKind::Number))
            }
            EventMeasure::Duration { start, end, .. } | EventMeasure::Open { start, end } => {
                columns.push((start.clone(), ColumnKind::Timestamp));
                columns.push((end.clone(), ColumnKind::Timestamp));
            }
        }
        if let Some(at) = self.placed_by(source_at) {
            columns.push((at.to_string(), ColumnKind::Timestamp));
        }
        for (column, condition) in &self.filter {
            let kind = match condition {
                Condition::Compare(..) => ColumnKind::Number,
                _ => ColumnKind::Text,
            };
            columns.push((column.clone(), kind));
        }
        columns
    }
}

/// A `where` value as written: `channel: email`, `channel: [email, chat]`,
/// `channel: { not: email }`, `handle_minutes: { ">=": 30 }` or
/// `handle_minutes: ">= 30"`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum WhereSpec {
    One(Scalar),
    Many(Vec<Scalar>),
    Tests(indexmap::IndexMap<String, WhereOperand>),
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum WhereOperand {
    One(Scalar),
    Many(Vec<Scalar>),
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Integer(i64),
    Number(f64),
    Text(String),
}

impl Scalar {
    pub fn text(&self) -> String {
        match self {
            Scalar::Bool(value) => value.to_string(),
            Scalar::Integer(value) => value.to_string(),
            Scalar::Number(value) => value.to_string(),
            Scalar::Text(value) => value.clone(),
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Scalar::Integer(value) => Some(*value as f64),
            Scalar::Number(value) => Some(*value),
            Scalar::Text(text) => text.trim().parse().ok(),
            Scalar::Bool(_) => None,
        }
    }
}

/// Reads one `where` entry of an event metric.
pub fn parse_condition(spec: &WhereSpec) -> Result<Vec<Condition>, String> {
    let comparison = |text: &str| -> Option<Condition> {
        let text = text.trim();
        let split = text.find(|c: char| !matches!(c, '<' | '>' | '='))?;
        let comparison = Comparison::parse(text[..split].trim())?;
        let bound: f64 = text[split..].trim().parse().ok()?;
        Some(Condition::Compare(comparison, bound))
    };
    match spec {
        WhereSpec::One(Scalar::Text(text)) if text.trim_start().starts_with(['<', '>']) => {
            comparison(text)
                .map(|condition| vec![condition])
                .ok_or_else(|| format!("`{text}` is not a comparison such as `>= 30`"))
        }
        WhereSpec::One(value) => Ok(vec![Condition::OneOf(vec![value.text()])]),
        WhereSpec::Many(values) => Ok(vec![Condition::OneOf(
            values.iter().map(Scalar::text).collect(),
        )]),
        WhereSpec::Tests(tests) => {
            let mut conditions = Vec::new();
            for (key, operand) in tests {
                let values: Vec<&Scalar> = match operand {
                    WhereOperand::One(value) => vec![value],
                    WhereOperand::Many(values) => values.iter().collect(),
                };
                if key == "not" {
                    conditions.push(Condition::NoneOf(
                        values.iter().map(|value| value.text()).collect(),
                    ));
                    continue;
                }
                let Some(comparison) = Comparison::parse(key.trim()) else {
                    return Err(format!(
                        "`{key}` is not a test of `where`; use `not`, `<`, `<=`, `>` or `>=`"
                    ));
                };
                match values.as_slice() {
                    [value] => match value.number() {
                        Some(bound) => conditions.push(Condition::Compare(comparison, bound)),
                        None => {
                            return Err(format!(
                                "`{key}` compares with a number, not `{}`",
                                value.text()
                            ))
                        }
                    },
                    _ => return Err(format!("`{key}` compares with one number")),
                }
            }
            Ok(conditions)
        }
    }
}

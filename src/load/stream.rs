//! Reading a large CSV file as a stream of pieces of whole records, parsed
//! in parallel while the next pieces are read, so that no more than a few
//! pieces of the file are in memory at once.
//!
//! A piece ends after a line end that is outside quotes, found by following
//! the quoting rules of the csv crate's reader (a quote opens a quoted value
//! only at the start of a field; a doubled quote inside one is a quote), so
//! each piece parses exactly as it would within the whole file.

use std::io::Read;
use std::path::Path;

use crate::error::Diagnostic;
use crate::load::data::{overlong_field_problem, MAX_FIELD_BYTES};

/// The largest size of the pieces a file is read in.
pub const PIECE_BYTES: usize = 8 << 20;

/// The size of the pieces a file is read in on this machine: one piece a
/// thread is parsed while as many are read, so that pieces in memory come
/// to at most 64 MiB however many cores there are.
///
/// `SITREP_PIECE_BYTES` sets another size: the tests use it to split small
/// files into many pieces.
pub fn piece_bytes() -> usize {
    if let Some(bytes) = std::env::var("SITREP_PIECE_BYTES")
        .ok()
        .and_then(|text| text.parse::<usize>().ok())
    {
        return bytes.max(1);
    }
    ((32 << 20) / rayon::current_num_threads().max(1)).clamp(1 << 20, PIECE_BYTES)
}

/// One piece of a CSV file: whole records.
pub struct Piece {
    pub text: Vec<u8>,
    /// The field over the size limit that ends the file's reading, with
    /// its line counted from the piece's first line (line 1).
    pub overlong: Option<Diagnostic>,
}

/// The pieces of one file, read one after another.
pub struct Pieces<'a> {
    reader: Box<dyn Read + Send + 'a>,
    path: &'a Path,
    /// Bytes read but not yet handed out; they start at a record's start.
    pending: Vec<u8>,
    piece_bytes: usize,
    /// The size of `pending` beyond which it is checked for a field over
    /// the limit (a quote never closed would otherwise read the whole
    /// file into one piece).
    check_at: usize,
    done: bool,
    gzipped: bool,
    /// Buffers of pieces already parsed, for the next pieces: reusing them
    /// keeps the memory of a file's reading to the pieces in flight (the
    /// allocator would not always reuse a buffer freed on another thread).
    spare: Vec<Vec<u8>>,
    /// A piece given back (see [`Pieces::put_back`]), handed out next.
    returned: Option<Piece>,
}

impl<'a> Pieces<'a> {
    /// Reads `reader`, the bytes of `path` (decompressed when its name ends
    /// in `.gz`).
    pub fn new(reader: Box<dyn Read + Send + 'a>, path: &'a Path) -> Pieces<'a> {
        Pieces::with_piece_bytes(reader, path, piece_bytes())
    }

    pub fn with_piece_bytes(
        reader: Box<dyn Read + Send + 'a>,
        path: &'a Path,
        piece_bytes: usize,
    ) -> Pieces<'a> {
        let gzipped = path
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("gz"));
        let reader: Box<dyn Read + Send + 'a> = if gzipped {
            Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::new(
                reader,
            )))
        } else {
            reader
        };
        Pieces {
            reader,
            path,
            pending: Vec::new(),
            piece_bytes: piece_bytes.max(1),
            check_at: piece_bytes.max(1) + 2 * MAX_FIELD_BYTES,
            done: false,
            gzipped,
            spare: Vec::new(),
            returned: None,
        }
    }

    /// Gives back the buffer of a parsed piece, for reading the next ones.
    pub fn recycle(&mut self, buffer: Vec<u8>) {
        self.spare.push(buffer);
    }

    /// Why the file cannot be read, in the user's terms.
    fn problem(&self, error: &std::io::Error) -> Diagnostic {
        if self.gzipped {
            Diagnostic::new(
                self.path,
                format!("the file cannot be decompressed: {error}"),
            )
            .with_help("check that it is a complete gzip file, or export it again")
        } else {
            Diagnostic::new(self.path, format!("cannot read: {error}"))
        }
    }

    /// Reads until `pending` holds at least `want` bytes or the file ends.
    fn fill(&mut self, want: usize) -> Result<(), Diagnostic> {
        while !self.done && self.pending.len() < want {
            let start = self.pending.len();
            let target = want;
            self.pending.resize(target, 0);
            let mut at = start;
            while at < target {
                match self.reader.read(&mut self.pending[at..target]) {
                    Ok(0) => {
                        self.done = true;
                        break;
                    }
                    Ok(read) => at += read,
                    Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(error) => {
                        self.pending.truncate(at);
                        return Err(self.problem(&error));
                    }
                }
            }
            self.pending.truncate(at);
        }
        Ok(())
    }

    /// The first line (through its line end), read before any piece: the
    /// header of the file. Empty for an empty file.
    pub fn first_line(&mut self) -> Result<Vec<u8>, Diagnostic> {
        let mut searched = 0;
        loop {
            if let Some(end) = memchr::memchr(b'\n', &self.pending[searched..]) {
                let rest = self.pending.split_off(searched + end + 1);
                return Ok(std::mem::replace(&mut self.pending, rest));
            }
            searched = self.pending.len();
            if self.done {
                return Ok(std::mem::take(&mut self.pending));
            }
            if searched > MAX_FIELD_BYTES * 4 {
                // A header no export writes: its first fields are enough
                // to report it.
                return Ok(std::mem::take(&mut self.pending));
            }
            self.fill(searched + self.piece_bytes.min(64 * 1024))?;
        }
    }

    /// Gives back a piece taken with [`Pieces::next_piece`] (to look at
    /// its first records before the parallel parsing), handed out again
    /// next.
    pub fn put_back(&mut self, piece: Piece) {
        self.returned = Some(piece);
    }

    /// Whether the file has been read to its end: the pieces handed out
    /// so far (and `pending`) are all of it.
    pub fn is_done(&self) -> bool {
        self.done && self.pending.is_empty()
    }

    /// The next piece of whole records, or `None` at the end of the file.
    pub fn next_piece(&mut self) -> Result<Option<Piece>, Diagnostic> {
        if let Some(piece) = self.returned.take() {
            return Ok(Some(piece));
        }
        let mut want = self.piece_bytes;
        loop {
            self.fill(want)?;
            if self.done {
                if self.pending.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(Piece {
                    text: std::mem::take(&mut self.pending),
                    overlong: None,
                }));
            }
            if let Some(end) = last_record_end(&self.pending) {
                let mut rest = self.spare.pop().unwrap_or_default();
                rest.clear();
                rest.extend_from_slice(&self.pending[end..]);
                self.pending.truncate(end);
                return Ok(Some(Piece {
                    text: std::mem::replace(&mut self.pending, rest),
                    overlong: None,
                }));
            }
            // No record ends in what was read: one record (or one quoted
            // value) is longer than a piece.
            if self.pending.len() >= self.check_at {
                if let Some(problem) = overlong_field_problem(&self.pending, self.path) {
                    self.done = true;
                    return Ok(Some(Piece {
                        text: std::mem::take(&mut self.pending),
                        overlong: Some(problem),
                    }));
                }
                self.check_at *= 2;
            }
            want = self.pending.len() + self.piece_bytes;
        }
    }
}

/// Where the last complete record of `text` ends (just after its line
/// end), for a `text` that starts at the start of a record; `None` when no
/// record ends in it. A line end inside a quoted value ends no record.
///
/// The csv crate's reader opens a quoted value only at the start of a field
/// (the start of the text, or after a comma or a line end): a quote inside
/// an unquoted value is a character like any other. Inside a quoted value a
/// doubled quote is a quote; a single one closes it.
pub fn last_record_end(text: &[u8]) -> Option<usize> {
    if memchr::memchr(b'"', text).is_none() {
        return memchr::memrchr(b'\n', text).map(|at| at + 1);
    }
    let mut last_end = None;
    // The start of the stretch outside quotes being scanned.
    let mut at = 0;
    loop {
        let mut search = at;
        let open = loop {
            match memchr::memchr(b'"', &text[search..]) {
                None => break None,
                Some(offset) => {
                    let quote = search + offset;
                    if quote == 0 || matches!(text[quote - 1], b',' | b'\n' | b'\r') {
                        break Some(quote);
                    }
                    search = quote + 1;
                }
            }
        };
        let stretch_end = open.unwrap_or(text.len());
        if let Some(end) = memchr::memrchr(b'\n', &text[at..stretch_end]) {
            last_end = Some(at + end + 1);
        }
        let Some(open) = open else {
            return last_end;
        };
        let mut search = open + 1;
        loop {
            match memchr::memchr(b'"', &text[search..]) {
                // Still inside quotes where the text ends.
                None => return last_end,
                Some(offset) => {
                    let quote = search + offset;
                    match text.get(quote + 1) {
                        Some(b'"') => search = quote + 2,
                        // A quote ending the text may be the first of a
                        // doubled quote: undecided, so still inside.
                        None => return last_end,
                        Some(_) => {
                            at = quote + 1;
                            break;
                        }
                    }
                }
            }
        }
    }
}

/// Parses the pieces of `pieces` in parallel, a few at a time, while the
/// next few are read; `merge` receives each piece's result in file order.
/// Stops at the first problem reading the file, returned.
pub fn parse_pieces<T: Send>(
    pieces: &mut Pieces,
    parse: impl Fn(&Piece) -> T + Sync,
    mut merge: impl FnMut(T),
) -> Result<(), Diagnostic> {
    use rayon::prelude::*;
    // One piece a thread; two waves in memory at a time: the one parsed
    // and the one read.
    let wave = rayon::current_num_threads().max(1);
    let read_wave = |pieces: &mut Pieces| -> Result<Vec<Piece>, Diagnostic> {
        let mut wave_pieces = Vec::with_capacity(wave);
        while wave_pieces.len() < wave {
            match pieces.next_piece()? {
                Some(piece) => {
                    let last = piece.overlong.is_some();
                    wave_pieces.push(piece);
                    if last {
                        break;
                    }
                }
                None => break,
            }
        }
        Ok(wave_pieces)
    };
    let mut current = read_wave(pieces)?;
    while !current.is_empty() {
        let (parsed, next) = rayon::join(
            || {
                current
                    .into_par_iter()
                    .map(|piece| (parse(&piece), piece.text))
                    .collect::<Vec<(T, Vec<u8>)>>()
            },
            || read_wave(pieces),
        );
        for (result, buffer) in parsed {
            merge(result);
            pieces.recycle(buffer);
        }
        current = next?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The records of `text` as the csv crate reads them.
    fn records(text: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        reader
            .byte_records()
            .map(|record| record.unwrap().iter().map(<[u8]>::to_vec).collect())
            .collect()
    }

    #[test]
    fn record_ends_follow_the_readers_quoting_rules() {
        assert_eq!(last_record_end(b"a,b\nc,d\ne"), Some(8));
        assert_eq!(last_record_end(b"a,b"), None);
        // A line end inside quotes ends nothing.
        assert_eq!(last_record_end(b"a,\"x\ny\"\nb,\"p\nq"), Some(8));
        // A quote inside an unquoted value opens nothing: `5" screen`.
        assert_eq!(last_record_end(b"a,5\" screen\nb,c\n"), Some(16));
        // A doubled quote stays inside; a quote ending the text may be
        // the first of a doubled one.
        assert_eq!(last_record_end(b"a\n\"x\"\"\ny\"\n"), Some(10));
        assert_eq!(last_record_end(b"a\n\"x\ny\""), Some(2));
        // After a carriage return, a quote starts a field.
        assert_eq!(last_record_end(b"a\r\"x\ny\"\n"), Some(8));
    }

    #[test]
    fn pieces_split_anywhere_read_the_same_records() {
        // Quoted values with line breaks, doubled quotes, quotes inside
        // unquoted values, blank lines and CRLF line ends.
        let text: &[u8] = b"1,\"two\nlines\",x\r\n2,5\" screen,\"say \"\"hi\"\"\nthere\"\n\n3,\"\",\"a,b\"\n4,\"x\"y\"z,end\n5,\"\"\"\n\",q\n";
        let whole = records(text);
        for piece_bytes in 1..text.len() + 2 {
            let mut pieces =
                Pieces::with_piece_bytes(Box::new(text), Path::new("a.csv"), piece_bytes);
            let mut found = Vec::new();
            let mut joined = Vec::new();
            while let Some(piece) = pieces.next_piece().unwrap() {
                assert!(piece.overlong.is_none());
                joined.extend_from_slice(&piece.text);
                found.extend(records(&piece.text));
            }
            assert_eq!(joined, text, "pieces of {piece_bytes} bytes");
            assert_eq!(found, whole, "pieces of {piece_bytes} bytes");
        }
    }

    #[test]
    fn a_quote_never_closed_stops_at_the_field_limit() {
        let mut text = b"a,b\n1,2\n3,\"".to_vec();
        text.extend(std::iter::repeat_n(b'x', 3 * MAX_FIELD_BYTES));
        text.extend_from_slice(b"\n4,5\n");
        let mut pieces = Pieces::with_piece_bytes(Box::new(&text[..]), Path::new("a.csv"), 1024);
        let mut pieces_read = 0;
        let overlong = loop {
            let piece = pieces
                .next_piece()
                .unwrap()
                .expect("a piece with the problem");
            pieces_read += 1;
            if let Some(problem) = piece.overlong {
                break problem;
            }
        };
        assert_eq!(pieces_read, 2);
        // Line 1 of its piece, which starts at line 3 of the file.
        assert_eq!((overlong.line, overlong.column), (Some(1), Some(2)));
        assert!(pieces.next_piece().unwrap().is_none());
    }
}

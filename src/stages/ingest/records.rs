//! The CSV record reader under [`super::CsvSource`]: RFC 4180 records (comma, `"`
//! quotes, doubled quotes) parsed by `csv-core`, each with the physical line and byte
//! where it starts.
//!
//! Why not the `csv` crate's reader, which wraps the same parser: it skips empty lines
//! without a trace, so a blank line could not be reported as Frictionless reports it
//! (`blank-row`, and every later row numbered one more), and it counts lines by `\n`
//! and places a record where the previous record's terminator ended, so that with
//! CRLF line ends (Excel's default) every record was placed on the line before its own
//! (at the `\n` of the previous line's `\r\n`), and a CR-only file was all line 1.
//! Here `\r\n`, `\r` and `\n` are each one line break, wherever they occur (also
//! mixed in one file, and inside quoted cells), a record is placed at its first byte,
//! and an empty line is a record of no cells.
//!
//! Counting line breaks costs nothing for records without quotes: the parser consumed
//! exactly its output plus the delimiters and the terminator, so the record holds no
//! line break. Only records with quotes have their cells scanned.

use crate::report::diagnostic::line_breaks;
use std::io::{self, BufRead};

/// One record's cells, in one buffer (as the `csv` crate's `ByteRecord`), reused from
/// record to record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    buf: Vec<u8>,
    /// end offset of each cell in `buf`; `fields` of them are in use
    ends: Vec<usize>,
    fields: usize,
}

impl Record {
    /// A record of these cells (for tests and callers that build rows by hand).
    pub fn from_cells<S: AsRef<[u8]>>(cells: &[S]) -> Record {
        let mut r = Record::default();
        for c in cells {
            r.buf.extend_from_slice(c.as_ref());
            r.ends.push(r.buf.len());
        }
        r.fields = cells.len();
        r
    }

    /// The number of cells (0 for an empty line).
    pub fn len(&self) -> usize {
        self.fields
    }

    pub fn is_empty(&self) -> bool {
        self.fields == 0
    }

    /// Every cell's bytes, one after the other.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf[..self.fields.checked_sub(1).map_or(0, |i| self.ends[i])]
    }

    /// Cell `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        if i >= self.fields {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        Some(&self.buf[start..self.ends[i]])
    }

    /// The cells in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> + Clone + '_ {
        (0..self.fields).map(move |i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] };
            &self.buf[start..self.ends[i]]
        })
    }
}

/// Where a record starts: its physical line (1-based) and the byte offset of its first
/// byte in the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Start {
    pub line: u64,
    pub byte: u64,
}

/// Reads records from a buffered reader, placing each one.
pub struct Records<R> {
    rdr: R,
    core: csv_core::Reader,
    /// the line and byte offset of the next byte to read
    line: u64,
    byte: u64,
    /// the last byte read ended a line with `\r`: a `\n` right after it is part of that
    /// line break, not a new one
    after_cr: bool,
    /// Python's `skipinitialspace` (a sniffed dialect): spaces starting a cell are not
    /// part of it, and a quote after them opens a quoted cell
    skip_initial_space: bool,
}

impl<R: BufRead> Records<R> {
    /// A reader whose first byte is at `byte` in the file (after a BOM), on line 1, of
    /// cells separated by `delimiter`.
    pub fn new(rdr: R, byte: u64, delimiter: u8) -> Records<R> {
        Records {
            rdr,
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            line: 1,
            byte,
            after_cr: false,
            skip_initial_space: false,
        }
    }

    /// Skips the spaces that start a cell (see the field).
    pub fn skip_initial_space(&mut self, on: bool) {
        self.skip_initial_space = on;
    }

    pub fn get_ref(&self) -> &R {
        &self.rdr
    }

    /// Bytes of the file read so far (the offset of the next record).
    pub fn byte(&self) -> u64 {
        self.byte
    }

    /// Reads the next record into `rec`; None at the end of the file. An empty line is a
    /// record of no cells.
    pub fn read(&mut self, rec: &mut Record) -> io::Result<Option<Start>> {
        // The line break ending the previous record or blank line, when it is `\r\n`:
        // its `\n` belongs to it.
        let mut first = self.rdr.fill_buf()?.first().copied();
        if self.after_cr {
            self.after_cr = false;
            if first == Some(b'\n') {
                self.rdr.consume(1);
                self.byte += 1;
                first = self.rdr.fill_buf()?.first().copied();
            }
        }
        let start = Start {
            line: self.line,
            byte: self.byte,
        };
        match first {
            Some(b) if b == b'\n' || b == b'\r' => {
                // an empty line: the parser would skip it without a word
                self.rdr.consume(1);
                self.byte += 1;
                self.line += 1;
                self.after_cr = b == b'\r';
                rec.fields = 0;
                return Ok(Some(start));
            }
            _ => {}
        }
        let (mut nout, mut nend, mut consumed) = (0usize, 0usize, 0u64);
        if rec.buf.is_empty() {
            rec.buf.resize(1024, 0);
        }
        if rec.ends.is_empty() {
            rec.ends.resize(32, 0);
        }
        let terminator = loop {
            let input = self.rdr.fill_buf()?;
            let eof = input.is_empty();
            let (res, nin, o, e) = self
                .core
                .read_record(input, &mut rec.buf[nout..], &mut rec.ends[nend..]);
            let last = nin.checked_sub(1).map(|i| input[i]);
            self.rdr.consume(nin);
            consumed += nin as u64;
            nout += o;
            nend += e;
            match res {
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull => {
                    let n = rec.buf.len().max(1024) * 2;
                    rec.buf.resize(n, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let n = rec.ends.len().max(32) * 2;
                    rec.ends.resize(n, 0);
                }
                csv_core::ReadRecordResult::Record => break if eof { None } else { last },
                csv_core::ReadRecordResult::End => {
                    rec.fields = 0;
                    return Ok(None);
                }
            }
        };
        rec.fields = nend;
        // Without quotes, the parser consumed the cells, the delimiters between them and
        // the terminator, and the record has no line break inside.
        let plain = nout as u64 + nend.saturating_sub(1) as u64 + u64::from(terminator.is_some());
        if consumed > plain {
            self.line += line_breaks(&rec.buf[..nout]);
        }
        if terminator.is_some() {
            self.line += 1;
        }
        self.after_cr = terminator == Some(b'\r');
        self.byte += consumed;
        if self.skip_initial_space {
            strip_initial_spaces(rec);
        }
        Ok(Some(start))
    }
}

/// Python's `skipinitialspace` on a parsed record: the spaces starting each cell go, and a
/// cell that then is one quoted value (`, "a ""b"""`, which the parser took as text since
/// its quote did not start the cell) is unquoted. A quoted cell holding the delimiter
/// was already split by then: such files are rare, and read as their text.
fn strip_initial_spaces(rec: &mut Record) {
    let mut buf = Vec::with_capacity(rec.as_slice().len());
    let mut ends = Vec::with_capacity(rec.fields);
    for cell in rec.iter() {
        let t = &cell[cell.iter().take_while(|b| **b == b' ').count()..];
        let quoted = t.len() >= 2 && t[0] == b'"' && t[t.len() - 1] == b'"';
        if quoted && cell.len() != t.len() {
            let inner = &t[1..t.len() - 1];
            let mut i = 0;
            while i < inner.len() {
                buf.push(inner[i]);
                i += if inner[i] == b'"' && inner.get(i + 1) == Some(&b'"') {
                    2
                } else {
                    1
                };
            }
        } else {
            buf.extend_from_slice(t);
        }
        ends.push(buf.len());
    }
    let fields = ends.len();
    if rec.buf.len() < buf.len() {
        rec.buf.resize(buf.len(), 0);
    }
    rec.buf[..buf.len()].copy_from_slice(&buf);
    if rec.ends.len() < fields {
        rec.ends.resize(fields, 0);
    }
    rec.ends[..fields].copy_from_slice(&ends);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (line, byte, cells) of every record of `text`.
    fn read_all(text: &[u8]) -> Vec<(u64, u64, Vec<String>)> {
        let mut r = Records::new(io::BufReader::with_capacity(3, text), 0, b',');
        let mut rec = Record::default();
        let mut out = Vec::new();
        while let Some(s) = r.read(&mut rec).unwrap() {
            let cells = rec.iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect();
            out.push((s.line, s.byte, cells));
        }
        out
    }

    fn v(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    /// Every layout puts each record on its own first line and byte, and an empty line
    /// is a record of no cells (a buffer of 3 bytes splits terminators too).
    #[test]
    fn records_are_placed_on_their_line_for_every_line_end() {
        type Case<'a> = (&'a [u8], &'a [(u64, u64, &'a [&'a str])]);
        let cases: &[Case] = &[
            (b"a,b\n1,2\n", &[(1, 0, &["a", "b"]), (2, 4, &["1", "2"])]),
            (b"a,b\r\n1,2\r\n", &[(1, 0, &["a", "b"]), (2, 5, &["1", "2"])]),
            (b"a,b\r1,2\r", &[(1, 0, &["a", "b"]), (2, 4, &["1", "2"])]),
            (
                b"a,b\r\n1,2\n3,4\r5,6",
                &[
                    (1, 0, &["a", "b"]),
                    (2, 5, &["1", "2"]),
                    (3, 9, &["3", "4"]),
                    (4, 13, &["5", "6"]),
                ],
            ),
            (b"a\n\n1\n", &[(1, 0, &["a"]), (2, 2, &[]), (3, 3, &["1"])]),
            (b"a\r\n\r\n1\r\n", &[(1, 0, &["a"]), (2, 3, &[]), (3, 5, &["1"])]),
            (b"a\r\r1\r", &[(1, 0, &["a"]), (2, 2, &[]), (3, 3, &["1"])]),
            (b"a\n\n", &[(1, 0, &["a"]), (2, 2, &[])]),
            (b"\"x\ny\",1\n2,3\n", &[(1, 0, &["x\ny", "1"]), (3, 8, &["2", "3"])]),
            (
                b"\"x\r\ny\r\rz\",1\r\n2,3",
                &[(1, 0, &["x\r\ny\r\rz", "1"]), (5, 13, &["2", "3"])],
            ),
            (b"\"a\"\"b\",c\n,\n", &[(1, 0, &["a\"b", "c"]), (2, 9, &["", ""])]),
            (b"", &[]),
            (b"\n", &[(1, 0, &[])]),
        ];
        for (text, want) in cases {
            let want: Vec<(u64, u64, Vec<String>)> = want.iter().map(|(l, b, c)| (*l, *b, v(c))).collect();
            assert_eq!(read_all(text), want, "{:?}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn records_give_their_cells_and_bytes() {
        let r = Record::from_cells(&["ab", "", "c"]);
        assert_eq!(r.len(), 3);
        assert_eq!(r.as_slice(), b"abc");
        assert_eq!(r.get(1), Some(&b""[..]));
        assert_eq!(r.get(3), None);
        assert_eq!(r.iter().collect::<Vec<_>>(), [&b"ab"[..], b"", b"c"]);
        assert!(Record::default().as_slice().is_empty());
    }

    #[test]
    fn long_records_grow_the_buffers() {
        let cells: Vec<String> = (0..100).map(|i| "x".repeat(i * 50)).collect();
        let text = cells.join(",") + "\n1\n";
        let got = read_all(text.as_bytes());
        assert_eq!(got[0].2, cells);
        assert_eq!((got[1].0, got[1].1), (2, text.len() as u64 - 2));
    }

    #[test]
    fn initial_spaces_are_skipped_when_the_dialect_says_so() {
        let mut r = Records::new(io::BufReader::new(&b"a, b, \"c \"\"d\"\"\", \n"[..]), 0, b',');
        r.skip_initial_space(true);
        let mut rec = Record::default();
        r.read(&mut rec).unwrap().unwrap();
        let cells: Vec<&[u8]> = rec.iter().collect();
        assert_eq!(cells, [&b"a"[..], b"b", b"c \"d\"", b""]);
    }
}

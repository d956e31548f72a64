//! # hospsim-formats
//!
//! Readers of the data hospsim takes in, from bytes to typed values: event
//! logs and Synthea encounters ([`log`]), census snapshots ([`snapshot`]),
//! demand series in the statsforecast long format ([`series`]), and the
//! calendar arithmetic they share ([`time`]). Every reader takes any
//! `std::io::Read` and a name for errors, so a file, an upload or a socket read
//! the same way, and every problem is a [`FormatError`] with the file, the line,
//! what was expected and a hint. Nothing here touches the filesystem.

mod error;
pub mod forecasts;
pub mod log;
pub mod series;
pub mod snapshot;
pub mod write;

pub use error::FormatError;
/// Calendar minutes (shared with the history crate, which owns them).
pub use hospsim_history::time;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

/// Longest line a reader takes: a line without an end (a device such as
/// `/dev/zero`, a binary file) would otherwise grow one record without bound.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Longest record a reader takes: a quote that is never closed turns the rest
/// of the file, line breaks and all, into one field.
pub const MAX_RECORD_BYTES: u64 = 16 << 20;

/// Where the lines of an input start, for the records read so far. The `csv`
/// crate's own line numbers are wrong after a blank line and for `\r\n` line
/// ends (rust-csv issues 208 and 395), and hospital exports are often
/// Windows files: errors must still name the line a planner sees in an editor.
#[derive(Default)]
pub(crate) struct LineIndex {
    /// Offsets of the `\r` and `\n` bytes read and not yet passed, and
    /// whether each is a `\n`.
    breaks: VecDeque<(u64, bool)>,
    /// Line ends before the first entry of `breaks`.
    passed: u64,
    /// Bytes read from the input so far.
    read: u64,
    /// Where the last record asked about starts.
    record_start: u64,
}

/// A shared handle on a reader's [`LineIndex`].
#[derive(Clone, Default)]
pub(crate) struct Lines(Rc<RefCell<LineIndex>>);

impl Lines {
    /// The line (from 1) where the record at `pos` starts. Records must be
    /// asked about in order, each at least once: what lies before is forgotten.
    pub(crate) fn line(&self, pos: Option<&csv::Position>) -> u64 {
        let Some(pos) = pos else { return 0 };
        let mut ix = self.0.borrow_mut();
        let byte = pos.byte();
        while let Some(&(at, newline)) = ix.breaks.front() {
            if at >= byte {
                break;
            }
            ix.breaks.pop_front();
            ix.passed += u64::from(newline);
        }
        // csv reports a record as starting at the blank lines and the `\n` of
        // a `\r\n` before it: step over them.
        let mut start = byte;
        while let Some(&(at, newline)) = ix.breaks.front() {
            if at != start {
                break;
            }
            ix.breaks.pop_front();
            ix.passed += u64::from(newline);
            start += 1;
        }
        ix.record_start = ix.record_start.max(start);
        ix.passed + 1
    }
}

/// A reader that fails once a line runs past [`MAX_LINE_BYTES`] or a record
/// past [`MAX_RECORD_BYTES`], and indexes line starts for [`Lines`].
pub(crate) struct LineLimit<R> {
    inner: R,
    run: usize,
    lines: Lines,
}

impl<R> LineLimit<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineLimit {
            inner,
            run: 0,
            lines: Lines::default(),
        }
    }

    /// A handle to ask for the line of each record.
    pub(crate) fn lines(&self) -> Lines {
        self.lines.clone()
    }
}

/// A CSV reader over `input` that bounds lines and records, with the handle
/// that turns record positions into true line numbers.
pub(crate) fn csv_reader<R: std::io::Read>(
    builder: &csv::ReaderBuilder,
    input: R,
) -> (csv::Reader<LineLimit<R>>, Lines) {
    let limited = LineLimit::new(input);
    let lines = limited.lines();
    (builder.from_reader(limited), lines)
}

fn too_long(what: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what)
}

impl<R: std::io::Read> std::io::Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut index = self.lines.0.borrow_mut();
        let ix = &mut *index;
        let base = ix.read;
        for (i, &b) in buf[..n].iter().enumerate() {
            match b {
                b'\n' => {
                    self.run = 0;
                    ix.breaks.push_back((base + i as u64, true));
                }
                b'\r' => {
                    self.run += 1;
                    ix.breaks.push_back((base + i as u64, false));
                }
                _ => self.run += 1,
            }
        }
        ix.read += n as u64;
        if self.run > MAX_LINE_BYTES {
            return Err(too_long(format!(
                "a line is longer than {} MiB (is it a text file?)",
                MAX_LINE_BYTES >> 20
            )));
        }
        if ix.read - ix.record_start > MAX_RECORD_BYTES {
            return Err(too_long(format!(
                "a record runs on for more than {} MiB (a quote that is never closed?)",
                MAX_RECORD_BYTES >> 20
            )));
        }
        Ok(n)
    }
}

/// A CSV reading error (bad UTF-8, a quoting error) at its line.
pub(crate) fn csv_error(file: &str, lines: &Lines, e: csv::Error) -> FormatError {
    let line = e.position().map(|p| lines.line(Some(p)));
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8 text".to_string(),
        csv::ErrorKind::Io(io) => format!("cannot read: {io}"),
        _ => format!("cannot read the row: {e}"),
    };
    FormatError {
        file: file.to_string(),
        line,
        message,
        hint: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reads `text` as headerless CSV and gives each record's first field and line.
    fn lines_of(text: &str) -> Vec<(String, u64)> {
        let mut b = csv::ReaderBuilder::new();
        b.has_headers(false).flexible(true);
        let (mut rdr, lines) = csv_reader(&b, text.as_bytes());
        rdr.records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_string(), lines.line(r.position()))
            })
            .collect()
    }

    #[test]
    fn lines_are_counted_over_blank_lines_and_windows_line_ends() {
        assert_eq!(
            lines_of("a\r\nb\r\n\r\n\r\nc\r\n\"d\nd\"\ne"),
            [
                ("a".into(), 1),
                ("b".into(), 2),
                ("c".into(), 5),
                ("d\nd".into(), 6),
                ("e".into(), 8)
            ]
        );
    }

    proptest! {
        #[test]
        fn every_record_is_placed_on_its_own_line(
            rows in proptest::collection::vec((0usize..3, any::<bool>(), any::<bool>()), 1..60)
        ) {
            // Each row: blank lines before it, CRLF or LF, a quoted field with a line break.
            let mut text = String::new();
            let mut line = 1u64;
            let mut want = vec![];
            for (i, (blanks, crlf, multiline)) in rows.iter().enumerate() {
                let end = if *crlf { "\r\n" } else { "\n" };
                for _ in 0..*blanks {
                    text.push_str(end);
                    line += 1;
                }
                let field = if *multiline { format!("r{i}{end}x") } else { format!("r{i}") };
                want.push((field.clone(), line));
                if *multiline {
                    text.push_str(&format!("\"{field}\",1{end}"));
                    line += 2;
                } else {
                    text.push_str(&format!("{field},1{end}"));
                    line += 1;
                }
            }
            prop_assert_eq!(lines_of(&text), want);
        }
    }

    #[test]
    fn a_quote_never_closed_stops_the_reader_at_16_mib() {
        let mut text = String::from("a,b\n\"open,");
        text.push_str(&"spread over lines\n".repeat((MAX_RECORD_BYTES as usize) / 18 + 10));
        let b = csv::ReaderBuilder::new();
        let (mut rdr, _) = csv_reader(&b, text.as_bytes());
        let err = rdr.records().find_map(Result::err).expect("an error");
        assert!(err.to_string().contains("never closed"), "{err}");
    }
}

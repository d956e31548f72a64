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

/// Longest line a reader takes: a line without an end (a device such as
/// `/dev/zero`, a binary file) would otherwise grow one record without bound.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// A reader that fails once a line runs past [`MAX_LINE_BYTES`].
pub(crate) struct LineLimit<R> {
    inner: R,
    run: usize,
}

impl<R> LineLimit<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineLimit { inner, run: 0 }
    }
}

impl<R: std::io::Read> std::io::Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.run = 0;
            } else {
                self.run += 1;
            }
        }
        if self.run > MAX_LINE_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "a line is longer than {} MiB (is it a text file?)",
                    MAX_LINE_BYTES >> 20
                ),
            ));
        }
        Ok(n)
    }
}

/// A CSV reading error (bad UTF-8, a quoting error) at its line.
pub(crate) fn csv_error(file: &str, e: csv::Error) -> FormatError {
    let line = e.position().map(|p| p.line());
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

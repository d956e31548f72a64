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

pub use error::FormatError;
/// Calendar minutes (shared with the history crate, which owns them).
pub use hospsim_history::time;

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

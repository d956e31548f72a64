//! How a series file is laid out: its columns, date pattern, separator and
//! decimal mark.

use hospsim_sim::timestamp::{TimeZone, TimestampError};
use jiff::civil::DateTime;

/// Where a file keeps its series, and how it writes dates and numbers: a
/// hospital's export rarely says `unique_id, ds, y`.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The series column; `None`: `unique_id` when the header has it,
    /// otherwise the whole file is one series named after the file.
    pub id: Option<String>,
    /// The time column (`ds`).
    pub time: String,
    /// The value column (`y`).
    pub value: String,
    /// A strftime pattern for the time column (`%d/%m/%Y`, `%Y/%m/%d
    /// %H:%M`); `None`: ISO dates and datetimes, also with `/` between the
    /// year, month and day.
    pub date_format: Option<String>,
    /// The field separator; `None`: `;` when the header line has a `;` and
    /// no `,` (Excel in much of Europe and elsewhere), otherwise `,`.
    pub delimiter: Option<u8>,
    /// Values are written with a decimal comma (`12,5`).
    pub decimal_comma: bool,
    /// Extra columns read as regressors (temperature, event flags), at most
    /// [`super::MAX_REGRESSORS`]; every row needs a number in each.
    pub regressors: Vec<String>,
}

impl Layout {
    /// The statsforecast columns `unique_id, ds, <value>`, comma-separated.
    pub fn statsforecast(value: &str) -> Layout {
        Layout {
            id: None,
            time: "ds".into(),
            value: value.into(),
            date_format: None,
            delimiter: None,
            decimal_comma: false,
            regressors: Vec::new(),
        }
    }
}

/// A time cell as wall-clock time, and whether it had a time of day.
pub(super) fn parse_ds(
    text: &str,
    zone: Option<&TimeZone>,
    format: Option<&str>,
) -> Result<(DateTime, bool), TimestampError> {
    if let Some(format) = format {
        let with_time = ["%H", "%I", "%M", "%T", "%R", "%c"]
            .iter()
            .any(|f| format.contains(f));
        let parsed =
            jiff::fmt::strtime::parse(format, text).map_err(|_| TimestampError::Malformed {
                text: text.to_string(),
            })?;
        let wall = if with_time {
            parsed.to_datetime()
        } else {
            parsed
                .to_date()
                .map(|d| d.to_datetime(jiff::civil::Time::midnight()))
        }
        .map_err(|_| TimestampError::Malformed {
            text: text.to_string(),
        })?;
        return Ok((wall, with_time));
    }
    // `2023/01/31` and `2023/01/31 08:00`: ISO with slashes, unambiguous
    // because the year comes first.
    let b = text.as_bytes();
    if b.len() >= 10 && b[4] == b'/' && b[7] == b'/' && b[..4].iter().all(u8::is_ascii_digit) {
        let mut iso = text.to_string();
        iso.replace_range(4..5, "-");
        iso.replace_range(7..8, "-");
        return hospsim_sim::timestamp::parse(&iso, zone).map(|s| (s.wall, s.has_time));
    }
    hospsim_sim::timestamp::parse(text, zone).map(|s| (s.wall, s.has_time))
}

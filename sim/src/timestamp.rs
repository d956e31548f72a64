//! Timestamps as every reader of hospsim takes them: scenario times, event
//! logs, Synthea exports, census snapshots, case lists and series.
//!
//! A timestamp without an offset (`2025-01-06T08:30`) is *civil*: the
//! hospital's wall-clock time, taken as written. One with `Z` or an offset
//! (`2019-02-17T05:07:38Z`, `2025-01-06T08:30+02:00`) is an *instant*, turned
//! into the wall-clock time of the configured time zone (`sim.time_zone`,
//! `--time-zone`), DST included; without a zone it is refused, so that UTC is
//! never silently read as local time. The simulation's clock is the wall clock:
//! rosters, clinic hours and arrival profiles are all wall-clock.
//!
//! Zones come from the IANA database bundled into the binary, never from the
//! host's files: a run gives the same result on every machine, and this crate
//! stays free of IO.

use crate::compile::edit_distance;
use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::fmt::temporal::{Pieces, PiecesOffset};
use jiff::tz::TimeZoneDatabase;
use std::fmt;

/// A time zone (re-exported so that crates reading timestamps need not name jiff).
pub use jiff::tz::TimeZone;

/// UTC, the zone that reads `Z` timestamps as they are written.
pub const UTC: TimeZone = TimeZone::UTC;

/// A few IANA names, for hints.
pub const ZONE_EXAMPLES: &str = "Europe/London, Asia/Shanghai, America/New_York, UTC";

/// What to do when `sim.time_zone` or `--time-zone` is missing.
pub const NEEDS_ZONE_HINT: &str = "set sim.time_zone in the scenario to the hospital's IANA time zone (e.g. \"Europe/London\"), or give --time-zone on the commands that take it (demo, run, fit, validate, project, forecast, backtest); UTC reads the times as UTC wall-clock time";

/// A timestamp as read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// The hospital's wall-clock time: as written for a civil timestamp, the
    /// zone's local time of the instant for one with an offset.
    pub wall: DateTime,
    /// The instant, when the text had `Z` or an offset (a civil time has none:
    /// without an offset it is not known which instant the wall clock showed).
    pub instant: Option<Timestamp>,
    /// Whether the text had a time of day (`2025-01-06` has not).
    pub has_time: bool,
}

/// Why a text is not a timestamp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimestampError {
    /// Not in one of the accepted forms.
    Malformed {
        /// The text as given (trimmed).
        text: String,
    },
    /// In form, but the date does not exist (`2023-02-29`).
    NoSuchDate {
        /// The text as given (trimmed).
        text: String,
    },
    /// In form, but the hour, minute or second is out of range.
    OutOfRange {
        /// The text as given (trimmed).
        text: String,
    },
    /// A bracketed zone name (`2025-01-06T08:00[Europe/London]`), which is
    /// not read: the zone is one setting for all of a run's inputs.
    Annotation {
        /// The text as given (trimmed).
        text: String,
    },
    /// `Z` or an offset, and no time zone to turn the instant into the
    /// hospital's wall-clock time.
    NeedsZone {
        /// The text as given (trimmed).
        text: String,
    },
}

impl TimestampError {
    /// How to fix it.
    pub fn hint(&self) -> &'static str {
        match self {
            TimestampError::NeedsZone { .. } => NEEDS_ZONE_HINT,
            TimestampError::Annotation { .. } => {
                "leave out the [zone] and set sim.time_zone or --time-zone instead"
            }
            _ => {
                "write YYYY-MM-DDTHH:MM[:SS[.fff]] (or a space for the T), optionally ending in Z or an offset such as +02:00"
            }
        }
    }

    /// Whether this is a setting that is missing rather than a bad value: a
    /// reader stops at it instead of skipping the row.
    pub fn needs_zone(&self) -> bool {
        matches!(self, TimestampError::NeedsZone { .. })
    }
}

const LIKE: &str = "is not a timestamp like 2025-01-06T08:30 or 2025-01-06 08:30:15";

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimestampError::Malformed { text } => write!(f, "\"{text}\" {LIKE}"),
            TimestampError::NoSuchDate { text } => write!(f, "\"{text}\" {LIKE}: no such date"),
            TimestampError::OutOfRange { text } => {
                write!(f, "\"{text}\" {LIKE}: hour, minute or second out of range")
            }
            TimestampError::Annotation { text } => write!(
                f,
                "\"{text}\" names a time zone in brackets, which hospsim does not read"
            ),
            TimestampError::NeedsZone { text } => write!(
                f,
                "\"{text}\" has a UTC offset, but no time zone is set to turn it into the hospital's wall-clock time"
            ),
        }
    }
}

impl std::error::Error for TimestampError {}

/// Parses a timestamp: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM`, `YYYY-MM-DDTHH:MM:SS`
/// and `YYYY-MM-DDTHH:MM:SS.fff` (a space may stand for the `T`), civil or
/// ending in `Z` or an offset (`+02:00`, `-0500`, `+05`). An instant is turned
/// into `zone`'s wall-clock time; without a zone it is an error.
///
/// ```
/// use hospsim_sim::timestamp::{parse, time_zone};
/// let london = time_zone("Europe/London").unwrap();
/// let s = parse("2025-07-01T12:00Z", Some(&london)).unwrap();
/// assert_eq!(s.wall.to_string(), "2025-07-01T13:00:00");
/// assert!(parse("2025-07-01T12:00Z", None).is_err());
/// assert_eq!(parse("2025-07-01 12:00", None).unwrap().wall.to_string(), "2025-07-01T12:00:00");
/// ```
pub fn parse(text: &str, zone: Option<&TimeZone>) -> Result<Stamp, TimestampError> {
    let t = text.trim();
    let b = t.as_bytes();
    // jiff also reads ISO 8601's basic forms (20250106T0830) and six-digit
    // years; only the extended form with a four-digit year is a timestamp here.
    let extended = b.len() >= 10
        && b[4] == b'-'
        && b[7] == b'-'
        && (b.len() == 10 || (b.len() >= 16 && b[13] == b':'));
    if !t.is_ascii() || !extended || !b[..4].iter().all(u8::is_ascii_digit) {
        return Err(TimestampError::Malformed { text: t.into() });
    }
    let pieces = Pieces::parse(t).map_err(|_| classify(t))?;
    if pieces.time_zone_annotation().is_some() {
        return Err(TimestampError::Annotation { text: t.into() });
    }
    let time = pieces.time();
    let civil = pieces.date().to_datetime(time.unwrap_or(Time::midnight()));
    let Some(offset) = pieces.offset() else {
        return Ok(Stamp {
            wall: civil,
            instant: None,
            has_time: time.is_some(),
        });
    };
    let Some(zone) = zone else {
        return Err(TimestampError::NeedsZone { text: t.into() });
    };
    let offset = match offset {
        PiecesOffset::Zulu => jiff::tz::Offset::UTC,
        other => other.to_numeric_offset(),
    };
    let instant = offset
        .to_timestamp(civil)
        .map_err(|_| TimestampError::OutOfRange { text: t.into() })?;
    Ok(Stamp {
        wall: zone.to_datetime(instant),
        instant: Some(instant),
        has_time: true,
    })
}

/// Says what is wrong with a text jiff did not read: a date that does not
/// exist, a time out of range, or another form.
fn classify(t: &str) -> TimestampError {
    let num = |r: std::ops::Range<usize>| t.get(r).and_then(|s| s.parse::<i16>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return TimestampError::Malformed { text: t.into() };
    };
    if Date::new(y, m as i8, d as i8).is_err() {
        return TimestampError::NoSuchDate { text: t.into() };
    }
    let (Some(h), Some(mi)) = (num(11..13), num(14..16)) else {
        return TimestampError::Malformed { text: t.into() };
    };
    let sec = t.get(16..).and_then(|r| r.strip_prefix(':')).map(|r| {
        r.get(..2)
            .and_then(|s| s.parse::<i16>().ok())
            .unwrap_or(i16::MAX)
    });
    if h > 23 || mi > 59 || sec.is_some_and(|s| s > 60) {
        return TimestampError::OutOfRange { text: t.into() };
    }
    TimestampError::Malformed { text: t.into() }
}

/// Why a time zone name was not taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneError {
    /// The name as given.
    pub name: String,
    /// A close name, or examples.
    pub hint: String,
}

impl fmt::Display for ZoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\"{}\" is not a time zone: expected an IANA time zone name",
            self.name
        )
    }
}

impl std::error::Error for ZoneError {}

/// Looks up an IANA time zone name (case does not matter) in the bundled
/// database.
///
/// ```
/// let tz = hospsim_sim::timestamp::time_zone("asia/shanghai").unwrap();
/// assert_eq!(tz.iana_name(), Some("Asia/Shanghai"));
/// let e = hospsim_sim::timestamp::time_zone("Europe/Londn").unwrap_err();
/// assert!(e.hint.contains("Europe/London"));
/// ```
pub fn time_zone(name: &str) -> Result<TimeZone, ZoneError> {
    let db = TimeZoneDatabase::bundled();
    let trimmed = name.trim();
    if !trimmed.is_empty()
        && let Ok(tz) = db.get(trimmed)
    {
        return Ok(tz);
    }
    let wanted = trimmed.to_ascii_lowercase();
    let near = db
        .available()
        .map(|n| n.as_str().to_string())
        .filter(|n| {
            let n = n.to_ascii_lowercase();
            let city = n.rsplit('/').next().unwrap_or(&n);
            !wanted.is_empty() && (edit_distance(&n, &wanted) <= 2 || city == wanted)
        })
        .take(3)
        .collect::<Vec<_>>();
    // CEST, BST, IST: an abbreviation names no one zone (IST is India's,
    // Ireland's and Israel's), so the close names are only a second guess.
    let abbreviation =
        (2..=5).contains(&trimmed.len()) && trimmed.bytes().all(|c| c.is_ascii_uppercase());
    let hint = if near.is_empty() {
        format!(
            "IANA names such as {ZONE_EXAMPLES} (a region and a city, not an offset such as +02:00)"
        )
    } else if abbreviation {
        format!(
            "an abbreviation such as {trimmed} is not a zone: write the region and city, such as {ZONE_EXAMPLES} (or did you mean {}?)",
            near.join(" or ")
        )
    } else {
        format!("did you mean {}?", near.join(" or "))
    };
    Err(ZoneError {
        name: name.to_string(),
        hint,
    })
}

/// The name a zone is written back as (the database's spelling).
pub fn zone_name(tz: &TimeZone) -> &str {
    tz.iana_name().unwrap_or("UTC")
}

#[cfg(test)]
mod tests;

//! Calendar timestamps as minutes since 1970-01-01 00:00 of the wall clock:
//! read with jiff (the shared parser of `hospsim_sim::timestamp`), turned into
//! minutes and written back by hand, so that a million-row log is read in
//! about a second.

use hospsim_sim::timestamp::{TimeZone, TimestampError};

/// Days from 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number (inverse of `days_from_civil`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// A timestamp read: minutes since 1970-01-01 00:00 of the hospital's wall
/// clock, and for a timestamp with `Z` or an offset, of UTC (the instant).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Minutes {
    /// Wall-clock minutes: what rosters, profiles and hours of the week use.
    pub wall: f64,
    /// Minutes of the instant since the Unix epoch, when the text gave one:
    /// events across an autumn DST change are ordered by it.
    pub utc: Option<f64>,
}

/// Reads a timestamp (the forms of [`hospsim_sim::timestamp::parse`]): a
/// civil one as written, one with `Z` or an offset in `zone`'s wall clock
/// (refused without a zone).
///
/// ```
/// use hospsim_history::time::{parse_in, format_minutes};
/// let tz = hospsim_sim::timestamp::time_zone("Asia/Shanghai").unwrap();
/// let m = parse_in("2019-02-17T05:07:38Z", Some(&tz)).unwrap();
/// assert_eq!(format_minutes(m.wall), "2019-02-17T13:07:38");
/// assert!(parse_in("2019-02-17T05:07:38Z", None).is_err());
/// ```
pub fn parse_in(text: &str, zone: Option<&TimeZone>) -> Result<Minutes, TimestampError> {
    let s = hospsim_sim::timestamp::parse(text, zone)?;
    Ok(Minutes {
        wall: civil_minutes(s.wall),
        utc: s
            .instant
            .map(|t| t.as_second() as f64 / 60.0 + t.subsec_nanosecond() as f64 / 6e10),
    })
}

/// Reads a civil timestamp (`YYYY-MM-DD`, `YYYY-MM-DDTHH:MM`, `YYYY-MM-DD
/// HH:MM:SS(.fff)`) as wall-clock minutes since 1970-01-01 00:00. One with
/// `Z` or an offset is refused: it needs a zone ([`parse_in`]).
pub fn parse_minutes(text: &str) -> Result<f64, String> {
    parse_in(text, None)
        .map(|m| m.wall)
        .map_err(|e| e.to_string())
}

/// Formats minutes since 1970 as `YYYY-MM-DDTHH:MM:SS` (rounded to the second).
pub fn format_minutes(minutes: f64) -> String {
    let secs = (minutes * 60.0).round() as i64;
    let days = secs.div_euclid(86_400);
    let s = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        s / 3600,
        (s / 60) % 60,
        s % 60
    )
}

/// Minutes since 1970 of a civil date-time.
pub fn civil_minutes(dt: jiff::civil::DateTime) -> f64 {
    // Whole nanoseconds over 1e9 is the double nearest the decimal seconds,
    // as reading "15.25" as a number gives.
    let seconds = (dt.second() as i64 * 1_000_000_000 + dt.subsec_nanosecond() as i64) as f64 / 1e9;
    days_from_civil(dt.year() as i64, dt.month() as u32, dt.day() as u32) as f64 * 1440.0
        + dt.hour() as f64 * 60.0
        + dt.minute() as f64
        + seconds / 60.0
}

/// Minute of the week (Monday 00:00 = 0) of minutes since 1970 (a Thursday).
pub fn minute_of_week(minutes: f64) -> f64 {
    (minutes + 3.0 * 1440.0).rem_euclid(10_080.0)
}

/// Start of the day (midnight) containing the time.
pub fn midnight(minutes: f64) -> f64 {
    (minutes / 1440.0).floor() * 1440.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects() {
        let m = parse_minutes("2025-01-06T08:30").unwrap();
        assert_eq!(format_minutes(m), "2025-01-06T08:30:00");
        assert_eq!(minute_of_week(m), 8.0 * 60.0 + 30.0); // a Monday
        assert_eq!(
            parse_minutes("2024-02-29 23:59:30").unwrap() % 1440.0,
            1439.5
        );
        // An offset is no longer dropped: without a zone it is refused, with
        // one the instant is read in its wall clock.
        assert!(parse_minutes("2019-02-17T04:32:18Z").is_err());
        assert!(parse_minutes("2019-02-17T04:32:18+01:00").is_err());
        let utc = hospsim_sim::timestamp::UTC;
        let z = parse_in("2019-02-17T04:32:18Z", Some(&utc)).unwrap();
        assert_eq!(z.wall, parse_minutes("2019-02-17 04:32:18").unwrap());
        assert_eq!(z.utc, Some(z.wall));
        let plus = parse_in("2019-02-17T04:32:18+01:00", Some(&utc)).unwrap();
        assert_eq!(plus.wall, z.wall - 60.0);
        assert_eq!(
            parse_minutes("2025-01-06T08:30:15.25").unwrap(),
            parse_minutes("2025-01-06T08:30").unwrap() + 15.25 / 60.0
        );
        assert_eq!(parse_minutes("2019-02-17").unwrap() % 1440.0, 0.0);
        for bad in [
            "2025年01-06T08:00",
            "2025-01-06T08:0é",
            "2023-02-29T00:00",
            "2025-13-01",
            "yesterday",
            "2025-01-06T25:00",
            "2025-01-06T8:00",
        ] {
            assert!(parse_minutes(bad).is_err(), "{bad}");
        }
        for days in [-1000i64, 0, 19_000, 60_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_round_trips(text in "\\PC{0,30}", minutes in -1.0e7f64..1.0e8) {
            let _ = parse_minutes(&text);
            let whole = (minutes * 60.0).round() / 60.0;
            let back = parse_minutes(&format_minutes(whole)).unwrap();
            proptest::prop_assert!((back - whole).abs() < 1e-6, "{} -> {}", whole, back);
        }
    }
}

//! Durations with their unit written out (`"45 min"`, `"3.5 h"`, `"2 d"`).
//!
//! The kernel measures time in minutes (`f64`). Scenario files never give a bare
//! number for a duration: a planner reading `los = 3` cannot tell hours from days,
//! so a unit is required and the parser says which units exist.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::limits::MAX_DURATION_MINUTES;

/// A non-negative span of time, stored in minutes.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "DurationText", into = "String")]
pub struct Duration(f64);

impl schemars::JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": DURATION_HINT,
            "pattern": "^\\s*[+]?[0-9]*\\.?[0-9]+([eE][+-]?[0-9]+)?\\s*[A-Za-z]+\\s*$"
        })
    }
}

impl Duration {
    /// A duration of `m` minutes.
    pub fn from_minutes(m: f64) -> Self {
        Duration(m)
    }

    /// The duration in minutes, the kernel's unit of time.
    pub fn minutes(self) -> f64 {
        self.0
    }
}

/// The accepted units, with their length in minutes, for parsing and for error hints.
const UNITS: &[(&[&str], f64)] = &[
    (&["s", "sec", "secs", "second", "seconds"], 1.0 / 60.0),
    (&["min", "mins", "minute", "minutes"], 1.0),
    (&["h", "hr", "hrs", "hour", "hours"], 60.0),
    (&["d", "day", "days"], 1440.0),
    (&["w", "wk", "week", "weeks"], 10080.0),
];

/// What a duration looks like, for error messages.
pub const DURATION_HINT: &str =
    "write a number and a unit, e.g. \"45 min\", \"3.5 h\", \"2 d\" (units: s, min, h, d, w)";

/// Minutes per unit name, or `None` for an unknown unit.
pub fn unit_minutes(unit: &str) -> Option<f64> {
    let u = unit.trim().to_ascii_lowercase();
    UNITS
        .iter()
        .find(|(names, _)| names.contains(&u.as_str()))
        .map(|&(_, m)| m)
}

/// Length of the number at the start of `t`: digits and a decimal point, with
/// an optional exponent (`1e3`, `2.5E-1`), so that `"1e9 d"` is read as a number
/// and a unit, not as `1` and the unit `e9 d`.
fn number_len(t: &str) -> usize {
    let b = t.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    i
}

/// Parses `"<number> <unit>"` into minutes.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = number_len(t);
    let (num, unit) = t.split_at(split);
    if unit.trim().is_empty() {
        return Err(format!("duration \"{text}\" has no unit; {DURATION_HINT}"));
    }
    let value: f64 = num.trim().parse().map_err(|_| {
        format!("duration \"{text}\" does not start with a number; {DURATION_HINT}")
    })?;
    let per = unit_minutes(unit).ok_or_else(|| {
        if unit.trim() == "m" || unit.trim() == "M" {
            format!("duration \"{text}\": \"m\" is ambiguous (minutes or months?); write \"min\"")
        } else {
            format!(
                "duration \"{text}\" has unknown unit \"{}\"; {DURATION_HINT}",
                unit.trim()
            )
        }
    })?;
    if !value.is_finite() || value < 0.0 {
        return Err(format!("duration \"{text}\" must be a finite number >= 0"));
    }
    let minutes = value * per;
    if minutes > MAX_DURATION_MINUTES {
        return Err(format!(
            "duration \"{text}\" is out of range: durations run up to 100 years (36525 d)"
        ));
    }
    Ok(Duration(minutes))
}

/// Serde helper: a duration arrives as a string, and a bare number gets a clear error.
#[derive(Deserialize)]
#[serde(untagged)]
enum DurationText {
    Text(String),
    Number(f64),
}

impl TryFrom<DurationText> for Duration {
    type Error = String;
    fn try_from(v: DurationText) -> Result<Self, String> {
        match v {
            DurationText::Text(s) => parse_duration(&s),
            DurationText::Number(n) => Err(format!(
                "a duration needs a unit, got the bare number {n}; {DURATION_HINT}"
            )),
        }
    }
}

impl From<Duration> for String {
    fn from(d: Duration) -> String {
        d.to_string()
    }
}

impl fmt::Display for Duration {
    /// Shown in the largest unit that divides it evenly, so echoes read like the input.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        for (unit, per) in [("w", 10080.0), ("d", 1440.0), ("h", 60.0)] {
            if m >= per && (m / per - (m / per).round()).abs() < 1e-9 {
                return write!(f, "{} {unit}", (m / per).round());
            }
        }
        write!(f, "{m} min")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("45 min").unwrap().minutes(), 45.0);
        assert_eq!(parse_duration("3.5 h").unwrap().minutes(), 210.0);
        assert_eq!(parse_duration("2d").unwrap().minutes(), 2880.0);
        assert_eq!(parse_duration("30 s").unwrap().minutes(), 0.5);
        assert_eq!(parse_duration("1 week").unwrap().minutes(), 10080.0);
    }

    #[test]
    fn rejects_missing_or_ambiguous_units() {
        assert!(parse_duration("45").unwrap_err().contains("no unit"));
        assert!(parse_duration("4 m").unwrap_err().contains("ambiguous"));
        assert!(
            parse_duration("4 fortnights")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_duration("-4 h").is_err());
    }

    #[test]
    fn reads_exponents_and_refuses_what_is_out_of_range() {
        assert_eq!(parse_duration("1e3 min").unwrap().minutes(), 1000.0);
        assert_eq!(parse_duration("2.5E-1 h").unwrap().minutes(), 15.0);
        let e = parse_duration("1e9 d").unwrap_err();
        assert!(e.contains("out of range") && e.contains("100 years"), "{e}");
        assert!(parse_duration("36525 d").is_ok());
        assert!(
            parse_duration("h")
                .unwrap_err()
                .contains("does not start with a number")
        );
        assert!(
            parse_duration("1e")
                .unwrap_err()
                .contains("unknown unit \"e\"")
        );
    }

    #[test]
    fn displays_in_round_units() {
        assert_eq!(Duration::from_minutes(2880.0).to_string(), "2 d");
        assert_eq!(Duration::from_minutes(90.0).to_string(), "90 min");
        assert_eq!(Duration::from_minutes(120.0).to_string(), "2 h");
    }
}

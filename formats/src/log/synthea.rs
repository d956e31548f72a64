//! Synthea's `encounters.csv`: one row per encounter, read as a visit's
//! events. Synthea writes UTC (`2019-02-17T05:07:38Z`), so its rows need a
//! time zone; START and STOP are compared as instants.

use super::Builder;
use crate::FormatError;

/// One Synthea encounter as events: arrival at START, departure at STOP; an
/// emergency encounter is an ED visit, an inpatient one an admission to `ward`.
pub(super) fn row(
    b: &mut Builder,
    line: u64,
    id: &str,
    class: &str,
    start: &str,
    stop: &str,
) -> Result<(), FormatError> {
    let class = class.to_ascii_lowercase();
    let (arrival_unit, admit_unit) = match class.as_str() {
        "emergency" => ("ed", None),
        "inpatient" => ("", Some("ward")),
        "urgentcare" => ("urgent_care", None),
        other => (other, None),
    };
    if id.is_empty() {
        return b.reject(line, id, "patient_id is empty".into());
    }
    let Some(a) = b.stamp(line, id, "START", start)? else {
        return Ok(());
    };
    let s = match stop {
        "" => None,
        _ => match b.stamp(line, id, "STOP", stop)? {
            Some(s) => Some(s),
            None => return Ok(()),
        },
    };
    if let Some(s) = s {
        let before = match (s.utc, a.utc) {
            (Some(x), Some(y)) => x < y,
            _ => s.wall < a.wall,
        };
        if before {
            return b.reject(line, id, format!("STOP {stop} is before START {start}"));
        }
    }
    let n = b.rejects.len();
    b.event(line, id, &class, "", arrival_unit, "arrival", a)?;
    if b.rejects.len() > n {
        return Ok(());
    }
    if let Some(u) = admit_unit {
        b.event(line, id, &class, "", u, "admit", a)?;
    }
    let Some(s) = s else {
        return Ok(()); // still in hospital
    };
    if class == "emergency" {
        b.event(line, id, &class, "", "ed", "ed_departure", s)?;
    }
    b.event(line, id, &class, "", "", "discharge", s)
}

//! Census snapshots: who is in which unit now (`unit, class, arrived_at`, and
//! optionally `patient_id, acuity, admitted_at`), the start of a projection.

use crate::FormatError;
use crate::time::{Minutes, parse_in};
use hospsim_sim::timestamp::TimeZone;

/// Most patients one snapshot may list (more than any hospital holds).
pub const MAX_PATIENTS: usize = 1_000_000;

/// One patient in hospital at the snapshot's time.
pub use hospsim_history::project::CensusEntry as SnapshotRow;

/// Reads a census snapshot from `input` (`file` names it in errors); the
/// first bad row is an error. Timestamps with `Z` or an offset are read in
/// `zone`'s wall clock (refused without one).
///
/// ```
/// use hospsim_formats::snapshot::read_snapshot;
/// let text = "patient_id,unit,class,acuity,arrived_at,admitted_at\n\
///             p1,medical_ward,ed,3,2025-01-05T10:00,2025-01-05T16:00\n";
/// let rows = read_snapshot(text.as_bytes(), "census.csv", None).unwrap();
/// assert_eq!(rows[0].unit, "medical_ward");
/// assert_eq!(rows[0].admitted - rows[0].arrived, 360.0);
/// ```
pub fn read_snapshot(
    input: impl std::io::Read,
    file: &str,
    zone: Option<&TimeZone>,
) -> Result<Vec<SnapshotRow>, FormatError> {
    let (mut rdr, lines) = crate::csv_reader(csv::ReaderBuilder::new().flexible(true), input);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| crate::csv_error(file, &lines, e))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let col = |n: &str| header.iter().position(|h| h == n);
    let (Some(ui), Some(ci), Some(ai)) = (col("unit"), col("class"), col("arrived_at")) else {
        return Err(FormatError::at(
            file,
            1,
            format!(
                "a snapshot needs columns unit, class, arrived_at (and optionally patient_id, acuity, admitted_at); found: {}",
                header.join(", ")
            ),
        ));
    };
    let (acu, adm) = (col("acuity"), col("admitted_at"));
    let mut rows = vec![];
    for rec in rdr.records() {
        let rec = rec.map_err(|e| crate::csv_error(file, &lines, e))?;
        let line = rec.position().map_or(0, |p| lines.line(Some(p)));
        if rows.len() >= MAX_PATIENTS {
            return Err(FormatError::at(
                file,
                line,
                format!("a snapshot lists at most {MAX_PATIENTS} patients"),
            ));
        }
        let get = |i: usize| rec.get(i).unwrap_or("").trim();
        let stamp = |field: &str, text: &str| -> Result<Minutes, FormatError> {
            parse_in(text, zone)
                .map_err(|e| FormatError::at(file, line, format!("{field}: {e}")).hint(e.hint()))
        };
        let arrived = stamp("arrived_at", get(ai))?;
        let admitted = match adm.map(get).filter(|s| !s.is_empty()) {
            Some(s) => stamp("admitted_at", s)?,
            None => arrived,
        };
        let before = match (admitted.utc, arrived.utc) {
            (Some(a), Some(b)) => a < b,
            _ => admitted.wall < arrived.wall,
        };
        if before {
            return Err(FormatError::at(
                file,
                line,
                format!(
                    "admitted_at {} is before arrived_at {}",
                    get(adm.unwrap_or(ai)),
                    get(ai)
                ),
            ));
        }
        let acuity = match acu.map(get).unwrap_or("") {
            "" => 0,
            a => match a.parse::<u8>() {
                Ok(v @ 1..=5) => v,
                _ => {
                    return Err(FormatError::at(
                        file,
                        line,
                        format!("acuity \"{a}\" is not 1..5 (or blank)"),
                    ));
                }
            },
        };
        rows.push(SnapshotRow {
            line,
            unit: get(ui).to_string(),
            class: get(ci).to_string(),
            acuity,
            arrived: arrived.wall,
            // Kept from running backwards in an autumn DST change's repeated hour.
            admitted: admitted.wall.max(arrived.wall),
        });
    }
    Ok(rows)
}

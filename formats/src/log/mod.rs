//! Reading an event log (or a Synthea `encounters.csv`) into visits, with every
//! rejected row kept with its line number and reason.

use crate::FormatError;
use crate::time::{Minutes, midnight, minute_of_week, parse_in};
use hospsim_history::{Visit, Visits};
use hospsim_sim::history::{Event, NO_UNIT, UnitKind, event_names};
use hospsim_sim::timestamp::TimeZone;
use std::collections::HashMap;

mod gaps;
mod synthea;

/// A row that was not taken, and why.
#[derive(Clone, Debug)]
pub struct Reject {
    /// Line of the row.
    pub line: u64,
    /// Its patient id (may be empty).
    pub patient: String,
    /// Why it was not taken.
    pub reason: String,
}

/// Names the log must use: those of a scenario's classes and `[history.units]`.
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// The classes a scenario has (`None`: any name, as `fit` reads).
    pub classes: Option<Vec<String>>,
    /// The `[history.units]` a scenario has, with their kinds (`None`: any).
    pub units: Option<(Vec<String>, Vec<UnitKind>)>,
}

impl Known {
    /// The names of a compiled model.
    pub fn of_model(m: &hospsim_sim::Model) -> Known {
        Known {
            classes: Some(m.classes.iter().map(|c| c.name.clone()).collect()),
            units: Some((m.history.unit_names.clone(), m.history.unit_kinds.clone())),
        }
    }
}

/// How a log is read.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// Stop at the first bad row (else bad rows are listed and the rest read).
    pub strict: bool,
    /// Accept a log with no events for more than [`MAX_GAP_DAYS`] (else refused:
    /// such a gap is most often a typo in a year, and a replay over it would
    /// simulate the empty years).
    pub allow_gaps: bool,
    /// The hospital's time zone: timestamps with `Z` or an offset are read in
    /// its wall clock (none: such a timestamp stops the read with a hint).
    pub time_zone: Option<TimeZone>,
}

/// Most rows a log may have (20 million events is about a gigabyte of visits).
pub const MAX_ROWS: u64 = 20_000_000;

/// Longest stretch without any event that a log may have unless allowed.
pub const MAX_GAP_DAYS: f64 = 30.0;

/// Longest a log may span (100 years), gaps allowed or not.
const MAX_SPAN_DAYS: f64 = 36_525.0;

/// A log read from a file.
pub struct ReadLog {
    /// The visits, with times in minutes from `origin`.
    pub visits: Visits,
    /// Minutes since 1970 of the visits' time 0 (midnight before the first arrival).
    pub origin: f64,
    /// Data rows read.
    pub rows: u64,
    /// Rows not taken, in order.
    pub rejects: Vec<Reject>,
    /// `event log` or `Synthea encounters`.
    pub format: &'static str,
}

struct Builder {
    known: Known,
    strict: bool,
    allow_gaps: bool,
    zone: Option<TimeZone>,
    /// Time and line of every event taken, for the check on gaps.
    times: Vec<(f64, u64)>,
    file: String,
    classes: Vec<String>,
    units: Vec<String>,
    kinds: Vec<UnitKind>,
    index: HashMap<String, usize>,
    visits: Vec<Visit>,
    /// Per visit: its last event's time and line, and whether it closed it.
    state: Vec<Last>,
    rejects: Vec<Reject>,
    rows: u64,
}

/// A visit's latest event, for the checks on the next.
#[derive(Clone, Copy)]
struct Last {
    time: Minutes,
    line: u64,
    closed: bool,
}

/// Event-log columns (lower case); extra columns are allowed and ignored.
const REQUIRED: [&str; 4] = ["patient_id", "class", "event", "timestamp"];

impl Builder {
    /// Counts a data row; a log past [`MAX_ROWS`] is refused before its
    /// visits fill the memory.
    fn count_row(&mut self, line: u64) -> Result<(), FormatError> {
        self.rows += 1;
        if self.rows > MAX_ROWS {
            return Err(FormatError::at(
                &self.file,
                line,
                format!("the log has more than {MAX_ROWS} rows, the most one run reads"),
            )
            .hint("give a shorter period, or split the log"));
        }
        Ok(())
    }

    fn reject(&mut self, line: u64, patient: &str, reason: String) -> Result<(), FormatError> {
        if self.strict {
            return Err(FormatError::at(&self.file, line, reason).hint(
                "without --strict, bad rows are listed in rejects.csv and the rest is read",
            ));
        }
        self.rejects.push(Reject {
            line,
            patient: patient.to_string(),
            reason,
        });
        Ok(())
    }

    /// Reads a timestamp; a bad one rejects the row (`None`), one that needs a
    /// time zone when none is set stops the read: every such row would fail.
    fn stamp(
        &mut self,
        line: u64,
        patient: &str,
        field: &str,
        text: &str,
    ) -> Result<Option<Minutes>, FormatError> {
        match parse_in(text, self.zone.as_ref()) {
            Ok(m) => Ok(Some(m)),
            Err(e) if e.needs_zone() => {
                Err(FormatError::at(&self.file, line, format!("{field}: {e}")).hint(e.hint()))
            }
            Err(e) => {
                self.reject(line, patient, format!("{field}: {e}"))?;
                Ok(None)
            }
        }
    }

    fn class_index(&mut self, name: &str) -> Result<u16, String> {
        if let Some(i) = self.classes.iter().position(|c| c == name) {
            return Ok(i as u16);
        }
        if let Some(k) = &self.known.classes {
            return Err(format!(
                "unknown class \"{name}\" (the scenario's classes: {})",
                k.join(", ")
            ));
        }
        same_identifier("class", name, &self.classes)?;
        self.classes.push(name.to_string());
        Ok((self.classes.len() - 1) as u16)
    }

    fn unit_index(&mut self, name: &str) -> Result<u16, String> {
        if name.is_empty() {
            return Ok(NO_UNIT);
        }
        if let Some(i) = self.units.iter().position(|c| c == name) {
            return Ok(i as u16);
        }
        if self.known.units.is_some() {
            return Err(format!(
                "unknown unit \"{name}\" (the scenario's [history.units]: {})",
                self.units.join(", ")
            ));
        }
        same_identifier("unit", name, &self.units)?;
        self.units.push(name.to_string());
        self.kinds.push(UnitKind::guess(name));
        Ok((self.units.len() - 1) as u16)
    }

    /// Validates one event and adds it to its visit, or rejects the row.
    #[allow(clippy::too_many_arguments)]
    fn event(
        &mut self,
        line: u64,
        patient: &str,
        class: &str,
        acuity: &str,
        unit: &str,
        event: &str,
        stamp: Minutes,
    ) -> Result<(), FormatError> {
        let mut t = stamp.wall;
        let Some(ev) = Event::parse(event) else {
            return self.reject(
                line,
                patient,
                format!("unknown event \"{event}\" (events: {})", event_names()),
            );
        };
        let acuity: u8 = match acuity.trim() {
            "" => 0,
            a => match a.parse::<u8>() {
                Ok(v @ 1..=5) => v,
                _ => {
                    return self.reject(
                        line,
                        patient,
                        format!("acuity \"{a}\" is not 1..5 (or blank)"),
                    );
                }
            },
        };
        let class = match self.class_index(class.trim()) {
            Ok(c) => c,
            Err(e) => return self.reject(line, patient, e),
        };
        let unit = match self.unit_index(unit.trim()) {
            Ok(u) => u,
            Err(e) => return self.reject(line, patient, e),
        };
        if unit == NO_UNIT && matches!(ev, Event::Admit | Event::Transfer | Event::TheatreStart) {
            return self.reject(
                line,
                patient,
                format!("event \"{}\" needs a unit", ev.name()),
            );
        }
        match self.index.get(patient).copied() {
            None => {
                if ev != Event::Arrival {
                    return self.reject(
                        line,
                        patient,
                        format!(
                            "\"{}\" before the patient's arrival (the first row of a patient must be its arrival)",
                            ev.name()
                        ),
                    );
                }
                self.times.push((t, line));
                self.index.insert(patient.to_string(), self.visits.len());
                self.visits.push(Visit {
                    id: patient.to_string(),
                    class,
                    acuity,
                    events: vec![(t, ev, unit)],
                });
                self.state.push(Last {
                    time: stamp,
                    line,
                    closed: ev.is_final(),
                });
            }
            Some(i) => {
                let Last {
                    time: last,
                    line: last_line,
                    closed,
                } = self.state[i];
                // Two instants are ordered by UTC: at an autumn DST change the
                // wall clock runs the repeated hour twice.
                let earlier = match (stamp.utc, last.utc) {
                    (Some(a), Some(b)) => a < b,
                    _ => t < last.wall,
                };
                let reason = if ev == Event::Arrival {
                    Some(format!(
                        "a second arrival for patient \"{patient}\" (its latest event is at line {last_line})"
                    ))
                } else if closed {
                    Some(format!(
                        "\"{}\" after the patient's departure (line {last_line})",
                        ev.name()
                    ))
                } else if earlier {
                    Some(format!(
                        "out of order: {} is before the patient's previous event at {} (line {last_line})",
                        crate::time::format_minutes(t),
                        crate::time::format_minutes(last.wall)
                    ))
                } else if self.visits[i].class != class {
                    Some(format!(
                        "class \"{}\" differs from the patient's arrival row (\"{}\")",
                        self.classes[class as usize], self.classes[self.visits[i].class as usize]
                    ))
                } else {
                    None
                };
                if let Some(r) = reason {
                    return self.reject(line, patient, r);
                }
                if self.visits[i].acuity == 0 {
                    self.visits[i].acuity = acuity;
                }
                // Later in fact but earlier on the wall clock (the repeated
                // hour): the event is kept at the previous one's time, so that
                // a visit's wall-clock times never run backwards.
                t = t.max(last.wall);
                self.times.push((t, line));
                self.visits[i].events.push((t, ev, unit));
                self.state[i] = Last {
                    time: Minutes {
                        wall: t,
                        utc: stamp.utc,
                    },
                    line,
                    closed: ev.is_final(),
                };
            }
        }
        Ok(())
    }

    fn finish(mut self, format: &'static str) -> Result<ReadLog, FormatError> {
        if self.visits.is_empty() {
            return Err(FormatError::file(
                &self.file,
                format!(
                    "no usable visits ({} rows, {} rejected{})",
                    self.rows,
                    self.rejects.len(),
                    self.rejects
                        .first()
                        .map(|r| format!("; first: line {}: {}", r.line, r.reason))
                        .unwrap_or_default()
                ),
            ));
        }
        let first = self
            .visits
            .iter()
            .map(|v| v.events[0].0)
            .fold(f64::INFINITY, f64::min);
        let last = self
            .visits
            .iter()
            .filter_map(|v| v.events.last().map(|e| e.0))
            .fold(f64::NEG_INFINITY, f64::max);
        self.check_gaps()?;
        let origin = midnight(first);
        for v in &mut self.visits {
            for e in &mut v.events {
                e.0 -= origin;
            }
        }
        self.visits
            .sort_by(|a, b| a.arrival().total_cmp(&b.arrival()).then(a.id.cmp(&b.id)));
        Ok(ReadLog {
            visits: Visits {
                classes: self.classes,
                units: self.units,
                unit_kinds: self.kinds,
                origin_minute_of_week: minute_of_week(origin),
                from: 0.0,
                to: (last - origin).max(1.0),
                visits: self.visits,
            },
            origin,
            rows: self.rows,
            rejects: self.rejects,
            format,
        })
    }
}

/// Reads an event log or a Synthea `encounters.csv` (told apart by the
/// header) from `input`; `file` names it in errors.
///
/// ```
/// use hospsim_formats::log::{read_log, Known, ReadOptions};
/// let text = "patient_id,class,acuity,unit,event,timestamp\n\
///             a,ed,3,ed,arrival,2025-01-06T08:00\n\
///             a,ed,3,,discharge,2025-01-06T11:30\n";
/// let log = read_log(text.as_bytes(), "log.csv", &Known::default(), ReadOptions::default()).unwrap();
/// assert_eq!(log.visits.visits.len(), 1);
/// assert!(log.rejects.is_empty());
/// ```
pub fn read_log(
    input: impl std::io::Read,
    file: &str,
    known: &Known,
    opts: ReadOptions,
) -> Result<ReadLog, FormatError> {
    let file = file.to_string();
    let (mut rdr, lines) = crate::csv_reader(csv::ReaderBuilder::new().flexible(true), input);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| crate::csv_error(&file, &lines, e))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let (classes, units, kinds) = match &known.units {
        Some((u, k)) => (
            known.classes.clone().unwrap_or_default(),
            u.clone(),
            k.clone(),
        ),
        None => (known.classes.clone().unwrap_or_default(), vec![], vec![]),
    };
    let mut b = Builder {
        known: known.clone(),
        strict: opts.strict,
        allow_gaps: opts.allow_gaps,
        zone: opts.time_zone.clone(),
        times: vec![],
        file: file.clone(),
        classes,
        units,
        kinds,
        index: HashMap::new(),
        visits: vec![],
        state: vec![],
        rejects: vec![],
        rows: 0,
    };
    let col = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    if ["Id", "START", "STOP", "ENCOUNTERCLASS"]
        .iter()
        .all(|c| col(c).is_some())
    {
        let (id, start, stop, class) = (
            col("Id").unwrap_or(0),
            col("START").unwrap_or(0),
            col("STOP").unwrap_or(0),
            col("ENCOUNTERCLASS").unwrap_or(0),
        );
        for rec in rdr.records() {
            let rec = rec.map_err(|e| crate::csv_error(&file, &lines, e))?;
            let line = rec.position().map_or(0, |p| lines.line(Some(p)));
            b.count_row(line)?;
            let get = |i: usize| rec.get(i).unwrap_or("").trim();
            synthea::row(&mut b, line, get(id), get(class), get(start), get(stop))?;
        }
        return b.finish("Synthea encounters");
    }
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| col(c).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(FormatError::at(
            &file,
            1,
            format!(
                "the header lacks column(s) {}; found: {}",
                missing.join(", "),
                header.join(", ")
            ),
        )
        .hint("an event log has columns patient_id, class, acuity, unit, event, timestamp (docs/data-formats.md); a Synthea export has Id, START, STOP, ENCOUNTERCLASS"));
    }
    let (pi, ci, ei, ti) = (
        col("patient_id").unwrap_or(0),
        col("class").unwrap_or(0),
        col("event").unwrap_or(0),
        col("timestamp").unwrap_or(0),
    );
    let (ai, ui) = (col("acuity"), col("unit"));
    let n_cols = header.len();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| crate::csv_error(&file, &lines, e))?;
        let line = rec.position().map_or(0, |p| lines.line(Some(p)));
        b.count_row(line)?;
        let get = |i: usize| rec.get(i).unwrap_or("").trim();
        if rec.len() != n_cols {
            let p = get(pi).to_string();
            b.reject(
                line,
                &p,
                format!("{} fields where the header has {n_cols}", rec.len()),
            )?;
            continue;
        }
        let (p, c, e, t) = (get(pi), get(ci), get(ei), get(ti));
        let a = ai.map_or("", |i| get(i));
        let u = ui.map_or("", |i| get(i));
        if p.is_empty() {
            b.reject(line, p, "patient_id is empty".into())?;
            continue;
        }
        let Some(t) = b.stamp(line, p, "timestamp", t)? else {
            continue;
        };
        b.event(line, p, c, a, u, e, t)?;
    }
    b.finish("event log")
}

/// A new class or unit name that would be the same identifier in a fitted
/// scenario as one already seen ("ED" and "ed", "ward A" and "ward_a").
fn same_identifier(what: &str, name: &str, seen: &[String]) -> Result<(), String> {
    let id = hospsim_history::derive::ident(name);
    match seen
        .iter()
        .find(|s| hospsim_history::derive::ident(s) == id)
    {
        Some(other) => Err(format!(
            "{what} \"{name}\" and \"{other}\" differ only in case or punctuation, so they would be one {what} (\"{id}\") in a scenario; write them the same way, or name them apart"
        )),
        None => Ok(()),
    }
}

//! History commands: `generate-history`, `fit`, `validate`, `project` and the
//! `--replay` option of `run`.

mod fit;
mod project;
mod validate;

pub(crate) use fit::fit;
pub(crate) use hospsim_formats::log::{Known, ReadLog, ReadOptions};
pub(crate) use hospsim_formats::time;
pub(crate) use project::{ProjectArgs, project};
pub(crate) use validate::{ValidateArgs, validate};

use crate::{load, output};
use anyhow::{Context, Result, anyhow};
use hospsim_formats::write::CsvWriter;
use hospsim_sim::Model;
use hospsim_sim::history::visit_label;
use hospsim_sim::history::{Event, LogRow, NO_UNIT};
use std::fmt::Write as _;
use std::path::Path;

/// Reads an event log or a Synthea export from a file.
pub(crate) fn read_log(path: &Path, known: &Known, opts: ReadOptions) -> Result<ReadLog> {
    let f = std::fs::File::open(path)
        .with_context(|| format!("cannot open the log {}", path.display()))?;
    // A large buffer: a million-row log is read in few system calls.
    Ok(hospsim_formats::log::read_log(
        std::io::BufReader::with_capacity(1 << 20, f),
        &path.display().to_string(),
        known,
        opts,
    )?)
}

/// Event-log CSV of simulated rows; `origin` is the minute (since 1970) of time 0.
pub(crate) fn log_csv(m: &Model, rows: &[LogRow], origin: f64) -> std::io::Result<Vec<u8>> {
    let mut sorted: Vec<&LogRow> = rows.iter().collect();
    // Stable: a patient's events at the same instant keep their order.
    sorted.sort_by(|a, b| a.t.total_cmp(&b.t));
    let mut w = CsvWriter::new(Vec::with_capacity(rows.len() * 64));
    w.row([
        "patient_id",
        "class",
        "acuity",
        "unit",
        "event",
        "timestamp",
    ])?;
    for r in sorted {
        let Some(ev) = Event::from_index(r.event) else {
            continue;
        };
        let unit = if r.unit == NO_UNIT {
            ""
        } else {
            m.history.unit_names[r.unit as usize].as_str()
        };
        w.record(&[
            &visit_label(r.id),
            &m.classes[r.class as usize].name,
            &r.acuity,
            &unit,
            &ev.name(),
            &time::format_minutes(origin + r.t),
        ])?;
    }
    w.into_bytes()
}

/// The patients in a unit at the end of a simulated run: a census snapshot for
/// `project`; `start` is the minute (since 1970) of simulated time 0.
pub(crate) fn census_csv(
    m: &Model,
    rows: &[hospsim_sim::history::CensusRow],
    start: f64,
) -> std::io::Result<Vec<u8>> {
    let mut w = CsvWriter::in_memory();
    w.row([
        "patient_id",
        "class",
        "acuity",
        "unit",
        "arrived_at",
        "admitted_at",
    ])?;
    for r in rows {
        w.record(&[
            &visit_label(r.id),
            &m.classes[r.class as usize].name,
            &r.acuity,
            &m.history.unit_names[r.unit as usize],
            &time::format_minutes(start + r.arrival),
            &time::format_minutes(start + r.since),
        ])?;
    }
    w.into_bytes()
}

/// `hospsim generate-history`: a log from one simulated replication.
pub(crate) fn generate_history(
    scenario: &Path,
    days: f64,
    seed: u64,
    out: &Path,
    sets: &[String],
    census: Option<&Path>,
    quiet: bool,
) -> Result<()> {
    if !(days > 0.0 && days <= 3660.0) {
        return Err(anyhow!("--days must be between 0 and 3660, got {days}"));
    }
    let probe = load::load_file(scenario, sets)?;
    let warm = probe.model.warmup;
    let mut sets = sets.to_vec();
    sets.push(format!("sim.horizon=\"{} min\"", warm + days * 1440.0));
    let model = load::load_file(scenario, &sets)?.model;
    let plan = hospsim_sim::plan::RunPlan {
        replications: Some(1),
        seed: Some(seed),
        ..Default::default()
    };
    let model = crate::planned(&model, &plan)?;
    let (rows, snapshot) = hospsim_sim::runner::run_logged(&model, &|| {}, &|o| (o.log, o.census))?
        .pop()
        .unwrap_or_default();
    let start = time::civil_minutes(model.start);
    let origin = start + model.warmup;
    // Each file is written beside its target under a temporary name and
    // renamed into place only when whole.
    let (log_file, mut w) = crate::staging::StagedFile::begin(out)?;
    std::io::Write::write_all(&mut w, &log_csv(&model, &rows, start)?)
        .with_context(|| format!("cannot write {}", out.display()))?;
    let census_file = match census {
        Some(c) => {
            let (f, mut cw) = crate::staging::StagedFile::begin(c)?;
            std::io::Write::write_all(&mut cw, &census_csv(&model, &snapshot, start)?)
                .with_context(|| format!("cannot write {}", c.display()))?;
            Some((f, cw))
        }
        None => None,
    };
    let mut written = vec![log_file.commit(w)?];
    if let Some((f, cw)) = census_file {
        written.push(f.commit(cw)?);
    }
    let v = hospsim_history::Visits::of_model(&model, &rows);
    if !quiet {
        outln!(
            "{}: {} visits, {} events over {days} days from {} (after {} days of warm-up), seed {seed}",
            model.name,
            v.visits.len(),
            rows.len(),
            time::format_minutes(origin),
            warm / 1440.0
        )?;
        if model.history.unit_names.is_empty() {
            outln!(
                "  note: the scenario has no [history.units]: the log has arrivals and departures only"
            )?;
        }
        output::announce(false, "", &written)?;
    }
    Ok(())
}

pub(crate) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let t: String = s.chars().take(n - 1).collect();
        format!("{t}…")
    }
}

/// Minutes in the unit a reader expects: min, h or d.
pub(crate) fn human_minutes(m: f64) -> String {
    if !m.is_finite() {
        "-".into()
    } else if m < 120.0 {
        format!("{m:.1} min")
    } else if m < 2880.0 {
        format!("{:.2} h", m / 60.0)
    } else {
        format!("{:.2} d", m / 1440.0)
    }
}

pub(crate) fn reject_preview(s: &mut String, read: &ReadLog) {
    for r in read.rejects.iter().take(5) {
        let _ = writeln!(s, "  rejected line {}: {}", r.line, r.reason);
    }
    if read.rejects.len() > 5 {
        let _ = writeln!(
            s,
            "  ... and {} more in rejects.csv",
            read.rejects.len() - 5
        );
    }
}

pub(crate) fn rejects_csv(read: &ReadLog) -> std::io::Result<Vec<u8>> {
    let mut w = CsvWriter::in_memory();
    w.row(["line", "patient_id", "reason"])?;
    for r in &read.rejects {
        w.record(&[&r.line, &r.patient, &r.reason])?;
    }
    w.into_bytes()
}

/// Loads a scenario for a log's period: starts `warm-up` before the log's first
/// midnight, runs to the log's end; `sets` are the user's `--set`s, `zone` the
/// `--time-zone` (else the scenario's `sim.time_zone` reads the log).
pub(crate) fn load_for_log(
    scenario: &Path,
    log: &Path,
    mut opts: ReadOptions,
    sets: &[String],
    zone: Option<&str>,
) -> Result<(load::Loaded, ReadLog)> {
    let sets = crate::sets_with_zone(sets, zone)?;
    let probe = load::load_file(scenario, &sets)?;
    opts.time_zone = probe.model.time_zone.clone();
    let read = read_log(log, &Known::of_model(&probe.model), opts)?;
    let warm = probe.model.warmup;
    let mut sets = sets;
    sets.push(format!(
        "sim.start=\"{}\"",
        &time::format_minutes(read.origin - warm)[..16]
    ));
    // To the whole hour after the log's last event.
    sets.push(format!(
        "sim.horizon=\"{} min\"",
        warm + (read.visits.to / 60.0).ceil() * 60.0
    ));
    let loaded = load::load_file(scenario, &sets)?;
    Ok((loaded, read))
}

/// Adds to `plan` the log's actual arrivals (times and acuity) of every class
/// it has, and with `durations` their logged unit stays; returns the classes
/// replaced.
pub(crate) fn replay_plan(
    model: &Model,
    read: &ReadLog,
    durations: bool,
    plan: &mut hospsim_sim::plan::RunPlan,
) -> Vec<String> {
    hospsim_history::replay::replay_plan(model, &read.visits, durations, plan)
}

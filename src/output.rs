//! Result files: summary.json, replications.csv, timeseries.csv, patients.csv,
//! written into a results folder that appears whole or not at all (see
//! [`crate::staging`]).

use crate::staging::Staged;
use anyhow::{Context, Result};
use hospsim_formats::write::{CsvWriter, Significant};
use hospsim_sim::Model;
use hospsim_sim::engine::RepOutput;
use hospsim_sim::model::ROUTE_NAMES;
use hospsim_sim::results::{ReplicationTable, Summary};
use hospsim_sim::runner::Replications;
use std::path::PathBuf;

/// Pretty JSON with a final newline.
pub(crate) fn json_bytes<T: serde::Serialize>(value: &T) -> Result<Vec<u8>> {
    let mut s = serde_json::to_vec_pretty(value)?;
    s.push(b'\n');
    Ok(s)
}

/// summary.json
pub(crate) fn summary_json(summary: &Summary) -> Result<Vec<u8>> {
    json_bytes(summary)
}

/// Prints a command's text and the files it wrote, unless quiet.
pub(crate) fn announce(quiet: bool, text: &str, written: &[PathBuf]) -> Result<()> {
    if quiet {
        return Ok(());
    }
    out!("{text}")?;
    outln!("\n  wrote:")?;
    for w in written {
        outln!("    {}", w.display())?;
    }
    Ok(())
}

/// replications.csv: one row per replication, one column per KPI value.
pub(crate) fn replications_csv(table: &ReplicationTable) -> Result<Vec<u8>> {
    let mut w = CsvWriter::in_memory();
    w.text("replication")?;
    for c in &table.columns {
        w.text(c)?;
    }
    w.end()?;
    for (i, row) in table.rows.iter().enumerate() {
        w.display(i)?;
        for v in row {
            w.num(*v)?;
        }
        w.end()?;
    }
    Ok(w.into_bytes()?)
}

/// occupancy.csv: per resource and number of units in use, the share of
/// the collection period at that level pooled over replications (with its
/// interval across them), the share at or below it, and the loss
/// approximation of the chance that an arriving patient finds that many
/// units all in use; then the same share in each replication.
pub(crate) fn occupancy_csv(summary: &Summary, reps: &Replications) -> Result<Vec<u8>> {
    let mut w = CsvWriter::in_memory();
    w.row([
        "resource",
        "replication",
        "units_in_use",
        "share_of_time",
        "share_ci_lo",
        "share_ci_hi",
        "share_at_most",
        "p_full_if_capacity",
    ])?;
    for r in &summary.resources {
        for l in &r.occupancy {
            w.text(&r.id)?;
            w.text("all")?;
            w.display(l.units)?;
            for v in [
                l.share,
                l.share_ci95[0],
                l.share_ci95[1],
                l.share_at_most,
                l.p_full_if_capacity,
            ] {
                w.display(Significant(v))?;
            }
            w.end()?;
        }
    }
    for (j, r) in summary.resources.iter().enumerate() {
        for row in &reps.rows {
            let rep = &row.resources[j];
            for (k, minutes) in rep.occupancy.iter().enumerate() {
                w.text(&r.id)?;
                w.display(row.rep)?;
                w.display(k)?;
                w.display(Significant(minutes / rep.span))?;
                for _ in 0..4 {
                    w.empty()?;
                }
                w.end()?;
            }
        }
    }
    Ok(w.into_bytes()?)
}

/// Writes timeseries.csv, streamed: per sample time and resource, busy units
/// and queue length as mean / P05 / P95 across replications, and the mean
/// capacity (ten simulated years at hourly samples make millions of numbers).
pub(crate) fn write_timeseries_csv(
    dir: &mut Staged,
    model: &Model,
    reps: &Replications,
) -> Result<PathBuf> {
    let (file, target) = dir.create("timeseries.csv")?;
    let mut w = CsvWriter::new(file);
    let mut err = w
        .row([
            "time",
            "minutes",
            "resource",
            "busy_mean",
            "busy_p05",
            "busy_p95",
            "queue_mean",
            "queue_p05",
            "queue_p95",
            "capacity_mean",
        ])
        .err();
    let mut stamp = String::new();
    let mut stamp_at = f64::NAN;
    hospsim_sim::runner::for_each_sample(model, reps, |s| {
        if err.is_some() {
            return;
        }
        if s.minutes != stamp_at {
            stamp = timestamp(model, s.minutes);
            stamp_at = s.minutes;
        }
        let mut row = || -> std::io::Result<()> {
            w.text(&stamp)?;
            w.num(s.minutes)?;
            w.text(&model.resources[s.resource].name)?;
            for v in s.busy.iter().chain(&s.queue) {
                w.num(*v)?;
            }
            w.num(s.capacity)?;
            w.end()
        };
        if let Err(e) = row() {
            err = Some(e);
        }
    });
    if let Some(e) = err {
        return Err(e).with_context(|| format!("cannot write {}", target.display()));
    }
    w.finish()
        .and_then(|mut f| std::io::Write::flush(&mut f))
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(target)
}

/// Calendar time of a simulation time, `YYYY-MM-DDTHH:MM`.
pub(crate) fn timestamp(model: &Model, minutes: f64) -> String {
    stamp(model, minutes, "%Y-%m-%dT%H:%M")
}

/// Calendar time to the second, `YYYY-MM-DDTHH:MM:SS`: a patient's
/// milestones, so that a wait of 40 seconds is not read as 0 or 1 minute.
fn timestamp_seconds(model: &Model, minutes: f64) -> String {
    stamp(model, minutes, "%Y-%m-%dT%H:%M:%S")
}

fn stamp(model: &Model, minutes: f64, format: &str) -> String {
    let secs = (minutes * 60.0).round() as i64;
    match model
        .start
        .checked_add(jiff::SignedDuration::from_secs(secs))
    {
        Ok(t) => t.strftime(format).to_string(),
        Err(_) => String::new(),
    }
}

/// The header of patients.csv: one row per patient and replication, every
/// milestone as a timestamp (empty when not reached).
pub(crate) fn patients_csv_header(
    w: &mut CsvWriter<impl std::io::Write>,
    model: &Model,
) -> Result<()> {
    let fixed = ["replication", "patient", "class", "acuity", "exit_route"];
    w.row(
        fixed
            .iter()
            .copied()
            .chain(model.attributes.iter().map(|a| a.name.as_str()))
            .chain(model.milestones.iter().map(String::as_str)),
    )
    .context("cannot write patients.csv")
}

/// The rows of patients.csv for one replication.
pub(crate) fn patients_csv_rows(
    w: &mut CsvWriter<impl std::io::Write>,
    model: &Model,
    rep: &RepOutput,
) -> Result<()> {
    let mut rows = || -> std::io::Result<()> {
        for row in &rep.trace {
            let route = row
                .route
                .map(|r| ROUTE_NAMES[r as usize])
                .unwrap_or("in_system");
            w.display(rep.rep)?;
            w.display(row.id)?;
            w.text(&model.classes[row.class as usize].name)?;
            w.display(row.acuity)?;
            w.text(route)?;
            for (a, def) in model.attributes.iter().enumerate() {
                match row.attributes[a] {
                    0 => w.empty()?,
                    slot => w.text(&def.values[slot as usize - 1])?,
                }
            }
            for &t in &row.milestones {
                if t.is_finite() {
                    w.text(&timestamp_seconds(model, t))?;
                } else {
                    w.empty()?;
                }
            }
            w.end()?;
        }
        Ok(())
    };
    rows().context("cannot write patients.csv")
}

//! Result files: summary.json, replications.csv, timeseries.csv, patients.csv,
//! written into a results folder that appears whole or not at all (see
//! [`crate::staging`]).

use crate::staging::Staged;
use anyhow::{Context, Result};
use hospsim_sim::Model;
use hospsim_sim::engine::RepOutput;
use hospsim_sim::model::ROUTE_NAMES;
use hospsim_sim::results::{ReplicationTable, Summary};
use hospsim_sim::runner::Replications;
use std::fmt::Write as _;
use std::path::PathBuf;

/// A text field for CSV: quoted when it holds a comma, a quote or a newline.
pub(crate) fn csv_text(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A number for CSV: empty when not finite, otherwise a short exact form.
pub(crate) fn csv_num(v: f64) -> String {
    if v.is_finite() {
        format!("{}", (v * 1e6).round() / 1e6)
    } else {
        String::new()
    }
}

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
pub(crate) fn replications_csv(table: &ReplicationTable) -> Vec<u8> {
    let mut out = String::from("replication");
    for c in &table.columns {
        out.push(',');
        out.push_str(c);
    }
    out.push('\n');
    for (i, row) in table.rows.iter().enumerate() {
        let _ = write!(out, "{i}");
        for v in row {
            out.push(',');
            out.push_str(&csv_num(*v));
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// Writes timeseries.csv, streamed: per sample time and resource, busy units
/// and queue length as mean / P05 / P95 across replications, and the mean
/// capacity (ten simulated years at hourly samples make millions of numbers).
pub(crate) fn write_timeseries_csv(
    dir: &mut Staged,
    model: &Model,
    reps: &Replications,
) -> Result<PathBuf> {
    use std::io::Write;
    let (mut w, target) = dir.create("timeseries.csv")?;
    let mut err = None;
    let _ = w.write_all(b"time,minutes,resource,busy_mean,busy_p05,busy_p95,queue_mean,queue_p05,queue_p95,capacity_mean\n");
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
        let name = &model.resources[s.resource].name;
        let r = writeln!(
            w,
            "{stamp},{},{name},{},{},{},{},{},{},{}",
            Num(s.minutes),
            Num(s.busy[0]),
            Num(s.busy[1]),
            Num(s.busy[2]),
            Num(s.queue[0]),
            Num(s.queue[1]),
            Num(s.queue[2]),
            Num(s.capacity)
        );
        if let Err(e) = r {
            err = Some(e);
        }
    });
    if let Some(e) = err {
        return Err(e).with_context(|| format!("cannot write {}", target.display()));
    }
    w.flush()
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(target)
}

/// A CSV number without allocation: empty when not finite, at most 6 decimals.
struct Num(f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.0;
        if !v.is_finite() {
            Ok(())
        } else if v == v.trunc() && v.abs() < 1e15 {
            write!(f, "{}", v as i64)
        } else {
            write!(f, "{}", (v * 1e6).round() / 1e6)
        }
    }
}

/// Calendar time of a simulation time, `YYYY-MM-DDTHH:MM`.
pub(crate) fn timestamp(model: &Model, minutes: f64) -> String {
    let secs = (minutes * 60.0).round() as i64;
    match model
        .start
        .checked_add(jiff::SignedDuration::from_secs(secs))
    {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M").to_string(),
        Err(_) => String::new(),
    }
}

/// The header of patients.csv: one row per patient and replication, every
/// milestone as a timestamp (empty when not reached).
pub(crate) fn patients_csv_header(w: &mut impl std::io::Write, model: &Model) -> Result<()> {
    let mut out = String::from("replication,patient,class,acuity,exit_route");
    for m in &model.milestones {
        out.push(',');
        out.push_str(m);
    }
    out.push('\n');
    w.write_all(out.as_bytes())
        .context("cannot write patients.csv")
}

/// The rows of patients.csv for one replication.
pub(crate) fn patients_csv_rows(
    w: &mut impl std::io::Write,
    model: &Model,
    rep: &RepOutput,
) -> Result<()> {
    let mut out = String::new();
    for row in &rep.trace {
        let route = row
            .route
            .map(|r| ROUTE_NAMES[r as usize])
            .unwrap_or("in_system");
        let _ = write!(
            out,
            "{},{},{},{},{route}",
            rep.rep, row.id, model.classes[row.class as usize].name, row.acuity
        );
        for &t in &row.milestones {
            out.push(',');
            if t.is_finite() {
                out.push_str(&timestamp(model, t));
            }
        }
        out.push('\n');
    }
    w.write_all(out.as_bytes())
        .context("cannot write patients.csv")
}

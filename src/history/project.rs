//! `hospsim project`: census projection from the patients in the hospital now.

use super::time::{self, parse_minutes};
use crate::{load, output};
use anyhow::{Context, Result, anyhow};
use clap::Args;
use hospsim_formats::snapshot::SnapshotRow;
use hospsim_sim::Model;
use hospsim_sim::history::CensusPatient;
use hospsim_sim::model::ArrivalProcess;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Options of `hospsim project`.
#[derive(Args, Clone)]
pub(crate) struct ProjectArgs {
    /// Scenario file (TOML) with a [history] section naming its units.
    pub(crate) scenario: PathBuf,
    /// Census: patient_id, unit, class, acuity (optional), arrived_at, admitted_at (optional).
    #[arg(long)]
    pub(crate) snapshot: PathBuf,
    /// Hours to project.
    #[arg(long, default_value_t = 72)]
    pub(crate) hours: u32,
    /// Time of the snapshot, YYYY-MM-DDTHH:MM (default: its latest timestamp).
    #[arg(long)]
    pub(crate) at: Option<String>,
    /// Arrivals from a `hospsim forecast` forecasts.csv (unique_id = class) instead of the profile.
    #[arg(long)]
    pub(crate) arrivals: Option<PathBuf>,
    /// With --arrivals: the forecast model to use when the file has several.
    #[arg(long)]
    pub(crate) model: Option<String>,
    /// Replications (default 500).
    #[arg(long, default_value_t = 500)]
    pub(crate) reps: u32,
    /// Master seed.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Override a scenario field: path=value (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub(crate) sets: Vec<String>,
    /// Output folder (default: out/project_<scenario name>).
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

fn read_snapshot(path: &Path) -> Result<Vec<SnapshotRow>> {
    let f = std::fs::File::open(path)
        .with_context(|| format!("cannot open the snapshot {}", path.display()))?;
    Ok(hospsim_formats::snapshot::read_snapshot(
        f,
        &path.display().to_string(),
    )?)
}

/// (ds in minutes since 1970, mean, line) of one forecast row.
type ForecastRow = (f64, f64, u64);

/// Hourly arrival rates (per minute) of each class from a forecasts.csv.
fn forecast_rates(
    path: &Path,
    want_model: Option<&str>,
    m: &Model,
    start: f64,
    hours: usize,
) -> Result<BTreeMap<usize, Vec<f64>>> {
    let file = path.display().to_string();
    let mut rdr = csv::Reader::from_path(path).with_context(|| format!("cannot open {file}"))?;
    let header: Vec<String> = rdr
        .headers()?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let col = |n: &str| header.iter().position(|h| h == n);
    let (Some(ii), Some(di), Some(mi), Some(vi)) =
        (col("unique_id"), col("ds"), col("model"), col("mean"))
    else {
        return Err(anyhow!(
            "{file}:1: expected the columns of `hospsim forecast` (unique_id, ds, model, mean, ...); found: {}",
            header.join(", ")
        ));
    };
    // class -> model -> [(ds, mean)]
    let mut series: BTreeMap<String, BTreeMap<String, Vec<ForecastRow>>> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |i: usize| rec.get(i).unwrap_or("").trim();
        let ds = parse_minutes(get(di)).map_err(|e| anyhow!("{file}:{line}: ds: {e}"))?;
        let mean: f64 = get(vi)
            .parse()
            .map_err(|_| anyhow!("{file}:{line}: mean \"{}\" is not a number", get(vi)))?;
        series
            .entry(get(ii).to_string())
            .or_default()
            .entry(get(mi).to_string())
            .or_default()
            .push((ds, mean.max(0.0), line));
    }
    let mut out = BTreeMap::new();
    for (class, models) in series {
        let Some(c) = m.classes.iter().position(|k| k.name == class) else {
            return Err(anyhow!(
                "{file}: unique_id \"{class}\" is not a class of the scenario (classes: {})",
                m.classes
                    .iter()
                    .map(|k| k.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        };
        let rows = match want_model {
            Some(w) => models.get(w).ok_or_else(|| {
                anyhow!(
                    "{file}: no model \"{w}\" for \"{class}\" (models: {})",
                    models.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            })?,
            None if models.len() == 1 => models
                .values()
                .next()
                .ok_or_else(|| anyhow!("{file}: empty"))?,
            None => {
                return Err(anyhow!(
                    "{file}: \"{class}\" has forecasts of several models ({})\n  hint: choose one with --model",
                    models.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
        };
        let mut rows = rows.clone();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let step = if rows.len() >= 2 {
            rows[1].0 - rows[0].0
        } else {
            1440.0
        };
        if step <= 0.0 {
            return Err(anyhow!("{file}:{}: repeated ds for \"{class}\"", rows[1].2));
        }
        // The class's own hour-of-week profile spreads a daily forecast over the day.
        let weight = |t: f64| match &m.classes[c].process {
            ArrivalProcess::Poisson { rate_per_min, .. } => {
                rate_per_min[(time::minute_of_week(t) / 60.0) as usize % 168]
            }
            _ => 1.0,
        };
        let mut rates = vec![0.0; hours];
        for (h, rate) in rates.iter_mut().enumerate() {
            let t = start + 60.0 * h as f64 + 30.0;
            let Some(&(ds, mean, _)) = rows.iter().rev().find(|r| r.0 <= t) else {
                return Err(anyhow!(
                    "{file}: the forecast for \"{class}\" starts at {}, after the projection's start {}",
                    time::format_minutes(rows[0].0),
                    time::format_minutes(start)
                ));
            };
            if t >= ds + step {
                return Err(anyhow!(
                    "{file}: the forecast for \"{class}\" ends at {} but the projection runs to {}\n  hint: forecast further (--horizon) or project fewer --hours",
                    time::format_minutes(ds + step),
                    time::format_minutes(start + 60.0 * hours as f64)
                ));
            }
            let slots = (step / 60.0).round().max(1.0) as usize;
            let total: f64 = (0..slots)
                .map(|k| weight(ds + 60.0 * k as f64 + 30.0))
                .sum();
            let share = if total > 0.0 {
                weight(t) / total
            } else {
                1.0 / slots as f64
            };
            *rate = mean * share / 60.0;
        }
        out.insert(c, rates);
    }
    Ok(out)
}

/// Longest a census may be older than the projection's start.
const MAX_CENSUS_AGE_DAYS: f64 = 7.0;

pub(crate) fn project(a: &ProjectArgs) -> Result<()> {
    if a.hours == 0 || a.hours > 24 * 366 {
        return Err(anyhow!("--hours must be between 1 and 8784"));
    }
    let rows = read_snapshot(&a.snapshot)?;
    let file = a.snapshot.display().to_string();
    let at = match &a.at {
        Some(s) => parse_minutes(s).map_err(|e| anyhow!("--at: {e}"))?,
        None => rows
            .iter()
            .map(|r| r.admitted.max(r.arrived))
            .fold(f64::NEG_INFINITY, f64::max),
    };
    if !at.is_finite() {
        return Err(anyhow!(
            "{file}: the snapshot has no patients; give --at to project from an empty hospital"
        ));
    }
    let at = at.ceil();
    // A projection starts from the patients in hospital now: a census far older
    // than --at says nothing about who is in then.
    let latest = rows
        .iter()
        .map(|r| r.admitted.max(r.arrived))
        .fold(f64::NEG_INFINITY, f64::max);
    if latest.is_finite() && at - latest > MAX_CENSUS_AGE_DAYS * 1440.0 {
        return Err(anyhow!(
            "--at {}: the snapshot's latest event is at {}, {:.0} days earlier; a projection starts from the patients in hospital at --at\n  hint: take a census nearer the time (at most {MAX_CENSUS_AGE_DAYS:.0} days before --at), or leave --at out to project from the snapshot's own time",
            time::format_minutes(at),
            time::format_minutes(latest),
            (at - latest) / 1440.0
        ));
    }
    if latest.is_finite() && at - latest > 1440.0 && !a.quiet {
        note!(
            "warning: the snapshot's latest event is at {}, {:.1} days before --at; patients who came or left since are not in it",
            time::format_minutes(latest),
            (at - latest) / 1440.0
        );
    }
    let mut sets = a.sets.clone();
    sets.push(format!("sim.start=\"{}\"", &time::format_minutes(at)[..16]));
    sets.push(format!("sim.horizon=\"{} h\"", a.hours));
    sets.push("sim.warmup=\"0 min\"".into());
    sets.push("sim.sample_interval=\"1 h\"".into());
    let loaded = load::load_file(&a.scenario, &sets)?;
    let compiled = &loaded.model;
    let mut plan = crate::run_plan(Some(a.reps), a.seed)?;
    let h = &compiled.history;
    if h.unit_names.is_empty() {
        return Err(anyhow!(
            "{}: the scenario has no [history.units]\n  hint: name the units a census refers to (docs/scenario-reference.md#history)",
            a.scenario.display()
        ));
    }
    let mut census = vec![];
    for r in &rows {
        let Some(u) = h.unit(&r.unit) else {
            return Err(anyhow!(
                "{file}:{}: unknown unit \"{}\" (the scenario's units: {})",
                r.line,
                r.unit,
                h.unit_names.join(", ")
            ));
        };
        let Some(c) = compiled.classes.iter().position(|k| k.name == r.class) else {
            return Err(anyhow!(
                "{file}:{}: unknown class \"{}\" (the scenario's classes: {})",
                r.line,
                r.class,
                compiled
                    .classes
                    .iter()
                    .map(|k| k.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        };
        if h.resume[u as usize].is_none() {
            return Err(anyhow!(
                "{file}:{}: no pathway of the scenario seizes a resource of unit \"{}\"\n  hint: give [history.units.{}] resume = \"<pathway>\"",
                r.line,
                r.unit,
                r.unit
            ));
        }
        if r.admitted > at || r.arrived > at {
            return Err(anyhow!(
                "{file}:{}: the patient arrives after the snapshot time {}",
                r.line,
                time::format_minutes(at)
            ));
        }
        census.push(CensusPatient {
            class: c as u16,
            acuity: r.acuity,
            unit: u,
            elapsed: at - r.admitted,
            since_arrival: at - r.arrived,
        });
    }
    let n_census = census.len();
    plan.census = census;
    let hours = a.hours as usize;
    let mut replaced = vec![];
    if let Some(f) = &a.arrivals {
        for (c, rates) in forecast_rates(f, a.model.as_deref(), compiled, at, hours)? {
            let name = compiled.classes[c].name.clone();
            replaced.push(name.clone());
            plan.arrivals.push((
                name,
                hospsim_sim::plan::Arrivals::Rates {
                    start: 0.0,
                    step: 60.0,
                    per_minute: rates,
                },
            ));
        }
    }
    let model = crate::planned(compiled, &plan)?;
    let threads = crate::thread_count(a.threads)?;
    let mut dir = crate::output_dir(&a.out, &format!("project_{}", loaded.scenario.name))?;
    let units = &model.history.unit_names;
    // Per hour and unit, folded replication by replication: patients holding
    // the unit's resources (exact counts, for percentiles), how often it was
    // full, patients waiting for it, its capacity.
    #[derive(Clone, Default)]
    struct Cell {
        occupied: hospsim_sim::stats::ValueCounts,
        full: u64,
        waiting: f64,
        capacity: f64,
    }
    let n_res = model.resources.len();
    let mut cells = vec![vec![Cell::default(); hours + 1]; units.len()];
    let bar = crate::progress_bar(model.replications, &model.name, a.quiet);
    let m = &model;
    hospsim_sim::runner::replicate(
        model.replications,
        threads,
        Some(crate::interrupt::flag()),
        &|rep, stop| hospsim_sim::runner::one(m, rep, false, false, stop),
        &mut |_, r| {
            for (u, row) in cells.iter_mut().enumerate() {
                let res = &m.history.unit_resources[u];
                for (k, cell) in row.iter_mut().enumerate() {
                    let Some(s) = r.samples.get(k * n_res..(k + 1) * n_res) else {
                        continue;
                    };
                    let busy: f64 = res.iter().map(|&i| s[i as usize][0] as f64).sum();
                    let q: f64 = res.iter().map(|&i| s[i as usize][1] as f64).sum();
                    let cap: f64 = res.iter().map(|&i| s[i as usize][2] as f64).sum();
                    cell.occupied.add(busy as u32);
                    cell.full += u64::from(cap > 0.0 && busy >= cap);
                    cell.waiting += q;
                    cell.capacity = cap;
                }
            }
            bar.inc(1);
            Ok::<(), anyhow::Error>(())
        },
    )?;
    bar.finish_and_clear();
    let n_reps = model.replications as u64;

    let mut csv = String::from("hour,time,unit,capacity,mean,p5,p50,p95,p_full,waiting_mean\n");
    let mut table = String::new();
    let n = output::csv_num;
    let mut summary = vec![];
    for (u, name) in units.iter().enumerate() {
        let mut peak_full: f64 = 0.0;
        let mut rows_u = vec![];
        for (k, c) in cells[u].iter().enumerate() {
            let (cap, wait) = (c.capacity, c.waiting);
            let mean = c.occupied.sum() / n_reps as f64;
            let p_full = c.full as f64 / n_reps as f64;
            peak_full = peak_full.max(p_full);
            let (p5, p50, p95) = (
                c.occupied.percentile(n_reps, 5.0),
                c.occupied.percentile(n_reps, 50.0),
                c.occupied.percentile(n_reps, 95.0),
            );
            let _ = writeln!(
                csv,
                "{k},{},{},{},{},{},{},{},{},{}",
                time::format_minutes(at + 60.0 * k as f64),
                output::csv_text(name),
                n(cap),
                n(mean),
                n(p5),
                n(p50),
                n(p95),
                n(p_full),
                n(wait / n_reps as f64)
            );
            rows_u.push(serde_json::json!({ "hour": k, "capacity": cap, "mean": mean, "p5": p5, "p50": p50, "p95": p95, "p_full": p_full }));
            if k % 24 == 0 || k == hours {
                let _ = writeln!(
                    table,
                    "  {:<18} {:>5} {:>17} {:>9.1} {:>14} {:>7.0}%",
                    name,
                    format!("+{k}h"),
                    &time::format_minutes(at + 60.0 * k as f64)[..16],
                    mean,
                    format!("[{p5:.0}, {p95:.0}]"),
                    100.0 * p_full
                );
            }
        }
        summary.push(serde_json::json!({ "unit": name, "max_p_full": peak_full, "hours": rows_u }));
    }
    let json = serde_json::json!({
        "schema_version": 1,
        "scenario": model.name,
        "at": time::format_minutes(at),
        "hours": hours,
        "replications": model.replications,
        "census_patients": n_census,
        "arrivals": if replaced.is_empty() { "the scenario's profile".to_string() } else { format!("forecast for {}", replaced.join(", ")) },
        "units": summary,
    });
    dir.write("projection.csv", csv.as_bytes())?;
    dir.write("projection.json", &output::json_bytes(&json)?)?;
    let mut charts = vec![];
    let mut tiles = vec![];
    let mut rows_t = vec![];
    for u in &summary {
        let hours_v = u["hours"].as_array().cloned().unwrap_or_default();
        let get = |k: &str| -> Vec<f64> {
            hours_v
                .iter()
                .map(|h| h[k].as_f64().unwrap_or(f64::NAN))
                .collect()
        };
        let name = u["unit"].as_str().unwrap_or("").to_string();
        let max_full = u["max_p_full"].as_f64().unwrap_or(0.0);
        tiles.push((
            format!("{name}: highest chance of being full"),
            format!("{:.0}%", 100.0 * max_full),
            Some(max_full < 0.1),
        ));
        for h in hours_v
            .iter()
            .filter(|h| h["hour"].as_u64().is_some_and(|k| k % 12 == 0))
        {
            let f = |k: &str| h[k].as_f64().unwrap_or(f64::NAN);
            rows_t.push(vec![
                name.clone(),
                format!("+{} h", h["hour"]),
                format!("{:.1}", f("mean")),
                format!("[{:.0}, {:.0}]", f("p5"), f("p95")),
                format!("{:.0}", f("capacity")),
                format!("{:.0}%", 100.0 * f("p_full")),
            ]);
        }
        charts.push(hospsim_reports::pages::HourlySeries {
            caption: format!("{name}: patients in the next {hours} hours"),
            x: (0..=hours).map(|h| h as f64).collect(),
            mean: get("mean"),
            lo: get("p5"),
            hi: get("p95"),
            second: None,
            reference: Some(get("capacity")),
            x_label: "hours from now".into(),
            y_label: "patients".into(),
        });
    }
    let mut view = hospsim_reports::pages::HistoryView {
        title: format!("{}: census projection", model.name),
        subtitle: vec![format!(
            "{n_census} patients in hospital at {}; {} replications; arrivals from {}",
            &time::format_minutes(at)[..16],
            model.replications,
            if replaced.is_empty() { "the scenario's profile".to_string() } else { format!("the forecast ({})", replaced.join(", ")) }
        )],
        tiles,
        tables: vec![hospsim_reports::pages::TableSection {
            id: "census".into(),
            heading: "Census every 12 hours".into(),
            note: "Patients holding the unit's beds or places; P5-P95 across replications; full = every available bed taken.".into(),
            head: ["unit", "ahead", "mean", "P5-P95", "beds", "P(full)"].iter().map(|s| s.to_string()).collect(),
            rows: rows_t,
        }],
        charts_heading: "Projected census by unit".into(),
        charts_note: "Line: mean; band: 5%-95% of replications; dashed: beds available.".into(),
        charts,
        files: vec!["projection.csv".into(), "projection.json".into()],
    };
    view.subtitle.extend(hospsim_reports::html::changes_line(
        hospsim_reports::Lang::En,
        &a.sets,
    ));
    dir.write(
        "report.html",
        hospsim_reports::pages::history_page(&view)?.as_bytes(),
    )?;
    let mut prov = crate::staging::Provenance::new(&a.sets)
        .scenario(&loaded, &model)?
        .input("snapshot", &a.snapshot)?;
    if let Some(f) = &a.arrivals {
        prov = prov.input("arrivals forecast", f)?;
    }
    let written = dir.commit(&prov.run(model.seed, model.replications, threads))?;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}: {n_census} patients in hospital at {}, {} h ahead, {} replications, arrivals from {}",
        model.name,
        &time::format_minutes(at)[..16],
        hours,
        model.replications,
        if replaced.is_empty() {
            "the scenario's profile".to_string()
        } else {
            format!("the forecast ({})", replaced.join(", "))
        }
    );
    let _ = writeln!(
        s,
        "\n  {:<18} {:>5} {:>17} {:>9} {:>14} {:>8}",
        "unit", "ahead", "time", "census", "P5-P95", "P(full)"
    );
    s.push_str(&table);
    output::announce(a.quiet, &s, &written)
}

//! `hospsim project`: census projection from the patients in the hospital now.

use super::time::{self, parse_in};
use crate::{load, output};
use anyhow::{Context, Result, anyhow};
use clap::Args;
use hospsim_formats::snapshot::SnapshotRow;
use hospsim_formats::write::CsvWriter;
use hospsim_sim::timestamp::TimeZone;
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
    /// Time of the snapshot, YYYY-MM-DDTHH:MM, or with Z or an offset given a time zone (default: its latest timestamp).
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
    /// The hospital's IANA time zone (e.g. Europe/London), as sim.time_zone: timestamps with Z or an offset (snapshot, --at, forecasts) are read in its wall clock.
    #[arg(long, value_name = "ZONE")]
    pub(crate) time_zone: Option<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

fn read_snapshot(path: &Path, zone: Option<&TimeZone>) -> Result<Vec<SnapshotRow>> {
    let f = std::fs::File::open(path)
        .with_context(|| format!("cannot open the snapshot {}", path.display()))?;
    Ok(hospsim_formats::snapshot::read_snapshot(
        f,
        &path.display().to_string(),
        zone,
    )?)
}

/// Longest a census may be older than the projection's start.
const MAX_CENSUS_AGE_DAYS: f64 = 7.0;

pub(crate) fn project(a: &ProjectArgs) -> Result<()> {
    if a.hours == 0 || a.hours > 24 * 366 {
        return Err(anyhow!("--hours must be between 1 and 8784"));
    }
    // The scenario's zone (or --time-zone's) reads the snapshot and --at.
    let user_sets = crate::sets_with_zone(&a.sets, a.time_zone.as_deref())?;
    let zone = load::load_file(&a.scenario, &user_sets)?.model.time_zone;
    let rows = read_snapshot(&a.snapshot, zone.as_ref())?;
    let file = a.snapshot.display().to_string();
    let at = match &a.at {
        Some(s) => {
            parse_in(s, zone.as_ref())
                .map_err(|e| anyhow!("--at: {e}\n  hint: {}", e.hint()))?
                .wall
        }
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
    let mut sets = user_sets;
    sets.push(format!("sim.start=\"{}\"", &time::format_minutes(at)[..16]));
    sets.push(format!("sim.horizon=\"{} h\"", a.hours));
    sets.push("sim.warmup=\"0 min\"".into());
    sets.push("sim.sample_interval=\"1 h\"".into());
    let loaded = load::load_file(&a.scenario, &sets)?;
    let compiled = &loaded.model;
    let mut plan = crate::run_plan(Some(a.reps), a.seed)?;
    if compiled.history.unit_names.is_empty() {
        return Err(anyhow!(
            "{}: the scenario has no [history.units]\n  hint: name the units a census refers to (docs/scenario-reference.md#history)",
            a.scenario.display()
        ));
    }
    let census = hospsim_history::project::census(compiled, &rows, at)
        .map_err(|(line, e)| anyhow!("{file}:{line}: {e}"))?;
    let n_census = census.len();
    plan.census = census;
    let hours = a.hours as usize;
    let mut replaced = vec![];
    if let Some(f) = &a.arrivals {
        let shown = f.display().to_string();
        let input = std::fs::File::open(f).with_context(|| format!("cannot open {shown}"))?;
        let forecasts = hospsim_formats::forecasts::read_forecasts(input, &shown, zone.as_ref())?;
        let rates = hospsim_history::project::hourly_rates(
            compiled,
            &forecasts,
            a.model.as_deref(),
            at,
            hours,
        )
        .map_err(|e| anyhow!("{shown}: {e}"))?;
        for (c, rates) in rates {
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
    let bar = crate::progress_bar(model.replications, &model.name, a.quiet);
    let projection = hospsim_history::project::project(
        &model,
        hours,
        threads,
        Some(crate::interrupt::flag()),
        &|| bar.inc(1),
    )?;
    bar.finish_and_clear();
    let mut csv = CsvWriter::in_memory();
    csv.row([
        "hour",
        "time",
        "unit",
        "capacity",
        "mean",
        "p5",
        "p50",
        "p95",
        "p_full",
        "waiting_mean",
    ])?;
    let mut table = vec![crate::table::header(&[
        "unit", "ahead", "time", "census", "P5-P95", "P(full)",
    ])];
    let mut summary = vec![];
    for up in &projection {
        let name = &up.unit;
        let mut peak_full: f64 = 0.0;
        let mut rows_u = vec![];
        for (k, c) in up.hours.iter().enumerate() {
            let (cap, wait, mean, p_full) = (c.capacity, c.waiting_mean, c.mean, c.p_full);
            peak_full = peak_full.max(p_full);
            let (p5, p50, p95) = (c.p5, c.p50, c.p95);
            csv.record(&[
                &k,
                &time::format_minutes(at + 60.0 * k as f64),
                name,
                &cap,
                &mean,
                &p5,
                &p50,
                &p95,
                &p_full,
                &wait,
            ])?;
            rows_u.push(serde_json::json!({ "hour": k, "capacity": cap, "mean": mean, "p5": p5, "p50": p50, "p95": p95, "p_full": p_full }));
            if k % 24 == 0 || k == hours {
                table.push(vec![
                    name.clone(),
                    format!("+{k}h"),
                    time::format_minutes(at + 60.0 * k as f64)[..16].to_string(),
                    format!("{mean:.1}"),
                    format!("[{p5:.0}, {p95:.0}]"),
                    format!("{:.0}%", 100.0 * p_full),
                ]);
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
    dir.write("projection.csv", &csv.into_bytes()?)?;
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
    s.push('\n');
    s.push_str(&crate::table::render(&table));
    output::announce(a.quiet, &s, &written)
}

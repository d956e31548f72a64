//! `hospsim project`: census projection from the patients in the hospital now.

use super::time::{self, parse_in};
use crate::{load, output};
use anyhow::{Context, Result, anyhow};
use clap::Args;
use hospsim_formats::snapshot::SnapshotRow;
use hospsim_formats::write::CsvWriter;
use hospsim_history::project::{
    MAX_CENSUS_AGE_DAYS, MAX_PROJECTION_HOURS, ProjectionReport, StartError, UnitProjection,
};
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

/// `hospsim project`: the start and the census, the projection run, then its
/// files and table.
pub(crate) fn project(a: &ProjectArgs) -> Result<()> {
    hospsim_history::project::check_hours(a.hours)
        .map_err(|_| anyhow!("--hours must be between 1 and {MAX_PROJECTION_HOURS}"))?;
    // The scenario's zone (or --time-zone's) reads the snapshot and --at.
    let user_sets = crate::sets_with_zone(&a.sets, a.time_zone.as_deref())?;
    let zone = load::load_file(&a.scenario, &user_sets)?.model.time_zone;
    let rows = read_snapshot(&a.snapshot, zone.as_ref())?;
    let file = a.snapshot.display().to_string();
    let at = match &a.at {
        Some(s) => Some(
            parse_in(s, zone.as_ref())
                .map_err(|e| anyhow!("--at: {e}\n  hint: {}", e.hint()))?
                .wall,
        ),
        None => None,
    };
    let start = hospsim_history::project::projection_start(&rows, at).map_err(|e| match e {
        StartError::NoPatients => anyhow!(
            "{file}: the snapshot has no patients; give --at to project from an empty hospital"
        ),
        StartError::CensusTooOld { at, latest } => anyhow!(
            "--at {}: the snapshot's latest event is at {}, {:.0} days earlier; a projection starts from the patients in hospital at --at\n  hint: take a census nearer the time (at most {MAX_CENSUS_AGE_DAYS:.0} days before --at), or leave --at out to project from the snapshot's own time",
            time::format_minutes(at),
            time::format_minutes(latest),
            (at - latest) / 1440.0
        ),
    })?;
    let at = start.at;
    if let Some(latest) = start.latest
        && start.census_age_days() > 1.0
        && !a.quiet
    {
        note!(
            "warning: the snapshot's latest event is at {}, {:.1} days before --at; patients who came or left since are not in it",
            time::format_minutes(latest),
            start.census_age_days()
        );
    }
    let mut sets = user_sets;
    sets.extend(hospsim_history::project::projection_overrides(at, a.hours));
    let loaded = load::load_file(&a.scenario, &sets)?;
    let compiled = &loaded.model;
    let mut plan = crate::run_plan(Some(a.reps), a.seed)?;
    if compiled.history.unit_names.is_empty() {
        return Err(anyhow!(
            "{}: the scenario has no [history.units]\n  hint: name the units a census refers to (docs/scenario-reference.md#history)",
            a.scenario.display()
        ));
    }
    plan.census = hospsim_history::project::census(compiled, &rows, at)
        .map_err(|(line, e)| anyhow!("{file}:{line}: {e}"))?;
    let n_census = plan.census.len();
    let hours = a.hours as usize;
    if let Some(f) = &a.arrivals {
        let shown = f.display().to_string();
        let input = std::fs::File::open(f).with_context(|| format!("cannot open {shown}"))?;
        let forecasts = hospsim_formats::forecasts::read_forecasts(input, &shown, zone.as_ref())?;
        plan.arrivals = hospsim_history::project::forecast_arrivals(
            compiled,
            &forecasts,
            a.model.as_deref(),
            at,
            hours,
        )
        .map_err(|e| anyhow!("{shown}: {e}"))?;
    }
    let replaced: Vec<String> = plan.arrivals.iter().map(|(c, _)| c.clone()).collect();
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
    let report = ProjectionReport::new(
        &model.name,
        model.replications,
        at,
        hours,
        n_census,
        &replaced,
        &projection,
    );
    dir.write("projection.csv", &projection_csv(&projection, at)?)?;
    dir.write("projection.json", &output::json_bytes(&report)?)?;
    let arrivals_from = if replaced.is_empty() {
        "the scenario's profile".to_string()
    } else {
        format!("the forecast ({})", replaced.join(", "))
    };
    let mut view = projection_view(&report, &arrivals_from);
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
        "{}: {n_census} patients in hospital at {}, {} h ahead, {} replications, arrivals from {arrivals_from}",
        model.name,
        &time::format_minutes(at)[..16],
        hours,
        model.replications,
    );
    s.push('\n');
    s.push_str(&crate::table::render(&census_table(&report, at)));
    output::announce(a.quiet, &s, &written)
}

/// `projection.csv`: every unit at every hour.
fn projection_csv(projection: &[UnitProjection], at: f64) -> Result<Vec<u8>> {
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
    for up in projection {
        for (k, c) in up.hours.iter().enumerate() {
            csv.record(&[
                &k,
                &time::format_minutes(at + 60.0 * k as f64),
                &up.unit,
                &c.capacity,
                &c.mean,
                &c.p5,
                &c.p50,
                &c.p95,
                &c.p_full,
                &c.waiting_mean,
            ])?;
        }
    }
    Ok(csv.into_bytes()?)
}

/// The terminal table: each unit every 24 hours and at the end.
fn census_table(report: &ProjectionReport, at: f64) -> Vec<Vec<String>> {
    let mut table = vec![crate::table::header(&[
        "unit", "ahead", "time", "census", "P5-P95", "P(full)",
    ])];
    for u in &report.units {
        for h in u
            .hours
            .iter()
            .filter(|h| h.hour % 24 == 0 || h.hour == report.hours)
        {
            table.push(vec![
                u.unit.clone(),
                format!("+{}h", h.hour),
                time::format_minutes(at + 60.0 * h.hour as f64)[..16].to_string(),
                format!("{:.1}", h.mean),
                format!("[{:.0}, {:.0}]", h.p5, h.p95),
                format!("{:.0}%", 100.0 * h.p_full),
            ]);
        }
    }
    table
}

/// The report page: a tile per unit, the census every 12 hours, a chart per unit.
fn projection_view(
    report: &ProjectionReport,
    arrivals_from: &str,
) -> hospsim_reports::pages::HistoryView {
    let hours = report.hours;
    let mut charts = vec![];
    let mut tiles = vec![];
    let mut rows = vec![];
    for u in &report.units {
        let name = &u.unit;
        tiles.push((
            format!("{name}: highest chance of being full"),
            format!("{:.0}%", 100.0 * u.max_p_full),
            Some(u.max_p_full < 0.1),
        ));
        for h in u.hours.iter().filter(|h| h.hour % 12 == 0) {
            rows.push(vec![
                name.clone(),
                format!("+{} h", h.hour),
                format!("{:.1}", h.mean),
                format!("[{:.0}, {:.0}]", h.p5, h.p95),
                format!("{:.0}", h.capacity),
                format!("{:.0}%", 100.0 * h.p_full),
            ]);
        }
        let series = |f: fn(&hospsim_history::project::HourReport) -> f64| -> Vec<f64> {
            u.hours.iter().map(f).collect()
        };
        charts.push(hospsim_reports::pages::HourlySeries {
            caption: format!("{name}: patients in the next {hours} hours"),
            x: (0..=hours).map(|h| h as f64).collect(),
            mean: series(|h| h.mean),
            lo: series(|h| h.p5),
            hi: series(|h| h.p95),
            second: None,
            reference: Some(series(|h| h.capacity)),
            x_label: "hours from now".into(),
            y_label: "patients".into(),
        });
    }
    hospsim_reports::pages::HistoryView {
        title: format!("{}: census projection", report.scenario),
        subtitle: vec![format!(
            "{} patients in hospital at {}; {} replications; arrivals from {arrivals_from}",
            report.census_patients,
            &report.at[..16.min(report.at.len())],
            report.replications,
        )],
        tiles,
        tables: vec![hospsim_reports::pages::TableSection {
            id: "census".into(),
            heading: "Census every 12 hours".into(),
            note: "Patients holding the unit's beds or places; P5-P95 across replications; full = every available bed taken.".into(),
            head: ["unit", "ahead", "mean", "P5-P95", "beds", "P(full)"].iter().map(|s| s.to_string()).collect(),
            rows,
        }],
        charts_heading: "Projected census by unit".into(),
        charts_note: "Line: mean; band: 5%-95% of replications; dashed: beds available.".into(),
        charts,
        files: vec!["projection.csv".into(), "projection.json".into()],
    }
}

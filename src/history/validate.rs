//! `hospsim validate`: the scenario simulated over the log's period, its measures
//! beside the log's.

use super::{load_for_log, reject_preview, rejects_csv, replay_plan, time};
use crate::output;
use anyhow::Result;
use clap::Args;
use hospsim_formats::write::CsvWriter;
use hospsim_history::validate::{Judged, LogSummary, ValidationReport, Verdict};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Options of `hospsim validate`.
#[derive(Args, Clone)]
pub(crate) struct ValidateArgs {
    /// Scenario file (TOML) with a [history] section naming its units.
    pub(crate) scenario: PathBuf,
    /// Event log (CSV) or Synthea encounters.csv of the period to reproduce.
    #[arg(long)]
    pub(crate) log: PathBuf,
    /// Drive arrivals from the log (times and acuity) instead of the scenario's profile.
    #[arg(long)]
    pub(crate) replay: bool,
    /// With --replay: ward, ICU and theatre stays take their logged lengths.
    #[arg(long)]
    pub(crate) replay_durations: bool,
    /// Replications (default: the scenario's sim.replications).
    #[arg(long)]
    pub(crate) reps: Option<u32>,
    /// Master seed.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Override a scenario field: path=value (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub(crate) sets: Vec<String>,
    /// Stop at the first bad row of the log.
    #[arg(long)]
    pub(crate) strict: bool,
    /// Accept a log with no events for more than 30 days (refused otherwise).
    #[arg(long)]
    pub(crate) allow_gaps: bool,
    /// The hospital's IANA time zone (e.g. Europe/London), as sim.time_zone: timestamps with Z or an offset are read in its wall clock.
    #[arg(long, value_name = "ZONE")]
    pub(crate) time_zone: Option<String>,
    /// Output folder (default: out/validate_<scenario name>).
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

pub(crate) fn validate(a: &ValidateArgs) -> Result<()> {
    let opts = super::ReadOptions {
        strict: a.strict,
        allow_gaps: a.allow_gaps,
        time_zone: None,
    };
    let (loaded, read) = load_for_log(&a.scenario, &a.log, opts, &a.sets, a.time_zone.as_deref())?;
    let mut plan = crate::run_plan(a.reps, a.seed)?;
    if a.replay_durations && !a.replay {
        return Err(anyhow::anyhow!("--replay-durations needs --replay"));
    }
    if a.replay {
        replay_plan(&loaded.model, &read, a.replay_durations, &mut plan);
    }
    let model = crate::planned(&loaded.model, &plan)?;
    let threads = crate::thread_count(a.threads)?;
    let mut dir = crate::output_dir(&a.out, &format!("validate_{}", loaded.scenario.name))?;
    let rows: Vec<Judged> = hospsim_history::validate::validate(
        &model,
        &read.visits,
        threads,
        Some(crate::interrupt::flag()),
    )?;

    let csv = validation_csv(&rows)?;
    let log = LogSummary {
        days: read.visits.days(),
        format: read.format,
        path: a.log.display().to_string(),
        rejected: read.rejects.len(),
        rows: read.rows,
        start: time::format_minutes(read.origin),
        visits: read.visits.visits.len(),
    };
    let report = ValidationReport::new(
        &model.name,
        model.replications,
        log,
        a.replay,
        a.replay_durations,
        &rows,
    );
    let (judged, inside) = (report.judged, report.inside);
    dir.write("validation.csv", &csv)?;
    dir.write("validation.json", &output::json_bytes(&report)?)?;
    if !read.rejects.is_empty() {
        dir.write("rejects.csv", &rejects_csv(&read)?)?;
    }

    let view = validation_page(a, &model, &read, &rows, (judged, inside));
    dir.write(
        "report.html",
        hospsim_reports::pages::history_page(&view)?.as_bytes(),
    )?;
    let prov = crate::staging::Provenance::new(&a.sets)
        .scenario(&loaded, &model)?
        .input("log", &a.log)?
        .run(model.seed, model.replications, threads);
    let written = dir.commit(&prov)?;

    let s = terminal_text(a, &model, &read, &rows, (judged, inside));
    output::announce(a.quiet, &s, &written)
}

/// `validation.csv`: every measure, the log beside the simulation.
fn validation_csv(rows: &[Judged]) -> Result<Vec<u8>> {
    let mut csv = CsvWriter::in_memory();
    csv.row([
        "key",
        "group",
        "label",
        "unit",
        "history",
        "history_n",
        "sim_mean",
        "sim_ci_lo",
        "sim_ci_hi",
        "sim_pred_lo",
        "sim_pred_hi",
        "inside",
    ])?;
    for r in rows {
        let inside = match r.inside {
            Some(true) => "yes",
            Some(false) => "no",
            None => "",
        };
        csv.record(&[
            &r.measure.key,
            &r.measure.group,
            &r.measure.label,
            &r.measure.unit,
            &r.measure.value,
            &r.measure.n,
            &r.sim_mean,
            &r.ci.0,
            &r.ci.1,
            &r.range.0,
            &r.range.1,
            &inside,
        ])?;
    }
    Ok(csv.into_bytes()?)
}

/// The report page: the headline measures and each unit's occupancy by hour
/// of the week, the log beside the simulation.
fn validation_page(
    a: &ValidateArgs,
    model: &hospsim_sim::Model,
    read: &super::ReadLog,
    rows: &[Judged],
    (judged, inside): (usize, usize),
) -> hospsim_reports::pages::HistoryView {
    let subtitle = format!(
        "{} visits over {:.1} days from {}; {} replications; arrivals {}",
        read.visits.visits.len(),
        read.visits.days(),
        &time::format_minutes(read.origin)[..16],
        model.replications,
        if a.replay {
            "replayed from the log"
        } else {
            "from the scenario"
        }
    );
    let headline: Vec<Vec<String>> = rows
        .iter()
        .filter(|r| !r.is_hourly())
        .map(|r| {
            let f = |v: f64| fmt(v, r.measure.unit);
            vec![
                r.measure.label.clone(),
                r.measure.unit.to_string(),
                f(r.measure.value),
                f(r.sim_mean),
                format!("[{}, {}]", f(r.ci.0), f(r.ci.1)),
                format!("[{}, {}]", f(r.range.0), f(r.range.1)),
                match r.inside {
                    Some(true) => "yes".into(),
                    Some(false) => "NO".into(),
                    None => "-".into(),
                },
            ]
        })
        .collect();
    let mut charts = vec![];
    for u in &read.visits.units {
        let hrs: Vec<&Judged> = rows.iter().filter(|r| r.is_hour_of(u)).collect();
        if hrs.len() == 168 {
            charts.push(hospsim_reports::pages::HourlySeries {
                caption: format!("{u}: patients by hour of the week"),
                x: (0..168).map(|h| h as f64).collect(),
                mean: hrs.iter().map(|r| r.sim_mean).collect(),
                lo: hrs.iter().map(|r| r.range.0).collect(),
                hi: hrs.iter().map(|r| r.range.1).collect(),
                second: Some(hrs.iter().map(|r| r.measure.value).collect()),
                reference: None,
                x_label: "hour of the week (0 = Monday 00:00)".into(),
                y_label: "patients".into(),
            });
        }
    }
    hospsim_reports::pages::HistoryView {
        title: format!("{}: validation against {}", model.name, a.log.display()),
        subtitle: std::iter::once(subtitle)
            .chain(hospsim_reports::html::changes_line(hospsim_reports::Lang::En, &a.sets))
            .collect(),
        tiles: vec![(
            "measures inside the 95% prediction interval of one replication".into(),
            format!("{inside} of {judged}"),
            Some(inside as f64 >= 0.9 * judged as f64),
        )],
        tables: vec![hospsim_reports::pages::TableSection {
            id: "measures".into(),
            heading: "The log beside the model".into(),
            note: "The log is one realisation: it is held against the 95% prediction interval of a single replication (mean ± t·sd·√(1+1/n) over the replications), not the much narrower interval of their mean. A faithful model has about 95% of measures inside; neighbouring hours are correlated, so misses come in runs.".into(),
            head: ["measure", "unit", "log", "simulated", "95% CI of mean", "95% prediction", "inside"].iter().map(|s| s.to_string()).collect(),
            rows: headline,
        }],
        charts_heading: "Occupancy by hour of the week".into(),
        charts_note: "Blue: simulated mean with the 95% prediction interval of one replication; orange: the log.".into(),
        charts,
        files: vec!["validation.csv".into(), "validation.json".into()],
    }
}

/// What `validate` prints: the run, the rejects, the headline table, the
/// hours inside by unit and the verdict.
fn terminal_text(
    a: &ValidateArgs,
    model: &hospsim_sim::Model,
    read: &super::ReadLog,
    rows: &[Judged],
    (judged, inside): (usize, usize),
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} against {} ({} visits, {:.1} days from {}), {} replications, arrivals {}",
        model.name,
        a.log.display(),
        read.visits.visits.len(),
        read.visits.days(),
        time::format_minutes(read.origin),
        model.replications,
        if a.replay {
            "replayed from the log"
        } else {
            "from the scenario"
        }
    );
    reject_preview(&mut s, read);
    let mut table_rows = vec![crate::table::header(&[
        "measure",
        "unit",
        "history",
        "simulated",
        "95% CI of mean",
        "95% prediction",
        "inside",
    ])];
    for r in rows.iter().filter(|r| !r.is_hourly()) {
        let f = |v: f64| fmt(v, r.measure.unit);
        table_rows.push(vec![
            super::truncate(&r.measure.label, 60),
            r.measure.unit.to_string(),
            f(r.measure.value),
            f(r.sim_mean),
            format!("[{}, {}]", f(r.ci.0), f(r.ci.1)),
            format!("[{}, {}]", f(r.range.0), f(r.range.1)),
            match r.inside {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "-",
            }
            .to_string(),
        ]);
    }
    s.push('\n');
    s.push_str(&crate::table::render(&table_rows));
    for u in &read.visits.units {
        let hours = Verdict::of(rows.iter().filter(|r| r.is_hour_of(u)));
        if hours.judged > 0 {
            let _ = writeln!(
                s,
                "  occupancy of {u} by hour of week: {} of {} hours inside",
                hours.inside, hours.judged
            );
        }
    }
    let _ = writeln!(
        s,
        "\n  {inside} of {judged} measures inside the 95% prediction interval of one replication (about 95% expected of a faithful model)"
    );
    s
}

fn fmt(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        "-".into()
    } else if unit == "share" {
        format!("{:.1}%", 100.0 * v)
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

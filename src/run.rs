//! What the commands share (threads, run plans, progress bars, results
//! folders) and `hospsim run` / `demo` themselves.

use crate::{RunArgs, interrupt, load, output, report, staging, table};
use anyhow::{Context, Result, anyhow};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let s = s
        .split('_')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    if s.is_empty() { "scenario".into() } else { s }
}

/// Worker threads from `--threads` (default: all cores).
pub(crate) fn thread_count(threads: Option<usize>) -> Result<usize> {
    use hospsim_sim::limits::MAX_THREADS;
    match threads {
        Some(0) => Err(anyhow!("--threads must be at least 1")),
        Some(t) if t > MAX_THREADS => Err(anyhow!(
            "--threads {t}: at most {MAX_THREADS}\n  hint: more threads than cores never makes a run faster; leave --threads out to use all cores"
        )),
        Some(t) => Ok(t),
        None => Ok(std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(MAX_THREADS)),
    }
}

/// `--time-zone`: the zone looked up in the bundled IANA database, or an
/// error naming the flag, what it expects and a close name.
pub(crate) fn time_zone_flag(
    name: Option<&str>,
) -> Result<Option<hospsim_sim::timestamp::TimeZone>> {
    match name {
        None => Ok(None),
        Some(n) => hospsim_sim::timestamp::time_zone(n)
            .map(Some)
            .map_err(|e| anyhow!("--time-zone: {e}\n  hint: {}", e.hint)),
    }
}

/// The user's `--set`s with `--time-zone` as `sim.time_zone` (checked first,
/// so that a wrong name is said at the flag, not at a field of the file).
pub(crate) fn sets_with_zone(sets: &[String], zone: Option<&str>) -> Result<Vec<String>> {
    let mut sets = sets.to_vec();
    if let Some(tz) = time_zone_flag(zone)? {
        // A TOML string, quoted and escaped as --set reads values.
        let name = hospsim_sim::timestamp::zone_name(&tz);
        sets.push(format!("sim.time_zone={}", toml_edit::Value::from(name)));
    }
    Ok(sets)
}

/// A run plan with `--reps` and `--seed`.
pub(crate) fn run_plan(reps: Option<u32>, seed: Option<u64>) -> Result<hospsim_sim::plan::RunPlan> {
    if let Some(r) = reps {
        check_reps(r)?;
    }
    Ok(hospsim_sim::plan::RunPlan {
        replications: reps,
        seed,
        ..Default::default()
    })
}

/// The model as `plan` runs it (the compiled model is never edited).
pub(crate) fn planned(
    model: &hospsim_sim::Model,
    plan: &hospsim_sim::plan::RunPlan,
) -> Result<hospsim_sim::Model> {
    model.plan(plan).map_err(|e| anyhow!("{}: {e}", model.name))
}

/// `--reps` within 1 and the limit.
pub(crate) fn check_reps(r: u32) -> Result<()> {
    use hospsim_sim::limits::MAX_REPLICATIONS;
    if r == 0 {
        return Err(anyhow!("--reps must be at least 1"));
    }
    if r > MAX_REPLICATIONS {
        return Err(anyhow!(
            "--reps {r}: at most {MAX_REPLICATIONS} replications\n  hint: a few dozen give intervals a planner can act on"
        ));
    }
    Ok(())
}

/// A progress bar on stderr for `n` replications of `name`, hidden when quiet.
pub(crate) fn progress_bar(n: u32, name: &str, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::with_draw_target(Some(n as u64), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} replications ({elapsed})")
    {
        b.set_style(style.progress_chars("=> "));
    }
    b.set_message(name.to_string());
    b
}

/// Opens the results folder: `--out`, or `out/<default name>`.
pub(crate) fn output_dir(out: &Option<PathBuf>, default_name: &str) -> Result<staging::Staged> {
    let dir = out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(slug(default_name)));
    staging::Staged::begin(&dir)
}

/// Patients a replication is expected to bring (arrival rates over the horizon).
fn expected_arrivals(model: &hospsim_sim::Model) -> f64 {
    use hospsim_sim::model::ArrivalProcess;
    let per_class = |p: &ArrivalProcess| -> f64 {
        match p {
            ArrivalProcess::Poisson { rate_per_min, .. } => {
                rate_per_min.iter().sum::<f64>() / rate_per_min.len().max(1) as f64 * model.horizon
            }
            ArrivalProcess::Piecewise { .. } => f64::NAN,
            ArrivalProcess::Weekly(slots) => {
                slots.iter().map(|s| s.1 as f64).sum::<f64>() * model.horizon / 10080.0
            }
            ArrivalProcess::At(list) => list.iter().map(|s| s.1 as f64).sum(),
            ArrivalProcess::Surge { n, .. } => *n as f64,
            ArrivalProcess::Replay { list, .. } => list.len() as f64,
        }
    };
    model
        .classes
        .iter()
        .map(|c| per_class(&c.process).min(c.max_arrivals as f64))
        .filter(|x| x.is_finite())
        .sum()
}

/// Says what --trace is about to write: a year of a hospital is hundreds of
/// megabytes, which should not arrive unannounced.
fn trace_note(model: &hospsim_sim::Model, trace_reps: Option<u32>) {
    let reps = trace_reps.map_or(model.replications, |n| n.min(model.replications));
    let rows = expected_arrivals(model) * reps as f64;
    // Each row: ids and route (about 40 bytes), then per milestone a
    // 20-byte timestamp or an empty field; the default hospital's patients
    // reach about one in five of its milestones, 220 bytes a row.
    let mb = rows * (40.0 + 4.0 * model.milestones.len() as f64) / 1e6;
    let hint = if trace_reps.is_none() && model.replications > 1 && mb > 50.0 {
        "; --trace-reps 1 traces one replication"
    } else {
        ""
    };
    note!(
        "tracing {reps} replication(s): patients.csv will hold about {:.0} patients (~{:.0} MB){hint}",
        rows,
        mb.max(1.0)
    );
}

pub(crate) fn simulate(
    loaded: load::Loaded,
    args: &RunArgs,
    prov: staging::Provenance,
    plan: hospsim_sim::plan::RunPlan,
) -> Result<()> {
    let model = planned(&loaded.model, &plan)?;
    if !args.quiet {
        for w in &model.warnings {
            note!("warning: {w}");
        }
    }
    let lang = report::parse_lang(&args.lang)?;
    let threads = thread_count(args.threads)?;
    let mut dir = output_dir(&args.out, &loaded.scenario.name)?;
    let bar = progress_bar(model.replications, &model.name, args.quiet);
    let opts = hospsim_sim::runner::RunOptions {
        threads,
        trace: args.trace || args.trace_reps.is_some(),
        trace_replications: args.trace_reps,
        cancel: Some(interrupt::flag()),
    };
    if opts.trace && !args.quiet {
        trace_note(&model, args.trace_reps);
    }
    let t0 = Instant::now();
    // The patient trace is written as the replications come, never all kept.
    let mut trace = if opts.trace {
        let (file, _) = dir.create("patients.csv")?;
        let mut w = hospsim_formats::write::CsvWriter::new(file);
        output::patients_csv_header(&mut w, &model)?;
        Some(w)
    } else {
        None
    };
    let reps = hospsim_sim::runner::simulate_each(&model, &opts, &|| bar.inc(1), &mut |rep| {
        if let Some(w) = trace.as_mut() {
            output::patients_csv_rows(w, &model, rep)?;
        }
        Ok::<(), anyhow::Error>(())
    })?;
    if let Some(w) = trace {
        w.finish()
            .and_then(|mut f| std::io::Write::flush(&mut f))
            .context("cannot write patients.csv")?;
    }
    let wall = t0.elapsed().as_secs_f64();
    bar.finish_and_clear();

    let (mut summary, table) = hospsim_sim::runner::summarize(&model, &reps, threads);
    summary.run.wall_seconds = wall;
    dir.write("summary.json", &output::summary_json(&summary)?)?;
    dir.write("replications.csv", &output::replications_csv(&table)?)?;
    dir.write("occupancy.csv", &output::occupancy_csv(&summary, &reps)?)?;
    output::write_timeseries_csv(&mut dir, &model, &reps)?;
    if !args.no_report {
        let mut files = vec![
            "summary.json".to_string(),
            "replications.csv".into(),
            "occupancy.csv".into(),
            "timeseries.csv".into(),
        ];
        if opts.trace {
            files.push("patients.csv".into());
        }
        report::write_run_report(
            &mut dir,
            &model,
            &summary,
            &reps,
            loaded.scenario.description.clone(),
            lang,
            files,
            &args.sets,
        )?;
    }
    let prov = prov
        .scenario(&loaded, &model)?
        .run(model.seed, model.replications, threads);
    let written = dir.commit(&prov)?;
    output::announce(args.quiet, &table::summary_tables(&summary), &written)
}

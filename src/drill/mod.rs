//! `hospsim drill`: a crisis drill beside its no-drill baseline on the same
//! seeds (the runs and the analysis are in hospsim-study).

use crate::output::timestamp;
use crate::{CompareArgs, load, output_dir, thread_count};
use anyhow::Result;
use hospsim_formats::write::CsvWriter;
use hospsim_sim::Model;
use hospsim_sim::runner::Replications;
use hospsim_study::drill::{DrillReport, mean_at, sample_at, sample_grid};
use std::fmt::Write as _;
use std::path::Path;

mod present;
use present::{drill_text, drill_view};

/// Runs the drill, its baseline and (per response) the drill without that
/// response, then writes drill.json, timeline.csv and the report.
pub(crate) fn drill(file: &Path, args: &CompareArgs) -> Result<()> {
    let loaded = load::load_file(file, &args.sets)?;
    let reps = args.reps.unwrap_or(loaded.model.replications);
    crate::check_reps(reps)?;
    let seed = args.seed.unwrap_or(loaded.model.seed);
    let threads = thread_count(args.threads)?;
    let lang = crate::report::parse_lang(&args.lang)?;
    let name = loaded.model.drill.as_ref().map_or("", |d| d.name.as_str());
    let mut out_dir = output_dir(&args.out, &format!("drill {name}"))?;
    let bar = crate::progress_bar(reps, &loaded.model.name, args.quiet);
    let done = hospsim_study::drill::drill(
        &loaded.scenario,
        &loaded.model,
        reps,
        seed,
        &hospsim_study::Options {
            threads,
            cancel: Some(crate::interrupt::flag()),
            progress: &|| bar.inc(1),
        },
    )
    .map_err(|e| match e {
        hospsim_study::StudyError::Input(m) if m.contains("no [drill]") => {
            anyhow::anyhow!("{}: {m}", file.display())
        }
        other => other.into(),
    })?;
    bar.finish_and_clear();
    let (report, drill_model) = (&done.report, &done.drill_model);
    let def = drill_model.drill.clone().unwrap_or_default();
    let json = crate::output::json_bytes(report)?;
    out_dir.write("drill.json", &json)?;
    out_dir.write(
        "timeline.csv",
        &timeline_csv(drill_model, &done.drill, &done.base, def.start)?,
    )?;
    let mut view = drill_view(
        report,
        drill_model,
        &done.drill,
        &done.base,
        (def.start, def.end),
        lang,
    );
    view.overrides = args.sets.clone();
    out_dir.write("report.html", view.render()?.as_bytes())?;
    let prov = crate::staging::Provenance::new(&args.sets)
        .scenario(&loaded, drill_model)?
        .run(seed, reps, threads);
    let written = out_dir.commit(&prov)?;
    crate::output::announce(args.quiet, &drill_text(report), &written)
}

fn timeline_csv(
    m: &Model,
    drill: &Replications,
    base: &Replications,
    start: f64,
) -> std::io::Result<Vec<u8>> {
    let (_, n_samples) = sample_grid(m, drill, base);
    let k0 = sample_at(m, start - 24.0 * 60.0, n_samples);
    let mut w = CsvWriter::in_memory();
    w.row([
        "time",
        "hours_from_drill_start",
        "resource",
        "drill_busy_mean",
        "drill_busy_p95",
        "drill_queue_mean",
        "drill_queue_p95",
        "baseline_busy_mean",
        "baseline_queue_mean",
        "drill_capacity_mean",
    ])?;
    for k in k0..n_samples {
        let t = k as f64 * m.sample_interval;
        let stamp = timestamp(m, t);
        for (r, def) in m.resources.iter().enumerate() {
            let (d, b) = (drill.samples.at(m, k, r), base.samples.at(m, k, r));
            w.record(&[
                &stamp,
                &((t - start) / 60.0),
                &def.name,
                &d.busy[0],
                &d.busy[2],
                &d.queue[0],
                &d.queue[2],
                &b.busy[0],
                &b.queue[0],
                &d.capacity,
            ])?;
        }
    }
    w.into_bytes()
}

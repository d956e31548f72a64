//! `hospsim sweep`: a grid of parameter values, each point run on the same
//! seeds (the grid and its analysis are in hospsim-study).

use crate::{CompareArgs, load, output_dir, thread_count};
use anyhow::Result;
use hospsim_formats::write::CsvWriter;
use hospsim_study::sweep::{Grid, Param, Sweep, Target};
use std::fmt::Write as _;
use std::path::Path;

/// Runs every point of the grid and writes sweep.csv and sweep.json.
pub(crate) fn sweep(
    scenario: &Path,
    raw_params: &[String],
    raw_target: Option<&str>,
    args: &CompareArgs,
) -> Result<()> {
    let params: Vec<Param> = raw_params
        .iter()
        .map(|p| Param::parse(p))
        .collect::<Result<_, _>>()?;
    let grid = Grid::new(params, &args.sets)?;
    let target = raw_target.map(Target::parse).transpose()?;
    let threads = thread_count(args.threads)?;
    let lang = crate::report::parse_lang(&args.lang)?;
    // The base scenario, loaded once up front: its name names the results
    // folder, which is checked before the first point runs.
    let base = load::load_file(scenario, &args.sets)?;
    let mut out_dir = output_dir(&args.out, &format!("sweep {}", base.scenario.name))?;
    let plan = crate::run_plan(args.reps, args.seed)?;
    let base_model = crate::planned(&base.model, &plan)?;
    let mut prov = crate::staging::Provenance::new(&args.sets).scenario(&base, &base_model)?;
    // Hidden when stderr is not a terminal (indicatif's default), and with --quiet.
    let bar = if args.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::with_draw_target(
            Some(grid.len() as u64),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "sweep [{bar:30}] {pos}/{len} points ({elapsed}) {msg}",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b
    };
    let model_at = |at: &[(String, String)]| {
        let mut sets = args.sets.clone();
        sets.extend(at.iter().map(|(p, v)| format!("{p}={v}")));
        load::load_file(scenario, &sets)
            .map(|l| l.model)
            .map_err(|e| hospsim_study::StudyError::Input(e.to_string()))
    };
    let mut on_point = |index: usize, at: &[(String, String)]| {
        if index > 0 {
            bar.inc(1);
        }
        let label: Vec<String> = at.iter().map(|(p, v)| format!("{p}={v}")).collect();
        bar.set_message(label.join(" "));
    };
    let done = hospsim_study::sweep::sweep(
        &grid,
        target.as_ref(),
        &plan,
        &model_at,
        &mut on_point,
        &hospsim_study::Options {
            threads,
            cancel: Some(crate::interrupt::flag()),
            progress: &|| {},
        },
    )?;
    bar.finish_and_clear();
    let (result, labels) = (done.sweep, done.labels);
    let (reps, seed) = (result.replications, result.seed);
    let json = crate::output::json_bytes(&result)?;
    out_dir.write("sweep.json", &json)?;
    out_dir.write("sweep.csv", &sweep_csv(&result)?)?;
    let view = hospsim_reports::SweepView {
        lang,
        scenario: result.scenario.clone(),
        params: result.params.clone(),
        points: result
            .points
            .iter()
            .map(|p| hospsim_reports::pages::SweepPoint {
                values: p.params.iter().map(|(_, v)| v.clone()).collect(),
                kpis: p
                    .kpis
                    .iter()
                    .map(|k| {
                        (
                            k.name.clone(),
                            labels
                                .get(&k.name)
                                .cloned()
                                .unwrap_or_else(|| k.name.clone()),
                            k.unit.clone(),
                            k.est,
                        )
                    })
                    .collect(),
                meets: p.meets_target,
            })
            .collect(),
        target: result.target.clone(),
        cheapest: result.cheapest_meeting_target,
        files: vec!["sweep.json".into(), "sweep.csv".into()],
        overrides: args.sets.clone(),
    };
    out_dir.write("report.html", view.render()?.as_bytes())?;
    prov = prov.run(seed, reps, threads);
    let written = out_dir.commit(&prov)?;
    crate::output::announce(args.quiet, &sweep_table(&result), &written)
}

fn sweep_csv(s: &Sweep) -> std::io::Result<Vec<u8>> {
    let mut w = CsvWriter::in_memory();
    let mut header = vec!["point".to_string()];
    header.extend(s.params.iter().cloned());
    if let Some(p) = s.points.first() {
        for k in &p.kpis {
            let n = &k.name;
            header.extend([n.clone(), format!("{n}_ci95_lo"), format!("{n}_ci95_hi")]);
        }
        for u in &p.utilisation {
            let n = &u.name;
            header.extend([
                format!("util_{n}"),
                format!("util_{n}_ci95_lo"),
                format!("util_{n}_ci95_hi"),
            ]);
        }
        for k in &p.statistics {
            let n = &k.name;
            header.extend([n.clone(), format!("{n}_ci95_lo"), format!("{n}_ci95_hi")]);
        }
    }
    if s.target.is_some() {
        header.extend(
            [
                "target_value",
                "meets_target",
                "meets_target_with_95_confidence",
            ]
            .map(String::from),
        );
    }
    w.row(&header)?;
    for p in &s.points {
        w.display(p.index)?;
        for (_, v) in &p.params {
            w.text(v)?;
        }
        for k in p.kpis.iter().chain(&p.utilisation).chain(&p.statistics) {
            w.num(k.est.mean)?;
            w.num(k.est.ci95[0])?;
            w.num(k.est.ci95[1])?;
        }
        if s.target.is_some() {
            w.opt_num(p.target_value)?;
            w.display(p.meets_target.unwrap_or(false))?;
            w.display(p.meets_target_with_95_confidence.unwrap_or(false))?;
        }
        w.end()?;
    }
    w.into_bytes()
}

fn sweep_table(s: &Sweep) -> String {
    let mut out = format!(
        "{}: {} point(s), {} replication(s) each, seed {}\n\n",
        s.scenario,
        s.points.len(),
        s.replications,
        s.seed
    );
    let mut header: Vec<String> = vec!["point".into()];
    header.extend(s.params.iter().cloned());
    let shown: Vec<&str> = s
        .points
        .first()
        .map(|p| p.kpis.iter().take(4).map(|k| k.name.as_str()).collect())
        .unwrap_or_default();
    header.extend(shown.iter().map(|k| k.to_string()));
    if let Some(t) = &s.target {
        header.push(format!("target: {t}"));
    }
    let mut rows = vec![header];
    for p in &s.points {
        let mut row = vec![p.index.to_string()];
        row.extend(p.params.iter().map(|(_, v)| v.clone()));
        for name in &shown {
            let k = p.kpis.iter().find(|k| k.name == *name);
            row.push(k.map(|k| format!("{:.3}", k.est.mean)).unwrap_or_default());
        }
        if s.target.is_some() {
            let mark = match (p.meets_target_with_95_confidence, p.meets_target) {
                (Some(true), _) => "met (95% CI)",
                (_, Some(true)) => "met (mean)",
                _ => "not met",
            };
            row.push(format!("{:.3} {mark}", p.target_value.unwrap_or(f64::NAN)));
        }
        rows.push(row);
    }
    out.push_str(&crate::table::render(&rows));
    if s.target.is_some() {
        match s.cheapest_meeting_target {
            Some(i) => {
                let p = &s.points[i];
                let desc: Vec<String> = p.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let _ = writeln!(
                    out,
                    "\n  cheapest point meeting the target: {} ({})",
                    i,
                    desc.join(" ")
                );
            }
            None => {
                let _ = writeln!(out, "\n  no point of the grid meets the target");
            }
        }
    }
    out
}

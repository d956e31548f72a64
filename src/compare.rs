//! `hospsim compare`: variants against a base on common random numbers.

use crate::{CompareArgs, load, output_dir, thread_count};
use anyhow::Result;
use hospsim_formats::write::{CsvWriter, Significant};
use hospsim_study::compare::{Comparison, Label};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Runs the base and every variant on the same replications and seeds (or
/// independent seeds), and writes comparison.json and comparison.csv.
pub(crate) fn compare(
    base: &Path,
    variants: &[PathBuf],
    indep: bool,
    args: &CompareArgs,
) -> Result<()> {
    let files: Vec<&Path> = std::iter::once(base)
        .chain(variants.iter().map(|p| p.as_path()))
        .collect();
    let mut loaded = vec![];
    for f in &files {
        loaded.push(load::load_file(f, &args.sets)?);
    }
    let reps = args.reps.unwrap_or(loaded[0].model.replications);
    crate::check_reps(reps)?;
    let seed = args.seed.unwrap_or(loaded[0].model.seed);
    let threads = thread_count(args.threads)?;
    let lang = crate::report::parse_lang(&args.lang)?;
    let mut out_dir = output_dir(&args.out, "compare")?;
    let bar = crate::progress_bar(reps * loaded.len() as u32, "compare", args.quiet);
    let scenarios: Vec<(String, hospsim_sim::Model)> = files
        .iter()
        .zip(&loaded)
        .map(|(f, l)| (f.display().to_string(), l.model.clone()))
        .collect();
    let result = hospsim_study::compare::compare(
        &scenarios,
        &hospsim_study::compare::Settings {
            replications: reps,
            seed,
            independent: indep,
        },
        &hospsim_study::Options {
            threads,
            cancel: Some(crate::interrupt::flag()),
            progress: &|| bar.inc(1),
        },
    )?;
    bar.finish_and_clear();
    let (comparison, labels, models) = (result.comparison, result.labels, result.models);
    let json = crate::output::json_bytes(&comparison)?;
    out_dir.write("comparison.json", &json)?;
    out_dir.write("comparison.csv", &comparison_csv(&comparison)?)?;
    let view = hospsim_reports::CompareView {
        lang,
        scenarios: comparison
            .scenarios
            .iter()
            .map(|s| s.name.clone())
            .collect(),
        replications: comparison.replications,
        common_random_numbers: comparison.common_random_numbers,
        rows: comparison
            .measures
            .iter()
            .map(|m| hospsim_reports::pages::CompareRow {
                name: m.name.clone(),
                label: m.label.clone(),
                unit: m.unit.clone(),
                headline: labels.get(&m.name).is_some_and(|l| l.2),
                base: m.base,
                variants: m.variants.iter().map(|v| (v.value, v.difference)).collect(),
            })
            .collect(),
        files: vec!["comparison.json".into(), "comparison.csv".into()],
        overrides: args.sets.clone(),
    };
    out_dir.write("report.html", view.render()?.as_bytes())?;
    let mut prov = crate::staging::Provenance::new(&args.sets).run(seed, reps, threads);
    for (l, m) in loaded.iter().zip(&models) {
        prov = prov.scenario(l, m)?;
    }
    let written = out_dir.commit(&prov)?;
    crate::output::announce(
        args.quiet,
        &comparison_table(&comparison, &labels),
        &written,
    )
}

fn comparison_csv(c: &Comparison) -> std::io::Result<Vec<u8>> {
    let mut w = CsvWriter::in_memory();
    w.row([
        "measure",
        "unit",
        "scenario",
        "mean",
        "ci95_lo",
        "ci95_hi",
        "difference",
        "difference_ci95_lo",
        "difference_ci95_hi",
        "p_value",
        "variance_reduction",
    ])?;
    for m in &c.measures {
        let b = &m.base;
        let none = None::<f64>;
        w.record(&[
            &m.name,
            &m.unit,
            &c.scenarios[0].name,
            &b.mean,
            &b.ci95[0],
            &b.ci95[1],
            &none,
            &none,
            &none,
            &none,
            &none,
        ])?;
        for v in &m.variants {
            let d = &v.difference;
            w.record(&[
                &m.name,
                &m.unit,
                &v.scenario,
                &v.value.mean,
                &v.value.ci95[0],
                &v.value.ci95[1],
                &d.mean,
                &d.ci95[0],
                &d.ci95[1],
                &Significant(d.p_value),
                &d.variance_reduction,
            ])?;
        }
    }
    w.into_bytes()
}

fn fmt(v: f64, unit: &str) -> String {
    if v.is_finite() {
        hospsim_reports::html::value(v, unit)
    } else {
        "-".into()
    }
}

fn fmt_diff(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let s = if unit == "share" {
        format!("{:.1}pp", v * 100.0)
    } else {
        fmt(v, unit)
    };
    if v > 0.0 { format!("+{s}") } else { s }
}

fn comparison_table(c: &Comparison, labels: &HashMap<String, Label>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} replication(s), seed {}, {}\n",
        c.replications,
        c.seed,
        if c.common_random_numbers {
            "common random numbers (paired differences)"
        } else {
            "independent random numbers (Welch intervals)"
        }
    );
    for (k, v) in c.scenarios.iter().enumerate().skip(1) {
        let _ = writeln!(out, "  {}  vs  base {}", v.name, c.scenarios[0].name);
        let mut rows = vec![vec![
            "measure".to_string(),
            "unit".into(),
            "base".into(),
            "variant".into(),
            "difference".into(),
            "95% CI".into(),
            "p".into(),
            "CRN var. red.".into(),
        ]];
        for m in &c.measures {
            if !labels.get(&m.name).is_some_and(|l| l.2) {
                continue;
            }
            let Some(vr) = m.variants.get(k - 1) else {
                continue;
            };
            let d = &vr.difference;
            let unit = if m.unit == "share" {
                "share"
            } else {
                m.unit.as_str()
            };
            rows.push(vec![
                m.label.clone(),
                unit.to_string(),
                fmt(m.base.mean, unit),
                fmt(vr.value.mean, unit),
                fmt_diff(d.mean, unit),
                format!(
                    "[{}, {}]",
                    fmt_diff(d.ci95[0], unit),
                    fmt_diff(d.ci95[1], unit)
                ),
                if d.p_value.is_finite() {
                    if d.p_value < 0.001 {
                        "<0.001".into()
                    } else {
                        format!("{:.3}", d.p_value)
                    }
                } else {
                    "-".into()
                },
                if d.variance_reduction.is_finite() && c.common_random_numbers {
                    format!("{:.0}%", d.variance_reduction * 100.0)
                } else {
                    "-".into()
                },
            ]);
        }
        out.push_str(&crate::table::render(&rows));
        out.push('\n');
    }
    out
}

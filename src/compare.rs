//! `hospsim compare`: variants against a base on common random numbers.

use crate::output::{csv_num, csv_text};
use crate::{CompareArgs, load, output_dir, run_replications, thread_count};
use anyhow::{Result, anyhow};
use hospsim_sim::compare::{Difference, independent, paired};
use hospsim_sim::results::{Est, ReplicationTable, Summary};
use hospsim_sim::stats::estimate;
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Version of the `comparison.json` layout.
const COMPARISON_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct ScenarioRef {
    name: String,
    file: String,
    seed: u64,
}

#[derive(Serialize)]
struct VariantResult {
    scenario: String,
    value: Est,
    difference: Difference,
}

#[derive(Serialize)]
struct Measure {
    name: String,
    label: String,
    unit: String,
    base: Est,
    variants: Vec<VariantResult>,
}

#[derive(Serialize)]
struct Comparison {
    schema_version: u32,
    common_random_numbers: bool,
    replications: u32,
    seed: u64,
    scenarios: Vec<ScenarioRef>,
    measures: Vec<Measure>,
}

/// Labels and units of replication-table columns, from the summary.
fn describe(summary: &Summary) -> HashMap<String, (String, String, bool)> {
    let mut d = HashMap::new();
    for k in &summary.kpis {
        d.insert(k.name.clone(), (k.label.clone(), k.unit.clone(), true));
        for p in &k.percentiles {
            d.insert(
                format!("{}_p{}", k.name, p.p),
                (format!("{} P{}", k.label, p.p), k.unit.clone(), false),
            );
        }
        d.insert(
            format!("{}_share_within", k.name),
            (
                format!("{}: share within target", k.label),
                "share".into(),
                true,
            ),
        );
    }
    for r in &summary.resources {
        d.insert(
            format!("util_{}", r.id),
            (format!("Utilisation: {}", r.label), "share".into(), true),
        );
    }
    for it in &summary.items {
        for (prefix, what, unit) in [
            ("fill", "fill rate", "share"),
            ("stockout_h", "stock-out hours a year", "h"),
            ("missed", "missed units a day", "per day"),
            ("expired", "expired units a year", "per year"),
            ("stock", "mean stock", "units"),
        ] {
            d.insert(
                format!("{prefix}_{}", it.id),
                (format!("{}: {what}", it.label), unit.into(), true),
            );
        }
    }
    d
}

fn column(table: &ReplicationTable, name: &str) -> Option<Vec<f64>> {
    let j = table.columns.iter().position(|c| c == name)?;
    Some(table.rows.iter().map(|r| r[j]).collect())
}

/// A seed for variant `i` unrelated to the base's, for `--independent`.
fn independent_seed(seed: u64, i: usize) -> u64 {
    seed ^ (0x9e37_79b9_7f4a_7c15u64.wrapping_mul(i as u64 + 1)).rotate_left(17)
}

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
    if reps < 2 {
        return Err(anyhow!(
            "compare needs at least 2 replications to give intervals (got {reps})\n  hint: --reps 30"
        ));
    }
    let seed = args.seed.unwrap_or(loaded[0].model.seed);
    let threads = thread_count(args.threads)?;
    let lang = crate::report::parse_lang(&args.lang)?;
    let mut out_dir = output_dir(&args.out, "compare")?;
    let mut results: Vec<(Summary, ReplicationTable)> = vec![];
    let mut refs = vec![];
    let mut models = vec![];
    for (i, l) in loaded.iter().enumerate() {
        let plan = hospsim_sim::plan::RunPlan {
            replications: Some(reps),
            seed: Some(if indep && i > 0 {
                independent_seed(seed, i)
            } else {
                seed
            }),
            ..Default::default()
        };
        let model = crate::planned(&l.model, &plan)?;
        let (out, wall) = run_replications(&model, threads, args.quiet)?;
        let (mut summary, table) = hospsim_sim::runner::summarize(&model, &out, threads);
        summary.run.wall_seconds = wall;
        refs.push(ScenarioRef {
            name: model.name.clone(),
            file: files[i].display().to_string(),
            seed: model.seed,
        });
        results.push((summary, table));
        models.push(model);
    }
    let labels = describe(&results[0].0);
    let mut measures = vec![];
    for name in &results[0].1.columns {
        let Some(b) = column(&results[0].1, name) else {
            continue;
        };
        let (label, unit, _) = labels
            .get(name)
            .cloned()
            .unwrap_or_else(|| (name.clone(), String::new(), false));
        let mut vs = vec![];
        for (k, (_, table)) in results.iter().enumerate().skip(1) {
            let Some(v) = column(table, name) else {
                continue;
            };
            let difference = if indep {
                independent(&b, &v)
            } else {
                paired(&b, &v)
            };
            vs.push(VariantResult {
                scenario: refs[k].name.clone(),
                value: estimate(&v).into(),
                difference,
            });
        }
        measures.push(Measure {
            name: name.clone(),
            label,
            unit,
            base: estimate(&b).into(),
            variants: vs,
        });
    }
    let comparison = Comparison {
        schema_version: COMPARISON_SCHEMA_VERSION,
        common_random_numbers: !indep,
        replications: reps,
        seed,
        scenarios: refs,
        measures,
    };
    let json = crate::output::json_bytes(&comparison)?;
    out_dir.write("comparison.json", &json)?;
    out_dir.write("comparison.csv", comparison_csv(&comparison).as_bytes())?;
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

fn comparison_csv(c: &Comparison) -> String {
    let mut out = String::from(
        "measure,unit,scenario,mean,ci95_lo,ci95_hi,difference,difference_ci95_lo,difference_ci95_hi,p_value,variance_reduction\n",
    );
    for m in &c.measures {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},,,,,",
            m.name,
            m.unit,
            csv_text(&c.scenarios[0].name),
            csv_num(m.base.mean),
            csv_num(m.base.ci95[0]),
            csv_num(m.base.ci95[1])
        );
        for v in &m.variants {
            let d = &v.difference;
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{},{},{},{}",
                m.name,
                m.unit,
                csv_text(&v.scenario),
                csv_num(v.value.mean),
                csv_num(v.value.ci95[0]),
                csv_num(v.value.ci95[1]),
                csv_num(d.mean),
                csv_num(d.ci95[0]),
                csv_num(d.ci95[1]),
                csv_num(d.p_value),
                csv_num(d.variance_reduction)
            );
        }
    }
    out
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

fn comparison_table(c: &Comparison, labels: &HashMap<String, (String, String, bool)>) -> String {
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

//! Variants against a base on common random numbers (or independent ones):
//! every replication-table column of the base beside each variant's, with
//! the paired (or Welch) difference, its interval, p-value and the variance
//! that common random numbers saved.
//!
//! ```
//! use hospsim_study::{compare, Options};
//! let text = |beds: u32| format!(r#"
//! name = "ward {beds}"
//! [sim]
//! horizon = "60 d"
//! [resources.bed]
//! capacity = {beds}
//! [arrivals.a]
//! pathway = "p"
//! per_day = 4
//! [pathways.p]
//! steps = [ {{ seize = ["bed"], mark = "in_bed" }}, {{ activity = "stay", duration = {{ exponential = {{ mean = "2 d" }} }} }}, {{ release = "bed" }}, {{ exit = "discharged" }} ]
//! [kpis.wait]
//! from = "arrival"
//! to = "in_bed"
//! unit = "h"
//! "#);
//! let model = |b| hospsim_sim::compile(&toml::from_str(&text(b)).unwrap()).unwrap();
//! let result = compare::compare(
//!     &[("base.toml".into(), model(9)), ("more.toml".into(), model(11))],
//!     &compare::Settings { replications: 10, seed: 7, independent: false },
//!     &Options::threads(2),
//! ).unwrap();
//! let wait = result.comparison.measures.iter().find(|m| m.name == "wait").unwrap();
//! assert!(wait.variants[0].difference.mean < 0.0); // more beds, shorter waits
//! ```

use crate::{Options, StudyError, input};
use hospsim_sim::Model;
use hospsim_sim::compare::{Difference, independent, paired};
use hospsim_sim::plan::RunPlan;
use hospsim_sim::results::{Est, ReplicationTable, Summary};
use hospsim_sim::stats::estimate;
use serde::Serialize;
use std::collections::HashMap;

/// Version of the `comparison.json` layout.
pub const COMPARISON_SCHEMA_VERSION: u32 = 1;

/// A scenario of the comparison.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioRef {
    /// Its name.
    pub name: String,
    /// The file it came from.
    pub file: String,
    /// The seed it ran with.
    pub seed: u64,
}

/// One variant's value of a measure and its difference from the base.
#[derive(Clone, Debug, Serialize)]
pub struct VariantResult {
    /// The variant's name.
    pub scenario: String,
    /// Its value across replications.
    pub value: Est,
    /// Variant minus base.
    pub difference: Difference,
}

/// One measure (a replication-table column) across the scenarios.
#[derive(Clone, Debug, Serialize)]
pub struct Measure {
    /// Column name.
    pub name: String,
    /// What it is.
    pub label: String,
    /// Its unit.
    pub unit: String,
    /// The base's value.
    pub base: Est,
    /// Each variant's.
    pub variants: Vec<VariantResult>,
}

/// `comparison.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    /// Layout version.
    pub schema_version: u32,
    /// Paired on common random numbers (else independent, Welch).
    pub common_random_numbers: bool,
    /// Replications of every scenario.
    pub replications: u32,
    /// The base's seed.
    pub seed: u64,
    /// Base first, then the variants.
    pub scenarios: Vec<ScenarioRef>,
    /// Every measure.
    pub measures: Vec<Measure>,
}

/// A label, a unit and whether the measure is a headline one (shown first).
pub type Label = (String, String, bool);

/// What a comparison gives back.
pub struct CompareResult {
    /// The comparison.
    pub comparison: Comparison,
    /// Label, unit and headline flag of every measure.
    pub labels: HashMap<String, Label>,
    /// Each scenario's summary (wall time included), base first.
    pub summaries: Vec<Summary>,
    /// The models as they ran (after replications and seed), base first.
    pub models: Vec<Model>,
}

/// How the scenarios are run against one another.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Replications of every scenario (at least 2, for intervals).
    pub replications: u32,
    /// Master seed (of the base; every variant's too unless independent).
    pub seed: u64,
    /// Run the variants on seeds of their own (Welch intervals), to measure
    /// what common random numbers save.
    pub independent: bool,
}

/// Labels and units of replication-table columns, from the summary.
pub fn describe(summary: &Summary) -> HashMap<String, Label> {
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

/// One column of a replication table.
pub fn column(table: &ReplicationTable, name: &str) -> Option<Vec<f64>> {
    let j = table.columns.iter().position(|c| c == name)?;
    Some(table.rows.iter().map(|r| r[j]).collect())
}

/// A seed for variant `i` unrelated to the base's, for independent runs.
pub fn independent_seed(seed: u64, i: usize) -> u64 {
    seed ^ (0x9e37_79b9_7f4a_7c15u64.wrapping_mul(i as u64 + 1)).rotate_left(17)
}

/// Runs the base (first) and every variant, each `(file, compiled model)`, on
/// the same replications and seeds (or independent seeds), and compares them.
pub fn compare(
    scenarios: &[(String, Model)],
    settings: &Settings,
    opts: &Options<'_>,
) -> Result<CompareResult, StudyError> {
    if scenarios.len() < 2 {
        return input("a comparison needs a base and at least one variant");
    }
    let reps = settings.replications;
    if reps < 2 {
        return input(format!(
            "compare needs at least 2 replications to give intervals (got {reps})\n  hint: --reps 30"
        ));
    }
    let mut results: Vec<(Summary, ReplicationTable)> = vec![];
    let mut refs = vec![];
    let mut models = vec![];
    for (i, (file, compiled)) in scenarios.iter().enumerate() {
        let plan = RunPlan {
            replications: Some(reps),
            seed: Some(if settings.independent && i > 0 {
                independent_seed(settings.seed, i)
            } else {
                settings.seed
            }),
            ..Default::default()
        };
        let model = compiled.plan(&plan)?;
        let t0 = std::time::Instant::now();
        let out = hospsim_sim::runner::simulate(&model, &opts.run(), opts.progress)?;
        let (mut summary, table) = hospsim_sim::runner::summarize(&model, &out, opts.threads);
        summary.run.wall_seconds = t0.elapsed().as_secs_f64();
        refs.push(ScenarioRef {
            name: model.name.clone(),
            file: file.clone(),
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
            let difference = if settings.independent {
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
    Ok(CompareResult {
        comparison: Comparison {
            schema_version: COMPARISON_SCHEMA_VERSION,
            common_random_numbers: !settings.independent,
            replications: reps,
            seed: settings.seed,
            scenarios: refs,
            measures,
        },
        labels,
        summaries: results.into_iter().map(|r| r.0).collect(),
        models,
    })
}

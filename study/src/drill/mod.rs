//! A crisis drill beside its no-drill baseline on the same seeds: KPI
//! effects, patients over critical thresholds, the resources that saturated
//! first and when they recovered, peak demand, supplies used, and what each
//! response bought.

mod analysis;

use analysis::*;
pub use analysis::{PairFacts, mean_at, pair_facts, sample_at, sample_grid};

use crate::{Options, StudyError, input};
use hospsim_sim::compare::Difference;
use hospsim_sim::engine::RepOutput;
use hospsim_sim::plan::RunPlan;
use hospsim_sim::results::Est;
use hospsim_sim::runner::Replications;
use hospsim_sim::{Model, Scenario};
use serde::Serialize;

/// Spacing of the drill timeline.
pub const TIMELINE_STEP_MIN: f64 = 15.0;
/// A deviation from the baseline smaller than this share (or half a patient) is
/// "back to normal".
pub const RECOVERY_TOLERANCE: f64 = 0.10;
/// How long a resource must stay back to normal to count as recovered.
pub const RECOVERY_HOLD_MIN: f64 = 24.0 * 60.0;

/// A KPI in the drill beside the baseline.
#[derive(Clone, Debug, Serialize)]
pub struct KpiEffect {
    /// KPI name.
    pub name: String,
    /// What it measures.
    pub label: String,
    /// Its unit.
    pub unit: String,
    /// Across the baseline's replications.
    pub baseline: Est,
    /// Across the drill's replications.
    pub drill: Est,
    /// Drill minus baseline, paired on the seeds.
    pub difference: Difference,
}

/// Patients past a KPI's critical threshold (its `within`), per replication.
#[derive(Clone, Debug, Serialize)]
pub struct Threshold {
    /// KPI name.
    pub kpi: String,
    /// What it measures.
    pub label: String,
    /// The threshold, in the KPI's unit.
    pub within: f64,
    /// Its unit.
    pub unit: String,
    /// Patients over it in the baseline.
    pub baseline_patients_over: Est,
    /// Patients over it in the drill.
    pub drill_patients_over: Est,
    /// The extra patients, paired.
    pub difference: Difference,
}

/// How one resource went through the drill.
#[derive(Clone, Debug, Serialize)]
pub struct ResourceStory {
    /// Resource id.
    pub id: String,
    /// Its name.
    pub label: String,
    /// Median hours after the drill start at which the resource was full with a
    /// longer queue than in the baseline; null if it never was.
    pub saturated_after_hours: Option<f64>,
    /// Share of replications in which it saturated.
    pub saturated_share: f64,
    /// Hours after the drill start until the mean queue and busy units, averaged
    /// over 24-hour windows, stay within 10% (or half a patient) of the baseline;
    /// null if the drill never moved it (`affected = false`) or if it had not
    /// recovered by the end (`recovered = false`).
    pub recovery_hours: Option<f64>,
    /// Whether it was back to normal by the end.
    pub recovered: bool,
    /// Whether the drill moved it at all.
    pub affected: bool,
    /// Highest mean (across replications) of busy units + queue after the drill start.
    pub peak_demand_mean: f64,
    /// 95th percentile across replications of each replication's peak demand.
    pub peak_demand_p95: f64,
    /// The same for the baseline over the same window.
    pub baseline_peak_demand_mean: f64,
    /// Mean capacity after the drill start.
    pub capacity_mean: f64,
}

/// A response of the drill plan: when it fired and what it bought.
#[derive(Clone, Debug, Serialize)]
pub struct ResponseStory {
    /// Its name.
    pub name: String,
    /// Share of replications in which it fired.
    pub fired_share: f64,
    /// Median hours after the drill start at which it fired.
    pub fired_after_hours_median: Option<f64>,
    /// KPI differences (with this response) - (without it), paired.
    pub effect: Vec<KpiEffect>,
}

/// What the drill used of a stocked item beside the baseline (whole run, per replication).
#[derive(Clone, Debug, Serialize)]
pub struct SupplyStory {
    /// Item id.
    pub id: String,
    /// Its name.
    pub label: String,
    /// Units used in the baseline.
    pub baseline_used: Est,
    /// Units used in the drill.
    pub drill_used: Est,
    /// The extra units, paired.
    pub extra_used: Difference,
    /// Share of demand filled from stock in the drill.
    pub drill_fill_rate: Est,
    /// The same in the baseline.
    pub baseline_fill_rate: Est,
    /// Units missed (out of stock, no substitute) in the drill.
    pub drill_missed: Est,
    /// Hours out of stock in the drill.
    pub drill_stockout_hours: Est,
    /// The same in the baseline.
    pub baseline_stockout_hours: Est,
}

/// `drill.json`: the drill's story.
#[derive(Clone, Debug, Serialize)]
pub struct DrillReport {
    /// Layout version.
    pub schema_version: u32,
    /// The drill's name.
    pub drill: String,
    /// The scenario's name.
    pub scenario: String,
    /// Replications of each run.
    pub replications: u32,
    /// Master seed (the same for the drill and its baseline).
    pub seed: u64,
    /// When the drill starts.
    pub drill_start: String,
    /// When its last event ends.
    pub drill_end: String,
    /// Hours after the start until every affected resource is back to normal; null if one never is.
    pub recovery_hours: Option<f64>,
    /// Arrivals diverted or cancelled by responses, per replication.
    pub turned_away_per_replication: f64,
    /// Every KPI, drill beside baseline.
    pub kpis: Vec<KpiEffect>,
    /// Patients over critical thresholds.
    pub thresholds: Vec<Threshold>,
    /// Resources, the first to saturate first.
    pub bottlenecks: Vec<ResourceStory>,
    /// The responses and their effects.
    pub responses: Vec<ResponseStory>,
    /// Stocked items: units used (blood units, drugs), fill rate, stock-outs.
    pub supplies: Vec<SupplyStory>,
}

/// What a drill gives back: its report and both runs, folded.
pub struct DrillResult {
    /// `drill.json`.
    pub report: DrillReport,
    /// The drill's model as it ran.
    pub drill_model: Model,
    /// The drill's replications.
    pub drill: Replications,
    /// The baseline's replications (the same seeds, no drill).
    pub base: Replications,
}

/// Runs the drill of `model` (compiled from `scenario`) and its baseline in
/// pairs on the same seeds, then (per response) the drill without that
/// response, and tells the story.
pub fn drill(
    scenario: &Scenario,
    model: &Model,
    replications: u32,
    seed: u64,
    opts: &Options<'_>,
) -> Result<DrillResult, StudyError> {
    if model.drill.is_none() {
        return input(
            "the scenario has no [drill]\n  hint: add [[drill.events]] (see docs/drills.md), or use `hospsim run`",
        );
    }
    if replications < 2 {
        return input(format!(
            "a drill needs at least 2 replications to give intervals (got {replications})"
        ));
    }
    let plan = RunPlan {
        replications: Some(replications),
        seed: Some(seed),
        sample_interval: Some(TIMELINE_STEP_MIN),
        ..Default::default()
    };
    let drill_model = model.plan(&plan)?;
    // The baseline is the same model with the drill switched off: its classes stay
    // (so KPIs that name them still compile) but nobody arrives in them.
    let base_model = model.plan(&RunPlan {
        without_drill: true,
        ..plan.clone()
    })?;
    let def = drill_model.drill.clone().unwrap_or_default();
    // The drill and its baseline run in pairs on the same seeds, folded as they
    // finish: what needs both of a pair (saturation against the baseline, each
    // replication's peak) is taken from the pair before it is dropped.
    let mut drill_out = Replications::new(&drill_model);
    let mut base_out = Replications::new(&base_model);
    let mut facts: Vec<PairFacts> = vec![];
    let (dm, bm) = (&drill_model, &base_model);
    hospsim_sim::runner::replicate(
        replications,
        opts.threads,
        opts.cancel,
        &|rep, stop| {
            let d = hospsim_sim::runner::one(dm, rep, false, false, stop)?;
            let b = hospsim_sim::runner::one(bm, rep, false, false, stop)?;
            let f = pair_facts(dm, &d, &b, def.start);
            Ok((d, b, f))
        },
        &mut |_, (d, b, f): (RepOutput, RepOutput, PairFacts)| {
            drill_out.add(dm, &d);
            base_out.add(bm, &b);
            facts.push(f);
            (opts.progress)();
            Ok::<(), StudyError>(())
        },
    )?;
    let (_, drill_table) = hospsim_sim::runner::summarize(&drill_model, &drill_out, opts.threads);
    let (_, base_table) = hospsim_sim::runner::summarize(&base_model, &base_out, opts.threads);

    let kpis = kpi_effects(&drill_model, &drill_table, &base_table);
    let thresholds = thresholds(&drill_model, &drill_out.rows, &base_out.rows);
    let bottlenecks = stories(&drill_model, &drill_out, &base_out, &facts, def.start);
    let recovery_hours = if bottlenecks.iter().any(|b| b.affected && !b.recovered) {
        None
    } else {
        bottlenecks
            .iter()
            .filter_map(|b| b.recovery_hours)
            .reduce(f64::max)
    };

    let mut responses = vec![];
    for (i, r) in def.responses.iter().enumerate() {
        let mut without = scenario.clone();
        if let Some(d) = &mut without.drill {
            d.responses.remove(i);
        }
        let compiled = hospsim_sim::compile(&without).map_err(|e| {
            StudyError::Input(format!(
                "the drill without response {} does not compile: {e}",
                r.name
            ))
        })?;
        let m = compiled.plan(&plan)?;
        let out = hospsim_sim::runner::simulate(&m, &opts.run(), &|| {})?;
        let (_, table) = hospsim_sim::runner::summarize(&m, &out, opts.threads);
        let fired: Vec<f64> = drill_out
            .rows
            .iter()
            .map(|o| o.responses_fired.get(i).copied().unwrap_or(f64::NAN))
            .collect();
        responses.push(ResponseStory {
            name: r.name.clone(),
            fired_share: fired.iter().filter(|t| t.is_finite()).count() as f64 / fired.len() as f64,
            fired_after_hours_median: median(
                fired.iter().map(|t| (t - def.start) / 60.0).collect(),
            ),
            effect: kpi_effects(&drill_model, &drill_table, &table),
        });
    }
    let turned_away = drill_out
        .rows
        .iter()
        .map(|o| o.diverted as f64)
        .sum::<f64>()
        / drill_out.len().max(1) as f64;
    let report = DrillReport {
        schema_version: 1,
        drill: def.name.clone(),
        scenario: drill_model.name.clone(),
        replications,
        seed,
        drill_start: drill_model.timestamp(def.start),
        drill_end: drill_model.timestamp(def.end),
        recovery_hours,
        turned_away_per_replication: turned_away,
        kpis,
        thresholds,
        bottlenecks,
        responses,
        supplies: supplies(&drill_model, &drill_out.rows, &base_out.rows),
    };
    Ok(DrillResult {
        report,
        drill_model,
        drill: drill_out,
        base: base_out,
    })
}

//! `hospsim drill`: a crisis drill beside its no-drill baseline on the same seeds.

use crate::output::{csv_num, timestamp};
use crate::{CompareArgs, load, output_dir, run_replications, thread_count};
use anyhow::{Result, anyhow};
use hospsim_sim::Model;
use hospsim_sim::compare::{Difference, paired};
use hospsim_sim::engine::{ItemRep, RepOutput};
use hospsim_sim::model::KpiKind;
use hospsim_sim::results::{Est, ReplicationTable};
use hospsim_sim::runner::{RepRow, Replications};
use hospsim_sim::stats::{estimate, sample_percentile};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

mod present;
use present::{drill_text, drill_view};

/// Spacing of the drill timeline.
const TIMELINE_STEP_MIN: f64 = 15.0;
/// A deviation from the baseline smaller than this share (or half a patient) is
/// "back to normal".
const RECOVERY_TOLERANCE: f64 = 0.10;
/// How long a resource must stay back to normal to count as recovered.
const RECOVERY_HOLD_MIN: f64 = 24.0 * 60.0;

#[derive(Serialize)]
struct KpiEffect {
    name: String,
    label: String,
    unit: String,
    baseline: Est,
    drill: Est,
    difference: Difference,
}

#[derive(Serialize)]
struct Threshold {
    kpi: String,
    label: String,
    within: f64,
    unit: String,
    baseline_patients_over: Est,
    drill_patients_over: Est,
    difference: Difference,
}

#[derive(Serialize)]
struct ResourceStory {
    id: String,
    label: String,
    /// Median hours after the drill start at which the resource was full with a
    /// longer queue than in the baseline; null if it never was.
    saturated_after_hours: Option<f64>,
    /// Share of replications in which it saturated.
    saturated_share: f64,
    /// Hours after the drill start until the mean queue and busy units, averaged
    /// over 24-hour windows, stay within 10% (or half a patient) of the baseline;
    /// null if the drill never moved it (`affected = false`) or if it had not
    /// recovered by the end (`recovered = false`).
    recovery_hours: Option<f64>,
    recovered: bool,
    affected: bool,
    /// Highest mean (across replications) of busy units + queue after the drill start.
    peak_demand_mean: f64,
    /// 95th percentile across replications of each replication's peak demand.
    peak_demand_p95: f64,
    /// The same for the baseline over the same window.
    baseline_peak_demand_mean: f64,
    capacity_mean: f64,
}

#[derive(Serialize)]
struct ResponseStory {
    name: String,
    fired_share: f64,
    fired_after_hours_median: Option<f64>,
    /// KPI differences (with this response) - (without it), paired.
    effect: Vec<KpiEffect>,
}

/// What the drill used of a stocked item beside the baseline (whole run, per replication).
#[derive(Serialize)]
struct SupplyStory {
    id: String,
    label: String,
    baseline_used: Est,
    drill_used: Est,
    extra_used: Difference,
    drill_fill_rate: Est,
    baseline_fill_rate: Est,
    drill_missed: Est,
    drill_stockout_hours: Est,
    baseline_stockout_hours: Est,
}

#[derive(Serialize)]
struct DrillReport {
    schema_version: u32,
    drill: String,
    scenario: String,
    replications: u32,
    seed: u64,
    drill_start: String,
    drill_end: String,
    recovery_hours: Option<f64>,
    turned_away_per_replication: f64,
    kpis: Vec<KpiEffect>,
    thresholds: Vec<Threshold>,
    bottlenecks: Vec<ResourceStory>,
    responses: Vec<ResponseStory>,
    /// Stocked items: units used (blood units, drugs), fill rate, stock-outs.
    supplies: Vec<SupplyStory>,
}

fn supplies(m: &Model, drill: &[RepRow], base: &[RepRow]) -> Vec<SupplyStory> {
    m.items
        .iter()
        .enumerate()
        .map(|(j, it)| {
            let col = |o: &[RepRow], f: &dyn Fn(&ItemRep) -> f64| -> Vec<f64> {
                o.iter().map(|r| f(&r.items[j])).collect()
            };
            let used = |r: &ItemRep| r.demand as f64;
            let fill = |r: &ItemRep| {
                if r.demand > 0 {
                    r.filled_from_stock as f64 / r.demand as f64
                } else {
                    f64::NAN
                }
            };
            let out_h = |r: &ItemRep| r.stockout_time / 60.0;
            let (b, d) = (col(base, &used), col(drill, &used));
            SupplyStory {
                id: it.name.clone(),
                label: it.label.clone(),
                baseline_used: estimate(&b).into(),
                drill_used: estimate(&d).into(),
                extra_used: paired(&b, &d),
                drill_fill_rate: estimate(&col(drill, &fill)).into(),
                baseline_fill_rate: estimate(&col(base, &fill)).into(),
                drill_missed: estimate(&col(drill, &|r| r.missed as f64)).into(),
                drill_stockout_hours: estimate(&col(drill, &out_h)).into(),
                baseline_stockout_hours: estimate(&col(base, &out_h)).into(),
            }
        })
        .collect()
}

fn column(table: &ReplicationTable, name: &str) -> Vec<f64> {
    match table.columns.iter().position(|c| c == name) {
        Some(j) => table.rows.iter().map(|r| r[j]).collect(),
        None => vec![],
    }
}

fn kpi_effects(m: &Model, with: &ReplicationTable, without: &ReplicationTable) -> Vec<KpiEffect> {
    m.kpis
        .iter()
        .map(|k| {
            let (b, d) = (column(without, &k.name), column(with, &k.name));
            KpiEffect {
                name: k.name.clone(),
                label: k.label.clone(),
                unit: k.unit.clone(),
                baseline: estimate(&b).into(),
                drill: estimate(&d).into(),
                difference: paired(&b, &d),
            }
        })
        .collect()
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    xs.retain(|x| x.is_finite());
    if xs.is_empty() {
        None
    } else {
        Some(sample_percentile(&mut xs, 50.0))
    }
}

/// Runs the drill, its baseline and (per response) the drill without that
/// response, then writes drill.json, drill_kpis.csv and timeline.csv.
pub(crate) fn drill(file: &Path, args: &CompareArgs) -> Result<()> {
    let loaded = load::load_file(file, &args.sets)?;
    if loaded.model.drill.is_none() {
        return Err(anyhow!(
            "{} has no [drill]\n  hint: add [[drill.events]] (see docs/drills.md), or use `hospsim run`",
            file.display()
        ));
    }
    let reps = args.reps.unwrap_or(loaded.model.replications);
    if reps < 2 {
        return Err(anyhow!(
            "a drill needs at least 2 replications to give intervals (got {reps})"
        ));
    }
    let seed = args.seed.unwrap_or(loaded.model.seed);
    let threads = thread_count(args.threads)?;
    let lang = crate::report::parse_lang(&args.lang)?;
    if let Some(r) = args.reps {
        crate::check_reps(r)?;
    }
    let plan = hospsim_sim::plan::RunPlan {
        replications: Some(reps),
        seed: Some(seed),
        sample_interval: Some(TIMELINE_STEP_MIN),
        ..Default::default()
    };
    let drill_model = crate::planned(&loaded.model, &plan)?;
    // The baseline is the same model with the drill switched off: its classes stay
    // (so KPIs that name them still compile) but nobody arrives in them.
    let base_model = crate::planned(
        &loaded.model,
        &hospsim_sim::plan::RunPlan {
            without_drill: true,
            ..plan.clone()
        },
    )?;

    let def = drill_model.drill.clone().unwrap_or_default();
    let mut out_dir = output_dir(&args.out, &format!("drill {}", def.name))?;
    // The drill and its baseline run in pairs on the same seeds, folded as they
    // finish: what needs both of a pair (saturation against the baseline, each
    // replication's peak) is taken from the pair before it is dropped.
    let bar = crate::progress_bar(reps, &drill_model.name, args.quiet);
    let mut drill_out = Replications::new(&drill_model);
    let mut base_out = Replications::new(&base_model);
    let mut facts: Vec<PairFacts> = vec![];
    let (dm, bm) = (&drill_model, &base_model);
    hospsim_sim::runner::replicate(
        reps,
        threads,
        Some(crate::interrupt::flag()),
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
            bar.inc(1);
            Ok::<(), anyhow::Error>(())
        },
    )?;
    bar.finish_and_clear();
    let (_, drill_table) = hospsim_sim::runner::summarize(&drill_model, &drill_out, threads);
    let (_, base_table) = hospsim_sim::runner::summarize(&base_model, &base_out, threads);

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
        let mut without = loaded.scenario.clone();
        if let Some(d) = &mut without.drill {
            d.responses.remove(i);
        }
        let compiled = hospsim_sim::compile(&without).map_err(|e| {
            anyhow!(
                "the drill without response {} does not compile: {e}",
                r.name
            )
        })?;
        let m = crate::planned(&compiled, &plan)?;
        let (out, _) = run_replications(&m, threads, true)?;
        let (_, table) = hospsim_sim::runner::summarize(&m, &out, threads);
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
        replications: reps,
        seed,
        drill_start: timestamp(&drill_model, def.start),
        drill_end: timestamp(&drill_model, def.end),
        recovery_hours,
        turned_away_per_replication: turned_away,
        kpis,
        thresholds,
        bottlenecks,
        responses,
        supplies: supplies(&drill_model, &drill_out.rows, &base_out.rows),
    };
    let json = crate::output::json_bytes(&report)?;
    out_dir.write("drill.json", &json)?;
    out_dir.write(
        "timeline.csv",
        timeline_csv(&drill_model, &drill_out, &base_out, def.start).as_bytes(),
    )?;
    let mut view = drill_view(
        &report,
        &drill_model,
        &drill_out,
        &base_out,
        (def.start, def.end),
        lang,
    );
    view.overrides = args.sets.clone();
    out_dir.write("report.html", view.render()?.as_bytes())?;
    let prov = crate::staging::Provenance::new(&args.sets)
        .scenario(&loaded, &drill_model)?
        .run(seed, reps, threads);
    let written = out_dir.commit(&prov)?;
    crate::output::announce(args.quiet, &drill_text(&report), &written)
}

fn thresholds(m: &Model, drill: &[RepRow], base: &[RepRow]) -> Vec<Threshold> {
    let mut out = vec![];
    for (k, def) in m.kpis.iter().enumerate() {
        let KpiKind::Duration {
            within: Some(w),
            unit_minutes,
            ..
        } = def.kind
        else {
            continue;
        };
        let over = |o: &[RepRow]| -> Vec<f64> {
            o.iter()
                .map(|r| (r.kpis[k].n - r.kpis[k].within) as f64)
                .collect()
        };
        let (b, d) = (over(base), over(drill));
        out.push(Threshold {
            kpi: def.name.clone(),
            label: def.label.clone(),
            within: w / unit_minutes,
            unit: def.unit.clone(),
            baseline_patients_over: estimate(&b).into(),
            drill_patients_over: estimate(&d).into(),
            difference: paired(&b, &d),
        });
    }
    out
}

/// What one pair of replications (the drill and its baseline on the same
/// seeds) says of each resource after the drill's start: when it first
/// saturated (full, with a longer queue than its baseline; hours, NaN if
/// never) and the peak demand (busy units + queue) of each.
pub(super) struct PairFacts {
    first_saturation: Vec<f64>,
    drill_peak: Vec<f64>,
    base_peak: Vec<f64>,
}

fn pair_facts(m: &Model, d: &RepOutput, b: &RepOutput, start: f64) -> PairFacts {
    let n_res = m.resources.len().max(1);
    let n_samples = (d.samples.len() / n_res).min(b.samples.len() / n_res);
    let k0 = ((start / m.sample_interval).ceil() as usize).min(n_samples);
    let mut facts = PairFacts {
        first_saturation: vec![],
        drill_peak: vec![],
        base_peak: vec![],
    };
    for r in 0..m.resources.len() {
        let hit = (k0..n_samples).find(|&k| {
            let (s, sb) = (d.samples[k * n_res + r], b.samples[k * n_res + r]);
            s[0] >= s[2] && s[1] >= sb[1] + 1.0
        });
        facts.first_saturation.push(
            hit.map(|k| (k as f64 * m.sample_interval - start) / 60.0)
                .unwrap_or(f64::NAN),
        );
        let peak = |o: &RepOutput| {
            (k0..n_samples)
                .map(|k| (o.samples[k * n_res + r][0] + o.samples[k * n_res + r][1]) as f64)
                .fold(0.0, f64::max)
        };
        facts.drill_peak.push(peak(d));
        facts.base_peak.push(peak(b));
    }
    facts
}

/// Resources and the number of samples both runs have.
fn sample_grid(m: &Model, drill: &Replications, base: &Replications) -> (usize, usize) {
    (
        m.resources.len(),
        drill.samples.len().min(base.samples.len()),
    )
}

/// Index of the last sample at or before time `t` (clamped to the run).
fn sample_at(m: &Model, t: f64, n_samples: usize) -> usize {
    ((t.max(0.0) / m.sample_interval).floor() as usize).min(n_samples)
}

/// Mean across replications of field `f` (0 busy, 1 queue, 2 capacity) at sample `k`.
fn mean_at(o: &Replications, m: &Model, k: usize, r: usize, f: usize) -> f64 {
    let s = o.samples.at(m, k, r);
    match f {
        0 => s.busy[0],
        1 => s.queue[0],
        _ => s.capacity,
    }
}

fn stories(
    m: &Model,
    drill: &Replications,
    base: &Replications,
    facts: &[PairFacts],
    start: f64,
) -> Vec<ResourceStory> {
    let (_, n_samples) = sample_grid(m, drill, base);
    // The first sample at or after the drill's start.
    let k0 = ((start / m.sample_interval).ceil() as usize).min(n_samples);
    let hold = (RECOVERY_HOLD_MIN / m.sample_interval).ceil() as usize;
    let mut out = vec![];
    for (r, def) in m.resources.iter().enumerate() {
        // Saturation, per replication against its own baseline.
        let first: Vec<f64> = facts.iter().map(|f| f.first_saturation[r]).collect();
        let saturated_share =
            first.iter().filter(|x| x.is_finite()).count() as f64 / first.len().max(1) as f64;
        // Recovery, on the means across replications averaged over 24-hour
        // windows (single 15-minute samples are too noisy): the end of the last
        // window that is off the baseline by more than the tolerance.
        let series = |o: &Replications, f: usize| -> Vec<f64> {
            (0..n_samples).map(|k| mean_at(o, m, k, r, f)).collect()
        };
        let (dq, bq, db, bb) = (
            series(drill, 1),
            series(base, 1),
            series(drill, 0),
            series(base, 0),
        );
        let prefix = |v: &[f64]| -> Vec<f64> {
            let mut p = vec![0.0; v.len() + 1];
            for (i, x) in v.iter().enumerate() {
                p[i + 1] = p[i] + x;
            }
            p
        };
        let (pdq, pbq, pdb, pbb) = (prefix(&dq), prefix(&bq), prefix(&db), prefix(&bb));
        let w = hold.max(1);
        let off = |k: usize| {
            let m = |p: &[f64]| (p[k + w] - p[k]) / w as f64;
            let (q, qb, b, bbm) = (m(&pdq), m(&pbq), m(&pdb), m(&pbb));
            (q - qb).abs() > (RECOVERY_TOLERANCE * qb).max(0.5)
                || (b - bbm).abs() > (RECOVERY_TOLERANCE * bbm).max(0.5)
        };
        let last_bad = if n_samples > w {
            (k0..n_samples - w).rev().find(|&k| off(k))
        } else {
            None
        };
        let affected = last_bad.is_some();
        let (recovery_hours, recovered) = match last_bad {
            None => (None, true),
            Some(k) if k + 2 * w < n_samples => (
                Some(((k + w) as f64 * m.sample_interval - start) / 60.0),
                true,
            ),
            Some(_) => (None, false),
        };
        let mean_peak = |o: &Replications| {
            (k0..n_samples)
                .map(|k| mean_at(o, m, k, r, 0) + mean_at(o, m, k, r, 1))
                .fold(0.0, f64::max)
        };
        let (peak_mean, base_peak) = (mean_peak(drill), mean_peak(base));
        let mut per_rep: Vec<f64> = facts.iter().map(|f| f.drill_peak[r]).collect();
        let caps: Vec<f64> = (k0..n_samples)
            .map(|k| mean_at(drill, m, k, r, 2))
            .collect();
        out.push(ResourceStory {
            id: def.name.clone(),
            label: def.label.clone(),
            saturated_after_hours: median(first),
            saturated_share,
            recovery_hours,
            recovered,
            affected,
            peak_demand_mean: peak_mean,
            peak_demand_p95: sample_percentile(&mut per_rep, 95.0),
            baseline_peak_demand_mean: base_peak,
            capacity_mean: caps.iter().sum::<f64>() / caps.len().max(1) as f64,
        });
    }
    // The chronology: first to saturate first.
    out.sort_by(|a, b| {
        let key = |s: &ResourceStory| s.saturated_after_hours.unwrap_or(f64::INFINITY);
        key(a).total_cmp(&key(b)).then(a.id.cmp(&b.id))
    });
    out
}

fn timeline_csv(m: &Model, drill: &Replications, base: &Replications, start: f64) -> String {
    let (_, n_samples) = sample_grid(m, drill, base);
    let k0 = sample_at(m, start - 24.0 * 60.0, n_samples);
    let mut out = String::from(
        "time,hours_from_drill_start,resource,drill_busy_mean,drill_busy_p95,drill_queue_mean,drill_queue_p95,baseline_busy_mean,baseline_queue_mean,drill_capacity_mean\n",
    );
    for k in k0..n_samples {
        let t = k as f64 * m.sample_interval;
        let stamp = timestamp(m, t);
        for (r, def) in m.resources.iter().enumerate() {
            let (d, b) = (drill.samples.at(m, k, r), base.samples.at(m, k, r));
            let _ = writeln!(
                out,
                "{stamp},{},{},{},{},{},{},{},{},{}",
                csv_num((t - start) / 60.0),
                def.name,
                csv_num(d.busy[0]),
                csv_num(d.busy[2]),
                csv_num(d.queue[0]),
                csv_num(d.queue[2]),
                csv_num(b.busy[0]),
                csv_num(b.queue[0]),
                csv_num(d.capacity)
            );
        }
    }
    out
}

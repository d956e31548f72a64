//! The drill's analysis: per pair of replications (saturation against the
//! baseline, peaks), across replications (recovery, thresholds, supplies).

use super::*;
use hospsim_sim::compare::paired;
use hospsim_sim::engine::ItemRep;
use hospsim_sim::model::KpiKind;
use hospsim_sim::results::ReplicationTable;
use hospsim_sim::runner::RepRow;
use hospsim_sim::stats::estimate;
use hospsim_stats::percentile;

pub(super) fn supplies(m: &Model, drill: &[RepRow], base: &[RepRow]) -> Vec<SupplyStory> {
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

pub(super) fn kpi_effects(
    m: &Model,
    with: &ReplicationTable,
    without: &ReplicationTable,
) -> Vec<KpiEffect> {
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

pub(super) fn median(mut xs: Vec<f64>) -> Option<f64> {
    xs.retain(|x| x.is_finite());
    if xs.is_empty() {
        None
    } else {
        Some(percentile(&mut xs, 50.0))
    }
}

pub(super) fn thresholds(m: &Model, drill: &[RepRow], base: &[RepRow]) -> Vec<Threshold> {
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
pub struct PairFacts {
    first_saturation: Vec<f64>,
    drill_peak: Vec<f64>,
    base_peak: Vec<f64>,
}

/// What a pair of replications (drill `d`, baseline `b`) says per resource.
pub fn pair_facts(m: &Model, d: &RepOutput, b: &RepOutput, start: f64) -> PairFacts {
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
pub fn sample_grid(m: &Model, drill: &Replications, base: &Replications) -> (usize, usize) {
    (
        m.resources.len(),
        drill.samples.len().min(base.samples.len()),
    )
}

/// Index of the last sample at or before time `t` (clamped to the run).
pub fn sample_at(m: &Model, t: f64, n_samples: usize) -> usize {
    ((t.max(0.0) / m.sample_interval).floor() as usize).min(n_samples)
}

/// Mean across replications of field `f` (0 busy, 1 queue, 2 capacity) at sample `k`.
pub fn mean_at(o: &Replications, m: &Model, k: usize, r: usize, f: usize) -> f64 {
    let s = o.samples.at(m, k, r);
    match f {
        0 => s.busy[0],
        1 => s.queue[0],
        _ => s.capacity,
    }
}

pub(super) fn stories(
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
            peak_demand_p95: percentile(&mut per_rep, 95.0),
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

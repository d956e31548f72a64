//! Replications in parallel and their summary.
//!
//! Replications run on the current rayon pool and are collected in replication
//! order before anything is added up, so figures do not depend on the number of
//! threads (floating-point sums are order-sensitive; see rayon's documentation).

use crate::engine::{Engine, RepOutput};
use crate::error::SimError;
use crate::model::*;
use crate::results::*;
use crate::stats::{estimate, sample_percentile};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Runs `model.replications` replications; `progress` is called after each one.
pub fn run(
    model: &Model,
    trace: bool,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<RepOutput>, SimError> {
    if model.replications == 0 {
        return Err(SimError::Options(
            "at least one replication is needed".into(),
        ));
    }
    let reps: Vec<RepOutput> = (0..model.replications)
        .into_par_iter()
        .map(|rep| {
            let out = Engine::new(model, rep, trace).run();
            progress();
            out
        })
        .collect();
    for r in &reps {
        let departed: u64 = r.departed.iter().sum();
        if r.arrived != departed + r.in_system {
            return Err(SimError::Conservation {
                rep: r.rep,
                arrived: r.arrived,
                departed,
                in_system: r.in_system,
            });
        }
    }
    Ok(reps)
}

/// Runs the replications with the event log on and hands each replication's
/// output to `f` as soon as it is done (so that logs need not all be kept).
pub fn run_logged<T: Send>(
    model: &Model,
    progress: &(dyn Fn() + Sync),
    f: &(dyn Fn(RepOutput) -> T + Sync),
) -> Result<Vec<T>, SimError> {
    if model.replications == 0 {
        return Err(SimError::Options(
            "at least one replication is needed".into(),
        ));
    }
    (0..model.replications)
        .into_par_iter()
        .map(|rep| {
            let out = Engine::new(model, rep, false).with_log().run();
            let departed: u64 = out.departed.iter().sum();
            if out.arrived != departed + out.in_system {
                return Err(SimError::Conservation {
                    rep: out.rep,
                    arrived: out.arrived,
                    departed,
                    in_system: out.in_system,
                });
            }
            progress();
            Ok(f(out))
        })
        .collect()
}

/// Per-replication values of one KPI: (main value, percentiles, share within).
fn kpi_rep_values(
    def: &KpiDef,
    acc: &crate::engine::KpiAcc,
    span_days: f64,
) -> (f64, Vec<f64>, f64) {
    match &def.kind {
        KpiKind::Duration {
            within,
            percentiles,
            unit_minutes,
            ..
        } => {
            if acc.n == 0 {
                return (f64::NAN, vec![f64::NAN; percentiles.len()], f64::NAN);
            }
            let mean = acc.sum / acc.n as f64 / unit_minutes;
            let ps = percentiles
                .iter()
                .map(|q| {
                    acc.hist
                        .as_ref()
                        .map(|h| h.percentile(*q) / unit_minutes)
                        .unwrap_or(f64::NAN)
                })
                .collect();
            let share = if within.is_some() {
                acc.within as f64 / acc.n as f64
            } else {
                f64::NAN
            };
            (mean, ps, share)
        }
        KpiKind::ShareExiting { .. } | KpiKind::ShareReaching { .. } => {
            let v = if acc.den == 0 {
                f64::NAN
            } else {
                acc.n as f64 / acc.den as f64
            };
            (v, vec![], f64::NAN)
        }
        KpiKind::PerDayReaching { .. } => (acc.n as f64 / span_days, vec![], f64::NAN),
    }
}

/// A per-replication statistic of an item.
type ItemColumn = Box<dyn Fn(&crate::engine::ItemRep) -> f64>;

/// Turns replication outputs into the summary and the per-replication table.
pub fn summarize(model: &Model, reps: &[RepOutput], threads: usize) -> (Summary, ReplicationTable) {
    let span_days = (model.horizon - model.warmup) / 1440.0;
    let mut columns = vec![];
    let mut cols_by_rep: Vec<Vec<f64>> = vec![vec![]; reps.len()];
    let mut kpis = vec![];
    for (k, def) in model.kpis.iter().enumerate() {
        let vals: Vec<(f64, Vec<f64>, f64)> = reps
            .iter()
            .map(|r| kpi_rep_values(def, &r.kpis[k], span_days))
            .collect();
        let main: Vec<f64> = vals.iter().map(|v| v.0).collect();
        let est = estimate(&main);
        columns.push(def.name.clone());
        for (i, v) in vals.iter().enumerate() {
            cols_by_rep[i].push(v.0);
        }
        let obs = reps.iter().map(|r| r.kpis[k].n as f64).sum::<f64>() / reps.len() as f64;
        let (kind, percentiles, target) = match &def.kind {
            KpiKind::Duration {
                within,
                target_share,
                percentiles,
                unit_minutes,
                ..
            } => {
                let ps: Vec<PercentileSummary> = percentiles
                    .iter()
                    .enumerate()
                    .map(|(j, q)| {
                        let xs: Vec<f64> = vals.iter().map(|v| v.1[j]).collect();
                        columns.push(format!("{}_p{}", def.name, q));
                        for (i, v) in vals.iter().enumerate() {
                            cols_by_rep[i].push(v.1[j]);
                        }
                        PercentileSummary {
                            p: *q,
                            est: estimate(&xs).into(),
                        }
                    })
                    .collect();
                let target = within.map(|w| {
                    let shares: Vec<f64> = vals.iter().map(|v| v.2).collect();
                    columns.push(format!("{}_share_within", def.name));
                    for (i, v) in vals.iter().enumerate() {
                        cols_by_rep[i].push(v.2);
                    }
                    let goal = target_share.unwrap_or(f64::NAN);
                    let meeting = shares
                        .iter()
                        .filter(|s| s.is_finite() && **s >= goal)
                        .count();
                    Target {
                        within: Some(w / unit_minutes),
                        target_share: *target_share,
                        max: None,
                        min: None,
                        share_within: Some(estimate(&shares).into()),
                        share_of_replications_meeting: if target_share.is_some() {
                            meeting as f64 / reps.len() as f64
                        } else {
                            f64::NAN
                        },
                    }
                });
                ("duration", ps, target)
            }
            other => {
                let target = (def.max.is_some() || def.min.is_some()).then(|| {
                    let meeting = main
                        .iter()
                        .filter(|v| {
                            v.is_finite()
                                && def.max.is_none_or(|mx| **v <= mx)
                                && def.min.is_none_or(|mn| **v >= mn)
                        })
                        .count();
                    Target {
                        within: None,
                        target_share: None,
                        max: def.max,
                        min: def.min,
                        share_within: None,
                        share_of_replications_meeting: meeting as f64 / reps.len() as f64,
                    }
                });
                let kind = if matches!(other, KpiKind::PerDayReaching { .. }) {
                    "per_day"
                } else {
                    "share"
                };
                (kind, vec![], target)
            }
        };
        kpis.push(KpiSummary {
            name: def.name.clone(),
            label: def.label.clone(),
            unit: def.unit.clone(),
            kind,
            est: est.into(),
            replications_observed: est.n,
            observations_per_replication: obs,
            percentiles,
            target,
        });
    }
    let mut resources = vec![];
    for (j, def) in model.resources.iter().enumerate() {
        let get = |f: &dyn Fn(&crate::engine::ResourceRep) -> f64| -> Vec<f64> {
            reps.iter().map(|r| f(&r.resources[j])).collect()
        };
        let util = get(&|r| {
            if r.capacity_area > 0.0 {
                r.busy_area / r.capacity_area
            } else {
                f64::NAN
            }
        });
        let busy = get(&|r| r.busy_area / r.span);
        let queue = get(&|r| r.queue_area / r.span);
        let wait = get(&|r| {
            if r.waits > 0 {
                r.wait_sum / r.waits as f64
            } else {
                f64::NAN
            }
        });
        let board = get(&|r| r.boarding_area / r.span);
        let cap = get(&|r| r.capacity_area / r.span);
        columns.push(format!("util_{}", def.name));
        for (i, u) in util.iter().enumerate() {
            cols_by_rep[i].push(*u);
        }
        resources.push(ResourceSummary {
            id: def.name.clone(),
            label: def.label.clone(),
            capacity_mean: match def.capacity {
                Capacity::Fixed(c) => c as f64,
                Capacity::Roster(_) => cap.iter().sum::<f64>() / cap.len() as f64,
            },
            utilisation: estimate(&util).into(),
            busy_mean: estimate(&busy).into(),
            queue_mean: estimate(&queue).into(),
            queue_max: reps
                .iter()
                .map(|r| r.resources[j].max_queue)
                .max()
                .unwrap_or(0),
            wait_mean_min: estimate(&wait).into(),
            waiting_while_holding_mean: estimate(&board).into(),
            waiting_while_holding_hours_per_day: estimate(
                &board.iter().map(|b| b * 24.0).collect::<Vec<_>>(),
            )
            .into(),
            turnaround_mean: estimate(&get(&|r| r.turnaround_area / r.span)).into(),
            down_mean: estimate(&get(&|r| r.down_area / r.span)).into(),
            share_time_over_85: estimate(&get(&|r| r.time_over_85 / r.span)).into(),
            share_time_over_92: estimate(&get(&|r| r.time_over_92 / r.span)).into(),
            overrun_hours_per_day: estimate(&get(&|r| r.overrun_area / r.span * 24.0)).into(),
            busy_max: reps
                .iter()
                .map(|r| r.resources[j].max_busy)
                .max()
                .unwrap_or(0),
        });
    }
    let mut departed = BTreeMap::new();
    for (i, name) in ROUTE_NAMES.iter().enumerate() {
        departed.insert(name.to_string(), reps.iter().map(|r| r.departed[i]).sum());
    }
    let mut arrived_by_class = BTreeMap::new();
    for (c, class) in model.classes.iter().enumerate() {
        arrived_by_class.insert(
            class.name.clone(),
            reps.iter().map(|r| r.arrived_by_class[c]).sum(),
        );
    }
    let arrived: u64 = reps.iter().map(|r| r.arrived).sum();
    let flow = FlowSummary {
        arrived,
        departed,
        in_system_at_end: reps.iter().map(|r| r.in_system).sum(),
        arrived_by_class,
        arrived_per_replication: arrived as f64 / reps.len() as f64,
        conservation_holds: reps
            .iter()
            .all(|r| r.arrived == r.departed.iter().sum::<u64>() + r.in_system),
    };
    let mut items = vec![];
    for (j, def) in model.items.iter().enumerate() {
        let span_days = (model.horizon - model.warmup) / 1440.0;
        // Replication columns (for compare and sweep): fill rate, stock-out
        // hours a year, missed units a day, expired units a year, mean stock.
        let per_rep: [(&str, ItemColumn); 5] = [
            (
                "fill",
                Box::new(|r| {
                    if r.demand > 0 {
                        r.filled_from_stock as f64 / r.demand as f64
                    } else {
                        f64::NAN
                    }
                }),
            ),
            (
                "stockout_h",
                Box::new(move |r| r.stockout_time / 60.0 / span_days * 365.0),
            ),
            ("missed", Box::new(move |r| r.missed as f64 / span_days)),
            (
                "expired",
                Box::new(move |r| r.expired as f64 / span_days * 365.0),
            ),
            (
                "stock",
                Box::new(move |r| r.stock_area / (span_days * 1440.0)),
            ),
        ];
        for (prefix, f) in &per_rep {
            columns.push(format!("{prefix}_{}", def.name));
            for (i, r) in reps.iter().enumerate() {
                cols_by_rep[i].push(f(&r.items[j]));
            }
        }
        let get = |f: &dyn Fn(&crate::engine::ItemRep) -> f64| -> crate::results::Est {
            estimate(&reps.iter().map(|r| f(&r.items[j])).collect::<Vec<_>>()).into()
        };
        let ratio = |a: u64, b: u64| if b > 0 { a as f64 / b as f64 } else { f64::NAN };
        items.push(crate::results::ItemSummary {
            id: def.name.clone(),
            label: def.label.clone(),
            demand_per_day: get(&|r| r.demand as f64 / span_days),
            fill_rate: get(&|r| ratio(r.filled_from_stock, r.demand)),
            stockout_share: get(&|r| r.stockout_time / (span_days * 1440.0)),
            stockout_hours_per_year: get(&|r| r.stockout_time / 60.0 / span_days * 365.0),
            substituted_per_day: get(&|r| r.substituted as f64 / span_days),
            missed_per_day: get(&|r| r.missed as f64 / span_days),
            expired_per_year: get(&|r| r.expired as f64 / span_days * 365.0),
            expired_share: get(&|r| ratio(r.expired, r.received)),
            orders_per_week: get(&|r| r.orders as f64 / span_days * 7.0),
            average_stock: get(&|r| r.stock_area / (span_days * 1440.0)),
            average_stock_value: get(&|r| r.stock_area / (span_days * 1440.0) * def.unit_cost),
            backorder_wait_mean_h: get(&|r| {
                if r.backorders_served > 0 {
                    r.backorder_wait / r.backorders_served as f64 / 60.0
                } else {
                    f64::NAN
                }
            }),
        });
    }
    let summary = Summary {
        schema_version: SCHEMA_VERSION,
        scenario: ScenarioEcho {
            name: model.name.clone(),
            seed: model.seed,
            replications: model.replications,
            start: model.start.strftime("%Y-%m-%dT%H:%M").to_string(),
            horizon_days: model.horizon / 1440.0,
            warmup_days: model.warmup / 1440.0,
        },
        kpis,
        resources,
        items,
        flow,
        run: RunInfo {
            wall_seconds: 0.0,
            events: reps.iter().map(|r| r.events).sum(),
            threads,
        },
    };
    (
        summary,
        ReplicationTable {
            columns,
            rows: cols_by_rep,
        },
    )
}

/// Statistics across replications of one resource at one sample time: busy units,
/// queue length and capacity, each as `[mean, p05, p95]`.
#[derive(Clone, Copy, Debug)]
pub struct SampleStats {
    /// Sample time in minutes since the start.
    pub minutes: f64,
    /// Resource index.
    pub resource: usize,
    /// Busy units.
    pub busy: [f64; 3],
    /// Queue length.
    pub queue: [f64; 3],
    /// Capacity.
    pub capacity: [f64; 3],
}

/// Calls `f` for every sample time and resource, in time order, with the mean,
/// 5th and 95th percentile across replications. Streams: nothing is kept beyond
/// one row, so writing a long time series needs no second copy of it.
pub fn for_each_sample(model: &Model, reps: &[RepOutput], mut f: impl FnMut(&SampleStats)) {
    let n_res = model.resources.len();
    let n_samples = reps
        .iter()
        .map(|r| r.samples.len() / n_res.max(1))
        .min()
        .unwrap_or(0);
    let mut buf = Vec::with_capacity(reps.len());
    for k in 0..n_samples {
        for r in 0..n_res {
            let mut stats = [[0.0; 3]; 3];
            for (field, st) in stats.iter_mut().enumerate() {
                buf.clear();
                buf.extend(
                    reps.iter()
                        .map(|rep| rep.samples[k * n_res + r][field] as f64),
                );
                let mean = buf.iter().sum::<f64>() / buf.len() as f64;
                *st = [
                    mean,
                    sample_percentile(&mut buf, 5.0),
                    sample_percentile(&mut buf, 95.0),
                ];
            }
            f(&SampleStats {
                minutes: k as f64 * model.sample_interval,
                resource: r,
                busy: stats[0],
                queue: stats[1],
                capacity: stats[2],
            });
        }
    }
}

/// The distribution of duration KPI `k` over all replications, as `n_bins` equal
/// bins from 0 to its 99th percentile, in the KPI's unit: `(lo, hi, share)`.
/// None for KPIs that are not durations or have no observation.
pub fn kpi_distribution(
    model: &Model,
    reps: &[RepOutput],
    k: usize,
    n_bins: usize,
) -> Option<Vec<(f64, f64, f64)>> {
    let KpiKind::Duration { unit_minutes, .. } = model.kpis.get(k)?.kind else {
        return None;
    };
    let mut merged = crate::stats::Histogram::default();
    for r in reps {
        merged.merge(r.kpis[k].hist.as_ref()?);
    }
    if merged.count() == 0 {
        return None;
    }
    let top = merged.percentile(99.0).max(1e-6);
    let width = top / n_bins as f64;
    Some(
        (0..n_bins)
            .map(|i| {
                let (lo, hi) = (i as f64 * width, (i + 1) as f64 * width);
                let below_lo = if i == 0 { 0.0 } else { merged.share_below(lo) };
                (
                    lo / unit_minutes,
                    hi / unit_minutes,
                    (merged.share_below(hi) - below_lo).max(0.0),
                )
            })
            .collect(),
    )
}

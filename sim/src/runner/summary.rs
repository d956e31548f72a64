//! The summary state of a run: one small row per replication, merged KPI
//! histograms and the time series, folded replication by replication; and
//! the summary with confidence intervals made from it.

use super::samples::SampleAcc;
use crate::engine::{ItemRep, RepOutput, ResourceRep};
use crate::model::*;
use crate::results::*;
use crate::stats::{Histogram, estimate};
use std::collections::BTreeMap;

/// One KPI in one replication: counts, sums and the requested percentiles.
#[derive(Clone, Debug, Default)]
pub struct KpiRow {
    /// Observations (duration KPIs) or numerator (count KPIs).
    pub n: u64,
    /// Sum of observed durations in minutes.
    pub sum: f64,
    /// Observations meeting `within`.
    pub within: u64,
    /// Denominator of share KPIs.
    pub den: u64,
    /// Duration KPIs: patients between the milestones at the end.
    pub open: u64,
    /// Their time so far, summed, minutes.
    pub open_sum: f64,
    /// The KPI's percentiles in minutes (duration KPIs), in the order asked for.
    pub percentiles: Vec<f64>,
}

/// What the summary keeps of one replication: everything but its samples,
/// histograms, trace and log.
#[derive(Clone, Debug, Default)]
pub struct RepRow {
    /// Replication index.
    pub rep: u32,
    /// Events processed.
    pub events: u64,
    /// Patients arrived (whole run).
    pub arrived: u64,
    /// Departures by route (whole run).
    pub departed: [u64; 5],
    /// Patients in the hospital at the end.
    pub in_system: u64,
    /// Arrivals per class (whole run).
    pub arrived_by_class: Vec<u64>,
    /// KPIs.
    pub kpis: Vec<KpiRow>,
    /// Resource statistics.
    pub resources: Vec<ResourceRep>,
    /// Stock statistics per item.
    pub items: Vec<ItemRep>,
    /// Arrivals turned away by drill responses.
    pub diverted: u64,
    /// For each drill response, the time it fired in minutes (NaN: never).
    pub responses_fired: Vec<f64>,
}

/// The replications of a run, folded: a row per replication, each duration
/// KPI's histogram merged over all of them, and the time series across them.
/// Its size grows by one small row per replication, not by the replications'
/// outputs.
#[derive(Clone, Debug, Default)]
pub struct Replications {
    /// One row per replication, in replication order.
    pub rows: Vec<RepRow>,
    /// Per KPI, its histogram over all replications (duration KPIs).
    pub histograms: Vec<Option<Histogram>>,
    /// Busy units, queues and capacity over time.
    pub samples: SampleAcc,
}

impl Replications {
    /// An empty fold for `model`.
    pub fn new(model: &Model) -> Self {
        Replications {
            rows: vec![],
            histograms: model
                .kpis
                .iter()
                .map(|k| matches!(k.kind, KpiKind::Duration { .. }).then(Histogram::default))
                .collect(),
            samples: SampleAcc::new(model),
        }
    }

    /// The fold of replications already in memory.
    pub fn of(model: &Model, outs: &[RepOutput]) -> Self {
        let mut r = Replications::new(model);
        for o in outs {
            r.add(model, o);
        }
        r
    }

    /// Folds in the next replication.
    pub fn add(&mut self, model: &Model, out: &RepOutput) {
        let kpis = model
            .kpis
            .iter()
            .zip(&out.kpis)
            .map(|(def, acc)| KpiRow {
                n: acc.n,
                sum: acc.sum,
                within: acc.within,
                den: acc.den,
                open: acc.open,
                open_sum: acc.open_sum,
                percentiles: match (&def.kind, &acc.hist) {
                    (KpiKind::Duration { percentiles, .. }, Some(h)) => {
                        percentiles.iter().map(|q| h.percentile(*q)).collect()
                    }
                    (KpiKind::Duration { percentiles, .. }, None) => {
                        vec![f64::NAN; percentiles.len()]
                    }
                    _ => vec![],
                },
            })
            .collect();
        for (merged, acc) in self.histograms.iter_mut().zip(&out.kpis) {
            if let (Some(m), Some(h)) = (merged, &acc.hist) {
                m.merge(h);
            }
        }
        self.samples.add(out);
        self.rows.push(RepRow {
            rep: out.rep,
            events: out.events,
            arrived: out.arrived,
            departed: out.departed,
            in_system: out.in_system,
            arrived_by_class: out.arrived_by_class.clone(),
            kpis,
            resources: out.resources.clone(),
            items: out.items.clone(),
            diverted: out.diverted,
            responses_fired: out.responses_fired.clone(),
        });
    }

    /// Replications folded.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Per-replication values of one KPI: (main value, percentiles, share within).
fn kpi_rep_values(def: &KpiDef, acc: &KpiRow, span_days: f64) -> (f64, Vec<f64>, f64) {
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
            let ps = (0..percentiles.len())
                .map(|j| {
                    acc.percentiles
                        .get(j)
                        .map_or(f64::NAN, |p| p / unit_minutes)
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
        KpiKind::PerRunReaching { .. } => (acc.n as f64, vec![], f64::NAN),
    }
}

/// A per-replication statistic of an item.
type ItemColumn = Box<dyn Fn(&ItemRep) -> f64>;

/// Turns replication outputs into the summary and the per-replication table.
pub fn summarize(
    model: &Model,
    folded: &Replications,
    threads: usize,
) -> (Summary, ReplicationTable) {
    let reps = &folded.rows;
    let mut columns = Columns::new(reps.len());
    let kpis = kpi_summaries(model, reps, &mut columns);
    let resources = resource_summaries(model, reps, &mut columns);
    let items = item_summaries(model, reps, &mut columns);
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
        flow: flow_summary(model, reps),
        run: RunInfo {
            wall_seconds: 0.0,
            events: reps.iter().map(|r| r.events).sum(),
            threads,
        },
    };
    (
        summary,
        ReplicationTable {
            columns: columns.names,
            rows: columns.rows,
        },
    )
}

/// The replication table built beside the summary (what compare and sweep
/// difference): a named column per measure, a row per replication.
struct Columns {
    names: Vec<String>,
    rows: Vec<Vec<f64>>,
}

impl Columns {
    fn new(replications: usize) -> Columns {
        Columns {
            names: vec![],
            rows: vec![vec![]; replications],
        }
    }

    /// Adds a column: one value per replication, in replication order.
    fn push(&mut self, name: String, values: impl IntoIterator<Item = f64>) {
        self.names.push(name);
        for (row, v) in self.rows.iter_mut().zip(values) {
            row.push(v);
        }
    }
}

/// Every KPI across replications; columns: the KPI, then its percentiles and
/// share within target for a duration.
fn kpi_summaries(model: &Model, reps: &[RepRow], columns: &mut Columns) -> Vec<KpiSummary> {
    let span_days = (model.horizon - model.warmup) / 1440.0;
    let mut kpis = vec![];
    for (k, def) in model.kpis.iter().enumerate() {
        let vals: Vec<(f64, Vec<f64>, f64)> = reps
            .iter()
            .map(|r| kpi_rep_values(def, &r.kpis[k], span_days))
            .collect();
        let main: Vec<f64> = vals.iter().map(|v| v.0).collect();
        let est = estimate(&main);
        columns.push(def.name.clone(), main.iter().copied());
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
                        let est = estimate(&xs).into();
                        columns.push(format!("{}_p{}", def.name, q), xs);
                        PercentileSummary { p: *q, est }
                    })
                    .collect();
                let target = within.map(|w| {
                    let shares: Vec<f64> = vals.iter().map(|v| v.2).collect();
                    columns.push(format!("{}_share_within", def.name), shares.iter().copied());
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
                let kind = match other {
                    KpiKind::PerDayReaching { .. } => "per_day",
                    KpiKind::PerRunReaching { .. } => "per_run",
                    _ => "share",
                };
                (kind, vec![], target)
            }
        };
        let unfinished = match def.kind {
            KpiKind::Duration {
                to, unit_minutes, ..
            } if to == MS_DEPARTURE => Some(Unfinished {
                per_replication: reps.iter().map(|r| r.kpis[k].open as f64).sum::<f64>()
                    / reps.len() as f64,
                so_far_mean: estimate(
                    &reps
                        .iter()
                        .map(|r| {
                            let a = &r.kpis[k];
                            if a.open > 0 {
                                a.open_sum / a.open as f64 / unit_minutes
                            } else {
                                f64::NAN
                            }
                        })
                        .collect::<Vec<f64>>(),
                )
                .into(),
            }),
            _ => None,
        };
        kpis.push(KpiSummary {
            name: def.name.clone(),
            label: def.label.clone(),
            department: def.department.clone(),
            unit: def.unit.clone(),
            kind,
            est: est.into(),
            replications_observed: est.n,
            observations_per_replication: obs,
            percentiles,
            target,
            unfinished,
        });
    }
    kpis
}

/// Every resource across replications; columns: its utilisation.
fn resource_summaries(
    model: &Model,
    reps: &[RepRow],
    columns: &mut Columns,
) -> Vec<ResourceSummary> {
    let mut resources = vec![];
    for (j, def) in model.resources.iter().enumerate() {
        let get = |f: &dyn Fn(&ResourceRep) -> f64| -> Vec<f64> {
            reps.iter().map(|r| f(&r.resources[j])).collect()
        };
        let unlimited = def.is_unlimited();
        let util = get(&|r| {
            if r.capacity_area > 0.0 && !unlimited {
                r.busy_area / r.capacity_area
            } else {
                f64::NAN
            }
        });
        let util_started = get(&|r| {
            if r.capacity_area > 0.0 && !unlimited {
                r.started_area / r.capacity_area
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
        columns.push(format!("util_{}", def.name), util.iter().copied());
        resources.push(ResourceSummary {
            id: def.name.clone(),
            label: def.label.clone(),
            department: def.department.clone(),
            capacity_mean: match def.capacity {
                Capacity::Fixed(c) => c as f64,
                Capacity::Roster(_) => cap.iter().sum::<f64>() / cap.len() as f64,
                Capacity::Unlimited => f64::NAN,
            },
            utilisation: estimate(&util).into(),
            utilisation_started: estimate(&util_started).into(),
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
            waiting_at_end: estimate(&get(&|r| r.waiting_at_end as f64)).into(),
            waiting_at_end_wait_min: estimate(&get(&|r| {
                if r.waiting_at_end > 0 {
                    r.waiting_at_end_sum / r.waiting_at_end as f64
                } else {
                    f64::NAN
                }
            }))
            .into(),
            refused_per_day: estimate(&get(&|r| r.refusals as f64 / r.span * 1440.0)).into(),
            gave_up_per_day: estimate(&get(&|r| r.reneges as f64 / r.span * 1440.0)).into(),
            unlimited,
            occupancy: super::occupancy_levels(reps, j),
        });
    }
    resources
}

/// Patients in and out, summed over replications, and whether every
/// replication accounts for each patient who arrived.
fn flow_summary(model: &Model, reps: &[RepRow]) -> FlowSummary {
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
    FlowSummary {
        arrived,
        departed,
        in_system_at_end: reps.iter().map(|r| r.in_system).sum(),
        arrived_by_class,
        arrived_per_replication: arrived as f64 / reps.len() as f64,
        conservation_holds: reps
            .iter()
            .all(|r| r.arrived == r.departed.iter().sum::<u64>() + r.in_system),
    }
}

/// Every stocked item across replications; columns: fill rate, stock-out
/// hours a year, missed units a day, expired units a year, mean stock.
fn item_summaries(model: &Model, reps: &[RepRow], columns: &mut Columns) -> Vec<ItemSummary> {
    let span_days = (model.horizon - model.warmup) / 1440.0;
    let mut items = vec![];
    for (j, def) in model.items.iter().enumerate() {
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
            columns.push(
                format!("{prefix}_{}", def.name),
                reps.iter().map(|r| f(&r.items[j])),
            );
        }
        let get = |f: &dyn Fn(&ItemRep) -> f64| -> crate::results::Est {
            estimate(&reps.iter().map(|r| f(&r.items[j])).collect::<Vec<_>>()).into()
        };
        let ratio = |a: u64, b: u64| if b > 0 { a as f64 / b as f64 } else { f64::NAN };
        items.push(ItemSummary {
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
    items
}

/// The distribution of duration KPI `k` over all replications, as `n_bins` equal
/// bins from 0 to its 99th percentile, in the KPI's unit: `(lo, hi, share)`.
/// None for KPIs that are not durations or have no observation.
pub fn kpi_distribution(
    model: &Model,
    reps: &Replications,
    k: usize,
    n_bins: usize,
) -> Option<Vec<(f64, f64, f64)>> {
    let KpiKind::Duration { unit_minutes, .. } = model.kpis.get(k)?.kind else {
        return None;
    };
    let merged = reps.histograms.get(k)?.as_ref()?;
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

//! Result types: what a run reports, ready to serialise as `summary.json`.

use serde::Serialize;
use std::collections::BTreeMap;

/// Version of the `summary.json` layout; bumped when a field changes meaning.
pub const SCHEMA_VERSION: u32 = 1;

/// A value across replications: mean, standard deviation and 95% interval.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Est {
    /// Mean over replications.
    pub mean: f64,
    /// Standard deviation over replications.
    pub sd: f64,
    /// Student-t 95% confidence interval of the mean.
    pub ci95: [f64; 2],
}

impl From<crate::stats::Estimate> for Est {
    fn from(e: crate::stats::Estimate) -> Self {
        Est {
            mean: e.mean,
            sd: e.sd,
            ci95: [e.lo, e.hi],
        }
    }
}

/// What the scenario asked for, echoed so a summary can be read on its own.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioEcho {
    /// Scenario name.
    pub name: String,
    /// Master seed.
    pub seed: u64,
    /// Replications run.
    pub replications: u32,
    /// Calendar start.
    pub start: String,
    /// Horizon in days.
    pub horizon_days: f64,
    /// Warm-up in days.
    pub warmup_days: f64,
}

/// A KPI's target and how often it was met.
#[derive(Clone, Debug, Serialize)]
pub struct Target {
    /// Target time for duration KPIs, in the KPI's unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub within: Option<f64>,
    /// Share of patients that should meet `within`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_share: Option<f64>,
    /// Upper bound for count KPIs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Lower bound for count KPIs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// Share of patients within `within` (duration KPIs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share_within: Option<Est>,
    /// Share of replications in which the target was met.
    pub share_of_replications_meeting: f64,
}

/// One percentile of a duration KPI.
#[derive(Clone, Debug, Serialize)]
pub struct PercentileSummary {
    /// Which percentile (0-100).
    pub p: f64,
    /// Its estimate across replications (each replication's own percentile).
    #[serde(flatten)]
    pub est: Est,
}

/// One KPI across replications.
#[derive(Clone, Debug, Serialize)]
pub struct KpiSummary {
    /// Identifier.
    pub name: String,
    /// Display name.
    pub label: String,
    /// Department whose card shows it (`other` when the scenario names none).
    pub department: String,
    /// Unit of `mean`: min, h, d, share or per day.
    pub unit: String,
    /// duration, share or per_day.
    pub kind: &'static str,
    /// Mean, sd and 95% CI across replications.
    #[serde(flatten)]
    pub est: Est,
    /// Replications in which the KPI had at least one observation.
    pub replications_observed: usize,
    /// Observations per replication (patients measured), mean.
    pub observations_per_replication: f64,
    /// Percentiles (duration KPIs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub percentiles: Vec<PercentileSummary>,
    /// Target, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// Duration KPIs ending at departure: the patients still in hospital
    /// when the run ended, left out of `mean` and the percentiles, which
    /// are of completed stays.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfinished: Option<Unfinished>,
}

/// Patients still in hospital, for a KPI ending at departure, when the run ended.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Unfinished {
    /// How many per replication, mean.
    pub per_replication: f64,
    /// Their time since the first milestone so far, in the KPI's unit
    /// (a lower bound on their duration).
    pub so_far_mean: Est,
}

/// One resource across replications (after warm-up).
#[derive(Clone, Debug, Serialize)]
pub struct ResourceSummary {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub label: String,
    /// Department whose card shows it (`other` when the scenario names none).
    pub department: String,
    /// Mean capacity (time-weighted; varies with rosters).
    pub capacity_mean: f64,
    /// Busy units / available units.
    pub utilisation: Est,
    /// Utilisation as several published models define it: the whole sampled
    /// duration of every activity begun after the warm-up while holding this
    /// resource (ending after the horizon or not), over available
    /// unit-minutes. Time spent holding it while waiting for something else
    /// is not in it.
    pub utilisation_started: Est,
    /// Mean busy units.
    pub busy_mean: Est,
    /// Time-weighted mean queue length.
    pub queue_mean: Est,
    /// Longest queue in any replication.
    pub queue_max: u32,
    /// Mean wait per grant, minutes.
    pub wait_mean_min: Est,
    /// Mean number of patients waiting here while holding another resource (boarding, exit block).
    pub waiting_while_holding_mean: Est,
    /// The same as patient-hours per day: boarding hours for a ward bed, exit-block hours for an ICU step-down.
    pub waiting_while_holding_hours_per_day: Est,
    /// Mean units in turnaround (cleaning after release; included in `busy_mean`).
    pub turnaround_mean: Est,
    /// Mean units down for breakdowns and maintenance (already off the capacity).
    pub down_mean: Est,
    /// Share of time with more than 85% of the available units busy.
    pub share_time_over_85: Est,
    /// Share of time with more than 92% of the available units busy.
    pub share_time_over_92: Est,
    /// Unit-hours per day busy beyond the capacity: service that ran past a
    /// roster drop (theatre lists overrunning their session, staff overtime).
    pub overrun_hours_per_day: Est,
    /// Most units busy at once in any replication (peak need).
    pub busy_max: u32,
    /// Patients still queueing here when the run ended, per replication.
    pub waiting_at_end: Est,
    /// Their wait so far, minutes (a lower bound on their wait; the mean
    /// wait above is of patients who were served).
    pub waiting_at_end_wait_min: Est,
    /// Patients per day turned away at once because every unit was in use
    /// (a seize with zero patience: refuse when full). They never queue.
    pub refused_per_day: Est,
    /// Patients per day who queued here and gave up before a unit freed.
    pub gave_up_per_day: Est,
    /// True for `capacity = "unlimited"`: no one waits, `capacity_mean` and
    /// `utilisation` are not defined (null) and `busy_mean` is the demand.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unlimited: bool,
    /// The occupancy distribution: for k = 0, 1, ... up to the peak, the
    /// share of the collection period with k units in use.
    pub occupancy: Vec<OccupancyLevel>,
}

/// One level of a resource's occupancy distribution.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct OccupancyLevel {
    /// Units in use (turnaround included).
    pub units: u32,
    /// Share of time with exactly `units` in use, time-weighted over the
    /// collection period and pooled over replications: P(N = k).
    pub share: f64,
    /// 95% interval of that share across replications.
    pub share_ci95: [f64; 2],
    /// Share of time with at most `units` in use: P(N <= k).
    pub share_at_most: f64,
    /// Were there only `units` units, the probability that an arriving
    /// patient finds them all in use, by the loss approximation
    /// P(N = k) / P(N <= k) (exact for Poisson arrivals to a loss system:
    /// Erlang B on an unlimited resource's distribution). Bed-planning
    /// studies report it as "1 in 1/p patients delayed".
    pub p_full_if_capacity: f64,
}

/// One stocked item across replications (after warm-up).
#[derive(Clone, Debug, Serialize)]
pub struct ItemSummary {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub label: String,
    /// Units used per day.
    pub demand_per_day: Est,
    /// Share of units given from stock at once (the fill rate).
    pub fill_rate: Est,
    /// Share of time with nothing on hand.
    pub stockout_share: Est,
    /// Hours a year with nothing on hand.
    pub stockout_hours_per_year: Est,
    /// Units given by a substitute, per day.
    pub substituted_per_day: Est,
    /// Units not given at all (missed doses), per day.
    pub missed_per_day: Est,
    /// Units discarded at expiry, per year.
    pub expired_per_year: Est,
    /// Share of the units received that expired (waste).
    pub expired_share: Est,
    /// Orders placed per week.
    pub orders_per_week: Est,
    /// Mean units on hand.
    pub average_stock: Est,
    /// Mean value on hand.
    pub average_stock_value: Est,
    /// Mean wait of a patient who waited for a delivery, hours.
    pub backorder_wait_mean_h: Est,
}

/// Patient flow, summed over replications; the identity
/// `arrived = departed + in_system` holds in every replication.
#[derive(Clone, Debug, Serialize)]
pub struct FlowSummary {
    /// Arrivals in all replications.
    pub arrived: u64,
    /// Departures by route in all replications.
    pub departed: BTreeMap<String, u64>,
    /// Patients in the hospital at the end, all replications.
    pub in_system_at_end: u64,
    /// Arrivals per class, all replications.
    pub arrived_by_class: BTreeMap<String, u64>,
    /// Mean arrivals per replication.
    pub arrived_per_replication: f64,
    /// True when the conservation identity held in every replication.
    pub conservation_holds: bool,
}

/// How the run went.
#[derive(Clone, Debug, Serialize)]
pub struct RunInfo {
    /// Wall-clock seconds (filled in by the caller).
    pub wall_seconds: f64,
    /// Events processed, all replications.
    pub events: u64,
    /// Worker threads.
    pub threads: usize,
}

/// The whole summary of a run.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Layout version.
    pub schema_version: u32,
    /// Scenario echo.
    pub scenario: ScenarioEcho,
    /// KPIs.
    pub kpis: Vec<KpiSummary>,
    /// Resources.
    pub resources: Vec<ResourceSummary>,
    /// Stocked items (empty without `[items]`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemSummary>,
    /// Flow.
    pub flow: FlowSummary,
    /// Run information.
    pub run: RunInfo,
}

/// One value per replication and KPI column (for `replications.csv`).
#[derive(Clone, Debug)]
pub struct ReplicationTable {
    /// Column names.
    pub columns: Vec<String>,
    /// One row per replication.
    pub rows: Vec<Vec<f64>>,
}

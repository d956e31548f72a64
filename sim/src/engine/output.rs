//! What one replication hands back: KPI accumulators, resource statistics,
//! samples and the optional patient trace.

use crate::stats::Histogram;

/// Per-replication accumulator of one KPI.
#[derive(Clone, Debug, Default)]
pub struct KpiAcc {
    /// Observations (duration KPIs) or numerator (count KPIs).
    pub n: u64,
    /// Sum of observed durations in minutes.
    pub sum: f64,
    /// Observations meeting `within`.
    pub within: u64,
    /// Denominator of share KPIs.
    pub den: u64,
    /// Duration KPIs: patients who passed `from` after the warm-up but not
    /// yet `to` at the end of the run (still waiting, still in hospital).
    pub open: u64,
    /// Their time since `from` at the end, summed, minutes.
    pub open_sum: f64,
    /// Distribution of durations.
    pub hist: Option<Histogram>,
}

/// One row of the patient trace: milestone times in minutes (NaN = not reached).
#[derive(Clone, Debug)]
pub struct TraceRow {
    /// Arrival index within the replication.
    pub id: u64,
    /// Class index.
    pub class: u16,
    /// Acuity 1..=5.
    pub acuity: u8,
    /// Exit route index, or `None` if still in the hospital at the end.
    pub route: Option<u8>,
    /// Slots of the attributes drawn at arrival (0: not drawn).
    pub attributes: [u8; crate::model::MAX_ATTRIBUTES],
    /// Milestone times in minutes since start.
    pub milestones: Vec<f64>,
}

/// Time-weighted and counting statistics of one resource after warm-up.
#[derive(Clone, Debug, Default)]
pub struct ResourceRep {
    /// Busy unit-minutes.
    pub busy_area: f64,
    /// Available unit-minutes.
    pub capacity_area: f64,
    /// Queue-length integral.
    pub queue_area: f64,
    /// Integral of waiting patients who hold another resource (boarders).
    pub boarding_area: f64,
    /// Longest queue seen.
    pub max_queue: u32,
    /// Sum of waits in minutes.
    pub wait_sum: f64,
    /// Number of grants.
    pub waits: u64,
    /// Sum of the waits of patients who gave up, in minutes.
    pub renege_wait_sum: f64,
    /// Patients who gave up waiting here.
    pub reneges: u64,
    /// Patients turned away at once, full (patience zero); not in the queue.
    pub refusals: u64,
    /// Patients still queueing here at the end of the run.
    pub waiting_at_end: u64,
    /// Their time waited so far, summed, minutes.
    pub waiting_at_end_sum: f64,
    /// Unit-minutes in turnaround (cleaning) after release.
    pub turnaround_area: f64,
    /// Unit-minutes down for breakdowns and maintenance.
    pub down_area: f64,
    /// Minutes with more than 85% of the available units busy.
    pub time_over_85: f64,
    /// Minutes with more than 92% of the available units busy.
    pub time_over_92: f64,
    /// Unit-minutes busy beyond the capacity (overrun past a roster drop).
    pub overrun_area: f64,
    /// Most units busy at once after warm-up.
    pub max_busy: u32,
    /// Minutes after warm-up spent with k units in use, k = 0..=max_busy
    /// (turnaround included: a bed being cleaned is not free).
    pub occupancy: Vec<f64>,
    /// Observed span in minutes (horizon - warm-up).
    pub span: f64,
    /// Unit-minutes of the activities begun after the warm-up while holding
    /// the resource, each counted whole even when it ends after the horizon
    /// (the "started by the horizon" utilisation's numerator).
    pub started_area: f64,
}

/// Stock statistics of one item after warm-up.
#[derive(Clone, Debug, Default)]
pub struct ItemRep {
    /// Units asked for.
    pub demand: u64,
    /// Units given from stock at once.
    pub filled_from_stock: u64,
    /// Times a step found too little stock.
    pub stockout_events: u64,
    /// Units given by a substitute item.
    pub substituted: u64,
    /// Units this item gave in place of another.
    pub used_as_substitute: u64,
    /// Units not given at all (missed doses).
    pub missed: u64,
    /// Units discarded at expiry.
    pub expired: u64,
    /// Orders placed.
    pub orders: u64,
    /// Units delivered.
    pub received: u64,
    /// Integral of units on hand (unit-minutes).
    pub stock_area: f64,
    /// Minutes with nothing on hand.
    pub stockout_time: f64,
    /// Patients who waited for a delivery, and their total wait in minutes.
    pub backorders_served: u64,
    /// Total minutes patients waited for a delivery.
    pub backorder_wait: f64,
}

/// Everything one replication produces.
#[derive(Clone, Debug, Default)]
pub struct RepOutput {
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
    /// KPI accumulators.
    pub kpis: Vec<KpiAcc>,
    /// Resource statistics.
    pub resources: Vec<ResourceRep>,
    /// Stock statistics per item.
    pub items: Vec<ItemRep>,
    /// Samples: for each sample time, for each resource, [busy, queue, capacity].
    pub samples: Vec<[f32; 3]>,
    /// Patient trace (only when asked for).
    pub trace: Vec<TraceRow>,
    /// Event log of patients arriving after the warm-up (only when asked for).
    pub log: Vec<crate::history::LogRow>,
    /// With the log: the patients in a unit at the end of the run.
    pub census: Vec<crate::history::CensusRow>,
    /// Arrivals turned away by drill responses (diverted, or cancelled electives).
    pub diverted: u64,
    /// Batch runs started (whole run).
    pub batch_runs: u64,

    /// For each drill response, the time it fired in minutes (NaN: never).
    pub responses_fired: Vec<f64>,
    /// Set when the replication stopped before its horizon; nothing else is
    /// then complete.
    pub fault: Option<Fault>,
}

/// Why a replication stopped before its horizon.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fault {
    /// A patient made more jumps within one simulated second than
    /// [`crate::limits::MAX_JUMPS_PER_INSTANT`]: a loop that passes no time.
    Loop {
        /// Arrival index of the patient.
        patient: u64,
        /// Its class.
        class: u16,
        /// The op it was at.
        pc: u32,
        /// Simulation time in minutes.
        time: f64,
    },
    /// More patients at once than [`crate::limits::MAX_LIVE_ENTITIES`].
    Overloaded {
        /// Patients and branches in the hospital.
        live: usize,
        /// Simulation time in minutes.
        time: f64,
    },
    /// Stopped from outside (an interrupt).
    Interrupted,
}

//! The compiled model: a scenario turned into flat tables and a program of steps.
//!
//! Everything the event loop reads lives here as indices and numbers; names are
//! kept only for reporting. See [`crate::compile`] for how a scenario becomes this.

use crate::dist::Dist;

mod drill;
pub use drill::*;

/// "No index": used where an optional index must stay a plain `u32`.
pub const NONE: u32 = u32::MAX;
/// Built-in milestone set when a patient arrives.
pub const MS_ARRIVAL: u16 = 0;
/// Built-in milestone set when a patient leaves by any route.
pub const MS_DEPARTURE: u16 = 1;
/// Acuity levels run from 1 (most urgent) to this value.
pub const MAX_ACUITY: u8 = 5;
/// Minutes in a week, the period of rosters and arrival profiles.
pub const WEEK_MINUTES: f64 = 10080.0;

/// Exit routes, in the order used by [`ROUTE_NAMES`].
pub const ROUTE_NAMES: [&str; 5] = [
    "discharged",
    "admitted",
    "transferred",
    "left_unseen",
    "died",
];
/// Index of `left_unseen` in [`ROUTE_NAMES`], the default route of reneging patients.
pub const ROUTE_LEFT_UNSEEN: u8 = 3;

/// How a request's queue priority is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prio {
    /// The patient's acuity.
    Acuity,
    /// A fixed value.
    Fixed(u8),
}

/// Where an activity's duration comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurRef {
    /// One distribution (index into [`Model::dists`]).
    Dist(u32),
    /// A table indexed by acuity (index into [`Model::by_acuity`]).
    ByAcuity(u32),
    /// A table indexed by class (index into [`Model::by_class`]).
    ByClass(u32),
    /// A table indexed by an attribute's slot (index into [`Model::by_attribute`]).
    ByAttribute {
        /// Attribute index.
        attr: u8,
        /// Table index.
        table: u32,
    },
    /// Until a clock time drawn from an hour-of-day profile (index into
    /// [`Model::hour_profiles`]): today if still ahead, else tomorrow.
    UntilHour(u32),
    /// A duration (index into [`Model::dists`]) that picks the day, and a clock
    /// time on that day from an hour profile: a length of stay with a discharge
    /// time of day. The stay never ends before it began.
    DayThenHour {
        /// Distribution of the stay.
        dist: u32,
        /// Hour profile.
        profile: u32,
    },
}

/// One instruction of the compiled pathway program.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// Take every resource of a set at once, waiting in their queues if needed;
    /// with alternatives, take the first free alternative when the set is full
    /// (and record what it stands for, so that releasing the set's name
    /// releases it).
    Seize {
        /// Index into [`Model::sets`].
        set: u32,
        /// Queue priority.
        prio: Prio,
        /// Patience table (index into [`Model::by_acuity`]) or [`NONE`].
        patience: u32,
        /// What happens when patience runs out.
        renege: Renege,
        /// Alternatives (index into [`Model::alternatives`]) or [`NONE`].
        alternatives: u32,
    },
    /// Give back the resources of a set that the patient holds.
    Release {
        /// Index into [`Model::sets`].
        set: u32,
    },
    /// Give back everything the patient holds.
    ReleaseAll,
    /// Spend time. `seize_pc` is the program counter of the activity's seize (for
    /// preemption: a preempted patient goes back there with its remaining time).
    Delay {
        /// Duration source.
        dur: DurRef,
        /// Seize op of the activity, or [`NONE`].
        seize_pc: u32,
        /// Activity index (into [`Model::activities`]), for drill slowdowns.
        activity: u16,
    },
    /// Record a milestone (first time only).
    Mark {
        /// Milestone index.
        ms: u16,
    },
    /// Random jump (index into [`Model::branches`]).
    Branch {
        /// Branch table.
        table: u32,
    },
    /// Jump chosen by an attribute (index into [`Model::routes`]).
    RouteBy {
        /// Route table.
        table: u32,
    },
    /// Continue elsewhere.
    Jump {
        /// Target program counter.
        pc: u32,
    },
    /// Start parallel branches (index into [`Model::forks`]); the patient goes on.
    Fork {
        /// Fork list.
        list: u32,
    },
    /// Wait until every branch the patient started is back.
    AwaitBranches,
    /// End of a parallel branch.
    Join,
    /// Wait at a batch point until a run starts, then until it ends.
    Batch {
        /// Index into [`Model::batches`].
        point: u32,
    },
    /// Use units of a stocked item.
    Consume {
        /// Item index.
        item: u16,
        /// Fixed quantity, or 0 when `mean` gives a Poisson quantity.
        qty: u32,
        /// Mean of the Poisson quantity (`qty` = 0).
        mean: f32,
    },
    /// Count up a per-patient counter; at `limit` go to `pc`.
    Count {
        /// Counter index (into [`Model::counters`]).
        counter: u16,
        /// Count that triggers the jump.
        limit: u16,
        /// Target program counter.
        pc: u32,
    },
    /// Leave the hospital.
    Exit {
        /// Index into [`ROUTE_NAMES`].
        route: u8,
    },
}

/// Where a patient whose patience runs out goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Renege {
    /// Leaves the hospital by this route (index into [`ROUTE_NAMES`]).
    Exit(u8),
    /// Goes on at this program counter, keeping what it holds (a cancelled
    /// operation is rebooked, a refused ICU admission is transferred).
    Pathway(u32),
}

/// Per-patient counters a model may use.
pub const MAX_COUNTERS: usize = 4;

/// A batch point: patients accumulate and are processed together.
#[derive(Clone, Debug)]
pub struct BatchDef {
    /// Name from the scenario.
    pub name: String,
    /// Resource one run occupies (one unit), or `u16::MAX` for none.
    pub resource: u16,
    /// Most patients per run; a run starts when this many wait (`u32::MAX`: no limit).
    pub size: u32,
    /// Period of the clock ticks that start a run when anyone waits (0: none).
    pub every: f64,
    /// Run time (index into [`Model::dists`]).
    pub duration: u32,
    /// Key of the batch point's random stream.
    pub key: u64,
}

/// What a step does when an item is out of stock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stockout {
    /// Wait for a delivery (backorder, first come first served).
    Wait,
    /// Use another item (index); if that is out too, the dose is missed.
    Substitute(u16),
    /// Go on without it (a missed dose).
    Skip,
}

/// A stocked item and its reorder policy.
#[derive(Clone, Debug)]
pub struct ItemDef {
    /// Identifier.
    pub name: String,
    /// Display name.
    pub label: String,
    /// Value of one unit.
    pub unit_cost: f64,
    /// Units on hand at the start.
    pub initial: u32,
    /// Reorder point.
    pub reorder_point: u32,
    /// (s, S): order up to this position; else (R, Q).
    pub order_up_to: Option<u32>,
    /// (R, Q): order quantity.
    pub order_quantity: u32,
    /// Review period in minutes (0: continuous review).
    pub review_every: f64,
    /// Lead time (index into [`Model::dists`]).
    pub lead_time: u32,
    /// Shelf life in minutes (infinite if none).
    pub shelf_life: f64,
    /// Stock-out behaviour.
    pub on_stockout: Stockout,
    /// Forecast-driven order-up-to level: (smoothing, cover in minutes, safety factor).
    pub forecast: Option<(f64, f64, f64)>,
    /// Key of the item's random stream (lead times).
    pub key: u64,
}

/// Resources a seize step may take instead of its first choice.
#[derive(Clone, Debug)]
pub struct Alternatives {
    /// One set per alternative, in order of preference.
    pub sets: Vec<u32>,
    /// Milestone recorded when one is taken, or [`NONE`] as u16.
    pub mark: u16,
}

/// A random jump: per acuity (rows 1..=5), cumulative probabilities and targets.
#[derive(Clone, Debug)]
pub struct BranchTable {
    /// `cumulative[acuity][k]`: P(option <= k) for that acuity; row 0 unused.
    pub cumulative: Vec<Vec<f64>>,
    /// Target program counters, one per option.
    pub targets: Vec<u32>,
}

/// What a `route_by` step or a `duration_by` table is keyed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatientKey {
    /// The acuity (slots 0..=5, 0 unused).
    Acuity,
    /// The class index.
    Class,
    /// An attribute drawn at arrival (index into [`Model::attributes`]):
    /// slot 0 is "not drawn" (the class gives no mix), slot k the k-th value.
    Attribute(u8),
}

/// An attribute jump.
#[derive(Clone, Debug)]
pub struct RouteTable {
    /// What the jump is keyed on.
    pub key: PatientKey,
    /// Target program counter per slot of the key (see [`PatientKey`]).
    pub targets: Vec<u32>,
}

/// Most attributes a scenario may draw per patient.
pub const MAX_ATTRIBUTES: usize = 4;
/// Most values one attribute may take.
pub const MAX_ATTRIBUTE_VALUES: usize = 64;

/// A patient attribute drawn at arrival (where the patient goes after the
/// acute stay, say), named by the arrival classes' `attributes` mixes.
#[derive(Clone, Debug)]
pub struct AttributeDef {
    /// Name from the scenario.
    pub name: String,
    /// Its values, sorted; a patient's slot is the value's index + 1.
    pub values: Vec<String>,
}

/// Capacity over time.
#[derive(Clone, Debug)]
pub enum Capacity {
    /// Always the same.
    Fixed(u32),
    /// By hour of week, Monday 00:00 first (168 values).
    Roster(Vec<u32>),
    /// No limit: every request is granted at once (unconstrained demand).
    Unlimited,
}

/// The engine's capacity of an unlimited resource: more units than any run
/// can ask for, so that `busy < cap` always holds and no one queues.
pub const UNLIMITED: u32 = u32::MAX;

/// A compiled resource pool.
#[derive(Clone, Debug)]
pub struct ResourceDef {
    /// Identifier from the scenario.
    pub name: String,
    /// Display name.
    pub label: String,
    /// Department (`other` when the scenario names none).
    pub department: String,
    /// Capacity.
    pub capacity: Capacity,
    /// First come first served regardless of priority.
    pub fifo: bool,
    /// Bit `p` set: priority `p` may preempt a less urgent patient.
    pub preempt_mask: u32,
    /// Turnaround after each release (index into [`Model::dists`]) or [`NONE`].
    pub turnaround: u32,
    /// Random failures: (time-between dist, repair dist, units).
    pub breakdowns: Option<(u32, u32, u32)>,
    /// Weekly downtime windows: (minute of week, length in minutes, units).
    pub maintenance: Vec<(f64, f64, u32)>,
    /// Key of the resource's own random stream (turnaround and failure times).
    pub key: u64,
    /// Batch points whose runs use this resource (tried first when a unit frees).
    pub batch_points: Vec<u32>,
}

impl ResourceDef {
    /// Capacity at a given hour of week (0 = Monday 00:00).
    pub fn capacity_at_hour(&self, hour_of_week: usize) -> u32 {
        match &self.capacity {
            Capacity::Fixed(c) => *c,
            Capacity::Roster(r) => r[hour_of_week % 168],
            Capacity::Unlimited => UNLIMITED,
        }
    }

    /// Whether the resource has no limit.
    pub fn is_unlimited(&self) -> bool {
        matches!(self.capacity, Capacity::Unlimited)
    }
}

/// How a class's patients arrive.
#[derive(Clone, Debug)]
pub enum ArrivalProcess {
    /// Non-homogeneous Poisson with a rate per hour of week (patients per minute).
    Poisson {
        /// 168 rates per minute, Monday 00:00 first.
        rate_per_min: Vec<f64>,
        /// Largest rate, the thinning envelope.
        max_rate: f64,
        /// All rates equal: no thinning needed.
        flat: bool,
    },
    /// The same slots every week: (minute of week, count), sorted.
    Weekly(Vec<(f64, u32)>),
    /// Fixed times (minutes since start, count), sorted.
    At(Vec<(f64, u32)>),
    /// Replayed from a log: one patient per entry (minutes since start, acuity
    /// 1..=5 or 0 to draw it from the class's mix), sorted; during the warm-up
    /// the class arrives by `warmup`, its own process, to fill the hospital.
    Replay {
        /// The log's arrivals.
        list: Vec<(f64, u8)>,
        /// The class's process before the log begins.
        warmup: Box<ArrivalProcess>,
    },
    /// A drill surge: `n` patients at independent uniform times in `[start, end)`.
    Surge {
        /// Window start, minutes.
        start: f64,
        /// Window end, minutes.
        end: f64,
        /// Number of patients.
        n: u32,
    },
    /// Poisson with a rate per fixed step from `start` (an epidemic's daily admissions).
    Piecewise {
        /// Start of the first step, minutes.
        start: f64,
        /// Step length, minutes.
        step: f64,
        /// Rate per minute in each step.
        rate_per_min: Vec<f64>,
        /// Largest rate.
        max_rate: f64,
    },
}

/// A patient class.
#[derive(Clone, Debug)]
pub struct ClassDef {
    /// Identifier from the scenario.
    pub name: String,
    /// Stable key of the class for random streams (a hash of its name), so that
    /// adding a class to a variant does not change the other classes' patients.
    pub key: u64,
    /// Program counter of its pathway.
    pub start_pc: u32,
    /// Arrival process.
    pub process: ArrivalProcess,
    /// Cumulative acuity probabilities for acuity 1..=5.
    pub acuity_cumulative: [f64; 5],
    /// The attributes its patients draw at arrival, in the order drawn:
    /// (attribute index, cumulative probabilities of its values 1..=n).
    pub attributes: Vec<(u8, Vec<f64>)>,
    /// Stop after this many arrivals.
    pub max_arrivals: u64,
}

/// What a KPI measures.
#[derive(Clone, Debug)]
pub enum KpiKind {
    /// Time between two milestones.
    Duration {
        /// Start milestone.
        from: u16,
        /// End milestone.
        to: u16,
        /// Target time in minutes.
        within: Option<f64>,
        /// Share of patients that should meet the target.
        target_share: Option<f64>,
        /// Percentiles to report (0-100).
        percentiles: Vec<f64>,
        /// Minutes per display unit.
        unit_minutes: f64,
    },
    /// Share of departures by a route.
    ShareExiting {
        /// Route index.
        route: u8,
    },
    /// Share of departures that passed a milestone.
    ShareReaching {
        /// Milestone index.
        ms: u16,
    },
    /// Milestone passages per day.
    PerDayReaching {
        /// Milestone index.
        ms: u16,
    },
    /// Milestone passages per replication (after the warm-up): the count of
    /// a terminating run such as a clinic day.
    PerRunReaching {
        /// Milestone index.
        ms: u16,
    },
}

/// A compiled KPI.
#[derive(Clone, Debug)]
pub struct KpiDef {
    /// Identifier from the scenario.
    pub name: String,
    /// Display name.
    pub label: String,
    /// Department (`other` when the scenario names none).
    pub department: String,
    /// Unit shown with values.
    pub unit: String,
    /// What it measures.
    pub kind: KpiKind,
    /// Which attribute values count: (attribute index, allowed slots).
    pub attributes: Vec<(u8, Vec<bool>)>,
    /// Which classes and acuities count, indexed by class × 6 + acuity (0..=5):
    /// one look-up on the event loop's hot path.
    pub admit: Vec<bool>,
    /// Upper target for count KPIs.
    pub max: Option<f64>,
    /// Lower target for count KPIs.
    pub min: Option<f64>,
    /// A share KPI counts every patient who arrived after the warm-up
    /// (`of = "arrivals"`), those still in hospital at the end included,
    /// instead of departed patients only.
    pub of_arrivals: bool,
}

/// A scenario compiled for the event loop.
#[derive(Clone, Debug)]
pub struct Model {
    /// Scenario name.
    pub name: String,
    /// Calendar start, in wall-clock time.
    pub start: jiff::civil::DateTime,
    /// `sim.time_zone`: the zone whose wall clock timestamps with an offset
    /// are read in (none: such timestamps are refused).
    pub time_zone: Option<jiff::tz::TimeZone>,
    /// Minutes from Monday 00:00 to the start.
    pub start_minute_of_week: f64,
    /// Horizon in minutes.
    pub horizon: f64,
    /// Warm-up in minutes.
    pub warmup: f64,
    /// Replications.
    pub replications: u32,
    /// Master seed.
    pub seed: u64,
    /// Time-series spacing in minutes.
    pub sample_interval: f64,
    /// Resources.
    pub resources: Vec<ResourceDef>,
    /// Patient classes.
    pub classes: Vec<ClassDef>,
    /// The pathway program.
    pub program: Vec<Op>,
    /// Pathway names and start program counters.
    pub pathways: Vec<(String, u32)>,
    /// Pathway (index into [`Model::pathways`]) and step of each op of the
    /// program (step = the pathway's number of steps: its implicit end).
    pub step_of_pc: Vec<(u16, u16)>,
    /// Resource sets used by seize and release.
    pub sets: Vec<Vec<u16>>,
    /// Distributions.
    pub dists: Vec<Dist>,
    /// Tables of distribution indices by acuity (index 0..=5; [`NONE`] = none).
    pub by_acuity: Vec<[u32; 6]>,
    /// Tables of distribution indices by class.
    pub by_class: Vec<Vec<u32>>,
    /// Tables of distribution indices by an attribute's slot (0: not drawn).
    pub by_attribute: Vec<Vec<u32>>,
    /// Attributes drawn at arrival.
    pub attributes: Vec<AttributeDef>,
    /// Random jumps.
    pub branches: Vec<BranchTable>,
    /// Attribute jumps.
    pub routes: Vec<RouteTable>,
    /// Fork lists (start program counters of the branches).
    pub forks: Vec<Vec<u32>>,
    /// Alternatives of seize steps.
    pub alternatives: Vec<Alternatives>,
    /// Names of per-patient counters (at most [`MAX_COUNTERS`]).
    pub counters: Vec<String>,
    /// Batch points (analyser runs, batched transport).
    pub batches: Vec<BatchDef>,
    /// Stocked items.
    pub items: Vec<ItemDef>,
    /// Milestone names; 0 = arrival, 1 = departure.
    pub milestones: Vec<String>,
    /// KPIs.
    pub kpis: Vec<KpiDef>,
    /// For each milestone, the duration KPIs that end there.
    pub kpis_ending_at: Vec<Vec<u16>>,
    /// For each milestone, the per-day KPIs that count it.
    pub kpis_counting: Vec<Vec<u16>>,
    /// Things that compile but look unintended (e.g. a pathway nothing leads to).
    pub warnings: Vec<String>,
    /// Activity names (for slowdowns and reports).
    pub activities: Vec<String>,
    /// Cumulative hour-of-day profiles of `until_hour` steps (24 values, last = 1).
    pub hour_profiles: Vec<[f64; 24]>,
    /// The compiled drill, if the scenario has one.
    pub drill: Option<DrillDef>,
    /// The `[history]` mapping onto the event-log vocabulary.
    pub history: crate::history::HistoryDef,
    /// Patients already in the hospital at time 0 (a projection's census),
    /// set only through a checked [`crate::plan::RunPlan`].
    pub(crate) census: Vec<crate::history::CensusPatient>,
    /// Replay with the log's durations: per class, per replayed arrival, its
    /// completed unit stays in order (unit, minutes).
    pub(crate) replay_stays: Vec<Vec<Vec<(u16, f64)>>>,
}

impl KpiDef {
    /// Whether a patient of this class, acuity and attribute slots counts
    /// towards the KPI.
    #[inline(always)]
    pub fn admits(&self, class: usize, acuity: usize, attrs: &[u8; MAX_ATTRIBUTES]) -> bool {
        self.admit.get(class * 6 + acuity) == Some(&true)
            && (self.attributes.is_empty() || self.admits_attributes(attrs))
    }

    // Kept out of line: most KPIs filter on no attribute, and the event loop
    // should not pay for the ones that do.
    #[cold]
    #[inline(never)]
    fn admits_attributes(&self, attrs: &[u8; MAX_ATTRIBUTES]) -> bool {
        self.attributes
            .iter()
            .all(|(a, ok)| ok.get(attrs[*a as usize % MAX_ATTRIBUTES] as usize) == Some(&true))
    }
}

impl Model {
    /// The scenario step an op comes from, as a field path such as
    /// `pathways.ed.steps[3]`, for errors raised while running.
    pub fn step_name(&self, pc: u32) -> String {
        match self.step_of_pc.get(pc as usize) {
            Some(&(pw, st)) => match self.pathways.get(pw as usize) {
                Some((name, _)) => format!("pathways.{name}.steps[{st}]"),
                None => format!("op {pc}"),
            },
            None => format!("op {pc}"),
        }
    }

    /// The calendar time of simulation time `minutes`, `YYYY-MM-DDTHH:MM`
    /// (empty past the calendar's end).
    pub fn timestamp(&self, minutes: f64) -> String {
        let secs = (minutes * 60.0).round() as i64;
        self.start
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .map(|t| t.strftime("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default()
    }

    /// Minute of the day (0..1440) at simulation time `t`.
    #[inline]
    pub fn minute_of_day(&self, t: f64) -> f64 {
        (self.start_minute_of_week + t).rem_euclid(1440.0)
    }

    /// The first clock tick after `t` of a period counted from Monday 00:00
    /// (batch rounds, periodic stock reviews).
    pub fn next_tick(&self, t: f64, period: f64) -> f64 {
        let since_monday = self.start_minute_of_week + t;
        ((since_monday / period).floor() + 1.0) * period - self.start_minute_of_week
    }

    /// The first simulation time at or after `t` that falls on `minute` of the
    /// week (0 = Monday 00:00).
    pub fn next_minute_of_week(&self, t: f64, minute: f64) -> f64 {
        let week = 7.0 * 1440.0;
        let now = (self.start_minute_of_week + t).rem_euclid(week);
        t + (minute - now).rem_euclid(week)
    }

    /// Hour of week (0 = Monday 00:00-01:00) at simulation time `t`.
    pub fn hour_of_week(&self, t: f64) -> usize {
        (((self.start_minute_of_week + t) / 60.0).floor() as i64).rem_euclid(168) as usize
    }

    /// Exact expected number of arrivals of Poisson class `class` in `[0, t)`: the
    /// integral of the rate, used by tests and by reports.
    pub fn expected_arrivals(&self, class: usize, t: f64) -> f64 {
        let ArrivalProcess::Poisson { rate_per_min, .. } = &self.classes[class].process else {
            return f64::NAN;
        };
        let mut total = 0.0;
        let mut s = 0.0;
        while s < t {
            let h = self.hour_of_week(s);
            let hour_end = ((self.start_minute_of_week + s) / 60.0).floor() * 60.0 + 60.0
                - self.start_minute_of_week;
            let e = hour_end.min(t);
            total += rate_per_min[h] * (e - s);
            s = e;
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_op_fits_in_24_bytes() {
        // The interpreter walks the program op by op: keep them small.
        assert!(
            std::mem::size_of::<Op>() <= 24,
            "{}",
            std::mem::size_of::<Op>()
        );
    }
}

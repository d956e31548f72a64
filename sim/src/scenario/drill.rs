//! The `[drill]` section: crisis events and the responses of a drill plan.

use crate::duration::Duration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::zero_duration;

/// A crisis drill: what happens (`events`) and what the hospital does (`responses`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DrillSpec {
    /// Display name of the drill.
    #[serde(default)]
    pub name: Option<String>,
    /// What strikes the hospital.
    #[serde(default)]
    pub events: Vec<DrillEvent>,
    /// What the hospital does about it.
    #[serde(default)]
    pub responses: Vec<ResponseSpec>,
}

/// One drill event, selected by `kind`.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DrillEvent {
    /// A mass-casualty incident: `patients` arriving over `over` from `at`.
    Surge {
        /// Name, used as the patients' class name.
        name: String,
        /// Start, `YYYY-MM-DDTHH:MM`.
        at: String,
        /// Length of the arrival window.
        over: Duration,
        /// Number of casualties.
        patients: u32,
        /// Pathway the casualties follow.
        pathway: String,
        /// Acuity mix, keys "1".."5".
        #[serde(default)]
        acuity: Option<BTreeMap<String, f64>>,
    },
    /// Units of a resource out of service for a period (a broken CT scanner).
    Outage {
        /// Resource.
        resource: String,
        /// Start.
        at: String,
        /// How long.
        duration: Duration,
        /// Units out (default: all).
        #[serde(default)]
        units: Option<u32>,
    },
    /// Chosen activities take longer for a period (IT downtime, paper processes).
    Slowdown {
        /// Activity names (as in pathway steps).
        activities: Vec<String>,
        /// Start.
        at: String,
        /// How long.
        duration: Duration,
        /// Duration multiplier, e.g. 1.5.
        factor: f64,
    },
    /// A resource's capacity scaled down for a period (sickness, strike).
    StaffShortage {
        /// Resource.
        resource: String,
        /// Start.
        at: String,
        /// How long.
        duration: Duration,
        /// Capacity multiplier, e.g. 0.8 for a 20% shortage.
        scale: f64,
    },
    /// Beds closed for a period (an infection outbreak on a ward).
    Closure {
        /// Resource.
        resource: String,
        /// Start.
        at: String,
        /// How long.
        duration: Duration,
        /// Units closed.
        units: u32,
    },
    /// Extra admissions from an SIR epidemic, in the manner of CHIME.
    Epidemic {
        /// Name, used as the patients' class name.
        name: String,
        /// Pathway of the admitted patients.
        pathway: String,
        /// Day the model starts (day 0 of the SIR).
        at: String,
        /// How long admissions are generated.
        duration: Duration,
        /// Population of the catchment area.
        population: f64,
        /// Infected at day 0.
        #[serde(default = "one_f64")]
        initial_infected: f64,
        /// Doubling time of infections before mitigation (give this or `r0`).
        #[serde(default)]
        doubling_time: Option<Duration>,
        /// Basic reproduction number (give this or `doubling_time`).
        #[serde(default)]
        r0: Option<f64>,
        /// Infectious period.
        infectious_period: Duration,
        /// Share of infections needing hospital admission.
        hospitalisation_rate: f64,
        /// Share of the region's admissions that come to this hospital.
        #[serde(default = "one_f64")]
        market_share: f64,
        /// Start of social distancing.
        #[serde(default)]
        mitigation_at: Option<String>,
        /// Contact reduction from `mitigation_at` (0-1).
        #[serde(default)]
        contact_reduction: f64,
        /// Acuity mix of admissions, keys "1".."5".
        #[serde(default)]
        acuity: Option<BTreeMap<String, f64>>,
    },
}

fn one_f64() -> f64 {
    1.0
}

/// A response: when it fires (`at` or `when`), after what `delay`, doing what.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseSpec {
    /// Name shown in reports.
    pub name: String,
    /// Fire at this time, `YYYY-MM-DDTHH:MM`.
    #[serde(default)]
    pub at: Option<String>,
    /// Fire when this condition first holds: `queue(R) > N`, `occupancy(R) >= x`, `busy(R) >= N`.
    #[serde(default)]
    pub when: Option<String>,
    /// Time between firing and taking effect.
    #[serde(default = "zero_duration")]
    pub delay: Duration,
    /// add_capacity, stop_arrivals or divert.
    pub action: String,
    /// Resource for add_capacity.
    #[serde(default)]
    pub resource: Option<String>,
    /// Units for add_capacity.
    #[serde(default)]
    pub units: Option<u32>,
    /// Arrival class for stop_arrivals and divert.
    #[serde(default)]
    pub class: Option<String>,
    /// Share of the class's arrivals sent elsewhere, for divert.
    #[serde(default)]
    pub share: Option<f64>,
    /// How long the action lasts (default: to the end of the run).
    #[serde(default)]
    pub duration: Option<Duration>,
}

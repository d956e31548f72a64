//! A run plan: what one run changes in a compiled model, as typed inputs that
//! are checked before anything runs. The compiled model itself is never
//! edited: [`Model::plan`] returns the planned copy the engine runs.
//!
//! ```
//! use hospsim_sim::plan::{Arrivals, RunPlan};
//! let s: hospsim_sim::Scenario = toml::from_str(r#"
//! name = "ward"
//! [sim]
//! horizon = "10 d"
//! [resources.bed]
//! capacity = 5
//! [arrivals.medical]
//! pathway = "p"
//! per_day = 3
//! [pathways.p]
//! steps = [ { activity = "stay", use = ["bed"], duration = { exponential = { mean = "2 d" } } }, { exit = "discharged" } ]
//! "#).unwrap();
//! let model = hospsim_sim::compile(&s).unwrap();
//! // Arrivals at the hourly rates of a forecast instead of the scenario's profile.
//! let plan = RunPlan {
//!     replications: Some(4),
//!     arrivals: vec![("medical".into(), Arrivals::Rates { start: 0.0, step: 60.0, per_minute: vec![0.002; 240] })],
//!     ..Default::default()
//! };
//! let planned = model.plan(&plan).unwrap();
//! assert_eq!(planned.replications, 4);
//! // A plan that names a class the scenario does not have is refused.
//! let bad = RunPlan { arrivals: vec![("surgical".into(), Arrivals::None)], ..Default::default() };
//! assert!(model.plan(&bad).unwrap_err().to_string().contains("no class \"surgical\""));
//! ```

use crate::history::CensusPatient;
use crate::limits::{
    MAX_ARRIVALS_PER_DAY, MAX_LIVE_ENTITIES, MAX_PLANNED_ARRIVALS, MAX_REPLICATIONS,
};
use crate::model::{ArrivalProcess, MAX_ACUITY, Model};

/// How a class's patients arrive in this run instead of the scenario's process.
#[derive(Clone, Debug, PartialEq)]
pub enum Arrivals {
    /// Nobody arrives (a drill's own classes in its no-drill baseline).
    None,
    /// The times (minutes since the start) and acuities (1..=5, or 0 to draw
    /// it from the class's mix) of a log; before the first, during the
    /// warm-up, the class arrives by its own process to fill the hospital.
    Replay(Vec<(f64, u8)>),
    /// Poisson arrivals at a rate per minute for each step of `step` minutes
    /// from `start` (a forecast of arrivals).
    Rates {
        /// Start of the first step, minutes.
        start: f64,
        /// Step length, minutes.
        step: f64,
        /// Rate per minute in each step.
        per_minute: Vec<f64>,
    },
}

/// One replayed patient's completed unit stays, in order: (unit index, minutes).
pub type UnitStays = Vec<(u16, f64)>;

/// What a run changes in a compiled model; everything defaults to the model's own.
#[derive(Clone, Debug, Default)]
pub struct RunPlan {
    /// Replications (`--reps`).
    pub replications: Option<u32>,
    /// Master seed (`--seed`).
    pub seed: Option<u64>,
    /// Spacing of the time series, minutes.
    pub sample_interval: Option<f64>,
    /// Patients already in the hospital at time 0 (a projection's census).
    pub census: Vec<CensusPatient>,
    /// Classes (by name) that arrive otherwise.
    pub arrivals: Vec<(String, Arrivals)>,
    /// Replay with the log's durations: per class (by name), per replayed
    /// arrival, its completed unit stays in order (unit index, minutes).
    pub replay_stays: Vec<(String, Vec<UnitStays>)>,
    /// Run without the scenario's drill (its baseline): the drill's own
    /// classes stay, so KPIs naming them still hold, but nobody arrives in them.
    pub without_drill: bool,
}

/// A plan that does not fit its model.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct PlanError(pub String);

fn fail<T>(msg: impl Into<String>) -> Result<T, PlanError> {
    Err(PlanError(msg.into()))
}

impl Model {
    /// This model as `plan` runs it, after checking every index, time and
    /// size the plan gives.
    pub fn plan(&self, plan: &RunPlan) -> Result<Model, PlanError> {
        let mut m = self.clone();
        if let Some(r) = plan.replications {
            if !(1..=MAX_REPLICATIONS).contains(&r) {
                return fail(format!(
                    "replications must be 1 to {MAX_REPLICATIONS}, got {r}"
                ));
            }
            m.replications = r;
        }
        if let Some(s) = plan.seed {
            m.seed = s;
        }
        if let Some(dt) = plan.sample_interval {
            let cells = (m.horizon / dt).floor() + 1.0;
            if dt.is_nan()
                || dt <= 0.0
                || cells * m.resources.len().max(1) as f64 > crate::limits::MAX_SAMPLE_CELLS
            {
                return fail(format!(
                    "a sample interval of {dt} minutes gives too many samples"
                ));
            }
            m.sample_interval = dt;
        }
        let class = |name: &str| {
            self.classes
                .iter()
                .position(|c| c.name == name)
                .ok_or_else(|| {
                    PlanError(format!(
                        "no class \"{name}\" (the scenario's classes: {})",
                        self.classes
                            .iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })
        };
        if plan.census.len() > MAX_LIVE_ENTITIES {
            return fail(format!(
                "a census of {} patients is more than the {MAX_LIVE_ENTITIES} a run holds",
                plan.census.len()
            ));
        }
        for (k, p) in plan.census.iter().enumerate() {
            if p.class as usize >= self.classes.len() {
                return fail(format!(
                    "census patient {k}: class index {} out of range",
                    p.class
                ));
            }
            if p.acuity > MAX_ACUITY {
                return fail(format!(
                    "census patient {k}: acuity {} is not 0..5",
                    p.acuity
                ));
            }
            let Some(resume) = self.history.resume.get(p.unit as usize) else {
                return fail(format!(
                    "census patient {k}: unit index {} out of range",
                    p.unit
                ));
            };
            if resume.is_none() {
                return fail(format!(
                    "census patient {k}: no pathway seizes a resource of unit \"{}\"",
                    self.history.unit_names[p.unit as usize]
                ));
            }
            if !(p.elapsed.is_finite()
                && p.elapsed >= 0.0
                && p.since_arrival.is_finite()
                && p.since_arrival >= p.elapsed)
            {
                return fail(format!(
                    "census patient {k}: times must be finite, with the time in the unit no longer than the time since arrival"
                ));
            }
        }
        m.census = plan.census.clone();
        for (name, arrivals) in &plan.arrivals {
            let c = class(name)?;
            let own = std::mem::replace(&mut m.classes[c].process, ArrivalProcess::At(vec![]));
            m.classes[c].process = match arrivals {
                Arrivals::None => ArrivalProcess::At(vec![]),
                Arrivals::Replay(list) => {
                    if list.len() as u64 > MAX_PLANNED_ARRIVALS * 10 {
                        return fail(format!(
                            "class \"{name}\": {} replayed arrivals is more than a run takes",
                            list.len()
                        ));
                    }
                    if list.iter().any(|&(t, a)| {
                        !(t.is_finite() && (0.0..=m.horizon).contains(&t)) || a > MAX_ACUITY
                    }) {
                        return fail(format!(
                            "class \"{name}\": a replayed arrival lies outside the run or has an acuity outside 0..5"
                        ));
                    }
                    let mut list = list.clone();
                    list.sort_by(|a, b| a.0.total_cmp(&b.0));
                    // Every logged patient comes, whatever the class's own cap.
                    m.classes[c].max_arrivals = u64::MAX;
                    ArrivalProcess::Replay {
                        list,
                        warmup: Box::new(own),
                    }
                }
                Arrivals::Rates {
                    start,
                    step,
                    per_minute,
                } => {
                    let bad = !(start.is_finite()
                        && *start >= 0.0
                        && step.is_finite()
                        && *step >= crate::limits::MIN_PERIOD_MINUTES);
                    if bad
                        || per_minute.iter().any(|r| {
                            !(r.is_finite() && *r >= 0.0 && r * 1440.0 <= MAX_ARRIVALS_PER_DAY)
                        })
                    {
                        return fail(format!(
                            "class \"{name}\": rates must be finite, at least 0 and at most {MAX_ARRIVALS_PER_DAY} a day, in steps of at least a second"
                        ));
                    }
                    let max_rate = per_minute.iter().copied().fold(0.0, f64::max);
                    ArrivalProcess::Piecewise {
                        start: *start,
                        step: *step,
                        rate_per_min: per_minute.clone(),
                        max_rate,
                    }
                }
            };
        }
        if !plan.replay_stays.is_empty() {
            let mut stays = vec![vec![]; m.classes.len()];
            for (name, per_arrival) in &plan.replay_stays {
                let c = class(name)?;
                if per_arrival.iter().flatten().any(|&(u, d)| {
                    u as usize >= self.history.unit_names.len() || !(d.is_finite() && d >= 0.0)
                }) {
                    return fail(format!(
                        "class \"{name}\": a replayed stay names no unit of the scenario or has no length"
                    ));
                }
                stays[c] = per_arrival.clone();
            }
            m.replay_stays = stays;
        }
        if plan.without_drill
            && let Some(d) = m.drill.take()
        {
            for c in d.classes {
                m.classes[c].process = ArrivalProcess::At(vec![]);
            }
        }
        Ok(m)
    }
}

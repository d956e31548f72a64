//! A scenario held against a log: the log's period simulated, every measure
//! of the log beside the simulated one, inside or outside the 95% prediction
//! interval of one replication.

use crate::Visits;
use crate::measure::{Measure, measure};
use hospsim_sim::runner::{one, replicate};
use hospsim_sim::stats::estimate;
use hospsim_sim::{Model, SimError};
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

/// One measure, the log's beside the simulation's.
#[derive(Clone, Debug)]
pub struct Judged {
    /// The log's measure.
    pub measure: Measure,
    /// Mean across replications.
    pub sim_mean: f64,
    /// 95% interval of that mean.
    pub ci: (f64, f64),
    /// 95% prediction interval of one replication (mean ± t·sd·√(1+1/n)).
    pub range: (f64, f64),
    /// Whether the log lies in it (none when it cannot be judged).
    pub inside: Option<bool>,
}

/// Simulates `model` (its replications, with the event log on) over the
/// period of `log` and judges every measure of the log. The log is one
/// realisation: it is compared with the spread of single replications, not
/// with the much narrower interval of their mean.
pub fn validate(
    model: &Model,
    log: &Visits,
    threads: usize,
    cancel: Option<&AtomicBool>,
) -> Result<Vec<Judged>, SimError> {
    let history = measure(log);
    let log_to = log.to;
    let mut sims: Vec<Vec<Measure>> = vec![];
    replicate(
        model.replications,
        threads,
        cancel,
        &|rep, stop| {
            let o = one(model, rep, false, true, stop)?;
            // Over exactly the log's period, so that rates per day compare.
            let mut sim = Visits::of_model(model, &o.log);
            sim.to = log_to;
            Ok(measure(&sim))
        },
        &mut |_, m| {
            sims.push(m);
            Ok::<(), SimError>(())
        },
    )?;
    let by_key: Vec<HashMap<&str, f64>> = sims
        .iter()
        .map(|s| s.iter().map(|x| (x.key.as_str(), x.value)).collect())
        .collect();
    Ok(history
        .into_iter()
        .map(|h| {
            let vals: Vec<f64> = by_key
                .iter()
                .filter_map(|s| s.get(h.key.as_str()).copied())
                .filter(|v| v.is_finite())
                .collect();
            let e = estimate(&vals);
            // A 95% prediction interval for one more replication (Student t):
            // the percentiles of 20 replications would cover only about 90%.
            let t = statrs::distribution::StudentsT::new(0.0, 1.0, (e.n.max(2) - 1) as f64)
                .map(|d| statrs::distribution::ContinuousCDF::inverse_cdf(&d, 0.975))
                .unwrap_or(1.96);
            let half = t * e.sd * (1.0 + 1.0 / e.n.max(1) as f64).sqrt();
            let range = (e.mean - half, e.mean + half);
            let inside = (h.value.is_finite() && vals.len() >= 2).then(|| {
                let tol = 1e-9 * h.value.abs().max(1.0);
                h.value >= range.0 - tol && h.value <= range.1 + tol
            });
            Judged {
                measure: h,
                sim_mean: e.mean,
                ci: (e.lo, e.hi),
                range,
                inside,
            }
        })
        .collect())
}

impl Judged {
    /// Whether this is the occupancy of a unit at one hour of the week (168
    /// such measures per unit, told apart from the headline measures).
    pub fn is_hourly(&self) -> bool {
        self.measure.group == "occupancy" && !self.measure.key.ends_with(".mean")
    }

    /// Whether this is `unit`'s occupancy at one hour of the week.
    pub fn is_hour_of(&self, unit: &str) -> bool {
        self.is_hourly()
            && self
                .measure
                .key
                .strip_prefix("occupancy.")
                .and_then(|k| k.strip_prefix(unit))
                .is_some_and(|k| k.starts_with(".h"))
    }
}

/// How many measures could be judged and how many lie inside their 95%
/// prediction interval (about 95% of a faithful model's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Measures that could be judged.
    pub judged: usize,
    /// Of those, the ones inside.
    pub inside: usize,
}

impl Verdict {
    /// The verdict over `rows`.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a Judged>) -> Verdict {
        let mut v = Verdict {
            judged: 0,
            inside: 0,
        };
        for r in rows {
            if let Some(inside) = r.inside {
                v.judged += 1;
                v.inside += usize::from(inside);
            }
        }
        v
    }
}

/// `validation.json`: a validation as front ends read it. Fields are in
/// alphabetical order, the order of the file's keys.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ValidationReport {
    /// Where arrivals came from.
    pub arrivals: &'static str,
    /// Where durations came from.
    pub durations: &'static str,
    /// Measures inside their prediction interval.
    pub inside: usize,
    /// Measures judged.
    pub judged: usize,
    /// The log read.
    pub log: LogSummary,
    /// The headline measures outside their interval (hourly ones left out).
    pub outside: Vec<Outside>,
    /// Replications simulated.
    pub replications: u32,
    /// The scenario's name.
    pub scenario: String,
    /// Version of this layout.
    pub schema_version: u32,
}

/// The log a validation read.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LogSummary {
    /// Days the visits span.
    pub days: f64,
    /// `event log` or `Synthea encounters`.
    pub format: &'static str,
    /// The file, as the user named it.
    pub path: String,
    /// Rows not taken.
    pub rejected: usize,
    /// Data rows read.
    pub rows: u64,
    /// Time 0 of the visits, `YYYY-MM-DDTHH:MM:SS`.
    pub start: String,
    /// Visits read.
    pub visits: usize,
}

/// A headline measure outside its interval.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Outside {
    /// The log's value.
    pub history: f64,
    /// The measure's key.
    pub key: String,
    /// Simulated mean.
    pub sim_mean: f64,
    /// Upper end of the prediction interval.
    pub sim_pred_hi: f64,
    /// Lower end of the prediction interval.
    pub sim_pred_lo: f64,
}

impl ValidationReport {
    /// The report of `rows` judged against `log`, arrivals replayed from the
    /// log or not, stays replayed or not.
    pub fn new(
        scenario: &str,
        replications: u32,
        log: LogSummary,
        replay: bool,
        replay_durations: bool,
        rows: &[Judged],
    ) -> ValidationReport {
        let verdict = Verdict::of(rows);
        ValidationReport {
            arrivals: if replay {
                "replayed from the log"
            } else {
                "the scenario's profile"
            },
            durations: if replay_durations {
                "unit stays replayed from the log"
            } else {
                "the scenario's"
            },
            inside: verdict.inside,
            judged: verdict.judged,
            log,
            outside: rows
                .iter()
                .filter(|r| r.inside == Some(false) && !r.is_hourly())
                .map(|r| Outside {
                    history: r.measure.value,
                    key: r.measure.key.clone(),
                    sim_mean: r.sim_mean,
                    sim_pred_hi: r.range.1,
                    sim_pred_lo: r.range.0,
                })
                .collect(),
            replications,
            scenario: scenario.to_string(),
            schema_version: 1,
        }
    }
}

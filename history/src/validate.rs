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

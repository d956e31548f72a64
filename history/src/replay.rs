//! Replaying a log: its arrivals (times and acuity) instead of each class's
//! profile, and optionally its unit stays' lengths, as a checked run plan.

use crate::Visits;
use crate::visits::StayEnd;
use hospsim_sim::Model;
use hospsim_sim::plan::{Arrivals, RunPlan};

/// Adds to `plan` the actual arrivals of every class of `model` that `log`
/// has (at the log's times after the model's warm-up), and with `durations`
/// their completed unit stays; returns the classes replaced.
pub fn replay_plan(
    model: &Model,
    log: &Visits,
    durations: bool,
    plan: &mut RunPlan,
) -> Vec<String> {
    let n = model.classes.len();
    let mut lists: Vec<Vec<(f64, u8)>> = vec![vec![]; n];
    let mut stays: Vec<Vec<Vec<(u16, f64)>>> = vec![vec![]; n];
    for v in &log.visits {
        if (v.class as usize) < n {
            lists[v.class as usize].push((model.warmup + v.arrival(), v.acuity));
            if durations {
                stays[v.class as usize].push(
                    v.stays(&log.unit_kinds, log.to)
                        .iter()
                        .filter(|s| s.next != StayEnd::Censored)
                        .map(|s| (s.unit, s.end - s.start))
                        .collect(),
                );
            }
        }
    }
    let mut replaced = vec![];
    for (c, (list, st)) in lists.into_iter().zip(stays).enumerate() {
        let name = model.classes[c].name.clone();
        if durations {
            plan.replay_stays.push((name.clone(), st));
        }
        if list.is_empty() {
            continue;
        }
        replaced.push(name.clone());
        plan.arrivals.push((name, Arrivals::Replay(list)));
    }
    replaced
}

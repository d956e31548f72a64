//! Occupancy distributions: the share of time a resource spends at each
//! number of units in use, and the blocking probability read from it.

use super::summary::RepRow;
use crate::results::OccupancyLevel;
use crate::stats::estimate;

/// The occupancy distribution of resource `j` over the replications: the
/// pooled share P(N = k) for k up to the peak, its interval across
/// replications, P(N <= k), and the loss approximation P(N = k) / P(N <= k).
///
/// Pooling weights each replication by its collection period; every
/// replication has the same period, so it is also the mean of the shares.
pub fn occupancy_levels(reps: &[RepRow], j: usize) -> Vec<OccupancyLevel> {
    let levels = reps
        .iter()
        .map(|r| r.resources[j].occupancy.len())
        .max()
        .unwrap_or(0);
    let total: f64 = reps.iter().map(|r| r.resources[j].span).sum();
    if levels == 0 || total <= 0.0 {
        return vec![];
    }
    let mut out = Vec::with_capacity(levels);
    let mut at_most = 0.0;
    for k in 0..levels {
        let minutes = |r: &RepRow| r.resources[j].occupancy.get(k).copied().unwrap_or(0.0);
        let share = reps.iter().map(minutes).sum::<f64>() / total;
        let per_rep: Vec<f64> = reps
            .iter()
            .map(|r| minutes(r) / r.resources[j].span)
            .collect();
        let e = estimate(&per_rep);
        at_most += share;
        out.push(OccupancyLevel {
            units: k as u32,
            share,
            share_ci95: [e.lo.max(0.0), e.hi.min(1.0)],
            share_at_most: at_most.min(1.0),
            p_full_if_capacity: if at_most > 0.0 {
                share / at_most
            } else {
                f64::NAN
            },
        });
    }
    out
}

/// Erlang's loss formula B(c, a): the share of Poisson arrivals turned away
/// by c servers offered a erlangs, by the stable recursion
/// B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)).
pub fn erlang_b(servers: u32, offered: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=servers {
        b = offered * b / (k as f64 + offered * b);
    }
    b
}

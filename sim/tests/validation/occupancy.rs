//! Occupancy distributions against exact results: an unlimited resource is
//! an M/G/inf system, whose census is Poisson, and truncating that
//! distribution at c gives Erlang B; a loss system's own distribution is the
//! truncated Poisson.

use super::*;

fn poisson_pmf(a: f64, k: u32) -> f64 {
    (0..k).fold((-a).exp(), |p, i| p * a / (i + 1) as f64)
}

/// Per replication, the share of time at each level of resource 0.
fn shares(out: &[RepOutput], k: usize) -> Vec<f64> {
    out.iter()
        .map(|r| {
            let res = &r.resources[0];
            res.occupancy.get(k).copied().unwrap_or(0.0) / res.span
        })
        .collect()
}

/// Per replication, P(N = c) / P(N <= c).
fn loss_reading(out: &[RepOutput], c: usize) -> Vec<f64> {
    out.iter()
        .map(|r| {
            let res = &r.resources[0];
            let at = |k: usize| res.occupancy.get(k).copied().unwrap_or(0.0);
            at(c) / (0..=c).map(at).sum::<f64>()
        })
        .collect()
}

/// Within K standard errors, for shares that may be small: the width guard
/// of `assert_within` is relative and too strict for a tail probability.
fn assert_share(name: &str, xs: &[f64], exact: f64) {
    let (m, se) = mean_se(xs);
    assert!(
        (m - exact).abs() <= K * se.max(1e-4),
        "{name}: estimate {m:.5} vs exact {exact:.5}, se {se:.5}"
    );
    assert!(
        se < 0.01,
        "{name}: standard error {se} too wide to test anything"
    );
}

#[test]
fn unlimited_census_is_poisson_and_its_loss_reading_is_erlang_b() {
    let text = r#"
name = "M/G/inf, unlimited"
[sim]
horizon = "410 d"
warmup = "10 d"
replications = 20
seed = 11
[resources.bed]
capacity = "unlimited"
[arrivals.patients]
pathway = "p"
per_day = 24
[pathways.p]
steps = [
  { seize = ["bed"] },
  { activity = "stay", duration = { lognormal = { mean = "12 h", sd = "18 h" } } },
  { release = "bed" },
  { exit = "discharged" },
]
"#;
    let m = model(text);
    let out = reps(&m, false);
    let a = 24.0 * 0.5;
    for k in [4u32, 8, 12, 16, 20] {
        assert_share(
            &format!("P(N = {k})"),
            &shares(&out, k as usize),
            poisson_pmf(a, k),
        );
    }
    for c in [8usize, 12, 16] {
        assert_share(
            &format!("loss reading at {c} beds"),
            &loss_reading(&out, c),
            erlang_b(a, c as u32),
        );
    }
    // Every replication's distribution covers its whole collection period.
    for r in &out {
        let total: f64 = r.resources[0].occupancy.iter().sum();
        assert!((total - r.resources[0].span).abs() < 1e-6 * r.resources[0].span);
    }
    let (summary, _) = summarize(&m, &Replications::of(&m, &out), 1);
    let bed = &summary.resources[0];
    assert!(bed.unlimited);
    assert!(
        bed.utilisation.mean.is_nan(),
        "an unlimited resource has no utilisation"
    );
    assert!(bed.capacity_mean.is_nan());
    assert_eq!(bed.queue_max, 0, "no one waits for an unlimited resource");
    assert_within(
        "mean busy",
        &out.iter()
            .map(|r| r.resources[0].busy_area / r.resources[0].span)
            .collect::<Vec<_>>(),
        a,
    );
    // The pooled distribution's mean is the mean census, and its loss reading
    // at 12 beds is Erlang B.
    let mean: f64 = bed.occupancy.iter().map(|l| l.units as f64 * l.share).sum();
    assert!(
        (mean - bed.busy_mean.mean).abs() < 1e-6 * mean,
        "{mean} vs {}",
        bed.busy_mean.mean
    );
    let at12 = bed.occupancy[12];
    assert!(
        (at12.p_full_if_capacity - erlang_b(a, 12)).abs() < 0.01,
        "{at12:?}"
    );
    assert!((at12.share_at_most - (0..=12).map(|k| poisson_pmf(a, k)).sum::<f64>()).abs() < 0.02);
    let json = serde_json::to_string(&summary).expect("summary serialises");
    assert!(
        json.contains("\"unlimited\":true") && json.contains("\"utilisation\":{\"mean\":null"),
        "{json:.300}"
    );
}

#[test]
fn a_loss_system_occupancy_is_the_truncated_poisson() {
    let text = r#"
name = "M/M/8/8"
[sim]
horizon = "810 d"
warmup = "10 d"
replications = 20
seed = 12
[resources.bed]
capacity = 8
[arrivals.patients]
pathway = "p"
per_day = 3.0
[pathways.p]
steps = [
  { seize = ["bed"], patience = { fixed = "0 min" }, on_renege = "transferred" },
  { activity = "stay", duration = { exponential = { mean = "2 d" } } },
  { release = "bed" },
  { exit = "discharged" },
]
"#;
    let m = model(text);
    let out = reps(&m, false);
    let a = 6.0;
    let norm: f64 = (0..=8).map(|k| poisson_pmf(a, k)).sum();
    for k in [0u32, 3, 6, 8] {
        assert_share(
            &format!("P(N = {k})"),
            &shares(&out, k as usize),
            poisson_pmf(a, k) / norm,
        );
    }
    // The full share is the blocking probability (PASTA): Erlang B.
    assert_share("P(N = 8)", &shares(&out, 8), erlang_b(a, 8));
    assert!(out.iter().all(|r| r.resources[0].occupancy.len() <= 9));
    // Refused when full: counted as refusals, never in the queue.
    assert!(
        out.iter()
            .all(|r| r.resources[0].max_queue == 0 && r.resources[0].reneges == 0)
    );
    let refused: Vec<f64> = out
        .iter()
        .map(|r| {
            r.resources[0].refusals as f64 / (r.resources[0].refusals + r.resources[0].waits) as f64
        })
        .collect();
    assert_share("refused share", &refused, erlang_b(a, 8));
}

//! Exact queueing results: Erlang B and C, M/M/1 with reneging, Poisson
//! census, arrival counts of a time-varying rate, Little's law.

use super::*;

const MMC: &str = r#"
name = "M/M/10"
[sim]
horizon = "2500 d"
warmup = "20 d"
replications = 24
seed = 11
sample_interval = "100 d"
[resources.server]
capacity = 10
queue = "fifo"
[arrivals.customers]
pathway = "p"
per_day = 216          # 9 per hour
[pathways.p]
steps = [
  { seize = ["server"], mark = "served" },
  { activity = "service", duration = { exponential = { mean = "1 h" } } },
  { release = "server" },
  { exit = "discharged" },
]
[kpis.wait]
from = "arrival"
to = "served"
within = "0 min"
"#;

#[test]
fn mmc_matches_erlang_c() {
    let m = model(MMC);
    let out = reps(&m, false);
    let a = 9.0;
    let p_wait = erlang_c(a, 10);
    let wq_min = p_wait / (10.0 - a) * 60.0;
    let waits: Vec<f64> = out
        .iter()
        .map(|r| {
            let k = kpi(&m, r, "wait");
            k.sum / k.n as f64
        })
        .collect();
    let pw: Vec<f64> = out
        .iter()
        .map(|r| {
            let k = kpi(&m, r, "wait");
            1.0 - k.within as f64 / k.n as f64
        })
        .collect();
    assert_within("M/M/10 mean wait (min)", &waits, wq_min);
    assert_within("M/M/10 P(wait)", &pw, p_wait);
    // Utilisation = rho.
    let util: Vec<f64> = out
        .iter()
        .map(|r| r.resources[0].busy_area / r.resources[0].capacity_area)
        .collect();
    assert_within("M/M/10 utilisation", &util, 0.9);
}

#[test]
fn mmcc_loss_matches_erlang_b() {
    let text = r#"
name = "M/M/8/8"
[sim]
horizon = "1000 d"
warmup = "5 d"
replications = 20
seed = 5
[resources.bed]
capacity = 8
[arrivals.patients]
pathway = "p"
per_day = 3.0
[pathways.p]
steps = [
  { seize = ["bed"], patience = { fixed = "0 min" }, on_renege = "transferred" },
  { activity = "stay", duration = { lognormal = { mean = "2 d", sd = "1.5 d" } } },
  { release = "bed" },
  { exit = "discharged" },
]
[kpis.refused]
share_exiting = "transferred"
"#;
    let m = model(text);
    let out = reps(&m, false);
    // Erlang B is insensitive to the LOS distribution: a = 3/day x 2 d = 6.
    let exact = erlang_b(6.0, 8);
    let shares: Vec<f64> = out
        .iter()
        .map(|r| {
            let k = kpi(&m, r, "refused");
            k.n as f64 / k.den as f64
        })
        .collect();
    assert_within("Erlang B blocking", &shares, exact);
}

#[test]
fn census_with_unlimited_beds_is_poisson() {
    let text = r#"
name = "M/G/inf"
[sim]
horizon = "1230 d"
warmup = "30 d"
replications = 40
seed = 3
sample_interval = "30 d"
[resources.bed]
capacity = 100000
[arrivals.patients]
pathway = "p"
per_day = 20
[pathways.p]
steps = [
  { seize = ["bed"] },
  { activity = "stay", duration = { lognormal = { mean = "5 d", sd = "4 d" } } },
  { release = "bed" },
  { exit = "discharged" },
]
"#;
    let m = model(text);
    let out = reps(&m, false);
    let lambda_los = 20.0 * 5.0;
    let means: Vec<f64> = out
        .iter()
        .map(|r| r.resources[0].busy_area / r.resources[0].span)
        .collect();
    assert_within("M/G/inf mean census", &means, lambda_los);
    // Samples 30 days apart (after warm-up) are nearly independent draws of the census.
    let samples: Vec<f64> = out
        .iter()
        .flat_map(|r| r.samples.iter().skip(2).map(|s| s[0] as f64))
        .collect();
    let n = samples.len() as f64;
    let mean = samples.iter().sum::<f64>() / n;
    let var = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    // Var of a sample variance of Poisson(L) data is about 2 L^2 / n.
    let se_var = (2.0 * lambda_los * lambda_los / n).sqrt();
    assert!(
        (var - lambda_los).abs() <= K * se_var,
        "census variance {var:.1} vs {lambda_los} (se {se_var:.1})"
    );
    assert!(
        (mean - lambda_los).abs() <= K * (lambda_los / n).sqrt(),
        "census sample mean {mean}"
    );
}

#[test]
fn nhpp_arrival_counts_match_the_rate_integral() {
    let text = r#"
name = "NHPP"
[sim]
start = "2025-01-08T05:30"   # a Wednesday, mid-hour: the integral must handle partial hours
horizon = "9.3 d"
replications = 200
seed = 9
[resources.r]
capacity = 1000
[arrivals.ed]
pathway = "p"
per_day = 120
hourly_shape = [0.2,0.2,0.2,0.2,0.2,0.3,0.5,1,2,3,3,3,3,3,2.5,2,2,2,1.5,1.2,1,0.8,0.5,0.3]
weekday_factor = [1.3, 1, 1, 1, 1, 0.8, 0.7]
[pathways.p]
steps = [ { exit = "discharged" } ]
"#;
    let m = model(text);
    let out = reps(&m, true);
    let exact = m.expected_arrivals(0, m.horizon);
    let counts: Vec<f64> = out.iter().map(|r| r.arrived as f64).collect();
    assert_within("NHPP total arrivals", &counts, exact);
    // Hour-of-week shape: counts per hour of week against the rate, over all reps.
    let mut observed = [0.0f64; 168];
    for r in &out {
        for row in &r.trace {
            observed[m.hour_of_week(row.milestones[0])] += 1.0;
        }
    }
    let mut expected = [0.0f64; 168];
    let step = 1.0;
    let mut t = 0.0;
    while t < m.horizon {
        let e = (t + step).min(m.horizon);
        expected[m.hour_of_week(t)] += m.expected_arrivals(0, e) - m.expected_arrivals(0, t);
        t = e;
    }
    let chi2: f64 = (0..168)
        .filter(|&h| expected[h] > 0.0)
        .map(|h| (observed[h] - expected[h] * 200.0).powi(2) / (expected[h] * 200.0))
        .sum();
    // 167 degrees of freedom: mean 167, sd 18.3; 4 sd above is about 240.
    assert!(
        chi2 < 240.0,
        "hour-of-week arrival profile does not follow the rate: chi2 = {chi2:.0}"
    );
}

#[test]
fn reneging_matches_mm1_with_exponential_patience() {
    let text = r#"
name = "M/M/1+M"
[sim]
horizon = "3000 d"
warmup = "10 d"
replications = 20
seed = 21
sample_interval = "100 d"
[resources.clinician]
capacity = 1
queue = "fifo"
[arrivals.patients]
pathway = "p"
per_day = 24             # 1 per hour
[pathways.p]
steps = [
  { seize = ["clinician"], patience = { exponential = { mean = "2 h" } } },
  { activity = "consult", duration = { exponential = { mean = "50 min" } } },
  { release = "clinician" },
  { exit = "discharged" },
]
[kpis.abandon]
share_exiting = "left_unseen"
"#;
    let m = model(text);
    let out = reps(&m, false);
    // Birth-death chain: birth 1/h; death mu + (n-1) theta in state n >= 1.
    let (lambda, mu, theta) = (1.0, 60.0 / 50.0, 0.5);
    let mut p = vec![1.0f64];
    for n in 1..400 {
        let death = mu + (n as f64 - 1.0) * theta;
        p.push(p[n - 1] * lambda / death);
    }
    let z: f64 = p.iter().sum();
    let mean_queue: f64 = p
        .iter()
        .enumerate()
        .map(|(n, pn)| (n.saturating_sub(1)) as f64 * pn / z)
        .sum();
    let exact = theta * mean_queue / lambda;
    let shares: Vec<f64> = out
        .iter()
        .map(|r| {
            let k = kpi(&m, r, "abandon");
            k.n as f64 / k.den as f64
        })
        .collect();
    assert_within("M/M/1+M abandonment", &shares, exact);
}

#[test]
fn littles_law_holds_on_every_resource_of_the_default_hospital() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/general_hospital.toml"
    ))
    .unwrap();
    let mut s: Scenario = toml::from_str(&text).unwrap();
    s.sim.replications = 4;
    let m = compile(&s).unwrap();
    let out = reps(&m, false);
    for (j, r) in m.resources.iter().enumerate() {
        let queue_area: f64 = out.iter().map(|o| o.resources[j].queue_area).sum();
        let wait_sum: f64 = out
            .iter()
            .map(|o| o.resources[j].wait_sum + o.resources[j].renege_wait_sum)
            .sum();
        let span: f64 = out.iter().map(|o| o.resources[j].span).sum();
        let grants: f64 = out
            .iter()
            .map(|o| (o.resources[j].waits + o.resources[j].reneges) as f64)
            .sum();
        // L = lambda W, with lambda the rate of patients leaving the queue (served or
        // giving up): the two sides differ only by waits cut by the warm-up and the end.
        let l = queue_area / span;
        if grants == 0.0 {
            // Used only by batch runs (an analyser): no patient ever queues for it.
            assert_eq!(l, 0.0, "{}", r.name);
            continue;
        }
        let lw = grants / span * (wait_sum / grants);
        assert!(
            (l - lw).abs() <= 0.02 * l.max(0.01) + 1e-3,
            "{}: L = {l:.4}, lambda W = {lw:.4}",
            r.name
        );
    }
}

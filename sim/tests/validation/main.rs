//! Validation of the kernel against exact queueing results and hand-computed
//! timelines. Statistical checks compare a replication-based estimate with the
//! exact value within `K` standard errors, tight enough that a wrong model fails.

mod attributes;
mod common_random;
mod modelling;
mod occupancy;
mod queueing;
mod timelines;

use hospsim_sim::engine::RepOutput;
use hospsim_sim::runner::{Replications, run, summarize};
use hospsim_sim::{Model, Scenario, compile};

/// Tolerance in standard errors for statistical assertions.
const K: f64 = 4.0;

fn model(text: &str) -> Model {
    let s: Scenario =
        toml::from_str(text).unwrap_or_else(|e| panic!("test scenario does not parse: {e}"));
    compile(&s).unwrap_or_else(|e| panic!("test scenario does not compile: {:?}", e.0))
}

fn reps(m: &Model, trace: bool) -> Vec<RepOutput> {
    run(m, trace, &|| {}).expect("run")
}

fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (v / n).sqrt())
}

fn assert_within(name: &str, xs: &[f64], exact: f64) {
    let (m, se) = mean_se(xs);
    assert!(
        (m - exact).abs() <= K * se,
        "{name}: estimate {m:.5} vs exact {exact:.5}, se {se:.5} ({:.1} se away)",
        (m - exact).abs() / se
    );
    // Guard against a vacuous test: the interval must be informative.
    assert!(
        se < 0.05 * exact.abs().max(1e-9),
        "{name}: standard error {se} too wide to test anything"
    );
}

fn erlang_b(a: f64, c: u32) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    b
}

fn erlang_c(a: f64, c: u32) -> f64 {
    let b = erlang_b(a, c);
    let rho = a / c as f64;
    b / (1.0 - rho + rho * b)
}

fn kpi<'a>(m: &Model, r: &'a RepOutput, name: &str) -> &'a hospsim_sim::engine::KpiAcc {
    let k = m
        .kpis
        .iter()
        .position(|k| k.name == name)
        .unwrap_or_else(|| panic!("no KPI {name}"));
    &r.kpis[k]
}

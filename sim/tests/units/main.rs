//! Mechanics the hospital units are built from, each against an exact value:
//! resources (turnaround, breakdowns, maintenance, occupancy bands), patient
//! flows (retry counters, alternatives, batches, refusals) and stocked items.

mod flows;
mod resources;
mod stock;

use hospsim_sim::engine::RepOutput;
use hospsim_sim::runner::run;
use hospsim_sim::{Model, Scenario, compile};

const K: f64 = 4.0;

fn model(text: &str) -> Model {
    let s: Scenario = toml::from_str(text).unwrap_or_else(|e| panic!("does not parse: {e}"));
    compile(&s).unwrap_or_else(|e| panic!("does not compile: {:?}", e.0))
}

fn reps(m: &Model) -> Vec<RepOutput> {
    run(m, false, &|| {}).expect("run")
}

fn assert_within(name: &str, xs: &[f64], exact: f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let se = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt();
    assert!(
        (mean - exact).abs() <= K * se.max(1e-12),
        "{name}: estimate {mean:.5} vs exact {exact:.5}, se {se:.5}"
    );
    assert!(
        se < 0.05 * exact.abs().max(1e-9),
        "{name}: se {se} too wide to test anything"
    );
}

fn scenario(resource_extra: &str, per_day: f64, service: &str, capacity: u32) -> String {
    format!(
        r#"
name = "unit mechanics"
[sim]
start = "2025-01-06T00:00"
horizon = "1400 d"
warmup = "28 d"
replications = 16
seed = 5
sample_interval = "1 h"
[resources.unit]
capacity = {capacity}
queue = "fifo"
{resource_extra}
[arrivals.patients]
pathway = "p"
per_day = {per_day}
[pathways.p]
steps = [
  {{ seize = ["unit"] }},
  {{ activity = "stay", duration = {service} }},
  {{ release = "unit" }},
  {{ exit = "discharged" }},
]
"#
    )
}

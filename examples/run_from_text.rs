//! Embedding hospsim: a scenario from a string, 20 replications, a KPI with
//! its 95% confidence interval. Only the library API is used.
//!
//!     cargo run --release --example run_from_text

use hospsim_sim::runner::{RunOptions, simulate, summarize};

const SCENARIO: &str = r#"
name = "Emergency department"
[sim]
horizon = "60 d"
warmup = "7 d"
replications = 20
seed = 7
[resources.doctor]
capacity = 4
[resources.cubicle]
capacity = 12
[arrivals.walk_in]
pathway = "ed"
per_day = 120
acuity = { 2 = 0.1, 3 = 0.5, 4 = 0.4 }
[pathways.ed]
steps = [
  { seize = ["cubicle"] },
  { activity = "assessment", use = ["doctor"], mark = "seen",
    duration = { lognormal = { mean = "30 min", sd = "15 min" } } },
  { activity = "treatment", duration = { exponential = { mean = "90 min" } } },
  { release = "cubicle" },
  { exit = "discharged" },
]
[kpis.door_to_doctor]
label = "Door to doctor"
from = "arrival"
to = "seen"
within = "1 h"
target_share = 0.9
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The same loader the CLI uses: errors come at file:line:col with a hint.
    let loaded = hospsim_scenario::load_text("ed.toml", SCENARIO, &[])?;
    let model = loaded.model;
    let reps = simulate(&model, &RunOptions::threads(2), &|| {})?;
    let (summary, _) = summarize(&model, &reps, 2);
    for k in &summary.kpis {
        println!(
            "{}: {:.1} {} (95% CI {:.1} to {:.1}) over {} replications",
            k.label,
            k.est.mean,
            k.unit,
            k.est.ci95[0],
            k.est.ci95[1],
            summary.scenario.replications
        );
        if let Some(t) = &k.target
            && let Some(share) = &t.share_within
        {
            println!(
                "  within the target: {:.1}% of patients",
                share.mean * 100.0
            );
        }
    }
    Ok(())
}

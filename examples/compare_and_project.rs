//! Embedding hospsim: two variants compared on common random numbers, then a
//! 72-hour census projection from patients put in the wards in code. Only the
//! library API is used.
//!
//!     cargo run --release --example compare_and_project

use hospsim_history::project::{CensusEntry, census, project};
use hospsim_sim::plan::RunPlan;
use hospsim_study::{Options, compare};

fn ward(beds: u32) -> String {
    format!(
        r#"
name = "Medical ward, {beds} beds"
[sim]
start = "2025-03-03T00:00"
horizon = "120 d"
warmup = "14 d"
replications = 20
[resources.bed]
capacity = {beds}
[arrivals.medical]
pathway = "admission"
per_day = 9
[pathways.admission]
steps = [
  {{ seize = ["bed"], mark = "in_bed" }},
  {{ activity = "stay", duration = {{ lognormal = {{ mean = "4 d", sd = "3 d" }} }} }},
  {{ release = "bed" }},
  {{ exit = "discharged" }},
]
[kpis.wait_for_bed]
label = "Wait for a bed"
from = "arrival"
to = "in_bed"
unit = "h"
[history.units.ward]
kind = "ward"
resources = ["bed"]
"#
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = hospsim_scenario::load_text("base.toml", &ward(40), &[])?.model;
    let more = hospsim_scenario::load_text("more.toml", &ward(44), &[])?.model;

    // Four more beds, on the same patients (common random numbers).
    let result = compare::compare(
        &[
            ("base.toml".into(), base.clone()),
            ("more.toml".into(), more),
        ],
        &compare::Settings {
            replications: 20,
            seed: 1,
            independent: false,
        },
        &Options::threads(2),
    )?;
    for m in result
        .comparison
        .measures
        .iter()
        .filter(|m| m.name == "wait_for_bed")
    {
        let d = &m.variants[0].difference;
        println!(
            "{}: {:.2} h -> {:.2} h, difference {:.2} h (95% CI {:.2} to {:.2}, p = {:.3})",
            m.label, m.base.mean, m.variants[0].value.mean, d.mean, d.ci95[0], d.ci95[1], d.p_value
        );
    }

    // Today's census, built in code: 38 patients, admitted over the last days.
    let now =
        hospsim_history::time::parse_minutes("2025-03-03T08:00").map_err(|e| e.to_string())?;
    let entries: Vec<CensusEntry> = (0..38)
        .map(|i| CensusEntry {
            line: i + 1,
            unit: "ward".into(),
            class: "medical".into(),
            acuity: 3,
            arrived: now - 60.0 * (3 + 7 * i) as f64,
            admitted: now - 60.0 * (2 + 7 * i) as f64,
        })
        .collect();
    let patients = census(&base, &entries, now).map_err(|(line, e)| format!("line {line}: {e}"))?;
    let hours = 72;
    let plan = RunPlan {
        replications: Some(200),
        census: patients,
        sample_interval: Some(60.0),
        ..Default::default()
    };
    // A projection starts at the census with no warm-up.
    let at_now = hospsim_scenario::load_text(
        "now.toml",
        &ward(40),
        &[
            "sim.start=\"2025-03-03T08:00\"".into(),
            format!("sim.horizon=\"{hours} h\""),
            "sim.warmup=\"0 min\"".into(),
        ],
    )?
    .model
    .plan(&plan)?;
    let units = project(&at_now, hours, 2, None, &|| {})?;
    for u in &units {
        for (h, s) in u.hours.iter().enumerate().step_by(24) {
            println!(
                "{} +{h:>2} h: {:.1} patients (P5-P95 {:.0}-{:.0}) of {:.0} beds, full in {:.0}% of replications",
                u.unit,
                s.mean,
                s.p5,
                s.p95,
                s.capacity,
                100.0 * s.p_full
            );
        }
    }
    Ok(())
}

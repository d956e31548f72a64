//! Property tests: random small hospitals keep every patient accounted for,
//! repeat exactly, and never run time backwards for a patient.

use hospsim_history::Visits;
use hospsim_sim::history::Event;
use hospsim_sim::runner::{run, run_logged};
use hospsim_sim::{Scenario, compile};
use proptest::prelude::*;

#[allow(clippy::too_many_arguments)]
fn scenario(
    doctors: u32,
    beds: u32,
    per_day: f64,
    patience_h: Option<f64>,
    preempt: bool,
    fork: bool,
    night_doctors: u32,
    admit_p: f64,
    seed: u64,
    drill: bool,
    units: bool,
) -> String {
    let patience = patience_h
        .map(|h| format!(", patience = {{ exponential = {{ mean = \"{h} h\" }} }}"))
        .unwrap_or_default();
    let preempt = if preempt { "preempt = [1]" } else { "" };
    let workup = if fork {
        r#"{ fork = ["lab", "xray"] },"#
    } else {
        ""
    };
    let day = doctors.max(1);
    // Hospital-unit mechanics: bed cleaning, x-ray failures, lab maintenance
    // and batch runs, overflow beds, a bounded call-back loop.
    let (bed_extra, xray_extra, lab_extra, lab_step, admit_seize, home_steps) = if units {
        (
            r#"turnaround = { exponential = { mean = "1 h" } }"#,
            r#"breakdowns = { time_between = { exponential = { mean = "30 h" } }, repair = { exponential = { mean = "3 h" } } }"#,
            r#"maintenance = [{ day = "Tue", time = "06:00", duration = "3 h" }]"#,
            r#"{ batch = "run", use = ["lab"], size = 4, every = "30 min", duration = { exponential = { mean = "20 min" } } }"#,
            r#"{ seize = ["bed"], alternatives = ["overflow_bed"], mark_alternative = "outlier" }"#,
            r#"{ release = "all", mark = "left_ed" }, { branch = [ { to = "done", p = 0.5 }, { to = "call_back" } ] }"#,
        )
    } else {
        (
            "",
            "",
            "",
            r#"{ activity = "test", use = ["lab"], duration = { exponential = { mean = "20 min" } } }"#,
            r#"{ seize = ["bed"] }"#,
            r#"{ release = "all", mark = "left_ed" }, { exit = "discharged" }"#,
        )
    };
    format!(
        r#"
name = "random"
[sim]
horizon = "20 d"
warmup = "2 d"
replications = 2
seed = {seed}
sample_interval = "6 h"
[rosters.docs]
weekday = [{n},{n},{n},{n},{n},{n},{n},{n},{d},{d},{d},{d},{d},{d},{d},{d},{d},{d},{n},{n},{n},{n},{n},{n}]
[resources.doctor]
roster = "docs"
[resources.bay]
capacity = 2
{preempt}
[resources.bed]
capacity = {beds}
{bed_extra}
[resources.overflow_bed]
capacity = 2
[resources.lab]
capacity = 1
{lab_extra}
[resources.xray]
capacity = 1
{xray_extra}
[arrivals.ed]
pathway = "ed"
per_day = {per_day}
acuity = {{ 1 = 0.1, 2 = 0.2, 3 = 0.4, 4 = 0.2, 5 = 0.1 }}
[pathways.ed]
steps = [
  {{ seize = ["bay"]{patience} }},
  {{ activity = "see", use = ["doctor"], mark = "seen", duration = {{ exponential = {{ mean = "30 min" }} }} }},
  {workup}
  {{ branch = [ {{ to = "admit", p = {admit_p} }}, {{ to = "home" }} ] }},
]
[pathways.lab]
steps = [ {lab_step} ]
[pathways.xray]
steps = [ {{ activity = "scan", use = ["xray"], duration = {{ exponential = {{ mean = "15 min" }} }}{patience} }} ]
[pathways.admit]
steps = [
  {admit_seize},
  {{ release = "bay", mark = "left_ed" }},
  {{ activity = "stay", duration = {{ lognormal = {{ mean = "2 d", sd = "1 d" }} }} }},
  {{ release = "all" }},
  {{ exit = "discharged" }},
]
[pathways.home]
steps = [ {home_steps} ]
[pathways.call_back]
steps = [
  {{ count = "calls", limit = 3, on_limit = "done" }},
  {{ activity = "wait_call", duration = {{ exponential = {{ mean = "10 min" }} }} }},
  {{ branch = [ {{ to = "done", p = 0.3 }}, {{ to = "call_back" }} ] }},
]
[pathways.done]
steps = [ {{ exit = "discharged" }} ]
[kpis.wait]
from = "arrival"
to = "seen"
[history]
arrival_unit = {{ ed = "ed" }}
events = {{ left_ed = "ed_departure" }}
[history.units.ed]
kind = "ed"
resources = ["bay"]
[history.units.ward]
resources = ["bed", "overflow_bed"]
{drill}
"#,
        n = night_doctors,
        d = day,
        drill = if drill { DRILL } else { "" },
    )
}

/// Every kind of capacity change, a surge and all three response actions.
const DRILL: &str = r#"
[drill]
[[drill.events]]
kind = "surge"
name = "crash"
at = "2025-01-10T18:00"
over = "2 h"
patients = 25
pathway = "ed"
acuity = { 1 = 0.3, 2 = 0.7 }
[[drill.events]]
kind = "outage"
resource = "doctor"
at = "2025-01-11T08:00"
duration = "4 h"
units = 1
[[drill.events]]
kind = "closure"
resource = "bed"
at = "2025-01-12T00:00"
duration = "2 d"
units = 1
[[drill.events]]
kind = "staff_shortage"
resource = "doctor"
at = "2025-01-14T00:00"
duration = "1 d"
scale = 0.5
[[drill.events]]
kind = "slowdown"
activities = ["see"]
at = "2025-01-10T00:00"
duration = "12 h"
factor = 1.5
[[drill.responses]]
name = "more bays"
when = "queue(bay) > 2"
delay = "30 min"
action = "add_capacity"
resource = "bay"
units = 2
duration = "1 d"
[[drill.responses]]
name = "divert"
when = "queue(doctor) >= 3"
action = "divert"
class = "ed"
share = 0.5
duration = "6 h"
[[drill.responses]]
name = "stop"
at = "2025-01-15T00:00"
action = "stop_arrivals"
class = "ed"
duration = "1 d"
"#;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_hospitals_conserve_patients_and_repeat(
        doctors in 1u32..6,
        beds in 1u32..30,
        per_day in 5.0f64..120.0,
        patience_h in proptest::option::of(0.1f64..6.0),
        preempt: bool,
        fork: bool,
        night_doctors in 0u32..3,
        admit_p in 0.0f64..1.0,
        seed in 0u64..1000,
        drill: bool,
        units: bool,
    ) {
        let text = scenario(doctors, beds, per_day, patience_h, preempt, fork, night_doctors, admit_p, seed, drill, units);
        let s: Scenario = toml::from_str(&text).expect("parses");
        let m = compile(&s).expect("compiles");
        let a = run(&m, true, &|| {}).expect("conserves");
        let b = run(&m, true, &|| {}).expect("conserves");
        let c = run_logged(&m, &|| {}, &|o| o).expect("conserves");
        for (x, y) in a.iter().zip(&b) {
            prop_assert_eq!(x.arrived, x.departed.iter().sum::<u64>() + x.in_system);
            prop_assert_eq!(x.trace.len() as u64, x.arrived);
            prop_assert_eq!(x.events, y.events);
            prop_assert_eq!(&x.samples, &y.samples);
            for row in &x.trace {
                let arrival = row.milestones[0];
                for &t in &row.milestones {
                    prop_assert!(t.is_nan() || (t >= arrival && t <= m.horizon));
                }
                if row.route.is_some() {
                    prop_assert!(row.milestones[1] >= arrival);
                }
            }
            if drill {
                prop_assert_eq!(x.responses_fired.len(), 3);
                // The timed response fires at 2025-01-15T00:00, nine days in.
                prop_assert_eq!(x.responses_fired[2], 9.0 * 1440.0);
                prop_assert_eq!(x.arrived_by_class[1], 25, "every casualty arrives");
            }
            // The event log: writing it changes nothing, and each visit reads as a
            // visit: it starts with its arrival, runs forward, ends at most once.
            let logged = &c[x.rep as usize];
            prop_assert_eq!(logged.events, x.events);
            prop_assert_eq!(&logged.samples, &x.samples);
            prop_assert_eq!(logged.kpis[0].n, x.kpis[0].n);
            let v = Visits::of_model(&m, &logged.log);
            let after_warmup = x.trace.iter().filter(|r| r.milestones[0] >= m.warmup).count();
            prop_assert!(v.visits.len() >= after_warmup);
            for visit in &v.visits {
                prop_assert_eq!(visit.events[0].1, Event::Arrival);
                let finals = visit.events.iter().filter(|e| e.1.is_final()).count();
                prop_assert!(finals <= 1);
                if finals == 1 {
                    prop_assert!(visit.events.last().unwrap().1.is_final());
                }
                for w in visit.events.windows(2) {
                    prop_assert!(w[1].0 >= w[0].0, "{:?}", visit);
                }
            }
            // Busy never exceeds capacity at a sample unless a roster dropped below it.
            for s in &x.samples {
                prop_assert!(s[0] >= 0.0 && s[1] >= 0.0);
            }
        }
    }
}

//! Drill mechanics: the epidemic against its deterministic SIR census, responses
//! firing at the exact instant their condition first holds, capacity changes.

use hospsim_sim::compile::sir_admissions;
use hospsim_sim::runner::run;
use hospsim_sim::{Model, Scenario, compile};

fn model(text: &str) -> Model {
    let s: Scenario =
        toml::from_str(text).unwrap_or_else(|e| panic!("test scenario does not parse: {e}"));
    compile(&s).unwrap_or_else(|e| panic!("test scenario does not compile: {:?}", e.0))
}

#[test]
fn epidemic_with_fixed_stay_and_unlimited_beds_reproduces_the_sir_census() {
    let text = r#"
name = "SIR"
[sim]
start = "2025-01-06T00:00"
horizon = "90 d"
replications = 60
seed = 4
sample_interval = "1 d"
[resources.bed]
capacity = 1000000
[arrivals.nobody]
pathway = "stay"
at = []
[pathways.stay]
steps = [ { seize = ["bed"] }, { activity = "stay", duration = { fixed = "5 d" } }, { release = "bed" }, { exit = "discharged" } ]
[drill]
[[drill.events]]
kind = "epidemic"
name = "covid"
pathway = "stay"
at = "2025-01-08T00:00"
duration = "80 d"
population = 1000000
initial_infected = 50
doubling_time = "4 d"
infectious_period = "10 d"
hospitalisation_rate = 0.05
market_share = 0.5
mitigation_at = "2025-02-01T00:00"
contact_reduction = 0.4
"#;
    let m = model(text);
    let drill = m.drill.as_ref().unwrap();
    let (_, t0, admissions) = &drill.epidemic_admissions[0];
    assert_eq!(*t0, 2.0 * 1440.0);
    // The same numbers from the public SIR function (equations in docs/drills.md).
    let gamma = 0.1;
    let beta = (2f64.powf(1.0 / 4.0) - 1.0 + gamma) / (1_000_000.0 - 50.0);
    let again = sir_admissions(1_000_000.0, 50.0, beta, gamma, 80, Some(24), 0.4, 0.025);
    assert_eq!(admissions, &again);
    let out = run(&m, false, &|| {}).unwrap();
    // Census at the start of day k (k days after the start) = admissions of the 5
    // SIR days before it; SIR day j covers simulation days 2 + j.
    let expected = |k: usize| -> f64 {
        (0..admissions.len())
            .filter(|&j| j + 2 + 5 >= k && j + 2 < k)
            .map(|j| admissions[j])
            .sum()
    };
    let n_days = 90;
    let mut total_sim = 0.0;
    let mut total_exact = 0.0;
    for k in 1..n_days {
        let xs: Vec<f64> = out.iter().map(|o| o.samples[k][0] as f64).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let e = expected(k);
        total_sim += mean;
        total_exact += e;
        // Poisson counts: sd sqrt(e) per replication.
        let se = (e.max(1.0) / xs.len() as f64).sqrt();
        assert!(
            (mean - e).abs() <= 4.5 * se + 1e-9,
            "day {k}: census {mean:.2} vs SIR {e:.2} (se {se:.2})"
        );
    }
    let rel = (total_sim - total_exact).abs() / total_exact;
    assert!(
        rel < 0.01,
        "bed-days {total_sim:.1} vs SIR {total_exact:.1}: {:.2}% off",
        rel * 100.0
    );
    assert!(
        total_exact > 10_000.0,
        "the epidemic must be large enough to test anything"
    );
}

const RESPONSE: &str = r#"
name = "responses"
[sim]
start = "2025-01-06T00:00"
horizon = "2 d"
replications = 1
[resources.doctor]
capacity = 1
[arrivals.walk_in]
pathway = "p"
at = ["2025-01-06T00:00", "2025-01-06T01:00", "2025-01-06T02:00", "2025-01-06T03:00", "2025-01-06T04:00", "2025-01-06T05:00", "2025-01-06T06:00"]
[pathways.p]
steps = [ { activity = "see", use = ["doctor"], mark = "seen", duration = { fixed = "10 h" } }, { exit = "discharged" } ]
[drill]
[[drill.events]]
kind = "outage"
resource = "doctor"
at = "2025-01-06T02:30"
duration = "1 min"
units = 0
[[drill.responses]]
name = "call a second doctor"
when = "queue(doctor) >= 3"
delay = "30 min"
action = "add_capacity"
resource = "doctor"
units = 1
[[drill.responses]]
name = "at a time"
at = "2025-01-06T05:15"
action = "stop_arrivals"
class = "walk_in"
"#;

#[test]
fn responses_fire_exactly_when_their_condition_first_holds() {
    let m = model(RESPONSE);
    let out = run(&m, true, &|| {}).unwrap();
    let o = &out[0];
    // Patients at 0, 1, 2, 3 h: the one doctor is busy from 0; the queue reaches 3
    // with the arrival at 03:00 (not earlier: the drill starts at 02:30, and the
    // queue was 2 then), so the response fires at 180 minutes exactly.
    assert_eq!(o.responses_fired[0], 180.0);
    assert_eq!(o.responses_fired[1], 315.0);
    // Thirty minutes later a second doctor takes the next patient in line.
    let seen = m.milestones.iter().position(|s| s == "seen").unwrap();
    let mut starts: Vec<f64> = o
        .trace
        .iter()
        .map(|r| r.milestones[seen])
        .filter(|t| t.is_finite())
        .collect();
    starts.sort_by(|a, b| a.total_cmp(b));
    assert_eq!(&starts[..3], &[0.0, 210.0, 600.0]);
    // Arrivals after 05:15 are turned away: the 06:00 patient.
    assert_eq!(o.diverted, 1);
    assert_eq!(o.arrived, 6);
}

#[test]
fn outages_and_shortages_change_capacity_only_in_their_window() {
    let text = r#"
name = "outage"
[sim]
start = "2025-01-06T00:00"
horizon = "3 d"
replications = 1
sample_interval = "1 h"
[resources.ct]
capacity = 4
[resources.nurse]
capacity = 10
[arrivals.nobody]
pathway = "p"
at = []
[pathways.p]
steps = [ { exit = "discharged" } ]
[drill]
[[drill.events]]
kind = "outage"
resource = "ct"
at = "2025-01-07T08:00"
duration = "6 h"
units = 3
[[drill.events]]
kind = "staff_shortage"
resource = "nurse"
at = "2025-01-07T10:00"
duration = "2 h"
scale = 0.8
[[drill.events]]
kind = "closure"
resource = "nurse"
at = "2025-01-07T11:00"
duration = "1 h"
units = 5
"#;
    let m = model(text);
    let out = run(&m, false, &|| {}).unwrap();
    let cap = |hour: usize, r: usize| out[0].samples[hour * 2 + r][2];
    assert_eq!(cap(24 + 7, 0), 4.0);
    assert_eq!(cap(24 + 8, 0), 1.0);
    assert_eq!(cap(24 + 13, 0), 1.0);
    assert_eq!(cap(24 + 14, 0), 4.0);
    assert_eq!(cap(24 + 10, 1), 8.0);
    assert_eq!(cap(24 + 11, 1), 3.0);
    assert_eq!(cap(24 + 12, 1), 10.0);
}

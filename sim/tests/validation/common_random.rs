//! Conservation, determinism and common random numbers across variants.

use super::*;

#[test]
fn every_replication_conserves_patients_and_results_repeat() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/general_hospital.toml"
    ))
    .unwrap();
    let mut s: Scenario = toml::from_str(&text).unwrap();
    s.sim.replications = 3;
    s.sim.horizon = hospsim_sim::duration::parse_duration("60 d").unwrap();
    let m = compile(&s).unwrap();
    let a = reps(&m, false);
    let b = reps(&m, false);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.arrived, x.departed.iter().sum::<u64>() + x.in_system);
        assert_eq!(x.events, y.events);
        assert_eq!(x.samples, y.samples);
    }
    let (sa, _) = summarize(&m, &Replications::of(&m, &a), 1);
    let (sb, _) = summarize(&m, &Replications::of(&m, &b), 1);
    assert_eq!(format!("{:?}", sa.kpis), format!("{:?}", sb.kpis));
}

#[test]
fn variants_see_the_same_patients() {
    // Common random numbers: a capacity change must not change who arrives or their acuity.
    let base = r#"
name = "crn"
[sim]
horizon = "10 d"
replications = 2
[resources.doctor]
capacity = CAP
[arrivals.ed]
pathway = "p"
per_day = 100
acuity = { 1 = 0.1, 2 = 0.2, 3 = 0.4, 4 = 0.2, 5 = 0.1 }
[pathways.p]
steps = [
  { activity = "see", use = ["doctor"], duration = { exponential = { mean = "20 min" } } },
  { branch = [ { to = "admit", p_by_acuity = [0.9, 0.6, 0.3, 0.1, 0.0] }, { to = "home" } ] },
]
[pathways.admit]
steps = [ { exit = "admitted" } ]
[pathways.home]
steps = [ { exit = "discharged" } ]
"#;
    let a = model(&base.replace("CAP", "2"));
    let b = model(&base.replace("CAP", "5"));
    let ra = reps(&a, true);
    let rb = reps(&b, true);
    for (x, y) in ra.iter().zip(&rb) {
        let key = |r: &RepOutput| {
            let mut v: Vec<(u64, u8, u64)> = r
                .trace
                .iter()
                .map(|t| (t.id, t.acuity, t.milestones[0].to_bits()))
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            key(x),
            key(y),
            "same arrivals and acuities in both variants"
        );
        // Same patients, same branch draws: everyone who left in both left the same way.
        let routes = |r: &RepOutput| {
            r.trace
                .iter()
                .filter_map(|t| t.route.map(|ro| (t.id, ro)))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        let (mx, my) = (routes(x), routes(y));
        let common: Vec<_> = mx.keys().filter(|k| my.contains_key(k)).collect();
        assert!(common.len() > 500);
        assert!(common.iter().all(|k| mx[k] == my[k]));
    }
}

#[test]
fn one_more_server_never_lengthens_the_wait_on_common_random_numbers() {
    // A fixed cohort that is fully served before the horizon, so both variants
    // measure the same patients; first come first served with the same arrival
    // times and service needs: every wait with c + 1 servers is at most that with c.
    let text = |c: u32| {
        format!(
            r#"
name = "M/M/c monotone"
[sim]
horizon = "400 d"
replications = 30
seed = 77
sample_interval = "10 d"
[resources.server]
capacity = {c}
queue = "fifo"
[arrivals.customers]
pathway = "p"
per_day = 60
max_arrivals = 3000
[pathways.p]
steps = [
  {{ seize = ["server"], mark = "served" }},
  {{ activity = "service", duration = {{ exponential = {{ mean = "70 min" }} }} }},
  {{ release = "server" }},
  {{ exit = "discharged" }},
]
[kpis.wait]
from = "arrival"
to = "served"
"#
        )
    };
    for c in [3u32, 4, 5] {
        let a = model(&text(c));
        let b = model(&text(c + 1));
        let ra = reps(&a, false);
        let rb = reps(&b, false);
        let mut strictly_shorter = 0;
        for (x, y) in ra.iter().zip(&rb) {
            let (kx, ky) = (kpi(&a, x, "wait"), kpi(&b, y, "wait"));
            assert_eq!(kx.n, 3000, "the whole cohort is served");
            assert_eq!(ky.n, 3000);
            assert!(
                ky.sum <= kx.sum + 1e-6,
                "c = {c}: one more server lengthened the mean wait ({} > {})",
                ky.sum,
                kx.sum
            );
            strictly_shorter += usize::from(ky.sum < kx.sum);
        }
        assert!(strictly_shorter > 20, "the comparison must not be vacuous");
    }
}

//! The forms a modeller writes from a paper's specification: a daily rate
//! profile, a class switched off, capacity without limit. Each is checked
//! against the longer form it stands for or against an exact count.

use super::*;

const HEAD: &str = r#"
name = "forms"
[sim]
horizon = "28 d"
replications = 4
seed = 21
[resources.bay]
capacity = 3
[pathways.p]
steps = [
  { seize = ["bay"] },
  { activity = "treat", duration = { exponential = { mean = "20 min" } } },
  { release = "bay" },
  { exit = "discharged" },
]
[kpis.wait]
from = "arrival"
to = "departure"
"#;

fn run_text(text: &str) -> Vec<RepOutput> {
    reps(&model(text), false)
}

fn same_runs(a: &[RepOutput], b: &[RepOutput]) -> bool {
    a.iter().zip(b).all(|(x, y)| {
        x.arrived == y.arrived
            && x.events == y.events
            && x.kpis[0].sum == y.kpis[0].sum
            && x.resources[0].busy_area == y.resources[0].busy_area
    })
}

#[test]
fn twenty_four_hourly_rates_are_the_same_day_every_day() {
    let day = "[0.5,0.5,0.5,0.5,0.5,0.5,1,2,4,5,5,5,5,5,4,4,4,4,3,3,2,2,1,1]";
    let profile: Vec<&str> = day.trim_matches(['[', ']']).split(',').collect();
    let week = format!("[{}]", vec![profile.join(","); 7].join(","));
    let short = run_text(&format!(
        "{HEAD}[arrivals.walk_in]\npathway = \"p\"\nrates_per_hour = {day}\n"
    ));
    let long = run_text(&format!(
        "{HEAD}[arrivals.walk_in]\npathway = \"p\"\nrates_per_hour = {week}\n"
    ));
    assert!(
        same_runs(&short, &long),
        "24 values must mean the 168 they repeat"
    );
    // And the count matches the rate integral: 28 days of 67 a day.
    let per_day: f64 = profile.iter().map(|v| v.parse::<f64>().unwrap()).sum();
    let counts: Vec<f64> = short.iter().map(|r| r.arrived as f64).collect();
    let mean = counts.iter().sum::<f64>() / counts.len() as f64;
    let exact = per_day * 28.0;
    assert!(
        (mean - exact).abs() < K * (exact / counts.len() as f64).sqrt(),
        "{mean} vs {exact}"
    );
}

#[test]
fn a_class_switched_off_brings_no_one_and_leaves_the_others_unchanged() {
    let walk_in = "[arrivals.walk_in]\npathway = \"p\"\nper_day = 40\n";
    let alone = run_text(&format!("{HEAD}{walk_in}"));
    let with_off = |extra: &str| {
        run_text(&format!(
            "{HEAD}{walk_in}[arrivals.neuro]\npathway = \"p\"\n{extra}\n"
        ))
    };
    for extra in [
        "per_day = 12\nenabled = false",
        "per_day = 0",
        "rates_per_hour = [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]",
    ] {
        let off = with_off(extra);
        assert!(off.iter().all(|r| r.arrived_by_class[1] == 0), "{extra}");
        assert!(
            same_runs(&alone, &off),
            "{extra}: the walk-ins must not change"
        );
    }
    let on = with_off("per_day = 12");
    assert!(on.iter().all(|r| r.arrived_by_class[1] > 0));
}

#[test]
fn an_unlimited_resource_never_queues_and_behaves_as_a_very_large_one() {
    let unlimited = HEAD.replace("capacity = 3", "capacity = \"unlimited\"");
    let large = HEAD.replace("capacity = 3", "capacity = 1000000");
    let arrivals = "[arrivals.walk_in]\npathway = \"p\"\nper_day = 400\n";
    let u = run_text(&format!("{unlimited}{arrivals}"));
    let l = run_text(&format!("{large}{arrivals}"));
    assert!(same_runs(&u, &l));
    assert!(
        u.iter()
            .all(|r| r.resources[0].max_queue == 0 && r.resources[0].wait_sum == 0.0)
    );
    // Mean time in the system is the treatment time alone: 20 minutes.
    let means: Vec<f64> = u
        .iter()
        .map(|r| r.kpis[0].sum / r.kpis[0].n as f64)
        .collect();
    assert_within("time in system", &means, 20.0);
}

#[test]
fn a_share_of_arrivals_counts_the_patients_still_in_hospital() {
    // Stays of a week in a two-week run: many patients are still in at the end.
    let text = r#"
name = "share of arrivals"
[sim]
horizon = "14 d"
replications = 3
seed = 4
[resources.bed]
capacity = 10
[arrivals.p]
pathway = "p"
per_day = 3
[pathways.p]
steps = [
  { seize = ["bed"], mark = "admitted" },
  { activity = "stay", duration = { fixed = "7 d" } },
  { release = "bed" },
  { exit = "discharged" },
]
[kpis.admitted_of_departed]
share_reaching = "admitted"
[kpis.admitted_of_arrivals]
share_reaching = "admitted"
of = "arrivals"
"#;
    let out = run_text(text);
    for r in &out {
        let (dep, arr) = (&r.kpis[0], &r.kpis[1]);
        assert_eq!(arr.den, r.arrived, "every arrival is in the denominator");
        assert_eq!(dep.den, r.departed.iter().sum::<u64>());
        assert!(arr.den > dep.den + 10, "{} vs {}", arr.den, dep.den);
        // Everyone who got a bed by the end reached the milestone: the
        // beds in use at the end plus those who left.
        assert!(arr.n >= dep.n && arr.n <= dep.n + 10);
    }
}

#[test]
fn a_clinic_day_counts_per_run_not_per_day() {
    // A 19-hour clinic day at 30 patients an hour: 570 arrivals a run.
    let text = r#"
name = "clinic day"
[sim]
horizon = "19 h"
replications = 200
seed = 8
[resources.nurse]
capacity = 5
[arrivals.p]
pathway = "p"
per_day = 720
[pathways.p]
steps = [ { mark = "arrived" }, { exit = "discharged" } ]
[kpis.patients_per_run]
per_run_reaching = "arrived"
[kpis.patients_per_day]
per_day_reaching = "arrived"
"#;
    let m = model(text);
    let out = reps(&m, false);
    let (summary, _) = summarize(&m, &Replications::of(&m, &out), 1);
    let per_run = &summary.kpis[0];
    assert_eq!(
        (per_run.kind, per_run.unit.as_str()),
        ("per_run", "per run")
    );
    let counts: Vec<f64> = out.iter().map(|r| r.kpis[0].n as f64).collect();
    assert_within("patients per run", &counts, 570.0);
    assert!((per_run.est.mean - counts.iter().sum::<f64>() / 200.0).abs() < 1e-9);
    // The per-day figure is the same count over 19/24 of a day.
    let per_day = summary.kpis[1].est.mean;
    assert!((per_day * 19.0 / 24.0 - per_run.est.mean).abs() < 1e-6 * per_day);
}

#[test]
fn the_patients_the_end_cuts_short_are_counted_with_their_time_so_far() {
    // One nurse, ten-hour visits, patients at 00:00, 01:00 and 02:00, a
    // five-hour run: one in service, two waiting 4 h and 3 h.
    let text = r#"
name = "cut short"
[sim]
start = "2025-01-06T00:00"
horizon = "5 h"
replications = 2
[resources.nurse]
capacity = 1
[arrivals.p]
pathway = "p"
at = ["2025-01-06T00:00", "2025-01-06T01:00", "2025-01-06T02:00"]
[pathways.p]
steps = [
  { seize = ["nurse"], mark = "seen" },
  { activity = "visit", duration = { fixed = "10 h" } },
  { release = "nurse" },
  { exit = "discharged" },
]
[kpis.wait]
from = "arrival"
to = "seen"
"#;
    let m = model(text);
    let out = reps(&m, false);
    for r in &out {
        assert_eq!(r.resources[0].waiting_at_end, 2);
        assert!((r.resources[0].waiting_at_end_sum - 7.0 * 60.0).abs() < 1e-9);
    }
    let (summary, _) = summarize(&m, &Replications::of(&m, &out), 1);
    let nurse = &summary.resources[0];
    assert_eq!(nurse.waiting_at_end.mean, 2.0);
    assert!((nurse.waiting_at_end_wait_min.mean - 210.0).abs() < 1e-9);
    // The wait KPI saw one completed wait (0 min); the two cut short are
    // the nurse's (above): a KPI not ending at departure reports none.
    let wait = summary.kpis.iter().find(|k| k.name == "wait").unwrap();
    assert_eq!(wait.est.mean, 0.0);
    assert!(wait.unfinished.is_none());
    // Length of stay (in hours): all three still in, 5, 4 and 3 hours so far.
    let los = summary
        .kpis
        .iter()
        .find(|k| k.name == "length_of_stay")
        .unwrap();
    assert!(los.est.mean.is_nan(), "no stay was completed");
    let open = los.unfinished.unwrap();
    assert_eq!(open.per_replication, 3.0);
    assert!((open.so_far_mean.mean - 4.0).abs() < 1e-9);
}

#[test]
fn utilisation_started_by_the_horizon_counts_whole_services_begun_in_the_window() {
    // One bay, hour-long services at 00:00, 03:00 and 09:45, a 30-minute
    // warm-up and a 10-hour horizon. Time-weighted: 30 + 60 + 15 busy minutes
    // of 570. Started by the horizon: the two services begun after the
    // warm-up, whole, 120 minutes of 570.
    let text = r#"
name = "started"
[sim]
start = "2025-01-06T00:00"
horizon = "10 h"
warmup = "30 min"
replications = 2
[resources.bay]
capacity = 1
[arrivals.booked]
pathway = "p"
at = ["2025-01-06T00:00", "2025-01-06T03:00", "2025-01-06T09:45"]
[pathways.p]
steps = [
  { activity = "treat", use = ["bay"], duration = { fixed = "1 h" } },
  { exit = "discharged" },
]
"#;
    let m = model(text);
    let out = reps(&m, false);
    for r in &out {
        let bay = &r.resources[0];
        assert!((bay.busy_area - 105.0).abs() < 1e-9, "{}", bay.busy_area);
        assert!(
            (bay.started_area - 120.0).abs() < 1e-9,
            "{}",
            bay.started_area
        );
        assert!((bay.capacity_area - 570.0).abs() < 1e-9);
    }
    let (summary, _) = summarize(&m, &Replications::of(&m, &out), 1);
    let bay = &summary.resources[0];
    assert!((bay.utilisation.mean - 105.0 / 570.0).abs() < 1e-12);
    assert!((bay.utilisation_started.mean - 120.0 / 570.0).abs() < 1e-12);
}

#[test]
fn both_utilisations_agree_on_a_long_mmc_run() {
    // Away from the edges the two definitions estimate the same rho.
    let text = HEAD.replace(
        "horizon = \"28 d\"",
        "horizon = \"120 d\"\nwarmup = \"5 d\"",
    );
    let m = model(&format!(
        "{text}[arrivals.walk_in]\npathway = \"p\"\nper_day = 180\n"
    ));
    let out = reps(&m, false);
    let rho = 180.0 * 20.0 / 1440.0 / 3.0;
    let tw: Vec<f64> = out
        .iter()
        .map(|r| r.resources[0].busy_area / r.resources[0].capacity_area)
        .collect();
    let st: Vec<f64> = out
        .iter()
        .map(|r| r.resources[0].started_area / r.resources[0].capacity_area)
        .collect();
    assert_within("time-weighted utilisation", &tw, rho);
    assert_within("utilisation started by the horizon", &st, rho);
}

//! Turnaround, breakdowns, maintenance windows, occupancy bands and overruns.

use super::*;

#[test]
fn turnaround_keeps_a_unit_busy_by_littles_law() {
    // 9 patients an hour, 40 min exponential stays, 20 min fixed cleaning:
    // units cleaning on average = arrival rate x turnaround = 3, and busy
    // (stay + cleaning) = 9 x 1 h = 9 of 10.
    let text = scenario(
        r#"turnaround = { fixed = "20 min" }"#,
        216.0,
        r#"{ exponential = { mean = "40 min" } }"#,
        10,
    );
    let m = model(&text);
    let out = reps(&m);
    let cleaning: Vec<f64> = out
        .iter()
        .map(|r| r.resources[0].turnaround_area / r.resources[0].span)
        .collect();
    let busy: Vec<f64> = out
        .iter()
        .map(|r| r.resources[0].busy_area / r.resources[0].span)
        .collect();
    assert_within("units in turnaround", &cleaning, 3.0);
    assert_within("busy units incl. turnaround", &busy, 9.0);
}

#[test]
fn breakdowns_take_the_share_mttr_over_mtbf_plus_mttr() {
    // One scanner, failing every 50 h on average (calendar time) and repaired
    // in 5 h on average: down 5/55 of the time, whatever the load.
    let text = scenario(
        r#"breakdowns = { time_between = { exponential = { mean = "50 h" } }, repair = { exponential = { mean = "5 h" } } }"#,
        4.0,
        r#"{ exponential = { mean = "30 min" } }"#,
        1,
    );
    let m = model(&text);
    let out = reps(&m);
    let down: Vec<f64> = out
        .iter()
        .map(|r| r.resources[0].down_area / r.resources[0].span)
        .collect();
    assert_within("share of time down", &down, 5.0 / 55.0);
    // Down time is capacity lost: available unit-time = span - down time.
    for r in &out {
        let x = &r.resources[0];
        assert!((x.capacity_area + x.down_area - x.span).abs() < 1e-6 * x.span);
    }
}

#[test]
fn maintenance_window_removes_units_at_its_weekly_time() {
    // Capacity 3; every Wednesday 02:00-06:00 two units are down.
    let text = scenario(
        r#"maintenance = [{ day = "Wed", time = "02:00", duration = "4 h", units = 2 }]"#,
        10.0,
        r#"{ exponential = { mean = "1 h" } }"#,
        3,
    );
    let m = model(&text);
    let out = reps(&m);
    for r in &out {
        let x = &r.resources[0];
        // Whole weeks after a whole-week warm-up: exactly 2 units x 4 h a week.
        assert!(
            (x.down_area / x.span - 8.0 / 168.0).abs() < 1e-9,
            "{}",
            x.down_area / x.span
        );
        // Hourly samples from Monday 00:00: Wednesday 03:00 is hour 51 of each week.
        for (i, s) in r.samples.iter().enumerate() {
            let hour = i % 168;
            let expected = if (50..54).contains(&hour) { 1.0 } else { 3.0 };
            assert_eq!(s[2], expected, "sample {i} (hour of week {hour})");
        }
    }
}

#[test]
fn time_above_85_and_92_percent_matches_the_mmc_distribution() {
    // M/M/10 with a = 8: busy > 8.5 means N >= 9 and busy > 9.2 means N >= 10.
    let text = scenario("", 192.0, r#"{ exponential = { mean = "1 h" } }"#, 10);
    let m = model(&text);
    let out = reps(&m);
    let (a, c) = (8.0f64, 10usize);
    let mut terms = vec![1.0f64];
    for n in 1..c {
        terms.push(terms[n - 1] * a / n as f64);
    }
    let tail = terms[c - 1] * a / c as f64 / (1.0 - a / c as f64);
    let p0 = 1.0 / (terms.iter().sum::<f64>() + tail);
    let p_ge_10 = tail * p0;
    let p_ge_9 = p_ge_10 + terms[9] * p0;
    let over85: Vec<f64> = out
        .iter()
        .map(|r| r.resources[0].time_over_85 / r.resources[0].span)
        .collect();
    let over92: Vec<f64> = out
        .iter()
        .map(|r| r.resources[0].time_over_92 / r.resources[0].span)
        .collect();
    assert_within("P(N >= 9)", &over85, p_ge_9);
    assert_within("P(N >= 10)", &over92, p_ge_10);
}

#[test]
fn service_past_a_roster_drop_counts_as_overrun() {
    // One theatre staffed 08:00-16:00. A case starting 15:30 that takes 2 h
    // runs 90 min past the session; another at 09:00 does not overrun.
    let text = r#"
name = "overrun"
[sim]
start = "2025-01-06T00:00"
horizon = "2 d"
warmup = "0 min"
replications = 1
[rosters.session]
weekday = [0,0,0,0,0,0,0,0,1,1,1,1,1,1,1,1,0,0,0,0,0,0,0,0]
[resources.theatre]
roster = "session"
[arrivals.cases]
pathway = "op"
at = ["2025-01-06T09:00", "2025-01-06T15:30"]
[pathways.op]
steps = [
  { activity = "operation", use = ["theatre"], duration = { fixed = "2 h" } },
  { exit = "discharged" },
]
"#;
    let m = model(text);
    let out = reps(&m);
    let x = &out[0].resources[0];
    assert!((x.overrun_area - 90.0).abs() < 1e-9, "{}", x.overrun_area);
    assert_eq!(x.max_busy, 1);
}

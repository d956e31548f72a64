//! History in: generate-history, fit, run --replay, validate and project, end to
//! end, held against known parameters and the M_t/G/infinity census.

use crate::{hospsim, read_json, repo, run_err, run_ok};
use serde_json::Value;
use std::path::Path;

fn generate(scenario: &str, days: &str, seed: &str, file: &Path, census: Option<&Path>) {
    let mut cmd = hospsim();
    cmd.current_dir(repo(""))
        .args([
            "generate-history",
            scenario,
            "--days",
            days,
            "--seed",
            seed,
            "-q",
            "--out",
        ])
        .arg(file);
    if let Some(c) = census {
        cmd.arg("--census").arg(c);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn generated_history_repeats_and_tells_a_coherent_story() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a.csv"),
        dir.path().join("b.csv"),
        dir.path().join("c.csv"),
    );
    let census = dir.path().join("census.csv");
    generate(
        "scenarios/general_hospital.toml",
        "7",
        "4",
        &a,
        Some(&census),
    );
    generate("scenarios/general_hospital.toml", "7", "4", &b, None);
    generate("scenarios/general_hospital.toml", "7", "5", &c, None);
    let (ta, tb, tc) = (
        std::fs::read_to_string(&a).unwrap(),
        std::fs::read_to_string(&b).unwrap(),
        std::fs::read_to_string(&c).unwrap(),
    );
    assert_eq!(ta, tb, "same seed, same bytes");
    assert_ne!(ta, tc);
    assert!(ta.starts_with("patient_id,class,acuity,unit,event,timestamp\n"));
    // Every visit starts with its arrival, runs forward in time and ends at most once.
    let mut seen: std::collections::HashMap<&str, (&str, bool)> = Default::default();
    let mut events: std::collections::BTreeMap<&str, usize> = Default::default();
    for line in ta.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 6, "{line}");
        *events.entry(f[4]).or_default() += 1;
        match seen.get_mut(f[0]) {
            None => {
                assert_eq!(f[4], "arrival", "first event of {}: {line}", f[0]);
                seen.insert(f[0], (f[5], false));
            }
            Some((last, ended)) => {
                assert!(!*ended, "event after the end of {}: {line}", f[0]);
                assert!(f[5] >= *last, "out of order: {line}");
                *last = f[5];
                *ended = matches!(
                    f[4],
                    "discharge"
                        | "death"
                        | "left_unseen"
                        | "transfer_out"
                        | "departure"
                        | "cancelled"
                );
            }
        }
    }
    for ev in [
        "arrival",
        "triage",
        "seen",
        "lab_order",
        "lab_result",
        "imaging_order",
        "imaging_report",
        "decision_to_admit",
        "ed_departure",
        "admit",
        "transfer",
        "theatre_start",
        "theatre_end",
        "discharge",
        "left_unseen",
    ] {
        assert!(
            events.get(ev).copied().unwrap_or(0) > 0,
            "no {ev} in a week of the default hospital: {events:?}"
        );
    }
    // The census at the end of the log lists patients still in hospital.
    let cen = std::fs::read_to_string(&census).unwrap();
    assert!(cen.starts_with("patient_id,class,acuity,unit,arrived_at,admitted_at\n"));
    assert!(cen.lines().count() > 300, "{}", cen.lines().count());
}

/// Reads fit.json's fitted duration whose label is `what`.
fn duration<'a>(fit: &'a Value, what: &str) -> &'a Value {
    fit["durations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["what"].as_str().is_some_and(|w| w.starts_with(what)))
        .unwrap_or_else(|| panic!("no duration '{what}' in {}", fit["durations"]))
}

#[test]
fn fit_recovers_the_parameters_of_the_scenario_that_wrote_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    generate("tests/fixtures/known_flow.toml", "365", "11", &log, None);
    let out = dir.path().join("fit");
    let stdout = run_ok(&["fit", log.to_str().unwrap()], &out);
    assert!(stdout.contains("walk_in"), "{stdout}");
    let fit = read_json(&out.join("fit.json"));
    // Arrivals: 96 a day, within 4 standard errors.
    let a = &fit["arrivals"][0];
    let (per_day, se) = (
        a["per_day"].as_f64().unwrap(),
        a["per_day_se"].as_f64().unwrap(),
    );
    assert!((per_day - 96.0).abs() < 4.0 * se, "{per_day} ± {se}");
    let acuity: Vec<f64> = a["acuity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let n = a["n"].as_f64().unwrap();
    assert!(
        (acuity[1] - 0.3).abs() < 4.0 * (0.3f64 * 0.7 / n).sqrt(),
        "{acuity:?}"
    );
    // Routing: 0.3 * 0.6 + 0.7 * 0.2 = 0.32 admitted.
    let r = fit["routing"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["from"] == "ed" && r["to"] == "ward")
        .unwrap();
    let (p, pse) = (r["p"].as_f64().unwrap(), r["se"].as_f64().unwrap());
    assert!((p - 0.32).abs() < 4.0 * pse, "{p} ± {pse}");
    // Durations: the family that made them, with their mean and spread.
    let check = |what: &str, family: &str, mean: f64, sd: f64| {
        let d = duration(&fit, what);
        let best = &d["fits"][0];
        let n = d["n"].as_f64().unwrap();
        assert_eq!(best["family"], family, "{what}: {d}");
        let m = best["mean_min"].as_f64().unwrap();
        assert!(
            (m - mean).abs() < 4.0 * sd / n.sqrt(),
            "{what}: mean {m}, want {mean} (n {n})"
        );
        let s = best["sd_min"].as_f64().unwrap();
        assert!((s / sd - 1.0).abs() < 0.06, "{what}: sd {s}, want {sd}");
        assert!(best["ks"].as_f64().unwrap() < 0.03, "{what}: {best}");
    };
    check("ed (to ward): rest of stay", "lognormal", 90.0, 45.0);
    check("ed (exit:discharge): rest of stay", "lognormal", 90.0, 45.0);
    check(
        "ward (exit:discharge): rest of stay",
        "gamma",
        4320.0,
        2160.0,
    );
    // Exponential is nested in gamma and Weibull: whichever wins, its shape is 1.
    let seen = &duration(&fit, "ed: to seen")["fits"];
    let exp = seen
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["family"] == "exponential")
        .unwrap();
    assert!(
        (exp["aic"].as_f64().unwrap() - seen[0]["aic"].as_f64().unwrap()) < 4.0,
        "{seen}"
    );
    assert!((exp["mean_min"].as_f64().unwrap() - 30.0).abs() < 4.0 * 30.0 / 35_000f64.sqrt());
    // A year of 3-day stays is long enough: the log's end barely cuts them.
    let ward = fit["censoring"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["unit"] == "ward")
        .unwrap();
    assert_eq!(ward["log_short_for_unit"], false, "{ward}");
    // Six days is not: the fit says its stays are too short.
    let short = dir.path().join("short.csv");
    generate("tests/fixtures/known_flow.toml", "6", "11", &short, None);
    let stdout = run_ok(
        &["fit", short.to_str().unwrap()],
        &dir.path().join("short_fit"),
    );
    assert!(
        stdout.contains("warning: ward:") && stdout.contains("Kaplan-Meier"),
        "{stdout}"
    );
    // The learned scenario runs, and reproduces the log's length of stay.
    let run = dir.path().join("run");
    run_ok(
        &[
            "validate",
            out.join("fitted.toml").to_str().unwrap(),
            "--log",
            log.to_str().unwrap(),
            "--reps",
            "6",
        ],
        &run,
    );
    let v = std::fs::read_to_string(run.join("validation.csv")).unwrap();
    let row = v.lines().find(|l| l.starts_with("los.ward,")).unwrap();
    // From the end: inside, pred_hi, pred_lo, ci_hi, ci_lo, sim_mean, history_n, history.
    let f: Vec<&str> = row.rsplit(',').collect();
    let (hist, sim): (f64, f64) = (f[7].parse().unwrap(), f[5].parse().unwrap());
    assert!((sim / hist - 1.0).abs() < 0.03, "{row}");
}

#[test]
fn every_fitted_scenario_and_every_shipped_one_checks_without_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fitted");
    run_ok(&["fit", "data/history.csv"], &out);
    let mut files = vec![out.join("fitted.toml")];
    files.extend(crate::shipped_scenarios());
    let o = hospsim()
        .current_dir(repo(""))
        .arg("check")
        .args(&files)
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{all}");
    assert!(!all.contains("warning"), "{all}");
    assert!(all.matches("ok: ").count() == files.len(), "{all}");
}

#[test]
fn a_model_validates_against_its_own_history() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    generate("scenarios/general_hospital.toml", "28", "8", &log, None);
    let out = dir.path().join("val");
    let stdout = run_ok(
        &[
            "validate",
            "scenarios/general_hospital.toml",
            "--log",
            log.to_str().unwrap(),
            "--reps",
            "12",
        ],
        &out,
    );
    assert!(
        stdout.contains("Door to doctor") && stdout.contains("inside"),
        "{stdout}"
    );
    let csv = std::fs::read_to_string(out.join("validation.csv")).unwrap();
    assert!(csv.starts_with("key,group,label,unit,history,history_n,sim_mean,sim_ci_lo,sim_ci_hi,sim_pred_lo,sim_pred_hi,inside\n"));
    // Headline measures (not the 168 hourly occupancies): a log of the model
    // itself falls inside the 95% prediction interval of one replication (a
    // few misses are expected: 5% of them, and measures are correlated).
    // Labels are quoted and hold commas: read the key first and the flag last.
    let rows: Vec<(&str, &str)> = csv
        .lines()
        .skip(1)
        .map(|l| (l.split(',').next().unwrap(), l.rsplit(',').next().unwrap()))
        .filter(|(key, _)| !key.contains(".h"))
        .collect();
    let judged = rows.iter().filter(|(_, inside)| !inside.is_empty()).count();
    let inside = rows.iter().filter(|(_, inside)| *inside == "yes").count();
    assert!(judged >= 20, "{judged}");
    assert!(
        inside as f64 >= 0.8 * judged as f64,
        "{inside} of {judged}:\n{csv}"
    );
    let j = read_json(&out.join("validation.json"));
    assert_eq!(j["replications"], 12);
}

#[test]
fn replay_drives_arrivals_from_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    generate("tests/fixtures/known_flow.toml", "20", "3", &log, None);
    let visits = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| l.contains(",arrival,"))
        .count();
    let out = dir.path().join("replay");
    let o = hospsim()
        .current_dir(repo(""))
        .args([
            "run",
            "tests/fixtures/known_flow.toml",
            "--replay",
            log.to_str().unwrap(),
            "--reps",
            "3",
            "--no-report",
            "--set",
            "sim.warmup=\"0 d\"",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("replay: {visits} visits")));
    // Every replication sees exactly the log's patients.
    let s = read_json(&out.join("summary.json"));
    let arrived = s["flow"]["arrived"].as_f64().unwrap();
    assert_eq!(arrived, 3.0 * visits as f64, "{}", s["flow"]);
    // With the log's durations too, the ward stays are the log's: the simulated
    // mean length of stay is the logged one (up to stays cut by the log's end).
    let val = dir.path().join("val");
    run_ok(
        &[
            "validate",
            "tests/fixtures/known_flow.toml",
            "--log",
            log.to_str().unwrap(),
            "--replay",
            "--replay-durations",
            "--reps",
            "3",
        ],
        &val,
    );
    let v = std::fs::read_to_string(val.join("validation.csv")).unwrap();
    let row = v.lines().find(|l| l.starts_with("los.ward,")).unwrap();
    let f: Vec<&str> = row.rsplit(',').collect();
    let (hist, sim): (f64, f64) = (f[7].parse().unwrap(), f[5].parse().unwrap());
    assert!((sim / hist - 1.0).abs() < 0.015, "{row}");
    let err = run_err(
        &[
            "run",
            "tests/fixtures/known_flow.toml",
            "--replay-durations",
        ],
        &dir.path().join("never"),
    );
    assert!(err.contains("--replay-durations needs --replay"), "{err}");
}

/// Lognormal survival function P(X > x) with the given mean and sd.
fn lognormal_survival(x: f64, mean: f64, sd: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, LogNormal};
    let s2 = (1.0 + (sd / mean).powi(2)).ln();
    let d = LogNormal::new(mean.ln() - s2 / 2.0, s2.sqrt()).unwrap();
    if x <= 0.0 { 1.0 } else { d.sf(x) }
}

#[test]
fn projection_matches_the_mt_g_infinity_census() {
    // 300 patients in the ward, spent 0 to 60 h so far; the snapshot is a Monday 00:00.
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("census.csv");
    let mut text = String::from("patient_id,unit,class,arrived_at,admitted_at\n");
    let mut elapsed = vec![];
    for i in 0..300 {
        let e_min = (i as f64 * 12.0) % 3600.0; // 0..60 h
        elapsed.push(e_min);
        let t = 20_160.0 - e_min; // minutes after 2025-01-06T00:00; snapshot at 2025-01-20T00:00
        let ts = |m: f64| {
            let day = (m / 1440.0).floor();
            let rem = m - day * 1440.0;
            format!(
                "2025-01-{:02}T{:02}:{:02}",
                6 + day as u32,
                (rem / 60.0) as u32,
                (rem % 60.0) as u32
            )
        };
        text.push_str(&format!("p{i},ward,admission,{},{}\n", ts(t), ts(t)));
    }
    std::fs::write(&snap, text).unwrap();
    let out = dir.path().join("proj");
    run_ok(
        &[
            "project",
            "tests/fixtures/mtg_infinity.toml",
            "--snapshot",
            snap.to_str().unwrap(),
            "--hours",
            "48",
            "--reps",
            "400",
            "--at",
            "2025-01-20T00:00",
        ],
        &out,
    );
    let csv = std::fs::read_to_string(out.join("projection.csv")).unwrap();
    let rate = |h: f64| {
        if (8.0..20.0).contains(&(h.rem_euclid(24.0))) {
            4.0
        } else {
            1.0
        }
    };
    for hour in [0usize, 3, 12, 24, 36, 48] {
        let t = hour as f64 * 60.0;
        // Survivors of today's patients: sum of S(e + t) / S(e); new arrivals:
        // integral of lambda(u) S(t - u) du (by the midpoint rule per minute).
        let mut mean = 0.0;
        let mut var = 0.0;
        for &e in &elapsed {
            let p = lognormal_survival(e + t, 1200.0, 900.0) / lognormal_survival(e, 1200.0, 900.0);
            mean += p;
            var += p * (1.0 - p);
        }
        let mut lam = 0.0;
        for k in 0..(t as usize) {
            let u = k as f64 + 0.5;
            lam += rate(u / 60.0) / 60.0 * lognormal_survival(t - u, 1200.0, 900.0);
        }
        mean += lam;
        var += lam;
        let row = csv
            .lines()
            .find(|l| l.starts_with(&format!("{hour},")))
            .unwrap();
        let f: Vec<&str> = row.split(',').collect();
        let got: f64 = f[4].parse().unwrap();
        let se = (var / 400.0).sqrt().max(1e-9);
        assert!(
            (got - mean).abs() < 4.0 * se + 1e-9,
            "hour {hour}: projected {got}, M_t/G/inf {mean:.2} (se {se:.3})"
        );
    }
    // At hour 0 the census is exactly the snapshot.
    assert!(
        csv.lines()
            .any(|l| l.starts_with("0,") && l.contains(",300,300,300,300,")),
        "{csv}"
    );
}

#[test]
fn projection_takes_arrivals_from_a_forecast() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("census.csv");
    std::fs::write(
        &snap,
        "unit,class,arrived_at\nward,admission,2025-01-19T22:00\n",
    )
    .unwrap();
    let fc = dir.path().join("forecasts.csv");
    // Daily forecasts of 240 admissions (10 an hour), ten times the profile's night rate.
    std::fs::write(&fc, "unique_id,ds,model,mean,lo-95,hi-95\nadmission,2025-01-20,ets,240,200,280\nadmission,2025-01-21,ets,240,200,280\n").unwrap();
    let out = dir.path().join("proj");
    run_ok(
        &[
            "project",
            "tests/fixtures/mtg_infinity.toml",
            "--snapshot",
            snap.to_str().unwrap(),
            "--hours",
            "24",
            "--reps",
            "200",
            "--at",
            "2025-01-20T00:00",
            "--arrivals",
            fc.to_str().unwrap(),
        ],
        &out,
    );
    let j = read_json(&out.join("projection.json"));
    assert!(j["arrivals"].as_str().unwrap().contains("forecast"), "{j}");
    // With 240 a day (spread by the day/night profile), the ward fills far above
    // the profile's 60 a day: the census after 24 h is well over 100.
    let last = &j["units"][0]["hours"][24];
    assert!(last["mean"].as_f64().unwrap() > 100.0, "{last}");
    // A forecast that ends too soon is refused with a hint.
    let err = run_err(
        &[
            "project",
            "tests/fixtures/mtg_infinity.toml",
            "--snapshot",
            snap.to_str().unwrap(),
            "--hours",
            "72",
            "--at",
            "2025-01-20T00:00",
            "--arrivals",
            fc.to_str().unwrap(),
        ],
        &dir.path().join("never"),
    );
    assert!(err.contains("ends at") && err.contains("hint"), "{err}");
}

#[test]
fn projection_is_the_same_at_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("census.csv");
    std::fs::write(
        &snap,
        "unit,class,arrived_at\nward,admission,2025-01-19T22:00\nward,admission,2025-01-18T10:00\n",
    )
    .unwrap();
    let mut outs = vec![];
    for t in ["1", "2"] {
        let out = dir.path().join(format!("p{t}"));
        run_ok(
            &[
                "project",
                "tests/fixtures/mtg_infinity.toml",
                "--snapshot",
                snap.to_str().unwrap(),
                "--hours",
                "12",
                "--reps",
                "50",
                "--threads",
                t,
                "-q",
            ],
            &out,
        );
        outs.push(std::fs::read(out.join("projection.csv")).unwrap());
    }
    assert_eq!(outs[0], outs[1]);
}

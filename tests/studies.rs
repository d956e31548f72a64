//! Studies as a user runs them: compare on common random numbers, sweeps
//! with targets, drills with their analysis.

use crate::{hospsim, read_json, repo};
use serde_json::Value;
use std::path::Path;

#[test]
fn compare_identical_variants_gives_exactly_zero_and_crn_beats_independent() {
    let dir = tempfile::tempdir().unwrap();
    let base = repo("scenarios/general_hospital.toml");
    let same = dir.path().join("same.toml");
    std::fs::write(
        &same,
        format!(
            "extends = {:?}\nname = \"Same hospital\"\n",
            base.display().to_string()
        ),
    )
    .unwrap();
    let beds = repo("scenarios/whatif/more_medical_beds.toml");
    let run = |indep: bool, out: &Path| {
        let mut cmd = hospsim();
        cmd.args(["compare"])
            .arg(&base)
            .arg(&same)
            .arg(&beds)
            .args([
                "--reps",
                "6",
                "--set",
                "sim.horizon=\"90 d\"",
                "-q",
                "--out",
            ])
            .arg(out);
        if indep {
            cmd.arg("--independent");
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        read_json(&out.join("comparison.json"))
    };
    let crn = run(false, &dir.path().join("crn"));
    assert_eq!(crn["common_random_numbers"], true);
    let html = std::fs::read_to_string(dir.path().join("crn/report.html")).unwrap();
    assert!(
        html.contains("id=\"forest-1\"")
            && html.contains("id=\"forest-2\"")
            && html.contains("id=\"compare-2\"")
    );
    assert!(dir.path().join("crn/comparison.csv").exists());
    let measures = crn["measures"].as_array().unwrap();
    assert!(measures.len() > 20);
    for m in measures {
        let d = &m["variants"][0]["difference"];
        assert!(
            d["mean"].is_null() || d["mean"].as_f64() == Some(0.0),
            "identical variant differs on {}: {d}",
            m["name"]
        );
    }
    // More beds: boarding falls, and common random numbers shrink the interval
    // of the difference compared with independent runs.
    let pick = |c: &Value, name: &str| {
        c["measures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .unwrap()["variants"][1]["difference"]
            .clone()
    };
    let d_crn = pick(&crn, "util_medical_bed");
    assert!(
        d_crn["ci95"][1].as_f64().unwrap() < 0.0,
        "more beds lower bed occupancy: {d_crn}"
    );
    assert!(d_crn["variance_reduction"].as_f64().unwrap() > 0.5);
    let ind = run(true, &dir.path().join("ind"));
    assert_eq!(ind["common_random_numbers"], false);
    let d_ind = pick(&ind, "util_medical_bed");
    let width = |d: &Value| d["ci95"][1].as_f64().unwrap() - d["ci95"][0].as_f64().unwrap();
    assert!(
        width(&d_crn) < width(&d_ind),
        "CRN interval {} vs independent {}",
        width(&d_crn),
        width(&d_ind)
    );
    // Independent runs of the identical variant do differ.
    let same_ind = ind["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "door_to_doctor")
        .unwrap()["variants"][0]["difference"]["mean"]
        .as_f64()
        .unwrap();
    assert!(same_ind != 0.0);
}

#[test]
fn sweep_runs_the_grid_and_names_the_cheapest_point_meeting_the_target() {
    let dir = tempfile::tempdir().unwrap();
    let o = hospsim()
        .current_dir(repo(""))
        .args([
            "sweep",
            "scenarios/general_hospital.toml",
            "--param",
            "rosters.ed_doctors.scale=1.0,1.3",
            "--param",
            "resources.ed_cubicle.capacity=30..40:10",
        ])
        .args([
            "--reps",
            "4",
            "--set",
            "sim.horizon=\"60 d\"",
            "--target",
            "door_to_doctor.p90 <= 60 min",
            "-q",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = read_json(&dir.path().join("sweep.json"));
    let points = s["points"].as_array().unwrap();
    assert_eq!(points.len(), 4);
    assert_eq!(points[0]["params"][0][1], "1.0");
    assert_eq!(points[3]["params"][1][1], "40");
    // The default hospital's doctors cannot meet a P90 of an hour (it is
    // about 74 min); 30% more do; the cheapest such point has the fewer
    // cubicles.
    assert_eq!(points[0]["meets_target"], false);
    assert_eq!(points[2]["meets_target"], true);
    assert_eq!(s["cheapest_meeting_target"], 2);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("id=\"sweep-door_to_doctor\"") && html.contains("id=\"sweep-points\""));
    let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 5);
    assert!(csv.starts_with(
        "point,rosters.ed_doctors.scale,resources.ed_cubicle.capacity,door_to_triage,"
    ));
    // Each point has the statistics a run reports, not only means: the
    // target's own P90 is there and is the target value.
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    for col in [
        "door_to_doctor.p90",
        "time_in_ed.share_within",
        "icu_bed.wait_mean_min",
        "icu_bed.refused_per_day",
    ] {
        assert!(header.contains(&col), "{col} missing from {header:?}");
    }
    let p90 = points[2]["statistics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "door_to_doctor.p90")
        .unwrap();
    assert_eq!(p90["mean"], points[2]["target_value"]);
}

#[test]
fn bad_sweep_definitions_are_refused() {
    for (args, expect) in [
        (
            vec!["--param", "resources.icu_bed.capacity=20..10"],
            "is empty",
        ),
        (vec!["--param", "resources.icu_bed.capacity="], "no values"),
        (
            vec!["--param", "resources.icu_bd.capacity=10,12"],
            "no field \"icu_bd\"",
        ),
        (
            vec![
                "--param",
                "resources.icu_bed.capacity=10,12",
                "--target",
                "door_to_docter.p90 <= 60 min",
            ],
            "no KPI named \"door_to_docter\"",
        ),
        (
            vec![
                "--param",
                "resources.icu_bed.capacity=10,12",
                "--target",
                "door_to_doctor.p90 60",
            ],
            "no comparison",
        ),
        (
            vec![
                "--param",
                "resources.icu_bed.capacity=10,12",
                "--target",
                "door_to_doctor.p99 <= 60 min",
            ],
            "does not report P99",
        ),
    ] {
        let o = hospsim()
            .current_dir(repo(""))
            .args([
                "sweep",
                "scenarios/general_hospital.toml",
                "--reps",
                "2",
                "--set",
                "sim.horizon=\"40 d\"",
                "-q",
            ])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(expect),
            "{args:?}: expected '{expect}' in {err}"
        );
    }
}

#[test]
fn drill_reports_timeline_bottlenecks_recovery_and_responses() {
    let dir = tempfile::tempdir().unwrap();
    let o = hospsim()
        .current_dir(repo(""))
        .args([
            "drill",
            "scenarios/drills/bus_crash.toml",
            "--reps",
            "4",
            "--set",
            "sim.horizon=\"64 d\"",
            "-q",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let d = read_json(&dir.path().join("drill.json"));
    assert_eq!(d["drill_start"], "2025-03-07T18:00");
    let trauma = d["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kpi"] == "trauma_door_to_theatre")
        .unwrap();
    assert_eq!(trauma["baseline_patients_over"]["mean"], 0.0);
    assert!(trauma["drill_patients_over"]["mean"].as_f64().unwrap() > 0.0);
    let chain = d["bottlenecks"].as_array().unwrap();
    // One row per resource of the drill's hospital (the default one's).
    let resources = std::fs::read_to_string(repo("scenarios/general_hospital.toml"))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("[resources."))
        .count();
    assert_eq!(chain.len(), resources);
    // The first to saturate is an ED resource, within the first hours.
    assert!(
        chain[0]["saturated_after_hours"].as_f64().unwrap() < 3.0,
        "{}",
        chain[0]
    );
    let resus = chain.iter().find(|b| b["id"] == "resus_bay").unwrap();
    assert!(
        resus["peak_demand_mean"].as_f64().unwrap()
            > resus["baseline_peak_demand_mean"].as_f64().unwrap()
    );
    let responses = d["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 4);
    assert_eq!(responses[0]["fired_share"], 1.0);
    assert!(responses[0]["fired_after_hours_median"].as_f64().unwrap() >= 0.0);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(
        html.contains("id=\"timeline-ed_doctor\"") || html.contains("id=\"timeline-triage_nurse\"")
    );
    assert!(html.contains("id=\"bottlenecks\"") && html.contains("id=\"response-0\""));
    let timeline = std::fs::read_to_string(dir.path().join("timeline.csv")).unwrap();
    assert!(timeline.starts_with("time,hours_from_drill_start,resource,drill_busy_mean"));
    // 15-minute steps from a day before the drill.
    assert!(
        timeline
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("2025-03-06T18:00,-24,")
    );
    assert!(timeline.contains("2025-03-06T18:15,"));
    // A scenario without a drill is refused with a hint.
    let o = hospsim()
        .current_dir(repo(""))
        .args(["drill", "scenarios/general_hospital.toml", "-q"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("has no [drill]"));
}

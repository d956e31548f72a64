//! Commands as a user runs them: demo, run, check, --set, extends, case lists, outputs, determinism.

use crate::{hospsim, read_json, repo};
use serde_json::Value;
use std::path::Path;

#[test]
fn demo_writes_every_output_and_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = hospsim()
        .args([
            "demo",
            "--reps",
            "2",
            "--set",
            "sim.horizon=60 d",
            "--set",
            "sim.warmup=7 d",
            "--trace",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Door to doctor")
            && stdout.contains("95% CI")
            && stdout.contains("utilisation"),
        "{stdout}"
    );
    for f in [
        "summary.json",
        "replications.csv",
        "timeseries.csv",
        "patients.csv",
    ] {
        assert!(dir.path().join(f).exists(), "{f} missing");
    }
    let s = read_json(&dir.path().join("summary.json"));
    assert_eq!(s["schema_version"], 1);
    assert_eq!(s["scenario"]["replications"], 2);
    assert_eq!(s["flow"]["conservation_holds"], true);
    let kpi = s["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "door_to_doctor")
        .unwrap();
    assert!(kpi["mean"].as_f64().unwrap() > 0.0);
    assert_eq!(kpi["ci95"].as_array().unwrap().len(), 2);
    assert!(kpi["target"]["share_within"]["mean"].as_f64().unwrap() > 0.5);
    // Flow identity from the files themselves.
    let arrived = s["flow"]["arrived"].as_u64().unwrap();
    let departed: u64 = s["flow"]["departed"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(
        arrived,
        departed + s["flow"]["in_system_at_end"].as_u64().unwrap()
    );
    // patients.csv: one row per patient (header + arrivals).
    let patients = std::fs::read_to_string(dir.path().join("patients.csv")).unwrap();
    assert_eq!(patients.lines().count() as u64, arrived + 1);
    let reps = std::fs::read_to_string(dir.path().join("replications.csv")).unwrap();
    assert_eq!(reps.lines().count(), 3);
    let ts = std::fs::read_to_string(dir.path().join("timeseries.csv")).unwrap();
    assert!(ts.starts_with("time,minutes,resource,busy_mean"));
    assert!(
        ts.lines()
            .nth(1)
            .unwrap()
            .starts_with("2025-01-06T00:00,0,")
    );
}

fn run_to(dir: &Path, threads: &str) {
    let out = hospsim()
        .current_dir(repo(""))
        .args([
            "run",
            "scenarios/general_hospital.toml",
            "--reps",
            "4",
            "--seed",
            "7",
            "--set",
            "sim.horizon=\"45 d\"",
            "--threads",
            threads,
            "-q",
            "--trace",
            "--out",
        ])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "--quiet prints nothing");
}

#[test]
fn results_are_identical_for_any_thread_count_and_across_runs() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    run_to(a.path(), "1");
    run_to(b.path(), "2");
    run_to(c.path(), "2");
    for f in ["replications.csv", "timeseries.csv", "patients.csv"] {
        let x = std::fs::read(a.path().join(f)).unwrap();
        assert_eq!(
            x,
            std::fs::read(b.path().join(f)).unwrap(),
            "{f} differs between 1 and 2 threads"
        );
        assert_eq!(
            x,
            std::fs::read(c.path().join(f)).unwrap(),
            "{f} differs between two runs"
        );
    }
    // summary.json is identical except the `run` block (wall time, thread count).
    let strip = |p: &Path| {
        let mut v = read_json(&p.join("summary.json"));
        v.as_object_mut().unwrap().remove("run");
        serde_json::to_string(&v).unwrap()
    };
    assert_eq!(strip(a.path()), strip(b.path()));
    assert_eq!(strip(b.path()), strip(c.path()));
}

#[test]
fn set_changes_the_model_and_a_wrong_path_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = hospsim()
        .current_dir(repo(""))
        .args([
            "run",
            "scenarios/general_hospital.toml",
            "--reps",
            "1",
            "--set",
            "resources.icu_bed.capacity=14",
            "--set",
            "sim.horizon=\"40 d\"",
            "-q",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = read_json(&dir.path().join("summary.json"));
    let icu = s["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "icu_bed")
        .unwrap();
    assert_eq!(icu["capacity_mean"], 14.0);
    assert_eq!(s["scenario"]["horizon_days"], 40.0);

    // A field with a default may be set although the file leaves it out.
    let out = hospsim()
        .current_dir(repo(""))
        .args([
            "run",
            "scenarios/general_hospital.toml",
            "--reps",
            "1",
            "--set",
            "rosters.ed_doctors.scale=2",
            "--set",
            "sim.horizon=\"40 d\"",
            "-q",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s2 = read_json(&dir.path().join("summary.json"));
    let doc = |s: &Value| {
        s["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "ed_doctor")
            .unwrap()["capacity_mean"]
            .as_f64()
            .unwrap()
    };
    let base = s["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "ed_doctor")
        .unwrap()["capacity_mean"]
        .as_f64()
        .unwrap();
    assert!(
        (doc(&s2) - 2.0 * base).abs() < 1e-6,
        "roster scale doubles the doctors: {} vs {base}",
        doc(&s2)
    );

    let out = hospsim()
        .current_dir(repo(""))
        .args([
            "check",
            "scenarios/general_hospital.toml",
            "--set",
            "resources.icu_bd.capacity=14",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no field \"icu_bd\"") && err.contains("icu_bed"),
        "{err}"
    );

    let out = hospsim()
        .current_dir(repo(""))
        .args([
            "check",
            "scenarios/general_hospital.toml",
            "--set",
            "resources.icu_bed.capacity=many",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("resources.icu_bed.capacity")
            && err.contains("expected a whole number of units or \"unlimited\", got \"many\""),
        "{err}"
    );
}

#[test]
fn every_shipped_scenario_checks() {
    let mut files = vec![];
    for dir in [
        "scenarios",
        "scenarios/bench",
        "scenarios/whatif",
        "scenarios/drills",
    ] {
        for e in std::fs::read_dir(repo(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 10);
    let out = hospsim().arg("check").args(&files).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("ok: "))
            .count(),
        files.len()
    );
}

#[test]
fn help_shows_examples() {
    let out = hospsim().arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Examples:") && text.contains("hospsim run"));
    let out = hospsim().args(["run", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("--reps") && text.contains("--set") && text.contains("Examples:"));
}

#[test]
fn bad_options_fail_cleanly() {
    let out = hospsim().args(["demo", "--reps", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--reps must be at least 1"));
    let out = hospsim()
        .args(["run", "does/not/exist.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("cannot read scenario file does/not/exist.toml")
    );
}

#[test]
fn extends_reports_errors_in_the_file_that_has_them() {
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("variant.toml");
    std::fs::write(
        &v,
        format!(
            "extends = {:?}\nname = \"v\"\n[resources.icu_bed]\ncapacity = 0\n",
            repo("scenarios/general_hospital.toml")
                .display()
                .to_string()
        ),
    )
    .unwrap();
    let out = hospsim().arg("check").arg(&v).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("variant.toml:4:12: resources.icu_bed.capacity"),
        "{err}"
    );
    let looped = dir.path().join("loop.toml");
    std::fs::write(&looped, "extends = \"loop.toml\"\nname = \"x\"\n").unwrap();
    let out = hospsim().arg("check").arg(&looped).output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("leads back to a file already in the chain")
    );
}

#[test]
fn case_lists_are_read_from_csv_relative_to_the_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = r#"
name = "list"
[sim]
horizon = "3 d"
warmup = "0 min"
replications = 1
[resources.theatre]
capacity = 1
[arrivals.cases]
pathway = "op"
cases = "lists/monday.csv"
[pathways.op]
steps = [ { activity = "operation", use = ["theatre"], duration = { fixed = "1 h" } }, { exit = "discharged" } ]
"#;
    std::fs::create_dir_all(dir.path().join("lists")).unwrap();
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    std::fs::write(
        dir.path().join("lists/monday.csv"),
        "time,count\n2025-01-06T08:00,3\n2025-01-06T13:00\n",
    )
    .unwrap();
    let o = hospsim()
        .args(["run", "s.toml", "--quiet", "--no-report", "--out", "out"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = read_json(&dir.path().join("out/summary.json"));
    assert_eq!(s["flow"]["arrived"], 4);
    // A bad row is reported with its file and line.
    std::fs::write(
        dir.path().join("lists/monday.csv"),
        "time\n2025-01-06T08:00\n06/01/2025 13:00\n",
    )
    .unwrap();
    let o = hospsim()
        .args(["run", "s.toml", "--quiet", "--no-report", "--out", "out2"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("monday.csv:3") && err.contains("not a timestamp"),
        "{err}"
    );
}

#[test]
fn trace_reps_traces_the_first_replications_and_says_what_it_writes() {
    let dir = tempfile::tempdir().unwrap();
    let all = dir.path().join("all");
    let one = dir.path().join("one");
    let run = |out: &Path, extra: &[&str]| {
        let o = hospsim()
            .current_dir(repo(""))
            .args([
                "run",
                "scenarios/general_hospital.toml",
                "--reps",
                "3",
                "--set",
                "sim.horizon=\"10 d\"",
                "--set",
                "sim.warmup=\"1 d\"",
                "--no-report",
            ])
            .args(extra)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let note = run(&all, &["--trace"]);
    assert!(
        note.contains("tracing 3 replication(s): patients.csv will hold about"),
        "{note}"
    );
    let note = run(&one, &["--trace-reps", "1"]);
    assert!(note.contains("tracing 1 replication(s)"), "{note}");
    let a = std::fs::read_to_string(all.join("patients.csv")).unwrap();
    let b = std::fs::read_to_string(one.join("patients.csv")).unwrap();
    // The first replication's rows, the same in both; none of the others.
    let rep0: Vec<&str> = a.lines().filter(|l| l.starts_with("0,")).collect();
    assert!(!rep0.is_empty());
    assert_eq!(b.lines().skip(1).collect::<Vec<_>>(), rep0);
    assert!(a.lines().any(|l| l.starts_with("2,")));
    // Milestones to the second.
    let first = rep0[0].split(',').nth(5).unwrap();
    assert_eq!(first.len(), "2025-01-06T00:12:59".len(), "{first}");
    // The summary does not depend on tracing.
    assert_eq!(
        std::fs::read(all.join("replications.csv")).unwrap(),
        std::fs::read(one.join("replications.csv")).unwrap()
    );
}

//! Results folders are whole or untouched: staged and swapped in, the old one
//! kept as NAME.previous, a foreign folder refused, an interrupt leaves
//! nothing behind, and run.json says how to repeat the run.

use crate::{hospsim, read_json, repo};
use std::path::Path;

const QUICK: [&str; 6] = [
    "--reps",
    "2",
    "--set",
    "sim.horizon=10 d",
    "--set",
    "sim.warmup=1 d",
];

fn demo(out: &Path, extra: &[&str]) -> std::process::Output {
    hospsim()
        .current_dir(repo(""))
        .arg("demo")
        .args(QUICK)
        .args(extra)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

/// Nothing staged is left beside the results.
fn no_staging_left(parent: &Path) {
    let left: Vec<String> = names(parent)
        .into_iter()
        .filter(|n| n.contains("hospsim-staging") || n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn a_new_run_replaces_the_folder_whole_and_keeps_the_old_one() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("results");
    assert!(demo(&out, &["--trace"]).status.success());
    assert!(out.join("patients.csv").exists() && out.join("run.json").exists());
    // A run without --trace: no patients.csv of the old run beside the new files.
    let o = demo(&out, &["--no-report"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        names(&out),
        [
            "occupancy.csv",
            "replications.csv",
            "run.json",
            "summary.json",
            "timeseries.csv"
        ]
    );
    let previous = d.path().join("results.previous");
    assert!(previous.join("patients.csv").exists() && previous.join("report.html").exists());
    no_staging_left(d.path());
    // A third run replaces results.previous, which is a hospsim folder.
    assert!(demo(&out, &["--no-report"]).status.success());
    assert!(!previous.join("patients.csv").exists());
}

#[test]
fn a_folder_that_is_not_a_results_folder_is_refused_unless_forced() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("mine");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "my notes").unwrap();
    let o = demo(&out, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("holds no hospsim results") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(names(&out), ["notes.txt"]);
    no_staging_left(d.path());
    // --force moves it aside, never deletes it.
    let o = demo(&out, &["--force", "--no-report"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(d.path().join("mine.previous/notes.txt")).unwrap(),
        "my notes"
    );
    assert!(out.join("summary.json").exists());
}

#[test]
fn run_json_records_how_to_repeat_the_run() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("base");
    let o = demo(
        &out,
        &["--set", "resources.icu_bed.capacity=14", "--seed", "9"],
    );
    assert!(o.status.success());
    let run = read_json(&out.join("run.json"));
    assert_eq!(run["hospsim_version"], env!("CARGO_PKG_VERSION"));
    assert!(
        run["command"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "demo")
    );
    let sets: Vec<&str> = run["sets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert!(sets.contains(&"resources.icu_bed.capacity=14"), "{sets:?}");
    assert_eq!(run["seed"], 9);
    assert_eq!(run["replications"], 2);
    assert!(run["threads"].as_u64().unwrap() >= 1);
    assert!(run["started"].as_str().unwrap().ends_with('Z'));
    let files: Vec<&str> = run["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert!(
        files.contains(&"summary.json") && files.contains(&"run.json"),
        "{files:?}"
    );
    let sc = &run["scenarios"][0];
    let toml_text = sc["resolved_toml"].as_str().unwrap();
    // The digest is of the resolved text, and the text has the override in it.
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(toml_text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sc["sha256"], digest);
    let parsed: toml::Value = toml::from_str(toml_text).unwrap();
    assert_eq!(
        parsed["resources"]["icu_bed"]["capacity"].as_integer(),
        Some(14)
    );
    // Running the resolved scenario again gives the same results, byte for byte.
    let again = d.path().join("resolved.toml");
    std::fs::write(&again, toml_text).unwrap();
    let out2 = d.path().join("again");
    let o = hospsim()
        .arg("run")
        .arg(&again)
        .args(["--no-report", "-q", "--out"])
        .arg(&out2)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["replications.csv", "timeseries.csv"] {
        let same = std::fs::read(out.join(f)).unwrap() == std::fs::read(out2.join(f)).unwrap();
        assert!(same, "{f} differs when the resolved scenario is run again");
    }
    // The report says what changed.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let header = &html[html.find("<header>").unwrap()..html.find("</header>").unwrap()];
    assert!(
        header.contains(
            "What changed: sim.horizon=10 d · sim.warmup=1 d · resources.icu_bed.capacity=14"
        ),
        "no overrides in the header: {header}"
    );
}

#[cfg(unix)]
#[test]
fn an_interrupted_run_leaves_the_old_results_and_nothing_else() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("results");
    assert!(demo(&out, &["--no-report"]).status.success());
    let before = std::fs::read(out.join("run.json")).unwrap();
    for (signal, code) in [("-TERM", 143), ("-INT", 130)] {
        // A long run, stopped after a second.
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("hospsim"))
            .current_dir(repo(""))
            .args(["demo", "--reps", "400", "-q", "--out"])
            .arg(&out)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1500));
        let killed = std::process::Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{signal}: {err}");
        assert!(
            err.contains("interrupted") && !err.contains("panicked"),
            "{err}"
        );
        assert_eq!(std::fs::read(out.join("run.json")).unwrap(), before);
        no_staging_left(d.path());
    }
}

#[test]
fn a_single_output_file_is_whole_or_absent() {
    let d = tempfile::tempdir().unwrap();
    let log = d.path().join("logs/history.csv");
    let o = hospsim()
        .current_dir(repo(""))
        .args([
            "generate-history",
            "scenarios/general_hospital.toml",
            "--days",
            "2",
            "-q",
            "--out",
        ])
        .arg(&log)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(log.exists());
    no_staging_left(&d.path().join("logs"));
    // A folder in the file's place is refused.
    let o = hospsim()
        .current_dir(repo(""))
        .args([
            "generate-history",
            "scenarios/general_hospital.toml",
            "--days",
            "1",
            "--out",
        ])
        .arg(d.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("is a folder"), "{err}");
}

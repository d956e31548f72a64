//! History inputs: Synthea encounters, and bad logs and snapshots refused or
//! listed with their line numbers.

use crate::{hospsim, repo};
use serde_json::Value;
use std::path::Path;

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn run_ok(args: &[&str], dir: &Path) -> String {
    let out = hospsim()
        .current_dir(repo(""))
        .args(args)
        .arg("--out")
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn synthea_encounters_are_read_as_visits() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fit");
    let stdout = run_ok(&["fit", "data/synthea/encounters.csv"], &out);
    assert!(stdout.contains("Synthea encounters"), "{stdout}");
    let fit = read_json(&out.join("fit.json"));
    let classes: Vec<&str> = fit["arrivals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["class"].as_str().unwrap())
        .collect();
    for c in ["emergency", "inpatient", "ambulatory", "wellness"] {
        assert!(classes.contains(&c), "{classes:?}");
    }
    // The encounter whose STOP is before its START is rejected with its line.
    let rejects = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    assert!(rejects.contains("is before START"), "{rejects}");
    let emergency = fit["capacity"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["unit"] == "ed")
        .unwrap();
    assert!(emergency["peak_census"].as_u64().unwrap() >= 1);
}

/// Writes `text` to a file in `dir` and returns its path.
fn file(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().to_string()
}

#[test]
fn bad_logs_and_snapshots_are_refused_or_listed_with_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let head = "patient_id,class,acuity,unit,event,timestamp\n";
    let log = file(
        d,
        "bad.csv",
        &format!(
            "{head}a,ed,3,ed,arrival,2025-01-06T08:00\n\
             a,ed,3,ed,seen,2025-01-06 07:00\n\
             b,ed,3,ed,arrival,06/01/2025 08:00\n\
             c,ed,9,ed,arrival,2025-01-06T09:00\n\
             d,ed,2,ed,seen,2025-01-06T09:00\n\
             a,ed,3,ed,sen,2025-01-06T09:00\n\
             a,ed,3,,admit,2025-01-06T09:30\n\
             a,ed,3,,discharge,2025-01-06T10:00\n\
             a,ed,3,ed,triage,2025-01-06T11:00\n\
             e,ed,3,ed,arrival\n\
             f,ed,3,ed,arrival,2025-01-06T12:00\n\
             g,ed,3,ed,arrival,2025-01-08T12:00\n"
        ),
    );
    let out = d.join("fit");
    run_ok(&["fit", &log, "-q"], &out);
    let rejects = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    for (line, reason) in [
        (3, "out of order"),
        (4, "is not a timestamp"),
        (5, "is not 1..5"),
        (6, "before the patient's arrival"),
        (7, "unknown event \"\"sen\"\""),
        (8, "needs a unit"),
        (10, "after the patient's departure"),
        (11, "fields where the header has 6"),
    ] {
        assert!(
            rejects
                .lines()
                .any(|l| l.starts_with(&format!("{line},")) && l.contains(reason)),
            "line {line}: '{reason}' not in\n{rejects}"
        );
    }
    assert_eq!(rejects.lines().count(), 9, "{rejects}");
    // --strict stops at the first bad row, naming file and line.
    let o = hospsim()
        .args(["fit", &log, "--strict", "--out"])
        .arg(d.join("s"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("bad.csv:3: out of order"),
        "{err}"
    );
    // A log that is not one.
    let nolog = file(d, "nolog.csv", "a,b,c\n1,2,3\n");
    let o = hospsim()
        .args(["fit", &nolog, "--out"])
        .arg(d.join("n"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("nolog.csv:1: the header lacks column(s) patient_id, class, event, timestamp"),
        "{err}"
    );
    // Validating against a scenario: units and classes must be the scenario's.
    let unknown = file(
        d,
        "unknown_unit.csv",
        &format!(
            "{head}a,ed,3,resus,arrival,2025-01-06T08:00\na,ed,3,,discharge,2025-01-06T09:00\nb,ed,3,ed,arrival,2025-01-06T08:00\n"
        ),
    );
    let o = hospsim()
        .current_dir(repo(""))
        .args([
            "validate",
            "scenarios/general_hospital.toml",
            "--log",
            &unknown,
            "--strict",
            "--reps",
            "2",
            "--out",
        ])
        .arg(d.join("v"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("unknown_unit.csv:2: unknown unit \"resus\"") && err.contains("medical_ward"),
        "{err}"
    );
    // A snapshot naming a unit the scenario lacks.
    let snap = file(
        d,
        "snap.csv",
        "patient_id,unit,class,arrived_at\np1,medical_ward,ed,2025-01-06T08:00\np2,cardiology,ed,2025-01-06T08:00\n",
    );
    let o = hospsim()
        .current_dir(repo(""))
        .args([
            "project",
            "scenarios/general_hospital.toml",
            "--snapshot",
            &snap,
            "--out",
        ])
        .arg(d.join("p"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("snap.csv:3: unknown unit \"cardiology\""),
        "{err}"
    );
    let snap = file(
        d,
        "snap2.csv",
        "patient_id,unit,class,arrived_at\np1,medical_ward,ed,yesterday\n",
    );
    let o = hospsim()
        .current_dir(repo(""))
        .args([
            "project",
            "scenarios/general_hospital.toml",
            "--snapshot",
            &snap,
            "--out",
        ])
        .arg(d.join("p2"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("snap2.csv:2: arrived_at: \"yesterday\" is not a timestamp"),
        "{err}"
    );
}

#[test]
fn every_command_is_described_in_the_help() {
    let out = hospsim().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let commands: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .collect();
    for c in ["generate-history", "fit", "validate", "project", "check"] {
        let line = commands
            .iter()
            .find(|l| l.trim_start().starts_with(&format!("{c} ")))
            .unwrap_or_else(|| panic!("{c} missing:\n{help}"));
        assert!(
            line.split_whitespace().count() > 2,
            "{c} has no description: {line}"
        );
    }
    for line in &commands {
        assert!(
            line.split_whitespace().count() > 1,
            "a command without a description: {line}"
        );
    }
}

/// The corpus of broken logs and snapshots (`tests/broken_logs/`): every file
/// is refused at its first bad row with file, line and reason, never a panic.
#[test]
fn every_broken_log_is_refused_with_its_line_and_reason() {
    let dir = repo("tests/broken_logs");
    let expect = std::fs::read_to_string(dir.join("EXPECT")).unwrap();
    let out = tempfile::tempdir().unwrap();
    let mut cases = 0;
    for line in expect
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let parts: Vec<&str> = line.splitn(3, " | ").collect();
        let (file, command, want) = (parts[0], parts[1], parts[2]);
        let path = dir.join(file);
        let path = path.to_str().unwrap();
        let mut cmd = hospsim();
        cmd.current_dir(repo(""));
        match command {
            "fit" => cmd.args(["fit", path, "--strict"]),
            "validate" => cmd.args([
                "validate",
                "scenarios/general_hospital.toml",
                "--log",
                path,
                "--strict",
                "--reps",
                "1",
            ]),
            "project" => cmd.args([
                "project",
                "scenarios/general_hospital.toml",
                "--snapshot",
                path,
            ]),
            other => panic!("unknown command {other} in EXPECT"),
        };
        let o = cmd
            .arg("--out")
            .arg(out.path().join(file))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{file}: {err}");
        assert!(!err.contains("panicked"), "{file} panicked: {err}");
        assert!(err.contains(want), "{file}: expected '{want}' in:\n{err}");
        cases += 1;
    }
    assert!(cases >= 15, "{cases}");
}

#[test]
fn a_log_without_units_or_acuity_still_gives_a_runnable_scenario() {
    // Arrivals and departures only, Windows line ends, a byte-order mark.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("\u{feff}patient_id,class,event,timestamp\r\n");
    for day in 6..13 {
        for (k, hour) in [8, 11, 15, 19].iter().enumerate() {
            text.push_str(&format!(
                "p{day}{k},walk_in,arrival,2025-01-{day:02}T{hour:02}:00\r\n"
            ));
            text.push_str(&format!(
                "p{day}{k},walk_in,discharge,2025-01-{day:02}T{hour:02}:{:02}\r\n",
                20 + 7 * k
            ));
        }
    }
    let log = dir.path().join("log.csv");
    std::fs::write(&log, text).unwrap();
    let out = dir.path().join("fit");
    run_ok(&["fit", log.to_str().unwrap(), "-q"], &out);
    let fitted = std::fs::read_to_string(out.join("fitted.toml")).unwrap();
    assert!(fitted.contains("[resources.hospital]"), "{fitted}");
    run_ok(
        &[
            "run",
            out.join("fitted.toml").to_str().unwrap(),
            "--reps",
            "2",
            "--no-report",
            "-q",
        ],
        &dir.path().join("run"),
    );
    // A log shorter than a day is refused with a hint.
    let short = dir.path().join("short.csv");
    std::fs::write(
        &short,
        "patient_id,class,event,timestamp\na,x,arrival,2025-01-06T08:00\n",
    )
    .unwrap();
    let o = hospsim()
        .args(["fit", short.to_str().unwrap(), "--out"])
        .arg(dir.path().join("s"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("fit needs at least a day") && err.contains("hint"),
        "{err}"
    );
}

//! History inputs: Synthea encounters, and bad logs and snapshots refused or
//! listed with their line numbers.

use crate::{hospsim, read_json, repo, run_err, run_ok};
use std::path::Path;

#[test]
fn synthea_encounters_are_read_as_visits() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fit");
    // Synthea's times are UTC: read in the wall clock of the synthetic
    // patients' Massachusetts.
    let stdout = run_ok(
        &[
            "fit",
            "data/synthea/encounters.csv",
            "--time-zone",
            "America/New_York",
        ],
        &out,
    );
    assert!(stdout.contains("Synthea encounters"), "{stdout}");
    let fitted = std::fs::read_to_string(out.join("fitted.toml")).unwrap();
    assert!(
        fitted.contains("time_zone = \"America/New_York\""),
        "{fitted}"
    );
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
    // Inpatients with no STOP are still in: their stays are counted as cut.
    let ward = fit["censoring"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["unit"] == "ward")
        .unwrap();
    assert_eq!(ward["censored"], 2, "{ward}");
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
    // Each kind of bad row alone, with --strict and its file:line, is in the
    // corpus tests/broken_logs/ (every_broken_log_is_refused_...).
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
        // Words after the command are extra flags (`fit --time-zone UTC`).
        let mut words = command.split_whitespace();
        let command = words.next().unwrap_or("");
        let mut args: Vec<&str> = match command {
            "fit" => vec!["fit", path, "--strict"],
            "validate" => vec![
                "validate",
                "scenarios/general_hospital.toml",
                "--log",
                path,
                "--strict",
                "--reps",
                "1",
            ],
            "project" => vec![
                "project",
                "scenarios/general_hospital.toml",
                "--snapshot",
                path,
            ],
            other => panic!("unknown command {other} in EXPECT"),
        };
        args.extend(words);
        let err = run_err(&args, &out.path().join(file));
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
    let err = run_err(&["fit", short.to_str().unwrap()], &dir.path().join("s"));
    assert!(
        err.contains("fit needs at least a day") && err.contains("hint"),
        "{err}"
    );
}

/// A CSV field, quoted.
fn csv_field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Eight days of a log whose class and unit names are anything but
/// identifiers: arrival in the first unit, seen there, a move to the second,
/// discharge.
fn log_with_names(classes: &[&str], units: [&str; 2]) -> String {
    let mut text = String::from("patient_id,class,acuity,unit,event,timestamp\n");
    let (first, second) = (csv_field(units[0]), csv_field(units[1]));
    for day in 6..14 {
        for (c, class) in classes.iter().enumerate() {
            for (k, hour) in [7, 11, 15, 19].iter().enumerate() {
                let (id, class) = (format!("p{day}{c}{k}"), csv_field(class));
                let at = |h: usize, m: usize| format!("2025-01-{day:02}T{h:02}:{m:02}");
                let (h, m) = (*hour, 10 + 9 * k + 3 * c);
                for (unit, event, time) in [
                    (&first, "arrival", at(h, 0)),
                    (&first, "seen", at(h, m)),
                    (&second, "admit", at(h + 1, m)),
                    (&String::new(), "discharge", at(h + 3, m + k)),
                ] {
                    text.push_str(&format!("{id},{class},3,{unit},{event},{time}\n"));
                }
            }
        }
    }
    text
}

#[test]
fn fit_keeps_the_names_of_the_log_whatever_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let classes = ["Walk-in \"A\" \\ 急诊", "<script>alert(1)</script>"];
    let units = ["急诊", "ICU-1 \\ \"west\"\nwing"];
    let log = file(d, "names.csv", &log_with_names(&classes, units));
    let name = "Fitted \"as is\" from C:\\logs\\names.csv";
    let out = d.join("fit");
    run_ok(&["fit", &log, "--name", name, "-q"], &out);
    let fitted = out.join("fitted.toml");
    let s: toml::Table = toml::from_str(&std::fs::read_to_string(&fitted).unwrap()).unwrap();
    assert_eq!(s["name"].as_str(), Some(name));
    let arrivals: Vec<&String> = s["arrivals"].as_table().unwrap().keys().collect();
    assert_eq!(arrivals, classes);
    let h = &s["history"];
    let read: Vec<&String> = h["units"].as_table().unwrap().keys().collect();
    assert_eq!(read, units);
    assert_eq!(h["arrival_unit"][classes[0]].as_str(), Some(units[0]));
    // The fitted scenario holds against the log it came from: every row read.
    let fitted = fitted.to_str().unwrap();
    run_ok(
        &["validate", fitted, "--log", &log, "--reps", "2", "-q"],
        &d.join("validate"),
    );
    assert!(!d.join("validate/rejects.csv").exists());
    // Two names that would be one identifier are refused, as before: the
    // rows of the second are rejects, and --strict stops at the first.
    let clash = file(d, "clash.csv", &log_with_names(&["a"], ["ICU-1", "icu_1"]));
    run_ok(&["fit", &clash, "-q"], &d.join("clash"));
    let rejects = std::fs::read_to_string(d.join("clash/rejects.csv")).unwrap();
    assert!(
        rejects.contains("differ only in case or punctuation"),
        "{rejects}"
    );
    let err = run_err(&["fit", &clash, "--strict"], &d.join("clash_strict"));
    assert!(
        err.contains("unit \"icu_1\" and \"ICU-1\" differ only in case or punctuation"),
        "{err}"
    );
}

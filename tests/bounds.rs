//! Every size a user controls is bounded, and what used to give a silent wrong
//! answer is a clear error: flags, sweep grids, forecasts, fits, projections,
//! logs; and printing never panics (a closed pipe, a full device).

use crate::{repo, run_err, run_ok};
use std::io::Read;
use std::process::Stdio;

fn out() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// A small scenario in a temporary file.
fn small(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("small.toml");
    std::fs::write(
        &p,
        r#"name = "small"
[sim]
horizon = "3 d"
replications = 2
[resources.bed]
capacity = 2
[arrivals.a]
pathway = "p"
per_day = 5
[pathways.p]
steps = [ { activity = "stay", use = ["bed"], duration = { exponential = { mean = "4 h" } } }, { exit = "discharged" } ]
"#,
    )
    .unwrap();
    p
}

#[test]
fn run_flags_are_bounded() {
    let d = out();
    let f = small(d.path());
    let f = f.to_str().unwrap();
    let e = run_err(&["run", f, "--reps", "1000000000"], &d.path().join("a"));
    assert!(e.contains("--reps 1000000000: at most 100000"), "{e}");
    let e = run_err(&["run", f, "--threads", "10000"], &d.path().join("b"));
    assert!(e.contains("--threads 10000: at most 512"), "{e}");
    let e = run_err(
        &["run", f, "--set", "sim.horizon=1e9 d"],
        &d.path().join("c"),
    );
    assert!(
        e.contains("out of range") && !e.contains("unknown unit"),
        "{e}"
    );
}

#[test]
fn sweep_grids_are_checked_before_they_are_built() {
    let d = out();
    let f = small(d.path());
    let f = f.to_str().unwrap();
    // A range of a billion values is counted, not materialised.
    let e = run_err(
        &[
            "sweep",
            f,
            "--param",
            "resources.bed.capacity=1..1000000000",
        ],
        &d.path().join("a"),
    );
    assert!(e.contains("1000000000 values is more than the 1000"), "{e}");
    // The grid size is checked as it grows (no overflow).
    let many: Vec<String> = (0..12)
        .map(|i| format!("arrivals.a.per_day={}..{}", 1, 10 + i))
        .collect();
    let mut args = vec!["sweep", f];
    for p in &many {
        args.extend(["--param", p.as_str()]);
    }
    let e = run_err(&args, &d.path().join("b"));
    assert!(e.contains("given twice"), "{e}");
    let e = run_err(
        &[
            "sweep",
            f,
            "--param",
            "resources.bed.capacity=1..999",
            "--param",
            "arrivals.a.per_day=1..999",
            "--param",
            "sim.replications=1..999",
        ],
        &d.path().join("c"),
    );
    assert!(
        e.contains("more than the 10000 points") && e.contains("999 x 999 x 999"),
        "{e}"
    );
    let e = run_err(
        &[
            "sweep",
            f,
            "--param",
            "resources.bed.capacity=2,3",
            "--set",
            "resources.bed.capacity=4",
        ],
        &d.path().join("d"),
    );
    assert!(e.contains("a field is either fixed or swept"), "{e}");
}

#[test]
fn forecasts_refuse_what_they_cannot_do_honestly() {
    let d = out();
    let series = "data/ed_arrivals_daily.csv";
    let e = run_err(
        &["forecast", series, "--horizon", "1000000"],
        &d.path().join("a"),
    );
    assert!(e.contains("--horizon 1000000: at most 100000"), "{e}");
    // A series that ends near the end of the calendar.
    let late = d.path().join("late.csv");
    let mut text = String::from("unique_id,ds,y\n");
    for k in 0..40 {
        text.push_str(&format!("s,9999-11-{:02},{}\n", (k % 30) + 1, 10 + k % 3));
        if k == 29 {
            break;
        }
    }
    std::fs::write(&late, text).unwrap();
    let e = run_err(
        &[
            "forecast",
            late.to_str().unwrap(),
            "--horizon",
            "60",
            "--model",
            "naive",
        ],
        &d.path().join("b"),
    );
    assert!(e.contains("before the calendar ends (9999-12-31)"), "{e}");
    // Values a model would overflow on.
    let huge = d.path().join("huge.csv");
    std::fs::write(
        &huge,
        "unique_id,ds,y\ns,2025-01-01,1e308\ns,2025-01-02,1e308\n",
    )
    .unwrap();
    let e = run_err(&["forecast", huge.to_str().unwrap()], &d.path().join("c"));
    assert!(e.contains("is beyond the 1e15"), "{e}");
    let e = run_err(
        &["backtest", series, "--step", "0", "--horizon", "7"],
        &d.path().join("d"),
    );
    assert!(e.contains("--step must be at least 1"), "{e}");
    let e = run_err(
        &["backtest", series, "--folds", "1000000"],
        &d.path().join("e"),
    );
    assert!(e.contains("--folds 1000000: at most 1000"), "{e}");
    let e = run_err(
        &["backtest", series, "--folds", "900", "--horizon", "7"],
        &d.path().join("f"),
    );
    assert!(
        e.contains("holds") && e.contains("fold(s) of horizon 7"),
        "{e}"
    );
}

#[test]
fn fit_takes_any_name_and_refuses_bad_shares() {
    let d = out();
    let name = "Ward \"A\" \\ west\nwing";
    run_ok(
        &["fit", "data/history.csv", "--name", name, "-q"],
        &d.path().join("fit"),
    );
    let text = std::fs::read_to_string(d.path().join("fit/fitted.toml")).unwrap();
    let s: toml::Value = toml::from_str(&text).unwrap();
    assert_eq!(s["name"].as_str(), Some(name));
    let e = run_err(
        &["fit", "data/history.csv", "--min-share", "2"],
        &d.path().join("bad"),
    );
    assert!(
        e.contains("--min-share must be a share") && !e.contains("bug"),
        "{e}"
    );
    // Every milestone left out: the fitted scenario still loads (no KPI on it).
    run_ok(
        &["fit", "data/history.csv", "--min-share", "0.999", "-q"],
        &d.path().join("strict"),
    );
}

#[test]
fn logs_with_gaps_need_leave() {
    let d = out();
    let gap = "tests/broken_logs/gap.csv";
    let e = run_err(&["fit", gap], &d.path().join("a"));
    assert!(
        e.contains("no events for 64 days") && e.contains("--allow-gaps"),
        "{e}"
    );
    run_ok(&["fit", gap, "--allow-gaps", "-q"], &d.path().join("b"));
    let e = run_err(
        &[
            "run",
            "scenarios/general_hospital.toml",
            "--replay",
            "tests/broken_logs/year_typo.csv",
        ],
        &d.path().join("c"),
    );
    assert!(e.contains("year_typo.csv:5: timestamp 2205-01-06"), "{e}");
}

#[test]
fn project_refuses_a_census_far_from_its_start() {
    let d = out();
    let e = run_err(
        &[
            "project",
            "scenarios/general_hospital.toml",
            "--snapshot",
            "data/census.csv",
            "--at",
            "9999-12-31T00:00",
        ],
        &d.path().join("a"),
    );
    assert!(
        e.contains("days earlier") && e.contains("at most 7 days"),
        "{e}"
    );
}

#[test]
fn a_closed_pipe_ends_quietly_and_a_full_device_is_an_error() {
    let d = out();
    let f = small(d.path());
    // Enough output to fill the pipe after the reader has gone.
    let files: Vec<&std::path::Path> = std::iter::repeat_n(f.as_path(), 3000).collect();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("hospsim"))
        .arg("check")
        .args(&files)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    let mut stdout = child.stdout.take().unwrap();
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "exit {status:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");

    if std::path::Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = std::process::Command::new(assert_cmd::cargo::cargo_bin!("hospsim"))
            .current_dir(repo(""))
            .arg("check")
            .arg(&f)
            .stdout(full)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("cannot write to standard output"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[cfg(unix)]
#[test]
fn endless_inputs_are_refused_before_they_fill_the_memory() {
    let d = out();
    // A device that never ends, as every kind of input.
    let e = run_err(&["fit", "/dev/zero"], &d.path().join("a"));
    assert!(
        e.contains("/dev/zero: cannot read: a line is longer than 1 MiB"),
        "{e}"
    );
    let e = run_err(&["forecast", "/dev/zero"], &d.path().join("b"));
    assert!(e.contains("a line is longer than 1 MiB"), "{e}");
    let e = run_err(
        &[
            "project",
            "scenarios/general_hospital.toml",
            "--snapshot",
            "/dev/zero",
        ],
        &d.path().join("c"),
    );
    assert!(e.contains("a line is longer than 1 MiB"), "{e}");
    let variant = d.path().join("variant.toml");
    std::fs::write(&variant, "extends = \"/dev/zero\"\n").unwrap();
    let e = run_err(&["run", variant.to_str().unwrap()], &d.path().join("d"));
    assert!(e.contains("larger than the 16 MiB"), "{e}");
}

//! The fuzzing regression cases (`tests/broken_fuzz/`), replayed through the
//! commands a user runs: each ends with a result or a clear error, never a
//! panic or an abort.

use crate::{hospsim, repo};
use std::path::PathBuf;

fn cases(target: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo("tests/broken_fuzz").join(target))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// The input without its flag byte, in a file.
fn body(dir: &std::path::Path, case: &std::path::Path) -> (u8, PathBuf) {
    let bytes = std::fs::read(case).unwrap();
    let (flags, rest) = bytes.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
    let p = dir.join(case.file_name().unwrap());
    std::fs::write(&p, rest).unwrap();
    (flags, p)
}

fn ends_cleanly(what: &str, o: std::process::Output) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "{what}: exit {:?}\n{err}",
        o.status
    );
    assert!(!err.contains("panicked"), "{what} panicked:\n{err}");
    if o.status.code() == Some(1) {
        assert!(
            err.starts_with("error: "),
            "{what}: no error message:\n{err}"
        );
    }
}

#[test]
fn fuzzing_regressions_end_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let mut n = 0;
    for case in cases("scenario") {
        let o = hospsim().arg("check").arg(&case).output().unwrap();
        ends_cleanly(&case.display().to_string(), o);
        n += 1;
    }
    for case in cases("event_log") {
        let (flags, log) = body(tmp.path(), &case);
        let mut cmd = hospsim();
        cmd.current_dir(repo("")).arg("fit").arg(&log).arg("-q");
        if flags & 1 != 0 {
            cmd.arg("--strict");
        }
        if flags & 2 != 0 {
            cmd.arg("--allow-gaps");
        }
        let out = tmp.path().join(format!("fit{n}"));
        ends_cleanly(
            &case.display().to_string(),
            cmd.arg("--out").arg(out).output().unwrap(),
        );
        n += 1;
    }
    for case in cases("series") {
        let (flags, series) = body(tmp.path(), &case);
        let fill = ["none", "zero", "interpolate"][flags as usize % 3];
        let mut cmd = hospsim();
        cmd.arg("forecast").arg(&series).args([
            "--fill",
            fill,
            "--model",
            "naive",
            "--no-report",
            "-q",
        ]);
        if flags & 4 != 0 {
            cmd.arg("--allow-negative");
        }
        let out = tmp.path().join(format!("fc{n}"));
        ends_cleanly(
            &case.display().to_string(),
            cmd.arg("--out").arg(out).output().unwrap(),
        );
        n += 1;
    }
    for case in cases("snapshot") {
        let out = tmp.path().join(format!("pr{n}"));
        let o = hospsim()
            .current_dir(repo(""))
            .args([
                "project",
                "scenarios/general_hospital.toml",
                "--hours",
                "1",
                "--reps",
                "1",
                "-q",
            ])
            .arg("--snapshot")
            .arg(&case)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap();
        ends_cleanly(&case.display().to_string(), o);
        n += 1;
    }
    assert!(n >= 4, "the regression corpus is empty");
}

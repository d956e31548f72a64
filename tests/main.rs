//! End-to-end tests of the `hospsim` binary: one integration binary, a module per area.

mod bounds;
mod broken;
mod cli;
mod csv_files;
mod forecasting;
mod fuzz_regressions;
mod history;
mod history_inputs;
mod hourly;
mod regressors;
mod report;
mod results_folders;
mod schema;
mod selection;
mod studies;
mod time_zones;

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The `hospsim` binary under test.
pub fn hospsim() -> Command {
    assert_cmd::cargo::cargo_bin_cmd!("hospsim")
}

/// A path relative to the repository root.
pub fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Every scenario file the project ships, in a stable order.
pub fn shipped_scenarios() -> Vec<PathBuf> {
    let mut files = vec![];
    for sub in [
        "scenarios",
        "scenarios/whatif",
        "scenarios/drills",
        "scenarios/bench",
    ] {
        for e in std::fs::read_dir(repo(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// A text result file (the path in the panic if it is missing).
pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A JSON result file.
pub fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// Runs `hospsim ARGS --out OUT` from the repository root; it must succeed.
/// Returns its standard output.
pub fn run_ok(args: &[&str], out: &Path) -> String {
    let o = hospsim()
        .current_dir(repo(""))
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs `hospsim ARGS --out OUT` from the repository root; it must fail with
/// exit code 1 and no panic. Returns its standard error.
pub fn run_err(args: &[&str], out: &Path) -> String {
    let o = hospsim()
        .current_dir(repo(""))
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    err
}

//! End-to-end tests of the `hospsim` binary: one integration binary, a module per area.

mod broken;
mod cli;
mod forecasting;
mod history;
mod history_inputs;
mod report;

use assert_cmd::Command;
use std::path::PathBuf;

/// The `hospsim` binary under test.
pub fn hospsim() -> Command {
    assert_cmd::cargo::cargo_bin_cmd!("hospsim")
}

/// A path relative to the repository root.
pub fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

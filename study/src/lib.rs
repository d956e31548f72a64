//! # hospsim-study
//!
//! Studies built on the engine, as library functions that take compiled
//! models and return values, so that every front end (the CLI, the server,
//! the Python package) runs them the same way: [`compare`] runs variants
//! against a base on common random numbers and gives paired differences,
//! [`sweep`] runs a grid of parameter values and finds the cheapest point
//! meeting a target, [`drill`] runs a crisis drill beside its no-drill
//! baseline and tells its story (saturation, recovery, peak needs, responses).

pub mod compare;
pub mod drill;
pub mod sweep;

use hospsim_sim::SimError;
use hospsim_sim::plan::PlanError;
use std::sync::atomic::AtomicBool;

/// How a study runs: none of these changes a result.
#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// Worker threads.
    pub threads: usize,
    /// Stops the study when set (an interrupt).
    pub cancel: Option<&'a AtomicBool>,
    /// Called after each replication.
    pub progress: &'a (dyn Fn() + Sync),
}

impl Options<'_> {
    /// `threads` workers, no cancel flag, no progress.
    pub fn threads(threads: usize) -> Options<'static> {
        Options {
            threads,
            cancel: None,
            progress: &|| {},
        }
    }

    fn run(&self) -> hospsim_sim::runner::RunOptions<'_> {
        hospsim_sim::runner::RunOptions {
            threads: self.threads,
            trace: false,
            trace_replications: None,
            cancel: self.cancel,
        }
    }
}

/// Why a study could not be done.
#[derive(Debug, thiserror::Error)]
pub enum StudyError {
    /// A run failed (a loop, an overload, an interrupt, bad options).
    #[error(transparent)]
    Sim(#[from] SimError),
    /// A run plan did not fit its model.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// What was asked for cannot be done (too few replications, a target
    /// naming no KPI, a grid too large); the message says why and how to fix it.
    #[error("{0}")]
    Input(String),
}

fn input<T>(msg: impl Into<String>) -> Result<T, StudyError> {
    Err(StudyError::Input(msg.into()))
}

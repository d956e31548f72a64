//! # hospsim-sim
//!
//! The discrete-event simulation kernel of hospsim and its hospital model.
//!
//! A [`scenario::Scenario`] (deserialised from TOML by the CLI) is compiled by
//! [`compile::compile`] into a [`model::Model`]: flat tables and a program of
//! steps, with every name resolved to an index. [`runner::run`] then runs
//! replications of the model in parallel and [`runner::summarize`] turns them into
//! a [`results::Summary`] with confidence intervals.
//!
//! This crate does no file IO and no printing: it takes values and returns values.

pub mod compile;
pub mod dist;
pub mod duration;
pub mod engine;
pub mod error;
pub mod history;
pub mod limits;
pub mod model;
pub mod plan;
pub mod runner;
pub mod scenario;
pub mod timestamp;

pub use hospsim_results::summary as results;
pub use hospsim_results::{compare, stats};

pub use compile::compile;
pub use error::{ScenarioError, ScenarioErrors, SimError};
pub use model::Model;
pub use scenario::Scenario;

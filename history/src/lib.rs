//! # hospsim-history
//!
//! What hospsim learns from and holds against a hospital's history: patient
//! visits and their unit stays read from an event log ([`visits`]), the
//! measures taken on them, the same on a real and a simulated log
//! ([`measure`]), distribution fitting with AIC and Kolmogorov-Smirnov
//! ([`distfit`]), the runnable scenario learned from a log ([`derive`]), a
//! log replayed as a run plan ([`replay`]) and a scenario held against a log
//! ([`validate`]).
//! The event vocabulary itself is the engine's (`hospsim_sim::history`).

pub mod derive;
pub mod distfit;
pub mod measure;
pub mod project;
pub mod replay;
pub mod time;
pub mod validate;
pub mod visits;

pub use visits::{Visit, Visits};

fn minutes_text(minutes: f64) -> String {
    time::format_minutes(minutes)
}

fn minute_of_week(minutes: f64) -> f64 {
    time::minute_of_week(minutes)
}

//! # hospsim-history
//!
//! What hospsim learns from and holds against a hospital's history: patient
//! visits and their unit stays read from an event log ([`visits`]), the
//! measures taken on them, the same on a real and a simulated log
//! ([`measure`]), distribution fitting with AIC and Kolmogorov-Smirnov
//! ([`distfit`]), and the runnable scenario learned from a log ([`derive`]).
//! The event vocabulary itself is the engine's (`hospsim_sim::history`).

pub mod derive;
pub mod distfit;
pub mod measure;
pub mod visits;

pub use visits::{Visit, Visits};

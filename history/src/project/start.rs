//! Where a projection starts: its time, the age of its census, the scenario
//! overrides that make a run a projection, and arrivals from a forecast.

use super::{CensusEntry, Forecasts, hourly_rates};
use hospsim_sim::Model;
use hospsim_sim::plan::Arrivals;

/// Longest a census may be older than the projection's start: a census far
/// older says nothing about who is in hospital then.
pub const MAX_CENSUS_AGE_DAYS: f64 = 7.0;

/// Most hours a projection looks ahead (a leap year).
pub const MAX_PROJECTION_HOURS: u32 = 24 * 366;

/// Refuses a projection length outside 1..=[`MAX_PROJECTION_HOURS`].
pub fn check_hours(hours: u32) -> Result<(), String> {
    if hours == 0 || hours > MAX_PROJECTION_HOURS {
        return Err(format!(
            "the projection must look 1 to {MAX_PROJECTION_HOURS} hours ahead, not {hours}"
        ));
    }
    Ok(())
}

/// When a projection starts and how old its census is by then.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProjectionStart {
    /// Start, minutes since 1970 on the wall clock, a whole minute.
    pub at: f64,
    /// The census's latest event (arrival or admission), when it has patients.
    pub latest: Option<f64>,
}

impl ProjectionStart {
    /// Days from the census's latest event to the start (0 without patients).
    pub fn census_age_days(&self) -> f64 {
        self.latest.map_or(0.0, |l| (self.at - l) / 1440.0)
    }
}

/// Why a projection cannot start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StartError {
    /// No patients in the census and no start time given.
    NoPatients,
    /// The census's latest event is more than [`MAX_CENSUS_AGE_DAYS`] before
    /// the start.
    CensusTooOld {
        /// The start asked for.
        at: f64,
        /// The census's latest event.
        latest: f64,
    },
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::NoPatients => f.write_str(
                "the snapshot has no patients; give a start time to project from an empty hospital",
            ),
            StartError::CensusTooOld { at, latest } => write!(
                f,
                "the snapshot's latest event is at {}, {:.0} days before the start {}; a projection starts from the patients in hospital at its start",
                crate::minutes_text(*latest),
                (at - latest) / 1440.0,
                crate::minutes_text(*at)
            ),
        }
    }
}

impl std::error::Error for StartError {}

/// The start of a projection from census `entries`: `at` when given, else
/// the census's latest event, rounded up to a whole minute.
///
/// ```
/// use hospsim_history::project::{CensusEntry, StartError, projection_start};
/// let bed = |arrived: f64| CensusEntry { line: 2, unit: "icu".into(), class: "medical".into(),
///                                        acuity: 2, arrived, admitted: arrived };
/// let start = projection_start(&[bed(100.0), bed(250.5)], None).unwrap();
/// assert_eq!(start.at, 251.0);
/// // A census eight days before the start is refused.
/// let late = projection_start(&[bed(0.0)], Some(8.0 * 1440.0));
/// assert!(matches!(late, Err(StartError::CensusTooOld { .. })));
/// ```
pub fn projection_start(
    entries: &[CensusEntry],
    at: Option<f64>,
) -> Result<ProjectionStart, StartError> {
    let latest = entries
        .iter()
        .map(|r| r.admitted.max(r.arrived))
        .fold(f64::NEG_INFINITY, f64::max);
    let latest = latest.is_finite().then_some(latest);
    let at = at.or(latest).ok_or(StartError::NoPatients)?;
    if !at.is_finite() {
        return Err(StartError::NoPatients);
    }
    let at = at.ceil();
    if let Some(latest) = latest
        && at - latest > MAX_CENSUS_AGE_DAYS * 1440.0
    {
        return Err(StartError::CensusTooOld { at, latest });
    }
    Ok(ProjectionStart { at, latest })
}

/// The scenario overrides (`--set` lines) that make a run a projection: it
/// starts at `at`, runs `hours` with no warm-up and samples every hour.
pub fn projection_overrides(at: f64, hours: u32) -> Vec<String> {
    let start = crate::minutes_text(at);
    vec![
        format!("sim.start=\"{}\"", &start[..16.min(start.len())]),
        format!("sim.horizon=\"{hours} h\""),
        "sim.warmup=\"0 min\"".into(),
        "sim.sample_interval=\"1 h\"".into(),
    ]
}

/// Arrivals of the classes a forecast covers, for a run plan: the hourly
/// rates of [`hourly_rates`] from the projection's start, by class name.
pub fn forecast_arrivals(
    model: &Model,
    forecasts: &Forecasts,
    want_model: Option<&str>,
    at: f64,
    hours: usize,
) -> Result<Vec<(String, Arrivals)>, String> {
    Ok(hourly_rates(model, forecasts, want_model, at, hours)?
        .into_iter()
        .map(|(c, per_minute)| {
            (
                model.classes[c].name.clone(),
                Arrivals::Rates {
                    start: 0.0,
                    step: 60.0,
                    per_minute,
                },
            )
        })
        .collect())
}

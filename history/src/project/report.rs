//! `projection.json`: a projection as front ends read it.

use super::UnitProjection;
use serde::Serialize;

/// A projection as `projection.json` holds it. Fields are in alphabetical
/// order, the order of the file's keys.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProjectionReport {
    /// Where arrivals came from: "the scenario's profile" or
    /// "forecast for CLASS, ...".
    pub arrivals: String,
    /// The start, `YYYY-MM-DDTHH:MM:SS` on the wall clock.
    pub at: String,
    /// Patients in hospital at the start.
    pub census_patients: usize,
    /// Hours projected.
    pub hours: usize,
    /// Replications behind every figure.
    pub replications: u32,
    /// The scenario's name.
    pub scenario: String,
    /// Version of this layout.
    pub schema_version: u32,
    /// Unit by unit.
    pub units: Vec<UnitReport>,
}

/// One unit of a [`ProjectionReport`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitReport {
    /// Hour by hour from the start (hour 0) to the end.
    pub hours: Vec<HourReport>,
    /// The highest chance over the hours that every bed is taken.
    pub max_p_full: f64,
    /// The unit's name.
    pub unit: String,
}

/// One hour of a [`UnitReport`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HourReport {
    /// Beds available.
    pub capacity: f64,
    /// Hours from the start.
    pub hour: usize,
    /// Mean patients in the unit.
    pub mean: f64,
    /// 5th percentile across replications.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Share of replications with every available bed taken.
    pub p_full: f64,
}

impl ProjectionReport {
    /// The report of `units` projected from `at` (minutes since 1970) for
    /// `hours` hours, with arrivals of the `forecast_classes` from a forecast
    /// (none: the scenario's profile).
    pub fn new(
        scenario: &str,
        replications: u32,
        at: f64,
        hours: usize,
        census_patients: usize,
        forecast_classes: &[String],
        units: &[UnitProjection],
    ) -> ProjectionReport {
        let units: Vec<UnitReport> = units
            .iter()
            .map(|u| {
                let by_hour: Vec<HourReport> = u
                    .hours
                    .iter()
                    .enumerate()
                    .map(|(hour, c)| HourReport {
                        capacity: c.capacity,
                        hour,
                        mean: c.mean,
                        p5: c.p5,
                        p50: c.p50,
                        p95: c.p95,
                        p_full: c.p_full,
                    })
                    .collect();
                UnitReport {
                    max_p_full: by_hour.iter().map(|h| h.p_full).fold(0.0, f64::max),
                    hours: by_hour,
                    unit: u.unit.clone(),
                }
            })
            .collect();
        ProjectionReport {
            arrivals: if forecast_classes.is_empty() {
                "the scenario's profile".to_string()
            } else {
                format!("forecast for {}", forecast_classes.join(", "))
            },
            at: crate::minutes_text(at),
            census_patients,
            hours,
            replications,
            scenario: scenario.to_string(),
            schema_version: 1,
            units,
        }
    }
}

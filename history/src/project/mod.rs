//! Census projection: the patients in hospital now carried forward hour by
//! hour, with arrivals from the scenario's profile or a forecast; per unit
//! and hour the occupancy across replications and the chance it is full.

mod report;
mod start;

pub use report::{HourReport, ProjectionReport, UnitReport};
pub use start::{
    MAX_CENSUS_AGE_DAYS, MAX_PROJECTION_HOURS, ProjectionStart, StartError, check_hours,
    forecast_arrivals, projection_overrides, projection_start,
};

use hospsim_sim::history::CensusPatient;
use hospsim_sim::model::ArrivalProcess;
use hospsim_sim::runner::{one, replicate};
use hospsim_sim::stats::ValueCounts;
use hospsim_sim::{Model, SimError};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

/// A patient in hospital at the snapshot's time, as a census lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct CensusEntry {
    /// Line of the row in its file.
    pub line: u64,
    /// Unit the patient is in (a `[history.units]` name).
    pub unit: String,
    /// The patient's class.
    pub class: String,
    /// Acuity 1..=5, or 0 when not given.
    pub acuity: u8,
    /// Arrival at the hospital, minutes since 1970.
    pub arrived: f64,
    /// Entry into the unit, minutes since 1970 (the arrival when not given).
    pub admitted: f64,
}

/// The census patients of `entries` at time `at` (minutes since 1970), in
/// `model`'s classes and units; the error names the entry's line.
pub fn census(
    model: &Model,
    entries: &[CensusEntry],
    at: f64,
) -> Result<Vec<CensusPatient>, (u64, String)> {
    let h = &model.history;
    let mut out = vec![];
    for r in entries {
        let Some(u) = h.unit(&r.unit) else {
            return Err((
                r.line,
                format!(
                    "unknown unit \"{}\" (the scenario's units: {})",
                    r.unit,
                    h.unit_names.join(", ")
                ),
            ));
        };
        let Some(c) = model.classes.iter().position(|k| k.name == r.class) else {
            return Err((
                r.line,
                format!(
                    "unknown class \"{}\" (the scenario's classes: {})",
                    r.class,
                    model
                        .classes
                        .iter()
                        .map(|k| k.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        if h.resume[u as usize].is_none() {
            return Err((
                r.line,
                format!(
                    "no pathway of the scenario seizes a resource of unit \"{}\"\n  hint: give [history.units.{}] resume = \"<pathway>\"",
                    r.unit, r.unit
                ),
            ));
        }
        if r.admitted > at || r.arrived > at {
            return Err((
                r.line,
                format!(
                    "the patient arrives after the snapshot time {}",
                    crate::minutes_text(at)
                ),
            ));
        }
        out.push(CensusPatient {
            class: c as u16,
            acuity: r.acuity,
            unit: u,
            elapsed: at - r.admitted,
            since_arrival: at - r.arrived,
        });
    }
    Ok(out)
}

/// Forecasts by class and model: (ds in minutes since 1970, mean, line).
pub type Forecasts = BTreeMap<String, BTreeMap<String, Vec<(f64, f64, u64)>>>;

/// Hourly arrival rates (per minute) of each class with a forecast, for
/// `hours` hours from `start` (minutes since 1970): a daily forecast is spread
/// over the day by the class's own hour-of-week profile.
pub fn hourly_rates(
    model: &Model,
    forecasts: &Forecasts,
    want_model: Option<&str>,
    start: f64,
    hours: usize,
) -> Result<BTreeMap<usize, Vec<f64>>, String> {
    let f = crate::minutes_text;
    let mut out = BTreeMap::new();
    for (class, models) in forecasts {
        let Some(c) = model.classes.iter().position(|k| &k.name == class) else {
            return Err(format!(
                "unique_id \"{class}\" is not a class of the scenario (classes: {})",
                model
                    .classes
                    .iter()
                    .map(|k| k.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        };
        let rows = match want_model {
            Some(w) => models.get(w).ok_or_else(|| {
                format!(
                    "no model \"{w}\" for \"{class}\" (models: {})",
                    models.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            })?,
            None if models.len() == 1 => {
                models.values().next().ok_or_else(|| "empty".to_string())?
            }
            None => {
                return Err(format!(
                    "\"{class}\" has forecasts of several models ({})\n  hint: choose one with --model",
                    models.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
        };
        let mut rows = rows.clone();
        rows.sort_by(|a, b| a.0.total_cmp(&b.0));
        let step = if rows.len() >= 2 {
            rows[1].0 - rows[0].0
        } else {
            1440.0
        };
        if step <= 0.0 {
            return Err(format!("line {}: repeated ds for \"{class}\"", rows[1].2));
        }
        // The class's own hour-of-week profile spreads a daily forecast over the day.
        let weight = |t: f64| match &model.classes[c].process {
            ArrivalProcess::Poisson { rate_per_min, .. } => {
                rate_per_min[(crate::minute_of_week(t) / 60.0) as usize % 168]
            }
            _ => 1.0,
        };
        let mut rates = vec![0.0; hours];
        for (h, rate) in rates.iter_mut().enumerate() {
            let t = start + 60.0 * h as f64 + 30.0;
            let Some(&(ds, mean, _)) = rows.iter().rev().find(|r| r.0 <= t) else {
                return Err(format!(
                    "the forecast for \"{class}\" starts at {}, after the projection's start {}",
                    f(rows[0].0),
                    f(start)
                ));
            };
            if t >= ds + step {
                return Err(format!(
                    "the forecast for \"{class}\" ends at {} but the projection runs to {}\n  hint: forecast further (--horizon) or project fewer --hours",
                    f(ds + step),
                    f(start + 60.0 * hours as f64)
                ));
            }
            let slots = (step / 60.0).round().max(1.0) as usize;
            let total: f64 = (0..slots)
                .map(|k| weight(ds + 60.0 * k as f64 + 30.0))
                .sum();
            let share = if total > 0.0 {
                weight(t) / total
            } else {
                1.0 / slots as f64
            };
            *rate = mean * share / 60.0;
        }
        out.insert(c, rates);
    }
    Ok(out)
}

/// One unit at one hour of a projection, across replications.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HourStats {
    /// Beds (units of its resources) available.
    pub capacity: f64,
    /// Mean patients holding them.
    pub mean: f64,
    /// 5th, 50th and 95th percentiles of that.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Share of replications in which every available bed was taken.
    pub p_full: f64,
    /// Mean patients waiting for the unit.
    pub waiting_mean: f64,
}

/// One unit's projection, hour 0 to the end.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitProjection {
    /// The unit's name.
    pub unit: String,
    /// Hour by hour.
    pub hours: Vec<HourStats>,
}

/// Runs `model` (planned with its census, start, hourly samples) and folds,
/// replication by replication, each unit's occupancy at each of `hours + 1`
/// sample times: exact counts for percentiles, how often it was full.
pub fn project(
    model: &Model,
    hours: usize,
    threads: usize,
    cancel: Option<&AtomicBool>,
    progress: &dyn Fn(),
) -> Result<Vec<UnitProjection>, SimError> {
    #[derive(Clone, Default)]
    struct Cell {
        occupied: ValueCounts,
        full: u64,
        waiting: f64,
        capacity: f64,
    }
    let units = &model.history.unit_names;
    let n_res = model.resources.len();
    let mut cells = vec![vec![Cell::default(); hours + 1]; units.len()];
    replicate(
        model.replications,
        threads,
        cancel,
        &|rep, stop| one(model, rep, false, false, stop),
        &mut |_, r| {
            for (u, row) in cells.iter_mut().enumerate() {
                let res = &model.history.unit_resources[u];
                for (k, cell) in row.iter_mut().enumerate() {
                    let Some(s) = r.samples.get(k * n_res..(k + 1) * n_res) else {
                        continue;
                    };
                    let busy: f64 = res.iter().map(|&i| s[i as usize][0] as f64).sum();
                    let q: f64 = res.iter().map(|&i| s[i as usize][1] as f64).sum();
                    let cap: f64 = res.iter().map(|&i| s[i as usize][2] as f64).sum();
                    cell.occupied.add(busy as u32);
                    cell.full += u64::from(cap > 0.0 && busy >= cap);
                    cell.waiting += q;
                    cell.capacity = cap;
                }
            }
            progress();
            Ok::<(), SimError>(())
        },
    )?;
    let n = model.replications as u64;
    Ok(units
        .iter()
        .zip(cells)
        .map(|(name, row)| UnitProjection {
            unit: name.clone(),
            hours: row
                .iter()
                .map(|c| HourStats {
                    capacity: c.capacity,
                    mean: c.occupied.sum() / n as f64,
                    p5: c.occupied.percentile(n, 5.0),
                    p50: c.occupied.percentile(n, 50.0),
                    p95: c.occupied.percentile(n, 95.0),
                    p_full: c.full as f64 / n as f64,
                    waiting_mean: c.waiting / n as f64,
                })
                .collect(),
        })
        .collect())
}

//! Conformal prediction intervals for models without a predictive
//! distribution (Croston-type methods, ensembles, regression with lags).
//!
//! The model is refitted on the history cut `k·h` steps short for
//! `k = 1..=windows`; each refit forecasts the `h` steps it did not see and the
//! absolute errors, per horizon step, calibrate the interval half-widths
//! (split conformal, as statsforecast's `ConformalIntervals`). With few windows
//! the quantile is coarse: 5 windows make the 80% half-width the 4th-largest
//! error; report coverage from a backtest before trusting them.

use crate::numeric::quantile;
use crate::{Fit, Forecast, Input, Interval, Predict, Result};
use std::sync::atomic::{AtomicUsize, Ordering};

/// `windows_used` before any forecast with intervals.
const NOT_YET: usize = usize::MAX;

/// Wraps a model and gives it conformal intervals.
pub struct Conformal {
    /// The model.
    pub spec: crate::spec::ModelSpec,
    /// Calibration windows (refits); capped by the data available.
    pub windows: usize,
}

impl Fit for Conformal {
    fn name(&self) -> String {
        self.spec.build_plain().name()
    }

    fn fit(&self, input: &Input<'_>) -> Result<Box<dyn Predict>> {
        let fitted = self.spec.build_plain().fit(input)?;
        if fitted.has_intervals() {
            return Ok(fitted);
        }
        Ok(Box::new(FittedConformal {
            fitted,
            y: input.y.to_vec(),
            season_length: input.season_length,
            features: input.features.cloned(),
            windows: self.windows,
            spec: self.spec.clone(),
            windows_used: AtomicUsize::new(NOT_YET),
        }))
    }
}

struct FittedConformal {
    fitted: Box<dyn Predict>,
    y: Vec<f64>,
    season_length: usize,
    features: Option<crate::Features>,
    windows: usize,
    spec: crate::spec::ModelSpec,
    /// Calibration windows the last forecast with intervals could use (a
    /// short history fits fewer than asked): the note says so.
    windows_used: AtomicUsize,
}

impl Predict for FittedConformal {
    fn predict(&self, h: usize, levels: &[f64]) -> Result<Forecast> {
        let mut forecast = self.fitted.predict(h, &[])?;
        if levels.is_empty() {
            return Ok(forecast);
        }
        let model = self.spec.build_plain();
        let n = self.y.len();
        // Keep at least two seasons (or 8 points) to train each refit.
        let min_train = (2 * self.season_length).max(8);
        let mut errors: Vec<Vec<f64>> = vec![Vec::new(); h];
        for k in 1..=self.windows {
            let Some(cut) = n.checked_sub(k * h) else {
                break;
            };
            if cut < min_train {
                break;
            }
            let input = Input {
                y: &self.y[..cut],
                season_length: self.season_length,
                features: self.features.as_ref(),
            };
            let Ok(f) = model.fit(&input).and_then(|m| m.predict(h, &[])) else {
                continue;
            };
            for (step, errs) in errors.iter_mut().enumerate() {
                errs.push((self.y[cut + step] - f.point[step]).abs());
            }
        }
        self.windows_used.store(errors[0].len(), Ordering::Relaxed);
        if errors[0].is_empty() {
            return Ok(forecast);
        }
        forecast.intervals = levels
            .iter()
            .map(|&level| {
                let widths: Vec<f64> = errors
                    .iter_mut()
                    .map(|e| quantile(e, level / 100.0))
                    .collect();
                Interval {
                    level,
                    lower: forecast
                        .point
                        .iter()
                        .zip(&widths)
                        .map(|(p, w)| p - w)
                        .collect(),
                    upper: forecast
                        .point
                        .iter()
                        .zip(&widths)
                        .map(|(p, w)| p + w)
                        .collect(),
                }
            })
            .collect();
        Ok(forecast)
    }

    fn fitted(&self) -> Vec<f64> {
        self.fitted.fitted()
    }

    fn describe(&self) -> String {
        match self.windows_note() {
            Some(note) => format!("{} + conformal intervals ({note})", self.fitted.describe()),
            None => format!("{} + conformal intervals", self.fitted.describe()),
        }
    }

    fn info_criteria(&self) -> Option<crate::InfoCriteria> {
        self.fitted.info_criteria()
    }

    fn note(&self) -> Option<String> {
        match (self.windows_note(), self.fitted.note()) {
            (Some(a), Some(b)) => Some(format!("{b}; {a}")),
            (a, b) => a.or(b),
        }
    }
}

impl FittedConformal {
    /// What the last forecast's calibration could not do.
    fn windows_note(&self) -> Option<String> {
        let used = self.windows_used.load(Ordering::Relaxed);
        match used {
            NOT_YET => None,
            0 => {
                Some("no conformal calibration window fits this history: no intervals".to_string())
            }
            1 => Some(format!(
                "conformal intervals from 1 calibration window of the {} asked: every level has the same width (a longer history or a shorter horizon gives more)",
                self.windows
            )),
            k if k < self.windows => Some(format!(
                "conformal intervals from {k} of the {} calibration windows asked (the history is too short for more)",
                self.windows
            )),
            _ => None,
        }
    }
}

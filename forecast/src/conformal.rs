//! Conformal prediction intervals for models without a predictive
//! distribution (ensembles, regression with lags).
//!
//! The model is refitted on the history cut `k·h` steps short for
//! `k = 1..=windows`; each refit forecasts the `h` steps it did not see.
//! Their absolute errors calibrate the half-widths, normalised split
//! conformal: a straight line through the errors against their step gives
//! the scale at each step (so intervals still widen with the horizon), each
//! error is divided by its step's scale, the `windows × h` ratios are
//! pooled, and the half-width at step `i` is its scale times the ratios'
//! conformal quantile, the `⌈(n+1)·L⌉`-th smallest of n (capped at the
//! largest).
//!
//! Why not per step, as statsforecast's `ConformalIntervals`: with 5 windows
//! a step has 5 errors, and an interpolated 80% quantile of 5 errors covers
//! about 4.2/6 = 70% of new ones (what the ED backtest measured), the 95%
//! one 80%; pooling gives 5·h errors, enough for the ranks to mean what they
//! say (on the ED backtest, 40 origins: 79.5% and 96.4%).

use crate::spec::ModelSpec;
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
    /// Replace the model's own intervals too, not only give intervals to
    /// models without them. `auto` is calibrated inside (its chosen model),
    /// since calibrating the whole selection would refit every candidate.
    pub conformal_for_all: bool,
}

impl Fit for Conformal {
    fn name(&self) -> String {
        self.spec.build_plain().name()
    }

    fn fit(&self, input: &Input<'_>) -> Result<Box<dyn Predict>> {
        let fitted = self
            .spec
            .build_plain_calibrated(self.windows, self.conformal_for_all)
            .fit(input)?;
        let replace = self.conformal_for_all && !matches!(self.spec, ModelSpec::Auto(_));
        if fitted.has_intervals() && !replace {
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
        let widths = calibrated_widths(&errors, levels);
        forecast.intervals = levels
            .iter()
            .zip(widths)
            .map(|(&level, widths)| Interval {
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
                probability: None,
            })
            .collect();
        Ok(forecast)
    }

    fn fitted(&self) -> Vec<f64> {
        self.fitted.fitted()
    }

    fn describe(&self) -> String {
        // The note says the rest; the description only how many windows.
        match self.windows_used.load(Ordering::Relaxed) {
            0 => format!("{} (no conformal window fits)", self.fitted.describe()),
            k if k < self.windows => format!(
                "{} + conformal intervals ({k} of {} windows)",
                self.fitted.describe(),
                self.windows
            ),
            _ => format!("{} + conformal intervals", self.fitted.describe()),
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

/// The error scale at each step: a straight line through every absolute
/// error against its step (least squares), so that each step's scale leans
/// on all `windows × h` errors. A step's own mean over 5 windows is too
/// noisy, and dividing errors by a mean they are part of shrinks the large
/// ones: on the ED backtest that cost 4 points of coverage at 80%.
fn horizon_scales(errors: &[Vec<f64>]) -> Vec<f64> {
    let points: Vec<(f64, f64)> = errors
        .iter()
        .enumerate()
        .flat_map(|(step, e)| e.iter().map(move |v| (step as f64, *v)))
        .filter(|(_, v)| v.is_finite())
        .collect();
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    // A line that falls below a tenth of the mean error would promise
    // near-certainty at some step; no forecast earns that.
    (0..errors.len())
        .map(|step| (mean_y + slope * (step as f64 - mean_x)).max(0.1 * mean_y))
        .collect()
}

/// Half-widths per level and step from `errors[step][window]` (absolute
/// errors, every step with the same windows), by normalised split conformal.
fn calibrated_widths(errors: &[Vec<f64>], levels: &[f64]) -> Vec<Vec<f64>> {
    let scales = horizon_scales(errors);
    let mut ratios: Vec<f64> = errors
        .iter()
        .zip(&scales)
        .flat_map(|(e, &s)| e.iter().map(move |v| if s > 0.0 { v / s } else { 0.0 }))
        .filter(|r| r.is_finite())
        .collect();
    ratios.sort_by(f64::total_cmp);
    let n = ratios.len();
    levels
        .iter()
        .map(|&level| {
            let q = if n == 0 {
                0.0
            } else {
                let rank = (((n + 1) as f64) * level / 100.0 - 1e-9).ceil() as usize;
                ratios[rank.clamp(1, n) - 1]
            };
            scales.iter().map(|s| s * q).collect()
        })
        .collect()
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

//! Intermittent demand (many zero periods: a drug used a few times a week, a
//! rarely needed device): Croston's method and its descendants, as
//! statsforecast implements them.
//!
//! - Croston (classic): SES (α = 0.1) on the non-zero demand sizes and on the
//!   intervals between them; forecast = size / interval.
//! - SBA: Croston × (1 − α/2), removing its known upward bias (Syntetos & Boylan 2005).
//! - Croston optimised: both SES weights optimised in [0.1, 0.3].
//! - TSB: SES on the demand probability instead of the interval (Teunter,
//!   Syntetos & Babai 2011), so the forecast decays when demand stops.
//! - ADIDA: aggregate into buckets of the mean interval, optimised SES, spread back.
//! - IMAPA: ADIDA averaged over every aggregation level from 1 to the mean interval.
//!
//! None has a native predictive distribution; [`crate::conformal::Conformal`]
//! gives them intervals from their own backtest errors.

use crate::baseline::{ses_optimized_forecast, ses_pass};
use crate::{Error, Fit, Forecast, Input, Predict, Result};

/// Which intermittent-demand method.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Intermittent {
    /// Croston's method with α = 0.1.
    Croston,
    /// Syntetos–Boylan approximation.
    Sba,
    /// Croston with optimised weights.
    CrostonOptimized,
    /// Teunter–Syntetos–Babai with the given weights for demand size and probability.
    Tsb {
        /// Weight of the demand-size SES.
        alpha_d: f64,
        /// Weight of the demand-probability SES.
        alpha_p: f64,
    },
    /// Aggregate–disaggregate intermittent demand approach.
    Adida,
    /// Intermittent multiple aggregation prediction algorithm.
    Imapa,
}

const SES_BOUNDS: (f64, f64) = (0.1, 0.3);

fn sizes_and_intervals(y: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let mut sizes = Vec::new();
    let mut intervals = Vec::new();
    let mut last = 0usize;
    for (i, &v) in y.iter().enumerate() {
        if v != 0.0 {
            if v > 0.0 {
                sizes.push(v);
            }
            intervals.push((i + 1 - last) as f64);
            last = i + 1;
        }
    }
    (sizes, intervals)
}

fn chunk_sums(y: &[f64], size: usize) -> Vec<f64> {
    y.chunks_exact(size).map(|c| c.iter().sum()).collect()
}

impl Intermittent {
    /// The one-step (and flat) forecast from a history.
    pub fn point(&self, y: &[f64]) -> f64 {
        if y.iter().all(|v| *v == 0.0) {
            return 0.0;
        }
        let (sizes, intervals) = sizes_and_intervals(y);
        let mean_interval = if intervals.is_empty() {
            1.0
        } else {
            crate::numeric::mean(&intervals)
        };
        match *self {
            Intermittent::Croston | Intermittent::Sba | Intermittent::CrostonOptimized => {
                if sizes.is_empty() {
                    return *y.last().unwrap_or(&0.0);
                }
                let (size, interval) = if *self == Intermittent::CrostonOptimized {
                    (
                        ses_optimized_forecast(&sizes, SES_BOUNDS),
                        ses_optimized_forecast(&intervals, SES_BOUNDS),
                    )
                } else {
                    (ses_pass(&sizes, 0.1).0, ses_pass(&intervals, 0.1).0)
                };
                let f = if interval != 0.0 {
                    size / interval
                } else {
                    size
                };
                if *self == Intermittent::Sba {
                    0.95 * f
                } else {
                    f
                }
            }
            Intermittent::Tsb { alpha_d, alpha_p } => {
                if sizes.is_empty() {
                    return 0.0;
                }
                let probability: Vec<f64> =
                    y.iter().map(|v| f64::from(u8::from(*v != 0.0))).collect();
                ses_pass(&probability, alpha_p).0 * ses_pass(&sizes, alpha_d).0
            }
            Intermittent::Adida => {
                let level = (mean_interval.round() as usize).clamp(1, y.len());
                // Aggregate from the end, as IMAPA does: the newest
                // observations are the ones a forecast must not drop.
                let cut = &y[y.len() % level..];
                ses_optimized_forecast(&chunk_sums(cut, level), SES_BOUNDS) / level as f64
            }
            Intermittent::Imapa => {
                let max_level = (mean_interval.round() as usize).clamp(1, y.len());
                let mut total = 0.0;
                for level in 1..=max_level {
                    let cut = &y[y.len() % level..];
                    total +=
                        ses_optimized_forecast(&chunk_sums(cut, level), SES_BOUNDS) / level as f64;
                }
                total / max_level as f64
            }
        }
    }
}

impl Fit for Intermittent {
    fn name(&self) -> String {
        match self {
            Intermittent::Croston => "croston",
            Intermittent::Sba => "sba",
            Intermittent::CrostonOptimized => "croston_opt",
            Intermittent::Tsb { .. } => "tsb",
            Intermittent::Adida => "adida",
            Intermittent::Imapa => "imapa",
        }
        .into()
    }

    fn fit(&self, input: &Input<'_>) -> Result<Box<dyn Predict>> {
        input.check()?;
        if input.y.len() < 2 {
            return Err(Error::TooShort {
                model: self.name(),
                needed: 2,
                got: input.y.len(),
            });
        }
        Ok(Box::new(FittedIntermittent {
            method: *self,
            value: self.point(input.y),
            y: input.y.to_vec(),
        }))
    }
}

struct FittedIntermittent {
    method: Intermittent,
    value: f64,
    y: Vec<f64>,
}

impl Predict for FittedIntermittent {
    fn predict(&self, h: usize, _levels: &[f64]) -> Result<Forecast> {
        Ok(Forecast {
            point: vec![self.value; h],
            intervals: Vec::new(),
        })
    }

    /// One-step forecasts from each prefix of the history (refitted each time).
    fn fitted(&self) -> Vec<f64> {
        (0..self.y.len())
            .map(|t| {
                if t < 2 {
                    f64::NAN
                } else {
                    self.method.point(&self.y[..t])
                }
            })
            .collect()
    }

    fn describe(&self) -> String {
        format!("{:?} (flat {:.4}/period)", self.method, self.value)
    }

    fn has_intervals(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn croston_on_regular_demand_is_size_over_interval() {
        // Demand of 6 every third period: every SES stays at its constant input.
        let y: Vec<f64> = (0..30)
            .map(|t| if t % 3 == 2 { 6.0 } else { 0.0 })
            .collect();
        assert!((Intermittent::Croston.point(&y) - 2.0).abs() < 1e-12);
        assert!((Intermittent::Sba.point(&y) - 1.9).abs() < 1e-12);
        assert!((Intermittent::CrostonOptimized.point(&y) - 2.0).abs() < 1e-9);
        assert!((Intermittent::Adida.point(&y) - 2.0).abs() < 1e-9);
        assert!((Intermittent::Imapa.point(&y) - 2.0).abs() < 0.7);
    }

    #[test]
    fn adida_keeps_the_newest_observations() {
        // Eleven periods: aggregated in pairs from the start, the final 40
        // fell off and the forecast was 2.0; statsforecast's ADIDA, which
        // aggregates from the end, gives 5.6.
        let y = [4.0, 0.0, 4.0, 0.0, 4.0, 0.0, 4.0, 0.0, 4.0, 0.0, 40.0];
        let f = Intermittent::Adida.point(&y);
        assert!((f - 5.6).abs() < 0.05, "{f}");
    }

    #[test]
    fn tsb_decays_after_demand_stops_and_croston_does_not() {
        let mut y: Vec<f64> = (0..40)
            .map(|t| if t % 2 == 0 { 4.0 } else { 0.0 })
            .collect();
        y.extend(std::iter::repeat_n(0.0, 30));
        let tsb = Intermittent::Tsb {
            alpha_d: 0.1,
            alpha_p: 0.1,
        }
        .point(&y);
        let croston = Intermittent::Croston.point(&y);
        assert!(tsb < 0.2 * croston, "tsb {tsb} croston {croston}");
    }

    #[test]
    fn all_zero_history_forecasts_zero() {
        for method in [
            Intermittent::Croston,
            Intermittent::Adida,
            Intermittent::Imapa,
        ] {
            assert_eq!(method.point(&[0.0; 10]), 0.0);
        }
    }
}

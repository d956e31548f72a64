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
//! Intervals come from a count distribution around the forecast rate (see
//! [`DemandDistribution`]): a period has demand with probability `p`, and a
//! demand's size is drawn from the sizes seen in the history, with `p` chosen
//! so that the distribution's mean is the method's forecast. Backtest errors
//! (conformal intervals) gave the 80% and 95% intervals the same width on
//! these series, because a handful of calibration errors cannot tell them
//! apart; a distribution can.

use crate::baseline::{ses_optimized_forecast, ses_pass};
use crate::{Error, Fit, Forecast, Input, Interval, Predict, Result};

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
        let value = self.point(input.y);
        Ok(Box::new(FittedIntermittent {
            method: *self,
            value,
            distribution: DemandDistribution::new(input.y, value),
            y: input.y.to_vec(),
        }))
    }
}

/// The demand of one period as a zero-inflated distribution: no demand with
/// probability `1 − p`, otherwise one of the history's demand sizes, each
/// equally likely (a bootstrap of sizes). `p = min(1, forecast / mean size)`
/// makes the mean equal the method's forecast, so Croston, SBA, TSB, ADIDA
/// and IMAPA keep their own point forecasts and differ in their intervals
/// only through the rate.
///
/// An interval at level L is central, `[Q((1−L)/2), Q((1+L)/2)]`, unless
/// the chance of no demand already exceeds the lower tail `(1−L)/2`; then
/// its lower end is 0, no lower tail exists, and the upper end is `Q(L)`
/// (a central interval there would cover at least `(1+L)/2`, 90% for an
/// 80% interval). Quantiles are of the distribution itself, so on whole
/// units the interval covers at least L: more by the chance of its top value.
///
/// ```
/// use hospsim_forecast::intermittent::DemandDistribution;
/// // Demand of 1, 2 or 3 units on a quarter of the days.
/// let history = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 2.0, 0.0, 3.0, 0.0, 0.0, 0.0];
/// let d = DemandDistribution::new(&history, 0.5);
/// assert!((d.probability() - 0.25).abs() < 1e-12);
/// assert_eq!(d.interval(80.0), (0.0, 1.0));
/// assert_eq!(d.interval(95.0), (0.0, 3.0));
/// // Whole units cannot cover exactly 80%: [0, 1] covers 0.75 + 0.25/3.
/// assert!((d.chance_between(0.0, 1.0) - 0.8333).abs() < 1e-4);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DemandDistribution {
    /// Chance of demand in a period.
    p: f64,
    /// The history's positive demands, ascending.
    sizes: Vec<f64>,
}

impl DemandDistribution {
    /// The distribution of a history's demand with mean `forecast`.
    pub fn new(y: &[f64], forecast: f64) -> Self {
        let mut sizes: Vec<f64> = y.iter().copied().filter(|v| *v > 0.0).collect();
        sizes.sort_by(f64::total_cmp);
        let mean_size = crate::numeric::mean(&sizes);
        // NaN forecasts or sizes fall to "no demand", not to a NaN chance.
        let positive = |v: f64| v.is_finite() && v > 0.0;
        let p = if positive(forecast) && positive(mean_size) {
            (forecast / mean_size).min(1.0)
        } else {
            0.0
        };
        DemandDistribution { p, sizes }
    }

    /// Chance of demand in a period.
    pub fn probability(&self) -> f64 {
        self.p
    }

    /// What the intervals rest on, for a model's description.
    pub fn describe(&self) -> String {
        format!(
            "demand on {:.1}% of periods, sizes from {} past demands",
            100.0 * self.p,
            self.sizes.len()
        )
    }

    /// The smallest demand `v` with `P(demand ≤ v) ≥ q`.
    pub fn quantile(&self, q: f64) -> f64 {
        let zero = 1.0 - self.p;
        if q <= zero || self.sizes.is_empty() {
            return 0.0;
        }
        let within = ((q - zero) / self.p).min(1.0);
        let n = self.sizes.len();
        // Nearest rank from above, less a hair so that 3 of 4 sizes for
        // q = 0.75 is the third, not the fourth, despite rounding.
        let rank = ((within * n as f64) - 1e-9).ceil() as usize;
        self.sizes[rank.clamp(1, n) - 1]
    }

    /// `P(lower ≤ demand ≤ upper)`.
    pub fn chance_between(&self, lower: f64, upper: f64) -> f64 {
        let n = self.sizes.len().max(1) as f64;
        let at_most = |v: f64, strict: bool| {
            let zero = if v > 0.0 || (v == 0.0 && !strict) {
                1.0 - self.p
            } else {
                0.0
            };
            let sizes = self
                .sizes
                .iter()
                .filter(|s| if strict { **s < v } else { **s <= v })
                .count();
            zero + self.p * sizes as f64 / n
        };
        (at_most(upper, false) - at_most(lower, true)).clamp(0.0, 1.0)
    }

    /// Flat intervals over `h` steps at each level, with the chance each
    /// holds when whole units keep it off its level.
    pub fn intervals(&self, h: usize, levels: &[f64]) -> Vec<Interval> {
        levels
            .iter()
            .map(|&level| {
                let (lower, upper) = self.interval(level);
                let chance = self.chance_between(lower, upper);
                Interval {
                    level,
                    lower: vec![lower; h],
                    upper: vec![upper; h],
                    probability: ((chance - level / 100.0).abs() > 1e-9).then_some(chance),
                }
            })
            .collect()
    }

    /// The interval at `level` percent, as `(lower, upper)`.
    pub fn interval(&self, level: f64) -> (f64, f64) {
        let level = (level / 100.0).clamp(0.0, 1.0);
        let tail = (1.0 - level) / 2.0;
        if 1.0 - self.p >= tail {
            (0.0, self.quantile(level))
        } else {
            (self.quantile(tail), self.quantile(1.0 - tail))
        }
    }
}

struct FittedIntermittent {
    method: Intermittent,
    value: f64,
    distribution: DemandDistribution,
    y: Vec<f64>,
}

impl Predict for FittedIntermittent {
    fn predict(&self, h: usize, levels: &[f64]) -> Result<Forecast> {
        let intervals = self.distribution.intervals(h, levels);
        Ok(Forecast {
            point: vec![self.value; h],
            intervals,
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
        format!(
            "{:?} (flat {:.4}/period; {})",
            self.method,
            self.value,
            self.distribution.describe()
        )
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

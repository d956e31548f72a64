//! Benchmark models every other model must beat: naive, seasonal naive, mean,
//! drift, and simple exponential smoothing with an optimised weight.
//!
//! Intervals are the textbook ones (Hyndman & Athanasopoulos, *Forecasting:
//! principles and practice*, §5.5) with σ from the in-sample residuals, as
//! statsforecast computes them.

use crate::{Error, Fit, Forecast, Input, Predict, Result, normal_intervals, optim};

/// Which benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Benchmark {
    /// The last value.
    Naive,
    /// The value one season ago.
    SeasonalNaive,
    /// The mean of all history.
    Mean,
    /// A line from the first to the last observation.
    Drift,
}

impl Fit for Benchmark {
    fn name(&self) -> String {
        match self {
            Benchmark::Naive => "naive",
            Benchmark::SeasonalNaive => "snaive",
            Benchmark::Mean => "mean",
            Benchmark::Drift => "drift",
        }
        .into()
    }

    fn fit(&self, input: &Input<'_>) -> Result<Box<dyn Predict>> {
        input.check()?;
        let y = input.y;
        let n = y.len();
        let m = match self {
            Benchmark::SeasonalNaive => input.season_length,
            _ => 1,
        };
        let needed = match self {
            Benchmark::Mean => 1,
            Benchmark::Drift => 2,
            _ => m.max(1),
        };
        if n < needed {
            return Err(Error::TooShort {
                model: self.name(),
                needed,
                got: n,
            });
        }
        let mut fitted = vec![f64::NAN; n];
        let slope = if n > 1 {
            (y[n - 1] - y[0]) / (n - 1) as f64
        } else {
            0.0
        };
        let avg = crate::numeric::mean(y);
        for t in 0..n {
            fitted[t] = match self {
                Benchmark::Naive if t >= 1 => y[t - 1],
                Benchmark::SeasonalNaive if t >= m => y[t - m],
                Benchmark::Mean => avg,
                Benchmark::Drift if t >= 1 => y[t - 1] + slope,
                _ => f64::NAN,
            };
        }
        let (sse, count) = y
            .iter()
            .zip(&fitted)
            .filter(|(_, f)| f.is_finite())
            .fold((0.0, 0usize), |(s, c), (a, f)| (s + (a - f).powi(2), c + 1));
        let dof = match self {
            Benchmark::Mean => n.saturating_sub(1),
            _ => count,
        };
        let sigma = if dof > 0 {
            (sse / dof as f64).sqrt()
        } else {
            0.0
        };
        Ok(Box::new(FittedBenchmark {
            kind: *self,
            last: y[n - m.max(1)..].to_vec(),
            n,
            m: m.max(1),
            slope,
            avg,
            sigma,
            fitted,
        }))
    }
}

struct FittedBenchmark {
    kind: Benchmark,
    last: Vec<f64>,
    n: usize,
    m: usize,
    slope: f64,
    avg: f64,
    sigma: f64,
    fitted: Vec<f64>,
}

impl Predict for FittedBenchmark {
    fn predict(&self, h: usize, levels: &[f64]) -> Result<Forecast> {
        let n = self.n as f64;
        let mut point = Vec::with_capacity(h);
        let mut sd = Vec::with_capacity(h);
        let last = self.last[self.last.len() - 1];
        for step in 1..=h {
            let k = step as f64;
            let (p, s) = match self.kind {
                Benchmark::Naive => (last, k.sqrt()),
                Benchmark::SeasonalNaive => (
                    self.last[(step - 1) % self.m],
                    (((step - 1) / self.m) as f64 + 1.0).sqrt(),
                ),
                Benchmark::Mean => (self.avg, (1.0 + 1.0 / n).sqrt()),
                Benchmark::Drift => (
                    last + self.slope * k,
                    (k * (1.0 + k / (n - 1.0).max(1.0))).sqrt(),
                ),
            };
            point.push(p);
            sd.push(self.sigma * s);
        }
        let intervals = normal_intervals(&point, &sd, levels);
        Ok(Forecast { point, intervals })
    }

    fn fitted(&self) -> Vec<f64> {
        self.fitted.clone()
    }

    fn describe(&self) -> String {
        match self.kind {
            Benchmark::Naive => "Naive".into(),
            Benchmark::SeasonalNaive => format!("SeasonalNaive(m={})", self.m),
            Benchmark::Mean => "Mean".into(),
            Benchmark::Drift => format!("Drift(slope={:.4})", self.slope),
        }
    }
}

/// Simple exponential smoothing: level starts at the first observation and the
/// weight α minimises the in-sample squared one-step error inside `bounds`
/// (golden-section search), as statsforecast's
/// `SimpleExponentialSmoothingOptimized` does with bounds (0.01, 0.99).
#[derive(Debug, Clone, Copy)]
pub struct Ses {
    /// Search interval for α.
    pub bounds: (f64, f64),
    /// A fixed α instead of a search.
    pub alpha: Option<f64>,
}

impl Default for Ses {
    fn default() -> Self {
        Ses {
            bounds: (0.01, 0.99),
            alpha: None,
        }
    }
}

/// One SES pass: next-step forecast, fitted values and sum of squared errors.
pub(crate) fn ses_pass(y: &[f64], alpha: f64) -> (f64, Vec<f64>, f64) {
    let mut fitted = vec![f64::NAN; y.len()];
    let mut level = y[0];
    let mut sse = 0.0;
    for t in 1..y.len() {
        level = alpha * y[t - 1] + (1.0 - alpha) * level;
        fitted[t] = level;
        sse += (y[t] - level).powi(2);
    }
    let next = alpha * y[y.len() - 1] + (1.0 - alpha) * level;
    (next, fitted, sse)
}

/// The SES weight minimising the in-sample squared error within `bounds`.
pub(crate) fn ses_optimal_alpha(y: &[f64], bounds: (f64, f64)) -> f64 {
    let sse = |a: f64| ses_pass(y, a).2;
    // When the in-sample error does not depend on the weight (a constant
    // history with one final jump, as aggregated intermittent demand often
    // is), every weight is optimal and a line search drifts to whichever
    // bound it tries last: take the middle of the bounds instead, as
    // statsforecast's ADIDA does on such a series.
    let mid = 0.5 * (bounds.0 + bounds.1);
    let (lo, m, hi) = (sse(bounds.0), sse(mid), sse(bounds.1));
    let spread = lo.max(m).max(hi) - lo.min(m).min(hi);
    if spread <= 1e-12 * m.abs().max(1.0) {
        return mid;
    }
    optim::golden_section(sse, bounds.0, bounds.1, 1e-8)
}

/// One-step SES forecast with an optimised weight (the building block of
/// Croston-type models, ADIDA and IMAPA).
pub(crate) fn ses_optimized_forecast(y: &[f64], bounds: (f64, f64)) -> f64 {
    let alpha = ses_optimal_alpha(y, bounds);
    ses_pass(y, alpha).0
}

impl Fit for Ses {
    fn name(&self) -> String {
        "ses".into()
    }

    fn fit(&self, input: &Input<'_>) -> Result<Box<dyn Predict>> {
        input.check()?;
        let y = input.y;
        if y.len() < 2 {
            return Err(Error::TooShort {
                model: self.name(),
                needed: 2,
                got: y.len(),
            });
        }
        let alpha = self
            .alpha
            .unwrap_or_else(|| ses_optimal_alpha(y, self.bounds));
        let (next, fitted, sse) = ses_pass(y, alpha);
        let sigma = (sse / (y.len() - 1) as f64).sqrt();
        Ok(Box::new(FittedSes {
            alpha,
            next,
            fitted,
            sigma,
        }))
    }
}

struct FittedSes {
    alpha: f64,
    next: f64,
    fitted: Vec<f64>,
    sigma: f64,
}

impl Predict for FittedSes {
    fn predict(&self, h: usize, levels: &[f64]) -> Result<Forecast> {
        let point = vec![self.next; h];
        let sd: Vec<f64> = (1..=h)
            .map(|k| self.sigma * (1.0 + self.alpha * self.alpha * (k as f64 - 1.0)).sqrt())
            .collect();
        let intervals = normal_intervals(&point, &sd, levels);
        Ok(Forecast { point, intervals })
    }

    fn fitted(&self) -> Vec<f64> {
        self.fitted.clone()
    }

    fn describe(&self) -> String {
        format!("SES(alpha={:.4})", self.alpha)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forecast(model: &dyn Fit, y: &[f64], m: usize, h: usize) -> Forecast {
        model
            .fit(&Input::new(y, m))
            .and_then(|f| f.predict(h, &[95.0]))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn benchmarks_give_their_textbook_forecasts() {
        let y = [1.0, 3.0, 2.0, 5.0, 4.0, 6.0];
        assert_eq!(forecast(&Benchmark::Naive, &y, 1, 2).point, vec![6.0, 6.0]);
        assert_eq!(
            forecast(&Benchmark::SeasonalNaive, &y, 4, 5).point,
            vec![2.0, 5.0, 4.0, 6.0, 2.0]
        );
        assert_eq!(forecast(&Benchmark::Mean, &y, 1, 1).point, vec![3.5]);
        assert_eq!(forecast(&Benchmark::Drift, &y, 1, 2).point, vec![7.0, 8.0]);
    }

    #[test]
    fn naive_interval_widens_with_the_square_root_of_the_horizon() {
        let y = [10.0, 12.0, 11.0, 13.0, 12.0, 14.0, 13.0];
        let f = forecast(&Benchmark::Naive, &y, 1, 4);
        let i = f.interval(95.0).unwrap_or_else(|| panic!("no interval"));
        let w1 = i.upper[0] - i.lower[0];
        let w4 = i.upper[3] - i.lower[3];
        assert!((w4 / w1 - 2.0).abs() < 1e-12);
        // sigma = sqrt(mean of squared one-step changes) = sqrt((4+1+4+1+4+1)/6)
        let sigma = (15.0f64 / 6.0).sqrt();
        assert!((w1 - 2.0 * 1.959964 * sigma).abs() < 1e-5);
    }

    #[test]
    fn ses_on_a_constant_series_forecasts_the_constant() {
        let y = [7.0; 20];
        let f = forecast(&Ses::default(), &y, 1, 3);
        assert_eq!(f.point, vec![7.0; 3]);
    }

    #[test]
    fn ses_weight_minimises_the_squared_error() {
        let y: Vec<f64> = (0..60)
            .map(|t| ((t * 37 % 11) as f64) + t as f64 * 0.1)
            .collect();
        let a = ses_optimal_alpha(&y, (0.01, 0.99));
        let best = ses_pass(&y, a).2;
        for probe in [0.01, 0.1, 0.3, 0.5, 0.9, 0.99] {
            assert!(ses_pass(&y, probe).2 >= best - 1e-9);
        }
    }
}

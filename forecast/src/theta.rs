//! The Theta method in the state-space form of Fiorucci et al. (2016,
//! "Models for optimising the theta method and their relationship to state
//! space models", IJF), as statsforecast implements it: the standard Theta
//! model (STM, θ = 2, α and the initial level estimated) and the optimised
//! Theta model (OTM, θ estimated too). Seasonal series (lag-m autocorrelation
//! significant at 90%) are deseasonalised by classical multiplicative
//! decomposition first and reseasonalised after.

use crate::numeric::{self, classical_seasonal, is_seasonal, line_fit};
use crate::optim::{self, NelderMead};
use crate::{Error, Fit, Forecast, Input, Predict, Result, normal_intervals};

/// Standard (θ = 2) or optimised θ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThetaKind {
    /// Standard Theta: θ = 2.
    Standard,
    /// Optimised Theta: θ ≥ 1 estimated.
    Optimized,
}

/// The Theta model.
#[derive(Debug, Clone, Copy)]
pub struct Theta {
    /// Which variant.
    pub kind: ThetaKind,
}

#[derive(Debug, Clone, Copy)]
struct Params {
    initial: f64,
    alpha: f64,
    theta: f64,
}

/// The one-step prediction μ at step `i` from the previous level.
#[inline]
fn mu(level: f64, i: usize, p: &Params, a: f64, b: f64) -> f64 {
    let decay = (1.0 - p.alpha).powi(i as i32);
    level + (1.0 - 1.0 / p.theta) * (decay * a + (1.0 - decay * (1.0 - p.alpha)) / p.alpha * b)
}

/// Runs the filter: in-sample errors, fitted values and the final level.
fn filter(y: &[f64], p: &Params, a: f64, b: f64) -> (Vec<f64>, Vec<f64>, f64) {
    let mut level = p.alpha * y[0] + (1.0 - p.alpha) * p.initial;
    let first = p.initial + (1.0 - 1.0 / p.theta) * (a + b);
    let mut errors = vec![y[0] - first];
    let mut fitted = vec![first];
    for (i, &obs) in y.iter().enumerate().skip(1) {
        let f = mu(level, i, p, a, b);
        errors.push(obs - f);
        fitted.push(f);
        level = p.alpha * obs + (1.0 - p.alpha) * level;
    }
    (errors, fitted, level)
}

impl Fit for Theta {
    fn name(&self) -> String {
        match self.kind {
            ThetaKind::Standard => "theta".into(),
            ThetaKind::Optimized => "otm".into(),
        }
    }

    fn fit(&self, input: &Input<'_>) -> Result<Box<dyn Predict>> {
        input.check()?;
        let raw = input.y;
        if raw.len() < 4 {
            return Err(Error::TooShort {
                model: self.name(),
                needed: 4,
                got: raw.len(),
            });
        }
        let m = input.season_length;
        let mut seasonal: Option<(Vec<f64>, bool)> = None;
        if is_seasonal(raw, m) {
            let positive = raw.iter().all(|v| *v > 0.0);
            let mut mult = positive;
            let mut s = classical_seasonal(raw, m, mult);
            if mult && s.iter().any(|v| *v < 0.01) {
                mult = false;
                s = classical_seasonal(raw, m, false);
            }
            seasonal = Some((s, mult));
        }
        let y: Vec<f64> = match &seasonal {
            Some((s, true)) => raw.iter().zip(s).map(|(a, b)| a / b).collect(),
            Some((s, false)) => raw.iter().zip(s).map(|(a, b)| a - b).collect(),
            None => raw.to_vec(),
        };
        // A_n and B_n: the regression line of y on 1..=n.
        let (a, b) = line_fit(&y);
        let optimise_theta = self.kind == ThetaKind::Optimized;
        let mut x0 = vec![y[0] / 2.0, 0.5];
        let mut lower = vec![-1e10, 0.1];
        let mut upper = vec![1e10, 0.99];
        if optimise_theta {
            x0.push(2.0);
            lower.push(1.0);
            upper.push(1e10);
        }
        let params = |x: &[f64]| Params {
            initial: x[0],
            alpha: x[1],
            theta: if optimise_theta { x[2] } else { 2.0 },
        };
        let objective = |x: &[f64]| {
            let (errors, _, _) = filter(&y, &params(x), a, b);
            let sse: f64 = errors.iter().skip(3).map(|e| e * e).sum();
            if sse.is_finite() { sse } else { f64::INFINITY }
        };
        let best = optim::nelder_mead(objective, &x0, &lower, &upper, NelderMead::default());
        let p = params(&best.x);
        let (errors, fitted, level) = filter(&y, &p, a, b);
        let tail = &errors[3.min(errors.len())..];
        let tail = if tail.len() >= 2 { tail } else { &errors[..] };
        let mean_e = numeric::mean(tail);
        let sigma = (tail.iter().map(|e| (e - mean_e).powi(2)).sum::<f64>()
            / (tail.len().max(2) - 1) as f64)
            .sqrt();
        let (fitted, season_tail) = match &seasonal {
            Some((s, mult)) => {
                let fitted = fitted
                    .iter()
                    .zip(s)
                    .map(|(f, k)| if *mult { f * k } else { f + k })
                    .collect();
                (fitted, Some((s[s.len() - m..].to_vec(), *mult)))
            }
            None => (fitted, None),
        };
        Ok(Box::new(FittedTheta {
            kind: self.kind,
            params: p,
            a,
            b,
            level,
            n: y.len(),
            sigma,
            fitted,
            season_tail,
        }))
    }
}

struct FittedTheta {
    kind: ThetaKind,
    params: Params,
    a: f64,
    b: f64,
    level: f64,
    n: usize,
    sigma: f64,
    fitted: Vec<f64>,
    season_tail: Option<(Vec<f64>, bool)>,
}

impl Predict for FittedTheta {
    fn predict(&self, h: usize, levels: &[f64]) -> Result<Forecast> {
        let p = &self.params;
        let mut level = self.level;
        let mut point = Vec::with_capacity(h);
        for step in 0..h {
            let f = mu(level, self.n + step, p, self.a, self.b);
            point.push(f);
            level = p.alpha * f + (1.0 - p.alpha) * level;
        }
        let sd: Vec<f64> = (1..=h)
            .map(|k| self.sigma * (1.0 + p.alpha * p.alpha * (k as f64 - 1.0)).sqrt())
            .collect();
        let mut forecast = Forecast {
            intervals: normal_intervals(&point, &sd, levels),
            point,
        };
        if let Some((season, mult)) = &self.season_tail {
            let apply = |v: &mut Vec<f64>| {
                for (i, x) in v.iter_mut().enumerate() {
                    let k = season[i % season.len()];
                    *x = if *mult { *x * k } else { *x + k };
                }
            };
            apply(&mut forecast.point);
            for i in &mut forecast.intervals {
                apply(&mut i.lower);
                apply(&mut i.upper);
            }
        }
        Ok(forecast)
    }

    fn fitted(&self) -> Vec<f64> {
        self.fitted.clone()
    }

    fn describe(&self) -> String {
        let name = match self.kind {
            ThetaKind::Standard => "Theta",
            ThetaKind::Optimized => "OptimizedTheta",
        };
        format!(
            "{name}(alpha={:.4}, theta={:.3}{})",
            self.params.alpha,
            self.params.theta,
            if self.season_tail.is_some() {
                ", deseasonalised"
            } else {
                ""
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theta_on_a_straight_line_extends_half_its_slope_plus_level() {
        // For a noiseless line the SES part tracks the line and the drift term
        // adds half the slope; the forecast keeps rising.
        let y: Vec<f64> = (0..40).map(|t| 100.0 + 2.0 * t as f64).collect();
        let f = Theta {
            kind: ThetaKind::Standard,
        }
        .fit(&Input::new(&y, 1))
        .and_then(|m| m.predict(3, &[]))
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            f.point[0] > y[39] && f.point[2] > f.point[1],
            "{:?}",
            f.point
        );
    }
}

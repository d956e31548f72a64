//! Regression on calendar features, Fourier terms and lags, fitted through
//! linfa (ordinary least squares or elastic net).
//!
//! Design row at time t: a linear trend, then either the caller's feature rows
//! (calendar dummies, holidays: [`crate::Features`]) or, without them, `K`
//! Fourier pairs of the season, then lagged values. Forecasts are recursive:
//! a lag that falls in the future uses the forecast made for it. Intervals are
//! Gaussian from the residual variance when there are no lags; with lags the
//! error compounds, so they come from [`crate::conformal::Conformal`].

use crate::{Error, Features, Fit, Forecast, Input, Predict, Result, normal_intervals};
use linfa::DatasetBase;
use linfa::prelude::{Fit as _, Predict as _};
use ndarray::{Array1, Array2};

/// How the coefficients are estimated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Estimator {
    /// Ordinary least squares.
    Ols,
    /// Elastic net on standardised columns.
    ElasticNet {
        /// Overall penalty.
        penalty: f64,
        /// Share of the L1 part (0 ridge, 1 lasso).
        l1_ratio: f64,
    },
}

/// A regression model.
#[derive(Debug, Clone)]
pub struct Regression {
    /// Estimator.
    pub estimator: Estimator,
    /// Fourier pairs used when the input carries no features (0 for none).
    pub fourier_k: usize,
    /// Lags of y used as regressors (the season length is added when
    /// `seasonal_lag` is set and the series is long enough).
    pub lags: Vec<usize>,
    /// Add a lag of one season.
    pub seasonal_lag: bool,
}

impl Regression {
    /// OLS with trend, calendar features or Fourier terms, lags 1 and m.
    pub fn ols() -> Self {
        Regression {
            estimator: Estimator::Ols,
            fourier_k: 3,
            lags: vec![1],
            seasonal_lag: true,
        }
    }

    /// The same design with an elastic net (penalty 0.1, l1 ratio 0.5).
    pub fn elastic_net() -> Self {
        Regression {
            estimator: Estimator::ElasticNet {
                penalty: 0.1,
                l1_ratio: 0.5,
            },
            ..Regression::ols()
        }
    }
}

/// A fitted linear predictor on standardised rows.
type RowPredictor = Box<dyn Fn(&Array2<f64>) -> Array1<f64> + Send + Sync>;

struct Design<'a> {
    features: Option<&'a Features>,
    fourier_k: usize,
    m: usize,
    lags: Vec<usize>,
}

impl Design<'_> {
    fn names(&self) -> Vec<String> {
        let mut names = vec!["trend".to_string()];
        match self.features {
            Some(f) => names.extend(f.names.iter().cloned()),
            None => {
                for k in 1..=self.fourier_k {
                    names.push(format!("sin{k}"));
                    names.push(format!("cos{k}"));
                }
            }
        }
        names.extend(self.lags.iter().map(|l| format!("lag{l}")));
        names
    }

    /// Row at time t; `history` holds observations and, past them, forecasts.
    fn row(&self, t: usize, history: &[f64]) -> Result<Vec<f64>> {
        let mut row = vec![t as f64];
        match self.features {
            Some(f) => {
                let values = f.rows.get(t).ok_or_else(|| {
                    Error::Features(format!(
                        "features cover {} time steps but step {} is needed (history plus horizon)",
                        f.rows.len(),
                        t + 1
                    ))
                })?;
                row.extend(values);
            }
            None => {
                for k in 1..=self.fourier_k {
                    let angle = 2.0 * std::f64::consts::PI * k as f64 * t as f64 / self.m as f64;
                    row.push(angle.sin());
                    row.push(angle.cos());
                }
            }
        }
        for &l in &self.lags {
            row.push(history[t - l]);
        }
        Ok(row)
    }
}

impl Fit for Regression {
    fn name(&self) -> String {
        match self.estimator {
            Estimator::Ols => "lm".into(),
            Estimator::ElasticNet { .. } => "enet".into(),
        }
    }

    fn fit(&self, input: &Input<'_>) -> Result<Box<dyn Predict>> {
        input.check()?;
        let y = input.y;
        let m = input.season_length;
        let mut lags = self.lags.clone();
        if self.seasonal_lag && m > 1 && y.len() >= 3 * m && !lags.contains(&m) {
            lags.push(m);
        }
        let fourier_k = if m > 1 { self.fourier_k.min(m / 2) } else { 0 };
        let design = Design {
            features: input.features,
            fourier_k,
            m,
            lags,
        };
        let start = design.lags.iter().copied().max().unwrap_or(0);
        let columns = design.names().len();
        let rows = y.len().saturating_sub(start);
        if rows < columns + 3 {
            return Err(Error::TooShort {
                model: self.name(),
                needed: start + columns + 3,
                got: y.len(),
            });
        }
        let mut x = Array2::<f64>::zeros((rows, columns));
        for (r, t) in (start..y.len()).enumerate() {
            for (c, v) in design.row(t, y)?.into_iter().enumerate() {
                x[[r, c]] = v;
            }
        }
        let target = Array1::from(y[start..].to_vec());
        // Standardise columns: the elastic-net penalty must not depend on units,
        // and OLS is better conditioned.
        let means = x
            .mean_axis(ndarray::Axis(0))
            .unwrap_or_else(|| Array1::zeros(columns));
        let scales: Array1<f64> = x
            .std_axis(ndarray::Axis(0), 0.0)
            .mapv(|s| if s > 1e-12 { s } else { 1.0 });
        let standardise = |mut row: Array2<f64>| {
            row -= &means;
            row /= &scales;
            row
        };
        let xs = standardise(x);
        let dataset = DatasetBase::new(xs.clone(), target.clone());
        let coefficients: RowPredictor = match self.estimator {
            Estimator::Ols => {
                let model = linfa_linear::LinearRegression::new()
                        .fit(&dataset)
                        .map_err(|e| Error::Features(format!("least squares failed: {e}; a calendar column may be constant or duplicated")))?;
                Box::new(move |x| model.predict(x))
            }
            Estimator::ElasticNet { penalty, l1_ratio } => {
                let model = linfa_elasticnet::ElasticNet::params()
                    .penalty(penalty)
                    .l1_ratio(l1_ratio)
                    .fit(&dataset)
                    .map_err(|e| Error::Features(format!("elastic net failed: {e}")))?;
                Box::new(move |x| model.predict(x))
            }
        };
        let fitted_part = coefficients(&xs);
        let mut fitted = vec![f64::NAN; start];
        fitted.extend(fitted_part.iter());
        let sse: f64 = y[start..]
            .iter()
            .zip(fitted_part.iter())
            .map(|(a, f)| (a - f).powi(2))
            .sum();
        let dof = rows.saturating_sub(columns + 1).max(1);
        Ok(Box::new(FittedRegression {
            name: self.name(),
            predict_row: coefficients,
            means,
            scales,
            y: y.to_vec(),
            features: input.features.cloned(),
            fourier_k,
            m,
            lags: design.lags.clone(),
            sigma: (sse / dof as f64).sqrt(),
            fitted,
            columns: design.names(),
        }))
    }
}

struct FittedRegression {
    name: String,
    predict_row: RowPredictor,
    means: Array1<f64>,
    scales: Array1<f64>,
    y: Vec<f64>,
    features: Option<Features>,
    fourier_k: usize,
    m: usize,
    lags: Vec<usize>,
    sigma: f64,
    fitted: Vec<f64>,
    columns: Vec<String>,
}

impl Predict for FittedRegression {
    fn predict(&self, h: usize, levels: &[f64]) -> Result<Forecast> {
        let design = Design {
            features: self.features.as_ref(),
            fourier_k: self.fourier_k,
            m: self.m,
            lags: self.lags.clone(),
        };
        let mut history = self.y.clone();
        let mut point = Vec::with_capacity(h);
        for t in self.y.len()..self.y.len() + h {
            let row = Array1::from(design.row(t, &history)?);
            let row = ((row - &self.means) / &self.scales).insert_axis(ndarray::Axis(0));
            let value = (self.predict_row)(&row)[0];
            history.push(value);
            point.push(value);
        }
        let intervals = if self.lags.is_empty() {
            normal_intervals(&point, &vec![self.sigma; h], levels)
        } else {
            Vec::new()
        };
        Ok(Forecast { point, intervals })
    }

    fn fitted(&self) -> Vec<f64> {
        self.fitted.clone()
    }

    fn describe(&self) -> String {
        format!("{} on [{}]", self.name, self.columns.join(", "))
    }

    fn has_intervals(&self) -> bool {
        self.lags.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ols_recovers_a_weekly_pattern_with_trend_exactly() {
        let week = [5.0, 1.0, 0.0, 2.0, 3.0, 8.0, 9.0];
        let y: Vec<f64> = (0..70)
            .map(|t| 50.0 + 0.3 * t as f64 + week[t % 7])
            .collect();
        let mut rows = Vec::new();
        for t in 0..84 {
            rows.push((1..7).map(|d| f64::from(u8::from(t % 7 == d))).collect());
        }
        let features = Features {
            names: (1..7).map(|d| format!("dow{d}")).collect(),
            rows,
            cyclic: 6,
        };
        let model = Regression {
            lags: vec![],
            seasonal_lag: false,
            ..Regression::ols()
        };
        let input = Input {
            y: &y,
            season_length: 7,
            features: Some(&features),
        };
        let f = model
            .fit(&input)
            .and_then(|m| m.predict(14, &[95.0]))
            .unwrap_or_else(|e| panic!("{e}"));
        for (i, p) in f.point.iter().enumerate() {
            let t = 70 + i;
            let truth = 50.0 + 0.3 * t as f64 + week[t % 7];
            assert!((p - truth).abs() < 1e-6, "step {i}: {p} vs {truth}");
        }
    }
}

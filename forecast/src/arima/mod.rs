//! AutoARIMA: seasonal ARIMA models chosen per series by the
//! Hyndman-Khandakar stepwise search, as R's `forecast::auto.arima` and
//! statsforecast's `AutoARIMA` do, for researchers who compare against it.
//!
//! Differences: seasonal by the strength of the season (STL), regular by
//! KPSS tests at 5%. Coefficients: conditional sum of squares, then the
//! exact likelihood by a Kalman filter (the model in state-space form,
//! differences inside the filter, the stationary start covariance by
//! doubling). Selection: AICc. Intervals: Gaussian, from the filter's
//! forecast variances. Series longer than 150 observations are searched on
//! the conditional sum of squares and the winner refitted exactly.
//! Seasons longer than [`MAX_SEASON`] are not modelled (their state would be
//! hundreds of values long); the note says so and points to `mstl`.
//!
//! ```
//! use hospsim_forecast::{Fit, Input, arima::AutoArima};
//! let y: Vec<f64> = (0..48)
//!     .map(|t| 100.0 + t as f64 + 10.0 * ((t % 12) as f64 - 5.5).abs())
//!     .collect();
//! let fitted = AutoArima.fit(&Input::new(&y, 12)).unwrap();
//! let forecast = fitted.predict(12, &[95.0]).unwrap();
//! assert_eq!(forecast.point.len(), 12);
//! assert!(fitted.describe().starts_with("ARIMA("));
//! ```

mod estimate;
mod kalman;
mod search;

pub use estimate::{Constant, Order};

use crate::{Error, Fit, Forecast, InfoCriteria, Input, Predict, Result};
use estimate::diff;
use search::{Scored, is_constant, ndiffs, nsdiffs};

/// Longest season the seasonal search uses (monthly data and shorter
/// cycles; daily data with a weekly cycle).
pub const MAX_SEASON: usize = 12;

/// Shortest series AutoARIMA fits.
const MIN_OBSERVATIONS: usize = 4;

/// AutoARIMA with R's defaults (orders up to (5,2,5)(2,1,2), AICc).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AutoArima;

impl Fit for AutoArima {
    fn name(&self) -> String {
        "arima".into()
    }

    fn fit(&self, input: &Input<'_>) -> Result<Box<dyn Predict>> {
        input.check()?;
        let y = input.y;
        if y.len() < MIN_OBSERVATIONS {
            return Err(Error::TooShort {
                model: "arima".into(),
                needed: MIN_OBSERVATIONS,
                got: y.len(),
            });
        }
        let asked = input.season_length.max(1);
        let (m, season_ignored) = if asked > MAX_SEASON {
            (1, Some(asked))
        } else {
            (asked, None)
        };
        if let Some(deterministic) = deterministic(y, m) {
            return Ok(Box::new(ArimaFit {
                season_ignored,
                ..deterministic
            }));
        }
        let found = search::auto_arima(y, m)
            .ok_or_else(|| Error::NoModel("no ARIMA model could be fitted to the series".into()))?;
        Ok(Box::new(ArimaFit::from_search(
            y,
            found.best,
            found.tried,
            season_ignored,
        )))
    }
}

/// A fitted ARIMA model.
#[derive(Debug, Clone)]
pub struct ArimaFit {
    order: Order,
    constant: Constant,
    coef: Vec<f64>,
    sigma2: f64,
    ic: Option<InfoCriteria>,
    state: Option<kalman::StateSpace>,
    fitted: Vec<f64>,
    n: usize,
    tried: usize,
    season_ignored: Option<usize>,
    /// When the differenced series is constant: the series, for a
    /// forecast that carries the pattern on exactly.
    exact: Option<Vec<f64>>,
}

impl ArimaFit {
    fn from_search(
        y: &[f64],
        best: Scored,
        tried: usize,
        season_ignored: Option<usize>,
    ) -> ArimaFit {
        let f = best.fit;
        let burn_in = estimate::differencing(&f.order).len();
        let fitted = y
            .iter()
            .zip(&f.residuals)
            .enumerate()
            .map(|(t, (v, e))| if t < burn_in { f64::NAN } else { v - e })
            .collect();
        ArimaFit {
            order: f.order,
            constant: f.constant,
            ic: Some(InfoCriteria {
                loglik: f.loglik,
                aic: best.aic,
                aicc: best.aicc,
                bic: best.bic,
            }),
            coef: f.coef,
            sigma2: best.sigma2,
            state: f.state,
            fitted,
            n: y.len(),
            tried,
            season_ignored,
            exact: None,
        }
    }

    /// The orders chosen.
    pub fn order(&self) -> Order {
        self.order
    }

    /// Coefficients: ar, ma, seasonal ar, seasonal ma, then the mean or drift.
    pub fn coefficients(&self) -> &[f64] {
        &self.coef
    }

    /// The constant term.
    pub fn constant(&self) -> Constant {
        self.constant
    }

    fn constant_at(&self, t: usize) -> f64 {
        let Some(beta) = self
            .coef
            .get(self.order.p + self.order.q + self.order.sp + self.order.sq)
        else {
            return 0.0;
        };
        match self.constant {
            Constant::None => 0.0,
            Constant::Mean => *beta,
            Constant::Drift => beta * (t + 1) as f64,
        }
    }
}

/// The model of a series whose differences (regular, then seasonal, as
/// the tests choose) are constant: a line or a repeating pattern, carried
/// on exactly.
fn deterministic(y: &[f64], m: usize) -> Option<ArimaFit> {
    let sd = if m > 1 { nsdiffs(y, m) } else { 0 };
    let dx = if sd > 0 { diff(y, m, sd) } else { y.to_vec() };
    let d = ndiffs(&dx);
    let dx = diff(&dx, 1, d);
    if dx.is_empty() || !is_constant(&dx) {
        return None;
    }
    let order = Order {
        p: 0,
        d,
        q: 0,
        sp: 0,
        sd,
        sq: 0,
        m,
    };
    let constant = match d + sd {
        0 => Constant::Mean,
        1 => Constant::Drift,
        _ => Constant::None,
    };
    Some(ArimaFit {
        order,
        constant,
        coef: vec![dx[0]],
        sigma2: 0.0,
        ic: None,
        state: None,
        fitted: y.to_vec(),
        n: y.len(),
        tried: 0,
        season_ignored: None,
        exact: Some(y.to_vec()),
    })
}

/// Extends `y` by `h` values whose differences (as in `order`) equal `c`.
fn continue_exactly(y: &[f64], order: &Order, c: f64, h: usize) -> Vec<f64> {
    // y_t = c + sum_k delta_k y_{t-k}: the differencing polynomial solved
    // for the newest value.
    let delta = estimate::differencing(order);
    let mut all = y.to_vec();
    for _ in 0..h {
        let t = all.len();
        let mut v = c;
        for (k, dk) in delta.iter().enumerate() {
            v += dk * all[t - 1 - k];
        }
        all.push(v);
    }
    all.split_off(y.len())
}

impl Predict for ArimaFit {
    fn predict(&self, h: usize, levels: &[f64]) -> Result<Forecast> {
        if let Some(y) = &self.exact {
            let point = continue_exactly(y, &self.order, self.coef[0], h);
            let zero = vec![0.0; h];
            return Ok(Forecast {
                intervals: crate::normal_intervals(&point, &zero, levels),
                point,
            });
        }
        let state = self
            .state
            .as_ref()
            .ok_or_else(|| Error::NoModel("the ARIMA fit has no state to forecast from".into()))?;
        let (mean, var) = state.forecast(h);
        let point: Vec<f64> = mean
            .iter()
            .enumerate()
            .map(|(i, v)| v + self.constant_at(self.n + i))
            .collect();
        let sd: Vec<f64> = var.iter().map(|v| (v * self.sigma2).sqrt()).collect();
        Ok(Forecast {
            intervals: crate::normal_intervals(&point, &sd, levels),
            point,
        })
    }

    fn fitted(&self) -> Vec<f64> {
        self.fitted.clone()
    }

    fn describe(&self) -> String {
        let o = &self.order;
        let mut s = format!("ARIMA({},{},{})", o.p, o.d, o.q);
        if o.m > 1 && (o.sp + o.sd + o.sq) > 0 {
            s += &format!("({},{},{})[{}]", o.sp, o.sd, o.sq, o.m);
        }
        match self.constant {
            Constant::Mean => s += " with mean",
            Constant::Drift => s += " with drift",
            Constant::None => {}
        }
        if self.tried > 0 {
            s += &format!(" ({} models tried)", self.tried);
        }
        if let Some(note) = self.note() {
            s += &format!("; {note}");
        }
        s
    }

    fn info_criteria(&self) -> Option<InfoCriteria> {
        self.ic
    }

    fn note(&self) -> Option<String> {
        self.season_ignored.map(|m| {
            format!(
                "season {m} not modelled: seasonal ARIMA takes seasons up to {MAX_SEASON}; mstl or lm fit longer ones"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg_noise(n: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                let mut s = 0.0;
                for _ in 0..12 {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    s += (state >> 11) as f64 / (1u64 << 53) as f64;
                }
                s - 6.0
            })
            .collect()
    }

    #[test]
    fn a_straight_line_is_carried_on_exactly() {
        let y: Vec<f64> = (0..30).map(|t| 5.0 + 2.0 * t as f64).collect();
        let fit = AutoArima.fit(&Input::new(&y, 1)).unwrap();
        let f = fit.predict(3, &[95.0]).unwrap();
        assert_eq!(f.point, vec![65.0, 67.0, 69.0]);
    }

    #[test]
    fn a_random_walk_gets_one_difference_and_a_last_value_forecast() {
        let e = lcg_noise(120, 7);
        let mut y = Vec::new();
        let mut level = 100.0;
        for v in &e {
            level += v;
            y.push(level);
        }
        let fit = AutoArima.fit(&Input::new(&y, 1)).unwrap();
        assert_eq!(fit_order(&*fit).d, 1, "{}", fit.describe());
        let f = fit.predict(10, &[95.0]).unwrap();
        let last = *y.last().unwrap();
        assert!((f.point[0] - last).abs() < 1.0, "{} vs {last}", f.point[0]);
        let i = f.interval(95.0).unwrap();
        // Random-walk intervals widen like sqrt(h).
        let w1 = i.upper[0] - i.lower[0];
        let w9 = i.upper[8] - i.lower[8];
        assert!(w9 > 2.0 * w1, "{w1} {w9}");
    }

    #[test]
    fn an_ar2_is_found_and_its_coefficients_recovered() {
        let e = lcg_noise(600, 11);
        let mut y = vec![0.0; e.len()];
        for t in 2..y.len() {
            y[t] = 0.5 * y[t - 1] - 0.3 * y[t - 2] + e[t];
        }
        let y: Vec<f64> = y.iter().map(|v| v + 50.0).collect();
        let fit = AutoArima.fit(&Input::new(&y, 1)).unwrap();
        let text = fit.describe();
        assert!(text.starts_with("ARIMA(2,0,0) with mean"), "{text}");
    }

    fn fit_order(p: &dyn Predict) -> Order {
        let text = p.describe();
        let inner = &text["ARIMA(".len()..text.find(')').unwrap()];
        let v: Vec<usize> = inner.split(',').map(|s| s.parse().unwrap()).collect();
        Order {
            p: v[0],
            d: v[1],
            q: v[2],
            sp: 0,
            sd: 0,
            sq: 0,
            m: 1,
        }
    }
}

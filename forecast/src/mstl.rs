//! MSTL: several seasonal cycles at once (hourly ED arrivals have a daily
//! and a weekly one), after Bandara, Hyndman & Bergmeir (2021) and
//! statsforecast's `MSTL`.
//!
//! The series is decomposed by STL once per period, shortest first, each
//! pass on what the previous ones left (the `stlrs` crate, a port of
//! Cleveland et al.'s STL; two rounds, as R's `mstl`; seasonal smoothers of
//! [`SEASONAL_WINDOW`] cycles). Each seasonal
//! component is forecast by repeating its last cycle; what is left (trend
//! plus remainder) by non-seasonal AutoETS, whose intervals the forecast
//! keeps, shifted by the seasonal parts. Periods a history cannot hold twice
//! are left out, and the note says so.
//!
//! With regressors (holiday flags, temperature: the feature columns after the
//! calendar's cyclic dummies, which the seasonal parts already carry) the
//! adjusted series is `effects + ETS`: the effects are estimated by least
//! squares on first differences, because trend plus remainder wanders like a
//! random walk and a regression on levels would credit a regressor that
//! merely trends with it; AutoETS then models what the effects leave.

use crate::ets::Ets;
use crate::numeric::lstsq;
use crate::{Error, Features, Fit, Forecast, Input, Predict, Result};

/// Cycles each seasonal smoother spans. R's `mstl` uses 11 and 15 (7 + 4i),
/// which let the season follow the noise of hourly counts of a few patients:
/// on the shipped hourly ED series (8 origins, a week ahead) MAE was 2.41
/// with those, 2.33 with 21, 2.28 with 51 and 2.27 with 101; 51 keeps a
/// season that changes over a year or so.
pub const SEASONAL_WINDOW: usize = 51;

/// Most periods one model may decompose.
pub const MAX_PERIODS: usize = 4;

/// The MSTL model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mstl {
    /// Seasonal periods in steps; empty: from the season length (see
    /// [`Mstl::periods_for`]).
    pub periods: Vec<usize>,
}

impl Mstl {
    /// The periods used with season length `m` when none are given: hourly
    /// data (24 or 168) get both the day and the week, daily data (7) the
    /// week and the year, others their one season.
    pub fn periods_for(m: usize) -> Vec<usize> {
        match m {
            24 | 168 => vec![24, 168],
            7 => vec![7, 365],
            m => vec![m],
        }
    }
}

impl Fit for Mstl {
    fn name(&self) -> String {
        if self.periods.is_empty() {
            "mstl".into()
        } else {
            let p: Vec<String> = self.periods.iter().map(usize::to_string).collect();
            format!("mstl({})", p.join("+"))
        }
    }

    fn fit(&self, input: &Input<'_>) -> Result<Box<dyn Predict>> {
        input.check()?;
        let y = input.y;
        let n = y.len();
        let mut wanted = if self.periods.is_empty() {
            Self::periods_for(input.season_length)
        } else {
            self.periods.clone()
        };
        wanted.sort_unstable();
        wanted.dedup();
        let (periods, dropped): (Vec<usize>, Vec<usize>) =
            wanted.into_iter().partition(|&p| p >= 2 && p <= n / 2);
        let (seasonal, rest) = if periods.is_empty() {
            (Vec::new(), y.to_vec())
        } else {
            let windows = vec![SEASONAL_WINDOW; periods.len()];
            let parts = stlrs::Mstl::params()
                .seasonal_lengths(&windows)
                .fit(y, &periods)
                .map_err(|e| Error::Spec(format!("mstl could not decompose the series: {e}")))?;
            let (seasonal, trend, remainder) = parts.into_parts();
            let rest = trend.iter().zip(&remainder).map(|(t, r)| t + r).collect();
            (seasonal, rest)
        };
        let effects = match input.features {
            Some(f) if f.names.len() > f.cyclic => Effects::estimate(f, &rest)?,
            _ => Effects::default(),
        };
        let left: Vec<f64> = rest
            .iter()
            .enumerate()
            .map(|(t, v)| v - effects.at(t))
            .collect();
        let adjusted = Ets::auto().fit(&Input::new(&left, 1))?;
        Ok(Box::new(FittedMstl {
            periods,
            dropped,
            seasonal,
            adjusted,
            effects,
            n,
        }))
    }
}

struct FittedMstl {
    periods: Vec<usize>,
    /// Periods asked for that the history does not hold twice.
    dropped: Vec<usize>,
    /// One component per period, over the history.
    seasonal: Vec<Vec<f64>>,
    /// Non-seasonal AutoETS on trend plus remainder, less the effects.
    adjusted: Box<dyn Predict>,
    effects: Effects,
    n: usize,
}

/// The regressors' effects on the seasonally adjusted series.
#[derive(Default)]
struct Effects {
    /// Names of the columns used, with their coefficients.
    used: Vec<(String, f64)>,
    /// Names of columns that do not change over the history (no effect can
    /// be estimated; left out).
    constant: Vec<String>,
    /// The summed effect at every feature row (history and horizon); NaN
    /// where a regressor's value is missing.
    total: Vec<f64>,
}

impl Effects {
    /// Least squares of the differenced adjusted series on the differenced
    /// non-cyclic columns (with an intercept, which absorbs the drift).
    fn estimate(f: &Features, rest: &[f64]) -> Result<Self> {
        let n = rest.len();
        if f.rows.len() < n {
            return Err(Error::Features(format!(
                "features cover {} time steps but the history has {n}",
                f.rows.len()
            )));
        }
        let value = |t: usize, c: usize| f.rows[t].get(c).copied().unwrap_or(f64::NAN);
        let mut columns = Vec::new();
        let mut constant = Vec::new();
        for c in f.cyclic..f.names.len() {
            if (0..n).any(|t| !value(t, c).is_finite()) {
                return Err(Error::Features(format!(
                    "regressor '{}' has a missing value in the history",
                    f.names[c]
                )));
            }
            if (1..n).all(|t| value(t, c) == value(0, c)) {
                constant.push(f.names[c].clone());
            } else {
                columns.push(c);
            }
        }
        if columns.is_empty() || n < columns.len() + 4 {
            return Ok(Effects {
                constant,
                ..Effects::default()
            });
        }
        // The leading 1 is the intercept, which absorbs the drift.
        let x: Vec<Vec<f64>> = (1..n)
            .map(|t| {
                std::iter::once(1.0)
                    .chain(columns.iter().map(|&c| value(t, c) - value(t - 1, c)))
                    .collect()
            })
            .collect();
        let dy: Vec<f64> = (1..n).map(|t| rest[t] - rest[t - 1]).collect();
        let coefficients = lstsq(&x, &dy).ok_or_else(|| {
            Error::Features(
                "mstl could not estimate the regressors' effects: two regressors move together exactly".into(),
            )
        })?;
        let beta = &coefficients[1..];
        let total = (0..f.rows.len())
            .map(|t| {
                columns
                    .iter()
                    .zip(beta)
                    .map(|(&c, b)| b * value(t, c))
                    .sum()
            })
            .collect();
        Ok(Effects {
            used: columns
                .iter()
                .zip(beta)
                .map(|(&c, &b)| (f.names[c].clone(), b))
                .collect(),
            constant,
            total,
        })
    }

    /// The summed effect at step `t`; 0 without regressors.
    fn at(&self, t: usize) -> f64 {
        if self.used.is_empty() {
            0.0
        } else {
            self.total.get(t).copied().unwrap_or(f64::NAN)
        }
    }
}

impl FittedMstl {
    /// The seasonal parts summed at step `t` (history or future): each
    /// component's value one or more whole cycles back within the history.
    fn seasonal_at(&self, t: usize) -> f64 {
        self.periods
            .iter()
            .zip(&self.seasonal)
            .map(|(&p, s)| {
                let mut i = t;
                if i >= self.n {
                    // The last cycle repeated: step back whole periods.
                    let back = (i - self.n) / p + 1;
                    i -= back * p;
                }
                s.get(i).copied().unwrap_or(0.0)
            })
            .sum()
    }
}

impl Predict for FittedMstl {
    fn predict(&self, h: usize, levels: &[f64]) -> Result<Forecast> {
        let mut f = self.adjusted.predict(h, levels)?;
        let mut season = Vec::with_capacity(h);
        for i in 0..h {
            let effect = self.effects.at(self.n + i);
            if !effect.is_finite() {
                return Err(Error::Features(format!(
                    "mstl needs the regressors' values {} step(s) ahead; they end earlier",
                    i + 1
                )));
            }
            season.push(self.seasonal_at(self.n + i) + effect);
        }
        for (p, s) in f.point.iter_mut().zip(&season) {
            *p += s;
        }
        for interval in &mut f.intervals {
            for (i, s) in season.iter().enumerate() {
                interval.lower[i] += s;
                interval.upper[i] += s;
            }
        }
        Ok(f)
    }

    fn fitted(&self) -> Vec<f64> {
        self.adjusted
            .fitted()
            .iter()
            .enumerate()
            .map(|(t, f)| f + self.seasonal_at(t) + self.effects.at(t))
            .collect()
    }

    fn describe(&self) -> String {
        let p: Vec<String> = self.periods.iter().map(usize::to_string).collect();
        // Short: the report's chart titles keep the first 60 characters.
        let effects: Vec<String> = self
            .effects
            .used
            .iter()
            .map(|(name, b)| format!("{name} {b:+.3}"))
            .collect();
        format!(
            "MSTL({}) + {} on the rest{}",
            if p.is_empty() {
                "no season".into()
            } else {
                p.join("+")
            },
            self.adjusted.describe(),
            if effects.is_empty() {
                String::new()
            } else {
                format!(", with {}", effects.join(", "))
            }
        )
    }

    fn note(&self) -> Option<String> {
        let mut notes = Vec::new();
        if !self.dropped.is_empty() {
            let p: Vec<String> = self.dropped.iter().map(usize::to_string).collect();
            notes.push(format!(
                "period(s) {} left out, the history ({} steps) does not hold two of each",
                p.join(", "),
                self.n
            ));
        }
        if !self.effects.constant.is_empty() {
            notes.push(format!(
                "{} never change(s) in the history, so no effect is estimated",
                self.effects.constant.join(", ")
            ));
        }
        (!notes.is_empty()).then(|| notes.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A day and a week cycle plus a level: MSTL recovers both cycles and
    /// forecasts the next week almost exactly.
    #[test]
    fn mstl_forecasts_a_daily_and_weekly_cycle() {
        let truth = |t: usize| {
            let hour = (t % 24) as f64;
            let day = (t / 24) % 7;
            100.0
                + 30.0 * (2.0 * std::f64::consts::PI * hour / 24.0).sin()
                + [10.0, 5.0, 0.0, 0.0, -2.0, -6.0, -7.0][day]
        };
        let y: Vec<f64> = (0..24 * 7 * 6).map(truth).collect();
        let fit = Mstl { periods: vec![] }.fit(&Input::new(&y, 24)).unwrap();
        let f = fit.predict(168, &[95.0]).unwrap();
        let worst = f
            .point
            .iter()
            .enumerate()
            .map(|(i, p)| (p - truth(y.len() + i)).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1.0, "{worst}: {}", fit.describe());
        assert!(fit.note().is_none());
        assert!(f.intervals[0].lower[0] < f.point[0] && f.point[0] < f.intervals[0].upper[0]);
    }

    /// A daily cycle plus 2 patients an hour per degree of a temperature that
    /// wanders with its own rhythm, and a level that drifts: with the
    /// temperature as a regressor MSTL finds its effect and forecasts the
    /// next days from the temperature forecast, far better than without it.
    #[test]
    fn mstl_estimates_a_regressor_effect_and_uses_its_future_values() {
        let n = 24 * 7 * 4;
        let h = 48;
        let temp = |t: usize| 10.0 * (t as f64 / 37.3).sin() + 4.0 * (t as f64 / 11.1).cos();
        let truth = |t: usize| {
            let hour = (t % 24) as f64;
            50.0 + 0.01 * t as f64
                + 20.0 * (2.0 * std::f64::consts::PI * hour / 24.0).sin()
                + 2.0 * temp(t)
        };
        let y: Vec<f64> = (0..n).map(truth).collect();
        let features = Features {
            names: vec!["hour01".into(), "temp".into()],
            rows: (0..n + h)
                .map(|t| vec![f64::from(u8::from(t % 24 == 1)), temp(t)])
                .collect(),
            cyclic: 1,
        };
        let with = Input {
            y: &y,
            season_length: 24,
            features: Some(&features),
        };
        let model = Mstl { periods: vec![24] };
        let fit = model.fit(&with).unwrap_or_else(|e| panic!("{e}"));
        let described = fit.describe();
        let effect: f64 = described
            .split("temp ")
            .nth(1)
            .and_then(|rest| rest.parse().ok())
            .unwrap_or(f64::NAN);
        assert!((effect - 2.0).abs() < 0.05, "{described}");
        assert!(!described.contains("hour01"), "{described}");
        let worst = |f: &Forecast| {
            f.point
                .iter()
                .enumerate()
                .map(|(i, p)| (p - truth(n + i)).abs())
                .fold(0.0, f64::max)
        };
        let f = fit.predict(h, &[80.0]).unwrap_or_else(|e| panic!("{e}"));
        let plain = model
            .fit(&Input::new(&y, 24))
            .and_then(|m| m.predict(h, &[80.0]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(worst(&f) < 1.5, "with the regressor: {}", worst(&f));
        assert!(worst(&plain) > 10.0, "without: {}", worst(&plain));
        // Past the regressor's rows there is nothing to forecast from.
        assert!(fit.predict(h + 1, &[80.0]).is_err());
    }

    #[test]
    fn a_period_the_history_cannot_hold_twice_is_left_out_and_said() {
        let y: Vec<f64> = (0..24 * 10).map(|t| (t % 24) as f64).collect();
        let fit = Mstl { periods: vec![] }.fit(&Input::new(&y, 24)).unwrap();
        let note = fit.note().unwrap_or_default();
        assert!(note.contains("168"), "{note}");
        assert!(
            fit.describe().starts_with("MSTL(24) + "),
            "{}",
            fit.describe()
        );
    }
}

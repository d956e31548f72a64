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

use crate::ets::Ets;
use crate::{Error, Fit, Forecast, Input, Predict, Result};

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
        let adjusted = Ets::auto().fit(&Input::new(&rest, 1))?;
        Ok(Box::new(FittedMstl {
            periods,
            dropped,
            seasonal,
            adjusted,
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
    /// Non-seasonal AutoETS on trend plus remainder.
    adjusted: Box<dyn Predict>,
    n: usize,
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
        let season: Vec<f64> = (0..h).map(|i| self.seasonal_at(self.n + i)).collect();
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
            .map(|(t, f)| f + self.seasonal_at(t))
            .collect()
    }

    fn describe(&self) -> String {
        let p: Vec<String> = self.periods.iter().map(usize::to_string).collect();
        // Short: the report's chart titles keep the first 60 characters.
        format!(
            "MSTL({}) + {} on the rest",
            if p.is_empty() {
                "no season".into()
            } else {
                p.join("+")
            },
            self.adjusted.describe()
        )
    }

    fn note(&self) -> Option<String> {
        (!self.dropped.is_empty()).then(|| {
            let p: Vec<String> = self.dropped.iter().map(usize::to_string).collect();
            format!(
                "mstl: period(s) {} left out, the history ({} steps) does not hold two of each",
                p.join(", "),
                self.n
            )
        })
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

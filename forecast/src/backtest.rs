//! Rolling-origin evaluation: refit at each origin, forecast the next `h`
//! steps, score against what happened.
//!
//! With `folds = k` and `step = s` the training parts end at
//! `n − h − (k−1)s, …, n − h − s, n − h`; each fold forecasts the `h` steps after
//! its end. Metrics are computed per fold (MASE scaled on that fold's training
//! part) and averaged over folds into one row per series and model.

use crate::metrics;
use crate::spec::ModelSpec;
use crate::{Features, Forecast, Input, Result};
use std::time::Instant;

/// Settings of a backtest.
#[derive(Debug, Clone)]
pub struct Config {
    /// Forecast horizon per fold.
    pub horizon: usize,
    /// Number of origins.
    pub folds: usize,
    /// Steps between origins (defaults to the horizon in the CLI).
    pub step: usize,
    /// Interval levels scored (percent).
    pub levels: Vec<f64>,
    /// Season length (MASE scaling, seasonal models).
    pub season_length: usize,
    /// Clip forecasts at zero (counts).
    pub non_negative: bool,
    /// Shortest training part a fold may have (origins before it are skipped; at least 2).
    pub min_train: usize,
    /// Calibration windows of conformal intervals (models without their own).
    pub conformal_windows: usize,
    /// Conformal intervals for every model, replacing their own.
    pub conformal_for_all: bool,
}

/// One fold's forecast of one model.
#[derive(Debug, Clone)]
pub struct Fold {
    /// Index of the first forecast step in the series.
    pub origin: usize,
    /// The forecast.
    pub forecast: Forecast,
    /// What happened.
    pub actual: Vec<f64>,
    /// MASE scale of the fold's training part.
    pub scale: f64,
}

/// Scores of one model on one series.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Scores {
    /// Model name as given.
    pub model: String,
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean absolute scaled error.
    pub mase: f64,
    /// Symmetric MAPE (percent, 0–200).
    pub smape: f64,
    /// Weighted absolute percentage error (ratio).
    pub wape: f64,
    /// Mean pinball loss over both bounds of all levels (NaN without intervals).
    pub pinball: f64,
    /// The pinball loss divided by the fold's MASE scale: comparable across
    /// series of different sizes, as MASE is.
    pub scaled_pinball: f64,
    /// The continuous ranked probability score, approximated from the
    /// quantiles the forecast has (the point as the median, both ends of
    /// every interval): twice their mean quantile loss. Without intervals it
    /// is the MAE, as the CRPS of a point forecast is.
    pub crps: f64,
    /// Coverage per level, in the order of the config's levels.
    pub coverage: Vec<f64>,
    /// What the intervals promised per level: the level itself, or the
    /// model's own chance of its whole-unit interval
    /// ([`crate::Interval::probability`]), averaged like coverage.
    pub promised: Vec<f64>,
    /// Seconds spent fitting and forecasting (all folds).
    pub fit_seconds: f64,
    /// Folds that could be fitted.
    pub folds: usize,
    /// Why folds failed, if any did.
    pub error: Option<String>,
}

/// The fold origins for a series of length n (empty if it is too short).
pub fn origins(n: usize, cfg: &Config) -> Vec<usize> {
    (0..cfg.folds)
        .rev()
        .filter_map(|back| n.checked_sub(cfg.horizon + back * cfg.step))
        .filter(|&o| o >= cfg.min_train.max(2))
        .collect()
}

/// Backtests one model on one series.
pub fn evaluate(
    y: &[f64],
    features: Option<&Features>,
    spec: &ModelSpec,
    name: &str,
    cfg: &Config,
) -> (Scores, Vec<Fold>) {
    let model = spec.build_calibrated(cfg.conformal_windows, cfg.conformal_for_all);
    let mut folds = Vec::new();
    let mut error = None;
    let started = Instant::now();
    for origin in origins(y.len(), cfg) {
        let train = &y[..origin];
        let input = Input {
            y: train,
            season_length: cfg.season_length,
            features,
        };
        let result: Result<Forecast> = model
            .fit(&input)
            .and_then(|f| f.predict(cfg.horizon, &cfg.levels));
        match result {
            Ok(mut forecast) => {
                if cfg.non_negative {
                    forecast.make_count(false);
                }
                folds.push(Fold {
                    origin,
                    forecast,
                    actual: y[origin..origin + cfg.horizon].to_vec(),
                    scale: metrics::mase_scale(train, cfg.season_length),
                });
            }
            Err(e) => error = Some(e.to_string()),
        }
    }
    let fit_seconds = started.elapsed().as_secs_f64();
    (score(name, &folds, cfg, fit_seconds, error), folds)
}

/// The summed mean quantile loss of both ends of every interval of a fold,
/// and the number of ends.
fn interval_loss(fold: &Fold) -> (f64, usize) {
    let total: f64 = fold
        .forecast
        .intervals
        .iter()
        .map(|i| {
            let tail = (1.0 - i.level / 100.0) / 2.0;
            metrics::pinball(&fold.actual, &i.lower, tail)
                + metrics::pinball(&fold.actual, &i.upper, 1.0 - tail)
        })
        .sum();
    (total, 2 * fold.forecast.intervals.len())
}

/// Scores folds forecast elsewhere (e.g. a combination of stored fold
/// forecasts) as [`evaluate`] scores its own.
pub fn score_folds(name: &str, folds: &[Fold], cfg: &Config) -> Scores {
    score(name, folds, cfg, 0.0, None)
}

fn score(
    name: &str,
    folds: &[Fold],
    cfg: &Config,
    fit_seconds: f64,
    error: Option<String>,
) -> Scores {
    let avg = |f: &dyn Fn(&Fold) -> f64| {
        let values: Vec<f64> = folds.iter().map(f).filter(|v| v.is_finite()).collect();
        crate::numeric::mean(&values)
    };
    // Without intervals a fold has no pinball loss (0 / 0 is NaN, skipped).
    let pinball_of = |fold: &Fold| {
        let (sum, ends) = interval_loss(fold);
        sum / ends as f64
    };
    let pinball = avg(&pinball_of);
    let scaled_pinball = avg(&|fold: &Fold| pinball_of(fold) / fold.scale);
    let crps = avg(&|fold: &Fold| {
        let (sum, ends) = interval_loss(fold);
        let median = metrics::pinball(&fold.actual, &fold.forecast.point, 0.5);
        2.0 * (median + sum) / (1 + ends) as f64
    });
    let coverage = cfg
        .levels
        .iter()
        .map(|&level| {
            avg(&|fold: &Fold| match fold.forecast.interval(level) {
                Some(i) => metrics::coverage(&fold.actual, &i.lower, &i.upper),
                None => f64::NAN,
            })
        })
        .collect();
    let promised = cfg
        .levels
        .iter()
        .map(|&level| {
            avg(&|fold: &Fold| match fold.forecast.interval(level) {
                Some(i) => i.probability.unwrap_or(level / 100.0),
                None => f64::NAN,
            })
        })
        .collect();
    Scores {
        model: name.to_string(),
        mae: avg(&|f| metrics::mae(&f.actual, &f.forecast.point)),
        rmse: avg(&|f| metrics::rmse(&f.actual, &f.forecast.point)),
        mase: avg(&|f| metrics::mase(&f.actual, &f.forecast.point, f.scale)),
        smape: avg(&|f| metrics::smape(&f.actual, &f.forecast.point)),
        wape: avg(&|f| metrics::wape(&f.actual, &f.forecast.point)),
        pinball,
        scaled_pinball,
        crps,
        coverage,
        promised,
        fit_seconds,
        folds: folds.len(),
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Interval;

    fn config(levels: Vec<f64>) -> Config {
        Config {
            horizon: 2,
            folds: 1,
            step: 2,
            levels,
            season_length: 1,
            non_negative: false,
            min_train: 2,
            conformal_windows: 5,
            conformal_for_all: false,
        }
    }

    #[test]
    fn crps_of_a_point_forecast_is_its_mae_and_intervals_are_scored_by_quantile() {
        let point_only = Fold {
            origin: 10,
            forecast: Forecast {
                point: vec![10.0, 12.0],
                intervals: Vec::new(),
            },
            actual: vec![11.0, 15.0],
            scale: 2.0,
        };
        let s = score_folds("m", std::slice::from_ref(&point_only), &config(vec![]));
        assert!((s.crps - s.mae).abs() < 1e-12, "{s:?}");
        assert!(s.scaled_pinball.is_nan());
        // An 80% interval [8, 14] at both steps, actuals 11 and 15: the
        // 0.1-quantile loses 0.1·(3, 7), mean 0.5; the 0.9-quantile
        // 0.1·3 and 0.9·1, mean 0.6; the median 0.5·(1, 3), mean 1.0.
        // CRPS = 2·(1.0 + 0.5 + 0.6)/3 = 1.4; pinball (0.5 + 0.6)/2.
        let mut with = point_only;
        with.forecast.intervals = vec![Interval {
            level: 80.0,
            lower: vec![8.0, 8.0],
            upper: vec![14.0, 14.0],
            probability: None,
        }];
        let s = score_folds("m", &[with], &config(vec![80.0]));
        assert!((s.crps - 1.4).abs() < 1e-12, "{s:?}");
        assert!((s.pinball - 0.55).abs() < 1e-12, "{s:?}");
        assert!((s.scaled_pinball - 0.275).abs() < 1e-12, "{s:?}");
        assert_eq!(s.coverage, vec![0.5]);
    }
}

//! Accuracy metrics of point and interval forecasts.
//!
//! Conventions (as utilsforecast / statsforecast evaluate): MASE scales the
//! mean absolute error by the in-sample mean absolute seasonal-naive change of
//! the *training* part; sMAPE is the 0–200% form
//! `200 · mean(|y − ŷ| / (|y| + |ŷ|))` (terms with y = ŷ = 0 count as 0);
//! WAPE is `Σ|y − ŷ| / Σ|y|`; the pinball loss averages the quantile loss of
//! both bounds of every interval level; coverage is the share of actuals
//! inside the interval.

use hospsim_stats::mean_of;

/// Mean absolute error.
pub fn mae(actual: &[f64], forecast: &[f64]) -> f64 {
    mean_of(actual.iter().zip(forecast).map(|(a, f)| (a - f).abs()))
}

/// Root mean squared error.
pub fn rmse(actual: &[f64], forecast: &[f64]) -> f64 {
    mean_of(actual.iter().zip(forecast).map(|(a, f)| (a - f).powi(2))).sqrt()
}

/// The MASE scale: mean |y_t − y_{t−m}| over the training data (falls back
/// to m = 1 when there is less than one season plus one point). NaN if 0.
pub fn mase_scale(train: &[f64], season_length: usize) -> f64 {
    let m = if season_length >= 1 && train.len() > season_length {
        season_length
    } else {
        1
    };
    if train.len() <= m {
        return f64::NAN;
    }
    let scale = mean_of((m..train.len()).map(|t| (train[t] - train[t - m]).abs()));
    if scale > 0.0 { scale } else { f64::NAN }
}

/// Mean absolute scaled error.
pub fn mase(actual: &[f64], forecast: &[f64], scale: f64) -> f64 {
    mae(actual, forecast) / scale
}

/// Symmetric MAPE in percent (0–200).
pub fn smape(actual: &[f64], forecast: &[f64]) -> f64 {
    200.0
        * mean_of(actual.iter().zip(forecast).map(|(a, f)| {
            let d = a.abs() + f.abs();
            if d == 0.0 { 0.0 } else { (a - f).abs() / d }
        }))
}

/// Weighted absolute percentage error (a ratio; NaN if all actuals are 0).
pub fn wape(actual: &[f64], forecast: &[f64]) -> f64 {
    let total: f64 = actual.iter().map(|a| a.abs()).sum();
    let err: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(a, f)| (a - f).abs())
        .sum();
    if total > 0.0 { err / total } else { f64::NAN }
}

/// Quantile (pinball) loss of forecasts `q_forecast` of quantile `q`.
pub fn pinball(actual: &[f64], q_forecast: &[f64], q: f64) -> f64 {
    mean_of(actual.iter().zip(q_forecast).map(|(a, f)| {
        let d = a - f;
        (q * d).max((q - 1.0) * d)
    }))
}

/// Share of actuals inside `[lower, upper]`.
pub fn coverage(actual: &[f64], lower: &[f64], upper: &[f64]) -> f64 {
    mean_of(
        actual
            .iter()
            .zip(lower.iter().zip(upper))
            .map(|(a, (l, u))| f64::from(u8::from(*a >= *l && *a <= *u))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_on_a_worked_example() {
        let y = [10.0, 20.0, 30.0, 40.0];
        let f = [12.0, 18.0, 33.0, 40.0];
        assert!((mae(&y, &f) - 7.0 / 4.0).abs() < 1e-12);
        assert!((rmse(&y, &f) - (17.0f64 / 4.0).sqrt()).abs() < 1e-12);
        assert!((wape(&y, &f) - 7.0 / 100.0).abs() < 1e-12);
        let expected = 200.0 / 4.0 * (2.0 / 22.0 + 2.0 / 38.0 + 3.0 / 63.0);
        assert!((smape(&y, &f) - expected).abs() < 1e-12);
        // Training data 1,3,2,4 with m = 2: changes |2-1|, |4-3| -> scale 1.
        assert!((mase_scale(&[1.0, 3.0, 2.0, 4.0], 2) - 1.0).abs() < 1e-12);
        assert!(
            (coverage(&y, &[9.0, 21.0, 25.0, 39.0], &[11.0, 25.0, 35.0, 41.0]) - 0.75).abs()
                < 1e-12
        );
        // Median pinball is half the MAE.
        assert!((pinball(&y, &f, 0.5) - mae(&y, &f) / 2.0).abs() < 1e-12);
    }
}

//! Samples of the log turned into fitted durations, and the tests that decide
//! whether a stay gets a discharge-hour profile.

use super::DurationFit;
use crate::distfit::{fit_all, fit_weighted};
use std::collections::BTreeMap;

/// Mean and sample standard deviation; one value has a spread of 0 (a fit
/// report shows "sd 0" for a single stay rather than no number).
pub(super) fn mean_sd(x: &[f64]) -> (f64, f64) {
    match x.len() {
        0 => (f64::NAN, f64::NAN),
        1 => (x[0], 0.0),
        _ => {
            let (m, v) = hospsim_stats::mean_variance(x);
            (m, v.sqrt())
        }
    }
}

/// [`fit_durations`] with a weight per observation (censoring weights): the
/// mean, spread, quantiles and fits are the weighted ones.
pub(super) fn fit_durations_weighted(what: String, sample: &[(f64, f64)]) -> DurationFit {
    if sample.iter().all(|x| x.1 == 1.0) {
        let values: Vec<f64> = sample.iter().map(|x| x.0).collect();
        return fit_durations(what, &values);
    }
    let mut sorted: Vec<(f64, f64)> = sample
        .iter()
        .copied()
        .filter(|x| x.0.is_finite() && x.1 > 0.0)
        .collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = sorted.iter().map(|x| x.1).sum();
    let mean = sorted.iter().map(|x| x.0 * x.1).sum::<f64>() / total;
    let var = sorted
        .iter()
        .map(|x| x.1 * (x.0 - mean).powi(2))
        .sum::<f64>()
        / total;
    // Quantiles of the weighted distribution at 0.5%, 1.5%, ..., 99.5%.
    let mut quantiles = vec![];
    if sorted.len() >= 2 {
        let (mut cum, mut j) = (0.0, 0);
        for k in 0..100 {
            let target = (k as f64 + 0.5) / 100.0 * total;
            while j + 1 < sorted.len() && cum + sorted[j].1 < target {
                cum += sorted[j].1;
                j += 1;
            }
            quantiles.push(sorted[j].0.max(0.0));
        }
    }
    DurationFit {
        what: format!("{what} [weighted for censoring]"),
        n: sorted.len(),
        sample_mean: mean,
        sample_sd: var.sqrt(),
        fits: fit_weighted(&sorted),
        quantiles,
    }
}

pub(super) fn fit_durations(what: String, sample: &[f64]) -> DurationFit {
    let (sample_mean, sample_sd) = mean_sd(sample);
    let mut sorted: Vec<f64> = sample.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let quantiles = if sorted.len() >= 2 {
        (0..100)
            .map(|k| {
                let pos = (k as f64 + 0.5) / 100.0 * (sorted.len() - 1) as f64;
                let (i, f) = (pos.floor() as usize, pos - pos.floor());
                let hi = sorted[(i + 1).min(sorted.len() - 1)];
                (sorted[i] * (1.0 - f) + hi * f).max(0.0)
            })
            .collect()
    } else {
        vec![]
    };
    DurationFit {
        what,
        n: sample.len(),
        sample_mean,
        sample_sd,
        fits: fit_all(sample),
        quantiles,
    }
}

/// Whether stays end at some hours of the day more than others: a chi-square
/// test against the uniform at the 0.1% level (23 degrees of freedom: 49.73),
/// on at least 30 stays. Without a pattern the fitted length is used as it is.
pub(super) fn hour_pattern(hours: &[u64; 24]) -> bool {
    let n: u64 = hours.iter().sum();
    if n < 30 {
        return false;
    }
    let e = n as f64 / 24.0;
    let chi2: f64 = hours.iter().map(|&o| (o as f64 - e).powi(2) / e).sum();
    chi2 > 49.73
}

/// Whether fewer than 5% of the stays ending by `to` ended the day they began.
pub(super) fn profile_ok(same_day: &BTreeMap<String, (u64, u64)>, to: &str) -> bool {
    same_day
        .get(to)
        .is_some_and(|&(same, all)| (same as f64) < 0.05 * all as f64)
}

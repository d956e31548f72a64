//! Small numerical helpers: quantiles, classical decomposition, autocorrelation,
//! polynomial roots and tiny least squares.

use statrs::distribution::{ContinuousCDF, Normal};

/// Standard-normal quantile.
pub(crate) fn normal_quantile(p: f64) -> f64 {
    match Normal::new(0.0, 1.0) {
        Ok(n) => n.inverse_cdf(p.clamp(1e-12, 1.0 - 1e-12)),
        Err(_) => f64::NAN,
    }
}

pub(crate) use hospsim_stats::{mean, quantile, quantile_select};

/// Seasonal indices of a classical decomposition (centred moving average,
/// averaged detrended values per season position, normalised to mean 0 or 1),
/// laid out over the whole series from its first observation, as statsmodels'
/// `seasonal_decompose` computes them.
pub(crate) fn classical_seasonal(y: &[f64], m: usize, multiplicative: bool) -> Vec<f64> {
    let n = y.len();
    let half = m / 2;
    let mut trend = vec![f64::NAN; n];
    if n > 2 * half {
        for (t, slot) in trend.iter_mut().enumerate().take(n - half).skip(half) {
            let mut s = 0.0;
            if m.is_multiple_of(2) {
                s += 0.5 * y[t - half] + 0.5 * y[t + half];
                for v in &y[t + 1 - half..t + half] {
                    s += v;
                }
            } else {
                for v in &y[t - half..=t + half] {
                    s += v;
                }
            }
            *slot = s / m as f64;
        }
    }
    let mut sums = vec![0.0; m];
    let mut counts = vec![0usize; m];
    for t in 0..n {
        if trend[t].is_finite() {
            let d = if multiplicative {
                y[t] / trend[t]
            } else {
                y[t] - trend[t]
            };
            sums[t % m] += d;
            counts[t % m] += 1;
        }
    }
    let mut avg: Vec<f64> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &c)| if c > 0 { s / c as f64 } else { f64::NAN })
        .collect();
    let centre = mean(&avg);
    for a in &mut avg {
        if multiplicative {
            *a /= centre;
        } else {
            *a -= centre;
        }
    }
    (0..n).map(|t| avg[t % m]).collect()
}

/// Sample autocorrelations at lags 1..=max_lag.
pub(crate) fn acf(y: &[f64], max_lag: usize) -> Vec<f64> {
    let mu = mean(y);
    let denom: f64 = y.iter().map(|v| (v - mu).powi(2)).sum();
    (1..=max_lag)
        .map(|k| {
            if denom == 0.0 || k >= y.len() {
                return 0.0;
            }
            let num: f64 = (k..y.len()).map(|t| (y[t] - mu) * (y[t - k] - mu)).sum();
            num / denom
        })
        .collect()
}

/// Seasonality test of the Theta method (and of statsforecast): the lag-`m`
/// autocorrelation is significant at 90% two-sided.
pub(crate) fn is_seasonal(y: &[f64], m: usize) -> bool {
    if m < 4 || y.len() < 2 * m {
        return false;
    }
    let r = acf(y, m);
    let stat =
        ((1.0 + 2.0 * r[..m - 1].iter().map(|v| v * v).sum::<f64>()) / y.len() as f64).sqrt();
    stat > 0.0 && r[m - 1].abs() / stat > normal_quantile(0.95)
}

/// Intercept and slope of y on 1..=n.
pub(crate) fn line_fit(y: &[f64]) -> (f64, f64) {
    let n = y.len() as f64;
    let tbar = (n + 1.0) / 2.0;
    let ybar = mean(y);
    let mut sxy = 0.0;
    let mut sxx = 0.0;
    for (i, v) in y.iter().enumerate() {
        let t = i as f64 + 1.0 - tbar;
        sxy += t * (v - ybar);
        sxx += t * t;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (ybar - slope * tbar, slope)
}

/// Whether every root of `c[0] + c[1] z + ... + c[d] z^d` lies inside the
/// circle of `radius`, by the Schur–Cohn recursion (O(d²), no root finding:
/// this runs inside the ETS likelihood, thousands of times per fit).
pub(crate) fn roots_within(c: &[f64], radius: f64) -> bool {
    // Two stack buffers swapped in turn, no allocation: this runs once per
    // likelihood evaluation of a seasonal model.
    const MAX: usize = 32;
    if c.len() > MAX {
        return false;
    }
    let mut buf_a = [0.0f64; MAX];
    let mut buf_b = [0.0f64; MAX];
    let (mut a, mut next) = (&mut buf_a, &mut buf_b);
    let mut scale = 1.0;
    for (k, v) in c.iter().enumerate() {
        a[k] = v * scale;
        scale *= radius;
    }
    let mut len = c.len();
    loop {
        while len > 1 && a[len - 1] == 0.0 {
            len -= 1;
        }
        let d = len - 1;
        if d == 0 {
            return true;
        }
        let (a0, ad) = (a[0], a[d]);
        if a0.abs() >= ad.abs() {
            return false;
        }
        // (a_d p(z) - a_0 p*(z)) / z has the same number of roots inside.
        // Zipped slices rather than indices: no bounds checks, and the loop
        // vectorises (it is a sixth of AutoETS's time on monthly series).
        for ((out, hi), lo) in next[..d].iter_mut().zip(&a[1..=d]).zip(a[..d].iter().rev()) {
            *out = ad * hi - a0 * lo;
        }
        std::mem::swap(&mut a, &mut next);
        len = d;
    }
}

/// Ordinary least squares by the normal equations (small, well-conditioned
/// designs only: a handful of columns). Returns None when singular.
pub(crate) fn lstsq(x: &[Vec<f64>], y: &[f64]) -> Option<Vec<f64>> {
    let p = x.first()?.len();
    let mut a = vec![vec![0.0; p + 1]; p];
    for (row, &v) in x.iter().zip(y) {
        for i in 0..p {
            for j in 0..p {
                a[i][j] += row[i] * row[j];
            }
            a[i][p] += row[i] * v;
        }
    }
    for col in 0..p {
        let pivot = (col..p).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        for r in 0..p {
            if r != col {
                let factor = a[r][col] / a[col][col];
                let pivot_row = a[col].clone();
                for (cell, pv) in a[r].iter_mut().zip(&pivot_row).skip(col) {
                    *cell -= factor * pv;
                }
            }
        }
    }
    Some((0..p).map(|i| a[i][p] / a[i][i]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schur_cohn_places_known_roots() {
        // (z - 2)(z + 0.5) = z^2 - 1.5 z - 1: a root at 2.
        assert!(!roots_within(&[-1.0, -1.5, 1.0], 1.0));
        assert!(roots_within(&[-1.0, -1.5, 1.0], 2.001));
        // (z - 0.9)(z + 0.5) = z^2 - 0.4 z - 0.45
        assert!(roots_within(&[-0.45, -0.4, 1.0], 1.0));
        assert!(!roots_within(&[-0.45, -0.4, 1.0], 0.89));
        // z^12 - 0.5: all roots of modulus 0.5^(1/12) ≈ 0.9439
        let mut c = vec![0.0; 13];
        c[0] = -0.5;
        c[12] = 1.0;
        assert!(roots_within(&c, 0.945) && !roots_within(&c, 0.943));
        // Complex pair 0.6 ± 0.7i (modulus 0.922): z^2 - 1.2 z + 0.85
        assert!(roots_within(&[0.85, -1.2, 1.0], 0.93) && !roots_within(&[0.85, -1.2, 1.0], 0.92));
    }

    #[test]
    fn decomposition_recovers_a_pure_additive_season() {
        let season = [3.0, -1.0, -2.0, 0.0];
        let y: Vec<f64> = (0..24)
            .map(|t| 10.0 + 0.5 * t as f64 + season[t % 4])
            .collect();
        let s = classical_seasonal(&y, 4, false);
        for t in 0..24 {
            assert!((s[t] - season[t % 4]).abs() < 1e-9, "{t}: {}", s[t]);
        }
    }
}

//! Paired comparison of a variant against a base across replications.
//!
//! With common random numbers, replication `r` of the base and of the variant
//! see the same patients, so the per-replication difference removes the noise
//! both share: its variance is smaller than the sum of the two variances, and
//! the interval of the difference is narrower than independent runs would give.

use hospsim_stats::mean_variance;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The difference variant - base of one measure.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Difference {
    /// Replications that had a value in both runs.
    pub n: usize,
    /// Mean difference (variant - base).
    pub mean: f64,
    /// Standard deviation of the per-replication differences (paired) or
    /// standard error times sqrt(n) (independent).
    pub sd: f64,
    /// 95% confidence interval of the mean difference.
    pub ci95: [f64; 2],
    /// Two-sided p-value of "no difference" (paired t-test, or Welch's t-test
    /// for independent runs).
    pub p_value: f64,
    /// 1 - Var(difference) / (Var(base) + Var(variant)): the share of the
    /// variance of the difference that common random numbers removed compared
    /// with independent runs (0 for independent runs, up to 1).
    pub variance_reduction: f64,
}

fn t_quantile_and_p(df: f64, t: f64) -> (f64, f64) {
    match StudentsT::new(0.0, 1.0, df) {
        // The survival function, not 1 - cdf: a clear difference has a
        // p-value far below the 1e-16 that 1 - cdf can tell from zero.
        Ok(d) => (d.inverse_cdf(0.975), smallest_p(2.0 * d.sf(t.abs()))),
        Err(_) => (f64::NAN, f64::NAN),
    }
}

/// A p-value is never written as 0: one below what a double holds is given
/// as the smallest positive double, "smaller than anything measurable".
fn smallest_p(p: f64) -> f64 {
    if p.is_nan() {
        p
    } else {
        p.clamp(f64::MIN_POSITIVE, 1.0)
    }
}

const NAN_DIFF: Difference = Difference {
    n: 0,
    mean: f64::NAN,
    sd: f64::NAN,
    ci95: [f64::NAN, f64::NAN],
    p_value: f64::NAN,
    variance_reduction: f64::NAN,
};

/// Paired difference over the replications where both values are finite.
pub fn paired(base: &[f64], variant: &[f64]) -> Difference {
    let pairs: Vec<(f64, f64)> = base
        .iter()
        .zip(variant)
        .filter(|(b, v)| b.is_finite() && v.is_finite())
        .map(|(b, v)| (*b, *v))
        .collect();
    let n = pairs.len();
    if n == 0 {
        return NAN_DIFF;
    }
    let d: Vec<f64> = pairs.iter().map(|(b, v)| v - b).collect();
    let (mean, var) = mean_variance(&d);
    let sd = var.sqrt();
    let (_, vb) = mean_variance(&pairs.iter().map(|p| p.0).collect::<Vec<_>>());
    let (_, vv) = mean_variance(&pairs.iter().map(|p| p.1).collect::<Vec<_>>());
    let variance_reduction = if vb + vv > 0.0 {
        1.0 - var / (vb + vv)
    } else {
        f64::NAN
    };
    if n < 2 {
        return Difference {
            n,
            mean,
            sd: f64::NAN,
            ci95: [f64::NAN; 2],
            p_value: f64::NAN,
            variance_reduction,
        };
    }
    if sd == 0.0 {
        // Every replication gave the same difference: exact, no interval to speak of.
        let p = if mean == 0.0 { 1.0 } else { f64::MIN_POSITIVE };
        return Difference {
            n,
            mean,
            sd,
            ci95: [mean, mean],
            p_value: p,
            variance_reduction,
        };
    }
    let se = sd / (n as f64).sqrt();
    let (q, p) = t_quantile_and_p((n - 1) as f64, mean / se);
    Difference {
        n,
        mean,
        sd,
        ci95: [mean - q * se, mean + q * se],
        p_value: p,
        variance_reduction,
    }
}

/// Difference of means of independent samples (Welch's t interval and test).
pub fn independent(base: &[f64], variant: &[f64]) -> Difference {
    let b: Vec<f64> = base.iter().copied().filter(|x| x.is_finite()).collect();
    let v: Vec<f64> = variant.iter().copied().filter(|x| x.is_finite()).collect();
    if b.len() < 2 || v.len() < 2 {
        return NAN_DIFF;
    }
    let (mb, vb) = mean_variance(&b);
    let (mv, vv) = mean_variance(&v);
    let (nb, nv) = (b.len() as f64, v.len() as f64);
    let mean = mv - mb;
    let se2 = vb / nb + vv / nv;
    let n = b.len().min(v.len());
    if se2 == 0.0 {
        let p = if mean == 0.0 { 1.0 } else { f64::MIN_POSITIVE };
        return Difference {
            n,
            mean,
            sd: 0.0,
            ci95: [mean, mean],
            p_value: p,
            variance_reduction: 0.0,
        };
    }
    let se = se2.sqrt();
    let df = se2 * se2 / ((vb / nb).powi(2) / (nb - 1.0) + (vv / nv).powi(2) / (nv - 1.0));
    let (q, p) = t_quantile_and_p(df, mean / se);
    Difference {
        n,
        mean,
        sd: se * (n as f64).sqrt(),
        ci95: [mean - q * se, mean + q * se],
        p_value: p,
        variance_reduction: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_runs_differ_by_exactly_zero() {
        let x = [1.0, 2.5, 3.0, 4.2];
        let d = paired(&x, &x);
        assert_eq!(d.mean, 0.0);
        assert_eq!(d.ci95, [0.0, 0.0]);
        assert_eq!(d.p_value, 1.0);
        assert_eq!(d.variance_reduction, 1.0);
    }

    #[test]
    fn paired_t_matches_a_hand_computation() {
        // differences 1, 2, 3, 4, 5: mean 3, sd sqrt(2.5), t = 3 / (sqrt(2.5)/sqrt(5)) = 4.2426
        let b = [10.0, 10.0, 10.0, 10.0, 10.0];
        let v = [11.0, 12.0, 13.0, 14.0, 15.0];
        let d = paired(&b, &v);
        assert!((d.mean - 3.0).abs() < 1e-12);
        let half = 2.776445 * (2.5f64).sqrt() / 5f64.sqrt();
        assert!((d.ci95[1] - 3.0 - half).abs() < 1e-4);
        // two-sided p for t = 4.2426 with 4 df is 0.01324
        assert!((d.p_value - 0.01324).abs() < 2e-4, "p = {}", d.p_value);
    }

    #[test]
    fn tiny_p_values_stay_positive_and_right() {
        // One degree of freedom is Cauchy: two-sided p = 2/pi atan(1/t).
        for t in [1e3, 1e10, 1e20] {
            let (_, p) = t_quantile_and_p(1.0, t);
            let exact = 2.0 / std::f64::consts::PI * (1.0 / t).atan();
            assert!((p / exact - 1.0).abs() < 1e-6, "t = {t}: p {p} vs {exact}");
        }
        // Beyond a double: the smallest positive one, never 0.
        let (_, p) = t_quantile_and_p(30.0, 1e6);
        assert!(p > 0.0 && p < 1e-100, "{p}");
        let same = paired(&[1.0, 2.0, 3.0], &[2.0, 3.0, 4.0]);
        assert!(same.p_value > 0.0 && same.p_value < 1e-300);
    }

    #[test]
    fn welch_interval_is_wider_than_paired_for_correlated_data() {
        let b = [10.0, 20.0, 30.0, 40.0, 50.0];
        let v = [11.0, 21.5, 30.5, 41.0, 51.0];
        let p = paired(&b, &v);
        let i = independent(&b, &v);
        assert!((p.mean - i.mean).abs() < 1e-12);
        assert!(p.ci95[1] - p.ci95[0] < (i.ci95[1] - i.ci95[0]) / 10.0);
        assert!(p.variance_reduction > 0.99);
        assert!(p.p_value < 0.01 && i.p_value > 0.5);
    }
}

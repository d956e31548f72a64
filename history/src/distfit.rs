//! Maximum-likelihood fits of duration distributions (exponential, gamma,
//! lognormal, Weibull), compared by AIC, with the Kolmogorov-Smirnov statistic.

use hospsim_sim::dist::DistSpec;
use hospsim_sim::duration::Duration;
use statrs::distribution::{ContinuousCDF, Exp, Gamma, LogNormal, Weibull};
use statrs::function::gamma::{digamma, ln_gamma};

/// Durations below this (minutes) are read as this: every family here needs
/// x > 0, and two events in the same second are "under a second" apart. (A
/// log in whole minutes has many zeros: no family fits that spike, and the
/// fitted scenario then uses the sample's quantiles; see `derive::KS_LIMIT`.)
pub const FLOOR_MINUTES: f64 = 1.0 / 60.0;

/// A distribution family that can be fitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Exponential.
    Exponential,
    /// Gamma.
    Gamma,
    /// Lognormal.
    Lognormal,
    /// Weibull.
    Weibull,
}

impl Family {
    /// The family's name as written in scenarios.
    pub fn name(self) -> &'static str {
        match self {
            Family::Exponential => "exponential",
            Family::Gamma => "gamma",
            Family::Lognormal => "lognormal",
            Family::Weibull => "weibull",
        }
    }
}

/// One fitted family.
#[derive(Clone, Debug)]
pub struct Fitted {
    /// Family.
    pub family: Family,
    /// Parameters: exponential (mean, -), gamma (shape, scale), lognormal
    /// (mu, sigma of the log), Weibull (shape, scale); minutes.
    pub params: (f64, f64),
    /// Log-likelihood at the estimate.
    pub loglik: f64,
    /// Akaike information criterion: 2k - 2 loglik.
    pub aic: f64,
    /// Kolmogorov-Smirnov statistic against the sample.
    pub ks: f64,
    /// Sample size.
    pub n: usize,
}

impl Fitted {
    /// Mean of the fitted distribution in minutes.
    pub fn mean(&self) -> f64 {
        let (a, b) = self.params;
        match self.family {
            Family::Exponential => a,
            Family::Gamma => a * b,
            Family::Lognormal => (a + b * b / 2.0).exp(),
            Family::Weibull => b * statrs::function::gamma::gamma(1.0 + 1.0 / a),
        }
    }

    /// Standard deviation in minutes.
    pub fn sd(&self) -> f64 {
        let (a, b) = self.params;
        match self.family {
            Family::Exponential => a,
            Family::Gamma => a.sqrt() * b,
            Family::Lognormal => self.mean() * ((b * b).exp() - 1.0).sqrt(),
            Family::Weibull => {
                let g = statrs::function::gamma::gamma;
                b * (g(1.0 + 2.0 / a) - g(1.0 + 1.0 / a).powi(2))
                    .max(0.0)
                    .sqrt()
            }
        }
    }

    /// The scenario form of the fitted distribution.
    pub fn spec(&self) -> DistSpec {
        let d = |m: f64| Duration::from_minutes(round_sig(m));
        match self.family {
            Family::Exponential => DistSpec::Exponential {
                mean: d(self.mean()),
            },
            Family::Gamma => DistSpec::Gamma {
                mean: d(self.mean()),
                sd: Some(d(self.sd())),
                cv: None,
                variance: None,
            },
            Family::Lognormal => DistSpec::Lognormal {
                mean: d(self.mean()),
                sd: Some(d(self.sd())),
                cv: None,
                variance: None,
            },
            Family::Weibull => DistSpec::Weibull {
                shape: round_sig(self.params.0),
                scale: d(self.params.1),
            },
        }
    }

    fn cdf(&self, x: f64) -> f64 {
        let (a, b) = self.params;
        match self.family {
            Family::Exponential => Exp::new(1.0 / a).map_or(f64::NAN, |d| d.cdf(x)),
            Family::Gamma => Gamma::new(a, 1.0 / b).map_or(f64::NAN, |d| d.cdf(x)),
            Family::Lognormal => LogNormal::new(a, b).map_or(f64::NAN, |d| d.cdf(x)),
            Family::Weibull => Weibull::new(a, b).map_or(f64::NAN, |d| d.cdf(x)),
        }
    }
}

/// Four significant digits: fitted values are written for people to read.
pub fn round_sig(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let p = 10f64.powi(3 - x.abs().log10().floor() as i32);
    (x * p).round() / p
}

/// Fits every family to the sample (minutes) and returns them best AIC first;
/// empty when fewer than two distinct positive values are given.
pub fn fit_all(sample: &[f64]) -> Vec<Fitted> {
    let pairs: Vec<(f64, f64)> = sample.iter().map(|&x| (x, 1.0)).collect();
    fit_weighted(&pairs)
}

/// [`fit_all`] with a weight per observation (maximum weighted likelihood):
/// with inverse-probability-of-censoring weights, completed stays stand for
/// the long stays a log's end cut. Weights are scaled to sum to the sample
/// size, so AIC keeps its scale; equal weights give [`fit_all`] exactly.
pub fn fit_weighted(sample: &[(f64, f64)]) -> Vec<Fitted> {
    let mut xw: Vec<(f64, f64)> = sample
        .iter()
        .filter(|v| v.0.is_finite() && v.1.is_finite() && v.1 > 0.0)
        .map(|&(v, w)| (v.max(FLOOR_MINUTES), w))
        .collect();
    if xw.len() < 2 {
        return vec![];
    }
    xw.sort_by(|a, b| a.0.total_cmp(&b.0));
    if xw[0].0 == xw[xw.len() - 1].0 {
        return vec![];
    }
    let count = xw.len() as f64;
    let total: f64 = xw.iter().map(|v| v.1).sum();
    let w: Vec<f64> = xw.iter().map(|v| v.1 * count / total).collect();
    let x: Vec<f64> = xw.iter().map(|v| v.0).collect();
    let n: f64 = w.iter().sum();
    let mean = x.iter().zip(&w).map(|(v, w)| v * w).sum::<f64>() / n;
    let logs: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let sum_log = logs.iter().zip(&w).map(|(l, w)| l * w).sum::<f64>();
    let mean_log = sum_log / n;
    let mut fits = vec![];
    // Exponential.
    let ll = -n * mean.ln() - n;
    fits.push((Family::Exponential, (mean, 0.0), ll, 1.0));
    // Lognormal: closed form.
    let var_log = logs
        .iter()
        .zip(&w)
        .map(|(l, w)| w * (l - mean_log).powi(2))
        .sum::<f64>()
        / n;
    let sigma = var_log.sqrt().max(1e-9);
    let ll = -sum_log - n * sigma.ln() - 0.5 * n * (2.0 * std::f64::consts::PI).ln() - 0.5 * n;
    fits.push((Family::Lognormal, (mean_log, sigma), ll, 2.0));
    // Gamma: ln a - digamma(a) = ln(mean) - mean(ln x), decreasing in a.
    let s = mean.ln() - mean_log;
    if s > 1e-12 {
        let a = bisect(|a| a.ln() - digamma(a) - s, 1e-4, 1e6);
        let theta = mean / a;
        let ll = (a - 1.0) * sum_log - n * mean / theta - n * a * theta.ln() - n * ln_gamma(a);
        fits.push((Family::Gamma, (a, theta), ll, 2.0));
    }
    // Weibull: profile equation in the shape k, on x scaled by its mean.
    let z: Vec<f64> = x.iter().map(|v| v / mean).collect();
    let zl: Vec<f64> = z.iter().map(|v| v.ln()).collect();
    let mzl = zl.iter().zip(&w).map(|(l, w)| l * w).sum::<f64>() / n;
    let g = |k: f64| {
        let (mut a, mut b) = (0.0, 0.0);
        for ((zi, li), wi) in z.iter().zip(&zl).zip(&w) {
            let p = wi * zi.powf(k);
            a += p * li;
            b += p;
        }
        a / b - 1.0 / k - mzl
    };
    // g increases in k: negative below the root.
    let k = bisect(|k| -g(k), 0.01, 100.0);
    let sk = z.iter().zip(&w).map(|(v, w)| w * v.powf(k)).sum::<f64>() / n;
    let scale = mean * sk.powf(1.0 / k);
    let ll = n * k.ln() - n * k * scale.ln() + (k - 1.0) * sum_log
        - x.iter()
            .zip(&w)
            .map(|(v, w)| w * (v / scale).powf(k))
            .sum::<f64>();
    fits.push((Family::Weibull, (k, scale), ll, 2.0));

    let mut out: Vec<Fitted> = fits
        .into_iter()
        .filter(|f| f.2.is_finite())
        .map(|(family, params, loglik, k)| {
            let mut f = Fitted {
                family,
                params,
                loglik,
                aic: 2.0 * k - 2.0 * loglik,
                ks: f64::NAN,
                n: x.len(),
            };
            f.ks = ks_weighted(&x, &w, |v| f.cdf(v));
            f
        })
        .collect();
    out.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    out
}

/// Kolmogorov-Smirnov statistic of a sorted sample with weights summing to n.
fn ks_weighted(sorted: &[f64], w: &[f64], cdf: impl Fn(f64) -> f64) -> f64 {
    let n: f64 = w.iter().sum();
    let (mut d, mut cum): (f64, f64) = (0.0, 0.0);
    for (&x, &wi) in sorted.iter().zip(w) {
        let f = cdf(x);
        d = d.max((f - cum / n).abs());
        cum += wi;
        d = d.max((cum / n - f).abs());
    }
    d
}

/// Root of a decreasing function on `[lo, hi]` by bisection in log space.
fn bisect(f: impl Fn(f64) -> f64, mut lo: f64, mut hi: f64) -> f64 {
    for _ in 0..200 {
        let mid = (lo * hi).sqrt();
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi / lo < 1.0 + 1e-12 {
            break;
        }
    }
    (lo * hi).sqrt()
}

/// Mean duration by Kaplan-Meier from completed durations and censored ones
/// (still running when the log ended), restricted to the longest observed:
/// what the completed ones alone would be without the long stays the log cut.
pub fn km_restricted_mean(done: &[f64], censored: &[f64]) -> f64 {
    let mut obs: Vec<(f64, bool)> = done
        .iter()
        .map(|&t| (t, true))
        .chain(censored.iter().map(|&t| (t, false)))
        .filter(|o| o.0.is_finite())
        .collect();
    if obs.is_empty() {
        return f64::NAN;
    }
    // Events before censorings at the same time (the usual convention).
    obs.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let (mut at_risk, mut surv, mut area, mut prev) = (obs.len() as f64, 1.0, 0.0, 0.0);
    let mut i = 0;
    while i < obs.len() {
        let t = obs[i].0;
        area += surv * (t - prev);
        prev = t;
        let (mut deaths, mut leaving) = (0.0, 0.0);
        while i < obs.len() && obs[i].0 == t {
            deaths += f64::from(u8::from(obs[i].1));
            leaving += 1.0;
            i += 1;
        }
        if at_risk > 0.0 {
            surv *= 1.0 - deaths / at_risk;
        }
        at_risk -= leaving;
    }
    area
}

/// Inverse-probability-of-censoring weights: the chance that a stay of a given
/// length is seen to its end before the log stops is the Kaplan-Meier survival
/// of the censoring times (the cut stays are the "events", the completed ones
/// censored). A completed stay of length t stands for 1 / G(t-) stays, capped
/// at `cap` so that a few long stays cannot dominate.
pub fn censoring_weights(done: &[f64], censored: &[f64], cap: f64) -> impl Fn(f64) -> f64 {
    let mut obs: Vec<(f64, bool)> = censored
        .iter()
        .map(|&t| (t, true))
        .chain(done.iter().map(|&t| (t, false)))
        .filter(|o| o.0.is_finite())
        .collect();
    // At a tie a completed stay is still at risk of being cut: cuts first.
    obs.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut steps: Vec<(f64, f64)> = vec![];
    let (mut at_risk, mut g) = (obs.len() as f64, 1.0);
    let mut i = 0;
    while i < obs.len() {
        let t = obs[i].0;
        let (mut cuts, mut leaving) = (0.0, 0.0);
        while i < obs.len() && obs[i].0 == t {
            cuts += f64::from(u8::from(obs[i].1));
            leaving += 1.0;
            i += 1;
        }
        if cuts > 0.0 && at_risk > 0.0 {
            g *= 1.0 - cuts / at_risk;
            steps.push((t, g));
        }
        at_risk -= leaving;
    }
    move |t: f64| {
        // G just before t: the last step strictly before it.
        let k = steps.partition_point(|s| s.0 < t);
        let g = if k == 0 { 1.0 } else { steps[k - 1].1 };
        (1.0 / g.max(1e-12)).min(cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::Distribution;

    fn sample<D: Distribution<f64>>(d: D, n: usize) -> Vec<f64> {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        (0..n).map(|_| d.sample(&mut rng)).collect()
    }

    #[test]
    fn recovers_each_family_and_picks_it_by_aic() {
        let n = 20_000;
        let g = fit_all(&sample(rand_distr::Gamma::new(2.5, 40.0).unwrap(), n));
        assert_eq!(g[0].family, Family::Gamma);
        assert!((g[0].params.0 - 2.5).abs() < 0.1, "{:?}", g[0]);
        let l = fit_all(&sample(rand_distr::LogNormal::new(5.0, 0.6).unwrap(), n));
        assert_eq!(l[0].family, Family::Lognormal);
        assert!((l[0].params.0 - 5.0).abs() < 0.02 && (l[0].params.1 - 0.6).abs() < 0.02);
        let w = fit_all(&sample(rand_distr::Weibull::new(300.0, 1.7).unwrap(), n));
        assert_eq!(w[0].family, Family::Weibull);
        assert!((w[0].params.0 - 1.7).abs() < 0.05 && (w[0].params.1 / 300.0 - 1.0).abs() < 0.02);
        let e = fit_all(&sample(rand_distr::Exp::new(1.0 / 90.0).unwrap(), n));
        // Exponential is nested in gamma and Weibull: AIC prefers the simpler one
        // unless the data say otherwise; its mean is the sample mean.
        let ex = e.iter().find(|f| f.family == Family::Exponential).unwrap();
        assert!((ex.mean() / 90.0 - 1.0).abs() < 0.03);
        // A good fit has a small KS statistic; a wrong family a large one.
        assert!(g[0].ks < 0.015, "{}", g[0].ks);
        let wrong = l.iter().find(|f| f.family == Family::Exponential).unwrap();
        assert!(wrong.ks > 0.1);
    }

    #[test]
    fn kaplan_meier_mean_corrects_for_censoring() {
        // No censoring: the plain mean.
        assert!((km_restricted_mean(&[1.0, 2.0, 3.0], &[]) - 2.0).abs() < 1e-12);
        // Exponential stays cut at a window: the completed mean is short, the
        // Kaplan-Meier mean close to the truth (restricted to the longest seen).
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(3);
        let exp = rand_distr::Exp::new(1.0 / 100.0).unwrap();
        let (mut done, mut cut) = (vec![], vec![]);
        for _ in 0..20_000 {
            let start: f64 = rand::RngExt::random::<f64>(&mut rng) * 1000.0;
            let x: f64 = exp.sample(&mut rng);
            if start + x <= 1000.0 {
                done.push(x)
            } else {
                cut.push(1000.0 - start)
            }
        }
        let naive = done.iter().sum::<f64>() / done.len() as f64;
        let km = km_restricted_mean(&done, &cut);
        assert!(naive < 95.0, "{naive}");
        assert!((km - 100.0).abs() < 3.0, "{km}");
        // Weighting the completed stays by 1 / G(t-) recovers the mean and
        // the exponential fit, where the completed stays alone fall short.
        let weight = censoring_weights(&done, &cut, 20.0);
        let pairs: Vec<(f64, f64)> = done.iter().map(|&t| (t, weight(t))).collect();
        let total: f64 = pairs.iter().map(|p| p.1).sum();
        let weighted = pairs.iter().map(|p| p.0 * p.1).sum::<f64>() / total;
        assert!((weighted - 100.0).abs() < 3.0, "{weighted}");
        let fits = fit_weighted(&pairs);
        let ex = fits
            .iter()
            .find(|f| f.family == Family::Exponential)
            .unwrap();
        assert!((ex.mean() - 100.0).abs() < 3.0, "{}", ex.mean());
        // Equal weights are the unweighted fit, to the bit.
        let ones: Vec<(f64, f64)> = done.iter().map(|&t| (t, 1.0)).collect();
        let (a, b) = (fit_weighted(&ones), fit_all(&done));
        assert_eq!(a[0].aic.to_bits(), b[0].aic.to_bits());
    }

    #[test]
    fn degenerate_samples_give_no_fit() {
        assert!(fit_all(&[]).is_empty());
        assert!(fit_all(&[5.0]).is_empty());
        assert!(fit_all(&[5.0, 5.0, 5.0]).is_empty());
    }
}

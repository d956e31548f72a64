//! The Hyndman-Khandakar stepwise search (Hyndman & Khandakar 2008, R's
//! `forecast::auto.arima`): seasonal differences by the strength of the
//! season, regular differences by repeated KPSS tests, then a walk over
//! neighbouring orders from four starting models, keeping whichever lowers
//! the AICc, until no neighbour does.

use std::collections::HashSet;

use super::estimate::{
    Constant, Fitted, Method, Order, ar_roots_outside, diff, fit, ma_roots_outside,
};

/// Largest orders searched (R's defaults).
pub(crate) const MAX_P: usize = 5;
pub(crate) const MAX_Q: usize = 5;
pub(crate) const MAX_SP: usize = 2;
pub(crate) const MAX_SQ: usize = 2;
const MAX_D: usize = 2;
const MAX_MODELS: usize = 94;

/// A fitted candidate with its information criteria.
#[derive(Debug, Clone)]
pub(crate) struct Scored {
    pub fit: Fitted,
    pub aicc: f64,
    pub bic: f64,
    pub aic: f64,
    /// Innovation variance with R's small-sample correction.
    pub sigma2: f64,
}

/// Whether every value equals the first.
pub(crate) fn is_constant(x: &[f64]) -> bool {
    x.iter().all(|v| *v == x[0])
}

/// The KPSS level-stationarity statistic with `3 sqrt(n) / 13` Bartlett lags.
pub(crate) fn kpss_statistic(x: &[f64]) -> f64 {
    let n = x.len();
    let mean = x.iter().sum::<f64>() / n as f64;
    let e: Vec<f64> = x.iter().map(|v| v - mean).collect();
    let mut cum = 0.0;
    let eta: f64 = e
        .iter()
        .map(|v| {
            cum += v;
            cum * cum
        })
        .sum::<f64>()
        / (n * n) as f64;
    let lags = (3.0 * (n as f64).sqrt() / 13.0).floor() as usize;
    let mut s = e.iter().map(|v| v * v).sum::<f64>();
    for i in 1..=lags.min(n.saturating_sub(1)) {
        let prod: f64 = (i..n).map(|t| e[t] * e[t - i]).sum();
        s += 2.0 * prod * (1.0 - i as f64 / (lags as f64 + 1.0));
    }
    s /= n as f64;
    if s > 0.0 { eta / s } else { f64::INFINITY }
}

/// The KPSS 5% critical value for level stationarity (Kwiatkowski et al. 1992).
const KPSS_CRITICAL_5: f64 = 0.463;

/// Regular differences needed, by KPSS at 5%, at most [`MAX_D`].
pub(crate) fn ndiffs(x: &[f64]) -> usize {
    let mut x = x.to_vec();
    let mut d = 0;
    if x.len() < 2 || is_constant(&x) {
        return 0;
    }
    while d < MAX_D && kpss_statistic(&x) > KPSS_CRITICAL_5 {
        d += 1;
        x = diff(&x, 1, 1);
        if x.len() < 2 || is_constant(&x) {
            return d;
        }
    }
    d
}

/// The strength of the season (0 to 1) from an STL decomposition:
/// `1 - var(remainder) / var(season + remainder)`.
pub(crate) fn seasonal_strength(x: &[f64], m: usize) -> Option<f64> {
    let parts = stlrs::Mstl::params()
        .seasonal_lengths(&[11])
        .fit(x, &[m])
        .ok()?;
    let (seasonal, _trend, remainder) = parts.into_parts();
    let seasonal = seasonal.first()?;
    let var = |v: &[f64]| {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        v.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (n - 1.0)
    };
    let both: Vec<f64> = seasonal
        .iter()
        .zip(&remainder)
        .map(|(s, r)| s + r)
        .collect();
    let total = var(&both);
    if total.is_nan() || total <= 0.0 {
        return Some(0.0);
    }
    Some((1.0 - var(&remainder) / total).clamp(0.0, 1.0))
}

/// Seasonal differences: one when the season's strength exceeds 0.64
/// (the threshold of R's `nsdiffs(test = "seas")`).
pub(crate) fn nsdiffs(x: &[f64], m: usize) -> usize {
    if m < 2 || x.len() <= 2 * m || is_constant(x) {
        return 0;
    }
    match seasonal_strength(x, m) {
        Some(s) if s > 0.64 => 1,
        _ => 0,
    }
}

/// Fits one candidate and scores it, as R's `myarima` does: `None` (an
/// infinite criterion) when it fails, or when an AR or MA root is within
/// 1% of the unit circle.
fn candidate(
    x: &[f64],
    order: Order,
    constant: Constant,
    method: Method,
    offset: f64,
) -> Option<Scored> {
    let fitted = fit(x, order, constant, method).ok()?;
    let nstar = (x.len() - order.d - order.sd * order.m) as f64;
    let npar = (fitted.coef.len() + 1) as f64;
    let aic = match method {
        Method::CssMl => fitted.aic,
        Method::Css => {
            if fitted.sigma2.is_nan() || fitted.sigma2 <= 0.0 {
                return None;
            }
            offset + nstar * fitted.sigma2.ln() + 2.0 * npar
        }
    };
    if !aic.is_finite() || nstar - npar - 1.0 <= 0.0 {
        return None;
    }
    let aicc = aic + 2.0 * npar * (npar + 1.0) / (nstar - npar - 1.0);
    let bic = aic + npar * (nstar.ln() - 2.0);
    if !ar_roots_outside(&fitted.phi, 1.01) || !ma_roots_outside(&fitted.theta, 1.01) {
        return None;
    }
    let ssr: f64 = fitted.residuals.iter().map(|r| r * r).sum();
    let sigma2 = ssr / (nstar - npar + 1.0);
    Some(Scored {
        fit: fitted,
        aicc,
        bic,
        aic,
        sigma2,
    })
}

/// A model in the walk: (p, q, P, Q, with constant).
type ModelKey = (usize, usize, usize, usize, bool);

/// The state of the stepwise walk: every model fitted so far and the best.
struct Walk<'a> {
    x: &'a [f64],
    order0: &'a dyn Fn(usize, usize, usize, usize) -> Order,
    with_constant: &'a dyn Fn(bool) -> Constant,
    method: Method,
    offset: f64,
    seen: HashSet<ModelKey>,
    results: Vec<(ModelKey, f64)>,
    best: Option<Scored>,
}

impl Walk<'_> {
    /// Fits a model; true when it beats the best so far.
    fn try_model(&mut self, p: usize, q: usize, sp: usize, sq: usize, c: bool) -> bool {
        self.seen.insert((p, q, sp, sq, c));
        let scored = candidate(
            self.x,
            (self.order0)(p, q, sp, sq),
            (self.with_constant)(c),
            self.method,
            self.offset,
        );
        let ic = scored.as_ref().map_or(f64::INFINITY, |s| s.aicc);
        self.results.push(((p, q, sp, sq, c), ic));
        match scored {
            Some(s) if self.best.as_ref().is_none_or(|b| s.aicc < b.aicc) => {
                self.best = Some(s);
                true
            }
            _ => false,
        }
    }
}

/// What the search found.
pub(crate) struct Found {
    pub best: Scored,
    /// Models fitted on the way.
    pub tried: usize,
}

/// The stepwise search on `x` with season `m` (1: none).
pub(crate) fn auto_arima(x: &[f64], m: usize) -> Option<Found> {
    let n = x.len();
    let mut m = m.max(1);
    let max_p = MAX_P.min(n / 3);
    let max_q = MAX_Q.min(n / 3);
    let (mut max_sp, mut max_sq) = (MAX_SP.min(n / 3 / m), MAX_SQ.min(n / 3 / m));
    let sd = if m == 1 {
        max_sp = 0;
        max_sq = 0;
        0
    } else {
        nsdiffs(x, m)
    };
    if m > 1 && sd == 0 && max_sp == 0 && max_sq == 0 {
        m = 1;
    }
    let dx = if sd > 0 { diff(x, m, sd) } else { x.to_vec() };
    let d = ndiffs(&dx);
    let dx = diff(&dx, 1, d);
    if dx.is_empty() {
        return None;
    }
    let order0 = |p, q, sp, sq| Order {
        p,
        d,
        q,
        sp,
        sd,
        sq,
        m,
    };
    let method = if n > 150 || m > 12 {
        Method::Css
    } else {
        Method::CssMl
    };
    let constant_ok = d + sd <= 1;
    let with_constant = |on: bool| match (on, d + sd) {
        (true, 0) => Constant::Mean,
        (true, 1) => Constant::Drift,
        _ => Constant::None,
    };
    if is_constant(&dx) {
        // A straight line or a repeating pattern: no ARMA part to find.
        let fitted = candidate(
            x,
            order0(0, 0, 0, 0),
            with_constant(constant_ok),
            Method::CssMl,
            0.0,
        )
        .or_else(|| candidate(x, order0(0, 0, 0, 0), Constant::None, Method::CssMl, 0.0))?;
        return Some(Found {
            best: fitted,
            tried: 1,
        });
    }
    let (max_p, max_q) = if m > 1 {
        (
            if max_sp > 0 { max_p.min(m - 1) } else { max_p },
            if max_sq > 0 { max_q.min(m - 1) } else { max_q },
        )
    } else {
        (max_p, max_q)
    };
    // With the CSS approximation, AICs are made comparable to the exact
    // ones through the likelihood of the differencing-only model.
    let offset = if method == Method::Css {
        fit(x, order0(0, 0, 0, 0), Constant::None, Method::CssMl)
            .ok()
            .map(|f| -2.0 * f.loglik - n as f64 * f.sigma2.ln())
            .filter(|v| v.is_finite())
            .unwrap_or(0.0)
    } else {
        0.0
    };
    let mut constant = constant_ok;
    let (mut p, mut q, mut sp, mut sq) = if n < 10 {
        (2.min(max_p).min(1), 2.min(max_q).min(1), 0, 0)
    } else {
        (2.min(max_p), 2.min(max_q), 1.min(max_sp), 1.min(max_sq))
    };
    let mut walk = Walk {
        x,
        order0: &order0,
        with_constant: &with_constant,
        method,
        offset,
        seen: HashSet::new(),
        results: Vec::new(),
        best: None,
    };
    walk.try_model(p, q, sp, sq, constant);
    if walk.try_model(0, 0, 0, 0, constant) {
        (p, q, sp, sq) = (0, 0, 0, 0);
    }
    if max_p > 0 || max_sp > 0 {
        let (p1, sp1) = (usize::from(max_p > 0), usize::from(m > 1 && max_sp > 0));
        if walk.try_model(p1, 0, sp1, 0, constant) {
            (p, q, sp, sq) = (p1, 0, sp1, 0);
        }
    }
    if max_q > 0 || max_sq > 0 {
        let (q1, sq1) = (usize::from(max_q > 0), usize::from(m > 1 && max_sq > 0));
        if walk.try_model(0, q1, 0, sq1, constant) {
            (p, q, sp, sq) = (0, q1, 0, sq1);
        }
    }
    if constant && walk.try_model(0, 0, 0, 0, false) {
        (p, q, sp, sq) = (0, 0, 0, 0);
        constant = false;
    }
    // Neighbours in R's order: seasonal orders first, then regular ones,
    // then the constant; the first improvement restarts the round.
    let moves: [(i32, i32, i32, i32); 16] = [
        (0, 0, -1, 0),
        (0, 0, 0, -1),
        (0, 0, 1, 0),
        (0, 0, 0, 1),
        (0, 0, -1, -1),
        (0, 0, -1, 1),
        (0, 0, 1, -1),
        (0, 0, 1, 1),
        (-1, 0, 0, 0),
        (0, -1, 0, 0),
        (1, 0, 0, 0),
        (0, 1, 0, 0),
        (-1, -1, 0, 0),
        (-1, 1, 0, 0),
        (1, -1, 0, 0),
        (1, 1, 0, 0),
    ];
    let limits = [max_p, max_q, max_sp, max_sq];
    loop {
        let mut improved = false;
        for (dp, dq, dsp, dsq) in moves {
            if walk.results.len() >= MAX_MODELS {
                break;
            }
            let next = [
                p as i32 + dp,
                q as i32 + dq,
                sp as i32 + dsp,
                sq as i32 + dsq,
            ];
            if next
                .iter()
                .zip(&limits)
                .any(|(v, lim)| *v < 0 || *v > *lim as i32)
            {
                continue;
            }
            let [np, nq, nsp, nsq] = next.map(|v| v as usize);
            if walk.seen.contains(&(np, nq, nsp, nsq, constant)) {
                continue;
            }
            if walk.try_model(np, nq, nsp, nsq, constant) {
                (p, q, sp, sq) = (np, nq, nsp, nsq);
                improved = true;
                break;
            }
        }
        if !improved
            && constant_ok
            && walk.results.len() < MAX_MODELS
            && !walk.seen.contains(&(p, q, sp, sq, !constant))
            && walk.try_model(p, q, sp, sq, !constant)
        {
            constant = !constant;
            improved = true;
        }
        if !improved || walk.results.len() >= MAX_MODELS {
            break;
        }
    }
    let tried = walk.results.len();
    let mut results = walk.results;
    let best = walk.best;
    if method == Method::Css {
        // Refit the best by exact likelihood; if it fails, the next best.
        results.sort_by(|a, b| a.1.total_cmp(&b.1));
        for ((p, q, sp, sq, c), ic) in &results {
            if !ic.is_finite() {
                break;
            }
            let got = candidate(
                x,
                order0(*p, *q, *sp, *sq),
                with_constant(*c),
                Method::CssMl,
                0.0,
            );
            if let Some(s) = got {
                return Some(Found { best: s, tried });
            }
        }
        return None;
    }
    best.map(|best| Found { best, tried })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kpss_flags_a_random_walk_and_passes_white_noise() {
        let mut state = 12345u64;
        let mut u = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let noise: Vec<f64> = (0..200).map(|_| u()).collect();
        let mut walk = Vec::with_capacity(200);
        let mut level = 0.0;
        for e in &noise {
            level += e;
            walk.push(level);
        }
        assert!(
            kpss_statistic(&noise) < KPSS_CRITICAL_5,
            "{}",
            kpss_statistic(&noise)
        );
        assert!(
            kpss_statistic(&walk) > KPSS_CRITICAL_5,
            "{}",
            kpss_statistic(&walk)
        );
        assert_eq!(ndiffs(&noise), 0);
        assert_eq!(ndiffs(&walk), 1);
    }

    #[test]
    fn a_strong_season_is_differenced_once() {
        let x: Vec<f64> = (0..60)
            .map(|t| {
                100.0
                    + 20.0 * (2.0 * std::f64::consts::PI * t as f64 / 12.0).sin()
                    + (t % 5) as f64 * 0.3
            })
            .collect();
        assert_eq!(nsdiffs(&x, 12), 1);
        let flat: Vec<f64> = (0..60).map(|t| 100.0 + (t * 7 % 11) as f64).collect();
        assert_eq!(nsdiffs(&flat, 12), 0);
    }
}

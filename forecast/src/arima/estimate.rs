//! Fitting one ARIMA(p,d,q)(P,D,Q)[m] model, as R's `arima` does it with
//! `method = "CSS-ML"`: conditional sum of squares for starting values, then
//! the exact likelihood by the Kalman filter, optimised by BFGS with the AR
//! parts mapped through the partial autocorrelations so that every trial is
//! stationary. `method = "CSS"` alone is the fast approximation the
//! stepwise search uses on long series.

use super::kalman::StateSpace;
use crate::numeric::roots_within;
use crate::optim::{Bfgs, bfgs};

/// Orders of a seasonal ARIMA model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Order {
    /// Non-seasonal AR order.
    pub p: usize,
    /// Non-seasonal differences.
    pub d: usize,
    /// Non-seasonal MA order.
    pub q: usize,
    /// Seasonal AR order.
    pub sp: usize,
    /// Seasonal differences.
    pub sd: usize,
    /// Seasonal MA order.
    pub sq: usize,
    /// Season length (1: none).
    pub m: usize,
}

impl Order {
    fn narma(&self) -> usize {
        self.p + self.q + self.sp + self.sq
    }
}

/// How the coefficients are estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// Conditional sum of squares only.
    Css,
    /// CSS for starting values, then maximum likelihood.
    CssMl,
}

/// The deterministic term beside the ARMA part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Constant {
    /// None.
    None,
    /// A mean (no differencing).
    Mean,
    /// A linear drift (one difference).
    Drift,
}

/// A fitted model.
#[derive(Debug, Clone)]
pub(crate) struct Fitted {
    pub order: Order,
    pub constant: Constant,
    /// ar, ma, sar, sma coefficients, then the mean or drift.
    pub coef: Vec<f64>,
    /// Innovation variance by ML (`ssq / n_used`).
    pub sigma2: f64,
    pub loglik: f64,
    /// NaN for CSS fits.
    pub aic: f64,
    /// One-step prediction errors (CSS residuals for CSS fits).
    pub residuals: Vec<f64>,
    /// The filter after the data, for forecasting (ML fits).
    pub state: Option<StateSpace>,
    pub phi: Vec<f64>,
    pub theta: Vec<f64>,
}

/// Why a model could not be fitted (it then drops out of the search).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rejected(pub &'static str);

/// `(1 - B)^d (1 - B^m)^D` as `1 - delta_1 B - ...`: returns the deltas.
pub(crate) fn differencing(order: &Order) -> Vec<f64> {
    let mut poly = vec![1.0];
    let mul = |poly: &[f64], lag: usize| {
        let mut out = vec![0.0; poly.len() + lag];
        for (i, c) in poly.iter().enumerate() {
            out[i] += c;
            out[i + lag] -= c;
        }
        out
    };
    for _ in 0..order.d {
        poly = mul(&poly, 1);
    }
    for _ in 0..order.sd {
        poly = mul(&poly, order.m);
    }
    poly[1..].iter().map(|c| -c).collect()
}

/// Differences `x` at `lag`, `times` times.
pub(crate) fn diff(x: &[f64], lag: usize, times: usize) -> Vec<f64> {
    let mut out = x.to_vec();
    for _ in 0..times {
        if out.len() <= lag {
            return Vec::new();
        }
        out = (lag..out.len()).map(|i| out[i] - out[i - lag]).collect();
    }
    out
}

/// PACF-style parameters to AR coefficients (R's `partrans`): each raw
/// value through tanh, then the Durbin-Levinson recursion; any raw values
/// give a stationary AR polynomial.
fn partrans(raw: &[f64]) -> Vec<f64> {
    let mut new: Vec<f64> = raw.iter().map(|v| v.tanh()).collect();
    let mut work = new.clone();
    for j in 1..new.len() {
        let a = new[j];
        for k in 0..j {
            work[k] -= a * new[j - k - 1];
        }
        new[..j].copy_from_slice(&work[..j]);
    }
    new
}

/// The inverse of [`partrans`].
fn invpartrans(phi: &[f64]) -> Vec<f64> {
    let mut new = phi.to_vec();
    let mut work = new.clone();
    for j in (1..new.len()).rev() {
        let a = new[j];
        for k in 0..j {
            work[k] = (new[k] + a * new[j - k - 1]) / (1.0 - a * a);
        }
        new[..j].copy_from_slice(&work[..j]);
    }
    new.iter()
        .map(|v| v.clamp(-1.0 + 1e-12, 1.0 - 1e-12).atanh())
        .collect()
}

/// Maps the AR parts of `par` through [`partrans`] (`forward`) or back.
fn transform_ar(par: &mut [f64], order: &Order, forward: bool) {
    let f = if forward { partrans } else { invpartrans };
    if order.p > 0 {
        let v = f(&par[..order.p]);
        par[..order.p].copy_from_slice(&v);
    }
    let s = order.p + order.q;
    if order.sp > 0 {
        let v = f(&par[s..s + order.sp]);
        par[s..s + order.sp].copy_from_slice(&v);
    }
}

/// The AR and MA polynomials with the seasonal parts multiplied out.
pub(crate) fn expand(par: &[f64], order: &Order) -> (Vec<f64>, Vec<f64>) {
    let (mp, mq, msp, msq, m) = (order.p, order.q, order.sp, order.sq, order.m);
    let mut phi = vec![0.0; mp + m * msp];
    let mut theta = vec![0.0; mq + m * msq];
    phi[..mp].copy_from_slice(&par[..mp]);
    theta[..mq].copy_from_slice(&par[mp..mp + mq]);
    for j in 0..msp {
        let sar = par[mp + mq + j];
        phi[(j + 1) * m - 1] += sar;
        for i in 0..mp {
            phi[(j + 1) * m + i] -= par[i] * sar;
        }
    }
    for j in 0..msq {
        let sma = par[mp + mq + msp + j];
        theta[(j + 1) * m - 1] += sma;
        for i in 0..mq {
            theta[(j + 1) * m + i] += par[mp + i] * sma;
        }
    }
    (phi, theta)
}

/// Whether `1 - phi_1 z - ... - phi_p z^p` has every root outside the
/// circle of radius `radius` (R's `arCheck` with radius 1).
pub(crate) fn ar_roots_outside(phi: &[f64], radius: f64) -> bool {
    let Some(last) = phi.iter().rposition(|v| *v != 0.0) else {
        return true;
    };
    // Roots of z^p - phi_1 z^(p-1) - ... - phi_p inside 1/radius.
    let mut c: Vec<f64> = phi[..=last].iter().rev().map(|v| -v).collect();
    c.push(1.0);
    roots_within(&c, 1.0 / radius)
}

/// Whether `1 + theta_1 z + ...` has every root outside `radius`.
pub(crate) fn ma_roots_outside(theta: &[f64], radius: f64) -> bool {
    let neg: Vec<f64> = theta.iter().map(|v| -v).collect();
    ar_roots_outside(&neg, radius)
}

/// Reflects MA roots inside the unit circle to outside (R's `maInvert`):
/// the same autocorrelations, an invertible polynomial.
fn ma_invert(ma: &mut [f64]) {
    let Some(last) = ma.iter().rposition(|v| *v != 0.0) else {
        return;
    };
    if ma_roots_outside(&ma[..=last], 1.0) {
        return;
    }
    if last == 0 {
        ma[0] = 1.0 / ma[0];
        return;
    }
    let coefs: Vec<f64> = std::iter::once(1.0)
        .chain(ma[..=last].iter().copied())
        .collect();
    let Some(mut roots) = polynomial_roots(&coefs) else {
        return;
    };
    for z in &mut roots {
        let norm = z.0 * z.0 + z.1 * z.1;
        if norm < 1.0 {
            *z = (z.0 / norm, -z.1 / norm);
        }
    }
    // prod (1 - B / root), constant term 1.
    let mut poly = vec![(1.0, 0.0)];
    for z in &roots {
        let norm = z.0 * z.0 + z.1 * z.1;
        let inv = (z.0 / norm, -z.1 / norm);
        let mut next = poly.clone();
        next.push((0.0, 0.0));
        for (k, c) in poly.iter().enumerate() {
            next[k + 1].0 -= c.0 * inv.0 - c.1 * inv.1;
            next[k + 1].1 -= c.0 * inv.1 + c.1 * inv.0;
        }
        poly = next;
    }
    for (k, v) in ma.iter_mut().enumerate() {
        *v = if k <= last { poly[k + 1].0 } else { 0.0 };
    }
}

/// Complex roots of `c[0] + c[1] z + ... + c[n] z^n` (c[n] != 0) by the
/// Durand-Kerner iteration; None when it does not settle.
fn polynomial_roots(c: &[f64]) -> Option<Vec<(f64, f64)>> {
    let n = c.len() - 1;
    let lead = c[n];
    let monic: Vec<f64> = c.iter().map(|v| v / lead).collect();
    let eval = |z: (f64, f64)| {
        let mut acc = (1.0, 0.0);
        for k in (0..n).rev() {
            acc = (
                acc.0 * z.0 - acc.1 * z.1 + monic[k],
                acc.0 * z.1 + acc.1 * z.0,
            );
        }
        acc
    };
    let mut roots: Vec<(f64, f64)> = (0..n)
        .map(|k| {
            let (s, c) = (0.4 + 0.9 * k as f64).sin_cos();
            (c * (1.0 + 0.1 * k as f64), s * (1.0 + 0.1 * k as f64))
        })
        .collect();
    for _ in 0..500 {
        let mut moved = 0.0f64;
        for i in 0..n {
            let zi = roots[i];
            let mut den = (1.0, 0.0);
            for (j, zj) in roots.iter().enumerate() {
                if i != j {
                    let diff = (zi.0 - zj.0, zi.1 - zj.1);
                    den = (
                        den.0 * diff.0 - den.1 * diff.1,
                        den.0 * diff.1 + den.1 * diff.0,
                    );
                }
            }
            let num = eval(zi);
            let norm = den.0 * den.0 + den.1 * den.1;
            if norm == 0.0 || !norm.is_finite() {
                return None;
            }
            let step = (
                (num.0 * den.0 + num.1 * den.1) / norm,
                (num.1 * den.0 - num.0 * den.1) / norm,
            );
            roots[i] = (zi.0 - step.0, zi.1 - step.1);
            moved = moved.max(step.0.abs() + step.1.abs());
        }
        if moved < 1e-14 {
            return Some(roots);
        }
    }
    roots
        .iter()
        .all(|z| z.0.is_finite() && z.1.is_finite())
        .then_some(roots)
}

/// Conditional sum of squares per observation of the differenced series
/// from observation `ncond` on (R's `ARIMA_CSS`), and the residuals.
fn css(
    x: &[f64],
    order: &Order,
    phi: &[f64],
    theta: &[f64],
    ncond: usize,
    residuals: Option<&mut Vec<f64>>,
) -> f64 {
    let n = x.len();
    let mut w = x.to_vec();
    for _ in 0..order.d {
        for l in (1..n).rev() {
            w[l] -= w[l - 1];
        }
    }
    for _ in 0..order.sd {
        for l in (order.m..n).rev() {
            w[l] -= w[l - order.m];
        }
    }
    let mut resid = vec![0.0; n];
    let (mut ssq, mut nu) = (0.0, 0usize);
    for l in ncond..n {
        let mut v = w[l];
        for (j, ph) in phi.iter().enumerate() {
            v -= ph * w[l - j - 1];
        }
        for (j, th) in theta.iter().enumerate().take((l - ncond).min(theta.len())) {
            v -= th * resid[l - j - 1];
        }
        resid[l] = v;
        if v.is_finite() {
            nu += 1;
            ssq += v * v;
        }
    }
    if let Some(out) = residuals {
        *out = resid;
    }
    if nu == 0 {
        f64::INFINITY
    } else {
        ssq / nu as f64
    }
}

/// The regressor of the constant: ones for a mean, `1..n` for a drift.
fn regressor(constant: Constant, t: usize) -> f64 {
    match constant {
        Constant::None => 0.0,
        Constant::Mean => 1.0,
        Constant::Drift => (t + 1) as f64,
    }
}

/// Fits one model to `x` (no missing values).
pub(crate) fn fit(
    x: &[f64],
    order: Order,
    constant: Constant,
    method: Method,
) -> Result<Fitted, Rejected> {
    let n = x.len();
    let narma = order.narma();
    let delta = differencing(&order);
    if n <= delta.len() {
        return Err(Rejected("too few observations"));
    }
    let n_used = n - delta.len();
    let mut init = vec![0.0; narma];
    let mut scale = vec![1.0; narma];
    if constant != Constant::None {
        // Starting value and scale of the constant: least squares of the
        // differenced series on the differenced regressor.
        let z: Vec<f64> = (0..n).map(|t| regressor(constant, t)).collect();
        let dx = diff(&diff(x, 1, order.d), order.m, order.sd);
        let dz = diff(&diff(&z, 1, order.d), order.m, order.sd);
        let szz: f64 = dz.iter().map(|v| v * v).sum();
        if dx.len() < 2 || szz <= 0.0 {
            return Err(Rejected("no data left to estimate the constant"));
        }
        let beta = dx.iter().zip(&dz).map(|(a, b)| a * b).sum::<f64>() / szz;
        let rss: f64 = dx
            .iter()
            .zip(&dz)
            .map(|(a, b)| (a - beta * b).powi(2))
            .sum();
        let se = (rss / (dx.len() - 1) as f64 / szz).sqrt();
        init.push(beta);
        scale.push(if se > 0.0 {
            10.0 * se
        } else {
            beta.abs().max(1.0)
        });
    }
    let adjusted = |par: &[f64]| -> Vec<f64> {
        match constant {
            Constant::None => x.to_vec(),
            _ => {
                let beta = par[narma];
                x.iter()
                    .enumerate()
                    .map(|(t, v)| v - beta * regressor(constant, t))
                    .collect()
            }
        }
    };
    let ncond = order.d + order.sd * order.m + order.p + order.sp * order.m;
    if ncond >= n {
        return Err(Rejected(
            "too few observations for the conditional sum of squares",
        ));
    }
    let css_objective = |par: &[f64]| -> f64 {
        let (phi, theta) = expand(par, &order);
        let s = css(&adjusted(par), &order, &phi, &theta, ncond, None);
        if s.is_finite() && s > 0.0 {
            0.5 * s.ln()
        } else {
            f64::INFINITY
        }
    };
    let settings = Bfgs::default();
    if method == Method::Css {
        let found = bfgs(css_objective, &init, &scale, settings);
        let coef = found.x;
        let (phi, theta) = expand(&coef, &order);
        let mut residuals = Vec::new();
        let sigma2 = css(
            &adjusted(&coef),
            &order,
            &phi,
            &theta,
            ncond,
            Some(&mut residuals),
        );
        return Ok(Fitted {
            order,
            constant,
            coef,
            sigma2,
            loglik: f64::NAN,
            aic: f64::NAN,
            residuals,
            state: None,
            phi,
            theta,
        });
    }
    if narma > 0 {
        let found = bfgs(css_objective, &init, &scale, settings);
        if found.converged {
            init = found.x;
        }
    }
    if !ar_roots_outside(&init[..order.p], 1.0)
        || !ar_roots_outside(&init[order.p + order.q..order.p + order.q + order.sp], 1.0)
    {
        return Err(Rejected("non-stationary AR part from CSS"));
    }
    // Exact likelihood, AR parts in PACF form so every trial is stationary.
    transform_ar(&mut init, &order, false);
    ma_invert(&mut init[order.p..order.p + order.q]);
    let s = order.p + order.q + order.sp;
    ma_invert(&mut init[s..s + order.sq]);
    let ml_objective = |par: &[f64]| -> f64 {
        let mut coef = par.to_vec();
        transform_ar(&mut coef, &order, true);
        let (phi, theta) = expand(&coef, &order);
        let Some(mut ss) = StateSpace::new(&phi, &theta, &delta) else {
            return f64::INFINITY;
        };
        ss.filter(&adjusted(&coef), None).objective()
    };
    let found = bfgs(ml_objective, &init, &scale, settings);
    let mut coef = found.x;
    transform_ar(&mut coef, &order, true);
    ma_invert(&mut coef[order.p..order.p + order.q]);
    ma_invert(&mut coef[s..s + order.sq]);
    let (phi, theta) = expand(&coef, &order);
    let mut state = StateSpace::new(&phi, &theta, &delta).ok_or(Rejected("non-stationary fit"))?;
    let mut residuals = vec![0.0; n];
    let lik = state.filter(&adjusted(&coef), Some(&mut residuals));
    let objective = lik.objective();
    if !objective.is_finite() {
        return Err(Rejected("the likelihood could not be evaluated"));
    }
    let nf = n_used as f64;
    let minus_two_loglik = 2.0 * nf * objective + nf + nf * (2.0 * std::f64::consts::PI).ln();
    let npar = coef.len() + 1;
    Ok(Fitted {
        order,
        constant,
        sigma2: lik.ssq / nf,
        loglik: -0.5 * minus_two_loglik,
        aic: minus_two_loglik + 2.0 * npar as f64,
        coef,
        residuals,
        state: Some(state),
        phi,
        theta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partrans_round_trips_and_is_stationary() {
        let raw = [0.3, -1.2, 0.8];
        let phi = partrans(&raw);
        assert!(ar_roots_outside(&phi, 1.0));
        let back = invpartrans(&phi);
        for (a, b) in raw.iter().zip(&back) {
            assert!((a - b).abs() < 1e-9, "{raw:?} {back:?}");
        }
    }

    #[test]
    fn seasonal_polynomials_multiply_out() {
        let order = Order {
            p: 1,
            d: 0,
            q: 1,
            sp: 1,
            sd: 0,
            sq: 1,
            m: 4,
        };
        let (phi, theta) = expand(&[0.5, 0.3, 0.2, 0.1], &order);
        // (1 - 0.5B)(1 - 0.2B^4) = 1 - 0.5B - 0.2B^4 + 0.1B^5
        assert_eq!(phi, vec![0.5, 0.0, 0.0, 0.2, -0.1]);
        // (1 + 0.3B)(1 + 0.1B^4) = 1 + 0.3B + 0.1B^4 + 0.03B^5
        assert!((theta[4] - 0.03).abs() < 1e-12 && theta[3] == 0.1);
    }

    #[test]
    fn differencing_polynomial_of_one_regular_and_one_seasonal_difference() {
        let order = Order {
            p: 0,
            d: 1,
            q: 0,
            sp: 0,
            sd: 1,
            sq: 0,
            m: 3,
        };
        // (1 - B)(1 - B^3) = 1 - B - B^3 + B^4
        assert_eq!(differencing(&order), vec![1.0, 0.0, 1.0, -1.0]);
    }

    #[test]
    fn an_ar1_is_recovered_by_maximum_likelihood() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut normal = || {
            // Box-Muller on a xorshift stream: fixed, repeatable noise.
            let mut u = || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 11) as f64 / (1u64 << 53) as f64
            };
            let (a, b) = (u().max(1e-300), u());
            (-2.0 * a.ln()).sqrt() * (2.0 * std::f64::consts::PI * b).cos()
        };
        let mut y = vec![0.0; 2000];
        for t in 1..y.len() {
            y[t] = 0.7 * y[t - 1] + normal();
        }
        let order = Order {
            p: 1,
            d: 0,
            q: 0,
            sp: 0,
            sd: 0,
            sq: 0,
            m: 1,
        };
        let fit = fit(&y, order, Constant::Mean, Method::CssMl).unwrap();
        // Standard error of phi is sqrt((1 - 0.49) / 2000) = 0.016.
        assert!((fit.coef[0] - 0.7).abs() < 0.05, "{:?}", fit.coef);
        assert!(fit.coef[1].abs() < 0.3, "{:?}", fit.coef);
        assert!((fit.sigma2 - 1.0).abs() < 0.1, "{}", fit.sigma2);
    }

    #[test]
    fn ma_invert_reflects_roots_and_keeps_invertible_ones() {
        let mut ma1 = [2.0];
        ma_invert(&mut ma1);
        assert!((ma1[0] - 0.5).abs() < 1e-12);
        // 1 + 2.5B + B^2 = (1 + 2B)(1 + 0.5B): the root -0.5 reflects to -2,
        // giving (1 + 0.5B)(1 + 0.5B) = 1 + B + 0.25B^2.
        let mut ma2 = [2.5, 1.0];
        ma_invert(&mut ma2);
        assert!(
            (ma2[0] - 1.0).abs() < 1e-9 && (ma2[1] - 0.25).abs() < 1e-9,
            "{ma2:?}"
        );
        let mut fine = [0.4, 0.2];
        ma_invert(&mut fine);
        assert_eq!(fine, [0.4, 0.2]);
    }
}

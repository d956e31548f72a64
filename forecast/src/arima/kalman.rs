//! The exact Gaussian likelihood of an ARIMA model by a Kalman filter on its
//! state-space form, the form R's `arima` and statsforecast use (Harvey's:
//! `r = max(p, q + 1)` ARMA states, then `d` states holding the last
//! undifferenced values, so differencing happens inside the filter and the
//! forecasts come out on the scale of the data). The differencing states
//! start diffuse (variance [`KAPPA`]); steps whose prediction variance is
//! still that large are left out of the likelihood, as R does.

use super::estimate::ar_roots_outside;

/// Prior variance of the differencing states (R's `kappa`).
pub(crate) const KAPPA: f64 = 1e6;

/// Prediction variances at or above this belong to the diffuse start.
const DIFFUSE_GAIN: f64 = 1e4;

/// An ARIMA model in state-space form, with the filter's current state.
#[derive(Debug, Clone)]
pub(crate) struct StateSpace {
    /// MA polynomial (`1 + theta_1 B + ...`), padded with zeros to `r - 1`.
    theta: Vec<f64>,
    /// Differencing polynomial `1 - delta_1 B - ...`.
    delta: Vec<f64>,
    /// The non-zero coefficients of the AR polynomial (seasonal part
    /// multiplied out, `1 - phi_1 B - ...`) as (index from 0 for `phi_1`,
    /// value): seasonal
    /// polynomials multiplied out are mostly zeros, and the filter's cost
    /// is in products with them.
    ar_terms: Vec<(usize, f64)>,
    /// The non-zero differencing coefficients, likewise.
    delta_terms: Vec<(usize, f64)>,
    /// ARMA states.
    r: usize,
    /// Filtered state after the last observation.
    a: Vec<f64>,
    /// Its covariance (in units of the innovation variance), row-major.
    p: Vec<f64>,
    /// Covariance of the first state: stationary for the ARMA block,
    /// diffuse for the differencing block.
    p0: Vec<f64>,
}

/// The filter's sums: `ssq` the squared standardised innovations, `sumlog`
/// the log prediction variances, over `nu` observations.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Likelihood {
    pub ssq: f64,
    pub sumlog: f64,
    pub nu: usize,
}

impl Likelihood {
    /// Minus the log-likelihood per observation, with the innovation
    /// variance concentrated out and constants dropped (R's `armafn`).
    pub(crate) fn objective(&self) -> f64 {
        if self.nu == 0 || self.ssq <= 0.0 {
            return f64::INFINITY;
        }
        let n = self.nu as f64;
        0.5 * ((self.ssq / n).ln() + self.sumlog / n)
    }
}

impl StateSpace {
    /// The model for AR polynomial `phi`, MA polynomial `theta` and
    /// differencing `delta`; None when the ARMA part has no stationary
    /// covariance (an AR root on or inside the unit circle).
    pub(crate) fn new(phi: &[f64], theta: &[f64], delta: &[f64]) -> Option<StateSpace> {
        let r = phi.len().max(theta.len() + 1);
        let d = delta.len();
        let rd = r + d;
        let mut padded = theta.to_vec();
        padded.resize(r - 1, 0.0);
        let q0 = stationary_covariance(phi, &padded, r)?;
        let mut p0 = vec![0.0; rd * rd];
        for i in 0..r {
            p0[i * rd..i * rd + r].copy_from_slice(&q0[i * r..(i + 1) * r]);
        }
        for i in r..rd {
            p0[i * rd + i] = KAPPA;
        }
        let nonzero = |c: &[f64]| -> Vec<(usize, f64)> {
            c.iter()
                .copied()
                .enumerate()
                .filter(|(_, v)| *v != 0.0)
                .collect()
        };
        Some(StateSpace {
            ar_terms: nonzero(phi),
            delta_terms: nonzero(delta),
            theta: padded,
            delta: delta.to_vec(),
            r,
            a: vec![0.0; rd],
            p: vec![0.0; rd * rd],
            p0,
        })
    }

    fn dim(&self) -> usize {
        self.r + self.delta.len()
    }

    /// `dst = T src` for the transition matrix `T`, using its structure
    /// (companion block, shift block) rather than a dense product.
    fn transition(&self, src: &[f64], dst: &mut [f64]) {
        let (r, d) = (self.r, self.delta.len());
        let (arma_dst, diff_dst) = dst.split_at_mut(r);
        let (arma_src, diff_src) = src.split_at(r);
        let first = arma_src[0];
        arma_dst[..r - 1].copy_from_slice(&arma_src[1..]);
        arma_dst[r - 1] = 0.0;
        for &(k, phi) in &self.ar_terms {
            arma_dst[k] += phi * first;
        }
        if d > 0 {
            let mut v = first;
            for &(k, delta) in &self.delta_terms {
                v += delta * diff_src[k];
            }
            diff_dst[1..].copy_from_slice(&diff_src[..d - 1]);
            diff_dst[0] = v;
        }
    }

    /// `P <- T P T' + R R'` into `out`, with `scratch` of the same size.
    fn predict_covariance(&self, p: &[f64], out: &mut [f64], scratch: &mut [f64]) {
        let (rd, r) = (self.dim(), self.r);
        // C = P T': its rows are T applied to the rows of P (P is symmetric).
        for (row, c) in p.chunks_exact(rd).zip(scratch.chunks_exact_mut(rd)) {
            self.transition(row, c);
        }
        // T C combines rows of C the way T combines states: shifted rows
        // plus the few non-zero coefficients times the first row.
        let (first, rest) = scratch.split_at(rd);
        out[..(r - 1) * rd].copy_from_slice(&rest[..(r - 1) * rd]);
        out[(r - 1) * rd..r * rd].fill(0.0);
        for &(k, phi) in &self.ar_terms {
            for (o, c) in out[k * rd..(k + 1) * rd].iter_mut().zip(first) {
                *o += phi * c;
            }
        }
        if rd > r {
            let diff_row = &mut out[r * rd..(r + 1) * rd];
            diff_row.copy_from_slice(first);
            for &(k, delta) in &self.delta_terms {
                let c = &scratch[(r + k) * rd..(r + k + 1) * rd];
                for (o, c) in diff_row.iter_mut().zip(c) {
                    *o += delta * c;
                }
            }
            out[(r + 1) * rd..].copy_from_slice(&scratch[r * rd..(rd - 1) * rd]);
        }
        let q = self.theta.len();
        for i in 0..=q.min(self.r - 1) {
            let vi = if i == 0 { 1.0 } else { self.theta[i - 1] };
            for j in 0..=q.min(self.r - 1) {
                let vj = if j == 0 { 1.0 } else { self.theta[j - 1] };
                out[i * rd + j] += vi * vj;
            }
        }
    }

    /// Runs the filter over `y` from the initial state, leaving the state
    /// after the last observation for [`StateSpace::forecast`]. With
    /// `innovations`, writes each one-step prediction error there.
    pub(crate) fn filter(&mut self, y: &[f64], mut innovations: Option<&mut [f64]>) -> Likelihood {
        let rd = self.dim();
        let r = self.r;
        let mut a = vec![0.0; rd];
        let mut anew = vec![0.0; rd];
        let mut p = self.p0.clone();
        let mut pnew = vec![0.0; rd * rd];
        let mut scratch = vec![0.0; rd * rd];
        let mut m = vec![0.0; rd];
        let mut previous = vec![f64::NAN; rd];
        let mut steady = false;
        let (mut ssq, mut sumlog, mut nu) = (0.0, 0.0, 0usize);
        for (t, &obs) in y.iter().enumerate() {
            self.transition(&a, &mut anew);
            if !steady {
                if t == 0 {
                    pnew.copy_from_slice(&self.p0);
                } else {
                    self.predict_covariance(&p, &mut pnew, &mut scratch);
                }
            }
            let mut resid = obs - anew[0];
            for &(k, delta) in &self.delta_terms {
                resid -= delta * anew[r + k];
            }
            if !steady {
                for (i, mi) in m.iter_mut().enumerate() {
                    let row = &pnew[i * rd..(i + 1) * rd];
                    let mut v = row[0];
                    for &(k, delta) in &self.delta_terms {
                        v += row[r + k] * delta;
                    }
                    *mi = v;
                }
                // The filter of a time-invariant model converges to a
                // steady state (at the rate of the MA roots); once the
                // gain stops moving, the covariance updates can be
                // skipped, as statsmodels does when the prediction
                // variance has converged. The tolerance is far below what
                // moves a forecast; it makes long daily series cheap.
                steady = t > 0 && converged(&previous, &m);
                previous.copy_from_slice(&m);
            }
            let mut gain = m[0];
            for &(k, delta) in &self.delta_terms {
                gain += delta * m[r + k];
            }
            if gain.is_nan() || gain <= 0.0 || !gain.is_finite() {
                return Likelihood {
                    ssq: f64::NAN,
                    sumlog: 0.0,
                    nu: 0,
                };
            }
            if gain < DIFFUSE_GAIN {
                nu += 1;
                ssq += resid * resid / gain;
                sumlog += gain.ln();
            }
            if let Some(out) = innovations.as_deref_mut() {
                out[t] = resid;
            }
            let scaled = resid / gain;
            for i in 0..rd {
                a[i] = anew[i] + m[i] * scaled;
            }
            if !steady {
                for i in 0..rd {
                    let mi = m[i] / gain;
                    let (row, new_row) =
                        (&mut p[i * rd..(i + 1) * rd], &pnew[i * rd..(i + 1) * rd]);
                    for ((pij, nij), mj) in row.iter_mut().zip(new_row).zip(&m) {
                        *pij = nij - mi * mj;
                    }
                }
            }
        }
        self.a = a;
        self.p = p;
        Likelihood { ssq, sumlog, nu }
    }

    /// Forecasts `h` steps from the filtered state: means and prediction
    /// variances in units of the innovation variance.
    pub(crate) fn forecast(&self, h: usize) -> (Vec<f64>, Vec<f64>) {
        let rd = self.dim();
        let r = self.r;
        let d = self.delta.len();
        let mut a = self.a.clone();
        let mut next = vec![0.0; rd];
        let mut p = self.p.clone();
        let mut pnew = vec![0.0; rd * rd];
        let mut scratch = vec![0.0; rd * rd];
        let mut mean = Vec::with_capacity(h);
        let mut var = Vec::with_capacity(h);
        for _ in 0..h {
            self.transition(&a, &mut next);
            std::mem::swap(&mut a, &mut next);
            self.predict_covariance(&p, &mut pnew, &mut scratch);
            std::mem::swap(&mut p, &mut pnew);
            let z = |i: usize| {
                if i == 0 {
                    1.0
                } else if i >= r {
                    self.delta[i - r]
                } else {
                    0.0
                }
            };
            let mut f = a[0];
            for k in 0..d {
                f += self.delta[k] * a[r + k];
            }
            let mut v = 0.0;
            for i in 0..rd {
                let zi = z(i);
                if zi == 0.0 {
                    continue;
                }
                for j in 0..rd {
                    v += zi * z(j) * p[i * rd + j];
                }
            }
            mean.push(f);
            var.push(v.max(0.0));
        }
        (mean, var)
    }
}

/// Whether two successive `P z` vectors (the gain before scaling) agree to
/// within a relative 1e-12: the filter has reached its steady state.
fn converged(previous: &[f64], current: &[f64]) -> bool {
    let scale = current.iter().fold(0.0f64, |acc, v| acc.max(v.abs()));
    if !scale.is_finite() || scale >= DIFFUSE_GAIN {
        return false;
    }
    previous
        .iter()
        .zip(current)
        .all(|(a, b)| (a - b).abs() <= 1e-12 * scale)
}

/// The stationary covariance of the ARMA block of the state,
/// `Q = T Q T' + R R'`, from the process's autocovariances; None when the AR
/// part has no stationary covariance (a root on or inside the unit circle).
///
/// State `i` of Harvey's form is `sum_{a>=1} phi_{i+a} y_{t-a} + sum_{b>=0}
/// theta_{i+b} e_{t-b}`, so each entry of `Q` is a short sum of
/// autocovariances `gamma(h)` of `y`, its cross-covariances with the noise
/// (the psi weights) and the noise variance. Seasonal polynomials multiplied
/// out are mostly zeros, so the sums run over their few non-zero terms: a
/// seasonal model with `r = 26` costs a 27-unknown linear solve and a few
/// thousand products, where summing `T^k R R' T'^k` by doubling took dense
/// `r^3` products over a dozen rounds and was half of AutoARIMA's time.
fn stationary_covariance(phi: &[f64], theta: &[f64], r: usize) -> Option<Vec<f64>> {
    // The autocovariance equations also have solutions for explosive AR
    // parts; only a stationary one has a covariance.
    if !ar_roots_outside(phi, 1.0) {
        return None;
    }
    let p = phi.len();
    // phi_k for k >= 1 and theta_k for k >= 0 (theta_0 = 1), zero past the ends.
    let ar = |k: usize| {
        if (1..=p).contains(&k) {
            phi[k - 1]
        } else {
            0.0
        }
    };
    let ma = |k: usize| match k {
        0 => 1.0,
        k if k <= theta.len() => theta[k - 1],
        _ => 0.0,
    };
    let ar_terms: Vec<usize> = (1..=p).filter(|&k| ar(k) != 0.0).collect();
    let ma_terms: Vec<usize> = (0..r).filter(|&k| ma(k) != 0.0).collect();
    // psi_j: the covariance of y_t with e_{t-j}.
    let mut psi = vec![0.0; r];
    for j in 0..r {
        let mut v = ma(j);
        for &k in ar_terms.iter().filter(|&&k| k <= j) {
            v += ar(k) * psi[j - k];
        }
        psi[j] = v;
    }
    // gamma(h) - sum_k phi_k gamma(h - k) = sum_{j >= h} theta_j psi_{j-h}.
    let noise = |h: usize| -> f64 {
        ma_terms
            .iter()
            .filter(|&&j| j >= h)
            .map(|&j| ma(j) * psi[j - h])
            .sum()
    };
    let size = p + 1;
    let mut system = vec![0.0; size * (size + 1)];
    for h in 0..size {
        let row = &mut system[h * (size + 1)..(h + 1) * (size + 1)];
        row[h] += 1.0;
        for &k in &ar_terms {
            row[h.abs_diff(k)] -= ar(k);
        }
        row[size] = noise(h);
    }
    let mut gamma = solve_augmented(&mut system, size)?;
    for h in size..r {
        let v = ar_terms.iter().map(|&k| ar(k) * gamma[h - k]).sum::<f64>() + noise(h);
        gamma.push(v);
    }
    if gamma[0].is_nan() || gamma[0] <= 0.0 {
        return None;
    }
    let cross = |lag_y: usize, lag_e: usize| {
        if lag_e >= lag_y {
            psi[lag_e - lag_y]
        } else {
            0.0
        }
    };
    let mut q = vec![0.0; r * r];
    for i in 0..r {
        for j in i..r {
            let mut v = 0.0;
            for &k in ar_terms.iter().filter(|&&k| k > i) {
                let a = k - i;
                for &l in ar_terms.iter().filter(|&&l| l > j) {
                    v += ar(k) * ar(l) * gamma[a.abs_diff(l - j)];
                }
                for &l in ma_terms.iter().filter(|&&l| l >= j) {
                    v += ar(k) * ma(l) * cross(a, l - j);
                }
            }
            for &k in ma_terms.iter().filter(|&&k| k >= i) {
                let b = k - i;
                for &l in ar_terms.iter().filter(|&&l| l > j) {
                    v += ma(k) * ar(l) * cross(l - j, b);
                }
                v += ma(k) * ma(j + b);
            }
            q[i * r + j] = v;
            q[j * r + i] = v;
        }
    }
    let scale = q.iter().fold(0.0f64, |acc, v| acc.max(v.abs()));
    (scale.is_finite() && scale <= 1e12).then_some(q)
}

/// Solves the `n x n` system held row by row with its right-hand side as an
/// extra column (`n x (n + 1)`), by elimination with partial pivoting; None
/// when it is singular. Not `numeric::lstsq`: its normal equations square
/// the condition number, and an AR part near the unit circle makes this
/// system ill-conditioned already.
fn solve_augmented(a: &mut [f64], n: usize) -> Option<Vec<f64>> {
    let w = n + 1;
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&i, &j| a[i * w + col].abs().total_cmp(&a[j * w + col].abs()))?;
        if a[pivot * w + col].is_nan() || a[pivot * w + col].abs() <= 1e-300 {
            return None;
        }
        if pivot != col {
            for c in 0..w {
                a.swap(pivot * w + c, col * w + c);
            }
        }
        let (top, rest) = a.split_at_mut((col + 1) * w);
        let pivot_row = &top[col * w..];
        for row in rest.chunks_exact_mut(w) {
            let factor = row[col] / pivot_row[col];
            if factor != 0.0 {
                for (cell, pv) in row[col..].iter_mut().zip(&pivot_row[col..]) {
                    *cell -= factor * pv;
                }
            }
        }
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        let row = &a[i * w..(i + 1) * w];
        let tail: f64 = (i + 1..n).map(|k| row[k] * x[k]).sum();
        x[i] = (row[n] - tail) / row[i];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes the ARMA block of the transition (`phi` down the first
    /// column, ones above the diagonal) into the `r x r` top-left of `t`,
    /// a matrix `width` wide.
    fn companion_into(t: &mut [f64], phi: &[f64], r: usize, width: usize) {
        for i in 0..r {
            if i < phi.len() {
                t[i * width] = phi[i];
            }
            if i + 1 < r {
                t[i * width + i + 1] = 1.0;
            }
        }
    }

    /// The former method, kept as an independent reference: `sum_k T^k R R'
    /// T'^k` by doubling, with dense products.
    fn covariance_by_doubling(phi: &[f64], theta: &[f64], r: usize) -> Vec<f64> {
        let rvec: Vec<f64> = std::iter::once(1.0).chain(theta.iter().copied()).collect();
        let mut q: Vec<f64> = (0..r * r).map(|x| rvec[x / r] * rvec[x % r]).collect();
        let mut t = vec![0.0; r * r];
        companion_into(&mut t, phi, r, r);
        let mul = |a: &[f64], b: &[f64], transpose_b: bool| -> Vec<f64> {
            (0..r * r)
                .map(|x| {
                    let (i, j) = (x / r, x % r);
                    (0..r)
                        .map(|k| {
                            a[i * r + k]
                                * if transpose_b {
                                    b[j * r + k]
                                } else {
                                    b[k * r + j]
                                }
                        })
                        .sum()
                })
                .collect()
        };
        for _ in 0..64 {
            let add = mul(&mul(&t, &q, false), &t, true);
            for (acc, v) in q.iter_mut().zip(&add) {
                *acc += v;
            }
            t = mul(&t, &t, false);
        }
        q
    }

    #[test]
    fn covariance_from_autocovariances_matches_the_doubling_sum() {
        // (AR, MA) polynomials as multiplied out by `expand`, seasonal ones
        // included: (1 - 0.5B)(1 - 0.6B^12), MA (1 + 0.3B)(1 - 0.4B^12), ...
        let seasonal_ar = |a: f64, s: f64, m: usize| {
            let mut phi = vec![0.0; m + 1];
            phi[0] = a;
            phi[m - 1] = s;
            phi[m] = -a * s;
            phi
        };
        let seasonal_ma = |a: f64, s: f64, m: usize| {
            let mut theta = vec![0.0; m + 1];
            theta[0] = a;
            theta[m - 1] = s;
            theta[m] = a * s;
            theta
        };
        let cases: Vec<(Vec<f64>, Vec<f64>)> = vec![
            (vec![0.6], vec![]),
            (vec![], vec![0.4, -0.2]),
            (vec![0.5, -0.3], vec![0.4]),
            (vec![1.2, -0.5, 0.1], vec![-0.3, 0.2, 0.1, 0.05]),
            (seasonal_ar(0.5, 0.6, 12), vec![]),
            (seasonal_ar(-0.3, 0.4, 12), seasonal_ma(0.3, -0.4, 12)),
            (vec![0.7], seasonal_ma(-0.5, -0.6, 12)),
            (seasonal_ar(0.2, -0.5, 7), seasonal_ma(0.1, 0.3, 7)),
            (seasonal_ar(0.4, 0.8, 12), vec![0.2]),
        ];
        for (phi, theta) in cases {
            let r = phi.len().max(theta.len() + 1);
            let mut padded = theta.clone();
            padded.resize(r - 1, 0.0);
            let got = stationary_covariance(&phi, &padded, r).unwrap();
            let want = covariance_by_doubling(&phi, &padded, r);
            let scale = want.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() <= 1e-9 * scale,
                    "phi {phi:?} theta {theta:?}: {g} vs {w}"
                );
            }
        }
    }

    #[test]
    fn structured_covariance_step_equals_the_dense_product() {
        // (1 - 0.5B)(1 - 0.3B^12) AR, an MA(1) x seasonal MA(1), and
        // (1 - B)(1 - B^12) differencing, as `expand` multiplies them out.
        let mut phi = [0.0; 13];
        phi[0] = 0.5;
        phi[11] = 0.3;
        phi[12] = -0.15;
        let mut theta = [0.0; 13];
        theta[0] = 0.4;
        theta[11] = -0.6;
        theta[12] = -0.24;
        let mut delta = [0.0; 13];
        delta[0] = 1.0;
        delta[11] = 1.0;
        delta[12] = -1.0;
        for (phi, theta, delta) in [
            (&phi[..], &theta[..], &delta[..]),
            (&phi[..], &[][..], &[][..]),
            (&[0.7][..], &[0.2][..], &[1.0][..]),
            (&[][..], &[][..], &[2.0, -1.0][..]),
        ] {
            let ss = StateSpace::new(phi, theta, delta).unwrap();
            let (rd, r) = (ss.dim(), ss.r);
            let mut t = vec![0.0; rd * rd];
            companion_into(&mut t, phi, r, rd);
            if rd > r {
                t[r * rd] = 1.0;
                for (k, dk) in delta.iter().enumerate() {
                    t[r * rd + r + k] = *dk;
                }
                for k in 1..rd - r {
                    t[(r + k) * rd + r + k - 1] = 1.0;
                }
            }
            // A symmetric P with no zeros: A A' for a fixed A.
            let a: Vec<f64> = (0..rd * rd)
                .map(|x| ((x * 7919 % 101) as f64 - 50.0) / 25.0)
                .collect();
            let p: Vec<f64> = (0..rd * rd)
                .map(|x| {
                    (0..rd)
                        .map(|k| a[(x / rd) * rd + k] * a[(x % rd) * rd + k])
                        .sum()
                })
                .collect();
            let mut want = vec![0.0; rd * rd];
            for i in 0..rd {
                for j in 0..rd {
                    for k in 0..rd {
                        for l in 0..rd {
                            want[i * rd + j] += t[i * rd + k] * p[k * rd + l] * t[j * rd + l];
                        }
                    }
                }
            }
            let rvec: Vec<f64> = std::iter::once(1.0)
                .chain(ss.theta.iter().copied())
                .collect();
            for i in 0..r {
                for j in 0..r {
                    want[i * rd + j] += rvec[i] * rvec[j];
                }
            }
            let (mut got, mut scratch) = (vec![0.0; rd * rd], vec![0.0; rd * rd]);
            ss.predict_covariance(&p, &mut got, &mut scratch);
            let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() <= 1e-12 * scale, "{g} vs {w} (state {rd})");
            }
        }
    }

    #[test]
    fn ar1_covariance_is_one_over_one_minus_phi_squared() {
        let q = stationary_covariance(&[0.6], &[], 1).unwrap();
        assert!((q[0] - 1.0 / (1.0 - 0.36)).abs() < 1e-12);
    }

    #[test]
    fn arma11_variance_matches_the_textbook_formula() {
        // Var(y) of ARMA(1,1) = (1 + 2 phi theta + theta^2) / (1 - phi^2).
        let (phi, theta) = (0.5, 0.4);
        let q = stationary_covariance(&[phi], &[theta], 2).unwrap();
        let want = (1.0 + 2.0 * phi * theta + theta * theta) / (1.0 - phi * phi);
        assert!((q[0] - want).abs() < 1e-10, "{} vs {want}", q[0]);
    }

    #[test]
    fn explosive_ar_has_no_stationary_covariance() {
        assert!(stationary_covariance(&[1.2], &[], 1).is_none());
    }

    #[test]
    fn white_noise_likelihood_is_the_sample_variance() {
        let y = [1.0, -2.0, 0.5, 3.0, -1.5];
        let mut ss = StateSpace::new(&[], &[], &[]).unwrap();
        let lik = ss.filter(&y, None);
        let ssq: f64 = y.iter().map(|v| v * v).sum();
        assert_eq!(lik.nu, 5);
        assert!((lik.ssq - ssq).abs() < 1e-12 && lik.sumlog.abs() < 1e-12);
    }

    #[test]
    fn random_walk_forecast_is_the_last_value_with_growing_variance() {
        let y = [3.0, 5.0, 4.0, 6.0, 7.0];
        let mut ss = StateSpace::new(&[], &[], &[1.0]).unwrap();
        let lik = ss.filter(&y, None);
        // The first step is diffuse; the rest are the differences.
        assert_eq!(lik.nu, 4);
        let (mean, var) = ss.forecast(3);
        for (h, (m, v)) in mean.iter().zip(&var).enumerate() {
            assert!((m - 7.0).abs() < 1e-6, "{m}");
            assert!((v - (h + 1) as f64).abs() < 1e-4, "{v}");
        }
    }
}

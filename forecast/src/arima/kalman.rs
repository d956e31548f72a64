//! The exact Gaussian likelihood of an ARIMA model by a Kalman filter on its
//! state-space form, the form R's `arima` and statsforecast use (Harvey's:
//! `r = max(p, q + 1)` ARMA states, then `d` states holding the last
//! undifferenced values, so differencing happens inside the filter and the
//! forecasts come out on the scale of the data). The differencing states
//! start diffuse (variance [`KAPPA`]); steps whose prediction variance is
//! still that large are left out of the likelihood, as R does.

/// Prior variance of the differencing states (R's `kappa`).
pub(crate) const KAPPA: f64 = 1e6;

/// Prediction variances at or above this belong to the diffuse start.
const DIFFUSE_GAIN: f64 = 1e4;

/// An ARIMA model in state-space form, with the filter's current state.
#[derive(Debug, Clone)]
pub(crate) struct StateSpace {
    /// AR polynomial, seasonal part multiplied out (`1 - phi_1 B - ...`).
    phi: Vec<f64>,
    /// MA polynomial (`1 + theta_1 B + ...`), padded with zeros to `r - 1`.
    theta: Vec<f64>,
    /// Differencing polynomial `1 - delta_1 B - ...`.
    delta: Vec<f64>,
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
        Some(StateSpace {
            phi: phi.to_vec(),
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
        for (v, phi) in arma_dst.iter_mut().zip(&self.phi) {
            *v += phi * first;
        }
        if d > 0 {
            let mut v = first;
            for (delta, s) in self.delta.iter().zip(diff_src) {
                v += delta * s;
            }
            diff_dst[1..].copy_from_slice(&diff_src[..d - 1]);
            diff_dst[0] = v;
        }
    }

    /// `P <- T P T' + R R'` into `out`, with `scratch` of the same size.
    fn predict_covariance(&self, p: &[f64], out: &mut [f64], scratch: &mut [f64]) {
        let rd = self.dim();
        // Rows of P T' are T applied to rows of P (P is symmetric).
        for j in 0..rd {
            self.transition(&p[j * rd..(j + 1) * rd], &mut out[j * rd..(j + 1) * rd]);
        }
        for i in 0..rd {
            for j in 0..rd {
                scratch[j * rd + i] = out[i * rd + j];
            }
        }
        for j in 0..rd {
            self.transition(
                &scratch[j * rd..(j + 1) * rd],
                &mut out[j * rd..(j + 1) * rd],
            );
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
        let d = self.delta.len();
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
            for k in 0..d {
                resid -= self.delta[k] * anew[r + k];
            }
            if !steady {
                for (i, mi) in m.iter_mut().enumerate() {
                    let row = &pnew[i * rd..(i + 1) * rd];
                    let mut v = row[0];
                    for k in 0..d {
                        v += row[r + k] * self.delta[k];
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
            for k in 0..d {
                gain += self.delta[k] * m[r + k];
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
/// `Q = T Q T' + R R'`, by doubling (`Q = sum_k T^k R R' T'^k`, the number
/// of terms doubling each round); None when it does not converge.
fn stationary_covariance(phi: &[f64], theta: &[f64], r: usize) -> Option<Vec<f64>> {
    let mut q = vec![0.0; r * r];
    let rvec: Vec<f64> = std::iter::once(1.0).chain(theta.iter().copied()).collect();
    for i in 0..r {
        for j in 0..r {
            q[i * r + j] = rvec[i] * rvec[j];
        }
    }
    if phi.iter().all(|v| *v == 0.0) {
        // Pure MA: T is a shift, nilpotent after r steps.
        let mut term = q.clone();
        for _ in 1..r {
            let mut next = vec![0.0; r * r];
            for i in 0..r - 1 {
                for j in 0..r - 1 {
                    next[i * r + j] = term[(i + 1) * r + j + 1];
                }
            }
            for (acc, v) in q.iter_mut().zip(&next) {
                *acc += v;
            }
            term = next;
        }
        return Some(q);
    }
    let mut t = vec![0.0; r * r];
    for i in 0..r {
        if i < phi.len() {
            t[i * r] = phi[i];
        }
        if i + 1 < r {
            t[i * r + i + 1] = 1.0;
        }
    }
    let mut tmp = vec![0.0; r * r];
    let mut add = vec![0.0; r * r];
    for _ in 0..64 {
        // add = T Q T'
        matmul(&t, &q, &mut tmp, r);
        matmul_transposed(&tmp, &t, &mut add, r);
        let mut biggest = 0.0f64;
        let mut scale = 0.0f64;
        for (acc, v) in q.iter_mut().zip(&add) {
            *acc += v;
            biggest = biggest.max(v.abs());
            scale = scale.max(acc.abs());
        }
        if !scale.is_finite() || scale > 1e12 {
            return None;
        }
        if biggest <= 1e-15 * scale {
            return Some(q);
        }
        matmul(&t, &t, &mut tmp, r);
        std::mem::swap(&mut t, &mut tmp);
    }
    None
}

fn matmul(a: &[f64], b: &[f64], out: &mut [f64], n: usize) {
    for i in 0..n {
        for j in 0..n {
            out[i * n + j] = (0..n).map(|k| a[i * n + k] * b[k * n + j]).sum();
        }
    }
}

/// `out = a b'`.
fn matmul_transposed(a: &[f64], b: &[f64], out: &mut [f64], n: usize) {
    for i in 0..n {
        for j in 0..n {
            out[i * n + j] = (0..n).map(|k| a[i * n + k] * b[j * n + k]).sum();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

//! Fitting one ETS model: admissibility, starting states, the parameter layout
//! and the Nelder–Mead search.

use super::model::run;
use super::*;
use crate::numeric::{self, classical_seasonal, line_fit, lstsq, roots_within};
use crate::optim;

/// R's `admissible`: the model is forecastable (its discounting roots lie
/// inside the unit circle).
pub(super) fn admissible(spec: &EtsSpec, p: &Smoothing, m: usize) -> bool {
    let phi = if spec.damped { p.phi } else { 1.0 };
    let (alpha, gamma) = (p.alpha, p.gamma);
    if !(0.0..=1.0 + 1e-8).contains(&phi) {
        return false;
    }
    if spec.season == Kind::None {
        if alpha < 1.0 - 1.0 / phi || alpha > 1.0 + 1.0 / phi {
            return false;
        }
        if spec.trend != Kind::None {
            let beta = p.beta;
            if beta < alpha * (phi - 1.0) || beta > (1.0 + phi) * (2.0 - alpha) {
                return false;
            }
        }
        return true;
    }
    let beta = if spec.trend == Kind::None {
        0.0
    } else {
        p.beta
    };
    let mf = m as f64;
    if gamma < (1.0 - 1.0 / phi - alpha).max(0.0) || gamma > 1.0 + 1.0 / phi - alpha {
        return false;
    }
    if alpha < 1.0 - 1.0 / phi - gamma * (1.0 - mf + phi + phi * mf) / (2.0 * phi * mf) {
        return false;
    }
    if beta < -(1.0 - phi) * (gamma / mf + alpha) {
        return false;
    }
    // Degree m + 1: φ(1−α−γ), α+β−αφ+γ−1, (α+β−αφ) × (m−2), α+β−φ, 1.
    let mut poly = [0.0f64; MAX_SEASON + 2];
    poly[0] = phi * (1.0 - alpha - gamma);
    poly[1] = alpha + beta - alpha * phi + gamma - 1.0;
    for p in &mut poly[2..m] {
        *p = alpha + beta - alpha * phi;
    }
    poly[m] = alpha + beta - phi;
    poly[m + 1] = 1.0;
    roots_within(&poly[..=m + 1], 1.0 + 1e-10)
}

/// The usual bounds: 0 < β ≤ α < 1, 0 < γ ≤ 1 − α, φ in [0.8, 0.98].
pub(super) fn usual_bounds(spec: &EtsSpec, p: &Smoothing) -> bool {
    if p.alpha < LOWER[0] || p.alpha > UPPER[0] {
        return false;
    }
    if spec.trend != Kind::None && (p.beta < LOWER[1] || p.beta > p.alpha || p.beta > UPPER[1]) {
        return false;
    }
    if spec.damped && (p.phi < LOWER[3] || p.phi > UPPER[3]) {
        return false;
    }
    if spec.season != Kind::None
        && (p.gamma < LOWER[2] || p.gamma > 1.0 - p.alpha || p.gamma > UPPER[2])
    {
        return false;
    }
    true
}

/// Starting states from a classical decomposition (R's and statsforecast's
/// `initstate`): seasonal indices, then a line through the first
/// max(10, 2m) seasonally adjusted values.
pub(super) fn initial_state(y: &[f64], m: usize, spec: &EtsSpec) -> (f64, f64, Vec<f64>) {
    let n = y.len();
    let (seasons, adjusted) = if spec.season != Kind::None {
        let mult = spec.season == Kind::Multiplicative;
        let seasonal = if n < 3 * m {
            // Too short to decompose: a line plus one Fourier pair.
            let design: Vec<Vec<f64>> = (0..n)
                .map(|t| {
                    let angle = 2.0 * std::f64::consts::PI * (t + 1) as f64 / m as f64;
                    vec![1.0, (t + 1) as f64, angle.sin(), angle.cos()]
                })
                .collect();
            let coef = lstsq(&design, y).unwrap_or_else(|| vec![numeric::mean(y), 0.0, 0.0, 0.0]);
            (0..n)
                .map(|t| {
                    let line = coef[0] + coef[1] * (t + 1) as f64;
                    if mult { y[t] / line } else { y[t] - line }
                })
                .collect()
        } else {
            classical_seasonal(y, m, mult)
        };
        // States s_1..s_{m-1} (most recent first), as R orders them.
        let mut init: Vec<f64> = seasonal[1..m].iter().rev().copied().collect();
        let adjusted: Vec<f64> = if mult {
            for v in &mut init {
                *v = v.max(1e-2);
            }
            let total: f64 = init.iter().sum();
            if total > m as f64 {
                let scale: f64 = init.iter().map(|v| v + 1e-2).sum();
                for v in &mut init {
                    *v /= scale;
                }
            }
            y.iter()
                .zip(&seasonal)
                .map(|(a, s)| a / s.max(1e-2))
                .collect()
        } else {
            y.iter().zip(&seasonal).map(|(a, s)| a - s).collect()
        };
        (init, adjusted)
    } else {
        (Vec::new(), y.to_vec())
    };
    let maxn = (10usize.max(2 * m)).min(n);
    let head = &adjusted[..maxn];
    let (level, trend) = match spec.trend {
        Kind::None => (numeric::mean(head), 0.0),
        Kind::Additive => {
            let (mut l, mut b) = line_fit(head);
            if (l + b).abs() < 1e-8 {
                l *= 1.0 + 1e-3;
                b *= 1.0 - 1e-3;
            }
            (l, b)
        }
        Kind::Multiplicative => {
            let (l, b) = line_fit(head);
            let mut l0 = l + b;
            if l0.abs() < 1e-8 {
                l0 = 1e-7;
            }
            let mut b0 = (l + 2.0 * b) / l0;
            l0 /= if b0.abs() < 1e-8 { 1e-8 } else { b0 };
            if b0.abs() > 1e10 {
                b0 = b0.signum() * 1e10;
            }
            if l0 < 1e-8 || b0 < 1e-8 {
                l0 = adjusted[0].max(1e-3);
                b0 = (adjusted[1]
                    / if adjusted[0].abs() < 1e-8 {
                        1e-8
                    } else {
                        adjusted[0]
                    })
                .max(1e-3);
            }
            (l0, b0)
        }
    };
    (level, trend, seasons)
}

/// Layout of the optimised parameter vector: smoothing parameters in use, then
/// level, trend and m−1 seasonal states (the m-th closes the seasonal sum).
pub(super) struct Layout {
    spec: EtsSpec,
    m: usize,
    /// Seasonal states held at their starting values (not optimised).
    fixed_seasons: Option<Vec<f64>>,
}

impl Layout {
    fn n_smoothing(&self) -> usize {
        1 + usize::from(self.spec.trend != Kind::None)
            + usize::from(self.spec.season != Kind::None)
            + usize::from(self.spec.damped)
    }

    fn smoothing(&self, x: &[f64]) -> Smoothing {
        let mut i = 1;
        let mut take = |on: bool, default: f64| {
            if on {
                i += 1;
                x[i - 1]
            } else {
                default
            }
        };
        let beta = take(self.spec.trend != Kind::None, 0.0);
        let gamma = take(self.spec.season != Kind::None, 0.0);
        let phi = take(self.spec.damped, 1.0);
        Smoothing {
            alpha: x[0],
            beta,
            gamma,
            phi,
        }
    }

    /// The state at time 0, or None if multiplicative seasonal states go negative.
    fn state(&self, x: &[f64]) -> Option<State> {
        let mut state = State {
            level: 0.0,
            trend: 0.0,
            season: Vec::new(),
        };
        self.state_into(x, &mut state).then_some(state)
    }

    /// Writes the state at time 0 into `out` (reusing its buffer); false if
    /// multiplicative seasonal states go negative.
    fn state_into(&self, x: &[f64], out: &mut State) -> bool {
        let mut i = self.n_smoothing();
        let level = x[i];
        i += 1;
        let trend = if self.spec.trend != Kind::None {
            i += 1;
            x[i - 1]
        } else {
            0.0
        };
        if self.spec.season != Kind::None {
            let m = self.m;
            let given = match &self.fixed_seasons {
                Some(fixed) => &fixed[..],
                None => &x[i..i + m - 1],
            };
            let closing = if self.spec.season == Kind::Multiplicative {
                m as f64
            } else {
                0.0
            } - given.iter().sum::<f64>();
            // s[j] (j = 0 most recent) belongs to phase m-1-j; closing is s[m-1].
            out.season.clear();
            out.season.resize(m, 0.0);
            for (j, v) in given.iter().chain(std::iter::once(&closing)).enumerate() {
                out.season[m - 1 - j] = *v;
            }
            if self.spec.season == Kind::Multiplicative && out.season.iter().any(|v| *v < 0.0) {
                return false;
            }
        } else {
            out.season.clear();
        }
        out.level = level;
        out.trend = trend;
        true
    }
}

pub(super) fn fit_model(
    y: &[f64],
    m: usize,
    spec: EtsSpec,
    optimizer: NelderMead,
    fix_seasons: bool,
    start: Option<&[f64]>,
) -> Option<FittedEts> {
    let m = if spec.season == Kind::None { 1 } else { m };
    let fix_seasons = fix_seasons && spec.season != Kind::None;
    // R's initparam: start near the lower end, scaled by the season length.
    let alpha = LOWER[0] + 0.2 * (UPPER[0] - LOWER[0]) / m as f64;
    let beta_upper = UPPER[1].min(alpha);
    let gamma_upper = UPPER[2].min(1.0 - alpha);
    let mut x0 = vec![alpha];
    let mut lower = vec![LOWER[0]];
    let mut upper = vec![UPPER[0]];
    if spec.trend != Kind::None {
        x0.push(LOWER[1] + 0.1 * (beta_upper - LOWER[1]));
        lower.push(LOWER[1]);
        upper.push(UPPER[1]);
    }
    if spec.season != Kind::None {
        x0.push(LOWER[2] + 0.05 * (gamma_upper - LOWER[2]));
        lower.push(LOWER[2]);
        upper.push(UPPER[2]);
    }
    if spec.damped {
        x0.push(LOWER[3] + 0.99 * (UPPER[3] - LOWER[3]));
        lower.push(LOWER[3]);
        upper.push(UPPER[3]);
    }
    let (l0, b0, s0) = initial_state(y, m, &spec);
    x0.push(l0);
    if spec.trend != Kind::None {
        x0.push(b0);
    }
    // Free parameters counted for the AICc are the same either way: the
    // decomposition's seasonal states are estimated from the data too.
    let n_free = x0.len() + s0.len();
    if let Some(start) = start {
        x0 = start.to_vec();
    } else if !fix_seasons {
        x0.extend(&s0);
    }
    let layout = Layout {
        spec,
        m,
        fixed_seasons: fix_seasons.then(|| s0.clone()),
    };
    lower.resize(x0.len(), f64::NEG_INFINITY);
    upper.resize(x0.len(), f64::INFINITY);
    if n_free >= y.len() - 1 {
        return None;
    }
    let mut state = State {
        level: 0.0,
        trend: 0.0,
        season: Vec::with_capacity(m),
    };
    let objective = |x: &[f64]| -> f64 {
        let p = layout.smoothing(x);
        if !usual_bounds(&spec, &p) || !admissible(&spec, &p, m) {
            return f64::INFINITY;
        }
        if !layout.state_into(x, &mut state) {
            return f64::INFINITY;
        }
        let lik = run(&spec, &p, &mut state, y, None);
        if lik.is_nan() {
            f64::INFINITY
        } else {
            lik.max(-1e10)
        }
    };
    let best = optim::nelder_mead(objective, &x0, &lower, &upper, optimizer);
    if !best.value.is_finite() {
        return None;
    }
    let smoothing = layout.smoothing(&best.x);
    let mut state = layout.state(&best.x)?;
    let mut full_x = best.x.clone();
    if let Some(fixed) = &layout.fixed_seasons {
        full_x.extend(fixed);
    }
    let mut errors = Vec::with_capacity(y.len());
    let mut fitted = Vec::with_capacity(y.len());
    let lik = run(
        &spec,
        &smoothing,
        &mut state,
        y,
        Some((&mut errors, &mut fitted)),
    );
    let n = y.len() as f64;
    let k = (n_free + 1) as f64;
    let aic = lik + 2.0 * k;
    let aicc = if n - k - 1.0 > 0.0 {
        aic + 2.0 * k * (k + 1.0) / (n - k - 1.0)
    } else {
        f64::INFINITY
    };
    let sigma2 = errors.iter().map(|e| e * e).sum::<f64>() / (n - k).max(1.0);
    Some(FittedEts {
        spec,
        smoothing,
        ic: InfoCriteria {
            loglik: -0.5 * lik,
            aic,
            aicc,
            bic: lik + n.ln() * k,
        },
        sigma2,
        m,
        n: y.len(),
        last: state,
        fitted,
        x: full_x,
        season_ignored: None,
    })
}

pub(super) fn constant_fit(y: &[f64]) -> FittedEts {
    FittedEts {
        spec: EtsSpec {
            error: Kind::Additive,
            trend: Kind::None,
            damped: false,
            season: Kind::None,
        },
        smoothing: Smoothing {
            alpha: LOWER[0],
            beta: 0.0,
            gamma: 0.0,
            phi: 1.0,
        },
        ic: InfoCriteria {
            loglik: f64::INFINITY,
            aic: f64::NEG_INFINITY,
            aicc: f64::NEG_INFINITY,
            bic: f64::NEG_INFINITY,
        },
        sigma2: 0.0,
        m: 1,
        n: y.len(),
        last: State {
            level: y[0],
            trend: 0.0,
            season: Vec::new(),
        },
        fitted: y.to_vec(),
        x: Vec::new(),
        season_ignored: None,
    }
}

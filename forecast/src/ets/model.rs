//! The state recursions of R's `etscalc`: one-step forecasts, state updates and
//! the concentrated likelihood.

use super::*;

/// Where time `t` falls in the seasonal cycle of `state` (0 without one).
#[inline]
pub(super) fn phase_of(state: &State, t: usize) -> usize {
    match state.season.len() {
        0 => 0,
        m => t % m,
    }
}

/// The one-step forecast from `state` at seasonal `phase` (see [`phase_of`]),
/// or None (R's NA) when a multiplicative trend turned negative.
#[inline]
pub(super) fn one_step(spec: &EtsSpec, state: &State, phase: usize, steps_phi: f64) -> Option<f64> {
    let base = match spec.trend {
        Kind::None => state.level,
        Kind::Additive => state.level + steps_phi * state.trend,
        Kind::Multiplicative => {
            if state.trend < 0.0 {
                return None;
            }
            state.level * state.trend.powf(steps_phi)
        }
    };
    Some(match spec.season {
        Kind::None => base,
        Kind::Additive => base + state.season[phase],
        Kind::Multiplicative => base * state.season[phase],
    })
}

/// The state update of R's `etscalc` (written in terms of y, so it is the same
/// for additive and multiplicative errors), at seasonal `phase`.
#[inline]
pub(super) fn update(spec: &EtsSpec, p: &Smoothing, state: &mut State, phase: usize, y: f64) {
    const HUGE: f64 = 1e10;
    const TOL: f64 = 1e-10;
    let old_level = state.level;
    let (q, phib) = match spec.trend {
        Kind::None => (old_level, 0.0),
        Kind::Additive => {
            let phib = p.phi * state.trend;
            (old_level + phib, phib)
        }
        Kind::Multiplicative => {
            let phib = if (p.phi - 1.0).abs() < TOL {
                state.trend
            } else {
                state.trend.powf(p.phi)
            };
            (old_level * phib, phib)
        }
    };
    let old_season = state.season.get(phase).copied().unwrap_or(0.0);
    let deseasonalised = match spec.season {
        Kind::None => y,
        Kind::Additive => y - old_season,
        Kind::Multiplicative => {
            if old_season.abs() < TOL {
                HUGE
            } else {
                y / old_season
            }
        }
    };
    state.level = q + p.alpha * (deseasonalised - q);
    match spec.trend {
        Kind::None => {}
        Kind::Additive => {
            let r = state.level - old_level;
            state.trend = phib + (p.beta / p.alpha) * (r - phib);
        }
        Kind::Multiplicative => {
            let r = if old_level.abs() < TOL {
                HUGE
            } else {
                state.level / old_level
            };
            state.trend = phib + (p.beta / p.alpha) * (r - phib);
        }
    }
    match spec.season {
        Kind::None => {}
        Kind::Additive => state.season[phase] = old_season + p.gamma * (y - q - old_season),
        Kind::Multiplicative => {
            let ratio = if q.abs() < TOL { HUGE } else { y / q };
            state.season[phase] = old_season + p.gamma * (ratio - old_season);
        }
    }
}

/// Runs the model over the series: -2·log-likelihood up to a constant (R's
/// `lik`), plus the errors and fitted values when asked.
pub(super) fn run(
    spec: &EtsSpec,
    p: &Smoothing,
    state: &mut State,
    y: &[f64],
    mut record: Option<(&mut Vec<f64>, &mut Vec<f64>)>,
) -> f64 {
    let mut sse = 0.0;
    let mut log_f = 0.0;
    // Σ ln|f| as the log of a running product: one log per run instead of one
    // per step (the log was a fifth of the whole fit time).
    let mut product = 1.0f64;
    // A running phase: `t % m` twice a step was a tenth of the fit.
    let m = state.season.len();
    let mut phase = 0;
    for &obs in y {
        let Some(f) = one_step(spec, state, phase, p.phi) else {
            return f64::NAN;
        };
        let e = if spec.error == Kind::Additive {
            obs - f
        } else {
            (obs - f) / f
        };
        if let Some((errors, fitted)) = record.as_mut() {
            errors.push(e);
            fitted.push(f);
        }
        sse += e * e;
        product *= f.abs();
        if !(1e-200..=1e200).contains(&product) {
            log_f += product.ln();
            product = 1.0;
        }
        update(spec, p, state, phase, obs);
        phase = if phase + 1 >= m { 0 } else { phase + 1 };
    }
    log_f += product.ln();
    let n = y.len() as f64;
    let mut lik = n * sse.ln();
    if spec.error == Kind::Multiplicative {
        lik += 2.0 * log_f;
    }
    lik
}

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
    let season = state.season.get(phase).copied().unwrap_or(0.0);
    forecast_from(
        spec.trend,
        spec.season,
        state.level,
        state.trend,
        season,
        steps_phi,
    )
}

/// The state update of R's `etscalc` (written in terms of y, so it is the same
/// for additive and multiplicative errors), at seasonal `phase`.
#[inline]
pub(super) fn update(spec: &EtsSpec, p: &Smoothing, state: &mut State, phase: usize, y: f64) {
    let mut unused = 0.0;
    let season = state.season.get_mut(phase).unwrap_or(&mut unused);
    update_from(
        spec.trend,
        spec.season,
        p,
        (&mut state.level, &mut state.trend, season),
        y,
    );
}

/// [`one_step`] on the level, trend and this phase's seasonal state. Always
/// inlined, so that [`run`]'s copies for each model form fold the matches
/// on constant kinds away.
#[inline(always)]
fn forecast_from(
    trend_kind: Kind,
    season_kind: Kind,
    level: f64,
    trend: f64,
    season: f64,
    steps_phi: f64,
) -> Option<f64> {
    let base = match trend_kind {
        Kind::None => level,
        Kind::Additive => level + steps_phi * trend,
        Kind::Multiplicative => {
            if trend < 0.0 {
                return None;
            }
            level * trend.powf(steps_phi)
        }
    };
    Some(match season_kind {
        Kind::None => base,
        Kind::Additive => base + season,
        Kind::Multiplicative => base * season,
    })
}

/// [`update`] on the level, trend and this phase's seasonal state.
#[inline(always)]
fn update_from(
    trend_kind: Kind,
    season_kind: Kind,
    p: &Smoothing,
    (level, trend, season): (&mut f64, &mut f64, &mut f64),
    y: f64,
) {
    const HUGE: f64 = 1e10;
    const TOL: f64 = 1e-10;
    let old_level = *level;
    let (q, phib) = match trend_kind {
        Kind::None => (old_level, 0.0),
        Kind::Additive => {
            let phib = p.phi * *trend;
            (old_level + phib, phib)
        }
        Kind::Multiplicative => {
            let phib = if (p.phi - 1.0).abs() < TOL {
                *trend
            } else {
                trend.powf(p.phi)
            };
            (old_level * phib, phib)
        }
    };
    let old_season = *season;
    let deseasonalised = match season_kind {
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
    *level = q + p.alpha * (deseasonalised - q);
    match trend_kind {
        Kind::None => {}
        Kind::Additive => {
            let r = *level - old_level;
            *trend = phib + (p.beta / p.alpha) * (r - phib);
        }
        Kind::Multiplicative => {
            let r = if old_level.abs() < TOL {
                HUGE
            } else {
                *level / old_level
            };
            *trend = phib + (p.beta / p.alpha) * (r - phib);
        }
    }
    match season_kind {
        Kind::None => {}
        Kind::Additive => *season = old_season + p.gamma * (y - q - old_season),
        Kind::Multiplicative => {
            let ratio = if q.abs() < TOL { HUGE } else { y / q };
            *season = old_season + p.gamma * (ratio - old_season);
        }
    }
}

/// A model form's kinds as constant parameters: 0 none, 1 additive, 2
/// multiplicative.
const fn kind(code: u8) -> Kind {
    match code {
        1 => Kind::Additive,
        2 => Kind::Multiplicative,
        _ => Kind::None,
    }
}

/// The errors and fitted values [`run`] records when asked.
type Record<'a> = Option<(&'a mut Vec<f64>, &'a mut Vec<f64>)>;

/// Runs the model over the series: -2·log-likelihood up to a constant (R's
/// `lik`), plus the errors and fitted values when asked.
///
/// The fit calls this thousands of times per model, so it runs a copy
/// compiled for each model form (error, trend and season kinds as
/// constants), with the level and trend in locals and the seasonal states
/// walked a cycle at a time: no matches, bounds checks or phase counter
/// inside the loop.
pub(super) fn run(
    spec: &EtsSpec,
    p: &Smoothing,
    state: &mut State,
    y: &[f64],
    record: Record<'_>,
) -> f64 {
    match spec.error {
        Kind::Multiplicative => run_by_trend::<1>(spec, p, state, y, record),
        _ => run_by_trend::<0>(spec, p, state, y, record),
    }
}

fn run_by_trend<const E: u8>(
    spec: &EtsSpec,
    p: &Smoothing,
    state: &mut State,
    y: &[f64],
    record: Record<'_>,
) -> f64 {
    match spec.trend {
        Kind::None => run_by_season::<E, 0>(spec, p, state, y, record),
        Kind::Additive => run_by_season::<E, 1>(spec, p, state, y, record),
        Kind::Multiplicative => run_by_season::<E, 2>(spec, p, state, y, record),
    }
}

fn run_by_season<const E: u8, const T: u8>(
    spec: &EtsSpec,
    p: &Smoothing,
    state: &mut State,
    y: &[f64],
    record: Record<'_>,
) -> f64 {
    match spec.season {
        Kind::None => run_as::<E, T, 0>(p, state, y, record),
        Kind::Additive => run_as::<E, T, 1>(p, state, y, record),
        Kind::Multiplicative => run_as::<E, T, 2>(p, state, y, record),
    }
}

/// What [`run_as`] carries from step to step.
struct Running {
    level: f64,
    trend: f64,
    sse: f64,
    /// Σ ln|f| so far, and the running product not yet logged (one log per
    /// run instead of one per step: the log was a fifth of the fit time).
    log_f: f64,
    product: f64,
}

/// One step of [`run_as`]; false (R's NA) when a multiplicative trend turned
/// negative.
#[inline(always)]
fn step<const E: u8, const T: u8, const S: u8>(
    p: &Smoothing,
    run: &mut Running,
    season: &mut f64,
    obs: f64,
    record: &mut Record<'_>,
) -> bool {
    let (trend_kind, season_kind) = (kind(T), kind(S));
    let Some(f) = forecast_from(
        trend_kind,
        season_kind,
        run.level,
        run.trend,
        *season,
        p.phi,
    ) else {
        return false;
    };
    let e = if E == 1 { (obs - f) / f } else { obs - f };
    if let Some((errors, fitted)) = record.as_mut() {
        errors.push(e);
        fitted.push(f);
    }
    run.sse += e * e;
    run.product *= f.abs();
    if !(1e-200..=1e200).contains(&run.product) {
        run.log_f += run.product.ln();
        run.product = 1.0;
    }
    update_from(
        trend_kind,
        season_kind,
        p,
        (&mut run.level, &mut run.trend, season),
        obs,
    );
    true
}

fn run_as<const E: u8, const T: u8, const S: u8>(
    p: &Smoothing,
    state: &mut State,
    y: &[f64],
    mut record: Record<'_>,
) -> f64 {
    let mut run = Running {
        level: state.level,
        trend: state.trend,
        sse: 0.0,
        log_f: 0.0,
        product: 1.0,
    };
    if kind(S) == Kind::None || state.season.is_empty() {
        let mut unused = 0.0;
        for &obs in y {
            if !step::<E, T, S>(p, &mut run, &mut unused, obs, &mut record) {
                return f64::NAN;
            }
        }
    } else {
        // A cycle at a time: the seasonal state of each step is the next
        // slot, so there is no phase to count and no index to check.
        let m = state.season.len();
        for chunk in y.chunks(m) {
            for (&obs, season) in chunk.iter().zip(state.season.iter_mut()) {
                if !step::<E, T, S>(p, &mut run, season, obs, &mut record) {
                    return f64::NAN;
                }
            }
        }
    }
    state.level = run.level;
    state.trend = run.trend;
    let log_f = run.log_f + run.product.ln();
    let n = y.len() as f64;
    let mut lik = n * run.sse.ln();
    if E == 1 {
        lik += 2.0 * log_f;
    }
    lik
}

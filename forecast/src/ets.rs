//! Exponential smoothing state-space models (ETS) fitted by maximum likelihood,
//! and automatic selection by AICc, as R's `forecast::ets` (Hyndman et al.
//! 2008, *Forecasting with Exponential Smoothing*) and statsforecast's
//! `AutoETS` do.
//!
//! A model is (error, trend, season) with error A/M, trend N/A/Ad (M/Md on
//! request) and season N/A/M. Smoothing parameters and initial states are
//! estimated together by Nelder–Mead on the concentrated likelihood, inside the
//! usual bounds *and* the admissible (forecastable) region; the initial states
//! start from a classical decomposition. Point forecasts follow the state
//! recursions; intervals are analytic for the linear (class 1) models and come
//! from 5,000 simulated sample paths for the others.

use crate::numeric::{self, classical_seasonal, line_fit, lstsq, roots_within};
use crate::optim::{self, NelderMead};
use crate::{Error, Fit, Forecast, InfoCriteria, Input, Interval, Predict, Result};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

/// A component's form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Absent.
    None,
    /// Additive.
    Additive,
    /// Multiplicative.
    Multiplicative,
}

impl Kind {
    fn letter(self) -> char {
        match self {
            Kind::None => 'N',
            Kind::Additive => 'A',
            Kind::Multiplicative => 'M',
        }
    }
}

/// One member of the ETS family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EtsSpec {
    /// Additive or multiplicative errors (never `None`).
    pub error: Kind,
    /// Trend form.
    pub trend: Kind,
    /// Whether the trend is damped.
    pub damped: bool,
    /// Seasonal form.
    pub season: Kind,
}

impl EtsSpec {
    /// Parses a three- or four-letter code such as `ANN`, `AAdA` or `MAM`.
    pub fn parse(code: &str) -> Result<EtsSpec> {
        let letters: Vec<char> = code.chars().collect();
        let kind = |c: char| match c.to_ascii_uppercase() {
            'N' => Some(Kind::None),
            'A' => Some(Kind::Additive),
            'M' => Some(Kind::Multiplicative),
            _ => None,
        };
        let bad = || {
            Error::Spec(format!(
                "`{code}` is not an ETS model code; expected error (A|M), trend (N|A|Ad|M|Md), season (N|A|M), e.g. `AAdA` or `MNM`"
            ))
        };
        let (error, trend, damped, season) = match letters.as_slice() {
            [e, t, s] => (*e, *t, false, *s),
            [e, t, d, s] if d.eq_ignore_ascii_case(&'d') => (*e, *t, true, *s),
            _ => return Err(bad()),
        };
        let spec = EtsSpec {
            error: kind(error).ok_or_else(bad)?,
            trend: kind(trend).ok_or_else(bad)?,
            damped,
            season: kind(season).ok_or_else(bad)?,
        };
        if spec.error == Kind::None || (spec.damped && spec.trend == Kind::None) {
            return Err(bad());
        }
        Ok(spec)
    }

    /// `ETS(M,Ad,M)` style label.
    pub fn label(&self) -> String {
        format!(
            "ETS({},{}{},{})",
            self.error.letter(),
            self.trend.letter(),
            if self.damped { "d" } else { "" },
            self.season.letter()
        )
    }

    fn is_linear(&self) -> bool {
        self.error == Kind::Additive
            && self.trend != Kind::Multiplicative
            && self.season != Kind::Multiplicative
    }
}

/// Lower and upper bounds of (α, β, γ, φ), R's defaults.
const LOWER: [f64; 4] = [1e-4, 1e-4, 1e-4, 0.8];
const UPPER: [f64; 4] = [0.9999, 0.9999, 0.9999, 0.98];
/// R's etscalc refuses seasonal periods above this.
const MAX_SEASON: usize = 24;
const SIM_PATHS: usize = 5_000;

/// Smoothing parameters.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Smoothing {
    /// Level.
    pub alpha: f64,
    /// Trend (0 without trend).
    pub beta: f64,
    /// Season (0 without season).
    pub gamma: f64,
    /// Damping (1 undamped).
    pub phi: f64,
}

/// Fits one ETS model, or with `spec: None` selects among the ETS family by
/// AICc (R's `ets(y)` / statsforecast's `AutoETS(model="ZZZ")`).
#[derive(Debug, Clone)]
pub struct Ets {
    /// A fixed model; `None` searches.
    pub spec: Option<EtsSpec>,
    /// Let the search consider multiplicative trends (off by default, as in
    /// statsforecast: they forecast explosively).
    pub allow_multiplicative_trend: bool,
    /// How initial seasonal states are estimated.
    pub season_states: SeasonStates,
    /// Optimiser settings.
    pub(crate) optimizer: NelderMead,
}

impl Default for Ets {
    fn default() -> Self {
        Ets {
            spec: None,
            allow_multiplicative_trend: false,
            season_states: SeasonStates::RefitChosen,
            optimizer: NelderMead::default(),
        }
    }
}

impl Ets {
    /// Automatic selection over the family.
    pub fn auto() -> Ets {
        Ets::default()
    }

    /// One fixed model.
    pub fn model(spec: EtsSpec) -> Ets {
        Ets {
            spec: Some(spec),
            ..Ets::default()
        }
    }

    /// The candidate models for a series, in R's search order and restrictions.
    pub fn candidates(&self, y: &[f64], m: usize) -> Vec<EtsSpec> {
        let positive = y.iter().all(|v| *v > 0.0);
        let seasonal_ok = m > 1 && m <= MAX_SEASON && y.len() > m;
        let mut out = Vec::new();
        let trends: &[Kind] = if self.allow_multiplicative_trend {
            &[Kind::None, Kind::Additive, Kind::Multiplicative]
        } else {
            &[Kind::None, Kind::Additive]
        };
        for error in [Kind::Additive, Kind::Multiplicative] {
            for &trend in trends {
                for season in [Kind::None, Kind::Additive, Kind::Multiplicative] {
                    for damped in [true, false] {
                        if trend == Kind::None && damped {
                            continue;
                        }
                        if error == Kind::Additive
                            && (trend == Kind::Multiplicative || season == Kind::Multiplicative)
                        {
                            continue;
                        }
                        if error == Kind::Multiplicative
                            && trend == Kind::Multiplicative
                            && season == Kind::Additive
                        {
                            continue;
                        }
                        let multiplicative = error == Kind::Multiplicative
                            || trend == Kind::Multiplicative
                            || season == Kind::Multiplicative;
                        if multiplicative && !positive {
                            continue;
                        }
                        if season != Kind::None && !seasonal_ok {
                            continue;
                        }
                        out.push(EtsSpec {
                            error,
                            trend,
                            damped,
                            season,
                        });
                    }
                }
            }
        }
        out
    }

    /// Fits and returns the concrete fitted model (with its parameters).
    pub fn fit_ets(&self, input: &Input<'_>) -> Result<FittedEts> {
        input.check()?;
        let y = input.y;
        let m = input.season_length.max(1);
        if y.len() < 4 {
            return Err(Error::TooShort {
                model: "ets".into(),
                needed: 4,
                got: y.len(),
            });
        }
        if y.iter().all(|v| *v == y[0]) {
            return Ok(constant_fit(y));
        }
        let candidates = match self.spec {
            Some(spec) => {
                check_spec(&spec, y, m)?;
                vec![spec]
            }
            None => self.candidates(y, m),
        };
        let mut best: Option<FittedEts> = None;
        let mut last_problem = String::from("no candidate models");
        let screen = self.season_states != SeasonStates::Optimized;
        // Candidates are screened with one simplex pass; the chosen model is
        // polished below (restart, and all seasonal states if asked).
        let screening = NelderMead {
            restarts: if screen { 0 } else { self.optimizer.restarts },
            ..self.optimizer
        };
        for spec in candidates {
            match fit_model(y, m, spec, screening, screen, None) {
                Some(fit) if fit.ic.aicc.is_finite() || self.spec.is_some() => {
                    if best.as_ref().is_none_or(|b| fit.ic.aicc < b.ic.aicc) {
                        best = Some(fit);
                    }
                }
                _ => last_problem = format!("{} could not be fitted", spec.label()),
            }
        }
        let best = best.ok_or(Error::NoModel(last_problem))?;
        if screen {
            let fix = self.season_states == SeasonStates::Decomposition;
            let start: Vec<f64> = if fix && best.spec.season != Kind::None {
                best.x[..best.x.len() - (best.m - 1)].to_vec()
            } else {
                best.x.clone()
            };
            if let Some(refit) = fit_model(y, m, best.spec, self.optimizer, fix, Some(&start))
                && refit.ic.aicc <= best.ic.aicc
            {
                return Ok(refit);
            }
        }
        Ok(best)
    }
}

fn check_spec(spec: &EtsSpec, y: &[f64], m: usize) -> Result<()> {
    let multiplicative = spec.error == Kind::Multiplicative
        || spec.trend == Kind::Multiplicative
        || spec.season == Kind::Multiplicative;
    if multiplicative && y.iter().any(|v| *v <= 0.0) {
        return Err(Error::Spec(format!(
            "{} has multiplicative parts, which need strictly positive data; the series has zeros or negatives",
            spec.label()
        )));
    }
    if spec.season != Kind::None && (m <= 1 || m > MAX_SEASON || y.len() <= m) {
        return Err(Error::Spec(format!(
            "{} is seasonal but the season length is {m} (seasonal ETS needs 2..=24 and more than one season of data)",
            spec.label()
        )));
    }
    Ok(())
}

impl Fit for Ets {
    fn name(&self) -> String {
        match self.spec {
            Some(s) => format!("ets:{}", s.label()),
            None => "ets".into(),
        }
    }

    fn fit(&self, input: &Input<'_>) -> Result<Box<dyn Predict>> {
        Ok(Box::new(self.fit_ets(input)?))
    }
}

/// A fitted ETS model.
#[derive(Debug, Clone)]
pub struct FittedEts {
    /// The model.
    pub spec: EtsSpec,
    /// Estimated smoothing parameters.
    pub smoothing: Smoothing,
    /// Information criteria.
    pub ic: InfoCriteria,
    /// Innovation variance (squared relative errors for multiplicative errors).
    pub sigma2: f64,
    m: usize,
    n: usize,
    /// State after the last observation.
    last: State,
    fitted: Vec<f64>,
    /// Optimised vector (smoothing parameters, then all initial states).
    x: Vec<f64>,
}

/// Level, trend and the seasonal ring indexed by time phase (`t % m`).
#[derive(Debug, Clone)]
struct State {
    level: f64,
    trend: f64,
    season: Vec<f64>,
}

/// The one-step forecast from `state` at time `t`, or None (R's NA) when a
/// multiplicative trend turned negative.
#[inline]
fn one_step(spec: &EtsSpec, state: &State, t: usize, steps_phi: f64) -> Option<f64> {
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
        Kind::Additive => base + state.season[t % state.season.len()],
        Kind::Multiplicative => base * state.season[t % state.season.len()],
    })
}

/// The state update of R's `etscalc` (written in terms of y, so it is the same
/// for additive and multiplicative errors).
#[inline]
fn update(spec: &EtsSpec, p: &Smoothing, state: &mut State, t: usize, y: f64) {
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
    let m = state.season.len();
    let phase = if m > 0 { t % m } else { 0 };
    let old_season = if m > 0 { state.season[phase] } else { 0.0 };
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
fn run(
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
    for (t, &obs) in y.iter().enumerate() {
        let Some(f) = one_step(spec, state, t, p.phi) else {
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
        update(spec, p, state, t, obs);
    }
    log_f += product.ln();
    let n = y.len() as f64;
    let mut lik = n * sse.ln();
    if spec.error == Kind::Multiplicative {
        lik += 2.0 * log_f;
    }
    lik
}

/// R's `admissible`: the model is forecastable (its discounting roots lie
/// inside the unit circle).
fn admissible(spec: &EtsSpec, p: &Smoothing, m: usize) -> bool {
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
fn usual_bounds(spec: &EtsSpec, p: &Smoothing) -> bool {
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
fn initial_state(y: &[f64], m: usize, spec: &EtsSpec) -> (f64, f64, Vec<f64>) {
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
struct Layout {
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

/// How the initial seasonal states are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeasonStates {
    /// Optimised with everything else (R's `ets`, statsforecast): m−1 more
    /// dimensions for the simplex, which then needs ~10× more iterations.
    Optimized,
    /// Held at the classical decomposition's indices; smoothing parameters,
    /// level and trend are estimated by maximum likelihood given them.
    Decomposition,
    /// Selection with decomposition states, then the chosen model refitted
    /// with all states optimised (the default: R's fit for the chosen model at
    /// a fraction of the cost of fitting every candidate that way).
    RefitChosen,
}

fn fit_model(
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
    })
}

fn constant_fit(y: &[f64]) -> FittedEts {
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
    }
}

impl FittedEts {
    fn point(&self, h: usize) -> Vec<f64> {
        let mut steps_phi = self.smoothing.phi;
        let mut out = Vec::with_capacity(h);
        for i in 0..h {
            out.push(one_step(&self.spec, &self.last, self.n + i, steps_phi).unwrap_or(f64::NAN));
            // φ + φ² + … + φ^h (just h without damping, where φ = 1).
            steps_phi += self.smoothing.phi.powi(i as i32 + 2);
        }
        out
    }

    /// Forecast variance of the linear models (Hyndman et al. 2008, Table 6.1,
    /// class 1): σ²(1 + Σ_{j<h} c_j²), c_j = α + β·φ_j + γ·[j mod m = 0].
    fn linear_sd(&self, h: usize) -> Vec<f64> {
        let p = &self.smoothing;
        let mut acc = 1.0;
        let mut out = Vec::with_capacity(h);
        let mut phi_j = 0.0;
        for step in 1..=h {
            out.push((self.sigma2 * acc).sqrt());
            let j = step;
            phi_j += if self.spec.damped {
                p.phi.powi(j as i32)
            } else {
                1.0
            };
            let mut c = p.alpha;
            if self.spec.trend != Kind::None {
                c += p.beta * phi_j;
            }
            if self.spec.season != Kind::None && j % self.m == 0 {
                c += p.gamma;
            }
            acc += c * c;
        }
        out
    }

    /// Quantiles of simulated sample paths (fixed seed: repeatable).
    fn simulated_intervals(&self, h: usize, levels: &[f64]) -> Vec<Interval> {
        let Ok(noise) = Normal::new(0.0, self.sigma2.max(0.0).sqrt()) else {
            return Vec::new();
        };
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(0x05ee_de75);
        let mut paths = vec![vec![0.0; SIM_PATHS]; h];
        let mut state = self.last.clone();
        for path in 0..SIM_PATHS {
            state.level = self.last.level;
            state.trend = self.last.trend;
            state.season.copy_from_slice(&self.last.season);
            for (i, step) in paths.iter_mut().enumerate() {
                let t = self.n + i;
                let f = one_step(&self.spec, &state, t, self.smoothing.phi).unwrap_or(f64::NAN);
                let e = noise.sample(&mut rng);
                let y = if self.spec.error == Kind::Additive {
                    f + e
                } else {
                    f * (1.0 + e)
                };
                step[path] = y;
                update(&self.spec, &self.smoothing, &mut state, t, y);
            }
        }
        levels
            .iter()
            .map(|&level| {
                let tail = (1.0 - level / 100.0) / 2.0;
                let mut lower = Vec::with_capacity(h);
                let mut upper = Vec::with_capacity(h);
                for step in &mut paths {
                    lower.push(numeric::quantile_select(step, tail));
                    upper.push(numeric::quantile_select(step, 1.0 - tail));
                }
                Interval {
                    level,
                    lower,
                    upper,
                }
            })
            .collect()
    }
}

impl Predict for FittedEts {
    fn predict(&self, h: usize, levels: &[f64]) -> Result<Forecast> {
        let point = self.point(h);
        let intervals = if levels.is_empty() {
            Vec::new()
        } else if self.spec.is_linear() {
            crate::normal_intervals(&point, &self.linear_sd(h), levels)
        } else {
            self.simulated_intervals(h, levels)
        };
        Ok(Forecast { point, intervals })
    }

    fn fitted(&self) -> Vec<f64> {
        self.fitted.clone()
    }

    fn describe(&self) -> String {
        let p = &self.smoothing;
        let mut s = format!("{} alpha={:.4}", self.spec.label(), p.alpha);
        if self.spec.trend != Kind::None {
            s += &format!(" beta={:.4}", p.beta);
        }
        if self.spec.season != Kind::None {
            s += &format!(" gamma={:.4}", p.gamma);
        }
        if self.spec.damped {
            s += &format!(" phi={:.4}", p.phi);
        }
        s
    }

    fn info_criteria(&self) -> Option<InfoCriteria> {
        Some(self.ic)
    }
}

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

use crate::optim::NelderMead;
use crate::{Error, Fit, InfoCriteria, Input, Predict, Result};

mod fit;
mod model;
mod predict;

use fit::{constant_fit, fit_model};

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
        let mut last_problem = String::from("no candidate models");
        let screen = self.season_states != SeasonStates::Optimized;
        // Candidates are screened with one simplex pass; the chosen model is
        // polished below (restart, and all seasonal states if asked).
        let screening = NelderMead {
            restarts: if screen { 0 } else { self.optimizer.restarts },
            ..self.optimizer
        };
        let mut screened: Vec<FittedEts> = Vec::new();
        for spec in candidates {
            match fit_model(y, m, spec, screening, screen, None) {
                Some(fit) if fit.ic.aicc.is_finite() || self.spec.is_some() => screened.push(fit),
                _ => last_problem = format!("{} could not be fitted", spec.label()),
            }
        }
        // Stable: ties keep R's search order.
        screened.sort_by(|a, b| a.ic.aicc.total_cmp(&b.ic.aicc));
        let best_screened = screened
            .first()
            .map(|b| b.ic.aicc)
            .ok_or_else(|| Error::NoModel(last_problem.clone()))?;
        let ignored =
            (self.spec.is_none() && m > 1 && !(m <= MAX_SEASON && y.len() > m)).then_some(m);
        if !screen {
            let mut best = screened.swap_remove(0);
            best.season_ignored = ignored;
            return Ok(best);
        }
        // One simplex pass can stop short of a trend model's optimum (on
        // synthetic trending series, A,A,N screened worse than A,N,N and
        // refitted better): every candidate within POLISH_AICC of the best
        // screened one is polished, not only the winner.
        let fix = self.season_states == SeasonStates::Decomposition;
        let mut best: Option<FittedEts> = None;
        for (rank, fit) in screened.into_iter().enumerate() {
            if rank > 0 && (rank >= POLISH_MAX || fit.ic.aicc > best_screened + POLISH_AICC) {
                break;
            }
            let start: Vec<f64> = if fix && fit.spec.season != Kind::None {
                fit.x[..fit.x.len() - (fit.m - 1)].to_vec()
            } else {
                fit.x.clone()
            };
            let polished = match fit_model(y, m, fit.spec, self.optimizer, fix, Some(&start)) {
                Some(refit) if refit.ic.aicc <= fit.ic.aicc => refit,
                _ => fit,
            };
            if best.as_ref().is_none_or(|b| polished.ic.aicc < b.ic.aicc) {
                best = Some(polished);
            }
        }
        let mut best = best.ok_or(Error::NoModel(last_problem))?;
        best.season_ignored = ignored;
        Ok(best)
    }
}

/// Screened candidates within this many AICc units of the best are polished.
const POLISH_AICC: f64 = 4.0;
/// At most this many candidates are polished.
const POLISH_MAX: usize = 4;

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
    /// The season length asked for when the automatic search could not
    /// consider seasonal models (longer than 24, or under two seasons of
    /// data): the description says so rather than fit non-seasonal silently.
    season_ignored: Option<usize>,
}

/// Level, trend and the seasonal ring indexed by time phase (`t % m`).
#[derive(Debug, Clone)]
struct State {
    level: f64,
    trend: f64,
    season: Vec<f64>,
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

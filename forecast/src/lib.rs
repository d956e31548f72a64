//! Demand forecasting for hospital operations.
//!
//! The shape follows augurs: an unfitted model ([`Fit`]) fits a series into a
//! fitted model ([`Predict`]) that forecasts `h` steps ahead with point
//! forecasts and prediction intervals at the requested levels. Everything works
//! on plain `&[f64]`; no random-number types cross the public API (sample-path
//! intervals use an internal, fixed-seed generator so results are repeatable).
//!
//! Models: benchmarks ([`baseline`]), exponential smoothing ([`ets`], with
//! automatic selection by AICc), AutoARIMA ([`arima`]), Theta ([`theta`]), intermittent demand
//! ([`intermittent`]), regression on calendar features, Fourier terms and lags
//! ([`regression`], through linfa), several seasonal cycles ([`mstl`]),
//! ensembles ([`ensemble`]) and automatic selection ([`auto`]). [`backtest`]
//! evaluates any of them by rolling origin with the [`metrics`] researchers
//! expect; [`conformal`] gives intervals to models that have none.

pub mod arima;
pub mod auto;
pub mod backtest;
pub mod baseline;
pub mod conformal;
pub mod ensemble;
pub mod ets;
pub mod intermittent;
pub mod metrics;
pub mod mstl;
mod numeric;
mod optim;
pub mod ranking;
pub mod regression;
pub mod spec;
pub mod theta;

pub use spec::ModelSpec;

/// Errors of fitting and forecasting.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// The series is too short for the model.
    #[error("{model} needs at least {needed} observations, the series has {got}")]
    TooShort {
        /// Model name.
        model: String,
        /// Observations needed.
        needed: usize,
        /// Observations given.
        got: usize,
    },
    /// A value is NaN or infinite.
    #[error("observation {index} is not a finite number")]
    NotFinite {
        /// Zero-based position in the series.
        index: usize,
    },
    /// A model specification that cannot be used.
    #[error("{0}")]
    Spec(String),
    /// Exogenous features are missing or the wrong size.
    #[error("{0}")]
    Features(String),
    /// No candidate model could be fitted.
    #[error("no candidate model could be fitted: {0}")]
    NoModel(String),
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// What a model is fitted on: the series, its season length and, for
/// regression models, feature rows that cover the history and the horizon.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Observations, oldest first.
    pub y: &'a [f64],
    /// Observations per season (12 monthly, 7 daily, 24 or 168 hourly); 1 for none.
    pub season_length: usize,
    /// Optional calendar / exogenous features: one row per time step, covering
    /// the history and at least the horizon that will be asked for.
    pub features: Option<&'a Features>,
}

impl<'a> Input<'a> {
    /// A series without features.
    pub fn new(y: &'a [f64], season_length: usize) -> Self {
        Input {
            y,
            season_length: season_length.max(1),
            features: None,
        }
    }

    /// Checks that every observation is finite.
    pub fn check(&self) -> Result<()> {
        match self.y.iter().position(|v| !v.is_finite()) {
            Some(index) => Err(Error::NotFinite { index }),
            None => Ok(()),
        }
    }
}

/// Feature rows for regression models (history rows first, then future rows).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// Column names, for reports and errors.
    pub names: Vec<String>,
    /// Row-major values, `rows.len()` time steps of `names.len()` columns.
    pub rows: Vec<Vec<f64>>,
    /// How many leading columns only mark the place in the seasonal cycle
    /// (hour, weekday, month, quarter dummies). A model that carries the
    /// cycles itself (`mstl`) regresses on the columns after them only
    /// (holidays, the user's regressors).
    pub cyclic: usize,
}

/// An interval forecast at one level.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Interval {
    /// Nominal coverage in percent (80, 95, ...).
    pub level: f64,
    /// Lower bound per step.
    pub lower: Vec<f64>,
    /// Upper bound per step.
    pub upper: Vec<f64>,
    /// The model's own chance that the outcome falls inside, when it is not
    /// the level: an interval of whole units (Croston's family on counts)
    /// cannot hit 80% exactly and covers at least the level, more by the
    /// chance of its end values. `None`: the level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

/// Point forecasts with prediction intervals.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Forecast {
    /// Point forecast (the mean of the predictive distribution) per step.
    pub point: Vec<f64>,
    /// Intervals, one per requested level (empty if the model has none).
    pub intervals: Vec<Interval>,
}

impl Forecast {
    /// The interval at `level`, if present.
    pub fn interval(&self, level: f64) -> Option<&Interval> {
        self.intervals
            .iter()
            .find(|i| (i.level - level).abs() < 1e-9)
    }

    /// Clips everything at zero (counts are never negative) and optionally rounds.
    pub fn make_count(&mut self, round: bool) {
        let fix = |v: &mut f64| {
            *v = v.max(0.0);
            if round {
                *v = v.round();
            }
        };
        self.point.iter_mut().for_each(fix);
        for i in &mut self.intervals {
            i.lower.iter_mut().for_each(fix);
            i.upper.iter_mut().for_each(fix);
        }
    }
}

/// Information criteria of a likelihood-based fit.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct InfoCriteria {
    /// Log-likelihood (up to the constant R's `forecast` and statsforecast drop).
    pub loglik: f64,
    /// Akaike information criterion.
    pub aic: f64,
    /// AIC with the small-sample correction.
    pub aicc: f64,
    /// Bayesian information criterion.
    pub bic: f64,
}

/// An unfitted model: its settings, ready to fit a series.
pub trait Fit: Send + Sync {
    /// Short name (`ets`, `snaive`, ...), as used on the command line.
    fn name(&self) -> String;
    /// Fits the model to a series.
    fn fit(&self, input: &Input<'_>) -> Result<Box<dyn Predict>>;
}

/// A fitted model.
pub trait Predict: Send + Sync {
    /// Forecasts `h` steps with intervals at `levels` (percent, e.g. 80 and 95).
    /// Models without native intervals return none; wrap them in
    /// [`conformal::Conformal`] to get some.
    fn predict(&self, h: usize, levels: &[f64]) -> Result<Forecast>;
    /// In-sample one-step-ahead fitted values (NaN where there is none).
    fn fitted(&self) -> Vec<f64>;
    /// What was fitted, e.g. `ETS(M,Ad,M)` or `Theta(alpha=0.41)`.
    fn describe(&self) -> String;
    /// Information criteria, for likelihood-based models.
    fn info_criteria(&self) -> Option<InfoCriteria> {
        None
    }
    /// Whether [`Predict::predict`] returns intervals.
    fn has_intervals(&self) -> bool {
        true
    }
    /// Something the user should know about the fit that the numbers do
    /// not show (e.g. a season the model could not use); also in
    /// [`Predict::describe`].
    fn note(&self) -> Option<String> {
        None
    }
    /// For an automatic selection: every candidate's backtest score, best
    /// first, with the one the forecast comes from marked.
    fn selection(&self) -> &[auto::Candidate] {
        &[]
    }
}

/// Residuals `y - fitted` (NaN where there is no fitted value).
pub fn residuals(y: &[f64], fitted: &[f64]) -> Vec<f64> {
    y.iter().zip(fitted).map(|(a, f)| a - f).collect()
}

/// Standard-normal quantile for a two-sided level in percent (95 -> 1.96).
pub fn z_for_level(level: f64) -> f64 {
    numeric::normal_quantile(0.5 + level / 200.0)
}

/// Gaussian intervals `point ± z·sd[h]` for each level.
pub(crate) fn normal_intervals(point: &[f64], sd: &[f64], levels: &[f64]) -> Vec<Interval> {
    levels
        .iter()
        .map(|&level| {
            let z = z_for_level(level);
            Interval {
                level,
                lower: point.iter().zip(sd).map(|(p, s)| p - z * s).collect(),
                upper: point.iter().zip(sd).map(|(p, s)| p + z * s).collect(),
                probability: None,
            }
        })
        .collect()
}

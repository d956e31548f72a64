//! Model names as users type them (`--model ets`, `--models snaive,theta`) and
//! the models they build.

use crate::arima::AutoArima;
use crate::auto::{AutoSelect, DEFAULT_TOP, MAX_TOP, Selection};
use crate::baseline::{Benchmark, Ses};
use crate::conformal::Conformal;
use crate::ensemble::{Combine, Ensemble};
use crate::ets::{Ets, EtsSpec};
use crate::intermittent::Intermittent;
use crate::mstl::{MAX_PERIODS, Mstl};
use crate::regression::Regression;
use crate::theta::{Theta, ThetaKind};
use crate::{Error, Fit, Result};

/// Members of the default `ensemble`.
pub const DEFAULT_ENSEMBLE: [&str; 3] = ["ets", "theta", "snaive"];

/// Every model name `parse` accepts, for help texts and errors.
pub const MODEL_NAMES: &str = "naive, snaive, mean, drift, ses, ets, ets:<code> (e.g. ets:AAdA), arima, theta, otm, \
croston, sba, croston_opt, tsb, adida, imapa, lm, enet, mstl, mstl(24+168), ensemble, ensemble_median, \
ensemble(a+b+...), auto, auto_median, auto_median:<k>";

/// A model chosen by name.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelSpec {
    /// A benchmark.
    Benchmark(Benchmark),
    /// Simple exponential smoothing.
    Ses,
    /// AutoETS (None) or one ETS model.
    Ets(Option<EtsSpec>),
    /// AutoARIMA (stepwise search).
    Arima,
    /// Theta.
    Theta(ThetaKind),
    /// An intermittent-demand method.
    Intermittent(Intermittent),
    /// Regression: `false` OLS, `true` elastic net.
    Regression(bool),
    /// MSTL with these periods (empty: from the season length).
    Mstl(Vec<usize>),
    /// Mean or median of members.
    Ensemble(Combine, Vec<ModelSpec>),
    /// Chosen per series by a backtest on its own history: the best
    /// candidate (or the median of the best few, if that scored better), or
    /// always the median of the best `k` ([`crate::auto::Selection`]).
    Auto(crate::auto::Selection),
}

impl ModelSpec {
    /// Parses a model name.
    pub fn parse(name: &str) -> Result<ModelSpec> {
        let lower = name.trim().to_ascii_lowercase();
        let spec = match lower.as_str() {
            "naive" => ModelSpec::Benchmark(Benchmark::Naive),
            "snaive" | "seasonal_naive" => ModelSpec::Benchmark(Benchmark::SeasonalNaive),
            "mean" => ModelSpec::Benchmark(Benchmark::Mean),
            "drift" | "rwd" => ModelSpec::Benchmark(Benchmark::Drift),
            "ses" => ModelSpec::Ses,
            "ets" | "autoets" => ModelSpec::Ets(None),
            "arima" | "autoarima" | "auto_arima" => ModelSpec::Arima,
            "theta" | "stm" => ModelSpec::Theta(ThetaKind::Standard),
            "otm" | "optimized_theta" => ModelSpec::Theta(ThetaKind::Optimized),
            "croston" => ModelSpec::Intermittent(Intermittent::Croston),
            "sba" => ModelSpec::Intermittent(Intermittent::Sba),
            "croston_opt" => ModelSpec::Intermittent(Intermittent::CrostonOptimized),
            "tsb" => ModelSpec::Intermittent(Intermittent::Tsb {
                alpha_d: 0.1,
                alpha_p: 0.1,
            }),
            "adida" => ModelSpec::Intermittent(Intermittent::Adida),
            "imapa" => ModelSpec::Intermittent(Intermittent::Imapa),
            "lm" => ModelSpec::Regression(false),
            "enet" => ModelSpec::Regression(true),
            "mstl" => ModelSpec::Mstl(Vec::new()),
            "auto" => ModelSpec::Auto(Selection::Best),
            "auto_median" => ModelSpec::Auto(Selection::TopMedian(DEFAULT_TOP)),
            "ensemble" | "ensemble_median" => ModelSpec::Ensemble(
                if lower == "ensemble" {
                    Combine::Mean
                } else {
                    Combine::Median
                },
                DEFAULT_ENSEMBLE
                    .iter()
                    .map(|n| ModelSpec::parse(n))
                    .collect::<Result<_>>()?,
            ),
            other => {
                if let Some(inner) = other
                    .strip_prefix("mstl(")
                    .and_then(|s| s.strip_suffix(')'))
                {
                    let periods = inner
                        .split('+')
                        .map(|p| p.trim().parse::<usize>())
                        .collect::<std::result::Result<Vec<_>, _>>();
                    match periods {
                        Ok(p)
                            if !p.is_empty()
                                && p.len() <= MAX_PERIODS
                                && p.iter().all(|v| *v >= 2) =>
                        {
                            ModelSpec::Mstl(p)
                        }
                        _ => {
                            return Err(Error::Spec(format!(
                                "`{name}`: mstl takes 1 to {MAX_PERIODS} periods of at least 2 steps, joined by +, e.g. mstl(24+168) for hourly data"
                            )));
                        }
                    }
                } else if let Some(k) = other.strip_prefix("auto_median:") {
                    match k.parse::<usize>() {
                        Ok(k) if (2..=MAX_TOP).contains(&k) => {
                            ModelSpec::Auto(Selection::TopMedian(k))
                        }
                        _ => {
                            return Err(Error::Spec(format!(
                                "`{name}`: auto_median:K takes K from 2 to {MAX_TOP}, the number of best candidates whose median is the forecast (e.g. auto_median:3)"
                            )));
                        }
                    }
                } else if let Some(code) = other.strip_prefix("ets:") {
                    ModelSpec::Ets(Some(EtsSpec::parse(code)?))
                } else if let Some(inner) = other
                    .strip_prefix("ensemble(")
                    .or_else(|| other.strip_prefix("ensemble_median("))
                    .and_then(|s| s.strip_suffix(')'))
                {
                    let members = inner
                        .split('+')
                        .map(ModelSpec::parse)
                        .collect::<Result<Vec<_>>>()?;
                    if members.is_empty() {
                        return Err(Error::Spec(
                            "an ensemble needs members: ensemble(ets+theta)".into(),
                        ));
                    }
                    let how = if other.starts_with("ensemble_median") {
                        Combine::Median
                    } else {
                        Combine::Mean
                    };
                    ModelSpec::Ensemble(how, members)
                } else {
                    return Err(Error::Spec(format!(
                        "unknown model `{name}`; known models: {MODEL_NAMES}"
                    )));
                }
            }
        };
        Ok(spec)
    }

    /// The model as named, without added intervals.
    pub fn build_plain(&self) -> Box<dyn Fit> {
        self.build_plain_with(DEFAULT_CONFORMAL_WINDOWS)
    }

    /// [`ModelSpec::build_plain`], where `auto` calibrates the model it
    /// chooses with `windows` conformal windows (calibrating the whole
    /// selection would refit every candidate for each window).
    pub fn build_plain_with(&self, windows: usize) -> Box<dyn Fit> {
        self.build_plain_calibrated(windows, false)
    }

    /// [`ModelSpec::build_plain_with`]; with `conformal_for_all`, `auto`
    /// gives its chosen model conformal intervals even where it has its own.
    pub fn build_plain_calibrated(&self, windows: usize, conformal_for_all: bool) -> Box<dyn Fit> {
        match self {
            ModelSpec::Benchmark(b) => Box::new(*b),
            ModelSpec::Ses => Box::new(Ses::default()),
            ModelSpec::Ets(None) => Box::new(Ets::auto()),
            ModelSpec::Ets(Some(s)) => Box::new(Ets::model(*s)),
            ModelSpec::Arima => Box::new(AutoArima),
            ModelSpec::Theta(kind) => Box::new(Theta { kind: *kind }),
            ModelSpec::Intermittent(i) => Box::new(*i),
            ModelSpec::Regression(false) => Box::new(Regression::ols()),
            ModelSpec::Regression(true) => Box::new(Regression::elastic_net()),
            ModelSpec::Ensemble(how, members) => Box::new(Ensemble {
                members: members.iter().map(|m| m.build_plain()).collect(),
                combine: *how,
                count_intervals: !members.is_empty()
                    && members
                        .iter()
                        .all(|m| matches!(m, ModelSpec::Intermittent(_))),
            }),
            ModelSpec::Mstl(periods) => Box::new(Mstl {
                periods: periods.clone(),
            }),
            ModelSpec::Auto(selection) => Box::new(AutoSelect {
                selection: *selection,
                conformal_windows: windows,
                conformal_for_all,
            }),
        }
    }

    /// The model with conformal intervals where it has no native ones, from
    /// [`DEFAULT_CONFORMAL_WINDOWS`] calibration windows.
    pub fn build(&self) -> Box<dyn Fit> {
        self.build_with(DEFAULT_CONFORMAL_WINDOWS)
    }

    /// [`ModelSpec::build`] with `windows` calibration windows (refits) for
    /// conformal intervals.
    pub fn build_with(&self, windows: usize) -> Box<dyn Fit> {
        self.build_calibrated(windows, false)
    }

    /// [`ModelSpec::build_with`]; with `conformal_for_all`, every model's
    /// intervals are conformal, its own analytic or simulated ones
    /// replaced (`--intervals conformal`: when a model's own intervals
    /// have been seen to miss on the user's data, at the cost of one refit
    /// per window).
    pub fn build_calibrated(&self, windows: usize, conformal_for_all: bool) -> Box<dyn Fit> {
        Box::new(Conformal {
            spec: self.clone(),
            windows: windows.max(1),
            conformal_for_all,
        })
    }
}

/// Calibration windows of conformal intervals unless asked otherwise
/// (statsforecast's `ConformalIntervals` default is 2; five give the 80%
/// and 95% widths room to differ).
pub const DEFAULT_CONFORMAL_WINDOWS: usize = 5;

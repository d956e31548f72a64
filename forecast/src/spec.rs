//! Model names as users type them (`--model ets`, `--models snaive,theta`) and
//! the models they build.

use crate::baseline::{Benchmark, Ses};
use crate::conformal::Conformal;
use crate::ensemble::{Combine, Ensemble};
use crate::ets::{Ets, EtsSpec};
use crate::intermittent::Intermittent;
use crate::regression::Regression;
use crate::theta::{Theta, ThetaKind};
use crate::{Error, Fit, Forecast, Input, Predict, Result};

/// Members of the default `ensemble`.
pub const DEFAULT_ENSEMBLE: [&str; 3] = ["ets", "theta", "snaive"];

/// Every model name `parse` accepts, for help texts and errors.
pub const MODEL_NAMES: &str = "naive, snaive, mean, drift, ses, ets, ets:<code> (e.g. ets:AAdA), theta, otm, \
croston, sba, croston_opt, tsb, adida, imapa, lm, enet, ensemble, ensemble_median, \
ensemble(a+b+...), auto";

/// A model chosen by name.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelSpec {
    /// A benchmark.
    Benchmark(Benchmark),
    /// Simple exponential smoothing.
    Ses,
    /// AutoETS (None) or one ETS model.
    Ets(Option<EtsSpec>),
    /// Theta.
    Theta(ThetaKind),
    /// An intermittent-demand method.
    Intermittent(Intermittent),
    /// Regression: `false` OLS, `true` elastic net.
    Regression(bool),
    /// Mean or median of members.
    Ensemble(Combine, Vec<ModelSpec>),
    /// Chosen per series by a backtest on its own history.
    Auto,
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
            "auto" => ModelSpec::Auto,
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
                if let Some(code) = other.strip_prefix("ets:") {
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
        match self {
            ModelSpec::Benchmark(b) => Box::new(*b),
            ModelSpec::Ses => Box::new(Ses::default()),
            ModelSpec::Ets(None) => Box::new(Ets::auto()),
            ModelSpec::Ets(Some(s)) => Box::new(Ets::model(*s)),
            ModelSpec::Theta(kind) => Box::new(Theta { kind: *kind }),
            ModelSpec::Intermittent(i) => Box::new(*i),
            ModelSpec::Regression(false) => Box::new(Regression::ols()),
            ModelSpec::Regression(true) => Box::new(Regression::elastic_net()),
            ModelSpec::Ensemble(how, members) => Box::new(Ensemble {
                members: members.iter().map(|m| m.build_plain()).collect(),
                combine: *how,
            }),
            ModelSpec::Auto => Box::new(AutoSelect),
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
        Box::new(Conformal {
            spec: self.clone(),
            windows: windows.max(1),
        })
    }
}

/// Calibration windows of conformal intervals unless asked otherwise
/// (statsforecast's `ConformalIntervals` default is 2; five give the 80%
/// and 95% widths room to differ).
pub const DEFAULT_CONFORMAL_WINDOWS: usize = 5;

/// Picks, per series, the candidate with the lowest mean MASE in a rolling
/// backtest on the series' own history (two folds of one season, or of a
/// quarter of the history if shorter; a fold needs a season plus four
/// points to train on), then refits it on all of it.
/// Intermittent series (more than 30% zeros) choose among the Croston family,
/// by root mean squared error: the absolute error of MASE is smallest for a
/// forecast of zero on a series that is mostly zeros, and a flat zero is no
/// use to a pharmacy ordering stock (the M5 competition scored intermittent
/// demand by squared error for the same reason).
#[derive(Debug, Clone, Copy)]
pub struct AutoSelect;

impl AutoSelect {
    /// Candidate names for a series; with calendar features (`calendar`),
    /// the regression on them too (it was the best single model on daily ED
    /// arrivals).
    pub fn candidates(y: &[f64], calendar: bool) -> Vec<&'static str> {
        let zeros = y.iter().filter(|v| **v == 0.0).count();
        if zeros * 10 > y.len() * 3 {
            vec!["naive", "croston", "sba", "tsb", "adida", "imapa"]
        } else if calendar {
            vec!["snaive", "ets", "theta", "otm", "ensemble", "lm"]
        } else {
            vec!["snaive", "ets", "theta", "otm", "ensemble"]
        }
    }
}

impl Fit for AutoSelect {
    fn name(&self) -> String {
        "auto".into()
    }

    fn fit(&self, input: &Input<'_>) -> Result<Box<dyn Predict>> {
        input.check()?;
        let n = input.y.len();
        let m = input.season_length;
        let h = m.clamp(1, (n / 4).max(1));
        let cfg = crate::backtest::Config {
            horizon: h,
            folds: 2,
            step: h,
            levels: Vec::new(),
            season_length: m,
            non_negative: false,
            // A fold trains on at least a season and four points.
            min_train: (m + 4).max(8),
            conformal_windows: DEFAULT_CONFORMAL_WINDOWS,
        };
        let mut best: Option<(f64, ModelSpec, &str)> = None;
        let candidates = Self::candidates(input.y, input.features.is_some());
        let intermittent = candidates.contains(&"croston");
        for &name in &candidates {
            let spec = ModelSpec::parse(name)?;
            let (scores, _) = crate::backtest::evaluate(input.y, input.features, &spec, name, &cfg);
            let score = if intermittent {
                scores.rmse
            } else {
                scores.mase
            };
            if score.is_finite() && best.as_ref().is_none_or(|(s, _, _)| score < *s) {
                best = Some((score, spec, name));
            }
        }
        let (score, spec, name) = match best {
            Some(b) => b,
            // Too short to backtest: the seasonal naive (or naive) stands in.
            None if n > m => (
                f64::NAN,
                ModelSpec::Benchmark(Benchmark::SeasonalNaive),
                "snaive",
            ),
            None => (f64::NAN, ModelSpec::Benchmark(Benchmark::Naive), "naive"),
        };
        let fitted = spec.build_plain().fit(input)?;
        Ok(Box::new(Chosen {
            fitted,
            label: name.to_string(),
            score,
            metric: if intermittent { "RMSE" } else { "MASE" },
        }))
    }
}

struct Chosen {
    fitted: Box<dyn Predict>,
    label: String,
    /// The chosen model's backtest score; NaN when nothing could be
    /// backtested and a benchmark stands in.
    score: f64,
    metric: &'static str,
}

impl Predict for Chosen {
    fn predict(&self, h: usize, levels: &[f64]) -> Result<Forecast> {
        self.fitted.predict(h, levels)
    }
    fn fitted(&self) -> Vec<f64> {
        self.fitted.fitted()
    }
    fn describe(&self) -> String {
        if self.score.is_nan() {
            return format!(
                "auto -> {} (not backtested): {}",
                self.label,
                self.fitted.describe()
            );
        }
        format!(
            "auto -> {} (backtest {} {:.3}): {}",
            self.label,
            self.metric,
            self.score,
            self.fitted.describe()
        )
    }
    fn has_intervals(&self) -> bool {
        self.fitted.has_intervals()
    }
    fn note(&self) -> Option<String> {
        let own = self.score.is_nan().then(|| {
            format!(
                "auto could not backtest any candidate on this history (too short for two folds, or every score undefined): {} stands in, unscored",
                self.label
            )
        });
        match (own, self.fitted.note()) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto(y: &[f64], m: usize) -> Box<dyn Predict> {
        let input = Input {
            y,
            season_length: m,
            features: None,
        };
        AutoSelect.fit(&input).unwrap()
    }

    #[test]
    fn auto_on_intermittent_demand_forecasts_the_rate_not_zero() {
        // Demand of 4 every fourth day, ending on zeros: the naive forecast
        // is 0 and has the smaller absolute error (MAE 1 against 1.5 for the
        // rate of 1 a day), but the larger squared error (2 against 1.73).
        let y: Vec<f64> = (0..120)
            .map(|t| if t % 4 == 1 { 4.0 } else { 0.0 })
            .collect();
        let fit = auto(&y, 7);
        let f = fit.predict(7, &[]).unwrap();
        assert!(f.point[0] > 0.5, "{} -> {:?}", fit.describe(), f.point);
        assert!(
            fit.describe().contains("backtest RMSE"),
            "{}",
            fit.describe()
        );
        assert!(fit.note().is_none());
    }

    #[test]
    fn auto_says_when_nothing_could_be_backtested() {
        let y = [5.0, 6.0, 7.0, 5.0, 6.0];
        let fit = auto(&y, 7);
        assert!(
            fit.describe().contains("not backtested"),
            "{}",
            fit.describe()
        );
        let note = fit.note().unwrap_or_default();
        assert!(
            note.contains("could not backtest") && note.contains("naive"),
            "{note}"
        );
    }
}

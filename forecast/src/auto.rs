//! Automatic selection per series: every candidate that fits the series is
//! backtested on the series' own history at several rolling origins, the
//! candidates are ranked, and the forecast comes from the best one or from
//! the median of the best few.
//!
//! Why several origins: with one or two, the winner is often the model that
//! got lucky on the last season (issue 21 measured `auto` 2-4% behind the
//! best single candidate). Why a median of the best few: on the NHS monthly
//! set the median ensemble was the most accurate method, and a median does
//! not follow one member that goes astray.

use crate::backtest::{self, Config, Fold};
use crate::baseline::Benchmark;
use crate::ensemble::Combine;
use crate::spec::{DEFAULT_CONFORMAL_WINDOWS, ModelSpec};
use crate::{Fit, Forecast, Input, Predict, Result};

/// Members of the median ensemble `auto` also tries, and `auto_median`'s default.
pub const DEFAULT_TOP: usize = 3;
/// Most members `auto_median:K` may combine.
pub const MAX_TOP: usize = 6;
/// Origins of the selection backtest (fewer when the history is short).
/// Measured in one backtest (8 origins, horizon 7, of two years of daily
/// ED arrivals): with 2, 3 and 5 origins `auto` was 1.0-2.8% behind the
/// calendar regression; with 8 it was 0.8% ahead, and 0.3% ahead of
/// Croston on the drug demand series, where 3 left it 2.2% behind.
pub const SELECTION_ORIGINS: usize = 8;

/// How the candidates' ranking becomes a forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// The best candidate, or the median of the best [`DEFAULT_TOP`] when
    /// that scored better on the same origins.
    Best,
    /// Always the median of the best `k` candidates.
    TopMedian(usize),
}

/// One candidate's standing in a series' selection backtest.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Candidate {
    /// The model, as `--model` takes it.
    pub model: String,
    /// Mean backtest score over the origins (MASE, or RMSE for
    /// intermittent series); NaN if it could not be scored.
    pub score: f64,
    /// `MASE`, or `RMSE` for intermittent series.
    pub metric: &'static str,
    /// Origins it was scored on.
    pub origins: usize,
    /// Whether the forecast comes from it.
    pub chosen: bool,
}

/// Picks per series, by a backtest on the series' own history at up to
/// [`SELECTION_ORIGINS`] rolling origins (each forecasting one season, or a
/// quarter of the history if shorter; each training on at least a season
/// plus four points), then refits the winner on all of it.
///
/// Candidates: the seasonal naive, naive, AutoETS, Theta, optimised Theta,
/// the mean ensemble and, with calendar features, the regressions (`lm`,
/// `enet`; best on daily ED arrivals) and, on hourly data (season 24 or
/// 168), `mstl`. Intermittent series (more than 30%
/// zeros) choose among the naive and the Croston family, by root mean
/// squared error: the absolute error of MASE is smallest for a forecast of
/// zero on a series that is mostly zeros, and a flat zero is no use to a
/// pharmacy ordering stock (the M5 competition scored intermittent demand by
/// squared error for the same reason).
///
/// ```
/// use hospsim_forecast::{Fit, Input, ModelSpec};
/// // Two years of weekly-patterned daily counts.
/// let y: Vec<f64> = (0..730).map(|t| 100.0 + [0.0, 9.0, 6.0, 3.0, 0.0, -8.0, -10.0][t % 7]).collect();
/// let fitted = ModelSpec::parse("auto").unwrap().build().fit(&Input::new(&y, 7)).unwrap();
/// let ranked = fitted.selection();
/// assert!(ranked.iter().filter(|c| c.chosen).count() == 1);
/// assert!(fitted.describe().starts_with("auto -> "));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct AutoSelect {
    /// Best single, or median of the best few.
    pub selection: Selection,
    /// Calibration windows for the chosen model's conformal intervals.
    pub conformal_windows: usize,
    /// Give the chosen model conformal intervals even where it has its own.
    pub conformal_for_all: bool,
}

impl AutoSelect {
    /// Automatic selection with the default conformal windows.
    pub fn new(selection: Selection) -> Self {
        AutoSelect {
            selection,
            conformal_windows: DEFAULT_CONFORMAL_WINDOWS,
            conformal_for_all: false,
        }
    }

    /// Candidate names for a series; with calendar features (`calendar`),
    /// the regressions on them too.
    pub fn candidates(y: &[f64], season_length: usize, calendar: bool) -> Vec<&'static str> {
        if is_intermittent(y) {
            return vec!["naive", "croston", "sba", "tsb", "adida", "imapa"];
        }
        let mut names = vec!["snaive", "naive", "ets", "theta", "otm", "ensemble"];
        if calendar {
            names.extend(["lm", "enet"]);
        }
        // Hourly data: a day and a week to decompose.
        if matches!(season_length, 24 | 168) {
            names.push("mstl");
        }
        names
    }
}

fn is_intermittent(y: &[f64]) -> bool {
    let zeros = y.iter().filter(|v| **v == 0.0).count();
    zeros * 10 > y.len() * 3
}

/// A scored candidate during selection.
struct Scored {
    name: String,
    spec: ModelSpec,
    score: f64,
    folds: Vec<Fold>,
}

impl Fit for AutoSelect {
    fn name(&self) -> String {
        match self.selection {
            Selection::Best => "auto".into(),
            Selection::TopMedian(DEFAULT_TOP) => "auto_median".into(),
            Selection::TopMedian(k) => format!("auto_median:{k}"),
        }
    }

    fn fit(&self, input: &Input<'_>) -> Result<Box<dyn Predict>> {
        input.check()?;
        let n = input.y.len();
        let m = input.season_length;
        let h = m.clamp(1, (n / 4).max(1));
        let cfg = Config {
            horizon: h,
            folds: SELECTION_ORIGINS,
            step: h,
            levels: Vec::new(),
            season_length: m,
            non_negative: false,
            min_train: (m + 4).max(8),
            conformal_windows: self.conformal_windows,
            conformal_for_all: false,
        };
        let intermittent = is_intermittent(input.y);
        let metric = if intermittent { "RMSE" } else { "MASE" };
        let key = |s: &backtest::Scores| if intermittent { s.rmse } else { s.mase };
        let mut scored = Vec::new();
        let mut unscored = Vec::new();
        for name in Self::candidates(input.y, m, input.features.is_some()) {
            if name == "ensemble" {
                continue;
            }
            let spec = ModelSpec::parse(name)?;
            let (scores, folds) = backtest::evaluate(input.y, input.features, &spec, name, &cfg);
            let score = key(&scores);
            if score.is_finite() {
                scored.push(Scored {
                    name: name.to_string(),
                    spec,
                    score,
                    folds,
                });
            } else {
                unscored.push(name.to_string());
            }
        }
        // The mean ensemble of ETS, Theta and the seasonal naive is their
        // stored forecasts averaged: no refits of its members.
        if let Some(mean) = combination(
            &scored,
            &crate::spec::DEFAULT_ENSEMBLE,
            Combine::Mean,
            "ensemble",
            &cfg,
            key,
        ) {
            scored.push(mean);
        }
        // Stable: ties keep the candidates' order, so the choice is repeatable.
        scored.sort_by(|a, b| a.score.total_cmp(&b.score));
        let k = match self.selection {
            Selection::Best => DEFAULT_TOP,
            Selection::TopMedian(k) => k,
        };
        let best: Vec<&str> = scored.iter().take(k).map(|s| s.name.as_str()).collect();
        let median_name = format!("ensemble_median({})", best.join("+"));
        let median = (best.len() >= 2)
            .then(|| combination(&scored, &best, Combine::Median, &median_name, &cfg, key))
            .flatten();
        let has_median = median.is_some();
        if let Some(median) = median {
            // Stable again: a median that only ties the best stays behind it.
            scored.push(median);
            scored.sort_by(|a, b| a.score.total_cmp(&b.score));
        }
        let chosen = match self.selection {
            Selection::TopMedian(_) if has_median => scored.iter().find(|s| s.name == median_name),
            _ => scored.first(),
        };
        let (spec, label, score, origins) = match chosen {
            Some(c) => (c.spec.clone(), c.name.clone(), c.score, c.folds.len()),
            None => {
                let (spec, label, score) = fallback(n, m);
                (spec, label, score, 0)
            }
        };
        let ranked: Vec<Candidate> = scored
            .iter()
            .map(|s| (s.name.clone(), s.score, s.folds.len()))
            .chain(unscored.into_iter().map(|name| (name, f64::NAN, 0)))
            .map(|(model, score, origins)| Candidate {
                chosen: model == label,
                model,
                score,
                metric,
                origins,
            })
            .collect();
        let fitted = spec
            .build_calibrated(self.conformal_windows, self.conformal_for_all)
            .fit(input)?;
        Ok(Box::new(Chosen {
            fitted,
            label,
            score,
            metric,
            origins,
            ranked,
        }))
    }
}

/// Too short to backtest: the seasonal naive (or naive) stands in.
fn fallback(n: usize, m: usize) -> (ModelSpec, String, f64) {
    if n > m {
        (
            ModelSpec::Benchmark(Benchmark::SeasonalNaive),
            "snaive".into(),
            f64::NAN,
        )
    } else {
        (
            ModelSpec::Benchmark(Benchmark::Naive),
            "naive".into(),
            f64::NAN,
        )
    }
}

/// The combination `how` of the candidates named `members`, scored on the
/// origins they all forecast, from their stored fold forecasts (no refits);
/// None unless every member was scored.
fn combination(
    scored: &[Scored],
    members: &[&str],
    how: Combine,
    name: &str,
    cfg: &Config,
    key: impl Fn(&backtest::Scores) -> f64,
) -> Option<Scored> {
    let members: Vec<&Scored> = members
        .iter()
        .map(|m| scored.iter().find(|s| s.name == *m))
        .collect::<Option<_>>()?;
    let first = members.first()?;
    let folds: Vec<Fold> = first
        .folds
        .iter()
        .filter_map(|fold| {
            let at_origin: Vec<&Fold> = members
                .iter()
                .map(|s| s.folds.iter().find(|f| f.origin == fold.origin))
                .collect::<Option<_>>()?;
            let point = (0..fold.actual.len())
                .map(|i| {
                    let mut v: Vec<f64> = at_origin.iter().map(|f| f.forecast.point[i]).collect();
                    match how {
                        Combine::Mean => crate::numeric::mean(&v),
                        Combine::Median => crate::numeric::quantile(&mut v, 0.5),
                    }
                })
                .collect();
            Some(Fold {
                origin: fold.origin,
                forecast: Forecast {
                    point,
                    intervals: Vec::new(),
                },
                actual: fold.actual.clone(),
                scale: fold.scale,
            })
        })
        .collect();
    let score = key(&backtest::score_folds(name, &folds, cfg));
    score.is_finite().then(|| Scored {
        spec: ModelSpec::Ensemble(how, members.iter().map(|s| s.spec.clone()).collect()),
        name: name.to_string(),
        score,
        folds,
    })
}

struct Chosen {
    fitted: Box<dyn Predict>,
    label: String,
    /// The chosen model's backtest score; NaN when nothing could be
    /// backtested and a benchmark stands in.
    score: f64,
    metric: &'static str,
    origins: usize,
    ranked: Vec<Candidate>,
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
        let next: Vec<String> = self
            .ranked
            .iter()
            .filter(|c| !c.chosen && c.score.is_finite())
            .take(2)
            .map(|c| format!("{} {:.3}", c.model, c.score))
            .collect();
        let next = if next.is_empty() {
            String::new()
        } else {
            format!("; next {}", next.join(", "))
        };
        format!(
            "auto -> {} (backtest {} {:.3} over {} origin(s){next}): {}",
            self.label,
            self.metric,
            self.score,
            self.origins,
            self.fitted.describe()
        )
    }
    fn has_intervals(&self) -> bool {
        self.fitted.has_intervals()
    }
    fn info_criteria(&self) -> Option<crate::InfoCriteria> {
        self.fitted.info_criteria()
    }
    fn note(&self) -> Option<String> {
        let own = self.score.is_nan().then(|| {
            format!(
                "auto could not backtest any candidate on this history (too short for one origin, or every score undefined): {} stands in, unscored",
                self.label
            )
        });
        match (own, self.fitted.note()) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        }
    }
    fn selection(&self) -> &[Candidate] {
        &self.ranked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auto(y: &[f64], m: usize) -> Box<dyn Predict> {
        AutoSelect::new(Selection::Best)
            .fit(&Input::new(y, m))
            .unwrap()
    }

    #[test]
    fn auto_on_intermittent_demand_forecasts_the_rate_not_zero() {
        // Demand of 2, 4 or 6 every fourth day, ending on zeros: the naive
        // forecast is 0 and has the smaller absolute error (MAE 1 against
        // 1.5 for the rate of 1 a day), but the larger squared error (RMSE
        // 2.16 against 1.91).
        let y: Vec<f64> = (0..120)
            .map(|t| {
                if t % 4 == 1 {
                    [2.0, 4.0, 6.0][(t / 4) % 3]
                } else {
                    0.0
                }
            })
            .collect();
        let fit = auto(&y, 7);
        let f = fit.predict(7, &[80.0, 95.0]).unwrap();
        assert!(f.point[0] > 0.5, "{} -> {:?}", fit.describe(), f.point);
        assert!(
            fit.describe().contains("backtest RMSE"),
            "{}",
            fit.describe()
        );
        assert!(fit.note().is_none());
        // The chosen model's own intervals, 80% narrower than 95%.
        assert!(f.intervals[0].upper[0] < f.intervals[1].upper[0], "{f:?}");
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

    /// A weekly pattern plus a level shift half-way through the last
    /// origins: the ranking is sorted, the choice is its best entry, and the
    /// median of the best three is scored among them.
    #[test]
    fn the_ranking_is_ordered_and_marks_what_was_chosen() {
        let y: Vec<f64> = (0..300)
            .map(|t| {
                let week = [0.0, 9.0, 6.0, 3.0, 0.0, -8.0, -10.0][t % 7];
                100.0 + week + ((t * 7919) % 13) as f64 - 6.0
            })
            .collect();
        let fit = auto(&y, 7);
        let ranked = fit.selection();
        let scores: Vec<f64> = ranked
            .iter()
            .filter(|c| c.score.is_finite())
            .map(|c| c.score)
            .collect();
        assert!(scores.windows(2).all(|w| w[0] <= w[1]), "{ranked:?}");
        assert_eq!(ranked.iter().filter(|c| c.chosen).count(), 1);
        let chosen = ranked.iter().find(|c| c.chosen).unwrap();
        assert_eq!(chosen.score, scores[0], "{ranked:?}");
        assert_eq!(chosen.origins, SELECTION_ORIGINS);
        assert!(
            ranked
                .iter()
                .any(|c| c.model.starts_with("ensemble_median(")),
            "{ranked:?}"
        );
        // auto_median always forecasts with the median of the best three.
        let median = AutoSelect::new(Selection::TopMedian(3))
            .fit(&Input::new(&y, 7))
            .unwrap();
        let chosen = median.selection().iter().find(|c| c.chosen).unwrap();
        assert!(chosen.model.starts_with("ensemble_median("), "{chosen:?}");
        assert_eq!(chosen.model.matches('+').count(), 2);
    }
}

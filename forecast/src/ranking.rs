//! A backtest's models ranked: each model's scores averaged over the series
//! every model could score, so that the ranking compares like with like, and
//! its own failures counted beside it.

use crate::backtest::{Config, Scores};

/// One model's scores over the series.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSummary {
    /// Model name as given.
    pub model: String,
    /// Series averaged over (those every model scored).
    pub series: usize,
    /// Series on which this model fitted no fold.
    pub failed: usize,
    /// Mean MAE.
    pub mae: f64,
    /// Mean RMSE.
    pub rmse: f64,
    /// Mean MASE, the ranking's key.
    pub mase: f64,
    /// Lower quartile of the series' MASE (nearest rank).
    pub mase_q25: f64,
    /// Upper quartile of the series' MASE (nearest rank).
    pub mase_q75: f64,
    /// Mean sMAPE (percent).
    pub smape: f64,
    /// Mean WAPE.
    pub wape: f64,
    /// Mean pinball loss.
    pub pinball: f64,
    /// Mean scaled pinball loss.
    pub scaled_pinball: f64,
    /// Mean CRPS (approximated from the forecast's quantiles).
    pub crps: f64,
    /// Mean coverage per level.
    pub coverage: Vec<f64>,
    /// Mean promised coverage per level (see [`Scores::promised`]).
    pub promised: Vec<f64>,
    /// Seconds fitting, over every series.
    pub fit_seconds: f64,
}

/// The ranking of a backtest.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranking {
    /// Series every model scored (the ones the means are over).
    pub common_series: usize,
    /// Models, best mean MASE first.
    pub models: Vec<ModelSummary>,
}

/// Ranks the models of a backtest: `scores[s][m]` is model `m` (in the order
/// of `models`) on series `s`; `levels` interval levels were scored.
///
/// ```
/// use hospsim_forecast::backtest::Scores;
/// use hospsim_forecast::ranking::rank;
/// let score = |model: &str, mase: f64| Scores { model: model.into(), mae: mase, rmse: mase, mase,
///     smape: 0.0, wape: 0.0, pinball: f64::NAN,
///     scaled_pinball: f64::NAN, crps: mase, coverage: vec![], promised: vec![], fit_seconds: 0.1, folds: 1, error: None };
/// let ranking = rank(&["naive", "ets"], &[vec![score("naive", 1.2), score("ets", 0.8)]], 0);
/// assert_eq!(ranking.models[0].model, "ets");
/// assert_eq!(ranking.common_series, 1);
/// ```
pub fn rank<S: AsRef<str>>(models: &[S], scores: &[Vec<Scores>], levels: usize) -> Ranking {
    let common: Vec<bool> = scores
        .iter()
        .map(|r| r.iter().all(|s| s.folds > 0 && s.mase.is_finite()))
        .collect();
    let mut summaries: Vec<ModelSummary> = models
        .iter()
        .enumerate()
        .map(|(i, name)| {
            summarise(
                name.as_ref(),
                scores.iter().filter_map(|r| r.get(i)),
                &common,
                levels,
            )
        })
        .collect();
    summaries.sort_by(|a, b| a.mase.total_cmp(&b.mase));
    Ranking {
        common_series: common.iter().filter(|c| **c).count(),
        models: summaries,
    }
}

fn summarise<'a>(
    model: &str,
    scores: impl Iterator<Item = &'a Scores>,
    common: &[bool],
    levels: usize,
) -> ModelSummary {
    let scores: Vec<&Scores> = scores.collect();
    let failed = scores.iter().filter(|s| s.folds == 0).count();
    let ok: Vec<&&Scores> = scores
        .iter()
        .zip(common)
        .filter(|(_, c)| **c)
        .map(|(s, _)| s)
        .collect();
    let mean = |f: &dyn Fn(&Scores) -> f64| {
        let v: Vec<f64> = ok.iter().map(|s| f(s)).filter(|x| x.is_finite()).collect();
        hospsim_stats::mean(&v)
    };
    let mut mases: Vec<f64> = ok
        .iter()
        .map(|s| s.mase)
        .filter(|x| x.is_finite())
        .collect();
    mases.sort_by(f64::total_cmp);
    // Nearest rank: a quartile of a handful of series is one of them.
    let q = |p: f64| {
        if mases.is_empty() {
            f64::NAN
        } else {
            mases[((mases.len() - 1) as f64 * p).round() as usize]
        }
    };
    ModelSummary {
        model: model.to_string(),
        series: ok.len(),
        failed,
        mae: mean(&|s| s.mae),
        rmse: mean(&|s| s.rmse),
        mase: mean(&|s| s.mase),
        mase_q25: q(0.25),
        mase_q75: q(0.75),
        smape: mean(&|s| s.smape),
        wape: mean(&|s| s.wape),
        pinball: mean(&|s| s.pinball),
        scaled_pinball: mean(&|s| s.scaled_pinball),
        crps: mean(&|s| s.crps),
        coverage: (0..levels)
            .map(|i| mean(&|s| s.coverage.get(i).copied().unwrap_or(f64::NAN)))
            .collect(),
        promised: (0..levels)
            .map(|i| mean(&|s| s.promised.get(i).copied().unwrap_or(f64::NAN)))
            .collect(),
        fit_seconds: scores.iter().map(|s| s.fit_seconds).sum(),
    }
}

/// The folds a series of `n` steps holds under `cfg`: origins every
/// `cfg.step` steps back from the end, each with a training part of at least
/// `cfg.min_train`.
pub fn folds_that_fit(n: usize, cfg: &Config) -> usize {
    n.checked_sub(cfg.horizon + cfg.min_train)
        .map_or(0, |room| room / cfg.step.max(1) + 1)
}

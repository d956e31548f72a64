//! `hospsim backtest`: rolling-origin evaluation of the chosen models on every series.

use super::*;
use crate::output::{announce, json_bytes};
use crate::table::{num, render};
use hospsim_forecast::backtest::{self, Config, Scores};
use hospsim_forecast::ranking::{self, ModelSummary, Ranking};
use hospsim_formats::write::CsvWriter;
use hospsim_reports::pages::BacktestView;

/// Most forecast origins of a backtest.
const MAX_FOLDS: usize = 1000;

/// Most forecast values `--write-forecasts` keeps (series x models x folds
/// x horizon): about 2 GB of CSV.
const MAX_CV_VALUES: usize = 20_000_000;

/// What `hospsim backtest` was asked for beyond the series options.
pub(crate) struct BacktestOptions {
    pub(crate) folds: usize,
    pub(crate) step: Option<usize>,
    /// Write every fold's forecasts to cv_forecasts.csv.
    pub(crate) write_forecasts: bool,
}

/// `hospsim backtest`.
pub(crate) fn backtest(
    args: &SeriesArgs,
    models: &[String],
    options: BacktestOptions,
    out: Option<PathBuf>,
) -> Result<()> {
    let BacktestOptions {
        folds,
        step,
        write_forecasts,
    } = options;
    if folds == 0 {
        bail!("--folds must be at least 1");
    }
    if folds > MAX_FOLDS {
        bail!("--folds {folds}: at most {MAX_FOLDS} forecast origins");
    }
    if step == Some(0) {
        bail!(
            "--step must be at least 1: with 0 every fold would forecast from the same origin, and their average would look more certain than it is"
        );
    }
    let p = prepare(args)?;
    let models = parse_models(models)?;
    let step = step.unwrap_or(args.horizon);
    let cfg = Config {
        horizon: args.horizon,
        folds,
        step,
        levels: p.levels.clone(),
        season_length: p.season,
        non_negative: !args.allow_negative,
        min_train: 2,
        conformal_windows: args.conformal_windows,
        conformal_for_all: args.intervals == IntervalsArg::Conformal,
    };
    // The longest series must hold every fold asked for: a silent cut would
    // report fewer origins than asked.
    if let Some(longest) = p.data.series.iter().max_by_key(|s| s.y.len()) {
        let n = longest.y.len();
        let fits = ranking::folds_that_fit(n, &cfg);
        if fits < folds {
            bail!(
                "--folds {folds}: the longest series ('{}', {n} steps) holds {fits} fold(s) of horizon {} every {step} step(s) after a training part of at least {}\n  hint: ask for at most {fits} folds, or a shorter --step or --horizon",
                longest.id,
                args.horizon,
                cfg.min_train
            );
        }
    }
    if write_forecasts {
        let values = p
            .data
            .series
            .len()
            .saturating_mul(models.len())
            .saturating_mul(folds)
            .saturating_mul(args.horizon);
        if values > MAX_CV_VALUES {
            bail!(
                "--write-forecasts: {} series x {} models x {folds} folds x horizon {} is {values} forecasts, more than the {MAX_CV_VALUES} cv_forecasts.csv may hold\n  hint: fewer series (--ids), models or folds",
                p.data.series.len(),
                models.len(),
                args.horizon
            );
        }
    }
    let mut dir = output_folder(out, "out/backtest")?;
    // Every fold is kept for cv_forecasts.csv; otherwise only the last, for the charts.
    type PerSeries = Vec<(Scores, Vec<backtest::Fold>)>;
    let results: Vec<PerSeries> = for_each_series_model(&p, args, &models, |s, name, spec| {
        let features = features_for(&p, s, spec, args.horizon);
        let (scores, mut folds) = backtest::evaluate(&s.y, features.as_ref(), spec, name, &cfg);
        if !write_forecasts && folds.len() > 1 {
            folds.drain(..folds.len() - 1);
        }
        (scores, folds)
    })?;
    if write_forecasts {
        dir.write("cv_forecasts.csv", &cv_forecasts(&p, &results)?)?;
    }
    let cov_cols: Vec<String> = p
        .levels
        .iter()
        .map(|l| format!("coverage-{}", level_name(*l)))
        .collect();
    let mut per_series = CsvWriter::in_memory();
    let head = |first: &[&str], last: &[&str]| -> Vec<String> {
        let metrics = [
            "mae",
            "rmse",
            "mase",
            "smape",
            "wape",
            "pinball",
            "scaled_pinball",
            "crps",
        ];
        first
            .iter()
            .chain(&metrics)
            .map(|s| s.to_string())
            .chain(cov_cols.iter().cloned())
            .chain(last.iter().map(|s| s.to_string()))
            .collect()
    };
    per_series.row(head(
        &["unique_id", "model", "folds"],
        &["fit_seconds", "error"],
    ))?;
    for (s, per_model) in p.data.series.iter().zip(&results) {
        for (sc, _) in per_model {
            per_series.text(&s.id)?;
            per_series.text(&sc.model)?;
            per_series.display(sc.folds)?;
            metric_cells(
                &mut per_series,
                &[
                    sc.mae,
                    sc.rmse,
                    sc.mase,
                    sc.smape,
                    sc.wape,
                    sc.pinball,
                    sc.scaled_pinball,
                    sc.crps,
                ],
                &sc.coverage,
            )?;
            per_series.display(format_args!("{:.6}", sc.fit_seconds))?;
            per_series.text(sc.error.as_deref().unwrap_or(""))?;
            per_series.end()?;
        }
    }
    let scores: Vec<Vec<Scores>> = results
        .iter()
        .map(|r| r.iter().map(|(s, _)| s.clone()).collect())
        .collect();
    let names: Vec<&str> = models.iter().map(|(n, _)| n.as_str()).collect();
    let Ranking {
        common_series: common_count,
        models: summary,
    } = ranking::rank(&names, &scores, p.levels.len());
    let mut metrics = CsvWriter::in_memory();
    metrics.row(head(
        &["model", "series", "series_failed"],
        &["fit_seconds"],
    ))?;
    for m in &summary {
        metrics.text(&m.model)?;
        metrics.display(m.series)?;
        metrics.display(m.failed)?;
        metric_cells(
            &mut metrics,
            &[
                m.mae,
                m.rmse,
                m.mase,
                m.smape,
                m.wape,
                m.pinball,
                m.scaled_pinball,
                m.crps,
            ],
            &m.coverage,
        )?;
        metrics.display(format_args!("{:.6}", m.fit_seconds))?;
        metrics.end()?;
    }
    dir.write("metrics.csv", &metrics.into_bytes()?)?;
    dir.write("per_series.csv", &per_series.into_bytes()?)?;
    let json = serde_json::json!({
        "schema_version": 1,
        "command": "backtest",
        "data": args.data.display().to_string(),
        "series": p.data.series.len(),
        "frequency": p.data.frequency.name(),
        "season_length": p.season,
        "horizon": cfg.horizon,
        "folds": cfg.folds,
        "step": cfg.step,
        "levels": p.levels,
        "series_scored_by_every_model": common_count,
        "ranking": summary.iter().map(|m| serde_json::json!({
            "model": m.model, "series": m.series, "series_failed": m.failed,
            "mae": finite(m.mae), "rmse": finite(m.rmse), "mase": finite(m.mase),
            "smape": finite(m.smape), "wape": finite(m.wape), "pinball": finite(m.pinball),
            "scaled_pinball": finite(m.scaled_pinball), "crps": finite(m.crps),
            "coverage": m.coverage.iter().map(|c| finite(*c)).collect::<Vec<_>>(),
            "coverage_promised": m.promised.iter().map(|c| finite(*c)).collect::<Vec<_>>(),
            "coverage_misses": p.levels.iter().enumerate()
                .filter(|(i, l)| misses(m.coverage[*i], promise(m, *i, **l)).is_some())
                .map(|(_, l)| *l)
                .collect::<Vec<_>>(),
            "fit_seconds": m.fit_seconds,
        })).collect::<Vec<_>>(),
    });
    dir.write("backtest.json", &json_bytes(&json)?)?;
    let head: Vec<String> = [
        "rank", "model", "MASE", "MAE", "RMSE", "sMAPE %", "WAPE", "pinball",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(
        p.levels
            .iter()
            .map(|l| format!("cover {}%", level_name(*l))),
    )
    .chain(["series".into(), "fit s".into()])
    .collect();
    let table_rows: Vec<Vec<String>> = summary
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut row = vec![
                (i + 1).to_string(),
                m.model.clone(),
                fixed(m.mase, 3),
                num(m.mae),
                num(m.rmse),
                fixed(m.smape, 2),
                fixed(m.wape, 3),
                num(m.pinball),
            ];
            row.extend(
                p.levels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| coverage_cell(m.coverage[i], *l, promise(m, i, *l))),
            );
            row.push(if m.failed > 0 {
                format!("{} ({} failed)", m.series, m.failed)
            } else {
                m.series.to_string()
            });
            row.push(format!("{:.2}", m.fit_seconds));
            row
        })
        .collect();
    let any_miss = summary.iter().any(|m| {
        p.levels
            .iter()
            .enumerate()
            .any(|(i, l)| misses(m.coverage[i], promise(m, i, *l)).is_some())
    });
    let any_whole_units = summary.iter().any(|m| {
        p.levels
            .iter()
            .enumerate()
            .any(|(i, l)| whole_units(*l, promise(m, i, *l)))
    });
    let mut footnotes = Vec::new();
    if any_miss {
        footnotes.push(format!(
            "(low)/(high): the interval covered more than {COVERAGE_TOLERANCE_PP} points less/more often than it promises"
        ));
    }
    if any_whole_units {
        footnotes.push("(of P): intervals of whole units cannot hold exactly the level; the model gave its interval the chance P%, and the mark compares with P".to_string());
    }
    if !args.no_report {
        let best = summary.first().map(|m| m.model.clone());
        let best_index = models.iter().position(|(n, _)| Some(n) == best.as_ref());
        let charts = match best_index {
            Some(bi) => p
                .data
                .series
                .iter()
                .zip(&results)
                .take(6)
                .filter_map(|(s, r)| {
                    let fold = r[bi].1.last()?;
                    Some(fan_chart(
                        &p,
                        s,
                        &s.y[..fold.origin],
                        &r[bi].0.model,
                        "",
                        &fold.forecast,
                        Some(&fold.actual),
                    ))
                })
                .collect(),
            None => Vec::new(),
        };
        let view = BacktestView {
            title: format!("Backtest: {}", file_name(&args.data)),
            subtitle: vec![format!(
                "{} series ({common_count} scored by every model), {} data, season {}, horizon {}, {} fold(s) every {} steps",
                p.data.series.len(),
                p.data.frequency.name(),
                p.season,
                cfg.horizon,
                cfg.folds,
                cfg.step
            )]
            .into_iter()
            .chain(footnotes.iter().cloned())
            .collect(),
            table: (head.clone(), table_rows.clone()),
            mase: summary
                .iter()
                .map(|m| (m.model.clone(), m.mase, m.mase_q25, m.mase_q75))
                .collect(),
            charts,
            files: vec![
                "metrics.csv".into(),
                "per_series.csv".into(),
                "backtest.json".into(),
            ],
        };
        let html = hospsim_reports::pages::backtest_page(&view)?;
        dir.write("report.html", html.as_bytes())?;
    }
    let written = dir.commit(&provenance(args)?)?;
    if !args.quiet {
        outln!(
            "Backtest of {} series ({}, season {}): horizon {}, {} fold(s) every {} steps; means over the {common_count} series every model could score, best MASE first",
            p.data.series.len(),
            p.data.frequency.name(),
            p.season,
            cfg.horizon,
            cfg.folds,
            cfg.step
        )?;
        let mut all = vec![head];
        all.extend(table_rows);
        out!("{}", render(&all))?;
        for note in &footnotes {
            outln!("  {note}")?;
        }
    }
    announce(args.quiet, "", &written)
}

/// Every fold's forecasts in statsforecast's cross-validation layout:
/// `unique_id, ds, cutoff, model, mean, lo-*, hi-*, y`, `cutoff` being the
/// last time step the fold trained on.
fn cv_forecasts(p: &Prepared, results: &[Vec<(Scores, Vec<backtest::Fold>)>]) -> Result<Vec<u8>> {
    let mut csv = CsvWriter::in_memory();
    let header: Vec<String> = ["unique_id", "ds", "cutoff", "model"]
        .map(String::from)
        .into_iter()
        .chain(interval_header(&p.levels))
        .chain(["y".into()])
        .collect();
    csv.row(&header)?;
    let show = |t| data::format_ds(t, p.data.with_time);
    for (s, per_model) in p.data.series.iter().zip(results) {
        for (scores, folds) in per_model {
            for fold in folds {
                let Some(cutoff) = fold.origin.checked_sub(1).map(|i| s.ds[i]) else {
                    continue;
                };
                for (i, actual) in fold.actual.iter().enumerate() {
                    let Some(&t) = s.ds.get(fold.origin + i) else {
                        break;
                    };
                    csv.text(&s.id)?;
                    csv.text(&show(t))?;
                    csv.text(&show(cutoff))?;
                    csv.text(&scores.model)?;
                    interval_cells(&mut csv, &fold.forecast, &p.levels, i)?;
                    csv.num(*actual)?;
                    csv.end()?;
                }
            }
        }
    }
    Ok(csv.into_bytes()?)
}

/// MAE, RMSE, MASE, sMAPE, WAPE, pinball, scaled pinball, CRPS, then coverage per level, as CSV cells.
fn metric_cells(
    w: &mut CsvWriter<Vec<u8>>,
    metrics: &[f64],
    coverage: &[f64],
) -> std::io::Result<()> {
    for v in metrics.iter().chain(coverage) {
        w.num(*v)?;
    }
    Ok(())
}

fn finite(v: f64) -> serde_json::Value {
    if v.is_finite() {
        serde_json::json!(v)
    } else {
        serde_json::Value::Null
    }
}

fn fixed(v: f64, digits: usize) -> String {
    if v.is_finite() {
        format!("{v:.digits$}")
    } else {
        "-".into()
    }
}

/// How far, in percentage points, a measured coverage may be from its level
/// before the backtest marks it.
const COVERAGE_TOLERANCE_PP: f64 = 2.0;

/// `Some("low")` or `Some("high")` when coverage `c` (a share) misses `level`
/// (percent) by more than the tolerance.
fn misses(c: f64, level: f64) -> Option<&'static str> {
    if !c.is_finite() {
        return None;
    }
    let off = c * 100.0 - level;
    if off < -COVERAGE_TOLERANCE_PP {
        Some("low")
    } else if off > COVERAGE_TOLERANCE_PP {
        Some("high")
    } else {
        None
    }
}

/// What model `m`'s interval at `level` (the i-th) promised, in percent:
/// the level, or the chance the model gave its whole-unit intervals.
fn promise(m: &ModelSummary, i: usize, level: f64) -> f64 {
    match m.promised.get(i) {
        Some(p) if p.is_finite() => p * 100.0,
        _ => level,
    }
}

/// Whether a promise differs from its level enough to show (whole units).
fn whole_units(level: f64, promised: f64) -> bool {
    (promised - level).abs() >= 0.05
}

fn coverage_cell(c: f64, level: f64, promised: f64) -> String {
    let cell = if whole_units(level, promised) {
        format!("{} (of {promised:.1})", pct(c))
    } else {
        pct(c)
    };
    match misses(c, promised) {
        Some(way) => format!("{cell} ({way})"),
        None => cell,
    }
}

fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.1}%", v * 100.0)
    } else {
        "-".into()
    }
}

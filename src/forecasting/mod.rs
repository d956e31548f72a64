//! `hospsim forecast` and `hospsim backtest`: read series, fit models in
//! parallel (results in input order, independent of the thread count), write
//! CSV/JSON and a report.

mod data;

use crate::output::{announce, csv_num, json_bytes, write_atomic};
use crate::table::{num, render};
use anyhow::{Context, Result, bail};
use clap::Args;
use data::{Dataset, Fill, Series};
use hospsim_forecast::backtest::{self, Config, Scores};
use hospsim_forecast::{Features, Forecast, Input, ModelSpec};
use hospsim_reports::pages::{BacktestView, FanChart, ForecastView};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Options shared by `forecast` and `backtest`.
#[derive(Args, Clone)]
pub(crate) struct SeriesArgs {
    /// Long CSV in the statsforecast convention: unique_id, ds, y (extra columns allowed).
    pub(crate) data: PathBuf,
    /// Steps to forecast.
    #[arg(long, default_value_t = 12)]
    pub(crate) horizon: usize,
    /// Interval levels in percent, comma-separated.
    #[arg(long, default_value = "80,95", value_delimiter = ',')]
    pub(crate) levels: Vec<f64>,
    /// Season length (default from the frequency: hourly 24, daily 7, weekly 52, monthly 12).
    #[arg(long)]
    pub(crate) season: Option<usize>,
    /// Value column to forecast.
    #[arg(long, default_value = "y")]
    pub(crate) target: String,
    /// Missing time steps: none (an error), zero, or interpolate.
    #[arg(long, value_enum, default_value = "none")]
    pub(crate) fill: Fill,
    /// Accept negative values (otherwise they are errors: counts and demand cannot be negative).
    #[arg(long)]
    pub(crate) allow_negative: bool,
    /// Holiday dates (one ISO date per line) for the calendar regressors of lm/enet.
    #[arg(long)]
    pub(crate) holidays: Option<PathBuf>,
    /// Only these series (comma-separated unique_ids).
    #[arg(long, value_delimiter = ',')]
    pub(crate) ids: Vec<String>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub(crate) quiet: bool,
    /// Skip report.html.
    #[arg(long)]
    pub(crate) no_report: bool,
}

struct Prepared {
    data: Dataset,
    season: usize,
    levels: Vec<f64>,
    holidays: Vec<jiff::civil::Date>,
}

fn prepare(args: &SeriesArgs) -> Result<Prepared> {
    if args.horizon == 0 {
        bail!("--horizon must be at least 1");
    }
    let mut levels = args.levels.clone();
    if let Some(bad) = levels.iter().find(|l| !(**l > 0.0 && **l < 100.0)) {
        bail!("--levels: {bad} is not a level in percent between 0 and 100 (e.g. --levels 80,95)");
    }
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    let mut data = data::read(&args.data, &args.target, args.fill, args.allow_negative)?;
    if !args.ids.is_empty() {
        let unknown: Vec<&String> = args
            .ids
            .iter()
            .filter(|id| !data.series.iter().any(|s| &s.id == *id))
            .collect();
        if !unknown.is_empty() {
            bail!(
                "--ids: no series named {unknown:?} in {}",
                args.data.display()
            );
        }
        data.series.retain(|s| args.ids.contains(&s.id));
    }
    let season = args
        .season
        .unwrap_or(data.frequency.default_season())
        .max(1);
    let holidays = match &args.holidays {
        Some(p) => data::read_holidays(p)?,
        None => Vec::new(),
    };
    Ok(Prepared {
        data,
        season,
        levels,
        holidays,
    })
}

fn parse_models(names: &[String]) -> Result<Vec<(String, ModelSpec)>> {
    names
        .iter()
        .map(|n| {
            ModelSpec::parse(n)
                .map(|s| (n.trim().to_string(), s))
                .with_context(|| "in --model/--models")
        })
        .collect()
}

fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        b = b.num_threads(t.max(1));
    }
    b.build().context("cannot start worker threads")
}

fn progress(quiet: bool, total: usize, what: &str) -> ProgressBar {
    if quiet || total < 50 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {what} {{elapsed}}"))
    {
        bar.set_style(style);
    }
    bar
}

fn features_for(p: &Prepared, s: &Series, spec: &ModelSpec, h: usize) -> Option<Features> {
    let wants = |sp: &ModelSpec| matches!(sp, ModelSpec::Regression(_));
    let needed = match spec {
        ModelSpec::Ensemble(_, members) => members.iter().any(wants),
        other => wants(other),
    };
    needed.then(|| data::calendar(s, p.data.frequency, h, &p.holidays))
}

fn step_unit(p: &Prepared) -> String {
    match p.data.frequency {
        data::Frequency::Hourly => "hours",
        data::Frequency::Daily => "days",
        data::Frequency::Weekly => "weeks",
        data::Frequency::Monthly => "months",
    }
    .into()
}

struct SeriesForecast {
    model: String,
    describe: String,
    aicc: f64,
    /// In-sample one-step fitted values (empty if the fit failed).
    fitted: Vec<f64>,
    forecast: Result<Forecast, String>,
}

/// What `hospsim forecast` was asked for beyond the series options.
pub(crate) struct ForecastOptions {
    pub(crate) models: Vec<String>,
    pub(crate) round: bool,
    pub(crate) fitted: bool,
    pub(crate) out: Option<PathBuf>,
}

/// `hospsim forecast`.
pub(crate) fn forecast(args: &SeriesArgs, options: ForecastOptions) -> Result<()> {
    let ForecastOptions {
        models,
        round,
        fitted: with_fitted,
        out,
    } = options;
    let p = prepare(args)?;
    let models = parse_models(&models)?;
    let h = args.horizon;
    let bar = progress(args.quiet, p.data.series.len(), "series");
    let done = AtomicUsize::new(0);
    let results: Vec<Vec<SeriesForecast>> = pool(args.threads)?.install(|| {
        p.data
            .series
            .par_iter()
            .map(|s| {
                let out = models
                    .iter()
                    .map(|(name, spec)| {
                        let features = features_for(&p, s, spec, h);
                        let input = Input {
                            y: &s.y,
                            season_length: p.season,
                            features: features.as_ref(),
                        };
                        match spec.build().fit(&input) {
                            Ok(fitted) => SeriesForecast {
                                model: name.clone(),
                                describe: fitted.describe(),
                                aicc: fitted.info_criteria().map_or(f64::NAN, |ic| ic.aicc),
                                fitted: if with_fitted {
                                    fitted.fitted()
                                } else {
                                    Vec::new()
                                },
                                forecast: fitted
                                    .predict(h, &p.levels)
                                    .map(|mut f| {
                                        f.make_count(round);
                                        f
                                    })
                                    .map_err(|e| e.to_string()),
                            },
                            Err(e) => SeriesForecast {
                                model: name.clone(),
                                describe: String::new(),
                                aicc: f64::NAN,
                                fitted: Vec::new(),
                                forecast: Err(e.to_string()),
                            },
                        }
                    })
                    .collect();
                bar.set_position(done.fetch_add(1, Ordering::Relaxed) as u64 + 1);
                out
            })
            .collect()
    });
    bar.finish_and_clear();
    let dir = out.unwrap_or_else(|| PathBuf::from("out/forecast"));
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the output folder {}", dir.display()))?;

    let mut csv = String::from("unique_id,ds,model,mean");
    for l in &p.levels {
        let _ = write!(csv, ",lo-{0},hi-{0}", level_name(*l));
    }
    csv.push('\n');
    let mut models_csv = String::from("unique_id,model,observations,fitted,aicc,error\n");
    let mut failures = 0usize;
    for (s, per_model) in p.data.series.iter().zip(&results) {
        let future = data::future(s, p.data.frequency, h);
        for r in per_model {
            let _ = writeln!(
                models_csv,
                "{},{},{},{},{},{}",
                quote(&s.id),
                quote(&r.model),
                s.y.len(),
                quote(&r.describe),
                csv_num(r.aicc),
                quote(r.forecast.as_ref().err().map_or("", String::as_str))
            );
            let Ok(f) = &r.forecast else {
                failures += 1;
                continue;
            };
            for (i, t) in future.iter().enumerate() {
                let _ = write!(
                    csv,
                    "{},{},{},{}",
                    quote(&s.id),
                    data::format_ds(*t, p.data.with_time),
                    quote(&r.model),
                    csv_num(f.point[i])
                );
                for l in &p.levels {
                    match f.interval(*l) {
                        Some(iv) => {
                            let _ =
                                write!(csv, ",{},{}", csv_num(iv.lower[i]), csv_num(iv.upper[i]));
                        }
                        None => csv.push_str(",,"),
                    }
                }
                csv.push('\n');
            }
        }
    }
    let mut written = vec![
        write_atomic(&dir, "forecasts.csv", csv.as_bytes())?,
        write_atomic(&dir, "models.csv", models_csv.as_bytes())?,
    ];
    if with_fitted {
        let mut fitted_csv = String::from("unique_id,ds,model,y,fitted,residual\n");
        for (s, per_model) in p.data.series.iter().zip(&results) {
            for r in per_model {
                for (i, f) in r.fitted.iter().enumerate() {
                    let _ = writeln!(
                        fitted_csv,
                        "{},{},{},{},{},{}",
                        quote(&s.id),
                        data::format_ds(s.ds[i], p.data.with_time),
                        quote(&r.model),
                        csv_num(s.y[i]),
                        csv_num(*f),
                        csv_num(s.y[i] - f)
                    );
                }
            }
        }
        written.push(write_atomic(&dir, "fitted.csv", fitted_csv.as_bytes())?);
    }
    let summary = serde_json::json!({
        "schema_version": 1,
        "command": "forecast",
        "data": args.data.display().to_string(),
        "series": p.data.series.len(),
        "rows": p.data.rows,
        "frequency": p.data.frequency.name(),
        "season_length": p.season,
        "horizon": h,
        "levels": p.levels,
        "models": models.iter().map(|m| m.0.clone()).collect::<Vec<_>>(),
        "failed_fits": failures,
        "filled_steps": p.data.series.iter().map(|s| s.filled).sum::<usize>(),
    });
    written.push(write_atomic(&dir, "forecast.json", &json_bytes(&summary)?)?);
    if !args.no_report {
        let charts = p
            .data
            .series
            .iter()
            .zip(&results)
            .take(6)
            .filter_map(|(s, r)| {
                let first = r.first()?;
                let f = first.forecast.as_ref().ok()?;
                Some(fan_chart(
                    &p,
                    s,
                    &s.y,
                    &first.model,
                    &first.describe,
                    f,
                    None,
                ))
            })
            .collect();
        let mut rows = Vec::new();
        for (s, per_model) in p.data.series.iter().zip(&results).take(200) {
            for r in per_model {
                rows.push(vec![
                    hospsim_reports::html::esc(&s.id),
                    hospsim_reports::html::esc(&r.model),
                    match &r.forecast {
                        Ok(_) => hospsim_reports::html::esc(&shorten(&r.describe, 90)),
                        Err(e) => format!("<em>failed: {}</em>", hospsim_reports::html::esc(e)),
                    },
                ]);
            }
        }
        let view = ForecastView {
            title: format!("Forecast: {}", file_name(&args.data)),
            subtitle: vec![format!(
                "{} series, {} data, season {}, horizon {h}, levels {:?}; {} fit(s) failed",
                p.data.series.len(),
                p.data.frequency.name(),
                p.season,
                p.levels,
                failures
            )],
            charts,
            table: (vec!["series".into(), "model".into(), "fitted".into()], rows),
            files: vec![
                "forecasts.csv".into(),
                "models.csv".into(),
                "forecast.json".into(),
            ],
        };
        let html = hospsim_reports::pages::forecast_page(&view)?;
        written.push(write_atomic(&dir, "report.html", html.as_bytes())?);
    }
    if !args.quiet {
        print_forecast_table(&p, &results, h);
        if failures > 0 {
            println!("{failures} fit(s) failed; models.csv gives each reason.");
        }
    }
    announce(args.quiet, "Wrote", &written);
    Ok(())
}

fn print_forecast_table(p: &Prepared, results: &[Vec<SeriesForecast>], h: usize) {
    println!(
        "{} series ({} rows, {}, season {}), horizon {h}",
        p.data.series.len(),
        p.data.rows,
        p.data.frequency.name(),
        p.season
    );
    let mut rows = vec![{
        let mut head = vec![
            "series".to_string(),
            "model".into(),
            "fitted".into(),
            "first step".into(),
            "last step".into(),
        ];
        if let Some(l) = p.levels.last() {
            head.push(format!("{}% interval, last step", level_name(*l)));
        }
        head
    }];
    for (s, per_model) in p.data.series.iter().zip(results).take(8) {
        for r in per_model {
            let mut row = vec![s.id.clone(), r.model.clone()];
            match &r.forecast {
                Ok(f) => {
                    row.push(r.describe.chars().take(40).collect());
                    row.push(num(f.point[0]));
                    row.push(num(f.point[f.point.len() - 1]));
                    if let Some(l) = p.levels.last() {
                        row.push(match f.interval(*l) {
                            Some(iv) => {
                                format!("[{}, {}]", num(iv.lower[h - 1]), num(iv.upper[h - 1]))
                            }
                            None => "-".into(),
                        });
                    }
                }
                Err(e) => {
                    row.push(format!(
                        "failed: {}",
                        e.chars().take(60).collect::<String>()
                    ));
                    row.extend(["-".into(), "-".into()]);
                    if !p.levels.is_empty() {
                        row.push("-".into());
                    }
                }
            }
            rows.push(row);
        }
    }
    print!("{}", render(&rows));
    if p.data.series.len() > 8 {
        println!(
            "... {} more series in forecasts.csv",
            p.data.series.len() - 8
        );
    }
}

fn fan_chart(
    p: &Prepared,
    s: &Series,
    history: &[f64],
    model: &str,
    describe: &str,
    f: &Forecast,
    actual: Option<&[f64]>,
) -> FanChart {
    let keep = (3 * p.season).max(3 * f.point.len()).min(history.len());
    FanChart {
        id: s.id.clone(),
        model: if describe.is_empty() {
            model.to_string()
        } else {
            describe.chars().take(60).collect()
        },
        history: history[history.len() - keep..].to_vec(),
        mean: f.point.clone(),
        band: f
            .intervals
            .last()
            .map(|i| (i.lower.clone(), i.upper.clone(), i.level)),
        step_unit: step_unit(p),
        actual: actual.map(<[f64]>::to_vec),
    }
}

/// At most `max` characters, with an ellipsis when cut (the full text is in models.csv).
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

fn level_name(l: f64) -> String {
    if l.fract() == 0.0 {
        format!("{l:.0}")
    } else {
        format!("{l}")
    }
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// `hospsim backtest`.
pub(crate) fn backtest(
    args: &SeriesArgs,
    models: &[String],
    folds: usize,
    step: Option<usize>,
    out: Option<PathBuf>,
) -> Result<()> {
    let p = prepare(args)?;
    let models = parse_models(models)?;
    if folds == 0 {
        bail!("--folds must be at least 1");
    }
    let cfg = Config {
        horizon: args.horizon,
        folds,
        step: step.unwrap_or(args.horizon).max(1),
        levels: p.levels.clone(),
        season_length: p.season,
        non_negative: !args.allow_negative,
    };
    let bar = progress(args.quiet, p.data.series.len(), "series");
    let done = AtomicUsize::new(0);
    type PerSeries = Vec<(Scores, Option<backtest::Fold>)>;
    let results: Vec<PerSeries> = pool(args.threads)?.install(|| {
        p.data
            .series
            .par_iter()
            .map(|s| {
                let out = models
                    .iter()
                    .map(|(name, spec)| {
                        let features = features_for(&p, s, spec, args.horizon);
                        let (scores, folds) =
                            backtest::evaluate(&s.y, features.as_ref(), spec, name, &cfg);
                        (scores, folds.into_iter().last())
                    })
                    .collect();
                bar.set_position(done.fetch_add(1, Ordering::Relaxed) as u64 + 1);
                out
            })
            .collect()
    });
    bar.finish_and_clear();
    let dir = out.unwrap_or_else(|| PathBuf::from("out/backtest"));
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
    let cov_cols: Vec<String> = p
        .levels
        .iter()
        .map(|l| format!("coverage-{}", level_name(*l)))
        .collect();
    let mut per_series = format!(
        "unique_id,model,folds,mae,rmse,mase,smape,wape,pinball,{},fit_seconds,error\n",
        cov_cols.join(",")
    );
    for (s, per_model) in p.data.series.iter().zip(&results) {
        for (sc, _) in per_model {
            let _ = writeln!(
                per_series,
                "{},{},{},{},{},{},{},{},{},{},{:.6},{}",
                quote(&s.id),
                quote(&sc.model),
                sc.folds,
                csv_num(sc.mae),
                csv_num(sc.rmse),
                csv_num(sc.mase),
                csv_num(sc.smape),
                csv_num(sc.wape),
                csv_num(sc.pinball),
                sc.coverage
                    .iter()
                    .map(|c| csv_num(*c))
                    .collect::<Vec<_>>()
                    .join(","),
                sc.fit_seconds,
                quote(sc.error.as_deref().unwrap_or(""))
            );
        }
    }
    // Means over the series every model could score, so that the ranking
    // compares like with like; a model's own failures are counted beside it.
    let common: Vec<bool> = results
        .iter()
        .map(|r| r.iter().all(|(s, _)| s.folds > 0 && s.mase.is_finite()))
        .collect();
    let common_count = common.iter().filter(|c| **c).count();
    let mut summary: Vec<ModelSummary> = models
        .iter()
        .enumerate()
        .map(|(i, (name, _))| {
            ModelSummary::from(
                name,
                results.iter().map(|r| &r[i].0),
                &common,
                p.levels.len(),
            )
        })
        .collect();
    summary.sort_by(|a, b| a.mase.total_cmp(&b.mase));
    let mut metrics = format!(
        "model,series,series_failed,mae,rmse,mase,smape,wape,pinball,{},fit_seconds\n",
        cov_cols.join(",")
    );
    for m in &summary {
        let _ = writeln!(
            metrics,
            "{},{},{},{},{},{},{},{},{},{},{:.6}",
            quote(&m.model),
            m.series,
            m.failed,
            csv_num(m.mae),
            csv_num(m.rmse),
            csv_num(m.mase),
            csv_num(m.smape),
            csv_num(m.wape),
            csv_num(m.pinball),
            m.coverage
                .iter()
                .map(|c| csv_num(*c))
                .collect::<Vec<_>>()
                .join(","),
            m.fit_seconds
        );
    }
    let mut written = vec![
        write_atomic(&dir, "metrics.csv", metrics.as_bytes())?,
        write_atomic(&dir, "per_series.csv", per_series.as_bytes())?,
    ];
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
            "coverage": m.coverage.iter().map(|c| finite(*c)).collect::<Vec<_>>(),
            "fit_seconds": m.fit_seconds,
        })).collect::<Vec<_>>(),
    });
    written.push(write_atomic(&dir, "backtest.json", &json_bytes(&json)?)?);
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
            row.extend(m.coverage.iter().map(|c| pct(*c)));
            row.push(if m.failed > 0 {
                format!("{} ({} failed)", m.series, m.failed)
            } else {
                m.series.to_string()
            });
            row.push(format!("{:.2}", m.fit_seconds));
            row
        })
        .collect();
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
                    let fold = r[bi].1.as_ref()?;
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
        let esc_rows = table_rows
            .iter()
            .map(|r| r.iter().map(|c| hospsim_reports::html::esc(c)).collect())
            .collect();
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
            )],
            table: (head.clone(), esc_rows),
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
        written.push(write_atomic(&dir, "report.html", html.as_bytes())?);
    }
    if !args.quiet {
        println!(
            "Backtest of {} series ({}, season {}): horizon {}, {} fold(s) every {} steps; means over the {common_count} series every model could score, best MASE first",
            p.data.series.len(),
            p.data.frequency.name(),
            p.season,
            cfg.horizon,
            cfg.folds,
            cfg.step
        );
        let mut all = vec![head];
        all.extend(table_rows);
        print!("{}", render(&all));
    }
    announce(args.quiet, "Wrote", &written);
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

fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.1}%", v * 100.0)
    } else {
        "-".into()
    }
}

struct ModelSummary {
    model: String,
    series: usize,
    failed: usize,
    mae: f64,
    rmse: f64,
    mase: f64,
    mase_q25: f64,
    mase_q75: f64,
    smape: f64,
    wape: f64,
    pinball: f64,
    coverage: Vec<f64>,
    fit_seconds: f64,
}

impl ModelSummary {
    fn from<'a>(
        model: &str,
        scores: impl Iterator<Item = &'a Scores>,
        common: &[bool],
        levels: usize,
    ) -> Self {
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
            if v.is_empty() {
                f64::NAN
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        };
        let mut mases: Vec<f64> = ok
            .iter()
            .map(|s| s.mase)
            .filter(|x| x.is_finite())
            .collect();
        mases.sort_by(f64::total_cmp);
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
            coverage: (0..levels).map(|i| mean(&|s| s.coverage[i])).collect(),
            fit_seconds: scores.iter().map(|s| s.fit_seconds).sum(),
        }
    }
}

//! `hospsim forecast`: fit every series with the chosen models and write the forecasts.

use super::*;
use crate::output::{announce, json_bytes};
use crate::table::{num, render};
use hospsim_forecast::Input;
use hospsim_formats::write::CsvWriter;
use hospsim_reports::pages::{Cell, ForecastView};

struct SeriesForecast {
    model: String,
    describe: String,
    /// What the model says the user should know (a season it could not use).
    note: Option<String>,
    aicc: f64,
    /// In-sample one-step fitted values (empty if the fit failed).
    fitted: Vec<f64>,
    /// Per requested quantile, its value at every step (empty if the fit
    /// failed or the model has no intervals).
    quantiles: Vec<Vec<f64>>,
    /// An automatic selection's candidates, best first (empty otherwise).
    selection: Vec<hospsim_forecast::auto::Candidate>,
    forecast: Result<Forecast, String>,
}

/// What `hospsim forecast` was asked for beyond the series options.
pub(crate) struct ForecastOptions {
    pub(crate) models: Vec<String>,
    pub(crate) round: bool,
    pub(crate) fitted: bool,
    /// `--quantiles`: probabilities whose quantiles become columns.
    pub(crate) quantiles: Vec<f64>,
    pub(crate) out: Option<PathBuf>,
}

/// `hospsim forecast`.
pub(crate) fn forecast(args: &SeriesArgs, options: ForecastOptions) -> Result<()> {
    let ForecastOptions {
        models,
        round,
        fitted: with_fitted,
        quantiles,
        out,
    } = options;
    let quantile_levels = quantile_levels(&quantiles)?;
    let mut all_levels = quantile_levels.clone();
    let p = prepare(args)?;
    all_levels.extend(&p.levels);
    all_levels.sort_by(f64::total_cmp);
    all_levels.dedup();
    let models = parse_models(&models)?;
    let h = args.horizon;
    check_future(&p, &models, h)?;
    let mut dir = output_folder(out, "out/forecast")?;
    let results: Vec<Vec<SeriesForecast>> =
        for_each_series_model(&p, args, &models, |s, name, spec| {
            let features = features_for(&p, s, spec, h);
            let input = Input {
                y: &s.y,
                season_length: p.season,
                features: features.as_ref(),
            };
            match spec
                .build_calibrated(
                    args.conformal_windows,
                    args.intervals == IntervalsArg::Conformal,
                )
                .fit(&input)
            {
                Ok(fitted) => {
                    // Predict first: a conformal model knows how many
                    // calibration windows fitted only once it has forecast.
                    let forecast = fitted
                        .predict(h, &all_levels)
                        .map(|mut f| {
                            f.make_count(round);
                            f
                        })
                        .map_err(|e| e.to_string());
                    let quantile_values = forecast
                        .as_ref()
                        .map(|f| quantile_values(f, &quantiles, h))
                        .unwrap_or_default();
                    // The intervals asked for; those behind the quantiles go.
                    let forecast = forecast.map(|mut f| {
                        f.intervals
                            .retain(|i| p.levels.iter().any(|l| (l - i.level).abs() < 1e-9));
                        f
                    });
                    SeriesForecast {
                        model: name.clone(),
                        describe: fitted.describe(),
                        note: fitted.note(),
                        aicc: fitted.info_criteria().map_or(f64::NAN, |ic| ic.aicc),
                        fitted: if with_fitted {
                            fitted.fitted()
                        } else {
                            Vec::new()
                        },
                        selection: fitted.selection().to_vec(),
                        quantiles: quantile_values,
                        forecast,
                    }
                }
                Err(e) => SeriesForecast {
                    model: name.clone(),
                    describe: String::new(),
                    note: None,
                    aicc: f64::NAN,
                    fitted: Vec::new(),
                    selection: Vec::new(),
                    quantiles: Vec::new(),
                    forecast: Err(e.to_string()),
                },
            }
        })?;

    let mut csv = CsvWriter::in_memory();
    let header: Vec<String> = ["unique_id", "ds", "model"]
        .map(String::from)
        .into_iter()
        .chain(interval_header(&p.levels))
        .chain(quantiles.iter().map(|q| format!("q{q}")))
        .collect();
    csv.row(&header)?;
    let mut models_csv = CsvWriter::in_memory();
    models_csv.row([
        "unique_id",
        "model",
        "observations",
        "fitted",
        "aicc",
        "error",
    ])?;
    let mut failures = 0usize;
    for (s, per_model) in p.data.series.iter().zip(&results) {
        let future = data::future(s, p.data.frequency, h);
        for r in per_model {
            let error = r.forecast.as_ref().err().map_or("", String::as_str);
            models_csv.record(&[&s.id, &r.model, &s.y.len(), &r.describe, &r.aicc, &error])?;
            let Ok(f) = &r.forecast else {
                failures += 1;
                continue;
            };
            for (i, t) in future.iter().enumerate() {
                csv.text(&s.id)?;
                csv.text(&data::format_ds(*t, p.data.with_time))?;
                csv.text(&r.model)?;
                interval_cells(&mut csv, f, &p.levels, i)?;
                for q in 0..quantiles.len() {
                    let v = r.quantiles.get(q).and_then(|v| v.get(i));
                    csv.num(v.copied().unwrap_or(f64::NAN))?;
                }
                csv.end()?;
            }
        }
    }
    dir.write("forecasts.csv", &csv.into_bytes()?)?;
    dir.write("models.csv", &models_csv.into_bytes()?)?;
    let selected = results.iter().flatten().any(|r| !r.selection.is_empty());
    if selected {
        dir.write("selection.csv", &selection_csv(&p, &results)?)?;
    }
    if with_fitted {
        let mut fitted_csv = CsvWriter::in_memory();
        fitted_csv.row(["unique_id", "ds", "model", "y", "fitted", "residual"])?;
        for (s, per_model) in p.data.series.iter().zip(&results) {
            for r in per_model {
                for (i, f) in r.fitted.iter().enumerate() {
                    fitted_csv.record(&[
                        &s.id,
                        &data::format_ds(s.ds[i], p.data.with_time),
                        &r.model,
                        &s.y[i],
                        f,
                        &(s.y[i] - f),
                    ])?;
                }
            }
        }
        dir.write("fitted.csv", &fitted_csv.into_bytes()?)?;
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
    dir.write("forecast.json", &json_bytes(&summary)?)?;
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
                    Cell::Text(s.id.clone()),
                    Cell::Text(r.model.clone()),
                    match &r.forecast {
                        Ok(_) => Cell::Text(shorten(&r.describe, 90)),
                        Err(e) => Cell::Em(format!("failed: {e}")),
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
            files: [
                "forecasts.csv",
                "models.csv",
                "selection.csv",
                "forecast.json",
            ]
            .into_iter()
            .filter(|f| selected || *f != "selection.csv")
            .map(String::from)
            .collect(),
        };
        let html = hospsim_reports::pages::forecast_page(&view)?;
        dir.write("report.html", html.as_bytes())?;
    }
    let written = dir.commit(&provenance(args)?)?;
    if !args.quiet {
        print_forecast_table(&p, &results, h)?;
        let notes: Vec<String> = p
            .data
            .series
            .iter()
            .zip(&results)
            .flat_map(|(s, per_model)| {
                per_model.iter().filter_map(move |r| {
                    Some(format!("  {} {}: {}", s.id, r.model, r.note.as_ref()?))
                })
            })
            .collect();
        for note in notes.iter().take(10) {
            outln!("{note}")?;
        }
        if notes.len() > 10 {
            outln!(
                "  ... and {} more notes (models.csv has each)",
                notes.len() - 10
            )?;
        }
        if failures > 0 {
            outln!("{failures} fit(s) failed; models.csv gives each reason.")?;
        }
        if selected {
            outln!("{}", chosen_summary(&results))?;
        }
    }
    announce(args.quiet, "", &written)
}

/// Most quantiles one forecast may ask for.
const MAX_QUANTILES: usize = 99;

/// The interval levels behind `--quantiles`: q and 1 − q are the ends of
/// the central interval at level |1 − 2q|; the median is the point forecast.
fn quantile_levels(quantiles: &[f64]) -> Result<Vec<f64>> {
    if quantiles.len() > MAX_QUANTILES {
        bail!(
            "--quantiles: {} given, at most {MAX_QUANTILES}",
            quantiles.len()
        );
    }
    let mut levels = Vec::new();
    for &q in quantiles {
        if !(q > 0.0 && q < 1.0) {
            bail!(
                "--quantiles: {q} is not a probability strictly between 0 and 1 (e.g. --quantiles 0.05,0.5,0.95)"
            );
        }
        if (q - 0.5).abs() > 1e-12 {
            levels.push((1.0 - 2.0 * q).abs() * 100.0);
        }
    }
    Ok(levels)
}

/// Each requested quantile's values: an interval's end, or the point for
/// the median (the mean, which is the median for the symmetric intervals;
/// for Croston's family it is the rate, not the median of a mostly-zero
/// demand). NaN where the model gave no interval.
fn quantile_values(f: &Forecast, quantiles: &[f64], h: usize) -> Vec<Vec<f64>> {
    quantiles
        .iter()
        .map(|&q| {
            if (q - 0.5).abs() <= 1e-12 {
                return f.point.clone();
            }
            let level = (1.0 - 2.0 * q).abs() * 100.0;
            match f.interval(level) {
                Some(i) if q < 0.5 => i.lower.clone(),
                Some(i) => i.upper.clone(),
                None => vec![f64::NAN; h],
            }
        })
        .collect()
}

/// Every candidate of every automatic selection: `unique_id, model,
/// candidate, rank, score, metric, origins, chosen`.
fn selection_csv(p: &Prepared, results: &[Vec<SeriesForecast>]) -> Result<Vec<u8>> {
    let mut csv = CsvWriter::in_memory();
    csv.row([
        "unique_id",
        "model",
        "candidate",
        "rank",
        "score",
        "metric",
        "origins",
        "chosen",
    ])?;
    for (s, per_model) in p.data.series.iter().zip(results) {
        for r in per_model {
            for (i, c) in r.selection.iter().enumerate() {
                csv.record(&[
                    &s.id,
                    &r.model,
                    &c.model,
                    &(i + 1),
                    &c.score,
                    &c.metric,
                    &c.origins,
                    &if c.chosen { "yes" } else { "no" },
                ])?;
            }
        }
    }
    Ok(csv.into_bytes()?)
}

/// "auto chose ets for 3 series, lm for 1 (selection.csv ...)".
fn chosen_summary(results: &[Vec<SeriesForecast>]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for r in results.iter().flatten() {
        let Some(c) = r.selection.iter().find(|c| c.chosen) else {
            continue;
        };
        let label = format!("{} -> {}", r.model, c.model);
        match counts.iter_mut().find(|(l, _)| *l == label) {
            Some((_, n)) => *n += 1,
            None => counts.push((label, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let parts: Vec<String> = counts
        .iter()
        .take(6)
        .map(|(l, n)| format!("{l} ({n} series)"))
        .collect();
    let more = if counts.len() > 6 { ", ..." } else { "" };
    format!(
        "Chosen: {}{more}; selection.csv has every candidate's backtest score per series",
        parts.join(", ")
    )
}

fn print_forecast_table(p: &Prepared, results: &[Vec<SeriesForecast>], h: usize) -> Result<()> {
    outln!(
        "{} series ({} rows, {}, season {}), horizon {h}",
        p.data.series.len(),
        p.data.rows,
        p.data.frequency.name(),
        p.season
    )?;
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
    out!("{}", render(&rows))?;
    if p.data.series.len() > 8 {
        outln!(
            "... {} more series in forecasts.csv",
            p.data.series.len() - 8
        )?;
    }
    Ok(())
}

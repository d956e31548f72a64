//! Regressors from extra columns of the series file (`--regressors`) and
//! their future values (`--future`), end to end.

use crate::{run_err, run_ok};

/// Daily arrivals that rise by 5 for every degree of a temperature that
/// wanders, plus noise: the calendar alone cannot know the temperature.
fn write_series(dir: &std::path::Path) -> (String, String) {
    let mut csv = String::from("unique_id,ds,y,temp,event\n");
    let mut future = String::from("ds,temp,event\n");
    let day = |d: i64| {
        jiff::civil::date(2024, 1, 1)
            .checked_add(jiff::Span::new().days(d))
            .unwrap()
    };
    for d in 0..400i64 {
        let temp = ((d * 7919) % 23) as f64 - 11.0;
        let event = u8::from(d % 17 == 0);
        let noise = ((d * 104_729) % 7) as f64 - 3.0;
        let y = 200.0 + 5.0 * temp + 30.0 * f64::from(event) + noise;
        if d < 380 {
            csv.push_str(&format!("ed,{},{y},{temp},{event}\n", day(d)));
        } else {
            future.push_str(&format!("{},{temp},{event}\n", day(d)));
        }
    }
    let series = dir.join("ed.csv");
    let ahead = dir.join("future.csv");
    std::fs::write(&series, csv).unwrap();
    std::fs::write(&ahead, future).unwrap();
    (
        series.to_str().unwrap().to_string(),
        ahead.to_str().unwrap().to_string(),
    )
}

#[test]
fn regressors_drive_the_regression_forecast_and_its_backtest() {
    let dir = tempfile::tempdir().unwrap();
    let (series, future) = write_series(dir.path());
    let out_dir = dir.path().join("fc");
    run_ok(
        &[
            "forecast",
            &series,
            "--model",
            "lm",
            "--horizon",
            "20",
            "--regressors",
            "temp,event",
            "--future",
            &future,
        ],
        &out_dir,
    );
    let fc = crate::read(&out_dir.join("forecasts.csv"));
    // Day 380 onwards: the forecast follows 200 + 5·temp + 30·event.
    for (i, line) in fc.lines().skip(1).enumerate() {
        let d = 380 + i as i64;
        let temp = ((d * 7919) % 23) as f64 - 11.0;
        let event = f64::from(u8::from(d % 17 == 0));
        let mean: f64 = line.split(',').nth(3).unwrap().parse().unwrap();
        let expected = 200.0 + 5.0 * temp + 30.0 * event;
        assert!((mean - expected).abs() < 5.0, "{line}: expected {expected}");
    }
    // The backtest with the recorded temperatures beats the calendar alone.
    let with = backtest_mase(dir.path(), &series, "lm", true);
    let without = backtest_mase(dir.path(), &series, "lm", false);
    assert!(with < 0.5 * without, "with {with}, without {without}");
}

/// MSTL takes the same regressors: the weekly cycle from its decomposition,
/// the temperature and event effects from them.
#[test]
fn mstl_uses_the_regressors_and_their_future_values() {
    let dir = tempfile::tempdir().unwrap();
    let (series, future) = write_series(dir.path());
    let out_dir = dir.path().join("fc");
    let with = ["--regressors", "temp,event", "--future", future.as_str()];
    let mut args = vec!["forecast", &series, "--model", "mstl", "--horizon", "20"];
    args.extend(with);
    run_ok(&args, &out_dir);
    let fc = crate::read(&out_dir.join("forecasts.csv"));
    for (i, line) in fc.lines().skip(1).enumerate() {
        let d = 380 + i as i64;
        let temp = ((d * 7919) % 23) as f64 - 11.0;
        let event = f64::from(u8::from(d % 17 == 0));
        let mean: f64 = line.split(',').nth(3).unwrap().parse().unwrap();
        let expected = 200.0 + 5.0 * temp + 30.0 * event;
        assert!((mean - expected).abs() < 8.0, "{line}: expected {expected}");
    }
    let models = crate::read(&out_dir.join("models.csv"));
    assert!(models.contains("with temp +"), "{models}");
    let with = backtest_mase(dir.path(), &series, "mstl", true);
    let without = backtest_mase(dir.path(), &series, "mstl", false);
    assert!(with < 0.5 * without, "with {with}, without {without}");
}

/// The mean MASE of a 6-fold, 7-day backtest of `model`, with or without
/// the two regressors.
fn backtest_mase(dir: &std::path::Path, series: &str, model: &str, regressors: bool) -> f64 {
    let out = dir.join(format!("bt_{model}_{regressors}"));
    let mut args = vec![
        "backtest",
        series,
        "--models",
        model,
        "--horizon",
        "7",
        "--folds",
        "6",
    ];
    if regressors {
        args.extend(["--regressors", "temp,event"]);
    }
    run_ok(&args, &out);
    let metrics = crate::read(&out.join("metrics.csv"));
    metrics
        .lines()
        .nth(1)
        .and_then(|row| row.split(',').nth(5))
        .and_then(|mase| mase.parse().ok())
        .unwrap_or_else(|| panic!("no MASE in {metrics}"))
}

#[test]
fn regressor_mistakes_are_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let (series, future) = write_series(dir.path());
    let fails = |args: &[&str], fragments: &[&str]| {
        let err = run_err(args, &dir.path().join("bad"));
        for f in fragments {
            assert!(err.contains(f), "`{f}` missing from: {err}");
        }
    };
    // A column the file does not have.
    fails(
        &[
            "forecast",
            &series,
            "--model",
            "lm",
            "--regressors",
            "rain",
            "--future",
            &future,
        ],
        &[
            "ed.csv:1",
            "no regressor column `rain`",
            "found: unique_id, ds, y, temp, event",
        ],
    );
    // Regressors without their future.
    fails(
        &["forecast", &series, "--model", "lm", "--regressors", "temp"],
        &[
            "need their values over the forecast horizon",
            "--future FILE",
        ],
    );
    // A future too short for the horizon.
    fails(
        &[
            "forecast",
            &series,
            "--model",
            "lm",
            "--horizon",
            "30",
            "--regressors",
            "temp",
            "--future",
            &future,
        ],
        &[
            "future.csv",
            "no regressor values for 2025-02-04",
            "the 30 steps after 2025-01-14",
        ],
    );
    // A future without regressors.
    fails(
        &["forecast", &series, "--model", "lm", "--future", &future],
        &["no regressors are named", "--regressors"],
    );
    // More columns than a model may use, refused before a row is read.
    let many: Vec<String> = (0..51).map(|i| format!("c{i}")).collect();
    let many = many.join(",");
    fails(
        &["backtest", &series, "--models", "lm", "--regressors", &many],
        &["51 columns", "the 50 a model may use"],
    );
    // A row without a number.
    let broken = dir.path().join("broken.csv");
    std::fs::write(
        &broken,
        "unique_id,ds,y,temp\ned,2024-01-01,5,3\ned,2024-01-02,6,warm\n",
    )
    .unwrap();
    fails(
        &[
            "backtest",
            broken.to_str().unwrap(),
            "--models",
            "lm",
            "--regressors",
            "temp",
        ],
        &["broken.csv:3", "regressor temp `warm` is not a number"],
    );
}

/// `--quantiles` adds one column per probability: interval ends where they
/// coincide, the point at the median, order kept at every step; and the
/// backtest scores the quantiles by scaled pinball loss and CRPS.
#[test]
fn quantile_forecasts_are_columns_and_the_backtest_scores_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = crate::repo("data/ed_arrivals_daily.csv");
    let out = dir.path().join("q");
    run_ok(
        &[
            "forecast",
            data.to_str().unwrap(),
            "--model",
            "ets",
            "--horizon",
            "5",
            "--quantiles",
            "0.05,0.1,0.5,0.9",
        ],
        &out,
    );
    let fc = crate::read(&out.join("forecasts.csv"));
    let mut lines = fc.lines();
    assert_eq!(
        lines.next(),
        Some("unique_id,ds,model,mean,lo-80,hi-80,lo-95,hi-95,q0.05,q0.1,q0.5,q0.9")
    );
    for line in lines {
        let v: Vec<f64> = line
            .split(',')
            .skip(3)
            .map(|x| x.parse().unwrap())
            .collect();
        let (mean, lo80, hi80, lo95) = (v[0], v[1], v[2], v[3]);
        let (q05, q10, q50, q90) = (v[5], v[6], v[7], v[8]);
        assert_eq!((q10, q90, q50), (lo80, hi80, mean), "{line}");
        assert!(lo95 < q05 && q05 < q10, "{line}");
    }
    let bt = dir.path().join("bt");
    run_ok(
        &[
            "backtest",
            data.to_str().unwrap(),
            "--models",
            "snaive,ets",
            "--horizon",
            "7",
            "--folds",
            "3",
        ],
        &bt,
    );
    let metrics = crate::read(&bt.join("metrics.csv"));
    assert!(
        metrics.starts_with(
            "model,series,series_failed,mae,rmse,mase,smape,wape,pinball,scaled_pinball,crps,coverage-80"
        ),
        "{metrics}"
    );
    for line in metrics.lines().skip(1) {
        let v: Vec<f64> = line
            .split(',')
            .skip(3)
            .map(|x| x.parse().unwrap())
            .collect();
        let (mae, crps) = (v[0], v[7]);
        // A forecast with intervals scores a CRPS below its MAE (the MAE is
        // the CRPS of the point alone) unless the intervals are poor.
        assert!(crps > 0.0 && crps < mae, "{line}");
    }
}

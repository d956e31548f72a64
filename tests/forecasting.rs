//! `hospsim forecast` and `hospsim backtest` end to end: outputs in the
//! statsforecast convention, determinism, known accuracy figures on the NHS
//! data, and clear errors for bad series files.

use crate::{hospsim, read, repo, run_ok};

#[test]
fn forecast_writes_statsforecast_columns_for_every_series_model_and_step() {
    let dir = tempfile::tempdir().unwrap();
    let data = repo("data/ed_arrivals_daily.csv");
    let stdout = run_ok(
        &[
            "forecast",
            data.to_str().unwrap(),
            "--model",
            "ets,snaive,croston",
            "--horizon",
            "14",
            "--levels",
            "95,80",
            "--fitted",
        ],
        dir.path(),
    );
    assert!(
        stdout.contains("ED_north") && stdout.contains("daily, season 7"),
        "{stdout}"
    );
    let csv = read(&dir.path().join("forecasts.csv"));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("unique_id,ds,model,mean,lo-80,hi-80,lo-95,hi-95")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2 * 3 * 14);
    // The first forecast day follows the last observed day (2025-12-31).
    assert_eq!(rows[0][1], "2026-01-01");
    assert_eq!(rows[13][1], "2026-01-14");
    for r in &rows {
        let v: Vec<f64> = r[3..].iter().map(|x| x.parse().unwrap()).collect();
        let (mean, lo80, hi80, lo95, hi95) = (v[0], v[1], v[2], v[3], v[4]);
        assert!(
            lo95 <= lo80 && lo80 <= mean && mean <= hi80 && hi80 <= hi95,
            "{r:?}"
        );
        assert!(lo95 >= 0.0, "count forecasts are never negative: {r:?}");
    }
    let models = read(&dir.path().join("models.csv"));
    assert!(models.contains("ETS("), "{models}");
    // fitted.csv: one row per observation, series and model; residual = y - fitted.
    let fitted = read(&dir.path().join("fitted.csv"));
    assert!(fitted.starts_with("unique_id,ds,model,y,fitted,residual\n"));
    assert_eq!(fitted.lines().count(), 1 + 2 * 731 * 3);
    for l in fitted
        .lines()
        .skip(1)
        .filter(|l| l.contains(",snaive,"))
        .skip(7)
        .take(50)
    {
        let f: Vec<f64> = l.split(',').skip(3).map(|x| x.parse().unwrap()).collect();
        assert!((f[0] - f[1] - f[2]).abs() < 1e-9, "{l}");
    }
    let html = read(&dir.path().join("report.html"));
    assert!(html.contains("id=\"fan-0\"") && html.contains("<svg"));
}

#[test]
fn forecasts_are_byte_identical_at_any_thread_count() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let data = repo("data/nhs_ae_monthly.csv");
    let args = |threads: &'static str| {
        vec![
            "forecast",
            "data",
            "--model",
            "ets,theta,tsb",
            "--fill",
            "interpolate",
            "--threads",
            threads,
            "--quiet",
            "--no-report",
        ]
    };
    for (dir, threads) in [(&a, "1"), (&b, "2")] {
        let mut v = args(threads);
        v[1] = data.to_str().unwrap();
        run_ok(&v, dir.path());
    }
    assert_eq!(
        read(&a.path().join("forecasts.csv")),
        read(&b.path().join("forecasts.csv"))
    );
}

/// Mean MASE per model from per_series.csv.
fn mean_mase(per_series: &str, model: &str) -> f64 {
    let mut lines = per_series.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = head.iter().position(|h| *h == "mase").unwrap();
    let values: Vec<f64> = lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|r| r[1] == model)
        .map(|r| r[col].parse::<f64>().unwrap())
        .collect();
    values.iter().sum::<f64>() / values.len() as f64
}

/// The 281 complete NHS series, first 24 months to train, last 12 to test:
/// statsforecast 2.1.1 scores (measured with benches/peers/statsforecast_nhs.py)
/// seasonal naive 2.0222, naive 1.9690, SES 2.1477, AutoETS 2.1356, Theta 2.1617,
/// AutoARIMA 2.1040.
#[test]
fn nhs_accuracy_matches_statsforecast() {
    let dir = tempfile::tempdir().unwrap();
    let full = read(&repo("data/nhs_ae_monthly.csv"));
    let mut counts = std::collections::HashMap::new();
    for l in full.lines().skip(1) {
        *counts
            .entry(l.split(',').next().unwrap().to_string())
            .or_insert(0) += 1;
    }
    let mut complete = String::from("unique_id,ds,y\n");
    for l in full.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        if counts[f[0]] == 36 {
            complete.push_str(&format!("{},{},{}\n", f[0], f[1], f[2]));
        }
    }
    let path = dir.path().join("complete.csv");
    std::fs::write(&path, complete).unwrap();
    let out = dir.path().join("bt");
    run_ok(
        &[
            "backtest",
            path.to_str().unwrap(),
            "--models",
            "naive,snaive,ses,ets,theta,arima",
            "--horizon",
            "12",
            "--folds",
            "1",
            "--quiet",
            "--no-report",
        ],
        &out,
    );
    let per = read(&out.join("per_series.csv"));
    assert_eq!(per.lines().count(), 1 + 281 * 6);
    let close = |model: &str, reference: f64, tolerance: f64| {
        let ours = mean_mase(&per, model);
        assert!(
            (ours - reference).abs() <= tolerance,
            "{model}: {ours} vs statsforecast {reference}"
        );
    };
    close("naive", 1.9690, 5e-4);
    close("snaive", 2.0222, 5e-4);
    close("ses", 2.1477, 5e-4);
    // At least as accurate as statsforecast within 1%.
    assert!(mean_mase(&per, "ets") <= 2.1356 * 1.01);
    assert!(mean_mase(&per, "theta") <= 2.1617 * 1.01);
    // A port of the same method, not a copy of its code: within 2%.
    assert!(mean_mase(&per, "arima") <= 2.1040 * 1.02);
}

#[test]
fn backtest_ranks_models_and_scores_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let data = repo("data/drug_demand_daily.csv");
    let stdout = run_ok(
        &[
            "backtest",
            data.to_str().unwrap(),
            "--models",
            "naive,croston,sba,tsb,adida,imapa",
            "--horizon",
            "14",
            "--folds",
            "3",
            "--step",
            "7",
        ],
        dir.path(),
    );
    assert!(stdout.contains("3 fold(s) every 7 steps"), "{stdout}");
    let metrics = read(&dir.path().join("metrics.csv"));
    let mut lines = metrics.lines();
    assert_eq!(
        lines.next(),
        Some(
            "model,series,series_failed,mae,rmse,mase,smape,wape,pinball,scaled_pinball,crps,coverage-80,coverage-95,fit_seconds"
        )
    );
    let mase: Vec<f64> = lines
        .map(|l| l.split(',').nth(5).unwrap().parse().unwrap())
        .collect();
    assert_eq!(mase.len(), 6);
    assert!(
        mase.windows(2).all(|w| w[0] <= w[1]),
        "ranked best first: {mase:?}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&read(&dir.path().join("backtest.json"))).unwrap();
    assert_eq!(json["folds"], 3);
    assert_eq!(json["ranking"].as_array().unwrap().len(), 6);
    assert!(read(&dir.path().join("report.html")).contains("id=\"metrics-table\""));
}

fn fails_with(csv: &str, extra: &[&str], fragments: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("series.csv");
    std::fs::write(&path, csv).unwrap();
    let o = hospsim()
        .args(["forecast", path.to_str().unwrap(), "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "should fail: {csv}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for f in fragments {
        assert!(stderr.contains(f), "expected `{f}` in: {stderr}");
    }
}

#[test]
fn bad_series_files_get_line_numbers_and_hints() {
    // Without a unique_id column the file is one series: two sites in it
    // collide, and the hint names --id.
    fails_with(
        "site,ds,y\na,2024-01-01,3\nb,2024-01-01,4\na,2024-01-02,5\n",
        &[],
        &["series.csv:3", "two rows for 2024-01-01", "--id", "site"],
    );
    fails_with(
        "unique_id,date,y\na,2024-01-01,3\n",
        &[],
        &["series.csv:1", "no time column `ds`", "--time"],
    );
    fails_with(
        "unique_id,ds,value\na,2024-01-01,3\n",
        &[],
        &["no value column `y`", "--value"],
    );
    fails_with(
        "unique_id,ds,y\na,2024-01-01,3\na,2024-01-02,lots\na,2024-01-03,-2\na,01/04/2024,5\n",
        &[],
        &[
            "3 of 4 rows",
            "series.csv:3",
            "`lots` is not a number",
            "series.csv:4",
            "negative",
            "series.csv:5",
            "not an ISO date",
        ],
    );
    fails_with(
        "unique_id,ds,y\na,2024-01-01,3\na,2024-01-02,4\na,2024-01-05,5\na,2024-01-06,5\n",
        &[],
        &["misses 2 daily time step(s)", "2024-01-03", "--fill zero"],
    );
    fails_with(
        "unique_id,ds,y\na,2024-01-01,3\na,2024-01-02,4\na,2024-01-02,5\n",
        &[],
        &["series.csv:4", "two rows for 2024-01-02", "line 3"],
    );
    fails_with(
        "unique_id,ds,y\na,2024-01-01,3\na,2024-01-02,4\n",
        &["--model", "prophet"],
        &["unknown model `prophet`", "snaive"],
    );
    fails_with(
        "unique_id,ds,y\na,2024-01-01,3\n",
        &["--levels", "120"],
        &["--levels", "between 0 and 100"],
    );
}

#[test]
fn gaps_can_be_filled_on_request_and_too_short_series_are_reported_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    let mut csv = String::from("unique_id,ds,y\n");
    for d in 1..=28 {
        if d != 10 {
            csv.push_str(&format!("long,2024-02-{d:02},{}\n", 10 + d % 7));
        }
    }
    csv.push_str("short,2024-02-01,4\n");
    std::fs::write(&path, csv).unwrap();
    let out = dir.path().join("out");
    let stdout = run_ok(
        &[
            "forecast",
            path.to_str().unwrap(),
            "--model",
            "ets",
            "--fill",
            "interpolate",
            "--horizon",
            "3",
        ],
        &out,
    );
    assert!(stdout.contains("1 fit(s) failed"), "{stdout}");
    let models = read(&out.join("models.csv"));
    assert!(
        models
            .lines()
            .any(|l| l.starts_with("short,ets,1,") && l.contains("at least")),
        "{models}"
    );
    let json: serde_json::Value = serde_json::from_str(&read(&out.join("forecast.json"))).unwrap();
    assert_eq!(json["filled_steps"], 1);
}

#[test]
fn hourly_series_forecast_with_a_weekly_season_and_feed_a_projection() {
    let dir = tempfile::tempdir().unwrap();
    // Four weeks of hourly admissions with a day and a week cycle, dated in
    // the documented `YYYY-MM-DD HH:MM:SS` form, ending 2025-01-19 23:00.
    let mut csv = String::from("unique_id,ds,y\n");
    let start = jiff::civil::datetime(2024, 12, 23, 0, 0, 0, 0);
    for h in 0..(4 * 168) {
        let t = start.checked_add(jiff::Span::new().hours(h)).unwrap();
        let hour_of_week = h % 168;
        let y = 8 + (hour_of_week % 24) / 3 + u32::from(hour_of_week < 24) as i64 * 5;
        csv.push_str(&format!(
            "admission,{},{y}\n",
            t.strftime("%Y-%m-%d %H:%M:%S")
        ));
    }
    let series = dir.path().join("hourly.csv");
    std::fs::write(&series, &csv).unwrap();
    let out = dir.path().join("fc");
    let stdout = run_ok(
        &[
            "forecast",
            series.to_str().unwrap(),
            "--model",
            "snaive",
            "--season",
            "168",
            "--horizon",
            "72",
        ],
        &out,
    );
    assert!(stdout.contains("hourly, season 168"), "{stdout}");
    let fc = read(&out.join("forecasts.csv"));
    let rows: Vec<Vec<&str>> = fc.lines().skip(1).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 72);
    assert_eq!(rows[0][1], "2025-01-20 00:00:00");
    assert_eq!(rows[71][1], "2025-01-22 23:00:00");
    // A weekly seasonal naive repeats last week hour by hour: Monday's
    // hours carry the week's extra five.
    let last_week: Vec<&str> = csv.lines().skip(1 + 3 * 168).take(72).collect();
    for (r, l) in rows.iter().zip(&last_week) {
        assert_eq!(r[3], l.rsplit(',').next().unwrap(), "{r:?} vs {l}");
    }
    // The hourly forecast drives a projection's arrivals hour by hour.
    let snap = dir.path().join("census.csv");
    std::fs::write(
        &snap,
        "unit,class,arrived_at\nward,admission,2025-01-19T22:00\n",
    )
    .unwrap();
    let proj = dir.path().join("proj");
    run_ok(
        &[
            "project",
            repo("tests/fixtures/mtg_infinity.toml").to_str().unwrap(),
            "--snapshot",
            snap.to_str().unwrap(),
            "--hours",
            "48",
            "--reps",
            "200",
            "--at",
            "2025-01-20T00:00",
            "--arrivals",
            out.join("forecasts.csv").to_str().unwrap(),
        ],
        &proj,
    );
    let j = crate::read_json(&proj.join("projection.json"));
    assert!(j["arrivals"].as_str().unwrap().contains("forecast"), "{j}");
    // 13-20 admissions an hour on Monday, 8-15 after: far above
    // the fixture's own 60 a day, so the census after 24 h is well over 150.
    let day = &j["units"][0]["hours"][24];
    assert!(day["mean"].as_f64().unwrap() > 150.0, "{day}");
}

#[test]
fn the_header_counts_the_rows_of_the_series_chosen_with_ids() {
    let dir = tempfile::tempdir().unwrap();
    let data = repo("data/nhs_ae_monthly.csv");
    let stdout = run_ok(
        &[
            "forecast",
            data.to_str().unwrap(),
            "--ids",
            "RF4_1",
            "--model",
            "naive",
            "--horizon",
            "3",
            "--fill",
            "interpolate",
        ],
        dir.path(),
    );
    assert!(stdout.starts_with("1 series (36 rows, monthly"), "{stdout}");
}

#[test]
fn an_excel_export_is_read_with_its_own_columns_dates_and_decimal_commas() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("\u{feff}Datum;Aufnahmen\r\n");
    for day in 1..=28 {
        csv.push_str(&format!("{day:02}/02/2025;{},5\r\n", 100 + day % 7));
    }
    let file = dir.path().join("ward_7.csv");
    std::fs::write(&file, csv).unwrap();
    let out = dir.path().join("fc");
    let args = [
        "forecast",
        file.to_str().unwrap(),
        "--time",
        "Datum",
        "--value",
        "Aufnahmen",
        "--date-format",
        "%d/%m/%Y",
        "--decimal",
        ",",
        "--models",
        "snaive",
        "--horizon",
        "2",
    ];
    let stdout = run_ok(&args, &out);
    assert!(stdout.starts_with("1 series (28 rows, daily"), "{stdout}");
    let fc = read(&out.join("forecasts.csv"));
    // Named after the file; 1 March follows 28 February; 1 March is 7 days
    // after 22 February, whose value was 101.5.
    assert!(fc.contains("\nward_7,2025-03-01,snaive,101.5,"), "{fc}");
    // Without the pattern the dates are refused with the flag to use.
    let err = crate::run_err(&args[..6], &dir.path().join("no"));
    assert!(
        err.contains("ward_7.csv:2") && err.contains("--date-format"),
        "{err}"
    );
}

#[test]
fn conformal_intervals_say_when_few_windows_fit_and_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("unique_id,ds,y\n");
    for day in 0..40 {
        let t = jiff::civil::date(2024, 1, 1)
            .checked_add(jiff::Span::new().days(day))
            .unwrap();
        csv.push_str(&format!("a,{t},{}\n", [0, 0, 3, 0, 5][day as usize % 5]));
    }
    let file = dir.path().join("demand.csv");
    std::fs::write(&file, csv).unwrap();
    let f = file.to_str().unwrap();
    // 40 days, 14 ahead: one window of 14 fits before the 8 needed to train.
    let out = run_ok(
        &[
            "forecast",
            f,
            "--model",
            "ensemble(naive+mean)",
            "--horizon",
            "14",
        ],
        &dir.path().join("one"),
    );
    assert!(
        out.contains("a ensemble(naive+mean): conformal intervals from 1 calibration window of the 5 asked: every level has the same width"),
        "{out}"
    );
    // 7 ahead with 3 windows: all three fit, nothing to say, and 80% and 95% differ.
    let out = run_ok(
        &[
            "forecast",
            f,
            "--model",
            "ensemble(naive+mean)",
            "--horizon",
            "7",
            "--conformal-windows",
            "3",
        ],
        &dir.path().join("three"),
    );
    assert!(!out.contains("calibration window"), "{out}");
    let fc = read(&dir.path().join("three/forecasts.csv"));
    let first: Vec<f64> = fc
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .skip(3)
        .map(|x| x.parse().unwrap())
        .collect();
    assert!(
        first[2] - first[1] < first[4] - first[3],
        "80% narrower than 95%: {first:?}"
    );
    // --intervals none: point forecasts only.
    run_ok(
        &[
            "forecast",
            f,
            "--model",
            "croston",
            "--horizon",
            "7",
            "--intervals",
            "none",
        ],
        &dir.path().join("none"),
    );
    let fc = read(&dir.path().join("none/forecasts.csv"));
    assert!(fc.starts_with("unique_id,ds,model,mean\n"), "{fc}");
}

#[test]
fn intervals_conformal_replaces_a_models_own_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let data = repo("data/ed_arrivals_daily.csv");
    let f = data.to_str().unwrap();
    let common = [
        "forecast",
        f,
        "--model",
        "ets",
        "--horizon",
        "7",
        "--ids",
        "ED_north",
    ];
    run_ok(&common, &dir.path().join("own"));
    let mut conformal = common.to_vec();
    conformal.extend(["--intervals", "conformal"]);
    run_ok(&conformal, &dir.path().join("conformal"));
    let described = |run: &str| read(&dir.path().join(run).join("models.csv"));
    assert!(
        !described("own").contains("conformal"),
        "{}",
        described("own")
    );
    assert!(
        described("conformal").contains("+ conformal intervals"),
        "{}",
        described("conformal")
    );
    let rows = |run: &str| -> Vec<Vec<f64>> {
        read(&dir.path().join(run).join("forecasts.csv"))
            .lines()
            .skip(1)
            .map(|l| l.split(',').skip(3).map(|x| x.parse().unwrap()).collect())
            .collect()
    };
    let (own, conf) = (rows("own"), rows("conformal"));
    assert_eq!(own.len(), 7);
    for (a, b) in own.iter().zip(&conf) {
        // The same point forecast; other widths, 80% inside 95%.
        assert_eq!(a[0], b[0]);
        assert!(
            b[3] <= b[1] && b[1] < b[0] && b[0] < b[2] && b[2] <= b[4],
            "{b:?}"
        );
    }
    assert!(own.iter().zip(&conf).any(|(a, b)| a[1] != b[1]));
}

#[test]
fn backtest_writes_every_folds_forecasts_and_they_give_back_its_scores() {
    let dir = tempfile::tempdir().unwrap();
    let data = repo("data/ed_arrivals_daily.csv");
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
            "--write-forecasts",
        ],
        dir.path(),
    );
    let cv = read(&dir.path().join("cv_forecasts.csv"));
    let mut lines = cv.lines();
    assert_eq!(
        lines.next(),
        Some("unique_id,ds,cutoff,model,mean,lo-80,hi-80,lo-95,hi-95,y")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2 * 2 * 3 * 7);
    // The last fold trains to 24 December and forecasts the last week.
    let last = rows
        .iter()
        .rfind(|r| r[0] == "ED_north" && r[3] == "snaive")
        .unwrap();
    assert_eq!((last[1], last[2]), ("2025-12-31", "2025-12-24"));
    // The actuals are the series', and the MAE over the rows is the one scored.
    let series = read(&data);
    for r in rows.iter().take(30) {
        assert!(
            series.contains(&format!("{},{},{}\n", r[0], r[1], r[9])),
            "{r:?}"
        );
    }
    let per_series = read(&dir.path().join("per_series.csv"));
    for (id, model) in [("ED_north", "snaive"), ("ED_south", "ets")] {
        let errs: Vec<f64> = rows
            .iter()
            .filter(|r| r[0] == id && r[3] == model)
            .map(|r| (r[9].parse::<f64>().unwrap() - r[4].parse::<f64>().unwrap()).abs())
            .collect();
        let mae = errs.iter().sum::<f64>() / errs.len() as f64;
        let scored: f64 = per_series
            .lines()
            .find(|l| l.starts_with(&format!("{id},{model},")))
            .unwrap()
            .split(',')
            .nth(3)
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            (mae - scored).abs() < 1e-4 * scored.max(1.0),
            "{id} {model}: {mae} vs {scored}"
        );
    }
}

#[test]
fn backtest_marks_intervals_that_miss_their_coverage() {
    let dir = tempfile::tempdir().unwrap();
    let data = repo("data/drug_demand_daily.csv");
    let out = run_ok(
        &[
            "backtest",
            data.to_str().unwrap(),
            "--models",
            "croston,snaive",
            "--horizon",
            "28",
            "--folds",
            "4",
        ],
        dir.path(),
    );
    let json = crate::read_json(&dir.path().join("backtest.json"));
    for m in json["ranking"].as_array().unwrap() {
        let misses: Vec<f64> = m["coverage_misses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let promised = m["coverage_promised"].as_array().unwrap();
        for ((c, p), level) in m["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .zip(promised)
            .zip([80.0, 95.0])
        {
            let c = c.as_f64().unwrap() * 100.0;
            let p = p.as_f64().unwrap() * 100.0;
            // Marks compare with what the interval promised: the level, or
            // for Croston's whole-unit intervals at least the level.
            if m["model"] == "snaive" {
                assert!((p - level).abs() < 1e-9, "{p}");
            } else {
                assert!(p >= level - 1e-9, "{}: promised {p} at {level}", m["model"]);
            }
            assert_eq!(
                misses.contains(&level),
                (c - p).abs() > 2.0,
                "{}: coverage {c} against {p} at {level}",
                m["model"]
            );
        }
    }
    let any_miss = json["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| !m["coverage_misses"].as_array().unwrap().is_empty());
    // The seasonal naive's intervals on this intermittent demand are too
    // wide (99% at 80%): a miss to mark.
    assert!(any_miss, "{json}");
    assert!(out.contains("(of "), "{out}");
    assert_eq!(
        any_miss,
        out.contains("(low)") || out.contains("(high)"),
        "{out}"
    );
    assert_eq!(any_miss, out.contains("points less/more often"), "{out}");
}

/// AutoARIMA end to end: random walks with drift are found as such (a
/// selection by AICc may pick a small extra AR term now and then), a
/// random walk's intervals widen like the square root of the horizon, and a
/// straight line is continued exactly.
#[test]
fn arima_finds_random_walks_with_drift_and_continues_a_line_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("unique_id,ds,y\n");
    let mut state = 2024u64;
    let walks = 6;
    let mut levels = vec![500.0; walks];
    for month in 0..120 {
        let ds = format!("{}-{:02}-01", 2010 + month / 12, month % 12 + 1);
        for (w, level) in levels.iter_mut().enumerate() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // A sum of four uniforms: close enough to normal for the search.
            let mut shock = -2.0;
            for k in 0..4 {
                shock += ((state >> (11 + 12 * k)) & 0xfff) as f64 / 4096.0;
            }
            *level += 2.0 + 10.0 * shock;
            csv.push_str(&format!("walk{w},{ds},{level:.3}\n"));
        }
        csv.push_str(&format!("line,{ds},{}\n", 100 + 3 * month));
    }
    let path = dir.path().join("series.csv");
    std::fs::write(&path, csv).unwrap();
    let out = dir.path().join("out");
    run_ok(
        &[
            "forecast",
            path.to_str().unwrap(),
            "--model",
            "arima",
            "--horizon",
            "24",
            "--season",
            "1",
            "--quiet",
            "--no-report",
        ],
        &out,
    );
    let models = read(&out.join("models.csv"));
    let chosen = |id: &str| {
        let line = models
            .lines()
            .find(|l| l.starts_with(&format!("{id},")))
            .unwrap();
        line.split('"').nth(1).unwrap().to_string()
    };
    let rows: Vec<Vec<String>> = read(&out.join("forecasts.csv"))
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let value = |r: &Vec<String>, i: usize| r[i].parse::<f64>().unwrap();
    let width = |r: &Vec<String>| value(r, 7) - value(r, 6);
    let mut plain_walks = 0;
    for w in 0..walks {
        let id = format!("walk{w}");
        let model = chosen(&id);
        assert!(
            model.contains(",1,") && model.contains("with drift"),
            "{id}: {model}"
        );
        let walk: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == id).collect();
        for r in &walk {
            assert!(value(r, 6) < value(r, 4) && value(r, 4) < value(r, 3));
            assert!(value(r, 3) < value(r, 5) && value(r, 5) < value(r, 7));
        }
        if model.starts_with("ARIMA(0,1,0)") {
            plain_walks += 1;
            // A random walk's h-step variance is h times the one-step one.
            let ratio = width(walk[15]) / width(walk[0]);
            assert!((ratio - 4.0).abs() < 1e-6, "{id}: width ratio {ratio}");
        }
    }
    assert!(plain_walks * 2 >= walks, "{models}");
    assert!(
        chosen("line").starts_with("ARIMA(0,1,0) with drift"),
        "{models}"
    );
    let line: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "line").collect();
    for (h, r) in line.iter().enumerate() {
        let expected = 100.0 + 3.0 * (120 + h) as f64;
        assert!((value(r, 3) - expected).abs() < 1e-6, "{r:?}");
    }
}

//! Hourly arrivals with a daily and a weekly cycle, end to end: `mstl`
//! decomposes both, says what it could not use, and refuses bad periods.

use crate::{repo, run_err, run_ok};

#[test]
fn mstl_forecasts_hourly_arrivals_with_both_cycles() {
    let dir = tempfile::tempdir().unwrap();
    let data = repo("data/ed_arrivals_hourly.csv");
    let out = run_ok(
        &[
            "forecast",
            data.to_str().unwrap(),
            "--model",
            "mstl,mstl(24)",
            "--horizon",
            "48",
        ],
        dir.path(),
    );
    assert!(out.contains("hourly, season 24"), "{out}");
    let models = crate::read(&dir.path().join("models.csv"));
    assert!(models.contains("MSTL(24+168) + ETS"), "{models}");
    assert!(models.contains("MSTL(24) + ETS"), "{models}");
    let fc = crate::read(&dir.path().join("forecasts.csv"));
    // Night is quieter than the late morning, in the forecast as in the data.
    let value = |ds: &str| -> f64 {
        let line = fc
            .lines()
            .find(|l| l.starts_with("ED_north,") && l.contains(ds) && l.contains(",mstl,"))
            .unwrap_or_else(|| panic!("{ds} in {fc}"));
        line.split(',').nth(3).unwrap().parse().unwrap()
    };
    assert!(
        value("2024-07-01 04:00") * 2.5 < value("2024-07-01 11:00"),
        "{fc}"
    );
    // A week and a half of data cannot hold two weeks: said, not hidden.
    let short = dir.path().join("short.csv");
    let head: String = crate::read(&data)
        .lines()
        .take(1 + 24 * 10)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&short, head).unwrap();
    let out = run_ok(
        &[
            "forecast",
            short.to_str().unwrap(),
            "--model",
            "mstl",
            "--horizon",
            "24",
        ],
        &dir.path().join("s"),
    );
    assert!(out.contains("period(s) 168 left out"), "{out}");
    let err = run_err(
        &["forecast", data.to_str().unwrap(), "--model", "mstl(1+24)"],
        &dir.path().join("bad"),
    );
    assert!(err.contains("mstl takes 1 to 4 periods"), "{err}");
}

//! Time zones end to end: logs, snapshots and series with `Z` or an offset,
//! read with `--time-zone` or `sim.time_zone`, give what the same data in
//! local wall-clock time gives; without a zone, or with an unknown one, the
//! command stops with a hint.

use crate::{read_json, repo, run_err, run_ok};
use jiff::SignedDuration;
use jiff::civil::DateTime;
use std::path::Path;

/// A CSV with the timestamps of `columns` rewritten by `f`.
fn rewrite(src: &str, columns: &[&str], f: impl Fn(&str) -> String) -> String {
    let text = std::fs::read_to_string(repo(src)).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let cols: Vec<usize> = header
        .split(',')
        .enumerate()
        .filter(|(_, h)| columns.contains(h))
        .map(|(i, _)| i)
        .collect();
    let mut out = format!("{header}\n");
    for line in lines {
        let cells: Vec<String> = line
            .split(',')
            .enumerate()
            .map(|(i, c)| {
                if cols.contains(&i) && !c.is_empty() {
                    f(c)
                } else {
                    c.to_string()
                }
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// A wall-clock time `hours` ahead of UTC written as the UTC instant.
fn as_utc(civil: &str, hours: i64) -> String {
    let t: DateTime = civil.parse().unwrap();
    format!("{}Z", t - SignedDuration::from_hours(hours))
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
fn a_utc_log_fitted_in_shanghai_is_the_local_log() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // data/history.csv taken as Shanghai wall-clock time (UTC+8, no DST).
    let utc = write(
        d,
        "utc.csv",
        &rewrite("data/history.csv", &["timestamp"], |t| as_utc(t, 8)),
    );
    let name = ["--name", "h", "-q"];
    let local = d.join("local");
    run_ok(&[&["fit", "data/history.csv"][..], &name].concat(), &local);
    let shanghai = d.join("shanghai");
    run_ok(
        &[&["fit", &utc, "--time-zone", "Asia/Shanghai"][..], &name].concat(),
        &shanghai,
    );
    // The same visits: the same hour-of-week profile, durations and routing.
    for f in ["fit_report.csv", "arrivals_daily.csv"] {
        assert_eq!(read(&local.join(f)), read(&shanghai.join(f)), "{f}");
    }
    let fitted = read(&shanghai.join("fitted.toml"));
    assert!(
        fitted.contains("\ntime_zone = \"Asia/Shanghai\"\n"),
        "{fitted}"
    );
    assert_eq!(
        fitted.replace("time_zone = \"Asia/Shanghai\"\n", ""),
        read(&local.join("fitted.toml"))
    );
    // Read as UTC instead, the profile is eight hours off.
    let as_utc_clock = d.join("utc");
    run_ok(
        &[&["fit", &utc, "--time-zone", "UTC"][..], &name].concat(),
        &as_utc_clock,
    );
    assert_ne!(
        read(&local.join("fit_report.csv")),
        read(&as_utc_clock.join("fit_report.csv"))
    );
    // Without a zone the offsets are refused, with the line and a hint.
    let err = run_err(&["fit", &utc], &d.join("none"));
    assert!(
        err.contains("utc.csv:2: timestamp: \"2025-02-02T16:12:52Z\" has a UTC offset"),
        "{err}"
    );
    assert!(
        err.contains("hint: set sim.time_zone in the scenario"),
        "{err}"
    );
    // The fitted scenario keeps its zone: validate reads the UTC log with it.
    let out = d.join("validate");
    run_ok(
        &[
            "validate",
            shanghai.join("fitted.toml").to_str().unwrap(),
            "--log",
            &utc,
            "--reps",
            "2",
            "-q",
        ],
        &out,
    );
    let v = read_json(&out.join("validation.json"));
    assert_eq!(v["log"]["start"], "2025-02-03T00:00:00", "{v}");
}

#[test]
fn unknown_zones_are_refused_at_the_flag_or_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let err = run_err(
        &["fit", "data/history.csv", "--time-zone", "Europe/Londn"],
        &dir.path().join("a"),
    );
    assert!(
        err.contains(
            "error: --time-zone: \"Europe/Londn\" is not a time zone: expected an IANA time zone name\n  hint: did you mean Europe/London?"
        ),
        "{err}"
    );
    let err = run_err(
        &[
            "run",
            "scenarios/general_hospital.toml",
            "--set",
            "sim.time_zone=\"CEST\"",
        ],
        &dir.path().join("b"),
    );
    assert!(
        err.contains("sim.time_zone: \"CEST\" is not a time zone"),
        "{err}"
    );
    assert!(
        err.contains("hint: an abbreviation such as CEST is not a zone"),
        "{err}"
    );
    assert!(err.contains("Europe/London, Asia/Shanghai"), "{err}");
    let err = run_err(
        &[
            "forecast",
            "data/ed_arrivals_daily.csv",
            "--time-zone",
            "Shanghai",
        ],
        &dir.path().join("c"),
    );
    assert!(err.contains("did you mean Asia/Shanghai?"), "{err}");
}

#[test]
fn a_utc_snapshot_projects_from_the_zone_s_wall_clock() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The census is of February: London is on GMT, so UTC is its wall clock.
    let snap = write(
        d,
        "census.csv",
        &rewrite("data/census.csv", &["arrived_at", "admitted_at"], |t| {
            as_utc(t, 0)
        }),
    );
    let args = |s: &str| {
        [
            "project",
            "scenarios/general_hospital.toml",
            "--snapshot",
            s,
            "--hours",
            "24",
            "--reps",
            "50",
            "-q",
        ]
        .map(String::from)
        .to_vec()
    };
    let local = d.join("local");
    let a: Vec<String> = args("data/census.csv");
    run_ok(&a.iter().map(String::as_str).collect::<Vec<_>>(), &local);
    let london = d.join("london");
    let mut b = args(&snap);
    b.extend(["--time-zone".into(), "Europe/London".into()]);
    run_ok(&b.iter().map(String::as_str).collect::<Vec<_>>(), &london);
    assert_eq!(
        read(&local.join("projection.csv")),
        read(&london.join("projection.csv"))
    );
    // In Shanghai the same instants are eight hours later on the clock.
    let shanghai = d.join("shanghai");
    let mut c = args(&snap);
    c.extend(["--set".into(), "sim.time_zone=\"Asia/Shanghai\"".into()]);
    run_ok(&c.iter().map(String::as_str).collect::<Vec<_>>(), &shanghai);
    let p = read_json(&shanghai.join("projection.json"));
    assert_eq!(p["at"], "2025-02-10T07:50:00", "{p}");
    // --at with an offset: 04:00 UTC is noon in Shanghai.
    let noon = d.join("noon");
    let mut e = args(&snap);
    e.extend(["--time-zone", "Asia/Shanghai", "--at", "2025-02-10T04:00Z"].map(String::from));
    run_ok(&e.iter().map(String::as_str).collect::<Vec<_>>(), &noon);
    assert_eq!(
        read_json(&noon.join("projection.json"))["at"],
        "2025-02-10T12:00:00"
    );
    let err = run_err(
        &[
            "project",
            "scenarios/general_hospital.toml",
            "--snapshot",
            "data/census.csv",
            "--at",
            "2025-02-10T12:00+01:00",
        ],
        &d.join("no_zone"),
    );
    assert!(
        err.contains("--at: \"2025-02-10T12:00+01:00\" has a UTC offset"),
        "{err}"
    );
}

#[test]
fn a_series_with_offsets_forecasts_as_the_local_series() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Daily counts stamped at local midnight in India (UTC+05:30, no DST).
    let offset = write(
        d,
        "ed.csv",
        &rewrite("data/ed_arrivals_daily.csv", &["ds"], |t| {
            format!("{t}T00:00+05:30")
        }),
    );
    let args = ["--model", "snaive", "--horizon", "7", "-q", "--no-report"];
    let local = d.join("local");
    run_ok(
        &[&["forecast", "data/ed_arrivals_daily.csv"][..], &args].concat(),
        &local,
    );
    let kolkata = d.join("kolkata");
    run_ok(
        &[
            &["forecast", &offset, "--time-zone", "Asia/Kolkata"][..],
            &args,
        ]
        .concat(),
        &kolkata,
    );
    // The same forecasts; the timestamps keep the input's time of day.
    assert_eq!(
        read(&local.join("forecasts.csv")),
        read(&kolkata.join("forecasts.csv")).replace(" 00:00:00", "")
    );
    // In UTC the same instants are at 18:30 the day before.
    let utc = d.join("utc");
    run_ok(
        &[&["forecast", &offset, "--time-zone", "UTC"][..], &args].concat(),
        &utc,
    );
    let f = read(&utc.join("forecasts.csv"));
    assert!(f.lines().nth(1).unwrap().contains(" 18:30:00"), "{f}");
    let err = run_err(
        &[&["forecast", &offset][..], &args].concat(),
        &d.join("none"),
    );
    assert!(
        err.contains("ed.csv:2: ds: \"2024-01-01T00:00+05:30\" has a UTC offset"),
        "{err}"
    );
}

/// data/history.csv moved seven weeks on (the same weekdays), to the week of
/// London's spring change (2025-03-30, 01:00 GMT becomes 02:00 BST), as
/// London wall-clock time and as the same instants in UTC. Visits with an
/// event in the hour the clocks skip are left out: no instant shows it.
fn history_in_march() -> (String, String) {
    let london = hospsim_sim::timestamp::time_zone("Europe/London").unwrap();
    let text = std::fs::read_to_string(repo("data/history.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let moved = |t: &str| t.parse::<DateTime>().unwrap() + SignedDuration::from_hours(49 * 24);
    let gap_start: DateTime = "2025-03-30T01:00".parse().unwrap();
    let gap_end: DateTime = "2025-03-30T02:00".parse().unwrap();
    let rows: Vec<(&str, &str, DateTime)> = lines
        .map(|l| {
            let (head, t) = l.rsplit_once(',').unwrap();
            (l.split(',').next().unwrap(), head, moved(t))
        })
        .collect();
    let in_gap: std::collections::HashSet<&str> = rows
        .iter()
        .filter(|r| (gap_start..gap_end).contains(&r.2))
        .map(|r| r.0)
        .collect();
    assert!(!in_gap.is_empty(), "the week should cross the skipped hour");
    let (mut local, mut utc) = (format!("{header}\n"), format!("{header}\n"));
    let mut summer = 0;
    for (_, head, t) in rows.iter().filter(|r| !in_gap.contains(r.0)) {
        let instant = london.to_timestamp(*t).unwrap();
        summer += usize::from(*t >= gap_end);
        local.push_str(&format!("{head},{t}\n"));
        utc.push_str(&format!("{head},{instant}\n"));
    }
    assert!(
        summer > 1000,
        "a day of the week is on summer time: {summer}"
    );
    (local, utc)
}

#[test]
fn a_utc_log_across_the_spring_change_fits_as_london_s_wall_clock() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (local, utc) = history_in_march();
    let local_log = write(d, "local.csv", &local);
    let utc_log = write(d, "utc.csv", &utc);
    // The evening of the 30th is on summer time: 23:00 BST is 22:00 UTC.
    assert!(local.contains(",2025-03-30T23:") && !utc.contains(",2025-03-30T23:"));
    let name = ["--name", "h", "-q"];
    let a = d.join("local");
    run_ok(&[&["fit", &local_log][..], &name].concat(), &a);
    let b = d.join("london");
    run_ok(
        &[
            &["fit", &utc_log, "--time-zone", "Europe/London"][..],
            &name,
        ]
        .concat(),
        &b,
    );
    // The hour-of-week profile, the daily counts, durations and routing are
    // those of the wall-clock log: summer instants sit an hour later on the
    // clock than in UTC, winter ones where UTC puts them.
    for f in ["fit_report.csv", "arrivals_daily.csv"] {
        assert_eq!(read(&a.join(f)), read(&b.join(f)), "{f}");
    }
    let fitted = read(&b.join("fitted.toml"));
    assert_eq!(
        fitted.replace("time_zone = \"Europe/London\"\n", ""),
        read(&a.join("fitted.toml"))
    );
    // Read as UTC's own clock, the summer days' profile is an hour early.
    let c = d.join("utc");
    run_ok(
        &[&["fit", &utc_log, "--time-zone", "UTC"][..], &name].concat(),
        &c,
    );
    assert_ne!(
        read(&a.join("fit_report.csv")),
        read(&c.join("fit_report.csv"))
    );
}

#[test]
fn time_zone_flag_is_kept_in_the_resolved_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let quick = [
        "--reps",
        "2",
        "--set",
        "sim.horizon=\"10 d\"",
        "--set",
        "sim.warmup=\"1 d\"",
        "--no-report",
        "-q",
    ];
    let plain = d.join("plain");
    run_ok(&[&["demo"][..], &quick].concat(), &plain);
    // 16:00 UTC is midnight in Shanghai: the demo's own start, 2025-01-06T00:00.
    let zoned = d.join("zoned");
    run_ok(
        &[
            &["demo", "--time-zone", "asia/shanghai"][..],
            &["--set", "sim.start=\"2025-01-05T16:00Z\""],
            &quick,
        ]
        .concat(),
        &zoned,
    );
    for f in ["replications.csv", "timeseries.csv"] {
        assert_eq!(read(&plain.join(f)), read(&zoned.join(f)), "{f}");
    }
    // The resolved scenario has the zone under its database name, so the
    // TOML alone repeats the run.
    let run = read_json(&zoned.join("run.json"));
    let resolved = run["scenarios"][0]["resolved_toml"].as_str().unwrap();
    let parsed: toml::Value = toml::from_str(resolved).unwrap();
    assert_eq!(parsed["sim"]["time_zone"].as_str(), Some("Asia/Shanghai"));
    assert_eq!(parsed["sim"]["start"].as_str(), Some("2025-01-05T16:00Z"));
    let again = write(d, "resolved.toml", resolved);
    let out = d.join("again");
    run_ok(&["run", &again, "--no-report", "-q"], &out);
    for f in ["replications.csv", "timeseries.csv"] {
        assert_eq!(read(&zoned.join(f)), read(&out.join(f)), "{f}");
    }
    // Without the zone, the same start is refused at its field.
    let err = run_err(
        &[
            &["demo", "--set", "sim.start=\"2025-01-05T16:00Z\""][..],
            &quick,
        ]
        .concat(),
        &d.join("none"),
    );
    assert!(
        err.contains("sim.start: \"2025-01-05T16:00Z\" has a UTC offset"),
        "{err}"
    );
}

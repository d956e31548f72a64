//! `hospsim fit`: a scenario learned from a log, its fit report (CSV, JSON,
//! HTML, terminal) and the log's daily arrivals for `forecast`.

use super::{
    Known, ReadLog, ReadOptions, human_minutes, read_log, reject_preview, rejects_csv, time,
    truncate,
};
use crate::table::{self, header};
use crate::{load, output};
use anyhow::{Result, anyhow};
use hospsim_formats::write::{CsvWriter, Field};
use hospsim_history::derive::{DeriveOptions, FitReport, derive};
use hospsim_history::distfit::Fitted;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// `hospsim fit`: a scenario learned from a log, and its fit report.
pub(crate) fn fit(
    log: &Path,
    out: &Option<PathBuf>,
    name: Option<String>,
    min_share: f64,
    headroom: f64,
    opts: ReadOptions,
    quiet: bool,
) -> Result<()> {
    if !(0.0..=10.0).contains(&headroom) {
        return Err(anyhow!(
            "--headroom must be a share between 0 and 10, got {headroom}"
        ));
    }
    if !(0.0..1.0).contains(&min_share) {
        return Err(anyhow!(
            "--min-share must be a share from 0 up to (not including) 1, got {min_share}\n  hint: 0.02 leaves out milestones seen in fewer than 2% of a unit's stays"
        ));
    }
    let zone = opts
        .time_zone
        .as_ref()
        .map(|z| hospsim_sim::timestamp::zone_name(z).to_string());
    let read = read_log(log, &Known::default(), opts)?;
    if read.visits.days() < 1.0 {
        return Err(anyhow!(
            "{}: the log covers {:.1} hours; fit needs at least a day to learn arrival rates from\n  hint: give a longer extract (weeks, to see the weekly pattern)",
            log.display(),
            read.visits.days() * 24.0
        ));
    }
    let mut dir = crate::output_dir(out, "fitted")?;
    let name = name.unwrap_or_else(|| {
        format!(
            "Fitted from {}",
            log.file_name()
                .map_or("log".into(), |n| n.to_string_lossy().to_string())
        )
    });
    let opt = DeriveOptions {
        name,
        start: time::format_minutes(read.origin)[..16].to_string(),
        time_zone: zone,
        replications: 20,
        min_share,
        headroom,
    };
    let (text, report) = derive(&read.visits, &opt);
    // The learned scenario must load: a failure here is a bug, said as such.
    load::load_text("fitted.toml", &text, &[]).map_err(|e| {
        anyhow!("the fitted scenario does not compile (a hospsim bug, please report it): {e:#}")
    })?;
    dir.write("fitted.toml", text.as_bytes())?;
    dir.write("fit_report.csv", &fit_report_csv(&report)?)?;
    dir.write("fit.json", &output::json_bytes(&fit_json(&report, &read))?)?;
    if !read.rejects.is_empty() {
        dir.write("rejects.csv", &rejects_csv(&read)?)?;
    }
    dir.write("arrivals_daily.csv", &arrivals_daily_csv(&read)?)?;
    dir.write("report.html", fit_page(&report, &read)?.as_bytes())?;
    let written = dir.commit(&crate::staging::Provenance::new(&[]).input("log", log)?)?;
    let text = fit_table(&report, &read);
    output::announce(quiet, &text, &written)
}

/// The fit report's 19 columns; rows that fill fewer are padded with empty fields.
const FIT_REPORT_COLUMNS: [&str; 19] = [
    "kind",
    "what",
    "n",
    "value",
    "se",
    "used",
    "family",
    "param1",
    "param2",
    "fitted_mean",
    "fitted_sd",
    "sample_mean",
    "sample_sd",
    "aic",
    "ks",
    "aic_exponential",
    "aic_gamma",
    "aic_lognormal",
    "aic_weibull",
];

/// Arrivals per class and whole day of the log, as a series for `hospsim
/// forecast` (`unique_id, ds, y`); its forecasts feed `project --arrivals`.
fn arrivals_daily_csv(read: &ReadLog) -> std::io::Result<Vec<u8>> {
    let v = &read.visits;
    let days = (v.to / 1440.0).floor().max(0.0) as usize;
    let mut counts = vec![vec![0u64; days]; v.classes.len()];
    for visit in &v.visits {
        let d = (visit.arrival() / 1440.0).floor();
        if d >= 0.0 && (d as usize) < days {
            counts[visit.class as usize][d as usize] += 1;
        }
    }
    let mut w = CsvWriter::in_memory();
    w.row(["unique_id", "ds", "y"])?;
    for (c, row) in counts.iter().enumerate() {
        if row.iter().sum::<u64>() == 0 {
            continue;
        }
        for (d, n) in row.iter().enumerate() {
            let day = time::format_minutes(read.origin + d as f64 * 1440.0);
            w.record(&[&v.classes[c], &&day[..10], n])?;
        }
    }
    w.into_bytes()
}

fn fit_report_csv(r: &FitReport) -> std::io::Result<Vec<u8>> {
    let mut w = CsvWriter::in_memory();
    w.row(FIT_REPORT_COLUMNS)?;
    let mut row = |cells: &[&dyn Field]| {
        let pad = [&"" as &dyn Field; FIT_REPORT_COLUMNS.len()];
        let fill = FIT_REPORT_COLUMNS.len().saturating_sub(cells.len());
        let all: Vec<&dyn Field> = cells
            .iter()
            .copied()
            .chain(pad[..fill].iter().copied())
            .collect();
        w.record(&all)
    };
    let none = None::<f64>;
    for a in &r.arrivals {
        row(&[
            &"arrivals_per_day",
            &a.class,
            &a.n,
            &a.per_day,
            &a.per_day_se,
        ])?;
        for (h, (rate, se)) in a.rates_per_hour.iter().zip(&a.rates_se).enumerate() {
            let what = format!("{} h{h:03}", a.class);
            row(&[&"arrivals_per_hour", &what, &"", rate, se])?;
        }
        for (k, p) in a.acuity.iter().enumerate() {
            let what = format!("{} acuity {}", a.class, k + 1);
            row(&[&"acuity_share", &what, &"", p])?;
        }
    }
    for rt in &r.routes {
        let what = format!("{} -> {}", rt.from, rt.to);
        row(&[&"routing", &what, &rt.n, &rt.p, &rt.se])?;
    }
    for (u, c) in &r.capacity {
        row(&[&"capacity", u, &"", c])?;
    }
    for d in &r.durations {
        let best = d.fits.first();
        let aic = |name: &str| {
            d.fits
                .iter()
                .find(|f| f.family.name() == name)
                .map(|f| f.aic)
        };
        let of_best = |get: fn(&Fitted) -> f64| best.map(get);
        row(&[
            &"duration",
            &d.what,
            &d.n,
            &none,
            &none,
            &d.used(),
            &best.map_or("", |f| f.family.name()),
            &of_best(|f| f.params.0),
            &of_best(|f| f.params.1),
            &of_best(|f| f.mean()),
            &of_best(|f| f.sd()),
            &d.sample_mean,
            &d.sample_sd,
            &of_best(|f| f.aic),
            &of_best(|f| f.ks),
            &aic("exponential"),
            &aic("gamma"),
            &aic("lognormal"),
            &aic("weibull"),
        ])?;
    }
    w.into_bytes()
}

fn fit_json(r: &FitReport, read: &ReadLog) -> serde_json::Value {
    serde_json::json!({
        "schema_version": 1,
        "log": { "format": read.format, "rows": read.rows, "rejected": read.rejects.len(),
                 "visits": r.visits, "events": r.events, "days": r.days,
                 "start": time::format_minutes(read.origin) },
        "arrivals": r.arrivals.iter().map(|a| serde_json::json!({
            "class": a.class, "n": a.n, "per_day": a.per_day, "per_day_se": a.per_day_se,
            "rates_per_hour": a.rates_per_hour, "rates_se": a.rates_se, "acuity": a.acuity })).collect::<Vec<_>>(),
        "routing": r.routes.iter().map(|x| serde_json::json!({
            "from": x.from, "to": x.to, "n": x.n, "of": x.of, "p": x.p, "se": x.se })).collect::<Vec<_>>(),
        "capacity": r.capacity.iter().map(|(u, c)| serde_json::json!({ "unit": u, "peak_census": c })).collect::<Vec<_>>(),
        "censoring": r.censoring.iter().map(|c| serde_json::json!({
            "unit": c.unit, "completed": c.completed, "censored": c.censored,
            "mean_completed_min": c.mean_completed, "mean_kaplan_meier_min": c.mean_km,
            "log_short_for_unit": c.biased() })).collect::<Vec<_>>(),
        "durations": r.durations.iter().map(|d| serde_json::json!({
            "what": d.what, "n": d.n, "sample_mean_min": d.sample_mean, "sample_sd_min": d.sample_sd,
            "fits": d.fits.iter().map(|f| serde_json::json!({
                "family": f.family.name(), "params": [f.params.0, f.params.1],
                "mean_min": f.mean(), "sd_min": f.sd(), "loglik": f.loglik, "aic": f.aic, "ks": f.ks })).collect::<Vec<_>>()
        })).collect::<Vec<_>>(),
    })
}

fn fit_page(r: &FitReport, read: &ReadLog) -> Result<String> {
    use hospsim_reports::pages::{HistoryView, HourlySeries, TableSection, history_page};
    let strs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let arrivals = r
        .arrivals
        .iter()
        .map(|a| {
            vec![
                a.class.clone(),
                a.n.to_string(),
                format!("{:.2}", a.per_day),
                format!(
                    "[{:.2}, {:.2}]",
                    a.per_day - 1.96 * a.per_day_se,
                    a.per_day + 1.96 * a.per_day_se
                ),
                a.acuity
                    .iter()
                    .map(|p| format!("{:.0}%", 100.0 * p))
                    .collect::<Vec<_>>()
                    .join(" / "),
            ]
        })
        .collect();
    let durations = r
        .durations
        .iter()
        .map(|d| {
            let aic = |name: &str| {
                d.fits
                    .iter()
                    .find(|f| f.family.name() == name)
                    .map_or("-".into(), |f| format!("{:.0}", f.aic))
            };
            vec![
                d.what.clone(),
                d.n.to_string(),
                d.used().to_string(),
                human_minutes(d.sample_mean),
                human_minutes(d.fits.first().map_or(d.sample_mean, |f| f.mean())),
                d.fits
                    .first()
                    .map_or("-".into(), |f| format!("{:.3}", f.ks)),
                aic("exponential"),
                aic("gamma"),
                aic("lognormal"),
                aic("weibull"),
            ]
        })
        .collect();
    let routes = r
        .routes
        .iter()
        .map(|x| {
            vec![
                x.from.clone(),
                x.to.clone(),
                x.n.to_string(),
                format!("{:.1}%", 100.0 * x.p),
                format!("{:.1}%", 196.0 * x.se),
            ]
        })
        .collect();
    let charts = r
        .arrivals
        .iter()
        .filter(|a| a.n > 0)
        .map(|a| HourlySeries {
            caption: format!("{}: arrivals per hour of the week", a.class),
            x: (0..168).map(|h| h as f64).collect(),
            mean: a.rates_per_hour.clone(),
            lo: a
                .rates_per_hour
                .iter()
                .zip(&a.rates_se)
                .map(|(r, s)| (r - 1.96 * s).max(0.0))
                .collect(),
            hi: a
                .rates_per_hour
                .iter()
                .zip(&a.rates_se)
                .map(|(r, s)| r + 1.96 * s)
                .collect(),
            second: None,
            reference: None,
            x_label: "hour of the week (0 = Monday 00:00)".into(),
            y_label: "arrivals per hour".into(),
        })
        .collect();
    let view = HistoryView {
        title: "Scenario learned from a log".into(),
        subtitle: vec![format!(
            "{} ({}): {} rows, {} visits over {:.1} days from {}; {} rows rejected",
            read.format, "fitted.toml", read.rows, r.visits, r.days, &time::format_minutes(read.origin)[..16], read.rejects.len()
        )],
        tiles: vec![],
        tables: vec![
            TableSection { id: "arrivals".into(), heading: "Arrivals".into(), note: "Mean per day with its 95% interval (Poisson counts); acuity shares 1-5.".into(), head: strs(&["class", "visits", "per day", "95% CI", "acuity 1-5"]), rows: arrivals },
            TableSection { id: "durations".into(), heading: "Fitted durations".into(), note: "Each sample is fitted by maximum likelihood with four families; the lowest AIC wins, and is used unless its KS statistic says it misses the sample (then the scenario gets the sample's quantiles: 'empirical').".into(), head: strs(&["what", "n", "used", "sample mean", "fitted mean", "KS", "AIC exp", "AIC gamma", "AIC lognormal", "AIC Weibull"]), rows: durations },
            TableSection { id: "censoring".into(), heading: "Lengths of stay and the log's end".into(), note: "Stays still running when the log ended would shorten long stays in a short log: the Kaplan-Meier mean counts them. The fit weights each completed stay by the inverse chance that a stay that long was seen to its end (capped at 20); where the Kaplan-Meier mean is more than 5% above the completed mean, the log is short for the unit and stays longer than the log cannot be learned.".into(), head: strs(&["unit", "completed", "still running", "mean of completed", "Kaplan-Meier mean", "log short for the unit"]), rows: r.censoring.iter().map(|c| vec![c.unit.clone(), c.completed.to_string(), c.censored.to_string(), human_minutes(c.mean_completed), human_minutes(c.mean_km), if c.biased() { "yes".into() } else { "no".into() }]).collect() },
            TableSection { id: "routing".into(), heading: "Routing between units".into(), note: "Share of completed stays leaving each unit for the next unit or the exit; ± is the 95% margin.".into(), head: strs(&["from", "to", "stays", "share", "±"]), rows: routes },
        ],
        charts_heading: "Arrival profiles".into(),
        charts_note: "Mean arrivals per hour of the week with a 95% band.".into(),
        charts,
        files: strs(&["fitted.toml", "fit_report.csv", "fit.json", "arrivals_daily.csv"]),
    };
    Ok(history_page(&view)?)
}

fn fit_table(r: &FitReport, read: &ReadLog) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Fitted ({}): {} rows, {} visits over {:.1} days from {}{}",
        read.format,
        read.rows,
        r.visits,
        r.days,
        time::format_minutes(read.origin),
        if read.rejects.is_empty() {
            String::new()
        } else {
            format!("; {} rows rejected (rejects.csv)", read.rejects.len())
        }
    );
    reject_preview(&mut s, read);
    let mut rows = vec![header(&["class", "per day", "95% CI"])];
    for a in &r.arrivals {
        rows.push(vec![
            a.class.clone(),
            format!("{:.2}", a.per_day),
            format!(
                "[{:.2}, {:.2}]",
                a.per_day - 1.96 * a.per_day_se,
                a.per_day + 1.96 * a.per_day_se
            ),
        ]);
    }
    s.push('\n');
    s.push_str(&table::render(&rows));
    let mut rows = vec![header(&["duration", "n", "used", "mean", "sd", "KS"])];
    for d in &r.durations {
        let f = d.fits.first();
        rows.push(vec![
            truncate(&d.what, 60),
            d.n.to_string(),
            d.used().to_string(),
            human_minutes(f.map_or(d.sample_mean, |f| f.mean())),
            human_minutes(f.map_or(d.sample_sd, |f| f.sd())),
            f.map_or(String::new(), |f| format!("{:.3}", f.ks)),
        ]);
    }
    s.push('\n');
    s.push_str(&table::render(&rows));
    let biased: Vec<_> = r.censoring.iter().filter(|c| c.biased()).collect();
    if !biased.is_empty() {
        let _ = writeln!(s);
        for c in biased {
            let _ = writeln!(
                s,
                "  warning: {}: {} of {} stays were still running when the log ended (completed stays average {}, Kaplan-Meier {}); the fit weights stays for this, but cannot see stays longer than the log ({})\n    hint: fit a longer log (ten times the longest usual stay) for long-stay units",
                c.unit,
                c.censored,
                c.completed + c.censored,
                human_minutes(c.mean_completed),
                human_minutes(c.mean_km),
                human_minutes(read.visits.to - read.visits.from)
            );
        }
    }
    let mut rows = vec![header(&["routing", "share", "n"])];
    for x in &r.routes {
        rows.push(vec![
            truncate(&format!("{} -> {}", x.from, x.to), 60),
            format!("{:.1}%", 100.0 * x.p),
            x.n.to_string(),
        ]);
    }
    s.push('\n');
    s.push_str(&table::render(&rows));
    s
}

//! Every CSV hospsim writes reads back as written when names hold commas,
//! quotes and Chinese text: one field per column, the same count on every row.

use super::{read_json, run_ok};
use std::path::Path;

const CLASS: &str = "walk in, \"adult\" 门诊";
const BAY: &str = "bay, \"A\"";
const NAME: &str = "Ward 4, \"East\"";

fn scenario(dir: &Path, name: &str) -> std::path::PathBuf {
    let toml_str = |s: &str| toml::Value::String(s.into()).to_string();
    let text = format!(
        r#"name = {name}
[sim]
horizon = "6 d"
warmup = "1 d"
replications = 3
seed = 3
[resources.{bay}]
capacity = 3
[arrivals.{class}]
pathway = "visit"
per_day = 40
[pathways.visit]
steps = [
  {{ seize = [{bay}], mark = "served" }},
  {{ activity = "service", duration = {{ exponential = {{ mean = "1 h" }} }} }},
  {{ release = {bay} }},
  {{ exit = "discharged" }},
]
[history]
arrival_unit = {{ {class} = {bay} }}
[history.units.{bay}]
kind = "ed"
resources = [{bay}]
"#,
        name = toml_str(name),
        bay = toml_str(BAY),
        class = toml_str(CLASS),
    );
    let path = dir.join(format!("{}.toml", name.len()));
    std::fs::write(&path, text).unwrap();
    path
}

/// The records of a CSV file, after checking every row has the header's width.
fn records(path: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let width = r.headers().unwrap().len();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(
            row.len(),
            width,
            "{}: row {} has {} fields",
            path.display(),
            i + 2,
            row.len()
        );
    }
    assert!(!rows.is_empty(), "{} has no rows", path.display());
    rows
}

/// One column of a CSV file, by header name, after the width check.
fn column(path: &Path, name: &str) -> Vec<String> {
    let rows = records(path);
    let mut r = csv::Reader::from_path(path).unwrap();
    let k = r.headers().unwrap().iter().position(|h| h == name).unwrap();
    rows.iter().map(|row| row[k].to_string()).collect()
}

#[test]
fn names_with_commas_and_quotes_stay_one_field_in_every_csv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario(d, NAME);
    let s2 = scenario(d, "other, \"variant\"");
    let s = s.to_str().unwrap();

    let run = d.join("run");
    run_ok(&["run", s, "--trace", "-q"], &run);
    let p = run.join("patients.csv");
    assert!(column(&p, "class").iter().all(|c| c == CLASS));
    let t = run.join("timeseries.csv");
    assert!(column(&t, "resource").iter().any(|c| c == BAY));
    records(&run.join("replications.csv"));

    let cmp = d.join("compare");
    run_ok(&["compare", s, s2.to_str().unwrap(), "-q"], &cmp);
    let c = cmp.join("comparison.csv");
    let scen = column(&c, "scenario").join("|");
    assert!(
        scen.contains(NAME) && scen.contains("other, \"variant\""),
        "{scen}"
    );

    let sweep = d.join("sweep");
    run_ok(
        &[
            "sweep",
            s,
            "--param",
            &format!("resources.\"{}\".capacity=3,4", BAY.replace('"', "\\\"")),
            "-q",
        ],
        &sweep,
    );
    records(&sweep.join("sweep.csv"));

    let log = d.join("log.csv");
    let census = d.join("census.csv");
    super::hospsim()
        .args(["generate-history", s, "--days", "21", "-q", "--out"])
        .arg(&log)
        .arg("--census")
        .arg(&census)
        .assert()
        .success();
    assert!(column(&log, "class").iter().all(|c| c == CLASS));
    assert!(column(&log, "unit").iter().any(|c| c == BAY));

    let fit = d.join("fit");
    run_ok(&["fit", log.to_str().unwrap(), "-q"], &fit);
    let f = fit.join("fit_report.csv");
    let what = column(&f, "what");
    assert!(what.contains(&format!("{CLASS} h000")), "{what:?}");
    assert!(read_json(&fit.join("fit.json"))["arrivals"][0]["class"] == CLASS);
    let daily = fit.join("arrivals_daily.csv");
    assert!(column(&daily, "unique_id").iter().all(|c| c == CLASS));

    let fc = d.join("forecast");
    run_ok(
        &[
            "forecast",
            daily.to_str().unwrap(),
            "--horizon",
            "3",
            "--model",
            "snaive",
            "-q",
        ],
        &fc,
    );
    let f = fc.join("forecasts.csv");
    assert!(column(&f, "unique_id").iter().all(|c| c == CLASS));
    records(&fc.join("models.csv"));
}

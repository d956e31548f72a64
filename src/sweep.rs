//! `hospsim sweep`: a grid of parameter values, each point run on the same seeds.

use crate::output::csv_num;
use crate::{CompareArgs, load, output_dir, run_replications, thread_count};
use anyhow::{Result, anyhow};
use hospsim_sim::results::{Est, Summary};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// Most values one parameter of a sweep may take.
const MAX_VALUES: usize = 1000;
/// Most points of a sweep's grid.
const MAX_POINTS: usize = 10_000;

/// One `--param path=values`: the path and its values as TOML literals.
#[derive(Clone, Debug)]
struct Param {
    path: String,
    values: Vec<String>,
}

/// Parses `path=10..20`, `path=10..20:2` (integers, inclusive) or `path=a,b,c`.
fn parse_param(raw: &str) -> Result<Param> {
    let (path, spec) = raw
        .split_once('=')
        .ok_or_else(|| anyhow!("--param {raw}: expected path=values\n  hint: --param resources.icu_bed.capacity=10..20 or --param rosters.ed_doctors.scale=0.8,1.0,1.2"))?;
    let spec = spec.trim();
    let values: Vec<String> = if let Some((a, rest)) = spec.split_once("..") {
        let (b, step) = match rest.split_once(':') {
            Some((b, s)) => (b, s),
            None => (rest, "1"),
        };
        let parse = |s: &str| {
            s.trim().parse::<i64>().map_err(|_| anyhow!("--param {raw}: \"{s}\" is not a whole number (ranges a..b[:step] are of whole numbers; list decimals with commas)"))
        };
        let (a, b, step) = (parse(a)?, parse(b)?, parse(step)?);
        if step <= 0 || b < a {
            return Err(anyhow!(
                "--param {raw}: the range {a}..{b} with step {step} is empty"
            ));
        }
        // Counted before anything is built: a..b is a size the user controls.
        let count = (b as i128 - a as i128) / step as i128 + 1;
        if count > MAX_VALUES as i128 {
            return Err(anyhow!(
                "--param {raw}: {count} values is more than the {MAX_VALUES} a parameter may have\n  hint: widen the step, e.g. {a}..{b}:{}",
                ((b as i128 - a as i128) / (MAX_VALUES as i128 - 1)).max(1)
            ));
        }
        (0..count as i64)
            .map(|k| (a + k * step).to_string())
            .collect()
    } else {
        spec.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    if values.is_empty() {
        return Err(anyhow!("--param {raw}: no values"));
    }
    if values.len() > MAX_VALUES {
        return Err(anyhow!(
            "--param {raw}: {} values is more than the {MAX_VALUES} a parameter may have",
            values.len()
        ));
    }
    Ok(Param {
        path: path.trim().to_string(),
        values,
    })
}

/// A target such as `door_to_doctor.p90 <= 60 min`.
#[derive(Clone, Debug)]
struct Target {
    kpi: String,
    stat: String,
    op: String,
    value: f64,
    unit: Option<String>,
    text: String,
}

fn parse_target(raw: &str) -> Result<Target> {
    let hint = "\n  hint: e.g. --target \"door_to_doctor.p90 <= 60 min\", \"lwbs_rate < 0.05\", \"time_in_ed.share_within >= 0.95\"";
    let ops = ["<=", ">=", "<", ">"];
    let (op, pos) = ops
        .iter()
        .filter_map(|op| raw.find(op).map(|p| (*op, p)))
        .min_by_key(|(op, p)| (*p, std::cmp::Reverse(op.len())))
        .ok_or_else(|| anyhow!("--target {raw}: no comparison (<=, <, >=, >){hint}"))?;
    let lhs = raw[..pos].trim();
    let rhs = raw[pos + op.len()..].trim();
    let (kpi, stat) = match lhs.split_once('.') {
        Some((k, s)) => (k.to_string(), s.to_string()),
        None => (lhs.to_string(), "mean".to_string()),
    };
    let mut parts = rhs.split_whitespace();
    let number = parts
        .next()
        .ok_or_else(|| anyhow!("--target {raw}: no value{hint}"))?;
    let value: f64 = number
        .parse()
        .map_err(|_| anyhow!("--target {raw}: \"{number}\" is not a number{hint}"))?;
    let unit = parts.next().map(|u| u.to_string());
    Ok(Target {
        kpi,
        stat,
        op: op.to_string(),
        value,
        unit,
        text: raw.trim().to_string(),
    })
}

/// The estimate a target refers to, and the target value in the KPI's unit.
fn target_measure(t: &Target, s: &Summary) -> Result<(Est, f64)> {
    let k = s.kpis.iter().find(|k| k.name == t.kpi).ok_or_else(|| {
        let names: Vec<&str> = s.kpis.iter().map(|k| k.name.as_str()).collect();
        anyhow!(
            "--target {}: no KPI named \"{}\"\n  hint: KPIs: {}",
            t.text,
            t.kpi,
            names.join(", ")
        )
    })?;
    let est = match t.stat.as_str() {
        "mean" => k.est,
        "share_within" => k
            .target
            .as_ref()
            .and_then(|x| x.share_within)
            .ok_or_else(|| {
                anyhow!(
                    "--target {}: {} has no `within` target, so no share_within",
                    t.text,
                    t.kpi
                )
            })?,
        p if p.starts_with('p') => {
            let q: f64 = p[1..].parse().map_err(|_| {
                anyhow!(
                    "--target {}: unknown statistic \"{p}\" (mean, p50, p90, p95, share_within)",
                    t.text
                )
            })?;
            k.percentiles.iter().find(|x| (x.p - q).abs() < 1e-9).map(|x| x.est).ok_or_else(|| {
                anyhow!("--target {}: {} does not report P{q}\n  hint: add {q} to its `percentiles`", t.text, t.kpi)
            })?
        }
        other => {
            return Err(anyhow!(
                "--target {}: unknown statistic \"{other}\" (mean, p50, p90, p95, share_within)",
                t.text
            ));
        }
    };
    let value = match (&t.unit, k.kind) {
        (Some(u), "duration") => {
            let have = hospsim_sim::duration::unit_minutes(u)
                .ok_or_else(|| anyhow!("--target {}: unknown unit \"{u}\" (min, h, d)", t.text))?;
            let want = hospsim_sim::duration::unit_minutes(&k.unit).unwrap_or(1.0);
            if t.stat == "share_within" {
                t.value
            } else {
                t.value * have / want
            }
        }
        (Some(u), _) if u == "%" => t.value / 100.0,
        (Some(u), _) => {
            return Err(anyhow!(
                "--target {}: {} is a {}; give the value without a unit (or %)",
                t.text,
                t.kpi,
                k.unit.clone() + &format!(" ({u} given)")
            ));
        }
        (None, _) => t.value,
    };
    Ok((est, value))
}

fn meets(op: &str, x: f64, v: f64) -> bool {
    match op {
        "<=" => x <= v,
        "<" => x < v,
        ">=" => x >= v,
        _ => x > v,
    }
}

#[derive(Serialize)]
struct PointKpi {
    name: String,
    unit: String,
    #[serde(flatten)]
    est: Est,
}

#[derive(Serialize)]
struct Point {
    index: usize,
    params: Vec<(String, String)>,
    kpis: Vec<PointKpi>,
    utilisation: Vec<PointKpi>,
    target_value: Option<f64>,
    meets_target: Option<bool>,
    meets_target_with_95_confidence: Option<bool>,
}

#[derive(Serialize)]
struct Sweep {
    schema_version: u32,
    scenario: String,
    replications: u32,
    seed: u64,
    params: Vec<String>,
    target: Option<String>,
    cheapest_meeting_target: Option<usize>,
    points: Vec<Point>,
}

/// Runs every point of the grid and writes sweep.csv and sweep.json.
pub(crate) fn sweep(
    scenario: &Path,
    raw_params: &[String],
    raw_target: Option<&str>,
    args: &CompareArgs,
) -> Result<()> {
    if raw_params.is_empty() {
        return Err(anyhow!(
            "sweep needs at least one --param\n  hint: --param resources.icu_bed.capacity=10..20"
        ));
    }
    let params: Vec<Param> = raw_params
        .iter()
        .map(|p| parse_param(p))
        .collect::<Result<_>>()?;
    for (i, p) in params.iter().enumerate() {
        if params[..i].iter().any(|q| q.path == p.path) {
            return Err(anyhow!(
                "--param {}: given twice\n  hint: list all of a parameter's values in one --param, e.g. {}=10,12,14",
                p.path,
                p.path
            ));
        }
        if args
            .sets
            .iter()
            .any(|s| s.split('=').next().map(str::trim) == Some(p.path.as_str()))
        {
            return Err(anyhow!(
                "--param {0}: also given with --set {0}=...; a field is either fixed or swept",
                p.path
            ));
        }
    }
    let target = raw_target.map(parse_target).transpose()?;
    // The product is checked as it grows, so that it cannot overflow.
    let mut n_points: usize = 1;
    for p in &params {
        n_points = n_points.saturating_mul(p.values.len());
        if n_points > MAX_POINTS {
            return Err(anyhow!(
                "the grid has more than the {MAX_POINTS} points a sweep allows ({})\n  hint: sweep fewer values, or fewer parameters at once",
                params
                    .iter()
                    .map(|p| p.values.len().to_string())
                    .collect::<Vec<_>>()
                    .join(" x ")
            ));
        }
    }
    let threads = thread_count(args.threads)?;
    let lang = crate::report::parse_lang(&args.lang)?;
    if let Some(r) = args.reps {
        crate::check_reps(r)?;
    }
    // The base scenario, loaded once up front: its name names the results
    // folder, which is checked before the first point runs.
    let base = load::load_file(scenario, &args.sets)?;
    let mut out_dir = output_dir(&args.out, &format!("sweep {}", base.scenario.name))?;
    let plan = crate::run_plan(args.reps, args.seed)?;
    let base_model = crate::planned(&base.model, &plan)?;
    let mut prov = crate::staging::Provenance::new(&args.sets).scenario(&base, &base_model)?;
    // Hidden when stderr is not a terminal (indicatif's default), and with --quiet.
    let bar = if args.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::with_draw_target(
            Some(n_points as u64),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "sweep [{bar:30}] {pos}/{len} points ({elapsed}) {msg}",
        ) {
            b.set_style(style.progress_chars("=> "));
        }
        b
    };
    let mut points = vec![];
    let mut labels: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut header_name = String::new();
    let (mut reps, mut seed) = (0, 0);
    for index in 0..n_points {
        // Mixed-radix index -> one value per parameter; the last parameter varies fastest.
        let mut rem = index;
        let mut chosen = vec![String::new(); params.len()];
        for (j, p) in params.iter().enumerate().rev() {
            chosen[j] = p.values[rem % p.values.len()].clone();
            rem /= p.values.len();
        }
        let mut sets = args.sets.clone();
        sets.extend(
            params
                .iter()
                .zip(&chosen)
                .map(|(p, v)| format!("{}={v}", p.path)),
        );
        let l = load::load_file(scenario, &sets)?;
        let model = crate::planned(&l.model, &plan)?;
        (reps, seed) = (model.replications, model.seed);
        header_name = l.scenario.name.clone();
        let label: Vec<String> = params
            .iter()
            .zip(&chosen)
            .map(|(p, v)| format!("{}={v}", p.path))
            .collect();
        bar.set_message(label.join(" "));
        let (out, _) = run_replications(&model, threads, true)?;
        bar.inc(1);
        let (summary, _) = hospsim_sim::runner::summarize(&model, &out, threads);
        if labels.is_empty() {
            labels = summary
                .kpis
                .iter()
                .map(|k| (k.name.clone(), k.label.clone()))
                .collect();
        }
        let (target_value, meets_target, confident) = match &target {
            Some(t) => {
                let (est, v) = target_measure(t, &summary)?;
                let lo_or_hi = if t.op.starts_with('<') {
                    est.ci95[1]
                } else {
                    est.ci95[0]
                };
                (
                    Some(est.mean),
                    Some(meets(&t.op, est.mean, v)),
                    Some(lo_or_hi.is_finite() && meets(&t.op, lo_or_hi, v)),
                )
            }
            None => (None, None, None),
        };
        points.push(Point {
            index,
            params: params.iter().map(|p| p.path.clone()).zip(chosen).collect(),
            kpis: summary
                .kpis
                .iter()
                .map(|k| PointKpi {
                    name: k.name.clone(),
                    unit: k.unit.clone(),
                    est: k.est,
                })
                .collect(),
            utilisation: summary
                .resources
                .iter()
                .map(|r| PointKpi {
                    name: r.id.clone(),
                    unit: "share".into(),
                    est: r.utilisation,
                })
                .collect(),
            target_value,
            meets_target,
            meets_target_with_95_confidence: confident,
        });
    }
    bar.finish_and_clear();
    let cheapest = cheapest_point(&params, &points);
    let result = Sweep {
        schema_version: 1,
        scenario: header_name.clone(),
        replications: reps,
        seed,
        params: params.iter().map(|p| p.path.clone()).collect(),
        target: target.as_ref().map(|t| t.text.clone()),
        cheapest_meeting_target: cheapest,
        points,
    };
    let json = crate::output::json_bytes(&result)?;
    out_dir.write("sweep.json", &json)?;
    out_dir.write("sweep.csv", sweep_csv(&result).as_bytes())?;
    let view = hospsim_reports::SweepView {
        lang,
        scenario: result.scenario.clone(),
        params: result.params.clone(),
        points: result
            .points
            .iter()
            .map(|p| hospsim_reports::pages::SweepPoint {
                values: p.params.iter().map(|(_, v)| v.clone()).collect(),
                kpis: p
                    .kpis
                    .iter()
                    .map(|k| {
                        (
                            k.name.clone(),
                            labels
                                .get(&k.name)
                                .cloned()
                                .unwrap_or_else(|| k.name.clone()),
                            k.unit.clone(),
                            k.est,
                        )
                    })
                    .collect(),
                meets: p.meets_target,
            })
            .collect(),
        target: result.target.clone(),
        cheapest: result.cheapest_meeting_target,
        files: vec!["sweep.json".into(), "sweep.csv".into()],
        overrides: args.sets.clone(),
    };
    out_dir.write("report.html", view.render()?.as_bytes())?;
    prov = prov.run(seed, reps, threads);
    let written = out_dir.commit(&prov)?;
    crate::output::announce(args.quiet, &sweep_table(&result), &written)
}

/// The point meeting the target (with 95% confidence when any does, else on its
/// mean) whose parameters are smallest: each parameter's value scaled to [0, 1]
/// over its grid, summed; fewer beds or staff count as cheaper.
fn cheapest_point(params: &[Param], points: &[Point]) -> Option<usize> {
    let cost = |p: &Point| -> f64 {
        params
            .iter()
            .zip(&p.params)
            .map(|(par, (_, v))| {
                let nums: Vec<f64> = par.values.iter().filter_map(|x| x.parse().ok()).collect();
                let (lo, hi) = nums
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                        (a.min(*x), b.max(*x))
                    });
                match v.parse::<f64>() {
                    Ok(x) if hi > lo => (x - lo) / (hi - lo),
                    Ok(_) => 0.0,
                    Err(_) => {
                        par.values.iter().position(|y| y == v).unwrap_or(0) as f64
                            / par.values.len().max(1) as f64
                    }
                }
            })
            .sum()
    };
    let pick = |confident: bool| {
        points
            .iter()
            .filter(|p| {
                if confident {
                    p.meets_target_with_95_confidence == Some(true)
                } else {
                    p.meets_target == Some(true)
                }
            })
            .min_by(|a, b| cost(a).total_cmp(&cost(b)).then(a.index.cmp(&b.index)))
            .map(|p| p.index)
    };
    pick(true).or_else(|| pick(false))
}

fn sweep_csv(s: &Sweep) -> String {
    let mut out = String::from("point");
    for p in &s.params {
        let _ = write!(out, ",{p}");
    }
    if let Some(p) = s.points.first() {
        for k in &p.kpis {
            let _ = write!(out, ",{0},{0}_ci95_lo,{0}_ci95_hi", k.name);
        }
        for u in &p.utilisation {
            let _ = write!(out, ",util_{0},util_{0}_ci95_lo,util_{0}_ci95_hi", u.name);
        }
    }
    if s.target.is_some() {
        out.push_str(",target_value,meets_target,meets_target_with_95_confidence");
    }
    out.push('\n');
    for p in &s.points {
        let _ = write!(out, "{}", p.index);
        for (_, v) in &p.params {
            let _ = write!(out, ",{v}");
        }
        for k in p.kpis.iter().chain(&p.utilisation) {
            let _ = write!(
                out,
                ",{},{},{}",
                csv_num(k.est.mean),
                csv_num(k.est.ci95[0]),
                csv_num(k.est.ci95[1])
            );
        }
        if s.target.is_some() {
            let _ = write!(
                out,
                ",{},{},{}",
                csv_num(p.target_value.unwrap_or(f64::NAN)),
                p.meets_target.unwrap_or(false),
                p.meets_target_with_95_confidence.unwrap_or(false)
            );
        }
        out.push('\n');
    }
    out
}

fn sweep_table(s: &Sweep) -> String {
    let mut out = format!(
        "{}: {} point(s), {} replication(s) each, seed {}\n\n",
        s.scenario,
        s.points.len(),
        s.replications,
        s.seed
    );
    let mut header: Vec<String> = vec!["point".into()];
    header.extend(s.params.iter().cloned());
    let shown: Vec<&str> = s
        .points
        .first()
        .map(|p| p.kpis.iter().take(4).map(|k| k.name.as_str()).collect())
        .unwrap_or_default();
    header.extend(shown.iter().map(|k| k.to_string()));
    if let Some(t) = &s.target {
        header.push(format!("target: {t}"));
    }
    let mut rows = vec![header];
    for p in &s.points {
        let mut row = vec![p.index.to_string()];
        row.extend(p.params.iter().map(|(_, v)| v.clone()));
        for name in &shown {
            let k = p.kpis.iter().find(|k| k.name == *name);
            row.push(k.map(|k| format!("{:.3}", k.est.mean)).unwrap_or_default());
        }
        if s.target.is_some() {
            let mark = match (p.meets_target_with_95_confidence, p.meets_target) {
                (Some(true), _) => "met (95% CI)",
                (_, Some(true)) => "met (mean)",
                _ => "not met",
            };
            row.push(format!("{:.3} {mark}", p.target_value.unwrap_or(f64::NAN)));
        }
        rows.push(row);
    }
    out.push_str(&crate::table::render(&rows));
    if s.target.is_some() {
        match s.cheapest_meeting_target {
            Some(i) => {
                let p = &s.points[i];
                let desc: Vec<String> = p.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let _ = writeln!(
                    out,
                    "\n  cheapest point meeting the target: {} ({})",
                    i,
                    desc.join(" ")
                );
            }
            None => {
                let _ = writeln!(out, "\n  no point of the grid meets the target");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_and_targets_parse() {
        let p = parse_param("resources.icu_bed.capacity=10..14:2").unwrap();
        assert_eq!(p.values, vec!["10", "12", "14"]);
        let p = parse_param("rosters.ed_doctors.scale=0.8, 1.0,1.2").unwrap();
        assert_eq!(p.values.len(), 3);
        assert!(parse_param("x=5..1").is_err());
        assert!(parse_param("x").is_err());
        let t = parse_target("door_to_doctor.p90 <= 60 min").unwrap();
        assert_eq!(
            (t.kpi.as_str(), t.stat.as_str(), t.op.as_str(), t.value),
            ("door_to_doctor", "p90", "<=", 60.0)
        );
        assert_eq!(t.unit.as_deref(), Some("min"));
        let t = parse_target("lwbs_rate<0.05").unwrap();
        assert_eq!((t.stat.as_str(), t.op.as_str()), ("mean", "<"));
        assert!(parse_target("door_to_doctor 60").is_err());
    }
}

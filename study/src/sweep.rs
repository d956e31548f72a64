//! A grid of parameter values, each point run on the same seeds, marked
//! against a target, and the cheapest point that meets it.
//!
//! ```
//! use hospsim_study::sweep::{Grid, Param, Target};
//! let grid = Grid::new(
//!     vec![Param::parse("resources.bed.capacity=8..12:2").unwrap(), Param::parse("rosters.staff.scale=0.8,1.0").unwrap()],
//!     &[],
//! ).unwrap();
//! assert_eq!(grid.len(), 6);
//! assert_eq!(grid.point(5), vec![("resources.bed.capacity".to_string(), "12".to_string()), ("rosters.staff.scale".to_string(), "1.0".to_string())]);
//! let t = Target::parse("door_to_doctor.p90 <= 60 min").unwrap();
//! assert_eq!((t.kpi.as_str(), t.stat.as_str(), t.value), ("door_to_doctor", "p90", 60.0));
//! ```

use crate::{Options, StudyError};
use hospsim_sim::Model;
use hospsim_sim::plan::RunPlan;
use hospsim_sim::results::{Est, Summary};
use serde::Serialize;

/// Most values one parameter of a sweep may take.
pub const MAX_VALUES: usize = 1000;
/// Most points of a sweep's grid.
pub const MAX_POINTS: usize = 10_000;

/// One `--param path=values`: the path and its values as TOML literals.
#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    /// A field path, as `--set` takes it.
    pub path: String,
    /// Its values, each a TOML literal.
    pub values: Vec<String>,
}

type Result<T, E = StudyError> = std::result::Result<T, E>;

/// An input error with a formatted message.
macro_rules! bad {
    ($($t:tt)*) => { StudyError::Input(format!($($t)*)) };
}

impl Param {
    /// Parses `path=10..20`, `path=10..20:2` (integers, inclusive) or `path=a,b,c`.
    pub fn parse(raw: &str) -> Result<Param> {
        parse_param(raw)
    }
}

fn parse_param(raw: &str) -> Result<Param> {
    let (path, spec) = hospsim_sim::error::split_assignment(raw)
        .ok_or_else(|| bad!("--param {raw}: expected path=values\n  hint: --param resources.icu_bed.capacity=10..20 or --param rosters.ed_doctors.scale=0.8,1.0,1.2"))?;
    let spec = spec.trim();
    let values: Vec<String> = if let Some((a, rest)) = spec.split_once("..") {
        let (b, step) = match rest.split_once(':') {
            Some((b, s)) => (b, s),
            None => (rest, "1"),
        };
        let parse = |s: &str| {
            s.trim().parse::<i64>().map_err(|_| bad!("--param {raw}: \"{s}\" is not a whole number (ranges a..b[:step] are of whole numbers; list decimals with commas)"))
        };
        let (a, b, step) = (parse(a)?, parse(b)?, parse(step)?);
        if step <= 0 || b < a {
            return Err(bad!(
                "--param {raw}: the range {a}..{b} with step {step} is empty"
            ));
        }
        // Counted before anything is built: a..b is a size the user controls.
        let count = (b as i128 - a as i128) / step as i128 + 1;
        if count > MAX_VALUES as i128 {
            return Err(bad!(
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
        return Err(bad!("--param {raw}: no values"));
    }
    if values.len() > MAX_VALUES {
        return Err(bad!(
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
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// KPI name.
    pub kpi: String,
    /// `mean`, `p50`/`p90`/`p95` or `share_within`.
    pub stat: String,
    /// `<=`, `<`, `>=` or `>`.
    pub op: String,
    /// The value in `unit`.
    pub value: f64,
    /// `min`, `h`, `d`, `%` or none.
    pub unit: Option<String>,
    /// As written.
    pub text: String,
}

impl Target {
    /// Parses `KPI[.stat] OP value [unit]`.
    pub fn parse(raw: &str) -> Result<Target> {
        parse_target(raw)
    }
}

fn parse_target(raw: &str) -> Result<Target> {
    let hint = "\n  hint: e.g. --target \"door_to_doctor.p90 <= 60 min\", \"lwbs_rate < 0.05\", \"time_in_ed.share_within >= 0.95\"";
    let ops = ["<=", ">=", "<", ">"];
    let (op, pos) = ops
        .iter()
        .filter_map(|op| raw.find(op).map(|p| (*op, p)))
        .min_by_key(|(op, p)| (*p, std::cmp::Reverse(op.len())))
        .ok_or_else(|| bad!("--target {raw}: no comparison (<=, <, >=, >){hint}"))?;
    let lhs = raw[..pos].trim();
    let rhs = raw[pos + op.len()..].trim();
    let (kpi, stat) = match lhs.split_once('.') {
        Some((k, s)) => (k.to_string(), s.to_string()),
        None => (lhs.to_string(), "mean".to_string()),
    };
    let mut parts = rhs.split_whitespace();
    let number = parts
        .next()
        .ok_or_else(|| bad!("--target {raw}: no value{hint}"))?;
    // "95%" as well as "95 %".
    let (number, glued_percent) = match number.strip_suffix('%') {
        Some(n) => (n, true),
        None => (number, false),
    };
    let value: f64 = number
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| bad!("--target {raw}: \"{number}\" is not a number{hint}"))?;
    let unit = if glued_percent {
        Some("%".to_string())
    } else {
        parts.next().map(|u| u.to_string())
    };
    if let Some(extra) = parts.next() {
        return Err(bad!(
            "--target {raw}: unexpected \"{extra}\" after the value{hint}"
        ));
    }
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
pub fn target_measure(t: &Target, s: &Summary) -> Result<(Est, f64)> {
    let k = s.kpis.iter().find(|k| k.name == t.kpi).ok_or_else(|| {
        let names: Vec<&str> = s.kpis.iter().map(|k| k.name.as_str()).collect();
        bad!(
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
                bad!(
                    "--target {}: {} has no `within` target, so no share_within",
                    t.text,
                    t.kpi
                )
            })?,
        p if p.starts_with('p') => {
            let q: f64 = p[1..].parse().map_err(|_| {
                bad!(
                    "--target {}: unknown statistic \"{p}\" (mean, p50, p90, p95, share_within)",
                    t.text
                )
            })?;
            k.percentiles.iter().find(|x| (x.p - q).abs() < 1e-9).map(|x| x.est).ok_or_else(|| {
                bad!("--target {}: {} does not report P{q}\n  hint: add {q} to its `percentiles`", t.text, t.kpi)
            })?
        }
        other => {
            return Err(bad!(
                "--target {}: unknown statistic \"{other}\" (mean, p50, p90, p95, share_within)",
                t.text
            ));
        }
    };
    // A duration's own statistics need a unit (a bare 60 could be minutes
    // or hours); shares take a fraction or a percentage.
    let timed = k.kind == "duration" && t.stat != "share_within";
    let share = k.kind == "share" || t.stat == "share_within";
    let value = match t.unit.as_deref() {
        Some("%") if share => t.value / 100.0,
        Some(u) if timed => {
            let have = hospsim_sim::duration::unit_minutes(u)
                .ok_or_else(|| bad!("--target {}: unknown unit \"{u}\" (min, h, d)", t.text))?;
            let want = hospsim_sim::duration::unit_minutes(&k.unit).unwrap_or(1.0);
            t.value * have / want
        }
        None if timed => {
            return Err(bad!(
                "--target {}: {}.{} is a time; give its unit\n  hint: e.g. \"{}.{} {} {} {}\"",
                t.text,
                t.kpi,
                t.stat,
                t.kpi,
                t.stat,
                t.op,
                t.value,
                k.unit
            ));
        }
        Some(u) if share => {
            return Err(bad!(
                "--target {}: {} is a share; give a fraction (0.95) or a percentage (95%), not \"{u}\"",
                t.text,
                if t.stat == "share_within" {
                    "share_within"
                } else {
                    t.kpi.as_str()
                },
            ));
        }
        Some(u) => {
            return Err(bad!(
                "--target {}: {} is counted {}; give the value without a unit, not \"{u}\"",
                t.text,
                t.kpi,
                k.unit
            ));
        }
        None => t.value,
    };
    Ok((est, value))
}

/// Percentiles and shares within target of every KPI, and the queue and
/// wait figures of every resource, at one point of a sweep.
fn point_statistics(summary: &Summary) -> Vec<PointKpi> {
    let mut out = vec![];
    for k in &summary.kpis {
        for p in &k.percentiles {
            out.push(PointKpi {
                name: format!("{}.p{}", k.name, p.p),
                unit: k.unit.clone(),
                est: p.est,
            });
        }
        if let Some(sw) = k.target.as_ref().and_then(|t| t.share_within) {
            out.push(PointKpi {
                name: format!("{}.share_within", k.name),
                unit: "share".into(),
                est: sw,
            });
        }
    }
    for r in &summary.resources {
        for (stat, unit, est) in [
            ("busy_mean", "units", r.busy_mean),
            ("queue_mean", "patients", r.queue_mean),
            ("wait_mean_min", "min", r.wait_mean_min),
            ("refused_per_day", "per day", r.refused_per_day),
        ] {
            out.push(PointKpi {
                name: format!("{}.{stat}", r.id),
                unit: unit.into(),
                est,
            });
        }
    }
    out
}

fn meets(op: &str, x: f64, v: f64) -> bool {
    match op {
        "<=" => x <= v,
        "<" => x < v,
        ">=" => x >= v,
        _ => x > v,
    }
}

/// A KPI or a utilisation at one point.
#[derive(Clone, Debug, Serialize)]
pub struct PointKpi {
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Value across replications.
    #[serde(flatten)]
    pub est: Est,
}

/// One point of the grid, run.
#[derive(Clone, Debug, Serialize)]
pub struct Point {
    /// Index in the grid.
    pub index: usize,
    /// (path, value) of each parameter.
    pub params: Vec<(String, String)>,
    /// Every KPI (its mean).
    pub kpis: Vec<PointKpi>,
    /// The other statistics a run reports of each KPI, named as a
    /// `--target` names them: `door_to_doctor.p90`, `time_in_ed.share_within`;
    /// and of each resource, `ICU.busy_mean`, `ICU.queue_mean`,
    /// `ICU.wait_mean_min`, `ICU.refused_per_day`.
    pub statistics: Vec<PointKpi>,
    /// Every resource's utilisation.
    pub utilisation: Vec<PointKpi>,
    /// The target's measure, on its mean.
    pub target_value: Option<f64>,
    /// Whether the mean meets the target.
    pub meets_target: Option<bool>,
    /// Whether the whole 95% interval does.
    pub meets_target_with_95_confidence: Option<bool>,
}

/// `sweep.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Sweep {
    /// Layout version.
    pub schema_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// Replications of each point.
    pub replications: u32,
    /// Seed of every point.
    pub seed: u64,
    /// Parameter paths.
    pub params: Vec<String>,
    /// The target as written.
    pub target: Option<String>,
    /// Index of the cheapest point meeting the target.
    pub cheapest_meeting_target: Option<usize>,
    /// Every point, in grid order.
    pub points: Vec<Point>,
}

/// The grid of a sweep: checked parameters whose product is bounded.
#[derive(Clone, Debug)]
pub struct Grid {
    params: Vec<Param>,
    len: usize,
}

impl Grid {
    /// A grid over `params`; none may be given twice or also be fixed by
    /// `fixed` (`--set path=value` overrides), and the product is at most
    /// [`MAX_POINTS`] (checked as it grows, so that it cannot overflow).
    pub fn new(params: Vec<Param>, fixed: &[String]) -> Result<Grid> {
        if params.is_empty() {
            return Err(bad!(
                "sweep needs at least one --param\n  hint: --param resources.icu_bed.capacity=10..20"
            ));
        }
        for (i, p) in params.iter().enumerate() {
            if params[..i].iter().any(|q| q.path == p.path) {
                return Err(bad!(
                    "--param {}: given twice\n  hint: list all of a parameter's values in one --param, e.g. {}=10,12,14",
                    p.path,
                    p.path
                ));
            }
            if fixed
                .iter()
                .any(|s| s.split('=').next().map(str::trim) == Some(p.path.as_str()))
            {
                return Err(bad!(
                    "--param {0}: also given with --set {0}=...; a field is either fixed or swept",
                    p.path
                ));
            }
        }
        let mut len: usize = 1;
        for p in &params {
            len = len.saturating_mul(p.values.len());
            if len > MAX_POINTS {
                return Err(bad!(
                    "the grid has more than the {MAX_POINTS} points a sweep allows ({})\n  hint: sweep fewer values, or fewer parameters at once",
                    params
                        .iter()
                        .map(|p| p.values.len().to_string())
                        .collect::<Vec<_>>()
                        .join(" x ")
                ));
            }
        }
        Ok(Grid { params, len })
    }

    /// Points in the grid.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the grid has no point (never: a grid has a parameter).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The parameters.
    pub fn params(&self) -> &[Param] {
        &self.params
    }

    /// (path, value) of each parameter at point `index`; the last parameter
    /// varies fastest.
    pub fn point(&self, index: usize) -> Vec<(String, String)> {
        let mut rem = index;
        let mut chosen = vec![String::new(); self.params.len()];
        for (j, p) in self.params.iter().enumerate().rev() {
            chosen[j] = p.values[rem % p.values.len()].clone();
            rem /= p.values.len();
        }
        self.params
            .iter()
            .map(|p| p.path.clone())
            .zip(chosen)
            .collect()
    }
}

/// One parameter's value at a point: (path, value as a TOML literal).
pub type Setting = (String, String);

/// What a sweep gives back: the sweep and each KPI's label.
pub struct SweepResult {
    /// The sweep.
    pub sweep: Sweep,
    /// KPI name -> label.
    pub labels: std::collections::HashMap<String, String>,
}

/// Runs every point of `grid`: `model_at` gives the compiled model of a
/// point's (path, value) overrides; each runs with `plan` (replications,
/// seed), so neighbouring points differ by the parameter, not by noise.
/// `on_point` hears each point's index before it runs (for progress).
pub fn sweep(
    grid: &Grid,
    target: Option<&Target>,
    plan: &RunPlan,
    model_at: &dyn Fn(&[Setting]) -> Result<Model>,
    on_point: &mut dyn FnMut(usize, &[Setting]),
    opts: &Options<'_>,
) -> Result<SweepResult> {
    let mut points = vec![];
    let mut labels = std::collections::HashMap::new();
    let mut header_name = String::new();
    let (mut reps, mut seed) = (0, 0);
    for index in 0..grid.len() {
        let at = grid.point(index);
        on_point(index, &at);
        let model = model_at(&at)?.plan(plan)?;
        (reps, seed) = (model.replications, model.seed);
        header_name = model.name.clone();
        let out = hospsim_sim::runner::simulate(&model, &opts.run(), opts.progress)?;
        let (summary, _) = hospsim_sim::runner::summarize(&model, &out, opts.threads);
        if labels.is_empty() {
            labels = summary
                .kpis
                .iter()
                .map(|k| (k.name.clone(), k.label.clone()))
                .collect();
        }
        let (target_value, meets_target, confident) = match target {
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
            params: at,
            kpis: summary
                .kpis
                .iter()
                .map(|k| PointKpi {
                    name: k.name.clone(),
                    unit: k.unit.clone(),
                    est: k.est,
                })
                .collect(),
            statistics: point_statistics(&summary),
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
    let cheapest = cheapest_point(grid.params(), &points);
    Ok(SweepResult {
        sweep: Sweep {
            schema_version: 1,
            scenario: header_name,
            replications: reps,
            seed,
            params: grid.params().iter().map(|p| p.path.clone()).collect(),
            target: target.map(|t| t.text.clone()),
            cheapest_meeting_target: cheapest,
            points,
        },
        labels,
    })
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
        // A quoted key may hold an `=`: the path ends at the first one outside quotes.
        let p = parse_param("resources.\"bay=A\".capacity=2,3").unwrap();
        assert_eq!(p.path, "resources.\"bay=A\".capacity");
        assert_eq!(p.values, vec!["2", "3"]);
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

    /// A tiny clinic's summary: a duration KPI in minutes with a target,
    /// and a share KPI.
    fn clinic() -> Summary {
        let text = r#"
name = "clinic"
[sim]
horizon = "5 d"
replications = 3
[resources.nurse]
capacity = 2
[arrivals.p]
pathway = "p"
per_day = 100
[pathways.p]
steps = [
  { seize = ["nurse"], patience = { fixed = "30 min" }, on_renege = "left_unseen", mark = "seen" },
  { activity = "consult", duration = { exponential = { mean = "20 min" } } },
  { release = "nurse" },
  { exit = "discharged" },
]
[kpis.wait]
from = "arrival"
to = "seen"
within = "15 min"
target_share = 0.9
[kpis.left_share]
share_exiting = "left_unseen"
"#;
        let scenario: hospsim_sim::Scenario = toml::from_str(text).unwrap();
        let model = hospsim_sim::compile(&scenario).unwrap();
        let reps = hospsim_sim::runner::simulate(
            &model,
            &hospsim_sim::runner::RunOptions::threads(1),
            &|| {},
        )
        .unwrap();
        hospsim_sim::runner::summarize(&model, &reps, 1).0
    }

    #[test]
    fn targets_take_units_and_percentages_and_refuse_a_bare_time() {
        let s = clinic();
        let value = |t: &str| {
            parse_target(t)
                .and_then(|t| target_measure(&t, &s))
                .map(|(_, v)| v)
                .map_err(|e| e.to_string())
        };
        assert_eq!(value("wait.p90 <= 1 h"), Ok(60.0));
        assert_eq!(value("wait.mean <= 90 s"), Ok(1.5));
        for t in [
            "wait.share_within >= 95%",
            "wait.share_within >= 95 %",
            "wait.share_within >= 0.95",
        ] {
            let v = value(t).unwrap();
            assert!((v - 0.95).abs() < 1e-12, "{t}: {v}");
        }
        assert!((value("left_share < 2%").unwrap() - 0.02).abs() < 1e-12);
        let e = value("wait.p90 <= 60").unwrap_err();
        assert!(
            e.contains("is a time; give its unit") && e.contains("wait.p90 <= 60 min"),
            "{e}"
        );
        let e = value("left_share < 2 min").unwrap_err();
        assert!(e.contains("is a share"), "{e}");
        let e = value("wait.p90 <= 60 min extra").unwrap_err();
        assert!(e.contains("unexpected \"extra\""), "{e}");
    }
}

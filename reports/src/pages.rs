//! The reports: what each command's HTML page shows, from plain result values.

use crate::ReportError;
use crate::charts::{Band, band_svg, bars_svg, forest_svg, lines_svg};
use crate::html::{esc, figure, files, num, page, section, table, value};
use crate::i18n::{Key, Lang};
use hospsim_sim::compare::Difference;
use hospsim_sim::results::{Est, KpiSummary, Summary};
use std::fmt::Write as _;

/// One resource's time series (daily) and hour-of-week occupancy.
#[derive(Clone, Debug)]
pub struct ResourceSeries {
    /// Resource id.
    pub id: String,
    /// Display name.
    pub label: String,
    /// Day of each point (days since the start).
    pub days: Vec<f64>,
    /// Busy units: mean, 5th and 95th percentile across replications.
    pub busy: [Vec<f64>; 3],
    /// Queue length: mean, 5th and 95th percentile.
    pub queue: [Vec<f64>; 3],
    /// Capacity (mean).
    pub capacity: Vec<f64>,
    /// Occupancy (busy / capacity) by weekday (Monday first) and hour.
    pub heat: [[f64; 24]; 7],
}

/// The distribution of one duration KPI.
#[derive(Clone, Debug)]
pub struct Distribution {
    /// KPI id.
    pub name: String,
    /// Display name.
    pub label: String,
    /// Unit of the bins.
    pub unit: String,
    /// Bins `(lo, hi, share)`.
    pub bins: Vec<(f64, f64, f64)>,
    /// Target (`within`), in the unit.
    pub target: Option<f64>,
}

/// What `hospsim run` and `demo` report.
pub struct RunView<'a> {
    /// Language.
    pub lang: Lang,
    /// The run's summary.
    pub summary: &'a Summary,
    /// The scenario's description.
    pub description: Option<String>,
    /// Resources, in scenario order.
    pub resources: Vec<ResourceSeries>,
    /// Duration KPIs' distributions.
    pub distributions: Vec<Distribution>,
    /// Data files beside the report.
    pub files: Vec<String>,
}

/// Green (met with confidence), amber (uncertain), red (missed) or grey (no target).
fn status(k: &KpiSummary, lang: Lang) -> (&'static str, String, String) {
    let Some(t) = &k.target else {
        return ("", lang.t(Key::NoTarget).to_string(), String::new());
    };
    let verdict = |lo_ok: bool, hi_ok: bool| {
        if lo_ok && hi_ok {
            ("green", lang.t(Key::Met).to_string())
        } else if !lo_ok && !hi_ok {
            ("red", lang.t(Key::NotMet).to_string())
        } else {
            ("amber", lang.t(Key::Uncertain).to_string())
        }
    };
    let finite = |e: &Est| {
        if e.ci95[0].is_finite() {
            (e.ci95[0], e.ci95[1])
        } else {
            (e.mean, e.mean)
        }
    };
    if let (Some(w), Some(ts), Some(sw)) = (t.within, t.target_share, &t.share_within) {
        let (lo, hi) = finite(sw);
        let (c, s) = verdict(lo >= ts, hi >= ts);
        let text = format!(
            "{} {:.0}% ≤ {} {}",
            lang.t(Key::Target),
            ts * 100.0,
            num(w),
            k.unit
        );
        let met = format!("{:.1}% {}", sw.mean * 100.0, lang.t(Key::OfPatients));
        return (c, format!("{s} · {met}"), text);
    }
    let (lo, hi) = finite(&k.est);
    if let Some(mx) = t.max {
        let (c, s) = verdict(hi <= mx, lo <= mx);
        return (
            c,
            s,
            format!("{} ≤ {}", lang.t(Key::Target), value(mx, &k.unit)),
        );
    }
    if let Some(mn) = t.min {
        let (c, s) = verdict(lo >= mn, hi >= mn);
        return (
            c,
            s,
            format!("{} ≥ {}", lang.t(Key::Target), value(mn, &k.unit)),
        );
    }
    ("", lang.t(Key::NoTarget).to_string(), String::new())
}

fn tiles(s: &Summary, lang: Lang) -> String {
    let mut out = String::from("<div class=\"tiles\">");
    for k in &s.kpis {
        let (class, verdict, target) = status(k, lang);
        let unit = if k.unit == "share" {
            String::new()
        } else {
            format!(" <small>{}</small>", esc(&k.unit))
        };
        let ci = if k.est.ci95[0].is_finite() {
            format!(
                "{}: {} – {}",
                lang.t(Key::CI),
                value(k.est.ci95[0], &k.unit),
                value(k.est.ci95[1], &k.unit)
            )
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<div class=\"tile {class}\" id=\"tile-{}\"><div class=\"label\">{}</div><div class=\"value\">{}{unit}</div><div class=\"ci\">{}</div><div class=\"target\">{}</div><div class=\"status\">{}</div></div>",
            esc(&k.name),
            esc(&k.label),
            value(k.est.mean, &k.unit),
            esc(&ci),
            esc(&target),
            esc(&verdict)
        );
    }
    out.push_str("</div>");
    out
}

fn strain_table(s: &Summary, lang: Lang) -> String {
    let mut rs: Vec<_> = s.resources.iter().collect();
    rs.sort_by(|a, b| b.utilisation.mean.total_cmp(&a.utilisation.mean));
    let rows: Vec<Vec<String>> = rs
        .iter()
        .map(|r| {
            let u = r.utilisation.mean;
            let class = if u >= 0.92 {
                "bar hot"
            } else if u >= 0.85 {
                "bar warm"
            } else {
                "bar"
            };
            vec![
                esc(&r.label),
                num(r.capacity_mean),
                format!(
                    "<span class=\"{class}\" style=\"width:{:.0}px\"></span> {}",
                    (u.clamp(0.0, 1.0) * 120.0),
                    value(u, "share")
                ),
                num(r.queue_mean.mean),
                r.queue_max.to_string(),
                num(r.wait_mean_min.mean),
                num(r.waiting_while_holding_hours_per_day.mean),
            ]
        })
        .collect();
    let head = [
        Key::Resource,
        Key::Capacity,
        Key::Utilisation,
        Key::QueueMean,
        Key::QueueMax,
        Key::WaitMean,
        Key::Holding,
    ]
    .map(|k| lang.t(k).to_string());
    table("strain-table", &head, &rows)
}

fn heatmaps(resources: &[ResourceSeries], lang: Lang) -> String {
    let mut out = String::from("<div class=\"grid\">");
    for r in resources {
        let _ = write!(
            out,
            "<figure id=\"heat-{}\" class=\"chart\"><figcaption>{}</figcaption><table class=\"heat\">",
            esc(&r.id),
            esc(&r.label)
        );
        for (d, day) in lang.weekdays().iter().enumerate() {
            let _ = write!(out, "<tr><th>{}</th>", esc(day));
            for h in 0..24 {
                let v = r.heat[d][h];
                let color = heat_color(v);
                let _ = write!(
                    out,
                    "<td style=\"background:{color}\" title=\"{} {:02}:00 {}\"></td>",
                    esc(day),
                    h,
                    value(v, "share")
                );
            }
            out.push_str("</tr>");
        }
        out.push_str("<tr><th></th>");
        for h in 0..24 {
            let _ = write!(
                out,
                "<th>{}</th>",
                if h % 6 == 0 {
                    h.to_string()
                } else {
                    String::new()
                }
            );
        }
        out.push_str("</tr></table></figure>");
    }
    out.push_str("</div>");
    out
}

/// White through amber to red as occupancy rises to and past 100%.
fn heat_color(v: f64) -> String {
    if !v.is_finite() {
        return "#eeeeee".into();
    }
    let x = v.clamp(0.0, 1.0);
    let (r, g, b) = if x < 0.85 {
        let t = x / 0.85;
        (255.0 - 30.0 * t, 255.0 - 40.0 * t, 255.0 - 120.0 * t)
    } else {
        let t = (x - 0.85) / 0.15;
        (225.0 - 27.0 * t, 215.0 - 175.0 * t, 135.0 - 95.0 * t)
    };
    format!("rgb({:.0},{:.0},{:.0})", r, g, b)
}

impl RunView<'_> {
    /// The whole page.
    pub fn render(&self) -> Result<String, ReportError> {
        let lang = self.lang;
        let s = self.summary;
        let mut body = String::new();
        body.push_str(&files(lang, &self.files));
        body.push_str(&section("kpis", lang.t(Key::Kpis), &tiles(s, lang)));
        body.push_str(&section(
            "strain",
            lang.t(Key::Strain),
            &strain_table(s, lang),
        ));
        let mut occ = String::from("<div class=\"grid\">");
        let mut que = String::from("<div class=\"grid\">");
        for r in &self.resources {
            let b = Band {
                x: &r.days,
                mean: &r.busy[0],
                lo: &r.busy[1],
                hi: &r.busy[2],
                reference: Some(&r.capacity),
                second: None,
                x_label: lang.t(Key::Days),
                y_label: "",
            };
            occ.push_str(&figure(
                &format!("occupancy-{}", r.id),
                &r.label,
                &band_svg(&b, 440, 210)?,
            ));
            let q = Band {
                x: &r.days,
                mean: &r.queue[0],
                lo: &r.queue[1],
                hi: &r.queue[2],
                reference: None,
                second: None,
                x_label: lang.t(Key::Days),
                y_label: "",
            };
            que.push_str(&figure(
                &format!("queue-{}", r.id),
                &r.label,
                &band_svg(&q, 440, 210)?,
            ));
        }
        occ.push_str("</div>");
        que.push_str("</div>");
        body.push_str(&section("occupancy", lang.t(Key::OccupancyOverTime), &occ));
        body.push_str(&section("queues", lang.t(Key::QueueOverTime), &que));
        body.push_str(&section(
            "heatmap",
            lang.t(Key::Heatmap),
            &heatmaps(&self.resources, lang),
        ));
        let mut dist = String::from("<div class=\"grid\">");
        for d in &self.distributions {
            dist.push_str(&figure(
                &format!("dist-{}", d.name),
                &d.label,
                &bars_svg(&d.bins, d.target, &d.unit, 440, 200)?,
            ));
        }
        dist.push_str("</div>");
        body.push_str(&section("distributions", lang.t(Key::Distributions), &dist));
        body.push_str(&section("flow", lang.t(Key::Flow), &flow(s, lang)));
        let subtitle = vec![
            s.scenario.name.clone(),
            format!(
                "{} {} · {} {} · {} {} · {} {} · {}",
                s.scenario.replications,
                lang.t(Key::Replications),
                s.scenario.horizon_days - s.scenario.warmup_days,
                lang.t(Key::Horizon),
                s.scenario.warmup_days,
                lang.t(Key::Warmup),
                lang.t(Key::Seed),
                s.scenario.seed,
                s.scenario.start
            ),
        ]
        .into_iter()
        .chain(self.description.clone())
        .collect::<Vec<_>>();
        Ok(page(lang, lang.t(Key::RunTitle), &subtitle, &body))
    }
}

fn flow(s: &Summary, lang: Lang) -> String {
    let f = &s.flow;
    let reps = s.scenario.replications.max(1) as f64;
    let departed: u64 = f.departed.values().sum();
    let bar = |n: f64, max: f64| {
        format!(
            "<span class=\"bar\" style=\"width:{:.0}px\"></span>",
            if max > 0.0 { 240.0 * n / max } else { 0.0 }
        )
    };
    let max = f.arrived as f64 / reps;
    let mut rows = vec![vec![
        esc(lang.t(Key::Arrived)),
        num(f.arrived as f64 / reps),
        bar(f.arrived as f64 / reps, max),
    ]];
    for (c, n) in &f.arrived_by_class {
        rows.push(vec![
            format!("&nbsp;&nbsp;{}", esc(c)),
            num(*n as f64 / reps),
            bar(*n as f64 / reps, max),
        ]);
    }
    rows.push(vec![
        esc(lang.t(Key::Departed)),
        num(departed as f64 / reps),
        bar(departed as f64 / reps, max),
    ]);
    for (r, n) in f.departed.iter().filter(|(_, n)| **n > 0) {
        rows.push(vec![
            format!("&nbsp;&nbsp;{}", esc(r)),
            num(*n as f64 / reps),
            bar(*n as f64 / reps, max),
        ]);
    }
    rows.push(vec![
        esc(lang.t(Key::InHospital)),
        num(f.in_system_at_end as f64 / reps),
        bar(f.in_system_at_end as f64 / reps, max),
    ]);
    let mut out = table(
        "flow-table",
        &[
            "".into(),
            format!("/ {}", lang.t(Key::Replications).trim_start_matches("次")),
            "".into(),
        ],
        &rows,
    );
    if f.conservation_holds {
        let _ = write!(out, "<p class=\"note\">{}</p>", esc(lang.t(Key::Conserved)));
    }
    out
}

/// One measure of a comparison.
#[derive(Clone, Debug)]
pub struct CompareRow {
    /// Measure id.
    pub name: String,
    /// Display name.
    pub label: String,
    /// Unit.
    pub unit: String,
    /// Shown in the tables and the forest plot (KPI means, shares within target, utilisation).
    pub headline: bool,
    /// The base's estimate.
    pub base: Est,
    /// Each variant's estimate and difference from the base.
    pub variants: Vec<(Est, Difference)>,
}

/// What `hospsim compare` reports.
pub struct CompareView {
    /// Language.
    pub lang: Lang,
    /// Scenario names, base first.
    pub scenarios: Vec<String>,
    /// Replications.
    pub replications: u32,
    /// Common random numbers used.
    pub common_random_numbers: bool,
    /// The measures.
    pub rows: Vec<CompareRow>,
    /// Data files.
    pub files: Vec<String>,
}

fn signed(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let s = if unit == "share" {
        format!("{:.2} pp", v * 100.0)
    } else {
        num(v)
    };
    if v > 0.0 { format!("+{s}") } else { s }
}

impl CompareView {
    /// The whole page.
    pub fn render(&self) -> Result<String, ReportError> {
        let lang = self.lang;
        let mut body = files(lang, &self.files);
        for (k, name) in self.scenarios.iter().enumerate().skip(1) {
            let rows: Vec<&CompareRow> = self
                .rows
                .iter()
                .filter(|r| r.headline && r.variants.len() >= k)
                .collect();
            let forest: Vec<(String, f64, f64, f64)> = rows
                .iter()
                .filter(|r| r.base.mean.is_finite() && r.base.mean.abs() > 1e-12)
                .map(|r| {
                    let d = &r.variants[k - 1].1;
                    let scale = 100.0 / r.base.mean.abs();
                    (
                        r.label.clone(),
                        d.mean * scale,
                        d.ci95[0] * scale,
                        d.ci95[1] * scale,
                    )
                })
                .collect();
            let mut inner = figure(
                &format!("forest-{k}"),
                lang.t(Key::Forest),
                &forest_svg(&forest, "%", 900)?,
            );
            let table_rows: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let (v, d) = &r.variants[k - 1];
                    let class = if d.ci95[0] > 0.0 || d.ci95[1] < 0.0 {
                        "sig"
                    } else {
                        ""
                    };
                    vec![
                        esc(&r.label),
                        value(r.base.mean, &r.unit),
                        value(v.mean, &r.unit),
                        format!("<span class=\"{class}\">{}</span>", signed(d.mean, &r.unit)),
                        format!(
                            "{} … {}",
                            signed(d.ci95[0], &r.unit),
                            signed(d.ci95[1], &r.unit)
                        ),
                        if d.p_value.is_finite() {
                            if d.p_value < 0.001 {
                                "&lt;0.001".into()
                            } else {
                                format!("{:.3}", d.p_value)
                            }
                        } else {
                            "–".into()
                        },
                        if self.common_random_numbers && d.variance_reduction.is_finite() {
                            format!("{:.0}%", d.variance_reduction * 100.0)
                        } else {
                            "–".into()
                        },
                    ]
                })
                .collect();
            let head = [
                Key::Measure,
                Key::Base,
                Key::Variant,
                Key::Difference,
                Key::CI,
                Key::PValue,
                Key::VarianceReduction,
            ]
            .map(|x| lang.t(x).to_string());
            inner.push_str(&table(&format!("compare-{k}"), &head, &table_rows));
            body.push_str(&section(
                &format!("variant-{k}"),
                &format!("{name}  vs  {}", self.scenarios[0]),
                &inner,
            ));
        }
        let subtitle = vec![
            format!("{} {}", self.replications, lang.t(Key::Replications)),
            lang.t(if self.common_random_numbers {
                Key::Crn
            } else {
                Key::Independent
            })
            .to_string(),
        ];
        Ok(page(lang, lang.t(Key::CompareTitle), &subtitle, &body))
    }
}

/// One point of a sweep.
#[derive(Clone, Debug)]
pub struct SweepPoint {
    /// Parameter values, as given.
    pub values: Vec<String>,
    /// KPIs: (id, label, unit, estimate).
    pub kpis: Vec<(String, String, String, Est)>,
    /// Whether the point meets the target (None without a target).
    pub meets: Option<bool>,
}

/// What `hospsim sweep` reports.
pub struct SweepView {
    /// Language.
    pub lang: Lang,
    /// Scenario name.
    pub scenario: String,
    /// Parameter paths.
    pub params: Vec<String>,
    /// Points in grid order (last parameter fastest).
    pub points: Vec<SweepPoint>,
    /// The target, as written.
    pub target: Option<String>,
    /// Index of the cheapest point meeting the target.
    pub cheapest: Option<usize>,
    /// Data files.
    pub files: Vec<String>,
}

impl SweepView {
    /// The whole page.
    pub fn render(&self) -> Result<String, ReportError> {
        let lang = self.lang;
        let mut body = files(lang, &self.files);
        if let Some(t) = &self.target {
            let text = match self.cheapest {
                Some(i) => {
                    let p = &self.points[i];
                    let desc: Vec<String> = self
                        .params
                        .iter()
                        .zip(&p.values)
                        .map(|(k, v)| format!("{k} = {v}"))
                        .collect();
                    format!(
                        "<p><strong>{}</strong> ({}): {} {}</p>",
                        esc(lang.t(Key::Cheapest)),
                        esc(t),
                        lang.t(Key::Point),
                        esc(&format!("{i}: {}", desc.join(", ")))
                    )
                }
                None => format!("<p>{} ({})</p>", esc(lang.t(Key::NoPointMeets)), esc(t)),
            };
            body.push_str(&section("target", lang.t(Key::Target), &text));
        }
        // Curves: x is the first parameter; one line per combination of the others.
        let first: Vec<String> = {
            let mut v: Vec<String> = vec![];
            for p in &self.points {
                if !v.contains(&p.values[0]) {
                    v.push(p.values[0].clone());
                }
            }
            v
        };
        let numeric: Option<Vec<f64>> = first.iter().map(|s| s.parse().ok()).collect();
        let x: Vec<f64> = numeric
            .clone()
            .unwrap_or_else(|| (0..first.len()).map(|i| i as f64).collect());
        let mut groups: Vec<String> = vec![];
        for p in &self.points {
            let g = p.values[1..].join(", ");
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
        let mut curves = String::from("<div class=\"grid\">");
        let n_kpis = self.points.first().map(|p| p.kpis.len()).unwrap_or(0);
        for k in 0..n_kpis.min(8) {
            let (id, label, unit, _) = &self.points[0].kpis[k];
            let mut series = vec![];
            for g in &groups {
                let mut m = vec![f64::NAN; x.len()];
                let (mut lo, mut hi) = (m.clone(), m.clone());
                for p in self
                    .points
                    .iter()
                    .filter(|p| &p.values[1..].join(", ") == g)
                {
                    if let Some(i) = first.iter().position(|f| f == &p.values[0]) {
                        let e = p.kpis[k].3;
                        (m[i], lo[i], hi[i]) = (e.mean, e.ci95[0], e.ci95[1]);
                    }
                }
                let name = if self.params.len() > 1 {
                    g.clone()
                } else {
                    label.clone()
                };
                series.push((name, m, lo, hi));
            }
            let svg = lines_svg(&x, &series, &self.params[0], unit, 440, 230)?;
            curves.push_str(&figure(&format!("sweep-{id}"), label, &svg));
        }
        curves.push_str("</div>");
        body.push_str(&section("curves", lang.t(Key::SweepCurves), &curves));
        let mut head: Vec<String> = vec![lang.t(Key::Point).into()];
        head.extend(self.params.iter().cloned());
        if let Some(p) = self.points.first() {
            head.extend(p.kpis.iter().take(8).map(|k| k.1.clone()));
        }
        if self.target.is_some() {
            head.push(lang.t(Key::Target).into());
        }
        let rows: Vec<Vec<String>> = self
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut r = vec![i.to_string()];
                r.extend(p.values.iter().map(|v| esc(v)));
                r.extend(p.kpis.iter().take(8).map(|k| value(k.3.mean, &k.2)));
                if let Some(m) = p.meets {
                    r.push(esc(lang.t(if m { Key::Met } else { Key::NotMet })));
                }
                r
            })
            .collect();
        body.push_str(&section(
            "points",
            lang.t(Key::Point),
            &table("sweep-points", &head, &rows),
        ));
        Ok(page(
            lang,
            lang.t(Key::SweepTitle),
            std::slice::from_ref(&self.scenario),
            &body,
        ))
    }
}

/// One resource's drill timeline.
#[derive(Clone, Debug)]
pub struct TimelineSeries {
    /// Resource id.
    pub id: String,
    /// Display name.
    pub label: String,
    /// Hours from the drill start.
    pub hours: Vec<f64>,
    /// Drill queue, mean across replications.
    pub drill_queue: Vec<f64>,
    /// Drill queue, 95th percentile.
    pub drill_queue_p95: Vec<f64>,
    /// Baseline queue, mean.
    pub base_queue: Vec<f64>,
}

/// A resource's row in the bottleneck chronology.
#[derive(Clone, Debug)]
pub struct BottleneckRow {
    /// Display name.
    pub label: String,
    /// Median hours to saturation.
    pub saturated_after_hours: Option<f64>,
    /// Share of replications that saturated.
    pub saturated_share: f64,
    /// Hours to recovery; None with `affected` false means unaffected.
    pub recovery_hours: Option<f64>,
    /// Whether the drill moved the resource at all.
    pub affected: bool,
    /// Peak demand, mean across replications.
    pub peak_mean: f64,
    /// Peak demand, 95th percentile.
    pub peak_p95: f64,
    /// Baseline peak.
    pub base_peak: f64,
    /// Capacity.
    pub capacity: f64,
}

/// A response in the drill report: name, share of replications in which it
/// fired, median firing time in hours after the start, and its effect on each
/// KPI as (label, unit, difference with - without).
pub type ResponseRow = (String, f64, Option<f64>, Vec<(String, String, Difference)>);

/// What `hospsim drill` reports.
pub struct DrillView {
    /// Language.
    pub lang: Lang,
    /// Drill name.
    pub name: String,
    /// Scenario name.
    pub scenario: String,
    /// Start and end of the drill's events.
    pub window: (String, String),
    /// Replications.
    pub replications: u32,
    /// KPIs: (label, unit, baseline, drill, difference).
    pub kpis: Vec<(String, String, Est, Est, Difference)>,
    /// Thresholds: (label, within + unit, baseline over, drill over, difference).
    pub thresholds: Vec<(String, String, Est, Est, Difference)>,
    /// Bottleneck chronology, first to saturate first.
    pub bottlenecks: Vec<BottleneckRow>,
    /// Responses: (name, fired share, median hours, effects as KPI rows).
    pub responses: Vec<ResponseRow>,
    /// Timelines of the resources that saturated first.
    pub timeline: Vec<TimelineSeries>,
    /// Hours until the hospital is back to baseline (None: not by the end).
    pub recovery_hours: Option<f64>,
    /// Patients diverted or cancelled per replication.
    pub turned_away: f64,
    /// Data files.
    pub files: Vec<String>,
}

impl DrillView {
    /// The whole page.
    pub fn render(&self) -> Result<String, ReportError> {
        let lang = self.lang;
        let mut body = files(lang, &self.files);
        let mut tl = String::from("<div class=\"grid\">");
        for t in &self.timeline {
            let b = Band {
                x: &t.hours,
                mean: &t.drill_queue,
                lo: &t.drill_queue,
                hi: &t.drill_queue_p95,
                reference: None,
                second: Some(&t.base_queue),
                x_label: lang.t(Key::Hours),
                y_label: "",
            };
            tl.push_str(&figure(
                &format!("timeline-{}", t.id),
                &t.label,
                &band_svg(&b, 440, 210)?,
            ));
        }
        tl.push_str("</div>");
        let legend = format!(
            "<p class=\"note\"><span style=\"color:#1f5ea8\">■</span> {} &nbsp; <span style=\"color:#d6701f\">■</span> {}</p>",
            esc(lang.t(Key::Drill)),
            esc(lang.t(Key::Baseline))
        );
        body.push_str(&section("timeline", lang.t(Key::Timeline), &(legend + &tl)));
        let rows: Vec<Vec<String>> = self
            .bottlenecks
            .iter()
            .map(|b| {
                vec![
                    esc(&b.label),
                    b.saturated_after_hours
                        .map(num)
                        .unwrap_or_else(|| esc(lang.t(Key::Never))),
                    format!("{:.0}%", b.saturated_share * 100.0),
                    match (b.affected, b.recovery_hours) {
                        (false, _) => esc(lang.t(Key::Unaffected)),
                        (true, Some(h)) => num(h),
                        (true, None) => esc(lang.t(Key::NotRecovered)),
                    },
                    format!("{} / {}", num(b.peak_mean), num(b.peak_p95)),
                    num(b.base_peak),
                    num(b.capacity),
                ]
            })
            .collect();
        let head = vec![
            lang.t(Key::Resource).to_string(),
            lang.t(Key::SaturatedAt).into(),
            lang.t(Key::InReps).into(),
            lang.t(Key::RecoveredAfter).into(),
            lang.t(Key::PeakDemand).into(),
            format!("{} ({})", lang.t(Key::Baseline), lang.t(Key::PeakDemand)),
            lang.t(Key::Capacity).into(),
        ];
        let mut inner = table("bottlenecks", &head, &rows);
        let _ = write!(
            inner,
            "<p><strong>{}:</strong> {}</p>",
            esc(lang.t(Key::Recovery)),
            self.recovery_hours
                .map(|h| format!("{} {}", num(h), lang.t(Key::Hours)))
                .unwrap_or_else(|| esc(lang.t(Key::NotRecovered)))
        );
        if self.turned_away > 0.0 {
            let _ = write!(
                inner,
                "<p>{}: {}</p>",
                esc(lang.t(Key::TurnedAway)),
                num(self.turned_away)
            );
        }
        body.push_str(&section("chronology", lang.t(Key::Bottlenecks), &inner));
        let kpi_rows: Vec<Vec<String>> = self
            .kpis
            .iter()
            .map(|(l, u, b, d, diff)| {
                vec![
                    esc(l),
                    value(b.mean, u),
                    value(d.mean, u),
                    signed(diff.mean, u),
                    format!("{} … {}", signed(diff.ci95[0], u), signed(diff.ci95[1], u)),
                ]
            })
            .collect();
        let head = [
            Key::Measure,
            Key::Baseline,
            Key::Drill,
            Key::Difference,
            Key::CI,
        ]
        .map(|k| lang.t(k).to_string());
        body.push_str(&section(
            "kpis",
            lang.t(Key::Kpis),
            &table("drill-kpis", &head, &kpi_rows),
        ));
        let th_rows: Vec<Vec<String>> = self
            .thresholds
            .iter()
            .map(|(l, w, b, d, diff)| {
                vec![
                    esc(l),
                    esc(w),
                    num(b.mean),
                    num(d.mean),
                    format!(
                        "{} ({} … {})",
                        signed(diff.mean, ""),
                        signed(diff.ci95[0], ""),
                        signed(diff.ci95[1], "")
                    ),
                ]
            })
            .collect();
        let head = vec![
            lang.t(Key::Measure).to_string(),
            lang.t(Key::Target).into(),
            lang.t(Key::Baseline).into(),
            lang.t(Key::Drill).into(),
            lang.t(Key::Extra).into(),
        ];
        body.push_str(&section(
            "thresholds",
            lang.t(Key::Thresholds),
            &table("drill-thresholds", &head, &th_rows),
        ));
        let mut resp = String::new();
        for (i, (name, share, hours, effects)) in self.responses.iter().enumerate() {
            let _ = write!(
                resp,
                "<h3>{}</h3><p class=\"note\">{}: {:.0}% · {}: {}</p>",
                esc(name),
                esc(lang.t(Key::Fired)),
                share * 100.0,
                esc(lang.t(Key::FiredAfter)),
                hours.map(num).unwrap_or_else(|| "–".into())
            );
            let rows: Vec<Vec<String>> = effects
                .iter()
                .map(|(l, u, d)| {
                    vec![
                        esc(l),
                        signed(d.mean, u),
                        format!("{} … {}", signed(d.ci95[0], u), signed(d.ci95[1], u)),
                    ]
                })
                .collect();
            let head = vec![
                lang.t(Key::Effect).to_string(),
                lang.t(Key::Difference).into(),
                lang.t(Key::CI).into(),
            ];
            resp.push_str(&table(&format!("response-{i}"), &head, &rows));
        }
        if !self.responses.is_empty() {
            body.push_str(&section("responses", lang.t(Key::Responses), &resp));
        }
        let subtitle = vec![
            format!("{} — {}", self.name, self.scenario),
            format!(
                "{} → {} · {} {}",
                self.window.0,
                self.window.1,
                self.replications,
                lang.t(Key::Replications)
            ),
        ];
        Ok(page(lang, lang.t(Key::DrillTitle), &subtitle, &body))
    }
}

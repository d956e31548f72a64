//! The `run` / `demo` report.

use crate::ReportError;
use crate::charts::{Band, band_svg, bars_svg};
use crate::html::{figure, files, num, page, section, table, value};
use crate::i18n::{Key, Lang};
use hospsim_results::summary::{Est, KpiSummary, ResourceSummary, Summary};
use maud::{Markup, html};

/// One resource's time series (daily) and hour-of-week occupancy.
#[derive(Clone, Debug)]
pub struct ResourceSeries {
    /// Resource id.
    pub id: String,
    /// Display name.
    pub label: String,
    /// Time of each point: days since the start, or hours when `hourly`.
    pub days: Vec<f64>,
    /// The points are hourly (a run shorter than two days: a clinic day).
    pub hourly: bool,
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
    /// What the run changed in its scenario (`--set path=value`).
    pub overrides: Vec<String>,
}

/// Green (met with confidence), amber (uncertain), red (missed) or grey (no target).
pub(super) fn status(k: &KpiSummary, lang: Lang) -> (&'static str, String, String) {
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
            super::cockpit::unit_text(&k.unit, lang)
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

fn tiles(s: &Summary, lang: Lang) -> Markup {
    html! {
        div.tiles {
            @for k in &s.kpis {
                @let (class, verdict, target) = status(k, lang);
                @let ci = if k.est.ci95[0].is_finite() {
                    format!(
                        "{}: {} – {}",
                        lang.t(Key::CI),
                        value(k.est.ci95[0], &k.unit),
                        value(k.est.ci95[1], &k.unit)
                    )
                } else {
                    String::new()
                };
                div class=(format!("tile {class}")) id=(format!("tile-{}", k.name)) {
                    div.label { (k.label) }
                    div.value {
                        (value(k.est.mean, &k.unit))
                        @if k.unit != "share" {
                            " " small { (super::cockpit::unit_text(&k.unit, lang)) }
                        }
                    }
                    div.ci { (ci) }
                    div.target { (target) }
                    div.status { (verdict) }
                }
            }
        }
    }
}

/// A horizontal bar `width` pixels long, with its class (`bar`, `bar warm`, `bar hot`).
fn bar(class: &str, width: f64) -> Markup {
    html! { span class=(class) style=(format!("width:{width:.0}px")) {} }
}

fn strain_table(s: &Summary, lang: Lang) -> Markup {
    let mut rs: Vec<_> = s.resources.iter().collect();
    // Unlimited resources have no utilisation: they go last.
    let key = |r: &&ResourceSummary| {
        if r.unlimited {
            -1.0
        } else {
            r.utilisation.mean
        }
    };
    rs.sort_by(|a, b| key(b).total_cmp(&key(a)));
    let rows: Vec<Vec<Markup>> = rs
        .iter()
        .map(|r| {
            if r.unlimited {
                return vec![
                    html! { (r.label) },
                    html! { (lang.t(Key::Unlimited)) },
                    html! { (num(r.busy_mean.mean)) " " (lang.t(Key::BusyUnits)) },
                    html! { (num(r.queue_mean.mean)) },
                    html! { (r.queue_max) },
                    html! { (num(r.wait_mean_min.mean)) },
                    html! { (num(r.waiting_while_holding_hours_per_day.mean)) },
                ];
            }
            let u = r.utilisation.mean;
            let class = if u >= 0.92 {
                "bar hot"
            } else if u >= 0.85 {
                "bar warm"
            } else {
                "bar"
            };
            vec![
                html! { (r.label) },
                html! { (num(r.capacity_mean)) },
                html! { (bar(class, u.clamp(0.0, 1.0) * 120.0)) " " (value(u, "share")) },
                html! { (num(r.queue_mean.mean)) },
                html! { (r.queue_max) },
                html! { (num(r.wait_mean_min.mean)) },
                html! { (num(r.waiting_while_holding_hours_per_day.mean)) },
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

fn heatmaps(resources: &[ResourceSeries], lang: Lang) -> Markup {
    html! {
        div.grid {
            @for r in resources {
                figure id=(format!("heat-{}", r.id)) class="chart" {
                    figcaption { (r.label) }
                    table.heat {
                        @for (d, day) in lang.weekdays().iter().enumerate() {
                            tr {
                                th { (day) }
                                @for h in 0..24 {
                                    @let v = r.heat[d][h];
                                    td
                                        style=(format!("background:{}", heat_color(v)))
                                        title=(format!("{day} {h:02}:00 {}", value(v, "share"))) {}
                                }
                            }
                        }
                        tr {
                            th {}
                            @for h in 0..24 {
                                th {
                                    @if h % 6 == 0 {
                                        (h)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
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

/// A span in days for the header: in hours for a short run, to at most
/// two decimals either way.
fn span_figure(days: f64, in_hours: bool) -> String {
    let v = if in_hours { days * 24.0 } else { days };
    let t = format!("{v:.2}");
    t.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl RunView<'_> {
    /// The whole page.
    pub fn render(&self) -> Result<String, ReportError> {
        let lang = self.lang;
        let s = self.summary;
        let hourly = self.resources.first().is_some_and(|r| r.hourly);
        let mut occ = Vec::with_capacity(self.resources.len());
        let mut que = Vec::with_capacity(self.resources.len());
        for r in &self.resources {
            let x_label = lang.t(if r.hourly { Key::Hours } else { Key::Days });
            let b = Band {
                x: &r.days,
                mean: &r.busy[0],
                lo: &r.busy[1],
                hi: &r.busy[2],
                reference: Some(&r.capacity),
                second: None,
                x_label,
                y_label: "",
            };
            occ.push(figure(
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
                x_label,
                y_label: "",
            };
            que.push(figure(
                &format!("queue-{}", r.id),
                &r.label,
                &band_svg(&q, 440, 210)?,
            ));
        }
        let mut dist = Vec::with_capacity(self.distributions.len());
        for d in &self.distributions {
            dist.push(figure(
                &format!("dist-{}", d.name),
                &d.label,
                &bars_svg(&d.bins, d.target, &d.unit, 440, 200)?,
            ));
        }
        let grid = |figures: &[Markup]| {
            html! {
                div.grid {
                    @for f in figures {
                        (f)
                    }
                }
            }
        };
        let body = html! {
            (section("cockpit", lang.t(Key::Cockpit), super::cockpit::cockpit(s, &self.resources, lang)))
            (files(lang, &self.files))
            (section("kpis", lang.t(Key::Kpis), tiles(s, lang)))
            (section("strain", lang.t(Key::Strain), strain_table(s, lang)))
            (section("occupancy", lang.t(if hourly { Key::OccupancyOverTimeHourly } else { Key::OccupancyOverTime }), grid(&occ)))
            (section("queues", lang.t(if hourly { Key::QueueOverTimeHourly } else { Key::QueueOverTime }), grid(&que)))
            (section("heatmap", lang.t(Key::Heatmap), heatmaps(&self.resources, lang)))
            (section("distributions", lang.t(Key::Distributions), grid(&dist)))
            @if !s.items.is_empty() {
                (section("supplies", lang.t(Key::Supplies), supplies(s, lang)))
            }
            (section("flow", lang.t(Key::Flow), flow(s, lang)))
        };
        // A clinic day is told in hours, not as 0.7916666666666666 days.
        let short = s.scenario.horizon_days < 2.0;
        let subtitle = vec![
            s.scenario.name.clone(),
            format!(
                "{} {} · {} {} · {} {} · {} {} · {}",
                s.scenario.replications,
                lang.t(Key::Replications),
                span_figure(s.scenario.horizon_days - s.scenario.warmup_days, short),
                lang.t(if short {
                    Key::HorizonHours
                } else {
                    Key::Horizon
                }),
                span_figure(s.scenario.warmup_days, short),
                lang.t(if short { Key::WarmupHours } else { Key::Warmup }),
                lang.t(Key::Seed),
                s.scenario.seed,
                s.scenario.start
            ),
        ]
        .into_iter()
        .chain(self.description.clone())
        .chain(crate::html::changes_line(lang, &self.overrides))
        .collect::<Vec<_>>();
        Ok(page(lang, lang.t(Key::RunTitle), &subtitle, body))
    }
}

fn supplies(s: &Summary, lang: Lang) -> Markup {
    let head: Vec<String> = [
        Key::Item,
        Key::UsedPerDay,
        Key::FillRate,
        Key::StockoutHoursYear,
        Key::SubstitutedPerDay,
        Key::MissedPerDay,
        Key::ExpiredYear,
        Key::MeanStock,
        Key::StockValue,
    ]
    .iter()
    .map(|k| lang.t(*k).to_string())
    .collect();
    let rows: Vec<Vec<String>> = s
        .items
        .iter()
        .map(|it| {
            vec![
                it.label.clone(),
                num(it.demand_per_day.mean),
                value(it.fill_rate.mean, "share"),
                num(it.stockout_hours_per_year.mean),
                num(it.substituted_per_day.mean),
                num(it.missed_per_day.mean),
                num(it.expired_per_year.mean),
                num(it.average_stock.mean),
                num(it.average_stock_value.mean),
            ]
        })
        .collect();
    html! {
        p.note { (lang.t(Key::SuppliesNote)) }
        (table("supplies-table", &head, &rows))
    }
}

fn flow(s: &Summary, lang: Lang) -> Markup {
    let f = &s.flow;
    let reps = s.scenario.replications.max(1) as f64;
    let departed: u64 = f.departed.values().sum();
    let max = f.arrived as f64 / reps;
    // A row: its name (indented under its total when `sub`), the count per
    // replication and a bar to scale.
    let row = |name: &str, sub: bool, n: f64| {
        let width = if max > 0.0 { 240.0 * n / max } else { 0.0 };
        vec![
            html! {
                @if sub {
                    "\u{a0}\u{a0}"
                }
                (name)
            },
            html! { (num(n)) },
            bar("bar", width),
        ]
    };
    let mut rows = vec![row(lang.t(Key::Arrived), false, f.arrived as f64 / reps)];
    for (c, n) in &f.arrived_by_class {
        rows.push(row(c, true, *n as f64 / reps));
    }
    rows.push(row(lang.t(Key::Departed), false, departed as f64 / reps));
    for (r, n) in f.departed.iter().filter(|(_, n)| **n > 0) {
        rows.push(row(r, true, *n as f64 / reps));
    }
    rows.push(row(
        lang.t(Key::InHospital),
        false,
        f.in_system_at_end as f64 / reps,
    ));
    let head = [
        String::new(),
        format!("/ {}", lang.t(Key::Replications).trim_start_matches("次")),
        String::new(),
    ];
    html! {
        (table("flow-table", &head, &rows))
        @if f.conservation_holds {
            p.note { (lang.t(Key::Conserved)) }
        }
    }
}

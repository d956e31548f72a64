//! The first screen of the run report: the headline in words (the worst
//! findings across every kind of evidence) and a card per department with
//! its status, key figures and a sparkline, as a hospital command centre's
//! wall of tiles shows them.

use super::run::{ResourceSeries, status};
use crate::html::{num, value};
use crate::i18n::{Key, Lang};
use hospsim_results::summary::{Est, ItemSummary, KpiSummary, ResourceSummary, Summary};
use maud::{Markup, html};

/// Departments in the order a hospital is walked through, patient first.
const KNOWN: [(&str, Key); 8] = [
    ("ed", Key::DeptEd),
    ("laboratory", Key::DeptLaboratory),
    ("imaging", Key::DeptImaging),
    ("theatres", Key::DeptTheatres),
    ("icu", Key::DeptIcu),
    ("wards", Key::DeptWards),
    ("supplies", Key::DeptSupplies),
    ("other", Key::DeptOther),
];

/// A department's name in the report's language (a name of the scenario's
/// own is shown as written).
pub(crate) fn department_name(id: &str, lang: Lang) -> String {
    KNOWN
        .iter()
        .find(|(k, _)| *k == id)
        .map_or_else(|| id.replace('_', " "), |(_, key)| lang.t(*key).to_string())
}

/// Where a department goes among the cards: the known ones in hospital
/// order, the scenario's own after them, `other` last.
fn department_rank(id: &str) -> (usize, &str) {
    match KNOWN.iter().position(|(k, _)| *k == id) {
        Some(7) => (9, id),
        Some(i) => (i, id),
        None => (8, id),
    }
}

/// Green, amber, red, or grey (nothing to judge), worst last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rag {
    Grey,
    Green,
    Amber,
    Red,
}

impl Rag {
    fn class(self) -> &'static str {
        match self {
            Rag::Grey => "grey",
            Rag::Green => "green",
            Rag::Amber => "amber",
            Rag::Red => "red",
        }
    }

    fn of_kpi(k: &KpiSummary, lang: Lang) -> Rag {
        match status(k, lang).0 {
            "green" => Rag::Green,
            "amber" => Rag::Amber,
            "red" => Rag::Red,
            _ => Rag::Grey,
        }
    }

    /// The occupancy thresholds the strain table colours by (85% and 92%,
    /// the levels above which bed managers expect delays).
    fn of_resource(r: &ResourceSummary) -> Rag {
        if r.unlimited || !r.utilisation.mean.is_finite() {
            Rag::Grey
        } else if r.utilisation.mean >= 0.92 || r.refused_per_day.mean > 0.05 {
            Rag::Red
        } else if r.utilisation.mean >= 0.85 || r.gave_up_per_day.mean > 0.05 {
            Rag::Amber
        } else {
            Rag::Green
        }
    }
}

/// One thing the headline can say, with how bad it is. Severity puts every
/// kind of evidence on one scale: about 3 for a target missed with
/// confidence, 2 for an hour's mean wait, growing with the size of the miss.
#[derive(Clone, Debug)]
pub(crate) struct Finding {
    pub severity: f64,
    pub rag: Rag,
    pub department: String,
    pub text: String,
}

/// A duration in minutes, as people say it: minutes under two hours, then hours.
fn duration(minutes: f64, lang: Lang) -> String {
    if minutes.is_finite() && minutes >= 120.0 {
        format!("{:.1} {}", minutes / 60.0, lang.t(Key::UnitHours))
    } else {
        format!("{} {}", num(minutes), lang.t(Key::UnitMinutes))
    }
}

fn duration_ci(e: &Est) -> String {
    if !e.ci95[0].is_finite() {
        return String::new();
    }
    let in_hours = e.mean >= 120.0;
    let f = |v: f64| {
        if in_hours {
            format!("{:.1}", v / 60.0)
        } else {
            num(v)
        }
    };
    format!(" [{}, {}]", f(e.ci95[0].max(0.0)), f(e.ci95[1]))
}

/// A KPI's value with its unit and interval, in the report's language.
pub(crate) fn kpi_value(k: &KpiSummary, lang: Lang) -> String {
    let unit = unit_text(&k.unit, lang);
    let ci = if k.est.ci95[0].is_finite() {
        format!(
            " [{}, {}]",
            value(k.est.ci95[0], &k.unit),
            value(k.est.ci95[1], &k.unit)
        )
    } else {
        String::new()
    };
    if unit.is_empty() {
        format!("{}{ci}", value(k.est.mean, &k.unit))
    } else {
        format!("{} {unit}{ci}", value(k.est.mean, &k.unit))
    }
}

/// A KPI unit in the report's language (shares carry their % already).
pub(crate) fn unit_text(unit: &str, lang: Lang) -> String {
    match unit {
        "share" => String::new(),
        "min" => lang.t(Key::UnitMinutes).into(),
        "h" => lang.t(Key::UnitHours).into(),
        "d" => lang.t(Key::UnitDays).into(),
        "per day" => lang.t(Key::UnitPerDay).into(),
        "per run" => lang.t(Key::UnitPerRun).into(),
        other => other.into(),
    }
}

/// How far a KPI misses its target, relative to the target (0 when met).
fn kpi_miss(k: &KpiSummary) -> f64 {
    let Some(t) = &k.target else {
        return 0.0;
    };
    let rel = |gap: f64, scale: f64| {
        if scale.abs() > 1e-12 {
            (gap / scale.abs()).max(0.0)
        } else {
            gap.clamp(0.0, 1.0)
        }
    };
    if let (Some(ts), Some(sw)) = (t.target_share, &t.share_within) {
        return rel(ts - sw.mean, ts);
    }
    if let Some(mx) = t.max {
        return rel(k.est.mean - mx, mx);
    }
    if let Some(mn) = t.min {
        return rel(mn - k.est.mean, mn);
    }
    0.0
}

fn kpi_finding(k: &KpiSummary, lang: Lang) -> Option<Finding> {
    let rag = Rag::of_kpi(k, lang);
    if rag < Rag::Amber {
        return None;
    }
    let (_, _, target) = status(k, lang);
    let figure = match &k.target {
        Some(t) if t.share_within.is_some() => {
            let sw = t.share_within.as_ref()?;
            let ci = if sw.ci95[0].is_finite() {
                format!(
                    " [{}, {}]",
                    value(sw.ci95[0].clamp(0.0, 1.0), "share"),
                    value(sw.ci95[1].clamp(0.0, 1.0), "share")
                )
            } else {
                String::new()
            };
            format!(
                "{}{ci} {}",
                value(sw.mean, "share"),
                lang.t(Key::OfPatientsWithinTarget)
            )
        }
        _ => kpi_value(k, lang),
    };
    let base = if rag == Rag::Red { 3.0 } else { 2.0 };
    Some(Finding {
        severity: base + kpi_miss(k).min(2.0),
        rag,
        department: k.department.clone(),
        text: format!("{}: {figure} ({target})", k.label),
    })
}

fn resource_findings(r: &ResourceSummary, lang: Lang) -> Option<Finding> {
    if r.unlimited {
        return None;
    }
    let over92 = r.share_time_over_92.mean;
    let busy_note = if over92.is_finite() && over92 >= 0.05 {
        format!(
            "; {}",
            lang.t(Key::AboveOccupancy)
                .replace("{share}", &value(over92, "share"))
        )
    } else {
        String::new()
    };
    let mut best: Option<Finding> = None;
    let mut consider = |severity: f64, rag: Rag, text: String| {
        if best.as_ref().is_none_or(|b| severity > b.severity) {
            best = Some(Finding {
                severity,
                rag,
                department: r.department.clone(),
                text,
            });
        }
    };
    let refused = r.refused_per_day.mean;
    if refused.is_finite() && refused > 0.05 {
        consider(
            3.0 + (1.0 + refused).ln().min(2.0),
            Rag::Red,
            format!(
                "{}: {}{busy_note}",
                r.label,
                lang.t(Key::RefusedPerDay).replace("{n}", &num(refused))
            ),
        );
    }
    let wait = r.wait_mean_min.mean;
    if wait.is_finite() && wait >= 60.0 {
        consider(
            2.0 + (wait / 60.0).ln().min(2.0) + over92.clamp(0.0, 1.0),
            if wait >= 240.0 { Rag::Red } else { Rag::Amber },
            format!(
                "{}: {}{busy_note}",
                r.label,
                lang.t(Key::PatientsWait).replace(
                    "{wait}",
                    &format!("{}{}", duration(wait, lang), duration_ci(&r.wait_mean_min))
                )
            ),
        );
    }
    let holding = r.waiting_while_holding_hours_per_day.mean;
    if holding.is_finite() && holding >= 1.0 {
        consider(
            1.5 + (1.0 + holding / 24.0).ln().min(2.0),
            Rag::Amber,
            format!(
                "{}: {}",
                r.label,
                lang.t(Key::BoardingHours).replace("{h}", &num(holding))
            ),
        );
    }
    let gave_up = r.gave_up_per_day.mean;
    if gave_up.is_finite() && gave_up > 0.05 {
        consider(
            2.5 + (1.0 + gave_up).ln().min(2.0),
            Rag::Red,
            format!(
                "{}: {}",
                r.label,
                lang.t(Key::GaveUpPerDay).replace("{n}", &num(gave_up))
            ),
        );
    }
    if over92.is_finite() && over92 >= 0.2 {
        consider(
            1.0 + 2.0 * over92.min(1.0),
            Rag::Amber,
            format!(
                "{}: {}",
                r.label,
                lang.t(Key::AboveOccupancy)
                    .replace("{share}", &value(over92, "share"))
            ),
        );
    }
    best
}

/// Every finding, worst first (ties in scenario order).
pub(crate) fn findings(s: &Summary, lang: Lang) -> Vec<Finding> {
    findings_of(&s.kpis, &s.resources, &s.items, lang)
}

fn findings_of(
    kpis: &[KpiSummary],
    resources: &[ResourceSummary],
    items: &[ItemSummary],
    lang: Lang,
) -> Vec<Finding> {
    let mut out: Vec<Finding> = kpis
        .iter()
        .filter_map(|k| kpi_finding(k, lang))
        .chain(resources.iter().filter_map(|r| resource_findings(r, lang)))
        .collect();
    for it in items {
        let hours = it.stockout_hours_per_year.mean;
        let fill = it.fill_rate.mean;
        if hours.is_finite() && hours > 0.5 && fill.is_finite() && fill < 0.999 {
            out.push(Finding {
                severity: 2.5 + (10.0 * (1.0 - fill)).min(2.0),
                rag: if fill < 0.99 { Rag::Red } else { Rag::Amber },
                department: "supplies".into(),
                text: format!(
                    "{}: {}",
                    it.label,
                    lang.t(Key::StockedOut)
                        .replace("{h}", &num(hours))
                        .replace("{fill}", &value(fill, "share"))
                ),
            });
        }
    }
    out.sort_by(|a, b| b.severity.total_cmp(&a.severity));
    out
}

/// A department's card: what it holds and how it is doing.
struct Card<'a> {
    id: String,
    rag: Rag,
    kpis: Vec<&'a KpiSummary>,
    resources: Vec<&'a ResourceSummary>,
    items: usize,
}

fn cards<'a>(s: &'a Summary, lang: Lang) -> Vec<Card<'a>> {
    let mut ids: Vec<String> = s
        .resources
        .iter()
        .map(|r| r.department.clone())
        .chain(s.kpis.iter().map(|k| k.department.clone()))
        .chain((!s.items.is_empty()).then(|| "supplies".to_string()))
        .collect();
    ids.sort_by(|a, b| department_rank(a).cmp(&department_rank(b)));
    ids.dedup();
    ids.into_iter()
        .map(|id| {
            let mut kpis: Vec<&KpiSummary> = s.kpis.iter().filter(|k| k.department == id).collect();
            // Targets missed first: the figures a director must see.
            kpis.sort_by_key(|k| std::cmp::Reverse(Rag::of_kpi(k, lang)));
            let mut resources: Vec<&ResourceSummary> =
                s.resources.iter().filter(|r| r.department == id).collect();
            resources.sort_by(|a, b| {
                let u = |r: &ResourceSummary| {
                    if r.unlimited {
                        -1.0
                    } else {
                        r.utilisation.mean
                    }
                };
                u(b).total_cmp(&u(a))
            });
            let items = if id == "supplies" { s.items.len() } else { 0 };
            let mut rag = kpis
                .iter()
                .map(|k| Rag::of_kpi(k, lang))
                .chain(resources.iter().map(|r| Rag::of_resource(r)))
                .max()
                .unwrap_or(Rag::Grey);
            if items > 0 {
                let worst_fill = s
                    .items
                    .iter()
                    .map(|it| it.fill_rate.mean)
                    .filter(|f| f.is_finite())
                    .fold(1.0, f64::min);
                let item_rag = if worst_fill < 0.99 {
                    Rag::Red
                } else if worst_fill < 0.999 {
                    Rag::Amber
                } else {
                    Rag::Green
                };
                rag = rag.max(item_rag);
            }
            Card {
                id,
                rag,
                kpis,
                resources,
                items,
            }
        })
        .collect()
}

/// Occupancy (busy / capacity) of a resource over the run as an inline SVG
/// line, with the 92% level dashed.
fn sparkline(series: &ResourceSeries) -> Option<Markup> {
    let points: Vec<f64> = series.busy[0]
        .iter()
        .zip(&series.capacity)
        .map(|(b, c)| if *c > 0.0 { b / c } else { f64::NAN })
        .collect();
    let finite: Vec<(usize, f64)> = points
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .collect();
    if finite.len() < 2 {
        return None;
    }
    let (w, h) = (220.0, 40.0);
    let top = finite.iter().map(|p| p.1).fold(1.0, f64::max);
    let last = (points.len() - 1).max(1) as f64;
    let xy = |i: usize, v: f64| (w * i as f64 / last, h - h * v / top);
    let line: String = finite
        .iter()
        .map(|&(i, v)| {
            let (x, y) = xy(i, v);
            format!("{x:.1},{y:.1}")
        })
        .collect::<Vec<_>>()
        .join(" ");
    let y92 = h - h * 0.92 / top;
    Some(html! {
        svg.spark viewBox=(format!("0 0 {w} {h}")) preserveAspectRatio="none" width=(w) height=(h) role="img" {
            line x1="0" x2=(w) y1=(format!("{y92:.1}")) y2=(format!("{y92:.1}")) stroke="#c62828" stroke-dasharray="3 3" stroke-width="1" {}
            polyline points=(line) fill="none" stroke="#1f5ea8" stroke-width="1.6" {}
        }
    })
}

fn resource_figure(r: &ResourceSummary, lang: Lang) -> (String, String) {
    if r.unlimited {
        return (
            r.label.clone(),
            format!("{} {}", num(r.busy_mean.mean), lang.t(Key::BusyUnits)),
        );
    }
    let u = &r.utilisation;
    let ci = if u.ci95[0].is_finite() {
        format!(
            " [{}, {}]",
            value(u.ci95[0].clamp(0.0, 1.0), "share"),
            value(u.ci95[1].clamp(0.0, 1.0), "share")
        )
    } else {
        String::new()
    };
    let mut text = format!("{} {}{ci}", lang.t(Key::Busy), value(u.mean, "share"));
    if r.wait_mean_min.mean.is_finite() && r.wait_mean_min.mean >= 1.0 {
        text.push_str(&format!(
            " · {} {}",
            lang.t(Key::MeanWaitShort),
            duration(r.wait_mean_min.mean, lang)
        ));
    }
    (r.label.clone(), text)
}

/// Items by fill rate, the worst first.
fn worst_items(s: &Summary) -> Vec<&ItemSummary> {
    let mut items: Vec<_> = s.items.iter().collect();
    items.sort_by(|a, b| {
        let f = |x: f64| if x.is_finite() { x } else { 1.0 };
        f(a.fill_rate.mean).total_cmp(&f(b.fill_rate.mean))
    });
    items
}

/// For a duration KPI with a target time: the share of patients within it.
fn within_note(k: &KpiSummary, lang: Lang) -> String {
    match &k.target {
        Some(t) => match (t.within, &t.share_within) {
            (Some(w), Some(sw)) => format!(
                " · {} ≤ {} {}",
                value(sw.mean, "share"),
                num(w),
                unit_text(&k.unit, lang)
            ),
            _ => String::new(),
        },
        None => String::new(),
    }
}

/// The headline and the department cards.
pub(crate) fn cockpit(s: &Summary, series: &[ResourceSeries], lang: Lang) -> Markup {
    let found = findings(s, lang);
    let top: Vec<&Finding> = found.iter().take(3).collect();
    let cards = cards(s, lang);
    html! {
        div.headline id="headline" {
            @if top.is_empty() {
                @let any_target = s.kpis.iter().any(|k| k.target.is_some());
                p.finding.green { (lang.t(if any_target { Key::NothingStrained } else { Key::NothingStrainedNoTargets })) }
            }
            @for f in &top {
                p class=(format!("finding {}", f.rag.class())) {
                    strong { (department_name(&f.department, lang)) } " · " (f.text)
                }
            }
        }
        div.cards id="department-cards" {
            @for c in &cards {
                @let label = department_name(&c.id, lang);
                div class=(format!("card {}", c.rag.class())) id=(format!("card-{}", c.id)) {
                    div.card-head {
                        span.dot {}
                        span.name { (label) }
                        span.state { (lang.t(match c.rag {
                            Rag::Red => Key::StateRed,
                            Rag::Amber => Key::StateAmber,
                            Rag::Green => Key::StateGreen,
                            Rag::Grey => Key::StateGrey,
                        })) }
                    }
                    @let kpi_rows = c.kpis.iter().take(if c.resources.is_empty() { 3 } else { 2 });
                    @for k in kpi_rows {
                        div.fig {
                            span.fig-label { (k.label) }
                            span.fig-value { (kpi_value(k, lang)) (within_note(k, lang)) }
                        }
                    }
                    @if let Some(r) = c.resources.first() {
                        @let (name, text) = resource_figure(r, lang);
                        div.fig {
                            span.fig-label { (name) }
                            span.fig-value { (text) }
                        }
                        @if let Some(spark) = series.iter().find(|x| x.id == r.id).and_then(sparkline) {
                            (spark)
                        }
                    }
                    @if c.items > 0 {
                        @for it in worst_items(s).into_iter().take(2) {
                            div.fig {
                                span.fig-label { (it.label) }
                                span.fig-value { (lang.t(Key::FillRate)) " " (value(it.fill_rate.mean, "share")) }
                            }
                        }
                    }
                }
            }
        }
        p.note { (lang.t(Key::CockpitNote)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hospsim_results::summary::Target;

    fn est(mean: f64, half: f64) -> Est {
        Est {
            mean,
            sd: half / 2.0,
            ci95: [mean - half, mean + half],
        }
    }

    fn resource(id: &str, department: &str, utilisation: f64, wait_min: f64) -> ResourceSummary {
        let zero = est(0.0, 0.0);
        ResourceSummary {
            id: id.into(),
            label: id.into(),
            department: department.into(),
            capacity_mean: 10.0,
            utilisation: est(utilisation, 0.01),
            utilisation_started: est(utilisation, 0.01),
            busy_mean: est(10.0 * utilisation, 0.1),
            queue_mean: zero,
            queue_max: 0,
            wait_mean_min: est(wait_min, wait_min / 10.0),
            waiting_while_holding_mean: zero,
            waiting_while_holding_hours_per_day: zero,
            turnaround_mean: zero,
            down_mean: zero,
            share_time_over_85: zero,
            share_time_over_92: est(if utilisation > 0.9 { 0.4 } else { 0.1 }, 0.02),
            overrun_hours_per_day: zero,
            busy_max: 10,
            waiting_at_end: zero,
            waiting_at_end_wait_min: zero,
            refused_per_day: zero,
            gave_up_per_day: zero,
            unlimited: false,
            occupancy: vec![],
        }
    }

    fn kpi(name: &str, share_within: f64, target_share: f64) -> KpiSummary {
        KpiSummary {
            name: name.into(),
            label: name.into(),
            department: "ed".into(),
            unit: "min".into(),
            kind: "duration",
            est: est(100.0, 5.0),
            replications_observed: 10,
            observations_per_replication: 100.0,
            percentiles: vec![],
            target: Some(Target {
                within: Some(240.0),
                target_share: Some(target_share),
                max: None,
                min: None,
                share_within: Some(est(share_within, 0.01)),
                share_of_replications_meeting: 0.0,
            }),
            unfinished: None,
        }
    }

    #[test]
    fn a_long_wait_outranks_a_busier_unit_that_keeps_up() {
        // The old strain table ranked by utilisation alone: the wards at 95%
        // came first and the ICU's six-hour wait for a bed was not flagged.
        let resources = [
            resource("ward_bed", "wards", 0.95, 20.0),
            resource("icu_bed", "icu", 0.80, 360.0),
        ];
        let found = findings_of(&[], &resources, &[], Lang::En);
        assert_eq!(found[0].department, "icu", "{found:?}");
        assert!(
            found[0].text.contains("6.0 h [5.4, 6.6]"),
            "{}",
            found[0].text
        );
        assert_eq!(found[0].rag, Rag::Red);
        assert_eq!(found[1].department, "wards");
    }

    #[test]
    fn targets_missed_with_confidence_rank_by_how_far_they_miss() {
        let kpis = [
            kpi("near_miss", 0.93, 0.95),
            kpi("met", 0.99, 0.95),
            kpi("far_miss", 0.70, 0.95),
        ];
        let found = findings_of(&kpis, &[], &[], Lang::En);
        let names: Vec<&str> = found
            .iter()
            .map(|f| f.text.split(':').next().unwrap_or(""))
            .collect();
        assert_eq!(names, ["far_miss", "near_miss"], "{found:?}");
        assert!(found.iter().all(|f| f.rag == Rag::Red));
        // The share is shown, with its interval, in Chinese too.
        let zh = findings_of(&kpis, &[], &[], Lang::Zh);
        assert!(
            zh[0]
                .text
                .contains("70.0% [69.0%, 71.0%] 的患者在目标时间内"),
            "{}",
            zh[0].text
        );
    }

    #[test]
    fn departments_follow_the_hospital_and_unknown_ones_keep_their_name() {
        let mut ids = vec!["other", "wards", "maternity", "ed", "icu"];
        ids.sort_by(|a, b| department_rank(a).cmp(&department_rank(b)));
        assert_eq!(ids, ["ed", "icu", "wards", "maternity", "other"]);
        assert_eq!(department_name("icu", Lang::Zh), "重症监护室");
        assert_eq!(department_name("day_surgery", Lang::En), "day surgery");
    }
}

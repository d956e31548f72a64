//! The `drill` report.

use crate::ReportError;
use crate::charts::{Band, band_svg};
use crate::html::{esc, figure, files, num, page, section, signed, table, value};
use crate::i18n::{Key, Lang};
use hospsim_results::compare::Difference;
use hospsim_results::summary::Est;
use std::fmt::Write as _;

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
    /// What the run changed in the scenario (`--set path=value`).
    pub overrides: Vec<String>,
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
        ]
        .into_iter()
        .chain(crate::html::changes_line(lang, &self.overrides))
        .collect::<Vec<_>>();
        Ok(page(lang, lang.t(Key::DrillTitle), &subtitle, &body))
    }
}

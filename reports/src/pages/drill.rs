//! The `drill` report.

use crate::ReportError;
use crate::charts::{Band, band_svg};
use crate::html::{figure, files, num, page, section, signed, table, value};
use crate::i18n::{Key, Lang};
use hospsim_results::compare::Difference;
use hospsim_results::summary::Est;
use maud::html;

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
        let mut figures = Vec::with_capacity(self.timeline.len());
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
            figures.push(figure(
                &format!("timeline-{}", t.id),
                &t.label,
                &band_svg(&b, 440, 210)?,
            ));
        }
        let timeline = html! {
            p.note {
                span style="color:#1f5ea8" { "■" } " " (lang.t(Key::Drill)) " \u{a0} "
                span style="color:#d6701f" { "■" } " " (lang.t(Key::Baseline))
            }
            div.grid {
                @for f in &figures {
                    (f)
                }
            }
        };
        let rows: Vec<Vec<String>> = self
            .bottlenecks
            .iter()
            .map(|b| {
                vec![
                    b.label.clone(),
                    b.saturated_after_hours
                        .map(num)
                        .unwrap_or_else(|| lang.t(Key::Never).to_string()),
                    format!("{:.0}%", b.saturated_share * 100.0),
                    match (b.affected, b.recovery_hours) {
                        (false, _) => lang.t(Key::Unaffected).to_string(),
                        (true, Some(h)) => num(h),
                        (true, None) => lang.t(Key::NotRecovered).to_string(),
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
        let recovery = self
            .recovery_hours
            .map(|h| format!("{} {}", num(h), lang.t(Key::Hours)))
            .unwrap_or_else(|| lang.t(Key::NotRecovered).to_string());
        let chronology = html! {
            (table("bottlenecks", &head, &rows))
            p { strong { (lang.t(Key::Recovery)) ":" } " " (recovery) }
            @if self.turned_away > 0.0 {
                p { (lang.t(Key::TurnedAway)) ": " (num(self.turned_away)) }
            }
        };
        let kpi_rows: Vec<Vec<String>> = self
            .kpis
            .iter()
            .map(|(l, u, b, d, diff)| {
                vec![
                    l.clone(),
                    value(b.mean, u),
                    value(d.mean, u),
                    signed(diff.mean, u),
                    format!("{} … {}", signed(diff.ci95[0], u), signed(diff.ci95[1], u)),
                ]
            })
            .collect();
        let kpi_head = [
            Key::Measure,
            Key::Baseline,
            Key::Drill,
            Key::Difference,
            Key::CI,
        ]
        .map(|k| lang.t(k).to_string());
        let th_rows: Vec<Vec<String>> = self
            .thresholds
            .iter()
            .map(|(l, w, b, d, diff)| {
                vec![
                    l.clone(),
                    w.clone(),
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
        let th_head = vec![
            lang.t(Key::Measure).to_string(),
            lang.t(Key::Target).into(),
            lang.t(Key::Baseline).into(),
            lang.t(Key::Drill).into(),
            lang.t(Key::Extra).into(),
        ];
        let effect_head = vec![
            lang.t(Key::Effect).to_string(),
            lang.t(Key::Difference).into(),
            lang.t(Key::CI).into(),
        ];
        let responses = html! {
            @for (i, (name, share, hours, effects)) in self.responses.iter().enumerate() {
                @let rows: Vec<Vec<String>> = effects
                    .iter()
                    .map(|(l, u, d)| {
                        vec![
                            l.clone(),
                            signed(d.mean, u),
                            format!("{} … {}", signed(d.ci95[0], u), signed(d.ci95[1], u)),
                        ]
                    })
                    .collect();
                h3 { (name) }
                p.note {
                    (lang.t(Key::Fired)) ": " (format!("{:.0}%", share * 100.0)) " · "
                    (lang.t(Key::FiredAfter)) ": " (hours.map(num).unwrap_or_else(|| "–".into()))
                }
                (table(&format!("response-{i}"), &effect_head, &rows))
            }
        };
        let body = html! {
            (files(lang, &self.files))
            (section("timeline", lang.t(Key::Timeline), timeline))
            (section("chronology", lang.t(Key::Bottlenecks), chronology))
            (section("kpis", lang.t(Key::Kpis), table("drill-kpis", &kpi_head, &kpi_rows)))
            (section(
                "thresholds",
                lang.t(Key::Thresholds),
                table("drill-thresholds", &th_head, &th_rows),
            ))
            @if !self.responses.is_empty() {
                (section("responses", lang.t(Key::Responses), responses))
            }
        };
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
        Ok(page(lang, lang.t(Key::DrillTitle), &subtitle, body))
    }
}

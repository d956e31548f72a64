//! The `compare` report.

use crate::ReportError;
use crate::charts::forest_svg;
use crate::html::{figure, files, page, section, signed, table, value};
use crate::i18n::{Key, Lang};
use hospsim_results::compare::Difference;
use hospsim_results::summary::Est;
use maud::{Markup, html};

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
    /// What the run changed in the scenarios (`--set path=value`).
    pub overrides: Vec<String>,
}

impl CompareView {
    /// The whole page.
    pub fn render(&self) -> Result<String, ReportError> {
        let lang = self.lang;
        let mut variants = Vec::new();
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
            let chart = figure(
                &format!("forest-{k}"),
                lang.t(Key::Forest),
                &forest_svg(&forest, "%", 900)?,
            );
            let table_rows: Vec<Vec<Markup>> = rows
                .iter()
                .map(|r| {
                    let (v, d) = &r.variants[k - 1];
                    let class = if d.ci95[0] > 0.0 || d.ci95[1] < 0.0 {
                        "sig"
                    } else {
                        ""
                    };
                    let p_value = if d.p_value.is_finite() {
                        if d.p_value < 0.001 {
                            "<0.001".into()
                        } else {
                            format!("{:.3}", d.p_value)
                        }
                    } else {
                        "–".into()
                    };
                    let reduction =
                        if self.common_random_numbers && d.variance_reduction.is_finite() {
                            format!("{:.0}%", d.variance_reduction * 100.0)
                        } else {
                            "–".into()
                        };
                    vec![
                        html! { (r.label) },
                        html! { (value(r.base.mean, &r.unit)) },
                        html! { (value(v.mean, &r.unit)) },
                        html! { span class=(class) { (signed(d.mean, &r.unit)) } },
                        html! {
                            (signed(d.ci95[0], &r.unit)) " … " (signed(d.ci95[1], &r.unit))
                        },
                        html! { (p_value) },
                        html! { (reduction) },
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
            let inner = html! {
                (chart)
                (table(&format!("compare-{k}"), &head, &table_rows))
            };
            variants.push(section(
                &format!("variant-{k}"),
                &format!("{name}  vs  {}", self.scenarios[0]),
                inner,
            ));
        }
        let body = html! {
            (files(lang, &self.files))
            @for v in &variants {
                (v)
            }
        };
        let subtitle = vec![
            format!("{} {}", self.replications, lang.t(Key::Replications)),
            lang.t(if self.common_random_numbers {
                Key::Crn
            } else {
                Key::Independent
            })
            .to_string(),
        ]
        .into_iter()
        .chain(crate::html::changes_line(lang, &self.overrides))
        .collect::<Vec<_>>();
        Ok(page(lang, lang.t(Key::CompareTitle), &subtitle, body))
    }
}

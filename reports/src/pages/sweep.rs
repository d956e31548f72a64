//! The `sweep` report.

use crate::ReportError;
use crate::charts::lines_svg;
use crate::html::{figure, files, page, section, table, value};
use crate::i18n::{Key, Lang};
use hospsim_results::summary::Est;
use maud::html;

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
    /// What the run changed in the scenario (`--set path=value`).
    pub overrides: Vec<String>,
}

impl SweepView {
    /// The whole page.
    pub fn render(&self) -> Result<String, ReportError> {
        let lang = self.lang;
        let target = self.target.as_ref().map(|t| {
            let text = match self.cheapest {
                Some(i) => {
                    let p = &self.points[i];
                    let desc: Vec<String> = self
                        .params
                        .iter()
                        .zip(&p.values)
                        .map(|(k, v)| format!("{k} = {v}"))
                        .collect();
                    html! {
                        p {
                            strong { (lang.t(Key::Cheapest)) }
                            " (" (t) "): " (lang.t(Key::Point)) " " (i) ": " (desc.join(", "))
                        }
                    }
                }
                None => html! { p { (lang.t(Key::NoPointMeets)) " (" (t) ")" } },
            };
            section("target", lang.t(Key::Target), text)
        });
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
        let mut curves = Vec::new();
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
            curves.push(figure(&format!("sweep-{id}"), label, &svg));
        }
        let curves = html! {
            div.grid {
                @for c in &curves {
                    (c)
                }
            }
        };
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
                r.extend(p.values.iter().cloned());
                r.extend(p.kpis.iter().take(8).map(|k| value(k.3.mean, &k.2)));
                if let Some(m) = p.meets {
                    r.push(lang.t(if m { Key::Met } else { Key::NotMet }).to_string());
                }
                r
            })
            .collect();
        let body = html! {
            (files(lang, &self.files))
            @if let Some(t) = &target {
                (t)
            }
            (section("curves", lang.t(Key::SweepCurves), curves))
            (section("points", lang.t(Key::Point), table("sweep-points", &head, &rows)))
        };
        let subtitle: Vec<String> = std::iter::once(self.scenario.clone())
            .chain(crate::html::changes_line(lang, &self.overrides))
            .collect();
        Ok(page(lang, lang.t(Key::SweepTitle), &subtitle, body))
    }
}

//! The forecast and backtest reports: fan charts per series, and the ranked
//! accuracy table of a backtest.

use crate::charts::{self, Band};
use crate::html;
use crate::{Lang, ReportError};

/// One series' history and forecast for a fan chart.
pub struct FanChart {
    /// Series id.
    pub id: String,
    /// Model and what it fitted.
    pub model: String,
    /// The last observations (oldest first).
    pub history: Vec<f64>,
    /// Point forecast.
    pub mean: Vec<f64>,
    /// Widest interval (lower, upper) and its level.
    pub band: Option<(Vec<f64>, Vec<f64>, f64)>,
    /// Unit of a step, e.g. "months".
    pub step_unit: String,
}

/// What `hospsim forecast` shows.
pub struct ForecastView {
    /// Title.
    pub title: String,
    /// Lines under the title.
    pub subtitle: Vec<String>,
    /// Fan charts of the first series.
    pub charts: Vec<FanChart>,
    /// Table of fitted models (header, rows).
    pub table: (Vec<String>, Vec<Vec<String>>),
    /// Files written beside the report.
    pub files: Vec<String>,
}

/// What `hospsim backtest` shows.
pub struct BacktestView {
    /// Title.
    pub title: String,
    /// Lines under the title.
    pub subtitle: Vec<String>,
    /// Ranked metrics table (header, rows), best first.
    pub table: (Vec<String>, Vec<Vec<String>>),
    /// Per model: mean MASE and the 25%–75% range across series.
    pub mase: Vec<(String, f64, f64, f64)>,
    /// Fan charts of the last fold of the best model for the first series.
    pub charts: Vec<FanChart>,
    /// Files written beside the report.
    pub files: Vec<String>,
}

fn fan(c: &FanChart) -> Result<String, ReportError> {
    let k = c.history.len();
    let x: Vec<f64> = (0..k + c.mean.len())
        .map(|i| i as f64 - k as f64 + 1.0)
        .collect();
    let mut line = c.history.clone();
    line.extend(&c.mean);
    let nan = vec![f64::NAN; k];
    let (lo, hi) = match &c.band {
        Some((l, u, _)) => {
            let mut lo = nan.clone();
            lo.extend(l);
            let mut hi = nan.clone();
            hi.extend(u);
            // Anchor the band on the last observation so it opens from it.
            if k > 0 {
                lo[k - 1] = c.history[k - 1];
                hi[k - 1] = c.history[k - 1];
            }
            (lo, hi)
        }
        None => (vec![f64::NAN; x.len()], vec![f64::NAN; x.len()]),
    };
    let x_label = format!("{} from the forecast origin", c.step_unit);
    charts::band_svg(
        &Band {
            x: &x,
            mean: &line,
            lo: &lo,
            hi: &hi,
            reference: None,
            second: None,
            x_label: &x_label,
            y_label: "",
        },
        460,
        220,
    )
}

fn fan_section(list: &[FanChart]) -> Result<String, ReportError> {
    let mut figures = String::from("<div class=\"grid\">");
    for (i, c) in list.iter().enumerate() {
        let caption = match &c.band {
            Some((_, _, level)) => format!("{} — {} ({level:.0}% interval shaded)", c.id, c.model),
            None => format!("{} — {}", c.id, c.model),
        };
        figures.push_str(&html::figure(&format!("fan-{i}"), &caption, &fan(c)?));
    }
    figures.push_str("</div>");
    Ok(figures)
}

/// The forecast report.
pub fn forecast_page(v: &ForecastView) -> Result<String, ReportError> {
    let mut body = String::new();
    body.push_str(&html::section(
        "forecasts",
        "Forecasts",
        &format!(
            "<p class=\"note\">The line is history then the point forecast; the shaded band is the prediction interval. Only the first {} series are drawn; forecasts.csv has all.</p>{}",
            v.charts.len(),
            fan_section(&v.charts)?
        ),
    ));
    body.push_str(&html::section(
        "models",
        "Fitted models",
        &html::table("models-table", &v.table.0, &v.table.1),
    ));
    body.push_str(&html::files(Lang::En, &v.files));
    Ok(html::page(Lang::En, &v.title, &v.subtitle, &body))
}

/// The backtest report.
pub fn backtest_page(v: &BacktestView) -> Result<String, ReportError> {
    let mut body = String::new();
    body.push_str(&html::section(
        "ranking",
        "Accuracy by model (best first)",
        &format!(
            "<p class=\"note\">Rolling-origin evaluation: each fold refits on the history up to its origin and forecasts the next steps. MASE below 1 beats the in-sample seasonal naive forecast; coverage should be near the nominal level.</p>{}",
            html::table("metrics-table", &v.table.0, &v.table.1)
        ),
    ));
    let forest = charts::forest_svg(&v.mase, "MASE (mean; bar: 25%-75% of series)", 720)?;
    body.push_str(&html::section(
        "mase",
        "MASE across series",
        &html::figure(
            "mase-chart",
            "Mean MASE per model with the middle half of the series",
            &forest,
        ),
    ));
    if !v.charts.is_empty() {
        body.push_str(&html::section(
            "last-fold",
            "Last fold of the best model",
            &fan_section(&v.charts)?,
        ));
    }
    body.push_str(&html::files(Lang::En, &v.files));
    Ok(html::page(Lang::En, &v.title, &v.subtitle, &body))
}

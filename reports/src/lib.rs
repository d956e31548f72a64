//! # hospsim-reports
//!
//! Turns result values into files a hospital director can read: plotters charts
//! (SVG inlined into the HTML, PNG with an embedded font) and self-contained HTML
//! reports in English or Simplified Chinese. No script, font or network access is
//! needed to open a report: hospital networks are often offline.
//!
//! This crate does no file IO except [`charts::band_png`], which writes the PNG
//! it is asked for; the CLI decides where reports go.

pub mod charts;
pub mod html;
pub mod i18n;
pub mod pages;

pub use i18n::Lang;
pub use pages::{CompareView, DrillView, RunView, SweepView};

/// A chart or report that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// plotters failed to draw (a font, a size, a value out of range).
    #[error("cannot draw chart {chart}: {message}")]
    Chart {
        /// Which chart.
        chart: String,
        /// What plotters said.
        message: String,
    },
}

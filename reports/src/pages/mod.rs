//! The reports: what each command's HTML page shows, from plain result values.

mod compare;
mod drill;
mod run;
mod sweep;

pub use compare::{CompareRow, CompareView};
pub use drill::{BottleneckRow, DrillView, ResponseRow, TimelineSeries};
pub use run::{Distribution, ResourceSeries, RunView};
pub use sweep::{SweepPoint, SweepView};
mod forecast;
mod history;
pub use forecast::{BacktestView, FanChart, ForecastView, backtest_page, forecast_page};
pub use history::{HistoryView, HourlySeries, TableSection, history_page};

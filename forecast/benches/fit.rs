//! Per-series fit time of the forecasting models (criterion).
fn main() {}

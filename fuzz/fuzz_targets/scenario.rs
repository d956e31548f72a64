//! Scenario text through load (TOML, serde, field paths to file:line:col) and
//! compile; a scenario that compiles runs one short replication. Nothing may
//! panic, hang or allocate past the limits, whatever the text.
#![no_main]

use hospsim_sim::model::ArrivalProcess;
use libfuzzer_sys::fuzz_target;

/// Simulated time a fuzzed scenario runs, in minutes (two days).
const HORIZON: f64 = 2.0 * 1440.0;
/// Arrivals beyond which a run is skipped: the limits allow a million a day,
/// which is a valid but slow input, not a bug.
const MAX_ARRIVALS: f64 = 20_000.0;

fn expected_arrivals(m: &hospsim_sim::Model) -> f64 {
    m.classes
        .iter()
        .map(|c| match &c.process {
            ArrivalProcess::Poisson { max_rate, .. } => max_rate * HORIZON,
            ArrivalProcess::Piecewise { max_rate, .. } => max_rate * HORIZON,
            ArrivalProcess::Weekly(slots) => slots.iter().map(|s| s.1 as f64).sum::<f64>() * 2.0,
            ArrivalProcess::At(list) => list.iter().map(|s| s.1 as f64).sum(),
            ArrivalProcess::Surge { n, .. } => *n as f64,
            ArrivalProcess::Replay { list, .. } => list.len() as f64,
        })
        .sum()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(loaded) = hospsim_scenario::load_text("fuzz.toml", text, &[]) else {
        return;
    };
    let mut m = loaded.model;
    m.replications = 1;
    m.horizon = m.horizon.min(HORIZON);
    m.warmup = m.warmup.min(m.horizon / 2.0);
    m.sample_interval = m.sample_interval.max(60.0);
    if expected_arrivals(&m) > MAX_ARRIVALS {
        return;
    }
    let _ = hospsim_sim::runner::simulate(&m, &hospsim_sim::runner::RunOptions::threads(1), &|| {});
});

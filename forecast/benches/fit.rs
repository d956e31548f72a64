//! Per-series fit-and-forecast time of the main models on one monthly series
//! (AirPassengers-length, 144 points, season 12).

use criterion::{Criterion, criterion_group, criterion_main};
use hospsim_forecast::{Input, ModelSpec};
use std::hint::black_box;

fn series() -> Vec<f64> {
    // A seasonal, trending, noisy monthly series (deterministic).
    (0..144)
        .map(|t| {
            let season = 1.0 + 0.2 * (2.0 * std::f64::consts::PI * t as f64 / 12.0).sin();
            let noise = ((t * 7919) % 97) as f64 / 97.0 - 0.5;
            (200.0 + 2.0 * t as f64) * season + 10.0 * noise
        })
        .collect()
}

fn fit(c: &mut Criterion) {
    let y = series();
    let mut group = c.benchmark_group("fit_predict_12");
    for name in [
        "snaive", "ses", "ets", "ets:MAdM", "theta", "otm", "croston", "lm", "ensemble",
    ] {
        let spec = ModelSpec::parse(name).unwrap_or_else(|e| panic!("{e}"));
        group.bench_function(name, |b| {
            b.iter(|| {
                let model = spec.build();
                let fitted = model.fit(&Input::new(black_box(&y), 12)).ok();
                fitted.map(|f| f.predict(12, &[80.0, 95.0]).ok())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, fit);
criterion_main!(benches);

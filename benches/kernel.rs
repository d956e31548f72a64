//! Kernel benchmarks (criterion). Figures and peer comparisons: docs/performance.md.
//!
//! - `mmc_1m`: M/M/10, 1,000,000 customers, one replication (peers: SimPy ~7 s,
//!   the bare hand-written loop in shared/peers/limit ~0.058 s).
//! - `ed_year`: the default hospital, 365 days, one replication.
//! - `ed_year_20reps/{1,2}_threads`: 20 replications, for the parallel speed-up.
//! - `ed_overloaded` / `ed_stable`: the peers' small ED, overloaded and stable, to
//!   show that cost per event does not grow with queue length.

use criterion::{Criterion, criterion_group, criterion_main};
use hospsim_sim::{Model, Scenario, compile, runner};
use std::time::Duration;

fn model(path: &str, edit: impl FnOnce(&mut Scenario)) -> Model {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .expect("scenario file");
    let mut s: Scenario = toml::from_str(&text).expect("scenario parses");
    edit(&mut s);
    compile(&s).expect("scenario compiles")
}

fn run_on(m: &Model, threads: usize) -> u64 {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    let reps = pool.install(|| runner::run(m, false, &|| {})).expect("run");
    reps.iter().map(|r| r.events).sum()
}

fn benches(c: &mut Criterion) {
    let mut g = c.benchmark_group("kernel");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(1));

    let mmc = model("scenarios/bench/mmc_1m.toml", |_| {});
    g.bench_function("mmc_1m", |b| b.iter(|| run_on(&mmc, 1)));

    let year = hospsim_sim::duration::parse_duration("365 d").expect("duration");
    let ed = model("scenarios/general_hospital.toml", |s| {
        s.sim.replications = 1;
        s.sim.horizon = year;
        s.sim.warmup = hospsim_sim::duration::Duration::from_minutes(0.0);
    });
    g.bench_function("ed_year", |b| b.iter(|| run_on(&ed, 1)));

    let ed20 = model("scenarios/general_hospital.toml", |s| {
        s.sim.replications = 20;
        s.sim.horizon = year;
        s.sim.warmup = hospsim_sim::duration::Duration::from_minutes(0.0);
    });
    g.bench_function("ed_year_20reps/1_threads", |b| b.iter(|| run_on(&ed20, 1)));
    g.bench_function("ed_year_20reps/2_threads", |b| b.iter(|| run_on(&ed20, 2)));

    let over = model("scenarios/bench/ed_overloaded.toml", |_| {});
    g.bench_function("ed_overloaded", |b| b.iter(|| run_on(&over, 1)));
    let stable = model("scenarios/bench/ed_overloaded.toml", |s| {
        if let Some(r) = s.resources.get_mut("doctor") {
            r.capacity = Some(hospsim_sim::scenario::CapacitySpec::Units(5));
        }
        if let Some(r) = s.resources.get_mut("ward_bed") {
            r.capacity = Some(hospsim_sim::scenario::CapacitySpec::Units(160));
        }
    });
    g.bench_function("ed_stable", |b| b.iter(|| run_on(&stable, 1)));
    g.finish();
}

criterion_group!(kernel, benches);
criterion_main!(kernel);

//! Replications in parallel, folded in replication order into bounded summaries.
//!
//! Workers run replications on their own threads; the caller's thread folds
//! each finished replication into the summary state in replication order, so
//! figures do not depend on the number of threads (floating-point sums are
//! order-sensitive) and a replication's output is dropped as soon as it is
//! folded. Workers stay at most two replications per thread ahead of the fold,
//! so memory is bounded by a few replications in flight plus the
//! per-replication rows, however many replications are asked for.
//!
//! ```
//! use hospsim_sim::{compile, runner, Scenario};
//! let text = r#"
//! name = "M/M/1"
//! [sim]
//! horizon = "30 d"
//! replications = 4
//! [resources.server]
//! capacity = 1
//! [arrivals.a]
//! pathway = "p"
//! per_day = 12
//! [pathways.p]
//! steps = [
//!   { activity = "service", use = ["server"], duration = { exponential = { mean = "1 h" } } },
//!   { exit = "discharged" },
//! ]
//! "#;
//! let scenario: Scenario = toml::from_str(text).unwrap();
//! let model = compile(&scenario).unwrap();
//! let reps = runner::simulate(&model, &runner::RunOptions::threads(2), &|| {}).unwrap();
//! let (summary, table) = runner::summarize(&model, &reps, 2);
//! assert_eq!(table.rows.len(), 4);
//! assert!(summary.flow.conservation_holds);
//! ```

mod occupancy;
mod samples;
mod summary;

pub use occupancy::{erlang_b, occupancy_levels};
pub use samples::{SampleAcc, SampleStats, for_each_sample};
pub use summary::{RepRow, Replications, kpi_distribution, summarize};

use crate::engine::{Engine, Fault, RepOutput};
use crate::error::SimError;
use crate::limits::{MAX_REPLICATIONS, MAX_THREADS};
use crate::model::Model;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

/// Flags that stop a run before its end: the caller's (an interrupt) and the
/// runner's own (another replication failed). Engines look at them at every
/// sample time, never on the hot path.
#[derive(Clone, Copy)]
pub struct Stop<'a> {
    outer: Option<&'a AtomicBool>,
    inner: &'a AtomicBool,
}

impl Stop<'_> {
    /// Whether the run should stop.
    pub fn is_set(&self) -> bool {
        self.inner.load(Ordering::Relaxed) || self.outer.is_some_and(|f| f.load(Ordering::Relaxed))
    }
}

/// How a run is carried out: none of these options changes a result.
#[derive(Clone, Copy, Default)]
pub struct RunOptions<'a> {
    /// Worker threads (1 to [`MAX_THREADS`]).
    pub threads: usize,
    /// Keep one row per patient ([`RepOutput::trace`]).
    pub trace: bool,
    /// With `trace`, trace only the replications numbered below this (None:
    /// all): a year of the default hospital is 660 MB of trace in 20.
    pub trace_replications: Option<u32>,
    /// Stops the run when set (an interrupt); the run then fails with
    /// [`SimError::Interrupted`].
    pub cancel: Option<&'a AtomicBool>,
}

impl RunOptions<'_> {
    /// Options with `threads` workers and nothing else.
    pub fn threads(threads: usize) -> Self {
        RunOptions {
            threads,
            ..Default::default()
        }
    }
}

/// Checks the options of a run of `replications`.
fn check(replications: u32, threads: usize) -> Result<(), SimError> {
    if replications == 0 {
        return Err(SimError::Options(
            "at least one replication is needed".into(),
        ));
    }
    if replications > MAX_REPLICATIONS {
        return Err(SimError::Options(format!(
            "at most {MAX_REPLICATIONS} replications, got {replications}"
        )));
    }
    if !(1..=MAX_THREADS).contains(&threads) {
        return Err(SimError::Options(format!(
            "threads must be 1 to {MAX_THREADS}, got {threads}"
        )));
    }
    Ok(())
}

/// Runs `job` for replications `0..n` on `threads` workers and hands each
/// result to `fold` on the caller's thread, in replication order. The first
/// error (in replication order) stops the run and is returned; so does
/// `cancel` being set.
pub fn replicate<T: Send, E: From<SimError>>(
    n: u32,
    threads: usize,
    cancel: Option<&AtomicBool>,
    job: &(dyn Fn(u32, Stop<'_>) -> Result<T, SimError> + Sync),
    fold: &mut dyn FnMut(u32, T) -> Result<(), E>,
) -> Result<(), E> {
    check(n, threads)?;
    let threads = threads.min(n as usize);
    let window = 2 * threads as u32;
    let next = AtomicU32::new(0);
    let inner = AtomicBool::new(false);
    let stop = Stop {
        outer: cancel,
        inner: &inner,
    };
    // Replications folded so far, for the workers to keep within the window.
    let folded = (Mutex::new(0u32), Condvar::new());
    let (tx, rx) = mpsc::channel::<(u32, Result<T, SimError>)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, folded) = (&next, &folded);
            scope.spawn(move || {
                loop {
                    if stop.is_set() {
                        break;
                    }
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= n {
                        break;
                    }
                    {
                        let mut done = folded.0.lock().unwrap_or_else(|e| e.into_inner());
                        while k >= *done + window && !stop.is_set() {
                            done = folded.1.wait(done).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    if stop.is_set() {
                        break;
                    }
                    if tx.send((k, job(k, stop))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut expect = 0u32;
        let mut result = Ok(());
        'recv: for (k, r) in rx.iter() {
            pending.insert(k, r);
            while let Some(r) = pending.remove(&expect) {
                let step = match r {
                    Ok(t) => fold(expect, t),
                    Err(e) => Err(e.into()),
                };
                expect += 1;
                if let Ok(mut done) = folded.0.lock() {
                    *done = expect;
                }
                folded.1.notify_all();
                if let Err(e) = step {
                    result = Err(e);
                    break 'recv;
                }
            }
        }
        if result.is_err() {
            inner.store(true, Ordering::Relaxed);
            folded.1.notify_all();
        } else if expect < n {
            // The workers stopped early: only an interrupt does that.
            result = Err(SimError::Interrupted.into());
        }
        result
    })
}

/// Runs replication `rep` of `model` and checks it: a fault (a loop that
/// passes no time, an overload, an interrupt) or a broken conservation law is
/// an error.
pub fn one(
    model: &Model,
    rep: u32,
    trace: bool,
    log: bool,
    stop: Stop<'_>,
) -> Result<RepOutput, SimError> {
    let mut engine = Engine::new(model, rep, trace).with_stop(stop);
    if log {
        engine = engine.with_log();
    }
    let out = engine.run();
    if let Some(f) = out.fault {
        return Err(fault_error(model, rep, f));
    }
    let departed: u64 = out.departed.iter().sum();
    if out.arrived != departed + out.in_system {
        return Err(SimError::Conservation {
            rep: out.rep,
            arrived: out.arrived,
            departed,
            in_system: out.in_system,
        });
    }
    Ok(out)
}

fn fault_error(model: &Model, rep: u32, fault: Fault) -> SimError {
    let when = |t: f64| {
        let secs = (t * 60.0).round() as i64;
        let at = model
            .start
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .map(|d| d.strftime("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default();
        format!("{at} (day {:.1})", t / 1440.0)
    };
    match fault {
        Fault::Loop {
            patient,
            class,
            pc,
            time,
        } => SimError::Loop {
            rep,
            patient,
            class: model
                .classes
                .get(class as usize)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            step: model.step_name(pc),
            at: when(time),
        },
        Fault::Overloaded { live, time } => SimError::Overloaded {
            rep,
            live,
            at: when(time),
        },
        Fault::Interrupted => SimError::Interrupted,
    }
}

/// Runs the model's replications and folds them into [`Replications`]
/// (summaries, per-replication rows, merged histograms and time series); no
/// replication's output is kept beyond its fold. `progress` is called after each.
pub fn simulate(
    model: &Model,
    opts: &RunOptions<'_>,
    progress: &dyn Fn(),
) -> Result<Replications, SimError> {
    simulate_each(model, opts, progress, &mut |_| Ok::<(), SimError>(()))
}

/// [`simulate`], handing each replication's whole output to `each` (in
/// replication order, before it is dropped): for a patient trace written as
/// the run goes.
pub fn simulate_each<E: From<SimError>>(
    model: &Model,
    opts: &RunOptions<'_>,
    progress: &dyn Fn(),
    each: &mut dyn FnMut(&RepOutput) -> Result<(), E>,
) -> Result<Replications, E> {
    let mut acc = Replications::new(model);
    let trace = opts.trace;
    let traced = opts.trace_replications.unwrap_or(u32::MAX);
    replicate::<RepOutput, E>(
        model.replications,
        opts.threads,
        opts.cancel,
        &|rep, stop| one(model, rep, trace && rep < traced, false, stop),
        &mut |_, out: RepOutput| {
            each(&out)?;
            acc.add(model, &out);
            progress();
            Ok(())
        },
    )?;
    Ok(acc)
}

/// Runs `model.replications` replications on the current rayon pool's number
/// of threads and keeps every output, for tests and small studies that look
/// at replications one by one; `progress` is called after each one.
pub fn run(
    model: &Model,
    trace: bool,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<RepOutput>, SimError> {
    let mut outs = vec![];
    replicate(
        model.replications,
        rayon::current_num_threads().clamp(1, MAX_THREADS),
        None,
        &|rep, stop| one(model, rep, trace, false, stop),
        &mut |_, out| {
            outs.push(out);
            progress();
            Ok::<(), SimError>(())
        },
    )?;
    Ok(outs)
}

/// Runs the replications with the event log on and hands each replication's
/// output to `f` on its worker as soon as it is done (so that logs need not all
/// be kept); the results come back in replication order.
pub fn run_logged<T: Send>(
    model: &Model,
    progress: &(dyn Fn() + Sync),
    f: &(dyn Fn(RepOutput) -> T + Sync),
) -> Result<Vec<T>, SimError> {
    let mut outs = vec![];
    replicate(
        model.replications,
        rayon::current_num_threads().clamp(1, MAX_THREADS),
        None,
        &|rep, stop| one(model, rep, false, true, stop).map(f),
        &mut |_, t| {
            outs.push(t);
            progress();
            Ok::<(), SimError>(())
        },
    )?;
    Ok(outs)
}

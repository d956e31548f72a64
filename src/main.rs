//! `hospsim`: the command-line interface of the hospital simulator.
//!
//! Glue only: it parses arguments, reads files, runs the engine crate and writes
//! results. The engine itself (crate `hospsim-sim`) does no IO.

/// Writes to standard output; an error (a closed pipe, a full disk) is
/// returned for the caller to pass up, never a panic.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)
            .map_err(|e| anyhow::Error::new(e).context("cannot write to standard output"))
    }};
}

/// [`out!`] with a newline.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
            .map_err(|e| anyhow::Error::new(e).context("cannot write to standard output"))
    }};
}

/// Writes a message to standard error; when even that fails there is nowhere
/// left to say so, and the command goes on.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

/// Scenario loading lives in its own crate; `load` keeps the CLI's paths short.
pub(crate) use hospsim_scenario as load;

mod compare;
pub(crate) use run::{
    check_reps, output_dir, planned, progress_bar, run_plan, sets_with_zone, simulate,
    thread_count, time_zone_flag,
};
mod drill;
mod forecasting;
mod history;
mod interrupt;

mod output;
mod report;
mod run;
mod staging;
mod sweep;
mod table;

use anyhow::{Result, anyhow};
use clap::{Args, Parser, Subcommand};

use std::path::PathBuf;
use std::process::ExitCode;

const AFTER_HELP: &str = "\
Examples:
  hospsim demo                                          # the built-in general hospital
  hospsim run scenarios/general_hospital.toml --reps 50 --seed 7 --out out/base
  hospsim run scenarios/general_hospital.toml --set resources.icu_bed.capacity=14 --set sim.horizon=\"180 d\"
  hospsim check scenarios/*.toml
  hospsim compare scenarios/general_hospital.toml scenarios/whatif/more_medical_beds.toml --reps 30
  hospsim sweep scenarios/general_hospital.toml --param rosters.ed_doctors.scale=1.0,1.2,1.4 --target \"door_to_doctor.p90 <= 60 min\"
  hospsim drill scenarios/drills/bus_crash.toml --reps 50
  hospsim forecast data/ed_arrivals_daily.csv --model auto --horizon 14 --levels 80,95
  hospsim backtest data/nhs_ae_monthly.csv --models snaive,ets,theta,ensemble --horizon 12 --folds 1 --fill interpolate
  hospsim generate-history scenarios/general_hospital.toml --days 365 --census out/census.csv
  hospsim fit data/history.csv --out out/fitted
  hospsim fit data/synthea/encounters.csv --time-zone America/New_York --out out/synthea
  hospsim validate scenarios/general_hospital.toml --log history.csv --reps 20
  hospsim project scenarios/general_hospital.toml --snapshot data/census.csv --hours 72

Docs: README.md, docs/scenario-reference.md, docs/outputs.md, docs/reports.md, docs/drills.md, docs/forecasting.md, docs/history.md, docs/data-formats.md";

/// Discrete-event simulation of hospital patient flow.
#[derive(Parser)]
#[command(name = "hospsim", version, about, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Write into an --out folder that is not empty and holds no hospsim
    /// results (it is moved aside to FOLDER.previous, never deleted).
    #[arg(long, global = true)]
    force: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run the built-in default hospital (1 year, 20 replications) and write its results.
    #[command(
        after_help = "Examples:\n  hospsim demo\n  hospsim demo --reps 5 --out out/demo --threads 2\n  hospsim demo --set sim.horizon=\"90 d\" --trace"
    )]
    Demo(RunArgs),
    /// Run replications of a scenario file; write summary.json, replications.csv, timeseries.csv and report.html.
    #[command(
        after_help = "Examples:\n  hospsim run scenarios/general_hospital.toml --reps 50 --seed 7 --out out/base\n  hospsim run scenarios/general_hospital.toml --set resources.icu_bed.capacity=14 --set sim.horizon=\"180 d\"\n  hospsim run scenarios/bench/mmc_1m.toml --reps 1 --quiet"
    )]
    Run {
        /// Scenario file (TOML).
        scenario: PathBuf,
        #[command(flatten)]
        args: RunArgs,
    },
    /// Compare variants with a base scenario on common random numbers: paired differences with CIs.
    #[command(
        after_help = "Examples:\n  hospsim compare scenarios/general_hospital.toml scenarios/whatif/more_medical_beds.toml --reps 50 --out out/cmp\n  hospsim compare base.toml a.toml b.toml --independent    # measure what common random numbers save"
    )]
    Compare {
        /// The base scenario.
        base: PathBuf,
        /// One or more variants (often `extends = "base.toml"` with a few changes).
        #[arg(required = true)]
        variants: Vec<PathBuf>,
        /// Run the variants on independent random numbers instead of common ones.
        #[arg(long)]
        independent: bool,
        #[command(flatten)]
        args: CompareArgs,
    },
    /// Run a grid of parameter values on the same seeds; find the cheapest point meeting a target.
    #[command(
        after_help = "Examples:\n  hospsim sweep scenarios/general_hospital.toml --param resources.icu_bed.capacity=12..20:2 --reps 20\n  hospsim sweep scenarios/general_hospital.toml --param rosters.ed_doctors.scale=1.0,1.2,1.4 --param resources.ed_cubicle.capacity=24..36:4 --target \"door_to_doctor.p90 <= 60 min\""
    )]
    Sweep {
        /// The scenario to vary.
        scenario: PathBuf,
        /// A parameter and its values: path=a..b[:step] (whole numbers) or path=v1,v2,... (repeatable).
        #[arg(long = "param", value_name = "PATH=VALUES", required = true)]
        params: Vec<String>,
        /// A target such as "door_to_doctor.p90 <= 60 min" (statistics: mean, p50/p90/p95, share_within).
        #[arg(long)]
        target: Option<String>,
        #[command(flatten)]
        args: CompareArgs,
    },
    /// Run a crisis drill beside its no-drill baseline: timeline, bottlenecks, recovery, responses.
    #[command(
        after_help = "Examples:\n  hospsim drill scenarios/drills/bus_crash.toml --reps 50\n  hospsim drill scenarios/drills/flu_wave.toml --reps 20 --out out/flu"
    )]
    Drill {
        /// A scenario with a [drill] section.
        scenario: PathBuf,
        #[command(flatten)]
        args: CompareArgs,
    },
    /// Forecast every series of a long CSV (unique_id, ds, y) with intervals; write forecasts.csv.
    #[command(
        after_help = "Examples:\n  hospsim forecast data/ed_arrivals_daily.csv --model auto --horizon 14 --levels 80,95 --out out/fc\n  hospsim forecast data/nhs_ae_monthly.csv --model ets,theta --horizon 12 --fill interpolate\n  hospsim forecast data/drug_demand_daily.csv --model tsb --horizon 28 --round\n\nModels: naive, snaive, mean, drift, ses, ets (AutoETS), ets:AAdA, theta, otm, croston, sba, croston_opt, tsb, adida, imapa, lm, enet, ensemble, ensemble(a+b), auto"
    )]
    Forecast {
        #[command(flatten)]
        args: forecasting::SeriesArgs,
        /// Model(s), comma-separated (see below).
        #[arg(
            long = "model",
            visible_alias = "models",
            default_value = "auto",
            value_delimiter = ','
        )]
        models: Vec<String>,
        /// Round forecasts and bounds to whole numbers (counts).
        #[arg(long)]
        round: bool,
        /// Also write fitted.csv: in-sample one-step fitted values and residuals.
        #[arg(long)]
        fitted: bool,
        /// Quantile forecasts to add to forecasts.csv as columns q0.05, q0.5, ..., comma-separated probabilities between 0 and 1 (e.g. 0.05,0.5,0.95 for a stock level that runs out one day in twenty).
        #[arg(long, value_delimiter = ',', value_name = "PROBABILITIES")]
        quantiles: Vec<f64>,
        /// Output folder (default: out/forecast).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Rolling-origin backtest of models on a long CSV; write metrics.csv and per_series.csv.
    #[command(
        after_help = "Examples:\n  hospsim backtest data/nhs_ae_monthly.csv --models snaive,ets,theta,ensemble --horizon 12 --folds 1 --fill interpolate\n  hospsim backtest data/ed_arrivals_daily.csv --models snaive,ets,lm,ensemble --horizon 14 --folds 6 --step 7\n  hospsim backtest data/drug_demand_daily.csv --models croston,sba,tsb,adida,imapa --horizon 28 --folds 4"
    )]
    Backtest {
        #[command(flatten)]
        args: forecasting::SeriesArgs,
        /// Models to compare, comma-separated.
        #[arg(
            long = "models",
            visible_alias = "model",
            default_value = "snaive,ets,theta,ensemble",
            value_delimiter = ','
        )]
        models: Vec<String>,
        /// Number of forecast origins.
        #[arg(long, default_value_t = 3)]
        folds: usize,
        /// Steps between origins (default: the horizon).
        #[arg(long)]
        step: Option<usize>,
        /// Also write cv_forecasts.csv: every fold's forecasts and intervals beside the actuals (statsforecast's cross-validation layout).
        #[arg(long)]
        write_forecasts: bool,
        /// Output folder (default: out/backtest).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write a synthetic event log (one row per event of each visit) from a simulation of a scenario.
    #[command(
        name = "generate-history",
        after_help = "Examples:\n  hospsim generate-history scenarios/general_hospital.toml --days 365 --seed 1 --out data/history.csv"
    )]
    GenerateHistory {
        /// Scenario file (TOML); its [history] section names units and events.
        scenario: PathBuf,
        /// Days of history after the warm-up.
        #[arg(long, default_value_t = 365.0)]
        days: f64,
        /// Seed of the simulation.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file (default out/history.csv, beside the other commands' results).
        #[arg(long, default_value = "out/history.csv")]
        out: PathBuf,
        /// Also write the patients in hospital at the end of the log (a snapshot for `project`).
        #[arg(long)]
        census: Option<PathBuf>,
        /// Override a scenario field: path=value (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Learn a runnable scenario from an event log: arrival profiles, routing, fitted durations.
    #[command(
        after_help = "Examples:\n  hospsim fit data/history.csv --out out/fitted\n  hospsim fit data/synthea/encounters.csv --time-zone America/New_York --out out/synthea\n  hospsim run out/fitted/fitted.toml\n\nTimestamps with Z or an offset (Synthea's are UTC) need --time-zone: they are turned into the zone's wall-clock time, DST included. Without offsets, times are read as written."
    )]
    Fit {
        /// Event log (CSV) or Synthea encounters.csv.
        log: PathBuf,
        /// Output folder (default: out/fitted).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Name of the fitted scenario.
        #[arg(long)]
        name: Option<String>,
        /// Leave out milestones seen in fewer than this share of a unit's stays.
        #[arg(long, default_value_t = 0.02)]
        min_share: f64,
        /// Beds of each unit above its peak census in the log, as a share.
        #[arg(long, default_value_t = 0.05)]
        headroom: f64,
        /// Stop at the first bad row.
        #[arg(long)]
        strict: bool,
        /// Accept a log with no events for more than 30 days (refused otherwise).
        #[arg(long)]
        allow_gaps: bool,
        /// The hospital's IANA time zone (e.g. Europe/London): timestamps with Z or an offset are read in its wall clock; written to the fitted scenario's sim.time_zone.
        #[arg(long, value_name = "ZONE")]
        time_zone: Option<String>,
        /// Print nothing but errors.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Simulate a log's period and set the simulated measures beside the historical ones.
    #[command(
        after_help = "Examples:\n  hospsim validate scenarios/general_hospital.toml --log data/history.csv --reps 20\n  hospsim validate out/fitted/fitted.toml --log data/history.csv --replay"
    )]
    Validate(history::ValidateArgs),
    /// Project occupancy per unit and hour from today's census (and an arrivals forecast).
    #[command(
        after_help = "Examples:\n  hospsim project scenarios/general_hospital.toml --snapshot data/census.csv --hours 72\n  hospsim project scenarios/general_hospital.toml --snapshot data/census.csv --arrivals out/forecast/forecasts.csv --model ets"
    )]
    Project(history::ProjectArgs),
    /// Validate scenario files without running them.
    #[command(
        after_help = "Examples:\n  hospsim check scenarios/*.toml\n  hospsim check my.toml --set sim.horizon=\"30 d\""
    )]
    Check {
        /// Scenario files (TOML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Override a field before checking: path=value (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
    /// Write the JSON Schema of scenario files, for editors to complete and check them.
    #[command(
        after_help = "Examples:\n  hospsim schema --out hospsim-scenario.schema.json\n  hospsim schema > schema.json\n\nWire it into an editor as docs/scenario-reference.md describes (taplo / Even Better TOML: a `#:schema ./hospsim-scenario.schema.json` line at the top of a scenario, or a [[rule]] in .taplo.toml)."
    )]
    Schema {
        /// File to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Options shared by commands that run several scenarios.
#[derive(Args, Clone)]
pub(crate) struct CompareArgs {
    /// Replications of every scenario (default: the (base) scenario's sim.replications).
    #[arg(long)]
    pub(crate) reps: Option<u32>,
    /// Master seed of every scenario (default: the (base) scenario's sim.seed).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Override a field in every scenario: path=value (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub(crate) sets: Vec<String>,
    /// Output folder (default: out/compare, out/sweep_<name> or out/drill_<name>).
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub(crate) quiet: bool,
    /// Language of report.html: en or zh.
    #[arg(long, default_value = "en")]
    pub(crate) lang: String,
}

#[derive(Args, Clone)]
struct RunArgs {
    /// Replications (default: the scenario's sim.replications).
    #[arg(long)]
    reps: Option<u32>,
    /// Master seed (default: the scenario's sim.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Override a scenario field: path=value, e.g. resources.icu_bed.capacity=14 (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    sets: Vec<String>,
    /// Output folder (default: out/<scenario name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Also write patients.csv with every patient's milestones.
    #[arg(long)]
    trace: bool,
    /// Trace only the first N replications (implies --trace): a year of the
    /// default hospital is about 33 MB of patients.csv per replication.
    #[arg(long, value_name = "N")]
    trace_reps: Option<u32>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
    /// Language of report.html: en or zh.
    #[arg(long, default_value = "en")]
    lang: String,
    /// Skip report.html and occupancy.png (batch runs, benchmarks).
    #[arg(long)]
    no_report: bool,
    /// Drive arrivals from an event log's actual times and acuity, over the log's period.
    #[arg(long, value_name = "LOG")]
    replay: Option<PathBuf>,
    /// With --replay: ward, ICU and theatre stays take their logged lengths too.
    #[arg(long)]
    replay_durations: bool,
    /// With --replay: stop at the first bad row of the log.
    #[arg(long)]
    strict: bool,
    /// With --replay: accept a log with no events for more than 30 days.
    #[arg(long)]
    allow_gaps: bool,
    /// The hospital's IANA time zone (e.g. Europe/London), as sim.time_zone: timestamps with Z or an offset, in the scenario and the --replay log, are read in its wall clock.
    #[arg(long, value_name = "ZONE")]
    time_zone: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    interrupt::install();
    staging::set_force(cli.force);
    let result = match cli.command {
        Command::Demo(args) if args.replay.is_some() => Err(anyhow!(
            "--replay needs a scenario file: hospsim run scenarios/general_hospital.toml --replay LOG"
        )),
        Command::Demo(args) => {
            let origin = "general_hospital.toml (built in)";
            sets_with_zone(&args.sets, args.time_zone.as_deref())
                .and_then(|sets| Ok(load::load_text(origin, load::DEFAULT_HOSPITAL, &sets)?))
                .and_then(|l| {
                    let plan = run_plan(args.reps, args.seed)?;
                    simulate(l, &args, staging::Provenance::new(&args.sets), plan)
                })
        }
        Command::Run { scenario, args } => match &args.replay {
            Some(log) => history::load_for_log(
                &scenario,
                log,
                history::ReadOptions {
                    strict: args.strict,
                    allow_gaps: args.allow_gaps,
                    time_zone: None,
                },
                &args.sets,
                args.time_zone.as_deref(),
            )
            .and_then(|(l, read)| {
                let mut plan = run_plan(args.reps, args.seed)?;
                let replaced =
                    history::replay_plan(&l.model, &read, args.replay_durations, &mut plan);
                if !args.quiet {
                    note!(
                        "replay: {} visits of {} from {} over {:.1} days{}",
                        read.visits.visits.len(),
                        replaced.join(", "),
                        history::time::format_minutes(read.origin),
                        read.visits.days(),
                        if read.rejects.is_empty() {
                            String::new()
                        } else {
                            format!(
                                "; {} rows rejected (first: line {}: {})",
                                read.rejects.len(),
                                read.rejects[0].line,
                                read.rejects[0].reason
                            )
                        }
                    );
                }
                let prov = staging::Provenance::new(&args.sets).input("replay log", log)?;
                simulate(l, &args, prov, plan)
            }),
            None if args.replay_durations => Err(anyhow!("--replay-durations needs --replay LOG")),
            None => sets_with_zone(&args.sets, args.time_zone.as_deref())
                .and_then(|sets| Ok(load::load_file(&scenario, &sets)?))
                .and_then(|l| {
                    let plan = run_plan(args.reps, args.seed)?;
                    simulate(l, &args, staging::Provenance::new(&args.sets), plan)
                }),
        },
        Command::GenerateHistory {
            scenario,
            days,
            seed,
            out,
            census,
            sets,
            quiet,
        } => {
            history::generate_history(&scenario, days, seed, &out, &sets, census.as_deref(), quiet)
        }
        Command::Fit {
            log,
            out,
            name,
            min_share,
            headroom,
            strict,
            allow_gaps,
            time_zone,
            quiet,
        } => time_zone_flag(time_zone.as_deref()).and_then(|time_zone| {
            history::fit(
                &log,
                &out,
                name,
                min_share,
                headroom,
                history::ReadOptions {
                    strict,
                    allow_gaps,
                    time_zone,
                },
                quiet,
            )
        }),
        Command::Validate(a) => history::validate(&a),
        Command::Project(a) => history::project(&a),
        Command::Check { scenarios, sets } => check(&scenarios, &sets),
        Command::Schema { out } => schema(out.as_deref()),
        Command::Compare {
            base,
            variants,
            independent,
            args,
        } => compare::compare(&base, &variants, independent, &args),
        Command::Drill { scenario, args } => drill::drill(&scenario, &args),
        Command::Forecast {
            args,
            models,
            round,
            fitted,
            quantiles,
            out,
        } => forecasting::forecast(
            &args,
            forecasting::ForecastOptions {
                models,
                round,
                fitted,
                quantiles,
                out,
            },
        ),
        Command::Backtest {
            args,
            models,
            folds,
            step,
            write_forecasts,
            out,
        } => forecasting::backtest(
            &args,
            &models,
            forecasting::BacktestOptions {
                folds,
                step,
                write_forecasts,
            },
            out,
        ),
        Command::Sweep {
            scenario,
            params,
            target,
            args,
        } => sweep::sweep(&scenario, &params, target.as_deref(), &args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that went away (`hospsim check ... | head -1`) has all it wanted.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) if interrupt::interrupted() || was_interrupted(&e) => {
            note!("error: {}", interrupt::Interrupted);
            ExitCode::from(interrupt::exit_code().clamp(1, 255) as u8)
        }
        Err(e) => {
            if e.downcast_ref::<load::ScenarioFileError>().is_some() {
                note!("error: {e}");
            } else {
                note!("error: {e:#}");
            }
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn was_interrupted(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.is::<interrupt::Interrupted>()
            || matches!(
                c.downcast_ref::<hospsim_sim::SimError>(),
                Some(hospsim_sim::SimError::Interrupted)
            )
    })
}

fn schema(out: Option<&std::path::Path>) -> Result<()> {
    use anyhow::Context as _;
    let text = serde_json::to_string_pretty(&hospsim_sim::scenario::json_schema())?;
    match out {
        None => outln!("{text}"),
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create folder {}", dir.display()))?;
            }
            std::fs::write(path, text + "\n")
                .with_context(|| format!("cannot write {}", path.display()))
        }
    }
}

fn check(files: &[PathBuf], sets: &[String]) -> Result<()> {
    let mut failed = 0;
    for f in files {
        match load::load_file(f, sets) {
            Ok(l) => {
                outln!(
                    "ok: {} ({}: {} resources, {} classes, {} pathways, {} KPIs)",
                    f.display(),
                    l.model.name,
                    l.model.resources.len(),
                    l.model.classes.len(),
                    l.model.pathways.len(),
                    l.model.kpis.len()
                )?;
                for w in &l.model.warnings {
                    note!("warning: {}: {w}", f.display());
                }
            }
            Err(e) => {
                failed += 1;
                note!("error: {e:#}");
            }
        }
    }
    if failed > 0 {
        return Err(anyhow!(
            "{failed} of {} scenario file(s) have problems",
            files.len()
        ));
    }
    Ok(())
}

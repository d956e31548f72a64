//! `hospsim forecast` and `hospsim backtest`: read series, fit models in
//! parallel (results in input order, independent of the thread count), write
//! CSV/JSON and a report.

mod backtest;
mod forecast;

use hospsim_formats::series as data;

pub(crate) use backtest::{BacktestOptions, backtest};
pub(crate) use forecast::{ForecastOptions, forecast};

#[allow(unused_imports)]
use anyhow::anyhow;
use anyhow::{Context, Result, bail};
use clap::Args;
use data::{Dataset, Series};
use hospsim_forecast::{Features, Forecast, ModelSpec};
use hospsim_reports::pages::FanChart;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::{Path, PathBuf};

/// How gaps in the timestamps are treated (`--fill`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FillArg {
    /// A gap is an error (the default: nothing is invented silently).
    None,
    /// Missing steps are zero (counts of events that did not happen).
    Zero,
    /// Missing steps are interpolated linearly.
    Interpolate,
}

impl From<FillArg> for data::Fill {
    fn from(f: FillArg) -> Self {
        match f {
            FillArg::None => data::Fill::None,
            FillArg::Zero => data::Fill::Zero,
            FillArg::Interpolate => data::Fill::Interpolate,
        }
    }
}

/// Options shared by `forecast` and `backtest`.
#[derive(Args, Clone)]
pub(crate) struct SeriesArgs {
    /// Long CSV in the statsforecast convention: unique_id, ds, y (extra columns allowed; other names with --id, --time, --value).
    pub(crate) data: PathBuf,
    /// Steps to forecast.
    #[arg(long, default_value_t = 12)]
    pub(crate) horizon: usize,
    /// Interval levels in percent, comma-separated.
    #[arg(long, default_value = "80,95", value_delimiter = ',')]
    pub(crate) levels: Vec<f64>,
    /// Season length (default from the frequency: hourly 24, daily 7, weekly 52, monthly 12).
    #[arg(long)]
    pub(crate) season: Option<usize>,
    /// Value column to forecast.
    #[arg(long, visible_alias = "value", default_value = "y")]
    pub(crate) target: String,
    /// Series column (default: unique_id if the file has one; otherwise the file is one series, named after the file).
    #[arg(long = "id", value_name = "COLUMN")]
    pub(crate) id_column: Option<String>,
    /// Time column.
    #[arg(long = "time", value_name = "COLUMN", default_value = "ds")]
    pub(crate) time_column: String,
    /// Pattern of the time column when it is not ISO, in strftime form: %d/%m/%Y, %m/%d/%Y %H:%M, %Y%m%d.
    #[arg(long, value_name = "PATTERN")]
    pub(crate) date_format: Option<String>,
    /// Field separator, one character (default: `;` when the header has `;` and no `,`, otherwise `,`).
    #[arg(long, value_name = "CHAR")]
    pub(crate) delimiter: Option<char>,
    /// Calibration windows (refits on a shortened history) for the conformal intervals of models without their own: more windows, finer interval widths, longer runs.
    #[arg(long, value_name = "N", default_value_t = hospsim_forecast::spec::DEFAULT_CONFORMAL_WINDOWS)]
    pub(crate) conformal_windows: usize,
    /// `yes`: each model's own intervals (conformal where it has none); `conformal`: conformal for every model; `none`: point forecasts only (no intervals, no conformal refits).
    #[arg(long, value_enum, default_value = "yes")]
    pub(crate) intervals: IntervalsArg,
    /// Decimal mark of the values: `.` (default) or `,` (with a `;` separator, as Excel writes them).
    #[arg(long, value_name = "MARK", default_value = ".")]
    pub(crate) decimal: char,
    /// Missing time steps: none (an error), zero, or interpolate.
    #[arg(long, value_enum, default_value = "none")]
    pub(crate) fill: FillArg,
    /// Accept negative values (otherwise they are errors: counts and demand cannot be negative).
    #[arg(long)]
    pub(crate) allow_negative: bool,
    /// Holiday dates (one ISO date per line) for the calendar regressors of lm/enet.
    #[arg(long)]
    pub(crate) holidays: Option<PathBuf>,
    /// Extra columns of the series file the regression models (lm, enet, and auto's) use beside the calendar, comma-separated: temperature, event flags.
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    pub(crate) regressors: Vec<String>,
    /// The regressors' values over the forecast horizon: the series file's id and time columns and the regressor columns (without an id column, one set for every series). `forecast` needs it with --regressors; `backtest` uses the values recorded in the series file.
    #[arg(long, value_name = "FILE")]
    pub(crate) future: Option<PathBuf>,
    /// Only these series (comma-separated unique_ids).
    #[arg(long, value_delimiter = ',')]
    pub(crate) ids: Vec<String>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    pub(crate) threads: Option<usize>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub(crate) quiet: bool,
    /// Skip report.html.
    #[arg(long)]
    pub(crate) no_report: bool,
    /// IANA time zone (e.g. Europe/London) to read ds values with Z or an offset in: they become its wall-clock times.
    #[arg(long, value_name = "ZONE")]
    pub(crate) time_zone: Option<String>,
}

struct Prepared {
    data: Dataset,
    season: usize,
    levels: Vec<f64>,
    holidays: Vec<jiff::civil::Date>,
    /// `--future`'s regressor values over the horizon.
    future: Option<data::FutureValues>,
}

/// Most conformal calibration windows.
const MAX_CONFORMAL_WINDOWS: usize = 100;

/// Whether to compute intervals.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum IntervalsArg {
    /// At `--levels` (the default): each model's own (analytic, simulated
    /// or count-distribution) intervals, conformal for models without.
    Yes,
    /// Conformal for every model, replacing its own: when the model's own
    /// intervals missed on a backtest of your data (one refit per window).
    Conformal,
    /// None: point forecasts only.
    None,
}

/// Longest forecast horizon, in steps of the series (100,000 hours is over
/// eleven years).
const MAX_HORIZON: usize = 100_000;

fn prepare(args: &SeriesArgs) -> Result<Prepared> {
    if args.horizon == 0 {
        bail!("--horizon must be at least 1");
    }
    if args.horizon > MAX_HORIZON {
        bail!(
            "--horizon {}: at most {MAX_HORIZON} steps\n  hint: the horizon counts steps of the series (days for daily data, months for monthly)",
            args.horizon
        );
    }
    crate::thread_count(args.threads)?;
    if !(1..=MAX_CONFORMAL_WINDOWS).contains(&args.conformal_windows) {
        bail!(
            "--conformal-windows {}: between 1 and {MAX_CONFORMAL_WINDOWS} (each window is one more fit of every model on every series)",
            args.conformal_windows
        );
    }
    let mut levels = if args.intervals == IntervalsArg::None {
        Vec::new()
    } else {
        args.levels.clone()
    };
    if let Some(bad) = levels.iter().find(|l| !(**l > 0.0 && **l < 100.0)) {
        bail!("--levels: {bad} is not a level in percent between 0 and 100 (e.g. --levels 80,95)");
    }
    levels.sort_by(f64::total_cmp);
    levels.dedup();
    let zone = crate::time_zone_flag(args.time_zone.as_deref())?;
    let file = std::fs::File::open(&args.data)
        .with_context(|| format!("cannot read {}", args.data.display()))?;
    let delimiter = match args.delimiter {
        None => None,
        Some(c) if c.is_ascii() && c != '"' && c != '\n' && c != '\r' => Some(c as u8),
        Some(c) => bail!(
            "--delimiter {c:?}: a field separator is one ASCII character other than a quote or a line break (e.g. ';', '\\t' as a tab: --delimiter $'\\t')"
        ),
    };
    let decimal_comma = match args.decimal {
        '.' => false,
        ',' => true,
        c => bail!("--decimal {c:?}: the decimal mark is `.` or `,`"),
    };
    let layout = data::Layout {
        id: args.id_column.clone(),
        time: args.time_column.clone(),
        value: args.target.clone(),
        date_format: args.date_format.clone(),
        delimiter,
        decimal_comma,
        regressors: args
            .regressors
            .iter()
            .map(|r| r.trim().to_string())
            .collect(),
    };
    if args.future.is_some() && layout.regressors.is_empty() {
        bail!(
            "--future gives the regressors' values over the horizon, but no regressors are named\n  hint: name the columns with --regressors, e.g. --regressors temperature,event"
        );
    }
    let mut data = data::read_layout(
        file,
        &args.data.display().to_string(),
        &layout,
        args.fill.into(),
        args.allow_negative,
        zone.as_ref(),
    )?;
    if !args.ids.is_empty() {
        let unknown: Vec<&String> = args
            .ids
            .iter()
            .filter(|id| !data.series.iter().any(|s| &s.id == *id))
            .collect();
        if !unknown.is_empty() {
            bail!(
                "--ids: no series named {unknown:?} in {}",
                args.data.display()
            );
        }
        data.series.retain(|s| args.ids.contains(&s.id));
        // The header counts the rows of the series chosen, not the file's.
        data.rows = data.series.iter().map(|s| s.y.len() - s.filled).sum();
    }
    // Every step of the horizon must have a date: the calendar ends at 9999-12-31.
    for s in &data.series {
        let dates = data::future(s, data.frequency, args.horizon).len();
        if dates < args.horizon {
            bail!(
                "--horizon {}: series '{}' ends {}, and only {dates} {} steps fit before the calendar ends (9999-12-31)",
                args.horizon,
                s.id,
                data::format_ds(s.ds[s.ds.len() - 1], data.with_time),
                data.frequency.name()
            );
        }
    }
    let season = args
        .season
        .unwrap_or(data.frequency.default_season())
        .max(1);
    let holidays = match &args.holidays {
        Some(p) => {
            let text = hospsim_scenario::read_bounded(p, 16 << 20)
                .with_context(|| format!("cannot read holidays file {}", p.display()))?;
            data::read_holidays(&text, &p.display().to_string())?
        }
        None => Vec::new(),
    };
    let future = match &args.future {
        Some(path) => {
            let f = std::fs::File::open(path)
                .with_context(|| format!("cannot read future file {}", path.display()))?;
            Some(data::read_future(
                f,
                &path.display().to_string(),
                &layout,
                zone.as_ref(),
            )?)
        }
        None => None,
    };
    Ok(Prepared {
        data,
        season,
        levels,
        holidays,
        future,
    })
}

fn parse_models(names: &[String]) -> Result<Vec<(String, ModelSpec)>> {
    names
        .iter()
        .map(|n| {
            ModelSpec::parse(n)
                .map(|s| (n.trim().to_string(), s))
                .with_context(|| "in --model/--models")
        })
        .collect()
}

fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(crate::thread_count(threads)?)
        .build()
        .context("cannot start worker threads")
}

fn progress(quiet: bool, total: usize, what: &str) -> ProgressBar {
    if quiet || total < 50 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {what} {{elapsed}}"))
    {
        bar.set_style(style);
    }
    bar
}

/// Runs `each` on every series and model in parallel (results in input order,
/// independent of the thread count), with a progress bar on long runs.
fn for_each_series_model<T: Send>(
    p: &Prepared,
    args: &SeriesArgs,
    models: &[(String, ModelSpec)],
    each: impl Fn(&Series, &String, &ModelSpec) -> T + Sync,
) -> Result<Vec<Vec<T>>> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let bar = progress(args.quiet, p.data.series.len(), "series");
    let done = AtomicUsize::new(0);
    let results: Vec<Option<Vec<T>>> = pool(args.threads)?.install(|| {
        p.data
            .series
            .par_iter()
            .map(|s| {
                // Stops early at an interrupt: the series left are not fitted.
                if crate::interrupt::interrupted() {
                    return None;
                }
                let out = models
                    .iter()
                    .map(|(name, spec)| each(s, name, spec))
                    .collect();
                bar.set_position(done.fetch_add(1, Ordering::Relaxed) as u64 + 1);
                Some(out)
            })
            .collect()
    });
    bar.finish_and_clear();
    crate::interrupt::check()?;
    Ok(results.into_iter().flatten().collect())
}

/// The results folder: `--out` or the default.
fn output_folder(out: Option<PathBuf>, default: &str) -> Result<crate::staging::Staged> {
    crate::staging::Staged::begin(&out.unwrap_or_else(|| PathBuf::from(default)))
}

/// What `run.json` records of a forecast or backtest: its inputs.
fn provenance(args: &SeriesArgs) -> Result<crate::staging::Provenance> {
    let mut prov = crate::staging::Provenance::new(&[]).input("series", &args.data)?;
    if let Some(h) = &args.holidays {
        prov = prov.input("holidays", h)?;
    }
    if let Some(f) = &args.future {
        prov = prov.input("future", f)?;
    }
    Ok(prov)
}

/// Whether a model uses feature rows (the calendar and the regressors).
fn wants_features(spec: &ModelSpec) -> bool {
    // `auto` may choose the regression, so it gets them too; `mstl` reads
    // only the holiday and regressor columns.
    let wants = |sp: &ModelSpec| {
        matches!(
            sp,
            ModelSpec::Regression(_) | ModelSpec::Auto(_) | ModelSpec::Mstl(_)
        )
    };
    match spec {
        ModelSpec::Ensemble(_, members) => members.iter().any(wants),
        other => wants(other),
    }
}

/// Calendar terms and regressors over the history and `h` steps ahead. The
/// regressors' future rows come from `--future`; without it (a backtest,
/// whose folds lie inside the history) they are NaN and never read.
fn features_for(p: &Prepared, s: &Series, spec: &ModelSpec, h: usize) -> Option<Features> {
    if !wants_features(spec) {
        return None;
    }
    let mut features = data::calendar(s, p.data.frequency, h, &p.holidays);
    if !s.regressors.is_empty() {
        let width = s.regressors.len();
        let ahead = p
            .future
            .as_ref()
            .and_then(|f| f.rows_for(s, p.data.frequency, h).ok());
        features.names.extend(p.data.regressors.iter().cloned());
        for (t, row) in features.rows.iter_mut().enumerate() {
            match t.checked_sub(s.y.len()) {
                None => row.extend(s.regressors.iter().map(|c| c[t])),
                Some(i) => match ahead.as_ref().and_then(|a| a.get(i)) {
                    Some(values) => row.extend(values),
                    None => row.extend(std::iter::repeat_n(f64::NAN, width)),
                },
            }
        }
    }
    Some(features)
}

/// `forecast` with regressors: every series that a model would fit on them
/// must have their values for the whole horizon.
fn check_future(p: &Prepared, models: &[(String, ModelSpec)], h: usize) -> Result<()> {
    if p.data.regressors.is_empty() || !models.iter().any(|(_, m)| wants_features(m)) {
        return Ok(());
    }
    let Some(future) = &p.future else {
        bail!(
            "--regressors {} need their values over the forecast horizon\n  hint: give them with --future FILE (the series file's id and time columns, and {}, for the {h} steps after each series ends)",
            p.data.regressors.join(","),
            p.data.regressors.join(", ")
        );
    };
    for s in &p.data.series {
        future.rows_for(s, p.data.frequency, h)?;
    }
    Ok(())
}

fn step_unit(p: &Prepared) -> String {
    match p.data.frequency {
        data::Frequency::Hourly => "hours",
        data::Frequency::Daily => "days",
        data::Frequency::Weekly => "weeks",
        data::Frequency::Monthly | data::Frequency::MonthEnd => "months",
        data::Frequency::Quarterly | data::Frequency::QuarterEnd => "quarters",
    }
    .into()
}

fn fan_chart(
    p: &Prepared,
    s: &Series,
    history: &[f64],
    model: &str,
    describe: &str,
    f: &Forecast,
    actual: Option<&[f64]>,
) -> FanChart {
    let keep = (3 * p.season).max(3 * f.point.len()).min(history.len());
    FanChart {
        id: s.id.clone(),
        model: if describe.is_empty() {
            model.to_string()
        } else {
            describe.chars().take(60).collect()
        },
        history: history[history.len() - keep..].to_vec(),
        mean: f.point.clone(),
        band: f
            .intervals
            .last()
            .map(|i| (i.lower.clone(), i.upper.clone(), i.level)),
        step_unit: step_unit(p),
        actual: actual.map(<[f64]>::to_vec),
    }
}

/// At most `max` characters, with an ellipsis when cut (the full text is in models.csv).
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

/// `mean, lo-80, hi-80, lo-95, hi-95, ...`: the forecast columns of
/// forecasts.csv and cv_forecasts.csv (statsforecast's names).
fn interval_header(levels: &[f64]) -> impl Iterator<Item = String> + '_ {
    std::iter::once("mean".to_string()).chain(levels.iter().flat_map(|l| {
        [
            format!("lo-{}", level_name(*l)),
            format!("hi-{}", level_name(*l)),
        ]
    }))
}

/// Step `i` of a forecast under [`interval_header`]: the mean, then each
/// level's bounds (empty where the model has none).
fn interval_cells(
    csv: &mut hospsim_formats::write::CsvWriter<Vec<u8>>,
    f: &hospsim_forecast::Forecast,
    levels: &[f64],
    i: usize,
) -> Result<()> {
    csv.num(f.point[i])?;
    for l in levels {
        match f.interval(*l) {
            Some(iv) => {
                csv.num(iv.lower[i])?;
                csv.num(iv.upper[i])?;
            }
            None => {
                csv.empty()?;
                csv.empty()?;
            }
        }
    }
    Ok(())
}

fn level_name(l: f64) -> String {
    if l.fract() == 0.0 {
        format!("{l:.0}")
    } else {
        format!("{l}")
    }
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

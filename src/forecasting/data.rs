//! Reading series in the statsforecast long format (`unique_id, ds, y`, extra
//! columns allowed): validation with line numbers, frequency and season
//! inference, gap handling, and calendar features for regression models.

use anyhow::{Result, anyhow, bail};
use hospsim_forecast::Features;
use jiff::ToSpan;
use jiff::civil::{Date, DateTime};
use std::collections::HashMap;
use std::path::Path;

/// Largest magnitude of a series value: squares and sums of such values stay
/// far from overflowing, so a forecast is never infinite.
pub(crate) const MAX_VALUE: f64 = 1e15;

/// Spacing of the observations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Frequency {
    Hourly,
    Daily,
    Weekly,
    Monthly,
}

impl Frequency {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Frequency::Hourly => "hourly",
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
        }
    }

    /// The usual season: a day of hours, a week of days, a year of weeks or months.
    pub(crate) fn default_season(self) -> usize {
        match self {
            Frequency::Hourly => 24,
            Frequency::Daily => 7,
            Frequency::Weekly => 52,
            Frequency::Monthly => 12,
        }
    }

    pub(crate) fn next(self, t: DateTime) -> Option<DateTime> {
        match self {
            Frequency::Hourly => t.checked_add(1.hour()).ok(),
            Frequency::Daily => t.checked_add(1.day()).ok(),
            Frequency::Weekly => t.checked_add(7.days()).ok(),
            Frequency::Monthly => t.checked_add(1.month()).ok(),
        }
    }

    fn between(a: DateTime, b: DateTime) -> Option<Frequency> {
        [
            Frequency::Hourly,
            Frequency::Daily,
            Frequency::Weekly,
            Frequency::Monthly,
        ]
        .into_iter()
        .find(|f| f.next(a) == Some(b))
    }
}

/// How gaps in the timestamps are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Fill {
    /// A gap is an error (the default: nothing is invented silently).
    None,
    /// Missing steps are zero (counts of events that did not happen).
    Zero,
    /// Missing steps are interpolated linearly.
    Interpolate,
}

/// One series.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    pub(crate) id: String,
    pub(crate) ds: Vec<DateTime>,
    pub(crate) y: Vec<f64>,
    /// Steps that were filled in (for the report; 0 without --fill).
    pub(crate) filled: usize,
}

/// Every series of a file, in order of first appearance.
#[derive(Debug, Clone)]
pub(crate) struct Dataset {
    pub(crate) series: Vec<Series>,
    pub(crate) frequency: Frequency,
    /// Whether timestamps carry a time of day (output keeps the input's style).
    pub(crate) with_time: bool,
    pub(crate) rows: usize,
}

/// Rows of one series as read: timestamp, value, line number.
type RawSeries = (String, Vec<(DateTime, f64, u64)>);

fn parse_ds(text: &str) -> Option<(DateTime, bool)> {
    let t = text.trim();
    if let Ok(d) = t.parse::<Date>() {
        return Some((d.to_datetime(jiff::civil::Time::midnight()), false));
    }
    t.replacen(' ', "T", 1)
        .parse::<DateTime>()
        .ok()
        .map(|d| (d, true))
}

/// Formats a timestamp as the input did.
pub(crate) fn format_ds(t: DateTime, with_time: bool) -> String {
    if with_time {
        t.strftime("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        t.date().to_string()
    }
}

/// Reads and validates a long CSV. `target` names the value column (`y`).
pub(crate) fn read(path: &Path, target: &str, fill: Fill, allow_negative: bool) -> Result<Dataset> {
    let shown = path.display();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| anyhow!("cannot read {shown}: {e}"))?;
    let header = reader
        .headers()
        .map_err(|e| anyhow!("{shown}: cannot read the header line: {e}"))?
        .clone();
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(id_col), Some(ds_col)) = (column("unique_id"), column("ds")) else {
        bail!(
            "{shown}:1: the header must name the columns `unique_id` and `ds` (found: {})\n  hint: the statsforecast long format is `unique_id,ds,y` with one row per series and time step",
            header.iter().collect::<Vec<_>>().join(", ")
        );
    };
    let Some(y_col) = column(target) else {
        bail!(
            "{shown}:1: no value column `{target}` (found: {})\n  hint: pick another column with --target",
            header.iter().collect::<Vec<_>>().join(", ")
        );
    };
    let mut problems: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut raw: Vec<RawSeries> = Vec::new();
    let mut with_time = false;
    let mut rows = 0usize;
    for record in reader.records() {
        rows += 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(format!("{shown}:{line}: unreadable row: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let id = record.get(id_col).unwrap_or("").to_string();
        if id.is_empty() {
            problems.push(format!("{shown}:{line}: empty unique_id"));
            continue;
        }
        let ds_text = record.get(ds_col).unwrap_or("");
        let Some((ds, has_time)) = parse_ds(ds_text) else {
            problems.push(format!(
                "{shown}:{line}: ds `{ds_text}` is not an ISO date or datetime (expected e.g. 2024-03-01 or 2024-03-01T14:00)"
            ));
            continue;
        };
        with_time |= has_time;
        let y_text = record.get(y_col).unwrap_or("");
        let y = match y_text.parse::<f64>() {
            Ok(v) if v.is_finite() && v.abs() <= MAX_VALUE => v,
            Ok(v) if v.is_finite() => {
                problems.push(format!(
                    "{shown}:{line}: {target} = {y_text} is beyond the {MAX_VALUE:e} a series value may be (models would overflow)"
                ));
                continue;
            }
            _ => {
                problems.push(format!(
                    "{shown}:{line}: {target} `{y_text}` is not a number"
                ));
                continue;
            }
        };
        if y < 0.0 && !allow_negative {
            problems.push(format!(
                "{shown}:{line}: {target} = {y_text} is negative (demand and counts cannot be; --allow-negative accepts it)"
            ));
            continue;
        }
        let slot = *index.entry(id.clone()).or_insert_with(|| {
            raw.push((id.clone(), Vec::new()));
            raw.len() - 1
        });
        raw[slot].1.push((ds, y, line));
    }
    if !problems.is_empty() {
        let shown_problems: Vec<&str> = problems.iter().take(10).map(String::as_str).collect();
        let more = if problems.len() > 10 {
            format!("\n  ... and {} more", problems.len() - 10)
        } else {
            String::new()
        };
        bail!(
            "{} of {rows} rows cannot be used (no row is dropped silently; fix them or remove them):\n  {}{more}",
            problems.len(),
            shown_problems.join("\n  ")
        );
    }
    if raw.is_empty() {
        bail!("{shown}: no data rows");
    }
    let frequency = infer_frequency(&raw).ok_or_else(|| {
        anyhow!(
            "{shown}: cannot tell the frequency: consecutive timestamps must be 1 hour, 1 day, 7 days or 1 month apart\n  hint: aggregate the data to one of these first"
        )
    })?;
    let mut series = Vec::with_capacity(raw.len());
    for (id, mut points) in raw {
        points.sort_by_key(|p| p.0);
        for pair in points.windows(2) {
            if pair[0].0 == pair[1].0 {
                bail!(
                    "{shown}:{}: series `{id}` has two rows for {} (the other is on line {})",
                    pair[1].2,
                    format_ds(pair[1].0, with_time),
                    pair[0].2
                );
            }
        }
        series.push(complete(
            &shown.to_string(),
            id,
            points,
            frequency,
            fill,
            with_time,
        )?);
    }
    Ok(Dataset {
        series,
        frequency,
        with_time,
        rows,
    })
}

fn infer_frequency(raw: &[RawSeries]) -> Option<Frequency> {
    // The most common spacing over the first series with two or more points.
    let mut counts: HashMap<&'static str, (usize, Frequency)> = HashMap::new();
    for (_, points) in raw.iter().take(50) {
        let mut ds: Vec<DateTime> = points.iter().map(|p| p.0).collect();
        ds.sort();
        for pair in ds.windows(2).take(200) {
            if let Some(f) = Frequency::between(pair[0], pair[1]) {
                counts.entry(f.name()).or_insert((0, f)).0 += 1;
            }
        }
    }
    counts
        .values()
        .max_by_key(|(c, f)| (*c, f.default_season()))
        .map(|(_, f)| *f)
}

fn complete(
    file: &str,
    id: String,
    points: Vec<(DateTime, f64, u64)>,
    frequency: Frequency,
    fill: Fill,
    with_time: bool,
) -> Result<Series> {
    let mut ds = Vec::with_capacity(points.len());
    let mut y: Vec<f64> = Vec::with_capacity(points.len());
    let mut filled = 0;
    let mut gaps: Vec<String> = Vec::new();
    for (i, (t, v, line)) in points.iter().enumerate() {
        if i > 0 {
            let mut expected = frequency.next(ds[ds.len() - 1]);
            while let Some(e) = expected {
                if e >= *t {
                    break;
                }
                match fill {
                    Fill::None => {
                        if gaps.len() < 5 {
                            gaps.push(format_ds(e, with_time));
                        }
                        filled += 1;
                    }
                    Fill::Zero | Fill::Interpolate => {
                        ds.push(e);
                        y.push(f64::NAN);
                        filled += 1;
                    }
                }
                expected = frequency.next(e);
            }
            if expected != Some(*t) && fill != Fill::None {
                bail!(
                    "{file}:{line}: series `{id}`: {} is off the {} grid that starts at {}",
                    format_ds(*t, with_time),
                    frequency.name(),
                    format_ds(ds[0], with_time)
                );
            }
        }
        ds.push(*t);
        y.push(*v);
    }
    if fill == Fill::None && filled > 0 {
        bail!(
            "{file}: series `{id}` misses {filled} {} time step(s), first: {}\n  hint: --fill zero treats a missing step as no demand, --fill interpolate draws a line across it",
            frequency.name(),
            gaps.join(", ")
        );
    }
    if fill == Fill::Zero {
        y.iter_mut().filter(|v| v.is_nan()).for_each(|v| *v = 0.0);
    } else if fill == Fill::Interpolate {
        interpolate(&mut y);
    }
    Ok(Series { id, ds, y, filled })
}

fn interpolate(y: &mut [f64]) {
    let mut last: Option<usize> = None;
    for i in 0..y.len() {
        if y[i].is_nan() {
            continue;
        }
        if let Some(l) = last {
            for k in l + 1..i {
                let w = (k - l) as f64 / (i - l) as f64;
                y[k] = y[l] + w * (y[i] - y[l]);
            }
        }
        last = Some(i);
    }
}

/// Future timestamps after a series.
pub(crate) fn future(series: &Series, frequency: Frequency, h: usize) -> Vec<DateTime> {
    let mut out = Vec::with_capacity(h);
    let mut t = series.ds[series.ds.len() - 1];
    for _ in 0..h {
        match frequency.next(t) {
            Some(n) => {
                out.push(n);
                t = n;
            }
            None => break,
        }
    }
    out
}

/// Calendar dummies for history plus horizon: hour of day (hourly), day of
/// week (hourly, daily), month (daily, monthly), and a holiday indicator
/// when holiday dates are given. One level of each is left out (it is the
/// intercept's).
pub(crate) fn calendar(
    series: &Series,
    frequency: Frequency,
    h: usize,
    holidays: &[Date],
) -> Features {
    let mut times = series.ds.clone();
    times.extend(future(series, frequency, h));
    let hours = frequency == Frequency::Hourly;
    let weekdays = matches!(frequency, Frequency::Hourly | Frequency::Daily);
    let months = matches!(frequency, Frequency::Daily | Frequency::Monthly);
    let mut names = Vec::new();
    if hours {
        names.extend((1..24).map(|h| format!("hour{h:02}")));
    }
    if weekdays {
        names.extend(["tue", "wed", "thu", "fri", "sat", "sun"].map(String::from));
    }
    if months {
        names.extend((2..=12).map(|m| format!("month{m:02}")));
    }
    if !holidays.is_empty() {
        names.push("holiday".into());
    }
    let rows = times
        .iter()
        .map(|t| {
            let mut row = Vec::with_capacity(names.len());
            let flag = |b: bool| f64::from(u8::from(b));
            if hours {
                row.extend((1..24).map(|h| flag(t.hour() as usize == h)));
            }
            if weekdays {
                let dow = t.weekday().to_monday_zero_offset() as usize;
                row.extend((1..7).map(|d| flag(dow == d)));
            }
            if months {
                row.extend((2..=12).map(|m| flag(t.month() as usize == m)));
            }
            if !holidays.is_empty() {
                row.push(flag(holidays.contains(&t.date())));
            }
            row
        })
        .collect();
    Features { names, rows }
}

/// Reads a holiday file: one ISO date per line (a header line and `#`
/// comments are allowed; the first comma-separated field is used).
pub(crate) fn read_holidays(path: &Path) -> Result<Vec<Date>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow!("cannot read holidays file {}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let field = line.split(',').next().unwrap_or("").trim();
        if field.is_empty() || field.starts_with('#') || (i == 0 && field.parse::<Date>().is_err())
        {
            continue;
        }
        out.push(field.parse::<Date>().map_err(|_| {
            anyhow!(
                "{}:{}: `{field}` is not an ISO date (expected e.g. 2025-12-25)",
                path.display(),
                i + 1
            )
        })?);
    }
    Ok(out)
}

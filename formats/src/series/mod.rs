//! Reading series in the statsforecast long format (`unique_id, ds, y`, extra
//! columns allowed): validation with line numbers, frequency and season
//! inference, gap handling, and calendar features for regression models.

use crate::FormatError;
use hospsim_sim::timestamp::TimeZone;
use jiff::civil::DateTime;
use std::collections::HashMap;

/// Largest magnitude of a series value: squares and sums of such values stay
/// far from overflowing, so a forecast is never infinite.
pub const MAX_VALUE: f64 = 1e15;

mod calendar;
mod frequency;
mod layout;
mod regressors;

pub use calendar::{calendar, future, read_holidays};
pub use frequency::Frequency;
pub use layout::Layout;
use layout::parse_ds;
pub use regressors::{FutureValues, MAX_FUTURE_ROWS, MAX_REGRESSORS, read_future};

/// How gaps in the timestamps are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// A gap is an error (the default: nothing is invented silently).
    None,
    /// Missing steps are zero (counts of events that did not happen).
    Zero,
    /// Missing steps are interpolated linearly.
    Interpolate,
}

/// One series.
#[derive(Debug, Clone)]
pub struct Series {
    /// `unique_id`.
    pub id: String,
    /// Time steps, in order, without gaps.
    pub ds: Vec<DateTime>,
    /// Values, one per step.
    pub y: Vec<f64>,
    /// Steps that were filled in (for the report; 0 without --fill).
    pub filled: usize,
    /// The regressor columns ([`Dataset::regressors`] names them), one value
    /// per step each; a filled step's values are interpolated.
    pub regressors: Vec<Vec<f64>>,
}

/// Every series of a file, in order of first appearance.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The series.
    pub series: Vec<Series>,
    /// Spacing of every series.
    pub frequency: Frequency,
    /// Whether timestamps carry a time of day (output keeps the input's style).
    pub with_time: bool,
    /// Data rows read.
    pub rows: usize,
    /// Names of the regressor columns, in [`Series::regressors`]'s order.
    pub regressors: Vec<String>,
}

/// One row as read: timestamp, value, line number, regressor values.
type RawPoint = (DateTime, f64, u64, Vec<f64>);
/// Rows of one series as read.
type RawSeries = (String, Vec<RawPoint>);

/// Formats a timestamp as the input did.
pub fn format_ds(t: DateTime, with_time: bool) -> String {
    if with_time {
        t.strftime("%Y-%m-%d %H:%M:%S").to_string()
    } else {
        t.date().to_string()
    }
}

/// Most rows a series file may have.
pub const MAX_ROWS: usize = 10_000_000;

/// Longest series after its missing steps are filled (a million steps is
/// over a century of hours): a gap between 2025 and 9999 is refused, not filled.
pub const MAX_STEPS: usize = 1_000_000;

/// Reads and validates a long CSV from `input` (`file` names it in errors).
/// `target` names the value column (`y`). A `ds` with `Z` or an offset is
/// read in `zone`'s wall clock (refused without one).
///
/// ```
/// use hospsim_formats::series::{read, Fill, Frequency};
/// let text = "unique_id,ds,y\ned,2025-01-01,210\ned,2025-01-02,198\ned,2025-01-03,225\n";
/// let data = read(text.as_bytes(), "ed.csv", "y", Fill::None, false, None).unwrap();
/// assert_eq!(data.frequency, Frequency::Daily);
/// assert_eq!(data.series[0].y, vec![210.0, 198.0, 225.0]);
/// ```
pub fn read(
    input: impl std::io::Read,
    file: &str,
    target: &str,
    fill: Fill,
    allow_negative: bool,
    zone: Option<&TimeZone>,
) -> Result<Dataset, FormatError> {
    read_layout(
        input,
        file,
        &Layout::statsforecast(target),
        fill,
        allow_negative,
        zone,
    )
}

/// [`read`] for a file laid out otherwise: named columns, a date pattern,
/// `;` separators, decimal commas (an Excel export).
///
/// ```
/// use hospsim_formats::series::{read_layout, Fill, Layout};
/// let text = "\u{feff}Datum;Aufnahmen\n31/01/2025;12,5\n01/02/2025;13\n";
/// let layout = Layout {
///     time: "Datum".into(),
///     value: "Aufnahmen".into(),
///     date_format: Some("%d/%m/%Y".into()),
///     decimal_comma: true,
///     ..Layout::statsforecast("y")
/// };
/// let data = read_layout(text.as_bytes(), "ward.csv", &layout, Fill::None, false, None).unwrap();
/// assert_eq!(data.series[0].id, "ward");
/// assert_eq!(data.series[0].y, vec![12.5, 13.0]);
/// ```
pub fn read_layout(
    input: impl std::io::Read,
    file: &str,
    layout: &Layout,
    fill: Fill,
    allow_negative: bool,
    zone: Option<&TimeZone>,
) -> Result<Dataset, FormatError> {
    let shown = file;
    let target = layout.value.as_str();
    let (mut reader, lines, header) = open_csv(input, file, layout)?;
    let found = || header.iter().collect::<Vec<_>>().join(", ");
    let column = |name: &str| header.iter().position(|h| h == name);
    let id_col = match &layout.id {
        Some(name) => Some(column(name).ok_or_else(|| {
            FormatError::at(
                file,
                1,
                format!("no series column `{name}` (found: {})", found()),
            )
            .hint("name it with --id, or leave --id out for a file of one series")
        })?),
        None => column("unique_id"),
    };
    // A file of one series is named after the file: `ed_arrivals.csv` is `ed_arrivals`.
    let single_id = std::path::Path::new(file).file_stem().map_or_else(
        || "series".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    let Some(ds_col) = column(&layout.time) else {
        let time = &layout.time;
        let hint = if header.len() == 1 && found().contains(';') {
            "the header looks `;`-separated: --delimiter ';'".to_string()
        } else {
            "name the time column with --time (the statsforecast long format is `unique_id,ds,y`)"
                .to_string()
        };
        return Err(FormatError::at(
            file,
            1,
            format!("no time column `{time}` (found: {})", found()),
        )
        .hint(hint));
    };
    let Some(y_col) = column(target) else {
        return Err(FormatError::at(
            file,
            1,
            format!("no value column `{target}` (found: {})", found()),
        )
        .hint("name it with --value (or --target)"));
    };
    let regressor_columns = regressors::columns(file, &header, &layout.regressors)?;
    // The first problems are kept to show; all are counted.
    let mut problems: Vec<String> = Vec::new();
    let mut n_problems = 0usize;
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut raw: Vec<RawSeries> = Vec::new();
    let mut with_time = false;
    let mut rows = 0usize;
    for record in reader.records() {
        rows += 1;
        if rows > MAX_ROWS {
            return Err(FormatError::file(
                file,
                format!("more than {MAX_ROWS} rows, the most a series file may have"),
            ));
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line(Some(p)));
                push_problem(
                    &mut problems,
                    &mut n_problems,
                    format!("{shown}:{line}: unreadable row: {e}"),
                );
                continue;
            }
        };
        let line = record.position().map_or(0, |p| lines.line(Some(p)));
        let id = match id_col {
            Some(c) => record.get(c).unwrap_or("").to_string(),
            None => single_id.clone(),
        };
        if id.is_empty() {
            push_problem(
                &mut problems,
                &mut n_problems,
                format!("{shown}:{line}: empty unique_id"),
            );
            continue;
        }
        let ds_text = record.get(ds_col).unwrap_or("");
        let (ds, has_time) = match parse_ds(ds_text, zone, layout.date_format.as_deref()) {
            Ok(d) => d,
            // Not a bad row but a missing setting: every such row would fail.
            Err(e) if e.needs_zone() => {
                return Err(FormatError::at(file, line, format!("ds: {e}")).hint(e.hint()));
            }
            Err(_) => {
                let time = &layout.time;
                let problem = match &layout.date_format {
                    Some(f) => format!(
                        "{shown}:{line}: {time} `{ds_text}` does not match --date-format `{f}`"
                    ),
                    None => format!(
                        "{shown}:{line}: {time} `{ds_text}` is not an ISO date or datetime (expected e.g. 2024-03-01 or 2024-03-01T14:00; give other forms with --date-format, e.g. --date-format %d/%m/%Y)"
                    ),
                };
                push_problem(&mut problems, &mut n_problems, problem);
                continue;
            }
        };
        with_time |= has_time;
        let y_text = record.get(y_col).unwrap_or("");
        let y_parsed = if layout.decimal_comma {
            y_text.replace(',', ".").parse::<f64>()
        } else {
            y_text.parse::<f64>()
        };
        let y = match y_parsed {
            Ok(v) if v.is_finite() && v.abs() <= MAX_VALUE => v,
            Ok(v) if v.is_finite() => {
                push_problem(
                    &mut problems,
                    &mut n_problems,
                    format!(
                        "{shown}:{line}: {target} = {y_text} is beyond the {MAX_VALUE:e} a series value may be (models would overflow)"
                    ),
                );
                continue;
            }
            _ => {
                push_problem(
                    &mut problems,
                    &mut n_problems,
                    format!("{shown}:{line}: {target} `{y_text}` is not a number"),
                );
                continue;
            }
        };
        if y < 0.0 && !allow_negative {
            push_problem(
                &mut problems,
                &mut n_problems,
                format!(
                    "{shown}:{line}: {target} = {y_text} is negative (demand and counts cannot be; --allow-negative accepts it)"
                ),
            );
            continue;
        }
        let x = match regressors::values(&record, &regressor_columns, layout, shown, line) {
            Ok(x) => x,
            Err(problem) => {
                push_problem(&mut problems, &mut n_problems, problem);
                continue;
            }
        };
        let slot = *index.entry(id.clone()).or_insert_with(|| {
            raw.push((id.clone(), Vec::new()));
            raw.len() - 1
        });
        raw[slot].1.push((ds, y, line, x));
    }
    if n_problems > 0 {
        let shown_problems: Vec<&str> = problems.iter().map(String::as_str).collect();
        let more = if n_problems > problems.len() {
            format!("\n  ... and {} more", n_problems - problems.len())
        } else {
            String::new()
        };
        return Err(FormatError::file(
            file,
            format!(
                "{n_problems} of {rows} rows cannot be used (no row is dropped silently; fix them or remove them):\n  {}{more}",
                shown_problems.join("\n  ")
            ),
        ));
    }
    if raw.is_empty() {
        return Err(FormatError::file(file, "no data rows"));
    }
    let frequency = infer_frequency(&raw).ok_or_else(|| {
        FormatError::file(file, "cannot tell the frequency: consecutive timestamps must be 1 hour, 1 day, 7 days, 1 month or 3 months apart (months on the same day or on month ends)")
            .hint("aggregate the data to one of these first")
    })?;
    let mut series = Vec::with_capacity(raw.len());
    for (id, mut points) in raw {
        points.sort_by_key(|p| p.0);
        for pair in points.windows(2) {
            if pair[0].0 == pair[1].0 {
                let e = FormatError::at(
                    file,
                    pair[1].2,
                    format!(
                        "series `{id}` has two rows for {} (the other is on line {})",
                        format_ds(pair[1].0, with_time),
                        pair[0].2
                    ),
                );
                // UTC hours read in a zone with DST: the autumn change
                // repeats an hour of the wall clock.
                return Err(match zone {
                    _ if id_col.is_none() => e.hint(format!(
                        "the file has no `unique_id` column, so it was read as one series; name its series column with --id (columns: {})",
                        found()
                    )),
                    Some(_) if with_time => e.hint("in the wall clock of the time zone, the hour the clocks go back comes twice; sum the two rows, or give the series in wall-clock time"),
                    _ => e,
                });
            }
        }
        series.push(complete(file, id, points, frequency, fill, with_time)?);
    }
    Ok(Dataset {
        series,
        frequency,
        with_time,
        rows,
        regressors: layout.regressors.clone(),
    })
}

/// A CSV reader over `input` in `layout`'s separator (`;` when the header
/// has one and no `,`, unless given), with its line index and header; a
/// decimal comma with a comma separator is refused. The series file and
/// the `--future` file are opened alike.
type OpenCsv<R> = (
    csv::Reader<crate::LineLimit<std::io::BufReader<R>>>,
    crate::Lines,
    csv::StringRecord,
);

pub(super) fn open_csv<R: std::io::Read>(
    input: R,
    file: &str,
    layout: &Layout,
) -> Result<OpenCsv<R>, FormatError> {
    use std::io::BufRead;
    let mut input = std::io::BufReader::with_capacity(1 << 16, input);
    let delimiter = match layout.delimiter {
        Some(d) => d,
        None => {
            let head = input
                .fill_buf()
                .map_err(|e| FormatError::file(file, format!("cannot read: {e}")))?;
            let first = head.split(|b| *b == b'\n').next().unwrap_or(&[]);
            if first.contains(&b';') && !first.contains(&b',') {
                b';'
            } else {
                b','
            }
        }
    };
    if layout.decimal_comma && delimiter == b',' {
        return Err(FormatError::file(
            file,
            "a decimal comma needs another field separator than the comma",
        )
        .hint("Excel writes `;` between fields when it writes decimal commas: --delimiter ';'"));
    }
    let (mut reader, lines) = crate::csv_reader(
        csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .delimiter(delimiter),
        input,
    );
    let header = reader
        .headers()
        .map_err(|e| crate::csv_error(file, &lines, e))?
        .clone();
    Ok((reader, lines, header))
}

fn push_problem(shown: &mut Vec<String>, count: &mut usize, problem: String) {
    *count += 1;
    if shown.len() < 10 {
        shown.push(problem);
    }
}

fn infer_frequency(raw: &[RawSeries]) -> Option<Frequency> {
    // The most common spacing over the first series with two or more points.
    let mut counts: HashMap<Frequency, usize> = HashMap::new();
    for (_, points) in raw.iter().take(50) {
        let mut ds: Vec<DateTime> = points.iter().map(|p| p.0).collect();
        ds.sort();
        for pair in ds.windows(2).take(200) {
            for f in Frequency::between(pair[0], pair[1]) {
                *counts.entry(f).or_insert(0) += 1;
            }
        }
    }
    // Ties go to month ends: two month-end dates
    // a month apart are one step of either kind, but only month ends
    // continue the series.
    counts
        .into_iter()
        .max_by_key(|&(f, c)| (c, f.default_season(), f.ends_months()))
        .map(|(f, _)| f)
}

fn complete(
    file: &str,
    id: String,
    points: Vec<RawPoint>,
    frequency: Frequency,
    fill: Fill,
    with_time: bool,
) -> Result<Series, FormatError> {
    let mut ds = Vec::with_capacity(points.len());
    let mut y: Vec<f64> = Vec::with_capacity(points.len());
    let width = points.first().map_or(0, |p| p.3.len());
    let mut x: Vec<Vec<f64>> = vec![Vec::with_capacity(points.len()); width];
    let mut filled = 0;
    let mut gaps: Vec<String> = Vec::new();
    for (i, (t, v, line, row)) in points.iter().enumerate() {
        if i > 0 {
            let (first, last) = (ds[0], ds[ds.len() - 1]);
            let too_long = || {
                FormatError::at(
                    file,
                    *line,
                    format!(
                        "series `{id}`: filling the gap before {} would make more than {MAX_STEPS} steps",
                        format_ds(*t, with_time)
                    ),
                )
                .hint("a typo in a year? fix the date, or give the series in parts")
            };
            let off_grid = || {
                FormatError::at(
                    file,
                    *line,
                    format!(
                        "series `{id}`: {} is off the {} grid that starts at {}",
                        format_ds(*t, with_time),
                        frequency.name(),
                        format_ds(first, with_time)
                    ),
                )
            };
            if let Some((gap, on_grid)) = frequency.fixed_gap(last, *t) {
                // Hours, days and weeks have one length: the gap is counted,
                // and checked against the limit, before a step is made, so a
                // year typed wrong costs nothing to refuse.
                if ds.len() + filled + gap > MAX_STEPS {
                    return Err(too_long());
                }
                if !on_grid && fill != Fill::None {
                    return Err(off_grid());
                }
                let mut e = last;
                for _ in 0..gap {
                    if fill == Fill::None && gaps.len() >= 5 {
                        break;
                    }
                    let Some(next) = frequency.next(e) else { break };
                    e = next;
                    if fill == Fill::None {
                        gaps.push(format_ds(e, with_time));
                    } else {
                        ds.push(e);
                        y.push(f64::NAN);
                        x.iter_mut().for_each(|c| c.push(f64::NAN));
                    }
                }
                filled += gap;
            } else {
                let mut expected = frequency.next(last);
                while let Some(e) = expected {
                    if e >= *t {
                        break;
                    }
                    match fill {
                        Fill::None => {
                            if gaps.len() < 5 {
                                gaps.push(format_ds(e, with_time));
                            }
                        }
                        Fill::Zero | Fill::Interpolate => {
                            ds.push(e);
                            y.push(f64::NAN);
                            x.iter_mut().for_each(|c| c.push(f64::NAN));
                        }
                    }
                    filled += 1;
                    expected = frequency.next(e);
                    if ds.len() + filled > MAX_STEPS {
                        return Err(too_long());
                    }
                }
                if expected != Some(*t) && fill != Fill::None {
                    return Err(off_grid());
                }
            }
        }
        ds.push(*t);
        y.push(*v);
        for (c, value) in x.iter_mut().zip(row) {
            c.push(*value);
        }
    }
    if fill == Fill::None && filled > 0 {
        return Err(FormatError::file(
            file,
            format!(
                "series `{id}` misses {filled} {} time step(s), first: {}",
                frequency.name(),
                gaps.join(", ")
            ),
        )
        .hint("--fill zero treats a missing step as no demand, --fill interpolate draws a line across it"));
    }
    if fill == Fill::Zero {
        y.iter_mut().filter(|v| v.is_nan()).for_each(|v| *v = 0.0);
    } else if fill == Fill::Interpolate {
        interpolate(&mut y);
    }
    // A missing day had no arrivals, but it still had a temperature.
    x.iter_mut().for_each(|c| interpolate(c));
    Ok(Series {
        id,
        ds,
        y,
        filled,
        regressors: x,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read_hourly(text: &str, fill: Fill) -> Result<Vec<Series>, FormatError> {
        read(text.as_bytes(), "s.csv", "y", fill, false, None).map(|d| d.series)
    }

    #[test]
    fn gaps_are_counted_filled_and_checked_the_same_way_at_any_length() {
        let text =
            "unique_id,ds,y\na,2024-01-01T00:00,1\na,2024-01-01T01:00,2\na,2024-01-01T05:00,6\n";
        let msg = read_hourly(text, Fill::None).unwrap_err().to_string();
        assert!(
            msg.contains("misses 3 hourly time step(s), first: 2024-01-01 02:00:00, 2024-01-01 03:00:00, 2024-01-01 04:00:00"),
            "{msg}"
        );
        let s = read_hourly(text, Fill::Interpolate).unwrap();
        assert_eq!(s[0].y, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(s[0].filled, 3);
        // A year typed wrong: two centuries of hours is refused before a step is made.
        let typo =
            "unique_id,ds,y\na,2024-01-01T00:00,1\na,2024-01-01T01:00,2\na,2224-01-01T01:00,3\n";
        for fill in [Fill::None, Fill::Zero, Fill::Interpolate] {
            let msg = read_hourly(typo, fill).unwrap_err().to_string();
            assert!(
                msg.contains("s.csv:4") && msg.contains("more than 1000000 steps"),
                "{msg}"
            );
        }
        // Off the grid: half past the hour.
        let off =
            "unique_id,ds,y\na,2024-01-01T00:00,1\na,2024-01-01T01:00,2\na,2024-01-01T03:30,3\n";
        let msg = read_hourly(off, Fill::Zero).unwrap_err().to_string();
        assert!(msg.contains("off the hourly grid"), "{msg}");
    }
}

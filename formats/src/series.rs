//! Reading series in the statsforecast long format (`unique_id, ds, y`, extra
//! columns allowed): validation with line numbers, frequency and season
//! inference, gap handling, and calendar features for regression models.

use crate::{FormatError, csv_error};
use hospsim_forecast::Features;
use hospsim_sim::timestamp::{TimeZone, TimestampError};
use jiff::ToSpan;
use jiff::civil::{Date, DateTime};
use std::collections::HashMap;

/// Largest magnitude of a series value: squares and sums of such values stay
/// far from overflowing, so a forecast is never infinite.
pub const MAX_VALUE: f64 = 1e15;

/// Spacing of the observations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Frequency {
    /// One step an hour.
    Hourly,
    /// One step a day.
    Daily,
    /// One step a week.
    Weekly,
    /// One step a month, on the same day of each month (the 1st, or any
    /// day up to the 28th).
    Monthly,
    /// One step a month on its last day (`2023-01-31, 2023-02-28, ...`), as
    /// many exports date a month's total.
    MonthEnd,
    /// One step every three months on the same day (`2023-01-01,
    /// 2023-04-01, ...`).
    Quarterly,
    /// One step every three months on the month's last day (`2023-03-31,
    /// 2023-06-30, ...`).
    QuarterEnd,
}

impl Frequency {
    /// `hourly`, `daily`, `weekly`, `monthly` or `quarterly` (month-end
    /// and month-start series share a name: the dates say which).
    pub fn name(self) -> &'static str {
        match self {
            Frequency::Hourly => "hourly",
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly | Frequency::MonthEnd => "monthly",
            Frequency::Quarterly | Frequency::QuarterEnd => "quarterly",
        }
    }

    /// The usual season: a day of hours, a week of days, a year of weeks,
    /// months or quarters.
    pub fn default_season(self) -> usize {
        match self {
            Frequency::Hourly => 24,
            Frequency::Daily => 7,
            Frequency::Weekly => 52,
            Frequency::Monthly | Frequency::MonthEnd => 12,
            Frequency::Quarterly | Frequency::QuarterEnd => 4,
        }
    }

    /// The next time step after `t` (none past the calendar's end).
    pub fn next(self, t: DateTime) -> Option<DateTime> {
        // A month-end step cannot add a month to the date: 31 January plus a
        // month is 29 February, plus another is 29 March.
        let month_end = |months: i32| -> Option<DateTime> {
            let first = t
                .date()
                .first_of_month()
                .checked_add(months.months())
                .ok()?;
            Some(first.last_of_month().to_datetime(t.time()))
        };
        match self {
            Frequency::Hourly => t.checked_add(1.hour()).ok(),
            Frequency::Daily => t.checked_add(1.day()).ok(),
            Frequency::Weekly => t.checked_add(7.days()).ok(),
            Frequency::Monthly => t.checked_add(1.month()).ok(),
            Frequency::MonthEnd => month_end(1),
            Frequency::Quarterly => t.checked_add(3.months()).ok(),
            Frequency::QuarterEnd => month_end(3),
        }
    }

    fn ends_months(self) -> bool {
        matches!(self, Frequency::MonthEnd | Frequency::QuarterEnd)
    }

    /// Whether a series at this frequency may hold `t` at all: month-end
    /// steps fall on a month's last day.
    fn admits(self, t: DateTime) -> bool {
        match self {
            Frequency::MonthEnd | Frequency::QuarterEnd => t.date() == t.date().last_of_month(),
            _ => true,
        }
    }

    /// For the frequencies of one fixed length (hours, days, weeks): the
    /// steps strictly between `a` and a later `b`, and whether `b` lies on
    /// `a`'s grid. None for months, whose length varies.
    fn fixed_gap(self, a: DateTime, b: DateTime) -> Option<(usize, bool)> {
        let step: i64 = match self {
            Frequency::Hourly => 3_600,
            Frequency::Daily => 86_400,
            Frequency::Weekly => 604_800,
            Frequency::Monthly
            | Frequency::MonthEnd
            | Frequency::Quarterly
            | Frequency::QuarterEnd => return None,
        };
        // Civil times: no daylight-saving jumps, every day is 24 hours.
        let d = b.duration_since(a);
        let (secs, nanos) = (d.as_secs(), d.subsec_nanos());
        if secs < 0 || (secs == 0 && nanos <= 0) {
            return Some((0, d.is_zero()));
        }
        let on_grid = secs % step == 0 && nanos == 0;
        let steps_to_b = secs / step + i64::from(!on_grid);
        Some(((steps_to_b - 1) as usize, on_grid))
    }

    /// Every frequency with `b` one step after `a` (31 January to 29
    /// February is one step both for the 31st of each month and for month
    /// ends).
    fn between(a: DateTime, b: DateTime) -> impl Iterator<Item = Frequency> {
        [
            Frequency::Hourly,
            Frequency::Daily,
            Frequency::Weekly,
            Frequency::Monthly,
            Frequency::MonthEnd,
            Frequency::Quarterly,
            Frequency::QuarterEnd,
        ]
        .into_iter()
        .filter(move |f| f.admits(a) && f.admits(b) && f.next(a) == Some(b))
    }
}

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
}

/// Rows of one series as read: timestamp, value, line number.
type RawSeries = (String, Vec<(DateTime, f64, u64)>);

/// A `ds` as wall-clock time, and whether it had a time of day.
fn parse_ds(text: &str, zone: Option<&TimeZone>) -> Result<(DateTime, bool), TimestampError> {
    hospsim_sim::timestamp::parse(text, zone).map(|s| (s.wall, s.has_time))
}

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
    let shown = file;
    let (mut reader, lines) =
        crate::csv_reader(csv::ReaderBuilder::new().trim(csv::Trim::All), input);
    let header = reader
        .headers()
        .map_err(|e| crate::csv_error(file, &lines, e))?
        .clone();
    let column = |name: &str| header.iter().position(|h| h == name);
    let (Some(id_col), Some(ds_col)) = (column("unique_id"), column("ds")) else {
        return Err(FormatError::at(file, 1, format!(
            "the header must name the columns `unique_id` and `ds` (found: {})",
            header.iter().collect::<Vec<_>>().join(", ")
        ))
        .hint("the statsforecast long format is `unique_id,ds,y` with one row per series and time step"));
    };
    let Some(y_col) = column(target) else {
        return Err(FormatError::at(
            file,
            1,
            format!(
                "no value column `{target}` (found: {})",
                header.iter().collect::<Vec<_>>().join(", ")
            ),
        )
        .hint("pick another column with --target"));
    };
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
        let id = record.get(id_col).unwrap_or("").to_string();
        if id.is_empty() {
            push_problem(
                &mut problems,
                &mut n_problems,
                format!("{shown}:{line}: empty unique_id"),
            );
            continue;
        }
        let ds_text = record.get(ds_col).unwrap_or("");
        let (ds, has_time) = match parse_ds(ds_text, zone) {
            Ok(d) => d,
            // Not a bad row but a missing setting: every such row would fail.
            Err(e) if e.needs_zone() => {
                return Err(FormatError::at(file, line, format!("ds: {e}")).hint(e.hint()));
            }
            Err(_) => {
                push_problem(
                    &mut problems,
                    &mut n_problems,
                    format!(
                        "{shown}:{line}: ds `{ds_text}` is not an ISO date or datetime (expected e.g. 2024-03-01 or 2024-03-01T14:00)"
                    ),
                );
                continue;
            }
        };
        with_time |= has_time;
        let y_text = record.get(y_col).unwrap_or("");
        let y = match y_text.parse::<f64>() {
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
        let slot = *index.entry(id.clone()).or_insert_with(|| {
            raw.push((id.clone(), Vec::new()));
            raw.len() - 1
        });
        raw[slot].1.push((ds, y, line));
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
    })
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
    points: Vec<(DateTime, f64, u64)>,
    frequency: Frequency,
    fill: Fill,
    with_time: bool,
) -> Result<Series, FormatError> {
    let mut ds = Vec::with_capacity(points.len());
    let mut y: Vec<f64> = Vec::with_capacity(points.len());
    let mut filled = 0;
    let mut gaps: Vec<String> = Vec::new();
    for (i, (t, v, line)) in points.iter().enumerate() {
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
pub fn future(series: &Series, frequency: Frequency, h: usize) -> Vec<DateTime> {
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
/// week (hourly, daily), month (daily, monthly), quarter (quarterly), and a holiday indicator
/// when holiday dates are given. One level of each is left out (it is the
/// intercept's).
pub fn calendar(series: &Series, frequency: Frequency, h: usize, holidays: &[Date]) -> Features {
    let mut times = series.ds.clone();
    times.extend(future(series, frequency, h));
    let hours = frequency == Frequency::Hourly;
    let weekdays = matches!(frequency, Frequency::Hourly | Frequency::Daily);
    let months = matches!(
        frequency,
        Frequency::Daily | Frequency::Monthly | Frequency::MonthEnd
    );
    let quarters = matches!(frequency, Frequency::Quarterly | Frequency::QuarterEnd);
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
    if quarters {
        names.extend((2..=4).map(|q| format!("q{q}")));
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
            if quarters {
                let quarter = (t.month() as usize - 1) / 3 + 1;
                row.extend((2..=4).map(|q| flag(quarter == q)));
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
pub fn read_holidays(text: &str, file: &str) -> Result<Vec<Date>, FormatError> {
    let mut out = Vec::new();
    let (mut reader, lines) = crate::csv_reader(
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .comment(Some(b'#')),
        text.as_bytes(),
    );
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| csv_error(file, &lines, e))?;
        let line = lines.line(row.position());
        let field = row.get(0).unwrap_or("");
        if field.is_empty() || (i == 0 && field.parse::<Date>().is_err()) {
            continue;
        }
        out.push(field.parse::<Date>().map_err(|_| {
            FormatError::at(
                file,
                line,
                format!("`{field}` is not an ISO date (expected e.g. 2025-12-25)"),
            )
        })?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holidays_take_a_header_comments_blank_lines_and_quotes() {
        let text = "# bank holidays\ndate,name\n2025-12-25,Christmas\n\n\"2025-12-26\",\"Boxing Day, UK\"\n";
        let days = read_holidays(text, "h.csv").unwrap();
        assert_eq!(
            days,
            [
                jiff::civil::date(2025, 12, 25),
                jiff::civil::date(2025, 12, 26)
            ]
        );
    }

    #[test]
    fn a_bad_holiday_names_its_line() {
        let e = read_holidays("date\n2025-12-25\n\n2025-13-01\n", "h.csv").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("h.csv:4") && msg.contains("2025-13-01"),
            "{msg}"
        );
    }

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

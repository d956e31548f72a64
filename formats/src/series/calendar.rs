//! Dates after a series, calendar regressors and holiday files.

use super::{Frequency, Series};
use crate::{FormatError, csv_error};
use hospsim_forecast::Features;
use jiff::civil::{Date, DateTime};

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
    let cyclic = names.len();
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
    Features {
        names,
        rows,
        cyclic,
    }
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
}

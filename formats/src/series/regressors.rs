//! Regressors: extra columns of a series file (temperature, event flags)
//! that regression models use beside the calendar, and the file of their
//! values over the forecast horizon.

use super::layout::parse_ds;
use super::{Frequency, Layout, MAX_VALUE, Series, format_ds, future};
use crate::FormatError;
use hospsim_sim::timestamp::TimeZone;
use jiff::civil::DateTime;
use std::collections::HashMap;

/// A time as a date, or with its time of day when it has one.
fn shown(t: DateTime) -> String {
    format_ds(t, t.time() != jiff::civil::Time::midnight())
}

/// Most regressor columns a file may name.
pub const MAX_REGRESSORS: usize = 50;

/// The header positions of the regressor columns `names`.
pub(super) fn columns(
    file: &str,
    header: &csv::StringRecord,
    names: &[String],
) -> Result<Vec<usize>, FormatError> {
    if names.len() > MAX_REGRESSORS {
        return Err(FormatError::file(
            file,
            format!(
                "--regressors names {} columns, more than the {MAX_REGRESSORS} a model may use",
                names.len()
            ),
        ));
    }
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            if names[..i].contains(name) {
                return Err(FormatError::at(
                    file,
                    1,
                    format!("--regressors names `{name}` twice"),
                ));
            }
            header.iter().position(|h| h == name).ok_or_else(|| {
                FormatError::at(
                    file,
                    1,
                    format!(
                        "no regressor column `{name}` (found: {})",
                        header.iter().collect::<Vec<_>>().join(", ")
                    ),
                )
                .hint("--regressors names extra columns of the file, comma-separated")
            })
        })
        .collect()
}

/// One row's regressor values, or the problem to report for its line.
pub(super) fn values(
    record: &csv::StringRecord,
    columns: &[usize],
    layout: &Layout,
    file: &str,
    line: u64,
) -> Result<Vec<f64>, String> {
    columns
        .iter()
        .zip(&layout.regressors)
        .map(|(&c, name)| {
            let text = record.get(c).unwrap_or("");
            let parsed = if layout.decimal_comma {
                text.replace(',', ".").parse::<f64>()
            } else {
                text.parse::<f64>()
            };
            match parsed {
                Ok(v) if v.is_finite() && v.abs() <= MAX_VALUE => Ok(v),
                _ => Err(format!(
                    "{file}:{line}: regressor {name} `{text}` is not a number (every row needs one; at most {MAX_VALUE:e} in magnitude)"
                )),
            }
        })
        .collect()
}

/// Regressor values over the forecast horizon, from `--future FILE`: per
/// series (or, without a series column, for every series), the values at
/// each time step.
#[derive(Debug, Clone, Default)]
pub struct FutureValues {
    /// The file, for errors.
    file: String,
    /// `None`: rows for every series.
    by_series: HashMap<Option<String>, HashMap<DateTime, Vec<f64>>>,
}

/// Most rows a future file may have.
pub const MAX_FUTURE_ROWS: usize = 1_000_000;

/// Reads the regressors' future values: the series file's layout (its id
/// and time columns, the regressor columns; no value column needed).
///
/// ```
/// use hospsim_formats::series::{read, read_future, Fill, Layout};
/// let mut layout = Layout::statsforecast("y");
/// layout.regressors = vec!["temp".into()];
/// let text = "unique_id,ds,y,temp\ned,2025-01-01,210,3\ned,2025-01-02,198,5\ned,2025-01-03,225,4\n";
/// let data = hospsim_formats::series::read_layout(text.as_bytes(), "ed.csv", &layout, Fill::None, false, None).unwrap();
/// let future = read_future("ds,temp\n2025-01-04,-2\n2025-01-05,0\n".as_bytes(), "future.csv", &layout, None).unwrap();
/// let rows = future.rows_for(&data.series[0], data.frequency, 2).unwrap();
/// assert_eq!(rows, vec![vec![-2.0], vec![0.0]]);
/// ```
pub fn read_future(
    input: impl std::io::Read,
    file: &str,
    layout: &Layout,
    zone: Option<&TimeZone>,
) -> Result<FutureValues, FormatError> {
    let (mut reader, lines, header) = super::open_csv(input, file, layout)?;
    let id_name = layout.id.clone().unwrap_or_else(|| "unique_id".into());
    let id_col = header.iter().position(|h| h == id_name);
    let Some(ds_col) = header.iter().position(|h| h == layout.time) else {
        return Err(FormatError::at(
            file,
            1,
            format!(
                "no time column `{}` (found: {})",
                layout.time,
                header.iter().collect::<Vec<_>>().join(", ")
            ),
        )
        .hint("the future file has the series file's time column and regressor columns"));
    };
    let cols = columns(file, &header, &layout.regressors)?;
    let mut out = FutureValues {
        file: file.to_string(),
        by_series: HashMap::new(),
    };
    let mut rows = 0usize;
    for record in reader.records() {
        rows += 1;
        if rows > MAX_FUTURE_ROWS {
            return Err(FormatError::file(
                file,
                format!("more than {MAX_FUTURE_ROWS} rows, the most a future file may have"),
            ));
        }
        let record = record.map_err(|e| crate::csv_error(file, &lines, e))?;
        let line = record.position().map_or(0, |p| lines.line(Some(p)));
        let id = id_col.map(|c| record.get(c).unwrap_or("").to_string());
        let text = record.get(ds_col).unwrap_or("");
        let (ds, _) = parse_ds(text, zone, layout.date_format.as_deref())
            .map_err(|e| FormatError::at(file, line, format!("{} `{text}`: {e}", layout.time)))?;
        let x = values(&record, &cols, layout, file, line)
            .map_err(|problem| FormatError::file(file, problem))?;
        let steps = out.by_series.entry(id.clone()).or_default();
        if steps.insert(ds, x).is_some() {
            return Err(FormatError::at(
                file,
                line,
                format!(
                    "two rows for {}{}",
                    shown(ds),
                    id.map(|i| format!(" of series `{i}`")).unwrap_or_default()
                ),
            ));
        }
    }
    Ok(out)
}

impl FutureValues {
    /// The regressor rows of the `h` steps after `series` ends, in order.
    pub fn rows_for(
        &self,
        series: &Series,
        frequency: Frequency,
        h: usize,
    ) -> Result<Vec<Vec<f64>>, FormatError> {
        let steps = self
            .by_series
            .get(&Some(series.id.clone()))
            .or_else(|| self.by_series.get(&None));
        let Some(steps) = steps else {
            return Err(FormatError::file(
                &self.file,
                format!("no rows for series `{}`", series.id),
            )
            .hint("give every series its future values, or leave out the series column to give one set for all"));
        };
        future(series, frequency, h)
            .into_iter()
            .map(|t| {
                steps.get(&t).cloned().ok_or_else(|| {
                    FormatError::file(
                        &self.file,
                        format!(
                            "series `{}` has no regressor values for {}: the forecast needs the {h} steps after {}",
                            series.id,
                            shown(t),
                            series.ds.last().map_or_else(String::new, |l| shown(*l))
                        ),
                    )
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A future file exported as the series file was (`;`, decimal commas)
    /// is read with the same layout, separator found as in the series file.
    #[test]
    fn an_excel_future_file_reads_like_its_series_file() {
        let layout = Layout {
            decimal_comma: true,
            regressors: vec!["temp".into()],
            ..Layout::statsforecast("y")
        };
        let series = "unique_id;ds;y;temp\ned;2025-01-01;210;3,5\ned;2025-01-02;198;4\n";
        let data = super::super::read_layout(
            series.as_bytes(),
            "ed.csv",
            &layout,
            super::super::Fill::None,
            false,
            None,
        )
        .unwrap();
        assert_eq!(data.series[0].regressors, vec![vec![3.5, 4.0]]);
        let future = read_future(
            "ds;temp\n2025-01-03;-1,5\n".as_bytes(),
            "f.csv",
            &layout,
            None,
        )
        .unwrap();
        let rows = future.rows_for(&data.series[0], data.frequency, 1).unwrap();
        assert_eq!(rows, vec![vec![-1.5]]);
    }
}

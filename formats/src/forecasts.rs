//! The forecasts `hospsim forecast` writes (`forecasts.csv`: `unique_id, ds,
//! model, mean, ...`), read back as arrivals for a projection.

use crate::FormatError;
use crate::time::parse_in;
use hospsim_history::project::Forecasts;
use hospsim_sim::timestamp::TimeZone;

/// Most rows a forecasts file may have.
pub const MAX_ROWS: usize = 10_000_000;

/// Reads forecasts by class (`unique_id`) and model, each row's time in
/// wall-clock minutes since 1970 (a `ds` with an offset in `zone`'s wall
/// clock), its mean (negative means read as 0) and its line.
///
/// ```
/// let text = "unique_id,ds,model,mean,lo-95,hi-95\ned,2025-01-06,ets,251.5,220,283\ned,2025-01-07,ets,240.2,209,271\n";
/// let f = hospsim_formats::forecasts::read_forecasts(text.as_bytes(), "forecasts.csv", None).unwrap();
/// assert_eq!(f["ed"]["ets"].len(), 2);
/// ```
pub fn read_forecasts(
    input: impl std::io::Read,
    file: &str,
    zone: Option<&TimeZone>,
) -> Result<Forecasts, FormatError> {
    let (mut rdr, lines) = crate::csv_reader(&csv::ReaderBuilder::new(), input);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| crate::csv_error(file, &lines, e))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let col = |n: &str| header.iter().position(|h| h == n);
    let (Some(ii), Some(di), Some(mi), Some(vi)) =
        (col("unique_id"), col("ds"), col("model"), col("mean"))
    else {
        return Err(FormatError::at(
            file,
            1,
            format!(
                "expected the columns of `hospsim forecast` (unique_id, ds, model, mean, ...); found: {}",
                header.join(", ")
            ),
        ));
    };
    let mut series = Forecasts::new();
    let mut rows = 0usize;
    for rec in rdr.records() {
        let rec = rec.map_err(|e| crate::csv_error(file, &lines, e))?;
        let line = rec.position().map_or(0, |p| lines.line(Some(p)));
        rows += 1;
        if rows > MAX_ROWS {
            return Err(FormatError::at(
                file,
                line,
                format!("more than {MAX_ROWS} rows"),
            ));
        }
        let get = |i: usize| rec.get(i).unwrap_or("").trim();
        let ds = parse_in(get(di), zone)
            .map_err(|e| FormatError::at(file, line, format!("ds: {e}")).hint(e.hint()))?
            .wall;
        let mean: f64 = get(vi)
            .parse()
            .ok()
            .filter(|m: &f64| m.is_finite())
            .ok_or_else(|| {
                FormatError::at(file, line, format!("mean \"{}\" is not a number", get(vi)))
            })?;
        series
            .entry(get(ii).to_string())
            .or_default()
            .entry(get(mi).to_string())
            .or_default()
            .push((ds, mean.max(0.0), line));
    }
    Ok(series)
}

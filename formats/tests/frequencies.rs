//! Every frequency the docs promise is read as itself, continues on its own
//! grid into the future, and refuses a date off that grid.

use hospsim_formats::series::{Fill, Frequency, format_ds, future, read};

fn dataset(rows: &[String]) -> hospsim_formats::series::Dataset {
    let text = format!("unique_id,ds,y\n{}\n", rows.join("\n"));
    match read(text.as_bytes(), "s.csv", "y", Fill::None, false, None) {
        Ok(d) => d,
        Err(e) => panic!("{e}\n{text}"),
    }
}

fn next_three(d: &hospsim_formats::series::Dataset) -> Vec<String> {
    future(&d.series[0], d.frequency, 3)
        .into_iter()
        .map(|t| format_ds(t, d.with_time))
        .collect()
}

#[test]
fn hourly_series_in_both_documented_forms_keep_their_hours() {
    for (sep, secs) in [("T", ""), (" ", ":00")] {
        let rows: Vec<String> = (0..48)
            .map(|h| {
                format!(
                    "a,2024-01-{:02}{sep}{:02}:00{secs},{}",
                    1 + h / 24,
                    h % 24,
                    h
                )
            })
            .collect();
        let d = dataset(&rows);
        assert_eq!(d.frequency, Frequency::Hourly);
        assert_eq!(d.frequency.default_season(), 24);
        assert_eq!(d.series[0].y.len(), 48);
        assert_eq!(d.series[0].y[47], 47.0);
        assert_eq!(
            next_three(&d),
            [
                "2024-01-03 00:00:00",
                "2024-01-03 01:00:00",
                "2024-01-03 02:00:00"
            ]
        );
    }
}

#[test]
fn daily_data_with_a_time_of_day_is_daily_at_that_time() {
    let rows: Vec<String> = (1..=10)
        .map(|d| format!("a,2024-03-{d:02} 08:00,{d}"))
        .collect();
    let d = dataset(&rows);
    assert_eq!(d.frequency, Frequency::Daily);
    assert_eq!(next_three(&d)[0], "2024-03-11 08:00:00");
}

#[test]
fn weekly_series_step_by_seven_days() {
    let rows: Vec<String> = (0..10)
        .map(|w| {
            format!(
                "a,{},{w}",
                jiff::civil::date(2024, 1, 1)
                    .checked_add(jiff::Span::new().days(7 * w))
                    .unwrap()
            )
        })
        .collect();
    let d = dataset(&rows);
    assert_eq!(d.frequency, Frequency::Weekly);
    assert_eq!(next_three(&d), ["2024-03-11", "2024-03-18", "2024-03-25"]);
}

#[test]
fn monthly_series_at_month_start_and_at_month_end() {
    let start: Vec<String> = (0..14)
        .map(|k| format!("a,{}-{:02}-01,{k}", 2023 + k / 12, k % 12 + 1))
        .collect();
    let d = dataset(&start);
    assert_eq!(d.frequency, Frequency::Monthly);
    assert_eq!(next_three(&d), ["2024-03-01", "2024-04-01", "2024-05-01"]);

    // Month ends through a leap February: not "missing" 29 March.
    let end: Vec<String> = (0..14)
        .map(|k| {
            let first = jiff::civil::date(2023, 1, 1)
                .checked_add(jiff::Span::new().months(k))
                .unwrap();
            format!("a,{},{k}", first.last_of_month())
        })
        .collect();
    let d = dataset(&end);
    assert_eq!(d.frequency, Frequency::MonthEnd);
    assert_eq!(d.frequency.name(), "monthly");
    assert_eq!(d.series[0].y.len(), 14);
    assert_eq!(next_three(&d), ["2024-03-31", "2024-04-30", "2024-05-31"]);

    // Two month ends a month apart, the shortest series: still month ends.
    let d = dataset(&["a,2024-01-31,1".into(), "a,2024-02-29,2".into()]);
    assert_eq!(d.frequency, Frequency::MonthEnd);

    // A month end missing is named as such.
    let mut gap = end.clone();
    gap.remove(5);
    let text = format!("unique_id,ds,y\n{}\n", gap.join("\n"));
    let msg = read(text.as_bytes(), "s.csv", "y", Fill::None, false, None)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("misses 1 monthly time step(s), first: 2023-06-30"),
        "{msg}"
    );
}

#[test]
fn quarterly_series_at_quarter_start_and_end() {
    let start: Vec<String> = (0..8)
        .map(|k| format!("a,{}-{:02}-01,{k}", 2022 + k / 4, (k % 4) * 3 + 1))
        .collect();
    let d = dataset(&start);
    assert_eq!(d.frequency, Frequency::Quarterly);
    assert_eq!(d.frequency.default_season(), 4);
    assert_eq!(next_three(&d), ["2024-01-01", "2024-04-01", "2024-07-01"]);

    let end: Vec<String> = [
        "2023-03-31",
        "2023-06-30",
        "2023-09-30",
        "2023-12-31",
        "2024-03-31",
    ]
    .iter()
    .enumerate()
    .map(|(k, ds)| format!("a,{ds},{k}"))
    .collect();
    let d = dataset(&end);
    assert_eq!(d.frequency, Frequency::QuarterEnd);
    assert_eq!(next_three(&d), ["2024-06-30", "2024-09-30", "2024-12-31"]);
}

#[test]
fn a_date_off_a_month_end_grid_is_refused_when_filling() {
    let text = "unique_id,ds,y\na,2024-01-31,1\na,2024-02-29,2\na,2024-03-31,3\na,2024-05-15,4\n";
    let msg = read(text.as_bytes(), "s.csv", "y", Fill::Zero, false, None)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("s.csv:5") && msg.contains("off the monthly grid"),
        "{msg}"
    );
}

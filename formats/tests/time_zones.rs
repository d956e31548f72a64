//! Timestamps with `Z` or an offset through every reader: turned into the
//! configured zone's wall clock, refused with a hint without one.

use hospsim_formats::log::{Known, ReadLog, ReadOptions, read_log};
use hospsim_formats::time::format_minutes;
use hospsim_sim::timestamp::{TimeZone, time_zone};

const HEAD: &str = "patient_id,class,acuity,unit,event,timestamp\n";

fn read(text: &str, zone: Option<&str>) -> Result<ReadLog, hospsim_formats::FormatError> {
    let opts = ReadOptions {
        time_zone: zone.map(|z| time_zone(z).unwrap()),
        ..Default::default()
    };
    read_log(text.as_bytes(), "log.csv", &Known::default(), opts)
}

/// Every visit's events as wall-clock text, in the reader's order.
fn events(log: &ReadLog) -> Vec<(String, String)> {
    log.visits
        .visits
        .iter()
        .flat_map(|v| {
            v.events
                .iter()
                .map(|e| (v.id.clone(), format_minutes(log.origin + e.0)))
        })
        .collect()
}

/// A week of visits in local time and the same instants in UTC (`offset_h`
/// hours ahead of UTC, no DST).
fn week(offset_h: i64) -> (String, String) {
    let (mut local, mut utc) = (String::from(HEAD), String::from(HEAD));
    let base = jiff::civil::date(2025, 1, 6).at(0, 0, 0, 0);
    for k in 0..200i64 {
        let arrive = base + jiff::SignedDuration::from_mins(k * 47 + (k * k) % 31);
        let leave = arrive + jiff::SignedDuration::from_mins(30 + (k * 13) % 240);
        for (event, unit, t) in [("arrival", "ed", arrive), ("discharge", "", leave)] {
            let u = t - jiff::SignedDuration::from_hours(offset_h);
            local.push_str(&format!("p{k},ed,3,{unit},{event},{t}\n"));
            utc.push_str(&format!("p{k},ed,3,{unit},{event},{}Z\n", u));
        }
    }
    (local, utc)
}

#[test]
fn utc_read_in_shanghai_is_the_local_log() {
    let (local, utc) = week(8);
    let a = read(&local, None).unwrap();
    let b = read(&utc, Some("Asia/Shanghai")).unwrap();
    assert_eq!(events(&a), events(&b));
    assert_eq!(a.origin, b.origin);
    assert_eq!(
        a.visits.origin_minute_of_week,
        b.visits.origin_minute_of_week
    );
    // A zone does not move civil times: they are the wall clock already.
    let c = read(&local, Some("Asia/Shanghai")).unwrap();
    assert_eq!(events(&a), events(&c));
}

#[test]
fn plus_two_and_z_are_the_same_instants() {
    let z = format!(
        "{HEAD}a,ed,3,ed,arrival,2025-06-02T06:00Z\na,ed,3,,discharge,2025-06-02T09:30:15Z\n"
    );
    let plus = format!(
        "{HEAD}a,ed,3,ed,arrival,2025-06-02T08:00+02:00\na,ed,3,,discharge,2025-06-02 11:30:15+0200\n"
    );
    let a = read(&z, Some("Europe/Paris")).unwrap();
    let b = read(&plus, Some("Europe/Paris")).unwrap();
    assert_eq!(events(&a), events(&b));
    assert_eq!(events(&a)[0].1, "2025-06-02T08:00:00");
}

#[test]
fn london_across_the_march_change() {
    // Clocks go forward at 01:00 UTC on 2025-03-30.
    let text = format!(
        "{HEAD}a,ed,3,ed,arrival,2025-03-30T00:30:00Z\n\
         a,ed,3,ed,seen,2025-03-30T01:10:00Z\n\
         a,ed,3,,discharge,2025-03-30T03:00:00Z\n\
         b,ed,3,ed,arrival,2025-03-29T23:00:00Z\n\
         b,ed,3,,discharge,2025-03-31T09:00:00Z\n"
    );
    let log = read(&text, Some("Europe/London")).unwrap();
    let got = events(&log);
    let want = [
        ("b", "2025-03-29T23:00:00"),
        ("b", "2025-03-31T10:00:00"),
        ("a", "2025-03-30T00:30:00"),
        ("a", "2025-03-30T02:10:00"),
        ("a", "2025-03-30T04:00:00"),
    ];
    let got: Vec<(&str, &str)> = got.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    assert_eq!(got, want);
    assert!(log.rejects.is_empty());
}

#[test]
fn the_repeated_autumn_hour_does_not_reject_a_later_event() {
    // 00:40 UTC is 01:40 BST; 01:05 UTC, 25 minutes later, is 01:05 GMT.
    let text = format!(
        "{HEAD}a,ed,3,ed,arrival,2025-10-26T00:40:00Z\n\
         a,ed,3,ed,seen,2025-10-26T01:05:00Z\n\
         a,ed,3,,discharge,2025-10-26T02:00:00Z\n\
         b,ed,3,ed,arrival,2025-10-26T01:20:00Z\n\
         b,ed,3,ed,seen,2025-10-26T01:10:00Z\n"
    );
    let log = read(&text, Some("Europe/London")).unwrap();
    let a: Vec<String> = events(&log)
        .into_iter()
        .filter(|(id, _)| id == "a")
        .map(|e| e.1)
        .collect();
    // Kept at the previous event's wall-clock time, never before it.
    assert_eq!(
        a,
        [
            "2025-10-26T01:40:00",
            "2025-10-26T01:40:00",
            "2025-10-26T02:00:00"
        ]
    );
    // Earlier in fact is still out of order.
    assert_eq!(log.rejects.len(), 1, "{:?}", log.rejects);
    assert!(log.rejects[0].reason.contains("out of order"));
}

#[test]
fn an_offset_without_a_zone_stops_the_read_with_a_hint() {
    let text = format!(
        "{HEAD}a,ed,3,ed,arrival,2025-01-06T08:00\na,ed,3,,discharge,2025-01-06T10:00-05:00\n"
    );
    // Even when bad rows are only listed: every such row would fail alike.
    let e = read(&text, None).err().unwrap();
    assert_eq!(e.line, Some(3));
    assert!(
        e.message
            .starts_with("timestamp: \"2025-01-06T10:00-05:00\" has a UTC offset"),
        "{e}"
    );
    let hint = e.hint.unwrap();
    assert!(
        hint.contains("--time-zone") && hint.contains("sim.time_zone"),
        "{hint}"
    );
}

#[test]
fn synthea_utc_in_new_york_and_stop_before_start_by_instant() {
    let text = "Id,START,STOP,ENCOUNTERCLASS\n\
                e1,2019-07-01T14:00:00Z,2019-07-01T15:30:00Z,emergency\n\
                e2,2019-07-01T16:00:00-04:00,2019-07-01T19:00:00Z,emergency\n\
                e3,2019-07-01T18:00:00Z,2019-07-01T13:30:00-04:00,emergency\n";
    let ny = Some("America/New_York");
    let log = read(text, ny).unwrap();
    let ev = events(&log);
    assert_eq!(ev[0].1, "2019-07-01T10:00:00");
    // e2 runs from 16:00 EDT to 19:00 UTC = 15:00 EDT: its STOP is before
    // its START; e3, from 14:00 to 13:30 EDT written with two offsets, too.
    assert_eq!(log.rejects.len(), 2, "{:?}", log.rejects);
    assert!(
        log.rejects
            .iter()
            .all(|r| r.reason.contains("is before START"))
    );
    assert_eq!(log.visits.visits.len(), 1, "{ev:?}");
    let e = read(text, None).err().unwrap();
    assert!(e.message.starts_with("START: "), "{e}");
}

#[test]
fn snapshots_forecasts_and_series_convert_too() {
    let tz: TimeZone = time_zone("Asia/Shanghai").unwrap();
    let snap = "unit,class,arrived_at,admitted_at\nward,ed,2025-01-05T22:00Z,2025-01-06 08:00\n";
    let rows =
        hospsim_formats::snapshot::read_snapshot(snap.as_bytes(), "s.csv", Some(&tz)).unwrap();
    assert_eq!(format_minutes(rows[0].arrived), "2025-01-06T06:00:00");
    assert_eq!(rows[0].admitted - rows[0].arrived, 120.0);
    let e = hospsim_formats::snapshot::read_snapshot(snap.as_bytes(), "s.csv", None).unwrap_err();
    assert!(e.to_string().starts_with("s.csv:2: arrived_at: "), "{e}");

    let fc = "unique_id,ds,model,mean\ned,2025-01-05T16:00:00Z,ets,10\n";
    let f = hospsim_formats::forecasts::read_forecasts(fc.as_bytes(), "f.csv", Some(&tz)).unwrap();
    assert_eq!(format_minutes(f["ed"]["ets"][0].0), "2025-01-06T00:00:00");
    assert!(hospsim_formats::forecasts::read_forecasts(fc.as_bytes(), "f.csv", None).is_err());

    use hospsim_formats::series::{Fill, Frequency, read};
    let series =
        "unique_id,ds,y\ned,2025-01-05T16:00Z,1\ned,2025-01-06T16:00Z,2\ned,2025-01-07T16:00Z,3\n";
    let d = read(
        series.as_bytes(),
        "y.csv",
        "y",
        Fill::None,
        false,
        Some(&tz),
    )
    .unwrap();
    assert_eq!(d.frequency, Frequency::Daily);
    assert_eq!(d.series[0].ds[0].to_string(), "2025-01-06T00:00:00");
    let e = read(series.as_bytes(), "y.csv", "y", Fill::None, false, None).unwrap_err();
    assert_eq!(e.line, Some(2));
    assert!(e.hint.unwrap().contains("--time-zone"));
}

#[test]
fn utc_hours_in_london_repeat_the_autumn_hour() {
    // 00:00 and 01:00 UTC are both 01:00 in London: BST, then GMT.
    let mut text = String::from("unique_id,ds,y\n");
    for t in ["25T22", "25T23", "26T00", "26T01", "26T02", "26T03"] {
        text.push_str(&format!("ed,2025-10-{t}:00Z,1\n"));
    }
    let tz = time_zone("Europe/London").unwrap();
    use hospsim_formats::series::{Fill, read};
    let e = read(text.as_bytes(), "y.csv", "y", Fill::None, false, Some(&tz)).unwrap_err();
    assert!(
        e.message.contains("two rows for 2025-10-26 01:00:00"),
        "{e}"
    );
    assert!(e.hint.unwrap().contains("go back"));
}

#[test]
fn civil_times_in_the_skipped_and_repeated_hours_are_read_as_written() {
    // London: 01:00-02:00 does not exist on 2025-03-30 and comes twice on
    // 2025-10-26. A time without an offset is the wall clock already: never
    // moved, zone or not, and ordered as written.
    let text = format!(
        "{HEAD}a,ed,3,ed,arrival,2025-03-30T00:50\n\
         a,ed,3,ed,seen,2025-03-30T01:30\n\
         a,ed,3,,discharge,2025-03-30T02:10\n\
         b,ed,3,ed,arrival,2025-10-26T01:20\n\
         b,ed,3,ed,seen,2025-10-26T01:40\n\
         b,ed,3,,discharge,2025-10-26T01:10\n"
    );
    // The two days are seven months apart: a gap the reader would refuse.
    let read = |zone: Option<&str>| {
        let opts = ReadOptions {
            allow_gaps: true,
            time_zone: zone.map(|z| time_zone(z).unwrap()),
            ..Default::default()
        };
        read_log(text.as_bytes(), "log.csv", &Known::default(), opts).unwrap()
    };
    let with = read(Some("Europe/London"));
    let without = read(None);
    assert_eq!(events(&with), events(&without));
    let got: Vec<String> = events(&with).into_iter().map(|e| e.1).collect();
    assert_eq!(
        got,
        [
            "2025-03-30T00:50:00",
            "2025-03-30T01:30:00",
            "2025-03-30T02:10:00",
            "2025-10-26T01:20:00",
            "2025-10-26T01:40:00",
        ]
    );
    // Without instants the wall clock is all there is: 01:10 after 01:40 is
    // out of order, even though it may have been the second 01:10.
    assert_eq!(with.rejects.len(), 1, "{:?}", with.rejects);
    assert_eq!(with.rejects[0].line, 7);
    assert!(with.rejects[0].reason.contains("out of order"));
}

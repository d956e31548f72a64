use super::*;
use jiff::civil::date;

fn zone(name: &str) -> TimeZone {
    time_zone(name).unwrap()
}

fn wall(text: &str, tz: Option<&TimeZone>) -> String {
    parse(text, tz).unwrap().wall.to_string()
}

#[test]
fn civil_forms_are_read_as_written() {
    for (text, want) in [
        ("2025-01-06T08:30", "2025-01-06T08:30:00"),
        ("2025-01-06 08:30", "2025-01-06T08:30:00"),
        ("2025-01-06T08:30:15", "2025-01-06T08:30:15"),
        ("2025-01-06 08:30:15.250", "2025-01-06T08:30:15.25"),
        ("  2025-01-06T08:30  ", "2025-01-06T08:30:00"),
        ("2025-01-06", "2025-01-06T00:00:00"),
    ] {
        assert_eq!(wall(text, None), want, "{text}");
        // A zone does not move a civil time: it is the wall clock already.
        assert_eq!(wall(text, Some(&zone("Asia/Shanghai"))), want, "{text}");
        assert_eq!(parse(text, None).unwrap().instant, None);
    }
    assert!(!parse("2025-01-06", None).unwrap().has_time);
    assert!(parse("2025-01-06 00:00", None).unwrap().has_time);
}

#[test]
fn offsets_are_instants_in_the_zone() {
    let sh = zone("Asia/Shanghai");
    assert_eq!(
        wall("2019-02-17T05:07:38Z", Some(&sh)),
        "2019-02-17T13:07:38"
    );
    assert_eq!(
        wall("2019-02-17T05:07:38z", Some(&sh)),
        "2019-02-17T13:07:38"
    );
    // +02:00 and Z name the same instant, so the same wall-clock time.
    let a = parse("2025-01-06T10:00+02:00", Some(&sh)).unwrap();
    let b = parse("2025-01-06T08:00Z", Some(&sh)).unwrap();
    let c = parse("2025-01-06 03:00-0500", Some(&sh)).unwrap();
    let d = parse("2025-01-06T13:30+0530", Some(&sh)).unwrap();
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(a, d);
    assert_eq!(a.wall.to_string(), "2025-01-06T16:00:00");
    assert_eq!(a.instant.unwrap().to_string(), "2025-01-06T08:00:00Z");
    assert_eq!(
        wall("2025-01-06T08:00Z", Some(&zone("UTC"))),
        "2025-01-06T08:00:00"
    );
}

#[test]
fn london_across_the_march_change() {
    let london = zone("Europe/London");
    // Clocks go forward at 01:00 UTC on 2025-03-30: 01:00 GMT becomes 02:00 BST.
    for (utc, local) in [
        ("2025-03-29T12:00Z", "2025-03-29T12:00:00"),
        ("2025-03-30T00:59Z", "2025-03-30T00:59:00"),
        ("2025-03-30T01:00Z", "2025-03-30T02:00:00"),
        ("2025-03-30T01:30Z", "2025-03-30T02:30:00"),
        ("2025-07-01T12:00Z", "2025-07-01T13:00:00"),
        // Back at 01:00 UTC on 2025-10-26: 01:30 BST and 01:30 GMT both exist.
        ("2025-10-26T00:30Z", "2025-10-26T01:30:00"),
        ("2025-10-26T01:30Z", "2025-10-26T01:30:00"),
        ("2025-12-01T12:00Z", "2025-12-01T12:00:00"),
    ] {
        assert_eq!(wall(utc, Some(&london)), local, "{utc}");
    }
    // Two instants an hour apart across the change are two wall-clock hours apart.
    let a = parse("2025-03-30T00:30Z", Some(&london)).unwrap().wall;
    let b = parse("2025-03-30T01:30Z", Some(&london)).unwrap().wall;
    assert_eq!(b.duration_since(a).as_secs(), 7200);
}

#[test]
fn refusals_say_what_and_how() {
    let e = parse("2019-02-17T05:07:38Z", None).unwrap_err();
    assert!(e.needs_zone());
    assert!(e.to_string().contains("has a UTC offset"), "{e}");
    assert!(e.hint().contains("--time-zone") && e.hint().contains("sim.time_zone"));
    assert!(
        parse("2025-01-06T08:00+01:00", None)
            .unwrap_err()
            .needs_zone()
    );
    for (bad, want) in [
        ("2023-02-29T00:00", "no such date"),
        ("2025-02-30T09:00", "no such date"),
        ("2025-13-01", "no such date"),
        ("2025-01-06T25:00", "out of range"),
        ("2025-01-06T08:61", "out of range"),
        ("2025-01-06T08:00[Europe/London]", "in brackets"),
        ("yesterday", "is not a timestamp like"),
        ("06/01/2025 08:00", "is not a timestamp like"),
        ("2025-01-06T8:00", "is not a timestamp like"),
        ("2025-01-06T08", "is not a timestamp like"),
        ("20250106T0830", "is not a timestamp like"),
        ("2025年01-06T08:00", "is not a timestamp like"),
        ("2025-01-06T08:0é", "is not a timestamp like"),
        ("2025-01-06T08:00 extra", "is not a timestamp like"),
        ("", "is not a timestamp like"),
    ] {
        let e = parse(bad, Some(&zone("UTC"))).unwrap_err();
        assert!(e.to_string().contains(want), "{bad}: {e}");
        assert!(!e.needs_zone());
    }
}

#[test]
fn zone_names() {
    assert_eq!(zone_name(&zone("europe/LONDON")), "Europe/London");
    assert_eq!(zone_name(&zone("UTC")), "UTC");
    let e = time_zone("Europe/Londn").unwrap_err();
    assert!(e.hint.contains("did you mean Europe/London"), "{}", e.hint);
    assert!(
        e.to_string()
            .contains("\"Europe/Londn\" is not a time zone")
    );
    let e = time_zone("Shanghai").unwrap_err();
    assert!(e.hint.contains("Asia/Shanghai"), "{}", e.hint);
    // An abbreviation is said to be one, with the close names second.
    let e = time_zone("CEST").unwrap_err();
    assert!(
        e.hint
            .starts_with("an abbreviation such as CEST is not a zone"),
        "{}",
        e.hint
    );
    assert!(
        e.hint.contains("Europe/London") && e.hint.contains("did you mean CET"),
        "{}",
        e.hint
    );
    for bad in ["", "+02:00", "Mars/Olympus_Mons"] {
        let e = time_zone(bad).unwrap_err();
        assert!(
            e.hint.contains("Europe/London, Asia/Shanghai"),
            "{bad}: {}",
            e.hint
        );
    }
}

proptest::proptest! {
    #[test]
    fn never_panics(text in "\\PC{0,40}") {
        let _ = parse(&text, None);
        let _ = parse(&text, Some(&zone("Europe/London")));
        let _ = time_zone(&text);
    }

    #[test]
    fn civil_round_trips(secs in -2_000_000_000i64..4_000_000_000, millis in 0i32..1000, frac in proptest::bool::ANY) {
        let dt = date(1970, 1, 1).at(0, 0, 0, 0)
            .checked_add(jiff::SignedDuration::new(secs, if frac { millis * 1_000_000 } else { 0 }))
            .unwrap();
        let text = if frac {
            dt.strftime("%Y-%m-%dT%H:%M:%S%.3f").to_string()
        } else {
            dt.strftime("%Y-%m-%d %H:%M:%S").to_string()
        };
        let back = parse(&text, None).unwrap();
        proptest::prop_assert_eq!(back.wall, dt, "{}", text);
    }

    #[test]
    fn instants_round_trip(
        secs in 0i64..4_000_000_000,
        offset_min in -14 * 60i32..=14 * 60,
        which in 0usize..4,
    ) {
        let tz = zone(["Europe/London", "Asia/Shanghai", "America/New_York", "UTC"][which]);
        let ts = Timestamp::from_second(secs).unwrap();
        let offset = jiff::tz::Offset::from_seconds(offset_min * 60).unwrap();
        let written = ts.to_zoned_datetime(TimeZone::fixed(offset)).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
        let zulu = ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        let a = parse(&written, Some(&tz)).unwrap();
        let b = parse(&zulu, Some(&tz)).unwrap();
        proptest::prop_assert_eq!(a.instant, Some(ts), "{}", written);
        proptest::prop_assert_eq!(a, b);
        proptest::prop_assert_eq!(a.wall, tz.to_datetime(ts));
    }
}

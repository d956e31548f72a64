//! The fitted scenario is a document the scenario loader reads back: whatever
//! the log's names and the scenario's name, it loads, compiles, and holds the
//! names as they were written.

use super::names::Ids;
use super::{DeriveOptions, build, derive};
use crate::visits::{Visit, Visits};
use hospsim_sim::history::{Event, NO_UNIT, UnitKind};
use hospsim_sim::scenario::ReleaseSpec;

/// Eight days of visits: each class arrives in the first unit four times a
/// day, is mostly seen there, goes through the other units in turn, half of
/// its patients back to the first one, and is discharged.
fn log(classes: &[&str], units: &[&str]) -> Visits {
    let days = 8;
    let mut visits = vec![];
    for d in 0..days {
        for c in 0..classes.len() {
            for k in 0..4usize {
                let t0 = (d * 1440 + 300 + k * 300 + c * 17) as f64;
                let mut events = vec![(t0, Event::Arrival, 0u16)];
                if (d + k) % 4 != 0 {
                    events.push((t0 + 10.0 + ((d * 7 + k * 3) % 20) as f64, Event::Seen, 0));
                }
                let mut t = t0 + 45.0 + ((d * 5 + k) % 9) as f64 * 5.0;
                let back = (k % 2 == 0 && units.len() > 1).then_some(0u16);
                for u in (1..units.len() as u16).chain(back) {
                    let ev = if u == 1 {
                        Event::Admit
                    } else {
                        Event::Transfer
                    };
                    events.push((t, ev, u));
                    t += 60.0 + ((d * 11 + k * 7 + u as usize) % 13) as f64 * 10.0;
                }
                events.push((t, Event::Discharge, NO_UNIT));
                visits.push(Visit {
                    id: format!("p{d}_{c}_{k}"),
                    class: c as u16,
                    acuity: (1 + (d + k) % 5) as u8,
                    events,
                });
            }
        }
    }
    Visits {
        classes: classes.iter().map(|c| c.to_string()).collect(),
        units: units.iter().map(|u| u.to_string()).collect(),
        unit_kinds: units.iter().map(|u| UnitKind::guess(u)).collect(),
        origin_minute_of_week: 0.0,
        from: 0.0,
        to: (days * 1440) as f64,
        visits,
    }
}

fn options(name: &str) -> DeriveOptions {
    DeriveOptions {
        name: name.to_string(),
        start: "2025-01-06T00:00".into(),
        time_zone: None,
        replications: 2,
        min_share: 0.02,
        headroom: 0.05,
    }
}

/// Fits the log, loads and compiles the fitted text, and checks that every
/// name reads back as it was: the scenario's, each class (an arrival class),
/// each unit (a `[history.units]` entry whose bed carries the unit's name).
/// Returns the fitted text.
fn fits_and_reads_back(name: &str, classes: &[&str], units: &[&str]) -> Result<String, String> {
    let (text, _) = derive(&log(classes, units), &options(name));
    let loaded = hospsim_scenario::load_text("fitted.toml", &text, &[])
        .map_err(|e| format!("{e}\n{text}"))?;
    let s = &loaded.scenario;
    hospsim_sim::compile::compile(s).map_err(|e| format!("{e:?}\n{text}"))?;
    let fail = |what: String| Err(format!("{what}\n{text}"));
    if s.name != name {
        return fail(format!("name {:?} read back as {:?}", name, s.name));
    }
    let read: Vec<&str> = s.arrivals.keys().map(String::as_str).collect();
    if read != classes {
        return fail(format!("classes {classes:?} read back as {read:?}"));
    }
    let Some(h) = &s.history else {
        return fail("no [history]".into());
    };
    let read: Vec<&str> = h.units.keys().map(String::as_str).collect();
    if read != units {
        return fail(format!("units {units:?} read back as {read:?}"));
    }
    for (unit, spec) in &h.units {
        let Some(bed) = spec.resources.first() else {
            return fail(format!("unit {unit:?} has no resource"));
        };
        let label = s.resources.get(bed).and_then(|r| r.label.as_deref());
        if label.unwrap_or(bed) != unit {
            return fail(format!(
                "unit {unit:?}: its bed {bed:?} is labelled {label:?}"
            ));
        }
    }
    if h.arrival_unit.values().any(|u| u != units[0]) {
        return fail(format!("arrival units {:?}", h.arrival_unit));
    }
    Ok(text)
}

#[test]
fn names_of_any_kind_read_back_exactly() {
    let classes = [
        "back\\slash",
        "quote \"q\" and 'apostrophe'",
        "line\nbreak\r\nand tab\t",
        "<script>alert(1)</script>",
        "急诊病人",
        "",
    ];
    let units = [
        "急诊",
        "ICU-1",
        "icu_1",
        "ward \"A\" \\ west\nwing",
        "</td><b>theatre</b>",
    ];
    let name = "Fitted \"as is\" from C:\\logs\\a.csv\nsecond line '''";
    let text = fits_and_reads_back(name, &classes, &units).unwrap_or_else(|e| panic!("{e}"));
    // ICU-1 and icu_1 stay two units with two beds (the log reader refuses
    // such a pair; a program may build visits itself).
    assert!(text.contains("[history.units.ICU-1]"), "{text}");
    assert!(text.contains("[history.units.icu_1]"), "{text}");
    assert!(text.contains("[resources.icu_1]"), "{text}");
    assert!(text.contains("[resources.icu_1_2]"), "{text}");
}

#[test]
fn names_that_are_identifiers_are_written_as_before() {
    let text = fits_and_reads_back("Fitted", &["ed", "gp_referral"], &["ed", "medical_ward"])
        .unwrap_or_else(|e| panic!("{e}"));
    for line in [
        "name = \"Fitted\"",
        "[resources.ed]",
        "[arrivals.gp_referral]   # 4.00 per day (SE 0.71)",
        "pathway = \"class_gp_referral\"",
        "arrival_unit = { ed = \"ed\", gp_referral = \"ed\" }",
        "[history.units.medical_ward]",
        "resources = [\"medical_ward\"]",
        "[pathways.class_ed]",
        "steps = [{ exit = \"discharged\" }]",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} not in\n{text}");
    }
    // Beds need no label when their names are their keys.
    let loaded =
        hospsim_scenario::load_text("fitted.toml", &text, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        loaded
            .scenario
            .resources
            .values()
            .all(|r| r.label.is_none())
    );
    assert!(
        text.ends_with("\n\n") && !text.ends_with("\n\n\n"),
        "{text}"
    );
}

#[test]
fn identifiers_that_would_make_one_pathway_of_two_are_numbered() {
    // `é` and `éé` are `_` and `__`: the move from one to the other and the
    // move back would both be `move_____`.
    let text = fits_and_reads_back("x", &["é"], &["é", "éé"]).unwrap_or_else(|e| panic!("{e}"));
    assert!(text.contains("[resources.u1]\n"), "{text}");
    assert!(text.contains("[pathways.move_u2_u1]\n"), "{text}");
    assert!(text.contains("[pathways.class_c1]\n"), "{text}");
    // A unit called `start` is not where visits start.
    let text =
        fits_and_reads_back("x", &["a"], &["Start", "ward"]).unwrap_or_else(|e| panic!("{e}"));
    assert!(text.contains("[resources.start_2]\n"), "{text}");
    assert!(text.contains("[pathways.in_start_2_from_start]"), "{text}");
}

#[test]
fn a_theatre_between_wards_keeps_the_ward_bed() {
    // Theatre after a ward: the ward bed is kept and taken back or given up.
    let text = fits_and_reads_back("x", &["elective"], &["ward", "theatre", "icu"])
        .unwrap_or_else(|e| panic!("{e}"));
    let loaded =
        hospsim_scenario::load_text("fitted.toml", &text, &[]).unwrap_or_else(|e| panic!("{e}"));
    let both = loaded.scenario.pathways.values().any(|p| {
        p.steps
            .iter()
            .any(|s| matches!(&s.release, Some(ReleaseSpec::Many(r)) if r == &["theatre", "ward"]))
    });
    assert!(both, "{text}");
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(256))]

    /// Any unicode names, control characters included: the fitted document
    /// loads, compiles and reads them back.
    #[test]
    fn any_names_give_a_scenario_that_loads(
        name in proptest::prelude::any::<String>(),
        classes in proptest::collection::btree_set(proptest::prelude::any::<String>(), 1..4),
        units in proptest::collection::btree_set(proptest::prelude::any::<String>(), 1..5),
    ) {
        let classes: Vec<&str> = classes.iter().map(String::as_str).collect();
        let units: Vec<&str> = units.iter().map(String::as_str).collect();
        if let Err(e) = fits_and_reads_back(&name, &classes, &units) {
            proptest::prop_assert!(false, "{}", e);
        }
        // What `derive` falls back on when readable identifiers clash never does.
        let v = log(&classes, &units);
        proptest::prop_assert_eq!(build(&v, &options(&name), &Ids::numbered(&v)).clashes, 0);
    }
}

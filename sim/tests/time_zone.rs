//! `sim.time_zone`: scenario times with `Z` or an offset become the zone's
//! wall clock; without a zone they are refused, and an unknown zone is said
//! at its field with a close name.

use hospsim_sim::{Scenario, ScenarioError, compile};

const BASE: &str = r#"
name = "tz"
[resources.bed]
capacity = 2
[arrivals.planned]
pathway = "p"
at = ["AT"]
[pathways.p]
steps = [
  { seize = ["bed"] },
  { activity = "stay", duration = { fixed = "1 h" } },
  { release = "all" },
  { exit = "discharged" },
]
"#;

fn scenario(sim: &str, at: &str) -> Scenario {
    let text = format!(
        "{}\n[sim]\nhorizon = \"7 d\"\n{sim}\n",
        BASE.replace("AT", at)
    );
    toml::from_str(&text).unwrap()
}

fn errors(sim: &str, at: &str) -> Vec<ScenarioError> {
    compile(&scenario(sim, at))
        .err()
        .map(|e| e.0)
        .unwrap_or_default()
}

#[test]
fn offsets_in_the_scenario_become_wall_clock_time() {
    let m = compile(&scenario(
        "start = \"2025-03-29T23:00Z\"\ntime_zone = \"Europe/London\"",
        "2025-03-30T01:30Z",
    ))
    .unwrap();
    assert_eq!(m.start.to_string(), "2025-03-29T23:00:00");
    assert_eq!(
        m.time_zone.as_ref().and_then(|z| z.iana_name()),
        Some("Europe/London")
    );
    // 01:30 UTC is 02:30 BST: three and a half wall-clock hours after the start.
    let hospsim_sim::model::ArrivalProcess::At(times) = &m.classes[0].process else {
        panic!("not planned arrivals");
    };
    assert_eq!(times[0].0, 210.0);
    // Civil times are read as written, zone or not.
    let civil = compile(&scenario(
        "start = \"2025-03-29T23:00\"",
        "2025-03-30T02:30",
    ))
    .unwrap();
    assert_eq!(civil.start, m.start);
    assert!(civil.time_zone.is_none());
}

#[test]
fn an_offset_without_a_zone_is_refused_at_its_field() {
    let e = errors("start = \"2025-01-06T00:00Z\"", "2025-01-06T08:00+01:00");
    let at: Vec<String> = e.iter().map(|e| e.path.to_string()).collect();
    assert_eq!(at, ["sim.start", "arrivals.planned.at[0]"], "{e:?}");
    for e in &e {
        assert!(e.message.contains("has a UTC offset"), "{}", e.message);
        assert!(e.hint.as_deref().unwrap_or("").contains("sim.time_zone"));
    }
}

#[test]
fn an_unknown_zone_is_refused_with_a_close_name() {
    let e = errors("time_zone = \"Europe/Londn\"", "2025-01-06T08:00Z");
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].path.to_string(), "sim.time_zone");
    assert!(
        e[0].message.contains("\"Europe/Londn\" is not a time zone"),
        "{}",
        e[0].message
    );
    assert_eq!(e[0].hint.as_deref(), Some("did you mean Europe/London?"));
    let e = errors("time_zone = \"+02:00\"", "2025-01-06T08:00");
    assert!(
        e[0].hint.as_deref().unwrap_or("").contains("Asia/Shanghai"),
        "{e:?}"
    );
}

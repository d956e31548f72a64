//! Attributes drawn at arrival: a stay whose length depends on where the
//! patient goes next (the stroke unit's acute stay by destination), in one
//! pathway. The stay by destination, the destination shares and the exits
//! are checked against the numbers the scenario gives.

use super::*;

const STROKE: &str = r#"
name = "stroke"
[sim]
horizon = "400 d"
warmup = "30 d"
replications = 8
seed = 5
[resources.asu_bed]
capacity = "unlimited"
[arrivals.stroke]
pathway = "acute"
per_day = 6
[arrivals.stroke.attributes]
destination = { rehab = 0.25, esd = 0.15, home = 0.60 }
[arrivals.tia]
pathway = "acute"
per_day = 3
attributes = { destination = { esd = 0.1, home = 0.9 } }
[pathways.acute]
steps = [
  { seize = ["asu_bed"] },
  { activity = "acute_stay", duration_by = "destination", durations = { rehab = { lognormal = { mean = "10 d", cv = 0.8 } }, esd = { gamma = { mean = "4 d", sd = "2 d" } }, home = { exponential = { mean = "2 d" } } } },
  { release = "asu_bed", mark = "acute_done" },
  { route_by = "destination", routes = { rehab = "rehab", esd = "esd", home = "home" } },
]
[pathways.rehab]
steps = [ { mark = "to_rehab" }, { exit = "transferred" } ]
[pathways.esd]
steps = [ { mark = "to_esd" }, { exit = "discharged" } ]
[pathways.home]
steps = [ { exit = "discharged" } ]
[kpis.acute_rehab]
from = "arrival"
to = "acute_done"
unit = "d"
attributes = { destination = ["rehab"] }
[kpis.acute_esd]
from = "arrival"
to = "acute_done"
unit = "d"
attributes = { destination = ["esd"] }
[kpis.acute_home]
from = "arrival"
to = "acute_done"
unit = "d"
attributes = { destination = ["home"] }
[kpis.acute_stroke_home]
from = "arrival"
to = "acute_done"
classes = ["stroke"]
attributes = { destination = ["home"] }
[kpis.rehab_share]
share_reaching = "to_rehab"
[kpis.esd_share]
share_reaching = "to_esd"
[kpis.transferred]
share_exiting = "transferred"
"#;

fn per_rep(
    m: &Model,
    out: &[RepOutput],
    name: &str,
    f: impl Fn(&hospsim_sim::engine::KpiAcc) -> f64,
) -> Vec<f64> {
    out.iter().map(|r| f(kpi(m, r, name))).collect()
}

#[test]
fn the_stay_follows_the_destination_drawn_at_arrival() {
    let m = model(STROKE);
    let out = reps(&m, false);
    let mean = |a: &hospsim_sim::engine::KpiAcc| a.sum / a.n as f64 / 1440.0;
    assert_within(
        "acute stay before rehab",
        &per_rep(&m, &out, "acute_rehab", mean),
        10.0,
    );
    assert_within(
        "acute stay before ESD",
        &per_rep(&m, &out, "acute_esd", mean),
        4.0,
    );
    assert_within(
        "acute stay before home",
        &per_rep(&m, &out, "acute_home", mean),
        2.0,
    );
    assert_within(
        "stroke patients going home",
        &per_rep(&m, &out, "acute_stroke_home", mean),
        2.0,
    );
    // The shares of the mix: of 9 a day, 6 × 0.25 go to rehab and
    // 6 × 0.15 + 3 × 0.1 to early supported discharge.
    let share = |a: &hospsim_sim::engine::KpiAcc| a.n as f64 / a.den as f64;
    assert_within(
        "rehab share",
        &per_rep(&m, &out, "rehab_share", share),
        1.5 / 9.0,
    );
    assert_within(
        "ESD share",
        &per_rep(&m, &out, "esd_share", share),
        1.2 / 9.0,
    );
    assert_within(
        "transferred",
        &per_rep(&m, &out, "transferred", share),
        1.5 / 9.0,
    );
    // Each patient's stay is counted under exactly one destination: the three
    // filters split the departures (which follow the stay at once).
    for r in &out {
        let split: u64 = ["acute_rehab", "acute_esd", "acute_home"]
            .iter()
            .map(|k| kpi(&m, r, k).n)
            .sum();
        assert_eq!(split, kpi(&m, r, "transferred").den);
    }
}

#[test]
fn the_same_model_written_with_one_pathway_per_destination_agrees() {
    // What a modeller had to write before: the destination drawn by a
    // branch first, and one acute pathway per destination.
    let long = STROKE
        .replace(
            "[arrivals.stroke.attributes]\ndestination = { rehab = 0.25, esd = 0.15, home = 0.60 }\n",
            "",
        )
        .replace("attributes = { destination = { esd = 0.1, home = 0.9 } }\n", "")
        .replace("pathway = \"acute\"\nper_day = 6", "pathway = \"stroke_pick\"\nper_day = 6")
        .replace("pathway = \"acute\"\nper_day = 3", "pathway = \"tia_pick\"\nper_day = 3");
    let start = long.find("[pathways.acute]").unwrap();
    let end = long.find("[pathways.rehab]").unwrap();
    let acute = |dest: &str, dist: &str| {
        format!(
            "[pathways.acute_{dest}]\nsteps = [\n  {{ seize = [\"asu_bed\"] }},\n  {{ activity = \"acute_stay\", duration = {dist} }},\n  {{ release = \"asu_bed\", mark = \"acute_done_{dest}\" }},\n  {{ goto = \"{dest}\" }},\n]\n"
        )
    };
    let pathways = format!(
        "[pathways.stroke_pick]\nsteps = [ {{ branch = [ {{ to = \"acute_rehab\", p = 0.25 }}, {{ to = \"acute_esd\", p = 0.15 }}, {{ to = \"acute_home\", p = 0.60 }} ] }} ]\n[pathways.tia_pick]\nsteps = [ {{ branch = [ {{ to = \"acute_esd\", p = 0.1 }}, {{ to = \"acute_home\", p = 0.9 }} ] }} ]\n{}{}{}",
        acute("rehab", "{ lognormal = { mean = \"10 d\", cv = 0.8 } }"),
        acute("esd", "{ gamma = { mean = \"4 d\", sd = \"2 d\" } }"),
        acute("home", "{ exponential = { mean = \"2 d\" } }"),
    );
    let long = format!("{}{}{}", &long[..start], pathways, &long[end..]);
    let cut = long.find("[kpis.acute_rehab]").unwrap();
    let long = format!(
        "{}[kpis.acute_rehab]\nfrom = \"arrival\"\nto = \"acute_done_rehab\"\n[kpis.transferred]\nshare_exiting = \"transferred\"\n",
        &long[..cut]
    );
    let lm = model(&long);
    let short = model(STROKE);
    let (lo, so) = (reps(&lm, false), reps(&short, false));
    // Different draws, the same model: the rehab stays and the transferred
    // share agree within their sampling error.
    let mean = |a: &hospsim_sim::engine::KpiAcc| a.sum / a.n as f64 / 1440.0;
    let l = per_rep(&lm, &lo, "acute_rehab", mean);
    let s = per_rep(&short, &so, "acute_rehab", mean);
    let ((ml, sl), (ms, ss)) = (mean_se(&l), mean_se(&s));
    assert!(
        (ml - ms).abs() <= K * (sl * sl + ss * ss).sqrt(),
        "{ml} vs {ms}"
    );
    let share = |a: &hospsim_sim::engine::KpiAcc| a.n as f64 / a.den as f64;
    let l = per_rep(&lm, &lo, "transferred", share);
    let s = per_rep(&short, &so, "transferred", share);
    let ((ml, sl), (ms, ss)) = (mean_se(&l), mean_se(&s));
    assert!(
        (ml - ms).abs() <= K * (sl * sl + ss * ss).sqrt(),
        "{ml} vs {ms}"
    );
}

#[test]
fn a_new_mix_changes_destinations_and_leaves_arrivals_alone() {
    let a = model(STROKE);
    let b = model(&STROKE.replace(
        "rehab = 0.25, esd = 0.15, home = 0.60",
        "rehab = 0.40, esd = 0.15, home = 0.45",
    ));
    let (ra, rb) = (reps(&a, false), reps(&b, false));
    for (x, y) in ra.iter().zip(&rb) {
        assert_eq!(x.arrived_by_class, y.arrived_by_class);
        assert!(kpi(&b, y, "rehab_share").n > kpi(&a, x, "rehab_share").n);
    }
}

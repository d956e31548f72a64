//! Retry counters, alternatives, batches, refusals and releases by name.

use super::*;

fn share_of(m: &Model, r: &RepOutput, kpi: &str) -> f64 {
    let k = m
        .kpis
        .iter()
        .position(|k| k.name == kpi)
        .unwrap_or_else(|| panic!("no KPI {kpi}"));
    let acc = &r.kpis[k];
    acc.n as f64 / acc.den as f64
}

fn mean_of(m: &Model, r: &RepOutput, kpi: &str) -> f64 {
    let k = m
        .kpis
        .iter()
        .position(|k| k.name == kpi)
        .unwrap_or_else(|| panic!("no KPI {kpi}"));
    r.kpis[k].sum / r.kpis[k].n as f64
}

const PHONE: &str = r#"
name = "critical value phoned"
[sim]
horizon = "400 d"
warmup = "1 d"
replications = 12
seed = 3
[resources.lab_tech]
capacity = 50
[arrivals.results]
pathway = "call"
per_day = 100
[pathways.call]
steps = [
  { activity = "phone", use = ["lab_tech"], duration = { fixed = "2 min" } },
  { branch = [ { to = "answered", p = 0.6 }, { to = "retry", p = 0.4 } ] },
]
[pathways.retry]
steps = [
  { count = "attempts", limit = 3, on_limit = "escalate" },
  { activity = "wait_retry", duration = { fixed = "5 min" } },
  { goto = "call" },
]
[pathways.answered]
steps = [ { mark = "acknowledged" }, { exit = "discharged" } ]
[pathways.escalate]
steps = [
  { mark = "escalated" },
  { activity = "senior", duration = { fixed = "10 min" } },
  { mark = "acknowledged" },
  { exit = "discharged" },
]
[kpis.escalated]
share_reaching = "escalated"
[kpis.to_ack]
from = "arrival"
to = "acknowledged"
"#;

#[test]
fn a_counter_ends_a_retry_loop_after_its_limit() {
    // Each call succeeds with p = 0.6; after 3 failures the call escalates.
    // P(escalated) = 0.4^3; time to acknowledgement: 2 min on the first call,
    // 9 on the second, 16 on the third, 26 when escalated.
    let m = model(PHONE);
    let out = reps(&m);
    let escalated: Vec<f64> = out.iter().map(|r| share_of(&m, r, "escalated")).collect();
    assert_within("P(escalated)", &escalated, 0.4f64.powi(3));
    let ack: Vec<f64> = out.iter().map(|r| mean_of(&m, r, "to_ack")).collect();
    let exact = 0.6 * 2.0 + 0.24 * 9.0 + 0.096 * 16.0 + 0.064 * 26.0;
    assert_within("mean minutes to acknowledgement", &ack, exact);
}

const OUTLIERS: &str = r#"
name = "outliers"
[sim]
horizon = "2000 d"
warmup = "5 d"
replications = 12
seed = 9
[resources.medical_bed]
capacity = 2
[resources.surgical_bed]
capacity = 2
[arrivals.medical]
pathway = "admit"
per_day = 48            # 2 an hour, 1 h stays: offered load 2 Erlang
[pathways.admit]
steps = [
  { seize = ["medical_bed"], alternatives = ["surgical_bed"], mark_alternative = "outlier",
    patience = { fixed = "0 min" }, on_renege = "transferred" },
  { activity = "stay", duration = { exponential = { mean = "1 h" } } },
  { release = ["medical_bed", "surgical_bed"] },
  { exit = "discharged" },
]
[kpis.outlier]
share_reaching = "outlier"
[kpis.refused]
share_exiting = "transferred"
"#;

fn erlang_b(a: f64, c: u32) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

#[test]
fn alternatives_overflow_like_ordered_hunting() {
    // Loss system with ordered hunting: the first group overflows with Erlang
    // B(a, 2); the patient is lost only when all four beds are busy, B(a, 4).
    let m = model(OUTLIERS);
    let out = reps(&m);
    let a = 2.0;
    let refused: Vec<f64> = out.iter().map(|r| share_of(&m, r, "refused")).collect();
    let outlier: Vec<f64> = out.iter().map(|r| share_of(&m, r, "outlier")).collect();
    assert_within("lost (all beds full)", &refused, erlang_b(a, 4));
    assert_within("outliers", &outlier, erlang_b(a, 2) - erlang_b(a, 4));
}

fn batch_scenario(step: &str, per_day: f64) -> String {
    format!(
        r#"
name = "batches"
[sim]
start = "2025-01-06T00:00"
horizon = "300 d"
warmup = "2 d"
replications = 12
seed = 21
[resources.analyser]
capacity = 5
[arrivals.samples]
pathway = "lab"
per_day = {per_day}
[pathways.lab]
steps = [
  {step},
  {{ mark = "done" }},
  {{ exit = "discharged" }},
]
[kpis.turnaround]
from = "arrival"
to = "done"
"#
    )
}

#[test]
fn a_clock_batch_waits_half_a_period_on_average() {
    // A porter collects every 30 min (on the clock) and the trip takes 10 min:
    // Poisson samples wait uniformly up to the next round, 15 min on average.
    let m = model(&batch_scenario(
        r#"{ batch = "porter", every = "30 min", duration = { fixed = "10 min" } }"#,
        200.0,
    ));
    let out = reps(&m);
    let tat: Vec<f64> = out.iter().map(|r| mean_of(&m, r, "turnaround")).collect();
    assert_within("collection + transport (min)", &tat, 25.0);
}

#[test]
fn a_full_batch_starts_when_its_last_sample_arrives() {
    // Runs of 10 on an analyser that is never the bottleneck: the k-th sample
    // of a run waits for 10 - k more arrivals, (10 - 1) / (2 lambda) on
    // average, then the 20-min run.
    let m = model(&batch_scenario(
        r#"{ batch = "chemistry", use = ["analyser"], size = 10, duration = { fixed = "20 min" } }"#,
        48.0,
    ));
    let out = reps(&m);
    let lambda = 48.0 / 1440.0;
    let tat: Vec<f64> = out.iter().map(|r| mean_of(&m, r, "turnaround")).collect();
    assert_within(
        "wait for a full rack + run (min)",
        &tat,
        9.0 / (2.0 * lambda) + 20.0,
    );
    // Every run holds one analyser for 20 min: busy = runs x 20 min / span.
    for r in &out {
        let x = &r.resources[0];
        assert!(r.batch_runs > 0);
        let expected = r.batch_runs as f64 * 20.0;
        assert!(
            (x.busy_area - expected).abs() <= 40.0 + 0.01 * expected,
            "{} vs {expected}",
            x.busy_area
        );
    }
}

const REFUSED: &str = r#"
name = "refused ICU admissions go on in a pathway"
[sim]
horizon = "1500 d"
warmup = "5 d"
replications = 12
seed = 17
[resources.trolley]
capacity = 100
[resources.icu_bed]
capacity = 2
[arrivals.referrals]
pathway = "refer"
per_day = 48
[pathways.refer]
steps = [
  { seize = ["trolley"] },
  { seize = ["icu_bed"], patience = { fixed = "0 min" }, on_renege = "refused" },
  { release = "trolley" },
  { activity = "icu_stay", duration = { exponential = { mean = "1 h" } } },
  { release = "all" },
  { exit = "discharged" },
]
[pathways.refused]
steps = [
  { mark = "refused" },
  { activity = "arrange_transfer", duration = { fixed = "30 min" } },
  { release = "all" },
  { exit = "transferred" },
]
[kpis.refused]
share_reaching = "refused"
"#;

#[test]
fn a_refused_patient_goes_on_in_a_pathway_keeping_what_it_holds() {
    // Loss system: refused with Erlang B(2, 2) = 0.4; a refused patient keeps
    // its trolley for the 30 min transfer, accepted ones give it back at once:
    // trolleys busy on average = 2/h x 0.4 x 0.5 h.
    let m = model(REFUSED);
    let out = reps(&m);
    let refused: Vec<f64> = out.iter().map(|r| share_of(&m, r, "refused")).collect();
    assert_within("refused", &refused, erlang_b(2.0, 2));
    let trolleys: Vec<f64> = out
        .iter()
        .map(|r| r.resources[0].busy_area / r.resources[0].span)
        .collect();
    assert_within(
        "trolleys held while transferring",
        &trolleys,
        2.0 * 0.4 * 0.5,
    );
    for r in &out {
        assert_eq!(r.arrived, r.departed.iter().sum::<u64>() + r.in_system);
    }
}

/// An outlier placed in a surgical bed for want of a medical one, whose
/// pathway then releases "medical_bed": the surgical bed is what it gives back
/// (it used to stay held until the patient left, with no error).
#[test]
fn releasing_by_name_releases_the_alternative_taken_for_it() {
    let m = model(
        r#"
name = "outlier release"
[sim]
start = "2025-01-06T00:00"
horizon = "10 d"
replications = 1
[resources.medical_bed]
capacity = 1
[resources.surgical_bed]
capacity = 1
[arrivals.medical]
pathway = "medical"
at = ["2025-01-06T00:00", "2025-01-06T01:00"]
[arrivals.surgical]
pathway = "surgical"
at = ["2025-01-06T03:00"]
[pathways.medical]
steps = [
  { seize = ["medical_bed"], alternatives = ["surgical_bed"], mark_alternative = "outlier" },
  { activity = "stay", duration = { fixed = "90 min" } },
  { release = "medical_bed" },
  { activity = "at_home_follow_up", duration = { fixed = "100 h" } },
  { exit = "discharged" },
]
[pathways.surgical]
steps = [
  { seize = ["surgical_bed"], mark = "in_surgical_bed" },
  { activity = "stay", duration = { fixed = "2 h" } },
  { release = "surgical_bed" },
  { exit = "discharged" },
]
[kpis.surgical_wait]
from = "arrival"
to = "in_surgical_bed"
classes = ["surgical"]
[kpis.outliers]
per_day_reaching = "outlier"
"#,
    );
    let out = &reps(&m)[0];
    let k = m.kpis.iter().position(|k| k.name == "outliers").unwrap();
    assert_eq!(out.kpis[k].n, 1, "one outlier");
    assert_eq!(
        mean_of(&m, out, "surgical_wait"),
        0.0,
        "the surgical bed was free again"
    );
}

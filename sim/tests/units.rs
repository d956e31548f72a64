//! Resource mechanics the hospital units are built from: turnaround after
//! release (bed cleaning, ventilator reprocessing), random breakdowns
//! (MTBF / MTTR), weekly maintenance windows, and the time a pool spends above
//! 85% / 92% occupancy, each against an exact value.

use hospsim_sim::engine::RepOutput;
use hospsim_sim::runner::run;
use hospsim_sim::{Model, Scenario, compile};

const K: f64 = 4.0;

fn model(text: &str) -> Model {
    let s: Scenario = toml::from_str(text).unwrap_or_else(|e| panic!("does not parse: {e}"));
    compile(&s).unwrap_or_else(|e| panic!("does not compile: {:?}", e.0))
}

fn reps(m: &Model) -> Vec<RepOutput> {
    run(m, false, &|| {}).expect("run")
}

fn assert_within(name: &str, xs: &[f64], exact: f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let se = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt();
    assert!(
        (mean - exact).abs() <= K * se.max(1e-12),
        "{name}: estimate {mean:.5} vs exact {exact:.5}, se {se:.5}"
    );
    assert!(
        se < 0.05 * exact.abs().max(1e-9),
        "{name}: se {se} too wide to test anything"
    );
}

fn scenario(resource_extra: &str, per_day: f64, service: &str, capacity: u32) -> String {
    format!(
        r#"
name = "unit mechanics"
[sim]
start = "2025-01-06T00:00"
horizon = "1400 d"
warmup = "28 d"
replications = 16
seed = 5
sample_interval = "1 h"
[resources.unit]
capacity = {capacity}
queue = "fifo"
{resource_extra}
[arrivals.patients]
pathway = "p"
per_day = {per_day}
[pathways.p]
steps = [
  {{ seize = ["unit"] }},
  {{ activity = "stay", duration = {service} }},
  {{ release = "unit" }},
  {{ exit = "discharged" }},
]
"#
    )
}

#[test]
fn turnaround_keeps_a_unit_busy_by_littles_law() {
    // 9 patients an hour, 40 min exponential stays, 20 min fixed cleaning:
    // units cleaning on average = arrival rate x turnaround = 3, and busy
    // (stay + cleaning) = 9 x 1 h = 9 of 10.
    let text = scenario(
        r#"turnaround = { fixed = "20 min" }"#,
        216.0,
        r#"{ exponential = { mean = "40 min" } }"#,
        10,
    );
    let m = model(&text);
    let out = reps(&m);
    let cleaning: Vec<f64> = out
        .iter()
        .map(|r| r.resources[0].turnaround_area / r.resources[0].span)
        .collect();
    let busy: Vec<f64> = out
        .iter()
        .map(|r| r.resources[0].busy_area / r.resources[0].span)
        .collect();
    assert_within("units in turnaround", &cleaning, 3.0);
    assert_within("busy units incl. turnaround", &busy, 9.0);
}

#[test]
fn breakdowns_take_the_share_mttr_over_mtbf_plus_mttr() {
    // One scanner, failing every 50 h on average (calendar time) and repaired
    // in 5 h on average: down 5/55 of the time, whatever the load.
    let text = scenario(
        r#"breakdowns = { time_between = { exponential = { mean = "50 h" } }, repair = { exponential = { mean = "5 h" } } }"#,
        4.0,
        r#"{ exponential = { mean = "30 min" } }"#,
        1,
    );
    let m = model(&text);
    let out = reps(&m);
    let down: Vec<f64> = out
        .iter()
        .map(|r| r.resources[0].down_area / r.resources[0].span)
        .collect();
    assert_within("share of time down", &down, 5.0 / 55.0);
    // Down time is capacity lost: available unit-time = span - down time.
    for r in &out {
        let x = &r.resources[0];
        assert!((x.capacity_area + x.down_area - x.span).abs() < 1e-6 * x.span);
    }
}

#[test]
fn maintenance_window_removes_units_at_its_weekly_time() {
    // Capacity 3; every Wednesday 02:00-06:00 two units are down.
    let text = scenario(
        r#"maintenance = [{ day = "Wed", time = "02:00", duration = "4 h", units = 2 }]"#,
        10.0,
        r#"{ exponential = { mean = "1 h" } }"#,
        3,
    );
    let m = model(&text);
    let out = reps(&m);
    for r in &out {
        let x = &r.resources[0];
        // Whole weeks after a whole-week warm-up: exactly 2 units x 4 h a week.
        assert!(
            (x.down_area / x.span - 8.0 / 168.0).abs() < 1e-9,
            "{}",
            x.down_area / x.span
        );
        // Hourly samples from Monday 00:00: Wednesday 03:00 is hour 51 of each week.
        for (i, s) in r.samples.iter().enumerate() {
            let hour = i % 168;
            let expected = if (50..54).contains(&hour) { 1.0 } else { 3.0 };
            assert_eq!(s[2], expected, "sample {i} (hour of week {hour})");
        }
    }
}

#[test]
fn time_above_85_and_92_percent_matches_the_mmc_distribution() {
    // M/M/10 with a = 8: busy > 8.5 means N >= 9 and busy > 9.2 means N >= 10.
    let text = scenario("", 192.0, r#"{ exponential = { mean = "1 h" } }"#, 10);
    let m = model(&text);
    let out = reps(&m);
    let (a, c) = (8.0f64, 10usize);
    let mut terms = vec![1.0f64];
    for n in 1..c {
        terms.push(terms[n - 1] * a / n as f64);
    }
    let tail = terms[c - 1] * a / c as f64 / (1.0 - a / c as f64);
    let p0 = 1.0 / (terms.iter().sum::<f64>() + tail);
    let p_ge_10 = tail * p0;
    let p_ge_9 = p_ge_10 + terms[9] * p0;
    let over85: Vec<f64> = out
        .iter()
        .map(|r| r.resources[0].time_over_85 / r.resources[0].span)
        .collect();
    let over92: Vec<f64> = out
        .iter()
        .map(|r| r.resources[0].time_over_92 / r.resources[0].span)
        .collect();
    assert_within("P(N >= 9)", &over85, p_ge_9);
    assert_within("P(N >= 10)", &over92, p_ge_10);
}

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

#[test]
fn service_past_a_roster_drop_counts_as_overrun() {
    // One theatre staffed 08:00-16:00. A case starting 15:30 that takes 2 h
    // runs 90 min past the session; another at 09:00 does not overrun.
    let text = r#"
name = "overrun"
[sim]
start = "2025-01-06T00:00"
horizon = "2 d"
warmup = "0 min"
replications = 1
[rosters.session]
weekday = [0,0,0,0,0,0,0,0,1,1,1,1,1,1,1,1,0,0,0,0,0,0,0,0]
[resources.theatre]
roster = "session"
[arrivals.cases]
pathway = "op"
at = ["2025-01-06T09:00", "2025-01-06T15:30"]
[pathways.op]
steps = [
  { activity = "operation", use = ["theatre"], duration = { fixed = "2 h" } },
  { exit = "discharged" },
]
"#;
    let m = model(text);
    let out = reps(&m);
    let x = &out[0].resources[0];
    assert!((x.overrun_area - 90.0).abs() < 1e-9, "{}", x.overrun_area);
    assert_eq!(x.max_busy, 1);
}

fn poisson_pmf(mean: f64, k: usize) -> f64 {
    (0..k).fold((-mean).exp(), |p, j| p * mean / (j + 1) as f64)
}

const BASE_STOCK: &str = r#"
name = "base stock"
[sim]
horizon = "1500 d"
warmup = "20 d"
replications = 12
seed = 13
[resources.nurse]
capacity = 100
[items.antibiotic]
initial = 8
reorder_point = 7          # (S-1, S): every use is reordered at once
order_up_to = 8
lead_time = { fixed = "2 d" }
unit_cost = 10
[arrivals.doses]
pathway = "give"
per_day = 2.5
[pathways.give]
steps = [
  { consume = "antibiotic" },
  { exit = "discharged" },
]
"#;

#[test]
fn base_stock_fill_rate_and_stock_match_the_poisson_lead_time_demand() {
    // Base stock S = 8, Poisson demand 2.5/day, fixed lead time 2 days: lead
    // time demand D ~ Poisson(5). A demand is met from stock with probability
    // P(D <= S - 1); mean units on hand = sum over k < S of (S - k) P(D = k).
    let m = model(BASE_STOCK);
    let out = reps(&m);
    let (mean, s) = (5.0, 8usize);
    let fill: f64 = (0..s).map(|k| poisson_pmf(mean, k)).sum();
    let on_hand: f64 = (0..s).map(|k| (s - k) as f64 * poisson_pmf(mean, k)).sum();
    let fills: Vec<f64> = out
        .iter()
        .map(|r| r.items[0].filled_from_stock as f64 / r.items[0].demand as f64)
        .collect();
    let span = (m.horizon - m.warmup) as f64;
    let stock: Vec<f64> = out.iter().map(|r| r.items[0].stock_area / span).collect();
    let out_share: Vec<f64> = out
        .iter()
        .map(|r| r.items[0].stockout_time / span)
        .collect();
    assert_within("fill rate", &fills, fill);
    assert_within("mean on hand", &stock, on_hand);
    // Time out of stock: P(D >= S) by PASTA.
    assert_within("share of time out of stock", &out_share, 1.0 - fill);
    for r in &out {
        assert_eq!(r.arrived, r.departed.iter().sum::<u64>() + r.in_system);
    }
}

const EXPIRY: &str = r#"
name = "expiry and substitutes"
[sim]
horizon = "400 d"
warmup = "10 d"
replications = 4
seed = 2
[resources.nurse]
capacity = 10
[items.platelets]
initial = 10
reorder_point = 4
order_quantity = 10
lead_time = { fixed = "1 d" }
shelf_life = "5 d"
on_stockout = "substitute"
substitute = "pooled_platelets"
[items.pooled_platelets]
initial = 50
reorder_point = 10
order_up_to = 50
review_every = "7 d"
lead_time = { fixed = "2 d" }
on_stockout = "skip"
[arrivals.bleeds]
pathway = "transfuse"
per_day = 0.8
[pathways.transfuse]
steps = [
  { consume = "platelets", quantity_mean = 2.0 },
  { exit = "discharged" },
]
"#;

#[test]
fn short_shelf_life_wastes_stock_and_a_substitute_covers_stockouts() {
    // Demand about 1.6 units a day against lots of 10 that last 5 days: much
    // of each lot expires; when platelets run out the pooled product is used,
    // and only when both are out is a dose missed.
    let m = model(EXPIRY);
    let out = reps(&m);
    for r in &out {
        let p = &r.items[0];
        assert!(p.expired > 0, "short shelf life must waste units");
        assert!(
            p.filled_from_stock + p.substituted + p.missed == p.demand,
            "{p:?}"
        );
        assert_eq!(p.substituted, r.items[1].used_as_substitute);
        // Received units are used, expired, or still on hand at the end.
        assert!(p.expired + p.filled_from_stock <= p.received + 10);
    }
}

fn ordering(policy: &str) -> String {
    format!(
        r#"
name = "ordering"
[sim]
horizon = "300 d"
warmup = "20 d"
replications = 6
seed = 8
[resources.nurse]
capacity = 100
[items.drug]
initial = 10
reorder_point = 5
{policy}
review_every = "1 d"
lead_time = {{ fixed = "1 d" }}
on_stockout = "skip"
[arrivals.doses]
pathway = "give"
per_day = 10
[pathways.give]
steps = [ {{ consume = "drug" }}, {{ exit = "discharged" }} ]
"#
    )
}

#[test]
fn a_forecast_driven_level_adapts_where_a_fixed_one_runs_short() {
    // 10 doses a day, daily review, 1-day lead time. A fixed order-up-to of
    // 10 covers half the two days between ordering and the next delivery;
    // the forecast-driven level learns ~10/day and covers 2 days plus safety.
    let fixed = model(&ordering("order_up_to = 10"));
    let adaptive = model(&ordering(
        r#"order_up_to = 10
forecast = { smoothing = 0.2, cover = "2 d", safety_factor = 1.65 }"#,
    ));
    let fill = |m: &Model| -> f64 {
        let out = reps(m);
        let (a, b) = out.iter().fold((0, 0), |(a, b), r| {
            (a + r.items[0].filled_from_stock, b + r.items[0].demand)
        });
        a as f64 / b as f64
    };
    let (f_fixed, f_adaptive) = (fill(&fixed), fill(&adaptive));
    assert!(f_fixed < 0.7, "fixed fill rate {f_fixed}");
    assert!(f_adaptive > 0.93, "forecast-driven fill rate {f_adaptive}");
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

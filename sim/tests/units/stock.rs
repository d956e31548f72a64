//! Stocked items: base-stock fill rates, shelf life and substitutes, ordering policies.

use super::*;

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
    let span = m.horizon - m.warmup;
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

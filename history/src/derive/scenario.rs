//! The sections of the learned scenario around the units' pathways: the
//! header, `[sim]`, `[resources]`, `[arrivals]`, `[history]`, the class
//! pathways into the first unit, the exits and the KPIs.

use super::document::{
    Pathways, branch_by_count, comment, dist, floor4, noted_table, num, parent_table, step, strings,
};
use super::fitting::{fit_durations, mean_sd};
use super::names::Ids;
use super::observe::Observed;
use super::{ArrivalFit, DeriveOptions, DurationFit, FitReport, route_name};
use crate::distfit::round_sig;
use crate::visits::Visits;
use hospsim_sim::history::{Event, UnitKind};
use toml_edit::{Array, InlineTable, Item, Table, Value, value};

/// The comment at the top of the file: where it comes from, where the rest is.
pub(super) fn header(report: &FitReport) -> String {
    format!(
        "# Learned by `hospsim fit` from a log of {} visits ({} events) over {:.1} days.\n\
         # Each unit is a resource with its peak census as capacity; see the fit report for\n\
         # every fitted distribution (AIC of each family, KS statistic) and rate uncertainty.\n\n",
        report.visits, report.events, report.days
    )
}

/// `[sim]`: the log's calendar, and a warm-up long enough to fill the units.
pub(super) fn sim(opt: &DeriveOptions, o: &Observed, days: f64) -> Table {
    let longest = o
        .los
        .iter()
        .map(|l| mean_sd(l).0)
        .filter(|m| m.is_finite())
        .fold(0.0f64, f64::max);
    let warm_days = ((3.0 * longest / 1440.0).ceil()).clamp(7.0, 60.0);
    let mut t = Table::new();
    t.insert("start", value(opt.start.as_str()));
    if let Some(tz) = &opt.time_zone {
        t.insert("time_zone", value(tz.as_str()));
    }
    t.insert("warmup", value(format!("{warm_days} d")));
    t.insert("horizon", value(format!("{} d", warm_days + days.ceil())));
    t.insert("replications", value(i64::from(opt.replications)));
    t
}

/// `[resources]`: a resource per unit, whose capacity is what the log shows.
pub(super) fn resources(
    v: &Visits,
    ids: &Ids,
    o: &Observed,
    headroom: f64,
    capacity: &mut Vec<(String, u32)>,
) -> Table {
    let mut all = parent_table();
    for (u, name) in v.units.iter().enumerate() {
        // The log shows how full a unit got, not how many beds it has: the peak
        // census plus the headroom asked for. An ED turns no one away: its
        // waits are in the fitted times, so its places are not a limit.
        let cap = o.peak[u].max(1);
        capacity.push((name.clone(), cap));
        let (beds, note) = if v.unit_kinds[u] == UnitKind::Ed {
            (
                100_000,
                format!("no limit: the ED's waits are in the fitted times (peak census {cap})"),
            )
        } else {
            (
                (cap as f64 * (1.0 + headroom)).ceil() as u32,
                format!(
                    "peak census in the log {cap}, plus {:.0}%: set the real number of beds",
                    100.0 * headroom
                ),
            )
        };
        let mut beds = Value::from(i64::from(beds));
        beds.decor_mut().set_suffix(comment("    ", &note));
        let mut t = Table::new();
        t.insert("capacity", Item::Value(beds));
        // Reports show the unit as the log names it.
        if name != &ids.units[u] {
            t.insert("label", value(name.as_str()));
        }
        all.insert(&ids.units[u], Item::Table(t));
    }
    all
}

/// `[arrivals]`: per class that arrives in the log, its hour-of-week rates
/// and acuity mix, under the class's own name.
pub(super) fn arrivals(
    v: &Visits,
    ids: &Ids,
    o: &Observed,
    days: f64,
    fits: &mut Vec<ArrivalFit>,
) -> Table {
    let mut all = parent_table();
    for (c, class) in v.classes.iter().enumerate() {
        let fit = arrival_fit(class, o, c, days);
        if fit.n > 0 {
            let note = format!("{:.2} per day (SE {:.2})", fit.per_day, fit.per_day_se);
            let mut t = noted_table(Some(&note));
            t.insert("pathway", value(format!("class_{}", ids.classes[c])));
            let rates: Array = fit
                .rates_per_hour
                .iter()
                .map(|x| num(round_sig(*x)))
                .collect();
            t.insert("rates_per_hour", value(rates));
            if !fit.acuity.is_empty() {
                t.insert("acuity", value(acuity_mix(&fit.acuity)));
            }
            all.insert(class, Item::Table(t));
        }
        fits.push(fit);
    }
    all
}

/// A class's arrivals: counts by hour of week over the number of times each
/// hour occurs in the log, with Poisson standard errors.
fn arrival_fit(class: &str, o: &Observed, c: usize, days: f64) -> ArrivalFit {
    let counts = &o.counts[c];
    let n: u64 = counts.iter().sum();
    let per_hour = |f: fn(f64) -> f64| -> Vec<f64> {
        (0..168)
            .map(|h| {
                if o.occurs[h] > 0.0 {
                    f(counts[h] as f64) / o.occurs[h]
                } else {
                    0.0
                }
            })
            .collect()
    };
    let acuity = &o.acuity[c];
    let known: u64 = acuity[1..].iter().sum();
    ArrivalFit {
        class: class.to_string(),
        n,
        per_day: n as f64 / days,
        per_day_se: (n as f64).sqrt() / days,
        rates_per_hour: per_hour(|x| x),
        rates_se: per_hour(f64::sqrt),
        acuity: if known > 0 {
            (1..=5).map(|a| acuity[a] as f64 / known as f64).collect()
        } else {
            vec![]
        },
    }
}

/// `{ 2 = 0.25, 3 = 0.75 }`: the acuities seen, floored to 4 decimals, the
/// last taking the rest so that they add up to 1.
fn acuity_mix(shares: &[f64]) -> InlineTable {
    let present: Vec<(usize, f64)> = shares
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, p)| *p > 0.0)
        .collect();
    let mut rest = 1.0;
    let mut mix = InlineTable::new();
    for (i, (a, p)) in present.iter().enumerate() {
        let share = if i + 1 == present.len() {
            (rest * 1e6_f64).round() / 1e6
        } else {
            floor4(*p)
        };
        rest -= share;
        mix.insert((a + 1).to_string(), num(share));
    }
    mix
}

/// `[history]`: the log's own class and unit names, so that the fitted model
/// writes (and `validate` reads) the same log.
pub(super) fn history(v: &Visits, ids: &Ids, o: &Observed) -> Table {
    let n_units = v.units.len();
    let mut arrival_unit = InlineTable::new();
    for (c, class) in v.classes.iter().enumerate() {
        let first_event = v
            .visits
            .iter()
            .find(|x| x.class as usize == c)
            .and_then(|x| x.events.first())
            .filter(|e| e.1 == Event::Arrival && (e.2 as usize) < n_units);
        if let Some(e) = first_event {
            arrival_unit.insert(class, v.units[e.2 as usize].as_str().into());
        }
    }
    let mut units = parent_table();
    for (u, name) in v.units.iter().enumerate() {
        let uid = &ids.units[u];
        // A census patient resumes as the most common kind of stay in the unit.
        let from = o.routes_from[u]
            .iter()
            .max_by_key(|(_, r)| r.values().map(|x| x.iter().sum::<u64>()).sum::<u64>())
            .map_or("start", |(f, _)| f.as_str());
        let mut t = Table::new();
        t.insert("kind", value(v.unit_kinds[u].name()));
        t.insert("resources", Item::Value(strings([uid.as_str()])));
        t.insert("resume", value(format!("in_{uid}_from_{from}")));
        units.insert(name, Item::Table(t));
    }
    let mut t = Table::new();
    t.insert("arrival_unit", value(arrival_unit));
    t.insert("units", Item::Table(units));
    t
}

/// Each class's pathway: an optional wait before the first unit, then the
/// first unit (or the way out, for visits that never enter one). Returns the
/// exits they lead to.
pub(super) fn class_pathways(
    p: &mut Pathways,
    v: &Visits,
    ids: &Ids,
    o: &Observed,
    durations: &mut Vec<DurationFit>,
) -> Vec<Event> {
    let mut exits_used = vec![];
    for (c, class) in v.classes.iter().enumerate() {
        if o.counts[c].iter().sum::<u64>() == 0 {
            continue;
        }
        let mut steps = vec![];
        let pre_entry = &o.pre_entry[c];
        if mean_sd(pre_entry).0 > 1.0 {
            let d = fit_durations(format!("{class}: arrival -> first unit"), pre_entry);
            steps.push(step::activity("before_first_unit", dist(&d), None));
            durations.push(d);
        }
        let total: u64 = o.first_step[c].values().sum();
        let options: Vec<(&String, u64)> = o.first_step[c].iter().map(|(k, n)| (k, *n)).collect();
        for (k, _) in &options {
            if let Some(e) = k.strip_prefix("exit_").and_then(Event::parse) {
                exits_used.push(e);
            }
        }
        steps.push(branch_by_count(&options, total));
        p.add(&format!("class_{}", ids.classes[c]), steps);
    }
    exits_used
}

/// One pathway per way out of the hospital that some pathway leads to.
pub(super) fn exit_pathways(p: &mut Pathways, mut exits_used: Vec<Event>) {
    exits_used.sort();
    exits_used.dedup();
    for e in exits_used {
        p.add_on_one_line(&format!("exit_{}", e.name()), step::exit(route_name(e)));
    }
}

/// Indicators a planner reads first, when the fitted pathways mark the
/// milestones they need (`--min-share` may leave one out).
pub(super) fn kpis(v: &Visits, p: &Pathways) -> Option<Table> {
    let mut kpis = parent_table();
    if p.marks("seen") {
        kpis.insert("door_to_doctor", kpi(None, "seen", "1 h", 0.9, None));
    }
    if v.unit_kinds.contains(&UnitKind::Ed) && p.marks("ed_departure") {
        kpis.insert(
            "time_in_ed",
            kpi(Some("Time in ED"), "ed_departure", "4 h", 0.95, Some("h")),
        );
    }
    (!kpis.is_empty()).then_some(kpis)
}

/// A KPI from arrival to a milestone, with its target.
fn kpi(label: Option<&str>, to: &str, within: &str, target: f64, unit: Option<&str>) -> Item {
    let mut t = Table::new();
    if let Some(l) = label {
        t.insert("label", value(l));
    }
    t.insert("from", value("arrival"));
    t.insert("to", value(to));
    t.insert("within", value(within));
    t.insert("target_share", value(target));
    if let Some(u) = unit {
        t.insert("unit", value(u));
    }
    Item::Table(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acuity_shares_add_up_to_one() {
        let mix = acuity_mix(&[0.0, 1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0, 0.0]);
        assert_eq!(mix.to_string(), "{ 2 = 0.3333, 3 = 0.3333, 4 = 0.3334 }");
        let one = acuity_mix(&[0.0, 0.0, 1.0, 0.0, 0.0]);
        assert_eq!(one.to_string(), "{ 3 = 1 }");
    }
}

//! The pathways of each unit in the learned scenario: its milestones, the rest
//! of the stay by way out, the routing, the moves to other units.

use super::document::{Pathways, branch, branch_by_route, dist, floor4, inline, num, step};
use super::fitting::{fit_durations, fit_durations_weighted, hour_pattern, profile_ok};
use super::observe::{Observed, RestSample};
use super::{DurationFit, FitReport, RouteFit};
use crate::distfit::censoring_weights;
use crate::visits::Visits;
use hospsim_sim::history::{Event, UnitKind};
use std::collections::BTreeMap;
use toml_edit::InlineTable;

/// One unit of the log, under its made-up identifier.
struct Unit<'a> {
    u: usize,
    id: &'a str,
    name: &'a str,
    kind: UnitKind,
}

/// Adds every unit's pathways; collects the exits they use.
pub(super) fn unit_pathways(
    p: &mut Pathways,
    v: &Visits,
    unit_id: &[String],
    o: &Observed,
    report: &mut FitReport,
    exits_used: &mut Vec<Event>,
) {
    for u in 0..v.units.len() {
        let unit = Unit {
            u,
            id: &unit_id[u],
            name: &v.units[u],
            kind: v.unit_kinds[u],
        };
        let uid = unit.id;
        if o.routes_from[u].contains_key("start") {
            p.add(
                &format!("enter_{uid}"),
                vec![
                    step::seize(uid),
                    step::goto(&format!("in_{uid}_from_start")),
                ],
            );
        }
        let stay = StaySteps::fit(&unit, o, &mut report.durations);
        report_routes(&unit, &o.routes[u], &mut report.routes, exits_used);
        for (from, routes_after) in &o.routes_from[u] {
            let origin = Origin {
                from,
                // The unit's pooled routing stands in for places seen fewer
                // than 20 times.
                routes: if completed(routes_after) >= 20 {
                    routes_after
                } else {
                    &o.routes[u]
                },
                completed: completed(routes_after),
                theatre_after_ward: unit.kind == UnitKind::Theatre
                    && unit_id
                        .iter()
                        .position(|x| x == from)
                        .is_some_and(|p| v.unit_kinds[p] != UnitKind::Ed),
            };
            origin_pathways(p, &unit, &origin, &stay);
        }
        let leave_ed = ed_departure(&unit, &o.handover[u], &mut report.durations);
        move_pathways(p, v, unit_id, &unit, &o.routes[u], &leave_ed);
    }
}

/// Completed stays over all ways out.
fn completed(routes: &BTreeMap<String, [u64; 6]>) -> u64 {
    routes.values().map(|r| r.iter().sum::<u64>()).sum()
}

/// The steps of a stay in a unit, fitted once and used by the pathways of
/// every place of origin.
struct StaySteps {
    /// Per milestone: its activity and mark, and the share of stays that pass it.
    milestones: Vec<(Vec<InlineTable>, f64)>,
    /// The rest of the stay, whatever the way out.
    pooled: InlineTable,
    /// The same by way out, and by origin and way out, where the log has 30 stays.
    by_to: BTreeMap<String, InlineTable>,
    by_ft: BTreeMap<(String, String), InlineTable>,
}

impl StaySteps {
    fn fit(unit: &Unit, o: &Observed, durations: &mut Vec<DurationFit>) -> StaySteps {
        let (u, uid) = (unit.u, unit.id);
        let um = &o.unit_ms[u];
        let mut milestones = vec![];
        for (ev, share, gaps) in &um.order {
            let e = ev.name();
            let d = fit_durations(format!("{}: to {e}", unit.name), gaps);
            let steps = vec![
                step::activity(&format!("{uid}_to_{e}"), dist(&d), None),
                step::mark(e),
            ];
            milestones.push((steps, *share));
            durations.push(d);
        }
        let pooled_fit = fit_durations(format!("{}: rest of stay", unit.name), &um.rest);
        let pooled = step::activity(&format!("{uid}_stay"), dist(&pooled_fit), None);
        // Completed stays weighted by the inverse chance that the log's end
        // would not have cut a stay that long (see `distfit::censoring_weights`).
        let weight = censoring_weights(&o.los[u], &o.censored[u], 20.0);
        let fit_rest = |what: String, to: &str, sample: &[RestSample], tag: String| {
            let hours = discharge_hours(unit, o, to, sample);
            let values: Vec<(f64, f64)> = sample
                .iter()
                .map(|x| (if hours.is_some() { x.1 } else { x.0 }, weight(x.2)))
                .collect();
            let what = if hours.is_some() {
                format!("{what} (to noon of the day it ended; hour from the profile)")
            } else {
                what
            };
            let df = fit_durations_weighted(what, &values);
            let step = step::activity(&format!("{uid}_stay{tag}"), dist(&df), hours.as_ref());
            (df, step)
        };
        let way_out = |to: &str| match to.strip_prefix(&format!("move_{uid}_")) {
            Some(target) => format!("to {target}"),
            None => to.replace("exit_", "exit:"),
        };
        let mut by_to = BTreeMap::new();
        for (to, sample) in &o.rest_to[u] {
            if sample.len() >= 30 {
                let what = format!("{} ({}): rest of stay", unit.name, way_out(to));
                let (df, step) = fit_rest(what, to, sample, format!("_{to}"));
                by_to.insert(to.clone(), step);
                durations.push(df);
            }
        }
        let mut by_ft = BTreeMap::new();
        let rest_ft = &o.rest_ft[u];
        for ((from, to), sample) in rest_ft {
            // Only where the origin makes a difference: another origin leaves
            // the same way.
            if sample.len() >= 30 && rest_ft.keys().filter(|k| &k.1 == to).count() > 1 {
                let what = format!(
                    "{} (after {from}, {}): rest of stay",
                    unit.name,
                    way_out(to)
                );
                let (df, step) = fit_rest(what, to, sample, format!("_{from}_{to}"));
                by_ft.insert((from.clone(), to.clone()), step);
                durations.push(df);
            }
        }
        durations.push(pooled_fit);
        StaySteps {
            milestones,
            pooled,
            by_to,
            by_ft,
        }
    }

    /// The rest of the stay of a patient from `from` leaving by `to`: the most
    /// specific fit there is.
    fn rest(&self, from: &str, to: &str) -> &InlineTable {
        self.by_ft
            .get(&(from.to_string(), to.to_string()))
            .or_else(|| self.by_to.get(to))
            .unwrap_or(&self.pooled)
    }
}

/// The hours of day at which stays leaving the hospital by `to` end, when they
/// are of a day or more, few end the day they began and some hours are busier
/// than others: as wards discharge. The stay's length then picks the day.
fn discharge_hours(
    unit: &Unit,
    o: &Observed,
    to: &str,
    sample: &[RestSample],
) -> Option<[u64; 24]> {
    let mean = sample.iter().map(|x| x.0).sum::<f64>() / sample.len().max(1) as f64;
    let hours = o.end_hours[unit.u].get(to).copied().unwrap_or([0; 24]);
    (to.starts_with("exit_")
        && mean >= 1440.0
        && profile_ok(&o.same_day[unit.u], to)
        && hour_pattern(&hours))
    .then_some(hours)
}

/// The routing shares of the fit report; the exits the unit's patients take.
fn report_routes(
    unit: &Unit,
    routes: &BTreeMap<String, [u64; 6]>,
    report: &mut Vec<RouteFit>,
    exits_used: &mut Vec<Event>,
) {
    let of = completed(routes);
    for (to, r) in routes {
        let n: u64 = r.iter().sum();
        let p = n as f64 / of.max(1) as f64;
        let target = match to.strip_prefix(&format!("move_{}_", unit.id)) {
            Some(target) => target.to_string(),
            None => to.replace("exit_", "exit:"),
        };
        report.push(RouteFit {
            from: unit.name.to_string(),
            to: target,
            n,
            of,
            p,
            se: (p * (1.0 - p) / of.max(1) as f64).sqrt(),
        });
        if let Some(e) = to.strip_prefix("exit_").and_then(Event::parse) {
            exits_used.push(e);
        }
    }
}

/// Where the patients of a unit came from: the start of their visit or the
/// unit before, which changes the routing (back to the ward after theatre).
struct Origin<'a> {
    from: &'a str,
    /// The routing out of the unit used for these patients.
    routes: &'a BTreeMap<String, [u64; 6]>,
    completed: u64,
    /// In theatre from a ward: the ward bed is still held.
    theatre_after_ward: bool,
}

/// The pathway of the patients of a unit from one origin: the milestones, the
/// routing, then per way out the rest of the stay and the move.
fn origin_pathways(p: &mut Pathways, unit: &Unit, origin: &Origin, stay: &StaySteps) {
    let (uid, from) = (unit.id, origin.from);
    let name = format!("in_{uid}_from_{from}");
    let note = format!("{} completed stays after {from}", origin.completed);
    let mut note = Some(note.as_str());
    let mut current = name.clone();
    let mut steps: Vec<InlineTable> = vec![];
    for (i, (milestone, share)) in stay.milestones.iter().enumerate() {
        if *share >= 0.98 {
            steps.extend(milestone.iter().cloned());
            continue;
        }
        // An optional milestone: a branch into it and back.
        let (into, after) = (format!("{name}_{i}"), format!("{name}_after_{i}"));
        steps.push(branch(
            [
                inline([("to", into.as_str().into()), ("p", num(floor4(*share)))]),
                inline([("to", after.as_str().into())]),
            ],
            false,
        ));
        p.add_noted(&current, note.take(), std::mem::take(&mut steps));
        let mut detour = milestone.clone();
        detour.push(step::goto(&after));
        p.add(&into, detour);
        current = after;
    }
    if origin.routes.is_empty() {
        steps.push(stay.pooled.clone());
        steps.push(step::exit("discharged"));
        p.add_noted(&current, note, steps);
        return;
    }
    let named: BTreeMap<String, [u64; 6]> = origin
        .routes
        .iter()
        .map(|(k, r)| (format!("{name}_to_{k}"), *r))
        .collect();
    let by_acuity = named.values().map(|r| r[0]).sum::<u64>() == 0;
    steps.push(branch_by_route(&named, by_acuity));
    p.add_noted(&current, note, steps);
    for to in origin.routes.keys() {
        let mut steps = vec![stay.rest(from, to).clone()];
        steps.extend(next_steps(unit, origin, to));
        p.add(&format!("{name}_to_{to}"), steps);
    }
}

/// After the stay, on the way out by `to`.
fn next_steps(unit: &Unit, origin: &Origin, to: &str) -> Vec<InlineTable> {
    let (uid, from) = (unit.id, origin.from);
    // Out of theatre: the ward bed kept during the operation is taken back,
    // or given up for another unit's.
    match to.strip_prefix(&format!("move_{uid}_")) {
        Some(dest) if origin.theatre_after_ward && dest == from => vec![
            step::release(uid),
            step::goto(&format!("in_{dest}_from_{uid}")),
        ],
        Some(dest) if origin.theatre_after_ward && from != "start" => vec![
            step::seize(dest),
            step::release_each(&[uid, from]),
            step::goto(&format!("in_{dest}_from_{uid}")),
        ],
        // Patients leaving the hospital from the ED leave the ED first.
        _ => match to.strip_prefix("exit_") {
            Some(e) if unit.kind == UnitKind::Ed => vec![step::goto(&format!("{uid}_leave_{e}"))],
            _ => vec![step::goto(to)],
        },
    }
}

/// The steps of an admitted patient leaving the ED once the ward bed is given
/// (the handover, fitted); none outside the ED.
fn ed_departure(
    unit: &Unit,
    handover: &[f64],
    durations: &mut Vec<DurationFit>,
) -> Vec<InlineTable> {
    if unit.kind != UnitKind::Ed {
        return vec![];
    }
    if handover.is_empty() {
        return vec![step::mark("ed_departure")];
    }
    let d = fit_durations(
        format!("{}: ward bed given -> leaves the ED", unit.name),
        handover,
    );
    let steps = vec![
        step::activity(&format!("{}_handover", unit.id), dist(&d), None),
        step::mark("ed_departure"),
    ];
    durations.push(d);
    steps
}

/// The moves out of a unit into the next (seize there, then let go here), and
/// the ED's way out of the hospital.
fn move_pathways(
    p: &mut Pathways,
    v: &Visits,
    unit_id: &[String],
    unit: &Unit,
    routes: &BTreeMap<String, [u64; 6]>,
    leave_ed: &[InlineTable],
) {
    let uid = unit.id;
    let ed = unit.kind == UnitKind::Ed;
    for to in routes.keys() {
        if let Some(target) = to.strip_prefix(&format!("move_{uid}_")) {
            // A patient going to theatre keeps its bed for its return.
            let to_theatre = unit_id
                .iter()
                .position(|x| x == target)
                .is_some_and(|t| v.unit_kinds[t] == UnitKind::Theatre);
            let mut steps = vec![step::seize(target)];
            steps.extend(leave_ed.iter().cloned());
            if !to_theatre || ed {
                steps.push(step::release(uid));
            }
            steps.push(step::goto(&format!("in_{target}_from_{uid}")));
            p.add(to, steps);
        }
        if let Some(e) = to.strip_prefix("exit_").filter(|_| ed) {
            p.add(
                &format!("{uid}_leave_{e}"),
                vec![step::mark("ed_departure"), step::goto(&format!("exit_{e}"))],
            );
        }
    }
}

//! The pathways of each unit in the learned scenario: its milestones, the rest
//! of the stay by way out, the routing, the moves to other units.

use super::observe::{Observed, RestSample};
use super::{
    DurationFit, FitReport, RouteFit, dist_toml, fit_durations, fit_durations_weighted, floor4,
    hour_pattern, profile_ok, write_routes,
};
use crate::distfit::censoring_weights;
use crate::visits::Visits;
use hospsim_sim::history::{Event, UnitKind};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Writes every unit's pathways; collects the exits they use.
pub(super) fn write_units(
    w: &mut String,
    v: &Visits,
    unit_id: &[String],
    o: &Observed,
    report: &mut FitReport,
    exits_used: &mut Vec<Event>,
) {
    let n_units = v.units.len();
    let Observed {
        los,
        censored,
        rest_to,
        rest_ft,
        handover,
        end_hours,
        same_day,
        routes,
        routes_from,
        unit_ms,
        ..
    } = o;
    for u in 0..n_units {
        let uid = &unit_id[u];
        if routes_from[u].contains_key("start") {
            let _ = writeln!(
                w,
                "[pathways.enter_{uid}]\nsteps = [\n  {{ seize = [\"{uid}\"] }},\n  {{ goto = \"in_{uid}_from_start\" }},\n]\n"
            );
        }
        // The stay's steps, fitted once, written once per place of origin.
        let um = &unit_ms[u];
        let mut ms_steps: Vec<(String, f64)> = vec![];
        for (ev, p, gaps) in &um.order {
            let d = fit_durations(format!("{}: to {}", v.units[u], ev.name()), gaps);
            ms_steps.push((
                format!(
                    "  {{ activity = \"{uid}_to_{e}\", duration = {} }},\n  {{ mark = \"{e}\" }},\n",
                    dist_toml(&d),
                    e = ev.name()
                ),
                *p,
            ));
            report.durations.push(d);
        }
        let d = fit_durations(format!("{}: rest of stay", v.units[u]), &um.rest);
        // Stays of a day or more that end in leaving the hospital end at the
        // log's hours of day (the day from the fitted length, the time from the
        // profile), as wards discharge.
        let stay_step = |d: &DurationFit, tag: &str, hours: Option<&[u64; 24]>| {
            let profile = match hours {
                Some(h) => {
                    let h: Vec<String> = h.iter().map(|c| c.to_string()).collect();
                    format!(", until_hour = [{}]", h.join(", "))
                }
                _ => String::new(),
            };
            format!(
                "  {{ activity = \"{uid}_stay{tag}\", duration = {}{profile} }},\n",
                dist_toml(d)
            )
        };
        let pooled_step = stay_step(&d, "", None);
        // Fitted once per sample: by (from, to) with 30 stays, else by `to`
        // with 30, else the unit's pooled stay.
        // A profile for stays of a day or more ending in leaving the hospital,
        // where few end the day they began.
        let profile = |to: &str, sample: &[RestSample]| {
            let mean = sample.iter().map(|x| x.0).sum::<f64>() / sample.len().max(1) as f64;
            let hours = end_hours[u].get(to).copied().unwrap_or([0; 24]);
            (to.starts_with("exit_")
                && mean >= 1440.0
                && profile_ok(&same_day[u], to)
                && hour_pattern(&hours))
            .then_some(hours)
        };
        // Completed stays weighted by the inverse chance that the log's end
        // would not have cut a stay that long (see `distfit::censoring_weights`).
        let weight = censoring_weights(&los[u], &censored[u], 20.0);
        let fit_rest = |what: String, to: &str, sample: &[RestSample], tag: String| {
            let hours = profile(to, sample);
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
            let step = stay_step(&df, &tag, hours.as_ref());
            (df, step)
        };
        let mut by_to: BTreeMap<String, String> = BTreeMap::new();
        for (to, sample) in &rest_to[u] {
            if sample.len() >= 30 {
                let label = match to.strip_prefix(&format!("move_{uid}_")) {
                    Some(target) => format!("to {target}"),
                    None => to.replace("exit_", "exit:"),
                };
                let (df, step) = fit_rest(
                    format!("{} ({label}): rest of stay", v.units[u]),
                    to,
                    sample,
                    format!("_{to}"),
                );
                by_to.insert(to.clone(), step);
                report.durations.push(df);
            }
        }
        let mut by_ft: BTreeMap<(String, String), String> = BTreeMap::new();
        for ((from, to), sample) in &rest_ft[u] {
            if sample.len() >= 30 && rest_ft[u].keys().filter(|k| &k.1 == to).count() > 1 {
                let label = match to.strip_prefix(&format!("move_{uid}_")) {
                    Some(target) => format!("to {target}"),
                    None => to.replace("exit_", "exit:"),
                };
                let (df, step) = fit_rest(
                    format!("{} (after {from}, {label}): rest of stay", v.units[u]),
                    to,
                    sample,
                    format!("_{from}_{to}"),
                );
                by_ft.insert((from.clone(), to.clone()), step);
                report.durations.push(df);
            }
        }
        report.durations.push(d);
        let of: u64 = routes[u].values().map(|r| r.iter().sum::<u64>()).sum();
        for (to, r) in &routes[u] {
            let n: u64 = r.iter().sum();
            let p = n as f64 / of.max(1) as f64;
            report.routes.push(RouteFit {
                from: v.units[u].clone(),
                to: to.strip_prefix("move_").map_or_else(
                    || to.replace("exit_", "exit:"),
                    |m| m[uid.len() + 1..].to_string(),
                ),
                n,
                of,
                p,
                se: (p * (1.0 - p) / of.max(1) as f64).sqrt(),
            });
            if let Some(e) = to.strip_prefix("exit_").and_then(Event::parse) {
                exits_used.push(e);
            }
        }
        for (from, rf) in &routes_from[u] {
            let name = format!("in_{uid}_from_{from}");
            let n_from: u64 = rf.values().map(|r| r.iter().sum::<u64>()).sum();
            let _ = writeln!(
                w,
                "[pathways.{name}]   # {n_from} completed stays after {from}\nsteps = ["
            );
            for (i, (step, p)) in ms_steps.iter().enumerate() {
                if *p >= 0.98 {
                    let _ = write!(w, "{step}");
                } else {
                    // An optional milestone: a branch into it and back.
                    let after = format!("{name}_after_{i}");
                    let _ = writeln!(
                        w,
                        "  {{ branch = [{{ to = \"{name}_{i}\", p = {} }}, {{ to = \"{after}\" }}] }},\n]\n",
                        floor4(*p)
                    );
                    let _ = writeln!(
                        w,
                        "[pathways.{name}_{i}]\nsteps = [\n{step}  {{ goto = \"{after}\" }},\n]\n"
                    );
                    let _ = writeln!(w, "[pathways.{after}]\nsteps = [");
                }
            }
            // Where the patient goes next (by acuity when the log gives it; from
            // places seen fewer than 20 times, the unit's pooled routing), then
            // the rest of the stay fitted for that way out.
            let table = if n_from >= 20 { rf } else { &routes[u] };
            let ed = v.unit_kinds[u] == UnitKind::Ed;
            let theatre = v.unit_kinds[u] == UnitKind::Theatre
                && unit_id
                    .iter()
                    .position(|x| x == from)
                    .is_some_and(|p| v.unit_kinds[p] != UnitKind::Ed);
            if table.is_empty() {
                let _ = writeln!(w, "{pooled_step}  {{ exit = \"discharged\" }},\n]\n");
                continue;
            }
            let named: BTreeMap<String, [u64; 6]> = table
                .iter()
                .map(|(k, r)| (format!("{name}_to_{k}"), *r))
                .collect();
            let by_acuity = named.values().map(|r| r[0]).sum::<u64>() == 0;
            write_routes(w, &named, by_acuity);
            let _ = writeln!(w, "]\n");
            for to in table.keys() {
                let step = by_ft
                    .get(&(from.clone(), to.clone()))
                    .or_else(|| by_to.get(to))
                    .unwrap_or(&pooled_step);
                // Patients leaving the hospital from the ED leave the ED first.
                let target = match to.strip_prefix("exit_") {
                    Some(e) if ed => format!("{uid}_leave_{e}"),
                    _ => to.clone(),
                };
                // Out of theatre: the ward bed kept during the operation is
                // taken back, or given up for another unit's.
                let next = match to.strip_prefix(&format!("move_{uid}_")) {
                    Some(dest) if theatre && dest == from => format!(
                        "  {{ release = \"{uid}\" }},\n  {{ goto = \"in_{dest}_from_{uid}\" }},\n"
                    ),
                    Some(dest) if theatre && from != "start" => format!(
                        "  {{ seize = [\"{dest}\"] }},\n  {{ release = [\"{uid}\", \"{from}\"] }},\n  {{ goto = \"in_{dest}_from_{uid}\" }},\n"
                    ),
                    _ => format!("  {{ goto = \"{target}\" }},\n"),
                };
                let _ = writeln!(w, "[pathways.{name}_to_{to}]\nsteps = [\n{step}{next}]\n");
            }
        }
        let ed = v.unit_kinds[u] == UnitKind::Ed;
        let leave_ed = if ed && !handover[u].is_empty() {
            let d = fit_durations(
                format!("{}: ward bed given -> leaves the ED", v.units[u]),
                &handover[u],
            );
            let t = format!(
                "  {{ activity = \"{uid}_handover\", duration = {} }},\n  {{ mark = \"ed_departure\" }},\n",
                dist_toml(&d)
            );
            report.durations.push(d);
            t
        } else if ed {
            "  { mark = \"ed_departure\" },\n".to_string()
        } else {
            String::new()
        };
        for to in routes[u].keys() {
            if let Some(m) = to.strip_prefix("move_") {
                let target = &m[uid.len() + 1..];
                // A patient going to theatre keeps its bed for its return.
                let to_theatre = unit_id
                    .iter()
                    .position(|x| x == target)
                    .is_some_and(|t| v.unit_kinds[t] == UnitKind::Theatre);
                let release = if to_theatre && !ed {
                    String::new()
                } else {
                    format!("  {{ release = \"{uid}\" }},\n")
                };
                let _ = writeln!(
                    w,
                    "[pathways.{to}]\nsteps = [\n  {{ seize = [\"{target}\"] }},\n{leave_ed}{release}  {{ goto = \"in_{target}_from_{uid}\" }},\n]\n"
                );
            }
            if let Some(e) = to.strip_prefix("exit_").filter(|_| ed) {
                let _ = writeln!(
                    w,
                    "[pathways.{uid}_leave_{e}]\nsteps = [\n  {{ mark = \"ed_departure\" }},\n  {{ goto = \"exit_{e}\" }},\n]\n"
                );
            }
        }
    }
}

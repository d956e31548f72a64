//! The data pass of `fit`: everything counted and sampled from the visits.

use crate::visits::{StayEnd, Visits};
use hospsim_sim::history::{Event, UnitKind};
use std::collections::BTreeMap;

/// The rest of a stay: (minutes, minutes to noon of the day it ended, the
/// whole stay's length for its censoring weight).
pub(super) type RestSample = (f64, f64, f64);

/// Stays in which a milestone was seen, the gaps before it and its relative
/// positions in the stay.
type MilestoneSample = (u64, Vec<f64>, Vec<f64>);

/// Milestones of one unit, in their usual order.
pub(super) struct UnitMilestones {
    pub(super) order: Vec<(Event, f64, Vec<f64>)>,
    pub(super) rest: Vec<f64>,
}

/// What the log shows, per class and per unit.
pub(super) struct Observed {
    /// Hours of the week covered by the log (each hour's count of occurrences).
    pub(super) occurs: [f64; 168],
    /// Per class: arrivals by hour of week, acuity counts, first step, wait before it.
    pub(super) counts: Vec<[u64; 168]>,
    pub(super) acuity: Vec<[u64; 6]>,
    pub(super) first_step: Vec<BTreeMap<String, u64>>,
    pub(super) pre_entry: Vec<Vec<f64>>,
    /// Per unit: completed stays' lengths, and those the log's end cut.
    pub(super) los: Vec<Vec<f64>>,
    pub(super) censored: Vec<Vec<f64>>,
    /// Per unit: routing out of it, pooled and by where the patient came from.
    pub(super) routes: Vec<BTreeMap<String, [u64; 6]>>,
    pub(super) routes_from: Vec<BTreeMap<String, BTreeMap<String, [u64; 6]>>>,
    /// Per unit: the rest of the stay by way out, and by origin and way out.
    pub(super) rest_to: Vec<BTreeMap<String, Vec<RestSample>>>,
    pub(super) rest_ft: Vec<BTreeMap<(String, String), Vec<RestSample>>>,
    /// Per ED unit: ward bed given to leaving the ED.
    pub(super) handover: Vec<Vec<f64>>,
    /// Per unit and way out: hours of day at which stays end, and same-day stays.
    pub(super) end_hours: Vec<BTreeMap<String, [u64; 24]>>,
    pub(super) same_day: Vec<BTreeMap<String, (u64, u64)>>,
    /// Per unit: peak census, milestones in order.
    pub(super) peak: Vec<u32>,
    pub(super) unit_ms: Vec<UnitMilestones>,
}

/// Counts and samples every visit of the log.
pub(super) fn observe(v: &Visits, unit_id: &[String], min_share: f64) -> Observed {
    let n_units = v.units.len();
    // Arrivals: counts by hour of week over the number of times each hour occurs.
    let mut occurs = [0.0f64; 168];
    let mut t = (v.from / 60.0).floor() * 60.0;
    while t < v.to {
        let len = (t + 60.0).min(v.to) - t.max(v.from);
        occurs[v.hour_of_week(t + 0.5)] += len / 60.0;
        t += 60.0;
    }
    let n_classes = v.classes.len();
    let mut counts = vec![[0u64; 168]; n_classes];
    let mut acuity = vec![[0u64; 6]; n_classes];
    let mut first_step: Vec<BTreeMap<String, u64>> = vec![BTreeMap::new(); n_classes];
    let mut pre_entry: Vec<Vec<f64>> = vec![vec![]; n_classes];
    // Per unit: stays, milestones inside them, routing.
    let mut los: Vec<Vec<f64>> = vec![vec![]; n_units];
    let mut censored: Vec<Vec<f64>> = vec![vec![]; n_units];
    let mut ms_gaps: Vec<BTreeMap<Event, MilestoneSample>> = vec![BTreeMap::new(); n_units];
    let mut rest: Vec<Vec<f64>> = vec![vec![]; n_units];
    let mut routes: Vec<BTreeMap<String, [u64; 6]>> = vec![BTreeMap::new(); n_units];
    // The same by where the patient came from ("start" or the previous unit):
    // routing out of a unit depends on it (back to the ward after theatre).
    let mut routes_from: Vec<BTreeMap<String, BTreeMap<String, [u64; 6]>>> =
        vec![BTreeMap::new(); n_units];
    // The rest of the stay by where the patient goes next, and by where it came
    // from and goes next: a ward stay before theatre is not one before home.
    // Each sample is (the rest of the stay, the same to noon of the day it
    // ended): with a discharge-hour profile the stay's length picks the day
    // only, so it is fitted on the second, which lands mid-day on that day.
    let mut rest_to: Vec<BTreeMap<String, Vec<RestSample>>> = vec![BTreeMap::new(); n_units];
    let mut rest_ft: Vec<BTreeMap<(String, String), Vec<RestSample>>> =
        vec![BTreeMap::new(); n_units];
    // ED: from the ward bed being given to leaving the ED (handover, porter).
    let mut handover: Vec<Vec<f64>> = vec![vec![]; n_units];
    // Hour of day at which stays end: wards discharge in the afternoon.
    let mut end_hours: Vec<BTreeMap<String, [u64; 24]>> = vec![BTreeMap::new(); n_units];
    // Stays ending the day they began, of all: a discharge-hour profile would
    // push those to the next day, so it is used only where they are rare.
    let mut same_day: Vec<BTreeMap<String, (u64, u64)>> = vec![BTreeMap::new(); n_units];
    let mut stays_n = vec![0u64; n_units];
    let mut peak = vec![0u32; n_units];
    let mut timeline: Vec<Vec<(f64, i32)>> = vec![vec![]; n_units];
    for visit in &v.visits {
        let c = visit.class as usize;
        let t0 = visit.arrival();
        if t0 >= v.from && t0 <= v.to {
            counts[c][v.hour_of_week(t0)] += 1;
            acuity[c][visit.acuity.min(5) as usize] += 1;
        }
        let stays = visit.stays(&v.unit_kinds, v.to);
        match stays.first() {
            Some(s) => {
                *first_step[c]
                    .entry(format!("enter_{}", unit_id[s.unit as usize]))
                    .or_default() += 1;
                if s.start > t0 {
                    pre_entry[c].push(s.start - t0);
                } else {
                    pre_entry[c].push(0.0);
                }
            }
            None => {
                if let Some((_, ev)) = visit.exit() {
                    *first_step[c]
                        .entry(format!("exit_{}", ev.name()))
                        .or_default() += 1;
                }
            }
        }
        for (k, s) in stays.iter().enumerate() {
            let u = s.unit as usize;
            let from = if k == 0 {
                "start".to_string()
            } else {
                unit_id[stays[k - 1].unit as usize].clone()
            };
            routes_from[u].entry(from.clone()).or_default();
            timeline[u].push((s.start, 1));
            timeline[u].push((s.end, -1));
            if s.next == StayEnd::Censored {
                censored[u].push(s.end - s.start);
                continue;
            }
            stays_n[u] += 1;
            los[u].push(s.end - s.start);
            let mut prev = s.start;
            let mut seen: Vec<Event> = vec![];
            for &(t, ev, unit) in &visit.events {
                if t < s.start || t > s.end || ev.enters_unit() || ev.is_final() {
                    continue;
                }
                // An event logged in another unit belongs to that unit's stay.
                if unit != hospsim_sim::history::NO_UNIT && unit != s.unit {
                    continue;
                }
                // Leaving the ED or theatre ends the stay itself; a repeated
                // milestone (a second lab order) counts once, at its first time.
                if matches!(ev, Event::EdDeparture | Event::TheatreEnd) || seen.contains(&ev) {
                    continue;
                }
                seen.push(ev);
                let e = ms_gaps[u].entry(ev).or_insert((0, vec![], vec![]));
                e.0 += 1;
                e.1.push(t - prev);
                let span = (s.end - s.start).max(1e-9);
                e.2.push((t - s.start) / span);
                prev = t;
            }
            if let (StayEnd::Unit(_), UnitKind::Ed) = (s.next, v.unit_kinds[u])
                && let Some(dep) = visit.first(Event::EdDeparture).filter(|&d| d >= s.end)
            {
                handover[u].push(dep - s.end);
            }
            let to = match s.next {
                StayEnd::Unit(w) => format!("move_{}_{}", unit_id[u], unit_id[w as usize]),
                StayEnd::Exit(ev) => format!("exit_{}", ev.name()),
                StayEnd::Censored => continue,
            };
            rest[u].push(s.end - prev);
            let noon = (s.end / 1440.0).floor() * 1440.0 + 720.0 - prev;
            let whole = s.end - s.start;
            rest_to[u]
                .entry(to.clone())
                .or_default()
                .push((s.end - prev, noon, whole));
            rest_ft[u]
                .entry((from.clone(), to.clone()))
                .or_default()
                .push((s.end - prev, noon, whole));
            end_hours[u].entry(to.clone()).or_insert([0; 24])[v.hour_of_week(s.end) % 24] += 1;
            let same = v.hour_of_week(s.start) / 24 == v.hour_of_week(s.end) / 24
                && s.end - s.start < 1440.0;
            let e = same_day[u].entry(to.clone()).or_insert((0, 0));
            e.0 += u64::from(same);
            e.1 += 1;
            routes[u].entry(to.clone()).or_insert([0; 6])[visit.acuity.min(5) as usize] += 1;
            routes_from[u]
                .entry(from)
                .or_default()
                .entry(to)
                .or_insert([0; 6])[visit.acuity.min(5) as usize] += 1;
        }
    }
    for (u, tl) in timeline.iter_mut().enumerate() {
        tl.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut cur = 0i32;
        for &(_, d) in tl.iter() {
            cur += d;
            peak[u] = peak[u].max(cur.max(0) as u32);
        }
    }

    // Milestone order within each unit: by median relative position.
    let mut unit_ms: Vec<UnitMilestones> = vec![];
    for u in 0..n_units {
        let mut order: Vec<(Event, f64, Vec<f64>, f64)> = ms_gaps[u]
            .iter()
            .filter(|(_, (n, _, _))| stays_n[u] > 0 && *n as f64 / stays_n[u] as f64 >= min_share)
            .map(|(ev, (n, gaps, pos))| {
                let mut p = pos.clone();
                p.sort_by(f64::total_cmp);
                let med = p[p.len() / 2];
                (
                    *ev,
                    (*n as f64 / stays_n[u] as f64).min(1.0),
                    gaps.clone(),
                    med,
                )
            })
            .collect();
        order.sort_by(|a, b| a.3.total_cmp(&b.3).then(a.0.cmp(&b.0)));
        unit_ms.push(UnitMilestones {
            order: order.into_iter().map(|(e, p, g, _)| (e, p, g)).collect(),
            rest: std::mem::take(&mut rest[u]),
        });
    }

    Observed {
        occurs,
        counts,
        acuity,
        first_step,
        pre_entry,
        los,
        censored,
        routes,
        routes_from,
        rest_to,
        rest_ft,
        handover,
        end_hours,
        same_day,
        peak,
        unit_ms,
    }
}

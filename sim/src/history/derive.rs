//! A runnable scenario learned from a log (`hospsim fit`).
//!
//! The model is a chain of unit stays. Each class arrives by its observed
//! hour-of-week rates and acuity mix and enters its first unit; in a unit the
//! patient passes the milestones seen there (each with its observed probability,
//! in their usual order, with fitted times between them), stays for the rest of
//! the fitted length of stay, then moves to the next unit or leaves, with routing
//! probabilities (by acuity where the log gives acuity). Each unit is a resource
//! with the peak census as capacity; a patient holds its bed until the next one
//! is free, as in the hospital.

use super::distfit::{Fitted, fit_all, round_sig};
use super::visits::{StayEnd, Visits};
use super::{Event, UnitKind};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One fitted duration: what it is, the sample and the families tried.
#[derive(Clone, Debug)]
pub struct DurationFit {
    /// e.g. `ed: arrival -> seen` or `medical_ward: rest of stay`.
    pub what: String,
    /// Observations.
    pub n: usize,
    /// Sample mean and standard deviation in minutes.
    pub sample_mean: f64,
    /// Sample standard deviation in minutes.
    pub sample_sd: f64,
    /// Families tried, best AIC first (empty when too few distinct values).
    pub fits: Vec<Fitted>,
    /// 100 sample quantiles (at 0.5%, 1.5%, ..., 99.5%), minutes.
    pub quantiles: Vec<f64>,
}

/// A best family whose KS statistic is above this (and above the 5% critical
/// value of the KS test) does not describe the sample well enough (a mixture,
/// a spike at zero): the scenario gets the sample's quantiles instead, so that
/// at least its mean and spread are right.
pub const KS_LIMIT: f64 = 0.05;

impl DurationFit {
    /// What the scenario uses: a family's name, `empirical` or `fixed`.
    pub fn used(&self) -> &'static str {
        match self.fits.first() {
            // Kept unless a KS test rejects it at 5% (critical value 1.36/sqrt n)
            // and it is off by more than KS_LIMIT.
            Some(f) if f.ks <= KS_LIMIT.max(1.36 / (f.n as f64).sqrt()) => f.family.name(),
            _ if self.quantiles.len() >= 2 => "empirical",
            _ => "fixed",
        }
    }
}

/// An arrival rate with its uncertainty.
#[derive(Clone, Debug)]
pub struct ArrivalFit {
    /// Class name.
    pub class: String,
    /// Arrivals in the log.
    pub n: u64,
    /// Mean per day.
    pub per_day: f64,
    /// Standard error of the daily mean (Poisson counts).
    pub per_day_se: f64,
    /// 168 hourly rates (Monday 00:00 first).
    pub rates_per_hour: Vec<f64>,
    /// Standard error of each hourly rate.
    pub rates_se: Vec<f64>,
    /// Acuity shares 1..=5 (empty when the log gives none).
    pub acuity: Vec<f64>,
}

/// A routing probability with its uncertainty.
#[derive(Clone, Debug)]
pub struct RouteFit {
    /// From unit.
    pub from: String,
    /// To a unit, or `exit:<event>`.
    pub to: String,
    /// Stays that went this way.
    pub n: u64,
    /// Stays leaving `from` (completed ones).
    pub of: u64,
    /// n / of.
    pub p: f64,
    /// Binomial standard error.
    pub se: f64,
}

/// What `fit` learned, beside the scenario text.
#[derive(Clone, Debug, Default)]
pub struct FitReport {
    /// Arrival rates by class.
    pub arrivals: Vec<ArrivalFit>,
    /// Routing between units.
    pub routes: Vec<RouteFit>,
    /// Fitted durations.
    pub durations: Vec<DurationFit>,
    /// Peak census by unit (the fitted capacity).
    pub capacity: Vec<(String, u32)>,
    /// Visits and events read.
    pub visits: usize,
    /// Events read.
    pub events: usize,
    /// Observed days.
    pub days: f64,
}

/// Options of [`derive`].
#[derive(Clone, Debug)]
pub struct DeriveOptions {
    /// Scenario name.
    pub name: String,
    /// Calendar time of the log's origin, `YYYY-MM-DDTHH:MM`.
    pub start: String,
    /// Replications of the fitted scenario.
    pub replications: u32,
    /// Milestones seen in fewer than this share of a unit's stays are left out.
    pub min_share: f64,
    /// Beds of a unit above its peak census in the log (a share, e.g. 0.05).
    pub headroom: f64,
}

/// Identifier-safe form of a name from a log.
pub fn ident(name: &str) -> String {
    let mut s: String = name
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'u');
    }
    s
}

fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    if x.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (m, v.sqrt())
}

fn fit_durations(what: String, sample: &[f64]) -> DurationFit {
    let (sample_mean, sample_sd) = mean_sd(sample);
    let mut sorted: Vec<f64> = sample.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let quantiles = if sorted.len() >= 2 {
        (0..100)
            .map(|k| {
                let pos = (k as f64 + 0.5) / 100.0 * (sorted.len() - 1) as f64;
                let (i, f) = (pos.floor() as usize, pos - pos.floor());
                let hi = sorted[(i + 1).min(sorted.len() - 1)];
                (sorted[i] * (1.0 - f) + hi * f).max(0.0)
            })
            .collect()
    } else {
        vec![]
    };
    DurationFit {
        what,
        n: sample.len(),
        sample_mean,
        sample_sd,
        fits: fit_all(sample),
        quantiles,
    }
}

/// The TOML form of a fitted duration (the best family, or the mean when no
/// family could be fitted).
fn dist_toml(d: &DurationFit) -> String {
    let dur = |m: f64| format!("\"{} min\"", round_sig(m.max(0.01)));
    match d.fits.first() {
        Some(_) | None if d.used() == "empirical" => {
            let v: Vec<String> = d.quantiles.iter().map(|q| dur(*q)).collect();
            format!("{{ empirical = {{ values = [{}] }} }}", v.join(", "))
        }
        Some(f) => {
            // The shape is the MLE's; the scale is set so that the mean is the
            // sample's: a lognormal or Weibull fitted to a sample it does not
            // quite match can miss the mean by a few percent, and the mean is
            // what sets occupancy (Little's law).
            let k = if f.mean() > 0.0 && d.sample_mean.is_finite() {
                d.sample_mean / f.mean()
            } else {
                1.0
            };
            let (a, b) = f.params;
            match f.family {
                super::distfit::Family::Exponential => {
                    format!("{{ exponential = {{ mean = {} }} }}", dur(a))
                }
                super::distfit::Family::Gamma => format!(
                    "{{ gamma = {{ mean = {}, sd = {} }} }}",
                    dur(f.mean()),
                    dur(f.sd())
                ),
                super::distfit::Family::Lognormal => format!(
                    "{{ lognormal = {{ mean = {}, sd = {} }} }}",
                    dur(k * f.mean()),
                    dur(k * f.sd())
                ),
                super::distfit::Family::Weibull => format!(
                    "{{ weibull = {{ shape = {}, scale = {} }} }}",
                    round_sig(a),
                    dur(k * b)
                ),
            }
        }
        None => format!("{{ fixed = {} }}", dur(d.sample_mean.max(0.01))),
    }
}

/// The rest of a stay: (minutes, minutes to noon of the day it ended).
type RestSample = (f64, f64);

/// Stays in which a milestone was seen, the gaps before it and its relative
/// positions in the stay.
type MilestoneSample = (u64, Vec<f64>, Vec<f64>);

/// Milestones of one unit, in their usual order.
struct UnitMilestones {
    order: Vec<(Event, f64, Vec<f64>)>,
    rest: Vec<f64>,
}

fn route_name(ev: Event) -> &'static str {
    match ev {
        Event::Discharge => "discharged",
        Event::Death => "died",
        Event::LeftUnseen => "left_unseen",
        Event::TransferOut => "transferred",
        Event::Cancelled => "discharged",
        _ => "admitted",
    }
}

/// Learns a scenario from a log: returns its TOML text and the fit report.
pub fn derive(v: &Visits, opt: &DeriveOptions) -> (String, FitReport) {
    let n_units = v.units.len();
    let unit_id: Vec<String> = v.units.iter().map(|u| ident(u)).collect();
    let class_id: Vec<String> = v.classes.iter().map(|c| ident(c)).collect();
    let days = v.days().max(1.0 / 24.0);
    let mut report = FitReport {
        visits: v.visits.len(),
        events: v.n_events(),
        days,
        ..Default::default()
    };

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
        if t0 >= v.from && t0 < v.to {
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
                if unit != super::NO_UNIT && unit != s.unit {
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
            rest_to[u]
                .entry(to.clone())
                .or_default()
                .push((s.end - prev, noon));
            rest_ft[u]
                .entry((from.clone(), to.clone()))
                .or_default()
                .push((s.end - prev, noon));
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
            .filter(|(_, (n, _, _))| {
                stays_n[u] > 0 && *n as f64 / stays_n[u] as f64 >= opt.min_share
            })
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

    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(
        w,
        "# Learned by `hospsim fit` from a log of {} visits ({} events) over {:.1} days.",
        report.visits, report.events, days
    );
    let _ = writeln!(
        w,
        "# Each unit is a resource with its peak census as capacity; see the fit report for"
    );
    let _ = writeln!(
        w,
        "# every fitted distribution (AIC of each family, KS statistic) and rate uncertainty.\n"
    );
    let _ = writeln!(w, "name = \"{}\"", opt.name.replace('"', "'"));
    let longest = los
        .iter()
        .map(|l| mean_sd(l).0)
        .filter(|m| m.is_finite())
        .fold(0.0f64, f64::max);
    let warm_days = ((3.0 * longest / 1440.0).ceil()).clamp(7.0, 60.0);
    let _ = writeln!(w, "\n[sim]\nstart = \"{}\"", opt.start);
    let _ = writeln!(w, "warmup = \"{warm_days} d\"");
    let _ = writeln!(w, "horizon = \"{} d\"", warm_days + days.ceil());
    let _ = writeln!(w, "replications = {}", opt.replications);

    let _ = writeln!(w);
    for u in 0..n_units {
        // The log shows how full a unit got, not how many beds it has: the peak
        // census plus the headroom asked for. An ED turns no one away: its
        // waits are in the fitted times, so its places are not a limit.
        let cap = peak[u].max(1);
        report.capacity.push((v.units[u].clone(), cap));
        if v.unit_kinds[u] == UnitKind::Ed {
            let _ = writeln!(
                w,
                "[resources.{}]\ncapacity = 100000    # no limit: the ED's waits are in the fitted times (peak census {cap})\n",
                unit_id[u]
            );
        } else {
            let beds = (cap as f64 * (1.0 + opt.headroom)).ceil() as u32;
            let _ = writeln!(
                w,
                "[resources.{}]\ncapacity = {beds}    # peak census in the log {cap}, plus {:.0}%: set the real number of beds\n",
                unit_id[u],
                100.0 * opt.headroom
            );
        }
    }

    for c in 0..n_classes {
        let n: u64 = counts[c].iter().sum();
        let rates: Vec<f64> = (0..168)
            .map(|h| {
                if occurs[h] > 0.0 {
                    counts[c][h] as f64 / occurs[h]
                } else {
                    0.0
                }
            })
            .collect();
        let rates_se: Vec<f64> = (0..168)
            .map(|h| {
                if occurs[h] > 0.0 {
                    (counts[c][h] as f64).sqrt() / occurs[h]
                } else {
                    0.0
                }
            })
            .collect();
        let known: u64 = acuity[c][1..].iter().sum();
        let acu: Vec<f64> = if known > 0 {
            (1..=5)
                .map(|a| acuity[c][a] as f64 / known as f64)
                .collect()
        } else {
            vec![]
        };
        report.arrivals.push(ArrivalFit {
            class: v.classes[c].clone(),
            n,
            per_day: n as f64 / days,
            per_day_se: (n as f64).sqrt() / days,
            rates_per_hour: rates.clone(),
            rates_se,
            acuity: acu.clone(),
        });
        if n == 0 {
            continue;
        }
        let _ = writeln!(
            w,
            "[arrivals.{}]   # {:.2} per day (SE {:.2})",
            class_id[c],
            n as f64 / days,
            (n as f64).sqrt() / days
        );
        let _ = writeln!(w, "pathway = \"class_{}\"", class_id[c]);
        let r: Vec<String> = rates.iter().map(|x| format!("{}", round_sig(*x))).collect();
        let _ = writeln!(w, "rates_per_hour = [{}]", r.join(", "));
        if !acu.is_empty() {
            // Floored to 4 decimals, the last share takes the rest: they add to 1.
            let present: Vec<(usize, f64)> = acu
                .iter()
                .copied()
                .enumerate()
                .filter(|(_, p)| *p > 0.0)
                .collect();
            let mut rest = 1.0;
            let parts: Vec<String> = present
                .iter()
                .enumerate()
                .map(|(i, (a, p))| {
                    let v = if i + 1 == present.len() {
                        (rest * 1e6_f64).round() / 1e6
                    } else {
                        floor4(*p)
                    };
                    rest -= v;
                    format!("{} = {}", a + 1, v)
                })
                .collect();
            let _ = writeln!(w, "acuity = {{ {} }}", parts.join(", "));
        }
        let _ = writeln!(w);
    }

    // History section: the same units, so that the fitted model writes the same log.
    let _ = writeln!(w, "[history]");
    let arrival_units: Vec<String> = (0..n_classes)
        .filter_map(|c| {
            v.visits
                .iter()
                .find(|x| x.class as usize == c)
                .and_then(|x| x.events.first())
                .filter(|e| e.1 == Event::Arrival && (e.2 as usize) < n_units)
                .map(|e| format!("{} = \"{}\"", class_id[c], unit_id[e.2 as usize]))
        })
        .collect();
    let _ = writeln!(w, "arrival_unit = {{ {} }}\n", arrival_units.join(", "));
    for u in 0..n_units {
        // A census patient resumes as the most common kind of stay in the unit.
        let from = routes_from[u]
            .iter()
            .max_by_key(|(_, r)| r.values().map(|x| x.iter().sum::<u64>()).sum::<u64>())
            .map_or("start".to_string(), |(f, _)| f.clone());
        let _ = writeln!(
            w,
            "[history.units.{}]\nkind = \"{}\"\nresources = [\"{}\"]\nresume = \"in_{}_from_{from}\"\n",
            unit_id[u],
            v.unit_kinds[u].name(),
            unit_id[u],
            unit_id[u]
        );
    }

    // Class pathways: an optional wait before the first unit, then the first unit.
    let mut exits_used: Vec<Event> = vec![];
    for c in 0..n_classes {
        if counts[c].iter().sum::<u64>() == 0 {
            continue;
        }
        let _ = writeln!(w, "[pathways.class_{}]\nsteps = [", class_id[c]);
        let (pm, _) = mean_sd(&pre_entry[c]);
        if pm > 1.0 {
            let d = fit_durations(
                format!("{}: arrival -> first unit", v.classes[c]),
                &pre_entry[c],
            );
            let _ = writeln!(
                w,
                "  {{ activity = \"before_first_unit\", duration = {} }},",
                dist_toml(&d)
            );
            report.durations.push(d);
        }
        let total: u64 = first_step[c].values().sum();
        let opts: Vec<(&String, u64)> = first_step[c].iter().map(|(k, n)| (k, *n)).collect();
        for (k, _) in &opts {
            if let Some(e) = k.strip_prefix("exit_").and_then(Event::parse) {
                exits_used.push(e);
            }
        }
        write_branch(w, &opts, total);
        let _ = writeln!(w, "]\n");
    }

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
        let profile = |to: &str, sample: &[(f64, f64)]| {
            let mean = sample.iter().map(|x| x.0).sum::<f64>() / sample.len().max(1) as f64;
            let hours = end_hours[u].get(to).copied().unwrap_or([0; 24]);
            (to.starts_with("exit_")
                && mean >= 1440.0
                && profile_ok(&same_day[u], to)
                && hour_pattern(&hours))
            .then_some(hours)
        };
        let fit_rest = |what: String, to: &str, sample: &[(f64, f64)], tag: String| {
            let hours = profile(to, sample);
            let values: Vec<f64> = sample
                .iter()
                .map(|x| if hours.is_some() { x.1 } else { x.0 })
                .collect();
            let what = if hours.is_some() {
                format!("{what} (to noon of the day it ended; hour from the profile)")
            } else {
                what
            };
            let df = fit_durations(what, &values);
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
    exits_used.sort();
    exits_used.dedup();
    for e in exits_used {
        let _ = writeln!(
            w,
            "[pathways.exit_{}]\nsteps = [{{ exit = \"{}\" }}]\n",
            e.name(),
            route_name(e)
        );
    }

    // Indicators a planner reads first, when the log has what they need.
    let has = |ev: Event| v.visits.iter().any(|x| x.first(ev).is_some());
    if has(Event::Seen) {
        let _ = writeln!(
            w,
            "[kpis.door_to_doctor]\nfrom = \"arrival\"\nto = \"seen\"\nwithin = \"1 h\"\ntarget_share = 0.9\n"
        );
    }
    if v.unit_kinds.contains(&UnitKind::Ed) {
        let _ = writeln!(
            w,
            "[kpis.time_in_ed]\nlabel = \"Time in ED\"\nfrom = \"arrival\"\nto = \"ed_departure\"\nwithin = \"4 h\"\ntarget_share = 0.95\nunit = \"h\"\n"
        );
    }
    (s, report)
}

/// Whether stays end at some hours of the day more than others: a chi-square
/// test against the uniform at the 0.1% level (23 degrees of freedom: 49.73),
/// on at least 30 stays. Without a pattern the fitted length is used as it is.
fn hour_pattern(hours: &[u64; 24]) -> bool {
    let n: u64 = hours.iter().sum();
    if n < 30 {
        return false;
    }
    let e = n as f64 / 24.0;
    let chi2: f64 = hours.iter().map(|&o| (o as f64 - e).powi(2) / e).sum();
    chi2 > 49.73
}

/// Whether fewer than 5% of the stays ending by `to` ended the day they began.
fn profile_ok(same_day: &BTreeMap<String, (u64, u64)>, to: &str) -> bool {
    same_day
        .get(to)
        .is_some_and(|&(same, all)| (same as f64) < 0.05 * all as f64)
}

fn floor4(p: f64) -> f64 {
    (p * 10_000.0).floor() / 10_000.0
}

fn write_branch(w: &mut String, opts: &[(&String, u64)], total: u64) {
    if opts.len() == 1 {
        let _ = writeln!(w, "  {{ goto = \"{}\" }},", opts[0].0);
        return;
    }
    let parts: Vec<String> = opts
        .iter()
        .enumerate()
        .map(|(i, (to, n))| {
            if i + 1 == opts.len() {
                format!("{{ to = \"{to}\" }}")
            } else {
                format!(
                    "{{ to = \"{to}\", p = {} }}",
                    floor4(*n as f64 / total as f64)
                )
            }
        })
        .collect();
    let _ = writeln!(w, "  {{ branch = [{}] }},", parts.join(", "));
}

fn write_routes(w: &mut String, routes: &BTreeMap<String, [u64; 6]>, by_acuity: bool) {
    let opts: Vec<(&String, &[u64; 6])> = routes.iter().collect();
    if opts.len() == 1 {
        let _ = writeln!(w, "  {{ goto = \"{}\" }},", opts[0].0);
        return;
    }
    let pooled_total: u64 = opts.iter().map(|(_, r)| r.iter().sum::<u64>()).sum();
    let totals: Vec<u64> = (0..6)
        .map(|a| opts.iter().map(|(_, r)| r[a]).sum())
        .collect();
    let parts: Vec<String> = opts
        .iter()
        .enumerate()
        .map(|(i, (to, r))| {
            if i + 1 == opts.len() {
                return format!("{{ to = \"{to}\" }}");
            }
            let pooled = r.iter().sum::<u64>() as f64 / pooled_total as f64;
            if by_acuity {
                // Acuities seen fewer than 20 times take the pooled probability.
                let ps: Vec<String> = (1..=5)
                    .map(|a| {
                        let p = if totals[a] >= 20 {
                            r[a] as f64 / totals[a] as f64
                        } else {
                            pooled
                        };
                        format!("{}", floor4(p))
                    })
                    .collect();
                format!("{{ to = \"{to}\", p_by_acuity = [{}] }}", ps.join(", "))
            } else {
                format!("{{ to = \"{to}\", p = {} }}", floor4(pooled))
            }
        })
        .collect();
    let _ = writeln!(w, "  {{ branch = [{}] }},", parts.join(",\n    "));
}

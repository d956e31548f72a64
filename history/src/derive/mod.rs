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

mod observe;
mod units;

use crate::distfit::{Fitted, fit_all, round_sig};
use crate::visits::Visits;
use hospsim_sim::history::{Event, UnitKind};
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
    /// Per unit: how much the log's end cut its stays.
    pub censoring: Vec<CensoringCheck>,
    /// Visits and events read.
    pub visits: usize,
    /// Events read.
    pub events: usize,
    /// Observed days.
    pub days: f64,
}

/// Lengths of stay of a unit: completed stays only (what is fitted) against
/// Kaplan-Meier with the stays still running at the log's end.
#[derive(Clone, Debug)]
pub struct CensoringCheck {
    /// Unit.
    pub unit: String,
    /// Completed stays.
    pub completed: usize,
    /// Stays still running when the log ended.
    pub censored: usize,
    /// Mean of the completed stays, minutes.
    pub mean_completed: f64,
    /// Kaplan-Meier mean (restricted to the longest stay seen), minutes.
    pub mean_km: f64,
}

impl CensoringCheck {
    /// True when the completed stays understate the stay by more than 5%: the
    /// log is short against the stays and fitted lengths are too short.
    pub fn biased(&self) -> bool {
        self.mean_km > 1.05 * self.mean_completed
    }
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

/// A TOML basic string: quoted, with backslashes, quotes and control
/// characters escaped, so that any name (a user's `--name`) reads back as written.
pub fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
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

/// [`fit_durations`] with a weight per observation (censoring weights): the
/// mean, spread, quantiles and fits are the weighted ones.
fn fit_durations_weighted(what: String, sample: &[(f64, f64)]) -> DurationFit {
    if sample.iter().all(|x| x.1 == 1.0) {
        let values: Vec<f64> = sample.iter().map(|x| x.0).collect();
        return fit_durations(what, &values);
    }
    let mut sorted: Vec<(f64, f64)> = sample
        .iter()
        .copied()
        .filter(|x| x.0.is_finite() && x.1 > 0.0)
        .collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = sorted.iter().map(|x| x.1).sum();
    let mean = sorted.iter().map(|x| x.0 * x.1).sum::<f64>() / total;
    let var = sorted
        .iter()
        .map(|x| x.1 * (x.0 - mean).powi(2))
        .sum::<f64>()
        / total;
    // Quantiles of the weighted distribution at 0.5%, 1.5%, ..., 99.5%.
    let mut quantiles = vec![];
    if sorted.len() >= 2 {
        let (mut cum, mut j) = (0.0, 0);
        for k in 0..100 {
            let target = (k as f64 + 0.5) / 100.0 * total;
            while j + 1 < sorted.len() && cum + sorted[j].1 < target {
                cum += sorted[j].1;
                j += 1;
            }
            quantiles.push(sorted[j].0.max(0.0));
        }
    }
    DurationFit {
        what: format!("{what} [weighted for censoring]"),
        n: sorted.len(),
        sample_mean: mean,
        sample_sd: var.sqrt(),
        fits: super::distfit::fit_weighted(&sorted),
        quantiles,
    }
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
    // A log that names no unit (arrivals and departures only) is a stay in
    // one place: "hospital", entered at arrival.
    let whole;
    let v = if v.units.is_empty() {
        let mut w = v.clone();
        w.units = vec!["hospital".into()];
        w.unit_kinds = vec![UnitKind::Other];
        for visit in &mut w.visits {
            if let Some(first) = visit.events.first_mut()
                && first.1 == Event::Arrival
            {
                first.2 = 0;
            }
        }
        whole = w;
        &whole
    } else {
        v
    };
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

    let o = observe::observe(v, &unit_id, opt.min_share);
    let observe::Observed {
        occurs,
        counts,
        acuity,
        first_step,
        pre_entry,
        los,
        censored,
        routes_from,
        peak,
        ..
    } = &o;
    let n_classes = v.classes.len();
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
    let _ = writeln!(w, "name = {}", toml_string(&opt.name));
    for (u, name) in v.units.iter().enumerate() {
        report.censoring.push(CensoringCheck {
            unit: name.clone(),
            completed: los[u].len(),
            censored: censored[u].len(),
            mean_completed: mean_sd(&los[u]).0,
            mean_km: super::distfit::km_restricted_mean(&los[u], &censored[u]),
        });
    }
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

    units::write_units(w, v, &unit_id, &o, &mut report, &mut exits_used);
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
    // Only milestones the fitted pathways mark (--min-share may leave one out).
    let marked = |m: &str| w.contains(&format!("{{ mark = \"{m}\" }}"));
    let (seen, ed_departure) = (marked("seen"), marked("ed_departure"));
    if seen {
        let _ = writeln!(
            w,
            "[kpis.door_to_doctor]\nfrom = \"arrival\"\nto = \"seen\"\nwithin = \"1 h\"\ntarget_share = 0.9\n"
        );
    }
    if v.unit_kinds.contains(&UnitKind::Ed) && ed_departure {
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

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

mod document;
mod fitting;
mod names;
mod observe;
mod scenario;
#[cfg(test)]
mod tests;
mod units;

pub use names::ident;

use crate::distfit::{Fitted, km_restricted_mean};
use crate::visits::Visits;
use document::Pathways;
use fitting::mean_sd;
use hospsim_sim::history::{Event, UnitKind};
use names::Ids;
use observe::Observed;
use toml_edit::{DocumentMut, Item, value};

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
    /// The time zone the log was read in, kept as `sim.time_zone` so that
    /// `validate` and `run --replay` read it the same way.
    pub time_zone: Option<String>,
    /// Replications of the fitted scenario.
    pub replications: u32,
    /// Milestones seen in fewer than this share of a unit's stays are left out.
    pub min_share: f64,
    /// Beds of a unit above its peak census in the log (a share, e.g. 0.05).
    pub headroom: f64,
}

/// The exit route a log's final event stands for.
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
    let whole;
    let v = if v.units.is_empty() {
        whole = one_unit_hospital(v);
        &whole
    } else {
        v
    };
    let readable = build(v, opt, &Ids::readable(v));
    let built = if readable.clashes == 0 {
        readable
    } else {
        build(v, opt, &Ids::numbered(v))
    };
    let mut doc = built.doc;
    prune_unused_pathways(&mut doc);
    (doc.to_string(), built.report)
}

/// Takes out the pathways no patient can reach (a move out of theatres that
/// every return handles on its own way, say), which the compiler would warn
/// about: a fitted scenario checks without warnings. A pathway reachable
/// only through an unreachable one is unreachable too, so one pass does.
fn prune_unused_pathways(doc: &mut DocumentMut) {
    let Ok(scenario) = toml::from_str::<hospsim_sim::Scenario>(&doc.to_string()) else {
        return;
    };
    let Ok(model) = hospsim_sim::compile(&scenario) else {
        return;
    };
    let Some(pathways) = doc.get_mut("pathways").and_then(|p| p.as_table_like_mut()) else {
        return;
    };
    for w in &model.warnings {
        if let Some((name, _)) = w
            .strip_prefix("pathways.")
            .and_then(|rest| rest.split_once(": "))
            .filter(|(_, what)| what.ends_with("it is never used"))
        {
            pathways.remove(name);
        }
    }
}

/// A log that names no unit (arrivals and departures only) as a stay in one
/// place, "hospital", entered at arrival.
fn one_unit_hospital(v: &Visits) -> Visits {
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
    w
}

/// A scenario document with its report, and how many pathways it lost to a
/// name taken by another.
struct Built {
    doc: DocumentMut,
    report: FitReport,
    clashes: usize,
}

fn build(v: &Visits, opt: &DeriveOptions, ids: &Ids) -> Built {
    let days = v.days().max(1.0 / 24.0);
    let o = observe::observe(v, &ids.units, opt.min_share);
    let mut report = FitReport {
        visits: v.visits.len(),
        events: v.n_events(),
        days,
        censoring: censoring_checks(v, &o),
        ..Default::default()
    };
    let mut doc = DocumentMut::new();
    doc.decor_mut().set_prefix(scenario::header(&report));
    doc.insert("name", value(opt.name.as_str()));
    doc.insert("sim", Item::Table(scenario::sim(opt, &o, days)));
    let resources = scenario::resources(v, ids, &o, opt.headroom, &mut report.capacity);
    doc.insert("resources", Item::Table(resources));
    let arrivals = scenario::arrivals(v, ids, &o, days, &mut report.arrivals);
    doc.insert("arrivals", Item::Table(arrivals));
    doc.insert("history", Item::Table(scenario::history(v, ids, &o)));
    let mut pathways = Pathways::new();
    let mut exits = scenario::class_pathways(&mut pathways, v, ids, &o, &mut report.durations);
    units::unit_pathways(&mut pathways, v, &ids.units, &o, &mut report, &mut exits);
    scenario::exit_pathways(&mut pathways, exits);
    let kpis = scenario::kpis(v, &pathways);
    let clashes = pathways.clashes();
    doc.insert("pathways", Item::Table(pathways.into_table()));
    if let Some(k) = kpis {
        doc.insert("kpis", Item::Table(k));
    }
    // A blank line at the end too, as between tables.
    doc.set_trailing("\n");
    Built {
        doc,
        report,
        clashes,
    }
}

/// Per unit: completed stays against Kaplan-Meier with the stays the log's
/// end cut.
fn censoring_checks(v: &Visits, o: &Observed) -> Vec<CensoringCheck> {
    v.units
        .iter()
        .enumerate()
        .map(|(u, name)| CensoringCheck {
            unit: name.clone(),
            completed: o.los[u].len(),
            censored: o.censored[u].len(),
            mean_completed: mean_sd(&o.los[u]).0,
            mean_km: km_restricted_mean(&o.los[u], &o.censored[u]),
        })
        .collect()
}

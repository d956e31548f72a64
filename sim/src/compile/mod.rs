//! Scenario -> model: resolves names to indices, checks every cross-reference and
//! number, and emits the flat pathway program. Every mistake found is reported with
//! its field path, not just the first.

use crate::dist::DistSpec;
use crate::error::{FieldPath, ScenarioError, ScenarioErrors};
use crate::limits::*;
use crate::model::*;
use crate::path;
use crate::scenario::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod arrivals;
mod attributes;
mod branches;
mod drill;
mod flow;
mod items;
mod units;

/// Daily admissions of the CHIME-style SIR model used by epidemic drills.
pub use drill::sir_admissions;
mod kpis;
mod pathways;
mod resources;

type Errs = Vec<ScenarioError>;

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Compiles a scenario into a runnable model, or lists every problem found.
pub fn compile(s: &Scenario) -> Result<Model, ScenarioErrors> {
    let mut c = Compiler::new(s);
    let model = c.run();
    if c.errs.is_empty() {
        model.ok_or_else(|| ScenarioErrors(vec![]))
    } else {
        Err(ScenarioErrors(c.errs))
    }
}

/// Parses a scenario timestamp (the forms of [`crate::timestamp::parse`]) into
/// the hospital's wall-clock time; one with an offset needs `zone`.
pub fn parse_timestamp(
    text: &str,
    zone: Option<&jiff::tz::TimeZone>,
) -> Result<jiff::civil::DateTime, crate::timestamp::TimestampError> {
    crate::timestamp::parse(text, zone).map(|s| s.wall)
}

fn closest<'a>(name: &str, options: impl Iterator<Item = &'a String>) -> String {
    let opts: Vec<&String> = options.collect();
    let near = opts.iter().find(|o| {
        let (a, b) = (o.to_ascii_lowercase(), name.to_ascii_lowercase());
        a.contains(&b) || b.contains(&a) || edit_distance(&a, &b) <= 2
    });
    match near {
        Some(n) => format!("did you mean \"{n}\"?"),
        None => {
            let list: Vec<&str> = opts.iter().take(12).map(|s| s.as_str()).collect();
            format!("known: {}", list.join(", "))
        }
    }
}

/// Levenshtein distance, for "did you mean" hints.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Context {
    Main,
    Branch,
    /// Reached by nothing: compiled (so it is checked) but never run.
    Unused,
}

/// Where a jump must land once every pathway's start is known.
enum Fixup {
    Jump(usize, String, FieldPath),
    Branch(usize, usize, String, FieldPath),
    Route(usize, usize, String, FieldPath),
    Fork(usize, usize, String, FieldPath),
    Count(usize, String, FieldPath),
    Renege(usize, String, FieldPath),
}

struct Compiler<'s> {
    s: &'s Scenario,
    errs: Errs,
    resource_ix: HashMap<&'s str, u16>,
    class_ix: HashMap<&'s str, usize>,
    milestones: Vec<String>,
    program: Vec<Op>,
    sets: Vec<Vec<u16>>,
    dists: Vec<crate::dist::Dist>,
    by_acuity: Vec<[u32; 6]>,
    by_class: Vec<Vec<u32>>,
    by_attribute: Vec<Vec<u32>>,
    attributes: Vec<AttributeDef>,
    attribute_info: Vec<attributes::AttributeInfo>,
    branches: Vec<BranchTable>,
    routes: Vec<RouteTable>,
    forks: Vec<Vec<u32>>,
    alternatives: Vec<Alternatives>,
    counters: Vec<String>,
    batches: Vec<BatchDef>,
    item_ix: HashMap<&'s str, u16>,
    fixups: Vec<Fixup>,
    warnings: Vec<String>,
    n_classes: usize,
    activities: Vec<String>,
    hour_profiles: Vec<[f64; 24]>,
    /// Mean of each compiled distribution, in minutes (for the loop check).
    dist_means: Vec<f64>,
    /// Pathway (index into the scenario's) and step of each op.
    step_of_pc: Vec<(u16, u16)>,
    /// `sim.time_zone`, once looked up.
    zone: Option<jiff::tz::TimeZone>,
}

impl<'s> Compiler<'s> {
    fn new(s: &'s Scenario) -> Self {
        Compiler {
            s,
            errs: vec![],
            resource_ix: HashMap::new(),
            class_ix: HashMap::new(),
            milestones: vec!["arrival".into(), "departure".into()],
            program: vec![],
            sets: vec![],
            dists: vec![],
            by_acuity: vec![],
            by_class: vec![],
            by_attribute: vec![],
            attributes: vec![],
            attribute_info: vec![],
            branches: vec![],
            routes: vec![],
            forks: vec![],
            alternatives: vec![],
            counters: vec![],
            batches: vec![],
            item_ix: HashMap::new(),
            fixups: vec![],
            warnings: vec![],
            n_classes: s.arrivals.len(),
            activities: vec![],
            hour_profiles: vec![],
            dist_means: vec![],
            step_of_pc: vec![],
            zone: None,
        }
    }

    /// A scenario timestamp in the wall-clock time of `sim.time_zone`, or
    /// the problem recorded at `path`.
    fn timestamp(&mut self, path: FieldPath, text: &str) -> Option<jiff::civil::DateTime> {
        match parse_timestamp(text, self.zone.as_ref()) {
            Ok(t) => Some(t),
            Err(e) => {
                let hint = e.hint();
                self.err_hint(path, e.to_string(), hint);
                None
            }
        }
    }

    fn err(&mut self, path: FieldPath, msg: impl Into<String>) {
        self.errs.push(ScenarioError::new(path, msg));
    }

    fn err_hint(&mut self, path: FieldPath, msg: impl Into<String>, hint: impl Into<String>) {
        self.errs.push(ScenarioError::new(path, msg).hint(hint));
    }

    /// A resource's or KPI's department: a short name of lower-case letters,
    /// digits and `_`, `other` when none is given.
    fn department(&mut self, at: &FieldPath, given: Option<&str>) -> String {
        let Some(d) = given else {
            return "other".into();
        };
        let ok = (1..=40).contains(&d.len())
            && d.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            self.err_hint(
                at.key("department"),
                format!(
                    "a department is 1 to 40 lower-case letters, digits or _, got {:?}",
                    d.chars().take(60).collect::<String>()
                ),
                "one of ed, laboratory, imaging, theatres, icu, wards, supplies, or a short name of your own such as maternity",
            );
        }
        d.into()
    }

    fn run(&mut self) -> Option<Model> {
        let s = self.s;
        if let Some(name) = &s.sim.time_zone {
            match crate::timestamp::time_zone(name) {
                Ok(tz) => self.zone = Some(tz),
                Err(e) => {
                    self.err_hint(path!["sim", "time_zone"], e.to_string(), e.hint.clone());
                    // UTC stands in, so that every offset timestamp is not
                    // also reported as lacking a zone.
                    self.zone = Some(jiff::tz::TimeZone::UTC);
                }
            }
        }
        let start = self
            .timestamp(path!["sim", "start"], &s.sim.start)
            .unwrap_or(jiff::civil::date(2025, 1, 6).at(0, 0, 0, 0));
        let horizon = s.sim.horizon.minutes();
        let warmup = s.sim.warmup.minutes();
        if horizon <= 0.0 {
            self.err(
                path!["sim", "horizon"],
                "the horizon must be longer than zero",
            );
        }
        if warmup >= horizon {
            self.err_hint(
                path!["sim", "warmup"],
                format!(
                    "the warm-up ({}) must be shorter than the horizon ({})",
                    s.sim.warmup, s.sim.horizon
                ),
                "lengthen sim.horizon or shorten sim.warmup",
            );
        }
        if s.sim.replications == 0 {
            self.err(
                path!["sim", "replications"],
                "at least one replication is needed",
            );
        } else if s.sim.replications > MAX_REPLICATIONS {
            self.err_hint(
                path!["sim", "replications"],
                format!(
                    "at most {MAX_REPLICATIONS} replications, got {}",
                    s.sim.replications
                ),
                "a few dozen replications give intervals a planner can act on; use a cluster run for more",
            );
        }
        let cells = (horizon / s.sim.sample_interval.minutes()).floor() + 1.0;
        let cells = cells * s.resources.len().max(1) as f64;
        if s.sim.sample_interval.minutes() <= 0.0 {
            self.err(
                path!["sim", "sample_interval"],
                "the sample interval must be longer than zero",
            );
        } else if cells > MAX_SAMPLE_CELLS {
            self.err_hint(
                path!["sim", "sample_interval"],
                format!(
                    "{} samples of {} resources ({cells:.0} values) per replication is more than the {MAX_SAMPLE_CELLS:.0} allowed",
                    (horizon / s.sim.sample_interval.minutes()).floor() + 1.0,
                    s.resources.len()
                ),
                "lengthen sim.sample_interval (e.g. \"1 d\" for multi-year horizons)",
            );
        }
        let weekday = start.date().weekday().to_monday_zero_offset() as f64;
        let start_minute_of_week =
            weekday * 1440.0 + start.hour() as f64 * 60.0 + start.minute() as f64;

        let resources = self.resources();
        let items = self.items();
        for (i, name) in s.arrivals.keys().enumerate() {
            self.class_ix.insert(name.as_str(), i);
        }
        self.register_drill_classes();
        self.collect_attributes();
        for p in s.pathways.values() {
            for step in &p.steps {
                for m in step.mark.iter().chain(step.mark_alternative.iter()) {
                    if !self.milestones.contains(m) {
                        self.milestones.push(m.clone());
                    }
                }
            }
        }
        let contexts = self.contexts();
        let mut starts: HashMap<&str, u32> = HashMap::new();
        for (index, (name, p)) in s.pathways.iter().enumerate() {
            starts.insert(name.as_str(), self.program.len() as u32);
            // A pathway no patient reaches is compiled as a branch (so that an
            // unfinished library pathway is no error) and reported as a warning.
            let ctx = match contexts.get(name.as_str()) {
                Some(c) => *c,
                None => {
                    self.warnings.push(format!("pathways.{name}: no arrival class, goto, branch, route or fork leads here; it is never used"));
                    Context::Unused
                }
            };
            self.pathway(index, name, p, ctx);
        }
        self.resolve_fixups(&starts);
        let mut classes = self.classes(&starts, start_minute_of_week, horizon);
        let drill = self.drill(&starts, start, horizon, &mut classes);
        let kpis = self.kpis();
        let mut history = crate::history::HistoryDef::compile(s, &self.milestones, &mut self.errs);
        // Drill classes (casualties, outbreak admissions) are patients: logged.
        history.logged_class.resize(classes.len(), true);
        history
            .arrival_unit
            .resize(classes.len(), crate::history::NO_UNIT);
        if s.pathways.is_empty() {
            self.err(path!["pathways"], "a scenario needs at least one pathway");
        }
        if s.arrivals.is_empty() {
            self.err(
                path!["arrivals"],
                "a scenario needs at least one arrival class",
            );
        }
        if !self.errs.is_empty() {
            return None;
        }
        self.check_termination(&classes, &starts);
        if self.errs.is_empty() {
            self.check_instant_loops(&classes);
        }
        if !self.errs.is_empty() {
            return None;
        }
        let n_ms = self.milestones.len();
        let mut kpis_ending_at = vec![vec![]; n_ms];
        let mut kpis_counting = vec![vec![]; n_ms];
        for (k, def) in kpis.iter().enumerate() {
            match def.kind {
                KpiKind::Duration { to, .. } => kpis_ending_at[to as usize].push(k as u16),
                KpiKind::PerDayReaching { ms } | KpiKind::PerRunReaching { ms } => {
                    kpis_counting[ms as usize].push(k as u16)
                }
                _ => {}
            }
        }
        let pathways = s
            .pathways
            .keys()
            .map(|n| (n.clone(), starts[n.as_str()]))
            .collect();
        history.resume = self.resume_points(&history, &starts);
        history.resume_start = history
            .unit_resume
            .iter()
            .map(|r| {
                r.as_ref()
                    .and_then(|p| starts.get(p.as_str()).copied())
                    .unwrap_or(NONE)
            })
            .collect();
        let mut resources = resources;
        for (p, b) in self.batches.iter().enumerate() {
            if let Some(r) = resources.get_mut(b.resource as usize) {
                r.batch_points.push(p as u32);
            }
        }
        Some(Model {
            name: s.name.clone(),
            start,
            time_zone: self.zone.clone(),
            start_minute_of_week,
            horizon,
            warmup,
            replications: s.sim.replications,
            seed: s.sim.seed,
            sample_interval: s.sim.sample_interval.minutes(),
            resources,
            classes,
            program: std::mem::take(&mut self.program),
            pathways,
            step_of_pc: std::mem::take(&mut self.step_of_pc),
            sets: std::mem::take(&mut self.sets),
            dists: std::mem::take(&mut self.dists),
            by_acuity: std::mem::take(&mut self.by_acuity),
            by_class: std::mem::take(&mut self.by_class),
            by_attribute: std::mem::take(&mut self.by_attribute),
            attributes: std::mem::take(&mut self.attributes),
            branches: std::mem::take(&mut self.branches),
            routes: std::mem::take(&mut self.routes),
            forks: std::mem::take(&mut self.forks),
            alternatives: std::mem::take(&mut self.alternatives),
            counters: std::mem::take(&mut self.counters),
            batches: std::mem::take(&mut self.batches),
            items,
            milestones: std::mem::take(&mut self.milestones),
            kpis,
            kpis_ending_at,
            kpis_counting,
            warnings: std::mem::take(&mut self.warnings),
            activities: std::mem::take(&mut self.activities),
            hour_profiles: std::mem::take(&mut self.hour_profiles),
            drill,
            history,
            census: vec![],
            replay_stays: vec![],
        })
    }

    /// Per history unit: where a census patient resumes. With `resume`, at the
    /// start of that pathway holding the unit's first resource; otherwise just
    /// after the first seize of one of the unit's resources, holding it.
    fn resume_points(
        &self,
        h: &crate::history::HistoryDef,
        starts: &HashMap<&str, u32>,
    ) -> Vec<Option<(u32, u16)>> {
        (0..h.unit_names.len())
            .map(|u| {
                let res = &h.unit_resources[u];
                if let Some(p) = &h.unit_resume[u] {
                    return Some((*starts.get(p.as_str())?, *res.first()?));
                }
                self.program
                    .iter()
                    .enumerate()
                    .find_map(|(pc, op)| match op {
                        Op::Seize { set, .. } => self.sets[*set as usize]
                            .iter()
                            .find(|r| res.contains(r))
                            .map(|&r| (pc as u32 + 1, r)),
                        _ => None,
                    })
            })
            .collect()
    }

    fn dist(&mut self, p: FieldPath, d: &DistSpec) -> u32 {
        match d.compile() {
            Ok(dist) => {
                self.dists.push(dist);
                self.dist_means.push(d.mean_minutes());
                (self.dists.len() - 1) as u32
            }
            Err(e) => {
                self.err(p, e);
                0
            }
        }
    }

    fn acuity_key(&mut self, p: FieldPath, k: &str) -> Option<usize> {
        match k.trim().parse::<u8>() {
            Ok(a) if (1..=MAX_ACUITY).contains(&a) => Some(a as usize),
            _ => {
                self.err_hint(
                    p,
                    format!("acuity keys run from \"1\" to \"5\", got \"{k}\""),
                    "1 is the most urgent (ESI 1)",
                );
                None
            }
        }
    }

    fn acuity_table(&mut self, p: FieldPath, t: &BTreeMap<String, DistSpec>, fallback: u32) -> u32 {
        let mut row = [fallback; 6];
        for (k, d) in t {
            if let Some(a) = self.acuity_key(p.key(k), k) {
                row[a] = self.dist(p.key(k), d);
            }
        }
        self.by_acuity.push(row);
        (self.by_acuity.len() - 1) as u32
    }

    fn resource_set(&mut self, p: FieldPath, names: &[String]) -> u32 {
        let mut set = vec![];
        if names.is_empty() {
            self.err(p.clone(), "the list of resources is empty");
        }
        for (i, n) in names.iter().enumerate() {
            match self.resource_ix.get(n.as_str()) {
                Some(&r) if !set.contains(&r) => set.push(r),
                Some(_) => self.err(p.index(i), format!("resource \"{n}\" is listed twice")),
                None => {
                    let hint = closest(n, self.s.resources.keys());
                    self.err_hint(p.index(i), format!("unknown resource \"{n}\""), hint);
                }
            }
        }
        self.sets.push(set);
        (self.sets.len() - 1) as u32
    }

    fn activity_index(&mut self, name: &str) -> u16 {
        match self.activities.iter().position(|a| a == name) {
            Some(i) => i as u16,
            None => {
                self.activities.push(name.to_string());
                (self.activities.len() - 1) as u16
            }
        }
    }

    fn ms_index(&self, name: &str) -> Option<u16> {
        self.milestones
            .iter()
            .position(|m| m == name)
            .map(|i| i as u16)
    }

    fn route_index(&mut self, p: FieldPath, name: &str) -> u8 {
        match ROUTE_NAMES.iter().position(|r| *r == name) {
            Some(i) => i as u8,
            None => {
                self.err_hint(
                    p,
                    format!("unknown exit route \"{name}\""),
                    format!("routes are: {}", ROUTE_NAMES.join(", ")),
                );
                0
            }
        }
    }
}

fn parse_clock(t: &str) -> Option<f64> {
    let (h, m) = t.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then(|| (h * 60 + m) as f64)
}

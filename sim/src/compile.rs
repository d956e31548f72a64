//! Scenario -> model: resolves names to indices, checks every cross-reference and
//! number, and emits the flat pathway program. Every mistake found is reported with
//! its field path, not just the first.

use crate::dist::DistSpec;
use crate::error::{FieldPath, ScenarioError, ScenarioErrors};
use crate::model::*;
use crate::path;
use crate::scenario::*;
use std::collections::{BTreeMap, HashMap};

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

/// Parses `YYYY-MM-DDTHH:MM` (seconds optional).
pub fn parse_timestamp(text: &str) -> Result<jiff::civil::DateTime, String> {
    text.trim()
        .parse::<jiff::civil::DateTime>()
        .map_err(|e| format!("\"{text}\" is not a timestamp like \"2025-01-06T08:00\" ({e})"))
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

fn edit_distance(a: &str, b: &str) -> usize {
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
    branches: Vec<BranchTable>,
    routes: Vec<RouteTable>,
    forks: Vec<Vec<u32>>,
    fixups: Vec<Fixup>,
    warnings: Vec<String>,
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
            branches: vec![],
            routes: vec![],
            forks: vec![],
            fixups: vec![],
            warnings: vec![],
        }
    }

    fn err(&mut self, path: FieldPath, msg: impl Into<String>) {
        self.errs.push(ScenarioError::new(path, msg));
    }

    fn err_hint(&mut self, path: FieldPath, msg: impl Into<String>, hint: impl Into<String>) {
        self.errs.push(ScenarioError::new(path, msg).hint(hint));
    }

    fn run(&mut self) -> Option<Model> {
        let s = self.s;
        let start = match parse_timestamp(&s.sim.start) {
            Ok(t) => t,
            Err(e) => {
                self.err(path!["sim", "start"], e);
                jiff::civil::date(2025, 1, 6).at(0, 0, 0, 0)
            }
        };
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
        }
        if s.sim.sample_interval.minutes() <= 0.0 {
            self.err(
                path!["sim", "sample_interval"],
                "the sample interval must be longer than zero",
            );
        } else if horizon / s.sim.sample_interval.minutes() > 2_000_000.0 {
            self.err_hint(
                path!["sim", "sample_interval"],
                format!(
                    "{} samples of every resource per replication is more than the 2,000,000 allowed",
                    (horizon / s.sim.sample_interval.minutes()).round()
                ),
                "lengthen sim.sample_interval (e.g. \"1 d\" for multi-year horizons)",
            );
        }
        let weekday = start.date().weekday().to_monday_zero_offset() as f64;
        let start_minute_of_week =
            weekday * 1440.0 + start.hour() as f64 * 60.0 + start.minute() as f64;

        let resources = self.resources();
        for (i, name) in s.arrivals.keys().enumerate() {
            self.class_ix.insert(name.as_str(), i);
        }
        for p in s.pathways.values() {
            for step in &p.steps {
                if let Some(m) = &step.mark
                    && !self.milestones.contains(m)
                {
                    self.milestones.push(m.clone());
                }
            }
        }
        let contexts = self.contexts();
        let mut starts: HashMap<&str, u32> = HashMap::new();
        for (name, p) in &s.pathways {
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
            self.pathway(name, p, ctx);
        }
        self.resolve_fixups(&starts);
        let classes = self.classes(&starts, start_minute_of_week, horizon);
        let kpis = self.kpis();
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
        if !self.errs.is_empty() {
            return None;
        }
        let n_ms = self.milestones.len();
        let mut kpis_ending_at = vec![vec![]; n_ms];
        let mut kpis_counting = vec![vec![]; n_ms];
        for (k, def) in kpis.iter().enumerate() {
            match def.kind {
                KpiKind::Duration { to, .. } => kpis_ending_at[to as usize].push(k as u16),
                KpiKind::PerDayReaching { ms } => kpis_counting[ms as usize].push(k as u16),
                _ => {}
            }
        }
        let pathways = s
            .pathways
            .keys()
            .map(|n| (n.clone(), starts[n.as_str()]))
            .collect();
        Some(Model {
            name: s.name.clone(),
            start,
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
            sets: std::mem::take(&mut self.sets),
            dists: std::mem::take(&mut self.dists),
            by_acuity: std::mem::take(&mut self.by_acuity),
            by_class: std::mem::take(&mut self.by_class),
            branches: std::mem::take(&mut self.branches),
            routes: std::mem::take(&mut self.routes),
            forks: std::mem::take(&mut self.forks),
            milestones: std::mem::take(&mut self.milestones),
            kpis,
            kpis_ending_at,
            kpis_counting,
            warnings: std::mem::take(&mut self.warnings),
        })
    }

    fn roster(&mut self, name: &str, r: &RosterSpec) -> Option<Vec<u32>> {
        let p = path!["rosters", name];
        let len_check = |c: &mut Self, field: &str, v: &Vec<u32>, n: usize| {
            if v.len() != n {
                c.err_hint(
                    p.key(field),
                    format!("expected {n} values (one per hour), got {}", v.len()),
                    if n == 168 {
                        "168 = 24 hours x 7 days, Monday 00:00 first"
                    } else {
                        "24 values, 00:00 first"
                    },
                );
                false
            } else {
                true
            }
        };
        let hours: Vec<u32> = match (&r.hour_of_week, &r.weekday) {
            (Some(h), None) => {
                if r.weekend.is_some() {
                    self.err(
                        p.key("weekend"),
                        "`weekend` goes with `weekday`, not with `hour_of_week`",
                    );
                }
                if !len_check(self, "hour_of_week", h, 168) {
                    return None;
                }
                h.clone()
            }
            (None, Some(wd)) => {
                let we = r.weekend.as_ref().unwrap_or(wd);
                let ok1 = len_check(self, "weekday", wd, 24);
                let ok2 = r.weekend.is_none() || len_check(self, "weekend", we, 24);
                if !(ok1 && ok2) {
                    return None;
                }
                (0..7)
                    .flat_map(|d| if d < 5 { wd.clone() } else { we.clone() })
                    .collect()
            }
            (Some(_), Some(_)) => {
                self.err(
                    p.clone(),
                    "give either `hour_of_week` or `weekday`/`weekend`, not both",
                );
                return None;
            }
            (None, None) => {
                self.err_hint(
                    p.clone(),
                    "a roster needs `hour_of_week` (168 values) or `weekday` (24 values)",
                    "e.g. weekday = [4,4,4,4,4,4,4,6,8,9,9,9,9,9,9,9,9,9,8,7,6,5,5,4]",
                );
                return None;
            }
        };
        if !(r.scale.is_finite() && r.scale >= 0.0) {
            self.err(
                p.key("scale"),
                format!("scale must be a number >= 0, got {}", r.scale),
            );
            return None;
        }
        let scaled: Vec<u32> = hours
            .iter()
            .map(|&v| (v as f64 * r.scale).round() as u32)
            .collect();
        if scaled.iter().all(|&v| v == 0) {
            self.err(p, "the roster has no capacity in any hour of the week");
            return None;
        }
        Some(scaled)
    }

    fn resources(&mut self) -> Vec<ResourceDef> {
        let s = self.s;
        let mut out = vec![];
        if s.resources.len() > u16::MAX as usize {
            self.err(path!["resources"], "too many resources");
        }
        for (name, r) in &s.resources {
            let p = path!["resources", name];
            self.resource_ix.insert(name.as_str(), out.len() as u16);
            let capacity = match (&r.capacity, &r.roster) {
                (Some(0), None) => {
                    self.err_hint(
                        p.key("capacity"),
                        "capacity must be at least 1",
                        "remove the resource or use a roster with zero hours",
                    );
                    Capacity::Fixed(1)
                }
                (Some(c), None) => Capacity::Fixed(*c),
                (None, Some(rn)) => match s.rosters.get(rn) {
                    Some(rs) => match self.roster(rn, rs) {
                        Some(v) => Capacity::Roster(v),
                        None => Capacity::Fixed(1),
                    },
                    None => {
                        let hint = closest(rn, s.rosters.keys());
                        self.err_hint(p.key("roster"), format!("unknown roster \"{rn}\""), hint);
                        Capacity::Fixed(1)
                    }
                },
                (Some(_), Some(_)) => {
                    self.err(p.clone(), "give either `capacity` or `roster`, not both");
                    Capacity::Fixed(1)
                }
                (None, None) => {
                    self.err_hint(
                        p.clone(),
                        "a resource needs `capacity` or `roster`",
                        "e.g. capacity = 30",
                    );
                    Capacity::Fixed(1)
                }
            };
            let mut preempt_mask = 0u32;
            for (i, &pr) in r.preempt.iter().enumerate() {
                if !(1..=15).contains(&pr) {
                    self.err(
                        p.key("preempt").index(i),
                        format!("priorities run from 1 to 15, got {pr}"),
                    );
                } else {
                    preempt_mask |= 1 << pr;
                }
            }
            if preempt_mask != 0 && r.queue == QueueDiscipline::Fifo {
                self.err(p.key("preempt"), "preemption needs `queue = \"priority\"`");
            }
            out.push(ResourceDef {
                name: name.clone(),
                label: r.label.clone().unwrap_or_else(|| name.clone()),
                capacity,
                fifo: r.queue == QueueDiscipline::Fifo,
                preempt_mask,
            });
        }
        if out.is_empty() {
            self.err(path!["resources"], "a scenario needs at least one resource");
        }
        out
    }

    /// Arrival pathways run as patients (Main); fork targets as parallel branches.
    /// Jumps inherit the context of the pathway they leave. A pathway reached both
    /// ways is refused: a branch must end by rejoining, a patient by leaving.
    fn contexts(&mut self) -> HashMap<&'s str, Context> {
        let s = self.s;
        let mut ctx: HashMap<&str, Context> = HashMap::new();
        let mut stack: Vec<(&str, Context)> = vec![];
        for a in s.arrivals.values() {
            stack.push((a.pathway.as_str(), Context::Main));
        }
        for p in s.pathways.values() {
            for st in &p.steps {
                for f in st.fork.iter().flatten() {
                    stack.push((f.as_str(), Context::Branch));
                }
            }
        }
        let mut conflict = vec![];
        while let Some((name, c)) = stack.pop() {
            let Some((key, p)) = s.pathways.get_key_value(name) else {
                continue;
            };
            match ctx.get(name) {
                Some(&old) if old == c => continue,
                Some(_) => {
                    conflict.push(key.as_str());
                    continue;
                }
                None => {
                    ctx.insert(key.as_str(), c);
                }
            }
            for st in &p.steps {
                let targets = st
                    .goto
                    .iter()
                    .chain(st.branch.iter().flatten().map(|b| &b.to))
                    .chain(st.routes.iter().flat_map(|r| r.values()))
                    .chain(st.default.iter());
                for t in targets {
                    stack.push((t.as_str(), c));
                }
            }
        }
        conflict.sort();
        conflict.dedup();
        for name in conflict {
            self.err_hint(
                path!["pathways", name],
                "this pathway is used both as a parallel branch (fork) and as a patient's own pathway",
                "copy it under a second name for one of the two uses",
            );
        }
        ctx
    }

    fn dist(&mut self, p: FieldPath, d: &DistSpec) -> u32 {
        match d.compile() {
            Ok(dist) => {
                self.dists.push(dist);
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

    fn pathway(&mut self, name: &str, pw: &PathwaySpec, ctx: Context) {
        let base = path!["pathways", name];
        if pw.steps.is_empty() {
            self.err(base.key("steps"), "a pathway needs at least one step");
        }
        let mut terminated = false;
        for (i, st) in pw.steps.iter().enumerate() {
            let p = base.key("steps").index(i);
            if terminated {
                self.err_hint(
                    p.clone(),
                    "this step can never run: the step before it leaves the pathway",
                    "move it before the exit/goto/branch",
                );
            }
            terminated = self.step(&p, st, ctx);
        }
        if !terminated {
            match ctx {
                Context::Branch | Context::Unused => self.program.push(Op::Join),
                Context::Main => {
                    self.err_hint(
                        base.key("steps"),
                        format!("pathway \"{name}\" ends without an exit, goto, branch or route"),
                        "end it with e.g. { exit = \"discharged\" } or { goto = \"another_pathway\" }",
                    );
                    self.program.push(Op::Exit { route: 0 });
                }
            }
        }
    }

    /// Emits one step; returns true when the step leaves the pathway.
    fn step(&mut self, p: &FieldPath, st: &StepSpec, ctx: Context) -> bool {
        let kinds: Vec<&str> = [
            ("seize", st.seize.is_some()),
            ("release", st.release.is_some()),
            ("activity", st.activity.is_some()),
            ("branch", st.branch.is_some()),
            ("route_by", st.route_by.is_some()),
            ("fork", st.fork.is_some()),
            ("goto", st.goto.is_some()),
            ("exit", st.exit.is_some()),
        ]
        .iter()
        .filter(|(_, on)| *on)
        .map(|(k, _)| *k)
        .collect();
        if kinds.len() > 1 {
            self.err_hint(
                p.clone(),
                format!(
                    "a step does one thing, but this one has {}",
                    kinds.join(" and ")
                ),
                "split it into consecutive steps",
            );
            return false;
        }
        let kind = kinds
            .first()
            .copied()
            .unwrap_or(if st.mark.is_some() { "mark" } else { "" });
        let allowed: &[&str] = match kind {
            "seize" => &[
                "priority",
                "patience",
                "patience_by_acuity",
                "on_renege",
                "mark",
            ],
            "activity" => &[
                "use",
                "duration",
                "duration_by_acuity",
                "duration_by_class",
                "priority",
                "patience",
                "patience_by_acuity",
                "on_renege",
                "mark",
            ],
            "route_by" => &["routes", "default", "mark"],
            _ => &["mark"],
        };
        let present = [
            ("use", st.use_.is_some()),
            ("duration", st.duration.is_some()),
            ("duration_by_acuity", st.duration_by_acuity.is_some()),
            ("duration_by_class", st.duration_by_class.is_some()),
            ("priority", st.priority.is_some()),
            ("patience", st.patience.is_some()),
            ("patience_by_acuity", st.patience_by_acuity.is_some()),
            ("on_renege", st.on_renege.is_some()),
            ("routes", st.routes.is_some()),
            ("default", st.default.is_some()),
        ];
        if kind.is_empty() {
            self.err_hint(p.clone(), "this step does nothing", "give it one of: seize, release, activity, branch, route_by, fork, goto, exit, mark");
            return false;
        }
        for (field, on) in present {
            if on && !allowed.contains(&field) {
                self.err(
                    p.key(field),
                    format!("`{field}` has no meaning in a {kind} step"),
                );
            }
        }
        let mark_now = |c: &mut Self| {
            if let Some(m) = &st.mark
                && let Some(ms) = c.ms_index(m)
            {
                c.program.push(Op::Mark { ms });
            }
        };
        match kind {
            "mark" => {
                mark_now(self);
                false
            }
            "seize" => {
                let set =
                    self.resource_set(p.key("seize"), st.seize.as_deref().unwrap_or_default());
                self.emit_seize(p, st, set);
                mark_now(self);
                false
            }
            "release" => {
                mark_now(self);
                match &st.release {
                    Some(ReleaseSpec::One(n)) if n == "all" => self.program.push(Op::ReleaseAll),
                    Some(ReleaseSpec::One(n)) => {
                        let set = self.resource_set(p.key("release"), std::slice::from_ref(n));
                        self.program.push(Op::Release { set });
                    }
                    Some(ReleaseSpec::Many(v)) => {
                        let set = self.resource_set(p.key("release"), v);
                        self.program.push(Op::Release { set });
                    }
                    None => {}
                }
                false
            }
            "activity" => {
                let dur = self.duration(p, st);
                match &st.use_ {
                    Some(names) => {
                        let set = self.resource_set(p.key("use"), names);
                        let seize_pc = self.program.len() as u32;
                        self.emit_seize(p, st, set);
                        mark_now(self);
                        self.program.push(Op::Delay { dur, seize_pc });
                        self.program.push(Op::Release { set });
                    }
                    None => {
                        for f in ["priority", "patience", "patience_by_acuity", "on_renege"] {
                            let on = present.iter().any(|(k, v)| *k == f && *v);
                            if on {
                                self.err(p.key(f), format!("`{f}` needs `use` (an activity without resources never waits)"));
                            }
                        }
                        mark_now(self);
                        self.program.push(Op::Delay {
                            dur,
                            seize_pc: NONE,
                        });
                    }
                }
                false
            }
            "branch" => {
                mark_now(self);
                self.branch(p, st.branch.as_deref().unwrap_or_default());
                true
            }
            "route_by" => {
                mark_now(self);
                self.route_by(p, st);
                true
            }
            "fork" => {
                mark_now(self);
                let list = st.fork.clone().unwrap_or_default();
                if list.is_empty() {
                    self.err(p.key("fork"), "fork needs at least one pathway");
                }
                let at = self.forks.len();
                self.forks.push(vec![NONE; list.len()]);
                for (i, t) in list.iter().enumerate() {
                    self.fixups
                        .push(Fixup::Fork(at, i, t.clone(), p.key("fork").index(i)));
                }
                self.program.push(Op::Fork { list: at as u32 });
                false
            }
            "goto" => {
                mark_now(self);
                let pc = self.program.len();
                self.program.push(Op::Jump { pc: NONE });
                let t = st.goto.clone().unwrap_or_default();
                self.fixups.push(Fixup::Jump(pc, t, p.key("goto")));
                true
            }
            "exit" => {
                if ctx == Context::Branch {
                    self.err_hint(
                        p.key("exit"),
                        "a parallel branch (fork) cannot exit the hospital",
                        "let the branch end; the patient continues after the fork",
                    );
                }
                mark_now(self);
                let route = self.route_index(p.key("exit"), st.exit.as_deref().unwrap_or_default());
                self.program.push(Op::Exit { route });
                true
            }
            _ => false,
        }
    }

    fn emit_seize(&mut self, p: &FieldPath, st: &StepSpec, set: u32) {
        let prio = match &st.priority {
            None => Prio::Acuity,
            Some(PrioritySpec::Named(n)) if n == "acuity" => Prio::Acuity,
            Some(PrioritySpec::Fixed(v)) if (1..=15).contains(v) => Prio::Fixed(*v),
            Some(other) => {
                self.err_hint(
                    p.key("priority"),
                    format!("priority must be \"acuity\" or a number 1-15, got {other:?}"),
                    "1 is the most urgent",
                );
                Prio::Acuity
            }
        };
        let patience = match (&st.patience, &st.patience_by_acuity) {
            (None, None) => NONE,
            (Some(d), None) => {
                let id = self.dist(p.key("patience"), d);
                self.by_acuity.push([id; 6]);
                (self.by_acuity.len() - 1) as u32
            }
            (fallback, Some(t)) => {
                let fb = match fallback {
                    Some(d) => self.dist(p.key("patience"), d),
                    None => NONE,
                };
                self.acuity_table(p.key("patience_by_acuity"), t, fb)
            }
        };
        let renege_route = match &st.on_renege {
            Some(r) => self.route_index(p.key("on_renege"), r),
            None => ROUTE_LEFT_UNSEEN,
        };
        self.program.push(Op::Seize {
            set,
            prio,
            patience,
            renege_route,
        });
    }

    fn duration(&mut self, p: &FieldPath, st: &StepSpec) -> DurRef {
        let fallback = st
            .duration
            .as_ref()
            .map(|d| self.dist(p.key("duration"), d));
        match (&st.duration_by_acuity, &st.duration_by_class) {
            (Some(_), Some(_)) => {
                self.err(
                    p.clone(),
                    "give `duration_by_acuity` or `duration_by_class`, not both",
                );
                DurRef::Dist(0)
            }
            (Some(t), None) => {
                let id =
                    self.acuity_table(p.key("duration_by_acuity"), t, fallback.unwrap_or(NONE));
                if fallback.is_none() {
                    let missing: Vec<String> = (1..=5usize)
                        .filter(|a| self.by_acuity[id as usize][*a] == NONE)
                        .map(|a| a.to_string())
                        .collect();
                    if !missing.is_empty() {
                        self.err_hint(
                            p.key("duration_by_acuity"),
                            format!("no duration for acuity {}", missing.join(", ")),
                            "list all five or add `duration` as the fallback",
                        );
                    }
                }
                DurRef::ByAcuity(id)
            }
            (None, Some(t)) => {
                let mut row = vec![fallback.unwrap_or(NONE); self.s.arrivals.len()];
                for (k, d) in t {
                    match self.class_ix.get(k.as_str()) {
                        Some(&c) => row[c] = self.dist(p.key("duration_by_class").key(k), d),
                        None => {
                            let hint = closest(k, self.s.arrivals.keys());
                            self.err_hint(
                                p.key("duration_by_class").key(k),
                                format!("unknown class \"{k}\""),
                                hint,
                            );
                        }
                    }
                }
                if row.contains(&NONE) {
                    self.err_hint(
                        p.key("duration_by_class"),
                        "some classes have no duration",
                        "add `duration` as the fallback",
                    );
                }
                self.by_class.push(row);
                DurRef::ByClass((self.by_class.len() - 1) as u32)
            }
            (None, None) => match fallback {
                Some(id) => DurRef::Dist(id),
                None => {
                    self.err_hint(
                        p.clone(),
                        "an activity needs a `duration`",
                        "e.g. duration = { exponential = { mean = \"20 min\" } }",
                    );
                    DurRef::Dist(0)
                }
            },
        }
    }

    fn branch(&mut self, p: &FieldPath, opts: &[BranchOption]) {
        let bp = p.key("branch");
        if opts.is_empty() {
            self.err(bp.clone(), "branch needs at least one option");
        }
        let mut probs = vec![[0.0f64; 6]; opts.len()];
        let mut remainder = None;
        for (i, o) in opts.iter().enumerate() {
            match (o.p, &o.p_by_acuity) {
                (Some(v), None) => {
                    if !(0.0..=1.0).contains(&v) {
                        self.err(
                            bp.index(i).key("p"),
                            format!("a probability lies between 0 and 1, got {v}"),
                        );
                    }
                    probs[i] = [v; 6];
                }
                (None, Some(v)) => {
                    if v.len() != 5 {
                        self.err_hint(
                            bp.index(i).key("p_by_acuity"),
                            format!("expected 5 values (acuity 1 to 5), got {}", v.len()),
                            "e.g. p_by_acuity = [0.9, 0.6, 0.4, 0.05, 0.01]",
                        );
                    } else {
                        for (a, &x) in v.iter().enumerate() {
                            if !(0.0..=1.0).contains(&x) {
                                self.err(
                                    bp.index(i).key("p_by_acuity").index(a),
                                    format!("a probability lies between 0 and 1, got {x}"),
                                );
                            }
                            probs[i][a + 1] = x;
                        }
                    }
                }
                (Some(_), Some(_)) => self.err(bp.index(i), "give `p` or `p_by_acuity`, not both"),
                (None, None) => {
                    if remainder.is_some() {
                        self.err_hint(
                            bp.index(i),
                            "only one option may leave out its probability (it takes the rest)",
                            "give `p` to the others",
                        );
                    }
                    remainder = Some(i);
                }
            }
        }
        for a in 1..=5usize {
            let sum: f64 = probs.iter().map(|r| r[a]).sum();
            match remainder {
                Some(r) => {
                    if sum > 1.0 + 1e-9 {
                        self.err(
                            bp.clone(),
                            format!("probabilities add up to {sum:.4} for acuity {a}, more than 1"),
                        );
                        break;
                    }
                    probs[r][a] = (1.0 - sum).max(0.0);
                }
                None => {
                    if (sum - 1.0).abs() > 1e-6 {
                        self.err_hint(
                            bp.clone(),
                            format!("probabilities must add up to 1, got {sum:.4}{}", if opts.iter().any(|o| o.p_by_acuity.is_some()) { format!(" for acuity {a}") } else { String::new() }),
                            "fix the values, or leave `p` out of one option so that it takes the rest",
                        );
                        break;
                    }
                }
            }
        }
        let mut cumulative = vec![vec![]; 6];
        for (a, row) in cumulative.iter_mut().enumerate().skip(1) {
            let mut acc = 0.0;
            for pr in &probs {
                acc += pr[a];
                row.push(acc);
            }
            if let Some(last) = row.last_mut() {
                *last = f64::INFINITY;
            }
        }
        let at = self.branches.len();
        self.branches.push(BranchTable {
            cumulative,
            targets: vec![NONE; opts.len()],
        });
        for (i, o) in opts.iter().enumerate() {
            self.fixups
                .push(Fixup::Branch(at, i, o.to.clone(), bp.index(i).key("to")));
        }
        self.program.push(Op::Branch { table: at as u32 });
    }

    fn route_by(&mut self, p: &FieldPath, st: &StepSpec) {
        let attr = st.route_by.clone().unwrap_or_default();
        let by_class = match attr.as_str() {
            "class" => true,
            "acuity" => false,
            other => {
                self.err_hint(
                    p.key("route_by"),
                    format!("cannot route by \"{other}\""),
                    "route_by = \"acuity\" or \"class\"",
                );
                false
            }
        };
        let n = if by_class { self.s.arrivals.len() } else { 6 };
        let at = self.routes.len();
        self.routes.push(RouteTable {
            by_class,
            targets: vec![NONE; n],
        });
        let mut covered = vec![false; n];
        for (k, target) in st.routes.iter().flatten() {
            let slot = if by_class {
                match self.class_ix.get(k.as_str()) {
                    Some(&c) => Some(c),
                    None => {
                        let hint = closest(k, self.s.arrivals.keys());
                        self.err_hint(
                            p.key("routes").key(k),
                            format!("unknown class \"{k}\""),
                            hint,
                        );
                        None
                    }
                }
            } else {
                self.acuity_key(p.key("routes").key(k), k)
            };
            if let Some(sl) = slot {
                covered[sl] = true;
                self.fixups
                    .push(Fixup::Route(at, sl, target.clone(), p.key("routes").key(k)));
            }
        }
        match &st.default {
            Some(d) => {
                for (sl, cov) in covered.iter().enumerate() {
                    if !cov {
                        self.fixups
                            .push(Fixup::Route(at, sl, d.clone(), p.key("default")));
                    }
                }
            }
            None => {
                let first = if by_class { 0 } else { 1 };
                if covered.iter().skip(first).any(|c| !c) {
                    self.err_hint(
                        p.key("routes"),
                        "some values have no route",
                        "list every value or add `default = \"pathway\"`",
                    );
                }
            }
        }
        self.program.push(Op::RouteBy { table: at as u32 });
    }

    fn resolve_fixups(&mut self, starts: &HashMap<&str, u32>) {
        for f in std::mem::take(&mut self.fixups) {
            let (name, p) = match &f {
                Fixup::Jump(_, n, p)
                | Fixup::Branch(_, _, n, p)
                | Fixup::Route(_, _, n, p)
                | Fixup::Fork(_, _, n, p) => (n, p),
            };
            let Some(&pc) = starts.get(name.as_str()) else {
                let hint = closest(name, self.s.pathways.keys());
                self.err_hint(p.clone(), format!("unknown pathway \"{name}\""), hint);
                continue;
            };
            match f {
                Fixup::Jump(at, ..) => self.program[at] = Op::Jump { pc },
                Fixup::Branch(t, i, ..) => self.branches[t].targets[i] = pc,
                Fixup::Route(t, i, ..) => self.routes[t].targets[i] = pc,
                Fixup::Fork(t, i, ..) => self.forks[t][i] = pc,
            }
        }
    }

    fn classes(
        &mut self,
        starts: &HashMap<&str, u32>,
        start_mow: f64,
        horizon: f64,
    ) -> Vec<ClassDef> {
        let s = self.s;
        let mut out = vec![];
        for (name, a) in &s.arrivals {
            let p = path!["arrivals", name];
            let start_pc = match starts.get(a.pathway.as_str()) {
                Some(&pc) => pc,
                None => {
                    let hint = closest(&a.pathway, s.pathways.keys());
                    self.err_hint(
                        p.key("pathway"),
                        format!("unknown pathway \"{}\"", a.pathway),
                        hint,
                    );
                    0
                }
            };
            let process = self.arrival_process(&p, a, start_mow, horizon);
            let mut acuity_cumulative = [0.0, 0.0, 1.0, 1.0, 1.0];
            if let Some(mix) = &a.acuity {
                let mut probs = [0.0; 6];
                for (k, v) in mix {
                    if let Some(ac) = self.acuity_key(p.key("acuity").key(k), k) {
                        if !(0.0..=1.0).contains(v) {
                            self.err(
                                p.key("acuity").key(k),
                                format!("a probability lies between 0 and 1, got {v}"),
                            );
                        }
                        probs[ac] = *v;
                    }
                }
                let sum: f64 = probs.iter().sum();
                if (sum - 1.0).abs() > 1e-6 {
                    self.err_hint(
                        p.key("acuity"),
                        format!("acuity shares must add up to 1, got {sum:.4}"),
                        "e.g. acuity = { 1 = 0.01, 2 = 0.12, 3 = 0.40, 4 = 0.35, 5 = 0.12 }",
                    );
                }
                let mut acc = 0.0;
                for a in 1..=5 {
                    acc += probs[a] / sum.max(1e-12);
                    acuity_cumulative[a - 1] = acc;
                }
                acuity_cumulative[4] = f64::INFINITY;
            }
            let mut h: u64 = 0xcbf29ce484222325;
            for b in name.bytes() {
                h = (h ^ b as u64).wrapping_mul(0x100000001b3);
            }
            out.push(ClassDef {
                name: name.clone(),
                key: h,
                start_pc,
                process,
                acuity_cumulative,
                max_arrivals: a.max_arrivals.unwrap_or(u64::MAX),
            });
        }
        out
    }

    fn arrival_process(
        &mut self,
        p: &FieldPath,
        a: &ArrivalSpec,
        start_mow: f64,
        horizon: f64,
    ) -> ArrivalProcess {
        let poisson = a.per_day.is_some() || a.rates_per_hour.is_some();
        let scheduled = a.weekly.is_some() || a.at.is_some();
        let kinds = [
            a.per_day.is_some(),
            a.rates_per_hour.is_some(),
            a.weekly.is_some(),
            a.at.is_some(),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if kinds != 1 {
            self.err_hint(
                p.clone(),
                if kinds == 0 { "an arrival class needs one of `per_day`, `rates_per_hour`, `weekly` or `at`".to_string() } else { "give only one of `per_day`, `rates_per_hour`, `weekly`, `at`".to_string() },
                "per_day = 250 for Poisson arrivals; weekly = [{ day = \"Mon\", time = \"07:30\", count = 4 }] for scheduled ones",
            );
            return ArrivalProcess::At(vec![]);
        }
        if !poisson && (a.hourly_shape.is_some() || a.weekday_factor.is_some()) {
            self.err(
                p.clone(),
                "`hourly_shape` and `weekday_factor` shape `per_day` arrivals only",
            );
        }
        if scheduled {
            if let Some(slots) = &a.weekly {
                let mut out = vec![];
                for (i, sl) in slots.iter().enumerate() {
                    let sp = p.key("weekly").index(i);
                    let day = DAYS
                        .iter()
                        .position(|d| sl.day.to_ascii_lowercase().starts_with(d));
                    let Some(day) = day else {
                        self.err_hint(
                            sp.key("day"),
                            format!("unknown day \"{}\"", sl.day),
                            "Mon, Tue, Wed, Thu, Fri, Sat or Sun",
                        );
                        continue;
                    };
                    let Some(minute) = parse_clock(&sl.time) else {
                        self.err_hint(
                            sp.key("time"),
                            format!("\"{}\" is not a time of day", sl.time),
                            "HH:MM, e.g. \"07:30\"",
                        );
                        continue;
                    };
                    out.push((day as f64 * 1440.0 + minute, sl.count));
                }
                if out.is_empty() && self.errs.is_empty() {
                    self.err(p.key("weekly"), "the weekly schedule has no slots");
                }
                out.sort_by(|x, y| x.0.total_cmp(&y.0));
                return ArrivalProcess::Weekly(out);
            }
            let mut out = vec![];
            for (i, t) in a.at.iter().flatten().enumerate() {
                match parse_timestamp(t) {
                    Ok(ts) => {
                        let start = match parse_timestamp(&self.s.sim.start) {
                            Ok(s) => s,
                            Err(_) => continue,
                        };
                        let mins = start
                            .until(ts)
                            .map(|span| span.total(jiff::Unit::Minute).unwrap_or(-1.0))
                            .unwrap_or(-1.0);
                        if mins < 0.0 || mins > horizon {
                            self.err(
                                p.key("at").index(i),
                                format!("{t} lies outside the simulated period"),
                            );
                        } else {
                            out.push((mins, 1));
                        }
                    }
                    Err(e) => self.err(p.key("at").index(i), e),
                }
            }
            out.sort_by(|x, y| x.0.total_cmp(&y.0));
            return ArrivalProcess::At(out);
        }
        let _ = start_mow;
        let rates: Vec<f64> = if let Some(r) = &a.rates_per_hour {
            if r.len() != 168 {
                self.err_hint(
                    p.key("rates_per_hour"),
                    format!(
                        "expected 168 values (one per hour of the week), got {}",
                        r.len()
                    ),
                    "Monday 00:00 first; or use per_day with hourly_shape and weekday_factor",
                );
                return ArrivalProcess::At(vec![]);
            }
            r.clone()
        } else {
            let per_day = a.per_day.unwrap_or(0.0);
            if !(per_day.is_finite() && per_day > 0.0) {
                self.err(
                    p.key("per_day"),
                    format!("per_day must be a number above zero, got {per_day}"),
                );
                return ArrivalProcess::At(vec![]);
            }
            let shape = a.hourly_shape.clone().unwrap_or_else(|| vec![1.0; 24]);
            let wf = a.weekday_factor.clone().unwrap_or_else(|| vec![1.0; 7]);
            if shape.len() != 24 {
                self.err_hint(
                    p.key("hourly_shape"),
                    format!("expected 24 values (00:00 to 23:00), got {}", shape.len()),
                    "relative weights; they are normalised",
                );
                return ArrivalProcess::At(vec![]);
            }
            if wf.len() != 7 {
                self.err_hint(
                    p.key("weekday_factor"),
                    format!("expected 7 values (Monday to Sunday), got {}", wf.len()),
                    "relative factors; they are normalised to average 1",
                );
                return ArrivalProcess::At(vec![]);
            }
            let (ss, ws) = (shape.iter().sum::<f64>(), wf.iter().sum::<f64>());
            if shape.iter().chain(&wf).any(|x| !x.is_finite() || *x < 0.0) || ss <= 0.0 || ws <= 0.0
            {
                self.err(
                    p.clone(),
                    "hourly_shape and weekday_factor must be >= 0 and not all zero",
                );
                return ArrivalProcess::At(vec![]);
            }
            (0..168)
                .map(|h| per_day * shape[h % 24] / ss * wf[h / 24] / (ws / 7.0))
                .collect()
        };
        if rates.iter().any(|x| !x.is_finite() || *x < 0.0) || rates.iter().all(|x| *x == 0.0) {
            self.err(
                p.key("rates_per_hour"),
                "rates must be >= 0 and not all zero",
            );
            return ArrivalProcess::At(vec![]);
        }
        let rate_per_min: Vec<f64> = rates.iter().map(|r| r / 60.0).collect();
        let max_rate = rate_per_min.iter().cloned().fold(0.0, f64::max);
        let flat = rate_per_min.iter().all(|r| *r == max_rate);
        ArrivalProcess::Poisson {
            rate_per_min,
            max_rate,
            flat,
        }
    }

    fn kpis(&mut self) -> Vec<KpiDef> {
        let s = self.s;
        let mut out = vec![];
        let mut specs: Vec<(String, KpiSpec)> =
            s.kpis.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        if !s.kpis.contains_key("length_of_stay") {
            specs.push((
                "length_of_stay".into(),
                KpiSpec {
                    label: Some("Length of stay (arrival to departure)".into()),
                    from: Some("arrival".into()),
                    to: Some("departure".into()),
                    unit: Some("h".into()),
                    ..Default::default()
                },
            ));
        }
        for (name, k) in &specs {
            let p = path!["kpis", name];
            let ms = |c: &mut Self, field: &str, v: &str| -> u16 {
                match c.ms_index(v) {
                    Some(i) => i,
                    None => {
                        let hint = closest(v, c.milestones.iter());
                        c.err_hint(
                            p.key(field),
                            format!("unknown milestone \"{v}\""),
                            format!("milestones are set by `mark` in pathway steps; {hint}"),
                        );
                        0
                    }
                }
            };
            let n_kinds = [
                k.from.is_some() || k.to.is_some(),
                k.share_exiting.is_some(),
                k.share_reaching.is_some(),
                k.per_day_reaching.is_some(),
            ]
            .iter()
            .filter(|x| **x)
            .count();
            if n_kinds != 1 {
                self.err_hint(p.clone(), "a KPI measures one thing", "give `from` and `to`, or one of `share_exiting`, `share_reaching`, `per_day_reaching`");
                continue;
            }
            let unit_name = k.unit.clone().unwrap_or_else(|| "min".into());
            let kind = if k.from.is_some() || k.to.is_some() {
                let (Some(f), Some(t)) = (&k.from, &k.to) else {
                    self.err(p.clone(), "a duration KPI needs both `from` and `to`");
                    continue;
                };
                let from = ms(self, "from", f);
                let to = ms(self, "to", t);
                if from == to && self.errs.is_empty() {
                    self.err(p.key("to"), "`from` and `to` are the same milestone");
                }
                let unit_minutes = match crate::duration::unit_minutes(&unit_name) {
                    Some(u) => u,
                    None => {
                        self.err_hint(
                            p.key("unit"),
                            format!("unknown unit \"{unit_name}\""),
                            "min, h or d",
                        );
                        1.0
                    }
                };
                if let Some(ts) = k.target_share {
                    if !(0.0..=1.0).contains(&ts) {
                        self.err(
                            p.key("target_share"),
                            format!("a share lies between 0 and 1, got {ts}"),
                        );
                    }
                    if k.within.is_none() {
                        self.err_hint(
                            p.key("target_share"),
                            "target_share needs `within`",
                            "e.g. within = \"4 h\"",
                        );
                    }
                }
                let percentiles = k
                    .percentiles
                    .clone()
                    .unwrap_or_else(|| vec![50.0, 90.0, 95.0]);
                for (i, q) in percentiles.iter().enumerate() {
                    if !(0.0..=100.0).contains(q) {
                        self.err(
                            p.key("percentiles").index(i),
                            format!("percentiles lie between 0 and 100, got {q}"),
                        );
                    }
                }
                KpiKind::Duration {
                    from,
                    to,
                    within: k.within.map(|d| d.minutes()),
                    target_share: k.target_share,
                    percentiles,
                    unit_minutes,
                }
            } else if let Some(r) = &k.share_exiting {
                KpiKind::ShareExiting {
                    route: self.route_index(p.key("share_exiting"), r),
                }
            } else if let Some(m) = &k.share_reaching {
                KpiKind::ShareReaching {
                    ms: ms(self, "share_reaching", m),
                }
            } else {
                let m = k.per_day_reaching.clone().unwrap_or_default();
                KpiKind::PerDayReaching {
                    ms: ms(self, "per_day_reaching", &m),
                }
            };
            let is_duration = matches!(kind, KpiKind::Duration { .. });
            if !is_duration && (k.within.is_some() || k.percentiles.is_some() || k.unit.is_some()) {
                self.err(
                    p.clone(),
                    "`within`, `percentiles` and `unit` apply to duration KPIs (from/to) only",
                );
            }
            if is_duration && (k.max.is_some() || k.min.is_some()) {
                self.err_hint(
                    p.clone(),
                    "`max`/`min` apply to count KPIs",
                    "for durations use `within` and `target_share`",
                );
            }
            let mut classes = vec![true; s.arrivals.len()];
            if let Some(list) = &k.classes {
                classes = vec![false; s.arrivals.len()];
                for (i, c) in list.iter().enumerate() {
                    match self.class_ix.get(c.as_str()) {
                        Some(&ci) => classes[ci] = true,
                        None => {
                            let hint = closest(c, s.arrivals.keys());
                            self.err_hint(
                                p.key("classes").index(i),
                                format!("unknown class \"{c}\""),
                                hint,
                            );
                        }
                    }
                }
            }
            let mut acuities = [true; 6];
            if let Some(list) = &k.acuity {
                acuities = [false; 6];
                for (i, a) in list.iter().enumerate() {
                    if (1..=MAX_ACUITY).contains(a) {
                        acuities[*a as usize] = true;
                    } else {
                        self.err(
                            p.key("acuity").index(i),
                            format!("acuity runs from 1 to 5, got {a}"),
                        );
                    }
                }
            }
            let unit = match &kind {
                KpiKind::Duration { .. } => unit_name,
                KpiKind::PerDayReaching { .. } => "per day".into(),
                _ => "share".into(),
            };
            out.push(KpiDef {
                name: name.clone(),
                label: k.label.clone().unwrap_or_else(|| name.replace('_', " ")),
                unit,
                kind,
                classes,
                acuities,
                max: k.max,
                min: k.min,
            });
        }
        out
    }

    /// Every step a patient can reach must be able to reach an exit (or, in a
    /// parallel branch, the join): otherwise a loop of gotos traps patients forever.
    fn check_termination(&mut self, classes: &[ClassDef], starts: &HashMap<&str, u32>) {
        let n = self.program.len();
        let succ = |pc: usize, prog: &[Op], m: &Self| -> Vec<usize> {
            match prog[pc] {
                Op::Exit { .. } | Op::Join => vec![],
                Op::Jump { pc } => vec![pc as usize],
                Op::Branch { table } => m.branches[table as usize]
                    .targets
                    .iter()
                    .map(|&t| t as usize)
                    .collect(),
                Op::RouteBy { table } => m.routes[table as usize]
                    .targets
                    .iter()
                    .filter(|&&t| t != NONE)
                    .map(|&t| t as usize)
                    .collect(),
                _ => vec![pc + 1],
            }
        };
        let mut preds = vec![vec![]; n];
        for pc in 0..n {
            for s in succ(pc, &self.program, self) {
                if s < n {
                    preds[s].push(pc);
                }
            }
        }
        let mut can_end = vec![false; n];
        let mut stack: Vec<usize> = (0..n)
            .filter(|&pc| matches!(self.program[pc], Op::Exit { .. } | Op::Join))
            .collect();
        for &pc in &stack {
            can_end[pc] = true;
        }
        while let Some(pc) = stack.pop() {
            for &q in &preds[pc] {
                if !can_end[q] {
                    can_end[q] = true;
                    stack.push(q);
                }
            }
        }
        let mut reached = vec![false; n];
        let mut stack: Vec<usize> = classes.iter().map(|c| c.start_pc as usize).collect();
        stack.extend(self.forks.iter().flatten().map(|&pc| pc as usize));
        while let Some(pc) = stack.pop() {
            if pc >= n || reached[pc] {
                continue;
            }
            reached[pc] = true;
            stack.extend(succ(pc, &self.program, self));
        }
        let mut bad: Vec<&str> = vec![];
        for pc in 0..n {
            if reached[pc] && !can_end[pc] {
                let owner = starts
                    .iter()
                    .filter(|(_, s)| **s as usize <= pc)
                    .max_by_key(|(_, s)| **s)
                    .map(|(n, _)| *n)
                    .unwrap_or("?");
                if !bad.contains(&owner) {
                    bad.push(owner);
                }
            }
        }
        bad.sort();
        for name in bad {
            self.err_hint(path!["pathways", name], format!("patients in pathway \"{name}\" can never exit: every way on loops back without an exit"), "add an exit, or a branch option that leads to one");
        }
    }
}

fn parse_clock(t: &str) -> Option<f64> {
    let (h, m) = t.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then(|| (h * 60 + m) as f64)
}

//! Drills: events that strike the hospital (surge, outage, slowdown, staff
//! shortage, closure, epidemic) and the responses that answer them.

use super::arrivals::class_key;
use super::*;

/// Daily admissions of a CHIME-style discrete SIR model (see docs/drills.md).
#[allow(clippy::too_many_arguments)]
pub fn sir_admissions(
    population: f64,
    initial_infected: f64,
    beta: f64,
    gamma: f64,
    days: usize,
    mitigation_day: Option<usize>,
    contact_reduction: f64,
    admitted_share: f64,
) -> Vec<f64> {
    let (mut s, mut i, mut r) = (population - initial_infected, initial_infected, 0.0);
    let mut out = Vec::with_capacity(days);
    for day in 0..days {
        let b = if mitigation_day.is_some_and(|m| day >= m) {
            beta * (1.0 - contact_reduction)
        } else {
            beta
        };
        let (sn, inn, rn) = (s - b * s * i, i + b * s * i - gamma * i, r + gamma * i);
        let (sn, inn, rn) = (sn.max(0.0), inn.max(0.0), rn.max(0.0));
        let scale = population / (sn + inn + rn);
        let (sn, inn, rn) = (sn * scale, inn * scale, rn * scale);
        out.push((s - sn).max(0.0) * admitted_share);
        (s, i, r) = (sn, inn, rn);
    }
    out
}

/// What every drill event and response is compiled against: the pathways'
/// first ops, the calendar start and the horizon.
#[derive(Clone, Copy)]
struct DrillFrame<'a> {
    starts: &'a HashMap<&'a str, u32>,
    start: jiff::civil::DateTime,
    horizon: f64,
}

impl<'s> Compiler<'s> {
    /// Surge and epidemic patients form classes of their own, after the scenario's.
    pub(super) fn register_drill_classes(&mut self) {
        let s = self.s;
        let Some(d) = &s.drill else { return };
        for (i, e) in d.events.iter().enumerate() {
            if let DrillEvent::Surge { name, .. } | DrillEvent::Epidemic { name, .. } = e {
                if self.class_ix.contains_key(name.as_str()) {
                    self.err_hint(
                        path!["drill", "events"].index(i).key("name"),
                        format!("\"{name}\" is already the name of an arrival class"),
                        "give the drill's patients a name of their own",
                    );
                    continue;
                }
                self.class_ix.insert(name.as_str(), self.n_classes);
                self.n_classes += 1;
            }
        }
    }

    fn drill_time(
        &mut self,
        p: FieldPath,
        text: &str,
        start: jiff::civil::DateTime,
        horizon: f64,
    ) -> f64 {
        match self.timestamp(p.clone(), text) {
            Some(ts) => {
                let mins = ts.duration_since(start).as_secs_f64() / 60.0;
                if !(0.0..horizon).contains(&mins) {
                    self.err_hint(
                        p,
                        format!("{text} lies outside the simulated period"),
                        "drill times must fall between sim.start and sim.start + sim.horizon",
                    );
                }
                mins
            }
            None => 0.0,
        }
    }

    fn drill_resource(&mut self, p: FieldPath, name: &str) -> u16 {
        match self.resource_ix.get(name) {
            Some(&r) => r,
            None => {
                let hint = closest(name, self.s.resources.keys());
                self.err_hint(p, format!("unknown resource \"{name}\""), hint);
                0
            }
        }
    }

    /// A resource whose capacity a drill changes: an unlimited one has none
    /// to change.
    fn limited_resource(&mut self, p: FieldPath, name: &str) -> u16 {
        let unlimited = self
            .s
            .resources
            .get(name)
            .is_some_and(|r| r.capacity == Some(CapacitySpec::Unlimited));
        if unlimited {
            self.err_hint(
                p.clone(),
                format!("resource \"{name}\" has unlimited capacity, which a drill cannot change"),
                "give the resource a number of units to drill a shortage or an addition",
            );
        }
        self.drill_resource(p, name)
    }

    fn drill_class(&mut self, p: FieldPath, name: &str) -> usize {
        match self.class_ix.get(name) {
            Some(&c) => c,
            None => {
                let hint = closest(name, self.s.arrivals.keys());
                self.err_hint(p, format!("unknown arrival class \"{name}\""), hint);
                0
            }
        }
    }

    /// Compiles the drill's events into classes, capacity changes and slowdowns,
    /// and its responses into triggers and actions.
    pub(super) fn drill(
        &mut self,
        starts: &HashMap<&str, u32>,
        start: jiff::civil::DateTime,
        horizon: f64,
        classes: &mut Vec<ClassDef>,
    ) -> Option<DrillDef> {
        let d = self.s.drill.as_ref()?;
        let frame = DrillFrame {
            starts,
            start,
            horizon,
        };
        let base = path!["drill"];
        let mut def = DrillDef {
            name: d.name.clone().unwrap_or_else(|| "drill".into()),
            start: f64::INFINITY,
            end: 0.0,
            ..Default::default()
        };
        for (i, e) in d.events.iter().enumerate() {
            let p = base.key("events").index(i);
            let (t0, t1) = match e {
                e @ DrillEvent::Surge { .. } => self.surge(&p, e, frame, &mut def, classes),
                DrillEvent::Outage {
                    resource,
                    at,
                    duration,
                    units,
                } => {
                    let kind = units.map(ModKind::Remove).unwrap_or(ModKind::Scale(0.0));
                    self.capacity_event(&p, resource, at, *duration, kind, start, horizon, &mut def)
                }
                DrillEvent::Closure {
                    resource,
                    at,
                    duration,
                    units,
                } => self.capacity_event(
                    &p,
                    resource,
                    at,
                    *duration,
                    ModKind::Remove(*units),
                    start,
                    horizon,
                    &mut def,
                ),
                DrillEvent::StaffShortage {
                    resource,
                    at,
                    duration,
                    scale,
                } => {
                    if !(scale.is_finite() && (0.0..=1.0).contains(scale)) {
                        self.err_hint(
                            p.key("scale"),
                            format!("scale lies between 0 and 1, got {scale}"),
                            "0.8 for a 20% shortage",
                        );
                    }
                    self.capacity_event(
                        &p,
                        resource,
                        at,
                        *duration,
                        ModKind::Scale(*scale),
                        start,
                        horizon,
                        &mut def,
                    )
                }
                e @ DrillEvent::Slowdown { .. } => self.slowdown(&p, e, frame, &mut def),
                e @ DrillEvent::Epidemic { .. } => self.epidemic(&p, e, frame, &mut def, classes),
            };
            def.start = def.start.min(t0);
            def.end = def.end.max(t1);
        }
        if d.events.is_empty() {
            self.err_hint(base.key("events"), "a drill needs at least one event", "[[drill.events]] with kind = \"surge\", \"outage\", \"slowdown\", \"staff_shortage\", \"closure\" or \"epidemic\"");
        }
        for (i, r) in d.responses.iter().enumerate() {
            let p = base.key("responses").index(i);
            let response = self.response(&p, r, frame);
            def.responses.push(response);
        }
        if def.start > def.end {
            def.start = 0.0;
        }
        Some(def)
    }

    /// The pathway a drill's patients start in.
    fn drill_pathway(&mut self, starts: &HashMap<&str, u32>, p: FieldPath, name: &str) -> u32 {
        match starts.get(name) {
            Some(&pc) => pc,
            None => {
                let hint = closest(name, self.s.pathways.keys());
                self.err_hint(p, format!("unknown pathway \"{name}\""), hint);
                0
            }
        }
    }

    /// A surge (a mass-casualty incident): a class of its own whose patients
    /// arrive evenly over `over`; returns the event's window.
    fn surge(
        &mut self,
        p: &FieldPath,
        e: &DrillEvent,
        frame: DrillFrame<'_>,
        def: &mut DrillDef,
        classes: &mut Vec<ClassDef>,
    ) -> (f64, f64) {
        let DrillFrame {
            starts,
            start,
            horizon,
        } = frame;
        // Only ever called with a surge.
        let DrillEvent::Surge {
            name,
            at,
            over,
            patients,
            pathway,
            acuity,
        } = e
        else {
            return (0.0, 0.0);
        };
        let t0 = self.drill_time(p.key("at"), at, start, horizon);
        if *patients == 0 {
            self.err(p.key("patients"), "a surge needs at least one patient");
        } else if *patients > MAX_SURGE_PATIENTS {
            self.err_hint(
                p.key("patients"),
                format!("a surge brings at most {MAX_SURGE_PATIENTS} patients, got {patients}"),
                "split a larger incident into several surges, or model it as an epidemic",
            );
        }
        let start_pc = self.drill_pathway(starts, p.key("pathway"), pathway);
        let acuity_cumulative = self.acuity_mix(&p.key("acuity"), acuity.as_ref());
        def.classes.push(classes.len());
        classes.push(ClassDef {
            name: name.clone(),
            key: class_key(name),
            start_pc,
            process: ArrivalProcess::Surge {
                start: t0,
                end: t0 + over.minutes(),
                n: *patients,
            },
            acuity_cumulative,
            attributes: vec![],
            max_arrivals: u64::MAX,
        });
        (t0, t0 + over.minutes())
    }

    /// A slowdown of activities (an IT outage, a lab analyser down to
    /// manual): their durations times `factor`; returns the event's window.
    fn slowdown(
        &mut self,
        p: &FieldPath,
        e: &DrillEvent,
        frame: DrillFrame<'_>,
        def: &mut DrillDef,
    ) -> (f64, f64) {
        let DrillFrame { start, horizon, .. } = frame;
        // Only ever called with a slowdown.
        let DrillEvent::Slowdown {
            activities,
            at,
            duration,
            factor,
        } = e
        else {
            return (0.0, 0.0);
        };
        let t0 = self.drill_time(p.key("at"), at, start, horizon);
        if !(factor.is_finite() && *factor > 0.0) {
            self.err(
                p.key("factor"),
                format!("factor must be a number above zero, got {factor}"),
            );
        }
        for (k, a) in activities.iter().enumerate() {
            match self.activities.iter().position(|x| x == a) {
                Some(ai) => def.slowdowns.push(Slowdown {
                    activity: ai as u16,
                    start: t0,
                    end: t0 + duration.minutes(),
                    factor: *factor,
                }),
                None => {
                    let hint = closest(a, self.activities.iter());
                    self.err_hint(
                        p.key("activities").index(k),
                        format!("unknown activity \"{a}\""),
                        hint,
                    );
                }
            }
        }
        (t0, t0 + duration.minutes())
    }

    /// An epidemic: daily admissions of an SIR model (growth from a
    /// doubling time or R0, mitigation from a day on) as a class of its own;
    /// returns the event's window.
    fn epidemic(
        &mut self,
        p: &FieldPath,
        e: &DrillEvent,
        frame: DrillFrame<'_>,
        def: &mut DrillDef,
        classes: &mut Vec<ClassDef>,
    ) -> (f64, f64) {
        let DrillFrame {
            starts,
            start,
            horizon,
        } = frame;
        // Only ever called with an epidemic.
        let DrillEvent::Epidemic {
            name,
            pathway,
            at,
            duration,
            population,
            initial_infected,
            doubling_time,
            r0,
            infectious_period,
            hospitalisation_rate,
            market_share,
            mitigation_at,
            contact_reduction,
            acuity,
        } = e
        else {
            return (0.0, 0.0);
        };
        let t0 = self.drill_time(p.key("at"), at, start, horizon);
        let start_pc = self.drill_pathway(starts, p.key("pathway"), pathway);
        let acuity_cumulative = self.acuity_mix(&p.key("acuity"), acuity.as_ref());
        let days = (duration.minutes() / 1440.0).ceil().max(1.0) as usize;
        let gamma_days = infectious_period.minutes() / 1440.0;
        if gamma_days <= 0.0 {
            self.err(
                p.key("infectious_period"),
                "the infectious period must be longer than zero",
            );
        }
        let gamma = 1.0 / gamma_days.max(1e-9);
        let s0 = population - initial_infected;
        if !(population.is_finite() && *population <= MAX_POPULATION) {
            self.err_hint(
                p.key("population"),
                format!("population must lie between 1 and {MAX_POPULATION:.0}, got {population}"),
                "the people of the hospital's catchment area, e.g. 500000",
            );
        } else if !(*population > 0.0 && *initial_infected > 0.0 && s0 > 0.0) {
            self.err(p.key("population"), "population and initial_infected must be above zero, with initial_infected below population");
        }
        let beta = match (doubling_time, r0) {
            (Some(dt), None) => {
                let growth = 2f64.powf(1440.0 / dt.minutes().max(1e-9)) - 1.0;
                (growth + gamma) / s0.max(1.0)
            }
            (None, Some(r)) => r * gamma / population.max(1.0),
            _ => {
                self.err_hint(
                    p.clone(),
                    "an epidemic needs `doubling_time` or `r0`, not both or neither",
                    "doubling_time = \"4 d\" or r0 = 2.5",
                );
                0.0
            }
        };
        for (field, v) in [
            ("hospitalisation_rate", *hospitalisation_rate),
            ("market_share", *market_share),
            ("contact_reduction", *contact_reduction),
        ] {
            if !(0.0..=1.0).contains(&v) {
                self.err(
                    p.key(field),
                    format!("{field} lies between 0 and 1, got {v}"),
                );
            }
        }
        let mitigation_day = mitigation_at.as_ref().map(|m| {
            let tm = self.drill_time(p.key("mitigation_at"), m, start, horizon);
            ((tm - t0) / 1440.0).max(0.0).floor() as usize
        });
        let admissions = sir_admissions(
            *population,
            *initial_infected,
            beta,
            gamma,
            days,
            mitigation_day,
            *contact_reduction,
            hospitalisation_rate * market_share,
        );
        let rate_per_min: Vec<f64> = admissions.iter().map(|a| a / 1440.0).collect();
        let max_rate = rate_per_min.iter().cloned().fold(0.0, f64::max);
        if max_rate.is_nan() || max_rate * 1440.0 > MAX_ARRIVALS_PER_DAY {
            self.err_hint(
                    p.clone(),
                    format!(
                        "the epidemic peaks at {:.0} admissions a day, more than the {MAX_ARRIVALS_PER_DAY:.0} allowed",
                        max_rate * 1440.0
                    ),
                    "check population, hospitalisation_rate and market_share",
                );
        }
        def.classes.push(classes.len());
        def.epidemic_admissions
            .push((classes.len(), t0, admissions));
        classes.push(ClassDef {
            name: name.clone(),
            key: class_key(name),
            start_pc,
            process: ArrivalProcess::Piecewise {
                start: t0,
                step: 1440.0,
                rate_per_min,
                max_rate,
            },
            acuity_cumulative,
            attributes: vec![],
            max_arrivals: u64::MAX,
        });
        (t0, t0 + days as f64 * 1440.0)
    }

    /// A response: its trigger (a time or a condition) and its action.
    fn response(&mut self, p: &FieldPath, r: &ResponseSpec, frame: DrillFrame<'_>) -> ResponseDef {
        let DrillFrame { start, horizon, .. } = frame;
        let trigger = match (&r.at, &r.when) {
            (Some(at), None) => Trigger::At(self.drill_time(p.key("at"), at, start, horizon)),
            (None, Some(w)) => self.condition(p.key("when"), w),
            _ => {
                self.err_hint(
                    p.clone(),
                    "a response needs `at` or `when`, not both or neither",
                    "when = \"queue(ed_cubicle) > 15\" or at = \"2025-03-07T19:00\"",
                );
                Trigger::At(0.0)
            }
        };
        let action = match r.action.as_str() {
            "add_capacity" => {
                let res = match &r.resource {
                    Some(n) => self.limited_resource(p.key("resource"), n),
                    None => {
                        self.err(p.clone(), "add_capacity needs `resource`");
                        0
                    }
                };
                let units = r.units.unwrap_or(0);
                if units == 0 {
                    self.err_hint(
                        p.key("units"),
                        "add_capacity needs `units` of at least 1",
                        "units = 4",
                    );
                } else if units > MAX_CAPACITY {
                    self.err(
                        p.key("units"),
                        format!("a response adds at most {MAX_CAPACITY} units, got {units}"),
                    );
                }
                Action::AddCapacity {
                    resource: res,
                    units,
                }
            }
            "stop_arrivals" | "divert" => {
                let class = match &r.class {
                    Some(c) => self.drill_class(p.key("class"), c),
                    None => {
                        self.err(p.clone(), format!("{} needs `class`", r.action));
                        0
                    }
                };
                if r.action == "stop_arrivals" {
                    Action::StopArrivals { class }
                } else {
                    let share = r.share.unwrap_or(f64::NAN);
                    if !(0.0..=1.0).contains(&share) {
                        self.err_hint(
                            p.key("share"),
                            "divert needs a `share` between 0 and 1",
                            "share = 0.5 sends half the class's arrivals elsewhere",
                        );
                    }
                    Action::Divert { class, share }
                }
            }
            other => {
                self.err_hint(
                    p.key("action"),
                    format!("unknown action \"{other}\""),
                    "add_capacity, stop_arrivals or divert",
                );
                Action::StopArrivals { class: 0 }
            }
        };
        ResponseDef {
            name: r.name.clone(),
            trigger,
            delay: r.delay.minutes(),
            action,
            duration: r.duration.map(|d| d.minutes()).unwrap_or(f64::INFINITY),
        }
    }

    /// A capacity change of `resource` from `at` for `duration` (outage, closure,
    /// shortage); returns the event's window.
    #[allow(clippy::too_many_arguments)]
    fn capacity_event(
        &mut self,
        p: &FieldPath,
        resource: &str,
        at: &str,
        duration: crate::duration::Duration,
        kind: ModKind,
        start: jiff::civil::DateTime,
        horizon: f64,
        def: &mut DrillDef,
    ) -> (f64, f64) {
        let r = self.limited_resource(p.key("resource"), resource);
        let t0 = self.drill_time(p.key("at"), at, start, horizon);
        let t1 = t0 + duration.minutes();
        def.capacity_mods.push(CapacityMod {
            resource: r,
            start: t0,
            end: t1,
            kind,
        });
        (t0, t1)
    }

    /// Parses `queue(R) > 15`, `occupancy(R) >= 0.95`, `busy(R) >= 3`.
    fn condition(&mut self, p: FieldPath, text: &str) -> Trigger {
        let hint = "e.g. \"queue(ed_cubicle) > 15\", \"occupancy(icu_bed) >= 0.95\", \"busy(ct_scanner) >= 2\"";
        let parsed = (|| {
            let (f, rest) = text.split_once('(')?;
            let (res, rest) = rest.split_once(')')?;
            let rest = rest.trim();
            let (op, value) = [
                (">=", CmpOp::Ge),
                ("<=", CmpOp::Le),
                (">", CmpOp::Gt),
                ("<", CmpOp::Lt),
            ]
            .iter()
            .find_map(|(s, op)| rest.strip_prefix(s).map(|v| (*op, v)))?;
            let value: f64 = value.trim().parse().ok()?;
            Some((f.trim().to_string(), res.trim().to_string(), op, value))
        })();
        let Some((f, res, op, value)) = parsed else {
            self.err_hint(p, format!("cannot read the condition \"{text}\""), hint);
            return Trigger::At(0.0);
        };
        let metric = match f.as_str() {
            "queue" => Metric::Queue,
            "occupancy" => Metric::Occupancy,
            "busy" => Metric::Busy,
            other => {
                self.err_hint(
                    p.clone(),
                    format!("unknown measure \"{other}\" in the condition"),
                    "queue, occupancy or busy",
                );
                Metric::Queue
            }
        };
        let resource = self.drill_resource(p, &res);
        Trigger::When {
            resource,
            metric,
            op,
            value,
        }
    }
}

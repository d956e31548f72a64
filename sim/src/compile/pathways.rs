//! Pathways and steps: contexts (patient or parallel branch), the ops each step
//! emits, and jump resolution (the checks on the flow are in `flow.rs`).

use super::*;

impl<'s> Compiler<'s> {
    /// Arrival pathways run as patients (Main); fork targets as parallel branches.
    /// Jumps inherit the context of the pathway they leave. A pathway reached both
    /// ways is refused: a branch must end by rejoining, a patient by leaving.
    pub(super) fn contexts(&mut self) -> HashMap<&'s str, Context> {
        let s = self.s;
        let mut ctx: HashMap<&str, Context> = HashMap::new();
        let mut stack: Vec<(&str, Context)> = vec![];
        for a in s.arrivals.values() {
            stack.push((a.pathway.as_str(), Context::Main));
        }
        for e in s.drill.iter().flat_map(|d| &d.events) {
            if let DrillEvent::Surge { pathway, .. } | DrillEvent::Epidemic { pathway, .. } = e {
                stack.push((pathway.as_str(), Context::Main));
            }
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
                for t in st.pathway_targets(&ROUTE_NAMES) {
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

    pub(super) fn pathway(&mut self, index: usize, name: &str, pw: &PathwaySpec, ctx: Context) {
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
            let first_op = self.program.len();
            terminated = self.step(&p, st, ctx);
            self.note_step(index, i, first_op);
        }
        let first_op = self.program.len();
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
        self.note_step(index, pw.steps.len(), first_op);
    }

    /// Records that the ops from `first_op` to the end of the program belong to
    /// step `step` of pathway `index` (`step` = the number of steps: its end).
    fn note_step(&mut self, index: usize, step: usize, first_op: usize) {
        let at = (
            index.min(u16::MAX as usize) as u16,
            step.min(u16::MAX as usize) as u16,
        );
        self.step_of_pc.resize(self.program.len().max(first_op), at);
    }

    /// Emits one step; returns true when the step leaves the pathway.
    pub(super) fn step(&mut self, p: &FieldPath, st: &StepSpec, ctx: Context) -> bool {
        let (step, misplaced) = match st.typed() {
            Ok(typed) => typed,
            Err(StepShape::Several(kinds)) => {
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
            Err(StepShape::Nothing) => {
                self.err_hint(p.clone(), "this step does nothing", "give it one of: seize, release, activity, branch, route_by, fork, join, goto, exit, count, batch, consume, mark");
                return false;
            }
        };
        for field in misplaced {
            let kind = st.kind_name();
            self.err(
                p.key(field),
                format!("`{field}` has no meaning in a {kind} step"),
            );
        }
        let mark_now = |c: &mut Self| {
            if let Some(m) = &st.mark
                && let Some(ms) = c.ms_index(m)
            {
                c.program.push(Op::Mark { ms });
            }
        };
        match step {
            Step::Mark => {
                mark_now(self);
                false
            }
            Step::Seize(seize) => {
                let set = self.resource_set(p.key("seize"), seize.resources);
                let alternatives = self.alternatives(p, &seize);
                self.emit_seize(p, &seize.queue, set, alternatives);
                mark_now(self);
                false
            }
            Step::Release(release) => {
                mark_now(self);
                match release {
                    ReleaseSpec::One(n) if n == "all" => self.program.push(Op::ReleaseAll),
                    ReleaseSpec::One(n) => {
                        let set = self.resource_set(p.key("release"), std::slice::from_ref(n));
                        self.program.push(Op::Release { set });
                    }
                    ReleaseSpec::Many(v) => {
                        let set = self.resource_set(p.key("release"), v);
                        self.program.push(Op::Release { set });
                    }
                }
                false
            }
            Step::Activity(a) => {
                let dur = self.duration(p, &a.durations);
                let activity = self.activity_index(a.name);
                match a.uses {
                    Some(names) => {
                        let set = self.resource_set(p.key("use"), names);
                        let seize_pc = self.program.len() as u32;
                        self.emit_seize(p, &a.queue, set, NONE);
                        mark_now(self);
                        self.program.push(Op::Delay {
                            dur,
                            seize_pc,
                            activity,
                        });
                        self.program.push(Op::Release { set });
                    }
                    None => {
                        let q = a.queue;
                        let queueing = [
                            ("priority", q.priority.is_some()),
                            ("patience", q.patience.is_some()),
                            ("patience_by_acuity", q.patience_by_acuity.is_some()),
                            ("on_renege", q.on_renege.is_some()),
                        ];
                        for (f, _) in queueing.iter().filter(|(_, on)| *on) {
                            self.err(
                                p.key(f),
                                format!(
                                    "`{f}` needs `use` (an activity without resources never waits)"
                                ),
                            );
                        }
                        mark_now(self);
                        self.program.push(Op::Delay {
                            dur,
                            seize_pc: NONE,
                            activity,
                        });
                    }
                }
                false
            }
            Step::Branch(options) => {
                mark_now(self);
                self.branch(p, options);
                true
            }
            Step::RouteBy(route) => {
                mark_now(self);
                self.route_by(p, &route);
                true
            }
            Step::Fork(fork) => {
                mark_now(self);
                self.fork(p, &fork);
                false
            }
            Step::Join(join) => {
                if !join {
                    self.err_hint(p.key("join"), "`join = false` does nothing", "write `join = true` to wait for the branches started by `fork` with `wait = false`");
                }
                mark_now(self);
                self.program.push(Op::AwaitBranches);
                false
            }
            Step::Consume(consume) => {
                mark_now(self);
                self.consume_step(p, &consume);
                false
            }
            Step::Batch(batch) => {
                mark_now(self);
                let point = self.batch_point(p, &batch);
                self.program.push(Op::Batch { point });
                false
            }
            Step::Count(count) => {
                mark_now(self);
                self.count_step(p, &count);
                false
            }
            Step::Goto(target) => {
                mark_now(self);
                let pc = self.program.len();
                self.program.push(Op::Jump { pc: NONE });
                self.fixups
                    .push(Fixup::Jump(pc, target.to_string(), p.key("goto")));
                true
            }
            Step::Exit(route) => {
                if ctx == Context::Branch {
                    self.err_hint(
                        p.key("exit"),
                        "a parallel branch (fork) cannot exit the hospital",
                        "let the branch end; the patient continues after the fork",
                    );
                }
                mark_now(self);
                let route = self.route_index(p.key("exit"), route);
                self.program.push(Op::Exit { route });
                true
            }
        }
    }

    /// The alternatives of a seize, registered; `NONE` without any.
    fn alternatives(&mut self, p: &FieldPath, seize: &Seize) -> u32 {
        let Some(alts) = seize.alternatives else {
            if seize.mark_alternative.is_some() {
                self.err(
                    p.key("mark_alternative"),
                    "`mark_alternative` needs `alternatives`",
                );
            }
            return NONE;
        };
        if seize.resources.len() != 1 {
            self.err_hint(
                p.key("alternatives"),
                "alternatives stand in for one resource: the seize must name exactly one",
                "seize = [\"medical_bed\"], alternatives = [\"surgical_bed\"]",
            );
        }
        if alts.is_empty() {
            self.err(
                p.key("alternatives"),
                "give at least one alternative resource",
            );
        }
        let sets = alts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                self.resource_set(p.key("alternatives").index(i), std::slice::from_ref(a))
            })
            .collect();
        let mark = match seize.mark_alternative {
            Some(n) => self.ms_index(n).unwrap_or(NONE as u16),
            None => NONE as u16,
        };
        self.alternatives.push(Alternatives { sets, mark });
        (self.alternatives.len() - 1) as u32
    }

    /// A fork: its table of branch pathways (resolved later) and, unless
    /// `wait = false`, the wait for them.
    fn fork(&mut self, p: &FieldPath, fork: &Fork) {
        let list = fork.pathways;
        if list.is_empty() {
            self.err(p.key("fork"), "fork needs at least one pathway");
        }
        if list.len() > MAX_FORK_BRANCHES {
            self.err_hint(
                p.key("fork"),
                format!(
                    "a fork starts at most {MAX_FORK_BRANCHES} parallel branches, this one {}",
                    list.len()
                ),
                "group the work into fewer branch pathways",
            );
        }
        let at = self.forks.len();
        self.forks.push(vec![NONE; list.len()]);
        for (i, t) in list.iter().enumerate() {
            self.fixups
                .push(Fixup::Fork(at, i, t.clone(), p.key("fork").index(i)));
        }
        self.program.push(Op::Fork { list: at as u32 });
        if fork.wait {
            self.program.push(Op::AwaitBranches);
        }
    }

    pub(super) fn emit_seize(&mut self, p: &FieldPath, q: &Queueing, set: u32, alternatives: u32) {
        let prio = match q.priority {
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
        let patience = match (q.patience, q.patience_by_acuity) {
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
        let renege = match q.on_renege {
            Some(r) if !ROUTE_NAMES.contains(&r) && self.s.pathways.contains_key(r) => {
                let at = self.program.len();
                self.fixups
                    .push(Fixup::Renege(at, r.to_string(), p.key("on_renege")));
                Renege::Pathway(NONE)
            }
            Some(r) => Renege::Exit(self.route_index(p.key("on_renege"), r)),
            None => Renege::Exit(ROUTE_LEFT_UNSEEN),
        };
        self.program.push(Op::Seize {
            set,
            prio,
            patience,
            renege,
            alternatives,
        });
    }

    pub(super) fn duration(&mut self, p: &FieldPath, d: &Durations) -> DurRef {
        if let Some(w) = d.until_hour {
            if d.by_acuity.is_some() || d.by_class.is_some() {
                self.err(p.key("until_hour"), "`until_hour` goes with a plain `duration` (or none), not with durations by acuity or class");
            }
            let total: f64 = w.iter().sum();
            if w.len() != 24 || w.iter().any(|x| !x.is_finite() || *x < 0.0) || total <= 0.0 {
                self.err_hint(p.key("until_hour"), format!("expected 24 weights >= 0, not all zero (00:00 to 23:00), got {} values", w.len()), "e.g. discharges mostly 13:00-18:00: [0,0,0,0,0,0,0,0,1,2,4,6,8,10,12,13,13,11,8,5,3,2,1,1]");
                return DurRef::Dist(0);
            }
            let mut acc = 0.0;
            let mut cumulative = [0.0; 24];
            for (h, x) in w.iter().enumerate() {
                acc += x / total;
                cumulative[h] = acc;
            }
            cumulative[23] = f64::INFINITY;
            self.hour_profiles.push(cumulative);
            let profile = (self.hour_profiles.len() - 1) as u32;
            return match d.duration {
                Some(dist) => DurRef::DayThenHour {
                    dist: self.dist(p.key("duration"), dist),
                    profile,
                },
                None => DurRef::UntilHour(profile),
            };
        }
        let fallback = d.duration.map(|dist| self.dist(p.key("duration"), dist));
        let tables = [
            ("duration_by_acuity", d.by_acuity.is_some()),
            ("duration_by_class", d.by_class.is_some()),
            ("duration_by", d.by.is_some() || d.table.is_some()),
        ];
        let given: Vec<&str> = tables.iter().filter(|t| t.1).map(|t| t.0).collect();
        if given.len() > 1 {
            self.err_hint(
                p.clone(),
                format!("give one duration table, not {}", given.join(" and ")),
                "duration_by = \"acuity\", \"class\" or an attribute selects from one `durations` table",
            );
            return DurRef::Dist(0);
        }
        match (d.by, d.table) {
            (Some(by), Some(table)) => return self.keyed_durations(p, by, table, fallback),
            (Some(_), None) => {
                self.err_hint(
                    p.key("duration_by"),
                    "`duration_by` needs a `durations` table",
                    "e.g. durations = { rehab = { lognormal = { mean = \"7 d\", sd = \"5 d\" } }, home = { ... } }",
                );
                return DurRef::Dist(0);
            }
            (None, Some(_)) => {
                self.err_hint(
                    p.key("durations"),
                    "`durations` needs `duration_by` to say what selects from it",
                    "duration_by = \"acuity\", \"class\" or an attribute drawn at arrival",
                );
                return DurRef::Dist(0);
            }
            (None, None) => {}
        }
        match (d.by_acuity, d.by_class) {
            (Some(_), Some(_)) => DurRef::Dist(0),
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
                let mut row = vec![fallback.unwrap_or(NONE); self.n_classes];
                for (k, dist) in t {
                    match self.class_ix.get(k.as_str()) {
                        Some(&c) => row[c] = self.dist(p.key("duration_by_class").key(k), dist),
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

    pub(super) fn resolve_fixups(&mut self, starts: &HashMap<&str, u32>) {
        for f in std::mem::take(&mut self.fixups) {
            let (name, p) = match &f {
                Fixup::Jump(_, n, p)
                | Fixup::Count(_, n, p)
                | Fixup::Renege(_, n, p)
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
                Fixup::Renege(at, ..) => {
                    if let Op::Seize { renege, .. } = &mut self.program[at] {
                        *renege = Renege::Pathway(pc);
                    }
                }
                Fixup::Count(at, ..) => {
                    if let Op::Count { counter, limit, .. } = self.program[at] {
                        self.program[at] = Op::Count { counter, limit, pc };
                    }
                }
                Fixup::Branch(t, i, ..) => self.branches[t].targets[i] = pc,
                Fixup::Route(t, i, ..) => self.routes[t].targets[i] = pc,
                Fixup::Fork(t, i, ..) => self.forks[t][i] = pc,
            }
        }
    }
}

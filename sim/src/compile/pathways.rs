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
                let targets = st
                    .goto
                    .iter()
                    .chain(st.branch.iter().flatten().map(|b| &b.to))
                    .chain(st.routes.iter().flat_map(|r| r.values()))
                    .chain(st.default.iter())
                    .chain(st.on_limit.iter())
                    .chain(
                        st.on_renege
                            .iter()
                            .filter(|r| !ROUTE_NAMES.contains(&r.as_str())),
                    );
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
        let kinds = step_kinds(st);
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
                "alternatives",
                "mark_alternative",
            ],
            "count" => &["limit", "on_limit", "mark"],
            "batch" => &["use", "size", "every", "duration", "mark"],
            "consume" => &["quantity", "quantity_mean", "mark"],
            "activity" => &[
                "use",
                "duration",
                "duration_by_acuity",
                "duration_by_class",
                "until_hour",
                "priority",
                "patience",
                "patience_by_acuity",
                "on_renege",
                "mark",
            ],
            "route_by" => &["routes", "default", "mark"],
            "fork" => &["wait", "mark"],
            _ => &["mark"],
        };
        let present = [
            ("use", st.use_.is_some()),
            ("duration", st.duration.is_some()),
            ("duration_by_acuity", st.duration_by_acuity.is_some()),
            ("duration_by_class", st.duration_by_class.is_some()),
            ("until_hour", st.until_hour.is_some()),
            ("priority", st.priority.is_some()),
            ("patience", st.patience.is_some()),
            ("patience_by_acuity", st.patience_by_acuity.is_some()),
            ("on_renege", st.on_renege.is_some()),
            ("routes", st.routes.is_some()),
            ("default", st.default.is_some()),
            ("wait", st.wait.is_some()),
            ("alternatives", st.alternatives.is_some()),
            ("mark_alternative", st.mark_alternative.is_some()),
            ("limit", st.limit.is_some()),
            ("size", st.size.is_some()),
            ("quantity", st.quantity.is_some()),
            ("quantity_mean", st.quantity_mean.is_some()),
            ("every", st.every.is_some()),
            ("on_limit", st.on_limit.is_some()),
        ];
        if kind.is_empty() {
            self.err_hint(p.clone(), "this step does nothing", "give it one of: seize, release, activity, branch, route_by, fork, join, goto, exit, count, batch, consume, mark");
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
                let mut alternatives = NONE;
                if let Some(alts) = &st.alternatives {
                    if st.seize.as_ref().is_some_and(|s| s.len() != 1) {
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
                            self.resource_set(
                                p.key("alternatives").index(i),
                                std::slice::from_ref(a),
                            )
                        })
                        .collect();
                    let mark = match &st.mark_alternative {
                        Some(n) => self.ms_index(n).unwrap_or(NONE as u16),
                        None => NONE as u16,
                    };
                    self.alternatives.push(Alternatives { sets, mark });
                    alternatives = (self.alternatives.len() - 1) as u32;
                } else if st.mark_alternative.is_some() {
                    self.err(
                        p.key("mark_alternative"),
                        "`mark_alternative` needs `alternatives`",
                    );
                }
                self.emit_seize(p, st, set, alternatives);
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
                let activity = self.activity_index(st.activity.as_deref().unwrap_or_default());
                match &st.use_ {
                    Some(names) => {
                        let set = self.resource_set(p.key("use"), names);
                        let seize_pc = self.program.len() as u32;
                        self.emit_seize(p, st, set, NONE);
                        mark_now(self);
                        self.program.push(Op::Delay {
                            dur,
                            seize_pc,
                            activity,
                        });
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
                            activity,
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
                if st.wait.unwrap_or(true) {
                    self.program.push(Op::AwaitBranches);
                }
                false
            }
            "join" => {
                if st.join == Some(false) {
                    self.err_hint(p.key("join"), "`join = false` does nothing", "write `join = true` to wait for the branches started by `fork` with `wait = false`");
                }
                mark_now(self);
                self.program.push(Op::AwaitBranches);
                false
            }
            "consume" => {
                mark_now(self);
                self.consume_step(p, st);
                false
            }
            "batch" => {
                mark_now(self);
                let point = self.batch_point(p, st);
                self.program.push(Op::Batch { point });
                false
            }
            "count" => {
                mark_now(self);
                self.count_step(p, st);
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

    pub(super) fn emit_seize(&mut self, p: &FieldPath, st: &StepSpec, set: u32, alternatives: u32) {
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
        let renege = match &st.on_renege {
            Some(r) if !ROUTE_NAMES.contains(&r.as_str()) && self.s.pathways.contains_key(r) => {
                let at = self.program.len();
                self.fixups
                    .push(Fixup::Renege(at, r.clone(), p.key("on_renege")));
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

    pub(super) fn duration(&mut self, p: &FieldPath, st: &StepSpec) -> DurRef {
        if let Some(w) = &st.until_hour {
            if st.duration_by_acuity.is_some() || st.duration_by_class.is_some() {
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
            return match &st.duration {
                Some(d) => DurRef::DayThenHour {
                    dist: self.dist(p.key("duration"), d),
                    profile,
                },
                None => DurRef::UntilHour(profile),
            };
        }
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
                let mut row = vec![fallback.unwrap_or(NONE); self.n_classes];
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

/// What a step does: its kind fields that are set (one for a well-formed step).
pub(super) fn step_kinds(st: &StepSpec) -> Vec<&'static str> {
    [
        ("seize", st.seize.is_some()),
        ("release", st.release.is_some()),
        ("activity", st.activity.is_some()),
        ("branch", st.branch.is_some()),
        ("route_by", st.route_by.is_some()),
        ("fork", st.fork.is_some()),
        ("join", st.join.is_some()),
        ("goto", st.goto.is_some()),
        ("exit", st.exit.is_some()),
        ("count", st.count.is_some()),
        ("batch", st.batch.is_some()),
        ("consume", st.consume.is_some()),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(k, _)| *k)
    .collect()
}

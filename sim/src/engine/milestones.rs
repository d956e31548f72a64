//! Milestones (with the KPIs they close) and the ways an entity ends: reneging,
//! a branch joining its parent, a patient leaving by an exit route.

use super::*;

impl Engine<'_> {
    #[inline]
    pub(super) fn mark(&mut self, pid: u32, ms: u16) {
        let m = self.m;
        let root = self.patients[pid as usize].root as usize;
        let now = self.now;
        let p = &mut self.patients[root];
        if !p.ms[ms as usize].is_nan() {
            return;
        }
        p.ms[ms as usize] = now;
        if self.track {
            let ev = m.history.milestone_event[ms as usize];
            if let Some(e) = crate::history::Event::from_index(ev) {
                let mut unit = self.ext[root].loc;
                if e == crate::history::Event::EdDeparture {
                    // Leaving the ED happens in the ED, wherever the bed is.
                    let a = m.history.arrival_unit[self.patients[root].class as usize];
                    let ed =
                        m.history.unit_kinds.get(a as usize) == Some(&crate::history::UnitKind::Ed);
                    unit = if ed { a } else { crate::history::NO_UNIT };
                }
                self.log(pid, e, unit);
                if e.is_final() {
                    let x = &mut self.ext[root];
                    x.closed = true;
                    x.left_at = f64::NAN;
                }
            }
        }
        let p = &mut self.patients[root];
        let (ending, counting) = (
            &m.kpis_ending_at[ms as usize],
            &m.kpis_counting[ms as usize],
        );
        if ending.is_empty() && counting.is_empty() {
            return;
        }
        let (class, acuity, attrs) = (p.class as usize, p.acuity as usize, &p.attrs);
        if now >= m.warmup {
            for &k in counting {
                let def = &m.kpis[k as usize];
                if def.admits(class, acuity, attrs) {
                    self.out.kpis[k as usize].n += 1;
                }
            }
        }
        if p.arrival < m.warmup {
            return;
        }
        for &k in ending {
            let def = &m.kpis[k as usize];
            if !def.admits(class, acuity, attrs) {
                continue;
            }
            if let KpiKind::Duration { from, within, .. } = def.kind {
                let start = p.ms[from as usize];
                if start.is_nan() {
                    continue;
                }
                let v = now - start;
                let acc = &mut self.out.kpis[k as usize];
                acc.n += 1;
                acc.sum += v;
                if within.is_some_and(|w| v <= w) {
                    acc.within += 1;
                }
                if let Some(h) = &mut acc.hist {
                    h.record(v);
                }
            }
        }
    }

    /// A patient with no patience meets a full resource: counted as refused
    /// and sent where its seize says, at once. True when it goes on in a
    /// pathway (its program counter is set), false when it has left.
    pub(super) fn refuse(&mut self, pid: u32, set: usize) -> bool {
        let renege = match self.m.program[self.patients[pid as usize].pc as usize] {
            Op::Seize { renege, .. } => renege,
            _ => Renege::Exit(ROUTE_LEFT_UNSEEN),
        };
        if self.now >= self.m.warmup {
            for &r in &self.m.sets[set] {
                self.res[r as usize].refusals += 1;
            }
        }
        match renege {
            Renege::Pathway(target) => {
                self.patients[pid as usize].pc = target;
                true
            }
            Renege::Exit(route) => {
                if self.patients[pid as usize].parent != NONE {
                    self.join(pid);
                } else {
                    self.exit(pid, route);
                }
                false
            }
        }
    }

    pub(super) fn renege(&mut self, pid: u32) {
        let set = self.seize_set_of(pid);
        let renege = match self.m.program[self.patients[pid as usize].pc as usize] {
            Op::Seize { renege, .. } => renege,
            _ => Renege::Exit(ROUTE_LEFT_UNSEEN),
        };
        self.dequeue(pid, set);
        let now = self.now;
        if now >= self.m.warmup {
            let waited = now - self.patients[pid as usize].wait_start;
            for &r in &self.m.sets[set] {
                let res = &mut self.res[r as usize];
                res.reneges += 1;
                res.renege_wait_sum += waited;
            }
        }
        self.patients[pid as usize].waiting = false;
        let route = match renege {
            Renege::Pathway(target) => {
                // Goes on in a pathway (a cancelled operation is rebooked, a
                // refused ICU admission is transferred), keeping what it holds.
                self.patients[pid as usize].pc = target;
                self.advance(pid);
                return;
            }
            Renege::Exit(route) => route,
        };
        if self.patients[pid as usize].parent != NONE {
            // A parallel branch that gives up simply ends.
            self.join(pid);
        } else {
            self.exit(pid, route);
        }
    }

    /// End of a parallel branch: the parent continues when its last branch is back.
    pub(super) fn join(&mut self, pid: u32) {
        self.release_all(pid);
        if self.patients[pid as usize].pending > 0 {
            // Its own branches are still out: it rejoins when they are back.
            self.patients[pid as usize].gone = Gone::Joined;
            return;
        }
        let parent = self.patients[pid as usize].parent;
        self.free_slot(pid);
        self.branch_back(parent);
    }

    /// One of `parent`'s branches is back.
    pub(super) fn branch_back(&mut self, parent: u32) {
        let par = &mut self.patients[parent as usize];
        par.pending -= 1;
        if par.pending > 0 {
            return;
        }
        match par.gone {
            Gone::Exited => self.free.push(parent),
            Gone::Joined => self.join(parent),
            Gone::No => {
                if par.awaiting {
                    par.awaiting = false;
                    self.ready.push_back(parent);
                }
            }
        }
    }

    pub(super) fn exit(&mut self, pid: u32, route: u8) {
        let m = self.m;
        self.leaving = true;
        self.release_all(pid);
        self.leaving = false;
        self.mark(pid, MS_DEPARTURE);
        if self.track {
            let x = &self.ext[pid as usize];
            let (loc, left_at) = (x.loc, x.left_at);
            // A patient who left its bed long before (waiting at home for a new
            // date) was discharged then; one leaving its bed now departs by its route.
            if left_at.is_nan() || left_at >= self.now {
                self.log(pid, crate::history::Event::of_route(route), loc);
            } else {
                self.log_at(pid, left_at, crate::history::Event::Discharge, loc);
            }
        }
        self.out.departed[route as usize] += 1;
        let p = &self.patients[pid as usize];
        if p.arrival >= m.warmup {
            let (class, acuity, attrs) = (p.class as usize, p.acuity as usize, &p.attrs);
            for (k, def) in m.kpis.iter().enumerate() {
                if !def.admits(class, acuity, attrs) {
                    continue;
                }
                let hit = match def.kind {
                    KpiKind::ShareExiting { route: r } => r == route,
                    KpiKind::ShareReaching { ms } => !p.ms[ms as usize].is_nan(),
                    _ => continue,
                };
                let acc = &mut self.out.kpis[k];
                acc.den += 1;
                acc.n += u64::from(hit);
            }
        }
        if self.trace_on {
            let p = &self.patients[pid as usize];
            self.out.trace.push(TraceRow {
                id: p.id,
                class: p.class,
                acuity: p.acuity,
                attributes: p.attrs,
                route: Some(route),
                milestones: p.ms.clone(),
            });
        }
        if self.patients[pid as usize].pending > 0 {
            // Branches it started (a lab sample, say) are still running: the
            // patient has left, but the slot stays until they are back.
            let p = &mut self.patients[pid as usize];
            p.live = false;
            p.token = p.token.wrapping_add(1);
            p.gone = Gone::Exited;
            return;
        }
        self.free_slot(pid);
    }

    pub(super) fn free_slot(&mut self, pid: u32) {
        let p = &mut self.patients[pid as usize];
        p.live = false;
        p.token = p.token.wrapping_add(1);
        self.free.push(pid);
    }
}

//! Resource pools: seizing, queueing, dispatching freed units, releasing and
//! preemption.

use super::*;

pub(super) struct Res {
    pub(super) cap: u32,
    pub(super) busy: u32,
    pub(super) qlen: u32,
    pub(super) boarders: u32,
    pub(super) levels: Vec<VecDeque<(u32, u32)>>,
    pub(super) in_service: Vec<(u32, u8)>,
    pub(super) last: f64,
    pub(super) a_busy: f64,
    pub(super) a_cap: f64,
    pub(super) a_queue: f64,
    pub(super) a_board: f64,
    pub(super) max_queue: u32,
    pub(super) wait_sum: f64,
    pub(super) waits: u64,
    pub(super) renege_wait_sum: f64,
    pub(super) reneges: u64,
    /// Patients turned away at once because the resource was full (a
    /// patience of zero: refuse when full); they never queue.
    pub(super) refusals: u64,
    /// Units in turnaround (counted in `busy`: not available).
    pub(super) cleaning: u32,
    /// Units down for breakdown or maintenance (taken off the capacity).
    pub(super) down: u32,
    pub(super) a_clean: f64,
    pub(super) a_down: f64,
    /// Time with more than 85% / 92% of the available units busy.
    pub(super) t_over85: f64,
    pub(super) t_over92: f64,
    /// Unit-minutes busy beyond the capacity (service that ran past a roster
    /// drop: a theatre list overrunning its session, staff overtime).
    pub(super) a_overrun: f64,
    /// Unit-minutes of activities begun after the warm-up while holding
    /// this resource, each whole (see [`ResourceRep::started_area`]).
    pub(super) started: f64,
    /// Most units busy at once.
    pub(super) max_busy: u32,
    /// Busy counts above which more than 85% / 92% of the capacity is in use
    /// (kept with the capacity so that `touch` compares, not multiplies).
    pub(super) over85: u32,
    pub(super) over92: u32,
    /// Minutes spent at each number of units in use (index = units), the
    /// occupancy distribution; as long as the most units ever in use, plus one.
    pub(super) occ: Vec<f64>,
}

impl Res {
    /// Sets the capacity and the occupancy thresholds that go with it.
    pub(super) fn set_cap(&mut self, cap: u32) {
        self.cap = cap;
        let at = |share: u64| {
            if cap == 0 {
                u32::MAX
            } else {
                (share * cap as u64 / 100) as u32
            }
        };
        self.over85 = at(85);
        self.over92 = at(92);
    }

    /// One more unit in use now (a patient's or a batch run's), counted in
    /// the time averages and the peak.
    #[inline]
    pub(super) fn occupy(&mut self, now: f64) {
        self.touch(now);
        self.busy += 1;
        if self.busy > self.max_busy {
            self.max_busy = self.busy;
            // max_busy only falls back to busy at the warm-up, so `occ` is
            // long enough whenever busy is at most max_busy.
            if self.busy as usize >= self.occ.len() {
                self.occ.resize(self.busy as usize + 1, 0.0);
            }
        }
    }

    /// One unit given back now.
    #[inline]
    pub(super) fn vacate(&mut self, now: f64) {
        self.touch(now);
        self.busy -= 1;
    }

    #[inline]
    pub(super) fn touch(&mut self, now: f64) {
        let dt = now - self.last;
        if dt > 0.0 {
            self.a_busy += self.busy as f64 * dt;
            self.a_cap += self.cap as f64 * dt;
            self.a_queue += self.qlen as f64 * dt;
            self.a_board += self.boarders as f64 * dt;
            self.a_clean += self.cleaning as f64 * dt;
            if self.busy > self.cap {
                self.a_overrun += (self.busy - self.cap) as f64 * dt;
            }
            self.a_down += self.down as f64 * dt;
            if let Some(t) = self.occ.get_mut(self.busy as usize) {
                *t += dt;
            }
            // busy > over85 <=> busy/cap > 0.85 (integers: no rounding at the edge).
            if self.busy > self.over85 {
                self.t_over85 += dt;
                if self.busy > self.over92 {
                    self.t_over92 += dt;
                }
            }
            self.last = now;
        }
    }
}

impl Engine<'_> {
    #[inline]
    pub(super) fn can_seize(&self, set: usize) -> bool {
        self.m.sets[set].iter().all(|&r| {
            let r = &self.res[r as usize];
            r.busy < r.cap
        })
    }

    /// Takes every resource of the set (the caller checked they are free).
    pub(super) fn take(&mut self, pid: u32, set: usize) {
        let now = self.now;
        let warm = now >= self.m.warmup;
        let p = &mut self.patients[pid as usize];
        let wait = if p.waiting { now - p.wait_start } else { 0.0 };
        for &r in &self.m.sets[set] {
            let res = &mut self.res[r as usize];
            res.occupy(now);
            if warm {
                res.waits += 1;
                res.wait_sum += wait;
            }
            p.holds.push(r);
        }
        p.waiting = false;
        if self.track {
            self.log_entries(pid, set);
        }
    }

    /// The first free alternative of a seize whose own resource is full:
    /// taken, its milestone marked, and remembered as standing in for the
    /// seize's resource, so that releasing that name releases it. False when
    /// every alternative is full too.
    pub(super) fn take_alternative(&mut self, pid: u32, set: usize, table: u32) -> bool {
        let m = self.m;
        let alts = &m.alternatives[table as usize];
        let Some(&alt) = alts.sets.iter().find(|&&s| self.can_seize(s as usize)) else {
            return false;
        };
        self.take(pid, alt as usize);
        if let (Some(&asked), Some(&taken)) = (m.sets[set].first(), m.sets[alt as usize].first()) {
            self.patients[pid as usize].stand_ins.push((taken, asked));
        }
        if alts.mark != NONE as u16 {
            self.mark(pid, alts.mark);
        }
        true
    }

    /// Joins the queue of every resource in the set. A preempted patient goes to
    /// the front of its priority level, to resume before others of its priority.
    pub(super) fn enqueue(&mut self, pid: u32, set: usize, front: bool) {
        let now = self.now;
        let p = &mut self.patients[pid as usize];
        p.waiting = true;
        p.wait_start = now;
        p.boarding = !p.holds.is_empty();
        let (tok, prio, boarding) = (p.token, p.prio as usize, p.boarding);
        for &r in &self.m.sets[set] {
            let res = &mut self.res[r as usize];
            res.touch(now);
            res.qlen += 1;
            res.max_queue = res.max_queue.max(res.qlen);
            if boarding {
                res.boarders += 1;
            }
            let level = if res.levels.len() == 1 {
                0
            } else {
                prio.min(LEVELS - 1)
            };
            if front {
                res.levels[level].push_front((pid, tok));
            } else {
                res.levels[level].push_back((pid, tok));
            }
        }
    }

    /// Leaves every queue of the set (entries go stale through the token).
    pub(super) fn dequeue(&mut self, pid: u32, set: usize) {
        let now = self.now;
        let p = &mut self.patients[pid as usize];
        p.token = p.token.wrapping_add(1);
        let boarding = p.boarding;
        for &r in &self.m.sets[set] {
            let res = &mut self.res[r as usize];
            res.touch(now);
            res.qlen -= 1;
            if boarding {
                res.boarders -= 1;
            }
        }
    }

    pub(super) fn seize_set_of(&self, pid: u32) -> usize {
        match self.m.program[self.patients[pid as usize].pc as usize] {
            Op::Seize { set, .. } => set as usize,
            _ => unreachable!("a waiting patient always stands on a seize step"),
        }
    }

    /// Hands free units of resource `r` to waiting patients, most urgent first.
    /// A patient who needs several resources is skipped while another is busy.
    pub(super) fn dispatch(&mut self, r: usize) {
        // Batch runs waiting for this resource start first (a full rack of
        // samples does not wait behind patients who arrived later).
        let m = self.m;
        for &p in &m.resources[r].batch_points {
            self.try_start_batch(p as usize);
        }
        let n_levels = self.res[r].levels.len();
        for level in 0..n_levels {
            let mut k = 0;
            loop {
                if self.res[r].busy >= self.res[r].cap {
                    return;
                }
                let Some(&(pid, tok)) = self.res[r].levels[level].get(k) else {
                    break;
                };
                if self.patients[pid as usize].token != tok || !self.patients[pid as usize].waiting
                {
                    if k == 0 {
                        self.res[r].levels[level].pop_front();
                    } else {
                        k += 1;
                    }
                    continue;
                }
                let set = self.seize_set_of(pid);
                if self.can_seize(set) {
                    self.dequeue(pid, set);
                    self.take(pid, set);
                    self.patients[pid as usize].pc += 1;
                    self.ready.push_back(pid);
                    if k == 0 {
                        self.res[r].levels[level].pop_front();
                    }
                } else {
                    k += 1;
                }
            }
        }
    }

    /// Frees one held unit of `r`, if held, and optionally serves the queue.
    pub(super) fn release_one(&mut self, pid: u32, r: u16, dispatch: bool) {
        let p = &mut self.patients[pid as usize];
        // A resource taken in place of `r` (an outlier's surgical bed for a
        // medical one) is released by `r`'s name as well as by its own.
        let r = match p
            .stand_ins
            .iter()
            .position(|&(taken, asked)| taken == r || asked == r)
        {
            Some(k) if !p.holds.contains(&r) || p.stand_ins[k].0 == r => {
                p.stand_ins.swap_remove(k).0
            }
            _ => r,
        };
        let Some(pos) = p.holds.iter().position(|&h| h == r) else {
            return;
        };
        p.holds.swap_remove(pos);
        if self.track && !self.leaving {
            self.log_leaving(pid, r);
        }
        let now = self.now;
        let turnaround = self.m.resources[r as usize].turnaround;
        // A unit handed straight to a preemptor (dispatch = false) is not cleaned.
        if dispatch && turnaround != NONE {
            let d = self.m.dists[turnaround as usize].sample(&mut self.res_rng[r as usize]);
            let res = &mut self.res[r as usize];
            res.touch(now);
            res.cleaning += 1;
            self.schedule(now + d, EvKind::Turnaround, r as u32, 0);
            return;
        }
        self.res[r as usize].vacate(now);
        if dispatch {
            self.dispatch(r as usize);
        }
    }

    /// A unit's turnaround is over: it is free again.
    pub(super) fn end_turnaround(&mut self, r: usize) {
        let now = self.now;
        let res = &mut self.res[r];
        res.vacate(now);
        res.cleaning -= 1;
        self.dispatch(r);
    }

    pub(super) fn release_all(&mut self, pid: u32) {
        while let Some(&r) = self.patients[pid as usize].holds.last() {
            self.release_one(pid, r, true);
        }
    }

    /// For a patient whose priority may preempt: frees a unit of each busy
    /// resource of the set from the least urgent patient in service there, who
    /// returns to the front of its queue with the time it still needs. Returns
    /// true when the preemptor now holds the set (its step is done).
    pub(super) fn try_preempt(&mut self, pid: u32, set: usize) -> bool {
        let m = self.m;
        let prio = self.patients[pid as usize].prio;
        let mut victims: Vec<u32> = vec![];
        for &r in &m.sets[set] {
            let res = &self.res[r as usize];
            if res.busy < res.cap {
                continue;
            }
            // A victim already chosen frees every resource of its activity.
            let covered = victims.iter().any(|&v| {
                let pc = self.patients[v as usize].act_seize_pc as usize;
                matches!(m.program[pc], Op::Seize { set: vs, .. } if m.sets[vs as usize].contains(&r))
            });
            if covered {
                continue;
            }
            if m.resources[r as usize].preempt_mask & (1 << prio) == 0 {
                return false;
            }
            let victim = res
                .in_service
                .iter()
                .enumerate()
                .filter(|(_, (v, vp))| *vp > prio && !victims.contains(v))
                .max_by_key(|(k, (_, vp))| (*vp, *k))
                .map(|(_, (v, _))| *v);
            match victim {
                Some(v) => victims.push(v),
                None => return false,
            }
        }
        let mut freed = vec![];
        for v in victims {
            let vi = v as usize;
            let seize_pc = self.patients[vi].act_seize_pc;
            let Op::Seize { set: vset, .. } = m.program[seize_pc as usize] else {
                continue;
            };
            self.leave_service_lists(v);
            let now = self.now;
            let p = &mut self.patients[vi];
            p.token = p.token.wrapping_add(1);
            p.remaining = (p.delay_end - now).max(0.0);
            p.pc = seize_pc;
            for &r in &m.sets[vset as usize] {
                self.release_one(v, r, false);
                freed.push(r);
            }
            self.enqueue(v, vset as usize, true);
        }
        let ok = self.can_seize(set);
        if ok {
            self.take(pid, set);
            self.patients[pid as usize].pc += 1;
        }
        // Units the victims freed beyond what the preemptor took go to the queues.
        for r in freed {
            self.dispatch(r as usize);
        }
        ok
    }

    pub(super) fn leave_service_lists(&mut self, pid: u32) {
        let m = self.m;
        let p = &mut self.patients[pid as usize];
        p.in_preemptible = false;
        let seize_pc = p.act_seize_pc;
        if seize_pc == NONE {
            return;
        }
        if let Op::Seize { set, .. } = m.program[seize_pc as usize] {
            for &r in &m.sets[set as usize] {
                let list = &mut self.res[r as usize].in_service;
                if let Some(pos) = list.iter().position(|(v, _)| *v == pid) {
                    list.remove(pos);
                }
            }
        }
    }
}

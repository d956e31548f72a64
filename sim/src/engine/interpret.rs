//! The pathway interpreter: a patient's program of ops run until it waits, is
//! delayed, forks or leaves; and the draws it makes (durations, patience).

use super::*;

/// A clock time (minutes after midnight) drawn from a cumulative hour profile.
fn clock_time(cumulative: &[f64; 24], rng: &mut Pcg64Mcg) -> f64 {
    let (u, v): (f64, f64) = (rng.random(), rng.random());
    let hour = cumulative.iter().position(|&c| u < c).unwrap_or(23);
    (hour as f64 + v) * 60.0
}

/// A seize step's patience in minutes (infinite without one). Drawn whether or
/// not the patient waits, so that each patient's stream stays aligned across
/// policy variants (common random numbers).
#[inline]
fn draw_patience(m: &Model, p: &mut Patient, patience: u32) -> f64 {
    if patience == NONE {
        return f64::INFINITY;
    }
    let d = m.by_acuity[patience as usize][p.acuity as usize];
    if d == NONE {
        return f64::INFINITY;
    }
    m.dists[d as usize].sample(&mut p.rng)
}

/// An activity's duration drawn for an activity that starts at `start`.
fn draw_duration(m: &Model, p: &mut Patient, dur: DurRef, start: f64) -> f64 {
    match dur {
        DurRef::Dist(d) => m.dists[d as usize].sample(&mut p.rng),
        DurRef::ByAcuity(t) => {
            m.dists[m.by_acuity[t as usize][p.acuity as usize] as usize].sample(&mut p.rng)
        }
        DurRef::ByClass(t) => {
            m.dists[m.by_class[t as usize][p.class as usize] as usize].sample(&mut p.rng)
        }
        DurRef::ByAttribute { attr, table } => {
            let slot = p.attrs[attr as usize] as usize;
            m.dists[m.by_attribute[table as usize][slot] as usize].sample(&mut p.rng)
        }
        DurRef::UntilHour(t) => {
            let target = clock_time(&m.hour_profiles[t as usize], &mut p.rng);
            (target - m.minute_of_day(start)).rem_euclid(1440.0)
        }
        DurRef::DayThenHour { dist, profile } => {
            let stay = m.dists[dist as usize].sample(&mut p.rng);
            let target = clock_time(&m.hour_profiles[profile as usize], &mut p.rng);
            // Same calendar day as the sampled end, at the drawn time; the next
            // day if that time has already passed.
            let end = start + stay;
            let day_start = end - m.minute_of_day(end);
            let mut t = day_start + target;
            if t < start {
                t += 1440.0;
            }
            t - start
        }
    }
}

impl Engine<'_> {
    /// Runs a patient's program until it waits, is delayed, forks or leaves.
    pub(super) fn advance(&mut self, pid: u32) {
        let m = self.m;
        let i = pid as usize;
        // The run-time loop guard: jumps in this one go (no wait, no delay),
        // counted in a register.
        let mut jumps: u32 = 0;
        loop {
            let pc = self.patients[i].pc;
            if self.track {
                let x = &mut self.ext[i];
                if !x.replay_stay.is_nan()
                    && !x.replay_armed
                    && m.history.resume_start.get(x.loc as usize) == Some(&pc)
                {
                    x.replay_armed = true;
                }
            }
            match m.program[pc as usize] {
                Op::Mark { ms } => {
                    self.mark(pid, ms);
                    self.patients[i].pc += 1;
                }
                Op::Seize {
                    set,
                    prio,
                    patience,
                    alternatives,
                    ..
                } => {
                    let p = &mut self.patients[i];
                    p.prio = match prio {
                        Prio::Acuity => p.acuity,
                        Prio::Fixed(v) => v,
                    };
                    // Drawn whether or not the patient waits (aligned streams).
                    let patience_min = draw_patience(m, p, patience);
                    let set_ix = set as usize;
                    if self.can_seize(set_ix) {
                        self.take(pid, set_ix);
                        self.patients[i].pc += 1;
                    } else if alternatives != NONE
                        && self.take_alternative(pid, set_ix, alternatives)
                    {
                        self.patients[i].pc += 1;
                    } else if !self.try_preempt(pid, set_ix) {
                        if patience_min <= 0.0 {
                            // Refused when full: turned away now, never in
                            // the queue; going on in a pathway is a jump.
                            if !self.refuse(pid, set_ix) {
                                return;
                            }
                            jumps += 1;
                            if jumps > MAX_JUMPS_PER_INSTANT {
                                self.loop_fault(pid);
                                return;
                            }
                            continue;
                        }
                        self.enqueue(pid, set_ix, false);
                        if patience_min.is_finite() {
                            let tok = self.patients[i].token;
                            self.schedule(self.now + patience_min, EvKind::Renege, pid, tok);
                        }
                        return;
                    }
                }
                Op::Consume { item, qty, mean } => {
                    if self.consume(pid, item, qty, mean) {
                        self.patients[i].pc += 1;
                    } else {
                        return;
                    }
                }
                Op::Batch { point } => {
                    self.join_batch(pid, point as usize);
                    return;
                }
                Op::Count {
                    counter,
                    limit,
                    pc: target,
                } => {
                    let p = &mut self.patients[i];
                    let c = &mut p.counters[counter as usize];
                    *c = c.saturating_add(1);
                    if *c >= limit {
                        p.pc = target;
                        jumps += 1;
                        if jumps > MAX_JUMPS_PER_INSTANT {
                            self.loop_fault(pid);
                            return;
                        }
                    } else {
                        p.pc += 1;
                    }
                }
                Op::Release { set } => {
                    for k in 0..m.sets[set as usize].len() {
                        let r = m.sets[set as usize][k];
                        self.release_one(pid, r, true);
                    }
                    self.patients[i].pc += 1;
                }
                Op::ReleaseAll => {
                    self.release_all(pid);
                    self.patients[i].pc += 1;
                }
                Op::Delay {
                    dur,
                    seize_pc,
                    activity,
                } => {
                    let now = self.now;
                    let p = &mut self.patients[i];
                    let special = self.track && p.remaining.is_nan() && {
                        let x = &self.ext[i];
                        (x.replay_armed && !x.replay_stay.is_nan()) || x.elapsed > 0.0
                    };
                    let d = if special {
                        // The replayed stay or the census time is spent here.
                        let x = self.ext[i];
                        let e = &mut self.ext[i];
                        e.replay_armed = false;
                        e.replay_stay = f64::NAN;
                        e.elapsed = 0.0;
                        if x.replay_armed && !x.replay_stay.is_nan() {
                            // Replayed: the stay ends when the log says it did.
                            (x.loc_since + x.replay_stay - now).max(0.0)
                        } else {
                            // A census patient: the duration counted from when the
                            // activity began, conditional on not having ended yet.
                            let anchor = now - x.elapsed;
                            let mut end = anchor + draw_duration(m, p, dur, anchor);
                            let mut tries = 0;
                            while end <= now && tries < 10_000 {
                                end = anchor + draw_duration(m, p, dur, anchor);
                                tries += 1;
                            }
                            (end - now).max(0.0)
                        }
                    } else if p.remaining.is_nan() {
                        let d = draw_duration(m, p, dur, now);
                        let d = match &m.drill {
                            Some(drill) if !drill.slowdowns.is_empty() => {
                                d * slowdown_factor(drill, activity, now)
                            }
                            _ => d,
                        };
                        // Utilisation as "started by the horizon": the whole
                        // sampled duration of an activity begun in the window,
                        // counted on every resource the patient holds for it.
                        if now >= m.warmup {
                            for &r in &p.holds {
                                self.res[r as usize].started += d;
                            }
                        }
                        d
                    } else {
                        std::mem::replace(&mut p.remaining, f64::NAN)
                    };
                    p.delay_end = self.now + d;
                    p.act_seize_pc = seize_pc;
                    p.pc += 1;
                    let (end, tok, prio) = (p.delay_end, p.token, p.prio);
                    if seize_pc != NONE
                        && let Op::Seize { set, .. } = m.program[seize_pc as usize]
                    {
                        for &r in &m.sets[set as usize] {
                            if m.resources[r as usize].preempt_mask != 0 {
                                self.res[r as usize].in_service.push((pid, prio));
                                self.patients[i].in_preemptible = true;
                            }
                        }
                    }
                    self.schedule(end, EvKind::Resume, pid, tok);
                    return;
                }
                Op::Branch { table } => {
                    let p = &mut self.patients[i];
                    let u: f64 = p.rng.random();
                    let t = &m.branches[table as usize];
                    let row = &t.cumulative[p.acuity as usize];
                    let k = row.iter().position(|&c| u < c).unwrap_or(row.len() - 1);
                    p.pc = t.targets[k];
                    jumps += 1;
                    if jumps > MAX_JUMPS_PER_INSTANT {
                        self.loop_fault(pid);
                        return;
                    }
                }
                Op::RouteBy { table } => {
                    let p = &mut self.patients[i];
                    let t = &m.routes[table as usize];
                    let key = match t.key {
                        PatientKey::Acuity => p.acuity as usize,
                        PatientKey::Class => p.class as usize,
                        PatientKey::Attribute(a) => p.attrs[a as usize] as usize,
                    };
                    p.pc = t.targets[key];
                    jumps += 1;
                    if jumps > MAX_JUMPS_PER_INSTANT {
                        self.loop_fault(pid);
                        return;
                    }
                }
                Op::Jump { pc } => {
                    self.patients[i].pc = pc;
                    jumps += 1;
                    if jumps > MAX_JUMPS_PER_INSTANT {
                        self.loop_fault(pid);
                        return;
                    }
                }
                Op::AwaitBranches => {
                    let p = &mut self.patients[i];
                    p.pc += 1;
                    if p.pending > 0 {
                        p.awaiting = true;
                        return;
                    }
                }
                Op::Fork { list } => {
                    let branches = &m.forks[list as usize];
                    self.patients[i].pending += branches.len() as u32;
                    self.patients[i].pc += 1;
                    for &start in branches {
                        let seed = self.patients[i].rng.next_u64();
                        let child = self.alloc(stream(seed, 0, 0, 0));
                        let p = &self.patients[i];
                        let who = Identity {
                            arrival: p.arrival,
                            id: p.id,
                            class: p.class,
                            acuity: p.acuity,
                            prio: p.prio,
                            root: p.root,
                            attrs: p.attrs,
                        };
                        self.start_entity(child, start, pid, who);
                        self.ready.push_back(child);
                    }
                }
                Op::Join => {
                    self.join(pid);
                    return;
                }
                Op::Exit { route } => {
                    self.exit(pid, route);
                    return;
                }
            }
        }
    }
}

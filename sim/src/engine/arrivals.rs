//! Arrivals and capacity changes: the processes that put work into the model.

use super::*;

/// The attribute slots of a new patient of class `class`: one uniform per
/// attribute the class draws, from the patient's own stream, so that a
/// variant changing an attribute's mix keeps the patients' other draws
/// aligned (common random numbers).
#[inline]
fn draw_attributes(class: &ClassDef, rng: &mut Pcg64Mcg) -> [u8; MAX_ATTRIBUTES] {
    let mut attrs = [0; MAX_ATTRIBUTES];
    for (a, cumulative) in &class.attributes {
        let u: f64 = rng.random();
        let k = cumulative
            .iter()
            .position(|&c| u < c)
            .unwrap_or(cumulative.len().saturating_sub(1));
        attrs[*a as usize] = (k + 1) as u8;
    }
    attrs
}

impl Engine<'_> {
    pub(super) fn schedule_capacity_change(&mut self, r: usize) {
        let m = self.m;
        let Capacity::Roster(_) = m.resources[r].capacity else {
            return;
        };
        let cur = m.resources[r].capacity_at_hour(m.hour_of_week(self.now));
        // Next hour boundary at which the roster differs from its current value.
        let first = ((m.start_minute_of_week + self.now) / 60.0).floor() * 60.0 + 60.0
            - m.start_minute_of_week;
        for k in 0..168 {
            let t = first + 60.0 * k as f64;
            if t > m.horizon {
                return;
            }
            if m.resources[r].capacity_at_hour(m.hour_of_week(t)) != cur {
                self.schedule(t, EvKind::Capacity, r as u32, 0);
                return;
            }
        }
    }

    pub(super) fn schedule_next_arrival(&mut self, c: usize) {
        let m = self.m;
        let class = &m.classes[c];
        if self.arrivals_made[c] >= class.max_arrivals {
            return;
        }
        if let Some((t, count)) = self.next_arrival(c, &class.process) {
            self.schedule(t, EvKind::Arrival, c as u32, count);
        }
    }

    /// The next arrival time and count of class `c` under `process`, if any
    /// before the horizon.
    fn next_arrival(&mut self, c: usize, process: &ArrivalProcess) -> Option<(f64, u32)> {
        let m = self.m;
        match process {
            ArrivalProcess::Poisson {
                rate_per_min,
                max_rate,
                flat,
            } => {
                // Thinning (Lewis and Shedler): candidates at the peak rate, each kept
                // with probability rate(t) / peak.
                let rng = &mut self.arrival_rng[c];
                let mut t = self.now;
                loop {
                    let gap: f64 = Exp1.sample(rng);
                    t += gap / max_rate;
                    if t > m.horizon {
                        return None;
                    }
                    if *flat {
                        break;
                    }
                    let u: f64 = rng.random();
                    if u * max_rate < rate_per_min[m.hour_of_week(t)] {
                        break;
                    }
                }
                Some((t, 1))
            }
            ArrivalProcess::Weekly(slots) => loop {
                let n = self.schedule_pos[c];
                let week = (n / slots.len() as u64) as f64;
                let (minute, count) = slots[(n % slots.len() as u64) as usize];
                let t = week * WEEK_MINUTES + minute - m.start_minute_of_week;
                self.schedule_pos[c] += 1;
                if t > m.horizon {
                    return None;
                }
                if t >= self.now && count > 0 {
                    return Some((t, count));
                }
            },
            ArrivalProcess::Surge { .. } => {
                let n = self.schedule_pos[c] as usize;
                let t = *self.surge_times[c].get(n)?;
                self.schedule_pos[c] += 1;
                Some((t, 1))
            }
            ArrivalProcess::Piecewise {
                start,
                step,
                rate_per_min,
                max_rate,
            } => {
                if *max_rate <= 0.0 {
                    return None;
                }
                let rng = &mut self.arrival_rng[c];
                let mut t = self.now.max(*start);
                let end = start + step * rate_per_min.len() as f64;
                loop {
                    let gap: f64 = Exp1.sample(rng);
                    t += gap / max_rate;
                    if t > m.horizon || t >= end {
                        return None;
                    }
                    let k = ((t - start) / step) as usize;
                    let u: f64 = rng.random();
                    if u * max_rate < rate_per_min[k.min(rate_per_min.len() - 1)] {
                        break;
                    }
                }
                Some((t, 1))
            }
            ArrivalProcess::Replay { list, warmup } => {
                // The warm-up fills the hospital with the class's own process;
                // the log's arrivals take over from its end.
                if self.replay_pos[c] == NONE {
                    match self.next_arrival(c, warmup) {
                        Some((t, count)) if t < m.warmup => return Some((t, count)),
                        _ => self.replay_pos[c] = 0,
                    }
                }
                let n = self.replay_pos[c] as usize;
                let &(t, _) = list.get(n)?;
                self.replay_pos[c] += 1;
                Some((t.max(self.now), 1))
            }
            ArrivalProcess::At(times) => {
                let n = self.schedule_pos[c] as usize;
                let &(t, count) = times.get(n)?;
                self.schedule_pos[c] += 1;
                Some((t, count))
            }
        }
    }

    pub(super) fn alloc(&mut self, rng: Pcg64Mcg) -> u32 {
        let n_ms = self.m.milestones.len();
        if let Some(pid) = self.free.pop() {
            let p = &mut self.patients[pid as usize];
            p.rng = rng;
            p.holds.clear();
            p.stand_ins.clear();
            p.ms.clear();
            pid
        } else {
            // The slab only grows when more are in the hospital than ever before.
            if self.patients.len() >= MAX_LIVE_ENTITIES {
                let (live, time) = (self.patients.len(), self.now);
                self.fail(Fault::Overloaded { live, time });
            }
            self.patients.push(Patient {
                rng,
                arrival: 0.0,
                wait_start: 0.0,
                delay_end: 0.0,
                remaining: f64::NAN,
                id: 0,
                token: 0,
                pc: 0,
                root: 0,
                parent: NONE,
                pending: 0,
                act_seize_pc: NONE,
                class: 0,
                acuity: 3,
                prio: 3,
                waiting: false,
                boarding: false,
                in_preemptible: false,
                live: false,
                awaiting: false,
                gone: Gone::No,
                holds: Vec::with_capacity(4),
                stand_ins: Vec::new(),
                counters: [0; MAX_COUNTERS],
                attrs: [0; MAX_ATTRIBUTES],
                ms: Vec::with_capacity(n_ms),
            });
            if self.track {
                self.ext.push(Ext::fresh());
            }
            (self.patients.len() - 1) as u32
        }
    }

    pub(super) fn new_patient(&mut self, c: usize) {
        let m = self.m;
        if self.arrivals_made[c] >= m.classes[c].max_arrivals {
            return;
        }
        let index = self.arrivals_made[c];
        self.arrivals_made[c] += 1;
        // The index is spent even for a diverted patient, so that the patients who
        // do come are the same as in the run without the diversion.
        if self.accept[c] < 1.0 {
            let u: f64 = self.divert_rng[c].random();
            if u >= self.accept[c] {
                self.out.diverted += 1;
                return;
            }
        }
        self.out.arrived += 1;
        self.out.arrived_by_class[c] += 1;
        let mut rng = stream_at(self.patient_stream_base[c], index);
        let u: f64 = rng.random();
        let acuity = m.classes[c]
            .acuity_cumulative
            .iter()
            .position(|&cp| u < cp)
            .unwrap_or(4) as u8
            + 1;
        // A replayed patient (after the warm-up's own arrivals): its entry in
        // the log's list, and its acuity when the log gives one.
        let replayed = match &m.classes[c].process {
            ArrivalProcess::Replay { list, .. } if self.replay_pos[c] != NONE => {
                let k = self.replay_pos[c].saturating_sub(1);
                list.get(k as usize).map(|e| (k, e.1))
            }
            _ => None,
        };
        let acuity = match replayed {
            Some((_, a @ 1..=5)) => a,
            _ => acuity,
        };
        let attrs = draw_attributes(&m.classes[c], &mut rng);
        let pid = self.alloc(rng);
        let id = self.next_id;
        self.next_id += 1;
        let now = self.now;
        let who = Identity {
            arrival: now,
            id,
            class: c as u16,
            acuity,
            prio: acuity,
            root: pid,
            attrs,
        };
        self.start_entity(pid, m.classes[c].start_pc, NONE, who);
        let p = &mut self.patients[pid as usize];
        p.ms.resize(m.milestones.len(), f64::NAN);
        if let Some((k, _)) = replayed
            && m.replay_stays.get(c).is_some_and(|l| !l.is_empty())
        {
            self.ext[pid as usize].replay = k;
        }
        if self.track {
            let unit = m.history.arrival_unit[c];
            self.ext[pid as usize].loc = unit;
            self.ext[pid as usize].loc_since = now;
            self.log(pid, crate::history::Event::Arrival, unit);
        }
        self.mark(pid, MS_ARRIVAL);
        self.advance(pid);
    }

    /// Puts a projection's census patients in their units at time 0: each holds
    /// a unit resource and resumes where the `[history]` section says, its next
    /// activity conditioned on the time already spent.
    pub(super) fn start_census(&mut self) {
        let m = self.m;
        for (k, cp) in m.census.iter().enumerate() {
            let Some(Some((pc, r))) = m.history.resume.get(cp.unit as usize).copied() else {
                continue;
            };
            let c = cp.class as usize;
            let mut rng = stream(m.seed, self.out.rep, CENSUS_STREAM, k as u64);
            let u: f64 = rng.random();
            let acuity = match cp.acuity {
                a @ 1..=5 => a,
                _ => {
                    m.classes[c]
                        .acuity_cumulative
                        .iter()
                        .position(|&cp| u < cp)
                        .unwrap_or(4) as u8
                        + 1
                }
            };
            let attrs = draw_attributes(&m.classes[c], &mut rng);
            let pid = self.alloc(rng);
            let id = self.next_id;
            self.next_id += 1;
            self.out.arrived += 1;
            self.out.arrived_by_class[c] += 1;
            let who = Identity {
                arrival: -cp.since_arrival,
                id,
                class: cp.class,
                acuity,
                prio: acuity,
                root: pid,
                attrs,
            };
            self.start_entity(pid, pc, NONE, who);
            let p = &mut self.patients[pid as usize];
            p.ms.resize(m.milestones.len(), f64::NAN);
            p.ms[MS_ARRIVAL as usize] = -cp.since_arrival;
            // The ED has no single length-of-stay activity to condition: its
            // patients resume afresh.
            let x = &mut self.ext[pid as usize];
            x.elapsed = if m.history.unit_kinds[cp.unit as usize] == crate::history::UnitKind::Ed {
                0.0
            } else {
                cp.elapsed
            };
            x.loc = cp.unit;
            x.loc_since = -cp.elapsed;
            // Census patients are there whatever the capacity: a unit over its
            // beds shows as overrun, as after a roster drop.
            self.res[r as usize].occupy(0.0);
            p.holds.push(r);
            self.ready.push_back(pid);
        }
    }
}

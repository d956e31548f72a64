//! Drill mechanics in the event loop: capacity changes, surge arrival times,
//! response triggers and actions.

use super::*;
use rand::RngExt;

/// Product of the factors of the slowdowns of `activity` in force at `t`.
pub(super) fn slowdown_factor(drill: &DrillDef, activity: u16, t: f64) -> f64 {
    drill
        .slowdowns
        .iter()
        .filter(|s| s.activity == activity && s.start <= t && t < s.end)
        .map(|s| s.factor)
        .product()
}

impl Engine<'_> {
    /// Capacity of resource `r` now: the roster's value, changed by every drill
    /// modifier in force (in the order they were made).
    pub(super) fn capacity_now(&self, r: usize) -> u32 {
        let m = self.m;
        let t = self.now;
        let mut c = m.resources[r].capacity_at_hour(m.hour_of_week(t)) as f64;
        for md in self
            .mods
            .iter()
            .filter(|md| md.resource as usize == r && md.start <= t && t < md.end)
        {
            c = match md.kind {
                ModKind::Scale(f) => (c * f).round(),
                ModKind::Remove(u) => (c - u as f64).max(0.0),
                ModKind::Add(u) => c + u as f64,
            };
        }
        // Breakdowns and maintenance come off whatever the roster and drill give.
        (c as u32).saturating_sub(self.res[r].down)
    }

    /// Schedules each resource's first failure and maintenance windows.
    pub(super) fn start_downtime(&mut self) {
        let m = self.m;
        for (r, def) in m.resources.iter().enumerate() {
            if let Some((between, _, _)) = def.breakdowns {
                let t = m.dists[between as usize].sample(&mut self.res_rng[r]);
                self.schedule(t, EvKind::Fail, r as u32, 0);
            }
            for (w, &(minute, _, _)) in def.maintenance.iter().enumerate() {
                let first = m.next_minute_of_week(0.0, minute);
                self.schedule(first, EvKind::MaintStart, r as u32, w as u32);
            }
        }
    }

    /// A failure, repair or maintenance boundary of resource `r`.
    pub(super) fn downtime_event(&mut self, kind: EvKind, r: usize, window: usize) {
        let m = self.m;
        let def = &m.resources[r];
        let now = self.now;
        match kind {
            EvKind::Fail => {
                if let Some((_, repair, units)) = def.breakdowns {
                    self.res[r].touch(now);
                    self.res[r].down += units;
                    let d = m.dists[repair as usize].sample(&mut self.res_rng[r]);
                    self.schedule(now + d, EvKind::Repair, r as u32, 0);
                }
            }
            EvKind::Repair => {
                if let Some((between, _, units)) = def.breakdowns {
                    self.res[r].touch(now);
                    self.res[r].down -= units;
                    let d = m.dists[between as usize].sample(&mut self.res_rng[r]);
                    self.schedule(now + d, EvKind::Fail, r as u32, 0);
                }
            }
            EvKind::MaintStart => {
                let (_, length, units) = def.maintenance[window];
                self.res[r].touch(now);
                self.res[r].down += units;
                self.schedule(now + length, EvKind::MaintEnd, r as u32, window as u32);
            }
            EvKind::MaintEnd => {
                let (_, length, units) = def.maintenance[window];
                self.res[r].touch(now);
                self.res[r].down -= units;
                self.schedule(
                    now - length + 7.0 * 1440.0,
                    EvKind::MaintStart,
                    r as u32,
                    window as u32,
                );
            }
            // Only the four downtime events come here.
            _ => return,
        }
        self.update_capacity(r);
    }

    /// Sets a resource's capacity to its current value; a rise serves the queue,
    /// a drop lets patients in service finish.
    pub(super) fn update_capacity(&mut self, r: usize) {
        let cap = self.capacity_now(r);
        let now = self.now;
        self.res[r].touch(now);
        self.res[r].set_cap(cap);
        self.dispatch(r);
    }

    /// Draws surge arrival times, schedules capacity changes and timed responses.
    pub(super) fn start_drill(&mut self) {
        let m = self.m;
        let Some(drill) = &m.drill else { return };
        for (c, class) in m.classes.iter().enumerate() {
            if let ArrivalProcess::Surge { start, end, n } = class.process {
                let mut rng = stream(m.seed, self.out.rep, class.key, u64::MAX - 1);
                let mut times: Vec<f64> = (0..n)
                    .map(|_| start + (end - start) * rng.random::<f64>())
                    .filter(|t| *t <= m.horizon)
                    .collect();
                times.sort_by(|a, b| a.total_cmp(b));
                self.surge_times[c] = times;
            }
        }
        let mods = self.mods.clone();
        for md in &mods {
            for t in [md.start, md.end] {
                if t <= m.horizon {
                    self.schedule(t, EvKind::Capacity, md.resource as u32, 1);
                }
            }
        }
        for r in 0..m.resources.len() {
            let cap = self.capacity_now(r);
            self.res[r].set_cap(cap);
        }
        self.out.responses_fired = vec![f64::NAN; drill.responses.len()];
        for (i, resp) in drill.responses.iter().enumerate() {
            match resp.trigger {
                Trigger::At(t) => self.schedule(t, EvKind::Response, i as u32, 0),
                Trigger::When { .. } => self.pending_conditions += 1,
            }
        }
    }

    /// Fires every response whose condition holds now.
    pub(super) fn check_conditions(&mut self) {
        let Some(drill) = &self.m.drill else { return };
        // Conditions are armed when the drill starts: a busy ICU before the
        // incident is the hospital's normal state, not the drill's trigger.
        if self.now < drill.start {
            return;
        }
        for (i, resp) in drill.responses.iter().enumerate() {
            if !self.out.responses_fired[i].is_nan() {
                continue;
            }
            if let Trigger::When {
                resource,
                metric,
                op,
                value,
            } = resp.trigger
            {
                let r = &self.res[resource as usize];
                let x = match metric {
                    Metric::Queue => r.qlen as f64,
                    Metric::Busy => r.busy as f64,
                    Metric::Occupancy => {
                        if r.cap == 0 {
                            f64::INFINITY
                        } else {
                            r.busy as f64 / r.cap as f64
                        }
                    }
                };
                if op.holds(x, value) {
                    self.fire_response(i);
                }
            }
        }
    }

    pub(super) fn fire_response(&mut self, i: usize) {
        let Some(drill) = &self.m.drill else { return };
        if !self.out.responses_fired[i].is_nan() {
            return;
        }
        self.out.responses_fired[i] = self.now;
        if matches!(drill.responses[i].trigger, Trigger::When { .. }) {
            self.pending_conditions -= 1;
        }
        let t = self.now + drill.responses[i].delay;
        if t <= self.m.horizon {
            self.schedule(t, EvKind::Action, i as u32, 0);
        }
    }

    pub(super) fn apply_response(&mut self, i: usize) {
        let m = self.m;
        let Some(drill) = &m.drill else { return };
        let resp = &drill.responses[i];
        let end = self.now + resp.duration;
        match resp.action {
            Action::AddCapacity { resource, units } => {
                self.mods.push(CapacityMod {
                    resource,
                    start: self.now,
                    end,
                    kind: ModKind::Add(units),
                });
                self.update_capacity(resource as usize);
                if end <= m.horizon {
                    self.schedule(end, EvKind::Capacity, resource as u32, 1);
                }
            }
            Action::StopArrivals { class } => {
                self.accept[class] = 0.0;
                if end <= m.horizon {
                    self.schedule(end, EvKind::ActionEnd, i as u32, 0);
                }
            }
            Action::Divert { class, share } => {
                self.accept[class] = 1.0 - share;
                if end <= m.horizon {
                    self.schedule(end, EvKind::ActionEnd, i as u32, 0);
                }
            }
        }
    }

    pub(super) fn end_response(&mut self, i: usize) {
        let Some(drill) = &self.m.drill else { return };
        if let Action::StopArrivals { class } | Action::Divert { class, .. } =
            drill.responses[i].action
        {
            self.accept[class] = 1.0;
        }
    }
}

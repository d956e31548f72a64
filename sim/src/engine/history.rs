//! The event log as the engine writes it: units entered and left as resources
//! are taken and given back, milestones as events, departures, visits that end
//! when a patient is sent home, the census at the end; and replayed stays.

use super::*;
use crate::history::{Event, NO_UNIT, UnitKind};

impl Engine<'_> {
    /// Records an event of `pid`'s patient, now, if it is logged.
    pub(super) fn log(&mut self, pid: u32, event: Event, unit: u16) {
        self.log_at(pid, self.now, event, unit);
    }

    /// Records an event of `pid`'s patient at time `t`, if it is logged. A patient
    /// sent home and coming back (a cancelled operation) starts a new visit, whose
    /// id carries the visit number in its top 16 bits.
    pub(super) fn log_at(&mut self, pid: u32, t: f64, event: Event, unit: u16) {
        let m = self.m;
        let ri = self.patients[pid as usize].root as usize;
        let (root, x) = (&self.patients[ri], &self.ext[ri]);
        if !self.keep_log
            || root.arrival < m.warmup
            || !m.history.logged_class[root.class as usize]
            || x.closed
        {
            return;
        }
        self.out.log.push(crate::history::LogRow {
            t,
            id: root.id | (u64::from(x.episode) << 48),
            class: root.class,
            acuity: root.acuity,
            event: event.index(),
            unit,
        });
    }

    /// At the end of a logged run: patients at home awaiting a new date were
    /// discharged when they left; who is where is the census.
    pub(super) fn finish_log(&mut self) {
        let m = self.m;
        // Patients at home awaiting a new date were discharged when they left.
        for pid in 0..self.patients.len() {
            let (p, x) = (&self.patients[pid], &self.ext[pid]);
            if p.live && p.parent == NONE && !x.left_at.is_nan() && !x.closed {
                let (t, loc) = (x.left_at, x.loc);
                self.log_at(pid as u32, t, Event::Discharge, loc);
            }
        }
        // Who is where at the end: a census snapshot.
        for (p, x) in self.patients.iter().zip(&self.ext) {
            if p.live
                && p.parent == NONE
                && x.loc != NO_UNIT
                && x.left_at.is_nan()
                && !x.closed
                && m.history.logged_class[p.class as usize]
            {
                self.out.census.push(crate::history::CensusRow {
                    id: p.id | (u64::from(x.episode) << 48),
                    class: p.class,
                    acuity: p.acuity,
                    unit: x.loc,
                    arrival: p.arrival,
                    since: x.loc_since,
                });
            }
        }
        self.out.census.sort_by_key(|r| r.id);
    }

    /// Event log: a patient taking a unit's resource enters that unit.
    pub(super) fn log_entries(&mut self, pid: u32, set: usize) {
        let m = self.m;
        for &r in &m.sets[set] {
            let unit = m.history.resource_unit[r as usize];
            let root = self.patients[pid as usize].root as usize;
            if unit == NO_UNIT {
                continue;
            }
            let left_at = self.ext[root].left_at;
            let gone_home = !left_at.is_nan() && left_at < self.now;
            self.ext[root].left_at = f64::NAN;
            if gone_home || self.ext[root].closed {
                // Sent home and back: the old visit ended, a new one starts.
                if gone_home {
                    let loc = self.ext[root].loc;
                    self.log_at(pid, left_at, Event::Discharge, loc);
                }
                let p = &mut self.ext[root];
                p.episode = p.episode.wrapping_add(1);
                p.admitted = false;
                p.closed = false;
                p.loc = NO_UNIT;
                self.log(pid, Event::Arrival, NO_UNIT);
            }
            if unit == self.ext[root].loc {
                continue;
            }
            let ev = match m.history.unit_kinds[unit as usize] {
                UnitKind::Theatre => Event::TheatreStart,
                UnitKind::Ed => Event::Transfer,
                _ if self.ext[root].admitted => Event::Transfer,
                _ => {
                    self.ext[root].admitted = true;
                    Event::Admit
                }
            };
            self.ext[root].loc = unit;
            self.ext[root].loc_since = self.now;
            self.log(pid, ev, unit);
            self.replay_stay(root, unit);
        }
    }

    /// Replay with the log's durations: a patient entering a ward, ICU, theatre
    /// or other unit takes the length of its next logged stay there (the ED's
    /// time is made of many activities and is simulated).
    pub(super) fn replay_stay(&mut self, root: usize, unit: u16) {
        let m = self.m;
        let class = self.patients[root].class as usize;
        let p = &mut self.ext[root];
        if p.replay == NONE || m.history.unit_kinds[unit as usize] == crate::history::UnitKind::Ed {
            return;
        }
        let Some(stays) = m
            .replay_stays
            .get(class)
            .and_then(|c| c.get(p.replay as usize))
        else {
            return;
        };
        let used = p.stays_used as usize;
        if let Some(k) = stays[used.min(stays.len())..]
            .iter()
            .position(|s| s.0 == unit)
        {
            p.replay_stay = stays[used + k].1;
            p.stays_used = (used + k + 1) as u16;
            // Without a resume pathway the stay is the first activity in the unit.
            p.replay_armed = m.history.resume_start[unit as usize] == NONE;
        }
    }

    /// Event log: a patient giving back the last resource of the unit it is in
    /// leaves it (theatre), or returns to a unit whose bed it kept.
    pub(super) fn log_leaving(&mut self, pid: u32, r: u16) {
        let m = self.m;
        let unit = m.history.resource_unit[r as usize];
        let root = self.patients[pid as usize].root as usize;
        if unit == NO_UNIT || unit != self.ext[root].loc {
            return;
        }
        let holds = &self.patients[pid as usize].holds;
        if holds
            .iter()
            .any(|&h| m.history.resource_unit[h as usize] == unit)
        {
            return;
        }
        let back = holds
            .iter()
            .rev()
            .map(|&h| m.history.resource_unit[h as usize])
            .find(|&u| u != NO_UNIT);
        if m.history.unit_kinds[unit as usize] == UnitKind::Theatre {
            self.log(pid, Event::TheatreEnd, unit);
            self.ext[root].loc = NO_UNIT;
        }
        if let Some(b) = back {
            self.ext[root].loc = b;
            self.ext[root].loc_since = self.now;
            self.log(pid, Event::Transfer, b);
            self.replay_stay(root, b);
        } else if !matches!(
            m.history.unit_kinds[unit as usize],
            UnitKind::Ed | UnitKind::Theatre
        ) && !self.ext[root].closed
        {
            self.ext[root].left_at = self.now;
        }
    }
}

//! The event loop: one replication of a compiled model.
//!
//! State lives in flat vectors indexed by `u32` (patients in a slab, resources in a
//! vector). The future event list is a binary heap ordered by `(time, sequence)`, so
//! simultaneous events run in the order they were scheduled. Patients made ready by
//! a release (a freed bed given to the next in line) go to a FIFO `ready` list that
//! runs before the next event, so no hand-over costs a heap operation.
//!
//! Cancellation is lazy: each patient carries a `token` that changes whenever its
//! pending events and queue entries become void (granted, preempted, reneged);
//! stale entries are dropped when they surface. Cost per event therefore does not
//! grow with queue length.

mod arrivals;
mod batch;
mod drill;
mod event;
mod items;
mod output;
mod resources;

use crate::model::*;
use crate::stats::Histogram;
use drill::slowdown_factor;
use event::*;
pub use event::{stream, stream_at, stream_base};
pub use output::{ItemRep, KpiAcc, RepOutput, ResourceRep, TraceRow};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp1};
use rand_pcg::Pcg64Mcg;
use resources::Res;
use std::collections::{BinaryHeap, VecDeque};

/// A clock time (minutes after midnight) drawn from a cumulative hour profile.
fn clock_time(cumulative: &[f64; 24], rng: &mut Pcg64Mcg) -> f64 {
    let (u, v): (f64, f64) = (rng.random(), rng.random());
    let hour = cumulative.iter().position(|&c| u < c).unwrap_or(23);
    (hour as f64 + v) * 60.0
}

/// Who an entity is: a patient, or a parallel branch acting for its patient.
#[derive(Clone, Copy)]
struct Identity {
    arrival: f64,
    id: u64,
    class: u16,
    acuity: u8,
    prio: u8,
    root: u32,
}

/// What a patient whose own branches are still running has already done.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gone {
    No,
    Exited,
    Joined,
}

struct Patient {
    rng: Pcg64Mcg,
    arrival: f64,
    wait_start: f64,
    delay_end: f64,
    remaining: f64,
    id: u64,
    token: u32,
    pc: u32,
    root: u32,
    parent: u32,
    pending: u32,
    act_seize_pc: u32,
    class: u16,
    acuity: u8,
    prio: u8,
    waiting: bool,
    boarding: bool,
    in_preemptible: bool,
    live: bool,
    /// Waiting at an `AwaitBranches` step for its branches.
    awaiting: bool,
    /// Gone (left the hospital, or a branch that ended) while branches it started
    /// were still running: its slot is kept until the last one is back.
    gone: Gone,
    holds: Vec<u16>,
    /// Unit the patient is in, for the event log (`NO_UNIT`: none).
    loc: u16,
    /// Since when it is in `loc`.
    loc_since: f64,
    /// Has entered a ward, ICU or other inpatient unit (the next one is a transfer).
    admitted: bool,
    /// Visit number for the event log (a patient sent home and rebooked comes back).
    episode: u16,
    /// When the patient gave back its last inpatient bed without leaving (NaN: has
    /// not): a discharge if it comes back later, else the time of its departure.
    left_at: f64,
    /// Minutes a census patient has already spent in its current activity.
    elapsed: f64,
    /// Replayed with the log's durations: its arrival's index in the class's
    /// replay list (`NONE` otherwise), the stays used so far, and the logged
    /// length of the stay it is in (NaN: none), which its next activity ends.
    replay: u32,
    stays_used: u16,
    replay_stay: f64,
    /// The replayed stay is for the next activity (reached the unit's resume point).
    replay_armed: bool,
    /// Its visit in the event log has ended (cancelled) though the patient goes
    /// on (waiting at home for a new date): nothing is logged until it returns.
    closed: bool,
    ms: Vec<f64>,
    /// Per-patient counters of `count` steps.
    counters: [u16; MAX_COUNTERS],
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

/// One replication of a model.
pub struct Engine<'m> {
    m: &'m Model,
    now: f64,
    seq: u64,
    heap: BinaryHeap<Ev>,
    ready: VecDeque<u32>,
    patients: Vec<Patient>,
    free: Vec<u32>,
    res: Vec<Res>,
    arrival_rng: Vec<Pcg64Mcg>,
    /// Per resource: turnaround and failure times.
    res_rng: Vec<Pcg64Mcg>,
    batches: Vec<batch::BatchState>,
    items: Vec<items::ItemState>,
    /// Patients of each batch run in progress (slots reused).
    runs: Vec<Vec<u32>>,
    free_runs: Vec<usize>,
    patient_stream_base: Vec<u64>,
    /// Capacity changes in force or scheduled (drill events, then responses).
    mods: Vec<CapacityMod>,
    /// Share of each class's arrivals accepted (drill responses divert the rest).
    accept: Vec<f64>,
    divert_rng: Vec<Pcg64Mcg>,
    /// Arrival times of surge classes, drawn at the start of the replication.
    surge_times: Vec<Vec<f64>>,
    /// Conditions of responses that have not fired yet.
    pending_conditions: usize,
    arrivals_made: Vec<u64>,
    schedule_pos: Vec<u64>,
    next_id: u64,
    trace_on: bool,
    log_on: bool,
    /// Keep the event log rows (units are tracked whenever `log_on`).
    keep_log: bool,
    /// Set while a leaving patient gives everything back (no moves are logged).
    leaving: bool,
    out: RepOutput,
}

impl<'m> Engine<'m> {
    /// Prepares replication `rep` of `m`; `trace` keeps one row per patient.
    pub fn new(m: &'m Model, rep: u32, trace: bool) -> Self {
        let mut res: Vec<Res> = m
            .resources
            .iter()
            .map(|r| Res {
                cap: r.capacity_at_hour(m.hour_of_week(0.0)),
                busy: 0,
                qlen: 0,
                boarders: 0,
                levels: (0..if r.fifo { 1 } else { LEVELS })
                    .map(|_| VecDeque::new())
                    .collect(),
                in_service: vec![],
                last: 0.0,
                a_busy: 0.0,
                a_cap: 0.0,
                a_queue: 0.0,
                a_board: 0.0,
                max_queue: 0,
                wait_sum: 0.0,
                waits: 0,
                renege_wait_sum: 0.0,
                reneges: 0,
                cleaning: 0,
                down: 0,
                a_clean: 0.0,
                a_down: 0.0,
                t_over85: 0.0,
                t_over92: 0.0,
                a_overrun: 0.0,
                max_busy: 0,
                over85: 0,
                over92: 0,
            })
            .collect();
        for r in &mut res {
            let cap = r.cap;
            r.set_cap(cap);
        }
        let kpis = m
            .kpis
            .iter()
            .map(|k| KpiAcc {
                hist: matches!(k.kind, KpiKind::Duration { .. }).then(Histogram::default),
                ..Default::default()
            })
            .collect();
        Engine {
            m,
            now: 0.0,
            seq: 0,
            heap: BinaryHeap::with_capacity(1024),
            ready: VecDeque::new(),
            patients: vec![],
            free: vec![],
            res,
            res_rng: m
                .resources
                .iter()
                .map(|r| stream(m.seed, rep, r.key, 0))
                .collect(),
            batches: m
                .batches
                .iter()
                .map(|b| batch::BatchState {
                    waiting: VecDeque::new(),
                    armed: false,
                    tick_pending: false,
                    rng: stream(m.seed, rep, b.key, 0),
                })
                .collect(),
            runs: vec![],
            free_runs: vec![],
            items: m
                .items
                .iter()
                .map(|it| items::ItemState {
                    lots: VecDeque::new(),
                    on_hand: 0,
                    on_order: 0,
                    waiting: VecDeque::new(),
                    backordered: 0,
                    since_review: 0,
                    level: f64::NAN,
                    mse: 0.0,
                    rng: stream(m.seed, rep, it.key, 0),
                    last: 0.0,
                    acc: ItemRep::default(),
                })
                .collect(),
            arrival_rng: m
                .classes
                .iter()
                .map(|c| stream(m.seed, rep, c.key, u64::MAX))
                .collect(),
            mods: m
                .drill
                .as_ref()
                .map(|d| d.capacity_mods.clone())
                .unwrap_or_default(),
            accept: vec![1.0; m.classes.len()],
            divert_rng: m
                .classes
                .iter()
                .map(|c| stream(m.seed, rep, c.key, u64::MAX - 2))
                .collect(),
            surge_times: vec![vec![]; m.classes.len()],
            pending_conditions: 0,
            patient_stream_base: m
                .classes
                .iter()
                .map(|c| stream_base(m.seed, rep, c.key))
                .collect(),
            arrivals_made: vec![0; m.classes.len()],
            schedule_pos: vec![0; m.classes.len()],
            next_id: 0,
            trace_on: trace,
            log_on: !m.replay_stays.is_empty(),
            keep_log: false,
            leaving: false,
            out: RepOutput {
                rep,
                kpis,
                arrived_by_class: vec![0; m.classes.len()],
                ..Default::default()
            },
        }
    }

    /// Also records the event log of every logged patient who arrives after the
    /// warm-up (see [`crate::history`]).
    pub fn with_log(mut self) -> Self {
        self.log_on = true;
        self.keep_log = true;
        self
    }

    /// Records an event of `pid`'s patient, now, if it is logged.
    fn log(&mut self, pid: u32, event: crate::history::Event, unit: u16) {
        self.log_at(pid, self.now, event, unit);
    }

    /// Records an event of `pid`'s patient at time `t`, if it is logged. A patient
    /// sent home and coming back (a cancelled operation) starts a new visit, whose
    /// id carries the visit number in its top 16 bits.
    fn log_at(&mut self, pid: u32, t: f64, event: crate::history::Event, unit: u16) {
        let m = self.m;
        let root = &self.patients[self.patients[pid as usize].root as usize];
        if !self.keep_log
            || root.arrival < m.warmup
            || !m.history.logged_class[root.class as usize]
            || root.closed
        {
            return;
        }
        self.out.log.push(crate::history::LogRow {
            t,
            id: root.id | (u64::from(root.episode) << 48),
            class: root.class,
            acuity: root.acuity,
            event: event.index(),
            unit,
        });
    }

    #[inline]
    fn schedule(&mut self, t: f64, kind: u8, a: u32, b: u32) {
        self.seq += 1;
        self.heap.push(Ev {
            time_bits: t.to_bits(),
            seq_kind: (self.seq << 8) | kind as u64,
            a,
            b,
        });
    }

    /// Runs to the horizon and returns the replication's results.
    pub fn run(mut self) -> RepOutput {
        let m = self.m;
        self.start_drill();
        self.start_downtime();
        self.start_items();
        if !m.census.is_empty() {
            self.start_census();
        }
        for c in 0..m.classes.len() {
            self.schedule_next_arrival(c);
        }
        for r in 0..m.resources.len() {
            self.schedule_capacity_change(r);
        }
        self.schedule(0.0, EV_SAMPLE, 0, 0);
        if m.warmup > 0.0 {
            self.schedule(m.warmup, EV_WARMUP, 0, 0);
        }
        loop {
            while let Some(pid) = self.ready.pop_front() {
                self.advance(pid);
            }
            // Conditions change only at events: checked after each, a response
            // fires at the first instant its condition holds.
            if self.pending_conditions > 0 {
                self.check_conditions();
            }
            let Some(ev) = self.heap.pop() else { break };
            let t = ev.time();
            if t > m.horizon {
                break;
            }
            self.now = t;
            match ev.kind() {
                EV_ARRIVAL => {
                    self.out.events += 1;
                    let c = ev.a as usize;
                    for _ in 0..ev.b {
                        self.new_patient(c);
                    }
                    self.schedule_next_arrival(c);
                }
                EV_RESUME => {
                    let pid = ev.a as usize;
                    if self.patients[pid].token == ev.b {
                        self.out.events += 1;
                        if self.patients[pid].in_preemptible {
                            self.leave_service_lists(ev.a);
                        }
                        self.advance(ev.a);
                    }
                }
                EV_RENEGE => {
                    let pid = ev.a as usize;
                    if self.patients[pid].token == ev.b && self.patients[pid].waiting {
                        self.out.events += 1;
                        self.renege(ev.a);
                    }
                }
                EV_CAPACITY => {
                    self.out.events += 1;
                    let r = ev.a as usize;
                    self.update_capacity(r);
                    // b = 0: a roster boundary, which schedules the next one;
                    // b = 1: a drill change, outside the roster's chain.
                    if ev.b == 0 {
                        self.schedule_capacity_change(r);
                    }
                }
                EV_DELIVERY => {
                    self.out.events += 1;
                    self.deliver(ev.a as usize, ev.b);
                }
                EV_REVIEW => {
                    self.out.events += 1;
                    self.periodic_review(ev.a as usize);
                }
                EV_EXPIRE => {
                    self.out.events += 1;
                    self.expire(ev.a as usize);
                }
                EV_BATCH_TICK => {
                    self.out.events += 1;
                    self.batch_tick(ev.a as usize);
                }
                EV_BATCH_DONE => {
                    self.out.events += 1;
                    self.end_batch(ev.a as usize, ev.b as usize);
                }
                EV_TURNAROUND => {
                    self.out.events += 1;
                    self.end_turnaround(ev.a as usize);
                }
                EV_FAIL | EV_REPAIR | EV_MAINT_START | EV_MAINT_END => {
                    self.out.events += 1;
                    self.downtime_event(ev.kind(), ev.a as usize, ev.b as usize);
                }
                EV_RESPONSE => self.fire_response(ev.a as usize),
                EV_ACTION => self.apply_response(ev.a as usize),
                EV_ACTION_END => self.end_response(ev.a as usize),
                EV_SAMPLE => {
                    for r in &self.res {
                        self.out
                            .samples
                            .push([r.busy as f32, r.qlen as f32, r.cap as f32]);
                    }
                    let next = t + m.sample_interval;
                    if next <= m.horizon {
                        self.schedule(next, EV_SAMPLE, 0, 0);
                    }
                }
                EV_WARMUP => {
                    let now = self.now;
                    for r in &mut self.res {
                        r.touch(now);
                        r.a_busy = 0.0;
                        r.a_cap = 0.0;
                        r.a_queue = 0.0;
                        r.a_board = 0.0;
                        r.max_queue = r.qlen;
                        r.wait_sum = 0.0;
                        r.waits = 0;
                        r.renege_wait_sum = 0.0;
                        r.reneges = 0;
                        r.a_clean = 0.0;
                        r.a_down = 0.0;
                        r.t_over85 = 0.0;
                        r.t_over92 = 0.0;
                        r.a_overrun = 0.0;
                        r.max_busy = r.busy;
                    }
                }
                _ => {}
            }
        }
        self.finish()
    }

    fn finish(mut self) -> RepOutput {
        let m = self.m;
        let end = m.horizon;
        if self.log_on {
            // Patients at home awaiting a new date were discharged when they left.
            for pid in 0..self.patients.len() {
                let p = &self.patients[pid];
                if p.live && p.parent == NONE && !p.left_at.is_nan() && !p.closed {
                    let (t, loc) = (p.left_at, p.loc);
                    self.log_at(pid as u32, t, crate::history::Event::Discharge, loc);
                }
            }
            // Who is where at the end: a census snapshot.
            for p in &self.patients {
                if p.live
                    && p.parent == NONE
                    && p.loc != crate::history::NO_UNIT
                    && p.left_at.is_nan()
                    && !p.closed
                    && m.history.logged_class[p.class as usize]
                {
                    self.out.census.push(crate::history::CensusRow {
                        id: p.id | (u64::from(p.episode) << 48),
                        class: p.class,
                        acuity: p.acuity,
                        unit: p.loc,
                        arrival: p.arrival,
                        since: p.loc_since,
                    });
                }
            }
            self.out.census.sort_by_key(|r| r.id);
        }
        for r in &mut self.res {
            r.touch(end);
        }
        for it in &mut self.items {
            it.touch(end, m.warmup);
        }
        self.out.items = self.items.iter().map(|it| it.acc.clone()).collect();
        self.out.resources = self
            .res
            .iter()
            .map(|r| ResourceRep {
                busy_area: r.a_busy,
                capacity_area: r.a_cap,
                queue_area: r.a_queue,
                boarding_area: r.a_board,
                max_queue: r.max_queue,
                wait_sum: r.wait_sum,
                waits: r.waits,
                renege_wait_sum: r.renege_wait_sum,
                reneges: r.reneges,
                turnaround_area: r.a_clean,
                down_area: r.a_down,
                time_over_85: r.t_over85,
                time_over_92: r.t_over92,
                overrun_area: r.a_overrun,
                max_busy: r.max_busy,
                span: end - m.warmup,
            })
            .collect();
        let mut in_system = 0;
        for p in &self.patients {
            if p.live && p.parent == NONE {
                in_system += 1;
                if self.trace_on {
                    self.out.trace.push(TraceRow {
                        id: p.id,
                        class: p.class,
                        acuity: p.acuity,
                        route: None,
                        milestones: p.ms.clone(),
                    });
                }
            }
        }
        self.out.in_system = in_system;
        if self.trace_on {
            self.out.trace.sort_by_key(|r| r.id);
        }
        self.out
    }

    /// Runs a patient's program until it waits, is delayed, forks or leaves.
    fn advance(&mut self, pid: u32) {
        let m = self.m;
        let i = pid as usize;
        loop {
            let pc = self.patients[i].pc;
            if !m.replay_stays.is_empty() {
                let p = &mut self.patients[i];
                if !p.replay_stay.is_nan()
                    && !p.replay_armed
                    && m.history.resume_start.get(p.loc as usize) == Some(&pc)
                {
                    p.replay_armed = true;
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
                    renege_route: _,
                } => {
                    let p = &mut self.patients[i];
                    p.prio = match prio {
                        Prio::Acuity => p.acuity,
                        Prio::Fixed(v) => v,
                    };
                    let patience_min = draw_patience(m, p, patience);
                    let set_ix = set as usize;
                    if self.can_seize(set_ix) {
                        self.take(pid, set_ix);
                        self.patients[i].pc += 1;
                    } else if !self.try_preempt(pid, set_ix) {
                        self.enqueue(pid, set_ix, false);
                        if patience_min.is_finite() {
                            let tok = self.patients[i].token;
                            self.schedule(self.now + patience_min, EV_RENEGE, pid, tok);
                        }
                        return;
                    }
                }
                Op::TryAlternatives { table } => {
                    let pc = pc as usize;
                    let next = match m.program[pc + 1] {
                        Op::Seize { set, patience, .. } => Some((set as usize, patience)),
                        _ => None,
                    };
                    let mut taken = false;
                    if let Some((set, patience)) = next
                        && !self.can_seize(set)
                    {
                        let alts = &m.alternatives[table as usize];
                        if let Some(&alt) = alts.sets.iter().find(|&&s| self.can_seize(s as usize))
                        {
                            // The same draw as the seize would make (aligned streams).
                            draw_patience(m, &mut self.patients[i], patience);
                            self.take(pid, alt as usize);
                            if alts.mark != NONE as u16 {
                                self.mark(pid, alts.mark);
                            }
                            taken = true;
                        }
                    }
                    self.patients[i].pc += if taken { 2 } else { 1 };
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
                    p.pc = if *c >= limit { target } else { p.pc + 1 };
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
                    let d = if p.remaining.is_nan() && p.replay_armed && !p.replay_stay.is_nan() {
                        p.replay_armed = false;
                        // Replayed: the stay ends when the log says it did.
                        let end = p.loc_since + std::mem::replace(&mut p.replay_stay, f64::NAN);
                        (end - now).max(0.0)
                    } else if p.remaining.is_nan() && p.elapsed > 0.0 {
                        // A census patient: the duration counted from when the
                        // activity began, conditional on not having ended yet.
                        let anchor = now - std::mem::replace(&mut p.elapsed, 0.0);
                        let mut end = anchor + draw_duration(m, p, dur, anchor);
                        let mut tries = 0;
                        while end <= now && tries < 10_000 {
                            end = anchor + draw_duration(m, p, dur, anchor);
                            tries += 1;
                        }
                        (end - now).max(0.0)
                    } else if p.remaining.is_nan() {
                        let d = draw_duration(m, p, dur, now);
                        match &m.drill {
                            Some(drill) if !drill.slowdowns.is_empty() => {
                                d * slowdown_factor(drill, activity, now)
                            }
                            _ => d,
                        }
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
                    self.schedule(end, EV_RESUME, pid, tok);
                    return;
                }
                Op::Branch { table } => {
                    let p = &mut self.patients[i];
                    let u: f64 = p.rng.random();
                    let t = &m.branches[table as usize];
                    let row = &t.cumulative[p.acuity as usize];
                    let k = row.iter().position(|&c| u < c).unwrap_or(row.len() - 1);
                    p.pc = t.targets[k];
                }
                Op::RouteBy { table } => {
                    let p = &mut self.patients[i];
                    let t = &m.routes[table as usize];
                    let key = if t.by_class {
                        p.class as usize
                    } else {
                        p.acuity as usize
                    };
                    p.pc = t.targets[key];
                }
                Op::Jump { pc } => self.patients[i].pc = pc,
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

    /// Resets a freshly allocated slot: a patient (`parent` = NONE) or a branch
    /// starting at `pc`.
    fn start_entity(&mut self, pid: u32, pc: u32, parent: u32, who: Identity) {
        let e = &mut self.patients[pid as usize];
        e.arrival = who.arrival;
        e.remaining = f64::NAN;
        e.id = who.id;
        e.pc = pc;
        e.root = who.root;
        e.parent = parent;
        e.pending = 0;
        e.class = who.class;
        e.acuity = who.acuity;
        e.prio = who.prio;
        e.waiting = false;
        e.boarding = false;
        e.in_preemptible = false;
        e.live = true;
        e.awaiting = false;
        e.gone = Gone::No;
        e.counters = [0; MAX_COUNTERS];
        e.loc = crate::history::NO_UNIT;
        e.loc_since = 0.0;
        e.admitted = false;
        e.episode = 0;
        e.left_at = f64::NAN;
        e.elapsed = 0.0;
        e.closed = false;
        e.replay = NONE;
        e.stays_used = 0;
        e.replay_stay = f64::NAN;
        e.replay_armed = false;
    }

    #[inline]
    fn mark(&mut self, pid: u32, ms: u16) {
        let m = self.m;
        let root = self.patients[pid as usize].root as usize;
        let now = self.now;
        let p = &mut self.patients[root];
        if !p.ms[ms as usize].is_nan() {
            return;
        }
        p.ms[ms as usize] = now;
        if self.log_on {
            let ev = m.history.milestone_event[ms as usize];
            if let Some(e) = crate::history::Event::from_index(ev) {
                let mut unit = self.patients[root].loc;
                if e == crate::history::Event::EdDeparture {
                    // Leaving the ED happens in the ED, wherever the bed is.
                    let a = m.history.arrival_unit[self.patients[root].class as usize];
                    let ed =
                        m.history.unit_kinds.get(a as usize) == Some(&crate::history::UnitKind::Ed);
                    unit = if ed { a } else { crate::history::NO_UNIT };
                }
                self.log(pid, e, unit);
                if e.is_final() {
                    let p = &mut self.patients[root];
                    p.closed = true;
                    p.left_at = f64::NAN;
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
        let (class, acuity) = (p.class as usize, p.acuity as usize);
        if now >= m.warmup {
            for &k in counting {
                let def = &m.kpis[k as usize];
                if def.classes[class] && def.acuities[acuity] {
                    self.out.kpis[k as usize].n += 1;
                }
            }
        }
        if p.arrival < m.warmup {
            return;
        }
        for &k in ending {
            let def = &m.kpis[k as usize];
            if !(def.classes[class] && def.acuities[acuity]) {
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

    fn renege(&mut self, pid: u32) {
        let set = self.seize_set_of(pid);
        let route = match self.m.program[self.patients[pid as usize].pc as usize] {
            Op::Seize { renege_route, .. } => renege_route,
            _ => ROUTE_LEFT_UNSEEN,
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
        if route == RENEGE_TO_PATHWAY {
            // Goes on in a pathway (a cancelled operation is rebooked, a refused
            // ICU admission is transferred), keeping what it holds.
            let pc = self.patients[pid as usize].pc;
            if let Some(&(_, target)) = self.m.renege_targets.iter().find(|(at, _)| *at == pc) {
                self.patients[pid as usize].pc = target;
                self.advance(pid);
                return;
            }
        }
        if self.patients[pid as usize].parent != NONE {
            // A parallel branch that gives up simply ends.
            self.join(pid);
        } else {
            self.exit(pid, route);
        }
    }

    /// End of a parallel branch: the parent continues when its last branch is back.
    fn join(&mut self, pid: u32) {
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
    fn branch_back(&mut self, parent: u32) {
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

    fn exit(&mut self, pid: u32, route: u8) {
        let m = self.m;
        self.leaving = true;
        self.release_all(pid);
        self.leaving = false;
        self.mark(pid, MS_DEPARTURE);
        if self.log_on {
            let p = &self.patients[pid as usize];
            let (loc, left_at) = (p.loc, p.left_at);
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
            let (class, acuity) = (p.class as usize, p.acuity as usize);
            for (k, def) in m.kpis.iter().enumerate() {
                if !(def.classes[class] && def.acuities[acuity]) {
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

    fn free_slot(&mut self, pid: u32) {
        let p = &mut self.patients[pid as usize];
        p.live = false;
        p.token = p.token.wrapping_add(1);
        self.free.push(pid);
    }
}

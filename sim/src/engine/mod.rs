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
mod history;
mod interpret;
mod items;
mod milestones;
mod output;
mod resources;

use crate::limits::{MAX_JUMPS_PER_INSTANT, MAX_LIVE_ENTITIES};
use crate::model::*;
use crate::stats::Histogram;
use drill::slowdown_factor;
use event::*;
pub use event::{stream, stream_at, stream_base};
pub use output::{Fault, ItemRep, KpiAcc, RepOutput, ResourceRep, TraceRow};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp1};
use rand_pcg::Pcg64Mcg;
use resources::Res;
use std::collections::{BinaryHeap, VecDeque};

/// Who an entity is: a patient, or a parallel branch acting for its patient.
#[derive(Clone, Copy)]
struct Identity {
    arrival: f64,
    id: u64,
    class: u16,
    acuity: u8,
    prio: u8,
    root: u32,
    attrs: [u8; MAX_ATTRIBUTES],
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
    /// (taken, asked): resources held in place of another (alternatives).
    stand_ins: Vec<(u16, u16)>,
    ms: Vec<f64>,
    /// Per-patient counters of `count` steps.
    counters: [u16; MAX_COUNTERS],
    /// Slots of the attributes drawn at arrival (0: not drawn), shared by the
    /// patient's branches.
    attrs: [u8; MAX_ATTRIBUTES],
}

/// What only the event log, a projection's census and replay need of a
/// patient; kept beside the patients (and only when one of them is on) so that
/// a plain run's patients stay small.
#[derive(Clone, Copy)]
struct Ext {
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
}

impl Ext {
    fn fresh() -> Ext {
        Ext {
            loc: crate::history::NO_UNIT,
            loc_since: 0.0,
            admitted: false,
            episode: 0,
            left_at: f64::NAN,
            elapsed: 0.0,
            closed: false,
            replay: NONE,
            stays_used: 0,
            replay_stay: f64::NAN,
            replay_armed: false,
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
    /// Replayed classes: the next entry of the log's list (`NONE`: still in the
    /// warm-up's own arrivals).
    replay_pos: Vec<u32>,
    next_id: u64,
    trace_on: bool,
    /// Per patient slot: see [`Ext`] (empty unless `track`).
    ext: Vec<Ext>,
    /// Units (and census patients, replayed stays) are followed: with the log,
    /// a census or a replay.
    track: bool,
    /// Keep the event log rows (units are followed whenever `track`).
    keep_log: bool,
    /// Set while a leaving patient gives everything back (no moves are logged).
    leaving: bool,
    /// Set from another thread to stop the run early (checked at each sample).
    stop: Option<crate::runner::Stop<'m>>,
    out: RepOutput,
}

/// A capacity as the time series records it: an unlimited one has no
/// number to draw or divide by.
fn capacity_sample(cap: u32) -> f32 {
    if cap == UNLIMITED {
        f32::NAN
    } else {
        cap as f32
    }
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
                refusals: 0,
                cleaning: 0,
                down: 0,
                a_clean: 0.0,
                a_down: 0.0,
                t_over85: 0.0,
                t_over92: 0.0,
                a_overrun: 0.0,
                started: 0.0,
                max_busy: 0,
                over85: 0,
                over92: 0,
                occ: vec![0.0],
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
            replay_pos: vec![NONE; m.classes.len()],
            next_id: 0,
            trace_on: trace,
            ext: vec![],
            track: !m.replay_stays.is_empty() || !m.census.is_empty(),
            keep_log: false,
            leaving: false,
            stop: None,
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
        self.keep_log = true;
        self.track = true;
        self
    }

    /// Stops the replication when `stop` is set (checked at every sample time,
    /// so a plain run pays nothing for it).
    pub fn with_stop(mut self, stop: crate::runner::Stop<'m>) -> Self {
        self.stop = Some(stop);
        self
    }

    /// Ends the replication with a fault: the first one is kept, and emptying
    /// the event list and the ready list makes the event loop stop without a
    /// check on its hot path.
    #[cold]
    fn fail(&mut self, fault: Fault) {
        if self.out.fault.is_none() {
            self.out.fault = Some(fault);
        }
        self.heap.clear();
        self.ready.clear();
    }

    /// The run-time loop guard's trip: a patient made more than
    /// [`MAX_JUMPS_PER_INSTANT`] jumps without waiting or spending time, a loop
    /// that passes no time (the compile-time check refuses every such loop it
    /// can see; this is the last line of defence). The replication stops.
    #[cold]
    #[inline(never)]
    fn loop_fault(&mut self, pid: u32) {
        let p = &self.patients[pid as usize];
        let fault = Fault::Loop {
            patient: p.id,
            class: p.class,
            pc: p.pc,
            time: self.now,
        };
        self.fail(fault);
    }

    #[inline]
    fn schedule(&mut self, t: f64, kind: EvKind, a: u32, b: u32) {
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
        self.schedule(0.0, EvKind::Sample, 0, 0);
        if m.warmup > 0.0 {
            self.schedule(m.warmup, EvKind::Warmup, 0, 0);
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
                EvKind::Arrival => {
                    self.out.events += 1;
                    let c = ev.a as usize;
                    for _ in 0..ev.b {
                        self.new_patient(c);
                    }
                    self.schedule_next_arrival(c);
                }
                EvKind::Resume => {
                    let pid = ev.a as usize;
                    if self.patients[pid].token == ev.b {
                        self.out.events += 1;
                        if self.patients[pid].in_preemptible {
                            self.leave_service_lists(ev.a);
                        }
                        self.advance(ev.a);
                    }
                }
                EvKind::Renege => {
                    let pid = ev.a as usize;
                    if self.patients[pid].token == ev.b && self.patients[pid].waiting {
                        self.out.events += 1;
                        self.renege(ev.a);
                    }
                }
                EvKind::Capacity => {
                    self.out.events += 1;
                    let r = ev.a as usize;
                    self.update_capacity(r);
                    // b = 0: a roster boundary, which schedules the next one;
                    // b = 1: a drill change, outside the roster's chain.
                    if ev.b == 0 {
                        self.schedule_capacity_change(r);
                    }
                }
                EvKind::Delivery => {
                    self.out.events += 1;
                    self.deliver(ev.a as usize, ev.b);
                }
                EvKind::Review => {
                    self.out.events += 1;
                    self.periodic_review(ev.a as usize);
                }
                EvKind::Expire => {
                    self.out.events += 1;
                    self.expire(ev.a as usize);
                }
                EvKind::BatchTick => {
                    self.out.events += 1;
                    self.batch_tick(ev.a as usize);
                }
                EvKind::BatchDone => {
                    self.out.events += 1;
                    self.end_batch(ev.a as usize, ev.b as usize);
                }
                EvKind::Turnaround => {
                    self.out.events += 1;
                    self.end_turnaround(ev.a as usize);
                }
                EvKind::Fail | EvKind::Repair | EvKind::MaintStart | EvKind::MaintEnd => {
                    self.out.events += 1;
                    self.downtime_event(ev.kind(), ev.a as usize, ev.b as usize);
                }
                EvKind::Response => self.fire_response(ev.a as usize),
                EvKind::Action => self.apply_response(ev.a as usize),
                EvKind::ActionEnd => self.end_response(ev.a as usize),
                EvKind::Sample => {
                    if self.stop.is_some_and(|s| s.is_set()) {
                        self.fail(Fault::Interrupted);
                        continue;
                    }
                    for r in &self.res {
                        self.out.samples.push([
                            r.busy as f32,
                            r.qlen as f32,
                            capacity_sample(r.cap),
                        ]);
                    }
                    let next = t + m.sample_interval;
                    if next <= m.horizon {
                        self.schedule(next, EvKind::Sample, 0, 0);
                    }
                }
                EvKind::Warmup => {
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
                        r.refusals = 0;
                        r.a_clean = 0.0;
                        r.a_down = 0.0;
                        r.t_over85 = 0.0;
                        r.t_over92 = 0.0;
                        r.a_overrun = 0.0;
                        r.max_busy = r.busy;
                        r.occ.fill(0.0);
                    }
                }
            }
        }
        self.finish()
    }

    /// Those the run's end cut short: patients still queueing for a
    /// resource (and for how long so far), and patients still in hospital
    /// for a duration KPI that ends at departure (their stay so far), so
    /// that a short run's waits and stays are not read from the quick ones
    /// alone. Other KPIs are left alone: a patient between their milestones
    /// may never reach the second (an elective patient is never triaged).
    fn unfinished(&mut self, end: f64) {
        let m = self.m;
        for p in self.patients.iter().filter(|p| p.live) {
            if p.waiting
                && let Some(Op::Seize { set, .. }) = m.program.get(p.pc as usize)
            {
                for &r in &m.sets[*set as usize] {
                    let res = &mut self.out.resources[r as usize];
                    res.waiting_at_end += 1;
                    res.waiting_at_end_sum += end - p.wait_start;
                }
            }
            if p.parent != NONE {
                continue;
            }
            let (class, acuity, attrs) = (p.class as usize, p.acuity as usize, &p.attrs);
            for (k, def) in m.kpis.iter().enumerate() {
                if let KpiKind::Duration { from, to, .. } = def.kind {
                    let t0 = p.ms[from as usize];
                    if to == MS_DEPARTURE
                        && t0 >= m.warmup
                        && p.ms[to as usize].is_nan()
                        && def.admits(class, acuity, attrs)
                    {
                        self.out.kpis[k].open += 1;
                        self.out.kpis[k].open_sum += end - t0;
                    }
                }
            }
        }
    }

    fn finish(mut self) -> RepOutput {
        if self.out.fault.is_some() {
            // Nothing of a replication that stopped early is worth summing.
            return self.out;
        }
        let m = self.m;
        let end = m.horizon;
        if self.track {
            self.finish_log();
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
                refusals: r.refusals,
                waiting_at_end: 0,
                waiting_at_end_sum: 0.0,
                turnaround_area: r.a_clean,
                down_area: r.a_down,
                time_over_85: r.t_over85,
                time_over_92: r.t_over92,
                overrun_area: r.a_overrun,
                max_busy: r.max_busy,
                occupancy: {
                    let mut o = r.occ.clone();
                    o.truncate(r.max_busy as usize + 1);
                    o
                },
                span: end - m.warmup,
                started_area: r.started,
            })
            .collect();
        self.unfinished(end);
        let mut in_system = 0;
        for p in &self.patients {
            if p.live && p.parent == NONE {
                in_system += 1;
                if p.arrival >= m.warmup {
                    let (class, acuity, attrs) = (p.class as usize, p.acuity as usize, &p.attrs);
                    for (k, def) in m.kpis.iter().enumerate() {
                        if !(def.of_arrivals && def.admits(class, acuity, attrs)) {
                            continue;
                        }
                        let hit = match def.kind {
                            KpiKind::ShareReaching { ms } => !p.ms[ms as usize].is_nan(),
                            _ => false,
                        };
                        let acc = &mut self.out.kpis[k];
                        acc.den += 1;
                        acc.n += u64::from(hit);
                    }
                }
                if self.trace_on {
                    self.out.trace.push(TraceRow {
                        id: p.id,
                        class: p.class,
                        acuity: p.acuity,
                        attributes: p.attrs,
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
        e.attrs = who.attrs;
        e.waiting = false;
        e.boarding = false;
        e.in_preemptible = false;
        e.live = true;
        e.awaiting = false;
        e.gone = Gone::No;
        e.counters = [0; MAX_COUNTERS];
        if self.track {
            self.ext[pid as usize] = Ext::fresh();
        }
    }
}

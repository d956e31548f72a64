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

use crate::model::*;
use crate::stats::Histogram;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp1};
use rand_pcg::Pcg64Mcg;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

const EV_ARRIVAL: u8 = 0;
const EV_RESUME: u8 = 1;
const EV_RENEGE: u8 = 2;
const EV_CAPACITY: u8 = 3;
const EV_SAMPLE: u8 = 4;
const EV_WARMUP: u8 = 5;
/// Queue levels: priorities 1..=15, level 0 for FIFO resources.
const LEVELS: usize = 16;

/// An event: 24 bytes. `seq_kind` holds the sequence number above the kind byte,
/// so ordering by `(time, seq_kind)` is ordering by `(time, sequence)`.
#[derive(Clone, Copy)]
struct Ev {
    time_bits: u64,
    seq_kind: u64,
    a: u32,
    b: u32,
}

impl Ev {
    fn time(&self) -> f64 {
        f64::from_bits(self.time_bits)
    }
    fn kind(&self) -> u8 {
        self.seq_kind as u8
    }
    /// One 128-bit key: a single wide comparison is cheaper than a tuple's two.
    #[inline(always)]
    fn key(&self) -> u128 {
        ((self.time_bits as u128) << 64) | self.seq_kind as u128
    }
}

impl PartialEq for Ev {
    fn eq(&self, o: &Self) -> bool {
        self.key() == o.key()
    }
}
impl Eq for Ev {}
impl PartialOrd for Ev {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ev {
    /// Reversed so that the heap (a max-heap) pops the earliest event; times are
    /// non-negative, so their bit patterns order like the numbers.
    fn cmp(&self, o: &Self) -> Ordering {
        o.key().cmp(&self.key())
    }
}

/// Seeds a generator from a key tuple with SplitMix64 finalisers, so that streams
/// for neighbouring keys are unrelated.
pub fn stream(seed: u64, rep: u32, key: u64, index: u64) -> Pcg64Mcg {
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9e3779b97f4a7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    }
    let a = mix(seed ^ mix(rep as u64 ^ mix(key ^ mix(index))));
    let b = mix(a ^ 0x5851f42d4c957f2d);
    Pcg64Mcg::new(((a as u128) << 64) | b as u128)
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
    holds: Vec<u16>,
    ms: Vec<f64>,
}

struct Res {
    cap: u32,
    busy: u32,
    qlen: u32,
    boarders: u32,
    levels: Vec<VecDeque<(u32, u32)>>,
    in_service: Vec<(u32, u8)>,
    last: f64,
    a_busy: f64,
    a_cap: f64,
    a_queue: f64,
    a_board: f64,
    max_queue: u32,
    wait_sum: f64,
    waits: u64,
    renege_wait_sum: f64,
    reneges: u64,
}

impl Res {
    #[inline]
    fn touch(&mut self, now: f64) {
        let dt = now - self.last;
        if dt > 0.0 {
            self.a_busy += self.busy as f64 * dt;
            self.a_cap += self.cap as f64 * dt;
            self.a_queue += self.qlen as f64 * dt;
            self.a_board += self.boarders as f64 * dt;
            self.last = now;
        }
    }
}

/// Per-replication accumulator of one KPI.
#[derive(Clone, Debug, Default)]
pub struct KpiAcc {
    /// Observations (duration KPIs) or numerator (count KPIs).
    pub n: u64,
    /// Sum of observed durations in minutes.
    pub sum: f64,
    /// Observations meeting `within`.
    pub within: u64,
    /// Denominator of share KPIs.
    pub den: u64,
    /// Distribution of durations.
    pub hist: Option<Histogram>,
}

/// One row of the patient trace: milestone times in minutes (NaN = not reached).
#[derive(Clone, Debug)]
pub struct TraceRow {
    /// Arrival index within the replication.
    pub id: u64,
    /// Class index.
    pub class: u16,
    /// Acuity 1..=5.
    pub acuity: u8,
    /// Exit route index, or `None` if still in the hospital at the end.
    pub route: Option<u8>,
    /// Milestone times in minutes since start.
    pub milestones: Vec<f64>,
}

/// Time-weighted and counting statistics of one resource after warm-up.
#[derive(Clone, Debug, Default)]
pub struct ResourceRep {
    /// Busy unit-minutes.
    pub busy_area: f64,
    /// Available unit-minutes.
    pub capacity_area: f64,
    /// Queue-length integral.
    pub queue_area: f64,
    /// Integral of waiting patients who hold another resource (boarders).
    pub boarding_area: f64,
    /// Longest queue seen.
    pub max_queue: u32,
    /// Sum of waits in minutes.
    pub wait_sum: f64,
    /// Number of grants.
    pub waits: u64,
    /// Sum of the waits of patients who gave up, in minutes.
    pub renege_wait_sum: f64,
    /// Patients who gave up waiting here.
    pub reneges: u64,
    /// Observed span in minutes (horizon - warm-up).
    pub span: f64,
}

/// Everything one replication produces.
#[derive(Clone, Debug, Default)]
pub struct RepOutput {
    /// Replication index.
    pub rep: u32,
    /// Events processed.
    pub events: u64,
    /// Patients arrived (whole run).
    pub arrived: u64,
    /// Departures by route (whole run).
    pub departed: [u64; 5],
    /// Patients in the hospital at the end.
    pub in_system: u64,
    /// Arrivals per class (whole run).
    pub arrived_by_class: Vec<u64>,
    /// KPI accumulators.
    pub kpis: Vec<KpiAcc>,
    /// Resource statistics.
    pub resources: Vec<ResourceRep>,
    /// Samples: for each sample time, for each resource, [busy, queue, capacity].
    pub samples: Vec<[f32; 3]>,
    /// Patient trace (only when asked for).
    pub trace: Vec<TraceRow>,
}

/// One replication of a model.
pub struct Engine<'m> {
    m: &'m Model,
    rep: u32,
    now: f64,
    seq: u64,
    heap: BinaryHeap<Ev>,
    ready: VecDeque<u32>,
    patients: Vec<Patient>,
    free: Vec<u32>,
    res: Vec<Res>,
    arrival_rng: Vec<Pcg64Mcg>,
    arrivals_made: Vec<u64>,
    schedule_pos: Vec<u64>,
    next_id: u64,
    trace_on: bool,
    out: RepOutput,
}

impl<'m> Engine<'m> {
    /// Prepares replication `rep` of `m`; `trace` keeps one row per patient.
    pub fn new(m: &'m Model, rep: u32, trace: bool) -> Self {
        let res = m
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
            })
            .collect();
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
            rep,
            now: 0.0,
            seq: 0,
            heap: BinaryHeap::with_capacity(1024),
            ready: VecDeque::new(),
            patients: vec![],
            free: vec![],
            res,
            arrival_rng: m
                .classes
                .iter()
                .map(|c| stream(m.seed, rep, c.key, u64::MAX))
                .collect(),
            arrivals_made: vec![0; m.classes.len()],
            schedule_pos: vec![0; m.classes.len()],
            next_id: 0,
            trace_on: trace,
            out: RepOutput {
                rep,
                kpis,
                arrived_by_class: vec![0; m.classes.len()],
                ..Default::default()
            },
        }
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
                    let cap = m.resources[r].capacity_at_hour(m.hour_of_week(t));
                    let now = self.now;
                    self.res[r].touch(now);
                    self.res[r].cap = cap;
                    self.dispatch(r);
                    self.schedule_capacity_change(r);
                }
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
        for r in &mut self.res {
            r.touch(end);
        }
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

    fn schedule_capacity_change(&mut self, r: usize) {
        let m = self.m;
        let Capacity::Roster(_) = m.resources[r].capacity else {
            return;
        };
        let cur = self.res[r].cap;
        // Next hour boundary at which the roster differs from the current capacity.
        let first = ((m.start_minute_of_week + self.now) / 60.0).floor() * 60.0 + 60.0
            - m.start_minute_of_week;
        for k in 0..168 {
            let t = first + 60.0 * k as f64;
            if t > m.horizon {
                return;
            }
            if m.resources[r].capacity_at_hour(m.hour_of_week(t)) != cur {
                self.schedule(t, EV_CAPACITY, r as u32, 0);
                return;
            }
        }
    }

    fn schedule_next_arrival(&mut self, c: usize) {
        let m = self.m;
        let class = &m.classes[c];
        if self.arrivals_made[c] >= class.max_arrivals {
            return;
        }
        match &class.process {
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
                        return;
                    }
                    if *flat {
                        break;
                    }
                    let u: f64 = rng.random();
                    if u * max_rate < rate_per_min[m.hour_of_week(t)] {
                        break;
                    }
                }
                self.schedule(t, EV_ARRIVAL, c as u32, 1);
            }
            ArrivalProcess::Weekly(slots) => loop {
                let n = self.schedule_pos[c];
                let week = (n / slots.len() as u64) as f64;
                let (minute, count) = slots[(n % slots.len() as u64) as usize];
                let t = week * WEEK_MINUTES + minute - m.start_minute_of_week;
                self.schedule_pos[c] += 1;
                if t > m.horizon {
                    return;
                }
                if t >= self.now && count > 0 {
                    self.schedule(t, EV_ARRIVAL, c as u32, count);
                    return;
                }
            },
            ArrivalProcess::At(times) => {
                let n = self.schedule_pos[c] as usize;
                if let Some(&(t, count)) = times.get(n) {
                    self.schedule_pos[c] += 1;
                    self.schedule(t, EV_ARRIVAL, c as u32, count);
                }
            }
        }
    }

    fn alloc(&mut self, rng: Pcg64Mcg) -> u32 {
        let n_ms = self.m.milestones.len();
        if let Some(pid) = self.free.pop() {
            let p = &mut self.patients[pid as usize];
            p.rng = rng;
            p.holds.clear();
            p.ms.clear();
            pid
        } else {
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
                holds: Vec::with_capacity(4),
                ms: Vec::with_capacity(n_ms),
            });
            (self.patients.len() - 1) as u32
        }
    }

    fn new_patient(&mut self, c: usize) {
        let m = self.m;
        if self.arrivals_made[c] >= m.classes[c].max_arrivals {
            return;
        }
        let index = self.arrivals_made[c];
        self.arrivals_made[c] += 1;
        self.out.arrived += 1;
        self.out.arrived_by_class[c] += 1;
        let mut rng = stream(m.seed, self.rep, m.classes[c].key, index);
        let u: f64 = rng.random();
        let acuity = m.classes[c]
            .acuity_cumulative
            .iter()
            .position(|&cp| u < cp)
            .unwrap_or(4) as u8
            + 1;
        let pid = self.alloc(rng);
        let id = self.next_id;
        self.next_id += 1;
        let now = self.now;
        let p = &mut self.patients[pid as usize];
        p.arrival = now;
        p.remaining = f64::NAN;
        p.id = id;
        p.pc = m.classes[c].start_pc;
        p.root = pid;
        p.parent = NONE;
        p.pending = 0;
        p.class = c as u16;
        p.acuity = acuity;
        p.prio = acuity;
        p.waiting = false;
        p.boarding = false;
        p.in_preemptible = false;
        p.live = true;
        p.ms.resize(m.milestones.len(), f64::NAN);
        self.mark(pid, MS_ARRIVAL);
        self.advance(pid);
    }

    /// Runs a patient's program until it waits, is delayed, forks or leaves.
    fn advance(&mut self, pid: u32) {
        let m = self.m;
        let i = pid as usize;
        loop {
            let pc = self.patients[i].pc;
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
                    // Drawn whether or not the patient waits, so that each patient's
                    // stream stays aligned across policy variants (common random numbers).
                    let mut patience_min = f64::INFINITY;
                    if patience != NONE {
                        let d = m.by_acuity[patience as usize][p.acuity as usize];
                        if d != NONE {
                            patience_min = m.dists[d as usize].sample(&mut p.rng);
                        }
                    }
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
                Op::Delay { dur, seize_pc } => {
                    let p = &mut self.patients[i];
                    let d = if p.remaining.is_nan() {
                        let di = match dur {
                            DurRef::Dist(d) => d,
                            DurRef::ByAcuity(t) => m.by_acuity[t as usize][p.acuity as usize],
                            DurRef::ByClass(t) => m.by_class[t as usize][p.class as usize],
                        };
                        m.dists[di as usize].sample(&mut p.rng)
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
                Op::Fork { list } => {
                    let branches = &m.forks[list as usize];
                    self.patients[i].pending = branches.len() as u32;
                    self.patients[i].pc += 1;
                    for &start in branches {
                        let seed = self.patients[i].rng.next_u64();
                        let child = self.alloc(stream(seed, 0, 0, 0));
                        let (root, class, acuity, prio, arrival, id) = {
                            let p = &self.patients[i];
                            (p.root, p.class, p.acuity, p.prio, p.arrival, p.id)
                        };
                        let c = &mut self.patients[child as usize];
                        c.arrival = arrival;
                        c.remaining = f64::NAN;
                        c.id = id;
                        c.pc = start;
                        c.root = root;
                        c.parent = pid;
                        c.pending = 0;
                        c.class = class;
                        c.acuity = acuity;
                        c.prio = prio;
                        c.waiting = false;
                        c.boarding = false;
                        c.in_preemptible = false;
                        c.live = true;
                        self.ready.push_back(child);
                    }
                    return;
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

    fn mark(&mut self, pid: u32, ms: u16) {
        let m = self.m;
        let root = self.patients[pid as usize].root as usize;
        let now = self.now;
        let p = &mut self.patients[root];
        if !p.ms[ms as usize].is_nan() {
            return;
        }
        p.ms[ms as usize] = now;
        let (class, acuity) = (p.class as usize, p.acuity as usize);
        if now >= m.warmup {
            for &k in &m.kpis_counting[ms as usize] {
                let def = &m.kpis[k as usize];
                if def.classes[class] && def.acuities[acuity] {
                    self.out.kpis[k as usize].n += 1;
                }
            }
        }
        if p.arrival < m.warmup {
            return;
        }
        for &k in &m.kpis_ending_at[ms as usize] {
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

    #[inline]
    fn can_seize(&self, set: usize) -> bool {
        self.m.sets[set].iter().all(|&r| {
            let r = &self.res[r as usize];
            r.busy < r.cap
        })
    }

    /// Takes every resource of the set (the caller checked they are free).
    fn take(&mut self, pid: u32, set: usize) {
        let now = self.now;
        let warm = now >= self.m.warmup;
        let p = &mut self.patients[pid as usize];
        let wait = if p.waiting { now - p.wait_start } else { 0.0 };
        for &r in &self.m.sets[set] {
            let res = &mut self.res[r as usize];
            res.touch(now);
            res.busy += 1;
            if warm {
                res.waits += 1;
                res.wait_sum += wait;
            }
            p.holds.push(r);
        }
        p.waiting = false;
    }

    /// Joins the queue of every resource in the set. A preempted patient goes to
    /// the front of its priority level, to resume before others of its priority.
    fn enqueue(&mut self, pid: u32, set: usize, front: bool) {
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
    fn dequeue(&mut self, pid: u32, set: usize) {
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

    fn seize_set_of(&self, pid: u32) -> usize {
        match self.m.program[self.patients[pid as usize].pc as usize] {
            Op::Seize { set, .. } => set as usize,
            _ => unreachable!("a waiting patient always stands on a seize step"),
        }
    }

    /// Hands free units of resource `r` to waiting patients, most urgent first.
    /// A patient who needs several resources is skipped while another is busy.
    fn dispatch(&mut self, r: usize) {
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
    fn release_one(&mut self, pid: u32, r: u16, dispatch: bool) {
        let p = &mut self.patients[pid as usize];
        let Some(pos) = p.holds.iter().position(|&h| h == r) else {
            return;
        };
        p.holds.swap_remove(pos);
        let now = self.now;
        let res = &mut self.res[r as usize];
        res.touch(now);
        res.busy -= 1;
        if dispatch {
            self.dispatch(r as usize);
        }
    }

    fn release_all(&mut self, pid: u32) {
        while let Some(&r) = self.patients[pid as usize].holds.last() {
            self.release_one(pid, r, true);
        }
    }

    /// For a patient whose priority may preempt: frees a unit of each busy
    /// resource of the set from the least urgent patient in service there, who
    /// returns to the front of its queue with the time it still needs. Returns
    /// true when the preemptor now holds the set (its step is done).
    fn try_preempt(&mut self, pid: u32, set: usize) -> bool {
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

    fn leave_service_lists(&mut self, pid: u32) {
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
        let parent = self.patients[pid as usize].parent;
        self.free_slot(pid);
        let par = &mut self.patients[parent as usize];
        par.pending -= 1;
        if par.pending == 0 {
            self.ready.push_back(parent);
        }
    }

    fn exit(&mut self, pid: u32, route: u8) {
        let m = self.m;
        self.release_all(pid);
        self.mark(pid, MS_DEPARTURE);
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
        self.free_slot(pid);
    }

    fn free_slot(&mut self, pid: u32) {
        let p = &mut self.patients[pid as usize];
        p.live = false;
        p.token = p.token.wrapping_add(1);
        self.free.push(pid);
    }
}

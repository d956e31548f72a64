//! Batch points: patients (samples) accumulate and are processed together,
//! an analyser run or a porter's round.

use super::*;

/// State of one batch point.
pub(super) struct BatchState {
    /// Waiting, in arrival order.
    pub(super) waiting: VecDeque<u32>,
    /// A tick found patients waiting but no free unit: start when one frees.
    pub(super) armed: bool,
    /// A tick is scheduled.
    pub(super) tick_pending: bool,
    pub(super) rng: Pcg64Mcg,
}

impl Engine<'_> {
    /// A patient reaches a batch step.
    pub(super) fn join_batch(&mut self, pid: u32, point: usize) {
        let b = &self.m.batches[point];
        self.batches[point].waiting.push_back(pid);
        if b.every > 0.0 && !self.batches[point].tick_pending {
            self.batches[point].tick_pending = true;
            let next = self.m.next_tick(self.now, b.every);
            self.schedule(next, EvKind::BatchTick, point as u32, 0);
        }
        self.try_start_batch(point);
    }

    pub(super) fn batch_tick(&mut self, point: usize) {
        let st = &mut self.batches[point];
        st.tick_pending = false;
        if st.waiting.is_empty() {
            return;
        }
        st.armed = true;
        self.try_start_batch(point);
        if !self.batches[point].waiting.is_empty() {
            self.batches[point].tick_pending = true;
            let next = self.m.next_tick(self.now, self.m.batches[point].every);
            self.schedule(next, EvKind::BatchTick, point as u32, 0);
        }
    }

    /// Starts runs while the point has a full batch (or a tick armed it) and a unit.
    pub(super) fn try_start_batch(&mut self, point: usize) {
        let m = self.m;
        let def = &m.batches[point];
        loop {
            let st = &self.batches[point];
            let n = st.waiting.len();
            if n == 0 || !(n as u64 >= def.size as u64 || st.armed) {
                return;
            }
            if def.resource != u16::MAX {
                let r = &self.res[def.resource as usize];
                if r.busy >= r.cap {
                    return;
                }
            }
            let take = (def.size as usize).min(n);
            let st = &mut self.batches[point];
            st.armed = false;
            let run: Vec<u32> = st.waiting.drain(..take).collect();
            let d = m.dists[def.duration as usize].sample(&mut st.rng);
            if def.resource != u16::MAX {
                let now = self.now;
                let r = &mut self.res[def.resource as usize];
                r.occupy(now);
                if now >= m.warmup {
                    r.started += d;
                }
            }
            let slot = match self.free_runs.pop() {
                Some(s) => {
                    self.runs[s] = run;
                    s
                }
                None => {
                    self.runs.push(run);
                    self.runs.len() - 1
                }
            };
            self.out.batch_runs += 1;
            self.schedule(self.now + d, EvKind::BatchDone, point as u32, slot as u32);
        }
    }

    /// A run ends: its patients go on, its unit is free for the next run or
    /// for patients queueing for that resource.
    pub(super) fn end_batch(&mut self, point: usize, slot: usize) {
        let run = std::mem::take(&mut self.runs[slot]);
        self.free_runs.push(slot);
        for pid in run {
            self.patients[pid as usize].pc += 1;
            self.ready.push_back(pid);
        }
        let r = self.m.batches[point].resource;
        if r != u16::MAX {
            let now = self.now;
            self.res[r as usize].vacate(now);
            self.dispatch(r as usize);
        }
    }
}

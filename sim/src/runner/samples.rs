//! The time series across replications, kept bounded: per sample time and
//! resource, busy units and queue length as exact counts of each value seen
//! (memory grows with the number of distinct values, not of replications, and
//! two such counts merge by adding), capacity as a sum.

use super::Replications;
use crate::engine::RepOutput;
use crate::model::Model;
use crate::stats::ValueCounts as Counts;

/// Busy units, queue length and capacity per sample time and resource, over
/// the replications folded so far.
#[derive(Clone, Debug, Default)]
pub struct SampleAcc {
    n_res: usize,
    /// Sample times every folded replication has.
    n_samples: usize,
    reps: u64,
    busy: Vec<Counts>,
    queue: Vec<Counts>,
    capacity: Vec<f64>,
}

impl SampleAcc {
    /// An empty series for `model`'s resources.
    pub fn new(model: &Model) -> Self {
        SampleAcc {
            n_res: model.resources.len(),
            ..Default::default()
        }
    }

    /// Adds one replication's samples.
    pub fn add(&mut self, out: &RepOutput) {
        let n_res = self.n_res.max(1);
        let have = out.samples.len() / n_res;
        if self.reps == 0 {
            self.n_samples = have;
            let cells = have * self.n_res;
            self.busy = vec![Counts::default(); cells];
            self.queue = vec![Counts::default(); cells];
            self.capacity = vec![0.0; cells];
        } else if have < self.n_samples {
            self.n_samples = have;
            let cells = have * self.n_res;
            self.busy.truncate(cells);
            self.queue.truncate(cells);
            self.capacity.truncate(cells);
        }
        for (c, s) in out.samples.iter().take(self.busy.len()).enumerate() {
            // Busy units and queue lengths are whole numbers.
            self.busy[c].add(s[0] as u32);
            self.queue[c].add(s[1] as u32);
            self.capacity[c] += s[2] as f64;
        }
        self.reps += 1;
    }

    /// Sample times in the series.
    pub fn len(&self) -> usize {
        self.n_samples
    }

    /// Whether the series has no sample.
    pub fn is_empty(&self) -> bool {
        self.n_samples == 0
    }

    /// Statistics of resource `r` at sample `k` across replications.
    pub fn at(&self, model: &Model, k: usize, r: usize) -> SampleStats {
        let c = k * self.n_res + r;
        let n = self.reps;
        let stats = |counts: &Counts| {
            [
                counts.sum() / n as f64,
                counts.percentile(n, 5.0),
                counts.percentile(n, 95.0),
            ]
        };
        SampleStats {
            minutes: k as f64 * model.sample_interval,
            resource: r,
            busy: stats(&self.busy[c]),
            queue: stats(&self.queue[c]),
            capacity: self.capacity[c] / n as f64,
        }
    }
}

/// Statistics across replications of one resource at one sample time: busy
/// units and queue length, each as `[mean, p05, p95]`, and the mean capacity.
#[derive(Clone, Copy, Debug)]
pub struct SampleStats {
    /// Sample time in minutes since the start.
    pub minutes: f64,
    /// Resource index.
    pub resource: usize,
    /// Busy units.
    pub busy: [f64; 3],
    /// Queue length.
    pub queue: [f64; 3],
    /// Mean capacity.
    pub capacity: f64,
}

/// Calls `f` for every sample time and resource, in time order, with the mean,
/// 5th and 95th percentile across replications.
pub fn for_each_sample(model: &Model, reps: &Replications, mut f: impl FnMut(&SampleStats)) {
    let s = &reps.samples;
    for k in 0..s.n_samples {
        for r in 0..s.n_res {
            f(&s.at(model, k, r));
        }
    }
}

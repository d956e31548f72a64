//! Bounded-memory statistics: log-linear histograms for percentiles and
//! Student-t confidence intervals across replications.

use statrs::distribution::{ContinuousCDF, StudentsT};

const LINEAR_BINS: usize = 100;
const LINEAR_WIDTH: f64 = 0.01;
/// Sub-buckets per power of two, taken from the top mantissa bits: 128 gives a
/// relative resolution under 0.8% with no logarithm on the hot path.
const SUB_BITS: u32 = 7;
const SUB: usize = 1 << SUB_BITS;
/// Powers of two covered above 1: up to 2^27 minutes (about 255 years).
const OCTAVES: usize = 27;

/// A histogram of non-negative values (minutes) with fixed memory: 0.01 resolution
/// below 1 and under 0.8% relative resolution above (HDR-style log-linear bins).
#[derive(Clone, Debug)]
pub struct Histogram {
    // u64: a histogram merged over many replications must not overflow.
    counts: Vec<u64>,
    total: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: vec![0; LINEAR_BINS + OCTAVES * SUB],
            total: 0,
        }
    }
}

impl Histogram {
    #[inline]
    fn bin(v: f64) -> usize {
        if v <= 0.0 {
            // Exact zeros (no wait at all) are common and get a bin of their own,
            // so that a median of zero waits is reported as 0, not 0.005.
            0
        } else if v < 1.0 {
            ((v / LINEAR_WIDTH) as usize).clamp(1, LINEAR_BINS - 1)
        } else {
            let bits = v.to_bits();
            let octave = ((bits >> 52) as usize & 0x7ff) - 1023;
            let sub = ((bits >> (52 - SUB_BITS)) as usize) & (SUB - 1);
            (LINEAR_BINS + octave * SUB + sub).min(LINEAR_BINS + OCTAVES * SUB - 1)
        }
    }

    fn bin_bounds(b: usize) -> (f64, f64) {
        if b == 0 {
            (0.0, 0.0)
        } else if b == 1 {
            (0.0, 2.0 * LINEAR_WIDTH)
        } else if b < LINEAR_BINS {
            (b as f64 * LINEAR_WIDTH, (b + 1) as f64 * LINEAR_WIDTH)
        } else {
            let k = b - LINEAR_BINS;
            let base = (2.0f64).powi((k / SUB) as i32);
            let sub = (k % SUB) as f64;
            (
                base * (1.0 + sub / SUB as f64),
                base * (1.0 + (sub + 1.0) / SUB as f64),
            )
        }
    }

    /// Adds one observation.
    #[inline]
    pub fn record(&mut self, v: f64) {
        self.counts[Self::bin(v)] += 1;
        self.total += 1;
    }

    /// Adds another histogram's observations to this one.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
    }

    /// Share of observations at or below `x` (interpolated inside a bin).
    pub fn share_below(&self, x: f64) -> f64 {
        if self.total == 0 {
            return f64::NAN;
        }
        let mut acc = 0.0;
        for (b, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let (lo, hi) = Self::bin_bounds(b);
            if hi <= x {
                acc += c as f64;
            } else if lo < x {
                acc += c as f64 * (x - lo) / (hi - lo);
            } else if lo == hi && lo <= x {
                acc += c as f64;
            }
        }
        acc / self.total as f64
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// The `q`-th percentile (0-100), interpolated inside its bin; NaN when empty.
    pub fn percentile(&self, q: f64) -> f64 {
        if self.total == 0 {
            return f64::NAN;
        }
        let target = (q / 100.0).clamp(0.0, 1.0) * self.total as f64;
        let mut acc = 0.0;
        for (b, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let next = acc + c as f64;
            if next >= target {
                let (lo, hi) = Self::bin_bounds(b);
                let frac = ((target - acc) / c as f64).clamp(0.0, 1.0);
                return hospsim_stats::lerp(lo, hi, frac);
            }
            acc = next;
        }
        Self::bin_bounds(self.counts.len() - 1).1
    }
}

/// Mean, standard deviation and a 95% Student-t interval of replication values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Sample mean.
    pub mean: f64,
    /// Sample standard deviation (n - 1); NaN for one value.
    pub sd: f64,
    /// Lower end of the 95% interval.
    pub lo: f64,
    /// Upper end of the 95% interval.
    pub hi: f64,
    /// Number of finite values used.
    pub n: usize,
}

/// Student-t 95% interval over the finite values; non-finite values (a KPI with
/// no observation in a replication) are left out and `n` says how many counted.
pub fn estimate(values: &[f64]) -> Estimate {
    let xs: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let n = xs.len();
    if n == 0 {
        return Estimate {
            mean: f64::NAN,
            sd: f64::NAN,
            lo: f64::NAN,
            hi: f64::NAN,
            n,
        };
    }
    let (mean, var) = hospsim_stats::mean_variance(&xs);
    if n == 1 {
        return Estimate {
            mean,
            sd: f64::NAN,
            lo: f64::NAN,
            hi: f64::NAN,
            n,
        };
    }
    let sd = var.sqrt();
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .map(|d| d.inverse_cdf(0.975))
        .unwrap_or(1.96);
    let half = t * sd / (n as f64).sqrt();
    Estimate {
        mean,
        sd,
        lo: mean - half,
        hi: mean + half,
        n,
    }
}

/// The `q`-th percentile (0-100) of a small sample by linear interpolation
/// ([`hospsim_stats::percentile`]).
pub use hospsim_stats::percentile as sample_percentile;

/// An exact multiset of whole numbers: each value seen and how often, sorted
/// by value (`value << 32 | count`). Its memory grows with the number of
/// distinct values, not of observations, two of them merge by adding, and
/// it gives the same percentiles as [`sample_percentile`] on the values.
///
/// One distinct value is kept inline: a time-series cell holds one of these
/// per sample time and resource, most cells see a single value (a queue of
/// 0), and a heap allocation for each cost more than the simulation of a
/// short replication.
#[derive(Clone, Debug, Default)]
pub struct ValueCounts(smallvec::SmallVec<[u64; 1]>);

impl ValueCounts {
    /// Adds one observation.
    pub fn add(&mut self, v: u32) {
        match self.0.binary_search_by(|e| (e >> 32).cmp(&(v as u64))) {
            Ok(i) => self.0[i] += 1,
            Err(i) => self.0.insert(i, ((v as u64) << 32) | 1),
        }
    }

    /// The sum of the observations.
    pub fn sum(&self) -> f64 {
        self.0
            .iter()
            .map(|e| (e >> 32) as f64 * (e & 0xffff_ffff) as f64)
            .sum()
    }

    /// The `i`-th smallest value (0-based).
    fn nth(&self, i: u64) -> f64 {
        let mut seen = 0;
        for e in &self.0 {
            seen += e & 0xffff_ffff;
            if i < seen {
                return (e >> 32) as f64;
            }
        }
        f64::NAN
    }

    /// The `q`-th percentile of the `n` observations, interpolated between
    /// order statistics exactly as [`sample_percentile`] does on the values.
    pub fn percentile(&self, n: u64, q: f64) -> f64 {
        if n == 0 {
            return f64::NAN;
        }
        let (i, frac) = hospsim_stats::quantile_position(n as usize, q / 100.0);
        let i = i as u64;
        if i + 1 < n && frac > 0.0 {
            hospsim_stats::lerp(self.nth(i), self.nth(i + 1), frac)
        } else {
            self.nth(i)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn t_interval_matches_tables() {
        // n = 5, t(0.975, 4) = 2.776
        let e = estimate(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert!((e.mean - 3.0).abs() < 1e-12);
        let half = 2.776445 * (2.5f64).sqrt() / 5f64.sqrt();
        assert!((e.hi - e.mean - half).abs() < 1e-4);
        assert!(estimate(&[1.0]).lo.is_nan());
    }

    proptest! {
        #[test]
        fn counts_give_the_percentiles_of_the_values(xs in proptest::collection::vec(0u32..40, 1..300), q in 0.0f64..100.0) {
            let mut c = ValueCounts::default();
            for &x in &xs { c.add(x); }
            let mut v: Vec<f64> = xs.iter().map(|&x| x as f64).collect();
            let direct = sample_percentile(&mut v, q);
            prop_assert_eq!(c.percentile(xs.len() as u64, q).to_bits(), direct.to_bits());
            prop_assert_eq!(c.sum(), v.iter().sum::<f64>());
        }

        #[test]
        fn histogram_percentiles_are_within_one_percent(xs in proptest::collection::vec(1.0f64..1e6, 50..400), q in 1.0f64..99.0) {
            let mut h = Histogram::default();
            for &x in &xs { h.record(x); }
            let mut sorted = xs.clone();
            sorted.sort_by(|a, b| a.total_cmp(b));
            let est = h.percentile(q);
            // The histogram percentile lies within 1% of the order statistics around it.
            let k = ((q / 100.0) * xs.len() as f64).ceil().max(1.0) as usize;
            let lo = sorted[k.saturating_sub(2)] * 0.99;
            let hi = sorted[(k).min(xs.len() - 1)] * 1.01;
            prop_assert!(est >= lo && est <= hi, "q={q} est={est} lo={lo} hi={hi}");
        }
    }
}

//! Sample statistics shared by every hospsim crate: the mean, the sample
//! variance and linearly interpolated quantiles.
//!
//! One definition of each, so that a percentile in a simulation summary, a
//! forecast interval and a drill's median agree to the last bit on the same
//! values. No dependencies: the engine, the forecasters and the readers of
//! logs all use it.
//!
//! ```
//! use hospsim_stats::{mean, mean_variance, quantile};
//! let mut waits = [12.0, 3.0, 7.0, 30.0, 8.0];
//! assert_eq!(mean(&waits), 12.0);
//! assert_eq!(mean_variance(&waits).1, 111.5);
//! // numpy's default (linear) quantile: the median of five is the third.
//! assert_eq!(quantile(&mut waits, 0.5), 8.0);
//! ```

/// Arithmetic mean; NaN for no values.
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    x.iter().sum::<f64>() / x.len() as f64
}

/// Arithmetic mean of the values an iterator yields; NaN for none. Sums in
/// the iterator's order, so it equals [`mean`] on the same values in order.
pub fn mean_of(values: impl IntoIterator<Item = f64>) -> f64 {
    let (sum, count) = values
        .into_iter()
        .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    if count == 0 {
        f64::NAN
    } else {
        sum / count as f64
    }
}

/// Mean and sample variance (divisor n - 1), computed in two passes for
/// accuracy; the variance is NaN for fewer than two values, the mean NaN for
/// none.
pub fn mean_variance(x: &[f64]) -> (f64, f64) {
    let m = mean(x);
    if x.len() < 2 {
        return (m, f64::NAN);
    }
    let ss = x.iter().map(|v| (v - m).powi(2)).sum::<f64>();
    (m, ss / (x.len() - 1) as f64)
}

/// The point `frac` of the way from `lo` to `hi`: exact at both ends and for
/// `lo == hi`, so a quantile of equal values is that value.
#[inline]
pub fn lerp(lo: f64, hi: f64, frac: f64) -> f64 {
    lo + (hi - lo) * frac
}

/// Position of the `q` quantile (`q` in 0..=1, clamped) among `n` sorted
/// values: the index below it and the fraction of the way to the next one
/// (numpy's default "linear" method, Hyndman and Fan type 7).
#[inline]
pub fn quantile_position(n: usize, q: f64) -> (usize, f64) {
    let pos = q.clamp(0.0, 1.0) * n.saturating_sub(1) as f64;
    let lo = pos.floor();
    (lo as usize, pos - lo)
}

/// The `q` quantile (0..=1) of sorted values, interpolated linearly between
/// order statistics; NaN for no values.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let (i, frac) = quantile_position(sorted.len(), q);
    match sorted.get(i + 1) {
        Some(&next) if frac > 0.0 => lerp(sorted[i], next, frac),
        _ => sorted[i],
    }
}

/// [`quantile_sorted`] of unsorted values (sorts them in place).
pub fn quantile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    quantile_sorted(values, q)
}

/// The same value as [`quantile`] found by selection in O(n) (reorders
/// `values`, leaves them unsorted): for one quantile of a long sample.
pub fn quantile_select(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let (i, frac) = quantile_position(values.len(), q);
    let (_, lo, above) = values.select_nth_unstable_by(i, f64::total_cmp);
    let lo = *lo;
    if frac == 0.0 || above.is_empty() {
        return lo;
    }
    let hi = above.iter().copied().fold(f64::INFINITY, f64::min);
    lerp(lo, hi, frac)
}

/// The `p`-th percentile (0..=100) of unsorted values: [`quantile`] at
/// `p / 100`.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    quantile(values, p / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        // numpy.quantile([1, 2, 3, 4, 10], [0, 0.1, 0.25, 0.5, 0.9, 1])
        let mut v = [10.0, 1.0, 4.0, 2.0, 3.0];
        let expected = [1.0, 1.4, 2.0, 3.0, 7.6, 10.0];
        for (q, e) in [0.0, 0.1, 0.25, 0.5, 0.9, 1.0].iter().zip(expected) {
            assert!((quantile(&mut v, *q) - e).abs() < 1e-12, "q={q}");
        }
        assert_eq!(percentile(&mut v, 150.0), 10.0);
        assert!(quantile(&mut [], 0.5).is_nan());
    }

    #[test]
    fn variance_is_the_sample_variance() {
        assert_eq!(
            mean_variance(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).1,
            32.0 / 7.0
        );
        let (m, v) = mean_variance(&[3.0]);
        assert_eq!(m, 3.0);
        assert!(v.is_nan());
        assert!(mean(&[]).is_nan() && mean_of([]).is_nan());
    }

    proptest! {
        #[test]
        fn selection_and_sorting_agree(mut xs in proptest::collection::vec(-1e6f64..1e6, 1..200), q in 0.0f64..=1.0) {
            let mut copy = xs.clone();
            prop_assert_eq!(quantile_select(&mut copy, q).to_bits(), quantile(&mut xs, q).to_bits());
        }

        #[test]
        fn a_quantile_lies_between_its_order_statistics(mut xs in proptest::collection::vec(-1e6f64..1e6, 1..200), q in 0.0f64..=1.0) {
            let v = quantile(&mut xs, q);
            let (i, _) = quantile_position(xs.len(), q);
            prop_assert!(xs[i] <= v && v <= xs[(i + 1).min(xs.len() - 1)]);
        }

        #[test]
        fn equal_values_give_that_value(x in -1e6f64..1e6, n in 1usize..50, q in 0.0f64..=1.0) {
            prop_assert_eq!(quantile(&mut vec![x; n], q), x);
        }

        #[test]
        fn the_mean_of_an_iterator_is_the_mean(xs in proptest::collection::vec(-1e6f64..1e6, 0..100)) {
            prop_assert_eq!(mean(&xs).to_bits(), mean_of(xs.iter().copied()).to_bits());
        }
    }
}

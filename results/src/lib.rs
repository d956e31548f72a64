//! # hospsim-results
//!
//! What a run returns and the statistics it is made with, apart from the
//! engine so that reports and front ends can read results without compiling
//! it: the summary types written to `summary.json` ([`summary`]), Student-t
//! intervals, bounded-memory histograms, exact value counts and percentiles
//! ([`stats`]), and paired and Welch differences between scenarios ([`compare`]).
//!
//! ```
//! use hospsim_results::stats::estimate;
//! let e = estimate(&[1.0, 2.0, 3.0, 4.0, 5.0]);
//! assert_eq!(e.mean, 3.0);
//! assert!((e.hi - e.mean - 1.9632).abs() < 1e-3); // t(0.975, 4) * sd / sqrt(5)
//! ```

pub mod compare;
pub mod stats;
pub mod summary;

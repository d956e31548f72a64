//! Duration distributions: the scenario form (`DistSpec`) and the compiled sampler (`Dist`).

use crate::duration::Duration;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Normal, Triangular, Weibull};
use serde::{Deserialize, Serialize};

/// A distribution of durations as written in a scenario file, e.g.
/// `{ lognormal = { mean = "3 d", sd = "2 d" } }`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DistSpec {
    /// Memoryless durations with the given mean.
    Exponential {
        /// Mean duration.
        mean: Duration,
    },
    /// Lognormal given by its own mean and standard deviation (not those of the log).
    Lognormal {
        /// Mean duration.
        mean: Duration,
        /// Standard deviation.
        sd: Duration,
    },
    /// Gamma given by its mean and standard deviation.
    Gamma {
        /// Mean duration.
        mean: Duration,
        /// Standard deviation.
        sd: Duration,
    },
    /// Weibull with a dimensionless shape and a scale.
    Weibull {
        /// Shape parameter k (> 0); k < 1 gives a long tail, k = 1 is exponential.
        shape: f64,
        /// Scale parameter.
        scale: Duration,
    },
    /// Triangular between `min` and `max` with its peak at `mode`.
    Triangular {
        /// Smallest value.
        min: Duration,
        /// Most likely value.
        mode: Duration,
        /// Largest value.
        max: Duration,
    },
    /// Uniform between `min` and `max`.
    Uniform {
        /// Smallest value.
        min: Duration,
        /// Largest value.
        max: Duration,
    },
    /// Normal truncated at zero (negative draws are redrawn).
    Normal {
        /// Mean of the untruncated normal.
        mean: Duration,
        /// Standard deviation of the untruncated normal.
        sd: Duration,
    },
    /// Always the same duration.
    Fixed(Duration),
    /// Values drawn with the given weights (equal weights when omitted).
    Empirical {
        /// The possible durations.
        values: Vec<Duration>,
        /// Relative weights, one per value.
        #[serde(default)]
        weights: Option<Vec<f64>>,
    },
}

/// A compiled distribution, ready to sample minutes.
#[derive(Clone, Debug)]
pub enum Dist {
    /// Exponential.
    Exp(Exp<f64>),
    /// Lognormal.
    LogNormal(LogNormal<f64>),
    /// Gamma.
    Gamma(Gamma<f64>),
    /// Weibull.
    Weibull(Weibull<f64>),
    /// Triangular.
    Triangular(Triangular<f64>),
    /// Uniform on `[lo, lo + width)`.
    Uniform {
        /// Lower end.
        lo: f64,
        /// Width of the interval.
        width: f64,
    },
    /// Normal truncated at zero.
    TruncNormal(Normal<f64>),
    /// A constant.
    Fixed(f64),
    /// Empirical values with cumulative weights normalised to end at 1.
    Empirical {
        /// Values in minutes.
        values: Vec<f64>,
        /// Cumulative probabilities, last = 1.
        cumulative: Vec<f64>,
    },
}

impl DistSpec {
    /// The mean in minutes (for truncated normal, of the untruncated distribution).
    pub fn mean_minutes(&self) -> f64 {
        match self {
            DistSpec::Exponential { mean }
            | DistSpec::Lognormal { mean, .. }
            | DistSpec::Gamma { mean, .. }
            | DistSpec::Normal { mean, .. } => mean.minutes(),
            DistSpec::Weibull { shape, scale } => {
                scale.minutes() * statrs::function::gamma::gamma(1.0 + 1.0 / shape)
            }
            DistSpec::Triangular { min, mode, max } => {
                (min.minutes() + mode.minutes() + max.minutes()) / 3.0
            }
            DistSpec::Uniform { min, max } => (min.minutes() + max.minutes()) / 2.0,
            DistSpec::Fixed(d) => d.minutes(),
            DistSpec::Empirical { values, weights } => {
                let w: Vec<f64> = weights.clone().unwrap_or_else(|| vec![1.0; values.len()]);
                let total: f64 = w.iter().sum();
                values
                    .iter()
                    .zip(&w)
                    .map(|(v, w)| v.minutes() * w)
                    .sum::<f64>()
                    / total
            }
        }
    }

    /// Checks the parameters and builds the sampler; the error says what is wrong.
    pub fn compile(&self) -> Result<Dist, String> {
        let positive = |name: &str, d: &Duration| {
            if d.minutes() > 0.0 {
                Ok(d.minutes())
            } else {
                Err(format!("{name} must be greater than zero, got {d}"))
            }
        };
        Ok(match self {
            DistSpec::Exponential { mean } => {
                let m = positive("mean", mean)?;
                Dist::Exp(Exp::new(1.0 / m).map_err(|e| e.to_string())?)
            }
            DistSpec::Lognormal { mean, sd } => {
                let m = positive("mean", mean)?;
                let s = positive("sd", sd)?;
                Dist::LogNormal(LogNormal::from_mean_cv(m, s / m).map_err(|e| e.to_string())?)
            }
            DistSpec::Gamma { mean, sd } => {
                let m = positive("mean", mean)?;
                let s = positive("sd", sd)?;
                let shape = (m / s).powi(2);
                Dist::Gamma(Gamma::new(shape, s * s / m).map_err(|e| e.to_string())?)
            }
            DistSpec::Weibull { shape, scale } => {
                if !(shape.is_finite() && *shape > 0.0) {
                    return Err(format!(
                        "shape must be a number greater than zero, got {shape}"
                    ));
                }
                let sc = positive("scale", scale)?;
                Dist::Weibull(Weibull::new(sc, *shape).map_err(|e| e.to_string())?)
            }
            DistSpec::Triangular { min, mode, max } => {
                let (a, c, b) = (min.minutes(), mode.minutes(), max.minutes());
                if !(a <= c && c <= b && a < b) {
                    return Err(format!(
                        "triangular needs min <= mode <= max and min < max, got {min}, {mode}, {max}"
                    ));
                }
                Dist::Triangular(Triangular::new(a, b, c).map_err(|e| e.to_string())?)
            }
            DistSpec::Uniform { min, max } => {
                if min.minutes() > max.minutes() {
                    return Err(format!("uniform needs min <= max, got {min} > {max}"));
                }
                Dist::Uniform {
                    lo: min.minutes(),
                    width: max.minutes() - min.minutes(),
                }
            }
            DistSpec::Normal { mean, sd } => {
                let m = positive("mean", mean)?;
                let s = positive("sd", sd)?;
                if m / s < -3.0 {
                    return Err("mean is so far below zero that truncation leaves nothing".into());
                }
                Dist::TruncNormal(Normal::new(m, s).map_err(|e| e.to_string())?)
            }
            DistSpec::Fixed(d) => Dist::Fixed(d.minutes()),
            DistSpec::Empirical { values, weights } => {
                if values.is_empty() {
                    return Err("empirical needs at least one value".into());
                }
                let w = weights.clone().unwrap_or_else(|| vec![1.0; values.len()]);
                if w.len() != values.len() {
                    return Err(format!(
                        "empirical has {} values but {} weights; give one weight per value",
                        values.len(),
                        w.len()
                    ));
                }
                if w.iter().any(|x| !x.is_finite() || *x < 0.0) {
                    return Err("empirical weights must be finite and >= 0".into());
                }
                let total: f64 = w.iter().sum();
                if total <= 0.0 {
                    return Err("empirical weights must not all be zero".into());
                }
                let mut acc = 0.0;
                let mut cumulative: Vec<f64> = w
                    .iter()
                    .map(|x| {
                        acc += x / total;
                        acc
                    })
                    .collect();
                if let Some(last) = cumulative.last_mut() {
                    *last = 1.0;
                }
                Dist::Empirical {
                    values: values.iter().map(|v| v.minutes()).collect(),
                    cumulative,
                }
            }
        })
    }
}

impl Dist {
    /// Draws one duration in minutes.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Exp(d) => d.sample(rng),
            Dist::LogNormal(d) => d.sample(rng),
            Dist::Gamma(d) => d.sample(rng),
            Dist::Weibull(d) => d.sample(rng),
            Dist::Triangular(d) => d.sample(rng),
            Dist::Uniform { lo, width } => lo + width * rng.random::<f64>(),
            Dist::TruncNormal(d) => {
                // Rejection keeps the shape of the normal above zero; compile() refuses
                // parameters for which it would loop long.
                for _ in 0..1000 {
                    let x = d.sample(rng);
                    if x >= 0.0 {
                        return x;
                    }
                }
                0.0
            }
            Dist::Fixed(v) => *v,
            Dist::Empirical { values, cumulative } => {
                let u: f64 = rng.random();
                let i = cumulative
                    .partition_point(|&c| c <= u)
                    .min(values.len() - 1);
                values[i]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    fn d(m: f64) -> Duration {
        Duration::from_minutes(m)
    }

    fn sample_mean(spec: &DistSpec, n: usize) -> (f64, f64) {
        let dist = spec.compile().unwrap();
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        let xs: Vec<f64> = (0..n).map(|_| dist.sample(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        (m, (v / n as f64).sqrt())
    }

    #[test]
    fn sample_means_match_their_specification() {
        let specs = [
            DistSpec::Exponential { mean: d(20.0) },
            DistSpec::Lognormal {
                mean: d(300.0),
                sd: d(200.0),
            },
            DistSpec::Gamma {
                mean: d(60.0),
                sd: d(30.0),
            },
            DistSpec::Weibull {
                shape: 1.5,
                scale: d(100.0),
            },
            DistSpec::Triangular {
                min: d(5.0),
                mode: d(10.0),
                max: d(30.0),
            },
            DistSpec::Uniform {
                min: d(10.0),
                max: d(20.0),
            },
            DistSpec::Fixed(d(12.0)),
            DistSpec::Empirical {
                values: vec![d(10.0), d(20.0)],
                weights: Some(vec![3.0, 1.0]),
            },
        ];
        for spec in &specs {
            let (m, se) = sample_mean(spec, 200_000);
            let exact = spec.mean_minutes();
            assert!(
                (m - exact).abs() <= 4.0 * se + 1e-9,
                "{spec:?}: {m} vs {exact} (se {se})"
            );
        }
    }

    #[test]
    fn truncated_normal_is_never_negative() {
        let spec = DistSpec::Normal {
            mean: d(5.0),
            sd: d(10.0),
        };
        let dist = spec.compile().unwrap();
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        assert!((0..10_000).all(|_| dist.sample(&mut rng) >= 0.0));
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(DistSpec::Exponential { mean: d(0.0) }.compile().is_err());
        assert!(
            DistSpec::Triangular {
                min: d(5.0),
                mode: d(1.0),
                max: d(3.0)
            }
            .compile()
            .is_err()
        );
        assert!(
            DistSpec::Empirical {
                values: vec![d(1.0)],
                weights: Some(vec![1.0, 2.0])
            }
            .compile()
            .is_err()
        );
    }
}

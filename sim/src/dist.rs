//! Duration distributions: the scenario form (`DistSpec`) and the compiled sampler (`Dist`).

use crate::duration::Duration;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Normal, Triangular, Weibull};
use serde::{Deserialize, Serialize};

/// A distribution of durations as written in a scenario file, e.g.
/// `{ lognormal = { mean = "3 d", sd = "2 d" } }`.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DistSpec {
    /// Memoryless durations with the given mean.
    Exponential {
        /// Mean duration.
        mean: Duration,
    },
    /// Lognormal given by its own mean and spread (not those of the log):
    /// one of `sd`, `cv` or `variance`.
    Lognormal {
        /// Mean duration.
        mean: Duration,
        /// Standard deviation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sd: Option<Duration>,
        /// Coefficient of variation, sd / mean (dimensionless).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cv: Option<f64>,
        /// Variance, in a squared unit: `"144 d^2"`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        variance: Option<Variance>,
    },
    /// Gamma given by its mean and spread: one of `sd`, `cv` or `variance`.
    Gamma {
        /// Mean duration.
        mean: Duration,
        /// Standard deviation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sd: Option<Duration>,
        /// Coefficient of variation, sd / mean (dimensionless).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cv: Option<f64>,
        /// Variance, in a squared unit: `"144 d^2"`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        variance: Option<Variance>,
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
    /// Normal truncated at zero (negative draws are redrawn), given by the
    /// untruncated mean and one of `sd`, `cv` or `variance`.
    Normal {
        /// Mean of the untruncated normal.
        mean: Duration,
        /// Standard deviation of the untruncated normal.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sd: Option<Duration>,
        /// Coefficient of variation, sd / mean (dimensionless).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cv: Option<f64>,
        /// Variance, in a squared unit: `"144 d^2"`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        variance: Option<Variance>,
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

/// A variance of durations, written with a squared unit (`"144 d^2"`,
/// `"2.5 h²"`): papers report variances, and a bare number could be in
/// any unit squared. Stored in minutes squared.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Variance(f64);

impl Variance {
    /// The variance in minutes squared.
    pub fn minutes_squared(self) -> f64 {
        self.0
    }
}

impl schemars::JsonSchema for Variance {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Variance".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A variance: a number and a squared unit, e.g. \"144 d^2\" or \"2.5 h²\"",
            "pattern": "^\\s*[0-9.eE+-]+\\s*[A-Za-z]+\\s*(\\^2|²)\\s*$"
        })
    }
}

impl TryFrom<String> for Variance {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let hint = "write a number and a squared unit, e.g. \"144 d^2\" or \"2.5 h^2\"";
        let t = text.trim();
        let unit_start = t
            .find(|c: char| c.is_alphabetic())
            .ok_or_else(|| format!("variance \"{text}\" has no unit; {hint}"))?;
        let (num, unit) = t.split_at(unit_start);
        let value: f64 = num
            .trim()
            .parse()
            .map_err(|_| format!("variance \"{text}\" does not start with a number; {hint}"))?;
        let base = unit
            .trim()
            .strip_suffix("^2")
            .or_else(|| unit.trim().strip_suffix('²'))
            .ok_or_else(|| format!("variance \"{text}\" needs a squared unit; {hint}"))?;
        let per = crate::duration::unit_minutes(base)
            .ok_or_else(|| format!("variance \"{text}\" has unknown unit \"{base}\"; {hint}"))?;
        if !(value.is_finite() && value >= 0.0) {
            return Err(format!("variance \"{text}\" must be a finite number >= 0"));
        }
        Ok(Variance(value * per * per))
    }
}

impl From<Variance> for String {
    fn from(v: Variance) -> String {
        for (unit, per) in [("d", 1440.0f64), ("h", 60.0)] {
            let x = v.0 / (per * per);
            if x >= 1.0 && (x - x.round()).abs() < 1e-9 {
                return format!("{} {unit}^2", x.round());
            }
        }
        format!("{} min^2", v.0)
    }
}

/// The standard deviation in minutes from exactly one of `sd`, `cv` (of the
/// mean `mean`) and `variance`.
fn spread(
    mean: f64,
    sd: &Option<Duration>,
    cv: &Option<f64>,
    variance: &Option<Variance>,
) -> Result<f64, String> {
    let s = match (sd, cv, variance) {
        (Some(sd), None, None) => sd.minutes(),
        (None, Some(cv), None) => {
            if !cv.is_finite() {
                return Err(format!("cv must be a number, got {cv}"));
            }
            cv * mean
        }
        (None, None, Some(v)) => v.minutes_squared().sqrt(),
        (None, None, None) => {
            return Err(
                "give the spread: one of `sd`, `cv` or `variance`, e.g. sd = \"2 d\"".into(),
            );
        }
        _ => return Err("give only one of `sd`, `cv` and `variance`".into()),
    };
    if s > 0.0 {
        Ok(s)
    } else {
        Err(format!(
            "the spread must be greater than zero, got an sd of {s} min"
        ))
    }
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
            DistSpec::Lognormal {
                mean,
                sd,
                cv,
                variance,
            } => {
                let m = positive("mean", mean)?;
                let s = spread(m, sd, cv, variance)?;
                Dist::LogNormal(LogNormal::from_mean_cv(m, s / m).map_err(|e| e.to_string())?)
            }
            DistSpec::Gamma {
                mean,
                sd,
                cv,
                variance,
            } => {
                let m = positive("mean", mean)?;
                let s = spread(m, sd, cv, variance)?;
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
            DistSpec::Normal {
                mean,
                sd,
                cv,
                variance,
            } => {
                let m = positive("mean", mean)?;
                let s = spread(m, sd, cv, variance)?;
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
                sd: Some(d(200.0)),
                cv: None,
                variance: None,
            },
            DistSpec::Gamma {
                mean: d(60.0),
                sd: Some(d(30.0)),
                cv: None,
                variance: None,
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

    fn from_toml(text: &str) -> Result<DistSpec, String> {
        #[derive(Deserialize)]
        struct W {
            d: DistSpec,
        }
        toml::from_str::<W>(&format!("d = {text}"))
            .map(|w| w.d)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn sd_cv_and_variance_are_three_ways_to_give_one_spread() {
        // Mean 12 d, sd 6 d: cv 0.5, variance 36 d^2 = 36 * 1440^2 min^2.
        for family in ["lognormal", "gamma", "normal"] {
            let forms = [
                format!("{{ {family} = {{ mean = \"12 d\", sd = \"6 d\" }} }}"),
                format!("{{ {family} = {{ mean = \"12 d\", cv = 0.5 }} }}"),
                format!("{{ {family} = {{ mean = \"12 d\", variance = \"36 d^2\" }} }}"),
                format!("{{ {family} = {{ mean = \"288 h\", variance = \"20736 h²\" }} }}"),
            ];
            let mut samples = vec![];
            for f in &forms {
                let spec = from_toml(f).unwrap_or_else(|e| panic!("{f}: {e}"));
                let dist = spec.compile().unwrap_or_else(|e| panic!("{f}: {e}"));
                let mut rng = Pcg64Mcg::seed_from_u64(3);
                samples.push(
                    (0..2000)
                        .map(|_| dist.sample(&mut rng))
                        .collect::<Vec<f64>>(),
                );
            }
            // Same parameters, same stream: the same draws.
            assert!(samples.iter().all(|s| s == &samples[0]), "{family}");
            if family != "normal" {
                let dist = from_toml(&forms[1]).unwrap().compile().unwrap();
                let mut rng = Pcg64Mcg::seed_from_u64(5);
                let big: Vec<f64> = (0..400_000).map(|_| dist.sample(&mut rng)).collect();
                let n = big.len() as f64;
                let m = big.iter().sum::<f64>() / n;
                let var = big.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
                let exact = (6.0f64 * 1440.0).powi(2);
                assert!(
                    (var / exact - 1.0).abs() < 0.03,
                    "{family}: variance {var} vs {exact}"
                );
            }
        }
        let both = from_toml("{ lognormal = { mean = \"2 d\", sd = \"1 d\", cv = 0.5 } }").unwrap();
        assert!(both.compile().unwrap_err().contains("only one of"));
        let none = from_toml("{ gamma = { mean = \"2 d\" } }").unwrap();
        assert!(
            none.compile()
                .unwrap_err()
                .contains("one of `sd`, `cv` or `variance`")
        );
        let bare = from_toml("{ gamma = { mean = \"2 d\", variance = \"4 d\" } }").unwrap_err();
        assert!(bare.contains("squared unit"), "{bare}");
        let neg = from_toml("{ gamma = { mean = \"2 d\", cv = -1 } }").unwrap();
        assert!(neg.compile().unwrap_err().contains("greater than zero"));
    }

    #[test]
    fn truncated_normal_is_never_negative() {
        let spec = DistSpec::Normal {
            mean: d(5.0),
            sd: Some(d(10.0)),
            cv: None,
            variance: None,
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

//! Forecasts of a fitted ETS model: points, analytic and simulated intervals.

use super::model::{one_step, phase_of, update};
use super::*;
use crate::numeric;
use crate::{Forecast, Interval};
use rand::SeedableRng;
use rand_distr::{Distribution, Normal};

impl FittedEts {
    fn point(&self, h: usize) -> Vec<f64> {
        let mut steps_phi = self.smoothing.phi;
        let mut out = Vec::with_capacity(h);
        for i in 0..h {
            out.push(
                one_step(
                    &self.spec,
                    &self.last,
                    phase_of(&self.last, self.n + i),
                    steps_phi,
                )
                .unwrap_or(f64::NAN),
            );
            // φ + φ² + … + φ^h (just h without damping, where φ = 1).
            steps_phi += self.smoothing.phi.powi(i as i32 + 2);
        }
        out
    }

    /// The coefficients c_1, ..., c_{h-1} of Hyndman et al. (2008, Table 6.1):
    /// c_j = α + β·φ_j + γ·[j mod m = 0], φ_j = φ + ... + φ^j.
    fn c_coefficients(&self, h: usize) -> Vec<f64> {
        let p = &self.smoothing;
        let mut phi_j = 0.0;
        (1..h)
            .map(|j| {
                phi_j += if self.spec.damped {
                    p.phi.powi(j as i32)
                } else {
                    1.0
                };
                let mut c = p.alpha;
                if self.spec.trend != Kind::None {
                    c += p.beta * phi_j;
                }
                if self.spec.season != Kind::None && j % self.m == 0 {
                    c += p.gamma;
                }
                c
            })
            .collect()
    }

    /// Forecast standard deviation of the linear models (class 1):
    /// σ²(1 + Σ_{j<h} c_j²).
    fn linear_sd(&self, h: usize) -> Vec<f64> {
        let c = self.c_coefficients(h);
        let mut acc = 1.0;
        let mut out = Vec::with_capacity(h);
        for step in 0..h {
            out.push((self.sigma2 * acc).sqrt());
            if let Some(cj) = c.get(step) {
                acc += cj * cj;
            }
        }
        out
    }

    /// Forecast standard deviation of multiplicative-error models with
    /// additive (or no) trend and season (class 2, Hyndman et al. 2008,
    /// §6.3; R's `class2`): θ_1 = μ_1², θ_h = μ_h² + σ² Σ_{j<h} c_j² θ_{h−j},
    /// variance (1 + σ²)θ_h − μ_h². Analytic where 5,000 simulated paths
    /// were a third of AutoETS's time on monthly data.
    fn class2_sd(&self, point: &[f64]) -> Vec<f64> {
        let h = point.len();
        let c = self.c_coefficients(h);
        let mut theta: Vec<f64> = Vec::with_capacity(h);
        for (step, mu) in point.iter().enumerate() {
            let mut t = mu * mu;
            for j in 1..=step {
                t += self.sigma2 * c[j - 1] * c[j - 1] * theta[step - j];
            }
            theta.push(t);
        }
        theta
            .iter()
            .zip(point)
            .map(|(t, mu)| ((1.0 + self.sigma2) * t - mu * mu).max(0.0).sqrt())
            .collect()
    }

    /// Quantiles of simulated sample paths (fixed seed: repeatable).
    fn simulated_intervals(&self, h: usize, levels: &[f64]) -> Vec<Interval> {
        let Ok(noise) = Normal::new(0.0, self.sigma2.max(0.0).sqrt()) else {
            return Vec::new();
        };
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(0x05ee_de75);
        let mut paths = vec![vec![0.0; SIM_PATHS]; h];
        let mut state = self.last.clone();
        for path in 0..SIM_PATHS {
            state.level = self.last.level;
            state.trend = self.last.trend;
            state.season.copy_from_slice(&self.last.season);
            for (i, step) in paths.iter_mut().enumerate() {
                let t = phase_of(&state, self.n + i);
                let f = one_step(&self.spec, &state, t, self.smoothing.phi).unwrap_or(f64::NAN);
                let e = noise.sample(&mut rng);
                let y = if self.spec.error == Kind::Additive {
                    f + e
                } else {
                    f * (1.0 + e)
                };
                step[path] = y;
                update(&self.spec, &self.smoothing, &mut state, t, y);
            }
        }
        levels
            .iter()
            .map(|&level| {
                let tail = (1.0 - level / 100.0) / 2.0;
                let mut lower = Vec::with_capacity(h);
                let mut upper = Vec::with_capacity(h);
                for step in &mut paths {
                    lower.push(numeric::quantile_select(step, tail));
                    upper.push(numeric::quantile_select(step, 1.0 - tail));
                }
                Interval {
                    level,
                    lower,
                    upper,
                    probability: None,
                }
            })
            .collect()
    }
}

impl Predict for FittedEts {
    fn predict(&self, h: usize, levels: &[f64]) -> Result<Forecast> {
        let point = self.point(h);
        let intervals = if levels.is_empty() {
            Vec::new()
        } else if self.spec.is_linear() {
            crate::normal_intervals(&point, &self.linear_sd(h), levels)
        } else if self.spec.error == Kind::Multiplicative
            && self.spec.trend != Kind::Multiplicative
            && self.spec.season != Kind::Multiplicative
        {
            crate::normal_intervals(&point, &self.class2_sd(&point), levels)
        } else {
            self.simulated_intervals(h, levels)
        };
        Ok(Forecast { point, intervals })
    }

    fn fitted(&self) -> Vec<f64> {
        self.fitted.clone()
    }

    fn describe(&self) -> String {
        let p = &self.smoothing;
        let mut s = format!("{} alpha={:.4}", self.spec.label(), p.alpha);
        if self.spec.trend != Kind::None {
            s += &format!(" beta={:.4}", p.beta);
        }
        if self.spec.season != Kind::None {
            s += &format!(" gamma={:.4}", p.gamma);
        }
        if self.spec.damped {
            s += &format!(" phi={:.4}", p.phi);
        }
        if let Some(note) = self.note() {
            s += &format!(" ({note})");
        }
        s
    }

    fn note(&self) -> Option<String> {
        let m = self.season_ignored?;
        Some(if m > super::MAX_SEASON {
            format!(
                "season {m} not tried: seasonal ETS takes at most {}; theta or regression fit longer seasons",
                super::MAX_SEASON
            )
        } else {
            format!("season {m} not tried: fewer than two seasons of data")
        })
    }

    fn info_criteria(&self) -> Option<InfoCriteria> {
        Some(self.ic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Input;

    /// Class 2's analytic intervals agree with 5,000 simulated paths.
    #[test]
    fn class2_intervals_match_simulation() {
        let y: Vec<f64> = (0..60)
            .map(|t| 100.0 + 2.0 * t as f64 + 8.0 * ((t * 7919 % 13) as f64 - 6.0) / 6.0)
            .collect();
        for code in ["MNN", "MAN", "MAdN"] {
            let spec = EtsSpec::parse(code).unwrap();
            let fit = Ets::model(spec).fit_ets(&Input::new(&y, 1)).unwrap();
            let point = fit.point(12);
            let analytic = crate::normal_intervals(&point, &fit.class2_sd(&point), &[80.0, 95.0]);
            let simulated = fit.simulated_intervals(12, &[80.0, 95.0]);
            for (a, s) in analytic.iter().zip(&simulated) {
                for step in [0, 5, 11] {
                    let width_a = a.upper[step] - a.lower[step];
                    let width_s = s.upper[step] - s.lower[step];
                    assert!(
                        (width_a / width_s - 1.0).abs() < 0.05,
                        "{code} {}% step {step}: {width_a} vs {width_s}",
                        a.level
                    );
                }
            }
        }
    }
}

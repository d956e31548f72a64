//! Forecasts of a fitted ETS model: points, analytic and simulated intervals.

use super::model::{one_step, update};
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
            out.push(one_step(&self.spec, &self.last, self.n + i, steps_phi).unwrap_or(f64::NAN));
            // φ + φ² + … + φ^h (just h without damping, where φ = 1).
            steps_phi += self.smoothing.phi.powi(i as i32 + 2);
        }
        out
    }

    /// Forecast variance of the linear models (Hyndman et al. 2008, Table 6.1,
    /// class 1): σ²(1 + Σ_{j<h} c_j²), c_j = α + β·φ_j + γ·[j mod m = 0].
    fn linear_sd(&self, h: usize) -> Vec<f64> {
        let p = &self.smoothing;
        let mut acc = 1.0;
        let mut out = Vec::with_capacity(h);
        let mut phi_j = 0.0;
        for step in 1..=h {
            out.push((self.sigma2 * acc).sqrt());
            let j = step;
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
            acc += c * c;
        }
        out
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
                let t = self.n + i;
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

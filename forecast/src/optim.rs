//! Derivative-free minimisers used to fit smoothing models.

/// Settings of [`nelder_mead`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct NelderMead {
    /// Relative size of the first simplex along each coordinate.
    pub init_step: f64,
    /// Absolute step for coordinates that start at zero.
    pub zero_step: f64,
    /// Stop when the standard deviation of the simplex values drops below this.
    pub tol_std: f64,
    /// Iteration cap.
    pub max_iter: usize,
    /// Restarts from the best point (a fresh simplex often escapes a collapsed one).
    pub restarts: usize,
}

impl Default for NelderMead {
    fn default() -> Self {
        NelderMead {
            init_step: 0.05,
            zero_step: 1e-4,
            tol_std: 1e-4,
            max_iter: 1_000,
            restarts: 1,
        }
    }
}

/// Minimum found: the point and its value.
#[derive(Debug, Clone)]
pub(crate) struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
}

/// Minimises `f` inside the box `[lower, upper]` (points are clamped into it)
/// with the Nelder–Mead simplex method (reflection 1, expansion 2,
/// contraction ½, shrink ½), as statsforecast and R's `optim` do for ETS.
/// `f` may return `f64::INFINITY` for inadmissible points.
pub(crate) fn nelder_mead(
    mut f: impl FnMut(&[f64]) -> f64,
    x0: &[f64],
    lower: &[f64],
    upper: &[f64],
    settings: NelderMead,
) -> Minimum {
    let clamp = |x: &mut [f64]| {
        for ((v, lo), hi) in x.iter_mut().zip(lower).zip(upper) {
            *v = v.clamp(*lo, *hi);
        }
    };
    let mut best = x0.to_vec();
    clamp(&mut best);
    let mut best_value = f(&best);
    for _ in 0..=settings.restarts {
        let found = simplex_search(&mut f, &best, &clamp, settings);
        let improved = found.value < best_value - 1e-10 * best_value.abs().max(1.0);
        if found.value <= best_value {
            best = found.x;
            best_value = found.value;
        }
        if !improved {
            break;
        }
    }
    Minimum {
        x: best,
        value: best_value,
    }
}

fn simplex_search(
    f: &mut impl FnMut(&[f64]) -> f64,
    x0: &[f64],
    clamp: &impl Fn(&mut [f64]),
    s: NelderMead,
) -> Minimum {
    let n = x0.len();
    let mut simplex: Vec<Vec<f64>> = Vec::with_capacity(n + 1);
    simplex.push(x0.to_vec());
    for i in 0..n {
        let mut p = x0.to_vec();
        p[i] += if p[i] != 0.0 {
            s.init_step * p[i]
        } else {
            s.zero_step
        };
        clamp(&mut p);
        simplex.push(p);
    }
    let mut values: Vec<f64> = simplex.iter().map(|p| f(p)).collect();
    let mut order: Vec<usize> = (0..=n).collect();
    let mut centroid = vec![0.0; n];
    let mut trial = vec![0.0; n];
    let mut trial2 = vec![0.0; n];
    let mut anchor = vec![0.0; n];
    for _ in 0..s.max_iter {
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        if spread(&values) < s.tol_std {
            break;
        }
        let worst = order[n];
        centroid.iter_mut().for_each(|c| *c = 0.0);
        for &i in &order[..n] {
            for (c, v) in centroid.iter_mut().zip(&simplex[i]) {
                *c += v / n as f64;
            }
        }
        let along = |out: &mut Vec<f64>, coef: f64, from: &[f64]| {
            for ((o, c), w) in out.iter_mut().zip(&centroid).zip(from) {
                *o = c + coef * (c - w);
            }
            clamp(out);
        };
        along(&mut trial, 1.0, &simplex[worst]);
        let reflected = f(&trial);
        let best_v = values[order[0]];
        let second_worst = values[order[n - 1]];
        if reflected < best_v {
            along(&mut trial2, 2.0, &simplex[worst]);
            let expanded = f(&trial2);
            if expanded < reflected {
                simplex[worst].copy_from_slice(&trial2);
                values[worst] = expanded;
            } else {
                simplex[worst].copy_from_slice(&trial);
                values[worst] = reflected;
            }
            continue;
        }
        if reflected < second_worst {
            simplex[worst].copy_from_slice(&trial);
            values[worst] = reflected;
            continue;
        }
        // Contract towards the better of the reflected and the worst point.
        let (from_outside, reference) = if reflected < values[worst] {
            (true, reflected)
        } else {
            (false, values[worst])
        };
        if from_outside {
            along(&mut trial2, 0.5, &simplex[worst]);
        } else {
            along(&mut trial2, -0.5, &simplex[worst]);
        }
        let contracted = f(&trial2);
        if contracted < reference {
            simplex[worst].copy_from_slice(&trial2);
            values[worst] = contracted;
            continue;
        }
        anchor.copy_from_slice(&simplex[order[0]]);
        for &i in &order[1..] {
            for (v, a) in simplex[i].iter_mut().zip(&anchor) {
                *v = a + 0.5 * (*v - a);
            }
            clamp(&mut simplex[i]);
            values[i] = f(&simplex[i]);
        }
    }
    let i = (0..=n)
        .min_by(|&a, &b| values[a].total_cmp(&values[b]))
        .unwrap_or(0);
    Minimum {
        x: simplex[i].clone(),
        value: values[i],
    }
}

/// Standard deviation of the simplex values; infinite while any is infinite.
fn spread(values: &[f64]) -> f64 {
    if values.iter().any(|v| !v.is_finite()) {
        return f64::INFINITY;
    }
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64).sqrt()
}

/// Minimises a unimodal `f` on `[a, b]` by golden-section search to `tol`.
pub(crate) fn golden_section(mut f: impl FnMut(f64) -> f64, a: f64, b: f64, tol: f64) -> f64 {
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (a, b);
    let mut c = b - ratio * (b - a);
    let mut d = a + ratio * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while (b - a).abs() > tol {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - ratio * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + ratio * (b - a);
            fd = f(d);
        }
    }
    (a + b) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nelder_mead_finds_the_rosenbrock_valley_floor() {
        let rosen = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let settings = NelderMead {
            tol_std: 1e-12,
            max_iter: 5_000,
            restarts: 3,
            ..NelderMead::default()
        };
        let m = nelder_mead(rosen, &[-1.2, 1.0], &[-5.0, -5.0], &[5.0, 5.0], settings);
        assert!(
            (m.x[0] - 1.0).abs() < 1e-3 && (m.x[1] - 1.0).abs() < 1e-3,
            "{:?}",
            m.x
        );
    }

    #[test]
    fn nelder_mead_respects_the_box() {
        let m = nelder_mead(
            |x| (x[0] - 3.0).powi(2),
            &[0.5],
            &[0.0],
            &[1.0],
            NelderMead::default(),
        );
        assert!((m.x[0] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn golden_section_finds_a_parabola_minimum() {
        let x = golden_section(|x| (x - 0.2345).powi(2), 0.1, 0.3, 1e-9);
        assert!((x - 0.2345).abs() < 1e-7);
    }
}

//! Minimisers that need only the objective's values: Nelder-Mead and a
//! golden-section search for the smoothing models, BFGS on finite-difference
//! gradients for ARIMA (as R's `arima` and statsforecast fit it).

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
    // Only the worst vertex changes outside a shrink, so it is moved into
    // place instead of sorting every vertex again: the same order a stable
    // sort gives (ties keep their places), in a tenth of the work.
    let mut only_worst_changed = false;
    for _ in 0..s.max_iter {
        if only_worst_changed {
            move_last_into_place(&mut order, &values);
        } else {
            order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        }
        only_worst_changed = true;
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
        only_worst_changed = false;
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

/// Moves the last entry of `order` (sorted by `values` but for that entry)
/// to where a stable sort would put it: after every entry of equal value.
fn move_last_into_place(order: &mut [usize], values: &[f64]) {
    let Some((&moved, sorted)) = order.split_last() else {
        return;
    };
    let new_value = values[moved];
    let place =
        sorted.partition_point(|&j| values[j].total_cmp(&new_value) != std::cmp::Ordering::Greater);
    let last = sorted.len();
    order.copy_within(place..last, place + 1);
    order[place] = moved;
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

/// Settings of [`bfgs`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bfgs {
    /// Iteration cap (R's `optim` and statsforecast use 100).
    pub max_iter: usize,
    /// Stop when an iteration improves the value by less than this,
    /// relative to the value (R's `reltol`).
    pub rel_tol: f64,
}

impl Default for Bfgs {
    fn default() -> Self {
        Bfgs {
            max_iter: 100,
            rel_tol: 1e-10,
        }
    }
}

/// Result of [`bfgs`].
#[derive(Debug, Clone)]
pub(crate) struct BfgsMinimum {
    pub x: Vec<f64>,
    /// False when the iteration cap stopped the search.
    pub converged: bool,
}

/// Minimises a smooth `f` by BFGS with central-difference gradients,
/// working on `x / scale` so that parameters of very different sizes (an
/// AR coefficient and a mean of 20,000 attendances) take comparable steps,
/// as R's `parscale` does. `f` may return a non-finite value for
/// inadmissible points; the line search steps back from them.
pub(crate) fn bfgs(
    mut f: impl FnMut(&[f64]) -> f64,
    x0: &[f64],
    scale: &[f64],
    settings: Bfgs,
) -> BfgsMinimum {
    let n = x0.len();
    let scale: Vec<f64> = scale
        .iter()
        .map(|s| if s.is_finite() && *s > 0.0 { *s } else { 1.0 })
        .collect();
    let mut x_of = vec![0.0; n];
    let mut eval = |u: &[f64], buf: &mut Vec<f64>| -> f64 {
        for ((b, v), s) in buf.iter_mut().zip(u).zip(&scale) {
            *b = v * s;
        }
        let v = f(buf);
        if v.is_nan() { f64::INFINITY } else { v }
    };
    let mut u: Vec<f64> = x0.iter().zip(&scale).map(|(x, s)| x / s).collect();
    let mut value = eval(&u, &mut x_of);
    let unscale = |u: &[f64]| -> Vec<f64> { u.iter().zip(&scale).map(|(v, s)| v * s).collect() };
    if n == 0 || !value.is_finite() {
        return BfgsMinimum {
            x: unscale(&u),
            converged: n == 0,
        };
    }
    let gradient = |u: &mut Vec<f64>,
                    eval: &mut dyn FnMut(&[f64], &mut Vec<f64>) -> f64,
                    buf: &mut Vec<f64>|
     -> Option<Vec<f64>> {
        let mut g = vec![0.0; u.len()];
        for i in 0..u.len() {
            let h = 1e-5 * u[i].abs().max(1.0);
            let keep = u[i];
            u[i] = keep + h;
            let up = eval(u, buf);
            u[i] = keep - h;
            let down = eval(u, buf);
            u[i] = keep;
            if !up.is_finite() || !down.is_finite() {
                return None;
            }
            g[i] = (up - down) / (2.0 * h);
        }
        Some(g)
    };
    let Some(mut g) = gradient(&mut u, &mut eval, &mut x_of) else {
        return BfgsMinimum {
            x: unscale(&u),
            converged: true,
        };
    };
    // Inverse Hessian approximation, row-major, starting from the identity.
    let mut inv = vec![0.0; n * n];
    for i in 0..n {
        inv[i * n + i] = 1.0;
    }
    let mut trial = vec![0.0; n];
    for _ in 0..settings.max_iter {
        let mut dir: Vec<f64> = (0..n)
            .map(|i| -(0..n).map(|j| inv[i * n + j] * g[j]).sum::<f64>())
            .collect();
        let mut slope: f64 = dir.iter().zip(&g).map(|(d, g)| d * g).sum();
        if slope >= 0.0 {
            // Not a descent direction: restart from steepest descent.
            for i in 0..n {
                for j in 0..n {
                    inv[i * n + j] = if i == j { 1.0 } else { 0.0 };
                }
            }
            dir = g.iter().map(|v| -v).collect();
            slope = -g.iter().map(|v| v * v).sum::<f64>();
        }
        if slope == 0.0 {
            return BfgsMinimum {
                x: unscale(&u),
                converged: true,
            };
        }
        let mut step = 1.0;
        let mut accepted = None;
        for _ in 0..40 {
            for i in 0..n {
                trial[i] = u[i] + step * dir[i];
            }
            let v = eval(&trial, &mut x_of);
            if v.is_finite() && v <= value + 1e-4 * step * slope {
                accepted = Some(v);
                break;
            }
            step *= 0.2;
        }
        let Some(new_value) = accepted else {
            return BfgsMinimum {
                x: unscale(&u),
                converged: true,
            };
        };
        let s: Vec<f64> = (0..n).map(|i| trial[i] - u[i]).collect();
        let improvement = value - new_value;
        u.copy_from_slice(&trial);
        value = new_value;
        let Some(g_new) = gradient(&mut u, &mut eval, &mut x_of) else {
            return BfgsMinimum {
                x: unscale(&u),
                converged: true,
            };
        };
        if improvement <= settings.rel_tol * (value.abs() + settings.rel_tol) {
            return BfgsMinimum {
                x: unscale(&u),
                converged: true,
            };
        }
        let y: Vec<f64> = (0..n).map(|i| g_new[i] - g[i]).collect();
        g = g_new;
        let sy: f64 = s.iter().zip(&y).map(|(a, b)| a * b).sum();
        if sy > 1e-12 {
            // H <- (I - rho s y') H (I - rho y s') + rho s s'
            let rho = 1.0 / sy;
            let hy: Vec<f64> = (0..n)
                .map(|i| (0..n).map(|j| inv[i * n + j] * y[j]).sum())
                .collect();
            let yhy: f64 = y.iter().zip(&hy).map(|(a, b)| a * b).sum();
            for i in 0..n {
                for j in 0..n {
                    inv[i * n + j] +=
                        rho * ((1.0 + rho * yhy) * s[i] * s[j] - hy[i] * s[j] - s[i] * hy[j]);
                }
            }
        }
    }
    BfgsMinimum {
        x: unscale(&u),
        converged: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moving_the_changed_vertex_gives_the_stable_sort_order() {
        // Values with many ties, as a simplex of infinite (inadmissible)
        // vertices has: the insertion must match a full stable sort exactly.
        let mut seed = 12345u64;
        for _ in 0..2_000 {
            let n = 1 + (seed % 9) as usize;
            let mut values: Vec<f64> = (0..n)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    match (seed >> 60) % 4 {
                        0 => f64::INFINITY,
                        1 => 1.0,
                        _ => ((seed >> 40) % 7) as f64,
                    }
                })
                .collect();
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
            let worst = order[n - 1];
            values[worst] = ((seed >> 20) % 8) as f64;
            let mut expected = order.clone();
            expected.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
            move_last_into_place(&mut order, &values);
            assert_eq!(order, expected, "values {values:?}");
        }
    }

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

    #[test]
    fn bfgs_finds_the_rosenbrock_minimum() {
        let rosen = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let settings = Bfgs {
            max_iter: 500,
            ..Bfgs::default()
        };
        let m = bfgs(rosen, &[-1.2, 1.0], &[1.0, 1.0], settings);
        assert!(
            (m.x[0] - 1.0).abs() < 1e-3 && (m.x[1] - 1.0).abs() < 1e-3,
            "{:?}",
            m.x
        );
        assert!(rosen(&m.x) < 1e-6);
    }

    #[test]
    fn bfgs_handles_badly_scaled_parameters_through_the_scale() {
        let f = |x: &[f64]| (x[0] - 0.3).powi(2) + ((x[1] - 20_000.0) / 500.0).powi(2);
        let m = bfgs(f, &[0.0, 19_000.0], &[1.0, 500.0], Bfgs::default());
        assert!(
            (m.x[0] - 0.3).abs() < 1e-5 && (m.x[1] - 20_000.0).abs() < 0.1,
            "{:?}",
            m.x
        );
        assert!(m.converged);
    }
}

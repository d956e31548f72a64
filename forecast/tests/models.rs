//! Known results of the forecasting models, and properties every model keeps.

use hospsim_forecast::ets::{Ets, EtsSpec, Kind};
use hospsim_forecast::{Fit, Input, ModelSpec};
use proptest::prelude::*;

/// Box & Jenkins' monthly airline passengers 1949–1960 (thousands).
const AIR_PASSENGERS: [f64; 144] = [
    112., 118., 132., 129., 121., 135., 148., 148., 136., 119., 104., 118., 115., 126., 141., 135.,
    125., 149., 170., 170., 158., 133., 114., 140., 145., 150., 178., 163., 172., 178., 199., 199.,
    184., 162., 146., 166., 171., 180., 193., 181., 183., 218., 230., 242., 209., 191., 172., 194.,
    196., 196., 236., 235., 229., 243., 264., 272., 237., 211., 180., 201., 204., 188., 235., 227.,
    234., 264., 302., 293., 259., 229., 203., 229., 242., 233., 267., 269., 270., 315., 364., 347.,
    312., 274., 237., 278., 284., 277., 317., 313., 318., 374., 413., 405., 355., 306., 271., 306.,
    315., 301., 356., 348., 355., 422., 465., 467., 404., 347., 305., 336., 340., 318., 362., 348.,
    363., 435., 491., 505., 404., 359., 310., 337., 360., 342., 406., 396., 420., 472., 548., 559.,
    463., 407., 362., 405., 417., 391., 419., 461., 472., 535., 622., 606., 508., 461., 390., 432.,
];

#[test]
fn auto_ets_finds_the_multiplicative_season_of_air_passengers() {
    // R's ets() chooses ETS(M,Ad,M) here; the season must be multiplicative
    // and the 12-month forecast close to the textbook's (~450-640).
    let fit = Ets::auto()
        .fit_ets(&Input::new(&AIR_PASSENGERS, 12))
        .unwrap();
    assert_eq!(
        fit.spec.season,
        Kind::Multiplicative,
        "{}",
        fit.spec.label()
    );
    assert_eq!(fit.spec.error, Kind::Multiplicative, "{}", fit.spec.label());
    let f = hospsim_forecast::Predict::predict(&fit, 12, &[95.0]).unwrap();
    assert!(
        f.point.iter().all(|p| (400.0..700.0).contains(p)),
        "{:?}",
        f.point
    );
    // July peaks, November troughs, as every year of the data.
    let (jul, nov) = (f.point[6], f.point[10]);
    assert!(jul > 1.25 * nov, "{jul} vs {nov}");
    let i = f.interval(95.0).unwrap();
    assert!(
        i.lower
            .iter()
            .zip(&f.point)
            .zip(&i.upper)
            .all(|((l, p), u)| l < p && p < u)
    );
    // Intervals widen with the horizon (relative to the level).
    assert!((i.upper[11] - i.lower[11]) / f.point[11] > (i.upper[0] - i.lower[0]) / f.point[0]);
}

#[test]
fn additive_trend_model_continues_a_noiseless_line() {
    let y: Vec<f64> = (0..40).map(|t| 50.0 + 3.0 * t as f64).collect();
    let model = Ets::model(EtsSpec::parse("AAN").unwrap());
    let f = model
        .fit(&Input::new(&y, 1))
        .unwrap()
        .predict(5, &[])
        .unwrap();
    for (h, p) in f.point.iter().enumerate() {
        let truth = 50.0 + 3.0 * (40 + h) as f64;
        assert!((p - truth).abs() < 0.05, "step {h}: {p} vs {truth}");
    }
}

/// A deterministic stream of standard normals (Box–Muller on an LCG) so the
/// test does not depend on rand's version.
fn normals(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed;
    let mut u = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| (-2.0 * u().ln()).sqrt() * (2.0 * std::f64::consts::PI * u()).cos())
        .collect()
}

#[test]
fn local_level_intervals_cover_at_their_nominal_rate() {
    // 400 series from a local-level model (ETS(A,N,N), alpha 0.3, sigma 1):
    // the fitted model's one-step 80% and 95% intervals should cover the next
    // value about 80% and 95% of the time (binomial SE ~2% and ~1.1%).
    let (mut hit80, mut hit95) = (0, 0);
    let series = 400;
    let spec = ModelSpec::parse("ets:ANN").unwrap();
    for k in 0..series {
        let e = normals(k as u64 + 1, 81);
        let mut level = 100.0;
        let mut y = Vec::with_capacity(81);
        for eps in e {
            y.push(level + eps);
            level += 0.3 * eps;
        }
        let f = spec
            .build()
            .fit(&Input::new(&y[..80], 1))
            .unwrap()
            .predict(1, &[80.0, 95.0])
            .unwrap();
        let inside = |l: f64| {
            let i = f.interval(l).unwrap();
            i.lower[0] <= y[80] && y[80] <= i.upper[0]
        };
        hit80 += usize::from(inside(80.0));
        hit95 += usize::from(inside(95.0));
    }
    let (c80, c95) = (hit80 as f64 / series as f64, hit95 as f64 / series as f64);
    assert!((0.72..=0.88).contains(&c80), "80% coverage {c80}");
    assert!((0.91..=0.985).contains(&c95), "95% coverage {c95}");
}

const ALL: [&str; 18] = [
    "naive",
    "snaive",
    "mean",
    "drift",
    "ses",
    "ets",
    "ets:MAdM",
    "theta",
    "otm",
    "croston",
    "sba",
    "croston_opt",
    "tsb",
    "adida",
    "imapa",
    "lm",
    "enet",
    "ensemble",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Every model, on any positive series long enough for it: h finite
    /// forecasts, and intervals that contain the point forecast.
    #[test]
    fn every_model_gives_finite_ordered_forecasts(
        y in proptest::collection::vec(1.0f64..500.0, 40..90),
        h in 1usize..15,
    ) {
        for name in ALL {
            let spec = ModelSpec::parse(name).unwrap();
            let fitted = spec.build().fit(&Input::new(&y, 7));
            let fitted = match fitted {
                Ok(f) => f,
                Err(e) => return Err(TestCaseError::fail(format!("{name}: {e}"))),
            };
            let f = fitted.predict(h, &[80.0, 95.0]).unwrap();
            prop_assert_eq!(f.point.len(), h, "{}", name);
            prop_assert!(f.point.iter().all(|p| p.is_finite()), "{} {:?}", name, f.point);
            for i in &f.intervals {
                for s in 0..h {
                    prop_assert!(i.lower[s] <= f.point[s] + 1e-9 && f.point[s] <= i.upper[s] + 1e-9,
                        "{} level {} step {}: {} {} {}", name, i.level, s, i.lower[s], f.point[s], i.upper[s]);
                }
            }
        }
    }

    /// Fitting is a pure function of the data: refitting gives the same bytes.
    #[test]
    fn fits_are_repeatable(y in proptest::collection::vec(0.0f64..50.0, 30..60)) {
        for name in ["ets", "theta", "tsb", "auto"] {
            let spec = ModelSpec::parse(name).unwrap();
            let a = spec.build().fit(&Input::new(&y, 7)).unwrap().predict(7, &[90.0]).unwrap();
            let b = spec.build().fit(&Input::new(&y, 7)).unwrap().predict(7, &[90.0]).unwrap();
            prop_assert_eq!(a, b);
        }
    }
}

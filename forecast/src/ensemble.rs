//! Ensembles: the mean or median of member forecasts, a combination that is
//! hard to beat in forecasting competitions (M4: combinations of ETS, Theta and
//! ARIMA-type models ranked high).

use crate::{Error, Fit, Forecast, Input, Predict, Result};

/// How member forecasts are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Combine {
    /// Arithmetic mean.
    Mean,
    /// Median (robust to one member going astray).
    Median,
}

/// An ensemble of models. Its intervals come from [`crate::conformal::Conformal`]
/// (member intervals do not combine into a coherent distribution).
pub struct Ensemble {
    /// Members.
    pub members: Vec<Box<dyn Fit>>,
    /// Combination rule.
    pub combine: Combine,
}

fn combine(values: &mut [f64], how: Combine) -> f64 {
    match how {
        Combine::Mean => crate::numeric::mean(values),
        Combine::Median => crate::numeric::quantile(values, 0.5),
    }
}

impl Fit for Ensemble {
    fn name(&self) -> String {
        let names: Vec<String> = self.members.iter().map(|m| m.name()).collect();
        let how = match self.combine {
            Combine::Mean => "ensemble",
            Combine::Median => "ensemble_median",
        };
        if names == crate::spec::DEFAULT_ENSEMBLE {
            how.into()
        } else {
            format!("{how}({})", names.join("+"))
        }
    }

    fn fit(&self, input: &Input<'_>) -> Result<Box<dyn Predict>> {
        if self.members.is_empty() {
            return Err(Error::Spec("an ensemble needs at least one member".into()));
        }
        let fitted = self
            .members
            .iter()
            .map(|m| m.fit(input))
            .collect::<Result<Vec<_>>>()?;
        Ok(Box::new(FittedEnsemble {
            members: fitted,
            combine: self.combine,
            n: input.y.len(),
        }))
    }
}

struct FittedEnsemble {
    members: Vec<Box<dyn Predict>>,
    combine: Combine,
    n: usize,
}

impl Predict for FittedEnsemble {
    fn predict(&self, h: usize, _levels: &[f64]) -> Result<Forecast> {
        let forecasts = self
            .members
            .iter()
            .map(|m| m.predict(h, &[]))
            .collect::<Result<Vec<_>>>()?;
        let point = (0..h)
            .map(|i| {
                let mut v: Vec<f64> = forecasts.iter().map(|f| f.point[i]).collect();
                combine(&mut v, self.combine)
            })
            .collect();
        Ok(Forecast {
            point,
            intervals: Vec::new(),
        })
    }

    fn fitted(&self) -> Vec<f64> {
        let all: Vec<Vec<f64>> = self.members.iter().map(|m| m.fitted()).collect();
        (0..self.n)
            .map(|t| {
                let mut v: Vec<f64> = all.iter().map(|f| f[t]).filter(|x| x.is_finite()).collect();
                if v.is_empty() {
                    f64::NAN
                } else {
                    combine(&mut v, self.combine)
                }
            })
            .collect()
    }

    fn describe(&self) -> String {
        let parts: Vec<String> = self.members.iter().map(|m| m.describe()).collect();
        format!("{:?} of [{}]", self.combine, parts.join("; "))
    }

    fn has_intervals(&self) -> bool {
        false
    }
}

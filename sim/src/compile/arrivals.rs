//! Arrival classes: Poisson by hour of week, weekly schedules, fixed times, acuity mix.

use super::*;

impl<'s> Compiler<'s> {
    pub(super) fn classes(
        &mut self,
        starts: &HashMap<&str, u32>,
        start_mow: f64,
        horizon: f64,
    ) -> Vec<ClassDef> {
        let s = self.s;
        let mut out = vec![];
        for (name, a) in &s.arrivals {
            let p = path!["arrivals", name];
            let start_pc = match starts.get(a.pathway.as_str()) {
                Some(&pc) => pc,
                None => {
                    let hint = closest(&a.pathway, s.pathways.keys());
                    self.err_hint(
                        p.key("pathway"),
                        format!("unknown pathway \"{}\"", a.pathway),
                        hint,
                    );
                    0
                }
            };
            let process = if a.enabled {
                self.arrival_process(&p, a, start_mow, horizon)
            } else {
                ArrivalProcess::At(vec![])
            };
            let acuity_cumulative = self.acuity_mix(&p.key("acuity"), a.acuity.as_ref());
            let attributes = self.class_attributes(&p.key("attributes"), a.attributes.as_ref());
            out.push(ClassDef {
                name: name.clone(),
                key: class_key(name),
                start_pc,
                process,
                acuity_cumulative,
                attributes,
                max_arrivals: a.max_arrivals.unwrap_or(u64::MAX),
            });
        }
        out
    }

    /// Cumulative acuity probabilities from a mix `{ "1" = p1, ... }` (all acuity 3
    /// when absent).
    pub(super) fn acuity_mix(
        &mut self,
        p: &FieldPath,
        mix: Option<&BTreeMap<String, f64>>,
    ) -> [f64; 5] {
        let mut acuity_cumulative = [0.0, 0.0, 1.0, 1.0, 1.0];
        let Some(mix) = mix else {
            return acuity_cumulative;
        };
        let mut probs = [0.0; 6];
        for (k, v) in mix {
            if let Some(ac) = self.acuity_key(p.key(k), k) {
                if !(0.0..=1.0).contains(v) {
                    self.err(
                        p.key(k),
                        format!("a probability lies between 0 and 1, got {v}"),
                    );
                }
                probs[ac] = *v;
            }
        }
        let sum: f64 = probs.iter().sum();
        if (sum - 1.0).abs() > 1e-6 {
            self.err_hint(
                p.clone(),
                format!("acuity shares must add up to 1, got {sum:.4}"),
                "e.g. acuity = { 1 = 0.01, 2 = 0.12, 3 = 0.40, 4 = 0.35, 5 = 0.12 }",
            );
        }
        let mut acc = 0.0;
        for a in 1..=5 {
            acc += probs[a] / sum.max(1e-12);
            acuity_cumulative[a - 1] = acc;
        }
        acuity_cumulative[4] = f64::INFINITY;
        acuity_cumulative
    }

    pub(super) fn arrival_process(
        &mut self,
        p: &FieldPath,
        a: &ArrivalSpec,
        start_mow: f64,
        horizon: f64,
    ) -> ArrivalProcess {
        if a.cases.is_some() {
            self.err_hint(
                p.key("cases"),
                "a `cases` file must be read into `at` before compiling",
                "the hospsim CLI does this; a program using the library fills `at` from the file itself",
            );
        }
        let poisson = a.per_day.is_some() || a.rates_per_hour.is_some();
        let scheduled = a.weekly.is_some() || a.at.is_some();
        let kinds = [
            a.per_day.is_some(),
            a.rates_per_hour.is_some(),
            a.weekly.is_some(),
            a.at.is_some(),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if kinds != 1 {
            self.err_hint(
                p.clone(),
                if kinds == 0 { "an arrival class needs one of `per_day`, `rates_per_hour`, `weekly` or `at`".to_string() } else { "give only one of `per_day`, `rates_per_hour`, `weekly`, `at`".to_string() },
                "per_day = 250 for Poisson arrivals; weekly = [{ day = \"Mon\", time = \"07:30\", count = 4 }] for scheduled ones",
            );
            return ArrivalProcess::At(vec![]);
        }
        if !poisson && (a.hourly_shape.is_some() || a.weekday_factor.is_some()) {
            self.err(
                p.clone(),
                "`hourly_shape` and `weekday_factor` shape `per_day` arrivals only",
            );
        }
        if scheduled {
            if let Some(slots) = &a.weekly {
                let mut out = vec![];
                for (i, sl) in slots.iter().enumerate() {
                    let sp = p.key("weekly").index(i);
                    let day = DAYS
                        .iter()
                        .position(|d| sl.day.to_ascii_lowercase().starts_with(d));
                    let Some(day) = day else {
                        self.err_hint(
                            sp.key("day"),
                            format!("unknown day \"{}\"", sl.day),
                            "Mon, Tue, Wed, Thu, Fri, Sat or Sun",
                        );
                        continue;
                    };
                    let Some(minute) = parse_clock(&sl.time) else {
                        self.err_hint(
                            sp.key("time"),
                            format!("\"{}\" is not a time of day", sl.time),
                            "HH:MM, e.g. \"07:30\"",
                        );
                        continue;
                    };
                    if sl.count > MAX_PATIENTS_PER_SLOT {
                        self.err_hint(
                            sp.key("count"),
                            format!(
                                "a slot brings at most {MAX_PATIENTS_PER_SLOT} patients, got {}",
                                sl.count
                            ),
                            "spread them over several slots",
                        );
                        continue;
                    }
                    out.push((day as f64 * 1440.0 + minute, sl.count));
                }
                if out.is_empty() && self.errs.is_empty() {
                    self.err(p.key("weekly"), "the weekly schedule has no slots");
                }
                out.sort_by(|x, y| x.0.total_cmp(&y.0));
                return ArrivalProcess::Weekly(out);
            }
            let planned = a.at.as_ref().map_or(0, |v| v.len()) as u64;
            if planned > MAX_PLANNED_ARRIVALS {
                self.err_hint(
                    p.key("at"),
                    format!(
                        "a class has at most {MAX_PLANNED_ARRIVALS} planned arrivals, got {planned}"
                    ),
                    "use per_day for a steady stream of patients",
                );
                return ArrivalProcess::At(vec![]);
            }
            let mut out = vec![];
            // A bad sim.start is reported once, at sim.start.
            let start = parse_timestamp(&self.s.sim.start, self.zone.as_ref()).ok();
            for (i, t) in a.at.iter().flatten().enumerate() {
                let Some(ts) = self.timestamp(p.key("at").index(i), t) else {
                    continue;
                };
                let Some(start) = start else { continue };
                let mins = ts.duration_since(start).as_secs_f64() / 60.0;
                if mins < 0.0 || mins > horizon {
                    self.err(
                        p.key("at").index(i),
                        format!("{t} lies outside the simulated period"),
                    );
                } else {
                    out.push((mins, 1));
                }
            }
            out.sort_by(|x, y| x.0.total_cmp(&y.0));
            return ArrivalProcess::At(out);
        }
        let _ = start_mow;
        let rates: Vec<f64> = if let Some(r) = &a.rates_per_hour {
            match r.len() {
                168 => r.clone(),
                24 => r.iter().copied().cycle().take(168).collect(),
                n => {
                    self.err_hint(
                        p.key("rates_per_hour"),
                        format!(
                            "expected 24 values (one per hour of the day) or 168 (one per hour of the week), got {n}"
                        ),
                        "24: 00:00 first, the same every day; 168: Monday 00:00 first",
                    );
                    return ArrivalProcess::At(vec![]);
                }
            }
        } else {
            let per_day = a.per_day.unwrap_or(0.0);
            if !(per_day.is_finite() && per_day >= 0.0) {
                self.err(
                    p.key("per_day"),
                    format!("per_day must be a number of patients, zero or more, got {per_day}"),
                );
                return ArrivalProcess::At(vec![]);
            }
            if per_day == 0.0 {
                return ArrivalProcess::At(vec![]);
            }
            let shape = a.hourly_shape.clone().unwrap_or_else(|| vec![1.0; 24]);
            let wf = a.weekday_factor.clone().unwrap_or_else(|| vec![1.0; 7]);
            if shape.len() != 24 {
                self.err_hint(
                    p.key("hourly_shape"),
                    format!("expected 24 values (00:00 to 23:00), got {}", shape.len()),
                    "relative weights; they are normalised",
                );
                return ArrivalProcess::At(vec![]);
            }
            if wf.len() != 7 {
                self.err_hint(
                    p.key("weekday_factor"),
                    format!("expected 7 values (Monday to Sunday), got {}", wf.len()),
                    "relative factors; they are normalised to average 1",
                );
                return ArrivalProcess::At(vec![]);
            }
            let (ss, ws) = (shape.iter().sum::<f64>(), wf.iter().sum::<f64>());
            if shape.iter().chain(&wf).any(|x| !x.is_finite() || *x < 0.0) || ss <= 0.0 || ws <= 0.0
            {
                self.err(
                    p.clone(),
                    "hourly_shape and weekday_factor must be >= 0 and not all zero",
                );
                return ArrivalProcess::At(vec![]);
            }
            (0..168)
                .map(|h| per_day * shape[h % 24] / ss * wf[h / 24] / (ws / 7.0))
                .collect()
        };
        if rates.iter().any(|x| !x.is_finite() || *x < 0.0) {
            self.err(p.key("rates_per_hour"), "rates must be numbers >= 0");
            return ArrivalProcess::At(vec![]);
        }
        if rates.iter().all(|x| *x == 0.0) {
            // A rate of zero everywhere is a class switched off.
            return ArrivalProcess::At(vec![]);
        }
        let peak_per_day = rates.iter().cloned().fold(0.0, f64::max) * 24.0;
        if peak_per_day > MAX_ARRIVALS_PER_DAY {
            let field = if a.rates_per_hour.is_some() {
                "rates_per_hour"
            } else {
                "per_day"
            };
            self.err_hint(
                p.key(field),
                format!(
                    "the busiest hour brings {:.0} patients an hour ({peak_per_day:.0} a day at that rate), more than the {MAX_ARRIVALS_PER_DAY:.0} a day allowed",
                    peak_per_day / 24.0
                ),
                "per_day counts patients a day, rates_per_hour patients an hour",
            );
            return ArrivalProcess::At(vec![]);
        }
        let rate_per_min: Vec<f64> = rates.iter().map(|r| r / 60.0).collect();
        let max_rate = rate_per_min.iter().cloned().fold(0.0, f64::max);
        let flat = rate_per_min.iter().all(|r| *r == max_rate);
        ArrivalProcess::Poisson {
            rate_per_min,
            max_rate,
            flat,
        }
    }
}

/// Stable key of a class for random streams: an FNV-1a hash of its name, so that
/// adding a class to a variant leaves the other classes' patients unchanged.
pub(super) fn class_key(name: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in name.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    h
}

//! KPI definitions: durations between milestones, shares and daily counts.

use super::*;

impl<'s> Compiler<'s> {
    pub(super) fn kpis(&mut self) -> Vec<KpiDef> {
        let s = self.s;
        let mut out = vec![];
        let mut specs: Vec<(String, KpiSpec)> =
            s.kpis.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        if !s.kpis.contains_key("length_of_stay") {
            specs.push((
                "length_of_stay".into(),
                KpiSpec {
                    label: Some("Length of stay (arrival to departure)".into()),
                    from: Some("arrival".into()),
                    to: Some("departure".into()),
                    unit: Some("h".into()),
                    ..Default::default()
                },
            ));
        }
        for (name, k) in &specs {
            let p = path!["kpis", name];
            let ms = |c: &mut Self, field: &str, v: &str| -> u16 {
                match c.ms_index(v) {
                    Some(i) => i,
                    None => {
                        let hint = closest(v, c.milestones.iter());
                        c.err_hint(
                            p.key(field),
                            format!("unknown milestone \"{v}\""),
                            format!("milestones are set by `mark` in pathway steps; {hint}"),
                        );
                        0
                    }
                }
            };
            let n_kinds = [
                k.from.is_some() || k.to.is_some(),
                k.share_exiting.is_some(),
                k.share_reaching.is_some(),
                k.per_day_reaching.is_some(),
                k.per_run_reaching.is_some(),
            ]
            .iter()
            .filter(|x| **x)
            .count();
            if n_kinds != 1 {
                self.err_hint(p.clone(), "a KPI measures one thing", "give `from` and `to`, or one of `share_exiting`, `share_reaching`, `per_day_reaching`, `per_run_reaching`");
                continue;
            }
            let unit_name = k.unit.clone().unwrap_or_else(|| "min".into());
            let kind = if k.from.is_some() || k.to.is_some() {
                let (Some(f), Some(t)) = (&k.from, &k.to) else {
                    self.err(p.clone(), "a duration KPI needs both `from` and `to`");
                    continue;
                };
                let from = ms(self, "from", f);
                let to = ms(self, "to", t);
                if from == to && self.errs.is_empty() {
                    self.err(p.key("to"), "`from` and `to` are the same milestone");
                }
                let unit_minutes = match crate::duration::unit_minutes(&unit_name) {
                    Some(u) => u,
                    None => {
                        self.err_hint(
                            p.key("unit"),
                            format!("unknown unit \"{unit_name}\""),
                            "min, h or d",
                        );
                        1.0
                    }
                };
                if let Some(ts) = k.target_share {
                    if !(0.0..=1.0).contains(&ts) {
                        self.err(
                            p.key("target_share"),
                            format!("a share lies between 0 and 1, got {ts}"),
                        );
                    }
                    if k.within.is_none() {
                        self.err_hint(
                            p.key("target_share"),
                            "target_share needs `within`",
                            "e.g. within = \"4 h\"",
                        );
                    }
                }
                let percentiles = k
                    .percentiles
                    .clone()
                    .unwrap_or_else(|| vec![50.0, 90.0, 95.0]);
                for (i, q) in percentiles.iter().enumerate() {
                    if !(0.0..=100.0).contains(q) {
                        self.err(
                            p.key("percentiles").index(i),
                            format!("percentiles lie between 0 and 100, got {q}"),
                        );
                    }
                }
                KpiKind::Duration {
                    from,
                    to,
                    within: k.within.map(|d| d.minutes()),
                    target_share: k.target_share,
                    percentiles,
                    unit_minutes,
                }
            } else if let Some(r) = &k.share_exiting {
                KpiKind::ShareExiting {
                    route: self.route_index(p.key("share_exiting"), r),
                }
            } else if let Some(m) = &k.share_reaching {
                KpiKind::ShareReaching {
                    ms: ms(self, "share_reaching", m),
                }
            } else if let Some(m) = &k.per_run_reaching {
                KpiKind::PerRunReaching {
                    ms: ms(self, "per_run_reaching", m),
                }
            } else {
                let m = k.per_day_reaching.clone().unwrap_or_default();
                KpiKind::PerDayReaching {
                    ms: ms(self, "per_day_reaching", &m),
                }
            };
            let is_duration = matches!(kind, KpiKind::Duration { .. });
            let is_share = matches!(
                kind,
                KpiKind::ShareExiting { .. } | KpiKind::ShareReaching { .. }
            );
            let of_arrivals = match k.of.as_deref() {
                None | Some("departures") => false,
                Some("arrivals") if is_share => true,
                Some("arrivals") => {
                    self.err(
                        p.key("of"),
                        "`of` chooses the denominator of a share KPI (share_exiting, share_reaching)",
                    );
                    false
                }
                Some(other) => {
                    self.err_hint(
                        p.key("of"),
                        format!("unknown denominator \"{other}\""),
                        "of = \"departures\" (patients who left, the default) or \"arrivals\" (every patient who arrived, those still in hospital included)",
                    );
                    false
                }
            };
            if !is_duration && (k.within.is_some() || k.percentiles.is_some() || k.unit.is_some()) {
                self.err(
                    p.clone(),
                    "`within`, `percentiles` and `unit` apply to duration KPIs (from/to) only",
                );
            }
            if is_duration && (k.max.is_some() || k.min.is_some()) {
                self.err_hint(
                    p.clone(),
                    "`max`/`min` apply to count KPIs",
                    "for durations use `within` and `target_share`",
                );
            }
            let mut classes = vec![true; self.n_classes];
            if let Some(list) = &k.classes {
                classes = vec![false; self.n_classes];
                for (i, c) in list.iter().enumerate() {
                    match self.class_ix.get(c.as_str()) {
                        Some(&ci) => classes[ci] = true,
                        None => {
                            let hint = closest(c, s.arrivals.keys());
                            self.err_hint(
                                p.key("classes").index(i),
                                format!("unknown class \"{c}\""),
                                hint,
                            );
                        }
                    }
                }
            }
            let mut acuities = [true; 6];
            if let Some(list) = &k.acuity {
                acuities = [false; 6];
                for (i, a) in list.iter().enumerate() {
                    if (1..=MAX_ACUITY).contains(a) {
                        acuities[*a as usize] = true;
                    } else {
                        self.err(
                            p.key("acuity").index(i),
                            format!("acuity runs from 1 to 5, got {a}"),
                        );
                    }
                }
            }
            let attributes = self.kpi_attribute_filter(&p.key("attributes"), k.attributes.as_ref());
            let unit = match &kind {
                KpiKind::Duration { .. } => unit_name,
                KpiKind::PerDayReaching { .. } => "per day".into(),
                KpiKind::PerRunReaching { .. } => "per run".into(),
                _ => "share".into(),
            };
            out.push(KpiDef {
                name: name.clone(),
                label: k.label.clone().unwrap_or_else(|| name.replace('_', " ")),
                department: self.department(&p, k.department.as_deref()),
                unit,
                kind,
                admit: classes
                    .iter()
                    .flat_map(|&c| acuities.iter().map(move |&a| c && a))
                    .collect(),
                attributes,
                max: k.max,
                min: k.min,
                of_arrivals,
            });
        }
        out
    }
}

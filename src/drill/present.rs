//! How a drill's results are shown: the terminal text and the HTML report's view.

use super::*;

pub(super) fn f(v: f64) -> String {
    crate::table::num(v)
}

pub(super) fn drill_text(d: &DrillReport) -> String {
    let mut out = format!(
        "{}: drill \"{}\" from {} to {}, {} replications, seed {}\n\n",
        d.scenario, d.drill, d.drill_start, d.drill_end, d.replications, d.seed
    );
    let mut rows = vec![vec![
        "KPI".to_string(),
        "unit".into(),
        "baseline".into(),
        "drill".into(),
        "difference [95% CI]".into(),
    ]];
    for k in &d.kpis {
        let s = k.unit == "share";
        let show = |v: f64| {
            if s && v.is_finite() {
                format!("{:.1}%", v * 100.0)
            } else {
                f(v)
            }
        };
        let diff = |v: f64| {
            if s && v.is_finite() {
                format!("{:.2}pp", v * 100.0)
            } else {
                f(v)
            }
        };
        rows.push(vec![
            k.label.clone(),
            k.unit.clone(),
            show(k.baseline.mean),
            show(k.drill.mean),
            format!(
                "{} [{}, {}]",
                diff(k.difference.mean),
                diff(k.difference.ci95[0]),
                diff(k.difference.ci95[1])
            ),
        ]);
    }
    out.push_str(&crate::table::render(&rows));
    out.push_str("\n  patients over critical thresholds (per replication)\n");
    let mut rows = vec![vec![
        "KPI".to_string(),
        "threshold".into(),
        "baseline".into(),
        "drill".into(),
        "extra [95% CI]".into(),
    ]];
    for t in &d.thresholds {
        rows.push(vec![
            t.label.clone(),
            format!("{} {}", f(t.within), t.unit),
            f(t.baseline_patients_over.mean),
            f(t.drill_patients_over.mean),
            format!(
                "{} [{}, {}]",
                f(t.difference.mean),
                f(t.difference.ci95[0]),
                f(t.difference.ci95[1])
            ),
        ]);
    }
    out.push_str(&crate::table::render(&rows));
    out.push_str("\n  bottleneck chronology (hours after the drill starts)\n");
    let mut rows = vec![vec![
        "resource".to_string(),
        "saturated at".into(),
        "in reps".into(),
        "recovered after".into(),
        "peak demand".into(),
        "P95".into(),
        "baseline peak".into(),
        "capacity".into(),
    ]];
    for b in &d.bottlenecks {
        rows.push(vec![
            b.label.clone(),
            b.saturated_after_hours
                .map(f)
                .unwrap_or_else(|| "never".into()),
            format!("{:.0}%", b.saturated_share * 100.0),
            match (b.affected, b.recovered, b.recovery_hours) {
                (false, _, _) => "unaffected".into(),
                (_, true, Some(h)) => format!("{} h", f(h)),
                _ => "not by the end".into(),
            },
            f(b.peak_demand_mean),
            f(b.peak_demand_p95),
            f(b.baseline_peak_demand_mean),
            f(b.capacity_mean),
        ]);
    }
    out.push_str(&crate::table::render(&rows));
    if !d.supplies.is_empty() {
        out.push('\n');
        let mut rows = vec![vec![
            "supply (whole run, per replication)".to_string(),
            "baseline used".into(),
            "drill used".into(),
            "extra [95% CI]".into(),
            "fill rate".into(),
            "missed".into(),
            "stock-out h".into(),
        ]];
        for s in &d.supplies {
            rows.push(vec![
                s.label.clone(),
                f(s.baseline_used.mean),
                f(s.drill_used.mean),
                format!(
                    "{} [{}, {}]",
                    f(s.extra_used.mean),
                    f(s.extra_used.ci95[0]),
                    f(s.extra_used.ci95[1])
                ),
                format!(
                    "{:.1}% (base {:.1}%)",
                    s.drill_fill_rate.mean * 100.0,
                    s.baseline_fill_rate.mean * 100.0
                ),
                f(s.drill_missed.mean),
                format!(
                    "{} (base {})",
                    f(s.drill_stockout_hours.mean),
                    f(s.baseline_stockout_hours.mean)
                ),
            ]);
        }
        out.push_str(&crate::table::render(&rows));
    }
    let _ = writeln!(
        out,
        "\n  hospital back to baseline after: {}",
        d.recovery_hours
            .map(|h| format!("{} h", f(h)))
            .unwrap_or_else(|| "not by the end of the run".into())
    );
    if d.turned_away_per_replication > 0.0 {
        let _ = writeln!(
            out,
            "  patients diverted or cancelled by responses: {} per replication",
            f(d.turned_away_per_replication)
        );
    }
    for r in &d.responses {
        let _ = writeln!(
            out,
            "\n  response \"{}\": fired in {:.0}% of replications, median {} h after the drill start; its effect (with - without):",
            r.name,
            r.fired_share * 100.0,
            r.fired_after_hours_median
                .map(f)
                .unwrap_or_else(|| "-".into())
        );
        let mut rows = vec![vec![
            "KPI".to_string(),
            "unit".into(),
            "difference [95% CI]".into(),
            "p".into(),
        ]];
        for k in &r.effect {
            let s = k.unit == "share";
            let show = |v: f64| {
                if s && v.is_finite() {
                    format!("{:.2}pp", v * 100.0)
                } else {
                    f(v)
                }
            };
            rows.push(vec![
                k.label.clone(),
                k.unit.clone(),
                format!(
                    "{} [{}, {}]",
                    show(k.difference.mean),
                    show(k.difference.ci95[0]),
                    show(k.difference.ci95[1])
                ),
                if k.difference.p_value < 0.001 {
                    "<0.001".into()
                } else if k.difference.p_value.is_finite() {
                    format!("{:.3}", k.difference.p_value)
                } else {
                    "-".into()
                },
            ]);
        }
        out.push_str(&crate::table::render(&rows));
    }
    out
}

/// The report's view: the resources that saturated first get a timeline chart,
/// from a day before the drill to the end of the run.
pub(super) fn drill_view(
    d: &DrillReport,
    m: &Model,
    drill: &Replications,
    base: &Replications,
    (start, end): (f64, f64),
    lang: hospsim_reports::Lang,
) -> hospsim_reports::DrillView {
    use hospsim_reports::pages::{BottleneckRow, TimelineSeries};
    let (_, n_samples) = sample_grid(m, drill, base);
    let k0 = sample_at(m, start - 24.0 * 60.0, n_samples);
    // The charts show the event and three days after it (timeline.csv has the rest);
    // at most ~600 points per line, consecutive samples averaged.
    let k_end = (((end + 72.0 * 60.0) / m.sample_interval).ceil() as usize).clamp(k0, n_samples);
    let stride = ((k_end - k0) / 600).max(1);
    let ks: Vec<usize> = (k0..k_end).collect();
    let timeline = d
        .bottlenecks
        .iter()
        .filter(|b| b.saturated_after_hours.is_some())
        .take(6)
        .filter_map(|b| {
            let r = m.resources.iter().position(|x| x.name == b.id)?;
            let mut t = TimelineSeries {
                id: b.id.clone(),
                label: b.label.clone(),
                hours: vec![],
                drill_queue: vec![],
                drill_queue_p95: vec![],
                base_queue: vec![],
            };
            for chunk in ks.chunks(stride) {
                let avg = |f: &dyn Fn(usize) -> f64| {
                    chunk.iter().map(|&k| f(k)).sum::<f64>() / chunk.len() as f64
                };
                t.hours
                    .push(avg(&|k| (k as f64 * m.sample_interval - start) / 60.0));
                t.drill_queue.push(avg(&|k| mean_at(drill, m, k, r, 1)));
                t.base_queue.push(avg(&|k| mean_at(base, m, k, r, 1)));
                t.drill_queue_p95
                    .push(avg(&|k| drill.samples.at(m, k, r).queue[2]));
            }
            Some(t)
        })
        .collect();
    hospsim_reports::DrillView {
        lang,
        name: d.drill.clone(),
        scenario: d.scenario.clone(),
        window: (d.drill_start.clone(), d.drill_end.clone()),
        replications: d.replications,
        kpis: d
            .kpis
            .iter()
            .map(|k| {
                (
                    k.label.clone(),
                    k.unit.clone(),
                    k.baseline,
                    k.drill,
                    k.difference,
                )
            })
            .collect(),
        thresholds: d
            .thresholds
            .iter()
            .map(|t| {
                (
                    t.label.clone(),
                    format!("{} {}", f(t.within), t.unit),
                    t.baseline_patients_over,
                    t.drill_patients_over,
                    t.difference,
                )
            })
            .collect(),
        bottlenecks: d
            .bottlenecks
            .iter()
            .map(|b| BottleneckRow {
                label: b.label.clone(),
                saturated_after_hours: b.saturated_after_hours,
                saturated_share: b.saturated_share,
                recovery_hours: if b.recovered { b.recovery_hours } else { None },
                affected: b.affected,
                peak_mean: b.peak_demand_mean,
                peak_p95: b.peak_demand_p95,
                base_peak: b.baseline_peak_demand_mean,
                capacity: b.capacity_mean,
            })
            .collect(),
        responses: d
            .responses
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    r.fired_share,
                    r.fired_after_hours_median,
                    r.effect
                        .iter()
                        .map(|k| (k.label.clone(), k.unit.clone(), k.difference))
                        .collect(),
                )
            })
            .collect(),
        timeline,
        recovery_hours: d.recovery_hours,
        turned_away: d.turned_away_per_replication,
        files: vec!["drill.json".into(), "timeline.csv".into()],
        overrides: vec![],
    }
}

//! The terminal KPI and resource tables printed by `run` and `demo`.

use hospsim_sim::results::{Est, Summary};
use std::fmt::Write as _;

/// A number for the terminal: three significant figures or so, "-" when missing.
pub(crate) fn num(v: f64) -> String {
    if v.is_finite() {
        hospsim_reports::html::num(v)
    } else {
        "-".into()
    }
}

fn ci(e: &Est) -> String {
    if e.ci95[0].is_finite() {
        format!("[{}, {}]", num(e.ci95[0]), num(e.ci95[1]))
    } else {
        "-".into()
    }
}

fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.1}%", v * 100.0)
    } else {
        "-".into()
    }
}

/// Renders rows as an aligned text table, the first row as the header.
pub(crate) fn render(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        for (c, cell) in r.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c == 0 {
                let _ = write!(out, "  {cell}{}", " ".repeat(pad));
            } else {
                let _ = write!(out, "  {}{cell}", " ".repeat(pad));
            }
        }
        out.push('\n');
        if i == 0 {
            let total: usize = widths.iter().sum::<usize>() + 2 * widths.len();
            let _ = writeln!(out, "  {}", "-".repeat(total - 2));
        }
    }
    out
}

/// The KPI table, then the resource table, as printed after a run.
pub(crate) fn summary_tables(s: &Summary) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} replication(s) of {} days after {} days of warm-up, seed {}\n",
        s.scenario.name,
        s.scenario.replications,
        s.scenario.horizon_days - s.scenario.warmup_days,
        s.scenario.warmup_days,
        s.scenario.seed
    );
    let mut rows = vec![vec![
        "KPI".to_string(),
        "unit".into(),
        "mean".into(),
        "95% CI".into(),
        "P90".into(),
        "target".into(),
        "met".into(),
    ]];
    for k in &s.kpis {
        let p90 = k
            .percentiles
            .iter()
            .find(|p| (p.p - 90.0).abs() < 1e-9)
            .map(|p| num(p.est.mean))
            .unwrap_or_else(|| "".into());
        let (target, met) = match &k.target {
            Some(t) => {
                let text = match (t.within, t.target_share, t.max, t.min) {
                    (Some(w), Some(sh), _, _) => {
                        format!("{:.0}% <= {} {}", sh * 100.0, num(w), k.unit)
                    }
                    (Some(w), None, _, _) => format!("<= {} {}", num(w), k.unit),
                    (_, _, Some(mx), _) => format!("<= {}", num(mx)),
                    (_, _, _, Some(mn)) => format!(">= {}", num(mn)),
                    _ => String::new(),
                };
                let met = match &t.share_within {
                    Some(sw) => format!("{} of pts", pct(sw.mean)),
                    None => format!("{} of reps", pct(t.share_of_replications_meeting)),
                };
                (text, met)
            }
            None => (String::new(), String::new()),
        };
        let (mean, c) = if k.unit == "share" {
            (
                pct(k.est.mean),
                if k.est.ci95[0].is_finite() {
                    format!("[{}, {}]", pct(k.est.ci95[0]), pct(k.est.ci95[1]))
                } else {
                    "-".into()
                },
            )
        } else {
            (num(k.est.mean), ci(&k.est))
        };
        rows.push(vec![
            k.label.clone(),
            k.unit.clone(),
            mean,
            c,
            p90,
            target,
            met,
        ]);
    }
    out.push_str(&render(&rows));
    out.push('\n');
    let mut rows = vec![vec![
        "resource".to_string(),
        "capacity".into(),
        "utilisation".into(),
        "95% CI".into(),
        "queue mean".into(),
        "queue max".into(),
        "wait min".into(),
        "holding+waiting".into(),
        "time >85%".into(),
        "time >92%".into(),
    ]];
    rows[0].push("peak busy".into());
    let overrun = s
        .resources
        .iter()
        .any(|r| r.overrun_hours_per_day.mean > 0.0);
    if overrun {
        rows[0].push("overrun h/day".into());
    }
    let cleaning = s.resources.iter().any(|r| r.turnaround_mean.mean > 0.0);
    let down = s.resources.iter().any(|r| r.down_mean.mean > 0.0);
    if cleaning {
        rows[0].push("in turnaround".into());
    }
    if down {
        rows[0].push("units down".into());
    }
    for r in &s.resources {
        let mut row = vec![
            r.label.clone(),
            num(r.capacity_mean),
            pct(r.utilisation.mean),
            if r.utilisation.ci95[0].is_finite() {
                format!(
                    "[{}, {}]",
                    pct(r.utilisation.ci95[0]),
                    pct(r.utilisation.ci95[1])
                )
            } else {
                "-".into()
            },
            num(r.queue_mean.mean),
            r.queue_max.to_string(),
            num(r.wait_mean_min.mean),
            num(r.waiting_while_holding_mean.mean),
            pct(r.share_time_over_85.mean),
            pct(r.share_time_over_92.mean),
            r.busy_max.to_string(),
        ];
        if overrun {
            row.push(num(r.overrun_hours_per_day.mean));
        }
        if cleaning {
            row.push(num(r.turnaround_mean.mean));
        }
        if down {
            row.push(num(r.down_mean.mean));
        }
        rows.push(row);
    }
    out.push_str(&render(&rows));
    if !s.items.is_empty() {
        out.push('\n');
        let mut rows = vec![vec![
            "item".to_string(),
            "used/day".into(),
            "fill rate".into(),
            "95% CI".into(),
            "stock-out h/yr".into(),
            "substituted/day".into(),
            "missed/day".into(),
            "expired/yr".into(),
            "mean stock".into(),
            "stock value".into(),
        ]];
        for it in &s.items {
            rows.push(vec![
                it.label.clone(),
                num(it.demand_per_day.mean),
                pct(it.fill_rate.mean),
                if it.fill_rate.ci95[0].is_finite() {
                    format!(
                        "[{}, {}]",
                        pct(it.fill_rate.ci95[0]),
                        pct(it.fill_rate.ci95[1])
                    )
                } else {
                    "-".into()
                },
                num(it.stockout_hours_per_year.mean),
                num(it.substituted_per_day.mean),
                num(it.missed_per_day.mean),
                num(it.expired_per_year.mean),
                num(it.average_stock.mean),
                num(it.average_stock_value.mean),
            ]);
        }
        out.push_str(&render(&rows));
    }
    let f = &s.flow;
    let departed: u64 = f.departed.values().sum();
    let routes: Vec<String> = f
        .departed
        .iter()
        .filter(|(_, v)| **v > 0)
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let _ = writeln!(
        out,
        "\n  flow (all replications): arrived {} = departed {} ({}) + in hospital at end {}  [{}]",
        f.arrived,
        departed,
        routes.join(", "),
        f.in_system_at_end,
        if f.conservation_holds {
            "conserved"
        } else {
            "NOT CONSERVED"
        }
    );
    let _ = writeln!(
        out,
        "  {} events in {:.2} s on {} thread(s)",
        s.run.events, s.run.wall_seconds, s.run.threads
    );
    out
}

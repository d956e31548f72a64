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

/// Widest a table's first column (the labels) grows before its text wraps.
const MAX_LABEL_WIDTH: u16 = 50;

/// A header row from its titles.
pub(crate) fn header(titles: &[&str]) -> Vec<String> {
    titles.iter().map(|t| t.to_string()).collect()
}

/// Renders rows as an aligned text table, the first row as the header: the
/// first column left-aligned, the others right-aligned, two spaces between.
/// Widths are display widths (comfy-table), so Chinese labels, two columns
/// wide in a terminal, line up.
pub(crate) fn render(rows: &[Vec<String>]) -> String {
    use comfy_table::{
        CellAlignment, ColumnConstraint, ContentLineStyle, Table, TableStyle, Width,
    };
    let Some((header, body)) = rows.split_first() else {
        return String::new();
    };
    let lines = ContentLineStyle::none().left(' ').junction(' ');
    let mut table = Table::new();
    table
        .load_style(TableStyle::new().header_lines(lines).content_lines(lines))
        .set_header(header.clone())
        .add_rows(body.iter().cloned());
    for c in 0..header.len() {
        if let Some(col) = table.column_mut(c) {
            col.set_padding((1, 0));
            if c > 0 {
                col.set_cell_alignment(CellAlignment::Right);
            } else {
                // A long label wraps rather than pushing every figure off
                // the right of an 80-column terminal.
                col.set_constraint(ColumnConstraint::UpperBoundary(Width::Fixed(
                    MAX_LABEL_WIDTH + 1,
                )));
            }
        }
    }
    // The rule under the header is drawn here: comfy-table's would start
    // under the table's left margin.
    let width: usize = table
        .column_max_content_widths()
        .iter()
        .enumerate()
        .map(|(c, w)| {
            let w = *w as usize;
            if c == 0 {
                w.min(MAX_LABEL_WIDTH as usize) + 2
            } else {
                w + 2
            }
        })
        .sum();
    let mut out = String::new();
    for (i, line) in table.lines().enumerate() {
        out.push_str(line.trim_end());
        out.push('\n');
        if i == 0 {
            out.push_str("  ");
            out.push_str(&"-".repeat(width.saturating_sub(2)));
            out.push('\n');
        }
    }
    out
}

/// The KPI table, then the resource table, as printed after a run.
pub(crate) fn summary_tables(s: &Summary) -> String {
    let mut out = String::new();
    // A clinic day reads in hours ("19 hours"), not as 0.7916666666666666 days.
    let span = |days: f64| {
        let (v, unit) = if s.scenario.horizon_days < 2.0 {
            (days * 24.0, "hours")
        } else {
            (days, "days")
        };
        let t = format!("{v:.2}");
        format!("{} {unit}", t.trim_end_matches('0').trim_end_matches('.'))
    };
    let _ = writeln!(
        out,
        "{}: {} replication(s) of {} after {} of warm-up, seed {}\n",
        s.scenario.name,
        s.scenario.replications,
        span(s.scenario.horizon_days - s.scenario.warmup_days),
        span(s.scenario.warmup_days),
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
    // Durations the run's end cut short for many patients: their mean and
    // percentiles are of the quick ones only, which the reader must know.
    for k in &s.kpis {
        if let Some(u) = k.unfinished
            && u.per_replication > 0.05 * k.observations_per_replication
            && u.per_replication >= 1.0
        {
            out.push_str(&format!(
                "  {}: {} per replication not finished at the end ({} {} so far, a lower bound); mean and percentiles are of the finished\n",
                k.label,
                num(u.per_replication),
                num(u.so_far_mean.mean),
                k.unit
            ));
        }
    }
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
    let refused = s.resources.iter().any(|r| r.refused_per_day.mean > 0.0);
    let gave_up = s.resources.iter().any(|r| r.gave_up_per_day.mean > 0.0);
    if refused {
        rows[0].push("refused/day".into());
    }
    if gave_up {
        rows[0].push("gave up/day".into());
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
            if r.unlimited {
                "unlimited".into()
            } else {
                num(r.capacity_mean)
            },
            if r.unlimited {
                format!("{} in use", num(r.busy_mean.mean))
            } else {
                pct(r.utilisation.mean)
            },
            if r.unlimited && r.busy_mean.ci95[0].is_finite() {
                format!(
                    "[{}, {}]",
                    num(r.busy_mean.ci95[0]),
                    num(r.busy_mean.ci95[1])
                )
            } else if r.utilisation.ci95[0].is_finite() {
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
            if r.unlimited {
                "-".into()
            } else {
                pct(r.share_time_over_85.mean)
            },
            if r.unlimited {
                "-".into()
            } else {
                pct(r.share_time_over_92.mean)
            },
            r.busy_max.to_string(),
        ];
        if overrun {
            row.push(num(r.overrun_hours_per_day.mean));
        }
        if refused {
            row.push(num(r.refused_per_day.mean));
        }
        if gave_up {
            row.push(num(r.gave_up_per_day.mean));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Terminal columns of a string: CJK ideographs take two.
    fn columns(s: &str) -> usize {
        s.chars()
            .map(|c| {
                if ('\u{4e00}'..='\u{9fff}').contains(&c) {
                    2
                } else {
                    1
                }
            })
            .sum()
    }

    #[test]
    fn chinese_labels_line_up_with_latin_ones() {
        let rows = vec![
            header(&["resource", "capacity", "utilisation"]),
            vec!["急诊床位".into(), "3".into(), "73.0%".into()],
            vec!["doctor".into(), "12".into(), "8.5%".into()],
        ];
        let text = render(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        // Every line, the rule included, ends at the same terminal column...
        let widths: Vec<usize> = lines.iter().map(|l| columns(l)).collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "{text}\n{widths:?}");
        // ...and the numbers are right-aligned under their headers.
        assert!(lines[2].ends_with("  3        73.0%"), "{text}");
        assert!(lines[1].starts_with("  ----"), "{text}");
    }

    #[test]
    fn a_long_label_wraps_and_the_figures_stay_in_their_columns() {
        let long =
            "急诊 critical value acknowledged within an hour (the rest unacknowledged at 60 min)";
        let rows = vec![
            header(&["KPI", "mean"]),
            vec![long.into(), "9.70".into()],
            vec!["short".into(), "1.5".into()],
        ];
        let text = render(&rows);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() > 4, "{text}");
        // The label column never grows past its bound, so each figure ends at
        // the column of the header's.
        let end = columns(lines[0]);
        assert!(end <= 2 + MAX_LABEL_WIDTH as usize + 2 + 4, "{text}");
        assert_eq!(columns(lines[2]), end, "{text}");
        assert!(
            lines[2].ends_with("9.70") && lines.last().unwrap().ends_with("1.5"),
            "{text}"
        );
        // Every word of the label is still there.
        let joined: String = lines[2..lines.len() - 1]
            .iter()
            .map(|l| l.trim())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(joined.contains("unacknowledged at 60 min)"), "{text}");
    }
}

//! Builds the HTML reports from results and writes them next to the data files.

use crate::staging::Staged;
use anyhow::Result;
use hospsim_reports::pages::{Distribution, ResourceSeries};
use hospsim_reports::{Lang, RunView};
use hospsim_sim::Model;
use hospsim_sim::model::KpiKind;
use hospsim_sim::results::Summary;
use hospsim_sim::runner::Replications;

/// Most points a time chart draws.
const MAX_POINTS: usize = 400;

/// `--lang` parsed, with a clear error.
pub(crate) fn parse_lang(s: &str) -> Result<Lang> {
    Lang::parse(s).ok_or_else(|| anyhow::anyhow!("--lang {s}: unknown language\n  hint: en or zh"))
}

/// Daily (hourly, for a run under two days) means of every resource's
/// sampled busy units, queue and capacity, and
/// occupancy by hour of week after the warm-up.
pub(crate) fn resource_series(model: &Model, reps: &Replications) -> Vec<ResourceSeries> {
    let n = model.resources.len();
    #[derive(Clone, Default)]
    struct Day {
        sums: [f64; 7],
        count: f64,
    }
    let mut days: Vec<Vec<Day>> = vec![vec![]; n];
    let mut heat = vec![[[0.0f64; 24]; 7]; n];
    let mut heat_n = vec![[[0.0f64; 24]; 7]; n];
    // A run under two days (a clinic day) is drawn by the hour: daily
    // means would leave one or two points.
    let hourly = model.horizon < 2.0 * 1440.0;
    let bucket = if hourly { 60.0 } else { 1440.0 };
    hospsim_sim::runner::for_each_sample(model, reps, |s| {
        let d = (s.minutes / bucket).floor() as usize;
        let v = &mut days[s.resource];
        if v.len() <= d {
            v.resize(d + 1, Day::default());
        }
        let e = &mut v[d];
        for (i, x) in [
            s.busy[0], s.busy[1], s.busy[2], s.queue[0], s.queue[1], s.queue[2], s.capacity,
        ]
        .iter()
        .enumerate()
        {
            e.sums[i] += x;
        }
        e.count += 1.0;
        if s.minutes >= model.warmup && s.capacity > 0.0 {
            let h = model.hour_of_week(s.minutes);
            heat[s.resource][h / 24][h % 24] += s.busy[0] / s.capacity;
            heat_n[s.resource][h / 24][h % 24] += 1.0;
        }
    });
    model
        .resources
        .iter()
        .enumerate()
        .map(|(r, def)| {
            // The horizon's last instant starts a day of one sample: it would show
            // as a spurious dip, so days after the last full one are left out.
            let full = days[r].iter().map(|d| d.count).fold(0.0, f64::max);
            let complete = days[r]
                .iter()
                .rposition(|d| d.count >= full)
                .map_or(0, |i| i + 1);
            let v: Vec<Day> = days[r][..complete].to_vec();
            let col = |i: usize| {
                v.iter()
                    .map(|d| {
                        if d.count > 0.0 {
                            d.sums[i] / d.count
                        } else {
                            f64::NAN
                        }
                    })
                    .collect::<Vec<f64>>()
            };
            let mut h = [[f64::NAN; 24]; 7];
            for d in 0..7 {
                for hr in 0..24 {
                    if heat_n[r][d][hr] > 0.0 {
                        h[d][hr] = heat[r][d][hr] / heat_n[r][d][hr];
                    }
                }
            }
            // Long horizons are averaged into blocks of days, so that a chart keeps
            // at most MAX_POINTS points (and the page stays light).
            let block = v.len().div_ceil(MAX_POINTS).max(1);
            let thin = |c: Vec<f64>| -> Vec<f64> {
                c.chunks(block)
                    .map(|ch| {
                        let xs: Vec<f64> = ch.iter().copied().filter(|x| x.is_finite()).collect();
                        hospsim_stats::mean(&xs)
                    })
                    .collect()
            };
            ResourceSeries {
                id: def.name.clone(),
                label: def.label.clone(),
                days: (0..v.len())
                    .collect::<Vec<usize>>()
                    .chunks(block)
                    .map(|ch| (ch[0] + ch.len()) as f64 - ch.len() as f64 / 2.0)
                    .collect(),
                busy: [thin(col(0)), thin(col(1)), thin(col(2))],
                queue: [thin(col(3)), thin(col(4)), thin(col(5))],
                capacity: thin(col(6)),
                hourly,
                heat: h,
            }
        })
        .collect()
}

/// Writes report.html (and occupancy.png, the most utilised resource) for a run.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_run_report(
    dir: &mut Staged,
    model: &Model,
    summary: &Summary,
    reps: &Replications,
    description: Option<String>,
    lang: Lang,
    files: Vec<String>,
    overrides: &[String],
) -> Result<()> {
    let resources = resource_series(model, reps);
    let distributions = model
        .kpis
        .iter()
        .enumerate()
        .filter_map(|(k, def)| {
            let KpiKind::Duration {
                within,
                unit_minutes,
                ..
            } = def.kind
            else {
                return None;
            };
            let bins = hospsim_sim::runner::kpi_distribution(model, reps, k, 30)?;
            Some(Distribution {
                name: def.name.clone(),
                label: def.label.clone(),
                unit: def.unit.clone(),
                bins,
                target: within.map(|w| w / unit_minutes),
            })
        })
        .collect();
    if let Some((i, _)) = summary.resources.iter().enumerate().max_by(|a, b| {
        // An unlimited resource has no utilisation: drawn only when alone.
        let key = |r: &hospsim_sim::results::ResourceSummary| {
            if r.unlimited {
                -1.0
            } else {
                r.utilisation.mean
            }
        };
        key(a.1).total_cmp(&key(b.1))
    }) {
        let r = &resources[i];
        let band = hospsim_reports::charts::Band {
            x: &r.days,
            mean: &r.busy[0],
            lo: &r.busy[1],
            hi: &r.busy[2],
            reference: Some(&r.capacity),
            second: None,
            x_label: if r.hourly { "hours" } else { "days" },
            y_label: &r.label,
        };
        hospsim_reports::charts::band_png(&dir.path().join("occupancy.png"), &band, 1000, 420)?;
        dir.note("occupancy.png");
    }
    let view = RunView {
        lang,
        summary,
        description,
        resources,
        distributions,
        files,
        overrides: overrides.to_vec(),
    };
    dir.write("report.html", view.render()?.as_bytes())?;
    Ok(())
}

//! The reports: what each command's HTML page shows, from plain result values.

mod cockpit;
mod compare;
mod drill;
mod run;
mod sweep;

pub use compare::{CompareRow, CompareView};
pub use drill::{BottleneckRow, DrillView, ResponseRow, TimelineSeries};
pub use run::{Distribution, ResourceSeries, RunView};
pub use sweep::{SweepPoint, SweepView};
mod forecast;
mod history;
pub use crate::html::Cell;
pub use forecast::{BacktestView, FanChart, ForecastView, backtest_page, forecast_page};
pub use history::{HistoryView, HourlySeries, TableSection, history_page};

#[cfg(test)]
mod tests {
    //! Every text field of every view is escaped: a page holds no markup that
    //! came from its input, whatever the input says.

    use super::*;
    use crate::Lang;
    use hospsim_results::compare::Difference;
    use hospsim_results::summary::Est;

    const EVIL: &str = "<script>alert(1)</script> x\"><img src=x onerror=alert(2)> &amp;";

    fn evil(what: &str) -> String {
        format!("{what} {EVIL}")
    }

    /// No tag from the input, and the input's text is there, escaped.
    fn assert_escaped(page: &str) {
        for raw in ["<script", "<img"] {
            assert!(!page.contains(raw), "raw {raw:?} in the page:\n{page}");
        }
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("x&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
        assert!(page.contains("&amp;amp;"), "& not escaped");
    }

    fn est(mean: f64) -> Est {
        Est {
            mean,
            sd: 1.0,
            ci95: [mean - 1.0, mean + 1.0],
        }
    }

    fn diff(mean: f64) -> Difference {
        Difference {
            n: 2,
            mean,
            sd: 1.0,
            ci95: [mean - 0.5, mean + 0.5],
            p_value: 0.0001,
            variance_reduction: 0.5,
        }
    }

    fn fan() -> FanChart {
        FanChart {
            id: evil("series"),
            model: evil("model"),
            history: vec![1.0, 2.0, 3.0],
            mean: vec![3.0, 3.0],
            band: Some((vec![2.0, 2.0], vec![4.0, 4.0], 95.0)),
            step_unit: evil("days"),
            actual: Some(vec![3.5, 2.5]),
        }
    }

    #[test]
    fn compare_page_escapes_its_input() {
        for lang in [Lang::En, Lang::Zh] {
            let v = CompareView {
                lang,
                scenarios: vec![evil("base"), evil("variant")],
                replications: 2,
                common_random_numbers: true,
                rows: vec![CompareRow {
                    name: evil("id"),
                    label: evil("label"),
                    unit: evil("unit"),
                    headline: true,
                    base: est(10.0),
                    variants: vec![(est(12.0), diff(2.0))],
                }],
                files: vec![evil("file")],
                overrides: vec![evil("sim.seed=1")],
            };
            let page = v.render().unwrap();
            assert_escaped(&page);
            // The p-value's own "<" is text too.
            assert!(page.contains("<td>&lt;0.001</td>"));
        }
    }

    #[test]
    fn sweep_page_escapes_its_input() {
        let point = |v: &str, m: bool| SweepPoint {
            values: vec![v.into(), evil("value")],
            kpis: vec![(evil("kpi"), evil("label"), evil("unit"), est(5.0))],
            meets: Some(m),
        };
        for cheapest in [Some(0), None] {
            let v = SweepView {
                lang: Lang::En,
                scenario: evil("scenario"),
                params: vec![evil("p1"), evil("p2")],
                points: vec![point("1", true), point("2", false)],
                target: Some(evil("target")),
                cheapest,
                files: vec![evil("file")],
                overrides: vec![evil("set")],
            };
            assert_escaped(&v.render().unwrap());
        }
    }

    #[test]
    fn drill_page_escapes_its_input() {
        let v = DrillView {
            lang: Lang::Zh,
            name: evil("drill"),
            scenario: evil("scenario"),
            window: (evil("from"), evil("to")),
            replications: 2,
            kpis: vec![(evil("kpi"), evil("unit"), est(1.0), est(2.0), diff(1.0))],
            thresholds: vec![(
                evil("threshold"),
                evil("within"),
                est(1.0),
                est(2.0),
                diff(1.0),
            )],
            bottlenecks: vec![BottleneckRow {
                label: evil("resource"),
                saturated_after_hours: Some(2.0),
                saturated_share: 0.5,
                recovery_hours: None,
                affected: true,
                peak_mean: 3.0,
                peak_p95: 4.0,
                base_peak: 2.0,
                capacity: 3.0,
            }],
            responses: vec![(
                evil("response"),
                0.5,
                Some(3.0),
                vec![(evil("effect"), evil("unit"), diff(-1.0))],
            )],
            timeline: vec![TimelineSeries {
                id: evil("id"),
                label: evil("label"),
                hours: vec![0.0, 1.0, 2.0],
                drill_queue: vec![1.0, 2.0, 1.0],
                drill_queue_p95: vec![2.0, 3.0, 2.0],
                base_queue: vec![0.0, 1.0, 0.0],
            }],
            recovery_hours: None,
            turned_away: 1.0,
            files: vec![evil("file")],
            overrides: vec![evil("set")],
        };
        assert_escaped(&v.render().unwrap());
    }

    #[test]
    fn forecast_and_backtest_pages_escape_their_input() {
        let v = ForecastView {
            title: evil("title"),
            subtitle: vec![evil("subtitle")],
            charts: vec![fan()],
            table: (
                vec![evil("head")],
                vec![vec![Cell::Text(evil("text")), Cell::Em(evil("failed:"))]],
            ),
            files: vec![evil("file")],
        };
        let page = forecast_page(&v).unwrap();
        assert_escaped(&page);
        assert!(page.contains("<td><em>failed: &lt;script&gt;"), "{page}");
        let v = BacktestView {
            title: evil("title"),
            subtitle: vec![evil("subtitle")],
            table: (vec![evil("head")], vec![vec![evil("cell")]]),
            mase: vec![(evil("model"), 1.0, 0.8, 1.2)],
            charts: vec![fan()],
            files: vec![evil("file")],
        };
        assert_escaped(&backtest_page(&v).unwrap());
    }

    #[test]
    fn history_page_escapes_its_input() {
        let v = HistoryView {
            title: evil("title"),
            subtitle: vec![evil("subtitle")],
            tiles: vec![(evil("tile"), evil("value"), Some(true))],
            tables: vec![TableSection {
                id: evil("id"),
                heading: evil("heading"),
                note: evil("note"),
                head: vec![evil("class"), evil("unit")],
                rows: vec![vec![evil("class"), evil("unit")]],
            }],
            charts_heading: evil("charts"),
            charts_note: evil("note"),
            charts: vec![HourlySeries {
                caption: evil("caption"),
                x: vec![0.0, 1.0, 2.0],
                mean: vec![1.0, 2.0, 1.0],
                lo: vec![0.5, 1.5, 0.5],
                hi: vec![1.5, 2.5, 1.5],
                second: Some(vec![1.0, 1.0, 1.0]),
                reference: Some(vec![3.0, 3.0, 3.0]),
                x_label: evil("x"),
                y_label: evil("y"),
            }],
            files: vec![evil("file")],
        };
        assert_escaped(&history_page(&v).unwrap());
    }
}

//! Charts drawn with plotters: the same drawing code serves SVG (inlined into the
//! HTML reports) and PNG (rasterised with the embedded DejaVu Sans font, so no
//! system font is needed).
//!
//! Chart text (titles, axis names, legend and row labels) often comes from the
//! user: plotters' SVG backend escapes `&`, `<`, `>` and quotes in every text
//! and attribute it writes, so an [`Svg`] is trusted markup that a page may
//! insert as it is (the tests below hold plotters to that).

use crate::ReportError;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::Once;

/// DejaVu Sans (see `assets/LICENSE-DejaVu`): plotters measures and rasterises
/// text with it, on any machine.
static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
static FONT_ONCE: Once = Once::new();

fn ensure_font() {
    FONT_ONCE.call_once(|| {
        // The bytes are compiled in; a failure would be a build defect and text
        // calls would then report it as a chart error.
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// Blue of the main series.
const MAIN: RGBColor = RGBColor(31, 94, 168);
/// Orange of the comparison series.
const SECOND: RGBColor = RGBColor(214, 112, 31);
const GRID: RGBColor = RGBColor(228, 231, 235);
const TEXT: RGBColor = RGBColor(60, 64, 70);

/// A chart drawn as SVG by plotters: markup a page inserts unescaped. Only this
/// module makes one, so a page cannot insert other text as markup by mistake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Svg(String);

impl Svg {
    /// The SVG text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The SVG text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl maud::Render for Svg {
    fn render_to(&self, buffer: &mut String) {
        buffer.push_str(&self.0);
    }
}

fn err(chart: &str, e: impl std::fmt::Display) -> ReportError {
    ReportError::Chart {
        chart: chart.to_string(),
        message: e.to_string(),
    }
}

fn range(values: impl Iterator<Item = f64>, include_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if include_zero {
        lo = lo.min(0.0);
    }
    if hi - lo < 1e-9 {
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.05;
    (
        if include_zero && lo >= 0.0 {
            lo
        } else {
            lo - pad
        },
        hi + pad,
    )
}

/// The house style of an x/y chart's grid, axes and labels.
fn mesh<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    x_label: &str,
    y_label: &str,
    y_labels: usize,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .axis_style(TEXT)
        .label_style(("sans-serif", 11).into_font().color(&TEXT))
        .x_desc(x_label)
        .y_desc(y_label)
        .x_labels(6)
        .y_labels(y_labels)
        .draw()
}

/// A time series with a band: `x`, the mean line, the band's low and high edges,
/// and optionally a dashed reference line (capacity, or a baseline).
pub struct Band<'a> {
    /// X values.
    pub x: &'a [f64],
    /// The line.
    pub mean: &'a [f64],
    /// Lower edge of the band.
    pub lo: &'a [f64],
    /// Upper edge of the band.
    pub hi: &'a [f64],
    /// A dashed reference line (capacity).
    pub reference: Option<&'a [f64]>,
    /// A second solid line (a baseline), drawn in orange.
    pub second: Option<&'a [f64]>,
    /// X-axis description.
    pub x_label: &'a str,
    /// Y-axis description.
    pub y_label: &'a str,
}

fn draw_band<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    b: &Band,
) -> Result<(), ReportError> {
    let name = "band";
    root.fill(&WHITE).map_err(|e| err(name, e))?;
    let (x0, x1) = range(b.x.iter().copied(), false);
    let all = b
        .mean
        .iter()
        .chain(b.hi)
        .chain(b.lo)
        .chain(b.reference.unwrap_or(&[]))
        .chain(b.second.unwrap_or(&[]))
        .copied();
    let (y0, y1) = range(all, true);
    let mut chart = ChartBuilder::on(root)
        .margin(6)
        .x_label_area_size(30)
        .y_label_area_size(46)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(|e| err(name, e))?;
    mesh(&mut chart, b.x_label, b.y_label, 5).map_err(|e| err(name, e))?;
    let band: Vec<(f64, f64)> =
        b.x.iter()
            .zip(b.hi)
            .map(|(x, y)| (*x, *y))
            .chain(b.x.iter().zip(b.lo).rev().map(|(x, y)| (*x, *y)))
            .filter(|(_, y)| y.is_finite())
            .collect();
    if band.len() > 2 {
        chart
            .draw_series(std::iter::once(Polygon::new(band, MAIN.mix(0.18).filled())))
            .map_err(|e| err(name, e))?;
    }
    if let Some(r) = b.reference {
        let pts: Vec<(f64, f64)> = b.x.iter().copied().zip(r.iter().copied()).collect();
        chart
            .draw_series(DashedLineSeries::new(pts, 4, 3, TEXT.stroke_width(1)))
            .map_err(|e| err(name, e))?;
    }
    if let Some(s) = b.second {
        chart
            .draw_series(LineSeries::new(
                b.x.iter().copied().zip(s.iter().copied()),
                SECOND.stroke_width(2),
            ))
            .map_err(|e| err(name, e))?;
    }
    chart
        .draw_series(LineSeries::new(
            b.x.iter().copied().zip(b.mean.iter().copied()),
            MAIN.stroke_width(2),
        ))
        .map_err(|e| err(name, e))?;
    root.present().map_err(|e| err(name, e))?;
    Ok(())
}

/// The band chart as an SVG string of `width` x `height` pixels.
pub fn band_svg(b: &Band, width: u32, height: u32) -> Result<Svg, ReportError> {
    ensure_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        draw_band(&root, b)?;
    }
    Ok(Svg(out))
}

/// The band chart as a PNG file (text rasterised with the embedded font).
pub fn band_png(
    path: &std::path::Path,
    b: &Band,
    width: u32,
    height: u32,
) -> Result<(), ReportError> {
    ensure_font();
    let root = BitMapBackend::new(path, (width, height)).into_drawing_area();
    draw_band(&root, b)
}

/// A histogram: bins `(lo, hi, share)` with an optional red target line.
pub fn bars_svg(
    bins: &[(f64, f64, f64)],
    target: Option<f64>,
    x_label: &str,
    width: u32,
    height: u32,
) -> Result<Svg, ReportError> {
    ensure_font();
    let name = "distribution";
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(name, e))?;
        let x1 = bins
            .last()
            .map(|b| b.1)
            .unwrap_or(1.0)
            .max(target.unwrap_or(0.0) * 1.05)
            .max(1e-9);
        let y1 = bins.iter().map(|b| b.2).fold(0.0, f64::max).max(1e-9) * 1.1 * 100.0;
        let mut chart = ChartBuilder::on(&root)
            .margin(6)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(0.0..x1, 0.0..y1)
            .map_err(|e| err(name, e))?;
        mesh(&mut chart, x_label, "%", 4).map_err(|e| err(name, e))?;
        chart
            .draw_series(bins.iter().map(|(lo, hi, share)| {
                Rectangle::new([(*lo, 0.0), (*hi, share * 100.0)], MAIN.mix(0.75).filled())
            }))
            .map_err(|e| err(name, e))?;
        if let Some(t) = target {
            chart
                .draw_series(LineSeries::new([(t, 0.0), (t, y1)], RED.stroke_width(2)))
                .map_err(|e| err(name, e))?;
        }
        root.present().map_err(|e| err(name, e))?;
    }
    Ok(Svg(out))
}

/// A forest plot: one row per measure, its estimate and interval, around zero.
pub fn forest_svg(
    rows: &[(String, f64, f64, f64)],
    x_label: &str,
    width: u32,
) -> Result<Svg, ReportError> {
    ensure_font();
    let name = "forest";
    let height = 40 + 22 * rows.len().max(1) as u32;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(name, e))?;
        let (x0, x1) = range(
            rows.iter().flat_map(|r| [r.2, r.3, r.1]).chain([0.0]),
            false,
        );
        let n = rows.len() as f64;
        let mut chart = ChartBuilder::on(&root)
            .margin(6)
            .x_label_area_size(30)
            .y_label_area_size(250)
            .build_cartesian_2d(x0..x1, -0.5..n - 0.5)
            .map_err(|e| err(name, e))?;
        let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .axis_style(TEXT)
            .label_style(("sans-serif", 11).into_font().color(&TEXT))
            .x_desc(x_label)
            .y_labels(rows.len().max(1))
            .y_label_formatter(&|y| {
                let i = (n - 1.0 - y).round();
                if (y - y.round()).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                    let l = &labels[i as usize];
                    if l.chars().count() > 38 {
                        format!("{}...", l.chars().take(36).collect::<String>())
                    } else {
                        l.clone()
                    }
                } else {
                    String::new()
                }
            })
            .draw()
            .map_err(|e| err(name, e))?;
        chart
            .draw_series(LineSeries::new(
                [(0.0, -0.5), (0.0, n - 0.5)],
                TEXT.stroke_width(1),
            ))
            .map_err(|e| err(name, e))?;
        for (i, (_, m, lo, hi)) in rows.iter().enumerate() {
            let y = n - 1.0 - i as f64;
            if lo.is_finite() && hi.is_finite() {
                chart
                    .draw_series(LineSeries::new([(*lo, y), (*hi, y)], MAIN.stroke_width(2)))
                    .map_err(|e| err(name, e))?;
            }
            if m.is_finite() {
                chart
                    .draw_series(std::iter::once(Circle::new((*m, y), 4, MAIN.filled())))
                    .map_err(|e| err(name, e))?;
            }
        }
        root.present().map_err(|e| err(name, e))?;
    }
    Ok(Svg(out))
}

/// A line with its band: legend label, means, lower and upper edges.
pub type LineWithBand = (String, Vec<f64>, Vec<f64>, Vec<f64>);

/// Several lines with bands over a shared x axis, each with a legend label.
pub fn lines_svg(
    x: &[f64],
    series: &[LineWithBand],
    x_label: &str,
    y_label: &str,
    width: u32,
    height: u32,
) -> Result<Svg, ReportError> {
    ensure_font();
    let name = "lines";
    let palette = [
        MAIN,
        SECOND,
        RGBColor(46, 125, 50),
        RGBColor(123, 31, 162),
        RGBColor(198, 40, 40),
        RGBColor(0, 131, 143),
    ];
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(name, e))?;
        let (x0, x1) = range(x.iter().copied(), false);
        let (y0, y1) = range(
            series
                .iter()
                .flat_map(|s| s.1.iter().chain(&s.2).chain(&s.3).copied()),
            true,
        );
        let mut chart = ChartBuilder::on(&root)
            .margin(6)
            .x_label_area_size(30)
            .y_label_area_size(46)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| err(name, e))?;
        mesh(&mut chart, x_label, y_label, 5).map_err(|e| err(name, e))?;
        for (k, (label, mean, lo, hi)) in series.iter().enumerate() {
            let color = palette[k % palette.len()];
            let band: Vec<(f64, f64)> = x
                .iter()
                .zip(hi)
                .map(|(a, b)| (*a, *b))
                .chain(x.iter().zip(lo).rev().map(|(a, b)| (*a, *b)))
                .filter(|p| p.1.is_finite())
                .collect();
            if band.len() > 2 {
                chart
                    .draw_series(std::iter::once(Polygon::new(
                        band,
                        color.mix(0.15).filled(),
                    )))
                    .map_err(|e| err(name, e))?;
            }
            let pts: Vec<(f64, f64)> = x
                .iter()
                .copied()
                .zip(mean.iter().copied())
                .filter(|p| p.1.is_finite())
                .collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(|e| err(name, e))?
                .label(label.clone())
                .legend(move |(a, b)| {
                    PathElement::new([(a, b), (a + 16, b)], color.stroke_width(2))
                });
            chart
                .draw_series(pts.iter().map(|p| Circle::new(*p, 3, color.filled())))
                .map_err(|e| err(name, e))?;
        }
        if series.len() > 1 {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(GRID)
                .label_font(("sans-serif", 11).into_font().color(&TEXT))
                .draw()
                .map_err(|e| err(name, e))?;
        }
        root.present().map_err(|e| err(name, e))?;
    }
    Ok(Svg(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_render_to_svg_with_text() {
        let x = [0.0, 1.0, 2.0];
        let b = Band {
            x: &x,
            mean: &[1.0, 2.0, 1.5],
            lo: &[0.5, 1.5, 1.0],
            hi: &[1.5, 2.5, 2.0],
            reference: Some(&[3.0, 3.0, 3.0]),
            second: None,
            x_label: "days",
            y_label: "busy",
        };
        let svg = band_svg(&b, 400, 200).unwrap().into_string();
        assert!(
            svg.starts_with("<svg") && svg.contains("<polygon") && svg.contains(">\ndays\n<"),
            "{svg}"
        );
        let bars = bars_svg(
            &[(0.0, 10.0, 0.5), (10.0, 20.0, 0.5)],
            Some(15.0),
            "min",
            300,
            150,
        )
        .unwrap();
        assert!(bars.as_str().contains("<rect"));
        let forest = forest_svg(
            &[("a".into(), 1.0, 0.5, 1.5), ("b".into(), -2.0, -3.0, -1.0)],
            "%",
            600,
        )
        .unwrap();
        assert!(forest.as_str().contains("<circle"));
    }

    /// Text from the user in any chart (axis names, row labels, legend labels)
    /// comes out of plotters escaped, so a chart can be inserted as markup.
    #[test]
    fn chart_text_is_escaped() {
        let evil = "<script>alert(1)</script> & x\"><img src=x onerror=alert(1)>";
        let x = [0.0, 1.0, 2.0];
        let b = Band {
            x: &x,
            mean: &[1.0, 2.0, 1.5],
            lo: &[0.5, 1.5, 1.0],
            hi: &[1.5, 2.5, 2.0],
            reference: None,
            second: None,
            x_label: evil,
            y_label: evil,
        };
        let forest_rows = [("<script>x</script>".to_string(), 1.0, 0.5, 1.5)];
        let lines = [
            (
                evil.to_string(),
                vec![1.0, 2.0, 3.0],
                vec![0.5; 3],
                vec![3.5; 3],
            ),
            (
                "<b>two</b>".to_string(),
                vec![2.0, 1.0, 2.0],
                vec![0.5; 3],
                vec![3.5; 3],
            ),
        ];
        let svgs = [
            band_svg(&b, 400, 200).unwrap(),
            bars_svg(&[(0.0, 10.0, 1.0)], None, evil, 300, 150).unwrap(),
            forest_svg(&forest_rows, evil, 600).unwrap(),
            lines_svg(&x, &lines, evil, evil, 440, 230).unwrap(),
        ];
        for svg in svgs {
            let s = svg.as_str();
            assert!(s.starts_with("<svg"), "{s}");
            for raw in ["<script", "<img", "<b>"] {
                assert!(!s.contains(raw), "raw {raw:?} in the SVG: {s}");
            }
            assert!(s.contains("&lt;script&gt;"), "{s}");
        }
    }

    #[test]
    fn png_has_the_requested_size() {
        let dir = std::env::temp_dir().join(format!("hospsim-png-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("band.png");
        let x = [0.0, 1.0];
        let b = Band {
            x: &x,
            mean: &[1.0, 2.0],
            lo: &[1.0, 2.0],
            hi: &[1.0, 2.0],
            reference: None,
            second: None,
            x_label: "days",
            y_label: "busy",
        };
        band_png(&path, &b, 320, 160).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
        assert_eq!((w, h), (320, 160));
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! HTML building blocks: the page shell with inline CSS, sections, figures,
//! tables and the files line, built with [maud]'s `html!` macro.
//!
//! Every piece of text (scenario names and descriptions, labels, class and unit
//! names from a log, file names, `--set` overrides) is escaped by maud as it is
//! spliced in, so a page is safe whatever its input says. Only two kinds of
//! markup go in unescaped: the constant CSS of this module and the SVG of
//! [`crate::charts`], whose text plotters escapes itself.

use crate::charts::Svg;
use crate::i18n::{Key, Lang};
use maud::{DOCTYPE, Markup, PreEscaped, Render, html};

/// A table cell: text, or text set in emphasis (a failure in a table of
/// results). Both are escaped when the table is rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    /// Plain text.
    Text(String),
    /// Text in `<em>`.
    Em(String),
}

impl Render for Cell {
    fn render(&self) -> Markup {
        match self {
            Cell::Text(t) => html! { (t) },
            Cell::Em(t) => html! { em { (t) } },
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

/// A number for people: 3 significant figures, thousands without decimals.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        "–".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A value in its unit: shares as percentages.
pub fn value(v: f64, unit: &str) -> String {
    if unit == "share" {
        if v.is_finite() {
            format!("{:.1}%", v * 100.0)
        } else {
            "–".into()
        }
    } else {
        num(v)
    }
}

const CSS: &str = r#"
:root { --ink:#1f2933; --muted:#616e7c; --line:#e4e7eb; --green:#2e7d32; --amber:#b7791f; --red:#c62828; --blue:#1f5ea8; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "Noto Sans CJK SC", "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei", "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: #f5f7fa; }
header { background: #12324f; color: white; padding: 22px 36px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header p { margin: 2px 0; color: #c9d6e3; font-size: 14px; }
main { padding: 16px 36px 40px; max-width: 1860px; }
section { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin: 0 0 18px; }
h2 { font-size: 18px; margin: 0 0 12px; }
h3 { font-size: 14px; margin: 10px 0 4px; color: var(--muted); font-weight: 600; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px; }
.tile { border: 1px solid var(--line); border-left: 6px solid #9aa5b1; border-radius: 6px; padding: 10px 12px; }
.tile.green { border-left-color: var(--green); } .tile.amber { border-left-color: var(--amber); } .tile.red { border-left-color: var(--red); }
.tile .label { font-size: 13px; color: var(--muted); min-height: 32px; }
.tile .value { font-size: 26px; font-weight: 700; margin: 2px 0; }
.tile .value small { font-size: 13px; font-weight: 400; color: var(--muted); }
.tile .ci, .tile .target { font-size: 12px; color: var(--muted); }
.tile .status { font-size: 12px; font-weight: 700; }
.green .status { color: var(--green); } .amber .status { color: var(--amber); } .red .status { color: var(--red); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: right; padding: 5px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { color: var(--muted); font-weight: 600; }
.bar { display: inline-block; height: 10px; background: var(--blue); border-radius: 2px; vertical-align: middle; }
.bar.hot { background: var(--red); } .bar.warm { background: var(--amber); }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 14px; }
figure { margin: 0; } figcaption { font-size: 13px; font-weight: 600; margin: 0 0 2px; }
svg { max-width: 100%; height: auto; }
.heat { border-collapse: separate; border-spacing: 1px; width: auto; }
.heat td { width: 12px; height: 12px; padding: 0; border: none; }
.heat th { font-size: 10px; padding: 0 4px 0 0; border: none; font-weight: 400; }
.note { font-size: 13px; color: var(--muted); }
.files a { margin-right: 14px; font-size: 13px; }
.sig { font-weight: 700; }
.headline { display: grid; gap: 6px; margin: 0 0 12px; }
.finding { margin: 0; padding: 8px 12px; border-left: 6px solid #9aa5b1; background: #f8fafc; font-size: 16px; }
.finding.red { border-left-color: var(--red); background: #fdecec; } .finding.amber { border-left-color: var(--amber); background: #fdf6e7; } .finding.green { border-left-color: var(--green); background: #edf7ee; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; }
.card { border: 1px solid var(--line); border-top: 6px solid #9aa5b1; border-radius: 6px; padding: 8px 12px; min-width: 0; }
.card.green { border-top-color: var(--green); } .card.amber { border-top-color: var(--amber); } .card.red { border-top-color: var(--red); }
.card-head { display: flex; align-items: center; gap: 8px; margin-bottom: 4px; }
.card-head .name { font-weight: 700; font-size: 16px; flex: 1; }
.card-head .state { font-size: 12px; font-weight: 700; color: var(--muted); }
.card.red .state { color: var(--red); } .card.amber .state { color: var(--amber); } .card.green .state { color: var(--green); }
.dot { width: 10px; height: 10px; border-radius: 50%; background: #9aa5b1; }
.card.red .dot { background: var(--red); } .card.amber .dot { background: var(--amber); } .card.green .dot { background: var(--green); }
.fig { display: flex; flex-direction: column; margin: 3px 0; }
.fig-label { font-size: 12px; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.fig-value { font-size: 14px; font-weight: 600; }
.spark { display: block; width: 100%; height: 40px; margin-top: 4px; }
"#;

/// The header line that says what a run changed in its scenario (its
/// `--set` overrides), or none when it changed nothing.
pub fn changes_line(lang: Lang, overrides: &[String]) -> Option<String> {
    (!overrides.is_empty())
        .then(|| format!("{}: {}", lang.t(Key::WhatChanged), overrides.join(" · ")))
}

/// The page: `<head>` with inline CSS, a header, then the sections.
pub fn page(lang: Lang, title: &str, subtitle: &[String], body: Markup) -> String {
    page_with_note(lang, title, subtitle, body, lang.t(Key::GeneratedBy))
}

/// [`page`] with its own closing note (pages whose figures are not replication means).
pub fn page_with_note(
    lang: Lang,
    title: &str,
    subtitle: &[String],
    body: Markup,
    note: &str,
) -> String {
    html! {
        (DOCTYPE) "\n"
        html lang=(lang.html_code()) {
            "\n"
            head {
                "\n"
                meta charset="utf-8"; "\n"
                meta name="viewport" content="width=device-width, initial-scale=1"; "\n"
                title { (title) } "\n"
                style { (PreEscaped(CSS)) } "\n"
            }
            "\n"
            body {
                "\n"
                header {
                    h1 { (title) }
                    @for s in subtitle {
                        p { (s) }
                    }
                }
                "\n"
                main {
                    "\n" (body) "\n"
                    p.note { (note) } "\n"
                }
                "\n"
            }
            "\n"
        }
        "\n"
    }
    .into_string()
}

/// A section with an id and a heading.
pub fn section(id: &str, heading: &str, inner: Markup) -> Markup {
    html! {
        section id=(id) {
            "\n" h2 { (heading) } "\n" (inner) "\n"
        }
        "\n"
    }
}

/// A figure with an id (tests find charts by it), a caption and a chart's SVG.
pub fn figure(id: &str, caption: &str, svg: &Svg) -> Markup {
    html! {
        figure id=(id) class="chart" {
            figcaption { (caption) }
            (svg)
        }
        "\n"
    }
}

/// A table from a header row and body rows. Cells are anything maud renders:
/// text (escaped), a [`Cell`], or [`Markup`] built with `html!`.
pub fn table<C: Render>(id: &str, head: &[String], rows: &[Vec<C>]) -> Markup {
    html! {
        table id=(id) {
            thead {
                tr {
                    @for h in head {
                        th { (h) }
                    }
                }
            }
            tbody {
                @for r in rows {
                    tr {
                        @for c in r {
                            td { (c) }
                        }
                    }
                }
            }
        }
        "\n"
    }
}

/// Links to the data files beside the report.
pub fn files(lang: Lang, names: &[String]) -> Markup {
    html! {
        p.files {
            strong { (lang.t(Key::Files)) ":" }
            " "
            @for n in names {
                a href=(n) { (n) }
            }
        }
    }
}

/// A difference with its sign: shares in percentage points.
pub fn signed(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let s = if unit == "share" {
        format!("{:.2} pp", v * 100.0)
    } else {
        num(v)
    };
    if v > 0.0 { format!("+{s}") } else { s }
}

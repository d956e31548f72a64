//! The HTML reports: structure, languages, self-containment, and a real
//! headless-browser render (Debian's chromium, installed by .ci/run).

use crate::{hospsim, read_json, repo, run_ok};
use std::path::{Path, PathBuf};
use std::process::Command;

fn demo(dir: &Path, lang: &str) -> String {
    let o = hospsim()
        .args([
            "demo",
            "--reps",
            "2",
            "--set",
            "sim.horizon=\"60 d\"",
            "--set",
            "sim.warmup=\"7 d\"",
            "--lang",
            lang,
            "-q",
            "--out",
        ])
        .arg(dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read_to_string(dir.join("report.html")).unwrap()
}

fn resource_ids() -> Vec<String> {
    let text = std::fs::read_to_string(repo("scenarios/general_hospital.toml")).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix("[resources."))
        .filter_map(|l| l.split(']').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn run_report_has_every_section_and_chart_and_needs_no_network() {
    let dir = tempfile::tempdir().unwrap();
    let html = demo(dir.path(), "en");
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<html lang=\"en\">"));
    for id in [
        "kpis",
        "strain",
        "occupancy",
        "queues",
        "heatmap",
        "distributions",
        "flow",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{id}\">")),
            "section {id} missing"
        );
    }
    for r in resource_ids() {
        for prefix in ["occupancy", "queue", "heat"] {
            assert!(
                html.contains(&format!("id=\"{prefix}-{r}\"")),
                "chart {prefix}-{r} missing"
            );
        }
    }
    for k in ["door_to_doctor", "time_in_ed", "lwbs_rate"] {
        assert!(
            html.contains(&format!("id=\"tile-{k}\"")),
            "tile {k} missing"
        );
    }
    assert!(html.contains("id=\"dist-door_to_doctor\""));
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    // Self-contained: no script, no external resource (the SVG namespace is a name, not a fetch).
    assert!(!html.contains("<script"));
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("url(http")
    );
    assert!(html.contains("href=\"summary.json\""));
    assert!(dir.path().join("occupancy.png").exists());
    // Tiles carry a status colour.
    assert!(
        html.contains("class=\"tile green\"")
            || html.contains("class=\"tile amber\"")
            || html.contains("class=\"tile red\"")
    );
}

#[test]
fn chinese_report_translates_every_heading() {
    let dir = tempfile::tempdir().unwrap();
    let html = demo(dir.path(), "zh");
    assert!(html.contains("<html lang=\"zh-Hans\">"));
    for zh in [
        "仿真报告",
        "关键指标",
        "医院的压力点",
        "按一周各小时的占用率",
        "等待时间分布",
        "患者流向",
        "周一",
    ] {
        assert!(html.contains(zh), "{zh} missing");
    }
    for en in [
        "Key indicators",
        "Where the hospital is strained",
        "Patient flow",
        "Simulation report",
    ] {
        assert!(!html.contains(en), "untranslated: {en}");
    }
    let o = hospsim()
        .args(["demo", "--lang", "fr", "-q"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown language"));
}

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

fn headless(browser: &Path, profile: &Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// (width, height, share of pixels that are not the page background, distinct colours)
fn png_stats(path: &Path) -> (u32, u32, f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let px: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let background = px[px.len() - 1].to_vec();
    let other = px.iter().filter(|p| p[..3] != background[..3]).count();
    let mut colours: Vec<[u8; 3]> = px.iter().step_by(7).map(|p| [p[0], p[1], p[2]]).collect();
    colours.sort();
    colours.dedup();
    (
        info.width,
        info.height,
        other as f64 / px.len() as f64,
        colours.len(),
    )
}

#[test]
fn reports_render_in_a_real_browser() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have chromium (.ci/run installs it)"
        );
        eprintln!(
            "SKIPPED reports_render_in_a_real_browser: no chromium (apt-get install chromium fonts-wqy-microhei)"
        );
        return;
    };
    for lang in ["en", "zh"] {
        let dir = tempfile::tempdir().unwrap();
        let html = demo(dir.path(), lang);
        let page = dir.path().join("report.html");
        let url = format!("file://{}", page.display());
        let shot = dir.path().join("screenshot.png");
        let profile = tempfile::tempdir().unwrap();
        let o = headless(&browser, profile.path())
            .args([
                "--window-size=1400,2400",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .arg(format!("--screenshot={}", shot.display()))
            .arg(&url)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(shot.exists(), "{lang}: no screenshot:\n{stderr}");
        assert!(
            !stderr.contains("CONSOLE("),
            "{lang}: console messages:\n{stderr}"
        );
        let (w, h, ink, colours) = png_stats(&shot);
        assert_eq!((w, h), (1400, 2400), "{lang}: screenshot size");
        assert!(
            ink > 0.05,
            "{lang}: the page looks blank ({:.1}% drawn)",
            ink * 100.0
        );
        assert!(
            colours > 40,
            "{lang}: only {colours} colours: charts missing?"
        );
        // Every chart in the file is in the DOM the browser built.
        let profile = tempfile::tempdir().unwrap();
        let o = headless(&browser, profile.path())
            .arg("--dump-dom")
            .arg(&url)
            .output()
            .unwrap();
        let dom = String::from_utf8_lossy(&o.stdout);
        let figures = html.matches("<figure id=").count();
        assert!(
            figures >= 3 * resource_ids().len(),
            "{lang}: {figures} figures"
        );
        assert_eq!(
            dom.matches("<figure id=").count(),
            figures,
            "{lang}: charts missing from the DOM"
        );
        assert_eq!(dom.matches("<svg").count(), html.matches("<svg").count());
        if let Ok(keep) = std::env::var("HOSPSIM_KEEP_SCREENSHOTS") {
            let _ = std::fs::copy(&shot, Path::new(&keep).join(format!("report-{lang}.png")));
        }
        first_screen_holds_the_cockpit(&browser, &html, dir.path(), lang);
    }
}

/// At 1920 x 1080 the headline and every department card are on the first
/// screen: a copy of the page with a script that writes the elements'
/// positions into the DOM, read back with --dump-dom.
fn first_screen_holds_the_cockpit(browser: &Path, html: &str, dir: &Path, lang: &str) {
    let probe = r#"<script>
const out = [];
for (const el of document.querySelectorAll('#headline, #department-cards, .card')) {
  const r = el.getBoundingClientRect();
  out.push((el.id || el.className) + ' ' + Math.round(r.top) + ' ' + Math.round(r.bottom) + ' ' + Math.round(r.right));
}
const p = document.createElement('pre');
p.id = 'layout';
p.textContent = innerWidth + ' ' + innerHeight + '\n' + out.join('\n');
document.body.appendChild(p);
</script></body>"#;
    let copy = dir.join("layout.html");
    std::fs::write(&copy, html.replace("</body>", probe)).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let o = headless(browser, profile.path())
        .args(["--window-size=1920,1080", "--dump-dom"])
        .arg(format!("file://{}", copy.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    let layout = dom
        .split("<pre id=\"layout\">")
        .nth(1)
        .and_then(|t| t.split("</pre>").next())
        .unwrap_or_else(|| panic!("{lang}: no layout probe in the DOM"));
    let mut lines = layout.lines();
    let viewport: Vec<f64> = lines
        .next()
        .unwrap()
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    let (width, height) = (viewport[0], viewport[1]);
    // Headless chromium keeps about 140 px of the window for its own frame,
    // as a browser on the wall does: the check is the stricter for it.
    assert!(
        width >= 1900.0 && height >= 900.0,
        "{lang}: viewport {viewport:?}"
    );
    let mut cards = 0;
    for line in lines {
        let parts: Vec<&str> = line.rsplitn(4, ' ').collect();
        let (right, bottom, name) = (parts[0], parts[1], parts[3]);
        let bottom: f64 = bottom.parse().unwrap();
        let right: f64 = right.parse().unwrap();
        assert!(
            bottom <= height && right <= width,
            "{lang}: {name} ends at {bottom} px (right {right}), below the first screen of {height} px"
        );
        cards += usize::from(name.starts_with("card-"));
    }
    // The default hospital's seven departments, each with its card.
    assert_eq!(cards, 7, "{lang}: {layout}");
}

/// The page's skeleton: every element id in document order with its tag, one per
/// line. Numbers are left out, so the snapshot changes only when the structure does.
fn skeleton(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(i) = rest.find(" id=\"") {
        let tag_start = rest[..i].rfind('<').unwrap_or(0);
        let tag: String = rest[tag_start + 1..i]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let after = &rest[i + 5..];
        let end = after.find('"').unwrap_or(0);
        out.push_str(&format!("{tag} #{}\n", &after[..end]));
        rest = &after[end..];
    }
    out
}

#[test]
fn report_structure_matches_its_snapshot() {
    // Regenerate with UPDATE_SNAPSHOTS=1 cargo test --test integration report_structure
    for lang in ["en", "zh"] {
        let dir = tempfile::tempdir().unwrap();
        let got = skeleton(&demo(dir.path(), lang));
        let path = repo(&format!("tests/snapshots/report_structure_{lang}.txt"));
        if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &got).unwrap();
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "missing snapshot {}; run with UPDATE_SNAPSHOTS=1",
                path.display()
            )
        });
        assert_eq!(
            got, want,
            "{lang}: the report's structure changed; review and run with UPDATE_SNAPSHOTS=1"
        );
    }
}

/// No markup from the input survives as markup: neither raw tag is in the page
/// (the reports have no script and no image of their own).
fn assert_no_injected_markup(html: &str) {
    for raw in ["<script", "<img"] {
        assert!(!html.contains(raw), "unescaped {raw:?} in report.html");
    }
}

const SCRIPT_CLASS: &str = "<script>alert(1)</script>";
const IMG_UNIT: &str = "x\"><img src=x onerror=alert(1)>";

#[test]
fn fit_report_shows_markup_in_class_and_unit_names_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log.csv");
    // 40 visits of two classes through an ED unit named like an HTML attack and a ward.
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut csv = String::from("patient_id,class,acuity,unit,event,timestamp\n");
    for i in 0..40u32 {
        let class = if i % 2 == 0 { SCRIPT_CLASS } else { "ed" };
        let (c, u) = (quote(class), quote(IMG_UNIT));
        let day = 6 + i / 8;
        let hour = (i % 8) * 3;
        for (unit, event, minutes) in [
            (u.as_str(), "arrival", 0),
            (u.as_str(), "seen", 15 + i % 13),
            ("ward", "admit", 90 + 7 * (i % 11)),
            ("", "discharge", 1200 + 60 * (i % 9)),
        ] {
            let t = hour * 60 + minutes;
            csv.push_str(&format!(
                "P{i},{c},3,{unit},{event},2025-01-{:02}T{:02}:{:02}:00\n",
                day + t / 1440,
                t % 1440 / 60,
                t % 60
            ));
        }
    }
    std::fs::write(&log, csv).unwrap();
    let out = dir.path().join("fit");
    run_ok(&["fit", log.to_str().unwrap(), "-q"], &out);
    // The names were read as written...
    let fit = read_json(&out.join("fit.json"));
    let classes: Vec<&str> = fit["arrivals"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["class"].as_str())
        .collect();
    assert!(classes.contains(&SCRIPT_CLASS), "{classes:?}");
    assert!(
        fit["censoring"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["unit"] == IMG_UNIT)
    );
    // ...and the report shows them as text: in the tables, the routing and the
    // chart captions.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_no_injected_markup(&html);
    assert!(html.contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"));
    assert!(html.contains(
        "<figcaption>&lt;script&gt;alert(1)&lt;/script&gt;: arrivals per hour of the week</figcaption>"
    ));
    assert!(html.contains("<td>x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</td>"));
    assert!(html.contains("x&quot;&gt;&lt;img src=x onerror=alert(1)&gt;: to seen"));
}

#[test]
fn run_report_shows_markup_in_scenario_text_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("evil.toml");
    std::fs::write(
        &scenario,
        r#"name = "<script>alert('name')</script>"
description = "<script>alert(\"description\")</script> & more"

[sim]
horizon = "10 d"
warmup = "1 d"
replications = 2
seed = 7

[resources.server]
label = "<script>alert('resource')</script>"
capacity = 3

[arrivals.walk_in]
pathway = "visit"
per_day = 48

[pathways.visit]
steps = [
  { seize = ["server"], mark = "served" },
  { activity = "service", duration = { exponential = { mean = "1 h" } } },
  { release = "server" },
  { exit = "discharged" },
]

[kpis.wait]
label = "<script>alert('kpi')</script> wait"
from = "arrival"
to = "served"
unit = "min"
within = "30 min"
target_share = 0.9

[resources.spare]
label = "spare"
capacity = 1
"#,
    )
    .unwrap();
    for lang in ["en", "zh"] {
        let out = dir.path().join(lang);
        run_ok(
            &[
                "run",
                scenario.to_str().unwrap(),
                "--lang",
                lang,
                "--set",
                "sim.seed=8",
                "--set",
                "resources.spare.label=\"<img src=x onerror=alert(4)>\"",
                "-q",
            ],
            &out,
        );
        let summary = read_json(&out.join("summary.json"));
        assert_eq!(
            summary["scenario"]["name"],
            "<script>alert('name')</script>"
        );
        assert_eq!(
            summary["kpis"][0]["label"],
            "<script>alert('kpi')</script> wait"
        );
        let html = std::fs::read_to_string(out.join("report.html")).unwrap();
        assert_no_injected_markup(&html);
        // The header: name, description, the --set line.
        assert!(html.contains("<p>&lt;script&gt;alert('name')&lt;/script&gt;</p>"));
        assert!(html.contains(
            "<p>&lt;script&gt;alert(&quot;description&quot;)&lt;/script&gt; &amp; more</p>"
        ));
        assert!(html.contains(
            ": sim.seed=8 · resources.spare.label=&quot;&lt;img src=x onerror=alert(4)&gt;&quot;</p>"
        ));
        assert!(html.contains("<td>&lt;img src=x onerror=alert(4)&gt;</td>"));
        // The KPI's tile and its distribution chart.
        assert!(
            html.contains(
                "<div class=\"label\">&lt;script&gt;alert('kpi')&lt;/script&gt; wait</div>"
            )
        );
        assert!(
            html.contains(
                "<figcaption>&lt;script&gt;alert('kpi')&lt;/script&gt; wait</figcaption>"
            )
        );
        // The resource in the strain table and its charts.
        assert!(html.contains("<td>&lt;script&gt;alert('resource')&lt;/script&gt;</td>"));
        assert_eq!(
            html.matches("<figcaption>&lt;script&gt;alert('resource')&lt;/script&gt;</figcaption>")
                .count(),
            3,
            "occupancy, queue and heatmap captions"
        );
    }
}

//! # hospsim-scenario
//!
//! Loading scenario files: `extends` chains, `--set` overrides, case lists,
//! TOML parsing and compilation, with every error mapped back to
//! `file:line:col`, the field path and a hint, so that every front end (the
//! CLI, the server, the Python package) reports a broken scenario the same way.
//!
//! ```
//! let loaded = hospsim_scenario::load_text(
//!     "inline.toml",
//!     hospsim_scenario::DEFAULT_HOSPITAL,
//!     &["resources.icu_bed.capacity=14".into()],
//! )
//! .unwrap();
//! assert_eq!(loaded.scenario.name, "General hospital");
//! let err = hospsim_scenario::load_text("bad.toml", "name = 3", &[]).err().unwrap();
//! assert!(err.to_string().starts_with("bad.toml:1:8: name: invalid type"));
//! ```
use hospsim_sim::error::FieldPath;
use hospsim_sim::limits::{MAX_PATIENTS_PER_SLOT, MAX_PLANNED_ARRIVALS};
use hospsim_sim::{Model, Scenario};
use std::fmt::Write as _;
use std::path::Path;

mod locate;
mod sets;

pub use locate::line_col;
use locate::{locate, path_at};
pub use sets::apply_sets;

/// The default hospital, embedded so that `hospsim demo` needs no file.
pub const DEFAULT_HOSPITAL: &str = include_str!("../../scenarios/general_hospital.toml");

/// A scenario that compiled, with the text it came from (after `--set`).
pub struct Loaded {
    /// The parsed scenario (case lists read into `at`).
    pub scenario: Scenario,
    /// The compiled model.
    pub model: Model,
    /// The file (or text) it came from.
    pub origin: String,
}

/// A user-facing error listing every problem found in one scenario file, each
/// at `file:line:col` with the field path, what was expected and a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioFileError(pub String);

/// What loading returns.
pub type Result<T, E = ScenarioFileError> = std::result::Result<T, E>;

fn err(text: impl Into<String>) -> ScenarioFileError {
    ScenarioFileError(text.into())
}

impl std::fmt::Display for ScenarioFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for ScenarioFileError {}

/// Reads, overrides, parses and compiles a scenario file, following `extends`.
pub fn load_file(path: &Path, sets: &[String]) -> Result<Loaded> {
    let sources = read_chain(path)?;
    let merged = merge_chain(&sources)?;
    load_sources(&merged, &sources, sets)
}

/// Same as [`load_file`] for text already in memory; `origin` names it in errors.
pub fn load_text(origin: &str, text: &str, sets: &[String]) -> Result<Loaded> {
    let sources = vec![Source {
        origin: origin.to_string(),
        text: text.to_string(),
    }];
    load_sources(text, &sources, sets)
}

/// One file of an `extends` chain: the variant first, then what it extends.
struct Source {
    origin: String,
    text: String,
}

const MAX_EXTENDS_DEPTH: usize = 16;

/// Largest scenario file read (a scenario is a few kilobytes to a few hundred).
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;

/// Largest case list read: a million planned arrivals at about 20 bytes a row.
pub const MAX_CASE_LIST_BYTES: u64 = 64 << 20;

/// Reads a text file of at most `limit` bytes: a device such as `/dev/zero`,
/// or a file far larger than a scenario's inputs can be, is refused before it
/// fills the memory.
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::Read;
    let f = std::fs::File::open(path)?;
    let mut text = String::new();
    f.take(limit + 1).read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "it is larger than the {} MiB such a file may be",
            limit >> 20
        )));
    }
    Ok(text)
}

/// Reads a scenario and, through `extends = "base.toml"` (relative to the file
/// that says it), every scenario it builds on.
fn read_chain(path: &Path) -> Result<Vec<Source>> {
    let mut sources: Vec<Source> = vec![];
    let mut next = Some(path.to_path_buf());
    while let Some(p) = next.take() {
        let text = read_bounded(&p, MAX_SCENARIO_BYTES)
            .map_err(|e| err(format!("cannot read scenario file {}: {e}", p.display())))?;
        let origin = p.display().to_string();
        let doc = text
            .parse::<toml_edit::DocumentMut>()
            .map_err(|e| toml_error(&origin, &text, &e))?;
        if let Some(item) = doc.get("extends") {
            let (line, col) = item
                .span()
                .map(|s| line_col(&text, s.start))
                .unwrap_or((1, 1));
            let Some(parent) = item.as_str() else {
                return Err(ScenarioFileError(format!(
                    "{origin}:{line}:{col}: extends: expected the path of a scenario file as a string\n  hint: extends = \"general_hospital.toml\""
                )));
            };
            let parent_path = p.parent().unwrap_or(Path::new(".")).join(parent);
            if sources.len() + 1 >= MAX_EXTENDS_DEPTH {
                return Err(ScenarioFileError(format!(
                    "{origin}:{line}:{col}: extends: the chain of scenarios extending one another is more than {MAX_EXTENDS_DEPTH} files deep\n  hint: extend the base scenario directly rather than a variant of a variant"
                )));
            }
            if sources.iter().any(|s| Path::new(&s.origin) == parent_path) || parent_path == p {
                return Err(ScenarioFileError(format!(
                    "{origin}:{line}:{col}: extends: \"{parent}\" leads back to a file already in the chain\n  hint: a scenario cannot extend itself, directly or through others"
                )));
            }
            if !parent_path.exists() {
                return Err(ScenarioFileError(format!(
                    "{origin}:{line}:{col}: extends: no scenario file at {}\n  hint: the path is relative to {}",
                    parent_path.display(),
                    p.parent()
                        .map(|d| d.display().to_string())
                        .unwrap_or_else(|| ".".into())
                )));
            }
            next = Some(parent_path);
        }
        sources.push(Source { origin, text });
    }
    Ok(sources)
}

/// Overlays each variant on what it extends: tables merge key by key, any other
/// value (numbers, strings, arrays such as pathway steps) replaces the base's.
fn merge_chain(sources: &[Source]) -> Result<String> {
    if sources.len() == 1 {
        return Ok(sources[0].text.clone());
    }
    fn overlay(base: &mut dyn toml_edit::TableLike, over: &dyn toml_edit::TableLike) {
        for (k, v) in over.iter() {
            if k == "extends" {
                continue;
            }
            if let (Some(b), Some(ov)) = (base.get_mut(k), v.as_table_like())
                && let Some(bt) = b.as_table_like_mut()
            {
                overlay(bt, ov);
                continue;
            }
            base.insert(k, v.clone());
        }
    }
    let mut docs = vec![];
    for s in sources {
        docs.push(
            s.text
                .parse::<toml_edit::DocumentMut>()
                .map_err(|e| err(format!("{}: {}", s.origin, e.message())))?,
        );
    }
    let mut merged = docs.pop().ok_or_else(|| err("empty extends chain"))?;
    let mut origins: Vec<&Source> = sources.iter().collect();
    origins.pop();
    while let Some(over) = docs.pop() {
        let source = origins.pop().ok_or_else(|| err("empty extends chain"))?;
        overlay(merged.as_table_mut(), over.as_table());
        merged.remove("remove");
        remove_from_base(merged.as_table_mut(), over.as_table(), source)?;
    }
    merged.remove("extends");
    Ok(merged.to_string())
}

/// Applies a variant's `remove = ["pathways.phone_call", ...]`: the named
/// tables or fields of what it extends are taken out, so that a variant
/// which replaces a pathway does not leave the old one behind, unused.
fn remove_from_base(
    merged: &mut toml_edit::Table,
    over: &toml_edit::Table,
    source: &Source,
) -> Result<()> {
    let Some(item) = over.get("remove") else {
        return Ok(());
    };
    // Where the path is written (quoted, outside comments), as line:column.
    let at = |needle: &str| {
        let quoted = format!("\"{needle}\"");
        let (line, col) = source
            .text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim_start().starts_with('#'))
            .find_map(|(i, l)| {
                l.find(&quoted)
                    .or_else(|| l.find(needle))
                    .map(|c| (i + 1, l[..c].chars().count() + 1))
            })
            .unwrap_or((1, 1));
        format!("{}:{line}:{col}", source.origin)
    };
    let hint = "remove = [\"pathways.critical_phone\", \"kpis.old_measure\"]: dotted paths of what the base scenario has";
    let Some(list) = item.as_array() else {
        return Err(ScenarioFileError(format!(
            "{}: remove: expected a list of field paths\n  hint: {hint}",
            at("remove")
        )));
    };
    for v in list.iter() {
        let Some(path) = v.as_str() else {
            return Err(ScenarioFileError(format!(
                "{}: remove: expected a list of field paths as strings\n  hint: {hint}",
                at("remove")
            )));
        };
        let keys: Vec<&str> = path.split('.').map(str::trim).collect();
        let Some((last, parents)) = keys.split_last() else {
            continue;
        };
        let mut table: &mut dyn toml_edit::TableLike = &mut *merged;
        for k in parents {
            match table.get_mut(k).and_then(|i| i.as_table_like_mut()) {
                Some(t) => table = t,
                None => {
                    return Err(ScenarioFileError(format!(
                        "{}: remove: \"{path}\" is not in the scenario this one extends (no table \"{k}\")\n  hint: {hint}",
                        at(path)
                    )));
                }
            }
        }
        if table.remove(last).is_none() {
            return Err(ScenarioFileError(format!(
                "{}: remove: \"{path}\" is not in the scenario this one extends\n  hint: {hint}",
                at(path)
            )));
        }
    }
    Ok(())
}

/// Where a field path points: in the first file of the chain that has the whole
/// path (the variant overrides its base), else the best partial match in the variant.
fn locate_in_sources(sources: &[Source], path: &FieldPath) -> (String, usize, usize) {
    for s in sources {
        if let (Some((l, c)), true) = locate(&s.text, path) {
            return (s.origin.clone(), l, c);
        }
    }
    let (l, c) = locate(&sources[0].text, path).0.unwrap_or((1, 1));
    (sources[0].origin.clone(), l, c)
}

fn load_sources(merged: &str, sources: &[Source], sets: &[String]) -> Result<Loaded> {
    let origin = &sources[0].origin;
    let text = apply_sets(origin, merged, sets)?;
    // Without `extends` the text is the user's file (line numbers survive --set);
    // with it, positions are found again by field path in the file that has them.
    let chained = sources.len() > 1;
    let mut scenario: Scenario = toml::from_str(&text).map_err(|e| {
        let msg = e.message().trim().to_string();
        let hint = serde_hint(&msg);
        let field_path = e.span().and_then(|s| path_at(&text, s.start));
        let (file, line, col) = match (&field_path, chained) {
            (Some(p), true) => locate_in_sources(sources, p),
            _ => {
                let (l, c) = e.span().map(|s| line_col(&text, s.start)).unwrap_or((1, 1));
                (origin.clone(), l, c)
            }
        };
        let field = field_path.map(|p| format!("{p}: ")).unwrap_or_default();
        let note = set_note(sets, &field);
        ScenarioFileError(format!("{file}:{line}:{col}: {field}{msg}{hint}{note}"))
    })?;
    // Errors in a case list are said at the `cases` field that names it too.
    let at_field = |id: &str| {
        let path = hospsim_sim::path!["arrivals", id, "cases"];
        let (file, line, col) = if chained {
            locate_in_sources(sources, &path)
        } else {
            let (l, c) = locate(&text, &path).0.unwrap_or((1, 1));
            (origin.clone(), l, c)
        };
        format!("{file}:{line}:{col}: {path}")
    };
    read_case_lists(&mut scenario, origin, &at_field)?;
    let model = hospsim_sim::compile(&scenario).map_err(|errs| {
        let mut out = String::new();
        for (k, e) in errs.0.iter().enumerate() {
            if k > 0 {
                out.push('\n');
            }
            let (file, line, col) = if chained {
                locate_in_sources(sources, &e.path)
            } else {
                let (l, c) = locate(&text, &e.path).0.unwrap_or((1, 1));
                (origin.clone(), l, c)
            };
            let _ = write!(out, "{file}:{line}:{col}: {}: {}", e.path, e.message);
            if let Some(h) = &e.hint {
                let _ = write!(out, "\n  hint: {h}");
            }
            out.push_str(&set_note(sets, &e.path.to_string()));
        }
        ScenarioFileError(out)
    })?;
    Ok(Loaded {
        scenario,
        model,
        origin: origin.clone(),
    })
}

/// Line numbers of CSV records in a text. The `csv` crate counts lines wrong
/// after a blank line and for `\r\n` line ends (rust-csv issues 208 and 395);
/// records are asked about in order, so counting goes on from the last one.
struct LineCounter<'a> {
    text: &'a [u8],
    at: std::cell::Cell<(usize, u64)>,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            at: std::cell::Cell::new((0, 1)),
        }
    }

    /// The line (from 1) where the record at `pos` starts.
    fn line(&self, pos: Option<&csv::Position>) -> u64 {
        let Some(pos) = pos else { return 0 };
        let mut start = (pos.byte() as usize).min(self.text.len());
        // csv places a record at the blank lines and line ends before it.
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        let (from, mut line) = self.at.get();
        if start < from {
            return line;
        }
        line += self.text[from..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count() as u64;
        self.at.set((start, line));
        line
    }
}

/// Reads every `arrivals.ID.cases` CSV (relative to the scenario file) into
/// `at`: a theatre list or any other list of planned arrivals. Columns: `time`
/// (`YYYY-MM-DDTHH:MM`) and optionally `count` (patients at that time, default 1).
fn read_case_lists(
    scenario: &mut Scenario,
    origin: &str,
    at_field: &dyn Fn(&str) -> String,
) -> Result<()> {
    let base = Path::new(origin).parent().unwrap_or(Path::new("."));
    // An unknown zone is the compiler's to report, at sim.time_zone; the
    // lists are checked here only for what a zone cannot fix.
    let zone = scenario
        .sim
        .time_zone
        .as_deref()
        .map(|n| hospsim_sim::timestamp::time_zone(n).unwrap_or(hospsim_sim::timestamp::UTC));
    for (id, a) in scenario.arrivals.iter_mut() {
        let Some(file) = a.cases.take() else { continue };
        let path = base.join(&file);
        let shown = path.display();
        let text = read_bounded(&path, MAX_CASE_LIST_BYTES).map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::NotFound {
                "\n  hint: the path is relative to the scenario file"
            } else {
                ""
            };
            ScenarioFileError(format!("{}: cannot read {shown}: {e}{hint}", at_field(id)))
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut rows = reader.records();
        let lines = LineCounter::new(&text);
        let bad_csv = |e: csv::Error| {
            let line = lines.line(e.position());
            ScenarioFileError(format!(
                "{}: {shown}:{line}: not readable as CSV: {e}\n  hint: a case list is a CSV file with a `time` column",
                at_field(id)
            ))
        };
        let header: Vec<String> = match rows.next() {
            Some(h) => h
                .map_err(bad_csv)?
                .iter()
                .map(str::to_ascii_lowercase)
                .collect(),
            None => vec![],
        };
        let Some(time_col) = header.iter().position(|c| c == "time") else {
            return Err(ScenarioFileError(format!(
                "{}: {shown}:1: a case list needs a `time` column (YYYY-MM-DDTHH:MM), and may have `count`",
                at_field(id)
            )));
        };
        let count_col = header.iter().position(|c| c == "count");
        let mut at = a.at.take().unwrap_or_default();
        for row in rows {
            let row = row.map_err(bad_csv)?;
            let line = lines.line(row.position());
            if row.iter().all(str::is_empty) {
                continue;
            }
            let time = row.get(time_col).unwrap_or("");
            match hospsim_sim::compile::parse_timestamp(time, zone.as_ref()) {
                Ok(_) => {}
                Err(e) if e.needs_zone() => {
                    return Err(ScenarioFileError(format!(
                        "{}: {shown}:{line}: time: {e}\n  hint: set sim.time_zone in the scenario (or give --time-zone), e.g. \"Europe/London\"",
                        at_field(id),
                    )));
                }
                Err(_) => {
                    return Err(ScenarioFileError(format!(
                        "{}: {shown}:{line}: time `{time}` is not a timestamp\n  hint: write YYYY-MM-DDTHH:MM, e.g. 2025-01-06T08:30 (with Z or an offset such as +02:00 when sim.time_zone is set)",
                        at_field(id),
                    )));
                }
            }
            let count = match count_col.map(|c| row.get(c).unwrap_or("")) {
                None | Some("") => 1,
                Some(c) => c.parse::<u32>().map_err(|_| {
                    ScenarioFileError(format!(
                        "{}: {shown}:{line}: count `{c}` is not a whole number",
                        at_field(id),
                    ))
                })?,
            };
            // Checked before the times are copied: a count is a size the user controls.
            if count > MAX_PATIENTS_PER_SLOT {
                return Err(ScenarioFileError(format!(
                    "{}: {shown}:{line}: count {count} is more than the {MAX_PATIENTS_PER_SLOT} patients one row may bring\n  hint: one row is one planned time; spread larger lists over several rows",
                    at_field(id),
                )));
            }
            if at.len() as u64 + count as u64 > MAX_PLANNED_ARRIVALS {
                return Err(ScenarioFileError(format!(
                    "{}: {shown}:{line}: the list brings more than the {MAX_PLANNED_ARRIVALS} planned arrivals a class may have\n  hint: use per_day for a steady stream of patients",
                    at_field(id),
                )));
            }
            at.extend(std::iter::repeat_n(time.to_string(), count as usize));
        }
        a.at = Some(at);
    }
    Ok(())
}

/// A TOML syntax error at `file:line:col`; a duplicate key is named (the
/// parser only says "duplicate key").
fn toml_error(origin: &str, text: &str, e: &toml_edit::TomlError) -> ScenarioFileError {
    let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
    let msg = e.message().trim();
    if msg == "duplicate key" {
        let at = e.span().map_or(0, |s| s.start.min(text.len()));
        let rest = text.get(at..).unwrap_or("");
        let this_line = &text[..at].rsplit('\n').next().unwrap_or("");
        // A table header `[a.b]` given twice, or a key given twice in a table.
        if this_line.trim_start().starts_with('[') {
            let header = text[at - this_line.len()..]
                .lines()
                .next()
                .unwrap_or("")
                .trim();
            return ScenarioFileError(format!(
                "{origin}:{line}:{col}: the table {header} is defined twice\n  hint: put all of its fields under one {header}"
            ));
        }
        let key: String = rest
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| !matches!(c, '=' | '"' | '\'' | '\n' | ' ' | '\t' | ']'))
            .collect();
        return ScenarioFileError(format!(
            "{origin}:{line}:{col}: duplicate key \"{key}\": it is already given earlier in the same table\n  hint: each field appears once; remove one of the two"
        ));
    }
    ScenarioFileError(format!("{origin}:{line}:{col}: {msg}"))
}

/// Points out a `--set` that produced the faulty value: its line is not the user's.
fn set_note(sets: &[String], field: &str) -> String {
    let field = field.trim_end_matches(": ");
    sets.iter()
        .find(|s| {
            let p = s.split('=').next().unwrap_or_default().trim();
            !p.is_empty() && (field.starts_with(p) || p.starts_with(field)) && !field.is_empty()
        })
        .map(|s| format!("\n  note: this value comes from --set {s}"))
        .unwrap_or_default()
}

fn serde_hint(msg: &str) -> &'static str {
    if msg.contains("unknown variant") {
        "\n  hint: distributions are written like { exponential = { mean = \"20 min\" } }; see docs/scenario-reference.md"
    } else if msg.contains("unknown field") {
        "\n  hint: check the spelling against docs/scenario-reference.md"
    } else if msg.contains("missing field") {
        "\n  hint: see docs/scenario-reference.md for the required fields"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hospsim_sim::error::PathSeg;
    use sets::parse_set_path;

    #[test]
    fn set_paths_parse() {
        let p = parse_set_path("pathways.ed.steps[2].duration").unwrap();
        assert_eq!(p.len(), 5);
        assert_eq!(p[3], PathSeg::Index(2));
    }

    #[test]
    fn set_paths_take_quoted_keys_as_toml_writes_them() {
        let key = |k: &str| PathSeg::Key(k.to_string());
        assert_eq!(
            parse_set_path(r#"resources."bay, \"A\" = 1".capacity"#).unwrap(),
            [key("resources"), key("bay, \"A\" = 1"), key("capacity")]
        );
        assert_eq!(
            parse_set_path("pathways.'a.b'.steps[0][1]").unwrap(),
            [
                key("pathways"),
                key("a.b"),
                key("steps"),
                PathSeg::Index(0),
                PathSeg::Index(1)
            ]
        );
        for bad in [
            "",
            "a.",
            "a.\"b",
            "a.'b",
            "a[x]",
            "a[1",
            "a.\"b\"c",
            r#"a."\q""#,
        ] {
            assert!(parse_set_path(bad).is_err(), "{bad:?} was accepted");
        }
        // The path an error message shows reads back as the same path.
        let path = hospsim_sim::error::FieldPath(vec![
            key("resources"),
            key("bay, \"A\""),
            key("capacity"),
        ]);
        assert_eq!(parse_set_path(&path.to_string()).unwrap(), path.0);
    }

    #[test]
    fn a_set_splits_at_the_first_equals_outside_quotes() {
        use sets::split_set as sets;
        assert_eq!(sets("a.b=1"), Some(("a.b", "1")));
        assert_eq!(
            sets(r#"a."x=y".b="v=w""#),
            Some((r#"a."x=y".b"#, r#""v=w""#))
        );
        assert_eq!(sets(r#"a."x\"=".b=2"#), Some((r#"a."x\"=".b"#, "2")));
        assert_eq!(sets("a.'x=y'=3"), Some(("a.'x=y'", "3")));
        assert_eq!(sets("a.b"), None);
    }

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab", 0), (1, 1));
    }
}

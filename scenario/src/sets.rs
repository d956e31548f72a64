//! `--set path=value` overrides, applied to the document text with
//! `toml_edit` so that line numbers stay those of the user's file.

use crate::{Result, ScenarioFileError, err, toml_error};
use hospsim_sim::error::{FieldPath, PathSeg};
use std::fmt::Write as _;

/// Reads a dotted path as TOML writes keys: bare (`icu_bed`), quoted
/// (`"bay, A"`, with `\"` and `\\` escapes) or literal (`'bay, A'`), each key
/// followed by any number of `[index]`.
pub(crate) fn parse_set_path(raw: &str) -> Result<Vec<PathSeg>> {
    let bad = |what: &str| {
        err(format!(
            "--set {raw}: {what}\n  hint: write keys as in the file, e.g. resources.icu_bed.capacity or resources.\"bay, A\".capacity"
        ))
    };
    let mut out = vec![];
    let mut chars = raw.chars().peekable();
    loop {
        let key = match chars.peek() {
            None => return Err(bad("the path is empty or ends with '.'")),
            Some('"') => {
                chars.next();
                let mut k = String::new();
                loop {
                    match chars.next() {
                        None => return Err(bad("a quoted key has no closing '\"'")),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('"') => k.push('"'),
                            Some('\\') => k.push('\\'),
                            Some('n') => k.push('\n'),
                            Some('t') => k.push('\t'),
                            _ => {
                                return Err(bad(
                                    "a quoted key has an escape other than \\\" \\\\ \\n \\t",
                                ));
                            }
                        },
                        Some(c) => k.push(c),
                    }
                }
                k
            }
            Some('\'') => {
                chars.next();
                let mut k = String::new();
                loop {
                    match chars.next() {
                        None => return Err(bad("a quoted key has no closing \"'\"")),
                        Some('\'') => break,
                        Some(c) => k.push(c),
                    }
                }
                k
            }
            Some(_) => {
                let mut k = String::new();
                while let Some(&c) = chars.peek() {
                    if c == '.' || c == '[' {
                        break;
                    }
                    k.push(c);
                    chars.next();
                }
                k.trim().to_string()
            }
        };
        if key.is_empty() && out.is_empty() {
            return Err(bad("the path is empty"));
        }
        if !key.is_empty() {
            out.push(PathSeg::Key(key));
        }
        while chars.peek() == Some(&'[') {
            chars.next();
            let mut index = String::new();
            loop {
                match chars.next() {
                    None => return Err(bad("missing ']'")),
                    Some(']') => break,
                    Some(c) => index.push(c),
                }
            }
            let n: usize = index
                .trim()
                .parse()
                .map_err(|_| bad(&format!("index \"{index}\" is not a number")))?;
            out.push(PathSeg::Index(n));
        }
        match chars.next() {
            None => break,
            Some('.') => continue,
            Some(c) => return Err(bad(&format!("unexpected '{c}' after a key"))),
        }
    }
    Ok(out)
}

pub(crate) use hospsim_sim::error::split_assignment as split_set;

/// Applies `path=value` overrides to the document text. The path must exist;
/// the value is read as TOML (number, boolean, array, inline table, quoted
/// string), and as a plain string when it is not valid TOML (`sim.horizon=180 d`).
pub fn apply_sets(origin: &str, text: &str, sets: &[String]) -> Result<String> {
    if sets.is_empty() {
        return Ok(text.to_string());
    }
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| toml_error(origin, text, &e))?;
    for s in sets {
        let (raw_path, raw_value) = split_set(s).ok_or_else(|| {
            ScenarioFileError(format!(
                "--set {s}: expected path=value\n  hint: e.g. --set resources.icu_bed.capacity=14"
            ))
        })?;
        let segs = parse_set_path(raw_path.trim())?;
        let value: toml_edit::Value = raw_value
            .trim()
            .parse()
            .unwrap_or_else(|_| toml_edit::Value::from(raw_value.trim()));
        let mut item: &mut toml_edit::Item = doc.as_item_mut();
        let mut walked = vec![];
        let mut inserted = false;
        for (depth, seg) in segs.iter().enumerate() {
            let exists = match seg {
                PathSeg::Key(k) => item.get(k.as_str()).is_some(),
                PathSeg::Index(i) => item.get(*i).is_some(),
            };
            // A missing last key of an existing table may be added (fields with
            // defaults, e.g. rosters.ed_doctors.scale); the schema check that
            // follows refuses names that do not exist.
            let addable =
                depth + 1 == segs.len() && matches!(seg, PathSeg::Key(_)) && item.is_table_like();
            if !exists && addable {
                if let (PathSeg::Key(k), Some(t)) = (seg, item.as_table_like_mut()) {
                    t.insert(k, toml_edit::Item::Value(value.clone()));
                }
                inserted = true;
                break;
            }
            if !exists {
                let here = FieldPath(walked.clone());
                let known: Vec<String> = item
                    .as_table_like()
                    .map(|t| {
                        t.iter()
                            .map(|(k, _)| FieldPath(vec![PathSeg::Key(k.to_string())]).to_string())
                            .collect()
                    })
                    .unwrap_or_default();
                let missing = match seg {
                    PathSeg::Key(k) => k.clone(),
                    PathSeg::Index(i) => format!("[{i}]"),
                };
                let mut msg = format!("--set {raw_path}: {origin} has no field \"{missing}\"");
                if !walked.is_empty() {
                    let _ = write!(msg, " under {here}");
                }
                if !known.is_empty() {
                    let _ = write!(msg, "\n  hint: fields there: {}", known.join(", "));
                } else {
                    msg.push_str("\n  hint: --set changes fields that the file already has");
                }
                return Err(ScenarioFileError(msg));
            }
            walked.push(seg.clone());
            item = match seg {
                PathSeg::Key(k) => item.get_mut(k.as_str()),
                PathSeg::Index(i) => item.get_mut(*i),
            }
            .ok_or_else(|| err(format!("--set {raw_path}: cannot change this field")))?;
        }
        if !inserted {
            let decor = item.as_value().map(|v| v.decor().clone());
            let mut new_value = value;
            if let Some(d) = decor {
                *new_value.decor_mut() = d;
            }
            *item = toml_edit::Item::Value(new_value);
        }
    }
    Ok(doc.to_string())
}

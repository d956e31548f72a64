//! Where a field path or a byte offset is in a TOML text: `file:line:col`
//! for every error.

use hospsim_sim::error::{FieldPath, PathSeg};

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// Finds where a field path points in the document: the deepest part of the
/// path that exists (a missing field points at its table), and whether the whole
/// path exists.
pub(crate) fn locate(text: &str, path: &FieldPath) -> (Option<(usize, usize)>, bool) {
    let Ok(doc) = toml_edit::Document::parse(text.to_string()) else {
        return (None, false);
    };
    let mut item: &toml_edit::Item = doc.as_item();
    let mut best = None;
    for seg in &path.0 {
        let next = match seg {
            PathSeg::Key(k) => {
                if let Some(t) = item.as_table_like()
                    && let Some((key, _)) = t.get_key_value(k)
                    && let Some(span) = key.span()
                {
                    best = Some(span.start);
                }
                item.get(k.as_str())
            }
            PathSeg::Index(i) => item.get(*i),
        };
        match next {
            Some(n) => {
                if let Some(span) = n.span()
                    && (!matches!(seg, PathSeg::Key(_)) || n.is_value())
                {
                    best = Some(span.start);
                }
                item = n;
            }
            None => return (best.map(|o| line_col(text, o)), false),
        }
    }
    (best.map(|o| line_col(text, o)), true)
}

/// The field path of the innermost value that contains a byte offset, for parse
/// errors that only carry a position.
pub(crate) fn path_at(text: &str, offset: usize) -> Option<FieldPath> {
    fn walk(item: &toml_edit::Item, offset: usize, path: &mut Vec<PathSeg>) -> bool {
        let inside = |span: Option<std::ops::Range<usize>>| {
            span.is_some_and(|s| s.start <= offset && offset < s.end.max(s.start + 1))
        };
        if let Some(t) = item.as_table_like() {
            for (k, child) in t.iter() {
                let key_span = t.get_key_value(k).and_then(|(key, _)| key.span());
                if inside(child.span()) || inside(key_span) {
                    path.push(PathSeg::Key(k.to_string()));
                    walk(child, offset, path);
                    return true;
                }
                let len = path.len();
                path.push(PathSeg::Key(k.to_string()));
                if walk(child, offset, path) {
                    return true;
                }
                path.truncate(len);
            }
        } else if let Some(arr) = item.as_array() {
            for (i, v) in arr.iter().enumerate() {
                if inside(v.span()) {
                    path.push(PathSeg::Index(i));
                    let child = toml_edit::Item::Value(v.clone());
                    walk(&child, offset, path);
                    return true;
                }
            }
        } else if let Some(aot) = item.as_array_of_tables() {
            for (i, t) in aot.iter().enumerate() {
                let len = path.len();
                path.push(PathSeg::Index(i));
                if walk(&toml_edit::Item::Table(t.clone()), offset, path) {
                    return true;
                }
                path.truncate(len);
            }
        }
        false
    }
    let doc = toml_edit::Document::parse(text.to_string()).ok()?;
    let mut path = vec![];
    walk(doc.as_item(), offset, &mut path);
    (!path.is_empty()).then_some(FieldPath(path))
}

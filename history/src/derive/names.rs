//! The identifiers `fit` makes up from the log's class and unit names: resource
//! keys and the stems of pathway and activity names. The names themselves are
//! kept as they are (arrival classes, `[history.units]`, resource labels).

use crate::visits::Visits;
use std::collections::HashSet;

/// Identifier-safe form of a name from a log.
pub fn ident(name: &str) -> String {
    let mut s: String = name
        .trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'u');
    }
    s
}

/// A made-up identifier per unit and per class of a log.
pub(super) struct Ids {
    pub(super) units: Vec<String>,
    pub(super) classes: Vec<String>,
}

impl Ids {
    /// Readable identifiers: each name's [`ident`], with `_2`, `_3`... where two
    /// names give the same one (the log reader refuses such names, but a
    /// program may build visits itself). No unit is `start`: that is where a
    /// patient comes from before its first unit.
    pub(super) fn readable(v: &Visits) -> Ids {
        Ids {
            units: unique(&v.units, &["start"]),
            classes: unique(&v.classes, &[]),
        }
    }

    /// `u1`, `u2`... and `c1`, `c2`...: names joined from these cannot run
    /// into one another, as readable ones can (units `a` and `a_b`, or `_`
    /// and `__` from names in other scripts).
    pub(super) fn numbered(v: &Visits) -> Ids {
        let numbered = |prefix: char, n: usize| (1..=n).map(|k| format!("{prefix}{k}")).collect();
        Ids {
            units: numbered('u', v.units.len()),
            classes: numbered('c', v.classes.len()),
        }
    }
}

fn unique(names: &[String], reserved: &[&str]) -> Vec<String> {
    let mut taken: HashSet<String> = reserved.iter().map(|r| r.to_string()).collect();
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let base = ident(name);
        let mut id = base.clone();
        let mut k = 1;
        while taken.contains(&id) {
            k += 1;
            id = format!("{base}_{k}");
        }
        taken.insert(id.clone());
        ids.push(id);
    }
    ids
}

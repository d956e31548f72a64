//! The identifiers `fit` makes up from the log's class and unit names: the
//! keys of the scenario and the stems of pathway and activity names.

use crate::visits::Visits;

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
    /// Each name's [`ident`] (the log reader refuses names that give the same one).
    pub(super) fn readable(v: &Visits) -> Ids {
        Ids {
            units: v.units.iter().map(|u| ident(u)).collect(),
            classes: v.classes.iter().map(|c| ident(c)).collect(),
        }
    }
}

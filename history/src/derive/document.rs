//! The pieces of the fitted scenario as `toml_edit` values: numbers, durations,
//! distributions, pathway steps and the `[pathways]` table. Every string and
//! key goes through `toml_edit`, which quotes and escapes it; the decor set
//! here only lays the text out as a person would write it.

use super::DurationFit;
use crate::distfit::{Family, round_sig};
use std::collections::{BTreeMap, BTreeSet};
use toml_edit::{Array, InlineTable, Item, Table, Value};

/// A number written as a person would: `9`, not `9.0`. The schema's numbers are
/// floats, and TOML integers read into them.
pub(super) fn num(x: f64) -> Value {
    // Below 2^53 every whole float is an exact i64.
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::from(x as i64)
    } else {
        Value::from(x)
    }
}

/// Shares floored to 4 decimals, so that the shares of a branch never add up
/// to more than 1 (the last option takes the rest).
pub(super) fn floor4(p: f64) -> f64 {
    (p * 10_000.0).floor() / 10_000.0
}

/// A duration in minutes, to 4 significant digits; never zero, since a zero
/// delay in a loop is refused by the compiler.
pub(super) fn minutes(m: f64) -> Value {
    Value::from(format!("{} min", round_sig(m.max(0.01))))
}

/// An array of strings on one line.
pub(super) fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    Value::Array(items.into_iter().collect())
}

/// An inline table from its key-value pairs, in order.
pub(super) fn inline<const N: usize>(pairs: [(&str, Value); N]) -> InlineTable {
    let mut t = InlineTable::new();
    for (k, v) in pairs {
        t.insert(k, v);
    }
    t
}

/// Decor is written out as it is: a comment must stay on its line.
pub(super) fn comment(gap: &str, text: &str) -> String {
    format!("{gap}# {}", text.replace(['\n', '\r'], " "))
}

/// A table whose header line carries a comment.
pub(super) fn noted_table(note: Option<&str>) -> Table {
    let mut t = Table::new();
    if let Some(n) = note {
        t.decor_mut().set_suffix(comment("   ", n));
    }
    t
}

/// A table only there to hold named subtables (`[resources.ed]` without a
/// `[resources]` line).
pub(super) fn parent_table() -> Table {
    let mut t = Table::new();
    t.set_implicit(true);
    t
}

/// The TOML form of a fitted duration (the best family, or the mean when no
/// family could be fitted).
pub(super) fn dist(d: &DurationFit) -> Value {
    let one = |family: &str, params: InlineTable| Value::from(inline([(family, params.into())]));
    match d.fits.first() {
        Some(_) | None if d.used() == "empirical" => {
            let values: Array = d.quantiles.iter().map(|q| minutes(*q)).collect();
            one("empirical", inline([("values", values.into())]))
        }
        Some(f) => {
            // The shape is the MLE's; the scale is set so that the mean is the
            // sample's: a lognormal or Weibull fitted to a sample it does not
            // quite match can miss the mean by a few percent, and the mean is
            // what sets occupancy (Little's law).
            let k = if f.mean() > 0.0 && d.sample_mean.is_finite() {
                d.sample_mean / f.mean()
            } else {
                1.0
            };
            let (a, b) = f.params;
            match f.family {
                Family::Exponential => one("exponential", inline([("mean", minutes(a))])),
                Family::Gamma => one(
                    "gamma",
                    inline([("mean", minutes(f.mean())), ("sd", minutes(f.sd()))]),
                ),
                Family::Lognormal => one(
                    "lognormal",
                    inline([("mean", minutes(k * f.mean())), ("sd", minutes(k * f.sd()))]),
                ),
                Family::Weibull => one(
                    "weibull",
                    inline([("shape", num(round_sig(a))), ("scale", minutes(k * b))]),
                ),
            }
        }
        None => Value::from(inline([("fixed", minutes(d.sample_mean.max(0.01)))])),
    }
}

/// One step of a pathway, as the compiler reads it.
pub(super) mod step {
    use super::{inline, strings};
    use toml_edit::{InlineTable, Value};

    /// `{ goto = "pathway" }`
    pub(in super::super) fn goto(to: &str) -> InlineTable {
        inline([("goto", to.into())])
    }

    /// `{ seize = ["resource"] }`
    pub(in super::super) fn seize(resource: &str) -> InlineTable {
        inline([("seize", strings([resource]))])
    }

    /// `{ release = "resource" }`
    pub(in super::super) fn release(resource: &str) -> InlineTable {
        inline([("release", resource.into())])
    }

    /// `{ release = ["a", "b"] }`
    pub(in super::super) fn release_each(resources: &[&str]) -> InlineTable {
        inline([("release", strings(resources.iter().copied()))])
    }

    /// `{ mark = "milestone" }`
    pub(in super::super) fn mark(milestone: &str) -> InlineTable {
        inline([("mark", milestone.into())])
    }

    /// `{ exit = "route" }`
    pub(in super::super) fn exit(route: &str) -> InlineTable {
        inline([("exit", route.into())])
    }

    /// `{ activity = "name", duration = ... }`, ending at one of the hours of
    /// the day in proportion to `until_hour` when given.
    pub(in super::super) fn activity(
        name: &str,
        duration: Value,
        until_hour: Option<&[u64; 24]>,
    ) -> InlineTable {
        let mut t = inline([("activity", name.into()), ("duration", duration)]);
        if let Some(h) = until_hour {
            let hours: toml_edit::Array = h.iter().map(|&c| c as i64).collect();
            t.insert("until_hour", hours.into());
        }
        t
    }
}

/// `{ goto = ... }` for one way on, else `{ branch = [...] }` with each
/// option's share; the last option takes the rest.
pub(super) fn branch_by_count(options: &[(&String, u64)], total: u64) -> InlineTable {
    if let [(only, _)] = options {
        return step::goto(only);
    }
    let last = options.len().saturating_sub(1);
    let options = options.iter().enumerate().map(|(i, (to, n))| {
        if i == last {
            inline([("to", to.as_str().into())])
        } else {
            inline([
                ("to", to.as_str().into()),
                ("p", num(floor4(*n as f64 / total as f64))),
            ])
        }
    });
    branch(options, false)
}

/// The routing out of a unit: by acuity when every stay has one (acuities
/// seen fewer than 20 times take the pooled share), one option a line.
pub(super) fn branch_by_route(routes: &BTreeMap<String, [u64; 6]>, by_acuity: bool) -> InlineTable {
    let opts: Vec<(&String, &[u64; 6])> = routes.iter().collect();
    if let [(only, _)] = opts.as_slice() {
        return step::goto(only);
    }
    let pooled_total: u64 = opts.iter().map(|(_, r)| r.iter().sum::<u64>()).sum();
    let totals: Vec<u64> = (0..6)
        .map(|a| opts.iter().map(|(_, r)| r[a]).sum())
        .collect();
    let last = opts.len().saturating_sub(1);
    let options = opts.iter().enumerate().map(|(i, (to, r))| {
        let to = Value::from(to.as_str());
        if i == last {
            return inline([("to", to)]);
        }
        let pooled = r.iter().sum::<u64>() as f64 / pooled_total as f64;
        if by_acuity {
            let ps: Array = (1..=5)
                .map(|a| {
                    let p = if totals[a] >= 20 {
                        r[a] as f64 / totals[a] as f64
                    } else {
                        pooled
                    };
                    num(floor4(p))
                })
                .collect();
            inline([("to", to), ("p_by_acuity", ps.into())])
        } else {
            inline([("to", to), ("p", num(floor4(pooled)))])
        }
    });
    branch(options, true)
}

/// `{ branch = [...] }`, its options on one line or one a line.
pub(super) fn branch(
    options: impl IntoIterator<Item = InlineTable>,
    one_a_line: bool,
) -> InlineTable {
    let mut list = Array::new();
    for (i, o) in options.into_iter().enumerate() {
        let mut v = Value::from(o);
        if one_a_line && i > 0 {
            v.decor_mut().set_prefix("\n    ");
        }
        list.push_formatted(v);
    }
    inline([("branch", list.into())])
}

/// The `[pathways]` table as it is built, in the order its pathways are
/// added; it remembers the milestones marked, for the KPIs that need them.
pub(super) struct Pathways {
    table: Table,
    marks: BTreeSet<String>,
    clashes: usize,
}

impl Pathways {
    pub(super) fn new() -> Self {
        Pathways {
            table: parent_table(),
            marks: BTreeSet::new(),
            clashes: 0,
        }
    }

    /// A pathway with its steps one a line.
    pub(super) fn add(&mut self, name: &str, steps: Vec<InlineTable>) {
        self.add_noted(name, None, steps);
    }

    /// The same, with a comment on its header line.
    pub(super) fn add_noted(&mut self, name: &str, note: Option<&str>, steps: Vec<InlineTable>) {
        let mut list = Array::new();
        for s in steps {
            self.note_marks(&s);
            let mut v = Value::from(s);
            v.decor_mut().set_prefix("\n  ");
            list.push_formatted(v);
        }
        list.set_trailing_comma(true);
        list.set_trailing("\n");
        self.insert(name, note, list);
    }

    /// A pathway of one short step, on one line.
    pub(super) fn add_on_one_line(&mut self, name: &str, only: InlineTable) {
        self.note_marks(&only);
        self.insert(name, None, std::iter::once(Value::from(only)).collect());
    }

    fn note_marks(&mut self, s: &InlineTable) {
        if let Some(m) = s.get("mark").and_then(Value::as_str) {
            self.marks.insert(m.to_string());
        }
    }

    fn insert(&mut self, name: &str, note: Option<&str>, steps: Array) {
        // Two pathways of one name would be one table: the first is kept and
        // the clash counted, so that `derive` can start again with names that
        // cannot clash.
        if self.table.contains_key(name) {
            self.clashes += 1;
            return;
        }
        let mut t = noted_table(note);
        t.insert("steps", Item::Value(steps.into()));
        self.table.insert(name, Item::Table(t));
    }

    /// Whether some pathway marks this milestone.
    pub(super) fn marks(&self, milestone: &str) -> bool {
        self.marks.contains(milestone)
    }

    /// Pathways left out because their name was taken.
    pub(super) fn clashes(&self) -> usize {
        self.clashes
    }

    pub(super) fn into_table(self) -> Table {
        self.table
    }
}

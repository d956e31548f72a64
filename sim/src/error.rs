//! Errors of the simulation crate: scenario problems carry the field path.

use std::fmt;

/// One step of a path into the scenario document: a table key or an array index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSeg {
    /// A key of a table, e.g. `resources`.
    Key(String),
    /// An index into an array, e.g. the 3rd step.
    Index(usize),
}

/// A field path such as `pathways.ed.steps[2].use[0]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldPath(pub Vec<PathSeg>);

impl FieldPath {
    /// A path from its key and index segments.
    pub fn new() -> Self {
        FieldPath(Vec::new())
    }

    /// This path extended by a key.
    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(PathSeg::Key(k.to_string()));
        p
    }

    /// This path extended by an array index.
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(PathSeg::Index(i));
        p
    }
}

/// Builds a path from dotted keys: `path!["resources", name, "capacity"]`.
#[macro_export]
macro_rules! path {
    ($($k:expr),* $(,)?) => {{
        let p = $crate::error::FieldPath::new();
        $( let p = p.key(&$k); )*
        p
    }};
}

/// Splits `path=value` (a `--set` or a sweep's `--param`) at the first `=`
/// outside a quoted key, as TOML writes keys: `resources."a=b".capacity=3`
/// is the path `resources."a=b".capacity` and the value `3`.
pub fn split_assignment(s: &str) -> Option<(&str, &str)> {
    let mut quote = None;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some('"'), '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (Some(q), c) if c == q && !escaped => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (None, '=') => return Some((&s[..i], &s[i + 1..])),
            _ => {}
        }
        escaped = false;
    }
    None
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSeg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    write_key(f, k)?;
                }
                PathSeg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A key as TOML writes it in a dotted path: bare when it can be, otherwise
/// quoted, so that a path from an error message can be pasted into `--set`.
fn write_key(f: &mut fmt::Formatter<'_>, key: &str) -> fmt::Result {
    let bare = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        return f.write_str(key);
    }
    f.write_str("\"")?;
    for c in key.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            c if c.is_control() => write!(f, "\\u{:04X}", c as u32)?,
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

/// A mistake in a scenario, found when it is compiled into a model.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioError {
    /// Where in the document the mistake is.
    pub path: FieldPath,
    /// What is wrong and what was expected.
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
}

impl ScenarioError {
    /// An error at `path` with a message.
    pub fn new(path: FieldPath, message: impl Into<String>) -> Self {
        ScenarioError {
            path,
            message: message.into(),
            hint: None,
        }
    }

    /// The same error with a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

/// All the mistakes found in one scenario (compilation reports every one it can).
#[derive(Debug, thiserror::Error)]
#[error("{} problem(s) in the scenario, first: {}", .0.len(), .0.first().map(|e| e.to_string()).unwrap_or_default())]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

/// A failure while running a compiled model.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The patient-conservation identity failed: a kernel bug, never a user error.
    #[error(
        "internal error: replication {rep} lost patients (arrived {arrived}, departed {departed}, in system {in_system}); please report this with the scenario"
    )]
    Conservation {
        /// Replication index.
        rep: u32,
        /// Patients arrived.
        arrived: u64,
        /// Patients departed by any route.
        departed: u64,
        /// Patients still in the system.
        in_system: u64,
    },
    /// Run options that cannot work, such as zero replications.
    #[error("invalid run options: {0}")]
    Options(String),
    /// A patient went round a loop without time passing (the run-time guard
    /// behind the compile-time loop check).
    #[error(
        "replication {rep} stopped: patient {patient} of class \"{class}\" made more than {max} jumps without waiting or spending time at {step}, at {at}: a loop that passes no time\n  hint: put an activity that takes time on the loop, or a `count` step whose `limit` leads out of it",
        max = crate::limits::MAX_JUMPS_PER_INSTANT
    )]
    Loop {
        /// Replication index.
        rep: u32,
        /// Arrival index of the patient.
        patient: u64,
        /// Its class.
        class: String,
        /// The step it was at (`pathways.NAME.steps[i]`).
        step: String,
        /// Simulation time, as a calendar time and day.
        at: String,
    },
    /// More patients in the hospital at once than the engine keeps.
    #[error(
        "replication {rep} stopped: {live} patients in the hospital at once at {at}, the most one replication may hold ({max}): arrivals far exceed what the capacity can serve\n  hint: check arrival rates (per_day is patients a day) and capacities; a queue that grows without end has no steady state to measure",
        max = crate::limits::MAX_LIVE_ENTITIES
    )]
    Overloaded {
        /// Replication index.
        rep: u32,
        /// Patients and branches at once.
        live: usize,
        /// Simulation time, as a calendar time and day.
        at: String,
    },
    /// The run was stopped from outside (an interrupt) before it finished.
    #[error("interrupted")]
    Interrupted,
}

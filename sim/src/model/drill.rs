//! The compiled drill: capacity changes, slowdowns, response triggers and
//! actions.

/// How a capacity modifier changes a resource.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ModKind {
    /// Multiply (rounded to whole units).
    Scale(f64),
    /// Take units out.
    Remove(u32),
    /// Add units.
    Add(u32),
}

/// A capacity change of one resource over `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CapacityMod {
    /// Resource index.
    pub resource: u16,
    /// Start, minutes.
    pub start: f64,
    /// End, minutes.
    pub end: f64,
    /// The change.
    pub kind: ModKind,
}

/// Longer activity durations over `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Slowdown {
    /// Activity index.
    pub activity: u16,
    /// Start, minutes.
    pub start: f64,
    /// End, minutes.
    pub end: f64,
    /// Duration multiplier.
    pub factor: f64,
}

/// What a response condition looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Patients waiting.
    Queue,
    /// Busy units / capacity.
    Occupancy,
    /// Busy units.
    Busy,
}

/// A comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
}

impl CmpOp {
    /// Applies the comparison.
    pub fn holds(self, x: f64, v: f64) -> bool {
        match self {
            CmpOp::Gt => x > v,
            CmpOp::Ge => x >= v,
            CmpOp::Lt => x < v,
            CmpOp::Le => x <= v,
        }
    }
}

/// When a response fires.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Trigger {
    /// At a time, minutes.
    At(f64),
    /// When a condition on a resource first holds.
    When {
        /// Resource index.
        resource: u16,
        /// What is measured.
        metric: Metric,
        /// Comparison.
        op: CmpOp,
        /// Threshold.
        value: f64,
    },
}

/// What a response does.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Action {
    /// Open more units of a resource (surge beds, staff called in, fast track).
    AddCapacity {
        /// Resource index.
        resource: u16,
        /// Units added.
        units: u32,
    },
    /// Stop a class's arrivals (cancel electives).
    StopArrivals {
        /// Class index.
        class: usize,
    },
    /// Send a share of a class's arrivals elsewhere (ambulance diversion).
    Divert {
        /// Class index.
        class: usize,
        /// Share diverted (0-1).
        share: f64,
    },
}

/// A compiled response.
#[derive(Clone, Debug)]
pub struct ResponseDef {
    /// Name.
    pub name: String,
    /// When it fires.
    pub trigger: Trigger,
    /// Delay from firing to effect, minutes.
    pub delay: f64,
    /// What it does.
    pub action: Action,
    /// How long the effect lasts, minutes (infinite by default).
    pub duration: f64,
}

/// A compiled drill.
#[derive(Clone, Debug, Default)]
pub struct DrillDef {
    /// Display name.
    pub name: String,
    /// Capacity changes from outages, shortages and closures.
    pub capacity_mods: Vec<CapacityMod>,
    /// Slowdowns.
    pub slowdowns: Vec<Slowdown>,
    /// Responses.
    pub responses: Vec<ResponseDef>,
    /// Class indices added by surges and epidemics.
    pub classes: Vec<usize>,
    /// Earliest start of any event, minutes.
    pub start: f64,
    /// Latest end of any event, minutes.
    pub end: f64,
    /// For epidemics: (class index, day-0 minute, expected admissions per day).
    pub epidemic_admissions: Vec<(usize, f64, Vec<f64>)>,
}

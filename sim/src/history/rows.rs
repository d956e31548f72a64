//! What the event loop records for the event log: one row per event of a
//! visit, and the patients in a unit at the end of a run.

/// One event of a simulated visit, as the event loop records it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogRow {
    /// Minutes since the start of the simulation.
    pub t: f64,
    /// Patient number within the replication.
    pub id: u64,
    /// Class index.
    pub class: u16,
    /// Acuity 1..=5.
    pub acuity: u8,
    /// Event index (see [`super::Event`]).
    pub event: u8,
    /// Unit index, or `NO_UNIT`.
    pub unit: u16,
}

/// A simulated visit's id as the log writes it: `P<patient>`, and `-2`, `-3`...
/// for the later visits of a patient sent home and rebooked (the visit number
/// is in the top 16 bits of the engine's id).
pub fn visit_label(id: u64) -> String {
    let (n, episode) = (id & ((1 << 48) - 1), id >> 48);
    if episode == 0 {
        format!("P{n}")
    } else {
        format!("P{n}-{}", episode + 1)
    }
}

/// A patient in a unit at the end of a simulated run (for a census snapshot).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CensusRow {
    /// Patient number (visit number in the top 16 bits, as in [`LogRow`]).
    pub id: u64,
    /// Class index.
    pub class: u16,
    /// Acuity 1..=5.
    pub acuity: u8,
    /// Unit index.
    pub unit: u16,
    /// Arrival time, minutes since the start of the simulation.
    pub arrival: f64,
    /// Time it entered the unit.
    pub since: f64,
}

//! History in the engine: the event-log vocabulary, the scenario's
//! `[history]` section that maps a model onto it, and the rows the event loop
//! records. Reading logs into visits, measuring them, fitting distributions and
//! deriving a scenario from a log are in the `hospsim-history` crate.
//!
//! A log is one row per event of a patient visit: patient, class, acuity, unit,
//! event, time. The simulator writes the same vocabulary (`generate-history`,
//! `validate`), so every measure is computed by one piece of code on both sides.

mod rows;
mod spec;

pub use rows::{CensusRow, LogRow, visit_label};
pub use spec::{CensusPatient, HistoryDef, HistorySpec, NO_EVENT, NO_UNIT, UnitKind, UnitSpec};

/// An event of the log vocabulary (`docs/data-formats.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Event {
    /// The patient arrives (at the ED, or on a planned admission list).
    Arrival = 0,
    /// Triage completed.
    Triage,
    /// First seen by a doctor or clinician.
    Seen,
    /// Laboratory tests ordered.
    LabOrder,
    /// Laboratory results available.
    LabResult,
    /// Imaging requested.
    ImagingOrder,
    /// Imaging reported.
    ImagingReport,
    /// Decision to admit.
    DecisionToAdmit,
    /// The patient leaves the ED (home, to a ward, elsewhere).
    EdDeparture,
    /// Admitted to a ward or ICU (the first inpatient unit of the visit).
    Admit,
    /// Moved to another unit.
    Transfer,
    /// Enters theatre.
    TheatreStart,
    /// Leaves theatre.
    TheatreEnd,
    /// Leaves the hospital alive (home, care home).
    Discharge,
    /// Died.
    Death,
    /// Left before being seen (ED).
    LeftUnseen,
    /// Transferred to another hospital.
    TransferOut,
    /// Left the modelled hospital by another route.
    Departure,
    /// The planned visit (an operation) is cancelled and the patient goes home;
    /// a rebooked patient comes back as a new visit.
    Cancelled,
}

/// Every event, in vocabulary order.
pub const EVENTS: [Event; 19] = [
    Event::Arrival,
    Event::Triage,
    Event::Seen,
    Event::LabOrder,
    Event::LabResult,
    Event::ImagingOrder,
    Event::ImagingReport,
    Event::DecisionToAdmit,
    Event::EdDeparture,
    Event::Admit,
    Event::Transfer,
    Event::TheatreStart,
    Event::TheatreEnd,
    Event::Discharge,
    Event::Death,
    Event::LeftUnseen,
    Event::TransferOut,
    Event::Departure,
    Event::Cancelled,
];

impl Event {
    /// The name used in log files.
    pub fn name(self) -> &'static str {
        match self {
            Event::Arrival => "arrival",
            Event::Triage => "triage",
            Event::Seen => "seen",
            Event::LabOrder => "lab_order",
            Event::LabResult => "lab_result",
            Event::ImagingOrder => "imaging_order",
            Event::ImagingReport => "imaging_report",
            Event::DecisionToAdmit => "decision_to_admit",
            Event::EdDeparture => "ed_departure",
            Event::Admit => "admit",
            Event::Transfer => "transfer",
            Event::TheatreStart => "theatre_start",
            Event::TheatreEnd => "theatre_end",
            Event::Discharge => "discharge",
            Event::Death => "death",
            Event::LeftUnseen => "left_unseen",
            Event::TransferOut => "transfer_out",
            Event::Departure => "departure",
            Event::Cancelled => "cancelled",
        }
    }

    /// The event of a name (case-insensitive; `-` and spaces read as `_`).
    pub fn parse(text: &str) -> Option<Event> {
        let t = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        EVENTS.iter().copied().find(|e| e.name() == t)
    }

    /// The event's index (its `repr`).
    pub fn index(self) -> u8 {
        self as u8
    }

    /// The event of an index.
    pub fn from_index(i: u8) -> Option<Event> {
        EVENTS.get(i as usize).copied()
    }

    /// True for events that end the visit.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Event::Discharge
                | Event::Death
                | Event::LeftUnseen
                | Event::TransferOut
                | Event::Departure
                | Event::Cancelled
        )
    }

    /// True for events that put the patient in the row's unit.
    pub fn enters_unit(self) -> bool {
        matches!(
            self,
            Event::Arrival | Event::Admit | Event::Transfer | Event::TheatreStart
        )
    }

    /// True for events a scenario milestone may stand for (not those the
    /// simulator writes from units and exit routes).
    pub fn loggable_milestone(self) -> bool {
        self == Event::Cancelled || !(self.enters_unit() || self.is_final())
    }

    /// The departure event of an exit route of the model (see `model::ROUTE_NAMES`).
    pub fn of_route(route: u8) -> Event {
        match route {
            0 => Event::Discharge,
            2 => Event::TransferOut,
            3 => Event::LeftUnseen,
            4 => Event::Death,
            _ => Event::Departure,
        }
    }
}

/// The event names, comma-separated (for hints).
pub fn event_names() -> String {
    EVENTS
        .iter()
        .map(|e| e.name())
        .collect::<Vec<_>>()
        .join(", ")
}

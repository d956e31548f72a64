//! Patient visits: a log grouped by patient, and the unit stays read from it.

use hospsim_sim::history::{Event, LogRow, NO_UNIT, UnitKind, visit_label};

/// One patient visit: its attributes and events in time order.
#[derive(Clone, Debug)]
pub struct Visit {
    /// Identifier as given in the log.
    pub id: String,
    /// Class index into [`Visits::classes`].
    pub class: u16,
    /// Acuity 1..=5, or 0 when the log does not say.
    pub acuity: u8,
    /// `(minutes since the origin, event, unit or NO_UNIT)`, in time order.
    pub events: Vec<(f64, Event, u16)>,
}

/// How a unit stay ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StayEnd {
    /// The patient entered another unit next.
    Unit(u16),
    /// The visit ended with this event.
    Exit(Event),
    /// The log stops before the stay ends (still in hospital).
    Censored,
}

/// A stay in one unit.
#[derive(Clone, Copy, Debug)]
pub struct Stay {
    /// Unit index.
    pub unit: u16,
    /// Entry time (minutes since the origin).
    pub start: f64,
    /// Time the stay ended; for a censored stay, the end of the log.
    pub end: f64,
    /// Where the patient went next.
    pub next: StayEnd,
}

/// A log: visits plus the names their indices refer to.
#[derive(Clone, Debug, Default)]
pub struct Visits {
    /// Class names.
    pub classes: Vec<String>,
    /// Unit names.
    pub units: Vec<String>,
    /// Unit kinds, one per unit.
    pub unit_kinds: Vec<UnitKind>,
    /// Minute of the week (Monday 00:00 = 0) at time 0.
    pub origin_minute_of_week: f64,
    /// Start of the observed period (minutes since the origin).
    pub from: f64,
    /// End of the observed period.
    pub to: f64,
    /// The visits, ordered by arrival.
    pub visits: Vec<Visit>,
}

impl Visit {
    /// Arrival time: the first event's time.
    pub fn arrival(&self) -> f64 {
        self.events.first().map_or(f64::NAN, |e| e.0)
    }

    /// Time of the first event of a kind.
    pub fn first(&self, ev: Event) -> Option<f64> {
        self.events.iter().find(|e| e.1 == ev).map(|e| e.0)
    }

    /// The final event, if the visit has ended.
    pub fn exit(&self) -> Option<(f64, Event)> {
        self.events
            .last()
            .filter(|e| e.1.is_final())
            .map(|e| (e.0, e.1))
    }

    /// The unit stays of the visit; `log_end` closes censored stays.
    pub fn stays(&self, kinds: &[UnitKind], log_end: f64) -> Vec<Stay> {
        let mut out: Vec<Stay> = vec![];
        let mut open: Option<(u16, f64)> = None;
        for &(t, ev, unit) in &self.events {
            let enters = ev.enters_unit() && unit != NO_UNIT;
            let closes_open = match open {
                Some((u, _)) => {
                    enters && unit != u
                        || ev.is_final()
                        || (ev == Event::EdDeparture && kinds[u as usize] == UnitKind::Ed)
                        || (ev == Event::TheatreEnd && kinds[u as usize] == UnitKind::Theatre)
                }
                None => false,
            };
            if closes_open && let Some((u, s)) = open.take() {
                out.push(Stay {
                    unit: u,
                    start: s,
                    end: t,
                    next: if ev.is_final() {
                        StayEnd::Exit(ev)
                    } else if enters {
                        StayEnd::Unit(unit)
                    } else {
                        StayEnd::Censored
                    },
                });
            }
            if enters && open.is_none() {
                open = Some((unit, t));
            }
        }
        if let Some((u, s)) = open {
            out.push(Stay {
                unit: u,
                start: s,
                end: log_end.max(s),
                next: StayEnd::Censored,
            });
        }
        // A stay closed by leaving the ED or theatre learns where the patient went
        // from the next unit entered (or the exit), if any.
        let n = out.len();
        for i in 0..n {
            if out[i].next == StayEnd::Censored && out[i].end < log_end {
                out[i].next = if i + 1 < n {
                    StayEnd::Unit(out[i + 1].unit)
                } else {
                    match self.exit() {
                        Some((_, e)) => StayEnd::Exit(e),
                        None => StayEnd::Censored,
                    }
                };
            }
        }
        out
    }
}

impl Visits {
    /// Groups simulated log rows into visits. `warmup` drops patients who
    /// arrived before it; times become minutes since the end of the warm-up.
    pub fn from_rows(
        rows: &[LogRow],
        classes: Vec<String>,
        units: Vec<String>,
        unit_kinds: Vec<UnitKind>,
        start_minute_of_week: f64,
        warmup: f64,
        horizon: f64,
    ) -> Visits {
        let mut sorted: Vec<&LogRow> = rows.iter().collect();
        // Stable: rows of one patient keep their recorded order.
        sorted.sort_by_key(|r| r.id);
        let mut visits: Vec<Visit> = vec![];
        let mut last_id = u64::MAX;
        for r in sorted {
            let Some(ev) = Event::from_index(r.event) else {
                continue;
            };
            if r.id != last_id {
                last_id = r.id;
                visits.push(Visit {
                    id: visit_label(r.id),
                    class: r.class,
                    acuity: r.acuity,
                    events: vec![],
                });
            }
            if let Some(v) = visits.last_mut() {
                v.events.push((r.t - warmup, ev, r.unit));
            }
        }
        visits.sort_by(|a, b| a.arrival().total_cmp(&b.arrival()));
        Visits {
            classes,
            units,
            unit_kinds,
            origin_minute_of_week: (start_minute_of_week + warmup).rem_euclid(10080.0),
            from: 0.0,
            to: horizon - warmup,
            visits,
        }
    }

    /// The visits of a simulated replication's log, in the model's names; time 0
    /// is the end of the warm-up.
    pub fn of_model(m: &hospsim_sim::Model, rows: &[LogRow]) -> Visits {
        Visits::from_rows(
            rows,
            m.classes.iter().map(|c| c.name.clone()).collect(),
            m.history.unit_names.clone(),
            m.history.unit_kinds.clone(),
            m.start_minute_of_week,
            m.warmup,
            m.horizon,
        )
    }

    /// Hour of the week (0 = Monday 00:00-01:00) of a time.
    pub fn hour_of_week(&self, t: f64) -> usize {
        (((self.origin_minute_of_week + t).rem_euclid(10080.0)) / 60.0) as usize % 168
    }

    /// Observed span in days.
    pub fn days(&self) -> f64 {
        (self.to - self.from) / 1440.0
    }

    /// Number of events in all visits.
    pub fn n_events(&self) -> usize {
        self.visits.iter().map(|v| v.events.len()).sum()
    }
}

//! The scenario's `[history]` section: how the model's resources and milestones
//! map onto the units and events of a log.

use super::Event;
use crate::error::ScenarioError;
use crate::path;
use crate::scenario::Scenario;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `[history]`: which classes are patients, where they arrive, which resources
/// make up each unit and which milestones are log events.
#[derive(Clone, Debug, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HistorySpec {
    /// Classes that are patients; others (samples, say) are not logged. Default: all.
    #[serde(default)]
    pub classes: Option<Vec<String>>,
    /// Unit of each class's `arrival` event (e.g. `ed = "ed"`); blank when absent.
    #[serde(default)]
    pub arrival_unit: BTreeMap<String, String>,
    /// Units: a name, a kind and the resources whose holders are in the unit.
    #[serde(default)]
    pub units: IndexMap<String, UnitSpec>,
    /// Milestone -> event name (e.g. `seen_by_doctor = "seen"`). A milestone named
    /// like an event (`triage`, `seen`, ...) is logged without being listed.
    #[serde(default)]
    pub events: BTreeMap<String, String>,
}

/// One unit of the hospital as the log names it.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitSpec {
    /// `ed`, `ward`, `icu`, `theatre` or `other`.
    #[serde(default = "default_kind")]
    pub kind: String,
    /// Resources whose holders are in this unit (beds, cubicles, rooms).
    pub resources: Vec<String>,
    /// Pathway where a patient found in this unit by a census snapshot resumes
    /// (`hospsim project`); default: the first pathway that seizes one of
    /// `resources`.
    #[serde(default)]
    pub resume: Option<String>,
}

fn default_kind() -> String {
    "ward".into()
}

/// What kind of place a unit is; decides the events of entering and leaving it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitKind {
    /// The emergency department.
    Ed,
    /// A ward.
    Ward,
    /// Intensive care.
    Icu,
    /// Operating theatres: entering is `theatre_start`, leaving `theatre_end`.
    Theatre,
    /// Anything else with beds or places.
    Other,
}

impl UnitKind {
    fn parse(s: &str) -> Option<UnitKind> {
        Some(match s {
            "ed" => UnitKind::Ed,
            "ward" => UnitKind::Ward,
            "icu" => UnitKind::Icu,
            "theatre" => UnitKind::Theatre,
            "other" => UnitKind::Other,
            _ => return None,
        })
    }

    /// The kind's name as written in scenarios.
    pub fn name(self) -> &'static str {
        match self {
            UnitKind::Ed => "ed",
            UnitKind::Ward => "ward",
            UnitKind::Icu => "icu",
            UnitKind::Theatre => "theatre",
            UnitKind::Other => "other",
        }
    }

    /// A unit kind guessed from a unit's name (for logs read without a scenario).
    pub fn guess(name: &str) -> UnitKind {
        let n = name.to_ascii_lowercase();
        if n == "ed" || n.contains("emergency") || n.starts_with("ed_") || n.starts_with("a&e") {
            UnitKind::Ed
        } else if n.contains("icu") || n.contains("intensive") || n.contains("critical") {
            UnitKind::Icu
        } else if n.contains("theatre") || n.contains("theater") || n == "or" {
            UnitKind::Theatre
        } else {
            UnitKind::Ward
        }
    }
}

/// `[history]` compiled: lookups by index for the event loop.
#[derive(Clone, Debug, Default)]
pub struct HistoryDef {
    /// Per class: logged or not.
    pub logged_class: Vec<bool>,
    /// Per class: unit of the arrival event (`NO_UNIT` when blank).
    pub arrival_unit: Vec<u16>,
    /// Unit names.
    pub unit_names: Vec<String>,
    /// Unit kinds.
    pub unit_kinds: Vec<UnitKind>,
    /// Per unit: the resume pathway, if given.
    pub unit_resume: Vec<Option<String>>,
    /// Per unit: its resources.
    pub unit_resources: Vec<Vec<u16>>,
    /// Per resource: its unit (`NO_UNIT` when none).
    pub resource_unit: Vec<u16>,
    /// Per milestone: its event index (`NO_EVENT` when not logged).
    pub milestone_event: Vec<u8>,
    /// Per unit: where a patient found there by a census snapshot resumes
    /// (program counter and the resource it holds), if anywhere.
    pub resume: Vec<Option<(u32, u16)>>,
    /// Per unit: start of its explicit `resume` pathway (`NONE` without one);
    /// a replayed stay ends the first activity from there.
    pub resume_start: Vec<u32>,
}

/// A patient in the hospital at the start of a projection (`hospsim project`).
#[derive(Clone, Debug)]
pub struct CensusPatient {
    /// Class index.
    pub class: u16,
    /// Acuity 1..=5, or 0 to draw it from the class's mix.
    pub acuity: u8,
    /// Unit index.
    pub unit: u16,
    /// Minutes already spent in the unit: the next activity's duration is drawn
    /// conditional on being longer than this, less this.
    pub elapsed: f64,
    /// Minutes since the patient arrived at the hospital.
    pub since_arrival: f64,
}

/// "No unit" in [`HistoryDef`] tables and log rows.
pub const NO_UNIT: u16 = u16::MAX;
/// "Not logged" in [`HistoryDef::milestone_event`].
pub const NO_EVENT: u8 = u8::MAX;

impl HistoryDef {
    /// Compiles `[history]` against the scenario's names; problems go to `errs`.
    pub fn compile(s: &Scenario, milestones: &[String], errs: &mut Vec<ScenarioError>) -> Self {
        let empty = HistorySpec::default();
        let h = s.history.as_ref().unwrap_or(&empty);
        let classes: Vec<&String> = s.arrivals.keys().collect();
        let mut logged_class = vec![h.classes.is_none(); classes.len()];
        for (i, c) in h.classes.iter().flatten().enumerate() {
            match classes.iter().position(|k| *k == c) {
                Some(k) => logged_class[k] = true,
                None => errs.push(
                    ScenarioError::new(
                        path!["history", "classes"].index(i),
                        format!("unknown arrival class \"{c}\""),
                    )
                    .hint(format!("known: {}", join(&classes))),
                ),
            }
        }
        let mut def = HistoryDef {
            logged_class,
            arrival_unit: vec![NO_UNIT; classes.len()],
            resource_unit: vec![NO_UNIT; s.resources.len()],
            milestone_event: vec![NO_EVENT; milestones.len()],
            ..Default::default()
        };
        for (name, u) in &h.units {
            let p = path!["history", "units", name];
            let kind = UnitKind::parse(&u.kind).unwrap_or_else(|| {
                errs.push(
                    ScenarioError::new(p.key("kind"), format!("unknown unit kind \"{}\"", u.kind))
                        .hint("one of ed, ward, icu, theatre, other"),
                );
                UnitKind::Other
            });
            let ix = def.unit_names.len() as u16;
            let mut res = vec![];
            for (k, r) in u.resources.iter().enumerate() {
                match s.resources.get_index_of(r.as_str()) {
                    Some(ri) if def.resource_unit[ri] != NO_UNIT => errs.push(ScenarioError::new(
                        p.key("resources").index(k),
                        format!(
                            "resource \"{r}\" is already in unit \"{}\"",
                            def.unit_names[def.resource_unit[ri] as usize]
                        ),
                    )),
                    Some(ri) => {
                        def.resource_unit[ri] = ix;
                        res.push(ri as u16);
                    }
                    None => errs.push(
                        ScenarioError::new(
                            p.key("resources").index(k),
                            format!("unknown resource \"{r}\""),
                        )
                        .hint(format!(
                            "known: {}",
                            join(&s.resources.keys().collect::<Vec<_>>())
                        )),
                    ),
                }
            }
            if let Some(rp) = &u.resume
                && !s.pathways.contains_key(rp.as_str())
            {
                errs.push(ScenarioError::new(
                    p.key("resume"),
                    format!("unknown pathway \"{rp}\""),
                ));
            }
            def.unit_names.push(name.clone());
            def.unit_kinds.push(kind);
            def.unit_resume.push(u.resume.clone());
            def.unit_resources.push(res);
        }
        for (class, unit) in &h.arrival_unit {
            let p = path!["history", "arrival_unit", class];
            let Some(ci) = classes.iter().position(|k| *k == class) else {
                errs.push(
                    ScenarioError::new(p, format!("unknown arrival class \"{class}\""))
                        .hint(format!("known: {}", join(&classes))),
                );
                continue;
            };
            match def.unit_names.iter().position(|n| n == unit) {
                Some(u) => def.arrival_unit[ci] = u as u16,
                None => errs.push(
                    ScenarioError::new(p, format!("unknown unit \"{unit}\""))
                        .hint("declare it under [history.units]"),
                ),
            }
        }
        for (i, ms) in milestones.iter().enumerate() {
            if let Some(e) = Event::parse(ms).filter(|e| e.loggable_milestone()) {
                def.milestone_event[i] = e.index();
            }
        }
        for (ms, ev) in &h.events {
            let p = path!["history", "events", ms];
            let Some(i) = milestones.iter().position(|m| m == ms) else {
                errs.push(
                    ScenarioError::new(p, format!("no step marks milestone \"{ms}\""))
                        .hint("the keys are milestones set by `mark` in the pathways"),
                );
                continue;
            };
            match Event::parse(ev) {
                Some(e) if !e.loggable_milestone() => errs.push(
                    ScenarioError::new(
                        p,
                        format!("\"{ev}\" is written by the simulator itself"),
                    )
                    .hint("arrival, admit, transfer, theatre start and departures come from units and exit routes; a milestone may be `cancelled`"),
                ),
                Some(e) => def.milestone_event[i] = e.index(),
                None => errs.push(
                    ScenarioError::new(p, format!("unknown event \"{ev}\""))
                        .hint(format!("one of {}", super::event_names())),
                ),
            }
        }
        def
    }

    /// Index of a unit by name.
    pub fn unit(&self, name: &str) -> Option<u16> {
        self.unit_names
            .iter()
            .position(|n| n == name)
            .map(|u| u as u16)
    }
}

fn join(names: &[&String]) -> String {
    names
        .iter()
        .take(12)
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

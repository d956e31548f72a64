//! The scenario schema: what a scenario file may contain, as serde types.
//!
//! These types only describe the document. Cross-references, sums of probabilities
//! and the like are checked by [`crate::compile`], which reports the field path of
//! every mistake so that the CLI can point at the line in the file.

use crate::dist::DistSpec;
use crate::duration::Duration;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod drill;
mod step;
pub use drill::*;
pub use step::*;

/// A whole scenario: a hospital, its patients and what to measure.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Human-readable name, used for the default output folder.
    pub name: String,
    /// Free text shown in reports.
    #[serde(default)]
    pub description: Option<String>,
    /// Clock, horizon, replications and seed.
    pub sim: SimSpec,
    /// Staffing patterns by hour of week, referenced by resources.
    #[serde(default)]
    pub rosters: IndexMap<String, RosterSpec>,
    /// Staff, beds, rooms and equipment (none: a model of delays only).
    #[serde(default)]
    pub resources: IndexMap<String, ResourceSpec>,
    /// Patient classes and how they arrive.
    pub arrivals: IndexMap<String, ArrivalSpec>,
    /// The care pathways patients follow.
    pub pathways: IndexMap<String, PathwaySpec>,
    /// Indicators to report.
    #[serde(default)]
    pub kpis: IndexMap<String, KpiSpec>,
    /// A crisis drill: events that strike the hospital and the responses to them.
    #[serde(default)]
    pub drill: Option<DrillSpec>,
    /// Stocked items (drugs, consumables, blood products) and their reorder policies.
    #[serde(default)]
    pub items: IndexMap<String, ItemSpec>,
    /// How the model maps onto an event log: units, events, logged classes.
    #[serde(default)]
    pub history: Option<crate::history::HistorySpec>,
}

/// The JSON Schema of a scenario file (draft 2020-12): every table and field,
/// their types and documentation, so that an editor (taplo, Even Better
/// TOML) completes field names and flags mistakes as a modeller types. The
/// keys read before the document is parsed (`extends`, `remove`) are in it
/// too.
///
/// ```
/// let schema = hospsim_sim::scenario::json_schema();
/// let text = serde_json::to_string(&schema).unwrap();
/// assert!(text.contains("\"resources\"") && text.contains("\"extends\""));
/// ```
pub fn json_schema() -> serde_json::Value {
    use serde_json::{Value, json};
    let mut full = serde_json::to_value(schemars::schema_for!(Scenario)).unwrap_or(Value::Null);
    let Some(root) = full.as_object_mut() else {
        return Value::Null;
    };
    if let Some(props) = root.get_mut("properties").and_then(|p| p.as_object_mut()) {
        props.insert(
            "extends".into(),
            json!({
                "type": "string",
                "description": "Path of a scenario this one builds on, relative to this file"
            }),
        );
        props.insert(
            "remove".into(),
            json!({
                "type": "array",
                "items": { "type": "string" },
                "description": "Dotted paths of what the extended scenario has and this one takes out, e.g. \"pathways.critical_phone\""
            }),
        );
    }
    let defs = root.remove("$defs").unwrap_or_else(|| json!({}));
    let header: Vec<(String, Value)> = ["$schema", "title", "description"]
        .iter()
        .filter_map(|k| root.remove(*k).map(|v| (k.to_string(), v)))
        .collect();
    let whole = Value::Object(root.clone());
    // A variant (`extends`) states only what it changes, at any depth: it is
    // checked against the same tables with nothing required.
    let partial = |v: &Value| {
        let mut v = v.clone();
        relax(&mut v);
        v
    };
    let mut all_defs = serde_json::Map::new();
    if let Some(d) = defs.as_object() {
        for (name, def) in d {
            all_defs.insert(name.clone(), def.clone());
            all_defs.insert(format!("Partial{name}"), partial(def));
        }
    }
    let mut out = serde_json::Map::new();
    for (k, v) in header {
        out.insert(k, v);
    }
    out.insert("title".into(), json!("hospsim scenario"));
    out.insert("if".into(), json!({ "required": ["extends"] }));
    out.insert("then".into(), partial(&whole));
    out.insert("else".into(), whole);
    out.insert("$defs".into(), Value::Object(all_defs));
    Value::Object(out)
}

/// Takes every `required` out of a schema and points its references at the
/// partial definitions.
fn relax(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.remove("required");
            if let Some(serde_json::Value::String(r)) = m.get_mut("$ref")
                && let Some(name) = r.strip_prefix("#/$defs/")
            {
                *r = format!("#/$defs/Partial{name}");
            }
            m.values_mut().for_each(relax);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(relax),
        _ => {}
    }
}

/// A stocked item: its store's stock, reorder policy, supplier lead time,
/// shelf life and what a step does when it is out of stock.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemSpec {
    /// Display name.
    #[serde(default)]
    pub label: Option<String>,
    /// Value of one unit (for the average stock value).
    #[serde(default)]
    pub unit_cost: f64,
    /// Units on hand at the start.
    pub initial: u32,
    /// Reorder point s (order when the inventory position is at or below it).
    pub reorder_point: u32,
    /// (s, S) policy: order up to this inventory position.
    #[serde(default)]
    pub order_up_to: Option<u32>,
    /// (R, Q) policy: order this many (as often as needed to rise above R).
    #[serde(default)]
    pub order_quantity: Option<u32>,
    /// Periodic review every this long (at multiples from Monday 00:00);
    /// without it the review is continuous (after every use).
    #[serde(default)]
    pub review_every: Option<Duration>,
    /// Supplier lead time from order to delivery.
    pub lead_time: DistSpec,
    /// Shelf life from delivery; expired units are discarded (first expiry first out).
    #[serde(default)]
    pub shelf_life: Option<Duration>,
    /// Out of stock: "wait" for a delivery (default), "substitute" another item,
    /// or "skip" (proceed; recorded as a missed dose).
    #[serde(default)]
    pub on_stockout: Option<String>,
    /// With `on_stockout = "substitute"`: the item used instead.
    #[serde(default)]
    pub substitute: Option<String>,
    /// Forecast-driven ordering: at each periodic review the order-up-to level
    /// is the smoothed demand forecast over `cover` plus safety stock.
    #[serde(default)]
    pub forecast: Option<ForecastPolicySpec>,
}

/// A forecast-driven order-up-to level (needs `review_every`).
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForecastPolicySpec {
    /// Weight of the latest review period in the smoothed demand rate (0-1].
    pub smoothing: f64,
    /// Demand to cover: usually the review period plus the lead time.
    pub cover: Duration,
    /// Safety stock in standard deviations of the forecast error over `cover`.
    #[serde(default)]
    pub safety_factor: f64,
}

/// Run settings: the calendar start, horizon, warm-up, replications and seed.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SimSpec {
    /// Calendar start, `YYYY-MM-DDTHH:MM`; fixes hour of day and day of week.
    #[serde(default = "default_start")]
    pub start: String,
    /// IANA time zone of the hospital (`Europe/London`): timestamps with `Z` or
    /// an offset are turned into its wall-clock time. None: every timestamp is
    /// wall-clock time as written, and one with an offset is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Simulated time per replication, warm-up included.
    pub horizon: Duration,
    /// Initial period excluded from statistics.
    #[serde(default = "zero_duration")]
    pub warmup: Duration,
    /// Number of independent replications.
    #[serde(default = "default_reps")]
    pub replications: u32,
    /// Master seed; every random stream is derived from it.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Spacing of the time-series samples.
    #[serde(default = "default_sample")]
    pub sample_interval: Duration,
}

fn default_start() -> String {
    "2025-01-06T00:00".into()
}
fn zero_duration() -> Duration {
    Duration::from_minutes(0.0)
}
fn default_reps() -> u32 {
    20
}
fn default_seed() -> u64 {
    1
}
fn default_sample() -> Duration {
    Duration::from_minutes(60.0)
}

/// Capacity by hour of week. Give either `hour_of_week` (168 values, Monday 00:00
/// first) or `weekday` (24 values, Mon-Fri) with optional `weekend` (24, Sat-Sun).
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RosterSpec {
    /// 168 hourly capacities starting Monday 00:00.
    #[serde(default)]
    pub hour_of_week: Option<Vec<u32>>,
    /// 24 hourly capacities for Monday to Friday.
    #[serde(default)]
    pub weekday: Option<Vec<u32>>,
    /// 24 hourly capacities for Saturday and Sunday (defaults to `weekday`).
    #[serde(default)]
    pub weekend: Option<Vec<u32>>,
    /// Multiplies every value (rounded to whole units): a staffing knob for sweeps.
    #[serde(default = "one")]
    pub scale: f64,
}

fn one() -> f64 {
    1.0
}

/// How a resource orders its waiting patients.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum QueueDiscipline {
    /// First come, first served.
    Fifo,
    /// By priority (1 most urgent), first come first served within a priority.
    #[default]
    Priority,
}

/// A pool of identical units: staff, beds, rooms, equipment.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceSpec {
    /// Fixed number of units, or `"unlimited"` (give this or `roster`).
    #[serde(default)]
    pub capacity: Option<CapacitySpec>,
    /// Name of a roster giving capacity by hour of week.
    #[serde(default)]
    pub roster: Option<String>,
    /// Queue discipline.
    #[serde(default)]
    pub queue: QueueDiscipline,
    /// Priorities that may take a unit from a less urgent patient in service.
    #[serde(default)]
    pub preempt: Vec<u8>,
    /// Display name.
    #[serde(default)]
    pub label: Option<String>,
    /// The department whose card shows this resource on the report's first
    /// screen: `ed`, `laboratory`, `imaging`, `theatres`, `icu`, `wards`,
    /// `supplies`, or a name of your own (lower-case letters, digits, `_`);
    /// `other` when not given.
    #[serde(default)]
    pub department: Option<String>,
    /// Time a unit stays unavailable after each release (bed cleaning,
    /// ventilator reprocessing, theatre turnover).
    #[serde(default)]
    pub turnaround: Option<DistSpec>,
    /// Random failures: time between failures and repair time.
    #[serde(default)]
    pub breakdowns: Option<BreakdownSpec>,
    /// Weekly planned downtime (maintenance, calibration, quality control).
    #[serde(default)]
    pub maintenance: Vec<MaintenanceSpec>,
}

/// A fixed capacity: a whole number of units, or `"unlimited"`, for
/// measuring unconstrained demand (no patient ever waits for the resource;
/// its occupancy distribution is the demand for units).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapacitySpec {
    /// This many units.
    Units(u32),
    /// As many units as patients ask for.
    Unlimited,
}

impl schemars::JsonSchema for CapacitySpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Capacity".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A whole number of units (1 to 1000000), or \"unlimited\"",
            "oneOf": [
                { "type": "integer", "minimum": 1, "maximum": crate::limits::MAX_CAPACITY },
                { "const": "unlimited" }
            ]
        })
    }
}

impl Serialize for CapacitySpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CapacitySpec::Units(n) => s.serialize_u32(*n),
            CapacitySpec::Unlimited => s.serialize_str("unlimited"),
        }
    }
}

impl<'de> Deserialize<'de> for CapacitySpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        const EXPECTED: &str = "a whole number of units or \"unlimited\"";
        impl serde::de::Visitor<'_> for V {
            type Value = CapacitySpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(EXPECTED)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
                u32::try_from(v).map(CapacitySpec::Units).map_err(|_| {
                    E::custom(format!("capacity {v} is far more units than any hospital has; for no limit write \"unlimited\""))
                })
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::custom(format!(
                        "capacity must be a whole number of units, not negative ({v})"
                    ))),
                }
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Err(E::custom(format!(
                    "capacity must be a whole number of units, got {v}"
                )))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.trim().eq_ignore_ascii_case("unlimited") {
                    Ok(CapacitySpec::Unlimited)
                } else {
                    Err(E::custom(format!("expected {EXPECTED}, got \"{v}\"")))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// Random failures of a resource (MTBF / MTTR).
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakdownSpec {
    /// Time from a repair to the next failure (calendar time).
    pub time_between: DistSpec,
    /// Time to repair.
    pub repair: DistSpec,
    /// Units that fail together (default 1).
    #[serde(default)]
    pub units: Option<u32>,
}

/// A weekly planned downtime window.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceSpec {
    /// Day of week (Mon..Sun).
    pub day: String,
    /// Start time of day, HH:MM.
    pub time: String,
    /// Length of the window.
    pub duration: Duration,
    /// Units taken down (default 1).
    #[serde(default)]
    pub units: Option<u32>,
}

/// A patient class: how many arrive when, with which acuity, into which pathway.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArrivalSpec {
    /// Pathway the patients start in.
    pub pathway: String,
    /// Mean arrivals per day (Poisson), shaped by `hourly_shape` and `weekday_factor`.
    #[serde(default)]
    pub per_day: Option<f64>,
    /// 24 relative weights of the hours of the day.
    #[serde(default)]
    pub hourly_shape: Option<Vec<f64>>,
    /// 7 relative factors Monday..Sunday.
    #[serde(default)]
    pub weekday_factor: Option<Vec<f64>>,
    /// Absolute rates per hour instead of `per_day`: 24 values (a daily
    /// profile, 00:00 first, the same every day) or 168 (the hours of the
    /// week, Monday 00:00 first).
    #[serde(default)]
    pub rates_per_hour: Option<Vec<f64>>,
    /// False switches the class off (no one arrives), so that a variant can
    /// drop a patient group without touching its pathway.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    /// Scheduled arrivals repeating every week.
    #[serde(default)]
    pub weekly: Option<Vec<WeeklySlot>>,
    /// Scheduled arrivals at fixed timestamps `YYYY-MM-DDTHH:MM`.
    #[serde(default)]
    pub at: Option<Vec<String>>,
    /// A CSV case list (`time` column, optional `count`), read by the hospsim
    /// CLI into `at` (a program using the library fills `at` itself).
    #[serde(default)]
    pub cases: Option<String>,
    /// Acuity mix, keys "1".."5" (1 most urgent); defaults to all acuity 3.
    #[serde(default)]
    pub acuity: Option<BTreeMap<String, f64>>,
    /// Attributes drawn for each patient at arrival, each a mix of values:
    /// `destination = { rehab = 0.24, esd = 0.13, home = 0.63 }`. A later
    /// `route_by` or `duration_by` reads them, so that a stay can depend on
    /// where the patient goes after it.
    #[serde(default)]
    pub attributes: Option<BTreeMap<String, BTreeMap<String, f64>>>,
    /// Stop after this many arrivals (benchmarks, fixed cohorts).
    #[serde(default)]
    pub max_arrivals: Option<u64>,
}

/// `count` patients arriving every week on `day` at `time`.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklySlot {
    /// Day of week: Mon, Tue, Wed, Thu, Fri, Sat, Sun.
    pub day: String,
    /// Time of day `HH:MM`.
    pub time: String,
    /// Patients arriving at that moment.
    #[serde(default = "one_u32")]
    pub count: u32,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn one_u32() -> u32 {
    1
}

/// A pathway: an ordered list of steps.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PathwaySpec {
    /// Display name.
    #[serde(default)]
    pub label: Option<String>,
    /// The steps, run in order.
    pub steps: Vec<StepSpec>,
}

/// An indicator to report. Durations use `from`/`to`; counts use one of
/// `share_exiting`, `share_reaching`, `per_day_reaching`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KpiSpec {
    /// Display name.
    #[serde(default)]
    pub label: Option<String>,
    /// The department whose card shows this KPI (as for resources).
    #[serde(default)]
    pub department: Option<String>,
    /// Start milestone of a duration KPI (`arrival` is built in).
    #[serde(default)]
    pub from: Option<String>,
    /// End milestone of a duration KPI (`departure` is built in).
    #[serde(default)]
    pub to: Option<String>,
    /// Share of departing patients leaving by this route.
    #[serde(default)]
    pub share_exiting: Option<String>,
    /// Share of departing patients that passed this milestone.
    #[serde(default)]
    pub share_reaching: Option<String>,
    /// Denominator of a share KPI: "departures" (patients who left after
    /// arriving past the warm-up, the default) or "arrivals" (every patient
    /// who arrived past the warm-up, those still in hospital included).
    #[serde(default)]
    pub of: Option<String>,
    /// Patients passing this milestone per day.
    #[serde(default)]
    pub per_day_reaching: Option<String>,
    /// Patients passing this milestone per replication (after the warm-up):
    /// the count of a terminating run, such as a clinic day.
    #[serde(default)]
    pub per_run_reaching: Option<String>,
    /// Target time for a duration KPI.
    #[serde(default)]
    pub within: Option<Duration>,
    /// Share of patients that should meet `within`.
    #[serde(default)]
    pub target_share: Option<f64>,
    /// Upper target for a count KPI (e.g. LWBS rate at most 0.05).
    #[serde(default)]
    pub max: Option<f64>,
    /// Lower target for a count KPI.
    #[serde(default)]
    pub min: Option<f64>,
    /// Percentiles to report for a duration KPI (default 50, 90, 95).
    #[serde(default)]
    pub percentiles: Option<Vec<f64>>,
    /// Display unit of a duration KPI: min, h or d (default min).
    #[serde(default)]
    pub unit: Option<String>,
    /// Only these patient classes.
    #[serde(default)]
    pub classes: Option<Vec<String>>,
    /// Only these acuities.
    #[serde(default)]
    pub acuity: Option<Vec<u8>>,
    /// Only patients with these attribute values, e.g.
    /// `{ destination = ["rehab"] }`.
    #[serde(default)]
    pub attributes: Option<BTreeMap<String, Vec<String>>>,
}

//! Steps of a pathway: the flat form a scenario file writes ([`StepSpec`],
//! one table whose keys say what the step does) and the typed form the
//! compiler works from ([`Step`], one variant per kind with only the fields
//! that kind may carry).
//!
//! The file form stays one flat struct so that serde refuses unknown keys and
//! a step with two kinds or a field of another kind gets a sentence of its
//! own ("a step does one thing, but this one has seize and exit") rather
//! than the "data did not match any variant" an untagged enum would give.

use crate::dist::DistSpec;
use crate::duration::Duration;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A request priority: `"acuity"` (the patient's acuity) or a fixed number.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum PrioritySpec {
    /// A fixed priority, 1 most urgent.
    Fixed(u8),
    /// The word `acuity`.
    Named(String),
}

/// Resources to release: a list of names, or the word `"all"`.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum ReleaseSpec {
    /// A single name or `"all"`.
    One(String),
    /// Several names.
    Many(Vec<String>),
}

/// One way out of a `branch` step.
#[derive(Clone, Debug, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BranchOption {
    /// Pathway to continue in.
    pub to: String,
    /// Probability for every patient.
    #[serde(default)]
    pub p: Option<f64>,
    /// Probability by acuity 1..5 (five values).
    #[serde(default)]
    pub p_by_acuity: Option<Vec<f64>>,
}

/// One step of a pathway. Exactly one of the *kind* keys is set: `seize`, `release`,
/// `activity`, `branch`, `route_by`, `fork`, `join`, `goto`, `exit`, or only `mark`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    /// Take these resources and keep them until released (waits until all are free).
    #[serde(default)]
    pub seize: Option<Vec<String>>,
    /// Give back held resources; releasing one not held does nothing.
    #[serde(default)]
    pub release: Option<ReleaseSpec>,
    /// An activity: seize `use`, spend `duration`, release `use`.
    #[serde(default)]
    pub activity: Option<String>,
    /// Resources the activity needs for its duration.
    #[serde(default, rename = "use")]
    pub use_: Option<Vec<String>>,
    /// Duration of the activity.
    #[serde(default)]
    pub duration: Option<DistSpec>,
    /// Duration by acuity, keys "1".."5"; `duration` is the fallback.
    #[serde(default)]
    pub duration_by_acuity: Option<BTreeMap<String, DistSpec>>,
    /// Duration by patient class; `duration` is the fallback.
    #[serde(default)]
    pub duration_by_class: Option<BTreeMap<String, DistSpec>>,
    /// What selects the duration from `durations`: "acuity", "class", or an
    /// attribute drawn at arrival (`[arrivals.X.attributes]`), such as where
    /// the patient goes next.
    #[serde(default)]
    pub duration_by: Option<String>,
    /// With `duration_by`: value -> duration; `duration` is the fallback.
    #[serde(default)]
    pub durations: Option<BTreeMap<String, DistSpec>>,
    /// Instead of a duration: wait until a clock time drawn from these 24 relative
    /// weights of the hours 00:00..23:00 (today if still ahead, else tomorrow);
    /// e.g. the discharge time of day.
    #[serde(default)]
    pub until_hour: Option<Vec<f64>>,
    /// Queue priority for `seize`/`use`: "acuity" (default) or a number.
    #[serde(default)]
    pub priority: Option<PrioritySpec>,
    /// How long a patient waits for the resources before leaving.
    #[serde(default)]
    pub patience: Option<DistSpec>,
    /// Patience by acuity, keys "1".."5"; acuities not listed wait forever.
    #[serde(default)]
    pub patience_by_acuity: Option<BTreeMap<String, DistSpec>>,
    /// Exit route of a patient whose patience runs out (default `left_unseen`).
    #[serde(default)]
    pub on_renege: Option<String>,
    /// Milestone recorded when the step starts (first time only).
    #[serde(default)]
    pub mark: Option<String>,
    /// Random choice of the next pathway.
    #[serde(default)]
    pub branch: Option<Vec<BranchOption>>,
    /// Attribute to route on: "acuity", "class", or an attribute drawn at
    /// arrival (`[arrivals.X.attributes]`).
    #[serde(default)]
    pub route_by: Option<String>,
    /// With `route_by`: attribute value -> pathway.
    #[serde(default)]
    pub routes: Option<BTreeMap<String, String>>,
    /// With `route_by`: pathway for values not listed.
    #[serde(default)]
    pub default: Option<String>,
    /// Run these pathways in parallel and continue when all are done.
    #[serde(default)]
    pub fork: Option<Vec<String>>,
    /// With `fork`: false lets the patient go on at once; a later `join` waits.
    #[serde(default)]
    pub wait: Option<bool>,
    /// `join = true`: wait until every branch started by earlier forks is back.
    #[serde(default)]
    pub join: Option<bool>,
    /// Continue in another pathway.
    #[serde(default)]
    pub goto: Option<String>,
    /// Leave the hospital by this route.
    #[serde(default)]
    pub exit: Option<String>,
    /// For `seize`: resources to take instead when the first choice is full
    /// (a medical patient in a surgical bed); the patient queues for the first
    /// choice only when every alternative is full too.
    #[serde(default)]
    pub alternatives: Option<Vec<String>>,
    /// Milestone recorded when an alternative was taken (e.g. "outlier").
    #[serde(default)]
    pub mark_alternative: Option<String>,
    /// Join a batch (an analyser run, a porter's round): patients wait at the
    /// named batch point until a run starts, then spend `duration` together.
    #[serde(default)]
    pub batch: Option<String>,
    /// With `batch`: a run starts as soon as this many wait (and takes at most this many).
    #[serde(default)]
    pub size: Option<u32>,
    /// With `batch`: a run also starts at every multiple of this period (from
    /// Monday 00:00) when anyone waits.
    #[serde(default)]
    pub every: Option<Duration>,
    /// Use units of a stocked item (see `[items]`).
    #[serde(default)]
    pub consume: Option<String>,
    /// With `consume`: a fixed number of units (default 1).
    #[serde(default)]
    pub quantity: Option<u32>,
    /// With `consume`: a Poisson number of units with this mean, instead of `quantity`.
    #[serde(default)]
    pub quantity_mean: Option<f64>,
    /// Count a per-patient counter up by one (retry loops: call attempts).
    #[serde(default)]
    pub count: Option<String>,
    /// With `count`: the count at which the patient goes to `on_limit`.
    #[serde(default)]
    pub limit: Option<u32>,
    /// With `count`: the pathway taken when the count reaches `limit`.
    #[serde(default)]
    pub on_limit: Option<String>,
}

/// A step as the compiler sees it: what it does, with the fields of that
/// kind. Made by [`StepSpec::typed`].
#[derive(Clone, Copy, Debug)]
pub enum Step<'a> {
    /// Only `mark`: record a milestone.
    Mark,
    /// Take resources and keep them until released.
    Seize(Seize<'a>),
    /// Give back held resources.
    Release(&'a ReleaseSpec),
    /// Spend a duration, holding resources for it when it has `use`.
    Activity(Activity<'a>),
    /// A random choice of the next pathway.
    Branch(&'a [BranchOption]),
    /// The next pathway by acuity or class.
    RouteBy(RouteBy<'a>),
    /// Parallel branches.
    Fork(Fork<'a>),
    /// Wait for the branches of earlier forks (`join = true`; `false` is an error).
    Join(bool),
    /// Continue in another pathway.
    Goto(&'a str),
    /// Leave the hospital by this route.
    Exit(&'a str),
    /// Count a per-patient counter up, leaving for `on_limit` at the limit.
    Count(Count<'a>),
    /// Wait for a batch run.
    Batch(Batch<'a>),
    /// Use units of a stocked item.
    Consume(Consume<'a>),
}

/// How a patient queues for resources: by `seize` or an activity's `use`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Queueing<'a> {
    /// Queue priority ("acuity" when absent).
    pub priority: Option<&'a PrioritySpec>,
    /// How long a patient waits before leaving.
    pub patience: Option<&'a DistSpec>,
    /// Patience by acuity, keys "1".."5".
    pub patience_by_acuity: Option<&'a BTreeMap<String, DistSpec>>,
    /// Exit route or pathway of a patient whose patience runs out.
    pub on_renege: Option<&'a str>,
}

/// A `seize` step.
#[derive(Clone, Copy, Debug)]
pub struct Seize<'a> {
    /// The resources taken together.
    pub resources: &'a [String],
    /// How the patient queues.
    pub queue: Queueing<'a>,
    /// Resources taken instead when the first choice is full.
    pub alternatives: Option<&'a [String]>,
    /// Milestone recorded when an alternative was taken.
    pub mark_alternative: Option<&'a str>,
}

/// How long an activity takes: a duration, one by acuity or by class, or a
/// clock hour to wait until.
#[derive(Clone, Copy, Debug, Default)]
pub struct Durations<'a> {
    /// The duration, or the fallback of the tables.
    pub duration: Option<&'a DistSpec>,
    /// Duration by acuity, keys "1".."5".
    pub by_acuity: Option<&'a BTreeMap<String, DistSpec>>,
    /// Duration by patient class.
    pub by_class: Option<&'a BTreeMap<String, DistSpec>>,
    /// `duration_by`: what selects from `durations`.
    pub by: Option<&'a str>,
    /// `durations`: value -> duration.
    pub table: Option<&'a BTreeMap<String, DistSpec>>,
    /// 24 weights of the clock hour the activity ends at.
    pub until_hour: Option<&'a [f64]>,
}

/// An `activity` step.
#[derive(Clone, Copy, Debug)]
pub struct Activity<'a> {
    /// The activity's name (what drills and reports call it).
    pub name: &'a str,
    /// Resources held for its duration.
    pub uses: Option<&'a [String]>,
    /// How long it takes.
    pub durations: Durations<'a>,
    /// How the patient queues for `uses`.
    pub queue: Queueing<'a>,
}

/// A `route_by` step.
#[derive(Clone, Copy, Debug)]
pub struct RouteBy<'a> {
    /// "acuity", "class" or an attribute's name.
    pub attribute: &'a str,
    /// Attribute value -> pathway.
    pub routes: Option<&'a BTreeMap<String, String>>,
    /// Pathway for values not listed.
    pub default: Option<&'a str>,
}

/// A `fork` step.
#[derive(Clone, Copy, Debug)]
pub struct Fork<'a> {
    /// The pathways run in parallel.
    pub pathways: &'a [String],
    /// Whether the patient waits for them here (default true).
    pub wait: bool,
}

/// A `count` step.
#[derive(Clone, Copy, Debug)]
pub struct Count<'a> {
    /// The counter's name.
    pub counter: &'a str,
    /// The count at which the patient leaves for `on_limit`.
    pub limit: Option<u32>,
    /// The pathway taken at the limit.
    pub on_limit: Option<&'a str>,
}

/// A `batch` step.
#[derive(Clone, Copy, Debug)]
pub struct Batch<'a> {
    /// The batch point's name.
    pub point: &'a str,
    /// The one resource a run takes a unit of.
    pub uses: Option<&'a [String]>,
    /// Start a run when this many wait.
    pub size: Option<u32>,
    /// Start a run on every tick of this clock.
    pub every: Option<Duration>,
    /// The duration of a run.
    pub duration: Option<&'a DistSpec>,
}

/// A `consume` step.
#[derive(Clone, Copy, Debug)]
pub struct Consume<'a> {
    /// The stocked item.
    pub item: &'a str,
    /// A fixed number of units.
    pub quantity: Option<u32>,
    /// A Poisson number of units with this mean.
    pub quantity_mean: Option<f64>,
}

/// Why a [`StepSpec`] is not one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepShape {
    /// No kind key and no `mark`.
    Nothing,
    /// More than one kind key.
    Several(Vec<&'static str>),
}

/// The keys that say what a step does, in the order errors list them.
const KINDS: [&str; 12] = [
    "seize", "release", "activity", "branch", "route_by", "fork", "join", "goto", "exit", "count",
    "batch", "consume",
];

impl StepSpec {
    /// The kind keys this step sets (one for a well-formed step, none for a
    /// step with only `mark`).
    pub fn kinds(&self) -> Vec<&'static str> {
        let set = [
            self.seize.is_some(),
            self.release.is_some(),
            self.activity.is_some(),
            self.branch.is_some(),
            self.route_by.is_some(),
            self.fork.is_some(),
            self.join.is_some(),
            self.goto.is_some(),
            self.exit.is_some(),
            self.count.is_some(),
            self.batch.is_some(),
            self.consume.is_some(),
        ];
        KINDS
            .iter()
            .zip(set)
            .filter(|(_, on)| *on)
            .map(|(k, _)| *k)
            .collect()
    }

    /// What the step does, as the name errors and loop descriptions use.
    pub fn kind_name(&self) -> &'static str {
        self.kinds().first().copied().unwrap_or("mark")
    }

    /// The typed step, and the fields set that its kind gives no meaning to
    /// (in the order errors list them); or why it is not one step.
    pub fn typed(&self) -> Result<(Step<'_>, Vec<&'static str>), StepShape> {
        let kinds = self.kinds();
        if kinds.len() > 1 {
            return Err(StepShape::Several(kinds));
        }
        let queue = Queueing {
            priority: self.priority.as_ref(),
            patience: self.patience.as_ref(),
            patience_by_acuity: self.patience_by_acuity.as_ref(),
            on_renege: self.on_renege.as_deref(),
        };
        let uses = self.use_.as_deref();
        let (step, allowed): (Step<'_>, &[&str]) = match kinds.first().copied() {
            None if self.mark.is_some() => (Step::Mark, &[]),
            None => return Err(StepShape::Nothing),
            Some("seize") => (
                Step::Seize(Seize {
                    resources: self.seize.as_deref().unwrap_or_default(),
                    queue,
                    alternatives: self.alternatives.as_deref(),
                    mark_alternative: self.mark_alternative.as_deref(),
                }),
                &[
                    "priority",
                    "patience",
                    "patience_by_acuity",
                    "on_renege",
                    "alternatives",
                    "mark_alternative",
                ],
            ),
            Some("activity") => (
                Step::Activity(Activity {
                    name: self.activity.as_deref().unwrap_or_default(),
                    uses,
                    durations: Durations {
                        duration: self.duration.as_ref(),
                        by_acuity: self.duration_by_acuity.as_ref(),
                        by_class: self.duration_by_class.as_ref(),
                        by: self.duration_by.as_deref(),
                        table: self.durations.as_ref(),
                        until_hour: self.until_hour.as_deref(),
                    },
                    queue,
                }),
                &[
                    "use",
                    "duration",
                    "duration_by_acuity",
                    "duration_by_class",
                    "duration_by",
                    "durations",
                    "until_hour",
                    "priority",
                    "patience",
                    "patience_by_acuity",
                    "on_renege",
                ],
            ),
            Some("route_by") => (
                Step::RouteBy(RouteBy {
                    attribute: self.route_by.as_deref().unwrap_or_default(),
                    routes: self.routes.as_ref(),
                    default: self.default.as_deref(),
                }),
                &["routes", "default"],
            ),
            Some("fork") => (
                Step::Fork(Fork {
                    pathways: self.fork.as_deref().unwrap_or_default(),
                    wait: self.wait.unwrap_or(true),
                }),
                &["wait"],
            ),
            Some("count") => (
                Step::Count(Count {
                    counter: self.count.as_deref().unwrap_or_default(),
                    limit: self.limit,
                    on_limit: self.on_limit.as_deref(),
                }),
                &["limit", "on_limit"],
            ),
            Some("batch") => (
                Step::Batch(Batch {
                    point: self.batch.as_deref().unwrap_or_default(),
                    uses,
                    size: self.size,
                    every: self.every,
                    duration: self.duration.as_ref(),
                }),
                &["use", "size", "every", "duration"],
            ),
            Some("consume") => (
                Step::Consume(Consume {
                    item: self.consume.as_deref().unwrap_or_default(),
                    quantity: self.quantity,
                    quantity_mean: self.quantity_mean,
                }),
                &["quantity", "quantity_mean"],
            ),
            Some("release") => match &self.release {
                Some(r) => (Step::Release(r), &[]),
                None => return Err(StepShape::Nothing),
            },
            Some("branch") => (
                Step::Branch(self.branch.as_deref().unwrap_or_default()),
                &[],
            ),
            Some("join") => (Step::Join(self.join.unwrap_or(true)), &[]),
            Some("goto") => (Step::Goto(self.goto.as_deref().unwrap_or_default()), &[]),
            Some(_) => (Step::Exit(self.exit.as_deref().unwrap_or_default()), &[]),
        };
        let misplaced = self
            .detail_fields()
            .into_iter()
            .filter(|(field, on)| *on && !allowed.contains(field))
            .map(|(field, _)| field)
            .collect();
        Ok((step, misplaced))
    }

    /// Every field that details a kind (all but the kind keys and `mark`,
    /// which any step may carry), and whether it is set.
    fn detail_fields(&self) -> [(&'static str, bool); 22] {
        [
            ("use", self.use_.is_some()),
            ("duration", self.duration.is_some()),
            ("duration_by_acuity", self.duration_by_acuity.is_some()),
            ("duration_by_class", self.duration_by_class.is_some()),
            ("duration_by", self.duration_by.is_some()),
            ("durations", self.durations.is_some()),
            ("until_hour", self.until_hour.is_some()),
            ("priority", self.priority.is_some()),
            ("patience", self.patience.is_some()),
            ("patience_by_acuity", self.patience_by_acuity.is_some()),
            ("on_renege", self.on_renege.is_some()),
            ("routes", self.routes.is_some()),
            ("default", self.default.is_some()),
            ("wait", self.wait.is_some()),
            ("alternatives", self.alternatives.is_some()),
            ("mark_alternative", self.mark_alternative.is_some()),
            ("limit", self.limit.is_some()),
            ("size", self.size.is_some()),
            ("quantity", self.quantity.is_some()),
            ("quantity_mean", self.quantity_mean.is_some()),
            ("every", self.every.is_some()),
            ("on_limit", self.on_limit.is_some()),
        ]
    }

    /// Every pathway this step may send a patient to, whatever its kind
    /// (`goto`, `branch`, `routes`, `default`, `on_limit`, and `on_renege` when
    /// it names no exit route); forks are not among them: a fork's pathways
    /// run as branches.
    pub fn pathway_targets<'a>(
        &'a self,
        exit_routes: &'a [&str],
    ) -> impl Iterator<Item = &'a String> {
        self.goto
            .iter()
            .chain(self.branch.iter().flatten().map(|b| &b.to))
            .chain(self.routes.iter().flat_map(|r| r.values()))
            .chain(self.default.iter())
            .chain(self.on_limit.iter())
            .chain(
                self.on_renege
                    .iter()
                    .filter(|r| !exit_routes.contains(&r.as_str())),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(text: &str) -> StepSpec {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn each_kind_gets_its_own_fields_and_the_others_are_named() {
        let st = step(
            "seize = [\"bed\"]\npatience = { fixed = \"2 h\" }\nduration = { fixed = \"1 h\" }\nsize = 3",
        );
        let (typed, misplaced) = st.typed().unwrap();
        let Step::Seize(seize) = typed else {
            panic!("{typed:?}")
        };
        assert_eq!(seize.resources, ["bed".to_string()]);
        assert!(seize.queue.patience.is_some() && seize.alternatives.is_none());
        assert_eq!(misplaced, ["duration", "size"]);
        let fork = step("fork = [\"a\", \"b\"]\nwait = false");
        let (typed, misplaced) = fork.typed().unwrap();
        assert!(matches!(typed, Step::Fork(Fork { wait: false, pathways }) if pathways.len() == 2));
        assert!(misplaced.is_empty());
        let mark = step("mark = \"seen\"");
        let (typed, _) = mark.typed().unwrap();
        assert!(matches!(typed, Step::Mark));
    }

    #[test]
    fn a_step_is_one_thing() {
        assert_eq!(
            step("seize = [\"bed\"]\nexit = \"home\"")
                .typed()
                .unwrap_err(),
            StepShape::Several(vec!["seize", "exit"])
        );
        assert_eq!(
            step("priority = 1").typed().unwrap_err(),
            StepShape::Nothing
        );
        assert_eq!(step("goto = \"ward\"").kind_name(), "goto");
        assert_eq!(step("mark = \"x\"").kind_name(), "mark");
    }
}

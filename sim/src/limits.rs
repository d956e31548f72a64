//! Limits on every size a scenario or a run option controls.
//!
//! Each is checked before anything it sizes is allocated or scheduled, and a
//! value past it is refused with the field, the value and the limit (never an
//! abort for want of memory, never a run that cannot end). They are far above
//! what a hospital model needs; `docs/scenario-reference.md` lists them.

/// Replications of one run (`sim.replications`, `--reps`).
pub const MAX_REPLICATIONS: u32 = 100_000;

/// Worker threads of one run (`--threads`); more than the cores never helps.
pub const MAX_THREADS: usize = 512;

/// Longest duration anywhere in a scenario, and the longest horizon: 100 years
/// in minutes.
pub const MAX_DURATION_MINUTES: f64 = 100.0 * 365.25 * 1440.0;

/// Time-series cells of one replication (sample times x resources): 4,000,000
/// cells are 48 MB per replication in flight.
pub const MAX_SAMPLE_CELLS: f64 = 4_000_000.0;

/// Mean arrivals per day of one Poisson class (`per_day`, `rates_per_hour` x 24,
/// an epidemic's admissions).
pub const MAX_ARRIVALS_PER_DAY: f64 = 1_000_000.0;

/// Patients of one slot of a weekly schedule, one row of a case list, or one
/// planned time.
pub const MAX_PATIENTS_PER_SLOT: u32 = 10_000;

/// Planned arrivals of one class (`at` times plus case-list rows, with counts).
pub const MAX_PLANNED_ARRIVALS: u64 = 1_000_000;

/// Patients of one drill surge.
pub const MAX_SURGE_PATIENTS: u32 = 100_000;

/// Population of an epidemic drill's catchment area.
pub const MAX_POPULATION: f64 = 100_000_000.0;

/// Parallel branches one `fork` step starts.
pub const MAX_FORK_BRANCHES: usize = 32;

/// Units of one resource (a capacity, a roster hour after `scale`, units
/// added by a drill response).
pub const MAX_CAPACITY: u32 = 1_000_000;

/// Patients and parallel branches in the hospital at once in one replication.
/// A run that reaches it is overloaded without end (arrivals far beyond what
/// the capacity can serve) and stops with an error instead of exhausting memory.
pub const MAX_LIVE_ENTITIES: usize = 1_000_000;

/// Jumps (goto, branch, route, count limit) one patient may make in one go,
/// at one instant, without waiting or spending time: the run-time guard
/// against a loop that goes round without time passing.
pub const MAX_JUMPS_PER_INSTANT: u32 = 100_000;

/// Shortest period of anything that repeats on its own (a batch clock, a stock
/// review, the mean time between breakdowns), in minutes (one second); a loop
/// in a pathway passes time only through an activity at least this long on
/// average.
pub const MIN_PERIOD_MINUTES: f64 = 1.0 / 60.0;

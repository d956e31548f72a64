//! The future event list's entries and the keyed random streams.

use rand_pcg::Pcg64Mcg;
use std::cmp::Ordering;

/// What an event is (its `a` and `b` say which resource, item, patient...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum EvKind {
    /// Patients of a class arrive (a = class, b = count).
    Arrival,
    /// A delay ends (a = patient, b = token).
    Resume,
    /// A waiting patient's patience runs out (a = patient, b = token).
    Renege,
    /// A roster boundary (b = 0) or a drill change (b = 1) of a resource (a).
    Capacity,
    /// A time-series sample of every resource.
    Sample,
    /// The end of the warm-up: statistics start.
    Warmup,
    /// A response with a time trigger fires (a = response).
    Response,
    /// A fired response takes effect, after its delay (a = response).
    Action,
    /// A response's effect on arrivals ends (a = response).
    ActionEnd,
    /// A resource unit's turnaround ends (a = resource).
    Turnaround,
    /// A resource fails (a = resource).
    Fail,
    /// A failed resource is repaired (a = resource).
    Repair,
    /// A weekly maintenance window starts (a = resource, b = window).
    MaintStart,
    /// A weekly maintenance window ends (a = resource, b = window).
    MaintEnd,
    /// A batch point's clock tick (a = point).
    BatchTick,
    /// A batch run ends (a = point, b = run slot).
    BatchDone,
    /// An order of an item arrives (a = item, b = units).
    Delivery,
    /// A periodic stock review (a = item).
    Review,
    /// Lots of an item reach their expiry (a = item).
    Expire,
}

/// Every kind, in the order of its byte in `seq_kind`.
const KINDS: [EvKind; 19] = [
    EvKind::Arrival,
    EvKind::Resume,
    EvKind::Renege,
    EvKind::Capacity,
    EvKind::Sample,
    EvKind::Warmup,
    EvKind::Response,
    EvKind::Action,
    EvKind::ActionEnd,
    EvKind::Turnaround,
    EvKind::Fail,
    EvKind::Repair,
    EvKind::MaintStart,
    EvKind::MaintEnd,
    EvKind::BatchTick,
    EvKind::BatchDone,
    EvKind::Delivery,
    EvKind::Review,
    EvKind::Expire,
];

/// Queue levels: priorities 1..=15, level 0 for FIFO resources.
pub(super) const LEVELS: usize = 16;

/// An event: 24 bytes. `seq_kind` holds the sequence number above the kind byte,
/// so ordering by `(time, seq_kind)` is ordering by `(time, sequence)`.
#[derive(Clone, Copy)]
pub(super) struct Ev {
    pub(super) time_bits: u64,
    pub(super) seq_kind: u64,
    pub(super) a: u32,
    pub(super) b: u32,
}

impl Ev {
    pub(super) fn time(&self) -> f64 {
        f64::from_bits(self.time_bits)
    }
    pub(super) fn kind(&self) -> EvKind {
        KINDS[(self.seq_kind as u8) as usize]
    }
    /// One 128-bit key: a single wide comparison is cheaper than a tuple's two.
    #[inline(always)]
    fn key(&self) -> u128 {
        ((self.time_bits as u128) << 64) | self.seq_kind as u128
    }
}

impl PartialEq for Ev {
    fn eq(&self, o: &Self) -> bool {
        self.key() == o.key()
    }
}
impl Eq for Ev {}
impl PartialOrd for Ev {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Ev {
    /// Reversed so that the heap (a max-heap) pops the earliest event; times are
    /// non-negative, so their bit patterns order like the numbers.
    fn cmp(&self, o: &Self) -> Ordering {
        o.key().cmp(&self.key())
    }
}

#[inline]
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

/// The part of a stream key shared by every stream of one class in one
/// replication; computed once per class so that a patient's stream costs two mixes.
pub fn stream_base(seed: u64, rep: u32, key: u64) -> u64 {
    mix(seed ^ mix(rep as u64 ^ mix(key)))
}

/// The generator of stream `index` under `base` (see [`stream_base`]). SplitMix64
/// finalisers make streams for neighbouring keys unrelated.
#[inline]
pub fn stream_at(base: u64, index: u64) -> Pcg64Mcg {
    let a = mix(base ^ mix(index));
    let b = mix(a ^ 0x5851f42d4c957f2d);
    Pcg64Mcg::new(((a as u128) << 64) | b as u128)
}

/// Seeds a generator from a key tuple (seed, replication, class key, index).
pub fn stream(seed: u64, rep: u32, key: u64, index: u64) -> Pcg64Mcg {
    stream_at(stream_base(seed, rep, key), index)
}

/// Key of the random streams of a projection's census patients.
pub(crate) const CENSUS_STREAM: u64 = 0x6365_6e73_7573; // "census"

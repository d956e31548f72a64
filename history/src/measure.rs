//! Measures of a log, computed the same way on a real log and on a simulated one,
//! so that `validate` compares like with like.

use crate::visits::{StayEnd, Visits};
use hospsim_sim::history::{Event, UnitKind};
use hospsim_stats::mean;

/// One measured quantity.
#[derive(Clone, Debug, PartialEq)]
pub struct Measure {
    /// Stable key, e.g. `los.medical_ward` or `occupancy.icu.h032`.
    pub key: String,
    /// Group for presentation: `ed`, `los`, `flow`, `occupancy`.
    pub group: &'static str,
    /// Human-readable name.
    pub label: String,
    /// Display unit.
    pub unit: &'static str,
    /// The value (NaN when there is nothing to measure).
    pub value: f64,
    /// Observations behind the value.
    pub n: u64,
}

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Takes every measure of a log: ED times, lengths of stay by unit, admissions
/// and arrivals per day, left-without-being-seen, occupancy by hour of week.
///
/// Only visits that arrive in the observed period count; a visit still open at
/// the end of the log adds to occupancy but not to completed-stay averages.
pub fn measure(v: &Visits) -> Vec<Measure> {
    let mut out = vec![];
    let days = v.days().max(1e-9);
    let in_ed_class =
        |u: u16| (u as usize) < v.unit_kinds.len() && v.unit_kinds[u as usize] == UnitKind::Ed;
    let (mut d2d, mut ed_time, mut ed_arrivals, mut lwbs) = (vec![], vec![], 0u64, 0u64);
    let mut within4 = 0u64;
    for visit in &v.visits {
        let Some(&(t0, Event::Arrival, unit)) = visit.events.first() else {
            continue;
        };
        if !in_ed_class(unit) {
            continue;
        }
        ed_arrivals += 1;
        if let Some(t) = visit.first(Event::Seen) {
            d2d.push(t - t0);
        }
        if visit.first(Event::LeftUnseen).is_some() {
            lwbs += 1;
        }
        // Leaving the ED: the explicit departure, else the first move out, else the exit.
        let left = visit.first(Event::EdDeparture).or_else(|| {
            visit
                .events
                .iter()
                .find(|e| (e.1.enters_unit() && e.2 != unit && e.0 > t0) || e.1.is_final())
                .map(|e| e.0)
        });
        if let Some(t) = left {
            ed_time.push(t - t0);
            if t - t0 <= 240.0 {
                within4 += 1;
            }
        }
    }
    let mut push = |key: String, group, label: String, unit, value, n| {
        out.push(Measure {
            key,
            group,
            label,
            unit,
            value,
            n,
        })
    };
    push(
        "ed.arrivals_per_day".into(),
        "ed",
        "ED attendances per day".into(),
        "per day",
        ed_arrivals as f64 / days,
        ed_arrivals,
    );
    push(
        "ed.door_to_doctor".into(),
        "ed",
        "Door to doctor, mean".into(),
        "min",
        mean(&d2d),
        d2d.len() as u64,
    );
    push(
        "ed.time_in_ed".into(),
        "ed",
        "Time in ED, mean".into(),
        "h",
        mean(&ed_time) / 60.0,
        ed_time.len() as u64,
    );
    push(
        "ed.within_4h".into(),
        "ed",
        "Left the ED within 4 hours".into(),
        "share",
        if ed_time.is_empty() {
            f64::NAN
        } else {
            within4 as f64 / ed_time.len() as f64
        },
        ed_time.len() as u64,
    );
    push(
        "ed.left_unseen".into(),
        "ed",
        "Left without being seen".into(),
        "share",
        if ed_arrivals == 0 {
            f64::NAN
        } else {
            lwbs as f64 / ed_arrivals as f64
        },
        ed_arrivals,
    );
    let n_units = v.units.len();
    let mut los: Vec<Vec<f64>> = vec![vec![]; n_units];
    let mut admissions = 0u64;
    // Census at every whole hour of the period, by unit.
    let first_hour = (v.from / 60.0).ceil() as i64;
    let last_hour = (v.to / 60.0).floor() as i64;
    let n_hours = (last_hour - first_hour + 1).max(0) as usize;
    let mut census = vec![vec![0u32; n_hours]; n_units];
    for visit in &v.visits {
        admissions += visit.events.iter().filter(|e| e.1 == Event::Admit).count() as u64;
        for s in visit.stays(&v.unit_kinds, v.to) {
            if s.next != StayEnd::Censored {
                los[s.unit as usize].push(s.end - s.start);
            }
            let h0 = ((s.start / 60.0).ceil() as i64).max(first_hour);
            // An open stay covers the hour at which the log ends.
            let closed_end = if s.next == StayEnd::Censored {
                s.end + 1e-9
            } else {
                s.end
            };
            let mut h = h0;
            while h <= last_hour && (h as f64) * 60.0 < closed_end {
                census[s.unit as usize][(h - first_hour) as usize] += 1;
                h += 1;
            }
        }
    }
    for (u, name) in v.units.iter().enumerate() {
        push(
            format!("los.{name}"),
            "los",
            format!("Length of stay, {name}, mean"),
            "h",
            mean(&los[u]) / 60.0,
            los[u].len() as u64,
        );
    }
    push(
        "flow.admissions_per_day".into(),
        "flow",
        "Admissions per day".into(),
        "per day",
        admissions as f64 / days,
        admissions,
    );
    for (c, name) in v.classes.iter().enumerate() {
        let n = v.visits.iter().filter(|x| x.class as usize == c).count() as u64;
        if n == 0 {
            // A class the log does not have (samples, say) is not a measure of it.
            continue;
        }
        push(
            format!("flow.arrivals.{name}"),
            "flow",
            format!("Arrivals per day, {name}"),
            "per day",
            n as f64 / days,
            n,
        );
    }
    for (u, name) in v.units.iter().enumerate() {
        let mut sum = [0.0f64; 168];
        let mut cnt = [0u64; 168];
        for (k, &c) in census[u].iter().enumerate() {
            let t = ((first_hour + k as i64) as f64) * 60.0;
            let how = v.hour_of_week(t + 1.0);
            sum[how] += c as f64;
            cnt[how] += 1;
        }
        let total: f64 = census[u].iter().map(|&c| c as f64).sum();
        push(
            format!("occupancy.{name}.mean"),
            "occupancy",
            format!("Occupancy, {name}, mean"),
            "patients",
            if census[u].is_empty() {
                f64::NAN
            } else {
                total / census[u].len() as f64
            },
            census[u].len() as u64,
        );
        for h in 0..168 {
            push(
                format!("occupancy.{name}.h{h:03}"),
                "occupancy",
                format!("Occupancy, {name}, {} {:02}:00", DAY_NAMES[h / 24], h % 24),
                "patients",
                if cnt[h] == 0 {
                    f64::NAN
                } else {
                    sum[h] / cnt[h] as f64
                },
                cnt[h],
            );
        }
    }
    out
}

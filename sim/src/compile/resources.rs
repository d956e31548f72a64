//! Resources and rosters: capacities, staffing by hour of week, preemption,
//! turnaround, breakdowns and maintenance windows.

use super::*;

impl Compiler<'_> {
    pub(super) fn roster(&mut self, name: &str, r: &RosterSpec) -> Option<Vec<u32>> {
        let p = path!["rosters", name];
        let len_check = |c: &mut Self, field: &str, v: &Vec<u32>, n: usize| {
            if v.len() != n {
                c.err_hint(
                    p.key(field),
                    format!("expected {n} values (one per hour), got {}", v.len()),
                    if n == 168 {
                        "168 = 24 hours x 7 days, Monday 00:00 first"
                    } else {
                        "24 values, 00:00 first"
                    },
                );
                false
            } else {
                true
            }
        };
        let hours: Vec<u32> = match (&r.hour_of_week, &r.weekday) {
            (Some(h), None) => {
                if r.weekend.is_some() {
                    self.err(
                        p.key("weekend"),
                        "`weekend` goes with `weekday`, not with `hour_of_week`",
                    );
                }
                if !len_check(self, "hour_of_week", h, 168) {
                    return None;
                }
                h.clone()
            }
            (None, Some(wd)) => {
                let we = r.weekend.as_ref().unwrap_or(wd);
                let ok1 = len_check(self, "weekday", wd, 24);
                let ok2 = r.weekend.is_none() || len_check(self, "weekend", we, 24);
                if !(ok1 && ok2) {
                    return None;
                }
                (0..7)
                    .flat_map(|d| if d < 5 { wd.clone() } else { we.clone() })
                    .collect()
            }
            (Some(_), Some(_)) => {
                self.err(
                    p.clone(),
                    "give either `hour_of_week` or `weekday`/`weekend`, not both",
                );
                return None;
            }
            (None, None) => {
                self.err_hint(
                    p.clone(),
                    "a roster needs `hour_of_week` (168 values) or `weekday` (24 values)",
                    "e.g. weekday = [4,4,4,4,4,4,4,6,8,9,9,9,9,9,9,9,9,9,8,7,6,5,5,4]",
                );
                return None;
            }
        };
        if !(r.scale.is_finite() && r.scale >= 0.0) {
            self.err(
                p.key("scale"),
                format!("scale must be a number >= 0, got {}", r.scale),
            );
            return None;
        }
        let peak = hours
            .iter()
            .map(|&v| v as f64 * r.scale)
            .fold(0.0, f64::max);
        if peak.round() > MAX_CAPACITY as f64 {
            self.err_hint(
                p.key("scale"),
                format!(
                    "scale {} gives {} units in the busiest hour, more than the {MAX_CAPACITY} a resource may have",
                    r.scale,
                    peak.round()
                ),
                "scale is a factor on the roster's staff numbers, e.g. 0.8 or 1.2",
            );
            return None;
        }
        let scaled: Vec<u32> = hours
            .iter()
            .map(|&v| (v as f64 * r.scale).round() as u32)
            .collect();
        if scaled.iter().all(|&v| v == 0) {
            self.err(p, "the roster has no capacity in any hour of the week");
            return None;
        }
        Some(scaled)
    }

    pub(super) fn resources(&mut self) -> Vec<ResourceDef> {
        let s = self.s;
        let mut out = vec![];
        if s.resources.len() > u16::MAX as usize {
            self.err(path!["resources"], "too many resources");
        }
        for (name, r) in &s.resources {
            let p = path!["resources", name];
            self.resource_ix.insert(name.as_str(), out.len() as u16);
            let capacity = match (&r.capacity, &r.roster) {
                (Some(CapacitySpec::Unlimited), None) => Capacity::Unlimited,
                (Some(CapacitySpec::Units(0)), None) => {
                    self.err_hint(
                        p.key("capacity"),
                        "capacity must be at least 1",
                        "remove the resource, use a roster with zero hours, or write capacity = \"unlimited\" to measure unconstrained demand",
                    );
                    Capacity::Fixed(1)
                }
                (Some(CapacitySpec::Units(c)), None) if *c > MAX_CAPACITY => {
                    self.err_hint(
                        p.key("capacity"),
                        format!("capacity must be at most {MAX_CAPACITY}, got {c}"),
                        "a hospital resource has far fewer units; check for a typo, or write capacity = \"unlimited\"",
                    );
                    Capacity::Fixed(1)
                }
                (Some(CapacitySpec::Units(c)), None) => Capacity::Fixed(*c),
                (None, Some(rn)) => match s.rosters.get(rn) {
                    Some(rs) => match self.roster(rn, rs) {
                        Some(v) => Capacity::Roster(v),
                        None => Capacity::Fixed(1),
                    },
                    None => {
                        let hint = closest(rn, s.rosters.keys());
                        self.err_hint(p.key("roster"), format!("unknown roster \"{rn}\""), hint);
                        Capacity::Fixed(1)
                    }
                },
                (Some(_), Some(_)) => {
                    self.err(p.clone(), "give either `capacity` or `roster`, not both");
                    Capacity::Fixed(1)
                }
                (None, None) => {
                    self.err_hint(
                        p.clone(),
                        "a resource needs `capacity` or `roster`",
                        "e.g. capacity = 30",
                    );
                    Capacity::Fixed(1)
                }
            };
            let mut preempt_mask = 0u32;
            for (i, &pr) in r.preempt.iter().enumerate() {
                if !(1..=15).contains(&pr) {
                    self.err(
                        p.key("preempt").index(i),
                        format!("priorities run from 1 to 15, got {pr}"),
                    );
                } else {
                    preempt_mask |= 1 << pr;
                }
            }
            if preempt_mask != 0 && r.queue == QueueDiscipline::Fifo {
                self.err(p.key("preempt"), "preemption needs `queue = \"priority\"`");
            }
            let turnaround = match &r.turnaround {
                Some(d) => self.dist(p.key("turnaround"), d),
                None => NONE,
            };
            let breakdowns = r.breakdowns.as_ref().map(|b| {
                let bp = p.key("breakdowns");
                let units = b.units.unwrap_or(1);
                if units == 0 {
                    self.err(bp.key("units"), "a breakdown takes at least 1 unit down");
                } else if units > MAX_CAPACITY {
                    self.err(
                        bp.key("units"),
                        format!("a breakdown takes at most {MAX_CAPACITY} units down, got {units}"),
                    );
                }
                // Failures with no time between them (and no repair) would follow
                // each other at one instant without end.
                if b.time_between.mean_minutes() < MIN_PERIOD_MINUTES {
                    self.err_hint(
                        bp.key("time_between"),
                        "the time between breakdowns must be at least a second on average, or failures would follow each other without end",
                        "e.g. time_between = { exponential = { mean = \"30 d\" } }",
                    );
                }
                if b.repair.mean_minutes() <= 0.0 {
                    self.err_hint(
                        bp.key("repair"),
                        "a repair must take time (a mean above zero)",
                        "e.g. repair = { lognormal = { mean = \"4 h\", sd = \"2 h\" } }",
                    );
                }
                (
                    self.dist(bp.key("time_between"), &b.time_between),
                    self.dist(bp.key("repair"), &b.repair),
                    units,
                )
            });
            let mut maintenance = vec![];
            for (i, w) in r.maintenance.iter().enumerate() {
                let wp = p.key("maintenance").index(i);
                let day = DAYS
                    .iter()
                    .position(|d| w.day.to_ascii_lowercase().starts_with(d));
                let Some(day) = day else {
                    self.err_hint(
                        wp.key("day"),
                        format!("unknown day \"{}\"", w.day),
                        "Mon, Tue, Wed, Thu, Fri, Sat or Sun",
                    );
                    continue;
                };
                let Some(minute) = parse_clock(&w.time) else {
                    self.err_hint(
                        wp.key("time"),
                        format!("\"{}\" is not a time of day", w.time),
                        "HH:MM, e.g. \"06:00\"",
                    );
                    continue;
                };
                let length = w.duration.minutes();
                if !(length > 0.0 && length < 7.0 * 1440.0) {
                    self.err(
                        wp.key("duration"),
                        "a weekly window lasts more than 0 and less than a week",
                    );
                    continue;
                }
                let units = w.units.unwrap_or(1);
                if units > MAX_CAPACITY {
                    self.err(
                        wp.key("units"),
                        format!("maintenance takes at most {MAX_CAPACITY} units down, got {units}"),
                    );
                }
                maintenance.push((day as f64 * 1440.0 + minute, length, units));
            }
            out.push(ResourceDef {
                name: name.clone(),
                label: r.label.clone().unwrap_or_else(|| name.clone()),
                department: self.department(&p, r.department.as_deref()),
                capacity,
                fifo: r.queue == QueueDiscipline::Fifo,
                preempt_mask,
                turnaround,
                breakdowns,
                maintenance,
                key: arrivals::class_key(&format!("resource:{name}")),
                batch_points: vec![],
            });
        }
        if out.is_empty() {
            self.err(path!["resources"], "a scenario needs at least one resource");
        }
        out
    }
}

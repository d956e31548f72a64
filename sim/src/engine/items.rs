//! Stocked items in the event loop: use, backorders, substitutes, reorders,
//! deliveries and expiry (first expiry first out).

use super::*;
use rand_distr::{Distribution, Poisson};

/// Stock of one item.
pub(super) struct ItemState {
    /// Units on hand as (expiry time, units), oldest first.
    pub(super) lots: VecDeque<(f64, u32)>,
    pub(super) on_hand: u32,
    pub(super) on_order: u32,
    /// Patients waiting for units (pid, units still needed), first come first served.
    pub(super) waiting: VecDeque<(u32, u32)>,
    pub(super) backordered: u32,
    /// Units asked for since the last review (forecast-driven policy).
    pub(super) since_review: u64,
    /// Smoothed demand per review period (NaN before the first review) and
    /// the smoothed squared error of that forecast.
    pub(super) level: f64,
    pub(super) mse: f64,
    pub(super) rng: Pcg64Mcg,
    pub(super) last: f64,
    pub(super) acc: ItemRep,
}

impl ItemState {
    /// Accumulates the time integrals up to `now` (only after warm-up).
    pub(super) fn touch(&mut self, now: f64, warmup: f64) {
        let from = self.last.max(warmup);
        if now > from {
            let dt = now - from;
            self.acc.stock_area += self.on_hand as f64 * dt;
            if self.on_hand == 0 {
                self.acc.stockout_time += dt;
            }
        }
        self.last = now;
    }

    fn take(&mut self, mut units: u32) {
        self.on_hand -= units;
        while units > 0 {
            let Some(front) = self.lots.front_mut() else {
                break;
            };
            let used = units.min(front.1);
            front.1 -= used;
            units -= used;
            if front.1 == 0 {
                self.lots.pop_front();
            }
        }
    }
}

impl Engine<'_> {
    pub(super) fn start_items(&mut self) {
        let m = self.m;
        for (i, def) in m.items.iter().enumerate() {
            let st = &mut self.items[i];
            st.on_hand = def.initial;
            if def.initial > 0 {
                st.lots.push_back((def.shelf_life, def.initial));
                if def.shelf_life.is_finite() {
                    self.schedule(def.shelf_life, EvKind::Expire, i as u32, 0);
                }
            }
            if def.review_every > 0.0 {
                let first = self.m.next_tick(self.now, def.review_every);
                self.schedule(first, EvKind::Review, i as u32, 0);
            } else {
                self.review(i);
            }
        }
    }

    /// Orders if the inventory position is at or below the reorder point (or,
    /// forecast-driven, below the forecast's order-up-to level).
    pub(super) fn review(&mut self, i: usize) {
        let def = &self.m.items[i];
        let st = &mut self.items[i];
        let position = st.on_hand as i64 + st.on_order as i64 - st.backordered as i64;
        let dynamic = match def.forecast {
            Some((_, cover, z)) if st.level.is_finite() => {
                let periods = cover / def.review_every;
                let target = st.level * periods + z * (st.mse * periods).sqrt();
                Some(target.ceil().max(0.0) as i64)
            }
            _ => None,
        };
        let qty = if let Some(big_s) = dynamic {
            if position >= big_s {
                return;
            }
            (big_s - position) as u32
        } else {
            if position > def.reorder_point as i64 {
                return;
            }
            match def.order_up_to {
                Some(big_s) => (big_s as i64 - position) as u32,
                None => {
                    // (R, Q): enough multiples of Q to rise above R.
                    let q = def.order_quantity as i64;
                    let n = (def.reorder_point as i64 - position) / q + 1;
                    (n * q) as u32
                }
            }
        };
        if qty == 0 {
            return;
        }
        st.on_order += qty;
        if self.now >= self.m.warmup {
            st.acc.orders += 1;
        }
        let lead = self.m.dists[def.lead_time as usize].sample(&mut st.rng);
        self.schedule(self.now + lead, EvKind::Delivery, i as u32, qty);
    }

    pub(super) fn periodic_review(&mut self, i: usize) {
        if let Some((alpha, _, _)) = self.m.items[i].forecast {
            let st = &mut self.items[i];
            let demand = st.since_review as f64;
            st.since_review = 0;
            if st.level.is_finite() {
                let err = demand - st.level;
                st.mse = alpha * err * err + (1.0 - alpha) * st.mse;
                st.level = alpha * demand + (1.0 - alpha) * st.level;
            } else {
                // The first period seeds the forecast; its error is unknown,
                // so start from a Poisson-like variance.
                st.level = demand;
                st.mse = demand;
            }
        }
        self.review(i);
        let next = self.m.next_tick(self.now, self.m.items[i].review_every);
        if next <= self.m.horizon {
            self.schedule(next, EvKind::Review, i as u32, 0);
        }
    }

    /// A consume step. Returns false when the patient waits for a delivery.
    pub(super) fn consume(&mut self, pid: u32, item: u16, qty: u32, mean: f32) -> bool {
        let m = self.m;
        let units = if qty > 0 {
            qty
        } else {
            let p = &mut self.patients[pid as usize];
            match Poisson::new(mean as f64) {
                Ok(d) => d.sample(&mut p.rng) as u32,
                Err(_) => 0,
            }
        };
        if units == 0 {
            return true;
        }
        let i = item as usize;
        let now = self.now;
        let warm = now >= m.warmup;
        self.items[i].touch(now, m.warmup);
        if warm {
            self.items[i].acc.demand += units as u64;
        }
        self.items[i].since_review += units as u64;
        let st = &mut self.items[i];
        if st.on_hand >= units && st.waiting.is_empty() {
            st.take(units);
            if warm {
                st.acc.filled_from_stock += units as u64;
            }
            if m.items[i].review_every == 0.0 {
                self.review(i);
            }
            return true;
        }
        if warm {
            self.items[i].acc.stockout_events += 1;
        }
        match m.items[i].on_stockout {
            Stockout::Wait => {
                let st = &mut self.items[i];
                st.waiting.push_back((pid, units));
                st.backordered += units;
                self.patients[pid as usize].wait_start = now;
                if m.items[i].review_every == 0.0 {
                    self.review(i);
                }
                false
            }
            Stockout::Skip => {
                if warm {
                    self.items[i].acc.missed += units as u64;
                }
                true
            }
            Stockout::Substitute(k) => {
                let k = k as usize;
                self.items[k].touch(now, m.warmup);
                let sub = &mut self.items[k];
                if sub.on_hand >= units && sub.waiting.is_empty() {
                    sub.take(units);
                    if warm {
                        self.items[i].acc.substituted += units as u64;
                        self.items[k].acc.used_as_substitute += units as u64;
                    }
                    if m.items[k].review_every == 0.0 {
                        self.review(k);
                    }
                } else if warm {
                    self.items[i].acc.missed += units as u64;
                }
                true
            }
        }
    }

    /// An order arrives: serve the waiting patients first, then stock the rest.
    pub(super) fn deliver(&mut self, i: usize, qty: u32) {
        let m = self.m;
        let now = self.now;
        self.items[i].touch(now, m.warmup);
        let st = &mut self.items[i];
        st.on_order -= qty;
        if now >= m.warmup {
            st.acc.received += qty as u64;
        }
        let expiry = now + m.items[i].shelf_life;
        st.lots.push_back((expiry, qty));
        st.on_hand += qty;
        while let Some(&(pid, units)) = st.waiting.front() {
            if st.on_hand < units {
                break;
            }
            st.waiting.pop_front();
            st.backordered -= units;
            st.take(units);
            if now >= m.warmup {
                st.acc.backorder_wait += now - self.patients[pid as usize].wait_start;
                st.acc.backorders_served += 1;
            }
            self.patients[pid as usize].pc += 1;
            self.ready.push_back(pid);
        }
        if m.items[i].shelf_life.is_finite() {
            self.schedule(expiry, EvKind::Expire, i as u32, 0);
        }
        if m.items[i].review_every == 0.0 {
            self.review(i);
        }
    }

    /// Discards every lot whose shelf life is over.
    pub(super) fn expire(&mut self, i: usize) {
        let m = self.m;
        let now = self.now;
        self.items[i].touch(now, m.warmup);
        let st = &mut self.items[i];
        while let Some(&(expiry, units)) = st.lots.front() {
            if expiry > now {
                break;
            }
            st.lots.pop_front();
            st.on_hand -= units;
            if now >= m.warmup {
                st.acc.expired += units as u64;
            }
        }
        if m.items[i].review_every == 0.0 {
            self.review(i);
        }
    }
}

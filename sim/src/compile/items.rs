//! Stocked items: reorder policies, lead times, shelf life, stock-out behaviour.

use super::*;

impl<'s> Compiler<'s> {
    pub(super) fn items(&mut self) -> Vec<ItemDef> {
        let s = self.s;
        for (i, name) in s.items.keys().enumerate() {
            self.item_ix.insert(name.as_str(), i as u16);
        }
        let mut out = vec![];
        for (name, it) in &s.items {
            let p = path!["items", name];
            let (order_up_to, order_quantity) = match (it.order_up_to, it.order_quantity) {
                (Some(big_s), None) => {
                    if big_s <= it.reorder_point {
                        self.err(
                            p.key("order_up_to"),
                            format!(
                                "order_up_to ({big_s}) must be above reorder_point ({})",
                                it.reorder_point
                            ),
                        );
                    }
                    (Some(big_s), 0)
                }
                (None, Some(q)) => {
                    if q == 0 {
                        self.err(p.key("order_quantity"), "order_quantity must be at least 1");
                    }
                    (None, q.max(1))
                }
                (Some(_), Some(_)) => {
                    self.err_hint(
                        p.clone(),
                        "give `order_up_to` (an (s, S) policy) or `order_quantity` (an (R, Q) policy), not both",
                        "e.g. reorder_point = 20, order_up_to = 60",
                    );
                    (None, 1)
                }
                (None, None) => {
                    self.err_hint(
                        p.clone(),
                        "a stocked item needs a reorder policy: `order_up_to` or `order_quantity`",
                        "e.g. reorder_point = 20, order_up_to = 60 (order up to 60 when 20 or fewer are left or on order)",
                    );
                    (None, 1)
                }
            };
            let review_every = match it.review_every {
                Some(d) if d.minutes() >= MIN_PERIOD_MINUTES => d.minutes(),
                Some(_) => {
                    self.err(
                        p.key("review_every"),
                        "a review period must be at least a second",
                    );
                    0.0
                }
                None => 0.0,
            };
            let shelf_life = match it.shelf_life {
                Some(d) if d.minutes() > 0.0 => d.minutes(),
                Some(_) => {
                    self.err(p.key("shelf_life"), "a shelf life must be longer than 0");
                    f64::INFINITY
                }
                None => f64::INFINITY,
            };
            let lead_time = self.dist(p.key("lead_time"), &it.lead_time);
            let on_stockout = match (it.on_stockout.as_deref(), &it.substitute) {
                (None | Some("wait"), None) => Stockout::Wait,
                (Some("skip"), None) => Stockout::Skip,
                (Some("substitute"), Some(sub)) => match self.item_ix.get(sub.as_str()) {
                    Some(&k) if sub != name => Stockout::Substitute(k),
                    Some(_) => {
                        self.err(p.key("substitute"), "an item cannot substitute for itself");
                        Stockout::Skip
                    }
                    None => {
                        let hint = closest(sub, s.items.keys());
                        self.err_hint(p.key("substitute"), format!("unknown item \"{sub}\""), hint);
                        Stockout::Skip
                    }
                },
                (Some("substitute"), None) => {
                    self.err(
                        p.key("on_stockout"),
                        "`on_stockout = \"substitute\"` needs `substitute = \"other_item\"`",
                    );
                    Stockout::Skip
                }
                (None | Some("wait") | Some("skip"), Some(_)) => {
                    self.err(
                        p.key("substitute"),
                        "`substitute` goes with `on_stockout = \"substitute\"`",
                    );
                    Stockout::Skip
                }
                (Some(other), _) => {
                    self.err_hint(
                        p.key("on_stockout"),
                        format!("unknown stock-out behaviour \"{other}\""),
                        "\"wait\" (for a delivery), \"substitute\" (another item) or \"skip\" (a missed dose)",
                    );
                    Stockout::Skip
                }
            };
            let forecast = it.forecast.as_ref().map(|f| {
                let fp = p.key("forecast");
                if !(f.smoothing > 0.0 && f.smoothing <= 1.0) {
                    self.err(
                        fp.key("smoothing"),
                        format!("smoothing must be in (0, 1], got {}", f.smoothing),
                    );
                }
                if f.cover.minutes() <= 0.0 {
                    self.err(
                        fp.key("cover"),
                        "cover must be longer than 0 (e.g. \"5 d\": review period plus lead time)",
                    );
                }
                if !(f.safety_factor >= 0.0 && f.safety_factor.is_finite()) {
                    self.err(
                        fp.key("safety_factor"),
                        "safety_factor must be >= 0 (1.65 for about 95% cover)",
                    );
                }
                if review_every == 0.0 {
                    self.err_hint(
                        fp.clone(),
                        "forecast-driven ordering needs a periodic review",
                        "add review_every = \"1 d\"",
                    );
                }
                (f.smoothing, f.cover.minutes(), f.safety_factor)
            });
            if !(it.unit_cost >= 0.0 && it.unit_cost.is_finite()) {
                self.err(p.key("unit_cost"), "unit_cost must be a number >= 0");
            }
            out.push(ItemDef {
                name: name.clone(),
                label: it.label.clone().unwrap_or_else(|| name.clone()),
                unit_cost: it.unit_cost,
                initial: it.initial,
                reorder_point: it.reorder_point,
                order_up_to,
                order_quantity,
                review_every,
                lead_time,
                shelf_life,
                on_stockout,
                forecast,
                key: arrivals::class_key(&format!("item:{name}")),
            });
        }
        out
    }
}

//! Steps of the hospital units: stock use, retry counters and batch points.

use super::*;

impl Compiler<'_> {
    /// A `consume` step: the item and a fixed or Poisson quantity.
    pub(super) fn consume_step(&mut self, p: &FieldPath, st: &Consume) {
        let name = st.item;
        let item = match self.item_ix.get(name) {
            Some(&i) => i,
            None => {
                let hint = closest(name, self.s.items.keys());
                self.err_hint(p.key("consume"), format!("unknown item \"{name}\""), hint);
                0
            }
        };
        let (qty, mean) = match (st.quantity, st.quantity_mean) {
            (Some(_), Some(_)) => {
                self.err(
                    p.key("quantity_mean"),
                    "give `quantity` or `quantity_mean`, not both",
                );
                (1, 0.0)
            }
            (Some(0), None) => {
                self.err(p.key("quantity"), "quantity must be at least 1");
                (1, 0.0)
            }
            (Some(q), None) => (q, 0.0),
            (None, Some(m)) if m > 0.0 && m.is_finite() => (0, m as f32),
            (None, Some(m)) => {
                self.err(
                    p.key("quantity_mean"),
                    format!("quantity_mean must be above 0, got {m}"),
                );
                (1, 0.0)
            }
            (None, None) => (1, 0.0),
        };
        self.program.push(Op::Consume { item, qty, mean });
    }

    /// A `count` step: the counter, its limit and the pathway taken there.
    pub(super) fn count_step(&mut self, p: &FieldPath, st: &Count) {
        let name = st.counter;
        let counter = match self.counters.iter().position(|c| c == name) {
            Some(i) => i,
            None => {
                self.counters.push(name.to_string());
                self.counters.len() - 1
            }
        };
        if counter >= MAX_COUNTERS {
            self.err_hint(
                p.key("count"),
                format!(
                    "a scenario may use at most {MAX_COUNTERS} counters; \"{name}\" is one too many"
                ),
                "reuse a counter name: counters belong to each patient",
            );
        }
        let limit = match st.limit {
            Some(l) if (1..=1000).contains(&l) => l as u16,
            Some(l) => {
                self.err(p.key("limit"), format!("limit must be 1 to 1000, got {l}"));
                1
            }
            None => {
                self.err_hint(
                    p.key("count"),
                    "a count step needs `limit` and `on_limit`",
                    "e.g. { count = \"attempts\", limit = 3, on_limit = \"escalate\" }",
                );
                1
            }
        };
        let pc = self.program.len();
        self.program.push(Op::Count {
            counter: counter as u16,
            limit,
            pc: NONE,
        });
        match st.on_limit {
            Some(t) => self
                .fixups
                .push(Fixup::Count(pc, t.to_string(), p.key("on_limit"))),
            None => {
                if st.limit.is_some() {
                    self.err(
                        p.key("limit"),
                        "`limit` needs `on_limit`: the pathway taken at the limit",
                    );
                }
            }
        }
    }

    /// The batch point a `batch` step names: created by its first step, and
    /// every later step naming it must agree on its settings.
    pub(super) fn batch_point(&mut self, p: &FieldPath, st: &Batch) -> u32 {
        let name = st.point.to_string();
        let resource = match st.uses {
            None => u16::MAX,
            Some([one]) => match self.resource_ix.get(one.as_str()) {
                Some(&r) => r,
                None => {
                    let hint = closest(one, self.s.resources.keys());
                    self.err_hint(
                        p.key("use").index(0),
                        format!("unknown resource \"{one}\""),
                        hint,
                    );
                    u16::MAX
                }
            },
            Some(_) => {
                self.err(p.key("use"), "a batch run uses one resource (one unit per run), e.g. use = [\"chemistry_analyser\"]");
                u16::MAX
            }
        };
        let size = match st.size {
            Some(0) => {
                self.err(p.key("size"), "a batch holds at least 1");
                1
            }
            Some(s) => s,
            None => u32::MAX,
        };
        let every = st.every.map_or(0.0, |d| d.minutes());
        if st.every.is_some() && every < MIN_PERIOD_MINUTES {
            self.err_hint(
                p.key("every"),
                "a batch clock must tick at most once a second",
                "e.g. every = \"30 min\"",
            );
        }
        if st.size.is_none() && every <= 0.0 {
            self.err_hint(p.key("batch"), "a batch needs `size` (start when full), `every` (start on a clock tick) or both", "e.g. { batch = \"porter_round\", every = \"30 min\", duration = { fixed = \"10 min\" } }");
        }
        let Some(d) = st.duration else {
            self.err_hint(
                p.key("batch"),
                "a batch needs the `duration` of a run",
                "e.g. duration = { fixed = \"25 min\" }",
            );
            return 0;
        };
        if let Some(i) = self.batches.iter().position(|b| b.name == name) {
            let b = &self.batches[i];
            if b.resource != resource || b.size != size || b.every != every {
                self.err(p.key("batch"), format!("batch \"{name}\" is defined with other `use`, `size` or `every` elsewhere; give each batch point one definition"));
            }
            return i as u32;
        }
        let duration = self.dist(p.key("duration"), d);
        self.batches.push(BatchDef {
            key: super::arrivals::class_key(&format!("batch:{name}")),
            name,
            resource,
            size,
            every,
            duration,
        });
        (self.batches.len() - 1) as u32
    }
}

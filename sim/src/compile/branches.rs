//! `branch` (random) and `route_by` (attribute) steps.

use super::*;

impl<'s> Compiler<'s> {
    pub(super) fn branch(&mut self, p: &FieldPath, opts: &[BranchOption]) {
        let bp = p.key("branch");
        if opts.is_empty() {
            self.err(bp.clone(), "branch needs at least one option");
        }
        let mut probs = vec![[0.0f64; 6]; opts.len()];
        let mut remainder = None;
        for (i, o) in opts.iter().enumerate() {
            match (o.p, &o.p_by_acuity) {
                (Some(v), None) => {
                    if !(0.0..=1.0).contains(&v) {
                        self.err(
                            bp.index(i).key("p"),
                            format!("a probability lies between 0 and 1, got {v}"),
                        );
                    }
                    probs[i] = [v; 6];
                }
                (None, Some(v)) => {
                    if v.len() != 5 {
                        self.err_hint(
                            bp.index(i).key("p_by_acuity"),
                            format!("expected 5 values (acuity 1 to 5), got {}", v.len()),
                            "e.g. p_by_acuity = [0.9, 0.6, 0.4, 0.05, 0.01]",
                        );
                    } else {
                        for (a, &x) in v.iter().enumerate() {
                            if !(0.0..=1.0).contains(&x) {
                                self.err(
                                    bp.index(i).key("p_by_acuity").index(a),
                                    format!("a probability lies between 0 and 1, got {x}"),
                                );
                            }
                            probs[i][a + 1] = x;
                        }
                    }
                }
                (Some(_), Some(_)) => self.err(bp.index(i), "give `p` or `p_by_acuity`, not both"),
                (None, None) => {
                    if remainder.is_some() {
                        self.err_hint(
                            bp.index(i),
                            "only one option may leave out its probability (it takes the rest)",
                            "give `p` to the others",
                        );
                    }
                    remainder = Some(i);
                }
            }
        }
        for a in 1..=5usize {
            let sum: f64 = probs.iter().map(|r| r[a]).sum();
            match remainder {
                Some(r) => {
                    if sum > 1.0 + 1e-9 {
                        self.err(
                            bp.clone(),
                            format!("probabilities add up to {sum:.4} for acuity {a}, more than 1"),
                        );
                        break;
                    }
                    probs[r][a] = (1.0 - sum).max(0.0);
                }
                None => {
                    if (sum - 1.0).abs() > 1e-6 {
                        self.err_hint(
                            bp.clone(),
                            format!("probabilities must add up to 1, got {sum:.4}{}", if opts.iter().any(|o| o.p_by_acuity.is_some()) { format!(" for acuity {a}") } else { String::new() }),
                            "fix the values, or leave `p` out of one option so that it takes the rest",
                        );
                        break;
                    }
                }
            }
        }
        let mut cumulative = vec![vec![]; 6];
        for (a, row) in cumulative.iter_mut().enumerate().skip(1) {
            let mut acc = 0.0;
            for pr in &probs {
                acc += pr[a];
                row.push(acc);
            }
            if let Some(last) = row.last_mut() {
                *last = f64::INFINITY;
            }
        }
        let at = self.branches.len();
        self.branches.push(BranchTable {
            cumulative,
            targets: vec![NONE; opts.len()],
        });
        for (i, o) in opts.iter().enumerate() {
            self.fixups
                .push(Fixup::Branch(at, i, o.to.clone(), bp.index(i).key("to")));
        }
        self.program.push(Op::Branch { table: at as u32 });
    }

    pub(super) fn route_by(&mut self, p: &FieldPath, st: &RouteBy) {
        let Some(key) = self.patient_key(p.key("route_by"), st.attribute) else {
            // Compiled to a route nowhere, so that the values are not also
            // reported as wrong for some other key.
            self.routes.push(RouteTable {
                key: PatientKey::Acuity,
                targets: vec![NONE; 6],
            });
            self.program.push(Op::RouteBy {
                table: (self.routes.len() - 1) as u32,
            });
            return;
        };
        let n = self.key_slots(key);
        let at = self.routes.len();
        self.routes.push(RouteTable {
            key,
            targets: vec![NONE; n],
        });
        let mut covered = vec![false; n];
        for (k, target) in st.routes.into_iter().flatten() {
            if let Some(sl) = self.key_slot(key, p.key("routes").key(k), k) {
                covered[sl] = true;
                self.fixups
                    .push(Fixup::Route(at, sl, target.clone(), p.key("routes").key(k)));
            }
        }
        let occurring = self.occurring_slots(key);
        match st.default {
            Some(d) => {
                for (sl, cov) in covered.iter().enumerate() {
                    if !cov {
                        self.fixups
                            .push(Fixup::Route(at, sl, d.to_string(), p.key("default")));
                    }
                }
            }
            None => {
                let missing: Vec<String> = occurring
                    .into_iter()
                    .filter(|(sl, _)| !covered[*sl])
                    .map(|(_, what)| what)
                    .collect();
                if !missing.is_empty() {
                    self.err_hint(
                        p.key("routes"),
                        format!("no route for {}", missing.join(", ")),
                        "list every value or add `default = \"pathway\"`",
                    );
                }
            }
        }
        self.program.push(Op::RouteBy { table: at as u32 });
    }
}

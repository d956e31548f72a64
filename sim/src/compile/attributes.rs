//! Patient attributes drawn at arrival (`[arrivals.X.attributes]`), and the
//! keys that `route_by`, `duration_by` and KPI filters select on: acuity,
//! class or an attribute.
//!
//! An attribute lets a stay depend on what happens after it: a stroke
//! patient's acute stay depends on whether rehabilitation, early supported
//! discharge or home follows, so the destination is drawn when the patient
//! arrives and both the stay (`duration_by`) and the later route
//! (`route_by`) read it, in one pathway instead of one per destination.

use super::*;

/// What the compiler knows of one attribute while compiling pathways.
pub(super) struct AttributeInfo {
    /// Index into the sorted values, by value.
    pub(super) slot: HashMap<String, usize>,
    /// The first class (arrival or drill) that draws no value, if any: its
    /// patients have slot 0, which a table must cover with a fallback.
    pub(super) missing_in: Option<String>,
}

impl Compiler<'_> {
    /// Collects the attributes the arrival classes draw (names and values),
    /// before pathways are compiled so that steps can name them.
    pub(super) fn collect_attributes(&mut self) {
        let s = self.s;
        let mut values: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (class, a) in &s.arrivals {
            for (name, mix) in a.attributes.iter().flatten() {
                let p = path!["arrivals", class, "attributes", name];
                if matches!(name.as_str(), "acuity" | "class") {
                    self.err_hint(
                        p,
                        format!("\"{name}\" is built in and cannot be an attribute"),
                        "give the attribute another name, e.g. destination",
                    );
                    continue;
                }
                if mix.is_empty() {
                    self.err_hint(
                        p,
                        "an attribute needs at least one value",
                        "e.g. destination = { rehab = 0.3, home = 0.7 }",
                    );
                    continue;
                }
                values
                    .entry(name.as_str())
                    .or_default()
                    .extend(mix.keys().map(|k| k.as_str()));
            }
        }
        if values.len() > MAX_ATTRIBUTES {
            let names: Vec<&str> = values.keys().copied().collect();
            self.err_hint(
                path!["arrivals"],
                format!(
                    "at most {MAX_ATTRIBUTES} attributes, got {}: {}",
                    values.len(),
                    names.join(", ")
                ),
                "combine attributes into one whose values name both (e.g. stroke_rehab)",
            );
            return;
        }
        let n_drill = self.n_classes - s.arrivals.len();
        for (name, vals) in values {
            if vals.len() > MAX_ATTRIBUTE_VALUES {
                self.err(
                    path!["arrivals"],
                    format!(
                        "attribute \"{name}\" has {} values; at most {MAX_ATTRIBUTE_VALUES}",
                        vals.len()
                    ),
                );
                continue;
            }
            let missing_in = s
                .arrivals
                .iter()
                .find(|(_, a)| a.attributes.as_ref().is_none_or(|m| !m.contains_key(name)))
                .map(|(c, _)| c.clone())
                .or_else(|| (n_drill > 0).then(|| "the drill's patients".to_string()));
            self.attribute_info.push(AttributeInfo {
                slot: vals
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (v.to_string(), i + 1))
                    .collect(),
                missing_in,
            });
            self.attributes.push(AttributeDef {
                name: name.to_string(),
                values: vals.iter().map(|v| v.to_string()).collect(),
            });
        }
    }

    /// The attributes a class draws, as (attribute, cumulative probabilities
    /// over all the attribute's values): each mix's shares must add up to 1.
    pub(super) fn class_attributes(
        &mut self,
        p: &FieldPath,
        mixes: Option<&BTreeMap<String, BTreeMap<String, f64>>>,
    ) -> Vec<(u8, Vec<f64>)> {
        let mut out = vec![];
        for (name, mix) in mixes.into_iter().flatten() {
            let Some(a) = self.attributes.iter().position(|d| &d.name == name) else {
                continue;
            };
            let mut probs = vec![0.0; self.attributes[a].values.len()];
            for (value, share) in mix {
                if !(0.0..=1.0).contains(share) {
                    self.err(
                        p.key(name).key(value),
                        format!("a probability lies between 0 and 1, got {share}"),
                    );
                }
                if let Some(&slot) = self.attribute_info[a].slot.get(value) {
                    probs[slot - 1] = *share;
                }
            }
            let sum: f64 = probs.iter().sum();
            if (sum - 1.0).abs() > 1e-6 {
                self.err_hint(
                    p.key(name),
                    format!("the shares of \"{name}\" must add up to 1, got {sum:.4}"),
                    "e.g. destination = { rehab = 0.24, esd = 0.13, home = 0.63 }",
                );
            }
            let mut acc = 0.0;
            let mut cumulative: Vec<f64> = probs
                .iter()
                .map(|x| {
                    acc += x / sum.max(1e-12);
                    acc
                })
                .collect();
            if let Some(last) = cumulative.last_mut() {
                *last = f64::INFINITY;
            }
            out.push((a as u8, cumulative));
        }
        out
    }

    /// What `route_by`, `duration_by` or a filter names: acuity, class or an
    /// attribute; an error at `p` otherwise.
    pub(super) fn patient_key(&mut self, p: FieldPath, name: &str) -> Option<PatientKey> {
        match name {
            "acuity" => Some(PatientKey::Acuity),
            "class" => Some(PatientKey::Class),
            _ => match self.attributes.iter().position(|a| a.name == name) {
                Some(a) => Some(PatientKey::Attribute(a as u8)),
                None => {
                    let mut known = vec!["acuity".to_string(), "class".to_string()];
                    known.extend(self.attributes.iter().map(|a| a.name.clone()));
                    let hint = if self.attributes.is_empty() {
                        "\"acuity\", \"class\", or an attribute drawn at arrival: [arrivals.NAME.attributes] destination = { rehab = 0.3, home = 0.7 }".to_string()
                    } else {
                        closest(name, known.iter())
                    };
                    self.err_hint(p, format!("no attribute \"{name}\""), hint);
                    None
                }
            },
        }
    }

    /// Slots a table keyed on `key` has (acuity 0..=5, one per class, or an
    /// attribute's values after slot 0).
    pub(super) fn key_slots(&self, key: PatientKey) -> usize {
        match key {
            PatientKey::Acuity => 6,
            PatientKey::Class => self.n_classes,
            PatientKey::Attribute(a) => self.attributes[a as usize].values.len() + 1,
        }
    }

    /// The slot of one value of `key` written at `p`, or an error there.
    pub(super) fn key_slot(&mut self, key: PatientKey, p: FieldPath, value: &str) -> Option<usize> {
        match key {
            PatientKey::Acuity => self.acuity_key(p, value),
            PatientKey::Class => match self.class_ix.get(value) {
                Some(&c) => Some(c),
                None => {
                    let hint = closest(value, self.s.arrivals.keys());
                    self.err_hint(p, format!("unknown class \"{value}\""), hint);
                    None
                }
            },
            PatientKey::Attribute(a) => match self.attribute_info[a as usize].slot.get(value) {
                Some(&s) => Some(s),
                None => {
                    let def = &self.attributes[a as usize];
                    let hint = closest(value, def.values.iter());
                    let msg = format!(
                        "\"{value}\" is not a value of \"{}\" (no arrival class draws it)",
                        def.name
                    );
                    self.err_hint(p, msg, hint);
                    None
                }
            },
        }
    }

    /// The slots of `key` a patient can have, each with the words an error
    /// names it by when a table leaves it uncovered.
    pub(super) fn occurring_slots(&self, key: PatientKey) -> Vec<(usize, String)> {
        match key {
            PatientKey::Acuity => (1..=5).map(|a| (a, format!("acuity {a}"))).collect(),
            PatientKey::Class => {
                let mut names = vec![String::new(); self.n_classes];
                for (name, &c) in &self.class_ix {
                    names[c] = format!("class {name}");
                }
                names.into_iter().enumerate().collect()
            }
            PatientKey::Attribute(a) => {
                let def = &self.attributes[a as usize];
                let info = &self.attribute_info[a as usize];
                let unset = info
                    .missing_in
                    .as_ref()
                    .map(|c| (0, format!("{c} (it draws no {})", def.name)));
                unset
                    .into_iter()
                    .chain(
                        def.values
                            .iter()
                            .enumerate()
                            .map(|(i, v)| (i + 1, format!("{} = {v}", def.name))),
                    )
                    .collect()
            }
        }
    }

    /// A `duration_by` + `durations` table, stored where its key's tables live.
    pub(super) fn keyed_durations(
        &mut self,
        p: &FieldPath,
        by: &str,
        table: &BTreeMap<String, DistSpec>,
        fallback: Option<u32>,
    ) -> DurRef {
        let Some(key) = self.patient_key(p.key("duration_by"), by) else {
            return DurRef::Dist(0);
        };
        let mut row = vec![fallback.unwrap_or(NONE); self.key_slots(key)];
        for (value, dist) in table {
            let at = p.key("durations").key(value);
            if let Some(slot) = self.key_slot(key, at.clone(), value) {
                row[slot] = self.dist(at, dist);
            }
        }
        let missing: Vec<String> = self
            .occurring_slots(key)
            .into_iter()
            .filter(|(slot, _)| row[*slot] == NONE)
            .map(|(_, what)| what)
            .collect();
        if !missing.is_empty() {
            self.err_hint(
                p.key("durations"),
                format!("no duration for {}", missing.join(", ")),
                "list every value or add `duration` as the fallback",
            );
        }
        match key {
            PatientKey::Acuity => {
                let mut fixed = [NONE; 6];
                fixed.copy_from_slice(&row[..6]);
                self.by_acuity.push(fixed);
                DurRef::ByAcuity((self.by_acuity.len() - 1) as u32)
            }
            PatientKey::Class => {
                self.by_class.push(row);
                DurRef::ByClass((self.by_class.len() - 1) as u32)
            }
            PatientKey::Attribute(attr) => {
                self.by_attribute.push(row);
                DurRef::ByAttribute {
                    attr,
                    table: (self.by_attribute.len() - 1) as u32,
                }
            }
        }
    }

    /// A KPI's attribute filter: per attribute named, the slots that count.
    pub(super) fn kpi_attribute_filter(
        &mut self,
        p: &FieldPath,
        filter: Option<&BTreeMap<String, Vec<String>>>,
    ) -> Vec<(u8, Vec<bool>)> {
        let mut out = vec![];
        for (name, values) in filter.into_iter().flatten() {
            let Some(key) = self.patient_key(p.key(name), name) else {
                continue;
            };
            let PatientKey::Attribute(a) = key else {
                self.err_hint(
                    p.key(name),
                    format!("\"{name}\" is not an attribute"),
                    format!(
                        "filter it with `{}` instead",
                        if name == "class" {
                            "classes = [..]"
                        } else {
                            "acuity = [..]"
                        }
                    ),
                );
                continue;
            };
            let mut ok = vec![false; self.key_slots(key)];
            for (i, v) in values.iter().enumerate() {
                if let Some(slot) = self.key_slot(key, p.key(name).index(i), v) {
                    ok[slot] = true;
                }
            }
            out.push((a, ok));
        }
        out
    }
}

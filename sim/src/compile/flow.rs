//! Checks on the flow of the compiled program: every step a patient can reach
//! can still lead out of the hospital, and no loop can go round without time
//! passing (a run that would never end).

use super::*;

/// How a move from one op to the next spends time.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Edge {
    /// Possibly no time at all (a jump, a seize granted at once, a mark).
    Instant,
    /// Time passes: an activity or batch run of at least a second on average,
    /// or a patience that runs out.
    Timed,
    /// Taken a bounded number of times per patient (a `count` step below its
    /// limit), so a loop through it ends by itself.
    Bounded,
}

impl Compiler<'_> {
    /// Whether a duration spends time: its mean (the smallest, for durations by
    /// acuity or class) is at least [`MIN_PERIOD_MINUTES`].
    fn takes_time(&self, dur: DurRef) -> bool {
        let mean = |d: u32| self.dist_means.get(d as usize).copied().unwrap_or(0.0);
        let row_min = |row: &[u32]| {
            row.iter()
                .filter(|&&d| d != NONE)
                .map(|&d| mean(d))
                .fold(f64::INFINITY, f64::min)
        };
        let m = match dur {
            DurRef::Dist(d) | DurRef::DayThenHour { dist: d, .. } => mean(d),
            DurRef::ByAcuity(t) => row_min(&self.by_acuity[t as usize][1..]),
            DurRef::ByClass(t) => row_min(&self.by_class[t as usize]),
            DurRef::ByAttribute { table, .. } => row_min(&self.by_attribute[table as usize]),
            // Until a clock time drawn anew: the wait is a positive share of a day.
            DurRef::UntilHour(_) => return true,
        };
        m >= MIN_PERIOD_MINUTES
    }

    /// The ops a patient can go on to from `pc`, and how each move spends time.
    fn edges(&self, pc: usize) -> Vec<(usize, Edge)> {
        let next = |e| vec![(pc + 1, e)];
        match self.program[pc] {
            Op::Exit { .. } | Op::Join => vec![],
            Op::Jump { pc: t } => vec![(t as usize, Edge::Instant)],
            Op::Count { pc: t, .. } => vec![(pc + 1, Edge::Bounded), (t as usize, Edge::Instant)],
            Op::Seize {
                renege: Renege::Pathway(target),
                patience,
                ..
            } => {
                let patience_takes_time = patience != NONE
                    && self.by_acuity[patience as usize][1..]
                        .iter()
                        .filter(|&&d| d != NONE)
                        .all(|&d| self.takes_time(DurRef::Dist(d)));
                let renege = if patience_takes_time {
                    Edge::Timed
                } else {
                    Edge::Instant
                };
                vec![(pc + 1, Edge::Instant), (target as usize, renege)]
            }
            Op::Branch { table } => {
                let t = &self.branches[table as usize];
                t.targets
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| {
                        t.cumulative.iter().skip(1).any(|row| {
                            let below = if *k == 0 { 0.0 } else { row[k - 1] };
                            let upto = if *k + 1 == row.len() { 1.0 } else { row[*k] };
                            upto > below
                        })
                    })
                    .map(|(_, &t)| (t as usize, Edge::Instant))
                    .collect()
            }
            Op::RouteBy { table } => self.routes[table as usize]
                .targets
                .iter()
                .filter(|&&t| t != NONE)
                .map(|&t| (t as usize, Edge::Instant))
                .collect(),
            Op::Fork { list } => std::iter::once((pc + 1, Edge::Instant))
                .chain(
                    self.forks[list as usize]
                        .iter()
                        .map(|&t| (t as usize, Edge::Instant)),
                )
                .collect(),
            Op::Delay { dur, .. } => next(if self.takes_time(dur) {
                Edge::Timed
            } else {
                Edge::Instant
            }),
            Op::Batch { point } => {
                let d = self.batches[point as usize].duration;
                next(if self.takes_time(DurRef::Dist(d)) {
                    Edge::Timed
                } else {
                    Edge::Instant
                })
            }
            _ => next(Edge::Instant),
        }
    }

    /// Ops reached from the classes' pathways and the fork targets.
    fn reached(&self, classes: &[ClassDef]) -> Vec<bool> {
        let n = self.program.len();
        let mut reached = vec![false; n];
        let mut stack: Vec<usize> = classes.iter().map(|c| c.start_pc as usize).collect();
        stack.extend(self.forks.iter().flatten().map(|&pc| pc as usize));
        while let Some(pc) = stack.pop() {
            if pc >= n || reached[pc] {
                continue;
            }
            reached[pc] = true;
            stack.extend(self.edges(pc).into_iter().map(|(t, _)| t));
        }
        reached
    }

    /// Every step a patient can reach must be able to reach an exit (or, in a
    /// parallel branch, the join): otherwise a loop of gotos traps patients forever.
    pub(super) fn check_termination(&mut self, classes: &[ClassDef], starts: &HashMap<&str, u32>) {
        let n = self.program.len();
        let mut preds = vec![vec![]; n];
        for pc in 0..n {
            for (s, _) in self.edges(pc) {
                if s < n {
                    preds[s].push(pc);
                }
            }
        }
        let mut can_end = vec![false; n];
        let mut stack: Vec<usize> = (0..n)
            .filter(|&pc| matches!(self.program[pc], Op::Exit { .. } | Op::Join))
            .collect();
        for &pc in &stack {
            can_end[pc] = true;
        }
        while let Some(pc) = stack.pop() {
            for &q in &preds[pc] {
                if !can_end[q] {
                    can_end[q] = true;
                    stack.push(q);
                }
            }
        }
        let reached = self.reached(classes);
        let mut bad: Vec<&str> = vec![];
        for pc in 0..n {
            if reached[pc] && !can_end[pc] {
                let owner = starts
                    .iter()
                    .filter(|(_, s)| **s as usize <= pc)
                    .max_by_key(|(_, s)| **s)
                    .map(|(n, _)| *n)
                    .unwrap_or("?");
                if !bad.contains(&owner) {
                    bad.push(owner);
                }
            }
        }
        bad.sort();
        for name in bad {
            self.err_hint(path!["pathways", name], format!("patients in pathway \"{name}\" can never exit: every way on loops back without an exit"), "add an exit, or a branch option that leads to one");
        }
    }

    /// Refuses every loop a patient (or a fork's branches) can go round without
    /// time passing: `goto`, `branch` or `route_by` back to an earlier step with
    /// no activity between, a branch that forks itself. Such a run never ends.
    /// A loop through a `count` step below its limit ends by itself and passes.
    pub(super) fn check_instant_loops(&mut self, classes: &[ClassDef]) {
        let n = self.program.len();
        let reached = self.reached(classes);
        let instant: Vec<Vec<usize>> = (0..n)
            .map(|pc| {
                if !reached[pc] {
                    return vec![];
                }
                self.edges(pc)
                    .into_iter()
                    .filter(|&(t, e)| e == Edge::Instant && t < n)
                    .map(|(t, _)| t)
                    .collect()
            })
            .collect();
        for component in strongly_connected(&instant) {
            let looped = component.len() > 1 || instant[component[0]].contains(&component[0]);
            if !looped {
                continue;
            }
            let cycle = cycle_in(&instant, &component);
            self.report_loop(&cycle);
        }
    }

    fn report_loop(&mut self, cycle: &[usize]) {
        let s = self.s;
        // The loop as steps, each step once in a row, starting where it jumps back.
        let mut steps: Vec<(u16, u16)> = vec![];
        for &pc in cycle {
            let at = self.step_of_pc.get(pc).copied().unwrap_or((0, 0));
            if steps.last() != Some(&at) {
                steps.push(at);
            }
        }
        if steps.len() > 1 && steps.first() == steps.last() {
            steps.pop();
        }
        let describe = |&(pw, st): &(u16, u16)| -> (FieldPath, String) {
            let Some((name, spec)) = s.pathways.get_index(pw as usize) else {
                return (FieldPath::new(), "?".into());
            };
            match spec.steps.get(st as usize) {
                Some(step) => {
                    let kind = step.kind_name();
                    let p = path!["pathways", name].key("steps").index(st as usize);
                    let text = format!("{p} ({kind})");
                    (p, text)
                }
                None => (
                    path!["pathways", name],
                    format!("the end of pathways.{name}"),
                ),
            }
        };
        let described: Vec<(FieldPath, String)> = steps.iter().map(describe).collect();
        let mut text: Vec<String> = described.iter().map(|(_, t)| t.clone()).collect();
        if let Some(first) = described.first() {
            text.push(format!("back to {}", first.0));
        }
        // The error points at the step that jumps back.
        let at = described.last().map(|d| d.0.clone()).unwrap_or_default();
        self.err_hint(
            at,
            format!(
                "patients can go round this loop without time passing, so the run would never end: {}",
                text.join(" -> ")
            ),
            "put an activity that takes time (at least a second on average) on the loop, or a `count` step whose `limit` leads out of it",
        );
    }
}

/// Strongly connected components of a graph given by successor lists
/// (Tarjan's algorithm, iterative so that long programs cannot overflow the stack).
fn strongly_connected(succ: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = succ.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = vec![];
    let mut out = vec![];
    let mut next = 0;
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        // (node, position in its successor list)
        let mut work = vec![(root, 0usize)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&(v, i)) = work.last() {
            if let Some(&w) = succ[v].get(i) {
                if let Some(top) = work.last_mut() {
                    top.1 += 1;
                }
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(u, _)) = work.last() {
                low[u] = low[u].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = vec![];
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                component.sort_unstable();
                out.push(component);
            }
        }
    }
    out.sort();
    out
}

/// One cycle through a strongly connected component, as the ops in order
/// from a jump back to it: found by a breadth-first search inside the component
/// from its first jump op.
fn cycle_in(succ: &[Vec<usize>], component: &[usize]) -> Vec<usize> {
    let inside = |v: usize| component.binary_search(&v).is_ok();
    // Start after a back edge (a jump to an earlier op) so the loop reads from
    // where it returns.
    let start = component
        .iter()
        .copied()
        .find(|&v| succ[v].iter().any(|&w| inside(w) && w <= v))
        .map(|v| {
            succ[v]
                .iter()
                .copied()
                .filter(|&w| inside(w) && w <= v)
                .min()
                .unwrap_or(v)
        })
        .unwrap_or(component[0]);
    let mut parent = std::collections::HashMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &succ[v] {
            if !inside(w) {
                continue;
            }
            if w == start {
                let mut path = vec![v];
                let mut at = v;
                while at != start {
                    at = parent.get(&at).copied().unwrap_or(start);
                    path.push(at);
                }
                path.reverse();
                return path;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(w) {
                e.insert(v);
                queue.push_back(w);
            }
        }
    }
    vec![start]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_find_cycles_and_self_loops() {
        // 0 -> 1 -> 2 -> 0, 3 -> 3, 4 -> 5
        let g = vec![vec![1], vec![2], vec![0], vec![3], vec![5], vec![]];
        let c = strongly_connected(&g);
        assert!(c.contains(&vec![0, 1, 2]));
        assert!(c.contains(&vec![3]));
        assert!(c.contains(&vec![4]) && c.contains(&vec![5]));
        assert_eq!(cycle_in(&g, &[0, 1, 2]), vec![0, 1, 2]);
        assert_eq!(cycle_in(&g, &[3]), vec![3]);
    }
}

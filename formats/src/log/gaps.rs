//! The check on a log's span and gaps: a one-character typo in a year puts
//! one row a century away, and a replay over it would simulate the empty years.

use super::{Builder, MAX_GAP_DAYS, MAX_SPAN_DAYS};
use crate::FormatError;

impl Builder {
    /// A log whose events leave a long stretch empty is refused (unless
    /// allowed), naming the first row on the smaller side of the gap: a
    /// one-character typo in a year puts one row a century away.
    pub(super) fn check_gaps(&mut self) -> Result<(), FormatError> {
        let mut times = std::mem::take(&mut self.times);
        times.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let (Some(&(t0, _)), Some(&(t1, _))) = (times.first(), times.last()) else {
            return Ok(());
        };
        let Some((k, gap)) = times
            .windows(2)
            .enumerate()
            .map(|(k, w)| (k, w[1].0 - w[0].0))
            .max_by(|a, b| a.1.total_cmp(&b.1))
        else {
            return Ok(());
        };
        let span = (t1 - t0) / 1440.0;
        if gap / 1440.0 <= MAX_GAP_DAYS && span <= MAX_SPAN_DAYS {
            return Ok(());
        }
        if self.allow_gaps && span <= MAX_SPAN_DAYS {
            return Ok(());
        }
        let f = crate::time::format_minutes;
        let (before, after) = (&times[..=k], &times[k + 1..]);
        // The smaller side is the suspect; of a tie, the later one.
        let (suspect, few, others, direction) = if before.len() < after.len() {
            (before[0], before.len(), after, "before")
        } else {
            (after[0], after.len(), before, "after")
        };
        let (lo, hi) = (others[0].0, others[others.len() - 1].0);
        let hint = if span > MAX_SPAN_DAYS {
            "a log spans at most 100 years; fix that row (a typo in the year?)"
        } else {
            "fix that row (a typo in the year?); if the log really has no events for so long, give --allow-gaps"
        };
        if few > 10.max(times.len() / 100) {
            // Two large parts: a real stretch without data, not one stray row.
            return Err(FormatError::at(
                &self.file,
                times[k + 1].1,
                format!(
                    "the log has no events for {:.0} days, from {} (line {}) to {} (line {}); the simulation would run through the empty days",
                    gap / 1440.0,
                    f(times[k].0),
                    times[k].1,
                    f(times[k + 1].0),
                    times[k + 1].1,
                ),
            )
            .hint("give the two parts separately, or --allow-gaps if the hospital really had no patients"));
        }
        Err(FormatError::at(
            &self.file,
            suspect.1,
            format!(
                "timestamp {} is {:.0} days {direction} the log's other {} events ({} to {}), with nothing between",
                f(suspect.0),
                gap / 1440.0,
                others.len(),
                f(lo),
                f(hi),
            ),
        )
        .hint(hint))
    }
}

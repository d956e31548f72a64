//! Spacing of a series' observations: steps of one length (hours, days,
//! weeks) and of calendar months (months and quarters, on a day of the month
//! or on month ends).

use jiff::ToSpan;
use jiff::civil::DateTime;

/// Spacing of the observations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Frequency {
    /// One step an hour.
    Hourly,
    /// One step a day.
    Daily,
    /// One step a week.
    Weekly,
    /// One step a month, on the same day of each month (the 1st, or any
    /// day up to the 28th).
    Monthly,
    /// One step a month on its last day (`2023-01-31, 2023-02-28, ...`), as
    /// many exports date a month's total.
    MonthEnd,
    /// One step every three months on the same day (`2023-01-01,
    /// 2023-04-01, ...`).
    Quarterly,
    /// One step every three months on the month's last day (`2023-03-31,
    /// 2023-06-30, ...`).
    QuarterEnd,
}

impl Frequency {
    /// `hourly`, `daily`, `weekly`, `monthly` or `quarterly` (month-end
    /// and month-start series share a name: the dates say which).
    pub fn name(self) -> &'static str {
        match self {
            Frequency::Hourly => "hourly",
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly | Frequency::MonthEnd => "monthly",
            Frequency::Quarterly | Frequency::QuarterEnd => "quarterly",
        }
    }

    /// The usual season: a day of hours, a week of days, a year of weeks,
    /// months or quarters.
    pub fn default_season(self) -> usize {
        match self {
            Frequency::Hourly => 24,
            Frequency::Daily => 7,
            Frequency::Weekly => 52,
            Frequency::Monthly | Frequency::MonthEnd => 12,
            Frequency::Quarterly | Frequency::QuarterEnd => 4,
        }
    }

    /// The next time step after `t` (none past the calendar's end).
    pub fn next(self, t: DateTime) -> Option<DateTime> {
        // A month-end step cannot add a month to the date: 31 January plus a
        // month is 29 February, plus another is 29 March.
        let month_end = |months: i32| -> Option<DateTime> {
            let first = t
                .date()
                .first_of_month()
                .checked_add(months.months())
                .ok()?;
            Some(first.last_of_month().to_datetime(t.time()))
        };
        match self {
            Frequency::Hourly => t.checked_add(1.hour()).ok(),
            Frequency::Daily => t.checked_add(1.day()).ok(),
            Frequency::Weekly => t.checked_add(7.days()).ok(),
            Frequency::Monthly => t.checked_add(1.month()).ok(),
            Frequency::MonthEnd => month_end(1),
            Frequency::Quarterly => t.checked_add(3.months()).ok(),
            Frequency::QuarterEnd => month_end(3),
        }
    }

    pub(super) fn ends_months(self) -> bool {
        matches!(self, Frequency::MonthEnd | Frequency::QuarterEnd)
    }

    /// Whether a series at this frequency may hold `t` at all: month-end
    /// steps fall on a month's last day.
    fn admits(self, t: DateTime) -> bool {
        match self {
            Frequency::MonthEnd | Frequency::QuarterEnd => t.date() == t.date().last_of_month(),
            _ => true,
        }
    }

    /// For the frequencies of one fixed length (hours, days, weeks): the
    /// steps strictly between `a` and a later `b`, and whether `b` lies on
    /// `a`'s grid. None for months, whose length varies.
    pub(super) fn fixed_gap(self, a: DateTime, b: DateTime) -> Option<(usize, bool)> {
        let step: i64 = match self {
            Frequency::Hourly => 3_600,
            Frequency::Daily => 86_400,
            Frequency::Weekly => 604_800,
            Frequency::Monthly
            | Frequency::MonthEnd
            | Frequency::Quarterly
            | Frequency::QuarterEnd => return None,
        };
        // Civil times: no daylight-saving jumps, every day is 24 hours.
        let d = b.duration_since(a);
        let (secs, nanos) = (d.as_secs(), d.subsec_nanos());
        if secs < 0 || (secs == 0 && nanos <= 0) {
            return Some((0, d.is_zero()));
        }
        let on_grid = secs % step == 0 && nanos == 0;
        let steps_to_b = secs / step + i64::from(!on_grid);
        Some(((steps_to_b - 1) as usize, on_grid))
    }

    /// Every frequency with `b` one step after `a` (31 January to 29
    /// February is one step both for the 31st of each month and for month
    /// ends).
    pub(super) fn between(a: DateTime, b: DateTime) -> impl Iterator<Item = Frequency> {
        [
            Frequency::Hourly,
            Frequency::Daily,
            Frequency::Weekly,
            Frequency::Monthly,
            Frequency::MonthEnd,
            Frequency::Quarterly,
            Frequency::QuarterEnd,
        ]
        .into_iter()
        .filter(move |f| f.admits(a) && f.admits(b) && f.next(a) == Some(b))
    }
}

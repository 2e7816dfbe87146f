//! The identity's own baseline of distinct records a day
//! (`distinct-baseline`), beside the hourly request baseline of
//! `rate-baseline`: a day on which it read far more distinct records than
//! on its usual active days (median + MADs). A scrape spread over a
//! working day at a pace no hour notices still makes one day unlike the
//! others.

use super::Context;
use crate::event::{Action, Event, Record};
use crate::finding::{group, Finding, RuleId};
use crate::message;

const DAY: i64 = 86_400_000;

/// Each active day: (day index, distinct records read, first event index,
/// one past the last).
pub fn days(events: &[Event]) -> Vec<(i64, u64, usize, usize)> {
    let mut out: Vec<(i64, u64, usize, usize)> = Vec::new();
    let mut seen: hashbrown::HashSet<(u16, Record)> = hashbrown::HashSet::new();
    for (i, e) in events.iter().enumerate() {
        let d = e.time.div_euclid(DAY);
        if out.last().is_none_or(|last| last.0 != d) {
            seen.clear();
            out.push((d, 0, i, i));
        }
        let last = out.last_mut().expect("pushed");
        last.3 = i + 1;
        if matches!(e.action(), Action::Read | Action::Export) && e.record.is_some() {
            last.1 += seen.insert((e.system(), e.record)) as u64;
        }
    }
    out
}

/// Ids per block of the record space when telling which part of it an
/// identity habitually works in (a branch, a ward, a region's members).
pub const HABIT_BLOCK: u32 = 1000;

/// Other days on which an identity must have read in a block for the block
/// to be part of its habitual record space.
pub const HABIT_DAYS: usize = 2;

/// Which blocks of the record space an identity reads on which days: the
/// part of the record space it habitually works in.
pub struct Habits(hashbrown::HashMap<(u16, u32), Vec<i64>>);

impl Habits {
    /// The habits of a timeline.
    pub fn of(events: &[Event]) -> Habits {
        let mut m: hashbrown::HashMap<(u16, u32), Vec<i64>> = hashbrown::HashMap::new();
        for e in events {
            if let Some(n) = e.record.as_number() {
                let days = m.entry((e.system(), n / HABIT_BLOCK)).or_default();
                let d = e.time.div_euclid(DAY);
                if days.last() != Some(&d) {
                    days.push(d);
                }
            }
        }
        Habits(m)
    }

    /// Share of the numeric records read in `slice` that lie in blocks the
    /// identity read on at least [`HABIT_DAYS`] days other than the slice's
    /// own (`None` when the slice reads no numeric record).
    pub fn share(&self, slice: &[Event]) -> Option<f64> {
        let (from, to) = (
            slice.first()?.time.div_euclid(DAY),
            slice.last()?.time.div_euclid(DAY),
        );
        let (mut inside, mut all) = (0u64, 0u64);
        for e in slice {
            let Some(n) = e.record.as_number() else {
                continue;
            };
            all += 1;
            let other = self
                .0
                .get(&(e.system(), n / HABIT_BLOCK))
                .map_or(0, |days| {
                    days.iter().filter(|&&d| d < from || d > to).count()
                });
            inside += (other >= HABIT_DAYS) as u64;
        }
        (all > 0).then(|| inside as f64 / all as f64)
    }
}

/// Marks `f` as explained access when at least `explained` of the records
/// read in `slice` lie in the identity's habitual record space: it stays a
/// finding (the evidence says so) at severity low.
pub fn explain_by_habit(f: &mut Finding, habits: &Habits, slice: &[Event], explained: f64) {
    let Some(share) = habits.share(slice) else {
        return;
    };
    let pct = (share * 100.0).floor() as u64;
    f.evidence.counts.insert("habitual_pct".into(), pct);
    if share >= explained {
        f.severity = crate::finding::Severity::Low;
        f.score = crate::finding::score(f.severity, f.evidence.observed, f.evidence.threshold);
        f.message.push(format!(
            "; explained access: {pct}% of its records lie in the part of the record space it reads on other days"
        ));
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The baseline of daily distinct records: (median, scaled MAD, active
/// days); `None` with fewer than `min_history` active days.
pub fn baseline(days: &[(i64, u64, usize, usize)], min_history: u64) -> Option<(f64, f64, usize)> {
    if (days.len() as u64) < min_history || days.is_empty() {
        return None;
    }
    let mut n: Vec<f64> = days.iter().map(|d| d.1 as f64).collect();
    let med = median(&mut n);
    let mut dev: Vec<f64> = n.iter().map(|x| (x - med).abs()).collect();
    // As rate-baseline: scaled to a standard deviation, at least 1.
    let mad = (median(&mut dev) * 1.4826).max(1.0);
    Some((med, mad, days.len()))
}

/// Runs `distinct-baseline` over one timeline.
pub fn detect(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.distinct_baseline;
    if !c.enabled || events.is_empty() {
        return;
    }
    let days = days(events);
    if !days.iter().any(|d| d.1 >= c.min_records) {
        return;
    }
    let Some((med, mad, n)) = baseline(&days, c.min_history) else {
        return;
    };
    let limit = med + c.mads * mad;
    let mut habits = None;
    for &(d, distinct, lo, hi) in &days {
        if distinct >= c.min_records && distinct as f64 > limit {
            let mut f = ctx.finding(
                RuleId::DistinctBaseline,
                &events[lo..hi],
                "distinct records read in one day".into(),
                distinct as f64,
                limit.ceil(),
                message!(format!(
                    "read {} distinct records on {} where its usual active day has {} (median of {} active days; limit {:.0} = median + {} MADs)",
                    group(distinct),
                    &crate::time::format(d * DAY)[..10],
                    med,
                    n,
                    limit.ceil(),
                    c.mads
                )),
            );
            f.evidence.window_secs = Some(DAY / 1000);
            f.evidence.counts.insert("history_days".into(), n as u64);
            let habits = habits.get_or_insert_with(|| Habits::of(events));
            explain_by_habit(&mut f, habits, &events[lo..hi], c.explained_share);
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::config::Rules;
    use crate::watchlist::Watchlist;

    /// `per_day[d]` distinct reads on day `d`, spread over eight hours.
    fn history(per_day: &[u32]) -> Vec<crate::event::Event> {
        let mut ev = Vec::new();
        for (d, &n) in per_day.iter().enumerate() {
            for i in 0..n {
                let secs = d as i64 * 86_400 + 9 * 3600 + (i as i64 * 28_800) / n as i64;
                ev.push(read(secs, d as u32 * 10_000 + i));
            }
        }
        ev
    }

    fn run(ev: &[crate::event::Event]) -> Vec<crate::finding::Finding> {
        let t = tables(1);
        run_family(
            super::detect,
            ev,
            &Rules::default(),
            &Watchlist::default(),
            &t,
        )
    }

    #[test]
    fn a_day_far_above_its_usual_days_is_found() {
        let f = run(&history(&[50, 60, 40, 55, 45, 50, 1400, 52]));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence.observed, 1400.0);
        assert_eq!(f[0].evidence.counts["history_days"], 8);
        assert_eq!(f[0].severity, crate::finding::Severity::Medium);
    }

    #[test]
    fn a_busy_day_inside_its_habitual_records_is_explained() {
        // An officer reading ids 7,000-7,999 (its branch) every day, then a
        // read-through of 900 of them one day.
        let mut ev = Vec::new();
        for d in 0..8i64 {
            let n = if d == 6 { 900 } else { 40 };
            for i in 0..n {
                ev.push(read(
                    d * 86_400 + 9 * 3600 + i * 20,
                    7000 + (i as u32 * 7) % 1000,
                ));
            }
        }
        let f = run(&ev);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, crate::finding::Severity::Low);
        assert_eq!(f[0].evidence.counts["habitual_pct"], 100);
        assert!(f[0].message.to_string().contains("explained access"));
    }

    #[test]
    fn busy_but_even_days_and_short_histories_are_not() {
        assert!(run(&history(&[900, 1000, 950, 1100, 1000, 980])).is_empty());
        assert!(run(&history(&[50, 1400])).is_empty());
    }
}

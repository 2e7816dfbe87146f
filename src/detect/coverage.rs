//! Order-free coverage (`coverage`): the distinct record ids an identity
//! read against the contiguous span they fill, over its whole timeline.
//! An enumeration that shuffles its order and keeps a human pace makes no
//! sequential run and stays under every hourly and daily limit; what still
//! gives it away is that the ids it read fill a block of the id space
//! almost completely, which ordinary reading (random members, searches)
//! never does. Order, pace and days do not matter here, by design.

use super::Context;
use crate::event::{Action, Event};
use crate::finding::{group, Finding, Part, RuleId};
use crate::message;

const DAY: i64 = 86_400_000;

/// One dense block of ids read: its distinct ids, span, and the timeline
/// indices of its first and last read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Block {
    /// System of the block.
    pub system: u16,
    /// Lowest and highest id.
    pub first: u32,
    /// Highest id.
    pub last: u32,
    /// Distinct ids read in it.
    pub distinct: u64,
    /// Index of the first and one past the last event reading it.
    pub from: usize,
    /// One past the last event reading it.
    pub to: usize,
    /// Days on which it was read.
    pub days: u64,
    /// Reads of its ids (with repeats).
    pub reads: u64,
}

impl Block {
    /// Share of the span's ids that were read.
    pub fn coverage(&self) -> f64 {
        self.distinct as f64 / (self.last - self.first + 1) as f64
    }
}

/// Blocks of distinct numeric ids read (per system) whose neighbouring
/// ids are at most `max_gap` apart, with at least `min_records` ids.
pub fn blocks(events: &[Event], max_gap: u64, min_records: u64) -> Vec<Block> {
    let mut reads: Vec<(u16, u32, usize)> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| matches!(e.action(), Action::Read))
        .filter_map(|(i, e)| e.record.as_number().map(|n| (e.system(), n, i)))
        .collect();
    if (reads.len() as u64) < min_records {
        return Vec::new();
    }
    reads.sort_unstable();
    let mut out = Vec::new();
    let mut i = 0;
    while i < reads.len() {
        // One block: [i, j) in (system, id) order.
        let mut j = i + 1;
        while j < reads.len()
            && reads[j].0 == reads[i].0
            && (reads[j].1 - reads[j - 1].1) as u64 <= max_gap
        {
            j += 1;
        }
        let block = &reads[i..j];
        let mut distinct = 0u64;
        let mut prev = None;
        let (mut from, mut to) = (usize::MAX, 0);
        let mut days: Vec<i64> = Vec::new();
        for &(_, id, idx) in block {
            if prev != Some(id) {
                distinct += 1;
                prev = Some(id);
            }
            from = from.min(idx);
            to = to.max(idx + 1);
            days.push(events[idx].time.div_euclid(DAY));
        }
        if distinct >= min_records {
            days.sort_unstable();
            days.dedup();
            out.push(Block {
                system: block[0].0,
                first: block[0].1,
                last: block[block.len() - 1].1,
                distinct,
                from,
                to,
                days: days.len() as u64,
                reads: block.len() as u64,
            });
        }
        i = j;
    }
    out
}

/// Runs `coverage` over one timeline.
pub fn detect(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.coverage;
    if !c.enabled {
        return;
    }
    for b in blocks(events, c.max_gap, c.min_records) {
        let coverage = b.coverage();
        if coverage < c.min_coverage {
            continue;
        }
        let slice = &events[b.from..b.to];
        let system = ctx.system(b.system);
        let range = ctx.records(
            b.system,
            crate::event::Record(b.first),
            crate::event::Record(b.last),
        );
        let mut f = ctx.finding(
            RuleId::Coverage,
            slice,
            "distinct ids read in one contiguous id span".into(),
            b.distinct as f64,
            c.min_records as f64,
            message!(
                format!(
                    "read {} distinct {} records filling {:.0}% of the span ",
                    group(b.distinct),
                    system,
                    coverage * 100.0
                ),
                Part::record(&range.first),
                "..",
                Part::record(&range.last),
                format!(
                    " over {} days, in any order (limit {} ids covering {:.0}% of their span)",
                    b.days,
                    group(c.min_records),
                    c.min_coverage * 100.0
                )
            ),
        );
        f.evidence.system = Some(system);
        f.evidence.records = Some(range);
        f.evidence
            .counts
            .insert("span".into(), (b.last - b.first + 1) as u64);
        f.evidence.counts.insert("days".into(), b.days);
        f.evidence
            .counts
            .insert("coverage_pct".into(), (coverage * 100.0).floor() as u64);
        f.evidence.counts.insert("reads".into(), b.reads);
        let rereads = b.reads as f64 / b.distinct as f64;
        if rereads >= c.explained_rereads {
            f.severity = crate::finding::Severity::Low;
            f.score = crate::finding::score(f.severity, f.evidence.observed, f.evidence.threshold);
            f.message.push(format!(
                "; explained access: it keeps returning to these records ({rereads:.1} reads each on average), as one does with one's own branch, where an enumeration reads each once"
            ));
        }
        f.evidence.samples = slice
            .iter()
            .filter(|e| {
                e.system() == b.system
                    && e.record
                        .as_number()
                        .is_some_and(|n| (b.first..=b.last).contains(&n))
            })
            .take(5)
            .map(|e| ctx.line(e))
            .collect();
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::config::Rules;
    use crate::watchlist::Watchlist;

    /// Reads of `ids` in the given order, `gap` seconds apart.
    fn reads(ids: impl IntoIterator<Item = u32>, gap: i64) -> Vec<crate::event::Event> {
        ids.into_iter()
            .enumerate()
            .map(|(i, id)| read(i as i64 * gap, id))
            .collect()
    }

    fn shuffled(lo: u32, hi: u32) -> Vec<u32> {
        let mut v: Vec<u32> = (lo..hi).filter(|i| i % 9 != 0).collect();
        let mut rng = crate::generate::Rng::new(3);
        for i in (1..v.len()).rev() {
            v.swap(i, rng.range(0, i as u64 + 1) as usize);
        }
        v
    }

    fn run(events: &[crate::event::Event]) -> Vec<crate::finding::Finding> {
        let t = tables(1);
        run_family(
            super::detect,
            events,
            &Rules::default(),
            &Watchlist::default(),
            &t,
        )
    }

    #[test]
    fn a_shuffled_block_read_slowly_is_found_whatever_the_order() {
        // 1,111 members of a 1,250-id block, one every 30 s: no run, no
        // hour over any limit.
        let f = run(&reads(shuffled(5000, 6250), 30));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence.observed, 1111.0);
        assert_eq!(f[0].evidence.counts["span"], 1250);
        let r = f[0].evidence.records.as_ref().unwrap();
        assert_eq!((r.first.as_str(), r.last.as_str()), ("5000", "6249"));
    }

    #[test]
    fn random_reads_over_a_wide_space_are_not_coverage() {
        let mut rng = crate::generate::Rng::new(9);
        let ids: Vec<u32> = (0..3000).map(|_| rng.range(0, 500_000) as u32).collect();
        assert!(run(&reads(ids, 30)).is_empty());
        // A dense block below the minimum is not either.
        assert!(run(&reads(shuffled(5000, 5900), 30)).is_empty());
    }

    #[test]
    fn a_block_read_over_and_over_is_explained() {
        // An officer's branch, read through twice.
        let mut ids = shuffled(5000, 6250);
        ids.extend(shuffled(5000, 6250));
        let f = run(&reads(ids, 30));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, crate::finding::Severity::Low);
        assert_eq!(f[0].evidence.counts["reads"], 2222);
        assert!(f[0].message.to_string().contains("explained access"));
    }
}

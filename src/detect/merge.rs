//! Merging one identity's findings of one rule into episodes: findings that
//! overlap or lie close together are one thing for a person to check.

use crate::event::Event;
use crate::finding::{self, Finding};
use crate::time::Millis;

/// Findings of one rule and identity closer than this merge: one burst with
/// a short pause is one thing for a person to check, not two.
pub const MERGE_GAP: Millis = 30 * 60_000;

/// Merges findings of one rule that overlap or lie within [`MERGE_GAP`]:
/// the strongest keeps its message and evidence and takes the union of the
/// windows; the event count is recounted from the timeline.
pub fn merge(mut findings: Vec<Finding>, timeline: &[Event]) -> Vec<Finding> {
    findings.sort_by(|a, b| {
        a.rule
            .cmp(&b.rule)
            .then(a.start_ms.cmp(&b.start_ms))
            .then(a.end_ms.cmp(&b.end_ms))
    });
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut merged: Vec<usize> = Vec::with_capacity(findings.len());
    for f in findings {
        match out.last_mut() {
            Some(last) if last.rule == f.rule && f.start_ms <= last.end_ms + MERGE_GAP => {
                *merged.last_mut().expect("one per finding") += 1;
                let (start, end) = (last.start_ms.min(f.start_ms), last.end_ms.max(f.end_ms));
                if finding::cmp_within(&f, last) == std::cmp::Ordering::Less {
                    *last = f;
                }
                last.start_ms = start;
                last.end_ms = end;
                last.start = crate::time::format(start);
                last.end = crate::time::format(end);
                let lo = timeline.partition_point(|e| e.time < start);
                let hi = timeline.partition_point(|e| e.time <= end);
                last.events = (hi - lo) as u64;
            }
            _ => {
                out.push(f);
                merged.push(1);
            }
        }
    }
    for (f, n) in out.iter_mut().zip(merged) {
        if n > 1 {
            f.evidence.counts.insert("merged_findings".into(), n as u64);
            f.message.push(format!(
                "; strongest of {n} such findings between {} and {} ({} events)",
                f.start, f.end, f.events
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::Context;
    use super::*;
    use crate::finding::RuleId;
    use crate::watchlist::Watchlist;

    #[test]
    fn close_findings_of_a_rule_merge_and_recount() {
        let tables = tables(1);
        let paths = vec!["log".to_string()];
        let watchlist = Watchlist::default();
        let rules = crate::config::Rules::default();
        let ctx = Context {
            tables: &tables,
            paths: &paths,
            watchlist: &watchlist,
            identity: "who",
            rules: &rules,
            watched: &Default::default(),
            peer_hours: [0.0; 24],
        };
        let tl: Vec<Event> = [0, 60, 120, 1000, 1060, 5000]
            .iter()
            .map(|&s| read(s, 1))
            .collect();
        let f = |a: usize, b: usize, obs: f64| {
            ctx.finding(
                RuleId::Regularity,
                &tl[a..b],
                String::new(),
                obs,
                1.0,
                crate::message!(format!("{obs}")),
            )
        };
        // 120 s to 1000 s is within the gap; 1060 s to 5000 s is not.
        let merged = merge(vec![f(0, 3, 2.0), f(3, 5, 4.0), f(5, 6, 1.0)], &tl);
        assert_eq!(merged.len(), 2);
        assert!(
            merged[0].message.render().starts_with("4; strongest of 2"),
            "{}",
            merged[0].message
        );
        assert_eq!(merged[0].events, 5);
        assert_eq!((merged[0].start_ms, merged[0].end_ms), (0, 1_060_000));
    }
}

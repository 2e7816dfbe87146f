//! Merging one identity's findings of one rule into episodes: findings that
//! overlap or lie close together are one thing for a person to check.

use crate::event::Event;
use crate::finding::{self, Finding};
use crate::time::Millis;

/// Findings of one rule and identity closer than this merge: a behaviour
/// with pauses (a crawler that stops for an hour, a scraper working
/// through an afternoon) is one thing for a person to check, not one line
/// per window. Six hours keeps separate evenings apart.
pub const MERGE_GAP: Millis = 6 * 3_600_000;

/// Merges findings of one rule that overlap or lie within [`MERGE_GAP`]
/// into one episode: the strongest keeps its message and evidence, with
/// its own window as the evidence's `worst`, and takes the union of the
/// windows; the count of windows merged is `merged_findings`; the event
/// count is recounted from the timeline.
pub fn merge(mut findings: Vec<Finding>, timeline: &[Event]) -> Vec<Finding> {
    findings.sort_by(|a, b| {
        a.rule
            .cmp(&b.rule)
            .then(a.start_ms.cmp(&b.start_ms))
            .then(a.end_ms.cmp(&b.end_ms))
    });
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut merged: Vec<usize> = Vec::with_capacity(findings.len());
    let mut worst: Vec<(Millis, Millis)> = Vec::with_capacity(findings.len());
    for f in findings {
        match out.last_mut() {
            Some(last) if last.rule == f.rule && f.start_ms <= last.end_ms + MERGE_GAP => {
                *merged.last_mut().expect("one per finding") += 1;
                let (start, end) = (last.start_ms.min(f.start_ms), last.end_ms.max(f.end_ms));
                if finding::cmp_within(&f, last) == std::cmp::Ordering::Less {
                    *worst.last_mut().expect("one per finding") = (f.start_ms, f.end_ms);
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
                worst.push((f.start_ms, f.end_ms));
                out.push(f);
                merged.push(1);
            }
        }
    }
    for ((f, n), (a, b)) in out.iter_mut().zip(merged).zip(worst) {
        if n > 1 {
            f.evidence.counts.insert("merged_findings".into(), n as u64);
            f.evidence.worst = Some((crate::time::format(a), crate::time::format(b)));
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
            zone: &crate::time::UTC,
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
        // 120 s to 1000 s and 1060 s to 5000 s are within the gap.
        let merged = merge(vec![f(0, 3, 2.0), f(3, 5, 4.0), f(5, 6, 1.0)], &tl);
        assert_eq!(merged.len(), 1);
        assert!(
            merged[0].message.render().starts_with("4; strongest of 3"),
            "{}",
            merged[0].message
        );
        assert_eq!(merged[0].events, 6);
        assert_eq!((merged[0].start_ms, merged[0].end_ms), (0, 5_000_000));
        assert_eq!(
            merged[0].evidence.worst,
            Some((
                crate::time::format(1_000_000),
                crate::time::format(1_060_000)
            ))
        );
    }

    #[test]
    fn windows_hours_apart_are_one_episode_evenings_apart_are_not() {
        // Regression: one address got 22 `rate-absolute` findings, one per
        // burst an hour apart. A behaviour is one episode.
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
            zone: &crate::time::UTC,
        };
        let mut tl = Vec::new();
        for burst in 0..22 {
            for i in 0..70 {
                tl.push(read(burst * 3600 + i, 1));
            }
        }
        tl.push(read(30 * 86_400, 1));
        let findings: Vec<Finding> = (0..23)
            .map(|b| {
                let (lo, hi) = if b < 22 {
                    (b * 70, b * 70 + 70)
                } else {
                    (1540, 1541)
                };
                ctx.finding(
                    RuleId::RateAbsolute,
                    &tl[lo..hi],
                    String::new(),
                    (hi - lo) as f64,
                    60.0,
                    crate::message!("burst"),
                )
            })
            .collect();
        let merged = merge(findings, &tl);
        assert_eq!(merged.len(), 2, "22 hourly bursts are one episode");
        assert_eq!(merged[0].evidence.counts["merged_findings"], 22);
        assert!(merged[0].evidence.worst.is_some());
        assert!(merged[1].evidence.worst.is_none());
    }
}

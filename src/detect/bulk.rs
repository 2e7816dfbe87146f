//! Bulk sequential reads: `sequential-read`, `paged-search`,
//! `distinct-volume`, `export-volume`, `byte-volume`.

use super::window::most_in_window;
use super::{episodes, window_name, Context, RecordSpace};
use crate::event::Tables;
use crate::event::{Action, Event, Record};
use crate::finding::{duration, group, Finding, Part, RuleId};
use crate::message;
use crate::timeline::Timelines;
use hashbrown::HashMap;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Runs the family's enabled rules over one timeline.
pub fn detect(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let r = ctx.rules;
    if r.sequential_read.enabled {
        sequential_read(events, ctx, out);
    }
    if r.paged_search.enabled {
        paged_search(events, ctx, out);
    }
    if r.distinct_volume.enabled {
        distinct_volume(events, ctx, out);
    }
    if r.export_volume.enabled {
        let c = &r.export_volume;
        for ep in episodes(events, c.window * 1000, c.max_rows, |e| {
            if e.action() == Action::Export {
                e.rows as u64
            } else {
                0
            }
        }) {
            let slice = &events[ep.peak_start..ep.peak_end];
            let exports = slice
                .iter()
                .filter(|e| e.action() == Action::Export)
                .count();
            let mut f = ctx.finding(
                RuleId::ExportVolume,
                &events[ep.start..ep.end],
                format!("rows exported in {}", window_name(c.window)),
                ep.peak as f64,
                c.max_rows as f64,
                message!(format!(
                    "exported {} rows in {} exports within {} (limit {} rows in {})",
                    group(ep.peak),
                    exports,
                    duration(slice[slice.len() - 1].time - slice[0].time),
                    group(c.max_rows),
                    window_name(c.window)
                )),
            );
            f.evidence.window_secs = Some(c.window);
            f.evidence.samples = samples(slice, ctx, |e| e.action() == Action::Export);
            f.evidence.counts.insert("exports".into(), exports as u64);
            out.push(f);
        }
    }
    if r.byte_volume.enabled {
        byte_volume(events, ctx, out);
    }
}

/// `byte-volume`: bytes served in a window over the limit even without
/// the window's largest response, across at least `min_objects` objects
/// in that same window (distinct records or paths; a static asset counts
/// by request), so that one large download, with the page views around
/// it, is not bulk access.
fn byte_volume(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.byte_volume;
    let total: u64 = events.iter().map(|e| e.bytes as u64).sum();
    if total < c.max_bytes {
        return;
    }
    let window = c.window * 1000;
    let mut objects: HashMap<(u16, Record), u32> = HashMap::new();
    let (mut left, mut bytes, mut loose) = (0, 0u64, 0u64);
    // Indices of the window's responses in decreasing size: the front is
    // the largest (a monotonic queue, so the pass stays linear).
    let mut largest: std::collections::VecDeque<usize> = Default::default();
    // (first, last, peak bytes, its objects, peak first, peak last)
    let mut episode: Option<(usize, usize, u64, u64, usize, usize)> = None;
    let flush = |ep: (usize, usize, u64, u64, usize, usize), out: &mut Vec<Finding>| {
        let (s, e, peak, objs, ps, pe) = ep;
        let slice = &events[ps..=pe];
        let largest = slice.iter().map(|e| e.bytes as u64).max().unwrap_or(0);
        let mut f = ctx.finding(
            RuleId::ByteVolume,
            &events[s..=e],
            format!("bytes served in {}", window_name(c.window)),
            peak as f64,
            c.max_bytes as f64,
            message!(format!(
                "was served {} bytes in {} requests for {} objects within {} (limit {} in {} across at least {} objects; the largest response {})",
                group(peak),
                group(slice.len() as u64),
                group(objs),
                duration(slice[slice.len() - 1].time - slice[0].time),
                group(c.max_bytes),
                window_name(c.window),
                group(c.min_objects),
                group(largest)
            )),
        );
        f.evidence.window_secs = Some(c.window);
        f.evidence.counts.insert("objects".into(), objs);
        f.evidence.counts.insert("largest_response".into(), largest);
        out.push(f);
    };
    for right in 0..events.len() {
        let e = &events[right];
        bytes += e.bytes as u64;
        while largest.back().is_some_and(|&i| events[i].bytes <= e.bytes) {
            largest.pop_back();
        }
        largest.push_back(right);
        match e.record.is_some() {
            true => *objects.entry((e.system(), e.record)).or_default() += 1,
            false => loose += 1,
        }
        while e.time - events[left].time >= window {
            let l = &events[left];
            bytes -= l.bytes as u64;
            if l.record.is_some() {
                let key = (l.system(), l.record);
                let n = objects.get_mut(&key).expect("counted");
                *n -= 1;
                if *n == 0 {
                    objects.remove(&key);
                }
            } else {
                loose -= 1;
            }
            left += 1;
            if largest.front() == Some(&(left - 1)) {
                largest.pop_front();
            }
        }
        let objs = objects.len() as u64 + loose;
        let top = largest.front().map_or(0, |&i| events[i].bytes as u64);
        if bytes - top < c.max_bytes || objs < c.min_objects {
            continue;
        }
        episode = match episode {
            // The window shares an event with the open episode.
            Some((s, last, peak, po, ps, pe)) if left <= last => {
                if bytes > peak {
                    Some((s, right, bytes, objs, left, right))
                } else {
                    Some((s, right, peak, po, ps, pe))
                }
            }
            Some(ep) => {
                flush(ep, out);
                Some((left, right, bytes, objs, left, right))
            }
            None => Some((left, right, bytes, objs, left, right)),
        };
    }
    if let Some(ep) = episode {
        flush(ep, out);
    }
}

/// Up to five `file:line` samples of the events that match.
fn samples(events: &[Event], ctx: &Context, keep: impl Fn(&Event) -> bool) -> Vec<String> {
    events
        .iter()
        .filter(|e| keep(e))
        .take(5)
        .map(|e| ctx.line(e))
        .collect()
}

/// A run of reads in id order within one system.
#[derive(Debug, Clone, Copy)]
struct Run {
    system: u16,
    /// +1 ascending, -1 descending, 0 not yet known.
    dir: i64,
    first: usize,
    last: usize,
    first_id: u32,
    last_id: u32,
    len: u64,
}

fn sequential_read(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.sequential_read;
    // Cheap exit: too few numeric reads to ever make a run.
    let reads = events
        .iter()
        .filter(|e| is_read(e) && e.record.as_number().is_some())
        .count();
    if (reads as u64) < c.min_run {
        return;
    }
    // One open run per system, so reads of other systems in between do not
    // break an enumeration.
    let mut runs: Vec<Run> = Vec::new();
    let close = |run: &Run, out: &mut Vec<Finding>| {
        if run.len < c.min_run {
            return;
        }
        let slice = &events[run.first..=run.last];
        let span = slice[slice.len() - 1].time - slice[0].time;
        let system = ctx.system(run.system);
        let mut f = ctx.finding(
            RuleId::SequentialRead,
            slice,
            "records read in id order".into(),
            run.len as f64,
            c.min_run as f64,
            message!(
                format!(
                    "read {} {} records in {} id order ",
                    group(run.len),
                    system,
                    if run.dir < 0 {
                        "descending"
                    } else {
                        "ascending"
                    },
                ),
                Part::record(run.first_id.to_string()),
                "-",
                Part::record(run.last_id.to_string()),
                format!(
                    " over {} (limit {} in a run, gaps up to {})",
                    duration(span),
                    group(c.min_run),
                    c.max_gap
                ),
            ),
        );
        f.evidence.system = Some(system);
        f.evidence.records =
            Some(ctx.records(run.system, Record(run.first_id), Record(run.last_id)));
        f.evidence.samples = samples(slice, ctx, |e| e.system() == run.system && is_read(e));
        out.push(f);
    };
    for (i, e) in events.iter().enumerate() {
        let Some(id) = e.record.as_number().filter(|_| is_read(e)) else {
            continue;
        };
        let slot = match runs.iter().position(|r| r.system == e.system()) {
            Some(p) => p,
            None => {
                runs.push(Run {
                    system: e.system(),
                    dir: 0,
                    first: i,
                    last: i,
                    first_id: id,
                    last_id: id,
                    len: 1,
                });
                continue;
            }
        };
        let run = &mut runs[slot];
        let step = id as i64 - run.last_id as i64;
        if step == 0 {
            continue; // the same record again does not break a run
        }
        let dir = step.signum();
        let continues = e.time - events[run.last].time <= c.max_pause * 1000
            && step.unsigned_abs() <= c.max_gap
            && (run.dir == 0 || run.dir == dir);
        if continues {
            run.dir = dir;
            run.last = i;
            run.last_id = id;
            run.len += 1;
        } else {
            let done = *run;
            close(&done, out);
            runs[slot] = Run {
                system: e.system(),
                dir: 0,
                first: i,
                last: i,
                first_id: id,
                last_id: id,
                len: 1,
            };
        }
    }
    for run in &runs {
        close(run, out);
    }
}

fn is_read(e: &Event) -> bool {
    matches!(e.action(), Action::Read | Action::Export)
}

fn paged_search(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.paged_search;
    let mut start = 0;
    let mut last: Option<usize> = None;
    let mut len = 0u64;
    let flush = |start: usize, last: Option<usize>, len: u64, out: &mut Vec<Finding>| {
        let Some(last) = last else { return };
        if len < c.min_pages {
            return;
        }
        let slice = &events[start..=last];
        let (p0, p1) = (events[start].page, events[last].page);
        let system = ctx.system(events[start].system());
        let mut f = ctx.finding(
            RuleId::PagedSearch,
            slice,
            "consecutive result pages".into(),
            len as f64,
            c.min_pages as f64,
            message!(format!(
                "walked {} {} search result pages {}-{} over {} (limit {})",
                group(len),
                system,
                p0,
                p1,
                duration(slice[slice.len() - 1].time - slice[0].time),
                c.min_pages
            )),
        );
        f.evidence.system = Some(system);
        f.evidence.samples = samples(slice, ctx, |e| e.action() == Action::Search);
        f.evidence.counts.insert(
            "rows".into(),
            slice
                .iter()
                .filter(|e| e.action() == Action::Search)
                .map(|e| e.rows as u64)
                .sum(),
        );
        out.push(f);
    };
    for (i, e) in events.iter().enumerate() {
        if e.action() != Action::Search || e.page == 0 {
            continue;
        }
        match last {
            Some(l)
                if e.system() == events[l].system()
                    && e.page == events[l].page + 1
                    && e.time - events[l].time <= c.max_pause * 1000 =>
            {
                last = Some(i);
                len += 1;
            }
            Some(l) if e.page == events[l].page && e.system() == events[l].system() => {}
            _ => {
                flush(start, last, len, out);
                start = i;
                last = Some(i);
                len = 1;
            }
        }
    }
    flush(start, last, len, out);
}

fn distinct_volume(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.distinct_volume;
    let read = |e: &Event| is_read(e) && e.record.is_some();
    let mut reads: Option<Vec<usize>> = None;
    for (window, limit) in [
        (c.window, c.max_records),
        (c.long_window, c.long_max_records),
    ] {
        // No window reads `limit` records: none reads that many distinct.
        if limit == 0 || most_in_window(events, window * 1000, read) < limit {
            continue;
        }
        let reads: &[usize] =
            reads.get_or_insert_with(|| (0..events.len()).filter(|&i| read(&events[i])).collect());
        // Sliding window over the reads, counting distinct (system, record).
        let mut counts: HashMap<(u16, Record), u32> = HashMap::new();
        let mut left = 0;
        let mut episode: Option<(usize, usize, u64, usize, usize)> = None;
        let flush = |ep: (usize, usize, u64, usize, usize), out: &mut Vec<Finding>| {
            let (s, e, peak, ps, pe) = ep;
            let peak_slice = &events[reads[ps]..=reads[pe]];
            let system = ctx.system(events[reads[ps]].system());
            let mut f = ctx.finding(
                RuleId::DistinctVolume,
                &events[reads[s]..=reads[e]],
                format!("distinct records read in {}", window_name(window)),
                peak as f64,
                limit as f64,
                message!(format!(
                    "read {} distinct {} records within {} (limit {} in {})",
                    group(peak),
                    system,
                    duration(peak_slice[peak_slice.len() - 1].time - peak_slice[0].time),
                    group(limit),
                    window_name(window)
                )),
            );
            f.evidence.samples = samples(peak_slice, ctx, is_read);
            f.evidence.window_secs = Some(window);
            f.evidence.system = Some(system);
            out.push(f);
        };
        for right in 0..reads.len() {
            let e = &events[reads[right]];
            *counts.entry((e.system(), e.record)).or_default() += 1;
            while e.time - events[reads[left]].time >= window * 1000 {
                let l = &events[reads[left]];
                let key = (l.system(), l.record);
                let n = counts.get_mut(&key).expect("counted");
                *n -= 1;
                if *n == 0 {
                    counts.remove(&key);
                }
                left += 1;
            }
            let distinct = counts.len() as u64;
            if distinct >= limit {
                episode = match episode {
                    // The window shares a read with the open episode.
                    Some((s, last, peak, ps, pe)) if left <= last => {
                        if distinct > peak {
                            Some((s, right, distinct, left, right))
                        } else {
                            Some((s, right, peak, ps, pe))
                        }
                    }
                    Some(ep) => {
                        flush(ep, out);
                        Some((left, right, distinct, left, right))
                    }
                    None => Some((left, right, distinct, left, right)),
                };
            }
        }
        if let Some(ep) = episode {
            flush(ep, out);
        }
    }
}

/// Largest bitmap (bits, over all wanted systems) for counting distinct
/// records: 64 MiB.
const DENSE_BITS: u64 = 1 << 29;

/// The distinct records of each `wanted` system (sorted) among `events`,
/// whose string records have symbols below `strings`. Record ids are small
/// dense numbers in practice, so each system gets a bitmap set in parallel;
/// when the ids are too sparse for `max_bits`, the pairs are split by hash
/// into one part per thread and each part counted in a hash set.
fn distinct_records(events: &[Event], strings: usize, wanted: &[u16], max_bits: u64) -> Vec<u64> {
    let slot = |e: &Event| {
        e.record
            .is_some()
            .then(|| wanted.binary_search(&e.system()).ok())
            .flatten()
    };
    let max_numeric = events
        .par_iter()
        .filter(|e| slot(e).is_some())
        .filter_map(|e| e.record.as_number().map(u64::from))
        .max()
        .unwrap_or(0);
    let per_system = max_numeric + 1 + strings as u64;
    // A record as a dense index: numbers first, then string symbols.
    let dense = |r: Record| match r.as_string() {
        Some(sym) => max_numeric + 1 + sym as u64,
        None => r.0 as u64,
    };
    if per_system * wanted.len() as u64 <= max_bits {
        let words = per_system.div_ceil(64) as usize;
        let bits: Vec<AtomicU64> = (0..words * wanted.len())
            .map(|_| AtomicU64::new(0))
            .collect();
        events.par_iter().for_each(|e| {
            if let Some(s) = slot(e) {
                let i = dense(e.record);
                bits[s * words + (i / 64) as usize].fetch_or(1 << (i % 64), Ordering::Relaxed);
            }
        });
        return bits
            .chunks(words)
            .map(|w| {
                w.iter()
                    .map(|b| b.load(Ordering::Relaxed).count_ones() as u64)
                    .sum()
            })
            .collect();
    }
    let parts = rayon::current_num_threads() as u64;
    let per_part: Vec<Vec<u64>> = (0..parts)
        .into_par_iter()
        .map(|part| {
            let mut seen = hashbrown::HashSet::<(usize, Record)>::new();
            for e in events {
                if let Some(s) = slot(e) {
                    let hash = dense(e.record).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
                    if (hash * parts) >> 32 == part {
                        seen.insert((s, e.record));
                    }
                }
            }
            let mut counts = vec![0; wanted.len()];
            for (s, _) in seen {
                counts[s] += 1;
            }
            counts
        })
        .collect();
    (0..wanted.len())
        .map(|s| per_part.iter().map(|c| c[s]).sum())
        .collect()
}

/// A system's name as evidence gives it.
pub fn system_name(tables: &Tables, system: u16) -> String {
    let name = tables.systems.text(system as u32).into_owned();
    if name.is_empty() {
        super::NO_SYSTEM.into()
    } else {
        name
    }
}

/// The distinct records of each of `systems` (sorted) in `tl`.
pub fn distinct_records_of(tl: &Timelines, systems: &[u16]) -> Vec<u64> {
    distinct_records(tl.events, tl.tables.records.len(), systems, DENSE_BITS)
}

/// Adds to each `distinct-volume` finding the share of its system's
/// records (as seen anywhere in the logs) that the identity read.
///
/// The record space (distinct records of a system in the logs) does not
/// depend on thresholds: each system's is counted once, when first needed,
/// and kept for later runs over the same timelines, or known beforehand
/// (a partitioned run counts it over every event).
pub fn add_record_space_share(tl: &Timelines, findings: &mut [Finding], space: &RecordSpace) {
    let known = match space {
        RecordSpace::Known(known) => std::borrow::Cow::Borrowed(known),
        RecordSpace::Counted(memo) => {
            let mut memo = memo.lock().unwrap_or_else(|e| e.into_inner());
            let sym = |name: &str| {
                let name = if name == super::NO_SYSTEM { "" } else { name };
                let sym = tl.tables.systems.get_sym(name.as_bytes())?;
                u16::try_from(sym).ok()
            };
            let mut wanted: Vec<(u16, &str)> = findings
                .iter()
                .filter(|f| f.rule == RuleId::DistinctVolume)
                .filter_map(|f| f.evidence.system.as_deref())
                .filter(|name| !memo.contains_key(*name))
                .filter_map(|name| Some((sym(name)?, name)))
                .collect();
            wanted.sort_unstable();
            wanted.dedup();
            if !wanted.is_empty() {
                let syms: Vec<u16> = wanted.iter().map(|w| w.0).collect();
                let counts = distinct_records_of(tl, &syms);
                for ((_, name), n) in wanted.into_iter().zip(counts) {
                    memo.insert(name.to_string(), n);
                }
            }
            std::borrow::Cow::Owned(memo.clone())
        }
    };
    for f in findings
        .iter_mut()
        .filter(|f| f.rule == RuleId::DistinctVolume)
    {
        let Some(system) = &f.evidence.system else {
            continue;
        };
        let total = known.get(system).copied().unwrap_or(0);
        if total > 0 {
            f.evidence
                .counts
                .insert("system_records_seen".into(), total);
            let share = f.evidence.observed / total as f64 * 100.0;
            f.message.push(format!(
                "; {share:.1}% of the {} records seen in the logs",
                group(total)
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::config::Config;
    use crate::watchlist::Watchlist;

    fn run(events: &[Event], config: &Config) -> Vec<Finding> {
        run_family(
            detect,
            events,
            &config.rules,
            &Watchlist::default(),
            &tables(1),
        )
    }

    fn only(config: &mut Config, rule: &str) {
        let r = &mut config.rules;
        r.sequential_read.enabled = rule == "sequential-read";
        r.paged_search.enabled = rule == "paged-search";
        r.distinct_volume.enabled = rule == "distinct-volume";
        r.export_volume.enabled = rule == "export-volume";
        r.byte_volume.enabled = rule == "byte-volume";
    }

    #[test]
    fn distinct_records_by_bitmap_and_by_hash_agree() {
        // Numbers (repeated, one large), string symbols, records of an
        // unwanted system and events with no record.
        let mut events = Vec::new();
        for (i, r) in [5, 7, 5, 1_000_000, 0, 7, 3].into_iter().enumerate() {
            events.push(read(i as i64, r));
        }
        for sym in [0, 2, 2, 9] {
            events.push(Event {
                record: Record::string(sym),
                ..read(0, 0)
            });
        }
        events.push(read(0, 42).with_system(0));
        events.push(Event {
            record: Record::NONE,
            ..read(0, 0)
        });
        let expected: hashbrown::HashSet<Record> = events
            .iter()
            .filter(|e| e.system() == 1 && e.record.is_some())
            .map(|e| e.record)
            .collect();
        assert_eq!(expected.len(), 8);
        for max_bits in [u64::MAX, 0] {
            let counts = distinct_records(&events, 10, &[1, 3], max_bits);
            assert_eq!(counts, vec![8, 0], "max_bits {max_bits}");
        }
    }

    #[test]
    fn sequential_read_fires_at_the_run_length_not_below() {
        let mut config = Config::default();
        only(&mut config, "sequential-read");
        config.rules.sequential_read.min_run = 10;
        // Ids 100, 102, 104, ... (gaps of 2), one read every 5 s.
        let seq = |n: u32| {
            (0..n)
                .map(|i| read(i as i64 * 5, 100 + 2 * i))
                .collect::<Vec<_>>()
        };
        assert!(run(&seq(9), &config).is_empty());
        let f = run(&seq(10), &config);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence.observed, 10.0);
        assert!(
            f[0].message.render().contains("ascending id order 100-118"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].evidence.samples[0], "log:1");
        // Gaps over max_gap break the run.
        config.rules.sequential_read.max_gap = 1;
        assert!(run(&seq(10), &config).is_empty());
    }

    #[test]
    fn descending_runs_and_pauses() {
        let mut config = Config::default();
        only(&mut config, "sequential-read");
        config.rules.sequential_read.min_run = 5;
        let down: Vec<Event> = (0..5).map(|i| read(i * 10, 500 - i as u32)).collect();
        assert!(run(&down, &config)[0]
            .message
            .render()
            .contains("descending"));
        let slow: Vec<Event> = (0..5).map(|i| read(i * 1000, 500 + i as u32)).collect();
        assert!(
            run(&slow, &config).is_empty(),
            "pauses over max_pause end a run"
        );
    }

    #[test]
    fn paged_search_counts_consecutive_pages() {
        let mut config = Config::default();
        only(&mut config, "paged-search");
        config.rules.paged_search.min_pages = 4;
        let pages = |n: u16| -> Vec<Event> {
            (0..n)
                .map(|p| Event {
                    page: p + 1,
                    rows: 50,
                    ..act(p as i64 * 10, Action::Search)
                })
                .collect()
        };
        assert!(run(&pages(3), &config).is_empty());
        let f = run(&pages(4), &config);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.render().contains("pages 1-4"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].evidence.counts["rows"], 200);
    }

    #[test]
    fn distinct_and_export_volume_fire_at_the_limit() {
        let mut config = Config::default();
        only(&mut config, "distinct-volume");
        config.rules.distinct_volume.max_records = 5;
        config.rules.distinct_volume.long_max_records = 0;
        let random: Vec<Event> = [7, 3, 9, 3, 1]
            .iter()
            .enumerate()
            .map(|(i, &r)| read(i as i64, r))
            .collect();
        assert!(run(&random, &config).is_empty(), "4 distinct");
        let mut five = random.clone();
        five.push(read(6, 11));
        assert_eq!(run(&five, &config).len(), 1);

        only(&mut config, "export-volume");
        config.rules.export_volume.max_rows = 1000;
        let export = |s: i64, rows: u32| Event {
            rows,
            ..act(s, Action::Export)
        };
        assert!(run(&[export(0, 600), export(10, 399)], &config).is_empty());
        let f = run(&[export(0, 600), export(10, 400)], &config);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message
                .render()
                .contains("exported 1,000 rows in 2 exports"),
            "{}",
            f[0].message
        );
        assert!(
            run(&[export(0, 600), export(4000, 400)], &config).is_empty(),
            "outside the window"
        );
    }

    #[test]
    fn byte_volume_needs_many_objects_not_one_large_download() {
        // Regression: 58 addresses were flagged for downloading one 757 MB
        // file once.
        let mut config = Config::default();
        only(&mut config, "byte-volume");
        let get = |s: i64, record: u32, bytes: u32| Event {
            bytes,
            ..read(s, record)
        };
        let mut one = vec![get(0, 1, 757_000_000)];
        one.extend((1..31).map(|i| get(i * 10, 100 + i as u32, 5_000)));
        assert!(run(&one, &config).is_empty(), "one large file among pages");
        let mut two = one.clone();
        two.push(get(400, 2, 757_000_000));
        assert_eq!(run(&two, &config).len(), 1, "two large files are volume");
        // The same 757 MB over 25 distinct objects is bulk.
        let many: Vec<Event> = (0..25)
            .map(|i| get(i * 10, 200 + i as u32, 30_280_000))
            .collect();
        let f = run(&many, &config);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence.counts["objects"], 25);
        // One file fetched 25 times is one object.
        let again: Vec<Event> = (0..25).map(|i| get(i * 10, 7, 30_280_000)).collect();
        assert!(run(&again, &config).is_empty());
    }
}

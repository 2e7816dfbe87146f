//! Gaps in the logs: stretches with no events, per input file and per
//! system, far longer than that source's usual quiet periods. Missing logs
//! are evidence too (a rotation that lost a night, a system that stopped
//! logging during an embargo), so they are reported beside the line
//! account, and findings whose windows touch one are marked.
//!
//! "Usual" is robust: for each source, the longest quiet stretch of each
//! day it logged, and the upper quartile of those (so one lost night, or
//! a few, does not move it).
//! Quiet is measured only in the hours of the day and the days of the week
//! a source usually logs in: a night, or the weekdays of a system used at
//! weekends, are no quiet at all; a lost evening is.
//! A quiet stretch is a gap when it is longer than both `min_secs` and
//! `factor` times that upper quartile. A source with fewer than
//! `min_days` days of history has no usual yet and is not judged (the
//! count is reported).
//!
//! Gaps are found over the whole scan's events, before detection, so a
//! partitioned detection reports the same ones.

use crate::config::GapsConfig;
use crate::finding::Finding;
use crate::time::Millis;
use crate::timeline::Timelines;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

const DAY_MS: Millis = 86_400_000;
const HOUR_MS: Millis = 3_600_000;

/// What kind of source a gap is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// An input file, named as given.
    File,
    /// A system (from the events' system field).
    System,
}

/// One stretch with no events in one source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    /// File or system.
    pub source: Source,
    /// The file as given, or the system's name.
    pub name: String,
    /// The last event before the gap (RFC 3339 UTC).
    pub start: String,
    /// The first event after it; for a system that stopped before the
    /// end of the logs, the end of the logs.
    pub end: String,
    /// Its length in seconds.
    pub secs: i64,
    /// The part of it in hours and weekdays the source usually logs in
    /// (a night, or the weekdays of a weekend system, count nothing): what
    /// is judged.
    pub active_secs: i64,
    /// The source's usual longest daily quiet stretch, in the hours it
    /// logs in (the upper quartile over its days): what `factor` scales.
    pub usual_secs: i64,
    /// The source fell silent before the logs' end (`end` is then the
    /// logs' last event, not this source's).
    pub trailing: bool,
}

impl Gap {
    /// `[start, end]` in milliseconds.
    pub fn span(&self) -> Option<(Millis, Millis)> {
        let start = crate::time::parse(self.start.as_bytes(), 0)?;
        let end = crate::time::parse(self.end.as_bytes(), 0)?;
        Some((start, end))
    }
}

/// The gaps of a scan, and how many sources were too short to judge.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Gaps {
    /// Every gap, by (source, name, start).
    pub found: Vec<Gap>,
    /// Sources with events on fewer than `min_days` days: no usual quiet
    /// period to judge against.
    pub too_short: u64,
}

/// What each source is judged against besides its own times: the logs'
/// first and last event, and how many systems have events (one system is
/// the logs themselves: it is judged over its own span, like a file).
/// An engine that sees each source apart gathers these first, cheaply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logs {
    /// The time of the logs' first event.
    pub first: Millis,
    /// The time of their last event.
    pub last: Millis,
    /// How many systems have events (the empty name, events that name
    /// none, counts as one).
    pub systems: usize,
}

/// The gaps in `timelines`, per file and per system. The events may be in
/// any order; in input order (as a scan finds them, before it sorts them
/// into timelines) each source's times come in runs and sort cheaply.
pub fn find(timelines: &Timelines, config: &GapsConfig) -> Gaps {
    let mut gaps = Gaps::default();
    if !config.enabled || timelines.events.is_empty() {
        return gaps;
    }
    let mut by_file: Vec<Vec<Millis>> = vec![Vec::new(); timelines.paths.len()];
    let mut by_system: Vec<Vec<Millis>> = vec![Vec::new(); timelines.tables.systems.len()];
    for e in timelines.events {
        if let Some(times) = by_file.get_mut(e.file() as usize) {
            times.push(e.time);
        }
        if let Some(times) = by_system.get_mut(e.system() as usize) {
            times.push(e.time);
        }
    }
    let logs = Logs {
        first: timelines.events.iter().map(|e| e.time).min().unwrap_or(0),
        last: timelines.events.iter().map(|e| e.time).max().unwrap_or(0),
        systems: by_system.iter().filter(|t| !t.is_empty()).count(),
    };
    // Systems in the byte order of their names, not of their symbols
    // (which follow first appearance): an order an engine that sees each
    // system apart can give too. (It decides only between two systems
    // whose names differ in bytes but read the same as UTF-8.)
    let systems = &timelines.tables.systems;
    let mut order: Vec<usize> = (0..by_system.len()).collect();
    order.sort_by(|&a, &b| systems.get(a as u32).cmp(systems.get(b as u32)));
    let mut by_system: Vec<Option<Vec<Millis>>> = by_system.into_iter().map(Some).collect();
    let mut sources: Vec<(Source, String, Vec<Millis>)> = timelines
        .paths
        .iter()
        .zip(by_file)
        .map(|(name, times)| (Source::File, name.clone(), times))
        .collect();
    for i in order {
        let times = by_system[i].take().unwrap_or_default();
        sources.push((Source::System, systems.text(i as u32).into_owned(), times));
    }
    // Sources are judged in parallel (and each sorts its times in
    // parallel), then added in the order above.
    let judged: Vec<Gaps> = sources
        .par_iter_mut()
        .map(|(source, name, times)| judge_source(*source, name, times, &logs, config))
        .collect();
    for g in judged {
        gaps.add(g);
    }
    gaps.sort();
    gaps
}

/// The gaps of one source, from its event `times` (in any order) and the
/// logs' [`Logs`]: what [`find`] does for each file and system, callable
/// on its own by an engine that gathers each source's times apart. Its
/// gaps are added to the others' with [`Gaps::add`], then
/// [`Gaps::sort`]ed.
///
/// Exact with each time kept at most twice (see [`Times`]): a repeated
/// time adds a quiet stretch of zero, which is never a gap and never the
/// longest of a day, except that a repeat of the source's last time opens
/// that day's account (with zero); a third copy adds nothing at all.
pub fn judge_source(
    source: Source,
    name: &str,
    times: &mut [Millis],
    logs: &Logs,
    config: &GapsConfig,
) -> Gaps {
    let mut gaps = Gaps::default();
    if config.enabled {
        let span =
            (source == Source::System && logs.systems > 1).then_some((logs.first, logs.last));
        judge(&mut gaps, source, name, times, span, config);
    }
    gaps
}

impl Gaps {
    /// Adds the gaps of other sources.
    pub fn add(&mut self, other: Gaps) {
        self.found.extend(other.found);
        self.too_short += other.too_short;
    }

    /// Puts the gaps in their reported order: by source, name and start
    /// (a stable sort, so sources of one name keep the order they were
    /// added in).
    pub fn sort(&mut self) {
        self.found
            .sort_by(|a, b| (a.source, &a.name, &a.start).cmp(&(b.source, &b.name, &b.start)));
    }
}

/// One source's event times as [`judge_source`] needs them, gathered one
/// by one: a time already kept twice in a row is not kept again, so
/// times added in order cost at most two entries per distinct
/// millisecond (an engine's sorted stream of a busy source logged to the
/// second keeps at most two times a second). In any order it stays exact:
/// no time loses its second copy.
#[derive(Debug, Clone, Default)]
pub struct Times {
    times: Vec<Millis>,
}

impl Times {
    /// Adds one event's time.
    pub fn push(&mut self, t: Millis) {
        if let [.., a, b] = self.times[..] {
            if a == t && b == t {
                return;
            }
        }
        self.times.push(t);
    }

    /// The times kept.
    pub fn as_mut_slice(&mut self) -> &mut [Millis] {
        &mut self.times
    }

    /// How many are kept.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }
}

/// Adds the gaps of one source's event times.
fn judge(
    gaps: &mut Gaps,
    source: Source,
    name: &str,
    times: &mut [Millis],
    logs: Option<(Millis, Millis)>,
    config: &GapsConfig,
) {
    if times.is_empty() {
        return;
    }
    // Stable sorts, which merge runs: a source's times come in runs when
    // the events are in input order (one per file, or per file for a
    // system). (Rayon's sort on one thread is slower than the standard.)
    if rayon::current_num_threads() > 1 {
        times.par_sort();
    } else {
        times.sort();
    }
    // A system is judged over the whole logs' span (it may be silent at
    // either end); a file over its own.
    let span = match logs {
        Some((first, last)) => (first.min(times[0]), last.max(times[times.len() - 1])),
        None => (times[0], times[times.len() - 1]),
    };
    let habits = Habits::of(times, span);
    let Some(usual) = usual_quiet(times, &habits, config.min_days) else {
        gaps.too_short += 1;
        return;
    };
    let limit = threshold(usual, config);
    let mut push = |start: Millis, end: Millis, active: Millis, trailing: bool| {
        gaps.found.push(Gap {
            source,
            name: name.to_string(),
            start: crate::time::format(start),
            end: crate::time::format(end),
            secs: (end - start) / 1000,
            active_secs: active / 1000,
            usual_secs: usual.upper / 1000,
            trailing,
        });
    };
    for w in times.windows(2) {
        let active = habits.active(w[0], w[1]);
        if active > limit {
            push(w[0], w[1], active, false);
        }
    }
    let last = times[times.len() - 1];
    if let Some((_, end)) = logs {
        let active = habits.active(last, end);
        if active > limit {
            push(last, end, active, true);
        }
    }
}

/// When a source logs: the weekdays and the hours of the day it usually
/// has events in. A weekday it was silent on at least half the times it
/// came round is a day it does not log, like a system used only at
/// weekends (a weekday seen only once counts as logged on when the source
/// logs on most days); an hour it had no events in on most of
/// the days it logged is an hour it does not usually log, like the night.
/// Quiet is measured only in the hours a source usually logs: a night is
/// no quiet at all, a lost evening is.
struct Habits {
    logs_on: [bool; 7],
    hours: [bool; 24],
}

impl Habits {
    /// The habits of a source with event `times` (sorted), judged over
    /// `span`.
    fn of(times: &[Millis], span: (Millis, Millis)) -> Habits {
        let (first, last) = (day(span.0), day(span.1));
        let mut seen = [0u32; 7];
        let mut active = [0u32; 7];
        let mut hour_days = [0u32; 24];
        for d in first..=last {
            seen[weekday(d)] += 1;
        }
        let (mut previous_day, mut previous_hour) = (None, None);
        let mut days = 0u32;
        for &t in times {
            let d = day(t);
            if previous_day != Some(d) {
                active[weekday(d)] += 1;
                days += 1;
                previous_day = Some(d);
            }
            let h = t.div_euclid(HOUR_MS);
            if previous_hour != Some(h) {
                hour_days[h.rem_euclid(24) as usize] += 1;
                previous_hour = Some(h);
            }
        }
        // A weekday seen once says little: expect the source on it when
        // it logs on most days at all.
        let span_days = (last - first + 1) as u32;
        let mostly = days * 2 >= span_days;
        let mut logs_on = [true; 7];
        for w in 0..7 {
            logs_on[w] = if seen[w] < 2 {
                mostly || active[w] > 0
            } else {
                active[w] * 2 >= seen[w]
            };
        }
        let mut hours = [false; 24];
        for h in 0..24 {
            hours[h] = hour_days[h] * 2 >= days.max(1);
        }
        Habits { logs_on, hours }
    }

    /// The part of `[from, to]` in hours the source usually logs in, in ms.
    fn active(&self, from: Millis, to: Millis) -> Millis {
        let mut sum = 0;
        let mut h = from.div_euclid(HOUR_MS);
        while h * HOUR_MS < to {
            let (lo, hi) = (h * HOUR_MS, (h + 1) * HOUR_MS);
            if self.logs_on[weekday(day(lo))] && self.hours[h.rem_euclid(24) as usize] {
                sum += to.min(hi) - from.max(lo);
            }
            h += 1;
        }
        sum.max(0)
    }
}

fn day(t: Millis) -> i64 {
    t.div_euclid(DAY_MS)
}

fn weekday(day: i64) -> usize {
    day.rem_euclid(7) as usize
}

/// A source's usual longest daily quiet stretch, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Usual {
    /// The upper quartile's: what is judged against, since quiet days
    /// vary and a gap must stand out from the quiet ones, not the typical.
    upper: Millis,
}

/// The upper quartile of each day's longest quiet stretch (by
/// the UTC day it starts in, measured in the hours the source logs in),
/// over days with at least one; `None` with fewer than `min_days` such
/// days.
fn usual_quiet(times: &[Millis], habits: &Habits, min_days: u64) -> Option<Usual> {
    let mut daily: Vec<Millis> = Vec::new();
    let mut current = i64::MIN;
    for w in times.windows(2) {
        let d = day(w[0]);
        let quiet = habits.active(w[0], w[1]);
        if d != current {
            daily.push(quiet);
            current = d;
        } else if let Some(longest) = daily.last_mut() {
            *longest = (*longest).max(quiet);
        }
    }
    if (daily.len() as u64) < min_days.max(1) {
        return None;
    }
    daily.sort_unstable();
    // Lower quantiles (no averaging): observed values.
    let at = |q: usize| daily[(daily.len() - 1) * q / 4];
    Some(Usual { upper: at(3) })
}

/// The longest quiet stretch that is not a gap.
fn threshold(usual: Usual, config: &GapsConfig) -> Millis {
    let min = config.min_secs.saturating_mul(1000) as f64;
    let by_factor = usual.upper as f64 * config.factor;
    min.max(by_factor).min(i64::MAX as f64) as Millis
}

/// Marks each finding whose window touches a gap of its system or of a
/// file its samples come from: it names the gaps in
/// `evidence.gaps`, so a person weighs the finding knowing the logs
/// around it are incomplete. A finding's window reaches back from its
/// start by the rule's window, where it has one.
pub fn mark(findings: &mut [Finding], gaps: &Gaps) {
    if gaps.found.is_empty() {
        return;
    }
    let spans: Vec<Option<(Millis, Millis)>> = gaps.found.iter().map(Gap::span).collect();
    for f in findings.iter_mut() {
        let reach = f.evidence.window_secs.unwrap_or(0).saturating_mul(1000);
        let from = f.start_ms.saturating_sub(reach);
        let to = f.end_ms;
        let files: Vec<&str> = f
            .evidence
            .samples
            .iter()
            .filter_map(|s| s.rsplit_once(':').map(|(file, _)| file))
            .collect();
        let mut touched = Vec::new();
        for (gap, span) in gaps.found.iter().zip(&spans) {
            let Some((start, end)) = *span else { continue };
            if start > to || end < from {
                continue;
            }
            let relevant = match gap.source {
                Source::File => files.contains(&gap.name.as_str()),
                Source::System => f.evidence.system.as_deref().is_none_or(|s| s == gap.name),
            };
            if relevant {
                touched.push(format!(
                    "{} {}: no events {} to {}",
                    match gap.source {
                        Source::File => "file",
                        Source::System => "system",
                    },
                    gap.name,
                    gap.start,
                    gap.end
                ));
            }
        }
        f.evidence.gaps = touched;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Millis = 3_600_000;

    /// Events every 10 minutes from 07:00 to 23:00 on `days` days, with the
    /// days in `lost` missing from 18:00 to the next day's 12:00.
    fn working_days(days: i64, lost: &[i64]) -> Vec<Millis> {
        let mut out = Vec::new();
        for d in 0..days {
            let mut t = d * DAY_MS + 7 * H;
            while t < d * DAY_MS + 23 * H {
                let lost_evening = lost.contains(&d) && t >= d * DAY_MS + 18 * H;
                let lost_morning = lost.contains(&(d - 1)) && t < d * DAY_MS + 12 * H;
                if !lost_evening && !lost_morning {
                    out.push(t);
                }
                t += H / 6;
            }
        }
        out
    }

    fn gaps_of(mut times: Vec<Millis>) -> Gaps {
        let mut gaps = Gaps::default();
        judge(
            &mut gaps,
            Source::File,
            "a.log",
            &mut times,
            None,
            &GapsConfig::default(),
        );
        gaps
    }

    /// `working_days(21, &[10])` with each time repeated one to four
    /// times, in an order shuffled by `seed`.
    fn repeated(seed: u64) -> Vec<Millis> {
        let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        let mut times = Vec::new();
        for t in working_days(21, &[10]) {
            for _ in 0..=next() % 4 {
                times.push(t);
            }
        }
        for i in (1..times.len()).rev() {
            times.swap(i, next() as usize % (i + 1));
        }
        times
    }

    #[test]
    fn times_kept_at_most_twice_judge_as_all_of_them() {
        let config = GapsConfig::default();
        let logs = Logs {
            first: 0,
            last: 22 * DAY_MS,
            systems: 2,
        };
        for seed in 0..8 {
            let all = repeated(seed);
            for sorted in [false, true] {
                let mut all = all.clone();
                if sorted {
                    all.sort_unstable();
                }
                let mut kept = Times::default();
                for &t in &all {
                    kept.push(t);
                }
                if sorted {
                    assert!(kept.len() < all.len());
                }
                for source in [Source::File, Source::System] {
                    let whole = judge_source(source, "s", &mut all.clone(), &logs, &config);
                    // The lost night (and the system's silent last day).
                    assert!(!whole.found.is_empty(), "{whole:?}");
                    let capped = judge_source(source, "s", kept.as_mut_slice(), &logs, &config);
                    assert_eq!(whole, capped, "seed {seed}, sorted {sorted}");
                }
            }
        }
    }

    #[test]
    fn a_repeat_of_the_last_time_counts_but_not_a_third() {
        // Six working days, then one time alone on the seventh: once, the
        // seventh day has no quiet stretch of its own (too short to
        // judge); repeated, it has one of zero (seven days: judged). So
        // times cannot be made distinct, only kept at most twice.
        let mut times = working_days(6, &[]);
        let t = 6 * DAY_MS + 10 * H;
        times.push(t);
        let once = gaps_of(times.clone());
        times.push(t);
        let twice = gaps_of(times.clone());
        times.push(t);
        let thrice = gaps_of(times);
        assert_eq!(once.too_short, 1);
        assert_eq!(twice.too_short, 0);
        assert_eq!(twice, thrice);
    }

    #[test]
    fn ordinary_nights_are_not_gaps() {
        let gaps = gaps_of(working_days(14, &[]));
        assert_eq!(gaps.found, []);
        assert_eq!(gaps.too_short, 0);
    }

    #[test]
    fn a_lost_night_is_one_gap_with_its_ends() {
        let gaps = gaps_of(working_days(14, &[6]));
        assert_eq!(gaps.found.len(), 1, "{gaps:?}");
        let gap = &gaps.found[0];
        assert_eq!(gap.start, crate::time::format(6 * DAY_MS + 18 * H - H / 6));
        assert_eq!(gap.end, crate::time::format(7 * DAY_MS + 12 * H));
        // A night is no quiet: only its first ten minutes (22:50 to
        // 23:00) fall in an hour the source logs in.
        assert_eq!(gap.usual_secs, 600);
        assert_eq!(gap.secs, 18 * 3600 + 600);
        assert_eq!(gap.active_secs, 5 * 3600 + 600 + 5 * 3600);
    }

    #[test]
    fn a_short_history_is_counted_not_judged() {
        let gaps = gaps_of(working_days(2, &[]));
        assert_eq!(gaps.found, []);
        assert_eq!(gaps.too_short, 1);
    }

    #[test]
    fn a_source_silent_before_the_end_is_a_trailing_gap() {
        let mut times = working_days(14, &[]);
        times.retain(|&t| t < 10 * DAY_MS);
        let mut gaps = Gaps::default();
        let end = 13 * DAY_MS + 23 * H;
        let config = GapsConfig::default();
        let span = Some((0, end));
        judge(
            &mut gaps,
            Source::System,
            "cases",
            &mut times,
            span,
            &config,
        );
        assert_eq!(gaps.found.len(), 1, "{gaps:?}");
        assert!(gaps.found[0].trailing);
        assert_eq!(gaps.found[0].end, crate::time::format(end));
    }

    #[test]
    fn only_gaps_of_the_findings_system_or_files_mark_it() {
        let gap = |source, name: &str| Gap {
            source,
            name: name.into(),
            start: crate::time::format(10 * H),
            end: crate::time::format(20 * H),
            secs: 36_000,
            active_secs: 36_000,
            usual_secs: 600,
            trailing: false,
        };
        let gaps = Gaps {
            found: vec![
                gap(Source::System, "cases"),
                gap(Source::System, "membership"),
                gap(Source::File, "b.log"),
            ],
            too_short: 0,
        };
        let mut evidence = crate::finding::Evidence::new("m".into(), 2.0, 1.0);
        evidence.system = Some("membership".into());
        evidence.samples = vec!["a.log:7".into()];
        evidence.window_secs = Some(3600);
        let finding = |start_ms, end_ms| Finding {
            id: String::new(),
            rule: crate::finding::RuleId::DistinctVolume,
            family: crate::finding::Family::BulkRead,
            severity: crate::finding::Severity::Medium,
            score: 50,
            identity: "x".into(),
            start: String::new(),
            end: String::new(),
            events: 1,
            message: crate::finding::Message::default(),
            evidence: evidence.clone(),
            suppressed: false,
            reported_before: None,
            start_ms,
            end_ms,
        };
        // Reaches back into the gap by its window; before and after, not.
        let mut findings = [finding(20 * H + H / 2, 22 * H), finding(22 * H, 23 * H)];
        mark(&mut findings, &gaps);
        assert_eq!(
            findings[0].evidence.gaps.len(),
            1,
            "{:?}",
            findings[0].evidence.gaps
        );
        assert!(findings[0].evidence.gaps[0].starts_with("system membership:"));
        assert_eq!(findings[1].evidence.gaps, Vec::<String>::new());
    }

    #[test]
    fn a_weekend_system_is_not_missing_its_weekdays() {
        // 2024-06-01 was a Saturday; three weekends of events.
        let saturday = crate::time::days_from_civil(2024, 6, 1);
        let mut times = Vec::new();
        for week in 0..3 {
            for d in [saturday + 7 * week, saturday + 7 * week + 1] {
                let mut t = d * DAY_MS + 9 * H;
                while t < d * DAY_MS + 17 * H {
                    times.push(t);
                    t += H / 4;
                }
            }
        }
        let end = (saturday + 20) * DAY_MS;
        let mut gaps = Gaps::default();
        let span = Some((times[0], end));
        judge(
            &mut gaps,
            Source::System,
            "canvassing",
            &mut times,
            span,
            &GapsConfig::default(),
        );
        assert_eq!(gaps.found, []);
    }
}

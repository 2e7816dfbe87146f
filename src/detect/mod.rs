//! Detectors: rule families that read per-identity timelines and emit
//! findings. Detectors are pure (timeline + context -> findings) and know
//! nothing of formats. The driver here runs every enabled rule over every
//! timeline in parallel, then the rules that compare identities (peer
//! rates, coordinated groups), applies the allowlist (suppressing, never
//! dropping), merges overlapping findings and ranks them.

pub mod bulk;
pub mod rate;
pub mod watch;

use crate::config::{Config, Rules};
use crate::error::Result;
use crate::event::{Event, Tables};
use crate::finding::{self, Evidence, Finding, RecordRange, Severity};
use crate::scan::Scan;
use crate::time::Millis;
use crate::watchlist::Watchlist;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Every rule: (id, family, severity).
pub const RULES: [(&str, &str, Severity); 15] = [
    ("sequential-read", "bulk-read", Severity::High),
    ("paged-search", "bulk-read", Severity::High),
    ("distinct-volume", "bulk-read", Severity::Medium),
    ("export-volume", "bulk-read", Severity::High),
    ("byte-volume", "bulk-read", Severity::Medium),
    ("rate-absolute", "rate", Severity::Medium),
    ("rate-baseline", "rate", Severity::Medium),
    ("rate-peer", "rate", Severity::Medium),
    ("regularity", "rate", Severity::Medium),
    ("off-hours", "rate", Severity::Medium),
    ("embargo", "watchlist", Severity::High),
    ("revoked", "watchlist", Severity::Critical),
    ("shared-credential", "watchlist", Severity::High),
    ("watched-record", "watchlist", Severity::High),
    ("coordinated", "watchlist", Severity::High),
];

/// The family and severity of a rule id.
pub fn rule_info(rule: &str) -> (&'static str, Severity) {
    RULES
        .iter()
        .find(|r| r.0 == rule)
        .map(|r| (r.1, r.2))
        .unwrap_or(("rate", Severity::Low))
}

/// What the detectors found.
#[derive(Debug, Clone, Default)]
pub struct Detection {
    /// Findings, ranked; suppressed ones (allow-listed identities) last.
    pub findings: Vec<Finding>,
}

impl Detection {
    /// Findings that are not suppressed.
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.suppressed)
    }

    /// How many findings the allowlist suppressed.
    pub fn suppressed(&self) -> usize {
        self.findings.iter().filter(|f| f.suppressed).count()
    }
}

/// What a rule sees beside the timeline.
pub struct Ctx<'a> {
    /// The scan's tables.
    pub tables: &'a Tables,
    /// Input names, by `Event::file`.
    pub paths: &'a [String],
    /// The watchlist.
    pub watchlist: &'a Watchlist,
    /// The identity's name.
    pub identity: &'a str,
    /// Its rules (with its role's overrides).
    pub rules: &'a Rules,
    /// Watched records: record -> index in `watchlist.records`.
    pub watched: &'a hashbrown::HashMap<crate::event::Record, usize>,
    /// Share of the identity's peer group active at each hour of the day.
    pub peer_hours: [f64; 24],
}

impl<'a> Ctx<'a> {
    /// The context of an identity for rules that compare identities (no
    /// watched-record index, no peer hours: those rules do not use them).
    pub fn for_identity(
        scan: &'a Scan,
        watchlist: &'a Watchlist,
        identity: &'a str,
        rules: &'a Rules,
    ) -> Ctx<'a> {
        static NO_WATCHED: std::sync::OnceLock<hashbrown::HashMap<crate::event::Record, usize>> =
            std::sync::OnceLock::new();
        Ctx {
            tables: &scan.tables,
            paths: &scan.paths,
            watchlist,
            identity,
            rules,
            watched: NO_WATCHED.get_or_init(Default::default),
            peer_hours: [0.0; 24],
        }
    }

    /// A finding of `rule` over `events` (a slice of the timeline, in time
    /// order): times, count and sample lines come from the slice.
    pub fn finding(
        &self,
        rule: &str,
        events: &[Event],
        measure: String,
        observed: f64,
        threshold: f64,
        message: String,
    ) -> Finding {
        let (family, severity) = rule_info(rule);
        let start = events.first().map_or(0, |e| e.time);
        let end = events.last().map_or(0, |e| e.time);
        Finding {
            rule: rule.to_string(),
            family: family.to_string(),
            severity,
            score: finding::score(severity, observed, threshold),
            identity: self.identity.to_string(),
            start: crate::time::format(start),
            end: crate::time::format(end),
            events: events.len() as u64,
            message,
            evidence: Evidence {
                measure,
                observed,
                threshold,
                records: None,
                counts: BTreeMap::new(),
                samples: events.iter().take(5).map(|e| self.line(e)).collect(),
            },
            suppressed: false,
            start_ms: start,
            end_ms: end,
        }
    }

    /// `file:line` of an event.
    pub fn line(&self, e: &Event) -> String {
        format!("{}:{}", self.paths[e.file as usize], e.line)
    }

    /// A system's name.
    pub fn system(&self, sym: u8) -> String {
        let name = self.tables.systems.text(sym as u32).into_owned();
        if name.is_empty() {
            "(no system)".into()
        } else {
            name
        }
    }

    /// A record range for evidence.
    pub fn records(
        &self,
        system: u8,
        first: crate::event::Record,
        last: crate::event::Record,
    ) -> RecordRange {
        RecordRange {
            system: self.system(system),
            first: self.tables.record_text(first),
            last: self.tables.record_text(last),
        }
    }
}

/// A stretch of a timeline where a windowed measure crossed its threshold:
/// `[start, end)` indices, and the peak window `[peak_start, peak_end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Episode {
    /// First event of the stretch.
    pub start: usize,
    /// One past its last event.
    pub end: usize,
    /// The largest windowed value seen.
    pub peak: u64,
    /// The window where it was seen.
    pub peak_start: usize,
    /// One past it.
    pub peak_end: usize,
}

/// Episodes where the sum of `weight` over any `window` of time reaches
/// `threshold`. Overlapping or touching windows that cross join one
/// episode. One pass with two pointers.
pub fn episodes(
    events: &[Event],
    window: Millis,
    threshold: u64,
    weight: impl Fn(&Event) -> u64,
) -> Vec<Episode> {
    let mut out: Vec<Episode> = Vec::new();
    let mut sum = 0u64;
    let mut left = 0;
    for right in 0..events.len() {
        sum += weight(&events[right]);
        while events[right].time - events[left].time >= window {
            sum -= weight(&events[left]);
            left += 1;
        }
        if sum >= threshold && threshold > 0 {
            match out.last_mut() {
                // The window shares an event with the open episode.
                Some(ep) if left < ep.end => {
                    ep.end = right + 1;
                    if sum > ep.peak {
                        (ep.peak, ep.peak_start, ep.peak_end) = (sum, left, right + 1);
                    }
                }
                _ => out.push(Episode {
                    start: left,
                    end: right + 1,
                    peak: sum,
                    peak_start: left,
                    peak_end: right + 1,
                }),
            }
        }
    }
    out
}

/// A window length for messages: `1h`, `10m`, `1d`.
pub fn window_name(secs: i64) -> String {
    match secs {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// What the per-identity pass learns for the rules that compare identities.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    /// Index range of the timeline in the scan's events.
    pub range: std::ops::Range<usize>,
    /// Events in its busiest clock hour, and where that hour starts.
    pub peak_hour: (u64, usize, usize),
    /// Whether a bulk-read rule fired on its own (then it is not "under
    /// the limit" for coordinated groups).
    pub bulk_fired: bool,
}

/// Runs every enabled rule over a scan.
pub fn detect(scan: &Scan, config: &Config, watchlist: &Watchlist) -> Result<Detection> {
    // As detect_base, without keeping (cloning) what a sweep would reuse.
    let memo = Memo::default();
    let (per_identity, profiles) = per_identity(scan, config, watchlist)?;
    let cross = cross(scan, config, watchlist, &profiles, &memo, true, true)?;
    let all = per_identity.into_iter().flatten().chain(cross).collect();
    Ok(finish(scan, watchlist, &memo, all))
}

/// One full detection, kept so that a sweep can re-run only the rules a
/// change of thresholds touches ([`redetect`]).
pub struct Base {
    config: Config,
    per_identity: Vec<Vec<Finding>>,
    profiles: Vec<Profile>,
    cross: Vec<Finding>,
    memo: Memo,
}

/// What depends on the scan alone, not on thresholds: computed when first
/// needed and kept for every later run over the same scan.
#[derive(Default)]
struct Memo {
    /// Distinct records of each system.
    record_space: std::sync::Mutex<hashbrown::HashMap<u8, u64>>,
    /// Each identity's coordinated-group keys.
    group_keys: std::sync::OnceLock<Vec<Vec<watch::GroupKey>>>,
}

/// Runs every enabled rule and keeps what [`redetect`] reuses.
pub fn detect_base(
    scan: &Scan,
    config: &Config,
    watchlist: &Watchlist,
) -> Result<(Detection, Base)> {
    let memo = Memo::default();
    let (per_identity, profiles) = per_identity(scan, config, watchlist)?;
    let cross = cross(scan, config, watchlist, &profiles, &memo, true, true)?;
    let all = per_identity
        .iter()
        .flatten()
        .chain(&cross)
        .cloned()
        .collect();
    let detection = finish(scan, watchlist, &memo, all);
    let base = Base {
        config: config.clone(),
        per_identity,
        profiles,
        cross,
        memo,
    };
    Ok((detection, base))
}

/// Detection under `config`, which differs from the base's only in rule
/// thresholds (`rules.*`, `overrides.*`): only the rules whose settings
/// changed run again; the others' findings are reused. `coordinated`
/// depends on which identities fired bulk-read rules, so it runs again
/// when one of them changed. The result equals [`detect`] (tested).
pub fn redetect(
    scan: &Scan,
    base: &Base,
    config: &Config,
    watchlist: &Watchlist,
) -> Result<Detection> {
    let changed = changed_rules(&base.config, config)?;
    let bulk_changed = changed.iter().any(|r| rule_info(r).0 == "bulk-read");
    let peers = changed.contains(&"rate-peer");
    let coordinated = bulk_changed || changed.contains(&"coordinated");
    let local: Vec<&str> = changed
        .iter()
        .copied()
        .filter(|r| !matches!(*r, "rate-peer" | "coordinated"))
        .collect();
    let mut per = base.per_identity.clone();
    let mut profiles = base.profiles.clone();
    if !local.is_empty() {
        let (fresh, _) = per_identity(scan, &only_rules(config, &local)?, watchlist)?;
        for ((mine, fresh), profile) in per.iter_mut().zip(fresh).zip(&mut profiles) {
            mine.retain(|f| !local.contains(&f.rule.as_str()));
            mine.extend(fresh);
            profile.bulk_fired = mine.iter().any(|f| f.family == "bulk-read");
        }
    }
    let mut cross_findings: Vec<Finding> = base
        .cross
        .iter()
        .filter(|f| !(peers && f.rule == "rate-peer" || coordinated && f.rule == "coordinated"))
        .cloned()
        .collect();
    cross_findings.extend(cross(
        scan,
        config,
        watchlist,
        &profiles,
        &base.memo,
        peers,
        coordinated,
    )?);
    let all = per.into_iter().flatten().chain(cross_findings).collect();
    Ok(finish(scan, watchlist, &base.memo, all))
}

/// The rules whose settings differ between two configurations, for any
/// role.
fn changed_rules(a: &Config, b: &Config) -> Result<Vec<&'static str>> {
    let mut roles: Vec<&str> = vec![""];
    roles.extend(
        a.overrides
            .keys()
            .chain(b.overrides.keys())
            .map(String::as_str),
    );
    let mut changed = Vec::new();
    for role in roles {
        let ra = toml::Table::try_from(a.rules_for(role)?).expect("rules serialize");
        let rb = toml::Table::try_from(b.rules_for(role)?).expect("rules serialize");
        for (rule, ..) in RULES {
            if ra.get(rule) != rb.get(rule) && !changed.contains(&rule) {
                changed.push(rule);
            }
        }
    }
    Ok(changed)
}

/// `config` with every rule but `keep` switched off, for every role.
fn only_rules(config: &Config, keep: &[&str]) -> Result<Config> {
    let mut out = config.clone();
    let mut rules = toml::Table::try_from(&config.rules).expect("rules serialize");
    for (rule, ..) in RULES.iter().filter(|r| !keep.contains(&r.0)) {
        if let Some(toml::Value::Table(t)) = rules.get_mut(*rule) {
            t.insert("enabled".into(), toml::Value::Boolean(false));
        }
        for over in out.overrides.values_mut() {
            if let Some(toml::Value::Table(t)) = over.get_mut(*rule) {
                t.insert("enabled".into(), toml::Value::Boolean(false));
            }
        }
    }
    out.rules = rules
        .try_into()
        .map_err(|e: toml::de::Error| crate::error::Error::config(e.message().to_string()))?;
    Ok(out)
}

/// Each identity's rules: `[rules]` with its watchlist role's overrides.
struct RoleRules<'a> {
    base: &'a Rules,
    by_role: BTreeMap<String, Rules>,
}

impl<'a> RoleRules<'a> {
    fn new(config: &'a Config) -> Result<RoleRules<'a>> {
        // A `Config` built in code skips `Config::load`: the detectors index
        // by window and multiply seconds, so check every value here too.
        config.validate()?;
        let by_role = config
            .overrides
            .keys()
            .map(|role| Ok((role.clone(), config.rules_for(role)?)))
            .collect::<Result<_>>()?;
        Ok(RoleRules {
            base: &config.rules,
            by_role,
        })
    }

    fn of(&self, watchlist: &Watchlist, identity: &str) -> &Rules {
        watchlist
            .role(identity)
            .and_then(|r| self.by_role.get(r))
            .unwrap_or(self.base)
    }
}

/// Every identity's findings (merged per rule) and profile, for the rules
/// `config` enables.
fn per_identity(
    scan: &Scan,
    config: &Config,
    watchlist: &Watchlist,
) -> Result<(Vec<Vec<Finding>>, Vec<Profile>)> {
    let roles = RoleRules::new(config)?;
    let rules_of = |identity: &str| roles.of(watchlist, identity);
    let watched = watch::watched_index(&scan.tables, watchlist);
    let mut ranges = Vec::new();
    let mut start = 0;
    for t in scan.timelines() {
        ranges.push(start..start + t.len());
        start += t.len();
    }
    // Peer groups' hours: the share of each group's identities active at
    // each hour of the day.
    let masks: Vec<u32> = ranges
        .par_iter()
        .map(|r| {
            scan.events[r.clone()].iter().fold(0u32, |m, e| {
                m | 1 << (e.time.rem_euclid(86_400_000) / 3_600_000)
            })
        })
        .collect();
    let mut peer_hours: BTreeMap<String, ([f64; 24], f64)> = BTreeMap::new();
    for (r, mask) in ranges.iter().zip(&masks) {
        let name = scan.tables.identities.text(scan.events[r.start].identity);
        let group = peer_hours
            .entry(watchlist.role(&name).unwrap_or("").to_string())
            .or_default();
        group.1 += 1.0;
        for h in 0..24 {
            if mask & 1 << h != 0 {
                group.0[h] += 1.0;
            }
        }
    }
    for (hours, n) in peer_hours.values_mut() {
        hours.iter_mut().for_each(|h| *h /= *n);
    }
    let per_identity: Vec<(Vec<Finding>, Profile)> = ranges
        .into_par_iter()
        .map(|range| {
            let events = &scan.events[range.clone()];
            let identity = scan.tables.identities.text(events[0].identity);
            let peers = peer_hours
                .get(watchlist.role(&identity).unwrap_or(""))
                .map_or([0.0; 24], |g| g.0);
            let ctx = Ctx {
                tables: &scan.tables,
                paths: &scan.paths,
                watchlist,
                identity: &identity,
                rules: rules_of(&identity),
                watched: &watched,
                peer_hours: peers,
            };
            let mut findings = Vec::new();
            bulk::detect(events, &ctx, &mut findings);
            rate::detect(events, &ctx, &mut findings);
            watch::detect(events, &ctx, &mut findings);
            let profile = Profile {
                peak_hour: rate::peak_hour(events),
                bulk_fired: findings.iter().any(|f| f.family == "bulk-read"),
                range,
            };
            (merge(findings, events), profile)
        })
        .collect();
    Ok(per_identity.into_iter().unzip())
}

/// The rules that compare identities.
fn cross(
    scan: &Scan,
    config: &Config,
    watchlist: &Watchlist,
    profiles: &[Profile],
    memo: &Memo,
    peers: bool,
    coordinated: bool,
) -> Result<Vec<Finding>> {
    let roles = RoleRules::new(config)?;
    let rules_of = |identity: &str| roles.of(watchlist, identity);
    let mut out = Vec::new();
    if peers {
        rate::detect_peers(scan, config, watchlist, profiles, &rules_of, &mut out);
    }
    if coordinated {
        watch::detect_coordinated(
            scan,
            watchlist,
            profiles,
            &rules_of,
            &memo.group_keys,
            &mut out,
        );
    }
    Ok(out)
}

/// Share of the record space, the allowlist, and the ranking.
fn finish(scan: &Scan, watchlist: &Watchlist, memo: &Memo, mut all: Vec<Finding>) -> Detection {
    bulk::add_record_space_share(scan, &mut all, &memo.record_space);
    for f in &mut all {
        f.suppressed = watchlist.allowed.contains(&f.identity);
    }
    finding::rank(&mut all);
    Detection { findings: all }
}

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
            f.message.push_str(&format!(
                "; strongest of {n} such findings between {} and {} ({} events)",
                f.start, f.end, f.events
            ));
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod testing {
    //! Hand-built timelines for rule tests.

    use crate::event::{Action, Event, Record, Tables};

    /// Tables with systems "membership" (1) and "cases" (2), ips
    /// `10.0.0.N` and agents `agent-N` as clients N.
    pub fn tables(clients: u32) -> Tables {
        let mut t = Tables::new();
        t.systems.intern(b"membership");
        t.systems.intern(b"cases");
        t.identities.intern(b"who");
        for i in 0..clients {
            t.intern_client(
                format!("10.0.{}.{}", i / 250, i % 250).as_bytes(),
                format!("agent-{i}").as_bytes(),
                b"",
            );
        }
        t
    }

    /// A read of `record` at `secs`.
    pub fn read(secs: i64, record: u32) -> Event {
        Event {
            time: secs * 1000,
            record: Record(record),
            system: 1,
            action: Action::Read,
            line: secs as u32 + 1,
            ..Event::default()
        }
    }

    /// Runs a family's `detect` over a hand-built timeline of identity "who".
    pub fn run_family(
        detect: fn(&[Event], &super::Ctx, &mut Vec<crate::finding::Finding>),
        events: &[Event],
        rules: &crate::config::Rules,
        watchlist: &crate::watchlist::Watchlist,
        tables: &Tables,
    ) -> Vec<crate::finding::Finding> {
        let paths = vec!["log".to_string()];
        let watched = super::watch::watched_index(tables, watchlist);
        let ctx = super::Ctx {
            tables,
            paths: &paths,
            watchlist,
            identity: "who",
            rules,
            watched: &watched,
            peer_hours: [0.0; 24],
        };
        let mut out = Vec::new();
        detect(events, &ctx, &mut out);
        out
    }

    /// An event with a given action at `secs`.
    pub fn act(secs: i64, action: Action) -> Event {
        Event {
            time: secs * 1000,
            system: 1,
            action,
            line: secs as u32 + 1,
            ..Event::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn rule_table_matches_the_config() {
        let rules = toml::Table::try_from(crate::config::Rules::default()).unwrap();
        let ids: Vec<&str> = RULES.iter().map(|r| r.0).collect();
        let keys: Vec<&str> = rules.keys().map(String::as_str).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(sorted, keys);
    }

    #[test]
    fn close_findings_of_a_rule_merge_and_recount() {
        let tables = tables(1);
        let paths = vec!["log".to_string()];
        let watchlist = Watchlist::default();
        let rules = crate::config::Rules::default();
        let ctx = Ctx {
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
                "regularity",
                &tl[a..b],
                String::new(),
                obs,
                1.0,
                format!("{obs}"),
            )
        };
        // 120 s to 1000 s is within the gap; 1060 s to 5000 s is not.
        let merged = merge(vec![f(0, 3, 2.0), f(3, 5, 4.0), f(5, 6, 1.0)], &tl);
        assert_eq!(merged.len(), 2);
        assert!(
            merged[0].message.starts_with("4; strongest of 2"),
            "{}",
            merged[0].message
        );
        assert_eq!(merged[0].events, 5);
        assert_eq!((merged[0].start_ms, merged[0].end_ms), (0, 1_060_000));
    }

    #[test]
    fn episodes_join_and_find_the_peak() {
        let ev: Vec<Event> = [0, 1, 2, 100, 101, 102, 103, 500]
            .iter()
            .map(|&s| read(s, 1))
            .collect();
        let eps = episodes(&ev, 10_000, 3, |_| 1);
        assert_eq!(eps.len(), 2);
        assert_eq!((eps[0].start, eps[0].end, eps[0].peak), (0, 3, 3));
        assert_eq!((eps[1].start, eps[1].end, eps[1].peak), (3, 7, 4));
        assert!(episodes(&ev, 10_000, 5, |_| 1).is_empty());
    }
}

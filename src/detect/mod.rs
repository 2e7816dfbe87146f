//! Detectors: rule families that read per-identity timelines and emit
//! findings. Detectors are pure (timeline + context -> findings) and know
//! nothing of formats, the driver or the outputs.
//!
//! Detection runs in three steps, so that it can run split by identity
//! ([`crate::partition`]) with the same result: [`per_identity`] runs every
//! enabled per-identity rule over every timeline in parallel and gives each
//! identity's findings and [`Profile`]; [`decide`] settles the rules that
//! compare identities (peer rates, coordinated groups) from the profiles
//! alone, and [`cross`] writes their findings from only the timelines they
//! need; [`finish`] adds each system's record-space share, applies the
//! allowlist (suppressing, never dropping) and ranks. The families are in
//! [`bulk`], [`rate`], [`watch`] and [`web`]; rules whose meaning does not
//! hold for the identity kind in use are off ([`not_applicable`]); the
//! window mechanism in [`episodes`];
//! merging one rule's findings into episodes in [`merge()`]; the sweep
//! engine in [`redetect`].

pub mod bulk;
pub mod coverage;
pub mod daily;
pub mod exports;
mod merge;
pub mod places;
pub mod rate;
pub mod settle;
mod sweep;
pub mod watch;
pub mod web;
mod window;

pub use merge::{merge, MERGE_GAP};
pub use sweep::{detect_base, redetect, Base};
pub use window::{episodes, window_name, Episode};

use crate::config::{Config, Rules};
use crate::error::Result;
use crate::event::{Event, Tables};
use crate::finding::{self, Evidence, Family, Finding, Message, RecordRange, RuleId, Shared};
use crate::timeline::Timelines;
use crate::watchlist::Watchlist;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
pub struct Context<'a> {
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
    /// The zone hours of the day are read in (`time.zone`).
    pub zone: &'a crate::time::Zone,
}

impl<'a> Context<'a> {
    /// The context of an identity for rules that compare identities (no
    /// watched-record index, no peer hours: those rules do not use them).
    pub fn for_identity(
        tl: &'a Timelines,
        watchlist: &'a Watchlist,
        identity: &'a str,
        rules: &'a Rules,
    ) -> Context<'a> {
        static NO_WATCHED: std::sync::OnceLock<hashbrown::HashMap<crate::event::Record, usize>> =
            std::sync::OnceLock::new();
        Context {
            tables: tl.tables,
            paths: tl.paths,
            watchlist,
            identity,
            rules,
            watched: NO_WATCHED.get_or_init(Default::default),
            peer_hours: [0.0; 24],
            zone: &crate::time::UTC,
        }
    }

    /// A finding of `rule` over `events` (a slice of the timeline, in time
    /// order): times, count and sample lines come from the slice.
    pub fn finding(
        &self,
        rule: RuleId,
        events: &[Event],
        measure: String,
        observed: f64,
        threshold: f64,
        message: Message,
    ) -> Finding {
        let severity = rule.severity();
        let start = events.first().map_or(0, |e| e.time);
        let end = events.last().map_or(0, |e| e.time);
        let mut evidence = Evidence::new(measure, observed, threshold);
        evidence.samples = events.iter().take(5).map(|e| self.line(e)).collect();
        Finding {
            id: String::new(),
            rule,
            family: rule.family(),
            severity,
            score: finding::score(severity, observed, threshold),
            identity: self.identity.to_string(),
            start: crate::time::format(start),
            end: crate::time::format(end),
            events: events.len() as u64,
            message,
            evidence,
            suppressed: false,
            reported_before: None,
            start_ms: start,
            end_ms: end,
        }
    }

    /// `file:line` of an event (`file:line#n` of a JSON document's element).
    pub fn line(&self, e: &Event) -> String {
        self.tables
            .origins
            .place(&self.paths[e.file() as usize], e.file(), e.line)
    }

    /// A system's name ([`NO_SYSTEM`] for events that name none).
    pub fn system(&self, sym: u16) -> String {
        let name = self.tables.systems.text(sym as u32).into_owned();
        if name.is_empty() {
            NO_SYSTEM.into()
        } else {
            name
        }
    }

    /// A record range for evidence.
    pub fn records(
        &self,
        system: u16,
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

/// How evidence and messages name the system of events that name none.
pub const NO_SYSTEM: &str = "(no system)";

/// What the per-identity pass learns of an identity for the rules that
/// compare identities: small, serialisable, and enough to decide those
/// rules without the events (the partitioned run's summaries).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// The identity.
    pub identity: String,
    /// Index range of its timeline in the [`Timelines`] at hand, if its
    /// events are there (a partitioned merge loads only those it needs).
    #[serde(skip)]
    pub range: Option<std::ops::Range<usize>>,
    /// Events in its busiest sliding hour, and that hour's index range in
    /// its timeline.
    pub peak_hour: (u64, usize, usize),
    /// Whether a bulk-read rule fired on its own (then it is not "under
    /// the limit" for coordinated groups).
    pub bulk_fired: bool,
    /// Its coordinated-group keys, once computed.
    pub keys: Option<Vec<Shared>>,
    /// Whether every request named a declared crawler (then it is no
    /// member of coordinated groups: its reads are a search engine's).
    #[serde(default)]
    pub crawler: bool,
}

impl Profile {
    /// Its timeline in `tl`, if its events are there.
    pub fn timeline<'t>(&self, tl: &Timelines<'t>) -> Option<&'t [Event]> {
        self.range.clone().map(|r| &tl.events[r])
    }

    /// Points each profile at its timeline in `tl` (or at none).
    pub fn locate(profiles: &mut [Profile], tl: &Timelines) {
        let ranges: BTreeMap<String, std::ops::Range<usize>> = tl
            .ranges()
            .into_iter()
            .map(|r| (tl.name(&tl.events[r.clone()]).into_owned(), r))
            .collect();
        for p in profiles {
            p.range = ranges.get(&p.identity).cloned();
        }
    }
}

/// What detection must know of every identity at once before it can
/// judge any one: how many identities of each peer group (watchlist role,
/// "" for none) are active at each hour of the day, for `off-hours`. A
/// partitioned run computes it over all events and hands it to each bucket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Population {
    /// Peer group -> (identities, of them active at each hour of the day
    /// in `time.zone`).
    pub hours: BTreeMap<String, (u64, [u64; 24])>,
    /// Peer group -> day (days since 1970, UTC) -> identities active that
    /// day, for population context ([`settle`]).
    #[serde(default)]
    pub days: BTreeMap<String, BTreeMap<i64, u64>>,
}

impl Population {
    /// The population of `tl`, its hours of the day read in `zone`.
    pub fn of(tl: &Timelines, watchlist: &Watchlist, zone: &crate::time::Zone) -> Population {
        let ranges = tl.ranges();
        let masks: Vec<(u32, Vec<i64>)> = ranges
            .par_iter()
            .map(|r| {
                let events = &tl.events[r.clone()];
                let mask = events.iter().fold(0u32, |m, e| m | 1 << zone.hour(e.time));
                // Timelines are in time order: each day once.
                let mut days: Vec<i64> = events
                    .iter()
                    .map(|e| e.time.div_euclid(86_400_000))
                    .collect();
                days.dedup();
                (mask, days)
            })
            .collect();
        let mut hours: BTreeMap<String, (u64, [u64; 24])> = BTreeMap::new();
        let mut days: BTreeMap<String, BTreeMap<i64, u64>> = BTreeMap::new();
        for (r, (mask, active)) in ranges.iter().zip(&masks) {
            let name = tl.name(&tl.events[r.clone()]);
            let role = watchlist.role(&name).unwrap_or("").to_string();
            let per_day = days.entry(role.clone()).or_default();
            for d in active {
                *per_day.entry(*d).or_default() += 1;
            }
            let group = hours.entry(role).or_insert((0, [0; 24]));
            group.0 += 1;
            for h in 0..24 {
                if mask & 1 << h != 0 {
                    group.1[h] += 1;
                }
            }
        }
        Population { hours, days }
    }

    /// Identities of a peer group active on `day` (days since 1970).
    pub fn active_on(&self, group: &str, day: i64) -> u64 {
        self.days
            .get(group)
            .and_then(|d| d.get(&day))
            .copied()
            .unwrap_or(0)
    }

    /// The share of a peer group's identities active at each hour.
    fn peer_hours(&self, role: &str) -> [f64; 24] {
        match self.hours.get(role) {
            Some((n, active)) => active.map(|a| a as f64 / *n as f64),
            None => [0.0; 24],
        }
    }
}

/// Distinct records of each system (by name), for the share of the record
/// space a `distinct-volume` finding reports.
pub enum RecordSpace {
    /// Counted from the timelines at hand when first needed, and kept.
    Counted(std::sync::Mutex<BTreeMap<String, u64>>),
    /// Known for every system (a partitioned run counts it over all events).
    Known(BTreeMap<String, u64>),
}

impl RecordSpace {
    /// Every system's record space in `tl`.
    pub fn of(tl: &Timelines) -> RecordSpace {
        let systems: Vec<u16> = (0..tl.tables.systems.len().min(Event::MAX_SYSTEMS))
            .map(|s| s as u16)
            .collect();
        let counts = bulk::distinct_records_of(tl, &systems);
        RecordSpace::Known(
            systems
                .into_iter()
                .zip(counts)
                .map(|(s, n)| (bulk::system_name(tl.tables, s), n))
                .collect(),
        )
    }
}

/// Runs every enabled rule over every timeline.
pub fn detect(tl: &Timelines, config: &Config, watchlist: &Watchlist) -> Result<Detection> {
    let population = Population::of(tl, watchlist, &config.zone()?);
    let (per_identity, mut profiles) = per_identity(tl, config, watchlist, &population)?;
    let decided = decide(config, watchlist, &profiles, true, true)?;
    let cross = cross(tl, config, watchlist, &mut profiles, &decided)?;
    let all = per_identity.into_iter().flatten().chain(cross).collect();
    let space = RecordSpace::Counted(Default::default());
    Ok(finish(tl, watchlist, &space, &population, all))
}

/// Why `rule` does not apply to identities of kind `key` (the
/// `identity.key` setting), or `None` when it does. A rule whose meaning
/// does not hold for an identity kind is off for it, and `explain` and
/// the README say why, rather than a finding claiming what is not so.
pub fn not_applicable(rule: RuleId, key: &str) -> Option<&'static str> {
    let parts: Vec<&str> = key.split('+').map(str::trim).collect();
    let has = |p: &str| parts.contains(&p);
    let credential = has("account") || has("session");
    let one_address = has("ip") && !has("user_agent") && !has("ua");
    match rule {
        RuleId::SharedCredential if !credential => Some(
            "needs an account or session identity: an address, a network or a user agent is \
             shared by many people by nature (see agent-rotation for one address)",
        ),
        RuleId::AgentRotation if !(one_address || has("session")) || has("account") => Some(
            "needs an ip or session identity: an account's clients are shared-credential's, \
             a network or a user agent has many by nature",
        ),
        _ => None,
    }
}

/// Whether identities of kind `key` are web clients (addresses), for the
/// coordinated groups of one network and one agent.
pub fn web_identity(key: &str) -> bool {
    key.split('+')
        .map(str::trim)
        .all(|p| p == "ip" || p.starts_with("ip/"))
}

/// `rules` with every rule that does not apply to identity kind `key` off.
pub fn fit_rules(rules: &mut Rules, key: &str) {
    if not_applicable(RuleId::SharedCredential, key).is_some() {
        rules.shared_credential.enabled = false;
    }
    if not_applicable(RuleId::AgentRotation, key).is_some() {
        rules.agent_rotation.enabled = false;
    }
}

/// Each identity's rules: `[rules]` with its watchlist role's overrides,
/// fitted to the identity kind ([`fit_rules`]).
struct RoleRules {
    base: Rules,
    by_role: BTreeMap<String, Rules>,
}

impl RoleRules {
    fn new(config: &Config) -> Result<RoleRules> {
        // A `Config` built in code skips `Config::load`: the detectors index
        // by window and multiply seconds, so check every value here too.
        config.validate()?;
        let key = &config.identity.key;
        let by_role = config
            .overrides
            .keys()
            .map(|role| {
                let mut rules = config.rules_for(role)?;
                fit_rules(&mut rules, key);
                Ok((role.clone(), rules))
            })
            .collect::<Result<_>>()?;
        let mut base = config.rules.clone();
        fit_rules(&mut base, key);
        Ok(RoleRules { base, by_role })
    }

    fn of(&self, watchlist: &Watchlist, identity: &str) -> &Rules {
        watchlist
            .role(identity)
            .and_then(|r| self.by_role.get(r))
            .unwrap_or(&self.base)
    }
}

/// Every identity's findings (merged per rule) and profile, for the rules
/// `config` enables: the per-identity half of detection, which a
/// partitioned run does bucket by bucket.
pub fn per_identity(
    tl: &Timelines,
    config: &Config,
    watchlist: &Watchlist,
    population: &Population,
) -> Result<(Vec<Vec<Finding>>, Vec<Profile>)> {
    let roles = RoleRules::new(config)?;
    let rules_of = |identity: &str| roles.of(watchlist, identity);
    let watched = watch::watched_index(tl.tables, watchlist);
    let zone = config.zone()?;
    let keys_wanted = config.rules.coordinated.enabled;
    let web = web_identity(&config.identity.key);
    let per_identity: Vec<(Vec<Finding>, Profile)> = tl
        .ranges()
        .into_par_iter()
        .map(|range| {
            let events = &tl.events[range.clone()];
            let identity = tl.name(events);
            let ctx = Context {
                tables: tl.tables,
                paths: tl.paths,
                watchlist,
                identity: &identity,
                rules: rules_of(&identity),
                watched: &watched,
                peer_hours: population.peer_hours(watchlist.role(&identity).unwrap_or("")),
                zone: &zone,
            };
            let mut findings = Vec::new();
            local(events, &ctx, &mut findings);
            let bulk_fired = findings.iter().any(|f| f.family == Family::BulkRead);
            let mut findings = merge(findings, events);
            let crawler = web::declare(events, &ctx, &mut findings);
            let profile = Profile {
                peak_hour: rate::peak_hour(events),
                bulk_fired,
                keys: keys_wanted
                    .then(|| watch::group_keys(events, tl.tables, watchlist, &identity, web)),
                identity: identity.into_owned(),
                range: Some(range),
                crawler,
            };
            (findings, profile)
        })
        .collect();
    Ok(per_identity.into_iter().unzip())
}

/// Every per-identity rule over one timeline (what `explain` probes too).
pub fn local(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    bulk::detect(events, ctx, out);
    coverage::detect(events, ctx, out);
    exports::detect(events, ctx, out);
    rate::detect(events, ctx, out);
    daily::detect(events, ctx, out);
    watch::detect(events, ctx, out);
    places::detect(events, ctx, out);
    web::detect(events, ctx, out);
}

/// What the rules that compare identities decided from the profiles
/// alone; the timelines they need to write their findings follow.
#[derive(Debug, Clone, Default)]
pub struct Decided {
    /// `rate-peer`'s outliers.
    peers: Vec<rate::PeerOutlier>,
    /// `coordinated`'s groups.
    groups: Vec<(Shared, Vec<usize>)>,
    /// Whether `coordinated` was decided at all.
    coordinated: bool,
}

impl Decided {
    /// The profiles (indices) whose timelines the findings need.
    pub fn needed(&self) -> std::collections::BTreeSet<usize> {
        let mut out: std::collections::BTreeSet<usize> =
            self.peers.iter().map(|p| p.profile).collect();
        for (_, members) in &self.groups {
            out.extend(members);
        }
        out
    }
}

/// Decides the rules that compare identities (`peers`: `rate-peer`;
/// `coordinated`) from every identity's profile, in identity order.
pub fn decide(
    config: &Config,
    watchlist: &Watchlist,
    profiles: &[Profile],
    peers: bool,
    coordinated: bool,
) -> Result<Decided> {
    let roles = RoleRules::new(config)?;
    let rules_of = |identity: &str| roles.of(watchlist, identity);
    Ok(Decided {
        peers: if peers {
            rate::peer_outliers(watchlist, profiles, &rules_of)
        } else {
            Vec::new()
        },
        groups: if coordinated {
            watch::coordinated_groups(profiles, &rules_of)
        } else {
            Vec::new()
        },
        coordinated,
    })
}

/// The findings of the rules that compare identities, as `decided`, from
/// the timelines in `tl` (at least those `decided` needs). Coordinated
/// keys missing from a profile (a sweep whose base ran without the rule)
/// are computed here first.
pub fn cross(
    tl: &Timelines,
    config: &Config,
    watchlist: &Watchlist,
    profiles: &mut [Profile],
    decided: &Decided,
) -> Result<Vec<Finding>> {
    let roles = RoleRules::new(config)?;
    let rules_of = |identity: &str| roles.of(watchlist, identity);
    let mut out = Vec::new();
    rate::peer_findings(tl, watchlist, profiles, &decided.peers, &rules_of, &mut out);
    let mut groups = std::borrow::Cow::Borrowed(&decided.groups);
    if decided.coordinated
        && config.rules.coordinated.enabled
        && profiles.iter().any(|p| p.keys.is_none())
    {
        let web = web_identity(&config.identity.key);
        for p in profiles.iter_mut() {
            if let Some(events) = p.timeline(tl) {
                p.keys = Some(watch::group_keys(
                    events,
                    tl.tables,
                    watchlist,
                    &p.identity,
                    web,
                ));
            }
        }
        groups = std::borrow::Cow::Owned(watch::coordinated_groups(profiles, &rules_of));
    }
    watch::coordinated_findings(tl, watchlist, profiles, &groups, &rules_of, &mut out);
    Ok(out)
}

/// Share of the record space, the allowlist, population context and
/// agreement ([`settle`]), and the ranking: the last step, over every
/// identity's findings.
pub fn finish(
    tl: &Timelines,
    watchlist: &Watchlist,
    space: &RecordSpace,
    population: &Population,
    mut all: Vec<Finding>,
) -> Detection {
    bulk::add_record_space_share(tl, &mut all, space);
    for f in &mut all {
        f.suppressed = watchlist.allowed.contains(&f.identity);
        f.assign_id(None);
    }
    settle::settle(population, watchlist, &mut all);
    finding::rank(&mut all);
    Detection { findings: all }
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
            line: secs as u32 + 1,
            ..Event::default()
        }
        .with_system(1)
        .with_action(Action::Read)
    }

    /// Runs a family's `detect` over a hand-built timeline of identity "who".
    pub fn run_family(
        detect: fn(&[Event], &super::Context, &mut Vec<crate::finding::Finding>),
        events: &[Event],
        rules: &crate::config::Rules,
        watchlist: &crate::watchlist::Watchlist,
        tables: &Tables,
    ) -> Vec<crate::finding::Finding> {
        let paths = vec!["log".to_string()];
        let watched = super::watch::watched_index(tables, watchlist);
        let ctx = super::Context {
            tables,
            paths: &paths,
            watchlist,
            identity: "who",
            rules,
            watched: &watched,
            peer_hours: [0.0; 24],
            zone: &crate::time::UTC,
        };
        let mut out = Vec::new();
        detect(events, &ctx, &mut out);
        out
    }

    /// An event with a given action at `secs`.
    pub fn act(secs: i64, action: Action) -> Event {
        Event {
            time: secs * 1000,
            line: secs as u32 + 1,
            ..Event::default()
        }
        .with_system(1)
        .with_action(action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_table_matches_the_config() {
        let rules = toml::Table::try_from(crate::config::Rules::default()).unwrap();
        let ids: Vec<&str> = RuleId::ALL.iter().map(|r| r.name()).collect();
        let keys: Vec<&str> = rules.keys().map(String::as_str).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(sorted, keys);
    }
}

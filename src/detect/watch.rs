//! Campaign-linked and unauthorised access: `embargo`, `revoked`,
//! `shared-credential`, `watched-record`, `coordinated`.

use super::{merge, window_name, Context, Profile};
use crate::config::Rules;
use crate::event::{Action, Event, Record, Tables};
use crate::finding::{duration, group, Finding, Part, RuleId, Shared};
use crate::intern::Sym;
use crate::message;
use crate::time::Millis;
use crate::timeline::Timelines;
use crate::watchlist::Watchlist;
use hashbrown::{HashMap, HashSet};
use rayon::prelude::*;
use std::collections::BTreeMap;

const DAY: Millis = 86_400_000;

/// Runs the family's per-identity rules over one timeline.
pub fn detect(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let r = ctx.rules;
    if r.embargo.enabled {
        embargo(events, ctx, out);
    }
    if r.revoked.enabled {
        if let Some(&at) = ctx.watchlist.revoked.get(ctx.identity) {
            let first = events.partition_point(|e| e.time < at);
            if first < events.len() {
                let slice = &events[first..];
                let mut f = ctx.finding(
                    RuleId::Revoked,
                    slice,
                    "events after revocation".into(),
                    slice.len() as f64,
                    0.0,
                    message!(format!(
                        "was used {} times after its revocation at {}, the first {} after it, the last at {}",
                        group(slice.len() as u64),
                        crate::time::format(at),
                        duration(slice[0].time - at),
                        crate::time::format(slice[slice.len() - 1].time)
                    )),
                );
                f.evidence
                    .counts
                    .insert("records".into(), distinct_records(slice));
                out.push(f);
            }
        }
    }
    if r.shared_credential.enabled {
        shared_credential(events, ctx, out);
    }
    if r.watched_record.enabled && !ctx.watched.is_empty() {
        watched_record(events, ctx, out);
    }
}

fn is_data_access(e: &Event) -> bool {
    matches!(e.action(), Action::Read | Action::Search | Action::Export)
}

fn distinct_records(events: &[Event]) -> u64 {
    events
        .iter()
        .filter(|e| e.record.is_some())
        .map(|e| (e.system(), e.record))
        .collect::<HashSet<_>>()
        .len() as u64
}

fn embargo(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let Some(campaign) = ctx.watchlist.campaigns.get(ctx.identity) else {
        return;
    };
    let Some(not_before) = campaign.not_before else {
        return;
    };
    let system = ctx
        .tables
        .systems
        .get_sym(campaign.system.as_bytes())
        .map(|s| s as u16);
    if !campaign.system.is_empty() && system.is_none() {
        return; // the embargoed system never appears in these logs
    }
    let hits: Vec<usize> = (0..events.partition_point(|e| e.time < not_before))
        .filter(|&i| is_data_access(&events[i]) && system.is_none_or(|s| events[i].system() == s))
        .collect();
    // One finding per day-separated episode.
    let mut start = 0;
    while start < hits.len() {
        let mut end = start;
        while end + 1 < hits.len() && events[hits[end + 1]].time - events[hits[end]].time <= DAY {
            end += 1;
        }
        let slice = &events[hits[start]..=hits[end]];
        let matched: Vec<&Event> = hits[start..=end].iter().map(|&i| &events[i]).collect();
        let n = matched.len() as u64;
        let mut f = ctx.finding(
            RuleId::Embargo,
            slice,
            "data accesses before the embargo ends".into(),
            n as f64,
            0.0,
            message!(format!(
                "campaign {} account made {} {} accesses ({} distinct records) before the embargo ends at {}",
                if campaign.campaign.is_empty() { "(unnamed)" } else { &campaign.campaign },
                group(n),
                if campaign.system.is_empty() { "data" } else { &campaign.system },
                group(matched.iter().filter(|e| e.record.is_some()).map(|e| e.record).collect::<HashSet<_>>().len() as u64),
                crate::time::format(not_before)
            )),
        );
        if !campaign.system.is_empty() {
            f.evidence.system = Some(campaign.system.clone());
        }
        f.events = n;
        f.evidence.samples = matched.iter().take(5).map(|e| ctx.line(e)).collect();
        out.push(f);
        start = end + 1;
    }
}

/// Distinct values in a window, for ips and user agents.
fn shared_credential(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.shared_credential;
    let t = ctx.tables;
    // Cheap exit for the usual identity: few ips and agents overall.
    let (mut ips, mut agents): (Vec<Sym>, Vec<Sym>) = (Vec::new(), Vec::new());
    for e in events {
        let client = t.client(e.client);
        if !ips.contains(&client.ip) && ips.len() < c.max_ips as usize {
            ips.push(client.ip);
        }
        if !agents.contains(&client.agent) && agents.len() < c.max_agents as usize {
            agents.push(client.agent);
        }
        if ips.len() >= c.max_ips as usize || agents.len() >= c.max_agents as usize {
            break;
        }
    }
    if (ips.len() as u64) < c.max_ips && (agents.len() as u64) < c.max_agents {
        return;
    }
    let window = c.window * 1000;
    let mut ip_count: HashMap<Sym, u32> = HashMap::new();
    let mut agent_count: HashMap<Sym, u32> = HashMap::new();
    let mut left = 0;
    // (first, last, peak ips, peak agents, peak window)
    let mut episode: Option<(usize, usize, u64, u64, usize, usize)> = None;
    let flush = |ep: (usize, usize, u64, u64, usize, usize), out: &mut Vec<Finding>| {
        let (s, e, pip, pag, ps, pe) = ep;
        let peak = &events[ps..=pe];
        let (observed, threshold) =
            if pip as f64 / c.max_ips as f64 >= pag as f64 / c.max_agents as f64 {
                (pip, c.max_ips)
            } else {
                (pag, c.max_agents)
            };
        let mut f = ctx.finding(
            RuleId::SharedCredential,
            &events[s..=e],
            format!("distinct ips or user agents in {}", window_name(c.window)),
            observed as f64,
            threshold as f64,
            message!(format!(
                "was used from {} ips and {} user agents within {} (limits {} ips, {} agents in {})",
                pip,
                pag,
                duration(peak[peak.len() - 1].time - peak[0].time),
                c.max_ips,
                c.max_agents,
                window_name(c.window)
            )),
        );
        f.evidence.window_secs = Some(c.window);
        f.evidence.counts.insert("ips".into(), pip);
        f.evidence.counts.insert("user_agents".into(), pag);
        // Samples from distinct clients, so a person sees the spread.
        let mut seen = Vec::new();
        f.evidence.samples = peak
            .iter()
            .filter(|e| {
                let new = !seen.contains(&e.client);
                seen.push(e.client);
                new
            })
            .take(5)
            .map(|e| ctx.line(e))
            .collect();
        out.push(f);
    };
    for right in 0..events.len() {
        let cl = t.client(events[right].client);
        *ip_count.entry(cl.ip).or_default() += 1;
        *agent_count.entry(cl.agent).or_default() += 1;
        while events[right].time - events[left].time >= window {
            let old = t.client(events[left].client);
            for (map, key) in [(&mut ip_count, old.ip), (&mut agent_count, old.agent)] {
                let n = map.get_mut(&key).expect("counted");
                *n -= 1;
                if *n == 0 {
                    map.remove(&key);
                }
            }
            left += 1;
        }
        let (ni, na) = (ip_count.len() as u64, agent_count.len() as u64);
        if ni >= c.max_ips || na >= c.max_agents {
            episode = match episode {
                Some((s, last, pi, pa, ps, pe)) if left <= last => {
                    if ni + na > pi + pa {
                        Some((s, right, ni, na, left, right))
                    } else {
                        Some((s, right, pi, pa, ps, pe))
                    }
                }
                Some(ep) => {
                    flush(ep, out);
                    Some((left, right, ni, na, left, right))
                }
                None => Some((left, right, ni, na, left, right)),
            };
        }
    }
    if let Some(ep) = episode {
        flush(ep, out);
    }
}

fn watched_record(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let role = ctx.watchlist.role(ctx.identity);
    let mut by_record: BTreeMap<usize, Vec<&Event>> = BTreeMap::new();
    for e in events {
        if let Some(&w) = ctx.watched.get(&e.record) {
            let watched = &ctx.watchlist.records[w];
            let system_ok = watched.system.is_empty() || ctx.system(e.system()) == watched.system;
            let allowed = watched.allowed.contains(ctx.identity)
                || role.is_some_and(|r| watched.allowed.contains(r));
            if system_ok && !allowed {
                by_record.entry(w).or_default().push(e);
            }
        }
    }
    for (w, hits) in by_record {
        let watched = &ctx.watchlist.records[w];
        let first = hits[0].time;
        let last = hits[hits.len() - 1].time;
        let lo = events.partition_point(|e| e.time < first);
        let hi = events.partition_point(|e| e.time <= last);
        let mut parts = vec![
            Part::from("opened watched record "),
            Part::record(watched.record.clone()),
            Part::from(format!(
                " {} time{} ({}); allowed: ",
                hits.len(),
                if hits.len() == 1 { "" } else { "s" },
                role.map_or("no role".to_string(), |r| format!("role {r}")),
            )),
        ];
        for (i, who) in watched.allowed.iter().enumerate() {
            if i > 0 {
                parts.push(Part::from(", "));
            }
            parts.push(Part::account(who.clone()));
        }
        let mut f = ctx.finding(
            RuleId::WatchedRecord,
            &events[lo..hi],
            "opens of a watched record by someone not allowed".into(),
            hits.len() as f64,
            0.0,
            crate::finding::Message::from_parts(parts),
        );
        f.events = hits.len() as u64;
        f.evidence.samples = hits.iter().take(5).map(|e| ctx.line(e)).collect();
        let system = ctx.system(hits[0].system());
        f.evidence.records = Some(crate::finding::RecordRange {
            system: system.clone(),
            first: watched.record.clone(),
            last: watched.record.clone(),
        });
        f.evidence.system = Some(system);
        f.evidence.allowed = watched.allowed.iter().cloned().collect();
        out.push(f);
    }
}

/// Watched records as they are interned in this scan.
pub fn watched_index(tables: &Tables, watchlist: &Watchlist) -> HashMap<Record, usize> {
    let mut index = HashMap::new();
    for (i, w) in watchlist.records.iter().enumerate() {
        let numeric = w.record.parse::<u64>().ok().and_then(Record::numeric);
        let record = numeric.or_else(|| {
            tables
                .records
                .get_sym(w.record.as_bytes())
                .map(Record::string)
        });
        if let Some(r) = record {
            index.insert(r, i);
        }
    }
    index
}

/// What the identities of a coordinated group share: typed, so that
/// grouping compares numbers; named once per identity.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum GroupKey {
    /// A watchlist campaign.
    Campaign(String),
    /// An IPv4 /24: its first three octets.
    Net24([u8; 3]),
    /// A user agent: its symbol in `Tables::agents`.
    Agent(Sym),
    /// An IPv4 /24 and a user agent together (web identities only).
    NetAgent([u8; 3], Sym),
}

impl GroupKey {
    /// The key as findings name it.
    fn shared(&self, tables: &Tables) -> Shared {
        match self {
            GroupKey::Campaign(c) => Shared::Campaign(c.clone()),
            GroupKey::Net24([a, b, c]) => Shared::Network(format!("{a}.{b}.{c}.0/24")),
            GroupKey::Agent(sym) => Shared::UserAgent(tables.agents.text(*sym).into_owned()),
            GroupKey::NetAgent([a, b, c], sym) => Shared::NetworkAgent {
                network: format!("{a}.{b}.{c}.0/24"),
                user_agent: tables.agents.text(*sym).into_owned(),
            },
        }
    }
}

/// The coordinated-group keys of one identity: its campaign, and the ip
/// /24s and user agents of its reads, as findings name them (keys that
/// print alike, such as agents differing only in invalid UTF-8, are one);
/// for `web` identities (addresses) also each /24 with the agent it sent.
/// They do not depend on thresholds.
pub fn group_keys(
    events: &[Event],
    tables: &Tables,
    watchlist: &Watchlist,
    identity: &str,
    web: bool,
) -> Vec<Shared> {
    let mut keys: Vec<GroupKey> = Vec::new();
    if let Some(campaign) = watchlist.campaigns.get(identity) {
        if !campaign.campaign.is_empty() {
            keys.push(GroupKey::Campaign(campaign.campaign.clone()));
        }
    }
    let mut clients: Vec<Sym> = events
        .iter()
        .filter(|e| e.record.is_some())
        .map(|e| e.client)
        .collect();
    clients.sort_unstable();
    clients.dedup();
    for cl in clients {
        let client = tables.client(cl);
        let net = net24(tables.ips.get(client.ip));
        let agent = !tables.agents.get(client.agent).is_empty();
        if let Some(net) = net {
            keys.push(GroupKey::Net24(net));
        }
        if agent {
            keys.push(GroupKey::Agent(client.agent));
        }
        if let (true, Some(net), true) = (web, net, agent) {
            keys.push(GroupKey::NetAgent(net, client.agent));
        }
    }
    keys.sort();
    keys.dedup();
    let mut shared: Vec<Shared> = keys.iter().map(|k| k.shared(tables)).collect();
    shared.sort();
    shared.dedup();
    shared
}

/// The groups `coordinated` examines, decided from the profiles alone:
/// what they share and their members (profile indices, ascending), in
/// key order. Members are identities under every bulk-read limit and not
/// declared crawlers; a key shared by too many identities is too common
/// to mean anything, unless it is a campaign, or a /24 and an agent
/// together (at most 256 addresses).
pub fn coordinated_groups<'a>(
    profiles: &[Profile],
    rules_of: &dyn Fn(&str) -> &'a Rules,
) -> Vec<(Shared, Vec<usize>)> {
    let c = &rules_of("").coordinated;
    if !c.enabled {
        return Vec::new();
    }
    let mut by_key: BTreeMap<&Shared, Vec<usize>> = BTreeMap::new();
    for (i, p) in profiles.iter().enumerate() {
        if p.bulk_fired || p.crawler || !rules_of(&p.identity).coordinated.enabled {
            continue;
        }
        for k in p.keys.iter().flatten() {
            by_key.entry(k).or_default().push(i);
        }
    }
    by_key
        .into_iter()
        .filter(|(key, members)| {
            let n = members.len() as u64;
            let common = n > c.max_group || n as f64 > c.max_share * profiles.len() as f64;
            // A common key means nothing, unless it is a campaign or a
            // network and an agent together.
            n >= c.min_members
                && (!common || matches!(key, Shared::Campaign(_) | Shared::NetworkAgent { .. }))
        })
        .map(|(key, members)| (key.clone(), members))
        .collect()
}

/// `coordinated`: identities that share a campaign, an ip /24 or a rare
/// user agent and together read more distinct records than the limit,
/// while none of them fired a bulk-read rule alone. `groups` come from
/// [`coordinated_groups`]; the members' timelines from `tl`.
pub fn coordinated_findings<'a>(
    tl: &Timelines,
    watchlist: &Watchlist,
    profiles: &[Profile],
    groups: &[(Shared, Vec<usize>)],
    rules_of: &(dyn Fn(&str) -> &'a Rules + Sync),
    out: &mut Vec<Finding>,
) {
    let c = &rules_of("").coordinated;
    let names: Vec<&str> = profiles.iter().map(|p| p.identity.as_str()).collect();
    // Each group is scanned on its own (in parallel); the findings are
    // gathered in key order, so the result does not depend on threads.
    let per_group: Vec<Vec<(usize, Finding)>> = groups
        .par_iter()
        .map(|(key, members)| {
        let mut found = Vec::new();
        // The members' reads, in time order.
        let mut reads: Vec<(Millis, u16, Record, usize, usize)> = Vec::new();
        for &m in members {
            let Some(range) = profiles[m].range.clone() else {
                continue;
            };
            for (k, e) in tl.events[range.clone()].iter().enumerate() {
                if matches!(e.action(), Action::Read | Action::Export) && e.record.is_some() {
                    reads.push((e.time, e.system(), e.record, m, range.start + k));
                }
            }
        }
        // A network and an agent together are also read over the long
        // window (a distributed crawler keeps each address slow for days).
        let mut windows = vec![(c.window, c.max_records)];
        if matches!(key, Shared::NetworkAgent { .. }) {
            windows.push((c.long_window, c.long_max_records));
        }
        if windows.iter().all(|w| (reads.len() as u64) < w.1) {
            return found;
        }
        // Time, then member (profiles are in name order), then place in
        // its timeline: an order that does not depend on how symbols were
        // numbered, so every process that loads these timelines agrees.
        reads.sort_unstable_by_key(|r| (r.0, r.3, r.4));
        // The window whose best stretch is furthest over its limit.
        let mut chosen: Option<(u64, usize, usize, i64, u64)> = None;
        for &(window_secs, max_records) in &windows {
        let window = window_secs * 1000;
        let mut counts: HashMap<(u16, Record), u32> = HashMap::new();
        let mut who: HashMap<usize, u32> = HashMap::new();
        let mut left = 0;
        let mut best: Option<(u64, usize, usize)> = None;
        for right in 0..reads.len() {
            let r = reads[right];
            *counts.entry((r.1, r.2)).or_default() += 1;
            *who.entry(r.3).or_default() += 1;
            while r.0 - reads[left].0 >= window {
                let l = reads[left];
                let v = counts.get_mut(&(l.1, l.2)).expect("counted");
                *v -= 1;
                if *v == 0 {
                    counts.remove(&(l.1, l.2));
                }
                let v = who.get_mut(&l.3).expect("counted");
                *v -= 1;
                if *v == 0 {
                    who.remove(&l.3);
                }
                left += 1;
            }
            let distinct = counts.len() as u64;
            if distinct >= max_records
                && who.len() as u64 >= c.min_members
                && best.is_none_or(|b| distinct > b.0)
            {
                best = Some((distinct, left, right));
            }
        }
        if let Some((distinct, lo, hi)) = best {
            let ratio = |d: u64, m: u64| d as f64 / m as f64;
            if chosen.is_none_or(|ch| ratio(distinct, max_records) > ratio(ch.0, ch.4)) {
                chosen = Some((distinct, lo, hi, window_secs, max_records));
            }
        }
        }
        let Some((distinct, lo, hi, window_secs, max_records)) = chosen else {
            return found;
        };
        let window_reads = &reads[lo..=hi];
        let contributors: std::collections::BTreeSet<usize> =
            window_reads.iter().map(|r| r.3).collect();
        let span = window_reads[window_reads.len() - 1].0 - window_reads[0].0;
        for &m in &contributors {
            let own: Vec<usize> = window_reads
                .iter()
                .filter(|r| r.3 == m)
                .map(|r| r.4)
                .collect();
            let first = own[0];
            let last = own[own.len() - 1];
            let rules = rules_of(names[m]);
            let ctx = Context::for_identity(tl, watchlist, names[m], rules);
            let [what, value] = key.parts();
            let mut f = ctx.finding(
                RuleId::Coordinated,
                &tl.events[first..=last],
                format!("distinct records read by the group in {}", window_name(window_secs)),
                distinct as f64,
                max_records as f64,
                message!(
                    format!("one of {} identities sharing ", contributors.len()),
                    what,
                    value,
                    format!(
                        " that together read {} distinct records within {} (limit {} in {}); this one read {}",
                        group(distinct),
                        duration(span),
                        group(max_records),
                        window_name(window_secs),
                        group(own.len() as u64)
                    ),
                ),
            );
            f.evidence.window_secs = Some(window_secs);
            f.evidence.shared = Some(key.clone());
            f.evidence
                .counts
                .insert("members".into(), contributors.len() as u64);
            f.evidence
                .counts
                .insert("own_reads".into(), own.len() as u64);
            f.evidence.samples = own
                .iter()
                .take(5)
                .map(|&i| ctx.line(&tl.events[i]))
                .collect();
            found.push((m, f));
        }
        found
    })
    .collect();
    let mut found: BTreeMap<usize, Vec<Finding>> = BTreeMap::new();
    for (m, f) in per_group.into_iter().flatten() {
        found.entry(m).or_default().push(f);
    }
    for (m, fs) in found {
        if let Some(timeline) = profiles[m].timeline(tl) {
            out.extend(merge(fs, timeline));
        }
    }
}

/// The /24 of an IPv4 address.
fn net24(ip: &[u8]) -> Option<[u8; 3]> {
    let v4: std::net::Ipv4Addr = std::str::from_utf8(ip).ok()?.parse().ok()?;
    let [a, b, c, _] = v4.octets();
    Some([a, b, c])
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::config::Config;

    fn run(
        events: &[Event],
        config: &Config,
        watchlist: &Watchlist,
        tables: &Tables,
    ) -> Vec<Finding> {
        run_family(detect, events, &config.rules, watchlist, tables)
    }

    #[test]
    fn embargo_and_revoked() {
        let tables = tables(1);
        let w = Watchlist::parse(
            "account,kind,campaign,revoked_at,not_before,system\n\
             who,campaign,rowe,,1970-01-01T01:00:00Z,membership\n",
            "w",
        )
        .unwrap();
        let reads: Vec<Event> = vec![read(10, 1), read(3599, 2), read(3600, 3)];
        let f = run(&reads, &Config::default(), &w, &tables);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, RuleId::Embargo);
        assert_eq!(
            f[0].evidence.observed, 2.0,
            "the read at the embargo's end is allowed"
        );
        let w = Watchlist::parse(
            "account,kind,revoked_at\nwho,revoked,1970-01-01T00:00:30Z\n",
            "w",
        )
        .unwrap();
        let f = run(&reads, &Config::default(), &w, &tables);
        assert_eq!((f[0].rule, f[0].events), (RuleId::Revoked, 2));
        assert!(run(&reads[..1], &Config::default(), &w, &tables).is_empty());
    }

    #[test]
    fn shared_credential_counts_distinct_ips_in_a_window() {
        let tables = tables(10);
        let mut config = Config::default();
        config.rules.shared_credential.max_ips = 8;
        config.rules.shared_credential.max_agents = 100;
        let from = |n: u32| -> Vec<Event> {
            (0..n)
                .map(|i| Event {
                    client: i,
                    ..read(i as i64 * 60, 1)
                })
                .collect()
        };
        assert!(run(&from(7), &config, &Watchlist::default(), &tables).is_empty());
        let f = run(&from(8), &config, &Watchlist::default(), &tables);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence.counts["ips"], 8);
    }

    #[test]
    fn watched_record_allows_listed_roles_only() {
        let mut tables = tables(1);
        let case = Record::string(tables.records.intern(b"case-41"));
        let w = Watchlist::parse(
            "account,kind,system,role\ncase-41,record,cases,panel\n",
            "w",
        )
        .unwrap();
        let open = Event {
            record: case,
            ..read(5, 0)
        }
        .with_system(2);
        let f = run(&[open], &Config::default(), &w, &tables);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.render().contains("case-41"));
        let w2 = Watchlist::parse(
            "account,kind,system,role\ncase-41,record,cases,panel\nwho,allow,,panel\n",
            "w",
        );
        let w2 = w2.unwrap();
        assert!(run(&[open], &Config::default(), &w2, &tables).is_empty());
    }
}

//! Web signals: what a web log says beside the records read. `crawl`
//! (many distinct non-static pages fast), `probing` (403/404 answers over
//! distinct targets), `server-verdict` (a burst of 403/418/429: the server
//! already judged), `declared-crawler` (info, not an alert), and the user
//! agent rules `scripted-client`, `agent-rotation` and `watched-agent`.
//!
//! Pages are records: a request URL's numeric id, else its path (static
//! assets have none), so a slide-deck viewer loading sixty images is not a
//! crawl. Every rule here reads one identity's timeline only, so it gives
//! the same findings whatever the partition.

use super::window::most_in_window;
use super::{window_name, Context};
use crate::event::{Event, Record};
use crate::finding::{duration, group, Family, Finding, RuleId, Severity};
use crate::intern::Sym;
use crate::message;
use crate::time::Millis;
use hashbrown::HashMap;
use std::hash::Hash;

/// Runs the family's per-identity rules over one timeline (the
/// declared-crawler class is settled apart, by [`declare`], once every
/// family has run).
pub fn detect(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let r = ctx.rules;
    if r.crawl.enabled {
        crawl(events, ctx, out);
    }
    if r.probing.enabled {
        probing(events, ctx, out);
    }
    if r.server_verdict.enabled {
        server_verdict(events, ctx, out);
    }
    if r.scripted_client.enabled {
        scripted_client(events, ctx, out);
    }
    if r.agent_rotation.enabled {
        agent_rotation(events, ctx, out);
    }
    if r.watched_agent.enabled && !ctx.watchlist.agents.is_empty() {
        watched_agent(events, ctx, out);
    }
}

/// A stretch of a timeline where a windowed measure held: first and last
/// event (inclusive), the peak value and the peak window (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stretch {
    first: usize,
    last: usize,
    peak: u64,
    peak_first: usize,
    peak_last: usize,
}

/// Stretches where, over a sliding `window` of time, `fires(distinct keys,
/// keyed events, all events)` holds; the peak is the most distinct keys.
/// Windows that share an event join one stretch. One pass, two pointers.
///
/// Every rule here fires only at `min_distinct` or more distinct keys in a
/// window; a window holds no more distinct keys than keyed events, so a
/// timeline whose windows never hold `min_distinct` keyed events is passed
/// over by a count alone, without hashing a key (most timelines).
fn distinct_stretches<K: Hash + Eq + Copy>(
    events: &[Event],
    window: Millis,
    min_distinct: u64,
    key: impl Fn(&Event) -> Option<K>,
    fires: impl Fn(u64, u64, u64) -> bool,
) -> Vec<Stretch> {
    let mut out: Vec<Stretch> = Vec::new();
    if most_in_window(events, window, |e| key(e).is_some()) < min_distinct {
        return out;
    }
    let mut counts: HashMap<K, u32> = HashMap::new();
    let (mut left, mut keyed) = (0, 0u64);
    for right in 0..events.len() {
        if let Some(k) = key(&events[right]) {
            *counts.entry(k).or_default() += 1;
            keyed += 1;
        }
        while events[right].time - events[left].time >= window {
            if let Some(k) = key(&events[left]) {
                let n = counts.get_mut(&k).expect("counted");
                *n -= 1;
                if *n == 0 {
                    counts.remove(&k);
                }
                keyed -= 1;
            }
            left += 1;
        }
        let distinct = counts.len() as u64;
        if !fires(distinct, keyed, (right + 1 - left) as u64) {
            continue;
        }
        match out.last_mut() {
            Some(s) if left <= s.last => {
                s.last = right;
                if distinct > s.peak {
                    (s.peak, s.peak_first, s.peak_last) = (distinct, left, right);
                }
            }
            _ => out.push(Stretch {
                first: left,
                last: right,
                peak: distinct,
                peak_first: left,
                peak_last: right,
            }),
        }
    }
    out
}

/// Up to five `file:line` samples of the events that match.
fn samples(events: &[Event], ctx: &Context, mut keep: impl FnMut(&Event) -> bool) -> Vec<String> {
    events
        .iter()
        .filter(|e| keep(e))
        .take(5)
        .map(|e| ctx.line(e))
        .collect()
}

/// A page: a request naming a record (an id, or a non-static path).
fn page(e: &Event) -> Option<(u16, Record)> {
    e.record.is_some().then_some((e.system(), e.record))
}

fn crawl(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.crawl;
    for (window, limit) in [(c.window, c.max_pages), (c.long_window, c.long_max_pages)] {
        if (events.len() as u64) < limit {
            continue;
        }
        for s in distinct_stretches(events, window * 1000, limit, page, |d, _, _| d >= limit) {
            let peak = &events[s.peak_first..=s.peak_last];
            let span = peak[peak.len() - 1].time - peak[0].time;
            let mut f = ctx.finding(
                RuleId::Crawl,
                &events[s.first..=s.last],
                format!("distinct pages fetched in {}", window_name(window)),
                s.peak as f64,
                limit as f64,
                message!(format!(
                    "fetched {} distinct pages within {} (limit {} in {}); {} requests in the whole stretch",
                    group(s.peak),
                    duration(span),
                    group(limit),
                    window_name(window),
                    group((s.last + 1 - s.first) as u64)
                )),
            );
            f.evidence.window_secs = Some(window);
            f.evidence.samples = samples(peak, ctx, |e| e.record.is_some());
            f.evidence.counts.insert("pages".into(), s.peak);
            out.push(f);
        }
    }
}

/// Answers that say "no such target" or "not for you".
fn refused(e: &Event) -> bool {
    matches!(e.status(), 403 | 404)
}

fn probing(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.probing;
    let errors = events.iter().filter(|e| refused(e)).count() as u64;
    if errors < c.min_targets {
        return;
    }
    let target = |e: &Event| refused(e).then_some((e.system(), e.record));
    let fires = |distinct: u64, keyed: u64, all: u64| {
        distinct >= c.min_targets && keyed as f64 >= c.min_share * all as f64
    };
    for s in distinct_stretches(events, c.window * 1000, c.min_targets, target, fires) {
        let peak = &events[s.peak_first..=s.peak_last];
        let refusals = peak.iter().filter(|e| refused(e)).count() as u64;
        let share = refusals as f64 / peak.len() as f64;
        let mut f = ctx.finding(
            RuleId::Probing,
            &events[s.first..=s.last],
            format!(
                "distinct targets answered 403 or 404 in {}",
                window_name(c.window)
            ),
            s.peak as f64,
            c.min_targets as f64,
            message!(format!(
                "was answered 403 or 404 for {} distinct targets within {} ({} of {} requests, {:.0}%; limit {} targets and {:.0}% in {})",
                group(s.peak),
                duration(peak[peak.len() - 1].time - peak[0].time),
                group(refusals),
                group(peak.len() as u64),
                share * 100.0,
                group(c.min_targets),
                c.min_share * 100.0,
                window_name(c.window)
            )),
        );
        f.evidence.window_secs = Some(c.window);
        f.evidence.samples = samples(peak, ctx, refused);
        f.evidence.counts.insert("refusals".into(), refusals);
        f.evidence
            .counts
            .insert("requests".into(), peak.len() as u64);
        out.push(f);
    }
}

/// Answers by which the server judged the client: forbidden, "I'm a
/// teapot" (a common answer to known bots), too many requests.
fn verdict(e: &Event) -> bool {
    matches!(e.status(), 403 | 418 | 429)
}

fn server_verdict(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.server_verdict;
    for ep in super::episodes(events, c.window * 1000, c.min_answers, |e| {
        verdict(e) as u64
    }) {
        let peak = &events[ep.peak_start..ep.peak_end];
        let by_status = |s: u16| peak.iter().filter(|e| e.status() == s).count() as u64;
        let (s403, s418, s429) = (by_status(403), by_status(418), by_status(429));
        let mut f = ctx.finding(
            RuleId::ServerVerdict,
            &events[ep.start..ep.end],
            format!("answers 403, 418 or 429 in {}", window_name(c.window)),
            ep.peak as f64,
            c.min_answers as f64,
            message!(format!(
                "was refused or throttled {} times within {} (403: {s403}, 418: {s418}, 429: {s429}; limit {} in {})",
                group(ep.peak),
                duration(peak[peak.len() - 1].time - peak[0].time),
                group(c.min_answers),
                window_name(c.window)
            )),
        );
        f.evidence.window_secs = Some(c.window);
        f.evidence.samples = samples(peak, ctx, verdict);
        for (name, n) in [
            ("status_403", s403),
            ("status_418", s418),
            ("status_429", s429),
        ] {
            f.evidence.counts.insert(name.into(), n);
        }
        out.push(f);
    }
}

/// The distinct user agents of a timeline whose text contains one of
/// `words` (case-insensitive), with the first word each matched.
fn agents_matching<'w>(
    events: &[Event],
    ctx: &Context,
    words: &'w [String],
) -> HashMap<Sym, &'w str> {
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let mut seen: HashMap<Sym, Option<&'w str>> = HashMap::new();
    for e in events {
        let agent = ctx.tables.client(e.client).agent;
        seen.entry(agent).or_insert_with(|| {
            let text = ctx.tables.agents.get(agent).to_ascii_lowercase();
            lower
                .iter()
                .position(|w| !w.is_empty() && memchr::memmem::find(&text, w.as_bytes()).is_some())
                .map(|i| words[i].as_str())
        });
    }
    seen.into_iter()
        .filter_map(|(a, w)| Some((a, w?)))
        .collect()
}

fn scripted_client(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.scripted_client;
    if (events.len() as u64) < c.min_requests {
        return;
    }
    let matched = agents_matching(events, ctx, &c.agents);
    if matched.is_empty() {
        return;
    }
    let agent = |e: &Event| ctx.tables.client(e.client).agent;
    let hits: Vec<usize> = (0..events.len())
        .filter(|&i| matched.contains_key(&agent(&events[i])))
        .collect();
    if (hits.len() as u64) < c.min_requests {
        return;
    }
    let (first, last) = (hits[0], hits[hits.len() - 1]);
    // The agent of most requests names the finding; ties go to the
    // earliest, so the message does not depend on symbol numbering.
    let mut by_agent: Vec<(Sym, u64, usize)> = Vec::new();
    for &i in &hits {
        let a = agent(&events[i]);
        match by_agent.iter_mut().find(|b| b.0 == a) {
            Some(b) => b.1 += 1,
            None => by_agent.push((a, 1, i)),
        }
    }
    let top = by_agent
        .iter()
        .max_by(|x, y| x.1.cmp(&y.1).then(y.2.cmp(&x.2)))
        .expect("a hit");
    let mut f = ctx.finding(
        RuleId::ScriptedClient,
        &events[first..=last],
        "requests from scripted user agents".into(),
        hits.len() as f64,
        c.min_requests as f64,
        message!(format!(
            "made {} requests from scripted user agents over {}, most as {} (matched `{}`; limit {} requests)",
            group(hits.len() as u64),
            duration(events[last].time - events[first].time),
            ctx.tables.agents.text(top.0),
            matched[&top.0],
            group(c.min_requests)
        )),
    );
    f.events = hits.len() as u64;
    f.evidence.samples = hits.iter().take(5).map(|&i| ctx.line(&events[i])).collect();
    f.evidence
        .counts
        .insert("user_agents".into(), by_agent.len() as u64);
    out.push(f);
}

fn agent_rotation(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.agent_rotation;
    let agent = |e: &Event| Some(ctx.tables.client(e.client).agent);
    for s in distinct_stretches(events, c.window * 1000, c.max_agents, agent, |d, _, _| {
        d >= c.max_agents
    }) {
        let peak = &events[s.peak_first..=s.peak_last];
        let mut f = ctx.finding(
            RuleId::AgentRotation,
            &events[s.first..=s.last],
            format!("distinct user agents in {}", window_name(c.window)),
            s.peak as f64,
            c.max_agents as f64,
            message!(format!(
                "sent {} distinct user agents in {} requests within {} (limit {} in {})",
                group(s.peak),
                group(peak.len() as u64),
                duration(peak[peak.len() - 1].time - peak[0].time),
                group(c.max_agents),
                window_name(c.window)
            )),
        );
        f.evidence.window_secs = Some(c.window);
        f.evidence.counts.insert("user_agents".into(), s.peak);
        // Samples from distinct agents, so a person sees the rotation.
        let mut seen = Vec::new();
        f.evidence.samples = samples(peak, ctx, |e| {
            let a = ctx.tables.client(e.client).agent;
            let new = !seen.contains(&a);
            if new {
                seen.push(a);
            }
            new
        });
        out.push(f);
    }
}

fn watched_agent(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let patterns = &ctx.watchlist.agents;
    let mut seen: HashMap<Sym, Option<usize>> = HashMap::new();
    let mut hits: Vec<(usize, usize)> = Vec::new(); // (pattern, event)
    for (i, e) in events.iter().enumerate() {
        let agent = ctx.tables.client(e.client).agent;
        let m = *seen.entry(agent).or_insert_with(|| {
            let text = ctx.tables.agents.text(agent);
            patterns.iter().position(|p| p.matches(&text))
        });
        if let Some(p) = m {
            hits.push((p, i));
        }
    }
    hits.sort_unstable();
    for chunk in hits.chunk_by(|a, b| a.0 == b.0) {
        let pattern = &patterns[chunk[0].0];
        let (first, last) = (chunk[0].1, chunk[chunk.len() - 1].1);
        let mut f = ctx.finding(
            RuleId::WatchedAgent,
            &events[first..=last],
            "requests from a watched user agent".into(),
            chunk.len() as f64,
            0.0,
            message!(format!(
                "made {} requests from user agents matching watchlist pattern `{}` over {}",
                group(chunk.len() as u64),
                pattern.pattern,
                duration(events[last].time - events[first].time)
            )),
        );
        f.events = chunk.len() as u64;
        f.evidence.samples = chunk
            .iter()
            .take(5)
            .map(|&(_, i)| ctx.line(&events[i]))
            .collect();
        out.push(f);
    }
}

/// Whether every request of the timeline names a declared crawler: the
/// matched word, if so.
pub fn declared_crawler<'r>(events: &[Event], ctx: &'r Context) -> Option<&'r str> {
    let c = &ctx.rules.declared_crawler;
    if !c.enabled || events.is_empty() {
        return None;
    }
    let matched = agents_matching(events, ctx, &c.agents);
    let agent = |e: &Event| ctx.tables.client(e.client).agent;
    if !events.iter().all(|e| matched.contains_key(&agent(e))) {
        return None;
    }
    Some(matched[&agent(&events[0])])
}

/// The declared-crawler class: when every request of the identity names a
/// declared crawler, one `info` finding says so, and the identity's
/// findings of the bulk-read, rate and web families become `info` too (a
/// search engine reading the site is not an alert). Watchlist findings
/// (a revoked account, an embargo) are left as they are. Returns whether
/// the identity is a declared crawler.
pub fn declare(events: &[Event], ctx: &Context, findings: &mut Vec<Finding>) -> bool {
    let Some(word) = declared_crawler(events, ctx) else {
        return false;
    };
    for f in findings.iter_mut() {
        if matches!(f.family, Family::BulkRead | Family::Rate | Family::Web) {
            f.severity = Severity::Info;
            f.score =
                crate::finding::score(Severity::Info, f.evidence.observed, f.evidence.threshold);
            f.message.push("; declared crawler, not an alert");
        }
    }
    let agent = ctx.tables.client(events[0].client).agent;
    let mut f = ctx.finding(
        RuleId::DeclaredCrawler,
        events,
        "requests from a declared crawler".into(),
        events.len() as f64,
        1.0,
        message!(format!(
            "is a declared crawler: all {} requests over {} name one (matched `{word}`, e.g. {})",
            group(events.len() as u64),
            duration(events[events.len() - 1].time - events[0].time),
            ctx.tables.agents.text(agent)
        )),
    );
    f.evidence.samples = samples(events, ctx, |_| true);
    findings.push(f);
    true
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::config::Config;
    use crate::event::Tables;
    use crate::watchlist::Watchlist;

    fn only(config: &mut Config, rule: RuleId) -> crate::config::Rules {
        let mut t = toml::Table::try_from(&config.rules).unwrap();
        for r in RuleId::ALL {
            if let Some(toml::Value::Table(s)) = t.get_mut(r.name()) {
                s.insert("enabled".into(), toml::Value::Boolean(*r == rule));
            }
        }
        config.rules = t.try_into().unwrap();
        config.rules.clone()
    }

    fn run(events: &[Event], rules: &crate::config::Rules, tables: &Tables) -> Vec<Finding> {
        run_family(detect, events, rules, &Watchlist::default(), tables)
    }

    /// Tables whose client N has agent `agents[N]`.
    fn agent_tables(agents: &[&str]) -> Tables {
        let mut t = tables(0);
        for (i, a) in agents.iter().enumerate() {
            t.intern_client(format!("10.1.0.{i}").as_bytes(), a.as_bytes(), b"");
        }
        t
    }

    #[test]
    fn crawl_counts_distinct_pages_not_requests() {
        let mut config = Config::default();
        let rules = only(&mut config, RuleId::Crawl);
        let tables = tables(1);
        // 41 distinct pages in 0.4 s: over 40 faster than 2 a second.
        let burst: Vec<Event> = (0..41)
            .map(|i| Event {
                time: i * 10,
                ..read(0, 100 + i as u32)
            })
            .collect();
        let f = run(&burst, &rules, &tables);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].evidence.observed, 41.0);
        // 40 pages, or 41 requests for 20 pages: no crawl.
        assert!(run(&burst[..40], &rules, &tables).is_empty());
        let repeats: Vec<Event> = (0..41)
            .map(|i| Event {
                time: i * 10,
                ..read(0, 100 + (i % 20) as u32)
            })
            .collect();
        assert!(run(&repeats, &rules, &tables).is_empty());
        // Link-walkers: 55 pages in 55 s.
        let walk: Vec<Event> = (0..55).map(|i| read(i, 500 + i as u32)).collect();
        assert_eq!(run(&walk, &rules, &tables).len(), 1);
        // Statics (no record) are not pages.
        let statics: Vec<Event> = (0..60)
            .map(|i| Event {
                record: Record::NONE,
                ..read(i / 10, 0)
            })
            .collect();
        assert!(run(&statics, &rules, &tables).is_empty());
    }

    #[test]
    fn probing_needs_distinct_targets_and_a_share() {
        let mut config = Config::default();
        let rules = only(&mut config, RuleId::Probing);
        let tables = tables(1);
        let answer = |i: i64, record: u32, status: u16| read(i * 5, record).with_status(status);
        let scan: Vec<Event> = (0..25).map(|i| answer(i, 1000 + i as u32, 404)).collect();
        let f = run(&scan, &rules, &tables);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence.observed, 25.0);
        // The same missing page 25 times is one target.
        let same: Vec<Event> = (0..25).map(|i| answer(i, 7, 404)).collect();
        assert!(run(&same, &rules, &tables).is_empty());
        // 25 misses among 100 good answers: under the share.
        let mut mixed = Vec::new();
        for i in 0..125 {
            let status = if i % 5 == 0 { 404 } else { 200 };
            mixed.push(Event {
                time: i * 2000,
                ..answer(0, 1000 + i as u32, status)
            });
        }
        assert!(run(&mixed, &rules, &tables).is_empty());
    }

    #[test]
    fn server_verdicts_fire_on_a_burst() {
        let mut config = Config::default();
        let rules = only(&mut config, RuleId::ServerVerdict);
        let tables = tables(1);
        let answers = |n: i64, status: u16| -> Vec<Event> {
            (0..n).map(|i| read(i * 3, 1).with_status(status)).collect()
        };
        assert_eq!(run(&answers(10, 429), &rules, &tables).len(), 1);
        assert_eq!(run(&answers(10, 418), &rules, &tables).len(), 1);
        assert!(run(&answers(9, 429), &rules, &tables).is_empty());
        assert!(run(&answers(30, 404), &rules, &tables).is_empty());
    }

    #[test]
    fn agents_scripted_rotating_and_declared() {
        let tables = agent_tables(&[
            "python-requests/2.31.0",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
        ]);
        let from = |client: u32, n: i64| -> Vec<Event> {
            (0..n)
                .map(|i| Event {
                    client,
                    ..read(i * 30, 1 + i as u32)
                })
                .collect()
        };
        let mut config = Config::default();
        let rules = only(&mut config, RuleId::ScriptedClient);
        assert_eq!(run(&from(0, 10), &rules, &tables).len(), 1);
        assert!(run(&from(0, 9), &rules, &tables).is_empty());
        assert!(run(&from(2, 50), &rules, &tables).is_empty());

        let mut config = Config::default();
        let rules = only(&mut config, RuleId::DeclaredCrawler);
        let paths = vec!["log".to_string()];
        let w = Watchlist::default();
        let watched = Default::default();
        let ctx = |rules| Context {
            tables: &tables,
            paths: &paths,
            watchlist: &w,
            identity: "who",
            rules,
            watched: &watched,
            peer_hours: [0.0; 24],
            zone: &crate::time::UTC,
        };
        let bot = from(1, 5);
        let mut findings = vec![];
        assert!(declare(&bot, &ctx(&rules), &mut findings));
        assert_eq!(findings[0].severity, Severity::Info);
        assert!(!findings[0].severity.is_alert());
        let mut mixed = bot.clone();
        mixed.push(from(2, 1)[0]);
        assert!(!declare(&mixed, &ctx(&rules), &mut vec![]));

        // Rotation: nine agents in a few minutes.
        let many: Vec<&str> = vec![
            "a/1", "b/1", "c/1", "d/1", "e/1", "f/1", "g/1", "h/1", "i/1",
        ];
        let tables = agent_tables(&many);
        let rot: Vec<Event> = (0..9)
            .map(|i| Event {
                client: i,
                ..read(i as i64 * 20, 1)
            })
            .collect();
        let mut config = Config::default();
        let rules = only(&mut config, RuleId::AgentRotation);
        assert_eq!(run(&rot, &rules, &tables).len(), 1);
        assert!(run(&rot[..7], &rules, &tables).is_empty());
    }

    #[test]
    fn watched_agents_match_by_pattern() {
        let tables = agent_tables(&["HarvestBot/3.2 (+https://x.example)", "Mozilla/5.0"]);
        let w = Watchlist::parse("account,kind\n*harvestbot/*,agent\n", "w").unwrap();
        let mut config = Config::default();
        let rules = only(&mut config, RuleId::WatchedAgent);
        let ev = |client: u32| Event {
            client,
            ..read(1, 1)
        };
        let f = run_family(detect, &[ev(0), ev(1), ev(0)], &rules, &w, &tables);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].events, 2);
        assert!(run_family(detect, &[ev(1)], &rules, &w, &tables).is_empty());
    }
}

//! Explanations: why one identity was flagged, and why it was not. Its
//! activity at a glance, then for every rule whether it fired and, at the
//! identity's worst window, the observed value against the threshold.
//!
//! The worst window comes from the detectors themselves, not a second copy
//! of their logic: the identity's timeline is run once more with probe
//! thresholds (every limit at its minimum), so each rule reports its peak,
//! which is then compared with the configured threshold.

use crate::config::Rules;
use crate::detect::{self, rate, Context, Detection};
use crate::escape::printable;
use crate::event::{Action, Event};
use crate::finding::{duration, group, Finding, RuleId};
use crate::timeline::Timelines;
use crate::watchlist::Watchlist;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One rule's verdict for the identity.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// Rule id.
    pub rule: String,
    /// Its family.
    pub family: String,
    /// Active findings of this rule (0: it did not fire).
    pub fired: usize,
    /// Whether its findings were suppressed by the allowlist.
    pub suppressed: bool,
    /// What was measured at the worst window.
    pub measure: String,
    /// The value at the worst window, if the rule could measure one.
    pub observed: Option<f64>,
    /// The configured threshold it is compared with.
    pub threshold: Option<f64>,
    /// Start and end of the worst window.
    pub window: Option<(String, String)>,
    /// Anything a person needs to read the line right.
    pub note: String,
}

/// An explanation of one identity.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The identity.
    pub identity: String,
    /// Its role, from the watchlist.
    pub role: Option<String>,
    /// Events.
    pub events: u64,
    /// First and last event.
    pub span: (String, String),
    /// Events by (system, action).
    pub by_system_action: Vec<(String, String, u64)>,
    /// Events by hour of the day (UTC).
    pub hours: [u64; 24],
    /// Distinct ips and the busiest five.
    pub ips: (usize, Vec<(String, u64)>),
    /// Distinct user agents and the busiest five.
    pub agents: (usize, Vec<(String, u64)>),
    /// Numeric records read by system: (system, distinct, lowest, highest).
    pub records: Vec<(String, u64, u32, u32)>,
    /// Every rule's verdict.
    pub rules: Vec<Verdict>,
}

/// The rules with every limit at its minimum, so each reports its peak.
fn probe(rules: &Rules) -> Rules {
    let mut p = rules.clone();
    p.sequential_read.min_run = 2;
    p.paged_search.min_pages = 2;
    p.distinct_volume.max_records = 1;
    p.distinct_volume.long_max_records = 1;
    p.export_volume.max_rows = 1;
    p.byte_volume.max_bytes = 1;
    p.rate_absolute.per_minute = 1;
    p.rate_absolute.per_hour = 1;
    p.rate_absolute.per_day = 1;
    p.rate_baseline.enabled = false; // measured directly below
    p.regularity.max_cv = 1000.0;
    p.off_hours.min_events = 1;
    p.shared_credential.max_ips = 1;
    p.shared_credential.max_agents = 1;
    p.crawl.max_pages = 1;
    p.crawl.long_max_pages = 1;
    p.probing.min_targets = 1;
    p.probing.min_share = 0.0;
    p.server_verdict.min_answers = 1;
    p.scripted_client.min_requests = 1;
    p.agent_rotation.max_agents = 2;
    p.byte_volume.min_objects = 1;
    p.coverage.min_records = 2;
    p.coverage.min_coverage = 0.0;
    p.export_size.max_rows = 1;
    p.export_size.systems.clear();
    p.distinct_baseline.enabled = false; // measured directly below
    p.two_places.min_switches = 1;
    p
}

/// The configured threshold a probe finding is compared with, and whether
/// lower observed values are worse.
fn configured(f: &Finding, rules: &Rules) -> f64 {
    // The window is a typed field of the evidence: the threshold that
    // applies is found by it, not by reading the measure's words.
    let w = |secs: i64| f.evidence.window_secs == Some(secs);
    match f.rule {
        RuleId::SequentialRead => rules.sequential_read.min_run as f64,
        RuleId::PagedSearch => rules.paged_search.min_pages as f64,
        RuleId::DistinctVolume if w(rules.distinct_volume.window) => {
            rules.distinct_volume.max_records as f64
        }
        RuleId::DistinctVolume => rules.distinct_volume.long_max_records as f64,
        RuleId::ExportVolume => rules.export_volume.max_rows as f64,
        RuleId::ByteVolume => rules.byte_volume.max_bytes as f64,
        RuleId::RateAbsolute if w(60) => rules.rate_absolute.per_minute as f64,
        RuleId::RateAbsolute if w(3600) => rules.rate_absolute.per_hour as f64,
        RuleId::RateAbsolute => rules.rate_absolute.per_day as f64,
        RuleId::OffHours => rules.off_hours.min_events as f64,
        RuleId::SharedCredential => rules.shared_credential.max_ips as f64,
        RuleId::Crawl if w(rules.crawl.window) => rules.crawl.max_pages as f64,
        RuleId::Crawl => rules.crawl.long_max_pages as f64,
        RuleId::Probing => rules.probing.min_targets as f64,
        RuleId::ServerVerdict => rules.server_verdict.min_answers as f64,
        RuleId::ScriptedClient => rules.scripted_client.min_requests as f64,
        RuleId::AgentRotation => rules.agent_rotation.max_agents as f64,
        RuleId::Coverage => rules.coverage.min_records as f64,
        RuleId::ExportSize => f
            .evidence
            .system
            .as_ref()
            .and_then(|s| rules.export_size.systems.get(s))
            .copied()
            .unwrap_or(rules.export_size.max_rows) as f64,
        RuleId::TwoPlaces => rules.two_places.min_switches as f64,
        _ => 0.0,
    }
}

/// Explains `identity` in a scan and its detection; `identity_key` is the
/// identity kind (`identity.key`), for the rules that do not apply to it,
/// and `zone` the clock its hours of the day are read in (`time.zone`).
pub fn explain(
    tl: &Timelines,
    detection: &Detection,
    rules: &Rules,
    watchlist: &Watchlist,
    identity: &str,
    identity_key: &str,
    zone: &crate::time::Zone,
) -> Option<Explanation> {
    let sym = tl.tables.identities.get_sym(identity.as_bytes())?;
    let lo = tl.events.partition_point(|e| e.identity < sym);
    let hi = tl.events.partition_point(|e| e.identity <= sym);
    let events = &tl.events[lo..hi];
    if events.is_empty() {
        return None;
    }
    let t = tl.tables;
    let system = |s: u16| t.systems.text(s as u32).into_owned();

    let mut by: BTreeMap<(String, &str), u64> = BTreeMap::new();
    let mut hours = [0u64; 24];
    let mut ips: BTreeMap<String, u64> = BTreeMap::new();
    let mut agents: BTreeMap<String, u64> = BTreeMap::new();
    let mut records: BTreeMap<u16, (hashbrown::HashSet<u32>, u32, u32)> = BTreeMap::new();
    for e in events {
        *by.entry((system(e.system()), e.action().name()))
            .or_default() += 1;
        hours[zone.hour(e.time)] += 1;
        let (ip, agent, _) = t.client_parts(e.client);
        *ips.entry(String::from_utf8_lossy(ip).into_owned())
            .or_default() += 1;
        *agents
            .entry(String::from_utf8_lossy(agent).into_owned())
            .or_default() += 1;
        if let Some(n) = e
            .record
            .as_number()
            .filter(|_| matches!(e.action(), Action::Read | Action::Export))
        {
            let r = records
                .entry(e.system())
                .or_insert((Default::default(), u32::MAX, 0));
            r.0.insert(n);
            r.1 = r.1.min(n);
            r.2 = r.2.max(n);
        }
    }
    let top = |m: BTreeMap<String, u64>| {
        let n = m.len();
        let mut v: Vec<(String, u64)> = m.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(5);
        (n, v)
    };

    // The probe run, over this timeline only, with the rules that apply
    // to the identity kind.
    let mut rules = rules.clone();
    detect::fit_rules(&mut rules, identity_key);
    let rules = &rules;
    let probe_rules = probe(rules);
    let watched = detect::watch::watched_index(t, watchlist);
    let ctx = Context {
        watched: &watched,
        zone,
        ..Context::for_identity(tl, watchlist, identity, &probe_rules)
    };
    let mut peaks = Vec::new();
    detect::local(events, &ctx, &mut peaks);
    let crawler = detect::web::declared_crawler(
        events,
        &Context {
            rules,
            ..Context::for_identity(tl, watchlist, identity, rules)
        },
    )
    .map(String::from);

    let mut verdicts = Vec::new();
    for &rule in RuleId::ALL {
        let mine: Vec<&Finding> = detection
            .findings
            .iter()
            .filter(|f| f.identity == identity && f.rule == rule)
            .collect();
        let fired = mine.iter().filter(|f| !f.suppressed).count();
        let suppressed = mine.iter().any(|f| f.suppressed);
        let mut v = Verdict {
            rule: rule.name().to_string(),
            family: rule.family().name().to_string(),
            fired,
            suppressed,
            measure: String::new(),
            observed: None,
            threshold: None,
            window: None,
            note: String::new(),
        };
        if let Some(why) = detect::not_applicable(rule, identity_key) {
            v.note = format!("does not apply to identity {identity_key}: {why}");
            verdicts.push(v);
            continue;
        }
        match rule {
            RuleId::DeclaredCrawler => {
                v.measure = "requests naming a declared crawler".into();
                v.note = match &crawler {
                    Some(word) => format!(
                        "every request names a declared crawler (`{word}`): info, not an alert; its bulk-read, rate and web findings are info too"
                    ),
                    None => "not every request names a declared crawler".into(),
                };
            }
            RuleId::WatchedAgent if watchlist.agents.is_empty() => {
                v.note = "the watchlist names no agent patterns".into();
            }
            RuleId::RateBaseline => {
                let counted: Vec<Event> = events.iter().copied().filter(rate::counts).collect();
                let c = &rules.rate_baseline;
                match rate::baseline(&counted, c.min_history) {
                    Some((med, mad, n)) => {
                        let busiest = rate::hours(&counted)
                            .into_iter()
                            .max_by_key(|h| (h.1, std::cmp::Reverse(h.0)));
                        if let Some((_, count, a, b)) = busiest {
                            v.measure = "events in its busiest clock hour".into();
                            v.observed = Some(count as f64);
                            v.threshold =
                                Some((med + c.mads * mad).max(c.min_events as f64).ceil());
                            v.window = Some((
                                crate::time::format(counted[a].time),
                                crate::time::format(counted[b - 1].time),
                            ));
                            v.note = format!("median {med} over {n} active hours, MAD {mad:.1}");
                        }
                    }
                    None => v.note = format!("needs {} active hours of history", c.min_history),
                }
            }
            RuleId::DistinctBaseline => {
                let c = &rules.distinct_baseline;
                let days = detect::daily::days(events);
                match detect::daily::baseline(&days, c.min_history) {
                    Some((med, mad, n)) => {
                        if let Some(&(_, count, a, b)) =
                            days.iter().max_by_key(|d| (d.1, std::cmp::Reverse(d.0)))
                        {
                            v.measure = "distinct records in its busiest day".into();
                            v.observed = Some(count as f64);
                            v.threshold =
                                Some((med + c.mads * mad).max(c.min_records as f64).ceil());
                            v.window = Some((
                                crate::time::format(events[a].time),
                                crate::time::format(events[b - 1].time),
                            ));
                            v.note = format!("median {med} over {n} active days, MAD {mad:.1}");
                        }
                    }
                    None => v.note = format!("needs {} active days of history", c.min_history),
                }
            }
            RuleId::RatePeer | RuleId::Coordinated => {
                v.note = "compares identities: see the scan's findings".into();
                if let Some(f) = mine.first() {
                    v.measure = f.evidence.measure.clone();
                    v.observed = Some(f.evidence.observed);
                    v.threshold = Some(f.evidence.threshold);
                    v.window = Some((f.start.clone(), f.end.clone()));
                }
            }
            _ => {
                let worst = peaks
                    .iter()
                    .filter(|f| f.rule == rule)
                    .map(|f| (f, configured(f, rules)))
                    .max_by(|(a, ta), (b, tb)| {
                        let ra = a.evidence.observed / ta.max(1e-9);
                        let rb = b.evidence.observed / tb.max(1e-9);
                        ra.total_cmp(&rb).then(b.start_ms.cmp(&a.start_ms))
                    });
                if let Some((f, threshold)) = worst {
                    v.measure = f.evidence.measure.clone();
                    v.window = Some((f.start.clone(), f.end.clone()));
                    if rule == RuleId::Regularity {
                        // The probe's observed value is 1000 / cv.
                        v.measure = "lowest variation of gaps over a stretch".into();
                        v.observed = Some(1000.0 / f.evidence.observed);
                        v.threshold = Some(rules.regularity.max_cv);
                        v.note = "lower is more machine-like; fires below the threshold".into();
                    } else if rule == RuleId::SharedCredential {
                        let ips = f.evidence.counts.get("ips").copied().unwrap_or(0);
                        let ags = f.evidence.counts.get("user_agents").copied().unwrap_or(0);
                        v.observed = Some(ips as f64);
                        v.threshold = Some(threshold);
                        v.note = format!(
                            "{ags} user agents (limit {})",
                            rules.shared_credential.max_agents
                        );
                    } else {
                        v.observed = Some(f.evidence.observed);
                        v.threshold = Some(threshold);
                        if rule == RuleId::Coverage {
                            v.note = format!(
                                "its largest block covers {}% of a span of {} ids (limit {:.0}%) over {} days",
                                f.evidence.counts.get("coverage_pct").copied().unwrap_or(0),
                                f.evidence.counts.get("span").copied().unwrap_or(0),
                                rules.coverage.min_coverage * 100.0,
                                f.evidence.counts.get("days").copied().unwrap_or(0)
                            );
                        }
                    }
                } else if rule == RuleId::OffHours {
                    v.note = "no unusual hours, or too few active days to know".into();
                } else if rule == RuleId::Regularity {
                    v.note = format!(
                        "needs {} requests without a gap over {}",
                        rules.regularity.min_events,
                        detect::window_name(rules.regularity.max_gap)
                    );
                } else if let Some(why) = match rule {
                    RuleId::Probing => Some("no request was answered 403 or 404"),
                    RuleId::ServerVerdict => Some("no request was answered 403, 418 or 429"),
                    RuleId::ScriptedClient => Some("no request named a scripted client"),
                    RuleId::AgentRotation => Some("one user agent only"),
                    RuleId::Crawl => Some("no page (record or non-static path) requested"),
                    _ => None,
                } {
                    v.note = why.into();
                }
            }
        }
        if v.fired > 0
            && rule != RuleId::DeclaredCrawler
            && mine.iter().all(|f| f.suppressed || !f.severity.is_alert())
        {
            v.note = match v.note.is_empty() {
                true => "info, not an alert".into(),
                false => format!("info, not an alert; {}", v.note),
            };
        }
        verdicts.push(v);
    }

    Some(Explanation {
        identity: identity.to_string(),
        role: watchlist.role(identity).map(String::from),
        events: events.len() as u64,
        span: (
            crate::time::format(events[0].time),
            crate::time::format(events[events.len() - 1].time),
        ),
        by_system_action: by
            .into_iter()
            .map(|((s, a), n)| (s, a.to_string(), n))
            .collect(),
        hours,
        ips: top(ips),
        agents: top(agents),
        records: records
            .into_iter()
            .map(|(s, (set, lo, hi))| (system(s), set.len() as u64, lo, hi))
            .collect(),
        rules: verdicts,
    })
}

impl Explanation {
    /// The explanation for people. Every string from the logs or the
    /// watchlist goes through [`printable`]: it is shown on a terminal.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}{}: {} events from {} to {}",
            printable(&self.identity),
            self.role
                .as_ref()
                .map_or(String::new(), |r| format!(" (role {})", printable(r))),
            group(self.events),
            printable(&self.span.0),
            printable(&self.span.1)
        );
        for (system, action, n) in &self.by_system_action {
            let _ = writeln!(
                s,
                "  {:>10}  {} {}",
                group(*n),
                if system.is_empty() {
                    "(no system)".into()
                } else {
                    printable(system)
                },
                printable(action)
            );
        }
        let max = self.hours.iter().copied().max().unwrap_or(1).max(1);
        let bars: String = self
            .hours
            .iter()
            .map(|&n| [' ', '.', ':', '|', '#'][((n * 4).div_ceil(max)) as usize])
            .collect();
        let _ = writeln!(s, "  hours (UTC 00-23): [{bars}]");
        let list = |v: &[(String, u64)]| {
            v.iter()
                .map(|(k, n)| format!("{} ({})", printable(k), group(*n)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(s, "  {} ips: {}", self.ips.0, list(&self.ips.1));
        let _ = writeln!(
            s,
            "  {} user agents: {}",
            self.agents.0,
            list(&self.agents.1)
        );
        for (system, n, lo, hi) in &self.records {
            let _ = writeln!(
                s,
                "  {} distinct {} records read, ids {lo}-{hi}",
                group(*n),
                printable(system)
            );
        }
        let _ = writeln!(
            s,
            "\n{:<18} {:<9} {:<10} {:>14} {:>12} {:>8}  worst window",
            "rule", "family", "fired", "observed", "threshold", "margin"
        );
        for v in &self.rules {
            let fired = match (v.fired, v.suppressed) {
                (0, true) => "suppressed".to_string(),
                (0, false) => "no".to_string(),
                (n, _) => format!("yes ({n})"),
            };
            let num = |x: Option<f64>| {
                x.map_or("-".to_string(), |x| {
                    if x.fract() == 0.0 {
                        group(x as u64)
                    } else {
                        format!("{x:.2}")
                    }
                })
            };
            let margin = match (v.observed, v.threshold) {
                (Some(o), Some(t)) if v.rule == "regularity" && o > 0.0 => format!("{:.2}x", t / o),
                (Some(o), Some(t)) if t > 0.0 => format!("{:.2}x", o / t),
                _ => "-".into(),
            };
            let window = v.window.as_ref().map_or(String::new(), |(a, b)| {
                let (ta, tb) = (
                    crate::time::parse(a.as_bytes(), 0),
                    crate::time::parse(b.as_bytes(), 0),
                );
                match (ta, tb) {
                    (Some(x), Some(y)) => format!("{} +{}", printable(a), duration(y - x)),
                    _ => printable(a).into_owned(),
                }
            });
            let _ = writeln!(
                s,
                "{:<18} {:<9} {:<10} {:>14} {:>12} {:>8}  {}{}",
                printable(&v.rule),
                printable(&v.family),
                fired,
                num(v.observed),
                num(v.threshold),
                margin,
                window,
                if v.note.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", printable(&v.note))
                }
            );
        }
        let _ = writeln!(s, "\nmargin: observed / threshold at the worst window (for regularity, threshold / observed); a rule fires at 1.00x or more");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_rules_are_valid_settings() {
        // The probe runs the detectors directly, past `Config::load`: its
        // limits must lie inside the ranges the detectors are written for.
        let config = crate::Config {
            rules: probe(&Rules::default()),
            ..Default::default()
        };
        config.validate().unwrap();
    }
}

//! Unusual query rates: `rate-absolute`, `rate-baseline`, `rate-peer`,
//! `regularity`, `off-hours`.

use super::{episodes, window_name, Context, Profile};
use crate::config::Rules;
use crate::event::Event;
use crate::finding::{duration, group, ClientCount, Finding, RuleId};
use crate::message;
use crate::time::Millis;
use crate::timeline::Timelines;
use crate::watchlist::Watchlist;
use std::collections::BTreeMap;

const MINUTE: Millis = 60_000;
const HOUR: Millis = 3_600_000;
const DAY: Millis = 86_400_000;

/// Whether an event counts towards rates: requests for static assets (and
/// other actions that name no record) do not, so a browser loading a page's
/// images, scripts and styles in one burst is one page view, not a scraper.
pub fn counts(e: &Event) -> bool {
    e.action() != crate::event::Action::Other || e.record.is_some()
}

/// Runs the family's per-identity rules over one timeline.
pub fn detect(all: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let r = ctx.rules;
    // Rates are measured over the requests that count; the copy is made
    // only when a timeline holds requests that do not.
    let kept: Vec<Event>;
    let events = if all.iter().all(counts) {
        all
    } else {
        kept = all.iter().copied().filter(counts).collect();
        &kept[..]
    };
    if events.is_empty() {
        return;
    }
    if r.rate_absolute.enabled {
        let c = &r.rate_absolute;
        for (window, limit) in [(MINUTE, c.per_minute), (HOUR, c.per_hour), (DAY, c.per_day)] {
            if (events.len() as u64) < limit || limit == 0 {
                continue;
            }
            for ep in episodes(events, window, limit, |_| 1) {
                let peak = &events[ep.peak_start..ep.peak_end];
                let mut f = ctx.finding(
                    RuleId::RateAbsolute,
                    &events[ep.start..ep.end],
                    format!("events in {}", window_name(window / 1000)),
                    ep.peak as f64,
                    limit as f64,
                    message!(format!(
                        "made {} requests within {} (limit {} in {}); {} in the whole stretch over {}",
                        group(ep.peak),
                        duration(peak[peak.len() - 1].time - peak[0].time),
                        group(limit),
                        window_name(window / 1000),
                        group((ep.end - ep.start) as u64),
                        duration(events[ep.end - 1].time - events[ep.start].time)
                    )),
                );
                f.evidence.window_secs = Some(window / 1000);
                f.evidence.samples = peak.iter().take(5).map(|e| ctx.line(e)).collect();
                out.push(f);
            }
        }
    }
    if r.rate_baseline.enabled {
        rate_baseline(events, ctx, out);
    }
    if r.regularity.enabled {
        regularity(events, ctx, out);
    }
    if r.off_hours.enabled {
        off_hours(events, ctx, out);
    }
}

/// Requests that count (see [`counts`]) in the busiest sliding hour, and
/// that hour's index range in the timeline.
pub fn peak_hour(events: &[Event]) -> (u64, usize, usize) {
    let mut best = (0, 0, 0);
    let (mut left, mut n) = (0, 0u64);
    for right in 0..events.len() {
        n += counts(&events[right]) as u64;
        while events[right].time - events[left].time >= HOUR {
            n -= counts(&events[left]) as u64;
            left += 1;
        }
        if n > best.0 {
            best = (n, left, right + 1);
        }
    }
    best
}

/// Clock hours with events: (hour index, events, first index, one past
/// last).
pub fn hours(events: &[Event]) -> Vec<(i64, u64, usize, usize)> {
    let mut out: Vec<(i64, u64, usize, usize)> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let h = e.time.div_euclid(HOUR);
        match out.last_mut() {
            Some(last) if last.0 == h => {
                last.1 += 1;
                last.3 = i + 1;
            }
            _ => out.push((h, 1, i, i + 1)),
        }
    }
    out
}

/// The median of `v` (sorted in place).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// An identity's hourly baseline: (median requests in its active clock
/// hours, scaled MAD, active hours). `None` without `min_history` hours.
pub fn baseline(events: &[Event], min_history: u64) -> Option<(f64, f64, usize)> {
    baseline_of(&hours(events), min_history)
}

/// [`baseline`] from clock hours already counted by [`hours`].
fn baseline_of(hours: &[(i64, u64, usize, usize)], min_history: u64) -> Option<(f64, f64, usize)> {
    if (hours.len() as u64) < min_history {
        return None;
    }
    let mut counts: Vec<f64> = hours.iter().map(|h| h.1 as f64).collect();
    let med = median(&mut counts);
    let mut dev: Vec<f64> = counts.iter().map(|x| (x - med).abs()).collect();
    // 1.4826 scales the MAD to a standard deviation for normal data; at
    // least 1 so an identity with perfectly even hours is not flagged for
    // one extra request.
    let mad = (median(&mut dev) * 1.4826).max(1.0);
    Some((med, mad, hours.len()))
}

fn rate_baseline(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.rate_baseline;
    let hours = hours(events);
    if !hours.iter().any(|h| h.1 >= c.min_events) {
        return;
    }
    let Some((med, mad, _)) = baseline_of(&hours, c.min_history) else {
        return;
    };
    let limit = med + c.mads * mad;
    let mut habits = None;
    for &(_, n, lo, hi) in &hours {
        if n >= c.min_events && n as f64 > limit {
            let slice = &events[lo..hi];
            let mut f = ctx.finding(
                RuleId::RateBaseline,
                slice,
                "events in one clock hour".into(),
                n as f64,
                limit.ceil(),
                message!(format!(
                    "made {} requests in the hour from {} where its usual active hour has {} (median of {} active hours; limit {:.0} = median + {} MADs)",
                    group(n),
                    crate::time::format(slice[0].time.div_euclid(HOUR) * HOUR),
                    med,
                    hours.len(),
                    limit.ceil(),
                    c.mads
                )),
            );
            f.evidence.window_secs = Some(HOUR / 1000);
            f.evidence
                .counts
                .insert("history_hours".into(), hours.len() as u64);
            let habits = habits.get_or_insert_with(|| super::daily::Habits::of(events));
            super::daily::explain_by_habit(&mut f, habits, slice, c.explained_share);
            out.push(f);
        }
    }
}

fn regularity(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.regularity;
    let k = c.min_events as usize;
    if k < 2 || events.len() <= k {
        return;
    }
    // Windows of k consecutive gaps within stretches without long gaps;
    // exact integer sums, so the result does not drift.
    let gap = |i: usize| (events[i + 1].time - events[i].time) as i128;
    let mut marked: Vec<(usize, usize, f64)> = Vec::new(); // (first event, last event, cv)
    let mut start = 0;
    while start + k < events.len() {
        // Extend the stretch.
        let mut end = start;
        while end + 1 < events.len() && gap(end) <= c.max_gap as i128 * 1000 {
            end += 1;
        }
        if end - start >= k {
            let (mut sum, mut sq) = (0i128, 0i128);
            for i in start..start + k {
                sum += gap(i);
                sq += gap(i) * gap(i);
            }
            let mut i = start;
            loop {
                let n = k as f64;
                let mean = sum as f64 / n;
                let var = (sq as f64 / n - mean * mean).max(0.0);
                if mean > 0.0 {
                    let cv = var.sqrt() / mean;
                    if cv < c.max_cv {
                        match marked.last_mut() {
                            Some(m) if i <= m.1 => {
                                m.1 = i + k;
                                m.2 = m.2.min(cv);
                            }
                            _ => marked.push((i, i + k, cv)),
                        }
                    }
                }
                if i + k >= end {
                    break;
                }
                sum += gap(i + k) - gap(i);
                sq += gap(i + k) * gap(i + k) - gap(i) * gap(i);
                i += 1;
            }
        }
        start = end + 1;
    }
    for (lo, hi, cv) in marked {
        let slice = &events[lo..=hi];
        let span = slice[slice.len() - 1].time - slice[0].time;
        let mean = span as f64 / (slice.len() - 1) as f64 / 1000.0;
        // Lower is worse: observed and threshold are inverted so the score
        // grows as the pacing gets more regular.
        let mut f = ctx.finding(
            RuleId::Regularity,
            slice,
            "coefficient of variation of gaps between requests".into(),
            c.max_cv / cv.max(0.01),
            1.0,
            message!(format!(
                "made {} requests {:.1}s apart on average over {} with machine-like regularity (gap variation {:.2}, limit {:.2} over {} requests)",
                group(slice.len() as u64),
                mean,
                duration(span),
                cv,
                c.max_cv,
                k
            )),
        );
        f.evidence.measure = "max_cv / cv of gaps (over 1 means machine-like)".into();
        f.evidence
            .counts
            .insert("mean_gap_ms".into(), (mean * 1000.0) as u64);
        out.push(f);
    }
}

fn off_hours(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.off_hours;
    if (events.len() as u64) < c.min_events {
        return;
    }
    let mut days_in_hour = [0u64; 24];
    let mut last_day = [i64::MIN; 24];
    let mut active_days = 0;
    let mut prev_day = i64::MIN;
    for e in events {
        let day = ctx.zone.day(e.time);
        let h = ctx.zone.hour(e.time);
        if last_day[h] != day {
            last_day[h] = day;
            days_in_hour[h] += 1;
        }
        if day != prev_day {
            prev_day = day;
            active_days += 1;
        }
    }
    if active_days < c.min_days {
        return;
    }
    let margin = c.margin_hours.min(12) as usize;
    let mut odd_hour = [false; 24];
    for (h, odd) in odd_hour.iter_mut().enumerate() {
        *odd = (0..=2 * margin)
            .all(|d| days_in_hour[(h + 24 + d - margin) % 24] <= c.max_days_in_hour)
            && ctx.peer_hours[h] < c.peer_share;
    }
    let unusual = |e: &Event| odd_hour[ctx.zone.hour(e.time)];
    let mut habits = None;
    let mut i = 0;
    while i < events.len() {
        if !unusual(&events[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < events.len()
            && unusual(&events[j + 1])
            && events[j + 1].time - events[j].time <= 2 * HOUR
        {
            j += 1;
        }
        let n = (j + 1 - i) as u64;
        if n >= c.min_events {
            let slice = &events[i..=j];
            let hours: Vec<String> = (0..24)
                .filter(|&h| days_in_hour[h] > c.max_days_in_hour)
                .map(|h| format!("{h:02}"))
                .collect();
            // (Hours within the margin of these are not unusual either.)
            let mut f = ctx.finding(
                RuleId::OffHours,
                slice,
                "events at hours the identity does not use".into(),
                n as f64,
                c.min_events as f64,
                message!(format!(
                    "made {} requests from {} over {} at hours at least {}h from any it used on more than {} of its {} active days (its hours: {} UTC) and used by under {:.0}% of its peers",
                    group(n),
                    crate::time::format(slice[0].time),
                    duration(slice[slice.len() - 1].time - slice[0].time),
                    margin + 1,
                    c.max_days_in_hour,
                    active_days,
                    hours.join(","),
                    c.peer_share * 100.0
                )),
            );
            f.evidence.counts.insert("active_days".into(), active_days);
            let (ip, agent, _) = ctx.tables.client_parts(slice[0].client);
            f.evidence.clients.push(ClientCount {
                ip: String::from_utf8_lossy(ip).into_owned(),
                user_agent: String::from_utf8_lossy(agent).into_owned(),
                events: n,
            });
            let habits = habits.get_or_insert_with(|| super::daily::Habits::of(events));
            super::daily::explain_by_habit(&mut f, habits, slice, c.explained_share);
            out.push(f);
        }
        i = j + 1;
    }
}

/// An identity whose busiest hour stands out from its peer group's:
/// decided from the profiles alone, so that it can be decided where only
/// the summaries of every identity are at hand.
#[derive(Debug, Clone, PartialEq)]
pub struct PeerOutlier {
    /// Index of its profile.
    pub profile: usize,
    /// Its peer group: its watchlist role, or "" for none.
    pub role: String,
    /// Identities in the group.
    pub peers: usize,
    /// The group's 99th percentile of busiest hours.
    pub p99: u64,
    /// The limit its busiest hour crossed.
    pub limit: f64,
}

/// `rate-peer`, decided: compares each identity's busiest hour with its
/// peer group (its watchlist role, else every identity without one).
pub fn peer_outliers<'a>(
    watchlist: &Watchlist,
    profiles: &[Profile],
    rules_of: &dyn Fn(&str) -> &'a Rules,
) -> Vec<PeerOutlier> {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, p) in profiles.iter().enumerate() {
        groups
            .entry(watchlist.role(&p.identity).unwrap_or(""))
            .or_default()
            .push(i);
    }
    let mut out = Vec::new();
    for (role, members) in groups {
        let mut peaks: Vec<u64> = members.iter().map(|&i| profiles[i].peak_hour.0).collect();
        peaks.sort_unstable();
        let p99 = peaks[((peaks.len() - 1) as f64 * 0.99) as usize].max(1);
        for &i in &members {
            let c = &rules_of(&profiles[i].identity).rate_peer;
            let peak = profiles[i].peak_hour.0;
            let limit = (p99 as f64 * c.factor).ceil();
            if !c.enabled
                || (members.len() as u64) < c.min_peers
                || peak < c.min_events
                || (peak as f64) <= limit
            {
                continue;
            }
            out.push(PeerOutlier {
                profile: i,
                role: role.to_string(),
                peers: members.len(),
                p99,
                limit,
            });
        }
    }
    out
}

/// The `rate-peer` findings of `outliers`, from their timelines in `tl`.
pub fn peer_findings<'a>(
    tl: &Timelines,
    watchlist: &Watchlist,
    profiles: &[Profile],
    outliers: &[PeerOutlier],
    rules_of: &dyn Fn(&str) -> &'a Rules,
    out: &mut Vec<Finding>,
) {
    for o in outliers {
        let p = &profiles[o.profile];
        let Some(events) = p.timeline(tl) else {
            continue;
        };
        let rules = rules_of(&p.identity);
        let c = &rules.rate_peer;
        let (peak, lo, hi) = p.peak_hour;
        let ctx = Context::for_identity(tl, watchlist, &p.identity, rules);
        let group_name = if o.role.is_empty() {
            "all identities without a role".to_string()
        } else {
            format!("role {}", o.role)
        };
        let mut f = ctx.finding(
            RuleId::RatePeer,
            &events[lo..hi],
            "events in its busiest hour".into(),
            peak as f64,
            o.limit,
            message!(format!(
                "made {} requests in its busiest hour where {} of {} peers ({}) stay at or under {} (limit {} = {} x their 99th percentile)",
                group(peak),
                "99%",
                o.peers,
                group_name,
                group(o.p99),
                o.limit,
                c.factor
            )),
        );
        f.evidence.window_secs = Some(HOUR / 1000);
        f.evidence.counts.insert("peers".into(), o.peers as u64);
        f.evidence.counts.insert("peer_p99".into(), o.p99);
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::config::Config;

    fn run(events: &[Event], config: &Config) -> Vec<Finding> {
        run_family(
            detect,
            events,
            &config.rules,
            &Watchlist::default(),
            &tables(2),
        )
    }

    fn only(config: &mut Config, rule: &str) {
        let r = &mut config.rules;
        r.rate_absolute.enabled = rule == "rate-absolute";
        r.rate_baseline.enabled = rule == "rate-baseline";
        r.regularity.enabled = rule == "regularity";
        r.off_hours.enabled = rule == "off-hours";
    }

    #[test]
    fn rate_absolute_fires_at_the_limit() {
        let mut config = Config::default();
        only(&mut config, "rate-absolute");
        config.rules.rate_absolute.per_minute = 10;
        let nine: Vec<Event> = (0..9).map(|i| read(i * 6, 1)).collect();
        assert!(run(&nine, &config).is_empty());
        let ten: Vec<Event> = (0..10).map(|i| read(i * 6, 1)).collect();
        let f = run(&ten, &config);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence.observed, 10.0);
        let spread: Vec<Event> = (0..10).map(|i| read(i * 7, 1)).collect();
        assert!(run(&spread, &config).is_empty(), "63 s is over a minute");
    }

    #[test]
    fn regularity_catches_steady_pacing_not_human_bursts() {
        let mut config = Config::default();
        only(&mut config, "regularity");
        config.rules.regularity.min_events = 20;
        // Every 20-25 s, around the clock.
        let steady: Vec<Event> = (0..40).map(|i| read(i * 20 + (i * 7 % 6), 1)).collect();
        let f = run(&steady, &config);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.render().contains("machine-like"));
        // Bursts of clicks with pauses: high variation.
        let human: Vec<Event> = (0..40)
            .map(|i| read(i * 3 + (i / 5) * 600 + (i * i % 11), 1))
            .collect();
        assert!(run(&human, &config).is_empty());
    }

    #[test]
    fn off_hours_needs_history_and_sustained_activity() {
        let mut config = Config::default();
        only(&mut config, "off-hours");
        config.rules.off_hours.min_events = 10;
        // Ten days at 10:00-10:10, then 12 requests at 03:00 one night.
        let mut ev: Vec<Event> = Vec::new();
        for d in 0..10 {
            for m in 0..10 {
                ev.push(read(d * 86_400 + 10 * 3600 + m * 60, 1));
            }
        }
        let night = 11 * 86_400 + 3 * 3600;
        for i in 0..12 {
            ev.push(read(night + i * 60, 2));
        }
        let f = run(&ev, &config);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].evidence.observed, 12.0);
        ev.truncate(ev.len() - 3);
        assert!(
            run(&ev, &config).is_empty(),
            "9 requests are under the limit"
        );
    }

    /// Summer time moves a UK user's working hour by one in UTC: read in
    /// `time.zone`, 09:00 in July is the same habit as 09:00 in January.
    #[test]
    fn off_hours_reads_hours_in_the_configured_zone() {
        let mut config = Config::default();
        only(&mut config, "off-hours");
        config.rules.off_hours.min_events = 10;
        config.rules.off_hours.margin_hours = 0;
        let day = |y, m, d| crate::time::days_from_civil(y, m, d) * 86_400;
        // Ten January days at 09:00-09:10 UTC (09:00 in London, GMT)...
        let mut ev: Vec<Event> = Vec::new();
        for d in 0..10 {
            for m in 0..10 {
                ev.push(read(day(2024, 1, 8 + d) + 9 * 3600 + m * 60, 1));
            }
        }
        // ...then a July morning at 08:00 UTC (09:00 in London, BST).
        for i in 0..12 {
            ev.push(read(day(2024, 7, 3) + 8 * 3600 + i * 60, 2));
        }
        let in_zone = |zone: &crate::time::Zone| {
            let tables = tables(2);
            let paths = vec!["log".to_string()];
            let watchlist = Watchlist::default();
            let watched = crate::detect::watch::watched_index(&tables, &watchlist);
            let ctx = Context {
                tables: &tables,
                paths: &paths,
                watchlist: &watchlist,
                identity: "who",
                rules: &config.rules,
                watched: &watched,
                peer_hours: [0.0; 24],
                zone,
            };
            let mut out = Vec::new();
            detect(&ev, &ctx, &mut out);
            out
        };
        assert_eq!(
            in_zone(&crate::time::UTC).len(),
            1,
            "08:00 UTC is odd in UTC"
        );
        let london = crate::time::Zone::named("Europe/London").unwrap();
        assert_eq!(in_zone(&london), [], "09:00 in London both times");
    }

    #[test]
    fn rate_baseline_uses_robust_history() {
        let mut config = Config::default();
        only(&mut config, "rate-baseline");
        config.rules.rate_baseline.min_events = 30;
        let mut ev = Vec::new();
        for h in 0..12 {
            for m in 0..(10 + h % 3) {
                ev.push(read(h * 3600 + m * 60, 1));
            }
        }
        assert!(run(&ev, &config).is_empty());
        for s in 0..40 {
            ev.push(read(20 * 3600 + s * 30, 1));
        }
        let f = run(&ev, &config);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence.observed, 40.0);
    }
}

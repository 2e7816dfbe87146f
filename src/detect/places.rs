//! Two places at once (`two-places`): one credential whose requests
//! alternate, within minutes of each other, between clients on different
//! networks with different user agents. One person moves between places
//! and devices, but does not work from two networks in the same minutes; a
//! laptop and a phone on one home network share a network prefix and so
//! never count, and a phone that leaves the house switches network once,
//! not back and forth. Under identities that are themselves a network or an
//! agent (`ip`, `ip/N`, `user_agent`) the rule cannot fire: every request
//! of the identity shares one of the two.

use super::{episodes, window_name, Context};
use crate::event::Event;
use crate::finding::{duration, group, ClientCount, Finding, RuleId};
use crate::message;
use std::collections::BTreeMap;

/// The network prefix of an ip as written: the /24 of an IPv4 address,
/// the /48 of an IPv6 address (its first three groups); anything else is
/// its own network.
pub fn network(ip: &[u8]) -> &[u8] {
    if ip.contains(&b':') {
        let mut colons = 0;
        for (i, &b) in ip.iter().enumerate() {
            if b == b':' {
                colons += 1;
                if colons == 3 {
                    return &ip[..i];
                }
            }
        }
        ip
    } else {
        match ip.iter().rposition(|&b| b == b'.') {
            Some(i) => &ip[..i],
            None => ip,
        }
    }
}

/// Runs `two-places` over one timeline.
pub fn detect(events: &[Event], ctx: &Context, out: &mut Vec<Finding>) {
    let c = &ctx.rules.two_places;
    if !c.enabled || events.len() < 2 {
        return;
    }
    let t = ctx.tables;
    let place = |e: &Event| {
        let (ip, agent, _) = t.client_parts(e.client);
        (network(ip), agent)
    };
    // Most credentials have one client: nothing to compare.
    let first = events[0].client;
    if events.iter().all(|e| e.client == first) {
        return;
    }
    // A switch: the request comes from another network with another agent
    // within the tolerance of the one before. Its weight rides in `rows` of
    // a copy, so the window mechanism counts switches.
    let mut marked: Vec<Event> = events.to_vec();
    let mut any = false;
    for i in 1..events.len() {
        // The cheap tests first: most neighbours are far apart in time or
        // share their client (so their network and agent).
        let (x, y) = (&events[i - 1], &events[i]);
        let switch = y.time - x.time <= c.tolerance * 1000 && x.client != y.client && {
            let (a, b) = (place(x), place(y));
            a.0 != b.0 && a.1 != b.1
        };
        marked[i].rows = switch as u32;
        any |= switch;
    }
    marked[0].rows = 0;
    if !any {
        return;
    }
    for ep in episodes(&marked, c.window * 1000, c.min_switches, |e| e.rows as u64) {
        let slice = &events[ep.start..ep.end];
        let peak = &events[ep.peak_start..ep.peak_end];
        let mut clients: BTreeMap<(String, String), u64> = BTreeMap::new();
        for e in peak {
            let (ip, agent, _) = t.client_parts(e.client);
            *clients
                .entry((
                    String::from_utf8_lossy(ip).into_owned(),
                    String::from_utf8_lossy(agent).into_owned(),
                ))
                .or_default() += 1;
        }
        let networks = {
            let mut n: Vec<&[u8]> = peak.iter().map(|e| place(e).0).collect();
            n.sort_unstable();
            n.dedup();
            n.len() as u64
        };
        let mut f = ctx.finding(
            RuleId::TwoPlaces,
            slice,
            format!(
                "switches between networks and agents within {} of each other, in {}",
                duration(c.tolerance * 1000),
                window_name(c.window)
            ),
            ep.peak as f64,
            c.min_switches as f64,
            message!(format!(
                "was used from {} networks with different user agents at the same time: {} switches within {} of the request before, inside {} (limit {} in {})",
                networks,
                group(ep.peak),
                duration(c.tolerance * 1000),
                duration(peak[peak.len() - 1].time - peak[0].time),
                group(c.min_switches),
                window_name(c.window)
            )),
        );
        f.evidence.window_secs = Some(c.window);
        f.evidence.counts.insert("networks".into(), networks);
        let mut top: Vec<((String, String), u64)> = clients.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        f.evidence.clients = top
            .into_iter()
            .take(5)
            .map(|((ip, user_agent), events)| ClientCount {
                ip,
                user_agent,
                events,
            })
            .collect();
        f.evidence.samples = peak.iter().take(5).map(|e| ctx.line(e)).collect();
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::config::Rules;
    use crate::event::{Event, Tables};
    use crate::watchlist::Watchlist;

    /// Clients: 0 = 10.0.0.1 agent-a, 1 = 10.0.0.2 agent-b (one home
    /// network), 2 = 192.0.2.9 agent-c (elsewhere).
    fn places() -> Tables {
        let mut t = tables(0);
        t.intern_client(b"10.0.0.1", b"agent-a", b"");
        t.intern_client(b"10.0.0.2", b"agent-b", b"");
        t.intern_client(b"192.0.2.9", b"agent-c", b"");
        t
    }

    fn at(secs: i64, client: u32) -> Event {
        Event {
            client,
            ..read(secs, 7)
        }
    }

    fn run(events: &[Event]) -> Vec<crate::finding::Finding> {
        let t = places();
        run_family(
            super::detect,
            events,
            &Rules::default(),
            &Watchlist::default(),
            &t,
        )
    }

    #[test]
    fn interleaved_networks_and_agents_are_two_places() {
        // The owner (client 0) and someone else (client 2) take turns a
        // minute apart for an hour.
        let ev: Vec<Event> = (0..60)
            .map(|i| at(i * 60, [0, 2][i as usize % 2]))
            .collect();
        let f = run(&ev);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].evidence.counts["networks"], 2);
        assert_eq!(f[0].evidence.clients.len(), 2);
    }

    #[test]
    fn laptop_and_phone_at_home_and_leaving_the_house_are_not() {
        // Laptop and phone on one network, interleaved all evening.
        let home: Vec<Event> = (0..120).map(|i| at(i * 30, i as u32 % 2)).collect();
        assert!(run(&home).is_empty());
        // Then the phone on another network, once, and back once.
        let mut moving = home.clone();
        moving.extend((0..30).map(|i| at(4000 + i * 30, 2)));
        moving.extend((0..30).map(|i| at(5000 + i * 30, 0)));
        assert!(run(&moving).is_empty());
    }

    #[test]
    fn networks_are_prefixes() {
        assert_eq!(super::network(b"192.0.2.9"), b"192.0.2");
        assert_eq!(super::network(b"2001:db8:1:2::5"), b"2001:db8:1");
        assert_eq!(super::network(b"host"), b"host");
    }
}

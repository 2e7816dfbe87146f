//! Settling severities across identities and rules, in the last step of
//! detection ([`super::finish`]), where every identity's findings are at
//! hand in every way detection runs (one process, partitioned, swept): so
//! the result is the same whichever way ran.
//!
//! Two judgements, each said in the finding's message and evidence:
//! - **population context**: when a rule that compares an identity with its
//!   own history (or its pacing, or its hours) fires on one day for a
//!   sizeable share of its peer group active that day, the whole group
//!   surged together (polling day, a national phone-bank evening): that is
//!   not an individual anomaly, and the findings become `low`;
//! - **evidence that must agree**: an identity whose only signal is one
//!   rule at `medium` that measures it against its own history or hours
//!   ([`AGREE_RULES`]), and weakly (under twice its threshold), becomes
//!   `low`; such a signal alone rarely means misuse, and a person clearing
//!   alerts starts from those where several agree.

use super::Population;
use crate::finding::{Finding, RuleId, Severity};
use crate::watchlist::Watchlist;
use std::collections::{BTreeMap, BTreeSet};

/// Rules whose findings a whole peer group can trigger at once.
pub const SURGE_RULES: [RuleId; 4] = [
    RuleId::RateBaseline,
    RuleId::DistinctBaseline,
    RuleId::Regularity,
    RuleId::OffHours,
];

/// Share of a peer group's identities active on a day that must fire the
/// same rule that day for it to be the group's surge, not one identity's.
pub const SURGE_SHARE: f64 = 0.01;

/// ... and at least this many of them.
pub const SURGE_MIN: usize = 5;

/// A finding is weak when its observed value is under this many times its
/// threshold.
pub const WEAK: f64 = 2.0;

/// A `regularity` finding is weak when its pacing is barely under the
/// limit (its observed value is `max_cv / cv`): a pace well under it is a
/// machine's, evidence on its own.
pub const WEAK_PACING: f64 = 1.1;

/// Rules whose lone weak finding waits for agreement: those that measure an
/// identity against its own history, hours or pace, which every busy person
/// crosses now and then.
pub const AGREE_RULES: [RuleId; 4] = [
    RuleId::RateBaseline,
    RuleId::DistinctBaseline,
    RuleId::OffHours,
    RuleId::Regularity,
];

const DAY: i64 = 86_400_000;

/// Applies population context, then agreement, to `all` (active findings
/// only; suppressed ones are left as they are).
pub fn settle(population: &Population, watchlist: &Watchlist, all: &mut [Finding]) {
    let group_of = |id: &str| watchlist.role(id).unwrap_or("").to_string();
    // Population context.
    let mut firing: BTreeMap<(RuleId, String, i64), BTreeSet<&str>> = BTreeMap::new();
    for f in all.iter().filter(|f| !f.suppressed) {
        if SURGE_RULES.contains(&f.rule) {
            firing
                .entry((f.rule, group_of(&f.identity), f.start_ms.div_euclid(DAY)))
                .or_default()
                .insert(&f.identity);
        }
    }
    let surges: BTreeMap<(RuleId, String, i64), (u64, u64)> = firing
        .into_iter()
        .filter_map(|((rule, group, day), ids)| {
            let active = population.active_on(&group, day);
            let k = ids.len();
            (k >= SURGE_MIN && active > 0 && k as f64 >= SURGE_SHARE * active as f64)
                .then_some(((rule, group, day), (k as u64, active)))
        })
        .collect();
    if !surges.is_empty() {
        for f in all.iter_mut().filter(|f| !f.suppressed) {
            let key = (f.rule, group_of(&f.identity), f.start_ms.div_euclid(DAY));
            if let Some(&(k, active)) = surges.get(&key) {
                if f.severity > Severity::Low {
                    demote(f);
                    f.message.push(format!(
                        "; population context: {k} of the {active} identities of its peer group active that day fired this rule too"
                    ));
                }
                f.evidence.counts.insert("peers_same_day".into(), k);
            }
        }
    }
    // Agreement.
    let mut signals: BTreeMap<&str, BTreeSet<RuleId>> = BTreeMap::new();
    for f in all
        .iter()
        .filter(|f| !f.suppressed && f.severity > Severity::Low)
    {
        signals.entry(&f.identity).or_default().insert(f.rule);
    }
    let lone: BTreeSet<String> = signals
        .into_iter()
        .filter(|(_, rules)| rules.len() == 1)
        .map(|(id, _)| id.to_string())
        .collect();
    let mut weak_only: BTreeMap<&str, bool> = BTreeMap::new();
    for f in all
        .iter()
        .filter(|f| !f.suppressed && f.severity > Severity::Low && lone.contains(&f.identity))
    {
        let factor = if f.rule == RuleId::Regularity {
            WEAK_PACING
        } else {
            WEAK
        };
        let weak = f.severity == Severity::Medium
            && AGREE_RULES.contains(&f.rule)
            && f.evidence.observed < factor * f.evidence.threshold;
        *weak_only.entry(&f.identity).or_insert(true) &= weak;
    }
    let demoted: BTreeSet<String> = weak_only
        .into_iter()
        .filter(|(_, weak)| *weak)
        .map(|(id, _)| id.to_string())
        .collect();
    for f in all.iter_mut().filter(|f| {
        !f.suppressed && f.severity == Severity::Medium && demoted.contains(&f.identity)
    }) {
        demote(f);
        f.message
            .push("; the identity's only signal, and a weak one: low until another rule agrees");
    }
}

fn demote(f: &mut Finding) {
    f.severity = Severity::Low;
    f.score = crate::finding::score(f.severity, f.evidence.observed, f.evidence.threshold);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str, rule: &str, day: i64, observed: f64) -> Finding {
        let mut f = crate::finding::testing::finding(id, rule, 50);
        f.severity = RuleId::from_name(rule).unwrap().severity();
        f.start_ms = day * DAY + 3_600_000;
        f.evidence.observed = observed;
        f.evidence.threshold = 100.0;
        f
    }

    fn population(active: u64) -> Population {
        let mut p = Population::default();
        p.days
            .insert(String::new(), [(3, active), (4, active)].into());
        p
    }

    #[test]
    fn a_peer_group_surging_together_is_not_an_individual_anomaly() {
        // Ten of 100 active identities fire distinct-baseline on day 3 (with
        // a second rule each, so agreement does not decide); one on day 4.
        let mut all: Vec<Finding> = (0..10)
            .flat_map(|i| {
                let id = format!("v{i}");
                [
                    finding(&id, "distinct-baseline", 3, 500.0),
                    finding(&id, "coverage", 3, 500.0),
                ]
            })
            .collect();
        all.push(finding("x", "distinct-baseline", 4, 500.0));
        all.push(finding("x", "rate-baseline", 4, 500.0));
        settle(&population(100), &Watchlist::default(), &mut all);
        for f in &all {
            let expect = match (f.identity.as_str(), f.rule) {
                (_, RuleId::Coverage) => Severity::High,
                ("x", _) => Severity::Medium,
                _ => Severity::Low,
            };
            assert_eq!(f.severity, expect, "{} {}", f.identity, f.rule);
        }
        assert_eq!(all[0].evidence.counts["peers_same_day"], 10);
        assert!(all[0].message.to_string().contains("population context"));
        // With 2,000 active that day, ten is no surge.
        let mut again: Vec<Finding> = (0..10)
            .map(|i| finding(&format!("v{i}"), "distinct-baseline", 3, 500.0))
            .collect();
        settle(&population(2000), &Watchlist::default(), &mut again);
        assert!(again.iter().all(|f| f.severity == Severity::Medium));
    }

    #[test]
    fn one_weak_signal_alone_is_low_and_agreement_keeps_it() {
        let mut all = vec![
            finding("alone", "rate-baseline", 3, 150.0),
            finding("strong", "rate-baseline", 3, 450.0),
            finding("agreed", "rate-baseline", 3, 150.0),
            finding("agreed", "off-hours", 3, 150.0),
        ];
        settle(&Population::default(), &Watchlist::default(), &mut all);
        let sev: Vec<Severity> = all.iter().map(|f| f.severity).collect();
        assert_eq!(
            sev,
            [
                Severity::Low,
                Severity::Medium,
                Severity::Medium,
                Severity::Medium
            ]
        );
        assert!(all[0].message.to_string().contains("only signal"));
    }
}

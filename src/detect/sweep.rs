//! The sweep engine: one full detection kept, and re-detection under
//! changed thresholds that re-runs only the rules a change touches, with
//! the same result as a full detection.

use super::{cross, decide, finish, per_identity, Detection, Population, Profile, RecordSpace};
use crate::config::Config;
use crate::error::Result;
use crate::finding::{Family, Finding, RuleId};
use crate::timeline::Timelines;
use crate::watchlist::Watchlist;

/// One full detection, kept so that a sweep can re-run only the rules a
/// change of thresholds touches ([`redetect`]).
pub struct Base {
    config: Config,
    population: Population,
    per_identity: Vec<Vec<Finding>>,
    profiles: Vec<Profile>,
    cross: Vec<Finding>,
    space: RecordSpace,
}

/// Runs every enabled rule and keeps what [`redetect`] reuses.
pub fn detect_base(
    tl: &Timelines,
    config: &Config,
    watchlist: &Watchlist,
) -> Result<(Detection, Base)> {
    let population = Population::of(tl, watchlist, &config.zone()?);
    let (per_identity, mut profiles) = per_identity(tl, config, watchlist, &population)?;
    let decided = decide(config, watchlist, &profiles, true, true)?;
    let cross = cross(tl, config, watchlist, &mut profiles, &decided)?;
    let all = per_identity
        .iter()
        .flatten()
        .chain(&cross)
        .cloned()
        .collect();
    let space = RecordSpace::Counted(Default::default());
    let detection = finish(tl, watchlist, &space, &population, all);
    let base = Base {
        config: config.clone(),
        population,
        per_identity,
        profiles,
        cross,
        space,
    };
    Ok((detection, base))
}

/// Detection under `config`, which differs from the base's only in rule
/// thresholds (`rules.*`, `overrides.*`): only the rules whose settings
/// changed run again; the others' findings are reused. `coordinated`
/// depends on which identities fired bulk-read rules, so it runs again
/// when one of them changed. The result equals [`super::detect`] (tested).
pub fn redetect(
    tl: &Timelines,
    base: &Base,
    config: &Config,
    watchlist: &Watchlist,
) -> Result<Detection> {
    let mut changed = changed_rules(&base.config, config)?;
    let crawler_changed = changed.contains(&RuleId::DeclaredCrawler);
    if crawler_changed {
        // The declared-crawler class sets the severity of these families'
        // findings: they run again under the new class.
        for &rule in RuleId::ALL {
            if downgraded(rule) && !changed.contains(&rule) {
                changed.push(rule);
            }
        }
    }
    let bulk_changed = changed.iter().any(|r| r.family() == Family::BulkRead);
    let peers = changed.contains(&RuleId::RatePeer);
    let coordinated = bulk_changed || crawler_changed || changed.contains(&RuleId::Coordinated);
    let local: Vec<RuleId> = changed
        .iter()
        .copied()
        .filter(|r| !matches!(*r, RuleId::RatePeer | RuleId::Coordinated))
        .collect();
    let mut per = base.per_identity.clone();
    let mut profiles = base.profiles.clone();
    if !local.is_empty() {
        let only = only_rules(config, &local)?;
        let (fresh, fresh_profiles) = per_identity(tl, &only, watchlist, &base.population)?;
        for (((mine, fresh), profile), fresh_profile) in per
            .iter_mut()
            .zip(fresh)
            .zip(&mut profiles)
            .zip(fresh_profiles)
        {
            mine.retain(|f| !local.contains(&f.rule));
            // The class runs with every re-run (it sets their severity);
            // its own finding is kept from the base unless it changed.
            mine.extend(fresh.into_iter().filter(|f| local.contains(&f.rule)));
            profile.bulk_fired = mine.iter().any(|f| f.family == Family::BulkRead);
            profile.crawler = fresh_profile.crawler;
        }
    }
    let mut cross_findings: Vec<Finding> = base
        .cross
        .iter()
        .filter(|f| {
            !(peers && f.rule == RuleId::RatePeer || coordinated && f.rule == RuleId::Coordinated)
        })
        .cloned()
        .collect();
    let decided = decide(config, watchlist, &profiles, peers, coordinated)?;
    cross_findings.extend(cross(tl, config, watchlist, &mut profiles, &decided)?);
    let all = per.into_iter().flatten().chain(cross_findings).collect();
    Ok(finish(tl, watchlist, &base.space, &base.population, all))
}

/// The rules whose settings differ between two configurations, for any
/// role.
fn changed_rules(a: &Config, b: &Config) -> Result<Vec<RuleId>> {
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
        for &rule in RuleId::ALL {
            if ra.get(rule.name()) != rb.get(rule.name()) && !changed.contains(&rule) {
                changed.push(rule);
            }
        }
    }
    Ok(changed)
}

/// Rules whose findings the declared-crawler class turns to `info`.
fn downgraded(rule: RuleId) -> bool {
    matches!(rule.family(), Family::BulkRead | Family::Rate | Family::Web)
        && rule != RuleId::DeclaredCrawler
}

/// `config` with every rule but `keep` switched off, for every role; the
/// declared-crawler class stays as configured (it sets the severity of
/// the others' findings).
fn only_rules(config: &Config, keep: &[RuleId]) -> Result<Config> {
    let mut out = config.clone();
    let mut rules = toml::Table::try_from(&config.rules).expect("rules serialize");
    for rule in RuleId::ALL
        .iter()
        .filter(|r| !keep.contains(r) && **r != RuleId::DeclaredCrawler)
    {
        if let Some(toml::Value::Table(t)) = rules.get_mut(rule.name()) {
            t.insert("enabled".into(), toml::Value::Boolean(false));
        }
        for over in out.overrides.values_mut() {
            if let Some(toml::Value::Table(t)) = over.get_mut(rule.name()) {
                t.insert("enabled".into(), toml::Value::Boolean(false));
            }
        }
    }
    out.rules = rules
        .try_into()
        .map_err(|e: toml::de::Error| crate::error::Error::config(e.message().to_string()))?;
    Ok(out)
}

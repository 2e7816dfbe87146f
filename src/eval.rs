//! The scorecard: findings scored against ground-truth labels. Pure
//! arithmetic over labels and findings, so it is tested on hand-made cases
//! and works with whatever detectors exist.
//!
//! An identity counts as flagged when it has an alert: an active finding
//! of severity `medium` or worse, one a person must clear. Identities with
//! only `low` findings ("worth a look": explained access, population
//! surges, a lone weak signal) are counted apart.

use crate::error::{Error, ErrorKind, Result};
use crate::finding::{duration, Finding, Severity};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// One labelled identity, as `labels.json` holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Label {
    /// The identity.
    pub identity: String,
    /// Scenario or trap name.
    pub scenario: String,
    /// Must not be flagged.
    pub trap: bool,
    /// The family that should catch it.
    pub family: Option<String>,
    /// Start of the behaviour (RFC 3339).
    pub start: String,
    /// End of the behaviour.
    pub end: String,
}

/// Reads `labels.json`.
pub fn load_labels(path: &std::path::Path) -> Result<Vec<Label>> {
    #[derive(Deserialize)]
    struct Doc {
        labels: Vec<Label>,
    }
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
    let doc: Doc = serde_json::from_str(&text)
        .map_err(|e| Error::new(ErrorKind::Data, format!("{}: {e}", path.display())))?;
    Ok(doc.labels)
}

/// How one label fared.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Outcome {
    /// The label.
    #[serde(flatten)]
    pub label: Label,
    /// Any active finding on the identity.
    pub flagged: bool,
    /// A rule of the expected family fired (scenarios only).
    pub caught_by_family: bool,
    /// Rules that fired (active findings).
    pub rules: Vec<String>,
    /// Rules whose findings the allowlist suppressed.
    pub suppressed_rules: Vec<String>,
    /// Milliseconds from the behaviour's start to the first finding that
    /// overlaps it (0 when the finding starts earlier).
    pub delay_ms: Option<i64>,
}

/// The scorecard.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scorecard {
    /// Every label's outcome, scenarios first.
    pub outcomes: Vec<Outcome>,
    /// Scenario identities flagged.
    pub true_positives: usize,
    /// Flagged identities that are not scenario identities (traps included).
    pub false_positives: Vec<FalsePositive>,
    /// Scenario identities not flagged.
    pub false_negatives: usize,
    /// Identity-level precision (1 when nothing was flagged).
    pub precision: f64,
    /// Identity-level recall (1 when there are no scenarios).
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
    /// Scenarios caught by a rule of their family, of all scenarios.
    pub caught_by_family: (usize, usize),
    /// Traps that fired (active findings).
    pub traps_fired: usize,
    /// Identities with only `low` findings (not counted as flagged).
    pub low_only: usize,
    /// Each scenario and trap: how many identities it labels and how many
    /// of them were flagged.
    pub by_scenario: Vec<ScenarioScore>,
    /// Each rule that fired: the identities it flagged and how many of
    /// them are scenario identities.
    pub by_rule: Vec<RuleScore>,
}

/// How one scenario (or trap) fared, over all the identities it labels.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScenarioScore {
    /// Scenario or trap name.
    pub scenario: String,
    /// Whether it is a trap.
    pub trap: bool,
    /// Identities it labels.
    pub identities: usize,
    /// Of them, flagged (recall for a scenario; false alarms for a trap).
    pub flagged: usize,
}

/// How one rule fared at identity level.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RuleScore {
    /// The rule.
    pub rule: String,
    /// Identities it flagged (active findings).
    pub identities: usize,
    /// Of them, scenario identities.
    pub true_positives: usize,
    /// `true_positives / identities`.
    pub precision: f64,
    /// Scenario identities it flagged, of all scenario identities.
    pub recall: f64,
}

/// A flagged identity that no scenario label names.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FalsePositive {
    /// The identity.
    pub identity: String,
    /// The trap it is, if it is one.
    pub trap: Option<String>,
    /// Rules that fired.
    pub rules: Vec<String>,
}

/// Scores findings against labels.
pub fn score(labels: &[Label], findings: &[Finding]) -> Scorecard {
    let mut active: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    let mut suppressed: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut low: BTreeSet<&str> = BTreeSet::new();
    for f in findings {
        if !f.severity.is_alert() {
            // Declared crawlers and the like: not alerts, not scored.
            continue;
        }
        if f.suppressed {
            suppressed
                .entry(&f.identity)
                .or_default()
                .insert(f.rule.name());
        } else if f.severity >= Severity::Medium {
            active.entry(&f.identity).or_default().push(f);
        } else {
            low.insert(&f.identity);
        }
    }
    let low_only = low.iter().filter(|id| !active.contains_key(*id)).count();
    let mut outcomes: Vec<Outcome> = labels
        .iter()
        .map(|l| {
            let fs = active
                .get(l.identity.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let rules: BTreeSet<&str> = fs.iter().map(|f| f.rule.name()).collect();
            let start = crate::time::parse(l.start.as_bytes(), 0).unwrap_or(i64::MIN);
            let end = crate::time::parse(l.end.as_bytes(), 0).unwrap_or(i64::MAX);
            let relevant = fs.iter().filter(|f| f.end_ms >= start && f.start_ms <= end);
            let delay_ms = relevant.map(|f| (f.start_ms - start).max(0)).min();
            Outcome {
                flagged: !fs.is_empty(),
                caught_by_family: !l.trap
                    && fs
                        .iter()
                        .any(|f| Some(f.family.name()) == l.family.as_deref()),
                rules: rules.into_iter().map(String::from).collect(),
                suppressed_rules: suppressed
                    .get(l.identity.as_str())
                    .map(|s| s.iter().map(|r| r.to_string()).collect())
                    .unwrap_or_default(),
                delay_ms,
                label: l.clone(),
            }
        })
        .collect();
    outcomes.sort_by(|a, b| {
        a.label
            .trap
            .cmp(&b.label.trap)
            .then(a.label.identity.cmp(&b.label.identity))
    });

    let scenarios: BTreeSet<&str> = labels
        .iter()
        .filter(|l| !l.trap)
        .map(|l| l.identity.as_str())
        .collect();
    let traps: BTreeMap<&str, &str> = labels
        .iter()
        .filter(|l| l.trap)
        .map(|l| (l.identity.as_str(), l.scenario.as_str()))
        .collect();
    let flagged: BTreeSet<&str> = active.keys().copied().collect();
    let tp = flagged.intersection(&scenarios).count();
    let false_positives: Vec<FalsePositive> = flagged
        .difference(&scenarios)
        .map(|id| FalsePositive {
            identity: id.to_string(),
            trap: traps.get(id).map(|t| t.to_string()),
            rules: active[id]
                .iter()
                .map(|f| f.rule.name().to_string())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        })
        .collect();
    let fn_ = scenarios.len() - tp;
    let precision = if flagged.is_empty() {
        1.0
    } else {
        tp as f64 / flagged.len() as f64
    };
    let recall = if scenarios.is_empty() {
        1.0
    } else {
        tp as f64 / scenarios.len() as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    let by_family = outcomes.iter().filter(|o| o.caught_by_family).count();
    let mut by_scenario: BTreeMap<(bool, &str), (usize, usize)> = BTreeMap::new();
    for o in &outcomes {
        let e = by_scenario
            .entry((o.label.trap, o.label.scenario.as_str()))
            .or_default();
        e.0 += 1;
        e.1 += o.flagged as usize;
    }
    let mut by_rule: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (id, fs) in &active {
        for f in fs {
            by_rule.entry(f.rule.name()).or_default().insert(id);
        }
    }
    let by_scenario = by_scenario
        .into_iter()
        .map(|((trap, scenario), (identities, flagged))| ScenarioScore {
            scenario: scenario.to_string(),
            trap,
            identities,
            flagged,
        })
        .collect();
    let by_rule = by_rule
        .into_iter()
        .map(|(rule, ids)| {
            let tp = ids.iter().filter(|id| scenarios.contains(*id)).count();
            RuleScore {
                rule: rule.to_string(),
                identities: ids.len(),
                true_positives: tp,
                precision: tp as f64 / ids.len() as f64,
                recall: if scenarios.is_empty() {
                    0.0
                } else {
                    tp as f64 / scenarios.len() as f64
                },
            }
        })
        .collect();
    Scorecard {
        low_only,
        by_scenario,
        by_rule,
        traps_fired: outcomes
            .iter()
            .filter(|o| o.label.trap && o.flagged)
            .count(),
        caught_by_family: (by_family, outcomes.iter().filter(|o| !o.label.trap).count()),
        outcomes,
        true_positives: tp,
        false_negatives: fn_,
        false_positives,
        precision,
        recall,
        f1,
    }
}

impl Scorecard {
    /// The scorecard for people.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<24} {:<22} {:<6} {:<10} {:>9}  rules",
            "identity", "scenario", "family", "result", "after"
        );
        for o in &self.outcomes {
            let result = match (o.label.trap, o.flagged, o.caught_by_family) {
                (false, _, true) => "caught",
                (false, true, false) => "other-rule",
                (false, false, _) => "MISSED",
                (true, true, _) => "TRAP-FIRED",
                (true, false, _) if !o.suppressed_rules.is_empty() => "suppressed",
                (true, false, _) => "quiet",
            };
            let mut rules = o.rules.join(",");
            if !o.suppressed_rules.is_empty() {
                rules = format!("{rules} [suppressed: {}]", o.suppressed_rules.join(","));
            }
            let _ = writeln!(
                s,
                "{:<24} {:<22} {:<6} {:<10} {:>9}  {}",
                o.label.identity,
                o.label.scenario,
                o.label
                    .family
                    .as_deref()
                    .map_or("trap", |f| if f == "bulk-read" { "bulk" } else { f }),
                result,
                o.delay_ms.map_or("-".into(), duration),
                rules.trim_start_matches(' ')
            );
        }
        let _ = writeln!(
            s,
            "\nscenarios caught by their family: {}/{}; traps fired: {}",
            self.caught_by_family.0, self.caught_by_family.1, self.traps_fired
        );
        let _ = writeln!(
            s,
            "identity level: {} true positives, {} false positives, {} false negatives; precision {:.3}, recall {:.3}, F1 {:.3}",
            self.true_positives,
            self.false_positives.len(),
            self.false_negatives,
            self.precision,
            self.recall,
            self.f1
        );
        let _ = writeln!(
            s,
            "identities with only low findings (not alerts, not counted): {}",
            self.low_only
        );
        let _ = writeln!(
            s,
            "\n{:<28} {:>10} {:>8} {:>7}",
            "scenario", "identities", "flagged", "share"
        );
        for sc in &self.by_scenario {
            let name = if sc.trap {
                format!("{} (trap)", sc.scenario)
            } else {
                sc.scenario.clone()
            };
            let _ = writeln!(
                s,
                "{:<28} {:>10} {:>8} {:>7.3}",
                name,
                sc.identities,
                sc.flagged,
                sc.flagged as f64 / sc.identities.max(1) as f64
            );
        }
        let _ = writeln!(
            s,
            "\n{:<28} {:>10} {:>8} {:>9} {:>7}",
            "rule", "identities", "true-pos", "precision", "recall"
        );
        for r in &self.by_rule {
            let _ = writeln!(
                s,
                "{:<28} {:>10} {:>8} {:>9.3} {:>7.3}",
                r.rule, r.identities, r.true_positives, r.precision, r.recall
            );
        }
        let _ = writeln!(s);
        for fp in &self.false_positives {
            let _ = writeln!(
                s,
                "  false positive: {}{} ({})",
                fp.identity,
                fp.trap
                    .as_ref()
                    .map_or(String::new(), |t| format!(" [trap {t}]")),
                fp.rules.join(",")
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(id: &str, trap: bool, family: Option<&str>) -> Label {
        Label {
            identity: id.into(),
            scenario: if trap {
                "a-trap".into()
            } else {
                "a-scenario".into()
            },
            trap,
            family: family.map(String::from),
            start: "2025-06-01T10:00:00Z".into(),
            end: "2025-06-01T12:00:00Z".into(),
        }
    }

    fn finding(id: &str, rule: &str, start_min: i64, suppressed: bool) -> Finding {
        let t0 = crate::time::parse(b"2025-06-01T10:00:00Z", 0).unwrap();
        Finding {
            suppressed,
            start_ms: t0 + start_min * 60_000,
            end_ms: t0 + (start_min + 5) * 60_000,
            ..crate::finding::testing::finding(id, rule, 70)
        }
    }

    #[test]
    fn arithmetic_on_a_hand_made_case() {
        // Scenarios a, b, c; traps t, u. a caught by its family after 15
        // minutes, b flagged by another family only, c missed; trap t
        // fires, trap u is only suppressed; stranger x is flagged.
        let labels = vec![
            label("a", false, Some("bulk-read")),
            label("b", false, Some("rate")),
            label("c", false, Some("watchlist")),
            label("t", true, None),
            label("u", true, None),
        ];
        let findings = vec![
            finding("a", "sequential-read", 15, false),
            finding("a", "regularity", 30, false),
            finding("b", "embargo", 0, false),
            finding("t", "rate-absolute", 0, false),
            finding("u", "sequential-read", 0, true),
            finding("x", "off-hours", 0, false),
        ];
        let mut findings = findings;
        // A low finding alone does not flag its identity.
        let mut weak = finding("y", "rate-baseline", 0, false);
        weak.severity = Severity::Low;
        findings.push(weak);
        let s = score(&labels, &findings);
        assert_eq!(s.low_only, 1);
        assert_eq!(s.true_positives, 2);
        assert_eq!(s.false_negatives, 1);
        assert_eq!(s.false_positives.len(), 2);
        assert_eq!(s.false_positives[0].trap.as_deref(), Some("a-trap"));
        assert_eq!(s.traps_fired, 1);
        assert_eq!(s.caught_by_family, (1, 3));
        assert!((s.precision - 0.5).abs() < 1e-12);
        assert!((s.recall - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.f1 - 4.0 / 7.0).abs() < 1e-12);
        let a = s.outcomes.iter().find(|o| o.label.identity == "a").unwrap();
        assert_eq!(a.delay_ms, Some(15 * 60_000));
        assert_eq!(a.rules, ["regularity", "sequential-read"]);
        let u = s.outcomes.iter().find(|o| o.label.identity == "u").unwrap();
        assert!(!u.flagged && u.suppressed_rules == ["sequential-read"]);
        assert_eq!(
            s.by_scenario,
            [
                ScenarioScore {
                    scenario: "a-scenario".into(),
                    trap: false,
                    identities: 3,
                    flagged: 2,
                },
                ScenarioScore {
                    scenario: "a-trap".into(),
                    trap: true,
                    identities: 2,
                    flagged: 1,
                },
            ]
        );
        let rule = |name: &str| s.by_rule.iter().find(|r| r.rule == name).unwrap();
        // rate-absolute flagged only the trap; regularity only a.
        assert_eq!(
            (
                rule("rate-absolute").identities,
                rule("rate-absolute").true_positives
            ),
            (1, 0)
        );
        assert!((rule("regularity").precision - 1.0).abs() < 1e-12);
        assert!((rule("regularity").recall - 1.0 / 3.0).abs() < 1e-12);
        // The suppressed finding on u counts for no rule.
        assert_eq!(rule("sequential-read").identities, 1);
        let text = s.render();
        assert!(
            text.contains("MISSED") && text.contains("TRAP-FIRED") && text.contains("suppressed")
        );
    }

    #[test]
    fn empty_cases_are_not_nan() {
        let s = score(&[], &[]);
        assert_eq!((s.precision, s.recall, s.f1), (1.0, 1.0, 1.0));
    }
}

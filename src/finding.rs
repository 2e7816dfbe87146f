//! Findings: what a detector reports, with the evidence a person needs to
//! check it against the raw lines. Findings have a total order, overlapping
//! findings of one rule and identity merge, and identities are ranked by
//! combined risk.

use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Worth a look soon.
    Medium,
    /// Likely misuse.
    High,
    /// Misuse unless explained (e.g. a revoked account).
    Critical,
}

impl Severity {
    /// The word.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The severity named `s`.
    pub fn from_name(s: &str) -> Option<Severity> {
        [
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .find(|v| v.name() == s)
    }
}

/// A range of record ids in one system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordRange {
    /// The system.
    pub system: String,
    /// First record id (in the order read).
    pub first: String,
    /// Last record id.
    pub last: String,
}

/// What a person checks a finding against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// What was measured, e.g. "distinct records in 1h".
    pub measure: String,
    /// The observed value.
    pub observed: f64,
    /// The threshold it crossed.
    pub threshold: f64,
    /// Records read, where the rule is about records.
    pub records: Option<RecordRange>,
    /// Further counts (distinct ips, pages, rows...).
    pub counts: BTreeMap<String, u64>,
    /// Up to five raw lines as `file:line`.
    pub samples: Vec<String>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule id, e.g. `sequential-read`.
    pub rule: String,
    /// `bulk-read`, `rate` or `watchlist`.
    pub family: String,
    /// Severity.
    pub severity: Severity,
    /// 0-100.
    pub score: u8,
    /// The identity.
    pub identity: String,
    /// Start of the behaviour (RFC 3339 UTC).
    pub start: String,
    /// End of the behaviour.
    pub end: String,
    /// Events of the identity in `[start, end]`.
    pub events: u64,
    /// One sentence a person can check.
    pub message: String,
    /// The evidence.
    pub evidence: Evidence,
    /// The identity is allow-listed: kept, counted, shown with
    /// `--show-suppressed`.
    #[serde(default)]
    pub suppressed: bool,
    /// Start in milliseconds (for ordering and merging).
    #[serde(skip)]
    pub start_ms: Millis,
    /// End in milliseconds.
    #[serde(skip)]
    pub end_ms: Millis,
}

/// The score of `observed` against `threshold` for a rule of `severity`:
/// the severity's base, plus 10 for each doubling past the threshold.
pub fn score(severity: Severity, observed: f64, threshold: f64) -> u8 {
    let base = match severity {
        Severity::Low => 30.0,
        Severity::Medium => 50.0,
        Severity::High => 70.0,
        Severity::Critical => 90.0,
    };
    let ratio = if threshold > 0.0 {
        observed / threshold
    } else {
        observed.max(1.0)
    };
    (base + 10.0 * ratio.max(1.0).log2()).clamp(0.0, 100.0) as u8
}

/// The total order of findings within one identity: most serious first.
pub fn cmp_within(a: &Finding, b: &Finding) -> Ordering {
    b.score
        .cmp(&a.score)
        .then(b.severity.cmp(&a.severity))
        .then(a.rule.cmp(&b.rule))
        .then(a.start_ms.cmp(&b.start_ms))
        .then(a.end_ms.cmp(&b.end_ms))
        .then(a.message.cmp(&b.message))
}

/// Ranks identities by combined risk and orders every finding: a total
/// order, so the output is the same on every run. Combined risk is the best
/// score, then the sum of each rule's best score (so many rules outrank one
/// rule repeated), then the name.
pub fn rank(findings: &mut [Finding]) {
    let mut best: BTreeMap<(&str, &str), u8> = BTreeMap::new();
    for f in findings.iter().filter(|f| !f.suppressed) {
        let b = best.entry((&f.identity, &f.rule)).or_default();
        *b = (*b).max(f.score);
    }
    let mut risk: BTreeMap<String, (u8, u64)> = BTreeMap::new();
    for ((identity, _), score) in best {
        let r = risk.entry(identity.to_string()).or_default();
        r.0 = r.0.max(score);
        r.1 += score as u64;
    }
    findings.sort_by(|a, b| {
        let ra = risk.get(&a.identity).copied().unwrap_or_default();
        let rb = risk.get(&b.identity).copied().unwrap_or_default();
        a.suppressed
            .cmp(&b.suppressed)
            .then(rb.cmp(&ra))
            .then(a.identity.cmp(&b.identity))
            .then_with(|| cmp_within(a, b))
    });
}

/// `1h12m`, `45s`, `3d4h`.
pub fn duration(ms: Millis) -> String {
    let s = ms / 1000;
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{sec}s"),
        (0, 0, _) => format!("{m}m{sec:02}s"),
        (0, _, _) => format!("{h}h{m:02}m"),
        _ => format!("{d}d{h}h"),
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A bare finding for tests of ranking and scoring.
    pub fn finding(identity: &str, rule: &str, score: u8) -> Finding {
        Finding {
            rule: rule.into(),
            family: String::new(),
            severity: Severity::High,
            score,
            identity: identity.into(),
            start: String::new(),
            end: String::new(),
            events: 1,
            message: String::new(),
            evidence: Evidence {
                measure: String::new(),
                observed: 0.0,
                threshold: 0.0,
                records: None,
                counts: BTreeMap::new(),
                samples: vec![],
            },
            suppressed: false,
            start_ms: 0,
            end_ms: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_grow_with_the_ratio() {
        assert_eq!(score(Severity::High, 100.0, 100.0), 70);
        assert_eq!(score(Severity::High, 200.0, 100.0), 80);
        assert_eq!(score(Severity::Critical, 1e9, 1.0), 100);
        assert_eq!(score(Severity::Low, 5.0, 0.0), 53);
    }

    #[test]
    fn many_rules_outrank_one_rule_repeated() {
        let f = testing::finding;
        let mut v = vec![
            f("repeat", "embargo", 100),
            f("repeat", "embargo", 100),
            f("repeat", "embargo", 100),
            f("broad", "embargo", 100),
            f("broad", "sequential-read", 90),
            f("low", "off-hours", 50),
        ];
        rank(&mut v);
        let order: Vec<&str> = v.iter().map(|f| f.identity.as_str()).collect();
        assert_eq!(
            order,
            ["broad", "broad", "repeat", "repeat", "repeat", "low"]
        );
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(45_000), "45s");
        assert_eq!(duration(3_600_000 + 12 * 60_000), "1h12m");
        assert_eq!(duration(3 * 86_400_000 + 4 * 3_600_000), "3d4h");
    }
}

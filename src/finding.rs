//! Findings: what a detector reports, with the evidence a person needs to
//! check it against the raw lines. Findings have a total order, overlapping
//! findings of one rule and identity merge, and identities are ranked by
//! combined risk.
//!
//! Everything another stage needs is a typed field: the rule is a
//! [`RuleId`], the evidence names its window, system, record range,
//! clients and group as fields, and the [`Message`] keeps every value that
//! names a person or a machine (an account, an ip, a network, a record id)
//! as a typed [`Part`]. Messages are rendered at the output edge and never
//! parsed back; the pseudonymiser replaces typed values, never words.

use crate::time::Millis;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

/// The version of every machine output's schema: the JSON findings lines,
/// the CSV columns, `--summary-json`, `explain --json`, `sweep --json`,
/// `eval --json` and the run manifest. It changes, and only changes, when
/// a key or column is added, removed, renamed or changes its meaning or
/// type (docs/findings-schema.md), so a consumer can refuse what it was
/// not written for.
pub const SCHEMA_VERSION: u32 = 2;

/// One line of the JSON findings output: the finding with the
/// [`SCHEMA_VERSION`] it is written in as its first key.
#[derive(Serialize)]
pub struct FindingLine<'a> {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The finding, its keys beside `schema_version`.
    #[serde(flatten)]
    pub finding: &'a Finding,
}

impl<'a> FindingLine<'a> {
    /// `finding` as written in the current schema.
    pub fn new(finding: &'a Finding) -> FindingLine<'a> {
        FindingLine {
            schema_version: SCHEMA_VERSION,
            finding,
        }
    }
}

/// The three detector families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Family {
    /// Bulk sequential reads.
    #[serde(rename = "bulk-read")]
    BulkRead,
    /// Unusual query rates.
    #[serde(rename = "rate")]
    Rate,
    /// Campaign-linked and unauthorised access.
    #[serde(rename = "watchlist")]
    Watchlist,
    /// What a web log says beside the records: answers (status) and user
    /// agents.
    #[serde(rename = "web")]
    Web,
}

impl Family {
    /// The family's name.
    pub fn name(self) -> &'static str {
        match self {
            Family::BulkRead => "bulk-read",
            Family::Rate => "rate",
            Family::Watchlist => "watchlist",
            Family::Web => "web",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

macro_rules! rules {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $family:ident, $severity:ident;)*) => {
        /// Every rule, with its name, family and default severity in one
        /// table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId {
            $($(#[$doc])* $variant,)*
        }

        impl RuleId {
            /// Every rule, in table order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant),*];

            /// The rule's stable name, as configs and outputs write it.
            pub fn name(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $name,)*
                }
            }

            /// The rule's family.
            pub fn family(self) -> Family {
                match self {
                    $(RuleId::$variant => Family::$family,)*
                }
            }

            /// The rule's severity.
            pub fn severity(self) -> Severity {
                match self {
                    $(RuleId::$variant => Severity::$severity,)*
                }
            }
        }
    };
}

rules! {
    /// Reads of record ids in order, with small gaps.
    SequentialRead = "sequential-read", BulkRead, High;
    /// Consecutive pages of search results.
    PagedSearch = "paged-search", BulkRead, High;
    /// Many distinct records in a window.
    DistinctVolume = "distinct-volume", BulkRead, Medium;
    /// Rows exported in a window.
    ExportVolume = "export-volume", BulkRead, High;
    /// Bytes served in a window.
    ByteVolume = "byte-volume", BulkRead, Medium;
    /// Requests in a window against an absolute limit.
    RateAbsolute = "rate-absolute", Rate, Medium;
    /// Requests in an hour against the identity's own history.
    RateBaseline = "rate-baseline", Rate, Medium;
    /// The busiest hour against the peer group's.
    RatePeer = "rate-peer", Rate, Medium;
    /// Machine-like regular pacing.
    Regularity = "regularity", Rate, Medium;
    /// Activity at hours the identity does not use.
    OffHours = "off-hours", Rate, Medium;
    /// A campaign account reading before its embargo ends.
    Embargo = "embargo", Watchlist, High;
    /// Any use of a revoked account.
    Revoked = "revoked", Watchlist, Critical;
    /// One credential from many ips or user agents at once.
    SharedCredential = "shared-credential", Watchlist, High;
    /// A watched record opened by someone not allowed.
    WatchedRecord = "watched-record", Watchlist, High;
    /// Identities that share something and together read too much.
    Coordinated = "coordinated", Watchlist, High;
    // Web signals (issue 13): pages, answers and user agents.
    /// Many distinct non-static pages fetched fast.
    Crawl = "crawl", BulkRead, Medium;
    /// Many 403/404 answers over distinct targets.
    Probing = "probing", Web, Medium;
    /// A burst of 403/418/429 answers: the server already judged.
    ServerVerdict = "server-verdict", Web, Medium;
    /// Requests from a declared crawler (Googlebot, bingbot...): its own
    /// class, not an alert.
    DeclaredCrawler = "declared-crawler", Web, Info;
    /// Requests from a scripted client (python-requests, curl, Wget...).
    ScriptedClient = "scripted-client", Web, Low;
    /// Many distinct user agents from one address.
    AgentRotation = "agent-rotation", Web, Medium;
    /// Requests from a user agent the watchlist names by pattern.
    WatchedAgent = "watched-agent", Web, High;
    // Issue 13, order-free and population-scale rules (one block for the
    // hand merge).
    /// Distinct ids filling a contiguous id span, in any order, over days.
    Coverage = "coverage", BulkRead, High;
    /// One export over the per-export (per-system) row limit.
    ExportSize = "export-size", BulkRead, High;
    /// A day of distinct records far above the identity's own days.
    DistinctBaseline = "distinct-baseline", Rate, Medium;
    /// One credential from two networks with two agents at the same time.
    TwoPlaces = "two-places", Watchlist, High;
}

impl RuleId {
    /// The rule named `name`.
    pub fn from_name(name: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|r| r.name() == name)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<RuleId, D::Error> {
        let name = String::deserialize(d)?;
        RuleId::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown rule {name:?}")))
    }
}

/// What kind of value a message or evidence field names, so that the
/// pseudonymiser knows what to replace and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An account or identity name.
    Account,
    /// An ip address.
    Ip,
    /// A network prefix such as `198.51.100.0/24`.
    Network,
    /// A record id.
    Record,
}

impl Kind {
    /// The short word pseudonyms of this kind start with.
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Account => "id",
            Kind::Ip => "ip",
            Kind::Network => "net",
            Kind::Record => "rec",
        }
    }
}

/// One piece of a [`Message`]: plain words, or a typed value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Part {
    /// Words with no personal or machine-identifying value in them.
    Text(String),
    /// A value that names someone or something, of a kind.
    Value(Kind, String),
}

impl Part {
    /// An account (or identity) name.
    pub fn account(s: impl Into<String>) -> Part {
        Part::Value(Kind::Account, s.into())
    }

    /// An ip address.
    pub fn ip(s: impl Into<String>) -> Part {
        Part::Value(Kind::Ip, s.into())
    }

    /// A network prefix.
    pub fn network(s: impl Into<String>) -> Part {
        Part::Value(Kind::Network, s.into())
    }

    /// A record id.
    pub fn record(s: impl Into<String>) -> Part {
        Part::Value(Kind::Record, s.into())
    }
}

impl From<&str> for Part {
    fn from(s: &str) -> Part {
        Part::Text(s.to_string())
    }
}

impl From<String> for Part {
    fn from(s: String) -> Part {
        Part::Text(s)
    }
}

impl From<&String> for Part {
    fn from(s: &String) -> Part {
        Part::Text(s.clone())
    }
}

/// One sentence a person can check, kept as parts until it is written.
/// It serialises as the rendered sentence.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message(Vec<Part>);

/// Builds a [`Message`] from parts: strings are text, [`Part`]s keep their
/// kind.
#[macro_export]
macro_rules! message {
    ($($part:expr),* $(,)?) => {
        $crate::finding::Message::from_parts(vec![$($crate::finding::Part::from($part)),*])
    };
}

impl Message {
    /// A message of `parts`.
    pub fn from_parts(parts: Vec<Part>) -> Message {
        Message(parts)
    }

    /// The parts, in order.
    pub fn parts(&self) -> &[Part] {
        &self.0
    }

    /// Appends a part.
    pub fn push(&mut self, part: impl Into<Part>) {
        self.0.push(part.into());
    }

    /// The sentence.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Part::Text(s) | Part::Value(_, s) => out.push_str(s),
            }
        }
        out
    }

    /// Replaces every typed value with `f(kind, value)`.
    pub fn map_values(&mut self, f: impl Fn(Kind, &str) -> String) {
        for p in &mut self.0 {
            if let Part::Value(kind, v) = p {
                *v = f(*kind, v);
            }
        }
    }

    /// The typed values, in order.
    pub fn values(&self) -> impl Iterator<Item = (Kind, &str)> {
        self.0.iter().filter_map(|p| match p {
            Part::Value(k, v) => Some((*k, v.as_str())),
            Part::Text(_) => None,
        })
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Message {
        Message(vec![Part::from(s)])
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            match p {
                Part::Text(s) | Part::Value(_, s) => f.write_str(s)?,
            }
        }
        Ok(())
    }
}

impl Serialize for Message {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Message {
    /// A message read back from an output is plain text: its values'
    /// kinds are not written.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Message, D::Error> {
        Ok(Message(vec![Part::Text(String::deserialize(d)?)]))
    }
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing, not an alert (a declared crawler): never counts
    /// towards `--fail-on`, alerts or scores of quality.
    Info,
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
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Whether a finding of this severity is an alert a person must
    /// clear (everything above [`Severity::Info`]).
    pub fn is_alert(self) -> bool {
        self > Severity::Info
    }

    /// The severity named `s`.
    pub fn from_name(s: &str) -> Option<Severity> {
        [
            Severity::Info,
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

/// Where a share of an identity's requests came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCount {
    /// The ip address as written.
    pub ip: String,
    /// The user agent.
    pub user_agent: String,
    /// Events from this client.
    pub events: u64,
}

/// What the identities of a coordinated group share.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Shared {
    /// A watchlist campaign.
    Campaign(String),
    /// A network prefix, such as `198.51.100.0/24`.
    Network(String),
    /// A user agent.
    UserAgent(String),
    /// A network prefix and a user agent together (web identities: many
    /// addresses of one network announcing one agent).
    NetworkAgent {
        /// The prefix, such as `198.51.100.0/24`.
        network: String,
        /// The user agent.
        user_agent: String,
    },
}

impl Shared {
    /// The message part naming it.
    pub fn parts(&self) -> [Part; 2] {
        match self {
            Shared::Campaign(c) => [Part::from("campaign "), Part::from(c)],
            Shared::Network(n) => [Part::from("ip "), Part::network(n)],
            Shared::UserAgent(a) => [Part::from("user agent "), Part::from(a)],
            Shared::NetworkAgent {
                network,
                user_agent,
            } => [
                Part::from(format!("user agent {user_agent} from ")),
                Part::network(network),
            ],
        }
    }
}

/// What a person checks a finding against. Every value another stage
/// needs is a field of its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// What was measured, e.g. "distinct records in 1h".
    pub measure: String,
    /// The window the measure is taken over, in seconds, where it has one.
    #[serde(default)]
    pub window_secs: Option<i64>,
    /// The observed value.
    pub observed: f64,
    /// The threshold it crossed.
    pub threshold: f64,
    /// The system the rule measured, where it measured one.
    #[serde(default)]
    pub system: Option<String>,
    /// Records read, where the rule is about records.
    pub records: Option<RecordRange>,
    /// Further counts (distinct ips, pages, rows...), by fixed names.
    pub counts: BTreeMap<String, u64>,
    /// Where the requests came from, where the rule names clients.
    #[serde(default)]
    pub clients: Vec<ClientCount>,
    /// What a coordinated group shares.
    #[serde(default)]
    pub shared: Option<Shared>,
    /// Accounts and roles allowed to read a watched record.
    #[serde(default)]
    pub allowed: Vec<String>,
    /// Up to five raw lines as `file:line`.
    pub samples: Vec<String>,
    /// Gaps in the logs this finding's window touches (of its system or of
    /// a file its samples come from): the logs around it are incomplete.
    #[serde(default)]
    pub gaps: Vec<String>,
    /// When several windows of the rule merged into one episode: the
    /// start and end (RFC 3339 UTC) of the worst of them, whose values
    /// `observed` and the samples are.
    #[serde(default)]
    pub worst: Option<(String, String)>,
}

impl Evidence {
    /// Evidence of a measure against a threshold, with nothing else yet.
    pub fn new(measure: String, observed: f64, threshold: f64) -> Evidence {
        Evidence {
            measure,
            window_secs: None,
            observed,
            threshold,
            system: None,
            records: None,
            counts: BTreeMap::new(),
            clients: Vec::new(),
            shared: None,
            allowed: Vec::new(),
            samples: Vec::new(),
            gaps: Vec::new(),
            worst: None,
        }
    }
}

/// What an earlier run reported of a finding that has since grown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reported {
    /// The episode's end then (RFC 3339 UTC).
    pub end: String,
    /// Its events then.
    pub events: u64,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable id: the same rule, identity and episode start give the same
    /// id on every run, thread count, partition or machine, and as the
    /// episode grows ([`Finding::stable_id`]; keyed when pseudonymised).
    #[serde(default)]
    pub id: String,
    /// The rule, written by its stable name, e.g. `sequential-read`.
    pub rule: RuleId,
    /// Its family: `bulk-read`, `rate` or `watchlist`.
    pub family: Family,
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
    pub message: Message,
    /// The evidence.
    pub evidence: Evidence,
    /// The identity is allow-listed: kept, counted, shown with
    /// `--show-suppressed`.
    #[serde(default)]
    pub suppressed: bool,
    /// With `--state`: what an earlier run reported of this finding, when
    /// it is reported again because its episode grew; `null` when it is
    /// new (or no state is kept).
    #[serde(default)]
    pub reported_before: Option<Reported>,
    /// Start in milliseconds (for ordering and merging).
    #[serde(skip)]
    pub start_ms: Millis,
    /// End in milliseconds.
    #[serde(skip)]
    pub end_ms: Millis,
}

impl Finding {
    /// The stable id of a finding of `rule` on `identity` whose episode
    /// starts at `start_ms`: 16 hex digits of a BLAKE3 hash of the three,
    /// keyed when a key is given (pseudonymised outputs), so that a
    /// pseudonymised id cannot be recomputed from guessed identities.
    pub fn stable_id(
        rule: RuleId,
        identity: &str,
        start_ms: Millis,
        key: Option<&[u8; 32]>,
    ) -> String {
        let mut h = match key {
            Some(k) => blake3::Hasher::new_keyed(k),
            None => blake3::Hasher::new(),
        };
        h.update(b"scrapewatch finding v1\0");
        h.update(rule.name().as_bytes());
        h.update(&[0]);
        h.update(identity.as_bytes());
        h.update(&[0]);
        h.update(&start_ms.to_le_bytes());
        h.finalize().to_hex()[..16].to_string()
    }

    /// Sets [`Finding::id`] from the finding's rule, identity and start.
    pub fn assign_id(&mut self, key: Option<&[u8; 32]>) {
        self.id = Finding::stable_id(self.rule, &self.identity, self.start_ms, key);
    }
}

/// The score of `observed` against `threshold` for a rule of `severity`:
/// the severity's base, plus 10 for each doubling past the threshold.
pub fn score(severity: Severity, observed: f64, threshold: f64) -> u8 {
    let base = match severity {
        Severity::Info => 10.0,
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
    let top = match severity {
        // Never above a low alert's base: info is not an alert.
        Severity::Info => 29.0,
        _ => 100.0,
    };
    (base + 10.0 * ratio.max(1.0).log2()).clamp(0.0, top) as u8
}

/// The total order of findings within one identity: most serious first.
pub fn cmp_within(a: &Finding, b: &Finding) -> Ordering {
    b.score
        .cmp(&a.score)
        .then(b.severity.cmp(&a.severity))
        .then(a.rule.name().cmp(b.rule.name()))
        .then(a.start_ms.cmp(&b.start_ms))
        .then(a.end_ms.cmp(&b.end_ms))
        .then_with(|| a.message.render().cmp(&b.message.render()))
}

/// Ranks identities by combined risk and orders every finding: a total
/// order, so the output is the same on every run. Combined risk is the best
/// score, then the sum of each rule's best score (so many rules outrank one
/// rule repeated), then the name.
pub fn rank(findings: &mut [Finding]) {
    let mut best: BTreeMap<(&str, RuleId), u8> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| !f.suppressed && f.severity.is_alert())
    {
        let b = best.entry((&f.identity, f.rule)).or_default();
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

/// `1234567` as `1,234,567`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
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
        let rule = RuleId::from_name(rule).expect("a rule name");
        Finding {
            id: String::new(),
            rule,
            family: rule.family(),
            severity: Severity::High,
            score,
            identity: identity.into(),
            start: String::new(),
            end: String::new(),
            events: 1,
            message: Message::default(),
            evidence: Evidence::new(String::new(), 0.0, 0.0),
            suppressed: false,
            reported_before: None,
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
        assert_eq!(score(Severity::Info, 60.0, 1.0), 29, "info stays under low");
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

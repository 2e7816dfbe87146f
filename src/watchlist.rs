//! The watchlist: what the security team knows. A CSV file with the header
//! `account,kind,campaign,revoked_at,not_before,system,role` (columns in any
//! order, extra columns ignored, empty cells allowed). `kind` is
//! `campaign` (an account of a campaign, embargoed from `system` until
//! `not_before`), `revoked` (revoked at `revoked_at`), `allow` (heavy use
//! expected: findings are suppressed, not dropped) or `record` (the
//! `account` column holds a watched record id, `role` the accounts or roles
//! allowed to read it, `;`-separated) or `agent` (the `account` column
//! holds a user agent pattern: case-insensitive, `*` for any text, so
//! `*HarvestBot/*` matches every version). Any row's `role` gives the
//! account its role, for per-role thresholds and peer groups.

use crate::error::{Error, ErrorKind, Result};
use crate::time::Millis;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A campaign account's embargo.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Campaign {
    /// The campaign's name.
    pub campaign: String,
    /// Reads of `system` before this are embargoed.
    pub not_before: Option<Millis>,
    /// The embargoed system (empty: every system).
    pub system: String,
}

/// A watched record and who may read it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WatchedRecord {
    /// The record id.
    pub record: String,
    /// Its system (empty: any).
    pub system: String,
    /// Accounts or roles allowed to read it.
    pub allowed: BTreeSet<String>,
}

/// A watched user agent pattern: case-insensitive, `*` stands for any
/// text (none at all included), everything else for itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AgentPattern {
    /// The pattern as written.
    pub pattern: String,
}

impl AgentPattern {
    /// Whether `agent` matches the whole pattern.
    pub fn matches(&self, agent: &str) -> bool {
        let agent = agent.to_lowercase();
        let pattern = self.pattern.to_lowercase();
        let mut pieces = pattern.split('*');
        let first = pieces.next().unwrap_or_default();
        let Some(mut rest) = agent.strip_prefix(first) else {
            return false;
        };
        let pieces: Vec<&str> = pieces.collect();
        let Some((last, middle)) = pieces.split_last() else {
            return rest.is_empty(); // no `*`: the exact agent
        };
        for piece in middle {
            match rest.find(piece) {
                Some(at) => rest = &rest[at + piece.len()..],
                None => return false,
            }
        }
        rest.len() >= last.len() && rest.ends_with(last)
    }
}

/// Everything the watchlist says, by account.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Watchlist {
    /// Campaign accounts.
    pub campaigns: BTreeMap<String, Campaign>,
    /// Revoked accounts and when.
    pub revoked: BTreeMap<String, Millis>,
    /// Allow-listed accounts.
    pub allowed: BTreeSet<String>,
    /// Roles of accounts.
    pub roles: BTreeMap<String, String>,
    /// Watched records.
    pub records: Vec<WatchedRecord>,
    /// Watched user agents, by pattern.
    #[serde(default)]
    pub agents: Vec<AgentPattern>,
}

const COLUMNS: [&str; 7] = [
    "account",
    "kind",
    "campaign",
    "revoked_at",
    "not_before",
    "system",
    "role",
];

impl Watchlist {
    /// Reads a watchlist file.
    pub fn load(path: &Path) -> Result<Watchlist> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, &e))?;
        Watchlist::parse(&text, &path.display().to_string())
    }

    /// Parses watchlist text; `name` is used in error messages.
    pub fn parse(text: &str, name: &str) -> Result<Watchlist> {
        let err =
            |line: usize, msg: String| Error::new(ErrorKind::Data, format!("{name}:{line}: {msg}"));
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((h, header)) = lines.next() else {
            return Ok(Watchlist::default());
        };
        let header = crate::format::csv::split_owned(header.trim_start_matches('\u{feff}'))
            .map_err(|_| err(h + 1, "bad quoting in the header".into()))?;
        let index: Vec<Option<usize>> = COLUMNS
            .iter()
            .map(|c| header.iter().position(|h| h.trim() == *c))
            .collect();
        for required in ["account", "kind"] {
            if !header.iter().any(|h| h.trim() == required) {
                return Err(err(
                    h + 1,
                    format!(
                        "the header has no `{required}` column (expected {})",
                        COLUMNS.join(",")
                    ),
                ));
            }
        }
        let mut list = Watchlist::default();
        for (i, line) in lines {
            let n = i + 1;
            let cells =
                crate::format::csv::split_owned(line).map_err(|_| err(n, "bad quoting".into()))?;
            let cell =
                |c: usize| -> &str { index[c].and_then(|i| cells.get(i)).map_or("", |s| s.trim()) };
            let time = |c: usize| -> Result<Option<Millis>> {
                let v = cell(c);
                if v.is_empty() {
                    return Ok(None);
                }
                crate::time::parse(v.as_bytes(), 0)
                    .map(Some)
                    .ok_or_else(|| err(n, format!("{}: `{v}` is not a time", COLUMNS[c])))
            };
            let account = cell(0).to_string();
            if account.is_empty() {
                return Err(err(n, "empty account".into()));
            }
            let role = cell(6);
            match cell(1) {
                "campaign" => {
                    list.campaigns.insert(
                        account.clone(),
                        Campaign {
                            campaign: cell(2).to_string(),
                            not_before: time(4)?,
                            system: cell(5).to_string(),
                        },
                    );
                }
                "revoked" => {
                    let at = time(3)?
                        .ok_or_else(|| err(n, "a revoked account needs revoked_at".into()))?;
                    list.revoked.insert(account.clone(), at);
                }
                "allow" => {
                    list.allowed.insert(account.clone());
                }
                "record" => {
                    list.records.push(WatchedRecord {
                        record: account,
                        system: cell(5).to_string(),
                        allowed: role
                            .split(';')
                            .map(str::trim)
                            .filter(|r| !r.is_empty())
                            .map(String::from)
                            .collect(),
                    });
                    continue;
                }
                "agent" => {
                    list.agents.push(AgentPattern { pattern: account });
                    continue;
                }
                other => {
                    return Err(err(
                        n,
                        format!(
                            "kind `{other}` is not one of campaign, revoked, allow, record, agent"
                        ),
                    ))
                }
            }
            if !role.is_empty() {
                list.roles.insert(account, role.to_string());
            }
        }
        Ok(list)
    }

    /// The role of an account, if the watchlist gives one.
    pub fn role(&self, account: &str) -> Option<&str> {
        self.roles.get(account).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_in_any_column_order() {
        let w = Watchlist::parse(
            "kind,account,extra,not_before,revoked_at,role,system,campaign\n\
             campaign,camp-1,x,2025-06-10T00:00:00Z,,campaign,membership,rowe\n\
             revoked,old-staff,,,2025-06-05T09:00:00Z,staff,,\n\
             \n\
             allow,svc-sync,,,,service,,\n\
             record,case-41,,,,\"panel; chair\",cases,\n",
            "w.csv",
        )
        .unwrap();
        assert_eq!(w.campaigns["camp-1"].campaign, "rowe");
        assert_eq!(w.campaigns["camp-1"].system, "membership");
        assert!(w.campaigns["camp-1"].not_before.is_some());
        assert!(w.revoked.contains_key("old-staff"));
        assert!(w.allowed.contains("svc-sync"));
        assert_eq!(w.role("svc-sync"), Some("service"));
        assert_eq!(
            w.records[0].allowed.iter().cloned().collect::<Vec<_>>(),
            ["chair", "panel"]
        );
    }

    #[test]
    fn agent_patterns_match_whole_agents_case_insensitively() {
        let p = |s: &str| AgentPattern { pattern: s.into() };
        assert!(p("*harvestbot/*").matches("Mozilla/5.0 HarvestBot/3.2 (+x)"));
        assert!(p("HarvestBot/*").matches("harvestbot/1"));
        assert!(!p("HarvestBot/*").matches("xHarvestBot/1"));
        assert!(p("curl/8.*").matches("curl/8.4.0"));
        assert!(!p("curl/8.*").matches("curl/7.1"));
        assert!(p("exact agent").matches("Exact Agent"));
        assert!(!p("exact agent").matches("exact agent 2"));
        assert!(p("a*b*a").matches("aba") && !p("a*b*a").matches("ab"));
        let w = Watchlist::parse(
            "account,kind
*Scrapy*,agent
",
            "w",
        )
        .unwrap();
        assert_eq!(w.agents, [p("*Scrapy*")]);
    }

    #[test]
    fn errors_name_the_line() {
        let e = Watchlist::parse("account,kind\na,maybe\n", "w.csv").unwrap_err();
        assert!(e.to_string().starts_with("w.csv:2: kind `maybe`"), "{e}");
        let e =
            Watchlist::parse("account,kind,revoked_at\n\nb,revoked,soon\n", "w.csv").unwrap_err();
        assert!(e.to_string().starts_with("w.csv:3: revoked_at"), "{e}");
        let e = Watchlist::parse("who,kind\n", "w.csv").unwrap_err();
        assert!(e.to_string().contains("no `account` column"), "{e}");
    }
}

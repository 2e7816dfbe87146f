//! Run state for repeated runs (`scan --state FILE`): the ids of findings
//! already reported, each with its episode's end and event count, and the
//! time up to which the logs were complete. The next run reports only new
//! findings and findings whose episode grew, and holds back the rest.
//!
//! A state file can only ever hold findings back, so it fails open: a
//! missing, unreadable or corrupt file loads as [`Loaded::Lost`] and the
//! run reports everything. This module decides nothing else: it prints
//! nothing and writes no file (the caller writes [`State::to_json`]
//! atomically once the findings are out).

use crate::finding::{Finding, SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// What a run last reported of one finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// The episode's end, RFC 3339 UTC (for people).
    pub end: String,
    /// The episode's end in milliseconds (for comparing).
    pub end_ms: i64,
    /// Its events.
    pub events: u64,
}

/// The state file's contents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The last event the last run considered, RFC 3339 UTC.
    pub complete_until: Option<String>,
    /// Every finding reported so far, by id.
    pub reported: BTreeMap<String, Seen>,
}

/// A state file, read.
#[derive(Debug)]
pub enum Loaded {
    /// Read and understood.
    Found(State),
    /// No file: a first run.
    Missing,
    /// Unreadable or not a state file: why. Everything is reported.
    Lost(String),
}

/// A finding reported again because its episode grew.
#[derive(Debug, Clone, PartialEq)]
pub struct Growth {
    /// The finding's id.
    pub id: String,
    /// What the last run reported.
    pub was: Seen,
    /// The episode's end now.
    pub end: String,
    /// Its events now.
    pub events: u64,
}

/// What a run reports given the state.
#[derive(Debug, Default)]
pub struct Split {
    /// The findings to report: new ones and grown ones, in their order.
    pub report: Vec<Finding>,
    /// How many of `report` are new.
    pub new: usize,
    /// The grown ones, with their growth.
    pub grew: Vec<Growth>,
    /// How many were held back: reported before and not grown.
    pub held: usize,
}

impl Loaded {
    /// Reads `path`.
    pub fn read(path: &Path) -> Loaded {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Loaded::Missing,
            Err(e) => return Loaded::Lost(format!("{}: {e}", path.display())),
        };
        match serde_json::from_str::<State>(&text) {
            Ok(s) if s.schema_version == SCHEMA_VERSION => Loaded::Found(s),
            Ok(s) => Loaded::Lost(format!(
                "{}: state schema_version {}, this scrapewatch reads {SCHEMA_VERSION}",
                path.display(),
                s.schema_version
            )),
            Err(e) => Loaded::Lost(format!("{}: not a state file: {e}", path.display())),
        }
    }

    /// The state to start from (empty unless found).
    pub fn state(self) -> State {
        match self {
            Loaded::Found(s) => s,
            Loaded::Missing | Loaded::Lost(_) => State {
                schema_version: SCHEMA_VERSION,
                ..State::default()
            },
        }
    }
}

impl State {
    /// Splits `findings` into those to report (new, or grown since last
    /// reported) and those held back.
    pub fn split(&self, findings: Vec<Finding>) -> Split {
        let mut split = Split::default();
        for f in findings {
            match self.reported.get(&f.id) {
                None => {
                    split.new += 1;
                    split.report.push(f);
                }
                Some(was) if f.end_ms > was.end_ms || f.events > was.events => {
                    split.grew.push(Growth {
                        id: f.id.clone(),
                        was: was.clone(),
                        end: f.end.clone(),
                        events: f.events,
                    });
                    let mut f = f;
                    f.reported_before = Some(crate::finding::Reported {
                        end: was.end.clone(),
                        events: was.events,
                    });
                    split.report.push(f);
                }
                Some(_) => split.held += 1,
            }
        }
        split
    }

    /// Records `findings` as reported and the logs complete up to
    /// `complete_until`. Entries of findings not seen this run stay: an
    /// episode outside `--since` must not come back as new.
    pub fn record(&mut self, findings: &[Finding], complete_until: Option<String>) {
        for f in findings {
            let seen = Seen {
                end: f.end.clone(),
                end_ms: f.end_ms,
                events: f.events,
            };
            let entry = self.reported.entry(f.id.clone()).or_insert(seen.clone());
            // Never shrink what was reported (a run with --until earlier).
            if seen.end_ms > entry.end_ms || seen.events > entry.events {
                *entry = seen;
            }
        }
        self.schema_version = SCHEMA_VERSION;
        if complete_until > self.complete_until {
            self.complete_until = complete_until;
        }
    }

    /// The state file's bytes.
    pub fn to_json(&self) -> std::io::Result<String> {
        crate::output::to_json_pretty(self).map(|t| t + "\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(id: &str, end_ms: i64, events: u64) -> Finding {
        let mut f = crate::finding::testing::finding("acct", "revoked", 50);
        f.id = id.into();
        f.end_ms = end_ms;
        f.events = events;
        f
    }

    #[test]
    fn new_and_grown_findings_are_reported_the_rest_held() {
        let mut state = Loaded::Missing.state();
        state.record(&[finding("a", 10, 5), finding("b", 10, 5)], None);
        let split = state.split(vec![
            finding("a", 10, 5),
            finding("b", 20, 9),
            finding("c", 1, 1),
        ]);
        let ids: Vec<&str> = split.report.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["b", "c"]);
        assert_eq!((split.new, split.grew.len(), split.held), (1, 1, 1));
        assert_eq!(split.grew[0].was.events, 5);
    }

    #[test]
    fn a_corrupt_state_is_lost_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, "{\"reported\": tru").unwrap();
        assert!(matches!(Loaded::read(&path), Loaded::Lost(_)));
        assert!(Loaded::read(&path).state().reported.is_empty());
        assert!(matches!(
            Loaded::read(&dir.path().join("none")),
            Loaded::Missing
        ));
    }
}

//! The scan summary: the account of every line, per file and in total, the
//! first rejected lines, the notes (derived fields left empty on kept
//! events) with their first lines, identities and the time span. Everything here is
//! deterministic (identical for any thread count, chunk size or input
//! path); wall time and rates live apart in [`Timing`].

use crate::event::{Event, Tables};
use crate::format::Format;
use crate::tally::{Counts, Example, Examples, Kind, Note, Reason};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One input's account.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FileSummary {
    /// The input's name.
    pub path: String,
    /// Its format, once known.
    pub format: Option<Format>,
    /// Its line counts.
    #[serde(flatten)]
    pub counts: Counts,
    /// Rejected lines by reason (non-zero reasons only).
    pub rejected: BTreeMap<&'static str, u64>,
    /// Notes by kind (non-zero kinds only).
    pub noted: BTreeMap<&'static str, u64>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// Bytes it held beyond those scanned, when it grew while scanned (a
    /// live log): scanned to its size at open, up to its last line end.
    pub grew: Option<u64>,
    /// The preset it was read with, when one was chosen for it (by an
    /// `[[input.sources]]` entry, or recognised by its keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preset: Option<&'static str>,
    /// Of a JSON document: the lines of text it spans. Its `lines` count
    /// its elements (each one event or one rejection), not these.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_lines: Option<u64>,
}

impl FileSummary {
    /// A file's summary.
    pub fn new(
        path: String,
        format: Option<Format>,
        counts: Counts,
        error: Option<String>,
    ) -> Self {
        FileSummary {
            path,
            format,
            rejected: by_kind(&Reason::ALL, &counts.rejected),
            noted: by_kind(&Note::ALL, &counts.noted),
            counts,
            error,
            grew: None,
            preset: None,
            text_lines: None,
        }
    }

    /// The share of its non-blank lines that were rejected.
    pub fn rejected_share(&self) -> f64 {
        match self.counts.data_lines() {
            0 => 0.0,
            n => self.counts.rejected_total() as f64 / n as f64,
        }
    }
}

/// Something about a scan that people must see, though it is not an error.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Warning {
    /// A file with more than `input.max_rejected_share` of its non-blank
    /// lines rejected: its results may be wrong.
    RejectedShare {
        /// The input's name.
        path: String,
        /// Rejected lines.
        rejected: u64,
        /// Non-blank, non-header lines.
        lines: u64,
        /// The configured share.
        limit: f64,
    },
    /// A file that grew while it was scanned: read to its size at open.
    Grew {
        /// The input's name.
        path: String,
        /// Bytes scanned.
        scanned: u64,
        /// Bytes beyond them, left for the next run.
        unread: u64,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Warning::RejectedShare {
                path,
                rejected,
                lines,
                limit,
            } => write!(
                f,
                "{path}: {} of its {} non-blank lines ({:.1}%) were rejected, over input.max_rejected_share = {limit}: its results may be wrong (check --format and the input.fields mapping)",
                group(*rejected),
                group(*lines),
                *rejected as f64 * 100.0 / (*lines).max(1) as f64,
            ),
            Warning::Grew {
                path,
                scanned,
                unread,
            } => write!(
                f,
                "{path}: grew while it was scanned (a live log): scanned its first {} bytes, to its last line end at its size at open; the {} bytes after are left for the next run",
                group(*scanned),
                group(*unread),
            ),
        }
    }
}

/// The non-zero counts of `kinds`, by key.
fn by_kind<K: Kind>(kinds: &[K], counts: &[u64]) -> BTreeMap<&'static str, u64> {
    kinds
        .iter()
        .filter(|k| counts[k.index()] > 0)
        .map(|k| (k.key(), counts[k.index()]))
        .collect()
}

/// The kind whose key is `key`.
fn kind_of<K: Kind>(kinds: &[K], key: &str) -> K {
    *kinds
        .iter()
        .find(|k| k.key() == key)
        .expect("keys come from the kinds")
}

/// The whole scan's account.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    /// Inputs scanned (or attempted).
    pub files: usize,
    /// Totals over all inputs.
    #[serde(flatten)]
    pub total: Counts,
    /// Rejected lines in all.
    pub rejected_total: u64,
    /// Rejected lines by reason.
    pub rejected: BTreeMap<&'static str, u64>,
    /// The first rejected lines of each reason.
    pub examples: Vec<Example>,
    /// Derived fields left empty on kept events, in all.
    pub noted_total: u64,
    /// Notes by kind.
    pub noted: BTreeMap<&'static str, u64>,
    /// The first noted lines of each kind.
    pub note_examples: Vec<Example<Note>>,
    /// What people must see though it is not an error.
    pub warnings: Vec<Warning>,
    /// Distinct identities.
    pub identities: usize,
    /// Distinct clients (ip, user agent, session).
    pub clients: usize,
    /// Earliest event time (RFC 3339 UTC).
    pub first: Option<String>,
    /// Latest event time.
    pub last: Option<String>,
    /// Each input's account.
    pub per_file: Vec<FileSummary>,
    /// Stretches with no events far longer than their source's usual
    /// quiet ([`crate::gaps`]).
    pub gaps: crate::gaps::Gaps,
}

impl Summary {
    /// Builds the summary of a scan.
    pub fn new(
        files: Vec<FileSummary>,
        examples: Examples,
        notes: Examples<Note>,
        events: &[Event],
        tables: &Tables,
        max_rejected_share: f64,
    ) -> Summary {
        let mut total = Counts::default();
        for f in &files {
            total += &f.counts;
        }
        let mut warnings = Vec::new();
        for f in files.iter().filter(|f| f.error.is_none()) {
            if f.rejected_share() > max_rejected_share {
                warnings.push(Warning::RejectedShare {
                    path: f.path.clone(),
                    rejected: f.counts.rejected_total(),
                    lines: f.counts.data_lines(),
                    limit: max_rejected_share,
                });
            }
            if let Some(unread) = f.grew {
                warnings.push(Warning::Grew {
                    path: f.path.clone(),
                    scanned: f.counts.bytes,
                    unread,
                });
            }
        }
        let first = events.iter().map(|e| e.time).min();
        let last = events.iter().map(|e| e.time).max();
        Summary {
            files: files.len(),
            rejected_total: total.rejected_total(),
            rejected: by_kind(&Reason::ALL, &total.rejected),
            noted_total: total.noted_total(),
            noted: by_kind(&Note::ALL, &total.noted),
            note_examples: notes.iter().cloned().collect(),
            warnings,
            total,
            examples: examples.iter().cloned().collect(),
            identities: tables.identities.len(),
            clients: tables.client_count(),
            first: first.map(crate::time::format),
            last: last.map(crate::time::format),
            per_file: files,
            gaps: crate::gaps::Gaps::default(),
        }
    }

    /// The summary for people (stderr).
    pub fn render(&self, timing: Option<&Timing>) -> String {
        let t = &self.total;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "scanned {} file{}, {} bytes: {} lines = {} events + {} rejected + {} blank + {} header + {} comment",
            self.files,
            if self.files == 1 { "" } else { "s" },
            group(t.bytes),
            group(t.lines),
            group(t.events),
            group(self.rejected_total),
            group(t.blank),
            group(t.headers),
            group(t.comments),
        );
        // What each file was read as (format names and preset names are
        // the tool's own words, never log content).
        let mut kinds: Vec<(String, usize)> = Vec::new();
        for f in &self.per_file {
            let Some(format) = f.format else { continue };
            let kind = match f.preset {
                Some(p) => format!("{} (preset {p})", format.name()),
                None => format.name().to_string(),
            };
            match kinds.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => *n += 1,
                None => kinds.push((kind, 1)),
            }
        }
        if !kinds.is_empty() {
            let kinds: Vec<String> = kinds
                .iter()
                .map(|(k, n)| format!("{k}: {n} file{}", if *n == 1 { "" } else { "s" }))
                .collect();
            let _ = writeln!(s, "  read as {}", kinds.join(", "));
        }
        for (reason, n) in &self.rejected {
            let r = kind_of(&Reason::ALL, reason);
            let _ = writeln!(s, "  rejected {:>10}  {}", group(*n), r.describe());
        }
        render_examples(&mut s, &self.examples);
        if self.noted_total > 0 {
            let _ = writeln!(
                s,
                "{} note{}: fields left empty on events that were kept",
                group(self.noted_total),
                if self.noted_total == 1 { "" } else { "s" }
            );
            for (note, n) in &self.noted {
                let k = kind_of(&Note::ALL, note);
                let _ = writeln!(s, "  noted {:>13}  {}", group(*n), k.describe());
            }
            render_examples(&mut s, &self.note_examples);
        }
        let _ = writeln!(
            s,
            "{} identities ({} lines used the ip for want of an account), {} clients, from {} to {}",
            group(self.identities as u64),
            group(t.ip_fallback),
            group(self.clients as u64),
            self.first.as_deref().unwrap_or("-"),
            self.last.as_deref().unwrap_or("-"),
        );
        for f in &self.per_file {
            // Where a "line" of the account is not a line of text.
            match (f.format, f.text_lines) {
                (Some(Format::JsonDocument), Some(text)) => {
                    let _ = writeln!(
                        s,
                        "{}: a JSON document of {} lines of text: each of its {} elements counts as one line above (evidence file:line#n, the n-th element, starting on that line)",
                        f.path,
                        group(text),
                        group(f.counts.lines)
                    );
                }
                (Some(format @ (Format::Parquet | Format::Arrow)), _) => {
                    let _ = writeln!(
                        s,
                        "{}: {}: each of its {} rows counts as one line above (evidence file:row, from 1)",
                        f.path,
                        format.name(),
                        group(f.counts.lines)
                    );
                }
                _ => {}
            }
        }
        for f in self.per_file.iter().filter(|f| f.error.is_some()) {
            let _ = writeln!(s, "error: {}", f.error.as_deref().unwrap_or_default());
        }
        for w in &self.warnings {
            let _ = writeln!(s, "warning: {w}");
        }
        s.push_str(&render_gaps(&self.gaps));
        if let Some(timing) = timing {
            let _ = writeln!(
                s,
                "{:.3} s, {:.0} MB/s, {} events/s",
                timing.seconds,
                timing.mb_per_s,
                group(timing.events_per_s as u64)
            );
        }
        s
    }
}

/// The gaps' lines of the summary (`gap: ...`), one a gap.
pub fn render_gaps(gaps: &crate::gaps::Gaps) -> String {
    let mut s = String::new();
    for g in &gaps.found {
        let _ = writeln!(
            s,
            "gap: {} {}: no events from {} to {} ({} on days it logs; usually at most {} a day){}",
            match g.source {
                crate::gaps::Source::File => "file",
                crate::gaps::Source::System => "system",
            },
            g.name,
            g.start,
            g.end,
            duration(g.active_secs),
            duration(g.usual_secs),
            if g.trailing {
                ", then silent to the end of the logs"
            } else {
                ""
            },
        );
    }
    s
}

/// `secs` as hours and minutes (`18h10m`), or minutes under an hour.
fn duration(secs: i64) -> String {
    let (h, m) = (secs / 3600, secs % 3600 / 60);
    if h > 0 {
        format!("{h}h{m:02}m")
    } else {
        format!("{m}m")
    }
}

fn render_examples<K: Kind>(s: &mut String, examples: &[Example<K>]) {
    for ex in examples {
        let _ = writeln!(
            s,
            "  {}: {}: {}",
            ex.place(),
            ex.reason.describe(),
            ex.excerpt
        );
    }
}

/// Wall time and rates of one run: not deterministic, kept apart.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    /// Wall seconds.
    pub seconds: f64,
    /// Input megabytes (10^6) per second.
    pub mb_per_s: f64,
    /// Events per second.
    pub events_per_s: f64,
}

impl Timing {
    /// Rates of a scan of `summary` that took `seconds`.
    pub fn new(summary: &Summary, seconds: f64) -> Timing {
        let s = seconds.max(1e-9);
        Timing {
            seconds,
            mb_per_s: summary.total.bytes as f64 / 1e6 / s,
            events_per_s: summary.total.events as f64 / s,
        }
    }
}

pub use crate::finding::group;

#[cfg(test)]
mod tests {
    #[test]
    fn groups_thousands() {
        assert_eq!(super::group(0), "0");
        assert_eq!(super::group(999), "999");
        assert_eq!(super::group(1000), "1,000");
        assert_eq!(super::group(1234567), "1,234,567");
    }
}

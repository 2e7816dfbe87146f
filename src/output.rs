//! Writers: findings as a table for people, JSON lines or CSV for machines,
//! and the pseudonymiser that every output passes through when asked.

use crate::finding::{Finding, Kind, Severity, Shared};
use std::io::{self, Write};

/// Output formats of findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Aligned lines for people, ranked, colour on a terminal.
    Table,
    /// One JSON object per finding per line.
    Json,
    /// CSV with a header row.
    Csv,
}

/// Writes findings.
pub fn write(
    out: &mut dyn Write,
    findings: &[Finding],
    format: OutputFormat,
    colour: bool,
) -> io::Result<()> {
    match format {
        OutputFormat::Table => table(out, findings, colour),
        OutputFormat::Json => {
            for f in findings {
                serde_json::to_writer(&mut *out, f)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        OutputFormat::Csv => csv(out, findings),
    }
}

fn table(out: &mut dyn Write, findings: &[Finding], colour: bool) -> io::Result<()> {
    if findings.is_empty() {
        return writeln!(out, "no findings");
    }
    let paint = |s: Severity, text: &str| -> String {
        if !colour {
            return text.to_string();
        }
        let code = match s {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    };
    let width = findings
        .iter()
        .map(|f| f.identity.chars().count())
        .max()
        .unwrap_or(8)
        .min(40);
    let mut current: Option<&str> = None;
    for f in findings {
        if current != Some(f.identity.as_str()) {
            current = Some(&f.identity);
        }
        let sev = format!("{:<8}", f.severity.name());
        writeln!(
            out,
            "{} {:>3}  {:<width$}  {:<17}  {}  {}{}",
            paint(f.severity, &sev),
            f.score,
            f.identity,
            f.rule,
            f.start,
            f.message,
            if f.suppressed {
                "  [suppressed: allow-listed]"
            } else {
                ""
            },
        )?;
        if !f.evidence.samples.is_empty() {
            writeln!(
                out,
                "{:>14}{:width$}  evidence: {}",
                "",
                "",
                f.evidence.samples.join(" ")
            )?;
        }
    }
    Ok(())
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv(out: &mut dyn Write, findings: &[Finding]) -> io::Result<()> {
    writeln!(
        out,
        "rule,family,severity,score,identity,start,end,events,observed,threshold,suppressed,message,samples"
    )?;
    for f in findings {
        let cells = [
            f.rule.name().to_string(),
            f.family.name().to_string(),
            f.severity.name().to_string(),
            f.score.to_string(),
            f.identity.clone(),
            f.start.clone(),
            f.end.clone(),
            f.events.to_string(),
            f.evidence.observed.to_string(),
            f.evidence.threshold.to_string(),
            f.suppressed.to_string(),
            f.message.render(),
            f.evidence.samples.join(" "),
        ];
        let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

/// Keyed pseudonyms: the same value and key always give the same
/// pseudonym, so findings still correlate, but the value cannot be read
/// back without the key (BLAKE3 in keyed mode).
pub struct Pseudonymizer {
    key: [u8; 32],
}

impl Pseudonymizer {
    /// A pseudonymiser keyed by the contents of a key file.
    pub fn new(key_material: &[u8]) -> Pseudonymizer {
        Pseudonymizer {
            key: blake3::derive_key("scrapewatch 2026 pseudonyms v1", key_material),
        }
    }

    /// The pseudonym of `value` of a kind.
    pub fn name(&self, kind: Kind, value: &str) -> String {
        let mut h = blake3::Hasher::new_keyed(&self.key);
        h.update(kind.prefix().as_bytes());
        h.update(&[0]);
        h.update(value.as_bytes());
        let hex = h.finalize().to_hex();
        format!("{}-{}", kind.prefix(), &hex[..12])
    }

    /// Replaces every typed value of a finding that names a person or a
    /// machine: the identity, the message's values, the record range,
    /// clients' ips, a shared network and allowed accounts. Nothing is
    /// found by reading words: each value is a field of its own.
    pub fn finding(&self, f: &mut Finding) {
        f.identity = self.name(Kind::Account, &f.identity);
        f.message.map_values(|kind, v| self.name(kind, v));
        let e = &mut f.evidence;
        if let Some(r) = &mut e.records {
            r.first = self.name(Kind::Record, &r.first);
            r.last = self.name(Kind::Record, &r.last);
        }
        for c in &mut e.clients {
            c.ip = self.name(Kind::Ip, &c.ip);
        }
        if let Some(Shared::Network(n)) = &mut e.shared {
            *n = self.name(Kind::Network, n);
        }
        for a in &mut e.allowed {
            *a = self.name(Kind::Account, a);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{ClientCount, Evidence, Part, RecordRange, RuleId};
    use crate::message;
    use std::collections::BTreeMap;

    fn finding() -> Finding {
        Finding {
            rule: RuleId::SequentialRead,
            family: RuleId::SequentialRead.family(),
            severity: Severity::High,
            score: 80,
            identity: "camp-rowe-0".into(),
            start: "2025-06-03T19:00:00Z".into(),
            end: "2025-06-03T20:00:00Z".into(),
            events: 300,
            message: message!(
                "read 300 membership records in ascending id order ",
                Part::record("223456"),
                "-",
                Part::record("224100"),
                " over 1h00m (limit 200)"
            ),
            evidence: Evidence {
                records: Some(RecordRange {
                    system: "membership".into(),
                    first: "223456".into(),
                    last: "224100".into(),
                }),
                counts: BTreeMap::new(),
                samples: vec!["events.ndjson:12".into()],
                ..Evidence::new("records read in id order".into(), 300.0, 200.0)
            },
            suppressed: false,
            start_ms: 0,
            end_ms: 0,
        }
    }

    #[test]
    fn json_round_trips_and_csv_quotes() {
        let mut out = Vec::new();
        write(&mut out, &[finding()], OutputFormat::Json, false).unwrap();
        let back: Finding = serde_json::from_slice(&out).unwrap();
        assert_eq!(back.message.render(), finding().message.render());
        let mut f = finding();
        f.message = "read 1,300 records, \"quoted\"".into();
        let mut out = Vec::new();
        write(&mut out, &[f.clone()], OutputFormat::Csv, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 2);
        let cells = crate::format::csv::split_owned(text.lines().nth(1).unwrap()).unwrap();
        assert_eq!(cells.len(), 13);
        assert_eq!(cells[11], f.message.render());
    }

    #[test]
    fn pseudonyms_are_keyed_stable_and_replace_values() {
        let a = Pseudonymizer::new(b"key one");
        let b = Pseudonymizer::new(b"key two");
        let (id, ip) = (Kind::Account, Kind::Ip);
        assert_eq!(a.name(id, "alice"), a.name(id, "alice"));
        assert_ne!(a.name(id, "alice"), b.name(id, "alice"));
        assert_ne!(a.name(id, "alice"), a.name(ip, "alice"));
        let mut f = finding();
        a.finding(&mut f);
        let text = f.message.render();
        assert!(f.identity.starts_with("id-"));
        assert!(
            !text.contains("223456") && !text.contains("224100"),
            "{text}"
        );
        assert!(text.contains("rec-"));
        assert!(text.starts_with("read 300 membership records"));
        assert!(!serde_json::to_string(&f).unwrap().contains("camp-rowe"));
    }

    #[test]
    fn pseudonyms_reach_every_typed_field() {
        // Values a review found leaking: a coordinated group's network,
        // a watched record's allowed accounts, a client's ip.
        let p = Pseudonymizer::new(b"a key of sixteen bytes or more");
        let mut f = finding();
        f.rule = RuleId::Coordinated;
        f.message = message!(
            "one of 3 identities sharing ip ",
            Part::network("198.51.100.0/24"),
            "; allowed: ",
            Part::account("carol"),
        );
        f.evidence.shared = Some(Shared::Network("198.51.100.0/24".into()));
        f.evidence.allowed = vec!["carol".into()];
        f.evidence.clients = vec![ClientCount {
            ip: "203.0.113.9".into(),
            user_agent: "curl/8".into(),
            events: 4,
        }];
        p.finding(&mut f);
        let json = serde_json::to_string(&f).unwrap();
        for raw in ["198.51.100", "carol", "203.0.113.9", "223456", "camp-rowe"] {
            assert!(!json.contains(raw), "{raw} in {json}");
        }
        assert!(json.contains("net-") && json.contains("ip-") && json.contains("id-"));
    }
}

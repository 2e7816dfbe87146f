//! Writers: findings as a table for people, JSON lines or CSV for machines,
//! and the pseudonymiser that every output passes through when asked.

use crate::finding::{Finding, Severity};
use std::collections::BTreeMap;
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
            f.rule.clone(),
            f.family.clone(),
            f.severity.name().to_string(),
            f.score.to_string(),
            f.identity.clone(),
            f.start.clone(),
            f.end.clone(),
            f.events.to_string(),
            f.evidence.observed.to_string(),
            f.evidence.threshold.to_string(),
            f.suppressed.to_string(),
            f.message.clone(),
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

    /// The pseudonym of `value` of a kind (`id`, `ip`, `rec`).
    pub fn name(&self, kind: &str, value: &str) -> String {
        let mut h = blake3::Hasher::new_keyed(&self.key);
        h.update(kind.as_bytes());
        h.update(&[0]);
        h.update(value.as_bytes());
        let hex = h.finalize().to_hex();
        format!("{kind}-{}", &hex[..12])
    }

    /// Replaces identities, ips and record ids in a finding.
    pub fn finding(&self, f: &mut Finding) {
        let mut swaps: BTreeMap<String, String> = BTreeMap::new();
        swaps.insert(f.identity.clone(), self.name("id", &f.identity));
        if let Some(r) = &mut f.evidence.records {
            for v in [&mut r.first, &mut r.last] {
                let p = self.name("rec", v);
                swaps.insert(v.clone(), p.clone());
                *v = p;
            }
        }
        let counts = std::mem::take(&mut f.evidence.counts);
        for (k, v) in counts {
            // Keys like "from 1.2.3.4 curl/8" name an ip.
            let key = match k.strip_prefix("from ") {
                Some(rest) => {
                    let ip = rest.split(' ').next().unwrap_or_default().to_string();
                    let p = self.name("ip", &ip);
                    swaps.insert(ip.clone(), p.clone());
                    format!("from {p}")
                }
                None => k,
            };
            f.evidence.counts.insert(key, v);
        }
        f.identity = self.name("id", &f.identity);
        f.message = replace_tokens(&f.message, &swaps);
    }
}

/// Replaces values found in `swaps`: whole words first (identities may
/// hold punctuation), then the parts of a word split at punctuation (a
/// record range `12-40`, a list `a,b`).
fn replace_tokens(text: &str, swaps: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if let Some(p) = swaps.get(word) {
            out.push_str(p);
            continue;
        }
        let mut part = String::new();
        for c in word.chars() {
            if matches!(c, ',' | '(' | ')' | ';' | '-' | ':') {
                out.push_str(swaps.get(&part).map_or(part.as_str(), |p| p.as_str()));
                part.clear();
                out.push(c);
            } else {
                part.push(c);
            }
        }
        out.push_str(swaps.get(&part).map_or(part.as_str(), |p| p.as_str()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Evidence, RecordRange};

    fn finding() -> Finding {
        Finding {
            rule: "sequential-read".into(),
            family: "bulk-read".into(),
            severity: Severity::High,
            score: 80,
            identity: "camp-rowe-0".into(),
            start: "2025-06-03T19:00:00Z".into(),
            end: "2025-06-03T20:00:00Z".into(),
            events: 300,
            message: "read 300 membership records in ascending id order 223456-224100 over 1h00m (limit 200)".into(),
            evidence: Evidence {
                measure: "records read in id order".into(),
                observed: 300.0,
                threshold: 200.0,
                records: Some(RecordRange {
                    system: "membership".into(),
                    first: "223456".into(),
                    last: "224100".into(),
                }),
                counts: BTreeMap::new(),
                samples: vec!["events.ndjson:12".into()],
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
        assert_eq!(back.message, finding().message);
        let mut f = finding();
        f.message = "read 1,300 records, \"quoted\"".into();
        let mut out = Vec::new();
        write(&mut out, &[f.clone()], OutputFormat::Csv, false).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 2);
        let cells = crate::format::csv::split_owned(text.lines().nth(1).unwrap()).unwrap();
        assert_eq!(cells.len(), 13);
        assert_eq!(cells[11], f.message);
    }

    #[test]
    fn pseudonyms_are_keyed_stable_and_replace_values() {
        let a = Pseudonymizer::new(b"key one");
        let b = Pseudonymizer::new(b"key two");
        assert_eq!(a.name("id", "alice"), a.name("id", "alice"));
        assert_ne!(a.name("id", "alice"), b.name("id", "alice"));
        assert_ne!(a.name("id", "alice"), a.name("ip", "alice"));
        let mut f = finding();
        a.finding(&mut f);
        assert!(f.identity.starts_with("id-"));
        assert!(
            !f.message.contains("223456") && !f.message.contains("224100"),
            "{}",
            f.message
        );
        assert!(f.message.contains("rec-"));
        assert!(f.message.starts_with("read 300 membership records"));
        assert!(!serde_json::to_string(&f).unwrap().contains("camp-rowe"));
    }
}

//! Writers: findings as a table for people, JSON lines or CSV for machines,
//! the SIEM formats ([`ocsf`], [`ecs`], [`hec`], [`cef`]: one module each),
//! and the pseudonymiser that every output passes through when asked.
//! Every writer is a pure function of the findings and its [`Options`]:
//! nothing comes from the clock or the machine, so partitioned runs and
//! reruns write the same bytes.
//!
//! Log content is hostile, so every writer makes it safe where it is
//! written, whatever field it came in: text for people goes through
//! [`printable`] (control characters, bidirectional and invisible format
//! characters become visible escapes), CSV cells are also neutralised
//! against spreadsheet formulas, and JSON escapes the same characters as
//! `\uXXXX`, which keeps every value exact for a JSON reader.

use crate::finding::{Finding, FindingLine, Kind, RuleId, Severity, Shared, SCHEMA_VERSION};
use std::borrow::Cow;
use std::io::{self, Write};

pub mod cef;
pub mod ecs;
pub mod hec;
pub mod ocsf;

/// Output formats of findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Aligned lines for people, ranked, colour on a terminal.
    Table,
    /// One JSON object per finding per line.
    Json,
    /// CSV with a header row.
    Csv,
    /// OCSF Detection Finding (class 2004) JSON lines.
    Ocsf,
    /// Elastic Common Schema alert documents, one per line.
    Ecs,
    /// Splunk HTTP Event Collector envelopes, one per line.
    SplunkHec,
    /// ArcSight Common Event Format lines.
    Cef,
}

/// How the table is laid out; JSON and CSV ignore it, so machine outputs
/// never depend on the terminal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// Colour the severities (ANSI escapes).
    pub colour: bool,
    /// Columns to fit, or `None` to never wrap (not a terminal).
    pub width: Option<usize>,
}

/// What the writers need to know besides the findings. Nothing in it comes
/// from the machine: the defaults are fixed words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The table's layout.
    pub style: Style,
    /// The findings went through the [`Pseudonymizer`]: identities and ips
    /// are pseudonyms, which are not addresses, so the SIEM formats put
    /// them in string fields (a user or actor uid) and never in a field
    /// typed as an ip.
    pub pseudonymised: bool,
    /// The Splunk HEC envelope's `host`.
    pub hec_host: String,
    /// The Splunk HEC envelope's `source`.
    pub hec_source: String,
    /// Prefix each CEF line with an RFC 3164 syslog header naming this
    /// host (and the finding's time).
    pub cef_syslog_host: Option<String>,
}

/// The default `host` of a Splunk HEC envelope: a fixed word, never the
/// machine's name, so the output is the same wherever it runs.
pub const HEC_HOST: &str = "scrapewatch";
/// The default `source` of a Splunk HEC envelope.
pub const HEC_SOURCE: &str = "scrapewatch";

impl Default for Options {
    fn default() -> Options {
        Options {
            style: Style::default(),
            pseudonymised: false,
            hec_host: HEC_HOST.into(),
            hec_source: HEC_SOURCE.into(),
            cef_syslog_host: None,
        }
    }
}

/// Writes findings, with the default [`Options`] but for the table's
/// style (so ips count as plain values: see [`write_with`] for
/// pseudonymised findings).
pub fn write(
    out: &mut dyn Write,
    findings: &[Finding],
    format: OutputFormat,
    style: Style,
) -> io::Result<()> {
    let options = Options {
        style,
        ..Options::default()
    };
    write_with(out, findings, format, &options)
}

/// Writes findings in `format`, one line per finding in the machine
/// formats, in the order given.
pub fn write_with(
    out: &mut dyn Write,
    findings: &[Finding],
    format: OutputFormat,
    options: &Options,
) -> io::Result<()> {
    match format {
        OutputFormat::Table => table(out, findings, options.style),
        OutputFormat::Json => {
            for f in findings {
                write_json(&mut *out, &FindingLine::new(f))?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        OutputFormat::Csv => csv(out, findings),
        OutputFormat::Ocsf => ocsf::write(out, findings, options),
        OutputFormat::Ecs => ecs::write(out, findings, options),
        OutputFormat::SplunkHec => hec::write(out, findings, options),
        OutputFormat::Cef => cef::write(out, findings, options),
    }
}

/// The product name, vendor and version every SIEM format names.
pub(crate) const PRODUCT: &str = "scrapewatch";
/// The version the SIEM formats report for the product.
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A short title of a rule, for the SIEM formats' finding names (the rule's
/// stable name stays the id).
pub fn title(rule: RuleId) -> &'static str {
    match rule {
        RuleId::SequentialRead => "Records read in id order",
        RuleId::PagedSearch => "Search results paged through",
        RuleId::DistinctVolume => "Many distinct records read",
        RuleId::ExportVolume => "Many rows exported",
        RuleId::ByteVolume => "Many bytes served",
        RuleId::RateAbsolute => "Request rate over its limit",
        RuleId::RateBaseline => "Request rate far over the identity's own",
        RuleId::RatePeer => "Request rate far over its peers'",
        RuleId::Regularity => "Machine-like regular requests",
        RuleId::OffHours => "Activity at hours the identity does not use",
        RuleId::Embargo => "Campaign account read before its embargo ended",
        RuleId::Revoked => "Revoked account used",
        RuleId::SharedCredential => "One credential from many clients",
        RuleId::WatchedRecord => "Watched record read by someone not allowed",
        RuleId::Coordinated => "Identities that together read too much",
        RuleId::Crawl => "Many distinct pages fetched fast",
        RuleId::Probing => "Many refused or missing targets requested",
        RuleId::ServerVerdict => "Server refused or throttled a burst of requests",
        RuleId::DeclaredCrawler => "Declared crawler (not an alert)",
        RuleId::ScriptedClient => "Scripted client",
        RuleId::AgentRotation => "Many user agents from one address",
        RuleId::WatchedAgent => "User agent on the watchlist",
        RuleId::Coverage => "A block of record ids read almost whole",
        RuleId::ExportSize => "One export over its row limit",
        RuleId::DistinctBaseline => "A day of records far over the identity's own",
        RuleId::TwoPlaces => "One credential in two places at once",
    }
}

/// The finding's identity as an ip address, when it is one and may be
/// written in a field typed as an ip: never a pseudonym.
pub(crate) fn identity_ip(f: &Finding, options: &Options) -> Option<std::net::IpAddr> {
    ip(&f.identity, options)
}

/// `value` as an ip address, unless the findings are pseudonymised (a
/// pseudonym is not an address, whatever it looks like).
pub(crate) fn ip(value: &str, options: &Options) -> Option<std::net::IpAddr> {
    if options.pseudonymised {
        return None;
    }
    value.parse().ok()
}

pub use crate::escape::{is_unprintable, printable, printable_lines};

/// Writes `value` as one line of compact JSON, with the characters
/// [`printable`] escapes written as `\uXXXX` (serde_json escapes only
/// those below U+0020), so a terminal showing the file stays safe and a
/// JSON reader gets the exact value.
pub fn write_json<W: Write, T: serde::Serialize + ?Sized>(out: W, value: &T) -> io::Result<()> {
    let mut ser =
        serde_json::Serializer::with_formatter(out, SafeJson(serde_json::ser::CompactFormatter));
    value.serialize(&mut ser).map_err(io::Error::from)
}

/// `value` as indented JSON, escaped as by [`write_json`].
pub fn to_json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> io::Result<String> {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        SafeJson(serde_json::ser::PrettyFormatter::new()),
    );
    value.serialize(&mut ser).map_err(io::Error::from)?;
    // The formatter writes only what serde_json and `\u` escapes produce.
    String::from_utf8(out).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// A JSON formatter that also escapes the characters a terminal acts on or
/// reorders; the layout is the wrapped formatter's.
struct SafeJson<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for SafeJson<F> {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((i, c)) = rest.char_indices().find(|&(_, c)| is_unprintable(c)) {
            writer.write_all(&rest.as_bytes()[..i])?;
            // Every such character is in the basic plane: one `\u`.
            write!(writer, "\\u{:04x}", c as u32)?;
            rest = &rest[i + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// One finding's table cells, escaped. Widths are counted in characters
/// (a wide character counts as one; logs rarely carry them in the fields
/// shown, and a miscount only misaligns, never hides).
struct Row<'a> {
    severity: Severity,
    score: u8,
    identity: Cow<'a, str>,
    rule: Cow<'a, str>,
    start: Cow<'a, str>,
    /// The message, and the allowlist's note.
    message: String,
    samples: &'a [String],
}

impl<'a> Row<'a> {
    fn new(f: &'a Finding) -> Row<'a> {
        Row {
            severity: f.severity,
            score: f.score,
            identity: printable(&f.identity),
            rule: Cow::Borrowed(f.rule.name()),
            start: printable(&f.start),
            message: format!(
                "{}{}",
                printable(&f.message.render()),
                if f.suppressed {
                    "  [suppressed: allow-listed]"
                } else {
                    ""
                }
            ),
            samples: &f.evidence.samples,
        }
    }

    /// Severity (coloured if asked), score, identity, rule and start.
    fn head(&self, id_width: usize, colour: bool) -> String {
        let severity = format!("{:<8}", self.severity.name());
        let severity = if colour {
            let code = match self.severity {
                Severity::Critical => "1;31",
                Severity::High => "31",
                Severity::Medium => "33",
                Severity::Low => "36",
                Severity::Info => "2",
            };
            format!("\x1b[{code}m{severity}\x1b[0m")
        } else {
            severity
        };
        format!(
            "{severity} {:>3}  {:<id_width$}  {:<17}  {}",
            self.score, self.identity, self.rule, self.start
        )
    }

    /// The widest line of the one-line layout.
    fn one_line_width(&self, id_width: usize) -> usize {
        let head = 8 + 1 + 3 + 2 + chars(&self.identity).max(id_width) + 2;
        let head = head + chars(&self.rule).max(17) + 2 + chars(&self.start);
        let samples: usize = self.samples.iter().map(|s| chars(s) + 1).sum();
        let evidence = if samples == 0 {
            0
        } else {
            14 + id_width + 2 + "evidence: ".len() + samples - 1
        };
        (head + 2 + chars(&self.message)).max(evidence)
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// The table: one line per finding (and one of evidence) when every line
/// fits the width, else each finding's head on a line of its own and the
/// message and evidence below it, indented and wrapped, rather than lines
/// the terminal folds at random. Nothing is cut; JSON has the same text.
fn table(out: &mut dyn Write, findings: &[Finding], style: Style) -> io::Result<()> {
    if findings.is_empty() {
        return writeln!(out, "no findings");
    }
    let rows: Vec<Row> = findings.iter().map(Row::new).collect();
    let id_width = rows
        .iter()
        .map(|r| chars(&r.identity))
        .max()
        .unwrap_or(8)
        .min(40);
    let width = match style.width {
        Some(w) if rows.iter().any(|r| r.one_line_width(id_width) > w) => w,
        _ => {
            for r in &rows {
                writeln!(out, "{}  {}", r.head(id_width, style.colour), r.message)?;
                if !r.samples.is_empty() {
                    let samples = printable(&r.samples.join(" ")).into_owned();
                    writeln!(out, "{:>14}{:id_width$}  evidence: {samples}", "", "")?;
                }
            }
            return Ok(());
        }
    };
    // Severity, score, rule and start take 55 columns; the identity gets
    // what is left, up to its usual width.
    let id_width = id_width.min(width.saturating_sub(55));
    for r in &rows {
        writeln!(out, "{}", r.head(id_width, style.colour))?;
        wrap(out, "", &r.message, width)?;
        if !r.samples.is_empty() {
            let samples = printable(&grouped(r.samples)).into_owned();
            wrap(out, "evidence: ", &samples, width)?;
        }
    }
    Ok(())
}

/// Samples with the file named once per run of lines from it:
/// `a.log:12,13,40 b.log:7`.
fn grouped(samples: &[String]) -> String {
    let mut out = String::new();
    let mut file: Option<&str> = None;
    for s in samples {
        let split = s
            .rsplit_once(':')
            .filter(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        match split {
            Some((f, n)) if file == Some(f) => {
                out.push(',');
                out.push_str(n);
            }
            _ => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(s);
                file = split.map(|(f, _)| f);
            }
        }
    }
    out
}

/// Indent of the message and evidence lines in the wrapped table.
const INDENT: usize = 6;

/// Writes `label` and `text` as lines of at most `width` characters,
/// indented by [`INDENT`] and, after the first, by the label's width too;
/// broken at spaces, and inside a word longer than a line.
fn wrap(out: &mut dyn Write, label: &str, text: &str, width: usize) -> io::Result<()> {
    let indent = INDENT + chars(label);
    let room = width.saturating_sub(indent).max(20);
    let mut line = String::new();
    let mut used = 0;
    let mut first = true;
    let mut flush = |line: &mut String, used: &mut usize| -> io::Result<()> {
        let lead = if first { label } else { "" };
        first = false;
        writeln!(
            out,
            "{:INDENT$}{lead:<w$}{}",
            "",
            line.trim_end(),
            w = chars(label)
        )?;
        line.clear();
        *used = 0;
        Ok(())
    };
    // Pieces end at a space (dropped) or after a comma (kept, and the next
    // piece follows without a space): grouped samples have no spaces.
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        for (i, piece) in word.split_inclusive(',').enumerate() {
            let gap = usize::from(i == 0 && used > 0);
            let n = chars(piece);
            if used > 0 && used + gap + n > room {
                flush(&mut line, &mut used)?;
            } else if gap == 1 {
                line.push(' ');
                used += 1;
            }
            push_broken(&mut line, &mut used, piece, room, &mut flush)?;
        }
    }
    if used > 0 || text.is_empty() {
        flush(&mut line, &mut used)?;
    }
    Ok(())
}

/// Appends `piece` to `line`, starting a new line whenever it is full.
fn push_broken(
    line: &mut String,
    used: &mut usize,
    piece: &str,
    room: usize,
    flush: &mut impl FnMut(&mut String, &mut usize) -> io::Result<()>,
) -> io::Result<()> {
    for c in piece.chars() {
        if *used == room {
            flush(line, used)?;
        }
        line.push(c);
        *used += 1;
    }
    Ok(())
}

/// A CSV cell of text: escaped as for people (so a cell is never more
/// than one line and a terminal showing the file stays safe), then
/// neutralised against formula injection: a cell that begins with a
/// character a spreadsheet reads as the start of a formula (`= + - @`, tab,
/// carriage return, and their full-width forms) gets a leading `'`, as
/// OWASP advises, which spreadsheets show as text. Applied to every text
/// cell; numbers we compute are written as numbers (see [`csv`]).
fn csv_text(s: &str) -> String {
    let s = printable(s);
    let formula = s.starts_with([
        '=', '+', '-', '@', '\t', '\r', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
    ]);
    let s = if formula {
        Cow::Owned(format!("'{s}"))
    } else {
        s
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// Writes the CSV: every row leads with the [`SCHEMA_VERSION`] (rows are
/// cut, concatenated and imported without their header, so the version
/// travels with each), text cells through [`csv_text`], the numeric cells
/// (score, events, observed, threshold) and the boolean as they are, since
/// they are ours and not log content, and a negative number must stay a
/// number.
fn csv(out: &mut dyn Write, findings: &[Finding]) -> io::Result<()> {
    writeln!(
        out,
        "schema_version,id,rule,family,severity,score,identity,start,end,events,observed,threshold,suppressed,message,samples"
    )?;
    for f in findings {
        let cells = [
            SCHEMA_VERSION.to_string(),
            csv_text(&f.id),
            csv_text(f.rule.name()),
            csv_text(f.family.name()),
            csv_text(f.severity.name()),
            f.score.to_string(),
            csv_text(&f.identity),
            csv_text(&f.start),
            csv_text(&f.end),
            f.events.to_string(),
            f.evidence.observed.to_string(),
            f.evidence.threshold.to_string(),
            f.suppressed.to_string(),
            csv_text(&f.message.render()),
            csv_text(&f.evidence.samples.join(" ")),
        ];
        writeln!(out, "{}", cells.join(","))?;
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
        // The id is keyed too: a plain hash of (rule, identity, start)
        // could be recomputed for every guessed identity.
        f.id = Finding::stable_id(f.rule, &f.identity, f.start_ms, Some(&self.key));
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
        match &mut e.shared {
            Some(Shared::Network(n)) | Some(Shared::NetworkAgent { network: n, .. }) => {
                *n = self.name(Kind::Network, n);
            }
            _ => {}
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
            id: String::new(),
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
            reported_before: None,
            start_ms: 0,
            end_ms: 0,
        }
    }

    #[test]
    fn json_round_trips_and_csv_quotes() {
        let mut out = Vec::new();
        write(&mut out, &[finding()], OutputFormat::Json, Style::default()).unwrap();
        let back: Finding = serde_json::from_slice(&out).unwrap();
        assert_eq!(back.message.render(), finding().message.render());
        let mut f = finding();
        f.message = "read 1,300 records, \"quoted\"".into();
        let mut out = Vec::new();
        write(&mut out, &[f.clone()], OutputFormat::Csv, Style::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), 2);
        let cells = crate::format::csv::split_owned(text.lines().nth(1).unwrap()).unwrap();
        assert_eq!(cells.len(), 15);
        assert_eq!(cells[0], SCHEMA_VERSION.to_string());
        assert_eq!(cells[13], f.message.render());
    }

    #[test]
    fn printable_escapes_controls_bidi_and_invisibles_only() {
        assert!(matches!(printable("CORP\\alice é"), Cow::Borrowed(_)));
        assert_eq!(
            printable("a\u{1b}[31mb\u{7}\tc\nd\u{7f}\u{9b}e"),
            "a\\x1b[31mb\\x07\\x09c\\x0ad\\x7f\\x9be"
        );
        assert_eq!(
            printable("x\u{202e}y\u{2066}z\u{200b}w\u{feff}"),
            "x\\u{202e}y\\u{2066}z\\u{200b}w\\u{feff}"
        );
        let once = printable("\u{1b}\u{202a}").into_owned();
        assert_eq!(printable(&once), once);
        assert_eq!(printable_lines("a\u{1b}\nb"), "a\\x1b\nb");
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw_and_keeps_values() {
        let mut f = finding();
        f.identity = "a\u{7f}b\u{9b}c\u{202e}d\u{1b}é".into();
        let mut out = Vec::new();
        write(&mut out, &[f.clone()], OutputFormat::Json, Style::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(r"a\u007fb\u009bc\u202ed\u001bé"), "{text}");
        assert!(!text.trim_end().chars().any(is_unprintable));
        // (A message reads back as plain text: its parts' kinds are not
        // written.)
        let same = |mut back: Finding| {
            assert_eq!(back.message.render(), f.message.render());
            back.message = f.message.clone();
            assert_eq!(back, f);
        };
        same(serde_json::from_str(&text).unwrap());
        let pretty = to_json_pretty(&f).unwrap();
        assert!(!pretty.chars().any(|c| c != '\n' && is_unprintable(c)));
        same(serde_json::from_str::<Finding>(&pretty).unwrap());
        assert_eq!(
            pretty,
            serde_json::to_string_pretty(&f)
                .unwrap()
                .replace('\u{7f}', r"\u007f")
                .replace('\u{9b}', r"\u009b")
                .replace('\u{202e}', r"\u202e")
        );
    }

    #[test]
    fn csv_neutralises_text_cells_but_not_numbers() {
        let mut f = finding();
        f.identity = "=cmd".into();
        f.message = "-1 records".into();
        f.evidence.observed = -1.5;
        f.evidence.samples = vec!["@x:1".into()];
        let mut out = Vec::new();
        write(&mut out, &[f], OutputFormat::Csv, Style::default()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let cells = crate::format::csv::split_owned(text.lines().nth(1).unwrap()).unwrap();
        assert_eq!(cells[6], "'=cmd");
        assert_eq!(cells[10], "-1.5");
        assert_eq!(cells[13], "'-1 records");
        assert_eq!(cells[14], "'@x:1");
    }

    #[test]
    fn the_table_wraps_to_the_width_and_keeps_every_word() {
        let mut f = finding();
        f.evidence.samples = (1..=5).map(|n| format!("events.ndjson:{n}")).collect();
        let render = |width| {
            let mut out = Vec::new();
            let style = Style {
                colour: false,
                width,
            };
            write(&mut out, &[f.clone()], OutputFormat::Table, style).unwrap();
            String::from_utf8(out).unwrap()
        };
        let wide = render(None);
        // The one-line layout, byte for byte as before the terminal width
        // was known: a pipe or a file gets it.
        assert_eq!(
            wide,
            "high      80  camp-rowe-0  sequential-read    2025-06-03T19:00:00Z  \
             read 300 membership records in ascending id order 223456-224100 over 1h00m (limit 200)\n              \
             \x20            evidence: events.ndjson:1 events.ndjson:2 events.ndjson:3 events.ndjson:4 events.ndjson:5\n"
        );
        assert_eq!(render(Some(500)), wide, "a line that fits is not wrapped");
        let narrow = render(Some(70));
        assert!(narrow.lines().all(|l| l.chars().count() <= 70), "{narrow}");
        assert!(
            narrow.contains("evidence: events.ndjson:1,2,3,4,5"),
            "{narrow}"
        );
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words(&narrow).contains(&f.message.render()), "{narrow}");
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

//! Line formats. A [`Parser`] turns one line into a [`Raw`] event: the
//! twelve fields as borrowed, still-escaped [`Text`], or a rejection
//! [`Reason`]. Parsers know nothing of identities, interning or detectors;
//! the batch builder does that, the same way for every format.

pub mod alb;
pub mod clf;
pub mod csv;
pub mod jsondoc;
pub mod ndjson;
pub mod preset;
pub mod settings;
pub mod url;
pub mod w3c;
pub mod wrap;

pub use wrap::Wrapper;

use crate::tally::Reason;
use settings::InputConfig;

/// A line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One JSON object per line.
    Ndjson,
    /// Comma- or tab-separated values with a header row.
    Csv,
    /// Apache/nginx common or combined log format.
    Clf,
    /// W3C extended log format (IIS, CloudFront), driven by `#Fields:`.
    W3c,
    /// AWS Application Load Balancer access logs.
    Alb,
    /// Zeek TSV logs (`http.log`), driven by `#fields`.
    #[serde(rename = "zeek-tsv")]
    ZeekTsv,
    /// A JSON document holding an array of events (`{"Records":[...]}`
    /// or `[...]`), each element read like an NDJSON line.
    #[serde(rename = "json-document")]
    JsonDocument,
    /// Apache Parquet: rows of columns, read by row group.
    Parquet,
    /// Apache Arrow IPC file.
    Arrow,
}

impl Format {
    /// The format named by `--format` / `input.format`; `None` for `auto`.
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "ndjson" | "json" => Some(Format::Ndjson),
            "csv" | "tsv" => Some(Format::Csv),
            "clf" => Some(Format::Clf),
            "w3c" => Some(Format::W3c),
            "alb" => Some(Format::Alb),
            "zeek-tsv" => Some(Format::ZeekTsv),
            "json-document" => Some(Format::JsonDocument),
            "parquet" => Some(Format::Parquet),
            "arrow" => Some(Format::Arrow),
            _ => None,
        }
    }

    /// The format's name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
            Format::Clf => "clf",
            Format::W3c => "w3c",
            Format::Alb => "alb",
            Format::ZeekTsv => "zeek-tsv",
            Format::JsonDocument => "json-document",
            Format::Parquet => "parquet",
            Format::Arrow => "arrow",
        }
    }

    /// Whether the format is read as records rather than lines (a JSON
    /// document's elements, a Parquet or Arrow file's rows): not by the
    /// line sniffer or splitter.
    pub fn is_records(self) -> bool {
        matches!(self, Format::JsonDocument | Format::Parquet | Format::Arrow)
    }

    /// The record formats told by a file's first bytes: Parquet's and
    /// Arrow's magic, or the start of a JSON document whose array of
    /// events is under `key` ([`jsondoc::detect`]).
    pub fn detect_records(head: &[u8], key: &str) -> Option<Format> {
        if head.starts_with(b"PAR1") {
            Some(Format::Parquet)
        } else if head.starts_with(b"ARROW1") {
            Some(Format::Arrow)
        } else if jsondoc::detect(head, key) {
            Some(Format::JsonDocument)
        } else {
            None
        }
    }

    /// Every format, in the order `--format` lists them.
    pub const ALL: [Format; 9] = [
        Format::Ndjson,
        Format::Csv,
        Format::Clf,
        Format::W3c,
        Format::Alb,
        Format::ZeekTsv,
        Format::JsonDocument,
        Format::Parquet,
        Format::Arrow,
    ];

    /// Whether directives in the file (`#Fields:`, `#fields`, `#Date:`)
    /// change how the lines after them read.
    pub fn has_directives(self) -> bool {
        matches!(self, Format::W3c | Format::ZeekTsv)
    }

    /// Guesses the format from a file's first non-blank line.
    pub fn detect(line: &[u8]) -> Option<Format> {
        let line = trim(line);
        if line.first() == Some(&b'{') {
            Some(Format::Ndjson)
        } else if alb::looks_like(line) {
            Some(Format::Alb)
        } else if memchr::memmem::find(line, b" [").is_some()
            && memchr::memmem::find(line, b"] \"").is_some()
        {
            Some(Format::Clf)
        } else if memchr::memchr2(b',', b'\t', line).is_some() {
            Some(Format::Csv)
        } else {
            None
        }
    }

    /// Whether the format's first non-blank line is a header.
    pub fn has_header(self) -> bool {
        self == Format::Csv
    }

    /// Whether a line starting with `#` is a comment wherever it stands.
    /// Before a CSV header it is; after it, it is a record (a first column
    /// may begin with `#`).
    pub fn has_comments(self) -> bool {
        self != Format::Csv
    }
}

/// Data lines (not blank, not comments) the sniffer looks at.
pub const SNIFF_LINES: usize = 32;
/// Bytes after the end of the first data line within which the sniffer
/// looks at further lines. A bound in bytes, not only in lines, so a
/// streamed file needs no more than this buffered before it is parsed, and
/// sees the same lines as a mapped one.
pub const SNIFF_BYTES: usize = 64 << 10;

/// Whether `line` is a comment or directive (`#...`, such as W3C's
/// `#Fields:` or a test log's `# failJSON:`).
#[inline]
pub fn is_comment(line: &[u8]) -> bool {
    line.trim_ascii_start().first() == Some(&b'#')
}

/// What a file holds: the wrapper around each line and the format of what
/// is inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// The line format (of the payload, when wrapped).
    pub format: Format,
    /// The container runtime's wrapper, if any.
    pub wrapper: Wrapper,
}

/// Decides a file's wrapper and format from a sample of its data lines
/// (the first [`SNIFF_LINES`], blank and comment lines left out): the
/// wrapper most lines have, then the format most of their payloads have,
/// ties going to the earlier line. One odd line (a banner, a truncated
/// first record) no longer decides for the whole file. `forced` fixes the
/// format; the wrapper is still found. `None`: no line looked like any
/// format.
pub fn sniff(sample: &[&[u8]], forced: Option<Format>) -> Option<Kind> {
    let docker = wrap::Docker::default();
    let mut scratch = Vec::new();
    let wrapper_of = |line: &[u8]| {
        if wrap::cri(line).is_some() {
            Wrapper::Cri
        } else if line.first() == Some(&b'{') && docker.split(line).is_some() {
            Wrapper::Docker
        } else {
            Wrapper::None
        }
    };
    let wrappers: Vec<Wrapper> = sample.iter().map(|l| wrapper_of(trim(l))).collect();
    let wrapper = majority(wrappers.iter().copied())?;
    if let Some(format) = forced {
        return Some(Kind { format, wrapper });
    }
    let formats = sample
        .iter()
        .zip(&wrappers)
        .filter(|(_, w)| **w == wrapper)
        .filter_map(|(line, _)| {
            let line = trim(line);
            let payload = match wrapper {
                Wrapper::None => line,
                Wrapper::Cri => wrap::cri(line)?.payload,
                Wrapper::Docker => wrap::docker_payload(docker.split(line)?.log, &mut scratch),
            };
            // A wrapped payload cannot be CSV: it would need a header.
            Format::detect(payload).filter(|f| wrapper == Wrapper::None || *f != Format::Csv)
        });
    let format = majority(formats)?;
    Some(Kind { format, wrapper })
}

/// The most frequent item, ties to the earliest; `None` when empty.
fn majority<T: PartialEq + Copy>(items: impl Iterator<Item = T>) -> Option<T> {
    let mut tally: Vec<(T, usize)> = Vec::new();
    for item in items {
        match tally.iter_mut().find(|(t, _)| *t == item) {
            Some((_, n)) => *n += 1,
            None => tally.push((item, 1)),
        }
    }
    let best = tally.iter().map(|(_, n)| *n).max()?;
    tally.into_iter().find(|(_, n)| *n == best).map(|(t, _)| t)
}

/// The fields a line can carry, in the order of `Fields::names`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Field {
    Ts,
    Account,
    Ip,
    System,
    Action,
    Record,
    Page,
    Rows,
    Bytes,
    Status,
    Session,
    UserAgent,
    /// A request URL (path and query, or absolute): record, action,
    /// system and page are derived from it when the line gives neither
    /// record nor action ([`url`]).
    Url,
    /// The `X-Forwarded-For` header: the client behind a trusted proxy.
    ForwardedFor,
}

impl Field {
    /// All fields, in configuration order.
    pub const ALL: [Field; 14] = [
        Field::Ts,
        Field::Account,
        Field::Ip,
        Field::System,
        Field::Action,
        Field::Record,
        Field::Page,
        Field::Rows,
        Field::Bytes,
        Field::Status,
        Field::Session,
        Field::UserAgent,
        Field::Url,
        Field::ForwardedFor,
    ];
}

/// How a [`Text`] is escaped in its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escape {
    /// Verbatim.
    None,
    /// JSON string escapes (`\"`, `\\`, `\n`, `\u00e9`, ...).
    Json,
    /// CSV doubled quotes (`""`).
    Csv,
    /// Backslash escapes of the combined log format (`\"`, `\\`).
    Backslash,
    /// `+` for a space (IIS's user agents).
    Plus,
    /// A JSON array, verbatim: its element count is the value (the rows
    /// of Dataverse's `QueryResults`); only [`Field::Rows`] takes one.
    Array,
}

/// A field's bytes as they stand in the line.
#[derive(Debug, Clone, Copy)]
pub struct Text<'a> {
    /// The bytes between the quotes (or the bare value).
    pub bytes: &'a [u8],
    /// How they are escaped.
    pub escape: Escape,
}

impl<'a> Text<'a> {
    /// Verbatim text.
    pub fn plain(bytes: &'a [u8]) -> Text<'a> {
        Text {
            bytes,
            escape: Escape::None,
        }
    }

    /// The unescaped bytes: borrowed when nothing needs unescaping (the
    /// common case), else written into `scratch`.
    #[inline(always)]
    pub fn decode<'s>(&self, scratch: &'s mut Vec<u8>) -> &'s [u8]
    where
        'a: 's,
    {
        match self.escape {
            Escape::None | Escape::Array => self.bytes,
            _ => self.unescape(scratch),
        }
    }

    /// [`Text::decode`] of escaped text, off the common path (inlined,
    /// the whole of it made every field's decode a call).
    #[inline(never)]
    fn unescape<'s>(&self, scratch: &'s mut Vec<u8>) -> &'s [u8]
    where
        'a: 's,
    {
        match self.escape {
            Escape::None | Escape::Array => self.bytes,
            Escape::Json => {
                scratch.clear();
                ndjson::unescape(self.bytes, scratch);
                scratch
            }
            Escape::Csv => {
                scratch.clear();
                let mut rest = self.bytes;
                while let Some(q) = memchr::memchr(b'"', rest) {
                    scratch.extend_from_slice(&rest[..=q]);
                    rest = rest.get(q + 2..).unwrap_or_default();
                }
                scratch.extend_from_slice(rest);
                scratch
            }
            Escape::Backslash => {
                scratch.clear();
                let mut rest = self.bytes;
                while let Some(b) = memchr::memchr(b'\\', rest) {
                    scratch.extend_from_slice(&rest[..b]);
                    if let Some(&c) = rest.get(b + 1) {
                        scratch.push(c);
                    }
                    rest = rest.get(b + 2..).unwrap_or_default();
                }
                scratch.extend_from_slice(rest);
                scratch
            }
            Escape::Plus => {
                scratch.clear();
                scratch.extend(self.bytes.iter().map(|&b| if b == b'+' { b' ' } else { b }));
                scratch
            }
        }
    }
}

/// One parsed line: each field's text, if present.
#[derive(Debug, Default, Clone, Copy)]
pub struct Raw<'a> {
    fields: [Option<Text<'a>>; 14],
}

impl<'a> Raw<'a> {
    /// Clears every field.
    pub fn clear(&mut self) {
        self.fields = [None; 14];
    }

    /// Sets a field.
    #[inline]
    pub fn set(&mut self, field: Field, text: Text<'a>) {
        self.fields[field as usize] = Some(text);
    }

    /// Clears one field.
    #[inline]
    pub fn clear_field(&mut self, field: Field) {
        self.fields[field as usize] = None;
    }

    /// A field's text; `None` when absent, empty or `-`.
    #[inline]
    pub fn get(&self, field: Field) -> Option<Text<'a>> {
        self.fields[field as usize].filter(|t| !t.bytes.is_empty() && t.bytes != b"-")
    }
}

/// One of the line parsers, configured for one file.
enum Lines {
    Ndjson(ndjson::Parser),
    Csv(csv::Parser),
    Clf(Box<clf::Parser>),
    W3c(w3c::Parser),
    Alb,
}

/// A file's parser: its line format, and the container wrapper around
/// each line if any.
pub struct Parser {
    lines: Lines,
    format: Format,
    wrapper: Wrapper,
    docker: wrap::Docker,
    url: url::Rules,
    /// Whether lines may carry a `url` field (decided once per file).
    maps_url: bool,
    /// The day of each line's time of day, when its time is only that
    /// (W3C's `time` without `date`, dated by `#Date:`).
    day: Option<crate::time::Millis>,
}

impl Parser {
    /// A parser for `format`; CSV needs the file's header line, W3C its
    /// `#Fields:` directive (`None` before any) and its first data line
    /// (tab- or space-separated).
    pub fn new(
        format: Format,
        input: &InputConfig,
        header: Option<&[u8]>,
    ) -> std::result::Result<Parser, String> {
        let lines = match format {
            // A JSON document's elements are NDJSON objects; a Parquet or
            // Arrow file's parser only derives URLs (its columns are read
            // elsewhere).
            Format::Ndjson | Format::JsonDocument | Format::Parquet | Format::Arrow => {
                Lines::Ndjson(ndjson::Parser::new(&input.fields))
            }
            Format::Csv => Lines::Csv(csv::Parser::new(
                &input.fields,
                header.ok_or("a CSV file needs a header row")?,
            )?),
            Format::Clf => Lines::Clf(Box::new(clf::Parser::new(
                &input.clf,
                !input.trusted_proxies.is_empty(),
            )?)),
            Format::W3c | Format::ZeekTsv => Lines::W3c(w3c::Parser::new(header, false)),
            Format::Alb => Lines::Alb,
        };
        let maps_url = match &lines {
            Lines::Ndjson(_) => true,
            Lines::Csv(p) => p.maps(Field::Url),
            Lines::Clf(_) | Lines::W3c(_) | Lines::Alb => false,
        };
        Ok(Parser {
            lines,
            format,
            wrapper: Wrapper::None,
            docker: wrap::Docker::default(),
            url: url::Rules::new(&input.clf)?,
            maps_url,
            day: None,
        })
    }

    /// The W3C or Zeek parser for the lines after a later directive
    /// (`#Fields:`, `#fields`, `#Date:`); `tabs`: the lines are
    /// tab-separated. `None` for other formats and other lines.
    pub fn with_directive(&self, directive: &[u8], tabs: bool) -> Option<Parser> {
        let Lines::W3c(current) = &self.lines else {
            return None;
        };
        let next = current.with_directive(directive, tabs)?;
        let format = match next.dialect() {
            w3c::Dialect::W3c => Format::W3c,
            w3c::Dialect::Zeek => Format::ZeekTsv,
        };
        Some(Parser {
            day: next.time_only_date(),
            lines: Lines::W3c(next),
            format,
            wrapper: self.wrapper,
            docker: wrap::Docker::default(),
            url: self.url.clone(),
            maps_url: false,
        })
    }

    /// The day a line's time of day is on (see [`crate::time::on_day`]),
    /// when the format gives only times of day; `None` for full times.
    #[inline]
    pub fn day(&self) -> Option<crate::time::Millis> {
        self.day
    }

    /// The format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Whether W3C lines are tab-separated (CloudFront) rather than
    /// space-separated (IIS).
    pub fn tabs(&self) -> bool {
        matches!(&self.lines, Lines::W3c(p) if p.tabs())
    }

    /// The same parser for lines inside `wrapper`.
    pub fn wrapped(self, wrapper: Wrapper) -> Parser {
        Parser { wrapper, ..self }
    }

    /// The wrapper around each line.
    #[inline]
    pub fn wrapper(&self) -> Wrapper {
        self.wrapper
    }

    /// The Docker json-file reader.
    pub fn docker(&self) -> &wrap::Docker {
        &self.docker
    }

    /// Derives record, action, system and page from a `url` field (see
    /// [`Field::Url`]), once the line is parsed.
    #[inline]
    pub fn derive_url<'a>(&'a self, target: &'a [u8], raw: &mut Raw<'a>) {
        self.url.derive(None, target, raw);
    }

    /// Whether lines may carry a `url` field to derive from (NDJSON, and
    /// CSV with a url column); combined log and W3C derive their own.
    #[inline]
    pub fn maps_url(&self) -> bool {
        self.maps_url
    }

    /// Whether a `#` line is a comment (see [`Format::has_comments`]).
    #[inline]
    pub fn comments(&self) -> bool {
        self.format.has_comments()
    }

    /// Parses one line, or one wrapper's payload (without its line
    /// ending), into `raw`, which must be empty (`Raw::default()`, or
    /// [`Raw::clear`]ed): it is not cleared again here, since zeroing its
    /// fourteen fields twice a line is measurable on the hot path.
    #[inline]
    pub fn parse<'a>(&'a self, line: &'a [u8], raw: &mut Raw<'a>) -> Result<(), Reason> {
        match &self.lines {
            Lines::Ndjson(p) => p.parse(line, raw),
            Lines::Csv(p) => p.parse(line, raw),
            Lines::Clf(p) => p.parse(line, raw),
            Lines::W3c(p) => p.parse(&self.url, line, raw),
            Lines::Alb => alb::parse(&self.url, line, raw),
        }
    }
}

/// Trims ASCII spaces, tabs and carriage returns from both ends.
pub fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t' | b'\r', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t' | b'\r'] = s {
        s = rest;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats() {
        assert_eq!(Format::detect(b"  {\"ts\":1}"), Some(Format::Ndjson));
        assert_eq!(Format::detect(b"ts,account,ip"), Some(Format::Csv));
        assert_eq!(Format::detect(b"ts\taccount"), Some(Format::Csv));
        assert_eq!(
            Format::detect(b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326"),
            Some(Format::Clf)
        );
        assert_eq!(Format::detect(b"hello"), None);
        let alb = br#"h2 2025-06-02T18:00:00.000001Z app/lb/1 203.0.113.7:1 10.0.0.1:80 0 0 0 200 200 1 1 "GET https://h/ HTTP/2.0" "a, b" - -"#;
        assert_eq!(Format::detect(alb), Some(Format::Alb));
        for f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(f));
        }
    }

    fn kind(format: Format, wrapper: Wrapper) -> Option<Kind> {
        Some(Kind { format, wrapper })
    }

    #[test]
    fn sniffs_the_majority_of_lines() {
        let clf = &b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326"[..];
        // An odd first line (a banner with a comma) does not decide.
        assert_eq!(
            sniff(&[b"log started, v2", clf, clf], None),
            kind(Format::Clf, Wrapper::None)
        );
        assert_eq!(sniff(&[b"hello", b"world"], None), None);
        assert_eq!(sniff(&[], None), None);
        // Ties go to the earlier line.
        assert_eq!(
            sniff(&[b"{\"a\":1}", b"a,b"], None),
            kind(Format::Ndjson, Wrapper::None)
        );
        let cri = &b"2025-12-31T17:40:00.000000100+01:00 stdout F {\"ts\":1, \"a\":2}"[..];
        assert_eq!(sniff(&[cri, cri], None), kind(Format::Ndjson, Wrapper::Cri));
        let docker = &br#"{"log":"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 1\n","stream":"stdout","time":"2025-01-01T00:00:00Z"}"#[..];
        assert_eq!(sniff(&[docker], None), kind(Format::Clf, Wrapper::Docker));
        assert_eq!(
            sniff(&[docker], Some(Format::Ndjson)),
            kind(Format::Ndjson, Wrapper::Docker)
        );
        assert!(is_comment(b"  # failJSON: {}"));
        assert!(!is_comment(b"a#b"));
    }

    #[test]
    fn decodes_escapes() {
        let mut s = Vec::new();
        let t = Text {
            bytes: br#"a""b"#,
            escape: Escape::Csv,
        };
        assert_eq!(t.decode(&mut s), b"a\"b");
        let t = Text {
            bytes: br#"Mozilla \"X\" \\"#,
            escape: Escape::Backslash,
        };
        assert_eq!(t.decode(&mut s), b"Mozilla \"X\" \\");
    }
}

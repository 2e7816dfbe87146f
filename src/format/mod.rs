//! Line formats. A [`Parser`] turns one line into a [`Raw`] event: the
//! twelve fields as borrowed, still-escaped [`Text`], or a rejection
//! [`Reason`]. Parsers know nothing of identities, interning or detectors;
//! the batch builder does that, the same way for every format.

pub mod clf;
pub mod csv;
pub mod ndjson;

use crate::config::Config;
use crate::tally::Reason;

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
}

impl Format {
    /// The format named by `--format` / `input.format`; `None` for `auto`.
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "ndjson" | "json" => Some(Format::Ndjson),
            "csv" | "tsv" => Some(Format::Csv),
            "clf" => Some(Format::Clf),
            _ => None,
        }
    }

    /// The format's name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
            Format::Clf => "clf",
        }
    }

    /// Guesses the format from a file's first non-blank line.
    pub fn detect(line: &[u8]) -> Option<Format> {
        let line = trim(line);
        if line.first() == Some(&b'{') {
            Some(Format::Ndjson)
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
}

/// The event fields a line can carry, in the order of `Fields::names`.
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
}

impl Field {
    /// All fields, in configuration order.
    pub const ALL: [Field; 12] = [
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
    pub fn decode<'s>(&self, scratch: &'s mut Vec<u8>) -> &'s [u8]
    where
        'a: 's,
    {
        match self.escape {
            Escape::None => self.bytes,
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
        }
    }
}

/// One parsed line: each field's text, if present.
#[derive(Debug, Default, Clone, Copy)]
pub struct Raw<'a> {
    fields: [Option<Text<'a>>; 12],
}

impl<'a> Raw<'a> {
    /// Clears every field.
    pub fn clear(&mut self) {
        self.fields = [None; 12];
    }

    /// Sets a field.
    #[inline]
    pub fn set(&mut self, field: Field, text: Text<'a>) {
        self.fields[field as usize] = Some(text);
    }

    /// A field's text; `None` when absent, empty or `-`.
    #[inline]
    pub fn get(&self, field: Field) -> Option<Text<'a>> {
        self.fields[field as usize].filter(|t| !t.bytes.is_empty() && t.bytes != b"-")
    }
}

/// One of the three line parsers, configured for one file.
pub enum Parser {
    /// NDJSON.
    Ndjson(ndjson::Parser),
    /// CSV/TSV (bound to the file's header).
    Csv(csv::Parser),
    /// Combined log format.
    Clf(Box<clf::Parser>),
}

impl Parser {
    /// A parser for `format`; CSV needs the file's header line.
    pub fn new(
        format: Format,
        config: &Config,
        header: Option<&[u8]>,
    ) -> std::result::Result<Parser, String> {
        Ok(match format {
            Format::Ndjson => Parser::Ndjson(ndjson::Parser::new(&config.input.fields)),
            Format::Csv => Parser::Csv(csv::Parser::new(
                &config.input.fields,
                header.ok_or("a CSV file needs a header row")?,
            )?),
            Format::Clf => Parser::Clf(Box::new(clf::Parser::new(&config.input.clf)?)),
        })
    }

    /// Parses one line (without its line ending) into `raw`.
    #[inline]
    pub fn parse<'a>(&'a self, line: &'a [u8], raw: &mut Raw<'a>) -> Result<(), Reason> {
        raw.clear();
        match self {
            Parser::Ndjson(p) => p.parse(line, raw),
            Parser::Csv(p) => p.parse(line, raw),
            Parser::Clf(p) => p.parse(line, raw),
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

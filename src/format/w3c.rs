//! W3C extended log format (IIS, CloudFront, and others): the
//! `#Fields:` directive names the columns of the lines after it, which are
//! separated by spaces (IIS) or tabs (CloudFront); `-` is an empty value
//! and a value may be double-quoted (IIS advanced logging). Columns map by
//! name: `date` and `time` (adjacent, as every writer puts them) make the
//! event time, UTC; `c-ip` the ip; `cs-username` the account;
//! `cs(User-Agent)` the user agent (in space-separated logs, where IIS
//! writes `+` for a space, `+` is read as a space); `sc-status`,
//! `sc-bytes`; and `cs-method`, `cs-uri-stem` and `cs-uri-query` give
//! system, action, record and page by the shared URL rules
//! ([`super::url`]). Directives are comment lines. A `#Fields:` directive
//! later in the file governs the lines after it: the scan driver builds
//! one parser per directive (see `scan.rs`).

use super::{url, Escape, Field, Raw, Text};
use crate::tally::Reason;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Date,
    Time,
    Field(Field),
    Method,
    Stem,
    Query,
    Skip,
}

/// A W3C parser bound to one `#Fields:` directive.
pub struct Parser {
    columns: Vec<Column>,
    delimiter: u8,
    /// Where the date column is, and whether the time column follows it.
    dated: Option<usize>,
}

/// The directive's prefix.
pub const FIELDS: &[u8] = b"#Fields:";

/// Whether `line` is a `#Fields:` directive.
pub fn is_fields(line: &[u8]) -> bool {
    line.trim_ascii_start().starts_with(FIELDS)
}

/// The offsets of the `#Fields:` directives that start a line in `bytes`.
pub fn directives(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memmem::find_iter(bytes, FIELDS).filter(move |&at| at == 0 || bytes[at - 1] == b'\n')
}

impl Parser {
    /// Binds the columns named by `directive` (a `#Fields:` line; `None`
    /// before any: then every data line is rejected). `tabs`: the lines
    /// are tab-separated.
    pub fn new(directive: Option<&[u8]>, tabs: bool) -> Parser {
        let names = directive
            .map(|d| {
                let d = d.trim_ascii_start();
                d.get(FIELDS.len()..).unwrap_or_default()
            })
            .unwrap_or_default();
        let columns: Vec<Column> = names
            .split(|&b| b == b' ' || b == b'\t' || b == b'\r')
            .filter(|n| !n.is_empty())
            .map(column)
            .collect();
        let date = columns.iter().position(|c| *c == Column::Date);
        let time = columns.iter().position(|c| *c == Column::Time);
        let dated = match (date, time) {
            (Some(d), Some(t)) if t == d + 1 => Some(d),
            _ => None,
        };
        Parser {
            columns,
            delimiter: if tabs { b'\t' } else { b' ' },
            dated,
        }
    }

    /// Whether the lines are tab-separated.
    pub fn tabs(&self) -> bool {
        self.delimiter == b'\t'
    }

    /// Parses one line.
    pub fn parse<'a>(
        &self,
        url: &'a url::Rules,
        line: &'a [u8],
        raw: &mut Raw<'a>,
    ) -> Result<(), Reason> {
        if self.columns.is_empty() {
            return Err(Reason::W3cNoFields);
        }
        let mut rest = Some(line);
        let mut method = None;
        let mut stem: &[u8] = b"";
        let mut query: &[u8] = b"";
        let mut time_only = None;
        let mut date_start = None;
        for (i, col) in self.columns.iter().enumerate() {
            let (text, start) = self.cell(line, &mut rest).ok_or(Reason::W3cColumns)?;
            match col {
                Column::Date => date_start = Some(start),
                Column::Time => {
                    if let (Some(d), true) = (date_start, self.dated == Some(i - 1)) {
                        // `date time`: adjacent in the line, one span.
                        let end = start + text.bytes.len();
                        raw.set(Field::Ts, Text::plain(&line[d..end]));
                    } else {
                        time_only = Some(text);
                    }
                }
                Column::Field(Field::UserAgent) if self.delimiter == b' ' => {
                    let escape = if memchr::memchr(b'+', text.bytes).is_some() {
                        Escape::Plus
                    } else {
                        text.escape
                    };
                    raw.set(
                        Field::UserAgent,
                        Text {
                            bytes: text.bytes,
                            escape,
                        },
                    );
                }
                Column::Field(f) => raw.set(*f, text),
                Column::Method => method = Some(text.bytes),
                Column::Stem => stem = text.bytes,
                Column::Query => query = text.bytes,
                Column::Skip => {}
            }
        }
        if rest.is_some() {
            return Err(Reason::W3cColumns);
        }
        if raw.get(Field::Ts).is_none() {
            // A time column without its date: not a time on its own.
            if let Some(t) = time_only {
                raw.set(Field::Ts, t);
            }
        }
        if query == b"-" {
            query = b"";
        }
        if stem.is_empty() || stem == b"-" {
            url.unknown(raw);
        } else {
            url.derive_parts(method, stem, query, raw);
        }
        Ok(())
    }

    /// The next cell of `rest` (`None` once the line is used up) and its
    /// offset in `line`.
    fn cell<'a>(&self, line: &'a [u8], rest: &mut Option<&'a [u8]>) -> Option<(Text<'a>, usize)> {
        let r = (*rest)?;
        let start = line.len() - r.len();
        if r.first() == Some(&b'"') {
            // IIS advanced logging quotes values; `""` is a quote inside.
            let mut j = 1;
            let mut doubled = false;
            loop {
                let q = memchr::memchr(b'"', &r[j..])? + j;
                if r.get(q + 1) == Some(&b'"') {
                    doubled = true;
                    j = q + 2;
                    continue;
                }
                let text = Text {
                    bytes: &r[1..q],
                    escape: if doubled { Escape::Csv } else { Escape::None },
                };
                *rest = match r.get(q + 1) {
                    None => None,
                    Some(&b) if b == self.delimiter => Some(&r[q + 2..]),
                    Some(_) => return None,
                };
                return Some((text, start + 1));
            }
        }
        match memchr::memchr(self.delimiter, r) {
            Some(end) => {
                *rest = Some(&r[end + 1..]);
                Some((Text::plain(&r[..end]), start))
            }
            None => {
                *rest = None;
                Some((Text::plain(r), start))
            }
        }
    }
}

/// The column a field name maps to (names are case-insensitive).
fn column(name: &[u8]) -> Column {
    let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
    if is("date") {
        Column::Date
    } else if is("time") {
        Column::Time
    } else if is("c-ip") {
        Column::Field(Field::Ip)
    } else if is("cs-username") {
        Column::Field(Field::Account)
    } else if is("cs(X-Forwarded-For)") || is("x-forwarded-for") {
        Column::Field(Field::ForwardedFor)
    } else if is("cs(User-Agent)") {
        Column::Field(Field::UserAgent)
    } else if is("sc-status") {
        Column::Field(Field::Status)
    } else if is("sc-bytes") {
        Column::Field(Field::Bytes)
    } else if is("cs-method") {
        Column::Method
    } else if is("cs-uri-stem") {
        Column::Stem
    } else if is("cs-uri-query") {
        Column::Query
    } else {
        Column::Skip
    }
}

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
//!
//! A `#Date:` directive dates the lines after it whose only time column
//! is `time` (the W3C draft's layout): each time is taken on the
//! directive's day, or the next day when it is earlier than the
//! directive's time (a file open across midnight).
//!
//! Zeek's TSV logs (`http.log`) have the same shape and are read by the
//! same parser in its Zeek dialect: `#fields` (tab, no colon) names the
//! tab-separated columns, `-` is unset and `(empty)` empty, nothing is
//! quoted, `ts` is epoch seconds with microseconds, `uri` is the request
//! target with its query, `id.orig_h` the client, `username` the
//! account. Only the default `#separator \x09` is read; other
//! directives (`#types`, `#path`, `#close`, ...) are comments.

use super::{url, Escape, Field, Raw, Text};
use crate::tally::Reason;
use crate::time::Millis;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Date,
    Time,
    Field(Field),
    Method,
    Stem,
    Query,
    /// A request target with its query (Zeek's `uri`).
    Target,
    Skip,
}

/// Which writer's conventions a file follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// W3C extended: `#Fields:`, quoted values, `-` empty.
    W3c,
    /// Zeek TSV: `#fields`, no quoting, `-` unset, `(empty)` empty.
    Zeek,
}

/// A W3C or Zeek parser bound to one `#Fields:` (`#fields`) directive
/// and the `#Date:` before it, if any.
#[derive(Clone)]
pub struct Parser {
    columns: Vec<Column>,
    delimiter: u8,
    /// Where the date column is, and whether the time column follows it.
    dated: Option<usize>,
    dialect: Dialect,
    /// The time of the last `#Date:` directive.
    date: Option<Millis>,
}

/// The directive's prefix.
pub const FIELDS: &[u8] = b"#Fields:";
/// Zeek's directive's prefix.
pub const ZEEK_FIELDS: &[u8] = b"#fields\t";
/// The date directive's prefix.
pub const DATE: &[u8] = b"#Date:";

/// The dialect of a `#Fields:` (W3C) or `#fields` (Zeek) directive;
/// `None` for any other line.
pub fn fields_dialect(line: &[u8]) -> Option<Dialect> {
    let line = line.trim_ascii_start();
    if line.starts_with(FIELDS) {
        Some(Dialect::W3c)
    } else if line.starts_with(ZEEK_FIELDS) {
        Some(Dialect::Zeek)
    } else {
        None
    }
}

/// Whether `line` is a `#Fields:` or `#fields` directive.
pub fn is_fields(line: &[u8]) -> bool {
    fields_dialect(line).is_some()
}

/// Whether `line` is a directive that changes how the lines after it
/// read: `#Fields:`, `#fields` or `#Date:`.
pub fn is_directive(line: &[u8]) -> bool {
    is_fields(line) || line.trim_ascii_start().starts_with(DATE)
}

/// The offsets of the directives ([`is_directive`]) that start a line in
/// `bytes`.
pub fn directives(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    let first = (bytes.first() == Some(&b'#')).then_some(0);
    first
        .into_iter()
        .chain(memchr::memmem::find_iter(bytes, b"\n#").map(|at| at + 1))
        .filter(move |&at| is_directive(&bytes[at..]))
}

/// The time of a `#Date: 2025-06-02 18:00:00` directive.
fn date_of(line: &[u8]) -> Option<Millis> {
    let text = line.trim_ascii_start().strip_prefix(DATE)?;
    crate::time::parse(text.trim_ascii(), 0)
}

impl Parser {
    /// Binds the columns named by `directive` (a `#Fields:` line; `None`
    /// before any: then every data line is rejected). `tabs`: the lines
    /// are tab-separated.
    pub fn new(directive: Option<&[u8]>, tabs: bool) -> Parser {
        let dialect = directive.and_then(fields_dialect).unwrap_or(Dialect::W3c);
        let names = directive
            .map(|d| {
                let d = d.trim_ascii_start();
                d.strip_prefix(FIELDS)
                    .or_else(|| d.strip_prefix(ZEEK_FIELDS))
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        let columns: Vec<Column> = names
            .split(|&b| b == b' ' || b == b'\t' || b == b'\r')
            .filter(|n| !n.is_empty())
            .map(|n| match dialect {
                Dialect::W3c => column(n),
                Dialect::Zeek => zeek_column(n),
            })
            .collect();
        let date = columns.iter().position(|c| *c == Column::Date);
        let time = columns.iter().position(|c| *c == Column::Time);
        let dated = match (date, time) {
            (Some(d), Some(t)) if t == d + 1 => Some(d),
            _ => None,
        };
        Parser {
            columns,
            delimiter: if tabs || dialect == Dialect::Zeek {
                b'\t'
            } else {
                b' '
            },
            dated,
            dialect,
            date: None,
        }
    }

    /// The parser for the lines after `directive`: a `#Fields:` or
    /// `#fields` line gives new columns (the date kept), a `#Date:` line a
    /// new date (the columns kept). `None` for any other line.
    pub fn with_directive(&self, directive: &[u8], tabs: bool) -> Option<Parser> {
        if is_fields(directive) {
            let mut next = Parser::new(Some(directive), tabs);
            next.date = self.date;
            return Some(next);
        }
        let date = date_of(directive)?;
        Some(Parser {
            date: Some(date),
            ..self.clone()
        })
    }

    /// The `#Date:` a line's time of day is on, when the columns give
    /// times without dates; `None` otherwise. Asked once per parser, not
    /// per line.
    pub fn time_only_date(&self) -> Option<Millis> {
        self.date
            .filter(|_| self.dialect == Dialect::W3c && self.dated.is_none())
    }

    /// The dialect.
    pub fn dialect(&self) -> Dialect {
        self.dialect
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
        let mut target: Option<&[u8]> = None;
        let mut time_only = None;
        let mut date_start = None;
        for (i, col) in self.columns.iter().enumerate() {
            let (text, start) = self.cell(line, &mut rest).ok_or(Reason::W3cColumns)?;
            match col {
                Column::Date => date_start = Some(start),
                Column::Time => {
                    if let (Some(d), true) = (
                        date_start,
                        self.dated.is_some() && self.dated == i.checked_sub(1),
                    ) {
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
                Column::Target => target = Some(text.bytes),
                Column::Skip => {}
            }
        }
        if rest.is_some() {
            return Err(Reason::W3cColumns);
        }
        if raw.get(Field::Ts).is_none() {
            // A time column without its date: a time of day, on the day
            // of the `#Date:` directive (`time_only_date`), else no time.
            if let Some(t) = time_only {
                raw.set(Field::Ts, t);
            }
        }
        if let Some(target) = target {
            match target {
                b"" | b"-" => url.unknown(raw),
                t => url.derive(method.filter(|m| *m != b"-"), t, raw),
            }
            return Ok(());
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
        if self.dialect == Dialect::Zeek {
            let (cell, next) = match memchr::memchr(b'\t', r) {
                Some(end) => (&r[..end], Some(&r[end + 1..])),
                None => (r, None),
            };
            *rest = next;
            let cell = if cell == b"(empty)" { &b""[..] } else { cell };
            return Some((Text::plain(cell), start));
        }
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

/// The column a Zeek `http.log` field name maps to.
fn zeek_column(name: &[u8]) -> Column {
    match name {
        b"ts" => Column::Field(Field::Ts),
        b"id.orig_h" => Column::Field(Field::Ip),
        b"username" => Column::Field(Field::Account),
        b"user_agent" => Column::Field(Field::UserAgent),
        b"status_code" => Column::Field(Field::Status),
        b"response_body_len" => Column::Field(Field::Bytes),
        b"method" => Column::Method,
        b"uri" => Column::Target,
        _ => Column::Skip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_start_lines_and_name_their_dialect() {
        let text =
            b"#Date: 2025-06-02 18:00:00\nx #Fields: a\n#fields\tts\n#Fields: date\n#types\tx\n";
        let found: Vec<usize> = directives(text).collect();
        assert_eq!(found, [0, 40, 51]);
        assert_eq!(fields_dialect(b"#fields\tts"), Some(Dialect::Zeek));
        assert_eq!(fields_dialect(b"#Fields: date"), Some(Dialect::W3c));
        assert_eq!(fields_dialect(b"#fieldsx"), None);
        let p = Parser::new(Some(b"#Fields: time c-ip"), false);
        let dated = p
            .with_directive(b"#Date: 2025-06-02 18:00:00", false)
            .unwrap();
        assert_eq!(dated.date, date_of(b"#Date: 2025-06-02 18:00:00"));
        assert_eq!(dated.columns, p.columns);
        let z = dated
            .with_directive(b"#fields\tts\tid.orig_h\turi", false)
            .unwrap();
        assert_eq!(z.dialect, Dialect::Zeek);
        assert_eq!(z.delimiter, b'\t');
        assert_eq!(z.columns[2], Column::Target);
        assert!(p.with_directive(b"#Software: x", false).is_none());
    }
}

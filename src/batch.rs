//! A batch: the events parsed from one chunk, with its own string tables
//! and line tally. This is the hot path: each line is parsed into a
//! [`Raw`] by the format's parser, then [`Rules`] turn it into an
//! [`Event`] the same way for every format (time, identity, action
//! vocabulary, numbers, interning). Nothing is allocated per line: text is
//! borrowed from the input, unescaped into reused scratch buffers only when
//! escaped, and interned into the batch's tables.

use crate::error::{Error, Result};
use crate::format::settings::InputConfig;
pub use crate::identity::{Cidr, IdentitySpec, Part};
type Parsed<T> = std::result::Result<T, Reason>;
use crate::event::{Action, Event, Record, Tables};
use crate::format::{trim, Escape, Field, Parser, Raw, Text, Wrapper};
use crate::intern::{same, Sym};
use crate::tally::{excerpt, Counts, Example, Examples, Kind, Note, Reason};
use crate::time::Millis;
use hashbrown::HashMap;
use std::net::IpAddr;

/// Maps action words to canonical actions, case-insensitively.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    words: HashMap<Vec<u8>, Action>,
}

const BUILT_IN: [(&str, Action); 33] = [
    ("read", Action::Read),
    ("view", Action::Read),
    ("get", Action::Read),
    ("show", Action::Read),
    ("open", Action::Read),
    ("fetch", Action::Read),
    ("lookup", Action::Read),
    ("search", Action::Search),
    ("query", Action::Search),
    ("list", Action::Search),
    ("find", Action::Search),
    ("browse", Action::Search),
    ("export", Action::Export),
    ("download", Action::Export),
    ("dump", Action::Export),
    ("bulk_export", Action::Export),
    ("update", Action::Update),
    ("edit", Action::Update),
    ("write", Action::Update),
    ("create", Action::Update),
    ("delete", Action::Update),
    ("put", Action::Update),
    ("post", Action::Update),
    ("patch", Action::Update),
    ("save", Action::Update),
    ("login", Action::Login),
    ("logon", Action::Login),
    ("signin", Action::Login),
    ("sign_in", Action::Login),
    ("auth", Action::Login),
    ("authenticate", Action::Login),
    ("logout", Action::Other),
    ("other", Action::Other),
];

impl Vocabulary {
    /// The built-in words plus the configured ones (which win).
    pub fn new(extra: &std::collections::BTreeMap<String, String>) -> Vocabulary {
        let mut words: HashMap<Vec<u8>, Action> = BUILT_IN
            .iter()
            .map(|(w, a)| (w.as_bytes().to_vec(), *a))
            .collect();
        for (w, a) in extra {
            if let Some(a) = Action::from_name(a) {
                words.insert(w.to_ascii_lowercase().into_bytes(), a);
            }
        }
        Vocabulary { words }
    }

    /// The canonical action of `word`; unknown words are `other`.
    #[inline]
    pub fn action(&self, word: &[u8]) -> Action {
        let mut buf = [0u8; 32];
        if word.len() > buf.len() {
            return Action::Other;
        }
        let lower = &mut buf[..word.len()];
        lower.copy_from_slice(word);
        lower.make_ascii_lowercase();
        self.words.get(&lower[..]).copied().unwrap_or(Action::Other)
    }
}

/// How lines become events, compiled once per scan from the input
/// settings and the identity.
#[derive(Debug, Clone)]
pub struct Rules {
    identity: IdentitySpec,
    vocabulary: Vocabulary,
    offset_min: i32,
    max_line: usize,
    /// Accepted times: `[from, to)`.
    times: std::ops::Range<Millis>,
    /// `input.trusted_proxies`; empty: `X-Forwarded-For` is never read.
    proxies: Vec<Cidr>,
}

impl Rules {
    /// Compiles the rules of validated input settings and an identity.
    pub fn new(input: &InputConfig, identity: IdentitySpec) -> Result<Rules> {
        Ok(Rules {
            identity,
            vocabulary: Vocabulary::new(&input.actions),
            offset_min: crate::time::parse_offset(&input.time_offset)
                .ok_or_else(|| Error::config("input.time_offset is invalid"))?,
            max_line: input.max_line,
            times: crate::time::year_range(input.time_range[0], input.time_range[1]),
            proxies: input
                .trusted_proxies
                .iter()
                .map(|p| {
                    Cidr::parse(p).ok_or_else(|| {
                        Error::config(format!(
                            "input.trusted_proxies: `{p}` is not an address or CIDR (10.0.0.0/8, 2001:db8::/32)"
                        ))
                    })
                })
                .collect::<Result<_>>()?,
        })
    }

    /// The longest accepted line.
    pub fn max_line(&self) -> usize {
        self.max_line
    }
}

/// Reused buffers for unescaped text, one per value alive at once.
#[derive(Default)]
struct Scratch {
    account: Vec<u8>,
    ip: Vec<u8>,
    agent: Vec<u8>,
    session: Vec<u8>,
    identity: Vec<u8>,
    other: Vec<u8>,
    /// A Docker json-file payload, when its `log` value holds escapes.
    payload: Vec<u8>,
    /// An unescaped URL field.
    url: Vec<u8>,
    /// An unescaped `X-Forwarded-For` header.
    forwarded: Vec<u8>,
}

/// The events of one chunk with its local tables and tally.
#[derive(Default)]
pub struct Batch {
    /// Events, with batch-local symbols and batch-local line numbers.
    pub events: Vec<Event>,
    /// Batch-local string tables.
    pub tables: Tables,
    /// Line tally.
    pub counts: Counts,
    /// First rejected lines of each reason (batch-local line numbers).
    pub examples: Examples,
    /// First noted lines of each note (batch-local line numbers).
    pub notes: Examples<Note>,
    scratch: Scratch,
    repeats: Repeats,
}

/// The previous line's client and action word, with what they gave. Log
/// lines come in runs of one actor, so a line often repeats them, and a
/// compare with the previous line's values is cheaper than hashing them.
/// (Identity, system and record tables keep their own last symbol.)
#[derive(Default)]
struct Repeats {
    client: Option<Sym>,
    /// The last action word as written, and its action (`None`: no word yet).
    action_word: Vec<u8>,
    action: Option<Action>,
}

/// The first line of `bytes` (without its newline), the bytes after it,
/// and whether the line holds a NUL byte. One search finds both, so the
/// bytes are read once, while the line is in cache for the parser.
#[inline]
fn first_line(bytes: &[u8]) -> (&[u8], &[u8], bool) {
    let mut has_nul = false;
    let mut from = 0;
    loop {
        match memchr::memchr2(b'\n', 0, &bytes[from..]) {
            Some(n) if bytes[from + n] == 0 => {
                has_nul = true;
                from += n + 1;
            }
            Some(n) => return (&bytes[..from + n], &bytes[from + n + 1..], has_nul),
            None => return (bytes, &[], has_nul),
        }
    }
}

impl Batch {
    /// An empty batch.
    pub fn new() -> Batch {
        Batch {
            tables: Tables::new(),
            ..Batch::default()
        }
    }

    /// Ends the batch's parsing: frees its growth slack and scratch
    /// buffers, which would otherwise stay until the merge (memory is
    /// budgeted at the event size, not twice it, and a scan of many small
    /// files holds a batch per file). Lines may still be added after, at
    /// the cost of growing them again.
    pub fn seal(&mut self) {
        self.events.shrink_to_fit();
        self.scratch = Scratch::default();
        self.repeats = Repeats::default();
    }

    /// Parses whole lines (the last may lack its newline) into events.
    pub fn add_lines(&mut self, bytes: &[u8], parser: &Parser, rules: &Rules, file: u32) {
        self.add_lines_as(bytes, parser, rules, file, parser.comments());
    }

    /// Counts the lines before a CSV header: blank, over-long, or comments
    /// (a `#` line there is a comment whatever the format).
    pub fn add_head(&mut self, bytes: &[u8], parser: &Parser, rules: &Rules, file: u32) {
        self.add_lines_as(bytes, parser, rules, file, true);
    }

    fn add_lines_as(
        &mut self,
        bytes: &[u8],
        parser: &Parser,
        rules: &Rules,
        file: u32,
        comments: bool,
    ) {
        let mut rest = bytes;
        while !rest.is_empty() {
            let (line, next, has_nul) = first_line(rest);
            rest = next;
            self.add_line(line, has_nul, parser, rules, file, comments);
        }
    }

    /// `has_nul`: the line holds a NUL byte; `comments`: a `#` line is a
    /// comment.
    #[inline]
    fn add_line(
        &mut self,
        line: &[u8],
        has_nul: bool,
        parser: &Parser,
        rules: &Rules,
        file: u32,
        comments: bool,
    ) {
        self.counts.lines += 1;
        // The regression guard's self-test: extra work per byte, so a
        // slowed build can be shown to fail the guard.
        #[cfg(feature = "guard-selftest")]
        std::hint::black_box(line.iter().map(|&b| b as u64).sum::<u64>());
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > rules.max_line {
            return self.reject(line, Reason::TooLong, file);
        }
        if trim(line).is_empty() {
            self.counts.blank += 1;
            return;
        }
        if has_nul {
            return self.reject(line, Reason::NulByte, file);
        }
        if comments && crate::format::is_comment(line) {
            self.counts.comments += 1;
            return;
        }
        match parser.wrapper() {
            // The line was checked above: straight to the parser.
            Wrapper::None => self.parse_payload(line, line, None, parser, rules, file),
            Wrapper::Cri => match crate::format::wrap::cri(line) {
                Some(c) if c.partial => self.reject(line, Reason::PartialLine, file),
                Some(c) => self.add_payload(
                    line,
                    c.payload,
                    Some(Text::plain(c.time)),
                    parser,
                    rules,
                    file,
                    comments,
                ),
                None => self.reject(line, Reason::NotWrapped, file),
            },
            Wrapper::Docker => match parser.docker().split(line) {
                Some(d) => {
                    // Taken out while the payload borrows it, so the event
                    // can be built; put back to keep its capacity.
                    let mut buf = std::mem::take(&mut self.scratch.payload);
                    let payload = crate::format::wrap::docker_payload(d.log, &mut buf);
                    self.add_payload(line, payload, d.time, parser, rules, file, comments);
                    self.scratch.payload = buf;
                }
                None => self.reject(line, Reason::NotWrapped, file),
            },
        }
    }

    /// Parses `payload`, the content of `line` (itself, or what its
    /// container wrapper holds); `time` is the wrapper's, used when the
    /// payload has none.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn add_payload(
        &mut self,
        line: &[u8],
        payload: &[u8],
        time: Option<Text>,
        parser: &Parser,
        rules: &Rules,
        file: u32,
        comments: bool,
    ) {
        if trim(payload).is_empty() {
            self.counts.blank += 1;
            return;
        }
        if comments && crate::format::is_comment(payload) {
            self.counts.comments += 1;
            return;
        }
        self.parse_payload(line, payload, time, parser, rules, file);
    }

    /// Parses a checked (not blank, not a comment) `payload` of `line`
    /// into an event, or rejects the line.
    #[inline]
    fn parse_payload(
        &mut self,
        line: &[u8],
        payload: &[u8],
        time: Option<Text>,
        parser: &Parser,
        rules: &Rules,
        file: u32,
    ) {
        let mut raw = Raw::default();
        let parsed = parser.parse(payload, &mut raw);
        self.finish(line, raw, parsed, time, parser, rules, file);
    }

    /// Adds one element of a JSON document, counted as one line of the
    /// account (so its event's line is its element number).
    pub fn add_element(&mut self, element: &[u8], parser: &Parser, rules: &Rules, file: u32) {
        self.counts.lines += 1;
        if element.len() > rules.max_line {
            return self.reject(element, Reason::TooLong, file);
        }
        if memchr::memchr(0, element).is_some() {
            return self.reject(element, Reason::NulByte, file);
        }
        self.parse_payload(element, element, None, parser, rules, file);
    }

    /// Adds a record whose fields are already found (a Parquet or Arrow
    /// row), counted as one line of the account; `text` is what an
    /// example shows of it, `parsed` an error found reading its fields.
    pub fn add_fields(
        &mut self,
        text: &[u8],
        raw: Raw,
        parsed: Parsed<()>,
        parser: &Parser,
        rules: &Rules,
        file: u32,
    ) {
        self.counts.lines += 1;
        self.finish(text, raw, parsed, None, parser, rules, file);
    }

    /// Counts one unit that gives no event (a JSON document's broken
    /// rest), rejected for `reason`.
    pub fn reject_unit(&mut self, excerpt: &[u8], reason: Reason, file: u32) {
        self.counts.lines += 1;
        self.reject(excerpt, reason, file);
    }

    /// Turns a parsed line into an event or a rejection: URL derivation,
    /// the wrapper's time, then [`Batch::build`].
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn finish(
        &mut self,
        line: &[u8],
        raw: Raw,
        parsed: Parsed<()>,
        time: Option<Text>,
        parser: &Parser,
        rules: &Rules,
        file: u32,
    ) {
        let mut raw: Raw<'_> = raw;
        // An escaped URL (`\/` in JSON) is unescaped into the batch's
        // buffer, taken out while the line's fields borrow it.
        let mut url_buf = Vec::new();
        if parser.maps_url()
            && parsed.is_ok()
            && raw.get(Field::Record).is_none()
            && raw.get(Field::Action).is_none()
        {
            if let Some(url) = raw.get(Field::Url) {
                if url.escape == Escape::None {
                    parser.derive_url(url.bytes, &mut raw);
                } else {
                    url_buf = std::mem::take(&mut self.scratch.url);
                    url_buf.clear();
                    url_buf.extend_from_slice(url.decode(&mut self.scratch.other));
                    parser.derive_url(&url_buf, &mut raw);
                }
            }
        }
        let result = parsed.and_then(|()| {
            if let (None, Some(t)) = (raw.get(Field::Ts), time) {
                raw.set(Field::Ts, t);
            }
            self.build(line, &raw, parser.day(), rules, file)
        });
        if url_buf.capacity() > 0 {
            self.scratch.url = url_buf;
        }
        match result {
            Ok(event) => {
                self.counts.events += 1;
                self.events.push(event);
            }
            Err(reason) => self.reject(line, reason, file),
        }
    }

    /// Counts a rejected line (the current one) and keeps it as an example
    /// if it is among the first of its reason.
    pub fn reject(&mut self, line: &[u8], reason: Reason, file: u32) {
        self.counts.rejected[reason as usize] += 1;
        keep_example(&mut self.examples, reason, line, self.counts.lines, file);
    }

    /// Counts one line that the reader dropped before parsing (over the
    /// length limit), keeping its start as the excerpt.
    pub fn reject_unread(&mut self, start: &[u8], file: u32) {
        self.counts.lines += 1;
        self.reject(start, Reason::TooLong, file);
    }

    /// Counts the lines before the data that are not events: blank lines
    /// and the header (comments before it are counted by [`Batch::add_head`]).
    pub fn add_prelude(&mut self, blank: u64, headers: u64) {
        self.counts.lines += blank + headers;
        self.counts.blank += blank;
        self.counts.headers += headers;
    }

    /// The event of one parsed line. Every check that can reject comes
    /// before the first interning or count.
    fn build(
        &mut self,
        line: &[u8],
        raw: &Raw,
        day: Option<Millis>,
        rules: &Rules,
        file: u32,
    ) -> Parsed<Event> {
        let Batch {
            tables,
            counts,
            notes,
            scratch,
            repeats,
            ..
        } = self;
        let ts = raw.get(Field::Ts).ok_or(Reason::MissingTime)?;
        let ts = ts.decode(&mut scratch.other);
        let time = match day {
            None => crate::time::parse(ts, rules.offset_min),
            Some(date) => crate::time::on_day(ts, date),
        }
        .ok_or(Reason::BadTime)?;
        if !rules.times.contains(&time) {
            return Err(Reason::TimeOutOfRange);
        }

        let mut ip = decode(raw.get(Field::Ip), &mut scratch.ip).map(strip_port);
        if !rules.proxies.is_empty() {
            let forwarded = decode(raw.get(Field::ForwardedFor), &mut scratch.forwarded);
            ip = behind_proxies(ip, forwarded, &rules.proxies);
        }
        let agent = decode(raw.get(Field::UserAgent), &mut scratch.agent);
        let session = decode(raw.get(Field::Session), &mut scratch.session);
        let account = decode(raw.get(Field::Account), &mut scratch.account);

        let (identity, fell_back) = identity(
            &rules.identity,
            account,
            ip,
            agent,
            session,
            &mut scratch.identity,
        )?;
        if std::str::from_utf8(identity).is_err() {
            return Err(Reason::InvalidUtf8);
        }
        // Event::system holds Event::MAX_SYSTEMS: a new system past that
        // rejects the line, checked before the line is interned anywhere.
        let system = match raw.get(Field::System) {
            Some(t) => {
                let name = t.decode(&mut scratch.other);
                let sym = if tables.systems.len() < Event::MAX_SYSTEMS {
                    tables.systems.intern(name)
                } else {
                    tables.systems.get_sym(name).ok_or(Reason::TooManySystems)?
                };
                sym as u16
            }
            None => 0,
        };

        // From here on the line is an event.
        let identity = tables.identities.intern(identity);
        counts.ip_fallback += fell_back as u64;
        let ip = ip.unwrap_or_default();
        let agent = agent.unwrap_or_default();
        let session = session.unwrap_or_default();
        let client = match repeats.client {
            Some(c) if same_client(tables.client_parts(c), (ip, agent, session)) => c,
            _ => {
                let c = tables.intern_client(ip, agent, session);
                repeats.client = Some(c);
                c
            }
        };

        let record = match raw.get(Field::Record) {
            Some(t) => {
                let bytes = t.decode(&mut scratch.other);
                match digits(bytes).and_then(Record::numeric) {
                    Some(r) => r,
                    None => Record::string(tables.records.intern(bytes)),
                }
            }
            None => Record::NONE,
        };
        let action = match raw.get(Field::Action) {
            Some(t) => {
                let word = t.decode(&mut scratch.other);
                match repeats.action {
                    Some(a) if same(&repeats.action_word, word) => a,
                    _ => {
                        let a = rules.vocabulary.action(word);
                        repeats.action_word.clear();
                        repeats.action_word.extend_from_slice(word);
                        repeats.action = Some(a);
                        a
                    }
                }
            }
            None if record.is_some() => Action::Read,
            None => Action::Other,
        };
        let line_no = counts.lines;
        let mut number = |f: Field, note: Note| -> u64 {
            match raw.get(f) {
                Some(t) => digits(t.bytes).unwrap_or_else(|| {
                    // A JSON array (only rows take one) is not digits: its
                    // count, checked off the common path.
                    if t.escape == Escape::Array {
                        return crate::format::ndjson::count(t.bytes);
                    }
                    counts.noted[note as usize] += 1;
                    keep_example(notes, note, line, line_no, file);
                    0
                }),
                None => 0,
            }
        };
        let status = number(Field::Status, Note::BadStatus).min(u16::MAX as u64) as u16;
        Ok(Event {
            time,
            identity,
            client,
            record,
            rows: saturate(number(Field::Rows, Note::BadRows)),
            bytes: saturate(number(Field::Bytes, Note::BadBytes)),
            line: line_no as u32,
            page: number(Field::Page, Note::BadPage).min(u16::MAX as u64) as u16,
            ..Event::default()
        }
        .with_file(file)
        .with_system(system)
        .with_status(status)
        .with_action(action))
    }
}

/// Whether a client's (ip, agent, session) are these.
#[inline(always)]
fn same_client(a: (&[u8], &[u8], &[u8]), b: (&[u8], &[u8], &[u8])) -> bool {
    same(a.0, b.0) && same(a.2, b.2) && same(a.1, b.1)
}

/// Keeps the current line as an example of `kind` if it is among the
/// first of its kind.
#[cold]
fn keep_example<K: Kind>(
    examples: &mut Examples<K>,
    kind: K,
    line: &[u8],
    line_no: u64,
    file: u32,
) {
    if examples.wants(kind) {
        examples.push(Example {
            file,
            path: String::new(),
            line: line_no,
            element: None,
            reason: kind,
            excerpt: excerpt(line),
        });
    }
}

/// The address of an `ip:port` or `[ipv6]:port` client (as load balancers
/// and some servers log it), so `ip/24` and the client tables group by
/// address. Anything else (a bare IPv4 or IPv6 address, a host name) is
/// kept as it is.
#[inline]
fn strip_port(ip: &[u8]) -> &[u8] {
    if let Some(inner) = ip.strip_prefix(b"[") {
        // `[2001:db8::1]:443` or `[2001:db8::1]`.
        return match memchr::memchr(b']', inner) {
            Some(close) if inner[close + 1..].is_empty() || port(&inner[close + 1..]) => {
                &inner[..close]
            }
            _ => ip,
        };
    }
    // Addresses are short: a plain loop beats a vector search's setup.
    match ip.iter().position(|&b| b == b':') {
        // One colon: an IPv6 address has at least two.
        Some(c) if !ip[c + 1..].contains(&b':') && port(&ip[c..]) => &ip[..c],
        _ => ip,
    }
}

fn address(text: &[u8]) -> Option<IpAddr> {
    std::str::from_utf8(text).ok()?.parse().ok()
}

/// The client of a line whose `ip` may be a trusted proxy: the right-most
/// address of `X-Forwarded-For` that is not a trusted proxy. The header is
/// read only while each hop is trusted: a line from an untrusted ip keeps
/// it (anyone can write the header), and a hop that is not an address
/// ends the walk at the last trusted one.
fn behind_proxies<'s>(
    ip: Option<&'s [u8]>,
    forwarded: Option<&'s [u8]>,
    proxies: &[Cidr],
) -> Option<&'s [u8]> {
    let trusted =
        |text: &[u8]| address(text).is_some_and(|a| proxies.iter().any(|c| c.contains(a)));
    let mut client = ip?;
    if !trusted(client) {
        return Some(client);
    }
    for hop in forwarded.unwrap_or_default().rsplit(|&b| b == b',') {
        let hop = strip_port(hop.trim_ascii());
        if address(hop).is_none() {
            break;
        }
        client = hop;
        if !trusted(hop) {
            break;
        }
    }
    Some(client)
}

/// Whether `s` is `:` and 1 to 5 digits.
fn port(s: &[u8]) -> bool {
    s.len() > 1 && s.len() <= 6 && s[0] == b':' && s[1..].iter().all(u8::is_ascii_digit)
}

fn saturate(n: u64) -> u32 {
    n.min(u32::MAX as u64) as u32
}

fn decode<'s>(text: Option<Text<'s>>, scratch: &'s mut Vec<u8>) -> Option<&'s [u8]> {
    text.map(|t| t.decode(scratch))
}

/// A decimal number of at most 19 digits.
#[inline]
fn digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + d as u64;
    }
    Some(n)
}

/// The identity bytes of one line, and whether the account fell back to
/// the ip (counted by the caller once the line is known to be an event).
fn identity<'s>(
    spec: &IdentitySpec,
    account: Option<&'s [u8]>,
    ip: Option<&'s [u8]>,
    agent: Option<&'s [u8]>,
    session: Option<&'s [u8]>,
    buf: &'s mut Vec<u8>,
) -> Parsed<(&'s [u8], bool)> {
    // The common case: the account, else the ip, borrowed as is.
    if let [Part::Account] = spec.parts()[..] {
        return match (account, ip) {
            (Some(a), _) => Ok((a, false)),
            (None, Some(ip)) => Ok((ip, true)),
            (None, None) => Err(Reason::MissingIdentity),
        };
    }
    buf.clear();
    let mut any = false;
    let mut fell_back = false;
    for (i, part) in spec.parts().iter().enumerate() {
        if i > 0 {
            buf.push(b'|');
        }
        let value = match part {
            Part::Account => match account {
                Some(a) => Some(a),
                None => {
                    fell_back |= ip.is_some();
                    ip
                }
            },
            Part::Ip => ip,
            Part::UserAgent => agent,
            Part::Session => session,
            Part::IpPrefix(bits) => {
                if let Some(ip) = ip {
                    any = true;
                    push_prefix(ip, *bits, buf);
                }
                continue;
            }
        };
        if let Some(v) = value {
            any = true;
            buf.extend_from_slice(v);
        }
    }
    if any {
        Ok((buf, fell_back))
    } else {
        Err(Reason::MissingIdentity)
    }
}

/// Writes the network prefix of `ip` (as `addr/bits`); text that is not an
/// address is written as is.
fn push_prefix(ip: &[u8], bits: u8, out: &mut Vec<u8>) {
    use std::io::Write;
    let parsed = std::str::from_utf8(ip)
        .ok()
        .and_then(|s| s.parse::<IpAddr>().ok());
    match parsed {
        Some(IpAddr::V4(v4)) => {
            let bits = bits.min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            let net = std::net::Ipv4Addr::from(u32::from(v4) & mask);
            let _ = write!(out, "{net}/{bits}");
        }
        Some(IpAddr::V6(v6)) => {
            let bits = if bits <= 32 { 64 } else { bits.min(128) };
            let mask = u128::MAX << (128 - bits as u32);
            let net = std::net::Ipv6Addr::from(u128::from(v6) & mask);
            let _ = write!(out, "{net}/{bits}");
        }
        None => out.extend_from_slice(ip),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::format::Format;

    #[test]
    fn first_line_finds_the_newline_and_any_nul_in_one_pass() {
        let text = b"a\x00b\x00\ncd\n\x00\nlast";
        let mut rest = &text[..];
        let mut lines = Vec::new();
        while !rest.is_empty() {
            let (line, next, nul) = first_line(rest);
            lines.push((line, nul));
            rest = next;
        }
        assert_eq!(
            lines,
            [
                (&b"a\x00b\x00"[..], true),
                (&b"cd"[..], false),
                (&b"\x00"[..], true),
                (&b"last"[..], false)
            ]
        );
        assert_eq!(first_line(b"x\x00"), (&b"x\x00"[..], &b""[..], true));
    }

    fn batch_of(config: &Config, text: impl AsRef<[u8]>) -> Batch {
        let identity = IdentitySpec::parse(&config.identity.key).unwrap();
        let rules = Rules::new(&config.input, identity).unwrap();
        let parser = Parser::new(Format::Ndjson, &config.input, None).unwrap();
        let mut b = Batch::new();
        b.add_lines(text.as_ref(), &parser, &rules, 0);
        b
    }

    #[test]
    fn builds_events_and_falls_back_to_ip() {
        let b = batch_of(
            &Config::default(),
            "{\"ts\":1720000000,\"account\":\"alice\",\"ip\":\"10.0.0.1\",\"action\":\"VIEW\",\"record\":\"42\",\"system\":\"membership\"}\r\n\
             \n\
             {\"ts\":1720000001,\"ip\":\"10.0.0.2\",\"record\":\"case-9\",\"rows\":7}\n\
             {\"ts\":\"soon\",\"account\":\"x\"}\n\
             {\"account\":\"x\"}\n\
             {\"ts\":1,\"system\":\"s\"}\n\
             {\"ts\":1,\"account\":\"x\",\"rows\":\"many\"}",
        );
        assert_eq!(b.counts.lines, 7);
        assert_eq!(b.counts.events, 3);
        assert_eq!(b.counts.blank, 1);
        assert_eq!(b.counts.rejected_total(), 3);
        assert!(b.counts.balanced());
        assert_eq!(b.counts.ip_fallback, 1);
        let e = b.events[0];
        assert_eq!(e.time, 1_720_000_000_000);
        assert_eq!(e.action(), Action::Read);
        assert_eq!(e.record.as_number(), Some(42));
        assert_eq!(b.tables.identities.get(e.identity), b"alice");
        assert_eq!(
            b.tables.systems.get(e.system() as crate::intern::Sym),
            b"membership"
        );
        assert_eq!(e.line, 1);
        let f = b.events[1];
        assert_eq!(b.tables.identities.get(f.identity), b"10.0.0.2");
        assert_eq!(b.tables.record_text(f.record), "case-9");
        assert_eq!(f.rows, 7);
        assert_eq!(f.line, 3);
        let reasons: Vec<(u64, Reason)> = b.examples.iter().map(|e| (e.line, e.reason)).collect();
        assert_eq!(
            reasons,
            [
                (5, Reason::MissingTime),
                (4, Reason::BadTime),
                (6, Reason::MissingIdentity),
            ]
        );
        // The unparseable row count is left empty and noted, not rejected.
        assert_eq!(b.events[2].rows, 0);
        assert_eq!(b.counts.noted[Note::BadRows as usize], 1);
        let noted: Vec<(u64, Note)> = b.notes.iter().map(|e| (e.line, e.reason)).collect();
        assert_eq!(noted, [(7, Note::BadRows)]);
    }

    #[test]
    fn derived_fields_never_reject() {
        let b = batch_of(
            &Config::default(),
            "{\"ts\":1,\"account\":\"a\",\"page\":\"eyJzZWFyY2gi\",\"rows\":-1,\"bytes\":2.5,\"status\":\"OK\"}\n\
             {\"ts\":2,\"account\":\"a\",\"page\":\"12345678901234567890\",\"rows\":3}",
        );
        assert_eq!((b.counts.events, b.counts.rejected_total()), (2, 0));
        assert_eq!(b.counts.noted, [2, 1, 1, 1]);
        assert_eq!(
            (b.events[0].page, b.events[0].rows, b.events[0].status()),
            (0, 0, 0)
        );
        assert_eq!((b.events[1].page, b.events[1].rows), (0, 3));
    }

    #[test]
    fn a_rejected_line_leaves_no_trace() {
        // No account (the ip would stand in), then a rejection: the
        // identity is not valid UTF-8, or the time is out of range.
        let b = batch_of(
            &Config::default(),
            b"{\"ts\":1,\"ip\":\"10.0.0.\xff\",\"system\":\"s1\"}\n\
             {\"ts\":\"9999-12-31T00:00:00Z\",\"ip\":\"10.0.0.2\",\"system\":\"s2\"}",
        );
        assert_eq!(b.counts.rejected_total(), 2);
        assert_eq!(b.counts.ip_fallback, 0);
        assert_eq!(b.tables.identities.len(), 0);
        assert_eq!(b.tables.client_count(), 0);
        assert_eq!(b.tables.systems.len(), 1, "only the empty system");
        // The system past Event::MAX_SYSTEMS is rejected before anything
        // is interned (the empty system is the first).
        let mut text = String::new();
        for i in 0..Event::MAX_SYSTEMS {
            text.push_str(&format!(
                "{{\"ts\":1,\"account\":\"a{i}\",\"system\":\"s{i}\"}}\n"
            ));
        }
        let b = batch_of(&Config::default(), &text);
        assert_eq!(b.counts.rejected[Reason::TooManySystems as usize], 1);
        assert_eq!(b.tables.identities.len(), Event::MAX_SYSTEMS - 1);
        assert_eq!(b.tables.systems.len(), Event::MAX_SYSTEMS);
    }

    #[test]
    fn identity_specs() {
        let mut config = Config::default();
        config.identity.key = "ip/24+user_agent".into();
        let b = batch_of(
            &config,
            "{\"ts\":1,\"ip\":\"10.1.2.3\",\"user_agent\":\"curl\"}\n{\"ts\":1,\"ip\":\"2001:db8::1\"}\n{\"ts\":1,\"ip\":\"host.example\",\"user_agent\":\"x\"}",
        );
        let ids: Vec<String> = b
            .events
            .iter()
            .map(|e| b.tables.identities.text(e.identity).into_owned())
            .collect();
        assert_eq!(
            ids,
            ["10.1.2.0/24|curl", "2001:db8::/64|", "host.example|x"]
        );
        assert!(IdentitySpec::parse("ip/0").is_err());
        assert!(IdentitySpec::parse("mac").is_err());
    }

    #[test]
    fn the_client_behind_trusted_proxies_is_the_right_most_untrusted_hop() {
        let proxies: Vec<Cidr> = ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"]
            .iter()
            .map(|p| Cidr::parse(p).unwrap())
            .collect();
        let client = |ip: &str, xff: Option<&str>| {
            let got = behind_proxies(Some(ip.as_bytes()), xff.map(str::as_bytes), &proxies);
            String::from_utf8(got.unwrap().to_vec()).unwrap()
        };
        // The left-most entry is the client's claim: a forged one is
        // passed over for the right-most hop not trusted.
        assert_eq!(
            client("10.1.2.3", Some("6.6.6.6, 198.51.100.9, 10.9.9.9")),
            "198.51.100.9"
        );
        assert_eq!(
            client("192.0.2.7", Some("[2001:db8::5]:80,203.0.113.4:5555")),
            "203.0.113.4"
        );
        // An untrusted peer's header is never read.
        assert_eq!(client("198.51.100.1", Some("1.1.1.1")), "198.51.100.1");
        // Every hop trusted: the farthest one.
        assert_eq!(client("10.0.0.1", Some("10.0.0.2")), "10.0.0.2");
        // No header, or garbage in it: the proxy.
        assert_eq!(client("10.0.0.1", None), "10.0.0.1");
        assert_eq!(client("10.0.0.1", Some("unknown, 10.0.0.3")), "10.0.0.3");
        assert_eq!(
            client("2001:db8::1", Some("2001:db8:1::1, 2a00::1")),
            "2a00::1"
        );
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("10.0.0/8").is_none());
        assert!(Cidr::parse("::/0")
            .unwrap()
            .contains("2a00::1".parse().unwrap()));
        assert!(!Cidr::parse("::/0")
            .unwrap()
            .contains("1.2.3.4".parse().unwrap()));
    }

    #[test]
    fn ports_are_stripped_from_client_addresses() {
        for (given, address) in [
            ("10.0.0.13:40000", "10.0.0.13"),
            ("[2001:db8::1]:443", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("2001:db8::1", "2001:db8::1"),
            ("::1", "::1"),
            ("10.0.0.13", "10.0.0.13"),
            ("host.example:8080", "host.example"),
            ("10.0.0.13:http", "10.0.0.13:http"),
            ("10.0.0.13:", "10.0.0.13:"),
            ("[2001:db8::1", "[2001:db8::1"),
            ("[::1]x", "[::1]x"),
        ] {
            assert_eq!(strip_port(given.as_bytes()), address.as_bytes(), "{given}");
        }
        // So one /24 groups clients logged with their ports.
        let mut config = Config::default();
        config.identity.key = "ip/24".into();
        let b = batch_of(
            &config,
            "{\"ts\":1,\"ip\":\"10.0.0.13:40000\"}\n{\"ts\":2,\"ip\":\"10.0.0.14:40001\"}\n{\"ts\":3,\"ip\":\"[2001:db8::1]:443\"}",
        );
        let ids: Vec<String> = b
            .events
            .iter()
            .map(|e| b.tables.identities.text(e.identity).into_owned())
            .collect();
        assert_eq!(ids, ["10.0.0.0/24", "10.0.0.0/24", "2001:db8::/64"]);
        assert_eq!(b.tables.client_parts(b.events[0].client).0, b"10.0.0.13");
    }

    #[test]
    fn clients_are_shared() {
        let b = batch_of(
            &Config::default(),
            "{\"ts\":1,\"account\":\"a\",\"ip\":\"1.1.1.1\"}\n{\"ts\":2,\"account\":\"b\",\"ip\":\"1.1.1.1\"}\n{\"ts\":3,\"account\":\"a\",\"ip\":\"2.2.2.2\"}",
        );
        assert_eq!(b.tables.client_count(), 2);
        assert_eq!(b.events[0].client, b.events[1].client);
        assert_ne!(b.events[0].client, b.events[2].client);
    }

    #[test]
    fn vocabulary_maps_case_insensitively() {
        let mut extra = std::collections::BTreeMap::new();
        extra.insert("Peek".to_string(), "read".to_string());
        let v = Vocabulary::new(&extra);
        assert_eq!(v.action(b"EXPORT"), Action::Export);
        assert_eq!(v.action(b"peek"), Action::Read);
        assert_eq!(v.action(b"dance"), Action::Other);
        assert_eq!(v.action(&[b'a'; 40]), Action::Other);
    }
}

//! Every line accounted for: `lines = events + rejected + blank + headers +
//! comments`, with rejections counted by [`Reason`] and the first few of each kept as
//! [`Example`]s. Beside them, the notes: a derived field (page, rows,
//! bytes, status) that does not parse is left empty on an event that is
//! kept, and counted by [`Note`] with examples the same way. Counts merge by
//! addition, so per-chunk tallies are plain owned data and the merge order
//! (input order) fixes which examples are "first".

use serde::Serialize;
use std::ops::AddAssign;

/// Why a line was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// Not one well-formed JSON object.
    InvalidJson,
    /// No time field.
    MissingTime,
    /// A time field in no accepted form.
    BadTime,
    /// No account and no ip (or none of the identity's parts).
    MissingIdentity,
    /// A CSV record with more or fewer cells than the header.
    CsvColumns,
    /// An unterminated or misplaced quote in a CSV record.
    CsvQuote,
    /// A line that is not combined log format.
    ClfMismatch,
    /// Invalid UTF-8 in the identity.
    InvalidUtf8,
    /// A line over `input.max_line` bytes.
    TooLong,
    /// A NUL byte in the line.
    NulByte,
    /// More distinct systems than an event can name (`Event::MAX_SYSTEMS`).
    TooManySystems,
    /// A time outside `input.time_range`.
    TimeOutOfRange,
    /// A container runtime's partial line (CRI tag `P`): the runtime split
    /// a long line, and the pieces are not joined (a piece may end one
    /// chunk and the rest start the next).
    PartialLine,
    /// A line without the container runtime wrapper the file was found to
    /// have.
    NotWrapped,
    /// A W3C line before any `#Fields:` directive.
    W3cNoFields,
    /// A W3C line with more or fewer columns than its `#Fields:`.
    W3cColumns,
    /// A line that is not an AWS ALB access log entry.
    AlbMismatch,
    /// A JSON document whose structure breaks (outside its elements): the
    /// rest of the file, from there, is this one rejection.
    DocumentBroken,
    /// A Parquet or Arrow column of a type that cannot give its field (a
    /// list, a map, a decimal).
    ColumnType,
}

impl Reason {
    /// Number of reasons.
    pub const COUNT: usize = 19;
    /// All reasons, in order.
    pub const ALL: [Reason; Reason::COUNT] = [
        Reason::InvalidJson,
        Reason::MissingTime,
        Reason::BadTime,
        Reason::MissingIdentity,
        Reason::CsvColumns,
        Reason::CsvQuote,
        Reason::ClfMismatch,
        Reason::InvalidUtf8,
        Reason::TooLong,
        Reason::NulByte,
        Reason::TooManySystems,
        Reason::TimeOutOfRange,
        Reason::PartialLine,
        Reason::NotWrapped,
        Reason::W3cNoFields,
        Reason::W3cColumns,
        Reason::AlbMismatch,
        Reason::DocumentBroken,
        Reason::ColumnType,
    ];

    /// The reason as people read it.
    pub fn describe(self) -> &'static str {
        match self {
            Reason::InvalidJson => "invalid JSON",
            Reason::MissingTime => "missing time",
            Reason::BadTime => "unparseable time",
            Reason::MissingIdentity => "missing identity",
            Reason::CsvColumns => "CSV column count differs from the header",
            Reason::CsvQuote => "CSV quoting",
            Reason::ClfMismatch => "not combined log format",
            Reason::InvalidUtf8 => "invalid UTF-8 in a required field",
            Reason::TooLong => "line over the length limit",
            Reason::NulByte => "NUL byte",
            Reason::TooManySystems => "more than 4,095 systems",
            Reason::TimeOutOfRange => "time out of range (input.time_range)",
            Reason::PartialLine => "partial container line (CRI tag P), not joined",
            Reason::NotWrapped => "no container runtime wrapper",
            Reason::W3cNoFields => "W3C line before any #Fields directive",
            Reason::W3cColumns => "W3C column count differs from #Fields",
            Reason::AlbMismatch => "not an AWS ALB access log entry",
            Reason::DocumentBroken => {
                "broken JSON document structure (the rest of the file is this one rejection)"
            }
            Reason::ColumnType => "a mapped column's type cannot give its field",
        }
    }

    /// The stable machine name (as in the summary JSON).
    pub fn key(self) -> &'static str {
        match self {
            Reason::InvalidJson => "invalid-json",
            Reason::MissingTime => "missing-time",
            Reason::BadTime => "bad-time",
            Reason::MissingIdentity => "missing-identity",
            Reason::CsvColumns => "csv-columns",
            Reason::CsvQuote => "csv-quote",
            Reason::ClfMismatch => "clf-mismatch",
            Reason::InvalidUtf8 => "invalid-utf8",
            Reason::TooLong => "too-long",
            Reason::NulByte => "nul-byte",
            Reason::TooManySystems => "too-many-systems",
            Reason::TimeOutOfRange => "time-out-of-range",
            Reason::PartialLine => "partial-line",
            Reason::NotWrapped => "not-wrapped",
            Reason::W3cNoFields => "w3c-no-fields",
            Reason::W3cColumns => "w3c-columns",
            Reason::AlbMismatch => "alb-mismatch",
            Reason::DocumentBroken => "document-broken",
            Reason::ColumnType => "column-type",
        }
    }
}

/// Why a derived field of a kept event was left empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Note {
    /// A page that is not a whole number (a cursor token, `-1`, `2.5`).
    BadPage,
    /// A row count that is not a whole number.
    BadRows,
    /// A byte count that is not a whole number.
    BadBytes,
    /// A status that is not a whole number.
    BadStatus,
}

impl Note {
    /// Number of notes.
    pub const COUNT: usize = 4;
    /// All notes, in order.
    pub const ALL: [Note; Note::COUNT] = [
        Note::BadPage,
        Note::BadRows,
        Note::BadBytes,
        Note::BadStatus,
    ];
}

/// What an [`Example`] illustrates: a rejection [`Reason`] or a [`Note`].
pub trait Kind: Copy + Eq + Serialize + 'static {
    /// Number of kinds.
    const COUNT: usize;
    /// The kind's index, below `COUNT`.
    fn index(self) -> usize;
    /// The kind as people read it.
    fn describe(self) -> &'static str;
    /// The stable machine name (as in the summary JSON).
    fn key(self) -> &'static str;
}

impl Kind for Reason {
    const COUNT: usize = Reason::COUNT;
    fn index(self) -> usize {
        self as usize
    }
    fn describe(self) -> &'static str {
        Reason::describe(self)
    }
    fn key(self) -> &'static str {
        Reason::key(self)
    }
}

impl Kind for Note {
    const COUNT: usize = Note::COUNT;
    fn index(self) -> usize {
        self as usize
    }
    fn describe(self) -> &'static str {
        match self {
            Note::BadPage => "page not a number, left empty",
            Note::BadRows => "rows not a number, left empty",
            Note::BadBytes => "bytes not a number, left empty",
            Note::BadStatus => "status not a number, left empty",
        }
    }
    fn key(self) -> &'static str {
        match self {
            Note::BadPage => "bad-page",
            Note::BadRows => "bad-rows",
            Note::BadBytes => "bad-bytes",
            Note::BadStatus => "bad-status",
        }
    }
}

/// How many examples of each reason are kept.
pub const EXAMPLES_PER_REASON: usize = 5;
/// Longest excerpt of a rejected line, in bytes of the original line.
pub const EXCERPT_BYTES: usize = 120;

/// Line counts of a chunk, a file or a scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Bytes read.
    pub bytes: u64,
    /// Lines read.
    pub lines: u64,
    /// Lines that became events.
    pub events: u64,
    /// Empty or whitespace-only lines.
    pub blank: u64,
    /// CSV header rows.
    pub headers: u64,
    /// Comment and directive lines (`#...`, W3C `#Fields:`).
    pub comments: u64,
    /// Rejected lines, by reason (indexed by `Reason as usize`).
    #[serde(skip)]
    pub rejected: [u64; Reason::COUNT],
    /// Derived fields left empty on kept events, by note (indexed by
    /// `Note as usize`).
    #[serde(skip)]
    pub noted: [u64; Note::COUNT],
    /// Events whose identity fell back from the account to the ip.
    pub ip_fallback: u64,
}

impl Counts {
    /// All rejected lines.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.iter().sum()
    }

    /// All notes.
    pub fn noted_total(&self) -> u64 {
        self.noted.iter().sum()
    }

    /// Lines that are neither blank, headers nor comments: the lines that
    /// should have given events.
    pub fn data_lines(&self) -> u64 {
        self.lines
            .saturating_sub(self.blank + self.headers + self.comments)
    }

    /// Whether `lines = events + rejected + blank + headers + comments`
    /// holds.
    pub fn balanced(&self) -> bool {
        self.lines
            == self.events + self.rejected_total() + self.blank + self.headers + self.comments
    }
}

impl AddAssign<&Counts> for Counts {
    fn add_assign(&mut self, o: &Counts) {
        self.bytes += o.bytes;
        self.lines += o.lines;
        self.events += o.events;
        self.blank += o.blank;
        self.headers += o.headers;
        self.comments += o.comments;
        for (a, b) in self.rejected.iter_mut().zip(o.rejected) {
            *a += b;
        }
        for (a, b) in self.noted.iter_mut().zip(o.noted) {
            *a += b;
        }
        self.ip_fallback += o.ip_fallback;
    }
}

/// A rejected (or noted) line, as shown to people: `file:line: reason:
/// excerpt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example<K = Reason> {
    /// The input's index in the scan's file list.
    #[serde(skip)]
    pub file: u32,
    /// The input's name.
    pub path: String,
    /// 1-based line number (of a JSON document's element: the line it
    /// starts on; of a Parquet or Arrow file: the row).
    pub line: u64,
    /// Of a JSON document's element: its 1-based number in the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<u64>,
    /// Why it was rejected (or noted).
    pub reason: K,
    /// The start of the line, control and non-UTF-8 bytes escaped.
    pub excerpt: String,
}

impl<K> Example<K> {
    /// Where it is, as people open it: `file:line`, or `file:line#n` for
    /// a JSON document's n-th element.
    pub fn place(&self) -> String {
        match self.element {
            Some(n) => format!("{}:{}#{n}", self.path, self.line),
            None => format!("{}:{}", self.path, self.line),
        }
    }
}

/// The first [`EXAMPLES_PER_REASON`] examples of each reason (or note).
#[derive(Debug, Clone)]
pub struct Examples<K = Reason> {
    /// Indexed by `K::index`; grown on the first example, so an empty set
    /// (every chunk without a bad line) allocates nothing.
    by_reason: Vec<Vec<Example<K>>>,
}

impl<K: Kind> Default for Examples<K> {
    fn default() -> Self {
        Examples {
            by_reason: Vec::new(),
        }
    }
}

impl<K: Kind> Examples<K> {
    /// Whether another example of `reason` is wanted.
    pub fn wants(&self, reason: K) -> bool {
        self.by_reason
            .get(reason.index())
            .is_none_or(|v| v.len() < EXAMPLES_PER_REASON)
    }

    /// Keeps `example` if fewer than the limit are kept for its reason.
    pub fn push(&mut self, example: Example<K>) {
        if self.wants(example.reason) {
            if self.by_reason.is_empty() {
                self.by_reason.resize_with(K::COUNT, Vec::new);
            }
            self.by_reason[example.reason.index()].push(example);
        }
    }

    /// Appends `later`'s examples (from later input) as far as the limit
    /// allows.
    pub fn extend(&mut self, later: Examples<K>) {
        for list in later.by_reason {
            for example in list {
                self.push(example);
            }
        }
    }

    /// Shifts line numbers by `base` and names the file.
    pub fn locate(&mut self, base: u64, path: &str) {
        for ex in self.by_reason.iter_mut().flatten() {
            ex.line += base;
            ex.path = path.to_string();
        }
    }

    /// All examples, by reason then line.
    pub fn iter(&self) -> impl Iterator<Item = &Example<K>> {
        self.by_reason.iter().flatten()
    }

    /// The earliest example in input order, if any.
    pub fn first(&self) -> Option<&Example<K>> {
        self.iter().min_by_key(|e| (e.file, e.line, e.element))
    }

    /// Turns element numbers (a JSON document's examples, numbered by
    /// element like its events) into `line#n` by the lines its elements
    /// start on (`starts[n - 1]`).
    pub fn place_elements(&mut self, starts: &[u32]) {
        for ex in self.by_reason.iter_mut().flatten() {
            let n = ex.line;
            ex.element = Some(n);
            ex.line = starts
                .get((n as usize).wrapping_sub(1))
                .map_or(0, |&l| l as u64);
        }
    }
}

/// The excerpt of a rejected line: at most [`EXCERPT_BYTES`] bytes, with
/// control bytes and invalid UTF-8 escaped as `\xNN`.
pub fn excerpt(line: &[u8]) -> String {
    let cut = &line[..line.len().min(EXCERPT_BYTES)];
    let mut out = String::with_capacity(cut.len() + 8);
    for chunk in cut.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() {
                out.push_str(&format!("\\x{:02x}", c as u32));
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    if line.len() > EXCERPT_BYTES {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_escapes_and_cuts() {
        assert_eq!(excerpt(b"a\x00b\xffc\td"), "a\\x00b\\xffc\\x09d");
        let long = vec![b'x'; 500];
        let e = excerpt(&long);
        assert!(e.ends_with('…'));
        assert_eq!(e.chars().count(), EXCERPT_BYTES + 1);
    }

    #[test]
    fn examples_keep_the_first_five_in_order() {
        let mut a = Examples::default();
        let ex = |line| Example {
            file: 0,
            path: String::new(),
            line,
            element: None,
            reason: Reason::BadTime,
            excerpt: String::new(),
        };
        for l in 1..=3 {
            a.push(ex(l));
        }
        let mut b = Examples::default();
        for l in 10..=14 {
            b.push(ex(l));
        }
        a.extend(b);
        let lines: Vec<u64> = a.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 2, 3, 10, 11]);
        assert_eq!(a.first().unwrap().line, 1);
    }
}

//! JSON documents: a file holding many events as the elements of one
//! array, either the whole file (`[{...}, {...}]`, as MySQL Enterprise
//! audit writes in JSON mode) or one key of a root object
//! (`{"Records": [{...}, ...]}`, as AWS CloudTrail delivers). The
//! [`Splitter`] finds the elements' byte ranges in one pass, fed any
//! number of bytes at a time, so a mapped file is scanned in place and a
//! stream buffer holds no more than the element under way; it builds no
//! value. Each element is then parsed like an NDJSON line, with the same
//! field mapping. Documents may follow one another (one per line, or
//! concatenated).
//!
//! An element is numbered in file order (`n`, from 1) and remembers the
//! line it starts on, so its provenance reads `file:line#n`. Whatever
//! breaks the structure outside the elements (a missing comma, a stray
//! word, a document cut short) is reported once, as [`Found::Broken`]: an
//! element never vanishes without a count.

/// What the splitter found, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// An element: its bytes are `start..end` of the bytes fed, and it
    /// starts on 1-based line `line`. An element cut short by the end of
    /// the file ends there (its parser rejects it).
    Element {
        /// Offset of its first byte.
        start: u64,
        /// Offset after its last byte.
        end: u64,
        /// The line it starts on.
        line: u64,
    },
    /// The structure broke at `line` (or the file held no array to read):
    /// what follows is not read. `excerpt` holds the first bytes from
    /// there.
    Broken {
        /// The line where it broke.
        line: u64,
        /// Up to [`crate::tally::EXCERPT_BYTES`] bytes from the break.
        excerpt: Vec<u8>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before a document's root value.
    Start,
    /// After a root object's `{`: a key or `}`.
    RootFirst,
    /// After a root member's `,`: a key.
    RootNext,
    /// Inside a root key.
    Key,
    /// After a root key: `:`.
    Colon,
    /// After a root key's `:`: its value.
    RootValue,
    /// Inside a root value that is not the array of events.
    Skip,
    /// Inside a bare (number, literal) root value being skipped.
    SkipScalar,
    /// After a root value: `,` or `}`.
    AfterRootValue,
    /// After the array's `[`: an element or `]`.
    ArrayOpen,
    /// After an element's `,`: an element (or `]`, leniently).
    ArrayNext,
    /// Inside an object, array or string element.
    Element,
    /// Inside a bare (number, literal) element.
    ElementScalar,
    /// After an element: `,` or `]`.
    AfterElement,
    /// After a document: white space, or another document.
    Trailing,
    /// After a break: nothing more is read.
    Dead,
}

/// Finds the elements of JSON documents, fed their bytes in order.
#[derive(Debug)]
pub struct Splitter {
    key: Box<[u8]>,
    state: State,
    /// Offset of the next byte to be fed.
    offset: u64,
    /// Line of the first byte not yet counted.
    line: u64,
    /// Whether the last byte fed was a line end (for the line total).
    at_line_start: bool,
    /// Whether the array being read is a root object's member.
    in_object: bool,
    /// Whether any document held an array to read.
    found_array: bool,
    depth: u32,
    in_str: bool,
    esc: bool,
    /// The element under way: its start offset and line.
    start: u64,
    start_line: u64,
    /// The root key being read (its raw, still-escaped bytes), and whether
    /// it outgrew the key wanted.
    key_buf: Vec<u8>,
    /// The first bytes of the file, and after a break the first bytes
    /// from it.
    excerpt: Vec<u8>,
    broken_line: u64,
}

const EXCERPT: usize = crate::tally::EXCERPT_BYTES + 1;

#[inline]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Whether `head` (a file's first bytes) starts a JSON document: after a
/// byte-order mark and white space, `[` then `{` or `]` (an array of
/// objects, which no line format starts with; a bare `[` may open an
/// error log's `[date]`), or `{"KEY"` with `key` the array wanted.
pub fn detect(head: &[u8], key: &str) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let rest = |s: &[u8]| -> usize { s.iter().position(|&b| !is_ws(b)).unwrap_or(s.len()) };
    let at = rest(head);
    let head = &head[at..];
    match head.first() {
        Some(b'[') => {
            let inner = &head[1..];
            matches!(inner.get(rest(inner)), Some(b'{' | b']'))
        }
        Some(b'{') => {
            let inner = &head[1..];
            let inner = &inner[rest(inner)..];
            inner.first() == Some(&b'"')
                && inner[1..].starts_with(key.as_bytes())
                && inner.get(1 + key.len()) == Some(&b'"')
        }
        _ => false,
    }
}

impl Splitter {
    /// A splitter reading the array under `key` of root objects (and any
    /// root array).
    pub fn new(key: &str) -> Splitter {
        Splitter {
            key: key.as_bytes().into(),
            state: State::Start,
            offset: 0,
            line: 1,
            at_line_start: true,
            in_object: false,
            found_array: false,
            depth: 0,
            in_str: false,
            esc: false,
            start: 0,
            start_line: 0,
            key_buf: Vec::new(),
            excerpt: Vec::new(),
            broken_line: 0,
        }
    }

    /// The offset of the element under way, if one is: the bytes from
    /// there must be kept until it is found.
    pub fn pending(&self) -> Option<u64> {
        matches!(self.state, State::Element | State::ElementScalar).then_some(self.start)
    }

    /// Lines fed so far (a last line without a line end counts).
    pub fn lines(&self) -> u64 {
        self.line - self.at_line_start as u64
    }

    /// Reads the next bytes of the file, appending what it finds to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Found>) {
        if self.state != State::Dead && (self.offset as usize) < EXCERPT {
            let room = EXCERPT - self.offset as usize;
            self.excerpt
                .extend_from_slice(&bytes[..bytes.len().min(room)]);
        }
        // Lines are counted lazily, up to each element start: `counted`
        // bytes of `bytes` are in `self.line`.
        let mut counted = 0;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            match self.state {
                State::Dead => {
                    let room = EXCERPT.saturating_sub(self.excerpt.len());
                    self.excerpt
                        .extend_from_slice(&bytes[i..bytes.len().min(i + room)]);
                    break;
                }
                State::Start | State::Trailing => match b {
                    _ if is_ws(b) => i += 1,
                    b'[' => {
                        self.in_object = false;
                        self.found_array = true;
                        self.state = State::ArrayOpen;
                        i += 1;
                    }
                    b'{' => {
                        self.in_object = true;
                        self.state = State::RootFirst;
                        i += 1;
                    }
                    _ => self.fail_at(bytes, i, &mut counted),
                },
                State::RootFirst | State::RootNext => match b {
                    _ if is_ws(b) => i += 1,
                    b'"' => {
                        self.key_buf.clear();
                        self.esc = false;
                        self.state = State::Key;
                        i += 1;
                    }
                    b'}' if self.state == State::RootFirst => {
                        self.state = State::Trailing;
                        i += 1;
                    }
                    _ => self.fail_at(bytes, i, &mut counted),
                },
                State::Key => {
                    if self.esc {
                        self.esc = false;
                    } else if b == b'\\' {
                        self.esc = true;
                    } else if b == b'"' {
                        self.state = State::Colon;
                        i += 1;
                        continue;
                    }
                    if self.key_buf.len() <= self.key.len() {
                        self.key_buf.push(b);
                    }
                    i += 1;
                }
                State::Colon => match b {
                    _ if is_ws(b) => i += 1,
                    b':' => {
                        self.state = State::RootValue;
                        i += 1;
                    }
                    _ => self.fail_at(bytes, i, &mut counted),
                },
                State::RootValue => match b {
                    _ if is_ws(b) => i += 1,
                    b'[' if *self.key_buf == *self.key => {
                        self.found_array = true;
                        self.state = State::ArrayOpen;
                        i += 1;
                    }
                    b'{' | b'[' | b'"' => {
                        (self.depth, self.in_str, self.esc) =
                            (u32::from(b != b'"'), b == b'"', false);
                        self.state = State::Skip;
                        i += 1;
                    }
                    b',' | b'}' | b']' | b':' => self.fail_at(bytes, i, &mut counted),
                    _ => self.state = State::SkipScalar,
                },
                State::Skip | State::Element => {
                    i = self.value(bytes, i);
                    if !self.in_str && self.depth == 0 {
                        if self.state == State::Element {
                            self.emit(i, out);
                            self.state = State::AfterElement;
                        } else {
                            self.state = State::AfterRootValue;
                        }
                    }
                }
                State::SkipScalar | State::ElementScalar => {
                    if is_ws(b) || matches!(b, b',' | b']' | b'}') {
                        if self.state == State::ElementScalar {
                            self.emit(i, out);
                            self.state = State::AfterElement;
                        } else {
                            self.state = State::AfterRootValue;
                        }
                    } else {
                        i += 1;
                    }
                }
                State::AfterRootValue => match b {
                    _ if is_ws(b) => i += 1,
                    b',' => {
                        self.state = State::RootNext;
                        i += 1;
                    }
                    b'}' => {
                        self.state = State::Trailing;
                        i += 1;
                    }
                    _ => self.fail_at(bytes, i, &mut counted),
                },
                State::ArrayOpen | State::ArrayNext => match b {
                    _ if is_ws(b) => i += 1,
                    b']' => {
                        self.close_array();
                        i += 1;
                    }
                    b',' | b'}' | b':' => self.fail_at(bytes, i, &mut counted),
                    _ => {
                        self.line += count_lines(&bytes[counted..i]);
                        counted = i;
                        self.start = self.offset + i as u64;
                        self.start_line = self.line;
                        if matches!(b, b'{' | b'[' | b'"') {
                            (self.depth, self.in_str, self.esc) =
                                (u32::from(b != b'"'), b == b'"', false);
                            self.state = State::Element;
                            i += 1;
                        } else {
                            self.state = State::ElementScalar;
                        }
                    }
                },
                State::AfterElement => match b {
                    _ if is_ws(b) => i += 1,
                    b',' => {
                        self.state = State::ArrayNext;
                        i += 1;
                    }
                    b']' => {
                        self.close_array();
                        i += 1;
                    }
                    _ => self.fail_at(bytes, i, &mut counted),
                },
            }
        }
        self.line += count_lines(&bytes[counted..]);
        if let Some(&last) = bytes.last() {
            self.at_line_start = last == b'\n';
        }
        self.offset += bytes.len() as u64;
    }

    /// Ends the file: an element under way ends here, and a break, a
    /// document left open, or a file with no array to read is reported.
    pub fn finish(&mut self, out: &mut Vec<Found>) {
        match self.state {
            State::Element | State::ElementScalar => {
                out.push(Found::Element {
                    start: self.start,
                    end: self.offset,
                    line: self.start_line,
                });
                self.broken_line = self.lines();
                self.excerpt.clear();
            }
            State::Dead => {}
            State::Trailing | State::Start if self.found_array || self.offset == 0 => return,
            State::Trailing | State::Start => {
                // A document with no array of events: what it holds is
                // not read, and says so (its first bytes as the excerpt).
                self.broken_line = 1;
            }
            _ => {
                // Left open: the file was cut between elements.
                self.broken_line = self.lines();
                self.excerpt.clear();
            }
        }
        self.state = State::Dead;
        out.push(Found::Broken {
            line: self.broken_line,
            excerpt: std::mem::take(&mut self.excerpt),
        });
    }

    /// Scans an element or skipped value from `i`, tracking strings and
    /// nesting; returns the offset after the bytes consumed (just after
    /// the value's end, or the end of `bytes`).
    #[inline]
    fn value(&mut self, bytes: &[u8], mut i: usize) -> usize {
        while i < bytes.len() {
            if self.in_str {
                if self.esc {
                    self.esc = false;
                    i += 1;
                    continue;
                }
                match memchr::memchr2(b'"', b'\\', &bytes[i..]) {
                    Some(n) => {
                        i += n + 1;
                        if bytes[i - 1] == b'\\' {
                            self.esc = true;
                        } else {
                            self.in_str = false;
                            if self.depth == 0 {
                                return i;
                            }
                        }
                    }
                    None => return bytes.len(),
                }
                continue;
            }
            match bytes[i] {
                b'"' => self.in_str = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return i + 1;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        i
    }

    fn emit(&mut self, i: usize, out: &mut Vec<Found>) {
        out.push(Found::Element {
            start: self.start,
            end: self.offset + i as u64,
            line: self.start_line,
        });
    }

    fn close_array(&mut self) {
        self.state = if self.in_object {
            State::AfterRootValue
        } else {
            State::Trailing
        };
    }

    /// The structure broke at `bytes[i]`: the rest is not read.
    fn fail_at(&mut self, bytes: &[u8], i: usize, counted: &mut usize) {
        self.line += count_lines(&bytes[*counted..i]);
        *counted = i;
        self.broken_line = self.line;
        self.excerpt.clear();
        self.state = State::Dead;
    }
}

fn count_lines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The elements' text and start lines, any break (its line and
    /// excerpt), and the lines fed.
    type Split = (Vec<(String, u64)>, Option<(u64, String)>, u64);

    /// What [`Splitter`] finds in `text` fed `step` bytes at a time.
    fn split(text: &str, step: usize) -> Split {
        let mut s = Splitter::new("Records");
        let mut out = Vec::new();
        for piece in text.as_bytes().chunks(step.max(1)) {
            s.feed(piece, &mut out);
        }
        s.finish(&mut out);
        let mut elements = Vec::new();
        let mut broken = None;
        for f in out {
            match f {
                Found::Element { start, end, line } => {
                    elements.push((text[start as usize..end as usize].to_string(), line))
                }
                Found::Broken { line, excerpt } => {
                    broken = Some((line, String::from_utf8(excerpt).unwrap()))
                }
            }
        }
        (elements, broken, s.lines())
    }

    fn every_step(text: &str) -> Split {
        let whole = split(text, text.len());
        for step in 1..text.len() {
            assert_eq!(split(text, step), whole, "fed {step} bytes at a time");
        }
        whole
    }

    #[test]
    fn finds_the_records_of_a_cloudtrail_document() {
        let text = r#"{"Other": {"a": [1, "]}"]}, "Records": [{"x": "a\"}"}, {"y": [1,{}]}
,  {"z": 2}], "n": -1.5e3}"#;
        let (elements, broken, lines) = every_step(text);
        assert_eq!(
            elements,
            [
                (r#"{"x": "a\"}"}"#.into(), 1),
                (r#"{"y": [1,{}]}"#.into(), 1),
                (r#"{"z": 2}"#.into(), 2)
            ]
        );
        assert_eq!((broken, lines), (None, 2));
    }

    #[test]
    fn finds_the_elements_of_an_array_and_of_documents_in_a_row() {
        let text =
            "[\n  {\"a\": 1},\n  \"s\",\n  12 ,\n  {\"b\":\n    2}\n]\n{\"Records\":[]}\n[]\n";
        let (elements, broken, lines) = every_step(text);
        assert_eq!(
            elements,
            [
                ("{\"a\": 1}".into(), 2),
                ("\"s\"".into(), 3),
                ("12".into(), 4),
                ("{\"b\":\n    2}".into(), 5)
            ]
        );
        assert_eq!((broken, lines), (None, 9));
    }

    #[test]
    fn reports_a_break_once_with_where_it_is() {
        let (elements, broken, _) = every_step("[{\"a\":1}\n {\"b\":2}]");
        assert_eq!(elements, [("{\"a\":1}".into(), 1)]);
        assert_eq!(broken, Some((2, "{\"b\":2}]".into())));
        // Cut short inside an element: the element ends at the end, and
        // the open document is reported.
        let (elements, broken, _) = every_step("{\"Records\":[{\"a\":1},\n{\"b\":");
        assert_eq!(elements.len(), 2);
        assert_eq!(elements[1], ("{\"b\":".into(), 2));
        assert_eq!(broken, Some((2, String::new())));
        // Cut short between elements.
        let (elements, broken, _) = every_step("[{\"a\":1},");
        assert_eq!((elements.len(), broken), (1, Some((1, String::new()))));
        // No array of events at all.
        let (elements, broken, _) = every_step("{\"Other\": []}");
        assert_eq!(
            (elements.len(), broken),
            (0, Some((1, "{\"Other\": []}".into())))
        );
        let (elements, broken, _) = every_step("");
        assert_eq!((elements.len(), broken), (0, None));
        let (elements, broken, _) = every_step("hello");
        assert_eq!((elements.len(), broken), (0, Some((1, "hello".into()))));
    }

    #[test]
    fn detects_documents_not_logs() {
        assert!(detect(b"\xEF\xBB\xBF {\"Records\": [", "Records"));
        assert!(detect(b"[\n  {\"ts\":1}", "Records"));
        assert!(detect(b"[]", "Records"));
        assert!(!detect(b"{\"ts\":1,\"Records\":[]}", "Records"));
        assert!(!detect(b"[Mon Jan 01 10:00:00 2024] [error] x", "Records"));
        assert!(!detect(b"{\"RecordsX\":[]}", "Records"));
        assert!(detect(b"{\"Events\":[]}", "Events"));
    }
}

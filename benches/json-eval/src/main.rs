//! Issue 17: scrapewatch's NDJSON scanner against sonic-rs and simd-json
//! on the same job, on lines of a real-sized NDJSON file.
//!
//! The job, per line: validate the line as one JSON object and get the
//! value of each wanted key (the default field mapping, dotted keys
//! followed into nested objects): a string's contents, a number's or
//! literal's text (simd-json: its parsed value), `rows`' array (its
//! element count). Null is absent; an object or array under a scalar key
//! is absent. Each candidate writes the same per-field answer, and the
//! same tally of the answers is what is timed, so the glue is alike.
//!
//!   json-eval FILE [--lines N] [--rounds R] [--only NAME] [--skip-check]
//!   json-eval --deep NAME[:arrays|:objects]   (one candidate on lines nested
//!                                              100,000 deep)
//!
//! Candidates (`--only` takes one name):
//!   ours          scrapewatch::format::ndjson::Parser::parse into a Raw
//!   sonic-iter    sonic_rs::to_object_iter (checked skips) + key lookup
//!                 + a check of the bytes after the closing brace
//!   sonic-many    sonic_rs::get_many with a PointerTree (as documented;
//!                 it stops when every path is found and does not look at
//!                 what follows the object)
//!   simd-tape     copy into a padded buffer + simd_json::fill_tape_padded,
//!                 then a walk of the tape

use scrapewatch::format::settings::Fields;
use scrapewatch::format::{ndjson, Escape, Field, Raw};
use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::time::Instant;

const NFIELDS: usize = 14;

/// One field's answer, alike for every candidate.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Val<'a> {
    /// Text: a string's contents (escaped or not, per `escaped`) or a
    /// number's or literal's text.
    Text(&'a [u8], bool),
    /// A parsed number (simd-json parses them; there is no raw text).
    Int(i64),
    Uint(u64),
    Float(f64),
    Bool(bool),
    /// An array under `rows`: its raw text (scanners) or element count.
    ArrayRaw(&'a [u8]),
    ArrayLen(usize),
}

type Answer<'a> = [Option<Val<'a>>; NFIELDS];

/// Adds a line's answer to the tally: fields present, and their sizes.
#[inline(always)]
fn tally(answer: &Answer<'_>, found: &mut u64, size: &mut u64) {
    for v in answer.iter().flatten() {
        let n = match *v {
            Val::Text(b, _) | Val::ArrayRaw(b) => {
                if b.is_empty() || b == b"-" {
                    continue;
                }
                b.len() as u64
            }
            Val::Int(_) | Val::Uint(_) | Val::Float(_) | Val::Bool(_) => 1,
            Val::ArrayLen(n) => n as u64,
        };
        *found += 1;
        *size += n;
    }
}

// ---------------------------------------------------------------------
// The wanted keys, as a lookup table for the candidates that hand us keys
// (sonic-iter, simd-tape). The same scheme as our scanner's (one multiply
// of the length and first, middle and last bytes picks a slot), so the
// lookup costs alike.

enum Target {
    Field(Field),
    Nested(Keys),
}

struct Keys {
    keys: Vec<(Vec<u8>, Target)>,
    slots: [u8; 128],
    mul: u32,
}

const SHARED: u8 = u8::MAX;
const MULS: [u32; 4] = [0x9E37_79B1, 0x85EB_CA77, 0xC2B2_AE3D, 0x27D4_EB2F];

#[inline(always)]
fn slot(key: &[u8], mul: u32) -> usize {
    let n = key.len();
    let x = match n {
        0 => 0,
        _ => {
            n as u32 ^ (key[0] as u32) << 8 ^ (key[n / 2] as u32) << 16 ^ (key[n - 1] as u32) << 24
        }
    };
    (x.wrapping_mul(mul) >> 25) as usize
}

impl Keys {
    fn new() -> Keys {
        Keys {
            keys: Vec::new(),
            slots: [0; 128],
            mul: MULS[0],
        }
    }

    fn insert(&mut self, path: &[&str], field: Field) {
        let key = path[0].as_bytes();
        let pos = self.keys.iter().position(|(k, _)| k == key);
        if path.len() == 1 {
            if pos.is_none() {
                self.keys.push((key.to_vec(), Target::Field(field)));
            }
        } else {
            let idx = pos.unwrap_or_else(|| {
                self.keys.push((key.to_vec(), Target::Nested(Keys::new())));
                self.keys.len() - 1
            });
            if let Target::Nested(n) = &mut self.keys[idx].1 {
                n.insert(&path[1..], field);
            }
        }
        self.index();
    }

    fn index(&mut self) {
        let mut best = (usize::MAX, [0u8; 128], MULS[0]);
        for &mul in &MULS {
            let mut slots = [0u8; 128];
            let mut shared = 0;
            for (i, (k, _)) in self.keys.iter().enumerate() {
                let s = &mut slots[slot(k, mul)];
                if *s == 0 {
                    *s = i as u8 + 1;
                } else {
                    *s = SHARED;
                    shared += 1;
                }
            }
            if shared < best.0 {
                best = (shared, slots, mul);
            }
        }
        self.slots = best.1;
        self.mul = best.2;
    }

    #[inline(always)]
    fn find(&self, key: &[u8]) -> Option<&Target> {
        match self.slots[slot(key, self.mul)] {
            0 => None,
            SHARED => self.keys.iter().find(|(k, _)| k == key).map(|(_, t)| t),
            i => {
                let (k, t) = &self.keys[i as usize - 1];
                (k == key).then_some(t)
            }
        }
    }
}

/// The wanted keys of a field mapping, split as our parser splits them
/// (`A|B` alternatives, dotted paths).
fn wanted(fields: &Fields) -> Vec<(Vec<String>, Field)> {
    let mut out = Vec::new();
    for (field, names) in Field::ALL.iter().zip(fields.names()) {
        for name in names.split('|').filter(|n| !n.is_empty()) {
            out.push((name.split('.').map(String::from).collect(), *field));
        }
    }
    out
}

fn keys_of(fields: &Fields) -> Keys {
    let mut k = Keys::new();
    for (path, field) in wanted(fields) {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        k.insert(&p, field);
    }
    k
}

// ---------------------------------------------------------------------
// (a) ours

struct Ours {
    parser: ndjson::Parser,
}

impl Ours {
    #[inline(always)]
    fn line<'a>(&self, line: &'a [u8], answer: &mut Answer<'a>) -> bool {
        let mut raw = Raw::default();
        if self.parser.parse(line, &mut raw).is_err() {
            return false;
        }
        for (i, f) in Field::ALL.iter().enumerate() {
            answer[i] = raw.get(*f).map(|t| match t.escape {
                Escape::Array => Val::ArrayRaw(t.bytes),
                e => Val::Text(t.bytes, e == Escape::Json),
            });
        }
        true
    }
}

// ---------------------------------------------------------------------
// (b) sonic-rs

/// The bytes of `part` (a sub-slice of `line`) as a range of `line`.
#[inline(always)]
fn within<'a>(line: &'a [u8], part: &str) -> &'a [u8] {
    let start = part.as_ptr() as usize - line.as_ptr() as usize;
    &line[start..start + part.len()]
}

#[inline(always)]
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// A scalar's answer from its raw JSON text (already validated).
#[inline(always)]
fn raw_val(raw: &[u8], field: Field) -> Option<Val<'_>> {
    match raw.first()? {
        // Marked as possibly escaped: sonic-rs knows whether a string has
        // escapes (its `ParseStatus`) but does not export it, and looking
        // here would be a second pass over each string. The decode that
        // uses the field looks instead (as ours does for escaped text).
        b'"' => Some(Val::Text(&raw[1..raw.len() - 1], true)),
        b'[' if field == Field::Rows => Some(Val::ArrayRaw(raw)),
        b'{' | b'[' | b'n' => None,
        _ => Some(Val::Text(raw, false)),
    }
}

struct SonicIter {
    keys: Keys,
}

impl SonicIter {
    #[inline(always)]
    fn line<'a>(&self, line: &'a [u8], answer: &mut Answer<'a>) -> bool {
        match Self::object(&self.keys, line, line, answer) {
            Some(end) => {
                // What follows the object's closing brace: only space.
                line[end..].iter().all(|&b| is_ws(b))
            }
            None => false,
        }
    }

    /// Walks the object in `json` (a part of `line`); the offset in `line`
    /// just past its closing brace, `None` when invalid.
    fn object<'a>(
        keys: &Keys,
        line: &'a [u8],
        json: &'a [u8],
        answer: &mut Answer<'a>,
    ) -> Option<usize> {
        let mut last_end = None;
        for entry in sonic_rs::to_object_iter(json) {
            let (key, val) = entry.ok()?;
            let std::borrow::Cow::Borrowed(raw) = val.as_raw_cow() else {
                return None;
            };
            let raw = within(line, raw);
            let end = raw.as_ptr() as usize - line.as_ptr() as usize + raw.len();
            last_end = Some(end);
            match keys.find(key.as_bytes()) {
                Some(Target::Field(f)) => answer[*f as usize] = raw_val(raw, *f),
                Some(Target::Nested(child)) if raw.first() == Some(&b'{') => {
                    Self::object(child, line, raw, answer)?;
                }
                _ => {}
            }
        }
        // The closing brace: after the last value, or after `{` when empty.
        let from = match last_end {
            Some(e) => e,
            None => {
                let start = json.as_ptr() as usize - line.as_ptr() as usize;
                let open = json.iter().position(|&b| b == b'{')?;
                start + open + 1
            }
        };
        let close = from + line[from..].iter().position(|&b| !is_ws(b))?;
        (line[close] == b'}').then_some(close + 1)
    }
}

struct SonicMany {
    tree: sonic_rs::PointerTree,
    fields: Vec<Field>,
}

impl SonicMany {
    fn new(fields: &Fields) -> SonicMany {
        let mut tree = sonic_rs::PointerTree::new();
        let mut out = Vec::new();
        for (path, field) in wanted(fields) {
            let p: Vec<&str> = path.iter().map(String::as_str).collect();
            tree.add_path(p.iter());
            out.push(field);
        }
        SonicMany { tree, fields: out }
    }

    #[inline(always)]
    fn line<'a>(&self, line: &'a [u8], answer: &mut Answer<'a>) -> bool {
        let Ok(vals) = sonic_rs::get_many(line, &self.tree) else {
            return false;
        };
        for (v, f) in vals.iter().zip(&self.fields) {
            if let Some(v) = v {
                if let std::borrow::Cow::Borrowed(raw) = v.as_raw_cow() {
                    answer[*f as usize] = raw_val(within(line, raw), *f);
                }
            }
        }
        true
    }
}

// ---------------------------------------------------------------------
// (c) simd-json

struct SimdTape {
    keys: Keys,
    copy: Vec<u8>,
    buffers: simd_json::Buffers,
    spare: Option<simd_json::Tape<'static>>,
}

impl SimdTape {
    fn new(fields: &Fields) -> SimdTape {
        SimdTape {
            keys: keys_of(fields),
            copy: Vec::with_capacity(4096),
            buffers: simd_json::Buffers::new(4096),
            spare: Some(simd_json::Tape::null()),
        }
    }

    /// Walks the object at `tape[0]`; its answers go into `answer`.
    fn object<'t>(keys: &Keys, tape: &[simd_json::Node<'t>], answer: &mut [Option<Val<'t>>]) {
        use simd_json::{Node, StaticNode};
        let simd_json::Node::Object { len, .. } = tape[0] else {
            return;
        };
        let count = |n: &Node| match n {
            Node::Object { count, .. } | Node::Array { count, .. } => count + 1,
            _ => 1,
        };
        let mut i = 1;
        for _ in 0..len {
            let Node::String(key) = tape[i] else { return };
            let v = &tape[i + 1..];
            match keys.find(key.as_bytes()) {
                Some(Target::Field(f)) => {
                    answer[*f as usize] = match v[0] {
                        Node::String(s) => Some(Val::Text(s.as_bytes(), false)),
                        Node::Static(StaticNode::I64(n)) => Some(Val::Int(n)),
                        Node::Static(StaticNode::U64(n)) => Some(Val::Uint(n)),
                        Node::Static(StaticNode::F64(n)) => Some(Val::Float(n)),
                        Node::Static(StaticNode::Bool(b)) => Some(Val::Bool(b)),
                        Node::Array { len, .. } if *f == Field::Rows => Some(Val::ArrayLen(len)),
                        _ => None,
                    }
                }
                Some(Target::Nested(child)) if matches!(v[0], Node::Object { .. }) => {
                    Self::object(child, v, answer)
                }
                _ => {}
            }
            i += 1 + count(&v[0]);
        }
    }
}

/// Runs simd-json on one line and hands the answer to `then` (the tape
/// borrows the copy, so the answer cannot outlive this call).
#[inline(always)]
fn simd_line<R>(s: &mut SimdTape, line: &[u8], then: impl FnOnce(bool, &Answer<'_>) -> R) -> R {
    // The copy simd-json needs (it unescapes in place), with its padding.
    s.copy.clear();
    s.copy.extend_from_slice(line);
    s.copy.resize(line.len() + simd_json::INPUT_PADDING, b' ');
    let mut tape = s.spare.take().expect("tape").reset();
    let ok = simd_json::fill_tape_padded(&mut s.copy, line.len(), &mut s.buffers, &mut tape)
        .is_ok()
        && matches!(tape.0.first(), Some(simd_json::Node::Object { .. }));
    let mut answer: Answer<'_> = [None; NFIELDS];
    if ok {
        SimdTape::object(&s.keys, &tape.0, &mut answer);
    }
    let r = then(ok, &answer);
    s.spare = Some(tape.reset());
    r
}

// ---------------------------------------------------------------------
// The measured loops: one per candidate, never inlined, so callgrind can
// count each (`--toggle-collect=*run_NAME*`).

#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Tally {
    valid: u64,
    found: u64,
    size: u64,
}

/// Runs `line` (valid, and fills the answer) over `lines` and tallies the
/// answers: the loop shared by the three candidates that answer by return.
/// Inlined into each `run_*`, so callgrind counts each candidate apart.
#[inline(always)]
fn tally_lines<'a>(lines: &[&'a [u8]], line: impl Fn(&'a [u8], &mut Answer<'a>) -> bool) -> Tally {
    let mut t = Tally::default();
    for l in lines {
        let mut a: Answer<'_> = [None; NFIELDS];
        if line(l, &mut a) {
            t.valid += 1;
            tally(&a, &mut t.found, &mut t.size);
        }
    }
    t
}

#[inline(never)]
fn run_ours(p: &Ours, lines: &[&[u8]]) -> Tally {
    tally_lines(lines, |l, a| p.line(l, a))
}

#[inline(never)]
fn run_sonic_iter(p: &SonicIter, lines: &[&[u8]]) -> Tally {
    tally_lines(lines, |l, a| p.line(l, a))
}

#[inline(never)]
fn run_sonic_many(p: &SonicMany, lines: &[&[u8]]) -> Tally {
    tally_lines(lines, |l, a| p.line(l, a))
}

#[inline(never)]
fn run_simd_tape(p: &mut SimdTape, lines: &[&[u8]]) -> Tally {
    let mut t = Tally::default();
    for line in lines {
        simd_line(p, line, |ok, a| {
            if ok {
                t.valid += 1;
                tally(a, &mut t.found, &mut t.size);
            }
        });
    }
    t
}

// ---------------------------------------------------------------------
// Agreement: each field's decoded value, as text, per candidate.

fn canon(v: &Val<'_>) -> String {
    match *v {
        Val::Text(b, escaped) => {
            let mut out = Vec::new();
            if escaped {
                ndjson::unescape(b, &mut out);
            } else {
                out.extend_from_slice(b);
            }
            String::from_utf8_lossy(&out).into_owned()
        }
        Val::Int(n) => n.to_string(),
        Val::Uint(n) => n.to_string(),
        Val::Float(f) => format!("{f}"),
        Val::Bool(b) => b.to_string(),
        Val::ArrayRaw(b) => format!("[{}]", ndjson::count(b)),
        Val::ArrayLen(n) => format!("[{n}]"),
    }
}

fn canon_answer(ok: bool, a: &Answer<'_>) -> Option<Vec<Option<String>>> {
    // Empty and `-` are absent, as `Raw::get` has them.
    ok.then(|| {
        a.iter()
            .map(|v| {
                v.as_ref()
                    .filter(|v| !matches!(v, Val::Text(b, _) if b.is_empty() || *b == b"-"))
                    .map(canon)
            })
            .collect()
    })
}

struct All {
    ours: Ours,
    sonic_iter: SonicIter,
    sonic_many: SonicMany,
    simd: SimdTape,
}

const NAMES: [&str; 4] = ["ours", "sonic-iter", "sonic-many", "simd-tape"];

impl All {
    fn new(fields: &Fields) -> All {
        All {
            ours: Ours {
                parser: ndjson::Parser::new(fields),
            },
            sonic_iter: SonicIter {
                keys: keys_of(fields),
            },
            sonic_many: SonicMany::new(fields),
            simd: SimdTape::new(fields),
        }
    }

    /// Each candidate's canonical answer for one line (`None`: invalid).
    fn answers(&mut self, line: &[u8]) -> Vec<Option<Vec<Option<String>>>> {
        (0..NAMES.len()).map(|c| self.answer(c, line)).collect()
    }

    /// Candidate `c`'s canonical answer for one line (`None`: invalid).
    fn answer(&mut self, c: usize, line: &[u8]) -> Option<Vec<Option<String>>> {
        let mut a = [None; NFIELDS];
        match c {
            0 => {
                let ok = self.ours.line(line, &mut a);
                canon_answer(ok, &a)
            }
            1 => {
                let ok = self.sonic_iter.line(line, &mut a);
                canon_answer(ok, &a)
            }
            2 => {
                let ok = self.sonic_many.line(line, &mut a);
                canon_answer(ok, &a)
            }
            _ => simd_line(&mut self.simd, line, canon_answer),
        }
    }
}

/// Lines nested 100,000 deep (200 KB, under the default line limit of
/// 1 MiB). sonic-rs's checked skip recurses once per level with no limit,
/// so these overflow the stack and abort the process: they are left out
/// of the table for sonic-rs and run alone with `--deep NAME`.
fn deep_lines() -> Vec<(&'static str, Vec<u8>)> {
    let n = 100_000;
    vec![
        (
            "nested depth 100000 (arrays)",
            format!("{{\"a\":{}1{}}}", "[".repeat(n), "]".repeat(n)).into_bytes(),
        ),
        (
            "nested depth 100000 (objects)",
            format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n)).into_bytes(),
        ),
    ]
}

/// `--deep NAME`: runs one candidate on the deeply nested lines.
fn check_deep(arg: &str) {
    // `NAME` or `NAME:arrays` / `NAME:objects` for one of the two lines.
    let (name, only) = arg.split_once(':').unwrap_or((arg, ""));
    let c = NAMES.iter().position(|n| *n == name).unwrap_or(0);
    let mut all = All::new(&Fields::default());
    for (what, line) in deep_lines() {
        if !what.contains(only) {
            continue;
        }
        println!("{name}, {what}: running");
        let ok = all.answer(c, &line).is_some();
        println!("{name}, {what}: {}", if ok { "valid" } else { "invalid" });
    }
}

/// Hand-made lines: which candidates take each as valid.
fn check_broken() {
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(200), "]".repeat(200));
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(200), "}".repeat(200));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("valid", br#"{"ts":"2025-06-01T00:00:00Z","account":"a","record":1}"#.to_vec()),
        ("valid, escapes", br#"{"ts":"t","account":"a\"b\u00e9\n","ip":"1.2.3.4"}"#.to_vec()),
        ("empty object", b"{}".to_vec()),
        ("spaces around", b"  { \"ts\" : 1 }  ".to_vec()),
        ("truncated", br#"{"ts":"2025-06-01T00:00:00Z","account":"a"#.to_vec()),
        ("truncated after all keys", br#"{"ts":1,"account":"a","ip":"i","system":"s","action":"a","record":1,"page":1,"rows":1,"bytes":1,"status":1,"session":"s","user_agent":"u","url":"u","x_forwarded_for":"x""#.to_vec()),
        ("trailing bytes", br#"{"ts":1,"account":"a"} x"#.to_vec()),
        ("two objects", br#"{"ts":1}{"ts":2}"#.to_vec()),
        ("trailing after all keys", br#"{"ts":1,"account":"a","ip":"i","system":"s","action":"a","record":1,"page":1,"rows":[1],"bytes":1,"status":1,"session":"s","user_agent":"u","url":"u","x_forwarded_for":"x"} x"#.to_vec()),
        ("bad escape \\x", br#"{"ts":1,"account":"a\xb"}"#.to_vec()),
        ("bad escape \\u12", br#"{"ts":1,"account":"a\u12"}"#.to_vec()),
        ("bad escape in skipped key", br#"{"ts":1,"other":"a\qb"}"#.to_vec()),
        ("raw tab in string", b"{\"ts\":1,\"account\":\"a\tb\"}".to_vec()),
        ("invalid UTF-8", b"{\"ts\":1,\"account\":\"a\xff\"}".to_vec()),
        ("bad number 01", br#"{"ts":1,"record":01}"#.to_vec()),
        ("bad number 1-2", br#"{"ts":1,"record":1-2}"#.to_vec()),
        ("bad number in skipped key", br#"{"ts":1,"other":1.}"#.to_vec()),
        ("bad literal in skipped key", br#"{"ts":1,"other":nul}"#.to_vec()),
        ("trailing comma", br#"{"ts":1,}"#.to_vec()),
        ("missing colon", br#"{"ts" 1}"#.to_vec()),
        ("array, not object", br#"["ts",1]"#.to_vec()),
        ("unclosed array in skipped key", br#"{"ts":1,"x":[1,2}"#.to_vec()),
        ("nested depth 200 (arrays)", deep.into_bytes()),
        ("nested depth 200 (objects)", deep_obj.into_bytes()),
        ("nested depth 20 (arrays)", format!("{{\"a\":{}1{}}}", "[".repeat(20), "]".repeat(20)).into_bytes()),
        ("duplicate key", br#"{"ts":1,"account":"a","account":"b"}"#.to_vec()),
    ];
    let mut all = All::new(&Fields::default());
    println!(
        "\nValidity of hand-made lines (V valid, - invalid, X stack overflow: \
         see --deep); ours | {}",
        NAMES[1..].join(" | ")
    );
    let deep = deep_lines();
    let cases = cases.iter().map(|(n, l)| (*n, l, false));
    let cases = cases.chain(deep.iter().map(|(n, l)| (*n, l, true)));
    for (name, line, deep) in cases {
        let answers: Vec<Option<Option<_>>> = (0..NAMES.len())
            .map(|c| (!(deep && (c == 1 || c == 2))).then(|| all.answer(c, line)))
            .collect();
        let marks: Vec<&str> = answers
            .iter()
            .map(|a| match a {
                None => "X",
                Some(Some(_)) => "V",
                Some(None) => "-",
            })
            .collect();
        let ours_ok = answers[0].as_ref().map(Option::is_some);
        let differs = answers
            .iter()
            .any(|a| a.as_ref().map(Option::is_some) != ours_ok);
        println!(
            "  {:<32} {}{}",
            name,
            marks.join("   "),
            if differs {
                "   <- differs from ours"
            } else {
                ""
            }
        );
    }
    // Nested keys: the same answers through a dotted mapping.
    let nested = Fields {
        account: "user.id".into(),
        ip: "user.net.ip".into(),
        ..Fields::default()
    };
    let mut all = All::new(&nested);
    let line =
        br#"{"user":{"name":"x","id":"u7","net":{"ip":"10.0.0.1"}},"ts":5,"x":[{"id":"no"}]}"#;
    let answers = all.answers(line);
    let same = answers.iter().all(|a| *a == answers[0]);
    println!(
        "  nested keys (user.id, user.net.ip): {} ({:?})",
        if same { "all agree" } else { "DISAGREE" },
        answers[0]
    );
}

// ---------------------------------------------------------------------

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// `n` lines from the middle of the file (from the first line start after
/// half its size), newline-free, back to back in one buffer.
fn read_middle(path: &str, n: usize) -> (Vec<u8>, Vec<(usize, usize)>) {
    let mut f = std::fs::File::open(path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2)
    });
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    f.seek(SeekFrom::Start(size / 2)).expect("seek");
    let mut r = BufReader::with_capacity(1 << 20, f);
    let mut skip = Vec::new();
    if size > 0 {
        r.read_until(b'\n', &mut skip).expect("read");
    }
    let mut buf = Vec::new();
    let mut spans = Vec::with_capacity(n);
    let mut line = Vec::new();
    while spans.len() < n {
        line.clear();
        if r.read_until(b'\n', &mut line).expect("read") == 0 {
            break;
        }
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        if line.is_empty() {
            continue;
        }
        spans.push((buf.len(), line.len()));
        buf.extend_from_slice(&line);
    }
    let _ = r.read(&mut [0u8; 0]);
    (buf, spans)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut path = None;
    let mut n = 500_000usize;
    let mut rounds = 7usize;
    let mut only: Option<String> = None;
    let mut check = true;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--lines" => {
                i += 1;
                n = args[i].parse().expect("--lines N");
            }
            "--rounds" => {
                i += 1;
                rounds = args[i].parse().expect("--rounds R");
            }
            "--only" => {
                i += 1;
                only = Some(args[i].clone());
            }
            "--skip-check" => check = false,
            "--deep" => {
                i += 1;
                check_deep(&args[i]);
                return;
            }
            a => path = Some(a.to_string()),
        }
        i += 1;
    }
    let Some(path) = path else {
        eprintln!("usage: json-eval FILE [--lines N] [--rounds R] [--only NAME] [--skip-check]");
        std::process::exit(2);
    };
    if let Some(o) = &only {
        if !NAMES.contains(&o.as_str()) {
            eprintln!("--only: one of {}", NAMES.join(", "));
            std::process::exit(2);
        }
    }
    let (buf, spans) = read_middle(&path, n);
    let lines: Vec<&[u8]> = spans.iter().map(|&(s, l)| &buf[s..s + l]).collect();
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    println!(
        "{} lines from the middle of {path}, {:.1} MB ({:.0} bytes a line with its newline)",
        lines.len(),
        bytes as f64 / 1e6,
        bytes as f64 / lines.len().max(1) as f64
    );

    let fields = Fields::default();
    let mut all = All::new(&fields);

    if check {
        // Agreement on the data: the same lines valid, the same values.
        let mut disagree = [0u64; 4];
        let mut first: [Option<usize>; 4] = [None; 4];
        for (k, line) in lines.iter().enumerate() {
            let a = all.answers(line);
            for c in 1..4 {
                if a[c] != a[0] {
                    disagree[c] += 1;
                    first[c].get_or_insert(k);
                }
            }
        }
        for c in 1..4 {
            print!(
                "agreement with ours, {}: {} lines differ",
                NAMES[c], disagree[c]
            );
            if let Some(k) = first[c] {
                let a = all.answers(lines[k]);
                print!(
                    " (first: line {k}: ours {:?}, {} {:?})",
                    a[0], NAMES[c], a[c]
                );
            }
            println!();
        }
        check_broken();
    }

    let selected: Vec<usize> = (0..4)
        .filter(|&c| only.as_deref().is_none_or(|o| o == NAMES[c]))
        .collect();
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); 4];
    let mut tallies: Vec<Option<Tally>> = vec![None; 4];
    println!("\n{rounds} rounds, candidates interleaved round by round, one thread");
    for _ in 0..rounds {
        for &c in &selected {
            let lines = black_box(&lines[..]);
            let t0 = Instant::now();
            let t = match c {
                0 => run_ours(&all.ours, lines),
                1 => run_sonic_iter(&all.sonic_iter, lines),
                2 => run_sonic_many(&all.sonic_many, lines),
                _ => run_simd_tape(&mut all.simd, lines),
            };
            times[c].push(t0.elapsed().as_secs_f64());
            black_box(t);
            tallies[c] = Some(t);
        }
    }
    let mut base = None;
    println!(
        "{:<11} {:>9} {:>8} {:>8} {:>9} {:>9}   tally (valid, fields, size)",
        "candidate", "median ms", "ns/line", "MB/s", "min ms", "max ms"
    );
    for &c in &selected {
        let mn = times[c].iter().cloned().fold(f64::INFINITY, f64::min);
        let mx = times[c].iter().cloned().fold(0.0, f64::max);
        let m = median(&mut times[c]);
        let rel = match base {
            None => {
                base = Some(m);
                String::new()
            }
            Some(b) => format!("  x{:.2} of {}", m / b, NAMES[selected[0]]),
        };
        let t = tallies[c].unwrap_or_default();
        println!(
            "{:<11} {:>9.1} {:>8.0} {:>8.0} {:>9.1} {:>9.1}   ({}, {}, {}){rel}",
            NAMES[c],
            m * 1e3,
            m * 1e9 / lines.len().max(1) as f64,
            bytes as f64 / m / 1e6,
            mn * 1e3,
            mx * 1e3,
            t.valid,
            t.found,
            t.size
        );
    }
}

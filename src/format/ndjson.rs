//! NDJSON: one JSON object per line. A hand-written scanner rather than
//! serde_json, because it runs once per line and only needs the spans of a
//! dozen keys: it walks the object once, records the spans of wanted keys
//! (nested objects followed by dotted paths) and skips everything else
//! without building values. It checks the structure (quotes, colons,
//! commas, brackets, literals, trailing bytes) and rejects a line that
//! breaks it as invalid JSON; string contents are unescaped only when a
//! field is used.

use super::settings::Fields;
use super::{Escape, Field, Raw, Text};
use crate::intern::same;
use crate::tally::Reason;

/// The keys wanted at one level of nesting.
#[derive(Debug)]
struct Node {
    keys: Vec<(Box<[u8]>, Target)>,
    /// Where each key is found: `slots[slot(key)]` is its index in `keys`
    /// plus one, 0 for no key, or [`SHARED`] when keys share the slot (then
    /// they are searched in turn). One multiply and one compare per key of
    /// a line, instead of comparing it with every wanted key.
    slots: [u8; SLOTS],
    /// The multiplier of [`slot`] that spreads this node's keys best.
    mul: u32,
}

const SLOTS: usize = 128;
const SHARED: u8 = u8::MAX;

impl Default for Node {
    fn default() -> Node {
        Node {
            keys: Vec::new(),
            slots: [0; SLOTS],
            mul: MULS[0],
        }
    }
}

/// Odd multipliers tried in turn for a node's slots.
const MULS: [u32; 8] = [
    0x9E37_79B1,
    0x85EB_CA77,
    0xC2B2_AE3D,
    0x27D4_EB2F,
    0x1656_67B1,
    0xD3A2_646D,
    0xFD70_46C5,
    0xB55A_4F09,
];

/// The slot of `key` under `mul`: its length and first, middle and last
/// bytes, mixed by one multiply.
#[inline(always)]
fn slot(key: &[u8], mul: u32) -> usize {
    let n = key.len();
    let x = match n {
        0 => 0,
        _ => {
            n as u32 ^ (key[0] as u32) << 8 ^ (key[n / 2] as u32) << 16 ^ (key[n - 1] as u32) << 24
        }
    };
    (x.wrapping_mul(mul) >> (32 - SLOTS.trailing_zeros())) as usize
}

#[derive(Debug)]
enum Target {
    Field(Field),
    Nested(Node),
}

impl Node {
    fn insert(&mut self, path: &[&str], field: Field) {
        let key = path[0].as_bytes();
        let pos = self.keys.iter().position(|(k, _)| &**k == key);
        if path.len() == 1 {
            match pos {
                Some(_) => {} // the first mapping of a key wins
                None => self.keys.push((key.into(), Target::Field(field))),
            }
            return;
        }
        let idx = pos.unwrap_or_else(|| {
            self.keys
                .push((key.into(), Target::Nested(Node::default())));
            self.keys.len() - 1
        });
        if let Target::Nested(node) = &mut self.keys[idx].1 {
            node.insert(&path[1..], field);
        }
    }

    /// Indexes this node and every node under it, once all keys are in.
    fn index_all(&mut self) {
        for (_, target) in &mut self.keys {
            if let Target::Nested(node) = target {
                node.index_all();
            }
        }
        self.index();
    }

    /// Fills `slots` for the keys, with the multiplier that leaves the
    /// fewest keys sharing a slot (keys alike in length and in the bytes
    /// read may share one whatever the multiplier; they are still found).
    fn index(&mut self) {
        let fill = |mul: u32| {
            let mut slots = [0u8; SLOTS];
            let mut shared = 0;
            for (i, (key, _)) in self.keys.iter().enumerate() {
                let s = &mut slots[slot(key, mul)];
                if *s == 0 && i < SHARED as usize - 1 {
                    *s = i as u8 + 1;
                } else {
                    *s = SHARED;
                    shared += 1;
                }
            }
            (shared, slots, mul)
        };
        let (_, slots, mul) = MULS
            .iter()
            .map(|&m| fill(m))
            .min_by_key(|(shared, _, _)| *shared)
            .expect("multipliers");
        self.slots = slots;
        self.mul = mul;
    }

    /// The target of `key`.
    #[inline]
    fn find(&self, key: &[u8]) -> Option<&Target> {
        match self.slots[slot(key, self.mul)] {
            0 => None,
            SHARED => self.keys.iter().find(|(k, _)| same(k, key)).map(|(_, t)| t),
            i => {
                let (k, t) = &self.keys[i as usize - 1];
                same(k, key).then_some(t)
            }
        }
    }
}

/// An NDJSON parser for one field mapping.
#[derive(Debug)]
pub struct Parser {
    root: Node,
}

type Scan<T> = Result<T, ()>;

impl Parser {
    /// A parser looking for the configured field names.
    pub fn new(fields: &Fields) -> Parser {
        let mut root = Node::default();
        for (field, names) in Field::ALL.iter().zip(fields.names()) {
            // `A|B`: either key (when a line has both, the later one).
            for name in names.split('|').filter(|n| !n.is_empty()) {
                let path: Vec<&str> = name.split('.').collect();
                root.insert(&path, *field);
            }
        }
        root.index_all();
        Parser { root }
    }

    /// A parser looking for `keys` (dotted for nested objects), each into
    /// its field slot.
    pub fn with_keys(keys: &[(&str, Field)]) -> Parser {
        let mut root = Node::default();
        for (name, field) in keys {
            let path: Vec<&str> = name.split('.').collect();
            root.insert(&path, *field);
        }
        root.index_all();
        Parser { root }
    }

    /// Parses one line.
    pub fn parse<'a>(&self, line: &'a [u8], raw: &mut Raw<'a>) -> Result<(), Reason> {
        let mut p = Cursor { s: line, i: 0 };
        p.ws();
        let ok = p.object(Some(&self.root), raw, 0).is_ok() && {
            p.ws();
            p.i == line.len()
        };
        if ok {
            Ok(())
        } else {
            Err(Reason::InvalidJson)
        }
    }
}

/// The number of elements of a JSON array already checked by the parser
/// (`[]` is 0); 0 for anything else.
pub fn count(array: &[u8]) -> u64 {
    let mut p = Cursor { s: array, i: 0 };
    if p.expect(b'[').is_err() {
        return 0;
    }
    p.ws();
    if p.peek() == Some(b']') {
        return 0;
    }
    let mut n = 0;
    loop {
        if p.skip(1).is_err() {
            return n;
        }
        n += 1;
        p.ws();
        match p.peek() {
            Some(b',') => {
                p.i += 1;
                p.ws();
            }
            _ => return n,
        }
    }
}

/// Objects nested deeper than this are rejected rather than recursed into.
const MAX_DEPTH: u32 = 64;

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    #[inline]
    fn expect(&mut self, b: u8) -> Scan<()> {
        if self.peek() == Some(b) {
            self.i += 1;
            Ok(())
        } else {
            Err(())
        }
    }

    /// A string after its opening quote: the contents and whether they hold
    /// escapes. Log strings are short, so a word-at-a-time scan (eight
    /// bytes per step, no call) beats a vector search that must set up.
    #[inline]
    fn string(&mut self) -> Scan<(&'a [u8], bool)> {
        let start = self.i;
        let mut escaped = false;
        let s = self.s;
        let mut i = self.i;
        loop {
            while i + 8 <= s.len() {
                let word = u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes"));
                let hit = has_byte(word, b'"') | has_byte(word, b'\\');
                if hit != 0 {
                    i += (hit.trailing_zeros() / 8) as usize;
                    break;
                }
                i += 8;
            }
            while i < s.len() && s[i] != b'"' && s[i] != b'\\' {
                i += 1;
            }
            match s.get(i) {
                Some(b'"') => {
                    self.i = i + 1;
                    return Ok((&s[start..i], escaped));
                }
                Some(_) => {
                    escaped = true;
                    i += 2;
                    if i > s.len() {
                        return Err(());
                    }
                }
                None => return Err(()),
            }
        }
    }

    fn object(&mut self, node: Option<&Node>, raw: &mut Raw<'a>, depth: u32) -> Scan<()> {
        if depth > MAX_DEPTH {
            return Err(());
        }
        self.expect(b'{')?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.expect(b'"')?;
            let (key, _) = self.string()?;
            self.ws();
            self.expect(b':')?;
            self.ws();
            match node.and_then(|n| n.find(key)) {
                Some(Target::Field(Field::Rows)) if self.peek() == Some(b'[') => {
                    let start = self.i;
                    self.skip(depth)?;
                    raw.set(
                        Field::Rows,
                        Text {
                            bytes: &self.s[start..self.i],
                            escape: Escape::Array,
                        },
                    );
                }
                Some(Target::Field(field)) => {
                    if let Some(text) = self.scalar(depth)? {
                        raw.set(*field, text);
                    }
                }
                Some(Target::Nested(child)) if self.peek() == Some(b'{') => {
                    self.object(Some(child), raw, depth + 1)?;
                }
                _ => self.skip(depth)?,
            }
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(()),
            }
        }
    }

    /// A value wanted as a field: strings, numbers and booleans are text,
    /// null is absent, objects and arrays are skipped (absent).
    #[inline]
    fn scalar(&mut self, depth: u32) -> Scan<Option<Text<'a>>> {
        match self.peek() {
            Some(b'"') => {
                self.i += 1;
                let (bytes, escaped) = self.string()?;
                let escape = if escaped { Escape::Json } else { Escape::None };
                Ok(Some(Text { bytes, escape }))
            }
            Some(b'{' | b'[') => self.skip(depth).map(|_| None),
            Some(b'n') => self.literal(b"null").map(|_| None),
            _ => {
                let start = self.i;
                self.atom()?;
                Ok(Some(Text::plain(&self.s[start..self.i])))
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Scan<()> {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            Err(())
        }
    }

    /// A number, `true` or `false`.
    fn atom(&mut self) -> Scan<()> {
        match self.peek() {
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                while let Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') = self.peek() {
                    self.i += 1;
                }
                if self.i > start {
                    Ok(())
                } else {
                    Err(())
                }
            }
            _ => Err(()),
        }
    }

    /// Skips any value.
    fn skip(&mut self, depth: u32) -> Scan<()> {
        match self.peek() {
            Some(b'"') => {
                self.i += 1;
                self.string().map(|_| ())
            }
            Some(b'{') => self.object(None, &mut Raw::default(), depth + 1),
            Some(b'[') => {
                if depth > MAX_DEPTH {
                    return Err(());
                }
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(());
                }
                loop {
                    self.skip(depth + 1)?;
                    self.ws();
                    match self.peek() {
                        Some(b',') => {
                            self.i += 1;
                            self.ws();
                        }
                        Some(b']') => {
                            self.i += 1;
                            return Ok(());
                        }
                        _ => return Err(()),
                    }
                }
            }
            Some(b'n') => self.literal(b"null"),
            _ => self.atom(),
        }
    }
}

/// Bit 7 of each byte of the result is set where `word` holds `byte`
/// (exact for the lowest match, which is the one used).
#[inline]
fn has_byte(word: u64, byte: u8) -> u64 {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let x = word ^ (LO * byte as u64);
    x.wrapping_sub(LO) & !x & HI
}

/// Appends the unescaped form of JSON string contents to `out`. Invalid
/// escapes are kept verbatim; lone surrogates become U+FFFD.
pub fn unescape(mut s: &[u8], out: &mut Vec<u8>) {
    while let Some(b) = memchr::memchr(b'\\', s) {
        out.extend_from_slice(&s[..b]);
        let esc = s.get(b + 1).copied();
        s = s.get(b + 2..).unwrap_or_default();
        let c = match esc {
            Some(b'n') => b'\n',
            Some(b't') => b'\t',
            Some(b'r') => b'\r',
            Some(b'b') => 8,
            Some(b'f') => 12,
            Some(b'u') => {
                let (ch, used) = unicode(s);
                let mut buf = [0; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                s = &s[used..];
                continue;
            }
            Some(c) => c,
            None => break,
        };
        out.push(c);
    }
    out.extend_from_slice(s);
}

fn hex4(s: &[u8]) -> Option<u32> {
    let h = std::str::from_utf8(s.get(..4)?).ok()?;
    u32::from_str_radix(h, 16).ok()
}

/// Decodes the digits after `\u` (and a following low surrogate).
fn unicode(s: &[u8]) -> (char, usize) {
    let Some(hi) = hex4(s) else {
        return ('\u{FFFD}', 0);
    };
    if (0xD800..0xDC00).contains(&hi) && s.get(4..6) == Some(b"\\u") {
        if let Some(lo) = hex4(&s[6..]).filter(|lo| (0xDC00..0xE000).contains(lo)) {
            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            return (char::from_u32(c).unwrap_or('\u{FFFD}'), 10);
        }
    }
    (char::from_u32(hi).unwrap_or('\u{FFFD}'), 4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Field;

    fn parse_with(fields: &Fields, line: &str) -> Result<Vec<(Field, String)>, Reason> {
        let p = Parser::new(fields);
        let mut raw = Raw::default();
        p.parse(line.as_bytes(), &mut raw)?;
        let mut scratch = Vec::new();
        Ok(Field::ALL
            .iter()
            .filter_map(|&f| {
                raw.get(f).map(|t| {
                    (
                        f,
                        String::from_utf8_lossy(t.decode(&mut scratch)).into_owned(),
                    )
                })
            })
            .collect())
    }

    fn parse(line: &str) -> Result<Vec<(Field, String)>, Reason> {
        parse_with(&Fields::default(), line)
    }

    #[test]
    fn an_array_of_rows_is_counted() {
        let fields = Fields {
            rows: "QueryResults".into(),
            account: "QueryResults2".into(),
            ..Fields::default()
        };
        let p = Parser::new(&fields);
        let mut raw = Raw::default();
        let line = br#"{"QueryResults":[{"Id":"a,b"},"x",[1,2]],"QueryResults2":[1]}"#;
        p.parse(line, &mut raw).unwrap();
        let rows = raw.get(Field::Rows).unwrap();
        assert_eq!(rows.escape, Escape::Array);
        assert_eq!(count(rows.bytes), 3);
        // Only rows take an array; other fields skip it as before.
        assert!(raw.get(Field::Account).is_none());
        assert_eq!(count(b"[]"), 0);
        assert_eq!(count(b"[ 1 ]"), 1);
        assert_eq!(count(b"7"), 0);
    }

    #[test]
    fn picks_fields_and_skips_the_rest() {
        let got = parse(
            r#"{"ts":"2024-07-05T12:00:00Z","junk":{"a":[1,{"b":"}"}]},"account":"a\"b","record":123,"page":null,"ok":true}"#,
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                (Field::Ts, "2024-07-05T12:00:00Z".into()),
                (Field::Account, "a\"b".into()),
                (Field::Record, "123".into()),
            ]
        );
    }

    #[test]
    fn keys_sharing_a_slot_are_each_found() {
        // Alike in length and first, middle and last byte: one slot
        // whatever the multiplier, searched in turn.
        let p = Parser::with_keys(&[("abcdb", Field::Account), ("axcyb", Field::Ip)]);
        let mut raw = Raw::default();
        p.parse(br#"{"azczb":"no","axcyb":"ip","abcdb":"acc"}"#, &mut raw)
            .unwrap();
        assert_eq!(raw.get(Field::Account).unwrap().bytes, b"acc");
        assert_eq!(raw.get(Field::Ip).unwrap().bytes, b"ip");
        let node = &p.root;
        assert_eq!(node.slots[slot(b"abcdb", node.mul)], SHARED);
    }

    #[test]
    fn nested_paths() {
        let fields = Fields {
            account: "user.id".into(),
            ip: "user.net.ip".into(),
            ..Fields::default()
        };
        let got = parse_with(
            &fields,
            r#"{"user":{"name":"x","id":"u7","net":{"ip":"10.0.0.1"}},"ts":5}"#,
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                (Field::Ts, "5".into()),
                (Field::Account, "u7".into()),
                (Field::Ip, "10.0.0.1".into()),
            ]
        );
    }

    #[test]
    fn rejects_broken_json() {
        for bad in [
            "",
            "{",
            r#"{"ts":1"#,
            r#"{"ts" 1}"#,
            r#"{"ts":1,}"#,
            r#"{"ts":1} x"#,
            r#"{"ts":tru}"#,
            r#"{"ts":"abc}"#,
            r#"["ts"]"#,
            r#"{"a":[1,2}"#,
            r#"{"ts":"x\"#,
        ] {
            assert_eq!(parse(bad), Err(Reason::InvalidJson), "{bad}");
        }
    }

    #[test]
    fn deep_nesting_is_rejected_not_overflowed() {
        let line = format!("{{\"a\":{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(parse(&line), Err(Reason::InvalidJson));
    }

    #[test]
    fn unescapes_unicode() {
        let mut out = Vec::new();
        unescape(br#"caf\u00e9 \ud83d\ude00 \n\x"#, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "café 😀 \nx");
    }
}

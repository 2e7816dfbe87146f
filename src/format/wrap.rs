//! Container runtime wrappers. Kubernetes (CRI) writes every line a
//! container prints as `TIME STREAM TAG PAYLOAD` (`TAG` is `F` for a full
//! line, `P` for a piece of a line the runtime split); Docker's json-file
//! driver writes `{"log":"PAYLOAD\n","stream":"stdout","time":"..."}`. The
//! wrapper and its payload are one line of the file: the payload is parsed
//! in its own format, and takes the wrapper's time when it has none.

use super::{ndjson, Field, Raw, Text};

/// How each line of a file is wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Wrapper {
    /// Bare lines.
    None,
    /// Kubernetes CRI: `TIME STREAM TAG PAYLOAD`.
    Cri,
    /// Docker json-file: `{"log": ..., "stream": ..., "time": ...}`.
    Docker,
}

/// One CRI line's parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cri<'a> {
    /// The runtime's RFC 3339 time.
    pub time: &'a [u8],
    /// Whether the runtime split the line here (tag `P`).
    pub partial: bool,
    /// What the container wrote (possibly empty).
    pub payload: &'a [u8],
}

/// Splits a CRI line; `None` when the line is not one. The time must
/// start with a digit and hold a `T`; the stream is `stdout` or `stderr`;
/// the tag is `F` or `P`, possibly with more `:`-separated flags.
pub fn cri(line: &[u8]) -> Option<Cri<'_>> {
    let sp = memchr::memchr(b' ', line)?;
    let time = &line[..sp];
    if !time.first()?.is_ascii_digit() || memchr::memchr(b'T', time).is_none() || time.len() < 19 {
        return None;
    }
    let rest = &line[sp + 1..];
    let rest = rest
        .strip_prefix(b"stdout ")
        .or_else(|| rest.strip_prefix(b"stderr "))?;
    let end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
    let tag = &rest[..end];
    let first = tag.split(|&b| b == b':').next()?;
    let partial = match first {
        b"F" => false,
        b"P" => true,
        _ => return None,
    };
    Some(Cri {
        time,
        partial,
        payload: rest.get(end + 1..).unwrap_or_default(),
    })
}

/// The Docker json-file reader: the `log`, `stream` and `time` keys.
#[derive(Debug)]
pub struct Docker {
    parser: ndjson::Parser,
}

/// One Docker json-file line's parts.
pub struct DockerLine<'a> {
    /// The `time` value.
    pub time: Option<Text<'a>>,
    /// The `log` value, JSON-escaped, with its line end.
    pub log: Option<Text<'a>>,
}

impl Default for Docker {
    fn default() -> Docker {
        // The three keys borrow field slots; the line never becomes an
        // event itself.
        Docker {
            parser: ndjson::Parser::with_keys(&[
                ("log", Field::Record),
                ("stream", Field::Session),
                ("time", Field::Ts),
            ]),
        }
    }
}

impl Docker {
    /// Splits a json-file line; `None` when it is not one (not JSON, or
    /// no `stream`).
    pub fn split<'a>(&self, line: &'a [u8]) -> Option<DockerLine<'a>> {
        let mut raw = Raw::default();
        self.parser.parse(line, &mut raw).ok()?;
        raw.get(Field::Session)?;
        Some(DockerLine {
            time: raw.get(Field::Ts),
            log: raw.get(Field::Record),
        })
    }
}

/// The payload of a json-file `log` value: unescaped (into `scratch` when
/// needed), without its line end.
pub fn docker_payload<'s>(log: Option<Text<'s>>, scratch: &'s mut Vec<u8>) -> &'s [u8] {
    let Some(log) = log else { return b"" };
    let text = log.decode(scratch);
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    text.strip_suffix(b"\r").unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cri_lines() {
        let c = cri(b"2025-12-31T17:40:00.000000100+01:00 stdout F {\"a\":1}").unwrap();
        assert_eq!(c.time, b"2025-12-31T17:40:00.000000100+01:00");
        assert!(!c.partial);
        assert_eq!(c.payload, b"{\"a\":1}");
        let c = cri(b"2025-12-31T17:40:00Z stderr P part").unwrap();
        assert!(c.partial);
        assert_eq!(c.payload, b"part");
        assert_eq!(cri(b"2025-12-31T17:40:00Z stdout F").unwrap().payload, b"");
        assert_eq!(
            cri(b"2025-12-31T17:40:00Z stdout F:x y").unwrap().payload,
            b"y"
        );
        for bad in [
            &b"2025-12-31T17:40:00Z stdin F x"[..],
            b"2025-12-31T17:40:00Z stdout Q x",
            b"10.0.0.1 stdout F x",
            b"x",
            b"",
        ] {
            assert_eq!(cri(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn docker_lines() {
        let d = Docker::default();
        let line = br#"{"log":"1.2.3.4 - - [x] \"GET / HTTP/1.1\" 200 1\n","stream":"stdout","time":"2025-01-01T00:00:00.1Z"}"#;
        let got = d.split(line).unwrap();
        let mut scratch = Vec::new();
        assert_eq!(
            docker_payload(got.log, &mut scratch),
            br#"1.2.3.4 - - [x] "GET / HTTP/1.1" 200 1"#
        );
        assert_eq!(got.time.unwrap().bytes, b"2025-01-01T00:00:00.1Z");
        assert!(d.split(br#"{"log":"x"}"#).is_none());
        assert!(d.split(b"not json").is_none());
    }
}

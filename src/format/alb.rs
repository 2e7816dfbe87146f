//! AWS Application Load Balancer access logs, from the field list AWS
//! publishes ("Access log entries"): space-separated, some fields
//! double-quoted, in this order: `type time elb client:port target:port
//! request_processing_time target_processing_time
//! response_processing_time elb_status_code target_status_code
//! received_bytes sent_bytes "request" "user_agent" ...` and more fields
//! after (read past, so fields AWS appends later do not break a line).
//! The request is `METHOD absolute-URL PROTOCOL`; its URL gives system,
//! action, record and page by the shared URL rules ([`super::url`]). The
//! client is `ip:port` (the port is dropped by the batch builder). There
//! is no user: the identity falls back to the ip.

use super::{url, Escape, Field, Raw, Text};
use crate::tally::Reason;

/// The request types ALB writes as the first field.
const TYPES: [&[u8]; 6] = [b"http", b"https", b"h2", b"grpcs", b"ws", b"wss"];

/// Whether `line` looks like an ALB entry: a known type, then an RFC 3339
/// time.
pub fn looks_like(line: &[u8]) -> bool {
    let Some(sp) = memchr::memchr(b' ', line) else {
        return false;
    };
    let time = &line[sp + 1..];
    TYPES.contains(&&line[..sp])
        && time.len() > 20
        && time[4] == b'-'
        && time[10] == b'T'
        && time[..20]
            .iter()
            .all(|b| b.is_ascii_digit() || b"-T:.Z".contains(b))
}

/// Parses one ALB line.
pub fn parse<'a>(url: &'a url::Rules, line: &'a [u8], raw: &mut Raw<'a>) -> Result<(), Reason> {
    let mut rest = line;
    let mut request = None;
    for i in 0..14 {
        let token = next(&mut rest).ok_or(Reason::AlbMismatch)?;
        match i {
            0 if !TYPES.contains(&token.bytes) => return Err(Reason::AlbMismatch),
            1 => raw.set(Field::Ts, token),
            3 => raw.set(Field::Ip, token),
            8 => raw.set(Field::Status, token),
            11 => raw.set(Field::Bytes, token),
            12 => request = Some(token.bytes),
            13 => raw.set(Field::UserAgent, token),
            _ => {}
        }
    }
    // `- - -` when the request was malformed; `METHOD URL PROTOCOL` else.
    let mut parts = request.unwrap_or_default().split(|&b| b == b' ');
    match (parts.next(), parts.next()) {
        (Some(method), Some(target)) if !method.is_empty() && target != b"-" => {
            url.derive(Some(method), target, raw)
        }
        _ => url.unknown(raw),
    }
    Ok(())
}

/// The next field: a bare word, or a double-quoted string in which `\"`
/// and `\\` are escapes. `None` at the end of the line or at a quote that
/// does not close.
fn next<'a>(rest: &mut &'a [u8]) -> Option<Text<'a>> {
    let s = *rest;
    if s.is_empty() {
        return None;
    }
    if s[0] != b'"' {
        let end = memchr::memchr(b' ', s).unwrap_or(s.len());
        *rest = s.get(end + 1..).unwrap_or_default();
        return Some(Text::plain(&s[..end]));
    }
    let mut i = 1;
    let mut escaped = false;
    loop {
        let at = memchr::memchr2(b'"', b'\\', s.get(i..)?)? + i;
        if s[at] == b'\\' {
            escaped = true;
            i = at + 2;
            continue;
        }
        match s.get(at + 1) {
            None => *rest = b"",
            Some(b' ') => *rest = &s[at + 2..],
            Some(_) => return None,
        }
        return Some(Text {
            bytes: &s[1..at],
            escape: if escaped {
                Escape::Backslash
            } else {
                Escape::None
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::settings::ClfConfig;

    #[test]
    fn reads_the_documented_fields() {
        let rules = url::Rules::new(&ClfConfig::default()).unwrap();
        let line = br#"https 2025-06-02T18:00:00.123456Z app/lb/50dc6c495c0c9188 203.0.113.7:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET https://members.example.org:443/members/101?page=2 HTTP/1.1" "Mozilla/5.0 \"x\"" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "members.example.org" "-" 0 2025-06-02T18:00:00.000000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1"#;
        assert!(looks_like(line));
        let mut raw = Raw::default();
        parse(&rules, line, &mut raw).unwrap();
        let mut s = Vec::new();
        let get = |f: Field, s: &mut Vec<u8>| {
            String::from_utf8(raw.get(f).unwrap().decode(s).to_vec()).unwrap()
        };
        assert_eq!(get(Field::Ts, &mut s), "2025-06-02T18:00:00.123456Z");
        assert_eq!(get(Field::Ip, &mut s), "203.0.113.7:2817");
        assert_eq!(get(Field::Record, &mut s), "101");
        assert_eq!(get(Field::Page, &mut s), "2");
        assert_eq!(get(Field::UserAgent, &mut s), "Mozilla/5.0 \"x\"");
        assert_eq!(get(Field::Status, &mut s), "200");
        assert_eq!(get(Field::Bytes, &mut s), "366");

        let short = b"https 2025-06-02T18:00:00.123456Z app/lb/1 203.0.113.7:2817";
        assert_eq!(parse(&rules, short, &mut raw), Err(Reason::AlbMismatch));
        assert!(!looks_like(b"1.2.3.4 - - [10/Oct/2000:13:55:36 -0700]"));
        let open = br#"http 2025-06-02T18:00:00Z a b c 0 0 0 200 200 1 1 "GET / HTTP/1.1"#;
        assert_eq!(parse(&rules, open, &mut raw), Err(Reason::AlbMismatch));
    }
}

//! Apache/nginx common and combined log format:
//! `[vhost] host ident authuser [time] "request" status bytes ["referer" "agent" extra...]`.
//! The account is the authuser field, the ip the host. The request target
//! gives system, action, record and page by the shared URL rules
//! ([`super::url`]).

use super::settings::ClfConfig;
use super::{url, Escape, Field, Raw, Text};
use crate::tally::Reason;

/// A combined-log-format parser for one configuration.
pub struct Parser {
    url: url::Rules,
    /// Whether to read a third quoted field after the user agent as
    /// `X-Forwarded-For` (nginx's stock `main` format), only wanted behind
    /// trusted proxies.
    forwarded: bool,
}

impl Parser {
    /// Compiles the rules; `forwarded`: read `X-Forwarded-For` too.
    pub fn new(config: &ClfConfig, forwarded: bool) -> Result<Parser, String> {
        Ok(Parser {
            url: url::Rules::new(config)?,
            forwarded,
        })
    }

    /// Parses one line.
    pub fn parse<'a>(&'a self, line: &'a [u8], raw: &mut Raw<'a>) -> Result<(), Reason> {
        let open = memchr::memchr(b'[', line).ok_or(Reason::ClfMismatch)?;
        let close = memchr::memchr(b']', &line[open..]).ok_or(Reason::ClfMismatch)? + open;
        let mut heads = [&b""[..]; 4];
        let mut n = 0;
        for token in line[..open].split(|&b| b == b' ').filter(|t| !t.is_empty()) {
            if n == 4 {
                return Err(Reason::ClfMismatch);
            }
            heads[n] = token;
            n += 1;
        }
        let (host, user) = match n {
            3 => (heads[0], heads[2]),
            4 => (heads[1], heads[3]),
            _ => return Err(Reason::ClfMismatch),
        };
        raw.set(Field::Ip, Text::plain(host));
        raw.set(Field::Account, Text::plain(user));
        raw.set(Field::Ts, Text::plain(&line[open + 1..close]));

        let mut rest = line.get(close + 1..).unwrap_or_default();
        let request = quoted(&mut rest).ok_or(Reason::ClfMismatch)?;
        let status = word(&mut rest).ok_or(Reason::ClfMismatch)?;
        raw.set(Field::Status, Text::plain(status));
        if let Some(bytes) = word(&mut rest) {
            raw.set(Field::Bytes, Text::plain(bytes));
            let _referer = quoted(&mut rest);
            if let Some(agent) = quoted(&mut rest) {
                raw.set(Field::UserAgent, agent);
                if self.forwarded {
                    if let Some(forwarded) = quoted(&mut rest) {
                        raw.set(Field::ForwardedFor, forwarded);
                    }
                }
            }
        }
        self.request(request.bytes, raw);
        Ok(())
    }

    fn request<'a>(&'a self, request: &'a [u8], raw: &mut Raw<'a>) {
        let mut parts = request.split(|&b| b == b' ').filter(|t| !t.is_empty());
        match (parts.next(), parts.next()) {
            (Some(method), Some(target)) => self.url.derive(Some(method), target, raw),
            _ => self.url.unknown(raw),
        }
    }
}

/// A space-separated word at the front of `rest`.
fn word<'a>(rest: &mut &'a [u8]) -> Option<&'a [u8]> {
    let s = rest.trim_ascii_start();
    if s.is_empty() {
        return None;
    }
    let end = memchr::memchr(b' ', s).unwrap_or(s.len());
    *rest = &s[end..];
    Some(&s[..end])
}

/// A double-quoted string (with backslash escapes) at the front of `rest`.
fn quoted<'a>(rest: &mut &'a [u8]) -> Option<Text<'a>> {
    let s = rest.trim_ascii_start();
    if s.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    let mut escaped = false;
    loop {
        let at = memchr::memchr2(b'"', b'\\', &s[i..])? + i;
        if s[at] == b'\\' {
            escaped = true;
            i = at + 2;
            if i > s.len() {
                return None;
            }
        } else {
            *rest = &s[at + 1..];
            let escape = if escaped {
                Escape::Backslash
            } else {
                Escape::None
            };
            return Some(Text {
                bytes: &s[1..at],
                escape,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::settings::ClfConfig;

    fn fields(p: &Parser, line: &str) -> Result<Vec<(Field, String)>, Reason> {
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

    #[test]
    fn combined_with_escaped_agent() {
        let p = Parser::new(&ClfConfig::default(), false).unwrap();
        let got = fields(
            &p,
            r#"10.1.2.3 - alice [10/Oct/2000:13:55:36 -0700] "GET /members/1234?x=1 HTTP/1.1" 200 2326 "http://r/" "Mozilla \"Fake\" 5.0" extra 0.003"#,
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                (Field::Ts, "10/Oct/2000:13:55:36 -0700".into()),
                (Field::Account, "alice".into()),
                (Field::Ip, "10.1.2.3".into()),
                (Field::System, "web".into()),
                (Field::Action, "read".into()),
                (Field::Record, "1234".into()),
                (Field::Bytes, "2326".into()),
                (Field::Status, "200".into()),
                (Field::UserAgent, "Mozilla \"Fake\" 5.0".into()),
            ]
        );
    }

    #[test]
    fn vhost_common_search_static_and_systems() {
        let mut config = ClfConfig::default();
        config
            .systems
            .insert("/members".into(), "membership".into());
        config
            .systems
            .insert("/members/cases".into(), "cases".into());
        let p = Parser::new(&config, false).unwrap();
        let got = fields(
            &p,
            r#"example.org 10.0.0.9 - - [10/Oct/2000:13:55:36 +0000] "GET /members/search?q=a&page=3 HTTP/1.1" 200 -"#,
        )
        .unwrap();
        assert!(got.contains(&(Field::Action, "search".into())));
        assert!(got.contains(&(Field::Page, "3".into())));
        assert!(got.contains(&(Field::System, "membership".into())));
        assert!(!got
            .iter()
            .any(|(f, _)| *f == Field::Account || *f == Field::Bytes));
        let got = fields(
            &p,
            r#"h - - [10/Oct/2000:13:55:36 +0000] "GET /members/cases/77 HTTP/1.1" 200 5"#,
        )
        .unwrap();
        assert!(got.contains(&(Field::System, "cases".into())));
        let got = fields(
            &p,
            r#"h - - [10/Oct/2000:13:55:36 +0000] "GET /img/2023/1.PNG HTTP/1.1" 200 5"#,
        )
        .unwrap();
        assert!(got.contains(&(Field::Action, "other".into())));
        assert!(!got.iter().any(|(f, _)| *f == Field::Record));
        let got = fields(
            &p,
            r#"h - - [10/Oct/2000:13:55:36 +0000] "GET /view?id=abc HTTP/1.1" 200 5"#,
        )
        .unwrap();
        assert!(got.contains(&(Field::Record, "abc".into())));
    }

    #[test]
    fn custom_record_regex_and_garbage_requests() {
        let config = ClfConfig {
            record: r"/m/([a-z0-9]+)".into(),
            ..ClfConfig::default()
        };
        let p = Parser::new(&config, false).unwrap();
        let got = fields(
            &p,
            r#"h - - [10/Oct/2000:13:55:36 +0000] "GET /m/ab12/x HTTP/1.1" 200 5"#,
        )
        .unwrap();
        assert!(got.contains(&(Field::Record, "ab12".into())));
        let got = fields(&p, r#"h - - [10/Oct/2000:13:55:36 +0000] "\x16\x03" 400 5"#).unwrap();
        assert!(got.contains(&(Field::Action, "other".into())));
    }

    #[test]
    fn mismatches() {
        let p = Parser::new(&ClfConfig::default(), false).unwrap();
        for bad in [
            "no brackets here",
            r#"a b [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5"#,
            r#"a b c d e [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5"#,
            r#"a b c [10/Oct/2000:13:55:36 +0000] GET / 200 5"#,
            r#"a b c [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1"#,
            r#"a b c [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1""#,
        ] {
            assert_eq!(fields(&p, bad), Err(Reason::ClfMismatch), "{bad}");
        }
    }
}

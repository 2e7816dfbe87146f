//! What a request URL says about an access, the same for every format
//! that carries one (combined log's request line, W3C's `cs-uri-stem`
//! and `cs-uri-query`, an NDJSON or CSV `url` field): system (longest
//! configured path prefix), action (path words, then the method), record
//! and page (`page=`). The record comes from the configured rules (a regex,
//! a path template such as `/contacts/{record}/view`, a named query
//! parameter such as CiviCRM's `cid`), else the whole path when
//! `record_path` is set; with no rule configured, the last numeric path
//! segment, else an `id=` parameter, else for a page read the path itself
//! (a page is a record, so a client walking pages without ids is seen).
//! Static assets (by file extension) are
//! action `other` with no record, so a browser loading a page's images is
//! not a burst of reads. The rules live under `input.clf` in the config,
//! where they were first needed.

use super::settings::ClfConfig;
use super::{Field, Raw, Text};
use memchr::memmem::Finder;
use regex::bytes::Regex;

/// The URL rules of one configuration.
#[derive(Clone)]
pub struct Rules {
    record: Option<Regex>,
    template: Option<Regex>,
    param: Vec<u8>,
    whole_path: bool,
    systems: Vec<(Vec<u8>, Vec<u8>)>,
    default_system: Vec<u8>,
    export: Vec<Finder<'static>>,
    search: Vec<Finder<'static>>,
    login: Vec<Finder<'static>>,
    statics: Vec<Vec<u8>>,
}

impl Rules {
    /// Compiles the rules.
    pub fn new(config: &ClfConfig) -> Result<Rules, String> {
        let record = if config.record.is_empty() {
            None
        } else {
            Some(Regex::new(&config.record).map_err(|e| format!("input.clf.record: {e}"))?)
        };
        let finders = |words: &[String]| {
            words
                .iter()
                .filter(|w| !w.is_empty())
                .map(|w| Finder::new(w.as_bytes()).into_owned())
                .collect()
        };
        let mut systems: Vec<(Vec<u8>, Vec<u8>)> = config
            .systems
            .iter()
            .map(|(p, s)| (p.as_bytes().to_vec(), s.as_bytes().to_vec()))
            .collect();
        // Longest prefix first, so the first match is the longest.
        systems.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        let template = if config.record_template.is_empty() {
            None
        } else {
            Some(template(&config.record_template)?)
        };
        Ok(Rules {
            record,
            template,
            param: config.record_param.as_bytes().to_vec(),
            whole_path: config.record_path,
            systems,
            default_system: config.default_system.as_bytes().to_vec(),
            export: finders(&config.export_paths),
            search: finders(&config.search_paths),
            login: finders(&config.login_paths),
            statics: config
                .static_extensions
                .iter()
                .map(|e| e.to_ascii_lowercase().into_bytes())
                .collect(),
        })
    }

    /// The fields of a request for `target` (a path with an optional
    /// `?query`, or an absolute URL) by `method` (`None` when the format
    /// has none: a read unless the path says otherwise). Sets system,
    /// action, page and record; `keep` fields already set by the line are
    /// left alone.
    pub fn derive<'a>(&'a self, method: Option<&[u8]>, target: &'a [u8], raw: &mut Raw<'a>) {
        let target = strip_origin(target);
        let (path, query) = match memchr::memchr(b'?', target) {
            Some(q) => (&target[..q], &target[q + 1..]),
            None => (target, &b""[..]),
        };
        self.derive_parts(method, path, query, raw);
    }

    /// [`Rules::derive`] for a path and query logged apart (W3C's
    /// `cs-uri-stem` and `cs-uri-query`). A configured record regex is
    /// matched against the path, then against the query.
    pub fn derive_parts<'a>(
        &'a self,
        method: Option<&[u8]>,
        path: &'a [u8],
        query: &'a [u8],
        raw: &mut Raw<'a>,
    ) {
        let path = strip_origin(path);
        let system = self
            .systems
            .iter()
            .find(|(prefix, _)| path.starts_with(prefix))
            .map_or(&self.default_system[..], |(_, s)| &s[..]);
        set_absent(raw, Field::System, system);

        if self.is_static(path) {
            raw.set(Field::Action, Text::plain(b"other"));
            raw.clear_field(Field::Record);
            return;
        }
        let has = |finders: &[Finder]| finders.iter().any(|f| f.find(path).is_some());
        let action: &'static [u8] = if has(&self.export) {
            b"export"
        } else if has(&self.search) {
            b"search"
        } else if has(&self.login) {
            b"login"
        } else {
            match method {
                None | Some(b"GET" | b"HEAD") => b"read",
                Some(b"POST" | b"PUT" | b"PATCH" | b"DELETE") => b"update",
                Some(_) => b"other",
            }
        };
        // A page read is a record even without an id; searches, exports,
        // logins and writes keep what their own rules give them.
        let page_read = action == b"read" && raw.get(Field::Action).is_none();
        set_absent(raw, Field::Action, action);
        if let Some(page) = param(query, b"page") {
            set_absent(raw, Field::Page, page);
        }
        let group = |s: &'a [u8], re: &Regex| {
            re.captures(s)
                .and_then(|c| c.get(1))
                .map(|m| &s[m.start()..m.end()])
        };
        let configured = self.record.is_some() || self.template.is_some() || !self.param.is_empty();
        let record = if configured {
            let by_regex = || {
                let re = self.record.as_ref()?;
                group(path, re).or_else(|| group(query, re))
            };
            let by_template = || group(path, self.template.as_ref()?);
            let by_param = || (!self.param.is_empty()).then(|| param(query, &self.param))?;
            by_regex().or_else(by_template).or_else(by_param)
        } else if self.whole_path {
            None
        } else {
            last_numeric_segment(path).or_else(|| param(query, b"id"))
        };
        let record = match record {
            None if !path.is_empty() && (self.whole_path || (!configured && page_read)) => {
                Some(path)
            }
            r => r,
        };
        if let Some(record) = record {
            set_absent(raw, Field::Record, record);
        }
    }

    /// The fields of a request line that did not parse as `METHOD TARGET`.
    pub fn unknown<'a>(&'a self, raw: &mut Raw<'a>) {
        raw.set(Field::Action, Text::plain(b"other"));
        set_absent(raw, Field::System, &self.default_system);
    }

    fn is_static(&self, path: &[u8]) -> bool {
        let name = path.rsplit(|&b| b == b'/').next().unwrap_or_default();
        let Some(dot) = memchr::memrchr(b'.', name) else {
            return false;
        };
        let ext = &name[dot + 1..];
        self.statics.iter().any(|s| s.eq_ignore_ascii_case(ext))
    }
}

/// The regex of a path template: `{record}` (exactly once) captures one
/// segment, `{*}` matches any one segment, the rest is literal; the whole
/// path must match, a trailing `/` allowed.
pub fn template(text: &str) -> Result<Regex, String> {
    let key = "input.clf.record_template";
    if !text.starts_with('/') {
        return Err(format!("{key}: `{text}` must start with `/`"));
    }
    if text.matches("{record}").count() != 1 {
        return Err(format!("{key}: `{text}` must hold `{{record}}` once"));
    }
    let mut pattern = String::from("^");
    for (i, part) in text.split("{record}").enumerate() {
        if i > 0 {
            pattern.push_str("([^/]+)");
        }
        let literals: Vec<String> = part.split("{*}").map(regex::escape).collect();
        pattern.push_str(&literals.join("[^/]+"));
    }
    if pattern.ends_with('/') {
        pattern.pop();
    }
    pattern.push_str("/?$");
    Regex::new(&pattern).map_err(|e| format!("{key}: `{text}`: {e}"))
}

/// Sets `field` unless the line gave it.
#[inline]
fn set_absent<'a>(raw: &mut Raw<'a>, field: Field, value: &'a [u8]) {
    if raw.get(field).is_none() {
        raw.set(field, Text::plain(value));
    }
}

/// The path and query of an absolute URL (`https://host:443/p?q` gives
/// `/p?q`); a path is returned as it is.
#[inline]
fn strip_origin(target: &[u8]) -> &[u8] {
    // The common case, a path, costs one comparison.
    if target.first() == Some(&b'/') {
        return target;
    }
    let Some(scheme) = memchr::memmem::find(target, b"://") else {
        return target;
    };
    if !target[..scheme].iter().all(u8::is_ascii_alphabetic) {
        return target;
    }
    let rest = &target[scheme + 3..];
    match memchr::memchr2(b'/', b'?', rest) {
        Some(p) => &rest[p..],
        None => b"/",
    }
}

/// The value of `name=` in a query string.
fn param<'a>(query: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    query.split(|&b| b == b'&').find_map(|kv| {
        let eq = memchr::memchr(b'=', kv)?;
        (&kv[..eq] == name && eq + 1 < kv.len()).then(|| &kv[eq + 1..])
    })
}

fn last_numeric_segment(path: &[u8]) -> Option<&[u8]> {
    path.rsplit(|&b| b == b'/')
        .find(|seg| !seg.is_empty() && seg.iter().all(u8::is_ascii_digit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_urls_lose_their_origin() {
        assert_eq!(strip_origin(b"https://h.example:443/m/1?x=2"), b"/m/1?x=2");
        assert_eq!(strip_origin(b"http://h.example"), b"/");
        assert_eq!(strip_origin(b"/a?u=http://x/"), b"/a?u=http://x/");
    }

    #[test]
    fn a_line_s_own_fields_win_and_statics_have_no_record() {
        let rules = Rules::new(&ClfConfig::default()).unwrap();
        let mut raw = Raw::default();
        raw.set(Field::Action, Text::plain(b"export"));
        rules.derive(None, b"/members/55?page=2", &mut raw);
        assert_eq!(raw.get(Field::Action).unwrap().bytes, b"export");
        assert_eq!(raw.get(Field::Record).unwrap().bytes, b"55");
        assert_eq!(raw.get(Field::Page).unwrap().bytes, b"2");
        assert_eq!(raw.get(Field::System).unwrap().bytes, b"web");
        let mut raw = Raw::default();
        rules.derive(Some(b"GET"), b"https://h/img/9/a.PNG", &mut raw);
        assert_eq!(raw.get(Field::Action).unwrap().bytes, b"other");
        assert!(raw.get(Field::Record).is_none());
    }

    fn record_of(config: &ClfConfig, target: &[u8]) -> Option<String> {
        let rules = Rules::new(config).unwrap();
        let mut raw = Raw::default();
        rules.derive(Some(b"GET"), target, &mut raw);
        raw.get(Field::Record)
            .map(|t| String::from_utf8_lossy(t.bytes).into_owned())
    }

    #[test]
    fn a_page_without_an_id_is_its_path() {
        let rules = Rules::new(&ClfConfig::default()).unwrap();
        let mut raw = Raw::default();
        rules.derive(Some(b"GET"), b"/docs/getting-started?ref=nav", &mut raw);
        assert_eq!(
            raw.get(Field::Record).unwrap().bytes,
            b"/docs/getting-started"
        );
        assert_eq!(raw.get(Field::Action).unwrap().bytes, b"read");
    }

    #[test]
    fn a_named_parameter_is_the_record() {
        let config = ClfConfig {
            record_param: "cid".into(),
            ..ClfConfig::default()
        };
        let civicrm = b"/civicrm/contact/view?reset=1&cid=4711";
        assert_eq!(record_of(&config, civicrm).as_deref(), Some("4711"));
        // Without the rule: no numeric segment, no `id=`: the page is its
        // own record.
        assert_eq!(
            record_of(&ClfConfig::default(), civicrm).as_deref(),
            Some("/civicrm/contact/view")
        );
        // A configured rule does not fall back to the numeric segment.
        assert_eq!(record_of(&config, b"/civicrm/contact/12"), None);
    }

    #[test]
    fn a_path_template_captures_its_record_segment() {
        let config = ClfConfig {
            record_template: "/contacts/{record}/{*}".into(),
            ..ClfConfig::default()
        };
        assert_eq!(
            record_of(&config, b"/contacts/ab-12/view?x=1").as_deref(),
            Some("ab-12")
        );
        assert_eq!(
            record_of(&config, b"https://h/contacts/7/edit/").as_deref(),
            Some("7")
        );
        assert_eq!(record_of(&config, b"/contacts/7"), None);
        assert_eq!(record_of(&config, b"/x/contacts/7/view"), None);
        assert!(template("contacts/{record}").is_err());
        assert!(template("/a/{record}/{record}").is_err());
        assert!(template("/a.b/{record}").unwrap().is_match(b"/a.b/1"));
        assert!(!template("/a.b/{record}").unwrap().is_match(b"/axb/1"));
    }

    #[test]
    fn the_whole_path_is_the_record_when_asked() {
        let config = ClfConfig {
            record_path: true,
            ..ClfConfig::default()
        };
        assert_eq!(
            record_of(&config, b"/about/team?x=1").as_deref(),
            Some("/about/team")
        );
        assert_eq!(
            record_of(&config, b"/members/55").as_deref(),
            Some("/members/55")
        );
        // Static assets still have none.
        assert_eq!(record_of(&config, b"/logo.png"), None);
        // With a parameter rule, the path is the fallback.
        let both = ClfConfig {
            record_param: "cid".into(),
            ..config
        };
        assert_eq!(record_of(&both, b"/c?cid=3").as_deref(), Some("3"));
        assert_eq!(record_of(&both, b"/c?x=3").as_deref(), Some("/c"));
    }
}

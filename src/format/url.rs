//! What a request URL says about an access, the same for every format
//! that carries one (combined log's request line, W3C's `cs-uri-stem`
//! and `cs-uri-query`, an NDJSON or CSV `url` field): system (longest
//! configured path prefix), action (path words, then the method), record
//! (a configured regex, else the last numeric path segment, else an `id=`
//! parameter, else for a page read the path itself: a page is a record,
//! so a client walking pages without ids is seen) and page (`page=`). Static assets
//! (by file extension) are
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
        Ok(Rules {
            record,
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
        let record = match &self.record {
            Some(re) => group(path, re).or_else(|| group(query, re)),
            None => last_numeric_segment(path)
                .or_else(|| param(query, b"id"))
                .or_else(|| (page_read && !path.is_empty()).then_some(path)),
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
}

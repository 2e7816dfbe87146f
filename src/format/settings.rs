//! The parse layer's own settings: how lines become events (formats,
//! field names, URL rules, per-file sources). The app config
//! loads them as its `[input]` table; the parsers read only these, never
//! the app config, so a parser can be built and tested alone.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How lines become events.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct InputConfig {
    /// `auto` (from each file's first bytes and data lines), `ndjson`,
    /// `csv`, `clf`, `w3c`, `alb`, `zeek-tsv`, `json-document`, `parquet`
    /// or `arrow`.
    pub format: String,
    /// The key of a JSON document's array of events (`{"Records": [...]}`,
    /// as CloudTrail writes); a document that is an array needs none.
    pub document_key: String,
    /// Lines longer than this many bytes are rejected.
    pub max_line: usize,
    /// Offset of naive timestamps (`YYYY-MM-DD HH:MM:SS`), e.g. `+01:00`.
    pub time_offset: String,
    /// Accepted years `[from, to]` (UTC, both whole); a line with a time
    /// outside is rejected as "time out of range".
    pub time_range: [i64; 2],
    /// A file with a larger share of its non-blank lines rejected gets a
    /// warning in the summary.
    pub max_rejected_share: f64,
    /// Field names (NDJSON keys, dotted for nested objects; CSV columns).
    pub fields: Fields,
    /// Extra action words mapped to canonical actions
    /// (read, search, export, update, login, other), e.g. `view = "read"`.
    pub actions: BTreeMap<String, String>,
    /// Combined log format: how requests become events.
    pub clf: ClfConfig,
    /// Proxies and load balancers in front of the servers, as CIDRs
    /// (`10.0.0.0/8`, `2001:db8::/32`) or addresses. A line whose ip is one
    /// of them gets its client from `X-Forwarded-For` (the field
    /// `forwarded_for`; combined log's third quoted field): the right-most
    /// address that is not a trusted proxy. Empty: the header is never
    /// read, since any client can write it.
    pub trusted_proxies: Vec<String>,
    /// Per file pattern: `[[input.sources]]` entries with a `pattern` (a
    /// glob over the path as given) and the `format` of the files it
    /// matches. The first matching entry wins; `input.format` other than
    /// `auto` (`--format`) wins over them all.
    pub sources: Vec<SourceConfig>,
}

/// One `[[input.sources]]` entry: a `format`, a `preset`, or both (the
/// format then wins over the preset's).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// A glob over the input's path as given (`logs/iis/*.log`).
    pub pattern: String,
    /// The format of the files it matches (a format name; empty: the
    /// preset's, else detected).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub format: String,
    /// The preset of the files it matches (see [`super::preset`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub preset: String,
    /// The input settings of the files it matches, resolved on load when
    /// it names a preset: the defaults, the config file's `[input]`, any
    /// `--preset`, this preset, then `--set`.
    #[serde(skip)]
    pub input: Option<Box<InputConfig>>,
}

impl Default for InputConfig {
    fn default() -> InputConfig {
        InputConfig {
            format: "auto".into(),
            document_key: "Records".into(),
            max_line: 1 << 20,
            time_offset: "+00:00".into(),
            time_range: [1970, 2100],
            max_rejected_share: 0.05,
            fields: Fields::default(),
            actions: BTreeMap::new(),
            clf: ClfConfig::default(),
            trusted_proxies: Vec::new(),
            sources: Vec::new(),
        }
    }
}

/// Names of the event fields in the input.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Fields {
    pub ts: String,
    pub account: String,
    pub ip: String,
    pub system: String,
    pub action: String,
    pub record: String,
    pub page: String,
    pub rows: String,
    pub bytes: String,
    pub status: String,
    pub session: String,
    pub user_agent: String,
    /// A request URL: record, action, system and page come from it (by
    /// the `input.clf` URL rules) when a line gives neither record nor
    /// action.
    pub url: String,
    /// The `X-Forwarded-For` header, read only when the line's ip is one
    /// of `input.trusted_proxies`.
    pub forwarded_for: String,
}

impl Default for Fields {
    fn default() -> Fields {
        Fields {
            ts: "ts".into(),
            account: "account".into(),
            ip: "ip".into(),
            system: "system".into(),
            action: "action".into(),
            record: "record".into(),
            page: "page".into(),
            rows: "rows".into(),
            bytes: "bytes".into(),
            status: "status".into(),
            session: "session".into(),
            user_agent: "user_agent".into(),
            url: "url".into(),
            forwarded_for: "x_forwarded_for".into(),
        }
    }
}

impl Fields {
    /// (field, configured name) in [`crate::format::Field`] order.
    pub fn names(&self) -> [&str; 14] {
        [
            &self.ts,
            &self.account,
            &self.ip,
            &self.system,
            &self.action,
            &self.record,
            &self.page,
            &self.rows,
            &self.bytes,
            &self.status,
            &self.session,
            &self.user_agent,
            &self.url,
            &self.forwarded_for,
        ]
    }
}

/// Combined log format rules.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ClfConfig {
    /// Regex over the request target whose first group is the record id;
    /// empty: the other record rules below, else the last numeric path
    /// segment, else an `id=` parameter.
    pub record: String,
    /// A path template whose `{record}` segment is the record id, e.g.
    /// `/contacts/{record}/view` (`{*}` matches any one segment).
    pub record_template: String,
    /// A query parameter whose value is the record id, e.g. `cid`
    /// (CiviCRM's `/civicrm/contact/view?reset=1&cid=N`).
    pub record_param: String,
    /// The whole path is the record when no other rule gives one, so
    /// distinct pages count as distinct records on a site without ids.
    pub record_path: bool,
    /// Path prefix to system name, longest prefix wins, e.g.
    /// `"/members" = "membership"`.
    pub systems: BTreeMap<String, String>,
    /// System of paths no prefix matches.
    pub default_system: String,
    /// Path substrings that make a request a search.
    pub search_paths: Vec<String>,
    /// Path substrings that make a request an export.
    pub export_paths: Vec<String>,
    /// Path substrings that make a request a login.
    pub login_paths: Vec<String>,
    /// File extensions of static assets: action `other`, no record.
    pub static_extensions: Vec<String>,
}

impl Default for ClfConfig {
    fn default() -> ClfConfig {
        let words = |ws: &[&str]| ws.iter().map(|w| w.to_string()).collect();
        ClfConfig {
            record: String::new(),
            record_template: String::new(),
            record_param: String::new(),
            record_path: false,
            systems: BTreeMap::new(),
            default_system: "web".into(),
            search_paths: words(&["search"]),
            export_paths: words(&["export"]),
            login_paths: words(&["login", "signin"]),
            static_extensions: words(&[
                "css", "js", "png", "jpg", "jpeg", "gif", "ico", "svg", "webp", "woff", "woff2",
                "ttf", "eot", "map",
            ]),
        }
    }
}

//! Configuration: what the user may tune, with its defaults, read from a
//! TOML file (`--config`) and `--set key=value` overrides. Unknown keys and
//! bad values are errors that name the key and suggest the nearest valid
//! one. The command line turns into this plain [`Config`]; nothing else in
//! the library knows about clap.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Everything a scan is configured by.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// How lines become events.
    pub input: InputConfig,
    /// What counts as one actor.
    pub identity: IdentityConfig,
}

/// How lines become events.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct InputConfig {
    /// `auto` (from each file's first non-blank line), `ndjson`, `csv` or `clf`.
    pub format: String,
    /// Lines longer than this many bytes are rejected.
    pub max_line: usize,
    /// Offset of naive timestamps (`YYYY-MM-DD HH:MM:SS`), e.g. `+01:00`.
    pub time_offset: String,
    /// Field names (NDJSON keys, dotted for nested objects; CSV columns).
    pub fields: Fields,
    /// Extra action words mapped to canonical actions
    /// (read, search, export, update, login, other), e.g. `view = "read"`.
    pub actions: BTreeMap<String, String>,
    /// Combined log format: how requests become events.
    pub clf: ClfConfig,
}

impl Default for InputConfig {
    fn default() -> InputConfig {
        InputConfig {
            format: "auto".into(),
            max_line: 1 << 20,
            time_offset: "+00:00".into(),
            fields: Fields::default(),
            actions: BTreeMap::new(),
            clf: ClfConfig::default(),
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
        }
    }
}

impl Fields {
    /// (field, configured name) in [`crate::format::Field`] order.
    pub fn names(&self) -> [&str; 12] {
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
        ]
    }
}

/// Combined log format rules.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ClfConfig {
    /// Regex over the request target whose first group is the record id;
    /// empty: the last numeric path segment, else an `id=` parameter.
    pub record: String,
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

/// What counts as one actor.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityConfig {
    /// `account` (falling back to the ip when a line has none), `ip`,
    /// `ip/N` (a prefix), `user_agent`, `session`, or a `+` combination
    /// such as `ip+user_agent`.
    pub key: String,
}

impl Default for IdentityConfig {
    fn default() -> IdentityConfig {
        IdentityConfig {
            key: "account".into(),
        }
    }
}

/// Tables whose keys are free (a map), not fixed settings.
const OPEN_TABLES: [&str; 2] = ["input.actions", "input.clf.systems"];

impl Config {
    /// Reads `path` (if any), applies `overrides` (`key=value`), and checks
    /// every key and value.
    pub fn load(path: Option<&Path>, overrides: &[String]) -> Result<Config> {
        let mut table = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| {
                    Error::config(format!("cannot read config {}: {e}", p.display()))
                })?;
                text.parse::<toml::Table>()
                    .map_err(|e| Error::config(format!("{}: {}", p.display(), e.message())))?
            }
            None => toml::Table::new(),
        };
        let defaults = toml::Table::try_from(Config::default()).expect("defaults serialize");
        let origin = path.map_or("config".to_string(), |p| p.display().to_string());
        check_keys(&table, &defaults, "", &origin)?;
        for item in overrides {
            apply_override(&mut table, &defaults, item)?;
        }
        let config: Config = table
            .try_into()
            .map_err(|e: toml::de::Error| Error::config(format!("{origin}: {}", e.message())))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks values serde cannot: enumerations, regexes, offsets.
    pub fn validate(&self) -> Result<()> {
        let input = &self.input;
        if !["auto", "ndjson", "csv", "clf"].contains(&input.format.as_str()) {
            return Err(Error::config(format!(
                "input.format: `{}` is not one of auto, ndjson, csv, clf",
                input.format
            )));
        }
        if crate::time::parse_offset(&input.time_offset).is_none() {
            return Err(Error::config(format!(
                "input.time_offset: `{}` is not an offset like +01:00",
                input.time_offset
            )));
        }
        if input.max_line < 64 {
            return Err(Error::config("input.max_line: must be at least 64 bytes"));
        }
        for (word, action) in &input.actions {
            if crate::event::Action::from_name(action).is_none() {
                return Err(Error::config(format!(
                    "input.actions.{word}: `{action}` is not one of read, search, export, update, login, other"
                )));
            }
        }
        if !input.clf.record.is_empty() {
            regex::bytes::Regex::new(&input.clf.record)
                .map_err(|e| Error::config(format!("input.clf.record: {e}")))?;
        }
        crate::batch::IdentitySpec::parse(&self.identity.key)?;
        Ok(())
    }

    /// The annotated default configuration, as `scrapewatch config --default`
    /// prints it.
    pub fn default_toml() -> &'static str {
        include_str!("default.toml")
    }
}

fn check_keys(
    table: &toml::Table,
    defaults: &toml::Table,
    prefix: &str,
    origin: &str,
) -> Result<()> {
    for (key, value) in table {
        let path = join(prefix, key);
        if OPEN_TABLES.contains(&prefix.trim_end_matches('.')) {
            continue;
        }
        match defaults.get(key) {
            None => return Err(unknown_key(&path, defaults_keys(defaults, prefix), origin)),
            Some(toml::Value::Table(sub)) => {
                if let toml::Value::Table(t) = value {
                    if !OPEN_TABLES.contains(&path.as_str()) {
                        check_keys(t, sub, &format!("{path}."), origin)?;
                    }
                }
            }
            Some(def) => check_type(&path, value, def, origin)?,
        }
    }
    Ok(())
}

/// A value must have its default's type (integers may stand for floats).
fn check_type(key: &str, value: &toml::Value, default: &toml::Value, origin: &str) -> Result<()> {
    let fits = matches!(
        (default, value),
        (toml::Value::Float(_), toml::Value::Integer(_))
    ) || std::mem::discriminant(default) == std::mem::discriminant(value);
    if fits {
        Ok(())
    } else {
        Err(Error::config(format!(
            "{origin}: `{key}` must be {}, not {} `{value}`",
            article(default.type_str()),
            value.type_str()
        )))
    }
}

fn article(t: &str) -> String {
    match t {
        "integer" | "array" => format!("an {t}"),
        _ => format!("a {t}"),
    }
}

fn join(prefix: &str, key: &str) -> String {
    format!("{prefix}{key}")
}

fn defaults_keys(defaults: &toml::Table, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in defaults {
        let path = join(prefix, k);
        if let toml::Value::Table(t) = v {
            out.extend(defaults_keys(t, &format!("{path}.")));
        }
        out.push(path);
    }
    out
}

fn unknown_key(key: &str, known: Vec<String>, origin: &str) -> Error {
    let best = known
        .iter()
        .min_by_key(|k| strsim::levenshtein(k, key))
        .cloned()
        .unwrap_or_default();
    Error::config(format!(
        "{origin}: unknown key `{key}`; did you mean `{best}`? (`scrapewatch config --default` lists every key)"
    ))
}

fn apply_override(table: &mut toml::Table, defaults: &toml::Table, item: &str) -> Result<()> {
    let (key, raw) = item
        .split_once('=')
        .ok_or_else(|| Error::config(format!("--set {item}: expected KEY=VALUE")))?;
    let key = key.trim();
    let parts: Vec<&str> = key.split('.').collect();
    // Walk the defaults to learn whether the key exists and what type it has.
    let mut def: Option<&toml::Value> = None;
    let mut level = Some(defaults);
    let mut open = false;
    for (i, part) in parts.iter().enumerate() {
        let prefix = parts[..i].join(".");
        if OPEN_TABLES.contains(&prefix.as_str()) {
            open = true;
            break;
        }
        def = level.and_then(|t| t.get(*part));
        match def {
            None => {
                return Err(unknown_key(
                    key,
                    defaults_keys(defaults, ""),
                    &format!("--set {item}"),
                ))
            }
            Some(toml::Value::Table(t)) => level = Some(t),
            Some(_) => level = None,
        }
    }
    let is_string = open || matches!(def, Some(toml::Value::String(_)));
    let value = if is_string {
        toml::Value::String(raw.to_string())
    } else {
        match format!("v = {raw}").parse::<toml::Table>() {
            Ok(mut t) => t.remove("v").expect("parsed value"),
            Err(_) => toml::Value::String(raw.to_string()),
        }
    };
    if let (false, Some(def)) = (open, def) {
        check_type(key, &value, def, &format!("--set {item}"))?;
    }
    let mut cur = table;
    for part in &parts[..parts.len() - 1] {
        let entry = cur
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = match entry {
            toml::Value::Table(t) => t,
            _ => {
                return Err(Error::config(format!(
                    "--set {item}: `{part}` is not a table"
                )))
            }
        };
    }
    cur.insert(parts[parts.len() - 1].to_string(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_validate() {
        assert_eq!(Config::load(None, &[]).unwrap(), Config::default());
    }

    #[test]
    fn set_overrides_typed_by_default() {
        let c = Config::load(
            None,
            &[
                "input.fields.account=user.id".into(),
                "input.max_line=4096".into(),
                "input.actions.view=read".into(),
                "input.clf.systems./members=membership".into(),
            ],
        )
        .unwrap();
        assert_eq!(c.input.fields.account, "user.id");
        assert_eq!(c.input.max_line, 4096);
        assert_eq!(c.input.actions["view"], "read");
        assert_eq!(c.input.clf.systems["/members"], "membership");
    }

    #[test]
    fn unknown_key_suggests_nearest() {
        let e = Config::load(None, &["input.feilds.account=x".into()]).unwrap_err();
        assert!(e.to_string().contains("did you mean `input.fields"), "{e}");
        let e = Config::load(None, &["identity.kye=ip".into()]).unwrap_err();
        assert!(e.to_string().contains("`identity.key`"), "{e}");
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = Config::load(None, &["input.format=xml".into()]).unwrap_err();
        assert!(e.to_string().contains("input.format"), "{e}");
        let e = Config::load(None, &["input.max_line=lots".into()]).unwrap_err();
        assert!(e.to_string().contains("max_line"), "{e}");
        let e = Config::load(None, &["input.actions.peek=glance".into()]).unwrap_err();
        assert!(e.to_string().contains("input.actions.peek"), "{e}");
    }

    #[test]
    fn default_toml_is_the_defaults() {
        let parsed: Config = toml::from_str(Config::default_toml()).unwrap();
        assert_eq!(parsed, Config::default());
    }
}

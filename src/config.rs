//! Configuration: what the user may tune, with its defaults, read from a
//! TOML file (`--config`) and `--set key=value` overrides. Unknown keys and
//! bad values are errors that name the key and suggest the nearest valid
//! one. The command line turns into this plain [`Config`]; nothing else in
//! the library knows about clap.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub use crate::format::settings::{ClfConfig, Fields, InputConfig, SourceConfig};

/// Everything a scan is configured by.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// How lines become events.
    pub input: InputConfig,
    /// What counts as one actor.
    pub identity: IdentityConfig,
    /// Detector thresholds.
    pub rules: Rules,
    /// Per-role threshold overrides: `[overrides.ROLE.RULE]` tables with
    /// any keys of `[rules.RULE]`.
    pub overrides: BTreeMap<String, toml::Table>,
    /// Gaps in the logs: what quiet stretch is reported as missing logs.
    pub gaps: GapsConfig,
    /// The clock people keep.
    pub time: TimeConfig,
}

/// The clock hour-of-day features read.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TimeConfig {
    /// The IANA time zone of the users' working hours (`UTC`,
    /// `Europe/London`...), for every hour-of-day feature: `off-hours`,
    /// the peer groups' active hours, `explain`'s hours.
    pub zone: String,
}

impl Default for TimeConfig {
    fn default() -> TimeConfig {
        TimeConfig { zone: "UTC".into() }
    }
}

impl Config {
    /// The zone of [`TimeConfig::zone`].
    pub fn zone(&self) -> Result<crate::time::Zone> {
        crate::time::Zone::named(&self.time.zone).ok_or_else(|| {
            Error::config(format!(
                "time.zone: `{}` is not an IANA time zone (e.g. UTC, Europe/London)",
                self.time.zone
            ))
        })
    }
}

/// When a stretch with no events is a gap in the logs (see
/// [`crate::gaps`]).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct GapsConfig {
    /// Look for gaps at all.
    pub enabled: bool,
    /// A gap is longer than this many times the upper quartile of the
    /// source's longest daily quiet stretches...
    pub factor: f64,
    /// ...and than this many seconds.
    pub min_secs: u64,
    /// Sources with events on fewer days have no usual quiet to judge by.
    pub min_days: u64,
}

impl Default for GapsConfig {
    fn default() -> GapsConfig {
        GapsConfig {
            enabled: true,
            factor: 3.0,
            min_secs: 3600,
            min_days: 7,
        }
    }
}

/// Every rule's thresholds. Durations are in seconds.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
#[allow(missing_docs)]
pub struct Rules {
    pub sequential_read: SequentialRead,
    pub paged_search: PagedSearch,
    pub distinct_volume: DistinctVolume,
    pub export_volume: ExportVolume,
    pub byte_volume: ByteVolume,
    pub rate_absolute: RateAbsolute,
    pub rate_baseline: RateBaseline,
    pub rate_peer: RatePeer,
    pub regularity: Regularity,
    pub off_hours: OffHours,
    pub embargo: Switch,
    pub revoked: Switch,
    pub shared_credential: SharedCredential,
    pub watched_record: Switch,
    pub coordinated: Coordinated,
    // Web signals (issue 13).
    pub crawl: Crawl,
    pub probing: Probing,
    pub server_verdict: ServerVerdict,
    pub declared_crawler: DeclaredCrawler,
    pub scripted_client: ScriptedClient,
    pub agent_rotation: AgentRotation,
    pub watched_agent: Switch,
    // Issue 13 rules.
    pub coverage: Coverage,
    pub export_size: ExportSize,
    pub distinct_baseline: DistinctBaseline,
    pub two_places: TwoPlaces,
}

macro_rules! rule_config {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident : $ty:ty = $default:expr),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            /// Whether the rule runs.
            pub enabled: bool,
            $($(#[$fdoc])* pub $field: $ty,)*
        }
        impl Default for $name {
            fn default() -> $name {
                $name { enabled: true, $($field: $default,)* }
            }
        }
    };
}

rule_config!(
    /// `sequential-read`: records of one system read in id order.
    SequentialRead {
        /// Records in one run before it is a finding.
        min_run: u64 = 200,
        /// Largest id step that continues a run (deleted records leave gaps).
        max_gap: u64 = 5,
        /// Longest pause between two reads of a run.
        max_pause: i64 = 600,
    }
);
rule_config!(
    /// `paged-search`: searches walking page 1, 2, 3...
    PagedSearch {
        /// Consecutive pages before it is a finding.
        min_pages: u64 = 20,
        /// Longest pause between two pages of a walk.
        max_pause: i64 = 900,
    }
);
rule_config!(
    /// `distinct-volume`: distinct records read in a window.
    DistinctVolume {
        /// Window length.
        window: i64 = 3600,
        /// Distinct records in one window before it is a finding.
        max_records: u64 = 600,
        /// A second, longer window.
        long_window: i64 = 86_400,
        /// Distinct records in the long window.
        long_max_records: u64 = 2000,
    }
);
rule_config!(
    /// `export-volume`: rows exported in a window.
    ExportVolume {
        /// Window length.
        window: i64 = 3600,
        /// Rows in one window before it is a finding.
        max_rows: u64 = 50_000,
    }
);
rule_config!(
    /// `byte-volume`: bytes served in a window.
    ByteVolume {
        /// Window length.
        window: i64 = 3600,
        /// Bytes in one window before it is a finding.
        max_bytes: u64 = 500_000_000,
        /// Requests for distinct objects (records or paths; static assets
        /// count by request) in that window, at least; and the bytes must
        /// reach the limit without the window's largest response: one
        /// large download is not bulk access.
        min_objects: u64 = 20,
    }
);
rule_config!(
    /// `rate-absolute`: events per minute, hour and day over a limit.
    RateAbsolute {
        /// Events in one minute.
        per_minute: u64 = 60,
        /// Events in one hour.
        per_hour: u64 = 1000,
        /// Events in one day.
        per_day: u64 = 5000,
    }
);
rule_config!(
    /// `rate-baseline`: an hour far above the identity's own active hours.
    RateBaseline {
        /// Active hours of history needed before the rule can fire.
        min_history: u64 = 10,
        /// How many scaled MADs above the median an hour must be.
        mads: f64 = 10.0,
        /// Events in the hour, at least.
        min_events: u64 = 60,
        /// An hour whose records lie at least this much in the part of the
        /// record space the identity reads on other days is explained
        /// access: reported at severity low, and said so.
        explained_share: f64 = 0.8,
    }
);
rule_config!(
    /// `rate-peer`: the identity's busiest hour far above its peer group's.
    RatePeer {
        /// Peers needed for a comparison.
        min_peers: u64 = 20,
        /// The busiest hour must exceed the peers' 99th percentile by this factor.
        factor: f64 = 4.0,
        /// Events in the hour, at least.
        min_events: u64 = 200,
    }
);
rule_config!(
    /// `regularity`: machine-like pacing (low variation of the gaps
    /// between events), whatever the rate.
    Regularity {
        /// Consecutive gaps examined together.
        min_events: u64 = 100,
        /// Coefficient of variation (sd / mean of the gaps) below which the
        /// pacing is machine-like.
        max_cv: f64 = 0.35,
        /// Gaps longer than this end a stretch (the identity stopped).
        max_gap: i64 = 3600,
    }
);
rule_config!(
    /// `off-hours`: sustained activity at hours the identity does not use.
    OffHours {
        /// Days with activity needed to know the identity's hours.
        min_days: u64 = 5,
        /// An hour of the day is unusual when it, and every hour within
        /// `margin_hours` of it, was active on at most this many days.
        max_days_in_hour: u64 = 1,
        /// Hours either side of a usual hour that are not unusual either (a
        /// session that runs late is not a stranger at the keyboard).
        margin_hours: u64 = 2,
        /// An hour used by at least this share of the peer group (its role,
        /// else every identity without one) is not unusual.
        peer_share: f64 = 0.02,
        /// Events in unusual hours within one night, at least.
        min_events: u64 = 30,
        /// A night whose records lie at least this much in the part of the
        /// record space the identity reads on other days is explained
        /// access: reported at severity low, and said so.
        explained_share: f64 = 0.8,
    }
);
rule_config!(
    /// `embargo`, `revoked`, `watched-record`: on or off.
    Switch {}
);
rule_config!(
    /// `shared-credential`: one identity from many ips or user agents.
    SharedCredential {
        /// Window length.
        window: i64 = 3600,
        /// Distinct ips in one window before it is a finding.
        max_ips: u64 = 8,
        /// Distinct user agents in one window before it is a finding.
        max_agents: u64 = 6,
    }
);
rule_config!(
    /// `coordinated`: identities sharing a campaign, an ip /24 or a rare
    /// user agent that together read more distinct records than the
    /// `distinct-volume` limit while each stays under it.
    Coordinated {
        /// Window length.
        window: i64 = 21_600,
        /// Distinct records the group reads in one window.
        max_records: u64 = 400,
        /// Members that must take part.
        min_members: u64 = 3,
        /// User agents or prefixes shared by more identities than this are
        /// too common to mean anything (browsers, office NAT)...
        max_group: u64 = 12,
        /// ...and so are those shared by more than this share of all
        /// identities (in a small log, a browser looks rare by count).
        max_share: f64 = 0.05,
        /// Web identities (ip, ip/N): addresses of one /24 announcing one
        /// user agent form a group whatever its size (up to 256, the
        /// addresses of a /24), read over this longer window...
        long_window: i64 = 604_800,
        /// ...against this many distinct records (pages) together.
        long_max_records: u64 = 2000,
    }
);
// Issue 13 rules (one block for the hand merge).
rule_config!(
    /// `coverage`: distinct record ids that fill a contiguous id span, read
    /// in any order over any number of days.
    Coverage {
        /// Distinct ids in one block before it is a finding.
        min_records: u64 = 1000,
        /// Share of the block's span that was read, at least.
        min_coverage: f64 = 0.5,
        /// Largest id step between neighbouring ids read that keeps a block
        /// together (deleted and lapsed records leave gaps).
        max_gap: u64 = 5,
        /// A block whose records were read this many times each on average
        /// is one the identity keeps returning to (its own branch), not one
        /// it enumerated: explained access, reported at severity low.
        explained_rereads: f64 = 1.5,
    }
);
rule_config!(
    /// `export-size`: one export over a limit of rows.
    ExportSize {
        /// Rows in one export before it is a finding (Salesforce's
        /// transaction policies act at 2,000 rows of a lead export).
        max_rows: u64 = 2000,
        /// Per system, its own limit (system name -> rows).
        systems: std::collections::BTreeMap<String, u64> = Default::default(),
    }
);
rule_config!(
    /// `distinct-baseline`: a day of distinct records far above the
    /// identity's own active days.
    DistinctBaseline {
        /// Active days of history needed before the rule can fire.
        min_history: u64 = 5,
        /// How many scaled MADs above the median a day must be.
        mads: f64 = 10.0,
        /// Distinct records in the day, at least.
        min_records: u64 = 300,
        /// A day whose records lie at least this much in the part of the
        /// record space the identity reads on other days is explained
        /// access: reported at severity low, and said so.
        explained_share: f64 = 0.8,
    }
);
rule_config!(
    /// `two-places`: one credential used from two networks with two user
    /// agents at the same time.
    TwoPlaces {
        /// Two requests from different networks and agents at most this
        /// far apart are at the same time (a switch).
        tolerance: i64 = 300,
        /// Window the switches are counted in.
        window: i64 = 3600,
        /// Switches in one window before it is a finding (one person who
        /// moves switches once, not back and forth).
        min_switches: u64 = 4,
    }
);

// Web signals (issue 13): pages, answers and user agents.
rule_config!(
    /// `crawl`: distinct non-static pages (records, or paths where a URL
    /// has no id) fetched fast.
    Crawl {
        /// A short window...
        window: i64 = 20,
        /// ...and the distinct pages in it (41 in 20 s: over 40 pages
        /// faster than 2 a second).
        max_pages: u64 = 41,
        /// A longer window (link-walkers)...
        long_window: i64 = 60,
        /// ...and the distinct pages in it.
        long_max_pages: u64 = 50,
    }
);
rule_config!(
    /// `probing`: answers 403 and 404 over distinct targets.
    Probing {
        /// Window length.
        window: i64 = 600,
        /// Distinct targets answered 403 or 404 in one window.
        min_targets: u64 = 20,
        /// Share of the window's requests answered 403 or 404, at least.
        min_share: f64 = 0.5,
    }
);
rule_config!(
    /// `server-verdict`: a burst of 403, 418 and 429 answers.
    ServerVerdict {
        /// Window length.
        window: i64 = 600,
        /// Answers 403, 418 or 429 in one window.
        min_answers: u64 = 10,
    }
);
rule_config!(
    /// `declared-crawler` (severity info, not an alert): an identity whose
    /// every request names a crawler's agent; its other findings of the
    /// bulk-read, rate and web families become info too.
    DeclaredCrawler {
        /// Case-insensitive substrings of declared crawlers' user agents.
        agents: Vec<String> = words(&[
            "Googlebot", "bingbot", "Applebot", "DuckDuckBot", "YandexBot", "Baiduspider",
            "Slurp", "facebookexternalhit", "LinkedInBot", "Twitterbot", "AhrefsBot",
            "SemrushBot", "MJ12bot", "PetalBot", "SeznamBot", "Qwantify",
        ]),
    }
);
rule_config!(
    /// `scripted-client`: requests from an HTTP library or tool.
    ScriptedClient {
        /// Requests from such agents, at least.
        min_requests: u64 = 10,
        /// Case-insensitive substrings of scripted clients' user agents.
        agents: Vec<String> = words(&[
            "python-requests", "python-urllib", "python-httpx", "aiohttp", "curl/", "Wget",
            "Go-http-client", "libwww-perl", "Java/", "okhttp", "Scrapy", "node-fetch",
            "axios/", "HeadlessChrome", "PhantomJS",
        ]),
    }
);
rule_config!(
    /// `agent-rotation`: many distinct user agents from one address.
    AgentRotation {
        /// Window length.
        window: i64 = 600,
        /// Distinct user agents in one window.
        max_agents: u64 = 8,
    }
);

fn words(ws: &[&str]) -> Vec<String> {
    ws.iter().map(|w| w.to_string()).collect()
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
const OPEN_TABLES: [&str; 4] = [
    "input.actions",
    "input.clf.systems",
    "overrides",
    "rules.export-size.systems",
];

impl Config {
    /// Reads `path` (if any), applies `overrides` (`key=value`), and checks
    /// every key and value.
    pub fn load(path: Option<&Path>, overrides: &[String]) -> Result<Config> {
        Config::load_with(path, None, overrides)
    }

    /// [`Config::load`] with a `--preset`: the defaults, then the file,
    /// then the preset's `[input]` settings, then `overrides` (`--set`,
    /// and `--format` as `input.format`), each over the one before. A file
    /// matching an `[[input.sources]]` entry with its own preset gets that
    /// preset over `preset`, still under `overrides`.
    pub fn load_with(
        path: Option<&Path>,
        preset: Option<&str>,
        overrides: &[String],
    ) -> Result<Config> {
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
        check_keys(&table, &defaults, "", "", &origin)?;
        check_overrides(&table, &origin)?;
        let file = table.clone();
        let layered = |table: &mut toml::Table, presets: &[&str]| -> Result<()> {
            for name in presets {
                merge(table, preset_table(name)?);
            }
            for item in overrides {
                apply_override(table, &defaults, item)?;
            }
            Ok(())
        };
        layered(&mut table, preset.as_slice())?;
        if !overrides.is_empty() {
            check_overrides(&table, "--set")?;
        }
        let mut config: Config = table
            .try_into()
            .map_err(|e: toml::de::Error| Error::config(format!("{origin}: {}", e.message())))?;
        config.validate()?;
        for (i, source) in config.input.sources.iter_mut().enumerate() {
            if source.preset.is_empty() {
                continue;
            }
            let mut table = file.clone();
            let presets: Vec<&str> = preset.into_iter().chain([source.preset.as_str()]).collect();
            layered(&mut table, &presets)?;
            let mut own: Config = table.try_into().map_err(|e: toml::de::Error| {
                Error::config(format!("{origin}: input.sources[{i}]: {}", e.message()))
            })?;
            if !source.format.is_empty()
                && !overrides.iter().any(|o| o.starts_with("input.format="))
            {
                own.input.format = source.format.clone();
            }
            own.input.sources.clear();
            own.validate()?;
            source.input = Some(Box::new(own.input));
        }
        Ok(config)
    }

    /// This configuration with a preset's `[input]` settings laid over
    /// it (a file recognised as the preset's, see
    /// [`crate::format::preset::recognise`]).
    pub fn with_preset(&self, name: &str) -> Result<Config> {
        let mut table = toml::Table::try_from(self)
            .map_err(|e| Error::config(format!("config: a value does not fit a setting: {e}")))?;
        merge(&mut table, preset_table(name)?);
        let config: Config = table.try_into().map_err(|e: toml::de::Error| {
            Error::config(format!("preset {name}: {}", e.message()))
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every value: numbers against their ranges,
    /// enumerations, regexes, offsets, and each role's overrides. Runs on
    /// load, and again before detection (a `Config` may be built in code),
    /// so detectors can trust every window and threshold.
    pub fn validate(&self) -> Result<()> {
        let table = toml::Table::try_from(self)
            .map_err(|e| Error::config(format!("config: a value does not fit a setting: {e}")))?;
        let defaults = toml::Table::try_from(Config::default()).expect("defaults serialize");
        check_keys(&table, &defaults, "", "", "config")?;
        let input = &self.input;
        if input.format != "auto" && crate::format::Format::from_name(&input.format).is_none() {
            return Err(Error::config(format!(
                "input.format: `{}` is not one of auto, {}",
                input.format,
                format_names()
            )));
        }
        if input.document_key.is_empty() {
            return Err(Error::config(
                "input.document_key must name the key of a JSON document's array of events",
            ));
        }
        let why = match crate::time::parse_offset(&input.time_offset) {
            Some(minutes) if minutes.abs() <= MAX_OFFSET_MINUTES => None,
            Some(_) => Some("is out of range"),
            None => Some("is not an offset like +01:00"),
        };
        if let Some(why) = why {
            return Err(Error::config(format!(
                "input.time_offset: `{}` {why}; allowed: -14:00 to +14:00",
                input.time_offset
            )));
        }
        let [from, to] = input.time_range;
        let years = crate::time::YEARS;
        if !(years.contains(&from) && years.contains(&to) && from <= to) {
            return Err(Error::config(format!(
                "input.time_range: [{from}, {to}] must be two years FROM <= TO between {} and {}",
                years.start(),
                years.end()
            )));
        }
        if !(0.0..=1.0).contains(&input.max_rejected_share) {
            return Err(Error::config(format!(
                "input.max_rejected_share: {} must be a share between 0 and 1",
                input.max_rejected_share
            )));
        }
        if input.max_line < 64 {
            return Err(Error::config("input.max_line: must be at least 64 bytes"));
        }
        for (key, name) in FIELD_KEYS.iter().zip(input.fields.names()) {
            if name.trim().is_empty() {
                return Err(Error::config(format!(
                    "input.fields.{key}: the field name must not be empty"
                )));
            }
        }
        if input.clf.default_system.trim().is_empty() {
            return Err(Error::config(
                "input.clf.default_system: the system name must not be empty",
            ));
        }
        for (i, source) in input.sources.iter().enumerate() {
            check_source(i, &source.pattern, &source.format, &source.preset, "config")?;
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
        for proxy in &input.trusted_proxies {
            if crate::identity::Cidr::parse(proxy).is_none() {
                return Err(Error::config(format!(
                    "input.trusted_proxies: `{proxy}` is not an address or CIDR (10.0.0.0/8, 2001:db8::/32)"
                )));
            }
        }
        if !input.clf.record_template.is_empty() {
            crate::format::url::template(&input.clf.record_template).map_err(Error::config)?;
        }
        crate::identity::IdentitySpec::parse(&self.identity.key)
            .map_err(|e| Error::config(format!("identity.key: {e}")))?;
        self.zone()?;
        for role in self.overrides.keys() {
            self.rules_for(role)?;
        }
        Ok(())
    }

    /// The rules for identities of `role`: `[rules]` with the role's
    /// overrides applied.
    pub fn rules_for(&self, role: &str) -> Result<Rules> {
        let Some(over) = self.overrides.get(role) else {
            return Ok(self.rules.clone());
        };
        let mut table = toml::Table::try_from(&self.rules).expect("rules serialize");
        let defaults = toml::Table::try_from(Rules::default()).expect("rules serialize");
        let origin = format!("overrides.{role}");
        check_keys(over, &defaults, &format!("{origin}."), "rules.", "config")?;
        for (rule, values) in over {
            let (Some(toml::Value::Table(base)), toml::Value::Table(values)) =
                (table.get_mut(rule), values)
            else {
                return Err(Error::config(format!(
                    "{origin}.{rule}: expected a table of thresholds"
                )));
            };
            for (k, v) in values {
                base.insert(k.clone(), v.clone());
            }
        }
        table
            .try_into()
            .map_err(|e: toml::de::Error| Error::config(format!("{origin}: {}", e.message())))
    }

    /// The annotated default configuration, as `scrapewatch config --default`
    /// prints it.
    pub fn default_toml() -> &'static str {
        include_str!("default.toml")
    }
}

/// Checks every key of `table` against `defaults`: known, of the right
/// type, and (numbers) in range. `prefix` is how the key is shown,
/// `typed` the `[rules]`/`[input]` path whose type and range it takes
/// (they differ under `[overrides.ROLE]`).
fn check_keys(
    table: &toml::Table,
    defaults: &toml::Table,
    prefix: &str,
    typed: &str,
    origin: &str,
) -> Result<()> {
    for (key, value) in table {
        let path = join(prefix, key);
        let typed_path = join(typed, key);
        match defaults.get(key) {
            None => return Err(unknown_key(&path, defaults_keys(defaults, prefix), origin)),
            Some(toml::Value::Table(sub)) => match value {
                toml::Value::Table(t) if OPEN_TABLES.contains(&typed_path.as_str()) => {
                    check_open_table(&path, &typed_path, t, origin)?
                }
                toml::Value::Table(t) => check_keys(
                    t,
                    sub,
                    &format!("{path}."),
                    &format!("{typed_path}."),
                    origin,
                )?,
                _ => {
                    return Err(Error::config(format!(
                        "{origin}: `{path}` must be a table, not {} `{value}`",
                        value.type_str()
                    )))
                }
            },
            Some(_) if typed_path == "input.sources" => check_sources(&path, value, origin)?,
            Some(def) => check_value(&path, &typed_path, value, def, origin)?,
        }
    }
    Ok(())
}

/// `[[input.sources]]`: an array of tables, each with a `pattern` and a
/// `format`, both strings.
fn check_sources(path: &str, value: &toml::Value, origin: &str) -> Result<()> {
    let wanted = "an array of tables with a `pattern` and a `format`";
    let Some(items) = value.as_array() else {
        return Err(Error::config(format!(
            "{origin}: `{path}` must be {wanted}, not {} `{value}`",
            value.type_str()
        )));
    };
    for (i, item) in items.iter().enumerate() {
        let Some(table) = item.as_table() else {
            return Err(Error::config(format!(
                "{origin}: `{path}` must be {wanted}, not one holding `{item}`"
            )));
        };
        if let Some(key) = table
            .keys()
            .find(|k| !["pattern", "format", "preset"].contains(&k.as_str()))
        {
            return Err(Error::config(format!(
                "{origin}: `{path}[{i}].{key}` is not a key; allowed: pattern, format, preset"
            )));
        }
        let text = |key: &str| match table.get(key) {
            Some(toml::Value::String(s)) => Ok(s.as_str()),
            Some(other) => Err(Error::config(format!(
                "{origin}: `{path}[{i}].{key}` must be a string, not {} `{other}`",
                other.type_str()
            ))),
            None => Err(Error::config(format!(
                "{origin}: `{path}[{i}]` needs a `{key}`"
            ))),
        };
        let optional = |key: &str| match table.get(key) {
            None => Ok(""),
            Some(_) => text(key),
        };
        let (format, preset) = (optional("format")?, optional("preset")?);
        if format.is_empty() && preset.is_empty() {
            return Err(Error::config(format!(
                "{origin}: `{path}[{i}]` needs a `format` or a `preset`"
            )));
        }
        check_source(i, text("pattern")?, format, preset, origin)?;
    }
    Ok(())
}

/// A preset's settings as a config table; the error lists the presets.
fn preset_table(name: &str) -> Result<toml::Table> {
    let preset = crate::format::preset::find(name).ok_or_else(|| {
        Error::config(format!(
            "preset: `{name}` is not one of {}",
            crate::format::preset::names()
        ))
    })?;
    Ok(preset
        .toml
        .parse()
        .expect("presets are valid TOML (tested)"))
}

/// Lays `over` on `base`: tables merge key by key, anything else replaces.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// One source's pattern (a valid, non-empty glob), format (empty or a
/// named format, not `auto`) and preset (empty or a named preset).
fn check_source(i: usize, pattern: &str, format: &str, preset: &str, origin: &str) -> Result<()> {
    if pattern.trim().is_empty() {
        return Err(Error::config(format!(
            "{origin}: `input.sources[{i}].pattern` must not be empty"
        )));
    }
    if let Err(e) = glob::Pattern::new(pattern) {
        return Err(Error::config(format!(
            "{origin}: `input.sources[{i}].pattern` = `{pattern}` is not a glob: {e}"
        )));
    }
    if !preset.is_empty() && crate::format::preset::find(preset).is_none() {
        return Err(Error::config(format!(
            "{origin}: `input.sources[{i}].preset` = `{preset}` is not one of {}",
            crate::format::preset::names()
        )));
    }
    if !format.is_empty() && crate::format::Format::from_name(format).is_none() {
        return Err(Error::config(format!(
            "{origin}: `input.sources[{i}].format` = `{format}` is not one of {}",
            format_names()
        )));
    }
    Ok(())
}

/// The format names, as an error message lists them.
fn format_names() -> String {
    let names: Vec<&str> = crate::format::Format::ALL
        .iter()
        .map(|f| f.name())
        .collect();
    names.join(", ")
}

/// The free tables: `input.actions` and `input.clf.systems` map words to
/// names (strings); `overrides` maps roles to rule tables, checked by
/// [`check_overrides`] and [`Config::rules_for`].
fn check_open_table(path: &str, typed: &str, table: &toml::Table, origin: &str) -> Result<()> {
    if typed == "overrides" {
        return Ok(());
    }
    if typed == "rules.export-size.systems" {
        // System name -> rows per export.
        for (key, value) in table {
            if !value
                .as_integer()
                .is_some_and(|n| (1..=1_000_000_000_000).contains(&n))
            {
                return Err(Error::config(format!(
                    "{origin}: `{path}.{key}` = {value}: rows per export must be an integer from 1 to 1000000000000"
                )));
            }
        }
        return Ok(());
    }
    for (key, value) in table {
        if !value.is_str() {
            return Err(Error::config(format!(
                "{origin}: `{path}.{key}` must be a string, not {} `{value}`",
                value.type_str()
            )));
        }
    }
    Ok(())
}

/// Each `[overrides.ROLE.RULE]` of a configuration file, checked like
/// `[rules.RULE]` so the error names the file.
fn check_overrides(table: &toml::Table, origin: &str) -> Result<()> {
    let Some(overrides) = table.get("overrides") else {
        return Ok(());
    };
    let toml::Value::Table(overrides) = overrides else {
        return Err(Error::config(format!(
            "{origin}: `overrides` must be a table of roles, not {} `{overrides}`",
            overrides.type_str()
        )));
    };
    let rules = toml::Table::try_from(Rules::default()).expect("rules serialize");
    for (role, over) in overrides {
        let toml::Value::Table(over) = over else {
            return Err(Error::config(format!(
                "{origin}: `overrides.{role}` must be a table of rules, not {} `{over}`",
                over.type_str()
            )));
        };
        check_keys(
            over,
            &rules,
            &format!("overrides.{role}."),
            "rules.",
            origin,
        )?;
    }
    Ok(())
}

/// A value must have its default's type (integers may stand for floats)
/// and, if a number, lie in its key's [`range`]; arrays hold non-empty
/// strings. A numeric key without a range is refused, so none can be
/// added unchecked (the defaults' own load would fail).
fn check_value(
    key: &str,
    typed: &str,
    value: &toml::Value,
    default: &toml::Value,
    origin: &str,
) -> Result<()> {
    use toml::Value as V;
    let range = match default {
        V::Integer(_) | V::Float(_) => Some(range(typed).ok_or_else(|| {
            Error::config(format!(
                "{origin}: `{key}` has no allowed range defined (a bug: add it to config::range)"
            ))
        })?),
        _ => None,
    };
    let fits = matches!((default, value), (V::Float(_), V::Integer(_)))
        || std::mem::discriminant(default) == std::mem::discriminant(value);
    if !fits {
        let wanted = range.map_or_else(|| article(default.type_str()), |r| r.to_string());
        return Err(Error::config(format!(
            "{origin}: `{key}` must be {wanted}, not {} `{value}`",
            value.type_str()
        )));
    }
    let out_of_range = || {
        Error::config(format!(
            "{origin}: `{key}` = {value} is out of range; allowed: {}",
            range.expect("numbers have a range")
        ))
    };
    match (range, value) {
        (Some(Range::Int(min, max, _)), V::Integer(n)) if !(min..=max).contains(n) => {
            return Err(out_of_range())
        }
        (Some(Range::Float(min, max, _)), V::Integer(n)) if !(min..=max).contains(&(*n as f64)) => {
            return Err(out_of_range())
        }
        (Some(Range::Float(min, max, _)), V::Float(x)) if !(min..=max).contains(x) => {
            // NaN is in no range, and the bounds are finite.
            return Err(out_of_range());
        }
        // An array of numbers (`input.time_range`) holds whole numbers, as
        // its default does; the section's own check then judges them.
        (_, V::Array(items))
            if default
                .as_array()
                .is_some_and(|d| d.first().is_some_and(|v| v.is_integer())) =>
        {
            let want = default.as_array().map_or(0, Vec::len);
            if let Some(bad) = items.iter().find(|i| !i.is_integer()) {
                return Err(Error::config(format!(
                    "{origin}: `{key}` must be an array of {want} whole numbers, not one holding `{bad}`"
                )));
            }
            if items.len() != want {
                return Err(Error::config(format!(
                    "{origin}: `{key}` = {value} must hold {want} whole numbers"
                )));
            }
        }
        (_, V::Array(items)) => {
            if let Some(bad) = items
                .iter()
                .find(|i| i.as_str().is_none_or(|s| s.trim().is_empty()))
            {
                return Err(Error::config(format!(
                    "{origin}: `{key}` must be an array of non-empty strings, not one holding `{bad}`"
                )));
            }
        }
        _ => {}
    }
    Ok(())
}

/// The allowed values of a numeric setting, inclusive, with their unit.
#[derive(Debug, Clone, Copy)]
enum Range {
    Int(i64, i64, &'static str),
    Float(f64, f64, &'static str),
}

impl std::fmt::Display for Range {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Range::Int(min, max, unit) => write!(f, "an integer from {min} to {max}{unit}"),
            Range::Float(min, max, unit) => write!(f, "a number from {min} to {max}{unit}"),
        }
    }
}

/// Offsets of naive timestamps: the zones in use span -12:00 to +14:00.
const MAX_OFFSET_MINUTES: i32 = 14 * 60;

/// `input.fields` keys, in [`Fields::names`] order.
const FIELD_KEYS: [&str; 14] = [
    "ts",
    "account",
    "ip",
    "system",
    "action",
    "record",
    "page",
    "rows",
    "bytes",
    "status",
    "session",
    "user_agent",
    "url",
    "forwarded_for",
];

/// Every numeric setting's allowed values (`[overrides.ROLE.RULE]` keys
/// take those of `[rules.RULE]`). Windows and pauses run from a second to
/// a leap year: a window of 0 or less has no events, and the detectors
/// multiply seconds into milliseconds. Counts start at 1 (0 would flag
/// every identity) and stop where no log could reach them; shares are
/// fractions; factors are finite.
fn range(key: &str) -> Option<Range> {
    use Range::{Float, Int};
    const SECONDS: Range = Int(1, 366 * 86_400, " seconds (1 s to 366 days)");
    const COUNT: Range = Int(1, 1_000_000_000, "");
    const SHARE: Range = Float(0.0, 1.0, " (a share of the peer group)");
    Some(match key {
        "input.max_line" => Int(64, 1 << 30, " bytes (64 B to 1 GiB)"),
        "input.max_rejected_share" => Float(0.0, 1.0, " (a share of a file's lines)"),
        "gaps.factor" => Float(1.0, 1000.0, " (times the upper quartile of daily quiet)"),
        "gaps.min_secs" => SECONDS,
        "gaps.min_days" => Int(1, 366, " days"),
        "rules.sequential-read.min_run" => Int(2, 1_000_000_000, " records"),
        "rules.sequential-read.max_gap" => Int(1, u32::MAX as i64, " (an id step)"),
        "rules.sequential-read.max_pause" => SECONDS,
        "rules.paged-search.min_pages" => Int(2, 1_000_000_000, " pages"),
        "rules.paged-search.max_pause" => SECONDS,
        "rules.distinct-volume.window" => SECONDS,
        "rules.distinct-volume.max_records" => COUNT,
        "rules.distinct-volume.long_window" => SECONDS,
        "rules.distinct-volume.long_max_records" => COUNT,
        "rules.export-volume.window" => SECONDS,
        "rules.export-volume.max_rows" => Int(1, 1_000_000_000_000, " rows"),
        "rules.byte-volume.window" => SECONDS,
        "rules.byte-volume.max_bytes" => Int(1, 1_000_000_000_000_000, " bytes (up to 1 PB)"),
        "rules.rate-absolute.per_minute" => COUNT,
        "rules.rate-absolute.per_hour" => COUNT,
        "rules.rate-absolute.per_day" => COUNT,
        "rules.rate-baseline.min_history" => Int(1, 366 * 24, " active hours"),
        "rules.rate-baseline.mads" => Float(0.0, 1000.0, " MADs"),
        "rules.rate-baseline.min_events" => COUNT,
        "rules.rate-peer.min_peers" => COUNT,
        "rules.rate-peer.factor" => Float(1.0, 1000.0, " (times the peers' 99th percentile)"),
        "rules.rate-peer.min_events" => COUNT,
        "rules.regularity.min_events" => Int(2, 1_000_000_000, " gaps"),
        "rules.regularity.max_cv" => Float(0.001, 1000.0, ""),
        "rules.regularity.max_gap" => SECONDS,
        "rules.off-hours.min_days" => Int(1, 366, " days"),
        "rules.off-hours.max_days_in_hour" => Int(0, 366, " days"),
        "rules.off-hours.margin_hours" => Int(0, 11, " hours"),
        "rules.off-hours.peer_share" => SHARE,
        "rules.off-hours.min_events" => COUNT,
        "rules.shared-credential.window" => SECONDS,
        "rules.shared-credential.max_ips" => COUNT,
        "rules.shared-credential.max_agents" => COUNT,
        "rules.coordinated.window" => SECONDS,
        "rules.coordinated.max_records" => COUNT,
        "rules.coordinated.min_members" => Int(2, 1_000_000, " identities"),
        "rules.coordinated.max_group" => Int(2, 1_000_000, " identities"),
        "rules.coordinated.max_share" => Float(0.0, 1.0, " (a share of all identities)"),
        "rules.coordinated.long_window" => SECONDS,
        "rules.coordinated.long_max_records" => COUNT,
        "rules.byte-volume.min_objects" => COUNT,
        "rules.crawl.window" => SECONDS,
        "rules.crawl.max_pages" => COUNT,
        "rules.crawl.long_window" => SECONDS,
        "rules.crawl.long_max_pages" => COUNT,
        "rules.probing.window" => SECONDS,
        "rules.probing.min_targets" => COUNT,
        "rules.probing.min_share" => Float(0.0, 1.0, " (a share of the window's requests)"),
        "rules.server-verdict.window" => SECONDS,
        "rules.server-verdict.min_answers" => COUNT,
        "rules.scripted-client.min_requests" => COUNT,
        "rules.agent-rotation.window" => SECONDS,
        "rules.agent-rotation.max_agents" => Int(2, 1_000_000, " user agents"),
        "rules.coverage.min_records" => Int(2, 1_000_000_000, " records"),
        "rules.coverage.min_coverage" => Float(0.0, 1.0, " (a share of the span)"),
        "rules.coverage.max_gap" => Int(1, u32::MAX as i64, " (an id step)"),
        "rules.export-size.max_rows" => Int(1, 1_000_000_000_000, " rows"),
        "rules.distinct-baseline.min_history" => Int(1, 366, " active days"),
        "rules.distinct-baseline.mads" => Float(0.0, 1000.0, " MADs"),
        "rules.distinct-baseline.min_records" => COUNT,
        "rules.distinct-baseline.explained_share" => {
            Float(0.0, 1.0, " (a share of the records read)")
        }
        "rules.off-hours.explained_share" => Float(0.0, 1.0, " (a share of the records read)"),
        "rules.coverage.explained_rereads" => Float(1.0, 1_000_000.0, " (reads per record)"),
        "rules.rate-baseline.explained_share" => Float(0.0, 1.0, " (a share of the records read)"),
        "rules.two-places.tolerance" => SECONDS,
        "rules.two-places.window" => SECONDS,
        "rules.two-places.min_switches" => COUNT,
        _ => return None,
    })
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
    // An override `overrides.ROLE.RULE.KEY` is typed like `rules.RULE.KEY`.
    let typed_as: Vec<&str> = match parts[..] {
        ["overrides", _role, rule, field] => vec!["rules", rule, field],
        _ => parts.clone(),
    };
    // Walk the defaults to learn whether the key exists and what type it has.
    let mut def: Option<&toml::Value> = None;
    let mut level = Some(defaults);
    let mut open = None;
    for (i, part) in typed_as.iter().enumerate() {
        let prefix = typed_as[..i].join(".");
        if OPEN_TABLES.contains(&prefix.as_str()) {
            open = Some(prefix);
            break;
        }
        def = level.and_then(|t| t.get(*part));
        match def {
            None => {
                return Err(unknown_key(
                    &typed_as.join("."),
                    defaults_keys(defaults, ""),
                    &format!("--set {item}"),
                ))
            }
            Some(toml::Value::Table(t)) => level = Some(t),
            Some(_) => level = None,
        }
    }
    // Open tables hold strings, but for per-system row limits (checked
    // with the whole configuration on load).
    let is_string = match open.as_deref() {
        Some(table) => table != "rules.export-size.systems",
        None => matches!(def, Some(toml::Value::String(_))),
    };
    let value = if is_string {
        toml::Value::String(raw.to_string())
    } else {
        match format!("v = {raw}").parse::<toml::Table>() {
            Ok(mut t) => t.remove("v").expect("parsed value"),
            Err(_) => toml::Value::String(raw.to_string()),
        }
    };
    if let (None, Some(def)) = (&open, def) {
        check_value(
            key,
            &typed_as.join("."),
            &value,
            def,
            &format!("--set {item}"),
        )?;
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
        for bad in ["[2100, 1970]", "[0, 2000]", "[1970, 10000]"] {
            let e = Config::load(None, &[format!("input.time_range={bad}")]).unwrap_err();
            assert!(e.to_string().contains("input.time_range"), "{e}");
        }
        let c = Config::load(None, &["input.time_range=[1, 9999]".into()]).unwrap();
        assert_eq!(c.input.time_range, [1, 9999]);
        for bad in ["-0.1", "1.5", "nan"] {
            let e = Config::load(None, &[format!("input.max_rejected_share={bad}")]).unwrap_err();
            assert!(e.to_string().contains("input.max_rejected_share"), "{e}");
        }
    }

    #[test]
    fn role_overrides_apply_and_are_checked() {
        let c = Config::load(
            None,
            &["overrides.phone-bank-lead.rate-absolute.per_hour=3000".into()],
        )
        .unwrap();
        assert_eq!(
            c.rules_for("phone-bank-lead")
                .unwrap()
                .rules_absolute_per_hour(),
            3000
        );
        assert_eq!(
            c.rules_for("volunteer").unwrap().rules_absolute_per_hour(),
            1000
        );
        let e = Config::load(None, &["overrides.lead.rate-absolute.per_hr=3".into()]).unwrap_err();
        assert!(e.to_string().contains("per_hour"), "{e}");
        let e = Config::load(None, &["rules.sequential-read.min_rn=3".into()]).unwrap_err();
        assert!(
            e.to_string().contains("rules.sequential-read.min_run"),
            "{e}"
        );
    }

    impl Rules {
        fn rules_absolute_per_hour(&self) -> u64 {
            self.rate_absolute.per_hour
        }
    }

    /// Every leaf of a table, as (dotted key, value).
    fn leaves(table: &toml::Table, prefix: &str, out: &mut Vec<(String, toml::Value)>) {
        for (k, v) in table {
            match v {
                toml::Value::Table(t) => leaves(t, &format!("{prefix}{k}."), out),
                v => out.push((format!("{prefix}{k}"), v.clone())),
            }
        }
    }

    #[test]
    fn every_numeric_key_has_a_range_holding_its_default() {
        let mut all = Vec::new();
        leaves(
            &toml::Table::try_from(Config::default()).unwrap(),
            "",
            &mut all,
        );
        let mut numeric = 0;
        for (key, value) in &all {
            let Some(n) = value.as_float().or(value.as_integer().map(|i| i as f64)) else {
                continue;
            };
            numeric += 1;
            let range = range(key).unwrap_or_else(|| panic!("{key} has no range"));
            let (min, max) = match range {
                Range::Int(a, b, _) => (a as f64, b as f64),
                Range::Float(a, b, _) => (a, b),
            };
            assert!(min <= n && n <= max, "{key}: default {n} outside {range}");
        }
        assert!(numeric > 30, "the walk found {numeric} numeric keys");
    }

    #[test]
    fn values_out_of_range_name_key_value_and_range() {
        for (set, wanted) in [
            ("rules.distinct-volume.window=0", "`rules.distinct-volume.window` = 0 is out of range; allowed: an integer from 1 to 31622400"),
            ("rules.export-volume.window=-1", "= -1 is out of range"),
            ("rules.rate-peer.factor=nan", "`rules.rate-peer.factor` = nan is out of range; allowed: a number from 1 to 1000"),
            ("rules.off-hours.peer_share=inf", "= inf is out of range; allowed: a number from 0 to 1"),
            ("overrides.lead.byte-volume.window=0", "`overrides.lead.byte-volume.window` = 0 is out of range"),
            ("input.max_line=9223372036854775807", "allowed: an integer from 64 to 1073741824"),
            ("input.time_offset=+14:30", "input.time_offset: `+14:30` is out of range; allowed: -14:00 to +14:00"),
        ] {
            let e = Config::load(None, &[set.into()]).unwrap_err();
            assert!(e.to_string().contains(wanted), "{set}: {e}");
        }
        assert!(Config::load(None, &["input.time_offset=-14:00".into()]).is_ok());
    }

    #[test]
    fn config_built_in_code_is_checked_too() {
        let mut c = Config::default();
        c.rules.coordinated.window = 0;
        let e = c.validate().unwrap_err();
        assert!(
            e.to_string().contains("`rules.coordinated.window` = 0"),
            "{e}"
        );
        let mut c = Config::default();
        c.rules.regularity.max_cv = f64::NAN;
        assert!(c.validate().is_err());
        let mut c = Config::default();
        c.overrides.insert(
            "lead".into(),
            toml::from_str("[paged-search]\nmax_pause = -3").unwrap(),
        );
        let e = c.validate().unwrap_err();
        assert!(
            e.to_string()
                .contains("`overrides.lead.paged-search.max_pause` = -3"),
            "{e}"
        );
    }

    #[test]
    fn default_toml_is_the_defaults() {
        let parsed: Config = toml::from_str(Config::default_toml()).unwrap();
        assert_eq!(parsed, Config::default());
    }
}

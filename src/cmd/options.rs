//! The options every command that scans shares, and their translation into
//! the library's plain [`Config`] and [`Options`].

use clap::{Args, ValueEnum};
use scrapewatch::scan::Options;
use scrapewatch::Config;
use std::path::PathBuf;

/// A `--threads` value: a whole number from 1 (capped later, with a
/// warning, rather than refused, so scripts written on a bigger machine
/// still run).
fn parse_threads(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("at least 1 (leave -j out for one thread per core)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{s}` is not a whole number of threads")),
    }
}

/// Threads per core that `--threads` may ask for: a scan is bound by
/// memory and cores, and thousands of threads take minutes just to start.
pub const THREADS_PER_CORE: usize = 4;

/// The most threads a scan runs with.
pub fn max_threads() -> usize {
    THREADS_PER_CORE * std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Line formats on the command line.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum FormatArg {
    /// Decide per file from its first data lines.
    Auto,
    /// One JSON object per line.
    Ndjson,
    /// CSV or TSV with a header row.
    Csv,
    /// Apache/nginx common or combined log format.
    Clf,
    /// W3C extended log format (IIS, CloudFront), driven by `#Fields:`.
    W3c,
    /// AWS Application Load Balancer access logs.
    Alb,
    /// Zeek TSV logs (http.log), driven by `#fields`.
    ZeekTsv,
}

/// Options every command that scans shares.
#[derive(Args, Debug, Clone)]
pub struct ScanOptions {
    /// TOML configuration file (`scrapewatch config --default` shows every key).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Override a configuration key, e.g. `--set input.fields.account=user_id`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Line format (default: detected per file).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// The settings of a known source: format, fields, record rule,
    /// actions and systems (`scrapewatch config --presets` lists them).
    /// Over the config file; `--format` and `--set` are over it.
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// What counts as one actor: account, ip, ip/N, user_agent, session, or
    /// a combination like ip+user_agent.
    #[arg(long, value_name = "KEY")]
    pub identity: Option<String>,
    /// Worker threads [default: one per core; at most 4 per core, more
    /// are capped with a warning].
    #[arg(long, short = 'j', value_name = "N", value_parser = parse_threads)]
    pub threads: Option<usize>,
    /// Stream every input instead of memory-mapping regular files.
    #[arg(long)]
    pub no_mmap: bool,
    /// Stop at the first rejected line (exit status 3).
    #[arg(long)]
    pub strict: bool,
    /// Watchlist CSV: campaign, revoked, allow-listed accounts and watched
    /// records (`account,kind,campaign,revoked_at,not_before,system,role`).
    #[arg(long, value_name = "FILE")]
    pub watchlist: Option<PathBuf>,
    /// Bytes per parallel chunk (for tests of chunk-size invariance); 0: auto.
    #[arg(long, hide = true, default_value_t = 0)]
    pub chunk_size: usize,
}

impl ScanOptions {
    /// The validated configuration: the file, then `--preset`, then
    /// `--set` with `--format` and `--identity`.
    pub fn config(&self) -> scrapewatch::Result<Config> {
        let mut set = self.set.clone();
        if let Some(f) = self.format {
            let value = f.to_possible_value().expect("no format is skipped");
            set.push(format!("input.format={}", value.get_name()));
        }
        if let Some(id) = &self.identity {
            set.push(format!("identity.key={id}"));
        }
        Config::load_with(self.config.as_deref(), self.preset.as_deref(), &set)
    }

    /// The watchlist, empty when none was named.
    pub fn watchlist(&self) -> scrapewatch::Result<scrapewatch::watchlist::Watchlist> {
        match &self.watchlist {
            Some(p) => scrapewatch::watchlist::Watchlist::load(p),
            None => Ok(Default::default()),
        }
    }

    /// How the scan runs.
    pub fn options(&self) -> Options {
        Options {
            threads: self.threads.unwrap_or(0),
            chunk_size: self.chunk_size,
            mmap: !self.no_mmap,
            strict: self.strict,
            ..Options::default()
        }
    }
}

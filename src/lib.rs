//! scrapewatch finds data scraping in access logs.
//!
//! The words, defined once:
//!
//! - **input**: a file, directory, glob or `-` the user names ([`input`]).
//! - **chunk**: a newline-aligned byte range of a mapped input, one unit of
//!   parallel work ([`scan::split`]).
//! - **format**: how a line is written: NDJSON, CSV or combined log format
//!   ([`mod@format`]).
//! - **event**: one access, parsed from one line into a compact
//!   [`event::Event`]; strings are interned ([`intern`]).
//! - **identity**: who counts as one actor: an account, an ip, a prefix, a
//!   combination ([`identity::IdentitySpec`]).
//! - **timeline**: one identity's events in time order; detection reads
//!   every identity's as [`timeline::Timelines`].
//! - **tally**: the account of every line: `lines = events + rejected +
//!   blank + headers + comments` ([`tally`], [`summary`]).
//! - **note**: a derived field (page, rows, bytes, status) that did not
//!   parse, left empty on an event that is kept; counted beside the
//!   rejections ([`tally::Note`]).
//!
//! The pipeline is `input -> chunk -> parse (format) -> batch -> merge ->
//! timelines -> detect -> findings -> output`, driven by [`scan::scan`]
//! up to the timelines. Detection ([`mod@detect`]) runs over [`timeline::Timelines`]
//! in one process, or split by identity across processes with
//! [`partition`] (`partition -> detect per bucket -> merge`).
//!
//! # The front door
//!
//! The names most callers need are at the crate root:
//!
//! ```
//! use scrapewatch::{detect, scan, Config, Input, Options, Watchlist};
//!
//! let config = Config::default();
//! let inputs = [Input::Path("data/sample.ndjson".into())];
//! let scanned = scan(&config, &inputs, &Options::default())?;
//! assert!(scanned.summary.total.balanced());
//! let detection = detect(&scanned.timelines(), &config, &Watchlist::default())?;
//! for finding in detection.active() {
//!     println!("{} {} {}", finding.identity, finding.rule, finding.message);
//! }
//! # Ok::<(), scrapewatch::Error>(())
//! ```
//!
//! A program that owns its process and wants mapped input calls
//! [`input::install_sigbus_guard`] first; without it, files are streamed.
//! To split detection across processes, see [`partition`].
//!
//! # Dependencies point down the pipeline
//!
//! Which module may import which (checked by `tests/architecture.rs`, which
//! fails on an upward import):
//!
//! - `time`, `intern`, `escape`, `event`, `finding`, `identity`: the model;
//!   they import nothing above them.
//! - `format` and `batch` (the parse layer): the model, `tally` and their own
//!   settings (`format::settings`); never the app `config`, detection or the
//!   driver.
//! - `timeline`: the model only.
//! - `detect`, `explain`: the model, `timeline`, `config` and `watchlist`;
//!   never the driver (`scan`), `input`, the parsers (`format`, `batch`),
//!   the line account (`tally`, `summary`) or `output`.
//! - `output`: the model; never parsing, the driver or detection.
//! - `scan` (the driver), `partition`, `report` and the binary's commands
//!   may use everything below them.
//!
//! # Identical output
//!
//! The findings and the summary are identical whatever the chunk size, the
//! number of threads, whether an input was mapped or streamed, and how many
//! partitions or processes ran the detection. "Identical" means byte for
//! byte in the machine outputs (JSON lines, CSV, and the summary JSON
//! without its `timing`), with files named as the user gave them; the table
//! is for people and may adapt to the terminal. The tester
//! (`tests/util.rs`) runs every case through every path, partitioned in 1,
//! 2 and 4 buckets included.

#![deny(missing_docs)]

pub mod batch;
pub mod columnar;
pub mod config;
pub mod detect;
pub mod error;
pub mod escape;
#[cfg(feature = "generator")]
pub mod eval;
pub mod event;
pub mod explain;
pub mod finding;
pub mod format;
pub mod gaps;
#[cfg(feature = "generator")]
pub mod generate;
pub mod identity;
pub mod input;
pub mod intern;
pub mod manifest;
pub mod output;
pub mod partition;
pub mod report;
pub mod scan;
pub mod state;
pub mod summary;
pub mod tally;
pub mod time;
pub mod timeline;
pub mod watchlist;

pub use config::Config;
pub use detect::{detect, Detection};
pub use error::{Error, ErrorKind, Result};
pub use finding::{Finding, RuleId, Severity};
pub use input::Input;
pub use scan::{scan, Options, Scan};
pub use timeline::Timelines;
pub use watchlist::Watchlist;

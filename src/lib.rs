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
//!   combination ([`batch::IdentitySpec`]).
//! - **timeline**: one identity's events in time order; detection reads
//!   every identity's as [`timeline::Timelines`].
//! - **tally**: the account of every line: `lines = events + rejected +
//!   blank + headers + comments` ([`tally`], [`summary`]).
//! - **note**: a derived field (page, rows, bytes, status) that did not
//!   parse, left empty on an event that is kept; counted beside the
//!   rejections ([`tally::Note`]).
//!
//! The pipeline is `input -> chunk -> parse (format) -> batch -> merge ->
//! timelines`, driven by [`scan::scan`], the one module that knows every
//! stage.

#![warn(missing_docs)]

pub mod batch;
pub mod config;
pub mod detect;
pub mod error;
pub mod escape;
pub mod eval;
pub mod event;
pub mod explain;
pub mod finding;
pub mod format;
pub mod generate;
pub mod input;
pub mod intern;
pub mod output;
pub mod partition;
pub mod report;
pub mod scan;
pub mod summary;
pub mod tally;
pub mod time;
pub mod timeline;
pub mod watchlist;

pub use config::Config;
pub use error::{Error, ErrorKind, Result};

//! `scrapewatch generate`: writes a realistic contest's access log with its
//! watchlist and ground-truth labels.

use anyhow::{anyhow, Result};
use clap::{Args, ValueEnum};
use scrapewatch::generate::{self, OutFormat, Params};
use std::path::PathBuf;
use std::time::Instant;

/// Output formats.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum GenFormat {
    /// One JSON object per line.
    Ndjson,
    /// CSV with a header row.
    Csv,
    /// Combined log format (with a config.toml mapping paths to systems).
    Clf,
}

/// Simulated worlds.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum GenWorld {
    /// The contest the rules were first written against.
    Contest,
    /// The contest plus population-wide surges, bursty and multi-device
    /// users, and attacks that slip between the rules.
    Hard,
}

/// Arguments of `scrapewatch generate`.
#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Directory to write events, watchlist.csv and labels.json into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Events to write.
    #[arg(long, default_value_t = 1_000_000)]
    pub events: u64,
    /// Seed: the same seed writes the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The simulated world (labels.json records which).
    #[arg(long, value_enum, default_value = "contest")]
    pub world: GenWorld,
    /// Output format.
    #[arg(long, value_enum, default_value = "ndjson")]
    pub format: GenFormat,
    /// First day of the contest (YYYY-MM-DD).
    #[arg(long, default_value = "2025-06-01")]
    pub start: String,
    /// Days covered (1 to 366).
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(i64).range(1..=366))]
    pub days: i64,
    /// Shuffle lines within each minute, as some servers write them.
    #[arg(long)]
    pub shuffle_minute: bool,
    /// Print nothing on stderr but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Runs the command.
pub fn run(args: GenerateArgs) -> Result<i32> {
    let start_day = generate::parse_day(&args.start)
        .ok_or_else(|| anyhow!("--start {}: expected YYYY-MM-DD", args.start))?;
    let params = Params {
        world: match args.world {
            GenWorld::Contest => generate::WorldKind::Contest,
            GenWorld::Hard => generate::WorldKind::Hard,
        },
        events: args.events,
        seed: args.seed,
        format: match args.format {
            GenFormat::Ndjson => OutFormat::Ndjson,
            GenFormat::Csv => OutFormat::Csv,
            GenFormat::Clf => OutFormat::Clf,
        },
        start_day,
        days: args.days,
        shuffle_minute: args.shuffle_minute,
    };
    // Generated data is synthetic, so the files keep ordinary semantics
    // (created or truncated in place), but a link planted at one of their
    // names is not followed: it could point at anything the user can write.
    for name in [
        generate::events_file(params.format),
        "watchlist.csv",
        "labels.json",
        "config.toml",
    ] {
        let path = args.out.join(name);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
            anyhow::bail!(scrapewatch::Error::config(format!(
                "{}: is a symbolic link; generate does not write through links (remove it)",
                path.display()
            )));
        }
    }
    let started = Instant::now();
    let written = generate::generate(&args.out, &params)?;
    let secs = started.elapsed().as_secs_f64();
    if args.quiet {
        return Ok(0);
    }
    eprintln!(
        "wrote {} events ({} ordinary actors, {} labelled identities) to {} in {:.2} s ({:.2} M events/s)",
        written.events,
        written.actors,
        written.labels,
        args.out.join(generate::events_file(params.format)).display(),
        secs,
        written.events as f64 / secs / 1e6
    );
    Ok(0)
}

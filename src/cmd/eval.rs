//! `scrapewatch eval DIR`: scans DIR's generated events with its watchlist
//! and prints a scorecard against its labels.

use super::options::ScanOptions;
use anyhow::{anyhow, Result};
use clap::Args;
use scrapewatch::detect;
use scrapewatch::eval;
use scrapewatch::output::printable_lines;
use std::path::{Path, PathBuf};

/// Arguments of `scrapewatch eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// A directory written by `scrapewatch generate`.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub scan: ScanOptions,
    /// Write the scorecard as JSON to FILE (`-`: to stdout, instead of the
    /// table).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Print nothing on stderr but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// The events file of a generated directory.
pub fn events_in(dir: &Path) -> Result<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| anyhow!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("events."))
        })
        .collect();
    found.sort();
    found.into_iter().next().ok_or_else(|| {
        anyhow!(
            "{}: no events.* file (write one with scrapewatch generate)",
            dir.display()
        )
    })
}

/// Runs the command.
pub fn run(mut args: EvalArgs) -> Result<i32> {
    let events = events_in(&args.dir)?;
    if args.scan.config.is_none() && args.dir.join("config.toml").exists() {
        args.scan.config = Some(args.dir.join("config.toml"));
    }
    if args.scan.watchlist.is_none() {
        args.scan.watchlist = Some(args.dir.join("watchlist.csv"));
    }
    let labels = eval::load_labels(&args.dir.join("labels.json"))?;
    let config = args.scan.config()?;
    let watchlist = args.scan.watchlist()?;
    let paths = [events.display().to_string()];
    let labels_path = args.dir.join("labels.json");
    let outputs: Vec<&Path> = args.json.as_deref().into_iter().collect();
    let reads: Vec<&Path> = std::iter::once(labels_path.as_path())
        .chain(super::scan_reads(&args.scan))
        .collect();
    let (scan, timing, _) = super::scan::run_scan(
        &paths,
        &config,
        &args.scan.options(),
        true,
        (&outputs, &reads),
    )?;
    let detection = detect::detect(&scan.timelines(), &config, &watchlist)?;
    let card = eval::score(&labels, &detection.findings);
    let json_to_stdout = args.json.as_ref().is_some_and(|p| p.as_os_str() == "-");
    if !json_to_stdout {
        super::write_stdout(&printable_lines(&card.render()))?;
    }
    if !args.quiet {
        eprintln!(
            "{} events, {} findings ({} suppressed) in {:.2} s",
            scan.summary.total.events,
            detection.active().count(),
            detection.suppressed(),
            timing.seconds
        );
    }
    if let Some(path) = &args.json {
        super::write_json_to(path, &super::versioned(&card)?)?;
    }
    Ok(0)
}

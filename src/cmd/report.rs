//! `scrapewatch report --html FILE`: the scan and its findings as one
//! self-contained HTML file.

use super::options::ScanOptions;
use anyhow::{Context, Result};
use clap::Args;
use scrapewatch::output::printable;
use scrapewatch::report::{self, ReportOptions};
use std::path::{Path, PathBuf};

/// Arguments of `scrapewatch report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Files, directories, globs or `-`, as for scan.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// Write the report to FILE (created readable by its owner only).
    #[arg(long, value_name = "FILE")]
    pub html: PathBuf,
    /// Identities shown in full; the rest are counted.
    #[arg(long, default_value_t = 25)]
    pub top: usize,
    /// Include findings of allow-listed identities.
    #[arg(long)]
    pub show_suppressed: bool,
    /// A `scrapewatch sweep --json` file: plot alerts against threshold.
    #[arg(long, value_name = "FILE")]
    pub sweep: Option<PathBuf>,
    /// Replace identities, ips and record ids with keyed hashes.
    #[arg(long, value_name = "KEYFILE")]
    pub pseudonymize: Option<PathBuf>,
    #[command(flatten)]
    pub scan: ScanOptions,
    /// Print nothing on stderr but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Runs the command.
pub fn run(args: ReportArgs) -> Result<i32> {
    let config = args.scan.config()?;
    let watchlist = args.scan.watchlist()?;
    let pseudonymizer = super::pseudonymizer(args.pseudonymize.as_deref())?;
    let sweep: Option<serde_json::Value> = match &args.sweep {
        Some(p) => Some(
            serde_json::from_slice(&std::fs::read(p).with_context(|| format!("{}", p.display()))?)
                .with_context(|| format!("{}: not a sweep JSON file", p.display()))?,
        ),
        None => None,
    };
    // Since schema_version 1 the rows sit under `rows`; older files were
    // the bare array.
    let sweep = sweep.map(|mut v| match v.get_mut("rows") {
        Some(rows) => rows.take(),
        None => v,
    });
    let reads: Vec<&Path> = [args.sweep.as_deref(), args.pseudonymize.as_deref()]
        .into_iter()
        .flatten()
        .chain(super::scan_reads(&args.scan))
        .collect();
    let (scan, _, _) = super::scan::run_scan(
        &args.paths,
        &config,
        &args.scan.options(),
        true,
        (&[args.html.as_path()], &reads),
    )?;
    let mut detection = scrapewatch::detect::detect(&scan.timelines(), &config, &watchlist)?;
    scrapewatch::gaps::mark(&mut detection.findings, &scan.summary.gaps);
    let html = report::render(
        &scan,
        &detection,
        &config,
        &ReportOptions {
            top: args.top,
            show_suppressed: args.show_suppressed,
            pseudonymizer: pseudonymizer.as_ref(),
            sweep: sweep.as_ref(),
        },
    );
    super::write_file(&args.html, html.as_bytes())?;
    if args.quiet {
        return Ok(0);
    }
    eprintln!(
        "wrote {} ({} bytes): {} findings on {} identities",
        printable(&args.html.display().to_string()),
        html.len(),
        detection.active().count(),
        detection
            .active()
            .map(|f| &f.identity)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    );
    Ok(0)
}

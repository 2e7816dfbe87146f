//! `scrapewatch partition`, `detect` and `merge`: the detection of one scan
//! split by identity across processes or machines, with the same findings
//! (see [`scrapewatch::partition`]).

use super::options::ScanOptions;
use super::scan::{run_scan, FindingsOptions, WITHHELD};
use anyhow::Result;
use clap::Args;
use scrapewatch::output::printable;
use scrapewatch::partition;
use std::path::{Path, PathBuf};

/// Arguments of `scrapewatch partition`.
#[derive(Args, Debug)]
pub struct PartitionArgs {
    /// Files, directories (walked), globs, or `-` for stdin, as for `scan`.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// How many buckets to split the identities into.
    #[arg(long, value_name = "N")]
    pub buckets: u32,
    /// The partition directory: new or empty; created readable by its
    /// owner only (buckets hold the logs' personal data).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    pub scan: ScanOptions,
    /// Print nothing on stderr but errors and warnings.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Arguments of `scrapewatch detect`.
#[derive(Args, Debug)]
pub struct DetectArgs {
    /// A directory written by `scrapewatch partition`.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The bucket to detect (0 to N-1); buckets may run in any order, at
    /// the same time, in separate processes.
    #[arg(long, value_name = "K")]
    pub bucket: u32,
}

/// Arguments of `scrapewatch merge`.
#[derive(Args, Debug)]
pub struct MergeArgs {
    /// A directory written by `scrapewatch partition`, every bucket detected.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub out: FindingsOptions,
}

/// Runs `partition`.
pub fn run_partition(args: PartitionArgs) -> Result<i32> {
    let config = args.scan.config()?;
    let watchlist = args.scan.watchlist()?;
    let reads: Vec<&Path> = super::scan_reads(&args.scan).collect();
    let (scan, _, resolve_errors) = run_scan(
        &args.paths,
        &config,
        &args.scan.options(),
        args.quiet,
        (&[args.out.as_path()], &reads),
    )?;
    let manifest = partition::partition(&args.out, &scan, &config, &watchlist, args.buckets)?;
    if !args.quiet {
        eprintln!(
            "{} events of {} identities in {} buckets in {}: run `scrapewatch detect {} --bucket K` for K in 0..{}, then `scrapewatch merge {}`",
            scan.summary.total.events,
            scan.summary.identities,
            manifest.buckets,
            printable(&args.out.display().to_string()),
            printable(&args.out.display().to_string()),
            manifest.buckets,
            printable(&args.out.display().to_string()),
        );
    }
    for e in &resolve_errors {
        eprintln!("scrapewatch: {}", printable(&e.to_string()));
    }
    Ok(if resolve_errors.is_empty() && scan.errors.is_empty() {
        0
    } else {
        2
    })
}

/// Runs `detect`.
pub fn run_detect(args: DetectArgs) -> Result<i32> {
    partition::detect_bucket(&args.dir, args.bucket)?;
    Ok(0)
}

/// Runs `merge`.
pub fn run_merge(args: MergeArgs) -> Result<i32> {
    let out = &args.out;
    let reads: Vec<&Path> = out.reads().collect();
    super::check_outputs(&out.outputs(), &reads)?;
    let pseudonymizer = super::pseudonymizer(out.pseudonymize.as_deref())?;
    let started = std::time::Instant::now();
    let merged = partition::merge(&args.dir)?;
    let mut summary = merged.summary;
    if pseudonymizer.is_some() {
        for key in ["examples", "note_examples"] {
            if let Some(list) = summary.get_mut(key).and_then(|v| v.as_array_mut()) {
                for ex in list {
                    ex["excerpt"] = WITHHELD.into();
                }
            }
        }
    }
    let shown = out.shown(&merged.detection, pseudonymizer.as_ref());
    out.write_findings(&shown, pseudonymizer.is_some())?;
    if !out.quiet {
        out.tell(&merged.detection);
    }
    let timing = serde_json::json!({ "seconds": started.elapsed().as_secs_f64() });
    // A partition reads the whole logs: no period restricts them.
    let period = super::scan::Period::default().json(0, 0);
    out.write_summary(summary, &merged.detection, timing, period)?;
    for e in &merged.errors {
        eprintln!("scrapewatch: {}", printable(e));
    }
    Ok(out.status(&shown, !merged.errors.is_empty()))
}

//! `scrapewatch sweep`: parses the logs once, then re-runs the detectors
//! for every value (or grid of values) of one or more thresholds, and
//! tabulates findings, identities flagged and, with labels, precision and
//! recall.

use super::options::ScanOptions;
use anyhow::{bail, Result};
use clap::Args;
use scrapewatch::output::printable;
use scrapewatch::{detect, eval, Config};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `scrapewatch sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    /// Files, directories, globs or `-`, as for scan.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// A configuration key to sweep, e.g. `rules.sequential-read.min_run`;
    /// repeat with --values for a grid.
    #[arg(long = "param", value_name = "KEY", required = true)]
    pub params: Vec<String>,
    /// Comma-separated values of the matching --param.
    #[arg(long = "values", value_name = "A,B,C", required = true)]
    pub values: Vec<String>,
    /// Ground-truth labels (labels.json from `scrapewatch generate`).
    #[arg(long, value_name = "FILE")]
    pub labels: Option<PathBuf>,
    #[command(flatten)]
    pub scan: ScanOptions,
    /// Write the table as JSON to FILE (`-`: to stdout, instead of the
    /// table).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Print nothing on stderr but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// One row of the sweep.
#[derive(serde::Serialize)]
struct Row {
    values: Vec<(String, String)>,
    findings: usize,
    identities: usize,
    suppressed: usize,
    true_positives: Option<usize>,
    false_positives: Option<usize>,
    precision: Option<f64>,
    recall: Option<f64>,
    seconds: f64,
}

/// Runs the command.
pub fn run(args: SweepArgs) -> Result<i32> {
    if args.params.len() != args.values.len() {
        bail!(
            "each --param needs one --values (got {} and {})",
            args.params.len(),
            args.values.len()
        );
    }
    let axes: Vec<(String, Vec<String>)> = args
        .params
        .iter()
        .zip(&args.values)
        .map(|(p, v)| {
            (
                p.clone(),
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect(),
            )
        })
        .collect();
    // Every combination, checked before the scan so a typo fails fast.
    let mut grid: Vec<Vec<(String, String)>> = vec![vec![]];
    for (key, values) in &axes {
        if values.is_empty() {
            bail!("--param {key}: no values");
        }
        if !key.starts_with("rules.") && !key.starts_with("overrides.") {
            bail!("--param {key}: a sweep re-runs the detectors over one parse, so it takes rules.* and overrides.* keys; other settings need a new scan");
        }
        grid = grid
            .into_iter()
            .flat_map(|row| {
                values
                    .iter()
                    .map(move |v| [row.clone(), vec![(key.clone(), v.clone())]].concat())
            })
            .collect();
    }
    let configs: Vec<Config> = grid
        .iter()
        .map(|row| {
            let mut sets = args.scan.set.clone();
            sets.extend(row.iter().map(|(k, v)| format!("{k}={v}")));
            ScanOptions {
                set: sets,
                ..args.scan.clone()
            }
            .config()
        })
        .collect::<scrapewatch::Result<_>>()?;
    let labels = args.labels.as_deref().map(eval::load_labels).transpose()?;
    let watchlist = args.scan.watchlist()?;

    // The one parse, and one full detection that the runs below reuse.
    let base_config = args.scan.config()?;
    let outputs: Vec<&Path> = args.json.as_deref().into_iter().collect();
    let reads: Vec<&Path> = args
        .labels
        .as_deref()
        .into_iter()
        .chain(super::scan_reads(&args.scan))
        .collect();
    let (scan, timing, _) = super::scan::run_scan(
        &args.paths,
        &base_config,
        &args.scan.options(),
        true,
        (&outputs, &reads),
    )?;
    let started = Instant::now();
    let (_, base) = detect::detect_base(&scan.timelines(), &base_config, &watchlist)?;
    if !args.quiet {
        eprintln!(
            "parsed {} events once in {:.2} s; base detection {:.2} s",
            scan.summary.total.events,
            timing.seconds,
            started.elapsed().as_secs_f64()
        );
    }

    let mut rows = Vec::with_capacity(grid.len());
    for (values, config) in grid.into_iter().zip(&configs) {
        let started = Instant::now();
        let detection = detect::redetect(&scan.timelines(), &base, config, &watchlist)?;
        let seconds = started.elapsed().as_secs_f64();
        let identities = detection
            .active()
            .map(|f| &f.identity)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let card = labels.as_ref().map(|l| eval::score(l, &detection.findings));
        rows.push(Row {
            values,
            findings: detection.active().count(),
            identities,
            suppressed: detection.suppressed(),
            true_positives: card.as_ref().map(|c| c.true_positives),
            false_positives: card.as_ref().map(|c| c.false_positives.len()),
            precision: card.as_ref().map(|c| c.precision),
            recall: card.as_ref().map(|c| c.recall),
            seconds,
        });
    }

    let names: Vec<&str> = axes.iter().map(|(k, _)| k.as_str()).collect();
    let mut header = names.join(" | ");
    header.push_str(" | findings | identities | suppressed");
    if labels.is_some() {
        header.push_str(" | TP | FP | precision | recall");
    }
    let mut table = format!("| {} |\n", printable(&header));
    table += &format!("|{}\n", "---|".repeat(header.matches('|').count() + 1));
    for r in &rows {
        let mut cells: Vec<String> = r
            .values
            .iter()
            .map(|(_, v)| printable(v).into_owned())
            .collect();
        cells.extend([
            r.findings.to_string(),
            r.identities.to_string(),
            r.suppressed.to_string(),
        ]);
        if let (Some(tp), Some(fp), Some(p), Some(rc)) =
            (r.true_positives, r.false_positives, r.precision, r.recall)
        {
            cells.extend([
                tp.to_string(),
                fp.to_string(),
                format!("{p:.3}"),
                format!("{rc:.3}"),
            ]);
        }
        table += &format!("| {} |\n", cells.join(" | "));
    }
    if args.json.as_ref().is_none_or(|p| p.as_os_str() != "-") {
        super::write_stdout(&table)?;
    }
    let detect_total: f64 = rows.iter().map(|r| r.seconds).sum();
    if !args.quiet {
        eprintln!("{} detector runs in {:.2} s", rows.len(), detect_total);
    }
    if let Some(path) = &args.json {
        super::write_json_to(
            path,
            &super::versioned(serde_json::json!({ "rows": rows }))?,
        )?;
    }
    Ok(0)
}

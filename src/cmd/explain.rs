//! `scrapewatch explain IDENTITY`: why an identity was flagged, and why
//! it was not.

use super::options::ScanOptions;
use anyhow::{bail, Result};
use clap::Args;
use scrapewatch::output::printable;
use scrapewatch::{detect, explain};
use std::path::PathBuf;

/// Arguments of `scrapewatch explain`.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The identity (as the scan names it: account, ip, ...).
    #[arg(value_name = "IDENTITY")]
    pub who: String,
    /// Files, directories, globs or `-`, as for scan.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    #[command(flatten)]
    pub scan: ScanOptions,
    /// Write the explanation as JSON to FILE (`-`: to stdout, instead of
    /// the text).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: ExplainArgs) -> Result<i32> {
    let config = args.scan.config()?;
    let watchlist = args.scan.watchlist()?;
    let reads: Vec<_> = super::scan_reads(&args.scan).collect();
    let (scan, _, _) = super::scan::run_scan(
        &args.paths,
        &config,
        &args.scan.options(),
        true,
        (&[], &reads),
    )?;
    let detection = detect::detect(&scan.timelines(), &config, &watchlist)?;
    let rules = match watchlist.role(&args.who) {
        Some(role) => config.rules_for(role)?,
        None => config.rules.clone(),
    };
    let Some(explanation) = explain::explain(
        &scan.timelines(),
        &detection,
        &rules,
        &watchlist,
        &args.who,
        &config.identity.key,
        &config.zone()?,
    ) else {
        let mut names: Vec<String> = (0..scan.tables.identities.len() as u32)
            .map(|s| scan.tables.identities.text(s).into_owned())
            .collect();
        names.sort_by_key(|n| strsim::levenshtein(n, &args.who));
        names.truncate(3);
        // The names are log content, quoted on a terminal.
        let names: Vec<_> = names.iter().map(|n| printable(n)).collect();
        bail!(
            "no identity `{}` in these logs; nearest: {}",
            printable(&args.who),
            names.join(", ")
        );
    };
    match &args.json {
        Some(path) if path.as_os_str() == "-" => {}
        _ => super::write_stdout(&explanation.render())?,
    }
    if let Some(path) = &args.json {
        super::write_json_to(path, &super::versioned(&explanation)?)?;
    }
    Ok(0)
}

//! The command line: the subcommands, each defined with its arguments in
//! its own `cmd` module; the options they share are in [`crate::cmd::options`].
//! Only the binary uses clap; the library takes plain, validated values.

use crate::cmd::options::{max_threads, ScanOptions, THREADS_PER_CORE};
use clap::{Parser, Subcommand};

/// Finds data scraping in access logs.
#[derive(Parser, Debug)]
#[command(name = "scrapewatch", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan access logs: account for every line and summarise them.
    Scan(crate::cmd::scan::ScanArgs),
    /// Print the configuration: the annotated defaults, or the effective one.
    Config(crate::cmd::config::ConfigArgs),
    /// Write a realistic contest's access log with watchlist and labels.
    Generate(crate::cmd::generate::GenerateArgs),
    /// Score the detectors against a generated contest's labels.
    Eval(crate::cmd::eval::EvalArgs),
    /// Write the scan and its findings as one self-contained HTML file.
    Report(crate::cmd::report::ReportArgs),
    /// Why an identity was flagged, and why it was not.
    Explain(crate::cmd::explain::ExplainArgs),
    /// Parse once, re-run the detectors for each threshold value, tabulate.
    Sweep(crate::cmd::sweep::SweepArgs),
    /// Scan once and split the events by identity into buckets, for
    /// `detect` in separate processes and `merge`.
    Partition(crate::cmd::partition::PartitionArgs),
    /// Run the per-identity rules over one bucket of a partition.
    Detect(crate::cmd::partition::DetectArgs),
    /// Merge a partition's buckets into the findings of one scan.
    Merge(crate::cmd::partition::MergeArgs),
    /// Check a run's manifest: same inputs, config and tool, same findings?
    Verify(crate::cmd::verify::VerifyArgs),
}

impl Command {
    /// The options of a command that scans.
    fn scan_options(&mut self) -> Option<&mut ScanOptions> {
        match self {
            Command::Scan(a) => Some(&mut a.scan),
            Command::Eval(a) => Some(&mut a.scan),
            Command::Report(a) => Some(&mut a.scan),
            Command::Explain(a) => Some(&mut a.scan),
            Command::Sweep(a) => Some(&mut a.scan),
            Command::Partition(a) => Some(&mut a.scan),
            Command::Config(_) | Command::Generate(_) | Command::Verify(_) => None,
            Command::Detect(_) | Command::Merge(_) => None,
        }
    }

    /// The `--threads` of a command that scans (0: one per core), capped
    /// at [`max_threads`]; with a warning for `main` to print when it was.
    pub fn threads(&mut self) -> (usize, Option<String>) {
        let Some(scan) = self.scan_options() else {
            return (0, None);
        };
        let cap = max_threads();
        match scan.threads {
            Some(n) if n > cap => {
                scan.threads = Some(cap);
                let warning =
                    format!("--threads {n} is more than {THREADS_PER_CORE} per core; using {cap}");
                (cap, Some(warning))
            }
            n => (n.unwrap_or(0), None),
        }
    }
}

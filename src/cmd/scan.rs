//! `scrapewatch scan PATH...`: scans the inputs and prints the summary
//! (stderr, and JSON with `--summary-json`).

use crate::cli::ScanOptions;
use anyhow::{Context, Result};
use clap::Args;
use scrapewatch::input;
use scrapewatch::scan::{self, Scan};
use scrapewatch::summary::Timing;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Arguments of `scrapewatch scan`.
#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files, directories (walked), globs, or `-` for stdin; `.gz` and
    /// `.zst` are decompressed.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    #[command(flatten)]
    pub scan: ScanOptions,
    /// Write the summary as JSON to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,
    /// Print nothing on stderr but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Runs the command.
pub fn run(args: ScanArgs) -> Result<i32> {
    let config = args.scan.config()?;
    let options = args.scan.options();
    let (scan, timing, resolve_errors) = run_scan(&args.paths, &config, &options, args.quiet)?;

    if !args.quiet {
        eprint!("{}", scan.summary.render(Some(&timing)));
    }
    if let Some(path) = &args.summary_json {
        let doc = serde_json::json!({ "summary": scan.summary, "timing": timing });
        write_json(path, &doc)?;
    }
    for e in &resolve_errors {
        eprintln!("scrapewatch: {e}");
    }
    Ok(if resolve_errors.is_empty() && scan.errors.is_empty() {
        0
    } else {
        2
    })
}

/// Resolves the paths and scans them, with a progress bar on a terminal.
/// Errors when no input could be read at all.
pub fn run_scan(
    paths: &[String],
    config: &scrapewatch::Config,
    options: &scan::Options,
    quiet: bool,
) -> Result<(Scan, Timing, Vec<scrapewatch::Error>)> {
    let (inputs, resolve_errors) = input::resolve(paths);
    if inputs.is_empty() {
        let why: Vec<String> = resolve_errors.iter().map(|e| e.to_string()).collect();
        anyhow::bail!(scrapewatch::Error::new(
            scrapewatch::ErrorKind::Io,
            format!("no input could be read: {}", why.join("; "))
        ));
    }
    let total: u64 = inputs
        .iter()
        .filter_map(|i| match i {
            input::Input::Path(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            input::Input::Stdin => None,
        })
        .sum();
    let progress = (!quiet && std::io::stderr().is_terminal()).then(|| Progress::start(total));
    let started = Instant::now();
    let result = scan::scan(config, &inputs, options);
    drop(progress);
    let scan = result?;
    let timing = Timing::new(&scan.summary, started.elapsed().as_secs_f64());
    if scan.errors.len() == inputs.len() && scan.summary.total.lines == 0 {
        for e in &scan.errors {
            eprintln!("scrapewatch: {e}");
        }
        anyhow::bail!(scrapewatch::Error::new(
            scrapewatch::ErrorKind::Io,
            "no input could be read"
        ));
    }
    for e in &scan.errors {
        eprintln!("scrapewatch: {e}");
    }
    Ok((scan, timing, resolve_errors))
}

/// Writes pretty JSON to a private file, or stdout for `-`.
pub fn write_json(path: &std::path::Path, doc: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(doc)? + "\n";
    if path.as_os_str() == "-" {
        std::io::stdout().write_all(text.as_bytes())?;
    } else {
        let mut f = super::create_private(path).with_context(|| format!("{}", path.display()))?;
        f.write_all(text.as_bytes())
            .with_context(|| format!("{}", path.display()))?;
    }
    Ok(())
}

/// A progress bar that appears only for scans longer than two seconds.
struct Progress {
    done: std::sync::mpsc::Sender<()>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(total: u64) -> Progress {
        let (done, wait) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            if wait.recv_timeout(Duration::from_secs(2)).is_ok() {
                return;
            }
            let bar = indicatif::ProgressBar::new(total.max(1));
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .expect("valid template"),
            );
            loop {
                bar.set_position(scan::PROGRESS.load(std::sync::atomic::Ordering::Relaxed));
                match wait.recv_timeout(Duration::from_millis(100)) {
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    _ => break,
                }
            }
            bar.finish_and_clear();
        });
        Progress {
            done,
            thread: Some(thread),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        let _ = self.done.send(());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

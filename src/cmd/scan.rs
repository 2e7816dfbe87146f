//! `scrapewatch scan PATH...`: scans the inputs and prints the summary
//! (stderr, and JSON with `--summary-json`).

use super::options::ScanOptions;
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use scrapewatch::detect::{self, Detection};
use scrapewatch::finding::{Finding, Severity};
use scrapewatch::input;
use scrapewatch::manifest::{Digester, FileRecord, Manifest, RunOptions};
use scrapewatch::output::{self, printable, printable_lines, OutputFormat, Style};
use scrapewatch::scan::{self, Scan};
use scrapewatch::summary::Timing;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
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
    /// Parse and account only; run no detector.
    #[arg(long)]
    pub no_detect: bool,
    #[command(flatten)]
    pub out: FindingsOptions,
    /// Write the run's manifest to FILE (created readable by its owner
    /// only): tool version, effective config, input digests, line
    /// account, findings digest; `scrapewatch verify FILE` checks it.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Report only findings whose episode ends at or after TIME (RFC 3339,
    /// e.g. 2025-06-01T18:00:00Z). Events before TIME still count as
    /// history for baselines and windows.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Leave events after TIME out of detection, as if the logs ended
    /// there.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Remember what was reported in FILE (created readable by its owner
    /// only) and report only new findings and findings whose episode grew
    /// since; a missing or damaged FILE means everything is reported.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Print the wall time of each stage on stderr (read and parse, merge,
    /// sort, detect, ...), even with `--quiet`.
    #[arg(long)]
    pub timings: bool,
}

/// What every command that writes findings (`scan`, `merge`) takes.
#[derive(Args, Debug)]
pub struct FindingsOptions {
    /// Findings as a table for people, JSON lines or CSV, or for a SIEM:
    /// OCSF Detection Findings, ECS alerts, Splunk HEC envelopes or CEF
    /// lines. (`--format` names the input format.)
    #[arg(long, value_enum, default_value = "table")]
    pub output_format: OutputArg,
    /// The `host` of each Splunk HEC envelope (a fixed word by default,
    /// never this machine's name).
    #[arg(long, value_name = "HOST", default_value = output::HEC_HOST)]
    pub hec_host: String,
    /// The `source` of each Splunk HEC envelope.
    #[arg(long, value_name = "SOURCE", default_value = output::HEC_SOURCE)]
    pub hec_source: String,
    /// Begin each CEF line with an RFC 3164 syslog header naming HOST and
    /// the finding's time.
    #[arg(long, value_name = "HOST", value_parser = syslog_host)]
    pub cef_syslog_host: Option<String>,
    /// Write findings to FILE (created readable by its owner only).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with status 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,
    /// Also show findings of allow-listed identities.
    #[arg(long)]
    pub show_suppressed: bool,
    /// Replace identities, ips and record ids in every output with keyed
    /// hashes (the key is the file's contents).
    #[arg(long, value_name = "KEYFILE")]
    pub pseudonymize: Option<PathBuf>,
    /// Write the summary as JSON to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub summary_json: Option<PathBuf>,
    /// Print nothing on stderr but errors and warnings.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Output formats on the command line.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum OutputArg {
    /// Aligned lines for people.
    Table,
    /// One JSON object per finding per line.
    Json,
    /// CSV with a header row.
    Csv,
    /// OCSF Detection Finding (class 2004) JSON lines.
    Ocsf,
    /// Elastic Common Schema alert documents, one per line.
    Ecs,
    /// Splunk HTTP Event Collector envelopes, one per line.
    SplunkHec,
    /// ArcSight CEF lines.
    Cef,
}

/// A syslog header's host: one word of printable ASCII, as RFC 3164 has
/// it.
fn syslog_host(s: &str) -> Result<String, String> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(s.to_string())
    } else {
        Err("a syslog host is one word of printable ASCII (no spaces)".into())
    }
}

/// Severities on the command line.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum SeverityArg {
    /// Low and above.
    Low,
    /// Medium and above.
    Medium,
    /// High and above.
    High,
    /// Critical only.
    Critical,
}

impl SeverityArg {
    fn severity(self) -> Severity {
        match self {
            SeverityArg::Low => Severity::Low,
            SeverityArg::Medium => Severity::Medium,
            SeverityArg::High => Severity::High,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

/// Runs the command.
pub fn run(args: ScanArgs) -> Result<i32> {
    let config = args.scan.config()?;
    let watchlist = args.scan.watchlist()?;
    let out = &args.out;
    let pseudonymizer = super::pseudonymizer(out.pseudonymize.as_deref())?;
    let options = args.scan.options();
    let run_started = scrapewatch::manifest::now();
    let period = Period::parse(args.since.as_deref(), args.until.as_deref())?;
    let mut outputs = out.outputs();
    outputs.extend(
        [args.manifest.as_deref(), args.state.as_deref()]
            .into_iter()
            .flatten(),
    );
    let reads: Vec<&Path> = out.reads().chain(super::scan_reads(&args.scan)).collect();
    // Hashed before the scan (a pass of its own: BENCHMARKS.md says what
    // it costs) and checked unchanged after it, so the digests are of
    // the bytes scanned. Hashing writes nothing: the output checks of
    // `run_scan` still come before any output.
    let digester = match &out.pseudonymize {
        Some(key) => Digester::keyed(&std::fs::read(key)?),
        None => Digester::plain(),
    };
    let hashed = match &args.manifest {
        Some(_) => Some(hash_inputs(&args.paths, &digester)?),
        None => None,
    };
    let (mut scan, mut timing, resolve_errors) = run_scan(
        &args.paths,
        &config,
        &options,
        out.quiet,
        (&outputs, &reads),
    )?;
    let started = std::time::Instant::now();
    let after_until = period.restrict_events(&mut scan);
    let mut detection = if args.no_detect {
        Detection::default()
    } else {
        detect::detect(&scan.timelines(), &config, &watchlist)?
    };
    scrapewatch::gaps::mark(&mut detection.findings, &scan.summary.gaps);
    let before_since = period.restrict_findings(&mut detection);
    if !args.no_detect {
        scan.phases
            .push(("detect", started.elapsed().as_secs_f64()));
    }
    if args.timings {
        for (stage, seconds) in &scan.phases {
            eprintln!("timing: {stage:<16} {seconds:8.3} s");
        }
    }
    timing = Timing::new(
        &scan.summary,
        timing.seconds + started.elapsed().as_secs_f64(),
    );

    let all_shown = out.shown(&detection, pseudonymizer.as_ref());
    // The state holds back what was reported before; it is read only
    // now (so a run that fails earlier changes nothing) and written only
    // once the findings are out (so a failed write re-reports, never
    // hides).
    let mut state = args.state.as_ref().map(|path| {
        let loaded = scrapewatch::state::Loaded::read(path);
        match &loaded {
            scrapewatch::state::Loaded::Lost(why) => eprintln!(
                "scrapewatch: warning: {}; reporting every finding",
                printable(why)
            ),
            scrapewatch::state::Loaded::Missing if !out.quiet => eprintln!(
                "state {}: none yet; reporting every finding",
                printable(&path.display().to_string())
            ),
            _ => {}
        }
        loaded.state()
    });
    let split = state.as_ref().map(|s| s.split(all_shown.clone()));
    let shown = match &split {
        Some(split) => split.report.clone(),
        None => all_shown.clone(),
    };
    if pseudonymizer.is_some() {
        for ex in &mut scan.summary.examples {
            ex.excerpt = WITHHELD.into();
        }
        for ex in &mut scan.summary.note_examples {
            ex.excerpt = WITHHELD.into();
        }
    }
    if !args.no_detect {
        out.write_findings(&shown, pseudonymizer.is_some())?;
    }
    if let (Some(path), Some(state), Some(split)) = (&args.state, state.as_mut(), &split) {
        if !out.quiet {
            for g in &split.grew {
                eprintln!(
                    "grew: {}: {} -> {} events, end {} -> {}",
                    g.id, g.was.events, g.events, g.was.end, g.end
                );
            }
        }
        eprintln!(
            "state: {} new, {} grew, {} held back (reported before, unchanged)",
            split.new,
            split.grew.len(),
            split.held
        );
        let complete_until = scan
            .events
            .iter()
            .map(|e| e.time)
            .max()
            .map(scrapewatch::time::format);
        state.record(&all_shown, complete_until);
        super::write_file(path, state.to_json()?.as_bytes())?;
    }
    if !out.quiet {
        eprint!("{}", printable_lines(&scan.summary.render(Some(&timing))));
        if !args.no_detect {
            out.tell(&detection);
            // Rules whose meaning does not hold for this identity kind are
            // off: say so, rather than let silence read as "nothing found".
            // (Under the default, accounts, only agent-rotation is off, its
            // work done by shared-credential: no note.)
            let web_kind = config.identity.key != "account";
            for &rule in scrapewatch::finding::RuleId::ALL
                .iter()
                .filter(|_| web_kind)
            {
                if let Some(why) = scrapewatch::detect::not_applicable(rule, &config.identity.key) {
                    eprintln!(
                        "note: {rule} is off for identity {}: {why}",
                        printable(&config.identity.key)
                    );
                }
            }
        }
        if let Some(until) = period.until {
            eprintln!(
                "--until {}: {after_until} events after it left out of detection",
                scrapewatch::time::format(until)
            );
        }
        if let Some(since) = period.since {
            eprintln!(
                "--since {}: {before_since} findings that ended before it not reported \
                 (their events still served as history)",
                scrapewatch::time::format(since)
            );
        }
    }
    out.write_summary(
        serde_json::to_value(&scan.summary)?,
        &detection,
        serde_json::to_value(&timing)?,
        period.json(after_until, before_since),
    )?;
    if let (Some(path), Some(inputs)) = (&args.manifest, hashed) {
        unchanged_since_hashed(&inputs)?;
        let manifest = manifest(
            Run {
                started: run_started,
                config: &config,
                watchlist: args.scan.watchlist.as_deref(),
                options: RunOptions {
                    no_detect: args.no_detect,
                    show_suppressed: out.show_suppressed,
                    pseudonymized: pseudonymizer.is_some(),
                    since: period.since.map(scrapewatch::time::format),
                    until: period.until.map(scrapewatch::time::format),
                },
                inputs,
                scan: &scan,
                shown: &all_shown,
            },
            &digester,
        )?;
        write_json(path, &serde_json::to_value(&manifest)?)?;
    }
    for e in &resolve_errors {
        eprintln!("scrapewatch: {}", printable(&e.to_string()));
    }
    let failed = !resolve_errors.is_empty() || !scan.errors.is_empty();
    Ok(out.status(&shown, failed))
}

/// What replaces the excerpts of bad lines when pseudonymising: they are
/// raw log content.
pub const WITHHELD: &str = "(withheld: --pseudonymize)";

impl FindingsOptions {
    /// Files these options write.
    pub fn outputs(&self) -> Vec<&Path> {
        [self.output.as_deref(), self.summary_json.as_deref()]
            .into_iter()
            .flatten()
            .collect()
    }

    /// Files these options read.
    pub fn reads(&self) -> impl Iterator<Item = &Path> {
        self.pseudonymize.as_deref().into_iter()
    }

    /// The findings a run writes: the active ones (all with
    /// `--show-suppressed`), pseudonymised when asked.
    pub fn shown(
        &self,
        detection: &Detection,
        pseudonymizer: Option<&output::Pseudonymizer>,
    ) -> Vec<Finding> {
        shown(detection, self.show_suppressed, pseudonymizer)
    }

    /// Writes findings to `-o` or stdout, in the format asked.
    pub fn write_findings(&self, shown: &[Finding], pseudonymised: bool) -> Result<()> {
        let mut options = output::Options {
            style: Style::default(),
            pseudonymised,
            hec_host: self.hec_host.clone(),
            hec_source: self.hec_source.clone(),
            cef_syslog_host: self.cef_syslog_host.clone(),
        };
        let format = self.output_format.into();
        match &self.output {
            Some(path) => {
                let mut f = super::OutputFile::create(path)?;
                output::write_with(&mut f, shown, format, &options)
                    .with_context(|| path.display().to_string())?;
                f.commit()?;
            }
            None => {
                let stdout = std::io::stdout();
                options.style = Style {
                    colour: stdout.is_terminal(),
                    width: super::terminal_width(),
                };
                let mut out = std::io::BufWriter::new(stdout.lock());
                output::write_with(&mut out, shown, format, &options)?;
                out.flush()?;
            }
        }
        Ok(())
    }

    /// One line on stderr: how many findings, on how many identities.
    pub fn tell(&self, detection: &Detection) {
        eprintln!(
            "{} findings on {} identities; {} suppressed by the allowlist{}",
            detection.active().count(),
            detection
                .active()
                .map(|f| &f.identity)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            detection.suppressed(),
            if self.show_suppressed {
                " (shown)"
            } else {
                " (--show-suppressed shows them)"
            }
        );
    }

    /// Writes `--summary-json`: the line account, the finding counts, the
    /// timing and the period.
    pub fn write_summary(
        &self,
        summary: serde_json::Value,
        detection: &Detection,
        timing: serde_json::Value,
        period: serde_json::Value,
    ) -> Result<()> {
        if let Some(path) = &self.summary_json {
            let doc = serde_json::json!({
                "schema_version": scrapewatch::finding::SCHEMA_VERSION,
                "summary": summary,
                "findings": detection.active().count(),
                "suppressed": detection.suppressed(),
                "timing": timing,
                "period": period,
            });
            write_json(path, &doc)?;
        }
        Ok(())
    }

    /// The exit status: 2 when an input failed, else 1 when a reported
    /// finding (not suppressed, not held back by `--state`) is at or above
    /// `--fail-on`, else 0.
    pub fn status(&self, reported: &[Finding], failed: bool) -> i32 {
        let failing = self.fail_on.is_some_and(|level| {
            reported
                .iter()
                .any(|f| !f.suppressed && f.severity >= level.severity())
        });
        // `info` is below every level `--fail-on` takes: a declared crawler
        // never fails a run.
        match (failed, failing) {
            (true, _) => 2,
            (false, true) => 1,
            (false, false) => 0,
        }
    }
}

impl From<OutputArg> for OutputFormat {
    fn from(a: OutputArg) -> OutputFormat {
        match a {
            OutputArg::Table => OutputFormat::Table,
            OutputArg::Json => OutputFormat::Json,
            OutputArg::Csv => OutputFormat::Csv,
            OutputArg::Ocsf => OutputFormat::Ocsf,
            OutputArg::Ecs => OutputFormat::Ecs,
            OutputArg::SplunkHec => OutputFormat::SplunkHec,
            OutputArg::Cef => OutputFormat::Cef,
        }
    }
}

/// What `--since` and `--until` restrict, in UTC milliseconds.
///
/// The sound way round: events after `until` are left out before
/// detection (the run sees the logs as they stood then), while events
/// before `since` are kept as history, so every baseline and window sees
/// what it would have seen in one run over everything, and only findings
/// whose episode ended before `since` are dropped (a run with `--until`
/// at that time reported them). An episode that straddles `since` is
/// reported whole.
#[derive(Debug, Clone, Copy, Default)]
pub struct Period {
    /// `--since`.
    pub since: Option<scrapewatch::time::Millis>,
    /// `--until`.
    pub until: Option<scrapewatch::time::Millis>,
}

impl Period {
    /// Parses the flags; errors name the flag and the value.
    pub fn parse(since: Option<&str>, until: Option<&str>) -> Result<Period> {
        let time = |flag: &str, s: Option<&str>| -> Result<Option<scrapewatch::time::Millis>> {
            s.map(|v| {
                scrapewatch::time::parse(v.as_bytes(), 0).ok_or_else(|| {
                    anyhow::anyhow!(scrapewatch::Error::config(format!(
                        "{flag} `{}`: not a time (RFC 3339 such as 2025-06-01T18:00:00Z)",
                        printable(v)
                    )))
                })
            })
            .transpose()
        };
        let period = Period {
            since: time("--since", since)?,
            until: time("--until", until)?,
        };
        if let (Some(s), Some(u)) = (period.since, period.until) {
            if s > u {
                anyhow::bail!(scrapewatch::Error::config(
                    "--since is after --until: nothing to report"
                ));
            }
        }
        Ok(period)
    }

    /// Leaves events after `until` out of `scan`; returns how many.
    pub fn restrict_events(&self, scan: &mut Scan) -> u64 {
        let Some(until) = self.until else { return 0 };
        let before = scan.events.len();
        // Order is kept: each identity's timeline stays one sorted run.
        scan.events.retain(|e| e.time <= until);
        (before - scan.events.len()) as u64
    }

    /// The period as `--summary-json` writes it.
    pub fn json(&self, events_after_until: u64, findings_before_since: u64) -> serde_json::Value {
        serde_json::json!({
            "since": self.since.map(scrapewatch::time::format),
            "until": self.until.map(scrapewatch::time::format),
            "events_after_until": events_after_until,
            "findings_before_since": findings_before_since,
        })
    }

    /// Drops findings whose episode ended before `since`; returns how
    /// many.
    pub fn restrict_findings(&self, detection: &mut Detection) -> u64 {
        let Some(since) = self.since else { return 0 };
        let before = detection.findings.len();
        detection.findings.retain(|f| f.end_ms >= since);
        (before - detection.findings.len()) as u64
    }
}

/// Stats and hashes every input `paths` name, for a manifest. Standard
/// input is refused: `verify` could never read it again.
pub fn hash_inputs(paths: &[String], digester: &Digester) -> Result<Vec<FileRecord>> {
    let (inputs, _) = input::resolve(paths);
    inputs
        .iter()
        .map(|i| match i {
            input::Input::Path(p) => Ok(FileRecord::read(p, digester)?),
            input::Input::Stdin => Err(anyhow::anyhow!(scrapewatch::Error::config(
                "--manifest needs named files: standard input cannot be read again by verify \
                 (save it to a file and scan that)"
            ))),
        })
        .collect()
}

/// Errors when an input's size or modification time changed since it was
/// hashed: the manifest would not describe the bytes that were scanned.
fn unchanged_since_hashed(inputs: &[FileRecord]) -> Result<()> {
    for i in inputs {
        let meta = std::fs::metadata(&i.path).with_context(|| i.path.clone())?;
        let now = FileRecord {
            digest: i.digest.clone(),
            ..FileRecord::stat(Path::new(&i.path), &meta)
        };
        if &now != i {
            anyhow::bail!(scrapewatch::Error::new(
                scrapewatch::ErrorKind::Io,
                format!(
                    "{}: changed during the run; no manifest written, since it would not \
                     describe the bytes scanned (scan a copy that does not change)",
                    i.path
                )
            ));
        }
    }
    Ok(())
}

/// What a manifest is made from.
pub struct Run<'a> {
    /// When the run started.
    pub started: String,
    /// The effective configuration.
    pub config: &'a scrapewatch::Config,
    /// The watchlist file, if any.
    pub watchlist: Option<&'a Path>,
    /// What shaped the findings besides the configuration.
    pub options: RunOptions,
    /// The inputs, hashed.
    pub inputs: Vec<FileRecord>,
    /// The scan.
    pub scan: &'a Scan,
    /// The findings written.
    pub shown: &'a [Finding],
}

/// The manifest of a run; its end time is now.
pub fn manifest(run: Run<'_>, digester: &Digester) -> Result<Manifest> {
    let (config, config_digest) = Manifest::config_text(run.config, digester)?;
    Ok(Manifest {
        schema_version: scrapewatch::finding::SCHEMA_VERSION,
        tool: scrapewatch::manifest::Tool::current(),
        started: run.started,
        ended: scrapewatch::manifest::now(),
        digests: digester.kind(),
        config,
        config_digest,
        watchlist: run
            .watchlist
            .map(|w| FileRecord::read(w, digester))
            .transpose()?,
        options: run.options,
        inputs: run.inputs,
        line_account: serde_json::to_value(&run.scan.summary.per_file)?,
        findings: digester.findings(run.shown)?,
    })
}

/// The findings a run writes: the active ones (all with
/// `show_suppressed`), pseudonymised when asked.
pub fn shown(
    detection: &Detection,
    show_suppressed: bool,
    pseudonymizer: Option<&output::Pseudonymizer>,
) -> Vec<Finding> {
    let mut shown: Vec<Finding> = detection
        .findings
        .iter()
        .filter(|f| show_suppressed || !f.suppressed)
        .cloned()
        .collect();
    if let Some(p) = pseudonymizer {
        shown.iter_mut().for_each(|f| p.finding(f));
    }
    shown
}

/// Resolves the paths and scans them, with a progress bar on a terminal.
/// Errors when no input could be read at all, and before reading anything
/// when one of `outputs` is a link, an input, or one of the other `reads`
/// (see [`super::check_outputs`]).
pub fn run_scan(
    paths: &[String],
    config: &scrapewatch::Config,
    options: &scan::Options,
    quiet: bool,
    (outputs, reads): (&[&Path], &[&Path]),
) -> Result<(Scan, Timing, Vec<scrapewatch::Error>)> {
    let (inputs, resolve_errors) = input::resolve(paths);
    let mut all_reads: Vec<&Path> = reads.to_vec();
    all_reads.extend(inputs.iter().filter_map(|i| match i {
        input::Input::Path(p) => Some(p.as_path()),
        input::Input::Stdin => None,
    }));
    super::check_outputs(outputs, &all_reads)?;
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
            eprintln!("scrapewatch: {}", printable(&e.to_string()));
        }
        anyhow::bail!(scrapewatch::Error::new(
            scrapewatch::ErrorKind::Io,
            "no input could be read"
        ));
    }
    for e in &scan.errors {
        eprintln!("scrapewatch: {}", printable(&e.to_string()));
    }
    // Warnings say results may be wrong: shown even when the summary
    // (which lists them too) is not.
    if quiet {
        for w in &scan.summary.warnings {
            eprintln!("scrapewatch: warning: {w}");
        }
    }
    Ok((scan, timing, resolve_errors))
}

/// Writes pretty JSON (escaped by [`output::to_json_pretty`]) to an
/// [`super::OutputFile`], or stdout for `-`.
pub fn write_json(path: &Path, doc: &serde_json::Value) -> Result<()> {
    let text = output::to_json_pretty(doc)? + "\n";
    if path.as_os_str() == "-" {
        std::io::stdout().write_all(text.as_bytes())?;
    } else {
        super::write_file(path, text.as_bytes())?;
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

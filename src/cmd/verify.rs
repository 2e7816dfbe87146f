//! `scrapewatch verify MANIFEST`: re-hashes the inputs a manifest names,
//! re-runs the detection with the manifest's configuration and watchlist,
//! and says whether the same inputs still give the same findings (0) or
//! what changed (1).

use anyhow::{Context, Result};
use clap::Args;
use scrapewatch::detect::{self, Detection};
use scrapewatch::manifest::{DigestKind, Digester, FileRecord, Manifest};
use scrapewatch::output::printable;
use std::path::{Path, PathBuf};

/// Arguments of `scrapewatch verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The manifest a `scan --manifest FILE` wrote.
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,
    /// The key file the run pseudonymised with (needed when it did: its
    /// digests are keyed and its findings pseudonymised).
    #[arg(long, value_name = "KEYFILE")]
    pub pseudonymize: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: VerifyArgs) -> Result<i32> {
    let name = args.manifest.display().to_string();
    let text = std::fs::read_to_string(&args.manifest)
        .with_context(|| format!("cannot read manifest {name}"))?;
    let was = Manifest::parse(&text, &name)?;
    let pseudonymizer = super::pseudonymizer(args.pseudonymize.as_deref())?;
    let needs_key = was.digests == DigestKind::Blake3Keyed || was.options.pseudonymized;
    let digester = match (&args.pseudonymize, needs_key) {
        (Some(key), true) => Digester::keyed(&std::fs::read(key)?),
        (None, true) => anyhow::bail!(scrapewatch::Error::config(format!(
            "{name}: the run pseudonymised; verify needs its key file (--pseudonymize KEYFILE)"
        ))),
        (_, false) => Digester::plain(),
    };
    let pseudonymizer = pseudonymizer.filter(|_| was.options.pseudonymized);
    let config = was.load_config()?;
    let watchlist_path = was.watchlist.as_ref().map(|w| PathBuf::from(&w.path));
    let watchlist = match &watchlist_path {
        Some(p) => scrapewatch::watchlist::Watchlist::load(p)?,
        None => Default::default(),
    };

    let started = scrapewatch::manifest::now();
    let mut inputs = Vec::new();
    let mut unreadable = Vec::new();
    for input in &was.inputs {
        match FileRecord::read(Path::new(&input.path), &digester) {
            Ok(r) => inputs.push(r),
            Err(e) => unreadable.push(e.to_string()),
        }
    }
    let paths: Vec<String> = inputs.iter().map(|i| i.path.clone()).collect();
    let (scan, _, _) = if paths.is_empty() {
        anyhow::bail!(scrapewatch::Error::new(
            scrapewatch::ErrorKind::Io,
            format!("no input of {name} can be read: {}", unreadable.join("; "))
        ));
    } else {
        super::scan::run_scan(
            &paths,
            &config,
            &scrapewatch::scan::Options::default(),
            true,
            (&[], &[]),
        )?
    };
    let period =
        super::scan::Period::parse(was.options.since.as_deref(), was.options.until.as_deref())?;
    let mut scan = scan;
    period.restrict_events(&mut scan);
    let mut detection = if was.options.no_detect {
        Detection::default()
    } else {
        detect::detect(&scan.timelines(), &config, &watchlist)?
    };
    scrapewatch::gaps::mark(&mut detection.findings, &scan.summary.gaps);
    period.restrict_findings(&mut detection);
    let shown = super::scan::shown(
        &detection,
        was.options.show_suppressed,
        pseudonymizer.as_ref(),
    );
    let now = super::scan::manifest(
        super::scan::Run {
            started,
            config: &config,
            watchlist: watchlist_path.as_deref(),
            options: was.options.clone(),
            inputs,
            scan: &scan,
            shown: &shown,
        },
        &digester,
    )?;
    let changes = was.compare(&now);
    let mut out = String::new();
    for e in &unreadable {
        out += &format!("unreadable: {}\n", printable(e));
    }
    for c in &changes {
        out += &format!(
            "changed: {}: was {}, now {}\n",
            printable(&c.what),
            printable(&c.was),
            printable(&c.now)
        );
    }
    for (w, n) in was.inputs.iter().zip(&now.inputs) {
        if w.path == n.path && w.digest == n.digest && w.mtime != n.mtime {
            out += &format!(
                "note: {}: modified time changed, bytes did not\n",
                printable(&w.path)
            );
        }
    }
    if changes.is_empty() {
        out += &format!(
            "verified: {} input{}, {} finding{}: the same inputs give the same findings\n",
            was.inputs.len(),
            if was.inputs.len() == 1 { "" } else { "s" },
            was.findings.count,
            if was.findings.count == 1 { "" } else { "s" },
        );
    } else {
        out += &format!(
            "not verified: {} change{} since {}\n",
            changes.len(),
            if changes.len() == 1 { "" } else { "s" },
            printable(&was.ended)
        );
    }
    super::write_stdout(&out)?;
    Ok(if changes.is_empty() { 0 } else { 1 })
}

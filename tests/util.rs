//! The tester: runs a case through every code path (thread counts, chunk
//! sizes, mapped and streamed input) and requires identical output.

use scrapewatch::detect::{detect, Detection};
use scrapewatch::input::Input;
use scrapewatch::partition;
use scrapewatch::scan::{scan, Options, Scan};
use scrapewatch::watchlist::Watchlist;
use scrapewatch::Config;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The repository's data folder.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

/// Everything a scan produced that must not depend on how it ran: the
/// summary JSON and every event, rendered with its strings.
pub fn render(scan: &Scan) -> String {
    let mut out = serde_json::to_string_pretty(&scan.summary).unwrap();
    out.push('\n');
    for e in &scan.events {
        let t = &scan.tables;
        let (ip, agent, session) = t.client_parts(e.client);
        writeln!(
            out,
            "{} {} {} {} {} {} {} p{} r{} b{} s{} {} {}:{}",
            t.identities.text(e.identity),
            e.time,
            String::from_utf8_lossy(ip),
            String::from_utf8_lossy(agent),
            String::from_utf8_lossy(session),
            t.systems.text(e.system() as u32),
            e.action().name(),
            e.page,
            t.record_text(e.record),
            e.bytes,
            e.status(),
            e.rows,
            scan.paths[e.file() as usize],
            e.line
        )
        .unwrap();
    }
    for e in &scan.errors {
        writeln!(out, "error: {e}").unwrap();
    }
    out
}

/// The ways a scan can run. Installs the SIGBUS guard, without which the
/// library streams files it is asked to map, and checks that mapping then
/// really maps, so the mapped paths are not streamed in disguise.
pub fn paths() -> Vec<Options> {
    scrapewatch::input::install_sigbus_guard();
    let probe = data("sample.ndjson");
    assert!(matches!(
        scrapewatch::input::Source::open(&Input::Path(probe), Some(0)),
        Ok(scrapewatch::input::Source::Mapped(_))
    ));
    let mut all = Vec::new();
    for threads in [1, 2, 4] {
        for chunk_size in [1, 7, 64, 1000, 4 << 20] {
            // Small fixtures are mapped (`map_from` 0), streamed, and, at
            // two chunk sizes, read whole as the default `map_from` does.
            let mut ways = vec![(true, 0), (false, 0)];
            if chunk_size == 7 || chunk_size == 4 << 20 {
                ways.push((true, scrapewatch::scan::MAP_FROM));
            }
            for (mmap, map_from) in ways {
                all.push(Options {
                    threads,
                    chunk_size,
                    mmap,
                    map_from,
                    strict: false,
                });
            }
        }
    }
    all
}

/// Scans `files` every way and asserts the rendered output is identical;
/// returns the scan of the default way.
pub fn scan_every_way(files: &[PathBuf], config: &Config) -> Scan {
    detect_every_way(files, config, &Watchlist::default()).0
}

/// The scan and its findings, rendered.
pub fn render_all(scan: &Scan, detection: &Detection) -> String {
    let mut out = render(scan);
    for f in &detection.findings {
        out.push_str(&serde_json::to_string(f).unwrap());
        out.push('\n');
    }
    out
}

/// Scans and detects every way, asserting identical summaries, events and
/// findings, and partitioned detection in 1, 2 and 4 buckets, asserting
/// identical findings; returns the default way's scan and findings.
pub fn detect_every_way(
    files: &[PathBuf],
    config: &Config,
    watchlist: &Watchlist,
) -> (Scan, Detection) {
    let inputs: Vec<Input> = files.iter().cloned().map(Input::Path).collect();
    let reference = scan(config, &inputs, &Options::default()).unwrap();
    let mut detection = detect(&reference.timelines(), config, watchlist).unwrap();
    scrapewatch::gaps::mark(&mut detection.findings, &reference.summary.gaps);
    let expected = render_all(&reference, &detection);
    for options in paths() {
        let s = scan(config, &inputs, &options).unwrap();
        let mut d = detect(&s.timelines(), config, watchlist).unwrap();
        scrapewatch::gaps::mark(&mut d.findings, &s.summary.gaps);
        let got = render_all(&s, &d);
        assert!(
            got == expected,
            "output differs with {options:?}\n--- expected\n{expected}\n--- got\n{got}"
        );
    }
    // Partitioned by identity into 1, 2 and 4 buckets: the same findings.
    let findings = |d: &Detection| -> String {
        d.findings
            .iter()
            .map(|f| serde_json::to_string(f).unwrap() + "\n")
            .collect()
    };
    let expected = findings(&detection);
    for buckets in [1, 2, 4] {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path().join("p");
        partition::partition(&dir, &reference, config, watchlist, buckets).unwrap();
        for k in 0..buckets {
            partition::detect_bucket(&dir, k).unwrap();
        }
        let got = findings(&partition::merge(&dir).unwrap().detection);
        assert!(
            got == expected,
            "findings differ in {buckets} buckets\n--- expected\n{expected}\n--- got\n{got}"
        );
    }
    (reference, detection)
}

/// Runs the binary.
pub fn run(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_scrapewatch"))
        .args(args)
        .output()
        .unwrap()
}

/// Runs `scrapewatch generate` into `dir`.
pub fn generate(dir: &Path, events: u64, seed: u64, format: &str) {
    let out = run(&[
        "generate",
        "--out",
        dir.to_str().unwrap(),
        "--events",
        &events.to_string(),
        "--seed",
        &seed.to_string(),
        "--format",
        format,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Scans `access.ndjson` in `dir` with `watchlist.csv` there, findings as
/// JSON lines, plus `extra`; requires success and returns the findings
/// and stderr.
pub fn scan_json_in(dir: &Path, extra: &[&str]) -> (Vec<serde_json::Value>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scrapewatch"))
        .current_dir(dir)
        .args([
            "scan",
            "access.ndjson",
            "--watchlist",
            "watchlist.csv",
            "--output-format",
            "json",
        ])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let findings = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (findings, stderr)
}

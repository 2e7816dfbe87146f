//! `scan --since` / `--until`: `--until` reads the logs as they stood at
//! that time; `--since` keeps the events before it as history and drops
//! only the findings that ended before it.

use crate::util::data;
use std::path::Path;

const CUT: &str = "2025-06-07T12:00:00.000Z";

/// The contest's log, plain, as `access.ndjson` in `dir`; with
/// `until`, the lines after it blanked (line numbers, and so samples,
/// stay the same).
fn log(dir: &Path, until: Option<&str>) {
    let gz = std::fs::File::open(data("contest").join("events.ndjson.gz")).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(gz), &mut text).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let ts = v["ts"].as_str().unwrap();
        // Same format and zone throughout: text order is time order.
        if until.is_none_or(|u| ts <= u) {
            out += line;
        }
        out.push('\n');
    }
    std::fs::write(dir.join("access.ndjson"), out).unwrap();
    std::fs::copy(
        data("contest").join("watchlist.csv"),
        dir.join("watchlist.csv"),
    )
    .unwrap();
}

fn scan(dir: &Path, extra: &[&str]) -> Vec<serde_json::Value> {
    let mut args = vec!["-q"];
    args.extend(extra);
    crate::util::scan_json_in(dir, &args).0
}

#[test]
fn until_reads_the_logs_as_they_stood_then() {
    let (full, cut) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    log(full.path(), None);
    log(cut.path(), Some(CUT));
    let until = scan(full.path(), &["--until", CUT]);
    assert!(!until.is_empty());
    assert_eq!(until, scan(cut.path(), &[]));
    assert_ne!(until, scan(full.path(), &[]), "the cut must matter");
}

#[test]
fn since_drops_only_findings_that_ended_before_it_and_keeps_history() {
    let dir = tempfile::tempdir().unwrap();
    log(dir.path(), None);
    let all = scan(dir.path(), &[]);
    let since = scan(dir.path(), &["--since", CUT]);
    // History is kept: the findings are those of the whole run that end
    // at or after the cut, unchanged (ids, starts, counts), not findings
    // recomputed from the events after it.
    let expected: Vec<_> = all
        .iter()
        .filter(|f| f["end"].as_str().unwrap() >= CUT)
        .cloned()
        .collect();
    assert_eq!(since, expected);
    assert!(since.len() < all.len(), "the cut must drop some");
    assert!(
        since.iter().any(|f| f["start"].as_str().unwrap() < CUT),
        "an episode straddling the cut is reported whole"
    );
}

#[test]
fn a_bad_time_names_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    log(dir.path(), None);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scrapewatch"))
        .current_dir(dir.path())
        .args(["scan", "access.ndjson", "--since", "yesterday"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--since `yesterday`"));
}

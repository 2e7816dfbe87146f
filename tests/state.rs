//! `scan --state`: three runs over a growing log report each finding once,
//! and again only when its episode grew; a damaged state file hides
//! nothing.

use crate::util::data;
use std::collections::BTreeMap;
use std::path::Path;

fn lines() -> Vec<String> {
    let gz = std::fs::File::open(data("contest").join("events.ndjson.gz")).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(gz), &mut text).unwrap();
    text.lines().map(str::to_string).collect()
}

/// Scans `access.ndjson` in `dir` with the state file; the findings
/// reported and stderr.
fn scan(dir: &Path) -> (Vec<serde_json::Value>, String) {
    crate::util::scan_json_in(dir, &["--state", "state.json"])
}

fn setup(dir: &Path, lines: &[String]) {
    std::fs::write(dir.join("access.ndjson"), lines.join("\n") + "\n").unwrap();
    std::fs::copy(
        data("contest").join("watchlist.csv"),
        dir.join("watchlist.csv"),
    )
    .unwrap();
}

#[test]
fn three_runs_over_a_growing_log_report_each_finding_once_plus_growth() {
    let dir = tempfile::tempdir().unwrap();
    let all = lines();
    let thirds = [all.len() / 3, 2 * all.len() / 3, all.len()];
    // id -> (end, events) as last reported.
    let mut reported: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let mut held_back = 0;
    for (run, &n) in thirds.iter().enumerate() {
        setup(dir.path(), &all[..n]);
        let (findings, stderr) = scan(dir.path());
        for f in &findings {
            let id = f["id"].as_str().unwrap().to_string();
            let now = (
                f["end"].as_str().unwrap().to_string(),
                f["events"].as_u64().unwrap(),
            );
            if let Some(was) = reported.get(&id) {
                assert!(
                    now.1 > was.1 || now.0 > was.0,
                    "run {run}: {id} reported again without growing: {was:?} -> {now:?}"
                );
                assert!(stderr.contains(&format!("grew: {id}")), "{stderr}");
                // The JSON line itself says what was reported before.
                assert_eq!(f["reported_before"]["end"], was.0.as_str(), "{f}");
                assert_eq!(f["reported_before"]["events"], was.1, "{f}");
            } else {
                assert!(f["reported_before"].is_null(), "new, yet: {f}");
            }
            reported.insert(id, now);
        }
        let line = stderr
            .lines()
            .find(|l| l.starts_with("state: "))
            .unwrap_or_else(|| panic!("no state line: {stderr}"));
        let held: usize = line
            .split(", ")
            .nth(2)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        if run == 0 {
            assert_eq!(held, 0, "{line}");
            assert!(!findings.is_empty());
        }
        held_back += held;
    }
    assert!(held_back > 0, "later runs must hold findings back");
    // Nothing was hidden: every finding of the whole log was reported
    // in some run, at its full size.
    std::fs::remove_file(dir.path().join("state.json")).unwrap();
    let (full, _) = scan(dir.path());
    for f in &full {
        let id = f["id"].as_str().unwrap();
        assert_eq!(
            reported.get(id).map(|r| r.1),
            f["events"].as_u64(),
            "{id} was not reported at its full size"
        );
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join("state.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0, "{mode:o}");
}

#[test]
fn a_damaged_state_file_hides_nothing() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &lines());
    let (first, _) = scan(dir.path());
    let (second, _) = scan(dir.path());
    assert!(second.is_empty(), "all held back on an unchanged log");
    std::fs::write(dir.path().join("state.json"), "{\"reported\": {\"x\"").unwrap();
    let (third, stderr) = scan(dir.path());
    assert_eq!(third, first);
    assert!(
        stderr.contains("warning") && stderr.contains("reporting every finding"),
        "{stderr}"
    );
}

/// `--fail-on` judges what this run reports: a run whose findings were all
/// reported before (held back) does not fail; without the state it does.
#[test]
fn fail_on_ignores_findings_held_back() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), &lines());
    let status = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_scrapewatch"))
            .current_dir(dir.path())
            .args([
                "scan",
                "access.ndjson",
                "--watchlist",
                "watchlist.csv",
                "-q",
            ])
            .args(["--output-format", "json", "--fail-on", "high"])
            .args(extra)
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(
        status(&["--state", "state.json"]),
        Some(1),
        "first run: new findings"
    );
    assert_eq!(status(&["--state", "state.json"]), Some(0), "all held back");
    assert_eq!(status(&[]), Some(1), "without state every finding counts");
}

//! Gaps in the logs: a generated contest with one night removed reports
//! that night, per file and per system, in the summary, the JSON summary
//! and the report; the whole contest reports none.

use crate::util::{generate, run};
use std::path::Path;

/// The generated events, and the same without 2025-06-05 18:00 to
/// 2025-06-06 12:00 (UTC), written to `full.ndjson` and `cut.ndjson`.
fn contest(dir: &Path) {
    generate(dir, 100_000, 5, "ndjson");
    let text = std::fs::read_to_string(dir.join("events.ndjson")).unwrap();
    let lost = |line: &str| {
        let ts = &line[line.find("\"ts\":\"").unwrap() + 6..][..19];
        ("2025-06-05T18:00:00"..="2025-06-06T11:59:59").contains(&ts)
    };
    let cut: String = text
        .lines()
        .filter(|l| !lost(l))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(cut.len() + 1000 < text.len(), "the night had events");
    std::fs::write(dir.join("full.ndjson"), &text).unwrap();
    std::fs::write(dir.join("cut.ndjson"), cut).unwrap();
}

fn gaps_of(dir: &Path, file: &str) -> (serde_json::Value, String) {
    let summary = dir.join(format!("{file}.summary.json"));
    let out = run(&[
        "scan",
        dir.join(file).to_str().unwrap(),
        "--output-format",
        "json",
        "-o",
        dir.join(format!("{file}.findings")).to_str().unwrap(),
        "--summary-json",
        summary.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.code().is_some_and(|c| c < 2), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(summary).unwrap()).unwrap();
    (doc["summary"]["gaps"].clone(), stderr)
}

#[test]
fn a_removed_night_is_reported_and_a_whole_contest_has_no_gap() {
    let dir = tempfile::tempdir().unwrap();
    contest(dir.path());

    let (gaps, stderr) = gaps_of(dir.path(), "full.ndjson");
    assert_eq!(gaps["found"], serde_json::json!([]), "{stderr}");
    assert!(!stderr.contains("gap:"), "{stderr}");

    let (gaps, stderr) = gaps_of(dir.path(), "cut.ndjson");
    let found = gaps["found"].as_array().unwrap();
    let file = dir.path().join("cut.ndjson").display().to_string();
    let covers_the_night = |g: &serde_json::Value| {
        g["start"].as_str().unwrap() < "2025-06-05T18:00:00"
            && g["end"].as_str().unwrap() >= "2025-06-06T12:00:00"
    };
    assert!(
        found
            .iter()
            .any(|g| g["source"] == "file" && g["name"] == file.as_str() && covers_the_night(g)),
        "{gaps:#}"
    );
    assert!(
        found
            .iter()
            .any(|g| g["source"] == "system" && g["name"] == "membership" && covers_the_night(g)),
        "{gaps:#}"
    );
    assert!(
        found.iter().all(covers_the_night),
        "only the night: {gaps:#}"
    );
    assert!(stderr.contains("gap: file"), "{stderr}");

    let html = dir.path().join("report.html");
    let out = run(&[
        "report",
        dir.path().join("cut.ndjson").to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(html).unwrap();
    assert!(html.contains("<section id=\"gaps\">"), "no gaps section");
}

/// A finding whose window touches the gap names it; the same finding in
/// the whole contest does not.
#[test]
fn findings_across_the_gap_are_marked() {
    let dir = tempfile::tempdir().unwrap();
    contest(dir.path());
    gaps_of(dir.path(), "cut.ndjson");
    let findings = std::fs::read_to_string(dir.path().join("cut.ndjson.findings")).unwrap();
    let marked: Vec<serde_json::Value> = findings
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|f| !f["evidence"]["gaps"].as_array().unwrap().is_empty())
        .collect();
    assert!(
        !marked.is_empty(),
        "the night cut through some finding's window"
    );
    for f in &marked {
        let gap = f["evidence"]["gaps"][0].as_str().unwrap();
        assert!(gap.contains("no events 2025-06-05T"), "{gap}");
        assert!(f["start"].as_str().unwrap() <= "2025-06-06T12:00:00", "{f}");
    }
    gaps_of(dir.path(), "full.ndjson");
    let full = std::fs::read_to_string(dir.path().join("full.ndjson.findings")).unwrap();
    assert!(
        !full.contains("no events 2025"),
        "a whole contest marks nothing"
    );
}

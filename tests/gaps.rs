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

/// What an engine does (Spark through the Python package): the logs' span
/// and systems gathered first, then one row per event and source, each
/// source's rows together in one of two partitions (one sorted by time,
/// one in reverse), streamed source by source, merged: the gaps of one
/// scan, over two files of the same span.
#[test]
fn streamed_sources_give_the_gaps_of_scan() {
    use arrow_array::builder::{BinaryBuilder, Int32Builder, Int64Builder};
    use arrow_array::{ArrayRef, RecordBatch};
    use scrapewatch::gaps::{Logs, Source};
    use scrapewatch::partition::{gaps_of_streams, GapSource, GapStream};
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    contest(dir.path());
    let text = std::fs::read_to_string(dir.path().join("cut.ndjson")).unwrap();
    // Two files over the whole span: every other line.
    let mut files = Vec::new();
    for (k, name) in ["a.ndjson", "b.ndjson"].into_iter().enumerate() {
        let part: String = text
            .lines()
            .skip(k)
            .step_by(2)
            .map(|l| format!("{l}\n"))
            .collect();
        let path = dir.path().join(name);
        std::fs::write(&path, part).unwrap();
        files.push(scrapewatch::input::Input::Path(path));
    }
    let config = scrapewatch::Config::default();
    let scan = scrapewatch::scan::scan(&config, &files, &Default::default()).unwrap();
    let expected = &scan.summary.gaps;
    assert!(
        expected.found.iter().any(|g| g.source == Source::File)
            && expected.found.iter().any(|g| g.source == Source::System),
        "{expected:?}"
    );

    let systems = |e: &scrapewatch::event::Event| scan.tables.systems.get(e.system() as u32);
    let distinct: std::collections::BTreeSet<&[u8]> = scan.events.iter().map(systems).collect();
    let logs = Logs {
        first: scan.events.iter().map(|e| e.time).min().unwrap(),
        last: scan.events.iter().map(|e| e.time).max().unwrap(),
        systems: distinct.len(),
    };
    let mut rows: Vec<(GapSource, i64)> = Vec::new();
    for e in &scan.events {
        rows.push((GapSource::File(e.file()), e.time));
        rows.push((GapSource::System(systems(e).to_vec()), e.time));
    }
    rows.sort();
    let mut partitions: [Vec<(GapSource, i64)>; 2] = Default::default();
    for (k, partition) in partitions.iter_mut().enumerate() {
        // Sources alternate between the partitions; the second's rows run
        // backwards in time.
        let mut sources: Vec<&GapSource> = rows.iter().map(|r| &r.0).collect();
        sources.dedup();
        let mine: Vec<&GapSource> = sources.into_iter().skip(k).step_by(2).collect();
        partition.extend(rows.iter().filter(|r| mine.contains(&&r.0)).cloned());
        if k == 1 {
            partition.reverse();
        }
    }
    let mut parts = Vec::new();
    for partition in &partitions {
        let mut stream = GapStream::new(scan.paths.clone(), logs, config.gaps.clone());
        for chunk in partition.chunks(7777) {
            let (mut file, mut system, mut time) = (
                Int32Builder::new(),
                BinaryBuilder::new(),
                Int64Builder::new(),
            );
            for (source, t) in chunk {
                match source {
                    GapSource::File(i) => {
                        file.append_value(*i as i32);
                        system.append_null();
                    }
                    GapSource::System(s) => {
                        file.append_null();
                        system.append_value(s);
                    }
                }
                time.append_value(*t);
            }
            let columns: Vec<(&str, ArrayRef)> = vec![
                ("file", Arc::new(file.finish())),
                ("system", Arc::new(system.finish())),
                ("time", Arc::new(time.finish())),
            ];
            stream
                .push(&RecordBatch::try_from_iter(columns).unwrap())
                .unwrap();
        }
        assert!(stream.largest_source() > 0);
        parts.push(stream.finish().unwrap());
    }
    assert_eq!(&gaps_of_streams(&parts).unwrap(), expected);

    // A source split between two streams is an error, not half a judgement.
    let twice = [parts[0].clone(), parts[0].clone()];
    assert!(gaps_of_streams(&twice).is_err());
}

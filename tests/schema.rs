//! The machine outputs' schema is versioned: the keys a findings line and
//! the `--summary-json` document carry are committed per schema version
//! (`tests/schema/v<N>.keys`), so changing them without a new
//! `schema_version` (and a new list) fails here.

use crate::util::{data, run};
use scrapewatch::finding::SCHEMA_VERSION;
use std::collections::BTreeSet;

fn keys(prefix: &str, v: &serde_json::Value) -> Vec<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("{prefix}: not an object"))
        .keys()
        .map(|k| format!("{prefix} {k}"))
        .collect()
}

#[test]
fn serialized_keys_match_the_committed_list_of_the_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let contest = data("contest");
    let summary = dir.path().join("summary.json");
    let out = run(&[
        "scan",
        contest.join("events.ndjson.gz").to_str().unwrap(),
        "--watchlist",
        contest.join("watchlist.csv").to_str().unwrap(),
        "--output-format",
        "json",
        "--summary-json",
        summary.to_str().unwrap(),
        "-q",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut actual = BTreeSet::new();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().count() > 10);
    for line in text.lines() {
        let f: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(f["schema_version"], SCHEMA_VERSION, "{line}");
        actual.extend(keys("finding", &f));
        actual.extend(keys("finding.evidence", &f["evidence"]));
    }
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert_eq!(doc["schema_version"], SCHEMA_VERSION);
    actual.extend(keys("summary-json", &doc));
    actual.extend(keys("summary-json.summary", &doc["summary"]));

    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/schema")
        .join(format!("v{SCHEMA_VERSION}.keys"));
    let expected: BTreeSet<String> = std::fs::read_to_string(&golden)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}; a new schema_version needs its key list committed \
                 (and docs/findings-schema.md updated)",
                golden.display()
            )
        })
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    let added: Vec<_> = actual.difference(&expected).collect();
    let removed: Vec<_> = expected.difference(&actual).collect();
    assert!(
        added.is_empty() && removed.is_empty(),
        "the serialized keys changed under schema_version {SCHEMA_VERSION}: added {added:?}, \
         removed {removed:?}; bump finding::SCHEMA_VERSION, commit tests/schema/v<N>.keys and \
         document the change in docs/findings-schema.md"
    );
}

#[test]
fn csv_rows_lead_with_the_schema_version_and_the_id() {
    let contest = data("contest");
    let out = run(&[
        "scan",
        contest.join("events.ndjson.gz").to_str().unwrap(),
        "--output-format",
        "csv",
        "-q",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("schema_version,id,rule,"));
    let row = lines.next().expect("a finding");
    let id = row.split(',').nth(1).unwrap();
    assert!(row.starts_with(&format!("{SCHEMA_VERSION},")), "{row}");
    assert_eq!(id.len(), 16, "{row}");
}

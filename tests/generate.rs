//! The generator: deterministic by seed, labels consistent with events, and
//! every format scans cleanly to the same events.

use crate::util::{generate, run};
use scrapewatch::input::Input;
use scrapewatch::scan::{scan, Options};
use scrapewatch::Config;
use std::path::Path;

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    generate(&a, 30_000, 7, "ndjson");
    generate(&b, 30_000, 7, "ndjson");
    generate(&c, 30_000, 8, "ndjson");
    for f in ["events.ndjson", "watchlist.csv", "labels.json"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    assert_ne!(
        std::fs::read(a.join("events.ndjson")).unwrap(),
        std::fs::read(c.join("events.ndjson")).unwrap()
    );
}

#[test]
fn every_label_appears_in_its_window_and_formats_agree() {
    let dir = tempfile::tempdir().unwrap();
    let mut events_by_format = Vec::new();
    for format in ["ndjson", "csv", "clf"] {
        let d = dir.path().join(format);
        generate(&d, 60_000, 3, format);
        let file = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with("events.")
            })
            .unwrap();
        let config_path = d.join("config.toml");
        let config =
            Config::load(config_path.exists().then_some(config_path.as_path()), &[]).unwrap();
        let s = scan(&config, &[Input::Path(file)], &Options::default()).unwrap();
        assert_eq!(s.summary.total.events, 60_000, "{format}");
        assert_eq!(s.summary.rejected_total, 0, "{format}");

        let labels: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("labels.json")).unwrap()).unwrap();
        for label in labels["labels"].as_array().unwrap() {
            let id = label["identity"].as_str().unwrap();
            let start =
                scrapewatch::time::parse(label["start"].as_str().unwrap().as_bytes(), 0).unwrap();
            let end =
                scrapewatch::time::parse(label["end"].as_str().unwrap().as_bytes(), 0).unwrap();
            let sym = s.tables.identities.get_sym(id.as_bytes());
            let inside = s
                .events
                .iter()
                .filter(|e| Some(e.identity) == sym && e.time >= start && e.time <= end)
                .count();
            assert!(inside > 0, "{format}: {id} has no event in its window");
        }
        let mut key: Vec<(String, i64, String)> = s
            .events
            .iter()
            .map(|e| {
                (
                    s.tables.identities.text(e.identity).into_owned(),
                    e.time / 1000,
                    s.tables.record_text(e.record),
                )
            })
            .collect();
        key.sort();
        events_by_format.push(key);
    }
    assert_eq!(events_by_format[0], events_by_format[1], "ndjson vs csv");
    assert_eq!(events_by_format[0], events_by_format[2], "ndjson vs clf");
}

#[test]
fn shuffled_minutes_give_the_same_timelines() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    generate(&a, 20_000, 5, "ndjson");
    let out = run(&[
        "generate",
        "--out",
        b.to_str().unwrap(),
        "--events",
        "20000",
        "--seed",
        "5",
        "--shuffle-minute",
    ]);
    assert!(out.status.success());
    let (ta, tb) = (
        std::fs::read(a.join("events.ndjson")).unwrap(),
        std::fs::read(b.join("events.ndjson")).unwrap(),
    );
    assert_ne!(ta, tb, "shuffling changes the line order");
    let timelines = |p: &Path| {
        let s = scan(
            &Config::default(),
            &[Input::Path(p.join("events.ndjson"))],
            &Options::default(),
        )
        .unwrap();
        s.events
            .iter()
            .map(|e| (e.identity, e.time, e.record))
            .collect::<Vec<_>>()
    };
    assert_eq!(timelines(&a), timelines(&b));
}

/// Events of the generated NDJSON file in `dir` as JSON values.
fn events_of(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("events.ndjson"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_hard_world_is_labelled_and_holds_what_its_labels_say() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for d in [&a, &b] {
        let out = run(&[
            "generate",
            "--world",
            "hard",
            "--out",
            d.to_str().unwrap(),
            "--events",
            "120000",
            "--seed",
            "4",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        std::fs::read(a.join("events.ndjson")).unwrap(),
        std::fs::read(b.join("events.ndjson")).unwrap()
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(a.join("labels.json")).unwrap()).unwrap();
    assert_eq!(doc["world"], "hard");
    let labels = doc["labels"].as_array().unwrap();
    let of = |scenario: &str| -> Vec<String> {
        labels
            .iter()
            .filter(|l| l["scenario"] == scenario)
            .map(|l| l["identity"].as_str().unwrap().to_string())
            .collect()
    };
    for scenario in [
        "order-free-enumeration",
        "two-places",
        "split-accounts",
        "single-export",
        "distinct-day-surge",
        "branch-read-through",
        "several-devices",
        "branch-export",
    ] {
        assert!(!of(scenario).is_empty(), "{scenario} is labelled");
    }
    let events = events_of(&a);
    let by = |id: &str| -> Vec<&serde_json::Value> {
        events.iter().filter(|e| e["account"] == id).collect()
    };
    let time = |e: &serde_json::Value| {
        scrapewatch::time::parse(e["ts"].as_str().unwrap().as_bytes(), 0).unwrap()
    };
    // Order-free enumeration: a block read whole (lapsed members aside),
    // never as a run of ascending ids, and over more than one day.
    for id in of("order-free-enumeration") {
        let reads: Vec<(i64, u64)> = by(&id)
            .into_iter()
            .filter(|e| e["ip"].is_string() && e["record"].is_u64())
            .map(|e| (time(e), e["record"].as_u64().unwrap()))
            .collect();
        let mut ids: Vec<u64> = reads.iter().map(|r| r.1).collect();
        ids.sort_unstable();
        ids.dedup();
        // The longest stretch of consecutive ids (gaps of 1 or 2) read.
        let mut best = (0, 0);
        let mut start = 0;
        for i in 1..ids.len() {
            if ids[i] - ids[i - 1] > 2 {
                start = i;
            }
            if i - start > best.1 - best.0 {
                best = (start, i);
            }
        }
        assert!(
            best.1 - best.0 >= 500,
            "{id}: a block of {}",
            best.1 - best.0
        );
        let ascending = reads.windows(2).filter(|w| w[1].1 == w[0].1 + 1).count();
        assert!(ascending * 20 < reads.len(), "{id}: reads in id order");
        let days: std::collections::BTreeSet<i64> =
            reads.iter().map(|r| r.0.div_euclid(86_400_000)).collect();
        assert!(days.len() >= 2, "{id}: over {} days", days.len());
    }
    // Two places at once: some pair of events within ten minutes from two
    // /24 networks with two agents.
    let net = |e: &serde_json::Value| {
        let ip = e["ip"].as_str().unwrap();
        ip[..ip.rfind('.').unwrap()].to_string()
    };
    for id in of("two-places") {
        let evs = by(&id);
        let overlap = evs.windows(2).any(|w| {
            time(w[1]) - time(w[0]) < 600_000
                && net(w[0]) != net(w[1])
                && w[0]["user_agent"] != w[1]["user_agent"]
        });
        assert!(overlap, "{id}: two places at once");
    }
    // Single exports: one export above a few thousand rows.
    for id in of("single-export") {
        let exports: Vec<u64> = by(&id)
            .into_iter()
            .filter(|e| e["action"] == "export")
            .map(|e| e["rows"].as_u64().unwrap())
            .collect();
        assert!(exports.iter().any(|&r| r >= 5000), "{id}: {exports:?}");
    }
    // Several devices: two agents on one /24 network.
    for id in of("several-devices") {
        let evs = by(&id);
        let home: std::collections::BTreeSet<(String, String)> = evs
            .iter()
            .map(|e| (net(e), e["user_agent"].as_str().unwrap().to_string()))
            .collect();
        let nets: std::collections::BTreeSet<&String> = home.iter().map(|h| &h.0).collect();
        assert!(home.len() > nets.len(), "{id}: laptop and phone at home");
    }
}

#[test]
fn the_default_world_is_still_the_contest() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 30_000, 7, "ndjson");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("labels.json")).unwrap()).unwrap();
    assert_eq!(doc["world"], "contest");
    assert!(doc["labels"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["scenario"] != "two-places"));
}

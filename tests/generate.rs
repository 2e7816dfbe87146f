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

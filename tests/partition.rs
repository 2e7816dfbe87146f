//! Partitioned detection equals one scan: for 1, 2 and 4 buckets,
//! `partition` -> `detect` per bucket -> `merge` gives byte-identical
//! findings in every machine output, on the bundled contest and on
//! generated contests of several seeds; and a damaged partition is an
//! error naming the file.

use crate::util::{data, generate};
use scrapewatch::detect::{detect, Detection};
use scrapewatch::input::Input;
use scrapewatch::output::{self, OutputFormat, Pseudonymizer};
use scrapewatch::partition;
use scrapewatch::scan::{scan, Options, Scan};
use scrapewatch::watchlist::Watchlist;
use scrapewatch::Config;
use std::path::{Path, PathBuf};

/// Every machine output of a detection, pseudonymised or not.
fn outputs(detection: &Detection) -> String {
    let mut text = Vec::new();
    let key = Pseudonymizer::new(b"a test key of sixteen bytes");
    for pseudonymise in [false, true] {
        let mut shown = detection.findings.clone();
        if pseudonymise {
            shown.iter_mut().for_each(|f| key.finding(f));
        }
        for format in [OutputFormat::Json, OutputFormat::Csv] {
            output::write(&mut text, &shown, format, Default::default()).unwrap();
        }
    }
    String::from_utf8(text).unwrap()
}

fn scanned(files: &[PathBuf], config: &Config) -> Scan {
    let inputs: Vec<Input> = files.iter().cloned().map(Input::Path).collect();
    scan(config, &inputs, &Options::default()).unwrap()
}

/// Partitions into `buckets`, detects every bucket (last first: order does
/// not matter), merges.
fn partitioned(
    dir: &Path,
    scan: &Scan,
    config: &Config,
    watchlist: Option<&Path>,
    buckets: u32,
) -> partition::Merged {
    let wl = watchlist.map_or_else(Watchlist::default, |p| Watchlist::load(p).unwrap());
    partition::partition(dir, scan, config, &wl, buckets).unwrap();
    for k in (0..buckets).rev() {
        partition::detect_bucket(dir, k).unwrap();
    }
    partition::merge(dir).unwrap()
}

fn assert_same_every_way(files: &[PathBuf], watchlist: Option<&Path>, what: &str) {
    let config = Config::default();
    let wl = watchlist.map_or_else(Watchlist::default, |p| Watchlist::load(p).unwrap());
    let scan = scanned(files, &config);
    let expected = outputs(&detect(&scan.timelines(), &config, &wl).unwrap());
    assert!(
        expected.lines().count() > 10,
        "{what}: too few findings to compare"
    );
    for buckets in [1, 2, 4] {
        let dir = tempfile::tempdir().unwrap();
        let merged = partitioned(&dir.path().join("p"), &scan, &config, watchlist, buckets);
        let got = outputs(&merged.detection);
        assert!(
            got == expected,
            "{what}, {buckets} buckets: findings differ\n--- scan\n{expected}\n--- merge\n{got}"
        );
        assert_eq!(merged.summary, serde_json::to_value(&scan.summary).unwrap());
    }
}

#[test]
fn the_bundled_contest_in_1_2_and_4_buckets() {
    assert_same_every_way(
        &[data("contest/events.ndjson.gz")],
        Some(&data("contest/watchlist.csv")),
        "bundled contest",
    );
}

#[test]
fn generated_contests_in_1_2_and_4_buckets() {
    for seed in [3, 11] {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), 150_000, seed, "ndjson");
        let events = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().contains("events"))
            .unwrap();
        assert_same_every_way(
            &[events],
            Some(&dir.path().join("watchlist.csv")),
            &format!("seed {seed}"),
        );
    }
}

#[test]
fn a_damaged_partition_is_an_error_naming_the_file() {
    let config = Config::default();
    let scan = scanned(&[data("sample.ndjson")], &config);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    partition::partition(&dir, &scan, &config, &Watchlist::default(), 2).unwrap();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for entry in std::fs::read_dir(&dir).unwrap() {
        let mode = entry.unwrap().metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "partition files are private");
    }

    // A missing bucket result.
    partition::detect_bucket(&dir, 0).unwrap();
    let err = partition::merge(&dir).expect_err("bucket 1 was not detected");
    assert!(
        err.to_string().contains("detect-00001.json: missing"),
        "{err}"
    );

    // A bucket out of range.
    assert!(partition::detect_bucket(&dir, 2).is_err());

    // A bucket from another partition run.
    let other = tmp.path().join("other");
    let mut c2 = config.clone();
    c2.rules.sequential_read.min_run += 1;
    partition::partition(&other, &scan, &c2, &Watchlist::default(), 2).unwrap();
    std::fs::copy(
        other.join("bucket-00001.arrow"),
        dir.join("bucket-00001.arrow"),
    )
    .unwrap();
    let err = partition::detect_bucket(&dir, 1).expect_err("foreign bucket");
    assert!(
        err.to_string()
            .contains("bucket-00001.arrow: belongs to another partition run"),
        "{err}"
    );

    // A truncated bucket.
    let bytes = std::fs::read(other.join("bucket-00000.arrow")).unwrap();
    std::fs::write(dir.join("bucket-00000.arrow"), &bytes[..bytes.len() / 2]).unwrap();
    let err = partition::detect_bucket(&dir, 0).expect_err("truncated bucket");
    assert!(err.to_string().contains("bucket-00000.arrow"), "{err}");

    // A directory written by another layout version.
    let manifest = std::fs::read_to_string(dir.join("partition.json")).unwrap();
    std::fs::write(
        dir.join("partition.json"),
        manifest.replace("\"format_version\": 1", "\"format_version\": 99"),
    )
    .unwrap();
    let err = partition::merge(&dir).expect_err("other version");
    assert!(
        err.to_string()
            .contains("partition.json: written by scrapewatch"),
        "{err}"
    );

    // A directory that is not empty is refused.
    assert!(partition::partition(&dir, &scan, &config, &Watchlist::default(), 2).is_err());
}

/// The summary JSON without its timing, which is the clock's.
fn summary_without_timing(path: &Path) -> serde_json::Value {
    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    doc.as_object_mut().unwrap().remove("timing");
    doc
}

/// Runs a command with the output options and a summary file; the
/// contest has high findings, so the status is 1.
fn with_outputs(args: &[&str], extra: &[&str], summary: &Path) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend(extra);
    all.extend(["--summary-json", summary.to_str().unwrap()]);
    let out = crate::util::run(&all);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{all:?}: {stderr}");
    out
}

#[test]
fn the_commands_in_separate_processes_equal_scan() {
    use crate::util::run;
    let tmp = tempfile::tempdir().unwrap();
    let events = data("contest/events.ndjson.gz");
    let watchlist = data("contest/watchlist.csv");
    let key = tmp.path().join("key");
    std::fs::write(&key, b"a partition test key, 16+ bytes").unwrap();
    let (events, watchlist, key) = (
        events.to_str().unwrap(),
        watchlist.to_str().unwrap(),
        key.to_str().unwrap(),
    );
    // Every bucket count is partitioned and detected once (each bucket in
    // its own process, all at once); then every output is merged.
    let mut dirs = Vec::new();
    for buckets in [1u32, 2, 4] {
        let dir = tmp.path().join(format!("p-{buckets}"));
        let dir_s = dir.to_str().unwrap().to_string();
        let b = buckets.to_string();
        let p = run(&[
            "partition",
            events,
            "--watchlist",
            watchlist,
            "--buckets",
            &b,
            "--out",
            &dir_s,
            "-q",
        ]);
        assert_eq!(
            p.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&p.stderr)
        );
        let children: Vec<std::process::Child> = (0..buckets)
            .map(|k| {
                std::process::Command::new(env!("CARGO_BIN_EXE_scrapewatch"))
                    .args(["detect", &dir_s, "--bucket", &k.to_string()])
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut c in children {
            assert!(c.wait().unwrap().success());
        }
        dirs.push((buckets, dir_s));
    }
    for format in ["json", "csv", "ocsf", "ecs", "splunk-hec", "cef"] {
        for pseudonymise in [false, true] {
            let mut extra = vec!["--output-format", format, "--fail-on", "high", "-q"];
            if pseudonymise {
                extra.extend(["--pseudonymize", key]);
            }
            let scan_summary = tmp
                .path()
                .join(format!("scan-{format}-{pseudonymise}.json"));
            let scanned = with_outputs(
                &["scan", events, "--watchlist", watchlist],
                &extra,
                &scan_summary,
            );
            for (buckets, dir) in &dirs {
                let merge_summary = tmp
                    .path()
                    .join(format!("merge-{format}-{pseudonymise}-{buckets}.json"));
                let merged = with_outputs(&["merge", dir], &extra, &merge_summary);
                assert!(
                    merged.stdout == scanned.stdout,
                    "{format}, pseudonymised {pseudonymise}, {buckets} buckets: merge differs from scan"
                );
                assert_eq!(
                    summary_without_timing(&merge_summary),
                    summary_without_timing(&scan_summary),
                    "{format}, {buckets} buckets: summary"
                );
            }
        }
    }
}

#[test]
fn merge_without_every_bucket_exits_2_naming_the_file() {
    use crate::util::run;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("p");
    let dir_s = dir.to_str().unwrap();
    let sample = data("sample.ndjson");
    let p = run(&[
        "partition",
        sample.to_str().unwrap(),
        "--buckets",
        "3",
        "--out",
        dir_s,
        "-q",
    ]);
    assert_eq!(p.status.code(), Some(0));
    assert_eq!(
        run(&["detect", dir_s, "--bucket", "0"]).status.code(),
        Some(0)
    );
    let out = run(&["merge", dir_s]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("detect-00001.json: missing"), "{stderr}");
    assert!(out.stdout.is_empty(), "no partial findings");
    // An existing, non-empty directory is never written into.
    let again = run(&[
        "partition",
        sample.to_str().unwrap(),
        "--buckets",
        "3",
        "--out",
        dir_s,
    ]);
    assert_eq!(again.status.code(), Some(2));
}

/// The steps an engine runs (Spark through the Python package), done here
/// in one process: events as wire batches, each identity's delivered on
/// its own in reverse order (an engine keeps no order), the population
/// summed over identities, per-identity detection, the decision, the
/// needed events and the record space; the findings equal one scan's.
#[test]
fn wire_batches_in_any_order_equal_scan() {
    let files = [data("contest/events.ndjson.gz")];
    let config = Config::default();
    let wl = Watchlist::load(&data("contest/watchlist.csv")).unwrap();
    let scan = scanned(&files, &config);
    let tl = scan.timelines();
    let expected = outputs(&detect(&tl, &config, &wl).unwrap());
    let paths: Vec<String> = scan.paths.clone();
    // Each identity's events, reversed, as wire batches with file index 0.
    let groups: Vec<Vec<arrow_array::RecordBatch>> = tl
        .iter()
        .map(|timeline| {
            let reversed: Vec<_> = timeline.iter().rev().copied().collect();
            let one = scrapewatch::Timelines {
                events: &reversed,
                tables: tl.tables,
                paths: &paths,
            };
            partition::wire_batches(&one, 0).unwrap()
        })
        .collect();
    let mut population = Default::default();
    for g in &groups {
        let loaded = partition::load_wire(g, 1).unwrap();
        partition::add_population(
            &mut population,
            partition::population_of(&loaded, &config, &wl).unwrap(),
        );
    }
    let mut all = partition::Partial::default();
    for g in &groups {
        let loaded = partition::load_wire(g, paths.len()).unwrap();
        let part = partition::Partial::detect(&loaded.timelines(&paths), &config, &wl, &population)
            .unwrap();
        all.add(partition::Partial::from_bytes(&part.to_bytes().unwrap()).unwrap());
    }
    let decision = partition::Decision::new(all, &config, &wl).unwrap();
    let needed_names = decision.needed();
    let needed: Vec<_> = tl
        .iter()
        .zip(&groups)
        .filter(|(t, _)| needed_names.contains(tl.name(t).as_ref()))
        .flat_map(|(_, g)| g.iter().cloned())
        .collect();
    let everything: Vec<_> = groups.iter().flatten().cloned().collect();
    let space = partition::record_space_of(&partition::load_wire(&everything, 1).unwrap());
    let needed = partition::load_wire(&needed, paths.len()).unwrap();
    let got = decision
        .finish(&needed, &paths, &config, &wl, &population, space)
        .unwrap();
    assert!(expected.lines().count() > 10);
    assert!(got.findings.len() > 10);
    assert!(
        outputs(&got) == expected,
        "findings differ\n--- scan\n{expected}\n--- wire\n{}",
        outputs(&got)
    );
}

/// The streamed form of the same steps (what Spark runs for skew: each
/// partition sorted by identity, read batch by batch, one identity held
/// at a time as compact events): batches crossing identities, each
/// identity's rows reversed, give the findings of one scan.
#[test]
fn streamed_identities_equal_scan() {
    let files = [data("contest/events.ndjson.gz")];
    let config = Config::default();
    let wl = Watchlist::load(&data("contest/watchlist.csv")).unwrap();
    let scan = scanned(&files, &config);
    let tl = scan.timelines();
    let expected = outputs(&detect(&tl, &config, &wl).unwrap());
    let paths = scan.paths.clone();
    let reversed: Vec<_> = tl.iter().flat_map(|t| t.iter().rev().copied()).collect();
    let all_rows = scrapewatch::Timelines {
        events: &reversed,
        tables: tl.tables,
        paths: &paths,
    };
    let batches = partition::wire_batches(&all_rows, 0).unwrap();
    assert!(!batches.is_empty());
    let mut population = Default::default();
    let mut stream = partition::Streamed::new(1);
    let mut add = |loaded: partition::Loaded| {
        partition::add_population(
            &mut population,
            partition::population_of(&loaded, &config, &wl).unwrap(),
        );
        Ok(())
    };
    for b in &batches {
        // Slices of odd sizes: identities cross batch ends.
        let mut at = 0;
        while at < b.num_rows() {
            let len = 997.min(b.num_rows() - at);
            stream.push(&b.slice(at, len), &mut add).unwrap();
            at += len;
        }
    }
    stream.finish(&mut add).unwrap();
    let mut all = partition::Partial::default();
    let mut identities = 0;
    let mut stream = partition::Streamed::new(paths.len());
    let mut detect_one = |loaded: partition::Loaded| {
        identities += 1;
        all.add(partition::Partial::detect(
            &loaded.timelines(&paths),
            &config,
            &wl,
            &population,
        )?);
        Ok(())
    };
    for b in &batches {
        stream.push(b, &mut detect_one).unwrap();
    }
    stream.finish(&mut detect_one).unwrap();
    assert_eq!(identities, tl.iter().count());
    let decision = partition::Decision::new(all, &config, &wl).unwrap();
    let space = partition::record_space_of(&partition::load_wire(&batches, 1).unwrap());
    let needed = partition::load_wire(&batches, paths.len()).unwrap();
    let got = decision
        .finish(&needed, &paths, &config, &wl, &population, space)
        .unwrap();
    assert!(
        outputs(&got) == expected,
        "findings differ\n--- scan\n{expected}\n--- streamed\n{}",
        outputs(&got)
    );
}

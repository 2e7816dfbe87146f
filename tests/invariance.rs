//! The same answer every way: thread count, chunk size, mapped or streamed,
//! compressed or plain, line order.

use crate::util::{data, render, scan_every_way};
use scrapewatch::input::Input;
use scrapewatch::scan::{scan, Options};
use scrapewatch::Config;
use std::io::Write;

#[test]
fn samples_every_format() {
    for name in [
        "sample.ndjson",
        "sample.csv",
        "sample.log",
        "bad-lines.ndjson",
    ] {
        let s = scan_every_way(&[data(name)], &Config::default());
        assert!(s.summary.total.balanced(), "{name}");
        assert!(s.summary.total.events > 0, "{name}");
    }
}

#[test]
fn many_files_together() {
    let files: Vec<_> = [
        "sample.ndjson",
        "sample.csv",
        "sample.log",
        "bad-lines.ndjson",
    ]
    .iter()
    .map(|n| data(n))
    .collect();
    let s = scan_every_way(&files, &Config::default());
    assert_eq!(s.summary.files, 4);
    assert!(s.summary.total.balanced());
    let per_file: u64 = s.summary.per_file.iter().map(|f| f.counts.lines).sum();
    assert_eq!(per_file, s.summary.total.lines);
}

#[test]
fn formats_agree_on_the_same_events() {
    // The NDJSON and CSV samples hold the same first seven events.
    let n = scan_every_way(&[data("sample.ndjson")], &Config::default());
    let c = scan_every_way(&[data("sample.csv")], &Config::default());
    let key = |s: &scrapewatch::scan::Scan| {
        let mut v: Vec<(String, i64, Option<u32>)> = s
            .events
            .iter()
            .map(|e| {
                (
                    s.tables.identities.text(e.identity).into_owned(),
                    e.time,
                    e.record.as_number(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let (kn, kc) = (key(&n), key(&c));
    for item in &kc {
        assert!(kn.contains(item), "{item:?} missing from the NDJSON scan");
    }
}

#[test]
fn compressed_and_plain_agree() {
    let dir = tempfile::tempdir().unwrap();
    let plain = std::fs::read(data("sample.ndjson")).unwrap();
    let gz = dir.path().join("s.ndjson.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&plain).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let zst = dir.path().join("s.ndjson.zst");
    std::fs::write(&zst, zstd::encode_all(&plain[..], 3).unwrap()).unwrap();
    let copy = dir.path().join("s.ndjson");
    std::fs::write(&copy, &plain).unwrap();
    let strip = |f: &std::path::Path| {
        let s = scan_every_way(&[f.to_path_buf()], &Config::default());
        render(&s).replace(&f.display().to_string(), "INPUT")
    };
    let expected = strip(&copy);
    assert_eq!(strip(&gz), expected);
    assert_eq!(strip(&zst), expected);
}

#[test]
fn line_order_does_not_change_timelines() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("sample.ndjson")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let a = dir.path().join("a.ndjson");
    std::fs::write(&a, lines.join("\n")).unwrap();
    lines.reverse();
    let b = dir.path().join("b.ndjson");
    std::fs::write(&b, lines.join("\n")).unwrap();
    let timelines = |f: &std::path::Path| {
        let s = scan(
            &Config::default(),
            &[Input::Path(f.into())],
            &Options::default(),
        )
        .unwrap();
        s.events
            .iter()
            .map(|e| {
                (
                    s.tables.identities.text(e.identity).into_owned(),
                    e.time,
                    e.record,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(timelines(&a), timelines(&b));
}

/// Fuzzing found these: inputs whose mapped and streamed scans disagreed.
#[test]
fn fuzz_found_stream_disagreements_agree() {
    let dir = tempfile::tempdir().unwrap();
    // Two byte-order marks: each path skips exactly one.
    let bom = dir.path().join("bom.ndjson");
    std::fs::write(
        &bom,
        b"\xEF\xBB\xBF\xEF\xBB\xBF{\"ts\":1,\"account\":\"a\"}\n",
    )
    .unwrap();
    scan_every_way(&[bom], &Config::default());

    // Every line over a small line limit: each is rejected as too long,
    // none lost while the stream looks for the first usable line.
    let long = dir.path().join("long.ndjson");
    let line = format!("{{\"ts\":1,\"account\":\"{}\"}}\n", "x".repeat(70));
    std::fs::write(&long, line.repeat(467)).unwrap();
    let mut config = Config::default();
    config.input.max_line = 64;
    let s = scan_every_way(&[long], &config);
    assert_eq!(s.summary.total.lines, 467);
    assert_eq!(s.summary.rejected_total, 467);

    // A corrupt zstd frame: the same error whatever the read size.
    let zst = dir.path().join("corrupt.zst");
    std::fs::write(
        &zst,
        [
            0x28, 0xb5, 0x2f, 0xfd, 0x64, 0x00, 0xe3, 0x01, 0x00, 0x00, 0x11, 0x00, 0x2f, 0x01,
        ],
    )
    .unwrap();
    let s = scan_every_way(&[zst], &Config::default());
    assert_eq!(s.errors.len(), 1);
}

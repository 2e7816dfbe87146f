//! Bad input: a clear message or correct handling, never a panic, and every
//! line accounted for.

use crate::util::{data, scan_every_way};
use scrapewatch::input::Input;
use scrapewatch::scan::{scan, Options};
use scrapewatch::tally::Reason;
use scrapewatch::Config;
use std::io::Write;
use std::path::PathBuf;

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn rejected(s: &scrapewatch::scan::Scan, r: Reason) -> u64 {
    s.summary.total.rejected[r as usize]
}

#[test]
fn every_kind_of_bad_line_is_counted_and_shown() {
    let s = scan_every_way(&[data("bad-lines.ndjson")], &Config::default());
    let t = &s.summary.total;
    assert_eq!(t.lines, 14);
    // The line with `"rows":"lots"` is an event with its rows noted.
    assert_eq!(t.events, 4);
    assert_eq!(t.noted[scrapewatch::tally::Note::BadRows as usize], 1);
    assert_eq!(t.blank, 2);
    assert!(t.balanced());
    for r in [
        Reason::MissingTime,
        Reason::BadTime,
        Reason::MissingIdentity,
        Reason::InvalidUtf8,
        Reason::NulByte,
        Reason::TooLong,
    ] {
        assert_eq!(rejected(&s, r), 1, "{r:?}");
    }
    assert_eq!(rejected(&s, Reason::InvalidJson), 2);
    let first = s
        .summary
        .examples
        .iter()
        .find(|e| e.reason == Reason::InvalidJson)
        .unwrap();
    assert_eq!(first.line, 5);
    assert!(first.path.ends_with("bad-lines.ndjson"));
    let long = s
        .summary
        .examples
        .iter()
        .find(|e| e.reason == Reason::TooLong)
        .unwrap();
    assert_eq!(long.line, 12);
    assert!(long.excerpt.len() <= 120 + '…'.len_utf8());
}

#[test]
fn empty_blank_crlf_bom_and_no_final_newline() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        write(&dir, "empty.ndjson", b""),
        write(&dir, "blank.ndjson", b"\n \r\n\t\n"),
        write(
            &dir,
            "crlf.csv",
            b"\xEF\xBB\xBF\r\nts,account\r\n2025-01-01T00:00:00Z,a\r\n\r\n2025-01-01T00:00:01Z,b",
        ),
        write(
            &dir,
            "bom.ndjson",
            b"\xEF\xBB\xBF{\"ts\":1,\"account\":\"x\"}\r\n{\"ts\":2,\"account\":\"y\"}",
        ),
    ];
    let s = scan_every_way(&files, &Config::default());
    let per: Vec<(u64, u64, u64, u64)> = s
        .summary
        .per_file
        .iter()
        .map(|f| {
            (
                f.counts.lines,
                f.counts.events,
                f.counts.blank,
                f.counts.headers,
            )
        })
        .collect();
    assert_eq!(
        per,
        [(0, 0, 0, 0), (3, 0, 3, 0), (5, 2, 2, 1), (2, 2, 0, 0)]
    );
    assert!(s.errors.is_empty());
}

#[test]
fn ten_megabyte_line_is_rejected_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"{\"ts\":1,\"account\":\"a\"}\n{\"ts\":2,\"x\":\"".to_vec();
    bytes.extend(std::iter::repeat_n(b'y', 10 << 20));
    bytes.extend_from_slice(b"\"}\n{\"ts\":3,\"account\":\"b\"}\n");
    let f = write(&dir, "long.ndjson", &bytes);
    for mmap in [true, false] {
        let options = Options {
            mmap,
            chunk_size: 1 << 16,
            ..Options::default()
        };
        let s = scan(&Config::default(), &[Input::Path(f.clone())], &options).unwrap();
        assert_eq!(s.summary.total.events, 2, "mmap={mmap}");
        assert_eq!(rejected(&s, Reason::TooLong), 1);
        assert_eq!(s.summary.examples[0].line, 2);
    }
    // The first line itself over the limit, after blank lines.
    let mut bytes = b"\n\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'z', 3 << 20));
    bytes.extend_from_slice(b"\n{\"ts\":3,\"account\":\"b\"}\n");
    let f = write(&dir, "long-first.ndjson", &bytes);
    let s = scan_every_way(&[f], &Config::default());
    assert_eq!(
        (
            s.summary.total.blank,
            rejected(&s, Reason::TooLong),
            s.summary.total.events
        ),
        (2, 1, 1)
    );
}

#[test]
fn truncated_gzip_keeps_what_was_read_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = Vec::new();
    for i in 0..20_000 {
        writeln!(
            text,
            "{{\"ts\":{},\"account\":\"a{}\"}}",
            1_700_000_000 + i,
            i % 7
        )
        .unwrap();
    }
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(&text).unwrap();
    let gz = enc.finish().unwrap();
    let f = write(&dir, "cut.ndjson.gz", &gz[..gz.len() / 2]);
    let good = write(&dir, "good.ndjson", b"{\"ts\":1,\"account\":\"z\"}\n");
    let s = scan(
        &Config::default(),
        &[Input::Path(f), Input::Path(good)],
        &Options::default(),
    )
    .unwrap();
    assert_eq!(s.errors.len(), 1);
    let msg = s.errors[0].to_string();
    assert!(
        msg.contains("cut.ndjson.gz") && msg.contains("read failed"),
        "{msg}"
    );
    assert!(s.summary.per_file[0].counts.events > 0);
    assert!(s.summary.total.balanced());
    assert_eq!(s.summary.per_file[1].counts.events, 1);
}

#[test]
fn missing_file_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let good = write(&dir, "good.ndjson", b"{\"ts\":1,\"account\":\"z\"}\n");
    let s = scan(
        &Config::default(),
        &[
            Input::Path(dir.path().join("nope.ndjson")),
            Input::Path(good),
        ],
        &Options::default(),
    )
    .unwrap();
    assert_eq!(s.errors.len(), 1);
    assert!(s.errors[0].to_string().contains("nope.ndjson"));
    assert_eq!(s.summary.total.events, 1);
}

#[test]
fn undetectable_format_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(&dir, "odd.txt", b"\nhello world\n");
    let s = scan(&Config::default(), &[Input::Path(f)], &Options::default()).unwrap();
    let msg = s.errors[0].to_string();
    assert!(
        msg.contains("odd.txt:2") && msg.contains("--format"),
        "{msg}"
    );
}

#[test]
fn garbage_bytes_never_panic() {
    // A deterministic stream of awkward bytes through every format.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut bytes = Vec::new();
    let pieces: [&[u8]; 12] = [
        b"{", b"}", b"\"", b"\\", b",", b"\n", b"[", b"]", b"\x00", b"\xff", b"ts", b" ",
    ];
    for _ in 0..200_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(pieces[(state % 12) as usize]);
    }
    let dir = tempfile::tempdir().unwrap();
    let f = write(&dir, "noise", &bytes);
    for format in ["ndjson", "csv", "clf"] {
        let mut config = Config::default();
        config.input.format = format.into();
        let s = scan(&config, &[Input::Path(f.clone())], &Options::default()).unwrap();
        assert!(
            s.summary.total.balanced() || !s.errors.is_empty(),
            "{format}"
        );
    }
}

/// A scan holds more systems than 8 bits could name, and every event
/// still points to its own system. (More than 65,535 files is checked by
/// `event` and `scan` unit tests of the packed fields and the sort key, and
/// end to end in release by `benches/many-files.sh`: 70,000 files take
/// minutes in a debug build.)
#[test]
fn more_than_255_systems() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..5_000 {
        text.push_str(&format!(
            "{{\"ts\":\"2025-06-02T10:00:00Z\",\"account\":\"a{i}\",\"system\":\"s{}\",\"record\":{i}}}\n",
            i % 1_000
        ));
    }
    let input = Input::Path(write(&dir, "many.ndjson", text.as_bytes()));
    let s = scan(&Config::default(), &[input], &Options::default()).unwrap();
    assert_eq!(s.summary.total.events, 5_000);
    assert_eq!(
        s.tables.systems.len(),
        1_001,
        "1,000 systems and the empty one"
    );
    for e in &s.events {
        let i = e.record.as_number().unwrap();
        assert_eq!(
            s.tables.systems.text(e.system() as u32),
            format!("s{}", i % 1_000)
        );
    }
}

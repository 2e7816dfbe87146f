//! The line account under dirty input: a derived field that does not parse
//! is a note, never a rejection; a rejected line leaves no trace; a file
//! that gives no events is an error; sentinel times are rejected by reason.

use crate::util::{detect_every_way, run, scan_every_way};
use scrapewatch::tally::{Note, Reason};
use scrapewatch::watchlist::Watchlist;
use scrapewatch::Config;
use std::fmt::Write;
use std::path::PathBuf;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// 1,000 sequential member reads, one a second, each with a cursor token
/// as its page.
fn cursor_scrape_clf() -> String {
    let mut text = String::new();
    for i in 0..1000 {
        let (m, s) = (i / 60, i % 60);
        writeln!(
            text,
            "203.0.113.9 - scraper [02/Jun/2025:18:{m:02}:{s:02} +0000] \"GET /members/{}?page=eyJzZWFyY2gi HTTP/1.1\" 200 512 \"-\" \"curl/8\"",
            100_000 + i
        )
        .unwrap();
    }
    text
}

fn cursor_scrape_ndjson() -> String {
    let mut text = String::new();
    for i in 0..1000 {
        writeln!(
            text,
            "{{\"ts\":{},\"account\":\"scraper\",\"action\":\"read\",\"record\":{},\"page\":\"eyJzZWFyY2gi\"}}",
            1_748_887_200 + i,
            100_000 + i
        )
        .unwrap();
    }
    text
}

#[test]
fn cursor_pages_are_noted_and_the_scrape_is_found() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("scrape.log", cursor_scrape_clf()),
        ("scrape.ndjson", cursor_scrape_ndjson()),
    ] {
        let f = write(&dir, name, &text);
        let (s, d) = detect_every_way(
            std::slice::from_ref(&f),
            &Config::default(),
            &Watchlist::default(),
        );
        let t = &s.summary.total;
        assert_eq!((t.events, t.rejected_total()), (1000, 0), "{name}");
        assert_eq!(t.noted[Note::BadPage as usize], 1000, "{name}");
        assert_eq!(s.summary.noted["bad-page"], 1000);
        let lines: Vec<u64> = s.summary.note_examples.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5], "{name}");
        assert!(s.summary.note_examples[0].path.ends_with(name));
        assert!(
            d.findings
                .iter()
                .any(|f| f.rule.name() == "sequential-read"),
            "{name}: {:?}",
            d.findings.iter().map(|f| &f.rule).collect::<Vec<_>>()
        );

        // The binary: findings, exit 1 with --fail-on, and the notes shown.
        let json = dir.path().join(format!("{name}.json"));
        let out = run(&[
            "scan",
            f.to_str().unwrap(),
            "--fail-on",
            "low",
            "--summary-json",
            json.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains("1,000 notes"), "{stderr}");
        assert!(
            stderr.contains(&format!("{name}:1: page not a number, left empty: ")),
            "{stderr}"
        );
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        assert_eq!(doc["summary"]["noted_total"], 1000);
        assert_eq!(doc["summary"]["noted"]["bad-page"], 1000);
        assert_eq!(doc["summary"]["per_file"][0]["noted"]["bad-page"], 1000);
        assert_eq!(doc["summary"]["note_examples"][0]["reason"], "bad-page");
    }
}

#[test]
fn rejected_clf_lines_leave_no_trace() {
    // Two lines without an account (the ip would stand in) that cannot be
    // events: a year-0001 sentinel and a time in year 9999.
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "dirty.log",
        "198.51.100.1 - - [01/Jan/0001:00:00:00 +0000] \"GET /members/1 HTTP/1.1\" 200 5 \"-\" \"a\"\n\
         198.51.100.2 - - [31/Dec/9999:00:00:00 +0000] \"GET /members/2 HTTP/1.1\" 200 5 \"-\" \"b\"\n\
         198.51.100.3 - alice [02/Jun/2025:18:00:00 +0000] \"GET /members/3 HTTP/1.1\" abc 5 \"-\" \"c\"\n",
    );
    let s = scan_every_way(&[f], &Config::default());
    let t = &s.summary.total;
    assert_eq!(t.rejected[Reason::TimeOutOfRange as usize], 2);
    assert_eq!(t.events, 1);
    assert_eq!(t.noted[Note::BadStatus as usize], 1);
    assert_eq!(t.ip_fallback, 0);
    assert_eq!((s.summary.identities, s.summary.clients), (1, 1));
}

#[test]
fn sentinel_times_sort_in_a_wide_range() {
    // With every four-digit year accepted, 0001 and 9999 are more than 48
    // bits of milliseconds apart: the timeline must still be in time order.
    let dir = tempfile::tempdir().unwrap();
    let mut text =
        String::from("{\"ts\":\"9999-12-31T23:59:59Z\",\"account\":\"x\",\"record\":1}\n");
    for i in 0..301 {
        writeln!(
            text,
            "{{\"ts\":{},\"account\":\"x\",\"record\":{}}}",
            1_748_887_200_000u64 + i * 100,
            i * 7
        )
        .unwrap();
    }
    text.push_str("{\"ts\":\"0001-01-01T00:00:00Z\",\"account\":\"x\",\"record\":2}\n");
    let f = write(&dir, "sentinels.ndjson", &text);
    let config = Config::load(None, &["input.time_range=[1, 9999]".into()]).unwrap();
    let (s, d) = detect_every_way(std::slice::from_ref(&f), &config, &Watchlist::default());
    assert_eq!(s.summary.total.events, 303);
    assert!(s.events.windows(2).all(|w| w[0].time <= w[1].time));
    assert_eq!(s.summary.first.as_deref(), Some("0001-01-01T00:00:00Z"));
    assert_eq!(s.summary.last.as_deref(), Some("9999-12-31T23:59:59Z"));
    // The burst is found as 301 requests within 30 s, not as 302 within a
    // negative span from the year 9999.
    let rate = d
        .findings
        .iter()
        .find(|f| f.rule.name() == "rate-absolute")
        .expect("the burst is found");
    assert_eq!(rate.evidence.observed, 301.0);
    for f in &d.findings {
        let json = serde_json::to_string(f).unwrap();
        assert!(!json.contains("d-"), "a negative window: {json}");
    }
    // By default both sentinels are rejected, by their own reason.
    let s = scan_every_way(&[f], &Config::default());
    assert_eq!(s.summary.rejected["time-out-of-range"], 2);
    assert_eq!(s.summary.total.events, 301);
}

#[test]
fn a_file_with_no_events_exits_2_naming_it() {
    // A renamed time field: every line is rejected.
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        &dir,
        "renamed.ndjson",
        "{\"time\":1,\"account\":\"a\"}\n\n{\"time\":2,\"account\":\"b\"}\n",
    );
    let header_only = write(&dir, "header.csv", "ts,account\n\n");
    let s = scan_every_way(&[f.clone(), header_only.clone()], &Config::default());
    assert_eq!(s.errors.len(), 1);
    let e = s.errors[0].to_string();
    assert!(
        e.contains("renamed.ndjson: none of its 2 non-blank lines gave an event")
            && e.contains("renamed.ndjson:1: missing time"),
        "{e}"
    );
    assert!(s.summary.per_file[0].error.is_some());
    assert!(s.summary.per_file[1].error.is_none());
    let out = run(&["scan", "-q", f.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("none of its 2 non-blank lines"), "{stderr}");
    // The same through --set input.fields.ts= on a good file.
    let good = write(&dir, "good.ndjson", "{\"ts\":1,\"account\":\"a\"}\n");
    let out = run(&[
        "scan",
        "-q",
        "--set",
        "input.fields.ts=",
        good.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_high_rejected_share_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..9 {
        writeln!(text, "{{\"ts\":{i},\"account\":\"a\"}}").unwrap();
    }
    text.push_str("{\"ts\":\"soon\",\"account\":\"a\"}\n");
    let f = write(&dir, "share.ndjson", &text);
    let s = scan_every_way(std::slice::from_ref(&f), &Config::default());
    assert_eq!(s.summary.warnings.len(), 1, "{:?}", s.summary.warnings);
    let w = s.summary.warnings[0].to_string();
    assert!(
        w.contains("share.ndjson: 1 of its 10 non-blank lines (10.0%) were rejected"),
        "{w}"
    );
    // Loud even with --quiet, but not an error.
    let out = run(&["scan", "-q", f.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: ") && stderr.contains("share.ndjson"),
        "{stderr}"
    );
    // Under a higher limit, no warning.
    let config = Config::load(None, &["input.max_rejected_share=0.2".into()]).unwrap();
    let s = scan_every_way(&[f], &config);
    assert!(s.summary.warnings.is_empty());
}

#[test]
fn unread_files_count_no_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let odd = write(&dir, "odd.txt", &"hello world\n".repeat(1000));
    let good = write(&dir, "good.ndjson", "{\"ts\":1,\"account\":\"a\"}\n");
    let s = crate::util::scan_every_way(&[odd, good], &Config::default());
    assert_eq!(s.summary.per_file[0].counts.bytes, 0);
    assert_eq!(s.summary.total.bytes, 23);
}

//! Real inputs: the hand-made fixtures under `data/fixtures/<format>/`,
//! written from each format's published grammar, with the ugly cases
//! (comments and directives, blank lines, quoted fields with spaces,
//! escaped quotes, non-ASCII, IPv6, CRLF, container wrappers). Each runs
//! through every path of the tester; the line account and the events are
//! checked line by line.

use crate::util::{data, scan_every_way};
use scrapewatch::scan::Scan;
use scrapewatch::tally::{Counts, Reason};
use scrapewatch::Config;

/// (lines, events, blank, headers, comments).
type Lines = (u64, u64, u64, u64, u64);

/// The account of a fixture: its [`Lines`] and the rejected lines by
/// reason.
fn account(scan: &Scan) -> (Lines, Vec<(Reason, u64)>) {
    let t: &Counts = &scan.summary.total;
    assert!(t.balanced(), "{t:?}");
    let rejected = Reason::ALL
        .iter()
        .filter(|r| t.rejected[**r as usize] > 0)
        .map(|r| (*r, t.rejected[*r as usize]))
        .collect();
    (
        (t.lines, t.events, t.blank, t.headers, t.comments),
        rejected,
    )
}

/// Each event as `line identity ip action record`, in line order.
fn events(scan: &Scan) -> Vec<String> {
    let mut events: Vec<_> = scan.events.iter().collect();
    events.sort_by_key(|e| e.line);
    events
        .iter()
        .map(|e| {
            let t = &scan.tables;
            let (ip, _, _) = t.client_parts(e.client);
            format!(
                "{} {} {} {} {}",
                e.line,
                t.identities.text(e.identity),
                String::from_utf8_lossy(ip),
                e.action.name(),
                t.record_text(e.record)
            )
        })
        .collect()
}

fn fixture(name: &str) -> Scan {
    scan_every_way(&[data(&format!("fixtures/{name}"))], &Config::default())
}

#[test]
fn comment_lines_do_not_decide_the_format_and_are_counted() {
    // The first line is a `#` comment holding commas: once taken for a CSV
    // header, which lost the whole file.
    let s = fixture("clf/commented.log");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(
        account(&s),
        ((10, 4, 2, 0, 3), vec![(Reason::ClfMismatch, 1)])
    );
    assert_eq!(
        events(&s),
        [
            "4 alice 203.0.113.7 read 101",
            "6 björk 2001:db8::7 read 102",
            "8 alice 203.0.113.7 other ",
            "10 203.0.113.8 203.0.113.8 update 103",
        ]
    );
}

#[test]
fn comments_before_a_csv_header_are_comments_after_it_records() {
    let s = fixture("csv/commented.csv");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(account(&s), ((7, 3, 1, 1, 1), vec![(Reason::BadTime, 1)]));
    assert_eq!(
        events(&s),
        [
            "4 alice 203.0.113.7 read 101",
            "5 björk 2001:db8::7 read 102",
            "7 carol 203.0.113.9 export ",
        ]
    );
}

#[test]
fn cri_wrapped_lines_are_unwrapped_and_partial_lines_counted() {
    let s = fixture("cri/ndjson.log");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(
        account(&s),
        (
            (9, 3, 2, 0, 1),
            vec![
                (Reason::InvalidJson, 1),
                (Reason::PartialLine, 1),
                (Reason::NotWrapped, 1)
            ]
        )
    );
    assert_eq!(
        events(&s),
        [
            "1 alice 203.0.113.7 read 101",
            "2 björk 2001:db8::7 read 102",
            "8 carol  search ",
        ]
    );
    // The payload without a time takes the runtime's.
    let line2 = s.events.iter().find(|e| e.line == 2).unwrap();
    assert_eq!(
        scrapewatch::time::format(line2.time),
        "2025-06-02T18:00:01Z"
    );
}

#[test]
fn docker_json_file_lines_are_unwrapped() {
    let s = fixture("docker/clf.log");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(
        account(&s),
        ((6, 3, 2, 0, 0), vec![(Reason::NotWrapped, 1)])
    );
    assert_eq!(
        events(&s),
        [
            "1 alice 203.0.113.7 read 101",
            "2 björk 2001:db8::7 read 102",
            "5 alice 203.0.113.7 other ",
        ]
    );
}

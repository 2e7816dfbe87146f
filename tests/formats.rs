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

#[test]
fn a_url_field_gives_record_action_and_page_by_the_clf_rules() {
    // Before, a `url` field was ignored: every line was an `other` with no
    // record, and clients kept their ports.
    let s = fixture("ndjson/url.ndjson");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(account(&s), ((8, 6, 1, 0, 1), vec![]));
    assert_eq!(
        events(&s),
        [
            "1 alice 10.0.0.13 read 101",
            "2 alice 2001:db8::1 search ",
            "3 alice  other ",
            // The line's own action and record win over its URL.
            "4 alice  export 9",
            "7 björk  read abc",
            "8 carol  export 105",
        ]
    );
    let pages: Vec<u16> = {
        let mut e: Vec<_> = s.events.iter().collect();
        e.sort_by_key(|e| e.line);
        e.iter().map(|e| e.page).collect()
    };
    assert_eq!(pages, [1, 3, 0, 0, 0, 0]);

    let s = fixture("csv/url.csv");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(account(&s), ((4, 3, 0, 1, 0), vec![]));
    assert_eq!(
        events(&s),
        [
            "2 alice 10.0.0.13 read 101",
            "3 alice 10.0.0.14 search ",
            "4 alice 10.0.0.14 other ",
        ]
    );
}

#[test]
fn w3c_iis_follows_its_fields_directives() {
    // Before, the `#Software` directive was taken for a CSV header and the
    // file was lost.
    let s = fixture("w3c/iis.log");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(
        account(&s),
        ((15, 5, 1, 0, 8), vec![(Reason::W3cColumns, 1)])
    );
    assert_eq!(
        events(&s),
        [
            "5 CORP\\alice 203.0.113.7 read 101",
            "6 2001:db8::7 2001:db8::7 search ",
            "8 203.0.113.8 203.0.113.8 other ",
            // A later #Fields directive changes the columns from there on.
            "14 björk 203.0.113.9 update 104",
            "15 björk 203.0.113.9 export ",
        ]
    );
    let mut by_line: Vec<_> = s.events.iter().collect();
    by_line.sort_by_key(|e| e.line);
    let (_, agent, _) = s.tables.client_parts(by_line[0].client);
    assert_eq!(agent, b"Mozilla/5.0 (Windows NT 10.0; Win64; x64)");
    assert_eq!(
        scrapewatch::time::format(by_line[0].time),
        "2025-06-02T18:00:00Z"
    );
    assert_eq!(by_line[1].page, 2);
    assert_eq!((by_line[4].bytes, by_line[4].status), (52011, 200));
}

#[test]
fn w3c_cloudfront_is_tab_separated() {
    let s = fixture("w3c/cloudfront.log");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(account(&s), ((5, 3, 0, 0, 2), vec![]));
    assert_eq!(
        events(&s),
        [
            "3 203.0.113.7 203.0.113.7 read 101",
            "4 2001:db8::7 2001:db8::7 read ",
            "5 203.0.113.7 203.0.113.7 other ",
        ]
    );
    let mut by_line: Vec<_> = s.events.iter().collect();
    by_line.sort_by_key(|e| e.line);
    assert_eq!(
        scrapewatch::time::format(by_line[1].time),
        "2025-06-02T18:00:01Z"
    );
    assert_eq!(by_line[1].page, 4);
}

#[test]
fn input_sources_set_the_format_per_file_pattern() {
    let dir = tempfile::tempdir().unwrap();
    let config_file = dir.path().join("c.toml");
    std::fs::write(
        &config_file,
        "[[input.sources]]\npattern = \"**/csv/url.csv\"\nformat = \"ndjson\"\n\n\
         [[input.sources]]\npattern = \"**/*.csv\"\nformat = \"csv\"\n",
    )
    .unwrap();
    let config = Config::load(Some(&config_file), &[]).unwrap();
    let inputs = [
        data("fixtures/csv/url.csv"),
        data("fixtures/csv/commented.csv"),
    ];
    let s = scan_every_way(&inputs, &config);
    // The first matching pattern wins: url.csv is read as NDJSON, and
    // none of its lines is an event (an error for that file only).
    let formats: Vec<_> = s.summary.per_file.iter().map(|f| f.format).collect();
    use scrapewatch::format::Format;
    assert_eq!(formats, [Some(Format::Ndjson), Some(Format::Csv)]);
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    assert!(s.errors[0].to_string().contains("url.csv"));
    // `--format` (input.format) wins over the patterns.
    let config = Config::load(Some(&config_file), &["input.format=csv".into()]).unwrap();
    let s = scan_every_way(&inputs, &config);
    assert!(s.errors.is_empty(), "{:?}", s.errors);

    for (bad, says) in [
        (
            "[[input.sources]]\npattern = \"a[\"\nformat = \"csv\"\n",
            "is not a glob",
        ),
        (
            "[[input.sources]]\npattern = \"*.log\"\nformat = \"xml\"\n",
            "`xml` is not one of",
        ),
        (
            "[[input.sources]]\npattern = \"*.log\"\nformat = \"auto\"\n",
            "`auto` is not one of",
        ),
        (
            "[[input.sources]]\npattern = \"\"\nformat = \"csv\"\n",
            "must not be empty",
        ),
        (
            "[[input.sources]]\npattern = \"*.log\"\n",
            "needs a `format`",
        ),
        (
            "[[input.sources]]\npattern = 1\nformat = \"csv\"\n",
            "must be a string",
        ),
        (
            "[[input.sources]]\npattern = \"*\"\nformat = \"csv\"\npreset = \"x\"\n",
            "sources[0].preset",
        ),
        ("[input]\nsources = [1]\n", "not one holding `1`"),
        ("[input]\nsources = 0\n", "must be an array of tables"),
    ] {
        std::fs::write(&config_file, bad).unwrap();
        let e = Config::load(Some(&config_file), &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains(says), "{bad}: {e}");
    }
}

#[test]
fn a_w3c_directive_before_an_over_long_first_line_holds_when_streamed() {
    // A stream drops the lines before an over-long first line before it
    // knows the format; the #Fields directive among them must still
    // govern the data after it, as in a mapped file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short.log");
    let mut text = String::from("#Version: 1.0\n#Fields: date time c-ip cs-uri-stem\n");
    text.push_str(&"x".repeat(5000));
    text.push('\n');
    text.push_str("2025-06-02 18:00:00 203.0.113.7 /members/101\n");
    std::fs::write(&path, text).unwrap();
    let mut config = Config::default();
    config.input.max_line = 200;
    let s = scan_every_way(&[path], &config);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(account(&s), ((4, 1, 0, 0, 2), vec![(Reason::TooLong, 1)]));
    assert_eq!(events(&s), ["4 203.0.113.7 203.0.113.7 read 101"]);
}

#[test]
fn the_client_behind_trusted_proxies_comes_from_x_forwarded_for() {
    let file = [data("fixtures/clf/proxied.log")];
    // Without trusted proxies the header is never read: the peer is the
    // client, and the CiviCRM `cid` is no record by the default rule.
    let s = scan_every_way(&file, &Config::default());
    assert_eq!(account(&s), ((5, 5, 0, 0, 0), vec![]));
    assert_eq!(
        events(&s),
        [
            "1 10.0.0.5 10.0.0.5 read ",
            "2 10.0.0.5 10.0.0.5 read ",
            "3 203.0.113.50 203.0.113.50 read ",
            "4 2001:db8::1 2001:db8::1 read ",
            "5 10.0.0.5 10.0.0.5 read ",
        ]
    );
    let config = Config::load(
        None,
        &[
            "input.trusted_proxies=[\"10.0.0.0/8\", \"2001:db8::/32\"]".into(),
            "input.clf.record_param=cid".into(),
        ],
    )
    .unwrap();
    let s = scan_every_way(&file, &config);
    assert_eq!(
        events(&s),
        [
            // The right-most hop that is not a trusted proxy.
            "1 198.51.100.23 198.51.100.23 read 101",
            // The forged left-most entry is passed over; the port goes.
            "2 198.51.100.23 198.51.100.23 read 102",
            // An untrusted peer's header is not read.
            "3 203.0.113.50 203.0.113.50 read 103",
            "4 2a00:1450::7 2a00:1450::7 read 104",
            // No header: the proxy.
            "5 10.0.0.5 10.0.0.5 read ",
        ]
    );
    let e = Config::load(None, &["input.trusted_proxies=[\"10.0.0/8\"]".into()]).unwrap_err();
    assert!(
        e.to_string().contains("input.trusted_proxies: `10.0.0/8`"),
        "{e}"
    );
    let e = Config::load(None, &["input.clf.record_template=/a/b".into()]).unwrap_err();
    assert!(e.to_string().contains("{record}"), "{e}");
}

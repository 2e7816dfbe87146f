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
                e.action().name(),
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
    assert_eq!((by_line[4].bytes, by_line[4].status()), (52011, 200));
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
            // A page read without an id is its path.
            "4 2001:db8::7 2001:db8::7 read /members/list",
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
    // client, and the CiviCRM `cid` is no record by the default rule: the
    // page, read without an id, is its own record.
    let s = scan_every_way(&file, &Config::default());
    assert_eq!(account(&s), ((5, 5, 0, 0, 0), vec![]));
    assert_eq!(
        events(&s),
        [
            "1 10.0.0.5 10.0.0.5 read /civicrm/contact/view",
            "2 10.0.0.5 10.0.0.5 read /civicrm/contact/view",
            "3 203.0.113.50 203.0.113.50 read /civicrm/contact/view",
            "4 2001:db8::1 2001:db8::1 read /civicrm/contact/view",
            "5 10.0.0.5 10.0.0.5 read /civicrm/contact/view",
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

fn times(s: &Scan) -> Vec<i64> {
    let mut by_line: Vec<_> = s.events.iter().collect();
    by_line.sort_by_key(|e| e.line);
    by_line.iter().map(|e| e.time).collect()
}

fn at(text: &str) -> i64 {
    scrapewatch::time::parse(text.as_bytes(), 0).unwrap()
}

#[test]
fn aws_alb_entries_are_read_by_their_documented_fields() {
    // Before, an ALB line was taken for nothing (no format) or, forced as
    // combined log, rejected line by line.
    let s = fixture("alb/alb.log");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    use scrapewatch::format::Format;
    assert_eq!(s.summary.per_file[0].format, Some(Format::Alb));
    assert_eq!(account(&s), ((7, 6, 1, 0, 0), vec![]));
    assert_eq!(
        events(&s),
        [
            "1 203.0.113.7 203.0.113.7 read 101",
            "2 2001:db8::7 2001:db8::7 search ",
            "4 203.0.113.7 203.0.113.7 other ",
            "5 203.0.113.8 203.0.113.8 update 102",
            // A malformed request (`- - -`) is still an event.
            "6 203.0.113.9 203.0.113.9 other ",
            "7 203.0.113.7 203.0.113.7 export ",
        ]
    );
    assert_eq!(times(&s)[0], at("2025-06-02T18:00:00.123Z"));
    let mut by_line: Vec<_> = s.events.iter().collect();
    by_line.sort_by_key(|e| e.line);
    let (_, agent, _) = s.tables.client_parts(by_line[1].client);
    assert_eq!(agent, "Mozilla/5.0 \"quoted\" björk".as_bytes());
    assert_eq!(
        (by_line[0].status(), by_line[0].bytes, by_line[0].page),
        (200, 5120, 1)
    );
}

#[test]
fn zeek_http_logs_follow_their_fields_directive() {
    let s = fixture("zeek/http.log");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    use scrapewatch::format::Format;
    assert_eq!(s.summary.per_file[0].format, Some(Format::ZeekTsv));
    // Eight directives and `#close` are comments.
    assert_eq!(account(&s), ((15, 5, 1, 0, 9), vec![]));
    assert_eq!(
        events(&s),
        [
            "9 203.0.113.7 203.0.113.7 read 101",
            "10 alice 2001:db8::7 search ",
            "12 203.0.113.7 203.0.113.7 other ",
            "13 203.0.113.8 203.0.113.8 update 102",
            // Unset method and uri (`-`): no request, still an event.
            "14 203.0.113.9 203.0.113.9 other ",
        ]
    );
    // Epoch seconds with microseconds.
    assert_eq!(times(&s)[0], at("2025-06-02T18:00:00.123Z"));
    let mut by_line: Vec<_> = s.events.iter().collect();
    by_line.sort_by_key(|e| e.line);
    // `(empty)` is an empty value, not text.
    let (_, agent, _) = s.tables.client_parts(by_line[1].client);
    assert_eq!(agent, b"");
    assert_eq!((by_line[0].bytes, by_line[2].bytes), (5120, 0));
    assert_eq!(by_line[1].page, 2);
}

#[test]
fn w3c_time_only_lines_take_their_date_from_the_date_directive() {
    // Before, a `time` column without `date` was no time: every line was
    // rejected.
    let s = fixture("w3c/dated.log");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(account(&s), ((10, 3, 1, 0, 5), vec![(Reason::BadTime, 1)]));
    assert_eq!(
        events(&s),
        [
            "5 203.0.113.7 203.0.113.7 read 101",
            "7 203.0.113.7 203.0.113.7 read 102",
            "9 2001:db8::7 2001:db8::7 read 103",
        ]
    );
    assert_eq!(
        times(&s),
        [
            at("2025-06-02T23:59:30Z"),
            // Past midnight: the next day.
            at("2025-06-03T00:00:10Z"),
            // A later #Date governs the lines after it.
            at("2025-06-04T08:00:01.250Z"),
        ]
    );
}

fn with_preset(preset: &str, name: &str) -> Scan {
    let config = Config::load_with(None, Some(preset), &[]).unwrap();
    scan_every_way(&[data(&format!("fixtures/{name}"))], &config)
}

/// Each event's rows, in line order.
fn rows(s: &Scan) -> Vec<u32> {
    let mut by_line: Vec<_> = s.events.iter().collect();
    by_line.sort_by_key(|e| e.line);
    by_line.iter().map(|e| e.rows).collect()
}

#[test]
fn salesforce_event_monitoring_csv_reads_with_its_preset() {
    let s = with_preset("salesforce", "salesforce/uri.csv");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(account(&s), ((5, 3, 1, 1, 0), vec![]));
    assert_eq!(
        events(&s),
        [
            "2 0055g000001AAAA 203.0.113.7 read 0035g00000AbCdEAAA",
            "3 0055g000001AAAA 2001:db8::7 read 0035g00000AbCdFAAA",
            // Salesforce's own requests: the client is not an address.
            "5 0055g000002AAAA Salesforce.com IP read ",
        ]
    );
    // TIMESTAMP_DERIVED, when the file has it.
    assert_eq!(times(&s)[0], at("2025-06-02T18:00:00.123Z"));

    // API, RestApi, BulkApi and ReportExport: TIMESTAMP only.
    let s = with_preset("salesforce", "salesforce/api.csv");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(account(&s), ((5, 4, 0, 1, 0), vec![]));
    assert_eq!(
        events(&s),
        [
            "2 0055g000003AAAA 198.51.100.23 search ",
            "3 0055g000003AAAA 198.51.100.23 export ",
            "4 0055g000001AAAA 203.0.113.7 export 00O5g000000ReportAAA",
            "5 0055g000003AAAA 198.51.100.23 search ",
        ]
    );
    assert_eq!(rows(&s), [2000, 50000, 0, 250]);
    assert_eq!(
        times(&s),
        [
            at("2025-06-02T18:00:03.500Z"),
            at("2025-06-02T18:00:04Z"),
            at("2025-06-02T18:00:05Z"),
            at("2025-06-02T18:00:06Z"),
        ]
    );
}

#[test]
fn dataverse_activity_counts_query_results_as_rows() {
    let s = with_preset("dataverse", "dataverse/activity.ndjson");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(account(&s), ((5, 4, 1, 0, 0), vec![]));
    assert_eq!(
        events(&s),
        [
            "1 alice@example.org 203.0.113.7 read 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "2 alice@example.org 203.0.113.7 search ",
            "4 björn@example.org 2001:db8::7 export ",
            "5 carol@example.org 203.0.113.8 update 3f2504e0-4f89-11d3-9a0c-0305e82c3304",
        ]
    );
    assert_eq!(rows(&s), [0, 3, 1, 0]);
    let systems: Vec<String> = s
        .events
        .iter()
        .map(|e| s.tables.systems.text(e.system() as u32).into_owned())
        .collect();
    assert!(systems.iter().all(|s| *s == "contact"), "{systems:?}");
}

#[test]
fn ecs_ocsf_and_cloudtrail_records_read_with_their_presets() {
    let s = with_preset("ecs", "ecs/web.ndjson");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(account(&s), ((3, 3, 0, 0, 0), vec![]));
    assert_eq!(
        events(&s),
        [
            "1 alice 203.0.113.7 read 101",
            "2 2001:db8::7 2001:db8::7 search ",
            "3 björk 203.0.113.8 export ",
        ]
    );
    let s = with_preset("ocsf", "ocsf/http.ndjson");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(account(&s), ((2, 2, 0, 0, 0), vec![]));
    assert_eq!(
        events(&s),
        [
            "1 alice 203.0.113.7 read 101",
            "2 björk 2001:db8::7 search "
        ]
    );
    let s = with_preset("cloudtrail", "cloudtrail/records.ndjson");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(account(&s), ((3, 3, 0, 0, 0), vec![]));
    assert_eq!(
        events(&s),
        [
            "1 arn:aws:iam::123456789012:user/alice 203.0.113.7 read contacts/101.json",
            "2 arn:aws:sts::123456789012:assumed-role/sync/job 2001:db8::7 search ",
            // A service's call has no arn: its source names the service.
            "3 athena.amazonaws.com athena.amazonaws.com read contacts/102.json",
        ]
    );
}

#[test]
fn civicrm_reads_contact_ids_from_nginx_json_and_combined_logs() {
    let s = with_preset("civicrm", "nginx-json/civicrm.ndjson");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(account(&s), ((5, 5, 0, 0, 0), vec![]));
    assert_eq!(
        events(&s),
        [
            "1 10.0.0.5 10.0.0.5 read 101",
            // A case view counts as a read of its contact.
            "2 alice 203.0.113.7 read 102",
            "3 alice 203.0.113.7 search ",
            "4 alice 203.0.113.7 export ",
            "5 alice 203.0.113.7 other ",
        ]
    );
    assert_eq!(times(&s)[0], at("2025-06-02T18:00:00Z"));
    let mut by_line: Vec<_> = s.events.iter().collect();
    by_line.sort_by_key(|e| e.line);
    let systems: Vec<String> = by_line
        .iter()
        .map(|e| s.tables.systems.text(e.system() as u32).into_owned())
        .collect();
    assert_eq!(systems[..2], ["civicrm", "civicrm-case"]);

    let s = with_preset("civicrm", "clf/proxied.log");
    assert_eq!(
        events(&s),
        [
            "1 10.0.0.5 10.0.0.5 read 101",
            "2 10.0.0.5 10.0.0.5 read 102",
            "3 203.0.113.50 203.0.113.50 read 103",
            "4 2001:db8::1 2001:db8::1 read 104",
            "5 10.0.0.5 10.0.0.5 read ",
        ]
    );
}

#[test]
fn every_format_preset_reads_its_fixture_with_nothing_valid_rejected() {
    for (preset, file, events) in [
        ("aws-alb", "alb/alb.log", 6),
        ("zeek", "zeek/http.log", 5),
        ("iis", "w3c/dated.log", 3),
        ("cloudfront", "w3c/cloudfront.log", 3),
        ("nginx-json", "nginx-json/civicrm.ndjson", 5),
        ("envoy", "envoy/access.ndjson", 4),
        ("traefik", "traefik/access.log", 3),
    ] {
        let s = with_preset(preset, file);
        assert!(s.errors.is_empty(), "{preset}: {:?}", s.errors);
        let t = &s.summary.total;
        assert_eq!(t.events, events, "{preset}");
        // dated.log holds one invalid time on purpose.
        let invalid = u64::from(file == "w3c/dated.log");
        assert_eq!(t.rejected.iter().sum::<u64>(), invalid, "{preset}");
    }
}

#[test]
fn web_logs_scan_with_no_flags_and_the_summary_names_what_was_chosen() {
    use scrapewatch::format::Format;
    let config = Config::default();
    for (file, format, preset) in [
        ("clf/commented.log", Format::Clf, None),
        ("w3c/iis.log", Format::W3c, None),
        ("alb/alb.log", Format::Alb, None),
        ("zeek/http.log", Format::ZeekTsv, None),
        ("envoy/access.ndjson", Format::Ndjson, Some("envoy")),
        ("traefik/access.log", Format::Ndjson, Some("traefik")),
    ] {
        let s = scan_every_way(&[data(&format!("fixtures/{file}"))], &config);
        assert!(s.errors.is_empty(), "{file}: {:?}", s.errors);
        let f = &s.summary.per_file[0];
        assert_eq!((f.format, f.preset), (Some(format), preset), "{file}");
        let json = serde_json::to_value(f).unwrap();
        assert_eq!(json["preset"].as_str(), preset, "{file}");
    }
    let s = scan_every_way(&[data("fixtures/envoy/access.ndjson")], &config);
    assert_eq!(account(&s), ((6, 4, 1, 0, 1), vec![]));
    assert_eq!(
        events(&s),
        [
            "2 203.0.113.7 203.0.113.7 read 101",
            "3 2001:db8::7 2001:db8::7 search ",
            "5 203.0.113.7 203.0.113.7 other ",
            "6 10.0.0.9 10.0.0.9 export ",
        ]
    );
    // Behind a trusted Envoy the client is the forwarded one.
    let config = Config::load(None, &["input.trusted_proxies=[\"10.0.0.0/8\"]".into()]).unwrap();
    let s = scan_every_way(&[data("fixtures/envoy/access.ndjson")], &config);
    assert_eq!(events(&s)[3], "6 198.51.100.23 198.51.100.23 export ");
    // Traefik, wrapped by a container runtime: the user where there is one.
    let s = scan_every_way(&[data("fixtures/traefik/access.log")], &Config::default());
    assert_eq!(
        events(&s),
        [
            "1 203.0.113.7 203.0.113.7 read 101",
            "2 alice 2001:db8::7 read 102",
            "4 203.0.113.7 203.0.113.7 other ",
        ]
    );
    // A field mapping says the user knows the files: nothing is guessed.
    let config = Config::load(None, &["input.fields.ts=start_time".into()]).unwrap();
    let s = scan_every_way(&[data("fixtures/envoy/access.ndjson")], &config);
    assert_eq!(s.summary.per_file[0].preset, None);
}

#[test]
fn preset_precedence_is_set_over_preset_over_file_over_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(
        &file,
        "[input.fields]\naccount = \"from_file\"\nip = \"file_ip\"\n",
    )
    .unwrap();
    let load = |preset: Option<&str>, set: &[&str]| {
        let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
        Config::load_with(Some(&file), preset, &set).unwrap().input
    };
    let input = load(None, &[]);
    assert_eq!(
        (input.fields.account.as_str(), input.format.as_str()),
        ("from_file", "auto")
    );
    assert_eq!(input.fields.ts, "ts");
    let input = load(Some("salesforce"), &[]);
    assert_eq!(input.fields.account, "USER_ID_DERIVED|USER_ID");
    assert_eq!(input.fields.ip, "CLIENT_IP");
    assert_eq!(input.format, "csv");
    // What the preset leaves alone, the file still sets.
    let input = load(Some("aws-alb"), &[]);
    assert_eq!(
        (input.fields.account.as_str(), input.format.as_str()),
        ("from_file", "alb")
    );
    // --set, and --format (given as input.format), over the preset.
    let input = load(
        Some("salesforce"),
        &["input.fields.account=USER_ID", "input.format=ndjson"],
    );
    assert_eq!(
        (input.fields.account.as_str(), input.format.as_str()),
        ("USER_ID", "ndjson")
    );
    let e = Config::load_with(None, Some("nope"), &[]).unwrap_err();
    assert!(
        e.to_string().contains("`nope` is not one of aws-alb"),
        "{e}"
    );
}

#[test]
fn input_sources_give_each_file_its_preset() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    std::fs::write(
        &file,
        "[input.fields]\naccount = \"global\"\n\n\
         [[input.sources]]\npattern = \"**/salesforce/*.csv\"\npreset = \"salesforce\"\n\n\
         [[input.sources]]\npattern = \"**/dataverse/*\"\npreset = \"dataverse\"\n\n\
         [[input.sources]]\npattern = \"**/clf/*\"\nformat = \"clf\"\npreset = \"civicrm\"\n",
    )
    .unwrap();
    let config = Config::load(Some(&file), &[]).unwrap();
    let inputs = [
        data("fixtures/salesforce/api.csv"),
        data("fixtures/dataverse/activity.ndjson"),
        data("fixtures/clf/proxied.log"),
    ];
    let s = scan_every_way(&inputs, &config);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let presets: Vec<_> = s.summary.per_file.iter().map(|f| f.preset).collect();
    assert_eq!(
        presets,
        [Some("salesforce"), Some("dataverse"), Some("civicrm")]
    );
    let t = &s.summary.total;
    assert_eq!((t.events, t.rejected.iter().sum::<u64>()), (4 + 4 + 5, 0));
    // The civicrm preset's record rule applies to the combined log.
    let records: Vec<String> = s
        .events
        .iter()
        .filter(|e| e.file() == 2)
        .map(|e| s.tables.record_text(e.record))
        .collect();
    assert!(records.contains(&"101".to_string()), "{records:?}");
    let e = Config::load(None, &[]).and_then(|_| {
        std::fs::write(
            &file,
            "[[input.sources]]\npattern = \"*\"\npreset = \"nope\"\n",
        )
        .unwrap();
        Config::load(Some(&file), &[])
    });
    assert!(e
        .unwrap_err()
        .to_string()
        .contains("`input.sources[0].preset` = `nope`"));
}

#[test]
fn config_lists_presets_and_prints_one() {
    let out = crate::util::run(&["config", "--presets"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), scrapewatch::format::preset::ALL.len());
    assert!(text.lines().any(|l| l.starts_with("salesforce ")), "{text}");
    let out = crate::util::run(&["config", "--default", "--preset", "dataverse"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // What it prints is a config file that loads and does the same.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.toml");
    std::fs::write(&file, &text).unwrap();
    assert_eq!(
        Config::load(Some(&file), &[]).unwrap(),
        Config::load_with(None, Some("dataverse"), &[]).unwrap()
    );
    let out = crate::util::run(&["config", "--default", "--preset", "nope"]);
    assert!(!out.status.success());
}

#[test]
fn the_summary_for_people_says_what_each_file_was_read_as() {
    let out = crate::util::run(&[
        "scan",
        data("fixtures/envoy/access.ndjson").to_str().unwrap(),
        data("fixtures/alb/alb.log").to_str().unwrap(),
        data("fixtures/clf/proxied.log").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("  read as ndjson (preset envoy): 1 file, alb: 1 file, clf: 1 file\n"),
        "{stderr}"
    );
}

//! Inputs that are not one event per line: JSON documents (hand-made
//! fixtures under `data/fixtures/jsondoc/`, CloudTrail- and MySQL
//! audit-shaped, with the ugly cases) and Parquet and Arrow files (written
//! here, from a generated contest's NDJSON, with the arrow writer). Every
//! case runs through every path of the tester; a columnar file must give
//! the findings of the same events as NDJSON, byte for byte.

use crate::util::{data, detect_every_way, generate, render, scan_every_way};
use arrow_array::builder::{Int64Builder, StringBuilder, StringDictionaryBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{Array, ArrayRef, RecordBatch, StructArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Fields, Schema};
use scrapewatch::detect::detect;
use scrapewatch::input::Input;
use scrapewatch::scan::{scan, Options, Scan};
use scrapewatch::tally::Reason;
use scrapewatch::watchlist::Watchlist;
use scrapewatch::Config;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn fixture(name: &str) -> PathBuf {
    data("fixtures/jsondoc").join(name)
}

/// (lines, events, rejected by reason), checking the account balances.
fn account(scan: &Scan) -> (u64, u64, Vec<(Reason, u64)>) {
    let t = &scan.summary.total;
    assert!(t.balanced(), "{t:?}");
    let rejected = Reason::ALL
        .iter()
        .filter(|r| t.rejected[**r as usize] > 0)
        .map(|r| (*r, t.rejected[*r as usize]))
        .collect();
    (t.lines, t.events, rejected)
}

/// Where each example is, with its reason.
fn examples(scan: &Scan) -> Vec<(String, Reason)> {
    let mut out: Vec<_> = scan
        .summary
        .examples
        .iter()
        .map(|e| {
            let place = e.place();
            let name = place.rsplit('/').next().unwrap().to_string();
            (name, e.reason)
        })
        .collect();
    out.sort();
    out
}

fn cloudtrail_config() -> Config {
    let mut c = Config::default();
    let f = &mut c.input.fields;
    f.ts = "eventTime".into();
    f.account = "userIdentity.userName".into();
    f.ip = "sourceIPAddress".into();
    f.user_agent = "userAgent".into();
    f.action = "eventName".into();
    f.system = "eventSource".into();
    f.record = "requestParameters.key".into();
    c.input.actions.insert("GetObject".into(), "read".into());
    c.input
        .actions
        .insert("ListObjects".into(), "search".into());
    c
}

#[test]
fn a_cloudtrail_document_on_one_long_line_gives_its_records() {
    let mut config = cloudtrail_config();
    // The document's one line is over the line limit; its records are not.
    config.input.max_line = 600;
    let file = fixture("cloudtrail.json");
    assert!(std::fs::read(&file).unwrap().len() > 1500);
    let s = scan_every_way(std::slice::from_ref(&file), &config);
    assert_eq!(
        account(&s),
        (7, 5, vec![(Reason::MissingTime, 1), (Reason::BadTime, 1)])
    );
    assert_eq!(
        examples(&s),
        [
            ("cloudtrail.json:1#5".into(), Reason::MissingTime),
            ("cloudtrail.json:1#6".into(), Reason::BadTime)
        ]
    );
    let f = &s.summary.per_file[0];
    assert_eq!(f.format, Some(scrapewatch::format::Format::JsonDocument));
    assert_eq!(f.text_lines, Some(1));
    let said = s.summary.render(None);
    assert!(
        said.contains(
            "a JSON document of 1 lines of text: each of its 7 elements counts as one line"
        ),
        "{said}"
    );
    // Evidence points at the element: line 1, n-th element.
    let tl = s.timelines();
    let mut places: Vec<String> = s.events.iter().map(|e| tl.line(e)).collect();
    places.sort();
    let places: Vec<&str> = places
        .iter()
        .map(|p| p.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        places,
        [
            "cloudtrail.json:1#1",
            "cloudtrail.json:1#2",
            "cloudtrail.json:1#3",
            "cloudtrail.json:1#4",
            "cloudtrail.json:1#7"
        ]
    );
    // The fields came from nested objects, through the action vocabulary.
    let alice = tl.of("alice").unwrap();
    assert_eq!(alice.len(), 2);
    assert_eq!(alice[0].action().name(), "read");
    assert_eq!(s.tables.record_text(alice[1].record), "member/1002.json");
    let bob = tl.of("b\u{f6}b").unwrap();
    assert_eq!(bob[0].action().name(), "search");
    // No user name: the ip stands in, as for a line.
    assert!(tl.of("cloudtrail.amazonaws.com").is_some());
}

#[test]
fn elements_over_the_limit_are_rejected_alike_mapped_and_streamed() {
    let mut config = cloudtrail_config();
    config.input.max_line = 100;
    let s = scan_every_way(&[fixture("cloudtrail.json")], &config);
    let (lines, events, rejected) = account(&s);
    assert_eq!((lines, events), (7, 0));
    assert_eq!(rejected, [(Reason::TooLong, 7)]);
    assert_eq!(s.errors.len(), 1, "no events from a non-empty file");
}

#[test]
fn a_mysql_audit_array_with_ugly_elements() {
    let mut config = Config::default();
    let f = &mut config.input.fields;
    f.ts = "timestamp".into();
    f.account = "account.user".into();
    f.ip = "login.ip".into();
    f.action = "event".into();
    f.system = "table_access_data.db".into();
    f.record = "table_access_data.table".into();
    config.input.time_offset = "+01:00".into();
    let file = fixture("mysql-audit.json");
    let s = scan_every_way(std::slice::from_ref(&file), &config);
    assert_eq!(
        account(&s),
        (
            7,
            4,
            vec![(Reason::InvalidJson, 2), (Reason::MissingIdentity, 1)]
        )
    );
    // Elements start on lines 2, 12, 25, 28, 29, 30, 32 (BOM, CRLF).
    assert_eq!(
        examples(&s),
        [
            ("mysql-audit.json:28#4".into(), Reason::InvalidJson),
            ("mysql-audit.json:29#5".into(), Reason::InvalidJson),
            ("mysql-audit.json:30#6".into(), Reason::MissingIdentity),
        ]
    );
    let tl = s.timelines();
    let phonebank = tl.of("phonebank").unwrap();
    // Naive times are shifted by input.time_offset.
    assert_eq!(
        scrapewatch::time::format(phonebank[0].time),
        "2025-06-01T09:00:00Z"
    );
    assert_eq!(
        tl.line(&phonebank[2]).rsplit('/').next(),
        Some("mysql-audit.json:25#3")
    );
    assert_eq!(s.tables.record_text(phonebank[1].record), "contact");
    assert!(tl.of("r\u{f6}ot").is_some());
    assert_eq!(s.summary.per_file[0].text_lines, Some(34));
}

#[test]
fn a_document_cut_short_or_broken_loses_nothing_silently() {
    let config = cloudtrail_config();
    let s = scan_every_way(&[fixture("truncated.json")], &config);
    assert_eq!(
        account(&s),
        (
            3,
            1,
            vec![(Reason::InvalidJson, 1), (Reason::DocumentBroken, 1)]
        )
    );
    assert_eq!(
        examples(&s),
        [
            ("truncated.json:3#2".into(), Reason::InvalidJson),
            ("truncated.json:3#3".into(), Reason::DocumentBroken)
        ]
    );
    let s = scan_every_way(&[fixture("broken.json")], &config);
    assert_eq!(account(&s), (2, 1, vec![(Reason::DocumentBroken, 1)]));
    assert_eq!(
        examples(&s),
        [("broken.json:3#2".into(), Reason::DocumentBroken)]
    );
    assert!(s.summary.examples[0]
        .excerpt
        .starts_with("{\"eventTime\": \"2025-06-01T10:00:01Z\""));
}

#[test]
fn the_format_is_told_by_the_first_bytes_or_forced() {
    let dir = tempfile::tempdir().unwrap();
    // Not a document: an error log whose lines start with `[`.
    let log = dir.path().join("error.log");
    std::fs::write(&log, "[Mon Jan 01 10:00:00 2024] [error] x\n").unwrap();
    let s = scan(&Config::default(), &[Input::Path(log)], &Options::default()).unwrap();
    assert_ne!(
        s.summary.per_file[0].format,
        Some(scrapewatch::format::Format::JsonDocument)
    );
    // A document under another key, named in the settings.
    let doc = dir.path().join("events.json");
    std::fs::write(
        &doc,
        "{\"Events\": [{\"ts\": 1750000000, \"account\": \"a\"}]}",
    )
    .unwrap();
    let mut config = Config::default();
    config.input.document_key = "Events".into();
    let s = scan_every_way(std::slice::from_ref(&doc), &config);
    assert_eq!(account(&s), (1, 1, vec![]));
    // Forced, a document whose key the sniffer would not know.
    config.input.document_key = "Records".into();
    config.input.format = "json-document".into();
    let s = scan_every_way(&[doc], &config);
    assert_eq!(account(&s), (1, 0, vec![(Reason::DocumentBroken, 1)]));
}

/// The mapping of the columnar files written below: ip and user agent in
/// a struct column, `client`.
fn columnar_config() -> Config {
    let mut c = Config::default();
    c.input.fields.ip = "client.ip".into();
    c.input.fields.user_agent = "client.user_agent".into();
    c
}

/// A generated contest's NDJSON lines as one Arrow record batch: the time
/// a timestamp in microseconds with a zone, ids as strings or integers,
/// numbers as integers, ip and user agent (dictionary-encoded) in a struct.
fn to_arrow(lines: &[serde_json::Value]) -> RecordBatch {
    let text = |key: &str| -> ArrayRef {
        let mut b = StringBuilder::new();
        for l in lines {
            b.append_option(l.get(key).and_then(|v| v.as_str()));
        }
        Arc::new(b.finish())
    };
    let int = |key: &str| -> ArrayRef {
        let mut b = Int64Builder::new();
        for l in lines {
            b.append_option(l.get(key).and_then(|v| v.as_i64()));
        }
        Arc::new(b.finish())
    };
    let ts: TimestampMicrosecondArray = lines
        .iter()
        .map(|l| {
            let t = l["ts"].as_str().unwrap();
            Some(scrapewatch::time::parse(t.as_bytes(), 0).unwrap() * 1000)
        })
        .collect::<TimestampMicrosecondArray>()
        .with_timezone("UTC");
    // Record ids: integers where all are, else strings.
    let numeric = lines
        .iter()
        .all(|l| l.get("record").is_none_or(|v| v.is_u64()));
    let record: ArrayRef = if numeric {
        int("record")
    } else {
        let mut b = StringBuilder::new();
        for l in lines {
            b.append_option(l.get("record").map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                v => v.to_string(),
            }));
        }
        Arc::new(b.finish())
    };
    let mut agents = StringDictionaryBuilder::<Int32Type>::new();
    for l in lines {
        agents.append_option(l.get("user_agent").and_then(|v| v.as_str()));
    }
    let client = StructArray::from(vec![
        (Arc::new(Field::new("ip", DataType::Utf8, true)), text("ip")),
        (
            Arc::new(Field::new(
                "user_agent",
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                true,
            )),
            Arc::new(agents.finish()) as ArrayRef,
        ),
    ]);
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("ts", Arc::new(ts)),
        ("account", text("account")),
        ("client", Arc::new(client)),
        ("system", text("system")),
        ("action", text("action")),
        ("record", record),
        ("page", int("page")),
        ("rows", int("rows")),
        ("bytes", int("bytes")),
        ("status", int("status")),
        ("session", text("session")),
    ];
    RecordBatch::try_from_iter(columns).unwrap()
}

/// The NDJSON lines of `file`.
fn ndjson(file: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Writes `batch` as Parquet in row groups of `group` rows.
#[cfg(feature = "parquet")]
fn write_parquet(path: &Path, batch: &RecordBatch, group: usize) {
    let props = parquet::file::properties::WriterProperties::builder()
        .set_max_row_group_row_count(Some(group))
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).unwrap();
    // In pieces, so batches and row groups do not line up.
    let mut at = 0;
    while at < batch.num_rows() {
        let n = 777.min(batch.num_rows() - at);
        w.write(&batch.slice(at, n)).unwrap();
        at += n;
    }
    w.close().unwrap();
}

/// Writes `batch` as an Arrow IPC file in record batches of 1,000 rows.
fn write_arrow(path: &Path, batch: &RecordBatch) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = arrow_ipc::writer::FileWriter::try_new(file, &batch.schema()).unwrap();
    let mut at = 0;
    while at < batch.num_rows() {
        let n = 1000.min(batch.num_rows() - at);
        w.write(&batch.slice(at, n)).unwrap();
        at += n;
    }
    w.finish().unwrap();
}

/// The events and findings of a scan, every path named `events`.
fn events_and_findings(files: &[PathBuf], config: &Config, watchlist: &Watchlist) -> String {
    let (s, d) = detect_every_way(files, config, watchlist);
    let rendered = render(&s);
    // After the summary (a pretty JSON object) come the events.
    let (_, events) = rendered.split_once("\n}\n").unwrap();
    let mut out = events.to_string();
    for f in &d.findings {
        out.push_str(&serde_json::to_string(f).unwrap());
        out.push('\n');
    }
    let name = files[0].display().to_string();
    out.replace(&name, "events")
}

#[test]
fn parquet_and_arrow_give_the_findings_of_the_same_events_as_ndjson() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 12_000, 5, "ndjson");
    let ndjson_file = dir.path().join("events.ndjson");
    let watchlist = Watchlist::load(&dir.path().join("watchlist.csv")).unwrap();
    let config = columnar_config();
    let plain = Config::default();
    let expected = events_and_findings(std::slice::from_ref(&ndjson_file), &plain, &watchlist);
    let s = scan(
        &plain,
        &[Input::Path(ndjson_file.clone())],
        &Options::default(),
    )
    .unwrap();
    let d = detect(&s.timelines(), &plain, &watchlist).unwrap();
    assert!(d.findings.len() > 5, "a contest with findings");

    let batch = to_arrow(&ndjson(&ndjson_file));
    let arrow_file = dir.path().join("events.arrow");
    write_arrow(&arrow_file, &batch);
    let got = events_and_findings(std::slice::from_ref(&arrow_file), &config, &watchlist);
    assert!(got == expected, "Arrow differs from NDJSON");

    #[cfg(feature = "parquet")]
    {
        let parquet_file = dir.path().join("events.parquet");
        write_parquet(&parquet_file, &batch, 3000);
        let got = events_and_findings(std::slice::from_ref(&parquet_file), &config, &watchlist);
        assert!(got == expected, "Parquet differs from NDJSON");
        let s = scan(&config, &[Input::Path(parquet_file)], &Options::default()).unwrap();
        assert_eq!(s.summary.total.lines, 12_000);
        assert!(s
            .summary
            .render(None)
            .contains("parquet: each of its 12,000 rows counts as one line above"));
    }
}

/// A small table with the ugly cases: times of every unit, with and
/// without a zone, a null time, a list column where the account is
/// expected, integer ids, nested nulls.
fn ugly_columns() -> RecordBatch {
    use arrow_array::builder::{ListBuilder, StringBuilder};
    use arrow_array::{
        Int32Array, TimestampMillisecondArray, TimestampNanosecondArray, TimestampSecondArray,
    };
    let s = 1_750_000_000i64;
    let secs = TimestampSecondArray::from(vec![Some(s), None, Some(s + 2), Some(s + 3)])
        .with_timezone("+00:00");
    // Zone-less: wall-clock time, shifted by input.time_offset.
    let naive_ms = TimestampMillisecondArray::from(vec![
        Some(s * 1000),
        Some((s + 1) * 1000),
        Some((s + 2) * 1000),
        Some((s + 3) * 1000),
    ]);
    let nanos = TimestampNanosecondArray::from(vec![
        Some(s * 1_000_000_000 + 999_999_999),
        None,
        None,
        None,
    ])
    .with_timezone("Europe/London");
    let tags = {
        let mut t = ListBuilder::new(StringBuilder::new());
        for _ in 0..4 {
            t.values().append_value("x");
            t.append(true);
        }
        t.finish()
    };
    let user_id = Int32Array::from(vec![Some(7), Some(7), Some(8), Some(-3)]);
    let who = StructArray::try_new(
        Fields::from(vec![Field::new("id", DataType::Int32, true)]),
        vec![Arc::new(user_id) as ArrayRef],
        Some(vec![true, true, true, false].into()),
    )
    .unwrap();
    RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("t_s", secs.data_type().clone(), true),
            Field::new("t_naive", naive_ms.data_type().clone(), true),
            Field::new("t_ns", nanos.data_type().clone(), true),
            Field::new("tags", tags.data_type().clone(), true),
            Field::new("who", who.data_type().clone(), true),
        ])),
        vec![
            Arc::new(secs),
            Arc::new(naive_ms),
            Arc::new(nanos),
            Arc::new(tags),
            Arc::new(who),
        ],
    )
    .unwrap()
}

#[test]
fn columnar_rows_are_events_or_counted_rejections_with_their_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ugly.arrow");
    write_arrow(&path, &ugly_columns());
    let scan_with = |ts: &str, account: &str, offset: &str| {
        let mut c = Config::default();
        c.input.fields.ts = ts.into();
        c.input.fields.account = account.into();
        c.input.time_offset = offset.into();
        scan_every_way(std::slice::from_ref(&path), &c)
    };
    // Seconds with a zone; ids from an integer in a struct; a null time
    // and a null parent struct are counted, with their rows.
    let s = scan_with("t_s", "who.id", "+00:00");
    assert_eq!(
        account(&s),
        (
            4,
            2,
            vec![(Reason::MissingTime, 1), (Reason::MissingIdentity, 1)]
        )
    );
    assert_eq!(
        examples(&s),
        [
            ("ugly.arrow:2".into(), Reason::MissingTime),
            ("ugly.arrow:4".into(), Reason::MissingIdentity)
        ]
    );
    assert!(s
        .summary
        .examples
        .iter()
        .any(|e| e.excerpt == "t_s=1750000003.000"));
    let tl = s.timelines();
    assert_eq!(tl.of("7").unwrap()[0].time, 1_750_000_000_000);
    assert_eq!(
        tl.line(&tl.of("7").unwrap()[0]).rsplit('/').next(),
        Some("ugly.arrow:1")
    );
    // Zone-less times are wall-clock, shifted by the offset.
    let s = scan_with("t_naive", "who.id", "+02:00");
    assert_eq!(
        s.timelines().of("7").unwrap()[0].time,
        1_750_000_000_000 - 2 * 3_600_000
    );
    // Nanoseconds with a zone are an instant, whatever the offset.
    let s = scan_with("t_ns", "who.id", "+02:00");
    assert_eq!(s.timelines().of("7").unwrap()[0].time, 1_750_000_000_999);
    // A list where the account should be: each row that needs it is
    // rejected for its type, not read as something else.
    let s = scan_with("t_s", "tags", "+00:00");
    assert_eq!(account(&s), (4, 0, vec![(Reason::ColumnType, 4)]));
    assert!(s.errors[0]
        .to_string()
        .contains("ugly.arrow: none of its 4"));
}

#[test]
fn a_corrupt_columnar_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<(&str, Vec<u8>)> = vec![("bad.arrow", b"ARROW1\x00\x00garbage".to_vec())];
    if cfg!(feature = "parquet") {
        cases.push(("bad.parquet", b"PAR1 not really\x00\x01PAR1".to_vec()));
        cases.push(("short.parquet", b"PAR1".to_vec()));
    }
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        for mmap in [true, false] {
            let options = Options {
                mmap,
                ..Options::default()
            };
            let s = scan(&Config::default(), &[Input::Path(path.clone())], &options).unwrap();
            let e = s.errors[0].to_string();
            assert!(e.contains(name) && e.contains("not a readable"), "{e}");
            assert_eq!(s.summary.total.lines, 0);
        }
    }
    // A real file cut short.
    let batch = ugly_columns();
    let path = dir.path().join("cut.arrow");
    write_arrow(&path, &batch);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let s = scan(
        &Config::default(),
        &[Input::Path(path)],
        &Options::default(),
    )
    .unwrap();
    assert!(s.errors[0].to_string().contains("cut.arrow"));
}

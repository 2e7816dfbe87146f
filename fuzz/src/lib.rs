//! What the fuzz targets share: scratch files, the scan run every way
//! with its output compared, and every writer run over a detection. Each
//! check here is a property the project promises (DESIGN.md): identical
//! output however the scan ran, every line accounted for, hostile log
//! content never reaching a report as markup. A broken promise panics, which
//! libFuzzer reports as a crash with the input that caused it.

use scrapewatch::detect::{self, Detection};
use scrapewatch::event::Event;
use scrapewatch::explain;
use scrapewatch::input::Input;
use scrapewatch::output::{self, OutputFormat, Pseudonymizer};
use scrapewatch::report::{self, ReportOptions};
use scrapewatch::scan::{self, Options, Scan};
use scrapewatch::watchlist::Watchlist;
use scrapewatch::Config;
use std::fmt::Write as _;
use std::path::PathBuf;

/// A file in this process's scratch directory, overwritten with `bytes`.
/// One directory per process, so parallel fuzz jobs do not collide; the
/// same name every run, so runs do not fill the disk.
pub fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scrapewatch-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("scratch file");
    path
}

/// The ways a fuzz input is scanned: mapped with odd chunk sizes (1 and 7
/// put chunk boundaries inside every short line's neighbourhood), two
/// threads once, and streamed (whose buffer is at least a page).
pub fn ways() -> Vec<Options> {
    // Without the guard the library streams what it is asked to map.
    scrapewatch::input::install_sigbus_guard();
    let way = |threads, chunk_size, mmap| Options {
        threads,
        chunk_size,
        mmap,
        // Fuzz inputs are small: map them anyway, so the mapped path runs.
        map_from: 0,
        strict: false,
    };
    vec![
        way(1, 0, true),
        way(1, 1, true),
        way(1, 7, true),
        way(2, 64, true),
        way(1, 0, false),
        way(1, 4096, false),
    ]
}

/// Everything a scan produced that must not depend on how it ran: the
/// summary JSON, every event with its strings, and the file errors.
pub fn render(scan: &Scan) -> String {
    let summary = &scan.summary;
    let mut out = serde_json::to_string_pretty(&summary).expect("summary serializes");
    out.push('\n');
    for e in &scan.events {
        out.push_str(&event_line(scan, e));
    }
    for e in &scan.errors {
        let _ = writeln!(out, "error: {e}");
    }
    out
}

fn event_line(scan: &Scan, e: &Event) -> String {
    let t = &scan.tables;
    let (ip, agent, session) = t.client_parts(e.client);
    format!(
        "{:?} {} {:?} {:?} {:?} {:?} {} p{} r{:?} b{} s{} {} {}:{}\n",
        t.identities.text(e.identity),
        e.time,
        String::from_utf8_lossy(ip),
        String::from_utf8_lossy(agent),
        String::from_utf8_lossy(session),
        t.systems.text(e.system() as u32),
        e.action().name(),
        e.page,
        t.record_text(e.record),
        e.bytes,
        e.status(),
        e.rows,
        scan.paths[e.file() as usize],
        e.line
    )
}

/// Scans `inputs` every way in [`ways`] and panics unless every way gives
/// the same result (the same error, or the same rendered scan), and unless
/// every file's lines add up. Returns the first way's result.
pub fn scan_every_way(config: &Config, inputs: &[Input]) -> scrapewatch::Result<Scan> {
    let mut reference: Option<(Options, scrapewatch::Result<Scan>, String)> = None;
    for options in ways() {
        let result = scan::scan(config, inputs, &options);
        let rendered = match &result {
            Ok(s) => {
                check_accounts(s);
                render(s)
            }
            Err(e) => format!("scan error: {e}"),
        };
        match &reference {
            None => reference = Some((options, result, rendered)),
            Some((first, _, expected)) => assert!(
                rendered == *expected,
                "scan differs between {first:?} and {options:?}\n--- {first:?}\n{expected}\n--- {options:?}\n{rendered}"
            ),
        }
    }
    reference.expect("at least one way").1
}

/// Scans `inputs` two ways only, mapped in chunks of `chunk_size` (0: one
/// chunk) and streamed, where the full matrix would cost too much per
/// input; the two must agree as in [`scan_every_way`]. Returns the mapped
/// result. The stream is read in 4 KiB blocks, smaller than most inputs,
/// so the stream's buffer boundaries are exercised.
pub fn scan_two_ways(
    config: &Config,
    inputs: &[Input],
    chunk_size: usize,
) -> scrapewatch::Result<Scan> {
    let way = |chunk_size, mmap| Options {
        threads: 1,
        chunk_size,
        mmap,
        // Fuzz inputs are small: map them anyway, so the mapped path runs.
        map_from: 0,
        strict: false,
    };
    scrapewatch::input::install_sigbus_guard();
    let m = scan::scan(config, inputs, &way(chunk_size, true));
    let block = 4096;
    let s = scan::scan(config, inputs, &way(block, false));
    match (&m, &s) {
        (Ok(m), Ok(s)) => {
            check_accounts(m);
            assert!(
                render(m) == render(s),
                "mapped and streamed differ\n--- mapped\n{}\n--- streamed\n{}",
                render(m),
                render(s)
            );
        }
        (Err(m), Err(s)) => assert_eq!(m.to_string(), s.to_string(), "different errors"),
        _ => panic!(
            "mapped and streamed differ: {:?} against {:?}",
            m.as_ref().err().map(|e| e.to_string()),
            s.as_ref().err().map(|e| e.to_string())
        ),
    }
    m
}

/// `lines = events + rejected + blank + headers`, per file and in total,
/// and the events counted are the events kept.
pub fn check_accounts(scan: &Scan) {
    let total = &scan.summary.total;
    assert!(total.balanced(), "total lines do not add up: {total:?}");
    for f in &scan.summary.per_file {
        assert!(
            f.counts.balanced(),
            "{}: lines do not add up: {:?}",
            f.path,
            f.counts
        );
    }
    let per_file: u64 = scan.summary.per_file.iter().map(|f| f.counts.lines).sum();
    assert_eq!(
        per_file, total.lines,
        "per-file lines do not sum to the total"
    );
    assert_eq!(
        total.events,
        scan.events.len() as u64,
        "events counted differ from events kept"
    );
}

/// A watchlist that names the accounts of the seed corpus, so the
/// watchlist rules (embargo, revoked, allowlist, watched records, roles)
/// run on fuzzed scans too.
pub fn seed_watchlist() -> Watchlist {
    Watchlist::parse(
        "account,kind,campaign,revoked_at,not_before,system,role\n\
         alice,campaign,rowe,,2030-01-01T00:00:00Z,membership,caller\n\
         bob,revoked,,2000-01-01T00:00:00Z,,,\n\
         svc,allow,,,,,service\n\
         42,record,,,,membership,lead;carol\n",
        "seed watchlist",
    )
    .expect("the seed watchlist parses")
}

/// Runs detection and every writer over a scan: the table (with and
/// without colour), JSON lines, CSV, the summary, the HTML report (plain
/// and pseudonymised) and explanations. None may panic; machine outputs
/// must parse back; the report must never carry markup from the log.
pub fn detect_and_write(scan: &Scan, config: &Config, watchlist: &Watchlist) -> Detection {
    let detection =
        detect::detect(&scan.timelines(), config, watchlist).expect("detection of a scan");
    write_everything(scan, &detection, config, watchlist);
    detection
}

/// Every writer over one detection (see [`detect_and_write`]).
pub fn write_everything(
    scan: &Scan,
    detection: &Detection,
    config: &Config,
    watchlist: &Watchlist,
) {
    let pseudonymizer = Pseudonymizer::new(b"fuzz key");
    let mut pseudonymized = detection.findings.clone();
    pseudonymized
        .iter_mut()
        .for_each(|f| pseudonymizer.finding(f));
    for findings in [&detection.findings, &pseudonymized] {
        for (format, colour) in [
            (OutputFormat::Table, false),
            (OutputFormat::Table, true),
            (OutputFormat::Json, false),
            (OutputFormat::Csv, false),
            (OutputFormat::Ocsf, false),
            (OutputFormat::Ecs, false),
            (OutputFormat::SplunkHec, false),
            (OutputFormat::Cef, false),
        ] {
            let mut out = Vec::new();
            let style = output::Style {
                colour,
                width: None,
            };
            output::write(&mut out, findings, format, style).expect("write to memory");
            let text = String::from_utf8_lossy(&out);
            match format {
                OutputFormat::Table if !colour => check_terminal("the table", &text),
                OutputFormat::Csv => check_spreadsheet(&text),
                _ => {}
            }
            if format == OutputFormat::Json {
                for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                    serde_json::from_slice::<serde_json::Value>(line)
                        .expect("a JSON output line parses back");
                }
            }
        }
    }
    check_terminal("the summary", &scan.summary.render(None));
    serde_json::to_string(&scan.summary).expect("summary serializes");

    for pseudonymizer in [None, Some(&pseudonymizer)] {
        let html = report::render(
            scan,
            detection,
            config,
            &ReportOptions {
                top: 5,
                show_suppressed: true,
                pseudonymizer,
                sweep: None,
            },
        );
        check_report(&html);
    }

    // Explain the first identity and every flagged one (at most a few).
    let mut who: Vec<String> = detection
        .findings
        .iter()
        .map(|f| f.identity.clone())
        .take(3)
        .collect();
    if let Some(first) = scan.events.first() {
        who.push(scan.tables.identities.text(first.identity).into_owned());
    }
    for name in who {
        let rules = match watchlist.role(&name) {
            Some(role) => config.rules_for(role).expect("rules of a validated config"),
            None => config.rules.clone(),
        };
        let zone = config.zone().expect("the zone of a validated config");
        if let Some(x) = explain::explain(
            &scan.timelines(),
            detection,
            &rules,
            watchlist,
            &name,
            &config.identity.key,
            &zone,
        ) {
            let text = x.render();
            check_terminal("the explanation", &text);
            serde_json::to_string(&x).expect("explanation serializes");
        }
    }
}

/// The report is made by us and runs no code: an element that could run
/// code or fetch something, or a `javascript:` address, can only have come
/// from the log, unescaped.
fn check_report(html: &str) {
    let lower = html.to_ascii_lowercase();
    for bad in [
        "<script",
        "<iframe",
        "<img",
        "<image",
        "<object",
        "<embed",
        "<link",
        "<base",
        "<form",
        "<input",
        "<button",
        "<audio",
        "<video",
        "<source",
        "<use",
        "<foreignobject",
        "<frame",
        "<applet",
        "<template",
        "<math",
        "javascript:",
    ] {
        assert!(
            !lower.contains(bad),
            "the report holds `{bad}`: log content reached it unescaped"
        );
    }
}

/// Text for a terminal holds no control characters but line ends: an
/// escape sequence from a log line could rewrite the screen or the title.
pub fn check_terminal(what: &str, text: &str) {
    if let Some(c) = text.chars().find(|&c| c.is_control() && c != '\n') {
        panic!(
            "{what} holds control character U+{:04X} from the log:\n{text}",
            c as u32
        );
    }
}

/// No CSV cell may start like a spreadsheet formula (`=`, `+`, `-`, `@`,
/// tab, carriage return): a log line must not become a formula.
pub fn check_spreadsheet(text: &str) {
    for cell in csv_cells(text) {
        if let Some(c) = cell.chars().next() {
            assert!(
                !matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'),
                "CSV cell {cell:?} would be read as a formula:\n{text}"
            );
        }
    }
}

/// The cells of RFC 4180 CSV text (quoted cells may hold newlines).
fn csv_cells(text: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',' | '\n') => cells.push(std::mem::take(&mut cell)),
            (false, c) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

/// A small hand-made log whose events trip most rules under the default
/// configuration: an enumeration, an export, a campaign account before its
/// embargo, a revoked account, a shared credential, a watched record. Made
/// in code, not committed as a file, and the same every run.
pub fn sample_log() -> String {
    let mut s = String::new();
    let t0 = 1_750_000_000u64; // 2025-06-15
    for i in 0..400u64 {
        let _ = writeln!(
            s,
            r#"{{"ts":{},"account":"alice","ip":"10.0.0.1","system":"membership","action":"read","record":"{}"}}"#,
            t0 + i * 2,
            1000 + i
        );
    }
    for i in 0..60u64 {
        let _ = writeln!(
            s,
            r#"{{"ts":{},"account":"bob","ip":"10.0.{}.{}","user_agent":"ua{}","system":"canvassing","action":"search","page":{}}}"#,
            t0 + 3600 + i * 30,
            i % 7,
            i % 11,
            i % 5,
            i + 1
        );
    }
    for i in 0..5u64 {
        let _ = writeln!(
            s,
            r#"{{"ts":{},"account":"dave","ip":"192.0.2.9","system":"membership","action":"export","rows":{}}}"#,
            t0 + 7200 + i * 60,
            5000 * (i + 1)
        );
    }
    let _ = writeln!(
        s,
        r#"{{"ts":{},"account":"eve","ip":"192.0.2.10","system":"membership","action":"read","record":"42"}}"#,
        t0 + 9000
    );
    let _ = writeln!(
        s,
        r#"{{"ts":{},"account":"svc","ip":"192.0.2.11","system":"membership","action":"export","rows":900000}}"#,
        t0 + 9100
    );
    s
}

/// Runs one format's parser over each line of `data` (every field decoded),
/// then the batch builder over all of it: every line must be counted once,
/// and as an event, a rejection or a blank.
pub fn parse_lines(parser: &scrapewatch::format::Parser, config: &Config, data: &[u8]) {
    use scrapewatch::format::{Field, Raw};
    let mut scratch = Vec::new();
    for line in data.split(|&b| b == b'\n') {
        let mut raw = Raw::default();
        if parser.parse(line, &mut raw).is_ok() {
            for field in Field::ALL {
                if let Some(text) = raw.get(field) {
                    let _ = text.decode(&mut scratch);
                }
            }
        }
    }
    let identity = scrapewatch::identity::IdentitySpec::parse(&config.identity.key)
        .expect("the identity of a valid config");
    let rules =
        scrapewatch::batch::Rules::new(&config.input, identity).expect("rules of a valid config");
    let mut batch = scrapewatch::batch::Batch::new();
    batch.add_lines(data, parser, &rules, 0);
    let expected = match data.last() {
        None => 0,
        Some(b'\n') => memchr_count(data),
        Some(_) => memchr_count(data) + 1,
    };
    assert_eq!(batch.counts.lines, expected, "lines counted");
    assert!(
        batch.counts.balanced(),
        "lines do not add up: {:?}",
        batch.counts
    );
    assert_eq!(batch.counts.events, batch.events.len() as u64);
}

fn memchr_count(data: &[u8]) -> u64 {
    data.iter().filter(|&&b| b == b'\n').count() as u64
}

/// A config with overrides that are known to be valid.
pub fn config_with(overrides: &[&str]) -> Config {
    let set: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    Config::load(None, &set).expect("valid overrides")
}

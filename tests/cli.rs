//! The binary: exit codes, summary JSON, stdin, strict mode, timings.

use crate::util::{data, run};
use std::io::Write;
use std::process::{Command, Stdio};

fn code(out: &std::process::Output) -> i32 {
    out.status.code().unwrap()
}

#[test]
fn clean_scan_exits_0_and_writes_summary_json() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("summary.json");
    let out = run(&[
        "scan",
        data("sample.ndjson").to_str().unwrap(),
        "--summary-json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(doc["summary"]["events"], 12);
    assert_eq!(doc["summary"]["lines"], 12);
    assert!(doc["timing"]["seconds"].is_number());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&json).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "summary must be private to its owner");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("12 lines = 12 events + 0 rejected"),
        "{stderr}"
    );
}

#[test]
fn timings_name_every_stage_even_when_quiet() {
    let path = data("sample.ndjson");
    let out = run(&["scan", "-q", "--timings", "-j", "1", path.to_str().unwrap()]);
    assert_eq!(code(&out), 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stages: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("timing: "))
        .map(|l| l.rsplitn(3, ' ').nth(2).unwrap_or("").trim())
        .collect();
    assert_eq!(
        stages,
        [
            "read and parse",
            "merge tables",
            "remap events",
            "sort timelines",
            "summary",
            "detect"
        ],
        "{stderr}"
    );
    let plain = run(&["scan", "-q", path.to_str().unwrap()]);
    assert!(!String::from_utf8_lossy(&plain.stderr).contains("timing:"));
}

#[test]
fn errors_exit_2() {
    let bad_arg = run(&["scan", "--threads", "many", "x"]);
    assert_eq!(code(&bad_arg), 2);
    let missing = run(&["scan", "/nonexistent/file.ndjson"]);
    assert_eq!(code(&missing), 2);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/file.ndjson"));
    let config = run(&[
        "scan",
        "--config",
        "/nonexistent.toml",
        "data/sample.ndjson",
    ]);
    assert_eq!(code(&config), 2);
    let unknown = run(&["scan", "--set", "input.formt=csv", "data/sample.ndjson"]);
    assert_eq!(code(&unknown), 2);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("did you mean `input.format`"));
    // One unreadable input among good ones: the rest is scanned, status 2.
    let partly = run(&[
        "scan",
        data("sample.csv").to_str().unwrap(),
        "/nonexistent/x.log",
    ]);
    assert_eq!(code(&partly), 2);
    assert!(String::from_utf8_lossy(&partly.stderr).contains("7 events"));
}

#[test]
fn strict_exits_3_naming_the_line() {
    let out = run(&[
        "scan",
        "--strict",
        data("bad-lines.ndjson").to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad-lines.ndjson:5: invalid JSON"),
        "{stderr}"
    );
    let clean = run(&["scan", "--strict", data("sample.ndjson").to_str().unwrap()]);
    assert_eq!(code(&clean), 0);
}

#[test]
fn stdin_is_streamed() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scrapewatch"))
        .args(["scan", "-", "--no-detect", "--summary-json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = std::fs::read(data("sample.log")).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 0);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["events"], 7);
    assert_eq!(doc["summary"]["per_file"][0]["format"], "clf");
}

#[test]
fn config_default_prints_every_key() {
    let out = run(&["config", "--default"]);
    assert_eq!(code(&out), 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[input.fields]") && text.contains("key = \"account\""));
}

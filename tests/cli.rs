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
            "gaps",
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

/// A pipe whose reading end is already closed: every write to it fails
/// with EPIPE, whenever the child writes.
fn closed_pipe() -> Stdio {
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: `pipe` fills two new descriptors that nothing else owns; the
    // reading end is closed at once and the writing end owned from here on.
    unsafe {
        assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
        libc::close(fds[0]);
        Stdio::from(OwnedFd::from_raw_fd(fds[1]))
    }
}

/// The commands that print on stdout, each with a case that writes its
/// text and one that writes JSON (`--json -`).
fn printing_commands() -> Vec<Vec<String>> {
    let sample = data("sample.ndjson").display().to_string();
    let contest = data("contest").display().to_string();
    let cmd = |args: &[&str]| args.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        cmd(&["config", "--default"]),
        cmd(&["config"]),
        cmd(&["explain", "vol-anna", &sample]),
        cmd(&["explain", "vol-anna", &sample, "--json", "-"]),
        cmd(&["eval", &contest]),
        cmd(&["eval", &contest, "--json", "-"]),
        cmd(&[
            "sweep",
            &sample,
            "--param",
            "rules.sequential-read.min_run",
            "--values",
            "2,3",
        ]),
        cmd(&[
            "sweep",
            &sample,
            "--param",
            "rules.sequential-read.min_run",
            "--values",
            "2,3",
            "--json",
            "-",
        ]),
    ]
}

#[test]
fn closed_stdout_ends_quietly_with_0() {
    for args in printing_commands() {
        let out = Command::new(env!("CARGO_BIN_EXE_scrapewatch"))
            .args(&args)
            .stdout(closed_pipe())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), 0, "{args:?}: {stderr}");
        for bad in ["panicked", "Broken pipe", "scrapewatch:"] {
            assert!(!stderr.contains(bad), "{args:?}: {stderr}");
        }
    }
}

#[test]
fn full_stdout_exits_2_saying_so() {
    for args in printing_commands() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_scrapewatch"))
            .args(&args)
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), 2, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            stderr.contains(
                "scrapewatch: cannot write to stdout: No space left on device (os error 28)"
            ),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn json_options_take_a_file_or_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("explain.json");
    let sample = data("sample.ndjson");
    let sample = sample.to_str().unwrap();
    let to_file = run(&[
        "explain",
        "vol-anna",
        sample,
        "--json",
        file.to_str().unwrap(),
    ]);
    assert_eq!(
        code(&to_file),
        0,
        "{}",
        String::from_utf8_lossy(&to_file.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(doc["identity"], "vol-anna");
    // The text still goes to stdout; with `--json -` only the JSON does.
    assert!(String::from_utf8_lossy(&to_file.stdout).contains("vol-anna"));
    let to_stdout = run(&["explain", "vol-anna", sample, "--json", "-"]);
    let doc: serde_json::Value = serde_json::from_slice(&to_stdout.stdout).unwrap();
    assert_eq!(doc["identity"], "vol-anna");
    let sweep = run(&[
        "sweep",
        sample,
        "--param",
        "rules.sequential-read.min_run",
        "--values",
        "2,3",
        "--json",
        "-",
    ]);
    let rows: serde_json::Value = serde_json::from_slice(&sweep.stdout).unwrap();
    assert_eq!(rows["schema_version"], scrapewatch::finding::SCHEMA_VERSION);
    assert_eq!(rows["rows"].as_array().unwrap().len(), 2);
}

#[test]
fn threads_are_capped_with_a_warning() {
    let started = std::time::Instant::now();
    let out = run(&[
        "scan",
        "-q",
        "-j",
        "5000",
        data("sample.ndjson").to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0);
    let cores = std::thread::available_parallelism().unwrap().get();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim(),
        format!(
            "scrapewatch: warning: --threads 5000 is more than 4 per core; using {}",
            4 * cores
        )
    );
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
    let zero = run(&["scan", "-j", "0", data("sample.ndjson").to_str().unwrap()]);
    assert_eq!(code(&zero), 2);
    assert!(String::from_utf8_lossy(&zero.stderr).contains("at least 1"));
}

/// The help of each command, as a string.
fn help(command: &str) -> String {
    let out = run(&[command, "--help"]);
    assert_eq!(code(&out), 0);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn help_offers_only_what_each_command_honours() {
    // `--no-detect` is honoured by scan alone.
    assert!(help("scan").contains("--no-detect"));
    for command in ["explain", "eval", "sweep", "report"] {
        assert!(!help(command).contains("--no-detect"), "{command}");
    }
    // `-j` says what its default is and where it stops.
    for command in ["scan", "explain", "eval", "sweep", "report"] {
        let text = help(command);
        assert!(!text.contains("[default: 0]"), "{command}");
        assert!(text.contains("at most 4 per core"), "{command}");
    }
    // Every command that reports on stderr can be quieted.
    for command in ["scan", "eval", "sweep", "report", "generate"] {
        assert!(help(command).contains("-q, --quiet"), "{command}");
    }
    // One style of JSON option: a FILE, `-` for stdout.
    for command in ["explain", "eval", "sweep"] {
        assert!(help(command).contains("--json <FILE>"), "{command}");
    }
}

#[test]
fn quiet_report_prints_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    let out = run(&[
        "report",
        "-q",
        data("sample.ndjson").to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read_to_string(&html).unwrap().contains("<html"));
}

#[test]
fn generate_refuses_days_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("g");
    // 0 days was accepted; 10^8 days ran for minutes without end.
    for days in ["0", "100000000"] {
        let out = run(&[
            "generate",
            "--out",
            out_dir.to_str().unwrap(),
            "--events",
            "100",
            "--days",
            days,
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(code(&out), 2, "--days {days}: {stderr}");
        assert!(
            stderr.contains("--days") && stderr.contains("1..=366"),
            "{stderr}"
        );
    }
}

//! `scan --manifest` and `verify`: an unchanged run verifies (0); a changed
//! input, configuration or tool version is named (1).

use crate::util::{data, run};
use std::path::{Path, PathBuf};

/// A plain copy of the generated contest's log and its watchlist, and a
/// manifest of a scan of them.
fn scanned(dir: &Path) -> (PathBuf, PathBuf) {
    let log = dir.join("access.ndjson");
    let gz = std::fs::File::open(data("contest").join("events.ndjson.gz")).unwrap();
    std::io::copy(
        &mut flate2::read::GzDecoder::new(gz),
        &mut std::fs::File::create(&log).unwrap(),
    )
    .unwrap();
    let watchlist = dir.join("watchlist.csv");
    std::fs::copy(data("contest").join("watchlist.csv"), &watchlist).unwrap();
    let manifest = dir.join("run.manifest.json");
    let out = run(&[
        "scan",
        log.to_str().unwrap(),
        "--watchlist",
        watchlist.to_str().unwrap(),
        "-q",
        "-o",
        dir.join("findings.jsonl").to_str().unwrap(),
        "--output-format",
        "json",
        "--manifest",
        manifest.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (log, manifest)
}

fn verify(manifest: &Path) -> (Option<i32>, String) {
    let out = run(&["verify", manifest.to_str().unwrap()]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn edit(manifest: &Path, f: impl Fn(&mut serde_json::Value)) {
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(manifest).unwrap()).unwrap();
    f(&mut doc);
    std::fs::write(manifest, serde_json::to_vec(&doc).unwrap()).unwrap();
}

#[test]
fn a_manifest_records_the_run_privately() {
    let dir = tempfile::tempdir().unwrap();
    let (log, manifest) = scanned(dir.path());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&manifest).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "{mode:o}");
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    assert_eq!(doc["schema_version"], scrapewatch::finding::SCHEMA_VERSION);
    assert_eq!(doc["digests"], "blake3");
    assert_eq!(doc["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let input = &doc["inputs"][0];
    let bytes = std::fs::read(&log).unwrap();
    assert_eq!(input["size"], bytes.len() as u64);
    assert_eq!(input["digest"], blake3::hash(&bytes).to_hex().as_str());
    let findings = std::fs::read(dir.path().join("findings.jsonl")).unwrap();
    assert_eq!(
        doc["findings"]["digest"],
        blake3::hash(&findings).to_hex().as_str()
    );
    assert_eq!(
        doc["findings"]["count"],
        findings.iter().filter(|&&b| b == b'\n').count() as u64
    );
    assert!(doc["findings"]["count"].as_u64().unwrap() > 0);
    assert!(doc["config"].as_str().unwrap().contains("[rules"));
    let watchlist = std::fs::read(dir.path().join("watchlist.csv")).unwrap();
    assert_eq!(
        doc["watchlist"]["digest"],
        blake3::hash(&watchlist).to_hex().as_str()
    );
    assert_eq!(
        doc["line_account"][0]["lines"],
        doc["line_account"][0]["lines"]
    );
    assert!(doc["line_account"][0]["events"].as_u64().unwrap() > 0);
}

#[test]
fn an_unchanged_run_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (_, manifest) = scanned(dir.path());
    let (code, text) = verify(&manifest);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("verified"), "{text}");
}

#[test]
fn a_changed_input_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (log, manifest) = scanned(dir.path());
    let mut bytes = std::fs::read(&log).unwrap();
    // Same size, one byte different: the digest, not the size, catches it.
    let at = bytes.iter().position(|&b| b.is_ascii_digit()).unwrap();
    bytes[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
    std::fs::write(&log, &bytes).unwrap();
    let (code, text) = verify(&manifest);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("access.ndjson digest"), "{text}");
    assert!(!text.contains("size"), "{text}");
}

#[test]
fn a_changed_config_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (_, manifest) = scanned(dir.path());
    edit(&manifest, |doc| {
        let config = doc["config"].as_str().unwrap().to_string();
        let changed = config.replacen("min_run = ", "min_run = 1", 1);
        assert_ne!(config, changed);
        doc["config"] = changed.into();
    });
    let (code, text) = verify(&manifest);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("config digest"), "{text}");
}

#[test]
fn a_changed_tool_version_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (_, manifest) = scanned(dir.path());
    edit(&manifest, |doc| {
        doc["tool"]["version"] = "0.0.1-other".into()
    });
    let (code, text) = verify(&manifest);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("tool version"), "{text}");
    assert!(text.contains("0.0.1-other"), "{text}");
    assert!(!text.contains("digest"), "only the version changed: {text}");
}

#[test]
fn a_manifest_never_overwrites_an_input_and_stdin_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("access.ndjson");
    std::fs::copy(data("sample.ndjson"), &log).unwrap();
    let before = std::fs::read(&log).unwrap();
    let out = run(&[
        "scan",
        log.to_str().unwrap(),
        "--manifest",
        log.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read(&log).unwrap(), before);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scrapewatch"))
        .args([
            "scan",
            "-",
            "--manifest",
            dir.path().join("m.json").to_str().unwrap(),
        ])
        .stdin(std::fs::File::open(&log).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("standard input"));
    assert!(!dir.path().join("m.json").exists());
}

#[test]
fn a_pseudonymised_run_verifies_only_with_its_key_and_keeps_its_period() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = scanned(dir.path());
    let key = dir.path().join("key");
    std::fs::write(&key, [7u8; 32]).unwrap();
    let manifest = dir.path().join("keyed.json");
    let out = run(&[
        "scan",
        log.to_str().unwrap(),
        "-q",
        "-o",
        "/dev/null",
        "--pseudonymize",
        key.to_str().unwrap(),
        "--since",
        "2025-06-07T00:00:00Z",
        "--manifest",
        manifest.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    assert_eq!(doc["digests"], "blake3-keyed");
    let bytes = std::fs::read(&log).unwrap();
    assert_ne!(
        doc["inputs"][0]["digest"],
        blake3::hash(&bytes).to_hex().as_str()
    );
    assert_eq!(doc["options"]["since"], "2025-06-07T00:00:00Z");
    let (code, text) = verify(&manifest);
    assert_eq!(code, Some(2), "no key: {text}");
    assert!(text.contains("--pseudonymize"), "{text}");
    let out = run(&[
        "verify",
        manifest.to_str().unwrap(),
        "--pseudonymize",
        key.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

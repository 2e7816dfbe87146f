//! The house rules of the crate, checked: dependencies point down the
//! pipeline (`input -> parse -> timeline -> detect -> findings -> output`).
//! Detection imports neither the driver, the inputs, the parsers nor the
//! outputs; the finding model and the timelines import nothing above them.
//! A module that reaches up fails this test, naming the file and the
//! import. (Unit tests at the end of a file, after `#[cfg(test)]`, may use
//! what they like.)

use std::path::{Path, PathBuf};

/// Modules of the driver and the edges: what lower layers must not use.
const ABOVE_DETECTION: &[&str] = &[
    "scan", "input", "format", "batch", "tally", "summary", "output", "report", "generate", "eval",
];

/// What the parsers and the batch builder must not import.
fn parse_layer_must_not() -> Vec<&'static str> {
    vec![
        "config",
        "scan",
        "input",
        "summary",
        "output",
        "report",
        "generate",
        "eval",
        "detect",
        "explain",
        "watchlist",
        "timeline",
        "partition",
    ]
}

/// (file or directory, modules it must not import).
fn rules() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut below_findings = ABOVE_DETECTION.to_vec();
    below_findings.extend(["detect", "explain", "config", "watchlist", "timeline"]);
    vec![
        ("src/detect", ABOVE_DETECTION.to_vec()),
        ("src/explain.rs", ABOVE_DETECTION.to_vec()),
        ("src/timeline.rs", {
            let mut v = ABOVE_DETECTION.to_vec();
            v.extend(["detect", "explain", "config"]);
            v
        }),
        ("src/finding.rs", below_findings.clone()),
        ("src/event.rs", below_findings.clone()),
        ("src/intern.rs", below_findings.clone()),
        ("src/time.rs", below_findings.clone()),
        ("src/identity.rs", below_findings),
        // The parse layer reads its own settings (`format::settings`),
        // never the app config, and knows nothing of detection.
        ("src/format", parse_layer_must_not()),
        ("src/batch.rs", parse_layer_must_not()),
        (
            "src/output",
            vec!["scan", "input", "batch", "detect", "explain", "config"],
        ),
    ]
}

fn files(root: &Path) -> Vec<PathBuf> {
    if root.is_file() {
        return vec![root.to_path_buf()];
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        out.extend(files(&entry.unwrap().path()));
    }
    out.sort();
    out
}

/// The crate modules `code` names (`crate::x` in a `use` or a path).
fn imports(code: &str) -> Vec<String> {
    let code = match code.find("#[cfg(test)]") {
        Some(n) => &code[..n],
        None => code,
    };
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(n) = rest.find("crate::") {
        rest = &rest[n + "crate::".len()..];
        let word = |s: &str| -> String {
            s.trim_start()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        };
        match rest.strip_prefix('{') {
            // `use crate::{a::X, b};`
            Some(group) => {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                out.extend(group.split(',').map(word).filter(|w| !w.is_empty()));
            }
            None => out.push(word(rest)),
        }
    }
    out
}

#[test]
fn dependencies_point_down_the_pipeline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut broken = Vec::new();
    for (place, forbidden) in rules() {
        let files = files(&root.join(place));
        assert!(!files.is_empty(), "{place} has no files: the rule is stale");
        for file in files {
            let code = std::fs::read_to_string(&file).unwrap();
            for module in imports(&code) {
                if forbidden.contains(&module.as_str()) {
                    broken.push(format!(
                        "{} imports crate::{module}",
                        file.strip_prefix(root).unwrap().display()
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "upward imports:\n{}", broken.join("\n"));
}

#[test]
fn the_check_sees_an_upward_import() {
    // The rule must be able to fail: a detector that used the driver.
    let code = "use crate::event::Event;\nuse crate::{input::Input, format};\nfn f(s: &crate::scan::Scan) {}\n#[cfg(test)]\nuse crate::output;";
    assert_eq!(imports(code), ["event", "input", "format", "scan"]);
}

//! Settings: every key that `scrapewatch config --default` prints refuses
//! values outside its range, from a configuration file, `--set`, a per-role
//! override, `sweep --values` and `explain`, with exit status 2 and a
//! message naming the key, the value and what is allowed; never a panic.
//! The keys come from the binary's own output, so a key added without a
//! range fails here.

use crate::util::{data, run};
use std::process::Output;

/// Keys where 0 is meaningful: no margin around usual hours, hours never
/// used, "anything above the median", and shares (a rejected share of 0
/// warns about any rejected line).
const ZERO_ALLOWED: [&str; 12] = [
    "input.max_rejected_share",
    "rules.off-hours.max_days_in_hour",
    "rules.off-hours.margin_hours",
    "rules.off-hours.peer_share",
    "rules.rate-baseline.mads",
    "rules.coordinated.max_share",
    "rules.probing.min_share",
    "rules.coverage.min_coverage",
    "rules.distinct-baseline.mads",
    "rules.distinct-baseline.explained_share",
    "rules.rate-baseline.explained_share",
    "rules.off-hours.explained_share",
];

/// Every leaf of `config --default`, as (dotted key, default value).
fn default_keys() -> Vec<(String, toml::Value)> {
    fn walk(table: &toml::Table, prefix: &str, out: &mut Vec<(String, toml::Value)>) {
        for (k, v) in table {
            match v {
                toml::Value::Table(t) => walk(t, &format!("{prefix}{k}."), out),
                v => out.push((format!("{prefix}{k}"), v.clone())),
            }
        }
    }
    let out = run(&["config", "--default"]);
    assert_eq!(out.status.code(), Some(0));
    let table: toml::Table = String::from_utf8(out.stdout).unwrap().parse().unwrap();
    let mut keys = Vec::new();
    walk(&table, "", &mut keys);
    assert!(keys.len() > 60, "{} keys", keys.len());
    keys
}

/// Asserts a refusal: status 2, no panic, and a message naming the key,
/// the value and each of `allowed`.
fn refused(out: &Output, what: &str, key: &str, value: &str, allowed: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    for needle in [key, value].iter().chain(allowed) {
        assert!(
            stderr.contains(needle),
            "{what}: no `{needle}` in: {stderr}"
        );
    }
}

fn accepted(out: &Output, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The values every numeric key is tried with, and whether the integer
/// keys refuse them because they are not integers at all.
const BAD_NUMBERS: [&str; 9] = [
    "-1",
    "9223372036854775807",
    "1e300",
    "nan",
    "inf",
    "-inf",
    "abc",
    "true",
    "[1]",
];

#[test]
fn every_numeric_key_refuses_values_out_of_range_by_set() {
    let mut tried = 0;
    for (key, default) in default_keys() {
        if !(default.is_integer() || default.is_float()) {
            continue;
        }
        let mut values = BAD_NUMBERS.to_vec();
        if default.is_integer() {
            values.push("1.5");
        }
        if !ZERO_ALLOWED.contains(&key.as_str()) {
            values.push("0");
        }
        let role_key = key.replacen("rules.", "overrides.lead.", 1);
        for value in values {
            let shown = value.trim_matches(['[', ']']);
            let out = run(&["config", "--set", &format!("{key}={value}")]);
            refused(
                &out,
                &format!("{key}={value}"),
                &key,
                shown,
                &["from", " to "],
            );
            if key.starts_with("rules.") {
                let out = run(&["config", "--set", &format!("{role_key}={value}")]);
                let what = format!("{role_key}={value}");
                refused(&out, &what, &role_key, shown, &["from", " to "]);
            }
            tried += 1;
        }
        if ZERO_ALLOWED.contains(&key.as_str()) {
            accepted(&run(&["config", "--set", &format!("{key}=0")]), &key);
        }
        // The default itself is in range.
        accepted(
            &run(&["config", "--set", &format!("{key}={default}")]),
            &key,
        );
    }
    assert!(tried > 300, "{tried} values tried");
}

#[test]
fn every_key_refuses_a_wrong_type_or_range_in_a_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.toml");
    for (key, default) in default_keys() {
        let (table, leaf) = key.rsplit_once('.').unwrap();
        let mut bad: Vec<(&str, &str)> = vec![];
        match default {
            toml::Value::Integer(_) | toml::Value::Float(_) => {
                bad.extend([("-1", "-1"), ("\"abc\"", "abc"), ("nan", "nan")]);
                bad.extend([("9223372036854775807", "9223372036854775807")]);
                if !ZERO_ALLOWED.contains(&key.as_str()) {
                    bad.push(("0", "0"));
                }
            }
            toml::Value::Boolean(_) => bad.extend([("1", "1"), ("\"yes\"", "yes")]),
            toml::Value::String(_) => bad.extend([("0", "0"), ("[\"a\"]", "a")]),
            toml::Value::Array(_) => bad.extend([("0", "0"), ("[1]", "1"), ("[\"\"]", "\"\"")]),
            other => panic!("{key}: a new kind of value {other}"),
        }
        for (value, shown) in bad {
            std::fs::write(&file, format!("[{table}]\n{leaf} = {value}\n")).unwrap();
            let out = run(&["config", "--config", file.to_str().unwrap()]);
            refused(&out, &format!("{key} = {value}"), &key, shown, &[]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("c.toml"), "names the file: {stderr}");
            // Per-role overrides in a file are checked the same way.
            if let Some(rule_key) = table.strip_prefix("rules.") {
                std::fs::write(
                    &file,
                    format!("[overrides.lead.{rule_key}]\n{leaf} = {value}\n"),
                )
                .unwrap();
                let out = run(&["config", "--config", file.to_str().unwrap()]);
                let role_key = format!("overrides.lead.{rule_key}.{leaf}");
                refused(
                    &out,
                    &format!("{role_key} = {value}"),
                    &role_key,
                    shown,
                    &[],
                );
            }
        }
    }
}

#[test]
fn enumerated_string_keys_refuse_bad_values() {
    for (key, value, allowed) in [
        ("input.format", "xml", "auto, ndjson, csv, clf"),
        ("input.time_offset", "+99:00", "-14:00 to +14:00"),
        ("input.time_offset", "+14:30", "-14:00 to +14:00"),
        ("input.time_offset", "-15:00", "-14:00 to +14:00"),
        ("input.time_offset", "nan", "-14:00 to +14:00"),
        ("input.time_offset", "0", "-14:00 to +14:00"),
        ("identity.key", "-1", "account, ip, ip/N"),
        ("identity.key", "ip/0", "account, ip, ip/N"),
        ("input.fields.ts", "", "must not be empty"),
        ("input.clf.default_system", " ", "must not be empty"),
        ("input.clf.record", "(", "regex"),
        ("input.actions.peek", "glance", "read, search, export"),
    ] {
        let out = run(&["config", "--set", &format!("{key}={value}")]);
        refused(&out, &format!("{key}={value}"), key, value, &[allowed]);
    }
    for ok in ["+14:00", "-12:00", "+05:45"] {
        accepted(
            &run(&["config", "--set", &format!("input.time_offset={ok}")]),
            ok,
        );
    }
}

/// The windows and pauses: zero, negative and huge values used to crash
/// the detectors (index out of bounds, overflow) from every command.
const WINDOWS: [&str; 9] = [
    "rules.sequential-read.max_pause",
    "rules.paged-search.max_pause",
    "rules.distinct-volume.window",
    "rules.distinct-volume.long_window",
    "rules.export-volume.window",
    "rules.byte-volume.window",
    "rules.regularity.max_gap",
    "rules.shared-credential.window",
    "rules.coordinated.window",
];

#[test]
fn sweep_and_explain_refuse_windows_out_of_range() {
    let input = data("contest").join("events.ndjson.gz");
    let input = input.to_str().unwrap();
    for key in WINDOWS {
        for value in ["0", "-1", "9223372036854775807"] {
            let out = run(&[
                "sweep",
                input,
                "--param",
                key,
                "--values",
                &format!("3600,{value}"),
            ]);
            refused(
                &out,
                &format!("sweep {key}={value}"),
                key,
                value,
                &["from 1 to"],
            );
            let set = format!("{key}={value}");
            let out = run(&["explain", "camp-rowe-0", input, "--set", &set]);
            refused(&out, &format!("explain {set}"), key, value, &["from 1 to"]);
            let role = format!("{}={value}", key.replacen("rules.", "overrides.lead.", 1));
            let out = run(&["scan", "-q", input, "--set", &role]);
            refused(
                &out,
                &format!("scan {role}"),
                "overrides.lead.",
                value,
                &["from 1 to"],
            );
        }
    }
}

#[test]
fn detection_refuses_a_config_built_in_code() {
    use scrapewatch::input::Input;
    let config = scrapewatch::Config::default();
    let inputs = [Input::Path(data("sample.ndjson"))];
    let scan = scrapewatch::scan::scan(&config, &inputs, &Default::default()).unwrap();
    let watchlist = Default::default();
    for key in WINDOWS {
        for value in [0, -1, i64::MAX] {
            let mut config = config.clone();
            let r = &mut config.rules;
            *match key.split('.').nth(1).unwrap() {
                "sequential-read" => &mut r.sequential_read.max_pause,
                "paged-search" => &mut r.paged_search.max_pause,
                "distinct-volume" if key.ends_with("long_window") => {
                    &mut r.distinct_volume.long_window
                }
                "distinct-volume" => &mut r.distinct_volume.window,
                "export-volume" => &mut r.export_volume.window,
                "byte-volume" => &mut r.byte_volume.window,
                "regularity" => &mut r.regularity.max_gap,
                "shared-credential" => &mut r.shared_credential.window,
                "coordinated" => &mut r.coordinated.window,
                other => panic!("{other}"),
            } = value;
            let e = scrapewatch::detect::detect(&scan.timelines(), &config, &watchlist)
                .err()
                .unwrap_or_else(|| panic!("{key}={value} accepted"));
            assert!(e.to_string().contains(&format!("`{key}` = {value}")), "{e}");
            assert_eq!(e.kind(), scrapewatch::ErrorKind::Config);
        }
    }
}

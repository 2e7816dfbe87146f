//! Detectors end to end: golden cases from data/cases through every path
//! and two formats, findings invariance on a generated contest, quality on
//! three seeds, the JSON schema, exit codes and pseudonyms.

use crate::util::{data, detect_every_way, generate, run};
use scrapewatch::finding::Finding;
use scrapewatch::watchlist::Watchlist;
use scrapewatch::Config;
use std::collections::BTreeSet;

/// Expands a case's `generate` entries into NDJSON lines.
fn generated(case: &toml::Table) -> Vec<String> {
    let entries = match case.get("generate") {
        Some(toml::Value::Array(a)) => a.clone(),
        Some(t @ toml::Value::Table(_)) => vec![t.clone()],
        _ => vec![],
    };
    let mut lines = Vec::new();
    for g in entries {
        let s = |k: &str| {
            g.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let n = |k: &str| g.get(k).and_then(|v| v.as_integer()).unwrap_or(0);
        let start = scrapewatch::time::parse(s("start").as_bytes(), 0).unwrap();
        let records = s("records");
        let clients = n("clients").max(1);
        // Web fields: `ip`, `agent` and `url` may hold `{i}` (the event's
        // number) and `{c}` (its client's); `status` and `bytes` numbers.
        let fill = |k: &str, i: i64, c: i64| {
            s(k).replace("{i}", &i.to_string())
                .replace("{c}", &c.to_string())
        };
        let mut state = 0x9e37_79b9u64;
        for i in 0..n("count") {
            let time = scrapewatch::time::format(start + i * n("every_ms"));
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let shuffled = records.split_once("+shuffle").map(|(base, _)| {
                // A permutation of base..base+count: order-free reading.
                base.parse::<i64>().unwrap() + (i * 7919) % n("count")
            });
            let record = match records.split_once("+step") {
                _ if shuffled.is_some() => shuffled,
                Some((base, step)) => {
                    let step: i64 = step.parse().unwrap();
                    Some(
                        base.parse::<i64>().unwrap() + i * step
                            - (i % 3 == 2) as i64 * (step > 1) as i64,
                    )
                }
                None if records == "random" => Some(10_000 + (state >> 33) as i64 % 400_000),
                None => None,
            };
            let c = i % clients;
            let ip = match s("ip").is_empty() {
                true => format!("198.18.{c}.{}", 10 + c),
                false => fill("ip", i, c),
            };
            let agent = match s("agent").is_empty() {
                true => format!("agent-{c}"),
                false => fill("agent", i, c),
            };
            let mut line = format!(
                "{{\"ts\":\"{time}\",\"account\":\"{}\",\"ip\":\"{ip}\",\"user_agent\":\"{agent}\",\"system\":\"{}\"",
                s("identity"),
                s("system")
            );
            for k in ["status", "bytes"] {
                if g.get(k).is_some() {
                    line.push_str(&format!(",\"{k}\":{}", n(k)));
                }
            }
            if !s("url").is_empty() {
                line.push_str(&format!(",\"url\":\"{}\"", fill("url", i, c)));
            }
            if g.get("pages").and_then(|v| v.as_bool()) == Some(true) {
                line.push_str(&format!(
                    ",\"action\":\"search\",\"page\":{},\"rows\":50",
                    i + 1
                ));
            } else if s("url").is_empty() {
                line.push_str(",\"action\":\"read\"");
            }
            if let Some(r) = record {
                line.push_str(&format!(",\"record\":{r}"));
            }
            line.push('}');
            lines.push(line);
        }
    }
    lines
}

/// The same events as CSV.
fn to_csv(lines: &[String]) -> String {
    let cols = [
        "ts",
        "account",
        "ip",
        "user_agent",
        "system",
        "action",
        "record",
        "page",
        "rows",
        "status",
        "bytes",
        "url",
    ];
    let mut out = cols.join(",") + "\n";
    for l in lines {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let cells: Vec<String> = cols
            .iter()
            .map(|c| match &v[c] {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[test]
fn golden_cases_through_every_path_and_format() {
    let mut cases: Vec<_> = std::fs::read_dir(data("cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 4);
    for path in cases {
        let case: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut sets = Vec::new();
        if let Some(toml::Value::Table(t)) = case.get("config") {
            for (k, v) in t {
                match v.as_str() {
                    Some(s) => sets.push(format!("{k}={s}")),
                    None => sets.push(format!("{k}={v}")),
                }
            }
        }
        let config = Config::load(None, &sets).unwrap();
        let watchlist = case
            .get("watchlist")
            .and_then(|w| w.as_str())
            .map(|w| Watchlist::parse(w.trim_start(), &name).unwrap())
            .unwrap_or_default();
        let mut lines: Vec<String> = case
            .get("lines")
            .and_then(|l| l.as_array())
            .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        lines.extend(generated(&case));
        let expect: BTreeSet<(String, String)> = case["expect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["identity"].as_str().unwrap().into(),
                    e["rule"].as_str().unwrap().into(),
                )
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let ndjson = dir.path().join("case.ndjson");
        std::fs::write(&ndjson, lines.join("\n") + "\n").unwrap();
        let csv = dir.path().join("case.csv");
        std::fs::write(&csv, to_csv(&lines)).unwrap();
        let mut by_format = Vec::new();
        for file in [ndjson, csv] {
            let (scan, detection) = detect_every_way(&[file], &config, &watchlist);
            assert_eq!(scan.summary.rejected_total, 0, "{name}");
            let got: BTreeSet<(String, String)> = detection
                .active()
                .map(|f| (f.identity.clone(), f.rule.name().to_string()))
                .collect();
            assert_eq!(got, expect, "{name}");
            for f in detection.active() {
                assert!(!f.evidence.samples.is_empty(), "{name}: {f:?}");
                assert!(f.evidence.samples[0].contains("case."), "{name}");
            }
            let messages: Vec<String> = detection.active().map(|f| f.message.render()).collect();
            by_format.push(messages);
        }
        assert_eq!(
            by_format[0], by_format[1],
            "{name}: NDJSON and CSV give the same findings"
        );
    }
}

#[test]
fn findings_are_the_same_every_way() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 40_000, 11, "ndjson");
    let watchlist = Watchlist::load(&dir.path().join("watchlist.csv")).unwrap();
    let (_, detection) = detect_every_way(
        &[dir.path().join("events.ndjson")],
        &Config::default(),
        &watchlist,
    );
    assert!(detection.active().count() > 10);
}

#[test]
fn quality_on_three_seeds() {
    for seed in [1, 2, 3] {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), 150_000, seed, "ndjson");
        let out = run(&[
            "eval",
            dir.path().to_str().unwrap(),
            "--json",
            dir.path().join("card.json").to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let card: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("card.json")).unwrap()).unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            card["caught_by_family"][0], card["caught_by_family"][1],
            "seed {seed}\n{stdout}"
        );
        assert_eq!(card["traps_fired"], 0, "seed {seed}\n{stdout}");
        assert!(
            card["precision"].as_f64().unwrap() >= 0.95,
            "seed {seed}\n{stdout}"
        );
    }
}

#[test]
fn json_schema_exit_codes_and_pseudonyms() {
    let dir = tempfile::tempdir().unwrap();
    let contest = data("contest");
    let events = contest.join("events.ndjson.gz");
    let watchlist = contest.join("watchlist.csv");
    let out_file = dir.path().join("findings.jsonl");
    let out = run(&[
        "scan",
        events.to_str().unwrap(),
        "--watchlist",
        watchlist.to_str().unwrap(),
        "--output-format",
        "json",
        "-o",
        out_file.to_str().unwrap(),
        "--fail-on",
        "critical",
    ]);
    assert_eq!(out.status.code(), Some(1), "a revoked account is critical");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&out_file).unwrap().permissions().mode() & 0o077,
        0
    );
    let text = std::fs::read_to_string(&out_file).unwrap();
    let findings: Vec<Finding> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(findings.iter().any(|f| f.rule.name() == "revoked"));
    // The schema: exactly these keys (serde_json::Value lists them sorted).
    let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "end",
            "events",
            "evidence",
            "family",
            "id",
            "identity",
            "message",
            "reported_before",
            "rule",
            "schema_version",
            "score",
            "severity",
            "start",
            "suppressed"
        ]
    );
    let ev: Vec<&str> = first["evidence"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        ev,
        [
            "allowed",
            "clients",
            "counts",
            "gaps",
            "measure",
            "observed",
            "records",
            "samples",
            "shared",
            "system",
            "threshold",
            "window_secs",
            "worst"
        ]
    );

    // No findings at or above the level: 0. No watchlist: no revoked finding
    // (the data team's 25,000-row export, allow-listed by the watchlist, is
    // a high `export-size` finding without it).
    let quiet = run(&[
        "scan",
        data("sample.csv").to_str().unwrap(),
        "--fail-on",
        "critical",
    ]);
    assert_eq!(
        quiet.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );

    // Pseudonyms: no identity survives in any output.
    let key = dir.path().join("key");
    std::fs::write(&key, b"a secret key of at least 16 bytes").unwrap();
    let out = run(&[
        "scan",
        events.to_str().unwrap(),
        "--watchlist",
        watchlist.to_str().unwrap(),
        "--output-format",
        "csv",
        "--pseudonymize",
        key.to_str().unwrap(),
        "--show-suppressed",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    for name in [
        "camp-rowe-0",
        "staff-resigned-0",
        "svc-sync",
        "officer-leak-3",
    ] {
        assert!(!text.contains(name), "{name} leaked");
    }
    assert!(text.contains("id-"));
    assert!(
        text.contains("true"),
        "--show-suppressed shows allow-listed findings"
    );
}

#[test]
fn public_web_log_enumeration_flagged_asset_bursts_not() {
    // A combined-format log with no accounts (identity = ip): one client
    // fetches /articles/1..300 every two seconds; another reads 20 pages,
    // each followed by 80 images, scripts and styles within a second.
    let mut lines = Vec::new();
    let t0 = 1_717_200_000i64;
    let clf_time = |t: i64| {
        let ms = t * 1000;
        let s = scrapewatch::time::format(ms); // 2024-06-01T00:00:00Z
        let (date, time) = (&s[..10], &s[11..19]);
        let months = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let m: usize = date[5..7].parse().unwrap();
        format!(
            "{}/{}/{}:{} +0000",
            &date[8..10],
            months[m - 1],
            &date[..4],
            time
        )
    };
    for i in 0..300 {
        lines.push(format!(
            "203.0.113.5 - - [{}] \"GET /articles/{} HTTP/1.1\" 200 5120 \"-\" \"fetcher/1.0\"",
            clf_time(t0 + 2 * i),
            1000 + i
        ));
    }
    for p in 0..20 {
        let t = t0 + 90 * p;
        lines.push(format!(
            "198.51.100.7 - - [{}] \"GET /articles/{} HTTP/1.1\" 200 9000 \"-\" \"Mozilla/5.0\"",
            clf_time(t),
            5000 + p * 37
        ));
        for a in 0..80 {
            let ext = ["png", "css", "js", "woff2"][a % 4];
            lines.push(format!(
                "198.51.100.7 - - [{}] \"GET /static/{a}.{ext} HTTP/1.1\" 200 3000 \"https://news.example/articles/{}\" \"Mozilla/5.0\"",
                clf_time(t + (a as i64) / 60),
                5000 + p * 37
            ));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("access.log");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let (scan, detection) = detect_every_way(&[file], &Config::default(), &Watchlist::default());
    assert_eq!(scan.summary.total.ip_fallback, scan.summary.total.events);
    let flagged: BTreeSet<(String, String)> = detection
        .active()
        .map(|f| (f.identity.clone(), f.rule.name().to_string()))
        .collect();
    assert!(
        flagged.contains(&("203.0.113.5".into(), "sequential-read".into())),
        "{flagged:?}"
    );
    assert!(
        !flagged.iter().any(|(id, _)| id == "198.51.100.7"),
        "{flagged:?}"
    );
}

#[test]
fn sweep_parses_once_and_scores_each_value() {
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 60_000, 5, "ndjson");
    let json = dir.path().join("sweep.json");
    let out = run(&[
        "sweep",
        dir.path().join("events.ndjson").to_str().unwrap(),
        "--watchlist",
        dir.path().join("watchlist.csv").to_str().unwrap(),
        "--labels",
        dir.path().join("labels.json").to_str().unwrap(),
        "--param",
        "rules.sequential-read.min_run",
        "--values",
        "10,200",
        "--param",
        "rules.regularity.enabled",
        "--values",
        "true,false",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr)
            .matches("parsed")
            .count(),
        1
    );
    let rows: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let rows = rows["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    // A lower run length can only add sequential-read findings.
    let findings = |i: usize| rows[i]["findings"].as_u64().unwrap();
    assert!(findings(0) >= findings(2), "{rows:?}");
    // Switching a rule off can only remove findings.
    assert!(
        findings(0) >= findings(1) && findings(2) >= findings(3),
        "{rows:?}"
    );
    for r in rows {
        assert!(r["precision"].as_f64().is_some() && r["recall"].as_f64().is_some());
    }
    let bad = run(&[
        "sweep",
        "x.ndjson",
        "--param",
        "rules.nope.min_run",
        "--values",
        "1",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown key"));
}

#[test]
fn explain_says_why_and_why_not() {
    let contest = data("contest");
    let events = contest.join("events.ndjson.gz");
    let watchlist = contest.join("watchlist.csv");
    let args = |id: &str, json: bool| {
        let mut a = vec![
            "explain".to_string(),
            id.into(),
            events.display().to_string(),
        ];
        a.extend(["--watchlist".into(), watchlist.display().to_string()]);
        if json {
            a.extend(["--json".into(), "-".into()]);
        }
        a
    };
    let explain = |id: &str| {
        let a = args(id, true);
        let out = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v
    };
    let rule = |v: &serde_json::Value, r: &str| {
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["rule"] == r)
            .unwrap()
            .clone()
    };

    // The enumerator: fired, far over the threshold.
    let e = explain("camp-rowe-0");
    let seq = rule(&e, "sequential-read");
    assert!(seq["fired"].as_u64().unwrap() >= 1);
    assert!(seq["observed"].as_f64().unwrap() > seq["threshold"].as_f64().unwrap());
    // The officer walking a branch list: measured, and under.
    let w = explain("officer-branch-walk");
    let seq = rule(&w, "sequential-read");
    assert_eq!(seq["fired"], 0);
    let (obs, thr) = (
        seq["observed"].as_f64().unwrap(),
        seq["threshold"].as_f64().unwrap(),
    );
    assert!(obs >= 6.0 && obs < thr, "{seq}");
    assert_eq!(
        w["rules"].as_array().unwrap().len(),
        scrapewatch::finding::RuleId::ALL.len()
    );
    // Allow-listed: suppressed, not silent.
    let s = explain("svc-sync");
    assert_eq!(rule(&s, "sequential-read")["suppressed"], true);
    // The table for people, and an unknown identity.
    let a = args("camp-rowe-0", false);
    let out = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("sequential-read") && text.contains("yes (1)"),
        "{text}"
    );
    let a = args("camp-rowe-9", false);
    let out = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nearest: camp-rowe-"));
}

#[test]
fn redetect_equals_a_full_detection() {
    use scrapewatch::detect::{detect, detect_base, redetect};
    use scrapewatch::input::Input;
    use scrapewatch::scan::{scan, Options};
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), 60_000, 13, "ndjson");
    let watchlist = Watchlist::load(&dir.path().join("watchlist.csv")).unwrap();
    let base_config = Config::default();
    let s = scan(
        &base_config,
        &[Input::Path(dir.path().join("events.ndjson"))],
        &Options::default(),
    )
    .unwrap();
    let (first, base) = detect_base(&s.timelines(), &base_config, &watchlist).unwrap();
    let json = |d: &scrapewatch::detect::Detection| {
        d.findings
            .iter()
            .map(|f| serde_json::to_string(f).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        json(&first),
        json(&detect(&s.timelines(), &base_config, &watchlist).unwrap())
    );
    for sets in [
        vec![],
        vec!["rules.sequential-read.min_run=10"],
        vec!["rules.distinct-volume.max_records=50"],
        vec![
            "rules.regularity.enabled=false",
            "rules.off-hours.min_events=5",
        ],
        vec!["rules.rate-peer.factor=1.5"],
        vec!["rules.coordinated.max_records=100"],
        vec!["rules.embargo.enabled=false"],
        vec!["overrides.campaign.sequential-read.min_run=20"],
    ] {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        let config = Config::load(None, &sets).unwrap();
        let full = json(&detect(&s.timelines(), &config, &watchlist).unwrap());
        let fast = json(&redetect(&s.timelines(), &base, &config, &watchlist).unwrap());
        assert_eq!(fast, full, "{sets:?}");
    }
}

/// A group in one /24 that together reads too much, and a watched record
/// opened by someone not allowed: the values a review found surviving
/// `--pseudonymize` (a network in a message, allowed accounts).
fn pseudonym_fixture(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let mut lines = Vec::new();
    let t0 = scrapewatch::time::parse(b"2025-06-03T09:00:00Z", 0).unwrap();
    let mut state = 7u64;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    for m in 0..5u64 {
        let mut t = t0 + m as i64 * 1000;
        for k in 0..100u64 {
            // Interleaved ids with wide gaps: no member reads in order.
            let record = 5000 + (k * 5 + m) * 11;
            t += 30_000 + next(270_000) as i64;
            lines.push(format!(
                "{{\"ts\":\"{}\",\"account\":\"member-{m}\",\"ip\":\"198.51.100.{}\",\"action\":\"read\",\"record\":{record},\"system\":\"membership\",\"user_agent\":\"ua-{m}\"}}",
                scrapewatch::time::format(t),
                10 + m
            ));
        }
    }
    // Enough other identities that five are a small share of all.
    for o in 0..120u64 {
        lines.push(format!(
            "{{\"ts\":\"{}\",\"account\":\"other-{o}\",\"ip\":\"10.{}.{}.1\",\"action\":\"read\",\"record\":{},\"system\":\"membership\"}}",
            scrapewatch::time::format(t0 + o as i64 * 60_000),
            o / 200,
            o % 200,
            90_000 + o
        ));
    }
    lines.push(format!(
        "{{\"ts\":\"{}\",\"account\":\"member-0\",\"ip\":\"198.51.100.10\",\"action\":\"read\",\"record\":\"case-77\",\"system\":\"cases\"}}",
        scrapewatch::time::format(t0 + 3_600_000)
    ));
    let events = dir.join("events.ndjson");
    std::fs::write(&events, lines.join("\n") + "\n").unwrap();
    let watchlist = dir.join("watchlist.csv");
    std::fs::write(
        &watchlist,
        "account,kind,campaign,revoked_at,not_before,system,role\n\
         case-77,record,,,,cases,panel-chair;case-officer-9\n",
    )
    .unwrap();
    (events, watchlist)
}

#[test]
fn pseudonymised_outputs_carry_no_raw_value_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let (events, watchlist) = pseudonym_fixture(dir.path());
    let (events, watchlist) = (events.to_str().unwrap(), watchlist.to_str().unwrap());
    let plain = run(&[
        "scan",
        events,
        "--watchlist",
        watchlist,
        "--output-format",
        "json",
        "-q",
    ]);
    let findings: Vec<serde_json::Value> = String::from_utf8_lossy(&plain.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // The fixture must really produce the findings whose values leaked.
    let shared: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["rule"] == "coordinated")
        .map(|f| &f["evidence"]["shared"])
        .collect();
    assert!(
        shared
            .iter()
            .any(|s| s["kind"] == "network" && s["value"] == "198.51.100.0/24"),
        "{shared:?}"
    );
    assert!(findings.iter().any(|f| f["rule"] == "watched-record"));

    // Every value a typed field names in the plain run.
    let mut raw: BTreeSet<String> = ["198.51.100", "panel-chair", "case-officer-9", "case-77"]
        .map(String::from)
        .into();
    for f in &findings {
        raw.insert(f["identity"].as_str().unwrap().to_string());
        let e = &f["evidence"];
        if let Some(r) = e["records"].as_object() {
            raw.insert(r["first"].as_str().unwrap().to_string());
            raw.insert(r["last"].as_str().unwrap().to_string());
        }
        for c in e["clients"].as_array().unwrap() {
            raw.insert(c["ip"].as_str().unwrap().to_string());
        }
        for a in e["allowed"].as_array().unwrap() {
            raw.insert(a.as_str().unwrap().to_string());
        }
    }
    let key = dir.path().join("key");
    std::fs::write(&key, b"sixteen or more bytes of key").unwrap();
    for format in ["json", "csv", "table", "ocsf", "ecs", "splunk-hec", "cef"] {
        let out = run(&[
            "scan",
            events,
            "--watchlist",
            watchlist,
            "--output-format",
            format,
            "--pseudonymize",
            key.to_str().unwrap(),
            "--show-suppressed",
            "-q",
        ]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("net-"), "{format}: {text}");
        for value in &raw {
            assert!(
                !text.contains(value.as_str()),
                "{format}: {value} in {text}"
            );
        }
    }
}

#[test]
fn finding_ids_are_stable_as_an_episode_grows_and_keyed_when_pseudonymised() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("reads.ndjson");
    let line = |i: i64| {
        format!(
            "{{\"ts\":{},\"account\":\"walker\",\"action\":\"read\",\"record\":{},\"system\":\"membership\"}}\n",
            1_750_000_000 + i * 2,
            1000 + i
        )
    };
    let ids = |n: i64, extra: &[&str]| -> Vec<(String, String)> {
        std::fs::write(&log, (0..n).map(line).collect::<String>()).unwrap();
        let mut args = vec![
            "scan",
            log.to_str().unwrap(),
            "--output-format",
            "json",
            "-q",
        ];
        args.extend(extra);
        let out = run(&args);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                (
                    v["rule"].as_str().unwrap().to_string(),
                    v["id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let short = ids(300, &[]);
    let seq = |v: &[(String, String)]| {
        v.iter()
            .find(|(r, _)| r == "sequential-read")
            .map(|(_, id)| id.clone())
            .expect("a sequential-read finding")
    };
    let id = seq(&short);
    assert_eq!(id.len(), 16);
    // The same episode, grown by 200 more reads: the same id.
    assert_eq!(seq(&ids(500, &[])), id);
    // Pseudonymised: keyed, so not the plain id, and stable for one key.
    let key = dir.path().join("key");
    std::fs::write(&key, b"a key of at least sixteen bytes").unwrap();
    let keyed = seq(&ids(300, &["--pseudonymize", key.to_str().unwrap()]));
    assert_ne!(keyed, id);
    assert_eq!(
        seq(&ids(500, &["--pseudonymize", key.to_str().unwrap()])),
        keyed
    );
}

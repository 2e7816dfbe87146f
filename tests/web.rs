//! The hand-made web-log fixtures in data/fixtures/web (combined log
//! format, identity = ip, default thresholds): each web signal behaves as
//! its file's header says, through every code path and partition.

use crate::util::{data, detect_every_way, run};
use scrapewatch::finding::Severity;
use scrapewatch::watchlist::Watchlist;
use scrapewatch::Config;
use std::collections::BTreeSet;

/// Every active finding of `file` as (identity, rule, severity).
fn findings(file: &str, watchlist: &Watchlist) -> BTreeSet<(String, String, &'static str)> {
    let config = Config::load(None, &["identity.key=ip".into()]).unwrap();
    let path = data("fixtures/web").join(file);
    let (scan, detection) = detect_every_way(&[path], &config, watchlist);
    assert_eq!(scan.summary.rejected_total, 0, "{file}");
    detection
        .active()
        .map(|f| {
            (
                f.identity.clone(),
                f.rule.name().to_string(),
                f.severity.name(),
            )
        })
        .collect()
}

fn set(items: &[(&str, &str, &'static str)]) -> BTreeSet<(String, String, &'static str)> {
    items
        .iter()
        .map(|(i, r, s)| (i.to_string(), r.to_string(), *s))
        .collect()
}

#[test]
fn crawl_burst_and_link_walker_flagged_reader_not() {
    assert_eq!(
        findings("crawl-burst.log", &Watchlist::default()),
        set(&[
            ("203.0.113.10", "crawl", "medium"),
            ("203.0.113.11", "crawl", "medium"),
        ])
    );
}

#[test]
fn distributed_crawl_is_coordinated_readers_are_not() {
    let got = findings("distributed-crawl.log", &Watchlist::default());
    let want: BTreeSet<_> = (10..30)
        .map(|k| (format!("192.0.2.{k}"), "coordinated".to_string(), "high"))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn probing_flagged_a_reader_meeting_missing_pages_not() {
    assert_eq!(
        findings("probing.log", &Watchlist::default()),
        set(&[("198.51.100.66", "probing", "medium")])
    );
}

#[test]
fn server_verdicts_flagged_a_short_throttle_not() {
    assert_eq!(
        findings("verdicts.log", &Watchlist::default()),
        set(&[
            ("203.0.113.40", "server-verdict", "medium"),
            ("203.0.113.41", "server-verdict", "medium"),
        ])
    );
}

#[test]
fn agents_declared_scripted_rotating() {
    assert_eq!(
        findings("agents.log", &Watchlist::default()),
        set(&[
            ("66.249.66.1", "crawl", "info"),
            ("66.249.66.1", "declared-crawler", "info"),
            ("66.249.66.1", "rate-absolute", "info"),
            ("203.0.113.50", "scripted-client", "low"),
            ("203.0.113.51", "agent-rotation", "medium"),
        ])
    );
    // A watchlist pattern names the scripted client's agent, any version.
    let w = Watchlist::parse("account,kind\npython-requests/*,agent\n", "w.csv").unwrap();
    assert!(findings("agents.log", &w).contains(&(
        "203.0.113.50".to_string(),
        "watched-agent".to_string(),
        "high"
    )));
}

#[test]
fn one_large_download_is_not_bulk_many_objects_are() {
    assert_eq!(
        findings("big-download.log", &Watchlist::default()),
        set(&[
            ("203.0.113.90", "byte-volume", "medium"),
            ("203.0.113.90", "scripted-client", "low"),
        ])
    );
}

#[test]
fn slide_deck_images_are_not_a_crawl() {
    assert!(findings("slide-deck.log", &Watchlist::default()).is_empty());
}

#[test]
fn a_declared_crawler_alone_does_not_fail_the_run() {
    // `--fail-on low` fails on the scripted client, never on Googlebot's
    // info findings alone.
    let dir = tempfile::tempdir().unwrap();
    let bot = dir.path().join("bot.log");
    let text = std::fs::read_to_string(data("fixtures/web/agents.log")).unwrap();
    let only_bot: String = text
        .lines()
        .filter(|l| l.starts_with("66.249.66.1 "))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&bot, only_bot).unwrap();
    let scan = |file: &std::path::Path| {
        run(&[
            "scan",
            file.to_str().unwrap(),
            "--set",
            "identity.key=ip",
            "--output-format",
            "json",
            "--fail-on",
            "low",
        ])
    };
    let out = scan(&bot);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!lines.is_empty());
    assert!(lines.iter().all(|f| f["severity"] == "info"), "{lines:?}");
    assert!(
        lines.iter().all(|f| f["score"].as_u64() < Some(30)),
        "{lines:?}"
    );
    // The rule that does not apply to this identity kind is named as off.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("note: shared-credential is off for identity ip"),
        "{stderr}"
    );
    let out = scan(&data("fixtures/web/agents.log"));
    assert_eq!(out.status.code(), Some(1));
    assert!(!Severity::Info.is_alert() && Severity::Low.is_alert());
}

#[test]
fn sweep_of_web_rules_equals_a_full_detection() {
    // The declared-crawler class sets other rules' severity: a sweep that
    // re-runs one rule, or the class itself, must still equal a full run.
    use scrapewatch::detect::{detect, detect_base, redetect};
    use scrapewatch::input::Input;
    use scrapewatch::scan::{scan, Options};
    let base_config = Config::load(None, &["identity.key=ip".into()]).unwrap();
    let inputs: Vec<Input> = ["agents.log", "crawl-burst.log", "distributed-crawl.log"]
        .iter()
        .map(|f| Input::Path(data("fixtures/web").join(f)))
        .collect();
    let s = scan(&base_config, &inputs, &Options::default()).unwrap();
    let watchlist = Watchlist::default();
    let (_, base) = detect_base(&s.timelines(), &base_config, &watchlist).unwrap();
    let json = |d: &scrapewatch::detect::Detection| {
        d.findings
            .iter()
            .map(|f| serde_json::to_string(f).unwrap())
            .collect::<Vec<_>>()
    };
    for sets in [
        vec!["rules.crawl.max_pages=30"],
        vec!["rules.rate-absolute.per_minute=30"],
        vec!["rules.declared-crawler.enabled=false"],
        vec!["rules.declared-crawler.agents=[\"bingbot\"]"],
        vec!["rules.coordinated.long_max_records=3000"],
        vec!["rules.agent-rotation.max_agents=20"],
        vec!["rules.scripted-client.min_requests=100"],
    ] {
        let mut sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        sets.push("identity.key=ip".into());
        let config = Config::load(None, &sets).unwrap();
        let full = json(&detect(&s.timelines(), &config, &watchlist).unwrap());
        let fast = json(&redetect(&s.timelines(), &base, &config, &watchlist).unwrap());
        assert_eq!(fast, full, "{sets:?}");
    }
}

#[test]
fn explain_and_sweep_show_the_web_rules() {
    let log = data("fixtures/web/crawl-burst.log");
    let out = run(&[
        "explain",
        "203.0.113.10",
        log.to_str().unwrap(),
        "--set",
        "identity.key=ip",
        "--json",
        "-",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rule = |r: &str| {
        v["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["rule"] == r)
            .unwrap()
            .clone()
    };
    let crawl = rule("crawl");
    assert_eq!(
        (crawl["fired"].as_u64(), crawl["observed"].as_f64()),
        (Some(1), Some(41.0))
    );
    assert_eq!(crawl["threshold"].as_f64(), Some(41.0));
    let shared = rule("shared-credential");
    assert!(
        shared["note"]
            .as_str()
            .unwrap()
            .starts_with("does not apply to identity ip"),
        "{shared}"
    );
    assert_eq!(rule("probing")["fired"], 0);
    assert_eq!(
        rule("probing")["note"],
        "no request was answered 403 or 404"
    );

    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("sweep.json");
    let out = run(&[
        "sweep",
        log.to_str().unwrap(),
        "--set",
        "identity.key=ip",
        "--param",
        "rules.crawl.max_pages",
        "--values",
        "41,42",
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let rows = rows["rows"].as_array().unwrap();
    let findings = |i: usize| rows[i]["findings"].as_u64().unwrap();
    // At 42 the 41-page burst no longer fires; the link-walker still does.
    assert_eq!((findings(0), findings(1)), (2, 1), "{rows:?}");
}

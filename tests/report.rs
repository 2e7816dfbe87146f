//! The HTML report: self-contained, complete, pseudonymised on request,
//! and rendered by a real browser (headless Chromium).

use crate::util::{data, run};
use std::path::Path;

fn report(out: &Path, extra: &[&str]) -> String {
    let contest = data("contest");
    let mut args = vec![
        "report".to_string(),
        contest.join("events.ndjson.gz").display().to_string(),
        "--watchlist".into(),
        contest.join("watchlist.csv").display().to_string(),
        "--html".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn report_is_self_contained_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.html");
    let html = report(&file, &[]);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o077,
        0
    );
    // Nothing fetched: no scripts, stylesheets, fonts, images or links out.
    for banned in [
        "<script", "<link", "<img", "@import", "url(", "https://", "src=",
    ] {
        assert!(!html.contains(banned), "found {banned}");
    }
    assert_eq!(
        html.matches("http://").count(),
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    // Every active finding (16 identities, fewer than the top 25) and three
    // plots per identity. 49 findings: 38 before the issue-13 rules; the
    // web rules add `scripted-client` on the seven scenario accounts that
    // announce python-requests or curl and `crawl` on the enumerating
    // campaign account; coverage, two-places and export-size each one more,
    // all on identities already flagged.
    assert_eq!(html.matches("class=\"finding\"").count(), 49);
    assert_eq!(html.matches("class=\"identity\"").count(), 16);
    assert_eq!(html.matches("class=\"plot\"").count(), 48);
    assert!(html.contains("camp-rowe-0") && html.contains("enumeration shows as a staircase"));

    let top = report(&file, &["--top", "3"]);
    assert_eq!(top.matches("class=\"identity\"").count(), 3);
    assert!(top.contains("13 more identities with findings are left out"));

    // A sweep's alerts against threshold.
    let contest = data("contest");
    let sweep = dir.path().join("sweep.json");
    let o = run(&[
        "sweep",
        contest.join("events.ndjson.gz").to_str().unwrap(),
        "--watchlist",
        contest.join("watchlist.csv").to_str().unwrap(),
        "--labels",
        contest.join("labels.json").to_str().unwrap(),
        "--param",
        "rules.sequential-read.min_run",
        "--values",
        "10,200,1000",
        "--json",
        sweep.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let with_sweep = report(&file, &["--sweep", sweep.to_str().unwrap()]);
    assert!(with_sweep.contains("Alerts against threshold"));
    assert!(with_sweep.contains("rules.sequential-read.min_run=1000"));
    assert_eq!(with_sweep.matches("class=\"plot\"").count(), 49);

    let key = dir.path().join("key");
    std::fs::write(&key, "a key of thirty-two bytes, k....").unwrap();
    let pseudo = report(&file, &["--pseudonymize", key.to_str().unwrap()]);
    for name in ["camp-rowe", "staff-resigned", "officer-leak", "223457"] {
        assert!(!pseudo.contains(name), "{name} leaked");
    }
    assert_eq!(pseudo.matches("class=\"finding\"").count(), 49);
}

// Ignored by a plain `cargo test`, which lists it as ignored with the
// reason, so a machine without Chromium neither fails nor claims a pass.
// `cargo test -- --include-ignored` runs it (as .ci/run does), and then a
// missing browser is a failure that names it: a test that did not run
// must not pass.
#[test]
#[ignore = "needs chromium: cargo test -- --include-ignored (.ci/run installs it)"]
fn report_renders_in_a_real_browser() {
    let chromium = ["chromium", "chromium-browser"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("chromium (or chromium-browser) is not on PATH: install it (apt-get install chromium) to run this test");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.html");
    report(&file, &[]);
    let url = format!("file://{}", file.display());
    let browser = |extra: &[&str]| {
        let profile = dir.path().join(format!("profile-{}", extra.len()));
        let mut args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--enable-logging=stderr".into(),
            "--v=0".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args.push(url.clone());
        std::process::Command::new(chromium)
            .args(&args)
            .output()
            .unwrap()
    };
    let dom = browser(&["--dump-dom"]);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(
        dom_text.matches("class=\"finding\"").count(),
        49,
        "findings rendered"
    );
    assert_eq!(dom_text.matches("<svg").count(), 48, "plots rendered");
    let stderr = String::from_utf8_lossy(&dom.stderr);
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");
    let png = dir.path().join("r.png");
    let shot = browser(&[
        "--hide-scrollbars",
        "--window-size=1000,1400",
        &format!("--screenshot={}", png.display()),
    ]);
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
        "a real screenshot"
    );
}

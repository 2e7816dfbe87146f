//! The config loader on arbitrary text: everything before a line `#--set`
//! is the config file, each line after it a `--set KEY=VALUE` override.
//! A config that loads must compile into scan rules and per-role rules,
//! and must then scan a small hand-made log mapped and streamed alike,
//! detect, and write every output without a panic: a setting is checked
//! where it is loaded, never by a crash later.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scrapewatch::input::Input;
use scrapewatch::scan::scan;
use scrapewatch::Config;
use scrapewatch_fuzz::{
    check_accounts, detect_and_write, render, sample_log, scratch_file, seed_watchlist, ways,
};
use std::sync::OnceLock;

static SAMPLE: OnceLock<Input> = OnceLock::new();
static WATCHLIST: OnceLock<scrapewatch::watchlist::Watchlist> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let (file, sets) = match data.windows(7).position(|w| w == b"#--set\n") {
        Some(n) => (&data[..n], &data[n + 7..]),
        None => (data, &b""[..]),
    };
    let Ok(sets) = std::str::from_utf8(sets) else {
        return;
    };
    let overrides: Vec<String> = sets.lines().map(str::to_string).collect();
    let path = scratch_file("config.toml", file);
    let Ok(config) = Config::load(Some(&path), &overrides) else {
        return;
    };
    scrapewatch::batch::Rules::new(&config).expect("a loaded config compiles into scan rules");
    for role in config.overrides.keys() {
        config
            .rules_for(role)
            .expect("a loaded config's role rules");
    }

    let sample =
        SAMPLE.get_or_init(|| Input::Path(scratch_file("sample.ndjson", sample_log().as_bytes())));
    let watchlist = WATCHLIST.get_or_init(seed_watchlist);
    let inputs = std::slice::from_ref(sample);
    let ways = ways();
    let mapped = scan(&config, inputs, &ways[0]);
    let streamed = scan(&config, inputs, &ways[4]);
    match (mapped, streamed) {
        (Ok(m), Ok(s)) => {
            check_accounts(&m);
            assert_eq!(render(&m), render(&s), "mapped and streamed differ");
            detect_and_write(&m, &config, watchlist);
        }
        (Err(m), Err(s)) => assert_eq!(m.to_string(), s.to_string()),
        (m, s) => panic!(
            "mapped and streamed differ: {:?} against {:?}",
            m.err().map(|e| e.to_string()),
            s.err().map(|e| e.to_string())
        ),
    }
});

//! The watchlist loader on arbitrary text. A watchlist that loads must
//! then drive detection over a small hand-made log (embargoes, revocations,
//! allowlist, watched records, roles) and every output without a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scrapewatch::input::Input;
use scrapewatch::scan::{scan, Scan};
use scrapewatch::watchlist::Watchlist;
use scrapewatch::Config;
use scrapewatch_fuzz::{detect_and_write, sample_log, scratch_file, ways};
use std::sync::OnceLock;

static SAMPLE: OnceLock<(Config, Scan)> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    // Loading reads the file as UTF-8 first; other bytes never reach the parser.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(watchlist) = Watchlist::parse(text, "fuzz.csv") else {
        return;
    };
    let (config, sample) = SAMPLE.get_or_init(|| {
        let config = Config::default();
        let input = Input::Path(scratch_file("sample.ndjson", sample_log().as_bytes()));
        let sample = scan(&config, &[input], &ways()[0]).expect("the sample scans");
        (config, sample)
    });
    for account in watchlist.roles.keys() {
        let role = watchlist
            .role(account)
            .expect("an account with a role has one");
        config
            .rules_for(role)
            .expect("roles without overrides use the rules");
    }
    detect_and_write(sample, config, &watchlist);
});

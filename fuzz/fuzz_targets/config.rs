//! The config loader on arbitrary text: everything before a line `#--set`
//! is the config file, each line after it a `--set KEY=VALUE` override.
//! A config that loads must compile into scan rules and per-role rules,
//! and must then scan a small hand-made log mapped and streamed alike,
//! detect, and write every output without a panic: a setting is checked
//! where it is loaded, never by a crash later.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scrapewatch::input::Input;
use scrapewatch::Config;
use scrapewatch_fuzz::{detect_and_write, sample_log, scan_two_ways, scratch_file, seed_watchlist};
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
    scrapewatch::batch::Rules::new(
        &config.input,
        scrapewatch::identity::IdentitySpec::parse(&config.identity.key)
            .expect("a loaded config has a valid identity"),
    )
    .expect("a loaded config compiles into scan rules");
    for role in config.overrides.keys() {
        config
            .rules_for(role)
            .expect("a loaded config's role rules");
    }

    // (A window of 0 seconds crashed four rules once: the loader now
    // refuses it, and the corpus keeps the inputs that found it.)
    let sample =
        SAMPLE.get_or_init(|| Input::Path(scratch_file("sample.ndjson", sample_log().as_bytes())));
    let watchlist = WATCHLIST.get_or_init(seed_watchlist);
    if let Ok(scan) = scan_two_ways(&config, std::slice::from_ref(sample), 0) {
        detect_and_write(&scan, &config, watchlist);
    }
});

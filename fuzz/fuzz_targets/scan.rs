//! The whole pipeline on arbitrary bytes: the bytes are one input file,
//! scanned mapped and streamed with several chunk sizes and thread counts
//! (all must agree and every line must be accounted for), then detected
//! and written in every output format and the HTML report. Also scanned
//! with each format forced (a CSV read as CLF must give rejections, not a
//! panic) and with a compound identity key.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scrapewatch::input::Input;
use scrapewatch::Config;
use scrapewatch_fuzz::{detect_and_write, scan_every_way, scratch_file, seed_watchlist};
use std::sync::OnceLock;

static WATCHLIST: OnceLock<scrapewatch::watchlist::Watchlist> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let path = scratch_file("input", data);
    let inputs = [Input::Path(path)];
    let watchlist = WATCHLIST.get_or_init(seed_watchlist);

    let config = Config::default();
    if let Ok(scan) = scan_every_way(&config, &inputs) {
        detect_and_write(&scan, &config, watchlist);
    }

    for set in [
        "input.format=ndjson",
        "input.format=csv",
        "input.format=clf",
        "identity.key=ip/24+user_agent+session",
    ] {
        let config = Config::load(None, &[set.to_string()]).expect("a valid override");
        // Fewer ways here: the full matrix ran above on the same bytes.
        let mapped = scrapewatch::scan::scan(&config, &inputs, &scrapewatch_fuzz::ways()[1]);
        let streamed = scrapewatch::scan::scan(&config, &inputs, &scrapewatch_fuzz::ways()[4]);
        match (&mapped, &streamed) {
            (Ok(m), Ok(s)) => {
                scrapewatch_fuzz::check_accounts(m);
                assert_eq!(
                    scrapewatch_fuzz::render(m),
                    scrapewatch_fuzz::render(s),
                    "mapped and streamed differ with {set}"
                );
            }
            (Err(m), Err(s)) => assert_eq!(m.to_string(), s.to_string(), "with {set}"),
            _ => panic!(
                "mapped and streamed differ with {set}: {:?} against {:?}",
                mapped.as_ref().err().map(|e| e.to_string()),
                streamed.as_ref().err().map(|e| e.to_string())
            ),
        }
        if let Ok(scan) = mapped {
            detect_and_write(&scan, &config, watchlist);
        }
    }
});

//! The whole pipeline on arbitrary bytes: the bytes are one input file,
//! scanned mapped and streamed with several chunk sizes and thread counts
//! (all must agree and every line must be accounted for), then detected
//! and written in every output format and the HTML report. Also scanned
//! with each format forced (a CSV read as CLF must give rejections, not a
//! panic; bytes read as a JSON document, Parquet or Arrow file must give
//! rejections or a clear error) and with a compound identity key.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scrapewatch::input::Input;
use scrapewatch::Config;
use scrapewatch_fuzz::{
    detect_and_write, scan_every_way, scan_two_ways, scratch_file, seed_watchlist,
};
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
        "input.format=w3c",
        "input.format=alb",
        "input.format=zeek-tsv",
        "input.format=json-document",
        "input.format=parquet",
        "input.format=arrow",
        "identity.key=ip/24+user_agent+session",
    ] {
        let config = Config::load(None, &[set.to_string()]).expect("a valid override");
        // Two ways here (one-byte chunks against a stream): the full matrix
        // ran above on the same bytes.
        if let Ok(scan) = scan_two_ways(&config, &inputs, 1) {
            detect_and_write(&scan, &config, watchlist);
        }
    }
    // Presets map other field names, arrays as rows and alternatives.
    for preset in ["salesforce", "dataverse"] {
        let config = Config::load_with(None, Some(preset), &[]).expect("a valid preset");
        if let Ok(scan) = scan_two_ways(&config, &inputs, 1) {
            detect_and_write(&scan, &config, watchlist);
        }
    }
});

//! The CSV/TSV line parser: the first line of the input is the header
//! (which may fail to bind, an error), the rest are records.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scrapewatch::format::{Format, Parser};
use scrapewatch::Config;
use scrapewatch_fuzz::parse_lines;
use std::sync::OnceLock;

static CONFIG: OnceLock<Config> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let config = CONFIG.get_or_init(Config::default);
    let (header, body) = match data.iter().position(|&b| b == b'\n') {
        Some(n) => (&data[..n], &data[n + 1..]),
        None => (data, &b""[..]),
    };
    let header = header.strip_suffix(b"\r").unwrap_or(header);
    if let Ok(parser) = Parser::new(Format::Csv, &config.input, Some(header)) {
        parse_lines(&parser, config, body);
    }
});

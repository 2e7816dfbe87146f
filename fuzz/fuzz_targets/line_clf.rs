//! The combined-log-format line parser, with the default request rules and
//! with a record regex, path-prefix systems and search/export words.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scrapewatch::format::{Format, Parser};
use scrapewatch::Config;
use scrapewatch_fuzz::{config_with, parse_lines};
use std::sync::OnceLock;

static CONFIGS: OnceLock<Vec<Config>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let configs = CONFIGS.get_or_init(|| {
        vec![
            Config::default(),
            config_with(&[
                r"input.clf.record=/members/(\d+)",
                "input.clf.systems./members=membership",
                "input.clf.systems./canvass=canvassing",
                "identity.key=ip/24",
            ]),
        ]
    });
    for config in configs {
        let parser = Parser::new(Format::Clf, &config.input, None).expect("a CLF parser");
        parse_lines(&parser, config, data);
    }
});

//! The NDJSON line parser on arbitrary lines, with the default field names
//! and with dotted (nested) ones, then the batch builder over the lines.

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
                "input.fields.ts=@timestamp",
                "input.fields.account=user.id",
                "input.fields.ip=client.ip",
                "input.fields.record=req.record.id",
                "identity.key=account+ip/24",
            ]),
        ]
    });
    for config in configs {
        let parser = Parser::new(Format::Ndjson, &config.input, None).expect("an NDJSON parser");
        parse_lines(&parser, config, data);
    }
});

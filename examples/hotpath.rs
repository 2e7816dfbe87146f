//! Fixed hot-path workloads for the instruction-count guard
//! (`benches/guard.sh`). Each workload prepares its input (generated with a
//! fixed seed, single-threaded), then runs `measured`, the only function
//! callgrind counts (`--toggle-collect`).
//!
//!   cargo run --release --example hotpath -- WORKLOAD

use scrapewatch::batch::{Batch, Rules};
use scrapewatch::format::{Format, Parser};
use scrapewatch::generate::{self, OutFormat, Params};
use scrapewatch::input::Input;
use scrapewatch::scan::{scan, Options};
use scrapewatch::{detect, watchlist::Watchlist, Config};
use std::hint::black_box;

const EVENTS: u64 = 20_000;

fn generated(dir: &std::path::Path, format: OutFormat) -> std::path::PathBuf {
    let params = Params {
        world: scrapewatch::generate::WorldKind::Contest,
        events: EVENTS,
        seed: 7,
        format,
        start_day: generate::parse_day("2025-06-01").expect("date"),
        days: 14,
        shuffle_minute: false,
    };
    generate::generate(dir, &params).expect("generate");
    dir.join(generate::events_file(format))
}

/// The measured work: parse every line of `body` into a batch.
#[inline(never)]
fn measured_parse(body: &[u8], parser: &Parser, rules: &Rules) -> usize {
    let mut batch = Batch::new();
    batch.add_lines(body, parser, rules, 0);
    batch.events.len()
}

/// The measured work: every detector over a scan.
#[inline(never)]
fn measured_detect(
    scan: &scrapewatch::scan::Scan,
    config: &Config,
    watchlist: &Watchlist,
) -> usize {
    detect::detect(&scan.timelines(), config, watchlist)
        .expect("detect")
        .findings
        .len()
}

fn main() {
    // Mapped input, as the binary reads it.
    scrapewatch::input::install_sigbus_guard();
    let workload = std::env::args().nth(1).unwrap_or_default();
    let dir = std::env::temp_dir().join(format!("scrapewatch-hotpath-{}", std::process::id()));
    let (format, out) = match workload.as_str() {
        "parse-ndjson" | "detect" => (Format::Ndjson, OutFormat::Ndjson),
        "parse-csv" => (Format::Csv, OutFormat::Csv),
        "parse-clf" => (Format::Clf, OutFormat::Clf),
        other => {
            eprintln!("unknown workload `{other}`: parse-ndjson, parse-csv, parse-clf, detect");
            std::process::exit(2);
        }
    };
    let path = generated(&dir, out);
    let config = match out {
        OutFormat::Clf => Config::load(Some(&dir.join("config.toml")), &[]).expect("config"),
        _ => Config::default(),
    };
    let n = if workload == "detect" {
        let options = Options {
            threads: 1,
            ..Options::default()
        };
        let s = scan(&config, &[Input::Path(path)], &options).expect("scan");
        let watchlist = Watchlist::load(&dir.join("watchlist.csv")).expect("watchlist");
        // One thread: the count must not depend on scheduling.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        pool.install(|| measured_detect(&s, &config, &watchlist))
    } else {
        let bytes = std::fs::read(&path).expect("read");
        let identity =
            scrapewatch::identity::IdentitySpec::parse(&config.identity.key).expect("identity");
        let rules = Rules::new(&config.input, identity).expect("rules");
        let (header, body) = if format == Format::Csv {
            let nl = bytes.iter().position(|&b| b == b'\n').expect("header");
            (Some(&bytes[..nl]), &bytes[nl + 1..])
        } else {
            (None, &bytes[..])
        };
        let parser = Parser::new(format, &config.input, header).expect("parser");
        measured_parse(black_box(body), &parser, &rules)
    };
    let _ = std::fs::remove_dir_all(&dir);
    println!("{workload}: {n}");
}

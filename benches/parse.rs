//! Parse throughput per format (GB/s) and the end-to-end scan, on inputs
//! written by the generator with fixed seeds (never committed).
//! `cargo bench --bench parse`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scrapewatch::batch::{Batch, Rules};
use scrapewatch::format::{Format, Parser};
use scrapewatch::generate::{self, OutFormat, Params};
use scrapewatch::input::Input;
use scrapewatch::scan::{scan, Options};
use scrapewatch::Config;
use std::fmt;
use std::path::{Path, PathBuf};

const EVENTS: u64 = 200_000;

struct Param(&'static str, usize);

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}events", self.0, self.1)
    }
}

fn input(dir: &Path, format: OutFormat) -> PathBuf {
    let params = Params {
        events: EVENTS,
        seed: 42,
        format,
        start_day: generate::parse_day("2025-06-01").unwrap(),
        days: 14,
        shuffle_minute: false,
    };
    let sub = dir.join(generate::events_file(format));
    generate::generate(&sub, &params).unwrap();
    sub.join(generate::events_file(format))
}

fn config_for(format: OutFormat, path: &Path) -> Config {
    let config_path = path.parent().unwrap().join("config.toml");
    match format {
        OutFormat::Clf => Config::load(Some(&config_path), &[]).unwrap(),
        _ => Config::default(),
    }
}

fn parse(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("format");
    for (name, out, format) in [
        ("ndjson", OutFormat::Ndjson, Format::Ndjson),
        ("csv", OutFormat::Csv, Format::Csv),
        ("clf", OutFormat::Clf, Format::Clf),
    ] {
        let path = input(dir.path(), out);
        let bytes = std::fs::read(&path).unwrap();
        let config = config_for(out, &path);
        let rules = Rules::new(&config).unwrap();
        let (header, body) = if format == Format::Csv {
            let nl = bytes.iter().position(|&b| b == b'\n').unwrap();
            (Some(&bytes[..nl]), &bytes[nl + 1..])
        } else {
            (None, &bytes[..])
        };
        let parser = Parser::new(format, &config, header).unwrap();
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("parse", Param(name, EVENTS as usize)),
            body,
            |b, body| {
                b.iter(|| {
                    let mut batch = Batch::new();
                    batch.add_lines(body, &parser, &rules, 0);
                    assert_eq!(batch.counts.events, EVENTS);
                    batch.events.len()
                })
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("scan");
    let path = input(dir.path(), OutFormat::Ndjson);
    let len = std::fs::metadata(&path).unwrap().len();
    group.throughput(Throughput::Bytes(len));
    let inputs = [Input::Path(path)];
    group.bench_function(
        BenchmarkId::new("scan", Param("ndjson", EVENTS as usize)),
        |b| {
            b.iter(|| {
                scan(&Config::default(), &inputs, &Options::default())
                    .unwrap()
                    .events
                    .len()
            })
        },
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = parse
}
criterion_main!(benches);

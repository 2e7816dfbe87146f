//! Parse throughput per format (bytes/s): one thread turning every line of
//! a generated file into events (`Batch::add_lines`, the hot path).
//! `cargo bench --bench parse`.

mod common;

use common::{config_for, generated, Param};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scrapewatch::batch::{Batch, Rules};
use scrapewatch::format::{Format, Parser};
use scrapewatch::generate::OutFormat;

const EVENTS: u64 = 200_000;

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("scrapewatch::format");
    for (name, out, format) in [
        ("ndjson", OutFormat::Ndjson, Format::Ndjson),
        ("csv", OutFormat::Csv, Format::Csv),
        ("clf", OutFormat::Clf, Format::Clf),
    ] {
        let path = generated(out, EVENTS);
        let bytes = std::fs::read(&path).unwrap();
        let config = config_for(&path);
        let identity = scrapewatch::identity::IdentitySpec::parse(&config.identity.key).unwrap();
        let rules = Rules::new(&config.input, identity).unwrap();
        let (header, body) = if format == Format::Csv {
            let nl = bytes.iter().position(|&b| b == b'\n').unwrap();
            (Some(&bytes[..nl]), &bytes[nl + 1..])
        } else {
            (None, &bytes[..])
        };
        let parser = Parser::new(format, &config.input, header).unwrap();
        group.throughput(Throughput::Bytes(body.len() as u64));
        let id = Param {
            what: name,
            events: EVENTS,
        };
        group.bench_with_input(BenchmarkId::new("parse", id), body, |b, body| {
            b.iter(|| {
                let mut batch = Batch::new();
                batch.add_lines(body, &parser, &rules, 0);
                assert_eq!(batch.counts.events, EVENTS);
                batch.events.len()
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = parse
}
criterion_main!(benches);

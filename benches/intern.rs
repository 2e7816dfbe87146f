//! Chunking and interning: splitting a mapped file into newline-aligned
//! chunks (chunks/s), interning strings as parsing does, and merging the
//! chunks' tables in input order (strings/s). `cargo bench --bench intern`.

mod common;

use common::{config_for, generated, Param};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scrapewatch::batch::{Batch, IdentitySpec, Rules};
use scrapewatch::event::Tables;
use scrapewatch::format::{Format, Parser};
use scrapewatch::generate::OutFormat;
use scrapewatch::intern::Interner;
use scrapewatch::scan;

const EVENTS: u64 = 1_000_000;

fn chunking(c: &mut Criterion) {
    let path = generated(OutFormat::Ndjson, EVENTS);
    let bytes = std::fs::read(&path).unwrap();
    let mut group = c.benchmark_group("scrapewatch::scan");
    for (what, target) in [("split-1MiB", 1 << 20), ("split-32MiB", 32 << 20)] {
        // Splitting looks only near each cut, so it is counted in chunks/s:
        // its cost grows with the chunks, not the bytes.
        group.throughput(Throughput::Elements(
            scan::split(&bytes, target).len() as u64
        ));
        let id = Param {
            what,
            events: EVENTS,
        };
        group.bench_function(BenchmarkId::new("chunks", id), |b| {
            b.iter(|| scan::split(&bytes, target).len())
        });
    }
    group.finish();
}

fn interning(c: &mut Criterion) {
    let path = generated(OutFormat::Ndjson, EVENTS);
    let bytes = std::fs::read(&path).unwrap();
    let config = config_for(&path);
    let rules = Rules::new(
        &config.input,
        IdentitySpec::parse(&config.identity.key).unwrap(),
    )
    .unwrap();
    let parser = Parser::new(Format::Ndjson, &config.input, None).unwrap();
    // The chunks a 2-thread scan makes (16), parsed once.
    let batches: Vec<Batch> = scan::split(&bytes, bytes.len() / 16 + 1)
        .into_iter()
        .map(|range| {
            let mut batch = Batch::new();
            batch.add_lines(&bytes[range], &parser, &rules, 0);
            batch
        })
        .collect();

    let mut group = c.benchmark_group("scrapewatch::intern");
    // Every event's identity and ip, in log order, as parsing meets them.
    for what in ["identities", "ips"] {
        let strings: Vec<&[u8]> = batches
            .iter()
            .flat_map(|b| {
                b.events.iter().map(move |e| match what {
                    "identities" => b.tables.identities.get(e.identity),
                    _ => b.tables.client_parts(e.client).0,
                })
            })
            .collect();
        group.throughput(Throughput::Elements(strings.len() as u64));
        let id = Param {
            what,
            events: EVENTS,
        };
        group.bench_function(BenchmarkId::new("intern", id), |b| {
            b.iter(|| {
                let mut interner = Interner::new();
                for s in &strings {
                    interner.intern(s);
                }
                interner.len()
            })
        });
    }
    let locals: Vec<&Tables> = batches.iter().map(|b| &b.tables).collect();
    let entries: usize = locals
        .iter()
        .map(|t| t.identities.len() + t.client_count() + t.ips.len() + t.agents.len())
        .sum();
    group.throughput(Throughput::Elements(entries as u64));
    let id = Param {
        what: "16-chunks",
        events: EVENTS,
    };
    group.bench_function(BenchmarkId::new("merge", id), |b| {
        b.iter(|| Tables::merge(&locals).0.client_count())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = chunking, interning
}
criterion_main!(benches);

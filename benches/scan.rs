//! The end-to-end scan (bytes/s) of a generated NDJSON contest: parse and
//! account only, then with every rule. One million events by default (the
//! quick run); `SCRAPEWATCH_BENCH_EVENTS=10000000 cargo bench --bench scan`
//! for the full run.

mod common;

use common::{generated, scan_events, Param};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scrapewatch::detect;
use scrapewatch::generate::OutFormat;
use scrapewatch::input::Input;
use scrapewatch::scan::{scan, Options};
use scrapewatch::watchlist::Watchlist;
use scrapewatch::Config;

fn end_to_end(c: &mut Criterion) {
    scrapewatch::input::install_sigbus_guard();
    let events = scan_events();
    let path = generated(OutFormat::Ndjson, events);
    let watchlist = Watchlist::load(&path.with_file_name("watchlist.csv")).unwrap();
    let len = std::fs::metadata(&path).unwrap().len();
    let inputs = [Input::Path(path)];
    let config = Config::default();
    let mut group = c.benchmark_group("scrapewatch::scan");
    group.throughput(Throughput::Bytes(len));
    for what in ["ndjson-no-detect", "ndjson-all-rules"] {
        group.bench_function(BenchmarkId::new("scan", Param { what, events }), |b| {
            b.iter(|| {
                let scanned = scan(&config, &inputs, &Options::default()).unwrap();
                if what.ends_with("all-rules") {
                    detect::detect(&scanned.timelines(), &config, &watchlist)
                        .unwrap()
                        .findings
                        .len()
                } else {
                    scanned.events.len()
                }
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = end_to_end
}
criterion_main!(benches);

//! Detector families (events/s): each family's rules alone, then all 15,
//! over one scanned, generated contest. `cargo bench --bench detect`.

mod common;

use common::{generated, Param};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scrapewatch::detect;
use scrapewatch::finding::RuleId;
use scrapewatch::generate::OutFormat;
use scrapewatch::input::Input;
use scrapewatch::scan::{scan, Options};
use scrapewatch::watchlist::Watchlist;
use scrapewatch::Config;

const EVENTS: u64 = 1_000_000;

fn families(c: &mut Criterion) {
    scrapewatch::input::install_sigbus_guard();
    let path = generated(OutFormat::Ndjson, EVENTS);
    let watchlist = Watchlist::load(&path.with_file_name("watchlist.csv")).unwrap();
    let scanned = scan(
        &Config::default(),
        &[Input::Path(path.clone())],
        &Options::default(),
    )
    .unwrap();
    let mut group = c.benchmark_group("scrapewatch::detect");
    group.throughput(Throughput::Elements(scanned.events.len() as u64));
    for family in ["bulk-read", "rate", "watchlist", "all"] {
        // Only this family's rules enabled.
        let off: Vec<String> = RuleId::ALL
            .iter()
            .filter(|r| family != "all" && r.family().name() != family)
            .map(|r| format!("rules.{}.enabled=false", r.name()))
            .collect();
        let config = Config::load(None, &off).unwrap();
        let id = Param {
            what: family,
            events: EVENTS,
        };
        group.bench_function(BenchmarkId::new("family", id), |b| {
            b.iter(|| {
                detect::detect(&scanned.timelines(), &config, &watchlist)
                    .unwrap()
                    .findings
                    .len()
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = families
}
criterion_main!(benches);

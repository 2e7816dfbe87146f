//! Converts a flat NDJSON file (as `scrapewatch generate` writes) into
//! Parquet, for the benchmarks: `ts` becomes a timestamp (milliseconds,
//! UTC), keys whose values are all integers Int64 columns, the rest UTF-8
//! strings; row groups of 131,072 rows, zstd.
//!
//! ```sh
//! cargo run --release --example ndjson_to_parquet -- events.ndjson events.parquet
//! ```

use arrow_array::builder::{Int64Builder, StringBuilder, TimestampMillisecondBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use std::io::BufRead;
use std::sync::Arc;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Time,
    Int,
    Text,
}

enum Column {
    Time(TimestampMillisecondBuilder),
    Int(Int64Builder),
    Text(StringBuilder),
}

fn lines(path: &str) -> impl Iterator<Item = serde_json::Map<String, serde_json::Value>> {
    let file = std::io::BufReader::new(std::fs::File::open(path).expect("input"));
    file.lines()
        .map(|l| l.expect("read"))
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(&l).expect("one JSON object per line"))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output] = &args[..] else {
        eprintln!("usage: ndjson_to_parquet IN.ndjson OUT.parquet");
        std::process::exit(2);
    };
    // Pass 1: the columns, in first-seen order, and their types.
    let mut kinds: Vec<(String, Kind)> = Vec::new();
    for line in lines(input) {
        for (key, value) in line {
            let kind = match (key.as_str(), &value) {
                ("ts", _) => Kind::Time,
                (_, v) if v.is_i64() => Kind::Int,
                _ => Kind::Text,
            };
            match kinds.iter_mut().find(|(k, _)| *k == key) {
                Some((_, k)) if *k != kind => *k = Kind::Text,
                Some(_) => {}
                None => kinds.push((key, kind)),
            }
        }
    }
    let new_columns = || -> Vec<Column> {
        kinds
            .iter()
            .map(|(_, k)| match k {
                Kind::Time => Column::Time(TimestampMillisecondBuilder::new().with_timezone("UTC")),
                Kind::Int => Column::Int(Int64Builder::new()),
                Kind::Text => Column::Text(StringBuilder::new()),
            })
            .collect()
    };
    let finish = |columns: Vec<Column>| -> RecordBatch {
        let arrays: Vec<(String, ArrayRef)> = kinds
            .iter()
            .zip(columns)
            .map(|((name, _), c)| {
                let array: ArrayRef = match c {
                    Column::Time(mut b) => Arc::new(b.finish()),
                    Column::Int(mut b) => Arc::new(b.finish()),
                    Column::Text(mut b) => Arc::new(b.finish()),
                };
                (name.clone(), array)
            })
            .collect();
        RecordBatch::try_from_iter(arrays).expect("columns of one length")
    };
    // Pass 2: batches of 65,536 rows.
    let mut writer = None;
    let mut columns = new_columns();
    let mut rows = 0;
    let write = |batch: RecordBatch, writer: &mut Option<parquet::arrow::ArrowWriter<_>>| {
        let w = writer.get_or_insert_with(|| {
            let props = parquet::file::properties::WriterProperties::builder()
                .set_max_row_group_row_count(Some(131_072))
                .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
                .build();
            let file = std::fs::File::create(output).expect("output");
            parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props)).expect("writer")
        });
        w.write(&batch).expect("write");
    };
    for line in lines(input) {
        for ((key, _), column) in kinds.iter().zip(columns.iter_mut()) {
            let value = line.get(key).filter(|v| !v.is_null());
            match column {
                Column::Time(b) => b.append_option(value.map(|v| {
                    let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    scrapewatch::time::parse(text.as_bytes(), 0).expect("a time")
                })),
                Column::Int(b) => b.append_option(value.and_then(|v| v.as_i64())),
                Column::Text(b) => b.append_option(value.map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    v => v.to_string(),
                })),
            }
        }
        rows += 1;
        if rows % 65_536 == 0 {
            write(
                finish(std::mem::replace(&mut columns, new_columns())),
                &mut writer,
            );
        }
    }
    if rows % 65_536 != 0 || writer.is_none() {
        write(finish(columns), &mut writer);
    }
    writer.expect("a writer").close().expect("close");
    eprintln!("{rows} rows written to {output}");
}

//! Columnar inputs: Apache Parquet (row groups read in parallel) and
//! Arrow IPC files (record batches). Each row becomes an event through
//! the same [`Rules`] as a line of text: columns are found by the same
//! field names (`input.fields`, dotted through struct columns), their
//! values handed to the batch builder as text (strings borrowed from the
//! column, numbers and times written into a per-row buffer), so identity,
//! the action vocabulary, the time range and interning are the lines'
//! own. A row is one line of the account; its provenance is `file:row`
//! (rows counted from 1 across the file).
//!
//! Times: a timestamp column of any unit is an instant when it has a time
//! zone; without one it is wall-clock time, shifted by `input.time_offset`
//! like a naive time in text. Dates are midnight. Strings, integers,
//! floats, booleans and binary columns give text; list, map and decimal
//! columns cannot give a field, and a row that needs one is rejected
//! (`column-type`).
//!
//! The file is read whole into memory (Parquet needs its footer first,
//! and reads column chunks anywhere): about its size on disk, far less
//! than the events it holds.

use crate::batch::{Batch, Rules};
use crate::error::{Error, ErrorKind, Result};
use crate::format::settings::InputConfig;
use crate::format::{Field, Parser, Raw, Text};
use crate::tally::Reason;
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, RecordBatch, StructArray};
use arrow_schema::{DataType, TimeUnit};
use rayon::prelude::*;

/// Rows per record batch decoded from Parquet.
#[cfg(feature = "parquet")]
const BATCH_ROWS: usize = 8192;

/// How columns become fields, for one scan.
pub struct Columns<'a> {
    names: [&'a str; Field::ALL.len()],
    /// Minutes east of UTC of zone-less timestamps.
    offset_min: i64,
    parser: &'a Parser,
    rules: &'a Rules,
    file: u32,
}

impl<'a> Columns<'a> {
    /// Columns of `input`'s field names, for events of `file`. `parser`
    /// derives URLs.
    pub fn new(
        input: &'a InputConfig,
        parser: &'a Parser,
        rules: &'a Rules,
        file: u32,
    ) -> Result<Columns<'a>> {
        let offset_min = crate::time::parse_offset(&input.time_offset)
            .ok_or_else(|| Error::config("input.time_offset is invalid"))?;
        Ok(Columns {
            names: input.fields.names(),
            offset_min: offset_min as i64,
            parser,
            rules,
            file,
        })
    }

    /// The top-level columns any field needs (for a Parquet projection).
    #[cfg(feature = "parquet")]
    fn roots(&self, schema: &arrow_schema::Schema) -> Vec<usize> {
        let mut roots: Vec<usize> = self
            .names
            .iter()
            .filter(|n| !n.is_empty())
            .filter_map(|name| {
                schema
                    .index_of(name)
                    .ok()
                    .or_else(|| schema.index_of(name.split('.').next()?).ok())
            })
            .collect();
        roots.sort_unstable();
        roots.dedup();
        roots
    }

    /// The events of one record batch, appended to `batch`.
    pub fn add(&self, batch: &mut Batch, records: &RecordBatch) {
        let leaves: Vec<Option<Leaf>> = self.names.iter().map(|name| find(records, name)).collect();
        let mut arena: Vec<u8> = Vec::with_capacity(256);
        let mut text: Vec<u8> = Vec::with_capacity(256);
        let mut spans: [Option<Span>; Field::ALL.len()] = [None; Field::ALL.len()];
        for row in 0..records.num_rows() {
            arena.clear();
            text.clear();
            let mut parsed = Ok(());
            for (i, leaf) in leaves.iter().enumerate() {
                spans[i] = match leaf {
                    Some(leaf) => match leaf.cell(row, self.offset_min, &mut arena) {
                        Ok(span) => span,
                        Err(()) => {
                            parsed = Err(Reason::ColumnType);
                            None
                        }
                    },
                    None => None,
                };
            }
            // The text an example shows: `name=value` of each field found.
            for (i, span) in spans.iter().enumerate() {
                if let Some(span) = span {
                    if !text.is_empty() {
                        text.push(b' ');
                    }
                    text.extend_from_slice(self.names[i].as_bytes());
                    text.push(b'=');
                    text.extend_from_slice(span.bytes(&arena));
                }
            }
            let mut raw = Raw::default();
            for (field, span) in Field::ALL.iter().zip(&spans) {
                if let Some(span) = span {
                    raw.set(*field, Text::plain(span.bytes(&arena)));
                }
            }
            batch.add_fields(&text, raw, parsed, self.parser, self.rules, self.file);
        }
    }
}

/// A field's bytes in one row: borrowed from the column, or written into
/// the row's buffer.
#[derive(Clone, Copy)]
enum Span<'b> {
    Column(&'b [u8]),
    Arena(usize, usize),
}

impl<'b> Span<'b> {
    fn bytes<'s>(&self, arena: &'s [u8]) -> &'s [u8]
    where
        'b: 's,
    {
        match *self {
            Span::Column(b) => b,
            Span::Arena(from, to) => &arena[from..to],
        }
    }
}

/// One field's column in a record batch, with the struct columns above
/// it (a null parent makes the field absent).
struct Leaf<'b> {
    array: &'b dyn Array,
    parents: Vec<&'b StructArray>,
    /// Of a dictionary column: the dictionary (its nulls) and each row's
    /// index into `array`, its values.
    dictionary: Option<(&'b dyn Array, Vec<usize>)>,
}

impl<'b> Leaf<'b> {
    fn new(array: &'b dyn Array, parents: Vec<&'b StructArray>) -> Leaf<'b> {
        match array.as_any_dictionary_opt() {
            Some(dict) => Leaf {
                array: dict.values().as_ref(),
                parents,
                dictionary: Some((array, dict.normalized_keys())),
            },
            None => Leaf {
                array,
                parents,
                dictionary: None,
            },
        }
    }
}

/// The column of `name`: a top-level column of that name, else the path
/// of its dotted parts through struct columns.
fn find<'b>(records: &'b RecordBatch, name: &str) -> Option<Leaf<'b>> {
    if name.is_empty() {
        return None;
    }
    if let Some(column) = records.column_by_name(name) {
        return Some(Leaf::new(column.as_ref(), Vec::new()));
    }
    let mut parts = name.split('.');
    let mut array: &dyn Array = records.column_by_name(parts.next()?)?.as_ref();
    let mut parents = Vec::new();
    for part in parts {
        let parent = array.as_struct_opt()?;
        parents.push(parent);
        array = parent.column_by_name(part)?.as_ref();
    }
    Some(Leaf::new(array, parents))
}

impl<'b> Leaf<'b> {
    /// The field's value in `row`: `None` when null; `Err` when the
    /// column's type cannot give text.
    fn cell(
        &self,
        row: usize,
        offset_min: i64,
        arena: &mut Vec<u8>,
    ) -> std::result::Result<Option<Span<'b>>, ()> {
        if self.parents.iter().any(|p| p.is_null(row)) {
            return Ok(None);
        }
        match &self.dictionary {
            Some((dict, _)) if dict.is_null(row) => Ok(None),
            Some((_, keys)) => value(self.array, keys[row], offset_min, arena),
            None => value(self.array, row, offset_min, arena),
        }
    }
}

/// The text of `array[row]`.
fn value<'b>(
    array: &'b dyn Array,
    row: usize,
    offset_min: i64,
    arena: &mut Vec<u8>,
) -> std::result::Result<Option<Span<'b>>, ()> {
    use std::io::Write;
    if array.is_null(row) {
        return Ok(None);
    }
    let start = arena.len();
    let written = |arena: &Vec<u8>| Ok(Some(Span::Arena(start, arena.len())));
    macro_rules! number {
        ($t:ty) => {{
            let _ = write!(arena, "{}", array.as_primitive::<$t>().value(row));
            written(arena)
        }};
    }
    macro_rules! time {
        ($t:ty, $to_ms:expr, $zoned:expr) => {{
            let v = array.as_primitive::<$t>().value(row);
            let mut ms: i64 = $to_ms(v);
            if !$zoned {
                ms = ms.saturating_sub(offset_min * 60_000);
            }
            write_time(ms, arena);
            written(arena)
        }};
    }
    match array.data_type() {
        DataType::Utf8 => Ok(Some(Span::Column(
            array.as_string::<i32>().value(row).as_bytes(),
        ))),
        DataType::LargeUtf8 => Ok(Some(Span::Column(
            array.as_string::<i64>().value(row).as_bytes(),
        ))),
        DataType::Utf8View => Ok(Some(Span::Column(
            array.as_string_view().value(row).as_bytes(),
        ))),
        DataType::Binary => Ok(Some(Span::Column(array.as_binary::<i32>().value(row)))),
        DataType::LargeBinary => Ok(Some(Span::Column(array.as_binary::<i64>().value(row)))),
        DataType::BinaryView => Ok(Some(Span::Column(array.as_binary_view().value(row)))),
        DataType::FixedSizeBinary(_) => {
            Ok(Some(Span::Column(array.as_fixed_size_binary().value(row))))
        }
        DataType::Boolean => {
            let b = array.as_boolean().value(row);
            arena.extend_from_slice(if b { b"true" } else { b"false" });
            written(arena)
        }
        DataType::Int8 => number!(Int8Type),
        DataType::Int16 => number!(Int16Type),
        DataType::Int32 => number!(Int32Type),
        DataType::Int64 => number!(Int64Type),
        DataType::UInt8 => number!(UInt8Type),
        DataType::UInt16 => number!(UInt16Type),
        DataType::UInt32 => number!(UInt32Type),
        DataType::UInt64 => number!(UInt64Type),
        DataType::Float32 => number!(Float32Type),
        DataType::Float64 => number!(Float64Type),
        DataType::Timestamp(unit, zone) => {
            let zoned = zone.is_some();
            match unit {
                TimeUnit::Second => {
                    time!(TimestampSecondType, |v: i64| v.saturating_mul(1000), zoned)
                }
                TimeUnit::Millisecond => time!(TimestampMillisecondType, |v: i64| v, zoned),
                TimeUnit::Microsecond => {
                    time!(TimestampMicrosecondType, |v: i64| v.div_euclid(1000), zoned)
                }
                TimeUnit::Nanosecond => time!(
                    TimestampNanosecondType,
                    |v: i64| v.div_euclid(1_000_000),
                    zoned
                ),
            }
        }
        // Dates are calendar days: wall-clock midnight.
        DataType::Date32 => time!(
            Date32Type,
            |v: i32| (v as i64).saturating_mul(86_400_000),
            false
        ),
        DataType::Date64 => time!(Date64Type, |v: i64| v, false),
        _ => Err(()),
    }
}

/// Writes UTC milliseconds as the time parser reads them: `secs.mmm`
/// since the epoch (unambiguous, unlike bare milliseconds), or RFC 3339
/// before 1970.
fn write_time(ms: i64, arena: &mut Vec<u8>) {
    use std::io::Write;
    if ms >= 0 {
        let _ = write!(arena, "{}.{:03}", ms / 1000, ms % 1000);
    } else {
        arena.extend_from_slice(crate::time::format(ms).as_bytes());
    }
}

/// An error naming the file and what is wrong with it.
fn unreadable(name: &str, what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorKind::Data,
        format!("{name}: not a readable {what} file: {e}"),
    )
}

/// Reads a whole Arrow IPC file into batches of events, its record
/// batches converted in parallel.
pub fn read_arrow(bytes: Vec<u8>, name: &str, columns: &Columns) -> Result<Vec<Batch>> {
    let reader = arrow_ipc::reader::FileReader::try_new(std::io::Cursor::new(bytes), None)
        .map_err(|e| unreadable(name, "Arrow IPC", e))?;
    let records = reader
        .collect::<std::result::Result<Vec<RecordBatch>, _>>()
        .map_err(|e| unreadable(name, "Arrow IPC", e))?;
    Ok(records
        .par_iter()
        .map(|r| {
            let mut batch = Batch::new();
            columns.add(&mut batch, r);
            batch.events.shrink_to_fit();
            batch
        })
        .collect())
}

/// Reads a whole Parquet file into batches of events, one per row group,
/// its row groups read in parallel (only the columns the fields name).
#[cfg(feature = "parquet")]
pub fn read_parquet(bytes: Vec<u8>, name: &str, columns: &Columns) -> Result<Vec<Batch>> {
    use parquet::arrow::arrow_reader::{
        ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
    };
    use parquet::arrow::ProjectionMask;
    let bytes = bytes::Bytes::from(bytes);
    let meta = ArrowReaderMetadata::load(&bytes, ArrowReaderOptions::new())
        .map_err(|e| unreadable(name, "Parquet", e))?;
    let roots = columns.roots(meta.schema());
    let groups = meta.metadata().num_row_groups();
    (0..groups)
        .into_par_iter()
        .map(|group| {
            let mask = ProjectionMask::roots(meta.parquet_schema(), roots.iter().copied());
            let reader =
                ParquetRecordBatchReaderBuilder::new_with_metadata(bytes.clone(), meta.clone())
                    .with_row_groups(vec![group])
                    .with_projection(mask)
                    .with_batch_size(BATCH_ROWS)
                    .build()
                    .map_err(|e| unreadable(name, "Parquet", e))?;
            let mut batch = Batch::new();
            for records in reader {
                let records = records
                    .map_err(|e| unreadable(name, "Parquet", format!("row group {group}: {e}")))?;
                columns.add(&mut batch, &records);
            }
            batch.events.shrink_to_fit();
            Ok(batch)
        })
        .collect()
}

/// Without the `parquet` feature: a clear error.
#[cfg(not(feature = "parquet"))]
pub fn read_parquet(_bytes: Vec<u8>, name: &str, _columns: &Columns) -> Result<Vec<Batch>> {
    Err(Error::new(
        ErrorKind::Data,
        format!(
            "{name}: a Parquet file, and this scrapewatch was built without the `parquet` feature"
        ),
    ))
}

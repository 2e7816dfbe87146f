//! Partitioned detection: the same detection as one scan, split by
//! identity so that it can run in separate processes or on separate
//! machines, with findings identical to one scan.
//!
//! ```text
//! partition  scan the inputs once; write each event to bucket
//!            hash(identity string) mod N (Arrow IPC), and write what
//!            every bucket needs: the config, the watchlist, the input
//!            names, the population (peer groups' hours) and each
//!            system's record space, and the scan's line account
//! detect     one bucket: rebuild its timelines, run the per-identity
//!            rules, write its findings and identity profiles
//! merge      every bucket's results: decide the rules that compare
//!            identities from the profiles, load only the timelines
//!            those findings need, then the allowlist and the ranking
//! ```
//!
//! A partition directory holds special-category data: it is created
//! readable by its owner only, and so is every file in it. Its files carry
//! the partition run's id, so a bucket or result from another run, another
//! version or a missing bucket is an error naming the file, never a silent
//! partial result. Buckets are assigned by a stable hash of the identity
//! string, never a process-local symbol.

use crate::config::Config;
use crate::detect::{self, Detection, Population, Profile, RecordSpace};
use crate::error::{Error, ErrorKind, Result};
use crate::event::{Action, Event, Record, Tables};
use crate::finding::{Finding, Message, Part};
use crate::intern::Interner;
use crate::scan::Scan;
use crate::time::Millis;
use crate::timeline::Timelines;
use crate::watchlist::Watchlist;
use arrow_array::builder::{BinaryBuilder, StringBuilder, UInt16Builder, UInt32Builder};
use arrow_array::{
    Array, ArrayRef, BinaryArray, Int64Array, RecordBatch, StringArray, UInt16Array, UInt32Array,
    UInt8Array,
};
use arrow_schema::{DataType, Field, Schema};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The version of the partition directory's layout; `detect` and `merge`
/// refuse a directory of another.
pub const FORMAT_VERSION: u32 = 1;

/// Rows per Arrow record batch in a bucket.
const BATCH_ROWS: usize = 64 * 1024;

/// What a partition run records for the steps after it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// The scrapewatch version that wrote it.
    pub tool_version: String,
    /// Digest of the run's contents: every file of the run carries it.
    pub run: String,
    /// Number of buckets.
    pub buckets: u32,
    /// Input names as given on the command line, indexed by event file.
    pub paths: Vec<String>,
    /// The effective configuration, as TOML.
    pub config: String,
    /// The watchlist (empty when none was given).
    pub watchlist: Watchlist,
    /// Peer groups' active hours over every identity.
    pub population: Population,
    /// Each system's distinct records over every event.
    pub record_space: BTreeMap<String, u64>,
    /// The scan's line account, as `scan --summary-json` writes it.
    pub summary: serde_json::Value,
    /// Inputs that failed, as messages (the run's exit status is 2).
    pub errors: Vec<String>,
    /// Where JSON documents' elements start, for `file:line#n` evidence.
    #[serde(default, skip_serializing_if = "crate::event::Origins::is_empty")]
    pub origins: crate::event::Origins,
}

impl Manifest {
    /// Reads and checks `DIR/partition.json`.
    pub fn read(dir: &Path) -> Result<Manifest> {
        let path = dir.join("partition.json");
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, &e))?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| data(&path, format!("not a partition manifest: {e}")))?;
        if manifest.format_version != FORMAT_VERSION
            || manifest.tool_version != env!("CARGO_PKG_VERSION")
        {
            return Err(data(
                &path,
                format!(
                    "written by scrapewatch {} (layout {}); this is {} (layout {}): partition again",
                    manifest.tool_version,
                    manifest.format_version,
                    env!("CARGO_PKG_VERSION"),
                    FORMAT_VERSION
                ),
            ));
        }
        Ok(manifest)
    }

    /// The configuration and watchlist the run was partitioned with.
    pub fn settings(&self, dir: &Path) -> Result<(Config, Watchlist)> {
        let config: Config = toml::from_str(&self.config)
            .map_err(|e| data(&dir.join("partition.json"), format!("config: {e}")))?;
        Ok((config, self.watchlist.clone()))
    }
}

fn data(path: &Path, why: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Data, format!("{}: {why}", path.display()))
}

/// The bucket of an identity: a stable hash of its name, the same on every
/// machine and in every process.
pub fn bucket_of(identity: &[u8], buckets: u32) -> u32 {
    let hash = blake3::hash(identity);
    let n = u64::from_le_bytes(hash.as_bytes()[..8].try_into().expect("8 bytes"));
    (n % buckets.max(1) as u64) as u32
}

fn bucket_path(dir: &Path, k: u32) -> PathBuf {
    dir.join(format!("bucket-{k:05}.arrow"))
}

fn result_path(dir: &Path, k: u32) -> PathBuf {
    dir.join(format!("detect-{k:05}.json"))
}

/// Creates `dir` (which must not exist, or be empty) readable by its owner
/// only.
fn create_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!(
                        "{}: the partition directory must be new or empty",
                        dir.display()
                    ),
                ));
            }
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| Error::io(dir, &e))
        }
        Err(_) => std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::io(dir, &e)),
    }
}

/// Writes `bytes` to `path` through a new private file renamed into place,
/// so a reader never sees half a file.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("partial");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| Error::io(&tmp, &e))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| Error::io(&tmp, &e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, &e))
}

fn schema(run: &str, bucket: u32) -> Schema {
    let fields = vec![
        Field::new("identity", DataType::Utf8, false),
        Field::new("time", DataType::Int64, false),
        Field::new("ip", DataType::Binary, false),
        Field::new("user_agent", DataType::Binary, false),
        Field::new("session", DataType::Binary, false),
        Field::new("system", DataType::Binary, false),
        Field::new("record_id", DataType::UInt32, true),
        Field::new("record_text", DataType::Binary, true),
        Field::new("action", DataType::UInt8, false),
        Field::new("page", DataType::UInt16, false),
        Field::new("rows", DataType::UInt32, false),
        Field::new("bytes", DataType::UInt32, false),
        Field::new("status", DataType::UInt16, false),
        Field::new("file", DataType::UInt32, false),
        Field::new("line", DataType::UInt32, false),
    ];
    let metadata = HashMap::from([
        ("scrapewatch.run".to_string(), run.to_string()),
        ("scrapewatch.bucket".to_string(), bucket.to_string()),
    ]);
    Schema::new_with_metadata(fields, metadata)
}

fn batch(schema: &Arc<Schema>, events: &[&Event], tables: &Tables) -> Result<RecordBatch> {
    let n = events.len();
    let mut identity = StringBuilder::new();
    let mut ip = BinaryBuilder::new();
    let mut agent = BinaryBuilder::new();
    let mut session = BinaryBuilder::new();
    let mut system = BinaryBuilder::new();
    let mut record_id = UInt32Builder::with_capacity(n);
    let mut record_text = BinaryBuilder::new();
    let mut page = UInt16Builder::with_capacity(n);
    let mut status = UInt16Builder::with_capacity(n);
    for e in events {
        identity.append_value(tables.identities.text(e.identity));
        let (i, a, s) = tables.client_parts(e.client);
        ip.append_value(i);
        agent.append_value(a);
        session.append_value(s);
        system.append_value(tables.systems.get(e.system() as u32));
        record_id.append_option(e.record.as_number());
        match e.record.as_string() {
            Some(sym) => record_text.append_value(tables.records.get(sym)),
            None => record_text.append_null(),
        }
        page.append_value(e.page);
        status.append_value(e.status());
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(identity.finish()),
        Arc::new(Int64Array::from_iter_values(events.iter().map(|e| e.time))),
        Arc::new(ip.finish()),
        Arc::new(agent.finish()),
        Arc::new(session.finish()),
        Arc::new(system.finish()),
        Arc::new(record_id.finish()),
        Arc::new(record_text.finish()),
        Arc::new(UInt8Array::from_iter_values(
            events.iter().map(|e| e.action() as u8),
        )),
        Arc::new(page.finish()),
        Arc::new(UInt32Array::from_iter_values(events.iter().map(|e| e.rows))),
        Arc::new(UInt32Array::from_iter_values(
            events.iter().map(|e| e.bytes),
        )),
        Arc::new(status.finish()),
        Arc::new(UInt32Array::from_iter_values(
            events.iter().map(|e| e.file()),
        )),
        Arc::new(UInt32Array::from_iter_values(events.iter().map(|e| e.line))),
    ];
    RecordBatch::try_new(schema.clone(), columns)
        .map_err(|e| Error::new(ErrorKind::Data, format!("cannot build a bucket batch: {e}")))
}

/// Partitions a scan into `buckets` buckets in `dir`.
pub fn partition(
    dir: &Path,
    scan: &Scan,
    config: &Config,
    watchlist: &Watchlist,
    buckets: u32,
) -> Result<Manifest> {
    if !(1..=65_536).contains(&buckets) {
        return Err(Error::config(format!(
            "--buckets {buckets}: between 1 and 65536 buckets"
        )));
    }
    create_dir(dir)?;
    let tl = scan.timelines();
    let population = Population::of(&tl, watchlist, &config.zone()?);
    let RecordSpace::Known(record_space) = RecordSpace::of(&tl) else {
        unreachable!("RecordSpace::of counts every system")
    };
    let config_toml = toml::to_string(config)
        .map_err(|e| Error::config(format!("cannot write the config: {e}")))?;
    let summary = serde_json::to_value(&scan.summary)
        .map_err(|e| Error::new(ErrorKind::Data, format!("cannot write the summary: {e}")))?;
    let paths = tl.paths.to_vec();
    let watchlist_json = serde_json::to_string(watchlist)
        .map_err(|e| Error::new(ErrorKind::Data, format!("cannot write the watchlist: {e}")))?;
    let mut h = blake3::Hasher::new();
    for part in [
        env!("CARGO_PKG_VERSION"),
        &config_toml,
        &watchlist_json,
        &paths.join("\n"),
        &summary.to_string(),
        &buckets.to_string(),
    ] {
        h.update(part.as_bytes());
        h.update(&[0]);
    }
    let run = h.finalize().to_hex()[..16].to_string();

    // Each bucket's events, in timeline order (so a bucket reads back in
    // order). Identities of one timeline share a bucket.
    let mut by_bucket: Vec<Vec<&Event>> = vec![Vec::new(); buckets as usize];
    for timeline in tl.iter() {
        let k = bucket_of(tl.tables.identities.get(timeline[0].identity), buckets);
        by_bucket[k as usize].extend(timeline);
    }
    use rayon::prelude::*;
    by_bucket
        .par_iter()
        .enumerate()
        .map(|(k, events)| write_bucket(dir, &run, k as u32, events, tl.tables))
        .collect::<Result<Vec<()>>>()?;

    let manifest = Manifest {
        format_version: FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        run,
        buckets,
        paths,
        origins: tl.tables.origins.clone(),
        config: config_toml,
        watchlist: watchlist.clone(),
        population,
        record_space,
        summary,
        errors: scan.errors.iter().map(|e| e.to_string()).collect(),
    };
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::new(ErrorKind::Data, format!("cannot write the manifest: {e}")))?;
    write_private(&dir.join("partition.json"), &json)?;
    Ok(manifest)
}

fn write_bucket(dir: &Path, run: &str, k: u32, events: &[&Event], tables: &Tables) -> Result<()> {
    let path = bucket_path(dir, k);
    let schema = Arc::new(schema(run, k));
    let mut bytes = Vec::new();
    {
        let mut writer = arrow_ipc::writer::FileWriter::try_new(&mut bytes, &schema)
            .map_err(|e| data(&path, e))?;
        for chunk in events.chunks(BATCH_ROWS) {
            writer
                .write(&batch(&schema, chunk, tables)?)
                .map_err(|e| data(&path, e))?;
        }
        writer.finish().map_err(|e| data(&path, e))?;
    }
    write_private(&path, &bytes)
}

/// Events read back from buckets, with their own tables.
pub struct Loaded {
    /// Events sorted into timelines.
    pub events: Vec<Event>,
    /// Their tables; identity symbols sort like names.
    pub tables: Tables,
}

impl Loaded {
    /// The timelines, over the input names of the run.
    pub fn timelines<'a>(&'a self, paths: &'a [String]) -> Timelines<'a> {
        Timelines {
            events: &self.events,
            tables: &self.tables,
            paths,
        }
    }
}

/// Reads bucket `k`, keeping the events of the identities `keep` accepts.
fn read_bucket(
    dir: &Path,
    manifest: &Manifest,
    k: u32,
    keep: &dyn Fn(&str) -> bool,
    out: &mut Vec<RawRow>,
) -> Result<()> {
    let path = bucket_path(dir, k);
    let file = File::open(&path).map_err(|e| Error::io(&path, &e))?;
    let reader = arrow_ipc::reader::FileReader::try_new(file, None)
        .map_err(|e| data(&path, format!("not a bucket of this partition: {e}")))?;
    let meta = reader.schema().metadata().clone();
    if meta.get("scrapewatch.run") != Some(&manifest.run)
        || meta.get("scrapewatch.bucket") != Some(&k.to_string())
    {
        return Err(data(
            &path,
            format!(
                "belongs to another partition run (run {}, bucket {}), not run {} bucket {k}",
                meta.get("scrapewatch.run").map_or("?", |s| s),
                meta.get("scrapewatch.bucket").map_or("?", |s| s),
                manifest.run
            ),
        ));
    }
    let expected = schema(&manifest.run, k);
    for batch in reader {
        let batch = batch.map_err(|e| data(&path, format!("damaged: {e}")))?;
        if batch.schema().fields() != expected.fields() {
            return Err(data(&path, "its columns are not a bucket's"));
        }
        rows(&batch, keep, out).ok_or_else(|| data(&path, "its columns are not a bucket's"))?;
    }
    Ok(())
}

/// One event as read back, before interning.
struct RawRow {
    identity: String,
    time: Millis,
    ip: Vec<u8>,
    agent: Vec<u8>,
    session: Vec<u8>,
    system: Vec<u8>,
    record_id: Option<u32>,
    record_text: Option<Vec<u8>>,
    action: u8,
    page: u16,
    rows: u32,
    bytes: u32,
    status: u16,
    file: u32,
    line: u32,
}

fn rows(batch: &RecordBatch, keep: &dyn Fn(&str) -> bool, out: &mut Vec<RawRow>) -> Option<()> {
    fn col<T: 'static>(b: &RecordBatch, i: usize) -> Option<&T> {
        b.column(i).as_any().downcast_ref::<T>()
    }
    let identity = col::<StringArray>(batch, 0)?;
    let time = col::<Int64Array>(batch, 1)?;
    let ip = col::<BinaryArray>(batch, 2)?;
    let agent = col::<BinaryArray>(batch, 3)?;
    let session = col::<BinaryArray>(batch, 4)?;
    let system = col::<BinaryArray>(batch, 5)?;
    let record_id = col::<UInt32Array>(batch, 6)?;
    let record_text = col::<BinaryArray>(batch, 7)?;
    let action = col::<UInt8Array>(batch, 8)?;
    let page = col::<UInt16Array>(batch, 9)?;
    let rows = col::<UInt32Array>(batch, 10)?;
    let bytes = col::<UInt32Array>(batch, 11)?;
    let status = col::<UInt16Array>(batch, 12)?;
    let file = col::<UInt32Array>(batch, 13)?;
    let line = col::<UInt32Array>(batch, 14)?;
    for i in 0..batch.num_rows() {
        let who = identity.value(i);
        if !keep(who) {
            continue;
        }
        out.push(RawRow {
            identity: who.to_string(),
            time: time.value(i),
            ip: ip.value(i).to_vec(),
            agent: agent.value(i).to_vec(),
            session: session.value(i).to_vec(),
            system: system.value(i).to_vec(),
            record_id: record_id.is_valid(i).then(|| record_id.value(i)),
            record_text: record_text
                .is_valid(i)
                .then(|| record_text.value(i).to_vec()),
            action: action.value(i),
            page: page.value(i),
            rows: rows.value(i),
            bytes: bytes.value(i),
            status: status.value(i),
            file: file.value(i),
            line: line.value(i),
        });
    }
    Some(())
}

/// Interns rows into events and tables, sorted into timelines like a scan:
/// identity symbols in name order, events by (identity, time, file, line).
fn load(rows: Vec<RawRow>, paths: usize) -> Result<Loaded> {
    let names: BTreeSet<&str> = rows.iter().map(|r| r.identity.as_str()).collect();
    let mut tables = Tables::new();
    let mut identities = Interner::default();
    for name in &names {
        identities.intern(name.as_bytes());
    }
    tables.identities = identities;
    let mut events = Vec::with_capacity(rows.len());
    for r in &rows {
        let identity = tables
            .identities
            .get_sym(r.identity.as_bytes())
            .expect("interned above");
        events.push(intern_row(&mut tables, r, paths, identity)?);
    }
    events.sort_unstable_by_key(|e| (e.identity, e.time, e.file(), e.line));
    Ok(Loaded { events, tables })
}

/// One row as an event of `tables`, of the identity symbol `identity`
/// (the row's own identity is not read).
fn intern_row(tables: &mut Tables, r: &RawRow, paths: usize, identity: u32) -> Result<Event> {
    let bad = |why: &str| Error::new(ErrorKind::Data, format!("bucket event: {why}"));
    let action = *Action::ALL
        .get(r.action as usize)
        .ok_or_else(|| bad("unknown action"))?;
    let system = u16::try_from(tables.systems.intern(&r.system))
        .ok()
        .filter(|&s| (s as usize) < Event::MAX_SYSTEMS)
        .ok_or_else(|| bad("too many systems"))?;
    let record = match (&r.record_id, &r.record_text) {
        (Some(n), None) => Record::numeric(*n as u64).ok_or_else(|| bad("record id"))?,
        (None, Some(text)) => Record::string(tables.records.intern(text)),
        (None, None) => Record::NONE,
        (Some(_), Some(_)) => return Err(bad("two records")),
    };
    let file = Some(r.file)
        .filter(|&f| (f as usize) < paths.min(Event::MAX_FILES + 1))
        .ok_or_else(|| bad("file index"))?;
    Ok(Event {
        time: r.time,
        identity,
        client: tables.intern_client(&r.ip, &r.agent, &r.session),
        record,
        rows: r.rows,
        bytes: r.bytes,
        line: r.line,
        page: r.page,
        ..Event::default()
    }
    .with_file(file)
    .with_system(system)
    .with_status(r.status)
    .with_action(action))
}

/// A finding as a bucket's result keeps it: with its message's typed parts
/// and its times in milliseconds, which the output schema does not carry.
#[derive(Serialize, Deserialize)]
struct Kept {
    #[serde(flatten)]
    finding: Finding,
    parts: Vec<Part>,
    start_ms: Millis,
    end_ms: Millis,
}

impl Kept {
    fn new(finding: Finding) -> Kept {
        Kept {
            parts: finding.message.parts().to_vec(),
            start_ms: finding.start_ms,
            end_ms: finding.end_ms,
            finding,
        }
    }

    fn finding(self) -> Finding {
        let mut f = self.finding;
        f.message = Message::from_parts(self.parts);
        f.start_ms = self.start_ms;
        f.end_ms = self.end_ms;
        f
    }
}

/// What `detect` writes for one bucket.
#[derive(Serialize, Deserialize)]
struct BucketResult {
    run: String,
    bucket: u32,
    #[serde(flatten)]
    partial: Partial,
}

/// Runs the per-identity rules over bucket `k` of the partition in `dir`,
/// and writes its findings and profiles there.
pub fn detect_bucket(dir: &Path, k: u32) -> Result<()> {
    let manifest = Manifest::read(dir)?;
    if k >= manifest.buckets {
        return Err(Error::config(format!(
            "--bucket {k}: the partition in {} has buckets 0 to {}",
            dir.display(),
            manifest.buckets - 1
        )));
    }
    let (config, watchlist) = manifest.settings(dir)?;
    let mut raw = Vec::new();
    read_bucket(dir, &manifest, k, &|_| true, &mut raw)?;
    let mut loaded = load(raw, manifest.paths.len())?;
    loaded.tables.origins = manifest.origins.clone();
    let tl = loaded.timelines(&manifest.paths);
    let result = BucketResult {
        run: manifest.run.clone(),
        bucket: k,
        partial: Partial::detect(&tl, &config, &watchlist, &manifest.population)?,
    };
    let json = serde_json::to_vec(&result)
        .map_err(|e| Error::new(ErrorKind::Data, format!("cannot write a result: {e}")))?;
    write_private(&result_path(dir, k), &json)
}

/// What `merge` hands to the outputs: the detection, and the scan's line
/// account and input errors as the partition recorded them.
#[derive(Debug)]
pub struct Merged {
    /// The findings, ranked, as one scan's.
    pub detection: Detection,
    /// The scan's line account (`scan --summary-json`'s `summary`).
    pub summary: serde_json::Value,
    /// Inputs that failed during the partition.
    pub errors: Vec<String>,
}

/// Merges every bucket's results in `dir` into the findings of one scan.
pub fn merge(dir: &Path) -> Result<Merged> {
    let manifest = Manifest::read(dir)?;
    let (config, watchlist) = manifest.settings(dir)?;
    let mut all = Partial::default();
    for k in 0..manifest.buckets {
        let path = result_path(dir, k);
        let text = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => data(
                &path,
                format!(
                    "missing: run `scrapewatch detect {} --bucket {k}`",
                    dir.display()
                ),
            ),
            _ => Error::io(&path, &e),
        })?;
        let result: BucketResult = serde_json::from_slice(&text)
            .map_err(|e| data(&path, format!("not a bucket result: {e}")))?;
        if result.run != manifest.run || result.bucket != k {
            return Err(data(
                &path,
                format!(
                    "belongs to another partition run (run {}, bucket {}), not run {} bucket {k}",
                    result.run, result.bucket, manifest.run
                ),
            ));
        }
        all.add(result.partial);
    }
    let decision = Decision::new(all, &config, &watchlist)?;
    let needed = decision.needed();
    let mut raw = Vec::new();
    if !needed.is_empty() {
        for k in 0..manifest.buckets {
            read_bucket(dir, &manifest, k, &|who| needed.contains(who), &mut raw)?;
        }
    }
    let mut loaded = load(raw, manifest.paths.len())?;
    loaded.tables.origins = manifest.origins.clone();
    let mut detection = decision.finish(
        &loaded,
        &manifest.paths,
        &config,
        &watchlist,
        &manifest.population,
        manifest.record_space.clone(),
    )?;
    // The gaps were found over the whole scan, before partitioning.
    let gaps: crate::gaps::Gaps = manifest
        .summary
        .get("gaps")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| data(&dir.join("partition.json"), format!("gaps: {e}")))?
        .unwrap_or_default();
    crate::gaps::mark(&mut detection.findings, &gaps);
    Ok(Merged {
        detection,
        summary: manifest.summary,
        errors: manifest.errors,
    })
}

// Detection over events an engine moves (Apache Spark through the Python
// package): the same steps as `detect_bucket` and `merge`, with the events
// as Arrow batches in a schema such an engine can carry (no unsigned
// integers), the partial results as bytes, and the steps that need every
// identity (the population, the record space, the events the rules that
// compare identities need) asked of the engine by the caller.

/// The columns of events as an engine moves them: the bucket's columns,
/// with every integer signed (Spark has no unsigned types) and times in
/// milliseconds since the epoch as plain integers (never a timestamp type,
/// which an engine would shift into its session's time zone).
pub fn wire_schema() -> Schema {
    let fields = vec![
        Field::new("identity", DataType::Utf8, false),
        Field::new("time", DataType::Int64, false),
        Field::new("ip", DataType::Binary, false),
        Field::new("user_agent", DataType::Binary, false),
        Field::new("session", DataType::Binary, false),
        Field::new("system", DataType::Binary, false),
        Field::new("record_id", DataType::Int64, true),
        Field::new("record_text", DataType::Binary, true),
        Field::new("action", DataType::Int16, false),
        Field::new("page", DataType::Int32, false),
        Field::new("rows", DataType::Int64, false),
        Field::new("bytes", DataType::Int64, false),
        Field::new("status", DataType::Int32, false),
        Field::new("file", DataType::Int32, false),
        Field::new("line", DataType::Int64, false),
    ];
    Schema::new(fields)
}

/// The events of `tl` as batches of [`wire_schema`], every event's file
/// index replaced by `file` (a scan of one input of many: its events say
/// file 0, the caller knows its place among all inputs).
pub fn wire_batches(tl: &Timelines, file: u32) -> Result<Vec<RecordBatch>> {
    use arrow_array::builder::{Int64Builder, StringBuilder as Names};
    use arrow_array::{Int16Array, Int32Array};
    let schema = Arc::new(wire_schema());
    let tables = tl.tables;
    tl.events
        .chunks(BATCH_ROWS)
        .map(|events| {
            let n = events.len();
            let mut identity = Names::new();
            let mut ip = BinaryBuilder::new();
            let mut agent = BinaryBuilder::new();
            let mut session = BinaryBuilder::new();
            let mut system = BinaryBuilder::new();
            let mut record_id = Int64Builder::with_capacity(n);
            let mut record_text = BinaryBuilder::new();
            for e in events {
                identity.append_value(tables.identities.text(e.identity));
                let (i, a, s) = tables.client_parts(e.client);
                ip.append_value(i);
                agent.append_value(a);
                session.append_value(s);
                system.append_value(tables.systems.get(e.system() as u32));
                record_id.append_option(e.record.as_number().map(i64::from));
                match e.record.as_string() {
                    Some(sym) => record_text.append_value(tables.records.get(sym)),
                    None => record_text.append_null(),
                }
            }
            let columns: Vec<ArrayRef> = vec![
                Arc::new(identity.finish()),
                Arc::new(Int64Array::from_iter_values(events.iter().map(|e| e.time))),
                Arc::new(ip.finish()),
                Arc::new(agent.finish()),
                Arc::new(session.finish()),
                Arc::new(system.finish()),
                Arc::new(record_id.finish()),
                Arc::new(record_text.finish()),
                Arc::new(Int16Array::from_iter_values(
                    events.iter().map(|e| e.action() as i16),
                )),
                Arc::new(Int32Array::from_iter_values(
                    events.iter().map(|e| i32::from(e.page)),
                )),
                Arc::new(Int64Array::from_iter_values(
                    events.iter().map(|e| i64::from(e.rows)),
                )),
                Arc::new(Int64Array::from_iter_values(
                    events.iter().map(|e| i64::from(e.bytes)),
                )),
                Arc::new(Int32Array::from_iter_values(
                    events.iter().map(|e| i32::from(e.status())),
                )),
                Arc::new(Int32Array::from_iter_values(events.iter().map(|_| {
                    // Inputs are at most u16::MAX (`scan` refuses more).
                    file as i32
                }))),
                Arc::new(Int64Array::from_iter_values(
                    events.iter().map(|e| i64::from(e.line)),
                )),
            ];
            RecordBatch::try_new(schema.clone(), columns).map_err(|e| {
                Error::new(ErrorKind::Data, format!("cannot build an event batch: {e}"))
            })
        })
        .collect()
}

/// A column of a wire batch by name, if the batch has it.
fn wire_column<'b>(batch: &'b RecordBatch, name: &str) -> Option<&'b ArrayRef> {
    batch.schema().index_of(name).ok().map(|i| batch.column(i))
}

/// The bytes at row `i` of a string or binary column (an engine may hand
/// either, in 32- or 64-bit offsets); `None` for a null.
fn wire_bytes(col: &ArrayRef, i: usize) -> std::result::Result<Option<&[u8]>, String> {
    use arrow_array::{LargeBinaryArray, LargeStringArray};
    if col.is_null(i) {
        return Ok(None);
    }
    let any = col.as_any();
    if let Some(a) = any.downcast_ref::<StringArray>() {
        Ok(Some(a.value(i).as_bytes()))
    } else if let Some(a) = any.downcast_ref::<LargeStringArray>() {
        Ok(Some(a.value(i).as_bytes()))
    } else if let Some(a) = any.downcast_ref::<BinaryArray>() {
        Ok(Some(a.value(i)))
    } else if let Some(a) = any.downcast_ref::<LargeBinaryArray>() {
        Ok(Some(a.value(i)))
    } else {
        Err(format!("is {}, not text", col.data_type()))
    }
}

/// The integer at row `i` of an integer column of any width; `None` for a
/// null.
fn wire_int(col: &ArrayRef, i: usize) -> std::result::Result<Option<i64>, String> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::*;
    if col.is_null(i) {
        return Ok(None);
    }
    Ok(Some(match col.data_type() {
        DataType::Int8 => col.as_primitive::<Int8Type>().value(i).into(),
        DataType::Int16 => col.as_primitive::<Int16Type>().value(i).into(),
        DataType::Int32 => col.as_primitive::<Int32Type>().value(i).into(),
        DataType::Int64 => col.as_primitive::<Int64Type>().value(i),
        DataType::UInt8 => col.as_primitive::<UInt8Type>().value(i).into(),
        DataType::UInt16 => col.as_primitive::<UInt16Type>().value(i).into(),
        DataType::UInt32 => col.as_primitive::<UInt32Type>().value(i).into(),
        other => return Err(format!("is {other}, not a whole number")),
    }))
}

/// Reads wire batches into rows. A column the batch lacks takes its
/// empty value (a batch of only `identity` and `time` is enough for the
/// population; of only `system` and the record columns for the record
/// space).
fn wire_rows(batch: &RecordBatch, out: &mut Vec<RawRow>) -> Result<()> {
    let bad = |name: &str, why: String| {
        Error::new(
            ErrorKind::Data,
            format!("event batch: column `{name}` {why}"),
        )
    };
    let text = |name: &str, i: usize| -> Result<Option<Vec<u8>>> {
        match wire_column(batch, name) {
            Some(c) => Ok(wire_bytes(c, i)
                .map_err(|why| bad(name, why))?
                .map(<[u8]>::to_vec)),
            None => Ok(None),
        }
    };
    fn int<T: TryFrom<i64>>(
        batch: &RecordBatch,
        name: &str,
        i: usize,
    ) -> std::result::Result<Option<T>, String> {
        match wire_column(batch, name) {
            Some(c) => match wire_int(c, i)? {
                Some(v) => T::try_from(v)
                    .map(Some)
                    .map_err(|_| format!("holds {v}, out of range")),
                None => Ok(None),
            },
            None => Ok(None),
        }
    }
    for i in 0..batch.num_rows() {
        let num = |name: &str| -> Result<Option<u32>> {
            int::<u32>(batch, name, i).map_err(|why| bad(name, why))
        };
        let identity = text("identity", i)?.unwrap_or_default();
        out.push(RawRow {
            identity: String::from_utf8(identity)
                .map_err(|_| bad("identity", "is not UTF-8".into()))?,
            time: int::<i64>(batch, "time", i)
                .map_err(|why| bad("time", why))?
                .unwrap_or(0),
            ip: text("ip", i)?.unwrap_or_default(),
            agent: text("user_agent", i)?.unwrap_or_default(),
            session: text("session", i)?.unwrap_or_default(),
            system: text("system", i)?.unwrap_or_default(),
            record_id: num("record_id")?,
            record_text: text("record_text", i)?,
            action: int::<u8>(batch, "action", i)
                .map_err(|why| bad("action", why))?
                .unwrap_or(0),
            page: int::<u16>(batch, "page", i)
                .map_err(|why| bad("page", why))?
                .unwrap_or(0),
            rows: num("rows")?.unwrap_or(0),
            bytes: num("bytes")?.unwrap_or(0),
            status: int::<u16>(batch, "status", i)
                .map_err(|why| bad("status", why))?
                .unwrap_or(0),
            file: num("file")?.unwrap_or(0),
            line: num("line")?.unwrap_or(0),
        });
    }
    Ok(())
}

/// Events read from wire batches (in any row order: an engine keeps
/// none), over `paths` inputs. Rows are put in timeline order before
/// their strings are interned, so the tables come out as a bucket's
/// whatever order the engine delivered them in.
pub fn load_wire(batches: &[RecordBatch], paths: usize) -> Result<Loaded> {
    let mut raw = Vec::new();
    for batch in batches {
        wire_rows(batch, &mut raw)?;
    }
    raw.sort_unstable_by(|a, b| {
        (&a.identity, a.time, a.file, a.line)
            .cmp(&(&b.identity, b.time, b.file, b.line))
            .then_with(|| {
                (
                    &a.ip,
                    &a.agent,
                    &a.session,
                    &a.system,
                    a.record_id,
                    &a.record_text,
                )
                    .cmp(&(
                        &b.ip,
                        &b.agent,
                        &b.session,
                        &b.system,
                        b.record_id,
                        &b.record_text,
                    ))
            })
            .then_with(|| {
                (a.action, a.page, a.rows, a.bytes, a.status)
                    .cmp(&(b.action, b.page, b.rows, b.bytes, b.status))
            })
    });
    load(raw, paths.max(1))
}

/// The population of the identities in `loaded` (peer groups' active
/// hours). Populations of disjoint sets of identities add up with
/// [`add_population`] to the population of all.
pub fn population_of(
    loaded: &Loaded,
    config: &Config,
    watchlist: &Watchlist,
) -> Result<Population> {
    let paths = [String::new()];
    Ok(Population::of(
        &loaded.timelines(&paths),
        watchlist,
        &config.zone()?,
    ))
}

/// Adds the population of other identities to `total`.
pub fn add_population(total: &mut Population, part: Population) {
    for (group, (n, hours)) in part.hours {
        let entry = total.hours.entry(group).or_insert((0, [0; 24]));
        entry.0 += n;
        for (sum, h) in entry.1.iter_mut().zip(hours) {
            *sum += h;
        }
    }
    for (group, days) in part.days {
        let entry = total.days.entry(group).or_default();
        for (day, n) in days {
            *entry.entry(day).or_insert(0) += n;
        }
    }
}

/// Each system's distinct records among the events in `loaded` (which
/// need only `system` and the record columns: hand it every distinct
/// record of the systems wanted).
pub fn record_space_of(loaded: &Loaded) -> BTreeMap<String, u64> {
    let paths = [String::new()];
    let RecordSpace::Known(space) = RecordSpace::of(&loaded.timelines(&paths)) else {
        unreachable!("RecordSpace::of counts every system")
    };
    space
}

/// The per-identity half of detection over some identities: their
/// findings (with their messages' typed parts) and profiles. Partials of
/// disjoint sets of identities add up; [`Decision`] turns their sum into
/// the findings of one scan.
#[derive(Default, Serialize, Deserialize)]
pub struct Partial {
    findings: Vec<Kept>,
    profiles: Vec<Profile>,
}

impl Partial {
    /// Runs the per-identity rules over the timelines of `tl`, with the
    /// population of every identity.
    pub fn detect(
        tl: &Timelines,
        config: &Config,
        watchlist: &Watchlist,
        population: &Population,
    ) -> Result<Partial> {
        let (findings, profiles) = detect::per_identity(tl, config, watchlist, population)?;
        Ok(Partial {
            findings: findings.into_iter().flatten().map(Kept::new).collect(),
            profiles,
        })
    }

    /// Adds the partial result of other identities.
    pub fn add(&mut self, other: Partial) {
        self.findings.extend(other.findings);
        self.profiles.extend(other.profiles);
    }

    /// As bytes, to move between processes.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        serde_json::to_vec(self)
            .map_err(|e| Error::new(ErrorKind::Data, format!("cannot write a result: {e}")))
    }

    /// Read back from [`Partial::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Partial> {
        serde_json::from_slice(bytes)
            .map_err(|e| Error::new(ErrorKind::Data, format!("not a partial result: {e}")))
    }
}

/// The rules that compare identities, decided from every identity's
/// profile; what they still need of the events is named by
/// [`Decision::needed`] and [`Decision::systems`].
pub struct Decision {
    findings: Vec<Finding>,
    profiles: Vec<Profile>,
    decided: detect::Decided,
}

impl Decision {
    /// Decides from the sum of every identity's partial result.
    pub fn new(all: Partial, config: &Config, watchlist: &Watchlist) -> Result<Decision> {
        let mut profiles = all.profiles;
        // Identity order, as one scan's timelines are.
        profiles.sort_by(|a, b| a.identity.cmp(&b.identity));
        let decided = detect::decide(config, watchlist, &profiles, true, true)?;
        Ok(Decision {
            findings: all.findings.into_iter().map(Kept::finding).collect(),
            profiles,
            decided,
        })
    }

    /// The identities whose events [`Decision::finish`] needs.
    pub fn needed(&self) -> BTreeSet<String> {
        self.decided
            .needed()
            .into_iter()
            .map(|i| self.profiles[i].identity.clone())
            .collect()
    }

    /// The systems whose record space (see [`record_space_of`]) the
    /// findings report a share of.
    pub fn systems(&self) -> BTreeSet<String> {
        self.findings
            .iter()
            .filter(|f| f.rule == crate::finding::RuleId::DistinctVolume)
            .filter_map(|f| f.evidence.system.clone())
            .collect()
    }

    /// The findings of one scan, ranked: `needed` holds (at least) the
    /// events of [`Decision::needed`] over the inputs `paths`, and
    /// `record_space` the record space of (at least) [`Decision::systems`].
    pub fn finish(
        mut self,
        needed: &Loaded,
        paths: &[String],
        config: &Config,
        watchlist: &Watchlist,
        population: &Population,
        record_space: BTreeMap<String, u64>,
    ) -> Result<Detection> {
        let tl = needed.timelines(paths);
        Profile::locate(&mut self.profiles, &tl);
        let mut findings = self.findings;
        findings.extend(detect::cross(
            &tl,
            config,
            watchlist,
            &mut self.profiles,
            &self.decided,
        )?);
        let space = RecordSpace::Known(record_space);
        Ok(detect::finish(&tl, watchlist, &space, population, findings))
    }
}

/// Events streamed in from wire batches grouped by identity (an engine's
/// partition sorted by identity), held one identity at a time as compact
/// events (never as Arrow rows), so that one identity with very many
/// events costs its compact events, not its rows. Each identity, once
/// its last row has passed, is handed on as [`Loaded`], exactly as
/// [`load_wire`] would have loaded it.
pub struct Streamed {
    paths: usize,
    current: Option<String>,
    events: Vec<Event>,
    tables: Tables,
}

impl Streamed {
    /// A stream of events over `paths` inputs.
    pub fn new(paths: usize) -> Streamed {
        Streamed {
            paths: paths.max(1),
            current: None,
            events: Vec::new(),
            tables: Tables::new(),
        }
    }

    /// Adds a batch; `done` gets each identity whose rows have all passed
    /// (rows of one identity must arrive together, in any order). An
    /// identity seen again after another is an error: its input was not
    /// grouped.
    pub fn push(
        &mut self,
        batch: &RecordBatch,
        done: &mut dyn FnMut(Loaded) -> Result<()>,
    ) -> Result<()> {
        let mut rows = Vec::new();
        // Rows are read a slice at a time so that only a few are ever
        // held as rows.
        const SLICE: usize = 1024;
        let mut at = 0;
        while at < batch.num_rows() {
            let len = SLICE.min(batch.num_rows() - at);
            rows.clear();
            wire_rows(&batch.slice(at, len), &mut rows)?;
            for r in &rows {
                if self.current.as_deref() != Some(r.identity.as_str()) {
                    self.flush(done)?;
                    self.current = Some(r.identity.clone());
                    self.tables.identities.intern(r.identity.as_bytes());
                }
                // The one identity held is symbol 0.
                let e = intern_row(&mut self.tables, r, self.paths, 0)?;
                self.events.push(e);
            }
            at += len;
        }
        Ok(())
    }

    /// Hands on the last identity.
    pub fn finish(mut self, done: &mut dyn FnMut(Loaded) -> Result<()>) -> Result<()> {
        self.flush(done)
    }

    /// Hands on the identity held: its events re-interned in the order
    /// [`load_wire`] puts rows in, so that its tables (and so anything
    /// that follows symbol order) are the same as if loaded at once.
    fn flush(&mut self, done: &mut dyn FnMut(Loaded) -> Result<()>) -> Result<()> {
        let Some(identity) = self.current.take() else {
            return Ok(());
        };
        let mut events = std::mem::take(&mut self.events);
        let old = std::mem::replace(&mut self.tables, Tables::new());
        let key = |e: &Event| {
            let (ip, agent, session) = old.client_parts(e.client);
            (
                (e.time, e.file(), e.line),
                (ip, agent, session, old.systems.get(e.system() as u32)),
                (
                    e.record.as_number(),
                    e.record.as_string().map(|s| old.records.get(s)),
                ),
                (e.action() as u8, e.page, e.rows, e.bytes, e.status()),
            )
        };
        events.sort_unstable_by(|a, b| key(a).cmp(&key(b)));
        let mut tables = Tables::new();
        tables.identities.intern(identity.as_bytes());
        let mut out = Vec::with_capacity(events.len());
        for e in &events {
            let (ip, agent, session) = old.client_parts(e.client);
            let row = RawRow {
                identity: String::new(),
                time: e.time,
                ip: ip.to_vec(),
                agent: agent.to_vec(),
                session: session.to_vec(),
                system: old.systems.get(e.system() as u32).to_vec(),
                record_id: e.record.as_number(),
                record_text: e.record.as_string().map(|s| old.records.get(s).to_vec()),
                action: e.action() as u8,
                page: e.page,
                rows: e.rows,
                bytes: e.bytes,
                status: e.status(),
                file: e.file(),
                line: e.line,
            };
            out.push(intern_row(&mut tables, &row, self.paths, 0)?);
        }
        drop(events);
        drop(old);
        out.sort_unstable_by_key(|e| (e.identity, e.time, e.file(), e.line));
        done(Loaded {
            events: out,
            tables,
        })
    }
}

// Gaps in the logs over events an engine moves. `gaps::find` judges each
// file and each system over all of its event times, given the logs' first
// and last event and the number of systems. An engine gathers those three
// first (an aggregation by system: one row per system), then shuffles one
// row per event and source (`file`, `system`, `time`) by source, sorted by
// time within it, and streams each partition through a [`GapStream`],
// which holds one source's times at a time (each distinct time at most
// twice, see [`crate::gaps::Times`]) and judges it with
// [`crate::gaps::judge_source`], the code `find` runs. The streams'
// results are merged on the driver in the order `find` adds sources.
// The cost: one source's distinct times, 8 bytes each (up to three times
// that while the vector grows), in one task; a system that logs across
// every file is the largest source.
//
// Why whole sources rather than summaries of slices of time merged
// later: a source's verdict rests on its habits (the hours and weekdays
// it logs in, from all of its days) and on the upper quartile of its
// daily longest quiet stretches measured in those hours, so no slice can
// measure its own stretches before every other slice is seen; a
// mergeable form would need a second pass and its own code for what
// `judge_source` does. Judging each source whole, with that very
// function, is exact by construction.

/// A source of gaps as an engine names it: a file by its index among the
/// inputs, a system by the bytes of its name. Ordered as
/// [`crate::gaps::find`] judges them: files by index, then systems by name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum GapSource {
    /// An input file.
    File(u32),
    /// A system (empty: events that name none).
    System(Vec<u8>),
}

impl std::fmt::Display for GapSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GapSource::File(i) => write!(f, "input {i}"),
            GapSource::System(s) => write!(f, "system `{}`", String::from_utf8_lossy(s)),
        }
    }
}

/// One partition of per-source event times, each source's rows together
/// (sorted by time within it, so that repeated times cost nothing; any
/// order is exact): rows with columns `file` (the input's index, or null
/// for a row of a system), `system` (a system's name; read only when
/// `file` is null) and `time` (milliseconds). Each source is judged once
/// its rows have passed.
pub struct GapStream {
    paths: Vec<String>,
    logs: crate::gaps::Logs,
    config: crate::config::GapsConfig,
    current: Option<GapSource>,
    times: crate::gaps::Times,
    judged: Vec<(GapSource, crate::gaps::Gaps)>,
    seen: BTreeSet<GapSource>,
    largest: usize,
}

impl GapStream {
    /// A stream over the inputs `paths`, judged against `logs`.
    pub fn new(
        paths: Vec<String>,
        logs: crate::gaps::Logs,
        config: crate::config::GapsConfig,
    ) -> GapStream {
        GapStream {
            paths,
            logs,
            config,
            current: None,
            times: crate::gaps::Times::default(),
            judged: Vec::new(),
            seen: BTreeSet::new(),
            largest: 0,
        }
    }

    /// Adds a batch of rows. A source seen again after another is an
    /// error (its rows were not together), never half a judgement.
    pub fn push(&mut self, batch: &RecordBatch) -> Result<()> {
        let bad = |name: &str, why: String| {
            Error::new(
                ErrorKind::Data,
                format!("source batch: column `{name}` {why}"),
            )
        };
        let column =
            |name: &str| wire_column(batch, name).ok_or_else(|| bad(name, "is missing".into()));
        let (file, system, time) = (column("file")?, column("system")?, column("time")?);
        for i in 0..batch.num_rows() {
            let t = wire_int(time, i)
                .map_err(|why| bad("time", why))?
                .ok_or_else(|| bad("time", "holds a null".into()))?;
            let f = wire_int(file, i).map_err(|why| bad("file", why))?;
            let same = match (&self.current, f) {
                (Some(GapSource::File(c)), Some(f)) => i64::from(*c) == f,
                (Some(GapSource::System(c)), None) => {
                    let s = wire_bytes(system, i).map_err(|why| bad("system", why))?;
                    c.as_slice() == s.unwrap_or_default()
                }
                _ => false,
            };
            if !same {
                let source = match f {
                    Some(f) => GapSource::File(
                        u32::try_from(f)
                            .map_err(|_| bad("file", format!("holds {f}, not an input's index")))?,
                    ),
                    None => GapSource::System(
                        wire_bytes(system, i)
                            .map_err(|why| bad("system", why))?
                            .unwrap_or_default()
                            .to_vec(),
                    ),
                };
                self.judge()?;
                if !self.seen.insert(source.clone()) {
                    return Err(Error::new(
                        ErrorKind::Data,
                        format!("source batch: the rows of {source} are not together"),
                    ));
                }
                self.current = Some(source);
            }
            self.times.push(t);
        }
        Ok(())
    }

    /// Judges the last source; the partition's result, as bytes for
    /// [`gaps_of_streams`].
    pub fn finish(mut self) -> Result<Vec<u8>> {
        self.judge()?;
        serde_json::to_vec(&self.judged)
            .map_err(|e| Error::new(ErrorKind::Data, format!("cannot encode gaps: {e}")))
    }

    /// The most times of one source held at once.
    pub fn largest_source(&self) -> usize {
        self.largest.max(self.times.len())
    }

    fn judge(&mut self) -> Result<()> {
        let Some(source) = self.current.take() else {
            return Ok(());
        };
        let mut times = std::mem::take(&mut self.times);
        self.largest = self.largest.max(times.len());
        let (kind, name) = match &source {
            GapSource::File(i) => {
                let name = self.paths.get(*i as usize).ok_or_else(|| {
                    Error::new(
                        ErrorKind::Data,
                        format!(
                            "source batch: file index {i}, of {} inputs",
                            self.paths.len()
                        ),
                    )
                })?;
                (crate::gaps::Source::File, name.clone())
            }
            GapSource::System(s) => (
                crate::gaps::Source::System,
                String::from_utf8_lossy(s).into_owned(),
            ),
        };
        let gaps =
            crate::gaps::judge_source(kind, &name, times.as_mut_slice(), &self.logs, &self.config);
        self.judged.push((source, gaps));
        Ok(())
    }
}

/// The gaps of the logs from every [`GapStream`]'s result: what
/// [`crate::gaps::find`] gives over the same events, provided each source
/// was judged in one stream (a source judged twice is an error).
pub fn gaps_of_streams(parts: &[Vec<u8>]) -> Result<crate::gaps::Gaps> {
    let mut all: Vec<(GapSource, crate::gaps::Gaps)> = Vec::new();
    for part in parts {
        let judged: Vec<(GapSource, crate::gaps::Gaps)> = serde_json::from_slice(part)
            .map_err(|e| Error::new(ErrorKind::Data, format!("not the gaps of a stream: {e}")))?;
        all.extend(judged);
    }
    all.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(w) = all.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(Error::new(
            ErrorKind::Data,
            format!(
                "{:?} was judged in two streams: its rows were split",
                w[0].0
            ),
        ));
    }
    let mut gaps = crate::gaps::Gaps::default();
    for (_, g) in all {
        gaps.add(g);
    }
    gaps.sort();
    Ok(gaps)
}

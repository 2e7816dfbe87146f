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
        system.append_value(tables.systems.get(e.system as u32));
        record_id.append_option(e.record.as_number());
        match e.record.as_string() {
            Some(sym) => record_text.append_value(tables.records.get(sym)),
            None => record_text.append_null(),
        }
        page.append_value(e.page);
        status.append_value(e.status);
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
            events.iter().map(|e| e.action as u8),
        )),
        Arc::new(page.finish()),
        Arc::new(UInt32Array::from_iter_values(events.iter().map(|e| e.rows))),
        Arc::new(UInt32Array::from_iter_values(
            events.iter().map(|e| e.bytes),
        )),
        Arc::new(status.finish()),
        Arc::new(UInt32Array::from_iter_values(
            events.iter().map(|e| e.file as u32),
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
    let population = Population::of(&tl, watchlist);
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
        let bad = |why: &str| Error::new(ErrorKind::Data, format!("bucket event: {why}"));
        let action = *Action::ALL
            .get(r.action as usize)
            .ok_or_else(|| bad("unknown action"))?;
        let system = u8::try_from(tables.systems.intern(&r.system))
            .map_err(|_| bad("more than 256 systems"))?;
        let record = match (&r.record_id, &r.record_text) {
            (Some(n), None) => Record::numeric(*n as u64).ok_or_else(|| bad("record id"))?,
            (None, Some(text)) => Record::string(tables.records.intern(text)),
            (None, None) => Record::NONE,
            (Some(_), Some(_)) => return Err(bad("two records")),
        };
        let file = u16::try_from(r.file)
            .ok()
            .filter(|&f| (f as usize) < paths)
            .ok_or_else(|| bad("file index"))?;
        events.push(Event {
            time: r.time,
            identity: tables
                .identities
                .get_sym(r.identity.as_bytes())
                .expect("interned above"),
            client: tables.intern_client(&r.ip, &r.agent, &r.session),
            record,
            rows: r.rows,
            bytes: r.bytes,
            line: r.line,
            file,
            status: r.status,
            page: r.page,
            system,
            action,
        });
    }
    events.sort_unstable_by_key(|e| (e.identity, e.time, e.file, e.line));
    Ok(Loaded { events, tables })
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
    findings: Vec<Kept>,
    profiles: Vec<Profile>,
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
    let (findings, profiles) =
        detect::per_identity(&tl, &config, &watchlist, &manifest.population)?;
    let result = BucketResult {
        run: manifest.run.clone(),
        bucket: k,
        findings: findings.into_iter().flatten().map(Kept::new).collect(),
        profiles,
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
    let mut findings = Vec::new();
    let mut profiles = Vec::new();
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
        findings.extend(result.findings.into_iter().map(Kept::finding));
        profiles.extend(result.profiles);
    }
    // Identity order, as one scan's timelines are.
    profiles.sort_by(|a, b| a.identity.cmp(&b.identity));
    let decided = detect::decide(&config, &watchlist, &profiles, true, true)?;
    let needed: BTreeSet<&str> = decided
        .needed()
        .into_iter()
        .map(|i| profiles[i].identity.as_str())
        .collect();
    let mut raw = Vec::new();
    if !needed.is_empty() {
        for k in 0..manifest.buckets {
            read_bucket(dir, &manifest, k, &|who| needed.contains(who), &mut raw)?;
        }
    }
    let mut loaded = load(raw, manifest.paths.len())?;
    loaded.tables.origins = manifest.origins.clone();
    let tl = loaded.timelines(&manifest.paths);
    Profile::locate(&mut profiles, &tl);
    findings.extend(detect::cross(
        &tl,
        &config,
        &watchlist,
        &mut profiles,
        &decided,
    )?);
    let space = RecordSpace::Known(manifest.record_space.clone());
    let mut detection = detect::finish(&tl, &watchlist, &space, &manifest.population, findings);
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

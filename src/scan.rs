//! The scan driver: the one place that knows the whole pipeline. It opens
//! each input, decides its format, splits mapped files into newline-aligned
//! chunks parsed in parallel (streams are parsed buffer by buffer), merges
//! the chunk tables in input order, and sorts the events into per-identity
//! timelines. The result does not depend on thread count, chunk size, or
//! whether inputs were mapped or streamed.

use crate::batch::{Batch, Rules};
use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::event::{Event, Record, Tables};
use crate::format::w3c;
use crate::format::{
    is_comment, sniff, trim, Format, Kind, Parser, Wrapper, SNIFF_BYTES, SNIFF_LINES,
};
use crate::identity::IdentitySpec;
use crate::input::{Change, Extent, Input, Source};
use crate::summary::{FileSummary, Summary};
use crate::tally::{Counts, Example, Examples, Note};
use crate::time::Millis;
use rayon::prelude::*;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

/// The default [`Options::map_from`]: the smallest chunk of a mapped file.
pub const MAP_FROM: u64 = 1 << 20;

/// How a scan runs (not what it finds: that is the [`Config`]).
#[derive(Debug, Clone)]
pub struct Options {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Target bytes per chunk of a mapped file, and the read size of
    /// streams; 0 picks one from the input size and thread count.
    pub chunk_size: usize,
    /// Map regular files (else stream everything).
    pub mmap: bool,
    /// With `mmap`, the smallest file that is mapped; smaller ones are
    /// read. A file under one chunk (a megabyte) gains no parallelism from
    /// a map, and every map costs system calls and, when it is unmapped, a
    /// TLB flush on every core: a scan of many small files spent a quarter
    /// of its time there.
    pub map_from: u64,
    /// Stop at the first rejected line.
    pub strict: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            threads: 0,
            chunk_size: 0,
            mmap: true,
            map_from: MAP_FROM,
            strict: false,
        }
    }
}

/// What a scan produced: events sorted into timelines, their tables, and
/// the account of every line.
pub struct Scan {
    /// Events sorted by (identity, time, file, line): each identity's
    /// timeline is one contiguous run.
    pub events: Vec<Event>,
    /// The strings events point into; identity symbols sort like names.
    pub tables: Tables,
    /// Names of the inputs, indexed by `Event::file`.
    pub paths: Vec<String>,
    /// The line account.
    pub summary: Summary,
    /// Inputs that failed (unreadable, truncated, changed while mapped).
    pub errors: Vec<Error>,
    /// Wall seconds of each stage, in order (for `scan --timings`).
    pub phases: Vec<(&'static str, f64)>,
}

impl Scan {
    /// The timelines: each identity's events in time order, for
    /// detection.
    pub fn timelines(&self) -> crate::timeline::Timelines<'_> {
        crate::timeline::Timelines {
            events: &self.events,
            tables: &self.tables,
            paths: &self.paths,
        }
    }
}

/// Bytes scanned so far, for a progress display.
pub static PROGRESS: AtomicU64 = AtomicU64::new(0);

/// Scans `inputs`.
pub fn scan(config: &Config, inputs: &[Input], options: &Options) -> Result<Scan> {
    if inputs.len() > Event::MAX_FILES {
        return Err(Error::config(format!(
            "{} inputs: at most {} can be scanned at once",
            inputs.len(),
            Event::MAX_FILES
        )));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        .build()
        .map_err(|e| Error::config(format!("cannot start threads: {e}")))?;
    pool.install(|| scan_in_pool(config, inputs, options))
}

fn scan_in_pool(config: &Config, inputs: &[Input], options: &Options) -> Result<Scan> {
    let rules = Rules::new(&config.input, IdentitySpec::parse(&config.identity.key)?)?;
    let forced = Format::from_name(&config.input.format);
    let sources = config
        .input
        .sources
        .iter()
        .map(|s| SourceRule::new(s, config))
        .collect::<Result<Vec<_>>>()?;
    let auto = Auto::all(config)?;
    let mut phases = Phases::start();
    let files: Vec<FileRead> = inputs
        .par_iter()
        .enumerate()
        .map(|(i, input)| {
            // The first source whose pattern matches the path as given
            // sets the file's format and settings; `--format`
            // (input.format other than auto) wins over its format. A file
            // no source matches may be recognised by its keys.
            let name = input.name();
            let source = sources.iter().find(|s| s.pattern.matches(&name));
            let format = forced.or_else(|| source.and_then(|s| s.format));
            let (config, rules, auto) = match source {
                Some(SourceRule {
                    own: Some((c, r)), ..
                }) => (c, r, &[][..]),
                Some(_) => (config, &rules, &[][..]),
                None => (config, &rules, &auto[..]),
            };
            let mut read = read_file(i as u32, input, config, format, rules, auto, options);
            if read.preset.is_none() {
                read.preset = source.and_then(|s| s.preset);
            }
            read
        })
        .collect();

    let mut errors = Vec::new();
    let mut summaries = Vec::with_capacity(files.len());
    let mut all_examples = Examples::default();
    let mut all_notes = Examples::<Note>::default();
    let mut batches = Vec::new();
    let mut origins = crate::event::Origins::default();
    for (index, (input, mut file)) in inputs.iter().zip(files).enumerate() {
        let path = input.name();
        let mut counts = Counts {
            bytes: file.bytes,
            ..Counts::default()
        };
        let mut base = 0u64;
        let mut file_examples = Examples::default();
        let mut file_notes = Examples::<Note>::default();
        for mut batch in file.batches.drain(..) {
            counts += &batch.counts;
            let lines = batch.counts.lines;
            batch.examples.locate(base, &path);
            file_examples.extend(std::mem::take(&mut batch.examples));
            batch.notes.locate(base, &path);
            file_notes.extend(std::mem::take(&mut batch.notes));
            batches.push((base, batch));
            base += lines;
        }
        let mut text_lines = None;
        if let Some((starts, lines)) = file.elements.take() {
            // A JSON document's lines of the account are its elements:
            // their examples say `line#n`, and so will their evidence.
            file_examples.place_elements(&starts);
            file_notes.place_elements(&starts);
            origins.insert(index as u32, starts);
            text_lines = Some(lines);
        }
        all_notes.extend(file_notes);
        if file.error.is_none() && counts.events == 0 && counts.data_lines() > 0 {
            file.error = Some(no_events(&path, &counts, file_examples.first()));
        }
        all_examples.extend(file_examples);
        if let Some(e) = &file.error {
            errors.push(e.clone());
        }
        let mut summary =
            FileSummary::new(path, file.format, counts, file.error.map(|e| e.to_string()));
        summary.grew = file.grew;
        summary.preset = file.preset;
        summary.text_lines = text_lines;
        summaries.push(summary);
    }

    if options.strict {
        if let Some(first) = all_examples.first() {
            return Err(Error::new(
                ErrorKind::Strict,
                format!(
                    "{}: {}: {}",
                    first.place(),
                    first.reason.describe(),
                    first.excerpt
                ),
            ));
        }
    }

    phases.end("read and parse");
    let (mut events, mut tables) = merge(batches, &mut phases)?;
    tables.origins = origins;
    let paths: Vec<String> = inputs.iter().map(Input::name).collect();
    // Gaps are found while the events are still in input order: each
    // source's times then come in runs, which its sort merges cheaply.
    let gaps = crate::gaps::find(
        &crate::timeline::Timelines {
            events: &events,
            tables: &tables,
            paths: &paths,
        },
        &config.gaps,
    );
    phases.end("gaps");
    sort_timelines(&mut events);
    phases.end("sort timelines");
    let mut summary = Summary::new(
        summaries,
        all_examples,
        all_notes,
        &events,
        &tables,
        config.input.max_rejected_share,
    );
    summary.gaps = gaps;
    phases.end("summary");
    Ok(Scan {
        events,
        tables,
        paths,
        summary,
        errors,
        phases: phases.done,
    })
}

/// An `[[input.sources]]` entry, compiled.
struct SourceRule {
    pattern: glob::Pattern,
    format: Option<Format>,
    preset: Option<&'static str>,
    /// The settings and line rules of its preset, if it names one.
    own: Option<(Config, Rules)>,
}

impl SourceRule {
    fn new(s: &crate::config::SourceConfig, config: &Config) -> Result<SourceRule> {
        let pattern = glob::Pattern::new(&s.pattern)
            .map_err(|e| Error::config(format!("input.sources: `{}`: {e}", s.pattern)))?;
        let own = match &s.input {
            Some(input) => {
                let own = Config {
                    input: (**input).clone(),
                    ..config.clone()
                };
                let rules = Rules::new(&own.input, IdentitySpec::parse(&own.identity.key)?)?;
                Some((own, rules))
            }
            None => None,
        };
        let format = match s.format.as_str() {
            "" => own
                .as_ref()
                .and_then(|(c, _)| Format::from_name(&c.input.format)),
            name => Some(Format::from_name(name).ok_or_else(|| {
                Error::config(format!("input.sources: `{name}` is not a format"))
            })?),
        };
        let preset = crate::format::preset::find(&s.preset).map(|p| p.name);
        Ok(SourceRule {
            pattern,
            format,
            preset,
            own,
        })
    }
}

/// A preset a file may be recognised as by its keys when the scan names
/// no format, preset or field mapping (see
/// [`crate::format::preset::recognise`]).
pub struct Auto {
    preset: &'static str,
    config: Config,
    rules: Rules,
}

impl Auto {
    /// The recognisable presets, none when the configuration names a
    /// format or maps a field (the user said what the files hold).
    fn all(config: &Config) -> Result<Vec<Auto>> {
        if config.input.format != "auto" || config.input.fields != Default::default() {
            return Ok(Vec::new());
        }
        crate::format::preset::RECOGNISED
            .iter()
            .map(|name| {
                let config = config.with_preset(name)?;
                let rules = Rules::new(&config.input, IdentitySpec::parse(&config.identity.key)?)?;
                Ok(Auto {
                    preset: name,
                    config,
                    rules,
                })
            })
            .collect()
    }
}

/// Drops a UTF-8 byte-order mark from the start of a stream, once enough
/// of it is buffered to tell (three bytes, or the whole stream).
fn strip_bom(buf: &mut Vec<u8>, checked: &mut bool, at_end: bool) {
    if !*checked && (buf.len() >= 3 || at_end) {
        *checked = true;
        if buf.starts_with(b"\xEF\xBB\xBF") {
            buf.drain(..3);
        }
    }
}

/// The error of a file whose non-blank lines gave no event at all: a
/// wrong format or field mapping must not read as "no findings".
fn no_events(path: &str, counts: &Counts, first: Option<&Example>) -> Error {
    let mut message = format!(
        "{path}: none of its {} non-blank lines gave an event",
        counts.data_lines()
    );
    if let Some(ex) = first {
        message += &format!(" (first: {}: {})", ex.place(), ex.reason.describe());
    }
    message += "; check --format and the input.fields mapping";
    Error::new(ErrorKind::Data, message)
}

/// Wall time of each stage, for `--timings`.
pub struct Phases {
    mark: std::time::Instant,
    /// The stages ended so far, with their seconds.
    pub done: Vec<(&'static str, f64)>,
}

impl Phases {
    /// Starts timing the first stage.
    pub fn start() -> Phases {
        Phases {
            mark: std::time::Instant::now(),
            done: Vec::new(),
        }
    }

    /// Ends the stage under way as `name` and starts the next.
    pub fn end(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        self.done.push((name, (now - self.mark).as_secs_f64()));
        self.mark = now;
    }
}

/// One input's batches in order, with its format and any error.
struct FileRead {
    batches: Vec<Batch>,
    format: Option<Format>,
    /// Bytes scanned: 0 when no line could be read (the format could not
    /// be told), so unread files do not count in totals and rates.
    bytes: u64,
    /// Bytes the file holds beyond those scanned, when it grew while
    /// scanned: the unfinished last line at its size at open, and what
    /// was appended after.
    grew: Option<u64>,
    error: Option<Error>,
    /// The preset it was read with, when one was chosen for it.
    preset: Option<&'static str>,
    /// Of a JSON document: the line each element starts on, and the lines
    /// of text it spans.
    elements: Option<(Vec<u32>, u64)>,
}

impl FileRead {
    fn new() -> FileRead {
        FileRead {
            preset: None,
            batches: Vec::new(),
            format: None,
            bytes: 0,
            grew: None,
            error: None,
            elements: None,
        }
    }
}

fn read_file(
    index: u32,
    input: &Input,
    config: &Config,
    forced: Option<Format>,
    rules: &Rules,
    auto: &[Auto],
    options: &Options,
) -> FileRead {
    let key = &config.input.document_key;
    // Record formats (JSON documents, Parquet, Arrow) are told by a
    // file's first bytes, before any line is looked at: a CloudTrail
    // document is often one line longer than the line limit.
    let records = |head: &[u8]| {
        forced
            .or_else(|| Format::detect_records(head, key))
            .filter(|f| f.is_records())
    };
    match Source::open(input, options.mmap.then_some(options.map_from)) {
        Err(e) => FileRead {
            error: Some(e),
            ..FileRead::new()
        },
        Ok(Source::Mapped(map)) => match records(&map.bytes()[..map.bytes().len().min(HEAD)]) {
            Some(Format::JsonDocument) => {
                read_document_mapped(index, input, &map, config, rules, options)
            }
            Some(format) => {
                let mut read =
                    read_columnar(index, input, format, map.bytes().to_vec(), config, rules);
                if read.error.is_none() {
                    let len = map.bytes().len() as u64;
                    read.error = map.change().error(&input.name(), len, len);
                }
                read
            }
            None => read_mapped(index, input, &map, config, forced, rules, auto, options),
        },
        Ok(Source::Stream(mut reader, extent)) => {
            let mut head = Vec::with_capacity(HEAD);
            if let Err(e) = (&mut reader).take(HEAD as u64).read_to_end(&mut head) {
                return FileRead {
                    error: Some(Error::new(
                        ErrorKind::Io,
                        format!("{}: read failed at its start: {e}", input.name()),
                    )),
                    ..FileRead::new()
                };
            }
            let format = records(&head);
            let reader: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(head).chain(reader));
            match format {
                Some(Format::JsonDocument) => read_document_stream(
                    index,
                    input,
                    reader,
                    extent.as_ref(),
                    config,
                    rules,
                    options,
                ),
                Some(format) => {
                    let mut bytes = Vec::new();
                    let mut reader = reader;
                    if let Err(e) = reader.read_to_end(&mut bytes) {
                        return FileRead {
                            error: Some(Error::new(
                                ErrorKind::Io,
                                format!("{}: read failed: {e}", input.name()),
                            )),
                            ..FileRead::new()
                        };
                    }
                    PROGRESS.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                    read_columnar(index, input, format, bytes, config, rules)
                }
                None => read_stream(
                    index,
                    input,
                    reader,
                    extent.as_ref(),
                    config,
                    forced,
                    rules,
                    auto,
                    options,
                ),
            }
        }
    }
}

/// Bytes at a file's start that tell a record format.
const HEAD: usize = 4096;

/// Reads a whole Parquet or Arrow file.
fn read_columnar(
    index: u32,
    input: &Input,
    format: Format,
    bytes: Vec<u8>,
    config: &Config,
    rules: &Rules,
) -> FileRead {
    let mut read = FileRead {
        format: Some(format),
        bytes: bytes.len() as u64,
        ..FileRead::new()
    };
    let parser = match Parser::new(format, &config.input, None) {
        Ok(p) => p,
        Err(e) => {
            read.error = Some(Error::new(ErrorKind::Data, e));
            return read;
        }
    };
    let name = input.name();
    let result =
        crate::columnar::Columns::new(&config.input, &parser, rules, index).and_then(|columns| {
            match format {
                Format::Parquet => crate::columnar::read_parquet(bytes, &name, &columns),
                _ => crate::columnar::read_arrow(bytes, &name, &columns),
            }
        });
    match result {
        Ok(batches) => read.batches = batches,
        Err(e) => {
            read.error = Some(e);
            read.bytes = 0;
        }
    }
    read
}

/// The elements found so far (and any break) added to batches: each
/// element one line of the account, in order.
fn add_found(
    batch: &mut Batch,
    found: &crate::format::jsondoc::Found,
    element: &[u8],
    parser: &Parser,
    rules: &Rules,
    index: u32,
) {
    use crate::format::jsondoc::Found;
    match found {
        Found::Element { .. } => batch.add_element(element, parser, rules, index),
        Found::Broken { excerpt, .. } => {
            batch.reject_unit(excerpt, crate::tally::Reason::DocumentBroken, index)
        }
    }
}

fn found_line(found: &crate::format::jsondoc::Found) -> u32 {
    use crate::format::jsondoc::Found;
    let line = match found {
        Found::Element { line, .. } | Found::Broken { line, .. } => *line,
    };
    line.min(u32::MAX as u64) as u32
}

/// Reads a mapped JSON document: its elements found in one pass over the
/// map, then parsed in parallel, chunk by chunk.
fn read_document_mapped(
    index: u32,
    input: &Input,
    map: &crate::input::Map,
    config: &Config,
    rules: &Rules,
    options: &Options,
) -> FileRead {
    use crate::format::jsondoc::{Found, Splitter};
    let bytes = map.bytes();
    let mut read = FileRead {
        format: Some(Format::JsonDocument),
        bytes: bytes.len() as u64,
        ..FileRead::new()
    };
    let parser = match Parser::new(Format::JsonDocument, &config.input, None) {
        Ok(p) => p,
        Err(e) => {
            read.error = Some(Error::new(ErrorKind::Data, e));
            return read;
        }
    };
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut splitter = Splitter::new(&config.input.document_key);
    let mut found = Vec::new();
    splitter.feed(body, &mut found);
    splitter.finish(&mut found);
    let starts = found.iter().map(found_line).collect();
    read.elements = Some((starts, splitter.lines()));
    // Chunks of elements of about the chunk size.
    let target = chunk_size(options, body.len());
    let mut chunks: Vec<&[Found]> = Vec::new();
    let mut from = 0;
    let mut size = 0;
    for (i, f) in found.iter().enumerate() {
        if let Found::Element { start, end, .. } = f {
            size += (end - start) as usize;
        }
        if size >= target {
            chunks.push(&found[from..=i]);
            (from, size) = (i + 1, 0);
        }
    }
    chunks.push(&found[from..]);
    read.batches = chunks
        .into_par_iter()
        .map(|chunk| {
            let mut b = Batch::new();
            for f in chunk {
                let element = match f {
                    Found::Element { start, end, .. } => &body[*start as usize..*end as usize],
                    Found::Broken { .. } => &[],
                };
                add_found(&mut b, f, element, &parser, rules, index);
            }
            b.seal();
            b
        })
        .collect();
    PROGRESS.fetch_add(bytes.len() as u64, Ordering::Relaxed);
    let len = bytes.len() as u64;
    let change = map.change();
    read.error = change.error(&input.name(), len, len);
    if let Change::Grew(more) = change {
        read.grew = Some(more);
    }
    read
}

/// Streams a JSON document: the buffer holds the element under way, and
/// no more of an element over the line limit than its excerpt needs.
fn read_document_stream(
    index: u32,
    input: &Input,
    mut reader: Box<dyn Read + Send>,
    extent: Option<&Extent>,
    config: &Config,
    rules: &Rules,
    options: &Options,
) -> FileRead {
    use crate::format::jsondoc::{Found, Splitter};
    let mut read = FileRead {
        format: Some(Format::JsonDocument),
        ..FileRead::new()
    };
    let parser = match Parser::new(Format::JsonDocument, &config.input, None) {
        Ok(p) => p,
        Err(e) => {
            read.error = Some(Error::new(ErrorKind::Data, e));
            return read;
        }
    };
    let block = match options.chunk_size {
        0 => 1 << 20,
        n => n.clamp(4096, 1 << 24),
    };
    let give_up = rules.max_line().max(crate::tally::EXCERPT_BYTES) + 1;
    let mut splitter = Splitter::new(&config.input.document_key);
    let mut found = Vec::new();
    let mut starts = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    // Stream offset (after any byte-order mark) of buf[0], and of the
    // first byte not yet fed.
    let mut base = 0u64;
    let mut fed = 0u64;
    // An element over the limit, dropped as it streams: its start and
    // its first bytes.
    let mut dropped: Option<(u64, Vec<u8>)> = None;
    let mut at_end = false;
    let mut bom_checked = false;
    let mut batch = Batch::new();
    loop {
        if let Err(e) = fill(&mut reader, &mut buf, block, &mut at_end, &mut read.bytes) {
            read.error = Some(Error::new(
                ErrorKind::Io,
                format!(
                    "{}: read failed after {} bytes: {e} (the elements before it are counted)",
                    input.name(),
                    read.bytes
                ),
            ));
        }
        strip_bom(&mut buf, &mut bom_checked, at_end);
        if !bom_checked {
            continue;
        }
        splitter.feed(&buf[(fed - base) as usize..], &mut found);
        fed = base + buf.len() as u64;
        if at_end {
            splitter.finish(&mut found);
        }
        for f in found.drain(..) {
            starts.push(found_line(&f));
            let saved;
            let element: &[u8] = match &f {
                Found::Element { start, .. } if dropped.as_ref().is_some_and(|d| d.0 == *start) => {
                    saved = dropped.take().map(|d| d.1).unwrap_or_default();
                    &saved
                }
                Found::Element { start, end, .. } => {
                    &buf[(start - base) as usize..(end - base) as usize]
                }
                Found::Broken { .. } => &[],
            };
            add_found(&mut batch, &f, element, &parser, rules, index);
        }
        if at_end {
            break;
        }
        let keep_from = match splitter.pending() {
            Some(_) if dropped.is_some() => fed,
            Some(start) if fed - start > give_up as u64 => {
                let from = (start - base) as usize;
                dropped = Some((start, buf[from..from + give_up].to_vec()));
                fed
            }
            Some(start) => start,
            None => fed,
        };
        buf.drain(..(keep_from - base) as usize);
        base = keep_from;
        if batch.events.len() >= 1 << 16 {
            batch.seal();
            read.batches
                .push(std::mem::replace(&mut batch, Batch::new()));
        }
    }
    read.batches.push(batch);
    read.elements = Some((starts, splitter.lines()));
    if let (None, Some(extent)) = (&read.error, extent) {
        let change = extent.change(read.bytes);
        read.error = change.error(&input.name(), extent.len(), read.bytes);
        if let Change::Grew(more) = change {
            read.grew = Some(more);
        }
    }
    read
}

/// Where a file's data starts, and what it holds: the first data line
/// (not blank, not a comment, within the line limit) is the header of a
/// CSV file, and it and the data lines after it, up to [`SNIFF_LINES`]
/// within [`SNIFF_BYTES`] of its end, decide the format. Lines before it
/// are counted by the first batch like any others.
struct Prelude<'a> {
    /// Length of the byte-order mark, if any.
    bom: usize,
    /// Offset of the first data line.
    start: usize,
    /// Offset just past the first data line's line end.
    end: usize,
    /// The first data line, without its line end; `None` when there is
    /// none.
    first: Option<&'a [u8]>,
    /// The data lines that decide the format, the first among them.
    sample: Vec<&'a [u8]>,
    /// The W3C and Zeek directives (`#Fields:`, `#fields`, `#Date:`)
    /// before the first data line, in order.
    directives: Vec<&'a [u8]>,
}

/// Why [`prelude`] needs more bytes.
#[derive(Debug, PartialEq, Eq)]
enum Pending {
    /// No data line is complete yet.
    First,
    /// The first data line is complete, the sniffing window not yet.
    Window,
}

/// The next line of `bytes` from `pos` (complete lines only unless
/// `at_end`): the line without its line ends, and the offset after it.
fn line_at(bytes: &[u8], pos: usize, at_end: bool) -> Option<(&[u8], usize)> {
    let rest = &bytes[pos..];
    let (line, next) = match memchr::memchr(b'\n', rest) {
        Some(n) => (&rest[..n], pos + n + 1),
        None if at_end && !rest.is_empty() => (rest, bytes.len()),
        None => return None,
    };
    Some((line.strip_suffix(b"\r").unwrap_or(line), next))
}

/// Whether a line is data for the sniffer: not blank, not a comment,
/// within the limit, no NUL.
fn is_data(line: &[u8], max_line: usize) -> bool {
    !(trim(line).is_empty()
        || line.len() > max_line
        || is_comment(line)
        || memchr::memchr(0, line).is_some())
}

/// Finds the first data line and the sniffing sample (complete lines only
/// unless `at_end`), after a byte-order mark if `skip_bom` and there is one
/// (a stream strips its own, once).
fn prelude(
    bytes: &[u8],
    at_end: bool,
    max_line: usize,
    skip_bom: bool,
) -> std::result::Result<Prelude<'_>, Pending> {
    let bom = if skip_bom && bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut pos = bom;
    let mut directives = Vec::new();
    let (start, end, first) = loop {
        match line_at(bytes, pos, at_end) {
            Some((line, next)) if is_data(line, max_line) => break (pos, next, line),
            Some((line, next)) => {
                if w3c::is_directive(line) {
                    directives.push(line);
                }
                pos = next
            }
            None if at_end => {
                return Ok(Prelude {
                    bom,
                    start: bytes.len(),
                    end: bytes.len(),
                    first: None,
                    sample: Vec::new(),
                    directives,
                })
            }
            None => return Err(Pending::First),
        }
    };
    let mut sample = vec![first];
    let limit = end + SNIFF_BYTES;
    let mut pos = end;
    while sample.len() < SNIFF_LINES {
        match line_at(bytes, pos, at_end) {
            Some((_, next)) if next > limit => break,
            Some((line, next)) => {
                if is_data(line, max_line) {
                    sample.push(line);
                }
                pos = next;
            }
            None if at_end || bytes.len() >= limit => break,
            None => return Err(Pending::Window),
        }
    }
    Ok(Prelude {
        bom,
        start,
        end,
        first: Some(first),
        sample,
        directives,
    })
}

/// Decides the format and wrapper, and builds the parser, from the
/// prelude. A file with no data line gets the NDJSON parser, which none of
/// its lines (blank, comments or over-long) will reach, and no format.
/// `seen`: the W3C or Zeek directives a stream dropped before the prelude
/// (with the lines before an over-long first line), used when the prelude
/// has none.
fn start(
    pre: &Prelude,
    bytes: &[u8],
    input: &Input,
    config: &Config,
    forced: Option<Format>,
    seen: &[Vec<u8>],
    auto: &[Auto],
) -> Result<(Option<Format>, Parser, Option<usize>)> {
    let directives: Vec<&[u8]> = if pre.directives.is_empty() {
        seen.iter().map(Vec::as_slice).collect()
    } else {
        pre.directives.clone()
    };
    let Some(first) = pre.first else {
        let parser = Parser::new(Format::Ndjson, &config.input, None)
            .map_err(|e| Error::new(ErrorKind::Data, e))?;
        return Ok((None, parser, None));
    };
    let line_no = memchr::memchr_iter(b'\n', &bytes[..pre.start]).count() + 1;
    // A `#Fields:` (`#fields`) directive says W3C (Zeek), whatever its
    // lines look like.
    let directed = match forced {
        None => directives
            .iter()
            .rev()
            .find_map(|d| w3c::fields_dialect(d))
            .map(|d| match d {
                w3c::Dialect::W3c => Format::W3c,
                w3c::Dialect::Zeek => Format::ZeekTsv,
            }),
        Some(f) => Some(f).filter(|f| f.has_directives()),
    };
    if let Some(format) = directed {
        let mut parser = Parser::new(format, &config.input, None)
            .map_err(|e| Error::new(ErrorKind::Data, format!("{}:{line_no}: {e}", input.name())))?;
        let tabs = memchr::memchr(b'\t', first).is_some();
        for directive in directives {
            if let Some(next) = parser.with_directive(directive, tabs) {
                parser = next;
            }
        }
        return Ok((Some(parser.format()), parser, None));
    }
    let Kind { format, wrapper } = sniff(&pre.sample, forced).ok_or_else(|| {
        Error::new(
            ErrorKind::Data,
            format!(
                "{}:{line_no}: cannot tell the format from this line or the {} data lines after it (use --format or --preset): {}",
                input.name(),
                pre.sample.len() - 1,
                crate::tally::excerpt(first)
            ),
        )
    })?;
    // A web server's JSON, recognised by its keys, reads with its preset.
    let chosen = match format {
        Format::Ndjson => crate::format::preset::recognise(first)
            .and_then(|p| auto.iter().position(|a| a.preset == p.name)),
        _ => None,
    };
    let input_config = chosen.map_or(&config.input, |i| &auto[i].config.input);
    let header = format.has_header().then_some(first);
    let parser = Parser::new(format, input_config, header)
        .map_err(|e| Error::new(ErrorKind::Data, format!("{}:{line_no}: {e}", input.name())))?;
    // A CSV header is a bare line: CSV is never read inside a wrapper.
    let wrapper = if format.has_header() {
        Wrapper::None
    } else {
        wrapper
    };
    Ok((Some(format), parser.wrapped(wrapper), chosen))
}

#[allow(clippy::too_many_arguments)]
fn read_mapped(
    index: u32,
    input: &Input,
    map: &crate::input::Map,
    config: &Config,
    forced: Option<Format>,
    rules: &Rules,
    auto: &[Auto],
    options: &Options,
) -> FileRead {
    let bytes = map.bytes();
    let mut read = FileRead::new();
    let Ok(pre) = prelude(bytes, true, rules.max_line(), true) else {
        unreachable!("a prelude at the end is complete")
    };
    let (format, parser, chosen) = match start(&pre, bytes, input, config, forced, &[], auto) {
        Ok(fp) => fp,
        Err(e) => {
            read.error = Some(e);
            return read;
        }
    };
    let rules = chosen.map_or(rules, |i| &auto[i].rules);
    read.preset = chosen.map(|i| auto[i].preset);
    read.format = format;
    read.bytes = bytes.len() as u64;
    let body = if format.is_some_and(Format::has_header) {
        let mut head = Batch::new();
        head.add_head(&bytes[pre.bom..pre.start], &parser, rules, index);
        head.add_prelude(0, 1);
        read.batches.push(head);
        &bytes[pre.end..]
    } else {
        &bytes[pre.bom..]
    };
    // The bytes after the last line end wait for the file's change: in a
    // file that grew, they are a line still being written.
    let (body, tail) = body.split_at(memchr::memrchr(b'\n', body).map_or(0, |n| n + 1));
    // A W3C file is cut at each `#Fields:` directive, and each part gets
    // the parser of its directive; its chunks are still parsed in
    // parallel.
    let (parsers, segments) = w3c_segments(body, parser);
    let target = chunk_size(options, body.len());
    let chunks: Vec<(usize, std::ops::Range<usize>)> = segments
        .iter()
        .enumerate()
        .flat_map(|(i, seg)| {
            split(&body[seg.clone()], target)
                .into_iter()
                .map(move |r| (i, seg.start + r.start..seg.start + r.end))
        })
        .collect();
    let offset = body.as_ptr() as usize - bytes.as_ptr() as usize;
    let parser = parsers.last().expect("at least one parser");
    let batches: Vec<Batch> = chunks
        .into_par_iter()
        .map(|(i, range)| {
            let mut b = Batch::new();
            b.add_lines(&body[range.clone()], &parsers[i], rules, index);
            map.release(offset + range.start..offset + range.end);
            b.seal();
            PROGRESS.fetch_add(range.len() as u64, Ordering::Relaxed);
            b
        })
        .collect();
    read.batches.extend(batches);
    let change = map.change();
    match change {
        Change::Grew(more) => {
            read.bytes -= tail.len() as u64;
            read.grew = Some(more + tail.len() as u64);
        }
        _ if !tail.is_empty() => {
            let mut b = Batch::new();
            b.add_lines(tail, parser, rules, index);
            read.batches.push(b);
        }
        _ => {}
    }
    read.error = change.error(&input.name(), bytes.len() as u64, bytes.len() as u64);
    read
}

/// The parts of a body, each with its parser: for W3C, cut before each
/// `#Fields:` directive (the directive line is the first of its part);
/// for other formats, the whole body with `parser`.
fn w3c_segments(body: &[u8], parser: Parser) -> (Vec<Parser>, Vec<std::ops::Range<usize>>) {
    if !parser.format().has_directives() {
        let whole = std::iter::once(0..body.len()).collect();
        return (vec![parser], whole);
    }
    let tabs = parser.tabs();
    let mut parsers = vec![parser];
    let mut ranges: Vec<std::ops::Range<usize>> = std::iter::once(0..0).collect();
    for at in w3c::directives(body) {
        let end = memchr::memchr(b'\n', &body[at..]).map_or(body.len(), |n| at + n);
        let line = &body[at..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let last = parsers.last().expect("at least one parser");
        if let Some(next) = last.with_directive(line, tabs) {
            if let Some(last) = ranges.last_mut() {
                last.end = at;
            }
            parsers.push(next);
            ranges.push(at..at);
        }
    }
    if let Some(last) = ranges.last_mut() {
        last.end = body.len();
    }
    (parsers, ranges)
}

/// Adds streamed W3C lines to `batch`, switching `parser` at each
/// `#Fields:` directive; other formats' lines are added as they are.
fn add_stream_lines(
    batch: &mut Batch,
    bytes: &[u8],
    parser: &mut Parser,
    rules: &Rules,
    file: u32,
) {
    if !parser.format().has_directives() {
        return batch.add_lines(bytes, parser, rules, file);
    }
    let tabs = parser.tabs();
    let mut from = 0;
    for at in w3c::directives(bytes) {
        batch.add_lines(&bytes[from..at], parser, rules, file);
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |n| at + n);
        let line = &bytes[at..end];
        if let Some(next) = parser.with_directive(line.strip_suffix(b"\r").unwrap_or(line), tabs) {
            *parser = next;
        }
        from = at;
    }
    batch.add_lines(&bytes[from..], parser, rules, file);
}

/// The chunk size: as asked, or about eight chunks per thread between 1
/// and 32 MiB (fewer chunks intern fewer duplicate strings; enough of them
/// keep every thread busy).
fn chunk_size(options: &Options, len: usize) -> usize {
    if options.chunk_size > 0 {
        return options.chunk_size;
    }
    let threads = rayon::current_num_threads().max(1);
    (len / (threads * 8)).clamp(1 << 20, 32 << 20)
}

/// Newline-aligned ranges of about `target` bytes covering `bytes`.
pub fn split(bytes: &[u8], target: usize) -> Vec<std::ops::Range<usize>> {
    let target = target.max(1);
    let mut out = Vec::with_capacity(bytes.len() / target + 1);
    let mut start = 0;
    while start < bytes.len() {
        let guess = start + target;
        let end = if guess >= bytes.len() {
            bytes.len()
        } else {
            match memchr::memchr(b'\n', &bytes[guess..]) {
                Some(n) => guess + n + 1,
                None => bytes.len(),
            }
        };
        out.push(start..end);
        start = end;
    }
    out
}

/// Streams one input. `extent`: a plain regular file's size at open, which
/// the reader stops at; reaching it, the file's change is checked.
#[allow(clippy::too_many_arguments)]
fn read_stream(
    index: u32,
    input: &Input,
    mut reader: Box<dyn Read + Send>,
    extent: Option<&Extent>,
    config: &Config,
    forced: Option<Format>,
    rules: &Rules,
    auto: &[Auto],
    options: &Options,
) -> FileRead {
    // A file recognised as a preset's reads by that preset's rules.
    let mut rules = rules;
    let mut read = FileRead::new();
    let mut checked = false;
    // Streams read at least a page at a time: a 1-byte chunk size (used to
    // test chunk invariance of mapped input) would only slow them down.
    let block = match options.chunk_size {
        0 => 1 << 20,
        n => n.clamp(4096, 1 << 24),
    };
    // A small file of known size is read whole (and its end seen) in one
    // block its size, not a megabyte cleared for it.
    let block = extent.map_or(block, |x| block.min((x.len() as usize).saturating_add(1)));
    // Past this many bytes without a line end, the line is over the limit
    // (and longer than an excerpt, so its excerpt reads as mapped input's).
    let give_up = rules.max_line().max(crate::tally::EXCERPT_BYTES) + 1;
    let mut buf: Vec<u8> = Vec::with_capacity(block.min(1 << 20));
    let mut parser: Option<Parser> = None;
    // The W3C and Zeek directives of lines counted before the first data
    // line was found (dropped with an over-long line).
    let mut directives_seen: Vec<Vec<u8>> = Vec::new();
    let mut at_end = false;
    let mut bom_checked = false;
    // While dropping the rest of an over-long line.
    let mut skipping = false;
    // Bytes of `buf` known to hold no line end: each byte is searched once.
    let mut searched = 0;
    let mut batch = Batch::new();
    while !(at_end && buf.is_empty()) {
        if let Err(e) = fill(&mut reader, &mut buf, block, &mut at_end, &mut read.bytes) {
            read.error = Some(Error::new(
                ErrorKind::Io,
                format!(
                    "{}: read failed after {} bytes: {e} (the lines before it are counted)",
                    input.name(),
                    read.bytes
                ),
            ));
        }
        strip_bom(&mut buf, &mut bom_checked, at_end);
        if let (true, false, None, Some(extent)) = (at_end, checked, &read.error, extent) {
            checked = true;
            let change = extent.change(read.bytes);
            read.error = change.error(&input.name(), extent.len(), read.bytes);
            if let Change::Grew(more) = change {
                // The bytes after the last line end are a line still
                // being written: left, with what was appended, for the
                // next run.
                let keep = memchr::memrchr(b'\n', &buf).map_or(0, |n| n + 1);
                let unfinished = (buf.len() - keep) as u64;
                buf.truncate(keep);
                read.bytes -= unfinished;
                read.grew = Some(more + unfinished);
            }
        }
        if skipping {
            match memchr::memchr(b'\n', &buf) {
                Some(n) => {
                    buf.drain(..=n);
                    skipping = false;
                }
                None => buf.clear(),
            }
            searched = 0;
            continue;
        }
        if parser.is_none() {
            match prelude(&buf, at_end, rules.max_line(), false) {
                Ok(pre) => match start(&pre, &buf, input, config, forced, &directives_seen, auto) {
                    Ok((format, p, chosen)) => {
                        read.format = format;
                        rules = chosen.map_or(rules, |i| &auto[i].rules);
                        read.preset = chosen.map(|i| auto[i].preset);
                        if format.is_some_and(Format::has_header) {
                            batch.add_head(&buf[..pre.start], &p, rules, index);
                            batch.add_prelude(0, 1);
                            buf.drain(..pre.end);
                        }
                        parser = Some(p);
                    }
                    Err(e) => {
                        read.error = Some(e);
                        read.bytes = 0;
                        return read;
                    }
                },
                Err(Pending::First) if buf.len() > give_up => {
                    // The first data line is over the limit and not yet
                    // complete: count the lines before it (blank, comments,
                    // over-long or NUL lines, as a mapped file's first
                    // batch does), reject it, and look for the first line
                    // again after it.
                    let complete = memchr::memrchr(b'\n', &buf).map_or(0, |n| n + 1);
                    if complete > 0 {
                        // A W3C directive among them still governs the
                        // data after, as in a mapped file.
                        directives_seen.extend(
                            buf[..complete]
                                .split(|&b| b == b'\n')
                                .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
                                .filter(|l| w3c::is_directive(l) && l.len() <= rules.max_line())
                                .map(<[u8]>::to_vec),
                        );
                        match Parser::new(Format::Ndjson, &config.input, None) {
                            Ok(p) => batch.add_head(&buf[..complete], &p, rules, index),
                            Err(e) => {
                                read.error = Some(Error::new(ErrorKind::Data, e));
                                return read;
                            }
                        }
                        buf.drain(..complete);
                    }
                    if buf.len() > give_up {
                        batch.reject_unread(&buf[..give_up], index);
                        buf.clear();
                        skipping = true;
                    }
                    searched = 0;
                    continue;
                }
                Err(_) => continue,
            }
        }
        let Some(p) = &mut parser else { continue };
        let complete = if at_end {
            buf.len()
        } else {
            memchr::memrchr(b'\n', &buf[searched..]).map_or(0, |n| searched + n + 1)
        };
        if complete == 0 {
            searched = buf.len();
            if buf.len() > give_up {
                batch.reject_unread(&buf[..give_up], index);
                buf.clear();
                searched = 0;
                skipping = true;
            }
            continue;
        }
        add_stream_lines(&mut batch, &buf[..complete], p, rules, index);
        buf.drain(..complete);
        searched = 0;
        if batch.events.len() >= 1 << 16 {
            batch.seal();
            read.batches
                .push(std::mem::replace(&mut batch, Batch::new()));
        }
    }
    batch.seal();
    read.batches.push(batch);
    // (A batch is a large struct: a small file's one batch should not
    // hold room for three more until the merge.)
    read.batches.shrink_to_fit();
    read
}

/// Reads up to one more block into `buf`.
fn fill(
    reader: &mut dyn Read,
    buf: &mut Vec<u8>,
    block: usize,
    at_end: &mut bool,
    total: &mut u64,
) -> std::io::Result<()> {
    let want = buf.len() + block;
    while buf.len() < want && !*at_end {
        let old = buf.len();
        buf.resize(want, 0);
        let got = reader.read(&mut buf[old..]);
        buf.truncate(old + *got.as_ref().unwrap_or(&0));
        match got {
            Ok(0) => *at_end = true,
            Ok(n) => {
                *total += n as u64;
                PROGRESS.fetch_add(n as u64, Ordering::Relaxed);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                *at_end = true;
                return Err(e);
            }
        }
    }
    Ok(())
}

/// Sorts events into timelines, in place and in parallel. The order
/// (identity, time, file, line) is packed into one integer that compares in
/// two instructions: 32 bits of identity, 44 of milliseconds since the
/// earliest event (557 years), 20 of file and 32 of line. (A counting
/// sort on identity applied by in-place cycles was tried: the random
/// swaps made the scan 20% slower.) Times spanning more than 44 bits
/// (possible with a wide `input.time_range`) would wrap in that key, so
/// such a scan sorts by the tuple itself.
fn sort_timelines(events: &mut [Event]) {
    let (t0, t1) = events
        .iter()
        .fold((Millis::MAX, Millis::MIN), |(lo, hi), e| {
            (lo.min(e.time), hi.max(e.time))
        });
    if events.is_empty() || fits_in_key(t0, t1) {
        events.par_sort_unstable_by_key(|e| {
            // identity 32 bits | time 44 | file 20 | line 32.
            let since = (e.time - t0) as u128;
            (e.identity as u128) << 96 | since << 52 | (e.file() as u128) << 32 | e.line as u128
        });
    } else {
        events.par_sort_unstable_by_key(|e| (e.identity, e.time, e.file(), e.line));
    }
}

/// Whether times from `t0` to `t1` fit the 44 bits (557 years of
/// milliseconds) of the packed sort key.
fn fits_in_key(t0: Millis, t1: Millis) -> bool {
    (t1 as i128 - t0 as i128) < 1 << 44
}

/// Merges batches (in input order) into one event vector with global
/// symbols, in input order (the caller sorts it into timelines).
fn merge(batches: Vec<(u64, Batch)>, phases: &mut Phases) -> Result<(Vec<Event>, Tables)> {
    let locals: Vec<&Tables> = batches.iter().map(|(_, b)| &b.tables).collect();
    let (mut tables, maps) = Tables::merge(&locals);
    if tables.systems.len() > Event::MAX_SYSTEMS {
        return Err(Error::new(
            ErrorKind::Data,
            format!(
                "more than {} distinct systems in the input: map `system` to a coarser field",
                Event::MAX_SYSTEMS - 1
            ),
        ));
    }
    // Identities are renumbered in name order so timelines come out sorted
    // by name whatever the input order.
    let rank = tables.identities.ranks();
    tables.identities = tables.identities.renumbered(&rank);
    phases.end("merge tables");

    // Symbols are remapped in place, batch by batch in parallel; then the
    // batches are appended in input order and freed one by one, so the
    // events are held once (plus one batch), then sorted in place.
    let mut batches = batches;
    batches
        .par_iter_mut()
        .zip(maps.par_iter())
        .for_each(|((base, batch), map)| {
            for e in &mut batch.events {
                e.identity = rank[map.identities[e.identity as usize] as usize];
                e.client = map.clients[e.client as usize];
                e.set_system(map.systems[e.system() as usize] as u16);
                if let Some(s) = e.record.as_string() {
                    e.record = Record::string(map.records[s as usize]);
                }
                e.line = (*base + e.line as u64).min(u32::MAX as u64) as u32;
            }
        });
    drop(maps);
    let total: usize = batches.iter().map(|(_, b)| b.events.len()).sum();
    let mut events = Vec::with_capacity(total);
    for (_, batch) in batches {
        events.extend_from_slice(&batch.events);
    }
    phases.end("remap events");
    Ok((events, tables))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_newline_aligned_and_covers() {
        let text = b"aa\nbbbb\n\ncc\nd";
        for target in 1..16 {
            let ranges = split(text, target);
            assert_eq!(ranges.first().unwrap().start, 0);
            assert_eq!(ranges.last().unwrap().end, text.len());
            for w in ranges.windows(2) {
                assert_eq!(w[0].end, w[1].start);
                assert_eq!(text[w[0].end - 1], b'\n');
            }
        }
        assert!(split(b"", 4).is_empty());
    }

    const AT_OPEN: &[u8] =
        b"{\"ts\":1,\"account\":\"a\"}\n{\"ts\":2,\"account\":\"b\"}\n{\"ts\":3,\"acc";
    /// Bytes up to the last line end at open.
    const COMPLETE: u64 = 46;

    /// Opens a real file, changes it between open and scan, and reads it
    /// mapped or streamed.
    fn read_changed(mmap: bool, change: impl FnOnce(&std::fs::File)) -> FileRead {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.ndjson");
        std::fs::write(&path, AT_OPEN).unwrap();
        let input = Input::Path(path.clone());
        let config = Config::default();
        let rules = Rules::new(
            &config.input,
            IdentitySpec::parse(&config.identity.key).unwrap(),
        )
        .unwrap();
        let options = Options::default();
        crate::input::install_sigbus_guard();
        let source = Source::open(&input, mmap.then_some(0)).unwrap();
        assert_eq!(matches!(source, Source::Mapped(_)), mmap, "mapped as asked");
        change(&std::fs::File::options().append(true).open(&path).unwrap());
        match source {
            Source::Mapped(map) => {
                read_mapped(0, &input, &map, &config, None, &rules, &[], &options)
            }
            Source::Stream(reader, extent) => read_stream(
                0,
                &input,
                reader,
                extent.as_ref(),
                &config,
                None,
                &rules,
                &[],
                &options,
            ),
        }
    }

    fn counts(read: &FileRead) -> Counts {
        let mut c = Counts::default();
        for b in &read.batches {
            c += &b.counts;
        }
        c
    }

    #[test]
    fn a_live_log_is_read_to_its_size_at_open() {
        assert_eq!(&AT_OPEN[COMPLETE as usize - 1..COMPLETE as usize], b"\n");
        for mmap in [true, false] {
            let read = read_changed(mmap, |f| {
                use std::io::Write;
                (&*f)
                    .write_all(b"ount\":\"c\"}\n{\"ts\":4,\"account\":\"d\"}\n")
                    .unwrap();
            });
            assert!(read.error.is_none(), "mmap={mmap}: {:?}", read.error);
            let c = counts(&read);
            // The unfinished third line is left with the appended bytes.
            assert_eq!(
                (c.lines, c.events, c.rejected_total()),
                (2, 2, 0),
                "mmap={mmap}"
            );
            assert_eq!(read.bytes, COMPLETE, "mmap={mmap}");
            assert_eq!(
                read.grew,
                Some(AT_OPEN.len() as u64 - COMPLETE + 34),
                "mmap={mmap}"
            );
        }
    }

    #[test]
    fn an_unchanged_file_keeps_its_last_line_without_a_line_end() {
        for mmap in [true, false] {
            let read = read_changed(mmap, |_| {});
            assert!(read.error.is_none() && read.grew.is_none(), "mmap={mmap}");
            let c = counts(&read);
            assert_eq!(
                (c.lines, c.events, c.rejected_total()),
                (3, 2, 1),
                "mmap={mmap}"
            );
            assert_eq!(read.bytes, AT_OPEN.len() as u64);
        }
    }

    #[test]
    fn a_file_truncated_while_read_is_an_error() {
        for mmap in [true, false] {
            let read = read_changed(mmap, |f| f.set_len(30).unwrap());
            let e = read.error.expect("truncation is an error").to_string();
            assert!(e.contains("live.ndjson: file shrank"), "mmap={mmap}: {e}");
        }
    }

    #[test]
    fn timelines_sort_by_time_across_any_span() {
        let ms = |y| crate::time::year_range(y, y).start;
        let event = |time, line| Event {
            time,
            line,
            ..Event::default()
        };
        // 0001 to 9999: more than 44 bits of milliseconds apart.
        let mut events = vec![
            event(ms(9999), 1),
            event(ms(2024), 2),
            event(ms(1), 3),
            event(ms(2024), 0),
        ];
        assert!(!fits_in_key(ms(1), ms(9999)));
        assert!(fits_in_key(ms(1970), ms(2100)));
        sort_timelines(&mut events);
        let order: Vec<(Millis, u32)> = events.iter().map(|e| (e.time, e.line)).collect();
        assert_eq!(
            order,
            [(ms(1), 3), (ms(2024), 0), (ms(2024), 2), (ms(9999), 1)]
        );
    }

    #[test]
    fn timelines_sort_by_file_past_sixteen_bits() {
        let t0 = crate::time::year_range(2025, 2025).start;
        let event = |identity, time, file: u32, line| {
            Event {
                identity,
                time,
                line,
                ..Event::default()
            }
            .with_file(file)
        };
        let top = Event::MAX_FILES as u32;
        let mut events = vec![
            event(1, t0, 70_000, 1),
            event(1, t0, 65_536, 9),
            event(0, t0 + 5, top, u32::MAX),
            event(1, t0, 65_535, 2),
            event(0, t0 + 5, 3, u32::MAX),
            event(0, t0, top, 0),
        ];
        let mut expected = events.clone();
        expected.sort_by_key(|e| (e.identity, e.time, e.file(), e.line));
        sort_timelines(&mut events);
        assert_eq!(events, expected);
        assert_eq!(events[0].file(), top);
        assert_eq!(events[5].file(), 70_000);
    }

    #[test]
    fn prelude_skips_bom_blanks_and_long_lines() {
        let text = b"\xEF\xBB\xBF\n  \r\nxxxxxxxxxxx\nts,account\r\n1,a\n";
        let p = prelude(text, true, 10, true).unwrap();
        assert_eq!(p.bom, 3);
        assert_eq!(p.first, Some(&b"ts,account"[..]));
        assert_eq!(&text[p.end..], b"1,a\n");
        assert_eq!(p.sample, [&b"ts,account"[..], b"1,a"]);
        assert_eq!(
            prelude(b"\n\nts", false, 9, true).err(),
            Some(Pending::First)
        );
        // The window is not complete until SNIFF_BYTES after the first line.
        assert_eq!(prelude(text, false, 10, true).err(), Some(Pending::Window));
        let p = prelude(b"\n\n", true, 9, true).unwrap();
        assert_eq!(p.first, None);
        let p = prelude(
            b"# comment, with a comma\n#Fields: a b\n{}\n",
            true,
            99,
            true,
        )
        .unwrap();
        assert_eq!(p.first, Some(&b"{}"[..]));
    }
}

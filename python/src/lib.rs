//! `scrapewatch._scrapewatch`: the scrapewatch library for Python, in
//! Arrow terms, for notebooks and for Apache Spark.
//!
//! Nothing here detects or parses: every step calls the same Rust code as
//! the `scrapewatch` binary. The scan options are parsed by the binary's
//! own clap parser and findings are written by its own writers, both
//! compiled in from `../src/cli.rs` and `../src/cmd` (so the options and
//! the output of `python -m scrapewatch.spark scan` cannot drift from
//! `scrapewatch scan`). Arrow crosses to and from pyarrow through the
//! Arrow C data interface (`arrow-pyarrow`), with no copy and no Python
//! object per row. The long steps release the GIL.

// The binary's command line, compiled into this crate so the Spark driver
// parses `scrapewatch scan`'s options with the very same parser. Only the
// scan's options and writers are used here.
#[allow(dead_code, clippy::all)]
#[path = "../../src/cli.rs"]
mod cli;
#[allow(dead_code, clippy::all)]
#[path = "../../src/cmd/mod.rs"]
mod cmd;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_pyarrow::{FromPyArrow, IntoPyArrow};
use arrow_schema::{DataType, Field, Schema};
use clap::Parser;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use scrapewatch::detect::{Population, NO_SYSTEM};
use scrapewatch::gaps::Gaps;
use scrapewatch::input::{self, Input};
use scrapewatch::output::{self, OutputFormat};
use scrapewatch::partition::{self, Decision, Partial};
use scrapewatch::{Config, Watchlist};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

create_exception!(
    scrapewatch,
    ScrapewatchError,
    PyException,
    "A scrapewatch error: a bad setting, an unreadable input, a bad line under --strict. The message names the file and, for a line, its number."
);
create_exception!(
    scrapewatch,
    UsageError,
    ScrapewatchError,
    "The command line could not be parsed (or asked for help): `args[0]` is the text to print, `args[1]` the exit status the CLI would give."
);

fn error(e: impl std::fmt::Display) -> PyErr {
    ScrapewatchError::new_err(output::printable_lines(&e.to_string()).to_string())
}

fn anyhow_error(e: anyhow::Error) -> PyErr {
    ScrapewatchError::new_err(output::printable_lines(&format!("{e:#}")).to_string())
}

/// What every worker needs of the job: the effective configuration, the
/// watchlist and how to scan, as bytes that travel inside a Spark closure.
#[derive(Serialize, Deserialize)]
struct Settings {
    config: String,
    watchlist: Watchlist,
    threads: usize,
    chunk_size: usize,
    mmap: bool,
    strict: bool,
}

impl Settings {
    fn read(bytes: &[u8]) -> PyResult<(Config, Watchlist, scrapewatch::Options)> {
        let s: Settings = serde_json::from_slice(bytes)
            .map_err(|e| error(format!("not the settings of a scrapewatch job: {e}")))?;
        let config: Config = toml::from_str(&s.config).map_err(error)?;
        let options = scrapewatch::Options {
            threads: s.threads,
            chunk_size: s.chunk_size,
            mmap: s.mmap,
            strict: s.strict,
            ..scrapewatch::Options::default()
        };
        Ok((config, s.watchlist, options))
    }
}

/// Every batch of an Arrow stream (a pyarrow Table or RecordBatchReader,
/// or anything with `__arrow_c_stream__`).
fn batches(table: &Bound<PyAny>) -> PyResult<Vec<RecordBatch>> {
    let reader = arrow_array::ffi_stream::ArrowArrayStreamReader::from_pyarrow_bound(table)?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| error(format!("cannot read an Arrow batch: {e}")))
}

/// Batches as one pyarrow Table.
fn table(py: Python<'_>, batches: Vec<RecordBatch>, schema: Schema) -> PyResult<Py<PyAny>> {
    let table = arrow_pyarrow::Table::try_new(batches, Arc::new(schema))
        .map_err(|e| error(format!("cannot build a table: {e}")))?;
    Ok(table.into_pyarrow(py)?.unbind())
}

/// A `scrapewatch scan` command line, parsed by the CLI's own parser.
///
/// `Job(argv)` takes the arguments after `scrapewatch scan` (options and
/// inputs). Options a distributed run cannot honour yet are refused by
/// name rather than ignored.
#[pyclass(module = "scrapewatch._scrapewatch", frozen)]
struct Job {
    args: cmd::scan::ScanArgs,
    config: Config,
    watchlist: Watchlist,
    inputs: Vec<String>,
    resolve_errors: Vec<String>,
}

#[pymethods]
impl Job {
    #[new]
    fn new(argv: Vec<String>) -> PyResult<Job> {
        let full = ["scrapewatch".to_string(), "scan".to_string()]
            .into_iter()
            .chain(argv);
        let cli = match cli::Cli::try_parse_from(full) {
            Ok(cli) => cli,
            Err(e) => {
                let status = if e.use_stderr() { 2 } else { 0 };
                return Err(UsageError::new_err((e.render().to_string(), status)));
            }
        };
        let cli::Command::Scan(args) = cli.command else {
            unreachable!("parsed as `scan`")
        };
        let refused = [
            (args.manifest.is_some(), "--manifest"),
            (args.state.is_some(), "--state"),
            (args.since.is_some(), "--since"),
            (args.until.is_some(), "--until"),
            (args.no_detect, "--no-detect"),
            (args.timings, "--timings"),
            (args.out.summary_json.is_some(), "--summary-json"),
        ];
        if let Some((_, name)) = refused.iter().find(|(given, _)| *given) {
            return Err(UsageError::new_err((
                format!("scrapewatch: {name} is not supported by the distributed scan yet\n"),
                2,
            )));
        }
        if args.paths.iter().any(|p| p == "-") {
            return Err(UsageError::new_err((
                "scrapewatch: `-` (stdin) cannot be read by workers: name files\n".to_string(),
                2,
            )));
        }
        let config = args.scan.config().map_err(error)?;
        let watchlist = args.scan.watchlist().map_err(error)?;
        let (resolved, errors) = input::resolve(&args.paths);
        let reads: Vec<&Path> = args
            .out
            .reads()
            .chain(cmd::scan_reads(&args.scan))
            .chain(resolved.iter().filter_map(|i| match i {
                Input::Path(p) => Some(p.as_path()),
                Input::Stdin => None,
            }))
            .collect();
        cmd::check_outputs(&args.out.outputs(), &reads).map_err(anyhow_error)?;
        if resolved.is_empty() {
            let why: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            return Err(error(format!("no input could be read: {}", why.join("; "))));
        }
        if resolved.len() > u16::MAX as usize {
            return Err(error(format!(
                "{} inputs: at most {} can be scanned at once",
                resolved.len(),
                u16::MAX
            )));
        }
        Ok(Job {
            inputs: resolved.iter().map(Input::name).collect(),
            resolve_errors: errors.iter().map(|e| e.to_string()).collect(),
            args,
            config,
            watchlist,
        })
    }

    /// The inputs, as named in the findings: files as given, directories
    /// walked and globs expanded in name order, as `scrapewatch scan` does.
    #[getter]
    fn inputs(&self) -> Vec<String> {
        self.inputs.clone()
    }

    /// Names that matched nothing (the scan goes on without them and ends
    /// with status 2, as `scrapewatch scan` does).
    #[getter]
    fn resolve_errors(&self) -> Vec<String> {
        self.resolve_errors.clone()
    }

    /// Whether `--quiet` was given.
    #[getter]
    fn quiet(&self) -> bool {
        self.args.out.quiet
    }

    /// Whether gaps in the logs are looked for (`gaps.enabled`).
    #[getter]
    fn finds_gaps(&self) -> bool {
        self.config.gaps.enabled
    }

    /// The job's settings as bytes, for [`parse`], [`population`],
    /// [`detect`] and [`Merge`] on the workers.
    #[getter]
    fn settings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let options = self.args.scan.options();
        let s = Settings {
            config: toml::to_string(&self.config).map_err(error)?,
            watchlist: self.watchlist.clone(),
            threads: options.threads,
            chunk_size: options.chunk_size,
            mmap: options.mmap,
            strict: options.strict,
        };
        let bytes = serde_json::to_vec(&s).map_err(error)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Scans and detects in this process (the library's `scan` and
    /// `detect`); raises on an input that could not be read.
    fn scan(&self, py: Python<'_>) -> PyResult<Detection> {
        if let Some(first) = self.resolve_errors.first() {
            return Err(error(first));
        }
        let inputs: Vec<Input> = self
            .inputs
            .iter()
            .map(|n| Input::Path(PathBuf::from(n)))
            .collect();
        let options = self.args.scan.options();
        let (config, watchlist) = (&self.config, &self.watchlist);
        let result = py.detach(|| -> scrapewatch::Result<(scrapewatch::Detection, Gaps)> {
            let scanned = scrapewatch::scan(config, &inputs, &options)?;
            if let Some(e) = scanned.errors.first() {
                return Err(e.clone());
            }
            let mut detection = scrapewatch::detect(&scanned.timelines(), config, watchlist)?;
            // As `scrapewatch scan` does: findings touching a gap name it.
            scrapewatch::gaps::mark(&mut detection.findings, &scanned.summary.gaps);
            Ok((detection, scanned.summary.gaps))
        });
        let (detection, gaps) = result.map_err(error)?;
        Ok(Detection { detection, gaps })
    }

    /// Writes the findings as `scrapewatch scan` would with these options
    /// (`--output-format`, `-o`, `--pseudonymize`, `--show-suppressed`),
    /// says how many on stderr unless `--quiet`, and returns the exit
    /// status `scrapewatch scan` would give (input errors count).
    #[pyo3(signature = (detection, failed = false))]
    fn write(&self, detection: &Detection, failed: bool) -> PyResult<i32> {
        let out = &self.args.out;
        let pseudonymizer =
            cmd::pseudonymizer(out.pseudonymize.as_deref()).map_err(anyhow_error)?;
        let shown = out.shown(&detection.detection, pseudonymizer.as_ref());
        out.write_findings(&shown, pseudonymizer.is_some())
            .map_err(anyhow_error)?;
        if !out.quiet {
            // As in `scrapewatch scan`'s summary, before the count.
            eprint!(
                "{}",
                output::printable_lines(&scrapewatch::summary::render_gaps(&detection.gaps))
            );
            out.tell(&detection.detection);
        }
        let failed = failed || !self.resolve_errors.is_empty();
        Ok(out.status(&shown, failed))
    }

    /// The findings as a pyarrow Table (see [`Detection::to_arrow`]),
    /// with this job's `--show-suppressed` and `--pseudonymize`.
    fn findings(&self, py: Python<'_>, detection: &Detection) -> PyResult<Py<PyAny>> {
        let out = &self.args.out;
        let pseudonymizer =
            cmd::pseudonymizer(out.pseudonymize.as_deref()).map_err(anyhow_error)?;
        let shown = out.shown(&detection.detection, pseudonymizer.as_ref());
        findings_table(py, &shown, pseudonymizer.is_some())
    }
}

/// Parses input `path` (named as the user gave it) into events: a table
/// of the wire schema, every event's file index `file`. Raises on an
/// input that could not be read or gave no event, and under `--strict` on
/// the first bad line, naming the file and line.
#[pyfunction]
fn parse(py: Python<'_>, path: String, file: u32, settings: &[u8]) -> PyResult<Py<PyAny>> {
    let (config, _, options) = Settings::read(settings)?;
    let batches = py.detach(|| -> scrapewatch::Result<Vec<RecordBatch>> {
        let scanned = scrapewatch::scan(&config, &[Input::Path(PathBuf::from(&path))], &options)?;
        if let Some(e) = scanned.errors.first() {
            return Err(e.clone());
        }
        partition::wire_batches(&scanned.timelines(), file)
    });
    table(py, batches.map_err(error)?, partition::wire_schema())
}

/// The population (peer groups' active hours) of the identities whose
/// events are in `events` (a table with at least `identity` and `time`),
/// as bytes for [`add_populations`].
#[pyfunction]
fn population<'py>(
    py: Python<'py>,
    events: &Bound<'py, PyAny>,
    settings: &[u8],
) -> PyResult<Bound<'py, PyBytes>> {
    let (config, watchlist, _) = Settings::read(settings)?;
    let batches = batches(events)?;
    let bytes = py.detach(|| -> scrapewatch::Result<Vec<u8>> {
        let loaded = partition::load_wire(&batches, 1)?;
        let p = partition::population_of(&loaded, &config, &watchlist)?;
        serde_json::to_vec(&p).map_err(|e| scrapewatch::Error::config(e.to_string()))
    });
    Ok(PyBytes::new(py, &bytes.map_err(error)?))
}

/// The population of every identity, from the populations of disjoint
/// sets of identities.
#[pyfunction]
fn add_populations<'py>(py: Python<'py>, parts: Vec<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
    let mut total = Population::default();
    for part in parts {
        let p: Population =
            serde_json::from_slice(&part).map_err(|e| error(format!("not a population: {e}")))?;
        partition::add_population(&mut total, p);
    }
    let bytes = serde_json::to_vec(&total).map_err(error)?;
    Ok(PyBytes::new(py, &bytes))
}

/// Runs the per-identity rules over the identities whose events (all of
/// them) are in `events`, given the population of every identity and the
/// number of inputs; returns their findings and profiles as bytes for
/// [`Merge`].
#[pyfunction]
fn detect<'py>(
    py: Python<'py>,
    events: &Bound<'py, PyAny>,
    settings: &[u8],
    population: &[u8],
    paths: Vec<String>,
) -> PyResult<Bound<'py, PyBytes>> {
    let (config, watchlist, _) = Settings::read(settings)?;
    let population: Population =
        serde_json::from_slice(population).map_err(|e| error(format!("not a population: {e}")))?;
    let batches = batches(events)?;
    let bytes = py.detach(|| -> scrapewatch::Result<Vec<u8>> {
        let loaded = partition::load_wire(&batches, paths.len())?;
        Partial::detect(&loaded.timelines(&paths), &config, &watchlist, &population)?.to_bytes()
    });
    Ok(PyBytes::new(py, &bytes.map_err(error)?))
}

/// One engine partition's events, grouped (sorted) by identity, streamed
/// in batch by batch and held one identity at a time as compact events,
/// never as Arrow rows: an identity with very many events costs 40 bytes
/// an event, and nothing is capped, sampled or dropped.
///
/// `IdentityStream(settings, paths)` gathers the population (peer
/// groups' active hours); `IdentityStream(settings, paths, population)`
/// runs the per-identity rules. `finish()` gives the partition's result as
/// bytes, for [`add_populations`] or [`Merge`].
#[pyclass(module = "scrapewatch._scrapewatch")]
struct IdentityStream {
    stream: Option<partition::Streamed>,
    config: Config,
    watchlist: Watchlist,
    paths: Vec<String>,
    population: Option<Population>,
    found: Population,
    partial: Partial,
    identities: u64,
    largest_batch: usize,
    largest_identity: usize,
}

#[pymethods]
impl IdentityStream {
    #[new]
    #[pyo3(signature = (settings, paths, population = None))]
    fn new(settings: &[u8], paths: Vec<String>, population: Option<&[u8]>) -> PyResult<Self> {
        let (config, watchlist, _) = Settings::read(settings)?;
        let population = population
            .map(|p| {
                serde_json::from_slice::<Population>(p)
                    .map_err(|e| error(format!("not a population: {e}")))
            })
            .transpose()?;
        Ok(IdentityStream {
            stream: Some(partition::Streamed::new(paths.len())),
            config,
            watchlist,
            paths,
            population,
            found: Population::default(),
            partial: Partial::default(),
            identities: 0,
            largest_batch: 0,
            largest_identity: 0,
        })
    }

    /// Adds a pyarrow RecordBatch of events (rows of one identity
    /// together, in any order).
    fn push(&mut self, py: Python<'_>, batch: &Bound<'_, PyAny>) -> PyResult<()> {
        let batch = RecordBatch::from_pyarrow_bound(batch)?;
        self.largest_batch = self.largest_batch.max(batch.num_rows());
        let mut stream = self
            .stream
            .take()
            .ok_or_else(|| error("this stream has already finished"))?;
        let result = py.detach(|| {
            let r = stream.push(&batch, &mut |loaded| self.identity(loaded));
            (stream, r)
        });
        self.stream = Some(result.0);
        result.1.map_err(error)
    }

    /// The partition's result, as bytes.
    fn finish<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let stream = self
            .stream
            .take()
            .ok_or_else(|| error("this stream has already finished"))?;
        py.detach(|| stream.finish(&mut |loaded| self.identity(loaded)))
            .map_err(error)?;
        let bytes = match &self.population {
            Some(_) => std::mem::take(&mut self.partial)
                .to_bytes()
                .map_err(error)?,
            None => serde_json::to_vec(&self.found).map_err(error)?,
        };
        Ok(PyBytes::new(py, &bytes))
    }

    /// Identities handed on so far.
    #[getter]
    fn identities(&self) -> u64 {
        self.identities
    }

    /// The most rows of one batch pushed: all the Arrow this stream held
    /// at once.
    #[getter]
    fn largest_batch(&self) -> usize {
        self.largest_batch
    }

    /// The most events of one identity held (as compact events).
    #[getter]
    fn largest_identity(&self) -> usize {
        self.largest_identity
    }
}

impl IdentityStream {
    fn identity(&mut self, loaded: partition::Loaded) -> scrapewatch::Result<()> {
        self.identities += 1;
        self.largest_identity = self.largest_identity.max(loaded.events.len());
        match &self.population {
            Some(population) => {
                let tl = loaded.timelines(&self.paths);
                self.partial.add(Partial::detect(
                    &tl,
                    &self.config,
                    &self.watchlist,
                    population,
                )?);
            }
            None => partition::add_population(
                &mut self.found,
                partition::population_of(&loaded, &self.config, &self.watchlist)?,
            ),
        }
        Ok(())
    }
}

/// One engine partition of per-source event times, each source's rows
/// together (sorted by time within it): rows of `file` (an input's index,
/// null on a system's row), `system` and `time`. Holds one source's times
/// at a time (each distinct time at most twice) and judges it with the
/// code `scrapewatch scan` runs, given the logs' first and last event
/// time and how many systems have events.
/// `finish()` gives the partition's gaps as bytes for [`gaps_of_streams`].
#[pyclass(module = "scrapewatch._scrapewatch")]
struct GapStream {
    stream: Option<partition::GapStream>,
}

#[pymethods]
impl GapStream {
    #[new]
    fn new(
        settings: &[u8],
        paths: Vec<String>,
        first: i64,
        last: i64,
        systems: usize,
    ) -> PyResult<Self> {
        let (config, _, _) = Settings::read(settings)?;
        let logs = scrapewatch::gaps::Logs {
            first,
            last,
            systems,
        };
        Ok(GapStream {
            stream: Some(partition::GapStream::new(paths, logs, config.gaps)),
        })
    }

    /// Adds a pyarrow RecordBatch of rows.
    fn push(&mut self, py: Python<'_>, batch: &Bound<'_, PyAny>) -> PyResult<()> {
        let batch = RecordBatch::from_pyarrow_bound(batch)?;
        let stream = self
            .stream
            .as_mut()
            .ok_or_else(|| error("this stream has already finished"))?;
        py.detach(|| stream.push(&batch)).map_err(error)
    }

    /// The partition's gaps, as bytes.
    fn finish<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let stream = self
            .stream
            .take()
            .ok_or_else(|| error("this stream has already finished"))?;
        let bytes = py.detach(|| stream.finish()).map_err(error)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The most times of one source held at once.
    #[getter]
    fn largest_source(&self) -> usize {
        self.stream
            .as_ref()
            .map_or(0, partition::GapStream::largest_source)
    }
}

/// The gaps in the logs from every [`GapStream`]'s result (each source
/// judged in one stream), as JSON bytes for [`Merge::finish`]: the gaps
/// `scrapewatch scan` finds.
#[pyfunction]
fn gaps_of_streams<'py>(py: Python<'py>, parts: Vec<Vec<u8>>) -> PyResult<Bound<'py, PyBytes>> {
    let gaps = py
        .detach(|| partition::gaps_of_streams(&parts))
        .map_err(error)?;
    let bytes = serde_json::to_vec(&gaps).map_err(error)?;
    Ok(PyBytes::new(py, &bytes))
}

/// The last step: every identity's partial result in, the rules that
/// compare identities decided, then the events they need and the record
/// space asked for, and the ranked findings out.
#[pyclass(module = "scrapewatch._scrapewatch")]
struct Merge {
    decision: Option<Decision>,
    config: Config,
    watchlist: Watchlist,
    population: Population,
}

#[pymethods]
impl Merge {
    #[new]
    fn new(
        py: Python<'_>,
        settings: &[u8],
        partials: Vec<Vec<u8>>,
        population: &[u8],
    ) -> PyResult<Merge> {
        let (config, watchlist, _) = Settings::read(settings)?;
        let population: Population = serde_json::from_slice(population)
            .map_err(|e| error(format!("not a population: {e}")))?;
        let decision = py.detach(|| -> scrapewatch::Result<Decision> {
            let mut all = Partial::default();
            for bytes in &partials {
                all.add(Partial::from_bytes(bytes)?);
            }
            Decision::new(all, &config, &watchlist)
        });
        Ok(Merge {
            decision: Some(decision.map_err(error)?),
            config,
            watchlist,
            population,
        })
    }

    /// The identities whose events `finish` needs.
    #[getter]
    fn needed(&self) -> PyResult<Vec<String>> {
        Ok(self.decision()?.needed().into_iter().collect())
    }

    /// The systems (as the events' `system` bytes) whose distinct records
    /// `finish` needs.
    #[getter]
    fn systems(&self) -> PyResult<Vec<Vec<u8>>> {
        Ok(self
            .decision()?
            .systems()
            .into_iter()
            .flat_map(|s| {
                // Evidence names events without a system so; both spellings
                // are asked for, in case a system is really named that.
                let raw = if s == NO_SYSTEM {
                    vec![Vec::new(), s.into_bytes()]
                } else {
                    vec![s.into_bytes()]
                };
                raw.into_iter()
            })
            .collect())
    }

    /// The ranked findings of one scan: `needed` holds the events of
    /// `needed` identities, `records` every distinct (`system`,
    /// `record_id`, `record_text`) of the `systems`, `paths` the inputs;
    /// `gaps` the gaps in the logs (from [`gaps_of_streams`]), which the
    /// findings touching one name, as `scrapewatch scan`'s do.
    #[pyo3(signature = (needed, records, paths, gaps = None))]
    fn finish(
        &mut self,
        py: Python<'_>,
        needed: &Bound<'_, PyAny>,
        records: &Bound<'_, PyAny>,
        paths: Vec<String>,
        gaps: Option<&[u8]>,
    ) -> PyResult<Detection> {
        let decision = self
            .decision
            .take()
            .ok_or_else(|| error("this merge has already finished"))?;
        let needed = batches(needed)?;
        let records = batches(records)?;
        let gaps: Gaps = match gaps {
            Some(bytes) => serde_json::from_slice(bytes)
                .map_err(|e| error(format!("not the gaps of a scan: {e}")))?,
            None => Gaps::default(),
        };
        let (config, watchlist, population) = (&self.config, &self.watchlist, &self.population);
        let detection = py.detach(|| -> scrapewatch::Result<scrapewatch::Detection> {
            let loaded = partition::load_wire(&needed, paths.len())?;
            let space = partition::record_space_of(&partition::load_wire(&records, 1)?);
            let mut detection =
                decision.finish(&loaded, &paths, config, watchlist, population, space)?;
            scrapewatch::gaps::mark(&mut detection.findings, &gaps);
            Ok(detection)
        });
        Ok(Detection {
            detection: detection.map_err(error)?,
            gaps,
        })
    }
}

impl Merge {
    fn decision(&self) -> PyResult<&Decision> {
        self.decision
            .as_ref()
            .ok_or_else(|| error("this merge has already finished"))
    }
}

/// Ranked findings, suppressed ones (allow-listed identities) last.
#[pyclass(module = "scrapewatch._scrapewatch", frozen)]
struct Detection {
    detection: scrapewatch::Detection,
    gaps: Gaps,
}

#[pymethods]
impl Detection {
    fn __len__(&self) -> usize {
        self.detection.findings.len()
    }

    /// The gaps in the logs, as JSON: `summary.gaps` of
    /// `scrapewatch scan --summary-json`, its keys in the same order.
    #[getter]
    fn gaps(&self) -> PyResult<String> {
        // Through a `Value`, as the summary is written: keys sorted.
        let value = serde_json::to_value(&self.gaps).map_err(error)?;
        serde_json::to_string(&value).map_err(error)
    }

    /// The findings as a pyarrow Table, one row per finding with the
    /// content of `scrapewatch scan --output-format json`: a column per
    /// key (sorted by name); nested values (evidence, ...) as JSON text in
    /// columns whose field metadata has `scrapewatch.json = "true"`.
    #[pyo3(signature = (show_suppressed = false))]
    fn to_arrow(&self, py: Python<'_>, show_suppressed: bool) -> PyResult<Py<PyAny>> {
        let shown = cmd::scan::shown(&self.detection, show_suppressed, None);
        findings_table(py, &shown, false)
    }

    /// The findings as `scrapewatch scan --output-format json` writes them.
    #[pyo3(signature = (show_suppressed = false))]
    fn json_lines(&self, show_suppressed: bool) -> PyResult<String> {
        let shown = cmd::scan::shown(&self.detection, show_suppressed, None);
        let mut buf = Vec::new();
        output::write_with(
            &mut buf,
            &shown,
            OutputFormat::Json,
            &output::Options::default(),
        )
        .map_err(error)?;
        String::from_utf8(buf).map_err(error)
    }
}

/// Findings as a table: the JSON writer's lines, a column per key.
fn findings_table(
    py: Python<'_>,
    shown: &[scrapewatch::Finding],
    pseudonymised: bool,
) -> PyResult<Py<PyAny>> {
    let options = output::Options {
        pseudonymised,
        ..output::Options::default()
    };
    let mut buf = Vec::new();
    output::write_with(&mut buf, shown, OutputFormat::Json, &options).map_err(error)?;
    let rows: Vec<serde_json::Map<String, serde_json::Value>> = buf
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).map_err(error))
        .collect::<PyResult<_>>()?;
    let mut keys: Vec<&String> = rows.iter().flat_map(|r| r.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for key in keys {
        let values: Vec<Option<&serde_json::Value>> = rows
            .iter()
            .map(|r| r.get(key.as_str()).filter(|v| !v.is_null()))
            .collect();
        let all = |f: fn(&serde_json::Value) -> bool| values.iter().flatten().all(|v| f(v));
        let (data_type, column, json): (DataType, ArrayRef, bool) = if all(|v| v.is_string()) {
            let mut b = StringBuilder::new();
            for v in &values {
                b.append_option(v.and_then(|v| v.as_str()));
            }
            (DataType::Utf8, Arc::new(b.finish()), false)
        } else if all(|v| v.is_i64()) {
            let mut b = Int64Builder::new();
            for v in &values {
                b.append_option(v.and_then(|v| v.as_i64()));
            }
            (DataType::Int64, Arc::new(b.finish()), false)
        } else if all(|v| v.is_number()) {
            let mut b = Float64Builder::new();
            for v in &values {
                b.append_option(v.and_then(|v| v.as_f64()));
            }
            (DataType::Float64, Arc::new(b.finish()), false)
        } else if all(|v| v.is_boolean()) {
            let mut b = BooleanBuilder::new();
            for v in &values {
                b.append_option(v.and_then(|v| v.as_bool()));
            }
            (DataType::Boolean, Arc::new(b.finish()), false)
        } else {
            let mut b = StringBuilder::new();
            for v in &values {
                b.append_option(v.map(|v| v.to_string()));
            }
            (DataType::Utf8, Arc::new(b.finish()), true)
        };
        let mut field = Field::new(key.as_str(), data_type, true);
        if json {
            field = field.with_metadata(
                [("scrapewatch.json".to_string(), "true".to_string())]
                    .into_iter()
                    .collect(),
            );
        }
        fields.push(field);
        columns.push(column);
    }
    let schema = Schema::new(fields);
    let batch = if columns.is_empty() {
        Vec::new()
    } else {
        vec![RecordBatch::try_new(Arc::new(schema.clone()), columns).map_err(error)?]
    };
    table(py, batch, schema)
}

/// The wire schema of events (as `parse` gives them) as a pyarrow Schema.
#[pyfunction]
fn wire_schema(py: Python<'_>) -> PyResult<Py<PyAny>> {
    Ok(partition::wire_schema().into_pyarrow(py)?.unbind())
}

/// Reads nothing and checks nothing: the version of the Rust crate the
/// package was built from.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

#[pymodule]
fn _scrapewatch(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ScrapewatchError", m.py().get_type::<ScrapewatchError>())?;
    m.add("UsageError", m.py().get_type::<UsageError>())?;
    m.add_class::<Job>()?;
    m.add_class::<Merge>()?;
    m.add_class::<IdentityStream>()?;
    m.add_class::<Detection>()?;
    m.add_class::<GapStream>()?;
    m.add_function(wrap_pyfunction!(parse, m)?)?;
    m.add_function(wrap_pyfunction!(population, m)?)?;
    m.add_function(wrap_pyfunction!(add_populations, m)?)?;
    m.add_function(wrap_pyfunction!(detect, m)?)?;
    m.add_function(wrap_pyfunction!(wire_schema, m)?)?;
    m.add_function(wrap_pyfunction!(gaps_of_streams, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    Ok(())
}

"""``python -m scrapewatch.spark scan [scan options] [--master URL] INPUTS...``

Runs ``scrapewatch scan`` on Apache Spark (4.x), with the same findings byte
for byte. The options are parsed by the command line's own parser (through
:class:`scrapewatch.Job`); only ``--master`` is this module's.

The stages, each running the package's Rust code:

1. parse: one task per input file (``mapInArrow``) scans it with the
   library's own scanner, so formats, headers and line numbers are exactly
   the scan's; events leave as Arrow with the identity as a string (symbols
   are process-local), times as integer milliseconds (never a Spark
   timestamp, which Spark would shift into the session time zone) and the
   file as its index among the inputs as the user named them;
2. shuffle by the identity string into partitions sorted by it (the
   streaming form of ``groupBy(identity)``: pyspark 4.0's ``applyInArrow``
   hands a whole group over as one Arrow table, which one identity of tens
   of millions of events would not fit); each worker streams its partition
   batch by batch into :class:`scrapewatch.IdentityStream`, which holds one
   identity at a time as compact 40-byte events;
3. population: over ``(identity, time)``, each identity's active hours,
   summed on the driver;
4. detect: the per-identity rules over each identity's events (row order
   from Spark does not matter: events are put in timeline order first),
   giving findings and small profiles;
5. gaps in the logs (see :func:`gaps_on_spark`): each input file and each
   system judged over its event times, by the code ``scrapewatch scan``
   runs, one source at a time in one task;
6. merge, on the driver: the rules that compare identities are decided from
   the profiles; the events of the identities they name and the distinct
   records of the systems the findings report a share of are fetched; the
   findings are ranked, those touching a gap marked with it, and written by
   the command line's writers.

A parse failure (an unreadable input, a file with no event, a bad line
under ``--strict``) stops the job with the file and line in the message.
"""

from __future__ import annotations

import os
import sys
from typing import Iterator, Optional

import pyarrow as pa

from . import Job, Merge, ScrapewatchError, UsageError
from . import _scrapewatch as core

#: The events' columns as Spark types (see ``scrapewatch.wire_schema()``).
EVENTS_DDL = (
    "identity string, time bigint, ip binary, user_agent binary, "
    "session binary, system binary, record_id bigint, record_text binary, "
    "action smallint, page int, rows bigint, bytes bigint, status int, "
    "file int, line bigint"
)

USAGE = """usage: python -m scrapewatch.spark scan [--master URL] [scan options] PATH...

Runs `scrapewatch scan` on Apache Spark; every option of `scrapewatch scan`
that a distributed run supports is accepted (see `scrapewatch scan --help`).
  --master URL   Spark master (default: spark-submit's, or local[*])
"""


def split_master(argv: list[str]) -> tuple[Optional[str], list[str]]:
    """Takes ``--master URL`` (or ``--master=URL``) out of ``argv``; stops at
    ``--`` so an input named like it stays an input."""
    master = None
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest += argv[i:]
            break
        if arg == "--master":
            if i + 1 >= len(argv):
                raise UsageError("error: --master needs a URL\n\n" + USAGE, 2)
            master = argv[i + 1]
            i += 2
            continue
        if arg.startswith("--master="):
            master = arg.split("=", 1)[1]
        else:
            rest.append(arg)
        i += 1
    return master, rest


def session(master: Optional[str]):
    """A Spark session: ``master`` if given, else whatever spark-submit
    said, else ``local[*]``. The workers run this interpreter unless
    ``PYSPARK_PYTHON`` or ``spark.pyspark.python`` say otherwise."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("scrapewatch")
    if master is not None:
        builder = builder.master(master)
    if "PYSPARK_PYTHON" not in os.environ:
        builder = builder.config("spark.pyspark.python", sys.executable)
    return builder.getOrCreate()


def events_of(spark, job: Job):
    """Stage 1: every input's events, one parse task per file."""
    settings = job.settings
    inputs = job.inputs
    # Inputs are named as the user gave them, relative ones too, and the
    # evidence keeps those names; a worker on a shared file system reads
    # them from the driver's directory.
    cwd = os.getcwd()
    files = spark.createDataFrame(
        list(enumerate(inputs)), "file int, path string"
    ).repartition(max(1, len(inputs)), "file")

    def parse_files(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        if os.path.isdir(cwd):
            os.chdir(cwd)
        for batch in batches:
            for file, path in zip(
                batch.column("file").to_pylist(), batch.column("path").to_pylist()
            ):
                yield from core.parse(path, file, settings).to_batches()

    return files.mapInArrow(parse_files, EVENTS_DDL)


def gaps_on_spark(spark, job: Job, events, partitions: int) -> Optional[bytes]:
    """The gaps in the logs of ``events`` (a DataFrame with at least
    ``file``, ``system`` and ``time``), as ``scrapewatch scan`` finds them:
    bytes for :meth:`Merge.finish`, or ``None`` when gaps are not looked
    for or there is no event.

    ``scrapewatch scan`` judges each input file and each system over all of
    its sorted event times, given the logs' first and last event and how
    many systems have events. Exactly that, distributed: the three are one
    small aggregation (a row per system) to the driver; then one row per
    event and source, shuffled by source and sorted by time within it,
    streams through :class:`scrapewatch.GapStream`, which holds one
    source's times at a time and judges it with the Rust function the scan
    runs (``gaps::judge_source``, not a re-implementation); the driver
    merges the per-source gaps, in the scan's order. The driver never holds
    an event. The cost: one source's distinct event times (each kept at
    most twice, which changes no gap: see ``gaps::Times``), 8 bytes each,
    up to three times that while the vector grows, in one task; the
    largest source is the busiest system (a year of it logged to the
    millisecond at 100 events a second: about 3 G times, 25 GB; logged to
    the second, at most two times a second: 63 M, 0.5 GB). Spark's sort by
    time spills to disk. Whole sources rather than mergeable summaries of
    slices of time: a source's verdict rests on its habits (hours and
    weekdays, from all of its days) and on a quartile of stretches measured
    in those hours, so a slice cannot judge its part alone; judging each
    source whole with the scan's own function is exact by construction.
    """
    if not job.finds_gaps:
        return None
    from pyspark.sql import functions as F

    spans = (
        events.groupBy("system")
        .agg(F.min("time").alias("first"), F.max("time").alias("last"))
        .collect()
    )
    if not spans:
        return None
    first = min(r["first"] for r in spans)
    last = max(r["last"] for r in spans)
    systems = len(spans)
    settings = job.settings
    inputs = job.inputs
    # A row is its file's when `file` is set, else its system's.
    rows = (
        events.select("file", F.lit(None).cast("binary").alias("system"), "time")
        .unionByName(events.select(F.lit(None).cast("int").alias("file"), "system", "time"))
        .repartition(partitions, "file", "system")
        .sortWithinPartitions("file", "system", "time")
    )

    def judge(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        stream = core.GapStream(settings, inputs, first, last, systems)
        for batch in batches:
            stream.push(batch)
        yield pa.record_batch([pa.array([stream.finish()], pa.binary())], ["part"])

    parts = rows.mapInArrow(judge, "part binary").toArrow().column("part").to_pylist()
    return core.gaps_of_streams(parts)


def detect_on_spark(spark, job: Job, partitions: Optional[int] = None) -> core.Detection:
    """Runs the scan of ``job`` on ``spark``; returns the ranked findings.

    ``partitions``: how many partitions to shuffle the events into by
    identity (default: four per core of the cluster; a partition is
    streamed, so its size costs disk for Spark's sort, not memory)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    settings = job.settings
    inputs = job.inputs
    events = events_of(spark, job)
    # The one shuffle: by the identity string, each partition sorted by it,
    # so that a worker streams one identity after another (see
    # IdentityStream) instead of taking a whole group as one Arrow table,
    # which one identity of tens of millions of events would not fit.
    # Kept for the three stages that read it (spilled to disk when memory
    # is short: see the README on encrypting Spark's local files).
    if not partitions:
        partitions = 4 * spark.sparkContext.defaultParallelism
    grouped = (
        events.repartition(partitions, "identity")
        .sortWithinPartitions("identity")
        .persist(
            StorageLevel.MEMORY_AND_DISK
        )
    )
    try:

        def populations(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            stream = core.IdentityStream(settings, inputs)
            for batch in batches:
                stream.push(batch)
            yield pa.record_batch([pa.array([stream.finish()], pa.binary())], ["part"])

        parts = grouped.select("identity", "time").mapInArrow(populations, "part binary")
        population = core.add_populations(parts.toArrow().column("part").to_pylist())

        def detections(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            stream = core.IdentityStream(settings, inputs, population)
            for batch in batches:
                stream.push(batch)
            yield pa.record_batch([pa.array([stream.finish()], pa.binary())], ["part"])

        partials = grouped.mapInArrow(detections, "part binary").toArrow()
        gaps = gaps_on_spark(spark, job, grouped, partitions)
        merge = Merge(settings, partials.column("part").to_pylist(), population)
        empty = core.wire_schema().empty_table()
        needed = merge.needed
        needed_events = (
            grouped.where(F.col("identity").isin(needed)).toArrow() if needed else empty
        )
        systems = merge.systems
        records = (
            grouped.where(F.hex("system").isin([s.hex().upper() for s in systems]))
            .select("system", "record_id", "record_text")
            .distinct()
            .toArrow()
            if systems
            else empty
        )
        return merge.finish(needed_events, records, inputs, gaps)
    finally:
        grouped.unpersist()


def main(argv: Optional[list[str]] = None) -> int:
    """The command line; returns the exit status of ``scrapewatch scan``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if not argv or argv[0] in ("-h", "--help"):
            sys.stdout.write(USAGE)
            return 0 if argv else 2
        if argv[0] != "scan":
            raise UsageError(f"error: unknown command `{argv[0]}`\n\n{USAGE}", 2)
        master, rest = split_master(argv[1:])
        job = Job(rest)
    except UsageError as e:
        text, status = e.args
        (sys.stdout if status == 0 else sys.stderr).write(text)
        return status
    except ScrapewatchError as e:
        print(f"scrapewatch: {e}", file=sys.stderr)
        return 2
    for error in job.resolve_errors:
        print(f"scrapewatch: {error}", file=sys.stderr)
    spark = session(master)
    try:
        detection = detect_on_spark(spark, job)
        return job.write(detection)
    except ScrapewatchError as e:
        print(f"scrapewatch: {e}", file=sys.stderr)
        return 2
    finally:
        spark.stop()


if __name__ == "__main__":
    sys.exit(main())

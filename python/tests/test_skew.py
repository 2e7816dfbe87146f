"""Skew: one identity with far more events than any other (a service
account, or the account an attacker borrows) is streamed through a worker
one Arrow batch at a time and held as compact events, never as one Arrow
table; nothing is capped, sampled or dropped, and the findings equal
`scrapewatch scan`'s byte for byte.

What this shows on a 2-core CI machine is the mechanism (the most Arrow
rows a worker holds is one batch, whatever the identity's size); it does
not reproduce an executor running out of memory, which would take an
identity of tens of millions of events."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pyarrow as pa
import pytest

import scrapewatch
from conftest import spark_session
from sparkcase import same_as_cli, spark_scan
from scrapewatch.spark import events_of

GIANT = 40_000
BATCH = 500


def write_log(path) -> None:
    """`svc-giant` reads records in order every 0.25 s (one scraping episode after another); twenty accounts
    read a little beside it."""
    t0 = datetime(2025, 6, 1, 2, tzinfo=timezone.utc)
    with open(path, "w") as out:
        for i in range(GIANT):
            ts = t0 + timedelta(milliseconds=250 * i)
            row = {"ts": ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z",
                   "account": "svc-giant", "ip": "10.9.0.1", "system": "membership",
                   "action": "read", "record": 100000 + i, "status": 200}
            out.write(json.dumps(row) + "\n")
            if i % 400 == 0:
                who = f"volunteer-{i // 400 % 20}"
                row.update(account=who, ip=f"10.1.0.{i // 400 % 20}", record=500 + i // 400)
                out.write(json.dumps(row) + "\n")


@pytest.fixture(scope="module")
def spark():
    session = spark_session("local[2]")
    session.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(BATCH))
    yield session
    session.stop()


def test_one_giant_identity_is_streamed_and_found_exactly(spark, tmp_path):
    log = tmp_path / "giant.ndjson"
    write_log(log)
    args = [str(log), "--output-format", "json"]
    job = scrapewatch.Job(args)
    settings, inputs = job.settings, job.inputs

    def probe(batches):
        stream = scrapewatch.IdentityStream(settings, inputs)
        for batch in batches:
            stream.push(batch)
        stream.finish()
        yield pa.record_batch(
            [pa.array([stream.largest_batch]), pa.array([stream.largest_identity]),
             pa.array([stream.identities])],
            ["batch", "identity", "identities"],
        )

    grouped = events_of(spark, job).repartition(2, "identity").sortWithinPartitions("identity")
    seen = grouped.mapInArrow(probe, "batch long, identity long, identities long").toArrow()
    assert max(seen.column("batch").to_pylist()) <= BATCH
    assert max(seen.column("identity").to_pylist()) == GIANT
    assert sum(seen.column("identities").to_pylist()) == 21

    out = spark_scan(spark, args, tmp_path / "spark.json")
    assert b"svc-giant" in out
    same_as_cli(out, args, tmp_path, "giant")

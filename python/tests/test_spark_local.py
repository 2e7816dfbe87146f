"""`python -m scrapewatch.spark scan` on `local[2]` gives the findings of
`scrapewatch scan` byte for byte: the bundled contest (JSON and CSV, file
names relative as given), two generated contests of other seeds, and
logs with a gap (the gaps and the findings marked with them)."""

from __future__ import annotations

import pytest

from conftest import CONTEST_ARGS, REPO, spark_session
from sparkcase import module_scan, same_as_cli, same_gaps_as_cli, spark_scan


@pytest.fixture(scope="module")
def spark():
    session = spark_session("local[2]")
    yield session
    session.stop()


def test_the_module_on_local_2_gives_the_cli_csv_with_relative_names(tmp_path):
    # Its own process and session, before this module's session starts.
    args = [*CONTEST_ARGS, "--output-format", "csv"]
    out = module_scan("local[2]", args, tmp_path / "spark.csv")
    assert b"data/contest/events.ndjson.gz:" in out
    same_as_cli(out, args, tmp_path, "contest-csv")


def test_a_generated_contest(spark, generated, tmp_path):
    name = "seed7-ndjson"
    files, watchlist = generated[name]
    args = [*files, "--watchlist", watchlist, "--output-format", "json"]
    out = spark_scan(spark, args, tmp_path / f"{name}.json")
    same_as_cli(out, args, tmp_path, name)


def test_a_siem_format_and_pseudonyms(spark, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    key = tmp_path / "key"
    key.write_bytes(b"0123456789abcdef0123456789abcdef")
    args = [*CONTEST_ARGS, "--output-format", "ocsf", "--pseudonymize", str(key)]
    out = spark_scan(spark, args, tmp_path / "spark.ocsf")
    same_as_cli(out, args, tmp_path, "contest-ocsf")


def test_logs_with_a_gap(spark, cut_contest, tmp_path, capfd):
    files, watchlist = cut_contest
    same_gaps_as_cli(spark, files, watchlist, tmp_path, capfd)

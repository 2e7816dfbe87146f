"""`scrapewatch.scan` (the Python API, one process) returns the findings of
`scrapewatch scan`, as a pyarrow Table; errors are Python exceptions naming
the file and line."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

import scrapewatch
from conftest import CONTEST, REPO, cli_scan


def rows(table: pa.Table) -> list[dict]:
    """The table's rows as the JSON writer's objects."""
    nested = {f.name for f in table.schema if (f.metadata or {}).get(b"scrapewatch.json") == b"true"}
    out = []
    for row in table.to_pylist():
        # Every key of the JSON writer is always present (null included).
        out.append({k: (json.loads(v) if k in nested and v is not None else v)
                    for k, v in row.items()})
    return out


def cli_rows(args, tmp_path) -> list[dict]:
    text = cli_scan([*args, "--output-format", "json"], tmp_path / "cli.json")
    return [json.loads(line) for line in text.decode().splitlines()]


def test_scan_of_the_contest_equals_the_cli_json(tmp_path):
    table = scrapewatch.scan(
        [REPO / "data/contest/events.ndjson.gz"], watchlist=CONTEST / "watchlist.csv"
    )
    expected = cli_rows(
        [str(REPO / "data/contest/events.ndjson.gz"), "--watchlist", str(CONTEST / "watchlist.csv")],
        tmp_path,
    )
    assert isinstance(table, pa.Table)
    assert len(expected) > 10
    assert rows(table) == expected


def test_scan_with_settings_and_suppressed_equals_the_cli(tmp_path):
    args = ["--set", "rules.distinct-volume.max_records=200", "--show-suppressed"]
    table = scrapewatch.scan(
        REPO / "data/contest/events.ndjson.gz",
        watchlist=CONTEST / "watchlist.csv",
        set=["rules.distinct-volume.max_records=200"],
        show_suppressed=True,
    )
    expected = cli_rows(
        [*args, str(REPO / "data/contest/events.ndjson.gz"), "--watchlist", str(CONTEST / "watchlist.csv")],
        tmp_path,
    )
    assert rows(table) == expected


def test_generated_contests_equal_the_cli(generated, tmp_path):
    for name, (files, watchlist) in generated.items():
        table = scrapewatch.scan(files, watchlist=watchlist)
        expected = cli_rows([*files, "--watchlist", watchlist], tmp_path)
        assert len(expected) > 0, name
        assert rows(table) == expected, name


def test_a_missing_file_is_an_exception_naming_it(tmp_path):
    missing = tmp_path / "nowhere.ndjson"
    with pytest.raises(scrapewatch.ScrapewatchError, match="nowhere.ndjson"):
        scrapewatch.scan([missing])


def test_a_bad_line_under_strict_names_file_and_line(tmp_path):
    log = tmp_path / "bad.ndjson"
    good = '{"ts":"2025-06-01T10:00:00Z","account":"a","action":"read","record":"1"}\n'
    log.write_text(good + "{not json\n" + good)
    with pytest.raises(scrapewatch.ScrapewatchError, match=r"bad\.ndjson:2"):
        scrapewatch.Job(["--strict", "--", str(log)]).scan()


def test_a_bad_setting_is_an_exception_naming_the_key():
    with pytest.raises(scrapewatch.ScrapewatchError, match="no-such-key"):
        scrapewatch.scan([REPO / "data/sample.ndjson"], set=["rules.no-such-key=1"])


def test_options_are_parsed_by_the_cli_parser():
    with pytest.raises(scrapewatch.UsageError) as e:
        scrapewatch.Job(["--output-format", "yaml", "x"])
    text, status = e.value.args
    assert status == 2 and "yaml" in text and "possible values" in text


def test_parse_gives_arrow_events_with_file_and_line():
    job = scrapewatch.Job([str(REPO / "data/sample.ndjson")])
    table = scrapewatch.parse(job.inputs[0], 3, job.settings)
    assert table.schema.equals(scrapewatch.wire_schema())
    assert table.num_rows > 0
    assert set(table.column("file").to_pylist()) == {3}
    lines = table.column("line").to_pylist()
    assert min(lines) >= 1 and len(set(lines)) == len(lines)

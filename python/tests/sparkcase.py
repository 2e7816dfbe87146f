"""What the Spark tests share: one scan through Spark, in this process or
through `python -m scrapewatch.spark`, compared byte for byte with
`scrapewatch scan`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import scrapewatch
from scrapewatch.spark import detect_on_spark

from conftest import REPO, binary, cli_scan


def spark_scan(spark, args: list[str], out: Path) -> bytes:
    """The scan of `args` on `spark` (this process's session), written by
    the CLI's writers to `out`."""
    job = scrapewatch.Job([*args, "-q", "-o", str(out)])
    status = job.write(detect_on_spark(spark, job))
    assert status in (0, 1)
    return out.read_bytes()


def module_scan(master: str, args: list[str], out: Path) -> bytes:
    """`python -m scrapewatch.spark scan --master MASTER ARGS -q -o OUT`,
    run in the repository."""
    run = subprocess.run(
        [sys.executable, "-m", "scrapewatch.spark", "scan", "--master", master,
         *args, "-q", "-o", str(out)],
        cwd=REPO, capture_output=True, text=True,
    )
    assert run.returncode in (0, 1), run.stderr[-4000:]
    return out.read_bytes()


def same_as_cli(result: bytes, args: list[str], tmp_path: Path, name: str) -> None:
    expected = cli_scan(args, tmp_path / f"{name}.cli")
    assert expected, f"{name}: the CLI found nothing: the comparison would prove nothing"
    assert result == expected, f"{name}: Spark's output differs from `scrapewatch scan`"


def same_gaps_as_cli(spark, files: list[str], watchlist: str, tmp_path: Path, capfd) -> None:
    """On logs with a gap: Spark's JSON findings byte for byte
    `scrapewatch scan`'s, its gaps `summary.gaps` of the scan's
    `--summary-json` (content and order), and some finding marked with
    a gap, so that the comparison cannot pass without gaps; without
    `-q`, the gaps are printed as `scan` prints them."""
    args = [*files, "--watchlist", watchlist, "--output-format", "json"]
    out = tmp_path / "spark.json"
    job = scrapewatch.Job([*args, "-q", "-o", str(out)])
    detection = detect_on_spark(spark, job)
    assert job.write(detection) in (0, 1)
    summary = tmp_path / "summary.json"
    run = subprocess.run(
        [str(binary()), "scan", *args, "-q", "-o", str(tmp_path / "cli.json"),
         "--summary-json", str(summary)],
        capture_output=True, text=True,
    )
    assert run.returncode in (0, 1), run.stderr
    expected = json.loads(summary.read_text())["summary"]["gaps"]
    found = expected["found"]
    assert any(g["source"] == "file" for g in found), expected
    assert any(g["source"] == "system" for g in found), expected
    got = json.loads(detection.gaps)
    assert json.dumps(got) == json.dumps(expected), f"Spark's gaps {got}, scan's {expected}"
    result = out.read_bytes()
    assert result == (tmp_path / "cli.json").read_bytes(), "Spark's findings differ from scan's"
    marked = [f for f in map(json.loads, result.decode().splitlines()) if f["evidence"]["gaps"]]
    assert marked, "no finding touches the gap: the comparison would prove nothing"

    capfd.readouterr()
    loud = scrapewatch.Job([*args, "-o", str(tmp_path / "loud.json")])
    loud.write(detection)
    said = capfd.readouterr().err
    assert f"gap: file {files[0]}: no events from 2025-06-05T" in said, said
    assert "gap: system membership: no events from 2025-06-05T" in said, said

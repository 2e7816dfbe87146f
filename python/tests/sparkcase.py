"""What the Spark tests share: one scan through Spark, in this process or
through `python -m scrapewatch.spark`, compared byte for byte with
`scrapewatch scan`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import scrapewatch
from scrapewatch.spark import detect_on_spark

from conftest import REPO, cli_scan


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

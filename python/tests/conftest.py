"""Fixtures of the Python and Spark tests: the `scrapewatch` binary the
results are compared with, generated contests, and Spark sessions (local
and a standalone cluster on loopback) started from pyspark's own scripts."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONTEST = REPO / "data" / "contest"

# Spark binds to the machine's name otherwise; the tests stay on loopback.
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)


def binary() -> Path:
    """The `scrapewatch` binary: $SCRAPEWATCH_BIN, else the debug build."""
    path = Path(os.environ.get("SCRAPEWATCH_BIN", REPO / "target" / "debug" / "scrapewatch"))
    if not path.exists():
        pytest.fail(f"{path}: no scrapewatch binary (run `cargo build` first)")
    return path


def cli_scan(args: list[str], out: Path, cwd: Path = REPO) -> bytes:
    """`scrapewatch scan ARGS -q -o OUT`, run in `cwd`; the bytes of OUT."""
    run = subprocess.run(
        [str(binary()), "scan", *args, "-q", "-o", str(out)],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    assert run.returncode in (0, 1), run.stderr
    return out.read_bytes()


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> dict[str, tuple[list[str], str]]:
    """Two small generated contests of other seeds, one NDJSON, one CSV:
    name -> (log files, watchlist)."""
    root = tmp_path_factory.mktemp("generated")
    cases = {}
    for seed, fmt in [(7, "ndjson"), (11, "csv")]:
        out = root / f"seed{seed}"
        subprocess.run(
            [str(binary()), "generate", "--out", str(out), "--events", "12000",
             "--seed", str(seed), "--format", fmt],
            check=True,
            capture_output=True,
        )
        logs = sorted(p for p in out.iterdir() if p.name.startswith("events"))
        assert logs, f"generate wrote no events in {out}"
        cases[f"seed{seed}-{fmt}"] = ([str(p) for p in logs], str(out / "watchlist.csv"))
    return cases


@pytest.fixture(scope="session")
def cut_contest(tmp_path_factory) -> tuple[list[str], str]:
    """Logs with a gap: generated contest seed 5 (100k events) without
    2025-06-05 18:00 to 2025-06-06 12:00 UTC (as tests/gaps.rs), its lines
    dealt alternately into two files (two file sources of the same span):
    (log files, watchlist)."""
    root = tmp_path_factory.mktemp("cut")
    subprocess.run(
        [str(binary()), "generate", "--out", str(root), "--events", "100000",
         "--seed", "5", "--format", "ndjson"],
        check=True,
        capture_output=True,
    )
    lines = (root / "events.ndjson").read_text().splitlines(keepends=True)

    def lost(line: str) -> bool:
        at = line.index('"ts":"') + 6
        return "2025-06-05T18:00:00" <= line[at:at + 19] <= "2025-06-06T11:59:59"

    kept = [line for line in lines if not lost(line)]
    assert len(kept) + 500 < len(lines), "the night had events"
    files = []
    for k in range(2):
        path = root / f"cut{k}.ndjson"
        path.write_text("".join(kept[k::2]))
        files.append(str(path))
    return files, str(root / "watchlist.csv")


CONTEST_ARGS = ["data/contest/events.ndjson.gz", "--watchlist", "data/contest/watchlist.csv"]


def spark_session(master: str):
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(master)
        .appName("scrapewatch-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.pyspark.python", sys.executable)
        .getOrCreate()
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_class() -> Path:
    import pyspark

    script = Path(pyspark.__file__).parent / "bin" / "spark-class"
    if not script.exists():
        pytest.fail(f"{script}: pyspark ships no spark-class")
    return script


def wait_for(predicate, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what}")


class Cluster:
    """A Spark standalone master and two one-core workers on 127.0.0.1,
    started from pyspark's own `spark-class`; stopped by `stop`."""

    def __init__(self, root: Path, worker_memory: str = "1g"):
        import pyspark

        self.root = root
        self.port = free_port()
        self.url = f"spark://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        env = dict(os.environ)
        env.setdefault("SPARK_HOME", str(Path(pyspark.__file__).parent))
        env["SPARK_LOCAL_IP"] = "127.0.0.1"
        self.env = env
        self.logs = []
        self._start("master", "org.apache.spark.deploy.master.Master",
                     "--host", "127.0.0.1", "--port", str(self.port), "--webui-port", "0")
        wait_for(self._listening, f"the master on port {self.port}")
        for i in range(2):
            work = root / f"worker{i}"
            work.mkdir()
            self._start(f"worker{i}", "org.apache.spark.deploy.worker.Worker",
                        "--host", "127.0.0.1", "--cores", "1", "--memory", worker_memory,
                        "--webui-port", "0", "--work-dir", str(work), self.url)
        wait_for(lambda: self._registered() >= 2, "two workers to register")

    def _start(self, name: str, cls: str, *args: str) -> None:
        log = open(self.root / f"{name}.log", "w")
        self.logs.append(self.root / f"{name}.log")
        self.procs.append(subprocess.Popen(
            [str(spark_class()), cls, *args], stdout=log, stderr=subprocess.STDOUT,
            env=self.env, start_new_session=True))

    def _listening(self) -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def _registered(self) -> int:
        text = (self.root / "master.log").read_text(errors="replace")
        return text.count("Registering worker")

    def stop(self) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if shutil.which("java") is None and "JAVA_HOME" not in os.environ:
        pytest.fail("no java: the Spark tests need Java 17")
    c = Cluster(tmp_path_factory.mktemp("cluster"))
    yield c
    c.stop()

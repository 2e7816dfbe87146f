"""On a Spark standalone cluster on loopback (a master and two workers
started from pyspark's own `spark-class`), `python -m scrapewatch.spark
scan` gives the findings of `scrapewatch scan` byte for byte, on logs with
a gap too."""

from __future__ import annotations

from conftest import CONTEST_ARGS, spark_session
from sparkcase import module_scan, same_as_cli, same_gaps_as_cli, spark_scan


def test_the_module_on_a_standalone_cluster(cluster, tmp_path):
    args = [*CONTEST_ARGS, "--output-format", "json"]
    out = module_scan(cluster.url, args, tmp_path / "spark.json")
    same_as_cli(out, args, tmp_path, "contest-json")


def test_generated_contests_on_the_cluster(cluster, generated, cut_contest, tmp_path, capfd):
    spark = spark_session(cluster.url)
    try:
        name = "seed11-csv"
        files, watchlist = generated[name]
        args = [*files, "--watchlist", watchlist, "--output-format", "json"]
        out = spark_scan(spark, args, tmp_path / f"{name}.json")
        same_as_cli(out, args, tmp_path, name)
        # Logs with a gap, in the same session (a session costs seconds).
        files, watchlist = cut_contest
        (tmp_path / "cut").mkdir()
        same_gaps_as_cli(spark, files, watchlist, tmp_path / "cut", capfd)
    finally:
        spark.stop()

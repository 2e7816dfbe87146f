"""scrapewatch: finds data scraping in access logs, from Python.

The same detectors as the ``scrapewatch`` command, compiled into this
package (nothing is re-implemented in Python): :func:`scan` runs a whole
scan in this process and returns the findings as a :class:`pyarrow.Table`;
:mod:`scrapewatch.spark` runs it on Apache Spark. The lower-level steps
(:func:`parse`, :func:`population`, :func:`detect`, :class:`Merge`) take and
give Arrow, for engines that move the events themselves.

Errors are :class:`ScrapewatchError`, whose message names the file and,
for a line, its number.
"""

from __future__ import annotations

import os
from typing import Iterable, Optional, Sequence, Union

import pyarrow as pa

from ._scrapewatch import (  # noqa: F401  (the package's public names)
    Detection,
    GapStream,
    Job,
    IdentityStream,
    Merge,
    ScrapewatchError,
    UsageError,
    add_populations,
    detect,
    gaps_of_streams,
    parse,
    population,
    version,
    wire_schema,
)

__all__ = [
    "Detection",
    "GapStream",
    "Job",
    "IdentityStream",
    "Merge",
    "ScrapewatchError",
    "UsageError",
    "add_populations",
    "detect",
    "gaps_of_streams",
    "parse",
    "population",
    "scan",
    "scan_argv",
    "version",
    "wire_schema",
]

PathLike = Union[str, "os.PathLike[str]"]


def scan_argv(
    paths: Union[PathLike, Sequence[PathLike]],
    *,
    config: Optional[PathLike] = None,
    watchlist: Optional[PathLike] = None,
    set: Iterable[str] = (),
    format: Optional[str] = None,
    identity: Optional[str] = None,
    show_suppressed: bool = False,
) -> list[str]:
    """The ``scrapewatch scan`` arguments that :func:`scan` runs."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    argv: list[str] = []
    if config is not None:
        argv += ["--config", os.fspath(config)]
    if watchlist is not None:
        argv += ["--watchlist", os.fspath(watchlist)]
    for item in set:
        argv += ["--set", item]
    if format is not None:
        argv += ["--format", format]
    if identity is not None:
        argv += ["--identity", identity]
    if show_suppressed:
        argv.append("--show-suppressed")
    # `--` so that a file named like an option stays a file.
    return argv + ["--"] + [os.fspath(p) for p in paths]


def scan(
    paths: Union[PathLike, Sequence[PathLike]],
    *,
    config: Optional[PathLike] = None,
    watchlist: Optional[PathLike] = None,
    set: Iterable[str] = (),
    format: Optional[str] = None,
    identity: Optional[str] = None,
    show_suppressed: bool = False,
) -> pa.Table:
    """Scans access logs and returns the findings as a pyarrow Table.

    ``paths``: files, directories (walked) or globs, as for
    ``scrapewatch scan``; ``config``: a TOML configuration file;
    ``watchlist``: the watchlist CSV; ``set``: ``KEY=VALUE`` overrides as
    ``--set``; ``format``, ``identity``: as ``--format``, ``--identity``.

    One row per finding, with the content of
    ``scrapewatch scan --output-format json``: a column per key; nested
    values (the evidence) as JSON text, in columns whose field metadata
    has ``scrapewatch.json = "true"``. ``table.to_pandas()`` or
    ``polars.from_arrow(table)`` make a data frame of it.

    Raises :class:`ScrapewatchError` when a setting is wrong or an input
    cannot be read, naming the file (and line).
    """
    argv = scan_argv(
        paths,
        config=config,
        watchlist=watchlist,
        set=set,
        format=format,
        identity=identity,
        show_suppressed=show_suppressed,
    )
    try:
        job = Job(argv)
    except UsageError as e:
        raise ScrapewatchError(str(e.args[0]).strip()) from None
    return job.findings(job.scan())

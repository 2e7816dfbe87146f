"""Type stubs of the compiled core (``scrapewatch._scrapewatch``)."""

from typing import Any

import pyarrow as pa

class ScrapewatchError(Exception):
    """A bad setting, an unreadable input, a bad line under ``--strict``;
    the message names the file and, for a line, its number."""

class UsageError(ScrapewatchError):
    """The command line could not be parsed (or asked for help):
    ``args[0]`` is the text to print, ``args[1]`` the CLI's exit status."""

class Detection:
    """Ranked findings, suppressed ones (allow-listed identities) last."""

    def __len__(self) -> int: ...
    @property
    def gaps(self) -> str:
        """The gaps in the logs as JSON: ``summary.gaps`` of
        ``scrapewatch scan --summary-json``."""
    def to_arrow(self, show_suppressed: bool = False) -> pa.Table:
        """The findings as a table with the content of the JSON output."""
    def json_lines(self, show_suppressed: bool = False) -> str:
        """The findings as ``scrapewatch scan --output-format json``."""

class Job:
    """A ``scrapewatch scan`` command line (the arguments after ``scan``),
    parsed by the command line's own parser."""

    def __init__(self, argv: list[str]) -> None: ...
    @property
    def inputs(self) -> list[str]:
        """Input files as named in the findings (directories walked,
        globs expanded, in name order)."""
    @property
    def resolve_errors(self) -> list[str]:
        """Names that matched nothing."""
    @property
    def quiet(self) -> bool:
        """Whether ``--quiet`` was given."""
    @property
    def finds_gaps(self) -> bool:
        """Whether gaps in the logs are looked for (``gaps.enabled``)."""
    @property
    def settings(self) -> bytes:
        """The job's configuration, watchlist and scan options, for the
        workers."""
    def scan(self) -> Detection:
        """Scans and detects in this process."""
    def write(self, detection: Detection, failed: bool = False) -> int:
        """Writes the findings as ``scrapewatch scan`` would; returns its
        exit status."""
    def findings(self, detection: Detection) -> pa.Table:
        """The findings as a table, with this job's output options."""

def parse(path: str, file: int, settings: bytes) -> pa.Table:
    """Parses one input into events (the wire schema), each with file
    index ``file``."""

def population(events: Any, settings: bytes) -> bytes:
    """The peer groups' active hours of the identities in ``events``
    (an Arrow stream with at least ``identity`` and ``time``)."""

def add_populations(parts: list[bytes]) -> bytes:
    """The population of all, from those of disjoint sets of identities."""

def detect(events: Any, settings: bytes, population: bytes, paths: list[str]) -> bytes:
    """The per-identity rules over every event of some identities: their
    findings and profiles, for :class:`Merge`."""

class Merge:
    """Every identity's partial result in; the ranked findings out."""

    def __init__(self, settings: bytes, partials: list[bytes], population: bytes) -> None: ...
    @property
    def needed(self) -> list[str]:
        """Identities whose events :meth:`finish` needs."""
    @property
    def systems(self) -> list[bytes]:
        """Systems whose distinct records :meth:`finish` needs."""
    def finish(
        self, needed: Any, records: Any, paths: list[str], gaps: bytes | None = None
    ) -> Detection:
        """The findings of one scan, from the events of :attr:`needed` and
        the distinct records of :attr:`systems`; those touching one of
        ``gaps`` (from :func:`gaps_of_streams`) are marked with it."""

def wire_schema() -> pa.Schema:
    """The schema of events as :func:`parse` gives them."""

def version() -> str:
    """The version of the Rust crate the package was built from."""

class IdentityStream:
    """One partition's events, sorted by identity, streamed in batch by
    batch and held one identity at a time as compact events.
    ``IdentityStream(settings, paths)`` gathers the population;
    with ``population`` it runs the per-identity rules."""

    def __init__(self, settings: bytes, paths: list[str], population: bytes | None = None) -> None: ...
    def push(self, batch: pa.RecordBatch) -> None:
        """Adds a batch (rows of one identity together, in any order)."""
    def finish(self) -> bytes:
        """The partition's population or partial result."""
    @property
    def identities(self) -> int:
        """Identities handed on so far."""
    @property
    def largest_batch(self) -> int:
        """The most rows of one batch pushed."""
    @property
    def largest_identity(self) -> int:
        """The most events of one identity held."""

class GapStream:
    """One partition of per-source event times (columns ``file``, null on
    a system's row, ``system`` and ``time``), each source's rows together,
    sorted by time within it; holds one source's times at a time and judges
    it as ``scrapewatch scan`` does, given the logs' first and last event
    time and how many systems have events."""

    def __init__(
        self, settings: bytes, paths: list[str], first: int, last: int, systems: int
    ) -> None: ...
    def push(self, batch: pa.RecordBatch) -> None:
        """Adds a batch of rows."""
    def finish(self) -> bytes:
        """The partition's gaps."""
    @property
    def largest_source(self) -> int:
        """The most times of one source held at once."""

def gaps_of_streams(parts: list[bytes]) -> bytes:
    """The gaps in the logs (JSON, for :meth:`Merge.finish`) from every
    :class:`GapStream`'s result."""

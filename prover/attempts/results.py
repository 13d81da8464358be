"""A results file: one JSON object a line per finished attempt (or per anything keyed by problem and attempt), appended, flushed and fsynced as it ends.

Only the last line can be torn (a run killed mid-write); readers skip it, and a resumed run cuts it off.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from prover.core import ProverError

_BAD = object()  # a line that is not JSON


@dataclass
class ResultsFile:
    records: list[dict[str, Any]]
    good_bytes: int  # length of the prefix made of whole, valid lines
    torn: bool  # a partial last line follows that prefix


def read_results(path: str | Path) -> ResultsFile:
    """All complete records. A bad line anywhere but at the end is damage we do not guess around."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise ProverError(f"no such results file: {path}") from e
    except OSError as e:
        raise ProverError(f"cannot read {path}: {e.strerror}") from e
    records: list[dict[str, Any]] = []
    *complete, tail = data.split(b"\n")  # `tail` is what follows the last newline: b"" unless torn
    offset = 0
    for number, raw in enumerate(complete, start=1):
        try:
            record = json.loads(raw) if raw.strip() else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            record = _BAD
        if record is _BAD and number == len(complete) and not tail:
            return ResultsFile(records, offset, torn=True)  # a garbled final line: a write cut short
        if record is _BAD or (record is not None and not isinstance(record, dict)):
            raise ProverError(f"{path}:{number}: not a result record; the file is damaged")
        if record is not None:
            records.append(record)
        offset += len(raw) + 1
    if tail:
        return ResultsFile(records, offset, torn=True)
    return ResultsFile(records, offset, torn=False)


def key(record: dict[str, Any]) -> tuple[str, int]:
    return str(record.get("problem")), int(record.get("attempt", 0))


class ResultsWriter:
    """Appends records durably. `resume` keeps what is there; otherwise the file must be new or empty.

    Reading happens at construction (so a bad file fails before any work starts); `open` cuts off a
    torn tail and opens for appending.
    """

    def __init__(self, path: str | Path, resume: bool) -> None:
        self.path = Path(path)
        self.existing: list[dict[str, Any]] = []
        self.torn = False
        self._good_bytes = 0
        self._file: IO[str] | None = None
        if self.path.is_dir():
            raise ProverError(f"{self.path} is a directory; --out takes a file")
        if self.path.exists() and self.path.stat().st_size > 0:
            if not resume:
                raise ProverError(f"{self.path} already exists: pass --resume to continue it, or choose another --out")
            found = read_results(self.path)
            self.existing, self.torn, self._good_bytes = found.records, found.torn, found.good_bytes

    def done(self) -> set[tuple[str, int]]:
        return {key(r) for r in self.existing}

    def open(self) -> None:
        try:
            if self.torn:
                os.truncate(self.path, self._good_bytes)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())
        except OSError as e:
            raise ProverError(f"cannot write {self.path}: {e.strerror}") from e

    def write(self, record: Any) -> None:
        """One line, durable when this returns: a dict, or anything with `to_json()` (an AttemptRecord)."""
        assert self._file is not None, "open() first"
        row = record if isinstance(record, dict) else record.to_json()
        self._file.write(json.dumps(row, ensure_ascii=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> ResultsWriter:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""Exception types the library raises.

Every error names the file, the page (when one applies) and what was expected,
so that the command line can print one clear line per failed plan.
"""

from __future__ import annotations

import json
from typing import Any


def quoted(name: str) -> str:
    """A file name as error lines print it: in double quotes, newlines and other controls escaped."""
    return json.dumps(name, ensure_ascii=False)


class PipelineError(Exception):
    """Base class: something about an input or an output is not as expected."""

    kind = "error"

    def __init_subclass__(cls, kind: str = "error", **kw: object) -> None:
        super().__init_subclass__(**kw)
        cls.kind = kind

    def __init__(self, message: str, *, file: str | None = None, page: int | None = None, expected: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.page = page
        self.expected = expected

    def __reduce__(self) -> tuple[Any, ...]:
        """Errors cross process boundaries (worker processes, Dask) with their file, page and expectation."""
        return (_rebuild, (type(self), self.message, self.file, self.page, self.expected))

    def __str__(self) -> str:
        where = quoted(self.file) if self.file else ""
        if self.page is not None:
            where += f", page {self.page}"
        text = f"{where}: {self.message}" if where else self.message
        if self.expected:
            text += f" (expected {self.expected})"
        return text


class BadInputError(PipelineError, kind="bad-input"):
    """The input file cannot be read as a plan."""


class NotAPdfError(BadInputError, kind="not-a-pdf"):
    """The file does not start like a PDF (a web page, an archive, an empty file)."""


class EncryptedPdfError(BadInputError, kind="encrypted"):
    """The PDF needs a password to be read."""


class TruncatedPdfError(BadInputError, kind="truncated"):
    """The PDF's structure is damaged or cut short beyond what the readers and the repair can mend."""


class NoTextLayerError(BadInputError, kind="no-text-layer"):
    """The pages carry no usable text: a scan, or glyphs that decode to nothing readable."""


class NotAPlanError(BadInputError, kind="not-a-plan"):
    """The text is readable but has no plan's outline (no chapter or part heading)."""


class SchemaError(PipelineError, kind="schema"):
    """A dataset does not match its declared schema (a bug, not bad input)."""


class RegistryError(PipelineError, kind="registry"):
    """raw/plans.csv is malformed."""


class SettingsError(PipelineError, kind="settings"):
    """A settings file or value is not one the stages declare."""


class UnreadableFileError(BadInputError, kind="unreadable"):
    """The input cannot be read as a file: a folder, a device, a broken or looping link, no permission."""


class PlanTimeoutError(PipelineError, kind="timeout"):
    """A plan took longer than its time limit (`--timeout`); its worker was stopped."""


class MemoryLimitError(PipelineError, kind="memory"):
    """A plan needed more memory than its limit (`--max-memory`); its worker was stopped."""


class WorkerDiedError(PipelineError, kind="worker-died"):
    """The worker process of a plan ended without a result (killed, or crashed in a library)."""


class InternalError(PipelineError, kind="internal"):
    """A bug of the pipeline met on one plan; the traceback is in the run's log folder."""


class OutputError(PipelineError, kind="output"):
    """The output folder cannot take the run (read-only, full, or in use by another run)."""


def _rebuild(cls: type[PipelineError], message: str, file: str | None, page: int | None, expected: str | None) -> Any:
    return cls(message, file=file, page=page, expected=expected)

"""Exception types the library raises.

Every error names the file, the page (when one applies) and what was expected,
so that the command line can print one clear line per failed plan.
"""

from __future__ import annotations


class PipelineError(Exception):
    """Base class: something about an input or an output is not as expected."""

    kind = "error"

    def __init__(self, message: str, *, file: str | None = None, page: int | None = None, expected: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = file
        self.page = page
        self.expected = expected

    def __str__(self) -> str:
        where = self.file or ""
        if self.page is not None:
            where += f", page {self.page}"
        text = f"{where}: {self.message}" if where else self.message
        if self.expected:
            text += f" (expected {self.expected})"
        return text


class BadInputError(PipelineError):
    """The input file cannot be read as a plan."""


class NotAPdfError(BadInputError):
    kind = "not-a-pdf"


class EncryptedPdfError(BadInputError):
    kind = "encrypted"


class TruncatedPdfError(BadInputError):
    kind = "truncated"


class NoTextLayerError(BadInputError):
    kind = "no-text-layer"


class NotAPlanError(BadInputError):
    kind = "not-a-plan"


class SchemaError(PipelineError):
    """A dataset does not match its declared schema (a bug, not bad input)."""

    kind = "schema"


class RegistryError(PipelineError):
    """raw/plans.csv is malformed."""

    kind = "registry"


class SettingsError(PipelineError):
    """A settings file or value is not one the stages declare."""

    kind = "settings"

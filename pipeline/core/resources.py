"""Where the package's own files are: data files (`pipeline/data/`) and dataset schemas.

Schemas live in the repository's top-level `schemas/`; a built wheel carries them as
`pipeline/schemas/` (see pyproject.toml). Code names a data file through `data_file("…")`
so that the stage fingerprints (`pipeline/run/stages.py`) can find every file a stage reads.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
DATA_DIR = PACKAGE / "data"


def data_file(name: str) -> Path:
    """A data file shipped with the package, by its name under `pipeline/data/`."""
    return DATA_DIR / name


def schema_dir() -> Path:
    """The folder of dataset schemas: $PIPELINE_SCHEMAS, the wheel's copy, else the repository's."""
    if "PIPELINE_SCHEMAS" in os.environ:
        return Path(os.environ["PIPELINE_SCHEMAS"])
    packaged = PACKAGE / "schemas"
    return packaged if packaged.is_dir() else PACKAGE.parent / "schemas"

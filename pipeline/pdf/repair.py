"""Repairing a damaged PDF with pikepdf (qpdf), for the ingest engines to read when neither can open it.

qpdf rebuilds a broken cross-reference table by scanning the file for objects, takes a stream's
length from where its `endstream` is when `/Length` is wrong, and ignores what follows the last
`%%EOF`. The repaired copy is written once per content (named by the damaged file's SHA-256) to
a folder of the system's temporary directory, atomically, so worker processes that open the
same file share it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pikepdf

FOLDER = "plan-pipeline-repaired"


def repaired_copy(path: str | Path) -> Path:
    """A repaired copy of `path` (written on first use); raises pikepdf's error when qpdf cannot read it."""
    p = Path(path)
    sha = hashlib.sha256(p.read_bytes()).hexdigest()
    folder = Path(tempfile.gettempdir()) / FOLDER
    target = folder / f"{sha}.pdf"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f"{sha}.{os.getpid()}.tmp"
    try:
        with pikepdf.open(p, attempt_recovery=True) as pdf:
            if len(pdf.pages) == 0:
                raise ValueError("no pages found")
            pdf.save(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target

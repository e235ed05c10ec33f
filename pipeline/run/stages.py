"""Which code and schemas produce which datasets: the fingerprints that decide what a rerun redoes.

A stage's fingerprint hashes the source of the modules it runs, the schemas of the datasets
it writes, and the fingerprints of the stages it reads from. A plan is redone stage by
stage: only where its PDF's bytes, its registry row or a stage's fingerprint changed.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.resources import PACKAGE
from pipeline.storage.schema import SCHEMA_DIR


@dataclass(frozen=True)
class Stage:
    name: str
    datasets: tuple[str, ...]
    modules: tuple[str, ...]
    upstream: tuple[str, ...] = ()
    needs_layout: bool = False
    data: tuple[str, ...] = ()  # data files under pipeline/ the stage reads


INGEST_MODULES = ("ingest", "chars", "model")
LAYOUT_MODULES = INGEST_MODULES + ("layout",)

STAGES: dict[str, Stage] = {
    s.name: s
    for s in [
        Stage(
            "structure",
            ("documents", "pages", "outline", "paragraphs", "sidebars", "sidebar_items", "links"),
            LAYOUT_MODULES + ("numbering", "structure"),
            needs_layout=True,
        ),
        Stage(
            "tables",
            ("indicator_tables", "indicator_cells"),
            LAYOUT_MODULES + ("numbering", "structure", "tables"),
            needs_layout=True,
        ),
        Stage(
            "values",
            ("indicator_values", "indicator_checks"),
            ("grammar", "values", "crosswalk"),
            upstream=("tables",),
            data=("data/indicator_crosswalk.csv",),
        ),
        Stage(
            "text",
            ("terms", "entities", "quantities"),
            ("text", "nlp", "grammar"),
            upstream=("structure", "tables"),
            data=("data/domain_terms.txt", "data/stopwords.txt"),
        ),
        Stage(
            "changes",
            ("indicator_changes", "section_changes"),
            ("changes",),
            upstream=("structure", "tables", "values"),
        ),
    ]
}
ORDER = list(STAGES)


def _file_bytes(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


@functools.cache
def ingest_fingerprint() -> str:
    h = hashlib.sha256()
    for m in INGEST_MODULES + ("__init__",):
        h.update(_file_bytes(PACKAGE / f"{m}.py"))
    return h.hexdigest()


@functools.cache
def fingerprint(stage: str) -> str:
    s = STAGES[stage]
    h = hashlib.sha256(stage.encode())
    for m in sorted(set(s.modules + ("__init__", "schema", "store", "extract"))):
        h.update(m.encode())
        h.update(_file_bytes(PACKAGE / f"{m}.py"))
    for d in s.datasets:
        h.update(_file_bytes(SCHEMA_DIR / f"{d}.toml"))
    for f in s.data:
        h.update(_file_bytes(PACKAGE / f))
    for up in s.upstream:
        h.update(fingerprint(up).encode())
    return h.hexdigest()


def downstream_closure(stale: set[str]) -> set[str]:
    """A stale stage makes every stage reading from it stale too."""
    out = set(stale)
    changed = True
    while changed:
        changed = False
        for s in STAGES.values():
            if s.name not in out and any(u in out for u in s.upstream):
                out.add(s.name)
                changed = True
    return out

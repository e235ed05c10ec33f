"""The stages: what each one reads, what it writes, and its `run`; the orchestrator loops over them.

A stage reads artefacts (the parsed PDF, its layout: kept in memory and in the ingest cache)
or datasets (written to Parquet through their schemas, read back when a stage is not redone),
and writes others. Its fingerprint (`fingerprint.py`) hashes the import closure of its module,
the data files and schemas that closure uses, the libraries it imports, the adapter below, and
the fingerprints of the stages it reads from: a rerun redoes a stage only when one of these,
the PDF or the plan's registry row changed.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pipeline import settings
from pipeline.run.fingerprint import code_fingerprint
from pipeline.storage.registry import PlanJob

log = logging.getLogger(__name__)

Rows = list[dict[str, Any]]


class StageInput(Protocol):
    """What a stage's run gets: the plan's job, and any artefact or dataset by name."""

    job: PlanJob

    def get(self, name: str) -> Any: ...

    def parse(self) -> Any: ...

    def base(self, name: str) -> Rows | None:
        """A dataset of the plan this one revises; None when that plan is not extracted."""
        ...


@dataclass(frozen=True)
class Stage:
    name: str
    module: str  # the module whose `run` the stage calls: its import closure is the stage's code
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    run: Callable[[StageInput], Mapping[str, Any]]
    schemas: tuple[str, ...] = ()  # schemas of internal tables (the ingest cache) besides the datasets written
    persisted: bool = True  # writes datasets (else in-memory artefacts)
    uses_registry: bool = False  # its output depends on the plan's registry row
    uses_base: bool = False  # its output depends on the plan that this one revises


# ---------------------------------------------------------------- adapters: a stage's inputs -> its module's run


def _ingest(i: StageInput) -> dict[str, Any]:
    return {"pdf": i.parse()}


def _layout(i: StageInput) -> dict[str, Any]:
    from pipeline.layout import layout

    return {"layout": layout.run(i.get("pdf"))}


def _structure(i: StageInput) -> dict[str, Any]:
    from pipeline.structure import structure

    st = structure.run(i.get("layout"), source_file=i.job.pdf.name, registry=dict(i.job.registry))
    return {
        "documents": [st.document],
        "pages": st.pages,
        "outline": st.outline,
        "paragraphs": st.paragraphs,
        "sidebars": st.sidebars,
        "sidebar_items": st.sidebar_items,
        "links": st.links,
    }


def _tables(i: StageInput) -> dict[str, Any]:
    from pipeline.tables import tables

    out = tables.run(i.get("layout"), sidebars=i.get("sidebars"))
    return {
        "tables": out.tables,
        "table_cells": out.table_cells,
        "indicator_tables": out.indicator_tables,
        "indicator_cells": out.indicator_cells,
    }


def _values(i: StageInput) -> dict[str, Any]:
    from pipeline.enrich import values

    vals, checks = values.run(i.get("indicator_cells"), i.job.plan_id)
    return {"indicator_values": vals, "indicator_checks": checks}


def _text(i: StageInput) -> dict[str, Any]:
    from pipeline.enrich import text

    document = (i.get("documents") or [{}])[0]
    titles = [document.get("region") or "", document.get("title") or ""]
    titles += [t["title"] or "" for t in i.get("indicator_tables")]
    names = list(dict.fromkeys(c["name"] for c in i.get("indicator_cells")))
    terms, entities, quantities = text.run(
        i.get("paragraphs"), i.get("sidebars"), i.get("sidebar_items"), names, titles
    )
    return {"terms": terms, "entities": entities, "quantities": quantities}


CHANGES_READS = ("indicator_tables", "indicator_cells", "indicator_values", "outline", "paragraphs", "sidebars")


def _changes(i: StageInput) -> dict[str, Any]:
    from pipeline.enrich import changes

    base_id = i.job.revision_of
    if not base_id:
        return {"indicator_changes": [], "section_changes": []}
    old = {n: i.base(n) for n in CHANGES_READS}
    if any(v is None for v in old.values()):
        log.warning("%s: revises %s, which is not extracted: no changes recorded", i.job.plan_id, base_id)
        return {"indicator_changes": [], "section_changes": []}
    new = {n: i.get(n) for n in CHANGES_READS}
    ind, sec = changes.run(base_id, {k: v or [] for k, v in old.items()}, new)
    return {"indicator_changes": ind, "section_changes": sec}


INGEST_SCHEMAS = ("_ingest_pages", "_ingest_chars", "_ingest_graphics", "_ingest_links")
STRUCTURE_DATASETS = ("documents", "pages", "outline", "paragraphs", "sidebars", "sidebar_items", "links")

ALL: tuple[Stage, ...] = (
    Stage("ingest", "pipeline.pdf.ingest", (), ("pdf",), _ingest, schemas=INGEST_SCHEMAS, persisted=False),
    Stage("layout", "pipeline.layout.layout", ("pdf",), ("layout",), _layout, persisted=False),
    Stage("structure", "pipeline.structure.structure", ("layout",), STRUCTURE_DATASETS, _structure,
          uses_registry=True),
    Stage("tables", "pipeline.tables.tables", ("layout", "sidebars"),
          ("tables", "table_cells", "indicator_tables", "indicator_cells"), _tables),
    Stage("values", "pipeline.enrich.values", ("indicator_cells",), ("indicator_values", "indicator_checks"),
          _values),
    Stage("text", "pipeline.enrich.text",
          ("documents", "indicator_tables", "indicator_cells", "paragraphs", "sidebars", "sidebar_items"),
          ("terms", "entities", "quantities"), _text),
    Stage("changes", "pipeline.enrich.changes", CHANGES_READS, ("indicator_changes", "section_changes"), _changes,
          uses_registry=True, uses_base=True),
)  # fmt: skip

STAGES: dict[str, Stage] = {s.name: s for s in ALL}
PRODUCER: dict[str, Stage] = {w: s for s in ALL for w in s.writes}
PERSISTED: list[str] = [s.name for s in ALL if s.persisted]  # the stages a manifest records, in order
DATASETS: list[str] = [d for s in ALL if s.persisted for d in s.writes]


def upstream(stage: Stage) -> list[Stage]:
    return list(dict.fromkeys(PRODUCER[r] for r in stage.reads))


# OCR runs as part of reading the PDF (after the ingest cache): its code and settings are the ingest stage's
EXTRA_MODULES = {"ingest": ("pipeline.pdf.ocr",)}
EXTRA_SETTINGS = {"ingest": ("ocr",)}


def settings_sections(name: str) -> tuple[str, ...]:
    """The settings sections a stage reads: its own, and those of what runs as part of it."""
    return (name, *EXTRA_SETTINGS.get(name, ()))


def run_options(name: str) -> dict[str, str]:
    """The command line's choices that change a stage's output: for ingest, the engine and the OCR mode."""
    if name != "ingest":
        return {}
    from pipeline.pdf import ingest, ocr

    return {"engine": ingest.active_engine(), "ocr": ocr.mode()}


@functools.cache
def fingerprint(name: str) -> str:
    """The hash a plan's manifest keeps per stage: the stage's code, data, schemas, libraries and upstream."""
    s = STAGES[name]
    h = hashlib.sha256(name.encode())
    h.update(code_fingerprint(s.module, s.schemas + (s.writes if s.persisted else ())).encode())
    for module in EXTRA_MODULES.get(name, ()):
        h.update(code_fingerprint(module).encode())
    h.update(inspect.getsource(s.run).encode())
    for section in settings_sections(name):
        h.update(json.dumps(settings.describe(section), sort_keys=True).encode())
    h.update(json.dumps(run_options(name)).encode())
    for up in upstream(s):
        h.update(fingerprint(up.name).encode())
    return h.hexdigest()


settings.ON_CHANGE.append(fingerprint.cache_clear)


def downstream_closure(stale: set[str]) -> set[str]:
    """A stale stage makes every persisted stage reading from it, directly or not, stale too."""
    out = set(stale)
    for s in ALL:  # ALL is in dependency order
        if any(u.name in out for u in upstream(s)):
            out.add(s.name)
    return out

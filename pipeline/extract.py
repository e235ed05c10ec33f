"""One plan, end to end: PDF -> every dataset, written atomically under one plan_id."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import ingest, layout, store, structure, tables, values
from .schema import rows_to_table

log = logging.getLogger(__name__)

STRUCTURE_DATASETS = ("documents", "pages", "outline", "paragraphs", "sidebars", "sidebar_items", "links")


@dataclass
class PlanJob:
    pdf: Path
    plan_id: str
    registry: dict = field(default_factory=dict)


@dataclass
class Result:
    plan_id: str
    counts: dict[str, int]
    seconds: dict[str, float]


class StageTimer:
    """Times each stage and reports stage starts to an optional progress callback."""

    def __init__(self, on_stage: Callable[[str, int], Callable[[int], None]] | None = None):
        self.on_stage = on_stage
        self.seconds: dict[str, float] = {}

    def start(self, name: str, total: int = 1) -> Callable[[int], None]:
        self._name, self._t0 = name, time.perf_counter()
        return self.on_stage(name, total) if self.on_stage else (lambda n: None)

    def stop(self) -> None:
        self.seconds[self._name] = round(time.perf_counter() - self._t0, 4)


def extract_plan(job: PlanJob, out: Path, on_stage=None) -> Result:
    timer = StageTimer(on_stage)
    pdf = Path(job.pdf)
    ingest.check_file(pdf)
    with ingest.open_pdf(pdf) as probe:
        n_pages = len(probe.pages)
    tick = timer.start("ingest", n_pages)
    parsed = ingest.run(pdf, progress=tick)
    ingest.check_text_layer(parsed)
    timer.stop()

    timer.start("layout")
    lay = layout.run(parsed)
    timer.stop()

    timer.start("structure")
    st = structure.run(lay, source_file=pdf.name, registry=job.registry)
    rows = {"documents": [st.document], "pages": st.pages, "outline": st.outline, "paragraphs": st.paragraphs,
            "sidebars": st.sidebars, "sidebar_items": st.sidebar_items, "links": st.links}
    timer.stop()

    timer.start("tables")
    rows["indicator_tables"], rows["indicator_cells"] = tables.run(lay)
    timer.stop()

    timer.start("values")
    rows["indicator_values"], rows["indicator_checks"] = values.run(rows["indicator_cells"], job.plan_id)
    timer.stop()

    timer.start("write")
    datasets = {name: rows_to_table(name, r) for name, r in rows.items()}
    store.write_plan(out, job.plan_id, datasets)
    timer.stop()
    counts = {name: t.num_rows for name, t in datasets.items()}
    return Result(plan_id=job.plan_id, counts=counts, seconds=timer.seconds)

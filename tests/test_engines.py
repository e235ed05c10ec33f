"""The two ingest engines give the same page data and the same datasets: pdfium against pdfplumber, the reference.

The corpus-wide comparison extracts the fixtures, the real communiqué and every layout-corpus variant with
each engine into its own folder and compares every dataset's Parquet table, row by row. A box may differ by
its last digit (`ROUNDING`: pdfium computes in single precision, and an edge on the rounding edge x.xx5 falls
either way). The variants in `DIFFERENT` are those where pdfium's text page reads less than pdfminer (README,
Engines): for them the differences must stay within the datasets and columns listed there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from conftest import BUNDLED_PDF, COMMUNIQUE_PDF, REVISION_PDF
from corpus_session import VARIANTS

from pipeline.pdf import ingest
from pipeline.run.extract import RUN_COLUMNS, PlanJob, extract_plans
from pipeline.settings import settings_for

QUICK = [VARIANTS / "lo_statistics.pdf", VARIANTS / "lo_sidebar_rules.pdf"]

# (plan, dataset) -> the columns that may differ between the engines beyond the rounding of boxes (see README,
# Engines): a space of letter-spaced text that pdfium's text page drops (a box a space narrower, a character fewer)
DIFFERENT: dict[tuple[str, str], set[str]] = {
    ("rl_letter_spaced", "outline"): {"bbox"},
    ("rl_letter_spaced", "pages"): {"char_count"},
}
BBOX_TOLERANCE = 0.1  # points: a dropped space moves a box by a few tenths
ROUNDING = 0.011  # points: any box may round to the neighbouring hundredth (pdfium's single precision)


def extract_with(engine: str, pdfs: list[Path], out: Path) -> None:
    ingest.use_engine(engine)
    try:
        results = extract_plans([PlanJob(pdf=p, plan_id=p.stem) for p in pdfs], out)
    finally:
        ingest.use_engine(None)
    failed = [(r.plan_id, str(r.error)) for r in results if r.status != "extracted"]
    assert not failed, failed


def datasets(out: Path) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(dataset, plan_id) -> the partition's rows."""
    found = {}
    for part in sorted(out.glob("*/plan_id=*/*.parquet")):
        dataset, plan = part.parent.parent.name, part.parent.name.removeprefix("plan_id=")
        if not dataset.startswith((".", "_")):  # the columns naming the run differ per run: left out
            table = pq.read_table(part)
            found[dataset, plan] = table.drop_columns([c for c in RUN_COLUMNS if c in table.column_names]).to_pylist()
    return found


def differences(a: Path, b: Path) -> dict[tuple[str, str], str]:
    """(dataset, plan_id) -> what differs, for every partition not identical in both folders, leaving out the
    documented differences (`DIFFERENT`, `ROUNDING`)."""
    ta, tb = datasets(a), datasets(b)
    out = {}
    for key in sorted(set(ta) | set(tb)):
        ra, rb = ta.get(key), tb.get(key)
        if ra == rb:
            continue
        if ra is None or rb is None or len(ra) != len(rb):
            out[key] = f"{len(ra or [])} vs {len(rb or [])} rows"
            continue
        allowed = DIFFERENT.get((key[1], key[0]), set())
        bad = [(x, y) for x, y in zip(ra, rb, strict=True) if not _same_but(x, y, allowed)]
        if bad:
            x, y = bad[0]
            out[key] = f"{len(bad)} rows differ; first: { {k: (v, y.get(k)) for k, v in x.items() if v != y.get(k)} }"
    return out


def _same_but(x: dict[str, Any], y: dict[str, Any], allowed: set[str]) -> bool:
    """The rows agree but in `allowed` columns (a box within `BBOX_TOLERANCE`), and boxes within `ROUNDING`."""
    for k, v in x.items():
        w = y.get(k)
        if v == w:
            continue
        limit = BBOX_TOLERANCE if k in allowed else ROUNDING
        if k != "bbox" and k not in allowed:
            return False
        if k == "bbox" and (v is None or w is None or max(abs(p - q) for p, q in zip(v, w, strict=True)) > limit):
            return False
    return True


def compare_engines(pdfs: list[Path], tmp: Path) -> dict[tuple[str, str], str]:
    extract_with("pdfplumber", pdfs, tmp / "pdfplumber")
    extract_with("pdfium", pdfs, tmp / "pdfium")
    return differences(tmp / "pdfplumber", tmp / "pdfium")


def test_page_data_agrees_on_the_bundled_plan():
    cfg = settings_for("ingest")
    pages = [1, 2, 5, 20, 45]
    ref = ingest.parse_pages(BUNDLED_PDF, pages, settings=cfg, engine="pdfplumber")
    got = ingest.parse_pages(BUNDLED_PDF, pages, settings=cfg, engine="pdfium")
    for a, b in zip(ref, got, strict=True):
        assert (a.number, a.width, a.height, a.images) == (b.number, b.width, b.height, b.images)
        assert [(c.text, c.font, c.size, c.bold, c.upright) for c in a.chars] == [
            (c.text, c.font, c.size, c.bold, c.upright) for c in b.chars
        ]
        for c, d in zip(a.chars, b.chars, strict=True):
            assert (c.x0, c.top, c.x1, c.bottom) == pytest.approx((d.x0, d.top, d.x1, d.bottom), abs=1e-3)
        for kind in ("segs", "fills", "links"):
            key = "color" if kind == "fills" else None  # fill colours: pdfium gives RGB, pdfminer the colour space's
            rows_a = [
                tuple(round(v, 3) if isinstance(v, float) else v for k, v in _fields(o) if k != key)
                for o in getattr(a, kind)
            ]
            rows_b = [
                tuple(round(v, 3) if isinstance(v, float) else v for k, v in _fields(o) if k != key)
                for o in getattr(b, kind)
            ]
            assert sorted(rows_a) == sorted(rows_b), kind


def _fields(o: Any) -> list[tuple[str, Any]]:
    return [(f, getattr(o, f)) for f in o.__slots__]


def test_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown ingest engine"):
        ingest.use_engine("poppler")
    assert ingest.active_engine() == ingest.DEFAULT_ENGINE


def test_engines_give_the_same_datasets_quick(tmp_path):
    assert compare_engines(QUICK, tmp_path) == {}


@pytest.mark.corpus
def test_engines_give_the_same_datasets(tmp_path):
    pdfs = [BUNDLED_PDF, REVISION_PDF, COMMUNIQUE_PDF, *sorted(VARIANTS.glob("*.pdf"))]
    assert compare_engines(pdfs, tmp_path) == {}

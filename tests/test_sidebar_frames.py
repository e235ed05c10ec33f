"""Sidebars from any frame, on the layout corpus: each variant's sidebars have exactly their labels, titles and
texts (a box, shading, rules above and below only, a title band over a box, a title above the frame, a one-cell
table, a frame broken over two or three pages whatever each piece keeps of it, a body that is a table)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import read
from corpus_session import VARIANTS, corpus_out  # noqa: F401  (a session fixture)

sys.path.insert(0, str(VARIANTS.parent))
import score_pipeline

FRAMED = sorted(p.stem for p in VARIANTS.glob("*.json") if json.loads(p.read_text(encoding="utf-8"))["sidebars"])


@pytest.mark.corpus
@pytest.mark.parametrize("name", FRAMED)
def test_every_sidebar_of_a_variant_is_found_whole(corpus_out: Path, name: str) -> None:
    gold = json.loads((VARIANTS / f"{name}.json").read_text(encoding="utf-8"))
    got = score_pipeline.score_sidebars(corpus_out, gold)
    n = len(gold["sidebars"])
    assert got == {"sidebar_titles": (n, n), "sidebar_text": (n, n)}
    frames = list(read(corpus_out, "sidebars", name)["frame"])
    assert len(frames) == n


def test_the_corpus_has_a_variant_for_every_frame() -> None:
    cases = {c for p in VARIANTS.glob("*.json") for c in json.loads(p.read_text(encoding="utf-8"))["cases"]}
    assert {"sidebar_rules", "sidebar_shading", "sidebar_title_band", "sidebar_one_cell_table", "sidebar_table",
            "sidebar_split", "sidebar_split_3_pages", "side_rules_only_page"} <= cases  # fmt: skip

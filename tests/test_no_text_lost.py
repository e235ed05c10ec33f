"""Nothing printed on a page vanishes: every visible character is in some dataset, and invisible text in none.

For each document, every character the PDF draws (ingest's characters: the text layer less what is
clipped away, invisible or white on white) must be found, as often as it is printed, in the text of
the datasets: outline labels and titles, paragraphs, sidebar headings (label and title as printed) and
texts, table titles, notes and cells, the document title, and page furniture (running headers and footers,
printed page numbers). Pages that hold no plan text (a cover, a table of contents) count through `pages.text`.
Whitespace is not counted; characters are compared after NFKC (a full-width and a half-width
comma are the same printed mark)."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, parsed_pdf, read
from corpus_session import corpus_out  # noqa: F401  (a session fixture)

TESTS = Path(__file__).resolve().parent
VARIANTS = TESTS / "corpus" / "variants"
TEXT_COLUMNS = {
    "outline": ["label", "title"],
    "paragraphs": ["text"],
    "sidebars": ["heading", "text"],
    "tables": ["title", "note"],
    "documents": ["title"],
    "pages": ["header_text", "footer_text", "printed_page_label"],
}


def chars(text: str) -> Counter[str]:
    return Counter(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())


def printed(pdf: Path, out: Path) -> Counter[str]:
    doc = parsed_pdf(pdf, out)
    return chars("".join(c.text for p in doc.pages for c in p.chars))


def extracted(out: Path, plan: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for dataset, columns in TEXT_COLUMNS.items():
        df = read(out, dataset, plan)
        for col in columns:
            found += chars("".join(str(v) for v in df[col] if isinstance(v, str)))
    cells = read(out, "table_cells", plan)
    found += chars("".join(cells["text"]))
    for t in read(out, "tables", plan).itertuples():  # a header or a 续表 caption printed on continuation pages
        header = cells[(cells["table_id"] == t.table_id) & cells["is_header"]]
        for _ in t.header_repeated_on:
            found += chars("".join(header["text"]))
        found += chars("".join(t.continuation_captions))
    pages = read(out, "pages", plan)
    front = pages[pages["kind"] != "body"]
    found += chars("".join(t for t in front["text"] if isinstance(t, str)))
    return found


def missing(pdf: Path, out: Path, plan: str) -> dict[str, int]:
    want, got = printed(pdf, out), extracted(out, plan)
    return {c: n - got[c] for c, n in want.items() if got[c] < n}


@pytest.mark.parametrize("pdf", [ROOT / "raw" / "jindong-2021.pdf", TESTS / "fixtures" / "jindong-2022-revision.pdf"])
def test_every_printed_character_of_the_fixtures_is_in_a_dataset(fixture_out: Path, pdf: Path) -> None:
    assert missing(pdf, fixture_out, pdf.stem) == {}


def test_every_printed_character_of_the_communique_is_in_a_dataset(communique_out: Path) -> None:
    pdf = TESTS / "fixtures" / "real" / "qiandongnan-2023-communique.pdf"
    assert missing(pdf, communique_out, pdf.stem) == {}


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(p.stem for p in VARIANTS.glob("*.pdf")))
def test_no_text_lost_and_no_invisible_text_on_a_corpus_variant(corpus_out: Path, name: str) -> None:
    pdf = VARIANTS / f"{name}.pdf"
    gold = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
    if not (corpus_out / "pages" / f"plan_id={name}").exists():
        pytest.fail(f"{name} was not extracted")
    assert missing(pdf, corpus_out, name) == {}
    texts = {"paragraphs": "text", "sidebars": "text", "table_cells": "text", "outline": "title"}
    everything = "\n".join(
        "\n".join(pd.read_parquet(corpus_out / ds / f"plan_id={name}")[col].dropna()) for ds, col in texts.items()
    )
    for s in gold.get("invisible", []):
        assert s not in everything, s

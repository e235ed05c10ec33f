"""Canonical indicator keys: a plan's indicator names -> keys shared across plans (`gdp`, `urbanisation_rate`, …).

The crosswalk `pipeline/data/indicator_crosswalk.csv` lists, per key, the names seen across
plans. Names are compared normalised: NFKC, no whitespace, no `其中`, the child of a
two-level name (`主要污染物排放：化学需氧量` -> `化学需氧量`), no parenthesised parts (units,
`(GDP)`, `（助理）`). A name not listed is matched to the most similar listed one when
close enough (difflib ratio >= 0.8, reported as `similar`); otherwise it has no key and is
reported.
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
import unicodedata

from pipeline.core.resources import data_file

CROSSWALK = data_file("indicator_crosswalk.csv")
SIMILAR = 0.8


def normalise_name(name: str | None) -> str:
    n = unicodedata.normalize("NFKC", name or "")
    n = re.sub(r"\s+", "", n)
    n = n.split("：")[-1].split(":")[-1]
    n = re.sub(r"^其中", "", n)
    prev = None
    while prev != n:
        prev, n = n, re.sub(r"\([^()]*\)", "", n)
    return n.replace("“", "").replace("”", "").replace("·", "").upper()


@functools.cache
def synonyms() -> dict[str, str]:
    with open(CROSSWALK, newline="", encoding="utf-8") as f:
        return {normalise_name(r["name"]): r["key"] for r in csv.DictReader(f)}


def match(name: str) -> tuple[str | None, str | None]:
    """(key, `exact` | `similar`) or (None, None)."""
    n = normalise_name(name)
    table = synonyms()
    if n in table:
        return table[n], "exact"
    best, score = None, 0.0
    for syn, key in table.items():
        r = difflib.SequenceMatcher(None, n, syn, autojunk=False).ratio()
        if r > score:
            best, score = key, r
    if score >= SIMILAR:
        return best, "similar"
    return None, None

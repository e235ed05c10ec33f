"""The grammar corpus: every cell notation in tests/data/grammar_cases.csv read as its expected parse.

The corpus holds the cells of both fixture plans' indicator tables, every value cell of the real
communiqué's tables, and notations written as provincial and county plans print them (ranges,
approximations, aspirations, multipliers, Chinese numerals, directions, percentage points,
statements with a number, note markers, full-width digits). Each case is read the way the
values stage reads a cell (`cells_to_values`), with the row's unit and the column's header.
"""

import csv
import math
from collections import Counter
from pathlib import Path

import pytest

from pipeline.enrich.values import cells_to_values

CASES_FILE = Path(__file__).parent / "data" / "grammar_cases.csv"
FLOATS = ["value", "value_low", "value_high", "value_stretch", "base_value"]
STRINGS = ["comparator", "unit", "base_unit", "growth_type", "status_text", "note_ref", "parse_status"]
WRITTEN_FORMS = {
    "range",
    "approx",
    "aspiration",
    "multiplier",
    "cn_numeral",
    "direction",
    "growth",
    "statement_number",
    "statement",
    "note",
    "fullwidth",
    "empty",
    "unit",
    "ratio",
    "comparator",
    "number",
}


def load_cases() -> list[dict[str, str]]:
    with open(CASES_FILE, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


CASES = load_cases()


def read_cell(text: str, column: str, row_unit: str | None) -> dict:
    cell = {
        "table_id": "t1",
        "row_no": 1,
        "category": None,
        "seq": "1",
        "name": "指标",
        "parent_name": None,
        "unit": row_unit,
        "column": column,
        "column_no": 1,
        "column_role": "value",
        "raw_text": text,
        "merged": False,
        "page": 1,
        "bbox": [0.0, 0.0, 1.0, 1.0],
    }
    return cells_to_values([cell])[0]


def test_the_corpus_is_large_and_covers_every_form():
    assert len(CASES) >= 300
    forms = Counter(c["form"] for c in CASES if c["source"] == "written")
    assert set(forms) >= WRITTEN_FORMS
    sources = Counter(c["source"] for c in CASES)
    assert {"jindong-2021", "jindong-2022-revision", "qiandongnan-2023-communique", "written"} <= set(sources)
    assert len({(c["text"], c["column"], c["row_unit"]) for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['form']}:{c['text']}" for c in CASES])
def test_every_case_reads_as_expected(case):
    got = read_cell(case["text"], case["column"], case["row_unit"] or None)
    for f in FLOATS:
        want = float(case[f]) if case[f] else None
        if want is None:
            assert got[f] is None, f
        else:
            assert got[f] is not None and math.isclose(got[f], want, rel_tol=1e-9, abs_tol=1e-12), f
    for f in STRINGS:
        assert got[f] == (case[f] or None), f
    assert got["is_cumulative"] == (case["is_cumulative"] == "True")


def test_nothing_with_a_number_or_a_statement_is_unknown():
    unknown = [
        c["text"]
        for c in CASES
        if read_cell(c["text"], c["column"], c["row_unit"] or None)["parse_status"] == "unknown"
    ]
    assert unknown == []

"""Every table as data (`tables`, `table_cells`), on the fixtures, the real communiqué and the layout corpus.

The layout corpus (tests/corpus/variants: plan pages rendered by LibreOffice, Chromium and
reportlab, with the content the generator printed) is scored per variant; the figures may
only go up (tests/corpus/floors.json, raised by `tests/corpus/score_pipeline.py --floors`)."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from conftest import expected, read, score_tool
from corpus_session import corpus_out  # noqa: F401  (a session fixture)

TESTS = Path(__file__).resolve().parent
GOLD = TESTS / "fixtures" / "real" / "qiandongnan-2023-communique.json"
PLAN = "qiandongnan-2023-communique"


def norm(s: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", "" if s is None else str(s)))


def expand(cells: pd.DataFrame) -> dict[tuple[int, str], str]:
    """Body cells keyed by (row, column path), a merged cell repeated over every row it covers."""
    paths = dict(zip(cells["col_no"], cells["column"], strict=False))
    out: dict[tuple[int, str], str] = {}
    for c in cells[~cells["is_header"]].itertuples():
        for r in range(c.row_no, c.row_no + c.rowspan):
            for k in range(c.col_no, c.col_no + c.colspan):
                out[(r, norm(paths.get(k, c.column)))] = norm(c.text)
    return out


@pytest.mark.parametrize("plan", ["jindong-2021", "jindong-2022-revision"])
def test_indicator_tables_are_also_in_tables_with_the_same_cells(fixture_out: Path, plan: str) -> None:
    tables = read(fixture_out, "tables", plan)
    ind_tables = read(fixture_out, "indicator_tables", plan)
    titles = {t["title"] for t in expected(plan)["tables"]}
    assert titles <= set(tables["title"]), "every expected indicator table is in `tables`"
    for t in ind_tables.itertuples():
        row = tables[tables["table_id"] == t.table_id].iloc[0]
        assert row["title"] == t.title and row["kind"] == f"indicator_{t.kind}"
        assert row["n_rows"] == t.row_count
        cells = read(fixture_out, "table_cells", plan)
        got = expand(cells[cells["table_id"] == t.table_id])
        ind = read(fixture_out, "indicator_cells", plan)
        ind = ind[ind["table_id"] == t.table_id]
        wrong = [
            (c.row_no, c.column, c.raw_text)
            for c in ind.itertuples()
            if got.get((c.row_no, norm(c.column))) != norm(c.raw_text)
        ]
        assert not wrong, wrong[:5]


def test_every_table_of_the_communique_is_found_from_its_geometry(communique_out: Path) -> None:
    out = score_tool("score_tables.py", communique_out, GOLD)
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    n_tables = len(gold["tables"])
    assert f"tables found (caption match): {n_tables}/{n_tables}" in out
    n_rows = sum(len(t["rows"]) for t in gold["tables"])
    assert f"rows  matched in found tables: {n_rows}/{n_rows}" in out
    n_cells = sum(1 for t in gold["tables"] for r in t["rows"] for c in r[1:] if norm(c))
    assert f"cells matched in found tables: {n_cells}/{n_cells}" in out


def test_statistical_cells_are_typed_with_the_unit_of_their_header(communique_out: Path) -> None:
    cells = read(communique_out, "table_cells", PLAN)
    tables = read(communique_out, "tables", PLAN)
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    assert set(tables["kind"]) == {"statistics"}
    first = gold["tables"][0]
    tid = tables[tables["title"].map(norm) == norm(first["caption"])]["table_id"].iloc[0]
    mine = cells[(cells["table_id"] == tid) & ~cells["is_header"]]
    label, amount = first["rows"][0][0], first["rows"][0][1]
    cell = mine[(mine["row_label"] == label) & (mine["column"].map(norm) == norm(first["header"][1]))].iloc[0]
    assert cell["value"] == float(amount) and cell["parse_status"] == "number"
    assert cell["unit"] and cell["unit"] in first["header"][1]


@pytest.mark.corpus
def test_the_layout_corpus_does_not_fall_below_its_floors(corpus_out: Path) -> None:
    import sys

    sys.path.insert(0, str(TESTS / "corpus"))
    import score_pipeline

    floors = json.loads((TESTS / "corpus" / "floors.json").read_text(encoding="utf-8"))
    worse = []
    for p in score_pipeline.expected_files():
        got = score_pipeline.score_variant(corpus_out, p)
        for measure, (right, _) in got.items():
            floor = floors[p.stem][measure]
            if right < floor:
                worse.append(f"{p.stem} {measure}: {right} < {floor}")
    assert not worse, worse


@pytest.mark.corpus
def test_every_table_and_cell_of_every_corpus_variant_is_right(corpus_out: Path) -> None:
    """The acceptance of the layout corpus: on every variant, every expected table found and every body cell
    right (merged cells whose text wraps across rows or stops at a page break, figures set against a name)."""
    import sys

    sys.path.insert(0, str(TESTS / "corpus"))
    import score_pipeline

    short = []
    for p in score_pipeline.expected_files():
        got = score_pipeline.score_variant(corpus_out, p)
        short += [f"{p.stem} {m}: {got[m][0]}/{got[m][1]}" for m in ("tables", "cells") if got[m][0] < got[m][1]]
    assert not short, short


UNIT_IN_HEADER = re.compile(r"[（(]([^（）()]+)[）)]$")


def test_every_numeric_cell_of_the_communique_has_its_value_and_unit(communique_out: Path) -> None:
    """Each figure the hand-checked file holds is typed: its number, and the unit its column header or its
    row's unit column gives (a share or a growth in %)."""
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    tables = read(communique_out, "tables", PLAN)
    cells = read(communique_out, "table_cells", PLAN)
    wrong = []
    for t in gold["tables"]:
        tid = tables[tables["title"].map(norm) == norm(t["caption"])]["table_id"].iloc[0]
        body = cells[(cells["table_id"] == tid) & ~cells["is_header"]]
        unit_col = next((k for k, h in enumerate(t["header"]) if norm(h) == "单位"), None)
        for r_no, row in enumerate(t["rows"], 1):
            for k, text in enumerate(row[1:], 1):
                if not re.fullmatch(r"-?\d+(\.\d+)?", norm(text)):
                    continue
                got = body[(body["row_no"] == r_no) & (body["col_no"] == k + 1)].iloc[0]
                m = UNIT_IN_HEADER.search(norm(t["header"][k]))
                unit = m.group(1) if m else (norm(row[unit_col]) if unit_col is not None else None)
                if got["value"] != float(norm(text)) or (unit and got["unit"] != unit):
                    wrong.append((t["caption"], row[0], t["header"][k], text, got["value"], got["unit"], unit))
    assert not wrong, wrong[:5]


@pytest.mark.corpus
def test_every_cell_of_the_corpus_is_read_and_in_declared_units(corpus_out: Path) -> None:
    """No value cell of any variant is left `unknown`, and every base unit is a declared one."""
    from pipeline.enrich.grammar import is_declared_base

    for dataset in ("indicator_values", "table_cells"):
        df = pd.read_parquet(corpus_out / dataset)
        assert not (df["parse_status"] == "unknown").any(), df[df["parse_status"] == "unknown"].head()
        units = set(df["base_unit"].dropna())
        assert all(is_declared_base(u) for u in units), sorted(u for u in units if not is_declared_base(u))


def test_keys_lists_the_names_without_a_key(communique_out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pipeline.cli import main

    values = read(communique_out, "indicator_values", PLAN)
    assert main(["keys", "--unmatched", "--out", str(communique_out)]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].startswith("rows\tname")
    unkeyed = set(values.loc[values["indicator_key"].isna(), "indicator"]) if len(values) else set()
    assert {line.split("\t")[1] for line in listed[1:] if line} >= unkeyed

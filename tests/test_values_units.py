"""Units across plans: synonyms share a base unit, every base unit is declared, any table cell is typed."""

import csv
import json
from pathlib import Path

import pytest

from pipeline.core.resources import data_file
from pipeline.enrich.grammar import base_of, base_units, is_declared_base, to_base, type_cell
from pipeline.enrich.values import cells_to_values

FIXTURES = Path(__file__).parent / "fixtures"


def units_table() -> list[dict[str, str]]:
    with open(data_file("units.csv"), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize(
    "a,b",
    [
        ("万元/人", "元/人"),
        ("立方米/万元", "m³/万元"),
        ("微克/立方米", "μg/m³"),
        ("微克/立方米", "µg/m3"),
        ("岁", "年"),
        ("吨标准煤", "吨标煤"),
        ("平方公里", "km²"),
        ("公斤", "千克"),
        ("千瓦", "kW"),
        ("元/户籍人口", "元/人"),
        ("％", "%"),
    ],
)
def test_unit_synonyms_share_a_base_unit(a, b):
    assert base_of(a) is not None and base_of(a)[1] == base_of(b)[1]


def test_multipliers_and_ratios():
    assert to_base(1.2, "万元/人") == (pytest.approx(12000), "元/人")
    assert to_base(80.2, "m³/万元") == (pytest.approx(80.2e-4), "立方米/元")
    assert to_base(1.5, "万亿元") == (pytest.approx(1.5e12), "元")
    assert to_base(3, "成") == (30, "%")
    assert to_base(200, "兆瓦") == (200_000, "千瓦")
    assert to_base(5, "十万人") == (500_000, "人")
    assert to_base(None, "亿元") == (None, "元")  # a statement in a 亿元 row still says its base unit
    assert to_base(7, None) == (7, None)
    assert to_base(7, "不是单位") == (None, None)  # undeclared: no base value rather than a wrong one


def test_the_units_table_is_closed():
    rows = units_table()
    assert set(rows[0]) == {"unit", "base_unit", "factor", "dimension"}
    by_unit = {r["unit"]: r for r in rows}
    assert len(by_unit) == len(rows)
    for r in rows:  # every base unit is itself declared, as its own base
        base = by_unit[r["base_unit"]]
        assert (base["base_unit"], float(base["factor"])) == (r["base_unit"], 1.0)
    assert {"元", "人", "%", "个百分点", "吨", "吨标准煤", "立方米", "微克", "年"} <= base_units()


def fixture_values(plan: str) -> list[dict]:
    data = json.loads((FIXTURES / "expected" / f"{plan}.json").read_text(encoding="utf-8"))
    cells = [
        {
            "table_id": t["table_id"],
            "row_no": r["row"],
            "category": r["category"],
            "seq": r["seq"],
            "name": r["name"],
            "parent_name": None,
            "unit": r["unit"],
            "column": col,
            "column_no": i,
            "column_role": "attribute" if col == "指标属性" else "value",
            "raw_text": r.get(col, ""),
            "merged": False,
            "page": 1,
            "bbox": [0.0, 0.0, 1.0, 1.0],
        }
        for t in data["tables"]
        for r in t["rows"]
        for i, col in enumerate(t["columns"], 1)
    ]
    return cells_to_values(cells)


def communique_cells() -> list[tuple[str, str | None, str]]:
    data = json.loads((FIXTURES / "real" / "qiandongnan-2023-communique.json").read_text(encoding="utf-8"))
    out = []
    for t in data["tables"]:
        header = t["header"]
        unit_col = header.index("单位") if "单位" in header else None
        for r in t["rows"]:
            row_unit = r[unit_col] if unit_col is not None else None
            out += [(r[i], row_unit, col) for i, col in enumerate(header) if i not in (0, unit_col)]
    return out


@pytest.mark.parametrize("plan", ["jindong-2021", "jindong-2022-revision"])
def test_no_undeclared_base_unit_on_the_fixtures(plan):
    values = fixture_values(plan)
    assert all(is_declared_base(v["base_unit"]) for v in values)
    assert all(v["base_unit"] is not None for v in values if v["unit"] is not None)


def test_no_undeclared_base_unit_on_the_communique():
    cells = [type_cell(*c) for c in communique_cells()]
    assert len(cells) > 250
    assert all(c.parse_status == "number" and c.value is not None for c in cells)
    assert all(c.base_unit is not None and is_declared_base(c.base_unit) for c in cells)


def test_communique_cells_take_their_unit_from_the_header_or_the_row():
    by = {(text, col): type_cell(text, unit, col) for text, unit, col in communique_cells()}
    grain = by[("133.77", "产量（万吨）")]
    assert (grain.unit, grain.base_value, grain.base_unit) == ("万吨", pytest.approx(1_337_700), "吨")
    drop = by[("-2.3", "比上年增长（%）")]
    assert (drop.value, drop.unit, drop.base_unit) == (-2.3, "%", "%")
    forex = by[("1239.70", "绝对数")]
    assert (forex.unit, forex.base_value, forex.base_unit) == ("万美元", pytest.approx(12_397_000), "美元")
    batteries = by[("11937340", "产量")]
    assert (batteries.unit, batteries.base_unit) == ("千伏安时", "千伏安时")

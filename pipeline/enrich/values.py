"""Stage 5, values: indicator cells -> typed `indicator_values` and `indicator_checks`.

Each value cell is parsed with the value grammar (`grammar.py`); what it measures and for
which year comes from its column's header words, never from the column's position;
its unit from the row (unit column, or the name's trailing `（…）`) unless the cell
prints its own `%` or `个百分点`.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict

from pipeline.enrich.crosswalk import match as match_key
from pipeline.enrich.grammar import canonical_unit, parse_value, to_base, unit_from_name

log = logging.getLogger(__name__)

GROWTH_WORDS = re.compile(r"增速|增长|增幅|增量|提高|下降|降低|变化|年均|累计|平均增")
ACTUAL_WORDS = re.compile(r"完成|实际|实现|执行")
YEAR = re.compile(r"((?:19|20)\d\d)")
AGREE_WITHIN = 0.05
PLAN_YEARS = 5


def measure_of(path: str) -> tuple[str | None, int | None]:
    """(measure, year) from a column's header path."""
    leaf = path.split("/")[-1]
    years = YEAR.findall(path)
    if GROWTH_WORDS.search(leaf) and not YEAR.search(leaf):
        return ("actual_growth" if ACTUAL_WORDS.search(path) else "target_growth"), None
    year = int(years[-1]) if years else None
    if re.search(r"预期|预计", path):
        return "expected", year
    if re.search(r"目标|规划", path):
        return "target", year
    if re.search(r"完成|实际|基数|基期|现状", path) or year is not None:
        return "actual", year
    return None, year


def growth_type_of(measure: str | None, p) -> str | None:
    if measure not in ("target_growth", "actual_growth") or p.kind != "number":
        return None
    if p.is_cumulative:
        return "cumulative"
    if p.unit == "个百分点":
        return "annual_pp"
    if p.unit == "%":
        return "annual_rate"
    return None


def cells_to_values(cells: list[dict]) -> list[dict]:
    attributes = {(c["table_id"], c["row_no"]): c["raw_text"] or None for c in cells if c["column_role"] == "attribute"}
    keys = {name: match_key(name) for name in dict.fromkeys(c["name"] for c in cells)}
    out = []
    for c in cells:
        if c["column_role"] != "value":
            continue
        p = parse_value(c["raw_text"])
        measure, year = measure_of(c["column"])
        unit_raw = c["unit"] or unit_from_name(c["name"])
        unit = p.unit or canonical_unit(unit_raw)
        base_value, base_unit = to_base(p.value, unit)
        out.append(
            {
                "table_id": c["table_id"],
                "row_no": c["row_no"],
                "category": c["category"],
                "seq": c["seq"],
                "indicator": c["name"],
                "parent_indicator": c["parent_name"],
                "indicator_key": keys[c["name"]][0],
                "indicator_key_match": keys[c["name"]][1],
                "column": c["column"],
                "column_no": c["column_no"],
                "measure": measure,
                "year": year,
                "value": p.value,
                "comparator": p.comparator,
                "is_cumulative": p.is_cumulative,
                "growth_type": growth_type_of(measure, p),
                "status_text": p.status_text,
                "unit_raw": unit_raw,
                "unit": unit,
                "base_value": base_value,
                "base_unit": base_unit,
                "attribute": attributes.get((c["table_id"], c["row_no"])),
                "raw_text": c["raw_text"],
                "parse_status": p.kind,
                "page": c["page"],
                "bbox": c["bbox"],
            }
        )
    return out


def implied(base: float, growth: float, growth_type: str, years: int) -> float:
    if growth_type == "annual_rate":
        return base * (1 + growth / 100) ** years
    if growth_type == "annual_pp":
        return base + growth * years
    return base + growth


def values_to_checks(values: list[dict]) -> list[dict]:
    rows: dict = defaultdict(list)
    for v in values:
        rows[(v["table_id"], v["row_no"])].append(v)
    out = []
    for (tid, row_no), vs in rows.items():
        nums = [v for v in vs if v["value"] is not None]
        targets = [v for v in nums if v["measure"] == "target" and v["year"] and not v["is_cumulative"]]
        growths = [v for v in nums if v["measure"] == "target_growth" and v["growth_type"]]
        if not targets or not growths:
            continue
        target = max(targets, key=lambda v: v["year"])
        bases = [
            v
            for v in nums
            if v["measure"] in ("actual", "expected")
            and v["year"]
            and v["year"] < target["year"]
            and v["comparator"] == "="
            and not v["is_cumulative"]
        ]
        if not bases:
            continue
        # a five-year plan's growth runs from the year before its first year: prefer target_year - 5
        start = [v for v in bases if v["year"] == target["year"] - PLAN_YEARS]
        base = max(start or bases, key=lambda v: (v["year"], v["measure"] == "actual"))
        growth = growths[0]
        if growth["growth_type"] == "cumulative" and base["unit"] != "%":
            continue  # a cumulative total of a flow is not a change of the level
        years = target["year"] - base["year"]
        value = implied(base["value"], growth["value"], growth["growth_type"], years)
        gap = (value - target["value"]) / abs(target["value"]) if target["value"] else 0.0
        out.append(
            {
                "table_id": tid,
                "row_no": row_no,
                "indicator": target["indicator"],
                "base_year": base["year"],
                "base_value": base["value"],
                "target_year": target["year"],
                "target_value": target["value"],
                "growth_text": growth["raw_text"],
                "growth_value": growth["value"],
                "growth_type": growth["growth_type"],
                "years": years,
                "implied_target": round(value, 6),
                "relative_gap": round(gap, 6),
                "agrees": abs(gap) <= AGREE_WITHIN,
                "comparators": ",".join(v["comparator"] for v in (base, target, growth)),
            }
        )
    return out


def run(cells: list[dict], plan: str = "") -> tuple[list[dict], list[dict]]:
    values = cells_to_values(cells)
    names = {v["indicator"]: (v["indicator_key"], v["indicator_key_match"]) for v in values}
    similar = sorted(f"{n} -> {k}" for n, (k, how) in names.items() if how == "similar")
    missing = sorted(n for n, (k, _) in names.items() if k is None)
    if similar:
        log.info("%s: indicator keys by similarity: %s", plan, "; ".join(similar))
    if missing:
        log.warning(
            "%s: %d indicator(s) not in the crosswalk (%s), no key: %s",
            plan,
            len(missing),
            "pipeline/data/indicator_crosswalk.csv",
            "; ".join(missing),
        )
    unknown = [v for v in values if v["parse_status"] == "unknown"]
    if unknown:
        sample = ", ".join(repr(v["raw_text"]) for v in unknown[:5])
        log.warning(
            "%s: %d indicator cell(s) in a form the value grammar does not know, kept as text: %s",
            plan,
            len(unknown),
            sample,
        )
    return values, values_to_checks(values)

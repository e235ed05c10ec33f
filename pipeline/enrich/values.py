"""Stage 5, values: indicator cells -> typed `indicator_values` and `indicator_checks`.

Each value cell is parsed with the value grammar (`grammar.py`); what it measures and for
which year comes from its column's header words, never from the column's position;
its unit from the cell when it prints one (`%`, `个百分点`, `亿元`), else from the column
header's `（…）`, else from the row (unit column, or the name's trailing `（…）`).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from pipeline.enrich import grammar
from pipeline.enrich.crosswalk import KeyMatch, match_key
from pipeline.enrich.grammar import Parsed
from pipeline.settings import StageSettings, settings_for

log = logging.getLogger(__name__)

Row = dict[str, Any]


class ValuesSettings(StageSettings, stage="values"):
    """The values stage's thresholds (declared, with their units and ranges, in pipeline/data/settings.toml)."""


SETTINGS = ValuesSettings()  # the defaults; the stage reads the active ones (`settings_for("values")`)

GROWTH_MEASURES = ("target_growth", "actual_growth")
GROWTH_TYPES = ("annual_rate", "annual_pp", "cumulative_rate", "cumulative_pp", "cumulative")
CHECK_GROWTH_TYPES = ("annual_rate", "annual_pp", "cumulative")  # the growth types `indicator_checks` declares
SHARE_UNITS = ("%", "‰", "个百分点")

GROWTH_WORDS = re.compile(r"增速|增长|增幅|增量|增减|提高|下降|降低|降幅|变化|年均|累计|平均增|涨跌|涨幅|变动")
ACTUAL_WORDS = re.compile(r"完成|实际|实现|执行|实绩")
PLANNED_WORDS = re.compile(r"目标|规划|预期|预计|计划")
YEAR_ON_YEAR = re.compile(r"比上年|较上年|同比|比去年|上年同期")
# a statistic's level in a communiqué's header: 绝对数（亿元）, 年末数（人）, 产量（万吨）, 比重（%）
LEVEL_WORDS = re.compile(
    "|".join(["绝对数", "年末数", "年底数", "年末", "总量", "总数", "总额", "产量", "数量", "金额", "余额"])
    + "|比重|构成|完成数|完成值|本年|当年"
)
YEAR = re.compile(r"((?:19|20)\d\d)")
PLAN_PERIOD = re.compile(r"十([一二三四五六七八九])五")
ANNUAL_HEADER = re.compile(r"年均|每年|平均|比上年|较上年|同比")
CUMULATIVE_HEADER = re.compile(r"累计|期间")
CN_DIGIT = "一二三四五六七八九"


def plan_period_end(path: str) -> int | None:
    """The last year of a five-year plan named in a header: “十四五” -> 2025, “十三五” -> 2020."""
    m = PLAN_PERIOD.search(path)
    return 1966 + 5 * (10 + CN_DIGIT.index(m.group(1)) + 1 - 3) + 4 if m else None


def _growth_measure(path: str) -> str:
    if ACTUAL_WORDS.search(path):
        return "actual_growth"
    if PLANNED_WORDS.search(path):
        return "target_growth"
    return "actual_growth" if YEAR_ON_YEAR.search(path) else "target_growth"


def measure_of(path: str) -> tuple[str | None, int | None]:
    """(measure, year) from a column's header path.

    A growth column is `actual_growth` under 完成/实际 (or 比上年 with no 目标), else `target_growth`;
    a level column is `expected` under 预期/预计, `actual` under 完成/实际 (these win over 规划/目标:
    `“十三五”规划完成情况/2020年` is actual), `target` under 目标/规划, `actual` under 基数/现状, a
    statistic's words (绝对数, 年末数, 产量, 比重) or a bare year. The year is the header's last
    year, else the end of a plan period it names (“十四五”目标 -> 2025)."""
    leaf = path.split("/")[-1]
    if GROWTH_WORDS.search(leaf) and not YEAR.search(leaf):
        return _growth_measure(path), None
    years = YEAR.findall(path)
    year = int(years[-1]) if years else plan_period_end(path)
    if re.search(r"预期|预计", path):
        return "expected", year
    if ACTUAL_WORDS.search(path):
        return "actual", year
    if re.search(r"目标|规划", path):
        return "target", year
    if re.search(r"基数|基期|现状", path) or LEVEL_WORDS.search(leaf) or year is not None:
        return "actual", year
    return None, year


def _period(p: Parsed, column: str) -> str | None:
    """`annual` or `cumulative`: from the cell's words, else the header's, else the cell's verb."""
    if p.is_cumulative:
        return "cumulative"
    if p.growth_word == "年均":
        return "annual"
    annual, cumulative = bool(ANNUAL_HEADER.search(column)), bool(CUMULATIVE_HEADER.search(column))
    if annual != cumulative:
        return "annual" if annual else "cumulative"
    return None


def _is_level_change(p: Parsed, kind: str | None) -> bool:
    """提高5个百分点, 下降13.5%: a change of a level with its verb and no 年均 (a total over the period)."""
    return (kind == "pp" and p.direction is not None) or (kind == "rate" and p.direction == "down")


def growth_type_of(measure: str | None, p: Parsed, column: str = "", unit: str | None = None) -> str | None:
    """How a growth figure runs: `annual_rate`, `annual_pp`, `cumulative_rate`, `cumulative_pp`, `cumulative`.

    The period comes from the cell (年均, 累计, `[ ]`), else the column header (年均 or 累计 alone);
    else a change of a level printed with its verb (提高5个百分点, 下降13.5%) is a total over the
    period and a bare or 增长 rate is yearly. `[ ]` without a unit in the cell stays `cumulative`."""
    if measure not in GROWTH_MEASURES or p.kind != "number":
        return None
    unit = unit or p.unit
    kind = {"%": "rate", "个百分点": "pp"}.get(unit or "")
    period = _period(p, column)
    if p.is_cumulative and not p.unit:
        return "cumulative"
    if period is None and _is_level_change(p, kind):
        period = "cumulative"
    if kind is None:
        return None
    return f"{period or 'annual'}_{kind}"


def growth_unit(p: Parsed, column: str, row_unit: str | None) -> str | None:
    """The unit of a growth figure: the cell's, else the header's; a bare yearly figure of a row that is
    not itself a share (`亿元`) is a rate, `%`; for a share row (`%`) or a `[ ]` total the row's unit stays."""
    unit = p.unit or grammar.header_unit(column)
    if unit or p.kind != "number" or p.is_cumulative or grammar.canonical_unit(row_unit) in SHARE_UNITS:
        return unit
    return "%"


def _unit(p: Parsed, measure: str | None, column: str, row_unit: str | None) -> tuple[str | None, str | None]:
    """(the value's unit, the unit a growth figure is read in)."""
    if measure in GROWTH_MEASURES:
        g = growth_unit(p, column, row_unit)
        return (g or grammar.canonical_unit(row_unit)), g
    return grammar.combine_unit(p.unit, grammar.header_unit(column) or grammar.canonical_unit(row_unit)), None


def _value_row(c: Mapping[str, Any], p: Parsed, key: KeyMatch, attribute: str | None) -> Row:
    measure, year = measure_of(c["column"])
    unit_raw = c["unit"] or grammar.unit_from_name(c["name"])
    unit, g_unit = _unit(p, measure, c["column"], unit_raw)
    base_value, base_unit = grammar.to_base(p.value, unit)
    return {
        "table_id": c["table_id"],
        "row_no": c["row_no"],
        "category": c["category"],
        "seq": c["seq"],
        "indicator": c["name"],
        "parent_indicator": c["parent_name"],
        "indicator_key": key.key,
        "indicator_key_match": key.how,
        "column": c["column"],
        "column_no": c["column_no"],
        "measure": measure,
        "year": year,
        "value": p.value,
        "value_low": p.value_low,
        "value_high": p.value_high,
        "value_stretch": p.value_stretch,
        "comparator": p.comparator,
        "is_cumulative": p.is_cumulative,
        "growth_type": growth_type_of(measure, p, c["column"], g_unit),
        "status_text": p.status_text,
        "note_ref": p.note_ref,
        "unit_raw": unit_raw,
        "unit": unit,
        "base_value": base_value,
        "base_unit": base_unit,
        "attribute": attribute,
        "raw_text": c["raw_text"],
        "parse_status": p.kind,
        "page": c["page"],
        "bbox": c["bbox"],
    }


def _active(settings: ValuesSettings | None) -> ValuesSettings:
    found: ValuesSettings = settings if settings is not None else settings_for("values")
    return found


def cells_to_values(cells: list[Row], settings: ValuesSettings | None = None) -> list[Row]:
    s = _active(settings)
    attributes = {(c["table_id"], c["row_no"]): c["raw_text"] or None for c in cells if c["column_role"] == "attribute"}
    keys = {name: match_key(name, s) for name in dict.fromkeys(c["name"] for c in cells)}
    return [
        _value_row(c, grammar.parse_value(c["raw_text"]), keys[c["name"]], attributes.get((c["table_id"], c["row_no"])))
        for c in cells
        if c["column_role"] == "value"
    ]


# ---------------------------------------------------------------- growth checks


def implied(base: float, growth: float, growth_type: str, years: int) -> float:
    if growth_type == "annual_rate":
        return base * (1 + growth / 100) ** years
    if growth_type == "annual_pp":
        return base + growth * years
    if growth_type == "cumulative_rate":
        return base * (1 + growth / 100)
    return base + growth


def _base_of(nums: list[Row], target: Row, plan_years: int) -> Row | None:
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
        return None
    # a five-year plan's growth runs from the year before its first year: prefer target_year - plan_years
    start = [v for v in bases if v["year"] == target["year"] - plan_years]
    return max(start or bases, key=lambda v: (v["year"], v["measure"] == "actual"))


def _check(vs: list[Row], s: ValuesSettings) -> Row | None:
    nums = [v for v in vs if v["value"] is not None]
    targets = [v for v in nums if v["measure"] == "target" and v["year"] and not v["is_cumulative"]]
    growths = [v for v in nums if v["measure"] == "target_growth" and v["growth_type"] in CHECK_GROWTH_TYPES]
    if not targets or not growths:
        return None
    target = max(targets, key=lambda v: v["year"])
    base = _base_of(nums, target, int(s.plan_years))
    growth = growths[0]
    if base is None or (growth["growth_type"] == "cumulative" and base["unit"] != "%"):
        return None  # a cumulative total of a flow is not a change of the level
    years = target["year"] - base["year"]
    value = implied(base["value"], growth["value"], growth["growth_type"], years)
    gap = (value - target["value"]) / abs(target["value"]) if target["value"] else 0.0
    return {
        "table_id": target["table_id"],
        "row_no": target["row_no"],
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
        "agrees": abs(gap) <= s.agree_within,
        "comparators": ",".join(v["comparator"] for v in (base, target, growth)),
    }


def values_to_checks(values: list[Row], settings: ValuesSettings | None = None) -> list[Row]:
    s = _active(settings)
    rows: dict[tuple[str, int], list[Row]] = defaultdict(list)
    for v in values:
        rows[(v["table_id"], v["row_no"])].append(v)
    return [c for c in (_check(vs, s) for vs in rows.values()) if c is not None]


# ---------------------------------------------------------------- the stage


def _report(values: list[Row], plan: str, settings: ValuesSettings) -> None:
    names = {v["indicator"]: (v["indicator_key"], v["indicator_key_match"]) for v in values}
    fuzzy = sorted(f"{n} -> {k}" for n, (k, how) in names.items() if how == "fuzzy")
    missing = sorted(n for n, (k, _) in names.items() if k is None)
    if fuzzy:
        log.info("%s: indicator keys by similarity: %s", plan, "; ".join(fuzzy))
    if missing:
        near = [m for m in (match_key(n, settings) for n in missing) if m.nearest_key]
        log.warning(
            "%s: %d indicator(s) not in the crosswalk (%s), no key: %s%s",
            plan,
            len(missing),
            "pipeline/data/indicator_crosswalk.csv",
            "; ".join(missing),
            "".join(f"; near miss: {m.name} ~ {m.nearest_name} ({m.nearest_key}, {m.score:.2f})" for m in near),
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
    odd = sorted({v["unit"] for v in values if v["unit"] and v["base_unit"] is None})
    if odd:
        log.warning("%s: unit(s) not in pipeline/data/units.csv, no base value: %s", plan, "; ".join(odd))


def run(cells: list[Row], plan: str = "", settings: ValuesSettings | None = None) -> tuple[list[Row], list[Row]]:
    s = _active(settings)
    values = cells_to_values(cells, s)
    _report(values, plan, s)
    return values, values_to_checks(values, s)

"""What a column measures, from its header words: every header path of the fixtures and the communiqué."""

import json
from pathlib import Path

import pytest

from pipeline.enrich.values import measure_of, plan_period_end

FIXTURES = Path(__file__).parent / "fixtures"

# every header path printed by the fixture plans' indicator tables and the communiqué's tables
HEADERS = {
    # jindong-2021 and its revision: the review of the 13th plan, the 14th plan's targets
    "2015年": ("actual", 2015),
    "规划目标/2020年": ("target", 2020),
    "规划目标/年均增速": ("target_growth", None),
    "完成情况/2019年": ("actual", 2019),
    "完成情况/2020年": ("actual", 2020),
    "完成情况/平均增速": ("actual_growth", None),
    "2019年": ("actual", 2019),
    "2020年预期": ("expected", 2020),
    "2025年目标": ("target", 2025),
    "年均/累计增长": ("target_growth", None),
    "指标属性": (None, None),
    # the communiqué: label columns, levels and year-on-year growth
    "指标名称": (None, None),
    "指标": (None, None),
    "产品名称": (None, None),
    "单位": (None, None),
    "年末数（人）": ("actual", None),
    "比重（%）": ("actual", None),
    "绝对数（亿元）": ("actual", None),
    "绝对数（元）": ("actual", None),
    "绝对数（人）": ("actual", None),
    "绝对数": ("actual", None),
    "总量（户）": ("actual", None),
    "产量（万吨）": ("actual", None),
    "产量": ("actual", None),
    "比上年增长（%）": ("actual_growth", None),
    "比上年增长(%)": ("actual_growth", None),
    "比上年增长": ("actual_growth", None),
    "比上年涨跌幅度": ("actual_growth", None),
}


def fixture_headers() -> list[str]:
    paths = []
    for name in ("jindong-2021.json", "jindong-2022-revision.json"):
        for t in json.loads((FIXTURES / "expected" / name).read_text(encoding="utf-8"))["tables"]:
            paths += t["columns"] + [k for r in t["rows"] for k in r if "/" in k or "年" in k or k == "指标属性"]
    real = json.loads((FIXTURES / "real" / "qiandongnan-2023-communique.json").read_text(encoding="utf-8"))
    for t in real["tables"]:
        paths += t["header"]
    return sorted(set(paths))


@pytest.mark.parametrize("path", fixture_headers())
def test_every_printed_header_path(path):
    assert path in HEADERS, f"add {path!r} to HEADERS with its measure"
    assert measure_of(path) == HEADERS[path]


@pytest.mark.parametrize(
    "path,measure,year",
    [
        # 完成/实际 win over 规划/目标 in a header path
        ("“十三五”规划完成情况/2020年", "actual", 2020),
        ("“十三五”规划完成情况/年均增长", "actual_growth", None),
        ("“十三五”规划实际完成/2020年", "actual", 2020),
        ("规划目标完成情况/2020年", "actual", 2020),
        ("2020年规划目标", "target", 2020),
        ("“十三五”规划目标/2020年", "target", 2020),
        ("2020年预计完成", "expected", 2020),
        ("2024年目标/比上年增长", "target_growth", None),
        ("“十四五”目标", "target", 2025),
        ("“十四五”规划目标值", "target", 2025),
        ("“十三五”完成", "actual", 2020),
        ("“十四五”年均增长", "target_growth", None),
        ("2023年/同比增长", "actual_growth", None),
        ("2020年现状值", "actual", 2020),
    ],
)
def test_measure_words(path, measure, year):
    assert measure_of(path) == (measure, year)


def test_plan_periods():
    assert (plan_period_end("十三五"), plan_period_end("“十四五”"), plan_period_end("十五年")) == (2020, 2025, None)

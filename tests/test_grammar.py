"""The value grammar: every form the issue lists, and property-based round trips of what plans print."""

import logging
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.enrich.grammar import TypedCell, canonical_unit, parse_value, to_base, type_cell, unit_from_name
from pipeline.enrich.values import cells_to_values, measure_of, run

FORMS = [
    # text, kind, value, comparator, cumulative, unit
    ("157.9", "number", 157.9, "=", False, None),
    ("-0.42", "number", -0.42, "=", False, None),
    ("48,510", "number", 48510, "=", False, None),
    ("8%", "number", 8, "=", False, "%"),
    ("≧42", "number", 42, ">=", False, None),
    ("≥91", "number", 91, ">=", False, None),
    (">85", "number", 85, ">", False, None),
    ("＞8.5%", "number", 8.5, ">", False, "%"),
    ("＜3.5", "number", 3.5, "<", False, None),
    ("≤28", "number", 28, "<=", False, None),
    ("45以上", "number", 45, ">=", False, None),
    ("10以下", "number", 10, "<=", False, None),
    ("3以内", "number", 3, "<=", False, None),
    ("约5", "number", 5, "~", False, None),
    ("12左右", "number", 12, "~", False, None),
    ("[10]", "number", 10, "=", True, None),
    ("[-1.28]", "number", -1.28, "=", True, None),
    ("[10000]", "number", 10000, "=", True, None),
    ("［2.5］", "number", 2.5, "=", True, None),
    ("年均提高 1.7个百分点", "number", 1.7, "=", False, "个百分点"),
    ("年均提高 3个百分点以上", "number", 3, ">=", False, "个百分点"),
    ("年均下降2%", "number", -2, "=", False, "%"),
    ("累计提高5个百分点", "number", 5, "=", True, "个百分点"),
    ("不低于95%", "number", 95, ">=", False, "%"),
    ("１２．５％", "number", 12.5, "=", False, "%"),
]


@pytest.mark.parametrize("text,kind,value,cmp,cum,unit", FORMS)
def test_forms(text, kind, value, cmp, cum, unit):
    p = parse_value(text)
    assert (p.kind, p.value, p.comparator, p.is_cumulative, p.unit) == (kind, value, cmp, cum, unit)


@pytest.mark.parametrize("text", ["", "—", "--", "-", "－", "——", "/"])
def test_no_value(text):
    p = parse_value(text)
    assert p.kind == "empty" and p.value is None
    assert p.status_text == (text or None)


@pytest.mark.parametrize(
    "text", ["完成上级下达目标", "完成上级任务", "2018年后，不再列入统计", "基数调整", "已取消考核", "完成年度考核目标"]
)
def test_statements(text):
    p = parse_value(text)
    assert (p.kind, p.value, p.status_text) == ("statement", None, text)


@pytest.mark.parametrize("text", ["[10", "10]", "12abc", "≥5且≥8", "5.7.3", "≥5<8", "6%-7个百分点"])
def test_unknown_forms_are_not_guessed(text):
    p = parse_value(text)
    assert p.kind == "unknown" and p.value is None


@pytest.mark.parametrize(
    "text,value,low,high",
    [("10-12", 11, 10, 12), ("≥5且≤8", 6.5, 5, 8), ("6%～6.5%", 6.25, 6, 6.5), ("5—6", 5.5, 5, 6)],
)
def test_ranges_have_bounds_and_a_midpoint(text, value, low, high):
    p = parse_value(text)
    assert (p.kind, p.value, p.value_low, p.value_high, p.comparator) == ("number", value, low, high, "~")


def test_a_ratio_is_kept_as_a_statement():
    p = parse_value("5.7：43.5：50.8")
    assert (p.kind, p.value, p.status_text) == ("statement", None, "5.7：43.5：50.8")


def test_unknown_forms_are_counted_in_a_warning(caplog):
    cells = [
        {
            "table_id": "t1",
            "row_no": 1,
            "category": None,
            "seq": "1",
            "name": "指标（亿元）",
            "parent_name": None,
            "unit": None,
            "column": "2025年目标",
            "column_no": 1,
            "column_role": "value",
            "raw_text": t,
            "merged": False,
            "page": 1,
            "bbox": [0, 0, 1, 1],
        }
        for t in ["12abc", "12"]
    ]
    with caplog.at_level(logging.WARNING):
        values, _ = run(cells, "plan")
    assert [v["parse_status"] for v in values] == ["unknown", "number"]
    assert values[0]["value"] is None and values[0]["raw_text"] == "12abc"
    assert "1 indicator cell(s)" in caplog.text


# ---------------------------------------------------------------- property-based round trips

numbers = st.decimals(
    min_value=Decimal("-99999"), max_value=Decimal("999999"), places=2, allow_nan=False, allow_infinity=False
)
PREFIX = {
    ">=": ["≧", "≥", ">=", "不低于"],
    ">": ["＞", ">", "高于", "大于"],
    "<": ["＜", "<", "低于"],
    "<=": ["≤", "≦", "<=", "不超过"],
    "~": ["约"],
    "=": [""],
}
SUFFIX = {">=": ["以上"], "<=": ["以下", "以内"], "~": ["左右"]}


def fmt(d: Decimal, thousands: bool) -> str:
    s = f"{d:f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if thousands and abs(d) >= 1000 and "." not in s:
        s = f"{int(d):,}"
    return s


@st.composite
def printed(draw):
    d = draw(numbers)
    cmp = draw(st.sampled_from(sorted(set(PREFIX) | set(SUFFIX))))
    where = draw(
        st.sampled_from(
            ["prefix", "suffix"]
            if cmp in SUFFIX and cmp in PREFIX
            else (["suffix"] if cmp in SUFFIX and cmp not in PREFIX else ["prefix"])
        )
    )
    word = draw(st.sampled_from(PREFIX[cmp] if where == "prefix" else SUFFIX[cmp]))
    unit = draw(st.sampled_from(["", "%", "％", "个百分点"]))
    bracket = draw(st.sampled_from([None, "[]", "［］", "【】"])) if cmp == "=" else None
    space = draw(st.sampled_from(["", " "]))
    num = fmt(d, draw(st.booleans()))
    body = num + unit
    if bracket:
        body = bracket[0] + body + bracket[1]
    text = (word + space + body) if where == "prefix" else (body + space + word)
    return text, float(d), cmp, bracket is not None, {"": None, "%": "%", "％": "%", "个百分点": "个百分点"}[unit]


@given(printed())
@settings(max_examples=400, deadline=None)
def test_printed_values_parse_back(case):
    text, value, cmp, cumulative, unit = case
    p = parse_value(text)
    assert p.kind == "number", text
    assert p.value == pytest.approx(value) and p.comparator == cmp and p.is_cumulative == cumulative and p.unit == unit


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99"), places=2),
    st.sampled_from(["提高", "增长", "下降"]),
    st.sampled_from(["个百分点", "%"]),
    st.sampled_from(["", "以上"]),
)
@settings(max_examples=200, deadline=None)
def test_growth_phrases_parse_back(d, verb, unit, suffix):
    text = f"年均{verb} {fmt(d, False)}{unit}{suffix}"
    p = parse_value(text)
    sign = -1 if verb == "下降" else 1
    assert p.value == pytest.approx(sign * float(d)) and p.unit == unit.replace("%", "%") and p.growth_word == "年均"
    assert p.comparator == (">=" if suffix else "=")


@given(
    st.decimals(min_value=Decimal("0.001"), max_value=Decimal("9999"), places=3),
    st.sampled_from(
        [
            ("亿元", 1e8, "元"),
            ("万元", 1e4, "元"),
            ("万人", 1e4, "人"),
            ("万亩", 1e4, "亩"),
            ("亿件", 1e8, "件"),
            ("亿美元", 1e8, "美元"),
            ("亿斤", 1e8, "斤"),
            ("万吨", 1e4, "吨"),
            ("千人", 1e3, "人"),
            ("百万元", 1e6, "元"),
        ]
    ),
)
def test_multipliers(d, case):
    unit, factor, base = case
    value, base_unit = to_base(float(d), unit)
    assert base_unit == base and value == pytest.approx(float(d) * factor)


# ---------------------------------------------------------------- units and headers


def test_units():
    assert canonical_unit("％") == "%" and canonical_unit("微克/立 方米") == "微克/立方米"
    assert to_base(5, "%") == (5, "%") and to_base(1.7, "个百分点") == (1.7, "个百分点")
    assert to_base(0.47, "吨标准煤/万元") == (pytest.approx(0.47e-4), "吨标准煤/元")
    assert to_base(5.29, "件/万人") == (pytest.approx(5.29e-4), "件/人")
    assert unit_from_name("地区生产总值（亿元）") == "亿元"
    assert unit_from_name("人均地区生产总值（元/户籍人口）") == "元/户籍人口"
    assert unit_from_name("空气质量指数（AQI）达到优良天数率（%）") == "%"
    assert unit_from_name("每千人执业(助理)医师数(常住人口)") is None
    assert unit_from_name("细颗粒物（PM2.5）浓度") is None


@pytest.mark.parametrize(
    "path,measure,year",
    [
        ("2015年", "actual", 2015),
        ("规划目标/2020年", "target", 2020),
        ("规划目标/年均增速", "target_growth", None),
        ("完成情况/2020年", "actual", 2020),
        ("完成情况/平均增速", "actual_growth", None),
        ("2020年预期", "expected", 2020),
        ("2025年目标", "target", 2025),
        ("年均/累计增长", "target_growth", None),
        ("2020年基数", "actual", 2020),
        ("2025年目标值", "target", 2025),
        ("“十四五”年均增长", "target_growth", None),
        ("2020年预计", "expected", 2020),
        ("指标属性", None, None),
    ],
)
def test_measure_from_header_words(path, measure, year):
    assert measure_of(path) == (measure, year)


def test_cell_unit_wins_over_row_unit():
    cell = {
        "table_id": "t1",
        "row_no": 1,
        "category": None,
        "seq": "1",
        "name": "地区生产总值",
        "parent_name": None,
        "unit": "亿元",
        "column": "年均增长",
        "column_no": 1,
        "column_role": "value",
        "raw_text": "＞8.5%",
        "merged": False,
        "page": 1,
        "bbox": [0, 0, 1, 1],
    }
    v = cells_to_values([cell])[0]
    assert (v["unit"], v["unit_raw"], v["growth_type"], v["base_unit"]) == ("%", "亿元", "annual_rate", "%")


# ---------------------------------------------------------------- round trips of the other printed forms

FULL_WIDTH = str.maketrans("0123456789.%,-", "０１２３４５６７８９．％，－")
positive = st.decimals(min_value=Decimal("0.1"), max_value=Decimal("99999"), places=1)


def cn_numeral(n: int) -> str:
    """1..9999 written in Chinese numerals (两千, 一百零五, 十五)."""
    digits = "零一二三四五六七八九"
    out, zero = "", False
    for power, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // power % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += ("两" if d == 2 and power >= 1000 else ("" if d == 1 and power == 10 and not out else digits[d])) + name
    return out


@given(
    positive,
    positive,
    st.sampled_from(["-", "～", "~", "—", "至", "－", "到"]),
    st.sampled_from(["", "%"]),
    st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_ranges_parse_back(a, b, sep, unit, both):
    low, high = sorted([a, b])
    if low == high:
        return
    text = f"{fmt(low, False)}{unit if both else ''}{sep}{fmt(high, False)}{unit}"
    p = parse_value(text)
    assert (p.kind, p.comparator, p.unit) == ("number", "~", unit or None), text
    assert p.value_low == pytest.approx(float(low)) and p.value_high == pytest.approx(float(high))
    assert p.value == pytest.approx((float(low) + float(high)) / 2)


@given(
    positive,
    positive,
    st.sampled_from(["", "%", "亿元"]),
    st.sampled_from(["", "以上", "左右"]),
    st.sampled_from(["，", ",", "；", "、", "（"]),
    st.sampled_from(["力争", "争取", "力争达到"]),
)
@settings(max_examples=300, deadline=None)
def test_aspirations_parse_back(firm, aim, unit, suffix, joiner, word):
    text = f"{fmt(firm, False)}{unit}{suffix}{joiner}{word}{fmt(aim, False)}{unit}" + ("）" if joiner == "（" else "")
    p = parse_value(text)
    assert p.kind == "number" and p.unit == (unit or None), text
    assert p.value == pytest.approx(float(firm)) and p.value_stretch == pytest.approx(float(aim))
    assert p.comparator == {"": "=", "以上": ">=", "左右": "~"}[suffix]
    alone = parse_value(f"{word}{fmt(aim, False)}{unit}")
    assert alone.value == alone.value_stretch == pytest.approx(float(aim))


@given(
    positive,
    st.sampled_from([("万", 1e4), ("亿", 1e8), ("万亿", 1e12), ("千万", 1e7), ("百万", 1e6)]),
    st.sampled_from([("元", "元"), ("人", "人"), ("吨", "吨"), ("亩", "亩"), ("美元", "美元"), ("", None)]),
    st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_multipliers_in_the_cell_parse_back(d, mult, unit, in_cell):
    (prefix, factor), (u, base) = mult, unit
    cell = type_cell(fmt(d, False) + prefix + (u if in_cell else ""), None if in_cell else (u or None))
    assert cell.value == pytest.approx(float(d)) and cell.unit == prefix + u
    assert cell.base_value == pytest.approx(float(d) * factor) and cell.base_unit == base


@given(st.integers(min_value=1, max_value=9999), st.sampled_from(["", "万", "成"]))
@settings(max_examples=300, deadline=None)
def test_chinese_numerals_parse_back(n, unit):
    p = parse_value(cn_numeral(n) + unit)
    assert (p.kind, p.value, p.unit) == ("number", n, unit or None), cn_numeral(n)


@given(positive, st.sampled_from(["①", "②", "*", "※", "¹", "注1", "（注2）", "[1]"]), st.sampled_from(["", "%"]))
@settings(max_examples=200, deadline=None)
def test_note_markers_are_kept_apart(d, note, unit):
    p = parse_value(fmt(d, False) + unit + note)
    assert (p.kind, p.note_ref, p.unit) == ("number", note, unit or None) and p.value == pytest.approx(float(d))


@given(st.integers(min_value=1000, max_value=99_999_999), st.sampled_from(["full", "space", "comma"]))
@settings(max_examples=200, deadline=None)
def test_full_width_and_grouped_digits_parse_back(n, style):
    grouped = f"{n:,}"
    text = {"full": grouped.translate(FULL_WIDTH), "space": grouped.replace(",", " "), "comma": grouped}[style]
    assert parse_value(text).value == n, text


@given(
    positive,
    st.sampled_from(
        [("下降", -1, None), ("降低到", 1, "<="), ("控制在", 1, "<="), ("不超过", 1, "<="), ("提高到", 1, ">=")]
    ),
    st.sampled_from(["%", "个百分点", ""]),
)
@settings(max_examples=200, deadline=None)
def test_directions_parse_back(d, word, unit):
    verb, sign, cmp = word
    p = parse_value(f"{verb}{fmt(d, False)}{unit}")
    assert p.value == pytest.approx(sign * float(d)) and p.comparator == (cmp or "=") and p.unit == (unit or None)


def test_type_cell_takes_the_unit_from_the_header_then_the_row():
    assert type_cell("133.77", None, "产量（万吨）") == TypedCell(
        value=133.77,
        value_low=None,
        value_high=None,
        comparator="=",
        unit="万吨",
        base_value=pytest.approx(1337700),
        base_unit="吨",
        parse_status="number",
    )
    assert (type_cell("-2.3", "万吨", "比上年增长(%)").unit, type_cell("19.23", "万吨", "产量").unit) == ("%", "万吨")
    statement = type_cell("完成上级下达目标", "亿元", "2025年")
    assert (statement.parse_status, statement.value, statement.unit, statement.base_unit) == (
        "statement",
        None,
        "亿元",
        "元",
    )

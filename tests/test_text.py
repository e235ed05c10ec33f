"""Text analytics: quantities, entities, terms, and canonical indicator keys."""

import logging
import re

import pytest
from conftest import read

from pipeline.enrich.crosswalk import match, normalise_name
from pipeline.enrich.text import quantity_spans
from pipeline.enrich.text import run as text_run

PLAN = "jindong-2021"


def test_sidebar_13_investments_and_project_counts_add_up(fixture_out):
    sb = read(fixture_out, "sidebars", PLAN).set_index("sidebar_label")
    seq = sb.loc["13", "sidebar_seq"]
    q = read(fixture_out, "quantities", PLAN)
    q = q[q.sidebar_seq == seq]
    money = q[q.unit == "亿元"]
    total = money[money.item_no.isna()]
    fields = money[money.item_no.notna()]
    assert len(total) == 1 and fields.item_no.nunique() == 5
    assert fields.value.sum() == pytest.approx(total.value.iloc[0])
    assert fields.base_value.sum() == pytest.approx(total.value.iloc[0] * 1e8)
    counts = q[q.unit == "个"]
    assert counts[counts.item_no.notna()].value.sum() == counts[counts.item_no.isna()].value.iloc[0]


@pytest.mark.parametrize("plan", ["jindong-2021", "jindong-2022-revision"])
def test_every_yi_and_wan_yuan_amount_is_one_money_row(fixture_out, plan):
    texts = list(read(fixture_out, "paragraphs", plan).text) + list(read(fixture_out, "sidebars", plan).text)
    printed = sum(len(re.findall(r"(?<![A-Za-z0-9.])\d+(?:\.\d+)?\s*(?:亿元|万元)", t)) for t in texts)
    q = read(fixture_out, "quantities", plan)
    assert printed > 20 and (q.unit.isin(["亿元", "万元"])).sum() == printed
    assert (q[q.unit.isin(["亿元", "万元"])].kind == "money").all()


def test_quantities_are_typed_in_base_units(fixture_out):
    q = read(fixture_out, "quantities", PLAN)
    by = {(r.raw_text.replace(" ", ""), r.attribute): r for r in q.itertuples()}
    assert by[("150亿元", "总投资")].base_value == pytest.approx(1.5e10) and by[("150亿元", "总投资")].base_unit == "元"
    assert by[("1300亩", "总用地面积")].base_value == 1300
    assert by[("33.7平方公里", "总规划面积")].unit == "平方公里"
    assert by[("17万平方米", "建成物业面积")].base_value == pytest.approx(170000)
    assert set(q.kind) >= {"money", "area", "count", "percent"}


def test_quantities_reuse_the_value_grammar():
    paras = [
        {
            "para_no": 1,
            "text": "到 2025 年总投资约 5.6亿元，占地 45%以上，新建 3个项目，2020年完成。",
            "chapter_no": 1,
            "section_no": 1,
            "page_start": 1,
        }
    ]
    _, _, q = text_run(paras, [], [], [], [])
    got = [(r["raw_text"], r["value"], r["comparator"], r["unit"], r["attribute"]) for r in q]
    assert got == [
        ("约 5.6亿元", 5.6, "~", "亿元", "总投资"),
        ("45%以上", 45, ">=", "%", "占地"),
        ("3个", 3, "=", "个", "新建"),
    ]
    assert not [m for m, _, _ in quantity_spans("2020年完成，G60走廊，5G网络")]


def test_entity_offsets_point_at_the_text(fixture_out):
    ents = read(fixture_out, "entities", PLAN)
    paras = read(fixture_out, "paragraphs", PLAN).set_index("para_no").text
    sidebars = read(fixture_out, "sidebars", PLAN).set_index("sidebar_seq").text
    for r in ents.itertuples():
        text = paras[r.para_no] if r.source == "paragraph" else sidebars[r.sidebar_seq]
        assert text[r.char_start : r.char_end] == r.text
    frames = set(ents[ents.label == "FRAME"].text)
    assert {"四大战略", "三大产业布局", "十个赶超先行"} <= frames
    agencies = ents[(ents.source == "sidebar") & (ents.label == "ORG")].text
    assert {"住建局", "行政执法局", "发改局"} <= set(agencies)


def test_terms(fixture_out):
    terms = read(fixture_out, "terms", PLAN)
    assert not terms.term.isin(["的", "和", "等", "及"]).any()
    assert set(terms.upos) <= {"NOUN", "PROPN", "VERB", "ADJ"}
    ch2 = terms[terms.chapter_no == 2].groupby("term")["count"].sum()
    assert ch2["人才"] >= 10 and ch2["创新"] >= 10
    assert (terms["count"] >= terms.sidebar_count).all() and (terms.doc_count >= 1).all()
    # the plan's own names are one word, not split by the general dictionary
    assert terms.term.eq("金华科技城").any()


# ---------------------------------------------------------------- indicator keys


@pytest.mark.parametrize("plan", ["jindong-2021", "jindong-2022-revision"])
def test_every_indicator_has_a_key(fixture_out, plan):
    values = read(fixture_out, "indicator_values", plan)
    missing = values[values.indicator_key.isna()].indicator.unique()
    assert len(missing) == 0, missing


def test_review_and_targets_rows_share_keys(fixture_out):
    values = read(fixture_out, "indicator_values", PLAN)
    tables = read(fixture_out, "indicator_tables", PLAN).set_index("kind").table_id
    keys = values.groupby("table_id").indicator_key.apply(set)
    shared = keys[tables["review"]] & keys[tables["targets"]]
    assert {"gdp", "urbanisation_rate", "rd_share_of_gdp", "forest_coverage", "life_expectancy"} <= shared


def test_crosswalk_matching():
    assert normalise_name("主要污染物排放：化学需氧量（万吨）") == "化学需氧量"
    assert normalise_name("其中：区级一般公共预算收入（亿元）") == "区级一般公共预算收入"
    assert match("地区生产总值(GDP)") == ("gdp", "exact")
    assert match("常住人口城镇化水平") == ("urbanisation_rate", "similar")
    assert match("完全陌生的一个指标名称") == (None, None)


def test_unmatched_indicator_names_are_reported(caplog):
    from pipeline.enrich.values import run

    cell = {
        "table_id": "t1",
        "row_no": 1,
        "category": None,
        "seq": "1",
        "name": "完全陌生的一个指标名称",
        "parent_name": None,
        "unit": None,
        "column": "2025年目标",
        "column_no": 1,
        "column_role": "value",
        "raw_text": "5",
        "merged": False,
        "page": 1,
        "bbox": [0, 0, 1, 1],
    }
    with caplog.at_level(logging.WARNING):
        values, _ = run([cell], "plan")
    assert values[0]["indicator_key"] is None and "not in the crosswalk" in caplog.text

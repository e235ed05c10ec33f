"""Indicator keys for every plan: the crosswalk, its matching and the report of names without a key."""

import csv
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from pipeline.core.resources import data_file
from pipeline.enrich.crosswalk import (
    MATCH_KINDS,
    contrasts_agree,
    format_unmatched,
    match,
    match_form,
    match_key,
    unmatched_indicators,
)
from pipeline.enrich.values import ValuesSettings, cells_to_values

FIXTURES = Path(__file__).parent / "fixtures"

# the 20 main indicators of the national 14th five-year outline, as printed there
NATIONAL_14TH = {
    "国内生产总值（GDP）增长（%）": "gdp_growth",
    "全员劳动生产率增长（%）": "labour_productivity_growth",
    "常住人口城镇化率（%）": "urbanisation_rate",
    "全社会研发经费投入增长（%）": "rd_expenditure_growth",
    "每万人口高价值发明专利拥有量（件）": "high_value_invention_patents_per_10k",
    "数字经济核心产业增加值占GDP比重（%）": "digital_core_industries_share_of_gdp",
    "居民人均可支配收入增长（%）": "disposable_income_per_capita_growth",
    "城镇调查失业率（%）": "surveyed_urban_unemployment_rate",
    "劳动年龄人口平均受教育年限（年）": "working_age_schooling_years",
    "每千人口拥有执业（助理）医师数（人）": "licensed_doctors_per_1000",
    "基本养老保险参保率（%）": "basic_pension_coverage",
    "每千人口拥有3岁以下婴幼儿托位数（个）": "childcare_places_per_1000",
    "人均预期寿命（岁）": "life_expectancy",
    "单位GDP能源消耗降低（%）": "energy_intensity_reduction",
    "单位GDP二氧化碳排放降低（%）": "co2_intensity_reduction",
    "地级及以上城市空气质量优良天数比率（%）": "good_air_quality_days_share",
    "地表水达到或好于Ⅲ类水体比例（%）": "water_quality_class_iii_share",
    "森林覆盖率（%）": "forest_coverage",
    "粮食综合生产能力（亿吨）": "grain_production_capacity",
    "能源综合生产能力（亿吨标准煤）": "energy_production_capacity",
}

# names as provincial and county outlines and statistical communiqués print them
COMMON = {
    "地区生产总值": "gdp",
    "生产总值（亿元）": "gdp",
    "GDP": "gdp",
    "全市地区生产总值": "gdp",
    "地区生产总值年均增长（%）": "gdp_growth",
    "单位GDP能耗降低（%）": "energy_intensity_reduction",
    "单位地区生产总值能源消耗降低（%）": "energy_intensity_reduction",
    "单位地区生产总值能耗下降": "energy_intensity_reduction",
    "城镇登记失业率（%）": "registered_urban_unemployment_rate",
    "城镇调查失业率": "surveyed_urban_unemployment_rate",
    "一般公共预算收入（亿元）": "general_public_budget_revenue",
    "#一般公共预算收入": "general_public_budget_revenue",
    "地方一般公共预算收入": "general_public_budget_revenue",
    "一般公共预算支出": "general_public_budget_expenditure",
    "社会消费品零售总额（亿元）": "retail_sales",
    "居民消费价格涨幅（%）": "consumer_price_index",
    "城镇居民人均可支配收入（元）": "urban_disposable_income_per_capita",
    "农村常住居民人均可支配收入": "rural_disposable_income_per_capita",
    "规模以上工业增加值增长（%）": "industrial_value_added_above_scale_growth",
    "研究与试验发展经费投入强度（%）": "rd_share_of_gdp",
    "每万人口发明专利拥有量（件）": "invention_patents_owned_per_10k",
    "PM2.5年均浓度（微克/立方米）": "pm25_concentration",
    "细颗粒物（PM2.5）浓度下降（%）": "pm25_concentration_reduction",
    "城市生活污水处理率（%）": "urban_sewage_treatment_rate",
    "年末常住人口（万人）": "permanent_population",
    "全州总户籍人口": "registered_population",
    "人口自然增长率（‰）": "natural_growth_rate",
    "金融机构各项存款余额": "deposits_balance",
    "旅游总收入（亿元）": "tourism_revenue",
    "亿元地区生产总值生产安全事故死亡率": "work_safety_deaths_per_100m_gdp",
}


def crosswalk() -> list[dict[str, str]]:
    with open(data_file("indicator_crosswalk.csv"), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("name,key", NATIONAL_14TH.items())
def test_the_national_outline_is_covered(name, key):
    m = match_key(name)
    assert (m.key, m.how in ("exact", "synonym")) == (key, True)


@pytest.mark.parametrize("name,key", COMMON.items())
def test_provincial_county_and_communique_names(name, key):
    m = match_key(name)
    assert m.key == key and m.how in ("exact", "synonym"), m


def test_synonyms_are_normalised_and_kept_apart():
    assert {match_key(n).key for n in ["地区生产总值", "生产总值", "GDP", "国内生产总值（GDP）"]} == {"gdp"}
    assert match_form("单位GDP能耗降低") == match_form("单位地区生产总值能源消耗降低")
    assert match_key("城镇调查失业率").key != match_key("城镇登记失业率").key
    assert not contrasts_agree(match_form("城镇调查失业率"), match_form("城镇登记失业率"))
    assert not contrasts_agree(match_form("一般公共预算收入"), match_form("一般公共预算支出"))
    assert not contrasts_agree(match_form("出口总额"), match_form("进出口总额"))
    assert not contrasts_agree(match_form("城镇居民人均消费支出"), match_form("农村居民人均消费支出"))


def test_exact_synonym_fuzzy_and_none():
    assert match_key("地区生产总值（亿元）").how == "exact"
    assert match_key("城市化率（％）").how == "synonym"
    fuzzy = match_key("常住人口城镇化水平")
    assert (fuzzy.key, fuzzy.how) == ("urbanisation_rate", "fuzzy") and 0.8 <= fuzzy.score < 1
    none = match_key("完全陌生的一个指标名称")
    assert (none.key, none.how) == (None, "none")
    # a name close to a listed one but differing on a contrast word gets no key by similarity
    assert match_key("一般公共预算支出增长").key != "general_public_budget_revenue_growth"
    assert match_key("城镇调查失业人数").key is None
    # short names (a communiqué's sub-rows) are matched exactly only
    assert match_key("#城镇").how == "none"
    assert set(MATCH_KINDS) == {"exact", "synonym", "fuzzy", "none"}


def test_the_fuzzy_threshold_is_a_setting():
    strict = ValuesSettings(fuzzy_threshold=0.95)
    m = match_key("常住人口城镇化水平", strict)
    assert (m.key, m.how, m.nearest_key) == (None, "none", "urbanisation_rate")
    assert match("常住人口城镇化水平") == ("urbanisation_rate", "similar")  # the earlier interface


def test_the_crosswalk_file_is_consistent():
    rows = crosswalk()
    assert set(rows[0]) == {"key", "name", "kind", "domain"}
    keys = Counter(r["key"] for r in rows if r["kind"] == "canonical")
    assert all(n == 1 for n in keys.values()) and set(keys) == {r["key"] for r in rows}
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", k) for k in keys)
    assert {r["kind"] for r in rows} == {"canonical", "synonym"}
    assert {r["domain"] for r in rows} == {
        "economy",
        "innovation",
        "livelihood",
        "green",
        "security",
        "statistics",
        "governance",
    }
    # no matching form is claimed by two keys
    owners: dict[str, set[str]] = {}
    for r in rows:
        owners.setdefault(match_form(r["name"]), set()).add(r["key"])
    assert {f: k for f, k in owners.items() if len(k) > 1} == {}
    assert len(keys) >= 150


def value_cells(plan: str) -> list[dict]:
    data = json.loads((FIXTURES / "expected" / f"{plan}.json").read_text(encoding="utf-8"))
    cells = []
    for t in data["tables"]:
        for r in t["rows"]:
            for col in t["columns"]:
                if col != "指标属性":
                    cells.append(
                        {
                            "table_id": t["table_id"],
                            "row_no": r["row"],
                            "category": r["category"],
                            "seq": r["seq"],
                            "name": r["name"],
                            "parent_name": None,
                            "unit": r["unit"],
                            "column": col,
                            "column_no": 1,
                            "column_role": "value",
                            "raw_text": r.get(col, ""),
                            "merged": False,
                            "page": 1,
                            "bbox": [0.0, 0.0, 1.0, 1.0],
                        }
                    )
    return cells


@pytest.mark.parametrize("plan", ["jindong-2021", "jindong-2022-revision"])
def test_every_fixture_indicator_is_keyed(plan):
    values = cells_to_values(value_cells(plan))
    assert {v["indicator_key_match"] for v in values} <= {"exact", "synonym"}
    assert all(v["indicator_key"] for v in values)


def test_names_without_a_key_are_listed_with_counts():
    rows = [
        {"plan_id": "a", "table_id": "t1", "row_no": 1, "indicator": "地区生产总值"},
        {"plan_id": "a", "table_id": "t1", "row_no": 2, "indicator": "完全陌生的一个指标名称"},
        {"plan_id": "a", "table_id": "t1", "row_no": 2, "indicator": "完全陌生的一个指标名称"},  # another column
        {"plan_id": "b", "table_id": "t3", "row_no": 7, "indicator": "完全陌生的一个指标名称"},
        {"plan_id": "b", "table_id": "t3", "row_no": 8, "indicator": "规模以上工业企业利润"},
    ]
    out = unmatched_indicators(rows)
    assert [(u.name, u.rows, u.plans) for u in out] == [
        ("完全陌生的一个指标名称", 2, ("a", "b")),
        ("规模以上工业企业利润", 1, ("b",)),
    ]
    assert out[1].nearest_key == "industrial_output_above_scale" and 0.6 <= out[1].score < 0.8
    text = format_unmatched(out)
    assert text.splitlines()[0] == "2\t完全陌生的一个指标名称\ta,b\t"
    assert "industrial_output_above_scale" in text.splitlines()[1]

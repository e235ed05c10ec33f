"""The values stage's settings, its growth checks with the new growth types, and its report."""

import logging

import pytest

from pipeline.enrich.grammar import parse_value
from pipeline.enrich.values import (
    CHECK_GROWTH_TYPES,
    SETTINGS,
    ValuesSettings,
    growth_type_of,
    implied,
    run,
)
from pipeline.errors import SettingsError
from pipeline.settings import settings_for


def row(name: str, unit: str | None, cells: dict[str, str], row_no: int = 1) -> list[dict]:
    return [
        {
            "table_id": "t1",
            "row_no": row_no,
            "category": None,
            "seq": str(row_no),
            "name": name,
            "parent_name": None,
            "unit": unit,
            "column": column,
            "column_no": i,
            "column_role": "value",
            "raw_text": text,
            "merged": False,
            "page": 1,
            "bbox": [0.0, 0.0, 1.0, 1.0],
        }
        for i, (column, text) in enumerate(cells.items(), 1)
    ]


def test_settings_are_a_frozen_default():
    assert (SETTINGS.agree_within, SETTINGS.plan_years, SETTINGS.fuzzy_threshold) == (0.05, 5, 0.8)
    assert settings_for("values") == SETTINGS
    with pytest.raises(AttributeError):
        SETTINGS.agree_within = 1  # type: ignore[misc]
    with pytest.raises(SettingsError):
        ValuesSettings(fuzzy_threshold=80)  # a similarity is a share, 0-1


def test_the_agreement_tolerance_is_a_setting():
    cells = row("地区生产总值", "亿元", {"2020年": "100", "2025年目标": "150", "年均增长": "8%"})
    _, checks = run(cells)
    assert checks[0]["implied_target"] == pytest.approx(146.93, abs=0.01) and checks[0]["agrees"]
    _, strict = run(cells, settings=ValuesSettings(agree_within=0.01))
    assert not strict[0]["agrees"]


def test_growth_types_of_the_new_notations():
    values, checks = run(
        row("常住人口城镇化率", "%", {"2020年": "60", "2025年目标": "65", "年均/累计增长": "提高5个百分点"})
        + row("单位GDP能耗", "吨标准煤/万元", {"2020年": "0.5", "2025年目标": "0.43", "累计": "下降13.5%"}, 2)
    )
    types = {(v["row_no"], v["column"]): v["growth_type"] for v in values}
    assert types[(1, "年均/累计增长")] == "cumulative_pp" and types[(2, "累计")] == "cumulative_rate"
    # indicator_checks declares annual_rate, annual_pp and cumulative only: the others are not checked yet
    assert "cumulative_pp" not in CHECK_GROWTH_TYPES and checks == []
    assert implied(60, 5, "cumulative_pp", 5) == 65
    assert implied(0.5, -13.5, "cumulative_rate", 5) == pytest.approx(0.4325)


def test_growth_type_keeps_its_earlier_signature():
    assert growth_type_of("target_growth", parse_value("8%")) == "annual_rate"
    assert growth_type_of("target_growth", parse_value("[10]")) == "cumulative"
    assert growth_type_of("target_growth", parse_value("年均提高1.7个百分点")) == "annual_pp"
    assert growth_type_of("target", parse_value("8%")) is None


def test_new_columns_and_near_misses_are_reported(caplog):
    cells = row("规模以上工业企业利润", "亿元", {"2025年目标": "3000-3500，力争4000①", "2020年": "6.5万"})
    with caplog.at_level(logging.WARNING):
        values, _ = run(cells, "plan", ValuesSettings(near_miss=0.5))
    target = values[0]
    assert (target["value"], target["value_low"], target["value_high"]) == (3250, 3000, 3500)
    assert (target["value_stretch"], target["note_ref"], target["comparator"]) == (4000, "①", "~")
    assert (target["base_value"], target["base_unit"]) == (pytest.approx(3.25e11), "元")
    assert (values[1]["value"], values[1]["unit"], values[1]["base_value"]) == (6.5, "万亿元", pytest.approx(6.5e12))
    assert target["indicator_key"] is None and target["indicator_key_match"] == "none"
    assert "not in the crosswalk" in caplog.text and "near miss" in caplog.text

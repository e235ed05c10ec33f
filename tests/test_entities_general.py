"""The entity rules are general: no word of the bundled plan in the package, and heads read the same anywhere."""

import json
from pathlib import Path

import pytest
from conftest import ROOT

from pipeline.enrich import nlp
from pipeline.enrich.text import run as text_run

EXPECTED = json.loads((ROOT / "tests" / "fixtures" / "expected" / "jindong-2021.json").read_text(encoding="utf-8"))
TITLES = [s["title"] for s in EXPECTED["sidebars"]]
# every title of the expected files: chapters, sections, sidebars and tables, of the plan and its revision
ALL_TITLES = sorted(
    {
        item["title"]
        for name in ("jindong-2021", "jindong-2022-revision")
        for key in ("chapters", "sections", "sidebars", "tables")
        for item in json.loads((ROOT / "tests" / "fixtures" / "expected" / f"{name}.json").read_text(encoding="utf-8"))[
            key
        ]
        if item.get("title")
    }
)
# the place names the bundled plan's sidebar titles are built on (金华科创功能平台, 塘雅镇…, 金华澧浦苗木城 …)
TITLE_PLACES = ("金华", "金东", "金义", "澧浦", "塘雅", "东湄", "多湖", "金满湖")
# named in the issue: words the first rules took from the bundled plan's own sentences
PLAN_WORDS = ("联运新城", "苗木城", "贸创区", "菜鸟商学院", "鞋塘卫生院", "慈溪")


def package_texts() -> dict[Path, str]:
    """Every text file under pipeline/: code and data."""
    out = {}
    for path in sorted((ROOT / "pipeline").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            try:
                out[path] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
    return out


def test_no_word_of_the_bundled_plan_in_the_package():
    assert all(any(p in t for t in TITLES) for p in TITLE_PLACES)
    words = ALL_TITLES + list(TITLE_PLACES) + list(PLAN_WORDS)
    texts = package_texts()
    assert any(p.name == "entity_patterns.jsonl" for p in texts) and len(texts) > 20
    hits = [(str(p.relative_to(ROOT)), w) for p, text in texts.items() for w in words if w in text]
    assert not hits, hits


def test_patterns_file_is_an_entity_ruler_patterns_file():
    lines = nlp.patterns_path().read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert {e["label"] for e in entries} == {"PLACE", "ORG", "PLATFORM", "PROJECT", "FRAME"}
    assert all(isinstance(e["pattern"], list) and e["pattern"] for e in entries)
    with nlp.build([], [], []) as pipeline:
        ruler = pipeline.get_pipe("entity_ruler")
    assert len(ruler) == len(entries)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("成都高新技术产业开发区", "PLATFORM"),  # 开发区 over 区
        ("川西北铁路物流中心", "PLATFORM"),  # 物流中心 over 中心
        ("区疾控中心", "ORG"),
        ("苏州大学附属第一医院", "ORG"),
        ("雄安新区", "PLATFORM"),
        ("广西壮族自治区", "PLACE"),
        ("南海区", "PLACE"),
        ("洱海", None),
        ("城镇空间布局", None),  # 局 of 布局 is no agency
        ("中心城区", None),
        ("长江", "PLACE"),
        ("沈阳东中央智造区", "PLATFORM"),  # a name too long for a district, ending in 区, is a zone
        ("滨海新区医院迁建项目", "PROJECT"),
    ],
)
def test_a_name_is_labelled_by_its_longest_head(text, label):
    assert nlp.head_label(text) == label


def test_names_of_other_regions():
    text = (
        "支持南京江北新区、南京大学和无锡市人民医院在江阴市设立分支机构，保护太湖生态，"
        "实施“六大行动”，推进京杭大运河生态修复工程。（牵头单位：市发展改革委、市生态环境局）"
    )
    para = {"para_no": 1, "text": text, "chapter_no": 1, "section_no": None, "page_start": 1}
    _, ents, _ = text_run([para], [], [], [], ["江苏省无锡市国民经济和社会发展第十四个五年规划"])
    found = {(e["label"], e["text"]) for e in ents}
    assert found >= {
        ("PLATFORM", "南京江北新区"),
        ("ORG", "南京大学"),
        ("ORG", "无锡市人民医院"),
        ("PLACE", "江阴市"),
        ("PLACE", "太湖"),
        ("FRAME", "六大行动"),
        ("ORG", "市发展改革委"),
        ("ORG", "市生态环境局"),
    }, found
    assert all(text[e["char_start"] : e["char_end"]] == e["text"] for e in ents)

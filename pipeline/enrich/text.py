"""Stage 6, text: paragraphs and sidebars -> `terms`, `entities`, `quantities`.

One spaCy pipeline per plan (`nlp.py`) segments and tags the text (jieba with the plan's own
names in its dictionary) and marks entities by rule. Quantities are numbers printed with a
unit, read with the value grammar of the indicator tables (`grammar.py`): the same
comparators, the same multipliers to base units.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from pipeline.core.text import AGENCY
from pipeline.enrich.grammar import Parsed, canonical_unit, parse_value, to_base

Row = dict[str, Any]
TermKey = tuple[int | None, int | None, str, str]  # chapter, section, word, jieba tag

UNITS = {
    "money": ["万亿元", "亿元", "千万元", "百万元", "万元", "千元", "元", "亿美元", "万美元", "美元"],
    "area": ["万平方米", "平方米", "平方公里", "万亩", "亩", "万公顷", "公顷", "平方千米"],
    "length": ["公里", "千米", "米", "km"],
    "weight": ["万吨", "吨", "万斤", "亿斤", "斤"],
    "volume": ["万立方米", "立方米", "方"],
    "power": ["万千瓦", "千瓦", "兆瓦", "KV", "kV", "kv", "千伏", "MW", "GW"],
    "percent": ["个百分点", "%", "％"],
    "count": [
        "万标箱",
        "标箱",
        "万人次",
        "人次",
        "万人",
        "人",
        "万户",
        "户",
        "万套",
        "套",
        "万辆",
        "辆",
        "亿件",
        "万件",
        "件",
        "个",
        "家",
        "项",
        "座",
        "所",
        "条",
        "张",
        "台",
        "处",
        "栋",
        "幢",
        "间",
        "床",
        "场",
        "次",
        "批",
        "只",
        "头",
    ],
}
KIND_OF = {u: k for k, us in UNITS.items() for u in us}
_UNIT_RE = "|".join(re.escape(u) for u in sorted(KIND_OF, key=len, reverse=True))
_PRE = "约|超过|不低于|不少于|不超过|不高于|高于|低于|大于|小于|至少"
QUANTITY = re.compile(
    rf"(?:(?P<pre>{_PRE})\s*)?(?<![A-Za-z0-9.．+])(?P<num>\d+(?:[,，]\d{{3}})*(?:\.\d+)?)\s*(?P<unit>{_UNIT_RE})"
    r"(?![A-Za-z])(?P<suf>以上|以下|以内|左右)?"
)
# words that may stand between what is measured and its number
SKIP_BEFORE = {
    "约",
    "达到",
    "达",
    "为",
    "共",
    "计",
    "合计",
    "超过",
    "超",
    "近",
    "已",
    "将",
    "至",
    "到",
    "逾",
    "突破",
    "由",
    "提高到",
    "增加到",
    "降低到",
    "控制在",
    "保持在",
    "稳定在",
    "等",
    "均",
    "分别",
}
ATTRIBUTE_TAGS = {"n", "vn", "nz", "nt", "ns", "j", "l", "s", "an"}
ATTRIBUTE_VERBS = {
    "占地",
    "增长",
    "提高",
    "下降",
    "降低",
    "减少",
    "投资",
    "新增",
    "建成",
    "完成",
    "实现",
    "引进",
    "培育",
    "创建",
}
MODIFIERS = {
    "总",
    "年均",
    "平均",
    "规划",
    "建筑",
    "用地",
    "总用地",
    "总建筑",
    "建成",
    "计划",
    "完成",
    "新增",
    "累计",
    "核心",
    "物业",
    "占地",
    "项目",
    "实际",
    "预计",
    "总占地",
    "每年",
    "全年",
    "人均",
    "固定资产",
}


PERCENT_UNITS = ("%", "％", "个百分点")


def quantity_spans(text: str) -> Iterator[tuple[re.Match[str], str, str]]:
    """Each number printed with a unit: the match, the text the value grammar reads, the unit."""
    for m in QUANTITY.finditer(text):
        unit = m.group("unit")
        # a bare 年 never matches; 2020 年 is a year, not a quantity (no unit of ours follows it)
        printed = (m.group("pre") or "") + m.group("num") + (m.group("suf") or "")
        if unit in PERCENT_UNITS:
            printed = (m.group("pre") or "") + m.group("num") + unit + (m.group("suf") or "")
        yield m, printed, unit


def attribute_before(doc: Any, start: int) -> str | None:
    """The word a quantity measures: the content word right before it, with its modifiers (总投资, 总规划面积)."""
    toks = [t for t in doc if t.idx + len(t.text) <= start]
    i = len(toks) - 1
    while i >= 0 and (toks[i].text.isspace() or toks[i].text in SKIP_BEFORE or toks[i].tag_ in ("d", "p")):
        i -= 1
    if i < 0 or not (toks[i].tag_ in ATTRIBUTE_TAGS or toks[i].text in ATTRIBUTE_VERBS):
        return None
    words = [toks[i].text]
    j = i - 1
    while j >= 0 and toks[j].text in MODIFIERS and len(words) < 4:
        words.insert(0, toks[j].text)
        j -= 1
    return "".join(words)


class Source(NamedTuple):
    """A paragraph or a sidebar: where its rows stand, and its text."""

    kind: str  # paragraph | sidebar
    para_no: int | None
    sidebar_seq: int | None
    text: str
    chapter_no: int | None
    section_no: int | None
    page: int

    def where(self) -> Row:
        return {"source": self.kind, "para_no": self.para_no, "sidebar_seq": self.sidebar_seq}


def sources(paragraphs: list[Row], sidebars: list[Row]) -> list[Source]:
    out = [
        Source("paragraph", p["para_no"], None, p["text"], p["chapter_no"], p["section_no"], p["page_start"])
        for p in paragraphs
    ]
    out += [
        Source("sidebar", None, s["sidebar_seq"], s["text"], s["chapter_no"], s["section_no"], s["page_start"])
        for s in sidebars
    ]
    return out


def item_at(items: list[Row], offset: int) -> int | None:
    """The sidebar item whose text holds `offset`."""
    for it in items:
        if it["char_start"] <= offset < it["char_end"]:
            item_no: int = it["item_no"]
            return item_no
    return None


# ---------------------------------------------------------------- terms


def is_term(token: Any, stop: frozenset[str]) -> bool:
    """A content word: noun, proper name, verb or adjective, two characters or more, no digit, no stop word."""
    return (
        token.pos_ in ("NOUN", "PROPN", "VERB", "ADJ")
        and len(token.text) >= 2
        and token.text not in stop
        and not re.search(r"\d", token.text)
    )


@dataclass
class TermCounts:
    """Content words counted per chapter and section: in all, in sidebars, and in how many sources."""

    stop: frozenset[str]
    count: Counter[TermKey] = field(default_factory=Counter)
    in_sidebars: Counter[TermKey] = field(default_factory=Counter)
    sources: Counter[TermKey] = field(default_factory=Counter)
    upos: dict[TermKey, str] = field(default_factory=dict)

    def add(self, doc: Any, src: Source) -> None:
        seen: set[TermKey] = set()
        for t in doc:
            if not is_term(t, self.stop):
                continue
            key = (src.chapter_no, src.section_no, t.text, t.tag_)
            self.count[key] += 1
            self.upos[key] = t.pos_
            if src.kind == "sidebar":
                self.in_sidebars[key] += 1
            if key not in seen:
                self.sources[key] += 1
                seen.add(key)

    def rows(self) -> list[Row]:
        return [
            {
                "chapter_no": k[0],
                "section_no": k[1],
                "term": k[2],
                "pos": k[3],
                "upos": self.upos[k],
                "count": n,
                "sidebar_count": self.in_sidebars[k],
                "doc_count": self.sources[k],
            }
            for k, n in self.count.items()
        ]


# ---------------------------------------------------------------- entities


def with_agencies(spans: list[tuple[int, int, str]], text: str) -> list[tuple[int, int, str]]:
    """The lead agencies named in （牵头单位：…） as organisations, each replacing what it overlaps."""
    for m in AGENCY.finditer(text):
        pos = m.start("agency")
        for part in re.split(r"([、，,])", m.group("agency")):
            if part and part not in "、，,":
                s, e = pos, pos + len(part)
                spans = [sp for sp in spans if sp[1] <= s or sp[0] >= e] + [(s, e, "ORG")]
            pos += len(part)
    return spans


def entity_rows(doc: Any, src: Source, items: list[Row]) -> list[Row]:
    spans = with_agencies([(e.start_char, e.end_char, e.label_) for e in doc.ents], src.text)
    return [
        {
            **src.where(),
            "label": label,
            "text": src.text[s:e],
            "char_start": s,
            "char_end": e,
            "item_no": item_at(items, s) if src.kind == "sidebar" else None,
            "chapter_no": src.chapter_no,
            "section_no": src.section_no,
            "page": src.page,
        }
        for s, e, label in sorted(spans)
    ]


# ---------------------------------------------------------------- quantities


def quantity_row(doc: Any, src: Source, items: list[Row], m: re.Match[str], p: Parsed, unit: str) -> Row:
    unit_c = canonical_unit(unit) if unit not in PERCENT_UNITS else p.unit
    base_value, base_unit = to_base(p.value, unit_c)
    return {
        **src.where(),
        "item_no": item_at(items, m.start()) if src.kind == "sidebar" else None,
        "char_start": m.start(),
        "char_end": m.end(),
        "raw_text": m.group(0),
        "value": p.value,
        "comparator": p.comparator,
        "unit": unit_c,
        "kind": KIND_OF[unit],
        "base_value": base_value,
        "base_unit": base_unit,
        "attribute": attribute_before(doc, m.start("num") if not m.group("pre") else m.start()),
        "chapter_no": src.chapter_no,
        "section_no": src.section_no,
        "page": src.page,
    }


def quantity_rows(doc: Any, src: Source, items: list[Row]) -> list[Row]:
    out = []
    for m, printed, unit in quantity_spans(src.text):
        p = parse_value(printed)
        if p.kind == "number":
            out.append(quantity_row(doc, src, items, m, p, unit))
    return out


def run(
    paragraphs: list[Row], sidebars: list[Row], items: list[Row], indicator_names: list[str], titles: list[str]
) -> tuple[list[Row], list[Row], list[Row]]:
    """Terms, entities and quantities of a plan's paragraphs and sidebars. `titles`: the plan's title, region
    and table titles, where its own place names are read."""
    from pipeline.enrich import nlp as nlp_mod

    names = [s["title"] for s in sidebars if s["title"]] + [i["heading"] for i in items if i["heading"]]
    items_by_sidebar: defaultdict[int | None, list[Row]] = defaultdict(list)
    for it in items:
        items_by_sidebar[it["sidebar_seq"]].append(it)
    srcs = sources(paragraphs, sidebars)
    terms = TermCounts(nlp_mod.stopwords())
    entities: list[Row] = []
    quantities: list[Row] = []
    with nlp_mod.build(names, indicator_names, titles) as nlp:
        for src, doc in zip(srcs, nlp.pipe(s.text for s in srcs), strict=True):
            own_items = items_by_sidebar.get(src.sidebar_seq, [])
            terms.add(doc, src)
            entities += entity_rows(doc, src, own_items)
            quantities += quantity_rows(doc, src, own_items)
    return terms.rows(), entities, quantities

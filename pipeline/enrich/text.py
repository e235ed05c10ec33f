"""Stage 6, text: paragraphs and sidebars -> `terms`, `entities`, `quantities`.

One spaCy pipeline per plan (`nlp.py`) segments and tags the text (jieba with the plan's own
names in its dictionary) and marks entities by rule. Quantities are numbers printed with a
unit, read with the value grammar of the indicator tables (`grammar.py`): the same
comparators, the same multipliers to base units.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from pipeline.enrich.grammar import canonical_unit, parse_value, to_base
from pipeline.structure.structure import AGENCY

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


def quantity_spans(text: str):
    for m in QUANTITY.finditer(text):
        unit = m.group("unit")
        # a bare 年 never matches; 2020 年 is a year, not a quantity (no unit of ours follows it)
        printed = (m.group("pre") or "") + m.group("num") + (m.group("suf") or "")
        if unit in ("%", "％", "个百分点"):
            printed = (m.group("pre") or "") + m.group("num") + unit + (m.group("suf") or "")
        yield m, printed, unit


def attribute_before(doc, start: int) -> str | None:
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


def run(paragraphs: list[dict], sidebars: list[dict], items: list[dict], indicator_names: list[str], titles: list[str]):
    """`titles`: the plan's title, region and table titles, where its own place names are read."""
    from pipeline.enrich import nlp as nlp_mod

    names = [s["title"] for s in sidebars if s["title"]] + [i["heading"] for i in items if i["heading"]]
    nlp = nlp_mod.build(names, indicator_names, titles)
    stop = nlp_mod.stopwords()
    items_by_sidebar = defaultdict(list)
    for it in items:
        items_by_sidebar[it["sidebar_seq"]].append(it)

    sources = [
        ("paragraph", p["para_no"], None, p["text"], p["chapter_no"], p["section_no"], p["page_start"])
        for p in paragraphs
    ]
    sources += [
        ("sidebar", None, s["sidebar_seq"], s["text"], s["chapter_no"], s["section_no"], s["page_start"])
        for s in sidebars
    ]
    term_counts: Counter = Counter()
    sidebar_counts: Counter = Counter()
    doc_counts: Counter = Counter()
    upos_of: dict = {}
    entities, quantities = [], []
    for (kind, para_no, sb_seq, text, ch, sec, page), doc in zip(sources, nlp.pipe(s[3] for s in sources)):

        def item_at(offset: int) -> int | None:
            for it in items_by_sidebar.get(sb_seq, ()):
                if it["char_start"] <= offset < it["char_end"]:
                    return it["item_no"]
            return None

        base = {"source": kind, "para_no": para_no, "sidebar_seq": sb_seq}
        seen = set()
        for t in doc:
            if (
                t.pos_ in ("NOUN", "PROPN", "VERB", "ADJ")
                and len(t.text) >= 2
                and t.text not in stop
                and not re.search(r"\d", t.text)
            ):
                key = (ch, sec, t.text, t.tag_)
                term_counts[key] += 1
                upos_of[key] = t.pos_
                if kind == "sidebar":
                    sidebar_counts[key] += 1
                if key not in seen:
                    doc_counts[key] += 1
                    seen.add(key)
        spans = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        for m in AGENCY.finditer(text):  # lead agencies named in （牵头单位：…）
            pos = m.start("agency")
            for part in re.split(r"([、，,])", m.group("agency")):
                if part and part not in "、，,":
                    s, e = pos, pos + len(part)
                    spans = [sp for sp in spans if sp[1] <= s or sp[0] >= e] + [(s, e, "ORG")]
                pos += len(part)
        for s, e, label in sorted(spans):
            entities.append(
                {
                    **base,
                    "label": label,
                    "text": text[s:e],
                    "char_start": s,
                    "char_end": e,
                    "item_no": item_at(s) if kind == "sidebar" else None,
                    "chapter_no": ch,
                    "section_no": sec,
                    "page": page,
                }
            )
        for m, printed, unit in quantity_spans(text):
            p = parse_value(printed)
            if p.kind != "number":
                continue
            unit_c = canonical_unit(unit) if unit not in ("%", "％", "个百分点") else p.unit
            value = p.value
            base_value, base_unit = to_base(value, unit_c)
            quantities.append(
                {
                    **base,
                    "item_no": item_at(m.start()) if kind == "sidebar" else None,
                    "char_start": m.start(),
                    "char_end": m.end(),
                    "raw_text": m.group(0),
                    "value": value,
                    "comparator": p.comparator,
                    "unit": unit_c,
                    "kind": KIND_OF[unit],
                    "base_value": base_value,
                    "base_unit": base_unit,
                    "attribute": attribute_before(doc, m.start("num") if not m.group("pre") else m.start()),
                    "chapter_no": ch,
                    "section_no": sec,
                    "page": page,
                }
            )
    terms = [
        {
            "chapter_no": k[0],
            "section_no": k[1],
            "term": k[2],
            "pos": k[3],
            "upos": upos_of[k],
            "count": n,
            "sidebar_count": sidebar_counts[k],
            "doc_count": doc_counts[k],
        }
        for k, n in term_counts.items()
    ]
    return terms, entities, quantities

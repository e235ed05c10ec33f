"""One spaCy pipeline for Chinese plans, built offline: spacy.blank("zh") + jieba + rules.

- tokenizer: jieba (with part-of-speech tags) on a per-plan dictionary: jieba's own, plus a
  small curated list kept in `data/domain_terms.txt`, plus the plan's own names (sidebar
  titles, item headings, indicator names), so 金华科技城 stays one token. Each plan gets its
  own dictionary (a copy), so plans never influence each other's segmentation.
- `plan_entities`: a rule-based component (spaCy Matcher patterns on tokens, and phrase
  matches of the plan's own names) labelling PLACE, ORG, PLATFORM, PROJECT and FRAME
  (numbered slogans: a numeral + 大/个/项/条 + noun, “四大战略”).
"""

from __future__ import annotations

import functools
import logging
import re

from pipeline.core.resources import data_file

# jieba part-of-speech tags -> Universal POS
UPOS = {
    "n": "NOUN",
    "ng": "NOUN",
    "nl": "NOUN",
    "vn": "NOUN",
    "an": "NOUN",
    "t": "NOUN",
    "s": "NOUN",
    "q": "NOUN",
    "i": "NOUN",
    "l": "NOUN",
    "nr": "PROPN",
    "ns": "PROPN",
    "nt": "PROPN",
    "nz": "PROPN",
    "nrt": "PROPN",
    "nrfg": "PROPN",
    "j": "PROPN",
    "eng": "PROPN",
    "v": "VERB",
    "vd": "VERB",
    "vg": "VERB",
    "vi": "VERB",
    "vq": "VERB",
    "a": "ADJ",
    "ad": "ADJ",
    "ag": "ADJ",
    "b": "ADJ",
    "z": "ADJ",
    "d": "ADV",
    "df": "ADV",
    "m": "NUM",
    "mq": "NUM",
    "p": "ADP",
    "f": "ADP",
    "c": "CCONJ",
    "r": "PRON",
    "rr": "PRON",
    "rz": "PRON",
    "u": "PART",
    "uj": "PART",
    "ul": "PART",
    "uz": "PART",
    "ug": "PART",
    "uv": "PART",
    "ud": "PART",
    "y": "PART",
    "e": "INTJ",
    "o": "INTJ",
    "h": "PART",
    "k": "PART",
    "x": "PUNCT",
    "w": "PUNCT",
}

NUMERAL = "一二三四五六七八九十百千两"
RARE = 50  # a word jieba has seen fewer times than this is no common word
# heads: how a name ends says what it names
PROJECT_HEADS = ("项目", "工程")
ORG_HEADS = (
    "管理局",
    "局",
    "委员会",
    "委",
    "办公室",
    "政府",
    "公司",
    "集团",
    "大学",
    "学院",
    "学校",
    "中学",
    "小学",
    "幼儿园",
    "研究院",
    "研究所",
    "医院",
    "卫生院",
    "银行",
    "协会",
    "商会",
    "联合会",
    "中科",
    "党委",
    "法院",
    "检察院",
    "卫生服务中心",
    "疾控中心",
    "中心",
)
PLATFORM_HEADS = (
    "科技城",
    "创新城",
    "联运新城",
    "新城",
    "苗木城",
    "小镇",
    "产业园",
    "科创园",
    "孵化园",
    "创业园",
    "工业园",
    "物流园",
    "园区",
    "功能区",
    "开发区",
    "新区",
    "试验区",
    "综保区",
    "保税区",
    "片区",
    "示范区",
    "集聚区",
    "度假区",
    "商务区",
    "经济区",
    "未来区",
    "贸创区",
    "智造区",
    "枢纽港",
    "联运港",
    "物流港",
    "廊道",
    "走廊",
    "基地",
    "大平台",
    "综合体",
    "融合体",
    "物流中心",
    "产业中心",
    "商业中心",
    "公园",
    "广场",
    "风景区",
    "景区",
    "创新站",
    "飞地",
    "货运站",
    "货场",
    "火车站",
    "高铁站",
    "机场",
    "码头",
    "港",
)
PLACE_HEADS = ("省", "市", "县", "镇", "乡", "街道", "村", "社区", "山", "溪", "江", "湖", "水库")
GENERIC_MODS = {
    "区级",
    "市级",
    "县级",
    "省级",
    "镇级",
    "乡级",
    "国家级",
    "重大",
    "重点",
    "一批",
    "相关",
    "其他",
    "各类",
    "新建",
    "现代",
    "高端",
    "大型",
    "规划",
    "建设",
    "打造",
    "推进",
    "谋划",
    "实施",
    "扩建",
    "迁建",
    "加快",
    "积极",
}


def is_rare(word: str, freq: dict) -> bool:
    """A word of the plan's own: Chinese, unknown or rare to jieba, and not two common words put together."""
    if len(word) < 2 or not re.fullmatch(r"[\u4e00-\u9fff]+", word) or (freq.get(word) or 0) >= RARE:
        return False
    if word in GENERIC_MODS or word.endswith(("型", "性", "化", "级")):
        return False
    return not any(
        (freq.get(word[:k]) or 0) >= RARE and (freq.get(word[k:]) or 0) >= RARE for k in range(2, len(word) - 1)
    )


NAME_POS = {"n", "nr", "ns", "nt", "nz", "nrt", "nrfg", "j", "eng", "vn", "l", "b", "an", "ng", "s", "i"}
PROPER_POS = {"nr", "ns", "nt", "nz", "nrt", "nrfg", "j", "eng"}
GENERIC_PLACES = {
    "城市",
    "城乡",
    "全国",
    "全省",
    "全市",
    "全区",
    "国内",
    "国际",
    "海外",
    "境外",
    "区域",
    "地区",
    "中西部",
    "东部",
    "西部",
    "农村",
    "乡村",
    "城镇",
    "城区",
    "县域",
    "市域",
    "全域",
    "中国特色",
    "北方",
    "南方",
    "当地",
    "本地",
    "各地",
    "沿海",
    "内陆",
    "周边",
    "山区",
    "库区",
    "社区",
    "园区",
    "新区",
    "景区",
}


NOT_HEADS = ("格局", "布局", "大局", "全局", "结局", "当局", "开局", "新局", "新城区", "山区", "库区")


def head_label(text: str) -> str | None:
    """What a name names, from its last characters (a closing `（…）` aside: 商业中心（C地块）)."""
    text = re.sub(r"[（(][^（）()]*[）)]$", "", text)
    if text in gazetteer():
        return "PLACE"
    if text.endswith(NOT_HEADS):
        return None
    if text.endswith(PROJECT_HEADS):
        return "PROJECT"
    if text.endswith(tuple(h for h in ORG_HEADS if h != "中心")):
        return "ORG"
    if text.endswith(PLATFORM_HEADS):
        return "PLATFORM"
    if text.endswith(ORG_HEADS):
        return "ORG"
    if text.endswith(PLACE_HEADS) and len(text) <= 6:
        return "PLACE"
    return None


def head_of(text: str) -> str:
    text = re.sub(r"[（(][^（）()]*[）)]$", "", text)
    for heads in (PROJECT_HEADS, PLATFORM_HEADS, ORG_HEADS, PLACE_HEADS):
        for h in sorted(heads, key=len, reverse=True):
            if text.endswith(h):
                return h
    return ""


@functools.cache
def _base():
    import jieba
    import jieba.posseg as pseg

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    pos = pseg.POSTokenizer(tok)
    for word, tag in curated_terms():
        tok.add_word(word, 20000, tag)
        pos.word_tag_tab[word] = tag
    return tok, pos


@functools.cache
def curated_terms() -> tuple[tuple[str, str], ...]:
    out = []
    for line in data_file("domain_terms.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            word, _, tag = line.partition(" ")
            out.append((word, tag.strip() or "n"))
    return tuple(out)


@functools.cache
def stopwords() -> frozenset[str]:
    words = data_file("stopwords.txt").read_text(encoding="utf-8").split()
    return frozenset(w for w in words if not w.startswith("#"))


def plan_segmenter(user_words: list[tuple[str, str]]):
    """A jieba POS tokenizer for one plan: the base dictionary copied, the plan's words added."""
    import jieba
    import jieba.posseg as pseg

    base_tok, base_pos = _base()
    tok = jieba.Tokenizer()
    tok.FREQ, tok.total, tok.initialized = dict(base_tok.FREQ), base_tok.total, True
    pos = pseg.POSTokenizer.__new__(pseg.POSTokenizer)
    pos.tokenizer, pos.word_tag_tab = tok, dict(base_pos.word_tag_tab)
    for word, tag in user_words:
        tok.add_word(word, 20000, tag)
        pos.word_tag_tab[word] = tag
    return pos


class JiebaTokenizer:
    """spaCy tokenizer: jieba words, each carrying jieba's tag (`tag_`) and a Universal POS (`pos_`)."""

    def __init__(self, vocab, segmenter):
        self.vocab = vocab
        self.segmenter = segmenter

    def __call__(self, text: str):
        from spacy.tokens import Doc

        pairs = [(p.word, p.flag) for p in self.segmenter.cut(text) if p.word]
        words, tags, spaces = [], [], []
        for w, flag in pairs:
            if w.isspace():
                if spaces:
                    spaces[-1] = True
                    if len(w) > 1:
                        words.append(w[1:])
                        tags.append("x")
                        spaces.append(False)
                else:
                    words.append(w)
                    tags.append("x")
                    spaces.append(False)
                continue
            words.append(w)
            tags.append(flag)
            spaces.append(False)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        for token, flag in zip(doc, tags):
            token.tag_ = flag
            token.pos_ = UPOS.get(flag, "PUNCT" if re.fullmatch(r"\W+", token.text) else "X")
        return doc

    def to_disk(self, *a, **k):
        pass

    def from_disk(self, *a, **k):
        return self


@functools.cache
def gazetteer() -> frozenset[str]:
    words = []
    for line in data_file("places.txt").read_text(encoding="utf-8").splitlines():
        words += line.split("#")[0].split()
    return frozenset(words)


REGION = re.compile(r"^((?:[\u4e00-\u9fff]{2,3}省)?(?:[\u4e00-\u9fff]{2,3}市)?(?:[\u4e00-\u9fff]{2,3}[区县])?)")


def region_words(texts: list[str]) -> list[str]:
    """The plan's own place names, read off the start of its titles: 金华市金东区… -> 金华市, 金华, 金东区, 金东."""
    out = []
    for t in texts:
        m = REGION.match(re.sub(r"\s+", "", t or ""))
        for unit in re.findall(r"[\u4e00-\u9fff]{2,3}?[省市区县]", m.group(1) if m else ""):
            out += [unit, unit[:-1]] if len(unit) >= 3 else [unit]
    return list(dict.fromkeys(out))


def name_stems(names: list[str], freq: dict) -> list[str]:
    """The plan's own proper stems: the first two characters of its names when jieba does not know them
    as a common word (金义综保区 -> 金义, 东湄中央未来区 -> 东湄)."""
    out = []
    for n in names:
        stem = n[:2]
        if (
            head_label(n)
            and re.fullmatch(r"[\u4e00-\u9fff]{2}", stem)
            and (freq.get(stem) or 0) < RARE
            and len(n) > len(head_of(n)) + 2
        ):
            out.append(stem)
    return list(dict.fromkeys(out))


def known_names(names: list[str], segmenter, places: set[str], freq: dict) -> list[str]:
    """The plan's own headings that read as names: a telling head, and a word of their own before it
    (a place, a proper name jieba knows as rare, or a word jieba does not know at all)."""
    out = []
    for n in dict.fromkeys(names):
        n = n.strip()
        if not (3 <= len(n) <= 25) or re.search(r"[，。；：、“”\s]", n) or head_label(n) is None:
            continue
        head = head_of(n)
        words = [p for p in segmenter.cut(re.sub(r"[（(][^（）()]*[）)]$", "", n)[: -len(head) or None])]
        if any(
            p.word in places
            or is_rare(p.word, freq)
            or (
                p.flag in PROPER_POS
                and (freq.get(p.word) or 0) < 1000
                and not p.word.endswith(("化", "型", "性", "级"))
            )
            for p in words
            if p.word not in GENERIC_MODS
        ):
            out.append(n)
    return out


def user_words(names: list[str], indicator_names: list[str], regions: list[str]) -> list[tuple[str, str]]:
    """Words for one plan's dictionary: its place names, its names (tagged as names), its indicator names."""
    out = [(r, "ns") for r in regions]
    for n in dict.fromkeys(names):
        out.append((n, "nz"))
    for n in dict.fromkeys(indicator_names):
        n = re.sub(r"[（(][^（）()]*[）)]$", "", re.sub(r"^其中[：:]?", "", n.split("：")[-1])).strip()
        if 3 <= len(n) <= 20 and not re.search(r"\s", n):
            out.append((n, "n"))
    return out


def build(names: list[str], indicator_names: list[str], titles: list[str]):
    """The plan's spaCy pipeline: `names` are its sidebar titles and item headings, `titles` its document
    and table titles (where its own place names are read)."""
    import spacy

    regions = region_words(titles)
    base_freq = _base()[0].FREQ
    stems = [w for w in name_stems(names, base_freq) if w not in regions]
    probe = plan_segmenter([(r, "ns") for r in regions] + [(w, "nz") for w in stems])
    known = known_names(names, probe, gazetteer() | set(regions), base_freq)
    words = [(w, "nz") for w in stems] + user_words(known, indicator_names, regions)
    segmenter = plan_segmenter(words)
    nlp = spacy.blank("zh")  # the default segmenter is replaced by jieba below
    nlp.tokenizer = JiebaTokenizer(nlp.vocab, segmenter)
    ents = nlp.add_pipe(
        "plan_entities",
        config={"known": sorted(known, key=len, reverse=True), "places": sorted(gazetteer() | set(regions))},
    )
    ents.freq = base_freq
    ents.plan_words = {w for w, _ in words}
    ents.stems = set(stems)
    return nlp


def _register():
    from spacy.language import Language
    from spacy.matcher import Matcher
    from spacy.util import filter_spans

    @Language.factory("plan_entities", default_config={"known": [], "places": []})
    def make(nlp, name, known, places):
        return PlanEntities(nlp, known, places)

    class PlanEntities:
        """Rule-based entities: the plan's own names, names ending in a telling head, places, slogans."""

        def __init__(self, nlp, known, places):
            self.known = re.compile("|".join(map(re.escape, known))) if known else None
            self.places = set(places)
            self.freq: dict = {}
            self.plan_words: set = set()
            self.stems: set = set()
            self.matcher = Matcher(nlp.vocab)
            # numbered slogans, unquoted: 三大功能, 五大领域 (a numeral (two or more) with 大, then nouns)
            self.matcher.add(
                "FRAME",
                [
                    [
                        {"TEXT": {"REGEX": f"^[{NUMERAL}]*[二三四五六七八九十两百千][{NUMERAL}]*大$"}},
                        {"TAG": {"IN": ["n", "vn", "nz", "ns", "j"]}, "OP": "+"},
                    ]
                ],
            )

        def rare(self, text: str) -> bool:
            return is_rare(text, self.freq)

        def anchor(self, tok, nxt) -> bool:
            """A word a name can start with: a place, an organisation, a rare proper name, or 区/市/县 (the plan's own)."""
            if tok.text in self.places or tok.text in self.stems:
                return True
            if tok.text == head_of(tok.text):
                return False  # a head word alone (卫生院, 中心) names nothing in particular
            if tok.tag_ in ("ns", "nt"):
                head = head_of(tok.text)
                if head and tok.text != head and head_label(tok.text) != "PLACE":
                    own = tok.text[: -len(head)]
                    return len(own) >= 2 and (
                        own in self.places or own in self.stems or (len(own) == 2 and self.rare(own))
                    )
                return tok.text not in GENERIC_PLACES and tok.text not in GENERIC_MODS
            if tok.tag_ in PROPER_POS:
                return (self.freq.get(tok.text) or 0) < 1000 and not tok.text.endswith(("化", "型", "性", "级"))
            return tok.text in ("区", "市", "县", "省") and nxt is not None and nxt.tag_ != "x"

        def name_ending_at(self, doc, j):
            """The name whose head ends at token j, or None."""
            k, depth = j, 0
            while k - 1 >= 0 and len(doc[k - 1 : j + 1].text) <= 25:
                t = doc[k - 1]
                if t.text in ("）", ")"):
                    depth += 1
                elif t.text in ("（", "("):
                    if depth == 0:
                        break
                    depth -= 1
                elif t.text == "·" or depth > 0:
                    pass
                elif not (
                    t.tag_ in NAME_POS
                    or t.tag_ in ("a", "v")
                    or (t.tag_ == "m" and len(t.text) >= 2 and re.search(r"[\u4e00-\u9fff]", t.text))
                    or t.text in self.places
                ):
                    break
                k -= 1
            k0 = k
            while k < j and (doc[k].text in GENERIC_MODS or doc[k].tag_ in ("v", "vn", "a", "d")):
                k += 1  # a name does not start with a verb or a generic word
            run = doc[k : j + 1]
            lab = head_label(run.text)
            if lab is None or run.text[0] in NUMERAL:
                return None
            head = head_of(run.text)
            last = doc[j]
            own = last.text[: -len(head)] if head and last.text.endswith(head) else ""
            anchors = [i for i in range(k, j) if self.anchor(doc[i], doc[i + 1])]
            if not anchors and (
                (len(own) >= 2 and (own in self.places or own in self.stems or (len(own) == 2 and self.rare(own))))
                or (lab == "PLACE" and last.tag_ in PROPER_POS | {"s"} and len(last.text) >= 2)
            ):
                anchors = [j]  # one word, its head inside: 浙江大学, 慈溪
            if anchors:
                a = anchors[0]
                before = doc[a - 1] if a - 1 >= (k0 if lab == "PLACE" else k) else None
                # a word just before the first proper one that belongs to the name: 菜鸟商学院, 航慈溪
                natural = lab == "PLACE" and doc[j].text[-1] in "山溪江湖河库" and doc[a].text not in self.places
                if before is not None and (
                    (natural and len(before.text) == 1 and before.tag_ in ("n", "a", "ng"))
                    or (self.rare(before.text) and before.tag_ in ("n", "nz", "j", "s"))
                ):
                    a -= 1
                span = doc[a : j + 1]
                if (
                    lab == "ORG"
                    and head == "中心"
                    and not any(
                        t.text in self.places or t.text in self.stems or t.tag_ == "ns" or t.text in ("区", "市", "县")
                        for t in span
                    )
                ):
                    return None  # an organisation named ...中心 carries its place
            else:
                a = j
                while (
                    a - 1 >= k
                    and (
                        doc[a - 1].tag_ in ("n", "vn", "nz", "ns", "j", "l", "b", "s")
                        or (doc[a - 1].tag_ == "m" and re.search(r"[\u4e00-\u9fff]", doc[a - 1].text))
                    )
                    and len(doc[a - 1 : j + 1].text) <= 20
                ):
                    a -= 1
                span = doc[a : j + 1]
                first = span[0].text
                if first in GENERIC_MODS or len(span) < 2:
                    return None
                if self.rare(first) and span[0].tag_ in ("n", "nz", "j", "s"):
                    pass  # a local name no dictionary knows: 鞋塘卫生院, 岭下镇
                elif (
                    lab in ("PROJECT", "PLATFORM")
                    and len(span.text) >= 6
                    and any(self.rare(t.text) or (t.tag_ == "m" and t.i == span.start) for t in span[:-1])
                ):
                    pass  # a long project or platform name with a word of its own: 万米生态绿廊工程
                else:
                    return None
            lab = head_label(span.text)
            prefix = re.sub(r"[（(][^（）()]*[）)]$", "", span.text)[: -len(head)] if head else span.text
            if lab is None or span.text.count("（") != span.text.count("）"):
                return None
            if len(prefix) < 2 and prefix not in ("区", "市", "县", "省"):
                return None  # a bare head word: 幼儿园, 商学院
            if lab == "PLACE":
                limit = 5 if span.text.endswith("水库") else (4 if span.text[-1] in "山溪江湖河" else 6)
                while len(span) > 1 and len(span.text) > limit:
                    span = span[1:]
                if len(span.text) > limit or span.text in GENERIC_PLACES:
                    return None
            return span, lab

        def __call__(self, doc):
            text = doc.text
            spans = []
            if self.known is not None:
                for m in self.known.finditer(text):
                    sp = doc.char_span(m.start(), m.end(), label=head_label(m.group()), alignment_mode="expand")
                    if sp is not None and sp.text == m.group():
                        spans.append(sp)
            for m in re.finditer(rf"“([{NUMERAL}]+[大个项条][^“”，。、]{{1,10}})”", text):  # “四大战略” “十个赶超先行”
                sp = doc.char_span(m.start(1), m.end(1), label="FRAME", alignment_mode="expand")
                if sp is not None:
                    spans.append(sp)
            for _, start, end in self.matcher(doc):
                spans.append(doc.char_span(doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text), label="FRAME"))
            for j, t in enumerate(doc):
                if (
                    t.text in ("）", ")")
                    or head_label(t.text[-3:])
                    or head_label(t.text[-2:])
                    or head_label(t.text[-1:])
                    or head_label(t.text)
                ):
                    found = self.name_ending_at(doc, j)
                    if found:
                        span, lab = found
                        spans.append(doc.char_span(span.start_char, span.end_char, label=lab))
                if t.text in self.places or (
                    t.tag_ == "ns"
                    and t.text.endswith(("省", "市", "县"))
                    and 3 <= len(t.text) <= 4
                    and (
                        t.text[:-1] in self.places
                        or t.text[:-1] in self.stems
                        or (len(t.text) == 3 and self.rare(t.text[:-1]))
                    )
                ):
                    spans.append(doc.char_span(t.idx, t.idx + len(t.text), label="PLACE"))
            doc.ents = filter_spans([s for s in spans if s is not None])
            return doc

    return PlanEntities


_register()

"""One spaCy pipeline for Chinese plans, built offline: spacy.blank("zh") + jieba + an entity ruler.

- tokenizer: jieba (with part-of-speech tags) on a per-plan dictionary: jieba's own, plus a
  small curated list kept in `data/domain_terms.txt`, plus the plan's own names (sidebar
  titles, item headings, indicator names), so a plan's own platform name stays one token.
  Each plan gets its own dictionary (a copy), so plans never influence each other's segmentation.
- entities (PLACE, ORG, PLATFORM, PROJECT, FRAME), in three steps:
  `name_features` marks each token (TOKEN_FLAGS): may a name start with it (a place, a proper
  name jieba seldom saw, a word it does not know), may it stand inside a name, is it a place,
  and its `tail` (its text after the token before's, so that a head jieba split, 科技/城, is found);
  `entity_ruler` matches the patterns of `data/entity_patterns.jsonl` and the plan's own names
  (added as phrases); `name_check` labels names by their head, leaves the quotes out of a
  slogan and drops what is no name.
- the vocabulary is data: `entity_patterns.jsonl` (spaCy EntityRuler patterns: a name is a word
  of its own, name words, then a head, the `tail` regex of its last token: 产业园, 医院, 项目,
  镇 …; places of the gazetteer `places.txt` and of the plan's titles; numbered slogans, “四大战略”),
  `entity_generic.txt` (words no name starts with: 重点, 城市) and `entity_not_heads.txt` (words
  that end like a head and are none: 格局, 城区). Patterns with the id `name` or `natural` are
  labelled by their longest head (物流中心 a platform, 中心 an organisation, 开发区 a platform, 区
  a place); a name ending in 区 too long for a district is a zone (a platform). The heads of
  `head_label`, which also decides which of a plan's headings are names, are read off those regexes.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

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
COMMON = 1000  # a proper name jieba has seen this often is a common word
ADJECTIVAL = ("型", "性", "化", "级")
NAME_POS = frozenset({"n", "nr", "ns", "nt", "nz", "nrt", "nrfg", "j", "eng", "vn", "l", "b", "an", "ng", "s", "i"})
PROPER_POS = frozenset({"nr", "ns", "nt", "nz", "nrt", "nrfg", "j", "eng"})
NAMED_POS = PROPER_POS - {"j", "eng"}  # names of people, places, organisations, other names
RARE_NAME_POS = frozenset({"n", "nz", "j", "s"})  # a word jieba does not know starts a name when tagged so
INNER_MARKS = frozenset({"·"})
LABELS = ("PROJECT", "ORG", "PLATFORM", "PLACE")  # of two heads as long, the first label's
PLACE_OWN_MAX = 5  # characters before a place's head (广西壮族自治区): a longer name is no place
NAME_MAX = 25
CLOSING_ASIDE = re.compile(r"[（(][^（）()]*[）)]$")  # 商业中心（C地块）
CJK = re.compile(r"[\u4e00-\u9fff]+")
HEADED = ("name", "natural")  # the patterns' ids whose names end in a head, labelled by it
TOKEN_FLAGS: dict[str, Any] = {
    "name_start": False,  # a name may start with the token
    "name_inner": False,  # it may stand inside a name
    "project_inner": False,  # inside a project's name (verbs too)
    "place": False,  # a place of the gazetteer or of the plan's titles
    "located": False,  # a name may start with it, and it says where (a place, a stem, a word tagged `ns`)
    "tail": "",  # the text of the token before and of the token, where a head is found
}


# ---------------------------------------------------------------- data


def read_words(path: Path) -> list[str]:
    """The words of a word list: separated by white space, `#` starting a comment."""
    return [w for line in path.read_text(encoding="utf-8").splitlines() for w in line.split("#")[0].split()]


@functools.cache
def gazetteer() -> frozenset[str]:
    return frozenset(read_words(data_file("places.txt")))


@functools.cache
def generic_words() -> frozenset[str]:
    return frozenset(read_words(data_file("entity_generic.txt")))


@functools.cache
def not_heads() -> tuple[str, ...]:
    return tuple(read_words(data_file("entity_not_heads.txt")))


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


def patterns_path() -> Path:
    return data_file("entity_patterns.jsonl")


@functools.cache
def head_patterns() -> dict[str, re.Pattern[str]]:
    """Each label's heads: the `tail` regexes ending the name patterns (`"id": "name"`) of the ruler."""
    found: dict[str, list[str]] = {}
    for line in patterns_path().read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        last = entry["pattern"][-1] if isinstance(entry["pattern"], list) else {}
        regex = last.get("_", {}).get("tail", {}).get("REGEX")
        if entry.get("id") in HEADED and regex:
            found.setdefault(entry["label"], []).append(regex)
    return {label: re.compile("|".join(dict.fromkeys(found.get(label, ["(?!)"])))) for label in LABELS}


# ---------------------------------------------------------------- heads


def head_match(text: str) -> tuple[str, str] | None:
    """The label and the head a name ends with, a closing aside left out: of all labels' heads the
    longest (物流中心 over 中心, 开发区 over 区); none when it ends in a word such as 格局 or 城区."""
    text = CLOSING_ASIDE.sub("", text)
    if text.endswith(not_heads()):
        return None
    best: tuple[str, str] | None = None
    for label in LABELS:
        m = head_patterns()[label].search(text)
        if m and (best is None or len(m.group()) > len(best[1])):
            best = (label, m.group())
    return best


def head_label(text: str) -> str | None:
    """What a name names, from how it ends (a place of the gazetteer is a place)."""
    text = CLOSING_ASIDE.sub("", text)
    if text in gazetteer():
        return "PLACE"
    found = head_match(text)
    if found is None or (found[0] == "PLACE" and len(text) - len(found[1]) > PLACE_OWN_MAX):
        return None
    return found[0]


def head_of(text: str) -> str:
    found = head_match(text)
    return found[1] if found else ""


def is_rare(word: str, freq: Mapping[str, int]) -> bool:
    """A word of the plan's own: Chinese, unknown or rare to jieba, and not two common words put together."""
    if len(word) < 2 or not CJK.fullmatch(word) or (freq.get(word) or 0) >= RARE:
        return False
    if word in generic_words() or word.endswith(ADJECTIVAL):
        return False
    return not any(
        (freq.get(word[:k]) or 0) >= RARE and (freq.get(word[k:]) or 0) >= RARE for k in range(2, len(word) - 1)
    )


# ---------------------------------------------------------------- segmentation


@functools.cache
def _base() -> tuple[Any, Any]:
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


MISSING: Any = object()
_added: list[dict[str, Any]] = []  # per plan's words in use: what the shared dictionary held before them


class BaseFreq(Mapping[str, int]):
    """How often jieba's dictionary (with the curated words) has seen each word, whatever plan words are added."""

    def __getitem__(self, word: str) -> int:
        for before in _added:
            if word in before:
                if before[word] is MISSING:
                    raise KeyError(word)
                value: int = before[word]
                return value
        found: int = _base()[0].FREQ[word]
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(_base()[0].FREQ)

    def __len__(self) -> int:
        return len(_base()[0].FREQ)


def base_freq() -> Mapping[str, int]:
    """How often jieba's dictionary (with the curated words) has seen each word: not counting a plan's own words."""
    return BaseFreq()


@contextlib.contextmanager
def plan_segmenter(user_words: list[tuple[str, str]]) -> Iterator[Any]:
    """A jieba POS tokenizer for one plan: the one shared dictionary, the plan's words added for as long as it is
    in use and taken out after (so the dictionary is loaded once a process, and never copied)."""
    tok, pos = _base()
    before: dict[str, Any] = {}
    tags: dict[str, Any] = {}
    user_tags: dict[str, Any] = {}
    total = tok.total
    _added.append(before)
    try:
        for word, tag in user_words:
            for k in range(1, len(word) + 1):
                before.setdefault(word[:k], tok.FREQ.get(word[:k], MISSING))
            tags.setdefault(word, pos.word_tag_tab.get(word, MISSING))
            user_tags.setdefault(word, tok.user_word_tag_tab.get(word, MISSING))
            tok.add_word(word, 20000, tag)
            pos.word_tag_tab[word] = tag
        yield pos
    finally:
        _restore(tok.FREQ, before)
        _restore(pos.word_tag_tab, tags)
        _restore(tok.user_word_tag_tab, user_tags)
        tok.total = total
        _added.remove(before)


def _restore(table: dict[str, Any], before: dict[str, Any]) -> None:
    for k, v in before.items():
        if v is MISSING:
            table.pop(k, None)
        else:
            table[k] = v


class JiebaTokenizer:
    """spaCy tokenizer: jieba words, each carrying jieba's tag (`tag_`) and a Universal POS (`pos_`)."""

    def __init__(self, vocab: Any, segmenter: Any) -> None:
        self.vocab = vocab
        self.segmenter = segmenter

    def __call__(self, text: str) -> Any:
        from spacy.tokens import Doc

        words: list[str] = []
        tags: list[str] = []
        spaces: list[bool] = []
        for p in self.segmenter.cut(text):
            if not p.word:
                continue
            if not p.word.isspace():
                words.append(p.word)
                tags.append(p.flag)
                spaces.append(False)
            elif spaces:  # white space after a word: its trailing space, and the rest a word of its own
                spaces[-1] = True
                if len(p.word) > 1:
                    words.append(p.word[1:])
                    tags.append("x")
                    spaces.append(False)
            else:
                words.append(p.word)
                tags.append("x")
                spaces.append(False)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        for token, flag in zip(doc, tags, strict=True):
            token.tag_ = flag
            token.pos_ = UPOS.get(flag, "PUNCT" if re.fullmatch(r"\W+", token.text) else "X")
        return doc

    def to_disk(self, *a: Any, **k: Any) -> None:
        pass

    def from_disk(self, *a: Any, **k: Any) -> JiebaTokenizer:
        return self


# ---------------------------------------------------------------- the plan's own words

REGION = re.compile(r"^((?:[\u4e00-\u9fff]{2,3}省)?(?:[\u4e00-\u9fff]{2,3}市)?(?:[\u4e00-\u9fff]{2,3}[区县])?)")


def region_words(texts: list[str]) -> list[str]:
    """The plan's own place names, read off the start of its titles: 某某市某某区… -> 某某市, 某某, 某某区, 某某."""
    out = []
    for t in texts:
        m = REGION.match(re.sub(r"\s+", "", t or ""))
        for unit in re.findall(r"[\u4e00-\u9fff]{2,3}?[省市区县]", m.group(1) if m else ""):
            out += [unit, unit[:-1]] if len(unit) >= 3 else [unit]
    return list(dict.fromkeys(out))


def name_stems(names: list[str], freq: Mapping[str, int]) -> list[str]:
    """The plan's own proper stems: the first two characters of its names when jieba does not know them
    as a common word (the 2-character place a platform is named after)."""
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


def is_proper(word: str, tag: str, places: set[str], freq: Mapping[str, int]) -> bool:
    """A word a heading can be named after: a place, a rare word, or a proper name jieba seldom saw."""
    if word in places or is_rare(word, freq):
        return True
    return tag in PROPER_POS and (freq.get(word) or 0) < COMMON and not word.endswith(ADJECTIVAL)


def known_names(names: list[str], segmenter: Any, places: set[str], freq: Mapping[str, int]) -> list[str]:
    """The plan's own headings that read as names: a telling head, and a word of their own before it
    (a place, a proper name jieba knows as rare, or a word jieba does not know at all)."""
    out = []
    for n in dict.fromkeys(names):
        n = n.strip()
        if not (3 <= len(n) <= NAME_MAX) or re.search(r"[，。；：、“”\s]", n) or head_label(n) is None:
            continue
        head = head_of(n)
        words = segmenter.cut(CLOSING_ASIDE.sub("", n)[: -len(head) or None])
        if any(is_proper(p.word, p.flag, places, freq) for p in words if p.word not in generic_words()):
            out.append(n)
    return out


def user_words(names: list[str], indicator_names: list[str], regions: list[str]) -> list[tuple[str, str]]:
    """Words for one plan's dictionary: its place names, its names (tagged as names), its indicator names."""
    out = [(r, "ns") for r in regions]
    for n in dict.fromkeys(names):
        out.append((n, "nz"))
    for n in dict.fromkeys(indicator_names):
        n = CLOSING_ASIDE.sub("", re.sub(r"^其中[：:]?", "", n.split("：")[-1])).strip()
        if 3 <= len(n) <= 20 and not re.search(r"\s", n):
            out.append((n, "n"))
    return out


# ---------------------------------------------------------------- the pipeline


@contextlib.contextmanager
def build(names: list[str], indicator_names: list[str], titles: list[str]) -> Iterator[Any]:
    """The plan's spaCy pipeline, for a `with` block: `names` are its sidebar titles and item headings, `titles`
    its document and table titles (where its own place names are read). Its words are in the shared jieba
    dictionary for the block only."""
    import spacy

    regions = region_words(titles)
    freq = base_freq()
    stems = [w for w in name_stems(names, freq) if w not in regions]
    places = gazetteer() | set(regions)
    with plan_segmenter([(r, "ns") for r in regions] + [(w, "nz") for w in stems]) as probe:
        known = known_names(names, probe, set(places), freq)
    words = [(w, "nz") for w in stems] + user_words(known, indicator_names, regions)
    with plan_segmenter(words) as segmenter:
        nlp = spacy.blank("zh")  # the default segmenter is replaced by jieba
        nlp.tokenizer = JiebaTokenizer(nlp.vocab, segmenter)
        nlp.add_pipe("name_features", config={"places": sorted(places), "stems": sorted(stems)})
        ruler: Any = nlp.add_pipe("entity_ruler")
        ruler.from_disk(patterns_path())
        ruler.add_patterns([{"label": head_label(n), "pattern": n, "id": "known"} for n in known])
        nlp.add_pipe("name_check")
        yield nlp


class NameFeatures:
    """Marks each token for the ruler's patterns (`token._.name_start` …, see TOKEN_FLAGS)."""

    def __init__(self, places: Iterable[str], stems: Iterable[str]) -> None:
        self.places = frozenset(places)
        self.stems = frozenset(stems)
        self.freq = base_freq()

    def __call__(self, doc: Any) -> Any:
        before = None
        for tok in doc:
            tok._.place = tok.text in self.places
            tok._.name_start = self.starts_name(tok, before)
            tok._.located = tok._.name_start and (tok._.place or tok.text in self.stems or tok.tag_ == "ns")
            tok._.name_inner = tok._.name_start or self.inside_name(tok)
            tok._.project_inner = tok._.name_inner or tok.tag_ == "v"
            tok._.tail = self.tail(before, tok)
            before = tok
        return doc

    def tail(self, before: Any, tok: Any) -> str:
        """The text of the token before and of the token (a head split in two: 科技/城), none when it
        ends in a word that is no head (城市, 全省)."""
        text = (before.text if before is not None else "") + tok.text
        return "" if text.endswith(not_heads()) else text

    def uncommon(self, text: str) -> bool:
        """Not a word jieba has often seen, nor a generic word (城市, 重点)."""
        return (self.freq.get(text) or 0) < COMMON and text not in generic_words()

    def starts_name(self, tok: Any, before: Any) -> bool:
        """A word a name can start with: a place, a proper name jieba seldom saw, a word it does not know.
        Never a single character, a generic word, a head alone (中心, 卫生院), or a word led by a numeral
        (三园, 五大) unless jieba knows it as a name (九洲, 四川大学). A word right after a number is its unit."""
        text = tok.text
        if text in self.places or text in self.stems:
            return True
        head = head_of(text)
        if len(text) < 2 or text in generic_words() or text == head or (before is not None and before.tag_ == "m"):
            return False
        if text[0] in NUMERAL and not (tok.tag_ in NAMED_POS and self.freq.get(text)):
            return False
        if head and not (tok.tag_ == "ns" and head_label(text) == "PLACE"):
            return self.own_part_proper(text[: -len(head)])
        if tok.tag_ in PROPER_POS:
            return self.uncommon(text) and not text.endswith(ADJECTIVAL)
        return tok.tag_ in RARE_NAME_POS and is_rare(text, self.freq)

    def own_part_proper(self, own: str) -> bool:
        """What stands before a word's head names something: a place, a stem or a rare word (四川大学,
        吴家镇), not a common word (商务局, 中心医院, 示范村)."""
        if len(own) == 2 and is_rare(own, self.freq):
            return True
        return any(own[:k] in self.places or own[:k] in self.stems for k in range(2, len(own) + 1))

    def inside_name(self, tok: Any) -> bool:
        """A word that may stand inside a name: a noun or adjective, a numeral in characters (一期), a
        middle dot (紫金城·商业中心). Verbs stand only inside a project's name (防洪提升工程) or right
        before a head (应急保障中心); brackets are matched by the patterns, in pairs."""
        if tok.tag_ in NAME_POS or tok.tag_ == "a" or tok.text in INNER_MARKS:
            return True
        return tok.tag_ == "m" and CJK.search(tok.text) is not None


def make_name_features(nlp: Any, name: str, places: list[str], stems: list[str]) -> NameFeatures:
    return NameFeatures(places, stems)


def check_names(doc: Any) -> Any:
    """The ruler's matches made entities: names labelled by their head, slogans without their quotes,
    and what is no name left out."""
    from spacy.tokens import Span

    ents = []
    for ent in doc.ents:
        span = unquoted(ent)
        label = ent_label(span.text, ent.id_, ent.label_)
        if label is not None and is_name(span.text, label):
            ents.append(Span(doc, span.start, span.end, label=label))
    doc.ents = ents
    return doc


def ent_label(text: str, pattern_id: str, label: str) -> str | None:
    """A name's label is its head's; other patterns' labels stand."""
    return head_label(text) if pattern_id in HEADED else label


def unquoted(span: Any) -> Any:
    """A slogan “四大战略” without its quotes."""
    if len(span) > 2 and span[0].text == "“" and span[-1].text == "”":
        return span.doc[span.start + 1 : span.end - 1]
    return span


def is_name(text: str, label: str) -> bool:
    """Not a head alone (商学院), nor a generic place (城区), nor an open bracket, nor overlong."""
    if len(text) > NAME_MAX or text.count("（") != text.count("）") or text.count("(") != text.count(")"):
        return False
    if label == "PLACE" and text in generic_words():
        return False
    return label == "FRAME" or text in gazetteer() or head_of(text) != CLOSING_ASIDE.sub("", text)


def _register() -> None:
    """The token flags and the two components of the pipeline, made known to spaCy."""
    from spacy.language import Language
    from spacy.tokens import Token

    for flag, default in TOKEN_FLAGS.items():
        if not Token.has_extension(flag):
            Token.set_extension(flag, default=default)
    if "name_features" not in Language.factories:
        Language.factory("name_features", default_config={"places": [], "stems": []}, func=make_name_features)
    if "name_check" not in Language.factories:
        Language.component("name_check", func=check_names)


_register()


def warm_up() -> None:
    """Load what every plan's pipeline shares (spaCy's Chinese language data, jieba's dictionary), once per process;
    worker processes forked after this share it."""
    import spacy

    spacy.blank("zh")
    _base()
    head_patterns()

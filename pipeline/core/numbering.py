"""Heading and item labels as plans print them, and Chinese numerals."""

from __future__ import annotations

import re

from pipeline.core.resources import data_file

CN = "零〇一二三四五六七八九十百两"
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

NUM = rf"[{CN}]+|[0-9０-９]+"


def _label(pattern: str) -> re.Pattern[str]:
    """A label at the start of a text (group `label`), and the space after it."""
    return re.compile(rf"^(?P<label>{pattern})\s*")


ORDINAL = rf"第\s*(?P<n>{NUM})\s*"  # 第 and a number, before 篇/部分, 章 or 节

HEADING_LABELS = [
    # kind, pattern (label in group "label", number in group "n")
    ("part", _label(ORDINAL + "(?:篇|部分)")),
    ("chapter", _label(ORDINAL + "章")),
    ("section", _label(ORDINAL + "节")),
    ("cn_comma", _label(r"(?P<n>[一二三四五六七八九十]+)\s*[、．.]")),
    ("cn_paren", _label(r"[（(]\s*(?P<n>[一二三四五六七八九十]+)\s*[）)]")),
    ("num_dot", _label(r"(?P<n>[0-9０-９]{1,2})\s*[.．、](?![0-9０-９])")),
]
# the numbering of the levels below a chapter, highest first (一、 > （一） > 1.)
SUB_KINDS = ("section", "cn_comma", "cn_paren", "num_dot")

APPENDIX_LABEL = re.compile(
    r"^(?P<label>(?:附\s*[表件录图]|名\s*词\s*解\s*释|注\s*释)"
    r"\s*(?P<n>[0-9０-９]+(?:\s*[-－—–.．]\s*[0-9０-９]+)*|[一二三四五六七八九十]+)?)"
    r"\s*(?P<colon>[：:])?\s*(?P<rest>.*)$"
)
# a run-in label of the notes and sources printed after the last chapter
END_MATTER_LABEL = re.compile(r"^(?:注\s*释|资\s*料\s*来\s*源|数\s*据\s*来\s*源)\s*[：:]")

ITEM_LABELS = [
    ("cn_comma", _label(r"[一二三四五六七八九十]+\s*、")),
    ("cn_paren", _label(r"[（(]\s*[一二三四五六七八九十]+\s*[）)]")),
    ("num_dot", _label(r"[0-9０-９]{1,2}\s*[.．、](?![0-9０-９])")),
    ("num_paren", _label(r"[（(]\s*[0-9０-９]{1,2}\s*[）)]")),
    ("circled", _label(r"[①-⑳]")),
    ("dash", _label(r"——|—|－－|--")),
    ("bullet", _label(r"[•·●▪■◆◇○□]")),
]


def sidebar_words() -> list[str]:
    """The words that open a sidebar's label, from `pipeline/data/sidebar_labels.txt` (configuration)."""
    lines = data_file("sidebar_labels.txt").read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def _spaced(word: str) -> str:
    """A word as a pattern that also matches it letter-spaced (`专 栏`)."""
    return r"\s*".join(re.escape(ch) for ch in word)


SIDEBAR_LABEL = re.compile(
    r"^(?:" + "|".join(_spaced(w) for w in sidebar_words()) + r")\s*"
    r"(?P<label>[0-9０-９]+(?:\s*[-－—–.．]\s*[0-9０-９]+)*|[一二三四五六七八九十]+)?\s*[:：]?\s*(?P<title>.*)$"
)


def cn_to_int(s: str) -> int | None:
    """Chinese or Arabic numeral -> int: 十二 -> 12, 二十 -> 20, 一百零五 -> 105, １２ -> 12."""
    s = s.strip()
    if not s:
        return None
    if all(c.isdigit() for c in s):
        try:
            return int(s.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
        except ValueError:
            return None
    total, current = 0, 0
    for ch in s:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def heading_label(text: str) -> tuple[str, str, int | None, str] | None:
    """(kind, label as printed, number, rest) when the text starts with a heading label."""
    for kind, pat in HEADING_LABELS:
        m = pat.match(text)
        if m:
            return kind, re.sub(r"\s+", "", m.group("label")), cn_to_int(m.group("n")), text[m.end() :].strip()
    return None


ORDINAL_KINDS = ("part", "chapter", "section")


def ordinal_heading(text: str) -> bool:
    """The text starts with a part, chapter or section label: 第…篇/部分, 第…章, 第…节."""
    lab = heading_label(text)
    return lab is not None and lab[0] in ORDINAL_KINDS


def appendix_label(text: str) -> tuple[str, str, bool] | None:
    """(label as printed, rest, a colon follows the label) when the text starts with 附表/附件/附录/附图,
    名词解释 or 注释 (with its number, if any)."""
    m = APPENDIX_LABEL.match(text.strip())
    if not m:
        return None
    return re.sub(r"\s+", "", m.group("label")), m.group("rest").strip(), m.group("colon") is not None


def end_matter_label(text: str) -> bool:
    """The text starts with 注释：, 资料来源： or 数据来源：, the run-in labels of end notes and sources."""
    return END_MATTER_LABEL.match(text.strip()) is not None


def item_label(text: str) -> tuple[str, str, str] | None:
    """(kind, label as printed, rest) when the text starts with an item label."""
    for kind, pat in ITEM_LABELS:
        m = pat.match(text)
        if m:
            return kind, re.sub(r"\s+", "", m.group("label")), text[m.end() :]
    return None


def sidebar_label(text: str) -> tuple[str | None, str] | None:
    """(label, title) when the text starts with a sidebar label word (`pipeline/data/sidebar_labels.txt`)."""
    m = SIDEBAR_LABEL.match(text.strip())
    if not m:
        return None
    label = m.group("label")
    return (re.sub(r"\s+", "", label) if label else None), m.group("title").strip()

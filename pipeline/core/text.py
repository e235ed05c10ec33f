"""Text shared by the stages: characters to printed text, printed lines to one text, comparison keys."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Protocol

# a lead agency noted in brackets: （牵头单位：区发改局）
AGENCY = re.compile(r"[（(]\s*(?:牵头单位|牵头部门|责任单位|责任部门|主责单位)\s*[：:]\s*(?P<agency>[^）)]*?)\s*[）)]")


class Glyph(Protocol):
    """A printed character: its text, horizontal extent and font size."""

    text: str
    x0: float
    x1: float
    size: float


def is_cjk(ch: str) -> bool:
    """CJK ideographs and radicals, full-width forms and CJK punctuation: no space is printed between them."""
    return (
        "\u2e80" <= ch <= "\u9fff"
        or "\uf900" <= ch <= "\ufaff"
        or "\uff00" <= ch <= "\uffef"
        or "\u3000" <= ch <= "\u303f"
    )


def chars_to_text(chars: Sequence[Glyph], space_gap: float) -> str:
    """Characters of one line (sorted left to right) -> text, with spaces only where the print shows a gap.

    A gap wider than `space_gap` x the larger font size between two characters that are not both CJK is a space."""
    out = []
    prev = None
    for c in chars:
        if prev is not None and not c.text.isspace() and not prev.text.isspace():
            gap = c.x0 - prev.x1
            if gap > space_gap * max(c.size, prev.size) and not (is_cjk(c.text[0]) and is_cjk(prev.text[-1])):
                out.append(" ")
        out.append(c.text)
        prev = c
    return re.sub(r"\s+", " ", "".join(out)).strip()


def join_lines(texts: Iterable[str]) -> str:
    """Join printed lines of one paragraph or cell: no separator, except a space between two Latin words."""
    out = ""
    for t in texts:
        t = t.strip()
        if not t:
            continue
        if out and out[-1].isascii() and out[-1].isalpha() and t[0].isascii() and t[0].isalpha():
            out += " "
        out += t
    return out


def norm(s: object) -> str:
    """A comparison key: NFKC, no whitespace; None -> ''."""
    if s is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(s)))

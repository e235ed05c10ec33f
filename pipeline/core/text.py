"""Text shared by the stages: characters to printed text, printed lines to one text, comparison keys.

Typesetting is not text: a gap or a space that only spreads characters apart (letter-spacing,
a title spread over its line, `2 0 0 1 年`) prints no space; a space between Latin words does, and
so does a space typed between Chinese and Latin or digits (`到 2035 年`).
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Protocol

# a lead agency noted in brackets: （牵头单位：区发改局）
AGENCY = re.compile(r"[（(]\s*(?:牵头单位|牵头部门|责任单位|责任部门|主责单位)\s*[：:]\s*(?P<agency>[^）)]*?)\s*[）)]")

# Defaults of `chars_to_text`'s spacing thresholds, each x the font size of the characters concerned
TRACKING_MAX = 1.0  # gaps up to this between characters of a line may be its letter-spacing (wider: columns)
TRACKING_PAIRS = 4  # a line's letter-spacing is measured on at least this many gaps (count)
SPREAD_TOL = 0.15  # the advances of characters spread apart agree within this (as gaps do with letter-spacing)
LATIN_BREAK = ",;:!?"  # half-width punctuation a printed space follows, also at a line's end


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


def _spreadable(g: Glyph) -> bool:
    return is_cjk(g.text[0]) or g.text.isdigit()


def _glyphs(chars: Sequence[Glyph]) -> tuple[list[Glyph], list[bool]]:
    """The visible characters, and for each two neighbours whether whitespace was printed between them."""
    glyphs: list[Glyph] = []
    spaced: list[bool] = []
    pending = False
    for c in chars:
        if c.text.isspace():
            pending = bool(glyphs)
            continue
        if glyphs:
            spaced.append(pending)
        glyphs.append(c)
        pending = False
    return glyphs, spaced


def tracking(
    glyphs: Sequence[Glyph],
    spaced: Sequence[bool],
    tracking_max: float = TRACKING_MAX,
    min_pairs: int = TRACKING_PAIRS,
) -> float:
    """A line's letter-spacing: the median gap between neighbours of a kind (two Chinese characters, or two
    others) with no space printed between them, leaving out gaps wider than `tracking_max` x the size
    (columns); 0 when there are fewer than `min_pairs` (a page number, a cell: too few to tell)."""
    gaps = [
        b.x0 - a.x1
        for (a, b), s in zip(pairwise(glyphs), spaced, strict=False)
        if not s and is_cjk(a.text[-1]) == is_cjk(b.text[0]) and b.x0 - a.x1 < tracking_max * max(a.size, b.size)
    ]
    return statistics.median(gaps) if len(gaps) >= min_pairs else 0.0


def spread_pairs(glyphs: Sequence[Glyph], spaced: Sequence[bool], tol: float = SPREAD_TOL) -> set[int]:
    """Neighbours (by the index of the first) parted only by whitespace that spreads characters apart.

    A run of single characters each standing between two spaces, all Chinese or digits, the same advance
    from each to the next (within `tol` x the size), with two neighbours of a kind (two Chinese characters,
    two digits) twice, or once where the run starts or ends the line or meets punctuation (`农 林 牧 渔 业`,
    `林　业　生产`, `2 0 0 1 年`, `截至 2 0 2 0 年底`; not `专栏 1 重点`, `第三节 到 2035 年`); or a lone
    space between two Chinese characters free on their far sides (`一、综  合`, `#工　业`)."""
    out: set[int] = set()
    i = 0
    while i < len(spaced):
        j = i
        while spaced[i] and j + 1 < len(spaced) and spaced[j + 1]:
            j += 1
        if spaced[i] and (_is_spread(glyphs, i, j, tol) if j > i else _lone_pair(glyphs, i)):
            out.update(range(i, j + 1))
        i = j + 1
    return out


def _is_spread(glyphs: Sequence[Glyph], i: int, j: int, tol: float) -> bool:
    """Whether the spaced neighbours i..j (j > i) are a spread run (see `spread_pairs`)."""
    run = glyphs[i : j + 2]
    if not all(_spreadable(g) for g in run):
        return False
    kin = sum(_same_kind(a, b) for a, b in pairwise(run))
    if kin < 2 and not (kin and (_free(glyphs, i - 1) or _free(glyphs, j + 2))):
        return False
    advances = [b.x0 - a.x1 for a, b in pairwise(run)]
    return max(advances) - min(advances) <= tol * max(g.size for g in run)


def _free(glyphs: Sequence[Glyph], k: int) -> bool:
    """Nothing stands at position k, or punctuation: the character next to it is free on that side."""
    return not 0 <= k < len(glyphs) or unicodedata.category(glyphs[k].text[0]).startswith("P")


def _same_kind(a: Glyph, b: Glyph) -> bool:
    return (a.text.isdigit() and b.text.isdigit()) or (_ideograph(a.text) and _ideograph(b.text))


def _ideograph(s: str) -> bool:
    return len(s) == 1 and is_cjk(s) and unicodedata.category(s) == "Lo"


def _lone_pair(glyphs: Sequence[Glyph], i: int) -> bool:
    """Glyphs i and i + 1 are Chinese characters, each without a character on its far side (the line ends, or
    punctuation stands there): a word of two spread over its line. (Their whitespace is the only one around.)"""
    a, b = glyphs[i], glyphs[i + 1]
    return _ideograph(a.text) and _ideograph(b.text) and _free(glyphs, i - 1) and _free(glyphs, i + 2)


def prints_space(a: Glyph, b: Glyph, spaced: bool, track: float, space_gap: float, tol: float) -> bool:
    """Whether a space stands between two neighbouring characters (`spaced`: whitespace was printed there):
    printed whitespace, or a gap wider than `space_gap` x the size that the line's letter-spacing (`track`,
    give or take `tol` x the size) does not explain, between characters not both Chinese."""
    if spaced:
        return True
    if is_cjk(a.text[-1]) and is_cjk(b.text[0]):
        return False
    gap, size = b.x0 - a.x1, max(a.size, b.size)
    return gap > space_gap * size and gap > track + tol * size


def chars_to_text(
    chars: Sequence[Glyph],
    space_gap: float,
    *,
    tracking_max: float = TRACKING_MAX,
    spread_tol: float = SPREAD_TOL,
) -> str:
    """Characters of one line (sorted left to right) -> text, with spaces only where the print shows one.

    A gap wider than `space_gap` x the larger font size, and than the line's letter-spacing (`tracking`)
    by more than `spread_tol` x the size, between two characters that are not both Chinese is a space;
    between two Chinese characters a gap is never one. Whitespace printed to spread characters apart
    (`spread_pairs`) is left out; other printed whitespace is one space."""
    glyphs, spaced = _glyphs(chars)
    if not glyphs:
        return ""
    track = tracking(glyphs, spaced, tracking_max)
    spread = spread_pairs(glyphs, spaced, spread_tol)
    out = [glyphs[0].text]
    for i, (a, b) in enumerate(pairwise(glyphs)):
        if i not in spread and prints_space(a, b, spaced[i], track, space_gap, spread_tol):
            out.append(" ")
        out.append(b.text)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def join_lines(texts: Iterable[str]) -> str:
    """Join printed lines of one paragraph or cell: no separator, except a space between two Latin words
    and after half-width punctuation (`,` `;` `:` `!` `?`), which a space follows in print."""
    out = ""
    for t in texts:
        t = t.strip()
        if not t:
            continue
        latin_words = out[-1:].isascii() and out[-1:].isalpha() and t[0].isascii() and t[0].isalpha()
        if latin_words or out[-1:] in tuple(LATIN_BREAK):
            out += " "
        out += t
    return out


def nfkc(s: str) -> str:
    """The NFKC form of a text (full-width letters, digits and punctuation made half-width), spaces kept."""
    return unicodedata.normalize("NFKC", s)


def norm(s: object) -> str:
    """A comparison key: NFKC, no whitespace; None -> ''."""
    if s is None:
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(s)))

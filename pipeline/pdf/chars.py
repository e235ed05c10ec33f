"""Character-level clean-up: ideograph variants, fake bold, font names.

Pure functions on the text and geometry of characters, shared by ingest and tests.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TYPE_CHECKING

from pipeline.pdf.model import Char
from pipeline.settings import settings_for

if TYPE_CHECKING:
    from pipeline.pdf.ingest import IngestSettings

# CJK Radicals Supplement (U+2E80-U+2EFF) has no NFKC decomposition (but for two
# characters); Word and WPS exports often map glyphs to these code points through
# their ToUnicode tables. Equivalents from Unicode's EquivalentUnifiedIdeograph.txt.
RADICALS_SUPPLEMENT = {
    "⺁": "厂",
    "⺄": "乙",
    "⺅": "亻",
    "⺆": "冂",
    "⺉": "刂",
    "⺊": "卜",
    "⺌": "小",
    "⺍": "小",
    "⺎": "兀",
    "⺏": "尣",
    "⺐": "尢",
    "⺒": "巳",
    "⺓": "幺",
    "⺔": "彑",
    "⺖": "忄",
    "⺗": "心",
    "⺘": "扌",
    "⺙": "攵",
    "⺛": "旡",
    "⺝": "月",
    "⺞": "歺",
    "⺟": "母",
    "⺠": "民",
    "⺡": "氵",
    "⺢": "氺",
    "⺣": "灬",
    "⺤": "爫",
    "⺥": "爫",
    "⺦": "丬",
    "⺧": "牛",
    "⺨": "犭",
    "⺩": "王",
    "⺪": "疋",
    "⺫": "目",
    "⺬": "示",
    "⺭": "礻",
    "⺮": "竹",
    "⺯": "糹",
    "⺰": "纟",
    "⺱": "罓",
    "⺲": "罒",
    "⺳": "网",
    "⺴": "网",
    "⺵": "网",
    "⺶": "羊",
    "⺷": "羊",
    "⺹": "耂",
    "⺺": "肀",
    "⺻": "聿",
    "⺼": "肉",
    "⺽": "臼",
    "⺾": "艹",
    "⺿": "艹",
    "⻀": "艹",
    "⻁": "虎",
    "⻂": "衤",
    "⻃": "覀",
    "⻄": "西",
    "⻅": "见",
    "⻆": "角",
    "⻈": "讠",
    "⻉": "贝",
    "⻊": "足",
    "⻋": "车",
    "⻌": "辶",
    "⻍": "辶",
    "⻎": "辶",
    "⻏": "阝",
    "⻐": "钅",
    "⻑": "長",
    "⻒": "镸",
    "⻓": "长",
    "⻔": "门",
    "⻖": "阝",
    "⻗": "雨",
    "⻘": "青",
    "⻙": "韦",
    "⻚": "页",
    "⻛": "风",
    "⻜": "飞",
    "⻝": "食",
    "⻟": "飠",
    "⻠": "饣",
    "⻢": "马",
    "⻣": "骨",
    "⻤": "鬼",
    "⻥": "鱼",
    "⻦": "鸟",
    "⻧": "卤",
    "⻨": "麦",
    "⻩": "黄",
    "⻪": "黾",
    "⻫": "斉",
    "⻬": "齐",
    "⻭": "歯",
    "⻮": "齿",
    "⻯": "竜",
    "⻰": "龙",
    "⻱": "龜",
    "⻲": "亀",
    "⻳": "龟",
}


def _needs_nfkc(cp: int) -> bool:
    return (
        0x2F00 <= cp <= 0x2FDF  # Kangxi Radicals
        or 0xF900 <= cp <= 0xFAFF  # CJK Compatibility Ideographs
        or 0x2F800 <= cp <= 0x2FA1F
    )  # CJK Compatibility Ideographs Supplement


@functools.lru_cache(maxsize=65536)
def unify_ideographs(text: str) -> str:
    """Map Kangxi radicals, radical supplements and compatibility ideographs to unified ideographs (and a lone
    surrogate, which a broken character map can give, to U+FFFD).

    Only those blocks are touched: full-width punctuation and everything else stay as printed.
    """
    if text.isascii():
        return text
    out = []
    for ch in text:
        cp = ord(ch)
        if 0xD800 <= cp <= 0xDFFF:  # a lone surrogate (a broken character map): no character, and not writable
            out.append("\ufffd")
        elif _needs_nfkc(cp):
            out.append(unicodedata.normalize("NFKC", ch))
        elif 0x2E80 <= cp <= 0x2EFF:
            out.append(RADICALS_SUPPLEMENT.get(ch, ch))
        else:
            out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


_SUBSET = re.compile(r"^[A-Z]{6}\+")
_BOLD = re.compile(r"bold|black|heavy|semibold|demibold|demi|,b$|-b$|粗|黑", re.I)


def clean_font_name(name: str) -> str:
    """Drop the subset prefix (`ABCDEF+`) and decode GBK names that pdfminer read as Latin-1."""
    name = _SUBSET.sub("", name or "")
    if name and not name.isascii():
        try:
            decoded = name.encode("latin-1").decode("gbk")
            if any("\u4e00" <= c <= "\u9fff" for c in decoded):
                name = decoded
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def font_is_bold(font: str) -> bool:
    return bool(_BOLD.search(font))


def dedupe_doubled(chars: list[Char], settings: IngestSettings | None = None) -> list[Char]:
    """Drop the second copy of characters drawn twice at (almost) the same spot.

    Word fakes bold for fonts without a bold face by painting each glyph twice, shifted by a
    fraction of a point; the survivor is marked bold. Two copies count as one when the text
    agrees, their sizes within `double_size` and their offset within `double_dx` x the font size
    horizontally and `double_dy` x the font size vertically (ingest settings).
    """
    cfg: IngestSettings = settings if settings is not None else settings_for("ingest")
    kept = []
    index: dict[tuple[str, int], list[Char]] = {}
    for c in chars:
        if not c.text.isspace():
            dup = _first_copy(c, index, cfg)
            if dup is not None:
                dup.bold = True
                continue
            index.setdefault((c.text, int(c.top) >> 1), []).append(c)
        kept.append(c)
    return kept


def _first_copy(c: Char, index: dict[tuple[str, int], list[Char]], cfg: IngestSettings) -> Char | None:
    """A character already kept that `c` doubles (looked up in 2-pt bands of `top`, the band and its neighbours)."""
    text, x0, top, size = c.text, c.x0, c.top, c.size or 1.0
    ky = int(top) >> 1
    for k in ((text, ky), (text, ky - 1), (text, ky + 1)):
        for k_c in index.get(k, ()):
            if (
                abs(k_c.x0 - x0) < cfg.double_dx * size
                and abs(k_c.top - top) < cfg.double_dy * size
                and abs(k_c.size - size) < cfg.double_size
            ):
                return k_c
    return None

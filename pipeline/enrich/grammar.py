"""The value grammar: how plans print numbers, bounds, cumulative figures, growth and statements.

`parse_value("≧42")` -> value 42, comparator `>=`. The forms:

    number        157.9   -0.42   48,510   －2.6
    unit          8%   ８％   1.7个百分点   (any other unit comes from the row)
    comparator    ≧42 ≥91 >=5 (>=)   ＞8.5% >85 大于 高于 超过 (>)   ＜3.5 <5 小于 低于 (<)
                  ≤28 ≦28 <=5 不高于 不超过 (<=)   不低于 不少于 至少 (>=)
                  45以上 及以上 (>=)   10以下 以内 (<=)   约5 5左右 (~, approximate)
    cumulative    [10]  ［-1.28］  【10000】  累计提高5个百分点   (a total over the plan period)
    growth words  年均提高 1.7个百分点   年均增长8%   年均下降2% (-2)   提高3个百分点以上
    no value      ''  —  --  -  －  ——  /  …   (value null; a dash is kept as the status)
    statement     完成上级下达目标  完成上级任务  基数调整  2018年后，不再列入统计  (status_text)

Anything else is `unknown`: the text is kept, the value left null, never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

COMPARATOR_WORDS = [
    ("不低于", ">="),
    ("不少于", ">="),
    ("至少", ">="),
    ("不高于", "<="),
    ("不超过", "<="),
    ("不多于", "<="),
    ("大于", ">"),
    ("高于", ">"),
    ("超过", ">"),
    ("多于", ">"),
    ("小于", "<"),
    ("低于", "<"),
    ("少于", "<"),
    ("约", "~"),
    ("达到", "="),
]
COMPARATOR_SIGNS = [
    (">=", ">="),
    ("<=", "<="),
    ("≧", ">="),
    ("≥", ">="),
    ("⩾", ">="),
    ("≦", "<="),
    ("≤", "<="),
    ("⩽", "<="),
    ("＞", ">"),
    (">", ">"),
    ("＜", "<"),
    ("<", "<"),
    ("~", "~"),
    ("～", "~"),
    ("≈", "~"),
    ("=", "="),
    ("＝", "="),
]
SUFFIXES = [
    ("及以上", ">="),
    ("以上", ">="),
    ("及以下", "<="),
    ("以下", "<="),
    ("以内", "<="),
    ("左右", "~"),
    ("内", "<="),
]
NO_VALUE = {"", "—", "--", "-", "－", "——", "―", "－－", "/", "／", "…", "……", "-—", "—-", "无", "/ "}

_CMP = "|".join(re.escape(s) for s, _ in sorted(COMPARATOR_WORDS + COMPARATOR_SIGNS, key=lambda p: -len(p[0])))
_SUF = "|".join(re.escape(s) for s, _ in SUFFIXES)
GROWTH_WORD = r"(?P<period>年均|累计|每年|五年累计)?(?P<verb>提高|增长|增加|提升|上升|下降|降低|减少|回落)?"

VALUE = re.compile(
    rf"^(?P<cmp1>{_CMP})?\s*{GROWTH_WORD}\s*(?P<cmp2>{_CMP})?\s*"
    r"(?P<open>[\[［【〔])?\s*(?P<cmp3>" + _CMP + r")?\s*"
    r"(?P<num>[-－−﹣+＋]?\s*\d[\d,，]*(?:[.．]\d+)?)\s*"
    r"(?P<close>[\]］】〕])?\s*"
    r"(?P<unit>%|％|‰|个百分点|百分点|pp)?\s*"
    r"(?P<close2>[\]］】〕])?\s*"
    rf"(?P<suffix>{_SUF})?\s*$"
)

STATEMENT = re.compile(r"[\u4e00-\u9fff]{2,}")
YEARS = re.compile(r"(19|20)\d\d\s*年")


@dataclass(frozen=True)
class Parsed:
    kind: str  # number / statement / empty / unknown
    value: float | None = None
    comparator: str | None = None
    is_cumulative: bool = False
    unit: str | None = None  # the unit printed in the cell itself: % or 个百分点
    growth_word: str | None = None  # 年均 / 累计 / None, when the cell says so
    status_text: str | None = None


def canonical_text(text: str) -> str:
    """Collapse whitespace (plans break cells over lines) but keep the characters as printed."""
    return re.sub(r"\s+", " ", (text or "").strip())


def parse_value(text: str | None) -> Parsed:
    raw = canonical_text(text or "")
    if raw in NO_VALUE or re.fullmatch(r"[-－—―–/／…\s]+", raw or "-"):
        return Parsed(kind="empty", status_text=raw or None)
    m = VALUE.match(raw)
    if m and (bool(m.group("open")) == bool(m.group("close") or m.group("close2"))):
        num = m.group("num")
        num = unicodedata.normalize("NFKC", num).replace(",", "").replace("，", "").replace(" ", "")
        num = num.replace("−", "-").replace("﹣", "-").replace("．", ".")
        try:
            value = float(num)
        except ValueError:
            return Parsed(kind="unknown")
        comparators = [_comparator(m.group(g)) for g in ("cmp1", "cmp2", "cmp3") if m.group(g)]
        if m.group("suffix"):
            comparators.append(dict(SUFFIXES)[m.group("suffix")])
        comparators = [c for c in comparators if c != "="]
        if len(set(comparators)) > 1:
            return Parsed(kind="unknown")
        verb = m.group("verb")
        if verb in ("下降", "降低", "减少", "回落") and value > 0:
            value = -value
        unit = m.group("unit")
        if unit:
            unit = "%" if unit in ("%", "％") else ("‰" if unit == "‰" else "个百分点")
        period = m.group("period")
        cumulative = bool(m.group("open")) or (period is not None and "累计" in period)
        growth_word = "累计" if period and "累计" in period else ("年均" if period in ("年均", "每年") else None)
        return Parsed(
            kind="number",
            value=value,
            comparator=comparators[0] if comparators else "=",
            is_cumulative=cumulative,
            unit=unit,
            growth_word=growth_word,
        )
    without_years = YEARS.sub("", raw)
    if STATEMENT.search(raw) and not re.search(r"\d", without_years):
        return Parsed(kind="statement", status_text=raw)
    return Parsed(kind="unknown")


def _comparator(word: str) -> str:
    for s, c in COMPARATOR_WORDS + COMPARATOR_SIGNS:
        if word == s:
            return c
    return "="


# ---------------------------------------------------------------- units

MULTIPLIERS = [
    ("百万", 1e6),
    ("千万", 1e7),
    ("十万", 1e5),
    ("万亿", 1e12),
    ("亿", 1e8),
    ("万", 1e4),
    ("千", 1e3),
    ("百", 1e2),
]
BASE_UNITS = [
    "美元",
    "人民币",
    "元",
    "人次",
    "人",
    "亩",
    "件",
    "斤",
    "公斤",
    "吨标准煤",
    "吨标煤",
    "吨",
    "户",
    "套",
    "个",
    "家",
    "张",
    "床",
    "辆",
    "项",
    "座",
    "所",
    "册",
    "台",
    "千瓦时",
    "千瓦",
    "标箱",
    "平方米",
    "平方公里",
    "立方米",
    "公里",
    "米",
    "公顷",
    "kWh",
    "kW",
]
UNITLESS = {"%", "‰", "个百分点", "年", "岁", "天", "小时", "分钟", "倍"}
UNIT_LIKE = re.compile(
    r"^(?:[%％‰]|个百分点|(?:万|亿|千|百万|十万|千万)?(?:"
    + "|".join(map(re.escape, BASE_UNITS))
    + r"|年|岁|天|小时|倍|微克|毫克|克|分贝|度|标准)[^，,。；]{0,10})$"
)


def canonical_unit(unit: str | None) -> str | None:
    """`％` -> `%`, `微克/立 方米` -> `微克/立方米`; full-width ASCII forms folded, spaces dropped."""
    if unit is None:
        return None
    u = re.sub(r"\s+", "", unit)
    u = "".join(unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" else ch for ch in u)
    return u or None


def unit_from_name(name: str) -> str | None:
    """The unit printed as the name's trailing `（…）`, when it reads as a unit (not `（AQI）` or `（常住人口）`)."""
    m = re.search(r"[（(]([^（）()]{1,16})[）)]\s*$", name or "")
    if not m:
        return None
    inner = m.group(1).strip()
    return inner if UNIT_LIKE.match(re.sub(r"\s+", "", inner)) else None


def _split_multiplier(part: str) -> tuple[float, str]:
    for prefix, factor in MULTIPLIERS:
        if part.startswith(prefix) and part[len(prefix) :] in BASE_UNITS:
            return factor, part[len(prefix) :]
    return 1.0, part


def to_base(value: float | None, unit: str | None) -> tuple[float | None, str | None]:
    """Apply the unit's multiplier: 亿元 -> 元 (x1e8), 万人 -> 人, 吨标准煤/万元 -> 吨标准煤/元 (x1e-4)."""
    if value is None or unit is None or unit in UNITLESS:
        return value, unit
    parts = unit.split("/")
    if len(parts) > 2:
        return value, unit
    f_num, num = _split_multiplier(parts[0])
    f_den, den = _split_multiplier(parts[1]) if len(parts) == 2 else (1.0, None)
    factor = f_num / f_den
    base = num if den is None else f"{num}/{den}"
    return (value * factor if factor != 1.0 else value), base

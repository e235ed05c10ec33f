"""The value grammar: how plans, their reviews and statistical communiqués print a value in a table cell.

`parse_value("≧42")` -> value 42, comparator `>=`. Full-width digits and punctuation read as
their ASCII forms (`１２．５％`), spaces inside a number are dropped (`1 200`). The forms:

    number        157.9  -0.42  48,510  －2.6  1 200   Chinese numerals: 一万  两千  三成  百分之八
    unit          8%  1.7个百分点  3000亿元  1.2万  3.5亿  1.5万亿元   (a unit printed in the cell wins over
                  the row's; a bare multiplier, 1.2万, multiplies the row's unit: 万 + 人 -> 万人)
    comparator    ≧42 ≥91 不低于 不少于 至少 45以上 (>=)   ＞8.5% 高于 超过 (>)   ＜3.5 低于 (<)
                  ≤28 不超过 不高于 控制在 10以下 3以内 (<=)   约5 5左右 (~, approximately)
    range         6-6.5%  6%～6.5%  5—6  3000-3500亿元  5至6  ≥5且≤8
                  (value_low, value_high; value is the midpoint, comparator ~)
    aspiration    力争8%  8%，力争10%  3000亿元以上，力争4000亿元
                  (the firm figure in value, the aspiration in value_stretch; an aspiration alone is both)
    direction     -2.3  下降13.5% (-13.5)  降低到45 降至 (<=)  提高到80 增至 (>=)
    growth words  年均提高 1.7个百分点  年均增长8%  累计下降18%  比上年增长5%
    cumulative    [10]  ［-1.28］  【10000】  〔13.5〕  累计提高5个百分点   (a total over the plan period)
    note marker   95①  8.0*  [3]注2  96¹   (removed from the value, kept in note_ref)
    no value      ''  —  --  -  －  ——  /  …   (value null; the dash kept as the status)
    statement     完成上级下达目标  达到全国平均水平  基本消除  2018年后，不再列入统计   (status_text)
                  and a statement with one number in it, 完成省下达目标（≥8%）: the number and the text
    ratio         5.7：43.5：50.8   (a structure: several numbers, kept as a statement)

Anything else is `unknown`: the text is kept, the value left null, never guessed.

Units: `to_base` turns a value in a printed unit into base units (亿元 -> 元 x1e8, 吨标准煤/万元 ->
吨标准煤/元 x1e-4, 万元/人 -> 元/人, μg/m³ -> 微克/立方米, 岁 -> 年) with the unit table
`pipeline/data/units.csv`; every base unit is one declared there (or a ratio of two).
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass, replace

from pipeline.core.resources import data_file

# ---------------------------------------------------------------- words and signs

COMPARATOR_WORDS = [
    ("不低于", ">="),
    ("不少于", ">="),
    ("不小于", ">="),
    ("至少", ">="),
    ("不高于", "<="),
    ("不超过", "<="),
    ("不多于", "<="),
    ("不大于", "<="),
    ("最多", "<="),
    ("至多", "<="),
    ("控制在", "<="),
    ("控制到", "<="),
    ("大于", ">"),
    ("高于", ">"),
    ("超过", ">"),
    ("多于", ">"),
    ("突破", ">"),
    ("小于", "<"),
    ("低于", "<"),
    ("少于", "<"),
    ("大约", "~"),
    ("约为", "~"),
    ("约", "~"),
    ("接近", "~"),
    ("达到", "="),
    ("达", "="),
    ("实现", "="),
    ("确保", "="),
    ("保持在", "="),
    ("稳定在", "="),
    ("维持在", "="),
    ("保持", "="),
    ("为", "="),
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
    (">", ">"),
    ("<", "<"),
    ("~", "~"),
    ("≈", "~"),
    ("=", "="),
]
SUFFIXES = [
    ("及以上", ">="),
    ("以上", ">="),
    ("及以下", "<="),
    ("以下", "<="),
    ("以内", "<="),
    ("之内", "<="),
    ("左右", "~"),
    ("上下", "~"),
    ("内", "<="),
]
UP_VERBS = ["提高", "提升", "增长", "增加", "上升", "扩大", "增"]
DOWN_VERBS = ["下降", "降低", "减少", "回落", "压减", "削减", "缩小", "压缩", "减", "降"]
# a verb with 到/至 names the level reached, a bound rather than a change: 降低到45 -> <= 45
UP_TO = [v + t for v in ["提高", "提升", "增加", "增长", "上升", "扩大"] for t in "到至"] + ["增至"]
DOWN_TO = [v + t for v in ["降低", "下降", "减少", "压减", "缩小", "压缩", "削减", "回落"] for t in "到至"]
DOWN_TO += ["降至", "减至"]
PERIOD_WORDS = [
    ("年均", "年均"),
    ("年平均", "年均"),
    ("平均每年", "年均"),
    ("每年", "年均"),
    ("比上年", "年均"),
    ("较上年", "年均"),
    ("同比", "年均"),
    ("五年累计", "累计"),
    ("累计", "累计"),
    ("合计", "累计"),
    ("总计", "累计"),
]
ASPIRATION_WORDS = ["力争", "争取", "努力"]
# a year or plan period the value is set against: 比2020年, 到2025年, “十四五”期间
REFERENCE = (
    r"(?:比|较|相比|与|同)?(?:19|20)\d\d年(?:末|底|初)?(?:相比|比)?",
    r"(?:到|至|截至|截止)(?:19|20)\d\d年(?:末|底)?",
    r"[“\"]?十[一二三四五六七八九]五[”\"]?(?:期间|时期)?",
)
PP_SPELLINGS = {"百分点": "个百分点", "pp": "个百分点", "PP": "个百分点"}
NO_VALUE = {"", "—", "--", "-", "－", "——", "―", "－－", "/", "／", "…", "……", "-—", "—-", "无", "/ "}
EMPTY = re.compile(r"[-－—―–/／…\s]+")

MULTIPLIERS = [
    ("万亿", 1e12),
    ("千亿", 1e11),
    ("百亿", 1e10),
    ("十亿", 1e9),
    ("亿", 1e8),
    ("千万", 1e7),
    ("百万", 1e6),
    ("十万", 1e5),
    ("万", 1e4),
    ("千", 1e3),
    ("百", 1e2),
]
CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_POWERS = {"十": 10, "百": 100, "千": 1000}

POPULATION = re.compile(r"^(?:常住|户籍)?人口$")  # 元/户籍人口: a per-person denominator
STATEMENT = re.compile(r"[\u4e00-\u9fff]{2,}")
YEARS = re.compile(r"(19|20)\d\d\s*年")
PLAIN = re.compile(r"-?\d+(?:\.\d+)?")
RATIO = re.compile(r"-?\d+(?:\.\d+)?(?::-?\d+(?:\.\d+)?)+")
DOUBLING = re.compile(r"翻(?P<n>一|两|二|三|四)番")
NOTE_TOKENS = re.compile(
    r"(?P<note>[①-⑳]|[*＊※△▲]+|[¹²³⁴-⁹⁰]+|[（(]?注\s*[0-9０-９①-⑳]*[)）]?|[\[［][0-9０-９]{1,2}[\]］])$"
)


def _alt(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: -len(w)))


_PREFIX_WORDS: dict[str, tuple[str | None, int, str | None, bool]] = {
    # word: (comparator, direction, period, comparator only implied)
    **{w: (c, 0, None, False) for w, c in COMPARATOR_WORDS + COMPARATOR_SIGNS},
    **{w: (None, 1, None, False) for w in UP_VERBS},
    **{w: (None, -1, None, False) for w in DOWN_VERBS},
    **{w: (">=", 0, None, True) for w in UP_TO},
    **{w: ("<=", 0, None, True) for w in DOWN_TO},
    **{w: (None, 0, p, False) for w, p in PERIOD_WORDS},
    # 平均 alone is a level (高于全省平均); before a verb it is a yearly average: 平均增长8%
    **{"平均" + v: (None, 1, "年均", False) for v in UP_VERBS},
    **{"平均" + v: (None, -1, "年均", False) for v in DOWN_VERBS},
}
PREFIX = "|".join([_alt(list(_PREFIX_WORDS)), *REFERENCE])
SIGN = _alt([s for s, _ in COMPARATOR_SIGNS])
SUFFIX = _alt([s for s, _ in SUFFIXES])
DIGITS = r"[-+]?\d+(?:\.\d+)?"
CN_NUMBER = "[零〇一二两三四五六七八九十百千]+"
NUMBER = rf"(?:{DIGITS}|(?:百分之|千分之)?(?:\d+(?:\.\d+)?|{CN_NUMBER}))"
SEPARATOR = r"(?:—{1,2}|[-~〜–至到])"


# ---------------------------------------------------------------- the parse result


@dataclass(frozen=True)
class Parsed:
    """One cell read: what it says, in the unit printed in the cell (if any)."""

    kind: str  # number / statement / empty / unknown
    value: float | None = None
    comparator: str | None = None
    is_cumulative: bool = False
    unit: str | None = None  # the unit printed in the cell itself: %, 个百分点, 亿元, or a bare multiplier (万)
    growth_word: str | None = None  # 年均 / 累计 / None, when the cell says so
    status_text: str | None = None
    value_low: float | None = None
    value_high: float | None = None
    value_stretch: float | None = None
    note_ref: str | None = None
    direction: str | None = None  # up / down: the cell prints a change verb (提高, 下降)


@dataclass(frozen=True)
class TypedCell:
    """Any table cell typed with its unit (cell, column header or row): see `type_cell`."""

    value: float | None
    value_low: float | None
    value_high: float | None
    comparator: str | None
    unit: str | None
    base_value: float | None
    base_unit: str | None
    parse_status: str
    value_stretch: float | None = None
    status_text: str | None = None
    note_ref: str | None = None
    is_cumulative: bool = False


# ---------------------------------------------------------------- units table


@functools.cache
def unit_table() -> dict[str, tuple[str, float]]:
    """Printed unit (NFKC) -> (base unit, factor), from `pipeline/data/units.csv`."""
    with open(data_file("units.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {unicodedata.normalize("NFKC", r["unit"]): (r["base_unit"], float(r["factor"])) for r in rows}


@functools.cache
def base_units() -> frozenset[str]:
    """The declared base units (a base unit may also be a ratio of two of them: 元/人)."""
    return frozenset(base for base, _ in unit_table().values())


def is_declared_base(unit: str | None) -> bool:
    """True when `unit` is a declared base unit or a ratio of two (`吨标准煤/元`); None is a pure number."""
    return unit is None or all(part in base_units() for part in unit.split("/"))


@functools.cache
def unit_pattern() -> str:
    """A regex for a unit printed after a number: a known unit, a ratio of two, or a bare multiplier."""
    known = _alt(list(unit_table()))
    mult = _alt([m for m, _ in MULTIPLIERS])
    one = rf"(?:(?:{mult})?(?:{known}))"
    return rf"(?:{one}(?:/{one})?|{mult})"


def canonical_unit(unit: str | None) -> str | None:
    """`％` -> `%`, `微克/立 方米` -> `微克/立方米`; full-width ASCII forms folded, spaces dropped."""
    if unit is None:
        return None
    u = re.sub(r"\s+", "", unit)
    u = "".join(unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e" else ch for ch in u)
    return u or None


UNIT_WORDS = ["美元", "元", "人次", "人", "亩", "件", "斤", "吨", "户", "套", "个", "家", "张", "平方", "立方", "公里"]
UNIT_WORDS += ["公顷", "千瓦", "床", "辆", "项", "座", "所", "台", "标箱", "米", "年", "岁", "天", "小时", "倍"]
UNIT_WORDS += ["微克", "毫克", "克", "分贝", "度", "标准"]
UNIT_LIKE = re.compile(
    r"^(?:[%％‰]|个百分点|(?:万|亿|千|百万|十万|千万)?(?:" + "|".join(UNIT_WORDS) + r")[^，,。；]{0,10})$"
)


def unit_from_name(name: str) -> str | None:
    """The unit printed as the name's trailing `（…）`, when it reads as a unit (not `（AQI）` or `（常住人口）`)."""
    m = re.search(r"[（(]([^（）()]{1,16})[）)]\s*$", name or "")
    if not m:
        return None
    inner = re.sub(r"\s+", "", m.group(1))
    return m.group(1).strip() if UNIT_LIKE.match(inner) or _base_part(inner) else None


def _base_part(part: str) -> tuple[float, str] | None:
    """One side of a unit -> (factor, base): 亿元 -> (1e8, 元), 千米 -> (1, 公里), 万 -> (1e4, '')."""
    table = unit_table()
    if part in table:
        base, factor = table[part]
        return factor, base
    for prefix, mult in MULTIPLIERS:
        if part.startswith(prefix):
            rest = part[len(prefix) :]
            inner = _base_part(rest) if rest else (1.0, "")
            if inner is not None:
                return mult * inner[0], inner[1]
    return None


@functools.cache
def base_of(unit: str) -> tuple[float, str | None] | None:
    """(factor, base unit) of a printed unit, or None when the unit is not declared in `units.csv`."""
    u = unicodedata.normalize("NFKC", re.sub(r"\s+", "", unit))
    u = re.sub(r"\([^()]*\)", "", u) or u
    parts = u.split("/")
    if len(parts) > 2:
        return None
    if len(parts) == 2:
        parts[1] = POPULATION.sub("人", parts[1])
    sides = [_base_part(p) for p in parts]
    if any(s is None for s in sides):
        return None
    num = sides[0]
    assert num is not None
    if len(sides) == 1:
        return num[0], num[1] or None
    den = sides[1]
    assert den is not None
    if not num[1] or not den[1]:
        return None
    return num[0] / den[0], f"{num[1]}/{den[1]}"


def to_base(value: float | None, unit: str | None) -> tuple[float | None, str | None]:
    """Apply the unit's multiplier: 亿元 -> 元 (x1e8), 万人 -> 人, 吨标准煤/万元 -> 吨标准煤/元 (x1e-4).

    No unit: the value as it is. A unit not declared in `units.csv`: (None, None)."""
    if unit is None:
        return value, None
    found = base_of(unit)
    if found is None:
        return None, None
    factor, base = found
    if value is None or factor == 1.0:
        return value, base
    return value * factor, base


def combine_unit(cell_unit: str | None, outer_unit: str | None) -> str | None:
    """The value's unit: a unit printed in the cell wins; a bare multiplier (`万`) is put before the outer unit."""
    if cell_unit and any(cell_unit == m for m, _ in MULTIPLIERS):
        return cell_unit + (outer_unit or "")
    return cell_unit or outer_unit


# ---------------------------------------------------------------- text normalisation


def canonical_text(text: str) -> str:
    """Collapse whitespace (plans break cells over lines) but keep the characters as printed."""
    return re.sub(r"\s+", " ", (text or "").strip())


def split_note(text: str) -> tuple[str, str | None]:
    """(text without trailing note markers, the markers as printed): `95①` -> (`95`, `①`)."""
    notes: list[str] = []
    body = text.rstrip()
    while True:
        m = NOTE_TOKENS.search(body)
        if not m or m.start() == 0:
            break
        token, before = m.group("note"), body[: m.start()].rstrip()
        if token[0] in "[［¹²³⁴⁵⁶⁷⁸⁹⁰" and not re.search(r"[\d%％\]］）)]$", before):
            break  # [3] alone is a cumulative value; m³ is a unit
        notes.insert(0, token)
        body = before
    return body, ("".join(notes) or None)


def normalise_number_text(text: str) -> str:
    """Full-width forms to ASCII, one bracket style, thousands separators and spaces dropped."""
    t = unicodedata.normalize("NFKC", text)
    t = t.replace("−", "-").replace("﹣", "-").replace("～", "~")
    t = re.sub(r"[【〔〖\[]", "[", t)
    t = re.sub(r"[】〕〗\]]", "]", t)
    t = re.sub(r"(?<=\d)[ \u00a0\u2009](?=\d{3}(?!\d))", "", t)
    t = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", t)
    t = re.sub(r"\s+", "", t)
    # a figure wholly in parentheses, (8), is a period total like [8] (plans that print totals so say in their note)
    return re.sub(r"^\(([^()]*\d[^()]*)\)$", r"[\1]", t)


def cn_int(s: str) -> int | None:
    """A Chinese numeral up to the thousands: 两千 -> 2000, 一百零五 -> 105, 十五 -> 15; else None."""
    total, digit, last_power = 0, None, 10**6
    for ch in s:
        if ch in CN_POWERS:
            power = CN_POWERS[ch]
            if power >= last_power:
                return None
            total += (1 if digit is None else digit) * power
            digit, last_power = None, power
        elif ch in "零〇":
            if digit is not None:
                return None
        elif digit is not None:
            return None
        else:
            digit = CN_DIGITS[ch]
    return total + (digit or 0) if s else None


def number_of(token: str) -> tuple[float, str | None] | None:
    """(value, unit the numeral itself carries) for a printed number: 12.5, 两千, 百分之八 (8, %)."""
    unit = None
    for prefix, u in (("百分之", "%"), ("千分之", "‰")):
        if token.startswith(prefix):
            token, unit = token[len(prefix) :], u
    if re.fullmatch(DIGITS, token):
        return float(token), unit
    n = cn_int(token) if re.fullmatch(CN_NUMBER, token) else None
    return (float(n), unit) if n is not None else None


# ---------------------------------------------------------------- the core: one printed figure


@functools.cache
def _core() -> re.Pattern[str]:
    unit = unit_pattern()
    return re.compile(
        rf"^(?P<pre>(?:{PREFIX})*)(?P<open>\[)?(?P<pre2>(?:{PREFIX})*)"
        rf"(?P<num>{NUMBER})(?P<u1>{unit})?"
        rf"(?:(?P<sep>{SEPARATOR})(?P<num2>{NUMBER})(?P<u2>{unit})?)?"
        rf"(?P<close>\])?(?P<u3>{unit})?(?P<suf>{SUFFIX})?$"
    )


@dataclass(frozen=True)
class _Words:
    explicit: tuple[str, ...]  # comparators printed: signs, 不低于, 以上
    implied: tuple[str, ...]  # comparators a verb implies: 降低到 -> <=
    direction: int
    period: str | None


def _words(prefix: str, suffix: str | None) -> _Words:
    explicit: list[str] = []
    implied: list[str] = []
    direction, period = 0, None
    for tok in re.findall(PREFIX, prefix):
        cmp, sign, per, is_implied = _PREFIX_WORDS.get(tok, (None, 0, None, False))
        if cmp:
            (implied if is_implied else explicit).append(cmp)
        direction = sign or direction
        period = per or period
    if suffix:
        explicit.append(dict(SUFFIXES)[suffix])
    return _Words(tuple(explicit), tuple(implied), direction, period)


def _comparator(words: _Words, is_range: bool) -> str | None:
    """The one comparator the words make, `=` when none; None when they contradict each other."""
    explicit = {c for c in words.explicit if c != "="}
    if len(explicit) == 2 and "~" in explicit:
        explicit.discard("~")
    if len(explicit) > 1:
        return None
    if explicit:
        return explicit.pop()
    if is_range:
        return "~"
    return words.implied[0] if words.implied else "="


def cell_unit(unit: str) -> str | None:
    """A unit as printed in a cell, cleaned; the spellings of percentage points made one (百分点, pp -> 个百分点)."""
    u = canonical_unit(unit)
    return PP_SPELLINGS.get(u or "", u)


def _units(m: re.Match[str], *numeral_units: str | None) -> tuple[bool, str | None]:
    """(agree, the unit printed in the cell): agree is False when two printed units differ."""
    units = {cell_unit(u) for u in (m["u1"], m["u2"], m["u3"], *numeral_units) if u}
    if len(units) > 1:
        return False, None
    return True, (units.pop() if units else None)


def _is_year(value: float, unit: str | None, text: str) -> bool:
    return unit == "年" and value.is_integer() and 1900 <= value <= 2100 and "." not in text


def _signed(value: float, direction: int) -> float:
    return -abs(value) if direction < 0 else value


def _read_core(text: str) -> Parsed | None:
    m = _core().match(text)
    if not m or bool(m["open"]) != bool(m["close"]):
        return None
    first = number_of(m["num"])
    second = number_of(m["num2"]) if m["num2"] else None
    if first is None or (m["num2"] and second is None):
        return None
    agree, unit = _units(m, first[1], second[1] if second else None)
    if not agree or _is_year(first[0], unit, m["num"]):
        return None
    words = _words(m["pre"] + m["pre2"], m["suf"])
    comparator = _comparator(words, second is not None)
    if comparator is None:
        return None
    low = _signed(first[0], words.direction)
    high = _signed(second[0], words.direction) if second else low
    low, high = min(low, high), max(low, high)
    return Parsed(
        kind="number",
        value=(low + high) / 2 if second else low,
        comparator=comparator,
        is_cumulative=bool(m["open"]) or words.period == "累计",
        unit=unit,
        growth_word=words.period,
        value_low=low if second else None,
        value_high=high if second else None,
        direction={1: "up", -1: "down"}.get(words.direction),
    )


# ---------------------------------------------------------------- readers for the other forms


def _read_aspiration(text: str, raw: str) -> Parsed | None:
    """`8%，力争10%`, `力争8%`, `3000亿元以上，力争4000亿元`: firm figure and aspiration."""
    m = re.fullmatch(rf"(?P<firm>.*?)[,;、]?\(?(?:{_alt(ASPIRATION_WORDS)})(?P<aim>[^()]+)\)?", text)
    if not m:
        return None
    aim = _read_core(m["aim"])
    firm = _read_core(m["firm"]) if m["firm"] else None
    if aim is None or aim.value is None:
        return None
    if firm is not None and firm.direction == "down" and aim.direction is None:
        aim = replace(aim, value=-abs(aim.value))
    if firm is None or firm.value is None:
        status = raw if m["firm"] else None
        return replace(aim, value_stretch=aim.value, status_text=status)
    if firm.unit and aim.unit and canonical_unit(firm.unit) != canonical_unit(aim.unit):
        return None
    return replace(firm, unit=firm.unit or aim.unit, value_stretch=aim.value)


def _read_bounds(text: str) -> Parsed | None:
    """`≥5且≤8`, `不低于5%、不高于8%`: a lower and an upper bound make a range."""
    m = re.fullmatch(r"(?P<a>.+?)(?:且|并且|,|、|;)(?P<b>.+)", text)
    parts = [_read_core(m["a"]), _read_core(m["b"])] if m else []
    if len(parts) != 2 or any(p is None or p.value is None for p in parts):
        return None
    lower = [p for p in parts if p is not None and p.comparator in (">", ">=")]
    upper = [p for p in parts if p is not None and p.comparator in ("<", "<=")]
    if len(lower) != 1 or len(upper) != 1:
        return None
    lo, hi = lower[0], upper[0]
    assert lo.value is not None and hi.value is not None
    return replace(
        lo,
        value=(lo.value + hi.value) / 2,
        value_low=lo.value,
        value_high=hi.value,
        comparator="~",
        unit=lo.unit or hi.unit,
    )


@functools.cache
def _embedded() -> re.Pattern[str]:
    return re.compile(
        rf"(?<![A-Za-z0-9.])(?:{PREFIX})*\[?{DIGITS}(?:{SEPARATOR}{DIGITS})?\]?(?:{unit_pattern()})?"
        rf"(?:{SUFFIX})?(?![A-Za-z0-9.])"
    )


def _read_statement_number(text: str, raw: str) -> Parsed | None:
    """A statement with one number in it: `完成省下达目标（≥8%）`, `高于全省平均1个百分点`."""
    if not STATEMENT.search(text):
        return None
    spans = []
    for m in _embedded().finditer(text):
        p = _read_core(m.group(0))
        if p is not None and p.value is not None:
            spans.append(p)
    if len(spans) == 1:
        return replace(spans[0], status_text=raw)
    d = DOUBLING.search(text)
    if not spans and d and not re.search(r"\d", YEARS.sub("", text)):
        n = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4}[d["n"]]
        return Parsed(kind="number", value=float(2**n), comparator="=", unit="倍", status_text=raw)
    return None


def _read_plain(text: str, raw: str) -> Parsed | None:
    """A ratio of several numbers, or a statement (words beyond numbers and their units): kept as text."""
    words = re.sub(rf"[-+]?\d[\d.]*(?:{unit_pattern()})?", "", text)
    if RATIO.fullmatch(text) or STATEMENT.search(words) or re.fullmatch(r"(?:19|20)\d\d年[\u4e00-\u9fff]?", text):
        return Parsed(kind="statement", status_text=raw)
    return None


def parse_value(text: str | None) -> Parsed:
    """Read one cell as printed; see the module's docstring for the forms."""
    raw = canonical_text(text or "")
    if raw in NO_VALUE or EMPTY.fullmatch(raw or "-"):
        return Parsed(kind="empty", status_text=raw or None)
    if PLAIN.fullmatch(raw):  # most cells: a bare figure
        return Parsed(kind="number", value=float(raw), comparator="=")
    body, note = split_note(raw)
    t = normalise_number_text(body)
    p = (
        _read_core(t)
        or _read_aspiration(t, body)
        or _read_bounds(t)
        or _read_statement_number(t, body)
        or _read_plain(t, body)
        or Parsed(kind="unknown")
    )
    return replace(p, note_ref=note) if note else p


# ---------------------------------------------------------------- any table cell


def header_unit(column: str | None) -> str | None:
    """The unit a column header prints in its last `（…）`: `产量（万吨）` -> 万吨, `比上年增长(%)` -> %."""
    leaf = re.sub(r"\s+", "", (column or "").split("/")[-1])
    return canonical_unit(unit_from_name(leaf))


def type_cell(text: str | None, row_unit: str | None = None, column: str | None = None) -> TypedCell:
    """Type any table cell: its text, with the unit from the cell, else the column header, else the row.

    `type_cell("133.77", None, "产量（万吨）")` -> value 133.77, unit 万吨, base_value 1337700, base_unit 吨."""
    p = parse_value(text)
    outer = header_unit(column) or canonical_unit(row_unit)
    unit = combine_unit(p.unit, outer) if p.kind == "number" else outer
    base_value, base_unit = to_base(p.value, unit)
    return TypedCell(
        value=p.value,
        value_low=p.value_low,
        value_high=p.value_high,
        comparator=p.comparator,
        unit=unit,
        base_value=base_value,
        base_unit=base_unit,
        parse_status=p.kind,
        value_stretch=p.value_stretch,
        status_text=p.status_text,
        note_ref=p.note_ref,
        is_cumulative=p.is_cumulative,
    )

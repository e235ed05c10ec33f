"""Canonical indicator keys: a plan's indicator names -> keys shared across plans (`gdp`, `urbanisation_rate`, …).

The crosswalk `pipeline/data/indicator_crosswalk.csv` lists, per key, its canonical name and
the synonyms seen across plans and statistical communiqués (`key,name,kind,domain`). Names
are compared in a matching form: NFKC, no whitespace, no `其中` or `#`, the child of a
two-level name (`主要污染物排放：化学需氧量` -> `化学需氧量`), no parenthesised parts (units,
`(GDP)`, `（助理）`), no level prefix (全市, 区级, 地方), and the notation's synonyms made one
(地区生产总值/生产总值 -> GDP, 能源消耗 -> 能耗, 研究与试验发展/R&D -> 研发, 下降/降幅 -> 降低,
每千人口 -> 每千人, a trailing 降低到 dropped).

A name is `exact` when its form is the key's canonical name's, `synonym` when it is another
listed name's, `fuzzy` when the closest listed form is at least as similar as the threshold
(rapidfuzz ratio / 100; the values stage's setting `fuzzy_threshold`) and the two agree on every
contrast word (城镇 vs 农村, 调查 vs 登记, 收入 vs 支出, a growth vs a level, …), else `none`; the
closest form under the threshold (from `near_miss`) is kept as a near miss for the report.
"""

from __future__ import annotations

import csv
import functools
import re
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from rapidfuzz import fuzz, process

from pipeline.core.resources import data_file
from pipeline.settings import settings_for

CROSSWALK = data_file("indicator_crosswalk.csv")
MATCH_KINDS = ("exact", "synonym", "fuzzy", "none")


class MatchSettings(Protocol):
    """How names are matched: the values stage's settings (`pipeline.enrich.values.ValuesSettings`)."""

    @property
    def fuzzy_threshold(self) -> float: ...  # similarity (0-1) from which the closest listed name gives its key
    @property
    def near_miss(self) -> float: ...  # similarity (0-1) from which a closer name is reported as a near miss
    @property
    def min_fuzzy_length(self) -> int: ...  # forms shorter than this are matched exactly only
    def __hash__(self) -> int: ...  # frozen, so that matches are cached per settings


def _settings(settings: MatchSettings | None) -> MatchSettings:
    found: MatchSettings = settings if settings is not None else settings_for("values")
    return found


NAME_MATCHING = tomllib.loads(data_file("name_matching.toml").read_text(encoding="utf-8"))
LEVEL_PREFIX = re.compile(NAME_MATCHING["level_prefix"])
TOKEN_SYNONYMS = [(re.compile(pattern), repl) for pattern, repl in NAME_MATCHING["synonyms"]]
TRAILING_TO = re.compile(NAME_MATCHING["trailing_to"])
CONTRASTS = [re.compile(pattern) for pattern in NAME_MATCHING["contrasts"]]  # words two names must share or both lack
NUMBERS = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class KeyMatch:
    """An indicator name matched against the crosswalk."""

    name: str
    form: str  # the matching form compared
    key: str | None
    how: str  # exact / synonym / fuzzy / none
    score: float  # similarity 0-1: 1 for exact and synonym; the closest form's rapidfuzz ratio / 100 otherwise
    nearest_name: str | None = None  # the closest listed form (taken when fuzzy; a near miss when none)
    nearest_key: str | None = None


def normalise_name(name: str | None) -> str:
    """NFKC, no whitespace, the child of a two-level name, no `其中`/`#`, no parenthesised parts, upper case."""
    n = unicodedata.normalize("NFKC", name or "")
    n = re.sub(r"\s+", "", n)
    n = n.split("：")[-1].split(":")[-1]
    n = re.sub(r"^(?:#|其中)+", "", n)
    prev = None
    while prev != n:
        prev, n = n, re.sub(r"\([^()]*\)", "", n)
    return n.replace("“", "").replace("”", "").replace("·", "").upper()


def match_form(name: str | None) -> str:
    """The form names are matched in: `normalise_name`, level prefix dropped, notation synonyms made one."""
    n = LEVEL_PREFIX.sub("", normalise_name(name))
    for pattern, repl in TOKEN_SYNONYMS:
        n = pattern.sub(repl, n)
    return TRAILING_TO.sub("", n) or normalise_name(name)


@functools.cache
def crosswalk_rows() -> tuple[dict[str, str], ...]:
    with open(CROSSWALK, newline="", encoding="utf-8") as f:
        return tuple(dict(r) for r in csv.DictReader(f))


@functools.cache
def forms() -> dict[str, tuple[str, str]]:
    """Matching form -> (key, `exact` | `synonym`), from the crosswalk."""
    out: dict[str, tuple[str, str]] = {}
    for r in crosswalk_rows():
        form = match_form(r["name"])
        how = "exact" if r["kind"] == "canonical" else "synonym"
        if form not in out or how == "exact":
            out[form] = (r["key"], how)
    return out


def synonyms() -> dict[str, str]:
    """Matching form -> key (kept for callers of the earlier crosswalk)."""
    return {form: key for form, (key, _) in forms().items()}


def contrasts_agree(a: str, b: str) -> bool:
    """True when two forms share every contrast word they carry (城镇/农村, 收入/支出, a growth/a level, …)."""
    if set(NUMBERS.findall(a)) != set(NUMBERS.findall(b)):
        return False
    return all(bool(c.search(a)) == bool(c.search(b)) for c in CONTRASTS)


def _nearest(form: str, settings: MatchSettings) -> tuple[str, float] | None:
    """The closest listed form that agrees on the contrast words, with its similarity, from the near-miss floor."""
    table = forms()
    floor = settings.near_miss * 100
    found = process.extract(form, list(table), scorer=fuzz.ratio, limit=10, score_cutoff=floor)
    for cand, score, _ in found:
        if contrasts_agree(form, cand):
            return cand, float(score) / 100
    return None


@functools.lru_cache(maxsize=4096)
def match_key(name: str, settings: MatchSettings | None = None) -> KeyMatch:
    """The key of an indicator name, how it was found, and the closest listed name (active settings by default)."""
    s = _settings(settings)
    form = match_form(name)
    table = forms()
    if form in table:
        key, how = table[form]
        return KeyMatch(name, form, key, how, 1.0, form, key)
    near = _nearest(form, s) if len(form) >= s.min_fuzzy_length else None
    if near is None:
        return KeyMatch(name, form, None, "none", 0.0)
    cand, score = near
    key = table[cand][0]
    if score >= s.fuzzy_threshold:
        return KeyMatch(name, form, key, "fuzzy", score, cand, key)
    return KeyMatch(name, form, None, "none", score, cand, key)


def match(name: str) -> tuple[str | None, str | None]:
    """(key, `exact` | `similar`) or (None, None): the earlier interface (`similar` is a fuzzy match)."""
    m = match_key(name)
    if m.key is None:
        return None, None
    return m.key, ("similar" if m.how == "fuzzy" else "exact")


# ---------------------------------------------------------------- names without a key, across plans


@dataclass(frozen=True)
class Unmatched:
    """An indicator name no key matches, with how often it occurs and its closest listed name."""

    name: str
    form: str
    rows: int  # indicator rows printing it (distinct plan, table, row), or value rows when those are absent
    plans: tuple[str, ...]
    nearest_name: str | None
    nearest_key: str | None
    score: float


def unmatched_indicators(rows: Iterable[Mapping[str, Any]], settings: MatchSettings | None = None) -> list[Unmatched]:
    """Names in `indicator_values` rows (any plans) that no crosswalk key matches, most frequent first.

    Each row needs `indicator`; `plan_id`, `table_id` and `row_no` are used when present. Names are
    matched again with the current crosswalk, so synonyms added since the extraction count."""
    seen: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
    plans: dict[str, set[str]] = defaultdict(set)
    for i, r in enumerate(rows):
        name = str(r["indicator"])
        plan = r.get("plan_id")
        ident = (plan, r.get("table_id"), r.get("row_no")) if r.get("row_no") is not None else (i,)
        seen[name].add(ident)
        if plan is not None:
            plans[name].add(str(plan))
    out = []
    for name, idents in seen.items():
        m = match_key(name, _settings(settings))
        if m.key is None:
            out.append(
                Unmatched(name, m.form, len(idents), tuple(sorted(plans[name])), m.nearest_name, m.nearest_key, m.score)
            )
    return sorted(out, key=lambda u: (-u.rows, u.name))


def format_unmatched(items: Iterable[Unmatched]) -> str:
    """One line per name: rows, name, plans, and the near miss when there is one (tab-separated)."""
    lines = []
    for u in items:
        near = f"{u.nearest_key} ({u.nearest_name}, {u.score:.2f})" if u.nearest_key else ""
        lines.append(f"{u.rows}\t{u.name}\t{','.join(u.plans)}\t{near}")
    return "\n".join(lines)

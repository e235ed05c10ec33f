"""Stage 4, tables: grid and three-line regions -> indicator tables and every value cell.

A table is read in four steps, each from geometry:
1. fragments: each printed line inside the region, cut where a vertical ruling or a
   wide gap separates cells, or (without verticals) before a figure that a long name runs
   into and that lines up with the other figures of its column;
2. header: the top lines set apart (bold, or made of header words such as 年, 目标,
   预期, 完成, 增速) down to the ruling under them; header cells from the rulings (or
   from alignment in a three-line table) give each value column its path (`规划目标/2020年`);
3. rows: the rulings that cross the name column (or, without rulings, the lines that
   carry values) delimit logical rows, so sub-rows and two-level names are rows of their own;
4. cells: slots (row x atomic column) join into merged cells where no ruling parts them:
   first down each column, then across columns between runs of equal height, never
   joining two different texts, save the lines of one cell wrapping across a row boundary
   that the other columns rule. A merged cell's text goes to every slot it covers.
Pages are stitched: a repeated header is recognised and skipped, a merged cell left
open at the foot of a page carries on into the next page, and the category and 序号
are filled down onto rows whose merged cell was printed on an earlier page.
Thresholds are `TablesSettings`, relative to the layout's `Measures`.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from pipeline.core.geometry import Band, Centered, UnionFind, cluster_means, group_lines, split_on_gaps
from pipeline.core.text import chars_to_text, join_lines
from pipeline.enrich.grammar import type_cell
from pipeline.layout.layout import Layout, LayoutSettings, Measures, Region, box_conf, is_bold, lines_text
from pipeline.pdf.model import Char, Seg
from pipeline.settings import StageSettings, settings_for

log = logging.getLogger(__name__)

Row = dict[str, Any]

HEADER_WORDS = re.compile(
    r"年|目标|预期|完成|增速|增长|增幅|指标|名称|序号|编号|类别|单位|属性|规划|情况|基[数期]|现状|"
    r"实际|累计|年均|平均|备注|领域|分类|类型|项目|数值|值|速|率|计划|预计|末|期"
)
VALUE_LIKE = re.compile(r"^[\[［【(（]?\s*[-－—–+＋≥≧≤≦＞＜><~～约]*\s*\d[\d.,，]*\s*[%％]?\s*[\]］】)）]?$")
MEASURE = re.compile(r"(19|20)\d\d|目标|预期|完成|增速|增长|增幅|基[数期]|现状|实际|年均|累计")
BARE_YEAR = re.compile(r"(19|20)\d\d(年)?")  # a header such as `2015年` (a figure that is not a value)
PLAN_MEASURE = re.compile(r"(19|20)\d\d|目标|预期|规划|完成情况|实际")
REVIEW = re.compile(r"完成情况|执行情况|实现情况|完成值|^完成|/完成|\|完成")
SUB_ROW = re.compile(r"^\s*其中")
CONTINUED = re.compile(r"^\s*续\s*表|[（(]\s*续\s*[）)]\s*$")  # a caption saying the table goes on: 续表, 表2（续）

# role of a column, from the words of its header leaf; the first that matches wins
ROLE_PATTERNS = {
    "attribute": re.compile(r"属性"),
    "remark": re.compile(r"^(备注|说明|注)$"),
    "unit": re.compile(r"^(计量)?单位$|^单位"),
    "seq": re.compile(r"^(序号|编号|序|号)$"),
    "category": re.compile(r"类别|领域|分类|类型|方面|一级指标|^类$"),
    "name": re.compile(r"名称|二级指标|三级指标|指标|项目|内容"),
}

OUTPUT_ROLES = ("value", "attribute", "remark")  # columns whose cells are output, one per row


class TablesSettings(StageSettings, stage="tables"):
    """The tables stage's thresholds (declared, with their units and ranges, in pipeline/data/settings.toml)."""


@dataclass(frozen=True, slots=True)
class Context:
    """What a table is read with: this stage's settings, the layout's, and the measures that turn them into points."""

    cfg: TablesSettings
    layout: LayoutSettings
    m: Measures

    def pt(self, value: float) -> float:
        """A body-relative setting in points."""
        return value * self.m.body


@dataclass(eq=False)
class Frag(Centered):
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    bold: bool
    size: float


@dataclass
class Col:
    x0: float
    x1: float
    path: str
    role: str
    stub: bool = False  # a name column found by position (the header names no name column)


@dataclass
class PageTable:
    """One table region on one page, cut into rows (ys) and atomic columns (xs), its slots merged into cells."""

    reg: Region
    page: int
    columns: list[Col]
    xs: list[float]
    ys: list[float]
    slots: dict[tuple[int, int], Cell]
    ruling: str = "grid"
    repeated_header: bool = False  # the header printed again over this page's part of a continued table

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1


# ---------------------------------------------------------------- geometry helpers


def coverage(segs: list[Seg], orient: str, pos: float, a: float, b: float, tol: float) -> float:
    """Share of [a, b] covered by rulings of `orient` lying within `tol` of `pos`."""
    if b <= a:
        return 1.0
    spans = []
    for s in segs:
        if s.orient != orient:
            continue
        if orient == "h" and abs(s.top - pos) <= tol:
            spans.append((max(a, s.x0), min(b, s.x1)))
        elif orient == "v" and abs(s.x0 - pos) <= tol:
            spans.append((max(a, s.top), min(b, s.bottom)))
    covered = 0.0
    cur: tuple[float, float] | None = None
    for lo, hi in sorted((lo, hi) for lo, hi in spans if hi > lo):
        if cur is None or lo > cur[1]:
            if cur is not None:
                covered += cur[1] - cur[0]
            cur = (lo, hi)
        else:
            cur = (cur[0], max(cur[1], hi))
    if cur is not None:
        covered += cur[1] - cur[0]
    return covered / (b - a)


def _segs(reg: Region, orient: str) -> list[Seg]:
    return [s for s in reg.segs if s.orient == orient]


def region_fragments(reg: Region, ctx: Context) -> list[Frag]:
    """Each printed line of the region cut into cell fragments at vertical rulings and at gaps.

    Without vertical rulings (three-line tables) a gap of about a character parts two cells."""
    vsegs = _segs(reg, "v")
    factor = ctx.cfg.cell_gap_ruled if vsegs else ctx.cfg.cell_gap_open
    slack = ctx.pt(ctx.cfg.edge_slack)
    frags = []
    for ln in reg.lines:
        for piece in split_on_gaps(ln.chars, factor, None if vsegs else ctx.layout.figure_gap):
            cur: list[Char] = []
            for ch in piece:
                if cur and any(
                    cur[-1].x1 - slack <= s.x0 <= ch.x0 + slack and s.top <= ch.cy <= s.bottom for s in vsegs
                ):
                    frags.append(make_frag(cur, ctx))
                    cur = []
                cur.append(ch)
            if cur:
                frags.append(make_frag(cur, ctx))
    return frags


def make_frag(chars: list[Char], ctx: Context) -> Frag:
    vis = [c for c in chars if not c.text.isspace()] or chars
    return Frag(
        text=chars_to_text(chars, ctx.layout.space_gap),
        x0=min(c.x0 for c in vis),
        top=min(c.top for c in vis),
        x1=max(c.x1 for c in vis),
        bottom=max(c.bottom for c in vis),
        bold=is_bold(vis, ctx.layout.bold_share),
        size=max(c.size for c in vis),
    )


def frag_lines(frags: list[Frag], ctx: Context) -> list[list[Frag]]:
    """Fragments grouped into printed lines (vertical overlap), each left to right."""
    share = ctx.cfg.frag_overlap

    def joins(b: Band, f: Frag) -> bool:
        return f.top < b.bottom - share * f.size

    return [sorted(ln, key=lambda f: f.x0) for ln in group_lines(frags, joins, 1)]


# ---------------------------------------------------------------- header


def is_header_fragment(f: Frag) -> bool:
    t = re.sub(r"\s+", "", f.text)
    if not t:
        return False
    if BARE_YEAR.fullmatch(t):
        return True
    if VALUE_LIKE.match(t):
        return False
    return bool(HEADER_WORDS.search(t)) and not re.search(r"\d+\.\d", t)


def header_lines(lines: list[list[Frag]]) -> tuple[list[Frag] | None, list[Frag] | None]:
    """(the last header line, the first line below the header): header lines are bold in a table whose
    body is not, else made of header words."""
    bold_table = all(f.bold for f in lines[0]) and not all(f.bold for ln in lines for f in ln)
    last = None
    for ln in lines:
        if all(f.bold for f in ln) if bold_table else all(is_header_fragment(f) for f in ln):
            last = ln
        else:
            return last, ln
    return last, None


def shaded_header_foot(reg: Region, ctx: Context) -> float | None:
    """The foot of a shaded band across the top of the table (a header drawn as fills), else None."""
    tol = ctx.pt(ctx.cfg.rule_tol)
    width, height = reg.x1 - reg.x0, reg.bottom - reg.top
    band = [f for f in reg.fills if abs(f.top - reg.top) <= tol and f.bottom - f.top < ctx.cfg.header_band_max * height]
    if sum(f.x1 - f.x0 for f in band) < ctx.cfg.full_rule_cover * width:
        return None
    return max(f.bottom for f in band)


def full_rule_foot(frags: list[Frag], reg: Region, ctx: Context) -> float | None:
    """The first ruling inside the table that crosses all of it, with text above it and below it: in a grid
    with merged cells, a three-line table or a table ruled only in its header, the header ends there."""
    tol = ctx.pt(ctx.cfg.rule_tol)
    hsegs = _segs(reg, "h")
    ys = cluster_means([s.top for s in hsegs if reg.top + tol < s.top < reg.bottom - tol], ctx.pt(ctx.cfg.boundary_tol))
    for y in ys:
        if coverage(hsegs, "h", y, reg.x0, reg.x1, tol) < ctx.cfg.full_rule_cover:
            continue
        if any(f.cy < y for f in frags) and any(f.cy > y for f in frags):
            return y
    return None


def header_foot(frags: list[Frag], reg: Region, ctx: Context) -> float | None:
    """Where the header ends, from geometry: a shaded band, else the first ruling across the whole table;
    else from typography and words (bold header lines, or header words down to a ruling)."""
    shaded = shaded_header_foot(reg, ctx)
    if shaded is not None:
        return shaded
    ruled = full_rule_foot(frags, reg, ctx)
    worded = header_bottom(frags, reg, ctx)
    if ruled is None and worded is None:
        return first_line_foot(frags, ctx)
    if ruled is None or worded is None:
        return ruled if worded is None else worded
    between = [f for f in frags if min(ruled, worded) < f.cy < max(ruled, worded)]
    return min(ruled, worded) if any(is_value(f) for f in between) else max(ruled, worded)


def first_line_foot(frags: list[Frag], ctx: Context) -> float | None:
    """A table with neither rulings nor shading: its first line is the header when it holds no figure and the
    next line does."""
    lines = frag_lines(frags, ctx)
    if len(lines) < 2 or any(is_value(f) for f in lines[0]) or not any(is_value(f) for f in lines[1]):
        return None
    return (max(f.bottom for f in lines[0]) + min(f.top for f in lines[1])) / 2


def is_value(f: Frag) -> bool:
    """A figure printed in a body cell (a bare year is a header's)."""
    t = re.sub(r"\s+", "", f.text)
    return bool(VALUE_LIKE.match(t)) and not BARE_YEAR.fullmatch(t)


def header_bottom(frags: list[Frag], reg: Region, ctx: Context) -> float | None:
    """The y where the header ends: the ruling under the last header line (None: no header)."""
    lines = frag_lines(frags, ctx)
    if not lines:
        return None
    last, nxt = header_lines(lines)
    if last is None:
        return None
    slack = ctx.pt(ctx.cfg.edge_slack)
    lo = max(f.bottom for f in last) - slack
    hi = (min(f.top for f in nxt) + slack) if nxt else reg.bottom
    hsegs = _segs(reg, "h")
    rules = [
        y
        for y in cluster_means([s.top for s in hsegs if lo <= s.top <= hi], ctx.pt(ctx.cfg.boundary_tol))
        if coverage(hsegs, "h", y, reg.x0, reg.x1, ctx.pt(ctx.cfg.rule_tol)) > ctx.cfg.header_rule_cover
    ]
    if rules:
        return min(rules)
    return (lo + slack + hi - slack) / 2 if nxt else None


@dataclass
class HCell:
    x0: float
    x1: float
    top: float
    bottom: float
    text: str


def grid_header_cells(frags: list[Frag], reg: Region, xs: list[float], hb: float, ctx: Context) -> list[HCell]:
    """Header cells: atomic cells of the header joined where no ruling parts them (never two texts side by side)."""
    tol = ctx.pt(ctx.cfg.rule_tol)
    inner = [s.top for s in _segs(reg, "h") if reg.top + tol < s.top < hb - tol]
    ys = cluster_means([reg.top, hb, *inner], ctx.pt(ctx.cfg.boundary_tol))
    slots = merge_slots(reg, xs, ys, frags, ctx, join_texts_down=True)
    cells = []
    for cell in {id(c): c for c in slots.values()}.values():
        cells.append(HCell(xs[cell.c0], xs[cell.c1 + 1], ys[cell.r0], ys[cell.r1 + 1], cell.text))
    return cells


def header_columns(cells: list[HCell], hb: float, ctx: Context) -> list[Col]:
    """Leaf header cells (those reaching the header's foot) with their paths."""
    tol, slack = ctx.pt(ctx.cfg.boundary_tol), ctx.pt(ctx.cfg.col_slack)
    leaves = sorted((c for c in cells if abs(c.bottom - hb) < tol), key=lambda c: c.x0)
    cols = []
    for leaf in leaves:
        mid = (leaf.x0 + leaf.x1) / 2
        above = sorted(
            (
                c
                for c in cells
                if c is not leaf and c.bottom <= leaf.top + tol and c.text and c.x0 - slack <= mid <= c.x1 + slack
            ),
            key=lambda c: c.top,
        )
        parts = [c.text for c in above] + ([leaf.text] if leaf.text else [])
        path = "/".join(re.sub(r"\s+", "", p) for p in parts if p)
        cols.append(Col(leaf.x0, leaf.x1, path, ""))
    # header cells that are empty leaves under a labelled parent keep the parent's path
    return [c for c in cols if c.path]


def assign_roles(cols: list[Col]) -> list[Col]:
    for c in cols:
        leaf = c.path.split("/")[-1]
        c.role = "value"
        if MEASURE.search(c.path) and not re.search(r"属性", c.path):
            continue
        c.role = next((role for role, pat in ROLE_PATTERNS.items() if pat.search(leaf)), "value")
    names = [c for c in cols if c.role == "name"]
    if len(names) > 1:  # 一级指标 / 二级指标: the first is the category unless one is already named so
        for c in names[:-1]:
            if not any(x.role == "category" for x in cols):
                c.role = "category"
    return cols


# ---------------------------------------------------------------- three-line tables


def text_columns(frags: list[Frag], reg: Region, ctx: Context) -> list[tuple[float, float]]:
    """Column bands from the alignment of text: the x ranges that the lines' fragments cover, parted by gutters
    that nearly every line leaves free (a wrapped cell running across one gutter in a few lines does not
    close it)."""
    lines = frag_lines(frags, ctx)
    if not lines or not math.isfinite(reg.x1 - reg.x0) or reg.x1 - reg.x0 > max(ctx.m.page_w, ctx.m.page_h):
        return []  # no page is wider than that: a region drawn off the page (a damaged content stream)
    x0, width = int(reg.x0), int(reg.x1 - reg.x0) + 2
    cover = [0] * width
    for ln in lines:
        hit = [False] * width
        for f in ln:
            for x in range(max(0, int(f.x0) - x0), min(width, int(f.x1) - x0 + 1)):
                hit[x] = True
        cover = [c + h for c, h in zip(cover, hit, strict=True)]
    busy = [c > ctx.cfg.gutter_share * len(lines) for c in cover]
    bands: list[list[float]] = []
    for x, b in enumerate(busy):
        if b and bands and x - bands[-1][1] <= ctx.pt(ctx.cfg.band_gap) + 1:
            bands[-1][1] = x
        elif b:
            bands.append([x, x])
    if not bands:
        return []
    # boundaries halfway between bands, the outer ones at the region's edges
    xs = [reg.x0] + [x0 + (a[1] + b[0]) / 2 for a, b in pairwise(bands)] + [reg.x1]
    return list(pairwise(xs))


def rules_header_columns(frags: list[Frag], bands: list[tuple[float, float]], ctx: Context) -> list[Col]:
    """Header paths of a table without verticals: a header fragment standing over two or more others is a parent
    (`规划目标` over `2020年` and `年均增速`); every other fragment belongs to the column it overlaps most."""
    slack = ctx.pt(ctx.cfg.col_slack)
    parents = [f for f in frags if sum(1 for g in frags if g.top > f.bottom - slack and f.x0 <= g.cx <= f.x1) >= 2]
    leaves: dict[int, list[Frag]] = {}
    for f in frags:
        if f in parents:
            continue
        overlap = [min(f.x1, x1) - max(f.x0, x0) for x0, x1 in bands]
        leaves.setdefault(overlap.index(max(overlap)), []).append(f)
    cols = []
    for k, (x0, x1) in enumerate(bands):
        above = sorted((f for f in parents if f.x0 - slack <= (x0 + x1) / 2 <= f.x1 + slack), key=lambda f: f.top)
        own = join_lines([f.text for f in sorted(leaves.get(k, []), key=lambda f: (round(f.top), f.x0))])
        path = "/".join(re.sub(r"\s+", "", p) for p in [*(f.text for f in above), own] if p)
        cols.append(Col(x0, x1, path, ""))
    return cols


# ---------------------------------------------------------------- body


def row_bounds(reg: Region, frags: list[Frag], cols: list[Col], hb: float, ruled: bool, ctx: Context) -> list[float]:
    """Logical row boundaries: rulings across the name column, or (three-line tables) the lines that
    start a row: a 序号, or values in two columns."""
    name = next(c for c in cols if c.role == "name")
    tol = ctx.pt(ctx.cfg.rule_tol)
    cover = ctx.cfg.row_rule_cover * (name.x1 - name.x0)
    hsegs = [s for s in _segs(reg, "h") if hb + tol < s.top < reg.bottom - tol]
    ys = [s.top for s in hsegs if min(s.x1, name.x1) - max(s.x0, name.x0) >= cover]
    if ruled and ys:
        return cluster_means([hb, *ys, reg.bottom], ctx.pt(ctx.cfg.row_rule_tol))
    return anchored_rows(reg, frags, cols, hb, ctx)


def anchored_rows(reg: Region, frags: list[Frag], cols: list[Col], hb: float, ctx: Context) -> list[float]:
    """Row boundaries for a table without rulings between rows: the lines that start a row (a 序号, or values in
    several columns) anchor the rows; two rows part at the widest white space between their anchors (wrapped
    cells keep their lines close), so cells that are top-aligned and cells centred on their row come out whole."""
    slack = ctx.pt(ctx.cfg.edge_slack)
    lines = frag_lines([f for f in frags if f.top >= hb - slack], ctx)
    seq = [c for c in cols if c.role == "seq"]
    values = [c for c in cols if c.role == "value"]
    need = min(ctx.cfg.row_values, len(values))

    def within(f: Frag, c: Col) -> bool:
        return c.x0 - slack <= f.cx <= c.x1 + slack

    def starts_row(ln: list[Frag]) -> bool:
        if any(within(f, c) for c in seq for f in ln):
            return True
        return sum(any(within(f, c) for c in values) for f in ln) >= need

    anchors = [k for k, ln in enumerate(lines) if starts_row(ln)]
    if not anchors:
        return [hb, reg.bottom]
    bounds = [hb]
    for a, b in pairwise(anchors):
        k = max(range(a + 1, b + 1), key=lambda k: (line_gap(lines, k), -k))
        bounds.append((max(f.bottom for f in lines[k - 1]) + min(f.top for f in lines[k])) / 2)
    bounds.append(reg.bottom)
    return bounds


def line_gap(lines: list[list[Frag]], k: int) -> float:
    """The white space between line k - 1 and line k: the widest gap between two row anchors parts the rows."""
    return min(f.top for f in lines[k]) - max(f.bottom for f in lines[k - 1])


@dataclass(eq=False)
class Cell:
    r0: int
    r1: int
    c0: int
    c1: int
    frags: list[Frag] = field(default_factory=list)

    @property
    def text(self) -> str:
        return join_lines([f.text for f in sorted(self.frags, key=lambda f: (round(f.top), f.x0))])

    def take(self, frags: list[Frag]) -> None:
        self.frags.extend(f for f in frags if f not in self.frags)


Slots = dict[tuple[int, int], Cell]


def frags_by_slot(
    frags: list[Frag], xs: list[float], ys: list[float], ctx: Context
) -> dict[tuple[int, int], list[Frag]]:
    """Each fragment in the first row its centre falls in, and in every column it overlaps enough
    (or, overlapping none enough, the column its centre falls in)."""
    slack = ctx.pt(ctx.cfg.edge_slack)
    n_r, n_c = len(ys) - 1, len(xs) - 1
    out: dict[tuple[int, int], list[Frag]] = {}
    for f in frags:
        rows = [i for i in range(n_r) if ys[i] - slack <= f.cy <= ys[i + 1] + slack][:1]
        cols = [
            j
            for j in range(n_c)
            if min(f.x1, xs[j + 1]) - max(f.x0, xs[j])
            > ctx.cfg.slot_overlap * min(xs[j + 1] - xs[j], f.x1 - f.x0 + slack)
        ]
        if not cols:
            cols = [j for j in range(n_c) if xs[j] <= f.cx <= xs[j + 1]][:1]
        for i in rows:
            for j in cols:
                out.setdefault((i, j), []).append(f)
    return out


def column_runs(
    reg: Region,
    xs: list[float],
    ys: list[float],
    slot_frags: dict[tuple[int, int], list[Frag]],
    ctx: Context,
    join_texts_down: bool,
) -> tuple[list[Cell], Slots]:
    """Slots joined down each atomic column where no ruling parts them (and, unless `join_texts_down`,
    never joining two different texts); each slot's run."""
    hsegs = _segs(reg, "h")
    tol = ctx.pt(ctx.cfg.rule_tol)
    runs: list[Cell] = []
    run_of: Slots = {}
    drawn = ruled_boundaries(reg, xs, ys, ctx)
    for j in range(len(xs) - 1):
        cur: Cell | None = None
        for i in range(len(ys) - 1):
            fr = slot_frags.get((i, j), [])
            open_above = cur is not None and coverage(hsegs, "h", ys[i], xs[j], xs[j + 1], tol) < ctx.cfg.open_edge
            joins = join_texts_down or not _two_texts(cur.frags, fr) if cur is not None else False
            wraps = drawn[i] and _wraps_into(cur.frags, fr, ctx) if cur is not None else False
            if cur is not None and open_above and (joins or wraps):
                cur.r1 = i
                cur.take(fr)
            else:
                cur = Cell(i, i, j, j, list(fr))
                runs.append(cur)
            run_of[(i, j)] = cur
    return runs, run_of


def ruled_boundaries(reg: Region, xs: list[float], ys: list[float], ctx: Context) -> list[bool]:
    """For each row boundary of a grid, whether a ruling draws it across some atomic column: a boundary ruled
    in the other columns and open in one is the edge of a merged cell there (also when that cell fills its
    column on the page, so that the column has no ruling between rows of its own)."""
    if reg.kind != "grid":
        return [False] * len(ys)
    hsegs = _segs(reg, "h")
    tol = ctx.pt(ctx.cfg.rule_tol)

    def drawn(y: float) -> bool:
        return any(coverage(hsegs, "h", y, xs[j], xs[j + 1], tol) >= ctx.cfg.open_edge for j in range(len(xs) - 1))

    return [0 < i < len(ys) - 1 and drawn(y) for i, y in enumerate(ys)]


def _wraps_into(above: list[Frag], below: list[Frag], ctx: Context) -> bool:
    """In a ruled column, text running on from one slot into the next without a ruling between them: a merged
    cell whose lines wrap across the row boundaries it spans (the next line follows at a line's spacing)."""
    if not above or not below:
        return False
    last, first = max(above, key=lambda f: f.bottom), min(below, key=lambda f: f.top)
    return 0 <= first.top - last.bottom <= ctx.cfg.wrap_gap * last.size


def _two_texts(a: list[Frag], b: list[Frag]) -> bool:
    """Both hold text, and none of it shared."""
    return bool(a and b and not {id(f) for f in b} & {id(f) for f in a})


def join_across(
    reg: Region,
    xs: list[float],
    ys: list[float],
    runs: list[Cell],
    run_of: Slots,
    groups: list[str] | None,
    ctx: Context,
) -> UnionFind:
    """Runs of equal height joined across columns where no ruling parts them (within one column group, unless
    one fragment spans both), the most open edges first; never joining two different texts."""
    vsegs = _segs(reg, "v")
    tol = ctx.pt(ctx.cfg.rule_tol)
    index = {id(r): k for k, r in enumerate(runs)}
    texts = [{id(f) for f in r.frags} for r in runs]
    pairs = []
    for k, r in enumerate(runs):
        j = r.c0
        other = run_of.get((r.r0, j + 1))
        if other is None or other.r0 != r.r0 or other.r1 != r.r1:
            continue
        k_o = index[id(other)]
        shared = bool(texts[k] & texts[k_o])
        cover = coverage(vsegs, "v", xs[j + 1], ys[r.r0], ys[r.r1 + 1], tol)
        if shared or (cover < ctx.cfg.open_edge and (groups is None or groups[j] == groups[j + 1])):
            pairs.append((not shared, cover, j, r.r0, k, k_o))
    sets = UnionFind(len(runs))
    for _, _, _, _, k, k_o in sorted(pairs, key=lambda p: p[:4]):
        a, b = sets.find(k), sets.find(k_o)
        if a == b or (texts[a] and texts[b] and not texts[a] & texts[b]):
            continue
        sets.union(k, k_o)
        texts[a] = texts[a] | texts[b]
    return sets


def merge_slots(
    reg: Region,
    xs: list[float],
    ys: list[float],
    frags: list[Frag],
    ctx: Context,
    groups: list[str] | None = None,
    join_texts_down: bool = False,
) -> Slots:
    """Slots (row, atomic column) -> the merged cell covering each.

    `groups` names each atomic column's role: cells join across columns only within a role
    (statements across value columns), unless one printed fragment physically spans them.
    `join_texts_down`: in a header, lines of one cell may fall in different atomic rows."""
    runs, run_of = column_runs(reg, xs, ys, frags_by_slot(frags, xs, ys, ctx), ctx, join_texts_down)
    sets = join_across(reg, xs, ys, runs, run_of, groups, ctx)
    cells: dict[int, Cell] = {}
    for k, r in enumerate(runs):
        root = runs[sets.find(k)]
        c = cells.setdefault(id(root), Cell(root.r0, root.r1, root.c0, root.c1))
        c.r0, c.r1 = min(c.r0, r.r0), max(c.r1, r.r1)
        c.c0, c.c1 = min(c.c0, r.c0), max(c.c1, r.c1)
        c.take(r.frags)
    out = {}
    for k, r in enumerate(runs):
        cell = cells[id(runs[sets.find(k)])]
        for i in range(r.r0, r.r1 + 1):
            out[(i, r.c0)] = cell
    return out


def cols_in(col: Col, xs: list[float], ctx: Context) -> list[int]:
    slack = ctx.pt(ctx.cfg.col_slack)
    return [j for j in range(len(xs) - 1) if col.x0 - slack <= (xs[j] + xs[j + 1]) / 2 <= col.x1 + slack]


def column_groups(cols: list[Col], xs: list[float], ctx: Context) -> list[str]:
    """Each atomic column's group: the role of the column it lies in, all output columns one group."""
    slack = ctx.pt(ctx.cfg.col_slack)
    groups = []
    for j in range(len(xs) - 1):
        mid = (xs[j] + xs[j + 1]) / 2
        owner = next((c for c in cols if c.x0 - slack <= mid <= c.x1 + slack), None)
        groups.append("value" if owner is None or owner.role in OUTPUT_ROLES else owner.role)
    return groups


def header_of(frags: list[Frag], reg: Region, ctx: Context) -> tuple[list[float], list[Col], float | None]:
    """(atomic column edges, header columns, header foot) read from the region's own header."""
    hb = header_foot(frags, reg, ctx)
    header_frags = [f for f in frags if hb is not None and f.cy < hb]
    if reg.kind == "grid":
        xs = cluster_means([reg.x0, reg.x1] + [s.x0 for s in _segs(reg, "v")], ctx.pt(ctx.cfg.boundary_tol))
        cols = header_columns(grid_header_cells(header_frags, reg, xs, hb, ctx), hb, ctx) if hb is not None else []
    else:
        bands = text_columns([f for f in frags if hb is None or f.cy > hb], reg, ctx)
        xs = [reg.x0] + [b[1] for b in bands]
        cut = cut_at_columns(header_frags, reg, xs, ctx)
        cols = rules_header_columns(cut, bands, ctx) if hb is not None else []
    return xs, cols, hb


def cut_at_columns(frags: list[Frag], reg: Region, xs: list[float], ctx: Context) -> list[Frag]:
    """Header fragments cut where a column boundary (found from the body) passes through a gap between their
    characters: two narrow headers set close together (`排名` `单位`) are two cells."""
    inner, slack = xs[1:-1], ctx.pt(ctx.cfg.edge_slack)
    out: list[Frag] = []
    for f in frags:
        pieces: list[list[Char]] = []
        for c in frag_chars(f, reg):
            prev = pieces[-1][-1] if pieces else None
            apart = prev is not None and c.x0 - prev.x1 > ctx.layout.space_gap * c.size
            if prev is not None and not (apart and any(prev.x1 - slack <= x <= c.x0 + slack for x in inner)):
                pieces[-1].append(c)
            else:
                pieces.append([c])
        out.extend(make_frag(p, ctx) for p in pieces) if len(pieces) > 1 else out.append(f)
    return out


def lent_header(prev: PageTable, reg: Region, xs: list[float], ctx: Context) -> tuple[list[float], list[Col], float]:
    """The columns of the table on the page before, for a table that carries on without repeating its header."""
    cols = [Col(c.x0, c.x1, c.path, c.role, c.stub) for c in prev.columns]
    if reg.kind != "grid":
        xs = cluster_means([reg.x0, reg.x1] + [c.x1 for c in prev.columns[:-1]], ctx.pt(ctx.cfg.boundary_tol))
    return xs, cols, reg.top


def same_header(cols: list[Col], prev: PageTable) -> bool:
    """The header read here is the one printed over the table on the page before (a repeated header)."""
    return [c.path for c in cols] == [c.path for c in prev.columns]


def columns_align(xs: list[float], prev: PageTable, ctx: Context) -> bool:
    """The region's column edges are those of the table on the page before."""
    tol = ctx.pt(ctx.cfg.stitch_align)
    edges = [prev.columns[0].x0] + [c.x1 for c in prev.columns]
    return all(any(abs(x - e) < tol for e in edges) for x in xs)


def stub_role(cols: list[Col]) -> list[Col]:
    """A table whose header names no name column: its first column that is not a 序号 or category is its stub."""
    if not any(c.role == "name" for c in cols):
        stub = next((c for c in cols if c.role not in ("seq", "category")), None)
        if stub is not None:
            stub.role, stub.stub = "name", True
    return cols


def is_indicator(cols: list[Col]) -> bool:
    """A table of a plan's indicators: a name column and value columns for years, targets or their completion
    (a statistical table's `比上年增长` alone does not make one)."""
    return any(c.role == "name" and not c.stub for c in cols) and any(
        c.role == "value" and PLAN_MEASURE.search(c.path) for c in cols
    )


def frag_chars(f: Frag, reg: Region) -> list[Char]:
    """The printed characters of a fragment, left to right."""
    return sorted(
        (
            c
            for ln in reg.lines
            for c in ln.chars
            if not c.text.isspace() and f.x0 <= c.cx <= f.x1 and f.top <= c.cy <= f.bottom
        ),
        key=lambda c: c.x0,
    )


def cut_run_in_figures(frags: list[Frag], reg: Region, xs: list[float], ctx: Context) -> list[Frag]:
    """Body fragments of a table without verticals cut before a figure run into them from the next column: a
    long name set so close to the number beside it that no gap parts them (`…（件）323.9`)."""
    out: list[Frag] = []
    for f in frags:
        chars = frag_chars(f, reg)
        k = next((k for x in xs[1:-1] if (k := figure_tail(chars, x, frags, xs, ctx))), None)
        out.extend([make_frag(chars[:k], ctx), make_frag(chars[k:], ctx)] if k else [f])
    return out


def figure_tail(chars: list[Char], x: float, frags: list[Frag], xs: list[float], ctx: Context) -> int | None:
    """Where a figure run in from the column right of boundary `x` starts among a fragment's characters, else
    None: the longest tail that starts past the boundary while the text before it starts short of it, reads as a
    figure, stands apart by a gap wider than the spacing of that text, and aligns (left, right or centre) with
    another cell's text in its column, as the column's other figures do."""
    if not chars or chars[0].x0 >= x:
        return None
    right = min((e for e in xs if e > x), default=x)
    column = [g for g in frags if x <= g.x0 and g.x1 <= right]
    for k in (k for k, c in enumerate(chars) if c.x0 >= x):
        if stands_apart(chars[:k], chars[k], ctx) and aligned_figure(make_frag(chars[k:], ctx), column, ctx):
            return k
    return None


def stands_apart(head: list[Char], first: Char, ctx: Context) -> bool:
    """The gap before `first` is wider (by `tail_gap` x its size) than the median spacing of the text before it."""
    spacing = sorted(b.x0 - a.x1 for a, b in pairwise(head)) or [0.0]
    return first.x0 - head[-1].x1 > spacing[len(spacing) // 2] + ctx.cfg.tail_gap * first.size


def aligned_figure(fig: Frag, column: list[Frag], ctx: Context) -> bool:
    """A figure lined up (left, right or centre, within `figure_align`) with another cell's text in its column."""
    tol = ctx.pt(ctx.cfg.figure_align)
    return is_value(fig) and any(min(abs(fig.x0 - g.x0), abs(fig.x1 - g.x1), abs(fig.cx - g.cx)) <= tol for g in column)


def page_table(reg: Region, prev: PageTable | None, ctx: Context) -> PageTable | None:
    """Read one table region; `prev` (the table on the page before) lends its columns when no header is repeated."""
    frags = region_fragments(reg, ctx)
    if not frags:
        return None
    xs, cols, hb = header_of(frags, reg, ctx)
    lend = prev is not None and (not cols or hb is None or not same_header(cols, prev))
    if lend and prev is not None and (not cols or hb is None or columns_align(xs, prev, ctx)):
        xs, cols, hb = lent_header(prev, reg, xs, ctx)
    elif cols and hb is not None:
        cols = stub_role(assign_roles(cols))
    else:
        return None
    if not any(c.role == "name" for c in cols):
        return None
    if reg.kind != "grid":
        frags = [f for f in frags if f.cy <= hb] + cut_run_in_figures([f for f in frags if f.cy > hb], reg, xs, ctx)
    ys = row_bounds(reg, frags, cols, hb, reg.kind == "grid", ctx)
    slots = merge_slots(reg, xs, ys, [f for f in frags if f.cy > hb], ctx, column_groups(cols, xs, ctx))
    ruling = "grid" if reg.kind == "grid" else "three-line"
    repeated = prev is not None and not lend and hb > reg.top
    return PageTable(reg, reg.page, cols, xs, ys, slots, ruling, repeated)


def carried_over(prev: PageTable, pt: PageTable, ctx: Context) -> dict[int, str]:
    """Atomic columns of `pt` whose first cell is empty and continues a cell left open at the foot of `prev`.

    Returns column index -> the text printed on the earlier page (category, 序号, a parent name or a value)."""
    if prev.ruling != "grid" or pt.ruling != "grid" or not prev.n_rows:
        return {}
    hsegs = _segs(prev.reg, "h")
    slack, tol = ctx.pt(ctx.cfg.edge_slack), ctx.pt(ctx.cfg.rule_tol)
    last = prev.n_rows - 1
    out = {}
    for j in range(len(pt.xs) - 1):
        cell = pt.slots.get((0, j))
        if cell is None or cell.frags:
            continue
        mid = (pt.xs[j] + pt.xs[j + 1]) / 2
        pj = next((k for k in range(len(prev.xs) - 1) if prev.xs[k] - slack <= mid <= prev.xs[k + 1] + slack), None)
        if pj is None:
            continue
        above = prev.slots.get((last, pj))
        if above is None or not above.text:
            continue
        if coverage(hsegs, "h", prev.ys[-1], prev.xs[pj], prev.xs[pj + 1], tol) < ctx.cfg.open_edge:
            out[j] = above.text
    return out


def carried_into(prev: PageTable, pt: PageTable, ctx: Context) -> dict[int, str]:
    """Cells left open at the foot of `prev` that carry on at the top of `pt` (see `carried_over`); and a
    category column whose first cell on the new page is blank while the row has text: the group goes on."""
    out = carried_over(prev, pt, ctx)
    first = next((c for c in pt.columns if c.role == "category"), None)
    if first is None or not pt.n_rows:
        return out
    for j in cols_in(first, pt.xs, ctx):
        cell, above = pt.slots.get((0, j)), prev.slots.get((prev.n_rows - 1, j))
        if cell is not None and not cell.text and above is not None and above.text:
            out.setdefault(j, above.text)
    return out


Printed = tuple[str, bool, list[float], list[str]]  # text, merged, bbox, the texts it joins


def column_cell(
    pt: PageTable, i: int, js: list[int], carried: dict[int, str]
) -> tuple[list[Cell], list[tuple[str, bool]]]:
    """The cells of row `i` in the atomic columns `js`, and their texts (with whether each spans further)."""
    parts: list[tuple[str, bool]] = []
    cells: list[Cell] = []
    for j in js:
        cell = pt.slots.get((i, j))
        if cell is None:
            continue
        if not cell.frags and j in carried and cell.r0 == 0:
            parts.append((carried[j], True))
        elif cell not in cells:
            cells.append(cell)
            if cell.text:
                parts.append((cell.text, cell.r1 > cell.r0 or cell.c0 < min(js) or cell.c1 > max(js)))
    return cells, list({t: (t, m) for t, m in parts}.values())


def page_rows(pt: PageTable, carried: dict[int, str], ctx: Context) -> list[dict[str, Printed]]:
    """Rows of one page table: per column (text, merged, bbox, parts)."""
    rows = []
    for i in range(pt.n_rows):
        row: dict[str, Printed] = {}
        has_text = False
        for c in pt.columns:
            cells, parts = column_cell(pt, i, cols_in(c, pt.xs, ctx), carried)
            has_text = has_text or any(cl.text for cl in cells)
            text = ("：" if c.role == "name" else " ").join(t for t, _ in parts)
            if cells:
                bbox = [
                    pt.xs[min(cl.c0 for cl in cells)],
                    pt.ys[min(cl.r0 for cl in cells)],
                    pt.xs[max(cl.c1 for cl in cells) + 1],
                    pt.ys[max(cl.r1 for cl in cells) + 1],
                ]
            else:
                bbox = [c.x0, pt.ys[i], c.x1, pt.ys[i + 1]]
            row[c.path] = (text, any(m for _, m in parts), bbox, [t for t, _ in parts])
        if has_text:
            rows.append(row)
    return rows


# ---------------------------------------------------------------- stitching and output


def may_carry_on(reg: Region) -> bool:
    """A table region with no caption of its own, or a continuation caption (`续表`), may carry a table on."""
    caption = lines_text(reg.caption)
    return not caption or bool(CONTINUED.search(caption))


def continues(prev: PageTable, nxt: PageTable, layout: Layout, ctx: Context) -> bool:
    """The next page's table carries on the previous one: nothing between them, the same columns."""
    if nxt.page != prev.page + 1 or not may_carry_on(nxt.reg) or prev.reg.note:
        return False
    pg_prev = layout.pages[prev.page - 1]
    pg_next = layout.pages[nxt.page - 1]
    below = [ln for ln in pg_prev.body_lines() if ln.top > prev.reg.bottom and ln.role in ("body", "heading")]
    above = [ln for ln in pg_next.body_lines() if ln.bottom < nxt.reg.top and ln.role in ("body", "heading")]
    if below or above or len(prev.columns) != len(nxt.columns):
        return False
    tol = ctx.pt(ctx.cfg.stitch_align)
    return all(
        abs(a.x0 - b.x0) < tol and abs(a.x1 - b.x1) < tol for a, b in zip(prev.columns, nxt.columns, strict=True)
    )


def stitch(tables: list[PageTable], layout: Layout, ctx: Context) -> list[list[PageTable]]:
    groups: list[list[PageTable]] = []
    for t in tables:
        if groups and continues(groups[-1][-1], t, layout, ctx):
            groups[-1].append(t)
        else:
            groups.append([t])
    return groups


def table_kind(title: str, cols: list[Col]) -> str:
    text = (title or "") + "|" + "|".join(c.path for c in cols)
    return "review" if REVIEW.search(text) else "targets"


def group_rows(group: list[PageTable], ctx: Context) -> list[tuple[PageTable, Row]]:
    """Rows of a stitched table, with category and 序号 filled down and each row's name, parent and unit."""
    out = []
    last_cat = last_seq = last_parent_name = None
    for t_i, pt in enumerate(group):
        carried = carried_over(group[t_i - 1], pt, ctx) if t_i else {}
        role_col = {c.role: c.path for c in pt.columns if c.role not in OUTPUT_ROLES}
        for printed in page_rows(pt, carried, ctx):
            row: Row = dict(printed)
            cat = (printed[role_col["category"]][0] if "category" in role_col else None) or last_cat
            seq = (printed[role_col["seq"]][0] if "seq" in role_col else None) or last_seq
            parts = printed[role_col["name"]][3]
            name = "：".join(parts)
            parent = None
            if len(parts) > 1:
                parent = parts[0]
            elif SUB_ROW.match(name) and last_parent_name:
                parent = last_parent_name
            else:
                last_parent_name = name
            row["_category"], row["_seq"], row["_name"], row["_parent"] = cat, seq, name, parent
            row["_unit"] = (printed[role_col["unit"]][0] or None) if "unit" in role_col else None
            last_cat, last_seq = cat, seq
            out.append((pt, row))
    return out


def page_tables(layout: Layout, ctx: Context) -> list[PageTable]:
    """Every table region read, in page order; a region without a title borrows the previous page's columns."""
    out: list[PageTable] = []
    prev = None
    for pg in layout.pages:
        for reg in pg.regions:
            if reg.kind not in ("grid", "rules"):
                continue
            lend = prev if prev is not None and prev.page == pg.number - 1 and may_carry_on(reg) else None
            t = page_table(reg, lend, ctx)
            if t is not None:
                out.append(t)
                prev = t
    return out


def cell_rows(tid: str, group: list[PageTable], ctx: Context) -> tuple[list[Row], int]:
    """One row per value cell of a stitched table, and the table's row count."""
    values = [c for c in group[0].columns if c.role in OUTPUT_ROLES]
    rows = group_rows(group, ctx)
    out = []
    for row_no, (pt, row) in enumerate(rows, 1):
        for k, c in enumerate(values, 1):
            text, merged, bbox, _ = row[c.path]
            out.append(
                {
                    "table_id": tid,
                    "row_no": row_no,
                    "category": row["_category"],
                    "seq": row["_seq"],
                    "name": row["_name"],
                    "parent_name": row["_parent"],
                    "unit": row["_unit"],
                    "column": c.path,
                    "column_no": k,
                    "column_role": c.role,
                    "raw_text": text,
                    "merged": merged,
                    "page": pt.page,
                    "bbox": bbox,
                }
            )
    return out, len(rows)


# ---------------------------------------------------------------- every table: `tables` and `table_cells`


def header_cells(tid: str, pt: PageTable) -> list[Row]:
    """The header as printed cells, rebuilt from the column paths: a part that neighbouring columns share is one
    cell spanning them; a path shorter than the deepest reaches down to the header's foot."""
    paths = header_levels([c.path for c in pt.columns])
    depth = max(len(p) for p in paths)
    top, foot = pt.reg.top, pt.ys[0]
    step = (foot - top) / depth
    out: list[Row] = []
    for level in range(depth):
        k = 0
        while k < len(paths):
            path = paths[k]
            if len(path) <= level:
                k += 1
                continue
            span = 1
            while k + span < len(paths) and paths[k + span][: level + 1] == path[: level + 1]:
                span += 1
            rowspan = depth - level if level == len(path) - 1 else 1
            first, last = pt.columns[k], pt.columns[k + span - 1]
            bbox = [first.x0, top + level * step, last.x1, top + (level + rowspan) * step]
            out.append(table_cell(tid, 0, k + 1, path[level], "/".join(path[: level + 1]), pt.page, bbox,
                                  rowspan=rowspan, colspan=span, header_level=level + 1))  # fmt: skip
            k += span
    return out


def header_levels(paths: list[str]) -> list[list[str]]:
    """Each column path cut into its header levels: only where a neighbouring column shares the part above
    (a parent spans them); a `/` printed inside one cell (`年均/累计增长`) stays in its text."""
    parts = [p.split("/") for p in paths]
    out = []
    for k, path in enumerate(parts):
        neighbours = [parts[j] for j in (k - 1, k + 1) if 0 <= j < len(parts)]
        levels = [path[0]]
        for level in range(1, len(path)):
            if any(n[:level] == path[:level] for n in neighbours):
                levels.append(path[level])
            else:
                levels[-1] += "/" + path[level]
        out.append(levels)
    return out


def table_cell(
    tid: str,
    row_no: int,
    col_no: int,
    text: str,
    column: str,
    page: int,
    bbox: list[float],
    rowspan: int = 1,
    colspan: int = 1,
    header_level: int | None = None,
    row_label: str | None = None,
) -> Row:
    return {
        "table_id": tid,
        "row_no": row_no,
        "col_no": col_no,
        "is_header": header_level is not None,
        "parse_status": "header" if header_level is not None else "label",
        "header_level": header_level,
        "row_label": row_label,
        "column": column,
        "text": text,
        "rowspan": rowspan,
        "colspan": colspan,
        "page": page,
        "bbox": bbox,
        **UNTYPED,
    }


UNTYPED = dict.fromkeys(("value", "value_low", "value_high", "comparator", "unit", "base_value", "base_unit"))


def typed(cell: Row, row_unit: str | None) -> Row:
    """A body cell with its number, comparator and unit read by the value grammar."""
    t = type_cell(cell["text"], row_unit, cell["column"])
    fields = ("value", "value_low", "value_high", "comparator", "unit", "base_value", "base_unit", "parse_status")
    return {**cell, **{f: getattr(t, f) for f in fields}}


def row_has_text(pt: PageTable, i: int) -> bool:
    return any(cell.text for (r, _), cell in pt.slots.items() if r == i)


def cells_in(pt: PageTable, i: int, js: list[int]) -> list[Cell]:
    """The distinct cells of row `i` over the atomic columns `js`, left to right."""
    return list({id(c): c for c in (pt.slots.get((i, j)) for j in js) if c is not None}.values())


def body_cells(
    tid: str, pt: PageTable, first_row: int, ctx: Context, carried: dict[int, str] | None = None
) -> tuple[list[Row], int]:
    """One row per printed body cell of a page table (a merged cell once, with its spans); rows numbered on from
    `first_row`; and the number of rows."""
    atoms = [cols_in(c, pt.xs, ctx) for c in pt.columns]
    stub = next(k for k, c in enumerate(pt.columns) if c.role == "name")
    unit_col = next((k for k, c in enumerate(pt.columns) if c.role == "unit"), None)
    out: list[Row] = []
    row_no = first_row - 1
    for i in (i for i in range(pt.n_rows) if row_has_text(pt, i)):
        row_no += 1
        label = " ".join(c.text for c in cells_in(pt, i, atoms[stub]) if c.text) or None
        unit = " ".join(c.text for c in cells_in(pt, i, atoms[unit_col]) if c.text) if unit_col is not None else None
        done: set[int] = set()
        for k, col in enumerate(pt.columns):
            cells = [c for c in cells_in(pt, i, atoms[k]) if id(c) not in done]
            if not cells or all(c.r0 < i for c in cells):
                continue  # a merged cell printed from a row above, or from a column to the left
            done.update(id(c) for c in cells)
            c0, c1 = min(c.c0 for c in cells), max(c.c1 for c in cells)
            colspan = sum(1 for js in atoms[k:] if js and js[0] <= c1)
            texts = [c.text or (carried or {}).get(c.c0, "") if c.r0 == 0 else c.text for c in cells]
            text = ("：" if col.role == "name" else " ").join(x for x in texts if x)
            bbox = [pt.xs[c0], pt.ys[i], pt.xs[c1 + 1], pt.ys[max(c.r1 for c in cells) + 1]]
            rowspan = max(c.r1 for c in cells) - i + 1
            cell = table_cell(tid, row_no, k + 1, text, col.path, pt.page, bbox, rowspan, colspan, row_label=label)
            out.append(typed(cell, unit or None) if col.role in OUTPUT_ROLES else cell)
    return out, row_no - first_row + 1


RULE_KINDS = {"grid": "grid", "rules": "three_line"}
PROJECT_WORDS = re.compile(r"项目|工程|建设内容|建设规模|总投资|建设年限|建设期限|实施主体|责任单位")
NUMERIC = re.compile(r"^[-+−－]?[\d.,，]+%?$")


def ruling_of(pt: PageTable, ctx: Context) -> str:
    """How the table is drawn: a full grid, rules between rows only, verticals in the header only, three-line."""
    tol = ctx.pt(ctx.cfg.rule_tol)
    foot = pt.ys[0]
    body_v = [s for s in _segs(pt.reg, "v") if s.bottom > foot + tol and s.x0 > pt.reg.x0 + tol]
    head_v = [s for s in _segs(pt.reg, "v") if s.bottom <= foot + tol]
    body_h = [y for y in pt.ys[1:-1] if coverage(_segs(pt.reg, "h"), "h", y, pt.reg.x0, pt.reg.x1, tol) > 0]
    if body_v:
        return "grid"
    if head_v:
        return "header_only"
    return "rows" if body_h else "three_line"


def kind_of(title: str, cols: list[Col], cells: list[Row]) -> str:
    """What the table is, from its words: indicators, a project list, statistics, or other."""
    if is_indicator(cols):
        return f"indicator_{table_kind(title, cols)}"
    if any(PROJECT_WORDS.search(c.path) for c in cols):
        return "project_list"
    values = [c["text"] for c in cells if not c["is_header"] and c["text"]]
    numeric = sum(bool(NUMERIC.match(re.sub(r"\s+", "", v))) for v in values)
    return "statistics" if values and numeric >= len(values) / 3 else "other"


def table_of(tid: str, group: list[PageTable], ctx: Context) -> tuple[Row, list[Row]]:
    """A stitched table's `tables` row and its `table_cells` rows (header once, body rows across pages)."""
    first = group[0]
    cells = header_cells(tid, first)
    n_rows = 0
    for k, pt in enumerate(group):
        body, n = body_cells(tid, pt, n_rows + 1, ctx, carried_into(group[k - 1], pt, ctx) if k else None)
        cells += body
        n_rows += n
    row = placement(tid, group)
    row.update(
        kind=kind_of(row["title"] or "", first.columns, cells),
        header=[c.path for c in first.columns],
        n_rows=n_rows,
        n_cols=len(first.columns),
        ruling=ruling_of(first, ctx),
        sidebar_seq=None,
        header_repeated_on=[pt.page for pt in group[1:] if pt.repeated_header],
        continuation_captions=[c for c in (lines_text(pt.reg.caption) for pt in group[1:]) if c],
    )
    return row, cells


def placement(tid: str, group: list[PageTable]) -> Row:
    """What `tables` and `indicator_tables` say alike of a stitched table: its id, title, pages, note and box."""
    first, last = group[0], group[-1]
    return {
        "table_id": tid,
        "title": lines_text(first.reg.caption) or None,
        "page_start": first.page,
        "page_end": last.page,
        "note": lines_text(last.reg.note) or None,
        "bbox": [first.reg.x0, first.reg.top, first.reg.x1, first.reg.bottom],
    }


def indicator_table_of(tid: str, group: list[PageTable], ctx: Context) -> tuple[Row, list[Row]]:
    """An indicator table's `indicator_tables` row and its `indicator_cells` (one per row and value column)."""
    first = group[0]
    cells, row_count = cell_rows(tid, group, ctx)
    row = placement(tid, group)
    row.update(
        kind=table_kind(row["title"] or "", first.columns),
        columns=[c.path for c in first.columns if c.role in OUTPUT_ROLES],
        row_count=row_count,
        ruling=first.ruling,
    )
    return row, cells


@dataclass
class Tables:
    """The stage's output: every table and cell, and the indicator tables among them."""

    tables: list[Row] = field(default_factory=list)
    table_cells: list[Row] = field(default_factory=list)
    indicator_tables: list[Row] = field(default_factory=list)
    indicator_cells: list[Row] = field(default_factory=list)


def sidebar_of(row: Row, sidebars: list[Row], ctx: Context) -> int | None:
    """The sidebar whose box (on the table's first page) holds the table, else None."""
    slack = ctx.pt(ctx.cfg.col_slack)
    x0, top, x1, bottom = row["bbox"]
    for s in sidebars:
        sx0, stop, sx1, sbottom = s["bbox"]
        inside = sx0 - slack <= x0 and x1 <= sx1 + slack and stop - slack <= top
        ends_in = bottom <= sbottom + slack or s["page_end"] > s["page_start"]
        if s["page_start"] == row["page_start"] and inside and ends_in:
            return int(s["sidebar_seq"])
    return None


def run(layout: Layout, settings: TablesSettings | None = None, sidebars: list[Row] | None = None) -> Tables:
    """Every table of the plan (`tables`, `table_cells`) and the indicator tables among them; `sidebars` (from
    the structure stage) tell which tables stand inside a sidebar."""
    cfg: TablesSettings = settings if settings is not None else settings_for("tables")
    ctx = Context(cfg, layout.settings, layout.measures)
    out = Tables()
    for n, group in enumerate(stitch(page_tables(layout, ctx), layout, ctx), 1):
        tid = f"t{n}"
        row, cells = table_of(tid, group, ctx)
        row["sidebar_seq"] = sidebar_of(row, sidebars or [], ctx)
        if row["sidebar_seq"] is not None and not is_indicator(group[0].columns):
            row["kind"] = "sidebar"
        out.tables.append(row)
        out.table_cells.extend(cells)
        if is_indicator(group[0].columns):
            ind_row, ind_cells = indicator_table_of(tid, group, ctx)
            out.indicator_tables.append(ind_row)
            out.indicator_cells.extend(ind_cells)
    with_confidence(out.table_cells, layout)
    with_confidence(out.indicator_cells, layout)
    return out


def with_confidence(rows: list[Row], layout: Layout) -> None:
    """Each cell's OCR confidence: the mean over the OCR'd characters in its box (null on a text-layer page)."""
    ocr_pages = {p.number: p.chars for p in layout.pdf.pages if p.text_source == "ocr"}
    for r in rows:
        chars = ocr_pages.get(r["page"])
        r["confidence"] = None if chars is None else box_conf(chars, r["bbox"])

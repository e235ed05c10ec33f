"""Stage 4, tables: grid and three-line regions -> indicator tables and every value cell.

A table is read in four steps, each from geometry:
1. fragments: each printed line inside the region, cut where a vertical ruling or a
   wide gap separates cells;
2. header: the top lines set apart (bold, or made of header words such as 年, 目标,
   预期, 完成, 增速) down to the ruling under them; header cells from the rulings (or
   from alignment in a three-line table) give each value column its path (`规划目标/2020年`);
3. rows: the rulings that cross the name column (or, without rulings, the lines that
   carry values) delimit logical rows, so sub-rows and two-level names are rows of their own;
4. cells: slots (row x atomic column) join into merged cells where no ruling parts them:
   first down each column, then across columns between runs of equal height, never
   joining two different texts. A merged cell's text goes to every slot it covers.
Pages are stitched: a repeated header is recognised and skipped, a merged cell left
open at the foot of a page carries on into the next page, and the category and 序号
are filled down onto rows whose merged cell was printed on an earlier page.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from pipeline.layout.layout import Layout, Region, chars_to_text, cluster, split_on_gaps
from pipeline.pdf.model import Centered, Char, Seg
from pipeline.structure.structure import join_lines

log = logging.getLogger(__name__)

HEADER_WORDS = re.compile(
    r"年|目标|预期|完成|增速|增长|增幅|指标|名称|序号|编号|类别|单位|属性|规划|情况|基[数期]|现状|"
    r"实际|累计|年均|平均|备注|领域|分类|类型|项目|数值|值|速|率|计划|预计|末|期"
)
VALUE_LIKE = re.compile(r"^[\[［【(（]?\s*[-－—–+＋≥≧≤≦＞＜><~～约]*\s*\d[\d.,，]*\s*[%％]?\s*[\]］】)）]?$")
YEAR = re.compile(r"(19|20)\d\d")
MEASURE = re.compile(r"(19|20)\d\d|目标|预期|完成|增速|增长|增幅|基[数期]|现状|实际|年均|累计")

ROLE_PATTERNS = [
    ("attribute", re.compile(r"属性")),
    ("remark", re.compile(r"^(备注|说明|注)$")),
    ("unit", re.compile(r"^(计量)?单位$|^单位")),
    ("seq", re.compile(r"^(序号|编号|序|号)$")),
    ("category", re.compile(r"类别|领域|分类|类型|方面|一级指标|^类$")),
    ("name", re.compile(r"名称|二级指标|三级指标|指标|项目|内容")),
]


OUTPUT_ROLES = ("value", "attribute", "remark")  # columns whose cells are output, one per row


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


@dataclass
class PageTable:
    """One table region on one page, cut into rows (ys) and atomic columns (xs), its slots merged into cells."""

    reg: Region
    page: int
    columns: list[Col]
    xs: list[float]
    ys: list[float]
    slots: dict  # (row, atomic column) -> Cell
    ruling: str = "grid"

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1


# ---------------------------------------------------------------- geometry helpers


def coverage(segs: list[Seg], orient: str, pos: float, a: float, b: float, tol: float = 2.0) -> float:
    """Share of [a, b] covered by rulings of `orient` lying at `pos`."""
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
    spans = sorted((lo, hi) for lo, hi in spans if hi > lo)
    covered, cur_lo, cur_hi = 0.0, None, None
    for lo, hi in spans:
        if cur_hi is None or lo > cur_hi:
            if cur_hi is not None:
                covered += cur_hi - cur_lo
            cur_lo, cur_hi = lo, hi
        else:
            cur_hi = max(cur_hi, hi)
    if cur_hi is not None:
        covered += cur_hi - cur_lo
    return covered / (b - a)


def cluster_positions(values: list[float], tol: float = 2.5) -> list[float]:
    """Positions within `tol` of each other -> their mean."""
    return [sum(g) / len(g) for g in cluster(values, tol)]


def region_fragments(reg: Region) -> list[Frag]:
    """Each printed line of the region cut into cell fragments at vertical rulings and at gaps.

    Without vertical rulings (three-line tables) a gap of about a character parts two cells."""
    vsegs = [s for s in reg.segs if s.orient == "v"]
    factor = 2.0 if vsegs else 0.9
    frags = []
    for ln in reg.lines:
        for piece in split_on_gaps(ln.chars, factor=factor):
            cur: list[Char] = []
            for ch in piece:
                if cur:
                    gap_lo, gap_hi = cur[-1].x1 - 1.0, ch.x0 + 1.0
                    if any(gap_lo <= s.x0 <= gap_hi and s.top <= ch.cy <= s.bottom for s in vsegs):
                        frags.append(make_frag(cur))
                        cur = []
                cur.append(ch)
            if cur:
                frags.append(make_frag(cur))
    return frags


def make_frag(chars: list[Char]) -> Frag:
    vis = [c for c in chars if not c.text.isspace()] or chars
    return Frag(
        text=chars_to_text(chars),
        x0=min(c.x0 for c in vis),
        top=min(c.top for c in vis),
        x1=max(c.x1 for c in vis),
        bottom=max(c.bottom for c in vis),
        bold=sum(c.bold for c in vis) >= 0.6 * len(vis),
        size=max(c.size for c in vis),
    )


def frag_lines(frags: list[Frag]) -> list[list[Frag]]:
    """Fragments grouped into printed lines (vertical overlap)."""
    lines: list[list[Frag]] = []
    for f in sorted(frags, key=lambda f: (f.cy, f.x0)):
        if lines and f.top < max(g.bottom for g in lines[-1]) - 0.4 * f.size:
            lines[-1].append(f)
        else:
            lines.append([f])
    return [sorted(ln, key=lambda f: f.x0) for ln in lines]


# ---------------------------------------------------------------- header


def is_header_fragment(f: Frag) -> bool:
    t = re.sub(r"\s+", "", f.text)
    if not t:
        return False
    if re.fullmatch(r"(19|20)\d\d(年)?", t):
        return True
    if VALUE_LIKE.match(t):
        return False
    return bool(HEADER_WORDS.search(t)) and not re.search(r"\d+\.\d", t)


def header_bottom(frags: list[Frag], reg: Region) -> float | None:
    """The y where the header ends: the ruling under the last header line (None: no header)."""
    lines = frag_lines(frags)
    if not lines:
        return None
    bold_table = all(f.bold for f in lines[0]) and not all(f.bold for ln in lines for f in ln)
    last = None
    nxt = None
    for ln in lines:
        head = all(f.bold for f in ln) if bold_table else all(is_header_fragment(f) for f in ln)
        if head:
            last = ln
        else:
            nxt = ln
            break
    if last is None:
        return None
    lo = max(f.bottom for f in last) - 1
    hi = (min(f.top for f in nxt) + 1) if nxt else reg.bottom
    hsegs = [s for s in reg.segs if s.orient == "h"]
    rules = [
        y
        for y in cluster_positions([s.top for s in hsegs if lo <= s.top <= hi])
        if coverage(hsegs, "h", y, reg.x0, reg.x1) > 0.3
    ]
    if rules:
        return min(rules)
    return (lo + 1 + hi - 1) / 2 if nxt else None


@dataclass
class HCell:
    x0: float
    x1: float
    top: float
    bottom: float
    text: str


def grid_header_cells(frags: list[Frag], reg: Region, xs: list[float], hb: float) -> list[HCell]:
    """Header cells: atomic cells of the header area joined where no ruling parts them (never two texts side by side)."""
    ys = cluster_positions(
        [reg.top, hb] + [s.top for s in reg.segs if s.orient == "h" and reg.top + 2 < s.top < hb - 2]
    )
    slots = merge_slots(reg, xs, ys, frags, join_texts_down=True)
    cells = []
    for cell in {id(c): c for c in slots.values()}.values():
        cells.append(HCell(xs[cell.c0], xs[cell.c1 + 1], ys[cell.r0], ys[cell.r1 + 1], cell.text))
    return cells


def header_columns(cells: list[HCell], hb: float) -> list[Col]:
    """Leaf header cells (those reaching the header's foot) with their paths."""
    leaves = sorted((c for c in cells if abs(c.bottom - hb) < 2.5), key=lambda c: c.x0)
    cols = []
    for leaf in leaves:
        above = sorted(
            (
                c
                for c in cells
                if c is not leaf
                and c.bottom <= leaf.top + 2.5
                and c.text
                and c.x0 - 2 <= (leaf.x0 + leaf.x1) / 2 <= c.x1 + 2
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
        for role, pat in ROLE_PATTERNS:
            if pat.search(leaf):
                c.role = role
                break
    names = [c for c in cols if c.role == "name"]
    if len(names) > 1:  # 一级指标 / 二级指标: the first is the category unless one is already named so
        for c in names[:-1]:
            if not any(x.role == "category" for x in cols):
                c.role = "category"
    return cols


# ---------------------------------------------------------------- three-line tables


def text_columns(frags: list[Frag], reg: Region) -> list[tuple[float, float]]:
    """Column bands from the alignment of text: x intervals covered by the fragments of multi-cell lines."""
    lines = frag_lines(frags)
    spans = sorted((f.x0, f.x1) for ln in lines if len(ln) >= 3 for f in ln)
    bands: list[list[float]] = []
    for lo, hi in spans:
        if bands and lo <= bands[-1][1] + 2:
            bands[-1][1] = max(bands[-1][1], hi)
        else:
            bands.append([lo, hi])
    if not bands:
        return []
    # boundaries halfway between bands, the outer ones at the region's edges
    xs = [reg.x0] + [(a[1] + b[0]) / 2 for a, b in zip(bands, bands[1:])] + [reg.x1]
    return list(zip(xs, xs[1:]))


def rules_header_columns(frags: list[Frag], bands: list[tuple[float, float]]) -> list[Col]:
    cols = []
    for x0, x1 in bands:
        own = [f for f in frags if x0 <= f.cx <= x1 and f.x0 >= x0 - 2 and f.x1 <= x1 + 2]
        parents = [f for f in frags if f not in own and f.x0 <= (x0 + x1) / 2 <= f.x1]
        parts = [f.text for f in sorted(parents, key=lambda f: f.top)]
        own_text = join_lines([f.text for f in sorted(own, key=lambda f: (round(f.top), f.x0))])
        path = "/".join(re.sub(r"\s+", "", p) for p in parts + [own_text] if p)
        cols.append(Col(x0, x1, path, ""))
    return cols


# ---------------------------------------------------------------- body


def row_bounds(reg: Region, frags: list[Frag], cols: list[Col], hb: float, ruled: bool) -> list[float]:
    """Logical row boundaries: rulings across the name column, or (three-line tables) the lines that
    start a row: a 序号, or values in two columns."""
    name = next(c for c in cols if c.role == "name")
    top, bottom = hb, reg.bottom
    width = name.x1 - name.x0
    hsegs = [s for s in reg.segs if s.orient == "h" and hb + 2 < s.top < reg.bottom - 2]
    ys = [s.top for s in hsegs if min(s.x1, name.x1) - max(s.x0, name.x0) >= 0.25 * width]
    if ruled and ys:
        return cluster_positions([top] + ys + [bottom], tol=3.0)
    body = [f for f in frags if f.top >= hb - 1]
    lines = frag_lines(body)
    seq = [c for c in cols if c.role == "seq"]
    values = [c for c in cols if c.role == "value"]
    need = min(2, len(values))

    def starts_row(ln) -> bool:
        if any(c.x0 - 1 <= f.cx <= c.x1 + 1 for c in seq for f in ln):
            return True
        return sum(any(c.x0 - 1 <= f.cx <= c.x1 + 1 for c in values) for f in ln) >= need

    anchors = [ln for ln in lines if starts_row(ln)]
    if not anchors:
        return [top, bottom]
    bounds = [top]
    for prev, nxt in zip(anchors, anchors[1:]):
        gap_top = max(f.bottom for f in prev)
        # lines between two row starts belong to the row above (cells are top-aligned)
        between = [
            ln
            for ln in lines
            if gap_top <= min(f.top for f in ln) and max(f.bottom for f in ln) <= min(f.top for f in nxt)
        ]
        lo = max([gap_top] + [max(f.bottom for f in ln) for ln in between])
        bounds.append((lo + min(f.top for f in nxt)) / 2)
    bounds.append(bottom)
    return bounds


@dataclass(eq=False)
class Cell:
    r0: int
    r1: int
    c0: int
    c1: int
    frags: list[Frag]

    @property
    def text(self) -> str:
        return join_lines([f.text for f in sorted(self.frags, key=lambda f: (round(f.top), f.x0))])


def merge_slots(
    reg: Region,
    xs: list[float],
    ys: list[float],
    frags: list[Frag],
    groups: list[str] | None = None,
    join_texts_down: bool = False,
) -> dict[tuple[int, int], Cell]:
    """Slots (row, atomic column) -> the merged cell covering each.

    `groups` names each atomic column's role: cells join across columns only within a role
    (statements across value columns), unless one printed fragment physically spans them.
    `join_texts_down`: in a header, lines of one cell may fall in different atomic rows."""
    hsegs = [s for s in reg.segs if s.orient == "h"]
    vsegs = [s for s in reg.segs if s.orient == "v"]
    n_r, n_c = len(ys) - 1, len(xs) - 1
    slot_frags: dict[tuple[int, int], list[Frag]] = {}
    for f in frags:
        rows = [i for i in range(n_r) if ys[i] - 1 <= f.cy <= ys[i + 1] + 1][:1]
        cols = [
            j
            for j in range(n_c)
            if min(f.x1, xs[j + 1]) - max(f.x0, xs[j]) > 0.25 * min(xs[j + 1] - xs[j], f.x1 - f.x0 + 1)
        ]
        if not cols:
            cols = [j for j in range(n_c) if xs[j] <= f.cx <= xs[j + 1]][:1]
        for i in rows:
            for j in cols:
                slot_frags.setdefault((i, j), []).append(f)

    # 1. runs down each atomic column
    runs: list[Cell] = []
    run_of: dict[tuple[int, int], Cell] = {}
    for j in range(n_c):
        cur: Cell | None = None
        for i in range(n_r):
            fr = slot_frags.get((i, j), [])
            joined = (
                cur is not None
                and coverage(hsegs, "h", ys[i], xs[j], xs[j + 1]) < 0.5
                and (join_texts_down or not (cur.frags and fr and not set(map(id, fr)) & set(map(id, cur.frags))))
            )
            if joined:
                cur.r1 = i
                cur.frags.extend(f for f in fr if f not in cur.frags)
            else:
                cur = Cell(i, i, j, j, list(fr))
                runs.append(cur)
            run_of[(i, j)] = cur

    # 2. runs of equal height joined across columns where no ruling parts them
    parent = {id(r): r for r in runs}

    def find(r: Cell) -> Cell:
        while parent[id(r)] is not r:
            r = parent[id(r)]
        return r

    texts = {id(r): {id(f) for f in r.frags} for r in runs}
    pairs = []
    for j in range(n_c - 1):
        for r in [x for x in runs if x.c0 == j]:
            other = run_of.get((r.r0, j + 1))
            if other is None or other.r0 != r.r0 or other.r1 != r.r1:
                continue
            shared = bool(texts[id(r)] & texts[id(other)])
            cover = coverage(vsegs, "v", xs[j + 1], ys[r.r0], ys[r.r1 + 1])
            if shared or (cover < 0.5 and (groups is None or groups[j] == groups[j + 1])):
                pairs.append((not shared, cover, j, r.r0, r, other))
    # the most open edges first: a cell takes the neighbour it is least separated from
    for _, _, _, _, r, other in sorted(pairs, key=lambda p: p[:4]):
        a, b = find(r), find(other)
        if a is b:
            continue
        ta, tb = texts[id(a)], texts[id(b)]
        if ta and tb and not (ta & tb):
            continue
        parent[id(b)] = a
        texts[id(a)] = ta | tb
    cells: dict[int, Cell] = {}
    for r in runs:
        root = find(r)
        c = cells.get(id(root))
        if c is None:
            c = cells[id(root)] = Cell(root.r0, root.r1, root.c0, root.c1, [])
        c.r0, c.r1 = min(c.r0, r.r0), max(c.r1, r.r1)
        c.c0, c.c1 = min(c.c0, r.c0), max(c.c1, r.c1)
        c.frags.extend(f for f in r.frags if f not in c.frags)
    out = {}
    for r in runs:
        cell = cells[id(find(r))]
        for i in range(r.r0, r.r1 + 1):
            out[(i, r.c0)] = cell
    return out


def cols_in(col: Col, xs: list[float]) -> list[int]:
    return [j for j in range(len(xs) - 1) if col.x0 - 2 <= (xs[j] + xs[j + 1]) / 2 <= col.x1 + 2]


def page_table(reg: Region, prev: PageTable | None) -> PageTable | None:
    """Read one table region; `prev` (the table on the page before) lends its columns when no header is repeated."""
    frags = region_fragments(reg)
    if not frags:
        return None
    ruled = reg.kind == "grid"
    hb = header_bottom(frags, reg)
    header_frags = [f for f in frags if hb is not None and f.cy < hb]
    if ruled:
        xs = cluster_positions([reg.x0, reg.x1] + [s.x0 for s in reg.segs if s.orient == "v"])
        cols = header_columns(grid_header_cells(header_frags, reg, xs, hb), hb) if hb is not None else []
    else:
        bands = text_columns([f for f in frags if hb is None or f.cy > hb], reg)
        xs = [reg.x0] + [b[1] for b in bands]
        cols = rules_header_columns(header_frags, bands) if hb is not None else []
    if cols:
        cols = assign_roles(cols)
    elif prev is not None:
        cols, hb = [Col(c.x0, c.x1, c.path, c.role) for c in prev.columns], reg.top
        if not ruled:
            xs = cluster_positions([reg.x0, reg.x1] + [c.x1 for c in prev.columns[:-1]])
    else:
        return None
    name = next((c for c in cols if c.role == "name"), None)
    if name is None or not any(c.role == "value" and MEASURE.search(c.path) for c in cols):
        return None
    ys = row_bounds(reg, frags, cols, hb, ruled)
    groups = []
    for j in range(len(xs) - 1):
        mid = (xs[j] + xs[j + 1]) / 2
        owner = next((c for c in cols if c.x0 - 2 <= mid <= c.x1 + 2), None)
        groups.append("value" if owner is None or owner.role in OUTPUT_ROLES else owner.role)
    slots = merge_slots(reg, xs, ys, [f for f in frags if f.cy > hb], groups)
    return PageTable(
        reg=reg, page=reg.page, columns=cols, xs=xs, ys=ys, slots=slots, ruling="grid" if ruled else "three-line"
    )


def carried_over(prev: PageTable, pt: PageTable) -> dict[int, str]:
    """Atomic columns of `pt` whose first cell is empty and continues a cell left open at the foot of `prev`.

    Returns column index -> the text printed on the earlier page (category, 序号, a parent name or a value)."""
    if prev.ruling != "grid" or pt.ruling != "grid" or not prev.n_rows:
        return {}
    hsegs = [s for s in prev.reg.segs if s.orient == "h"]
    last = prev.n_rows - 1
    out = {}
    for j in range(len(pt.xs) - 1):
        cell = pt.slots.get((0, j))
        if cell is None or cell.frags:
            continue
        mid = (pt.xs[j] + pt.xs[j + 1]) / 2
        pj = next((k for k in range(len(prev.xs) - 1) if prev.xs[k] - 1 <= mid <= prev.xs[k + 1] + 1), None)
        if pj is None:
            continue
        above = prev.slots.get((last, pj))
        if above is None or not above.text:
            continue
        if coverage(hsegs, "h", prev.ys[-1], prev.xs[pj], prev.xs[pj + 1]) < 0.5:
            out[j] = above.text
    return out


def page_rows(pt: PageTable, carried: dict[int, str]) -> list[dict]:
    """Rows of one page table: per column (text, merged, bbox, parts)."""
    rows = []
    for i in range(pt.n_rows):
        row: dict = {}
        has_text = False
        for c in pt.columns:
            js = cols_in(c, pt.xs)
            parts: list[tuple[str, bool]] = []
            cells = []
            for j in js:
                cell = pt.slots.get((i, j))
                if cell is None:
                    continue
                if not cell.frags and j in carried and cell.r0 == 0:
                    parts.append((carried[j], True))
                elif cell not in cells:
                    cells.append(cell)
                    if cell.text:
                        spans = cell.r1 > cell.r0 or cell.c0 < min(js) or cell.c1 > max(js)
                        parts.append((cell.text, spans))
                        has_text = True
            parts = list({t: (t, m) for t, m in parts}.values())
            sep = "：" if c.role == "name" else " "
            text = sep.join(t for t, _ in parts)
            merged = any(m for _, m in parts)
            if cells:
                bbox = [
                    pt.xs[min(cl.c0 for cl in cells)],
                    pt.ys[min(cl.r0 for cl in cells)],
                    pt.xs[max(cl.c1 for cl in cells) + 1],
                    pt.ys[max(cl.r1 for cl in cells) + 1],
                ]
            else:
                bbox = [c.x0, pt.ys[i], c.x1, pt.ys[i + 1]]
            row[c.path] = (text, merged, bbox, [t for t, _ in parts])
        if has_text:
            rows.append(row)
    return rows


# ---------------------------------------------------------------- stitching and output


def continues(prev: PageTable, nxt: PageTable, layout: Layout) -> bool:
    """The next page's table carries on the previous one: nothing between them, the same columns."""
    if nxt.page != prev.page + 1 or nxt.reg.caption or prev.reg.note:
        return False
    pg_prev = layout.pages[prev.page - 1]
    pg_next = layout.pages[nxt.page - 1]
    below = [ln for ln in pg_prev.body_lines() if ln.top > prev.reg.bottom and ln.role in ("body", "heading")]
    above = [ln for ln in pg_next.body_lines() if ln.bottom < nxt.reg.top and ln.role in ("body", "heading")]
    if below or above or len(prev.columns) != len(nxt.columns):
        return False
    return all(abs(a.x0 - b.x0) < 6 and abs(a.x1 - b.x1) < 6 for a, b in zip(prev.columns, nxt.columns))


def stitch(tables: list[PageTable], layout: Layout) -> list[list[PageTable]]:
    groups: list[list[PageTable]] = []
    for t in tables:
        if groups and continues(groups[-1][-1], t, layout):
            groups[-1].append(t)
        else:
            groups.append([t])
    return groups


def table_kind(title: str, cols: list[Col]) -> str:
    text = (title or "") + "|" + "|".join(c.path for c in cols)
    return "review" if re.search(r"完成情况|执行情况|实现情况|完成值|^完成|/完成|\|完成", text) else "targets"


def group_rows(group: list[PageTable]) -> list[tuple[PageTable, dict]]:
    """Rows of a stitched table, with category and 序号 filled down and each row's name, parent and unit."""
    out = []
    last_cat = last_seq = last_parent_name = None
    for t_i, pt in enumerate(group):
        carried = carried_over(group[t_i - 1], pt) if t_i else {}
        role_col = {c.role: c for c in pt.columns if c.role not in OUTPUT_ROLES}
        for row in page_rows(pt, carried):
            cat = row[role_col["category"].path][0] if "category" in role_col else None
            seq = row[role_col["seq"].path][0] if "seq" in role_col else None
            cat, seq = cat or last_cat, seq or last_seq
            _, _, _, parts = row[role_col["name"].path]
            name = "：".join(parts)
            parent = None
            if len(parts) > 1:
                parent = parts[0]
            elif re.match(r"^\s*其中", name) and last_parent_name:
                parent = last_parent_name
            else:
                last_parent_name = name
            row["_category"], row["_seq"], row["_name"], row["_parent"] = cat, seq, name, parent
            row["_unit"] = (row[role_col["unit"].path][0] or None) if "unit" in role_col else None
            last_cat, last_seq = cat, seq
            out.append((pt, row))
    return out


def run(layout: Layout) -> tuple[list[dict], list[dict]]:
    page_tables: list[PageTable] = []
    prev = None
    for pg in layout.pages:
        for reg in pg.regions:
            if reg.kind not in ("grid", "rules"):
                continue
            lend = prev if prev is not None and prev.page == pg.number - 1 and not reg.caption else None
            t = page_table(reg, lend)
            if t is not None:
                page_tables.append(t)
                prev = t
    table_rows, cell_rows = [], []
    for n, group in enumerate(stitch(page_tables, layout), 1):
        tid = f"t{n}"
        first, last = group[0], group[-1]
        title = join_lines([ln.text for ln in first.reg.caption]) or None
        note = join_lines([ln.text for ln in last.reg.note]) or None
        values = [c for c in first.columns if c.role in OUTPUT_ROLES]
        rows = group_rows(group)
        for row_no, (pt, row) in enumerate(rows, 1):
            for k, c in enumerate(values, 1):
                text, merged, bbox, _ = row[c.path]
                cell_rows.append(
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
        table_rows.append(
            {
                "table_id": tid,
                "title": title,
                "kind": table_kind(title or "", first.columns),
                "page_start": first.page,
                "page_end": last.page,
                "note": note,
                "columns": [c.path for c in values],
                "row_count": len(rows),
                "ruling": first.ruling,
                "bbox": [first.reg.x0, first.reg.top, first.reg.x1, first.reg.bottom],
            }
        )
    return table_rows, cell_rows

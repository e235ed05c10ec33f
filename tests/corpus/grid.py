"""A table as a grid of spanning cells with per-edge rule widths, shared by the three backends.

The header rows come from the column paths ("规划目标/2020年" under a "规划目标" cell spanning its
group); body merges come from `Table.merged`. `ruling` decides which cell edges carry a rule: each
cell gets a bottom and a right edge, plus a top edge in the first row and a left edge in the
first column, so no edge is drawn twice.
"""
from __future__ import annotations

from dataclasses import dataclass

from model import Table

THICK, THIN = 1.5, 0.5


@dataclass
class Cell:
    r: int          # grid row (header rows first)
    c: int
    rs: int
    cs: int
    text: str       # as printed
    header: bool
    top: float = 0
    bottom: float = 0
    left: float = 0
    right: float = 0
    fill: str | None = None
    align: str = "center"


def header_depth(t: Table) -> int:
    return max(len(h.split("/")) for h in t.header)


def header_cells(t: Table) -> list[Cell]:
    shown = t.display_header or t.header
    paths = [h.split("/") for h in t.header]
    shown_paths = [h.split("/") for h in shown]
    depth = header_depth(t)
    cells = []
    for level in range(depth):
        c = 0
        while c < len(paths):
            p = paths[c]
            if len(p) <= level:
                c += 1
                continue
            cs = 1
            if level < len(p) - 1:      # a group cell spans the columns sharing its prefix
                while c + cs < len(paths) and paths[c + cs][:level + 1] == p[:level + 1]:
                    cs += 1
            rs = depth - level if level == len(p) - 1 else 1
            cells.append(Cell(level, c, rs, cs, shown_paths[c][level], True))
            c += cs
    return cells


def body_cells(t: Table, rows: range | None = None) -> list[Cell]:
    """Body cells (grid rows offset by the header depth); covered cells are left out."""
    depth = header_depth(t)
    rows = rows if rows is not None else range(len(t.rows))
    spans = {(r, c): (rs, cs) for r, c, rs, cs in t.merged}
    covered = set()
    for r, c, rs, cs in t.merged:
        covered |= {(r + i, c + j) for i in range(rs) for j in range(cs)} - {(r, c)}
    cells = []
    for r in rows:
        for c, text in enumerate(t.rows[r]):
            if (r, c) in covered:
                for mr, mc, mrs, mcs in t.merged:      # a merge cut by a page break restarts below it
                    if r == rows.start and mr < r < mr + mrs and mc == c:
                        cells.append(Cell(depth + r, c, min(mr + mrs, rows.stop) - r, mcs, t.shown.get((r, c), text), False))
                continue
            rs, cs = spans.get((r, c), (1, 1))
            cells.append(Cell(depth + r, c, min(rs, rows.stop - r), cs, t.shown.get((r, c), text), False))
    return cells


def layout(t: Table, rows: range | None = None, with_header: bool = True) -> list[Cell]:
    """Header (optional) and body cells with rules, fills and alignment set from the table's style."""
    depth = header_depth(t)
    rows = rows if rows is not None else range(len(t.rows))
    cells = (header_cells(t) if with_header else []) + body_cells(t, rows)
    first = 0 if with_header else depth + rows.start
    last = depth + rows.stop          # grid row after the last body row
    ncols = len(t.header)
    for x in cells:
        top_row, end_row, end_col = x.r == first, x.r + x.rs == last, x.c + x.cs == ncols
        x.align = "center" if x.header else (t.align[x.c] if t.align else
                                             ("left" if len(max((r[x.c] for r in t.rows), key=len)) > 8 else "center"))
        if x.header and t.header_fill:
            x.fill = t.header_fill
        if not x.header and t.zebra and (x.r - depth) % 2 == 1:
            x.fill = t.zebra
        if t.ruling == "grid":
            x.top = THIN if top_row else 0
            x.left = THIN if x.c == 0 else 0
            x.bottom = x.right = THIN
        elif t.ruling == "three_line":
            x.top = THICK if top_row else 0
            if x.header and (x.r + x.rs == depth or x.cs > 1):
                x.bottom = THIN          # under the header, and the short rule under a group heading
            if end_row:
                x.bottom = THICK
        elif t.ruling == "rows":
            x.top = THICK if top_row else 0
            x.bottom = THICK if end_row else THIN
        elif t.ruling == "header_only":
            x.top = THICK if top_row else 0
            if x.header:
                x.bottom = THIN
                x.right = 0 if end_col else THIN
            if end_row:
                x.bottom = THICK
        # "none": no rules at all
    return cells

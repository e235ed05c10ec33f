"""Build small plan-like PDFs for tests, the way Word or WPS would print them.

A tiny layout engine on reportlab: CJK text in the built-in STSong-Light font, fake
bold by painting glyphs twice (as Word does for fonts without a bold face), first-line
indents, running headers, page numbers in several styles, boxed or shaded sidebars
that split across pages, and tables (fully ruled or three-line, merged cells,
repeated headers). `kangxi` rewrites the text layer so chosen characters come out as
Kangxi radicals (as some exports do) while the glyphs stay the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

BOLD_SHIFT = 0.35


def width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def wrap(text: str, size: float, first_width: float, width_rest: float) -> list[str]:
    lines, cur, avail = [], "", first_width
    for ch in text:
        if cur and width(cur + ch, size) > avail:
            lines.append(cur)
            cur, avail = "", width_rest
        cur += ch
    if cur:
        lines.append(cur)
    return lines


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1


# the two-level header of a plan's review table (“十三五”规划主要指标完成情况)
REVIEW_HEADER = [
    [
        Cell("类别", rowspan=2),
        Cell("序号", rowspan=2),
        Cell("指标名称", rowspan=2),
        Cell("2015年", rowspan=2),
        Cell("规划目标", colspan=2),
        Cell("完成情况", colspan=2),
    ],
    [Cell("2020年"), Cell("年均增速"), Cell("2020年"), Cell("平均增速")],
]


@dataclass
class Doc:
    path: str
    body_size: float = 14
    leading: float = 1.8
    margin: tuple[float, float, float, float] = (90, 80, 90, 80)  # top, right, bottom, left
    header: str | None = None
    page_number: str | None = "{n}"  # "{n}", "- {n} -", "— {n} —", "第 {n} 页", or None
    number_offset: int = 0  # printed = physical - offset
    header_from_page: int = 1
    numbers_from_page: int = 1
    encrypt: str | None = None
    c: canvas.Canvas = field(init=False)
    page: int = field(init=False, default=1)
    y: float = field(init=False)

    def __post_init__(self):
        self.c = canvas.Canvas(self.path, pagesize=A4, encrypt=self.encrypt)
        self.W, self.H = A4
        self.y = self.margin[0]
        self._furniture()

    # ------------------------------------------------------------ primitives
    @property
    def left(self) -> float:
        return self.margin[3]

    @property
    def right(self) -> float:
        return self.W - self.margin[1]

    @property
    def bottom(self) -> float:
        return self.H - self.margin[2]

    def text(self, s: str, x: float, top: float, size: float, bold: bool = False) -> None:
        self.c.setFont(FONT, size)
        base = self.H - top - size * 0.88
        self.c.drawString(x, base, s)
        if bold:
            self.c.drawString(x + BOLD_SHIFT, base, s)

    def runs(self, runs: list[tuple[str, bool]], x: float, top: float, size: float) -> None:
        for s, bold in runs:
            self.text(s, x, top, size, bold)
            x += width(s, size)

    def hline(self, x0, x1, top, w=0.6):
        self.c.setLineWidth(w)
        self.c.line(x0, self.H - top, x1, self.H - top)

    def vline(self, x, top, bottom, w=0.6):
        self.c.setLineWidth(w)
        self.c.line(x, self.H - top, x, self.H - bottom)

    def new_page(self) -> None:
        self.c.showPage()
        self.page += 1
        self.y = self.margin[0]
        self._furniture()

    def need(self, h: float) -> None:
        if self.y + h > self.bottom:
            self.new_page()

    def _furniture(self) -> None:
        if self.header and self.page >= self.header_from_page:
            self.text(self.header, (self.W - width(self.header, 10.5)) / 2, 40, 10.5)
            self.hline(self.left, self.right, 56, 0.5)
        if self.page_number and self.page >= self.numbers_from_page:
            s = self.page_number.format(n=self.page - self.number_offset)
            self.text(s, (self.W - width(s, 10.5)) / 2, self.H - 50, 10.5)

    # ------------------------------------------------------------ blocks
    def centered(self, s: str, size: float, bold: bool = True, space_after: float | None = None) -> None:
        lines = wrap(s, size, self.right - self.left - 2 * size, self.right - self.left - 2 * size)
        for ln in lines:
            self.need(size * 1.5)
            self.text(ln, (self.W - width(ln, size)) / 2, self.y, size, bold)
            self.y += size * 1.5
        self.y += space_after if space_after is not None else size * 0.6

    def heading(
        self, s: str, size: float | None = None, bold: bool = True, center: bool = True, banner: bool = False
    ) -> None:
        size = size or self.body_size + 2
        if banner:  # a shaded band behind the heading, as some plans print chapter titles
            self.need(size * 2.2)
            self.c.setFillGray(0.85)
            self.c.rect(self.left, self.H - self.y - size * 1.6, self.right - self.left, size * 1.9, stroke=0, fill=1)
            self.c.setFillGray(0)
            self.y += size * 0.15
        if center:
            self.centered(s, size, bold)
        else:
            self.need(size * 1.6)
            self.text(s, self.left + 2 * self.body_size, self.y, size, bold)
            self.y += size * 1.6

    def para_lines(self, text: str, size: float, indent: bool = True, left=None, right=None) -> list[str]:
        left = self.left if left is None else left
        right = self.right if right is None else right
        w = right - left
        return wrap(text, size, w - (2 * size if indent else 0), w)

    def paragraph(
        self,
        text: str,
        lead: str | None = None,
        size: float | None = None,
        indent: bool = True,
        break_after: int | None = None,
        insert=None,
    ) -> None:
        """A body paragraph; `lead` (a prefix of text) printed bold. After `break_after` lines, `insert()` runs."""
        size = size or self.body_size
        lines = self.para_lines(text, size, indent)
        pitch = size * self.leading
        done = 0
        for i, ln in enumerate(lines):
            if break_after is not None and i == break_after and insert:
                insert()
            self.need(pitch)
            x = self.left + (2 * size if (i == 0 and indent) else 0)
            bold_part = ""
            if lead and done < len(lead):
                bold_part = lead[done : done + len(ln)]
                bold_part = bold_part[: len(ln)]
                if not ln.startswith(bold_part):
                    bold_part = ""
            runs = [(bold_part, True), (ln[len(bold_part) :], False)] if bold_part else [(ln, False)]
            self.runs(runs, x, self.y, size)
            done += len(ln)
            self.y += pitch

    def sidebar(
        self,
        title: str | None,
        paragraphs: list[str],
        frame: str = "border",
        size: float = 11,
        title_above: bool = False,
        pad: float = 8,
    ) -> None:
        """A boxed (frame="border") or shaded (frame="shading") sidebar, split across pages when it must."""
        pitch = size * 1.6
        inner_l, inner_r = self.left + pad, self.right - pad
        rows: list[tuple[str, float, bool, bool]] = []  # text, x, bold, centered
        if title and title_above:
            self.need(pitch * 3)
            self.text(title, (self.W - width(title, size + 1)) / 2, self.y, size + 1, True)
            self.y += pitch
        elif title:
            rows.append((title, 0, True, True))
        for p in paragraphs:
            for i, ln in enumerate(wrap(p, size, inner_r - inner_l - 2 * size, inner_r - inner_l)):
                rows.append((ln, inner_l + (2 * size if i == 0 else 0), False, False))
        self.y += 4
        while rows:
            avail = int((self.bottom - self.y - 2 * pad) // pitch)
            if avail < 1:
                self.new_page()
                continue
            chunk, rows = rows[:avail], rows[avail:]
            self._sidebar_box(chunk, frame, size, pitch, pad)
            if rows:
                self.new_page()
        self.y += 6

    def _sidebar_box(self, chunk: list[tuple[str, float, bool, bool]], frame: str, size, pitch, pad) -> None:
        """One page's part of a sidebar: its frame or shading, and its lines."""
        top = self.y
        h = len(chunk) * pitch + 2 * pad
        if frame in ("shading", "border+shading"):
            self.c.setFillGray(0.88)
            self.c.rect(self.left, self.H - top - h, self.right - self.left, h, stroke=0, fill=1)
            self.c.setFillGray(0)
        if frame in ("border", "border+shading"):
            self.c.setLineWidth(0.8)
            self.c.rect(self.left, self.H - top - h, self.right - self.left, h, stroke=1, fill=0)
        y = top + pad
        for s, x, bold, centered in chunk:
            xx = (self.W - width(s, size + 1)) / 2 if centered else x
            self.text(s, xx, y, size + (1 if centered else 0), bold)
            y += pitch
        self.y = top + h + 6

    def table(
        self,
        title: str,
        header: list[list[Cell]],
        body: list[list[Cell]],
        col_widths: list[float],
        size: float = 9,
        style: str = "grid",
        repeat_header: bool = True,
        note: str | None = None,
        row_height: float | None = None,
    ) -> None:
        """A table with merged cells. `style="grid"`: every cell ruled; `"three-line"`: rules above and under the
        header and at the bottom only. Rows break across pages; the header is repeated when `repeat_header`."""
        pitch = size * 1.5
        x0 = (self.W - sum(col_widths)) / 2
        xs = [x0]
        for w in col_widths:
            xs.append(xs[-1] + w)
        self.centered(title, size + 3, True, space_after=4)
        draw = _TableDrawing(self, xs, style, size, pitch, layout_rows(header, col_widths, size, pitch, row_height))
        body_grid, heights = layout_rows(body, col_widths, size, pitch, row_height)
        y = draw.header(self.y)
        first = 0
        for r in range(len(body) + 1):
            if r == len(body) or (y + heights[r] > self.bottom and r > first):
                end_y = draw.rows(body_grid, heights, first, r, y - sum(heights[first:r]), False)
                if style == "three-line":
                    self.hline(xs[0], xs[-1], end_y, 1.2)
                if r == len(body):
                    break
                self.new_page()
                y = draw.header(self.y) if repeat_header else self.y
                first = r
            y += heights[r]
        self.y = y + 6
        if note:
            for ln in wrap(note, size, self.right - self.left, self.right - self.left):
                self.text(ln, self.left, self.y, size)
                self.y += pitch
        self.y += 8

    def link(self, text: str, uri: str, size: float | None = None) -> None:
        size = size or self.body_size
        self.need(size * 2)
        x = self.left + 2 * size
        self.text(text, x, self.y, size)
        w = width(text, size)
        self.c.linkURL(uri, (x, self.H - self.y - size, x + w, self.H - self.y), relative=0)
        self.y += size * self.leading

    def save(self) -> str:
        self.c.save()
        return self.path


Grid = dict[tuple[int, int], tuple[int, int, Cell]]  # (row, column) -> the cell covering it, by its first row, column


def layout_rows(
    rows: list[list[Cell]], col_widths: list[float], size: float, pitch: float, row_height: float | None
) -> tuple[Grid, list[float]]:
    """Which cell covers each (row, column) of a table's rows, and each row's height."""
    grid: Grid = {}
    heights = []
    for r, row in enumerate(rows):
        c = 0
        lines_needed = 1
        for cell in row:
            while (r, c) in grid:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    grid[(r + dr, c + dc)] = (r, c, cell)
            w = sum(col_widths[c : c + cell.colspan]) - 6
            n = len(wrap(cell.text, size, w, w)) if cell.text else 1
            if cell.rowspan == 1:
                lines_needed = max(lines_needed, n)
            c += cell.colspan
        heights.append(row_height or lines_needed * pitch + 6)
    return grid, heights


@dataclass
class _TableDrawing:
    """Draws a table's rows on a Doc: rules by style, cell text centred."""

    doc: Doc
    xs: list[float]  # column edges
    style: str
    size: float
    pitch: float
    header_layout: tuple[Grid, list[float]]

    def header(self, top: float) -> float:
        grid, heights = self.header_layout
        y = self.rows(grid, heights, 0, len(heights), top, True)
        if self.style == "three-line":
            self.doc.hline(self.xs[0], self.xs[-1], top, 1.2)
            self.doc.hline(self.xs[0], self.xs[-1], y, 0.6)
        return y

    def rows(self, grid: Grid, heights: list[float], first: int, last: int, top: float, is_header: bool) -> float:
        """Draw rows first..last-1 from `top`. A cell spanning rows beyond this page is clipped: its text is
        printed only where it begins, and no rule is drawn where it continues."""
        row_tops = {first: top}
        for r in range(first, last):
            row_tops[r + 1] = row_tops[r] + heights[r]
        drawn = set()
        for r in range(first, last):
            for c in range(len(self.xs) - 1):
                if (r, c) not in grid or grid[(r, c)][:2] in drawn:
                    continue
                r0, c0, cell = grid[(r, c)]
                drawn.add((r0, c0))
                r_start, r_end = max(r0, first), min(r0 + cell.rowspan, last)
                self.cell(cell, c0, row_tops[r_start], row_tops[r_end], r_start == r0, r0 + cell.rowspan == r_end)
                if r0 >= first and cell.text:
                    self.text(cell, c0, row_tops[r_start], is_header)
        return row_tops[last]

    def cell(self, cell: Cell, c0: int, top: float, bottom: float, starts: bool, ends: bool) -> None:
        if self.style != "grid":
            return
        x0, x1 = self.xs[c0], self.xs[c0 + cell.colspan]
        if starts:
            self.doc.hline(x0, x1, top)
        if ends:
            self.doc.hline(x0, x1, bottom)
        self.doc.vline(x0, top, bottom)
        self.doc.vline(x1, top, bottom)

    def text(self, cell: Cell, c0: int, top: float, bold: bool) -> None:
        x0, x1 = self.xs[c0], self.xs[c0 + cell.colspan]
        w = x1 - x0 - 6
        ty = top + 3
        for ln in wrap(cell.text, self.size, w, w):
            self.doc.text(ln, x0 + (x1 - x0 - width(ln, self.size)) / 2, ty, self.size, bold)
            ty += self.pitch


def kangxi(path: str, mapping: dict[str, str]) -> None:
    """Rewrite the text layer so each key character extracts as its value (e.g. '一' -> '⼀').

    The glyphs are untouched: a ToUnicode map is added to the CJK font, as Word and WPS exports carry.
    """
    from pdfminer.cmapdb import CMapDB
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    cmap = CMapDB.get_cmap("UniGB-UCS2-H")
    entries = {}
    for ch in set("".join(mapping)) | set(mapping):
        for cid in cmap.decode(ch.encode("utf-16-be")):
            entries[cid] = mapping.get(ch, ch)
    # identity for every other CID pdfminer would otherwise map through Adobe-GB1
    from pdfminer.cmapdb import CMapDB as _C

    uni = _C.get_unicode_map("Adobe-GB1")
    lines = []
    for cid, u in uni.cid2unichr.items():
        target = entries.get(cid, u)
        if len(target) == 1 and ord(target) < 0x10000:
            lines.append(f"<{cid:04X}> <{ord(target):04X}>")
    body = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
    ]
    for i in range(0, len(lines), 100):
        chunk = lines[i : i + 100]
        body.append(f"{len(chunk)} beginbfchar")
        body.extend(chunk)
        body.append("endbfchar")
    body += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    reader = PdfReader(path)
    writer = PdfWriter(clone_from=reader)
    stream = DecodedStreamObject()
    stream.set_data("\n".join(body).encode("ascii"))
    ref = writer._add_object(stream)
    for page in writer.pages:
        fonts = page["/Resources"]["/Font"]
        for key in fonts:
            font = fonts[key].get_object()
            if FONT.split("-")[0] in str(font.get("/BaseFont", "")):
                font[NameObject("/ToUnicode")] = ref
    with open(path, "wb") as f:
        writer.write(f)


SMALL_PLAN_TEXT = (
    "这是一个用于测试的段落，内容围绕经济社会发展展开，包括产业升级、城乡融合、生态保护和民生改善等多个方面的任务安排。"
)


def small_plan(path: str | Path, extra: str = "") -> Path:
    """A one-page plan: a chapter heading, a paragraph (ending with `extra`) and a sidebar with one item."""
    d = Doc(str(path))
    d.heading("第一章 总体要求", 20)
    d.paragraph(SMALL_PLAN_TEXT * 3 + extra)
    d.sidebar("专栏 1 重点项目", ["1.甲项目：" + SMALL_PLAN_TEXT])
    return Path(d.save())

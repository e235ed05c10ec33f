"""reportlab backend: a small layout engine drawing the Doc straight onto the canvas.

This is the producer for geometry no office tool emits: rules drawn as thin filled rectangles,
as one rectangle per cell or as many short segments; text that is in the text layer but not
drawn (render mode 3, white on white, clipped away); /Rotate 90 pages; sidebars split over pages
whose pieces carry only some of their rules; letter-spaced text; a title drawn as an image.
Body text is STSong-Light (a standard CID font, not embedded); headings are WenQuanYi Zen Hei.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

import grid
from model import Doc, Heading, Item, PageBreak, Para, Sidebar, Table, Title

BODY, HEI = "STSong-Light", "WQYZenHei"
HEI_FILE = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
TITLE_IMAGE_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
pdfmetrics.registerFont(UnicodeCIDFont(BODY))
pdfmetrics.registerFont(TTFont(HEI, HEI_FILE, subfontIndex=0))

MARGIN = (72, 74, 72, 74)          # top, right, bottom, left
PAD = 3                            # cell padding


def width(s: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(s, font, size)


def wrap(s: str, font: str, size: float, avail: float, first: float | None = None) -> list[str]:
    lines, cur, room = [], "", avail if first is None else first
    for ch in s:
        if cur and width(cur + ch, font, size) > room:
            lines.append(cur)
            cur, room = "", avail
        cur += ch
    return lines + [cur] if cur else lines or [""]


@dataclass
class Line:
    """One line of a flowing block: text at an x offset, with its font, size and height."""
    text: str
    font: str
    size: float
    height: float
    x: float = 0
    align: str = "left"          # left | center | justify
    room: float = 0              # width available for justify / center
    bold: bool = False
    color: object = black


class Engine:
    def __init__(self, doc: Doc, path: str):
        self.doc = doc
        self.c = canvas.Canvas(path, pagesize=A4, pageCompression=1, invariant=1)
        self.c.setTitle(doc.title or "")
        self.c.setAuthor("")
        self.landscape = doc.landscape
        self.page = 0
        self.pages: dict[int, tuple[int, int]] = {}
        self.new_page(first=True)

    # ---------------------------------------------------------------- pages
    @property
    def size(self):
        return (A4[1], A4[0]) if self.landscape else A4

    @property
    def left(self):
        return MARGIN[3]

    @property
    def right(self):
        return self.size[0] - MARGIN[1]

    @property
    def bottom(self):
        return MARGIN[2]

    def new_page(self, first: bool = False):
        if not first:
            self.c.restoreState()
            self.c.showPage()
        self.page += 1
        rotate = self.landscape and self.doc.opts.get("rotate")
        # with /Rotate 90 reportlab writes the MediaBox swapped: a landscape size gives a portrait box
        self.c.setPageSize((A4[1], A4[0]) if self.landscape else A4)
        self.c.saveState()
        if rotate:       # a portrait MediaBox shown landscape by /Rotate 90; draw in the shown frame
            self.c.setPageRotation(90)
            self.c.transform(0, 1, -1, 0, A4[0], 0)
        else:
            self.c.setPageRotation(0)
        self.y = self.size[1] - MARGIN[0]
        self.furniture()

    def furniture(self):
        d, c = self.doc, self.c
        w, h = self.size
        if d.header_text:
            c.setFont(BODY, 10.5)
            c.drawCentredString(w / 2, h - 48, d.header_text)
            c.setLineWidth(0.5)
            c.line(self.left, h - 53, self.right, h - 53)
        if d.page_number:
            c.setFont(BODY, 12)
            c.drawCentredString(w / 2, 40, d.page_number.format(n=self.page))

    def ensure(self, h: float):
        if self.y - h < self.bottom:
            self.new_page()

    # ---------------------------------------------------------------- text
    def draw_line(self, ln: Line, x: float, baseline: float, last: bool = True):
        c = self.c
        t = c.beginText()
        t.setFont(ln.font, ln.size)
        t.setFillColor(ln.color)
        if ln.bold:              # fake bold: fill and stroke the glyphs
            t.setTextRenderMode(2)
            c.setLineWidth(ln.size / 30)
            c.setStrokeColor(ln.color)
        dx = x + ln.x
        w = width(ln.text, ln.font, ln.size)
        if ln.align == "center":
            dx += (ln.room - w) / 2
        elif ln.align == "right":
            dx += ln.room - w
        elif ln.align == "justify" and not last and len(ln.text) > 1:
            t.setCharSpace((ln.room - w) / (len(ln.text) - 1))
        t.setTextOrigin(dx, baseline)
        t.textOut(ln.text)
        c.drawText(t)
        c.setStrokeColor(black)

    def flow(self, lines: list[Line], block, keep: int = 1):
        """Place lines top-down, breaking pages between lines; `keep` lines stay with the first."""
        self.ensure(sum(ln.height for ln in lines[:keep]))
        first = self.page
        for k, ln in enumerate(lines):
            self.ensure(ln.height)
            self.y -= ln.height
            self.draw_line(ln, self.left, self.y + ln.height * 0.28, last=k == len(lines) - 1 or
                           lines[k + 1].x > 0)
        self.pages[id(block)] = (first, self.page)

    def para_lines(self, text: str, font=BODY, size=None, indent=True, lead=1.75, room=None, x=0.0) -> list[Line]:
        size = size or self.doc.body_size
        room = room or self.right - self.left - x
        ind = 2 * size if indent else 0
        out = []
        for k, s in enumerate(wrap(text, font, size, room, room - ind)):
            off = ind if k == 0 else 0
            out.append(Line(s, font, size, size * lead, x + off, "justify", room - off))
        return out

    def title(self, b: Title):
        if b.image:
            self.title_image(b)
            return
        lines = [Line(s, HEI, 22, 36, 0, "center", self.right - self.left)
                 for s in wrap(b.text, HEI, 22, self.right - self.left - 20)]
        self.y -= 30
        self.flow(lines, b)
        self.y -= 20

    def title_image(self, b: Title):
        """The title as a raster: on the page, not in the text layer."""
        from PIL import Image, ImageDraw, ImageFont
        room = self.right - self.left
        scale = 3
        f = ImageFont.truetype(TITLE_IMAGE_FONT, 22 * scale)
        lines = wrap(b.text, HEI, 22, room - 20)
        img = Image.new("L", (int(room * scale), int(36 * scale * len(lines))), 255)
        draw = ImageDraw.Draw(img)
        for k, s in enumerate(lines):
            w = draw.textlength(s, font=f)
            draw.text(((img.width - w) / 2, k * 36 * scale + 6 * scale), s, font=f, fill=0)
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=True)
        h = 36 * len(lines)
        self.y -= 30 + h
        self.c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), self.left, self.y, room, h)
        self.y -= 20

    def heading(self, b: Heading):
        s = self.doc.body_size
        text = b.display or (b.label + ("　" if b.title and b.level in ("part", "chapter", "section", "appendix")
                                        and not b.label.endswith("、") else "") + b.title)
        room = self.right - self.left
        if b.body_style:             # only the label tells it is a heading
            lines = self.para_lines(text)
            for ln in lines:
                ln.align = "left"
        elif b.level in ("part", "chapter"):
            size = 20 if b.level == "part" else 17
            lines = [Line(x, HEI, size, size * 2.1, 0, "center", room) for x in wrap(text, HEI, size, room)]
        else:
            lines = [Line(x, HEI, s, s * 1.9, 2 * s if k == 0 else 0, "left", room)
                     for k, x in enumerate(wrap(text, HEI, s, room - 2 * s))]
        self.ensure(sum(ln.height for ln in lines) + 2 * s * 1.75)     # not the last thing on a page
        self.flow(lines, b, keep=len(lines))

    # ---------------------------------------------------------------- tables
    def table_geometry(self, t: Table, inset: float = 0):
        room = self.right - self.left - 2 * inset
        widths = t.widths or [1] * len(t.header)
        total = sum(widths)
        colw = [room * t.total_width * w / total for w in widths]
        x0 = self.left + inset + (room - sum(colw)) / 2
        xs = [x0]
        for w in colw:
            xs.append(xs[-1] + w)
        depth = grid.header_depth(t)
        size, lead = t.font_size, t.font_size * 1.35
        cells = grid.layout(t)
        heights = [lead + 2 * PAD] * (depth + len(t.rows))
        wrapped = {}
        for x in sorted(cells, key=lambda x: x.rs):
            font = HEI if x.header else BODY
            lines = wrap(x.text, font, size, xs[x.c + x.cs] - xs[x.c] - 2 * PAD)
            wrapped[(x.r, x.c)] = lines
            need = len(lines) * lead + 2 * PAD
            have = sum(heights[x.r:x.r + x.rs])
            if need > have:
                heights[x.r + x.rs - 1] += need - have
        return xs, heights, wrapped

    def table(self, t: Table, inset: float = 0):
        xs, heights, wrapped = self.table_geometry(t, inset)
        depth = grid.header_depth(t)
        head_h = sum(heights[:depth])
        self.caption(t.label, t, keep=head_h + heights[depth] * 2)
        first_page, start, piece = self.page, 0, 0
        while start < len(t.rows):
            with_header = piece == 0 or t.repeat_header
            avail = self.y - self.bottom - (head_h if with_header else 0)
            stop, used = start, 0.0
            while stop < len(t.rows) and used + heights[depth + stop] <= avail:
                used += heights[depth + stop]
                stop += 1
                if t.break_after_row is not None and stop == t.break_after_row + 1 and piece == 0:
                    break
            if stop == start:
                self.new_page()
                continue
            self.draw_table_piece(t, xs, heights, wrapped, range(start, stop), with_header)
            start, piece = stop, piece + 1
            if start < len(t.rows):
                self.new_page()
                if t.continued_caption:
                    self.caption(t.continued_caption, t, keep=0, right=True)
        for extra in (t.note, t.source):
            if extra:
                self.flow(self.para_lines(extra, size=10.5, indent=False, lead=1.5), extra)
        self.pages[id(t)] = (first_page, self.page)
        self.y -= 8

    def caption(self, text: str | None, t: Table, keep: float, right: bool = False):
        if not text:
            self.ensure(keep)
            return
        room = self.right - self.left
        if "　　" in text:      # statistical communiqué: 表N, a wide gap, the title
            self.ensure(24 + keep)
            self.y -= 24
            num, _, rest = text.partition("　")
            rest = rest.strip("　")
            wn, wr = width(num, HEI, 12), width(rest, HEI, 12)
            x = self.left + (room - wn - wr - 48) / 2
            self.c.setFont(HEI, 12)
            self.c.drawString(x, self.y + 7, num)
            self.c.drawString(x + wn + 48, self.y + 7, rest)
            return
        lines = [Line(s, HEI, 12, 22, 0, "right" if right else "center", room) for s in wrap(text, HEI, 12, room)]
        self.ensure(sum(ln.height for ln in lines) + keep)
        for ln in lines:
            self.y -= ln.height
            self.draw_line(ln, self.left, self.y + 6)

    def draw_table_piece(self, t, xs, heights, wrapped, rows: range, with_header: bool):
        c = self.c
        depth = grid.header_depth(t)
        cells = grid.layout(t, rows, with_header)
        grid_rows = (list(range(depth)) if with_header else []) + [depth + r for r in rows]
        tops, bottoms, y = {}, {}, self.y
        for r in grid_rows:                               # the header rows, then this piece's body rows
            tops[r] = y
            y -= heights[r]
            bottoms[r] = y
        size, lead = t.font_size, t.font_size * 1.35

        def box(x):
            return xs[x.c], bottoms[x.r + x.rs - 1], xs[x.c + x.cs], tops[x.r]

        for x in cells:                                   # fills first
            if x.fill:
                x0, y0, x1, y1 = box(x)
                c.setFillColor(HexColor(x.fill))
                c.rect(x0, y0, x1 - x0, y1 - y0, stroke=0, fill=1)
        c.setFillColor(black)
        for x in cells:                                   # text, vertically centred
            x0, y0, x1, y1 = box(x)
            font = HEI if x.header else BODY
            lines = wrapped.get((x.r, x.c)) or wrap(x.text, font, size, x1 - x0 - 2 * PAD)
            top = (y0 + y1) / 2 + len(lines) * lead / 2
            for k, s in enumerate(lines):
                ln = Line(s, font, size, lead, PAD, x.align, x1 - x0 - 2 * PAD)
                self.draw_line(ln, x0, top - (k + 1) * lead + lead * 0.28)
        for r, col, text, mode in t.invisible:            # text in the text layer, not on the page
            if r in rows:
                self.invisible(text, mode, xs[col], bottoms[depth + r], xs[col + 1], tops[depth + r], size)
        self.rules(cells, box, t.rule_mode)
        self.y = y

    def invisible(self, text, mode, x0, y0, x1, y1, size):
        c = self.c
        c.saveState()
        t = c.beginText()
        t.setFont(BODY, size)
        w = width(text, BODY, size)
        t.setTextOrigin((x0 + x1 - w) / 2, (y0 + y1) / 2 - size * 0.35)
        if mode == "render3":
            t.setTextRenderMode(3)
        elif mode == "white":
            t.setFillColor(white)
        elif mode == "clipped":
            p = c.beginPath()
            p.rect(x0 + 1, y1 - 1.5, 1, 1)            # a 1pt clip window in the cell's corner, away from the text
            c.clipPath(p, stroke=0, fill=0)
        t.textOut(text)
        c.drawText(t)
        c.restoreState()

    def rules(self, cells, box, mode: str):
        """Collect cell edges, then draw them as strokes, filled rectangles or segments."""
        edges = []                                        # (horizontal, fixed coord, a, b, width)
        for x in cells:
            x0, y0, x1, y1 = box(x)
            for w, e in ((x.top, (True, y1, x0, x1)), (x.bottom, (True, y0, x0, x1)),
                         (x.left, (False, x0, y0, y1)), (x.right, (False, x1, y0, y1))):
                if w:
                    edges.append(e + (w,))
        if mode != "cellrects":                           # join collinear pieces into whole rules
            edges.sort()
            joined = []
            for e in edges:
                p = joined[-1] if joined else None
                if p and p[0] == e[0] and abs(p[1] - e[1]) < 0.01 and p[4] == e[4] and e[2] <= p[3] + 0.01:
                    joined[-1] = (p[0], p[1], p[2], max(p[3], e[3]), p[4])
                else:
                    joined.append(e)
            edges = joined
        c = self.c
        c.setFillColor(black)
        for horiz, k, a, b, w in edges:
            if mode == "stroke":
                c.setLineWidth(w)
                c.line(a, k, b, k) if horiz else c.line(k, a, k, b)
            elif mode == "segments":                      # each rule broken into short strokes
                c.setLineWidth(w)
                n = max(2, int((b - a) // 9))
                for i in range(n):
                    s, e = a + (b - a) * i / n, a + (b - a) * (i + 1) / n
                    c.line(s, k, e, k) if horiz else c.line(k, s, k, e)
            else:                                         # thin filled rectangles
                if horiz:
                    c.rect(a - w / 2, k - w / 2, b - a + w, w, stroke=0, fill=1)
                else:
                    c.rect(k - w / 2, a - w / 2, w, b - a + w, stroke=0, fill=1)

    # ---------------------------------------------------------------- sidebars
    def sidebar(self, s: Sidebar):
        room = self.right - self.left
        pad, size = 10, 12
        inner = room - 2 * pad
        items: list = []                                   # Line or Table, top to bottom
        band = s.style == "band"
        if not band and s.style != "rules":
            items += [Line(x, HEI, 13, 24, pad, "center", inner) for x in wrap(s.heading, HEI, 13, inner)]
        for b in s.body:
            if isinstance(b, Table):
                items.append(b)
            else:
                items += self.para_lines(b.joined if isinstance(b, Item) else b.text, size=size, lead=1.6,
                                         room=inner, x=pad)
        self.ensure(3 * 19 + 2 * pad + 26)
        first = self.page
        if s.style == "rules":                             # title centred above the frame
            self.flow([Line(x, HEI, 13, 26, 0, "center", room) for x in wrap(s.heading, HEI, 13, room)], s, keep=3)
        if band:
            self.ensure(28 + 3 * 19)
            self.y -= 4
            self.c.setFillColor(HexColor("#1f3864"))
            self.c.rect(self.left, self.y - 26, room, 26, stroke=0, fill=1)
            self.draw_line(Line(s.heading, HEI, 13, 26, 0, "center", room, color=white), self.left, self.y - 18)
            self.c.setFillColor(black)
            self.y -= 26
        else:
            self.ensure(3 * 19 + 2 * pad)
        k, piece = 0, 0
        while k < len(items):
            top = self.y
            y = top - (pad if piece == 0 else 4)
            placed = []
            while k < len(items):
                it = items[k]
                h = self.table_height(it, pad) if isinstance(it, Table) else it.height
                if y - h < self.bottom + pad:
                    break
                placed.append((k, y))
                y -= h
                k += 1
            last = k == len(items)
            bottom = y - (pad if last else 2)
            self.frame(s, top, bottom, first_piece=piece == 0 and not band, last_piece=last)
            for i, yy in placed:
                it = items[i]
                if isinstance(it, Table):
                    self.y = yy - 6
                    self.table(it, inset=pad)
                else:
                    nxt = items[i + 1] if i + 1 < len(items) else None
                    self.draw_line(it, self.left, yy - it.height * 0.72,
                                   last=nxt is None or isinstance(nxt, Table) or nxt.x > pad)
            self.y = bottom - 6
            if not last:
                self.new_page()
                piece += 1
        self.pages[id(s)] = (first, self.page)

    def table_height(self, t: Table, inset: float) -> float:
        _, heights, _ = self.table_geometry(t, inset)
        return sum(heights) + 20

    def frame(self, s: Sidebar, top: float, bottom: float, first_piece: bool, last_piece: bool):
        c = self.c
        x0, x1 = self.left, self.right
        if s.fill:
            c.setFillColor(HexColor(s.fill))
            c.rect(x0, bottom, x1 - x0, top - bottom, stroke=0, fill=1)
            c.setFillColor(black)
        c.setLineWidth(0.75)
        if s.style == "rules":
            if first_piece:
                c.line(x0, top, x1, top)
            if last_piece:
                c.line(x0, bottom, x1, bottom)
            return
        if "border" not in s.frame:
            return
        c.line(x0, bottom, x0, top)
        c.line(x1, bottom, x1, top)
        if first_piece:
            c.line(x0, top, x1, top)
        if last_piece:
            c.line(x0, bottom, x1, bottom)

    # ---------------------------------------------------------------- document
    def run(self):
        for b in self.doc.blocks:
            if isinstance(b, PageBreak):
                if b.landscape is not None:
                    self.landscape = b.landscape
                self.new_page()
            elif isinstance(b, Title):
                self.title(b)
            elif isinstance(b, Heading):
                self.heading(b)
            elif isinstance(b, Para):
                if b.role == "note":
                    self.y -= 6
                self.flow(self.para_lines(b.display or b.text, indent=b.indent), b)
            elif isinstance(b, Table):
                self.table(b)
            elif isinstance(b, Sidebar):
                self.sidebar(b)
        self.c.restoreState()
        self.c.showPage()
        self.c.save()
        return self.pages, self.page


def render(doc: Doc, pdf_path: str, keep_source: str | None = None) -> tuple[dict, int]:
    return Engine(doc, pdf_path).run()

"""Stage 2, layout: cleaned characters and rulings -> lines, regions and page furniture.

Everything here is decided from geometry and typography, never from a plan's words:
- regions: connected rulings and shading make boxes (one column: sidebars) and
  grids (several columns: tables); aligned horizontal rules without verticals make
  three-line tables when the text between them stands in columns;
- lines: characters grouped by baseline, region by region;
- furniture: running headers/footers (the same text at the same height on several
  pages) and page numbers (`4`, `- 4 -`, `— 4 —`, `第 4 页`) in the page margins;
- the body style (the commonest font, weight and size) and each page's text column;
- captions: the line above a table (its title), the `注` lines below it, and a
  sidebar title printed above its box.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from pipeline.pdf.model import Centered, Char, Fill, PageData, ParsedPdf, Seg, bbox_of

log = logging.getLogger(__name__)

TOL = 2.0  # pt: rulings closer than this touch
MARGIN_ZONE = 0.12  # share of the page height at top and bottom where furniture lives

PAGE_NUMBER = re.compile(
    r"^(?:(?P<a>\d{1,4})"
    r"|[-－–—―~～]+\s*(?P<b>\d{1,4})\s*[-－–—―~～]+"
    r"|第\s*(?P<c>\d{1,4})\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|(?P<d>\d{1,4})\s*/\s*\d{1,4}"
    r"|(?:page|Page|PAGE)\s*(?P<e>\d{1,4})"
    r"|[-－–—―]*\s*(?P<r>[ivxlcdmIVXLCDM]{1,6})\s*[-－–—―]*)$"
)


@dataclass(slots=True)
class Line(Centered):
    page: int
    chars: list[Char]
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    style: tuple
    bold: bool
    region: int | None = None
    role: str = "body"


@dataclass(slots=True)
class Region:
    page: int
    index: int
    kind: str  # "box" (one column), "grid" (ruled table), "rules" (three-line table)
    x0: float
    top: float
    x1: float
    bottom: float
    segs: list[Seg] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    frame: str = "border"
    chars: list[Char] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    caption: list[Line] = field(default_factory=list)  # title lines (table title, sidebar title above a box)
    note: list[Line] = field(default_factory=list)  # 注 lines under a table


@dataclass(slots=True)
class PageLayout:
    number: int
    width: float
    height: float
    lines: list[Line]  # every line outside regions, furniture included (see role)
    regions: list[Region]
    char_count: int
    printed_page: int | None = None
    printed_label: str | None = None
    header_text: str | None = None
    footer_text: str | None = None
    left: float = 0.0  # text column of this page
    right: float = 0.0

    def body_lines(self) -> list[Line]:
        return [ln for ln in self.lines if ln.role == "body"]


@dataclass(slots=True)
class Layout:
    pdf: ParsedPdf
    pages: list[PageLayout]
    body_style: tuple
    body_size: float
    line_pitch: float


# ---------------------------------------------------------------- regions


def _touch(a: Seg, b: Seg, tol: float = TOL) -> bool:
    if a.orient == b.orient == "h":
        return abs(a.top - b.top) <= tol and a.x0 <= b.x1 + tol and b.x0 <= a.x1 + tol
    if a.orient == b.orient == "v":
        return abs(a.x0 - b.x0) <= tol and a.top <= b.bottom + tol and b.top <= a.bottom + tol
    h, v = (a, b) if a.orient == "h" else (b, a)
    return h.x0 - tol <= v.x0 <= h.x1 + tol and v.top - tol <= h.top <= v.bottom + tol


def _overlaps(f: Fill, s, tol: float = TOL) -> bool:
    return s.x0 <= f.x1 + tol and f.x0 <= s.x1 + tol and s.top <= f.bottom + tol and f.top <= s.bottom + tol


def graphics_to_components(segs: list[Seg], fills: list[Fill]) -> list[tuple[list[Seg], list[Fill]]]:
    """Group rulings and shading that touch into connected components."""
    items: list = list(segs) + list(fills)
    parent = list(range(len(items)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            a, b = items[i], items[j]
            if isinstance(a, Seg) and isinstance(b, Seg):
                hit = _touch(a, b)
            elif isinstance(a, Fill) and isinstance(b, Fill):
                hit = _overlaps(a, b)
            else:
                f, s = (a, b) if isinstance(a, Fill) else (b, a)
                hit = _overlaps(f, s)
            if hit:
                parent[find(i)] = find(j)
    groups: dict[int, list] = defaultdict(list)
    for i, it in enumerate(items):
        groups[find(i)].append(it)
    out = []
    for members in groups.values():
        out.append(([m for m in members if isinstance(m, Seg)], [m for m in members if isinstance(m, Fill)]))
    out.sort(key=lambda g: min(m.top for m in g[0] + g[1]))
    return out


def component_kind(segs: list[Seg], fills: list[Fill], bbox) -> str | None:
    """`grid` when rulings split the component into columns, `box` when they only frame it."""
    x0, top, x1, bottom = bbox
    w, h = x1 - x0, bottom - top
    if w < 40 or h < 10:
        return None
    inner_v = [s for s in segs if s.orient == "v" and x0 + 3 < s.x0 < x1 - 3 and s.bottom - s.top > 6]
    verticals = [s for s in segs if s.orient == "v"]
    if inner_v:
        return "grid"
    if fills or (verticals and any(s.orient == "h" for s in segs)):
        return "box"
    return None


def page_regions(page: PageData) -> tuple[list[Region], list[Seg]]:
    """Boxes and grids on a page, plus the loose horizontal rules left over."""
    regions: list[Region] = []
    loose: list[Seg] = []
    for segs, fills in graphics_to_components(page.segs, page.fills):
        bbox = bbox_of(segs + fills)
        kind = component_kind(segs, fills, bbox)
        if kind is None:
            loose.extend(s for s in segs if s.orient == "h")
            continue
        frame = "border+shading" if fills and segs else ("shading" if fills else "border")
        regions.append(
            Region(
                page=page.number,
                index=len(regions),
                kind=kind,
                x0=bbox[0],
                top=bbox[1],
                x1=bbox[2],
                bottom=bbox[3],
                segs=segs,
                fills=fills,
                frame=frame,
            )
        )
    return regions, loose


def rules_to_regions(loose: list[Seg], chars: list[Char], page: PageData, start: int) -> list[Region]:
    """Three-line tables: two or more aligned horizontal rules with text standing in columns between them."""
    wide = sorted((s for s in loose if s.x1 - s.x0 > 0.3 * page.width), key=lambda s: s.top)
    used = set()
    out = []
    for i, s in enumerate(wide):
        if i in used:
            continue
        group = [s]
        for j in range(i + 1, len(wide)):
            t = wide[j]
            if j not in used and abs(t.x0 - s.x0) < 8 and abs(t.x1 - s.x1) < 8:
                group.append(t)
                used.add(j)
        if len(group) < 2:
            continue
        x0, x1 = min(g.x0 for g in group), max(g.x1 for g in group)
        top, bottom = group[0].top, group[-1].bottom
        inside = [c for c in chars if x0 - 1 <= c.cx <= x1 + 1 and top < c.cy < bottom]
        if not inside or not looks_columnar(chars_to_lines(inside)):
            continue
        out.append(
            Region(
                page=page.number,
                index=start + len(out),
                kind="rules",
                x0=x0,
                top=top,
                x1=x1,
                bottom=bottom,
                segs=group,
                frame="rules",
            )
        )
    return out


def looks_columnar(lines: list[Line]) -> bool:
    """Text stands in columns when most lines break into 3+ pieces at wide gaps."""
    if len(lines) < 2:
        return False
    pieces = [len(split_on_gaps(ln.chars)) for ln in lines]
    return sum(p >= 3 for p in pieces) >= max(2, 0.5 * len(lines))


def split_on_gaps(chars: list[Char], factor: float = 1.5) -> list[list[Char]]:
    """Cut a line's characters where the gap exceeds `factor` x the font size."""
    chars = [c for c in sorted(chars, key=lambda c: c.x0)]
    out: list[list[Char]] = []
    for c in chars:
        if c.text.isspace():
            continue
        if out and c.x0 - out[-1][-1].x1 <= factor * max(c.size, 1):
            out[-1].append(c)
        else:
            out.append([c])
    return out


# ---------------------------------------------------------------- lines


def _is_cjk(ch: str) -> bool:
    return (
        "\u2e80" <= ch <= "\u9fff"
        or "\uf900" <= ch <= "\ufaff"
        or "\uff00" <= ch <= "\uffef"
        or "\u3000" <= ch <= "\u303f"
    )


def chars_to_text(chars: list[Char]) -> str:
    """Characters of one line (sorted left to right) -> text, with spaces only where the print shows a gap."""
    out = []
    prev = None
    for c in chars:
        if prev is not None and not c.text.isspace() and not prev.text.isspace():
            gap = c.x0 - prev.x1
            if gap > 0.25 * max(c.size, prev.size) and not (_is_cjk(c.text[0]) and _is_cjk(prev.text[-1])):
                out.append(" ")
        out.append(c.text)
        prev = c
    return re.sub(r"\s+", " ", "".join(out)).strip()


def chars_to_lines(chars: list[Char], page: int = 0) -> list[Line]:
    """Group characters into lines by vertical overlap (half the smaller height), then order each line left to right."""
    groups: list[list[Char]] = []
    bounds: list[list[float]] = []  # top, bottom, size of each open line
    for c in sorted(chars, key=lambda c: (c.top + c.bottom, c.x0)):
        if not c.upright and c.text.isspace():
            continue
        ctop, cbottom, csize = c.top, c.bottom, c.size
        placed = False
        for k in range(len(groups) - 1, max(-1, len(groups) - 4), -1):
            b = bounds[k]
            overlap = (b[1] if b[1] < cbottom else cbottom) - (b[0] if b[0] > ctop else ctop)
            if overlap >= 0.5 * (b[2] if b[2] < csize else (csize or b[2])):
                groups[k].append(c)
                if ctop < b[0]:
                    b[0] = ctop
                if cbottom > b[1]:
                    b[1] = cbottom
                if csize > b[2]:
                    b[2] = csize
                placed = True
                break
            if k == len(groups) - 1 and ctop > b[1]:
                break  # below the last line: it cannot join an earlier one
        if not placed:
            groups.append([c])
            bounds.append([ctop, cbottom, csize])
    lines = [make_line(sorted(g, key=lambda c: c.x0), page) for g in groups]
    lines = [ln for ln in lines if ln.text]
    lines.sort(key=lambda ln: (round(ln.top, 1), ln.x0))
    return lines


def char_style(c: Char) -> tuple:
    return (c.font, c.bold, round(c.size * 2) / 2)


def make_line(chars: list[Char], page: int) -> Line:
    visible = [c for c in chars if not c.text.isspace()] or chars
    styles = Counter(char_style(c) for c in visible)
    style = styles.most_common(1)[0][0]
    sizes = Counter(round(c.size * 2) / 2 for c in visible)
    bold = sum(c.bold for c in visible) >= 0.6 * len(visible)
    x0, top, x1, bottom = bbox_of(visible)
    return Line(
        page=page,
        chars=chars,
        text=chars_to_text(chars),
        x0=x0,
        top=top,
        x1=x1,
        bottom=bottom,
        size=sizes.most_common(1)[0][0],
        style=style,
        bold=bold,
    )


# ---------------------------------------------------------------- furniture


def page_number_of(text: str) -> tuple[int | None, bool]:
    """(printed number, is a page-number line) for a margin line."""
    t = re.sub(r"\s+", " ", text.strip())
    m = PAGE_NUMBER.match(t)
    if not m:
        return None, False
    for g in "abcde":
        if m.group(g):
            return int(m.group(g)), True
    return roman_to_int(m.group("r")), True


def roman_to_int(s: str) -> int | None:
    vals = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    s = s.lower()
    total = 0
    for i, ch in enumerate(s):
        v = vals[ch]
        total += -v if i + 1 < len(s) and vals[s[i + 1]] > v else v
    return total or None


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def mark_furniture(pages: list[PageLayout]) -> None:
    """Mark page numbers, running headers and footers; record them on the page."""
    for pg in pages:
        zone_top, zone_bottom = MARGIN_ZONE * pg.height, (1 - MARGIN_ZONE) * pg.height
        lines = sorted(pg.lines, key=lambda ln: ln.top)
        for cand in _outer_lines(lines, zone_top, zone_bottom):
            num, ok = page_number_of(cand.text)
            if ok:
                cand.role = "page_number"
                pg.printed_page, pg.printed_label = (num if num is not None and num < 10000 else None), cand.text
                break
    seen: dict[str, list[tuple[PageLayout, Line]]] = defaultdict(list)
    for pg in pages:
        zone_top, zone_bottom = MARGIN_ZONE * pg.height, (1 - MARGIN_ZONE) * pg.height
        for ln in _outer_lines(sorted(pg.lines, key=lambda ln: ln.top), zone_top, zone_bottom, depth=2):
            if ln.role == "body":
                seen[_furniture_key(ln.text)].append((pg, ln))
    for key, hits in seen.items():
        pages_hit = {pg.number for pg, _ in hits}
        if len(pages_hit) < 2 or len(key) < 2:
            continue
        ys = sorted(ln.top for _, ln in hits)
        # the same text at (nearly) the same height on several pages
        clusters = cluster(ys, 4.0)
        big = max(clusters, key=len)
        if len({pg.number for pg, ln in hits if any(abs(ln.top - y) <= 4.0 for y in big)}) < 2:
            continue
        for pg, ln in hits:
            if not any(abs(ln.top - y) <= 4.0 for y in big):
                continue
            if ln.top < pg.height / 2:
                ln.role = "header"
                pg.header_text = ln.text if pg.header_text is None else pg.header_text + " " + ln.text
            else:
                ln.role = "footer"
                pg.footer_text = ln.text if pg.footer_text is None else pg.footer_text + " " + ln.text


def _outer_lines(lines: list[Line], zone_top: float, zone_bottom: float, depth: int = 2) -> list[Line]:
    out = [ln for ln in lines[:depth] if ln.bottom <= zone_top]
    out += [ln for ln in lines[::-1][:depth] if ln.top >= zone_bottom and ln not in out]
    return out


def cluster(values: list[float], tol: float) -> list[list[float]]:
    """Sorted values grouped where neighbours are within `tol`."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return out


# ---------------------------------------------------------------- body style and text column


def body_style_of(pages: list[PageLayout]) -> tuple[tuple, float]:
    counts: Counter = Counter()
    for pg in pages:
        for ln in pg.lines:
            if ln.role == "body":
                for c in ln.chars:
                    if not c.text.isspace():
                        counts[char_style(c)] += 1
    if not counts:
        return ("", False, 12.0), 12.0
    style = counts.most_common(1)[0][0]
    return style, style[2]


def line_pitch_of(pages: list[PageLayout], style: tuple) -> float:
    gaps: Counter = Counter()
    for pg in pages:
        body = [ln for ln in pg.lines if ln.role == "body" and ln.style == style]
        for a, b in zip(body, body[1:]):
            d = round(b.top - a.top, 0)
            if 0 < d < 4 * style[2]:
                gaps[d] += 1
    return float(gaps.most_common(1)[0][0]) if gaps else 1.75 * style[2]


def set_text_columns(pages: list[PageLayout], style: tuple) -> None:
    """Each page's text column: the commonest left edge and the far right edge of its body-style lines."""
    all_left: Counter = Counter()
    all_right: list[float] = []
    per_page = {}
    for pg in pages:
        body = [ln for ln in pg.lines if ln.role == "body" and ln.style[2] == style[2] and ln.style[0] == style[0]]
        lefts = Counter(round(ln.x0) for ln in body)
        rights = sorted(ln.x1 for ln in body)
        per_page[pg.number] = (lefts, rights)
        all_left.update(lefts)
        all_right.extend(rights)
    doc_left = all_left.most_common(1)[0][0] if all_left else 72.0
    all_right.sort()
    doc_right = all_right[int(0.9 * (len(all_right) - 1))] if all_right else 523.0
    for pg in pages:
        lefts, rights = per_page[pg.number]
        shared = [x for x, n in lefts.items() if n >= 2]
        if sum(lefts.values()) >= 4 and shared:
            pg.left = float(min(shared))
            pg.right = rights[int(0.9 * (len(rights) - 1))]
        else:
            pg.left, pg.right = float(doc_left), doc_right
        # lines may start a little left of the edge (hanging punctuation, rounding)
        pg.left = min(
            pg.left, min((ln.x0 for ln in pg.lines if ln.role == "body" and abs(ln.x0 - pg.left) < 2), default=pg.left)
        )


# ---------------------------------------------------------------- captions

CAPTION_GAP = 2.6  # line pitches


def mark_captions(pages: list[PageLayout], pitch: float, body_style: tuple) -> None:
    """Attach to each table its title line(s) above and its note lines below; to a box, a title printed above it."""
    for i, pg in enumerate(pages):
        body = sorted(pg.body_lines(), key=lambda ln: ln.top)
        for reg in pg.regions:
            above = [ln for ln in body if ln.bottom <= reg.top + 1 and ln.role == "body"]
            if reg.kind in ("grid", "rules"):
                if above and reg.top - above[-1].bottom < CAPTION_GAP * pitch:
                    cap = _caption_block(above, pg, body_style)
                elif not above and i > 0:
                    prev_body = sorted(pages[i - 1].body_lines(), key=lambda ln: ln.top)
                    prev_regions_below = [r for r in pages[i - 1].regions if prev_body and r.top > prev_body[-1].bottom]
                    cap = [] if prev_regions_below else _caption_block(prev_body, pages[i - 1], body_style)
                else:
                    cap = []
                for ln in cap:
                    ln.role = "table_title"
                reg.caption = cap
                below = [ln for ln in body if ln.top >= reg.bottom - 1 and ln.role == "body"]
                note = []
                if (
                    below
                    and below[0].top - reg.bottom < CAPTION_GAP * pitch
                    and re.match(r"^\s*(注|说明|备注|资料来源|数据来源)", below[0].text)
                ):
                    note = [below[0]]
                    for ln in below[1:]:
                        if ln.style == below[0].style and ln.top - note[-1].bottom < 0.8 * pitch:
                            note.append(ln)
                        else:
                            break
                for ln in note:
                    ln.role = "table_note"
                reg.note = note
            elif reg.kind == "box" and above and reg.top - above[-1].bottom < 1.2 * pitch:
                last = above[-1]
                centered = abs(last.cx - reg_center(reg)) < 0.08 * (reg.x1 - reg.x0)
                if re.match(r"^\s*专\s*栏", last.text) or (
                    centered and last.style != body_style and last.x1 - last.x0 < 0.8 * (reg.x1 - reg.x0)
                ):
                    last.role = "box_title"
                    reg.caption = [last]


def reg_center(reg: Region) -> float:
    return (reg.x0 + reg.x1) / 2


def _caption_block(above: list[Line], pg: PageLayout, body_style: tuple) -> list[Line]:
    """The last line(s) above a table when they look like a title: centred or set apart in style."""
    if not above:
        return []
    last = above[-1]
    mid = (pg.left + pg.right) / 2
    centered = abs(last.cx - mid) < 0.08 * (pg.right - pg.left) and last.x0 > pg.left + last.size
    styled = last.style != body_style
    if not (centered or styled) or len(last.text) > 80 or last.text.endswith("。"):
        return []
    block = [last]
    for ln in reversed(above[:-1]):
        if (
            ln.style == last.style
            and block[0].top - ln.bottom < 0.8 * ln.size
            and abs(ln.cx - last.cx) < 0.1 * (pg.right - pg.left)
        ):
            block.insert(0, ln)
        else:
            break
    return block


def is_heading_banner(chars: list[Char]) -> bool:
    """A box holding only a heading: at most three lines, the first starting 第…章/节/篇."""
    lines = chars_to_lines(chars)
    return 0 < len(lines) <= 3 and bool(BANNER_LABEL.match(lines[0].text))


BANNER_LABEL = re.compile(r"^第\s*[零〇一二三四五六七八九十百两0-9０-９]+\s*[章节篇]")


# ---------------------------------------------------------------- the stage


def page_layout(page: PageData) -> PageLayout:
    regions, loose = page_regions(page)
    inside: dict[int, list[Char]] = defaultdict(list)
    free: list[Char] = []
    for c in page.chars:
        for reg in regions:
            if reg.x0 - 1 <= c.cx <= reg.x1 + 1 and reg.top - 1 <= c.cy <= reg.bottom + 1:
                inside[reg.index].append(c)
                break
        else:
            free.append(c)
    # boxes in the page margins hold running headers or footers, not sidebars;
    # a banner behind a chapter or section heading is decoration, not a sidebar
    kept = []
    for reg in regions:
        in_margin = reg.bottom < MARGIN_ZONE * page.height or reg.top > (1 - MARGIN_ZONE) * page.height
        if not inside[reg.index] or (reg.kind == "box" and (in_margin or is_heading_banner(inside[reg.index]))):
            free.extend(inside[reg.index])
            continue
        kept.append(reg)
    rules = rules_to_regions(loose, free, page, start=0)
    for reg in rules:
        take = [c for c in free if reg.x0 - 1 <= c.cx <= reg.x1 + 1 and reg.top < c.cy < reg.bottom]
        ids = {id(c) for c in take}
        free = [c for c in free if id(c) not in ids]
        reg.chars = take
    for reg in kept:
        reg.chars = inside[reg.index]
    regions = sorted(kept + rules, key=lambda r: (r.top, r.x0))
    for i, reg in enumerate(regions):
        reg.index = i
        reg.lines = chars_to_lines(reg.chars, page.number)
        for ln in reg.lines:
            ln.region = i
    lines = chars_to_lines(free, page.number)
    return PageLayout(
        number=page.number,
        width=page.width,
        height=page.height,
        lines=lines,
        regions=regions,
        char_count=len(page.chars),
    )


def run(pdf: ParsedPdf) -> Layout:
    pages = [page_layout(p) for p in pdf.pages]
    mark_furniture(pages)
    style, size = body_style_of(pages)
    pitch = line_pitch_of(pages, style)
    set_text_columns(pages, style)
    mark_captions(pages, pitch, style)
    return Layout(pdf=pdf, pages=pages, body_style=style, body_size=size, line_pitch=pitch)

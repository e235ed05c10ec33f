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

Thresholds are `LayoutSettings`, relative to the document's `Measures` (body size, line pitch,
page size), which this stage measures and hands on in the `Layout`.
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from pipeline.core.geometry import Band, Centered, UnionFind, bbox_of, centre_in, cluster, group_lines, split_on_gaps
from pipeline.core.numbering import ordinal_heading, sidebar_label
from pipeline.core.text import chars_to_text, join_lines
from pipeline.pdf.model import Char, Fill, PageData, ParsedPdf, Seg
from pipeline.settings import StageSettings, settings_for

log = logging.getLogger(__name__)

Style = tuple[str, bool, float]  # font, bold, size to the half point

SIZE_STEP = 0.5  # pt: font sizes are compared to the half point, the step Word and WPS offer
DEFAULT_SIZE = 12.0  # pt: the body size of a document without any text
DEFAULT_PAGE = (595.0, 842.0)  # pt: A4, the page size of a document without pages

PAGE_NUMBER = re.compile(
    r"^(?:(?P<a>\d{1,4})"
    r"|[-－–—―~～]+\s*(?P<b>\d{1,4})\s*[-－–—―~～]+"
    r"|第\s*(?P<c>\d{1,4})\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|(?P<d>\d{1,4})\s*/\s*\d{1,4}"
    r"|(?:page|Page|PAGE)\s*(?P<e>\d{1,4})"
    r"|[-－–—―]*\s*(?P<r>[ivxlcdmIVXLCDM]{1,6})\s*[-－–—―]*)$"
)
NOTE_START = re.compile(r"^\s*(注|说明|备注|资料来源|数据来源)")


class LayoutSettings(StageSettings, stage="layout"):
    """The layout stage's thresholds (declared, with their units and ranges, in pipeline/data/settings.toml)."""


@dataclass(frozen=True, slots=True)
class Measures:
    """A document's own measures, in points: what settings relative to the document are multiples of."""

    body: float  # body font size
    pitch: float  # body line pitch, baseline to baseline
    page_w: float  # the commonest page width (decisions about one page use that page's own size)
    page_h: float


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
    style: Style
    bold: bool
    region: int | None = None
    role: str = "body"
    conf: float | None = None  # mean OCR confidence of its characters; None for a line of the text layer


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
    text_source: str = "pdf"  # `ocr`: the page was read from its image
    text_quality: float | None = None  # share of plausible characters in its text layer

    def body_lines(self) -> list[Line]:
        return [ln for ln in self.lines if ln.role == "body"]


@dataclass(slots=True)
class Layout:
    pdf: ParsedPdf
    pages: list[PageLayout]
    body_style: Style
    measures: Measures
    settings: LayoutSettings  # the settings the layout was made with (line text, bold, columns)


# ---------------------------------------------------------------- measures


def first_measures(pdf: ParsedPdf, cfg: LayoutSettings) -> Measures:
    """The document's measures before lines exist: the commonest character size stands for the body size."""
    sizes = Counter(round(c.size / SIZE_STEP) * SIZE_STEP for p in pdf.pages for c in p.chars if not c.text.isspace())
    body = sizes.most_common(1)[0][0] if sizes else DEFAULT_SIZE
    pages = Counter((p.width, p.height) for p in pdf.pages)
    page_w, page_h = pages.most_common(1)[0][0] if pages else DEFAULT_PAGE
    return Measures(body, cfg.pitch_fallback * body, page_w, page_h)


# ---------------------------------------------------------------- regions


def _touch(a: Seg, b: Seg, tol: float) -> bool:
    if a.orient == b.orient == "h":
        return abs(a.top - b.top) <= tol and a.x0 <= b.x1 + tol and b.x0 <= a.x1 + tol
    if a.orient == b.orient == "v":
        return abs(a.x0 - b.x0) <= tol and a.top <= b.bottom + tol and b.top <= a.bottom + tol
    h, v = (a, b) if a.orient == "h" else (b, a)
    return h.x0 - tol <= v.x0 <= h.x1 + tol and v.top - tol <= h.top <= v.bottom + tol


def _overlaps(f: Fill, s: Seg | Fill, tol: float) -> bool:
    return s.x0 <= f.x1 + tol and f.x0 <= s.x1 + tol and s.top <= f.bottom + tol and f.top <= s.bottom + tol


def _connected(a: Seg | Fill, b: Seg | Fill, tol: float) -> bool:
    if isinstance(a, Seg) and isinstance(b, Seg):
        return _touch(a, b, tol)
    if isinstance(a, Fill):
        return _overlaps(a, b, tol)
    assert isinstance(b, Fill)
    return _overlaps(b, a, tol)


def merge_collinear(segs: list[Seg], tol: float) -> list[Seg]:
    """Rulings drawn as many short pieces (one per cell, or dashes of a long rule) joined into one rule each:
    pieces of one orientation on one line whose ends touch within `tol`."""
    out: list[Seg] = []
    for orient in ("h", "v"):

        def pos(s: Seg, horizontal: bool = orient == "h") -> float:
            return s.top if horizontal else s.x0

        def lo(s: Seg, horizontal: bool = orient == "h") -> float:
            return s.x0 if horizontal else s.top

        def hi(s: Seg, horizontal: bool = orient == "h") -> float:
            return s.x1 if horizontal else s.bottom

        for s in sorted((s for s in segs if s.orient == orient), key=lambda s: (round(pos(s) / tol), lo(s))):
            last = out[-1] if out and out[-1].orient == orient else None
            if last is not None and abs(pos(last) - pos(s)) <= tol and lo(s) <= hi(last) + tol:
                if orient == "h":
                    last.x1 = max(last.x1, s.x1)
                else:
                    last.bottom = max(last.bottom, s.bottom)
                continue
            out.append(Seg(s.orient, s.x0, s.top, s.x1, s.bottom))
    return out


def graphics_to_components(segs: list[Seg], fills: list[Fill], tol: float) -> list[tuple[list[Seg], list[Fill]]]:
    """Group rulings and shading that touch (within `tol`) into connected components, top to bottom."""
    items: list[Seg | Fill] = [*segs, *fills]
    sets = UnionFind(len(items))
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if _connected(items[i], items[j], tol):
                sets.union(j, i)
    out: list[tuple[list[Seg], list[Fill]]] = []
    for group in sets.groups():
        members = [items[k] for k in group]
        out.append(([m for m in members if isinstance(m, Seg)], [m for m in members if isinstance(m, Fill)]))
    out.sort(key=_component_top)
    return out


def _component_top(component: tuple[list[Seg], list[Fill]]) -> float:
    segs, fills = component
    return min(min((s.top for s in segs), default=float("inf")), min((f.top for f in fills), default=float("inf")))


def component_kind(
    segs: list[Seg], fills: list[Fill], bbox: tuple[float, float, float, float], cfg: LayoutSettings, m: Measures
) -> str | None:
    """`grid` when rulings split the component into columns, `box` when they only frame it."""
    x0, top, x1, bottom = bbox
    if x1 - x0 < cfg.region_min_w * m.body or bottom - top < cfg.region_min_h * m.body:
        return None
    inset, tall = cfg.inner_rule_inset * m.body, cfg.inner_rule_min * m.body
    if any(s.orient == "v" and x0 + inset < s.x0 < x1 - inset and s.bottom - s.top > tall for s in segs):
        return "grid"
    verticals = any(s.orient == "v" for s in segs)
    if fills or (verticals and any(s.orient == "h" for s in segs)):
        return "box"
    return None


def page_regions(page: PageData, cfg: LayoutSettings, m: Measures) -> tuple[list[Region], list[Seg]]:
    """Boxes and grids on a page, plus the loose horizontal rules left over."""
    regions: list[Region] = []
    loose: list[Seg] = []
    sides: list[Seg] = []
    rulings = merge_collinear(page.segs, cfg.touch * m.body)
    for segs, fills in graphics_to_components(rulings, page.fills, cfg.touch * m.body):
        x0, top, x1, bottom = bbox = bbox_of([*segs, *fills])
        kind = component_kind(segs, fills, bbox, cfg, m)
        if kind is None:
            loose.extend(s for s in segs if s.orient == "h")
            sides.extend(s for s in segs if s.orient == "v")
            continue
        frame = "border+shading" if fills and segs else ("shading" if fills else "border")
        regions.append(Region(page.number, len(regions), kind, x0, top, x1, bottom, segs, fills, frame))
    regions += side_rule_boxes(sides, page, cfg, m)
    return regions, loose


def side_rule_boxes(sides: list[Seg], page: PageData, cfg: LayoutSettings, m: Measures) -> list[Region]:
    """The middle page of a box broken over three or more pages keeps only its two side rules: a pair of
    vertical rules of one height, standing apart like a box's sides, is a box."""
    tol = cfg.rule_align * m.body
    out: list[Region] = []
    tall = sorted((s for s in sides if s.bottom - s.top > cfg.region_min_h * m.body), key=lambda s: s.x0)
    for a, b in pairwise(tall):
        if (
            abs(a.top - b.top) < tol
            and abs(a.bottom - b.bottom) < tol
            and b.x0 - a.x0 > cfg.side_box_min_w * page.width
        ):
            out.append(Region(page.number, 0, "box", a.x0, min(a.top, b.top), b.x0, max(a.bottom, b.bottom), [a, b]))
    return out


def _under_rules(c: Char, reg: Region, slack: float) -> bool:
    """A character between a three-line table's first and last rule."""
    return reg.x0 - slack <= c.cx <= reg.x1 + slack and reg.top < c.cy < reg.bottom


def aligned_rules(loose: list[Seg], page: PageData, cfg: LayoutSettings, m: Measures) -> list[list[Seg]]:
    """Wide horizontal rules grouped where their ends align, top to bottom; groups of two or more."""
    wide = sorted((s for s in loose if s.x1 - s.x0 > cfg.rule_min_w * page.width), key=lambda s: s.top)
    tol = cfg.rule_align * m.body
    used = set()
    out = []
    for i, s in enumerate(wide):
        if i in used:
            continue
        group = [s]
        for j in range(i + 1, len(wide)):
            t = wide[j]
            if j not in used and abs(t.x0 - s.x0) < tol and abs(t.x1 - s.x1) < tol:
                group.append(t)
                used.add(j)
        if len(group) >= 2:
            out.append(group)
    return out


def rules_to_regions(
    loose: list[Seg], chars: list[Char], page: PageData, cfg: LayoutSettings, m: Measures
) -> list[Region]:
    """Three-line tables: two or more aligned horizontal rules with text standing in columns between them."""
    out: list[Region] = []
    slack = cfg.edge_slack * m.body
    groups = [run for g in aligned_rules(loose, page, cfg, m) for run in split_at_prose(g, chars, cfg, slack)]
    for group in groups:
        x0, x1 = min(g.x0 for g in group), max(g.x1 for g in group)
        reg = Region(page.number, len(out), "rules", x0, group[0].top, x1, group[-1].bottom, group, frame="rules")
        lines = chars_to_lines([c for c in chars if _under_rules(c, reg, slack)], cfg)
        if lines and not looks_like_prose(lines, x1 - x0, cfg) and columnar_lines(lines, cfg) >= cfg.columnar_lines:
            out.append(reg)
    return out


def ruled_boxes(loose: list[Seg], chars: list[Char], page: PageData, cfg: LayoutSettings, m: Measures) -> list[Region]:
    """Sidebars framed by a rule above and a rule below only: two aligned wide rules, out of the page's
    margins, with running text between them."""
    slack = cfg.edge_slack * m.body
    top_zone, bottom_zone = cfg.margin_zone * page.height, (1 - cfg.margin_zone) * page.height
    out: list[Region] = []
    for group in aligned_rules(loose, page, cfg, m):
        for a, b in pairwise(group):
            if a.top < top_zone or b.top > bottom_zone:
                continue
            between = [c for c in chars if a.x0 - slack <= c.cx <= a.x1 + slack and a.bottom < c.cy < b.top]
            lines = chars_to_lines(between, cfg)
            if lines and looks_like_prose(lines, a.x1 - a.x0, cfg):
                out.append(Region(page.number, 0, "box", a.x0, a.top, a.x1, b.bottom, [a, b], [], "rules"))
    return out


def split_at_prose(group: list[Seg], chars: list[Char], cfg: LayoutSettings, slack: float) -> list[list[Seg]]:
    """Aligned rules parted where running text stands between two of them (a rule under a running header and a
    table further down the page align too): runs of two or more rules with a table's text between them."""
    runs: list[list[Seg]] = [[group[0]]]
    for a, b in pairwise(group):
        between = [c for c in chars if a.x0 - slack <= c.cx <= a.x1 + slack and a.bottom < c.cy < b.top]
        lines = chars_to_lines(between, cfg)
        if len(lines) > cfg.header_only_lines and looks_like_prose(lines, a.x1 - a.x0, cfg):
            runs.append([b])
        else:
            runs[-1].append(b)
    return [r for r in runs if len(r) >= 2]


def looks_like_prose(lines: list[Line], width: float, cfg: LayoutSettings) -> bool:
    """Running text: most lines are one piece across nearly the whole width (a table's cells are narrower)."""
    full = [
        ln
        for ln in lines
        if ln.x1 - ln.x0 >= cfg.prose_width * width and len(split_on_gaps(ln.chars, cfg.columnar_gap)) == 1
    ]
    return len(full) >= cfg.columnar_share * len(lines)


def columnar_lines(lines: list[Line], cfg: LayoutSettings) -> int:
    """How many lines break into several pieces at wide gaps (cells set in columns)."""
    return sum(len(split_on_gaps(ln.chars, cfg.columnar_gap, cfg.figure_gap)) >= cfg.columnar_pieces for ln in lines)


# ---------------------------------------------------------------- lines


def chars_to_lines(chars: Iterable[Char], cfg: LayoutSettings, page: int = 0) -> list[Line]:
    """Group characters into lines by vertical overlap (a share of the smaller size), each left to right."""
    share = cfg.line_overlap

    def joins(b: Band, c: Char) -> bool:
        overlap = (b.bottom if b.bottom < c.bottom else c.bottom) - (b.top if b.top > c.top else c.top)
        return overlap >= share * (b.size if b.size < c.size else (c.size or b.size))

    kept = [c for c in chars if c.upright or not c.text.isspace()]
    groups = group_lines(kept, joins, int(cfg.line_lookback))
    lines = [make_line(sorted(g, key=lambda c: c.x0), page, cfg) for g in groups]
    lines = [ln for ln in lines if ln.text]
    lines.sort(key=lambda ln: (round(ln.top, 1), ln.x0))
    return lines


def char_style(c: Char) -> Style:
    return (c.font, c.bold, round(c.size / SIZE_STEP) * SIZE_STEP)


def is_bold(chars: Sequence[Char], share: float) -> bool:
    """At least `share` of the characters are bold."""
    return sum(c.bold for c in chars) >= share * len(chars)


def lines_text(lines: Iterable[Line]) -> str:
    """Printed lines joined into one text (a caption, a note, a title over several lines)."""
    return join_lines([ln.text for ln in lines])


def make_line(chars: list[Char], page: int, cfg: LayoutSettings) -> Line:
    visible = [c for c in chars if not c.text.isspace()] or chars
    style = Counter(char_style(c) for c in visible).most_common(1)[0][0]
    size = Counter(round(c.size / SIZE_STEP) * SIZE_STEP for c in visible).most_common(1)[0][0]
    x0, top, x1, bottom = bbox_of(visible)
    text = chars_to_text(chars, cfg.space_gap)
    bold = is_bold(visible, cfg.bold_share)
    return Line(page, chars, text, x0, top, x1, bottom, size, style, bold, conf=mean_conf(visible))


def mean_conf(chars: Iterable[Char]) -> float | None:
    """The mean OCR confidence of characters (to 4 decimals); None when none was read by OCR."""
    confs = [c.conf for c in chars if c.conf is not None and not c.text.isspace()]
    return round(sum(confs) / len(confs), 4) if confs else None


def lines_conf(lines: Iterable[Line]) -> float | None:
    """The mean OCR confidence of the characters of some lines (a paragraph, a sidebar); None for text-layer ones."""
    return mean_conf(c for ln in lines for c in ln.chars)


def box_conf(chars: Iterable[Char], bbox: Sequence[float]) -> float | None:
    """The mean OCR confidence of the characters whose centre lies in a box (a table cell)."""
    x0, top, x1, bottom = bbox
    return mean_conf(c for c in chars if x0 <= c.cx <= x1 and top <= c.cy <= bottom)


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


def mark_furniture(pages: list[PageLayout], cfg: LayoutSettings, m: Measures) -> None:
    """Mark page numbers, running headers and footers; record them on the page."""
    mark_page_numbers(pages, cfg)
    mark_running_lines(pages, cfg, m)


def margin_lines(pg: PageLayout, cfg: LayoutSettings) -> list[Line]:
    """The first and last few lines of a page, when they lie in its top or bottom margin zone."""
    zone_top, zone_bottom = cfg.margin_zone * pg.height, (1 - cfg.margin_zone) * pg.height
    lines = sorted(pg.lines, key=lambda ln: ln.top)
    depth = int(cfg.furniture_depth)
    out = [ln for ln in lines[:depth] if ln.bottom <= zone_top]
    out += [ln for ln in lines[::-1][:depth] if ln.top >= zone_bottom and ln not in out]
    return out


def mark_page_numbers(pages: list[PageLayout], cfg: LayoutSettings) -> None:
    for pg in pages:
        for cand in margin_lines(pg, cfg):
            num, ok = page_number_of(cand.text)
            if ok:
                cand.role = "page_number"
                pg.printed_page, pg.printed_label = (num if num is not None and num < 10000 else None), cand.text
                break


def mark_running_lines(pages: list[PageLayout], cfg: LayoutSettings, m: Measures) -> None:
    """Running headers and footers: the same text (numbers aside) at (nearly) the same height on several pages."""
    seen: dict[str, list[tuple[PageLayout, Line]]] = defaultdict(list)
    for pg in pages:
        for ln in margin_lines(pg, cfg):
            if ln.role == "body":
                seen[_furniture_key(ln.text)].append((pg, ln))
    drift = cfg.furniture_drift * m.body
    for key, hits in seen.items():
        if len({pg.number for pg, _ in hits}) < cfg.furniture_pages or len(key) < cfg.furniture_chars:
            continue
        big = max(cluster([ln.top for _, ln in hits], drift), key=len)
        recurring = [(pg, ln) for pg, ln in hits if any(abs(ln.top - y) <= drift for y in big)]
        if len({pg.number for pg, _ in recurring}) < cfg.furniture_pages:
            continue
        for pg, ln in recurring:
            _mark_running(pg, ln)


def _mark_running(pg: PageLayout, ln: Line) -> None:
    if ln.top < pg.height / 2:
        ln.role = "header"
        pg.header_text = ln.text if pg.header_text is None else pg.header_text + " " + ln.text
    else:
        ln.role = "footer"
        pg.footer_text = ln.text if pg.footer_text is None else pg.footer_text + " " + ln.text


# ---------------------------------------------------------------- body style and text column


def body_style_of(pages: list[PageLayout]) -> tuple[Style, float]:
    counts: Counter[Style] = Counter()
    for pg in pages:
        for ln in pg.lines:
            if ln.role == "body":
                for c in ln.chars:
                    if not c.text.isspace():
                        counts[char_style(c)] += 1
    if not counts:
        return ("", False, DEFAULT_SIZE), DEFAULT_SIZE
    style = counts.most_common(1)[0][0]
    return style, style[2]


def line_pitch_of(pages: list[PageLayout], style: Style, cfg: LayoutSettings) -> float:
    """The commonest distance between the tops of consecutive body lines (to the point)."""
    gaps: Counter[float] = Counter()
    for pg in pages:
        body = [ln for ln in pg.lines if ln.role == "body" and ln.style == style]
        for a, b in pairwise(body):
            d = round(b.top - a.top, 0)
            if 0 < d < cfg.pitch_max * style[2]:
                gaps[d] += 1
    return float(gaps.most_common(1)[0][0]) if gaps else cfg.pitch_fallback * style[2]


def shared_left(lines: Sequence[Line], cfg: LayoutSettings) -> float | None:
    """The leftmost left edge (to the point) that several lines share; None when no edge is shared."""
    lefts = Counter(round(ln.x0) for ln in lines)
    shared = [x for x, n in lefts.items() if n >= cfg.column_shared]
    return float(min(shared)) if shared else None


def right_edge(lines: Sequence[Line], cfg: LayoutSettings) -> float:
    """A column's right edge: a high quantile of its lines' right ends (a few lines may overrun)."""
    rights = sorted(ln.x1 for ln in lines)
    return rights[int(cfg.column_right * (len(rights) - 1))]


def hang_left(left: float, lines: Iterable[Line], cfg: LayoutSettings, m: Measures) -> float:
    """A column's left edge moved to the lines that start a little left of it (hanging punctuation, rounding)."""
    tol = cfg.column_hang * m.body
    return min([left, *(ln.x0 for ln in lines if abs(ln.x0 - left) < tol)])


def column_of(lines: Sequence[Line], cfg: LayoutSettings, m: Measures) -> tuple[float, float]:
    """The text column of some lines (a box's): the leftmost edge several lines share (else the leftmost
    line's), moved to lines starting a little left of it; and the far right edge."""
    left = shared_left(lines, cfg)
    if left is None:
        left = float(min(round(ln.x0) for ln in lines))
    return hang_left(left, lines, cfg, m), right_edge(lines, cfg)


def set_text_columns(pages: list[PageLayout], style: Style, cfg: LayoutSettings, m: Measures) -> None:
    """Each page's text column: the commonest left edge and the far right edge of its body-style lines."""
    per_page = {pg.number: [ln for ln in pg.body_lines() if ln.style[2] == style[2] and ln.style[0] == style[0]]
                for pg in pages}  # fmt: skip
    every = [ln for lines in per_page.values() for ln in lines]
    lefts = Counter(round(ln.x0) for ln in every)
    doc_left = float(lefts.most_common(1)[0][0]) if lefts else cfg.fallback_margin * m.page_w
    doc_right = right_edge(every, cfg) if every else m.page_w - cfg.fallback_margin * m.page_w
    for pg in pages:
        lines = per_page[pg.number]
        left = shared_left(lines, cfg)
        if len(lines) >= cfg.column_lines and left is not None:
            pg.left, pg.right = left, right_edge(lines, cfg)
        else:
            pg.left, pg.right = doc_left, doc_right
        pg.left = hang_left(pg.left, pg.body_lines(), cfg, m)


# ---------------------------------------------------------------- captions


def mark_captions(pages: list[PageLayout], body_style: Style, cfg: LayoutSettings, m: Measures) -> None:
    """Attach to each table its title line(s) above and its note lines below; to a box, a title printed above it."""
    slack = cfg.edge_slack * m.body
    for i, pg in enumerate(pages):
        body = sorted(pg.body_lines(), key=lambda ln: ln.top)
        for reg in pg.regions:
            above = [ln for ln in body if ln.bottom <= reg.top + slack and ln.role == "body"]
            if reg.kind in ("grid", "rules"):
                reg.caption = table_title(above, reg, pages[i - 1] if i > 0 else None, pg, body_style, cfg, m)
                below = [ln for ln in body if ln.top >= reg.bottom - slack and ln.role == "body"]
                reg.note = table_note(below, reg, cfg, m)
            elif reg.kind == "box":
                reg.caption = box_title_above(above, reg, body_style, cfg, m)


def table_title(
    above: list[Line],
    reg: Region,
    prev_page: PageLayout | None,
    pg: PageLayout,
    body_style: Style,
    cfg: LayoutSettings,
    m: Measures,
) -> list[Line]:
    """A table's title: the lines just above it, or the last lines of the page before when it opens a page."""
    if above and reg.top - above[-1].bottom < cfg.caption_gap * m.pitch:
        cap = _caption_block(above, pg, body_style, cfg)
    elif not above and prev_page is not None:
        prev_body = sorted(prev_page.body_lines(), key=lambda ln: ln.top)
        regions_below = [r for r in prev_page.regions if prev_body and r.top > prev_body[-1].bottom]
        cap = [] if regions_below else _caption_block(prev_body, prev_page, body_style, cfg)
    else:
        cap = []
    for ln in cap:
        ln.role = "table_title"
    return cap


def table_note(below: list[Line], reg: Region, cfg: LayoutSettings, m: Measures) -> list[Line]:
    """The 注 lines just under a table, in the first one's style."""
    if not below or below[0].top - reg.bottom >= cfg.caption_gap * m.pitch or not NOTE_START.match(below[0].text):
        return []
    note = [below[0]]
    for ln in below[1:]:
        if ln.style == below[0].style and ln.top - note[-1].bottom < cfg.note_line_gap * m.pitch:
            note.append(ln)
        else:
            break
    for ln in note:
        ln.role = "table_note"
    return note


def box_title_above(above: list[Line], reg: Region, body_style: Style, cfg: LayoutSettings, m: Measures) -> list[Line]:
    """A box's title printed just above it: a 专栏 label, or a centred line set apart from the body."""
    if not above or reg.top - above[-1].bottom >= cfg.box_title_gap * m.pitch:
        return []
    last = above[-1]
    width = reg.x1 - reg.x0
    centered = abs(last.cx - reg_center(reg)) < cfg.centre_tol * width
    if sidebar_label(last.text) is not None or (
        centered and last.style != body_style and last.x1 - last.x0 < cfg.box_title_max_w * width
    ):
        last.role = "box_title"
        return [last]
    return []


def reg_center(reg: Region) -> float:
    return (reg.x0 + reg.x1) / 2


def _caption_block(above: list[Line], pg: PageLayout, body_style: Style, cfg: LayoutSettings) -> list[Line]:
    """The last line(s) above a table when they look like a title: centred or set apart in style."""
    if not above:
        return []
    last = above[-1]
    width = pg.right - pg.left
    centered = abs(last.cx - (pg.left + pg.right) / 2) < cfg.centre_tol * width
    centered = centered and last.x0 > pg.left + cfg.caption_indent * last.size
    styled = last.style != body_style
    if not (centered or styled) or len(last.text) > cfg.caption_max_chars or last.text.endswith("。"):
        return []
    block = [last]
    for ln in reversed(above[:-1]):
        if (
            ln.style == last.style
            and block[0].top - ln.bottom < cfg.caption_line_gap * ln.size
            and abs(ln.cx - last.cx) < cfg.caption_align * width
        ):
            block.insert(0, ln)
        else:
            break
    return block


def is_heading_banner(chars: list[Char], cfg: LayoutSettings) -> bool:
    """A box holding only a heading: a few lines, the first starting 第…篇/章/节."""
    lines = chars_to_lines(chars, cfg)
    return 0 < len(lines) <= cfg.banner_lines and ordinal_heading(lines[0].text)


# ---------------------------------------------------------------- the stage


def chars_by_region(chars: list[Char], regions: list[Region], slack: float) -> tuple[dict[int, list[Char]], list[Char]]:
    """Characters inside each region (by index), and those outside every region."""
    inside: dict[int, list[Char]] = defaultdict(list)
    free: list[Char] = []
    innermost_first = sorted(regions, key=lambda r: (r.x1 - r.x0) * (r.bottom - r.top))  # a table inside a box
    for c in chars:
        for reg in innermost_first:
            if centre_in(c, reg, slack):
                inside[reg.index].append(c)
                break
        else:
            free.append(c)
    return inside, free


def is_flow_box(reg: Region, chars: list[Char], page: PageData, cfg: LayoutSettings) -> bool:
    """A box whose text belongs to the page's flow: boxes in the page margins hold running headers or
    footers, not sidebars; a banner behind a chapter or section heading is decoration, not a sidebar."""
    if reg.kind != "box":
        return False
    in_margin = reg.bottom < cfg.margin_zone * page.height or reg.top > (1 - cfg.margin_zone) * page.height
    return in_margin or is_heading_banner(chars, cfg)


def table_body_below(
    reg: Region, free: list[Char], loose: list[Seg], cfg: LayoutSettings, m: Measures
) -> tuple[list[Char], Seg | None]:
    """The body of a table whose region stops at its header (a shaded band, or a header ruled on its own):
    the lines right below it that stand in its columns, down to a ruling across it or the first line that does
    not (a paragraph). Returns their characters and the ruling that closes them, if any."""
    slack = cfg.edge_slack * m.body
    gap = cfg.body_gap * m.body
    below = [c for c in free if c.top >= reg.bottom - slack and reg.x0 - slack <= c.cx <= reg.x1 + slack]
    rules = sorted(
        (s for s in loose if s.top > reg.bottom + slack and s.x0 <= reg.x0 + gap and s.x1 >= reg.x1 - gap),
        key=lambda s: s.top,
    )
    closing = rules[0] if rules else None
    taken: list[Char] = []
    bottom = reg.bottom
    for ln in chars_to_lines(below, cfg):
        if closing is not None and ln.cy > closing.top:
            break
        in_columns = len(split_on_gaps(ln.chars, cfg.columnar_gap)) >= cfg.body_pieces
        if ln.top - bottom > gap or not (in_columns or closing is not None):
            break  # a wrapped stub line passes only where a ruling closes the table below
        taken.extend(ln.chars)
        bottom = ln.bottom
    return taken, closing


def extend_table_regions(
    regions: list[Region], free: list[Char], loose: list[Seg], cfg: LayoutSettings, m: Measures
) -> tuple[list[Char], list[Seg]]:
    """Table regions whose drawing covers only their header take in the body printed below them."""
    for reg in regions:
        if reg.kind not in ("grid", "rules") or len(chars_to_lines(reg.chars, cfg)) > cfg.header_only_lines:
            continue
        taken, closing = table_body_below(reg, free, loose, cfg, m)
        if not taken:
            continue
        ids = {id(c) for c in taken}
        free = [c for c in free if id(c) not in ids]
        reg.chars = reg.chars + taken
        reg.bottom = closing.bottom if closing is not None else max(c.bottom for c in taken)
        if closing is not None:
            reg.segs = [*reg.segs, closing]
            loose = [s for s in loose if s is not closing]
    return free, loose


def zebra_tables(regions: list[Region], cfg: LayoutSettings, m: Measures) -> list[Region]:
    """Shaded stripes of one width stacked at a regular step (rows shaded in turn, no strokes) are one table,
    not a stack of sidebars: they become a table region spanning them (kind `rules`, no rulings)."""
    tol = cfg.touch * m.body
    stripes = sorted((r for r in regions if r.frame == "shading" and not r.segs), key=lambda r: r.top)
    runs: list[list[Region]] = []
    for r in stripes:
        last = runs[-1][-1] if runs else None
        height = last.bottom - last.top if last is not None else 0.0
        if (
            last is not None
            and abs(r.x0 - last.x0) <= tol
            and abs(r.x1 - last.x1) <= tol
            and abs((r.bottom - r.top) - height) <= cfg.stripe_height * height
            and r.top - last.bottom <= cfg.stripe_gap * height
        ):
            runs[-1].append(r)
        else:
            runs.append([r])
    zebras = [run for run in runs if len(run) >= cfg.zebra_rows]
    members = {id(r) for run in zebras for r in run}
    out = [r for r in regions if id(r) not in members]
    for run in zebras:
        first, last = run[0], run[-1]
        fills = [f for r in run for f in r.fills]
        out.append(Region(first.page, 0, "rules", first.x0, first.top, first.x1, last.bottom, [], fills, "shading"))
    return out


def text_tables(free: list[Char], page: PageData, cfg: LayoutSettings) -> list[Region]:
    """Tables drawn with no rulings or shading at all: runs of consecutive lines set in columns (several pieces
    parted by wide gaps), with the narrow lines of wrapped cells between them and a header line above."""
    lines = chars_to_lines(free, cfg, page.number)
    flags = [columnar_lines([ln], cfg) == 1 for ln in lines]
    out: list[Region] = []
    k = 0
    while k < len(lines):
        if not flags[k]:
            k += 1
            continue
        end = k
        while end + 1 < len(lines) and (flags[end + 1] or wrapped_cell_line(lines, flags, end + 1, cfg)):
            end += 1
        if sum(flags[k : end + 1]) >= cfg.text_table_lines:
            start = k - 1 if k and len(split_on_gaps(lines[k - 1].chars, cfg.columnar_gap)) >= 2 else k
            run = lines[start : end + 1]
            x0, x1 = min(ln.x0 for ln in run), max(ln.x1 for ln in run)
            top, bottom = run[0].top, run[-1].bottom
            out.append(Region(page.number, 0, "rules", x0, top, x1, bottom, [], [], "none"))
        k = end + 1
    return out


def wrapped_cell_line(lines: list[Line], flags: list[bool], k: int, cfg: LayoutSettings) -> bool:
    """A line inside a table set without rulings that holds only the wrapped end of a cell: narrow, and followed
    by another line in columns."""
    if k + 1 >= len(lines) or not flags[k + 1]:
        return False
    widest = max(ln.x1 - ln.x0 for ln in (lines[k - 1], lines[k + 1]))
    return lines[k].x1 - lines[k].x0 < cfg.wrapped_width * widest


def titled_grids(regions: list[Region], page: PageData, cfg: LayoutSettings, m: Measures) -> list[Region]:
    """A 专栏 laid out as a table whose first row, one cell across the whole grid, holds its label and title:
    the grid is also a box (the sidebar, titled by that row) and the table is the grid below the row."""
    out = list(regions)
    inset, tol = cfg.inner_rule_inset * m.body, cfg.touch * m.body
    for reg in regions:
        if reg.kind != "grid":
            continue
        ys = sorted({round(s.top, 1) for s in reg.segs if s.orient == "h" and reg.top + tol < s.top < reg.bottom - tol})
        if not ys:
            continue
        first = ys[0]
        crossed = any(
            s.orient == "v" and reg.x0 + inset < s.x0 < reg.x1 - inset and s.top < first - tol for s in reg.segs
        )
        band = [c for c in page.chars if reg.x0 <= c.cx <= reg.x1 and reg.top <= c.cy <= first]
        text = "".join(c.text for c in sorted(band, key=lambda c: (round(c.top), c.x0)))
        if crossed or not band or sidebar_label(text) is None:
            continue
        out.append(Region(page.number, 0, "box", reg.x0, reg.top, reg.x1, reg.bottom, [], [], reg.frame))
        reg.top = first
        reg.segs = [s for s in reg.segs if s.bottom >= first - tol]
    return out


def page_layout(page: PageData, cfg: LayoutSettings, m: Measures) -> PageLayout:
    regions, loose = page_regions(page, cfg, m)
    regions = titled_grids(zebra_tables(regions, cfg, m), page, cfg, m)
    for k, reg in enumerate(regions):
        reg.index = k
    slack = cfg.edge_slack * m.body
    inside, free = chars_by_region(page.chars, regions, slack)
    kept = []
    for reg in regions:
        if not inside[reg.index] or is_flow_box(reg, inside[reg.index], page, cfg):
            free.extend(inside[reg.index])
            continue
        reg.chars = inside[reg.index]
        kept.append(reg)
    free, loose = extend_table_regions(kept, free, loose, cfg, m)
    rules = rules_to_regions(loose, free, page, cfg, m) + ruled_boxes(loose, free, page, cfg, m)
    for reg in rules:
        reg.chars = [c for c in free if _under_rules(c, reg, slack)]
        ids = {id(c) for c in reg.chars}
        free = [c for c in free if id(c) not in ids]
    aligned = text_tables(free, page, cfg)
    for reg in aligned:
        reg.chars = [c for c in free if centre_in(c, reg, slack)]
        ids = {id(c) for c in reg.chars}
        free = [c for c in free if id(c) not in ids]
    regions = sorted(kept + rules + aligned, key=lambda r: (r.top, r.x0))
    for i, reg in enumerate(regions):
        reg.index = i
        reg.lines = chars_to_lines(reg.chars, cfg, page.number)
        for ln in reg.lines:
            ln.region = i
    lines = chars_to_lines(free, cfg, page.number)
    out = PageLayout(page.number, page.width, page.height, lines, regions, len(page.chars))
    out.text_source, out.text_quality = page.text_source, page.text_quality
    return out


def run(pdf: ParsedPdf, settings: LayoutSettings | None = None) -> Layout:
    cfg: LayoutSettings = settings if settings is not None else settings_for("layout")
    first = first_measures(pdf, cfg)
    pages = [page_layout(p, cfg, first) for p in pdf.pages]
    mark_furniture(pages, cfg, first)
    style, size = body_style_of(pages)
    measures = Measures(size, line_pitch_of(pages, style, cfg), first.page_w, first.page_h)
    set_text_columns(pages, style, cfg, measures)
    mark_captions(pages, style, cfg, measures)
    return Layout(pdf, pages, style, measures, cfg)

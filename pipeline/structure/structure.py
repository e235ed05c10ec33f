"""Stage 3, structure: layout -> outline, paragraphs, sidebars, sidebar items, pages, documents, links.

Headings are lines that start with a heading label and are set apart from the body
(another face, weight or size, or centred); which labels are chapters and which are
sections follows from the labels the plan actually uses (第一章/第一节, or 一、/（一）).
Paragraphs start at a first-line indent, after a short line or after extra space;
a page break, a sidebar or a table between two lines does not end a paragraph.
Sidebars are the boxes found by layout; a box that opens a page without a title,
right after a box that closed the previous page, continues it.
Thresholds are `StructureSettings`, relative to the layout's `Measures`.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import __version__
from pipeline.core.geometry import bbox_of, centre_in
from pipeline.core.numbering import heading_label, item_label, sidebar_label
from pipeline.core.text import AGENCY as AGENCY  # re-exported: pipeline/enrich/text.py imports it from here
from pipeline.core.text import chars_to_text
from pipeline.core.text import join_lines as join_lines  # re-exported for the same reason
from pipeline.errors import NotAPlanError
from pipeline.layout.layout import Layout, Line, Measures, PageLayout, Region, Style, char_style, column_of
from pipeline.settings import StageSettings, register, setting, settings_for

log = logging.getLogger(__name__)

Row = dict[str, Any]
Label = tuple[str, str, int | None, str]  # kind, label as printed, number, rest (numbering.heading_label)

SENTENCE_END = "。！？；：:;!?"
PARA_END = "。！？；：:;!?…"
CLOSERS = "”’」』）)》"
TOC_LEADER = re.compile(r"(?:[.．·…‥⋯_\-—]{2,}|\s{2,})\s*\d{1,3}\s*$")
TOC_TITLES = ("目录", "目次")
PAGE_DIGITS = 3  # a page number in the contents has at most this many digits (as TOC_LEADER says)
FLOW_ROLES = ("body", "heading", "table_title", "table_note", "box_title")  # lines read in order on a page
INTERRUPTIONS = ("table_title", "table_note", "box_title")  # lines that part a paragraph without ending it


@register("structure")
@dataclass(frozen=True)
class StructureSettings(StageSettings):
    """The structure stage's thresholds."""

    # contents
    toc_gap: float = setting(
        2.0, "ratio", "a contents line's page number stands after a gap wider than this x the line's size"
    )
    toc_title_lines: int = setting(3, "count", "a contents page's title (目录) is among its first this many lines")
    toc_entries_titled: int = setting(2, "count", "a page titled 目录 is contents with this many entries")
    toc_entries: int = setting(
        3, "count", "an untitled page is contents with at least this many entries (and toc_share)"
    )
    toc_share: float = setting(
        0.4, "share", "an untitled page is contents when entries make this share of its lines (and toc_entries)", hi=1.0
    )
    # headings
    heading_emphasis: float = setting(
        0.8, "share", "a heading has this share of its characters in another face, weight or size", hi=1.0
    )
    heading_size_drop: float = setting(0.09375, "body", "a set-apart heading is at most this much smaller than body")
    heading_centre: float = setting(
        0.06, "share", "a centred heading's centre lies within this share of the column's width of its middle", hi=1.0
    )
    heading_indent: float = setting(
        1.5, "ratio", "a centred heading starts more than this x its size right of the column's edge"
    )
    heading_more_lines: int = setting(2, "count", "a heading's title carries on over at most this many more lines")
    heading_line_gap: float = setting(
        1.0, "ratio", "the lines of one heading follow each other closer than this x the first line's size"
    )
    # page kinds
    front_line_share: float = setting(
        0.6, "share", "before the first chapter, a line of body text spans this share of the column", hi=1.0
    )
    front_lines: int = setting(
        3, "count", "a page before the first chapter with this many body-text lines is front matter, not a cover"
    )
    # paragraphs
    short_line: float = setting(
        1.5, "ratio", "a line ending further than this x its size before the column's right edge is short"
    )
    indent: float = setting(1.2, "ratio", "a first-line indent is at least this x the line's size")
    size_change: float = setting(0.09375, "body", "a change of font size by more than this starts a paragraph")
    para_gap: float = setting(1.1, "pitch", "a gap between lines wider than this starts a paragraph")
    lead_min_chars: int = setting(4, "chars", "a paragraph shorter than this has no run-in lead")
    # sidebars
    box_title_centre: float = setting(
        0.08, "share", "a box's first line is centred when its centre is within this share of the box's width", hi=1.0
    )
    box_title_max_w: float = setting(
        0.85, "share", "a centred title inside a box is narrower than this share of the box", hi=1.0
    )
    box_title_more_lines: int = setting(2, "count", "a box's title carries on over at most this many more lines")
    box_title_line_gap: float = setting(
        0.8, "ratio", "the lines of one box title follow each other closer than this x their size"
    )
    item_heading_chars: int = setting(
        30, "chars", "a sidebar item's heading (a short line alone, or the words before ：) is at most this long"
    )
    # documents
    title_size_drop: float = setting(
        0.03125, "body", "the cover's title lines are within this of the largest size on the cover"
    )


# ---------------------------------------------------------------- helpers


def is_toc_entry(line: Line, cfg: StructureSettings) -> bool:
    """A contents line: text, then leaders or a wide gap, then a page number."""
    if TOC_LEADER.search(line.text):
        return True
    chars = [c for c in line.chars if not c.text.isspace()]
    k = len(chars)
    while k > 0 and chars[k - 1].text.isdigit():
        k -= 1
    if 0 < k < len(chars) and len(chars) - k <= PAGE_DIGITS:
        return chars[k].x0 - chars[k - 1].x1 > cfg.toc_gap * line.size
    return False


def emphasis_share(line: Line, body_style: Style) -> float:
    vis = [c for c in line.chars if not c.text.isspace()]
    if not vis:
        return 0.0
    return sum(char_style(c) != body_style for c in vis) / len(vis)


# ---------------------------------------------------------------- page kinds and headings


@dataclass
class Heading:
    level: str  # chapter / section
    kind: str  # label kind
    label: str
    number: int | None
    title: str
    lines: list[Line]
    page: int


Candidate = tuple[PageLayout, Line, Label]


def find_toc_pages(layout: Layout, cfg: StructureSettings) -> set[int]:
    toc = set()
    for pg in layout.pages:
        lines = pg.body_lines()
        if not lines:
            continue
        titled = any(re.sub(r"\s+", "", ln.text) in TOC_TITLES for ln in lines[: cfg.toc_title_lines])
        entries = sum(is_toc_entry(ln, cfg) for ln in lines)
        if (titled and entries >= cfg.toc_entries_titled) or (
            entries >= cfg.toc_entries and entries >= cfg.toc_share * len(lines)
        ):
            toc.add(pg.number)
    return toc


def heading_candidates(layout: Layout, toc_pages: set[int], cfg: StructureSettings) -> list[Candidate]:
    """Lines outside the contents that start with a heading label and are set apart: styled or centred."""
    m = layout.measures
    out = []
    for pg in layout.pages:
        if pg.number in toc_pages:
            continue
        mid = (pg.left + pg.right) / 2
        for ln in pg.body_lines():
            lab = heading_label(ln.text)
            if not lab or is_toc_entry(ln, cfg):
                continue
            styled = (
                emphasis_share(ln, layout.body_style) >= cfg.heading_emphasis
                and ln.size >= m.body - cfg.heading_size_drop * m.body
            )
            centered = (
                abs(ln.cx - mid) < cfg.heading_centre * (pg.right - pg.left)
                and ln.x0 > pg.left + cfg.heading_indent * ln.size
            )
            if styled or centered:
                out.append((pg, ln, lab))
    return out


def choose_scheme(cands: list[Candidate]) -> tuple[str, str | None]:
    kinds = Counter(lab[0] for _, _, lab in cands)
    if kinds["chapter"]:
        if kinds["section"]:
            return "chapter", "section"
        return "chapter", ("cn_comma" if kinds["cn_comma"] else None)
    if kinds["cn_comma"]:
        return "cn_comma", ("cn_paren" if kinds["cn_paren"] else None)
    return "chapter", "section"


def heading_level(kind: str, number: int | None, scheme: tuple[str, str | None], last: tuple[int, int]) -> str | None:
    """`chapter` or `section` for a label of the plan's scheme numbered past the last one; None otherwise."""
    chapter_kind, section_kind = scheme
    last_chapter, last_section = last
    if kind == chapter_kind:
        return "chapter" if number is None or number > last_chapter else None
    if kind == section_kind and last_chapter:
        return "section" if number is None or number > last_section else None
    return None


def make_heading(
    pg: PageLayout, ln: Line, lab: Label, level: str, layout: Layout, cfg: StructureSettings
) -> Heading | None:
    """The heading a label line opens, with the lines carrying on its title; None when the title reads as a sentence."""
    kind, label, number, rest = lab
    block = heading_block(pg, ln, layout, cfg)
    title = join_lines([rest] + [b.text for b in block[1:]])
    if "。" in title.rstrip("。") or not title:
        return None
    return Heading(level, kind, label, number, title.rstrip("。"), block, pg.number)


def find_headings(layout: Layout, toc_pages: set[int], cfg: StructureSettings) -> tuple[list[Heading], str]:
    cands = heading_candidates(layout, toc_pages, cfg)
    scheme = choose_scheme(cands)
    headings: list[Heading] = []
    used: set[int] = set()
    last = (0, 0)  # the numbers of the last chapter and section
    for pg, ln, lab in cands:
        if id(ln) in used:
            continue
        level = heading_level(lab[0], lab[2], scheme, last)
        if level is None:
            if lab[0] == "part" and scheme[0] == "chapter":  # 第一篇 above the chapters: a heading, not a paragraph
                _mark_heading(heading_block(pg, ln, layout, cfg), used)
            continue
        h = make_heading(pg, ln, lab, level, layout, cfg)
        if h is None:
            continue
        _mark_heading(h.lines, used)
        headings.append(h)
        last = _numbered(h, last)
    return headings, ("一、/（一）" if scheme[0] == "cn_comma" else "第一章/第一节")


def _mark_heading(lines: list[Line], used: set[int]) -> None:
    for b in lines:
        b.role = "heading"
        used.add(id(b))


def _numbered(h: Heading, last: tuple[int, int]) -> tuple[int, int]:
    """The last chapter and section numbers after a heading (an unnumbered one counts one on)."""
    last_chapter, last_section = last
    if h.level == "chapter":
        return (h.number if h.number is not None else last_chapter + 1), 0
    return last_chapter, (h.number if h.number is not None else last_section + 1)


def heading_block(pg: PageLayout, first: Line, layout: Layout, cfg: StructureSettings) -> list[Line]:
    """The heading's line plus the lines that carry on its title (same style, close below, no label)."""
    lines = sorted(pg.body_lines(), key=lambda ln: ln.top)
    i = lines.index(first)
    block = [first]
    for ln in lines[i + 1 : i + 1 + cfg.heading_more_lines]:
        gap = ln.top - block[-1].bottom
        if (
            ln.style == first.style
            and gap < cfg.heading_line_gap * first.size
            and heading_label(ln.text) is None
            and emphasis_share(ln, layout.body_style) >= cfg.heading_emphasis
        ):
            block.append(ln)
        else:
            break
    return block


def classify_pages(
    layout: Layout, toc_pages: set[int], first_chapter_page: int, cfg: StructureSettings
) -> dict[int, str]:
    kinds = {}
    seen_toc = False
    for pg in layout.pages:
        content = [ln for ln in pg.lines if ln.role not in ("page_number", "header", "footer")]
        if not content and not pg.regions:
            kinds[pg.number] = "blank"
        elif pg.number >= first_chapter_page:
            kinds[pg.number] = "body"
        elif pg.number in toc_pages:
            kinds[pg.number] = "toc"
            seen_toc = True
        else:
            width = cfg.front_line_share * (pg.right - pg.left)
            body_like = [ln for ln in content if ln.style == layout.body_style and ln.x1 - ln.x0 > width]
            front = len(body_like) >= cfg.front_lines and (seen_toc or pg.number > 1)
            kinds[pg.number] = "front" if front else "cover"
    return kinds


# ---------------------------------------------------------------- paragraphs


@dataclass
class Para:
    lines: list[Line] = field(default_factory=list)
    cols: list[tuple[float, float]] = field(default_factory=list)
    chapter_no: int | None = None
    section_no: int | None = None


def starts_paragraph(
    line: Line,
    col: tuple[float, float],
    prev: Line | None,
    prev_col: tuple[float, float] | None,
    interrupted: bool,
    cfg: StructureSettings,
    m: Measures,
) -> bool:
    if prev is None or prev_col is None:
        return True
    prev_short = prev.x1 < prev_col[1] - cfg.short_line * prev.size
    prev_ended = prev.text.rstrip().rstrip(CLOSERS)[-1:] in PARA_END
    resized = abs(line.size - prev.size) > cfg.size_change * m.body
    if line.x0 - col[0] >= cfg.indent * line.size:  # a first-line indent (or a centred line) ...
        # ... unless the line before ran to the margin in mid-sentence: the paragraph goes on
        return item_label(line.text) is not None or prev_short or prev_ended or resized
    if prev_short and prev_ended:
        return True  # the line before ended a sentence, short
    if (prev_short or prev_ended) and item_label(line.text) is not None:
        return True  # a numbered or dashed item begins
    if resized:
        return True
    # extra space between paragraphs
    return not interrupted and line.page == prev.page and line.top - prev.bottom > cfg.para_gap * m.pitch


def para_text(p: Para) -> str:
    return join_lines([ln.text for ln in p.lines])


def para_lead(p: Para, cfg: StructureSettings) -> str | None:
    """The run-in lead: a prefix in another face or weight, closed by sentence punctuation."""
    chars = [c for ln in p.lines for c in ln.chars if not c.text.isspace()]
    if len(chars) < cfg.lead_min_chars:
        return None
    majority = Counter(char_style(c) for c in chars).most_common(1)[0][0]
    first = char_style(chars[0])
    if first == majority or (first[0] == majority[0] and first[1] == majority[1]):
        return None
    k = 0
    while k < len(chars) and char_style(chars[k]) == first:
        k += 1
    if k >= len(chars):
        return None
    prefix = "".join(c.text for c in chars[:k])
    nxt = chars[k].text
    if prefix[-1] not in SENTENCE_END and nxt not in SENTENCE_END:
        return None
    lead = prefix.rstrip(SENTENCE_END + " ").lstrip("—－-•·● ")
    return lead or None


def para_bbox(p: Para) -> list[float]:
    first = [ln for ln in p.lines if ln.page == p.lines[0].page]
    return list(bbox_of(first))


def lines_to_paragraphs(
    lines: list[Line], cols: list[tuple[float, float]], cfg: StructureSettings, m: Measures
) -> list[Para]:
    """Group lines (with their text column) into paragraphs."""
    paras: list[Para] = []
    prev: Line | None = None
    prev_col: tuple[float, float] | None = None
    for ln, col in zip(lines, cols, strict=True):
        if starts_paragraph(ln, col, prev, prev_col, False, cfg, m) or not paras:
            paras.append(Para())
        paras[-1].lines.append(ln)
        paras[-1].cols.append(col)
        prev, prev_col = ln, col
    return paras


# ---------------------------------------------------------------- sidebars


@dataclass
class Sidebar:
    regions: list[Region]
    label: str | None
    title: str | None
    chapter_no: int | None
    section_no: int | None
    lines: list[Line] = field(default_factory=list)
    cols: list[tuple[float, float]] = field(default_factory=list)


def box_title(reg: Region, body_style: Style, cfg: StructureSettings) -> tuple[str | None, str | None, int]:
    """(label, title, number of lines used) for a box: a 专栏 line above it or at its top, or a centred title."""
    if reg.caption:
        lab = sidebar_label(reg.caption[0].text)
        if lab:
            return lab[0], (lab[1] or None), 0
        return None, join_lines([ln.text for ln in reg.caption]), 0
    if not reg.lines:
        return None, None, 0
    first = reg.lines[0]
    lab = sidebar_label(first.text)
    width = reg.x1 - reg.x0
    centered = abs(first.cx - (reg.x0 + reg.x1) / 2) < cfg.box_title_centre * width
    if not (lab or (centered and first.x1 - first.x0 < cfg.box_title_max_w * width)):
        return None, None, 0
    used = box_title_lines(reg.lines, width, cfg)
    text = join_lines([ln.text for ln in used])
    if lab:
        label, title = sidebar_label(text) or lab
        return label, (title or None), len(used)
    if first.style != body_style or first.bold:
        return None, text, len(used)
    return None, None, 0


def box_title_lines(lines: list[Line], width: float, cfg: StructureSettings) -> list[Line]:
    """A box's first line and the lines that carry on its title (same style, centred alike, close below)."""
    first = lines[0]
    used = [first]
    for ln in lines[1 : 1 + cfg.box_title_more_lines]:
        if (
            ln.style == first.style
            and abs(ln.cx - first.cx) < cfg.box_title_centre * width
            and ln.top - used[-1].bottom < cfg.box_title_line_gap * ln.size
            and item_label(ln.text) is None
        ):
            used.append(ln)
        else:
            break
    return used


def box_column(lines: list[Line], reg: Region, layout: Layout) -> tuple[float, float]:
    """A box's text column: the leftmost edge two lines share (or the leftmost line), and the far right edge."""
    if not lines:
        return reg.x0, reg.x1
    return column_of(lines, layout.settings, layout.measures)


@dataclass
class Item:
    """A sidebar item being read: its label, heading and text so far."""

    label: str
    depth: int
    heading: str | None
    body: str
    heading_only: bool
    page: int
    bbox: list[float]
    char_start: int
    char_end: int
    extra: list[str] = field(default_factory=list)

    def row(self, item_no: int) -> Row:
        text = "\n".join(t for t in [self.body, *self.extra] if t)
        m = AGENCY.search(text)
        return {
            "item_no": item_no,
            "item_label": self.label,
            "depth": self.depth,
            "heading": self.heading,
            "text": text,
            "lead_agency": m.group("agency") if m else None,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "page": self.page,
            "bbox": self.bbox,
        }


def sidebar_items(
    paras: list[str], para_lines: list[list[Line]], cfg: StructureSettings
) -> tuple[list[Row], str | None]:
    """Items of one sidebar from its paragraphs, and a lead agency standing alone for the whole sidebar."""
    items: list[Item] = []
    kinds: list[str] = []
    sidebar_agency = None
    start = 0  # where each paragraph starts in the sidebar's text ("\n"-joined)
    for text, lines in zip(paras, para_lines, strict=True):
        m = AGENCY.fullmatch(text.strip())
        lab = item_label(text)
        if m:
            sidebar_agency = m.group("agency")
        elif lab is not None:
            kind, label, rest = lab
            if kind not in kinds:
                kinds.append(kind)
            heading, body, heading_only = split_item_heading(rest, cfg)
            bbox = list(bbox_of([lines[0]]))
            end = start + len(text)
            items.append(
                Item(label, kinds.index(kind) + 1, heading, body, heading_only, lines[0].page, bbox, start, end)
            )
        elif items:  # a paragraph without a label carries on the item before
            items[-1].extra.append(text)
            items[-1].char_end = start + len(text)
        start += len(text) + 1
    return [it.row(i) for i, it in enumerate(items, 1)], sidebar_agency


def split_item_heading(rest: str, cfg: StructureSettings) -> tuple[str | None, str, bool]:
    """(heading, body, heading_only): a short label line alone is a heading; else the words before `：`/`。`."""
    rest = rest.strip()
    n = cfg.item_heading_chars
    if len(rest) <= n and not any(p in rest for p in "。；;") and not AGENCY.search(rest):
        return rest.rstrip("：:"), "", True
    m = re.match(rf"^(?P<h>[^：:。；;，,]{{2,{n}}})[：:。]", rest)
    if m:
        return m.group("h").strip(), rest[m.end() :].strip(), False
    return None, rest, False


def sidebar_frame(regions: list[Region]) -> str:
    frames = {r.frame for r in regions}
    return "border+shading" if "border+shading" in frames or {"border", "shading"} <= frames else sorted(frames)[0]


# ---------------------------------------------------------------- the walk


@dataclass
class Walk:
    """The body pages read in order: headings open outline entries, lines gather into paragraphs, boxes into
    sidebars. A page break, a sidebar or a table between two lines does not end a paragraph."""

    layout: Layout
    cfg: StructureSettings
    page_kinds: dict[int, str]
    heading_at: dict[int, Heading]
    outline: list[Row] = field(default_factory=list)
    paras: list[Para] = field(default_factory=list)
    sidebars: list[Sidebar] = field(default_factory=list)
    chapter_no: int | None = None
    section_no: int | None = None
    open_entries: dict[str, Row] = field(default_factory=dict)
    last_page: int | None = None
    prev_line: Line | None = None
    prev_col: tuple[float, float] | None = None
    interrupted: bool = False
    open_box: tuple[Sidebar, int] | None = None  # a sidebar whose box closed the previous page

    def read(self) -> None:
        for pg in self.layout.pages:
            if self.page_kinds[pg.number] in ("body", "front"):
                self.page(pg)
        self.close(("section", "chapter"))

    def close(self, levels: Iterable[str]) -> None:
        for lv in levels:
            e = self.open_entries.pop(lv, None)
            if e is not None:
                e["page_end"] = max(e["page_start"], self.last_page or e["page_start"])

    def page(self, pg: PageLayout) -> None:
        front = self.page_kinds[pg.number] == "front"
        first_on_page = True
        last_box: Sidebar | None = None
        for obj in reading_order(pg):
            if isinstance(obj, Region) and obj.kind == "box":
                last_box = self.box(obj, pg.number, first_on_page)
                first_on_page = False
            elif isinstance(obj, Region) or obj.role in INTERRUPTIONS:
                first_on_page, last_box = False, None
                self.interrupted, self.last_page = True, pg.number
            else:
                first_on_page, last_box = False, None
                self.line(obj, (pg.left, pg.right), front)
        self.open_box = (last_box, pg.number) if last_box is not None else None

    def box(self, reg: Region, page: int, first_on_page: bool) -> Sidebar:
        label, title, used = box_title(reg, self.layout.body_style, self.cfg)
        lines = reg.lines[used:]
        ob = self.open_box
        if first_on_page and ob is not None and ob[1] == page - 1 and label is None and title is None:
            sb = ob[0]
            sb.regions.append(reg)
        else:
            sb = Sidebar([reg], label, title, self.chapter_no, self.section_no)
            self.sidebars.append(sb)
        sb.lines.extend(lines)
        sb.cols.extend([box_column(lines, reg, self.layout)] * len(lines))
        self.interrupted, self.last_page = True, page
        return sb

    def line(self, ln: Line, col: tuple[float, float], front: bool) -> None:
        h = self.heading_at.get(id(ln))
        if h is not None:
            self.heading(h)
            return
        if ln.role == "heading":
            return  # a continuation line of a heading block
        if starts_paragraph(
            ln, col, self.prev_line, self.prev_col, self.interrupted, self.cfg, self.layout.measures
        ) or (not self.paras):
            chapter_no = None if front else self.chapter_no
            self.paras.append(
                Para(chapter_no=chapter_no, section_no=self.section_no if chapter_no is not None else None)
            )
        self.paras[-1].lines.append(ln)
        self.paras[-1].cols.append(col)
        self.prev_line, self.prev_col, self.interrupted = ln, col, False
        self.last_page = ln.page

    def heading(self, h: Heading) -> None:
        if h.level == "chapter":
            self.close(("section", "chapter"))
            self.chapter_no, self.section_no = h.number, None
        else:
            self.close(("section",))
            self.section_no = h.number
        entry = {
            "level": h.level,
            "chapter_no": self.chapter_no,
            "section_no": self.section_no if h.level == "section" else None,
            "label": h.label,
            "title": h.title,
            "page_start": h.page,
            "page_end": h.page,
            "bbox": list(bbox_of(h.lines)),
        }
        self.outline.append(entry)
        self.open_entries[h.level] = entry
        self.last_page = h.lines[-1].page
        self.prev_line, self.interrupted = None, False


def reading_order(pg: PageLayout) -> list[Line | Region]:
    """A page's flowing lines and its regions, top to bottom (a line before a region at the same height)."""
    items: list[tuple[float, int, Line | Region]] = [(ln.top, 0, ln) for ln in pg.lines if ln.role in FLOW_ROLES]
    items += [(r.top, 1, r) for r in pg.regions]
    items.sort(key=lambda t: (t[0], t[1]))
    return [obj for _, _, obj in items]


# ---------------------------------------------------------------- rows


@dataclass
class Structure:
    outline: list[Row]
    paragraphs: list[Row]
    sidebars: list[Row]
    sidebar_items: list[Row]
    pages: list[Row]
    links: list[Row]
    document: Row
    page_kinds: dict[int, str]


def run(
    layout: Layout,
    source_file: str | None = None,
    registry: dict[str, Any] | None = None,
    settings: StructureSettings | None = None,
) -> Structure:
    cfg: StructureSettings = settings if settings is not None else settings_for("structure")
    toc_pages = find_toc_pages(layout, cfg)
    headings, scheme = find_headings(layout, toc_pages, cfg)
    name = source_file or Path(layout.pdf.path).name
    chapters = [h for h in headings if h.level == "chapter"]
    if not chapters:
        raise NotAPlanError(
            "no chapter heading (第一章 or 一、 set apart from the body text) was found",
            file=name,
            expected="a development plan with numbered chapters",
        )
    page_kinds = classify_pages(layout, toc_pages, chapters[0].page, cfg)
    walk = Walk(layout, cfg, page_kinds, {id(h.lines[0]): h for h in headings})
    walk.read()
    sidebars, items = sidebar_rows(walk.sidebars, layout, cfg)
    return Structure(
        outline=[{"outline_seq": i, **e} for i, e in enumerate(walk.outline, 1)],
        paragraphs=paragraph_rows(walk.paras, cfg),
        sidebars=sidebars,
        sidebar_items=items,
        pages=[page_row(pg, page_kinds[pg.number]) for pg in layout.pages],
        links=links_of(layout),
        document=document_row(layout, name, scheme, page_kinds, registry, cfg),
        page_kinds=page_kinds,
    )


def paragraph_rows(paras: list[Para], cfg: StructureSettings) -> list[Row]:
    rows: list[Row] = []
    for p in paras:
        text = para_text(p)
        if not text:
            continue
        rows.append(
            {
                "para_no": len(rows) + 1,
                "chapter_no": p.chapter_no,
                "section_no": p.section_no,
                "lead": para_lead(p, cfg),
                "text": text,
                "page_start": p.lines[0].page,
                "page_end": p.lines[-1].page,
                "bbox": para_bbox(p),
            }
        )
    return rows


def sidebar_rows(sidebars: list[Sidebar], layout: Layout, cfg: StructureSettings) -> tuple[list[Row], list[Row]]:
    """Sidebar rows and their item rows."""
    rows: list[Row] = []
    item_rows: list[Row] = []
    for seq, sb in enumerate(sidebars, 1):
        paras = lines_to_paragraphs(sb.lines, sb.cols, cfg, layout.measures)
        texts = [para_text(p) for p in paras]
        items, agency = sidebar_items(texts, [p.lines for p in paras], cfg)
        item_rows.extend({**it, "sidebar_seq": seq} for it in items)
        first = sb.regions[0]
        rows.append(
            {
                "sidebar_seq": seq,
                "sidebar_label": sb.label,
                "title": sb.title,
                "chapter_no": sb.chapter_no,
                "section_no": sb.section_no,
                "text": "\n".join(texts),
                "lead_agency": agency,
                "item_count": len(items),
                "frame": sidebar_frame(sb.regions),
                "page_start": first.page,
                "page_end": sb.regions[-1].page,
                "bbox": [first.x0, first.top, first.x1, first.bottom],
            }
        )
    return rows, item_rows


def page_row(pg: PageLayout, kind: str) -> Row:
    lines = [ln for ln in pg.lines if ln.role not in ("page_number", "header", "footer")]
    lines += [ln for r in pg.regions for ln in r.lines]
    lines.sort(key=lambda ln: (round(ln.top), ln.x0))
    return {
        "page": pg.number,
        "printed_page": pg.printed_page,
        "printed_page_label": pg.printed_label,
        "width": round(pg.width, 2),
        "height": round(pg.height, 2),
        "kind": kind,
        "header_text": pg.header_text,
        "footer_text": pg.footer_text,
        "char_count": pg.char_count,
        "text": "\n".join(ln.text for ln in lines),
    }


def links_of(layout: Layout) -> list[Row]:
    """Each link with the text printed under it."""
    cfg, m = layout.settings, layout.measures
    rows = []
    for page in layout.pdf.pages:
        for n, lk in enumerate(sorted(page.links, key=lambda k: (round(k.top), k.x0)), 1):
            under = [c for c in page.chars if centre_in(c, lk, cfg.edge_slack * m.body)]
            under.sort(key=lambda c: (round(c.top), c.x0))
            rows.append(
                {
                    "page": page.number,
                    "link_no": n,
                    "text": chars_to_text(under, cfg.space_gap),
                    "uri": lk.uri,
                    "bbox": [lk.x0, lk.top, lk.x1, lk.bottom],
                }
            )
    return rows


def document_title(layout: Layout, name: str, page_kinds: dict[int, str], cfg: StructureSettings) -> tuple[str, str]:
    """(title, where it was found): the cover's largest lines, the running header, the metadata or the file name."""
    covers = [pg for pg in layout.pages if page_kinds.get(pg.number) == "cover"]
    lines = [ln for ln in covers[0].lines if ln.role == "body"] if covers else []
    if lines:
        big = max(ln.size for ln in lines) - cfg.title_size_drop * layout.measures.body
        title = join_lines([ln.text for ln in sorted(lines, key=lambda ln: ln.top) if ln.size >= big])
        if title:
            return title, "cover"
    headers = Counter(pg.header_text for pg in layout.pages if pg.header_text)
    if headers:
        return headers.most_common(1)[0][0], "running_header"
    if layout.pdf.metadata.get("Title"):
        return str(layout.pdf.metadata["Title"]), "metadata"
    return Path(name).stem, "file_name"


def document_row(
    layout: Layout,
    name: str,
    scheme: str,
    page_kinds: dict[int, str],
    registry: dict[str, Any] | None,
    cfg: StructureSettings,
) -> Row:
    title, source = document_title(layout, name, page_kinds, cfg)
    reg = registry or {}
    return {
        "title": title,
        "title_source": source,
        "source_file": name,
        "source_sha256": layout.pdf.sha256,
        "page_count": layout.pdf.page_count,
        "pipeline_version": __version__,
        "heading_scheme": scheme,
        "front_matter_pages": sum(1 for k in page_kinds.values() if k in ("cover", "toc")),
        "producer": layout.pdf.metadata.get("Producer"),
        "region": reg.get("region"),
        "admin_level": reg.get("admin_level"),
        "period": reg.get("period"),
        "edition": reg.get("edition"),
        "revision_of": reg.get("revision_of"),
    }

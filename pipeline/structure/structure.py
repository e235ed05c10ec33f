"""Stage 3, structure: layout -> outline, paragraphs, sidebars, sidebar items, pages, documents, links.

Headings are short lines opening a block with a heading label, set apart from the body (another face,
weight or size, or centred) or, where the plan sets a kind of heading in the body style, standing alone
between two blocks and numbered right after the heading before it (so that a sentence opening with 一、
is no heading). Which labels are parts, chapters, sections and subsections follows from the labels the
plan actually uses (第一篇 above 第一章/第一节, or 一、/（一）, then 1.). 附表/附件/附录/名词解释/注释
headings after the last chapter are appendices; notes and sources printed after it (注释：, 资料来源：)
are end matter. Paragraphs start at a first-line indent, after a short line or after extra space;
a page break, a sidebar or a table between two lines does not end a paragraph.
Sidebars are the boxes found by layout; a box that opens a page without a title,
right after a box that closed the previous page, continues it.
The document's title is the cover's, else the title printed atop the first page, else the running
header, else the metadata's (unless it is a file's name); null when the title is printed as an image.
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
from pipeline.core.numbering import (
    SUB_KINDS,
    appendix_label,
    end_matter_label,
    heading_label,
    item_label,
    sidebar_label,
)
from pipeline.core.text import AGENCY, chars_to_text, nfkc
from pipeline.core.text import join_lines as join_lines  # re-exported for the same reason
from pipeline.errors import NotAPlanError
from pipeline.layout.layout import (
    Layout,
    Line,
    Measures,
    PageLayout,
    Region,
    Style,
    char_style,
    column_of,
    lines_conf,
    lines_text,
)
from pipeline.settings import StageSettings, settings_for

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


class StructureSettings(StageSettings, stage="structure"):
    """The structure stage's thresholds (declared, with their units and ranges, in pipeline/data/settings.toml)."""


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

BODY_LEVELS = ("part", "chapter", "section", "subsection")  # highest first; appendices stand beside them
LEVELS = (*BODY_LEVELS, "appendix")  # an entry closes at a heading of its level or a higher one
SENTENCE_INSIDE = re.compile(r"[。！？；;!?]")
OPEN_ENDING = "，,：:；;、"  # a line ending so goes on: a lead-in or a list item, not a heading


@dataclass
class Heading:
    level: str  # part / chapter / section / subsection / appendix
    kind: str  # label kind (numbering.heading_label), or "appendix"
    label: str
    number: int | None
    title: str
    lines: list[Line]
    page: int


@dataclass
class Candidate:
    """A line starting with a heading or appendix label, and how it stands apart from the body text."""

    page: PageLayout
    line: Line
    kind: str  # numbering.heading_label's kind, or "appendix"
    label: str
    number: int | None
    rest: str  # the text after the label
    set_apart: bool  # in another face, weight or size, or centred
    alone: bool  # a short line by itself between two blocks, its title no sentence


def find_toc_pages(layout: Layout, cfg: StructureSettings) -> set[int]:
    toc = set()
    for pg in layout.pages:
        lines = pg.body_lines()
        if not lines:
            continue
        titled = any(re.sub(r"\s+", "", ln.text) in TOC_TITLES for ln in lines[: int(cfg.toc_title_lines)])
        entries = sum(is_toc_entry(ln, cfg) for ln in lines)
        if (titled and (entries >= cfg.toc_entries_titled or listed_contents(lines, cfg))) or (
            entries >= cfg.toc_entries and entries >= cfg.toc_share * len(lines)
        ):
            toc.add(pg.number)
    return toc


def listed_contents(lines: list[Line], cfg: StructureSettings) -> bool:
    """Contents printed without page numbers: labelled lines (第一章 …) make `toc_share` of the page's lines."""
    labelled = sum(read_label(ln) is not None for ln in lines)
    return labelled >= cfg.toc_entries_titled and labelled >= cfg.toc_share * len(lines)


def heading_candidates(layout: Layout, toc_pages: set[int], cfg: StructureSettings) -> list[Candidate]:
    """Lines outside the contents that start with a heading label (or an appendix's) and stand apart: styled,
    centred, or a short line alone between two blocks."""
    out = []
    for pg in layout.pages:
        if pg.number in toc_pages:
            continue
        flow = [ln for ln in pg.lines if ln.role in FLOW_ROLES]
        for i in range(len(flow)):
            c = candidate(pg, flow, i, layout, cfg)
            if c is not None:
                out.append(c)
    return out


def candidate(pg: PageLayout, flow: list[Line], i: int, layout: Layout, cfg: StructureSettings) -> Candidate | None:
    ln = flow[i]
    lab = read_label(ln)
    if lab is None or is_toc_entry(ln, cfg):
        return None
    kind, label, number, rest = lab
    m = layout.measures
    big_enough = ln.size >= m.body - cfg.heading_size_drop * m.body
    styled = emphasis_share(ln, layout.body_style) >= cfg.heading_emphasis and big_enough
    centred = (
        abs(ln.cx - (pg.left + pg.right) / 2) < cfg.heading_centre * (pg.right - pg.left)
        and ln.x0 > pg.left + cfg.heading_indent * ln.size
        and ln.x1 < pg.right - cfg.heading_indent * ln.size  # not a paragraph's indented first line
        and (big_enough or kind != "appendix")  # a table's caption is no appendix
    )
    alone = ln.role == "body" and titled(rest, kind) and stands_alone(flow, i, pg, cfg, m)
    if not (styled or centred or alone):
        return None
    return Candidate(pg, ln, kind, label, number, rest, styled or centred, alone)


def read_label(ln: Line) -> Label | None:
    """(kind, label, number, rest) of a body line opening with a heading label, or of a line (a table's title
    too) opening with an appendix's label; a label followed by `：` and no title is a run-in one (注释：)."""
    if ln.role == "body":
        lab = heading_label(ln.text)
        if lab is not None:
            return lab
    if ln.role not in ("body", "table_title"):
        return None
    app = appendix_label(ln.text)
    if app is None or (app[2] and not app[1]):
        return None
    return "appendix", app[0], None, app[1]


def titled(rest: str, kind: str) -> bool:
    """The text after a label reads as a title, not a sentence: no sentence stop inside (a closing 。 aside,
    but not after an appendix's label), no ending that carries on; only an appendix's label may stand without
    one (名词解释)."""
    if not rest:
        return kind == "appendix"
    body = rest if kind == "appendix" else rest.rstrip("。")  # 注释：本规划中….。 is a note, not an appendix
    return not SENTENCE_INSIDE.search(body) and rest[-1] not in OPEN_ENDING


def stands_alone(flow: list[Line], i: int, pg: PageLayout, cfg: StructureSettings, m: Measures) -> bool:
    """A short line after a block that ended and before one that starts: how a heading set in the body
    style still stands apart."""
    ln = flow[i]
    if ln.x1 >= pg.right - cfg.short_line * ln.size:
        return False
    prev = flow[i - 1] if i > 0 else None
    nxt = flow[i + 1] if i + 1 < len(flow) else None
    return ends_block(prev, ln, pg, cfg) and starts_block(nxt, ln, pg, cfg, m)


def _short_label_line(ln: Line, pg: PageLayout, cfg: StructureSettings) -> bool:
    return ln.x1 < pg.right - cfg.short_line * ln.size and read_label(ln) is not None


def ends_block(prev: Line | None, ln: Line, pg: PageLayout, cfg: StructureSettings) -> bool:
    """Nothing before the line on its page, or a line that ended a sentence, or one set otherwise, or a
    short labelled line (a heading before it)."""
    if prev is None or prev.style != ln.style or prev.role != "body":
        return True
    return prev.text.rstrip().rstrip(CLOSERS)[-1:] in PARA_END or _short_label_line(prev, pg, cfg)


def starts_block(nxt: Line | None, ln: Line, pg: PageLayout, cfg: StructureSettings, m: Measures) -> bool:
    """Nothing after the line on its page, or a line that begins a paragraph: indented, after extra space,
    set otherwise, or labelled."""
    if nxt is None or nxt.style != ln.style or nxt.role != "body":
        return True
    if nxt.x0 - pg.left >= cfg.indent * nxt.size or nxt.top - ln.bottom > cfg.para_gap * m.pitch:
        return True
    return read_label(nxt) is not None or item_label(nxt.text) is not None


def choose_ladder(cands: list[Candidate]) -> dict[str, str]:
    """Which label kind numbers which level: 第…篇 parts above chapters (第一章, else 一、), then the kinds used
    below them in the order 第一节 > 一、 > （一） > 1. for sections and subsections."""
    kinds = {c.kind for c in cands}
    if "chapter" in kinds:
        chapter, below = "chapter", [k for k in SUB_KINDS if k in kinds]
    elif "cn_comma" in kinds:
        chapter, below = "cn_comma", [k for k in SUB_KINDS[2:] if k in kinds]
    else:
        chapter, below = "chapter", ["section"]
    ladder = {"part": "part", chapter: "chapter", "appendix": "appendix"}
    ladder.update(zip(below, ("section", "subsection"), strict=False))
    return ladder


@dataclass
class Numbers:
    """The numbers of the last part, chapter, section and subsection read (0: none yet)."""

    last: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BODY_LEVELS, 0))

    def fits(self, level: str, number: int | None, set_apart: bool) -> bool:
        """A set-apart heading numbered past the last one of its level, or a plain one numbered right after
        it; a section or subsection only inside a chapter."""
        if level in ("section", "subsection") and not self.last["chapter"]:
            return False
        if set_apart:
            return number is None or number > self.last[level]
        return number == self.last[level] + 1

    def take(self, level: str, number: int | None) -> int:
        """Record a heading (an unnumbered one counts one on); lower levels start again. Its number."""
        n = number if number is not None else self.last[level] + 1
        self.last[level] = n
        if level != "part":  # chapters are numbered on across parts
            for lower in BODY_LEVELS[BODY_LEVELS.index(level) + 1 :]:
                self.last[lower] = 0
        return n


def make_heading(c: Candidate, level: str, layout: Layout, cfg: StructureSettings) -> Heading | None:
    """The heading a label line opens, with the lines carrying on its title; None when the title reads as a sentence.
    A subsection's title is kept as printed (a run-in sentence, 1.推进数字产业化。)."""
    block = heading_block(c.page, c.line, layout, cfg) if c.set_apart and c.line.role == "body" else [c.line]
    title = join_lines([c.rest] + [b.text for b in block[1:]])
    if level == "appendix":
        return Heading(level, c.kind, c.label, None, title, block, c.page.number) if titled(title, c.kind) else None
    if "。" in title.rstrip("。") or not title:
        return None
    if level == "subsection" and block[-1].x1 >= c.page.right - cfg.short_line * block[-1].size:
        return None  # a numbered paragraph whose first line is bold, running on below
    title = title if level == "subsection" else title.rstrip("。")
    return Heading(level, c.kind, c.label, c.number, title, block, c.page.number)


def find_headings(layout: Layout, toc_pages: set[int], cfg: StructureSettings) -> tuple[list[Heading], str]:
    cands = heading_candidates(layout, toc_pages, cfg)
    ladder = choose_ladder(cands)
    headings: list[Heading] = []
    used: set[int] = set()
    numbers = Numbers()
    styled = {c.kind for c in cands if c.set_apart and c.kind != "appendix"}
    for c in cands:
        level = ladder.get(c.kind)
        if id(c.line) in used or level is None or (c.kind in styled and not c.set_apart):
            continue  # a kind the plan sets apart is a heading only where it is set apart
        if level != "appendix" and not numbers.fits(level, c.number, c.set_apart):
            continue
        h = make_heading(c, level, layout, cfg)
        if h is None:
            continue
        used.update(id(b) for b in h.lines)
        if level != "appendix":
            h.number = numbers.take(level, c.number)
        headings.append(h)
    headings = appendices_last(headings)
    for h in headings:
        for b in h.lines:
            if b.role == "body":
                b.role = "heading"
    return headings, ("一、/（一）" if ladder.get("cn_comma") == "chapter" else "第一章/第一节")


def appendices_last(headings: list[Heading]) -> list[Heading]:
    """Appendices follow the plan's body: an appendix label before the last part, chapter or section heading
    (a table captioned 附表 inside a chapter) is no appendix."""
    last_body = max((i for i, h in enumerate(headings) if h.level != "appendix"), default=-1)
    return [h for i, h in enumerate(headings) if h.level != "appendix" or i > last_body]


def heading_block(pg: PageLayout, first: Line, layout: Layout, cfg: StructureSettings) -> list[Line]:
    """The heading's line plus the lines that carry on its title (same style, close below, no label)."""
    lines = sorted(pg.body_lines(), key=lambda ln: ln.top)
    i = lines.index(first)
    block = [first]
    for ln in lines[i + 1 : i + 1 + int(cfg.heading_more_lines)]:
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


@dataclass(frozen=True)
class Place:
    """Where text stands: in the front matter, the plan's body (a part, chapter, section, subsection), an
    appendix, or the end matter (notes and sources after the last chapter)."""

    matter: str = "front"  # front / body / appendix / end
    part_no: int | None = None
    chapter_no: int | None = None
    section_no: int | None = None
    subsection_no: int | None = None
    appendix_no: int | None = None

    def under(self, h: Heading) -> Place:
        """The place a heading opens."""
        n = h.number
        if h.level == "appendix":
            return Place("appendix", appendix_no=(self.appendix_no or 0) + 1)
        if h.level == "part":
            return Place("body", part_no=n)
        if h.level == "chapter":
            return Place("body", self.part_no, n)
        if h.level == "section":
            return Place("body", self.part_no, self.chapter_no, n)
        return Place("body", self.part_no, self.chapter_no, self.section_no, n)

    def of_text(self) -> Place:
        """The place of a paragraph here: text before the first heading is front matter."""
        if self.matter == "body" and self.part_no is None and self.chapter_no is None:
            return Place()
        return self


@dataclass
class Para:
    lines: list[Line] = field(default_factory=list)
    cols: list[tuple[float, float]] = field(default_factory=list)
    place: Place = field(default_factory=Place)


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
    return lines_text(p.lines)


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
    heading: str | None = None  # the title line(s) as printed, label included


def printed_heading(reg: Region, used: int) -> str | None:
    """A box's title as printed: the caption above it, or the lines its title took at its top."""
    lines = reg.caption or reg.lines[:used]
    return lines_text(lines) or None


def box_title(reg: Region, body_style: Style, cfg: StructureSettings) -> tuple[str | None, str | None, int]:
    """(label, title, number of lines used) for a box: a 专栏 line above it or at its top, or a centred title."""
    if reg.caption:
        lab = sidebar_label(reg.caption[0].text)
        if lab:
            return lab[0], (lab[1] or None), 0
        return None, lines_text(reg.caption), 0
    if not reg.lines:
        return None, None, 0
    first = reg.lines[0]
    lab = sidebar_label(first.text)
    width = reg.x1 - reg.x0
    centered = abs(first.cx - (reg.x0 + reg.x1) / 2) < cfg.box_title_centre * width
    if not (lab or (centered and first.x1 - first.x0 < cfg.box_title_max_w * width)):
        return None, None, 0
    used = box_title_lines(reg.lines, width, cfg)
    text = lines_text(used)
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
    for ln in lines[1 : 1 + int(cfg.box_title_more_lines)]:
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
    sidebars. A page break, a sidebar or a table between two lines does not end a paragraph. After the last
    part, chapter or section heading, a paragraph opening with 注释：/资料来源： starts the end matter: it and
    what follows (up to an appendix) belong to no chapter."""

    layout: Layout
    cfg: StructureSettings
    page_kinds: dict[int, str]
    heading_at: dict[int, Heading]
    skip: set[int] = field(default_factory=set)  # lines read elsewhere (the printed title)
    last_body: int | None = None  # the first line of the last part, chapter or section heading
    outline: list[Row] = field(default_factory=list)
    paras: list[Para] = field(default_factory=list)
    sidebars: list[Sidebar] = field(default_factory=list)
    place: Place = field(default_factory=Place)
    past_body: bool = False
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
        self.close(LEVELS)

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
                continue
            first_on_page, last_box = False, None
            if isinstance(obj, Line) and id(obj) in self.heading_at:
                self.heading(self.heading_at[id(obj)])
            elif isinstance(obj, Region) or obj.role in INTERRUPTIONS:
                self.interrupted, self.last_page = True, pg.number
            elif id(obj) not in self.skip:
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
            sb = Sidebar([reg], label, title, self.place.chapter_no, self.place.section_no)
            sb.heading = printed_heading(reg, used) if label is not None or title is not None else None
            self.sidebars.append(sb)
        sb.lines.extend(lines)
        sb.cols.extend([box_column(lines, reg, self.layout)] * len(lines))
        self.interrupted, self.last_page = True, page
        return sb

    def line(self, ln: Line, col: tuple[float, float], front: bool) -> None:
        if ln.role == "heading":
            return  # a continuation line of a heading block
        if starts_paragraph(
            ln, col, self.prev_line, self.prev_col, self.interrupted, self.cfg, self.layout.measures
        ) or (not self.paras):
            if self.past_body and self.place.matter == "body" and end_matter_label(ln.text):
                self.close(LEVELS)
                self.place = Place("end")
            self.paras.append(Para(place=Place() if front else self.place.of_text()))
        self.paras[-1].lines.append(ln)
        self.paras[-1].cols.append(col)
        self.prev_line, self.prev_col, self.interrupted = ln, col, False
        self.last_page = ln.page

    def heading(self, h: Heading) -> None:
        self.close(LEVELS[LEVELS.index(h.level) :] if h.level != "appendix" else LEVELS)
        self.place = self.place.under(h)
        p = self.place
        entry = {
            "level": h.level,
            "part_no": p.part_no,
            "chapter_no": p.chapter_no if h.level not in ("part", "appendix") else None,
            "section_no": p.section_no if h.level in ("section", "subsection") else None,
            "subsection_no": p.subsection_no if h.level == "subsection" else None,
            "appendix_no": p.appendix_no,
            "label": h.label,
            "title": h.title,
            "title_norm": nfkc(h.title),
            "page_start": h.page,
            "page_end": h.page,
            "bbox": list(bbox_of(h.lines)),
        }
        self.outline.append(entry)
        self.open_entries[h.level] = entry
        self.last_page = h.lines[-1].page
        self.prev_line, self.interrupted = None, False
        self.past_body = self.past_body or id(h.lines[0]) == self.last_body


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
    if not any(h.level == "chapter" for h in headings):
        raise NotAPlanError(
            "no chapter heading (第一章 or 一、 set apart from the body text) was found",
            file=name,
            expected="a development plan with numbered chapters",
        )
    first = min(h.page for h in headings if h.level in ("part", "chapter"))
    page_kinds = classify_pages(layout, toc_pages, first, cfg)
    title_lines = printed_title(layout, headings, page_kinds, cfg)
    body = [h for h in headings if h.level != "appendix"]
    walk = Walk(layout, cfg, page_kinds, {id(h.lines[0]): h for h in headings}, {id(ln) for ln in title_lines})
    walk.last_body = id(body[-1].lines[0])
    walk.read()
    sidebars, items = sidebar_rows(walk.sidebars, layout, cfg)
    return Structure(
        outline=[{"outline_seq": i, **e} for i, e in enumerate(walk.outline, 1)],
        paragraphs=paragraph_rows(walk.paras, cfg),
        sidebars=sidebars,
        sidebar_items=items,
        pages=[page_row(pg, page_kinds[pg.number]) for pg in layout.pages],
        links=links_of(layout),
        document=document_row(layout, name, scheme, page_kinds, registry, cfg, title_lines),
        page_kinds=page_kinds,
    )


def paragraph_rows(paras: list[Para], cfg: StructureSettings) -> list[Row]:
    rows: list[Row] = []
    for p in paras:
        text = para_text(p)
        if not text:
            continue
        place = p.place
        rows.append(
            {
                "para_no": len(rows) + 1,
                "matter": place.matter,
                "part_no": place.part_no,
                "chapter_no": place.chapter_no,
                "section_no": place.section_no,
                "subsection_no": place.subsection_no,
                "appendix_no": place.appendix_no,
                "lead": para_lead(p, cfg),
                "text": text,
                "text_norm": nfkc(text),
                "page_start": p.lines[0].page,
                "page_end": p.lines[-1].page,
                "bbox": para_bbox(p),
                "confidence": lines_conf(p.lines),
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
                "heading": sb.heading,
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
                "confidence": lines_conf(sb.lines),
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
        "text_source": pg.text_source,
        "text_quality": None if pg.text_quality is None else round(pg.text_quality, 4),
        "confidence": lines_conf(lines),
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


FILE_NAME_TITLE = re.compile(r"\.(?:html?|docx?|wps|pdf)$", re.IGNORECASE)


def printed_title(
    layout: Layout, headings: list[Heading], page_kinds: dict[int, str], cfg: StructureSettings
) -> list[Line]:
    """The title printed at the top of the first page when it is neither a cover nor contents: its first line
    larger than the body text by `title_min` and centred, before any heading, and the lines below it in the
    same size, centred too."""
    if not layout.pages or page_kinds.get(layout.pages[0].number) not in ("body", "front"):
        return []
    pg = layout.pages[0]
    m = layout.measures
    heading_lines = {id(ln) for h in headings for ln in h.lines}
    mid, width = (pg.left + pg.right) / 2, pg.right - pg.left
    lines = sorted((ln for ln in pg.lines if ln.role in ("body", "heading")), key=lambda ln: ln.top)
    out: list[Line] = []
    for ln in lines:
        centred = abs(ln.cx - mid) < cfg.heading_centre * width
        if id(ln) in heading_lines or not centred:
            break
        if out and abs(ln.size - out[0].size) > cfg.title_size_drop * m.body:
            break
        if not out and ln.size < m.body + cfg.title_min * m.body:
            break
        out.append(ln)
    return out


def metadata_title(layout: Layout, name: str) -> str | None:
    """The PDF's Title, unless it is empty or a file's name (Chromium writes the HTML file's, Word `….docx`)."""
    title = str(layout.pdf.metadata.get("Title") or "").strip()
    if not title or FILE_NAME_TITLE.search(title) or title == Path(name).stem:
        return None
    return title


def document_title(
    layout: Layout, name: str, page_kinds: dict[int, str], cfg: StructureSettings, printed: list[Line]
) -> tuple[str | None, str]:
    """(title, where it was found): the cover's largest lines, the title printed at the top of the first page,
    the running header, the metadata or the file name. None when the first page holds an image and no printed
    title (the title drawn as a picture)."""
    covers = [pg for pg in layout.pages if page_kinds.get(pg.number) == "cover"]
    lines = [ln for ln in covers[0].lines if ln.role == "body"] if covers else []
    if lines:
        big = max(ln.size for ln in lines) - cfg.title_size_drop * layout.measures.body
        title = join_lines([ln.text for ln in sorted(lines, key=lambda ln: ln.top) if ln.size >= big])
        if title:
            return title, "cover"
    if printed:
        return lines_text(printed), "first_page"
    headers = Counter(pg.header_text for pg in layout.pages if pg.header_text)
    if headers:
        return headers.most_common(1)[0][0], "running_header"
    if layout.pdf.pages and layout.pdf.pages[0].images:
        log.warning("%s: the title is printed as an image (not in the text layer): documents.title is null", name)
        return None, "image"
    meta = metadata_title(layout, name)
    if meta is not None:
        return meta, "metadata"
    return Path(name).stem, "file_name"


def document_row(
    layout: Layout,
    name: str,
    scheme: str,
    page_kinds: dict[int, str],
    registry: dict[str, Any] | None,
    cfg: StructureSettings,
    printed: list[Line],
) -> Row:
    title, source = document_title(layout, name, page_kinds, cfg, printed)
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

"""Stage 3, structure: layout -> outline, paragraphs, sidebars, sidebar items, pages, documents, links.

Headings are lines that start with a heading label and are set apart from the body
(another face, weight or size, or centred); which labels are chapters and which are
sections follows from the labels the plan actually uses (第一章/第一节, or 一、/（一）).
Paragraphs start at a first-line indent, after a short line or after extra space;
a page break, a sidebar or a table between two lines does not end a paragraph.
Sidebars are the boxes found by layout; a box that opens a page without a title,
right after a box that closed the previous page, continues it.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import __version__
from pipeline.core.numbering import heading_label, item_label, sidebar_label
from pipeline.errors import NotAPlanError
from pipeline.layout.layout import Layout, Line, PageLayout, Region, char_style, chars_to_text
from pipeline.pdf.model import bbox_of

log = logging.getLogger(__name__)

SENTENCE_END = "。！？；：:;!?"
PARA_END = "。！？；：:;!?…"
CLOSERS = "”’」』）)》"
AGENCY = re.compile(r"[（(]\s*(?:牵头单位|牵头部门|责任单位|责任部门|主责单位)\s*[：:]\s*(?P<agency>[^）)]*?)\s*[）)]")
TOC_LEADER = re.compile(r"(?:[.．·…‥⋯_\-—]{2,}|\s{2,})\s*\d{1,3}\s*$")


# ---------------------------------------------------------------- helpers


def join_lines(texts: list[str]) -> str:
    """Join printed lines of one paragraph or cell: no separator, except a space between two Latin words."""
    out = ""
    for t in texts:
        t = t.strip()
        if not t:
            continue
        if out and out[-1].isascii() and out[-1].isalpha() and t[0].isascii() and t[0].isalpha():
            out += " "
        out += t
    return out


def is_toc_entry(line: Line) -> bool:
    """A contents line: text, then leaders or a wide gap, then a page number."""
    if TOC_LEADER.search(line.text):
        return True
    chars = [c for c in line.chars if not c.text.isspace()]
    k = len(chars)
    while k > 0 and chars[k - 1].text.isdigit():
        k -= 1
    if 0 < k < len(chars) and len(chars) - k <= 3:
        return chars[k].x0 - chars[k - 1].x1 > 2.0 * line.size
    return False


def emphasis_share(line: Line, body_style: tuple) -> float:
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


def find_toc_pages(layout: Layout) -> set[int]:
    toc = set()
    for pg in layout.pages:
        lines = pg.body_lines()
        if not lines:
            continue
        titled = any(re.sub(r"\s+", "", ln.text) in ("目录", "目次") for ln in lines[:3])
        entries = sum(is_toc_entry(ln) for ln in lines)
        if (titled and entries >= 2) or (entries >= 3 and entries >= 0.4 * len(lines)):
            toc.add(pg.number)
    return toc


def heading_candidates(layout: Layout, toc_pages: set[int]) -> list[tuple[PageLayout, Line, tuple]]:
    out = []
    for pg in layout.pages:
        if pg.number in toc_pages:
            continue
        mid = (pg.left + pg.right) / 2
        for ln in pg.body_lines():
            lab = heading_label(ln.text)
            if not lab or is_toc_entry(ln):
                continue
            styled = emphasis_share(ln, layout.body_style) >= 0.8 and ln.size >= layout.body_size - 1.5
            centered = abs(ln.cx - mid) < 0.06 * (pg.right - pg.left) and ln.x0 > pg.left + 1.5 * ln.size
            if styled or centered:
                out.append((pg, ln, lab))
    return out


def choose_scheme(cands: list[tuple[PageLayout, Line, tuple]]) -> tuple[str, str | None]:
    kinds = Counter(lab[0] for _, _, lab in cands)
    if kinds["chapter"]:
        if kinds["section"]:
            return "chapter", "section"
        return "chapter", ("cn_comma" if kinds["cn_comma"] else None)
    if kinds["cn_comma"]:
        return "cn_comma", ("cn_paren" if kinds["cn_paren"] else None)
    return "chapter", "section"


def find_headings(layout: Layout, toc_pages: set[int]) -> tuple[list[Heading], str]:
    cands = heading_candidates(layout, toc_pages)
    chapter_kind, section_kind = choose_scheme(cands)
    scheme = "一、/（一）" if chapter_kind == "cn_comma" else "第一章/第一节"
    headings: list[Heading] = []
    used: set[int] = set()
    last_chapter = 0
    last_section = 0
    for pg, ln, (kind, label, number, rest) in cands:
        if id(ln) in used:
            continue
        if kind == chapter_kind:
            level = "chapter"
            if number is not None and number <= last_chapter:
                continue
        elif kind == section_kind and last_chapter:
            level = "section"
            if number is not None and number <= last_section:
                continue
        else:
            if kind == "part" and chapter_kind == "chapter":
                for b in heading_block(pg, ln, layout):  # 第一篇 above the chapters: a heading, not a paragraph
                    b.role = "heading"
                    used.add(id(b))
            continue
        block = heading_block(pg, ln, layout)
        title = join_lines([rest] + [b.text for b in block[1:]])
        if "。" in title.rstrip("。") or not title:
            continue
        for b in block:
            used.add(id(b))
            b.role = "heading"
        headings.append(
            Heading(
                level=level,
                kind=kind,
                label=label,
                number=number,
                title=title.rstrip("。"),
                lines=block,
                page=pg.number,
            )
        )
        if level == "chapter":
            last_chapter = number if number is not None else last_chapter + 1
            last_section = 0
        else:
            last_section = number if number is not None else last_section + 1
    return headings, scheme


def heading_block(pg: PageLayout, first: Line, layout: Layout) -> list[Line]:
    """The heading's line plus the lines that carry on its title (same style, close below, no label)."""
    lines = sorted(pg.body_lines(), key=lambda ln: ln.top)
    i = lines.index(first)
    block = [first]
    for ln in lines[i + 1 : i + 3]:
        gap = ln.top - block[-1].bottom
        if (
            ln.style == first.style
            and gap < 1.0 * first.size
            and heading_label(ln.text) is None
            and emphasis_share(ln, layout.body_style) >= 0.8
        ):
            block.append(ln)
        else:
            break
    return block


def classify_pages(layout: Layout, toc_pages: set[int], first_chapter_page: int) -> dict[int, str]:
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
            body_like = [
                ln for ln in content if ln.style == layout.body_style and ln.x1 - ln.x0 > 0.6 * (pg.right - pg.left)
            ]
            kinds[pg.number] = "front" if (len(body_like) >= 3 and (seen_toc or pg.number > 1)) else "cover"
    return kinds


# ---------------------------------------------------------------- paragraphs


@dataclass
class Para:
    lines: list[Line] = field(default_factory=list)
    cols: list[tuple[float, float]] = field(default_factory=list)
    chapter_no: int | None = None
    section_no: int | None = None


def starts_paragraph(
    line: Line, col: tuple[float, float], prev: Line | None, prev_col, pitch: float, interrupted: bool
) -> bool:
    if prev is None:
        return True
    left, right = col
    prev_short = prev.x1 < prev_col[1] - 1.5 * prev.size
    prev_ended = prev.text.rstrip().rstrip(CLOSERS)[-1:] in PARA_END
    indented = line.x0 - left >= 1.2 * line.size  # first-line indent (or a centred line)
    if indented and item_label(line.text) is not None:
        return True  # an indented numbered item
    if indented:
        # ... unless the line before ran to the margin in mid-sentence: the paragraph goes on
        return prev_short or prev_ended or abs(line.size - prev.size) > 1.5
    if prev_short and prev_ended:
        return True  # the line before ended a sentence, short
    if (prev_short or prev_ended) and item_label(line.text) is not None:
        return True  # a numbered or dashed item begins
    if abs(line.size - prev.size) > 1.5:
        return True
    if not interrupted and line.page == prev.page and line.top - prev.bottom > 1.1 * pitch:
        return True  # extra space between paragraphs
    return False


def para_text(p: Para) -> str:
    return join_lines([ln.text for ln in p.lines])


def para_lead(p: Para) -> str | None:
    """The run-in lead: a prefix in another face or weight, closed by sentence punctuation."""
    chars = [c for ln in p.lines for c in ln.chars if not c.text.isspace()]
    if len(chars) < 4:
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


def box_title(reg: Region, body_style: tuple) -> tuple[str | None, str | None, int]:
    """(label, title, number of lines used) for a box: a 专栏 line above it or at its top, or a centred title."""
    if reg.caption:
        lab = sidebar_label(reg.caption[0].text)
        text = join_lines([ln.text for ln in reg.caption])
        if lab:
            return lab[0], (lab[1] or None), 0
        return None, text, 0
    lines = reg.lines
    if not lines:
        return None, None, 0
    first = lines[0]
    lab = sidebar_label(first.text)
    width = reg.x1 - reg.x0
    centered = abs(first.cx - (reg.x0 + reg.x1) / 2) < 0.08 * width and first.x1 - first.x0 < 0.85 * width
    if lab or centered:
        used = [first]
        for ln in lines[1:3]:
            if (
                ln.style == first.style
                and abs(ln.cx - first.cx) < 0.08 * width
                and ln.top - used[-1].bottom < 0.8 * ln.size
                and item_label(ln.text) is None
            ):
                used.append(ln)
            else:
                break
        text = join_lines([ln.text for ln in used])
        if lab:
            lab = sidebar_label(text)
            return lab[0], (lab[1] or None), len(used)
        if first.style != body_style or first.bold:
            return None, text, len(used)
    return None, None, 0


def box_column(lines: list[Line], reg: Region) -> tuple[float, float]:
    """A box's text column: the leftmost edge two lines share (or the leftmost line), and the far right edge."""
    if not lines:
        return reg.x0, reg.x1
    return column_left(lines), sorted(ln.x1 for ln in lines)[int(0.9 * (len(lines) - 1))]


def column_left(lines: list[Line]) -> float:
    lefts = Counter(round(ln.x0) for ln in lines)
    shared = [x for x, n in lefts.items() if n >= 2]
    left = float(min(shared) if shared else min(lefts))
    return min([left] + [ln.x0 for ln in lines if abs(ln.x0 - left) < 2])


def lines_to_paragraphs(
    lines: list[Line], cols: list[tuple[float, float]], pitch: float, breaks: set[int] | None = None
) -> list[Para]:
    """Group lines (with their text column) into paragraphs; `breaks` marks indexes after an interruption."""
    paras: list[Para] = []
    prev, prev_col = None, None
    for i, (ln, col) in enumerate(zip(lines, cols)):
        interrupted = bool(breaks and i in breaks)
        if starts_paragraph(ln, col, prev, prev_col, pitch, interrupted) or not paras:
            paras.append(Para())
        paras[-1].lines.append(ln)
        paras[-1].cols.append(col)
        prev, prev_col = ln, col
    return paras


def sidebar_items(paras: list[str], para_lines: list[list[Line]]) -> tuple[list[dict], str | None]:
    """Items of one sidebar from its paragraphs, and a lead agency standing alone for the whole sidebar."""
    items: list[dict] = []
    kinds: list[str] = []
    sidebar_agency = None
    starts = []
    pos = 0
    for text in paras:  # where each paragraph starts in the sidebar's text ("\n"-joined)
        starts.append(pos)
        pos += len(text) + 1
    for i, (text, lines) in enumerate(zip(paras, para_lines)):
        m = AGENCY.fullmatch(text.strip())
        if m:
            sidebar_agency = m.group("agency")
            continue
        lab = item_label(text)
        if lab is None:
            if items and (items[-1]["_heading_only"] or items[-1]["_open"]):
                items[-1]["_extra"].append(text)
                items[-1]["char_end"] = starts[i] + len(text)
            continue
        kind, label, rest = lab
        if kind not in kinds:
            kinds.append(kind)
        heading, body, heading_only = split_item_heading(rest)
        items.append(
            {
                "item_label": label,
                "depth": kinds.index(kind) + 1,
                "heading": heading,
                "_body": body,
                "_heading_only": heading_only,
                "_open": True,
                "_extra": [],
                "page": lines[0].page,
                "bbox": list(bbox_of([lines[0]])),
                "char_start": starts[i],
                "char_end": starts[i] + len(text),
            }
        )
    out = []
    for i, it in enumerate(items, 1):
        text = "\n".join(t for t in [it["_body"]] + it["_extra"] if t)
        m = AGENCY.search(text)
        out.append(
            {
                "item_no": i,
                "item_label": it["item_label"],
                "depth": it["depth"],
                "heading": it["heading"],
                "text": text,
                "lead_agency": m.group("agency") if m else None,
                "char_start": it["char_start"],
                "char_end": it["char_end"],
                "page": it["page"],
                "bbox": it["bbox"],
            }
        )
    return out, sidebar_agency


def split_item_heading(rest: str) -> tuple[str | None, str, bool]:
    """(heading, body, heading_only): a short label line alone is a heading; else the words before `：`/`。`."""
    rest = rest.strip()
    if len(rest) <= 30 and not any(p in rest for p in "。；;") and not AGENCY.search(rest):
        return rest.rstrip("：:"), "", True
    m = re.match(r"^(?P<h>[^：:。；;，,]{2,30})[：:。]", rest)
    if m:
        return m.group("h").strip(), rest[m.end() :].strip(), False
    return None, rest, False


# ---------------------------------------------------------------- the walk


@dataclass
class Structure:
    outline: list[dict]
    paragraphs: list[dict]
    sidebars: list[dict]
    sidebar_items: list[dict]
    pages: list[dict]
    links: list[dict]
    document: dict
    page_kinds: dict[int, str]


def run(layout: Layout, source_file: str | None = None, registry: dict | None = None) -> Structure:
    toc_pages = find_toc_pages(layout)
    headings, scheme = find_headings(layout, toc_pages)
    name = source_file or Path(layout.pdf.path).name
    chapters = [h for h in headings if h.level == "chapter"]
    if not chapters:
        raise NotAPlanError(
            "no chapter heading (第一章 or 一、 set apart from the body text) was found",
            file=name,
            expected="a development plan with numbered chapters",
        )
    page_kinds = classify_pages(layout, toc_pages, chapters[0].page)
    heading_at = {id(h.lines[0]): h for h in headings}
    pitch = layout.line_pitch

    outline: list[dict] = []
    paras: list[Para] = []
    sidebars: list[Sidebar] = []
    chapter_no = section_no = None
    open_entries: dict[str, dict] = {}
    last_page = None
    prev_line = prev_col = None
    interrupted = False
    open_box: tuple[Sidebar, int] | None = None  # a sidebar whose box closed the previous page

    def close(level_names):
        for lv in level_names:
            e = open_entries.pop(lv, None)
            if e is not None:
                e["page_end"] = max(e["page_start"], last_page or e["page_start"])

    for pg in layout.pages:
        if page_kinds[pg.number] not in ("body", "front"):
            continue
        col = (pg.left, pg.right)
        items = [
            (ln.top, 0, ln)
            for ln in pg.lines
            if ln.role in ("body", "heading", "table_title", "table_note", "box_title")
        ]
        items += [(r.top, 1, r) for r in pg.regions]
        items.sort(key=lambda t: (t[0], t[1]))
        first_on_page = True
        last_was_box: Sidebar | None = None
        for _, is_region, obj in items:
            if is_region and obj.kind == "box":
                reg: Region = obj
                label, title, used = box_title(reg, layout.body_style)
                body_lines = reg.lines[used:]
                if (
                    first_on_page
                    and open_box is not None
                    and open_box[1] == pg.number - 1
                    and label is None
                    and title is None
                ):
                    sb = open_box[0]
                    sb.regions.append(reg)
                else:
                    sb = Sidebar(regions=[reg], label=label, title=title, chapter_no=chapter_no, section_no=section_no)
                    sidebars.append(sb)
                sb.lines.extend(body_lines)
                sb.cols.extend([box_column(body_lines, reg)] * len(body_lines))
                last_was_box = sb
                interrupted, first_on_page, last_page = True, False, pg.number
                continue
            first_on_page, last_was_box = False, None
            if is_region or obj.role in ("table_title", "table_note", "box_title"):
                interrupted, last_page = True, pg.number
                continue
            ln: Line = obj
            h = heading_at.get(id(ln))
            if h is not None:
                if h.level == "chapter":
                    close(["section", "chapter"])
                    chapter_no, section_no = h.number, None
                else:
                    close(["section"])
                    section_no = h.number
                entry = {
                    "level": h.level,
                    "chapter_no": chapter_no,
                    "section_no": section_no if h.level == "section" else None,
                    "label": h.label,
                    "title": h.title,
                    "page_start": h.page,
                    "page_end": h.page,
                    "bbox": list(bbox_of(h.lines)),
                }
                outline.append(entry)
                open_entries[h.level] = entry
                last_page = h.lines[-1].page
                prev_line, interrupted = None, False
                continue
            if ln.role == "heading":
                continue  # a continuation line of a heading block
            this_chapter = None if page_kinds[pg.number] == "front" else chapter_no
            if starts_paragraph(ln, col, prev_line, prev_col, pitch, interrupted) or not paras:
                paras.append(Para(chapter_no=this_chapter, section_no=section_no if this_chapter is not None else None))
            paras[-1].lines.append(ln)
            paras[-1].cols.append(col)
            prev_line, prev_col, interrupted = ln, col, False
            last_page = pg.number
        open_box = (last_was_box, pg.number) if last_was_box is not None else None
    close(["section", "chapter"])

    paragraph_rows = []
    for p in paras:
        text = para_text(p)
        if not text:
            continue
        paragraph_rows.append(
            {
                "para_no": len(paragraph_rows) + 1,
                "chapter_no": p.chapter_no,
                "section_no": p.section_no,
                "lead": para_lead(p),
                "text": text,
                "page_start": p.lines[0].page,
                "page_end": p.lines[-1].page,
                "bbox": para_bbox(p),
            }
        )

    sidebar_rows, item_rows = [], []
    for seq, sb in enumerate(sidebars, 1):
        bparas = lines_to_paragraphs(sb.lines, sb.cols, pitch)
        texts = [para_text(p) for p in bparas]
        items, agency = sidebar_items(texts, [p.lines for p in bparas])
        for it in items:
            it["sidebar_seq"] = seq
        item_rows.extend(items)
        frames = {r.frame for r in sb.regions}
        frame = "border+shading" if "border+shading" in frames or {"border", "shading"} <= frames else sorted(frames)[0]
        first = sb.regions[0]
        sidebar_rows.append(
            {
                "sidebar_seq": seq,
                "sidebar_label": sb.label,
                "title": sb.title,
                "chapter_no": sb.chapter_no,
                "section_no": sb.section_no,
                "text": "\n".join(texts),
                "lead_agency": agency,
                "item_count": len(items),
                "frame": frame,
                "page_start": first.page,
                "page_end": sb.regions[-1].page,
                "bbox": [first.x0, first.top, first.x1, first.bottom],
            }
        )

    page_rows = [page_row(pg, page_kinds[pg.number]) for pg in layout.pages]
    link_rows = links_of(layout)
    document = document_row(layout, name, scheme, page_kinds, registry)
    return Structure(
        outline=[{"outline_seq": i, **e} for i, e in enumerate(outline, 1)],
        paragraphs=paragraph_rows,
        sidebars=sidebar_rows,
        sidebar_items=item_rows,
        pages=page_rows,
        links=link_rows,
        document=document,
        page_kinds=page_kinds,
    )


def page_row(pg: PageLayout, kind: str) -> dict:
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


def links_of(layout: Layout) -> list[dict]:
    rows = []
    for page in layout.pdf.pages:
        for n, lk in enumerate(sorted(page.links, key=lambda l: (round(l.top), l.x0)), 1):
            under = [c for c in page.chars if lk.x0 - 1 <= c.cx <= lk.x1 + 1 and lk.top - 1 <= c.cy <= lk.bottom + 1]
            under.sort(key=lambda c: (round(c.top), c.x0))
            rows.append(
                {
                    "page": page.number,
                    "link_no": n,
                    "text": chars_to_text(under),
                    "uri": lk.uri,
                    "bbox": [lk.x0, lk.top, lk.x1, lk.bottom],
                }
            )
    return rows


def document_row(layout: Layout, name: str, scheme: str, page_kinds: dict[int, str], registry: dict | None) -> dict:
    title, source = None, None
    covers = [pg for pg in layout.pages if page_kinds.get(pg.number) == "cover"]
    if covers:
        lines = [ln for ln in covers[0].lines if ln.role == "body"]
        if lines:
            big = max(ln.size for ln in lines)
            title = join_lines([ln.text for ln in sorted(lines, key=lambda l: l.top) if ln.size >= big - 0.5])
            source = "cover"
    if not title:
        headers = Counter(pg.header_text for pg in layout.pages if pg.header_text)
        if headers:
            title, source = headers.most_common(1)[0][0], "running_header"
    if not title and layout.pdf.metadata.get("Title"):
        title, source = layout.pdf.metadata["Title"], "metadata"
    if not title:
        title, source = Path(name).stem, "file_name"
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

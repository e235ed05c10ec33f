"""The document model shared by the three backends, and the expected-content JSON built from it.

A variant's content is a `Doc`: a list of blocks (title, headings, paragraphs, tables, sidebars,
page breaks, a cover, a table of contents) plus page settings. Each backend lays the blocks out
and returns on which pages each block landed; everything else in the expected file comes from
the blocks themselves, so the generator knows the expected content exactly.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any


# ------------------------------------------------------------------ blocks
@dataclass(eq=False)
class Title:
    text: str
    subtitle: str | None = None     # e.g. a date line under the title
    image: bool = False             # drawn as a raster: not in the text layer


@dataclass(eq=False)
class Heading:
    level: str                      # part | chapter | section | subsection | appendix
    label: str                      # 第一章, （一）, 附件 ... as printed, without letter-spacing
    title: str
    display: str | None = None      # printed form when it differs (letter-spaced); label+title otherwise
    body_style: bool = False        # set in the body's own font and size


@dataclass(eq=False)
class Para:
    text: str                       # the paragraph as read (letter-spacing removed)
    display: str | None = None      # printed form when it differs
    indent: bool = True
    role: str = "body"              # body | note (注释：/资料来源： end matter)


@dataclass(eq=False)
class Item:
    """A numbered item inside a sidebar: `1.` + heading + text, or a `——` item."""
    label: str | None               # "1." "（2）" "——" or None
    heading: str | None
    text: str

    @property
    def joined(self) -> str:
        return (self.label or "") + (self.heading or "") + self.text


@dataclass(eq=False)
class Table:
    header: list[str]                       # column paths as printed ('/' between levels)
    rows: list[list[str]]                   # body grid; a merged cell's text repeated
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # body merges r, c, rs, cs
    caption: str | None = None              # "表1 ..." printed above
    title: str | None = None                # a plain title line above (when no caption)
    note: str | None = None                 # "注：..." below
    source: str | None = None               # "资料来源：..." below
    kind: str = "other"                     # indicator_review | indicator_targets | statistics | project_list | other
    ruling: str = "grid"                    # grid | three_line | rows | header_only | none
    widths: list[float] | None = None       # relative column widths
    font_size: float = 10.5
    header_fill: str | None = None          # "#d9d9d9" shading of the header rows
    zebra: str | None = None                # fill of every other body row
    repeat_header: bool = True              # on a continuation page
    continued_caption: str | None = None    # "续表" / "表2（续）" printed on the continuation page
    break_after_row: int | None = None      # reportlab: force a page break after this body row
    rule_mode: str = "stroke"               # reportlab: stroke | rect | cellrects | segments
    invisible: list[tuple[int, int, str, str]] = field(default_factory=list)  # row, col, text, mode
    align: list[str] | None = None          # per column: left | center | right
    name: str | None = None                 # indicator_tables id
    display_header: list[str] | None = None # header cell texts as printed when they differ (spaces)
    shown: dict = field(default_factory=dict)  # (row, col) -> body cell text as printed (letter-spaced)
    total_width: float = 1.0                # fraction of the text width

    @property
    def label(self) -> str | None:
        return self.caption or self.title


@dataclass(eq=False)
class Sidebar:
    label: str | None                       # "1" for 专栏1, None for an unnumbered box
    title: str
    body: list = field(default_factory=list)  # Para | Item | Table
    frame: str = "border"                   # border | shading | border+shading | rules
    style: str = "box"                      # backend hint: box | band | rules | cell | table
    fill: str | None = None

    @property
    def heading(self) -> str:
        return (f"专栏{self.label}" + "　" if self.label else "") + self.title

    @property
    def text(self) -> str:
        parts = []
        for b in self.body:
            if isinstance(b, Para):
                parts.append(b.text)
            elif isinstance(b, Item):
                parts.append(b.joined)
        return "\n".join(parts)


@dataclass(eq=False)
class PageBreak:
    landscape: bool | None = None            # the pages after the break (None: unchanged)


@dataclass(eq=False)
class Cover:
    lines: list[str]                         # big title lines, then issuer and date


@dataclass(eq=False)
class Toc:
    entries: list[tuple[str, str, int]]      # (label, title, printed page)


@dataclass
class Doc:
    name: str
    producer: str
    cases: list[str]
    blocks: list
    title: str | None                        # the document title as printed (None: none or image only)
    header_text: str | None = None           # running header
    page_number: str | None = None           # "{n}", "- {n} -", "— {n} —", "第 {n} 页"
    landscape: bool = False
    body_size: float = 15
    opts: dict[str, Any] = field(default_factory=dict)   # backend hints


# ------------------------------------------------------------------ text helpers
# Skia (Chromium) writes some ideographs of Noto CJK as CJK radicals in the text layer: the Kangxi
# radicals fold under NFKC, the radical supplements (⺠ for 民, ⻓ for 长) need this table.
RADICALS = str.maketrans(
    "⺁⺄⺅⺆⺉⺊⺌⺍⺎⺏⺐⺒⺓⺔⺖⺗⺘⺙⺛⺝⺞⺟⺠⺡⺢⺣⺤⺥⺦⺧⺨⺩⺪⺫⺬⺭⺮⺯⺰⺱⺲⺳⺴⺵⺶⺷⺹⺺⺻⺼⺽⺾⺿⻀⻁⻂⻃⻄"
    "⻅⻆⻈⻉⻊⻋⻌⻍⻎⻏⻐⻑⻒⻓⻔⻖⻗⻘⻙⻚⻛⻜⻝⻟⻠⻢⻣⻤⻥⻦⻧⻨⻩⻪⻫⻬⻭⻮⻯⻰⻱⻲⻳",
    "厂乙亻冂刂卜小小兀尣尢巳幺彑忄心扌攵旡月歺母民氵氺灬爫爫丬牛犭王疋目示礻竹糹纟罓罒网网网羊羊耂肀聿肉臼艹艹艹虎衤覀西"
    "见角讠贝足车辶辶辶阝钅長镸长门阝雨青韦页风飞食飠饣马骨鬼鱼鸟卤麦黄黾斉齐歯齿竜龙龜亀龟")


def nows(s: str | None) -> str:
    """Whitespace removed (ASCII, full-width and ideographic spaces)."""
    return re.sub(r"\s+", "", s or "")


def norm(s: str | None) -> str:
    """Comparison form: radicals folded to ideographs, NFKC, no whitespace."""
    return nows(unicodedata.normalize("NFKC", (s or "").translate(RADICALS)))


CN_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def cn_int(s: str) -> int:
    if s.isdigit():
        return int(s)
    if "十" in s:
        a, _, b = s.partition("十")
        return (CN_NUM[a] if a else 1) * 10 + (CN_NUM[b] if b else 0)
    return CN_NUM[s]


def cn_num(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n <= 10:
        return "十" if n == 10 else digits[n]
    if n < 20:
        return "十" + digits[n - 10]
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


# ------------------------------------------------------------------ expected JSON
STUB = {"category": ("类别", "领域", "一级指标", "分类"), "seq": ("序号",),
        "name": ("指标", "指标名称", "二级指标", "主要指标"), "unit": ("单位", "计量单位")}


def indicator_table(t: Table, table_id: str) -> dict:
    """The table in jindong-2021.json's `tables` format (category/seq/name/unit + value columns)."""
    header = [nows(h) for h in t.header]
    stub = {}
    for key, names in STUB.items():
        for i, h in enumerate(header):
            if h in names and i not in stub.values():
                stub[key] = i
                break
    value_cols = [i for i in range(len(header)) if i not in stub.values()]
    rows = []
    for n, r in enumerate(t.rows, 1):
        row = {"table": table_id, "row": n}
        for key in ("category", "seq", "name", "unit"):
            row[key] = r[stub[key]] if key in stub else None
        for i in value_cols:
            row[header[i]] = r[i]
        rows.append(row)
    return {"table_id": table_id, "title": t.title or re.sub(r"^(附?表\s*\d+)\s*", "", t.caption or ""),
            "columns": [header[i] for i in value_cols], "rows": rows}


def expected(doc: Doc, pages: dict, page_count: int) -> dict:
    """pages: id(block) -> (page_start, page_end) as laid out by the backend."""
    out = {"id": doc.name, "producer": doc.producer, "cases": doc.cases, "page_count": page_count,
           "title": doc.title, "outline": [], "chapters": [], "sections": [], "sidebars": [],
           "tables": [], "paragraphs": [], "invisible": []}
    part = chapter = section = None
    sidebar_seq = 0
    indicator = []

    def add_table(t: Table, seq: int | None):
        p0, p1 = pages[id(t)]
        out["tables"].append({
            "caption": t.caption, "title": t.label, "kind": t.kind, "ruling": t.ruling,
            "page_start": p0, "page_end": p1, "sidebar_seq": seq,
            "note": t.note,
            "header": [nows(h) for h in t.header],
            "rows": [[nows(c) if doc.opts.get("cells_nows") else c for c in r] for r in t.rows],
            "merged": [list(m) for m in t.merged]})
        out["invisible"] += [text for _, _, text, _ in t.invisible]
        if t.kind.startswith("indicator"):
            indicator.append(indicator_table(t, t.name or f"t{len(out['tables'])}"))

    for b in doc.blocks:
        if isinstance(b, Heading):
            if b.level == "part":
                part, chapter, section = (part or 0) + 1, chapter, None
            elif b.level == "chapter":
                chapter, section = (chapter or 0) + 1, None
                out["chapters"].append({"chapter_no": chapter, "title": b.title})
            elif b.level == "section":
                section = (section or 0) + 1
                out["sections"].append({"chapter_no": chapter, "section_no": section, "title": b.title})
            appendix = b.level == "appendix"
            out["outline"].append({"level": b.level, "label": b.label, "title": b.title,
                                   "page": pages[id(b)][0],
                                   "part_no": None if appendix else part,
                                   "chapter_no": None if appendix or b.level == "part" else chapter,
                                   "section_no": section if b.level in ("section", "subsection") else None})
        elif isinstance(b, Para):
            out["paragraphs"].append(b.text)
        elif isinstance(b, Table):
            add_table(b, None)
        elif isinstance(b, Sidebar):
            sidebar_seq += 1
            p0, p1 = pages[id(b)]
            items = [{"item_label": i.label, "heading": i.heading, "text": i.text}
                     for i in b.body if isinstance(i, Item)]
            out["sidebars"].append({"sidebar_seq": sidebar_seq, "sidebar_label": b.label, "title": b.title,
                                    "chapter_no": chapter, "section_no": section, "frame": b.frame,
                                    "page_start": p0, "page_end": p1, "text": b.text, "items": items})
            for t in b.body:
                if isinstance(t, Table):
                    add_table(t, sidebar_seq)
    if indicator:
        out["indicator_tables"] = indicator
    return out


# ------------------------------------------------------------------ locating blocks in a PDF
PAGE_NUMBER = re.compile(r"^[-—–]?\s*(第\s*)?\d+\s*(页)?\s*[-—–]?$")


def page_texts(pdf_path: str, header: str | None = None) -> list[str]:
    """Each page's text in comparison form, without the running header and page-number lines."""
    import logging

    import pdfplumber
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    out = []
    with pdfplumber.open(pdf_path) as pdf:
        for p in pdf.pages:
            lines = [norm(x) for x in (p.extract_text() or "").split("\n")]
            out.append("".join(x for x in lines if not PAGE_NUMBER.match(x) and (not header or x != norm(header))))
    return out


def block_marks(b) -> tuple[str, str]:
    """A start and an end string that identify a block in the page text."""
    if isinstance(b, Heading):
        s = norm(b.label + b.title)
        return s[:14], s[-6:]
    if isinstance(b, Para):
        s = norm(b.text)
        return s[:14], s[-8:]
    if isinstance(b, Title):
        s = norm(b.text)
        return s[:10], s[-4:]
    if isinstance(b, Table):
        start = norm(b.label)[:12] if b.label else norm(b.header[0].split("/")[0])
        if b.note or b.source:
            return start, norm(b.source or b.note)[-8:]
        # cells wrap and interleave with their neighbours: one character of the last row, searched
        # backwards from the next block, still falls in that row
        return start, [norm(c) for c in b.rows[-1] if norm(c)][-1][0]
    if isinstance(b, Toc):
        return "目录", norm(b.entries[-1][0] + b.entries[-1][1])[-6:]
    if isinstance(b, Cover):
        return norm(b.lines[0])[:8], norm(b.lines[-1])[-6:]
    if isinstance(b, Sidebar):
        start = norm(b.heading)[:12]
        tail = b.body[-1]
        if isinstance(tail, Table):
            return start, block_marks(tail)[1]
        return start, norm(tail.joined if isinstance(tail, Item) else tail.text)[-8:]
    return "", ""


def locate(pdf_path: str, doc: Doc) -> tuple[dict, int]:
    """Pages of every block, found by searching its start/end strings in reading order."""
    texts = page_texts(pdf_path, doc.header_text)
    full, owner = "", []
    for n, t in enumerate(texts, 1):
        full += t
        owner += [n] * len(t)
    owner.append(len(texts))
    flat = []
    for b in doc.blocks:
        if isinstance(b, (Heading, Para, Table, Sidebar, Title, Toc, Cover)) and not (isinstance(b, Title) and b.image):
            flat.append(b)
    starts, cursor = [], 0
    for b in flat:
        s, _ = block_marks(b)
        i = full.find(s, cursor)
        if i < 0:
            raise ValueError(f"{doc.name}: cannot find start of {type(b).__name__} {s!r}")
        starts.append(i)
        cursor = i + 1
        if isinstance(b, Toc):          # skip the entries: they repeat the headings' text
            cursor = full.find(block_marks(b)[1], i) + 1
    pages = {}
    for k, b in enumerate(flat):
        _, e = block_marks(b)
        stop = starts[k + 1] if k + 1 < len(flat) else len(full)
        j = full.rfind(e, starts[k], stop + len(e))
        if j < 0:
            raise ValueError(f"{doc.name}: cannot find end of {type(b).__name__} {e!r}")
        pages[id(b)] = (owner[starts[k]], owner[j])
        if isinstance(b, Sidebar):
            for t in b.body:
                if isinstance(t, Table):
                    ts, _ = block_marks(t)
                    i = full.find(ts, starts[k])
                    pages[id(t)] = (owner[i], owner[j])
    return pages, len(texts)


def stabilize(pdf_path: str) -> None:
    """Overwrite creation dates and the file ID in place (same lengths) so reruns give the same bytes."""
    data = open(pdf_path, "rb").read()
    data = re.sub(rb"D:\d{14}", b"D:20240101000000", data)
    data = re.sub(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>",
                  lambda m: m.group(0).replace(m.group(1), b"0" * len(m.group(1)))
                  .replace(m.group(2), b"0" * len(m.group(2))), data)
    data = re.sub(rb"/DocChecksum /[0-9A-F]+", lambda m: b"/DocChecksum /" + b"0" * (len(m.group(0)) - 14), data)
    open(pdf_path, "wb").write(data)

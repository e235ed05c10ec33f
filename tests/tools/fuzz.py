"""Fuzz the command line with mutated plan PDFs: every mutant must end in a success or a clean one-line error.

    .venv/bin/python tests/tools/fuzz.py -n 1000 --seed 7     # `make fuzz N=1000 SEED=7`
    .venv/bin/python tests/tools/fuzz.py --replay tests/data/fuzz/traceback-content-7000012.pdf

Seeds are small plans (2 to 4 pages: chapters, sections, sidebars, an indicator table) built here with
tests/pdfbuilder.py, once per run, in three byte layouts: compressed streams as reportlab writes them,
uncompressed streams with a classic xref table, and object streams with an xref stream. Each mutant is one
seed changed by one mutator, all of it decided by the mutant's seed (`make_mutant(mutator, seed)` gives back
the same bytes on any machine): byte flips, truncations, xref damage, deleted or duplicated objects, looping
page trees, content-stream edits, a wrong /Length, junk after %%EOF, and small decompression bombs (a content
stream or a ToUnicode CMap of 200 to 800 MB in under 1 MB).

Mutants run in batches through the real command line in a subprocess (`python -m pipeline extract ... --quiet`,
with `--timeout` and `--max-memory` when the command offers them) under an outer wall-time limit (a batch over
it is a hang) and an address-space limit (a process over it is a memory blow-up). Each mutant's outcome is read
from the run summary (`OUT/_runs/*.json`) when the command writes one, else from its stderr:

    success      extracted
    clean-error  one line `error: ...` naming the file, exit status 1
    timeout      the plan's line (or its summary entry) says it ran out of time
    memory       the plan's line (or its summary entry) says it hit the memory limit
    traceback    a Python traceback on stderr, an `internal error` line, or a schema error (a bug whatever the
                 input)
    hang         the batch outlived the outer time limit on this file
    blowup       the outer address-space limit was hit (MemoryError or killed): memory is not bounded
    crash        the process, or a plan's worker, died by a signal
    lost         the batch ended normally but says nothing about the file, and it has no output
    misdiagnosed a one-line error that blames the PDF for a MemoryError (a limit hit, not a damaged file)
    bad-line     a failure without exactly one `error:` line naming the file

Success, clean-error and memory (a limit reached: one line, the plan alone) are clean, and timeout for the
bombs. Every other outcome is kept as
a reproducer, `tests/data/fuzz/<outcome>-<mutator>-<seed>.pdf` (at most a few per distinct failure and never a
file over 1 MB), and every one is listed with its recipe and its stderr line in `tests/data/fuzz/recipes.json`;
tests/test_fuzz.py runs each. The outcome counts are printed as a Markdown table, mutator by outcome.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import io
import json
import logging
import os
import random
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pikepdf

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
FUZZ_DATA = TESTS / "data" / "fuzz"
RECIPES = FUZZ_DATA / "recipes.json"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"

log = logging.getLogger("fuzz")

MB = 1 << 20
KEEP_MAX_BYTES = 1 * MB  # a reproducer over this is kept as its recipe only
KEEP_PER_FAILURE = 3  # reproducer files kept per (outcome, mutator, failure signature)
BATCH = 50  # mutants per command-line run
BOMB_BATCH = 5  # bombs per run when the command bounds time per plan (else one per run)
CLEAN = ("success", "clean-error")
BOUNDED = ("timeout", "memory")  # clean for the bombs only
OUTCOMES = (
    "success",
    "clean-error",
    "timeout",
    "memory",
    "traceback",
    "hang",
    "blowup",
    "crash",
    "lost",
    "bad-line",
    "misdiagnosed",
)


# ---------------------------------------------------------------- seeds: small plans the tests build

P = "这是一个用于测试的段落，内容围绕经济社会发展展开，包括产业升级、城乡融合、生态保护和民生改善等多个方面的任务安排。"
HEADER = "某某区国民经济和社会发展第十四个五年规划纲要"


def _plan_sections(path: Path) -> None:
    """Two pages: chapters and sections, a boxed and a shaded sidebar, running header and page numbers."""
    from pdfbuilder import Doc

    d = Doc(str(path), header=HEADER, page_number="- {n} -")
    d.heading("第一章 发展基础", 20)
    d.heading("第一节 发展成就", 16)
    d.paragraph("综合实力稳步提升。" + P * 2, lead="综合实力稳步提升。")
    d.sidebar("专栏 1 重点项目", ["1.甲项目：" + P, "2.乙项目：" + P])
    d.heading("第二节 面临形势", 16)
    d.paragraph(P * 2)
    d.heading("第二章 总体要求", 20)
    d.paragraph(P * 3)
    d.sidebar("专栏 2 民生工程", ["1.丙工程：" + P], frame="shading")
    d.paragraph(P)
    d.save()


def _plan_review_table(path: Path) -> None:
    """Three pages: a review table (two-level header, merged category and statement cells) between chapters."""
    from pdfbuilder import REVIEW_HEADER, Cell, Doc

    d = Doc(str(path), page_number="{n}")
    d.heading("第一章 发展回顾", 20)
    d.paragraph(P * 3)
    body: list[list[Cell]] = []
    for n, cat in enumerate(["经济发展", "经济发展", "经济发展", "创新发展", "创新发展", "绿色发展"], start=1):
        row = [Cell(str(n)), Cell(f"指标{n}名称（亿元）"), Cell(f"{n}.5"), Cell(f"≧{n * 10}"), Cell(f"{n}%")]
        row += [Cell(f"{n * 11}"), Cell(f"[{n}.1]")]
        if n in (1, 4, 6):
            row.insert(0, Cell(cat, rowspan={1: 3, 4: 2, 6: 1}[n]))
        body.append(row)
    body.append(
        [Cell("绿色发展"), Cell("7"), Cell("单位能耗（吨/万元）"), Cell("0.47"), Cell("完成上级下达目标", colspan=4)]
    )
    widths = [50.0, 30.0, 110.0, 45.0, 45.0, 45.0, 45.0, 45.0]
    d.table("某某区“十三五”规划主要指标完成情况", REVIEW_HEADER, body, widths, note="注：[ ]内数为五年累计数。")
    d.paragraph(P * 2)
    d.new_page()
    d.heading("第二章 主要目标", 20)
    d.paragraph(P * 4)
    d.sidebar("专栏 1 重大平台", ["1.高新园区：" + P, "2.物流枢纽：" + P])
    d.new_page()
    d.heading("第三章 保障措施", 20)
    d.paragraph(P * 2)
    d.save()


def _plan_cn_numbered(path: Path) -> None:
    """Four pages numbered 一、/（一）: a three-line targets table, a sidebar split over a page break."""
    from pdfbuilder import Cell, Doc

    d = Doc(str(path), header=HEADER, page_number="第 {n} 页")
    d.heading("一、发展基础和面临形势", 18, center=False)
    d.heading("（一）发展基础", 15, center=False)
    d.paragraph(P * 3)
    cells = [
        "类别 序号 指标 单位 2020年基数 2025年目标 “十四五”年均增长 属性",
        "经济发展 1 地区生产总值 亿元 258 500 ＞8.5% 预期性",
        "2 常住人口城镇化率 % 66.5 75 年均提高1.7个百分点 预期性",
        "生态环境 3 森林覆盖率 % 38.71 38.76 -- 约束性",
    ]
    header, *body = [[Cell(t) for t in row.split()] for row in cells]
    body[0][0].rowspan = 2
    widths = [54.0, 36.0, 100.0, 40.0, 60.0, 60.0, 80.0, 48.0]
    d.table("某某区“十四五”时期经济社会发展主要指标", [header], body, widths, style="three-line", row_height=30)
    d.heading("（二）面临形势", 15, center=False)
    d.paragraph(P * 5)
    d.sidebar("专栏 1 工程", ["一、第一项工程", P * 3, "二、第二项工程", P * 3, "三、第三项工程", P * 3])
    d.heading("二、总体要求", 18, center=False)
    d.paragraph(P * 4)
    d.heading("（一）指导思想", 15, center=False)
    d.paragraph(P * 6)
    d.heading("（二）主要目标", 15, center=False)
    d.paragraph(P * 8)
    d.save()


def _resave(path: Path, **save: Any) -> None:
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        pdf.save(path, static_id=True, **save)


SEED_PLANS: dict[str, tuple[Callable[[Path], None], dict[str, Any]]] = {
    # name -> (builder, how pikepdf rewrites it; none: as reportlab writes it, ASCII85 + Flate)
    "sections": (_plan_sections, {}),
    "review": (_plan_review_table, {"compress_streams": False, "stream_decode_level": pikepdf.StreamDecodeLevel.all}),
    "numbered": (_plan_cn_numbered, {"object_stream_mode": pikepdf.ObjectStreamMode.generate}),
}


@contextlib.contextmanager
def reproducible_pdfs() -> Iterator[None]:
    """reportlab writes the same bytes for the same drawing (fixed dates and ids) inside this block."""
    from reportlab import rl_config  # type: ignore[import-untyped]

    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))  # pdfbuilder
    invariant = rl_config.invariant
    rl_config.invariant = 1
    try:
        yield
    finally:
        rl_config.invariant = invariant


def build_seeds(folder: Path) -> dict[str, bytes]:
    """The seed plans' bytes, the same on every run (reportlab's invariant mode, pikepdf's static ids)."""
    folder.mkdir(parents=True, exist_ok=True)
    seeds = {}
    with reproducible_pdfs():
        for name, (build, save) in SEED_PLANS.items():
            path = folder / f"seed-{name}.pdf"
            build(path)
            if save:
                _resave(path, **save)
            seeds[name] = path.read_bytes()
    return seeds


@functools.cache
def seed_plans() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory(prefix="fuzz-seeds-") as tmp:
        return build_seeds(Path(tmp))


# ---------------------------------------------------------------- decompression bombs


@functools.cache
def _flushed_block(pattern: bytes) -> tuple[bytes, bytes]:
    """1 MB of `pattern`, and its Flate encoding after a full flush (the same bytes wherever it stands)."""
    block = pattern * (MB // len(pattern))
    c = zlib.compressobj(9)
    c.compress(b"x")
    c.flush(zlib.Z_FULL_FLUSH)
    return block, c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)


def deflate_bomb(head: bytes, pattern: bytes, megabytes: int, tail: bytes) -> bytes:
    """A zlib stream inflating to head + megabytes x 1 MB of pattern + tail, built without compressing it all:
    every 1 MB block compresses alone (full flush), so the same bytes repeat; the checksum is computed."""
    block, packed = _flushed_block(pattern)
    c = zlib.compressobj(9)
    start = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    end = (c.compress(tail) + c.flush())[:-4]  # the final block, without the checksum of head + tail alone
    check = zlib.adler32(head)
    for _ in range(megabytes):
        check = zlib.adler32(block, check)
    check = zlib.adler32(tail, check)
    return start + packed * megabytes + end + struct.pack(">I", check)


# patterns of period 1 to 4 (deflate's cheapest distances): ~1,000:1, so 800 MB stay under 1 MB on disk
CONTENT_BOMB_PATTERNS = [
    b"0 ",  # operands that never meet an operator: the operand stack grows
    b"q ",  # graphics states saved and never restored
    b" ",  # whitespace: time only
    b"1 w\n",  # a cheap operator, 200 million times
]
CMAP_BOMB_PATTERNS = [b" ", b"0 ", b"<0>\n", b"%\n"]
CMAP_HEAD = (
    b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CMapName /Adobe-Identity-UCS def\n"
    b"/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
)
CMAP_TAIL = (
    b"\n1 beginbfchar\n<0001> <4E00>\nendbfchar\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
)


def _bomb_megabytes(rng: random.Random, pattern: bytes) -> int:
    mb = rng.choice([200, 300, 400, 600, 800])
    per_mb = len(_flushed_block(pattern)[1])
    return min(mb, (KEEP_MAX_BYTES - 64 * 1024) // per_mb)


def _open(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


def _save(pdf: pikepdf.Pdf, **kw: Any) -> bytes:
    buf = io.BytesIO()
    pdf.save(buf, static_id=True, **kw)
    return buf.getvalue()


def _save_raw(pdf: pikepdf.Pdf) -> bytes:
    """Save without decoding any stream (a bomb must not be inflated by the writer)."""
    return _save(pdf, stream_decode_level=pikepdf.StreamDecodeLevel.none, recompress_flate=False)


def add_content_bomb(data: bytes, pattern: bytes, megabytes: int, page: int = 0, prepend: bool = False) -> bytes:
    """Page `page` (0-based) gains a Flate content stream inflating to `megabytes` MB of `pattern`."""
    bomb = deflate_bomb(b"q\n", pattern, megabytes, b"\nQ\n")
    with _open(data) as pdf:
        stream = pikepdf.Stream(pdf, b"")
        stream.write(bomb, filter=pikepdf.Name.FlateDecode)
        pdf.pages[page].contents_add(stream, prepend=prepend)
        return _save_raw(pdf)


def add_cmap_bomb(data: bytes, pattern: bytes, megabytes: int) -> bytes:
    """Every Type0 font gains a ToUnicode CMap stream inflating to `megabytes` MB (`pattern` between a CMap's
    header and its end)."""
    bomb = deflate_bomb(CMAP_HEAD, pattern, megabytes, CMAP_TAIL)
    with _open(data) as pdf:
        stream = pikepdf.Stream(pdf, b"")
        stream.write(bomb, filter=pikepdf.Name.FlateDecode)
        ref = pdf.make_indirect(stream)
        for page in pdf.pages:
            fonts = page.Resources.get("/Font", pikepdf.Dictionary())
            for key in list(fonts.keys()):
                if fonts[key].get("/Subtype") == pikepdf.Name.Type0:
                    fonts[key].ToUnicode = ref
        return _save_raw(pdf)


def content_bomb(data: bytes, rng: random.Random) -> bytes:
    """A page's content stream array gains a Flate stream inflating to 200-800 MB."""
    pattern = rng.choice(CONTENT_BOMB_PATTERNS)
    megabytes = _bomb_megabytes(rng, pattern)
    with _open(data) as pdf:
        pages = len(pdf.pages)
    return add_content_bomb(data, pattern, megabytes, rng.randrange(pages), rng.random() < 0.5)


def cmap_bomb(data: bytes, rng: random.Random) -> bytes:
    """The CJK font gains a ToUnicode CMap stream inflating to 200-800 MB."""
    pattern = rng.choice(CMAP_BOMB_PATTERNS)
    return add_cmap_bomb(data, pattern, _bomb_megabytes(rng, pattern))


# ---------------------------------------------------------------- mutators: (seed bytes, rng) -> mutant bytes

OBJ = re.compile(rb"(\d+) (\d+) obj\b.*?\bendobj", re.S)
XREF = re.compile(rb"(?:^|[\r\n])xref\s*[\r\n]+(\d+) (\d+)\s*[\r\n]+((?:\d{10} \d{5} [nf]\s*\r?\n?)+)")
XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
STARTXREF = re.compile(rb"startxref\s+(\d+)")
LENGTH = re.compile(rb"/Length (\d+)(?! \d+ R)")
DANGEROUS = b"()<>[]{}/%\\\n\r 0R"


def flip(data: bytes, rng: random.Random) -> bytes:
    """Flip, set or overwrite a few bytes (1 to 64) anywhere after the header."""
    out = bytearray(data)
    for _ in range(rng.choice([1, 2, 4, 8, 16, 64])):
        pos = rng.randrange(8, len(out))
        how = rng.randrange(3)
        if how == 0:
            out[pos] ^= 1 << rng.randrange(8)
        elif how == 1:
            out[pos] = rng.choice(DANGEROUS)
        else:
            out[pos] = rng.randrange(256)
    return bytes(out)


def truncate(data: bytes, rng: random.Random) -> bytes:
    """Cut at a random offset; mostly with an end-of-file marker added, so the cut is met by the parser."""
    cut = data[: rng.randrange(16, len(data))]
    end = rng.choice([b"", b"\n%%EOF\n", b"\n%%EOF\n", b"\nstartxref\n" + str(len(cut) // 2).encode() + b"\n%%EOF\n"])
    return cut + end


def _xref_table(data: bytes) -> re.Match[bytes] | None:
    tables = list(XREF.finditer(data))
    return tables[-1] if tables else None


def xref(data: bytes, rng: random.Random) -> bytes:
    """Damage the cross-reference: offsets shifted, entries deleted, swapped or freed, a wrong startxref."""
    table = _xref_table(data)
    how = rng.choice(["shift", "delete", "swap", "free", "startxref", "keyword"]) if table else "startxref"
    if how == "startxref" or table is None:
        m = list(STARTXREF.finditer(data))[-1]
        value = int(m.group(1))
        new = rng.choice([0, value + rng.randint(-64, 64), value // 2, len(data) + 1000, 10**12, 17])
        return data[: m.start(1)] + str(max(new, 0)).encode() + data[m.end(1) :]
    if how == "keyword":
        at = table.start() + table.group(0).index(b"xref")
        return data[:at] + rng.choice([b"xerf", b"    ", b"XREF", b"xref 0"]) + data[at + 4 :]
    entries = list(XREF_ENTRY.finditer(data, table.start(3), table.end(3)))
    out = bytearray(data)
    chosen = rng.sample(entries, min(len(entries), rng.choice([1, 1, 2, 3])))
    if how == "swap" and len(entries) > 1:
        a, b = rng.sample(entries, 2)
        first, second = data[a.start() : a.start() + 18], data[b.start() : b.start() + 18]
        out[a.start() : a.start() + 18], out[b.start() : b.start() + 18] = second, first
        return bytes(out)
    for e in sorted(chosen, key=lambda e: -e.start()):
        if how == "shift":
            offset = max(0, int(e.group(1)) + rng.choice([-1, 1]) * rng.choice([1, 7, 100, 5000, 10**9]))
            out[e.start(1) : e.end(1)] = b"%010d" % min(offset, 9_999_999_999)
        elif how == "free":
            out[e.start(3) : e.end(3)] = b"f"
        else:  # delete: the entry's line goes, the subsection's count stays
            end = e.end()
            while end < len(out) and out[end] in b"\r\n ":
                end += 1
            del out[e.start() : end]
    return bytes(out)


def object_delete(data: bytes, rng: random.Random) -> bytes:
    """An object cut out (offsets after it go wrong), blanked to spaces (offsets kept), or made null."""
    objs = list(OBJ.finditer(data))
    if not objs:
        return flip(data, rng)
    m = rng.choice(objs)
    how = rng.choice(["cut", "blank", "null"])
    if how == "cut":
        return data[: m.start()] + data[m.end() :]
    if how == "blank":
        return data[: m.start()] + b" " * (m.end() - m.start()) + data[m.end() :]
    null = b"%s %s obj null endobj" % (m.group(1), m.group(2))
    return data[: m.start()] + null.ljust(m.end() - m.start()) + data[m.end() :]


def object_dup(data: bytes, rng: random.Random) -> bytes:
    """An object twice: copied in place, copied (changed) after the others, or a page listed twice in /Kids."""
    how = rng.choice(["adjacent", "later", "kids"])
    if how == "kids":
        with _open(data) as pdf:
            kids = pdf.Root.Pages.Kids
            kids.insert(rng.randrange(len(kids) + 1), kids[rng.randrange(len(kids))])
            if rng.random() < 0.5:
                pdf.Root.Pages.Count = len(kids)
            return _save(pdf)
    objs = list(OBJ.finditer(data))
    if not objs:
        return flip(data, rng)
    m = rng.choice(objs)
    if how == "adjacent":
        return data[: m.end()] + b"\n" + m.group(0) + data[m.end() :]
    copy = bytearray(m.group(0))
    digits = [i for i, b in enumerate(copy) if 48 <= b <= 57][4:]
    for i in rng.sample(digits, min(3, len(digits))):
        copy[i] = rng.choice(b"0123456789")
    at = data.rfind(b"xref")
    at = at if at > 0 else objs[-1].end()
    return data[:at] + bytes(copy) + b"\n" + data[at:]


def page_loop(data: bytes, rng: random.Random) -> bytes:
    """A page tree that loops: /Kids pointing to the root, to an intermediate node itself, or a page's parent."""
    with _open(data) as pdf:
        root = pdf.Root.Pages
        pages = list(root.Kids)
        how = rng.choice(["root", "self", "ancestor", "page-kids"])
        if how == "root":
            root.Kids.insert(rng.randrange(len(pages) + 1), root)
        else:
            node = pdf.make_indirect(
                pikepdf.Dictionary(Type=pikepdf.Name.Pages, Kids=pikepdf.Array(pages), Count=len(pages), Parent=root)
            )
            for page in pages:
                page.Parent = node
            root.Kids = pikepdf.Array([node])
            if how == "self":
                node.Kids.insert(rng.randrange(len(pages) + 1), node)
            elif how == "ancestor":
                node.Kids.append(root)
            else:  # a page that claims children: its ancestors
                victim = pages[rng.randrange(len(pages))]
                victim.Kids = pikepdf.Array([node, root])
                victim.Count = len(pages)
        return _save(pdf)


def _edit_ops(ops: list[Any], rng: random.Random) -> list[Any]:
    """One edit of a parsed content stream: operators deleted, duplicated, swapped, renamed, numbers changed,
    or a text run (BT .. ET, or one show operator) duplicated."""
    how = rng.choice(["delete", "duplicate", "swap", "number", "number", "text-run", "text-run", "operator"])
    ops = list(ops)
    i = rng.randrange(len(ops))
    if how == "delete":
        del ops[i : i + rng.choice([1, 1, 2, 5])]
    elif how == "duplicate":
        ops.insert(i, ops[i])
    elif how == "swap":
        j = rng.randrange(len(ops))
        ops[i], ops[j] = ops[j], ops[i]
    elif how == "operator":
        names = ["Tj", "TJ", "Td", "Tm", "cm", "re", "f", "S", "Q", "q", "BT", "ET", "Tf", "Do", "BI"]
        ops[i] = pikepdf.ContentStreamInstruction(list(ops[i].operands), pikepdf.Operator(rng.choice(names)))
    elif how == "number":
        with_numbers = [k for k, op in enumerate(ops) if any(isinstance(x, int | float) for x in op.operands)]
        if with_numbers:
            k = rng.choice(with_numbers)
            operands = list(ops[k].operands)
            n = rng.choice([m for m, x in enumerate(operands) if isinstance(x, int | float)])
            value = float(operands[n])
            operands[n] = rng.choice(
                [-value, value * 1000, 0, 1e30, -1e30, 2**40, value + rng.uniform(-50, 50), value / 3]
            )
            ops[k] = pikepdf.ContentStreamInstruction(operands, ops[k].operator)
    else:
        ops = _duplicate_text_run(ops, rng)
    return ops


def _duplicate_text_run(ops: list[Any], rng: random.Random) -> list[Any]:
    shows = [k for k, op in enumerate(ops) if str(op.operator) in ("Tj", "TJ", "'", '"')]
    if not shows:
        return ops
    k = rng.choice(shows)
    if rng.random() < 0.5:  # the show operator again, right after itself
        return [*ops[: k + 1], ops[k], *ops[k + 1 :]]
    begin = max((j for j in range(k) if str(ops[j].operator) == "BT"), default=k)
    end = next((j for j in range(k, len(ops)) if str(ops[j].operator) == "ET"), k)
    run = ops[begin : end + 1]
    at = rng.choice([end + 1, begin, len(ops)])
    return [*ops[:at], *run, *ops[at:]]


def content(data: bytes, rng: random.Random) -> bytes:
    """Edit one page's content stream (1 to 3 edits), written back as one stream."""
    with _open(data) as pdf:
        page = pdf.pages[rng.randrange(len(pdf.pages))]
        ops = list(pikepdf.parse_content_stream(page))
        for _ in range(rng.choice([1, 1, 2, 3])):
            if ops:
                ops = _edit_ops(ops, rng)
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops))
        return _save(pdf)


def length(data: bytes, rng: random.Random) -> bytes:
    """A stream's /Length made wrong: zero, off by a little or a lot, negative, huge, or a missing object."""
    found = list(LENGTH.finditer(data))
    if not found:
        return flip(data, rng)
    m = rng.choice(found)
    n = int(m.group(1))
    new = rng.choice([b"0", b"%d" % (n + rng.randint(1, 9)), b"%d" % max(n - rng.randint(1, 9), 0), b"%d" % (n * 3)])
    new = rng.choice([new, new, b"-%d" % n, b"99999999999", b"9999 0 R", b"/Foo"])
    return data[: m.start(1)] + new.ljust(len(m.group(1))) + data[m.end(1) :]


def eof_junk(data: bytes, rng: random.Random) -> bytes:
    """Something after %%EOF: random bytes, a second half-PDF, a broken incremental update, or blank lines."""
    how = rng.choice(["bytes", "pdf", "update", "newlines"])
    if how == "bytes":
        junk = rng.randbytes(rng.choice([1, 100, 4096, 65536]))
    elif how == "pdf":
        junk = data[: rng.randrange(16, len(data))]
    elif how == "update":
        offset = rng.choice([0, len(data) // 2, len(data) + 10])
        update = (
            b"999 0 obj << /Type /Catalog /Pages 998 0 R >> endobj\nxref\n999 1\n%010d 00000 n \n"
            b"trailer << /Size 1000 /Root 999 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
        )
        junk = update % (len(data), offset, len(data))
    else:
        junk = b"\n" * rng.choice([1, 1000, 100_000])
    return data + junk


MUTATORS: dict[str, tuple[Callable[[bytes, random.Random], bytes], float]] = {
    # name -> (mutator, weight among the mutants of a run)
    "flip": (flip, 3.0),
    "truncate": (truncate, 2.0),
    "xref": (xref, 2.0),
    "obj-delete": (object_delete, 1.5),
    "obj-dup": (object_dup, 1.5),
    "page-loop": (page_loop, 1.0),
    "content": (content, 3.0),
    "length": (length, 1.0),
    "eof-junk": (eof_junk, 1.0),
    "bomb-content": (content_bomb, 0.4),
    "bomb-cmap": (cmap_bomb, 0.4),
}
BOMBS = ("bomb-content", "bomb-cmap")


def make_mutant(mutator: str, seed: int) -> bytes:
    """The mutant `mutator` makes from `seed`: the seed plan and every choice come from `seed`."""
    rng = random.Random(f"{mutator}/{seed}")
    plans = seed_plans()
    base = plans[sorted(plans)[rng.randrange(len(plans))]]
    return MUTATORS[mutator][0](base, rng)


@dataclass(frozen=True)
class Recipe:
    mutator: str
    seed: int

    @property
    def name(self) -> str:
        return f"{self.mutator}-{self.seed}"


def plan_mutants(n: int, seed: int, max_bombs: int | None = None) -> list[Recipe]:
    """n recipes, the mutators drawn by weight from the run's seed (at most `max_bombs` bombs, if given)."""
    rng = random.Random(seed)
    names = list(MUTATORS)
    weights = [MUTATORS[m][1] for m in names]
    out: list[Recipe] = []
    bombs = 0
    while len(out) < n:
        m = rng.choices(names, weights)[0]
        if m in BOMBS:
            if max_bombs is not None and bombs >= max_bombs:
                continue
            bombs += 1
        out.append(Recipe(m, seed * 1_000_000 + len(out)))
    return out


# ---------------------------------------------------------------- running the command line


@dataclass
class Limits:
    """What the command is told (--timeout, --max-memory, when it has them) and the outer safety net."""

    timeout: float = 120.0  # seconds per plan, passed as --timeout (a damaged text layer may go to OCR: slow)
    bomb_timeout: float = 20.0  # the same, in the batches of bombs
    max_memory: str = "4G"  # passed as --max-memory (under 4G, OCR's libraries crash: SIGSEGV)
    net_memory: int = 6 << 30  # address space of the command and its workers (RLIMIT_AS): over it is a blow-up
    startup: float = 120.0  # the command's own start, per batch
    per_file: float = 20.0  # a batch over startup + per_file x files + a time limit is a hang
    bomb: float = 120.0  # the time limit when the command has no --timeout


@functools.cache
def cli_options(python: str) -> frozenset[str]:
    """The long options `python -m pipeline extract --help` shows."""
    res = subprocess.run(
        [python, "-m", "pipeline", "extract", "--help"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return frozenset(re.findall(r"--[a-z][a-z-]+", res.stdout))


def python_exe() -> str:
    return str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable


@dataclass
class Batch:
    files: list[Path]
    out: Path
    returncode: int | None  # None: hung and killed
    stderr: str
    seconds: float
    summary: list[dict[str, Any]] = field(default_factory=list)


def _limit_address_space(limit: int) -> Callable[[], None]:
    def apply() -> None:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))

    return apply


# what root may do that a user may not: read and search whatever the file modes say
ROOT_READS = "-dac_override,-dac_read_search"


@functools.cache
def as_a_user() -> tuple[str, ...]:
    """A command prefix under which file modes stop reads as they do for a user: as root, `setpriv` drops the
    capabilities to override them (the batch stays root otherwise, so it can write where the test can); nothing
    when not root, or when this system cannot drop them."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return ()
    prefix = ("setpriv", f"--inh-caps={ROOT_READS}", f"--bounding-set={ROOT_READS}", "--")
    probe = subprocess.run([*prefix, "true"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return prefix if probe.returncode == 0 else ()


def reads_are_blocked(path: Path) -> bool:
    """Whether a batch (run under `as_a_user()`) is refused when it reads `path`."""
    cmd = [*as_a_user(), "cat", str(path)]
    return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False).returncode != 0


def run_batch(files: Sequence[Path], out: Path, limits: Limits, bombs: bool = False) -> Batch:
    """One `python -m pipeline extract FILES --out OUT --quiet` run, as a user would run it (file modes count, also
    for root), killed (its whole process group) when it outlives the outer time limit (longer for a batch of bombs,
    which may each run to the time limit)."""
    python = python_exe()
    options = cli_options(python)
    cmd = [*as_a_user(), python, "-m", "pipeline", "extract", *map(str, files), "--out", str(out), "--quiet"]
    timeout = limits.bomb_timeout if bombs else limits.timeout
    if "--timeout" in options:
        cmd += ["--timeout", f"{timeout:g}"]
    if "--max-memory" in options:
        cmd += ["--max-memory", limits.max_memory]
    # the command's start, a while per file, and the time limit once (for each file, in a batch of bombs)
    limit = timeout if "--timeout" in options else limits.bomb
    budget = limits.startup + limits.per_file * len(files) + limit * (len(files) if bombs else 1)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
            preexec_fn=_limit_address_space(limits.net_memory),
        )
        try:
            rc: int | None = proc.wait(timeout=budget)
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the batch's own process group: its workers too
            proc.wait()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    (out / "_fuzz_stderr.txt").write_text(stderr, encoding="utf-8")  # what the batch printed, for a look later
    return Batch(list(files), out, rc, stderr, time.monotonic() - t0, read_summary(out))


def read_summary(out: Path) -> list[dict[str, Any]]:
    """The per-plan entries of the run summaries the command wrote under OUT/_runs/, if any."""
    entries: list[dict[str, Any]] = []
    for path in sorted((out / "_runs").glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        entries.extend(_plan_entries(doc))
    return entries


def _plan_entries(doc: Any) -> Iterator[dict[str, Any]]:
    if isinstance(doc, dict):
        if "plan_id" in doc and "status" in doc:
            yield doc
            return
        for v in doc.values():
            yield from _plan_entries(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _plan_entries(v)


# ---------------------------------------------------------------- classifying outcomes


@dataclass
class Result:
    recipe: Recipe | None
    file: str
    outcome: str
    line: str  # the error line, the traceback's last line, or what happened to the batch
    kind: str = ""  # the summary's kind, when there is one
    where: str = ""  # for a traceback: the innermost frame of the pipeline
    note: str = ""
    exception: str = ""  # for a traceback: its exception line

    @property
    def signature(self) -> str:
        """What tells failures apart: for a traceback, where it was raised and the exception's type."""
        if self.outcome != "traceback":
            return self.outcome
        return f"{self.where} {self.exception.split(':')[0]}".strip()

    def clean(self) -> bool:
        return is_clean(self.outcome, bomb=self.recipe is not None and self.recipe.mutator in BOMBS)


def is_clean(outcome: str, bomb: bool) -> bool:
    """A success or a clean one-line error, a memory limit reached (bounded: one line, the plan alone); for a
    decompression bomb, a time limit too."""
    return outcome in CLEAN or outcome == "memory" or (bomb and outcome in BOUNDED)


TRACEBACK = "Traceback (most recent call last)"
TIMEOUT_WORDS = re.compile(r"timed out|time limit|timeout|took longer", re.I)
MEMORY_WORDS = re.compile(r"memory", re.I)


def error_lines(stderr: str, file: Path, printed: str = "") -> list[str]:
    """The `error:` lines that name the file (its name, escaped or not, standing alone or at the end of a path),
    or that are the line the run summary says was printed for it."""
    names = "|".join(re.escape(n) for n in {file.name, json.dumps(file.name)[1:-1]})
    named = re.compile(rf"(?:^|[\s\"'/])(?:{names})(?:$|[\s\"':,])")
    return [
        ln
        for ln in stderr.splitlines()
        if ln.startswith("error: ") and (named.search(ln) or (printed and ln == f"error: {printed}"))
    ]


def traceback_end(stderr: str) -> tuple[str, str]:
    """The last traceback's exception line and innermost frame of the pipeline ('path:line in function')."""
    block = stderr[stderr.rfind(TRACEBACK) :]
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)', block)
    inner = next((f for f in reversed(frames) if "/pipeline/" in f[0]), frames[-1] if frames else None)
    where = f"{_short(inner[0])}:{inner[1]} in {inner[2]}" if inner else ""
    # the exception line: the first unindented line after the frames
    exc = next((ln for ln in block.splitlines()[1:] if ln.strip() and not ln.startswith((" ", "\t"))), "")
    return exc.strip(), where


def _short(path: str) -> str:
    i = path.rfind("/pipeline/")
    return path[i + 1 :] if i >= 0 else Path(path).name


def classify_line(line: str) -> str:
    if "internal error" in line:
        return "traceback"
    if TIMEOUT_WORDS.search(line):
        return "timeout"
    if "MemoryError" in line:
        return "misdiagnosed"
    if MEMORY_WORDS.search(line):
        return "memory"
    return "clean-error"


def _from_summary(entry: dict[str, Any], lines: list[str]) -> tuple[str, str, str]:
    status, kind = str(entry.get("status", "")), str(entry.get("kind") or "")
    message = str(entry.get("message") or "")
    if status in ("extracted", "up to date", "ok", "success"):
        return "success", "", kind
    # a schema error is a bug whatever the input, as an internal error is; a worker dead of a signal, a crash
    kinds = {"timeout": "timeout", "memory": "memory", "internal": "traceback", "schema": "traceback"}
    outcome = kinds.get(kind, "crash" if kind == "worker-died" else "clean-error")
    if "MemoryError" in message and outcome == "clean-error":
        outcome = "misdiagnosed"
    if outcome != "traceback" and len(lines) != 1:
        return "bad-line", f"{len(lines)} error lines naming the file ({kind}: {message})", kind
    return outcome, lines[0] if lines else message, kind


def internal_traceback(out: Path, entry: dict[str, Any]) -> tuple[str, str]:
    """An internal error's exception line and innermost frame, from the log the command left under OUT/_runs/."""
    text = " ".join(str(entry.get(k) or "") for k in ("message", "line"))
    named = re.findall(r"(/\S+?\.log)\b", text)
    logs = [Path(p) for p in named] + sorted((out / "_runs").glob(f"*/{entry.get('plan_id')}.log"))
    for path in logs:
        with contextlib.suppress(OSError):
            trace = path.read_text(encoding="utf-8", errors="replace")
            if TRACEBACK in trace:
                return traceback_end(trace)
    return "", ""


def _has_output(out: Path, file: Path) -> bool:
    return (out / "documents" / f"plan_id={file.stem}").exists()


def classify(batch: Batch) -> tuple[dict[Path, Result], list[Path]]:
    """Each file's outcome as far as the batch tells it, and the files it tells nothing about (in order)."""
    by_file: dict[str, dict[str, Any]] = {}
    for e in batch.summary:
        for key in (str(e.get("file", "")), str(e.get("plan_id", ""))):
            by_file.setdefault(Path(key).name, e)
            by_file.setdefault(key, e)
    known: dict[Path, Result] = {}
    unknown: list[Path] = []
    for f in batch.files:
        entry: dict[str, Any] | None = by_file.get(f.name) or by_file.get(f.stem)
        lines = error_lines(batch.stderr, f, str(entry.get("line") or "") if entry else "")
        if entry is not None:
            outcome, line, kind = _from_summary(entry, lines)
            known[f] = Result(None, f.name, outcome, line, kind)
            if kind == "schema":
                known[f].exception = f"SchemaError: {entry.get('message')}"
            elif outcome == "traceback":
                known[f].exception, known[f].where = internal_traceback(batch.out, entry)
        elif len(lines) == 1:
            known[f] = Result(None, f.name, classify_line(lines[0]), lines[0])
        elif lines:
            known[f] = Result(None, f.name, "bad-line", " | ".join(lines))
        elif _has_output(batch.out, f):
            known[f] = Result(None, f.name, "success", "")
        else:
            unknown.append(f)
    return known, unknown


def batch_failure(batch: Batch) -> Result | None:
    """What went wrong with the batch as a whole (hung, died, a traceback), if anything."""
    if batch.returncode is None:
        return Result(None, "", "hang", f"the batch outlived its time limit ({batch.seconds:.0f} s)")
    if TRACEBACK in batch.stderr:
        exc, where = traceback_end(batch.stderr)
        outcome = "blowup" if exc.startswith("MemoryError") else "traceback"
        return Result(None, "", outcome, exc, where=where, exception=exc)
    if batch.returncode < 0:
        sig = signal.Signals(-batch.returncode).name
        return Result(None, "", "blowup" if sig == "SIGKILL" else "crash", f"killed by {sig}")
    if batch.returncode not in (0, 1):
        return Result(None, "", "crash", f"exit status {batch.returncode}")
    return None


class Runner:
    """Runs files through the command line in batches; works out each file's outcome, also when a batch stops
    early: the first file it says nothing about is run alone to confirm, and the rest again."""

    def __init__(self, work: Path, limits: Limits | None = None):
        self.work = work
        self.limits = limits or Limits()
        self.runs = 0
        self.anomalies: list[str] = []

    def _out(self) -> Path:
        self.runs += 1
        return self.work / f"out-{self.runs:04d}"

    def run(self, files: Sequence[Path], bombs: bool = False) -> dict[Path, Result]:
        """Each file's outcome; `bombs`: the files may each run to the time limit."""
        results: dict[Path, Result] = {}
        pending = list(files)
        while pending:
            batch = run_batch(pending, self._out(), self.limits, bombs)
            log.info("batch of %d: exit %s in %.0f s", len(pending), batch.returncode, batch.seconds)
            known, unknown = classify(batch)
            results.update(known)
            failure = batch_failure(batch)
            if failure is not None and not unknown:  # every file accounted for, and yet a traceback
                self.anomalies.append(f"{failure.outcome} in a finished batch: {failure.line} at {failure.where}")
                log.error("%s in a finished batch: %s at %s", failure.outcome, failure.line, failure.where)
            if not unknown:
                break
            if failure is None:
                failure = Result(None, "", "lost", "the batch ended without a word about it")
            first, pending = unknown[0], unknown[1:]
            results[first] = self._blame(first, failure, bombs)
            shutil.rmtree(batch.out, ignore_errors=True)
        return results

    def _blame(self, file: Path, failure: Result, bombs: bool) -> Result:
        blamed = dataclasses.replace(failure, file=file.name)
        alone = run_batch([file], self._out(), self.limits, bombs)
        known, _ = classify(alone)
        if file in known:
            result = known[file]
        else:
            own = batch_failure(alone) or Result(None, "", "lost", "the run ended without a word about it")
            result = Result(None, file.name, own.outcome, own.line, where=own.where, exception=own.exception)
        if result.outcome != blamed.outcome:
            note = f"in its batch: {blamed.outcome} ({blamed.line}); alone: {result.outcome}"
            self.anomalies.append(f"{file.name}: {note}")
            log.warning("%s: %s", file.name, note)
            result.note = note
        shutil.rmtree(alone.out, ignore_errors=True)
        return result


# ---------------------------------------------------------------- a fuzzing run


def write_mutants(recipes: Iterable[Recipe], folder: Path) -> dict[Path, Recipe]:
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[Path, Recipe] = {}
    for i, r in enumerate(recipes):
        path = folder / f"m{i:05d}-{r.name}.pdf"
        try:
            path.write_bytes(make_mutant(r.mutator, r.seed))
        except Exception as e:  # a mutator that cannot apply to this seed: the fuzzer's own problem, not a finding
            log.warning("%s: the mutator failed (%s: %s); skipped", r.name, type(e).__name__, e)
            continue
        files[path] = r
    return files


def run_mutants(
    recipes: Sequence[Recipe], work: Path, limits: Limits | None = None, runner: Runner | None = None
) -> list[Result]:
    """Write the mutants under `work` and run them in batches: bombs apart, in small batches (one at a time when
    the command cannot bound a plan's time). `runner.anomalies` says what the outcomes cannot."""
    files = write_mutants(recipes, work / "mutants")
    runner = runner or Runner(work, limits)
    bounded = "--timeout" in cli_options(python_exe())
    plain = [f for f, r in files.items() if r.mutator not in BOMBS]
    bombs = [f for f, r in files.items() if r.mutator in BOMBS]
    batches = [(plain[i : i + BATCH], False) for i in range(0, len(plain), BATCH)]
    size = BOMB_BATCH if bounded else 1
    batches += [(bombs[i : i + size], True) for i in range(0, len(bombs), size)]
    results: list[Result] = []
    done = 0
    for batch, with_bombs in batches:
        for f, res in runner.run(batch, with_bombs).items():
            res.recipe = files[f]
            results.append(res)
        done += len(batch)
        log.info("%d of %d mutants run", done, len(files))
    order = {f.name: i for i, f in enumerate(files)}
    results.sort(key=lambda r: order[r.file])
    return results


def outcome_table(results: Sequence[Result]) -> str:
    """Counts by mutator x outcome, as Markdown (the outcomes that occurred, and the four main ones always)."""
    counts = Counter((r.recipe.mutator if r.recipe else "?", r.outcome) for r in results)
    cols = [o for o in OUTCOMES if o in ("success", "clean-error", "traceback", "hang") or counts_of(counts, o)]
    rows = [m for m in MUTATORS if any(counts[(m, o)] for o in OUTCOMES)]
    lines = ["| mutator | " + " | ".join(cols) + " | total |", "|---|" + "---:|" * (len(cols) + 1)]
    for m in rows:
        cells = [str(counts[(m, o)]) for o in cols]
        lines.append(f"| {m} | " + " | ".join(cells) + f" | {sum(counts[(m, o)] for o in OUTCOMES)} |")
    total = [str(counts_of(counts, o)) for o in cols]
    lines.append("| **all** | " + " | ".join(total) + f" | {len(results)} |")
    return "\n".join(lines)


def counts_of(counts: Counter[tuple[str, str]], outcome: str) -> int:
    return sum(v for (_, o), v in counts.items() if o == outcome)


def load_recipes(path: Path = RECIPES) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data["cases"]) if isinstance(data, dict) else list(data)


def keep_reproducers(results: Sequence[Result], mutants: Path, folder: Path = FUZZ_DATA) -> list[dict[str, Any]]:
    """Copy each non-clean mutant to `folder` as `<outcome>-<mutator>-<seed>.pdf` (a few per distinct failure,
    none over 1 MB) and add every one, kept or not, to recipes.json. Returns the new entries."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = load_recipes(folder / "recipes.json")
    seen = {(c["mutator"], c["seed"]) for c in cases}
    per_failure = Counter((c["outcome"], c["mutator"], c.get("signature", "")) for c in cases if c.get("file"))
    added = []
    for r in results:
        if r.clean() or r.recipe is None or (r.recipe.mutator, r.recipe.seed) in seen:
            continue
        source = mutants / r.file
        key = (r.outcome, r.recipe.mutator, r.signature)
        name = f"{r.outcome}-{r.recipe.mutator}-{r.recipe.seed}.pdf"
        keep = source.exists() and source.stat().st_size <= KEEP_MAX_BYTES and per_failure[key] < KEEP_PER_FAILURE
        if keep:
            shutil.copyfile(source, folder / name)
            per_failure[key] += 1
        entry = {
            "mutator": r.recipe.mutator,
            "seed": r.recipe.seed,
            "outcome": r.outcome,
            "line": r.line,
            "exception": r.exception,
            "where": r.where,
            "signature": r.signature,
            "note": r.note,
            "file": name if keep else None,
        }
        cases.append(entry)
        added.append(entry)
        seen.add((r.recipe.mutator, r.recipe.seed))
    doc = {
        "about": "Non-clean fuzz outcomes (tests/tools/fuzz.py): each mutant is make_mutant(mutator, seed); "
        "`file` is the reproducer kept in this folder, null when only the recipe is kept.",
        "cases": cases,
    }
    (folder / "recipes.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return added


def reproducers(folder: Path = FUZZ_DATA) -> list[tuple[str, Recipe | None]]:
    """Every reproducer: the files kept in `folder`, then the recipes kept without a file (name, recipe)."""
    out: list[tuple[str, Recipe | None]] = []
    for path in sorted(folder.glob("*.pdf")):
        out.append((path.name, recipe_of(path.name)))
    for c in load_recipes(folder / "recipes.json"):
        if not c.get("file"):
            out.append((f"{c['outcome']}-{c['mutator']}-{c['seed']}.pdf", Recipe(c["mutator"], int(c["seed"]))))
    return out


def recipe_of(name: str) -> Recipe | None:
    """The recipe in a reproducer's name, `<outcome>-<mutator>-<seed>.pdf`."""
    for outcome in OUTCOMES:
        rest = name.removeprefix(f"{outcome}-")
        m = re.fullmatch(r"(.+)-(\d+)\.pdf", rest)
        if rest != name and m and m.group(1) in MUTATORS:
            return Recipe(m.group(1), int(m.group(2)))
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=200, help="mutants to run (default: 200)")
    ap.add_argument("--seed", type=int, help="the run's seed (default: a new one, logged)")
    ap.add_argument("--timeout", type=float, default=Limits.timeout, help="--timeout per plan, seconds")
    ap.add_argument("--bomb-timeout", type=float, default=Limits.bomb_timeout, help="--timeout for the bombs")
    ap.add_argument("--max-memory", default=Limits.max_memory, help="--max-memory per plan")
    ap.add_argument("--work", type=Path, help="keep the mutants and outputs here (default: a temporary folder)")
    ap.add_argument("--no-keep", action="store_true", help="do not write reproducers to tests/data/fuzz")
    ap.add_argument("--replay", type=Path, nargs="*", help="run these PDFs (e.g. reproducers) instead of mutants")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s fuzz: %(message)s", datefmt="%H:%M:%S")
    limits = Limits(timeout=args.timeout, bomb_timeout=args.bomb_timeout, max_memory=args.max_memory)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 100_000)
    with contextlib.ExitStack() as stack:
        work = args.work or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fuzz-")))
        work.mkdir(parents=True, exist_ok=True)
        if args.replay is not None:
            return replay(args.replay, work, limits)
        log.info("seed %d: %d mutants; options %s", seed, args.n, sorted(cli_options(python_exe())))
        t0 = time.monotonic()
        runner = Runner(work, limits)
        results = run_mutants(plan_mutants(args.n, seed), work, runner=runner)
        log.info("%d mutants in %.0f s", len(results), time.monotonic() - t0)
        (work / "report.json").write_text(
            json.dumps([asdict(r) for r in results], ensure_ascii=False, indent=1), encoding="utf-8"
        )
        bad = [r for r in results if not r.clean()]
        for r in bad:
            log.info("%s: %s: %s %s %s", r.outcome, r.file, r.line, r.where, r.note)
        if bad and not args.no_keep:
            added = keep_reproducers(results, work / "mutants")
            log.info("%d new case(s) in %s", len(added), RECIPES)
    print(f"\nseed {seed}, {len(results)} mutants\n")
    print(outcome_table(results))
    for note in runner.anomalies:
        print(f"- {note}")
    return 1 if bad or runner.anomalies else 0


def replay(files: Sequence[Path], work: Path, limits: Limits) -> int:
    """Run the given PDFs (reproducers: the bombs among them, by their names, with the bombs' limits)."""
    runner = Runner(work, limits)
    results: dict[Path, Result] = {}
    for bombs in (False, True):
        chosen = [f.resolve() for f in files if _is_bomb(f.name) == bombs]
        results.update(runner.run(chosen, bombs) if chosen else {})
    for f, r in results.items():
        print(f"{r.outcome:12} {f.name}: {r.line} {r.exception} {r.where} {r.note}".rstrip())
    return 0 if all(is_clean(r.outcome, _is_bomb(f.name)) for f, r in results.items()) else 1


def _is_bomb(name: str) -> bool:
    recipe = recipe_of(name)
    return recipe is not None and recipe.mutator in BOMBS


if __name__ == "__main__":
    sys.exit(main())

"""OCR: scanned plans and garbled text layers read from the page image, through the same stages.

The PDFs are made from the bundled plan (tests/ocr_pdfs.py): every page rendered at 150 dpi and put back with
no text layer; a few pages of it for the quick suite (a chapter opening, both indicator tables' first pages, a
sidebar), the whole plan for the corpus marker; pages turned a quarter turn or skewed 1.5 degrees; a copy whose
fonts' ToUnicode maps point into the private-use area. Built PDFs and OCR'd pages are kept in pytest's cache
folder (the extractions' `.cache` is the session's kept ingest cache), so a rerun does not OCR again.
"""

from __future__ import annotations

import difflib
import io
import pickle
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from conftest import BUNDLED_PDF, EXPECTED, ROOT, cli, expected, read, score_tool, session_extraction
from ocr_pdfs import cached, garbled, image_only, render, scanned

from pipeline.errors import NoTextLayerError
from pipeline.pdf import ingest, ocr
from pipeline.pdf.model import Char, PageData, ParsedPdf
from pipeline.settings import settings_for

PLAN = "jindong-2021"
QUICK_PAGES = [1, 6, 19, 28]  # chapter 1 opens; the review table starts; the targets table starts; sidebar 1
WHOLE_PAGES = pytest.mark.corpus  # whole pages through the recogniser, seconds each: outside the quick suite
BUILDER = (ROOT / "tests" / "ocr_pdfs.py").read_bytes()


def norm(s: object) -> str:
    return "".join(unicodedata.normalize("NFKC", str(s)).split()) if s is not None else ""


def kept(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = getattr(request.config, "cache", None)
    return cache.mkdir("plan-pipeline-ocr") if cache is not None else tmp_path_factory.mktemp("ocr-pdfs")


def built(folder: Path, name: str, key: object, make) -> Path:
    """A test PDF made once and kept (its bytes, hence its SHA-256 and its OCR cache, stay the same)."""
    path = cached(folder, name, (key, BUILDER))
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        make(tmp)
        tmp.replace(path)
    return path


def subset(src: Path, pages: list[int], dst: Path) -> Path:
    """The text-layer PDF of some pages, to compare an OCR run with."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    reader = PdfReader(str(src))
    for n in pages:
        writer.add_page(reader.pages[n - 1])
    buf = io.BytesIO()
    writer.write(buf)
    dst.write_bytes(buf.getvalue())
    return dst


def extract(request, tmp_path_factory, name: str, pdf: Path, *args: str) -> Path:
    out = tmp_path_factory.mktemp(name)
    if args:  # not the defaults: no kept output
        res = cli("extract", pdf, "--out", out, "-q", *args)
        assert res.returncode == 0, res.stderr
        return out
    return session_extraction(request.config, out, name, [pdf], None)


# ---------------------------------------------------------------- is a text layer usable?


def chars(text: str) -> list[Char]:
    return [Char(t, "f", 12, 10 * i, 0, 10 * i + 10, 12, False) for i, t in enumerate(text)]


def test_text_quality_counts_unmapped_private_use_and_foreign_characters():
    cfg = settings_for("ocr")
    good = PageData(1, 595, 842, chars=chars("第一章 高质量建设和美金东（2021—2025年）GDP增长6.5%"))
    assert ocr.text_quality(good) == 1.0 and ocr.usable_text(good, cfg)
    garbage = PageData(1, 595, 842, chars=[*chars("\ue001\ue002\ue003\ufffd\u0007абв"), *chars("第一章")])
    garbage.chars.append(Char("(cid:12)", "f", 12, 0, 0, 1, 1, False))
    assert ocr.text_quality(garbage) == pytest.approx(3 / 12) and not ocr.usable_text(garbage, cfg)
    assert ocr.text_quality(PageData(1, 595, 842)) is None
    blank, scan = PageData(1, 595, 842), PageData(2, 595, 842, images=1, chars=chars("12"))
    assert ocr.usable_text(blank, cfg) and not ocr.usable_text(scan, cfg)


def test_auto_always_never_choose_pages():
    cfg = settings_for("ocr")
    doc = ParsedPdf(
        "x.pdf",
        "0" * 64,
        2,
        {},
        [PageData(1, 595, 842, chars=chars("第一章 总体要求" * 3)), PageData(2, 595, 842, images=1)],
    )
    assert ocr.pages_to_ocr(doc, "auto", cfg) == [2]
    assert ocr.pages_to_ocr(doc, "always", cfg) == [1, 2]
    assert ocr.pages_to_ocr(doc, "never", cfg) == []
    with pytest.raises(ValueError):
        ocr.set_mode("sometimes")


def fake_runner(calls: list[int], fail_after: int | None = None):
    def run(path: str, numbers: list[int], cfg):
        for n in numbers:
            if fail_after is not None and len(calls) >= fail_after:
                raise RuntimeError("killed")
            calls.append(n)
            page = PageData(n, 595, 842, chars=chars("第一章 总体要求"), text_source="ocr")
            page.chars[0].conf = 0.9
            yield page

    return run


def test_ocr_pages_are_cached_one_by_one_and_a_crash_keeps_those_done(tmp_path):
    pages = [PageData(n, 595, 842, images=1) for n in (1, 2, 3)]
    doc = ParsedPdf(str(tmp_path / "scan.pdf"), "a" * 64, 3, {}, pages)
    calls: list[int] = []
    with pytest.raises(RuntimeError):
        ocr.apply_ocr(doc, "auto", tmp_path / "cache", runner=fake_runner(calls, fail_after=2))
    assert calls == [1, 2]
    out = ocr.apply_ocr(doc, "auto", tmp_path / "cache", runner=fake_runner(calls))
    assert calls == [1, 2, 3]  # pages 1 and 2 came from the cache
    assert [p.text_source for p in out.pages] == ["ocr"] * 3 and out.pages[0].chars[0].conf == 0.9
    assert all(p.text_source == "pdf" for p in doc.pages)  # the parsed document is left as it was
    ocr.apply_ocr(doc, "auto", tmp_path / "cache", runner=fake_runner(calls))
    assert calls == [1, 2, 3]  # a rerun OCRs nothing


def test_never_keeps_the_no_text_layer_error_and_auto_says_ocr_found_nothing(tmp_path):
    doc = ParsedPdf(str(tmp_path / "scan.pdf"), "b" * 64, 1, {}, [PageData(1, 595, 842, images=1)])
    with pytest.raises(NoTextLayerError, match="OCR is needed"):
        ocr.apply_ocr(doc, "never", None)
    empty = lambda path, numbers, cfg: [PageData(n, 595, 842, text_source="ocr") for n in numbers]  # noqa: E731
    with pytest.raises(NoTextLayerError, match="OCR found no text"):
        ocr.apply_ocr(doc, "auto", None, runner=empty)


def test_ocr_pages_travels_to_worker_processes():
    cfg = settings_for("ocr")
    assert pickle.loads(pickle.dumps(ocr.ocr_pages)) is ocr.ocr_pages
    assert pickle.loads(pickle.dumps(cfg)) == cfg
    page = PageData(3, 595, 842, chars=chars("第一章"), text_source="ocr", text_quality=0.25)
    page.chars[1].conf = 0.5
    (back,) = ingest.unpack_pages([ingest.pack_page(page)])
    assert back == page


# ---------------------------------------------------------------- page images


@pytest.fixture(scope="module")
def page_one(request, tmp_path_factory):
    """Page 1 (a chapter opening) as printed and as OCR reads it upright (its text, for comparisons)."""
    img = render(BUNDLED_PDF, 1, 150)
    doc = ingest.run(BUNDLED_PDF, pages=[1])
    return img, doc.pages[0]


def text_of(page: PageData) -> str:
    return norm("".join(c.text for c in sorted(page.chars, key=lambda c: (round(c.top / 4), c.x0))))


def same_characters(page: PageData, printed: PageData) -> float:
    """The share of the printed characters that the page holds too (wherever they stand)."""
    got, want = (Counter(norm("".join(c.text for c in p.chars))) for p in (page, printed))
    return sum((got & want).values()) / sum(want.values())


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def ocr_image(img, width: float, height: float) -> PageData:
    import numpy as np

    return ocr.ocr_page(np.asarray(img), 1, width, height, settings_for("ocr"))


@WHOLE_PAGES
def test_a_page_turned_a_quarter_turn_is_read_upright(page_one):
    img, printed = page_one
    turned = scanned(img, turn=1)
    assert turned.width > turned.height
    page = ocr_image(turned, printed.height, printed.width)
    assert (page.width, page.height) == (printed.width, printed.height)  # the frame of the page upright
    assert similarity(text_of(page), text_of(printed)) >= 0.97
    title = [c for c in page.chars if c.top < 0.25 * page.height]
    assert norm("".join(c.text for c in title)).startswith("第一章")


@WHOLE_PAGES
def test_a_skewed_scan_is_straightened(request, tmp_path_factory):
    """Page 6 (the review table's first page) scanned 1.5 degrees askew: its rulings come out straight and whole,
    its text as printed."""
    printed = ingest.run(BUNDLED_PDF, pages=[6]).pages[0]
    page = ocr_image(scanned(render(BUNDLED_PDF, 6, 150), skew=1.5), printed.width, printed.height)
    assert same_characters(page, printed) >= 0.97
    wide = [s for s in page.segs if s.orient == "h" and s.x1 - s.x0 > 0.5 * page.width]
    tall = [s for s in page.segs if s.orient == "v" and s.bottom - s.top > 0.3 * page.height]
    printed_wide = [s for s in printed.segs if s.orient == "h" and s.x1 - s.x0 > 0.5 * page.width]
    assert len(wide) >= len(printed_wide) - 1 and len(tall) >= 2


# ---------------------------------------------------------------- through the pipeline: a few pages


@pytest.fixture(scope="module")
def quick(request, tmp_path_factory):
    """The quick pages as a scan and with their text layer, each extracted."""
    folder = kept(request, tmp_path_factory)
    scan = built(folder, "quick-scan", QUICK_PAGES, lambda p: image_only(BUNDLED_PDF, p, QUICK_PAGES))
    text = built(folder, "quick-text", QUICK_PAGES, lambda p: subset(BUNDLED_PDF, QUICK_PAGES, p))
    return (
        extract(request, tmp_path_factory, "ocr-quick-scan", scan),
        scan.stem,
        extract(request, tmp_path_factory, "ocr-quick-text", text),
        text.stem,
    )


@WHOLE_PAGES
def test_scanned_pages_are_read_through_ocr(quick):
    scan_out, scan_id, text_out, text_id = quick
    pages = read(scan_out, "pages", scan_id)
    assert list(pages.text_source) == ["ocr"] * len(QUICK_PAGES)
    assert pages.text_quality.isna().all() and (pages.confidence > 0.9).all()
    assert (read(text_out, "pages", text_id).text_source == "pdf").all()
    paras = read(scan_out, "paragraphs", scan_id)
    assert len(paras) > 0 and (paras.confidence > 0.9).all()
    assert read(text_out, "paragraphs", text_id).confidence.isna().all()


def test_scanned_headings_and_sidebar_titles_are_as_printed(quick):
    scan_out, scan_id, text_out, text_id = quick
    for dataset, key in (("outline", ["level", "label", "title"]), ("sidebars", ["sidebar_label", "title"])):
        got = read(scan_out, dataset, scan_id)[key].map(norm).values.tolist()
        want = read(text_out, dataset, text_id)[key].map(norm).values.tolist()
        assert got == want and len(want) > 0, dataset
    assert read(scan_out, "sidebars", scan_id).confidence.notna().all()


def cells(df) -> dict[tuple[str, int, str], str]:
    return {(r.table_id, r.row_no, norm(r.column)): norm(r.raw_text) for r in df.itertuples()}


def test_scanned_indicator_tables_are_read_cell_by_cell(quick):
    """The same tables, rows and columns; the cells as printed (at least 95%), the rows' names too (90%)."""
    scan_out, scan_id, text_out, text_id = quick
    scan, text = read(scan_out, "indicator_cells", scan_id), read(text_out, "indicator_cells", text_id)
    got, want = cells(scan), cells(text)
    same = sum(got.get(k) == v for k, v in want.items())
    assert len(want) > 50 and same >= 0.95 * len(want), [(k, v, got.get(k)) for k, v in want.items() if got.get(k) != v]
    names = lambda df: dict(zip(zip(df.table_id, df.row_no, strict=True), df.name.map(norm), strict=True))  # noqa: E731
    got_names, want_names = names(scan), names(text)
    assert sum(got_names.get(k) == v for k, v in want_names.items()) >= 0.9 * len(want_names)
    tables = read(scan_out, "indicator_tables", scan_id)
    assert tables.title.map(norm).tolist() == read(text_out, "indicator_tables", text_id).title.map(norm).tolist()
    assert scan.confidence.notna().any() and text.confidence.isna().all()


# ---------------------------------------------------------------- rules on what the recogniser reads


def test_a_dash_read_as_a_stroke_standing_up_is_an_em_dash():
    """A table cell's lone `—` that the recogniser reads as `1` or `I` is told by its ink: a thin bar across its
    middle, an em long. A real `1` (a stroke standing up) stays."""
    import numpy as np

    from pipeline.pdf.ocr_graphics import fix_glyphs

    ink = np.zeros((60, 200), bool)
    ink[30:32, 20:42] = True  # a dash 22 px long, 2 px thick
    ink[20:42, 120:123] = True  # a figure one: 22 px high, 3 px wide
    px = 0.5  # points a pixel: an em of 11 pt is 22 px
    dash = Char("1", "f", 11, 20 * px, 20 * px, 42 * px, 42 * px, False)
    one = Char("1", "f", 11, 115 * px, 20 * px, 128 * px, 42 * px, False)
    assert [c.text for c in fix_glyphs([dash], ink, px)] == ["—"]
    assert [c.text for c in fix_glyphs([one], ink, px)] == ["1"]


GEQ_AND_4 = """
.........#..................
.........####...............
...........####.............
..............####..........
................####........
...................###......
.....................####...
.....................####...
..................####......
................####........
..............####..........
...........####.............
.........####...............
.........#..................
............................
.........################...
.........################...
............................
.........################...
.........################...
"""  # `≧` at 150 dpi as a scan of the bundled plan prints it, the figure after it left out


def test_a_comparison_sign_the_recogniser_skipped_is_put_back_before_the_figure():
    import numpy as np

    from pipeline.pdf.ocr_graphics import sign_before

    rows = GEQ_AND_4.strip().splitlines()
    ink = np.zeros((40, 60), bool)
    ink[8 : 8 + len(rows), : len(rows[0])] = [[ch == "#" for ch in row] for row in rows]
    ink[10:28, 30:33] = True  # the figure's stroke
    px = 0.48
    four = Char("4", "f", 13.0, 29 * px, 5 * px, 36 * px, 32 * px, False, conf=1.0)
    got = sign_before([four], ink, px, 0.0, 0.5)
    assert [c.text for c in got] == ["≧", "4"] and got[0].conf == 0.5
    flipped = sign_before([four], np.concatenate([ink[:, :28][:, ::-1], ink[:, 28:]], axis=1), px, 0.0, 0.5)
    assert [c.text for c in flipped] == ["≦", "4"]
    assert [c.text for c in sign_before([four], np.zeros_like(ink), px, 0.0, 0.5)] == ["4"]


def test_a_short_line_takes_the_fuller_second_reading_only_when_it_adds_after_the_first_character():
    from pipeline.pdf.ocr_read import Read, fuller

    cfg = settings_for("ocr")
    first = Read(["元"], [0.4], [1.0])
    assert fuller(first, Read(["元", "）"], [0.3, 0.8], [1.0, 0.95]), cfg).text == ["元", "）"]
    assert fuller(first, Read(["元", "）"], [0.3, 0.8], [1.0, 0.5]), cfg).text == ["元"]  # unsure of the more
    assert fuller(
        Read(["（", "）"], [0.1, 0.9], [1.0, 1.0]), Read(["（", "人", "）"], [0.1, 0.5, 0.9], [1.0] * 3), cfg
    ).text == [
        "（",
        "人",
        "）",
    ]
    figures = Read(["5", "3"], [0.3, 0.7], [1.0, 1.0])
    assert fuller(figures, Read(["¥", "5", "3"], [0.1, 0.4, 0.7], [0.9, 1.0, 1.0]), cfg).text == ["5", "3"]
    assert fuller(Read(["]"], [0.5], [0.3]), Read(["订"], [0.5], [0.2]), cfg).text == ["]"]


# ---------------------------------------------------------------- a garbled text layer


@pytest.fixture(scope="module")
def garbled_pdf(request, tmp_path_factory):
    folder = kept(request, tmp_path_factory)
    one = built(folder, "page-one", [1], lambda p: subset(BUNDLED_PDF, [1], p))
    return built(folder, "garbled", [1], lambda p: garbled(one, p))


@WHOLE_PAGES
def test_a_garbled_text_layer_is_read_through_ocr_under_auto(request, tmp_path_factory, garbled_pdf):
    parsed = ingest.run(garbled_pdf)
    assert ocr.text_quality(parsed.pages[0]) < 0.5  # the glyphs print, their text is private-use garbage
    out = extract(request, tmp_path_factory, "ocr-garbled", garbled_pdf)
    pages = read(out, "pages", garbled_pdf.stem)
    assert list(pages.text_source) == ["ocr"] and pages.text_quality.iloc[0] < 0.5
    outline = read(out, "outline", garbled_pdf.stem)
    chapter = expected(PLAN)["chapters"][0]["title"]
    assert norm(outline[outline.level == "chapter"].title.iloc[0]) == norm(chapter)


@WHOLE_PAGES
def test_never_reads_the_garbled_text_layer_as_it_is(tmp_path, garbled_pdf):
    try:
        res = cli("extract", garbled_pdf, "--out", tmp_path / "out", "-q", "--ocr", "never")
    finally:
        ocr.set_mode("auto")  # the command line's choice stays in the process (and in the fingerprints)
    assert res.returncode != 0 and "text layer is unreadable" in res.stderr  # said as such, not "no chapter"


# ---------------------------------------------------------------- the whole plan scanned


SCORE = re.compile(r"(\w+): (\d+)/(\d+) recall")
FACTS = re.compile(r"indicator_values: (\d+)/(\d+) facts")


def scores(out: Path, plan: str) -> dict[str, float]:
    text = score_tool("score.py", out, plan, EXPECTED / f"{PLAN}.json", "--values", EXPECTED / f"{PLAN}-values.json")
    got = {m.group(1): int(m.group(2)) / int(m.group(3)) for m in SCORE.finditer(text)}
    facts = FACTS.search(text)
    assert facts, text
    got["indicator_values"] = int(facts.group(1)) / int(facts.group(2))
    return got


@pytest.mark.corpus
def test_the_whole_plan_scanned_reads_as_printed(request, tmp_path_factory, fixture_out):
    """Every page of the bundled plan as a 150 dpi scan: titles, sidebars and indicator tables against the
    expected files, beside the text-layer run's figures."""
    folder = kept(request, tmp_path_factory)
    scan = built(folder, f"{PLAN}-scan", "all", lambda p: image_only(BUNDLED_PDF, p))
    out = extract(request, tmp_path_factory, "ocr-full-scan", scan)
    got, base = scores(out, scan.stem), scores(fixture_out, PLAN)
    print("OCR run vs text-layer run:", {k: (round(got[k], 4), round(base[k], 4)) for k in got})
    assert got["chapters"] >= 0.95 and got["sections"] >= 0.95, got
    assert got["sidebar_titles"] >= 0.95, got
    assert got["indicator_cells"] >= 0.95, got  # 98.0% when written (444/453), the text layer 100%
    assert got["indicator_values"] >= 0.90, got  # 26/28 facts when written
    assert (read(out, "pages", scan.stem).text_source == "ocr").all()

"""OCR: pages without a usable text layer read from their image into the same page data as a text layer.

A page's text layer is usable when it holds characters and at most a small share of them are implausible
(`(cid:N)` glyphs pdfminer could not map, private-use or unassigned code points, U+FFFD, control characters,
letters of scripts a Chinese plan does not print): `text_quality`. Under `--ocr auto` the pages without usable
text (and those showing only a picture) are read through OCR, under `always` every page, under `never` none.

A page is rendered with pypdfium2 at `[ocr] dpi` and read with RapidOCR (the PP-OCR detection, direction and
recognition models ship inside the rapidocr-onnxruntime wheel: nothing is downloaded). What comes out is a
`PageData` like the text layer's, so lines, regions, tables, sidebars and headings come out of the usual stages:
- each recognised character is a `Char`, placed where the recogniser's CTC columns put it along its line, its
  size from the line's ink height, bold from the line's stroke width, its recognition confidence in `conf`;
- rulings (`Seg`) from long thin runs of ink found by morphological opening, outside the text lines;
- shading (`Fill`) from large regions darker than the paper and lighter than ink;
- a page turned a quarter or a half turn is read upright, a skewed scan straightened first.

Pages are OCR'd one by one (`ocr_pages`, a pure, picklable function for worker processes) and cached one file a
page under `<cache>/<sha256>.<key>/` (the key: the OCR settings, this module's code, the models' version), so a
rerun does not OCR again and a crash mid-plan keeps the pages already done.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from pipeline import settings
from pipeline.errors import NoTextLayerError, TruncatedPdfError
from pipeline.pdf import ingest
from pipeline.pdf.model import Char, PageData, ParsedPdf
from pipeline.pdf.ocr_graphics import (
    Box,
    Sheet,
    ink_mask,
    leftovers,
    line_masks,
    marks,
    off_rules,
    rulings,
    shading,
    without_rules,
)
from pipeline.pdf.ocr_read import Image, Quad, engine_version, line_chars, read_line, recognise, upright, widen
from pipeline.settings import StageSettings, settings_for

log = logging.getLogger(__name__)

MODES = ("auto", "always", "never")


class OcrSettings(StageSettings, stage="ocr"):
    """OCR's settings (declared, with their units and ranges, in pipeline/data/settings.toml)."""


_mode = "auto"


def set_mode(mode: str) -> None:
    """Which pages the extraction reads through OCR: `auto`, `always` or `never` (the command line's `--ocr`)."""
    global _mode
    if mode not in MODES:
        raise ValueError(f"OCR mode must be one of {', '.join(MODES)}, not {mode!r}")
    if mode != _mode:
        _mode = mode
        for hook in settings.ON_CHANGE:  # cached stage fingerprints include the OCR mode
            hook()


def mode() -> str:
    return _mode


# ---------------------------------------------------------------- is the text layer usable?


@functools.lru_cache(maxsize=8192)
def implausible(text: str) -> bool:
    """A character no text layer of a Chinese plan should hold: an unmapped glyph, private use, unassigned, a
    replacement or control character, a letter of a script other than Han, kana, Latin or Greek."""
    if text.startswith("(cid:") or text == "\ufffd":
        return True
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Co", "Cn", "Cs") or (cat == "Cc" and not ch.isspace()):
            return True
        if cat.startswith("L") and not _plausible_letter(ch):
            return True
    return False


PLAUSIBLE_SCRIPTS = ("CJK", "LATIN", "GREEK", "FULLWIDTH", "HALFWIDTH", "HIRAGANA", "KATAKANA", "KANGXI", "IDEOGRAPHIC")


def _plausible_letter(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(PLAUSIBLE_SCRIPTS)


def text_quality(page: PageData) -> float | None:
    """The share of the page's text-layer characters that are plausible (None: the page has none)."""
    chars = [c for c in page.chars if not c.text.isspace()]
    if not chars:
        return None
    return 1.0 - sum(implausible(c.text) for c in chars) / len(chars)


def usable_text(page: PageData, cfg: OcrSettings) -> bool:
    """The page's text layer can be read as it is: enough plausible characters, few implausible ones. A page
    with (next to) no characters is usable unless it shows a picture: a blank page needs no OCR, a scan does."""
    quality = text_quality(page)
    plausible = sum(not c.text.isspace() and not implausible(c.text) for c in page.chars)
    if plausible < cfg.min_chars:
        return page.images == 0 and (quality is None or quality >= 1 - cfg.bad_share)
    return quality is not None and quality >= 1 - cfg.bad_share


def check_readable(doc: ParsedPdf, cfg: OcrSettings) -> None:
    """Without OCR (`never`): a text layer most of whose pages are unusable (glyphs decoding only to `(cid:N)`,
    private-use code points) is an unreadable text layer, not a plan without headings."""
    with_text = [p for p in doc.pages if text_quality(p) is not None]
    bad = [p for p in with_text if not usable_text(p, cfg)]
    if with_text and len(bad) > len(with_text) / 2:
        raise NoTextLayerError(
            f"the text layer is unreadable: on {len(bad)} of {len(with_text)} pages its characters decode to "
            "nothing readable ((cid:N) glyphs, private-use code points)",
            file=Path(doc.path).name,
            expected="a PDF with a readable text layer, or --ocr auto to read such pages from their image",
        )


def pages_to_ocr(doc: ParsedPdf, how: str, cfg: OcrSettings) -> list[int]:
    if how == "always":
        return [p.number for p in doc.pages]
    if how == "never":
        return []
    return [p.number for p in doc.pages if not usable_text(p, cfg)]


# ---------------------------------------------------------------- rendering


def render_page(path: str | Path, number: int, dpi: float) -> tuple[Image, float, float]:
    """Page `number` (1-based) as an 8-bit grey image at `dpi`, with the page's width and height in points
    (as displayed: a /Rotate page is rendered turned)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as e:  # pages without text in a file the renderer cannot open: a damaged PDF
        raise TruncatedPdfError(
            f"page {number} has no usable text and cannot be rendered for OCR ({e})",
            file=Path(path).name,
            page=number,
            expected="a complete, readable PDF",
        ) from None
    try:
        page = pdf[number - 1]
        width, height = page.get_size()
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        arr = np.array(bitmap.to_numpy(), copy=True)
        page.close()
    finally:
        pdf.close()
    if arr.ndim == 3:
        arr = arr[..., 0]
    return arr.astype(np.uint8), float(width), float(height)


# ---------------------------------------------------------------- one page


def ocr_page(img: Image, number: int, width: float, height: float, cfg: OcrSettings) -> PageData:
    """A page image (grey, the page's `width` x `height` points) read into page data: characters with their
    confidence, rulings and shading, in the frame of the page turned upright."""
    img, quads, turns = upright(img, cfg)
    if turns % 2:
        width, height = height, width
    px = width / img.shape[1]
    quads = sorted((widen(q, cfg.det_widen) for q in quads), key=lambda q: (float(q[:, 1].min()), float(q[:, 0].min())))
    ink = ink_mask(img)
    h_mask, v_mask = line_masks(ink, cfg)
    lines = h_mask | v_mask
    clean, clean_ink = without_rules(img, ink, h_mask, v_mask, cfg)  # lines are found on the page as printed
    sheet = Sheet(clean, clean_ink, off_rules(clean_ink, lines), px)
    chars: list[Char] = []
    boxes: list[Box] = []  # the text lines found
    glyphs: list[Box] = []  # the boxes of their characters
    reads = list(zip(quads, recognise(clean, quads, cfg), strict=True))
    signs = [(q, r) for q, r in reads if r.text and not any(t.isalnum() for t in r.text)]
    for q, r in [(q, r) for q, r in reads if any(t.isalnum() for t in r.text)]:
        chars += add_line(line_chars(r, q, sheet, cfg), q, px, boxes, glyphs)
    em = float(np.median([c.size for c in chars])) / px if chars else None
    for q, r in signs:  # a line of signs alone (`--`): its ink says nothing of its size, the page's does
        chars += add_line(line_chars(r, q, sheet, cfg, em), q, px, boxes, glyphs)
    if em is not None:
        small = float(np.percentile([c.size for c in chars], 10)) / px  # table text, notes: the page's small type
        chars += missed(sheet, min(em, small), boxes, cfg)
        chars += marks(sheet.bare, lines, boxes, em, px, cfg)
    page = PageData(number=number, width=width, height=height, chars=chars, images=1, text_source="ocr")
    page.segs = rulings(h_mask, v_mask, glyphs, px, cfg)
    page.fills = shading(clean, px, cfg)
    return page


def add_line(line: list[Char], q: Quad, px: float, boxes: list[Box], glyphs: list[Box]) -> list[Char]:
    """A line read: its box and its characters' box (in pixels) noted."""
    if line:
        boxes.append(box_of(q))
        glyphs.append(glyph_box(line, px))
    return line


def missed(sheet: Sheet, em: float, boxes: list[Box], cfg: OcrSettings) -> list[Char]:
    """Characters in the ink the detector left out, read as lines of their own; kept when read with a mean
    confidence of at least `leftover_conf` (specks and drawings are not). Their boxes join `boxes`. `em` is the
    page's small type (the detector leaves out a figure alone in a table cell, printed smaller than the body)."""
    out: list[Char] = []
    for box in leftovers(sheet.bare, boxes, em):
        x0, y0, x1, y1 = box
        q = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
        r = read_line(sheet.img, q, cfg)
        if r.text and sum(r.conf) / len(r.conf) >= cfg.leftover_conf:
            out += line_chars(r, q, sheet, cfg)
            boxes.append(box)
    return out


def glyph_box(chars: list[Char], px: float) -> Box:
    """The box of a line's characters, in pixels."""
    return (
        min(c.x0 for c in chars) / px,
        min(c.top for c in chars) / px,
        max(c.x1 for c in chars) / px,
        max(c.bottom for c in chars) / px,
    )


def box_of(q: Quad) -> tuple[float, float, float, float]:
    return float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max())


def ocr_pages(path: str, numbers: list[int], cfg: OcrSettings | None = None) -> list[PageData]:
    """Render and OCR some pages (1-based) of a PDF: the worker's entry point (pure; the models are loaded once
    per process)."""
    cfg = cfg if cfg is not None else settings_for("ocr")
    out = []
    for n in numbers:
        img, width, height = render_page(path, n, cfg.dpi)
        out.append(ocr_page(img, n, width, height, cfg))
    return out


# ---------------------------------------------------------------- the document


def cache_key(cfg: OcrSettings) -> str:
    """What an OCR'd page depends on besides the PDF: the settings, the OCR modules' code, the models."""
    h = hashlib.sha256(json.dumps(cfg.asdict(), sort_keys=True).encode())
    h.update(_code_digest().encode())
    h.update(engine_version().encode())
    return h.hexdigest()[:16]


@functools.cache
def _code_digest() -> str:
    h = hashlib.sha256()
    for p in sorted(Path(__file__).parent.glob("ocr*.py")):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


def page_cache(cache_dir: Path, sha: str, cfg: OcrSettings) -> Path:
    return Path(cache_dir) / f"{sha}.{cache_key(cfg)}"


def load_cached(folder: Path, number: int) -> PageData | None:
    try:
        packed = json.loads((folder / f"{number}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return ingest.unpack_pages([tuple(packed)])[0]


def store_cached(folder: Path, page: PageData) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{page.number}.{uuid.uuid4().hex[:8]}"
        tmp.write_text(json.dumps(ingest.pack_page(page), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, folder / f"{page.number}.json")
    except OSError as e:  # the cache only saves time
        log.warning("OCR'd page %d not cached (%s)", page.number, e)


OcrRunner = Callable[[str, list[int], OcrSettings], Iterable[PageData]]


def ocr_here(path: str, numbers: list[int], cfg: OcrSettings) -> Iterator[PageData]:
    """The default runner: the pages OCR'd in this process, one at a time."""
    for n in numbers:
        yield from ocr_pages(path, [n], cfg)


def apply_ocr(
    doc: ParsedPdf,
    how: str | None = None,
    cache_dir: Path | None = None,
    cfg: OcrSettings | None = None,
    runner: OcrRunner | None = None,
) -> ParsedPdf:
    """The document with its pages without usable text (`auto`), or all (`always`), replaced by their OCR; each
    page's text source and text-layer quality recorded. `never` raises `NoTextLayerError` for a document
    without a text layer, as before OCR. `runner` OCRs a list of pages, yielding each as it is done (default:
    `ocr_here`; a runner handing pages to worker processes running `ocr_pages` fits as well): each page is cached
    as it comes."""
    how = how or mode()
    cfg = cfg if cfg is not None else settings_for("ocr")
    pages = [replace(p, text_quality=text_quality(p)) for p in doc.pages]
    out = replace(doc, pages=pages)
    wanted = pages_to_ocr(out, how, cfg)
    if not wanted:
        ingest.check_text_layer(out)
        check_readable(out, cfg)
        return out
    done = _ocr_wanted(doc, wanted, cache_dir, cfg, runner or ocr_here)
    snap_sizes(list(done.values()), cfg)
    out.pages = [replace(done[p.number], text_quality=p.text_quality) if p.number in done else p for p in pages]
    share = len(wanted) / max(1, len(pages))
    log.warning(
        "%s: %d of %d pages read through OCR (%.0f%%)", Path(doc.path).name, len(wanted), len(pages), 100 * share
    )
    if sum(len(p.chars) for p in out.pages) < settings_for("ingest").min_text_chars:
        raise NoTextLayerError(
            f"the PDF has no text layer and OCR found no text on its {doc.page_count} pages",
            file=Path(doc.path).name,
            expected="a PDF with selectable text, or a legible scan",
        )
    return out


def snap_sizes(pages: list[PageData], cfg: OcrSettings) -> None:
    """The font sizes OCR estimated line by line drawn to the document's own: taking sizes from the commonest
    down, a size within `size_snap` (a share) of one already taken becomes it (so that lines printed alike
    share a style, as the layout stage compares them)."""
    counts = Counter(c.size for p in pages for c in p.chars)
    taken: list[float] = []
    to: dict[float, float] = {}
    for size, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        near = [t for t in taken if abs(size - t) <= cfg.size_snap * t]
        if near:
            to[size] = min(near, key=lambda t: abs(size - t))
        else:
            taken.append(size)
    for p in pages:
        p.chars = [replace(c, size=to[c.size]) if c.size in to else c for c in p.chars]


def _ocr_wanted(
    doc: ParsedPdf, wanted: list[int], cache_dir: Path | None, cfg: OcrSettings, runner: OcrRunner
) -> dict[int, PageData]:
    folder = page_cache(cache_dir, doc.sha256, cfg) if cache_dir is not None else None
    done: dict[int, PageData] = {}
    for n in wanted:
        cached = load_cached(folder, n) if folder is not None else None
        if cached is not None:
            done[n] = cached
    todo = [n for n in wanted if n not in done]
    t0 = time.process_time()
    for page in runner(doc.path, todo, cfg) if todo else ():  # each page cached as soon as it is read
        done[page.number] = page
        if folder is not None:
            store_cached(folder, page)
    if todo:
        log.info("%s: %d pages OCR'd in %.1f s CPU", Path(doc.path).name, len(todo), time.process_time() - t0)
    return done

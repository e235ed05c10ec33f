"""Stage 1, ingest: a PDF file -> per page, characters, rulings, shading and links.

Uses pdfplumber for what it is made for (characters with font, size and position;
lines, rectangles and curves; annotations). Characters come out cleaned: doubled
(fake-bold) copies removed and marked bold, Kangxi radicals and compatibility
ideographs mapped to unified ideographs. Bad input raises a `BadInputError`
subclass naming the file and what was expected.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.layout import LTChar, LTContainer, LTCurve, LTImage, LTLine, LTRect
from pdfplumber.pdf import PDF

from pipeline.errors import BadInputError, EncryptedPdfError, NotAPdfError, NoTextLayerError, TruncatedPdfError
from pipeline.pdf.chars import clean_font_name, dedupe_doubled, font_is_bold, unify_ideographs
from pipeline.pdf.model import Char, Fill, Link, PageData, ParsedPdf, Seg
from pipeline.pdf.visibility import painted, visible_layout
from pipeline.settings import StageSettings, settings_for

log = logging.getLogger(__name__)


class IngestSettings(StageSettings, stage="ingest"):
    """The ingest stage's thresholds (declared, with their units and ranges, in pipeline/data/settings.toml)."""


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_file(path: str | Path) -> None:
    """Cheap checks before parsing: is it a PDF at all, and is its end there?"""
    p = Path(path)
    size = p.stat().st_size
    with open(p, "rb") as f:
        head = f.read(1024)
        f.seek(max(0, size - 2048))
        tail = f.read()
    if b"%PDF-" not in head:
        raise NotAPdfError("not a PDF file (no %PDF- header)", file=p.name, expected="a PDF exported from Word or WPS")
    if b"%%EOF" not in tail:
        raise TruncatedPdfError(
            "the PDF is truncated or damaged (no end-of-file marker)",
            file=p.name,
            expected="a complete PDF; download it again",
        )


def open_pdf(path: str | Path) -> PDF:
    """Open with pdfplumber, turning pdfminer's failures into our error types."""
    p = Path(path)
    try:
        pdf = pdfplumber.open(p)
        _ = len(pdf.pages)
        return pdf
    except Exception as e:  # pdfminer raises a zoo of types, often wrapped by pdfplumber
        raise classify_open_error(e, p.name) from None


def classify_open_error(e: BaseException, name: str) -> BadInputError:
    chain: list[BaseException] = []
    cur: BaseException | None = e
    while cur is not None and len(chain) < 5:
        chain.append(cur)
        cur = (
            cur.__cause__
            or cur.__context__
            or (cur.args[0] if cur.args and isinstance(cur.args[0], BaseException) else None)
        )
    names = " ".join(type(x).__name__ for x in chain) + " " + " ".join(str(x) for x in chain)
    if "Password" in names or "Encrypt" in names or "encrypt" in names:
        return EncryptedPdfError(
            "the PDF is encrypted and needs a password to open", file=name, expected="an unencrypted PDF"
        )
    return TruncatedPdfError(
        f"the PDF cannot be parsed ({type(chain[-1]).__name__}); it may be truncated or damaged",
        file=name,
        expected="a complete, readable PDF",
    )


def document_info(path: str | Path) -> tuple[int, dict[str, str]]:
    """(page count, metadata) without parsing any page."""
    pdf = open_pdf(path)
    try:
        return len(pdf.pages), {k: _meta_str(v) for k, v in (pdf.metadata or {}).items()}
    finally:
        pdf.close()


_WORKER_PDFS: dict[str, PDF] = {}


def parse_pages(
    path: str | Path,
    numbers: Iterable[int],
    progress: Callable[[int], None] | None = None,
    keep_open: bool = False,
    settings: IngestSettings | None = None,
) -> list[PageData]:
    """Parse some pages (1-based) into cleaned page data.

    In worker processes (`keep_open`), the opened PDF is kept for the worker's next chunk of
    pages, so fonts and their character maps are read once per worker, not once per chunk."""
    cfg: IngestSettings = settings if settings is not None else settings_for("ingest")
    with paused_gc():
        return _parse_pages(Path(path), numbers, progress, keep_open, cfg)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """pdfminer makes objects by the hundred thousand; the cyclic collector scanning them while a page is
    parsed costs a sixth of the time and frees next to nothing. Pages are closed as they are read."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _parse_pages(
    p: Path, numbers: Iterable[int], progress: Callable[[int], None] | None, keep_open: bool, cfg: IngestSettings
) -> list[PageData]:
    pdf = _WORKER_PDFS.get(str(p)) if keep_open else None
    if pdf is None:
        pdf = open_pdf(p)
        if keep_open:
            _WORKER_PDFS.clear()
            _WORKER_PDFS[str(p)] = pdf
    out = []
    try:
        for n in numbers:
            try:
                page = pdf.pages[n - 1]
                out.append(page_to_data(page, cfg))
                page.close()
            except Exception as e:
                raise _page_error(e, p.name, n) from None
            if progress:
                progress(1)
    finally:
        if not keep_open:
            pdf.close()
    return out


PackedPage = tuple[Any, ...]


def parse_chunk(path: str, numbers: list[int], settings: IngestSettings | None = None) -> list[PackedPage]:
    """Worker entry point: a chunk of pages of one PDF, packed as plain tuples (quick to send back)."""
    return [pack_page(p) for p in parse_pages(path, numbers, keep_open=True, settings=settings)]


def close_kept() -> None:
    for pdf in _WORKER_PDFS.values():
        pdf.close()
    _WORKER_PDFS.clear()


def pack_page(p: PageData) -> PackedPage:
    return (
        p.number,
        p.width,
        p.height,
        p.images,
        [(c.text, c.font, c.size, c.x0, c.top, c.x1, c.bottom, c.bold, c.upright) for c in p.chars],
        [(s.orient, s.x0, s.top, s.x1, s.bottom) for s in p.segs],
        [(f.x0, f.top, f.x1, f.bottom, f.color) for f in p.fills],
        [(lk.uri, lk.x0, lk.top, lk.x1, lk.bottom) for lk in p.links],
    )


def unpack_pages(packed: list[PackedPage]) -> list[PageData]:
    out = []
    for number, width, height, images, chars, segs, fills, links in packed:
        out.append(
            PageData(
                number=number,
                width=width,
                height=height,
                images=images,
                chars=[Char(*c) for c in chars],
                segs=[Seg(*s) for s in segs],
                fills=[Fill(*f) for f in fills],
                links=[Link(*lk) for lk in links],
            )
        )
    return out


def run(
    path: str | Path,
    pages: Iterable[int] | None = None,
    progress: Callable[[int], None] | None = None,
    sha: str | None = None,
    info: tuple[int, dict[str, str]] | None = None,
    settings: IngestSettings | None = None,
) -> ParsedPdf:
    """Parse a PDF (or some of its pages, 1-based) into cleaned page data; `info` is `document_info`, if known."""
    p = Path(path)
    check_file(p)
    count, metadata = info or document_info(p)
    wanted = list(pages) if pages is not None else list(range(1, count + 1))
    return ParsedPdf(
        path=str(p),
        sha256=sha or file_sha256(p),
        page_count=count,
        metadata=dict(metadata),
        pages=parse_pages(p, wanted, progress, settings=settings),
    )


def check_text_layer(doc: ParsedPdf, settings: IngestSettings | None = None) -> None:
    cfg: IngestSettings = settings if settings is not None else settings_for("ingest")
    chars = sum(len(pg.chars) for pg in doc.pages)
    if chars < cfg.min_text_chars:
        images = sum(pg.images for pg in doc.pages)
        why = f"the PDF has no text layer ({chars} characters on {doc.page_count} pages"
        why += f", {images} images): it looks scanned, so OCR is needed first" if images else ")"
        raise NoTextLayerError(why, file=Path(doc.path).name, expected="a PDF with selectable text")


def _page_error(e: Exception, name: str, page: int) -> Exception:
    err = classify_open_error(e, name)
    err.page = page
    return err


def _meta_str(v: object) -> str:
    if isinstance(v, bytes):
        for enc in ("utf-16", "utf-8", "latin-1"):
            try:
                return v.decode(enc)
            except UnicodeDecodeError:
                continue
    return str(v)


# ---------------------------------------------------------------- one page


@dataclass(slots=True)
class Shape:
    """A drawn rectangle or curve in page coordinates, with its fill and stroke colours (None: not painted)."""

    x0: float
    top: float
    x1: float
    bottom: float
    fill: Any
    stroke: Any
    pts: list[tuple[float, float]]


Box = Callable[[Any], tuple[float, float, float, float]]


def page_to_data(page: Any, cfg: IngestSettings) -> PageData:
    """One pdfplumber page -> cleaned page data.

    Reads the page's layout objects (pdfminer's LTPage, as `page.layout` builds it, but without the
    characters that are not drawn: `visibility.visible_layout`) directly and turns their coordinates
    the way pdfplumber does (top-left origin, MediaBox offsets), skipping the general-purpose
    dictionaries of `page.chars` and `page.rects`: same data, less work."""
    width, height = float(page.width), float(page.height)
    mb_x0, mb_top = float(page.mediabox[0]), float(page.mediabox[1])
    data = PageData(number=page.page_number, width=width, height=height)
    chars: list[LTChar] = []
    lines: list[LTLine] = []
    rects: list[LTRect] = []
    curves: list[LTCurve] = []
    layout, hidden = visible_layout(page, cfg.white_level, cfg.clip_slack)
    if hidden:
        why = ", ".join(f"{k} {v}" for k, v in sorted(hidden.items()))
        log.debug("page %d: %d invisible characters dropped (%s)", data.number, hidden.total(), why)
    _walk(layout, chars, lines, rects, curves, data)

    def box(o: Any) -> tuple[float, float, float, float]:
        return o.x0 + mb_x0, (height - o.y1) + mb_top, o.x1 + mb_x0, (height - o.y0) + mb_top

    data.chars = chars_from_layout(chars, box, cfg)
    for ln in lines:
        if painted(ln.stroking_color, cfg.white_level):
            seg = _segment(*box(ln), data, cfg)
            if seg:
                data.segs.append(seg)
    for r in rects:
        _rect_to_graphics(_shape(r, box), data, cfg)
    for c in curves:
        _curve_to_graphics(_shape(c, box), data, cfg)
    data.links = _links(page)
    return data


def _shape(o: Any, box: Box) -> Shape:
    x0, top, x1, bottom = box(o)
    fill = o.non_stroking_color if o.fill else None
    stroke = o.stroking_color if o.stroke else None
    return Shape(x0, top, x1, bottom, fill, stroke, getattr(o, "pts", None) or [])


def _links(page: Any) -> list[Link]:
    out = []
    for h in page.hyperlinks:
        uri = h.get("uri")
        if uri:
            out.append(
                Link(uri=str(uri), x0=float(h["x0"]), top=float(h["top"]), x1=float(h["x1"]), bottom=float(h["bottom"]))
            )
    return out


def _walk(
    container: Iterable[Any],
    chars: list[LTChar],
    lines: list[LTLine],
    rects: list[LTRect],
    curves: list[LTCurve],
    data: PageData,
) -> None:
    for o in container:
        if isinstance(o, LTChar):
            chars.append(o)
        elif isinstance(o, LTRect):
            rects.append(o)
        elif isinstance(o, LTLine):
            lines.append(o)
        elif isinstance(o, LTCurve):
            curves.append(o)
        elif isinstance(o, LTImage):
            data.images += 1
        elif isinstance(o, LTContainer):
            _walk(o, chars, lines, rects, curves, data)


def chars_from_layout(raw_chars: list[LTChar], box: Box, cfg: IngestSettings) -> list[Char]:
    """pdfminer's LTChars -> cleaned `Char`s: ideographs unified, doubled copies dropped (marking bold)."""
    fonts: dict[Any, tuple[str, bool]] = {}
    chars = []
    for c in raw_chars:
        text = c.get_text()
        if not text:
            continue
        fontname = c.fontname
        f = fonts.get(fontname)
        if f is None:
            name = clean_font_name(fontname.decode("latin-1") if isinstance(fontname, bytes) else str(fontname))
            f = fonts[fontname] = (name, font_is_bold(name))
        x0, top, x1, bottom = box(c)
        chars.append(Char(unify_ideographs(text), f[0], round(c.size, 2), x0, top, x1, bottom, f[1], c.upright))
    return dedupe_doubled(chars, cfg)


def _segment(x0: float, top: float, x1: float, bottom: float, page: PageData, cfg: IngestSettings) -> Seg | None:
    """A thin line or rectangle -> a horizontal or vertical ruling along its middle (None: a dot, or not thin)."""
    w, h = x1 - x0, bottom - top
    thin = cfg.ruling_max * page.width
    if w < cfg.mark_min and h < cfg.mark_min:
        return None
    if h <= thin and w > h:
        y = (top + bottom) / 2
        return Seg("h", float(x0), y, float(x1), y)
    if w <= thin and h > w:
        x = (x0 + x1) / 2
        return Seg("v", x, float(top), x, float(bottom))
    return None


def _frame(x0: float, top: float, x1: float, bottom: float) -> list[Seg]:
    """The four edges of a drawn box."""
    return [
        Seg("h", x0, top, x1, top),
        Seg("h", x0, bottom, x1, bottom),
        Seg("v", x0, top, x0, bottom),
        Seg("v", x1, top, x1, bottom),
    ]


def _is_background(r: Shape, page: PageData, cfg: IngestSettings) -> bool:
    return (r.x1 - r.x0) * (r.bottom - r.top) >= cfg.background_share * (page.width * page.height)


def _rect_to_graphics(r: Shape, data: PageData, cfg: IngestSettings) -> None:
    x0, top, x1, bottom = float(r.x0), float(r.top), float(r.x1), float(r.bottom)
    w, h = x1 - x0, bottom - top
    thin = cfg.ruling_max * data.width
    filled, stroked = painted(r.fill, cfg.white_level), painted(r.stroke, cfg.white_level)
    if w <= thin or h <= thin:
        if filled or stroked:
            seg = _segment(x0, top, x1, bottom, data, cfg)
            if seg:
                data.segs.append(seg)
        return
    if filled and not _is_background(r, data, cfg):
        data.fills.append(Fill(x0, top, x1, bottom, _color_str(r.fill)))
    if stroked:
        data.segs.extend(_frame(x0, top, x1, bottom))


def _curve_to_graphics(c: Shape, data: PageData, cfg: IngestSettings) -> None:
    x0, top, x1, bottom = float(c.x0), float(c.top), float(c.x1), float(c.bottom)
    if x1 - x0 < cfg.frame_min_w * data.width or bottom - top < cfg.frame_min_h * data.height:
        return
    if painted(c.fill, cfg.white_level) and not _is_background(c, data, cfg):
        data.fills.append(Fill(x0, top, x1, bottom, _color_str(c.fill)))
    elif painted(c.stroke, cfg.white_level) and _closed(c.pts, cfg.closed_gap):
        data.segs.extend(_frame(x0, top, x1, bottom))  # a rounded or drawn frame: its bounding box is the box


def _closed(pts: list[tuple[float, float]], gap: float) -> bool:
    return len(pts) > 3 and abs(pts[0][0] - pts[-1][0]) < gap and abs(pts[0][1] - pts[-1][1]) < gap


def _color_str(color: Any) -> str:
    if isinstance(color, tuple | list):
        return ",".join(f"{float(v):.3g}" if isinstance(v, int | float) else str(v) for v in color)
    return str(color)

"""Stage 1, ingest: a PDF file -> per page, characters, rulings, shading and links.

Two engines read the pages into the same page data: pdfplumber (pdfminer; characters with
font, size and position, lines, rectangles and curves, annotations) and pdfium
(`pdfium_engine.py`, pypdfium2 with pikepdf). The shapes both find go through the same
functions here (`line_to_graphics`, `rect_to_graphics`, `curve_to_graphics`, `make_chars`).
Characters come out cleaned: doubled (fake-bold) copies removed and marked bold, Kangxi
radicals and compatibility ideographs mapped to unified ideographs.

A file the chosen engine cannot open is tried with the other one, then repaired with pikepdf
(`repair.py`) and tried again; only then does it fail, saying what was tried. Bad input raises
a `BadInputError` subclass naming the file and what was expected.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import mmap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pdfplumber
from pdfminer.layout import LTChar, LTContainer, LTCurve, LTImage, LTLine, LTRect
from pdfplumber.pdf import PDF

from pipeline import settings
from pipeline.errors import BadInputError, EncryptedPdfError, NotAPdfError, NoTextLayerError, TruncatedPdfError
from pipeline.pdf import repair
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
    """Cheap checks before parsing: is it a PDF at all, and is its end there (an end-of-file marker, at the end or
    followed by junk, as some exports append)?"""
    p = Path(path)
    size = p.stat().st_size
    with open(p, "rb") as f:
        head = f.read(1024)
        f.seek(max(0, size - 2048))
        tail = f.read()
    if b"%PDF-" not in head:
        raise NotAPdfError("not a PDF file (no %PDF- header)", file=p.name, expected="a PDF exported from Word or WPS")
    if b"%%EOF" not in tail and not _has_eof(p):
        raise TruncatedPdfError(
            "the PDF is truncated or damaged (no end-of-file marker)",
            file=p.name,
            expected="a complete PDF; download it again",
        )


def _has_eof(p: Path) -> bool:
    with open(p, "rb") as f, contextlib.suppress(ValueError), mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        return m.rfind(b"%%EOF") >= 0
    return False


def open_pdf(path: str | Path) -> PDF:
    """Open with pdfplumber, turning pdfminer's failures into our error types."""
    p = Path(path)
    try:
        return _open_plumber(p)
    except Exception as e:  # pdfminer raises a zoo of types, often wrapped by pdfplumber
        raise classify_open_error(e, p.name) from None


def _open_plumber(p: Path) -> PDF:
    pdf = pdfplumber.open(p)
    try:
        if not pdf.pages:
            raise ValueError("no pages found")
    except Exception:
        pdf.close()
        raise
    return pdf


# ---------------------------------------------------------------- engines

ENGINES = ("pdfplumber", "pdfium")
DEFAULT_ENGINE = "pdfplumber"
_engine = DEFAULT_ENGINE


def use_engine(name: str | None) -> None:
    """Make `name` the engine of this process (None: the default)."""
    global _engine
    name = name or DEFAULT_ENGINE
    if name not in ENGINES:
        raise ValueError(f"unknown ingest engine {name!r} (known: {', '.join(ENGINES)})")
    if name != _engine:
        _engine = name
        for hook in settings.ON_CHANGE:  # cached stage fingerprints include the engine
            hook()


def active_engine() -> str:
    """The engine pages are parsed with when none is named (part of the ingest stage's fingerprint)."""
    return _engine


class Document(Protocol):
    """An open PDF, whichever engine opened it."""

    engine: str

    @property
    def page_count(self) -> int: ...

    @property
    def metadata(self) -> dict[str, str]: ...

    def page(self, number: int, cfg: IngestSettings) -> PageData: ...

    def close(self) -> None: ...


class PlumberDocument:
    engine = "pdfplumber"

    def __init__(self, path: Path):
        self.pdf = _open_plumber(path)

    @property
    def page_count(self) -> int:
        return len(self.pdf.pages)

    @property
    def metadata(self) -> dict[str, str]:
        return {k: _meta_str(v) for k, v in (self.pdf.metadata or {}).items()}

    def page(self, number: int, cfg: IngestSettings) -> PageData:
        page = self.pdf.pages[number - 1]
        data = page_to_data(page, cfg)
        page.close()
        return data

    def close(self) -> None:
        self.pdf.close()


def _open_with(engine: str, p: Path) -> Document:
    if engine == "pdfium":
        from pipeline.pdf.pdfium_engine import PdfiumDocument

        return PdfiumDocument.open(p)
    return PlumberDocument(p)


def _unless_encrypted(e: Exception, p: Path) -> str:
    """Why a reader failed, to try the next one; an encrypted file is not tried further (raised at once)."""
    err = classify_open_error(e, p.name)
    if isinstance(err, EncryptedPdfError):
        raise err from None
    return _why(e, p)


def open_document(path: str | Path, engine: str | None = None) -> Document:
    """Open a PDF with `engine` (None: the active one); failing that, with the other engine; failing that, a
    copy repaired by pikepdf, with either. An encrypted file is not tried further. The error says what was tried."""
    p = Path(path)
    first = engine or _engine
    order = [first, *(e for e in ENGINES if e != first)]
    tried: list[str] = []
    for name in order:
        try:
            return _open_with(name, p)
        except Exception as e:
            tried.append(f"{name}: {_unless_encrypted(e, p)}")
    try:
        fixed = repair.repaired_copy(p)
    except Exception as e:
        tried.append(f"pikepdf repair: {_unless_encrypted(e, p)}")
    else:
        for name in order:
            try:
                doc = _open_with(name, fixed)
            except Exception as e:
                tried.append(f"{name} after pikepdf repair: {_why(e, fixed)}")
                continue
            log.info("%s: read by %s after a repair by pikepdf (%s)", p.name, name, "; ".join(tried))
            return doc
    raise TruncatedPdfError(
        f"the PDF cannot be parsed; it may be truncated or damaged (cannot open: {'; '.join(tried)})",
        file=p.name,
        expected="a complete, readable PDF",
    )


def _why(e: BaseException, path: Path) -> str:
    """One short line: the innermost error's type and message (the file named by its name only)."""
    cur = _chain(e)[-1]
    text = " ".join(str(cur).replace(str(path), path.name).split())
    text = f"{type(cur).__name__}: {text}" if text else type(cur).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _chain(e: BaseException) -> list[BaseException]:
    """The error and those it was raised from or wraps (pdfplumber wraps pdfminer's), outermost first."""
    chain: list[BaseException] = []
    cur: BaseException | None = e
    while cur is not None and len(chain) < 5:
        chain.append(cur)
        cur = (
            cur.__cause__
            or cur.__context__
            or (cur.args[0] if cur.args and isinstance(cur.args[0], BaseException) else None)
        )
    return chain


def classify_open_error(e: BaseException, name: str) -> BadInputError:
    """What a reader's failure says about the file: encrypted, or damaged. Running out of memory says nothing
    about the file: it is raised again as `MemoryError` (the plan's memory limit, not a damaged PDF)."""
    chain = _chain(e)
    if any(isinstance(x, MemoryError) for x in chain):
        raise MemoryError(f"{name}: out of memory while reading the PDF") from None
    names = " ".join(type(x).__name__ for x in chain) + " " + " ".join(str(x) for x in chain)
    if any(w in names for w in ("Password", "password", "Encrypt", "encrypt")):
        return EncryptedPdfError(
            "the PDF is encrypted and needs a password to open", file=name, expected="an unencrypted PDF"
        )
    return TruncatedPdfError(
        f"the PDF cannot be parsed ({type(chain[-1]).__name__}); it may be truncated or damaged",
        file=name,
        expected="a complete, readable PDF",
    )


def document_info(path: str | Path, engine: str | None = None) -> tuple[int, dict[str, str]]:
    """(page count, metadata) without parsing any page."""
    doc = open_document(path, engine)
    try:
        return doc.page_count, doc.metadata
    finally:
        doc.close()


_WORKER_PDFS: dict[tuple[str, str], Document] = {}
_OTHER: dict[tuple[str, str], Document | None] = {}  # the other engine's document, opened for empty pages


def parse_pages(
    path: str | Path,
    numbers: Iterable[int],
    progress: Callable[[int], None] | None = None,
    keep_open: bool = False,
    settings: IngestSettings | None = None,
    engine: str | None = None,
) -> list[PageData]:
    """Parse some pages (1-based) into cleaned page data, with `engine` (None: the active one).

    In worker processes (`keep_open`), the opened PDF is kept for the worker's next chunk of
    pages, so fonts and their character maps are read once per worker, not once per chunk."""
    cfg: IngestSettings = settings if settings is not None else settings_for("ingest")
    with paused_gc():
        return _parse_pages(Path(path), numbers, progress, keep_open, cfg, engine or _engine)


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
    p: Path,
    numbers: Iterable[int],
    progress: Callable[[int], None] | None,
    keep_open: bool,
    cfg: IngestSettings,
    engine: str,
) -> list[PageData]:
    doc = _WORKER_PDFS.get((str(p), engine)) if keep_open else None
    if doc is None:
        doc = open_document(p, engine)
        if keep_open:
            close_kept()
            _WORKER_PDFS[(str(p), engine)] = doc
    out = []
    try:
        for n in numbers:
            try:
                page = doc.page(n, cfg)
            except Exception as e:
                raise _page_error(e, p.name, n) from None
            out.append(page if page.chars else _read_empty_page(p, doc.engine, n, cfg, page))
            if progress:
                progress(1)
    finally:
        if not keep_open:
            doc.close()
            _close_other(p, doc.engine)
    return out


def _read_empty_page(p: Path, engine: str, n: int, cfg: IngestSettings, page: PageData) -> PageData:
    """A page read without any character is read by the other engine too, and its reading kept when it finds
    characters: a content stream one engine cannot decode (a wrong /Length, a broken filter) the other may."""
    key = (str(p), engine)
    if key not in _OTHER:
        other = next(e for e in ENGINES if e != engine)
        try:
            _OTHER[key] = _open_with(other, p)
        except Exception:
            _OTHER[key] = None
    alt_doc = _OTHER[key]
    if alt_doc is None:
        return page
    try:
        alt = alt_doc.page(n, cfg)
    except Exception:
        return page
    if not alt.chars:
        return page
    log.info("%s, page %d: no characters read by %s; read by %s", p.name, n, engine, alt_doc.engine)
    return alt


def _close_other(p: Path, engine: str) -> None:
    other = _OTHER.pop((str(p), engine), None)
    if other is not None:
        other.close()


PackedPage = tuple[Any, ...]


def parse_chunk(
    path: str, numbers: list[int], settings: IngestSettings | None = None, engine: str | None = None
) -> list[PackedPage]:
    """Worker entry point: a chunk of pages of one PDF, packed as plain tuples (quick to send back)."""
    return [pack_page(p) for p in parse_pages(path, numbers, keep_open=True, settings=settings, engine=engine)]


def close_kept() -> None:
    for doc in _WORKER_PDFS.values():
        doc.close()
    _WORKER_PDFS.clear()
    for other in _OTHER.values():
        if other is not None:
            other.close()
    _OTHER.clear()


def pack_page(p: PageData) -> PackedPage:
    return (
        p.number,
        p.width,
        p.height,
        p.images,
        [(c.text, c.font, c.size, c.x0, c.top, c.x1, c.bottom, c.bold, c.upright, c.conf) for c in p.chars],
        [(s.orient, s.x0, s.top, s.x1, s.bottom) for s in p.segs],
        [(f.x0, f.top, f.x1, f.bottom, f.color) for f in p.fills],
        [(lk.uri, lk.x0, lk.top, lk.x1, lk.bottom) for lk in p.links],
        p.text_source,
        p.text_quality,
    )


def unpack_pages(packed: list[PackedPage]) -> list[PageData]:
    out = []
    for number, width, height, images, chars, segs, fills, links, source, quality in packed:
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
                text_source=source,
                text_quality=quality,
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
    engine: str | None = None,
) -> ParsedPdf:
    """Parse a PDF (or some of its pages, 1-based) into cleaned page data with `engine` (None: the active one);
    `info` is `document_info`, if known."""
    p = Path(path)
    check_file(p)
    count, metadata = info or document_info(p, engine)
    wanted = list(pages) if pages is not None else list(range(1, count + 1))
    return ParsedPdf(
        path=str(p),
        sha256=sha or file_sha256(p),
        page_count=count,
        metadata=dict(metadata),
        pages=parse_pages(p, wanted, progress, settings=settings, engine=engine),
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
        line_to_graphics(*box(ln), ln.stroking_color, data, cfg)
    for r in rects:
        rect_to_graphics(_shape(r, box), data, cfg)
    for c in curves:
        curve_to_graphics(_shape(c, box), data, cfg)
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
    """pdfminer's LTChars -> cleaned `Char`s (`make_chars`)."""
    return make_chars(((c.get_text(), c.fontname, c.size, *box(c), c.upright) for c in raw_chars), cfg)


RawChar = tuple[str, Any, float, float, float, float, float, bool]  # text, font name, size, box, upright


def make_chars(raw_chars: Iterable[RawChar], cfg: IngestSettings) -> list[Char]:
    """Characters as an engine reads them -> cleaned `Char`s: ideographs unified, font names cleaned, doubled
    copies dropped (marking bold)."""
    fonts: dict[Any, tuple[str, bool]] = {}
    chars = []
    for text, fontname, size, x0, top, x1, bottom, upright in raw_chars:
        if not text:
            continue
        f = fonts.get(fontname)
        if f is None:
            name = clean_font_name(fontname.decode("latin-1") if isinstance(fontname, bytes) else str(fontname))
            f = fonts[fontname] = (name, font_is_bold(name))
        chars.append(Char(unify_ideographs(text), f[0], round(size, 2), x0, top, x1, bottom, f[1], upright))
    return dedupe_doubled(chars, cfg)


# ---------------------------------------------------------------- shapes -> rulings and shading (both engines)


def line_to_graphics(
    x0: float, top: float, x1: float, bottom: float, stroke: Any, data: PageData, cfg: IngestSettings
) -> None:
    """A straight line (its box, its stroking colour, whether or not it was stroked, as pdfplumber keeps it)."""
    if painted(stroke, cfg.white_level):
        seg = segment(x0, top, x1, bottom, data, cfg)
        if seg:
            data.segs.append(seg)


def segment(x0: float, top: float, x1: float, bottom: float, page: PageData, cfg: IngestSettings) -> Seg | None:
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


def frame(x0: float, top: float, x1: float, bottom: float) -> list[Seg]:
    """The four edges of a drawn box."""
    return [
        Seg("h", x0, top, x1, top),
        Seg("h", x0, bottom, x1, bottom),
        Seg("v", x0, top, x0, bottom),
        Seg("v", x1, top, x1, bottom),
    ]


def is_background(r: Shape, page: PageData, cfg: IngestSettings) -> bool:
    return (r.x1 - r.x0) * (r.bottom - r.top) >= cfg.background_share * (page.width * page.height)


def rect_to_graphics(r: Shape, data: PageData, cfg: IngestSettings) -> None:
    """A drawn axis-aligned rectangle: a ruling when thin, else shading (filled) and a frame (stroked)."""
    x0, top, x1, bottom = float(r.x0), float(r.top), float(r.x1), float(r.bottom)
    w, h = x1 - x0, bottom - top
    thin = cfg.ruling_max * data.width
    filled, stroked = painted(r.fill, cfg.white_level), painted(r.stroke, cfg.white_level)
    if w <= thin or h <= thin:
        if filled or stroked:
            seg = segment(x0, top, x1, bottom, data, cfg)
            if seg:
                data.segs.append(seg)
        return
    if filled and not is_background(r, data, cfg):
        data.fills.append(Fill(x0, top, x1, bottom, _color_str(r.fill)))
    if stroked:
        data.segs.extend(frame(x0, top, x1, bottom))


def curve_to_graphics(c: Shape, data: PageData, cfg: IngestSettings) -> None:
    """Any other subpath: shading when filled and large enough, a frame when stroked and closed."""
    x0, top, x1, bottom = float(c.x0), float(c.top), float(c.x1), float(c.bottom)
    if x1 - x0 < cfg.frame_min_w * data.width or bottom - top < cfg.frame_min_h * data.height:
        return
    if painted(c.fill, cfg.white_level) and not is_background(c, data, cfg):
        data.fills.append(Fill(x0, top, x1, bottom, _color_str(c.fill)))
    elif painted(c.stroke, cfg.white_level) and _closed(c.pts, cfg.closed_gap):
        data.segs.extend(frame(x0, top, x1, bottom))  # a rounded or drawn frame: its bounding box is the box


def _closed(pts: list[tuple[float, float]], gap: float) -> bool:
    return len(pts) > 3 and abs(pts[0][0] - pts[-1][0]) < gap and abs(pts[0][1] - pts[-1][1]) < gap


def _color_str(color: Any) -> str:
    if isinstance(color, tuple | list):
        return ",".join(f"{float(v):.3g}" if isinstance(v, int | float) else str(v) for v in color)
    return str(color)

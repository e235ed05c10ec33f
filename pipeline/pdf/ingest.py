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
from collections.abc import Callable, Iterable
from pathlib import Path

import pdfplumber
from pdfminer.layout import LTChar, LTContainer, LTCurve, LTImage, LTLine, LTRect

from pipeline.errors import EncryptedPdfError, NotAPdfError, NoTextLayerError, TruncatedPdfError
from pipeline.pdf.chars import clean_font_name, dedupe_doubled, font_is_bold, unify_ideographs
from pipeline.pdf.model import Char, Fill, Link, PageData, ParsedPdf, Seg

log = logging.getLogger(__name__)

THIN = 2.5  # a rectangle thinner than this (pt) is a ruling
MIN_TEXT_CHARS = 20  # fewer characters than this in the whole file: no text layer


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


def open_pdf(path: str | Path) -> pdfplumber.PDF:
    """Open with pdfplumber, turning pdfminer's failures into our error types."""
    p = Path(path)
    try:
        pdf = pdfplumber.open(p)
        _ = len(pdf.pages)
        return pdf
    except Exception as e:  # pdfminer raises a zoo of types, often wrapped by pdfplumber
        raise classify_open_error(e, p.name) from None


def classify_open_error(e: BaseException, name: str) -> Exception:
    chain = []
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


def document_info(path: str | Path) -> tuple[int, dict]:
    """(page count, metadata) without parsing any page."""
    pdf = open_pdf(path)
    try:
        return len(pdf.pages), {k: _meta_str(v) for k, v in (pdf.metadata or {}).items()}
    finally:
        pdf.close()


_WORKER_PDFS: dict[str, object] = {}


def parse_pages(
    path: str | Path, numbers: Iterable[int], progress: Callable[[int], None] | None = None, keep_open: bool = False
) -> list[PageData]:
    """Parse some pages (1-based) into cleaned page data.

    In worker processes (`keep_open`), the opened PDF is kept for the worker's next chunk of
    pages, so fonts and their character maps are read once per worker, not once per chunk."""
    with paused_gc():
        return _parse_pages(Path(path), numbers, progress, keep_open)


@contextlib.contextmanager
def paused_gc():
    """pdfminer makes objects by the hundred thousand; the cyclic collector scanning them while a page is
    parsed costs a sixth of the time and frees next to nothing. Pages are closed as they are read."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _parse_pages(p: Path, numbers, progress, keep_open: bool) -> list[PageData]:
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
                out.append(page_to_data(page))
                page.close()
            except Exception as e:
                raise _page_error(e, p.name, n) from None
            if progress:
                progress(1)
    finally:
        if not keep_open:
            pdf.close()
    return out


def parse_chunk(path: str, numbers: list[int]) -> list[tuple]:
    """Worker entry point: a chunk of pages of one PDF, packed as plain tuples (quick to send back)."""
    return [pack_page(p) for p in parse_pages(path, numbers, keep_open=True)]


def close_kept() -> None:
    for pdf in _WORKER_PDFS.values():
        pdf.close()
    _WORKER_PDFS.clear()


def pack_page(p: PageData) -> tuple:
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


def unpack_pages(packed: list[tuple]) -> list[PageData]:
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
    info: tuple[int, dict] | None = None,
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
        metadata=metadata,
        pages=parse_pages(p, wanted, progress),
    )


def check_text_layer(doc: ParsedPdf) -> None:
    chars = sum(len(pg.chars) for pg in doc.pages)
    if chars < MIN_TEXT_CHARS:
        images = sum(pg.images for pg in doc.pages)
        why = f"the PDF has no text layer ({chars} characters on {doc.page_count} pages"
        why += f", {images} images): it looks scanned, so OCR is needed first" if images else ")"
        raise NoTextLayerError(why, file=Path(doc.path).name, expected="a PDF with selectable text")


def _page_error(e: Exception, name: str, page: int) -> Exception:
    err = classify_open_error(e, name)
    err.page = page
    return err


def _meta_str(v) -> str:
    if isinstance(v, bytes):
        for enc in ("utf-16", "utf-8", "latin-1"):
            try:
                return v.decode(enc)
            except UnicodeDecodeError:
                continue
    return str(v)


def page_to_data(page) -> PageData:
    """One pdfplumber page -> cleaned page data.

    Reads pdfplumber's layout objects (`page.layout`, pdfminer's LTPage) directly and turns
    their coordinates the way pdfplumber does (top-left origin, MediaBox offsets), skipping
    the general-purpose dictionaries of `page.chars` and `page.rects`: same data, less work."""
    width, height = float(page.width), float(page.height)
    mb_x0, mb_top = float(page.mediabox[0]), float(page.mediabox[1])
    data = PageData(number=page.page_number, width=width, height=height)
    chars, lines, rects, curves = [], [], [], []
    _walk(page.layout, chars, lines, rects, curves, data)

    def box(o):
        return o.x0 + mb_x0, (height - o.y1) + mb_top, o.x1 + mb_x0, (height - o.y0) + mb_top

    data.chars = chars_from_layout(chars, box)
    for ln in lines:
        if _visible(ln.stroking_color):
            seg = _segment(*box(ln))
            if seg:
                data.segs.append(seg)
    area = width * height
    for r in rects:
        x0, top, x1, bottom = box(r)
        _rect_to_graphics(
            {
                "x0": x0,
                "top": top,
                "x1": x1,
                "bottom": bottom,
                "fill": r.fill,
                "stroke": r.stroke,
                "non_stroking_color": r.non_stroking_color,
                "stroking_color": r.stroking_color,
            },
            data,
            area,
        )
    for c in curves:
        x0, top, x1, bottom = box(c)
        _curve_to_graphics(
            {
                "x0": x0,
                "top": top,
                "x1": x1,
                "bottom": bottom,
                "fill": c.fill,
                "stroke": c.stroke,
                "non_stroking_color": c.non_stroking_color,
                "stroking_color": c.stroking_color,
                "pts": c.pts,
            },
            data,
            area,
        )
    for h in page.hyperlinks:
        uri = h.get("uri")
        if uri:
            data.links.append(
                Link(uri=str(uri), x0=float(h["x0"]), top=float(h["top"]), x1=float(h["x1"]), bottom=float(h["bottom"]))
            )
    return data


def _walk(container, chars, lines, rects, curves, data) -> None:
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


def chars_from_layout(raw_chars: list, box) -> list[Char]:
    """pdfminer's LTChars -> cleaned `Char`s: ideographs unified, doubled copies dropped (marking bold)."""
    fonts: dict = {}
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
    return dedupe_doubled(chars)


def _segment(x0, top, x1, bottom) -> Seg | None:
    w, h = x1 - x0, bottom - top
    if w < 1 and h < 1:
        return None
    if h <= THIN and w > h:
        y = (top + bottom) / 2
        return Seg("h", float(x0), y, float(x1), y)
    if w <= THIN and h > w:
        x = (x0 + x1) / 2
        return Seg("v", x, float(top), x, float(bottom))
    return None


def _rect_to_graphics(r: dict, data: PageData, page_area: float) -> None:
    x0, top, x1, bottom = float(r["x0"]), float(r["top"]), float(r["x1"]), float(r["bottom"])
    w, h = x1 - x0, bottom - top
    fill_color = r.get("non_stroking_color") if r.get("fill") else None
    stroke_color = r.get("stroking_color") if r.get("stroke") else None
    if w <= THIN or h <= THIN:
        if _visible(fill_color) or _visible(stroke_color):
            seg = _segment(x0, top, x1, bottom)
            if seg:
                data.segs.append(seg)
        return
    if _visible(fill_color) and w * h < 0.9 * page_area:
        data.fills.append(Fill(x0, top, x1, bottom, _color_str(fill_color)))
    if _visible(stroke_color):
        data.segs.extend(
            [
                Seg("h", x0, top, x1, top),
                Seg("h", x0, bottom, x1, bottom),
                Seg("v", x0, top, x0, bottom),
                Seg("v", x1, top, x1, bottom),
            ]
        )


def _curve_to_graphics(c: dict, data: PageData, page_area: float) -> None:
    x0, top, x1, bottom = float(c["x0"]), float(c["top"]), float(c["x1"]), float(c["bottom"])
    w, h = x1 - x0, bottom - top
    if w < 20 or h < 10:
        return
    if c.get("fill") and _visible(c.get("non_stroking_color")) and w * h < 0.9 * page_area:
        data.fills.append(Fill(x0, top, x1, bottom, _color_str(c.get("non_stroking_color"))))
    elif c.get("stroke") and _visible(c.get("stroking_color")):
        pts = c.get("pts") or []
        closed = len(pts) > 3 and abs(pts[0][0] - pts[-1][0]) < 3 and abs(pts[0][1] - pts[-1][1]) < 3
        if closed:  # a rounded or drawn frame: its bounding box is the box
            data.segs.extend(
                [
                    Seg("h", x0, top, x1, top),
                    Seg("h", x0, bottom, x1, bottom),
                    Seg("v", x0, top, x0, bottom),
                    Seg("v", x1, top, x1, bottom),
                ]
            )


def _visible(color) -> bool:
    """False for no colour and for white; true for anything else (patterns included)."""
    if color is None:
        return False
    if isinstance(color, (int, float)):
        color = (color,)
    if not isinstance(color, (tuple, list)) or not color:
        return True
    try:
        vals = [float(v) for v in color]
    except (TypeError, ValueError):
        return True
    if len(vals) == 1:
        return vals[0] < 0.98
    if len(vals) == 3:
        return min(vals) < 0.98
    if len(vals) == 4:
        return max(vals) > 0.02
    return True


def _color_str(color) -> str:
    if isinstance(color, (tuple, list)):
        return ",".join(f"{float(v):.3g}" if isinstance(v, (int, float)) else str(v) for v in color)
    return str(color)

"""The pdfium ingest engine: the same page data as the pdfplumber engine, read with pypdfium2 (and pikepdf).

pdfium parses the page's content (text objects, paths, images, shadings, clip paths) and lays its characters
out in a text page; pikepdf reads the few things of the document's structure the content does not carry the
way pdfminer reads them: the font descriptors (a character's box is the font's descent plus its size, as
pdfminer makes it, and its font name is the descriptor's FontName), the page boxes and rotation, the link
annotations and the document's metadata. Coordinates are pdfplumber's: points from the top-left corner of the
displayed (rotated) page.

pdfium's text page is made for selecting text, not for reading every glyph: it leaves out text objects whose
glyphs have no extent (a space in a text object of its own), text objects that repeat the one before at
almost the same place (fake bold), characters that repeat one a fraction of a point away, the second of two
spaces in a row, and it replaces text under an /ActualText mark with that text. Before the text page is
built, text objects without extent are given one (a hair-thin stroke) and /ActualText marks are removed, so
their characters come out as drawn; a text object pdfium drops as a repeat is put back as a copy of the
one it repeats, shifted to where it was drawn (the fake-bold copy that `dedupe_doubled` then folds into
bold). Characters come back in content-stream order (pdfium orders a line's text objects left to right).

Characters not drawn are left out as `visibility.py` does for pdfminer: in render mode 3 or 7, with their
centre outside the clip they are drawn under, or white on white (the last filled shape, image or shading
drawn under their centre, else the page).
"""

from __future__ import annotations

import ctypes
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as R

from pipeline.pdf.model import Link, PageData
from pipeline.pdf.visibility import EMPTY, FILL_MODES, HIDDEN_MODES, STROKE_MODES, Rect, inside, intersect, painted

if TYPE_CHECKING:
    from pipeline.pdf.ingest import IngestSettings

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
EVERYWHERE: Rect = (-math.inf, -math.inf, math.inf, math.inf)
THIN_STROKE = 0.05  # the stroke given to a text object without extent, so that the text page keeps it (pt)


def snap(v: float) -> float:
    """A single-precision value from pdfium back to the decimal it most likely was (four places)."""
    return round(v, 4)


def mult(m1: Matrix, m0: Matrix) -> Matrix:
    """m1 then m0 (pdfminer's `mult_matrix`)."""
    a1, b1, c1, d1, e1, f1 = m1
    a0, b0, c0, d0, e0, f0 = m0
    return (
        a0 * a1 + c0 * b1,
        b0 * a1 + d0 * b1,
        a0 * c1 + c0 * d1,
        b0 * c1 + d0 * d1,
        a0 * e1 + c0 * f1 + e0,
        b0 * e1 + d0 * f1 + f0,
    )


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = m
    return a * x + c * y + e, b * x + d * y + f


def box_of(pts: list[tuple[float, float]]) -> Rect:
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


# ---------------------------------------------------------------- the document


@dataclass(frozen=True, slots=True)
class Font:
    name: str  # as pdfminer names it: the descriptor's FontName
    descent: float  # the descriptor's Descent / 1000, never positive (pdfminer's `get_descent`)


@dataclass
class PdfiumDocument:
    """An open PDF: pdfium for the pages' content, pikepdf for the document's structure."""

    path: Path
    pdf: Any
    pike: Any
    fonts: dict[int, dict[bytes, Font]] = field(default_factory=dict)  # page -> base name (no subset) -> font
    widths: dict[tuple[int, int], float] = field(default_factory=dict)  # (font, character) -> width

    engine = "pdfium"

    @classmethod
    def open(cls, path: str | Path) -> PdfiumDocument:
        p = Path(path)
        pdf = pdfium.PdfDocument(str(p))
        try:
            pike = pikepdf.open(p)
        except Exception:
            pdf.close()
            raise
        doc = cls(p, pdf, pike)
        if not len(pdf) or len(pdf) != len(pike.pages):
            doc.close()
            raise ValueError(f"no pages found (pdfium sees {len(pdf)}, pikepdf {len(pike.pages)})")
        return doc

    @property
    def page_count(self) -> int:
        return len(self.pdf)

    @property
    def metadata(self) -> dict[str, str]:
        out = {}
        try:
            info = self.pike.trailer.get("/Info")
            items = list(info.items()) if info is not None else []
        except Exception:
            items = []
        for k, v in items:
            text = _pike_text(v)
            if text is not None:
                out[str(k)[1:]] = text
        return out

    def close(self) -> None:
        self.pdf.close()
        self.pike.close()

    def page(self, number: int, cfg: IngestSettings) -> PageData:
        page = self.pdf[number - 1]
        try:
            return PageReader(self, page, number, cfg).read()
        finally:
            page.close()

    def width(self, font: Any, u: int) -> float:
        """The width (thousandths of the font size) of the character code `font` maps to Unicode `u`; 0: none."""
        key = (_addr(font), u)
        w = self.widths.get(key)
        if w is None:
            out = ctypes.c_float()
            ok = R.FPDFFont_GetGlyphWidth(font, u, ctypes.c_float(1000.0), out)
            w = self.widths[key] = snap(out.value) if ok else 0.0
        return w

    def font(self, handle: Any, number: int) -> Font:
        """The font of a text object on page `number`, as pdfminer reads it: found among the page's fonts by
        its base name (pdfium names no Type 3 font: the page's Type 3 fonts, when they all agree)."""
        key = _font_key(handle)
        fonts = self.fonts.get(number)
        if fonts is None:
            fonts = self.fonts[number] = {}
            self._scan_fonts(self.pike.pages[number - 1].obj, fonts)
        if not key:  # a Type 3 font: pdfium names none; told apart by the descriptor's flags and weight
            key = b"\0type3 %d %d" % (R.FPDFFont_GetFlags(handle), R.FPDFFont_GetWeight(handle))
        f = fonts.get(key)
        if f is None and key.startswith(b"\0type3"):  # no descriptor in pdfium: the page's commonest Type 3 font
            kinds = Counter(v for k, v in fonts.items() if k.startswith(b"\0type3"))
            f = kinds.most_common(1)[0][0] if kinds else None
        if f is None:  # not found in the page's resources: what pdfium knows of it
            d = ctypes.c_float()
            R.FPDFFont_GetDescent(handle, ctypes.c_float(1000.0), d)
            f = fonts[key] = Font(_decode_name(key), -abs(d.value) / 1000)
        return f

    def _scan_fonts(self, holder: Any, fonts: dict[bytes, Font], depth: int = 0) -> None:
        try:
            res = holder.get("/Resources")
            found = res.get("/Font") if res is not None else None
            for _, fd in found.items() if found is not None else ():
                if fd.get("/Subtype") == pikepdf.Name.Type3:
                    fonts[_type3_key(fd) + b" %d" % len(fonts)] = _pike_font(fd)
                    continue
                base = fd.get("/BaseFont")
                key = _SUBSET.sub(b"", bytes(base)[1:]) if isinstance(base, pikepdf.Name) else b""
                if key and key not in fonts:
                    fonts[key] = _pike_font(fd)
                    enc = fd.get("/Encoding")
                    if fd.get("/Subtype") == pikepdf.Name.Type0 and isinstance(enc, pikepdf.Name):
                        fonts.setdefault(key.removesuffix(b"-" + bytes(enc)[1:]), fonts[key])
            xobjects = res.get("/XObject") if res is not None else None
            for _, xo in xobjects.items() if xobjects is not None and depth < 8 else ():
                if xo.get("/Subtype") == pikepdf.Name.Form:
                    self._scan_fonts(xo, fonts, depth + 1)
        except Exception:  # a broken resource dictionary: pdfium's metrics are used instead
            return


def _pike_text(v: Any) -> str | None:
    if isinstance(v, pikepdf.String):
        return str(v)
    if isinstance(v, pikepdf.Name):
        return str(v)[1:]
    if isinstance(v, int | float | bool):
        return str(v)
    return None


def _decode_name(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


_SUBSET = re.compile(rb"^[A-Z]{6}\+")


def _font_key(handle: Any) -> bytes:
    """The font's base name, without its subset prefix (as pdfium gives it)."""
    n = R.FPDFFont_GetBaseFontName(handle, None, 0)
    if n <= 1:
        return b""
    buf = ctypes.create_string_buffer(n)
    R.FPDFFont_GetBaseFontName(handle, buf, n)
    return _SUBSET.sub(b"", buf.raw[: n - 1])


def _pike_font(fd: Any) -> Font:
    """pdfminer's name and descent of a font dictionary."""
    desc = None
    sub = fd.get("/Subtype")
    if sub == pikepdf.Name.Type0:
        kids = fd.get("/DescendantFonts")
        if kids is not None and len(kids):
            desc = kids[0].get("/FontDescriptor")
    else:
        desc = fd.get("/FontDescriptor")
    base = fd.get("/BaseFont")
    if desc is None:  # a standard font: pdfminer names it from its metrics, as the base font
        return Font(_decode_name(bytes(base)[1:]) if base is not None else "unknown", 0.0)
    fname = desc.get("/FontName")
    name = _decode_name(bytes(fname)[1:]) if isinstance(fname, pikepdf.Name) else "unknown"
    if sub == pikepdf.Name.Type3:
        return Font(name, _type3_descent(fd, desc))
    try:
        descent = float(desc.get("/Descent", 0))
    except (TypeError, ValueError):
        descent = 0.0
    return Font(name, -abs(descent) / 1000)


def _type3_descent(fd: Any, desc: Any) -> float:
    """pdfminer's descent of a Type 3 font: its FontBBox's bottom (the descriptor's, when it has one) scaled by
    its FontMatrix."""
    try:
        bbox = desc.get("/FontBBox", [0, 0, 0, 0]) if desc is not None else fd.get("/FontBBox")
        m = [float(v) for v in fd.get("/FontMatrix")]
        return float(bbox[1]) * (m[1] + m[3])
    except Exception:
        return 0.0


def _type3_key(fd: Any) -> bytes:
    """What tells a Type 3 font from the page's others, as pdfium gives it: its descriptor's flags and weight."""
    desc = fd.get("/FontDescriptor")
    try:
        flags = int(desc.get("/Flags", 0)) if desc is not None else 0
        weight = int(desc.get("/FontWeight", 0)) if desc is not None else 0
    except (TypeError, ValueError):
        flags = weight = 0
    return b"\0type3 %d %d" % (flags, weight)


# ---------------------------------------------------------------- one page


@dataclass(slots=True)
class TextObj:
    seq: int  # drawing order on the page
    handle: Any
    mode: int  # text render mode
    clip: Rect | None  # in page (pdfplumber) coordinates
    white: bool  # every colour it is painted in is white
    matrix: Matrix  # to page (pdfplumber) coordinates: the text object's own, its forms', the page's
    font: Any
    size: float
    pos: tuple[float, float]  # its origin, in PDF user space (as pdfium gives character origins)
    holder: int  # the page or form it is drawn in (for the repeats pdfium drops)
    index: int  # its place in that holder
    chars: list[RawChar] = field(default_factory=list)


@dataclass(slots=True)
class RawChar:
    text: str
    ox: float  # origin, PDF user space
    oy: float
    width: float  # advance, in text space x the font size (pdfminer's `adv`)


class PageReader:
    """Reads one pdfium page into `PageData`."""

    def __init__(self, doc: PdfiumDocument, page: Any, number: int, cfg: IngestSettings):
        self.doc, self.page, self.raw, self.number, self.cfg = doc, page, page.raw, number, cfg
        self.white_level = cfg.white_level
        self.rotation = (R.FPDFPage_GetRotation(self.raw) % 4) * 90
        mb = _mediabox(doc.pike.pages[number - 1])
        self.setup_geometry(mb)
        self.texts: list[TextObj] = []
        self.by_handle: dict[int, TextObj] = {}
        self.backdrops: list[tuple[int, Rect, bool]] = []  # (seq, box, white), in drawing order
        self.shapes: list[tuple[str, Any]] = []  # ("line" | "rect" | "curve", data) for the graphics
        self.images = 0
        self.seq = 0
        self.hidden: Counter[str] = Counter()

    def setup_geometry(self, mb: tuple[float, float, float, float]) -> None:
        """pdfminer's device space for the rotation, then pdfplumber's top-left coordinates."""
        x0, y0, x1, y1 = mb
        r = self.rotation
        if r == 90:
            self.ctm: Matrix = (0, -1, 1, 0, -y0, x1)
        elif r == 180:
            self.ctm = (-1, 0, 0, -1, x1, y1)
        elif r == 270:
            self.ctm = (0, 1, -1, 0, y1, -x0)
        else:
            self.ctm = (1, 0, 0, 1, -x0, -y0)
        nx0, nx1 = sorted((x0, x1))
        ny0, ny1 = sorted((y0, y1))
        norm = (ny0, nx0, ny1, nx1) if r in (90, 270) else (nx0, ny0, nx1, ny1)
        mb_height = norm[3] - norm[1]
        self.mb_x0, self.mb_top = norm[0], mb_height - norm[3]
        self.width, self.height = norm[2] - norm[0], norm[3] - norm[1]

    def to_page(self, x: float, y: float) -> tuple[float, float]:
        """PDF user space -> pdfplumber's (x, top)."""
        a, b, c, d, e, f = self.ctm
        dx, dy = a * x + c * y + e, b * x + d * y + f
        return dx + self.mb_x0, (self.height - dy) + self.mb_top

    def rect_to_page(self, r: Rect) -> Rect:
        """A box in PDF user space -> (x0, top, x1, bottom)."""
        p = [self.to_page(r[0], r[1]), self.to_page(r[2], r[3])]
        return box_of(p)

    # ------------------------------------------------------------ reading

    def read(self) -> PageData:
        data = PageData(number=self.number, width=float(self.width), height=float(self.height))
        self.walk(lambda i: R.FPDFPage_GetObject(self.raw, i), R.FPDFPage_CountObjects(self.raw), IDENTITY, None, 0)
        data.images = self.images
        self.prepare_text_page()
        self.read_text_page()
        self.restore_repeats()
        data.chars = self.chars()
        if self.hidden:
            from pipeline.pdf.ingest import log

            why = ", ".join(f"{k} {v}" for k, v in sorted(self.hidden.items()))
            log.debug("page %d: %d invisible characters dropped (%s)", self.number, self.hidden.total(), why)
        self.graphics(data)
        data.links = self.links()
        return data

    def walk(self, get: Any, count: int, form: Matrix, outer_clip: Rect | None, holder: int) -> None:
        """Every object of the page (or a form XObject's content, `form` mapping it to user space), in order."""
        for i in range(count):
            obj = get(i)
            kind = R.FPDFPageObj_GetType(obj)
            self.seq += 1
            if kind == R.FPDF_PAGEOBJ_FORM:
                m = mult(_matrix(obj), form)
                clip = self.clip_of(obj, form, outer_clip)
                self.walk(lambda j, o=obj: R.FPDFFormObj_GetObject(o, j), R.FPDFFormObj_CountObjects(obj), m, clip,
                          self.seq)  # fmt: skip
            elif kind == R.FPDF_PAGEOBJ_TEXT:
                self.add_text(obj, form, self.clip_of(obj, form, outer_clip), holder, i)
            elif kind == R.FPDF_PAGEOBJ_PATH:
                self.add_path(obj, form, outer_clip)
            elif kind == R.FPDF_PAGEOBJ_IMAGE:
                self.images += 1
                m = mult(_matrix(obj), form)
                box = self.rect_to_page(box_of([apply(m, x, y) for x, y in ((0, 0), (1, 0), (0, 1), (1, 1))]))
                self.add_backdrop(box, False, self.clip_of(obj, form, outer_clip))
            elif kind == R.FPDF_PAGEOBJ_SHADING:
                clip = self.clip_of(obj, form, outer_clip)
                self.add_backdrop(EVERYWHERE if clip is None else clip, False, None)

    def clip_of(self, obj: Any, form: Matrix, outer: Rect | None) -> Rect | None:
        """The object's clip (the intersection of its clip paths' boxes) in page coordinates, cut by `outer`."""
        clip = outer
        cp = R.FPDFPageObj_GetClipPath(obj)
        if not cp:
            return clip
        x, y = ctypes.c_float(), ctypes.c_float()
        for p in range(R.FPDFClipPath_CountPaths(cp)):
            pts = []
            for s in range(R.FPDFClipPath_CountPathSegments(cp, p)):
                seg = R.FPDFClipPath_GetPathSegment(cp, p, s)
                if seg and R.FPDFPathSegment_GetPoint(seg, x, y):
                    pts.append(self.to_page(*apply(form, snap(x.value), snap(y.value))))
            if pts:
                clip = intersect(box_of(pts), clip)
        return clip

    def add_backdrop(self, box: Rect, white: bool, clip: Rect | None) -> None:
        box = intersect(box, clip)
        if box is not EMPTY:
            self.backdrops.append((self.seq, box, white))

    def is_white(self, color: tuple[float, ...] | None) -> bool:
        return not painted(color, self.white_level)

    def add_text(self, obj: Any, form: Matrix, clip: Rect | None, holder: int, index: int) -> None:
        mode = R.FPDFTextObj_GetTextRenderMode(obj)
        white = self.is_white(_color(obj, R.FPDFPageObj_GetFillColor)) if mode in FILL_MODES else True
        if mode in STROKE_MODES:
            white = white and self.is_white(_color(obj, R.FPDFPageObj_GetStrokeColor))
        size = ctypes.c_float()
        R.FPDFTextObj_GetFontSize(obj, size)
        m = mult(_matrix(obj), form)
        t = TextObj(self.seq, obj, mode, clip, white, m, R.FPDFTextObj_GetFont(obj), size.value,
                    apply(form, *_matrix(obj)[4:]), holder, index)  # fmt: skip
        self.texts.append(t)
        self.by_handle[_addr(obj)] = t

    def prepare_text_page(self) -> None:
        """Give text objects without extent a hair of one, and drop /ActualText marks, so pdfium lays out
        every character they draw (see the module's doc)."""
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        for t in self.texts:
            o = t.handle
            _drop_actual_text(o)
            if R.FPDFPageObj_GetBounds(o, left, bottom, right, top) and abs(right.value - left.value) < 0.01:
                R.FPDFTextObj_SetTextRenderMode(o, R.FPDF_TEXTRENDERMODE_STROKE)
                R.FPDFPageObj_SetStrokeWidth(o, ctypes.c_float(THIN_STROKE))
                R.FPDFPageObj_Transform(o, 1, 0, 0, 1, 0, 0)  # recomputes its bounds

    def read_text_page(self) -> None:
        tp = R.FPDFText_LoadPage(self.raw)
        try:
            n = R.FPDFText_CountChars(tp)
            ox, oy = ctypes.c_double(), ctypes.c_double()
            rect = R.FS_RECTF()
            last: RawChar | None = None
            last_obj: TextObj | None = None
            for i in range(n):
                if R.FPDFText_IsGenerated(tp, i):
                    continue
                u = R.FPDFText_GetUnicode(tp, i)
                if R.FPDFText_IsHyphen(tp, i):
                    u = 0x2D
                if not u:
                    continue
                t = self.by_handle.get(_text_object_at(tp, i) or 0)
                if t is None:
                    continue
                R.FPDFText_GetCharOrigin(tp, i, ox, oy)
                x, y = snap(ox.value), snap(oy.value)
                if last is not None and last_obj is t and last.ox == x and last.oy == y:
                    last.text += chr(u)  # one glyph mapped to several characters
                    continue
                last, last_obj = RawChar(chr(u), x, y, self.advance(tp, i, t, u, rect)), t
                t.chars.append(last)
        finally:
            R.FPDFText_ClosePage(tp)

    def advance(self, tp: Any, i: int, t: TextObj, u: int, rect: Any) -> float:
        """The character's advance in text space (its width in the font x the font size, as pdfminer's `adv`):
        the font's width of the character code pdfium maps the character back to; else the loose box's width."""
        w = self.doc.width(t.font, u)
        if w > 0:
            return w * t.size / 1000
        R.FPDFText_GetLooseCharBox(tp, i, rect)
        a, b = t.matrix[0], t.matrix[1]
        scale = math.hypot(a, b) or 1.0
        extent = rect.right - rect.left if abs(a) >= abs(b) else rect.top - rect.bottom
        return snap(abs(extent)) / scale

    def restore_repeats(self) -> None:
        """Put back the text objects pdfium dropped as repeats of one drawn just before (fake bold)."""
        for k, t in enumerate(self.texts):
            if t.chars:
                continue
            for j in range(k - 1, max(-1, k - 12), -1):
                s = self.texts[j]
                if s.holder != t.holder or not s.chars:
                    continue
                dx, dy = t.pos[0] - s.pos[0], t.pos[1] - s.pos[1]
                near = math.hypot(*t.matrix[:2]) * t.size * self.cfg.repeat_near
                if _addr(s.font) == _addr(t.font) and s.size == t.size and abs(dx) <= near and abs(dy) <= near / 2:
                    t.chars = [RawChar(c.text, snap(c.ox + dx), snap(c.oy + dy), c.width) for c in s.chars]
                    break

    def chars(self) -> list[Any]:
        from pipeline.pdf.ingest import make_chars

        raw = []
        for t in self.texts:
            if not t.chars:
                continue
            font = self.doc.font(t.font, self.number)
            fs = t.size
            a, b, c, d = t.matrix[:4]
            lo, hi = font.descent * fs, font.descent * fs + fs
            up = self.upright(a, b, c, d)
            plain = b == 0 and c == 0 and self.rotation == 0 and a > 0 and d > 0
            for ch in t.chars:
                # pdfminer's box: (0, descent) to (adv, descent + size) in text space, through the char's matrix
                if plain:  # the common case, without the general corners
                    x0, y_lo = self.to_page(ch.ox, d * lo + ch.oy)
                    x1, y_hi = self.to_page(a * ch.width + ch.ox, d * hi + ch.oy)
                    top, bottom = y_hi, y_lo
                else:
                    m = (a, b, c, d, ch.ox, ch.oy)
                    corners = ((0, lo), (0, hi), (ch.width, lo), (ch.width, hi))
                    x0, top, x1, bottom = box_of([self.to_page(*apply(m, u, v)) for u, v in corners])
                why = self.why_hidden(t, (x0 + x1) / 2, (top + bottom) / 2)
                if why:
                    self.hidden[why] += 1
                    continue
                raw.append((ch.text, font.name, bottom - top, x0, top, x1, bottom, up))
        return make_chars(raw, self.cfg)

    def upright(self, a: float, b: float, c: float, d: float) -> bool:
        ra, rb, rc, rd = self.ctm[:4]
        a2, b2, c2, d2 = a * ra + b * rc, a * rb + b * rd, c * ra + d * rc, c * rb + d * rd
        return a2 * d2 > 0 and b2 * c2 <= 0

    def why_hidden(self, t: TextObj, x: float, y: float) -> str | None:
        if t.mode in HIDDEN_MODES:
            return "render"
        if t.clip is not None and not inside(x, y, t.clip, self.cfg.clip_slack):
            return "clipped"
        if t.white and self.white_under(x, y, t.seq):
            return "white"
        return None

    def white_under(self, x: float, y: float, seq: int) -> bool:
        for s, box, white in reversed(self.backdrops):
            if s < seq and inside(x, y, box):
                return white
        return True

    # ------------------------------------------------------------ graphics

    def add_path(self, obj: Any, form: Matrix, outer_clip: Rect | None) -> None:
        fillmode, stroke = ctypes.c_int(), ctypes.c_int()
        R.FPDFPath_GetDrawMode(obj, fillmode, stroke)
        fill, stroked = fillmode.value != 0, bool(stroke.value)
        if not fill and not stroked:
            return
        m = mult(_matrix(obj), form)
        fc = _color(obj, R.FPDFPageObj_GetFillColor)
        sc = _color(obj, R.FPDFPageObj_GetStrokeColor)
        clip = self.clip_of(obj, form, outer_clip) if fill else None
        for shape, pts in _subpaths(obj):
            kind, dev = _classify(shape, [self.to_page(*apply(m, x, y)) for x, y in pts])
            self.shapes.append((kind, (dev, fc if fill else None, sc if stroked else None, sc)))
            if fill:
                self.add_backdrop(box_of(dev), self.is_white(fc), clip)

    def graphics(self, data: PageData) -> None:
        from pipeline.pdf.ingest import Shape, curve_to_graphics, line_to_graphics, rect_to_graphics

        for kind, (pts, fill, stroke, line_color) in self.shapes:
            x0, top, x1, bottom = box_of(pts)
            if kind == "line":
                line_to_graphics(x0, top, x1, bottom, line_color, data, self.cfg)
            elif kind == "rect":
                rect_to_graphics(Shape(x0, top, x1, bottom, fill, stroke, pts), data, self.cfg)
            else:
                curve_to_graphics(Shape(x0, top, x1, bottom, fill, stroke, pts), data, self.cfg)

    def links(self) -> list[Link]:
        """The page's link annotations with a URI, as pdfplumber's `hyperlinks` gives them."""
        out: list[Link] = []
        try:
            annots = self.doc.pike.pages[self.number - 1].obj.get("/Annots")
            items = list(annots) if annots is not None else []
        except Exception:
            return out
        for annot in items:
            try:
                action = annot.get("/A")
                uri = action.get("/URI") if action is not None else None
                rect = [float(v) for v in annot.get("/Rect")]
            except Exception:
                continue
            text = _uri_text(uri)
            if not text:
                continue
            x0, top, x1, bottom = self.annot_box(rect)
            out.append(Link(uri=text, x0=x0, top=top, x1=x1, bottom=bottom))
        return out

    def annot_box(self, rect: list[float]) -> Rect:
        """pdfplumber's annotation box: the Rect turned with the page, flipped (not offset by the MediaBox)."""

        def turn(x: float, y: float) -> tuple[float, float]:
            turns = self.rotation // 90
            for i in range(turns):
                comp = self.width if i == turns % 2 else self.height
                x, y = y, comp - x
            return x, y

        a, b = turn(rect[0], rect[1])
        c, d = turn(rect[2], rect[3])
        x0, x1 = sorted((a, c))
        y0, y1 = sorted((b, d))
        return x0, self.height - y1, x1, self.height - y0


def _uri_text(uri: Any) -> str | None:
    if uri is None:
        return None
    raw = bytes(uri) if isinstance(uri, pikepdf.String) else str(uri).encode()
    for enc in ("utf-8", "utf-16"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def _mediabox(page: Any) -> tuple[float, float, float, float]:
    """The page's MediaBox (inherited), as pdfminer reads it; US Letter when it has none or a broken one."""
    node, depth = page.obj, 0
    while node is not None and depth < 32:
        box = node.get("/MediaBox")
        if box is not None:
            try:
                x0, y0, x1, y1 = (float(v) for v in box)
                return x0, y0, x1, y1
            except (TypeError, ValueError):
                break
        node, depth = node.get("/Parent"), depth + 1
    return 0.0, 0.0, 612.0, 792.0


def _addr(handle: Any) -> int:
    return ctypes.cast(handle, ctypes.c_void_p).value or 0


# the text object of a character, as an address (pypdfium2's binding returns a pointer object to cast)
_TEXT_OBJECT = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int)
_text_object_at = ctypes.cast(R.FPDFText_GetTextObject, _TEXT_OBJECT)


def _matrix(obj: Any) -> Matrix:
    """An object's matrix: its scale and rotation as pdfium has them, its translation snapped (`snap`)."""
    m = R.FS_MATRIX()
    if not R.FPDFPageObj_GetMatrix(obj, m):
        return IDENTITY
    return m.a, m.b, m.c, m.d, snap(m.e), snap(m.f)


def _color(obj: Any, get: Any) -> tuple[float, ...] | None:
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not get(obj, r, g, b, a):
        return None
    return r.value / 255, g.value / 255, b.value / 255


def _drop_actual_text(obj: Any) -> None:
    for k in range(R.FPDFPageObj_CountMarks(obj) - 1, -1, -1):
        mark = R.FPDFPageObj_GetMark(obj, k)
        if not mark:
            continue
        n = ctypes.c_ulong()
        if R.FPDFPageObjMark_GetParamStringValue(mark, b"ActualText", None, 0, n):
            R.FPDFPageObj_RemoveMark(obj, mark)


def _subpaths(obj: Any) -> Iterator[tuple[str, list[tuple[float, float]]]]:
    """The path's subpaths as pdfminer sees them: the operators (`m`, `l`, `c`, `h`) and their end points
    (a closing `h` at the subpath's start), in the path's own space."""
    shape: list[str] = []
    pts: list[tuple[float, float]] = []
    bezier = 0
    for pt, kind, close in _segments(obj):
        if kind == R.FPDF_SEGMENT_MOVETO:
            if len(shape) > 1:
                yield "".join(shape), pts
            shape, pts, bezier = ["m"], [pt], 0
            continue
        if not shape:
            continue
        if kind == R.FPDF_SEGMENT_BEZIERTO:
            bezier += 1
            if bezier < 3:
                continue
            bezier = 0
            shape.append("c")
            pts.append(pt)
        elif close and pt == pts[0]:
            shape.append("h")
            pts.append(pts[0])
            continue
        else:
            shape.append("l")
            pts.append(pt)
        if close:
            shape.append("h")
            pts.append(pts[0])
    if len(shape) > 1:
        yield "".join(shape), pts


def _segments(obj: Any) -> Iterator[tuple[tuple[float, float], int, bool]]:
    """A path's points: (point, segment type, closes the subpath)."""
    x, y = ctypes.c_float(), ctypes.c_float()
    for i in range(R.FPDFPath_CountSegments(obj)):
        seg = R.FPDFPath_GetPathSegment(obj, i)
        if seg and R.FPDFPathSegment_GetPoint(seg, x, y):
            yield (snap(x.value), snap(y.value)), R.FPDFPathSegment_GetType(seg), bool(R.FPDFPathSegment_GetClose(seg))


def _classify(shape: str, pts: list[tuple[float, float]]) -> tuple[str, list[tuple[float, float]]]:
    """pdfminer's `paint_path`: a subpath is a line, an axis-aligned rectangle or a curve (its points)."""
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts = pts[:-1]
    if shape in ("mlh", "ml"):
        return "line", pts[:2]
    if shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        closed = pts[0] == pts[4]
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
        if closed and square:
            return "rect", [pts[0], pts[2]]
    return "curve", pts

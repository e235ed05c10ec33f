"""Which characters of the text layer are drawn on the page.

A text layer can hold characters nobody sees: text objects outside the clip they are shown
under (WPS draws each table cell's text inside a clip rectangle and leaves stray text outside
it), text in render mode 3 (invisible, as OCR layers are) or 7 (added to the clip only), and
white text on a white page. pdfminer tracks none of the clip and does not act on the render
mode, so the page's layout is built here with an interpreter that does: it keeps the clip (the
intersection of the bounding boxes of the clip paths, in device space, saved and restored with
`q`/`Q` and passed into form XObjects, cut by their BBox) and tells the device the clip, render
mode and colours of each string shown. The device is pdfplumber's own (so the layout is the one `page.layout`
gives) but drops each character that is not drawn, counting why:

- `clipped`: its centre lies outside the clip (by more than a slack, the drawing's precision);
- `render`: render mode 3 or 7;
- `white`: every colour it is painted in is white, and so is what lies under its centre: the last
  filled shape, image or shading drawn before it there (clipped like the character), or else the page.

Text painted white on a dark band (a title bar, a shaded header) is drawn and kept. Clipping to
the glyph outlines of render modes 4-6 is not followed (it clips later drawings, not the text itself).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pdfminer.layout import LTComponent, LTPage
from pdfminer.pdfcolor import PDFColorSpace
from pdfminer.pdffont import PDFFont
from pdfminer.pdfinterp import PDFGraphicState, PDFPageInterpreter, PDFResourceManager
from pdfminer.pdftypes import list_value, stream_value
from pdfminer.psparser import literal_name
from pdfminer.utils import Matrix, PathSegment, apply_matrix_pt, mult_matrix
from pdfplumber.page import PDFPageAggregatorWithMarkedContent

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in device space

EMPTY: Rect = (math.inf, math.inf, -math.inf, -math.inf)  # a clip nothing shows through
HIDDEN_MODES = (3, 7)  # text render modes that paint nothing: invisible, clip only
FILL_MODES = (0, 2, 4, 6)  # render modes that fill the glyphs
STROKE_MODES = (1, 2, 5, 6)  # render modes that stroke them


def painted(color: Any, white: float) -> bool:
    """False for no colour and for white (grey or RGB components all at least `white`, CMYK inks all at most
    1 - `white`); true for anything else (patterns included)."""
    if color is None:
        return False
    if isinstance(color, int | float):
        color = (color,)
    if not isinstance(color, tuple | list) or not color:
        return True
    try:
        vals = [float(v) for v in color]
    except (TypeError, ValueError):
        return True
    if len(vals) == 1:
        return vals[0] < white
    if len(vals) == 3:
        return min(vals) < white
    if len(vals) == 4:
        return max(vals) > 1 - white
    return True


def intersect(a: Rect, b: Rect | None) -> Rect:
    """The intersection of two rectangles (`b` None: no clip); EMPTY when they do not meet."""
    if b is None:
        return a
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    return (x0, y0, x1, y1) if x0 <= x1 and y0 <= y1 else EMPTY


def inside(x: float, y: float, r: Rect, slack: float = 0.0) -> bool:
    return r[0] - slack <= x <= r[2] + slack and r[1] - slack <= y <= r[3] + slack


def path_box(path: Sequence[PathSegment], ctm: Matrix) -> Rect | None:
    """The device-space bounding box of a path (its control points included), None for an empty path."""
    pts = []
    for seg in path:
        coords = seg[1:]
        for i in range(0, len(coords) - 1, 2):
            pts.append(apply_matrix_pt(ctm, (float(coords[i]), float(coords[i + 1]))))
    if not pts:
        return None
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


class VisibleTextDevice(PDFPageAggregatorWithMarkedContent):
    """pdfplumber's layout device, dropping the characters that are not drawn (counted by reason in `hidden`)."""

    def __init__(
        self, rsrcmgr: PDFResourceManager, pageno: int, laparams: Any, white_level: float, clip_slack: float
    ) -> None:
        super().__init__(rsrcmgr, pageno=pageno, laparams=laparams)
        self.white_level = white_level
        self.clip_slack = clip_slack
        self.clip: Rect | None = None  # set by the interpreter
        self.render_hidden = False  # is the string being shown in a render mode that paints nothing?
        self.text_white = False  # is every colour it is painted in white?
        self.whites: dict[Any, bool] = {}
        self.backdrops: list[tuple[Rect, bool]] = []  # filled areas in drawing order: (box, white)
        self.hidden: Counter[str] = Counter()

    def render_char(
        self,
        matrix: Matrix,
        font: PDFFont,
        fontsize: float,
        scaling: float,
        rise: float,
        cid: int,
        ncs: PDFColorSpace,
        graphicstate: PDFGraphicState,
    ) -> float:
        adv: float = super().render_char(matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate)
        objs = self.cur_item._objs
        why = self.why_hidden(objs[-1])
        if why:
            objs.pop()
            self.hidden[why] += 1
        return adv

    def begin_string(self, render: int, gs: PDFGraphicState) -> None:
        """The interpreter shows a string in render mode `render` and graphics state `gs`."""
        self.render_hidden = render in HIDDEN_MODES
        self.text_white = self.is_white(gs.ncolor) if render in FILL_MODES else True
        if render in STROKE_MODES:
            self.text_white = self.text_white and self.is_white(gs.scolor)

    def is_white(self, color: Any) -> bool:
        try:
            return self.whites[color]
        except KeyError:
            white = self.whites[color] = not painted(color, self.white_level)
            return white
        except TypeError:  # an unhashable colour
            return not painted(color, self.white_level)

    def why_hidden(self, ch: LTComponent) -> str | None:
        """Why a character of the current string is not drawn (`render`, `clipped`, `white`), None when it is."""
        if self.render_hidden:
            return "render"
        clip = self.clip
        if clip is None and not self.text_white:
            return None
        x, y = (ch.x0 + ch.x1) / 2, (ch.y0 + ch.y1) / 2
        if clip is not None and not inside(x, y, clip, self.clip_slack):
            return "clipped"
        if self.text_white and self.white_under(x, y):
            return "white"
        return None

    def white_under(self, x: float, y: float) -> bool:
        """Is the topmost filled area under (x, y) white (or is there none: the page)?"""
        for box, white in reversed(self.backdrops):
            if inside(x, y, box):
                return white
        return True

    def add_backdrop(self, box: Rect, white: bool) -> None:
        box = intersect(box, self.clip)
        if box is not EMPTY:
            self.backdrops.append((box, white))

    def paint_path(
        self, gstate: PDFGraphicState, stroke: bool, fill: bool, evenodd: bool, path: Sequence[PathSegment]
    ) -> None:
        before = len(self.cur_item._objs)
        super().paint_path(gstate, stroke, fill, evenodd, path)
        if fill:
            white = not painted(gstate.ncolor, self.white_level)
            for o in self.cur_item._objs[before:]:
                self.add_backdrop((o.x0, o.y0, o.x1, o.y1), white)

    def render_image(self, name: str, stream: Any) -> None:
        super().render_image(name, stream)
        fig = self.cur_item
        self.add_backdrop((fig.x0, fig.y0, fig.x1, fig.y1), False)


class ClipInterpreter(PDFPageInterpreter):
    """pdfminer's interpreter, also keeping the clip, and telling the device the clip, render mode and colours
    of each string it shows."""

    start_clip: Rect | None = None  # the clip a form XObject's content starts under

    def __init__(self, rsrcmgr: PDFResourceManager, device: VisibleTextDevice) -> None:
        super().__init__(rsrcmgr, device)
        self.vis = device
        self.form_clip: Rect | None = None

    def init_state(self, ctm: Matrix) -> None:
        super().init_state(ctm)
        self.clips: list[Rect | None] = []
        self.set_clip(self.start_clip)

    def set_clip(self, clip: Rect | None) -> None:
        self.clip = self.vis.clip = clip

    def do_q(self) -> None:
        super().do_q()
        self.clips.append(self.clip)

    def do_Q(self) -> None:
        if self.clips:  # in step with the graphics state stack
            self.set_clip(self.clips.pop())
        super().do_Q()

    def do_W(self) -> None:
        box = path_box(self.curpath, self.ctm)
        if box is not None:
            self.set_clip(intersect(box, self.clip))

    def do_W_a(self) -> None:
        self.do_W()

    def do_TJ(self, seq: Any) -> None:
        self.vis.begin_string(self.textstate.render, self.graphicstate)
        super().do_TJ(seq)

    def do_sh(self, name: object) -> None:
        """A shading fills the clip (or the page): a backdrop that is not white."""
        everywhere = (-math.inf, -math.inf, math.inf, math.inf)
        self.vis.add_backdrop(everywhere if self.clip is None else self.clip, False)

    def do_Do(self, xobjid_arg: Any) -> None:
        self.form_clip = self.xobject_clip(xobjid_arg)
        super().do_Do(xobjid_arg)
        self.set_clip(self.clip)  # the form's interpreter shared the device

    def xobject_clip(self, name: Any) -> Rect | None:
        """The clip a form XObject's content is drawn under: the current one cut by the form's BBox."""
        try:
            xobj = stream_value(self.xobjmap[literal_name(name)])
            x0, y0, x1, y1 = (float(v) for v in list_value(xobj["BBox"]))
            a, b, c, d, e, f = (float(v) for v in list_value(xobj.get("Matrix", (1, 0, 0, 1, 0, 0))))
        except Exception:  # an image, or a broken form: pdfminer decides what to do with it
            return self.clip
        ctm = mult_matrix((a, b, c, d, e, f), self.ctm)
        box = path_box([("m", x0, y0), ("l", x1, y0), ("l", x1, y1), ("l", x0, y1)], ctm)
        return intersect(box, self.clip) if box is not None else self.clip

    def subinterp(self) -> PDFPageInterpreter:
        interp = super().subinterp()
        if isinstance(interp, ClipInterpreter):
            interp.start_clip = self.form_clip
        return interp


def visible_layout(page: Any, white_level: float, clip_slack: float) -> tuple[LTPage, Counter[str]]:
    """A pdfplumber page's layout (as `page.layout` builds it) without the characters that are not drawn, and
    how many were dropped, by reason."""
    pdf = page.pdf
    device = VisibleTextDevice(pdf.rsrcmgr, page.page_number, pdf.laparams, white_level, clip_slack)
    ClipInterpreter(pdf.rsrcmgr, device).process_page(page.page_obj)
    layout: LTPage = device.get_result()
    return layout, device.hidden

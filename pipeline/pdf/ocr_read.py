"""OCR's reading of a page image: text lines found by the detection model (on the image shrunk), the page turned
upright and straightened from their direction and slope, each line read by the recognition model and its
characters placed along it.

RapidOCR's PP-OCR models (shipped in the rapidocr-onnxruntime wheel) run through onnxruntime on one thread: pages
run in parallel in worker processes. The recogniser's cost grows with the area it reads, so a line is read at a
small height and only its windows holding narrow characters (figures, letters) or uncertain ones again at the
height the model was trained at.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pipeline.pdf.chars import unify_ideographs
from pipeline.pdf.model import Char
from pipeline.pdf.ocr_graphics import Sheet, fix_glyphs, ink_rows, paper_level, sign_before, stroke_width

if TYPE_CHECKING:
    from pipeline.pdf.ocr import OcrSettings

FONT = "ocr"  # the font name of every OCR'd character (a style is font, bold, size)
Image = np.ndarray  # a page image: 8-bit grey, rows x columns
Quad = np.ndarray  # a text line's four corners (x, y) in image pixels, clockwise from the top left


# ---------------------------------------------------------------- the engine


@dataclass
class Engine:
    """RapidOCR's three models (one thread each: pages run in parallel in worker processes)."""

    det: Any
    cls: Any
    rec: Any
    charset: list[str]


@functools.cache
def engine(threads: int = 1) -> Engine:
    from rapidocr_onnxruntime import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    ocr = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=threads)
    return Engine(ocr.text_det, ocr.text_cls, ocr.text_rec.session, list(ocr.text_rec.postprocess_op.character))


def engine_version() -> str:
    from importlib.metadata import version

    return f"rapidocr-onnxruntime {version('rapidocr-onnxruntime')}"


# ---------------------------------------------------------------- detection, orientation, skew


def detect(img: Image, cfg: OcrSettings) -> list[Quad]:
    """Text lines found by the detection model, run on the image shrunk to `det_side` pixels on its long side."""
    eng = engine()
    scale = min(1.0, cfg.det_side / max(img.shape[:2]))
    small = _resize(img, scale) if scale < 1 else img
    eng.det.limit_side_len = min(small.shape[:2])
    boxes, _ = eng.det(np.ascontiguousarray(np.stack([small] * 3, axis=-1)))
    if boxes is None or len(boxes) == 0:
        return []
    return [np.asarray(b, dtype=np.float32) / scale for b in boxes]


def _resize(img: Image, scale: float) -> Image:
    import cv2

    h, w = img.shape[:2]
    return np.asarray(
        cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    )


def quad_size(q: Quad) -> tuple[float, float]:
    """(length along the line, height across it) of a quad."""
    return float(np.linalg.norm(q[1] - q[0])), float(np.linalg.norm(q[3] - q[0]))


def quarter_turned(quads: Sequence[Quad], cfg: OcrSettings) -> bool:
    """Most text lines run up and down the image: the page lies a quarter turn off."""
    long = [q for q in quads if max(quad_size(q)) > cfg.line_aspect * min(quad_size(q))]
    upright = sum(_extent(q)[0] > _extent(q)[1] for q in long)
    return len(long) > 0 and upright < len(long) / 2


def _extent(q: Quad) -> tuple[float, float]:
    return float(q[:, 0].max() - q[:, 0].min()), float(q[:, 1].max() - q[:, 1].min())


def skew_angle(quads: Sequence[Quad], cfg: OcrSettings) -> float:
    """The median slope, in degrees, of the long text lines (positive: they rise to the right)."""
    angles = []
    for q in quads:
        length, height = quad_size(q)
        if length > cfg.line_aspect * height:
            dx, dy = float(q[1][0] - q[0][0]), float(q[1][1] - q[0][1])
            angles.append(math.degrees(math.atan2(-dy, dx)))
    return float(np.median(angles)) if angles else 0.0


def rotate(img: Image, degrees: float) -> tuple[Image, np.ndarray]:
    """The image turned `degrees` counter-clockwise about its centre (paper-white corners), and the 2x3 matrix
    taking points of the old image to the new one."""
    import cv2

    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    out = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=int(paper_level(img)))
    return np.asarray(out), m


def move(quads: Sequence[Quad], m: np.ndarray) -> list[Quad]:
    return [(np.hstack([q, np.ones((4, 1), np.float32)]) @ m.T).astype(np.float32) for q in quads]


def order_quad(q: Quad) -> Quad:
    """Corners ordered top-left, top-right, bottom-right, bottom-left in the image's frame."""
    c = q.mean(axis=0)
    ang = np.arctan2(q[:, 1] - c[1], q[:, 0] - c[0])
    q = q[np.argsort(ang)]  # clockwise from the left-most upper corner, y pointing down
    start = int(np.argmin(q[:, 0] + q[:, 1]))
    return np.roll(q, -start, axis=0)


def widen(q: Quad, share: float) -> Quad:
    """A text line's quad lengthened at both ends by `share` x its height (the detector often leaves out a thin
    first or last character: `一`, a dash)."""
    length, height = quad_size(q)
    if length <= 0:
        return q
    step = (q[1] - q[0]) / length * share * height
    return np.array([q[0] - step, q[1] + step, q[2] + step, q[3] - step], np.float32)


def upright(img: Image, cfg: OcrSettings) -> tuple[Image, list[Quad], int]:
    """The page image turned so that its text reads left to right, top to bottom, and straightened; its text
    lines; the quarter turns made (clockwise)."""
    quads = detect(img, cfg)
    turns = 0
    if quarter_turned(quads, cfg):
        img, turns = np.ascontiguousarray(np.rot90(img, -1)), 1
        quads = detect(img, cfg)
    angle = skew_angle(quads, cfg)
    if cfg.skew_min <= abs(math.tan(math.radians(angle))) <= cfg.skew_max:
        img, m = rotate(img, -angle)
        quads = [order_quad(q) for q in move(quads, m)]
    if upside_down(img, quads, cfg):
        img, turns = np.ascontiguousarray(np.rot90(img, 2)), turns + 2
        h, w = img.shape[:2]
        quads = [order_quad(np.array([[w, h]], np.float32) - q) for q in quads]
    return img, quads, turns


def upside_down(img: Image, quads: Sequence[Quad], cfg: OcrSettings) -> bool:
    """The direction model reads most of the longest lines as turned half round."""
    longest = sorted(quads, key=lambda q: -quad_size(q)[0])[: int(cfg.direction_lines)]
    if not longest:
        return False
    crops = [crop_line(img, q, int(cfg.rec_fine)) for q in longest]
    _, res, _ = engine().cls([np.stack([c] * 3, axis=-1) for c in crops])
    flipped = sum(label == "180" and score >= cfg.direction_score for label, score in res)
    return bool(flipped > len(res) / 2)


# ---------------------------------------------------------------- recognition


def crop_line(img: Image, q: Quad, height: int) -> Image:
    """A text line straightened and scaled to `height` pixels."""
    import cv2

    length, h = quad_size(q)
    width = max(8, round(length * height / max(h, 1.0)))
    dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    m = cv2.getPerspectiveTransform(q.astype(np.float32), dst)
    return np.asarray(
        cv2.warpPerspective(img, m, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    )


@dataclass(slots=True)
class Read:
    """A recognised line: each character with its centre along the line (0..1 of its length) and confidence."""

    text: list[str]
    where: list[float]
    conf: list[float]


def recognise(img: Image, quads: Sequence[Quad], cfg: OcrSettings) -> list[Read]:
    """The recognition model over each text line (`read_line`), the lines lengthened by `det_widen` (`widen`):
    a character read in the added ends is kept only when read with at least `rec_retry` confidence (past a
    line's end there is often a piece of something else, which the model reads as some rare character)."""
    out = []
    for q in quads:
        r = read_line(img, q, cfg)
        length, height = quad_size(q)
        edge = cfg.det_widen * height / length if length else 0.0  # the quads come widened
        triples = zip(r.text, r.where, r.conf, strict=True)
        kept = [(t, w, c) for t, w, c in triples if edge <= w <= 1 - edge or c >= cfg.rec_retry]
        out.append(Read([t for t, _, _ in kept], [w for _, w, _ in kept], [c for _, _, c in kept]))
    return out


def read_line(img: Image, q: Quad, cfg: OcrSettings) -> Read:
    """A text line scaled to `rec_height` pixels and read in overlapping windows of at most `rec_window` x its
    height (the model's cost grows with the area it reads, and faster than the width past a point). A window
    holding figures or letters (narrow characters need more of the model's columns), or read with little
    confidence, is read again from the line scaled to `rec_fine` pixels. Each character is taken from the window
    where it stands clear of the cut between windows, laid in the whitest column of their overlap. A short line is
    read again, at `rec_fine` pixels and with more paper around it, twice (`fuller`)."""
    coarse = crop_line(img, q, int(cfg.rec_height))
    h, w = coarse.shape
    span, overlap = max(h, round(cfg.rec_window * h)), round(cfg.rec_overlap * h)
    if w <= span or span <= overlap:
        starts, ends = [0], [w]
    else:
        starts = list(range(0, w - overlap, span - overlap))
        ends = [min(w, s + span) for s in starts]
    darkness = (255 - coarse.astype(np.int32)).sum(axis=0)
    cuts = [0] + [_cut(darkness, lo, hi) for lo, hi in zip(starts[1:], ends, strict=False)] + [w]
    fine: Image | None = None
    out = Read([], [], [])
    for k, (s, e) in enumerate(zip(starts, ends, strict=True)):
        part = _read(coarse, s, e, cfg.rec_margin)
        if cfg.rec_fine > cfg.rec_height and needs_fine(part, cfg):
            fine = fine if fine is not None else crop_line(img, q, int(cfg.rec_fine))
            f = fine.shape[1] / w
            part = finer(part, _read(fine, round(s * f), min(fine.shape[1], round(e * f)), cfg.rec_margin))
        for t, where, cf in zip(part.text, part.where, part.conf, strict=True):
            if cuts[k] <= where * w < cuts[k + 1]:
                out.text.append(t)
                out.where.append(where)
                out.conf.append(cf)
    if w <= cfg.short_aspect * h:
        fine = fine if fine is not None else crop_line(img, q, int(max(cfg.rec_fine, cfg.rec_height)))
        for margin in (cfg.short_margin, 2 * cfg.short_margin):
            out = fuller(out, _read(fine, 0, fine.shape[1], margin), cfg)
    return out


def fuller(first: Read, second: Read, cfg: OcrSettings) -> Read:
    """The second reading of a short line when it holds the first one's characters in order and more after the
    first of them (the model drops a line's last characters, and reads a speck of paper before a line as a
    sign), the more read with at least `rec_retry` confidence; else the first."""
    if len(second.text) <= len(first.text) or not first.text or second.text[0] != first.text[0]:
        return first
    k = 0
    for t, c in zip(second.text, second.conf, strict=True):
        if k < len(first.text) and t == first.text[k]:
            k += 1
        elif c < cfg.rec_retry:
            return first
    return second if k == len(first.text) else first


SIGNS = frozenset("≥≤<>＞＜%％+＋-－")


def finer(coarse: Read, fine: Read) -> Read:
    """The fine reading, unless it only lacks signs the coarse one read around the same letters and figures (the
    model drops a leading `≤` or a trailing `%` now and then, at one scale or the other)."""
    same = [t for t in coarse.text if t.isalnum()] == [t for t in fine.text if t.isalnum()]
    extra = Counter(coarse.text) - Counter(fine.text)
    if same and extra and not Counter(fine.text) - Counter(coarse.text) and set(extra) <= SIGNS:
        return coarse
    return fine


def needs_fine(r: Read, cfg: OcrSettings) -> bool:
    narrow = any(t.isalnum() and not is_cjk(t) for t in r.text)
    return narrow or not r.text or min(r.conf) < cfg.rec_retry


def _cut(darkness: np.ndarray, lo: int, hi: int) -> int:
    """The whitest column between lo and hi, the nearest to their middle among equals."""
    zone = darkness[lo:hi]
    mid = (hi - lo) / 2
    best = np.flatnonzero(zone == zone.min())
    return lo + int(best[np.argmin(np.abs(best - mid))])


def _read(line: Image, start: int, end: int, margin: float) -> Read:
    """The model over columns start..end of a line crop, with `margin` x its height of paper added at both ends
    (a character at the very end of a tight crop is otherwise often lost); places are fractions of the line."""
    eng = engine()
    piece = line[:, start:end]
    pad = round(margin * line.shape[0])
    if pad:
        piece = np.pad(piece, ((0, 0), (pad, pad)), constant_values=int(piece.max()))
    x = (piece.astype(np.float32) / 127.5 - 1.0)[None, None].repeat(3, axis=1)
    pred = eng.rec(np.ascontiguousarray(x))[0][0]
    r = decode(pred, eng.charset)
    width, inner = line.shape[1], end - start
    r.where = [(start + min(inner, max(0.0, f * (inner + 2 * pad) - pad))) / width for f in r.where]
    return r


def decode(pred: np.ndarray, charset: list[str]) -> Read:
    """CTC decoding of one line: the best class per column, repeats and blanks dropped; each character's place
    along the line (0..1) from its column."""
    idx = pred.argmax(axis=1)
    prob = pred.max(axis=1)
    cols = len(idx)
    keep = np.ones(cols, bool)
    keep[1:] = idx[1:] != idx[:-1]
    keep &= idx != 0
    text, where, conf = [], [], []
    for t in np.flatnonzero(keep):
        text.append(charset[idx[t]])
        where.append(min(1.0, (t + 0.5) / cols))
        conf.append(float(prob[t]))
    return Read(text, where, conf)


# ---------------------------------------------------------------- lines -> characters


def is_cjk(ch: str) -> bool:
    """A character set an em wide in Chinese text: ideographs, full-width forms, and the characters of ambiguous
    width (quotation marks, dashes, `≥`, Roman numerals), which Chinese fonts set full width."""
    return bool(ch) and unicodedata.east_asian_width(ch[0]) in ("W", "F", "A")


def line_chars(read: Read, q: Quad, sheet: Sheet, cfg: OcrSettings, em: float | None = None) -> list[Char]:
    """A recognised line's characters in points (`px` points a pixel): each centred where the recogniser put it,
    one font size wide (half for a narrow character); the size from the pitch of its ideographs (set solid, one
    em apart) or else from its ink height, bold from its strokes' width against the size; punctuation and glyphs
    the recogniser confuses put right, and a comparison sign it read nothing for put back (`sign_before`).
    `em`: the size in pixels, known (a line of signs alone has no telling ink)."""
    box = (float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()), float(q[:, 1].max()))
    left, right = box[0], box[2]
    px = sheet.px
    top, bottom = ink_rows(sheet.bare, box) or (box[1], box[3])
    texts = [t for t in read.text if not t.isspace()]
    centres = [left + w * (right - left) for t, w in zip(read.text, read.where, strict=True) if not t.isspace()]
    cjk = any(is_cjk(t) and t.isalpha() for t in texts)
    size_px = (bottom - top) * (cfg.cjk_em if cjk else cfg.latin_em)
    size_px = em or pitch(texts, centres, size_px, cfg) or size_px
    size = round(size_px * px * 2) / 2
    bold = bool(stroke_width(sheet.img, sheet.bare, box) >= cfg.bold_stroke * size_px)
    mid = (top + bottom) / 2
    y0, y1 = (mid - size_px / 2) * px, (mid + size_px / 2) * px
    out = []
    confs = [cf for t, cf in zip(read.text, read.conf, strict=True) if not t.isspace()]
    spaced = [i > 0 and read.text[i - 1].isspace() for i, t in enumerate(read.text) if not t.isspace()]
    for t, cx, cf in zip(texts, centres, confs, strict=True):
        half = size_px / (2 if is_cjk(t) else 4)
        out.append(
            Char(unify_ideographs(t), FONT, size, (cx - half) * px, y0, (cx + half) * px, y1, bold, conf=round(cf, 4))
        )
    chars = sign_before(fix_glyphs(set_solid(separate(out), spaced), sheet.ink, px), sheet.ink, px, left, cfg.mark_conf)
    return paired_brackets(ideographic_zero(full_width_punctuation(one_not_dash(chars))))


def set_solid(chars: list[Char], spaced: list[bool]) -> list[Char]:
    """Narrow characters the recogniser read with no space between them (the figures of a number) meet at the
    middle of their centres: no gap the layout would print as a space."""
    for i in range(1, len(chars)):
        a, b = chars[i - 1], chars[i]
        if not spaced[i] and not is_cjk(a.text) and not is_cjk(b.text) and a.cx < b.cx:
            a.x1 = b.x0 = (a.cx + b.cx) / 2
    return chars


def pitch(texts: list[str], centres: list[float], em: float, cfg: OcrSettings) -> float | None:
    """The distance between neighbouring full-width characters set solid (each an em wide): the least-squares
    slope of their centres against their order, over the line's runs of them (a neighbour further than 1.3 em
    away starts a new run); None with fewer than `pitch_gaps` steps."""
    runs: list[list[float]] = []
    for t, cx in zip(texts, centres, strict=True):
        if not is_cjk(t):
            runs.append([])
        elif runs and runs[-1] and cx - runs[-1][-1] < 1.3 * em:
            runs[-1].append(cx)
        else:
            runs.append([cx])
    runs = [r for r in runs if len(r) >= 2]
    if sum(len(r) - 1 for r in runs) < cfg.pitch_gaps:
        return None
    num = den = 0.0
    for r in runs:
        mid, xm = (len(r) - 1) / 2, sum(r) / len(r)
        num += sum((i - mid) * (x - xm) for i, x in enumerate(r))
        den += sum((i - mid) ** 2 for i in range(len(r)))
    return num / den


def separate(chars: list[Char]) -> list[Char]:
    """Neighbours overlapping sideways meet halfway (characters' boxes follow one another)."""
    for a, b in itertools.pairwise(chars):
        if a.x1 > b.x0:
            mid = (max(a.x0, a.cx) + min(b.x1, b.cx)) / 2
            a.x1, b.x0 = max(a.x0 + 0.1, mid), min(b.x1 - 0.1, mid)
    return chars


def one_not_dash(chars: list[Char]) -> list[Char]:
    """A lone em dash set close before an ideograph is the ideograph `一` (`一级`, `一批`): Chinese text doubles
    its dashes."""
    for i, c in enumerate(chars):
        if c.text != "—" or i + 1 >= len(chars) or (i > 0 and chars[i - 1].text == "—"):
            continue
        nxt = chars[i + 1]
        if _ideograph(nxt.text) and nxt.x0 - c.x1 < 0.3 * c.size:
            c.text = "一"
    return chars


NUMERALS = frozenset("一二三四五六七八九十〇零")


def ideographic_zero(chars: list[Char]) -> list[Char]:
    """A circle among Chinese numerals is the ideographic zero `〇` (`二〇三五年`), which the recogniser reads as
    the shape `○`."""
    for i, c in enumerate(chars):
        if c.text in "○◯" and any(0 <= j < len(chars) and chars[j].text in NUMERALS for j in (i - 1, i + 1)):
            c.text = "〇"
    return chars


CLOSERS = {"[": "]", "(": ")", "（": "）", "【": "】"}


def paired_brackets(chars: list[Char]) -> list[Char]:
    """A closing mark the recogniser confuses (`」`, `|`, `丨`, or the wrong bracket) that follows an opening
    bracket left open is its closing bracket (`[29.43」` is `[29.43]`)."""
    open_: list[str] = []
    for c in chars:
        if c.text in CLOSERS:
            open_.append(c.text)
        elif open_ and (c.text in "」|丨" or c.text in CLOSERS.values()):
            c.text = CLOSERS[open_.pop()]
    return chars


HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"}


def full_width_punctuation(chars: list[Char]) -> list[Char]:
    """The recogniser often reads Chinese punctuation as its ASCII look-alike: next to an ideograph it is the
    full-width mark Chinese text prints (`(` before one, `)` after one, `,` `:` `;` after one)."""
    for i, c in enumerate(chars):
        full = HALF_TO_FULL.get(c.text)
        if full is None:
            continue
        before = i > 0 and _ideograph(chars[i - 1].text)
        after = i + 1 < len(chars) and _ideograph(chars[i + 1].text)
        if (c.text == "(" and after) or (c.text != "(" and before) or (c.text == ")" and after and before):
            c.text = full
    return chars


def _ideograph(t: str) -> bool:
    return bool(t) and unicodedata.name(t[0], "").startswith("CJK UNIFIED")

"""What OCR reads from a page image besides the recogniser's text: ink and paper levels, rulings, shading, and the
marks the text detector leaves out (a dash alone in a table cell), with the glyph checks the recogniser's
character set needs (an em dash run over two ems, `≧` printed with two bars).

Pure functions on 8-bit grey images (rows x columns, 0 black) in the page's upright frame; sizes are relative to
the page's width or to the text's own size in pixels (`em`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from pipeline.pdf.model import Char, Fill, Seg

if TYPE_CHECKING:
    from pipeline.pdf.ocr import OcrSettings

Image = np.ndarray
Mask = np.ndarray  # 0/1 per pixel, uint8
Box = tuple[float, float, float, float]  # x0, top, x1, bottom in pixels


@dataclass(frozen=True)
class Sheet:
    """A page image ready to read: the long rulings painted out (`img`), its ink, that ink off every run as long
    as a ruling (`bare`: what sizes and weighs the text, a short ruling by a line aside), points a pixel."""

    img: Image
    ink: Mask
    bare: Mask
    px: float


def paper_level(img: Image) -> float:
    """The grey level of the paper: the commonest level among the lighter half of the levels."""
    hist = np.bincount(img[::4, ::4].ravel(), minlength=256)
    return float(128 + int(np.argmax(hist[128:])))


def ink_threshold(img: Image) -> float:
    """Levels below this are ink: Otsu's split between ink and paper, at most three quarters of the paper's level
    (shading and anti-aliased edges stay paper)."""
    import cv2

    otsu, _ = cv2.threshold(img[::2, ::2], 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return float(min(otsu, paper_level(img) * 0.75))


def ink_mask(img: Image) -> Mask:
    return (img < ink_threshold(img)).astype(np.uint8)


# ---------------------------------------------------------------- a text line's ink


def ink_rows(ink: Mask, box: Box) -> tuple[float, float] | None:
    """The rows a text line's ink spans within its box (a few stray pixels aside)."""
    x0, y0, x1, y1 = (round(v) for v in box)
    patch = ink[max(0, y0) : y1 + 1, max(0, x0) : x1 + 1]
    if patch.size == 0 or not patch.any():
        return None
    rows = patch.sum(axis=1)
    filled = np.flatnonzero(rows >= max(1, 0.02 * rows.max()))
    return float(max(0, y0) + filled[0]), float(max(0, y0) + filled[-1] + 1)


def stroke_width(img: Image, ink: Mask, box: Box) -> float:
    """The mean width of the strokes in a box, in pixels: the ink's area (grey levels weighed against the box's
    paper, its median level) over half its outline (a stroke w wide and l long has area wl, outline 2l)."""
    import cv2

    x0, y0, x1, y1 = (round(v) for v in box)
    window = (slice(max(0, y0), y1 + 1), slice(max(0, x0), x1 + 1))
    patch, mask = img[window].astype(np.float32), np.ascontiguousarray(ink[window])
    if mask.size == 0 or not mask.any():
        return 0.0
    paper = float(np.median(patch))
    area = float(np.clip((paper - patch) / max(paper, 1.0), 0, 1).sum())
    inner = np.asarray(cv2.erode(mask, np.ones((3, 3), np.uint8)), dtype=np.uint8)
    outline = int((mask > inner).sum())
    return area / max(1.0, outline / 2)


# ---------------------------------------------------------------- glyph checks


def bar_run(ink: Mask, cx: float, cy: float, em: float) -> tuple[float, float] | None:
    """The thin horizontal bar of ink through (cx, cy): the longest run of ink along a row near cy that reaches
    within a fifth of an em of cx, when the rows carrying it are at most a fifth of an em thick; its ends."""
    h, w = ink.shape
    y0, y1 = max(0, round(cy - 0.35 * em)), min(h, round(cy + 0.35 * em) + 1)
    x0, x1 = max(0, round(cx - 3 * em)), min(w, round(cx + 3 * em) + 1)
    near = (round(cx - 0.2 * em) - x0, round(cx + 0.2 * em) - x0)
    best: tuple[int, int] | None = None
    for row in ink[y0:y1, x0:x1]:
        for a, b in runs(row):
            if b > near[0] and a < near[1] and (best is None or b - a > best[1] - best[0]):
                best = (a, b)
    if best is None:
        return None
    thick = sum(
        any(min(b, best[1]) - max(a, best[0]) >= 0.8 * (best[1] - best[0]) for a, b in runs(row))
        for row in ink[y0:y1, x0:x1]
    )
    if thick > max(2, 0.2 * em):
        return None
    return float(x0 + best[0]), float(x0 + best[1])


def short_bars(ink: Mask, cx: float, cy: float, em: float) -> list[tuple[float, float]]:
    """The hyphens standing side by side around (cx, cy) (`--`, which the recogniser reads as one): on the row
    of most ink near cy, the runs a sixth to under half an em long within an em of cx, a third of an em apart at
    most."""
    h, w = ink.shape
    y0, y1 = max(0, round(cy - 0.35 * em)), min(h, round(cy + 0.35 * em) + 1)
    x0, x1 = max(0, round(cx - em)), min(w, round(cx + em) + 1)
    band = ink[y0:y1, x0:x1]
    if band.size == 0:
        return []
    row = band[int(np.argmax(band.sum(axis=1)))]
    bars = [(float(x0 + a), float(x0 + b)) for a, b in runs(row) if em / 6 <= b - a < 0.45 * em]
    near = [bars[0]] if bars else []
    for bar in bars[1:]:
        if bar[0] - near[-1][1] <= em / 3:
            near.append(bar)
    return near


def runs(row: np.ndarray) -> list[tuple[int, int]]:
    """The runs of ink along a row: (start, end) columns."""
    padded = np.concatenate(([0], row.astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def bars_below(ink: Mask, cx: float, top: float, bottom: float, em: float) -> int:
    """How many separate horizontal bars the lower part of a glyph carries (`≥` one, `≧` two): groups of rows
    whose longest run of ink, within two fifths of an em of cx, is at least two fifths of an em long."""
    h, w = ink.shape
    x0, x1 = max(0, round(cx - 0.4 * em)), min(w, round(cx + 0.4 * em) + 1)
    y0, y1 = max(0, round((top + bottom) / 2)), min(h, round(bottom) + 1)
    long = [max((b - a for a, b in runs(row)), default=0) >= 0.4 * em for row in ink[y0:y1, x0:x1]]
    return sum(1 for k, on in enumerate(long) if on and (k == 0 or not long[k - 1]))


def comparator(ink: Mask, cx: float, top: float, bottom: float, em: float) -> str | None:
    """The comparison sign a glyph draws, if it is one: a chevron over one bar (`≥`, `≤`) or two (`≧`, `≦`),
    pointing the way its middle row reaches (further right than its ends: greater). None without a bar below."""
    bars = bars_below(ink, cx, top, bottom, em)
    if bars == 0:
        return None
    h, w = ink.shape
    x0, x1 = max(0, round(cx - 0.45 * em)), min(w, round(cx + 0.45 * em) + 1)
    band = ink[max(0, round(top)) : min(h, round(bottom) + 1), x0:x1]
    long = [max((b - a for a, b in runs(row)), default=0) >= 0.4 * em for row in band]
    chevron = band[: next((k for k, on in enumerate(long) if on), len(long))]
    rights = [int(np.flatnonzero(row).max()) for row in chevron if row.any()]
    if len(rights) < 3:
        return None
    greater = rights[len(rights) // 2] > (rights[0] + rights[-1]) / 2
    return ("≥" if greater else "≤") if bars == 1 else ("≧" if greater else "≦")


DASHES = frozenset("一—-－–―")
SIGN_LOOKALIKES = frozenset("≥≤><MW")  # what the recogniser, which lacks `≧` and `≦`, reads them as
BAR_LOOKALIKES = frozenset("1lI|丨!")  # what it reads a dash standing alone in a table cell as, now and then


def fix_glyphs(chars: list[Char], ink: Mask, px: float) -> list[Char]:
    """Characters the recogniser's set lacks or confuses, told apart by their ink (`chars` in points, `px` points
    a pixel). A dash is as long as its bar of ink: the double dash `——` of Chinese text when it runs over 1.3 em
    (two, less the side bearings), a hyphen under half an em, an em dash from three quarters of one (the
    ideograph `一` kept); a `1`, `I` or `|` whose ink is such a bar across its middle is an em dash. A comparison
    sign is read from its shape (`comparator`): the recogniser lacks `≧` and
    `≦` and reads them as `≥`, `≤`, or a letter; a letter after a letter (`PM2.5`) is left alone."""
    out: list[Char] = []
    skip_to = -1.0
    signs_only = all(c.text in DASHES for c in chars)  # a cell's `--`: hyphens side by side read as one
    for c in chars:
        if c.text in DASHES and c.cx <= skip_to:
            continue  # inside a double dash already written
        em = c.size / px
        if c.text in DASHES:
            run = bar_run(ink, c.cx / px, c.cy / px, em)
            length = (run[1] - run[0]) / em if run is not None else None
            if run is not None and length is not None and length >= 1.3:
                out += split_dash(c, run[0] * px, run[1] * px)
                skip_to = run[1] * px
                continue
            if length is not None and length < 0.45 and c.text != "一":
                hyphens = short_bars(ink, c.cx / px, c.cy / px, em) if signs_only else []
                if len(hyphens) >= 2 and not (out and out[-1].text == "-"):
                    out += [replace(c, text="-", x0=a * px, x1=b * px) for a, b in hyphens]
                    skip_to = hyphens[-1][1] * px
                    continue
                c.text = "-"
            elif length is not None and length >= 0.75 and c.text != "一":
                c.text = "—"
        elif c.text in BAR_LOOKALIKES and _is_bar(bar_run(ink, c.cx / px, c.cy / px, em), em):
            c.text = "—"  # a stroke standing up has no long bar of ink across its middle
        elif c.text in SIGN_LOOKALIKES and not (out and out[-1].text.isalpha() and out[-1].text.isascii()):
            c.text = comparator(ink, c.cx / px, c.top / px, c.bottom / px, em) or c.text
        out.append(c)
    return out


def sign_before(chars: list[Char], ink: Mask, px: float, left: float, conf: float) -> list[Char]:
    """A comparison sign the recogniser read nothing for (it lacks `≧` and `≦`, and now and then reads a line
    from the figure after one): the first group of ink between the line's start (`left`, pixels) and a leading
    figure, when it draws a sign (`comparator`), is put back before the figure with confidence `conf`."""
    if not chars or not chars[0].text.isdigit():
        return chars
    first = chars[0]
    em = first.size / px
    x0, x1 = max(0, round(left)), round(first.x0 / px)
    y0, y1 = max(0, round(first.top / px)), round(first.bottom / px)
    if x1 - x0 < 0.3 * em or y1 <= y0:
        return chars
    cols = np.flatnonzero(ink[y0:y1, x0:x1].any(axis=0))
    if len(cols) == 0:
        return chars
    gaps = np.flatnonzero(np.diff(cols) > 1)
    a, b = int(cols[0]), int(cols[gaps[0]] if len(gaps) else cols[-1])
    if b - a < 0.3 * em:
        return chars
    alone = ink[y0:y1, x0 + a : x0 + b + 1]  # the group's ink alone, the figure after it left out
    sign = comparator(alone, (b - a) / 2, first.top / px - y0, first.bottom / px - y0, em)
    if sign is None:
        return chars
    return [replace(first, text=sign, x0=(x0 + a) * px, x1=(x0 + b + 1) * px, conf=conf), *chars]


def _is_bar(run: tuple[float, float] | None, em: float) -> bool:
    """A thin bar at least three quarters of an em long: an em dash, not a figure one or a letter."""
    return run is not None and run[1] - run[0] >= 0.75 * em


def split_dash(c: Char, x0: float, x1: float) -> list[Char]:
    mid = (x0 + x1) / 2
    return [
        Char("—", c.font, c.size, x0, c.top, mid, c.bottom, c.bold, conf=c.conf),
        Char("—", c.font, c.size, mid, c.top, x1, c.bottom, c.bold, conf=c.conf),
    ]


# ---------------------------------------------------------------- rulings


def line_masks(ink: Mask, cfg: OcrSettings) -> tuple[Mask, Mask]:
    """Horizontal and vertical runs of ink at least `rule_min` of the page's width long (morphological opening)."""
    import cv2

    length = max(3, round(cfg.rule_min * ink.shape[1]))
    h = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    v = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    return np.asarray(h), np.asarray(v)


def without_rules(img: Image, ink: Mask, h_mask: Mask, v_mask: Mask, cfg: OcrSettings) -> tuple[Image, Mask]:
    """The page and its ink with the long rulings painted over in the paper's level: what the recogniser reads
    (a cell's border is otherwise read as `|`, or makes a line look taller). Only runs longer than `erase_min` of
    the page's width go: a shorter one may be a dash or a stroke of large type."""
    import cv2

    rules = np.zeros_like(ink)
    for mask in (h_mask, v_mask):
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        long = [i for i in range(1, n) if max(stats[i][2], stats[i][3]) >= cfg.erase_min * ink.shape[1]]
        rules |= np.isin(labels, long).astype(np.uint8)
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))
    clean, clean_ink = img.copy(), ink.copy()
    clean[rules > 0] = int(paper_level(img))
    clean_ink[rules > 0] = 0
    return clean, clean_ink


def rulings(h_mask: Mask, v_mask: Mask, text: Sequence[Box], px: float, cfg: OcrSettings) -> list[Seg]:
    """Rulings: the long runs of ink no thicker than `rule_thick` of the page's width, which no text line holds
    (`text`: the boxes of each line's characters, in pixels), as segments along their middle in points."""
    import cv2

    thick = cfg.rule_thick * h_mask.shape[1]
    out: list[Seg] = []
    for orient, mask in (("h", h_mask), ("v", v_mask)):
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        for x, y, bw, bh, _area in stats[1:n]:
            box = (float(x), float(y), float(x + bw), float(y + bh))
            if (bh if orient == "h" else bw) > thick or inside_text(box, text, orient):
                continue
            out.append(segment(orient, box, px))
    return out


def inside_text(box: Box, text: Sequence[Box], orient: str) -> bool:
    """A run of ink that a text line holds (a dash or a stroke of a character): nearly all of it within the line's
    characters' boxes one way, its middle within them the other (a ruling passing by runs outside them, or far
    past the line's ends)."""
    x0, y0, x1, y1 = box
    for tx0, ty0, tx1, ty1 in text:
        if orient == "h":
            held = min(x1, tx1) - max(x0, tx0) >= 0.8 * (x1 - x0) and ty0 <= (y0 + y1) / 2 <= ty1
        else:
            held = min(y1, ty1) - max(y0, ty0) >= 0.8 * (y1 - y0) and tx0 <= (x0 + x1) / 2 <= tx1
        if held:
            return True
    return False


def segment(orient: str, box: Box, px: float) -> Seg:
    x0, y0, x1, y1 = (v * px for v in box)
    if orient == "h":
        y = (y0 + y1) / 2
        return Seg("h", x0, y, x1, y)
    x = (x0 + x1) / 2
    return Seg("v", x, y0, x, y1)


# ---------------------------------------------------------------- what the detector leaves out


def off_rules(ink: Mask, lines: Mask) -> Mask:
    """The ink off the rulings."""
    import cv2

    out = ink.copy()
    out[cv2.dilate(lines, np.ones((3, 3), np.uint8)) > 0] = 0
    return out


def _clear(x0: float, y0: float, x1: float, y1: float, text: Sequence[Box]) -> bool:
    """A box that meets no text line: ink of its own, not a piece of a character the detector boxed tightly."""
    return all(x1 < tx0 or tx1 < x0 or y1 < ty0 or ty1 < y0 for tx0, ty0, tx1, ty1 in text)


def leftovers(ink: Mask, text: Sequence[Box], em: float) -> list[Box]:
    """Ink that may be characters the text detector missed (a `%` alone in a table cell): ink off the rulings,
    smudged into words (gaps under half an em bridged), meeting no text line, half an em to an em and a half high;
    each box grown by a quarter of an em all round, as the detector's are."""
    import cv2

    kw, kh = max(1, round(0.5 * em)), max(1, round(0.15 * em))
    merged = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (kw, kh)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(merged, connectivity=8)
    out: list[Box] = []
    pad = 0.25 * em
    for x, y, bw, bh, _area in stats[1:n]:
        w, h = bw - (kw - 1), bh - (kh - 1)  # the dilation undone
        x0, y0 = x + (kw - 1) / 2, y + (kh - 1) / 2
        if 0.45 * em <= h <= 1.6 * em and 0.3 * em <= w and _clear(x0, y0, x0 + w, y0 + h, text):
            out.append((x0 - pad, y0 - pad, x0 + w + pad, y0 + h + pad))
    return out


def marks(ink: Mask, lines: Mask, text: Sequence[Box], em: float, px: float, cfg: OcrSettings) -> list[Char]:
    """Dashes standing alone (a table cell's `—` or `--`), which the text detector drops for being too thin: thin
    horizontal bars of ink meeting no text line, away from rulings and from other ink above and below, a fifth of
    an em to two ems long; each an em dash, or a hyphen when under half an em. Their confidence is `mark_conf`
    (read from their shape alone)."""
    import cv2

    near_rule = cv2.dilate(lines, np.ones((5, 5), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    out: list[Char] = []
    for i in range(1, n):
        x, y, bw, bh, _area = stats[i]
        if not (bh <= max(2.0, 0.15 * em) and 0.2 * em <= bw <= 2.2 * em and bw >= 3 * bh):
            continue
        if near_rule[y : y + bh, x : x + bw].any() or not _clear(x, y, x + bw, y + bh, text):
            continue
        if _crowded(ink, labels, i, x, y, bw, bh, em):
            continue
        cy, size = y + bh / 2, round(em * px * 2) / 2
        top, bottom = (cy - em / 2) * px, (cy + em / 2) * px
        dash = "-" if bw < 0.5 * em else "—"
        out.append(Char(dash, "ocr", size, x * px, top, (x + bw) * px, bottom, False, conf=cfg.mark_conf))
    return out


def _crowded(ink: Mask, labels: np.ndarray, i: int, x: int, y: int, bw: int, bh: int, em: float) -> bool:
    """Other ink within half an em above or below the bar: part of a drawing, not a dash on its own."""
    h = ink.shape[0]
    pad = round(0.5 * em)
    y0, y1 = max(0, y - pad), min(h, y + bh + pad)
    around = ink[y0:y1, x : x + bw].astype(bool) & (labels[y0:y1, x : x + bw] != i)
    return bool(around.any())


# ---------------------------------------------------------------- shading


def shading(img: Image, px: float, cfg: OcrSettings) -> list[Fill]:
    """Shaded regions: large, nearly rectangular areas darker than the paper by `shade_step` and lighter than ink
    (the text printed on them bridged over), found on the image shrunk four times."""
    import cv2

    paper, ink = paper_level(img), ink_threshold(img)
    scale = 0.25
    small = np.asarray(cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
    mask = ((small < paper - cfg.shade_step * 255) & (small >= ink)).astype(np.uint8)
    opened = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    closed = cv2.morphologyEx(opened, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    h, w = small.shape
    out = []
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        if bw * bh < cfg.shade_min * w * h or area < cfg.shade_solid * bw * bh or bw * bh > 0.9 * w * h:
            continue
        level = float(np.median(small[labels == i])) / 255
        f = px / scale
        out.append(Fill(x * f, y * f, (x + bw) * f, (y + bh) * f, f"{level:.3g}"))
    return out

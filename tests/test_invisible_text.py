"""Text that is not drawn is not data: ingest drops clipped text, render modes 3 and 7, white on white."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from conftest import COMMUNIQUE_PDF, TESTS
from pdfbuilder import FONT
from reportlab.lib.colors import CMYKColor, Color, white  # type: ignore[import-untyped]
from reportlab.pdfgen import canvas  # type: ignore[import-untyped]

from pipeline.pdf import ingest
from pipeline.pdf.model import Char
from pipeline.pdf.visibility import intersect, painted, path_box

VARIANT = TESTS / "corpus" / "variants" / "rl_invisible_text.pdf"
SIZE = 12
NAVY = Color(0.1, 0.2, 0.45)


def page_chars(path: Path | str, page: int = 1) -> list[Char]:
    return ingest.run(path, pages=[page]).pages[0].chars


def text_of(chars: list[Char]) -> str:
    return "".join(c.text for c in chars)


def show(c: canvas.Canvas, s: str, x: float, y: float, mode: int = 0) -> None:
    """`s` in render mode `mode`, inside q/Q as exports do (the mode is graphics state: it outlives the text object)."""
    c.saveState()
    t = c.beginText(x, y)
    t.setFont(FONT, SIZE)
    if mode:
        t.setTextRenderMode(mode)
    t.textOut(s)
    c.drawText(t)
    c.restoreState()


def clipped(c: canvas.Canvas, s: str, x: float, y: float, clip: tuple[float, float, float, float]) -> None:
    """`s` shown under a rectangular clip (x, y, w, h), as WPS draws table cells."""
    c.saveState()
    p = c.beginPath()
    p.rect(*clip)
    c.clipPath(p, stroke=0, fill=0)
    show(c, s, x, y)
    c.restoreState()


def in_color(c: canvas.Canvas, s: str, x: float, y: float, color: Color) -> None:
    c.saveState()
    c.setFillColor(color)
    show(c, s, x, y)
    c.restoreState()


def band(c: canvas.Canvas, x: float, y: float, w: float, h: float, color: Color) -> None:
    c.saveState()
    c.setFillColor(color)
    c.rect(x, y, w, h, stroke=0, fill=1)
    c.restoreState()


# Each string's characters are its own: what ingest keeps is compared character by character.
VISIBLE = ["总体要求", "格中数值", "深色标题栏", "灰底黑字"]
INVISIBLE = {
    "clipped": "越界残留",
    "render 3": "隐形文档",
    "render 7": "仅作路径",
    "white rgb": "白上加纯",
    "white gray": "净空页面",
    "white cmyk": "四种油墨",
    "white over white patch": "补丁遮盖",
}


def build(path: Path) -> Path:
    """One page: the visible strings and each invisible case, in drawing order."""
    c = canvas.Canvas(str(path))
    show(c, "总体要求", 80, 760)
    clipped(c, "格中数值", 80, 730, (70, 720, 200, 30))  # the clip holds the text
    clipped(c, "越界残留", 80, 690, (70, 720, 200, 30))  # a stray text object below its cell's clip
    show(c, "隐形文档", 80, 660, mode=3)
    show(c, "仅作路径", 80, 630, mode=7)
    in_color(c, "白上加纯", 80, 600, white)
    c.saveState()
    c.setFillGray(1)
    show(c, "净空页面", 80, 570)
    c.restoreState()
    in_color(c, "四种油墨", 80, 540, CMYKColor(0, 0, 0, 0))
    band(c, 70, 490, 300, 30, NAVY)  # a title band: white on it is drawn
    in_color(c, "深色标题栏", 80, 500, white)
    band(c, 70, 440, 300, 30, NAVY)  # a dark band with a white patch on top: white on the patch is not
    band(c, 70, 440, 150, 30, white)
    in_color(c, "补丁遮盖", 80, 450, white)
    band(c, 70, 380, 300, 30, Color(0.5, 0.5, 0.5))  # grey shading under black text: drawn
    show(c, "灰底黑字", 80, 390)
    c.showPage()
    c.save()
    return path


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("invisible") / "invisible.pdf")


def test_ingest_keeps_exactly_the_drawn_text(synthetic: Path) -> None:
    assert text_of(page_chars(synthetic)) == "".join(VISIBLE)


@pytest.mark.parametrize("case", sorted(INVISIBLE))
def test_each_invisible_case_is_dropped(synthetic: Path, case: str) -> None:
    kept = set(text_of(page_chars(synthetic)))
    assert not kept & set(INVISIBLE[case]), case


def test_white_on_dark_band_is_kept(synthetic: Path) -> None:
    chars = [c for c in page_chars(synthetic) if c.text in "深色标题栏"]
    assert text_of(chars) == "深色标题栏"


def test_dropped_characters_are_counted_in_the_debug_log(synthetic: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="pipeline.pdf.ingest"):
        page_chars(synthetic)
    counts = sum(len(s) for s in INVISIBLE.values())
    lines = [r.getMessage() for r in caplog.records if "invisible characters dropped" in r.getMessage()]
    assert lines == [f"page 1: {counts} invisible characters dropped (clipped 4, render 8, white 16)"]


def test_text_in_a_form_xobject_is_clipped_by_the_clip_around_it(tmp_path: Path) -> None:
    c = canvas.Canvas(str(tmp_path / "form.pdf"))
    c.beginForm("cell")
    show(c, "表内数字", 80, 700)
    show(c, "格外残留", 80, 650)
    c.endForm()
    c.saveState()
    p = c.beginPath()
    p.rect(70, 690, 200, 30)
    c.clipPath(p, stroke=0, fill=0)
    c.doForm("cell")
    c.restoreState()
    show(c, "页面正文", 80, 600)
    c.showPage()
    c.save()
    assert text_of(page_chars(tmp_path / "form.pdf")) == "表内数字页面正文"


def test_text_outside_a_form_xobjects_bbox_is_dropped(tmp_path: Path) -> None:
    c = canvas.Canvas(str(tmp_path / "bbox.pdf"))
    c.beginForm("box", lowerx=0, lowery=680, upperx=595, uppery=842)
    show(c, "框内标注", 80, 700)
    show(c, "框外遗存", 80, 650)
    c.endForm()
    c.doForm("box")
    show(c, "页面正文", 80, 600)
    c.showPage()
    c.save()
    assert text_of(page_chars(tmp_path / "bbox.pdf")) == "框内标注页面正文"


def test_communique_page_13_prints_only_3_7_in_its_cell() -> None:
    chars = page_chars(COMMUNIQUE_PDF, 13)
    cell = [c for c in chars if 394.55 < c.x0 < 490.5 and 660 < c.top < 681]
    assert text_of(cell) == "3.7"
    stray = [c for c in chars if abs(c.x0 - 434.5) < 1 and abs(c.top - 664.2) < 1]
    assert stray == []  # the `4.6` drawn outside its clip


def test_variant_invisible_strings_are_not_in_ingest() -> None:
    expected = json.loads(VARIANT.with_suffix(".json").read_text(encoding="utf-8"))
    doc = ingest.run(VARIANT)
    texts = [text_of(pg.chars) for pg in doc.pages]
    for s in expected["invisible"]:
        assert not any(s in t for t in texts), s
    assert any("860.6" in t for t in texts)  # the table's visible cells stay


def test_helpers() -> None:
    assert not painted((1, 1, 1), 0.98) and not painted(1, 0.98) and not painted((0, 0, 0, 0), 0.98)
    assert painted((0.1, 0.2, 0.45), 0.98) and painted(0, 0.98) and painted("P1", 0.98)
    assert intersect((0, 0, 10, 10), (5, 5, 20, 20)) == (5, 5, 10, 10)
    assert intersect((0, 0, 10, 10), None) == (0, 0, 10, 10)
    empty = intersect((0, 0, 1, 1), (5, 5, 6, 6))
    assert empty[0] > empty[2]
    flip = (1.0, 0.0, 0.0, -1.0, 0.0, 841.9)  # a WPS page's flipped user space
    box = path_box([("m", 394.55, 612.3), ("l", 490.4, 629.3)], flip)
    assert box is not None and box[1] == pytest.approx(841.9 - 629.3) and box[3] == pytest.approx(841.9 - 612.3)

"""Hostile inputs (issue 16), built in a folder for a test: `hostile_inputs(tmp)` -> {name: path}.

    directory          a directory named like a PDF (folder.pdf/)
    unreadable         a good plan with mode 000 (batches run as root drop the right to read it anyway); left out
                       where nothing stops reads by mode
    symlink-loop       loop.pdf, a symbolic link to itself
    tounicode-bomb     a good plan whose CJK font's ToUnicode CMap is 0.2 MB on disk, ~200 MB inflated
    content-bomb       a good plan whose first page gains a content stream of 0.4 MB, ~400 MB inflated
    newline-name       a truncated PDF whose name holds a newline: its error must still be one line
    percent20-name     a good plan named plan%20name.pdf: its plan_id must read back as written
    rotated            a three-page plan, pages /Rotate 90, 180 and 270, drawn so that each displays upright
    cid-owner-password a plan encrypted with an owner password only (opens without one), its CJK font
                       re-encoded Identity-H without ToUnicode: its text decodes only to (cid:N)

Every good plan here has its own text, so no two files share their bytes (nor a cache entry).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pikepdf

TESTS = Path(__file__).resolve().parent
sys.path[:0] = [p for p in (str(TESTS), str(TESTS / "tools")) if p not in sys.path]

import fuzz  # noqa: E402
from pdfbuilder import Doc  # noqa: E402

P = "这是一个用于测试的段落，内容围绕经济社会发展展开，包括产业升级、城乡融合、生态保护和民生改善等多个方面的任务安排。"
CHAPTERS = ["第一章 总体要求", "第二章 创新发展", "第三章 绿色发展"]


def good_plan(path: Path, words: str = "", chapters: int = 1) -> Path:
    """A plan of `chapters` pages, a chapter heading, two paragraphs and (on the first page) a sidebar each;
    `words` make its text (and bytes) its own."""
    with fuzz.reproducible_pdfs():
        d = Doc(str(path))
        for i, title in enumerate(CHAPTERS[:chapters]):
            if i:
                d.new_page()
            d.heading(title, 20)
            d.paragraph(P * 2 + words)
            if not i:
                d.sidebar("专栏 1 重点项目", ["1.甲项目：" + P])
            d.paragraph(P + words)
        d.save()
    return path


def rotate_pages(path: Path, angles: list[int]) -> None:
    """Set each page's /Rotate and draw its content turned back, so that the page displays upright: a viewer
    turns the page clockwise by /Rotate; the content is wrapped in the inverse turn (and the media box of a
    page turned a quarter is laid on its side)."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        for page, angle in zip(pdf.pages, angles, strict=False):
            x0, y0, x1, y1 = (float(v) for v in page.MediaBox)
            w, h = x1 - x0, y1 - y0
            cm = {
                0: "1 0 0 1 0 0",
                90: f"0 1 -1 0 {h:g} 0",
                180: f"-1 0 0 -1 {w:g} {h:g}",
                270: f"0 -1 1 0 0 {w:g}",
            }[angle]
            if angle in (90, 270):
                page.MediaBox = pikepdf.Array([0, 0, h, w])
            page.Rotate = angle
            page.contents_add(pdf.make_stream(f"q {cm} cm\n".encode()), prepend=True)
            page.contents_add(pdf.make_stream(b"\nQ\n"), prepend=False)
        pdf.save(path, static_id=True)


def cid_only(path: Path, owner: str = "owner-secret") -> None:
    """Re-encode the CJK font Identity-H (CIDSystemInfo Adobe-Identity), with no ToUnicode: pdfminer can map
    no code to a character and gives (cid:N); then encrypt with an owner password and an empty user password."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                if font.get("/Subtype") != pikepdf.Name.Type0:
                    continue
                font.Encoding = pikepdf.Name("/Identity-H")
                if "/ToUnicode" in font:
                    del font["/ToUnicode"]
                for cid_font in font.DescendantFonts:
                    cid_font.CIDSystemInfo = pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0)
        pdf.save(path, static_id=True, encryption=pikepdf.Encryption(owner=owner, user="", R=4))


def hostile_inputs(tmp: Path) -> dict[str, Path]:
    """The hostile inputs of issue 16 under `tmp` (see the module's docstring); `unreadable` is left out where
    mode 000 does not stop a batch's reads."""
    tmp.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    out["directory"] = tmp / "folder.pdf"
    out["directory"].mkdir()
    unreadable = good_plan(tmp / "unreadable.pdf", "无法读取")
    unreadable.chmod(0)
    if fuzz.reads_are_blocked(unreadable):
        out["unreadable"] = unreadable
    else:
        unreadable.unlink()
    out["symlink-loop"] = tmp / "loop.pdf"
    os.symlink("loop.pdf", out["symlink-loop"])
    bomb_base = good_plan(tmp / "bomb-base.pdf", "炸弹").read_bytes()
    (tmp / "bomb-base.pdf").unlink()
    out["tounicode-bomb"] = tmp / "tounicode-bomb.pdf"
    out["tounicode-bomb"].write_bytes(fuzz.add_cmap_bomb(bomb_base, b"0 ", 200))
    out["content-bomb"] = tmp / "content-bomb.pdf"
    out["content-bomb"].write_bytes(fuzz.add_content_bomb(bomb_base, b"0 ", 400))
    data = good_plan(tmp / "cut.pdf", "截断").read_bytes()
    (tmp / "cut.pdf").unlink()
    out["newline-name"] = tmp / "bad\nname.pdf"
    out["newline-name"].write_bytes(data[: len(data) // 2])
    out["percent20-name"] = good_plan(tmp / "plan%20name.pdf", "百分号")
    out["rotated"] = good_plan(tmp / "rotated.pdf", "旋转", chapters=3)
    rotate_pages(out["rotated"], [90, 180, 270])
    out["cid-owner-password"] = good_plan(tmp / "cid-owner.pdf", "加密")
    cid_only(out["cid-owner-password"])
    return out

"""Document metadata from the document: without a cover, the title printed at the top of the first page;
a metadata title that is a file's name is no title; a title printed as an image leaves `title` null
(with a warning) rather than taking the file's name or a stray metadata title."""

import io
import json
from pathlib import Path

import pandas as pd
from conftest import cli, extract_one, read
from pdfbuilder import Doc
from PIL import Image, ImageDraw
from reportlab.lib.utils import ImageReader

P = "这是一个用于测试的段落，内容围绕经济社会发展展开，包括产业升级、城乡融合、生态保护和民生改善等多个方面的任务安排。"
TITLE = "某某县国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要"
VARIANTS = Path(__file__).parent / "corpus" / "variants"


def body(d: Doc) -> None:
    d.heading("第一章 总体要求", 20)
    d.paragraph(P * 2)
    d.heading("第二章 创新发展", 20)
    d.paragraph(P)


def document(pdf: str | Path, out: Path) -> tuple[pd.Series, str]:
    """The documents row of a PDF and what the extraction logged."""
    res = cli("extract", pdf, "--out", out, "-q")
    assert res.returncode == 0, res.stderr
    return read(out, "documents", Path(pdf).stem).iloc[0], res.stderr


def test_title_printed_on_the_first_page(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))  # no cover, no running header; reportlab's metadata title is 'untitled'
    d.centered(TITLE, 24)
    body(d)
    data = extract_one(d.save(), tmp_path / "out")
    doc = data["documents"].iloc[0]
    assert (doc.title, doc.title_source) == (TITLE, "first_page")
    assert not data["paragraphs"].text.str.contains("二〇三五年远景目标纲要").any()  # the title is no paragraph
    assert list(data["outline"].label) == ["第一章", "第二章"]


def test_metadata_title_that_is_a_file_name_is_no_title(tmp_path):
    for meta, want in [
        ("plan.html", ("plan", "file_name")),
        ("Microsoft Word - 规划纲要.docx", ("plan", "file_name")),
        ("plan", ("plan", "file_name")),
        (TITLE, (TITLE, "metadata")),
    ]:
        d = Doc(str(tmp_path / "plan.pdf"))
        d.c.setTitle(meta)
        body(d)
        doc, _ = document(d.save(), tmp_path / f"out-{len(meta)}")
        assert (doc.title, doc.title_source) == want, meta


def test_title_printed_as_an_image_is_null(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.c.setTitle("")
    img = Image.new("L", (600, 60), 255)
    ImageDraw.Draw(img).rectangle((40, 15, 560, 45), fill=0)  # a title's raster: pixels, no text
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    d.c.drawImage(ImageReader(io.BytesIO(buf.getvalue())), d.left, d.H - d.y - 60, d.right - d.left, 60)
    d.y += 80
    body(d)
    doc, log = document(d.save(), tmp_path / "out")
    assert pd.isna(doc.title) and doc.title_source == "image"
    assert "title is printed as an image" in log


def test_corpus_titles(tmp_path, communique_out):
    for name in ("cr_no_title_metadata", "rl_title_image", "lo_parts_chapters", "lo_cover_toc"):
        gold = json.loads((VARIANTS / f"{name}.json").read_text(encoding="utf-8"))
        doc, _ = document(VARIANTS / f"{name}.pdf", tmp_path / name)
        assert (None if pd.isna(doc.title) else doc.title) == gold["title"], name
    communique = read(communique_out, "documents", "qiandongnan-2023-communique").iloc[0]
    assert pd.isna(communique.title) and communique.title_source == "image"  # raster slices, not the metadata

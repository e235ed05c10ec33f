"""Headings by label and layout together: set apart by face, weight, size or centring, or, in a plan that
sets its headings in the body style, by standing alone and being numbered right after the heading before.
Parts (第一篇) above chapters, subsections (1.) below sections. PDFs built here (pdfbuilder.py) and the
corpus variants that show each case (tests/corpus/variants/)."""

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import extract_one
from pdfbuilder import Doc

P = "这是一个用于测试的段落，内容围绕经济社会发展展开，包括产业升级、城乡融合、生态保护和民生改善等多个方面的任务安排。"
VARIANTS = Path(__file__).parent / "corpus" / "variants"


def body_heading(d: Doc, text: str) -> None:
    """A heading printed like the first line of a paragraph: body font and size, first-line indent."""
    d.need(d.body_size * d.leading)
    d.text(text, d.left + 2 * d.body_size, d.y, d.body_size)
    d.y += d.body_size * d.leading


def rows(outline: pd.DataFrame) -> list[tuple]:
    def n(v):
        return None if pd.isna(v) else int(v)

    return [
        (r.level, r.label, r.title, n(r.part_no), n(r.chapter_no), n(r.section_no), n(r.subsection_no))
        for r in outline.itertuples()
    ]


def expected_outline(name: str) -> list[tuple]:
    gold = json.loads((VARIANTS / f"{name}.json").read_text(encoding="utf-8"))
    return [
        (o["level"], o["label"], o["title"], o["page"], o["part_no"], o["chapter_no"], o["section_no"])
        for o in gold["outline"]
    ]


def got_outline(outline: pd.DataFrame) -> list[tuple]:
    def n(v):
        return None if pd.isna(v) else int(v)

    return [
        (r.level, r.label, r.title, int(r.page_start), n(r.part_no), n(r.chapter_no), n(r.section_no))
        for r in outline.itertuples()
    ]


def test_headings_in_the_body_style_are_read_from_their_numbering(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    body_heading(d, "第一章 总体要求")
    body_heading(d, "第一节 指导思想")
    d.paragraph(P * 2)
    d.paragraph("第三节所述的任务，" + P)  # a sentence opening with a label: a paragraph
    body_heading(d, "第二节 基本原则")
    d.paragraph(P * 2)
    body_heading(d, "第二章 构建现代产业体系")  # a chapter without sections
    d.paragraph(P * 2)
    body_heading(d, "第三章 推进乡村振兴")
    d.paragraph(P)
    data = extract_one(d.save(), tmp_path / "out")
    assert rows(data["outline"]) == [
        ("chapter", "第一章", "总体要求", None, 1, None, None),
        ("section", "第一节", "指导思想", None, 1, 1, None),
        ("section", "第二节", "基本原则", None, 1, 2, None),
        ("chapter", "第二章", "构建现代产业体系", None, 2, None, None),
        ("chapter", "第三章", "推进乡村振兴", None, 3, None, None),
    ]
    paras = data["paragraphs"]
    assert paras.text.str.startswith("第三节所述").sum() == 1
    assert not paras.text.str.contains("总体要求").any()
    assert list(paras.chapter_no) == [1, 1, 1, 2, 3] and list(paras.section_no.fillna(0)) == [1, 1, 2, 0, 0]


def test_a_line_opening_with_a_label_out_of_sequence_is_no_heading(tmp_path):
    """一、 inside a chapter numbered 一、 is a sentence, even standing alone; so is a list of short items."""
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("一、发展基础", 18, center=False)
    d.heading("（一）发展成就", 15, center=False)
    d.paragraph(P * 2)
    d.paragraph("一、二产业融合发展取得积极进展。")  # alone, short, but 一 again: no chapter
    d.paragraph(P)
    d.heading("（二）面临形势", 15, center=False)
    d.paragraph(P)
    d.paragraph("1.优先发展教育事业；")  # items ending in ；: no subsection
    d.paragraph("2.优先保障和改善民生；")
    d.heading("二、总体要求", 18, center=False)
    d.paragraph(P)
    data = extract_one(d.save(), tmp_path / "out")
    assert [(r[0], r[1]) for r in rows(data["outline"])] == [
        ("chapter", "一、"),
        ("section", "（一）"),
        ("section", "（二）"),
        ("chapter", "二、"),
    ]
    assert data["paragraphs"].text.str.startswith("一、二产业").sum() == 1
    assert data["paragraphs"].text.str.startswith("1.优先").sum() == 1


def test_parts_above_chapters_and_subsections_below_sections(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一篇 总论", 22)
    d.heading("第一章 总体要求", 20)
    d.heading("第一节 指导思想", 16, center=False)
    d.paragraph(P * 2)
    d.heading("第二篇 发展", 22)
    d.paragraph("本篇导言。" + P)  # between a part and its first chapter: in the part, in no chapter
    d.heading("第二章 创新发展", 20)
    d.heading("第一节 建设创新平台", 16, center=False)
    d.paragraph(P)
    body_heading(d, "1.推进数字产业化。")
    d.paragraph(P)
    body_heading(d, "2.发展现代服务业。")
    d.paragraph(P)
    data = extract_one(d.save(), tmp_path / "out")
    assert rows(data["outline"]) == [
        ("part", "第一篇", "总论", 1, None, None, None),
        ("chapter", "第一章", "总体要求", 1, 1, None, None),
        ("section", "第一节", "指导思想", 1, 1, 1, None),
        ("part", "第二篇", "发展", 2, None, None, None),
        ("chapter", "第二章", "创新发展", 2, 2, None, None),
        ("section", "第一节", "建设创新平台", 2, 2, 1, None),
        ("subsection", "1.", "推进数字产业化。", 2, 2, 1, 1),
        ("subsection", "2.", "发展现代服务业。", 2, 2, 1, 2),
    ]
    paras = data["paragraphs"].set_index(data["paragraphs"].text.str[:4])
    intro = paras.loc["本篇导言"]
    assert (intro.part_no, pd.isna(intro.chapter_no), intro.matter) == (2, True, "body")
    assert list(data["paragraphs"].subsection_no.dropna().astype(int)) == [1, 2]
    assert data["documents"].iloc[0].heading_scheme == "第一章/第一节"
    assert not data["paragraphs"].text.str.contains("第二篇").any()


@pytest.mark.parametrize("name", ["rl_headings_body_font", "lo_parts_chapters", "cr_headings_yi_numbering"])
def test_corpus_outline(tmp_path, name):
    data = extract_one(VARIANTS / f"{name}.pdf", tmp_path / "out")
    assert got_outline(data["outline"]) == expected_outline(name)

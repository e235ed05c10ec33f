"""Appendices and end matter: 附表, 附件, 附录, 名词解释 and 注释 after the last chapter are `appendix` rows
of the outline and hold their paragraphs; the notes and sources printed after the last chapter (注释：,
资料来源：) belong to no chapter. PDFs built here (pdfbuilder.py) and the corpus variants."""

import json
from pathlib import Path

import pandas as pd
from conftest import extract_one
from pdfbuilder import Cell, Doc

P = "这是一个用于测试的段落，内容围绕经济社会发展展开，包括产业升级、城乡融合、生态保护和民生改善等多个方面的任务安排。"
VARIANTS = Path(__file__).parent / "corpus" / "variants"


def place(paras: pd.DataFrame, start: str) -> tuple:
    """(matter, chapter_no, appendix_no) of the paragraph opening with `start`."""
    hits = paras[paras.text.str.startswith(start)]
    assert len(hits) == 1, start
    r = hits.iloc[0]
    return (
        r.matter,
        (None if pd.isna(r.chapter_no) else int(r.chapter_no)),
        (None if pd.isna(r.appendix_no) else int(r.appendix_no)),
    )


def test_appendices_after_the_last_chapter_hold_their_paragraphs(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 保障措施", 20)
    d.paragraph("加强组织领导。" + P)
    header = [[Cell("序号"), Cell("项目名称"), Cell("总投资（亿元）")]]
    body = [[Cell("1"), Cell("甲项目"), Cell("3.3")], [Cell("2"), Cell("乙项目"), Cell("5.9")]]
    d.table("附表1 重大项目表", header, body, [60, 200, 120])  # a table's caption inside a chapter
    d.paragraph("强化要素保障。" + P)
    d.heading("附件 规划编制说明", 16, center=False)
    d.paragraph("本规划依据。" + P)
    d.heading("附录二：重大政策清单", 16, center=False)
    d.paragraph("政策清单说明。" + P)
    d.heading("名词解释", 16, center=False)
    d.paragraph("数字经济核心产业：指为产业数字化发展提供数字技术、产品、服务和解决方案的产业。")
    data = extract_one(d.save(), tmp_path / "out")
    o = data["outline"]
    assert [(r.level, r.label, r.title) for r in o.itertuples()] == [
        ("chapter", "第一章", "保障措施"),
        ("appendix", "附件", "规划编制说明"),
        ("appendix", "附录二", "重大政策清单"),
        ("appendix", "名词解释", ""),
    ]
    assert list(o.appendix_no.fillna(0).astype(int)) == [0, 1, 2, 3]
    assert o.chapter_no.iloc[1:].isna().all()
    paras = data["paragraphs"]
    assert place(paras, "强化要素保障") == ("body", 1, None)
    assert place(paras, "本规划依据") == ("appendix", None, 1)
    assert place(paras, "政策清单说明") == ("appendix", None, 2)
    assert place(paras, "数字经济核心产业") == ("appendix", None, 3)
    assert not paras.text.str.contains("规划编制说明|名词解释").any()


def test_end_notes_after_the_last_chapter_belong_to_no_chapter(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 发展基础", 20)
    d.paragraph(P * 2)
    d.paragraph("资料来源：县统计局。", indent=False)  # a source inside the plan: its chapter's
    d.heading("第二章 总体要求", 20)
    d.paragraph(P * 2)
    d.paragraph("注释：本规划中涉及的指标数据均为初步统计数。", indent=False)
    d.paragraph("资料来源：县统计局、县发展改革局。", indent=False)
    data = extract_one(d.save(), tmp_path / "out")
    assert list(data["outline"].level) == ["chapter", "chapter"]  # 注释： runs in: a note, not an appendix
    paras = data["paragraphs"]
    assert place(paras, "资料来源：县统计局。") == ("body", 1, None)
    assert place(paras, "注释：") == ("end", None, None)
    assert place(paras, "资料来源：县统计局、") == ("end", None, None)
    assert paras.section_no.isna().all() and paras.part_no.isna().all()
    assert data["outline"].iloc[-1].page_end == data["outline"].iloc[-1].page_start


def test_corpus_appendices_and_end_notes(tmp_path):
    paras = {}
    for name in ("lo_appendices", "rl_title_image"):
        gold = json.loads((VARIANTS / f"{name}.json").read_text(encoding="utf-8"))
        data = extract_one(VARIANTS / f"{name}.pdf", tmp_path / name)
        got = [
            (r.level, r.label, r.title, int(r.page_start), None if pd.isna(r.chapter_no) else int(r.chapter_no))
            for r in data["outline"].itertuples()
        ]
        assert got == [(g["level"], g["label"], g["title"], g["page"], g["chapter_no"]) for g in gold["outline"]]
        assert set(gold["paragraphs"]) <= set(data["paragraphs"].text)
        paras[name] = data["paragraphs"]
    assert place(paras["lo_appendices"], "数字经济核心产业") == ("appendix", None, 3)
    assert place(paras["lo_appendices"], "注释：") == ("appendix", None, 3)  # a note inside an appendix stays there
    assert place(paras["rl_title_image"], "注释：") == ("end", None, None)
    assert place(paras["rl_title_image"], "资料来源：") == ("end", None, None)

"""Layout variations real plans show, each in a small PDF built by the test (see pdfbuilder.py)."""

import re

import pytest
from conftest import extract_one
from pdfbuilder import Doc, kangxi

P = "这是一个用于测试的段落，内容围绕经济社会发展展开，包括产业升级、城乡融合、生态保护和民生改善等多个方面的任务安排。"
TITLE = "某某区国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要"
HEADER = "某某区国民经济和社会发展第十四个五年规划纲要"


def front_matter(d: Doc) -> None:
    d.y = 250
    d.centered(TITLE, 24)
    d.centered("二〇二一年三月", 16, bold=False)
    d.new_page()
    d.centered("目  录", 20)
    for t, n in [("第一章 总体要求", 1), ("第一节 发展基础", 1), ("第二节 主要目标", 2), ("第二章 创新发展", 3)]:
        d.text(f"{t} {'.' * 40} {n}", d.left, d.y, 14)
        d.y += 28
    d.new_page()


def simple_body(d: Doc) -> None:
    d.heading("第一章 总体要求", 20)
    d.heading("第一节 发展基础", 16)
    d.paragraph("综合实力稳步提升。" + P * 3, lead="综合实力稳步提升。")
    d.paragraph(P * 6)
    d.heading("第二节 主要目标", 16)
    d.paragraph(P * 6)
    d.new_page()
    d.heading("第二章 创新发展", 20)
    d.paragraph("人民生活水平提高。" + P * 2, lead="人民生活水平提高。")


@pytest.mark.parametrize(
    "style,first", [("{n}", "1"), ("- {n} -", "- 1 -"), ("— {n} —", "— 1 —"), ("第 {n} 页", "第 1 页")]
)
def test_cover_toc_running_header_and_page_numbers(tmp_path, style, first):
    d = Doc(
        str(tmp_path / "plan.pdf"),
        header=HEADER,
        page_number=style,
        header_from_page=3,
        numbers_from_page=3,
        number_offset=2,
    )
    front_matter(d)
    simple_body(d)
    data = extract_one(d.save(), tmp_path / "out")

    pages = data["pages"].set_index("page")
    assert list(pages.kind[:3]) == ["cover", "toc", "body"]
    assert pages.loc[3, "printed_page"] == 1 and pages.loc[3, "printed_page_label"] == first
    assert pages.loc[4, "printed_page"] == 2
    assert pages.loc[3, "header_text"] == HEADER
    body_text = "\n".join(pages.text[2:])
    assert HEADER not in body_text and first not in pages.loc[3, "text"].splitlines()
    # cover and contents produce no structure
    outline = data["outline"]
    assert list(outline.label) == ["第一章", "第一节", "第二节", "第二章"]
    assert outline.page_start.min() == 3
    assert data["paragraphs"].page_start.min() == 3
    assert not data["paragraphs"].text.str.contains(HEADER).any()
    assert not data["paragraphs"].text.str.contains(r"\.{5}").any()
    doc = data["documents"].iloc[0]
    assert doc.title == TITLE and doc.title_source == "cover" and doc.front_matter_pages == 2


def test_shaded_borderless_sidebar_and_label_forms(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 总体要求", 20)
    d.paragraph(P * 2)
    d.sidebar(
        "专栏2-1 重点平台建设",
        ["1.第一平台：" + P, "2.第二平台：" + P + "（牵头单位：发改局、经信局）"],
        frame="shading",
    )
    d.paragraph(P * 2)
    d.sidebar("专栏 3 重大项目", ["——甲项目：" + P, "——乙项目：" + P], frame="border")
    d.sidebar("专栏一 改革举措", ["（1）第一项改革", P, "（2）第二项改革", P], frame="border+shading")
    data = extract_one(d.save(), tmp_path / "out")
    sb = data["sidebars"]
    assert list(sb.sidebar_label) == ["2-1", "3", "一"]
    assert list(sb.title) == ["重点平台建设", "重大项目", "改革举措"]
    assert list(sb.frame) == ["shading", "border", "border+shading"]
    items = data["sidebar_items"]
    first = items[items.sidebar_seq == 1]
    assert list(first.item_label) == ["1.", "2."]
    assert list(first.heading) == ["第一平台", "第二平台"]
    assert first.iloc[1].lead_agency == "发改局、经信局"
    third = items[items.sidebar_seq == 3]
    assert list(third.item_label) == ["（1）", "（2）"] and third.iloc[0].text == P
    # sidebar text never leaks into paragraphs
    assert not data["paragraphs"].text.str.contains("第一平台").any()


def test_sidebar_split_over_page_break_is_one_sidebar(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 总体要求", 20)
    d.heading("第一节 发展基础", 16)
    d.paragraph(P * 7)
    d.sidebar(
        "专栏 1 跨页的专栏",
        ["一、第一类工程", P * 3, "二、第二类工程", P * 4, "三、第三类工程", P * 3, "（牵头单位：发改局）"],
    )
    d.paragraph("后续段落。" + P, lead="后续段落。")
    data = extract_one(d.save(), tmp_path / "out")
    sb = data["sidebars"]
    assert len(sb) == 1
    s = sb.iloc[0]
    assert s.page_end == s.page_start + 1
    assert s.text.count(P) == 10 and s.lead_agency == "发改局"
    items = data["sidebar_items"]
    assert list(items.item_label) == ["一、", "二、", "三、"]
    assert list(items.heading) == ["第一类工程", "第二类工程", "第三类工程"]
    assert items.iloc[2].text == P * 3
    assert data["paragraphs"].iloc[-1].lead == "后续段落"


def test_paragraph_interrupted_by_sidebar_is_one_paragraph(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 总体要求", 20)
    text = "改革创新成效明显。" + P * 4
    d.paragraph(
        text,
        lead="改革创新成效明显。",
        break_after=3,
        insert=lambda: d.sidebar("专栏 2 插入的专栏", ["——甲项目：" + P, "——乙项目：" + P]),
    )
    d.paragraph("下一段。" + P)
    data = extract_one(d.save(), tmp_path / "out")
    paras = data["paragraphs"]
    assert list(paras.text) == [text, "下一段。" + P]
    assert paras.iloc[0].lead == "改革创新成效明显"
    assert len(data["sidebars"]) == 1 and data["sidebars"].iloc[0].item_count == 2


def test_sidebar_title_printed_above_its_box(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 总体要求", 20)
    d.paragraph(P * 2)
    d.sidebar("专栏 4 框外标题", ["1.第一项：" + P, "2.第二项：" + P], title_above=True)
    d.paragraph(P)
    data = extract_one(d.save(), tmp_path / "out")
    sb = data["sidebars"].iloc[0]
    assert (sb.sidebar_label, sb.title, sb.item_count) == ("4", "框外标题", 2)
    assert not data["paragraphs"].text.str.contains("框外标题").any()


def test_cn_numbered_headings(tmp_path):
    """Plans numbered 一、/（一）: chapters and sections come from the labels set apart in bold."""
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("一、发展基础和面临形势", 18, center=False)
    d.heading("（一）发展基础", 15, center=False)
    d.paragraph(P * 3)
    d.paragraph("一、这一段以编号开头但不是标题，" + P)  # a numbered body paragraph, not bold: not a heading
    d.heading("（二）面临形势", 15, center=False)
    d.paragraph(P * 2)
    d.sidebar("专栏 1 工程", ["一、第一项工程", P, "二、第二项工程", P])
    d.heading("二、总体要求", 18, center=False)
    d.paragraph(P * 2)
    d.heading("（一）指导思想", 15, center=False)
    d.paragraph(P)
    data = extract_one(d.save(), tmp_path / "out")
    o = data["outline"]
    assert list(zip(o.level, o.chapter_no, o.section_no.fillna(0).astype(int), o.label, o.title, strict=True)) == [
        ("chapter", 1, 0, "一、", "发展基础和面临形势"),
        ("section", 1, 1, "（一）", "发展基础"),
        ("section", 1, 2, "（二）", "面临形势"),
        ("chapter", 2, 0, "二、", "总体要求"),
        ("section", 2, 1, "（一）", "指导思想"),
    ]
    assert data["documents"].iloc[0].heading_scheme == "一、/（一）"
    paras = data["paragraphs"]
    assert paras.text.str.startswith("一、这一段").sum() == 1
    assert len(data["sidebars"]) == 1


def test_kangxi_radicals_and_doubled_characters(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 人民长远发展", 20)  # fake bold: every glyph painted twice
    d.paragraph("民生事业不断发展。" + P * 2, lead="民生事业不断发展。")
    d.sidebar("专栏 1 长效机制", ["1.一项措施：" + P])
    path = d.save()
    kangxi(path, {"一": "⼀", "民": "⺠", "长": "⻓"})  # Kangxi and radical-supplement code points in the text layer
    data = extract_one(path, tmp_path / "out")
    text = "".join(data["paragraphs"].text) + "".join(data["outline"].title) + "".join(data["sidebars"].text)
    assert not re.search("[\u2e80-\u2fdf]", text)
    o = data["outline"].iloc[0]
    assert (o.label, o.title) == ("第一章", "人民长远发展")  # no 第第一一章章
    para = data["paragraphs"].iloc[0]
    assert para.lead == "民生事业不断发展" and para.text.startswith("民生事业不断发展。这是一个")
    assert data["sidebars"].iloc[0].title == "长效机制"
    assert data["sidebar_items"].iloc[0].heading == "一项措施"


def test_links_keep_their_target_out_of_the_text(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 总体要求", 20)
    d.paragraph(P)
    d.link("数字贸易", "https://baike.baidu.com/item/x")
    data = extract_one(d.save(), tmp_path / "out")
    links = data["links"]
    assert list(links.uri) == ["https://baike.baidu.com/item/x"] and links.iloc[0].text == "数字贸易"
    assert not data["paragraphs"].text.str.contains("http").any()
    assert not data["pages"].text.str.contains("http").any()


def test_part_headings_above_chapters_are_not_paragraphs(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一篇 总论", 22)
    d.heading("第一章 总体要求", 20)
    d.paragraph(P * 2)
    d.heading("第二篇 发展", 22)
    d.heading("第二章 创新发展", 20)
    d.paragraph(P)
    data = extract_one(d.save(), tmp_path / "out")
    o = data["outline"]
    # parts are outline rows above the chapters (schemas/outline.toml), never paragraphs
    assert list(o.label) == ["第一篇", "第一章", "第二篇", "第二章"]
    assert list(o.level) == ["part", "chapter", "part", "chapter"] and list(o.part_no) == [1, 1, 2, 2]
    assert list(o[o.level == "chapter"].title) == ["总体要求", "创新发展"]
    assert not data["paragraphs"].text.str.contains("篇").any()


def test_chapter_heading_on_a_shaded_banner_is_a_heading_not_a_sidebar(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 总体要求", 20, banner=True)
    d.paragraph(P * 2)
    d.sidebar("专栏 1 重点项目", ["1.甲项目：" + P], frame="shading")
    d.heading("第二章 创新发展", 20, banner=True)
    d.paragraph(P)
    data = extract_one(d.save(), tmp_path / "out")
    assert list(data["outline"].label) == ["第一章", "第二章"]
    assert list(data["sidebars"].sidebar_label) == ["1"]

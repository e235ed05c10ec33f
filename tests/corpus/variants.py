"""The variants: each a small plan-like document showing one or a few layout cases.

A variant is a name, a producer, its cases and a function building its `Doc`. Content comes from
content.py (the bundled plan's indicator tables and sidebars, or synthetic plans of other regions
drawn from an RNG seeded with the variant's name).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import content as C
from model import Cover, Doc, Heading, PageBreak, Para, Sidebar, Table, Title, Toc


@dataclass
class Variant:
    name: str
    producer: str
    cases: list[str]
    build: Callable[["Variant"], Doc]
    note: str = ""


REGISTRY: list[Variant] = []


def variant(name: str, producer: str, cases: list[str], note: str = ""):
    def wrap(fn):
        REGISTRY.append(Variant(name, producer, cases, fn, note))
        return fn
    return wrap


def chapter(n: int, title: str, **kw) -> Heading:
    return Heading("chapter", f"第{C.cn_num(n)}章", title, **kw)


def section(n: int, title: str, **kw) -> Heading:
    return Heading("section", f"第{C.cn_num(n)}节", title, **kw)


def doc(v: Variant, region: str, blocks: list, title: bool = True, **kw) -> Doc:
    t = C.plan_title(region)
    if title:
        blocks = [Title(t)] + blocks
    return Doc(v.name, v.producer, v.cases, blocks, t if title else None, **kw)


def table_doc(v: Variant, region: str, table: Table, before: int = 1, after: int = 1,
              chapter_title: str = "发展基础", **kw) -> Doc:
    """Title, one chapter, a section, paragraphs around one table: the frame of most table variants."""
    r = C.rng(v.name)
    blocks = [chapter(1, C.CHAPTER_TITLES[0]), section(1, chapter_title)]
    blocks += [C.paragraph(r) for _ in range(before)]
    blocks.append(table)
    blocks += [C.paragraph(r) for _ in range(after)]
    return doc(v, region, blocks, **kw)


NARROW_HEADER = ["一级指标", "序号", "二级指标", "单位", "2019 年", "2020 年", "2025 年", "年均增长", "指标属性"]
NARROW_WIDTHS = [1.4, 0.75, 1.75, 1.1, 1.1, 1.1, 1.1, 1.6, 1.4]
LONG_NAMES = ["研究与试验发展经费投入强度", "每万人口高价值发明专利拥有量", "城镇居民人均可支配收入",
              "单位地区生产总值能耗降低", "高新技术产业增加值占规模以上工业增加值比重",
              "地表水达到或好于Ⅲ类水体比例", "每千人口拥有执业（助理）医师数", "一般公共预算收入",
              "劳动年龄人口平均受教育年限", "常住人口城镇化率"]


def narrow_table(r, caption: str, **kw) -> Table:
    """Narrow columns: header words wrap mid-word, indicator names over 3 to 6 lines."""
    t = C.targets_table(r, n=8, caption=caption)
    rows = []
    for i, row in enumerate(t.rows):
        rows.append([row[0], row[1], LONG_NAMES[i % len(LONG_NAMES)], row[3],
                     f"{r.uniform(2, 90):.1f}", row[4], row[5], row[6], row[7]])
    return Table(header=NARROW_HEADER, rows=rows, merged=C.run_merges(rows, 0), caption=caption,
                 kind="indicator_targets", widths=NARROW_WIDTHS, total_width=11.3 / 15.8, **kw)


# ================================================================== tables
@variant("lo_grid_targets", "libreoffice", ["grid", "merged_category", "indicator_targets", "page_number"])
def _(v):
    r = C.rng(v.name)
    return table_doc(v, "临川区", C.targets_table(r, n=10), page_number="- {n} -")


@variant("lo_narrow_header_wrap", "libreoffice", ["grid", "header_wrap", "cell_wrap", "merged_category"])
def _(v):
    r = C.rng(v.name)
    return table_doc(v, "婺源县", narrow_table(r, "表1 “十四五”时期主要发展指标"))


@variant("lo_narrow_shaded_header", "libreoffice", ["grid", "header_wrap", "cell_wrap", "header_shading"])
def _(v):
    r = C.rng(v.name)
    return table_doc(v, "安吉县", narrow_table(r, "表2 经济社会发展主要指标", header_fill="#d9d9d9"),
                     header_text="安吉县国民经济和社会发展第十四个五年规划纲要", page_number="— {n} —")


@variant("cr_narrow_shaded_header", "chromium", ["grid", "header_wrap", "cell_wrap", "header_shading"])
def _(v):
    r = C.rng(v.name)
    return table_doc(v, "宁乡市", narrow_table(r, "表1 “十四五”经济社会发展主要指标", header_fill="#d0d0d0"))


def three_line(r, caption, **kw) -> Table:
    rows = []
    for _cat, name, unit, kind in C.INDICATORS[:9]:
        base, target, growth = C._value(r, kind)
        rows.append([name + f"（{unit}）", f"{r.uniform(10, 500):.1f}", base, target, growth])
    return Table(header=["指标", "2015 年", "2020 年", "2025 年", "年均增速"], rows=rows, caption=caption,
                 ruling="three_line", kind="indicator_targets", widths=[4.2, 1.0, 1.0, 1.0, 1.2],
                 display_header=["指标", "2015 年", "2020 年", "2025 年", "年均增速"],
                 align=["left", "center", "center", "center", "center"], **kw)


@variant("cr_three_line", "chromium", ["three_line", "header_wrap"])
def _(v):
    r = C.rng(v.name)
    t = three_line(r, "表1 “十四五”主要经济指标")
    t.widths = [4.4, 0.75, 0.75, 0.75, 1.0]     # narrow year columns: 2015 / 年, 年均增 / 速
    t.total_width = 0.72
    return table_doc(v, "遵义市汇川区", t, page_number="{n}")


@variant("rl_three_line", "reportlab", ["three_line", "header_wrap"])
def _(v):
    r = C.rng(v.name)
    t = three_line(r, "表1 主要经济指标")
    t.widths = [4.4, 0.75, 0.75, 0.75, 1.0]
    t.total_width = 0.72
    return table_doc(v, "南丰县", t, page_number="- {n} -")


@variant("rl_three_line_cellrects", "reportlab", ["three_line", "rules_per_cell_rects"])
def _(v):
    r = C.rng(v.name)
    t = three_line(r, "表2 “十三五”时期主要经济指标完成情况", rule_mode="cellrects")
    t.header = ["指标", "2015年", "2020年", "规划目标", "年均增速"]
    t.header += ["完成情况", "备注", "属性", "排名", "单位"][:5]
    for row in t.rows:
        row += [f"{r.uniform(50, 99):.1f}", r.choice(["超额完成", "完成", "基本完成"]), r.choice(["预期性", "约束性"]),
                str(r.randint(1, 11)), r.choice(["亿元", "%", "万人"])]
    t.widths = [3.4, 1, 1, 1, 1.2, 1, 1.3, 1, 0.8, 0.9]
    t.display_header, t.align = None, None
    return table_doc(v, "浏阳市", t)


@variant("cr_rows_ruled", "chromium", ["rows_ruled", "no_verticals"])
def _(v):
    r = C.rng(v.name)
    t = C.amounts_table(r, number=4, ruling="rows")
    return table_doc(v, "德清县", t, header_text="德清县统计局", page_number="第 {n} 页")


def communique(r, number: int, **kw) -> Table:
    return C.crop_table(r, number=number, ruling="header_only", header_fill="#d9d9d9", **kw)


@variant("rl_communique", "reportlab", ["header_only", "header_shading", "rules_as_rects", "caption_gap", "sub_items"])
def _(v):
    r = C.rng(v.name)
    t = communique(r, 3, rule_mode="rect")
    t.caption = "表3　　　2023年主要农产品产量"
    return table_doc(v, "桐庐县", t, before=2, chapter_title="农业")


@variant("lo_communique", "libreoffice", ["header_only", "header_shading", "caption_gap", "sub_items"])
def _(v):
    r = C.rng(v.name)
    t = communique(r, 5)
    t.caption = "表5　　　2023年主要农产品产量"
    return table_doc(v, "仙居县", t, before=2, chapter_title="农业")


@variant("cr_communique", "chromium", ["header_only", "header_shading", "caption_gap", "sub_items"])
def _(v):
    r = C.rng(v.name)
    t = communique(r, 4)
    t.caption = "表4　　　2023年主要农产品产量"
    return table_doc(v, "湘潭县", t, before=2, chapter_title="农业")


@variant("cr_zebra", "chromium", ["zebra", "no_rules"])
def _(v):
    r = C.rng(v.name)
    t = C.amounts_table(r, number=1, ruling="none", zebra="#e6e6e6", header_fill="#bfbfbf")
    return table_doc(v, "修水县", t)


@variant("rl_no_rules", "reportlab", ["no_rules"])
def _(v):
    r = C.rng(v.name)
    t = C.crop_table(r, number=2, ruling="none")
    return table_doc(v, "永康市", t, page_number="{n}")


@variant("lo_two_level_header", "libreoffice", ["grid", "two_level_header", "indicator_review", "merged_category",
                                                "merged_across"])
def _(v):
    r = C.rng(v.name)
    t = C.review_table(r, n=10, caption="表1 “十三五”规划主要指标完成情况")
    return table_doc(v, "余江区", t, chapter_title="“十三五”时期发展回顾")


@variant("cr_two_level_header", "chromium", ["grid", "two_level_header", "indicator_review", "bundled_plan"])
def _(v):
    t = C.jindong_table("review", first=14)
    return table_doc(v, "金东区", t, chapter_title="发展回顾")


@variant("lo_tall_merged_cell", "libreoffice", ["grid", "tall_merged_cell", "merged_category", "merged_across",
                                                "indicator_review"])
def _(v):
    r = C.rng(v.name)
    t = C.review_table(r, n=9, caption="表1 “十三五”规划主要指标完成情况")
    cats = ["经济发展"] * 3 + ["开放发展"] * 3 + ["绿色发展"] * 3
    for i, row in enumerate(t.rows):
        row[0] = cats[i]
    for row in t.rows[6:9]:
        row[6:9] = ["完成年度考核目标"] * 3
    t.merged = C.run_merges(t.rows, 0) + [(6, 6, 3, 3)]
    t.widths = [0.6, 0.7, 3.6, 1.0, 1.2, 1.5, 1.2, 1.2, 1.5]
    return table_doc(v, "宜章县", t)


@variant("lo_continued_repeat_header", "libreoffice", ["grid", "continued", "repeated_header", "indicator_targets",
                                                       "bundled_plan"])
def _(v):
    t = C.jindong_table("targets", repeat_header=True)
    return table_doc(v, "金东区", t, before=2, page_number="- {n} -")


@variant("rl_continued_no_repeat", "reportlab", ["grid", "continued", "no_repeated_header", "indicator_targets"])
def _(v):
    r = C.rng(v.name)
    t = C.targets_table(r, n=16, caption="表1 “十四五”时期经济社会发展主要指标", repeat_header=False,
                        break_after_row=9)
    return table_doc(v, "婺源县", t, before=3, page_number="- {n} -")


@variant("rl_continued_xubiao", "reportlab", ["grid", "continued", "continued_caption", "repeated_header"])
def _(v):
    r = C.rng(v.name)
    t = C.project_table(r, "安吉县", n=9, caption="表2 “十四五”时期重大建设项目", continued_caption="续表",
                        break_after_row=4)
    return table_doc(v, "安吉县", t, before=4, page_number="{n}")


@variant("rl_rotate90", "reportlab", ["grid", "landscape_rotate", "indicator_review"])
def _(v):
    r = C.rng(v.name)
    t = C.review_table(r, n=8, caption="表1 “十三五”规划主要指标完成情况")
    blocks = [chapter(1, "“十三五”时期发展回顾"), C.paragraph(r), PageBreak(landscape=True), t,
              PageBreak(landscape=False), C.paragraph(r)]
    return doc(v, "宁乡市", blocks, page_number="- {n} -", opts={"rotate": True})


@variant("cr_landscape", "chromium", ["grid", "landscape_mediabox", "indicator_targets", "bundled_plan"])
def _(v):
    t = C.jindong_table("targets", first=12)
    return table_doc(v, "金东区", t, landscape=True)


@variant("cr_captions_notes", "chromium", ["grid", "three_line", "caption_above", "note_below", "source_below"])
def _(v):
    r = C.rng(v.name)
    t1 = C.amounts_table(r, number=1, note="注：绝对数按现价计算，指数按不变价格计算。")
    t2 = C.project_table(r, "南丰县", n=4, caption="附表2 “十四五”时期重大项目", ruling="three_line",
                         source="资料来源：县发展改革委。")
    t3 = C.crop_table(r, number=3, title=None)
    t3.caption, t3.title = None, "主要农产品产量情况"
    t3.rows = t3.rows[:6]
    t3.note = "注：带#号的为其中项。"
    blocks = [chapter(1, "发展基础"), C.paragraph(r), t1, C.paragraph(r), t2, C.paragraph(r), t3]
    return doc(v, "南丰县", blocks, page_number="{n}")


@variant("lo_statistics", "libreoffice", ["grid", "statistics", "amounts_shares_indices", "sub_items"])
def _(v):
    r = C.rng(v.name)
    blocks = [chapter(1, "国民经济综合"), C.paragraph(r), C.amounts_table(r, number=1), C.paragraph(r),
              C.crop_table(r, number=2), C.paragraph(r)]
    return doc(v, "浏阳市", blocks, page_number="{n}")


def project_sidebar(r, region: str, label: str, style: str) -> Sidebar:
    t = C.project_table(r, region, n=5)
    return Sidebar(label, "“十四五”时期重大建设项目", [t], frame="border", style=style)


@variant("lo_sidebar_project_table", "libreoffice", ["sidebar", "sidebar_table", "project_list", "grid"])
def _(v):
    r = C.rng(v.name)
    blocks = [chapter(1, "扩大有效投资"), section(1, "实施重大项目带动战略"), C.paragraph(r),
              project_sidebar(r, "德清县", "3", "table"), C.paragraph(r)]
    return doc(v, "德清县", blocks)


@variant("rl_sidebar_project_table", "reportlab", ["sidebar", "sidebar_table", "project_list", "grid"])
def _(v):
    r = C.rng(v.name)
    blocks = [chapter(1, "扩大有效投资"), section(1, "实施重大项目带动战略"), C.paragraph(r),
              project_sidebar(r, "桐庐县", "4", "box"), C.paragraph(r)]
    return doc(v, "桐庐县", blocks, page_number="- {n} -")


@variant("rl_invisible_text", "reportlab", ["grid", "invisible_text", "render_mode_3", "white_text", "clipped_text"])
def _(v):
    r = C.rng(v.name)
    t = C.targets_table(r, n=8, caption="表1 “十四五”时期主要指标")
    t.rows[2][4] = t.rows[5][4] = t.rows[6][6] = ""
    t.invisible = [(2, 4, "4.6", "render3"), (5, 4, "12.8", "white"), (6, 6, "约束性指标", "clipped")]
    return table_doc(v, "仙居县", t)


@variant("rl_segmented_rules", "reportlab", ["grid", "rules_as_segments"])
def _(v):
    r = C.rng(v.name)
    t = C.targets_table(r, n=9, caption="表1 “十四五”时期经济社会发展主要指标", rule_mode="segments")
    return table_doc(v, "湘潭县", t)


# ================================================================== sidebars and headings
@variant("lo_sidebar_rules", "libreoffice", ["sidebar", "sidebar_rules", "bundled_plan"])
def _(v):
    r = C.rng(v.name)
    s = C.jindong_sidebar(10, frame="rules", style="rules")
    blocks = [chapter(1, "推进更高水平对外开放"), section(1, "深化重点领域改革"), C.paragraph(r), s,
              C.paragraph(r)]
    return doc(v, "金东区", blocks, page_number="- {n} -")


@variant("cr_sidebar_rules", "chromium", ["sidebar", "sidebar_rules"])
def _(v):
    r = C.rng(v.name)
    s = C.synthetic_sidebar(r, "2", "重大改革举措", n=3, frame="rules", style="rules")
    blocks = [chapter(1, "全面深化改革"), C.paragraph(r), s, C.paragraph(r)]
    return doc(v, "永康市", blocks)


@variant("rl_sidebar_band_3pages", "reportlab", ["sidebar", "sidebar_title_band", "sidebar_split_3_pages",
                                                 "side_rules_only_page", "bundled_plan"])
def _(v):
    r = C.rng(v.name)
    s = C.jindong_sidebar(22, frame="border", style="band")
    blocks = [chapter(1, "加快建设现代化产业体系"), section(1, "壮大先进制造业"), C.paragraph(r), C.paragraph(r),
              s, C.paragraph(r)]
    return doc(v, "金东区", blocks, page_number="- {n} -",
               header_text="金东区国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要")


@variant("cr_sidebar_shaded", "chromium", ["sidebar", "sidebar_shading"])
def _(v):
    r = C.rng(v.name)
    s1 = C.synthetic_sidebar(r, "1", "数字经济重点工程", n=3, style="numbered", frame="shading", fill="#e8eef7")
    s2 = C.synthetic_sidebar(r, "2", "乡村振兴重点任务", n=2, style="dashes", frame="shading", fill="#eeeeee")
    blocks = [chapter(1, "加快数字化发展"), section(1, "做强数字经济"), C.paragraph(r), s1,
              section(2, "推进乡村振兴"), C.paragraph(r), s2, C.paragraph(r)]
    return doc(v, "荔浦市", blocks, page_number="{n}")


@variant("lo_sidebar_one_cell_table", "libreoffice", ["sidebar", "sidebar_one_cell_table", "bundled_plan"])
def _(v):
    r = C.rng(v.name)
    s = C.jindong_sidebar(29, frame="border", style="cell")
    blocks = [chapter(1, "全面推进乡村振兴"), section(1, "提升农业质量效益"), C.paragraph(r), s, C.paragraph(r)]
    return doc(v, "金东区", blocks, page_number="- {n} -")


@variant("rl_sidebar_split_2pages", "reportlab", ["sidebar", "sidebar_split", "top_rule_piece", "bottom_rule_piece",
                                                  "bundled_plan"])
def _(v):
    r = C.rng(v.name)
    s = C.jindong_sidebar(6, frame="border", style="box")
    blocks = [chapter(1, "加快数字化改革"), section(1, "建设数字社会"), C.paragraph(r, 4), C.paragraph(r, 4),
              C.paragraph(r, 3), s, C.paragraph(r)]
    return doc(v, "金东区", blocks, page_number="第 {n} 页")


@variant("cr_sidebar_items", "chromium", ["sidebar", "sidebar_border", "items_numbered", "items_paren", "items_dash",
                                          "lead_unit"])
def _(v):
    r = C.rng(v.name)
    s1 = C.synthetic_sidebar(r, "1", "创新平台建设工程", n=3, style="numbered")
    s2 = C.synthetic_sidebar(r, "2", "重点改革任务", n=3, style="paren")
    s3 = C.synthetic_sidebar(r, "3", "城乡融合发展重点", n=3, style="dashes")
    blocks = [chapter(1, "坚持创新驱动发展"), section(1, "建设创新平台"), C.paragraph(r), s1,
              section(2, "深化改革"), C.paragraph(r), s2, C.paragraph(r), s3]
    return doc(v, "婺源县", blocks, page_number="- {n} -")


@variant("cr_headings_yi_numbering", "chromium", ["headings_yi_scheme", "false_heading_in_paragraph"])
def _(v):
    r = C.rng(v.name)
    blocks = []
    for n, (ch, secs) in enumerate([("发展基础和环境", ["发展基础", "面临形势"]),
                                     ("总体要求", ["指导思想", "主要目标"])], 1):
        blocks.append(Heading("chapter", f"{C.cn_num(n)}、", ch))
        for k, sec in enumerate(secs, 1):
            blocks.append(Heading("section", f"（{C.cn_num(k)}）", sec))
            blocks.append(C.paragraph(r, 2))
            if k == 1:
                for j in (1, 2):
                    blocks.append(Heading("subsection", f"{j}.", r.choice(C.SECTION_TITLES) + "。"))
                    blocks.append(C.paragraph(r, 1))
    blocks.insert(4, Para("坚持“三个优先”：一、优先发展教育事业；二、优先保障和改善民生；三、优先推进城乡融合。"
                          + C.sentence(r)))
    blocks.insert(5, Para("一、二产业融合发展取得积极进展，" + C.sentence(r)))
    return doc(v, "安吉县", blocks, page_number="{n}")


@variant("lo_parts_chapters", "libreoffice", ["parts", "chapters", "sections", "chapter_without_sections"])
def _(v):
    r = C.rng(v.name)
    blocks = [Heading("part", "第一篇", "开启全面建设社会主义现代化新征程"),
              chapter(1, "发展基础和发展环境"), section(1, "发展基础"), C.paragraph(r), section(2, "发展环境"),
              C.paragraph(r), chapter(2, "总体要求"), C.paragraph(r), C.paragraph(r),
              Heading("part", "第二篇", "坚持创新驱动发展"),
              chapter(3, "提升自主创新能力"), C.paragraph(r), chapter(4, "激发人才创新活力"),
              section(1, "引进培育高层次人才"), C.paragraph(r), section(2, "优化人才发展环境"), C.paragraph(r)]
    return doc(v, "宁乡市", blocks, page_number="- {n} -")


@variant("rl_headings_body_font", "reportlab", ["headings_body_style"])
def _(v):
    r = C.rng(v.name)
    blocks = [chapter(1, "总体要求", body_style=True), section(1, "指导思想", body_style=True), C.paragraph(r),
              section(2, "基本原则", body_style=True), C.paragraph(r),
              chapter(2, "构建现代产业体系", body_style=True), C.paragraph(r),
              section(1, "做强先进制造业", body_style=True), C.paragraph(r)]
    return doc(v, "遵义市汇川区", blocks, page_number="— {n} —")


@variant("rl_letter_spaced", "reportlab", ["letter_spacing", "half_width_punctuation"])
def _(v):
    r = C.rng(v.name)
    t = C.amounts_table(r, number=1, ruling="three_line")
    t.shown = {(3, 0): "#工　业", (4, 0): "建 筑 业"}      # rows "#工业" and "建筑业", letter-spaced
    tail = C.sentence(r)
    blocks = [Heading("chapter", "一、", "综合", display="一、综  合"),
              Para("2001年以来，全县经济保持平稳较快增长, 产业结构持续优化, 发展质量不断提升。" + tail,
                   display="2 0 0 1 年以来，全县经济保持平稳较快增长, 产业结构持续优化, 发展质量不断提升。" + tail),
              Heading("chapter", "二、", "农林牧渔业", display="二、农 林 牧 渔 业"),
              Para("林业生产稳步发展。全年完成造林面积3.2万亩, 森林覆盖率达到67.5%。",
                   display="林　业　生产稳步发展。全年完成造林面积3.2万亩, 森林覆盖率达到67.5%。"), t]
    return doc(v, "南丰县", blocks)


@variant("lo_appendices", "libreoffice", ["appendices", "appendix_table", "glossary", "end_notes"])
def _(v):
    r = C.rng(v.name)
    t = C.project_table(r, "浏阳市", n=4)
    blocks = [chapter(1, "加强规划实施保障"), C.paragraph(r), C.paragraph(r),
              Heading("appendix", "附表", "“十四五”时期重大项目表"), t,
              Heading("appendix", "附件", "规划编制说明"), C.paragraph(r),
              Heading("appendix", "名词解释", ""),
              Para("数字经济核心产业：指为产业数字化发展提供数字技术、产品、服务、基础设施和解决方案的产业。"),
              Para("注释：[ ]内为五年累计数；带*号的指标为约束性指标。", indent=False, role="note")]
    return doc(v, "浏阳市", blocks, page_number="- {n} -")


@variant("rl_title_image", "reportlab", ["title_image", "end_notes", "source_note"])
def _(v):
    r = C.rng(v.name)
    blocks = [Title(C.plan_title("德清县"), image=True), chapter(1, "发展基础"), C.paragraph(r), C.paragraph(r),
              chapter(2, "总体要求"), C.paragraph(r),
              Para("注释：本规划中涉及的指标数据均为初步统计数。", indent=False, role="note"),
              Para("资料来源：德清县统计局、县发展改革局。", indent=False, role="note")]
    return Doc(v.name, v.producer, v.cases, blocks, None, page_number="{n}")


@variant("cr_no_title_metadata", "chromium", ["no_cover", "no_running_header", "empty_metadata_title",
                                              "title_first_line", "type3_fonts"],
         note="Chromium writes the HTML file's name as the PDF Title when <title> is empty")
def _(v):
    r = C.rng(v.name)
    blocks = [chapter(1, "发展环境"), C.paragraph(r), C.paragraph(r), chapter(2, "指导思想"), C.paragraph(r)]
    return doc(v, "桐庐县", blocks, opts={"empty_title": True, "noto": True})


@variant("lo_cover_toc", "libreoffice", ["cover", "toc", "dot_leaders", "page_numbers_restart"])
def _(v):
    r = C.rng(v.name)
    title = C.plan_title("仙居县")
    heads = [chapter(1, "发展基础和环境"), section(1, "发展基础"), section(2, "发展环境"),
             chapter(2, "总体要求"), chapter(3, "构建现代产业体系")]
    body = [heads[0], heads[1], C.paragraph(r, 4), C.paragraph(r, 4), heads[2], C.paragraph(r, 4),
            C.paragraph(r, 5), heads[3], C.paragraph(r, 4), heads[4], C.paragraph(r, 4), C.paragraph(r, 3)]
    toc = Toc([(h.label, h.title, 0) for h in heads])
    blocks = [Cover(["仙居县国民经济和社会发展", "第十四个五年规划和", "二〇三五年远景目标纲要",
                     "仙居县人民政府", "二〇二一年三月"]), PageBreak(), toc, PageBreak()] + body
    return Doc(v.name, v.producer, v.cases, blocks, title, page_number="- {n} -",
               header_text="仙居县国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要",
               opts={"toc_offset": 2})


def by_name() -> dict[str, Variant]:
    return {v.name: v for v in REGISTRY}

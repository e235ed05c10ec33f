"""Indicator tables in the forms plans print them, built by the tests (see pdfbuilder.Doc.table)."""

import pandas as pd
import pytest
from conftest import cli, read
from pdfbuilder import REVIEW_HEADER, Doc, width
from pdfbuilder import Cell as C

P = "这是一个用于测试的段落，内容围绕经济社会发展展开，包括产业升级、城乡融合、生态保护和民生改善等多个方面的任务安排。"

REVIEW_COLUMNS = ["2015年", "规划目标/2020年", "规划目标/年均增速", "完成情况/2020年", "完成情况/平均增速"]
WIDTHS = [50, 30, 110, 45, 45, 45, 45, 45]


def numbered_rows(categories: list[tuple[str, int]], start: int = 1) -> list[list[C]]:
    body, n = [], start - 1
    for cat, count in categories:
        rows = []
        for _ in range(count):
            n += 1
            rows.append(
                [
                    C(str(n)),
                    C(f"指标{n}名称（亿元）"),
                    C(f"{n}.5"),
                    C(f"≧{n * 10}"),
                    C(f"{n}%"),
                    C(f"{n * 11}"),
                    C(f"[{n}.1]"),
                ]
            )
        rows[0].insert(0, C(cat, rowspan=count))
        body.extend(rows)
    return body


def extract(tmp_path, d: Doc):
    pdf = d.save()
    out = tmp_path / "out"
    res = cli("extract", pdf, "--out", out, "-q")
    assert res.returncode == 0, res.stderr
    return read(out, "indicator_tables"), read(out, "indicator_cells")


def wide(cells: pd.DataFrame) -> pd.DataFrame:
    return cells.pivot_table(
        index=["table_id", "row_no", "category", "seq", "name"], columns="column", values="raw_text", aggfunc="first"
    ).reset_index()


def test_grid_table_with_two_level_header_statement_and_empty_cell(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 总体要求", 20)
    d.paragraph(P)
    body = numbered_rows([("经济发展", 3), ("创新发展", 2)])
    body.append(
        [C("绿色发展", rowspan=2), C("6"), C("单位能耗（吨/万元）"), C("0.47"), C("完成上级下达目标", colspan=4)]
    )
    body.append([C("7"), C("空缺指标（个）"), C("12"), C(""), C("5%"), C("13"), C("[1]")])
    d.table("某某区“十三五”规划主要指标完成情况", REVIEW_HEADER, body, WIDTHS, note="注：[ ]内数为五年累计数。")
    d.paragraph(P)
    tables, cells = extract(tmp_path, d)
    t = tables.iloc[0]
    assert (t.title, t.kind, t.note, t.ruling) == (
        "某某区“十三五”规划主要指标完成情况",
        "review",
        "注：[ ]内数为五年累计数。",
        "grid",
    )
    assert list(t.columns) == REVIEW_COLUMNS and t.row_count == 7
    w = wide(cells).set_index("seq")
    assert list(w.category) == ["经济发展"] * 3 + ["创新发展"] * 2 + ["绿色发展"] * 2
    assert w.loc["1", "规划目标/2020年"] == "≧10" and w.loc["5", "完成情况/平均增速"] == "[5.1]"
    # a statement spanning four columns repeats in each, merged
    six = cells[cells.seq == "6"].set_index("column")
    assert list(six.raw_text) == ["0.47"] + ["完成上级下达目标"] * 4
    assert list(six.merged) == [False, True, True, True, True]
    # an empty cell mid-row is kept as ''
    seven = cells[cells.seq == "7"].set_index("column")
    assert seven.loc["规划目标/2020年", "raw_text"] == "" and not seven.loc["规划目标/2020年", "merged"]
    assert seven.loc["规划目标/年均增速", "raw_text"] == "5%"
    # every cell carries page and bbox; the category is merged over its rows
    assert cells.page.eq(1).all() and cells.bbox.map(len).eq(4).all()
    # the table's text is not paragraph text, its title and note neither
    paras = read(tmp_path / "out", "paragraphs")
    assert not paras.text.str.contains("指标1名称|规划主要指标|五年累计数").any()


def test_table_over_three_pages_with_repeated_headers(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 总体要求", 20)
    d.paragraph(P * 3)
    body = numbered_rows([("经济发展", 14), ("创新发展", 14), ("绿色发展", 12)])
    d.table("某某区“十三五”规划主要指标完成情况", REVIEW_HEADER, body, WIDTHS, row_height=36, note="注：测试。")
    tables, cells = extract(tmp_path, d)
    assert len(tables) == 1
    t = tables.iloc[0]
    assert t.page_end - t.page_start == 2 and t.row_count == 40
    w = wide(cells)
    assert list(w.seq) == [str(i) for i in range(1, 41)]  # repeated headers are not rows
    assert not (cells.raw_text.isin(["2015年", "2020年", "平均增速"])).any()
    # rows on a continuation page whose category cell was printed on the previous page still get it
    cat = w.set_index("seq").category
    assert cat["14"] == "经济发展" and cat["28"] == "创新发展" and cat["40"] == "绿色发展"
    assert cells.groupby("page").row_no.nunique().size == 3


def test_row_spanning_cell_crossing_a_page_break(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 总体要求", 20)
    d.paragraph(P * 2)
    body = numbered_rows([("经济发展", 7)])
    # 主要污染物排放: a two-level name over four rows, the 2015 statement spanning those rows, crossing the page
    body.append(
        [
            C("绿色发展", rowspan=4),
            C("8", rowspan=4),
            C("主要污染物排放", rowspan=4),
            C("化学需氧量"),
            C("完成年度考核目标", rowspan=4),
            C("完成上级下达目标", colspan=4, rowspan=4),
        ]
    )
    for name in ["氨氮", "二氧化硫", "氮氧化物"]:
        body.append([C(name)])
    header = [
        [
            C("类别", rowspan=2),
            C("序号", rowspan=2),
            C("指标名称", rowspan=2, colspan=2),
            C("2015年", rowspan=2),
            C("规划目标", colspan=2),
            C("完成情况", colspan=2),
        ],
        [C("2020年"), C("年均增速"), C("2020年"), C("平均增速")],
    ]
    # the numbered rows have one name: it spans both name columns
    for row in body[:7]:
        idx = 2 if len(row) == 8 else 1
        row[idx] = C(row[idx].text, colspan=2)
    d.table("某某区“十三五”规划主要指标完成情况", header, body, [50, 30, 60, 50, 45, 45, 45, 45, 45], row_height=44)
    tables, cells = extract(tmp_path, d)
    assert len(tables) == 1 and tables.iloc[0].page_end == tables.iloc[0].page_start + 1
    pol = cells[cells.seq == "8"]
    assert pol.page.nunique() == 2, "the four rows must straddle the page break for this test"
    names = list(dict.fromkeys(pol.name))
    assert names == [f"主要污染物排放：{n}" for n in ["化学需氧量", "氨氮", "二氧化硫", "氮氧化物"]]
    assert set(pol.parent_name) == {"主要污染物排放"}
    by_col = pol.groupby("column").raw_text.apply(list)
    assert by_col["2015年"] == ["完成年度考核目标"] * 4
    assert by_col["完成情况/平均增速"] == ["完成上级下达目标"] * 4
    assert pol.merged.all() and set(pol.category) == {"绿色发展"}


def test_three_line_table_without_vertical_rules(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 总体要求", 20)
    d.paragraph(P * 2)
    header = [
        [C("类别"), C("序号"), C("指标"), C("单位"), C("2020年基数"), C("2025年目标"), C("“十四五”年均增长"), C("属性")]
    ]
    body = [
        [C("经济发展", rowspan=2), C("1"), C("地区生产总值"), C("亿元"), C("258"), C("500"), C("＞8.5%"), C("预期性")],
        [C("2"), C("常住人口城镇化率"), C("%"), C("66.5"), C("75"), C("年均提高1.7个百分点"), C("预期性")],
        [C("生态环境"), C("3"), C("森林覆盖率"), C("%"), C("38.71"), C("38.76"), C("--"), C("约束性")],
    ]
    d.table(
        "某某区“十四五”时期经济社会发展主要指标",
        header,
        body,
        [54, 36, 100, 40, 60, 60, 80, 48],
        style="three-line",
        row_height=30,
    )
    d.paragraph(P)
    tables, cells = extract(tmp_path, d)
    t = tables.iloc[0]
    assert (t.kind, t.ruling, t.row_count) == ("targets", "three-line", 3)
    assert list(t.columns) == ["2020年基数", "2025年目标", "“十四五”年均增长", "属性"]
    w = wide(cells).set_index("seq")
    assert w.loc["1", "2025年目标"] == "500" and w.loc["2", "“十四五”年均增长"] == "年均提高1.7个百分点"
    assert list(w.category) == ["经济发展", "经济发展", "生态环境"]
    assert list(cells[cells.seq == "1"].unit.unique()) == ["亿元"]


@pytest.mark.parametrize("style", ["grid", "three-line"])
def test_non_indicator_table_is_not_reported(tmp_path, style):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 总体要求", 20)
    d.paragraph(P)
    header = [[C("项目名称"), C("建设地点"), C("建设内容"), C("牵头单位")]]
    body = [
        [C("甲工程"), C("某镇"), C("新建道路"), C("交通局")],
        [C("乙工程"), C("某街道"), C("改造管网"), C("住建局")],
    ]
    d.table("重大项目表", header, body, [100, 80, 140, 80], style=style, row_height=30)
    tables, cells = extract(tmp_path, d)
    assert tables.empty and cells.empty


def test_merged_cell_filling_its_column_on_the_page_keeps_its_wrapped_text(tmp_path):
    """A category cell spanning every body row of the table (its column has no ruling between rows of its own):
    its text, wrapped one character a line, runs across the row boundaries the other columns draw."""
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 总体要求", 20)
    d.paragraph(P)
    body = numbered_rows([("经济发展", 3)])
    d.table("某某区“十三五”规划主要指标完成情况", REVIEW_HEADER, body, [20, *WIDTHS[1:]], row_height=20)
    tables, cells = extract(tmp_path, d)
    assert len(tables) == 1 and tables.iloc[0].row_count == 3
    assert list(wide(cells).category) == ["经济发展"] * 3


def run_in_table(d: Doc, rows: list[tuple[str, str, str]], size: float = 10.5) -> None:
    """A three-line table with left-aligned names and centred figures, laid out so that the longest name runs up
    to its row's first figure, a sixth of a character short of it (as reportlab sets a name too long for its
    column)."""
    pitch, gap = size * 2, size / 6
    longest = max(rows, key=lambda r: width(r[0], size))
    x_name = d.left + 20
    start = x_name + width(longest[0], size) + gap  # where the longest name's figure starts
    centres = [start + width(longest[1], size) / 2, start + 90]
    x1 = centres[-1] + 40
    d.centered("某某区主要经济指标", size + 3, True, space_after=4)
    top = d.y
    d.hline(x_name - 4, x1, top, 1.2)
    d.text("指标", x_name, top + 4, size)
    for c, head in zip(centres, ["2015年", "2020年"], strict=True):
        d.text(head, c - width(head, size) / 2, top + 4, size)
    y = top + pitch
    d.hline(x_name - 4, x1, y, 0.6)
    for name, *figures in rows:
        d.text(name, x_name, y + 4, size)
        for c, fig in zip(centres, figures, strict=True):
            d.text(fig, c - width(fig, size) / 2, y + 4, size)
        y += pitch
    d.hline(x_name - 4, x1, y, 1.2)
    d.y = y + 12


def test_three_line_table_figure_run_into_a_long_name_is_its_own_cell(tmp_path):
    """A name too long for its column printed up against the figure beside it: the figure is cut off the name
    where it starts past the column boundary and lines up with the column's other figures."""
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("第一章 总体要求", 20)
    d.paragraph(P)
    rows = [
        ("地区生产总值（亿元）", "415.3", "605.7"),
        ("一般公共预算收入（亿元）", "456.8", "701.4"),
        ("固定资产投资（亿元）", "428.6", "567.0"),
        ("常住人口城镇化率（%）", "253.9", "240.8"),
        ("每万人口高价值发明专利拥有量（件）", "323.9", "306.8"),
        ("城镇居民人均可支配收入（元）", "430.3", "431.5"),
        ("农村居民人均可支配收入（元）", "438.3", "415.9"),
        ("森林覆盖率（%）", "461.2", "462.0"),
    ]
    run_in_table(d, rows)
    d.paragraph(P)
    d.save()
    res = cli("extract", d.path, "--out", tmp_path / "out", "-q")
    assert res.returncode == 0, res.stderr
    cells = read(tmp_path / "out", "table_cells")
    body = cells[~cells.is_header]
    got = {
        tuple(r.text for r in row.sort_values("col_no").itertuples()) for _, row in body.groupby(["table_id", "row_no"])
    }
    assert got == set(rows)

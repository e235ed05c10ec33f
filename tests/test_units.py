"""Small pure functions: ideograph unification, fake-bold doubles, numerals, labels, page numbers."""

import pytest

from pipeline.core.numbering import cn_to_int, heading_label, item_label, sidebar_label
from pipeline.layout.layout import page_number_of
from pipeline.pdf.chars import dedupe_doubled, unify_ideographs
from pipeline.structure.structure import join_lines


def test_unify_ideographs_maps_radicals_but_keeps_punctuation():
    assert unify_ideographs("第⼀章 ⼈⺠⻓⻛") == "第一章 人民长风"
    assert unify_ideographs("（亿元），≧42％") == "（亿元），≧42％"  # full-width forms stay as printed
    assert unify_ideographs("\uf900") == "豈"  # a compatibility ideograph


def c(text, x, top=100.0, size=16.0):
    from pipeline.pdf.model import Char

    return Char(text, "SimSun", size, x, top, x + size, top + size, False)


def test_dedupe_doubled_keeps_one_copy_and_marks_it_bold():
    chars = [c("第", 100), c("第", 100.4), c("一", 116), c("一", 116.4), c("一", 132)]
    out = dedupe_doubled(chars)
    assert [x.text for x in out] == ["第", "一", "一"]
    assert [x.bold for x in out] == [True, True, False]


@pytest.mark.parametrize(
    "s,n",
    [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("一百零五", 105), ("１２", 12), ("〇", 0)],
)
def test_cn_to_int(s, n):
    assert cn_to_int(s) == n


def test_labels():
    assert heading_label("第十二章 汇聚力量")[:3] == ("chapter", "第十二章", 12)
    assert heading_label("第 3 节 标题")[:3] == ("section", "第3节", 3)
    assert heading_label("（四）标题")[:3] == ("cn_paren", "（四）", 4)
    assert item_label("1.创新创业基地建设")[:2] == ("num_dot", "1.")
    assert item_label("1.5亿元投资") is None
    assert item_label("——金华科技城：")[:2] == ("dash", "——")
    assert sidebar_label("专栏2-1 重点平台") == ("2-1", "重点平台")
    assert sidebar_label("专栏 3：重大项目") == ("3", "重大项目")
    assert sidebar_label("专 栏 12 项目") == ("12", "项目")


@pytest.mark.parametrize(
    "text,num", [("4", 4), ("- 4 -", 4), ("— 4 —", 4), ("第 4 页", 4), ("第4页 共100页", 4), ("4 / 100", 4), ("iv", 4)]
)
def test_page_number_styles(text, num):
    assert page_number_of(text) == (num, True)


def test_page_number_rejects_text():
    assert page_number_of("第四章")[1] is False and page_number_of("2020年")[1] is False


def test_join_lines_spaces_only_between_latin_words():
    assert join_lines(["年均提高 1.7", "个百分", "点"]) == "年均提高 1.7个百分点"
    assert join_lines(["Research and", "Development"]) == "Research and Development"
    assert join_lines(["[10000", "]"]) == "[10000]"

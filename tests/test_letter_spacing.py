"""Typesetting is not text: spaces and gaps that only spread characters apart are left out of the text,
spaces between Latin words and spaces typed between Chinese and digits are kept; punctuation stays as
printed in `text` and `title`, their NFKC form is in `text_norm` and `title_norm`."""

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import extract_one
from pdfbuilder import BOLD_SHIFT, FONT, Doc

from pipeline.core.text import chars_to_text, join_lines

P = "这是一个用于测试的段落，内容围绕经济社会发展展开，包括产业升级、城乡融合、生态保护和民生改善等多个方面的任务安排。"
VARIANTS = Path(__file__).parent / "corpus" / "variants"


@dataclass
class G:
    text: str
    x0: float
    x1: float
    size: float = 15.0


def printed(s: str, track: float = 0.0, space: float = 5.0, size: float = 15.0) -> list[G]:
    """A line as a PDF prints it: Chinese characters a size wide, others half, spaces `space` wide, every
    character `track` apart."""
    out, x = [], 0.0
    for ch in s:
        w = space if ch == " " else (size if ord(ch) > 0x2000 else size / 2)
        out.append(G(ch, x, x + w, size))
        x += w + track
    return out


@pytest.mark.parametrize(
    "line,text",
    [
        ("2 0 0 1 年以来", "2001年以来"),  # digits spread by spaces
        ("截至 2 0 2 0 年底", "截至2020年底"),
        ("一、综  合", "一、综合"),  # a title of two spread over its line
        ("二、农 林 牧 渔 业", "二、农林牧渔业"),
        ("林\u3000业\u3000生产稳步发展", "林业生产稳步发展"),
        ("#工\u3000业", "#工业"),
        ("到 2035 年高水平", "到 2035 年高水平"),  # spaces typed around a number are text
        ("第三节 到 2035 年", "第三节 到 2035 年"),
        ("专栏 1 重点项目", "专栏 1 重点项目"),
        ("深度融入长三角 G60 科创走廊", "深度融入长三角 G60 科创走廊"),
        ("增长, 产业结构", "增长, 产业结构"),  # half-width punctuation as printed, its space kept
        ("Hello world", "Hello world"),
    ],
)
def test_printed_spaces(line, text):
    assert chars_to_text(printed(line), 0.25) == text


def test_letter_spacing_is_no_space_and_a_word_space_beyond_it_is():
    spaced = printed("2025年GDP", track=4.0)  # 4 pt between characters: wider than a quarter of 15 pt
    assert chars_to_text(spaced, 0.25) == "2025年GDP"
    words = printed("in 2025 AD", track=4.0)
    assert chars_to_text(words, 0.25) == "in 2025 AD"
    unspaced = printed("2025年GDP")  # no letter-spacing: a gap that wide is a space
    unspaced[1].x0 += 4.0
    unspaced[1].x1 += 4.0
    assert chars_to_text(unspaced, 0.25) == "2 025年GDP"


def test_lines_joined_after_half_width_punctuation_keep_its_space():
    assert join_lines(["全县经济保持平稳较快增长,", "产业结构持续优化"]) == "全县经济保持平稳较快增长, 产业结构持续优化"
    assert (
        join_lines(["全县经济保持平稳较快增长，", "产业结构持续优化"]) == "全县经济保持平稳较快增长，产业结构持续优化"
    )
    assert join_lines(["Hello", "world"]) == "Hello world"


def tracked(d: Doc, s: str, x: float, size: float, char_space: float, bold: bool = False) -> None:
    """A line printed with letter-spacing (the PDF's character spacing, Tc), at the Doc's current line."""
    base = d.H - d.y - size * 0.88
    for dx in (0.0, BOLD_SHIFT) if bold else (0.0,):
        t = d.c.beginText(x + dx, base)
        t.setFont(FONT, size)
        t.setCharSpace(char_space)
        t.textOut(s)
        d.c.drawText(t)
    d.y += size * 1.8


def test_letter_spaced_headings_and_paragraphs(tmp_path):
    d = Doc(str(tmp_path / "plan.pdf"))
    d.heading("一、综  合", 18, center=False)
    d.paragraph("2 0 0 1 年以来，全县经济保持平稳较快增长, 产业结构持续优化。" + P)
    tracked(d, "二、农林牧渔业", d.left + 28, 18, 9.0, bold=True)
    d.paragraph("林\u3000业\u3000生产稳步发展。全年完成造林面积3.2万亩。")
    tracked(d, "全年全县生产总值达到 770 亿元，比上年增长（ＧＤＰ）５％。", d.left + 28, 14, 4.0)
    data = extract_one(d.save(), tmp_path / "out")
    o = data["outline"]
    assert list(o.title) == ["综合", "农林牧渔业"]
    paras = data["paragraphs"].set_index(data["paragraphs"].text.str[:2])
    assert paras.loc["20"].text.startswith("2001年以来，全县经济保持平稳较快增长, 产业结构持续优化。")
    assert paras.loc["林业"].text == "林业生产稳步发展。全年完成造林面积3.2万亩。"
    assert paras.loc["全年"].text == "全年全县生产总值达到 770 亿元，比上年增长（ＧＤＰ）５％。"
    assert paras.loc["全年"].text_norm == "全年全县生产总值达到 770 亿元,比上年增长(GDP)5%。"
    assert list(o.title_norm) == ["综合", "农林牧渔业"]


def test_corpus_letter_spaced(tmp_path):
    gold = json.loads((VARIANTS / "rl_letter_spaced.json").read_text(encoding="utf-8"))
    data = extract_one(VARIANTS / "rl_letter_spaced.pdf", tmp_path / "out")
    assert [(r.label, r.title) for r in data["outline"].itertuples()] == [
        (o["label"], o["title"]) for o in gold["outline"]
    ]
    assert set(gold["paragraphs"]) <= set(data["paragraphs"].text)

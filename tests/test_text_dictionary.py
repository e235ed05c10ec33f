"""One jieba dictionary per process: a plan's words are added for its run and taken out after, with the same
segmentation as a private copy of the dictionary would give."""

from __future__ import annotations

import jieba
import jieba.posseg as pseg

from pipeline.enrich import nlp

WORDS = [("金东区", "ns"), ("浙中生态廊道", "nz"), ("义乌国际陆港", "nz"), ("数字贸易港", "nz"), ("城镇化率", "n")]
TEXTS = [
    "推进浙中生态廊道建设，打造义乌国际陆港和数字贸易港。",
    "金东区常住人口城镇化率达到百分之七十，数字贸易港建设加快。",
    "统筹推进城乡融合发展，建设共同富裕示范区。",
]


def private_copy(user_words: list[tuple[str, str]]):
    """The earlier way: the shared dictionary copied for one plan, the plan's words added to the copy."""
    base_tok, base_pos = nlp._base()
    tok = jieba.Tokenizer()
    tok.FREQ, tok.total, tok.initialized = dict(base_tok.FREQ), base_tok.total, True
    pos = pseg.POSTokenizer.__new__(pseg.POSTokenizer)
    pos.tokenizer, pos.word_tag_tab = tok, dict(base_pos.word_tag_tab)
    for word, tag in user_words:
        tok.add_word(word, 20000, tag)
        pos.word_tag_tab[word] = tag
    return pos


def cut(segmenter, text: str) -> list[tuple[str, str]]:
    return [(p.word, p.flag) for p in segmenter.cut(text)]


def test_the_shared_dictionary_segments_as_a_private_copy_would():
    copy = private_copy(WORDS)
    with nlp.plan_segmenter(WORDS) as shared:
        for text in TEXTS:
            assert cut(shared, text) == cut(copy, text)


def test_a_plans_words_are_taken_out_after_its_run():
    tok, pos = nlp._base()
    freq, tags, total = dict(tok.FREQ), dict(pos.word_tag_tab), tok.total
    plain = [cut(pos, t) for t in TEXTS]
    with nlp.plan_segmenter(WORDS) as shared:
        assert cut(shared, TEXTS[0]) != plain[0]
        # what the dictionary saw before any plan's words, during the run too
        assert nlp.base_freq().get("浙中生态廊道") is None and nlp.base_freq().get("生态") == freq["生态"]
    assert (dict(tok.FREQ), dict(pos.word_tag_tab), tok.total) == (freq, tags, total)
    assert [cut(pos, t) for t in TEXTS] == plain


def test_two_plans_one_after_the_other_do_not_see_each_others_words():
    other = [("东阳横店影视城", "nz")]
    with nlp.plan_segmenter(WORDS):
        pass
    with nlp.plan_segmenter(other) as second:
        assert cut(second, TEXTS[0]) == cut(private_copy(other), TEXTS[0])

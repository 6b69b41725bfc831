"""Issue 10, lessons 1-5: every claim on the page agrees with the numbers it shows and with the literature.

Each test drives a lesson page like a student (AppTest) or calls the lesson's pure function,
and checks the claim against an independent computation.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from apptest_helpers import array, new_app, shown_text
from bert_helpers import hf_query_cosines
from torch.testing import assert_close

from attnviz.lessons import scoring, search
from attnviz.lessons import word_vectors as wv

OLD_BANNER = ("Every number on this page is computed live", "本页的所有数字都由内置模型")
DEFAULT_CATALOGUE_FEATURES = [
    ["computer", "portable", "screen", "keyboard"],
    ["computer", "portable", "screen", "keyboard"],
    ["paper", "portable"],
    ["computer accessory", "portable"],
    ["furniture"],
    ["computer", "screen", "keyboard", "gaming"],
]


def open_lesson(name: str, lang: str = "en"):
    at = new_app().run()
    at.switch_page(f"pages/lessons/{name}.py").run()
    if lang != "en":
        at.selectbox(key="lang").set_value(lang).run()
    assert not at.exception
    return at


def chart(at, key: str) -> dict:
    import json

    return next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}"))


def metric(at, label_part: str) -> str:
    return next(m.value for m in at.metric if label_part in m.label)


def notes_boxes(at) -> str:
    return "\n".join(w.value for w in at.warning if "The notes say" in w.value or "笔记中说" in w.value)


# item 8, lesson 1: one-hot codes of word-piece bags can overlap


def test_one_hot_overlaps_are_the_pairs_that_share_a_word_piece(minilm):
    tok = minilm.tokenizer
    words = ["tokenization", "tokenizer", "king", "believable"]
    ids = [wv.word_ids(tok, w) for w in words]
    cos = wv.cosine_matrix(wv.one_hot_vectors(ids, tok.vocab_size))
    overlaps = wv.one_hot_overlaps(ids, cos)
    assert [(o.first, o.second) for o in overlaps] == [(0, 1)]
    assert overlaps[0].shared == [tok.vocab["token"]]
    # two pieces each, one shared: (1/2·1/2) / (√(1/2)·√(1/2)) = 1/2
    assert overlaps[0].cosine == pytest.approx(0.5, abs=1e-6)
    singles = [wv.word_ids(tok, w) for w in ("king", "queen", "banana")]
    assert wv.one_hot_overlaps(singles, wv.cosine_matrix(wv.one_hot_vectors(singles, tok.vocab_size))) == []


@pytest.mark.slow
def test_lesson1_says_which_one_hot_codes_overlap_and_never_that_all_are_zero():
    at = open_lesson("word_vectors")
    at.text_input(key="lesson1_words").set_value("tokenization, tokenizer, king").run()
    assert not at.exception
    one_hot = array(next(t for t in chart(at, "lesson1_one_hot_chart")["data"] if t["type"] == "heatmap")["z"])
    assert one_hot[0, 1] == pytest.approx(0.5, abs=1e-6) and one_hot[0, 2] == 0
    text = shown_text(at)
    assert "always 0" not in text and "never overlap, so their dot product is always 0" not in text
    assert re.search(r"tokenization.{0,10} and .{0,10}tokenizer.{0,10} share the word piece token: their one-hot cosine is 0\\?\.50", text)
    at.text_input(key="lesson1_words").set_value("king, queen, banana").run()
    assert "every one-hot cosine off the diagonal is exactly 0" in shown_text(at)
    at.selectbox(key="lang").set_value("zh").run()
    assert not at.exception
    assert "子词" in at.dataframe[0].value.columns[1] and "词片段" not in shown_text(at)


# item 5, lesson 2: values that mean something when blended; the output is a blend; cos/τ vs q·k/√d_k


@pytest.mark.slow
def test_lesson2_values_are_features_and_the_output_is_their_blend(minilm, minilm_hf):
    at = open_lesson("search")
    at.slider(key="lesson2_temperature").set_value(0.1).run()
    assert not at.exception
    catalogue = at.text_area(key="lesson2_catalogue").value
    assert "price" not in catalogue.lower() and not re.search(r"\|\s*\d", catalogue)
    titles = [line.split("|")[0].strip() for line in catalogue.splitlines()]
    features = list(dict.fromkeys(f for item in DEFAULT_CATALOGUE_FEATURES for f in item))
    values = np.array([[f in item for f in features] for item in DEFAULT_CATALOGUE_FEATURES], dtype=float)
    cos = hf_query_cosines(minilm.tokenizer, minilm_hf, "laptop", titles)
    weights = np.exp(cos / 0.1) / np.exp(cos / 0.1).sum()
    output = chart(at, "lesson2_output_chart")
    assert list(output["data"][0]["x"]) == features
    assert_close(array(output["data"][0]["y"]), weights @ values, rtol=1e-5, atol=1e-5, check_dtype=False)
    text = shown_text(at)
    assert "not an item and not a ranked list" in text and "blend" in text
    # the score rule is named, next to the Transformer's, with the temperature that makes them equal
    assert "cosine divided by a temperature" in text and "√d_k" in text
    plain = np.exp(cos / math.sqrt(384)) / np.exp(cos / math.sqrt(384)).sum()
    assert f"τ = {math.sqrt(384):.1f}: the largest weight would then be {plain.max():.3f}" in text
    assert "sorts nothing" in notes_boxes(at) and "not what the item costs" in notes_boxes(at)


def test_search_catalogue_values_are_a_zero_one_feature_matrix():
    cat = search.parse_catalogue("A | x, y\nB | y\nC | z")
    assert cat.features == ["x", "y", "z"]
    result = search.search_attention(torch.ones(2), torch.tensor([[1.0, 0], [0, 1], [1, 1]]), cat.values, 1.0)
    assert_close(result.output, result.weights @ cat.values, rtol=1e-5, atol=1e-8)
    assert float(result.output[1]) == pytest.approx(float(result.weights[0] + result.weights[1]))
    assert search.dot_product_temperature(384) == pytest.approx(math.sqrt(384))


# item 7, lesson 3: hard attention as in the literature; soft/hard is not global/local


@pytest.mark.slow
def test_lesson3_does_not_call_hard_attention_cheaper_and_counts_the_scores(minilm):
    at = open_lesson("soft_hard")
    at.slider(key="lesson3_k").set_value(2).run()
    assert not at.exception
    n = minilm.run_with_capture("The animal didn't cross the street because it was too tired.").n_tokens
    assert metric(at, "scores computed") == f"{n * n:,} → {n * n:,}"
    assert metric(at, "value vectors summed") == f"{n * n:,} → {n * 2:,}"
    text = shown_text(at)
    assert "It is cheaper" not in text and "Hard attention is not cheaper" in text
    assert "Xu et al. 2015" in text and "REINFORCE" in text and "samples" in text
    assert "Luong et al. 2015" in text and "p_t" in text and "soft vs hard" in text and "Global vs local" in text
    boxes = notes_boxes(at)
    assert "严格的自注意力" in boxes and "restricted" in boxes
    assert "Hard/Local Attention" in boxes and "same X, by three different matrices" in boxes


@pytest.mark.slow
def test_lesson3_in_chinese_says_restricted_and_names_cross_attention():
    at = open_lesson("soft_hard", "zh")
    text = shown_text(at)
    assert re.search(r"受限\**自注意力", text) and re.search(r"交叉注意力\**（编码器-解码器注意力", text)
    assert "一般（交叉）注意力" not in text


# item 6, lesson 4: the notes' MyAtt as it is; "general" disambiguated; readable maps


def test_myatt_weights_ignore_the_encoder_outputs_exactly():
    m = scoring.random_seq2seq(seed=5)
    other = scoring.with_other_values(m, 6)
    assert not torch.equal(m.V, other.V)
    change = scoring.value_change(m, other)
    assert change.weights == 0.0 and change.output > 0.01
    # the notes' code itself, with the same numbers
    attn, combine = torch.nn.Linear(64, 32), torch.nn.Linear(96, 32)
    with torch.no_grad():
        attn.weight.copy_(m.W_attn), attn.bias.copy_(m.b_attn), combine.weight.copy_(m.W_combine), combine.bias.copy_(m.b_combine)
        w = F.softmax(attn(torch.cat((m.Q[0], m.K[0]), dim=-1)), dim=-1)
        out = combine(torch.cat((m.Q[0], torch.bmm(w.unsqueeze(0), m.V)[0]), dim=-1)).unsqueeze(0)
    assert out.shape == (1, 1, 32)
    assert scoring.padding_weight(w[0], 10) == pytest.approx(float(w[0, 10:].sum()), abs=1e-6)
    question = scoring.value_change_question(change)
    assert question.options[question.answer] == "lesson4_change_zero"
    assert "concat" not in scoring.RULES


@pytest.mark.slow
def test_lesson4_teaches_myatt_with_computed_numbers_and_readable_maps():
    at = open_lesson("scoring")
    at.slider(key="lesson4_n_source").set_value(7).run()
    assert not at.exception
    assert metric(at, "largest change of a weight when V is replaced") == "0"
    assert float(metric(at, "change of the output").rstrip(" %")) > 1
    m = scoring.random_seq2seq(seed=0)
    w = torch.softmax(torch.cat((m.Q[0], m.K[0]), -1) @ m.W_attn.T + m.b_attn, -1)[0]
    assert metric(at, "weight given to padding") == f"{100 * float(w[7:].sum()):.1f} %"
    text = shown_text(at)
    assert "location-based" in text and "exactly 0" in text and "Luong et al. 2015" in text
    assert "w^\\top [q; k] + b" not in "\n".join(e.value for e in at.get("latex"))
    assert "[1, 1, 32]" in notes_boxes(at) and "[1,1,64]" in notes_boxes(at)
    for rule in scoring.RULES:
        fig = chart(at, f"lesson4_map_{rule}")
        assert fig["layout"]["xaxis"]["side"] == "bottom" and fig["layout"]["height"] >= 500


@pytest.mark.slow
def test_lesson4_in_chinese_keeps_the_two_generals_apart():
    at = open_lesson("scoring", "zh")
    text = shown_text(at)
    assert "双线性（Luong 的 general）" in text
    assert "一般（Luong）" not in text and "一般(Luong)" not in text
    assert "交叉注意力（编码器-解码器注意力" in text and "qᵀWk" in text and "两者毫无关系" in text


# item 4: each lesson says truthfully where its numbers come from


@pytest.mark.parametrize(
    ("number", "page", "en_words", "zh_words"),
    [
        (1, "word_vectors", ["W_E", "formulas"], ["W_E", "公式"]),
        (2, "search", ["features you type", "similarities"], ["你在商品目录中输入的特征"]),
        (3, "soft_hard", ["formulas", "never does"], ["公式", "从不做"]),
        (4, "scoring", ["random", "not trained"], ["随机", "没有经过训练"]),
        (5, "separate_qk", ["never trained"], ["从未"]),
    ],
)
@pytest.mark.slow
def test_each_lesson_says_what_its_numbers_are(number, page, en_words, zh_words):
    for lang, words in (("en", en_words), ("zh", zh_words)):
        at = open_lesson(page, lang)
        caption = at.caption[0].value
        assert not any(old in caption for old in OLD_BANNER)
        assert all(word in caption for word in words), (lang, caption)


# lesson 5: the notes' mistakes about self-attention's inputs


@pytest.mark.slow
def test_lesson5_corrects_the_notes_on_batch_size_and_embeddings():
    at = open_lesson("separate_qk")
    boxes = notes_boxes(at)
    assert "batch size is 5" in boxes and "5 tokens of one sequence" in boxes
    assert "word embeddings" in boxes and "same input x" in boxes
    at.selectbox(key="lang").set_value("zh").run()
    boxes = notes_boxes(at)
    assert "5 个 token" in boxes and "片段嵌入" in boxes

"""The lesson pages driven like a student with AppTest, their numbers checked against independent computations."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from apptest_helpers import array, new_app, shown_text
from bert_helpers import hf_query_cosines
from torch.testing import assert_close

from attnviz.app import lesson_frame, present
from attnviz.lessons import scoring
from attnviz.lessons.safe_text import escape_markdown

TIRED = "The animal didn't cross the street because it was too tired."
WIDE = "The animal didn't cross the street because it was too wide."


def open_lesson(name: str):
    at = new_app().run()
    at.switch_page(f"pages/lessons/{name}.py").run()
    assert not at.exception
    return at


def chart(at, key: str) -> dict:
    """The plotly figure drawn with ``key``."""
    return next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}"))


def z(fig: dict) -> np.ndarray:
    return array(next(t for t in fig["data"] if t["type"] == "heatmap")["z"])


def bars(fig: dict) -> np.ndarray:
    return array(next(t for t in fig["data"] if t["type"] == "bar")["y"])


def metric(at, label_part: str) -> str:
    return next(m.value for m in at.metric if label_part in m.label)


def table(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def reveal(at, lesson: int, guess: int):
    at.selectbox(key=f"lesson{lesson}_guess").set_value(guess).run()
    at.button(key=f"lesson{lesson}_reveal").click().run()
    assert not at.exception
    return (at.success[0].value if at.success else "") + (at.warning[-1].value if at.warning else "")


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.linalg.norm(matrix, axis=-1, keepdims=True)


@pytest.mark.slow
def test_word_vectors_page(minilm):
    at = open_lesson("word_vectors")
    at.text_input(key="lesson1_words").set_value("cat, dog, car, kitten").run()
    assert not at.exception
    W_E = minilm.network.embed.W_E.detach().numpy()
    ids = [minilm.tokenizer.vocab[w] for w in ("cat", "dog", "car", "kitten")]
    assert np.array_equal(z(chart(at, "lesson1_one_hot_chart")), np.eye(4))
    assert_close(z(chart(at, "lesson1_embedding_chart")), unit_rows(W_E[ids]) @ unit_rows(W_E[ids]).T, rtol=1e-5, atol=1e-5, check_dtype=False)
    n = len(minilm.tokenizer(TIRED)["input_ids"])
    assert metric(at, "one-hot:") == f"{n * 30522 * 4:,} B" and metric(at, "embeddings:") == f"{n * 384 * 4:,} B"
    cos = unit_rows(W_E) @ unit_rows(W_E)[ids[0]]
    cos[ids[0]] = -np.inf
    neighbours = table(at, "cosine similarity")
    assert list(neighbours["id"]) == np.argsort(-cos)[:10].tolist()
    expected = ["dog", "car", "kitten"][int(np.argmax([cos[i] for i in ids[1:]]))]
    guess = ["dog", "car", "kitten"].index(expected)
    assert f"The model says: {expected}" in reveal(at, 1, guess) and at.success


@pytest.mark.slow
def test_word_vectors_page_reports_unknown_words_and_present_mode():
    at = open_lesson("word_vectors")
    at.text_input(key="lesson1_words").set_value("king 笔").run()
    assert not at.exception
    assert "no entry for '笔'" in at.error[0].value
    at.toggle(key="present").set_value(True).run()
    assert not at.exception
    assert len(at.tabs) == 5 and at.tabs[-1].label == "Predict, then reveal"
    style = next(html.value for html in at.get("html") if "font-size" in html.value)  # present mode's chart text (the sidebar's order style comes first)
    assert "笔" not in style and "king" not in style
    assert "Type at least one" not in shown_text(at)


@pytest.mark.slow
def test_search_page_weights_are_softmax_of_cosines(minilm, minilm_hf):
    at = open_lesson("search")
    catalogue = "Lenovo laptop | computer, portable\nPaper notebook | paper, portable\nOffice chair | furniture"
    at.text_area(key="lesson2_catalogue").set_value(catalogue).run()
    at.slider(key="lesson2_temperature").set_value(0.1).run()
    assert not at.exception
    texts = ["laptop", "Lenovo laptop", "Paper notebook", "Office chair"]
    cos = hf_query_cosines(minilm.tokenizer, minilm_hf, texts[0], texts[1:])
    weights = np.exp(cos / 0.1) / np.exp(cos / 0.1).sum()
    assert_close(bars(chart(at, "lesson2_weights_chart")), weights, rtol=1e-5, atol=1e-4, check_dtype=False)
    values = np.array([[1, 1, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1]])  # computer, portable, paper, furniture
    assert_close(bars(chart(at, "lesson2_output_chart")), weights @ values, rtol=1e-5, atol=1e-5, check_dtype=False)
    assert "Lenovo laptop" in reveal(at, 2, int(np.argmax(weights)))

    at.radio(key="lesson2_vectors").set_value("word").run()
    W_E = minilm.network.embed.W_E.detach()
    vec = [F.normalize(W_E[minilm.tokenizer(t, add_special_tokens=False)["input_ids"]].mean(0), dim=0).numpy() for t in texts]
    cos = np.array(vec[1:]) @ vec[0]
    assert_close(bars(chart(at, "lesson2_similarity_chart")), cos, rtol=1e-5, atol=1e-5, check_dtype=False)


@pytest.mark.slow
def test_search_page_explains_bad_input():
    at = open_lesson("search")
    at.text_area(key="lesson2_catalogue").set_value("Laptop | computer\nChair, 150, 3.5").run()
    assert not at.exception and "Line 2" in at.error[0].value
    at.text_area(key="lesson2_catalogue").set_value("Laptop | computer").run()
    at.text_input(key="lesson2_query").set_value("笔记本").run()
    assert not at.exception and "[UNK]" in at.warning[0].value
    at.text_input(key="lesson2_query").set_value("").run()
    assert not at.exception and "Type a sentence" in at.error[0].value


@pytest.mark.slow
def test_soft_hard_local_general_page(minilm):
    at = open_lesson("soft_hard")
    at.selectbox(key="lesson3_layer").set_value(1).run()
    at.selectbox(key="lesson3_head").set_value(2).run()
    at.slider(key="lesson3_radius").set_value(1).run()
    assert not at.exception
    cap = minilm.run_with_capture(TIRED)
    soft = cap.pattern[1, 2].numpy()
    assert_close(z(chart(at, "lesson3_soft_chart")), soft, rtol=1e-5, atol=1e-6, check_dtype=False)
    hard = z(chart(at, "lesson3_hard_chart"))
    assert set(np.unique(hard)) == {0.0, 1.0} and np.array_equal(hard.sum(1), np.ones(cap.n_tokens))
    assert np.array_equal(hard.argmax(1), soft.argmax(1))
    it = cap.tokens.index("it")
    assert metric(at, 'thrown away for "it"') == f"{100 * (1 - soft[it].max()):.1f} %"
    local = z(chart(at, "lesson3_local_chart"))
    n = cap.n_tokens
    outside = np.abs(np.arange(n)[:, None] - np.arange(n)[None]) > 1
    assert np.all(np.isnan(local[outside])) and np.allclose(np.nansum(local, 1), 1, atol=1e-6)
    general = z(chart(at, "lesson3_general_chart"))
    assert general.shape == (len(minilm.tokenizer("The street was too wide for the animal.")["input_ids"]), n)
    bucket = min(int(4 * (1 - soft[it].max())), 3)
    assert "The model says" in reveal(at, 3, bucket) and at.success


def keys(widgets) -> set[str]:
    return {widget.key for widget in widgets}


def element_order(block) -> list[str]:
    """The types of the elements in ``block``, in the order they are shown (depth first)."""
    order = []
    for child in block.children.values():
        order += element_order(child) if hasattr(child, "children") else [child.type]  # a block (container, column, tab) or an element
    return order


def test_present_mode_puts_a_sections_controls_in_the_sidebar_and_its_chart_first():
    """Lesson 3 (Issue #12): in present mode the page's widgets and the open section's are in the sidebar, the other
    sections' stay in their hidden tabs, each tab starts with its chart; out of present mode all is in the page, as before."""
    at = open_lesson("soft_hard")
    page_widgets = {"lesson3_sentence", "lesson3_layer", "lesson3_head", "lesson3_query"}
    assert not keys(at.sidebar.text_input) & page_widgets and not keys(at.sidebar.slider)
    assert {"lesson3_k", "lesson3_radius"} <= keys(at.main.slider) and "lesson3_sentence" in keys(at.main.text_input)
    soft = element_order(at.main)
    assert soft.index("latex") < soft.index("plotly_chart")  # the formula, then the chart, as written
    at.slider(key="lesson3_k").set_value(3).run()

    at.toggle(key="present").set_value(True).run()
    assert not at.exception
    assert at.sidebar.subheader[0].value == "Lesson 3 · Soft, hard and local attention" and not at.title
    assert page_widgets <= keys(at.sidebar.text_input) | keys(at.sidebar.selectbox)
    assert not keys(at.sidebar.slider) and {"lesson3_k", "lesson3_radius"} <= keys(at.main.slider)  # Soft is open: it has no slider
    for tab in at.tabs[:4]:  # soft, hard, local, general: each starts with its chart
        assert element_order(tab)[0] == "plotly_chart", (tab.label, element_order(tab)[:3])
    assert chart(at, "lesson3_soft_chart")["layout"]["height"] == lesson_frame.CHART_HEIGHT

    at.button(key="present_section_next").click().run()  # Hard
    assert at.session_state[present.SECTION_KEY] == at.tabs[1].label
    assert keys(at.sidebar.slider) == {"lesson3_k"} and at.slider(key="lesson3_k").value == 3  # the value moved with it
    assert "lesson3_radius" in keys(at.main.slider)
    at.button(key="present_section_next").click().run()  # Local
    assert keys(at.sidebar.slider) == {"lesson3_radius"} and "lesson3_k" in keys(at.main.slider)
    assert at.slider(key="lesson3_k").value == 3

    at.toggle(key="present").set_value(False).run()
    assert not at.exception and not keys(at.sidebar.slider) and not keys(at.sidebar.text_input) & page_widgets
    assert at.title[0].value == "Lesson 3 · Soft, hard and local attention" and at.slider(key="lesson3_k").value == 3


def test_present_mode_lays_long_labelled_bars_across():
    """Lesson 2: the catalogue's titles (up to 36 characters) as upright 18 px labels would leave the bars a strip;
    in present mode the bars run across, one row per title, the first on top; out of present mode they stand."""
    at = open_lesson("search")
    standing = chart(at, "lesson2_weights_chart")
    assert standing["data"][0].get("orientation") != "h"
    at.toggle(key="present").set_value(True).run()
    assert not at.exception
    lying = chart(at, "lesson2_weights_chart")
    assert lying["data"][0]["orientation"] == "h" and lying["layout"]["yaxis"]["autorange"] == "reversed"
    assert lying["data"][0]["y"] == standing["data"][0]["x"] and lying["data"][0]["x"] == standing["data"][0]["y"]
    assert lying["data"][0]["marker"]["color"] == standing["data"][0]["marker"]["color"]  # the chosen item keeps its colour
    assert lying["layout"]["xaxis"]["title"]["text"] == standing["layout"]["yaxis"]["title"]["text"]
    output = chart(at, "lesson2_output_chart")
    assert output["layout"]["xaxis"]["range"] == [0, 1]  # the output's fixed 0 … 1 scale moved to the bars' axis
    soft = chart(at, "lesson2_similarity_chart")
    assert max(len(label) for label in soft["data"][0]["y"]) > lesson_frame.LONG_LABEL


def test_present_mode_asks_the_closing_question_with_every_answer_in_view():
    """Lesson 1's predict-then-reveal: radio buttons in present mode (one click, all answers on the projector), a selectbox
    out of it; either way the reveal judges the pick."""
    at = open_lesson("word_vectors")
    assert "lesson1_guess" in keys(at.selectbox) and "lesson1_guess" not in keys(at.radio)
    at.toggle(key="present").set_value(True).run()
    guess = at.radio(key="lesson1_guess")
    assert guess.value is None and len(guess.options) >= 2 and at.button(key="lesson1_reveal").disabled
    guess.set_value(0).run()
    at.button(key="lesson1_reveal").click().run()
    assert not at.exception
    verdicts = [box.value for box in (*at.success, *at.warning) if "The model says:" in box.value]
    assert len(verdicts) == 1, verdicts


@pytest.mark.slow
def test_a_shorter_sentence_shrinks_the_sliders_without_an_error(minilm):
    at = open_lesson("soft_hard")
    at.slider(key="lesson3_radius").set_value(12).run()
    at.slider(key="lesson3_k").set_value(5).run()
    at.text_input(key="lesson3_sentence").set_value("It.").run()
    assert not at.exception
    n = len(minilm.tokenizer("It.")["input_ids"])
    assert n == 4 and at.slider(key="lesson3_radius").value == n - 1 and at.slider(key="lesson3_k").value == n


@pytest.mark.slow
def test_scoring_page(minilm):
    at = open_lesson("scoring")
    at.selectbox(key="lesson4_layer").set_value(3).run()
    at.selectbox(key="lesson4_head").set_value(9).run()
    assert not at.exception
    cap = minilm.run_with_capture("The cat sat on the mat because it was warm.")
    assert_close(z(chart(at, "lesson4_map_scaled_dot")), cap.pattern[3, 9].numpy(), rtol=1e-5, atol=1e-6, check_dtype=False)
    dot = z(chart(at, "lesson4_map_dot"))
    q, k = cap.q[3, :, 9], cap.k[3, :, 9]
    assert_close(dot, torch.softmax(q @ k.T, -1).numpy(), rtol=1e-5, atol=1e-5, check_dtype=False)
    entropy = table(at, "mean entropy (bits)")["mean entropy (bits)"].to_numpy()  # one entropy for the app: bits
    for rule, weights in (("dot", dot), ("scaled_dot", cap.pattern[3, 9].double().numpy())):
        w = np.clip(weights, 1e-300, None)
        assert entropy[scoring.RULES.index(rule)] == pytest.approx(-(w * np.log2(w)).sum(-1).mean(), abs=1e-4)
    counts = table(at, "parameters")
    assert list(counts["parameters"]) == [2 * 32 * 32 + 32, 0, 32 * 32, 0]
    shapes = list(table(at, "shape")["shape"])
    assert shapes == ["[1, 1, 32]", "[1, 1, 32]", "[1, 32, 64]", "[1, 64]", "[1, 32]", "[1, 32]", "[1, 1, 64]", "[1, 96]", "[1, 1, 32]"]
    at.number_input(key="lesson4_value_size").set_value(16).run()
    at.number_input(key="lesson4_n_positions").set_value(10).run()
    assert list(table(at, "shape")["shape"])[5:] == ["[1, 10]", "[1, 1, 16]", "[1, 48]", "[1, 1, 32]"]
    assert len(bars(chart(at, "lesson4_seq2seq_chart"))) == 10
    assert "random" in at.info[0].value
    assert "The theory says: Not at all" in reveal(at, 4, 0) and at.success


@pytest.mark.slow
def test_separate_qk_page(minilm):
    at = open_lesson("separate_qk")
    at.selectbox(key="lesson5_layer").set_value(3).run()
    at.selectbox(key="lesson5_head").set_value(4).run()
    assert not at.exception
    cap = minilm.run_with_capture(TIRED)
    assert_close(z(chart(at, "lesson5_actual_chart")), cap.pattern[3, 4].numpy(), rtol=1e-5, atol=1e-6, check_dtype=False)
    q = cap.q[3, :, 4]
    shared = torch.softmax(q @ q.T / math.sqrt(32), -1).numpy()
    assert_close(z(chart(at, "lesson5_shared_chart")), shared, rtol=1e-5, atol=1e-4, check_dtype=False)
    assert float(metric(at, "symmetry error max|S − Sᵀ| (shared W)")) < 1e-6
    assert float(metric(at, "symmetry error max|S − Sᵀ| (as trained)")) > 0.1
    assert metric(at, "mean weight on itself (shared W)") == f"{np.diag(shared).mean():.3f}"
    scatter = chart(at, "lesson5_all_chart")["data"][0]
    assert len(array(scatter["x"])) == 72
    at.radio(key="lesson5_shared").set_value("K").run()
    k = cap.k[3, :, 4]
    assert_close(z(chart(at, "lesson5_shared_chart")), torch.softmax(k @ k.T / math.sqrt(32), -1).numpy(), rtol=1e-5, atol=1e-4, check_dtype=False)
    up = np.diag(torch.softmax(k @ k.T / math.sqrt(32), -1).numpy()).mean() > np.diag(cap.pattern[3, 4].numpy()).mean()
    assert "The model says" in reveal(at, 5, 0 if up else 1) and at.success


@pytest.mark.slow
def test_positions_page(minilm):
    at = open_lesson("positions")
    at.slider(key="lesson6_n").set_value(20).run()
    at.slider(key="lesson6_d").set_value(16).run()
    assert not at.exception
    pos, i = np.arange(20)[:, None], np.arange(8)[None]
    expected = np.zeros((20, 16))
    expected[:, 0::2], expected[:, 1::2] = np.sin(pos / 10000 ** (2 * i / 16)), np.cos(pos / 10000 ** (2 * i / 16))
    assert_close(z(chart(at, "lesson6_sinusoid_chart")), expected, rtol=1e-5, atol=1e-5, check_dtype=False)
    assert_close(z(chart(at, "lesson6_similarity_chart")), expected @ expected.T, rtol=1e-5, atol=1e-4, check_dtype=False)
    assert float(metric(at, "without positions")) < 1e-6
    assert float(metric(at, "with the model's positions")) > 1e-3
    W_pos = minilm.network.embed.W_pos.detach().numpy()
    assert_close(z(chart(at, "lesson6_learned_chart")), W_pos[:64], rtol=1e-5, atol=1e-6, check_dtype=False)
    at.number_input(key="lesson6_seed").set_value(5).run()
    original, shuffled = at.text[0].value.split(": ")[1].split(), at.text[1].value.split(": ")[1].split()
    assert sorted(original) == sorted(shuffled) and original != shuffled
    assert shuffled[0] == "[CLS]" and shuffled[-1] == "[SEP]"
    assert "The model says: No" in reveal(at, 6, 1)


@pytest.mark.slow
def test_block_page(minilm, minilm_hf):
    at = open_lesson("block")
    assert not at.exception
    total = sum(p.numel() for name, p in minilm_hf.named_parameters() if not name.startswith("pooler"))
    assert metric(at, "whole model") == f"{total:,}"
    counts = table(at, "copies")
    assert counts["parameters"].sum() == total
    links = {link.proto.label: link.proto.page for link in at.get("page_link")}
    assert links["Multi-head self-attention → Step by step"] == "step_by_step"
    assert links["Positional encoding → 6 · Positional encoding"] == "lesson_positions"
    assert links["Embeddings → 1 · Word vectors"] == "lesson_word_vectors"
    assert float(metric(at, "max |our LayerNorm")) < 1e-4
    at.selectbox(key="lesson7_layer").set_value(4).run()
    cap = minilm.run_with_capture(TIRED)
    residual = table(at, "|x|")
    assert_close(residual["|LayerNorm(…)|"].to_numpy(), cap.resid_mid[4].norm(dim=-1).numpy(), rtol=1e-5, atol=1e-3, check_dtype=False)
    assert metric(at, "feed-forward parameters per layer") == f"{2 * 384 * 1536 + 1536 + 384:,}"
    assert "The model says: Embeddings" in reveal(at, 7, 0)


@pytest.mark.slow
def test_cost_page_measures_within_a_tiny_budget():
    at = open_lesson("cost")
    assert "Press “Measure”" in shown_text(at)
    complexity = table(at, "cost per layer")
    assert list(complexity["cost per layer"])[:3] == ["O(n²·d)", "O(n·d²)", "O(k·n·d²)"]
    at.selectbox(key="lesson8_n_min").set_value(8).run()
    at.selectbox(key="lesson8_n_max").set_value(16).run()
    at.selectbox(key="lesson8_d").set_value(8).run()
    at.slider(key="lesson8_repeats").set_value(2).run()
    at.button(key="lesson8_run").click().run()
    assert not at.exception
    measured = table(at, "milliseconds (fastest of k)")
    assert sorted(set(measured["n"])) == [8, 16] and len(measured) == 8
    assert (measured["milliseconds (fastest of k)"] <= measured["milliseconds (median of k)"]).all()
    time_fig = chart(at, "lesson8_time_chart")
    assert len(time_fig["data"]) == 4 and time_fig["layout"]["xaxis"]["type"] == "log"
    exponents = table(at, "measured time p ± s.e.")
    for layer in ("self-attention", "nn.LSTM"):
        rows = measured[measured["layer"] == layer].sort_values("n")
        slope = math.log(rows["milliseconds (fastest of k)"].iloc[1] / rows["milliseconds (fastest of k)"].iloc[0]) / math.log(2)
        shown_p = exponents[exponents["layer"] == layer]["measured time p ± s.e."].iloc[0]  # two points: the slope is the fit, no ±
        assert shown_p == f"{slope:.2f}"
    assert "The model says" not in reveal(at, 8, 0) and at.success


def test_cost_page_rejects_an_empty_range():
    at = open_lesson("cost")
    at.selectbox(key="lesson8_n_min").set_value(64).run()
    at.selectbox(key="lesson8_n_max").set_value(8).run()
    at.button(key="lesson8_run").click().run()
    assert not at.exception and "64 … 8 is not allowed" in at.error[0].value


@pytest.mark.slow
def test_it_page_lists_changing_heads_and_opens_one_in_the_explorer(minilm):
    at = open_lesson("it_reference")
    a, b = minilm.run_with_capture(TIRED), minilm.run_with_capture(WIDE)
    it, animal, street = a.tokens.index("it"), a.tokens.index("animal"), a.tokens.index("street")
    pref_a = (a.pattern[:, :, it, animal] - a.pattern[:, :, it, street]).numpy()
    pref_b = (b.pattern[:, :, it, animal] - b.pattern[:, :, it, street]).numpy()
    assert_close(z(chart(at, "lesson9_map_A")), pref_a, rtol=1e-5, atol=1e-6, check_dtype=False)
    changed = table(at, "A: → animal")
    shift = pref_a - pref_b
    assert {(l, h) for l, h in zip(changed["Layer"], changed["Head"])} == {tuple(x) for x in np.argwhere(np.abs(shift) >= 0.05)}
    assert_close(changed["shift"].to_numpy(), np.array([shift[l, h] for l, h in zip(changed["Layer"], changed["Head"])]), rtol=1e-5, atol=1e-6, check_dtype=False)
    layer, head = int(changed["Layer"].iloc[0]), int(changed["Head"].iloc[0])
    assert (layer, head) == tuple(np.unravel_index(np.abs(shift).argmax(), shift.shape))
    answer = int(a.pattern[layer, head, it].argmax())
    assert f"The model says: {escape_markdown(a.tokens[answer])} ·{answer}" in reveal(at, 9, answer)
    at.selectbox(key="lesson9_open_sentence").set_value(WIDE).run()
    at.button(key="lesson9_open").click().run()
    assert not at.exception
    assert at.title[0].value == "Attention Explorer"
    assert at.selectbox(key="layer").value == layer and at.selectbox(key="head").value == head
    assert at.text_area(key="sentence").value == WIDE


def test_it_page_explains_a_missing_word():
    at = open_lesson("it_reference")
    at.text_input(key="lesson9_key2").set_value("trophy").run()
    assert not at.exception and "'trophy' is not in the sentence" in at.error[0].value


@pytest.mark.slow
def test_lessons_in_chinese_keep_what_the_student_typed():
    at = open_lesson("soft_hard")
    at.text_input(key="lesson3_sentence").set_value("Dogs chase cats in the garden.").run()
    at.toggle(key="present").set_value(True).run()
    at.selectbox(key="lang").set_value("zh").run()
    assert not at.exception
    assert at.sidebar.subheader[0].value.startswith("第 3 课")  # present mode: the title heads the sidebar, the tabs the page
    assert at.text_input(key="lesson3_sentence").value == "Dogs chase cats in the garden."
    at.switch_page("pages/lessons/word_vectors.py").run()
    at.switch_page("pages/lessons/soft_hard.py").run()
    assert not at.exception and at.text_input(key="lesson3_sentence").value == "Dogs chase cats in the garden."
    assert "dogs" in chart(at, "lesson3_soft_chart")["layout"]["xaxis"]["ticktext"]
    for page in ("search", "scoring", "separate_qk", "positions", "block", "cost", "it_reference", "multi_head"):
        at.switch_page(f"pages/lessons/{page}.py").run()
        assert not at.exception, page
        assert at.sidebar.subheader[0].value.startswith("第 ") and "课" in at.sidebar.subheader[0].value
        assert at.toggle(key="present").value and at.tabs[-1].label == "先预测，再揭晓"


HOSTILE = ["<img src=x onerror=alert(1)>", "![x](http://example.com/a.png)", "$\\frac{1}{2}$"]
# unescaped HTML in figures; unescaped Markdown (a tag, an image or link, a formula) in text
RAW_HTML = re.compile(r"<img|<script")
RAW_MARKDOWN = re.compile(r"(?<!\\)<img|(?<!\\)!\[|(?<!\\)\]\(http|(?<!\\)\$\\frac")


def shown(at) -> tuple[str, str]:
    """(the figures' JSON, the Markdown of the text elements and metric labels) on screen."""
    figs = "\n".join(c.proto.spec for c in at.get("plotly_chart"))
    return figs, "\n".join([shown_text(at), *(m.label for m in at.metric)])


@pytest.mark.slow
@pytest.mark.parametrize("hostile", HOSTILE)
def test_typed_text_is_never_html_markdown_or_a_formula(hostile):
    at = open_lesson("word_vectors")
    at.text_input(key="lesson1_words").set_value(f"{hostile.replace(' ', '')} cat dog").run()
    views = [shown(at)]
    at.switch_page("pages/lessons/search.py").run()
    at.text_area(key="lesson2_catalogue").set_value(f"{hostile} | paper, {hostile}\nLaptop | computer").run()
    at.text_input(key="lesson2_query").set_value(hostile).run()
    views.append(shown(at))
    at.switch_page("pages/lessons/it_reference.py").run()
    at.text_input(key="lesson9_key2").set_value(hostile).run()
    assert at.error
    views.append(shown(at))
    at.switch_page("pages/lessons/soft_hard.py").run()
    at.text_input(key="lesson3_sentence").set_value(f"it {hostile}").run()
    views.append(shown(at))
    assert not at.exception
    for figs, text in views:
        assert not RAW_HTML.search(figs)
        assert not RAW_MARKDOWN.search(text), RAW_MARKDOWN.search(text)
    assert any("&lt;" in figs or "](http" in figs or "frac" in figs for figs, _ in views)  # the text is shown, escaped

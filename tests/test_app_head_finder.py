"""The head finder page driven like a user with AppTest; what it shows checked against the library run anew."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest
import streamlit as st
from apptest_helpers import array, new_app, shown_text
from torch.testing import assert_close

import attnviz
from attnviz.analysis import head_metrics as hm
from attnviz.i18n import t


def open_page(**query):
    at = new_app(**query).run()
    return at.switch_page("pages/head_finder.py").run()


def chart(at, key: str) -> dict:
    return json.loads(at.get_by_key(key).proto.spec)


def best_head(values) -> tuple[int, int]:
    return divmod(int(np.nanargmax(values.numpy())), values.shape[1])


@pytest.fixture(scope="module")
def minilm_metrics(minilm):
    """The library's own run of every metric, independent of the page's process-wide store."""
    return attnviz.head_metrics(minilm)


@pytest.mark.slow
def test_opens_on_minilm_with_the_previous_token_map_table_and_the_top_heads_card(minilm, minilm_metrics):
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "Head finder"
    fig = chart(at, "hf_map")
    assert fig["layout"]["title"]["text"] == "previous token: every layer and head"
    assert_close(array(fig["data"][0]["z"]).reshape(6, 12), minilm_metrics["previous_token"].numpy(), rtol=1e-5, atol=1e-6, check_dtype=False)
    layer, head = best_head(minilm_metrics["previous_token"])
    assert f"Head card: layer {layer}, head {head}" in shown_text(at)
    assert "Rank 1 of 72 heads by previous token." in shown_text(at)
    table = at.dataframe[0].value
    assert len(table) == 72 and list(table.columns[:2]) == ["Layer", "Head"]
    assert list(table.columns[2:]) == [t(f"hf_metric_{name}") for name in hm.metric_names(False)]
    assert table["previous token"].is_monotonic_decreasing
    assert (int(table.iloc[0]["Layer"]), int(table.iloc[0]["Head"])) == (layer, head)
    # the top example: the head's own pattern on that probe input, its score recomputed on it alone
    probe, score = hm.top_examples(minilm, "previous_token", layer, head, k=1)[0]
    cap = minilm.run_tokens_with_capture(list(probe.token_ids))
    example = chart(at, "hf_example_0")
    assert_close(array(example["data"][0]["z"]).reshape(cap.n_tokens, cap.n_tokens), cap.pattern[layer, head].numpy(), rtol=1e-5, atol=1e-6, check_dtype=False)
    alone = hm.pattern_metrics(cap.pattern[layer], cap.attn_mask, cap.token_ids, ["previous_token"])["previous_token"][head]
    assert example["layout"]["title"]["text"] == f"previous token = {float(alone):.3f}" == f"previous token = {score:.3f}"
    assert len([e for e in at.get("plotly_chart")]) == 4  # the map and three examples


@pytest.mark.slow
def test_picking_a_metric_and_a_head_shows_that_heads_numbers(minilm_metrics):
    at = open_page()
    at.selectbox(key="hf_metric").set_value("cls").run()
    assert not at.exception
    fig = chart(at, "hf_map")
    assert fig["layout"]["title"]["text"] == "[CLS]: every layer and head"
    assert_close(array(fig["data"][0]["z"]).reshape(6, 12), minilm_metrics["cls"].numpy(), rtol=1e-5, atol=1e-6, check_dtype=False)
    assert "The weight on the [CLS] token" in shown_text(at)
    layer, head = best_head(minilm_metrics["cls"])
    assert f"Head card: layer {layer}, head {head}" in shown_text(at)  # another metric: its top head's card
    at.selectbox(key="hf_layer").set_value(4).run()
    at.selectbox(key="hf_head").set_value(7).run()
    assert not at.exception
    assert "Head card: layer 4, head 7" in shown_text(at)
    card = at.dataframe[1].value
    for name in hm.metric_names(False):
        assert card[t(f"hf_metric_{name}")][0] == pytest.approx(float(minilm_metrics[name][4, 7]), abs=1e-6)
    outline = chart(at, "hf_map")["data"][-1]
    assert (outline["x"], outline["y"]) == ([7], [4])  # the picked head is outlined on the map


def test_a_click_on_the_map_or_a_table_row_picks_that_head():
    st.session_state["hf_map"] = SimpleNamespace(selection=SimpleNamespace(points=[{"customdata": [3, 5, 0.25]}]))
    from attnviz.app import ui

    ui.pick_head_from_map()
    assert (st.session_state["hf_layer"], st.session_state["hf_head"]) == (3, 5)
    st.session_state["hf_table_heads"] = [(0, 2), (2, 11), (1, 9)]
    st.session_state["hf_table"] = SimpleNamespace(selection=SimpleNamespace(rows=[2]))
    ui.pick_head_from_table()
    assert (st.session_state["hf_layer"], st.session_state["hf_head"]) == (1, 9)
    st.session_state["hf_table"] = SimpleNamespace(selection=SimpleNamespace(rows=[]))  # a row unselected: the head stays
    ui.pick_head_from_table()
    assert (st.session_state["hf_layer"], st.session_state["hf_head"]) == (1, 9)


@pytest.mark.slow
def test_a_picked_head_from_the_map_shows_its_card_and_opens_in_the_explorer():
    from attnviz.app import ui

    at = open_page()
    at.session_state["hf_layer"], at.session_state["hf_head"] = 2, 11  # as the map's on_select callback sets them
    at.run()
    assert "Head card: layer 2, head 11" in shown_text(at)
    scores = ui.probe_scores("minilm")  # the page's own store: which input its first example shows
    probe = scores.inputs[scores.top_examples("previous_token", 2, 11, k=1)[0][0]]
    at.button(key="hf_open_0").click().run()
    assert not at.exception
    assert at.title[0].value == "Attention Explorer"
    assert at.selectbox(key="layer").value == 2 and at.selectbox(key="head").value == 11
    assert at.text_area(key="sentence").value == probe.text
    assert at.query_params["layer"] == "2" and at.query_params["head"] == "11"


@pytest.mark.slow
def test_in_chinese():
    at = open_page(lang="zh")
    assert not at.exception
    assert at.title[0].value == "注意力头查找器"
    assert at.selectbox(key="hf_metric").label == "指标"
    assert chart(at, "hf_map")["layout"]["title"]["text"] == "前一个 token：每一层、每一个头"
    assert "头卡片：第 " in shown_text(at) and "按“前一个 token”，在 72 个头中排第 1。" in shown_text(at)
    assert at.button(key="hf_open_0").label == "在注意力探查器中打开这个头"
    assert list(at.dataframe[0].value.columns[:4]) == ["层", "头", "自身", "前一个 token"]


@pytest.mark.slow
def test_smollm2_induction_heads_with_random_repeated_examples(smollm2):
    at = open_page()
    at.selectbox(key="hf_model").set_value("smollm2").run()
    at.selectbox(key="hf_metric").set_value("induction").run()
    assert not at.exception
    options = at.selectbox(key="hf_metric").options
    assert "[CLS]" not in options and "induction" in options  # a decoder has no [CLS]/[SEP] metrics
    values = array(chart(at, "hf_map")["data"][0]["z"]).reshape(30, 9)
    layer, head = divmod(int(np.nanargmax(values)), 9)
    assert values.max() > 0.5
    assert f"Head card: layer {layer}, head {head}" in shown_text(at)
    assert "Random tokens repeated twice" in shown_text(at)
    example = chart(at, "hf_example_0")
    assert len(example["layout"]["xaxis"]["ticktext"]) == 50  # 2 × 25 random tokens, no BOS for SmolLM2
    assert example["layout"]["xaxis"]["showticklabels"] is False  # 50 labels would overprint: the hover names them

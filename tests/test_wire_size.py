"""Long inputs stay light on the wire: a rerun sends at most 2 MB on every page and view at
512 tokens (issue 16 item 4), and what a long map shows is still the model's own numbers:
a pooled overview of the whole map and a window drawn at full resolution.

Before the overview and windows, one head switch at 512 tokens sent 31.8 MB (Explorer head
view), 13.5 MB (model view), 30.9 MB (average view), 87.6 MB (Step by step), 51.6 MB (the
SmolLM2 model view) and 49.6 MB (RoPE/GQA), measured with ``wire_bytes`` below.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from apptest_helpers import array, new_app
from streamlit.testing.v1.element_tree import Block
from torch.testing import assert_close

BUDGET = 2_000_000  # bytes one rerun may send
WORDS = (
    "the animal didn't cross the street because it was too tired and the trophy doesn't fit into "
    "the brown suitcase because it is too large while the quick brown fox jumps over the lazy dog"
).split()
LONG = " ".join(WORDS[i % len(WORDS)] for i in range(700))  # more than 512 tokens for both models


def wire_bytes(at) -> int:
    """What the last rerun sent: the serialized size of every element on the page (charts as their spec)."""

    def size(node) -> int:
        if isinstance(node, Block):
            return sum(size(child) for child in node.children.values())
        return node.proto.ByteSize()

    return size(at._tree)


def spec(at, key: str) -> dict:
    return json.loads(at.get_by_key(key).proto.spec)


# --- the figures, on arrays (fast) ------------------------------------------------------


def as_json(fig) -> dict:
    """A figure as the JSON spec the browser receives."""
    return json.loads(fig.to_json())


def random_pattern(n: int, seed: int = 0) -> torch.Tensor:
    scores = torch.randn(n, n, generator=torch.Generator().manual_seed(seed))
    return scores.softmax(-1)


def test_window_draws_its_cells_with_global_labels_and_full_hover():
    from attnviz.plots import maps
    n = 200
    tokens = [f"w{i % 50}" for i in range(n)]  # every token repeats: labels carry their position
    pattern, scores = random_pattern(n), torch.randn(n, n)
    queries, keys = range(70, 90), range(150, 200)
    fig = as_json(maps.attention_heatmap(pattern, tokens, scores, None, "t", "en", queries, keys))
    trace = fig["data"][0]
    assert_close(array(trace["z"]), pattern[70:90, 150:200].numpy(), rtol=1e-5, atol=1e-8, check_dtype=False)
    assert fig["layout"]["xaxis"]["ticktext"][0] == "w0 ·150" and fig["layout"]["yaxis"]["ticktext"][-1] == "w39 ·89"
    cell = trace["text"][3][5]  # query 73, key 155
    assert cell == f"query: w23 ·73<br>key: w5 ·155<br>weight: {pattern[73, 155]:.4f}<br>raw score: {scores[73, 155]:.4f}"
    with pytest.raises(ValueError, match="leaves"):
        maps.attention_heatmap(pattern, tokens, queries=range(190, 210))


@pytest.fixture(scope="module")
def long_tiny_capture():
    """A 300-token capture of a tiny random Llama (causal mask, grouped-query attention)."""
    from decoder_helpers import tiny_llama_pair

    _, model = tiny_llama_pair(7, n_heads=4, n_kv_heads=2, max_positions=512)
    ids = torch.randint(3, model.config.d_vocab, (300,), generator=torch.Generator().manual_seed(1))
    return model.run_tokens_with_capture(ids)


def test_overview_is_the_block_maximum_at_most_128_cells_a_side(long_tiny_capture, monkeypatch):
    from attnviz.analysis import overview
    from attnviz.plots import maps

    cap, n = long_tiny_capture, 300
    monkeypatch.setattr(overview, "ROW_BUDGET", 4 * 300 * 9)  # rows derived 9 at a time: three blocks per step
    block = maps.overview_block(n)
    assert block == 3  # ceil(300 / 128)
    pooled = overview.pooled_map(cap, 1, slice(2, 3), block)
    pattern, mask = cap.pattern[1, 2], cap.attn_mask  # one head's whole map, to check against
    assert pooled.shape == (100, 100)
    for bi, bj in ((0, 0), (5, 2), (99, 99), (50, 49)):
        rows, cols = slice(bi * block, bi * block + block), slice(bj * block, bj * block + block)
        assert pooled[bi, bj] == pytest.approx(pattern[rows, cols][mask[rows, cols]].max().item(), rel=1e-6)
    assert np.isnan(pooled[0, 1]) and np.isnan(pooled[10, 60])  # every pair in these blocks is masked (causal)
    assert np.nanmax(pooled) == pytest.approx(pattern[mask].max().item(), rel=1e-6)
    average = overview.pooled_map(cap, 1, slice(0, 4), block, hidden_keys=[0, 1, 2])
    assert np.isnan(average[:, 0]).all()  # the block of the hidden keys 0-2
    expected = cap.pattern[1, :, 150:153, 3:6].mean(0)[cap.attn_mask[150:153, 3:6]].max().item()
    assert average[50, 1] == pytest.approx(expected, rel=1e-6)  # the mean over the heads, then the block maximum
    fig = as_json(maps.attention_overview(pooled, block, [f"t{i}" for i in range(n)], queries=range(10, 40), keys=range(0, 30)))
    assert_close(array(fig["data"][0]["z"]).astype(float), pooled.astype(float), equal_nan=True, check_dtype=False)
    assert "largest weight in this 3 × 3 block" in fig["data"][0]["hovertemplate"]
    assert len(fig["layout"]["xaxis"]["tickvals"]) <= 17
    rect = fig["layout"]["shapes"][0]
    assert (rect["y0"], rect["y1"]) == pytest.approx((10 / 3 - 0.5, 39 / 3 + 0.5))
    with pytest.raises(ValueError, match="cells per side"):
        maps.attention_overview(pooled, 2, [f"t{i}" for i in range(n)])


def test_hiding_sinks_removes_their_columns_and_rescales_the_colours():
    from attnviz.plots import maps
    tokens = ["[CLS]", "the", "cat", "[SEP]", "sat", "[SEP]"]
    assert maps.sink_keys(tokens) == [0, 3, 5]
    assert maps.sink_keys(["<|im_start|>", "hi", "<|endoftext|>"]) == [0, 2]
    pattern = torch.full((6, 6), 0.02)
    pattern[:, 0] = 0.9  # a sink takes most of the weight
    pattern[2, 4] = 0.06
    fig = as_json(maps.attention_heatmap(pattern, tokens, hidden_keys=maps.sink_keys(tokens)))
    assert fig["layout"]["xaxis"]["ticktext"] == ["the", "cat", "sat"]
    assert fig["data"][0]["zmax"] == pytest.approx(0.06)
    plain = as_json(maps.attention_heatmap(pattern, tokens))
    assert plain["data"][0]["zmax"] == pytest.approx(0.9)


def test_model_view_pools_whole_maps_within_a_cell_budget(long_tiny_capture):
    from attnviz.analysis import overview
    from attnviz.plots import maps

    cap = long_tiny_capture
    side, block = maps.model_view_pooling(cap.n_layers, cap.n_heads, cap.n_tokens, cells=2 * 4 * 100)
    assert (side, block) == (10, 30)
    fig = as_json(maps.model_view(overview.pooled_maps(cap, block), block))
    heatmaps = [trace for trace in fig["data"] if trace["type"] == "heatmap"]
    assert len(heatmaps) == 8
    z = array(heatmaps[5]["z"]).astype(float)  # layer 1, head 1; 10 × 10 cells of 30 × 30 tokens
    assert z.shape == (10, 10) and "Layer 1, Head 1" in heatmaps[5]["hovertemplate"]
    assert z[9, 3] == pytest.approx(cap.pattern[1, 1, 270:300, 90:120].max().item(), rel=1e-6)
    assert sum(array(m["z"]).size for m in heatmaps) <= 2 * 4 * 100


def test_clamp_range_keeps_a_window_inside_the_text_and_at_most_its_width():
    from attnviz.plots import maps
    assert maps.clamp_range(10, 500, 512) == range(10, 74)
    assert maps.clamp_range(500, 600, 512) == range(500, 512)
    assert maps.clamp_range(-3, 5, 512, most=4) == range(0, 4)


# --- the pages at 512 tokens --------------------------------------------------------------


@pytest.fixture(scope="module")
def explorer():
    at = new_app().run()
    at.text_area(key="sentence").set_value(LONG).run()
    assert not at.exception
    return at


@pytest.mark.slow
@pytest.mark.parametrize("view", ["head", "model", "lines", "average"])
def test_a_head_switch_at_512_tokens_sends_at_most_2_mb(explorer, view):
    at = explorer
    at.radio(key="view").set_value(view).run()
    if view != "model":  # the widest window the sliders allow
        at.slider(key="window_queries").set_value((100, 163)).run()
        at.slider(key="window_keys").set_value((0, 63)).run()
    if view == "lines":
        at.multiselect(key="lines_heads").set_value(list(range(12))).run()
    at.selectbox(key="head").set_value(5).run()
    assert not at.exception
    assert wire_bytes(at) <= BUDGET


@pytest.mark.slow
def test_the_window_is_drawn_at_full_resolution_and_kept_across_head_switches(explorer, minilm):
    at = explorer
    at.radio(key="view").set_value("head").run()
    at.slider(key="window_queries").set_value((200, 239)).run()
    at.slider(key="window_keys").set_value((0, 30)).run()
    at.selectbox(key="layer").set_value(2).run()
    at.selectbox(key="head").set_value(4).run()
    assert not at.exception
    assert at.slider(key="window_queries").value == (200, 239)
    cap = minilm.run_with_capture(LONG)
    window = spec(at, "head_chart")["data"][0]
    assert_close(array(window["z"]), cap.pattern[2, 4, 200:240, 0:31].numpy(), rtol=1e-5, atol=1e-6, check_dtype=False)
    assert f"raw score: {cap.attn_scores_raw[2, 4, 200, 0]:.4f}" in window["text"][0][0]
    overview = spec(at, "head_chart_overview")
    assert array(overview["data"][0]["z"]).shape == (128, 128)
    assert np.isclose(array(overview["data"][0]["z"])[50, 0], cap.pattern[2, 4, 200:204, 0:4].max(), atol=1e-6)

    at.slider(key="window_keys").set_value((0, 200)).run()  # wider than a window may be
    assert not at.exception
    assert len(spec(at, "head_chart")["layout"]["xaxis"]["ticktext"]) == 64
    assert any("at most 64 tokens" in c.value for c in at.caption)

    at.toggle(key="hide_sinks").set_value(True).run()
    ticks = spec(at, "head_chart")["layout"]["xaxis"]["ticktext"]
    assert "[CLS]" not in ticks and len(ticks) == 63
    assert any("sink" in c.value for c in at.caption)
    at.toggle(key="hide_sinks").set_value(False).run()


@pytest.mark.slow
def test_step_by_step_at_512_tokens_sends_at_most_2_mb_with_every_extra_on():
    at = new_app().run()
    at.text_area(key="sentence").set_value(LONG).run()
    at.switch_page("pages/step_by_step.py").run()
    at.toggle(key="steps_tables").set_value(True).run()
    at.text_input(key="steps_pad_other").set_value("Cats sleep.").run()
    at.multiselect(key="steps_hidden").set_value([2]).run()
    at.slider(key="steps_window").set_value((300, 511)).run()
    at.selectbox(key="steps_head").set_value(3).run()
    assert not at.exception
    assert wire_bytes(at) <= BUDGET


@pytest.mark.slow
def test_smollm2_explorer_and_decoder_pages_at_512_tokens_send_at_most_2_mb():
    at = new_app(model="smollm2").run()
    at.text_area(key="sentence").set_value(LONG).run()
    for view in ("head", "model", "lines", "average"):
        at.radio(key="view").set_value(view).run()
        at.selectbox(key="head").set_value(2).run()
        assert not at.exception
        assert wire_bytes(at) <= BUDGET, view
    for page in ("pages/next_token.py", "pages/generation.py", "pages/rope_gqa.py"):
        at.switch_page(page).run()
        at.text_area(key="dec_prompt").set_value(LONG).run()
        assert not at.exception
        assert wire_bytes(at) <= BUDGET, page
    at.slider(key="dec_rope_window").set_value((480, 511)).run()
    assert not at.exception and wire_bytes(at) <= BUDGET
    angle_rows = spec(at, "dec_angles_chart")["layout"]["yaxis"]["ticktext"]
    assert len(angle_rows) == 32 and angle_rows[0].startswith("480 ")
    assert len(spec(at, "dec_before_chart")["layout"]["xaxis"]["ticktext"]) == 32

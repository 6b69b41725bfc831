"""The logit lens page driven like a user with AppTest on SmolLM2; every cell checked against the library's
whole [layer, pos, d_vocab] lens of a fresh capture (ranks and top tokens by argsort here)."""

from __future__ import annotations

import html
import json

import numpy as np
import pytest
import torch
from apptest_helpers import array, new_app, shown_text
from torch.testing import assert_close

import attnviz

PROMPT = "The capital of France is"


def open_page(**query):
    at = new_app(**query).run()
    return at.switch_page("pages/logit_lens.py").run()


def chart(at, key: str) -> dict:
    return json.loads(at.get_by_key(key).proto.spec)


def lens_of(model, prompt: str) -> tuple[attnviz.Capture, torch.Tensor]:
    cap = model.run_with_capture(prompt)
    return cap, attnviz.logit_lens(cap).double()


@pytest.mark.slow
def test_every_cell_is_that_layers_top_token_coloured_by_the_final_predictions_probability(smollm2):
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "Logit lens"
    cap, lens = lens_of(smollm2, PROMPT)
    trace = chart(at, "lens_map")["data"][0]
    n_layers, n = cap.n_layers, cap.n_tokens
    final = lens[-1].argmax(-1)  # [pos]
    want = lens.exp()[:, torch.arange(n), final]  # [layer, pos]
    assert_close(array(trace["z"]).reshape(n_layers, n), want.numpy(), rtol=1e-4, atol=1e-6, check_dtype=False)
    ids = cap.token_ids.tolist()
    for layer in (0, 12, n_layers - 1):
        for p in range(n):
            top = smollm2.next_token_strings(ids[: p + 1], [int(lens[layer, p].argmax())])[0]
            shown = "␣" * len(top) if not top.strip(" ") else top
            assert trace["text"][layer][p] == html.escape(shown[:8] if len(shown) <= 8 else shown[:7] + "…", quote=False)
    assert trace["text"][-1][-1] == " Paris"
    ranks = (lens[:, -1] > lens[:, -1, final[-1]][:, None]).sum(-1) + 1  # [layer]
    settled = next(l for l in range(n_layers) if (ranks[l:] == 1).all())
    assert f"predicts “ Paris”. It is the top token from layer {settled} on." in shown_text(at)
    assert_close(array(chart(at, "lens_rank")["data"][0]["y"]), ranks.numpy(), check_dtype=False)


@pytest.mark.slow
def test_the_rank_colour_the_hover_and_another_position(smollm2):
    at = open_page()
    at.radio(key="lens_colour").set_value("rank").run()
    at.slider(key="lens_top_k").set_value(3).run()
    assert not at.exception
    cap, lens = lens_of(smollm2, PROMPT)
    final = lens[-1].argmax(-1)
    ranks = (lens > lens.gather(-1, final[None, :, None].expand(cap.n_layers, -1, 1))).sum(-1) + 1  # [layer, pos]
    trace = chart(at, "lens_map")["data"][0]
    assert_close(array(trace["z"]).reshape(ranks.shape), np.log10(ranks.numpy()), check_dtype=False)
    hover = trace["customdata"][0][4]  # layer 0 at " is": its three most probable tokens, then the final prediction's rank
    assert hover.count("<br>“") == 3
    assert f"rank {int(ranks[0, 4])}" in hover
    at.selectbox(key="lens_position").set_value(2).run()  # after " of"
    assert not at.exception
    pred = smollm2.next_token_strings(cap.token_ids[:3].tolist(), [int(final[2])])[0]
    assert f"After “ of” (position 2) the model predicts “{pred}”" in shown_text(at)
    assert_close(array(chart(at, "lens_rank")["data"][0]["y"]), ranks[:, 2].numpy(), check_dtype=False)


@pytest.mark.slow
def test_a_long_prompt_shows_a_window_of_positions(smollm2):
    at = open_page()
    prompt = " ".join(["one two three four five six seven eight nine ten"] * 4)
    at.text_area(key="lens_prompt").set_value(prompt).run()
    assert not at.exception
    n = smollm2.run_with_capture(prompt).n_tokens
    assert f"The prompt has {n} tokens" in shown_text(at)
    assert len(chart(at, "lens_map")["layout"]["xaxis"]["ticktext"]) == 24  # the last 24 by default
    at.slider(key="lens_window").set_value((0, 9)).run()
    assert len(chart(at, "lens_map")["layout"]["xaxis"]["ticktext"]) == 10


@pytest.mark.slow
def test_in_chinese_with_chinese_and_hostile_prompts_and_a_blank_one():
    at = open_page(lang="zh")
    assert not at.exception and at.title[0].value == "Logit 透镜"
    at.text_area(key="lens_prompt").set_value("中国的首都是").run()
    assert not at.exception
    ticks = "".join(chart(at, "lens_map")["layout"]["xaxis"]["ticktext"])
    assert "中" in ticks and "首" in ticks and "�" not in ticks
    assert "模型预测" in shown_text(at)
    at.text_area(key="lens_prompt").set_value("<img src=x onerror=alert(1)>").run()
    fig = chart(at, "lens_map")
    assert any("&lt;" in tick for tick in fig["layout"]["xaxis"]["ticktext"])
    assert "<img" not in json.dumps(fig)
    at.text_area(key="lens_prompt").set_value("   ").run()
    assert not at.exception and "请在上方输入提示词" in shown_text(at)

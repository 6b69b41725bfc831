"""The "One token's journey" page driven like a user with AppTest; its numbers checked against
independent computations from a fresh SmolLM2 capture (numpy softmax, the top-p definition)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from apptest_helpers import array, new_app, shown_text
from torch.testing import assert_close

PAGE = "pages/journey.py"
PROMPT = "The capital of France is"


def chart(at, key: str) -> dict:
    return json.loads(at.get_by_key(key).proto.spec)


def open_journey(**query):
    return new_app(**query).run().switch_page(PAGE).run()


@pytest.mark.slow
def test_the_journey_shows_the_models_numbers_the_top_p_set_and_the_seeded_token(smollm2):
    at = open_journey()
    assert not at.exception and at.title[0].value == "One token's journey through the decoder"
    cap = smollm2.run_with_capture(PROMPT)
    position, layer, head = 3, 5, 7
    at.selectbox(key="journey_position").set_value(position).run()
    at.selectbox(key="journey_layer").set_value(layer).run()
    at.selectbox(key="journey_head").set_value(head).run()
    at.slider(key="journey_temperature").set_value(1.2).run()
    at.slider(key="journey_top_k").set_value(40).run()
    at.slider(key="journey_top_p").set_value(0.6).run()
    at.number_input(key="journey_seed").set_value(11).run()
    assert not at.exception and not at.error
    # stage 1: W_E's row, no position vector (RoPE)
    assert_close(array(chart(at, "journey_embed")["data"][0]["z"])[0], cap.embed[position].numpy(), rtol=0, atol=0, check_dtype=False)
    # stage 5: the weights are the captured pattern's row over keys 0..position
    weights = array(chart(at, "journey_weights")["data"][0]["z"])[0]
    assert_close(weights, cap.pattern[layer, head, position, : position + 1].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    # stage 9: resid_post of the layer
    assert_close(array(chart(at, "journey_mlp")["data"][0]["z"])[2], cap.resid_post[layer, position].numpy(), rtol=0, atol=1e-4, check_dtype=False)
    # stage 12: softmax(logits / T), top-40, then the smallest set holding >= 0.6 of the top-40 mass
    probs = torch.softmax(cap.logits[position].double() / 1.2, -1).numpy()
    order = np.argsort(-probs)
    top40 = probs[order[:40]] / probs[order[:40]].sum()
    n_keep = int(np.searchsorted(np.cumsum(top40), 0.6) + 1)
    assert top40[:n_keep].sum() >= 0.6 > top40[: n_keep - 1].sum()
    bars = chart(at, "journey_sampling")["data"][0]
    assert_close(array(bars["x"]), probs[order[:12]], rtol=1e-5, atol=1e-6, check_dtype=False)
    kept_bars = [colour != "#c7c7c7" for colour in bars["marker"]["color"]]
    assert kept_bars == [i < n_keep for i in range(12)]
    assert f"top-p 0.6 keeps the {n_keep} most probable" in shown_text(at)
    # stage 13: the seeded draw from the renormalised nucleus (decoding.choose_next's generator, step 0)
    generator = torch.Generator().manual_seed(11 * 1_000_003)
    nucleus = torch.tensor(top40[:n_keep] / top40[:n_keep].sum(), dtype=torch.float32)
    sampled = int(order[int(torch.multinomial(nucleus, 1, generator=generator))])
    token = smollm2.next_token_strings(cap.token_ids[: position + 1].tolist(), [sampled])[0]
    assert f"the draw picks “{token}”" in at.success[0].value.replace("\\", "")
    assert f"probability {probs[sampled] / probs[order[:n_keep]].sum():.4f} after renormalisation" in at.success[0].value
    at.slider(key="journey_top_p").set_value(1.0).run()
    assert "keeps the 40 most probable" in shown_text(at)


@pytest.mark.slow
def test_a_stage_link_opens_step_by_step_on_the_same_model_text_layer_head_and_position():
    at = open_journey()
    at.selectbox(key="journey_position").set_value(2).run()
    at.selectbox(key="journey_layer").set_value(12).run()
    at.selectbox(key="journey_head").set_value(4).run()
    at.button(key="journey_link_scores").click().run()
    assert not at.exception
    assert at.title[0].value == "Inside one head, step by step"
    assert at.selectbox(key="steps_model").value == "smollm2" and at.text_area(key="steps_sentence").value == PROMPT
    assert at.selectbox(key="steps_layer").value == 12 and at.selectbox(key="steps_head").value == 4
    assert at.selectbox(key="steps_query").value == 2
    at.switch_page(PAGE).run()  # coming back keeps the journey's own view
    assert at.selectbox(key="journey_position").value == 2 and at.selectbox(key="journey_layer").value == 12
    at.button(key="journey_link_weights").click().run()  # the softmax stage opens the Explorer on the same head
    assert not at.exception and at.selectbox(key="model").value == "smollm2"
    assert at.selectbox(key="layer").value == 12 and at.selectbox(key="head").value == 4 and at.text_area(key="sentence").value == PROMPT
    at.switch_page(PAGE).run().button(key="journey_link_logits").click().run()  # the logits stage opens Next token at the position
    assert not at.exception and at.selectbox(key="dec_position").value == 2


@pytest.mark.slow
def test_the_journey_in_chinese_and_with_a_hostile_prompt():
    at = open_journey(lang="zh")
    assert not at.exception
    text = shown_text(at)
    assert "一个 token 穿过解码器的旅程" in text and "因果掩码" in text and "抽中" in text
    at.text_area(key="dec_prompt").set_value("<img src=x onerror=alert(1)> 奖").run()
    assert not at.exception
    specs = "".join(at.get_by_key(key).proto.spec for key in ("journey_embed", "journey_scores", "journey_sampling"))
    assert "<img" not in specs
    at.text_area(key="dec_prompt").set_value("   ").run()
    assert not at.exception and at.info


@pytest.mark.slow
def test_a_long_prompt_draws_the_querys_nearest_keys(smollm2):
    long_prompt = "The quick brown fox jumps over the lazy dog. " * 6
    at = open_journey()
    at.text_area(key="dec_prompt").set_value(long_prompt).run()
    assert not at.exception
    cap = smollm2.run_with_capture(long_prompt)
    n = cap.n_tokens
    assert at.selectbox(key="journey_position").value == n - 1  # the last token predicts the next
    weights = chart(at, "journey_weights")
    assert len(weights["data"][0]["x"]) == 20 and weights["layout"]["title"]["text"].endswith(f" · {n - 20}–{n - 1}")
    assert_close(array(weights["data"][0]["z"])[0], cap.pattern[0, 0, n - 1, n - 20 :].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    at.selectbox(key="journey_position").set_value(30).run()
    mask = chart(at, "journey_mask")["data"][0]["text"][0]
    assert mask == ["0"] * 20 + ["−∞"] * 4  # keys 11..30 visible, 31..34 masked

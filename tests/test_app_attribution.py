"""The "Does attention explain the output?" page, driven like a user with AppTest."""

from __future__ import annotations

import json

import numpy as np
import pytest
from apptest_helpers import array, new_app, shown_text

PAGE = "pages/attribution.py"


def open_page(**query):
    return new_app(**query).run().switch_page(PAGE).run()


def chart(at, key: str) -> dict:
    return json.loads(at.get_by_key(key).proto.spec)


@pytest.mark.slow
def test_minilm_shows_five_methods_per_token_their_correlations_and_completeness(minilm):
    at = open_page()
    assert not at.exception
    assert "Jain & Wallace 2019" in shown_text(at) and "not explanations" in shown_text(at)
    spec = chart(at, "attr_map")
    heat = spec["data"][0]
    cap = minilm.run_with_capture("A man is playing a guitar.")
    assert [label.split(" ·")[0] for label in heat["x"]] == cap.tokens  # a repeated token is labelled "a ·5"
    assert heat["y"] == ["Attention (last layer)", "Attention rollout", "Attention flow", "Gradient × input", "Integrated gradients"]
    attention = cap.pattern[cap.n_layers - 1, :, 0].mean(0)  # from [CLS], mean over heads, by hand
    shown = np.array([float(v) for v in heat["text"][0]])
    np.testing.assert_allclose(shown, attention.numpy(), rtol=2e-3, atol=1e-4)
    table = at.dataframe[0].value
    assert table.shape == (5, 5) and np.allclose(np.diag(table.to_numpy(dtype=float)), 1.0)
    bars = chart(at, "attr_complete")["data"][0]
    total, change = array(bars["y"])
    assert abs(total - change) <= 0.01 * abs(change)  # completeness: Σ IG = f(x) − f(0) within 1%
    ig_row = np.array([float(v) for v in heat["text"][4]])
    assert ig_row.sum() == pytest.approx(total, rel=1e-2, abs=1e-3)


@pytest.mark.slow
def test_chinese_page_says_attention_is_not_explanation():
    at = open_page(lang="zh")
    assert not at.exception
    text = shown_text(at)
    assert "单凭注意力权重并不构成解释" in text and "完备性检验" in text
    assert chart(at, "attr_map")["data"][0]["y"][4] == "积分梯度"


@pytest.mark.slow
def test_a_target_of_two_tokens_is_a_clear_error_and_typed_text_stays_text():
    at = open_page()
    at.select_slider(key="attr_steps").set_value(16).run()  # the default prompt's run on the way is short
    at.selectbox(key="attr_model").set_value("smollm2").run()
    at.text_input(key="attr_target").set_value(" *Mary* Jane").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors and "exactly one token" in errors[0] and "\\*Mary\\*" in errors[0]


@pytest.mark.slow
def test_smollm2_ioi_explains_the_logit_difference_of_mary_over_john(smollm2):
    at = open_page()
    at.select_slider(key="attr_steps").set_value(64).run()  # 96 gradient runs of SmolLM2 fit AppTest's timeout on a busy CPU
    at.selectbox(key="attr_model").set_value("smollm2").run()
    assert not at.exception
    prompt = "When Mary and John went to the store, John gave a drink to"
    logits = smollm2.run_with_capture(prompt).logits[-1]
    mary, john = (smollm2.tokenizer(w, add_special_tokens=False)["input_ids"][0] for w in (" Mary", " John"))
    assert f"= {float(logits[mary] - logits[john]):.4f}" in shown_text(at)  # the output explained, by a fresh capture
    heat = chart(at, "attr_map")["data"][0]
    assert len(heat["x"]) == 14 and heat["x"][-1] == " to ·13"  # a repeated token is labelled by its position
    assert "vocabulary’s mean embedding" in shown_text(at) and "the first token, the attention sink, keeps its own" in shown_text(at)
    assert float(heat["text"][4][0]) == 0  # the first token is in the baseline as it is: no attribution
    total, change = array(chart(at, "attr_complete")["data"][0]["y"])
    assert abs(total - change) <= 0.01 * abs(change)  # completeness on SmolLM2 (113% before the first token was kept)

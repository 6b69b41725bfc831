"""The Ablation and patching page, driven like a user with AppTest."""

from __future__ import annotations

import json

import numpy as np
import pytest
from apptest_helpers import array, new_app, shown_text

PAGE = "pages/ablation.py"
SHORT = "Mary and John left; John gave it to"  # a short IOI prompt: 270 runs still, but of few tokens


def open_page(**query):
    return new_app(**query).run().switch_page(PAGE).run()


@pytest.mark.slow
def test_the_page_waits_for_the_button_and_says_how_many_runs(smollm2):
    at = open_page()
    assert not at.exception
    cfg = smollm2.config
    assert f"{cfg.n_layers * cfg.n_heads} runs of the model ({cfg.n_layers} layers × {cfg.n_heads} heads)" in shown_text(at)
    assert not at.get("plotly_chart")  # nothing runs before the button


@pytest.mark.slow
def test_ablating_every_head_shows_the_engines_numbers_and_a_head_opens_in_the_explorer(smollm2):
    at = open_page()
    at.text_area(key="abl_prompt").set_value(SHORT).run()
    at.button(key="abl_run").click().run()
    assert not at.exception
    spec = json.loads(at.get_by_key("abl_map").proto.spec)
    z = array(spec["data"][0]["z"]).reshape(smollm2.config.n_layers, smollm2.config.n_heads)
    mary, john = (smollm2.tokenizer(w, add_special_tokens=False)["input_ids"][0] for w in (" Mary", " John"))
    clean = smollm2.run_with_capture(SHORT).logits[-1]
    layer, head = np.unravel_index(np.abs(z).argmax(), z.shape)
    ablated = smollm2.run_with_capture(SHORT, ablate=[(int(layer), int(head))]).logits[-1]
    expected = float(ablated[mary] - ablated[john]) - float(clean[mary] - clean[john])  # by the engine's own ablation
    assert z[layer, head] == pytest.approx(expected, abs=1e-3)
    top = [b for b in at.button if b.key and b.key.startswith("abl_map_")]
    assert len(top) == 5 and top[0].key == f"abl_map_{layer}_{head}"
    top[0].click().run()
    assert not at.exception
    assert at.session_state["layer"] == layer and at.session_state["head"] == head and at.session_state["sentence"] == SHORT


@pytest.mark.slow
def test_chinese_and_a_donor_of_another_length_is_a_clear_error(smollm2):
    at = open_page(lang="zh")
    assert not at.exception and "消融与激活修补" in shown_text(at)
    at.text_area(key="abl_donor").set_value("When Mary went to the store").run()
    at.button(key="abl_patch_run").click().run()
    assert not at.exception
    assert at.error and "token 数必须相同" in at.error[0].value

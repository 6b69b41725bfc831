"""The Minimal pairs page, driven like a user with AppTest."""

from __future__ import annotations

import json

import numpy as np
import pytest
from apptest_helpers import array, new_app, shown_text

PAGE = "pages/minimal_pairs.py"


def open_page(**query):
    return new_app(**query).run().switch_page(PAGE).run()


@pytest.mark.slow
def test_default_pair_shows_aligned_tokens_the_change_map_and_the_top_heads(minilm):
    from attnviz.app import ui

    at = open_page()
    assert not at.exception
    a, b = (minilm.run_with_capture(text) for text in ui.EXAMPLES[:2])
    expected = np.stack([(0.5 * (a.pattern[l] - b.pattern[l]).abs().sum(-1).mean(-1)).numpy() for l in range(a.n_layers)])
    spec = json.loads(at.get_by_key("pairs_map").proto.spec)
    z = array(spec["data"][0]["z"]).reshape(expected.shape)
    np.testing.assert_allclose(z, expected, rtol=0, atol=1e-5)
    table = at.dataframe[0].value
    assert "tired" in table.to_numpy().ravel().tolist() and "wide" in table.to_numpy().ravel().tolist()
    layer, head = np.unravel_index(expected.argmax(), expected.shape)
    left = json.loads(at.get_by_key("pairs_pattern_a").proto.spec)
    np.testing.assert_allclose(array(left["data"][0]["z"]).reshape(a.n_tokens, a.n_tokens), a.pattern[layer, head].numpy(), rtol=0, atol=1e-5)
    at.button(key="pairs_open_b").click().run()
    assert not at.exception
    assert (at.session_state["layer"], at.session_state["head"], at.session_state["sentence"]) == (layer, head, ui.EXAMPLES[1])


@pytest.mark.slow
def test_different_lengths_are_a_clear_error_in_chinese():
    at = open_page(lang="zh")
    assert "最小对比对" in shown_text(at)
    at.text_input(key="pairs_b").set_value("The animal didn't cross the street because it was much too tired.").run()
    assert not at.exception
    assert at.error and "token 数必须相同" in at.error[0].value

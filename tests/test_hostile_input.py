"""Hostile and odd text: every input gives a valid capture or a ValueError with a message, in time.

Emoji (with joiners), CJK, right-to-left text and overrides, combining marks, control and
zero-width characters, HTML and very long strings go through ``run_with_capture`` (property
tests with hypothesis) and through the Explorer page (AppTest).
"""

from __future__ import annotations

import html
import json
import signal
from contextlib import contextmanager
from datetime import timedelta

import pytest
import torch
from apptest_helpers import figures, new_app, shown_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.testing import assert_close

import attnviz
from attnviz.plots import maps

PIECES = [
    "👩‍👩‍👧‍👦", "🏳️‍🌈", "😀", "🤖🧠", "注意力机制", "漢字かなカナ", "한국어", "مرحبا بالعالم", "שלום",
    "\u202eevil\u202c", "\u200f", "e\u0301\u0302\u0303", "Z̤̈́͂a̶͜l͕go", "\u200b", "\u200c\u200d", "\ufeff", "\u2060",
    "\x00", "\x07", "\x1b[31m", "\r\n", "\t", "\u0085", "\u2028", "\u3000", "\U000e0041", "\ufffd", "\uffff",
    "<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "{layer}", "%s", "[CLS]", "[SEP]", "[MASK]",
    "word", "the animal", ".", " ",
]  # fmt: skip

# arbitrary code points (no lone surrogates: see test_lone_surrogates_...), mixed with the pieces above
odd_text = st.lists(st.one_of(st.text(st.characters(exclude_categories=["Cs"]), max_size=40), st.sampled_from(PIECES)), max_size=12).map("".join)
very_long_text = st.tuples(st.lists(st.sampled_from(PIECES), min_size=1, max_size=3), st.integers(200, 3000)).map(lambda pair: (" ".join(pair[0]) + " ") * pair[1])


@contextmanager
def time_limit(seconds: int):
    """Fail instead of hanging: SIGALRM raises in the main thread after ``seconds``."""

    def expire(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check_capture_or_message(model, text: str, pair: str | None = None) -> None:
    """The property: a valid capture, or a ValueError with a message; nothing else, within 20 s."""
    try:
        with time_limit(20):
            cap = model.run_with_capture(text, pair)
    except ValueError as err:
        assert str(err).strip()
        return
    cfg, n = model.config, cap.n_tokens
    assert 2 <= n <= cfg.max_positions and cap.n_truncated >= 0
    assert cap.tokens and all(isinstance(tok, str) and tok for tok in cap.tokens)
    assert cap.token_ids.shape == cap.token_type_ids.shape == (n,)
    assert cap.attn_mask.shape == (n, n)
    assert cap.pattern.shape == (cfg.n_layers, cfg.n_heads, n, n)
    for tensor in (cap.q, cap.k, cap.v, cap.z):
        assert tensor.shape == (cfg.n_layers, n, cfg.n_heads, cfg.d_head)
    assert cap.resid_post.shape == (cfg.n_layers, n, cfg.d_model)
    assert torch.isfinite(cap.pattern).all() and torch.isfinite(cap.resid_post).all()
    assert_close(cap.pattern.sum(-1), torch.ones(cap.n_layers, cap.n_heads, cap.n_tokens), rtol=1e-5, atol=1e-5)


@pytest.mark.slow
@settings(max_examples=100, deadline=timedelta(seconds=10), suppress_health_check=[HealthCheck.too_slow])
@given(text=odd_text)
def test_odd_text_gives_a_capture_or_a_message(minilm, text):
    check_capture_or_message(minilm, text)


@pytest.mark.slow
@settings(max_examples=40, deadline=timedelta(seconds=10), suppress_health_check=[HealthCheck.too_slow])
@given(text=odd_text, pair=odd_text)
def test_odd_sentence_pairs_give_a_capture_or_a_message(minilm, text, pair):
    check_capture_or_message(minilm, text, pair)


@pytest.mark.slow
@settings(max_examples=10, deadline=timedelta(seconds=15), suppress_health_check=[HealthCheck.too_slow])
@given(text=very_long_text)
def test_very_long_odd_text_is_truncated_or_refused_quickly(minilm, text):
    check_capture_or_message(minilm, text)


@pytest.mark.parametrize("blank", ["", " ", "\u3000\n\t", "\u0085\u2028"])
def test_blank_text_is_a_value_error_saying_what_to_do(minilm, blank):
    with pytest.raises(ValueError, match="Type a sentence"):
        minilm.run_with_capture(blank)


def test_lone_surrogates_are_a_value_error(minilm):
    check_capture_or_message(minilm, "abc\ud800def")
    with pytest.raises(attnviz.InvalidTextError, match="character 3"):
        minilm.run_with_capture("abc\ud800def")


# --- the same strings through the app ------------------------------------------------------

APP_STRINGS = [
    "👩‍👩‍👧‍👦 注意力 مرحبا \u202eevil\u202c e\u0301\u0302",
    "\x00\x07\x1b[31m\u200b\u200d\ufeff",
    "\u3000\n\t",
    "<img src=x onerror=alert(1)> {layer} %s [CLS]",
    "Z̤̈́͂a̶͜l͕go " * 300,
]


@pytest.fixture(scope="module")
def explorer():
    return new_app().run()


def check_page(at, tokenizer, text: str) -> None:
    """No exception; either a heatmap of exactly the text's tokens, or a message in words.

    A text longer than ``maps.FULL_MAX`` tokens is drawn pooled beside a window at full
    resolution (its first tokens by default): the window's tokens must be the text's first ones.
    """
    assert not at.exception
    charts = {chart.proto.id.rsplit("-", 1)[-1]: json.loads(chart.proto.spec) for chart in at.get("plotly_chart")}
    if not charts:
        assert at.info or at.error
        assert shown_text(at).strip()
        return
    ticks = charts["head_chart"]["layout"]["xaxis"]["ticktext"]
    shown = [html.unescape(tick.rsplit(" ·", 1)[0]) for tick in ticks]
    expected = tokenizer.convert_ids_to_tokens(tokenizer(text, truncation=True, max_length=512)["input_ids"])
    if len(expected) <= maps.FULL_MAX:
        assert shown == expected
    else:
        assert 0 < len(shown) <= maps.WINDOW_MAX and shown == expected[: len(shown)]


@pytest.fixture(scope="module")
def tokenizer(minilm):
    return minilm.tokenizer


@pytest.mark.parametrize("text", APP_STRINGS, ids=["emoji-cjk-rtl", "control-zero-width", "blank", "html-format", "long-zalgo"])
def test_odd_strings_in_the_explorer_show_a_result_or_a_message(explorer, tokenizer, text):
    explorer.text_area(key="sentence").set_value(text).run()
    check_page(explorer, tokenizer, text)
    assert explorer.text_area(key="sentence").value == text


@pytest.mark.slow
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=odd_text, pair=st.one_of(st.just(""), odd_text))
def test_arbitrary_odd_strings_in_the_explorer_never_raise(explorer, tokenizer, text, pair):
    explorer.text_input(key="sentence_pair").set_value(pair)
    explorer.text_area(key="sentence").set_value(text).run()
    assert not explorer.exception
    if not pair.strip():
        check_page(explorer, tokenizer, text)
    else:
        assert figures(explorer) or shown_text(explorer).strip()

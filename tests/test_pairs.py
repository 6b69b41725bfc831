"""Minimal pairs: the per-head total variation against Hugging Face's own attentions, and the length check."""

from __future__ import annotations

import pytest
import torch

from attnviz.analysis import pairs
from attnviz.errors import PairLengthError


def test_change_is_the_mean_total_variation_of_hugging_faces_patterns(tiny_bert):
    hf, ours = tiny_bert
    texts = ("the cat sat on the mat", "the dog sat on the mat")
    caps = [ours.run_with_capture(text) for text in texts]
    att = []
    for text in texts:
        with torch.no_grad():
            out = hf(**ours.tokenizer(text, return_tensors="pt"), output_attentions=True)
        att.append(torch.stack([a[0] for a in out.attentions]))  # [layer, head, q, k]
    expected = 0.5 * (att[0] - att[1]).abs().sum(-1).mean(-1)
    diff = pairs.pattern_difference(*caps)
    torch.testing.assert_close(diff.change, expected, rtol=0, atol=1e-5)
    assert diff.differing == [2] and diff.tokens_a[2] == "cat" and diff.tokens_b[2] == "dog"
    layer, head, value = diff.top(1)[0]
    assert value == pytest.approx(float(expected.max())) and expected[layer, head] == expected.max()


def test_the_same_sentence_changes_nothing(tiny_bert):
    _, ours = tiny_bert
    cap = ours.run_with_capture("the cat sat")
    diff = pairs.pattern_difference(cap, ours.run_with_capture("the cat sat"))
    assert diff.differing == [] and torch.equal(diff.change, torch.zeros_like(diff.change))


def test_different_token_counts_are_refused(tiny_bert):
    _, ours = tiny_bert
    with pytest.raises(PairLengthError, match="5 and 6 tokens"):
        pairs.pattern_difference(ours.run_with_capture("the cat sat"), ours.run_with_capture("the cat sat down"))

"""Parity with Hugging Face's eager BERT: attention pattern within 1e-5, last hidden state within 1e-4."""

from __future__ import annotations

import pytest
import torch

SENTENCES = [
    ("The animal didn't cross the street because it was too tired.", None),
    ("The cat sat on the mat.", "It was happy there."),
    ("短い文 and 中文 mixed with émojis 🙂.", None),
]


def hf_run(hf, tokenizer, text, text_pair=None, max_length=None):
    enc = tokenizer(text, text_pair, return_tensors="pt", truncation=max_length is not None, max_length=max_length)
    with torch.no_grad():
        out = hf(**enc, output_attentions=True)
    return torch.stack(out.attentions)[:, 0], out.last_hidden_state[0]


@pytest.mark.parametrize("text,text_pair", SENTENCES)
def test_tiny_random_bert_matches_hf(tiny_pair, text, text_pair):
    hf, ours = tiny_pair
    cap = ours.run_with_capture(text, text_pair)
    pattern, hidden = hf_run(hf, ours.tokenizer, text, text_pair)
    assert cap.pattern.shape == pattern.shape
    torch.testing.assert_close(cap.pattern.full(), pattern, rtol=0, atol=1e-5)
    torch.testing.assert_close(cap.resid_post[-1], hidden, rtol=0, atol=1e-4)


def test_tiny_random_bert_matches_hf_at_max_length(tiny_pair):
    hf, ours = tiny_pair
    text = "word " * 200
    cap = ours.run_with_capture(text)
    pattern, hidden = hf_run(hf, ours.tokenizer, text, max_length=ours.config.max_positions)
    assert cap.n_tokens == ours.config.max_positions
    assert cap.n_truncated == 202 - ours.config.max_positions
    torch.testing.assert_close(cap.pattern.full(), pattern, rtol=0, atol=1e-5)
    torch.testing.assert_close(cap.resid_post[-1], hidden, rtol=0, atol=1e-4)


def test_tiny_random_bert_padding_batch_matches_hf(tiny_pair):
    """A padded batch (the padding mask in the fused kernel) gives Hugging Face's numbers for every real token."""
    hf, ours = tiny_pair
    texts = ["A short one.", "A rather longer sentence than the first one."]
    enc = ours.tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = hf(**enc, output_attentions=True)
    caps = ours.run_batch_with_capture(texts)
    real = enc["attention_mask"].bool()
    for i, cap in enumerate(caps):
        torch.testing.assert_close(cap.pattern.full(), torch.stack(out.attentions)[:, i], rtol=0, atol=1e-5)
        torch.testing.assert_close(cap.resid_post[-1][real[i]], out.last_hidden_state[i][real[i]], rtol=0, atol=1e-4)


@pytest.mark.parametrize("text,text_pair", SENTENCES)
def test_bundled_minilm_matches_hf(minilm, minilm_hf, text, text_pair):
    cap = minilm.run_with_capture(text, text_pair)
    pattern, hidden = hf_run(minilm_hf, minilm.tokenizer, text, text_pair)
    assert cap.pattern.shape == (6, 12, len(cap.tokens), len(cap.tokens))
    torch.testing.assert_close(cap.pattern.full(), pattern, rtol=0, atol=1e-5)
    torch.testing.assert_close(cap.resid_post[-1], hidden, rtol=0, atol=1e-4)


@pytest.mark.slow
def test_bundled_minilm_matches_hf_at_max_length(minilm, minilm_hf):
    text = "the animal didn't cross the street because it was too tired " * 60
    cap = minilm.run_with_capture(text)
    pattern, hidden = hf_run(minilm_hf, minilm.tokenizer, text, max_length=512)
    assert cap.n_tokens == 512 and cap.n_truncated > 0
    torch.testing.assert_close(cap.pattern.full(), pattern, rtol=0, atol=1e-5)
    torch.testing.assert_close(cap.resid_post[-1], hidden, rtol=0, atol=1e-4)

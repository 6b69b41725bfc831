"""attnviz.analysis.journey and nucleus sampling: every stage against Hugging Face's run and hand computations.

Expected values come from Hugging Face's eager forward pass (hidden states, logits), numpy in
float64, or the definition of top-p (Holtzman et al. 2020), never from attnviz's own output.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from decoder_helpers import hf_run, tiny_gpt2_pair, tiny_llama_pair
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.testing import assert_close

from attnviz.analysis import decoding, journey
from attnviz.errors import NoUnembeddingError, PositionError

TEXT = "the cat sat on the mat and it was warm"


@pytest.fixture(scope="module", params=["llama", "gpt2"])
def decoder(request):
    """A tiny random decoder, our capture of a text, and Hugging Face's hidden states and logits of the same ids."""
    hf, model = tiny_llama_pair(5, n_heads=6, n_kv_heads=2, n_layers=3) if request.param == "llama" else tiny_gpt2_pair(5, n_layers=3)
    ids = torch.tensor(model.tokenizer(TEXT)["input_ids"])
    _, logits, hidden = hf_run(hf, ids)
    return model, model.run_tokens_with_capture(ids.tolist()), hidden, logits


def test_every_stage_matches_hugging_faces_run(decoder):
    model, cap, hidden, logits = decoder
    for position, layer, head in ((0, 0, 0), (4, 1, cap.n_heads - 1), (cap.n_tokens - 1, 2, 3)):
        j = journey.journey(cap, model, position, layer, head)
        assert j.token == cap.tokens[position] and j.token_id == int(cap.token_ids[position])
        assert_close(j.embed, hidden[0][position], rtol=0, atol=1e-5)  # HF's embedding output (token + position for GPT-2)
        W_E = model.network.embed.W_E.detach()
        assert torch.equal(j.token_embed, W_E[j.token_id])
        assert (j.pos_embed is None) == (model.config.family == "llama")
        assert_close(j.resid_pre, hidden[layer][position], rtol=0, atol=1e-5)
        if layer + 1 < cap.n_layers:  # HF's last hidden state is after the final norm
            assert_close(j.resid_post, hidden[layer + 1][position], rtol=0, atol=1e-4)
        assert_close(j.final_normed, hidden[-1][position], rtol=0, atol=1e-4)
        assert_close(j.final_resid, cap.resid_post[-1, position])
        assert_close(j.resid_mid + j.mlp_out, j.resid_post)
        assert_close(j.logits, logits[position], rtol=0, atol=1e-4)
        assert max(j.embed_error, j.attn_out_error, j.resid_post_error, j.logits_error) < 1e-5
        assert j.steps.query_pos == position and j.steps.weights_error < 1e-5


def test_a_position_outside_and_an_encoder_are_refused(decoder, minilm):
    model, cap, _, _ = decoder
    with pytest.raises(PositionError):
        journey.journey(cap, model, cap.n_tokens, 0, 0)
    with pytest.raises(NoUnembeddingError):
        journey.journey(minilm.run_with_capture("Hello there."), minilm, 0, 0, 0)


# --- top-p (nucleus) sampling -------------------------------------------------------------------


def test_top_p_keeps_the_smallest_set_reaching_p_by_hand():
    probs = torch.tensor([0.05, 0.5, 0.15, 0.3])
    for p, expected in ((0.4, [1]), (0.5, [1]), (0.75, [1, 3]), (0.9, [1, 3, 2]), (0.97, [1, 3, 2, 0]), (1.0, [1, 3, 2, 0])):
        ids, kept = decoding.top_p(probs, p)
        assert ids.tolist() == expected, p
        assert_close(kept, probs[expected] / probs[expected].sum())
    for bad in (0.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="top-p"):
            decoding.top_p(probs, bad)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.0, 10.0), min_size=1, max_size=40), st.floats(0.01, 1.0))
def test_top_p_set_is_the_smallest_whose_sum_reaches_p(weights, p):
    raw = np.array(weights, dtype=np.float64) + 1e-3
    probs = torch.tensor(raw / raw.sum(), dtype=torch.float32)
    ids, kept = decoding.top_p(probs, p)
    chosen = probs.double().numpy()[ids.numpy()]
    assert len(set(ids.tolist())) == len(ids)
    assert chosen.min() >= probs.double().numpy()[np.setdiff1d(np.arange(len(probs)), ids.numpy())].max(initial=0)  # the most probable
    if p < 1:
        assert chosen.sum() >= p - 1e-6 or len(ids) == len(probs)
        assert chosen[:-1].sum() < p + 1e-6  # one fewer would not reach p
    else:
        assert len(ids) == len(probs)  # p = 1 keeps every token
    assert float(kept.sum()) == pytest.approx(1.0, abs=1e-5)


def test_p_one_keeps_every_token_even_when_the_float_sum_falls_short():
    probs = torch.full((7,), 1 / 7)  # float32 sums to a hair under or over 1
    assert len(decoding.top_p(probs, 1.0)[0]) == 7


def test_sampling_draws_only_from_the_nucleus_and_is_seeded():
    logits = torch.tensor([3.0, 2.5, 1.0, 0.0, -1.0, -2.0])
    draws = {decoding.choose_next(logits, "sample", 1.0, None, seed=4, step=s, p=0.7) for s in range(300)}
    probs = torch.softmax(logits, -1)
    assert float(probs[:2].sum()) >= 0.7 > float(probs[0])  # the nucleus is the first two
    assert draws == {0, 1}
    s1 = journey.sample(logits, 1.0, None, 0.7, seed=9)
    s2 = journey.sample(logits, 1.0, None, 0.7, seed=9)
    assert s1.sampled == s2.sampled and s1.sampled in (0, 1)
    assert s1.kept_ids.tolist() == [0, 1] and s1.kept_mass >= 0.7
    assert s1.sampled_prob == pytest.approx(float(probs[s1.sampled] / probs[:2].sum()), abs=1e-6)
    everything = journey.sample(logits, 2.0, None, 1.0)
    assert len(everything.kept_ids) == 6
    assert_close(everything.probs, torch.softmax(logits / 2.0, -1))


def test_top_k_comes_before_top_p():
    logits = torch.log(torch.tensor([0.4, 0.3, 0.2, 0.1]))
    ids, kept = decoding.sampling_set(logits, 1.0, 2, 0.6)  # top-2 renormalised: 4/7, 3/7; p = 0.6 needs both
    assert ids.tolist() == [0, 1]
    assert_close(kept, torch.tensor([4 / 7, 3 / 7]))


def test_candidates_give_the_chosen_tokens_rank():
    logits = torch.tensor([0.1, 2.0, -1.0, 1.5, 0.3])
    ids, probs, rank = decoding.candidates(logits, 4, k=3)
    assert ids.tolist() == [1, 3, 4] and rank == 3
    assert_close(probs, torch.softmax(logits, -1)[[1, 3, 4]])
    assert decoding.candidates(logits, 2, k=2)[2] == 5

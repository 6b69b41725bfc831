"""The decoder math as pure functions: grouped-query scores, RoPE, next-token probabilities, pattern similarity."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from attnviz.analysis import decoding, gqa
from attnviz.model.attention import (
    apply_mask,
    apply_rope,
    attention_pattern,
    attention_scores,
    causal_attn_mask,
    fused_attention,
    kv_head_of,
    rope_angles,
    rope_cos_sin,
    rope_frequencies,
    weighted_values,
)


@pytest.mark.parametrize("n_heads,n_kv", [(4, 4), (6, 2), (9, 3), (4, 1)])
def test_grouped_scores_and_values_equal_keys_copied_per_query_head(n_heads, n_kv):
    torch.manual_seed(n_heads * 10 + n_kv)
    q, k, v = torch.randn(2, 5, n_heads, 8), torch.randn(2, 5, n_kv, 8), torch.randn(2, 5, n_kv, 8)
    group = n_heads // n_kv
    k_full, v_full = k.repeat_interleave(group, dim=2), v.repeat_interleave(group, dim=2)  # as HF's repeat_kv
    expected = torch.einsum("bqhd,bkhd->bhqk", q, k_full) / math.sqrt(8)
    torch.testing.assert_close(attention_scores(q, k), expected, rtol=0, atol=1e-5)
    pattern = torch.softmax(expected, dim=-1)
    torch.testing.assert_close(weighted_values(pattern, v), torch.einsum("bhqk,bkhd->bqhd", pattern, v_full), rtol=0, atol=1e-5)


@pytest.mark.parametrize("d_head", [32, 64, 48])
@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("masked", [False, True])
def test_fused_attention_equals_the_explicit_pattern_times_v(d_head, batch, masked):
    """The fused kernel the forward pass uses gives the z of the explicit math the lessons
    show (scores, mask, float32 softmax, weighted sum), for a causal mask alone (``None``:
    the kernel's own triangle) and with a padding-like hole, with grouped-query attention."""
    torch.manual_seed(d_head + batch)
    q, k, v = torch.randn(batch, 7, 6, d_head) * 3, torch.randn(batch, 7, 2, d_head) * 3, torch.randn(batch, 7, 2, d_head)
    mask = causal_attn_mask(7)[None].repeat(batch, 1, 1)
    if masked:
        mask[-1, 5, :3] = False  # a hole in the last batch element only
    explicit = weighted_values(attention_pattern(q, k, mask), v)
    fused = fused_attention(q, k, v, mask if masked else None, causal=True)
    torch.testing.assert_close(fused, explicit, rtol=0, atol=1e-6)
    pattern = attention_pattern(q, k, mask)
    assert (pattern[~mask[:, None].expand_as(pattern)] == 0).all()
    torch.testing.assert_close(pattern.sum(-1), torch.ones(batch, 6, 7))


def test_masked_scores_hold_the_most_negative_float():
    torch.manual_seed(0)
    scores = apply_mask(torch.randn(1, 2, 4, 4), causal_attn_mask(4)[None])
    assert (scores[0, :, 0, 1:] == torch.finfo(torch.float32).min).all() and torch.isfinite(scores).all()


def test_kv_head_of_and_its_errors():
    assert kv_head_of(9, 3).tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert kv_head_of(4, 4).tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="evenly"):
        kv_head_of(9, 2)
    with pytest.raises(ValueError, match="multiple"):
        attention_scores(torch.zeros(1, 3, 9, 4), torch.zeros(1, 3, 2, 4))


def test_rope_angles_follow_the_roformer_formula():
    angles = rope_angles(7, 16, 10000.0)
    m, i = np.meshgrid(np.arange(7), np.arange(8), indexing="ij")
    assert np.allclose(angles.numpy(), m * 10000.0 ** (-2 * i / 16), rtol=1e-6)
    assert rope_frequencies(16, 10000.0)[0] == 1.0
    cos, sin = rope_cos_sin(7, 16, 10000.0)
    assert torch.equal(cos[:, :8], cos[:, 8:]) and torch.allclose(sin[:, :8], torch.sin(angles))


def test_rope_keeps_lengths_and_makes_q_dot_k_depend_on_distance_only():
    torch.manual_seed(0)
    d, theta = 16, 500.0
    q, k = torch.randn(d), torch.randn(d)
    cos, sin = rope_cos_sin(40, d, theta)

    def rotated(x, position):
        return apply_rope(x[None, None, None], cos[position : position + 1], sin[position : position + 1])[0, 0, 0]

    assert torch.allclose(rotated(q, 11).norm(), q.norm(), atol=1e-5)
    base = rotated(q, 7) @ rotated(k, 3)  # distance 4
    for shift in (1, 10, 30):
        assert torch.allclose(rotated(q, 7 + shift) @ rotated(k, 3 + shift), base, atol=1e-4)
    assert not torch.allclose(rotated(q, 9) @ rotated(k, 3), base, atol=1e-3)  # another distance
    assert torch.equal(rotated(q, 0), q)  # position 0 is not rotated


def test_rope_pairs_dimension_i_with_i_plus_half():
    """Pair 0 = dimensions (0, d/2): rotating the unit vector e_0 by angle a gives cos a·e_0 + sin a·e_{d/2}."""
    d, position = 8, 3
    cos, sin = rope_cos_sin(position + 1, d, 10000.0)
    e0 = torch.zeros(1, 1, 1, d)
    e0[..., 0] = 1
    out = apply_rope(e0, cos[position:], sin[position:])[0, 0, 0]
    assert torch.allclose(out[0], torch.cos(torch.tensor(3.0))) and torch.allclose(out[d // 2], torch.sin(torch.tensor(3.0)))
    assert out[1:4].abs().max() == 0 and out[5:].abs().max() == 0


@pytest.mark.parametrize("temperature", [0.3, 1.0, 2.5])
def test_next_token_probabilities_sum_to_one_and_are_softmax_of_logits_over_t(temperature):
    logits = torch.randn(1000, generator=torch.Generator().manual_seed(1)) * 4
    probs = decoding.next_token_probs(logits, temperature)
    z = logits.double().numpy() / temperature
    expected = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert abs(float(probs.sum()) - 1) <= 1e-5
    assert np.allclose(probs.numpy(), expected, atol=1e-7)
    ids, top = decoding.top_k(probs, 5)
    assert ids.tolist() == list(np.argsort(-expected)[:5]) and bool((top[:-1] >= top[1:]).all())


def test_low_temperature_sharpens_and_high_temperature_flattens():
    logits = torch.tensor([2.0, 1.0, 0.0, -1.0])
    cold, warm = decoding.next_token_probs(logits, 0.2), decoding.next_token_probs(logits, 5.0)
    assert cold.max() > decoding.next_token_probs(logits).max() > warm.max()
    with pytest.raises(ValueError, match="positive"):
        decoding.next_token_probs(logits, 0.0)
    with pytest.raises(ValueError, match="k must"):
        decoding.top_k(cold, 5)


def test_choose_next_greedy_is_argmax_and_sampling_is_reproducible():
    logits = torch.randn(500, generator=torch.Generator().manual_seed(2))
    assert decoding.choose_next(logits, "greedy") == int(logits.argmax())
    draws = [decoding.choose_next(logits, "sample", 1.0, None, seed=7, step=s) for s in range(20)]
    assert draws == [decoding.choose_next(logits, "sample", 1.0, None, seed=7, step=s) for s in range(20)]
    assert draws != [decoding.choose_next(logits, "sample", 1.0, None, seed=8, step=s) for s in range(20)]
    top3 = set(torch.topk(logits, 3).indices.tolist())
    assert {decoding.choose_next(logits, "sample", 2.0, 3, seed=1, step=s) for s in range(50)} <= top3
    with pytest.raises(ValueError, match="strategy"):
        decoding.choose_next(logits, "beam")


def test_sampling_follows_the_distribution():
    logits = torch.log(torch.tensor([0.7, 0.2, 0.1]))
    draws = [decoding.choose_next(logits, "sample", 1.0, None, seed=3, step=s) for s in range(2000)]
    freq = np.bincount(draws, minlength=3) / len(draws)
    assert np.allclose(freq, [0.7, 0.2, 0.1], atol=0.04)


def test_pattern_similarity_bounds_and_groups():
    n = 6
    uniform = torch.full((n, n), 1 / n).tril()
    uniform = uniform / uniform.sum(-1, keepdim=True)
    first = torch.zeros(n, n)
    first[:, 0] = 1
    diagonal = torch.eye(n)
    pattern = torch.stack([first, first, diagonal, diagonal])
    sim = gqa.pattern_similarity(pattern)
    assert torch.allclose(sim.diagonal(), torch.ones(4)) and torch.allclose(sim, sim.T)
    assert sim[0, 1] == 1 and abs(float(sim[0, 2]) - 1 / n) < 1e-6  # they agree only on query 0
    within, across = gqa.within_and_across(sim, torch.tensor([0, 0, 1, 1]))
    assert within == 1.0 and abs(across - 1 / n) < 1e-6
    assert gqa.group_matrix(torch.tensor([0, 0, 1, 1])).tolist() == [[True, True, False, False], [False, False, True, True]]
    assert math.isnan(gqa.within_and_across(sim, torch.arange(4))[0])
    assert 0 <= float(gqa.pattern_similarity(torch.stack([uniform, first])).min()) <= 1

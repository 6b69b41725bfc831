"""Lessons 5-9 on the real model: shared W_Q/W_K, positions, the block's parameters, cost, and "it"."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.testing import assert_close

from attnviz.analysis.heads import head_weights
from attnviz.errors import EmptyTextError, LessonValueError, WordNotFoundError
from attnviz.lessons import block, cost, it_reference, positions, separate_qk

TIRED = "The animal didn't cross the street because it was too tired."
WIDE = "The animal didn't cross the street because it was too wide."


@pytest.fixture(scope="module")
def caps(minilm):
    return minilm.run_with_capture(TIRED), minilm.run_with_capture(WIDE)


# lesson 5: why separate W_Q and W_K


@pytest.mark.parametrize("layer, head", [(0, 0), (2, 5), (5, 11)])
def test_a_shared_matrix_gives_a_symmetric_score_matrix(minilm, caps, layer, head):
    cap = caps[0]
    weights = head_weights(minilm, layer, head)
    for side in ("Q", "K"):
        shared = separate_qk.shared_scores(cap.resid_pre[layer], weights, side)
        assert separate_qk.symmetry_error(shared) < 1e-6
    assert separate_qk.symmetry_error(cap.head_scores_raw(layer, head)) > 0.1
    q = cap.q[layer, :, head]
    assert_close(separate_qk.shared_scores(cap.resid_pre[layer], weights, "Q"), q @ q.T / math.sqrt(q.shape[-1]), rtol=1e-5, atol=1e-4)


def test_sharing_raises_the_weight_on_the_diagonal(caps):
    cap = caps[0]
    heads = separate_qk.compare_all_heads(cap)
    assert heads.diagonal_actual.shape == (6, 12) and heads.symmetry_shared.shape == (6, 12)
    assert float(heads.symmetry_shared.max()) < 1e-5 and float(heads.symmetry_actual.min()) > 1e-2
    assert float(heads.diagonal_shared.mean()) > 2 * float(heads.diagonal_actual.mean())
    actual = cap.pattern[2, 5]
    assert math.isclose(float(heads.diagonal_actual[2, 5]), float(actual.diagonal().mean()), abs_tol=1e-6)
    assert separate_qk.self_argmax_fraction(torch.eye(4)) == 1.0 and separate_qk.diagonal_weight(torch.eye(4)) == 1.0
    q = separate_qk.diagonal_question(2, 5, 0.1, 0.6)
    assert q.options[q.answer] == "lesson5_up"


# lesson 6: positions


def test_sinusoidal_encoding_matches_the_papers_formula():
    pe = positions.sinusoidal_encoding(12, 8)
    for pos in range(12):
        for i in range(4):
            angle = pos / 10000 ** (2 * i / 8)
            assert math.isclose(pe[pos, 2 * i], math.sin(angle), abs_tol=1e-6)
            assert math.isclose(pe[pos, 2 * i + 1], math.cos(angle), abs_tol=1e-6)
    sim = positions.dot_similarity(positions.sinusoidal_encoding(40, 16)).numpy()
    for offset in range(-5, 6):
        band = np.diagonal(sim, offset)
        assert np.allclose(band, band[0], atol=1e-4)  # depends only on the distance
    for bad in ((10, 7), (0, 8)):
        with pytest.raises(LessonValueError):
            positions.sinusoidal_encoding(*bad)


def test_layer0_from_the_embeddings_is_the_models_own(minilm, caps):
    cap = caps[0]
    x = positions.embedding_input(minilm, cap.token_ids, cap.token_type_ids, with_positions=True)
    assert_close(x, cap.embed, rtol=1e-5, atol=1e-5)
    for head in (0, 7):
        ours = positions.layer0_pattern(minilm, cap.token_ids, cap.token_type_ids, head, with_positions=True)
        assert_close(ours, cap.pattern[0, head], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_without_positions_a_permuted_sentence_gives_permuted_weights(minilm, caps, seed):
    cap = caps[0]
    ids, types = cap.token_ids, cap.token_type_ids
    order = positions.shuffle_order(len(ids), seed)
    assert sorted(order.tolist()) == list(range(len(ids))) and order[0] == 0 and order[-1] == len(ids) - 1
    assert not torch.equal(order, torch.arange(len(ids)))
    errors = {}
    for with_positions in (False, True):
        original = positions.layer0_pattern(minilm, ids, types, 3, with_positions)
        shuffled = positions.layer0_pattern(minilm, ids[order], types[order], 3, with_positions)
        expected = torch.stack([torch.stack([original[order[i], order[j]] for j in range(len(ids))]) for i in range(len(ids))])
        assert math.isclose(positions.permutation_error(original, shuffled, order), float((shuffled - expected).abs().max()), abs_tol=1e-7)
        errors[with_positions] = positions.permutation_error(original, shuffled, order)
    assert errors[False] < 1e-6
    assert errors[True] > 1e-3
    assert positions.shuffled_copy_question(errors[True]).answer == 1
    assert positions.shuffled_copy_question(errors[False]).answer == 0


# lesson 7: the block


def test_parameter_counts_add_up_to_the_models(minilm, minilm_hf):
    parts = block.parameter_counts(minilm.network)
    total = sum(p.total for p in parts)
    assert total == sum(p.numel() for p in minilm.network.parameters())
    hf_total = sum(p.numel() for name, p in minilm_hf.named_parameters() if not name.startswith("pooler"))
    assert total == hf_total
    by_part = {p.part: p for p in parts}
    cfg = minilm.config
    assert by_part["ffn_in"].count == cfg.d_model * cfg.d_mlp + cfg.d_mlp and by_part["ffn_in"].copies == cfg.n_layers
    assert by_part["attn_q"].count == cfg.d_model * cfg.d_model + cfg.d_model
    assert by_part["word_embeddings"].shapes == f"W_E [{cfg.d_vocab}, {cfg.d_model}]"
    totals = block.group_totals(parts)
    assert totals["embeddings"] == sum(minilm_hf.embeddings.get_submodule(m).weight.numel() for m in ("word_embeddings", "position_embeddings", "token_type_embeddings"))
    assert sum(totals.values()) == total
    assert block.group_totals(parts, per_copy=True)["feed_forward"] == 2 * cfg.d_model * cfg.d_mlp + cfg.d_mlp + cfg.d_model
    q = block.largest_group_question(totals)
    assert q.options[q.answer] == "lesson7_group_" + max(totals, key=totals.get)


def test_residual_and_layer_norm_are_recomputed_from_the_capture(minilm, caps):
    cap = caps[0]
    for layer in (0, 5):
        step = block.residual_step(cap, minilm.network, layer)
        assert step.max_error < 1e-4
        assert_close(step.normalised_mean, torch.zeros(cap.n_tokens), rtol=1e-5, atol=1e-5)
        assert_close(step.normalised_std, torch.ones(cap.n_tokens), rtol=1e-5, atol=1e-3)
        assert_close(step.norm_output, cap.resid_mid[layer].norm(dim=-1), rtol=1e-5, atol=1e-3)


# lesson 8: cost


def test_fit_exponent_and_lengths():
    ns = [8, 16, 32, 64]
    assert math.isclose(cost.fit_exponent(ns, [3 * n**2 for n in ns]).exponent, 2.0, abs_tol=1e-9)
    assert math.isclose(cost.fit_exponent(ns, [0.5 * n for n in ns]).exponent, 1.0, abs_tol=1e-9)
    assert cost.fit_exponent(ns, [0.5 * n for n in ns]).stderr < 1e-9
    assert math.isnan(cost.fit_exponent([8], [1.0]).exponent)
    assert cost.lengths(8, 64) == ns
    with pytest.raises(LessonValueError):
        cost.lengths(64, 8)


def test_peak_memory_sees_an_n_by_n_matrix():
    n = 256
    x = torch.randn(n, 16)
    with cost.PeakMemory() as memory:
        (x @ x.T).softmax(-1)
    assert memory.peak >= n * n * 4
    with cost.PeakMemory() as small:
        x.sum(0)
    assert small.peak < n * n * 4


def test_self_attention_layer_matches_torchs_attention():
    layer = cost.build_layers(8, seed=0)["self_attention"]
    x = torch.randn(1, 10, 8)
    with torch.no_grad():
        q, k, v = layer.qkv(x).chunk(3, dim=-1)
        expected = layer.out(torch.nn.functional.scaled_dot_product_attention(q, k, v))
        assert_close(layer(x), expected, rtol=1e-5, atol=1e-5)


def test_measure_costs_small_and_capped():
    seen = []
    result = cost.measure_costs([8, 16], 8, time_cap_s=10.0, repeats=1, on_progress=lambda f, what: seen.append(f))
    assert {(m.layer, m.n) for m in result.measurements} == {(layer, n) for layer in cost.LAYERS for n in (8, 16)}
    assert all(m.seconds > 0 and m.peak_bytes > 0 for m in result.measurements)
    assert seen == sorted(seen) and seen[-1] == 1.0 and not result.skipped
    attn_n, attn_bytes = result.series("self_attention", "peak_bytes")
    assert attn_n == [8, 16] and attn_bytes[1] > attn_bytes[0]
    assert all(m.seconds <= m.median_seconds for m in result.measurements)
    assert set(cost.exponents(result, "seconds")) == set(cost.LAYERS)
    assert cost.fastest_growth_question(result).explanation == "lesson8_q_explain_measured"
    capped = cost.measure_costs([8, 16, 32], 8, time_cap_s=1e-9, repeats=1)
    assert {m.n for m in capped.measurements} == {8}
    assert set(capped.skipped) == {(layer, n) for layer in cost.LAYERS for n in (16, 32)}
    with pytest.raises(LessonValueError):
        cost.measure_costs([8], 0, 1.0)


# lesson 9: "it"


def test_find_word(minilm, caps):
    tokens = caps[0].tokens
    assert it_reference.find_word(minilm.tokenizer, tokens, "it") == [tokens.index("it")]
    assert it_reference.find_word(minilm.tokenizer, tokens, "Animal") == [tokens.index("animal")]
    assert it_reference.find_word(minilm.tokenizer, tokens, "didn't") == [3, 4, 5]
    with pytest.raises(WordNotFoundError):
        it_reference.find_word(minilm.tokenizer, tokens, "trophy")
    with pytest.raises(EmptyTextError):
        it_reference.find_word(minilm.tokenizer, tokens, " ")


def test_it_comparison_reads_the_patterns_and_sorts_the_heads_by_direction(minilm, caps):
    a, b = caps
    result = it_reference.compare(a, b, minilm.tokenizer, "it", ("animal", "street"))
    it_a, animal, street = a.tokens.index("it"), a.tokens.index("animal"), a.tokens.index("street")
    assert result.weights_a.shape == (6, 12, 2)
    assert torch.equal(result.weights_a[..., 0], a.pattern[:, :, it_a, animal])
    assert torch.equal(result.weights_b[..., 1], b.pattern[:, :, b.tokens.index("it"), b.tokens.index("street")])
    pref_a = a.pattern[:, :, it_a, animal] - a.pattern[:, :, it_a, street]
    pref_b = b.pattern[:, :, it_a, animal] - b.pattern[:, :, it_a, street]
    any_sign = result.changes(0.0)
    right = {(l, h) for l in range(6) for h in range(12) if pref_a[l, h] > 0 > pref_b[l, h]}
    wrong = {(l, h) for l in range(6) for h in range(12) if pref_a[l, h] < 0 < pref_b[l, h]}
    assert set(any_sign.right_flips) == right and set(any_sign.wrong_flips) == wrong and right and wrong
    change = [abs(float(result.shift[lh])) for lh in any_sign.right_flips]
    assert change == sorted(change, reverse=True)
    margin = result.changes(0.05)
    assert set(margin.right_flips) <= right and all(pref_a[lh] >= 0.05 and pref_b[lh] <= -0.05 for lh in margin.right_flips)
    with pytest.raises(LessonValueError):
        result.changes(1.5)
    q = it_reference.most_attended_question(a, 4, 7, it_a)
    assert q.answer == int(a.pattern[4, 7, it_a].argmax()) and len(q.options) == a.n_tokens
    with pytest.raises(WordNotFoundError):
        it_reference.compare(a, b, minilm.tokenizer, "it", ("animal", "trophy"))

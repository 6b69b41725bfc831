"""attnviz.analysis.steps: every step of one head recomputes what the model captured; the experiments are right.

Expected values come from independent computations (numpy in float64, Hugging Face's
BERT, torch.autograd), never from attnviz's own output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from decoder_helpers import hf_run, tiny_gpt2_pair, tiny_llama_pair
from torch.testing import assert_close

from attnviz.analysis import steps
from attnviz.analysis.metrics import entropy_bits
from attnviz.errors import CaptureMismatchError, InvalidMaskError, PositionError

TEXT = "The animal didn't cross the street because it was too tired."


@pytest.fixture(scope="module")
def cap(minilm):
    return minilm.run_with_capture(TEXT)


def np_softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores[np.isfinite(scores)].max())
    return shifted / shifted.sum()


def recompute_from_displayed(hs: steps.HeadSteps) -> tuple[np.ndarray, np.ndarray]:
    """Pattern row and z from the q, K, V, mask term and weights a reader sees, in float64."""
    q, K, V = (np.asarray(t, dtype=np.float64) for t in (hs.q, hs.K, hs.V))
    scores = K @ q / math.sqrt(q.shape[0]) + hs.mask_term.double().numpy()  # 0 or -inf
    return np_softmax(scores), hs.weights.double().numpy() @ V


@pytest.mark.parametrize("layer, head, query", [(0, 0, 1), (2, 7, 10), (5, 11, 15), (3, 4, 0)])
def test_displayed_numbers_recompute_pattern_and_z(minilm, cap, layer, head, query):
    hs = steps.head_steps(cap, minilm, layer, head, query)
    pattern, z = recompute_from_displayed(hs)
    assert_close(pattern, cap.pattern[layer, head, query].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    assert_close(z, cap.z[layer, query, head].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    assert_close(hs.weights.numpy(), cap.pattern[layer, head, query].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    assert_close(hs.z.numpy(), cap.z[layer, query, head].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    assert hs.exp_sum == pytest.approx(float(hs.exp.sum()), rel=1e-6) and float(hs.exp.max()) == 1.0
    assert hs.weights_error < 1e-6 and hs.z_error < 1e-6 and hs.projection_error < 1e-5


def test_inputs_weight_slices_and_projections_match_hugging_face(minilm, minilm_hf, cap):
    layer, head, query, d = 2, 7, 10, 32
    hs = steps.head_steps(cap, minilm, layer, head, query)
    enc = minilm.tokenizer(TEXT, return_tensors="pt")
    with torch.no_grad():
        hidden = minilm_hf(**enc, output_hidden_states=True).hidden_states[layer][0]  # [pos, d_model]
    self_attn = minilm_hf.encoder.layer[layer].attention.self
    cols = slice(head * d, (head + 1) * d)
    for name, linear in (("Q", self_attn.query), ("K", self_attn.key), ("V", self_attn.value)):
        assert torch.equal(getattr(hs, f"W_{name}"), linear.weight.detach().T[:, cols])
        assert torch.equal(getattr(hs, f"b_{name}"), linear.bias.detach()[cols])
    assert_close(hs.X, hidden, rtol=1e-5, atol=1e-4)
    assert torch.equal(hs.x, hs.X[query])
    with torch.no_grad():
        q_hf = self_attn.query(hidden)[query, cols]
        k_hf = self_attn.key(hidden)[:, cols]
    assert_close(hs.q, q_hf, rtol=1e-5, atol=1e-4)
    assert_close(hs.K, k_hf, rtol=1e-5, atol=1e-4)
    assert_close(hs.dots, k_hf @ q_hf, rtol=1e-5, atol=1e-3)
    assert_close(hs.scaled, hs.dots / math.sqrt(d), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("layer", range(6))
def test_step7_recomputes_attn_out_and_resid_mid(minilm, cap, layer):
    out = steps.output_steps(cap, minilm, layer)
    n_heads, d = cap.n_heads, cap.z.shape[-1]
    for h in (0, 5, n_heads - 1):
        assert torch.equal(out.concat[:, h * d : (h + 1) * d], cap.z[layer, :, h])
    assert_close(out.attn_out, cap.attn_out[layer], rtol=1e-5, atol=1e-5)
    assert_close(out.resid_mid, cap.resid_mid[layer], rtol=1e-5, atol=1e-5)
    ln = minilm.network.blocks[layer].ln1
    ref = torch.nn.functional.layer_norm(cap.resid_pre[layer] + cap.attn_out[layer], (cap.embed.shape[-1],), ln.w, ln.b, ln.eps)
    assert_close(out.resid_mid, ref.detach(), rtol=1e-5, atol=1e-5)
    assert out.attn_out_error == pytest.approx(float((out.attn_out - cap.attn_out[layer]).abs().max()))
    assert out.resid_mid_error < 1e-5


def test_masked_keys_show_minus_infinity_and_zero_weight(minilm):
    hidden = [2, 5]
    masked = minilm.run_with_capture(TEXT, attn_mask=steps.hide_keys_mask(16, hidden))
    hs = steps.head_steps(masked, minilm, 1, 3, 10)
    assert torch.isinf(hs.mask_term[hidden]).all() and (hs.mask_term[hs.allowed] == 0).all()
    assert (hs.weights[hidden] == 0).all() and (hs.exp[hidden] == 0).all()
    assert (hs.masked[hidden] == torch.finfo(torch.float32).min).all()
    pattern, z = recompute_from_displayed(hs)
    assert_close(pattern, masked.pattern[1, 3, 10].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    assert_close(z, masked.z[1, 10, 3].numpy(), rtol=0, atol=1e-6, check_dtype=False)


def test_variant_weights_scaling_and_temperature(minilm, cap):
    hs = steps.head_steps(cap, minilm, 4, 2, 10)
    dots = hs.dots.double().numpy()
    model_row = steps.variant_weights(hs.dots, hs.allowed, 32)
    assert_close(model_row.numpy(), cap.pattern[4, 2, 10].numpy(), rtol=0, atol=1e-6, check_dtype=False)
    for scale, temperature in ((False, 1.0), (False, 2.5), (True, 0.3), (True, 4.0)):
        expected = np_softmax(dots / ((math.sqrt(32) if scale else 1.0) * temperature))
        got = steps.variant_weights(hs.dots, hs.allowed, 32, scale, temperature)
        assert_close(got.numpy(), expected, rtol=0, atol=1e-6, check_dtype=False)
        entropy = -(expected[expected > 0] * np.log2(expected[expected > 0])).sum()
        assert float(entropy_bits(got)) == pytest.approx(entropy, abs=1e-5)
    sharp = steps.variant_weights(hs.dots, hs.allowed, 32, scale=False)
    assert float(sharp.max()) > float(model_row.max()) and float(entropy_bits(sharp)) < float(entropy_bits(model_row))
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(steps.TemperatureError, match="positive"):
            steps.variant_weights(hs.dots, hs.allowed, 32, temperature=bad)


def test_entropy_of_known_distributions():
    assert float(entropy_bits(torch.tensor([1.0, 0.0, 0.0]))) == 0.0
    assert float(entropy_bits(torch.full((8,), 1 / 8))) == pytest.approx(3.0)


def test_dot_products_of_random_vectors_spread_like_sqrt_dk():
    growth = steps.dot_product_growth([1, 16, 256, 1024], n_samples=2000, seed=1)
    ratio = growth.std_raw / torch.sqrt(growth.d_k)
    assert ((ratio > 0.9) & (ratio < 1.1)).all()
    assert ((growth.std_scaled > 0.9) & (growth.std_scaled < 1.1)).all()


def test_jacobian_norm_matches_autograd():
    scores = torch.randn(3, 7, dtype=torch.float64, generator=torch.Generator().manual_seed(3)) * 4
    for row, norm in zip(scores, steps.softmax_jacobian_norm(scores), strict=True):
        jac = torch.autograd.functional.jacobian(lambda s: torch.softmax(s, -1), row)
        assert float(norm) == pytest.approx(float(jac.norm()), rel=1e-10)


def test_softmax_saturates_without_scaling():
    sat = steps.softmax_saturation([1, 32, 1024], n_keys=16, n_samples=200, seed=0)
    assert sat.max_weight_raw[0] == pytest.approx(float(sat.max_weight_scaled[0]))  # d_k = 1: √1 = 1
    assert float(sat.max_weight_raw[-1]) > 0.9 and float(sat.grad_norm_raw[-1]) < 0.1
    assert float(sat.max_weight_scaled[-1]) < 0.4 and float(sat.grad_norm_scaled[-1]) > 0.25


def np_js_distance(p: np.ndarray, r: np.ndarray) -> float:
    m = (p + r) / 2
    kl = lambda a, b: sum(x * math.log2(x / y) for x, y in zip(a, b) if x > 0)  # noqa: E731
    return math.sqrt(max(0.0, (kl(p, m) + kl(r, m)) / 2))


def test_js_distance_matrix_matches_the_formula(cap):
    rows = cap.pattern[3, :, 10]  # [head, key_pos]
    dist = steps.js_distance_matrix(rows)
    assert dist.shape == (12, 12) and torch.equal(dist, dist.T) and (dist.diagonal() == 0).all()
    for a, b in ((0, 1), (3, 9), (5, 11)):
        assert float(dist[a, b]) == pytest.approx(np_js_distance(rows[a].double().numpy(), rows[b].double().numpy()), abs=1e-6)
    disjoint = steps.js_distance_matrix(torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]))
    assert float(disjoint[0, 1]) == pytest.approx(1.0) and 0 < float(disjoint[0, 2]) < 1
    (a, b, close), (c, e, far) = steps.closest_and_farthest(dist)
    upper = dist[torch.triu(torch.ones(12, 12, dtype=torch.bool), 1)]
    assert close == pytest.approx(float(upper.min())) and far == pytest.approx(float(upper.max()))
    assert float(dist[a, b]) == close and float(dist[c, e]) == far and a < b and c < e
    with pytest.raises(ValueError, match="two heads"):
        steps.closest_and_farthest(torch.zeros(1, 1))


def test_custom_mask_zeroes_hidden_keys_everywhere_and_changes_outputs(minilm, cap):
    hidden = [3, 10]
    mask = steps.hide_keys_mask(cap.n_tokens, hidden)
    assert not mask[:, hidden].any() and mask[:, [0, 1, 2, 4]].all()
    masked = minilm.run_with_capture(TEXT, attn_mask=mask)
    assert steps.hidden_key_weight(masked, hidden) == 0.0 and steps.hidden_key_weight(cap, hidden) > 0
    assert steps.hidden_key_weight(masked, []) == 0.0
    cos = steps.token_cosine(cap, masked)
    a, b = cap.resid_post[-1].double().numpy(), masked.resid_post[-1].double().numpy()
    expected = (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    assert_close(cos.numpy(), expected, rtol=0, atol=1e-5, check_dtype=False)
    assert float(cos.min()) < 0.99
    assert_close(steps.token_cosine(cap, cap), torch.ones(cap.n_tokens), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="different tokens"):
        steps.token_cosine(cap, minilm.run_with_capture("Cats sleep."))


def test_hiding_every_key_or_a_missing_token_raises():
    with pytest.raises(InvalidMaskError, match="attend to no key"):
        steps.hide_keys_mask(4, [0, 1, 2, 3])
    with pytest.raises(PositionError) as err:
        steps.hide_keys_mask(4, [7])
    assert "0 to 4" in str(err.value) and "0 到 4" in err.value.message("zh")


def test_out_of_range_positions_raise(minilm, cap):
    for layer, head, query in ((6, 0, 0), (0, 12, 0), (0, 0, 16), (-1, 0, 0)):
        with pytest.raises(PositionError):
            steps.head_steps(cap, minilm, layer, head, query)
    with pytest.raises(PositionError):
        steps.output_steps(cap, minilm, 6)


def test_causal_pattern_is_the_lower_triangle_softmax(cap):
    scores = cap.head_scores_raw(2, 3)
    causal = steps.causal_pattern(scores, cap.attn_mask)
    n = cap.n_tokens
    assert (causal.triu(1) == 0).all()
    assert_close(causal.sum(-1), torch.ones(n), rtol=1e-5, atol=1e-8)
    for i in (0, 5, n - 1):
        assert_close(causal[i, : i + 1].numpy(), np_softmax(scores[i, : i + 1].double().numpy()), rtol=0, atol=1e-6, check_dtype=False)
    assert torch.equal(steps.decoder_mask(cap.attn_mask), torch.ones(n, n, dtype=torch.bool).tril())
    future = steps.masked_out_weight(cap.pattern[2, 3], steps.decoder_mask(cap.attn_mask))
    assert_close(future, cap.pattern[2, 3].triu(1).sum(-1), rtol=1e-5, atol=1e-8)


def test_padded_batch_check(minilm):
    short, long = "Cats sleep.", TEXT
    padded, _ = minilm.run_batch_with_capture([short, long])
    alone = minilm.run_with_capture(short)
    check = steps.padding_check(padded, alone)
    assert (check.n_real, check.n_total, check.pad_positions) == (5, 16, list(range(5, 16)))
    assert check.max_pad_weight == 0.0 and float(padded.pattern[..., 5:].max()) == 0.0
    assert check.max_pattern_diff < 1e-5 and check.max_resid_diff < 1e-4
    hs = steps.head_steps(padded, minilm, 0, 0, 2)
    assert torch.isinf(hs.mask_term[5:]).all() and (hs.weights[5:] == 0).all()
    with pytest.raises(ValueError, match="same text"):
        steps.padding_check(padded, minilm.run_with_capture("Dogs bark."))


# --- decoders: pre-norm, RoPE, grouped-query attention, the causal mask ----------------------


@pytest.fixture(scope="module", params=["llama", "gpt2"])
def decoder(request):
    """A tiny random decoder, its Hugging Face twin's eager patterns, and our capture of the same ids."""
    hf, model = tiny_llama_pair(3, n_heads=6, n_kv_heads=2) if request.param == "llama" else tiny_gpt2_pair(3)
    ids = torch.tensor(model.tokenizer("the cat sat on the mat and it was warm")["input_ids"])
    return model, model.run_tokens_with_capture(ids.tolist()), hf_run(hf, ids)[0]


def test_decoder_steps_recompute_hugging_faces_pattern_with_the_causal_mask_and_shared_kv_head(decoder):
    model, cap, hf_pattern = decoder
    group = cap.n_heads // cap.k.shape[2]
    for layer in range(cap.n_layers):
        for head in range(cap.n_heads):
            for query in (0, 3, cap.n_tokens - 1):
                hs = steps.head_steps(cap, model, layer, head, query)
                assert hs.kv_head == head // group
                assert torch.equal(hs.K, cap.k[layer, :, head // group]) and torch.equal(hs.V, cap.v[layer, :, head // group])
                assert hs.allowed.tolist() == [j <= query for j in range(cap.n_tokens)]  # the causal mask
                pattern, z = recompute_from_displayed(hs)
                assert_close(pattern, hf_pattern[layer, head, query].double().numpy(), rtol=0, atol=1e-5, check_dtype=False)
                assert_close(z, cap.z[layer, query, head].double().numpy(), rtol=0, atol=1e-5, check_dtype=False)
                assert hs.weights_error < 1e-5 and hs.z_error < 1e-5 and hs.projection_error < 1e-4
    assert hs.rotary == (cap.q_pre_rope is not None)
    out = steps.output_steps(cap, model, 1)
    assert not out.post_norm and out.attn_out_error < 1e-5 and out.resid_mid_error < 1e-5


def test_a_capture_of_another_model_is_refused_with_a_message(minilm, cap, decoder):
    model, decoder_cap, _ = decoder
    for capture, other in ((cap, model), (decoder_cap, minilm)):
        with pytest.raises(CaptureMismatchError, match="Capture the text again"):
            steps.head_steps(capture, other, 0, 0, 0)
        with pytest.raises(CaptureMismatchError):
            steps.output_steps(capture, other, 0)


@pytest.mark.slow
def test_smollm2_steps_recompute_its_pattern(smollm2):
    cap = smollm2.run_with_capture("The capital of France is Paris, and the capital of Italy is")
    for layer, head, query in ((0, 0, 5), (7, 4, 12), (29, 8, cap.n_tokens - 1)):
        hs = steps.head_steps(cap, smollm2, layer, head, query)
        assert hs.rotary and hs.kv_head == head // 3
        pattern, z = recompute_from_displayed(hs)
        assert_close(pattern, cap.pattern[layer, head, query].double().numpy(), rtol=0, atol=1e-5, check_dtype=False)
        assert hs.weights_error < 1e-5 and hs.z_error < 1e-5 and hs.projection_error < 1e-3
        assert not hs.allowed[query + 1 :].any()


# --- the neuron view, RoPE before and after, the heads sharing a key/value head ----------------


def test_neuron_view_products_sum_to_the_captured_raw_score(decoder):
    model, cap, _ = decoder
    for layer, head, query, key in ((0, 0, 5, 2), (1, 3, cap.n_tokens - 1, 0), (1, 5 % cap.n_heads, 2, 7)):
        hs = steps.head_steps(cap, model, layer, head, query)
        nv = steps.neuron_view(hs, key)
        q = cap.q[layer, query, head].double().numpy()
        k = cap.k[layer, key, int(cap.kv_heads[head])].double().numpy()
        assert_close(nv.products.double().numpy(), q * k, rtol=0, atol=1e-6, check_dtype=False)
        assert nv.scale == pytest.approx(1 / math.sqrt(q.shape[0]))
        assert nv.dot == pytest.approx(float(q @ k), abs=1e-5)
        assert nv.score == pytest.approx(float(cap.head_scores_raw(layer, head)[query, key]), abs=1e-5)
        assert nv.score == pytest.approx(float(q @ k) / math.sqrt(q.shape[0]), abs=1e-5)
    with pytest.raises(PositionError):
        steps.neuron_view(hs, cap.n_tokens)


def rotate_pairs(x: np.ndarray, angles: np.ndarray) -> np.ndarray:
    """Turn each pair (x_i, x_{i + d/2}) by its angle (Su et al. 2021, Eq. 34), in float64."""
    half = x.shape[0] // 2
    a, b = x[:half], x[half:]
    return np.concatenate([a * np.cos(angles) - b * np.sin(angles), b * np.cos(angles) + a * np.sin(angles)])


def test_rope_view_rotates_the_projection_into_the_captured_q_and_k(tiny_llama):
    _, model = tiny_llama
    cap = model.run_with_capture("the cat sat on the mat and it was warm")
    layer, head, query, key = 1, 3, cap.n_tokens - 1, 2
    rv = steps.rope_view(cap, layer, head, query, key)
    hs = steps.head_steps(cap, model, layer, head, query)
    X = hs.X.double().numpy()
    q_before = X[query] @ hs.W_Q.double().numpy() + hs.b_Q.double().numpy()  # the projection, before any rotation
    k_before = X[key] @ hs.W_K.double().numpy() + hs.b_K.double().numpy()
    assert_close(rv.q_before.double().numpy(), q_before, rtol=0, atol=1e-5, check_dtype=False)
    assert_close(rv.k_before.double().numpy(), k_before, rtol=0, atol=1e-5, check_dtype=False)
    d = q_before.shape[0]
    freqs = cap.rope_theta ** (-np.arange(0, d, 2) / d)
    assert_close(rv.angles_q.double().numpy(), query * freqs, rtol=1e-6, atol=1e-6, check_dtype=False)
    assert_close(rv.q_after.double().numpy(), rotate_pairs(q_before, query * freqs), rtol=0, atol=1e-5, check_dtype=False)
    assert_close(rv.k_after.double().numpy(), rotate_pairs(k_before, key * freqs), rtol=0, atol=1e-5, check_dtype=False)
    assert_close(rv.scores_after, cap.head_scores_raw(layer, head)[query], rtol=0, atol=1e-5)
    K_before = X @ hs.W_K.double().numpy() + hs.b_K.double().numpy()
    assert_close(rv.scores_before.double().numpy(), K_before @ q_before / math.sqrt(d), rtol=0, atol=1e-5, check_dtype=False)
    assert not torch.allclose(rv.scores_before, rv.scores_after)  # RoPE changes the scores
    assert rv.stacked.shape == (4, d)


def test_rope_view_of_a_model_without_rotary_positions_is_refused(cap):
    with pytest.raises(ValueError, match="rotary"):
        steps.rope_view(cap, 0, 0, 1, 0)


def test_heads_sharing_a_key_value_head(decoder):
    model, cap, _ = decoder
    if cap.n_kv_heads == cap.n_heads:  # GPT-2: every head its own
        assert [steps.heads_sharing(cap, h) for h in range(cap.n_heads)] == [[h] for h in range(cap.n_heads)]
    else:  # 6 query heads, 2 key/value heads: 0-2 share one, 3-5 the other
        assert steps.heads_sharing(cap, 1) == [0, 1, 2] and steps.heads_sharing(cap, 5) == [3, 4, 5]
    with pytest.raises(PositionError):
        steps.heads_sharing(cap, cap.n_heads)


@pytest.mark.slow
def test_smollm2_neuron_view_rope_and_input_norm_recompute_the_capture(smollm2):
    cap = smollm2.run_with_capture("The capital of France is Paris")
    for layer, head, query, key in ((0, 0, 5, 1), (20, 7, 4, 3)):
        hs = steps.head_steps(cap, smollm2, layer, head, query)
        ln1 = smollm2.network.blocks[layer].ln1
        resid = steps.layer_input(cap, layer).double()
        rms = resid.pow(2).mean(-1, keepdim=True).add(ln1.eps).sqrt()
        assert_close(hs.X.double(), resid / rms * ln1.w.detach().double().cpu(), rtol=0, atol=1e-5)  # RMSNorm from its formula
        assert hs.projection_error < 1e-4
        nv = steps.neuron_view(hs, key)
        assert nv.score == pytest.approx(float(cap.head_scores_raw(layer, head)[query, key]), abs=1e-5)
        rv = steps.rope_view(cap, layer, head, query, key)
        assert_close(rv.scores_after, cap.head_scores_raw(layer, head)[query], rtol=0, atol=1e-5)
        assert steps.heads_sharing(cap, head) == [3 * (head // 3) + i for i in range(3)]

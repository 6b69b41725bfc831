"""Our Llama (RMSNorm, RoPE, grouped-query attention, SwiGLU) against Hugging Face's eager Llama.

Tiny seeded random configs always; the bundled SmolLM2 against Hugging Face reading the
same GGUF file (it dequantises the weights itself). Pattern within 1e-5, logits within
1e-4 relative.
"""

from __future__ import annotations

import pytest
import torch
from decoder_helpers import hf_run, relative_error, tiny_llama_pair

import attnviz

TEXTS = [
    "The animal didn't cross the street because it was too tired.",
    "Attention is all you need.",
    "短い文 and émojis 🙂 in a row",
]


@pytest.fixture(
    scope="module",
    params=[(0, 4, 2, False), (1, 4, 4, True), (2, 6, 2, False), (3, 4, 1, True)],
    ids=["gqa2-untied", "mha-tied", "gqa3-untied", "mqa-tied"],
)
def llama_pair(request):
    seed, n_heads, n_kv_heads, tied = request.param
    return tiny_llama_pair(seed, n_heads=n_heads, n_kv_heads=n_kv_heads, tied=tied)


@pytest.mark.parametrize("text", TEXTS)
def test_tiny_llama_matches_hf(llama_pair, text):
    hf, ours = llama_pair
    cap = ours.run_with_capture(text)
    pattern, logits, _ = hf_run(hf, cap.token_ids)
    assert cap.pattern.shape == pattern.shape
    torch.testing.assert_close(cap.pattern.full(), pattern, rtol=0, atol=1e-5)
    assert relative_error(cap.logits.full(), logits) <= 1e-4


def test_tiny_llama_q_and_k_before_and_after_rotation_match_hf(llama_pair):
    """q_pre_rope = q_proj(norm(x)) and q = RoPE(q_pre_rope), each computed by Hugging Face's own modules."""
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

    hf, ours = llama_pair
    cap = ours.run_with_capture(TEXTS[0])
    n, d = cap.n_tokens, ours.config.d_head
    _, _, hidden = hf_run(hf, cap.token_ids)
    positions = torch.arange(n)[None]
    with torch.no_grad():
        for layer, block in enumerate(hf.model.layers):
            x = block.input_layernorm(hidden[layer][None])
            q = block.self_attn.q_proj(x).view(1, n, -1, d)  # [1, pos, head, d_head]
            k = block.self_attn.k_proj(x).view(1, n, -1, d)
            torch.testing.assert_close(cap.q_pre_rope[layer], q[0], rtol=0, atol=1e-5)
            torch.testing.assert_close(cap.k_pre_rope[layer], k[0], rtol=0, atol=1e-5)
            cos, sin = hf.model.rotary_emb(x, positions)
            q_rot, k_rot = apply_rotary_pos_emb(q.transpose(1, 2), k.transpose(1, 2), cos, sin)
            torch.testing.assert_close(cap.q[layer], q_rot[0].transpose(0, 1), rtol=0, atol=1e-5)
            torch.testing.assert_close(cap.k[layer], k_rot[0].transpose(0, 1), rtol=0, atol=1e-5)


def test_tiny_llama_capture_invariants(llama_pair):
    from attnviz.model.attention import apply_mask, attention_scores, softmax_pattern, weighted_values

    _, ours = llama_pair
    cfg = ours.config
    cap = ours.run_with_capture(TEXTS[1])
    n = cap.n_tokens
    assert cap.q.shape == cap.q_pre_rope.shape == (cfg.n_layers, n, cfg.n_heads, cfg.d_head)
    assert cap.k.shape == cap.v.shape == cap.k_pre_rope.shape == (cfg.n_layers, n, cfg.n_kv_heads, cfg.d_head)
    assert cap.logits.shape == (n, cfg.d_vocab)
    assert torch.equal(cap.attn_mask, torch.ones(n, n, dtype=torch.bool).tril())
    assert cap.causal and cap.n_kv_heads == cfg.n_kv_heads
    assert torch.equal(cap.kv_head_of, torch.arange(cfg.n_heads) // (cfg.n_heads // cfg.n_kv_heads))
    torch.testing.assert_close(cap.pattern.sum(-1), torch.ones(cfg.n_layers, cfg.n_heads, n), rtol=0, atol=1e-6)
    upper = ~cap.attn_mask
    assert cap.pattern[:, :, upper].abs().max() == 0  # no token sees a later one
    assert (cap.attn_scores[:, :, upper] == torch.finfo(torch.float32).min).all()
    # recomputing from q, k (each query head with its shared key head) gives the pattern
    k_per_head = cap.k.repeat_interleave(cfg.n_heads // cfg.n_kv_heads, dim=2)
    scores = torch.einsum("lqhd,lkhd->lhqk", cap.q, k_per_head) / cfg.d_head**0.5
    torch.testing.assert_close(cap.attn_scores_raw.full(), scores, rtol=0, atol=1e-5)
    assert (cap.head_scores_raw(1, cfg.n_heads - 1) - scores[1, -1]).abs().max() <= 1e-5
    pattern = softmax_pattern(apply_mask(attention_scores(cap.q, cap.k), cap.attn_mask[None].expand(cfg.n_layers, -1, -1)))
    torch.testing.assert_close(cap.pattern.full(), pattern, rtol=0, atol=1e-6)
    torch.testing.assert_close(weighted_values(cap.pattern.full(), cap.v), cap.z, rtol=0, atol=1e-6)  # z came from the fused kernel
    assert torch.equal(cap.resid_mid, cap.resid_pre + cap.attn_out)  # pre-norm blocks


def test_scores_before_rotation_are_the_plain_dot_products(llama_pair):
    _, ours = llama_pair
    cap = ours.run_with_capture(TEXTS[0])
    kv = int(cap.kv_head_of[3])
    expected = cap.q_pre_rope[1, :, 3] @ cap.k_pre_rope[1, :, kv].T / ours.config.d_head**0.5
    assert (cap.head_scores_pre_rope(1, 3) - expected).abs().max() <= 1e-5
    assert not torch.allclose(cap.head_scores_pre_rope(1, 3), cap.head_scores_raw(1, 3), atol=1e-3)


def test_hook_names_of_a_llama(llama_pair):
    from attnviz.model.hooks import hook_points

    _, ours = llama_pair
    per_layer = [
        "attn.hook_q_pre_rope", "attn.hook_k_pre_rope", "attn.hook_q", "attn.hook_k", "attn.hook_v",
        "attn.hook_attn_scores_raw", "attn.hook_attn_scores", "attn.hook_pattern", "attn.hook_z", "mlp.hook_post",
        "hook_attn_out", "hook_resid_mid", "hook_mlp_out", "hook_resid_post",
    ]  # fmt: skip
    expected = {"embed.hook_embed"} | {f"blocks.{l}.{name}" for l in range(ours.config.n_layers) for name in per_layer}
    assert set(hook_points(ours.network)) == expected
    assert all(not p.observed for p in hook_points(ours.network).values())


def test_weight_views_have_the_documented_shapes(llama_pair):
    _, ours = llama_pair
    cfg, attn = ours.config, ours.network.blocks[0].attn
    assert attn.W_Q.shape == (cfg.n_heads, cfg.d_model, cfg.d_head)
    assert attn.W_K.shape == attn.W_V.shape == (cfg.n_kv_heads, cfg.d_model, cfg.d_head)
    assert attn.W_O.shape == (cfg.n_heads, cfg.d_head, cfg.d_model)
    assert attn.b_Q is None and attn.b_O is None
    hf = llama_pair[0].model.layers[0].self_attn
    last = cfg.n_kv_heads - 1
    assert torch.equal(attn.W_K[last], hf.k_proj.weight[last * cfg.d_head : (last + 1) * cfg.d_head].T)


def test_padded_batch_equals_unpadded_runs(llama_pair):
    _, ours = llama_pair
    short, long = TEXTS[1], TEXTS[0]
    caps = ours.run_batch_with_capture([short, long])
    alone = ours.run_with_capture(short)
    n = alone.n_tokens
    assert caps[0].n_tokens == caps[1].n_tokens > n
    assert not caps[0].attn_mask[:, n:].any()
    assert torch.equal(caps[0].attn_mask[:n, :n], alone.attn_mask)
    torch.testing.assert_close(caps[0].pattern[:, :, :n, :n], alone.pattern.full(), rtol=0, atol=1e-5)
    torch.testing.assert_close(caps[0].logits[:n], alone.logits.full(), rtol=0, atol=1e-4)
    torch.testing.assert_close(caps[1].pattern.full(), ours.run_with_capture(long).pattern.full(), rtol=0, atol=1e-5)


def test_custom_mask_is_combined_with_the_causal_mask(llama_pair):
    _, ours = llama_pair
    cap = ours.run_with_capture(TEXTS[1])
    n = cap.n_tokens
    mask = torch.ones(n, n, dtype=torch.bool)
    mask[2:, 1] = False  # hide token 1 from every later query
    masked = ours.run_with_capture(TEXTS[1], attn_mask=mask)
    assert torch.equal(masked.attn_mask, mask.tril())
    assert masked.pattern[:, :, 2:, 1].abs().max() == 0
    assert (masked.pattern[:, :, :2] - cap.pattern[:, :, :2]).abs().max() <= 1e-6  # earlier rows unchanged


def test_a_text_pair_is_refused_by_a_decoder(llama_pair):

    with pytest.raises(attnviz.ConfigError, match="one text"):
        llama_pair[1].run_with_capture("First.", "Second.")


def test_running_token_ids_equals_running_the_text(llama_pair):

    _, ours = llama_pair
    cap = ours.run_with_capture(TEXTS[0])
    again = ours.run_tokens_with_capture(cap.token_ids.tolist())
    assert torch.equal(again.pattern, cap.pattern) and again.tokens == cap.tokens
    with pytest.raises(attnviz.ConfigError, match="token_ids"):
        ours.run_tokens_with_capture([0, ours.config.d_vocab])
    with pytest.raises(attnviz.EmptyTextError):
        ours.run_tokens_with_capture([])


def test_converter_rejects_missing_and_misshaped_keys(llama_pair):
    from attnviz.loading.llama import convert_llama

    hf, ours = llama_pair
    sd = hf.state_dict()
    broken = {k: v for k, v in sd.items() if k != "model.layers.1.self_attn.k_proj.weight"}
    with pytest.raises(attnviz.WeightsMismatchError, match="missing"):
        convert_llama(broken, ours.config)
    broken = dict(sd, **{"model.layers.0.self_attn.k_proj.weight": torch.zeros(3, ours.config.d_model)})
    with pytest.raises(attnviz.WeightsMismatchError, match="wrong shape"):
        convert_llama(broken, ours.config)
    broken = dict(sd, **{"model.layers.0.self_attn.q_proj.bias": torch.zeros(5)})
    with pytest.raises(attnviz.WeightsMismatchError, match="unexpected"):
        convert_llama(broken, ours.config)


@pytest.mark.parametrize(
    "override,field",
    [
        ({"rope_parameters": {"rope_type": "llama3", "rope_theta": 1e4, "factor": 8.0}}, "rope_type"),
        ({"attention_bias": True}, "attention_bias"),
        ({"num_attention_heads": 4, "num_key_value_heads": 3}, "n_kv_heads"),
    ],
)
def test_unsupported_llama_options_are_refused(override, field):
    from types import SimpleNamespace

    from attnviz.model.config import ModelConfig

    base = dict(
        model_type="llama", num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, hidden_size=32, head_dim=8,
        intermediate_size=64, vocab_size=100, max_position_embeddings=64, rms_norm_eps=1e-5, hidden_act="silu",
        rope_parameters={"rope_type": "default", "rope_theta": 1e4}, tie_word_embeddings=False,
    )  # fmt: skip
    with pytest.raises(attnviz.ConfigError, match=field):
        ModelConfig.from_hf(SimpleNamespace(**(base | override)))


# ---- the bundled SmolLM2 -------------------------------------------------------------


def test_smollm2_config_is_the_documented_one(smollm2):
    cfg = smollm2.config
    assert (cfg.family, cfg.n_layers, cfg.n_heads, cfg.n_kv_heads, cfg.d_model, cfg.d_head) == ("llama", 30, 9, 3, 576, 64)
    assert cfg.tie_embeddings and cfg.d_vocab == 49152
    assert sum(p.numel() for p in smollm2.network.parameters()) == 134_515_008


@pytest.mark.slow
@pytest.mark.parametrize("text", ["The capital of France is", "The animal didn't cross the street because it was too tired."])
def test_smollm2_matches_hf(smollm2, smollm2_hf, text):
    cap = smollm2.run_with_capture(text)
    assert cap.tokens[0] != "<|im_start|>"  # the tokenizer adds no BOS
    pattern, logits, _ = hf_run(smollm2_hf, cap.token_ids)
    assert cap.pattern.shape == (30, 9, cap.n_tokens, cap.n_tokens)
    torch.testing.assert_close(cap.pattern.full(), pattern, rtol=0, atol=1e-5)
    assert relative_error(cap.logits.full(), logits) <= 1e-4


@pytest.mark.slow
def test_smollm2_matches_hf_at_256_tokens(smollm2, smollm2_hf):
    text = "the animal didn't cross the street because it was too tired " * 30
    cap = smollm2.run_with_capture(text)
    ids = cap.token_ids[:256]
    cap = smollm2.run_tokens_with_capture(ids)
    pattern, logits, _ = hf_run(smollm2_hf, ids)
    assert cap.n_tokens == 256
    torch.testing.assert_close(cap.pattern.full(), pattern, rtol=0, atol=1e-5)
    assert relative_error(cap.logits.full(), logits) <= 1e-4


def test_smollm2_knows_the_capital_of_france(smollm2):
    cap = smollm2.run_with_capture("The capital of France is")
    assert smollm2.tokenizer.decode([int(cap.logits[-1].argmax())]) == " Paris"


def test_observing_the_raw_scores_takes_the_explicit_path_with_the_same_numbers(llama_pair):
    """A forward hook on ``hook_attn_scores_raw`` sees the scores before the causal mask; the
    layer then computes its pattern explicitly, and the capture's derived pattern and z agree."""
    _, ours = llama_pair
    plain = ours.run_with_capture(TEXTS[0])
    seen = {}
    point = ours.network.get_submodule("blocks.1.attn.hook_attn_scores_raw")
    handle = point.register_forward_hook(lambda module, args, out: seen.setdefault("raw", out.clone()))
    try:
        observed = ours.run_with_capture(TEXTS[0])
    finally:
        handle.remove()
    raw = seen["raw"][0]  # [head, query_pos, key_pos]
    assert torch.isfinite(raw).all() and (raw.triu(1) != 0).any()  # before the causal mask
    torch.testing.assert_close(raw, plain.attn_scores_raw[1], rtol=0, atol=1e-6)
    torch.testing.assert_close(observed.z, plain.z, rtol=0, atol=1e-5)


def test_the_capture_keeps_q_k_v_z_and_residuals_and_derives_the_rest(llama_pair):
    """Rotated q and k are stored; q and k before the rotation are derived by rotating back
    and equal the values at the hook points; resid_mid is the model's own sum."""
    from attnviz.model.hooks import recording

    _, ours = llama_pair
    cap = ours.run_with_capture(TEXTS[2])
    cfg = ours.config
    names = {field: [f"blocks.{layer}.{hook}" for layer in range(cfg.n_layers)] for field, hook in
             {"q_pre_rope": "attn.hook_q_pre_rope", "k_pre_rope": "attn.hook_k_pre_rope", "resid_mid": "hook_resid_mid"}.items()}  # fmt: skip
    with torch.inference_mode(), recording(ours.network, names) as seen:
        ours.network.run(cap.token_ids[None])
    torch.testing.assert_close(cap.q_pre_rope, seen["q_pre_rope"][:, 0], rtol=0, atol=1e-5)
    torch.testing.assert_close(cap.k_pre_rope, seen["k_pre_rope"][:, 0], rtol=0, atol=1e-5)
    assert torch.equal(cap.resid_mid, seen["resid_mid"][:, 0])
    stored = sum(t.nbytes for t in (cap.q, cap.k, cap.v, cap.z, cap.attn_out, cap.resid_post, cap.embed))
    assert cap.nbytes == stored + cap.attn_mask.nbytes + cap.token_ids.nbytes + cap.token_type_ids.nbytes + cap.kv_head_of.nbytes


@pytest.mark.slow
def test_a_tiny_llama_at_2048_tokens_matches_hf_without_any_full_pattern(monkeypatch):
    """Inputs up to the model's maximum positions: a 2,048-token capture of a tiny Llama
    equals Hugging Face eager's patterns on the rows checked, and holds no n×n tensor."""
    hf, ours = tiny_llama_pair(5, n_heads=4, n_kv_heads=2, tied=False, max_positions=2048)
    ids = torch.randint(3, ours.config.d_vocab, (2048,), generator=torch.Generator().manual_seed(0))
    cap = ours.run_tokens_with_capture(ids)
    assert cap.n_tokens == 2048 == ours.max_tokens and cap.n_truncated == 0
    assert cap.nbytes < 2048 * 2048 * 2  # the bool mask (4 MiB) is the only n×n tensor: no float pattern stored
    pattern, logits, _ = hf_run(hf, cap.token_ids)
    rows = [0, 1, 1000, 2047]
    torch.testing.assert_close(cap.pattern[:, :, rows], pattern[:, :, rows], rtol=0, atol=1e-5)
    assert relative_error(cap.logits[rows], logits[rows]) <= 1e-4


def test_ablating_nothing_is_the_plain_run_and_zeroing_a_head_equals_zeroing_its_w_o_columns(llama_pair):
    """Zero-ablating head h of layer l equals a copy of the model whose W_O rows for that
    head (the columns of ``o_weight`` it multiplies) are zero; mean ablation puts the head's
    mean z over the positions in every position."""
    import copy

    from attnviz.errors import AblationError, PositionError
    from attnviz.model.runner import HookedTransformer

    _, ours = llama_pair
    plain = ours.run_with_capture(TEXTS[0])
    same = ours.run_with_capture(TEXTS[0], ablate=[])
    assert torch.equal(same.z, plain.z) and torch.equal(same.resid_post, plain.resid_post)
    layer, head, d = 1, ours.config.n_heads - 1, ours.config.d_head
    ablated = ours.run_with_capture(TEXTS[0], ablate=[(layer, head)])
    edited = HookedTransformer(ours.config, copy.deepcopy(ours.network), ours.tokenizer, ours.device)
    with torch.no_grad():
        edited.network.blocks[layer].attn.o_weight[:, head * d : (head + 1) * d] = 0
    reference = edited.run_with_capture(TEXTS[0])
    torch.testing.assert_close(ablated.resid_post, reference.resid_post, rtol=0, atol=1e-5)
    torch.testing.assert_close(ablated.logits.full(), reference.logits.full(), rtol=0, atol=1e-4)
    assert (ablated.z[layer, :, head] == 0).all() and ablated.meta["ablate"] == [(layer, head)]
    assert torch.equal(ablated.resid_post[: layer], plain.resid_post[: layer])  # earlier layers untouched
    mean = ours.run_with_capture(TEXTS[0], ablate=[(layer, head)], ablation="mean")
    torch.testing.assert_close(mean.z[layer, :, head], plain.z[layer, :, head].mean(0).expand_as(mean.z[layer, :, head]), rtol=0, atol=1e-6)
    with pytest.raises(PositionError, match="head 99 does not exist"):
        ours.run_with_capture(TEXTS[0], ablate=[(0, 99)])
    with pytest.raises(AblationError, match="zero"):
        ours.run_with_capture(TEXTS[0], ablate=[(0, 0)], ablation="half")

"""Our GPT-2 (learned positions, pre-LN, tanh-GELU, Conv1D weights) against Hugging Face's eager GPT-2.

GPT-2 has no bundled weights: tiny seeded random configs, and a local folder as a user
would have one (saved by Hugging Face, loaded by ``attnviz.load_model``).
"""

from __future__ import annotations

import pytest
import torch
from decoder_helpers import hf_run, relative_error, tiny_gpt2_pair

TEXTS = [
    "The animal didn't cross the street because it was too tired.",
    "Attention is all you need.",
    "短い文 and émojis 🙂 in a row",
]


@pytest.fixture(scope="module", params=[0, 1], ids=lambda s: f"seed{s}")
def gpt2_pair(request):
    return tiny_gpt2_pair(request.param)


@pytest.mark.parametrize("text", TEXTS)
def test_tiny_gpt2_matches_hf(gpt2_pair, text):
    hf, ours = gpt2_pair
    cap = ours.run_with_capture(text)
    pattern, logits, hidden = hf_run(hf, cap.token_ids)
    assert cap.pattern.shape == pattern.shape
    torch.testing.assert_close(cap.pattern.full(), pattern, rtol=0, atol=1e-5)
    assert relative_error(cap.logits.full(), logits) <= 1e-4
    assert (cap.resid_pre - torch.stack(hidden[:-1])).abs().max() <= 1e-4  # each block's input


def test_tiny_gpt2_capture_invariants(gpt2_pair):
    _, ours = gpt2_pair
    cfg = ours.config
    cap = ours.run_with_capture(TEXTS[0])
    n = cap.n_tokens
    assert cap.q_pre_rope is None and cap.k_pre_rope is None  # positions are embeddings, not rotations
    assert cap.k.shape == (cfg.n_layers, n, cfg.n_heads, cfg.d_head)
    assert torch.equal(cap.kv_head_of, torch.arange(cfg.n_heads))
    assert cap.pattern[:, :, ~cap.attn_mask].abs().max() == 0
    assert torch.allclose(cap.pattern.sum(-1), torch.ones(()), atol=1e-6)
    assert torch.equal(cap.resid_mid, cap.resid_pre + cap.attn_out)
    with pytest.raises(ValueError, match="rotary"):
        cap.head_scores_pre_rope(0, 0)


def test_hook_names_of_a_gpt2(gpt2_pair):
    from attnviz.model.hooks import hook_points

    _, ours = gpt2_pair
    per_layer = [
        "attn.hook_q", "attn.hook_k", "attn.hook_v", "attn.hook_attn_scores_raw", "attn.hook_attn_scores",
        "attn.hook_pattern", "attn.hook_z", "mlp.hook_post",
        "hook_attn_out", "hook_resid_mid", "hook_mlp_out", "hook_resid_post",
    ]  # fmt: skip
    expected = {"embed.hook_embed"} | {f"blocks.{l}.{name}" for l in range(ours.config.n_layers) for name in per_layer}
    assert set(hook_points(ours.network)) == expected


def test_weight_views_follow_the_conv1d_weights(gpt2_pair):
    hf, ours = gpt2_pair
    cfg, attn = ours.config, ours.network.blocks[1].attn
    c_attn = hf.transformer.h[1].attn.c_attn  # Conv1D: weight [d_model, 3·d_model]
    m, d = cfg.d_model, cfg.d_head
    assert torch.equal(attn.W_Q[2], c_attn.weight[:, 2 * d : 3 * d])
    assert torch.equal(attn.W_V[0], c_attn.weight[:, 2 * m : 2 * m + d])
    assert torch.equal(attn.b_K[3], c_attn.bias[m + 3 * d : m + 4 * d])


def test_a_local_gpt2_folder_loads(tmp_path):
    import attnviz

    hf, ours = tiny_gpt2_pair(5)
    folder = tmp_path / "my-gpt2"
    hf.save_pretrained(folder)
    ours.tokenizer.save_pretrained(folder)
    model = attnviz.load_model(folder, device="cpu")
    assert model.config.family == "gpt2" and model.config.name == "my-gpt2"
    cap = model.run_with_capture(TEXTS[0])
    pattern, logits, _ = hf_run(hf, cap.token_ids)
    torch.testing.assert_close(cap.pattern.full(), pattern, rtol=0, atol=1e-5)
    assert relative_error(cap.logits.full(), logits) <= 1e-4


def test_long_text_is_cut_to_the_position_table(gpt2_pair):
    _, ours = gpt2_pair
    cap = ours.run_with_capture("attention " * 200)
    assert cap.n_tokens == ours.config.max_positions == 64 and cap.n_truncated > 0


def test_converter_rejects_missing_and_misshaped_keys(gpt2_pair):
    import attnviz
    from attnviz.loading.gpt2 import convert_gpt2

    hf, ours = gpt2_pair
    sd = hf.state_dict()
    broken = {k: v for k, v in sd.items() if k != "transformer.h.0.mlp.c_fc.bias"}
    with pytest.raises(attnviz.WeightsMismatchError, match="missing"):
        convert_gpt2(broken, ours.config)
    broken = dict(sd, **{"transformer.h.1.attn.c_attn.weight": torch.zeros(ours.config.d_model, 5)})
    with pytest.raises(attnviz.WeightsMismatchError, match="wrong shape"):
        convert_gpt2(broken, ours.config)
    broken = dict(sd, **{"transformer.h.1.attn.q_attn.weight": torch.zeros(5)})
    with pytest.raises(attnviz.WeightsMismatchError, match="unexpected"):
        convert_gpt2(broken, ours.config)


def test_layer_scaled_attention_is_refused():
    from transformers import GPT2Config

    import attnviz
    from attnviz.model.config import ModelConfig

    with pytest.raises(attnviz.ConfigError, match="scale_attn_by_inverse_layer_idx"):
        ModelConfig.from_hf(GPT2Config(n_embd=32, n_head=4, n_layer=2, scale_attn_by_inverse_layer_idx=True))

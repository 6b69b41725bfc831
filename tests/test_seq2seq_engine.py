"""The encoder–decoder network: shapes, masks, hook names, the config, training (tiny random configs)."""

from __future__ import annotations

import pytest
import torch

from attnviz.errors import ConfigError
from attnviz.model.hooks import hook_points, recording
from attnviz.model.relative_position import relative_buckets, sinusoidal_positions
from attnviz.model.seq2seq import EncoderDecoder, Seq2SeqConfig

TINY = dict(d_vocab=23, d_model=16, n_heads=2, d_head=8, d_mlp=32, n_encoder_layers=2, n_decoder_layers=2, max_positions=20)
VARIANTS = {
    "toy": {},
    "bart": dict(positions="learned", position_offset=2, pre_norm=False, final_norm=False, layernorm_embedding=True, act="gelu", final_logits_bias=True),
    "marian": dict(positions="sinusoidal", pre_norm=False, final_norm=False, scale_embedding=True, tie_embeddings=False),
    "t5": dict(positions="relative", relative_buckets=8, relative_max_distance=16, norm="rmsnorm", bias=False, scale_scores=False, act="gated-gelu", scale_decoder_output=True),
}


def tiny_network(variant: str = "toy", seed: int = 0) -> EncoderDecoder:
    torch.manual_seed(seed)
    net = EncoderDecoder(Seq2SeqConfig(**TINY, **VARIANTS[variant])).eval()
    with torch.no_grad():  # random norms and biases too, so that no term hides behind its initial value
        for param in net.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    return net


def ids(*rows: list[int]) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.int64)


@pytest.mark.parametrize("variant", VARIANTS)
def test_logits_shape_and_dtype(variant):
    logits = tiny_network(variant)(ids([5, 6, 7, 2], [8, 9, 2, 0]), ids([1, 4, 5], [1, 6, 7]), torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]], dtype=torch.bool))
    assert logits.shape == (2, 3, 23) and logits.dtype == torch.float32
    assert torch.isfinite(logits).all()


@pytest.mark.parametrize("variant", VARIANTS)
def test_causal_mask_hides_later_target_tokens(variant):
    net = tiny_network(variant)
    src = ids([5, 6, 7, 2])
    first = net(src, ids([1, 4, 5, 6]))
    changed = net(src, ids([1, 4, 9, 10]))  # positions 2 and 3 differ
    torch.testing.assert_close(first[:, :2], changed[:, :2], rtol=0, atol=1e-6)
    assert (first[:, 2:] - changed[:, 2:]).abs().max() > 1e-3


@pytest.mark.parametrize("variant", VARIANTS)
def test_padding_mask_makes_padding_invisible(variant):
    net = tiny_network(variant)
    tgt = ids([1, 4, 5])
    alone = net(ids([5, 6, 7, 2]), tgt)
    padded = net(ids([5, 6, 7, 2, 0, 0]), tgt, torch.tensor([[1, 1, 1, 1, 0, 0]], dtype=torch.bool))
    torch.testing.assert_close(alone, padded, rtol=0, atol=1e-5)
    unmasked = net(ids([5, 6, 7, 2, 0, 0]), tgt)  # without the mask the pads are read
    assert (alone - unmasked).abs().max() > 1e-3


def test_patterns_through_hooks_obey_the_masks():
    net = tiny_network("t5")
    fields = {
        "enc": [f"encoder.blocks.{layer}.attn.hook_pattern" for layer in range(2)],
        "self": [f"decoder.blocks.{layer}.self_attn.hook_pattern" for layer in range(2)],
        "cross": [f"decoder.blocks.{layer}.cross_attn.hook_pattern" for layer in range(2)],
    }
    with recording(net, fields) as stored:
        net(ids([5, 6, 7, 2, 0]), ids([1, 4, 5, 6]), torch.tensor([[1, 1, 1, 1, 0]], dtype=torch.bool))
    assert stored["enc"].shape == (2, 1, 2, 5, 5) and stored["self"].shape == (2, 1, 2, 4, 4) and stored["cross"].shape == (2, 1, 2, 4, 5)
    for pattern in stored.values():
        torch.testing.assert_close(pattern.sum(-1), torch.ones(pattern.shape[:-1]))
    assert (stored["self"].triu(1) == 0).all()  # no target position sees a later one
    assert (stored["enc"][..., 4] == 0).all() and (stored["cross"][..., 4] == 0).all()  # nobody reads the pad
    assert (stored["self"][..., torch.ones(4, 4, dtype=torch.bool).tril()] > 0).all()  # but every earlier one


def test_hook_names():
    names = set(hook_points(tiny_network("t5")))
    attention = ["q", "k", "v", "attn_scores_raw", "attn_scores", "pattern", "z"]
    for layer in range(2):
        assert {f"encoder.blocks.{layer}.attn.hook_{n}" for n in attention + ["position_bias"]} <= names
        assert {f"decoder.blocks.{layer}.self_attn.hook_{n}" for n in attention + ["position_bias"]} <= names
        assert {f"decoder.blocks.{layer}.cross_attn.hook_{n}" for n in attention} <= names
    assert "decoder.blocks.0.cross_attn.hook_position_bias" not in names  # T5's cross-attention has no position term
    assert {"encoder.embed.hook_embed", "decoder.embed.hook_embed", "decoder.blocks.1.hook_resid_post"} <= names
    assert not any("position_bias" in name for name in hook_points(tiny_network("bart")))


def test_position_bias_is_added_to_the_raw_scores():
    net = tiny_network("t5")
    names = {f: [f"encoder.blocks.1.attn.hook_{f}"] for f in ("attn_scores_raw", "position_bias", "attn_scores")}
    with recording(net, names) as stored:
        net(ids([5, 6, 7, 2]), ids([1, 4]))
    torch.testing.assert_close(stored["attn_scores"], stored["attn_scores_raw"] + stored["position_bias"])
    assert stored["position_bias"].abs().max() > 0


def test_state_dict_has_one_copy_of_each_weight():
    keys = list(tiny_network("toy").state_dict())
    assert "W_E" in keys and len(keys) == len(set(keys))
    assert not any(".shared" in key or "lm_head" in key for key in keys)  # tied: the unembedding is W_E
    assert "lm_head.weight" in tiny_network("marian").state_dict()


def test_the_network_trains():
    net = tiny_network("toy").train()
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-2)
    src, tgt, labels = ids([5, 6, 7, 2]), ids([1, 7, 6, 5]), ids([7, 6, 5, 2])
    losses = []
    for _ in range(30):
        loss = torch.nn.functional.cross_entropy(net(src, tgt)[0], labels[0])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]


def test_config_json_round_trip():
    cfg = Seq2SeqConfig(**TINY, **VARIANTS["t5"], name="x")
    assert Seq2SeqConfig.from_json(cfg.to_json()) == cfg
    assert cfg.is_encoder_decoder


@pytest.mark.parametrize(
    "change",
    [dict(d_model=0), dict(positions="rotary"), dict(act="tanh"), dict(d_model=15, d_head=5, n_heads=3), dict(norm_eps=0.0), dict(eos_token_id=23), dict(pre_norm=1)],
)
def test_config_refuses_bad_values(change):
    with pytest.raises(ConfigError):
        Seq2SeqConfig(**(TINY | change))


def test_from_json_refuses_unknown_fields():
    with pytest.raises(ConfigError, match="colour"):
        Seq2SeqConfig.from_json(Seq2SeqConfig(**TINY).to_json() | {"colour": 1})


def test_sinusoids_follow_the_formula():
    table = sinusoidal_positions(5, 8)
    pos, i = 3, 1
    angle = pos / 10000 ** (2 * i / 8)
    assert table[pos, i].item() == pytest.approx(torch.tensor(angle).sin().item(), abs=1e-7)
    assert table[pos, 4 + i].item() == pytest.approx(torch.tensor(angle).cos().item(), abs=1e-7)


def test_relative_buckets():
    both = relative_buckets(1, 40, bidirectional=True, n_buckets=32, max_distance=128)[0]  # query at 0, keys to the right
    assert both[:8].tolist() == [0, 17, 18, 19, 20, 21, 22, 23]  # right half: 16 + distance for small distances
    causal = relative_buckets(40, 1, bidirectional=False, n_buckets=32, max_distance=128)[:, 0]  # keys to the left
    assert causal[:16].tolist() == list(range(16))  # exact buckets up to n/2
    assert causal[16:].min() >= 16 and causal[16:].max() <= 31 and (causal.diff() >= 0).all()

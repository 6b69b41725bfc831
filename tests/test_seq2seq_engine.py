"""The encoder–decoder network: shapes, masks, hook names, the config, training (tiny random configs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file
from seq2seq_helpers import toy_config, write_toy_folder

from attnviz.errors import ConfigError, EmptyTextError, ModelLoadError, SourceTooLongError, TargetTooLongError
from attnviz.loading import load_model, model_key, registry
from attnviz.model.hooks import hook_points, recording
from attnviz.model.relative_position import relative_buckets, sinusoidal_positions
from attnviz.model.seq2seq import EncoderDecoder, Seq2SeqConfig
from attnviz.model.seq2seq_runner import HookedSeq2Seq

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
    optimiser = torch.optim.Adam(net.parameters(), lr=3e-2)
    src, tgt, labels = ids([5, 6, 7, 2]), ids([1, 7, 6, 5]), ids([7, 6, 5, 2])
    losses = []
    for _ in range(15):
        loss = torch.nn.functional.cross_entropy(net(src, tgt)[0], labels[0])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0]


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


# --- the loaded model: attnviz's own folder format, greedy translation, the capture ---------------------------


@pytest.fixture(scope="module")
def toy_folder(tmp_path_factory) -> Path:
    return write_toy_folder(tmp_path_factory.mktemp("toy") / "toy")


@pytest.fixture(scope="module")
def toy_model(toy_folder):
    return load_model(toy_folder, device="cpu")


def test_a_seq2seq_folder_loads_as_an_encoder_decoder(toy_model, toy_folder):
    assert isinstance(toy_model, HookedSeq2Seq) and toy_model.config.is_encoder_decoder
    assert toy_model.config == toy_config()
    saved = load_file(toy_folder / "model.safetensors")
    state = toy_model.network.state_dict()
    assert set(state) == set(saved)
    for name, tensor in state.items():
        torch.testing.assert_close(tensor, saved[name], rtol=0, atol=0)


def test_translate_is_greedy_decoding(toy_model):
    net, cfg = toy_model.network, toy_model.config
    src = torch.tensor([toy_model.source_ids("30 Nov 2026")])
    tokens = [cfg.decoder_start_token_id]
    with torch.no_grad():
        for _ in range(cfg.max_positions):
            token = int(net(src, torch.tensor([tokens]))[0, -1].argmax())
            if token == cfg.eos_token_id:
                break
            tokens.append(token)
    expected = toy_model.tokenizer.decode(tokens[1:], skip_special_tokens=True)
    assert toy_model.translate("30 Nov 2026") == expected and len(expected) > 0


def test_greedy_decoding_stops_at_the_end_token(tmp_path):
    cfg = toy_config(final_logits_bias=True, name="eos")
    folder = write_toy_folder(tmp_path / "eos", cfg)
    state = load_file(folder / "model.safetensors")
    state["final_logits_bias"][cfg.eos_token_id] = 1e4  # </s> wins at every step
    save_file(state, folder / "model.safetensors")
    model = load_model(folder, device="cpu")
    assert model.generate_ids(model.source_ids("30 Nov")) == [cfg.eos_token_id]
    assert model.translate("30 Nov") == ""


def test_generation_writes_at_most_the_tokens_asked_for(toy_model):
    ids = toy_model.source_ids("30 Nov")
    assert len(toy_model.generate_ids(ids, max_new_tokens=3)) <= 3
    assert len(toy_model.generate_ids(ids, max_new_tokens=1000)) <= toy_model.max_tokens
    with pytest.raises(ConfigError):
        toy_model.generate_ids(ids, max_new_tokens=0)


def test_capture_with_a_target_is_teacher_forced(toy_model):
    cap = toy_model.run_with_capture("30 Nov 2026", "2026-11-30")
    assert cap.tokens == [*"30 Nov 2026", "</s>"] and cap.target_tokens == ["<s>", *"2026-11-30"]
    assert cap.output_tokens == [*"2026-11-30", "</s>"] and not cap.generated
    assert cap.token_ids.dtype == torch.int64 and cap.target_token_ids[0] == toy_model.config.decoder_start_token_id
    torch.testing.assert_close(cap.target_token_ids[1:], cap.output_token_ids[:-1])
    n_src, n_tgt = 12, 11
    assert cap.pattern.shape == (2, 4, n_src, n_src) and cap.decoder_pattern.shape == (2, 4, n_tgt, n_tgt) and cap.cross_pattern.shape == (2, 4, n_tgt, n_src)
    assert cap.n_layers == 2 and cap.n_decoder_layers == 2 and cap.n_heads == 4
    with torch.no_grad():
        logits = toy_model.network(cap.token_ids[None], cap.target_token_ids[None])[0]
    torch.testing.assert_close(cap.logits, logits)
    for pattern in (cap.pattern, cap.decoder_pattern, cap.cross_pattern):
        torch.testing.assert_close(pattern.sum(-1), torch.ones(pattern.shape[:-1]))
    assert (cap.decoder_pattern.triu(1) == 0).all()
    assert cap.q["cross"].shape == (2, n_tgt, 4, 8) and cap.k["cross"].shape == (2, n_src, 4, 8)
    assert cap.position_bias == {"encoder": None, "decoder": None, "cross": None}


def test_capture_without_a_target_uses_the_greedy_output(toy_model):
    cap = toy_model.run_with_capture("30 Nov 2026")
    written = toy_model.generate_ids(toy_model.source_ids("30 Nov 2026"))
    assert cap.generated and cap.output_token_ids.tolist() == written
    assert cap.target_token_ids.tolist() == [toy_model.config.decoder_start_token_id, *written[:-1]]
    assert cap.target == toy_model.translate("30 Nov 2026")
    assert cap.predicted_ids.tolist() == written  # teacher-forcing its own output gives it back


@pytest.mark.parametrize("positions", ["sinusoidal", "relative"])
def test_score_parts_explain_every_pattern(tmp_path, positions):
    cfg = toy_config(positions=positions, relative_buckets=8, relative_max_distance=16, scale_scores=positions != "relative", name=positions)
    model = load_model(write_toy_folder(tmp_path / positions, cfg), device="cpu")
    with torch.no_grad():
        for stack in (model.network.encoder, model.network.decoder):
            if stack.position_bias is not None:
                stack.position_bias.weight.normal_()
    cap = model.run_with_capture("30 Nov 2026", "2026-11-30")
    for kind in ("encoder", "decoder", "cross"):
        for layer, head in ((0, 0), (1, 3)):
            content, bias = cap.score_parts(kind, layer, head)
            assert (bias is not None) == (positions == "relative" and kind != "cross")
            scores = content if bias is None else content + bias
            expected = torch.softmax(scores.masked_fill(~cap.attn_mask(kind), torch.finfo(torch.float32).min), dim=-1)
            torch.testing.assert_close(cap.patterns(kind)[layer, head], expected, rtol=0, atol=1e-6)


def test_capture_keeps_the_relative_position_bias(tmp_path):
    cfg = toy_config(positions="relative", relative_buckets=8, relative_max_distance=16, name="rel")
    model = load_model(write_toy_folder(tmp_path / "rel", cfg), device="cpu")
    with torch.no_grad():
        model.network.encoder.position_bias.weight.normal_()
    cap = model.run_with_capture("30 Nov", "2026")
    expected = model.network.encoder.position_bias(7, 7)[0]
    torch.testing.assert_close(cap.position_bias["encoder"], expected)
    assert cap.position_bias["decoder"].shape == (4, 5, 5) and cap.position_bias["cross"] is None


@pytest.mark.parametrize("source", ["", "   "])
def test_empty_source_is_a_clear_error(toy_model, source):
    with pytest.raises(EmptyTextError):
        toy_model.run_with_capture(source)
    with pytest.raises(EmptyTextError):
        toy_model.translate(source)


def test_too_long_source_and_target_are_clear_errors(toy_model):
    with pytest.raises(SourceTooLongError) as err:
        toy_model.run_with_capture("1" * 24)
    assert "25" in str(err.value) and "24" in str(err.value) and "25" in err.value.message("zh")
    with pytest.raises(TargetTooLongError):
        toy_model.run_with_capture("30 Nov", "2" * 30)


def test_the_bundled_name_loads_its_repository_folder(tmp_path, monkeypatch):
    write_toy_folder(tmp_path / "assets" / "toy-seq2seq", toy_config(name="whatever"))
    monkeypatch.setattr(registry, "REPO_ROOT", tmp_path)
    model = load_model("toy-seq2seq", device="cpu")
    assert model.config.name == "toy-seq2seq" and model.config.is_encoder_decoder
    assert model_key("toy-seq2seq") == "toy-seq2seq" and "toy-seq2seq" not in registry.REGISTRY  # not offered on the encoder/decoder pages


def test_a_missing_bundled_folder_is_a_load_error(tmp_path, monkeypatch):
    monkeypatch.setattr(registry, "REPO_ROOT", tmp_path)
    with pytest.raises(ModelLoadError, match="train_seq2seq"):
        load_model("toy-seq2seq", device="cpu")


def damage(folder: Path, how: str) -> None:
    if how == "no weights":
        (folder / "model.safetensors").unlink()
    elif how == "nan":
        state = load_file(folder / "model.safetensors")
        state["W_E"][0, 0] = float("nan")
        save_file(state, folder / "model.safetensors")
    elif how == "wrong shape":
        state = load_file(folder / "model.safetensors")
        state["W_E"] = state["W_E"][:-1]
        save_file(state, folder / "model.safetensors")
    elif how == "int weights":
        state = load_file(folder / "model.safetensors")
        state["W_E"] = state["W_E"].long()
        save_file(state, folder / "model.safetensors")
    elif how == "bad format":
        (folder / "attnviz-seq2seq.json").write_text(json.dumps({"config": toy_config().to_json(), "format": 9}))
    elif how == "bad config":
        (folder / "attnviz-seq2seq.json").write_text(json.dumps({"config": toy_config().to_json() | {"n_heads": 0}, "format": 1}))
    elif how == "no tokenizer":
        (folder / "tokenizer.json").unlink()
    elif how == "small vocabulary":
        (folder / "attnviz-seq2seq.json").write_text(json.dumps({"config": toy_config(d_vocab=20).to_json(), "format": 1}))


@pytest.mark.parametrize("how", ["no weights", "nan", "wrong shape", "int weights", "bad format", "bad config", "no tokenizer", "small vocabulary"])
def test_damaged_folders_are_load_errors(tmp_path, how):
    folder = write_toy_folder(tmp_path / "toy")
    damage(folder, how)
    with pytest.raises(ModelLoadError) as err:
        load_model(folder, device="cpu")
    assert str(folder) in str(err.value)

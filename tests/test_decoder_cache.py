"""The one-time GGUF -> cache conversion: same weights as Hugging Face's dequantisation, atomic, redone when interrupted."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from pathlib import Path

import pytest
import torch
from decoder_helpers import hf_run, relative_error, tiny_llama_pair
from torch.testing import assert_close

import attnviz
from attnviz.loading import gguf_cache
from attnviz.loading.native import NATIVE_CONFIG, read_native_config
from attnviz.loading.registry import gguf_source

SAMPLES = ["The capital of France is", "  two spaces, a tab\tand a newline\n", "中文 and émojis 🙂", "<|im_start|>user\nHi<|im_end|>"]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """The bundled GGUF converted right here, into an empty cache directory."""
    root = tmp_path_factory.mktemp("cache")
    old = os.environ.get("ATTNVIZ_CACHE")
    os.environ["ATTNVIZ_CACHE"] = str(root)
    try:
        stages = []
        folder = gguf_cache.converted_folder(gguf_source("smollm2"), lambda fraction, stage: stages.append((fraction, stage)))
    finally:
        os.environ.pop("ATTNVIZ_CACHE") if old is None else os.environ.__setitem__("ATTNVIZ_CACHE", old)
    return folder, stages


@pytest.mark.slow
def test_conversion_reports_progress_to_the_end(fresh):
    folder, stages = fresh
    fractions = [f for f, _ in stages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and stages[-1][1] == "done"
    assert {"config", "tokenizer", "weights", "write"} <= {s for _, s in stages}
    assert gguf_cache.is_complete(folder) and not list(folder.parent.glob(".partial-*"))


@pytest.mark.slow
def test_converted_weights_are_hf_dequantised_weights(fresh, smollm2_hf):
    from safetensors.torch import load_file

    from attnviz.loading.llama import convert_llama

    folder, _ = fresh
    cfg = read_native_config(folder, "smollm2")
    ours = load_file(folder / "model.safetensors")
    expected = convert_llama(smollm2_hf.state_dict(), cfg)
    assert set(ours) == set(expected)
    assert all(torch.equal(ours[key], expected[key]) for key in expected), [k for k in expected if not torch.equal(ours[k], expected[k])][:3]


@pytest.mark.slow
def test_converted_tokenizer_tokenizes_like_the_gguf_one(fresh):
    from transformers import AutoTokenizer

    folder, _ = fresh
    source = gguf_source("smollm2")
    reference = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name, trust_remote_code=False)
    cached = AutoTokenizer.from_pretrained(folder, trust_remote_code=False)
    for text in SAMPLES:
        assert cached(text)["input_ids"] == reference(text)["input_ids"]
    assert cached("Hello")["input_ids"] == [19556]  # no BOS is added


def test_the_user_cache_is_loaded_without_converting_again(smollm2, monkeypatch):
    monkeypatch.setattr(gguf_cache, "read_gguf", lambda *a: pytest.fail("converted again"))
    start = time.perf_counter()
    model = attnviz.load_model("smollm2", device="cpu")
    assert time.perf_counter() - start < 20  # about 0.5 s on an idle machine; loose for a busy one
    assert model.config == smollm2.config


def test_unpermute_undoes_llama_cpp_row_order():
    """llama.cpp's converter moves each rotary pair (i, i + d/2) next to each other; we move them back."""
    n_heads, d_head, d_model = 3, 8, 5
    w = torch.arange(n_heads * d_head * d_model, dtype=torch.float32).reshape(n_heads * d_head, d_model)
    llama_cpp = w.reshape(n_heads, 2, d_head // 2, d_model).swapaxes(1, 2).reshape(w.shape)
    assert torch.equal(gguf_cache.unpermute_rotary_rows(llama_cpp, n_heads), w)
    assert torch.equal(llama_cpp[1], w[d_head // 2])  # row 1 of head 0 was the second half's first row


def test_gguf_names_map_to_hf_names_strictly():
    assert gguf_cache.hf_name("blk.12.attn_q.weight") == "model.layers.12.self_attn.q_proj.weight"
    assert gguf_cache.hf_name("blk.0.ffn_norm.weight") == "model.layers.0.post_attention_layernorm.weight"
    assert gguf_cache.hf_name("token_embd.weight") == "model.embed_tokens.weight"
    with pytest.raises(attnviz.WeightsMismatchError, match="rope_freqs"):
        gguf_cache.hf_name("rope_freqs.weight")


# ---- atomicity, with a tiny model standing in for the GGUF reading ----------------------


@pytest.fixture
def tiny_source(tmp_path, monkeypatch):
    """A fake GGUF file whose "reading" gives a tiny random Llama; the cache in a temporary folder."""
    hf, ours = tiny_llama_pair(6, n_heads=8, d_head=32)  # 6.4 MB of weights: room for 4 MiB of damage
    source = tmp_path / "tiny.gguf"
    source.write_bytes(b"GGUF stand-in")
    monkeypatch.setenv("ATTNVIZ_CACHE", str(tmp_path / "cache"))
    calls = []

    def read(path, report):
        calls.append(path)
        report(0.5, "weights")
        return hf.config, ours.tokenizer, hf.state_dict()

    monkeypatch.setattr(gguf_cache, "read_gguf", read)
    return source, hf, calls


def test_an_interrupted_conversion_leaves_nothing_usable_and_is_redone(tiny_source, monkeypatch):
    source, hf, calls = tiny_source
    folder = gguf_cache.cache_folder(source)
    real_write = gguf_cache.write_native

    def killed(partial, cfg, state):  # dies after writing half of the weights file
        (partial / "model.safetensors").write_bytes(b"\0" * 1000)
        raise KeyboardInterrupt

    monkeypatch.setattr(gguf_cache, "write_native", killed)
    with pytest.raises(KeyboardInterrupt):
        gguf_cache.converted_folder(source, lambda *a: None)
    assert not folder.exists() and not gguf_cache.is_complete(folder)
    assert not list(folder.parent.glob(".partial-*"))

    monkeypatch.setattr(gguf_cache, "write_native", real_write)
    assert gguf_cache.converted_folder(source, lambda *a: None) == folder and gguf_cache.is_complete(folder)
    model = attnviz.load_model(folder, device="cpu")
    cap = model.run_with_capture("The animal didn't cross the street.")
    pattern, logits, _ = hf_run(hf, cap.token_ids)
    assert_close(cap.pattern.full(), pattern, rtol=0, atol=1e-5)
    assert relative_error(cap.logits, logits) <= 1e-4
    gguf_cache.converted_folder(source, lambda *a: None)
    assert len(calls) == 2  # the finished cache is used as it is


def test_leftovers_of_killed_conversions_are_removed_whatever_their_pid(tiny_source):
    source, _, calls = tiny_source
    folder = gguf_cache.cache_folder(source)
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(b"half")  # a folder without a manifest is never used
    leftovers = [folder.parent / f".partial-{folder.name}-{pid}-x" for pid in (999999999, 1, os.getpid())]  # PID 1 and ours are alive
    for partial in leftovers:
        partial.mkdir()
        (partial / "model.safetensors").write_bytes(b"half")
    gguf_cache.converted_folder(source, lambda *a: None)
    assert gguf_cache.is_complete(folder) and not any(partial.exists() for partial in leftovers)
    assert len(calls) == 1

    manifest = json.loads((folder / gguf_cache.MANIFEST).read_text())
    assert NATIVE_CONFIG in manifest["files"]
    with open(folder / "model.safetensors", "r+b") as weights:  # a truncated weights file
        weights.truncate(100)
    assert not gguf_cache.is_complete(folder)
    gguf_cache.converted_folder(source, lambda *a: None)
    assert gguf_cache.is_complete(folder) and len(calls) == 2


@pytest.mark.slow
def test_a_running_conversion_is_waited_for_and_its_folder_kept(tiny_source):
    source, _, calls = tiny_source
    folder = gguf_cache.cache_folder(source)
    result = []
    with gguf_cache.conversion_lock(folder):  # another conversion holds the lock ...
        running = folder.parent / f".partial-{folder.name}-running"
        running.mkdir()  # ... and writes here
        waiter = threading.Thread(target=lambda: result.append(gguf_cache.converted_folder(source, lambda *a: None)))
        waiter.start()
        waiter.join(timeout=1.0)
        assert waiter.is_alive() and running.exists() and calls == []
    waiter.join(timeout=60)
    assert result == [folder] and gguf_cache.is_complete(folder) and len(calls) == 1
    assert not running.exists()  # its holder is gone: a leftover


def test_the_cache_is_readable_by_other_users(tiny_source):
    source, _, _ = tiny_source
    folder = gguf_cache.converted_folder(source, lambda *a: None)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert {stat.S_IMODE(path.stat().st_mode) for path in folder.iterdir()} == {0o644}


def test_an_unusable_cache_location_is_reported_before_reading_the_gguf(tiny_source, monkeypatch, tmp_path):
    source, _, calls = tiny_source
    (tmp_path / "a-file").write_text("not a folder")
    monkeypatch.setenv("ATTNVIZ_CACHE", str(tmp_path / "a-file" / "cache"))
    start = time.perf_counter()
    with pytest.raises(attnviz.ModelLoadError, match="ATTNVIZ_CACHE") as err:
        gguf_cache.converted_folder(source, lambda *a: None)
    assert time.perf_counter() - start < 2 and calls == []
    assert "ATTNVIZ_CACHE" in err.value.message("zh") and "缓存" in err.value.message("zh")


def test_a_damaged_cache_that_cannot_be_removed_is_reported_before_reading_the_gguf(tiny_source, monkeypatch):
    source, _, calls = tiny_source
    folder = gguf_cache.converted_folder(source, lambda *a: None)
    (folder / NATIVE_CONFIG).write_text("{}")

    def refuse(path, *args, **kwargs):  # as for a folder another user converted with mode 0700
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(gguf_cache.shutil, "rmtree", refuse)
    with pytest.raises(attnviz.ModelLoadError, match="ATTNVIZ_CACHE"):
        gguf_cache.converted_folder(source, lambda *a: None)
    assert len(calls) == 1


def _data_start(weights: Path) -> int:
    return 8 + int.from_bytes(weights.read_bytes()[:8], "little")


def _overwrite(weights: Path, data: bytes) -> None:
    with open(weights, "r+b") as file:
        file.seek(_data_start(weights) + 1024)
        file.write(data)


def _edit_manifest_size(folder: Path, name: str) -> None:
    """Make the manifest agree with the file's new size, as a copy or sync tool that rewrites it would."""
    manifest = json.loads((folder / gguf_cache.MANIFEST).read_text())
    files = manifest["files"]
    if isinstance(files[name], dict):
        files[name]["size"] = (folder / name).stat().st_size
    else:  # the manifest of format 2 held sizes only
        files[name] = (folder / name).stat().st_size
    (folder / gguf_cache.MANIFEST).write_text(json.dumps(manifest))


def _truncate_and_edit_manifest(folder: Path) -> None:
    weights = folder / "model.safetensors"
    with open(weights, "r+b") as file:
        file.truncate(weights.stat().st_size - 4096)
    _edit_manifest_size(folder, "model.safetensors")


def _edit_config(folder: Path) -> None:
    config = json.loads((folder / NATIVE_CONFIG).read_text())
    (folder / NATIVE_CONFIG).write_text(json.dumps(config | {"n_layers": 100000}))
    _edit_manifest_size(folder, NATIVE_CONFIG)


DAMAGES = {
    "64 KiB of 0xFF in the weights": lambda folder: _overwrite(folder / "model.safetensors", b"\xff" * 65536),
    "4 MiB of zeros in the weights": lambda folder: _overwrite(folder / "model.safetensors", bytes(4 << 20)),
    "a truncated weights file with an edited manifest": _truncate_and_edit_manifest,
    "n_layers 100000 in the cached config": _edit_config,
}


@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
def test_a_damaged_cache_is_detected_and_converted_again(tiny_source, monkeypatch, damage):
    source, hf, calls = tiny_source
    folder = gguf_cache.converted_folder(source, lambda *a: None)
    assert (folder / "model.safetensors").stat().st_size > _data_start(folder / "model.safetensors") + (5 << 20)
    DAMAGES[damage](folder)
    start = time.perf_counter()
    assert not gguf_cache.is_complete(folder)
    assert gguf_cache.converted_folder(source, lambda *a: None) == folder and len(calls) == 2
    model = attnviz.load_model(folder, device="cpu")
    assert time.perf_counter() - start < 30
    cap = model.run_with_capture("The animal didn't cross the street.")
    pattern, logits, _ = hf_run(hf, cap.token_ids)
    assert_close(cap.pattern.full(), pattern, rtol=0, atol=1e-5)
    assert relative_error(cap.logits, logits) <= 1e-4


def test_the_hashes_are_checked_once_per_process_and_again_after_a_change(tiny_source, monkeypatch):
    source, _, _ = tiny_source
    folder = gguf_cache.converted_folder(source, lambda *a: None)
    gguf_cache._verified.clear()  # as in a fresh process
    hashed = []
    real = gguf_cache.sha256
    monkeypatch.setattr(gguf_cache, "sha256", lambda path: hashed.append(path.name) or real(path))
    assert all(gguf_cache.is_complete(folder) for _ in range(3))
    assert sorted(hashed) == sorted(json.loads((folder / gguf_cache.MANIFEST).read_text())["files"])
    _overwrite(folder / "model.safetensors", b"\xff" * 16)
    assert not gguf_cache.is_complete(folder)


def test_cache_root_is_the_user_cache_dir_unless_overridden(monkeypatch, tmp_path):
    import platformdirs

    monkeypatch.delenv("ATTNVIZ_CACHE", raising=False)
    assert gguf_cache.cache_root() == gguf_cache.Path(platformdirs.user_cache_dir("attnviz"))
    monkeypatch.setenv("ATTNVIZ_CACHE", str(tmp_path))
    assert gguf_cache.cache_root() == tmp_path

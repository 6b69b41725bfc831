"""A model folder is never trusted: every way of damaging one gives a ModelLoadError, or a model that works.

Tiny seeded random BERT, GPT-2 and Llama folders (saved by Hugging Face with
``save_pretrained(safe_serialization=True)``, with a tokenizer) are damaged one way at a
time: each file deleted, emptied, truncated or overwritten; bad JSON; missing, zero,
negative, huge and mistyped sizes; wrong shapes; NaN, ±inf and non-float weights. Each
load must raise ``attnviz.ModelLoadError`` (never another exception type), naming the
file, in both languages, or load a model whose first capture works.
"""

from __future__ import annotations

import json
import shutil
import struct
import time
from pathlib import Path

import pytest
import torch
from bert_helpers import tiny_bert_pair
from decoder_helpers import tiny_gpt2_pair, tiny_llama_pair
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file, save_file
from torch.testing import assert_close

import attnviz
from attnviz import loading
from attnviz.loading import model_key

SENTENCE = "The animal didn't cross the street because it was too tired."
FAMILIES = ("bert", "gpt2", "llama")
LAYERS_KEY = {"bert": "num_hidden_layers", "gpt2": "n_layer", "llama": "num_hidden_layers"}
HEADS_KEY = {"bert": "num_attention_heads", "gpt2": "n_head", "llama": "num_attention_heads"}
WIDTH_KEY = {"bert": "hidden_size", "gpt2": "n_embd", "llama": "hidden_size"}
VOCAB_KEY = "vocab_size"


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """One valid tiny folder per family, saved as Hugging Face saves a model."""
    made = {}
    for family, make in (("bert", tiny_bert_pair), ("gpt2", tiny_gpt2_pair), ("llama", tiny_llama_pair)):
        hf, ours = make(11)
        folder = tmp_path_factory.mktemp(family) / f"tiny-{family}"
        hf.save_pretrained(folder, safe_serialization=True)
        ours.tokenizer.save_pretrained(folder)
        made[family] = folder
    return made


def copy_of(folders: dict[str, Path], family: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(folders[family], tmp_path / f"copy-{family}"))


def load_or_refuse(folder: Path) -> attnviz.HookedTransformer | attnviz.ModelLoadError:
    """Load ``folder``: a ModelLoadError (with both languages' messages) or a model whose capture works."""
    try:
        model = attnviz.load_model(folder, device="cpu")
    except attnviz.ModelLoadError as err:
        assert isinstance(err, ValueError)
        assert str(folder) in str(err) and str(folder) in err.message("zh")
        assert err.message("zh") != str(err) and any("\u4e00" <= char <= "\u9fff" for char in err.message("zh"))
        return err
    cap = model.run_with_capture(SENTENCE)
    assert cap.pattern.isfinite().all()
    assert_close(cap.pattern.sum(-1), torch.ones(cap.n_layers, cap.n_heads, cap.n_tokens), rtol=1e-5, atol=1e-4)
    assert all(param.dtype == torch.float32 for param in model.network.parameters())
    return model


def edit_config(folder: Path, **changes) -> None:
    config = json.loads((folder / "config.json").read_text())
    for key, value in changes.items():
        if value is DELETE:
            config.pop(key, None)
        else:
            config[key] = value
    (folder / "config.json").write_text(json.dumps(config))


def edit_weights(folder: Path, change) -> None:
    state = load_file(folder / "model.safetensors")
    change(state)
    save_file(state, folder / "model.safetensors", metadata={"format": "pt"})


def first_matrix(state: dict[str, torch.Tensor]) -> str:
    return next(name for name, tensor in state.items() if tensor.ndim == 2)


DELETE = object()
CONFIG_DAMAGES = {
    "zero heads": lambda f, fam: edit_config(f, **{HEADS_KEY[fam]: 0}),
    "negative layers": lambda f, fam: edit_config(f, **{LAYERS_KEY[fam]: -2}),
    "negative width": lambda f, fam: edit_config(f, **{WIDTH_KEY[fam]: -32}),
    "a million layers": lambda f, fam: edit_config(f, **{LAYERS_KEY[fam]: 1_000_000}),
    "huge vocabulary": lambda f, fam: edit_config(f, **{VOCAB_KEY: 10**12}),
    "huge width": lambda f, fam: edit_config(f, **{WIDTH_KEY[fam]: 2**40}),
    "layers as text": lambda f, fam: edit_config(f, **{LAYERS_KEY[fam]: "2"}),
    "layers as a fraction": lambda f, fam: edit_config(f, **{LAYERS_KEY[fam]: 2.5}),
    "layers null": lambda f, fam: edit_config(f, **{LAYERS_KEY[fam]: None}),
    "one layer more": lambda f, fam: edit_config(f, **{LAYERS_KEY[fam]: 3}),
    "one layer fewer": lambda f, fam: edit_config(f, **{LAYERS_KEY[fam]: 1}),
    "heads not dividing the width": lambda f, fam: edit_config(f, **{HEADS_KEY[fam]: 5}),
    "no model_type": lambda f, fam: edit_config(f, model_type=DELETE),
    "model_type a number": lambda f, fam: edit_config(f, model_type=7),
    "another model_type": lambda f, fam: edit_config(f, model_type="t5"),
    "no layer count": lambda f, fam: edit_config(f, **{LAYERS_KEY[fam]: DELETE}),
    "no vocabulary size": lambda f, fam: edit_config(f, **{VOCAB_KEY: DELETE}),
    "smaller vocabulary": lambda f, fam: edit_config(f, **{VOCAB_KEY: 100}),
    "bad JSON": lambda f, fam: (f / "config.json").write_text('{"model_type": "bert",'),
    "a JSON list": lambda f, fam: (f / "config.json").write_text("[1, 2, 3]"),
    "not UTF-8": lambda f, fam: (f / "config.json").write_bytes(b"\xff\xfe{\x00"),
    "a folder named config.json": lambda f, fam: ((f / "config.json").unlink(), (f / "config.json").mkdir()),
}
WEIGHT_DAMAGES = {
    "NaN in a weight": lambda f, fam: edit_weights(f, lambda s: s[first_matrix(s)].view(-1).__setitem__(3, float("nan"))),
    "inf in a weight": lambda f, fam: edit_weights(f, lambda s: s[first_matrix(s)].view(-1).__setitem__(3, float("-inf"))),
    "an integer weight": lambda f, fam: edit_weights(f, lambda s: s.__setitem__(first_matrix(s), s[first_matrix(s)].to(torch.int32))),
    "a transposed weight": lambda f, fam: edit_weights(f, lambda s: s.__setitem__(first_matrix(s), s[first_matrix(s)].T.contiguous())),
    "a missing weight": lambda f, fam: edit_weights(f, lambda s: s.pop(first_matrix(s))),
    "an extra weight": lambda f, fam: edit_weights(f, lambda s: s.__setitem__("surprise.weight", torch.zeros(3))),
    "float16 weights": lambda f, fam: edit_weights(f, lambda s: s.update({k: v.half() for k, v in s.items() if v.is_floating_point()})),
    "mixed bfloat16 and float64": lambda f, fam: edit_weights(
        f, lambda s: s.update({k: (v.bfloat16() if i % 2 else v.double()) for i, (k, v) in enumerate(s.items()) if v.is_floating_point()})
    ),
    "a header length beyond the file": lambda f, fam: _patch_header_length(f / "model.safetensors", 2**40),
    "a header that is not JSON": lambda f, fam: _patch_header_bytes(f / "model.safetensors", b"{not json"),
    "an index naming a file outside": lambda f, fam: _sharded_outside(f),
    "pickled weights only": lambda f, fam: ((f / "model.safetensors").unlink(), (f / "pytorch_model.bin").write_bytes(b"pickle")),
}
FOLDER_DAMAGES = {
    "no tokenizer files": lambda f, fam: [p.unlink() for p in f.iterdir() if "token" in p.name or p.name in ("vocab.txt", "vocab.json", "merges.txt")],
    "a garbage tokenizer.json": lambda f, fam: (f / "tokenizer.json").write_text("{]"),
    "a tokenizer.json of another vocabulary": lambda f, fam: _foreign_tokenizer(f),
}


def _patch_header_length(weights_file: Path, length: int) -> None:
    data = bytearray(weights_file.read_bytes())
    data[:8] = struct.pack("<Q", length)
    weights_file.write_bytes(bytes(data))


def _patch_header_bytes(weights_file: Path, garbage: bytes) -> None:
    data = bytearray(weights_file.read_bytes())
    data[8 : 8 + len(garbage)] = garbage
    weights_file.write_bytes(bytes(data))


def _sharded_outside(folder: Path) -> None:
    (folder / "model.safetensors").rename(folder.parent / "elsewhere.safetensors")
    index = {"metadata": {}, "weight_map": {"x": "../elsewhere.safetensors"}}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))


def _foreign_tokenizer(folder: Path) -> None:
    from attnviz.loading.registry import model_folder

    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(model_folder("minilm") / name, folder / name)  # 30,522 tokens: more than the tiny GPT-2/Llama embed


ALL_DAMAGES = CONFIG_DAMAGES | WEIGHT_DAMAGES | FOLDER_DAMAGES
MUST_REFUSE = set(ALL_DAMAGES) - {"float16 weights", "mixed bfloat16 and float64", "smaller vocabulary", "no vocabulary size", "a tokenizer.json of another vocabulary"}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("damage", ALL_DAMAGES, ids=list(ALL_DAMAGES))
def test_a_damaged_folder_is_refused_with_a_model_load_error_or_works(folders, tmp_path, family, damage):
    folder = copy_of(folders, family, tmp_path)
    ALL_DAMAGES[damage](folder, family)
    outcome = load_or_refuse(folder)
    if damage in MUST_REFUSE:
        assert isinstance(outcome, attnviz.ModelLoadError), f"{damage} loaded"


@pytest.mark.parametrize("family", FAMILIES)
def test_every_file_deleted_emptied_truncated_or_overwritten(folders, tmp_path, family):
    names = sorted(path.name for path in folders[family].iterdir())
    assert {"config.json", "model.safetensors"} <= set(names) and len(names) >= 4
    for name in names:
        for how in ("delete", "empty", "truncate", "overwrite"):
            folder = Path(shutil.copytree(folders[family], tmp_path / f"{name}-{how}"))
            path = folder / name
            if how == "delete":
                path.unlink()
            elif how == "empty":
                path.write_bytes(b"")
            elif how == "truncate":
                path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
            else:
                data = bytearray(path.read_bytes())
                middle = len(data) // 2
                data[middle : middle + 4096] = b"\xff" * len(data[middle : middle + 4096])
                path.write_bytes(bytes(data))
            outcome = load_or_refuse(folder)
            if name in ("config.json", "model.safetensors") and how != "overwrite":
                assert isinstance(outcome, attnviz.ModelLoadError), f"{name} {how}"


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(family=st.sampled_from(FAMILIES), file_index=st.integers(0, 20), position=st.floats(0, 1), garbage=st.binary(min_size=1, max_size=64))
def test_random_bytes_anywhere_never_give_another_exception(folders, tmp_path_factory, family, file_index, position, garbage):
    folder = Path(shutil.copytree(folders[family], tmp_path_factory.mktemp("fuzz") / "model"))
    files = sorted(folder.iterdir())
    path = files[file_index % len(files)]
    data = bytearray(path.read_bytes())
    at = int(position * len(data))
    data[at : at + len(garbage)] = garbage
    path.write_bytes(bytes(data))
    load_or_refuse(folder)


def test_nan_weights_are_refused_naming_the_tensor(folders, tmp_path):
    folder = copy_of(folders, "gpt2", tmp_path)
    edit_weights(folder, lambda s: s["transformer.h.1.mlp.c_fc.weight"].view(-1).__setitem__(7, float("nan")))
    with pytest.raises(attnviz.ModelLoadError, match=r"h\.1\.mlp\.c_fc\.weight.*NaN") as err:
        attnviz.load_model(folder, device="cpu")
    assert "model.safetensors" in str(err.value) and "h.1.mlp.c_fc.weight" in err.value.message("zh")


def test_a_folder_without_a_tokenizer_is_refused(folders, tmp_path):
    folder = copy_of(folders, "bert", tmp_path)
    for path in folder.iterdir():
        if path.name not in ("config.json", "model.safetensors"):
            path.unlink()
    with pytest.raises(attnviz.ModelLoadError, match="no tokenizer files") as err:
        attnviz.load_model(folder, device="cpu")
    assert "分词器" in err.value.message("zh")


def test_half_precision_weights_load_as_float32_with_the_same_numbers(folders, tmp_path):
    reference = attnviz.load_model(folders["llama"], device="cpu").run_with_capture(SENTENCE)
    folder = copy_of(folders, "llama", tmp_path)
    edit_weights(folder, lambda s: s.update({k: v.bfloat16() for k, v in s.items()}))
    model = attnviz.load_model(folder, device="cpu")
    assert all(param.dtype == torch.float32 for param in model.network.parameters())
    assert_close(model.run_with_capture(SENTENCE).pattern.full(), reference.pattern.full(), rtol=0, atol=0.05)


@pytest.mark.parametrize("family", FAMILIES)
def test_huge_sizes_are_refused_within_two_seconds_before_any_weight_is_read(folders, tmp_path, family, monkeypatch):
    monkeypatch.setattr(loading, "read_tensors", lambda *a, **k: pytest.fail("weights read before the sizes were checked"))
    for layers in (1_000_000, 500):  # beyond the limit; within it, but not in the file
        folder = Path(shutil.copytree(folders[family], tmp_path / f"layers-{layers}"))
        edit_config(folder, **{LAYERS_KEY[family]: layers})
        start = time.perf_counter()
        with pytest.raises(attnviz.ModelLoadError, match="n_layers|missing") as err:
            attnviz.load_model(folder, device="cpu")
        assert time.perf_counter() - start < 2, layers
        assert "config.json" in str(err.value) or "model.safetensors" in str(err.value)


def test_a_native_folder_with_a_huge_layer_count_is_refused_within_two_seconds(folders, tmp_path, monkeypatch):
    from attnviz.loading.native import NATIVE_CONFIG, write_native
    from attnviz.model.config import ModelConfig

    model = attnviz.load_model(folders["llama"], device="cpu")
    folder = tmp_path / "native"
    folder.mkdir()
    write_native(folder, model.config, model.network.state_dict())
    model.tokenizer.save_pretrained(folder)
    assert attnviz.load_model(folder, device="cpu").config == ModelConfig(**{**model.config.__dict__, "name": "native"})
    fields = json.loads((folder / NATIVE_CONFIG).read_text())
    monkeypatch.setattr(loading, "read_tensors", lambda *a, **k: pytest.fail("weights read before the sizes were checked"))
    for layers in (100_000, 300):
        (folder / NATIVE_CONFIG).write_text(json.dumps(fields | {"n_layers": layers}))
        start = time.perf_counter()
        with pytest.raises(attnviz.ModelLoadError, match=NATIVE_CONFIG if layers > 512 else "n_layers 300"):
            attnviz.load_model(folder, device="cpu")
        assert time.perf_counter() - start < 2, layers


def test_spellings_of_one_folder_are_one_model(folders, monkeypatch):
    folder = folders["bert"]
    monkeypatch.chdir(folder.parent)
    spellings = [str(folder), f"{folder}/", f"{folder}/.", f"{folder}/../{folder.name}", folder.name, f"./{folder.name}/"]
    assert len({model_key(spelling) for spelling in spellings}) == 1
    names = {attnviz.load_model(spelling, device="cpu").config.name for spelling in spellings[:3]}
    assert names == {folder.name}
    assert model_key("minilm") == "minilm"

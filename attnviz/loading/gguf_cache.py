"""The one-time conversion of a bundled GGUF model into a safetensors folder in the cache.

Reading a quantised GGUF file means parsing its metadata and dequantising every tensor:
about half a minute. The result is written once, in attnviz's own folder format
(``attnviz.loading.native``: float32 weights already in attnviz's layout, the
``ModelConfig``, the tokenizer files), which later loads in about a second.

The cache directory is ``$ATTNVIZ_CACHE`` or the platform's user cache directory
(``platformdirs``). A half-written folder is never used: the conversion writes into a
``.partial-*`` folder, writes a manifest (every file with its size and SHA-256) last, and
renames the folder into place, which is atomic. Before a folder is used, every file's
SHA-256 is checked against the manifest (once per process and folder: the result is
kept while the files' sizes, times and inodes stay the same); a folder that fails is
converted again. The folder is written readable by everyone (0755/0644), so a server
running as another user can use it.

One conversion at a time per cache folder: the converter holds an exclusive
``fcntl.flock`` on a lock file beside it. The lock dies with its process, so any
``.partial-*`` folder found while holding it was left by a killed conversion and is removed.

Transformers reads the config and the tokenizer from the GGUF file; the weights are
dequantised here, tensor by tensor with the ``gguf`` package, so that the conversion can
report its progress.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

import numpy as np
import platformdirs
import torch

from attnviz.errors import ConfigError, ModelLoadError, Text, WeightsMismatchError
from attnviz.loading.llama import convert_llama
from attnviz.loading.native import write_native
from attnviz.loading.weights import is_finite, reading
from attnviz.model.config import ModelConfig

FORMAT_VERSION = 3  # 2: weights stored as nn.Linear stores them, [out, in]; 3: SHA-256 in the manifest
MANIFEST = "attnviz-cache.json"
Progress = Callable[[float, str], None]
log = logging.getLogger(__name__)
_verified: dict[str, tuple] = {}  # folder -> the stat signature of its files when their hashes were checked

GGUF_TO_HF = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
GGUF_BLOCK_TO_HF = {
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
}
BLOCK_TENSOR = re.compile(r"^blk\.(\d+)\.(\w+)\.weight$")


def cache_root() -> Path:
    """``$ATTNVIZ_CACHE`` if set, else the platform's user cache directory for attnviz."""
    return Path(os.environ.get("ATTNVIZ_CACHE") or platformdirs.user_cache_dir("attnviz")).expanduser()


def cache_folder(source: Path) -> Path:
    """Where the conversion of ``source`` lives: named by file name, size and converter version."""
    return cache_root() / f"{source.stem}-{source.stat().st_size}-v{FORMAT_VERSION}"


def is_complete(folder: Path) -> bool:
    """True when ``folder`` holds a finished, undamaged conversion.

    That is: a manifest of this ``FORMAT_VERSION`` whose files all exist with their sizes
    and SHA-256 hashes. The hashes are computed once per process and folder (about a
    second for SmolLM2); the result is kept while no file's size, mtime or inode changes.
    """
    try:
        files = json.loads((folder / MANIFEST).read_text())
        if files["version"] != FORMAT_VERSION:
            return False
        files = files["files"]
        signature = _signature(folder, files)
        if _verified.get(str(folder)) == signature:
            return True
        if any(Path(name).name != name or (folder / name).stat().st_size != entry["size"] for name, entry in files.items()):
            return False
        damaged = [name for name, entry in files.items() if sha256(folder / name) != entry["sha256"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    if damaged:
        log.warning("the cache folder %s is damaged (%s differ from their hashes): converting again", folder, ", ".join(damaged))
        return False
    _verified[str(folder)] = signature
    return True


def _signature(folder: Path, files) -> tuple:
    stats = [(name, (folder / name).stat()) for name in [MANIFEST, *files]]
    return tuple((name, st.st_size, st.st_mtime_ns, st.st_ino) for name, st in stats)


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def converted_folder(source: Path, progress: Progress | None = None) -> Path:
    """The converted folder of the GGUF file ``source``, converting it first if needed.

    Args:
        source: a GGUF file of the Llama architecture.
        progress: called as ``progress(fraction, stage)`` with fraction in [0, 1] and stage
            one of "config", "tokenizer", "weights", "write", "done"; default: a tqdm bar
            on the terminal.

    Raises:
        ModelLoadError: naming the cache folder when it cannot be read or written by this
            user (before the GGUF file is read; the message says to set ``$ATTNVIZ_CACHE``),
            or naming the GGUF file when it is damaged, not a Llama model, or holds a tensor
            the converter does not know or NaN/±inf values.
    """
    folder = cache_folder(source)
    if is_complete(folder):
        return folder
    with conversion_lock(folder):
        if is_complete(folder):  # another process converted it while we waited
            return folder
        with cache_access(folder.parent):
            for stale in folder.parent.glob(f".partial-{folder.name}-*"):  # no conversion runs: we hold the lock
                shutil.rmtree(stale)
            if folder.exists():
                log.warning("removing the incomplete or damaged cache folder %s and converting again", folder)
                shutil.rmtree(folder)
            partial = Path(tempfile.mkdtemp(prefix=f".partial-{folder.name}-", dir=folder.parent))
        try:
            report = progress or TerminalProgress(f"attnviz: converting {source.name} once")
            with reading(source):
                hf_config, tokenizer, hf_state = read_gguf(source, report)
                cfg = ModelConfig.from_hf(hf_config)
                state = convert_llama(hf_state, cfg)
            for name, tensor in state.items():
                if not is_finite(tensor):
                    raise ModelLoadError(path=str(source), problem=Text("load_not_finite", tensor=name))
            with cache_access(folder.parent):
                write_cache(partial, folder, cfg, tokenizer, state, report)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
    for old in folder.parent.glob(f"{source.stem}-*-v*"):  # conversions by other converter versions
        if old != folder and (old / MANIFEST).is_file():
            shutil.rmtree(old, ignore_errors=True)
    return folder


@contextmanager
def cache_access(root: Path) -> Iterator[None]:
    """Turn an ``OSError`` in the cache directory into a ``ModelLoadError`` that says to set ``$ATTNVIZ_CACHE``."""
    try:
        yield
    except OSError as exc:
        detail = f"{type(exc).__name__}: {exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else "")
        raise ModelLoadError(path=str(root), problem=Text("load_cache_unwritable", detail=detail)) from None


@contextmanager
def conversion_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder``'s conversion (``fcntl.flock``; waits for another holder).

    The kernel releases the lock when its holder dies, so it cannot go stale.

    Raises:
        ModelLoadError: when the cache directory cannot be created or the lock file opened.
    """
    with cache_access(folder.parent):
        folder.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
        descriptor = os.open(folder.parent / f".{folder.name}.lock", os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def read_gguf(source: Path, report: Progress):
    """The Hugging Face ``LlamaConfig``, tokenizer and float32 state dict of a GGUF file.

    Raises:
        ConfigError: when the file is not a Llama model.
    """
    from transformers import AutoConfig, AutoTokenizer

    report(0.0, "config")
    config = AutoConfig.from_pretrained(source.parent, gguf_file=source.name, local_files_only=True, trust_remote_code=False)
    if config.model_type != "llama":
        raise ConfigError(field="model_type", value=f"{config.model_type} (attnviz converts Llama GGUF files)")
    report(0.3, "tokenizer")
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name, local_files_only=True, trust_remote_code=False)
    report(0.5, "weights")
    state = dequantize_llama(source, config.num_attention_heads, config.num_key_value_heads, lambda f: report(0.5 + 0.4 * f, "weights"))
    return config, tokenizer, state


def dequantize_llama(source: Path, n_heads: int, n_kv_heads: int, on_progress: Callable[[float], None]) -> dict[str, torch.Tensor]:
    """Every tensor of a Llama GGUF file, dequantised to float32, under Hugging Face's names.

    llama.cpp stores the rows of q and k with each rotary pair (i, i + d/2) moved next to
    each other (2i, 2i + 1); ``unpermute_rotary_rows`` moves them back.

    Raises:
        WeightsMismatchError: for a tensor name without a Hugging Face counterpart.
    """
    import gguf

    reader = gguf.GGUFReader(source)
    state = {}
    for i, tensor in enumerate(reader.tensors):
        name = hf_name(tensor.name)
        values = np.asarray(gguf.quants.dequantize(tensor.data, tensor.tensor_type), dtype=np.float32)
        weight = torch.from_numpy(values.copy() if not values.flags.writeable else values)  # [out, in]
        if name.endswith("q_proj.weight"):
            weight = unpermute_rotary_rows(weight, n_heads)
        elif name.endswith("k_proj.weight"):
            weight = unpermute_rotary_rows(weight, n_kv_heads)
        state[name] = weight.contiguous()
        on_progress((i + 1) / len(reader.tensors))
    return state


def hf_name(gguf_name: str) -> str:
    """Hugging Face's Llama name for a GGUF tensor name, e.g. ``blk.3.attn_q.weight`` -> ``model.layers.3.self_attn.q_proj.weight``.

    Raises:
        WeightsMismatchError: for a name the converter does not know.
    """
    if gguf_name in GGUF_TO_HF:
        return GGUF_TO_HF[gguf_name]
    match = BLOCK_TENSOR.match(gguf_name)
    if match is None or match.group(2) not in GGUF_BLOCK_TO_HF:
        raise WeightsMismatchError(detail=f"unexpected GGUF tensor {gguf_name!r}")
    return f"model.layers.{match.group(1)}.{GGUF_BLOCK_TO_HF[match.group(2)]}.weight"


def unpermute_rotary_rows(weight: torch.Tensor, n_heads: int) -> torch.Tensor:
    """Undo llama.cpp's row order of a q or k projection ``[head·d_head, d_model]``.

    Per head, llama.cpp orders the rows as pairs (0, d/2), (1, d/2 + 1), ...; Hugging Face
    (and ``attnviz.model.attention.apply_rope``) wants the first halves, then the second halves.
    """
    d_half = weight.shape[0] // n_heads // 2
    return weight.reshape(n_heads, d_half, 2, -1).transpose(1, 2).reshape(weight.shape)


def write_cache(partial: Path, folder: Path, cfg: ModelConfig, tokenizer, state: dict[str, torch.Tensor], report: Progress) -> None:
    """Write a converted model (attnviz layout) into the empty folder ``partial``, then rename it to ``folder``.

    Every file is made readable by all (0644, the folder 0755); the manifest, with each
    file's size and SHA-256, is written last. The caller holds ``conversion_lock(folder)``
    and has removed any old ``folder``, so the rename is atomic and replaces nothing.
    """
    report(0.9, "write")
    tokenizer.save_pretrained(partial)
    write_native(partial, cfg, state)
    files = {}
    for path in sorted(partial.iterdir()):
        path.chmod(0o644)
        files[path.name] = {"size": path.stat().st_size, "sha256": sha256(path)}
    (partial / MANIFEST).write_text(json.dumps({"version": FORMAT_VERSION, "files": files}, indent=1))
    (partial / MANIFEST).chmod(0o644)
    partial.chmod(0o755)
    partial.rename(folder)
    _verified[str(folder)] = _signature(folder, files)
    report(1.0, "done")


class TerminalProgress:
    """A tqdm bar in percent on the terminal (stderr), for ``progress(fraction, stage)``."""

    def __init__(self, description: str):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=100, desc=description, unit="%")
        self.stage = ""

    def __call__(self, fraction: float, stage: str) -> None:
        if stage != self.stage:
            self.stage = stage
            self.bar.set_postfix_str(stage, refresh=False)
        if round(100 * fraction) > self.bar.n:
            self.bar.update(round(100 * fraction) - self.bar.n)
        if fraction >= 1:
            self.bar.close()

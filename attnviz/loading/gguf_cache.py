"""The one-time conversion of a bundled GGUF model into a safetensors folder in the cache.

Reading a quantised GGUF file means parsing its metadata and dequantising every tensor:
about half a minute. The result is written once, in attnviz's own folder format
(``attnviz.loading.native``: float32 weights already in attnviz's layout, the
``ModelConfig``, the tokenizer files), which later loads in about a second.

The cache directory is ``$ATTNVIZ_CACHE`` or the platform's user cache directory
(``platformdirs``). A half-written folder is never used: the conversion writes into a
``.partial-*`` folder, writes a manifest (every file with its size) last, and renames the
folder into place, which is atomic; a folder without a valid manifest is converted again.

Transformers reads the config and the tokenizer from the GGUF file; the weights are
dequantised here, tensor by tensor with the ``gguf`` package, so that the conversion can
report its progress.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np
import platformdirs
import torch

from attnviz.config import ModelConfig
from attnviz.errors import ConfigError, WeightsMismatchError
from attnviz.loading.llama import convert_llama
from attnviz.loading.native import write_native

FORMAT_VERSION = 2  # 2: weights stored as nn.Linear stores them, [out, in]
MANIFEST = "attnviz-cache.json"
Progress = Callable[[float, str], None]
log = logging.getLogger(__name__)

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
    """True when ``folder`` holds a finished conversion: a manifest whose files all exist with their sizes."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        return manifest["version"] == FORMAT_VERSION and all(
            (folder / name).stat().st_size == size for name, size in manifest["files"].items()
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def converted_folder(source: Path, progress: Progress | None = None) -> Path:
    """The converted folder of the GGUF file ``source``, converting it first if needed.

    Args:
        source: a GGUF file of the Llama architecture.
        progress: called as ``progress(fraction, stage)`` with fraction in [0, 1] and stage
            one of "config", "tokenizer", "weights", "write", "done"; default: a tqdm bar
            on the terminal.

    Raises:
        ConfigError: for a GGUF file of another architecture.
        WeightsMismatchError: for a tensor the Llama converter does not know.
        OSError: when the cache directory cannot be written (set ``ATTNVIZ_CACHE`` to a writable folder).
    """
    folder = cache_folder(source)
    if is_complete(folder):
        return folder
    report = progress or TerminalProgress(f"attnviz: converting {source.name} once")
    hf_config, tokenizer, hf_state = read_gguf(source, report)
    cfg = ModelConfig.from_hf(hf_config)
    write_cache(folder, cfg, tokenizer, convert_llama(hf_state, cfg), report)
    for old in folder.parent.glob(f"{source.stem}-*-v*"):  # conversions by other converter versions
        if old != folder and (old / MANIFEST).is_file():
            shutil.rmtree(old, ignore_errors=True)
    return folder


def read_gguf(source: Path, report: Progress):
    """The Hugging Face ``LlamaConfig``, tokenizer and float32 state dict of a GGUF file.

    Raises:
        ConfigError: when the file is not a Llama model.
    """
    from transformers import AutoConfig, AutoTokenizer

    report(0.0, "config")
    config = AutoConfig.from_pretrained(source.parent, gguf_file=source.name, local_files_only=True)
    if config.model_type != "llama":
        raise ConfigError(field="model_type", value=f"{config.model_type} (attnviz converts Llama GGUF files)")
    report(0.3, "tokenizer")
    tokenizer = AutoTokenizer.from_pretrained(source.parent, gguf_file=source.name, local_files_only=True)
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
    (and ``attnviz.attention.apply_rope``) wants the first halves, then the second halves.
    """
    d_half = weight.shape[0] // n_heads // 2
    return weight.reshape(n_heads, d_half, 2, -1).transpose(1, 2).reshape(weight.shape)


def write_cache(folder: Path, cfg: ModelConfig, tokenizer, state: dict[str, torch.Tensor], report: Progress) -> None:
    """Write a converted model (attnviz layout) to ``folder`` atomically: a temporary folder, the manifest last, a rename.

    If another process finished the same folder first, its result is kept and ours dropped.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_partials(folder)
    partial = Path(tempfile.mkdtemp(prefix=f".partial-{folder.name}-{os.getpid()}-", dir=folder.parent))
    try:
        report(0.9, "write")
        tokenizer.save_pretrained(partial)
        write_native(partial, cfg, state)
        files = {p.name: p.stat().st_size for p in sorted(partial.iterdir())}
        (partial / MANIFEST).write_text(json.dumps({"version": FORMAT_VERSION, "files": files}, indent=1))
        if folder.exists() and not is_complete(folder):
            log.warning("removing the incomplete cache folder %s and converting again", folder)
            shutil.rmtree(folder)
        try:
            partial.rename(folder)
        except OSError:
            if not is_complete(folder):
                raise
        report(1.0, "done")
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def remove_stale_partials(folder: Path) -> None:
    """Delete ``.partial-*`` folders of ``folder`` left by conversions whose process is gone."""
    for partial in folder.parent.glob(f".partial-{folder.name}-*"):
        pid = partial.name.removeprefix(f".partial-{folder.name}-").split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(partial, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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

"""The strict key and shape check every converter runs before it maps a checkpoint."""

from __future__ import annotations

import re
from pathlib import Path

import torch

from attnviz.errors import ModelLoadError, Text, WeightsMismatchError

# The files a Hugging Face tokenizer is read from: fast (tokenizer.json), WordPiece (vocab.txt), byte-level BPE
# (vocab.json with merges.txt), SentencePiece (Llama's tokenizer.model, T5's spiece.model, XLM's, Marian's source.spm)
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "tokenizer.model", "spiece.model", "sentencepiece.bpe.model", "source.spm")


def require_tokenizer_files(folder: Path, files: tuple[str, ...] = TOKENIZER_FILES) -> None:
    """Raise ``ModelLoadError`` ("load_no_tokenizer") unless ``folder`` holds one of ``files``: without them
    ``AutoTokenizer`` would build an empty tokenizer from the config's model type (every text two tokens)."""
    if not any((folder / file).is_file() for file in files):
        raise ModelLoadError(path=str(folder), problem=Text("load_no_tokenizer"))


def check_keys(state_dict: dict[str, torch.Tensor], shapes: dict[str, tuple[int, ...]], ignored: re.Pattern) -> None:
    """Raise ``WeightsMismatchError`` for missing, unexpected or mis-shaped keys."""
    missing = sorted(set(shapes) - set(state_dict))
    unexpected = sorted(k for k in set(state_dict) - set(shapes) if not ignored.match(k))
    wrong = [f"{k}: {tuple(state_dict[k].shape)} != {shapes[k]}" for k in shapes if k in state_dict and tuple(state_dict[k].shape) != shapes[k]]
    if missing or unexpected or wrong:
        detail = "; ".join(
            part
            for part in (
                f"missing {missing[:5]}" if missing else "",
                f"unexpected {unexpected[:5]}" if unexpected else "",
                f"wrong shape {wrong[:5]}" if wrong else "",
            )
            if part
        )
        raise WeightsMismatchError(detail=detail)


def token_embedding(state_dict: dict[str, torch.Tensor], names: tuple[str, ...]) -> torch.Tensor:
    """The shared token embedding ``[d_vocab, d_model]``, under whichever of its tied ``names`` the checkpoint saved it.

    Raises:
        WeightsMismatchError: when none of them is there.
    """
    for name in names:
        if name in state_dict:
            return state_dict[name]
    raise WeightsMismatchError(detail=f"missing the token embedding (one of {list(names)})")

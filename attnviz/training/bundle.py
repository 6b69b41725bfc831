"""The trained translators on disk: ``assets/toy-seq2seq/`` (the Transformer) and ``assets/toy-rnn/`` (the GRU models).

Writing is for ``scripts/train_seq2seq.py``; reading never trains. Weights are safetensors
only (float32), configs plain JSON.

``toy-seq2seq/``: ``attnviz-seq2seq.json`` ({"config": Seq2SeqConfig.to_json(), "format": 1}),
``model.safetensors``, ``tokenizer.json``, ``manifest.json`` (the seq2seq contract).

``toy-rnn/``: ``config.json`` ({"models": {name: RnnSeq2SeqConfig.to_json()}, "format": 1}),
one ``{name}.safetensors`` per model (``gru``: no attention, ``gru_attention``: Bahdanau),
``tokenizer.json`` (the same character vocabulary), ``manifest.json`` (accuracy by source length).
"""

from __future__ import annotations

import json
from pathlib import Path

from safetensors.torch import load_file, save_file
from tokenizers import Tokenizer
from torch import nn

from attnviz.model.rnn_seq2seq import RnnSeq2Seq, RnnSeq2SeqConfig
from attnviz.model.seq2seq import EncoderDecoder, Seq2SeqConfig

ASSETS = Path(__file__).resolve().parents[2] / "assets"
TOY_SEQ2SEQ = ASSETS / "toy-seq2seq"
TOY_RNN = ASSETS / "toy-rnn"
FORMAT = 1
RNN_MODELS = ("gru", "gru_attention")


def _weights(net: nn.Module) -> dict:
    """The state dict as contiguous float32 tensors, each stored once (safetensors refuses shared memory)."""
    return {name: t.detach().contiguous().clone() for name, t in net.state_dict().items()}


def write_json(path: Path, data: dict) -> None:
    """``data`` as indented UTF-8 JSON (Chinese kept readable)."""
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_toy_seq2seq(folder: Path, net: EncoderDecoder, tok: Tokenizer, manifest: dict) -> None:
    """Write the contract's four files for the Transformer into ``folder`` (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    save_file(_weights(net), str(folder / "model.safetensors"))
    write_json(folder / "attnviz-seq2seq.json", {"config": net.cfg.to_json(), "format": FORMAT})
    tok.save(str(folder / "tokenizer.json"))
    write_json(folder / "manifest.json", manifest)


def read_toy_seq2seq(folder: Path = TOY_SEQ2SEQ) -> tuple[EncoderDecoder, Tokenizer, dict]:
    """(the network in eval mode, its tokenizer, its manifest) from ``folder``.

    Raises FileNotFoundError for a missing file and ValueError for an unknown format or
    weights that do not fit the config (load_state_dict's strict check).
    """
    meta = json.loads((folder / "attnviz-seq2seq.json").read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise ValueError(f"{folder}: unknown format {meta.get('format')!r}; retrain with scripts/train_seq2seq.py")
    net = EncoderDecoder(Seq2SeqConfig.from_json(meta["config"]))
    _load_strict(net, folder / "model.safetensors")
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    return net.eval(), tok, json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def write_toy_rnn(folder: Path, nets: dict[str, RnnSeq2Seq], tok: Tokenizer, manifest: dict) -> None:
    """Write the GRU models (``nets``: name -> model), their configs, the tokenizer and the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, net in nets.items():
        save_file(_weights(net), str(folder / f"{name}.safetensors"))
    write_json(folder / "config.json", {"models": {name: net.cfg.to_json() for name, net in nets.items()}, "format": FORMAT})
    tok.save(str(folder / "tokenizer.json"))
    write_json(folder / "manifest.json", manifest)


def read_toy_rnn(folder: Path = TOY_RNN) -> tuple[dict[str, RnnSeq2Seq], Tokenizer, dict]:
    """(name -> GRU model in eval mode, the tokenizer, the manifest) from ``folder``.

    Raises FileNotFoundError for a missing file and ValueError for an unknown format or
    weights that do not fit a config.
    """
    meta = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise ValueError(f"{folder}: unknown format {meta.get('format')!r}; retrain with scripts/train_seq2seq.py")
    nets = {}
    for name, cfg in meta["models"].items():
        nets[name] = RnnSeq2Seq(RnnSeq2SeqConfig.from_json(cfg))
        _load_strict(nets[name], folder / f"{name}.safetensors")
        nets[name].eval()
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    return nets, tok, json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def _load_strict(net: nn.Module, path: Path) -> None:
    try:
        net.load_state_dict(load_file(str(path)), strict=True)
    except RuntimeError as err:  # missing or unexpected keys, wrong shapes
        raise ValueError(f"{path}: the weights do not fit the config ({err}); retrain with scripts/train_seq2seq.py") from err

"""Capture: what attention took and gave in one run, on the CPU; patterns derived per head on access."""

from __future__ import annotations

import importlib.metadata
import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from jaxtyping import Bool, Float, Int
from safetensors.torch import load as tensors_from_bytes  # safetensors: no pickle
from safetensors.torch import save as tensors_to_bytes

from attnviz.errors import CaptureFileError
from attnviz.model.attention import apply_mask, apply_rope, attention_pattern, attention_scores, rope_cos_sin
from attnviz.model.attention import kv_head_of as _kv_head_of

Index = int | slice | Sequence[int] | torch.Tensor
CAPTURE_FORMAT = "attnviz-capture/1"
HOOK_OF_FIELD = {  # where a run's capture reads each stored field (blocks.{layer}. is prefixed per layer)
    "embed": "embed.hook_embed", "q": "attn.hook_q", "k": "attn.hook_k", "v": "attn.hook_v", "z": "attn.hook_z",
    "attn_out": "hook_attn_out", "resid_post": "hook_resid_post", "stored_resid_mid": "hook_resid_mid",
}  # fmt: skip


def _version() -> str:
    try:
        return importlib.metadata.version("attnviz")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def safe_open_metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors file's header, from its bytes."""
    size = int.from_bytes(data[:8], "little")
    return json.loads(data[8 : 8 + size]).get("__metadata__", {})


@dataclass(frozen=True)
class Unembed:
    """A decoder's final norm and unembedding: logits = Norm_final(resid)·W_U.

    Holds the model's own weight tensors (shared, read-only; not counted in a capture's
    bytes) and applies the functions the model applies, so derived logits equal the run's.

    Attributes:
        rows: ``W_U`` as ``nn.Linear`` stores it, ``[d_vocab, d_model]``.
        norm_weight, norm_bias: the final norm's ``[d_model]`` weight and bias (None for RMSNorm).
        eps: the norm's epsilon.
        rms: True for RMSNorm (Llama), False for LayerNorm (GPT-2).
    """

    rows: Float[torch.Tensor, "d_vocab d_model"]
    norm_weight: Float[torch.Tensor, "d_model"]
    norm_bias: Float[torch.Tensor, "d_model"] | None
    eps: float
    rms: bool

    def __call__(self, resid: Float[torch.Tensor, "pos d_model"]) -> Float[torch.Tensor, "pos d_vocab"]:
        shape = (resid.shape[-1],)
        normed = F.rms_norm(resid, shape, self.norm_weight, self.eps) if self.rms else F.layer_norm(resid, shape, self.norm_weight, self.norm_bias, self.eps)
        return F.linear(normed, self.rows)


class Lazy:
    """A tensor computed on indexing: ``lazy[i, j, rows]`` computes only what it selects.

    Its first ``n_lazy`` dimensions are computed on demand by ``compute``, which gets one
    list of indices per lazy dimension and returns the block they select (the other
    dimensions whole). Indexing follows PyTorch's rules exactly (the index is applied to
    that block with positions made relative to it); a multi-dimensional tensor index (a
    boolean mask over several dimensions) computes everything first. Used as a whole (``torch`` functions,
    methods, arithmetic, ``numpy.asarray``) it computes everything.
    """

    def __init__(self, shape: tuple[int, ...], n_lazy: int, compute: Callable[..., torch.Tensor]):
        self.shape, self._n_lazy, self._compute = torch.Size(shape), n_lazy, compute
        self.dtype = torch.float32

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def dim(self) -> int:
        return len(self.shape)

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    def __len__(self) -> int:
        return self.shape[0]

    def full(self) -> torch.Tensor:
        """Every entry: the whole ``shape``-d tensor."""
        return self[(slice(None),) * self._n_lazy]

    def __getitem__(self, index) -> torch.Tensor:
        index = index if isinstance(index, tuple) else (index,)
        if any(isinstance(part, torch.Tensor) and part.ndim > 1 for part in index):  # e.g. a whole boolean mask
            return self.full()[index]
        index = _expand(index, self.ndim)
        chosen, relative = [], []
        for dim, part in enumerate(index[: self._n_lazy]):
            positions, rel = _positions(part, self.shape[dim])
            chosen.append(positions)
            relative.append(rel)
        return self._compute(*chosen)[tuple(relative) + index[self._n_lazy :]]

    def __getattr__(self, name: str):  # tensor methods (.sum, .mean, .numpy, ...) on the whole
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.full(), name)

    def __array__(self, dtype=None, copy=None):
        array = self.full().numpy()
        return array if dtype is None else array.astype(dtype)

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        def whole(x):
            if isinstance(x, Lazy):
                return x.full()
            if isinstance(x, (list, tuple)):
                return type(x)(whole(item) for item in x)
            return x

        return func(*whole(args), **{k: whole(v) for k, v in (kwargs or {}).items()})

    def __repr__(self) -> str:
        return f"Lazy(shape={tuple(self.shape)})"


def _arith(name: str):
    return lambda self, *other: getattr(self.full(), name)(*other)


for _name in ("add", "radd", "sub", "rsub", "mul", "rmul", "truediv", "rtruediv", "matmul", "rmatmul", "pow", "neg", "abs", "lt", "le", "gt", "ge", "eq", "ne", "iter"):
    setattr(Lazy, f"__{_name}__", _arith(f"__{_name}__"))


def _expand(index: tuple, ndim: int) -> tuple:
    """The index with ``...`` replaced by full slices and missing trailing dimensions added.

    Raises:
        IndexError: for ``None`` (a new axis) or too many indices.
    """
    if any(part is None for part in index):
        raise IndexError("a capture's derived tensors take no new axes (None) in an index; index first, then unsqueeze")
    if any(part is Ellipsis for part in index):
        at = next(i for i, part in enumerate(index) if part is Ellipsis)
        index = index[:at] + (slice(None),) * (ndim - len(index) + 1) + index[at + 1 :]
    if len(index) > ndim:
        raise IndexError(f"too many indices: {len(index)} for {ndim} dimensions")
    return index + (slice(None),) * (ndim - len(index))


def _positions(part: Index, size: int) -> tuple[list[int], int | slice | list[int]]:
    """The positions one dimension's index selects, and the same index relative to them."""
    if isinstance(part, slice):
        return list(range(size)[part]), slice(None)
    if isinstance(part, torch.Tensor) and part.dtype == torch.bool:
        part = part.nonzero().flatten()
    if isinstance(part, torch.Tensor) and part.ndim == 0:
        part = int(part)
    if isinstance(part, int) or (not isinstance(part, torch.Tensor) and hasattr(part, "__index__")):  # numpy ints too
        position = range(size)[int(part)]  # raises IndexError out of range, as a tensor does
        return [position], 0
    positions = [range(size)[int(p)] for p in part]
    return positions, list(range(len(positions)))


@dataclass(frozen=True, eq=False)
class Capture:
    """What attention took and gave in one forward pass, for one text (or pair).

    All tensors are float32 on the CPU unless noted; ``n`` is the number of tokens. A
    capture keeps q, k (after any rotation), v, z and the residual streams; the scores and
    the pattern are derived from q and k per (layer, head) on access, with the explicit
    attention function (``attnviz.model.attention.attention_pattern``: Q·Kᵀ/√d_head, the
    mask, float32 softmax), so ``cap.pattern[l, h]`` costs one head and a long input never
    needs every head's ``n × n`` pattern at once.

    Attributes:
        tokens: the n display strings (word pieces, special tokens included; for decoders
            the characters each token spells).
        token_ids: int64 ``[pos]``.
        token_type_ids: int64 ``[pos]``, 0 for the first sentence, 1 for the second.
        attn_mask: bool ``[query_pos, key_pos]``, True where a query may attend (for a
            decoder the causal lower triangle, with any padding or user mask).
        embed: ``[pos, d_model]``, the residual stream entering layer 0.
        q: ``[layer, pos, head, d_head]``, x·W_Q + b_Q per head; for rotary models after
            the rotation (the values multiplied with k).
        k, v: ``[layer, pos, kv_head, d_head]``, as q; ``kv_head`` is ``head`` except with
            grouped-query attention, where several query heads share one (``kv_heads``).
        z: ``[layer, pos, head, d_head]``, Σ_j pattern[i, j]·v_j.
        attn_out: ``[layer, pos, d_model]``, concat(z)·W_O + b_O.
        resid_post: ``[layer, pos, d_model]``, each block's output.
        stored_resid_mid: ``[layer, pos, d_model]`` for post-LN blocks (BERT), whose
            ``resid_mid`` = LayerNorm(resid_pre + attn_out) cannot be derived; None for
            pre-norm blocks (read ``resid_mid``).
        unembed: a decoder's final norm and unembedding (``logits`` derives from it), else None.
        kv_head_of: int64 ``[head]``, the key/value head each query head uses.
        causal: True for a decoder's capture.
        rope_theta: the rotary base of a rotary model, else None.
        n_truncated: how many tokens were dropped to fit the model's maximum length.
        model_name, text, text_pair: what was run.
    """

    tokens: list[str]
    token_ids: Int[torch.Tensor, "pos"]
    token_type_ids: Int[torch.Tensor, "pos"]
    attn_mask: Bool[torch.Tensor, "query_pos key_pos"]
    embed: Float[torch.Tensor, "pos d_model"]
    q: Float[torch.Tensor, "layer pos head d_head"]
    k: Float[torch.Tensor, "layer pos kv_head d_head"]
    v: Float[torch.Tensor, "layer pos kv_head d_head"]
    z: Float[torch.Tensor, "layer pos head d_head"]
    attn_out: Float[torch.Tensor, "layer pos d_model"]
    resid_post: Float[torch.Tensor, "layer pos d_model"]
    stored_resid_mid: Float[torch.Tensor, "layer pos d_model"] | None = field(default=None, repr=False)
    unembed: Unembed | None = field(default=None, repr=False)
    kv_head_of: Int[torch.Tensor, "head"] | None = None
    causal: bool = False
    rope_theta: float | None = None
    n_truncated: int = 0
    model_name: str = ""
    text: str = ""
    text_pair: str | None = None
    meta: dict = field(default_factory=dict)

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    @property
    def n_layers(self) -> int:
        return self.q.shape[0]

    @property
    def n_heads(self) -> int:
        return self.q.shape[2]

    @property
    def n_kv_heads(self) -> int:
        return self.k.shape[2]

    @property
    def kv_heads(self) -> Int[torch.Tensor, "head"]:
        """The key/value head of each query head (``kv_head_of``; derived from the shapes if unset)."""
        return self.kv_head_of if self.kv_head_of is not None else _kv_head_of(self.n_heads, self.n_kv_heads)

    def _head_maps(self, kind: str) -> Lazy:
        n = self.n_tokens
        return Lazy((self.n_layers, self.n_heads, n, n), 3, lambda layers, heads, rows: self._heads(kind, layers, heads, rows))

    def _heads(self, kind: str, layers: list[int], heads: list[int], rows: list[int]) -> Float[torch.Tensor, "layer head query_pos key_pos"]:
        rows_t, heads_t = torch.tensor(rows), torch.tensor(heads)
        mask = self.attn_mask[rows_t][None]  # [1, query_pos, key_pos]
        mask = None if kind == "raw" or mask.all() else mask  # an encoder's plain run hides nothing
        maps = torch.empty(len(layers), len(heads), len(rows), self.n_tokens)
        for i, layer in enumerate(layers):  # one layer at a time: its scores stay in cache
            q = self.q[layer][rows_t][:, heads_t][None]  # [1, query_pos, head, d_head]
            k = self.k[layer][:, self.kv_heads[heads_t]][None]  # [1, key_pos, head, d_head]: each head's own key head
            if kind == "pattern":
                attention_pattern(q, k, mask, out=maps[i : i + 1])
            else:
                maps[i] = apply_mask(attention_scores(q, k), mask)[0]
        return maps

    @property
    def pattern(self) -> Lazy:
        """``[layer, head, query_pos, key_pos]``, the softmax weights; each row sums to 1.

        Derived on access: ``cap.pattern[l, h]`` computes one head, ``cap.pattern[l, h, rows]``
        only those query rows (each row needs every key); ``cap.pattern`` as a whole works
        as a tensor and computes every head.
        """
        return self._head_maps("pattern")

    @property
    def attn_scores_raw(self) -> Lazy:
        """``[layer, head, query_pos, key_pos]``, Q·Kᵀ/√d_head before the mask, derived on access like ``pattern``."""
        return self._head_maps("raw")

    @property
    def attn_scores(self) -> Lazy:
        """The scores after the mask (masked entries hold ``torch.finfo(float32).min``), derived like ``pattern``."""
        return self._head_maps("masked")

    def head_pattern(self, layer: int, head: int, queries: Index | None = None) -> Float[torch.Tensor, "query_pos key_pos"]:
        """One head's pattern, ``[query_pos, key_pos]``; only the ``queries`` rows if given (an int gives ``[key_pos]``)."""
        return self.pattern[layer, head, slice(None) if queries is None else queries]

    def head_scores_raw(self, layer: int, head: int) -> Float[torch.Tensor, "query_pos key_pos"]:
        """``attn_scores_raw[layer, head]``, computing only that head."""
        return self.attn_scores_raw[layer, head]

    @property
    def q_pre_rope(self) -> Float[torch.Tensor, "layer pos head d_head"] | None:
        """q before the rotary rotation (``q`` rotated back), None for models without rotary positions."""
        return None if self.rope_theta is None else self._unrotated(self.q)

    @property
    def k_pre_rope(self) -> Float[torch.Tensor, "layer pos kv_head d_head"] | None:
        """As ``q_pre_rope``, for the keys."""
        return None if self.rope_theta is None else self._unrotated(self.k)

    def _unrotated(self, x: Float[torch.Tensor, "layer pos head d_head"]) -> Float[torch.Tensor, "layer pos head d_head"]:
        cos, sin = rope_cos_sin(x.shape[1], x.shape[-1], self.rope_theta)
        return apply_rope(x, cos, -sin)  # the inverse rotation, by −m·θ_i

    def head_scores_pre_rope(self, layer: int, head: int) -> Float[torch.Tensor, "query_pos key_pos"]:
        """q·kᵀ/√d_head of one head from q and k *before* the rotary rotation, unmasked.

        Beside ``head_scores_raw`` (after the rotation) it shows what RoPE changes: the
        rotated product depends on the positions only through their distance.

        Raises:
            ValueError: for a capture of a model without rotary positions.
        """
        if self.rope_theta is None:
            raise ValueError("this capture has no q and k before rotation: its model has no rotary positions")
        kv = int(self.kv_heads[head])
        q = self._unrotated(self.q[layer : layer + 1, :, head : head + 1])  # [1, pos, 1, d_head]
        k = self._unrotated(self.k[layer : layer + 1, :, kv : kv + 1])
        return attention_scores(q, k)[0, 0]

    @property
    def resid_pre(self) -> Float[torch.Tensor, "layer pos d_model"]:
        """The residual stream entering each layer: ``embed``, then ``resid_post[:-1]``."""
        return torch.cat([self.embed[None], self.resid_post[:-1]])

    @property
    def resid_mid(self) -> Float[torch.Tensor, "layer pos d_model"]:
        """The residual stream between attention and feed-forward net: stored for post-LN
        blocks, ``resid_pre + attn_out`` (the model's own sum) for pre-norm blocks."""
        return self.stored_resid_mid if self.stored_resid_mid is not None else self.resid_pre + self.attn_out

    @property
    def logits(self) -> Lazy | None:
        """A decoder's ``[pos, d_vocab]`` logits (position i scores the token after i), None for encoders.

        Derived on access from the last residual stream: ``cap.logits[i]`` computes one row.
        """
        if self.unembed is None:
            return None
        last = self.resid_post[-1]
        return Lazy((self.n_tokens, self.unembed.rows.shape[0]), 1, lambda rows: self.unembed(last[rows]))

    def to_bytes(self) -> bytes:
        """This capture as a safetensors file: its stored tensors, and a JSON manifest in the
        header's metadata (model, text, tokens, versions, the hook each field was read at,
        shapes). A decoder's unembedding is not saved (it is the model's weights), so a
        loaded capture has no ``logits``."""
        tensors = {f.name: getattr(self, f.name) for f in fields(self) if isinstance(getattr(self, f.name), torch.Tensor)}
        tensors["attn_mask"] = tensors["attn_mask"].to(torch.uint8)  # safetensors stores bool as bytes either way
        manifest = {
            "format": CAPTURE_FORMAT, "model": self.model_name, "text": self.text, "text_pair": self.text_pair, "tokens": self.tokens,
            "causal": self.causal, "rope_theta": self.rope_theta, "n_truncated": self.n_truncated, "meta": self.meta,
            "versions": {"attnviz": _version(), "torch": torch.__version__},
            "hooks": {name: HOOK_OF_FIELD[name] for name in tensors if name in HOOK_OF_FIELD},
            "shapes": {name: list(t.shape) for name, t in tensors.items()},
        }  # fmt: skip
        return tensors_to_bytes({name: t.contiguous() for name, t in tensors.items()}, metadata={"attnviz": json.dumps(manifest, ensure_ascii=False)})

    def save(self, path: str | Path) -> None:
        """Write ``to_bytes()`` to ``path`` (a ``.safetensors`` file)."""
        Path(path).write_bytes(self.to_bytes())

    @classmethod
    def load(cls, source: str | Path | bytes) -> Capture:
        """A capture saved by ``save`` / ``to_bytes``, from a path or the bytes themselves.

        Raises:
            CaptureFileError: when the file is not a capture saved by attnviz (or is damaged).
        """
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        try:
            tensors = tensors_from_bytes(data)
            manifest = json.loads(safe_open_metadata(data)["attnviz"])
            if manifest.get("format") != CAPTURE_FORMAT:
                raise ValueError(manifest.get("format"))
            tensors["attn_mask"] = tensors["attn_mask"].bool()
            return cls(
                tokens=manifest["tokens"], model_name=manifest["model"], text=manifest["text"], text_pair=manifest["text_pair"],
                causal=manifest["causal"], rope_theta=manifest["rope_theta"], n_truncated=manifest["n_truncated"], meta=manifest["meta"], **tensors,
            )  # fmt: skip
        except Exception as exc:  # any damage: the same message
            raise CaptureFileError(detail=str(exc)[:200]) from None

    @property
    def nbytes(self) -> int:
        """Bytes held by this capture's own tensors (the shared unembedding weights not counted)."""
        held = [getattr(self, f.name) for f in fields(self)]
        return sum(t.element_size() * t.nelement() for t in held if isinstance(t, torch.Tensor))

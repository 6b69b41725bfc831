"""attnviz's own Transformer: the BERT encoder family, with hook points everywhere.

Architecture of BERT (Devlin et al. 2019) = the Transformer encoder of Vaswani et al.
2017 (post-LN: residual, then LayerNorm) with learned position and token-type embeddings
and a GELU feed-forward network. Attention is the explicit Q·Kᵀ/√d_head of
``attnviz.attention``; nothing is fused, so every intermediate can be captured.
"""

from __future__ import annotations

import math
import threading

import torch
import torch.nn.functional as F
from jaxtyping import Bool, Float, Int
from torch import nn

from attnviz.attention import (
    apply_mask,
    attention_scores,
    check_attn_mask,
    padding_attn_mask,
    softmax_pattern,
    weighted_values,
)
from attnviz.capture import Capture
from attnviz.config import ModelConfig
from attnviz.errors import EmptyTextError
from attnviz.hooks import HookPoint, capturing


class LayerNorm(nn.Module):
    """LayerNorm over d_model (Ba et al. 2016) with weight ``w`` and bias ``b``: [d_model]."""

    def __init__(self, d_model: int, eps: float):
        super().__init__()
        self.eps = eps
        self.w = nn.Parameter(torch.ones(d_model))
        self.b = nn.Parameter(torch.zeros(d_model))

    def forward(self, x: Float[torch.Tensor, "... d_model"]) -> Float[torch.Tensor, "... d_model"]:
        return F.layer_norm(x, (x.shape[-1],), self.w, self.b, self.eps)


class BertEmbed(nn.Module):
    """Word + position + token-type embeddings, then LayerNorm (Devlin et al. 2019, Fig. 2).

    Weights: ``W_E [d_vocab, d_model]``, ``W_pos [max_positions, d_model]``,
    ``W_token_type [n_token_types, d_model]``.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.W_E = nn.Parameter(torch.zeros(cfg.d_vocab, cfg.d_model))
        self.W_pos = nn.Parameter(torch.zeros(cfg.max_positions, cfg.d_model))
        self.W_token_type = nn.Parameter(torch.zeros(cfg.n_token_types, cfg.d_model))
        self.ln = LayerNorm(cfg.d_model, cfg.layer_norm_eps)
        self.hook_embed = HookPoint()

    def forward(
        self,
        token_ids: Int[torch.Tensor, "batch pos"],
        token_type_ids: Int[torch.Tensor, "batch pos"],
    ) -> Float[torch.Tensor, "batch pos d_model"]:
        n = token_ids.shape[1]
        summed = self.W_E[token_ids] + self.W_pos[:n] + self.W_token_type[token_type_ids]
        return self.hook_embed(self.ln(summed))


class Attention(nn.Module):
    """Multi-head self-attention with explicit scores (Vaswani et al. 2017, Eq. 1 and section 3.2.2).

    The query, key and value weights of all heads are stored side by side in one matrix,
    ``W_QKV [d_model, 3, head, d_head]`` (and ``b_QKV [3, head, d_head]``), so the three
    projections are one matrix product; ``W_Q``, ``W_K``, ``W_V`` (``[head, d_model, d_head]``)
    and ``b_Q``, ``b_K``, ``b_V`` (``[head, d_head]``) are views of it. The output
    projection is ``W_O [head, d_head, d_model]``, ``b_O [d_model]``.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        h, m, d = cfg.n_heads, cfg.d_model, cfg.d_head
        self.W_QKV = nn.Parameter(torch.zeros(m, 3, h, d))
        self.b_QKV = nn.Parameter(torch.zeros(3, h, d))
        self.W_O = nn.Parameter(torch.zeros(h, d, m))
        self.b_O = nn.Parameter(torch.zeros(m))
        for name in ("q", "k", "v", "attn_scores_raw", "attn_scores", "pattern", "z"):
            setattr(self, f"hook_{name}", HookPoint())

    W_Q = property(lambda self: self.W_QKV[:, 0].transpose(0, 1), doc="[head, d_model, d_head], a view")
    W_K = property(lambda self: self.W_QKV[:, 1].transpose(0, 1), doc="[head, d_model, d_head], a view")
    W_V = property(lambda self: self.W_QKV[:, 2].transpose(0, 1), doc="[head, d_model, d_head], a view")
    b_Q = property(lambda self: self.b_QKV[0], doc="[head, d_head], a view")
    b_K = property(lambda self: self.b_QKV[1], doc="[head, d_head], a view")
    b_V = property(lambda self: self.b_QKV[2], doc="[head, d_head], a view")

    def forward(
        self,
        x: Float[torch.Tensor, "batch pos d_model"],
        attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"] | None,
    ) -> Float[torch.Tensor, "batch pos d_model"]:
        qkv = affine(x, self.W_QKV.flatten(1), self.b_QKV.flatten())  # [batch, pos, 3·head·d_head]
        qkv = qkv.unflatten(-1, self.b_QKV.shape)  # [batch, pos, 3, head, d_head]
        q = self.hook_q(qkv[:, :, 0])  # [batch, pos, head, d_head]
        k = self.hook_k(qkv[:, :, 1])
        v = self.hook_v(qkv[:, :, 2])
        scores_raw = self.hook_attn_scores_raw(attention_scores(q, k, out=self.hook_attn_scores_raw.out))  # [batch, head, query_pos, key_pos]
        scores = self.hook_attn_scores(apply_mask(scores_raw, attn_mask))
        pattern = self.hook_pattern(softmax_pattern(scores, out=self.hook_pattern.out))
        z = self.hook_z(weighted_values(pattern, v))  # [batch, pos, head, d_head]
        return affine(z.flatten(2), self.W_O.flatten(0, 1), self.b_O)  # [batch, pos, head·d_head] -> [batch, pos, d_model]


def affine(
    x: Float[torch.Tensor, "... d_in"], W: Float[torch.Tensor, "d_in d_out"], b: Float[torch.Tensor, "d_out"]
) -> Float[torch.Tensor, "... d_out"]:
    """x·W + b as one fused matrix product (``F.linear`` takes the weight as ``[d_out, d_in]``)."""
    return F.linear(x, W.T, b)


class MLP(nn.Module):
    """Position-wise feed-forward network: W_out·GELU(W_in·x + b_in) + b_out (Vaswani et al. 2017, Eq. 2).

    Weights: ``W_in [d_model, d_mlp]``, ``b_in [d_mlp]``, ``W_out [d_mlp, d_model]``, ``b_out [d_model]``.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.W_in = nn.Parameter(torch.zeros(cfg.d_model, cfg.d_mlp))
        self.b_in = nn.Parameter(torch.zeros(cfg.d_mlp))
        self.W_out = nn.Parameter(torch.zeros(cfg.d_mlp, cfg.d_model))
        self.b_out = nn.Parameter(torch.zeros(cfg.d_model))
        self.hook_post = HookPoint()

    def forward(self, x: Float[torch.Tensor, "batch pos d_model"]) -> Float[torch.Tensor, "batch pos d_model"]:
        hidden = self.hook_post(F.gelu(affine(x, self.W_in, self.b_in)))  # [batch, pos, d_mlp]
        return affine(hidden, self.W_out, self.b_out)


class BertBlock(nn.Module):
    """One post-LN encoder block: LN1(x + Attn(x)), then LN2(· + MLP(·))."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.attn = Attention(cfg)
        self.ln1 = LayerNorm(cfg.d_model, cfg.layer_norm_eps)
        self.mlp = MLP(cfg)
        self.ln2 = LayerNorm(cfg.d_model, cfg.layer_norm_eps)
        self.hook_attn_out = HookPoint()
        self.hook_resid_mid = HookPoint()
        self.hook_mlp_out = HookPoint()
        self.hook_resid_post = HookPoint()

    def forward(
        self,
        resid_pre: Float[torch.Tensor, "batch pos d_model"],
        attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"] | None,
    ) -> Float[torch.Tensor, "batch pos d_model"]:
        attn_out = self.hook_attn_out(self.attn(resid_pre, attn_mask))
        resid_mid = self.hook_resid_mid(self.ln1(resid_pre + attn_out))
        mlp_out = self.hook_mlp_out(self.mlp(resid_mid))
        return self.hook_resid_post(self.ln2(resid_mid + mlp_out))


class BertEncoder(nn.Module):
    """The BERT encoder: embeddings and ``n_layers`` blocks. Returns the last residual stream."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = BertEmbed(cfg)
        self.blocks = nn.ModuleList(BertBlock(cfg) for _ in range(cfg.n_layers))

    def forward(
        self,
        token_ids: Int[torch.Tensor, "batch pos"],
        token_type_ids: Int[torch.Tensor, "batch pos"],
        attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"] | None = None,
    ) -> Float[torch.Tensor, "batch pos d_model"]:
        """``attn_mask=None``: every query may attend to every key."""
        resid = self.embed(token_ids, token_type_ids)
        for block in self.blocks:
            resid = block(resid, attn_mask)
        return resid


CAPTURED_PER_LAYER = {
    "q": "attn.hook_q",
    "k": "attn.hook_k",
    "v": "attn.hook_v",
    "pattern": "attn.hook_pattern",
    "z": "attn.hook_z",
    "attn_out": "hook_attn_out",
    "resid_mid": "hook_resid_mid",
    "resid_post": "hook_resid_post",
}


class HookedTransformer:
    """A loaded model: our network, its tokenizer and the device it runs on.

    Build one with ``attnviz.load_model``. The network is shared read-only (the app keeps
    one per process for every session); a run never changes its weights, and runs are
    serialised by a lock so that concurrent captures cannot see each other's tensors.

    Attributes:
        config: the ``ModelConfig``.
        network: the ``nn.Module`` (e.g. ``BertEncoder``) in eval mode on ``device``.
        tokenizer: the checkpoint's Hugging Face tokenizer.
        device: the ``torch.device`` the network runs on.
    """

    def __init__(self, config: ModelConfig, network: nn.Module, tokenizer, device: torch.device):
        self.config = config
        self.network = network.eval()
        self.tokenizer = tokenizer
        self.device = device
        self._lock = threading.Lock()

    def tokenize(self, text: str, text_pair: str | None = None) -> tuple[dict[str, torch.Tensor], int]:
        """Token ids ``[1, pos]`` and token-type ids for a text (or pair), cut to ``max_positions``.

        Returns the encoding and how many tokens truncation dropped.

        Raises:
            EmptyTextError: when ``text`` is empty or blank (or ``text_pair`` is given but blank).
        """
        if not text or not text.strip() or (text_pair is not None and not text_pair.strip()):
            raise EmptyTextError()
        enc = self.tokenizer(text, text_pair, truncation=False, verbose=False, return_tensors="pt")
        n_full = enc["input_ids"].shape[1]
        if n_full <= self.config.max_positions:
            return enc, 0
        enc = self.tokenizer(text, text_pair, truncation=True, max_length=self.config.max_positions, return_tensors="pt")
        return enc, n_full - enc["input_ids"].shape[1]

    @torch.inference_mode()
    def run_with_capture(
        self,
        text: str,
        text_pair: str | None = None,
        attn_mask: Bool[torch.Tensor, "query_pos key_pos"] | None = None,
    ) -> Capture:
        """Run the model on ``text`` (and ``text_pair``) and capture every layer's attention.

        Args:
            text: the first (or only) sentence.
            text_pair: an optional second sentence, joined with [SEP] and token type 1.
            attn_mask: optional bool ``[query_pos, key_pos]`` applied in every layer
                (True where a query may attend), e.g. to hide keys.

        Returns:
            A ``Capture`` with float32 CPU tensors (see its docstring for shapes).

        Raises:
            EmptyTextError: for empty or blank text.
            InvalidMaskError: for a mask of the wrong dtype or shape or with an empty row.
        """
        enc, n_truncated = self.tokenize(text, text_pair)
        n = enc["input_ids"].shape[1]
        mask = torch.ones(1, n, n, dtype=torch.bool) if attn_mask is None else check_attn_mask(attn_mask, n).cpu()[None]
        return self._capture(enc, mask, [n_truncated], [(text, text_pair)])[0]

    @torch.inference_mode()
    def run_batch_with_capture(self, texts: list[str]) -> list[Capture]:
        """Run several texts as one batch, padded to the longest, and capture each.

        Every capture has the batch's length n: a shorter text's capture ends in [PAD]
        tokens, and its ``attn_mask`` hides those padded keys from every query (the padding
        mask, as in Devlin et al. 2019). Its real tokens' numbers equal a run of that text alone.

        Raises:
            EmptyTextError: if ``texts`` is empty or any text is blank.
        """
        if not texts:
            raise EmptyTextError()
        for text in texts:
            self.tokenize(text)
        full = [len(ids) for ids in self.tokenizer(texts, truncation=False, verbose=False)["input_ids"]]
        enc = self.tokenizer(texts, padding=True, truncation=True, max_length=self.config.max_positions, return_tensors="pt")
        kept = enc["attention_mask"].sum(-1).tolist()
        masks = padding_attn_mask(enc["attention_mask"])
        return self._capture(enc, masks, [f - k for f, k in zip(full, kept, strict=True)], [(t, None) for t in texts])

    def _capture(
        self,
        enc: dict[str, torch.Tensor],
        masks: Bool[torch.Tensor, "batch query_pos key_pos"],
        n_truncated: list[int],
        texts: list[tuple[str, str | None]],
    ) -> list[Capture]:
        cfg = self.config
        token_ids = enc["input_ids"].to(self.device)  # [batch, pos]
        token_type_ids = enc.get("token_type_ids", torch.zeros_like(enc["input_ids"])).to(self.device)
        batch, n = token_ids.shape
        # Every captured tensor is written into one preallocated arena while the model runs
        # (the pattern directly by the softmax, the rest by a copy at its hook point).
        # The scores are not stored: the capture recomputes them from q and k on access.
        L, h, d = cfg.n_layers, cfg.n_heads, cfg.d_head
        shapes = {"q": (n, h, d), "k": (n, h, d), "v": (n, h, d), "pattern": (h, n, n), "z": (n, h, d)}
        shapes |= {"attn_out": (n, cfg.d_model), "resid_mid": (n, cfg.d_model), "resid_post": (n, cfg.d_model)}
        dtype = next(self.network.parameters()).dtype
        fields = carve(shapes, L, batch, dtype, self.device)  # field -> [layer, batch, ...]
        embed = torch.empty(batch, n, cfg.d_model, dtype=dtype, device=self.device)
        sinks = {"embed.hook_embed": embed} | {
            f"blocks.{layer}.{CAPTURED_PER_LAYER[field]}": tensor[layer] for field, tensor in fields.items() for layer in range(L)
        }
        with self._lock, capturing(self.network, sinks):
            self.network(token_ids, token_type_ids, None if masks.all() else masks.to(self.device))

        def own(tensor: torch.Tensor) -> torch.Tensor:  # float32 on the CPU; no copy when it already is
            return tensor.float().cpu().contiguous()

        return [
            Capture(
                tokens=self.tokenizer.convert_ids_to_tokens(enc["input_ids"][i].tolist()),
                token_ids=enc["input_ids"][i],
                token_type_ids=token_type_ids[i].cpu(),
                attn_mask=masks[i],
                embed=own(embed[i]),
                **{field: own(tensor[:, i]) for field, tensor in fields.items()},
                n_truncated=n_truncated[i],
                model_name=cfg.name,
                text=texts[i][0],
                text_pair=texts[i][1],
            )
            for i in range(batch)
        ]


def carve(
    shapes: dict[str, tuple[int, ...]], n_layers: int, batch: int, dtype: torch.dtype, device: torch.device
) -> dict[str, torch.Tensor]:
    """Contiguous ``[layer, batch, *shape]`` tensors for each field, all views of one allocation."""
    sizes = [n_layers * batch * math.prod(shape) for shape in shapes.values()]
    arena = torch.empty(sum(sizes), dtype=dtype, device=device)
    return {
        field: chunk.view(n_layers, batch, *shape)
        for (field, shape), chunk in zip(shapes.items(), arena.split(sizes), strict=True)
    }

"""One head's computation step by step, with the model's own numbers, and the experiments around it.

For query token i of head h in layer ℓ (Vaswani et al. 2017, Eq. 1 and section 3.2.2):

    1. x = X[i], X = what the layer's attention reads                   [d_model], [pos, d_model]
       (the residual stream entering layer ℓ in BERT's post-LN blocks; its normalisation
       ln1(resid_pre) in a pre-norm decoder: GPT-2, Llama)
    2. q = x·W_Q + b_Q,  K = X·W_K + b_K,  V = X·W_V + b_V              [d_head], [pos, d_head]
       (with RoPE, q and K are then rotated by their positions, Su et al. 2021; with
       grouped-query attention K and V are those of the head's key/value head, Ainslie et al. 2023)
    3. s_j = (q·k_j) / √d_head                                          [key_pos]
    4. s̃_j = s_j + M_ij, with M_ij = 0 where i may attend to j, else −∞ [key_pos]
       (a decoder's causal mask: j ≤ i)
    5. w_j = exp(s̃_j − m) / Σ_k exp(s̃_k − m), m = max_k s̃_k            [key_pos]
    6. z = Σ_j w_j · v_j                                                [d_head]
    7. attn_out = concat_h(z_h)·W_O + b_O; resid_mid = LayerNorm(x + attn_out)  [pos, d_model]
       (a pre-norm block adds without normalising: resid_mid = x + attn_out)

Every function reads a ``Capture`` and the model's weights and never changes either; the
weights are copied to float32 CPU tensors before any arithmetic (``attnviz.analysis.heads``).
Variants (no scaling, a temperature, another mask) are computed functionally with
``attnviz.model.attention``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from jaxtyping import Bool, Float

from attnviz.analysis.heads import check_index, copy_weight, head_weights, output_projection, project
from attnviz.errors import CaptureMismatchError, TemperatureError
from attnviz.model.attention import apply_mask, causal_attn_mask, check_attn_mask, rope_angles, softmax_pattern
from attnviz.model.capture import Capture
from attnviz.model.runner import HookedTransformer

MASKED = torch.finfo(torch.float32).min


def check_capture(cap: Capture, model: HookedTransformer) -> None:
    """Check that ``model`` can have made ``cap``: the same layers, heads, key/value heads and widths.

    Raises:
        CaptureMismatchError: naming the first size that differs.
    """
    cfg, attn = model.config, model.network.blocks[0].attn
    sizes = (
        ("n_layers", cap.n_layers, cfg.n_layers),
        ("n_heads", cap.n_heads, cfg.n_heads),
        ("n_kv_heads", cap.k.shape[2], attn.W_K.shape[0]),
        ("d_model", cap.resid_post.shape[-1], cfg.d_model),
        ("d_head", cap.q.shape[-1], cfg.d_head),
    )
    for field, in_capture, in_model in sizes:
        if in_capture != in_model:
            raise CaptureMismatchError(field=field, capture=in_capture, model=in_model)


def layer_input(cap: Capture, layer: int) -> Float[torch.Tensor, "pos d_model"]:
    """``cap.resid_pre[layer]``, the residual stream entering layer ``layer``, without building every layer's."""
    return cap.embed if layer == 0 else cap.resid_post[layer - 1]


def attention_input(cap: Capture, model: HookedTransformer, layer: int) -> Float[torch.Tensor, "pos d_model"]:
    """What layer ``layer``'s attention reads: ``resid_pre`` in a post-LN block (BERT), ``ln1(resid_pre)``
    computed by the block's own norm in a pre-norm block (attnviz's decoders, GPT-2 and Llama)."""
    X = layer_input(cap, layer)  # [pos, d_model]
    if not model.config.is_decoder:
        return X
    norm = model.network.blocks[layer].ln1
    with torch.no_grad():
        return norm(X.to(next(norm.parameters()).device)).float().cpu()


@dataclass(frozen=True)
class HeadSteps:
    """The numbers of steps 1–6 for one head and one query token.

    All tensors are float32 on the CPU.

    Attributes:
        layer, head, query_pos: which head and query token; kv_head: the key/value head it reads.
        x: ``[d_model]``, the query token's row of ``X``.
        X: ``[pos, d_model]``, what the layer's attention reads (see the module docstring).
        W_Q, W_K, W_V: ``[d_model, d_head]``, this head's slices of the projections.
        b_Q, b_K, b_V: ``[d_head]`` (zeros for a model without biases).
        rotary: whether q and K were rotated by RoPE after the projection.
        q: ``[d_head]``, the captured query of token ``query_pos`` (after RoPE, if any).
        K, V: ``[pos, d_head]``, the captured keys (after RoPE, if any) and values of every token.
        projection_error: max |X·W + b − captured| over q, K and V of every token (before RoPE).
        dots: ``[key_pos]``, q·k_j.
        scaled: ``[key_pos]``, q·k_j / √d_head.
        allowed: bool ``[key_pos]``, the capture's mask row (True where the query may attend).
        mask_term: ``[key_pos]``, 0 where allowed and −∞ where not.
        masked: ``[key_pos]``, the scaled scores with ``torch.finfo(float32).min`` where masked
            (what the model computes with; it stands for −∞).
        shift: m = max_j masked_j, subtracted before exp (it cancels in the ratio).
        exp: ``[key_pos]``, exp(masked_j − m).
        exp_sum: Σ_j exp_j.
        weights: ``[key_pos]``, exp_j / exp_sum.
        z: ``[d_head]``, Σ_j weights_j · V_j.
        weights_error: max |weights − captured pattern row|.
        z_error: max |z − captured z|.
    """

    layer: int
    head: int
    kv_head: int
    query_pos: int
    x: Float[torch.Tensor, "d_model"]
    X: Float[torch.Tensor, "pos d_model"]
    W_Q: Float[torch.Tensor, "d_model d_head"]
    W_K: Float[torch.Tensor, "d_model d_head"]
    W_V: Float[torch.Tensor, "d_model d_head"]
    b_Q: Float[torch.Tensor, "d_head"]
    b_K: Float[torch.Tensor, "d_head"]
    b_V: Float[torch.Tensor, "d_head"]
    rotary: bool
    q: Float[torch.Tensor, "d_head"]
    K: Float[torch.Tensor, "pos d_head"]
    V: Float[torch.Tensor, "pos d_head"]
    projection_error: float
    dots: Float[torch.Tensor, "key_pos"]
    scaled: Float[torch.Tensor, "key_pos"]
    allowed: Bool[torch.Tensor, "key_pos"]
    mask_term: Float[torch.Tensor, "key_pos"]
    masked: Float[torch.Tensor, "key_pos"]
    shift: float
    exp: Float[torch.Tensor, "key_pos"]
    exp_sum: float
    weights: Float[torch.Tensor, "key_pos"]
    z: Float[torch.Tensor, "d_head"]
    weights_error: float
    z_error: float

    @property
    def d_head(self) -> int:
        return self.q.shape[0]


def head_steps(cap: Capture, model: HookedTransformer, layer: int, head: int, query_pos: int) -> HeadSteps:
    """Steps 1–6 of scaled dot-product attention for one head and query token, from a capture.

    Works for an encoder capture (BERT) and a decoder's (GPT-2, Llama: pre-norm, RoPE,
    grouped-query attention, the causal mask). q, K and V are the captured tensors (K and
    V of the head's key/value head); the projection from X with this head's weights is
    recomputed only to report ``projection_error`` (compared with q and K before RoPE).
    Steps 3–6 are computed here from the captured q, K, V and mask and compared with the
    captured ``pattern`` and ``z``.

    Args:
        cap: a capture made by ``model`` (same weights).
        model: the loaded model; its weights are read, never changed.
        layer, head, query_pos: which head and query token.

    Raises:
        PositionError: for a layer, head or query position outside the capture.
        CaptureMismatchError: for a capture another model made (``check_capture``).
    """
    check_capture(cap, model)
    check_index("layer", layer, cap.n_layers)
    check_index("head", head, cap.n_heads)
    check_index("query_pos", query_pos, cap.n_tokens)
    w = head_weights(model, layer, head)
    X = attention_input(cap, model, layer)  # [pos, d_model]
    rotary = cap.q_pre_rope is not None
    q_all, K = cap.q[layer, :, head], cap.k[layer, :, w.kv_head]  # [pos, d_head] each, after RoPE if any
    V = cap.v[layer, :, w.kv_head]
    before_rope = {"Q": cap.q_pre_rope[layer, :, head], "K": cap.k_pre_rope[layer, :, w.kv_head]} if rotary else {"Q": q_all, "K": K}
    before_rope["V"] = V
    projection_error = max(float((project(X, getattr(w, f"W_{n}"), getattr(w, f"b_{n}")) - before_rope[n]).abs().max()) for n in "QKV")
    q = q_all[query_pos]
    dots = K @ q  # [key_pos]
    scaled = dots * q.shape[0] ** -0.5  # the model multiplies by d_head ** -0.5 after the product
    allowed = cap.attn_mask[query_pos]
    masked = scaled.masked_fill(~allowed, MASKED)
    shift = masked.max()
    exp = torch.exp(masked - shift)
    exp_sum = exp.sum()
    weights = exp / exp_sum
    z = weights @ V  # [d_head]
    return HeadSteps(
        layer=layer, head=head, kv_head=w.kv_head, query_pos=query_pos, x=X[query_pos], X=X,
        W_Q=w.W_Q, W_K=w.W_K, W_V=w.W_V, b_Q=w.b_Q, b_K=w.b_K, b_V=w.b_V,
        rotary=rotary, q=q, K=K, V=V, projection_error=projection_error,
        dots=dots, scaled=scaled, allowed=allowed,
        mask_term=torch.where(allowed, 0.0, -math.inf), masked=masked,
        shift=float(shift), exp=exp, exp_sum=float(exp_sum), weights=weights, z=z,
        weights_error=float((weights - cap.pattern[layer, head, query_pos]).abs().max()),
        z_error=float((z - cap.z[layer, query_pos, head]).abs().max()),
    )  # fmt: skip


@dataclass(frozen=True)
class OutputSteps:
    """Step 7 for one layer, every token: concatenate the heads, project with W_O, add (and normalise).

    Attributes:
        d_head: the width of each head's z.
        concat: ``[pos, head·d_head]``, the z of every head side by side.
        W_O: ``[head·d_head, d_model]``; b_O: ``[d_model]`` (zeros without biases).
        attn_out: ``[pos, d_model]``, concat·W_O + b_O.
        resid_sum: ``[pos, d_model]``, resid_pre + attn_out.
        post_norm: whether the block normalises the sum (BERT's post-LN) or not (a pre-norm decoder).
        mean, std: ``[pos]``, LayerNorm's statistics of each row of ``resid_sum``
            (std = √(var + eps), population variance); None without post-LN.
        ln_w, ln_b: ``[d_model]``, LayerNorm's weight and bias; None without post-LN.
        resid_mid: ``[pos, d_model]``, (resid_sum − mean) / std · ln_w + ln_b; ``resid_sum`` without post-LN.
        attn_out_error, resid_mid_error: max |recomputed − captured|.
    """

    d_head: int
    concat: Float[torch.Tensor, "pos head_d_head"]
    W_O: Float[torch.Tensor, "head_d_head d_model"]
    b_O: Float[torch.Tensor, "d_model"]
    attn_out: Float[torch.Tensor, "pos d_model"]
    resid_sum: Float[torch.Tensor, "pos d_model"]
    post_norm: bool
    mean: Float[torch.Tensor, "pos"] | None
    std: Float[torch.Tensor, "pos"] | None
    ln_w: Float[torch.Tensor, "d_model"] | None
    ln_b: Float[torch.Tensor, "d_model"] | None
    resid_mid: Float[torch.Tensor, "pos d_model"]
    attn_out_error: float
    resid_mid_error: float

    def by_head(self, pos: int) -> Float[torch.Tensor, "head d_head"]:
        """Token ``pos``'s row of ``concat`` split back into its heads: ``[head, d_head]``."""
        return self.concat[pos].unflatten(0, (self.n_heads, -1))  # [head·d_head] -> [head, d_head]

    @property
    def n_heads(self) -> int:
        return self.W_O.shape[0] // self.d_head


def output_steps(cap: Capture, model: HookedTransformer, layer: int) -> OutputSteps:
    """Step 7: MultiHead = Concat(z_0, …, z_h)·W_O + b_O, then the residual (Vaswani et al. 2017, section 3.2.2).

    BERT's blocks are post-LN (Devlin et al. 2019; Vaswani et al. 2017, section 3.1):
    resid_mid = LayerNorm(resid_pre + attn_out), computed here from its formula. A pre-norm
    decoder's block adds without normalising: resid_mid = resid_pre + attn_out.

    Raises:
        PositionError: for a layer outside the capture.
        CaptureMismatchError: for a capture another model made.
    """
    check_capture(cap, model)
    check_index("layer", layer, cap.n_layers)
    concat = cap.z[layer].flatten(1)  # [pos, head, d_head] -> [pos, head·d_head]
    W_O, b_O = output_projection(model, layer)
    attn_out = concat @ W_O + b_O
    resid_sum = layer_input(cap, layer) + attn_out
    post_norm = not model.config.is_decoder
    mean = std = ln_w = ln_b = None
    resid_mid = resid_sum
    if post_norm:
        ln1 = model.network.blocks[layer].ln1
        mean = resid_sum.mean(-1)
        std = torch.sqrt(resid_sum.var(-1, unbiased=False) + ln1.eps)
        ln_w, ln_b = copy_weight(ln1.w), copy_weight(ln1.b)
        resid_mid = (resid_sum - mean[:, None]) / std[:, None] * ln_w + ln_b
    # a pre-norm capture stores no resid_mid: it is the sum of what it stores (cap.resid_mid[layer] would build every layer's)
    captured_mid = cap.resid_mid[layer] if post_norm else layer_input(cap, layer) + cap.attn_out[layer]
    return OutputSteps(
        d_head=cap.z.shape[-1], concat=concat, W_O=W_O, b_O=b_O, attn_out=attn_out, resid_sum=resid_sum, post_norm=post_norm,
        mean=mean, std=std, ln_w=ln_w, ln_b=ln_b, resid_mid=resid_mid,
        attn_out_error=float((attn_out - cap.attn_out[layer]).abs().max()),
        resid_mid_error=float((resid_mid - captured_mid).abs().max()),
    )  # fmt: skip


def variant_weights(
    dots: Float[torch.Tensor, "key_pos"],
    allowed: Bool[torch.Tensor, "key_pos"],
    d_head: int,
    scale: bool = True,
    temperature: float = 1.0,
) -> Float[torch.Tensor, "key_pos"]:
    """softmax(q·k_j / (√d_head · T)) over the allowed keys; without ``scale``, softmax(q·k_j / T).

    With ``scale=True`` and ``temperature=1`` this is the model's own row of weights. A
    temperature above 1 flattens the weights, below 1 sharpens them; turning the scaling
    off multiplies every score by √d_head, which sharpens them like T = 1/√d_head.

    Args:
        dots: q·k_j for one query (``HeadSteps.dots``).
        allowed: bool mask row, True where the query may attend.
        d_head: width of q and k.

    Raises:
        TemperatureError: unless ``temperature`` is a positive finite number.
    """
    if not (math.isfinite(temperature) and temperature > 0):
        raise TemperatureError(value=temperature)
    scores = dots * d_head**-0.5 if scale else dots.clone()
    scores = scores / temperature
    masked = apply_mask(scores[None, None, None], allowed[None, None])  # [1, 1, 1, key_pos]
    return softmax_pattern(masked)[0, 0, 0]


@dataclass(frozen=True)
class DotGrowth:
    """How q·k of random vectors spreads as d_k grows. All ``[n_dims]`` float64.

    Attributes:
        d_k: the widths tried.
        std_raw: standard deviation of q·k over the samples (about √d_k).
        std_scaled: standard deviation of q·k / √d_k (about 1).
    """

    d_k: torch.Tensor
    std_raw: torch.Tensor
    std_scaled: torch.Tensor


def dot_product_growth(d_ks: Sequence[int], n_samples: int = 2000, seed: int = 0) -> DotGrowth:
    """Sample q, k with independent N(0, 1) entries and measure the spread of q·k for each d_k.

    q·k is a sum of d_k products of variance 1, so its variance is d_k (Vaswani et al. 2017,
    footnote 4): without the division by √d_k the scores grow with the head's width.
    """
    gen = torch.Generator().manual_seed(seed)
    raw, scaled = [], []
    for d in d_ks:
        q = torch.randn(n_samples, d, generator=gen, dtype=torch.float64)
        k = torch.randn(n_samples, d, generator=gen, dtype=torch.float64)
        dots = (q * k).sum(-1)  # [n_samples]
        raw.append(dots.std())
        scaled.append((dots / math.sqrt(d)).std())
    return DotGrowth(torch.tensor(list(d_ks), dtype=torch.float64), torch.stack(raw), torch.stack(scaled))


def softmax_jacobian_norm(scores: Float[torch.Tensor, "... key_pos"]) -> Float[torch.Tensor, "..."]:
    """Frobenius norm of the softmax's Jacobian ∂w/∂s = diag(w) − w·wᵀ, per distribution.

    It goes to 0 as the softmax saturates (one weight near 1): the gradient through the
    weights vanishes.
    """
    w = torch.softmax(scores, dim=-1)
    jac = torch.diag_embed(w) - w[..., :, None] * w[..., None, :]  # [..., key_pos, key_pos]
    return jac.flatten(-2).norm(dim=-1)


@dataclass(frozen=True)
class Saturation:
    """The softmax of random scores with and without the 1/√d_k scaling. All ``[n_dims]`` float64.

    Attributes:
        d_k: the widths tried.
        max_weight_raw, max_weight_scaled: mean over samples of the largest weight.
        grad_norm_raw, grad_norm_scaled: mean over samples of ``softmax_jacobian_norm``.
    """

    d_k: torch.Tensor
    max_weight_raw: torch.Tensor
    max_weight_scaled: torch.Tensor
    grad_norm_raw: torch.Tensor
    grad_norm_scaled: torch.Tensor


def softmax_saturation(d_ks: Sequence[int], n_keys: int = 16, n_samples: int = 200, seed: int = 0) -> Saturation:
    """For each d_k: one random query against ``n_keys`` random keys (N(0, 1) entries), softmax of q·k_j.

    Without scaling, the scores spread like √d_k, the largest weight goes to 1 and the
    Jacobian's norm to 0; with it, both stay where they are for small d_k.
    """
    gen = torch.Generator().manual_seed(seed)
    rows = {"max_raw": [], "max_scaled": [], "grad_raw": [], "grad_scaled": []}
    for d in d_ks:
        q = torch.randn(n_samples, 1, d, generator=gen, dtype=torch.float64)
        k = torch.randn(n_samples, n_keys, d, generator=gen, dtype=torch.float64)
        dots = (q * k).sum(-1)  # [n_samples, n_keys]
        for name, scores in (("raw", dots), ("scaled", dots / math.sqrt(d))):
            rows[f"max_{name}"].append(torch.softmax(scores, -1).max(-1).values.mean())
            rows[f"grad_{name}"].append(softmax_jacobian_norm(scores).mean())
    stacked = {name: torch.stack(values) for name, values in rows.items()}
    return Saturation(
        torch.tensor(list(d_ks), dtype=torch.float64),
        stacked["max_raw"], stacked["max_scaled"], stacked["grad_raw"], stacked["grad_scaled"],
    )  # fmt: skip


def js_distance_matrix(weights: Float[torch.Tensor, "head key_pos"]) -> Float[torch.Tensor, "head head"]:
    """Jensen–Shannon distance between every two distributions (rows), with base-2 logarithms.

    JSD(p, r) = ½ KL(p ‖ m) + ½ KL(r ‖ m), m = ½(p + r); the distance √JSD is a metric in
    [0, 1] (Endres & Schindelin 2003): 0 for identical rows, 1 for rows with disjoint support.
    """
    p = weights.double()[:, None]  # [head, 1, key_pos]
    r = weights.double()[None, :]  # [1, head, key_pos]
    m = (p + r) / 2
    kl_pm = (torch.special.xlogy(p, p) - torch.special.xlogy(p, m)).sum(-1)
    kl_rm = (torch.special.xlogy(r, r) - torch.special.xlogy(r, m)).sum(-1)
    jsd = ((kl_pm + kl_rm) / 2 / math.log(2)).clamp(min=0)  # rounding can give −1e-17
    return jsd.sqrt().float()


def token_cosine(a: Capture, b: Capture, layer: int = -1) -> Float[torch.Tensor, "pos"]:
    """Cosine similarity per token between two runs' residual streams after ``layer`` (default: the last).

    Raises:
        ValueError: if the captures have different tokens.
    """
    if a.tokens != b.tokens:
        raise ValueError("the two captures have different tokens; compare two runs of the same text")
    return F.cosine_similarity(a.resid_post[layer], b.resid_post[layer], dim=-1)


def hide_keys_mask(n: int, hidden: Sequence[int]) -> Bool[torch.Tensor, "query_pos key_pos"]:
    """A mask ``[n, n]`` that hides the keys at positions ``hidden`` from every query.

    Raises:
        PositionError: for a position outside 0..n−1.
        InvalidMaskError: if every key is hidden (a query must attend to something).
    """
    mask = torch.ones(n, n, dtype=torch.bool)
    for pos in hidden:
        mask[:, check_index("hidden token", pos, n)] = False
    return check_attn_mask(mask, n)


def hidden_key_weight(cap: Capture, hidden: Sequence[int]) -> float:
    """The largest weight any query of any layer and head puts on a hidden key (0.0 if none hidden)."""
    if not hidden:
        return 0.0
    return float(cap.pattern[..., list(hidden)].max())


def decoder_mask(attn_mask: Bool[torch.Tensor, "query_pos key_pos"]) -> Bool[torch.Tensor, "query_pos key_pos"]:
    """The capture's mask AND a decoder's lower triangle: query i may attend to keys 0..i only."""
    return attn_mask & causal_attn_mask(attn_mask.shape[-1])


def causal_pattern(
    scores_raw: Float[torch.Tensor, "query_pos key_pos"],
    attn_mask: Bool[torch.Tensor, "query_pos key_pos"],
) -> Float[torch.Tensor, "query_pos key_pos"]:
    """The weights a decoder would get from these scores: ``decoder_mask``, then softmax.

    Applied to an encoder head's captured scores it shows what the same head would compute
    if it could not look ahead; the model is not rerun.
    """
    return softmax_pattern(apply_mask(scores_raw[None, None], decoder_mask(attn_mask)[None]))[0, 0]


def masked_out_weight(weights: Float[torch.Tensor, "... key_pos"], allowed: Bool[torch.Tensor, "... key_pos"]) -> Float[torch.Tensor, "..."]:
    """The total weight an unmasked row puts on the keys a mask would hide."""
    return (weights * ~allowed).sum(-1)


def closest_and_farthest(distance: Float[torch.Tensor, "head head"]) -> tuple[tuple[int, int, float], tuple[int, int, float]]:
    """The most similar and the most different pair of heads ``(a, b, distance)``, with a < b.

    Raises:
        ValueError: for fewer than two heads.
    """
    n = distance.shape[0]
    if n < 2:
        raise ValueError("need at least two heads to compare; pass a [head, head] matrix with head >= 2")
    a, b = torch.triu_indices(n, n, offset=1)
    values = distance[a, b]
    lo, hi = int(values.argmin()), int(values.argmax())
    return (int(a[lo]), int(b[lo]), float(values[lo])), (int(a[hi]), int(b[hi]), float(values[hi]))


@dataclass(frozen=True)
class PaddingCheck:
    """A padded capture compared with the same text run alone.

    Attributes:
        n_real: the text's own tokens; n_total: the batch length (real + [PAD]).
        pad_positions: positions of the [PAD] tokens.
        max_pad_weight: the largest weight any query of any layer and head puts on a [PAD] key.
        max_pattern_diff: max |padded − alone| of the real tokens' weights, all layers and heads.
        max_resid_diff: max |padded − alone| of the real tokens' final residual stream.
    """

    n_real: int
    n_total: int
    pad_positions: list[int]
    max_pad_weight: float
    max_pattern_diff: float
    max_resid_diff: float


def padded_of(batch: Sequence[Capture]) -> int | None:
    """Which capture of a two-text batch holds [PAD] tokens (the shorter text's), None if both have the same length.

    A text's own tokens are the keys its first query may attend to (``attn_mask[0]``).
    """
    lengths = [int(cap.attn_mask[0].sum()) for cap in batch]
    return None if min(lengths) == max(lengths) else lengths.index(min(lengths))


def padding_check(padded: Capture, alone: Capture) -> PaddingCheck:
    """Compare a capture from a padded batch with the run of its text alone.

    Raises:
        ValueError: if ``alone``'s tokens are not the first tokens of ``padded``.
    """
    n = alone.n_tokens
    if padded.tokens[:n] != alone.tokens:
        raise ValueError("the padded capture does not start with the unpadded run's tokens; pass the same text")
    pads = list(range(n, padded.n_tokens))
    real = slice(0, n)
    return PaddingCheck(
        n_real=n,
        n_total=padded.n_tokens,
        pad_positions=pads,
        max_pad_weight=float(padded.pattern[..., pads].max()) if pads else 0.0,
        max_pattern_diff=float((padded.pattern[:, :, real, real] - alone.pattern).abs().max()),
        max_resid_diff=float((padded.resid_post[:, real] - alone.resid_post).abs().max()),
    )


@dataclass(frozen=True)
class NeuronView:
    """One query and one key inside the dot product: q·k as the sum of its d_head products.

    Attributes:
        query_pos, key_pos: the two tokens.
        products: ``[d_head]``, q_c · k_c for every dimension c (after RoPE, if any).
        dot: Σ_c products_c = q·k.
        scale: 1/√d_head.
        score: dot · scale, the raw score s_ij before the mask (``cap.head_scores_raw(l, h)[i, j]``).
    """

    query_pos: int
    key_pos: int
    products: Float[torch.Tensor, "d_head"]
    dot: float
    scale: float
    score: float


def neuron_view(hs: HeadSteps, key_pos: int) -> NeuronView:
    """The element-wise products q_c·k_c of ``hs``'s query and key ``key_pos``, their sum, the scale and the score.

    bertviz's neuron view (Vig 2019, section 3.3) draws q ⊙ k; the score is their sum over
    the head's width divided by √d_head (Vaswani et al. 2017, Eq. 1).

    Raises:
        PositionError: for a key outside the capture.
    """
    check_index("key_pos", key_pos, hs.K.shape[0])
    products = hs.q * hs.K[key_pos]  # [d_head]
    scale = hs.d_head**-0.5
    dot = float(products.sum())
    return NeuronView(query_pos=hs.query_pos, key_pos=key_pos, products=products, dot=dot, scale=scale, score=dot * scale)


@dataclass(frozen=True)
class RopeView:
    """What RoPE does to one query head's q and k (Su et al. 2021): before and after the rotation.

    Attributes:
        q_before, q_after: ``[d_head]``, the query of ``query_pos`` before and after its rotation.
        k_before, k_after: ``[d_head]``, the key of ``key_pos`` (of the head's key/value head).
        angles_q, angles_k: ``[d_head/2]``, the rotation m·θ_i of each dimension pair (i, i + d_head/2), radians.
        scores_before, scores_after: ``[key_pos]``, q·k_j/√d_head of the query with every key, before and after.
    """

    query_pos: int
    key_pos: int
    q_before: Float[torch.Tensor, "d_head"]
    q_after: Float[torch.Tensor, "d_head"]
    k_before: Float[torch.Tensor, "d_head"]
    k_after: Float[torch.Tensor, "d_head"]
    angles_q: Float[torch.Tensor, "pair"]
    angles_k: Float[torch.Tensor, "pair"]
    scores_before: Float[torch.Tensor, "key_pos"]
    scores_after: Float[torch.Tensor, "key_pos"]

    @property
    def stacked(self) -> Float[torch.Tensor, "4 d_head"]:
        """q before, q after, k before, k after, as the rows of one ``[4, d_head]`` matrix."""
        return torch.stack([self.q_before, self.q_after, self.k_before, self.k_after])


def rope_view(cap: Capture, layer: int, head: int, query_pos: int, key_pos: int) -> RopeView:
    """q and k of one head before and after the rotary rotation, and the scores either way.

    Raises:
        ValueError: for a capture of a model without rotary positions (BERT, GPT-2).
        PositionError: for a layer, head or position outside the capture.
    """
    if cap.rope_theta is None:
        raise ValueError("this capture has no rotary positions: RoPE is shown for rotary models (Llama) only")
    check_index("layer", layer, cap.n_layers)
    check_index("head", head, cap.n_heads)
    check_index("query_pos", query_pos, cap.n_tokens)
    check_index("key_pos", key_pos, cap.n_tokens)
    kv = int(cap.kv_heads[head])
    q_before, k_before = cap.q_pre_rope[layer, query_pos, head], cap.k_pre_rope[layer, key_pos, kv]
    angles = rope_angles(cap.n_tokens, cap.q.shape[-1], cap.rope_theta)  # [pos, pair]
    return RopeView(
        query_pos=query_pos, key_pos=key_pos, q_before=q_before, q_after=cap.q[layer, query_pos, head],
        k_before=k_before, k_after=cap.k[layer, key_pos, kv], angles_q=angles[query_pos], angles_k=angles[key_pos],
        scores_before=cap.head_scores_pre_rope(layer, head)[query_pos], scores_after=cap.head_scores_raw(layer, head)[query_pos],
    )  # fmt: skip


def heads_sharing(cap: Capture, head: int) -> list[int]:
    """The query heads that read the same key/value head as ``head`` (itself included), in order.

    Under grouped-query attention (Ainslie et al. 2023) n_heads / n_kv_heads query heads share
    one key and value; without it the list is ``[head]``.

    Raises:
        PositionError: for a head outside the capture.
    """
    check_index("head", head, cap.n_heads)
    kv = cap.kv_heads
    return [h for h in range(cap.n_heads) if int(kv[h]) == int(kv[head])]

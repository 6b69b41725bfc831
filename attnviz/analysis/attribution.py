"""Does attention explain the output? Attention rollout and flow beside gradient attributions.

Attention weights say where a head reads from, not what the output depends on (Jain &
Wallace 2019, "Attention is not Explanation"; Wiegreffe & Pinter 2019, "Attention is not
not Explanation"). This module computes, per input token, five scores that a reader can
set side by side:

- the raw attention of the last layer (mean over heads) from the output's query;
- attention rollout and attention flow (Abnar & Zuidema 2020, "Quantifying Attention Flow
  in Transformers"), which follow the weights through every layer;
- gradient × input and integrated gradients (Sundararajan et al. 2017, "Axiomatic
  Attribution for Deep Networks"), which ask the output itself;

and their Spearman rank correlations. The output explained is a scalar: for a decoder the
difference of two next-token logits at the last position (``logit_difference``), for a
sentence encoder the cosine similarity of two sentences' mean-pooled embeddings
(``sentence_similarity``). The gradients are taken with respect to the embedding that
enters layer 0 (the value passing ``embed.hook_embed``), never the weights: the network is
shared and read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import networkx as nx
import numpy as np
import torch
import torch.nn.functional as F
from jaxtyping import Float, Int

from attnviz.errors import ConfigError, FlowLengthError, TokenChoiceError
from attnviz.model.capture import Capture
from attnviz.model.runner import HookedTransformer

FLOW_MAX_TOKENS = 32  # max-flow for every input token costs O(n) flows on an (n·layers)-node graph
IG_STEPS = 128
FLOW_SCALE = 10**6  # capacities as integers (networkx's max-flow is exact on integers)


# --- rollout and flow: the attention weights followed through the layers ------------------


def layer_attention(cap: Capture, residual: bool = True) -> Float[torch.Tensor, "layer query_pos key_pos"]:
    """Each layer's mean-over-heads pattern, optionally mixed with the residual connection.

    ``A_l = 0.5·mean_h(pattern[l, h]) + 0.5·I``, rows renormalised to sum to 1 (Abnar &
    Zuidema 2020, §3: the residual connection carries half of each token's own value);
    with ``residual=False``, ``A_l = mean_h(pattern[l, h])`` (rows renormalised too). Computes
    one layer's heads at a time. Float32 ``[layer, query_pos, key_pos]``.
    """
    eye = torch.eye(cap.n_tokens)
    layers = []
    for layer in range(cap.n_layers):
        mixed = cap.pattern[layer].mean(0)  # [query_pos, key_pos]
        if residual:
            mixed = 0.5 * mixed + 0.5 * eye
        layers.append(mixed / mixed.sum(-1, keepdim=True))
    return torch.stack(layers)


def rollout(cap: Capture, residual: bool = True) -> Float[torch.Tensor, "layer query_pos key_pos"]:
    """Attention rollout (Abnar & Zuidema 2020, Eq. 1): how much each input token reaches each position.

    ``R_0 = A_0`` and ``R_l = A_l · R_{l-1}``, with ``A_l`` from ``layer_attention(cap,
    residual)``: ``0.5·mean-over-heads pattern + 0.5·I``, rows renormalised. Row i of
    ``R_l`` is a distribution over the input tokens (each row sums to 1).

    Args:
        cap: any capture (encoder or decoder).
        residual: False drops the identity (the plain product of the mean patterns).

    Returns:
        Float32 ``[layer, query_pos, key_pos]``: ``R_l`` for every layer ``l``.
    """
    mixed = layer_attention(cap, residual)
    out = torch.empty_like(mixed)
    out[0] = mixed[0]
    for layer in range(1, cap.n_layers):
        out[layer] = mixed[layer] @ out[layer - 1]
    return out


def attention_flow(cap: Capture, query: int = -1, max_tokens: int = FLOW_MAX_TOKENS) -> Float[torch.Tensor, "key_pos"]:
    """Attention flow (Abnar & Zuidema 2020, §3): the max-flow from each input token to the output.

    The layer graph has a node per (layer boundary, token): input nodes ``(0, j)`` and the
    nodes ``(l + 1, i)`` after each layer ``l``; an edge ``(l, j) → (l + 1, i)`` has the
    capacity ``A_l[i, j]`` (``layer_attention`` with the residual). The flow of token ``j``
    is the maximum flow from ``(0, j)`` to ``(n_layers, query)`` (networkx's preflow-push,
    on capacities rounded to 1e-6).

    Args:
        query: the output position (default the last; an encoder's [CLS] is 0).
        max_tokens: the longest input accepted (one max-flow per token on an n·layers graph).

    Returns:
        Float32 ``[key_pos]``.

    Raises:
        FlowLengthError: for an input longer than ``max_tokens``.
    """
    n = cap.n_tokens
    if n > max_tokens:
        raise FlowLengthError(n=n, most=max_tokens)
    query = range(n)[query]
    capacity = (layer_attention(cap).numpy() * FLOW_SCALE).round().astype(np.int64)  # [layer, query_pos, key_pos]
    graph = nx.DiGraph()
    for layer in range(cap.n_layers):
        for i, j in zip(*np.nonzero(capacity[layer]), strict=True):
            graph.add_edge((layer, int(j)), (layer + 1, int(i)), capacity=int(capacity[layer, i, j]))
    sink = (cap.n_layers, query)
    flows = [nx.maximum_flow_value(graph, (0, j), sink) if graph.has_node((0, j)) and nx.has_path(graph, (0, j), sink) else 0 for j in range(n)]
    return torch.tensor(flows, dtype=torch.float32) / FLOW_SCALE


# --- the output explained, and gradient attributions --------------------------------------


@dataclass(frozen=True)
class Output:
    """A scalar output of a model on one input: what gradient attributions explain.

    Attributes:
        kind: ``"logit_diff"`` (decoders) or ``"cosine"`` (encoders).
        token_ids: int64 ``[pos]``, the input whose tokens get the attributions.
        token_type_ids: int64 ``[pos]``.
        target, distractor: token ids (``"logit_diff"``): f = logit[target] − logit[distractor] at the last position.
        other: float32 ``[d_model]`` (``"cosine"``): the second sentence's mean-pooled embedding;
            f = cos(mean-pool(first), other).
    """

    kind: str
    token_ids: Int[torch.Tensor, "pos"]
    token_type_ids: Int[torch.Tensor, "pos"]
    target: int | None = None
    distractor: int | None = None
    other: Float[torch.Tensor, "d_model"] | None = None


def single_token(model: HookedTransformer, text: str) -> int:
    """The id of ``text`` if the tokenizer reads it as exactly one token (e.g. ``" Mary"``, leading space included).

    Raises:
        TokenChoiceError: for text that is not exactly one token.
    """
    ids = model.tokenizer(text, add_special_tokens=False)["input_ids"]
    if len(ids) != 1:
        raise TokenChoiceError(text=text, n=len(ids))
    return int(ids[0])


def logit_difference(model: HookedTransformer, prompt: str, target: str, distractor: str) -> Output:
    """The decoder output ``logit[target] − logit[distractor]`` at the prompt's last position.

    Raises:
        TokenChoiceError: when ``target`` or ``distractor`` is not one token.
        EmptyTextError: for an empty prompt.
    """
    enc, _ = model.tokenize(prompt)
    ids = enc["input_ids"][0]
    return Output("logit_diff", ids, torch.zeros_like(ids), single_token(model, target), single_token(model, distractor))


def sentence_similarity(model: HookedTransformer, first: str, second: str) -> Output:
    """The encoder output ``cos(mean-pool(first), mean-pool(second))`` (sentence-transformers' mean pooling;
    the cosine ignores its final normalisation), attributed over the first sentence's tokens.

    Raises:
        EmptyTextError: for an empty sentence.
    """
    first_ids, second_ids = (model.tokenize(text)[0]["input_ids"][0] for text in (first, second))
    with torch.inference_mode():
        other = model.network(second_ids[None].to(model.device), torch.zeros_like(second_ids)[None].to(model.device))[0].mean(0)
    return Output("cosine", first_ids, torch.zeros_like(first_ids), other=other.float().cpu())


def output_value(model: HookedTransformer, out: Output, replace: Callable[[torch.Tensor], torch.Tensor], batch: int = 1) -> Float[torch.Tensor, "batch"]:
    """f for a batch of copies of ``out``'s input, the embedding entering layer 0 replaced by ``replace(embedding)``.

    ``replace`` gets the model's own embedding ``[batch, pos, d_model]`` and returns the one
    to use (a forward hook on ``embed.hook_embed`` returning a new value). Runs with the
    model's lock held (no other run sees the hook). Gradients flow to whatever ``replace``
    returns; the weights are never changed.
    """
    net, device = model.network, model.device
    ids = out.token_ids[None].expand(batch, -1).to(device)
    handle = net.get_submodule("embed.hook_embed").register_forward_hook(lambda module, args, value: replace(value))
    try:
        if out.kind == "logit_diff":
            last = net.ln_final(net.run(ids)[:, -1])  # [batch, d_model]
            return last @ (net.unembed_rows[out.target] - net.unembed_rows[out.distractor])
        pooled = net(ids, out.token_type_ids[None].expand(batch, -1).to(device)).mean(1)  # [batch, d_model]
        return F.cosine_similarity(pooled, out.other.to(device)[None], dim=-1)
    finally:
        handle.remove()


def _embedding(model: HookedTransformer, out: Output) -> Float[torch.Tensor, "pos d_model"]:
    seen = []
    with torch.inference_mode():
        output_value(model, out, lambda value: seen.append(value[0].clone()) or value)
    return seen[0].clone()  # a normal tensor (not an inference one), usable in autograd


def _gradients(model: HookedTransformer, out: Output, inputs: Float[torch.Tensor, "batch pos d_model"]) -> tuple[torch.Tensor, torch.Tensor]:
    """f at each of ``inputs`` (used as the embedding) and ∂f/∂input, both on the CPU."""
    with model._lock, torch.enable_grad():  # noqa: SLF001 — the runs' lock: our hook must be alone on the shared network
        x = inputs.to(model.device).requires_grad_(True)
        values = output_value(model, out, lambda value: x, batch=len(inputs))
        (grad,) = torch.autograd.grad(values.sum(), x)  # only the input's gradient: no parameter's .grad is written
    return values.detach().float().cpu(), grad.float().cpu()


def grad_x_input(model: HookedTransformer, out: Output) -> Float[torch.Tensor, "pos"]:
    """Gradient × input per token: ``Σ_d x_{i,d} · ∂f/∂x_{i,d}`` at the model's own embedding x
    (Shrikumar et al. 2016; Ancona et al. 2018). Float32 ``[pos]``."""
    with model._lock:  # noqa: SLF001
        x = _embedding(model, out)
    _, grad = _gradients(model, out, x[None])
    return (grad[0] * x.cpu()).sum(-1)


@dataclass(frozen=True)
class IntegratedGradients:
    """Integrated gradients of one output, with the completeness check.

    Attributes:
        attributions: float32 ``[pos]``, per token (summed over d_model).
        value: f(x), the output at the input.
        baseline_value: f(b), at the baseline embedding.
        baseline: ``"zero"`` or ``"mean"`` (see ``baseline_embedding``).
        steps: the number of gradient points of the path integral.
    """

    attributions: Float[torch.Tensor, "pos"]
    value: float
    baseline_value: float
    baseline: str
    steps: int

    @property
    def total(self) -> float:
        """Σ attributions."""
        return float(self.attributions.sum())

    @property
    def gap(self) -> float:
        """Completeness gap ``|Σ attributions − (f(x) − f(b))| / |f(x) − f(b)|`` (Sundararajan et al. 2017, Prop. 1: 0 exactly)."""
        change = self.value - self.baseline_value
        return abs(self.total - change) / max(abs(change), 1e-12)


def baseline_embedding(model: HookedTransformer, out: Output, x: Float[torch.Tensor, "pos d_model"], kind: str) -> Float[torch.Tensor, "pos d_model"]:
    """The path's start b for integrated gradients.

    ``"zero"``: b = 0 (Sundararajan et al. 2017's choice for text). ``"mean"`` (decoders):
    each token's own embedding row replaced by the vocabulary's mean row, b_i = x_i −
    W_E[id_i] + mean_v W_E[v] (GPT-2's position embedding kept): the tokens' identity
    removed, the scale kept; the first position keeps its own embedding, b_0 = x_0, so its
    attribution is 0 by construction. A pre-norm decoder needs both:

    - from b = 0 every RMSNorm sees a vanishing input that each layer's 1/√ε gain blows up
      again, so f(α·x) jumps about down to the smallest α float32 holds (SmolLM2's IOI
      logit difference: −1.4 at α = 1e-6, −0.5 at 1.3e-6, −2.5 at 2e-6, −0.01 at 1e-5, −3.4
      at 1e-4, while f(0) = 0) and no number of steps accounts for f(x) − f(0);
    - the first position is the attention sink: many heads put over 0.95 of their weight
      there, and its residual stream carries massive activations (Xiao et al. 2023,
      "Efficient Streaming Language Models with Attention Sinks"; Sun et al. 2024, "Massive
      Activations in Large Language Models"; SmolLM2: max |resid| about 870 after layers
      2–5 and 27,000 after layer 20, all along the path). Moving its embedding too moves
      the key and value that those heads read most: SmolLM2's IOI logit difference then
      swings by 1 within Δα = 0.001 near α = 0.22 (∂f/∂α up to 3,000, against a median of
      10; float64 changes f by 1e-4 at most, and autograd agrees with central differences),
      and 1,024 evenly spaced gradient points still miss f(x) − f(b) by 32%. Kept fixed, as
      the practice of keeping BOS/[CLS] in the baseline does, f along the path is smooth at
      Δα = 0.0005 (total variation 12.25 there, 12.23 at Δα = 0.005; 25.7 with it moved).

    Raises:
        ConfigError: for ``"mean"`` on an encoder (BERT's embedding is normalised before the
            hook point), or an unknown kind.
    """
    if kind == "zero":
        return torch.zeros_like(x)
    if kind != "mean" or out.kind != "logit_diff":
        raise ConfigError(field="baseline", value=f"{kind!r}: use 'zero', or 'mean' for a decoder")
    rows = model.network.embed.W_E.detach().float().cpu()
    b = x - rows[out.token_ids] + rows.mean(0)
    b[0] = x[0]  # the attention sink stays: see above
    return b


PATH_GRID = np.concatenate([[0.0], np.logspace(-12, -2, 41), np.linspace(0.02, 1.0, 50)])  # where f along the path is sampled first
GAUSS_NODES, GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(2)  # 2-point Gauss-Legendre on [-1, 1] (Captum's default rule)


def path_edges(values: Float[torch.Tensor, "grid"], pieces: int) -> np.ndarray:
    """Float64 ``[pieces + 1]`` edges cutting [0, 1] into pieces that carry equal shares of f's variation along ``PATH_GRID``.

    f is far from smooth along the path: MiniLM's similarity from the zero embedding rises
    0.06 → 0.59 between α = 0.1 and 0.2 with wiggles 0.01 wide; a LayerNorm whose input has
    no bias jumps where α·x passes √ε (a tiny random BERT: α ≈ 1e-9 … 1e-6), so the grid is
    logarithmic near 0, from 1e-12. ``values`` = f at ``PATH_GRID`` (forward runs only); a
    piece's share is Σ|Δf| over the grid, plus 5% spread evenly so that no stretch goes
    without points.
    """
    change = np.abs(np.diff(values.double().numpy()))
    change = change + 0.05 * max(change.sum(), 1e-12) / len(change)
    share = np.concatenate([[0.0], np.cumsum(change)]) / change.sum()
    return np.interp(np.linspace(0, 1, pieces + 1), share, PATH_GRID)


def _path(alphas: torch.Tensor, b: torch.Tensor, x: torch.Tensor) -> Float[torch.Tensor, "batch pos d_model"]:
    return b + alphas[:, None, None] * (x - b)


def path_values(model: HookedTransformer, out: Output, b: torch.Tensor, x: torch.Tensor, alphas: np.ndarray = PATH_GRID, chunk: int = 32) -> Float[torch.Tensor, "grid"]:
    """f(b + α·(x − b)) at every α of ``alphas`` (forward runs only, ``chunk`` at a time), float64 ``[grid]``."""
    values = []
    with model._lock, torch.inference_mode():  # noqa: SLF001
        for part in torch.tensor(alphas, dtype=torch.float32).split(chunk):
            points = _path(part, b, x).to(model.device)
            values.append(output_value(model, out, lambda value, points=points: points, batch=len(part)).double().cpu())
    return torch.cat(values)


def _piece_gradients(model: HookedTransformer, out: Output, b: torch.Tensor, x: torch.Tensor, lo: np.ndarray, hi: np.ndarray, chunk: int) -> Float[torch.Tensor, "piece pos d_model"]:
    """∫ ∇f over each piece [lo_k, hi_k] of the path by 2-point Gauss-Legendre: float64 ``[piece, pos, d_model]``."""
    width = (hi - lo)[:, None]
    alphas = torch.tensor((lo[:, None] + (GAUSS_NODES + 1) / 2 * width).ravel(), dtype=torch.float32)  # [piece·2]
    weights = torch.tensor((GAUSS_WEIGHTS / 2 * width).ravel())  # float64 [piece·2]
    grads = torch.cat([_gradients(model, out, _path(part, b, x))[1].double() for part in alphas.split(chunk)])  # [piece·2, pos, d_model]
    return (weights[:, None, None] * grads).unflatten(0, (-1, 2)).sum(1)


def integrated_gradients(model: HookedTransformer, out: Output, steps: int = IG_STEPS, baseline: str | None = None, chunk: int = 16) -> IntegratedGradients:
    """Integrated gradients (Sundararajan et al. 2017, Eq. 1) per token.

    ``IG_i = Σ_d (x − b)_{i,d} · ∫_0^1 ∂f(b + α·(x − b))/∂x_{i,d} dα``, the integral by
    2-point Gauss–Legendre on pieces of [0, 1], ``steps`` gradient points in the final rule.
    The pieces are placed adaptively:

    1. ``steps // 4`` pieces carrying equal shares of f's variation on ``PATH_GRID``
       (``path_edges``; forward runs only);
    2. each piece's error is known exactly: by the fundamental theorem of calculus the
       integral of the path derivative ∇f·(x − b) over [α_lo, α_hi] is f(α_hi) − f(α_lo),
       and f at the edges costs forward runs only. The pieces whose quadrature misses that
       most are halved (``chunk // 4`` at a time) until the rule has ``steps`` points.

    The integral is unchanged (only where it is sampled); each halving evaluates 4 new
    gradient points, so about 1.5 · ``steps`` gradient runs in all. By completeness
    Σ_i IG_i = f(x) − f(b); ``.gap`` says how close. SmolLM2's IOI logit difference (the
    "mean" baseline, the first token kept: see ``baseline_embedding``; f(x) − f(b) = 6.120 −
    0.401): gaps 0.32%, 0.006%, 0.0004%, 0.0002% at 64, 128, 256 and 512 steps (before:
    51%, 113%, 25%, 58%). The halving aims at the sum; the per-token attributions converge
    too: 64 and 128 steps differ from 512 by at most 0.048 and 0.0045 on any token, for
    attributions up to 1.97. A tiny random BERT's similarity from the zero embedding rises
    over five decades of α (1e-11 … 1e-6, where α·x passes its LayerNorm's ε), which the
    halving reaches slowly: 2.3% at 64 steps, 0.001% at 128.

    Args:
        baseline: ``"zero"`` or ``"mean"`` (``baseline_embedding``); None: zero for encoders,
            mean for decoders.
        chunk: gradient points per batched run.

    Returns:
        ``IntegratedGradients`` with float32 ``[pos]`` attributions.
    """
    kind = baseline or ("mean" if out.kind == "logit_diff" else "zero")
    with model._lock:  # noqa: SLF001
        x = _embedding(model, out).cpu()
    b = baseline_embedding(model, out, x, kind)
    direction = (x - b).double()  # [pos, d_model]
    edges = path_edges(path_values(model, out, b, x), max(1, steps // 4))
    f_edges = path_values(model, out, b, x, edges)
    lo, hi, f_lo, f_hi = edges[:-1], edges[1:], f_edges[:-1], f_edges[1:]
    summed = _piece_gradients(model, out, b, x, lo, hi, chunk)  # [piece, pos, d_model]
    while len(lo) < max(1, steps // 2):
        error = ((summed * direction).sum((1, 2)) - (f_hi - f_lo)).abs()  # [piece]
        split = np.sort(error.argsort(descending=True)[: min(max(1, chunk // 4), steps // 2 - len(lo))].numpy())
        mid = (lo[split] + hi[split]) / 2
        f_mid = path_values(model, out, b, x, mid)
        halves = _piece_gradients(model, out, b, x, np.concatenate([lo[split], mid]), np.concatenate([mid, hi[split]]), chunk)
        keep = np.setdiff1d(np.arange(len(lo)), split)
        lo, hi = np.concatenate([lo[keep], lo[split], mid]), np.concatenate([hi[keep], mid, hi[split]])
        f_lo = torch.cat([f_lo[keep], f_lo[split], f_mid])
        f_hi = torch.cat([f_hi[keep], f_mid, f_hi[split]])
        summed = torch.cat([summed[keep], halves])
    ends, _ = _gradients(model, out, torch.stack([x, b]))
    attributions = (summed.sum(0) * direction).sum(-1).float()
    return IntegratedGradients(attributions, float(ends[0]), float(ends[1]), kind, 2 * len(lo))


# --- comparing the methods ----------------------------------------------------------------


def _ranks(x: Float[torch.Tensor, "n"]) -> Float[torch.Tensor, "n"]:
    """Ranks 0 … n−1, ties given their mean rank (as scipy.stats.rankdata, minus 1)."""
    order = torch.argsort(x, stable=True)
    ranks = torch.empty(len(x), dtype=torch.float64)
    ranks[order] = torch.arange(len(x), dtype=torch.float64)
    _, group = torch.unique(x, return_inverse=True)
    sums = torch.zeros(int(group.max()) + 1, dtype=torch.float64).index_add_(0, group, ranks)
    return (sums / torch.bincount(group).double())[group]


def spearman(a: Float[torch.Tensor, "n"], b: Float[torch.Tensor, "n"]) -> float:
    """Spearman's rank correlation: the Pearson correlation of the ranks (ties share their mean rank). NaN if either is constant."""
    ra, rb = _ranks(a.flatten()), _ranks(b.flatten())
    ra, rb = ra - ra.mean(), rb - rb.mean()
    denominator = float(ra.norm() * rb.norm())
    return float((ra * rb).sum()) / denominator if denominator else float("nan")


def rank_correlations(scores: dict[str, Float[torch.Tensor, "pos"]]) -> Float[torch.Tensor, "method method"]:
    """Spearman correlation of every pair of per-token scores, float64 ``[method, method]`` in ``scores``' order."""
    names = list(scores)
    return torch.tensor([[spearman(scores[a], scores[b]) for b in names] for a in names], dtype=torch.float64)


METHODS = ("attention", "rollout", "flow", "grad_x_input", "integrated_gradients")


@dataclass(frozen=True)
class Explanation:
    """Every method's per-token score for one output, and how their rankings agree.

    Attributes:
        tokens: the input's token strings.
        query: the position whose attention is read (the last; an encoder's [CLS], 0).
        scores: method (``METHODS``) -> float32 ``[pos]`` (attention methods ≥ 0; gradients signed).
        correlations: float64 ``[method, method]``, Spearman on the attention scores and the
            gradient attributions' absolute values (attention weighs tokens, it has no sign).
        ig: the integrated-gradients result with its completeness check.
    """

    tokens: list[str]
    query: int
    scores: dict[str, torch.Tensor]
    correlations: torch.Tensor
    ig: IntegratedGradients


def explain(model: HookedTransformer, cap: Capture, out: Output, steps: int = IG_STEPS) -> Explanation:
    """All five methods on ``cap`` (the capture of ``out``'s input) and their rank correlations.

    Raises:
        FlowLengthError: for an input longer than ``FLOW_MAX_TOKENS``.
    """
    query = cap.n_tokens - 1 if cap.causal else 0
    flow = attention_flow(cap, query)  # first: it refuses a long input before the gradient runs
    ig = integrated_gradients(model, out, steps)
    scores = {
        "attention": cap.pattern[cap.n_layers - 1, :, query].mean(0),
        "rollout": rollout(cap)[-1, query],
        "flow": flow,
        "grad_x_input": grad_x_input(model, out),
        "integrated_gradients": ig.attributions,
    }
    magnitudes = {name: s.abs() if name in ("grad_x_input", "integrated_gradients") else s for name, s in scores.items()}
    return Explanation(list(cap.tokens), query, scores, rank_correlations(magnitudes), ig)

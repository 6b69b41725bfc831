"""Query/key space of a head: its queries and keys over the probe set, jointly projected to 2-D.

AttentionViz (Yeh et al. 2023, "AttentionViz: A Global View of Transformer Attention",
arXiv 2305.03210) draws one head's query vectors and key vectors together in one plane, so
that a query lies near the keys it attends to. Before projecting it normalises them (their
section on vector normalisation), with two changes that leave every attention weight as it is:

- **key translation**: every key moves by ``t = mean(q) − mean(k)``, so the two centroids
  coincide. A query's scores change by ``q·t``, the same for all its keys, and softmax is
  unchanged by adding a constant to a row (Vaswani et al. 2017, eq. 1);
- **scaling**: then queries are multiplied by ``c`` and keys by ``1/c`` with
  ``c = √(mean‖k‖ / mean‖q‖)``, so both have the same mean norm; every ``q·k`` is unchanged
  (the two centroids stay on one line through the origin, ``c²`` apart in length).

Then the ``2n`` vectors are projected jointly: PCA (the top two right singular vectors of
the centred matrix, a plain SVD) or, where the optional ``umap-learn`` package is installed,
UMAP (McInnes et al. 2018). The vectors are the model's own: ``cap.q`` and ``cap.k`` (after
RoPE for rotary models, the vectors the scores multiply); with grouped-query attention a
query head is drawn with the key/value head it shares (``cap.kv_heads``).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from jaxtyping import Float, Int

from attnviz.analysis.head_metrics import probe_inputs
from attnviz.errors import ProjectionError, Text

METHODS = ("pca", "umap")
CONTEXT = 5  # tokens shown on each side of a point's token in its context
UMAP_SEED = 0


@dataclass(frozen=True)
class ProbeVectors:
    """Every probe token's query and key vectors in every layer: what ``project`` reads.

    Attributes:
        q: float32 ``[layer, point, head, d_head]``, the captured queries of every probe token.
        k: float32 ``[layer, point, kv_head, d_head]``, the captured keys.
        kv_head_of: int64 ``[head]``, the key/value head of each query head.
        tokens: the ``point`` token strings (as the capture shows them).
        contexts: for each point, its token with up to ``CONTEXT`` tokens each side, the token in ⟦ ⟧.
        positions: int64 ``[point]``, each token's position in its input.
        inputs: int64 ``[point]``, which probe input each token is from.
    """

    q: Float[torch.Tensor, "layer point head d_head"]
    k: Float[torch.Tensor, "layer point kv_head d_head"]
    kv_head_of: Int[torch.Tensor, "head"]
    tokens: list[str]
    contexts: list[str]
    positions: Int[torch.Tensor, "point"]
    inputs: Int[torch.Tensor, "point"]


@dataclass(frozen=True)
class Projection:
    """One head's queries and keys in one plane: the first ``n`` points are the queries, the next ``n`` the keys.

    Attributes:
        coords: float32 ``[2n, 2]``.
        is_key: bool ``[2n]``, False for a query, True for a key.
        tokens, contexts: the ``2n`` points' tokens and contexts (each probe token twice).
        positions: int64 ``[2n]``, each point's position in its input.
        method: "pca" or "umap".
        explained: for PCA, the fraction of the variance of the normalised vectors each axis holds ``[2]``; None for UMAP.
        shift: float32 ``[d_head]``, the key translation ``t``.
        scale: the query scale ``c`` (keys were divided by it).
    """

    coords: Float[torch.Tensor, "point2 2"]
    is_key: torch.Tensor
    tokens: list[str]
    contexts: list[str]
    positions: Int[torch.Tensor, "point2"]
    method: str
    explained: Float[torch.Tensor, "2"] | None
    shift: Float[torch.Tensor, "d_head"]
    scale: float


def probe_vectors(model, texts: Sequence[str] | None = None, progress: Callable[[float], None] | None = None) -> ProbeVectors:
    """Run the probe set (``head_metrics.probe_inputs``: the built-in sentences and repeated random
    sequences, or ``texts``) and keep every token's q and k in every layer.

    Args:
        model: a ``HookedTransformer``.
        texts: your own texts, or None for the built-in probe set.
        progress: called with the fraction done (0 … 1) after each input.

    Raises:
        EmptyTextError: for an empty text (as ``run_with_capture``).
    """
    inputs = probe_inputs(model, texts)
    qs, ks, tokens, contexts, positions, which = [], [], [], [], [], []
    kv_head_of = None
    for index, probe in enumerate(inputs):
        cap = model.run_with_capture(probe.text) if probe.text is not None else model.run_tokens_with_capture(list(probe.token_ids))
        qs.append(cap.q)  # [layer, pos, head, d_head]
        ks.append(cap.k)  # [layer, pos, kv_head, d_head]
        kv_head_of = cap.kv_heads
        tokens += cap.tokens
        contexts += [context(cap.tokens, i) for i in range(cap.n_tokens)]
        positions += range(cap.n_tokens)
        which += [index] * cap.n_tokens
        if progress is not None:
            progress((index + 1) / len(inputs))
    return ProbeVectors(torch.cat(qs, dim=1), torch.cat(ks, dim=1), kv_head_of, tokens, contexts, torch.tensor(positions), torch.tensor(which))


def context(tokens: list[str], i: int, width: int = CONTEXT) -> str:
    """Token ``i`` in ⟦ ⟧ with up to ``width`` tokens each side, "…" where the input goes on (plain text, not escaped)."""
    lo, hi = max(0, i - width), min(len(tokens), i + width + 1)
    words = [f"⟦{tok}⟧" if j == i else tok for j, tok in zip(range(lo, hi), tokens[lo:hi], strict=True)]
    return ("… " if lo > 0 else "") + " ".join(words) + (" …" if hi < len(tokens) else "")


def normalize(q: Float[torch.Tensor, "n d_head"], k: Float[torch.Tensor, "n d_head"]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, float]:
    """AttentionViz's normalisation: keys translated so the centroids coincide, then queries scaled
    by ``c`` and keys by ``1/c`` to the same mean norm (module docstring). Every attention weight is unchanged.

    Returns:
        (q·c, (k + t)/c, t, c), with ``t = mean(q) − mean(k)`` float32 ``[d_head]`` and ``c`` a float.
    """
    shift = q.mean(0) - k.mean(0)
    moved = k + shift
    scale = float((moved.norm(dim=1).mean() / q.norm(dim=1).mean()).sqrt())
    return q * scale, moved / scale, shift, scale


def pca_2d(x: Float[torch.Tensor, "n d"]) -> tuple[Float[torch.Tensor, "n 2"], Float[torch.Tensor, "2"]]:
    """The first two principal components of the rows of ``x`` and the fraction of the variance each holds.

    Centred ``x = U·S·Vᵀ`` (``torch.linalg.svd``, float64); the coordinates are ``x·V[:, :2]``.
    Each axis's sign is fixed so that its largest-magnitude loading is positive (an SVD's signs are arbitrary).

    Raises:
        ProjectionError: for fewer than two points or fewer than two dimensions.
    """
    if x.shape[0] < 2 or x.shape[1] < 2:
        raise ProjectionError(problem=Text("qk_err_points", n=x.shape[0], most=2))
    centred = (x - x.mean(0)).double()
    _, s, vh = torch.linalg.svd(centred, full_matrices=False)
    axes = vh[:2]  # [2, d]
    signs = torch.sign(axes.gather(1, axes.abs().argmax(1, keepdim=True)))
    axes = axes * signs
    variance = s**2
    return (centred @ axes.T).float(), (variance[:2] / variance.sum()).float()


def umap_available() -> bool:
    """Whether the optional ``umap-learn`` package is installed (``pip install umap-learn``)."""
    return importlib.util.find_spec("umap") is not None


def umap_2d(x: Float[torch.Tensor, "n d"], seed: int = UMAP_SEED) -> Float[torch.Tensor, "n 2"]:
    """UMAP (McInnes et al. 2018) of the rows of ``x`` to 2-D, seeded.

    Raises:
        ProjectionError: when ``umap-learn`` is not installed, or for fewer than three points.
    """
    if not umap_available():
        raise ProjectionError(problem=Text("qk_err_umap"))
    if x.shape[0] < 3:
        raise ProjectionError(problem=Text("qk_err_points", n=x.shape[0], most=3))
    import umap  # optional: numba, llvmlite, scikit-learn and scipy come with it

    reducer = umap.UMAP(n_components=2, n_neighbors=min(15, x.shape[0] - 1), random_state=seed)
    return torch.from_numpy(reducer.fit_transform(x.double().numpy())).float()


def project(vectors: ProbeVectors, layer: int, head: int, method: str = "pca") -> Projection:
    """The queries of ``head`` and the keys of its key/value head in ``layer``, normalised and jointly projected.

    Args:
        vectors: ``probe_vectors(model)``.
        layer, head: the head (a query head; its key/value head is ``vectors.kv_head_of[head]``).
        method: "pca" or "umap" (the optional ``umap-learn``).

    Raises:
        ProjectionError: for an unknown method, UMAP without its package, or a layer or head out of range.
    """
    layers, _, heads, _ = vectors.q.shape
    if method not in METHODS:
        raise ProjectionError(problem=Text("qk_err_method", method=method))
    if not (0 <= layer < layers and 0 <= head < heads):
        raise ProjectionError(problem=Text("qk_err_head", layer=layer, head=head, layers=layers, heads=heads))
    q = vectors.q[layer, :, head]  # [point, d_head]
    k = vectors.k[layer, :, int(vectors.kv_head_of[head])]
    q_n, k_n, shift, scale = normalize(q, k)
    joint = torch.cat([q_n, k_n])  # [2 · point, d_head]: queries first
    coords, explained = pca_2d(joint) if method == "pca" else (umap_2d(joint), None)
    n = q.shape[0]
    return Projection(
        coords=coords, is_key=torch.arange(2 * n) >= n, tokens=vectors.tokens * 2, contexts=vectors.contexts * 2,
        positions=torch.cat([vectors.positions, vectors.positions]), method=method, explained=explained, shift=shift, scale=scale,
    )  # fmt: skip

"""Per-head metrics: what each head of a model does, measured on a probe set (a head finder).

Every metric is a mean, over the queries it applies to, of one number per query row of a
head's pattern ``w[i, ·]`` (``cap.pattern[l, h, i]``), pooled over the probe inputs (each
query counts once). Masked keys never count (their weight is 0, and they are multiplied by
the mask again here), and a query that may attend to only one key (a decoder's first
token: its row is 1 on itself whatever the head does) tells nothing and counts for no metric.

=====================  ==========================================================  ==========================
metric                 per query i                                                 queries it applies to
=====================  ==========================================================  ==========================
``self``               w[i, i]                                                     all
``previous_token``     w[i, i − 1]                                                 i ≥ 1
``first_token``        w[i, 0], the "attention sink" (Xiao et al. 2024)            all
``entropy``            −Σ_j w[i, j]·log₂ w[i, j], bits (``metrics.entropy_bits``)  all
``qk_distance``        d̄ᵢ = Σ_j w[i, j]·|i − j|, in tokens                          all
``qk_distance_spread`` √(Σ_j w[i, j]·(|i − j| − d̄ᵢ)²), the weighted std of |i − j|    all
``induction``          Σ_p w[i, p + 1] over earlier occurrences p of token i           i with an earlier occurrence
``duplicate_token``    Σ_p w[i, p] over earlier occurrences p of token i               i with an earlier occurrence
``cls`` / ``sep``      the weight on the [CLS] / [SEP] keys (encoders only)        all
=====================  ==========================================================  ==========================

(Clark et al. 2019, "What does BERT look at?", for the positional, [CLS] and [SEP] heads;
Olsson et al. 2022, "In-context learning and induction heads", for induction; Wang et al.
2023, "Interpretability in the wild" (IOI), for duplicate-token heads; Vig & Belinkov 2019
for the mean attention distance.) With the built-in probe set (``texts=None``,
``attnviz.analysis.probes``) induction and duplicate-token are measured on the seeded random
sequences repeated twice, where they are defined, and every other metric on the plain
English sentences; with your own ``texts`` every metric is measured on them (induction and
duplicate-token on the tokens that repeat there).

Patterns are derived a block of query rows of one layer at a time (``ROW_BUDGET`` floats), so
an 8,192-token text never holds every head's ``n × n`` pattern.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import torch
from jaxtyping import Bool, Float, Int

from attnviz.analysis import probes
from attnviz.analysis.metrics import entropy_bits
from attnviz.errors import PositionError
from attnviz.model.capture import Capture

POSITIONAL = ("self", "previous_token", "first_token", "entropy", "qk_distance", "qk_distance_spread")
SPECIAL_KEYS = ("cls", "sep")  # encoders only
REPEATS = ("induction", "duplicate_token")
ROW_BUDGET = 1 << 22  # floats of pattern rows derived at once (16 MiB)
KINDS = {  # which metrics each kind of probe input measures
    "sentence": POSITIONAL + SPECIAL_KEYS,
    "repeated": REPEATS,
    "text": POSITIONAL + SPECIAL_KEYS + REPEATS,
}


def metric_names(is_decoder: bool) -> tuple[str, ...]:
    """The metrics ``head_metrics`` returns for a decoder (no [CLS]/[SEP]) or an encoder, in display order."""
    return POSITIONAL + REPEATS + (() if is_decoder else SPECIAL_KEYS)


def row_sums(
    pattern: Float[torch.Tensor, "head row key_pos"],
    rows: Int[torch.Tensor, "row"],
    attn_mask: Bool[torch.Tensor, "row key_pos"],
    token_ids: Int[torch.Tensor, "key_pos"],
    names: Collection[str],
    special_ids: Collection[int] = (),
    cls_id: int | None = None,
    sep_id: int | None = None,
) -> dict[str, tuple[Float[torch.Tensor, "head"], int]]:
    """Each metric's sum over the given query rows and how many rows it applied to.

    Args:
        pattern: float ``[head, row, key_pos]``: the pattern rows of the query positions ``rows``.
        rows: int64 ``[row]``, their query positions.
        attn_mask: bool ``[row, key_pos]``, the mask's rows for them (True where a query may attend).
        token_ids: int64 ``[key_pos]``, the whole input's token ids.
        names: the metrics to measure (see the module docstring).
        special_ids: token ids that never count as a repeated token (e.g. [CLS], [SEP]).
        cls_id, sep_id: the [CLS] and [SEP] ids (encoders); a metric whose token is None is 0 on no query.

    Returns:
        ``{name: (float32 [head] sum over the rows it applies to, number of those rows)}``.
    """
    n_rows, n = attn_mask.shape
    w = pattern.float() * attn_mask  # [head, row, key_pos]: masked keys never count
    informative = attn_mask.sum(-1) >= 2  # a row with one allowed key is 1 there whatever the head does
    at = torch.arange(n_rows)
    keys = torch.arange(n)
    out = {}

    def add(name: str, value: Float[torch.Tensor, "head row"], applies: Bool[torch.Tensor, "row"]) -> None:
        applies = applies & informative
        out[name] = ((value * applies).sum(-1), int(applies.sum()))

    if {"qk_distance", "qk_distance_spread"} & set(names):
        distance = (rows[:, None] - keys[None]).abs().float()  # [row, key_pos]
        mean = (w * distance).sum(-1)  # [head, row]
        add("qk_distance", mean, torch.ones(n_rows, dtype=torch.bool))
        add("qk_distance_spread", (w * (distance - mean[..., None]) ** 2).sum(-1).clamp_min(0).sqrt(), torch.ones(n_rows, dtype=torch.bool))
    if "self" in names:
        add("self", w[:, at, rows], attn_mask[at, rows])
    if "previous_token" in names:
        previous = (rows - 1).clamp_min(0)
        add("previous_token", w[:, at, previous], (rows >= 1) & attn_mask[at, previous])
    if "first_token" in names:
        add("first_token", w[:, :, 0], attn_mask[:, 0])
    if "entropy" in names:
        add("entropy", entropy_bits(w), torch.ones(n_rows, dtype=torch.bool))
    for name, token in (("cls", cls_id), ("sep", sep_id)):
        if name in names:
            on = token_ids == token if token is not None else torch.zeros(n, dtype=torch.bool)
            add(name, (w * on).sum(-1), (attn_mask & on).any(-1))
    if set(REPEATS) & set(names):
        ordinary = ~torch.isin(token_ids, torch.tensor(sorted(special_ids), dtype=token_ids.dtype))
        earlier = (token_ids[rows][:, None] == token_ids[None]) & (keys[None] < rows[:, None]) & ordinary[rows][:, None]  # [row, key_pos]
        after = torch.zeros_like(earlier)
        after[:, 1:] = earlier[:, :-1]  # the token after each earlier occurrence
        if "duplicate_token" in names:
            add("duplicate_token", (w * earlier).sum(-1), (earlier & attn_mask).any(-1))
        if "induction" in names:
            add("induction", (w * after).sum(-1), (after & attn_mask).any(-1))
    return out


def pattern_metrics(
    pattern: Float[torch.Tensor, "head query_pos key_pos"],
    attn_mask: Bool[torch.Tensor, "query_pos key_pos"],
    token_ids: Int[torch.Tensor, "pos"],
    names: Collection[str] = POSITIONAL + REPEATS + SPECIAL_KEYS,
    special_ids: Collection[int] = (),
    cls_id: int | None = None,
    sep_id: int | None = None,
) -> dict[str, Float[torch.Tensor, "head"]]:
    """The metrics of every head of one pattern (one layer, one input), ``{name: float32 [head]}``.

    Each is the mean over the queries it applies to (module docstring); NaN where it applies
    to none (e.g. induction on a text without a repeated token). Arguments as in ``row_sums``.
    """
    rows = torch.arange(pattern.shape[1])
    sums = row_sums(pattern, rows, attn_mask, token_ids, names, special_ids, cls_id, sep_id)
    return {name: total / count if count else torch.full_like(total, math.nan) for name, (total, count) in sums.items()}


@dataclass(frozen=True)
class ProbeInput:
    """One input of a probe set: its token ids, its kind (``"sentence"``, ``"repeated"`` or ``"text"``: ``KINDS``) and its text (None for ids)."""

    token_ids: tuple[int, ...]
    kind: str
    text: str | None = None


@dataclass(frozen=True)
class ProbeScores:
    """Every head's metric sums per probe input: what ``head_metrics`` and ``top_examples`` read.

    Attributes:
        inputs: the probe inputs, in order.
        sums: ``{metric: float32 [input, layer, head]}``, the sum over the input's queries the metric applies to.
        counts: ``{metric: int64 [input]}``, how many queries those are (0 where the metric is not measured).
    """

    inputs: tuple[ProbeInput, ...]
    sums: dict[str, Float[torch.Tensor, "input layer head"]]
    counts: dict[str, Int[torch.Tensor, "input"]]

    def means(self) -> dict[str, Float[torch.Tensor, "layer head"]]:
        """``{metric: float32 [layer, head]}``, each the mean over every query it applies to, all inputs pooled."""
        return {name: _ratio(self.sums[name].sum(0), self.counts[name].sum()) for name in self.sums}

    def per_input(self, name: str) -> Float[torch.Tensor, "input layer head"]:
        """The metric ``name`` of each input alone, ``float32 [input, layer, head]`` (NaN where it is not measured)."""
        return _ratio(self.sums[name], self.counts[name][:, None, None])

    def top_examples(self, name: str, layer: int, head: int, k: int = 3) -> list[tuple[int, float]]:
        """The ``k`` inputs on which head (``layer``, ``head``) scores highest on ``name``: ``[(input index, score), ...]``, highest first.

        Raises:
            KeyError: for a metric not measured; PositionError for a layer or head outside the model.
        """
        scores = self.per_input(name)
        for what, value, size in (("layer", layer, scores.shape[1]), ("head", head, scores.shape[2])):
            if not 0 <= value < size:
                raise PositionError(name=what, value=value, n=size)
        column = scores[:, layer, head]
        measured = [i for i in range(len(column)) if not math.isnan(float(column[i]))]
        measured.sort(key=lambda i: -float(column[i]))
        return [(i, float(column[i])) for i in measured[:k]]


def _ratio(total: torch.Tensor, count: torch.Tensor) -> torch.Tensor:
    return torch.where(count > 0, total / count.clamp_min(1), torch.full_like(total, math.nan))


def probe_inputs(model, texts: Sequence[str] | None = None) -> list[ProbeInput]:
    """The inputs ``probe_scores`` runs: the built-in sentences and repeated random sequences (``texts=None``), or ``texts``."""
    if texts is not None:
        return [ProbeInput(tuple(model.tokenize(text)[0]["input_ids"][0].tolist()), "text", text) for text in texts]
    sentences = [ProbeInput(tuple(model.tokenize(text)[0]["input_ids"][0].tolist()), "sentence", text) for text in probes.SENTENCES]
    return sentences + [ProbeInput(tuple(ids), "repeated") for ids in probes.repeated_sequences(model.tokenizer)]


def probe_scores(model, texts: Sequence[str] | None = None, progress: Callable[[float], None] | None = None) -> ProbeScores:
    """Run every probe input (``probe_inputs``) and sum each head's metrics over its queries.

    Args:
        model: a ``HookedTransformer``.
        texts: your own texts (every metric measured on them), or None for the built-in probe set.
        progress: called with the fraction done (0 … 1) after each input.

    Raises:
        EmptyTextError: for an empty text (as ``run_with_capture``).
    """
    inputs = probe_inputs(model, texts)
    tok = model.tokenizer
    decoder = model.config.is_decoder
    names = metric_names(decoder)
    shape = (len(inputs), model.config.n_layers, model.config.n_heads)
    sums = {name: torch.zeros(shape) for name in names}
    counts = {name: torch.zeros(len(inputs), dtype=torch.int64) for name in names}
    ids = dict(special_ids=set(tok.all_special_ids), cls_id=None if decoder else tok.cls_token_id, sep_id=None if decoder else tok.sep_token_id)
    for index, probe in enumerate(inputs):
        measured = [name for name in KINDS[probe.kind] if name in names]
        cap = model.run_with_capture(probe.text) if probe.text is not None else model.run_tokens_with_capture(list(probe.token_ids))
        for layer in range(cap.n_layers):
            for name, (total, count) in _layer_sums(cap, layer, measured, **ids).items():
                sums[name][index, layer] = total
                counts[name][index] = count
        if progress is not None:
            progress((index + 1) / len(inputs))
    return ProbeScores(tuple(inputs), sums, counts)


def _layer_sums(cap: Capture, layer: int, names: list[str], **ids) -> dict[str, tuple[torch.Tensor, int]]:
    """``row_sums`` of every head of ``layer`` over all queries, a block of rows at a time."""
    n = cap.n_tokens
    step = max(1, ROW_BUDGET // (cap.n_heads * n))
    totals: dict[str, tuple[torch.Tensor, int]] = {}
    for start in range(0, n, step):
        rows = torch.arange(start, min(n, start + step))
        block = row_sums(cap.pattern[layer, :, start : start + step], rows, cap.attn_mask[rows], cap.token_ids, names, **ids)
        for name, (total, count) in block.items():
            before = totals.get(name, (0, 0))
            totals[name] = (before[0] + total, before[1] + count)
    return totals


def head_metrics(model, texts: Sequence[str] | None = None, progress: Callable[[float], None] | None = None) -> dict[str, Float[torch.Tensor, "layer head"]]:
    """Every head's metrics on a probe set: ``{name: float32 [layer, head]}``.

    The names are ``metric_names(model.config.is_decoder)``: ``self``, ``previous_token``,
    ``first_token``, ``entropy`` (bits), ``qk_distance`` and ``qk_distance_spread`` (tokens),
    ``induction``, ``duplicate_token``, and for encoders ``cls`` and ``sep``; each the mean
    over the queries it applies to, all probe inputs pooled (the module docstring says which
    queries and cites the papers). NaN where no query applies (e.g. induction on your own
    texts when no token repeats).

    Args:
        model: a ``HookedTransformer`` (``attnviz.load_model``).
        texts: None for the built-in probe set (``attnviz.analysis.probes``: 40 English
            sentences, and 10 seeded random sequences of 25 tokens repeated twice for
            induction and duplicate-token), or your own texts, every metric measured on them.
        progress: called with the fraction done after each input (the app's progress bar).

    Raises:
        EmptyTextError: for an empty text among ``texts``.
    """
    return probe_scores(model, texts, progress).means()


def top_examples(model, metric: str, layer: int, head: int, k: int = 3, texts: Sequence[str] | None = None) -> list[tuple[ProbeInput, float]]:
    """The ``k`` probe inputs on which head (``layer``, ``head``) scores highest on ``metric``, highest first.

    Runs the whole probe set (``probe_scores``); to ask about many heads, call
    ``probe_scores`` once and its ``top_examples`` per head.

    Raises:
        KeyError: for a metric the model has no value of; PositionError for a layer or head outside the model.
    """
    scores = probe_scores(model, texts)
    return [(scores.inputs[i], score) for i, score in scores.top_examples(metric, layer, head, k)]

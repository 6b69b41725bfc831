"""One training loop for the translators (the Transformer and the GRU models), for the script and the app.

Teacher forcing (Vaswani et al. 2017, Section 3: the output embeddings are "shifted right"):
the decoder reads [<s>] + target and is trained to predict target + [</s>] at every position at
once, with cross-entropy over the real label positions (padding ignored). Adam with a linear
warm-up and a cosine decay, gradients clipped to norm 1.

Deterministic: the data come from a seeded :class:`~attnviz.training.dates.DateGenerator`,
weights are initialised under :func:`seeded` and the loop runs with
``torch.use_deterministic_algorithms(True)``, float32, on the CPU; the same seed and the same
thread count give the same weights.
"""

from __future__ import annotations

import math
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

import torch
from jaxtyping import Bool, Int
from tokenizers import Tokenizer
from torch import nn

from attnviz.model.rnn_seq2seq import RnnSeq2Seq
from attnviz.training.char_vocab import BOS_ID, EOS_ID, PAD_ID
from attnviz.training.dates import DateGenerator, Example


@dataclass
class Batch:
    """Padded tensors for a list of examples (pad id 0)."""

    src_ids: Int[torch.Tensor, "batch src_pos"]  # characters + </s>
    src_mask: Bool[torch.Tensor, "batch src_pos"]  # True = real token
    tgt_in: Int[torch.Tensor, "batch tgt_pos"]  # <s> + target characters
    labels: Int[torch.Tensor, "batch tgt_pos"]  # target characters + </s>, 0 where padded


def _pad(rows: list[list[int]]) -> torch.Tensor:
    out = torch.full((len(rows), max(map(len, rows))), PAD_ID, dtype=torch.long)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row, dtype=torch.long)
    return out


def encode_sources(tok: Tokenizer, sources: list[str]) -> tuple[Int[torch.Tensor, "batch src_pos"], Bool[torch.Tensor, "batch src_pos"]]:
    """(source ids, mask): each text's characters + </s>, padded with 0; the mask True on real tokens."""
    src_ids = _pad([e.ids for e in tok.encode_batch(sources)])
    return src_ids, src_ids != PAD_ID


def make_batch(tok: Tokenizer, examples: list[Example]) -> Batch:
    """Tokenize and pad ``examples`` (see :mod:`attnviz.training.char_vocab` for the convention)."""
    tgt = [e.ids for e in tok.encode_batch([x.target for x in examples], add_special_tokens=False)]
    return Batch(*encode_sources(tok, [x.source for x in examples]), _pad([[BOS_ID, *t] for t in tgt]), _pad([[*t, EOS_ID] for t in tgt]))


def date_batches(tok: Tokenizer, seed: int, batch_size: int, max_dates: int = 1) -> Iterator[Batch]:
    """Endless training batches from ``DateGenerator(seed)``; ``max_dates > 1``: each source holds 1 to ``max_dates`` dates."""
    gen = DateGenerator(seed)
    while True:
        if max_dates == 1:
            yield make_batch(tok, gen.train(batch_size))
        else:
            yield make_batch(tok, [gen.multi(gen.rng.randint(1, max_dates)) for _ in range(batch_size)])


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Within the block torch's CPU random generator starts from ``seed``; outside it is left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """``torch.set_num_threads(n)`` within the block (process-wide), the previous count restored after; None changes nothing."""
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@contextmanager
def deterministic() -> Iterator[None]:
    """``torch.use_deterministic_algorithms(True)`` within the block, the previous setting restored after."""
    before = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before)


@dataclass
class TrainResult:
    """What a run did: the steps run, the loss and accuracy of each, seconds, and whether it was cancelled."""

    steps: int = 0
    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False


def learning_rate(step: int, steps: int, peak: float, warmup: int) -> float:
    """Linear warm-up to ``peak`` over ``warmup`` steps, then a cosine decay to 0 at ``steps``."""
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def train(
    net: nn.Module,
    batches: Iterator[Batch],
    steps: int,
    lr: float = 1e-3,
    warmup: int = 100,
    progress: Callable[[int, float, float], None] | None = None,
    snapshot: Callable[[int, nn.Module], None] | None = None,
    snapshot_every: int = 50,
    should_stop: Callable[[], bool] | None = None,
    threads: int | None = None,
) -> TrainResult:
    """Train ``net`` (``net(src_ids, tgt_in, src_mask) -> logits``) for ``steps`` batches with teacher forcing.

    Args:
        net: an EncoderDecoder or RnnSeq2Seq, changed in place.
        batches: training batches (e.g. :func:`date_batches`).
        progress: called after every step with (step (1-based), loss, accuracy), the accuracy
            being the fraction of the batch's label tokens the teacher-forced argmax gets right.
        snapshot: called with (step, net) at step 0 (before training) and every ``snapshot_every``
            steps, the net in eval mode under ``torch.no_grad`` (e.g. to capture a fixed example's
            cross-attention); training resumes after it.
        should_stop: checked before each step; when it returns True the run ends (``cancelled``).
        threads: torch's CPU threads while training (process-wide, restored after; None, the
            default: as they are, e.g. set by the script's --threads). Pass 1 on a busy machine:
            these models are small, and on the shared 2-core machine two threads made a 40-step
            run of the tiny test Transformer take 25.8 s instead of 0.6 s.

    Returns:
        A :class:`TrainResult`. Raises ValueError for ``steps < 1``.
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    result = TrainResult()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    start = time.perf_counter()
    with deterministic(), torch_threads(threads):
        for step in range(steps):
            if should_stop is not None and should_stop():
                result.cancelled = True
                break
            if snapshot is not None and step % snapshot_every == 0:
                _snapshot(net, snapshot, step)
            for group in opt.param_groups:
                group["lr"] = learning_rate(step, steps, lr, warmup)
            loss, accuracy = _step(net, opt, next(batches))
            result.steps, result.seconds = step + 1, time.perf_counter() - start
            result.losses.append(loss)
            result.accuracies.append(accuracy)
            if progress is not None:
                progress(step + 1, loss, accuracy)
        if snapshot is not None and not result.cancelled:
            _snapshot(net, snapshot, result.steps)
    net.eval()
    return result


def _snapshot(net: nn.Module, snapshot: Callable[[int, nn.Module], None], step: int) -> None:
    net.eval()
    with torch.no_grad():
        snapshot(step, net)
    net.train()


def _step(net: nn.Module, opt: torch.optim.Optimizer, batch: Batch) -> tuple[float, float]:
    net.train()
    logits = net(batch.src_ids, batch.tgt_in, batch.src_mask)  # [batch, tgt_pos, d_vocab]
    loss = nn.functional.cross_entropy(logits.flatten(0, 1), batch.labels.flatten(), ignore_index=PAD_ID)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(net.parameters(), 1.0)
    opt.step()
    real = batch.labels != PAD_ID
    accuracy = ((logits.argmax(-1) == batch.labels) & real).sum() / real.sum()
    return float(loss.detach()), float(accuracy)


@torch.no_grad()
def greedy_ids(net: nn.Module, src_ids: torch.Tensor, src_mask: torch.Tensor, max_len: int) -> torch.Tensor:
    """Greedy output ids [batch, out_pos] (without <s>; </s> kept, pad after it), at most ``max_len`` steps.

    A GRU model decodes step by step with its state; the Transformer reruns its decoder on the
    growing output (the targets are 11 tokens long, so the cache a long output would want is not needed).
    """
    net.eval()
    if isinstance(net, RnnSeq2Seq):
        return net.greedy(src_ids, src_mask, max_len)[0]
    out = torch.full((src_ids.shape[0], 1), BOS_ID, dtype=torch.long)
    done = torch.zeros(src_ids.shape[0], dtype=torch.bool)
    for _ in range(max_len):
        nxt = net(src_ids, out, src_mask)[:, -1].argmax(-1)
        nxt = torch.where(done, PAD_ID, nxt)
        out = torch.cat([out, nxt[:, None]], 1)
        done |= nxt == EOS_ID
        if bool(done.all()):
            break
    return out[:, 1:]


def translate_batch(net: nn.Module, tok: Tokenizer, sources: list[str], max_len: int = 64, batch_size: int = 500) -> list[str]:
    """Greedy translations of ``sources`` (text up to the first </s>)."""
    outputs = []
    for i in range(0, len(sources), batch_size):
        src_ids, src_mask = encode_sources(tok, sources[i : i + batch_size])
        for row in greedy_ids(net, src_ids, src_mask, max_len).tolist():
            row = row[: row.index(EOS_ID)] if EOS_ID in row else row
            outputs.append(tok.decode(row))
    return outputs


def exact_match(net: nn.Module, tok: Tokenizer, examples: list[Example], max_len: int = 64) -> float:
    """The fraction of ``examples`` whose greedy translation equals the target exactly."""
    predictions = translate_batch(net, tok, [e.source for e in examples], max_len)
    return sum(p == e.target for p, e in zip(predictions, examples)) / len(examples)

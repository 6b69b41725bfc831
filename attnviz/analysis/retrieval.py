"""Needle in a haystack: a long text with one planted fact, and the heads that retrieve it.

A haystack is plain filler text the project writes itself (no downloads), with one
sentence, the needle, planted at a chosen depth and a question about it at the end. A
model that answers correctly has to find the needle across the whole context. Wu et al.
2024 ("Retrieval Head Mechanistically Explains Long-Context Factuality", §2) found that a
few heads do this: while the model writes the answer, such a head attends most to the
very needle token the model is writing, copying it. The retrieval score of a head is the
fraction of the needle's tokens it copied.

Nothing here loads or runs a model: the scores are read from a capture of the prompt
plus the model's own answer, one head and only the answer's query rows at a time.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Callable, Collection, Sequence

import torch
from jaxtyping import Float

from attnviz.analysis import decoding
from attnviz.errors import HaystackError, Text
from attnviz.model.capture import Capture

# SmolLM2-135M-Instruct answers "The code is 734182." to this pair at 150–500 tokens, any depth.
DEFAULT_NEEDLE = "The blue door's code is 734182."
DEFAULT_QUESTION = "What is the blue door's code? Reply with the code."
CHARS_PER_TOKEN = 4.5  # English prose in a byte-level BPE: the default estimate of a text's token count
MAX_ANSWER_TOKENS = 12  # the answer is cut there: each new token is one more run over the whole context
TOP_HEADS = 10  # how many of the best heads keep their answer rows in a ``NeedleSearch``

# Plain, varied sentences about ordinary things, none of them about doors or numbers.
FILLER = (
    "The river bends twice before it reaches the old mill at the edge of the village.",
    "Most mornings the baker opens his shop a little before the first bus arrives.",
    "A light rain fell over the hills, and the sheep gathered under the tall oak trees.",
    "The library keeps its maps of the coast in a wooden cabinet near the window.",
    "Children in the town learn to swim in the lake when the water is warm in summer.",
    "The market sells apples, pears and plums from the farms along the valley road.",
    "On windy days the fishing boats stay in the harbour and the nets are mended.",
    "The museum has a small room of painted plates from the last century.",
    "Walkers often stop at the bridge to watch the ducks on the slow green water.",
    "In autumn the leaves of the maple trees turn orange, then red, then brown.",
    "The train to the city leaves from the second platform and takes about an hour.",
    "A family of foxes lives in the woods behind the school playing field.",
    "The gardener waters the roses in the evening, when the sun is low.",
    "Every spring the town holds a fair with music, games and fresh bread.",
    "The lighthouse on the point has guided ships past the rocks for many years.",
    "Snow rarely falls here, but when it does the streets become very quiet.",
    "The cook adds a pinch of salt to the soup and lets it simmer slowly.",
    "Bees visit the lavender beds in the park from June until late August.",
    "The path through the forest is marked with small white stones.",
    "An old clock in the town hall strikes every hour, a little late.",
    "The potter shapes bowls and cups on a wheel in the shed behind her house.",
    "Clouds moved quickly across the sky as the wind turned towards the north.",
    "The farmers bring their cheese to the square on the first day of each week.",
    "Along the canal, tall poplars stand in a long and even row.",
    "The teacher reads a short story to the class at the end of every day.",
    "In the valley the evenings are cool, even in the middle of summer.",
    "A narrow staircase leads up to the tower, where pigeons sleep at night.",
    "The carpenter sands the table until the wood feels smooth under his hand.",
    "Boats painted blue and yellow rest on the sand when the tide is out.",
    "The orchard on the hill produces more cherries than the village can eat.",
    "Many visitors come in summer to walk along the cliffs and watch the sea birds.",
    "The shop on the corner sells newspapers, stamps and small bags of sweets.",
    "At dusk the frogs in the pond begin to sing, one after another.",
    "The old road over the mountain is closed in winter because of the ice.",
    "A tailor in the high street has mended coats there for forty years.",
    "The children built a small dam of stones across the stream.",
    "Fresh herbs grow in pots on the kitchen windowsill all year round.",
    "The bell of the little chapel can be heard across the fields on Sunday.",
    "Sailors say the weather changes quickly around the northern islands.",
    "The tea room by the station serves scones with cream and jam.",
)


@dataclass(frozen=True)
class Haystack:
    """A generated haystack.

    Attributes:
        text: filler sentences with the needle planted among them, then a blank line and the question.
        needle_span: ``(start, end)`` character offsets of the needle in ``text`` (``text[start:end] == needle``).
        n_sentences: how many filler sentences it holds.
    """

    text: str
    needle_span: tuple[int, int]
    n_sentences: int


def approx_tokens(text: str) -> int:
    """A tokenizer-free estimate of a text's token count: ``ceil(len(text) / CHARS_PER_TOKEN)``."""
    return -int(-len(text) // CHARS_PER_TOKEN)


def make_haystack(
    n_tokens: int,
    needle: str = DEFAULT_NEEDLE,
    question: str = DEFAULT_QUESTION,
    depth: float = 0.5,
    seed: int = 0,
    count_tokens: Callable[[str], int] = approx_tokens,
) -> Haystack:
    """A deterministic text of about ``n_tokens`` tokens: filler, the needle at ``depth``, the question.

    Filler sentences are drawn from ``FILLER`` in an order shuffled by ``seed`` (each used
    once before any repeats) as long as the next one fits in ``n_tokens`` by ``count_tokens``, which
    is applied to each sentence with its leading space (so a tokenizer is called once per
    distinct sentence, not on the growing text). The needle goes after ``round(depth · s)``
    of the ``s`` sentences: depth 0 puts it first, depth 1 last, just before the question.
    Same arguments, same text.

    Args:
        n_tokens: the target length in tokens (the whole text, question included).
        depth: where the needle goes, a fraction in [0, 1].
        count_tokens: how many tokens a piece of text takes (default ``approx_tokens``).

    Raises:
        HaystackError: for an empty needle or question, a depth outside [0, 1], or a target
            too short to hold the needle and the question.
    """
    needle, question = needle.strip(), question.strip()
    if not needle:
        raise HaystackError(problem=Text("needle_err_empty_needle"))
    if not question:
        raise HaystackError(problem=Text("needle_err_empty_question"))
    if not 0.0 <= depth <= 1.0:
        raise HaystackError(problem=Text("needle_err_depth", depth=depth))
    sizes: dict[str, int] = {}

    def size(piece: str) -> int:
        if piece not in sizes:
            sizes[piece] = count_tokens(" " + piece)
        return sizes[piece]

    budget = n_tokens - size(needle) - size(question)
    if budget < 0:
        raise HaystackError(problem=Text("needle_err_too_short", n=n_tokens, need=size(needle) + size(question)))
    rng = random.Random(seed)
    sentences: list[str] = []
    while True:  # until the next sentence would not fit
        batch = list(FILLER)
        rng.shuffle(batch)
        for sentence in batch:
            if size(sentence) > budget:
                break
            sentences.append(sentence)
            budget -= size(sentence)
        else:
            continue
        break
    at = round(depth * len(sentences))
    before = " ".join(sentences[:at])
    start = len(before) + 1 if before else 0
    after = " ".join(sentences[at:])
    text = " ".join(part for part in (before, needle, after) if part) + "\n\n" + question
    return Haystack(text, (start, start + len(needle)), len(sentences))


def token_span(offsets: Sequence[tuple[int, int]], char_span: tuple[int, int]) -> range:
    """The token positions whose characters overlap ``char_span``.

    Args:
        offsets: each token's ``(start, end)`` characters in the text (a fast tokenizer's
            ``offset_mapping``; special tokens are ``(0, 0)`` and never overlap).
        char_span: ``(start, end)`` characters, e.g. ``Haystack.needle_span`` shifted to the prompt.

    Raises:
        HaystackError: when no token overlaps the span (the needle was cut off, or is empty).
    """
    start, end = char_span
    inside = [i for i, (a, b) in enumerate(offsets) if a < end and b > start and b > a]
    if not inside:
        raise HaystackError(problem=Text("needle_err_not_found"))
    return range(inside[0], inside[-1] + 1)


@dataclass(frozen=True)
class NeedlePrompt:
    """A haystack as the model reads it.

    Attributes:
        text: the prompt as text: the tokenizer's chat template around the haystack (a user
            turn, then the assistant's turn begun), or the haystack alone where the tokenizer has none.
        ids: the prompt's token ids.
        needle: the needle's token positions in ``ids``.
        haystack: the ``Haystack`` inside it.
    """

    text: str
    ids: tuple[int, ...]
    needle: range
    haystack: Haystack


def needle_prompt(tokenizer, n_tokens: int, needle: str, question: str, depth: float, seed: int = 0, reserve: int = MAX_ANSWER_TOKENS) -> NeedlePrompt:
    """A haystack (``make_haystack``) in the tokenizer's chat template, ``n_tokens`` long with room for the answer.

    The haystack's own target is ``n_tokens`` less the template's tokens and ``reserve``
    tokens for the answer, so prompt and answer fit in ``n_tokens``. The template is applied
    as text (``apply_chat_template(..., add_generation_prompt=True, tokenize=False)``) and
    tokenized with character offsets, which give the needle's token positions. Where the
    filler, counted sentence by sentence, tokenizes longer as a whole, the haystack is built
    again that much shorter.

    Args:
        tokenizer: a Hugging Face fast tokenizer (only tokenizes; nothing runs a model).

    Raises:
        HaystackError: as ``make_haystack``; also when the prompt still comes out longer
            than ``n_tokens − reserve`` after four tries (``needle_err_too_long``).
    """

    def wrap(content: str) -> str:
        if not getattr(tokenizer, "chat_template", None):
            return content
        return tokenizer.apply_chat_template([{"role": "user", "content": content}], add_generation_prompt=True, tokenize=False)

    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    most = n_tokens - reserve
    target = most - count(wrap("")) - (1 if tokenizer("x")["input_ids"][0] == tokenizer.bos_token_id else 0)
    for _ in range(4):  # sentences counted one by one may tokenize a little longer together: shrink by the excess
        haystack = make_haystack(target, needle, question, depth, seed, count)
        text = wrap(haystack.text)
        enc = tokenizer(text, return_offsets_mapping=True)
        excess = len(enc["input_ids"]) - most
        if excess <= 0:
            break
        target -= excess
    else:
        raise HaystackError(problem=Text("needle_err_too_long", n=len(enc["input_ids"]), most=most))
    at = text.index(haystack.text)
    start, end = haystack.needle_span
    return NeedlePrompt(text, tuple(enc["input_ids"]), token_span(enc["offset_mapping"], (at + start, at + end)), haystack)


def needle_number(needle: str) -> str | None:
    """The last number written in digits in the needle (what a correct answer holds), or None."""
    numbers = re.findall(r"\d+", needle)
    return numbers[-1] if numbers else None


def retrieval_scores(cap: Capture, needle: range, answer_positions: Sequence[int]) -> Float[torch.Tensor, "layer head"]:
    """The retrieval score of every head (Wu et al. 2024, §2), float32 ``[layer, head]``, each in [0, 1].

    At each answer token ``w`` at position ``p`` the query at ``p − 1`` is the one that
    predicted it. A head copies at that step when the key it attends to most (the argmax
    of that query's attention pattern) lies inside the needle and holds the same token id
    as ``w``. The head's score is the fraction of the needle's tokens it copied this way,
    |g_h ∩ k| / |k| in the paper's notation (g_h: what head h copied, k: the needle's
    tokens), counted by needle position: a position copied twice counts once.

    Only the answer's query rows are derived, one layer at a time
    (``cap.pattern[layer, :, rows]``, ``[head, len(rows), key_pos]``), never the whole
    ``[layer, head, n, n]`` pattern (72 GiB for SmolLM2 at 8,192 tokens).

    Args:
        cap: a decoder's capture of the prompt followed by the answer (teacher-forced: the
            model's own greedy answer run as ids, ``run_tokens_with_capture``).
        needle: the needle's token positions (``token_span``).
        answer_positions: the positions of the answer's tokens in ``cap``, each ≥ 1.

    Raises:
        HaystackError: for a needle outside the capture, or no answer positions (or one outside it).
    """
    n = cap.n_tokens
    if len(needle) == 0 or needle.start < 0 or needle.stop > n:
        raise HaystackError(problem=Text("needle_err_not_found"))
    answer = torch.as_tensor(list(answer_positions), dtype=torch.int64)
    if answer.numel() == 0 or int(answer.min()) < 1 or int(answer.max()) >= n:
        raise HaystackError(problem=Text("needle_err_no_answer"))
    rows = (answer - 1).tolist()
    ids = torch.as_tensor(cap.token_ids)
    written = ids[answer]  # [answer]
    scores = torch.zeros(cap.n_layers, cap.n_heads)
    for layer in range(cap.n_layers):
        top = cap.pattern[layer, :, rows].argmax(dim=-1)  # [head, answer]: the key each answer query attends to most
        copied = (top >= needle.start) & (top < needle.stop) & (ids[top] == written)  # [head, answer]
        for head in range(cap.n_heads):
            scores[layer, head] = len(set(top[head, copied[head]].tolist())) / len(needle)
    return scores


def top_heads(scores: Float[torch.Tensor, "layer head"], k: int) -> list[tuple[int, int, float]]:
    """The heads that copied from the needle (score > 0), highest score first, at most ``k``.

    Returns:
        ``(layer, head, score)`` triples; ties keep layer-then-head order.
    """
    flat = scores.flatten()
    order = sorted(range(flat.numel()), key=lambda i: (-float(flat[i]), i))
    n_heads = scores.shape[1]
    return [(i // n_heads, i % n_heads, float(flat[i])) for i in order[:k] if flat[i] > 0]


@dataclass(frozen=True)
class NeedleSearch:
    """The model's answer to a haystack prompt and what its heads did while writing it.

    Attributes:
        answer_ids: the greedy answer's token ids, without the stop token.
        scores: float32 ``[layer, head]``, ``retrieval_scores`` of the answer.
        heads: ``top_heads(scores, TOP_HEADS)``.
        rows: float32 ``[len(heads), answer, key_pos]``: for each of ``heads``, the attention
            pattern of each query that predicted an answer token (position ``p − 1`` for the
            token at ``p``) over the whole prompt and answer.
    """

    answer_ids: tuple[int, ...]
    scores: Float[torch.Tensor, "layer head"]
    heads: list[tuple[int, int, float]]
    rows: Float[torch.Tensor, "top answer key_pos"]


def search(
    capture_tokens: Callable[[list[int]], Capture],
    prompt_ids: Sequence[int],
    needle: range,
    stop_ids: Collection[int],
    max_new: int = MAX_ANSWER_TOKENS,
    on_step: Callable[[int, int], None] | None = None,
) -> NeedleSearch:
    """Let the model answer greedily (``decoding.generate``, one token at a time, until a
    ``stop_ids`` token or ``max_new`` tokens), then score every head on its own answer.

    The scores are read from the capture of the prompt followed by the answer (without the
    stop token): the greedy step that chose the stop token captured exactly that sequence,
    so a cached ``capture_tokens`` runs no extra model pass.

    Args:
        capture_tokens: runs the model on token ids (e.g. ``model.run_tokens_with_capture``).
        on_step: called as ``on_step(done, total)`` before each of the at most
            ``max_new + 1`` model runs (for a progress bar).

    Raises:
        HaystackError: when the model's first token is a stop token (no answer to score),
            or as ``retrieval_scores``.
    """
    total = max_new + 1
    chosen: list[int] = []
    for step in range(max_new):
        if on_step is not None:
            on_step(step, total)
        chosen = decoding.generate(capture_tokens, list(prompt_ids), step + 1, chosen=chosen)
        if chosen[-1] in stop_ids:
            chosen.pop()
            break
    if not chosen:
        raise HaystackError(problem=Text("needle_err_no_answer"))
    if on_step is not None:
        on_step(max_new, total)
    cap = capture_tokens([*prompt_ids, *chosen])
    start = len(prompt_ids)
    scores = retrieval_scores(cap, needle, range(start, start + len(chosen)))
    heads = top_heads(scores, TOP_HEADS)
    queries = list(range(start - 1, start + len(chosen) - 1))
    rows = torch.stack([cap.pattern[layer, head, queries] for layer, head, _ in heads]) if heads else torch.zeros(0, len(chosen), cap.n_tokens)
    return NeedleSearch(tuple(chosen), scores, heads, rows)

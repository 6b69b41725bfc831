"""Lesson 9: what does "it" refer to? Two sentences, every layer and head.

"The animal didn't cross the street because it was too tired." — "it" is the animal;
"… because it was too wide." — "it" is the street (a Winograd-style pair, Levesque et al.
2012; the example of Google's Transformer blog post, 2017). For every head we read how much
"it" (the query) attends to each candidate word (the keys), in each sentence, and list the
heads whose preference flips when only the last word changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from jaxtyping import Float

from attnviz.capture import Capture
from attnviz.errors import EmptyTextError
from attnviz.lessons.errors import WordNotFoundError
from attnviz.lessons.quiz import Question


def find_word(tokenizer, tokens: list[str], word: str) -> list[int]:
    """Positions of ``word``'s word pieces at its first occurrence in ``tokens``.

    The word is tokenized the way the model tokenizes text (lower-cased for an uncased model),
    and its pieces are searched for as a run of consecutive tokens.

    Raises:
        EmptyTextError: for a blank word.
        WordNotFoundError: if the word's pieces do not occur in ``tokens``.
    """
    if not word.strip():
        raise EmptyTextError()
    pieces = tokenizer.convert_ids_to_tokens(tokenizer(word.strip(), add_special_tokens=False)["input_ids"])
    for start in range(len(tokens) - len(pieces) + 1):
        if tokens[start : start + len(pieces)] == pieces:
            return list(range(start, start + len(pieces)))
    raise WordNotFoundError(word=word.strip(), tokens=" ".join(tokens))


def word_weights(cap: Capture, query_pos: int, key_words: list[list[int]]) -> Float[torch.Tensor, "layer head word"]:
    """The weight the query token puts on each key word (summed over the word's pieces), per head."""
    return torch.stack([cap.pattern[:, :, query_pos, pieces].sum(-1) for pieces in key_words], dim=-1)


@dataclass(frozen=True)
class Comparison:
    """Where "it" looks, in two sentences.

    Attributes:
        weights_a, weights_b: ``[layer, head, 2]``, the weight on the first and second key word.
        flipped: the (layer, head) pairs whose preferred key word differs between the two
            sentences, largest change of preference first.
        query_pos_a, query_pos_b: the query word's token position in each sentence.
    """

    weights_a: Float[torch.Tensor, "layer head word"]
    weights_b: Float[torch.Tensor, "layer head word"]
    flipped: list[tuple[int, int]]
    query_pos_a: int
    query_pos_b: int

    @property
    def preference_a(self) -> Float[torch.Tensor, "layer head"]:
        """weight on the first key word − weight on the second, in sentence A."""
        return self.weights_a[..., 0] - self.weights_a[..., 1]

    @property
    def preference_b(self) -> Float[torch.Tensor, "layer head"]:
        return self.weights_b[..., 0] - self.weights_b[..., 1]


def compare(cap_a: Capture, cap_b: Capture, tokenizer, query_word: str, key_words: tuple[str, str]) -> Comparison:
    """Compare how ``query_word`` attends to the two ``key_words`` in two sentences, per head.

    The query is the first piece of the query word; a key word's weight is the sum over its pieces.

    Raises:
        EmptyTextError: for a blank word.
        WordNotFoundError: if a word is missing from a sentence.
    """
    found = {}
    for name, cap in (("a", cap_a), ("b", cap_b)):
        query = find_word(tokenizer, cap.tokens, query_word)[0]
        keys = [find_word(tokenizer, cap.tokens, word) for word in key_words]
        found[name] = (query, word_weights(cap, query, keys))
    (query_a, weights_a), (query_b, weights_b) = found["a"], found["b"]
    pref_a, pref_b = weights_a[..., 0] - weights_a[..., 1], weights_b[..., 0] - weights_b[..., 1]
    flips = (torch.sign(pref_a) * torch.sign(pref_b) < 0).nonzero().tolist()
    flips.sort(key=lambda lh: -abs(float(pref_a[lh[0], lh[1]] - pref_b[lh[0], lh[1]])))
    return Comparison(weights_a, weights_b, [(int(l), int(h)) for l, h in flips], query_a, query_b)


def most_attended(cap: Capture, layer: int, head: int, query_pos: int) -> int:
    """The key position the query gives the largest weight in that head."""
    return int(cap.pattern[layer, head, query_pos].argmax())


def most_attended_question(cap: Capture, layer: int, head: int, query_pos: int) -> Question:
    """Which token does the query token attend to most in that head? Options are the sentence's tokens."""
    best = most_attended(cap, layer, head, query_pos)
    return Question(
        prompt="lesson9_q_prompt",
        params={"token": cap.tokens[query_pos], "layer": layer, "head": head},
        options=tuple(f"{tok} ·{i}" for i, tok in enumerate(cap.tokens)),
        answer=best,
        explanation="lesson9_q_explain",
        explanation_params={"token": cap.tokens[best], "weight": f"{float(cap.pattern[layer, head, query_pos, best]):.3f}"},
    )

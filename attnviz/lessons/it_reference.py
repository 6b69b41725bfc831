"""Lesson 9: what does "it" refer to? Two sentences, every layer and head.

"The animal didn't cross the street because it was too tired." — "it" is the animal;
"… because it was too wide." — "it" is the street (a Winograd-style pair, Levesque et al.
2012; the example of Google's Transformer blog post, 2017). For every head we read how much
"it" (the query) attends to each candidate word (the keys), in each sentence, and sort the
heads by how their preference changes when only the last word changes: right-way flips,
wrong-way flips, and smaller leanings, each with a margin the user sets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from jaxtyping import Float

from attnviz.errors import EmptyTextError, LessonValueError, WordNotFoundError
from attnviz.lessons.quiz import Question
from attnviz.model.capture import Capture


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

    Sentence A is written so that the query word means the first key word, sentence B so
    that it means the second (the lesson's convention: "tired" → the animal, "wide" → the street).

    Attributes:
        weights_a, weights_b: float32 ``[layer, head, 2]``, the weight on the first and second key word.
        query_pos_a, query_pos_b: the query word's token position in each sentence.
    """

    weights_a: Float[torch.Tensor, "layer head word"]
    weights_b: Float[torch.Tensor, "layer head word"]
    query_pos_a: int
    query_pos_b: int

    @property
    def preference_a(self) -> Float[torch.Tensor, "layer head"]:
        """weight on the first key word − weight on the second, in sentence A (> 0: the right referent)."""
        return self.weights_a[..., 0] - self.weights_a[..., 1]

    @property
    def preference_b(self) -> Float[torch.Tensor, "layer head"]:
        """weight on the first key word − weight on the second, in sentence B (< 0: the right referent)."""
        return self.weights_b[..., 0] - self.weights_b[..., 1]

    @property
    def shift(self) -> Float[torch.Tensor, "layer head"]:
        """preference_a − preference_b: how far each head moves towards the right referent between the sentences.

        Positive: the head gives the first word more (relative) weight in A than in B, as the
        meaning changes; negative: it moves the wrong way.
        """
        return self.preference_a - self.preference_b

    def changes(self, threshold: float) -> HeadChanges:
        """Sort the heads by what they do between the sentences, with a margin ``threshold`` on the weights.

        A head *flips the right way* if it prefers the first word by at least ``threshold`` in
        A and the second word by at least ``threshold`` in B; it *flips the wrong way* if it
        does the opposite. It *leans the right way* if its shift is at least ``threshold``
        (whether or not its preferred word changes), the wrong way if it is at most −``threshold``.

        Raises:
            LessonValueError: for a threshold outside [0, 1].
        """
        if not 0.0 <= threshold <= 1.0:
            raise LessonValueError(name="threshold", value=threshold, allowed="between 0 and 1")
        pref_a, pref_b, shift = self.preference_a, self.preference_b, self.shift
        margin = max(threshold, 1e-12)  # at 0: any strict change of sign

        def heads(selected: torch.Tensor) -> list[tuple[int, int]]:
            found = [(int(l), int(h)) for l, h in selected.nonzero().tolist()]
            return sorted(found, key=lambda lh: -abs(float(shift[lh])))

        return HeadChanges(
            threshold=threshold,
            right_flips=heads((pref_a >= margin) & (pref_b <= -margin)),
            wrong_flips=heads((pref_a <= -margin) & (pref_b >= margin)),
            leans_right=heads(shift >= margin),
            leans_wrong=heads(shift <= -margin),
            right_in_a=int((pref_a > 0).sum()),
            right_in_b=int((pref_b < 0).sum()),
            n_heads=shift.numel(),
        )


@dataclass(frozen=True)
class HeadChanges:
    """The heads that change their preference between the two sentences (see ``Comparison.changes``).

    Every list holds (layer, head) pairs, largest |shift| first. ``right_in_a`` and
    ``right_in_b`` count the heads that give the right referent more weight than the other
    word in each sentence (any margin).
    """

    threshold: float
    right_flips: list[tuple[int, int]]
    wrong_flips: list[tuple[int, int]]
    leans_right: list[tuple[int, int]]
    leans_wrong: list[tuple[int, int]]
    right_in_a: int
    right_in_b: int
    n_heads: int

    @property
    def p_flips(self) -> float:
        """``sign_test(right flips, wrong flips)``."""
        return sign_test(len(self.right_flips), len(self.wrong_flips))

    @property
    def p_shifts(self) -> float:
        """``sign_test(right-way shifts, wrong-way shifts)``."""
        return sign_test(len(self.leans_right), len(self.leans_wrong))

    @property
    def verdict(self) -> str:
        """What the counts show, as a translation key suffix.

        "flips": more right-way than wrong-way flips, a split a fair coin gives with
        probability below 0.05 (``sign_test``); "leans": not so for the flips, but so for the
        shifts; "barely": neither, the right and the wrong way are not clearly apart.
        """
        if len(self.right_flips) > len(self.wrong_flips) and self.p_flips < 0.05:
            return "flips"
        if len(self.leans_right) > len(self.leans_wrong) and self.p_shifts < 0.05:
            return "leans"
        return "barely"


def sign_test(right: int, wrong: int) -> float:
    """Two-sided sign test: the probability that ``right + wrong`` fair coin tosses split at least this unevenly.

    1.0 when there is nothing to split. A rough guide only: heads of one model are not
    independent coins.
    """
    n = right + wrong
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(right, wrong) + 1)) / 2**n
    return min(1.0, 2 * tail)


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
    return Comparison(weights_a, weights_b, query_a, query_b)


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
